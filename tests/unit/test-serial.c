/* The 16550A UART, driven through the port-I/O address space as a guest would. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/serial.h"
#include "system/chardev.h"

#define COM1 0x3f8

typedef struct TestIrq {
    int level;
    unsigned raises; /* low-to-high transitions seen */
} TestIrq;

typedef struct Rig {
    Log log;
    AddressSpace io;
    TestIrq irq;
    char *dir;
    char *out_path;
    Chardev *chr;
    SerialState *s;
} Rig;

static void test_irq_set_level(void *opaque, int n, int level)
{
    TestIrq *irq = opaque;
    (void)n;
    if (level && !irq->level)
        irq->raises++;
    irq->level = level;
}

static void rig_init(Rig *r)
{
    memset(r, 0, sizeof(*r));
    address_space_init(&r->io, "io", 1 << 16, &r->log);
    r->dir = g_dir_make_tmp("test-serial-XXXXXX", NULL);
    g_assert_nonnull(r->dir);
    r->out_path = g_build_filename(r->dir, "out", NULL);
    char *spec = g_strconcat("file:", r->out_path, NULL);
    char err[256];
    r->chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(r->chr);
    g_free(spec);
    IrqLine line = {test_irq_set_level, &r->irq, 4};
    r->s = serial_new(&r->io, COM1, line, r->chr, &r->log);
}

/* Closes everything and returns what the UART sent to its chardev. */
static GString *rig_destroy(Rig *r)
{
    serial_free(r->s);
    chardev_close(r->chr);
    address_space_destroy(&r->io);
    gchar *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(r->out_path, &data, &len, NULL));
    GString *out = g_string_new_len(data, len);
    g_free(data);
    g_unlink(r->out_path);
    g_rmdir(r->dir);
    g_free(r->out_path);
    g_free(r->dir);
    return out;
}

static void rig_destroy_expect_output(Rig *r, const char *expected, size_t len)
{
    GString *out = rig_destroy(r);
    g_assert_cmpmem(out->str, out->len, expected, len);
    g_string_free(out, TRUE);
}

static uint8_t inb(Rig *r, unsigned reg)
{
    return (uint8_t)address_space_read(&r->io, COM1 + reg, 1);
}

static void outb(Rig *r, unsigned reg, uint8_t val)
{
    address_space_write(&r->io, COM1 + reg, val, 1);
}

static void receive_str(Rig *r, const char *str)
{
    serial_receive(r->s, (const uint8_t *)str, strlen(str));
}

static void test_reset_values(void)
{
    Rig r;
    rig_init(&r);
    /* Dirty every register, then reset the device as the machine would. */
    outb(&r, SERIAL_LCR, 0x80);
    outb(&r, SERIAL_DLL, 0x01);
    outb(&r, SERIAL_LCR, 0x1b);
    outb(&r, SERIAL_IER, 0x0f);
    outb(&r, SERIAL_FCR, 0xc1);
    outb(&r, SERIAL_MCR, 0x0b);
    outb(&r, SERIAL_SCR, 0x5a);
    receive_str(&r, "x");
    g_assert_cmpint(r.irq.level, ==, 1);
    r.s->dev.reset(&r.s->dev);

    g_assert_cmpint(r.irq.level, ==, 0);
    g_assert_cmphex(inb(&r, SERIAL_IER), ==, 0x00);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    g_assert_cmphex(inb(&r, SERIAL_LCR), ==, 0x00);
    g_assert_cmphex(inb(&r, SERIAL_MCR), ==, 0x00);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    g_assert_cmphex(inb(&r, SERIAL_MSR), ==, 0xb0);
    g_assert_cmphex(inb(&r, SERIAL_SCR), ==, 0x00);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 1);
    outb(&r, SERIAL_LCR, 0x80);
    g_assert_cmphex(inb(&r, SERIAL_DLL), ==, 12);
    g_assert_cmphex(inb(&r, SERIAL_DLM), ==, 0);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_divisor_latch(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_IER, 0x05);
    outb(&r, SERIAL_LCR, 0x83);
    outb(&r, SERIAL_DLL, 0x01);
    outb(&r, SERIAL_DLM, 0x02);
    g_assert_cmphex(inb(&r, SERIAL_DLL), ==, 0x01);
    g_assert_cmphex(inb(&r, SERIAL_DLM), ==, 0x02);
    g_assert_cmphex(inb(&r, SERIAL_LCR), ==, 0x83);
    outb(&r, SERIAL_LCR, 0x03);
    /* With DLAB clear the same offsets are RBR/THR and IER again. */
    g_assert_cmphex(inb(&r, SERIAL_IER), ==, 0x05);
    outb(&r, SERIAL_THR, 'A');
    outb(&r, SERIAL_LCR, 0x83);
    g_assert_cmphex(inb(&r, SERIAL_DLL), ==, 0x01);
    /* A 16-bit write spans DLL and DLM, one byte each, as on QEMU. */
    address_space_write(&r.io, COM1, 0x0306, 2);
    g_assert_cmphex(inb(&r, SERIAL_DLL), ==, 0x06);
    g_assert_cmphex(inb(&r, SERIAL_DLM), ==, 0x03);
    /* Writing the divisor does not transmit. */
    rig_destroy_expect_output(&r, "A", 1);
}

static void test_scratch(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_SCR, 0x55);
    g_assert_cmphex(inb(&r, SERIAL_SCR), ==, 0x55);
    outb(&r, SERIAL_SCR, 0xaa);
    g_assert_cmphex(inb(&r, SERIAL_SCR), ==, 0xaa);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_transmit(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_LCR, 0x03);
    outb(&r, SERIAL_THR, 'H');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    outb(&r, SERIAL_THR, 'i');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    /* Whole bytes go out whatever the word length, as on QEMU. */
    outb(&r, SERIAL_LCR, 0x00);
    outb(&r, SERIAL_THR, 0xff);
    /* While a break is sent the output stays at spacing: nothing goes out. */
    outb(&r, SERIAL_LCR, 0x43);
    outb(&r, SERIAL_THR, '!');
    outb(&r, SERIAL_LCR, 0x03);
    outb(&r, SERIAL_THR, '\n');
    rig_destroy_expect_output(&r, "Hi\xff\n", 4);
}

static void test_receive(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_LCR, 0x03);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 1);
    receive_str(&r, "a");
    g_assert_cmpuint(serial_can_receive(r.s), ==, 0);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x61);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'a');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 1);
    /* An empty RBR reads the last character again. */
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'a');
    /* Whole bytes arrive whatever the word length. */
    outb(&r, SERIAL_LCR, 0x00);
    serial_receive(r.s, (const uint8_t *)"\xe1", 1);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 0xe1);
    /* The RBR interrupt is received data available (IIR 0x04). */
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    outb(&r, SERIAL_IER, SERIAL_IER_ERBFI);
    g_assert_cmpint(r.irq.level, ==, 0);
    receive_str(&r, "b");
    g_assert_cmpint(r.irq.level, ==, 1);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x04);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'b');
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    g_assert_cmpint(r.irq.level, ==, 0);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_fifo_trigger_level(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    outb(&r, SERIAL_IER, SERIAL_IER_ERBFI);
    outb(&r, SERIAL_FCR, 0x81); /* enable, trigger level 8 */
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc1);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 16);
    receive_str(&r, "abcdefg");
    g_assert_cmpuint(serial_can_receive(r.s), ==, 9);
    /* Below the trigger level the characters wait: a timeout indication. */
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xcc);
    g_assert_cmpint(r.irq.level, ==, 1);
    receive_str(&r, "h");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc4);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'a');
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xcc);
    for (const char *p = "bcdefgh"; *p; p++) {
        g_assert_cmphex(inb(&r, SERIAL_LSR) & SERIAL_LSR_DR, ==, SERIAL_LSR_DR);
        g_assert_cmphex(inb(&r, SERIAL_RBR), ==, *p);
    }
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc1);
    g_assert_cmpint(r.irq.level, ==, 0);

    /* Trigger level 1 interrupts on every character; 4 and 14 as programmed. */
    outb(&r, SERIAL_FCR, 0x01);
    receive_str(&r, "x");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc4);
    inb(&r, SERIAL_RBR);
    outb(&r, SERIAL_FCR, 0x41);
    receive_str(&r, "xyz");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xcc);
    receive_str(&r, "w");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc4);
    /* Resetting the receiver FIFO empties it. */
    outb(&r, SERIAL_FCR, 0xc3);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    receive_str(&r, "0123456789abc");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xcc);
    receive_str(&r, "d");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc4);
    /* Leaving FIFO mode empties the FIFO too, and IIR bits 7:6 drop. */
    outb(&r, SERIAL_FCR, 0x00);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 1);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_thre_interrupt(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    /* Enabling ETBEI with THR empty raises THRE at once. */
    outb(&r, SERIAL_IER, SERIAL_IER_ETBEI);
    g_assert_cmpint(r.irq.level, ==, 1);
    /* Reading IIR that reports THRE clears it. */
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x02);
    g_assert_cmpint(r.irq.level, ==, 0);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    /* Rewriting the same IER value does not re-arm it ... */
    outb(&r, SERIAL_IER, SERIAL_IER_ETBEI);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    /* ... but turning ETBEI off and on does (Linux's UART_BUG_THRE test). */
    outb(&r, SERIAL_IER, 0);
    outb(&r, SERIAL_IER, SERIAL_IER_ETBEI);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x02);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    /* A write to THR empties again at once: THRE comes back. */
    unsigned raises = r.irq.raises;
    outb(&r, SERIAL_THR, 'z');
    g_assert_cmpint(r.irq.level, ==, 1);
    g_assert_cmpuint(r.irq.raises, ==, raises + 1);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x02);
    /* Switching FIFO mode makes the next transmitter interrupt immediate (§8.11). */
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    outb(&r, SERIAL_FCR, SERIAL_FCR_ENABLE);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc2);
    outb(&r, SERIAL_FCR, SERIAL_FCR_ENABLE | SERIAL_FCR_RX_RESET);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0xc1);
    outb(&r, SERIAL_FCR, 0);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x02);
    /* Pending THRE masked by IER is not reported. */
    outb(&r, SERIAL_THR, 'z');
    outb(&r, SERIAL_IER, 0);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    g_assert_cmpint(r.irq.level, ==, 0);
    rig_destroy_expect_output(&r, "zz", 2);
}

/* Table IV: line status, then received data, then THRE, then modem status. */
static void test_interrupt_priority(void)
{
    Rig r;
    rig_init(&r);
    /* A modem status change: entering loopback with all outputs off drops the
     * DSR, DCD and CTS inputs. */
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    outb(&r, SERIAL_IER, 0x0f);
    /* Two characters into the one-character RBR: an overrun. */
    receive_str(&r, "pq");
    g_assert_cmpint(r.irq.level, ==, 1);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x06);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x63);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x04);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'q');
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x02);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x00);
    g_assert_cmpint(r.irq.level, ==, 1);
    g_assert_cmphex(inb(&r, SERIAL_MSR), ==,
                    0xb0 | SERIAL_MSR_DCTS | SERIAL_MSR_DDSR | SERIAL_MSR_DDCD);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    g_assert_cmphex(inb(&r, SERIAL_MSR), ==, 0xb0);
    g_assert_cmpint(r.irq.level, ==, 0);

    /* Each source obeys its own IER bit. */
    outb(&r, SERIAL_IER, 0);
    receive_str(&r, "r");
    serial_receive(r.s, (const uint8_t *)"s", 1);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x01);
    outb(&r, SERIAL_IER, SERIAL_IER_ERBFI);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x04);
    outb(&r, SERIAL_IER, SERIAL_IER_ELSI | SERIAL_IER_ERBFI);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x06);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_out2_gates_irq(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_IER, SERIAL_IER_ERBFI);
    receive_str(&r, "k");
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x04);
    g_assert_cmpint(r.irq.level, ==, 0);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    g_assert_cmpint(r.irq.level, ==, 1);
    outb(&r, SERIAL_MCR, SERIAL_MCR_DTR | SERIAL_MCR_RTS);
    g_assert_cmpint(r.irq.level, ==, 0);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2 | SERIAL_MCR_DTR);
    g_assert_cmpint(r.irq.level, ==, 1);
    /* Loopback forces the OUT pins inactive, OUT2 included. */
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP);
    g_assert_cmpint(r.irq.level, ==, 0);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    g_assert_cmpint(r.irq.level, ==, 1);
    inb(&r, SERIAL_RBR);
    g_assert_cmpint(r.irq.level, ==, 0);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_loopback(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_LCR, 0x03);
    /* Linux's autoconfig check: LOOP with RTS and OUT2 shows exactly CTS and DCD. */
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP | 0x0a);
    g_assert_cmphex(inb(&r, SERIAL_MSR) & 0xf0, ==, SERIAL_MSR_DCD | SERIAL_MSR_CTS);
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_DTR | SERIAL_MCR_OUT1);
    g_assert_cmphex(inb(&r, SERIAL_MSR), ==,
                    SERIAL_MSR_DSR | SERIAL_MSR_RI | SERIAL_MSR_DCTS | SERIAL_MSR_DDSR |
                        SERIAL_MSR_DDCD);
    /* Ring going off is the trailing edge TERI reports. */
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_DTR);
    g_assert_cmphex(inb(&r, SERIAL_MSR), ==, SERIAL_MSR_DSR | SERIAL_MSR_TERI);
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_DTR | SERIAL_MCR_OUT1);
    g_assert_cmphex(inb(&r, SERIAL_MSR), ==, SERIAL_MSR_DSR | SERIAL_MSR_RI);

    /* Data written comes back as received, and never reaches the chardev. */
    outb(&r, SERIAL_THR, 'L');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x61);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'L');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    /* The serial input is cut off meanwhile. */
    g_assert_cmpuint(serial_can_receive(r.s), ==, 0);
    receive_str(&r, "E");
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    /* Interrupts still work inside the UART (the IRQ pin is gated off). */
    outb(&r, SERIAL_IER, SERIAL_IER_ERBFI);
    outb(&r, SERIAL_THR, 'M');
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x04);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'M');

    /* Leaving loopback: the external inputs come back, the port transmits again. */
    outb(&r, SERIAL_MCR, 0);
    g_assert_cmphex(inb(&r, SERIAL_MSR) & 0xf0, ==, 0xb0);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 1);
    outb(&r, SERIAL_THR, 'N');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    rig_destroy_expect_output(&r, "N", 1);
}

static void test_overrun_fifo_full(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_FCR, 0xc1);
    receive_str(&r, "0123456789ABCDEF");
    g_assert_cmpuint(serial_can_receive(r.s), ==, 0);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x61);
    /* The 17th character is lost; OE shows at once and clears on LSR read. */
    receive_str(&r, "G");
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x63);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x61);
    for (const char *p = "0123456789ABCDEF"; *p; p++)
        g_assert_cmphex(inb(&r, SERIAL_RBR), ==, *p);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);

    /* Loopback overruns the same way when the guest does not read. */
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP);
    for (int i = 0; i < 17; i++)
        outb(&r, SERIAL_THR, 'a' + i);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x63);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'a');

    /* In 16450 mode the new character replaces the unread one. */
    outb(&r, SERIAL_MCR, 0);
    outb(&r, SERIAL_FCR, 0);
    receive_str(&r, "xy");
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x63);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'y');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_break(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2);
    outb(&r, SERIAL_IER, SERIAL_IER_ELSI);
    serial_receive_break(r.s);
    g_assert_cmpint(r.irq.level, ==, 1);
    g_assert_cmphex(inb(&r, SERIAL_IIR), ==, 0x06);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x71);
    g_assert_cmpint(r.irq.level, ==, 0);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 0x00);

    /* In FIFO mode BI waits for its character to reach the top; bit 7 tells. */
    outb(&r, SERIAL_FCR, 0x01);
    receive_str(&r, "a");
    serial_receive_break(r.s);
    receive_str(&r, "b");
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0xe1);
    g_assert_cmpint(r.irq.level, ==, 0);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'a');
    g_assert_cmpint(r.irq.level, ==, 1);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0xf1);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x61);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 0x00);
    g_assert_cmphex(inb(&r, SERIAL_RBR), ==, 'b');
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_guest_error_logged(void)
{
    Rig r;
    rig_init(&r);
    char *buf = NULL;
    size_t len = 0;
    r.log.out = open_memstream(&buf, &len);
    g_assert_nonnull(r.log.out);
    outb(&r, SERIAL_LSR, 0x00);
    g_assert_cmpuint(len, ==, 0); /* -d guest_errors off: silent */
    r.log.mask = LOG_GUEST_ERROR;
    outb(&r, SERIAL_LSR, 0x00);
    fflush(r.log.out);
    g_assert_nonnull(strstr(buf, "LSR"));
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    fclose(r.log.out);
    free(buf);
    r.log.out = NULL;
    r.log.mask = 0;
    rig_destroy_expect_output(&r, "", 0);
}

static void test_vmstate_round_trip(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_LCR, 0x80);
    outb(&r, SERIAL_DLL, 0x34);
    outb(&r, SERIAL_DLM, 0x12);
    outb(&r, SERIAL_LCR, 0x1b);
    outb(&r, SERIAL_FCR, 0x81);
    outb(&r, SERIAL_IER, SERIAL_IER_ERBFI | SERIAL_IER_ETBEI);
    outb(&r, SERIAL_MCR, SERIAL_MCR_OUT2 | SERIAL_MCR_DTR);
    outb(&r, SERIAL_SCR, 0x77);
    /* Wrap the FIFO ring so the indices matter. */
    receive_str(&r, "0123456789");
    for (int i = 0; i < 10; i++)
        inb(&r, SERIAL_RBR);
    receive_str(&r, "hello world");
    g_assert_cmpint(r.irq.level, ==, 1);

    size_t size = vmstate_size(r.s->dev.fields);
    uint8_t *blob = g_malloc(size);
    g_assert_cmpuint(vmstate_save(&r.s->dev, blob, size), ==, size);

    TestIrq irq2 = {0, 0};
    IrqLine line2 = {test_irq_set_level, &irq2, 3};
    SerialState *s2 = serial_new(&r.io, 0x2f8, line2, NULL, &r.log);
    g_assert_cmpint(vmstate_load(&s2->dev, blob, size), ==, 0);
    g_free(blob);

    for (unsigned reg = SERIAL_IER; reg <= SERIAL_SCR; reg++) {
        if (reg != SERIAL_IIR)
            g_assert_cmphex(address_space_read(&r.io, 0x2f8 + reg, 1), ==, inb(&r, reg));
    }
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_IIR, 1), ==, 0xc4);
    g_assert_true(s2->irq_level);
    for (const char *p = "hello world"; *p; p++)
        g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_RBR, 1), ==, *p);
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_LSR, 1), ==, 0x60);
    /* Going idle lowers the restored line. */
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_IIR, 1), ==, 0xc2);
    g_assert_cmpint(irq2.level, ==, 0);
    address_space_write(&r.io, 0x2f8 + SERIAL_LCR, 0x80, 1);
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_DLL, 1), ==, 0x34);
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_DLM, 1), ==, 0x12);
    serial_free(s2);
    rig_destroy_expect_output(&r, "", 0);
}

static void test_free_unregisters_ports(void)
{
    Rig r;
    rig_init(&r);
    SerialState *s2 = serial_new(&r.io, 0x2f8, (IrqLine){0}, NULL, &r.log);
    address_space_write(&r.io, 0x2f8 + SERIAL_SCR, 0x42, 1);
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_SCR, 1), ==, 0x42);
    /* No chardev: transmitting is harmless. */
    address_space_write(&r.io, 0x2f8 + SERIAL_THR, 'q', 1);
    serial_free(s2);
    g_assert_cmphex(address_space_read(&r.io, 0x2f8 + SERIAL_SCR, 1), ==, 0xff);
    rig_destroy_expect_output(&r, "", 0);
}

/* The probe sequence of Linux's 8250 driver (autoconfig, autoconfig_16550a and the
 * THRE checks of serial8250_do_startup) must find a 16550A without bugs. */
static void test_linux_autoconfig(void)
{
    Rig r;
    rig_init(&r);
    /* IER existence test: bits 3:0 read back, 7:4 stay zero (no XScale UUE). */
    outb(&r, SERIAL_IER, 0);
    g_assert_cmphex(inb(&r, SERIAL_IER), ==, 0x00);
    outb(&r, SERIAL_IER, 0xff);
    g_assert_cmphex(inb(&r, SERIAL_IER), ==, 0x0f);
    outb(&r, SERIAL_IER, 0);
    /* Loopback test. */
    outb(&r, SERIAL_MCR, SERIAL_MCR_LOOP | 0x0a);
    g_assert_cmphex(inb(&r, SERIAL_MSR) & 0xf0, ==, 0x90);
    outb(&r, SERIAL_MCR, 0);
    /* No EFR behind LCR 0xbf: the write lands on FCR, which it turns off. */
    outb(&r, SERIAL_LCR, 0xbf);
    outb(&r, SERIAL_FCR, 0);
    outb(&r, SERIAL_LCR, 0);
    outb(&r, SERIAL_FCR, SERIAL_FCR_ENABLE);
    g_assert_cmphex(inb(&r, SERIAL_IIR) & 0xc0, ==, 0xc0);
    /* Not an ST16C650: "EFR" under DLAB reads as a non-zero IIR. */
    outb(&r, SERIAL_LCR, 0x80);
    g_assert_cmphex(inb(&r, SERIAL_IIR), !=, 0);
    /* Not a TI16750: IIR bit 5 never sets, with or without DLAB. */
    outb(&r, SERIAL_LCR, 0);
    outb(&r, SERIAL_FCR, 0x21);
    g_assert_cmphex(inb(&r, SERIAL_IIR) & 0xe0, ==, 0xc0);
    outb(&r, SERIAL_LCR, 0x80);
    outb(&r, SERIAL_FCR, 0x21);
    g_assert_cmphex(inb(&r, SERIAL_IIR) & 0xe0, ==, 0xc0);
    outb(&r, SERIAL_LCR, 0x03);
    /* Clear the FIFOs and check nothing is left. */
    outb(&r, SERIAL_FCR, 0x07);
    outb(&r, SERIAL_FCR, 0);
    g_assert_cmphex(inb(&r, SERIAL_LSR), ==, 0x60);
    /* UART_BUG_TXEN: enabling THRI with an idle transmitter interrupts. */
    outb(&r, SERIAL_IER, SERIAL_IER_ETBEI);
    g_assert_cmphex(inb(&r, SERIAL_LSR) & SERIAL_LSR_TEMT, ==, SERIAL_LSR_TEMT);
    g_assert_cmphex(inb(&r, SERIAL_IIR) & SERIAL_IIR_NO_INT, ==, 0);
    outb(&r, SERIAL_IER, 0);
    /* UART_BUG_THRE: THRE is re-asserted each time THRI is enabled. */
    outb(&r, SERIAL_IER, SERIAL_IER_ETBEI);
    uint8_t iir1 = inb(&r, SERIAL_IIR);
    outb(&r, SERIAL_IER, 0);
    outb(&r, SERIAL_IER, SERIAL_IER_ETBEI);
    uint8_t iir = inb(&r, SERIAL_IIR);
    outb(&r, SERIAL_IER, 0);
    g_assert_cmphex(iir1 & SERIAL_IIR_NO_INT, ==, 0);
    g_assert_cmphex(iir & SERIAL_IIR_NO_INT, ==, 0);
    rig_destroy_expect_output(&r, "", 0);
}

/* A snapshot with out-of-range FIFO indices (corrupt or hostile) must not make
 * the device read or write outside its arrays (run under valgrind to see it). */
static void test_corrupt_fifo_indices(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, SERIAL_FCR, SERIAL_FCR_ENABLE);
    size_t size = vmstate_size(r.s->dev.fields);
    uint8_t *blob = g_malloc(size);
    r.s->rx_head = 0xc8;
    r.s->rx_count = 0xfa;
    g_assert_cmpuint(vmstate_save(&r.s->dev, blob, size), ==, size);
    g_assert_cmpint(vmstate_load(&r.s->dev, blob, size), ==, 0);
    g_free(blob);
    g_assert_cmpuint(serial_can_receive(r.s), ==, 0);
    receive_str(&r, "zz");
    serial_receive_break(r.s);
    for (int i = 0; i < 40; i++) {
        inb(&r, SERIAL_RBR);
        inb(&r, SERIAL_LSR);
    }
    g_assert_cmpuint(r.s->rx_head, <, SERIAL_FIFO_SIZE);
    rig_destroy_expect_output(&r, "", 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/reset-values", test_reset_values);
    g_test_add_func("/serial/divisor-latch", test_divisor_latch);
    g_test_add_func("/serial/scratch", test_scratch);
    g_test_add_func("/serial/transmit", test_transmit);
    g_test_add_func("/serial/receive", test_receive);
    g_test_add_func("/serial/fifo-trigger-level", test_fifo_trigger_level);
    g_test_add_func("/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/serial/interrupt-priority", test_interrupt_priority);
    g_test_add_func("/serial/out2-gates-irq", test_out2_gates_irq);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/overrun-fifo-full", test_overrun_fifo_full);
    g_test_add_func("/serial/break", test_break);
    g_test_add_func("/serial/guest-error-logged", test_guest_error_logged);
    g_test_add_func("/serial/vmstate-round-trip", test_vmstate_round_trip);
    g_test_add_func("/serial/free-unregisters-ports", test_free_unregisters_ports);
    g_test_add_func("/serial/linux-autoconfig", test_linux_autoconfig);
    g_test_add_func("/serial/corrupt-fifo-indices", test_corrupt_fifo_indices);
    return g_test_run();
}
