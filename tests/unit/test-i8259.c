/* The dual 8259A: initialisation as PC firmware and Linux do it, priorities, EOI
 * forms, cascading, masking, ELCR level triggering, special modes, poll. */
#include <glib.h>

#include "hw/i8259.h"

typedef struct Fixture {
    Log log;
    AddressSpace io;
    PicState *pic;
    int intr; /* level seen on the CPU's INTR */
} Fixture;

static void record_intr(void *opaque, int n, int level)
{
    (void)n;
    ((Fixture *)opaque)->intr = level;
}

static void out8(Fixture *f, uint16_t port, uint8_t v)
{
    address_space_write(&f->io, port, v, 1);
}

static uint8_t in8(Fixture *f, uint16_t port)
{
    return (uint8_t)address_space_read(&f->io, port, 1);
}

/* The BIOS/Linux sequence: ICW1 edge+ICW4, ICW2 vector bases 0x08/0x70, ICW3 cascade
 * on IRQ 2, ICW4 8086 mode; then all unmasked. */
static void fixture_init(Fixture *f, uint8_t icw4)
{
    f->log = (Log){0, NULL};
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    f->intr = 0;
    f->pic = pic_new(&f->io, (IrqLine){record_intr, f, 0}, &f->log);
    out8(f, 0x20, 0x11);
    out8(f, 0x21, 0x08);
    out8(f, 0x21, 0x04);
    out8(f, 0x21, icw4);
    out8(f, 0xa0, 0x11);
    out8(f, 0xa1, 0x70);
    out8(f, 0xa1, 0x02);
    out8(f, 0xa1, icw4);
    out8(f, 0x21, 0x00);
    out8(f, 0xa1, 0x00);
}

static void fixture_fini(Fixture *f)
{
    pic_free(f->pic);
    address_space_destroy(&f->io);
}

static void eoi_master(Fixture *f)
{
    out8(f, 0x20, 0x20);
}

static void test_single_irq(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    g_assert_cmpint(f.intr, ==, 0);
    pic_set_irq(f.pic, 0, 1);
    g_assert_cmpint(f.intr, ==, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x08);
    g_assert_cmpint(f.intr, ==, 0);
    out8(&f, 0x20, 0x0b); /* OCW3: read ISR */
    g_assert_cmphex(in8(&f, 0x20), ==, 0x01);
    eoi_master(&f);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x00);
    /* Edge triggered: the line still high does not request again. */
    g_assert_cmpint(f.intr, ==, 0);
    pic_set_irq(f.pic, 0, 0);
    pic_set_irq(f.pic, 0, 1);
    g_assert_cmpint(f.intr, ==, 1);
    fixture_fini(&f);
}

static void test_priority_nesting(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    pic_set_irq(f.pic, 3, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x0b);
    /* A lower priority request waits while IRQ 3 is in service... */
    pic_set_irq(f.pic, 5, 1);
    g_assert_cmpint(f.intr, ==, 0);
    /* ...a higher one preempts. */
    pic_set_irq(f.pic, 1, 1);
    g_assert_cmpint(f.intr, ==, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x09);
    eoi_master(&f); /* non-specific EOI retires the highest in service: IRQ 1 */
    g_assert_cmpint(f.intr, ==, 0);
    eoi_master(&f); /* IRQ 3 */
    g_assert_cmpint(f.intr, ==, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x0d);
    fixture_fini(&f);
}

static void test_cascade(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    pic_set_irq(f.pic, 12, 1);
    g_assert_cmpint(f.intr, ==, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x74);
    out8(&f, 0x20, 0x0b);
    out8(&f, 0xa0, 0x0b);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x04);
    g_assert_cmphex(in8(&f, 0xa0), ==, 0x10);
    out8(&f, 0xa0, 0x20);
    out8(&f, 0x20, 0x20);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x00);
    g_assert_cmphex(in8(&f, 0xa0), ==, 0x00);
    fixture_fini(&f);
}

static void test_mask(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    out8(&f, 0x21, 0x01);
    g_assert_cmphex(in8(&f, 0x21), ==, 0x01);
    pic_set_irq(f.pic, 0, 1);
    g_assert_cmpint(f.intr, ==, 0);
    out8(&f, 0x20, 0x0a); /* read IRR */
    g_assert_cmphex(in8(&f, 0x20), ==, 0x01);
    out8(&f, 0x21, 0x00);
    g_assert_cmpint(f.intr, ==, 1);
    fixture_fini(&f);
}

static void test_level_elcr(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    out8(&f, 0x4d1, 0x0e); /* IRQ 9, 10, 11 level-triggered */
    g_assert_cmphex(in8(&f, 0x4d1), ==, 0x0e);
    out8(&f, 0x4d1, 0x21); /* IRQ 8 and 13 are always edge-triggered */
    g_assert_cmphex(in8(&f, 0x4d1), ==, 0x00);
    out8(&f, 0x4d1, 0x0e);
    pic_set_irq(f.pic, 10, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x72);
    out8(&f, 0xa0, 0x20);
    out8(&f, 0x20, 0x20);
    /* Still high: requests again. */
    g_assert_cmpint(f.intr, ==, 1);
    pic_set_irq(f.pic, 10, 0);
    /* The slave's request had already latched master IRQ 2 (edge-triggered cascade
     * input, as in QEMU): the acknowledge finds nothing on the slave and gives its
     * spurious IR7 vector. */
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x77);
    g_assert_cmpint(f.intr, ==, 0);
    /* Master IRQ 0-2 cannot be made level-triggered. */
    out8(&f, 0x4d0, 0xff);
    g_assert_cmphex(in8(&f, 0x4d0), ==, 0xf8);
    fixture_fini(&f);
}

static void test_spurious(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    out8(&f, 0x4d0, 0x10); /* IRQ 4 level */
    pic_set_irq(f.pic, 4, 1);
    pic_set_irq(f.pic, 4, 0); /* request withdrawn before INTA */
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x0f);
    out8(&f, 0x20, 0x0b);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x00); /* spurious: nothing in service */
    fixture_fini(&f);
}

static void test_auto_eoi_and_rotation(void)
{
    Fixture f;
    fixture_init(&f, 0x03); /* ICW4: auto EOI */
    pic_set_irq(f.pic, 1, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x09);
    out8(&f, 0x20, 0x0b);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x00); /* nothing left in service */
    /* Set priority: IRQ 4 lowest, so IRQ 5 is now the highest priority. */
    out8(&f, 0x20, 0xc4);
    pic_set_irq(f.pic, 3, 1);
    pic_set_irq(f.pic, 6, 1);
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x0e);
    fixture_fini(&f);
}

static void test_poll(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    pic_set_irq(f.pic, 6, 1);
    out8(&f, 0x20, 0x0c); /* OCW3 poll */
    g_assert_cmphex(in8(&f, 0x20), ==, 0x86);
    out8(&f, 0x20, 0x0b);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x40); /* the poll read acknowledged it */
    out8(&f, 0x20, 0x0c);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x00); /* nothing more pending */
    fixture_fini(&f);
}

static void test_specific_eoi_and_vmstate(void)
{
    Fixture f;
    fixture_init(&f, 0x01);
    pic_set_irq(f.pic, 2 + 5, 1); /* IRQ 7 */
    g_assert_cmphex(pic_acknowledge(f.pic), ==, 0x0f);
    out8(&f, 0x20, 0x0b);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x80);
    uint8_t buf[256];
    size_t n = vmstate_save(&f.pic->dev, buf, sizeof(buf));
    g_assert_cmpuint(n, >, 0);
    out8(&f, 0x20, 0x67); /* specific EOI for IRQ 7 */
    g_assert_cmphex(in8(&f, 0x20), ==, 0x00);
    g_assert_cmpint(vmstate_load(&f.pic->dev, buf, n), ==, 0);
    g_assert_cmphex(in8(&f, 0x20), ==, 0x80);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/single-irq", test_single_irq);
    g_test_add_func("/i8259/priority-nesting", test_priority_nesting);
    g_test_add_func("/i8259/cascade", test_cascade);
    g_test_add_func("/i8259/mask", test_mask);
    g_test_add_func("/i8259/level-elcr", test_level_elcr);
    g_test_add_func("/i8259/spurious", test_spurious);
    g_test_add_func("/i8259/auto-eoi-rotation", test_auto_eoi_and_rotation);
    g_test_add_func("/i8259/poll", test_poll);
    g_test_add_func("/i8259/specific-eoi-vmstate", test_specific_eoi_and_vmstate);
    return g_test_run();
}
