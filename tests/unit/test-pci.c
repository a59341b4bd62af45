/* PCI bus: configuration mechanism #1, BAR sizing and mapping, INTx wired-OR routing,
 * multi-function header, and the 0xCF9 byte inside the address dword. */
#include <glib.h>

#include "hw/pci.h"

typedef struct Fixture {
    Log log;
    AddressSpace mem, io;
    PciBus *bus;
    PciDevice dev, fn1;
    MemoryRegion *io_region, *mem_region;
    int pirq_level[4];
    int cf9;
} Fixture;

static uint64_t bar_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    (void)size;
    return 0xab00 + addr;
}

static void bar_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)val;
    (void)size;
}

static const MemoryRegionOps bar_ops = {.read = bar_read, .write = bar_write};

static int map_irq(uint8_t devfn, int pin)
{
    return ((devfn >> 3) + pin) & 3; /* the PIIX rotation */
}

static void set_pirq(void *opaque, int pirq, int level)
{
    ((Fixture *)opaque)->pirq_level[pirq] = level;
}

static void cf9_write(void *opaque, uint8_t v)
{
    ((Fixture *)opaque)->cf9 = v;
}

static void fixture_init(Fixture *f)
{
    *f = (Fixture){0};
    address_space_init(&f->mem, "mem", 1ull << 52, &f->log);
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    f->bus = pci_bus_new(&f->mem, &f->io, &f->log);
    f->bus->map_irq = map_irq;
    f->bus->set_pirq = set_pirq;
    f->bus->pirq_opaque = f;
    f->bus->cf9_write = cf9_write;
    f->bus->cf9_opaque = f;
    pci_device_init(&f->dev, f->bus, PCI_DEVFN(3, 0), "test", 0x1af4, 0x1000, 1, 0x020000);
    f->dev.config[PCI_INTERRUPT_PIN] = 1;
    f->io_region = address_space_add_mmio(&f->io, "bar0", 0, 0x20, &bar_ops, f, 0);
    f->mem_region = address_space_add_mmio(&f->mem, "bar1", 0, 0x1000, &bar_ops, f, 0);
    pci_register_bar(&f->dev, 0, PCI_BAR_IO, 0x20, f->io_region);
    pci_register_bar(&f->dev, 1, 0, 0x1000, f->mem_region);
}

static void fixture_fini(Fixture *f)
{
    pci_bus_free(f->bus);
    address_space_destroy(&f->mem);
    address_space_destroy(&f->io);
}

static uint32_t cfg_read(Fixture *f, unsigned devfn, unsigned reg, unsigned size)
{
    address_space_write(&f->io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    return (uint32_t)address_space_read(&f->io, 0xcfc + (reg & 3), size);
}

static void cfg_write(Fixture *f, unsigned devfn, unsigned reg, uint32_t v, unsigned size)
{
    address_space_write(&f->io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    address_space_write(&f->io, 0xcfc + (reg & 3), v, size);
}

static void test_config_mechanism(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), 0, 4), ==, 0x10001af4);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), 2, 2), ==, 0x1000);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), 0x0b, 1), ==, 0x02);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(4, 0), 0, 4), ==, 0xffffffff); /* empty slot */
    /* Read-only fields ignore writes. */
    cfg_write(&f, PCI_DEVFN(3, 0), 0, 0x12345678, 4);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), 0, 4), ==, 0x10001af4);
    /* The address register reads back; disabled it reaches nothing. */
    address_space_write(&f.io, 0xcf8, 0x00001800, 4);
    g_assert_cmphex(address_space_read(&f.io, 0xcf8, 4), ==, 0x00001800);
    g_assert_cmphex(address_space_read(&f.io, 0xcfc, 4), ==, 0xffffffff);
    /* 0xCF9 byte writes go to the reset control register, not the address. */
    address_space_write(&f.io, 0xcf9, 0x06, 1);
    g_assert_cmpint(f.cf9, ==, 6);
    g_assert_cmphex(address_space_read(&f.io, 0xcf8, 4), ==, 0x00001800);
    fixture_fini(&f);
}

static void test_bar_sizing_and_mapping(void)
{
    Fixture f;
    fixture_init(&f);
    unsigned d = PCI_DEVFN(3, 0);
    cfg_write(&f, d, 0x10, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(&f, d, 0x10, 4), ==, 0xffffffe1); /* 32 bytes, I/O */
    cfg_write(&f, d, 0x14, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(&f, d, 0x14, 4), ==, 0xfffff000); /* 4 KiB memory */
    cfg_write(&f, d, 0x10, 0xc000, 4);
    cfg_write(&f, d, 0x14, 0xfebf0000, 4);
    /* Not decoded until the command register enables it. */
    g_assert_cmphex(address_space_read(&f.io, 0xc004, 2), ==, 0xffff);
    cfg_write(&f, d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(address_space_read(&f.io, 0xc004, 2), ==, 0xab04);
    g_assert_cmphex(address_space_read(&f.mem, 0xfebf0010, 4), ==, 0xab10);
    /* Moving the BAR moves the registers. */
    cfg_write(&f, d, 0x10, 0xd000, 4);
    g_assert_cmphex(address_space_read(&f.io, 0xc004, 2), ==, 0xffff);
    g_assert_cmphex(address_space_read(&f.io, 0xd004, 2), ==, 0xab04);
    /* Sizing while enabled never maps at the top of the space. */
    cfg_write(&f, d, 0x14, 0xffffffff, 4);
    g_assert_cmphex(address_space_read(&f.mem, 0xfffff010, 4), ==, 0xffffffff);
    pci_device_reset(&f.dev);
    g_assert_cmphex(address_space_read(&f.io, 0xd004, 2), ==, 0xffff);
    fixture_fini(&f);
}

static void test_intx_routing(void)
{
    Fixture f;
    fixture_init(&f);
    pci_device_init(&f.fn1, f.bus, PCI_DEVFN(2, 0), "other", 0x8086, 0x1111, 0, 0);
    f.fn1.config[PCI_INTERRUPT_PIN] = 2; /* INTB of device 2: PIRQ (2+1)&3 = 3 */
    /* device 3 INTA: PIRQ 3 too — wired-OR */
    pci_set_irq(&f.dev, 1);
    g_assert_cmpint(f.pirq_level[3], ==, 1);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, !=, 0);
    pci_set_irq(&f.fn1, 1);
    pci_set_irq(&f.dev, 0);
    g_assert_cmpint(f.pirq_level[3], ==, 1);
    pci_set_irq(&f.fn1, 0);
    g_assert_cmpint(f.pirq_level[3], ==, 0);
    /* INTx Disable masks the pin. */
    pci_set_irq(&f.dev, 1);
    cfg_write(&f, PCI_DEVFN(3, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_cmpint(f.pirq_level[3], ==, 0);
    cfg_write(&f, PCI_DEVFN(3, 0), PCI_COMMAND, 0, 2);
    g_assert_cmpint(f.pirq_level[3], ==, 1);
    fixture_fini(&f);
}

static void test_multifunction(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), PCI_HEADER_TYPE, 1), ==, 0);
    pci_device_init(&f.fn1, f.bus, PCI_DEVFN(3, 1), "fn1", 0x8086, 0x2222, 0, 0);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 0), PCI_HEADER_TYPE, 1), ==, 0x80);
    g_assert_cmphex(cfg_read(&f, PCI_DEVFN(3, 1), 0, 4), ==, 0x22228086);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/config-mechanism", test_config_mechanism);
    g_test_add_func("/pci/bar-sizing-mapping", test_bar_sizing_and_mapping);
    g_test_add_func("/pci/intx-routing", test_intx_routing);
    g_test_add_func("/pci/multifunction", test_multifunction);
    return g_test_run();
}
