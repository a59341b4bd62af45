/* PCI bus, configuration mechanism #1 and the generic configuration header (PCI Local
 * Bus Specification 3.0: §3.2.2.3.2 configuration mechanism #1, §6.1 header, §6.2.5
 * base address registers, §6.2.4 interrupt pin). */
#include "hw/pci.h"

#include <stdlib.h>
#include <string.h>

#define PCI_CONFIG_ADDR_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT 0xcfc
#define PCI_CONFIG_ENABLE    0x80000000u

static uint32_t all_ones(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static bool bar_is_io(const PciBar *b)
{
    return b->type & PCI_BAR_IO;
}

/* The address BAR idx holds, and whether decoding it is on. */
static uint64_t pci_bar_address(const PciDevice *d, int idx)
{
    const PciBar *b = &d->bars[idx];
    uint32_t lo = pci_get_long(d->config + PCI_BAR0 + 4 * idx);
    if (bar_is_io(b))
        return lo & ~3u;
    uint64_t addr = lo & ~0xfu;
    if (b->type & PCI_BAR_MEM64)
        addr |= (uint64_t)pci_get_long(d->config + PCI_BAR0 + 4 * (idx + 1)) << 32;
    return addr;
}

/* Where BAR idx should be visible now, or PCI_BAR_UNMAPPED: decoding must be enabled in
 * the command register, and the BAR must hold a real address — not 0 and not the
 * all-ones sizing pattern, which would reach the top of the space. */
static uint64_t pci_bar_target(const PciDevice *d, int idx)
{
    const PciBar *b = &d->bars[idx];
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    if (!(cmd & (bar_is_io(b) ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
        return PCI_BAR_UNMAPPED;
    uint64_t addr = pci_bar_address(d, idx);
    uint64_t limit = bar_is_io(b)                ? 0xffff
                     : (b->type & PCI_BAR_MEM64) ? (1ull << 52) - 1
                                                 : 0xffffffffull;
    uint64_t last = addr + b->size - 1;
    if (addr == 0 || last < addr || last >= limit)
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void pci_update_mappings(PciDevice *d)
{
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PciBar *b = &d->bars[i];
        if (!b->size || !b->region)
            continue;
        uint64_t target = pci_bar_target(d, i);
        if (target == b->mapped)
            continue;
        AddressSpace *as = bar_is_io(b) ? d->bus->io : d->bus->mem;
        if (target == PCI_BAR_UNMAPPED) {
            memory_region_set_enabled(as, b->region, false);
        } else {
            memory_region_set_base(as, b->region, target);
            memory_region_set_enabled(as, b->region, true);
        }
        b->mapped = target;
    }
}

/* INTx reaches the PIRQ line only while the device asserts it and INTx Disable is clear;
 * the PIRQ line is the wired-OR of its inputs. */
static void pci_update_irq(PciDevice *d, bool was_asserted)
{
    bool now = d->irq_level && !(pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    uint8_t pin = d->config[PCI_INTERRUPT_PIN];
    PciBus *bus = d->bus;
    if (now == was_asserted || pin == 0 || pin > 4 || !bus->map_irq)
        return;
    int pirq = bus->map_irq(d->devfn, pin - 1) & 3;
    if (now) {
        if (bus->pirq_count[pirq]++ == 0 && bus->set_pirq)
            bus->set_pirq(bus->pirq_opaque, pirq, 1);
    } else {
        if (--bus->pirq_count[pirq] == 0 && bus->set_pirq)
            bus->set_pirq(bus->pirq_opaque, pirq, 0);
    }
}

static bool pci_irq_asserted(const PciDevice *d)
{
    return d->irq_level && !(pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
}

void pci_set_irq(PciDevice *d, int level)
{
    bool was = pci_irq_asserted(d);
    d->irq_level = level != 0;
    if (level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    pci_update_irq(d, was);
}

uint32_t pci_config_read(PciBus *bus, uint8_t devfn, unsigned addr, unsigned size)
{
    PciDevice *d = bus->devices[devfn];
    if (!d || addr + size > PCI_CONFIG_SIZE)
        return all_ones(size); /* master abort: all ones */
    if (d->config_read)
        return d->config_read(d, addr, size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    return v;
}

void pci_config_write(PciBus *bus, uint8_t devfn, unsigned addr, uint32_t val, unsigned size)
{
    PciDevice *d = bus->devices[devfn];
    if (!d || addr + size > PCI_CONFIG_SIZE)
        return;
    bool irq_was = pci_irq_asserted(d);
    for (unsigned i = 0; i < size; i++) {
        unsigned a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        d->config[a] = (uint8_t)((d->config[a] & ~d->wmask[a]) | (b & d->wmask[a]));
        d->config[a] &= (uint8_t) ~(b & d->w1cmask[a]);
    }
    bool touches_cmd = addr < PCI_COMMAND + 2 && addr + size > PCI_COMMAND;
    bool touches_bar = addr < PCI_BAR0 + 24 && addr + size > PCI_BAR0;
    if (touches_cmd || touches_bar)
        pci_update_mappings(d);
    if (touches_cmd)
        pci_update_irq(d, irq_was);
    if (d->config_written)
        d->config_written(d, addr, val, size);
}

void pci_device_init(PciDevice *d, PciBus *bus, uint8_t devfn, const char *name, uint16_t vendor,
                     uint16_t device, uint8_t revision, uint32_t class_code)
{
    d->dev.name = name;
    d->bus = bus;
    d->devfn = devfn;
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    pci_set_word(d->config + PCI_VENDOR_ID, vendor);
    pci_set_word(d->config + PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(d->config + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    /* Command: I/O, memory, bus master, INTx disable writable (also SERR/parity). */
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                             0x0140 | PCI_COMMAND_INTX_DISABLE);
    /* Status error bits are write-1-to-clear (§6.2.3). */
    pci_set_word(d->w1cmask + PCI_STATUS, 0xf900);
    d->wmask[0x0c] = 0xff; /* cache line size */
    d->wmask[0x0d] = 0xff; /* latency timer */
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (int i = 0; i < PCI_NUM_BARS; i++)
        d->bars[i] = (PciBar){0, 0, NULL, PCI_BAR_UNMAPPED};
    d->irq_level = false;
    bus->devices[devfn] = d;
    /* A function above 0 makes function 0 report a multi-function device (§6.2.1). */
    if ((devfn & 7) && bus->devices[devfn & ~7])
        bus->devices[devfn & ~7]->config[PCI_HEADER_TYPE] |= PCI_HEADER_MULTI_FUNCTION;
}

void pci_register_bar(PciDevice *d, int idx, uint8_t type, uint64_t size, MemoryRegion *region)
{
    PciBar *b = &d->bars[idx];
    b->size = size;
    b->type = type;
    b->region = region;
    b->mapped = PCI_BAR_UNMAPPED;
    uint64_t mask = ~(size - 1);
    uint32_t lo_mask = (uint32_t)mask & ((type & PCI_BAR_IO) ? ~3u : ~0xfu);
    pci_set_long(d->config + PCI_BAR0 + 4 * idx, type & 0xf);
    pci_set_long(d->wmask + PCI_BAR0 + 4 * idx, lo_mask);
    if (type & PCI_BAR_MEM64)
        pci_set_long(d->wmask + PCI_BAR0 + 4 * (idx + 1), (uint32_t)(mask >> 32));
    if (region) {
        AddressSpace *as = (type & PCI_BAR_IO) ? d->bus->io : d->bus->mem;
        memory_region_set_enabled(as, region, false);
    }
}

void pci_device_reset(PciDevice *d)
{
    bool irq_was = pci_irq_asserted(d);
    pci_set_word(d->config + PCI_COMMAND, 0);
    pci_set_word(d->config + PCI_STATUS,
                 pci_get_word(d->config + PCI_STATUS) & PCI_STATUS_CAP_LIST);
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        if (!d->bars[i].size)
            continue;
        pci_set_long(d->config + PCI_BAR0 + 4 * i, d->bars[i].type & 0xf);
        if (d->bars[i].type & PCI_BAR_MEM64)
            pci_set_long(d->config + PCI_BAR0 + 4 * (i + 1), 0);
    }
    pci_update_mappings(d);
    d->irq_level = false;
    pci_update_irq(d, irq_was);
}

/* 0xCF8: enable bit 31, bus 23:16, device 15:11, function 10:8, register 7:2. Only
 * dword accesses reach it (§3.2.2.3.2); Linux's probe writes a byte to 0xCFB, which
 * is ignored. */
static uint64_t pci_addr_read(void *opaque, uint64_t addr, unsigned size)
{
    PciBus *bus = opaque;
    if (addr == 1 && size == 1 && bus->cf9_read)
        return bus->cf9_read(bus->cf9_opaque);
    if (addr != 0 || size != 4)
        return all_ones(size);
    return bus->config_address;
}

static void pci_addr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PciBus *bus = opaque;
    if (addr == 1 && size == 1 && bus->cf9_write)
        bus->cf9_write(bus->cf9_opaque, (uint8_t)val);
    else if (addr == 0 && size == 4)
        bus->config_address = (uint32_t)val & 0x80fffffcu;
}

/* Decodes 0xCFC + offset into (devfn, register); false when disabled or not bus 0. */
static bool pci_data_target(const PciBus *bus, uint64_t offset, uint8_t *devfn, unsigned *reg)
{
    uint32_t a = bus->config_address;
    if (!(a & PCI_CONFIG_ENABLE) || ((a >> 16) & 0xff) != 0)
        return false;
    *devfn = (uint8_t)(a >> 8);
    *reg = (a & 0xfc) + (unsigned)offset;
    return true;
}

static uint64_t pci_data_read(void *opaque, uint64_t addr, unsigned size)
{
    PciBus *bus = opaque;
    uint8_t devfn;
    unsigned reg;
    if (!pci_data_target(bus, addr, &devfn, &reg))
        return all_ones(size);
    return pci_config_read(bus, devfn, reg, size);
}

static void pci_data_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PciBus *bus = opaque;
    uint8_t devfn;
    unsigned reg;
    if (pci_data_target(bus, addr, &devfn, &reg))
        pci_config_write(bus, devfn, reg, (uint32_t)val, size);
}

static const MemoryRegionOps pci_addr_ops = {
    .read = pci_addr_read, .write = pci_addr_write, .min_access = 1, .max_access = 4};
static const MemoryRegionOps pci_data_ops = {
    .read = pci_data_read, .write = pci_data_write, .min_access = 1, .max_access = 4};

static void pci_bus_reset(DeviceState *dev)
{
    ((PciBus *)dev)->config_address = 0;
}

static const VMStateField pci_bus_fields[] = {
    VMSTATE_U32(PciBus, config_address),
    VMSTATE_END,
};

PciBus *pci_bus_new(AddressSpace *mem, AddressSpace *io, const Log *log)
{
    PciBus *bus = calloc(1, sizeof(*bus));
    if (!bus)
        return NULL;
    bus->dev.name = "pci-bus";
    bus->dev.reset = pci_bus_reset;
    bus->dev.fields = pci_bus_fields;
    bus->mem = mem;
    bus->io = io;
    bus->log = log;
    bus->regions[0] = address_space_add_mmio(io, "pci-config-address", PCI_CONFIG_ADDR_PORT, 4,
                                             &pci_addr_ops, bus, 0);
    bus->regions[1] = address_space_add_mmio(io, "pci-config-data", PCI_CONFIG_DATA_PORT, 4,
                                             &pci_data_ops, bus, 0);
    return bus;
}

void pci_bus_free(PciBus *bus)
{
    if (!bus)
        return;
    address_space_remove(bus->io, bus->regions[0]);
    address_space_remove(bus->io, bus->regions[1]);
    free(bus);
}
