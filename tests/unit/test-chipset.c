/* The i440FX/PIIX3/PIIX4 chipset functions: PAM shadowing, PIRQ routing, the 0xCF9
 * reset, and the ACPI PM registers (timer, SCI, sleep, APM enable). */
#include <glib.h>
#include <string.h>

#include "hw/i440fx.h"
#include "hw/piix3.h"
#include "hw/piix4_pm.h"

typedef struct Fixture {
    Log log;
    AddressSpace mem, io;
    VirtualClock clock;
    uint8_t *ram;
    uint8_t rom[0x20000];
    PciBus *bus;
    I440fxState *host;
    Piix3State *isa;
    Piix4PmState *pm;
    int isa_level[16];
    int sci;
    int resets, power_offs;
} Fixture;

static void isa_irq(void *opaque, int n, int level)
{
    ((Fixture *)opaque)->isa_level[n] = level;
}

static void sci_irq(void *opaque, int n, int level)
{
    (void)n;
    ((Fixture *)opaque)->sci = level;
}

static void on_reset(void *opaque)
{
    ((Fixture *)opaque)->resets++;
}

static void on_power_off(void *opaque)
{
    ((Fixture *)opaque)->power_offs++;
}

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->mem, "mem", 1ull << 52, &f->log);
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    clock_init(&f->clock);
    f->ram = g_malloc0(2 << 20);
    for (int i = 0; i < 0x20000; i++)
        f->rom[i] = (uint8_t)(0xa0 + (i & 0xf));
    memset(f->ram + 0xc0000, 0x11, 0x40000);
    address_space_add_ram(&f->mem, "ram", 0, 2 << 20, f->ram, false, 0);
    f->bus = pci_bus_new(&f->mem, &f->io, &f->log);
    f->host = i440fx_new(f->bus, &f->mem, f->ram, f->rom, 0xe0000);
    IrqLine lines[16];
    for (int i = 0; i < 16; i++)
        lines[i] = (IrqLine){isa_irq, f, i};
    f->isa = piix3_new(f->bus, lines, on_reset, f);
    f->pm =
        piix4_pm_new(f->bus, &f->io, &f->clock, (IrqLine){sci_irq, f, 9}, on_power_off, f, &f->log);
}

static void fixture_fini(Fixture *f)
{
    piix4_pm_free(f->pm);
    piix3_free(f->isa);
    i440fx_free(f->host);
    pci_bus_free(f->bus);
    clock_destroy(&f->clock);
    address_space_destroy(&f->mem);
    address_space_destroy(&f->io);
    g_free(f->ram);
}

static void test_pam(void)
{
    Fixture f;
    fixture_init(&f);
    uint8_t *cfg = f.host->pci.config;
    /* Reset: the ROM answers at 0xF0000, nothing at 0xC0000. */
    g_assert_cmphex(address_space_read(&f.mem, 0xf0003, 1), ==, 0xa3);
    g_assert_cmphex(address_space_read(&f.mem, 0xc0000, 1), ==, 0xff);
    /* PAM0 = 30h: DRAM read/write (what firmware sets to copy itself). */
    pci_config_write(f.bus, 0, 0x59, 0x30, 1);
    g_assert_cmphex(cfg[0x59], ==, 0x30);
    g_assert_cmphex(address_space_read(&f.mem, 0xf0003, 1), ==, 0x11);
    address_space_write(&f.mem, 0xf0003, 0x5a, 1);
    g_assert_cmphex(f.ram[0xf0003], ==, 0x5a);
    /* 10h: reads DRAM, writes go to the ROM side (dropped). */
    pci_config_write(f.bus, 0, 0x59, 0x10, 1);
    address_space_write(&f.mem, 0xf0003, 0x77, 1);
    g_assert_cmphex(address_space_read(&f.mem, 0xf0003, 1), ==, 0x5a);
    /* 20h: reads the ROM, writes DRAM. */
    pci_config_write(f.bus, 0, 0x59, 0x20, 1);
    g_assert_cmphex(address_space_read(&f.mem, 0xf0003, 1), ==, 0xa3);
    address_space_write(&f.mem, 0xf0004, 0x99, 1);
    g_assert_cmphex(f.ram[0xf0004], ==, 0x99);
    /* PAM1 high nibble: 0xC4000-0xC7FFF. */
    pci_config_write(f.bus, 0, 0x5a, 0x30, 1);
    g_assert_cmphex(address_space_read(&f.mem, 0xc4000, 1), ==, 0x11);
    g_assert_cmphex(address_space_read(&f.mem, 0xc0000, 1), ==, 0xff);
    fixture_fini(&f);
}

static void test_pirq_routing_and_reset(void)
{
    Fixture f;
    fixture_init(&f);
    PciDevice dev;
    pci_device_init(&dev, f.bus, PCI_DEVFN(3, 0), "nic", 0x1af4, 0x1000, 0, 0x020000);
    dev.config[PCI_INTERRUPT_PIN] = 1; /* INTA of slot 3 -> PIRQD */
    pci_set_irq(&dev, 1);
    for (int i = 0; i < 16; i++)
        g_assert_cmpint(f.isa_level[i], ==, 0); /* routes disabled at reset */
    pci_config_write(f.bus, PCI_DEVFN(1, 0), 0x63, 11, 1);
    g_assert_cmpint(f.isa_level[11], ==, 1);
    pci_config_write(f.bus, PCI_DEVFN(1, 0), 0x63, 10, 1);
    g_assert_cmpint(f.isa_level[11], ==, 0);
    g_assert_cmpint(f.isa_level[10], ==, 1);
    pci_set_irq(&dev, 0);
    g_assert_cmpint(f.isa_level[10], ==, 0);
    /* Reset control: RCPU 0->1 resets. */
    address_space_write(&f.io, 0xcf9, 0x02, 1);
    g_assert_cmpint(f.resets, ==, 0);
    address_space_write(&f.io, 0xcf9, 0x06, 1);
    g_assert_cmpint(f.resets, ==, 1);
    fixture_fini(&f);
}

static uint32_t inl(Fixture *f, uint16_t port, unsigned size)
{
    return (uint32_t)address_space_read(&f->io, port, size);
}

static void test_pm(void)
{
    Fixture f;
    fixture_init(&f);
    /* Not decoded until firmware enables it. */
    g_assert_cmphex(inl(&f, 0x608, 4), ==, 0xffffffff);
    piix4_pm_firmware_setup(f.pm, PIIX4_PM_DEFAULT_BASE);
    uint32_t t0 = inl(&f, 0x608, 4);
    clock_step(&f.clock, 1000000); /* 1 ms: 3579.545 ticks */
    uint32_t t1 = inl(&f, 0x608, 4);
    g_assert_cmpuint((t1 - t0) & 0xffffff, >=, 3579);
    g_assert_cmpuint((t1 - t0) & 0xffffff, <=, 3580);
    /* The OS enables ACPI mode through the APM port: SCI_EN. */
    address_space_write(&f.io, 0xb2, ACPI_ENABLE_CMD, 1);
    g_assert_cmphex(inl(&f, 0x604, 2) & 1, ==, 1);
    /* Power button with PWRBTN_EN raises SCI; clearing the status lowers it. */
    address_space_write(&f.io, 0x602, 0x0100, 2);
    piix4_pm_power_button(f.pm);
    g_assert_cmpint(f.sci, ==, 1);
    g_assert_cmphex(inl(&f, 0x600, 2) & 0x0100, ==, 0x0100);
    address_space_write(&f.io, 0x600, 0x0100, 2);
    g_assert_cmpint(f.sci, ==, 0);
    /* Timer overflow: TMR_STS once bit 23 flips (about 2.34 s). */
    address_space_write(&f.io, 0x602, 0x0001, 2);
    for (int i = 0; i < 250; i++) {
        clock_step(&f.clock, 10000000);
        clock_run_timers(&f.clock);
    }
    g_assert_cmpint(f.sci, ==, 1);
    /* S5: SLP_TYP 0 with SLP_EN powers off. */
    address_space_write(&f.io, 0x604, 0x2001, 2);
    g_assert_cmpint(f.power_offs, ==, 1);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chipset/pam", test_pam);
    g_test_add_func("/chipset/pirq-routing-reset", test_pirq_routing_and_reset);
    g_test_add_func("/chipset/pm", test_pm);
    return g_test_run();
}
