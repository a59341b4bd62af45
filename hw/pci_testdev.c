/* QEMU's pci-testdev: see pci_testdev.h. */
#include "hw/pci_testdev.h"

#include <glib.h>
#include <string.h>

#define MMIO_TEST_OFFSET 2048 /* QEMU's IOTEST_MEMSIZE: the BAR is twice that */
#define PIO_TEST_OFFSET  128  /* QEMU's IOTEST_IOSIZE */
#define TESTS_PER_BAR    3
#define DATA_MATCH       0xfa
#define DATA_NOMATCH     0xce /* the wildcard test's advertised byte */
#define HDR_NAME         16
#define NO_TEST          0xff

static const VMStateField pci_testdev_fields[] = {
    VMSTATE_BYTES(PciTestdevState, pci.config),
    VMSTATE_U8(PciTestdevState, current),
    VMSTATE_FIELD(PciTestdevState, count[0], VMS_U32),
    VMSTATE_FIELD(PciTestdevState, count[1], VMS_U32),
    VMSTATE_FIELD(PciTestdevState, count[2], VMS_U32),
    VMSTATE_FIELD(PciTestdevState, count[3], VMS_U32),
    VMSTATE_FIELD(PciTestdevState, count[4], VMS_U32),
    VMSTATE_FIELD(PciTestdevState, count[5], VMS_U32),
    VMSTATE_END,
};

static const char *const test_names[PCI_TESTDEV_NUM_TESTS] = {
    "mmio-no-eventfd",   "mmio-wildcard-eventfd",   "mmio-datamatch-eventfd",
    "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

static bool test_is_wildcard(unsigned t)
{
    return t % TESTS_PER_BAR == 1;
}

static uint32_t test_offset(unsigned t)
{
    return (t < TESTS_PER_BAR ? MMIO_TEST_OFFSET : PIO_TEST_OFFSET) + t;
}

/* Byte addr of test t's header; 0 past its end (as QEMU, the NUL included). */
static uint8_t header_byte(const PciTestdevState *s, unsigned t, uint64_t addr)
{
    size_t name_len = strlen(test_names[t]);
    if (addr + 1 >= HDR_NAME + name_len + 1)
        return 0;
    if (addr >= HDR_NAME)
        return (uint8_t)test_names[t][addr - HDR_NAME];
    switch (addr) {
    case 0: return (uint8_t)t;
    case 1: return 1; /* access width */
    case 4:
    case 5:
    case 6:
    case 7: return (uint8_t)(test_offset(t) >> (8 * (addr - 4)));
    case 8: return test_is_wildcard(t) ? DATA_NOMATCH : DATA_MATCH;
    case 12:
    case 13:
    case 14:
    case 15: return (uint8_t)(s->count[t] >> (8 * (addr - 12)));
    default: return 0;
    }
}

static uint64_t testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    PciTestdevState *s = opaque;
    (void)size;
    if (s->current == NO_TEST)
        return 0;
    return header_byte(s, s->current, addr);
}

static void testdev_write(PciTestdevState *s, uint64_t addr, uint8_t val, unsigned bar_first)
{
    if (addr == 0) {
        s->current = NO_TEST;
        if (val < TESTS_PER_BAR) {
            s->current = (uint8_t)(bar_first + val);
            s->count[s->current] = 0;
        }
        return;
    }
    if (s->current == NO_TEST || addr != test_offset(s->current))
        return;
    if (!test_is_wildcard(s->current) && val != DATA_MATCH)
        return;
    s->count[s->current]++;
}

static void mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)size;
    testdev_write(opaque, addr, (uint8_t)val, 0);
}

static void pio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)size;
    testdev_write(opaque, addr, (uint8_t)val, TESTS_PER_BAR);
}

/* QEMU implements both BARs with byte accesses only: wider ones are split. */
static const MemoryRegionOps mmio_ops = {
    .read = testdev_read, .write = mmio_write, .min_access = 1, .max_access = 1};
static const MemoryRegionOps pio_ops = {
    .read = testdev_read, .write = pio_write, .min_access = 1, .max_access = 1};

static void pci_testdev_reset(DeviceState *dev)
{
    PciTestdevState *s = (PciTestdevState *)dev;
    pci_device_reset(&s->pci);
    s->current = NO_TEST;
}

PciTestdevState *pci_testdev_new(PciBus *bus, uint8_t devfn)
{
    PciTestdevState *s = g_new0(PciTestdevState, 1);
    pci_device_init(&s->pci, bus, devfn, "pci-testdev", PCI_TESTDEV_VENDOR_ID,
                    PCI_TESTDEV_DEVICE_ID, 0, 0x00ff00);
    /* QEMU's default subsystem IDs for its own devices. */
    pci_set_word(s->pci.config + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
    pci_set_word(s->pci.config + PCI_SUBSYSTEM_ID, 0x1100);
    s->pci.config[PCI_INTERRUPT_PIN] = 0; /* no interrupt */
    s->pci.dev.reset = pci_testdev_reset;
    s->pci.dev.fields = pci_testdev_fields;
    s->current = NO_TEST;
    s->mmio = address_space_add_mmio(bus->mem, "pci-testdev-mmio", 0, 2 * MMIO_TEST_OFFSET,
                                     &mmio_ops, s, 0);
    s->portio = address_space_add_mmio(bus->io, "pci-testdev-portio", 0, 2 * PIO_TEST_OFFSET,
                                       &pio_ops, s, 0);
    pci_register_bar(&s->pci, 0, 0, 2 * MMIO_TEST_OFFSET, s->mmio);
    pci_register_bar(&s->pci, 1, PCI_BAR_IO, 2 * PIO_TEST_OFFSET, s->portio);
    return s;
}

void pci_testdev_free(PciTestdevState *s)
{
    if (!s)
        return;
    if (s->pci.bus && s->pci.bus->devices[s->pci.devfn] == &s->pci)
        s->pci.bus->devices[s->pci.devfn] = NULL;
    address_space_remove(s->pci.bus->mem, s->mmio);
    address_space_remove(s->pci.bus->io, s->portio);
    g_free(s);
}
