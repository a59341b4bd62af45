/* QEMU's test devices: pc-testdev (scratch ports, interrupt lines, page flush, device
 * memory) and pci-testdev (identity, BAR sizes, the test records of both BARs). */
#include <glib.h>
#include <string.h>

#include "hw/pc_testdev.h"
#include "hw/pci_testdev.h"

typedef struct Rig {
    Log log;
    AddressSpace io, mem;
    int levels[PC_TESTDEV_NUM_IRQS];
    unsigned flushes;
    uint64_t flushed;
} Rig;

static void rig_init(Rig *r)
{
    *r = (Rig){0};
    address_space_init(&r->io, "io", 1 << 16, &r->log);
    address_space_init(&r->mem, "mem", 1ull << 52, &r->log);
}

static void rig_destroy(Rig *r)
{
    address_space_destroy(&r->mem);
    address_space_destroy(&r->io);
}

static void record_irq(void *opaque, int n, int level)
{
    ((Rig *)opaque)->levels[n] = level;
}

static void record_flush(void *opaque, uint64_t page)
{
    Rig *r = opaque;
    r->flushes++;
    r->flushed = page;
}

static PcTestdevState *make_pc_testdev(Rig *r)
{
    IrqLine irqs[PC_TESTDEV_NUM_IRQS];
    for (int i = 0; i < PC_TESTDEV_NUM_IRQS; i++)
        irqs[i] = (IrqLine){record_irq, r, i};
    return pc_testdev_new(&r->io, &r->mem, irqs, record_flush, r, &r->log);
}

static void test_pc_testdev_ports(void)
{
    Rig r;
    rig_init(&r);
    PcTestdevState *s = make_pc_testdev(&r);
    address_space_write(&r.io, 0xe0, 0x12345678, 4);
    g_assert_cmphex(address_space_read(&r.io, 0xe0, 4), ==, 0x12345678);
    g_assert_cmphex(address_space_read(&r.io, 0xe0, 1), ==, 0x78);
    g_assert_cmphex(address_space_read(&r.io, 0xe2, 2), ==, 0x1234);
    g_assert_cmphex(address_space_read(&r.io, 0xe3, 1), ==, 0x12);
    /* A byte write replaces one lane only; 0xe8 is the same register by bytes. */
    address_space_write(&r.io, 0xe1, 0xab, 1);
    g_assert_cmphex(address_space_read(&r.io, 0xe0, 4), ==, 0x1234ab78);
    g_assert_cmphex(address_space_read(&r.io, 0xe8, 4), ==, 0x1234ab78);
    address_space_write(&r.io, 0xea, 0xcdef, 2);
    g_assert_cmphex(address_space_read(&r.io, 0xe0, 4), ==, 0xcdefab78);
    g_assert_cmphex(address_space_read(&r.io, 0xe9, 1), ==, 0xab);
    /* Reset clears it. */
    s->dev.reset(&s->dev);
    g_assert_cmphex(address_space_read(&r.io, 0xe0, 4), ==, 0);

    /* Interrupt lines. */
    address_space_write(&r.io, PC_TESTDEV_IRQ_BASE + 0x0e, 1, 1);
    address_space_write(&r.io, PC_TESTDEV_IRQ_BASE + 17, 0x80, 1);
    g_assert_cmpint(r.levels[0x0e], ==, 1);
    g_assert_cmpint(r.levels[17], ==, 1);
    address_space_write(&r.io, PC_TESTDEV_IRQ_BASE + 0x0e, 0, 1);
    g_assert_cmpint(r.levels[0x0e], ==, 0);
    g_assert_cmpint(r.levels[17], ==, 1);
    /* Past the 24 lines: nobody. */
    g_assert_cmphex(address_space_read(&r.io, PC_TESTDEV_IRQ_BASE + 24, 1), ==, 0xff);

    /* Page flush: the page of the address written. */
    address_space_write(&r.io, 0xe4, 0x12345fff, 4);
    g_assert_cmpuint(r.flushes, ==, 1);
    g_assert_cmphex(r.flushed, ==, 0x12345000);
    address_space_write(&r.io, 0xe4, 0x1, 1);
    g_assert_cmpuint(r.flushes, ==, 1);
    pc_testdev_free(s);
    rig_destroy(&r);
}

static void test_pc_testdev_iomem(void)
{
    Rig r;
    rig_init(&r);
    PcTestdevState *s = make_pc_testdev(&r);
    const uint64_t base = PC_TESTDEV_IOMEM_BASE;
    address_space_write(&r.mem, base, 0x1122334455667788ull, 8);
    g_assert_cmphex(address_space_read(&r.mem, base, 8), ==, 0x1122334455667788ull);
    g_assert_cmphex(address_space_read(&r.mem, base + 3, 2), ==, 0x4455);
    address_space_write(&r.mem, base + PC_TESTDEV_IOMEM_SIZE - 4, 0xdeadbeef, 4);
    g_assert_cmphex(address_space_read(&r.mem, base + PC_TESTDEV_IOMEM_SIZE - 4, 4), ==,
                    0xdeadbeef);
    /* Byte ranges (the accesses instruction tests make with movs and friends). */
    uint8_t buf[16], back[16];
    for (int i = 0; i < 16; i++)
        buf[i] = (uint8_t)(0xa0 + i);
    g_assert_true(address_space_rw(&r.mem, base + 0x100, buf, 16, true));
    g_assert_true(address_space_rw(&r.mem, base + 0x100, back, 16, false));
    g_assert_cmpmem(buf, 16, back, 16);
    /* Right past it: unassigned. */
    g_assert_cmphex(address_space_read(&r.mem, base + PC_TESTDEV_IOMEM_SIZE, 4), ==, 0xffffffff);
    pc_testdev_free(s);
    rig_destroy(&r);
}

#define DEVFN PCI_DEVFN(3, 0)

static uint32_t cfg_read(PciBus *bus, unsigned addr, unsigned size)
{
    return pci_config_read(bus, DEVFN, addr, size);
}

/* BAR size as firmware measures it: write all ones, read back the mask. */
static uint32_t bar_size(PciBus *bus, int bar)
{
    unsigned reg = PCI_BAR0 + 4 * (unsigned)bar;
    uint32_t old = cfg_read(bus, reg, 4);
    pci_config_write(bus, DEVFN, reg, 0xffffffff, 4);
    uint32_t mask = cfg_read(bus, reg, 4);
    pci_config_write(bus, DEVFN, reg, old, 4);
    mask &= (old & PCI_BAR_IO) ? ~3u : ~0xfu;
    return ~mask + 1;
}

/* Reads test t's header from a BAR through read(addr) byte by byte. */
typedef uint8_t BarRead(Rig *r, uint64_t addr);

static uint8_t mmio_byte(Rig *r, uint64_t addr)
{
    return (uint8_t)address_space_read(&r->mem, 0xe0000000 + addr, 1);
}

static uint8_t pio_byte(Rig *r, uint64_t addr)
{
    return (uint8_t)address_space_read(&r->io, 0xc000 + addr, 1);
}

static uint32_t header_u32(Rig *r, BarRead *rd, uint64_t at)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)rd(r, at + (uint64_t)i) << (8 * i);
    return v;
}

/* Runs one test the way kvm-unit-tests' pci_testdev_one does. */
static void run_test(Rig *r, bool mmio, unsigned nr, const char *name)
{
    BarRead *rd = mmio ? mmio_byte : pio_byte;
    AddressSpace *as = mmio ? &r->mem : &r->io;
    uint64_t bar = mmio ? 0xe0000000 : 0xc000;
    address_space_write(as, bar, nr, 1);
    g_assert_cmpuint(rd(r, 0), ==, (mmio ? 0 : 3) + nr);
    g_assert_cmpuint(rd(r, 1), ==, 1);
    g_assert_cmpuint(header_u32(r, rd, 12), ==, 0);
    uint32_t off = header_u32(r, rd, 4);
    g_assert_cmpuint(off, ==, (mmio ? 2048 : 128) + (mmio ? 0 : 3) + nr);
    uint8_t data = rd(r, 8);
    char got[32] = "";
    for (unsigned i = 0; i < sizeof(got) - 1; i++) {
        got[i] = (char)rd(r, 16 + i);
        if (!got[i])
            break;
    }
    g_assert_cmpstr(got, ==, name);
    for (int i = 0; i < 16; i++)
        address_space_write(as, bar + off, data, 1);
    /* A non-matching byte counts only for the wildcard test. */
    address_space_write(as, bar + off, (uint8_t)(data + 1), 1);
    /* A write elsewhere never counts. */
    address_space_write(as, bar + off + 1, data, 1);
    g_assert_cmpuint(header_u32(r, rd, 12), ==, nr == 1 ? 17 : 16);
}

static void test_pci_testdev(void)
{
    Rig r;
    rig_init(&r);
    PciBus *bus = pci_bus_new(&r.mem, &r.io, &r.log);
    PciTestdevState *s = pci_testdev_new(bus, DEVFN);
    g_assert_cmphex(cfg_read(bus, PCI_VENDOR_ID, 2), ==, 0x1b36);
    g_assert_cmphex(cfg_read(bus, PCI_DEVICE_ID, 2), ==, 0x0005);
    g_assert_cmphex(cfg_read(bus, PCI_REVISION_ID, 4) >> 8, ==, 0x00ff00);
    g_assert_cmphex(cfg_read(bus, PCI_INTERRUPT_PIN, 1), ==, 0);
    g_assert_cmphex(bar_size(bus, 0), ==, 4096);
    g_assert_cmphex(bar_size(bus, 1), ==, 256);
    g_assert_cmphex(cfg_read(bus, PCI_BAR0 + 4, 4) & 1, ==, 1);

    /* Not decoding yet. */
    g_assert_cmphex(address_space_read(&r.io, 0xc000, 1), ==, 0xff);
    pci_config_write(bus, DEVFN, PCI_BAR0, 0xe0000000, 4);
    pci_config_write(bus, DEVFN, PCI_BAR0 + 4, 0xc000, 4);
    pci_config_write(bus, DEVFN, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    /* No test selected: zeros. */
    g_assert_cmphex(address_space_read(&r.io, 0xc000, 4), ==, 0);

    static const char *const names[6] = {
        "mmio-no-eventfd",   "mmio-wildcard-eventfd",   "mmio-datamatch-eventfd",
        "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
    };
    for (unsigned t = 0; t < 3; t++) {
        run_test(&r, true, t, names[t]);
        run_test(&r, false, t, names[3 + t]);
    }
    /* Test 3 and up through a BAR: none selected; the header reads as zeros. */
    address_space_write(&r.mem, 0xe0000000, 3, 1);
    g_assert_cmphex(address_space_read(&r.mem, 0xe0000000 + 16, 4), ==, 0);
    /* Wide reads are split into bytes. */
    address_space_write(&r.io, 0xc000, 0, 1);
    g_assert_cmphex(address_space_read(&r.io, 0xc000 + 16, 4), ==, 0x74726f70); /* "port" */
    s->pci.dev.reset(&s->pci.dev);
    g_assert_cmphex(s->current, ==, 0xff);
    pci_testdev_free(s);
    pci_bus_free(bus);
    rig_destroy(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/testdev/pc-testdev-ports", test_pc_testdev_ports);
    g_test_add_func("/testdev/pc-testdev-iomem", test_pc_testdev_iomem);
    g_test_add_func("/testdev/pci-testdev", test_pci_testdev);
    return g_test_run();
}
