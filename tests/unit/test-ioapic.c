/* The I/O APIC: redirection entries, edge and level inputs, Remote IRR and EOI,
 * masking, and delivery to the local APICs. */
#include <glib.h>

#include "hw/ioapic.h"

typedef struct Fixture {
    Log log;
    VirtualClock clock;
    AddressSpace mem;
    ApicBus *apics;
    IoapicState *io;
    int intr[2];
} Fixture;

static void f_set_intr(void *o, int cpu, int level)
{
    ((Fixture *)o)->intr[cpu] = level;
}

static void f_eoi(void *o, uint8_t v)
{
    ioapic_eoi(((Fixture *)o)->io, v);
}

static void fixture_init(Fixture *f)
{
    *f = (Fixture){0};
    clock_init(&f->clock);
    address_space_init(&f->mem, "mem", 1ull << 52, &f->log);
    ApicCpuOps ops = {f_set_intr, NULL, NULL, NULL, NULL, f, 0};
    f->apics = apic_bus_new(2, &f->clock, &ops, &f->log);
    f->apics->eoi_broadcast = f_eoi;
    f->apics->eoi_opaque = f;
    for (int i = 0; i < 2; i++)
        apic_mmio_write(f->apics->apics[i], 0xf0, 0x1ff);
    f->io = ioapic_new(&f->mem, f->apics, &f->log);
}

static void fixture_fini(Fixture *f)
{
    ioapic_free(f->io);
    apic_bus_free(f->apics);
    address_space_destroy(&f->mem);
    clock_destroy(&f->clock);
}

static void io_write(Fixture *f, uint32_t reg, uint32_t v)
{
    address_space_write(&f->mem, IOAPIC_DEFAULT_BASE, reg, 4);
    address_space_write(&f->mem, IOAPIC_DEFAULT_BASE + 0x10, v, 4);
}

static uint32_t io_read(Fixture *f, uint32_t reg)
{
    address_space_write(&f->mem, IOAPIC_DEFAULT_BASE, reg, 4);
    return (uint32_t)address_space_read(&f->mem, IOAPIC_DEFAULT_BASE + 0x10, 4);
}

static void test_registers(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(io_read(&f, 1), ==, 0x00170020);
    g_assert_cmphex(io_read(&f, 0x10), ==, 0x00010000); /* masked at reset */
    io_write(&f, 0x11, 0x01000000);
    g_assert_cmphex(io_read(&f, 0x11), ==, 0x01000000);
    fixture_fini(&f);
}

static void test_edge(void)
{
    Fixture f;
    fixture_init(&f);
    io_write(&f, 0x10 + 2 * 2, 0x30); /* pin 2 -> vector 0x30, edge, to APIC 0 */
    ioapic_set_irq(f.io, 2, 1);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(apic_acknowledge(f.apics->apics[0]), ==, 0x30);
    apic_mmio_write(f.apics->apics[0], 0xb0, 0);
    ioapic_set_irq(f.io, 2, 1); /* no new edge */
    g_assert_cmpint(f.intr[0], ==, 0);
    /* Masked: no delivery. */
    io_write(&f, 0x10 + 2 * 2, 0x10030);
    ioapic_set_irq(f.io, 2, 0);
    ioapic_set_irq(f.io, 2, 1);
    g_assert_cmpint(f.intr[0], ==, 0);
    fixture_fini(&f);
}

/* Rewriting an edge entry (masking, unmasking, moving it to another CPU) is not an
 * edge: nothing is delivered, whatever the input's level. */
static void test_edge_rewrite(void)
{
    Fixture f;
    fixture_init(&f);
    io_write(&f, 0x10 + 2 * 2, 0x10030); /* masked */
    ioapic_set_irq(f.io, 2, 1);
    io_write(&f, 0x10 + 2 * 2, 0x30);
    io_write(&f, 0x10 + 2 * 2 + 1, 0x01000000);
    io_write(&f, 0x10 + 2 * 2 + 1, 0);
    g_assert_cmpint(f.intr[0], ==, 0);
    g_assert_cmpint(f.intr[1], ==, 0);
    ioapic_set_irq(f.io, 2, 0);
    ioapic_set_irq(f.io, 2, 1);
    g_assert_cmpint(apic_acknowledge(f.apics->apics[0]), ==, 0x30);
    fixture_fini(&f);
}

static void test_level_remote_irr(void)
{
    Fixture f;
    fixture_init(&f);
    io_write(&f, 0x11 + 2 * 16, 1u << 24);      /* pin 16 to APIC 1 */
    io_write(&f, 0x10 + 2 * 16, 0x8000 | 0x51); /* level, vector 0x51 */
    ioapic_set_irq(f.io, 16, 1);
    g_assert_cmpint(f.intr[1], ==, 1);
    g_assert_cmphex(io_read(&f, 0x10 + 2 * 16) & (1u << 14), !=, 0); /* Remote IRR */
    g_assert_cmpint(apic_acknowledge(f.apics->apics[1]), ==, 0x51);
    /* EOI with the line still high: delivered again. */
    apic_mmio_write(f.apics->apics[1], 0xb0, 0);
    g_assert_cmpint(f.intr[1], ==, 1);
    g_assert_cmpint(apic_acknowledge(f.apics->apics[1]), ==, 0x51);
    ioapic_set_irq(f.io, 16, 0);
    apic_mmio_write(f.apics->apics[1], 0xb0, 0);
    g_assert_cmpint(f.intr[1], ==, 0);
    g_assert_cmphex(io_read(&f, 0x10 + 2 * 16) & (1u << 14), ==, 0);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/registers", test_registers);
    g_test_add_func("/ioapic/edge", test_edge);
    g_test_add_func("/ioapic/edge-rewrite", test_edge_rewrite);
    g_test_add_func("/ioapic/level-remote-irr", test_level_remote_irr);
    return g_test_run();
}
