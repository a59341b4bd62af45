/* QEMU's pc-testdev: see pc_testdev.h. */
#include "hw/pc_testdev.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

static const VMStateField pc_testdev_fields[] = {
    VMSTATE_U32(PcTestdevState, ioport_data),
    VMSTATE_BYTES(PcTestdevState, iomem),
    VMSTATE_END,
};

/* ---- the scratch register (0xe0 and 0xe8) ---- */

static uint32_t lane_mask(uint64_t addr, unsigned size)
{
    unsigned shift = (unsigned)(addr & 3) * 8;
    uint64_t bits = size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
    return (uint32_t)(bits << shift);
}

static uint64_t ioport_read(void *opaque, uint64_t addr, unsigned size)
{
    PcTestdevState *s = opaque;
    return (s->ioport_data & lane_mask(addr, size)) >> ((addr & 3) * 8);
}

static void ioport_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PcTestdevState *s = opaque;
    uint32_t mask = lane_mask(addr, size);
    s->ioport_data = (s->ioport_data & ~mask) | ((uint32_t)(val << ((addr & 3) * 8)) & mask);
}

static const MemoryRegionOps ioport_ops = {
    .read = ioport_read, .write = ioport_write, .min_access = 1, .max_access = 4};
static const MemoryRegionOps ioport_byte_ops = {
    .read = ioport_read, .write = ioport_write, .min_access = 1, .max_access = 1};

/* ---- page flush (0xe4) ---- */

static uint64_t flush_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

static void flush_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PcTestdevState *s = opaque;
    if (size != 4 || addr != 0) {
        log_printf(s->log, LOG_GUEST_ERROR, "pc-testdev: %u-byte flush write ignored\n", size);
        return;
    }
    if (s->flush)
        s->flush(s->flush_opaque, val & ~0xfffull);
}

static const MemoryRegionOps flush_ops = {
    .read = flush_read, .write = flush_write, .min_access = 1, .max_access = 4};

/* ---- interrupt lines (0x2000) ---- */

static void irq_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PcTestdevState *s = opaque;
    (void)size;
    if (addr < PC_TESTDEV_NUM_IRQS)
        irq_set_level(&s->irqs[addr], val != 0);
}

static const MemoryRegionOps irq_ops = {
    .read = flush_read, .write = irq_write, .min_access = 1, .max_access = 1};

/* ---- device memory (0xff000000) ---- */

static uint64_t iomem_read(void *opaque, uint64_t addr, unsigned size)
{
    PcTestdevState *s = opaque;
    uint64_t v = 0;
    if (addr + size <= PC_TESTDEV_IOMEM_SIZE)
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)s->iomem[addr + i] << (8 * i);
    return v;
}

static void iomem_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PcTestdevState *s = opaque;
    if (addr + size <= PC_TESTDEV_IOMEM_SIZE)
        for (unsigned i = 0; i < size; i++)
            s->iomem[addr + i] = (uint8_t)(val >> (8 * i));
}

static const MemoryRegionOps iomem_ops = {
    .read = iomem_read, .write = iomem_write, .min_access = 1, .max_access = 8};

static void pc_testdev_reset(DeviceState *dev)
{
    PcTestdevState *s = (PcTestdevState *)dev;
    s->ioport_data = 0;
}

PcTestdevState *pc_testdev_new(AddressSpace *io, AddressSpace *mem, const IrqLine *irqs,
                               PcTestdevFlush *flush, void *flush_opaque, const Log *log)
{
    PcTestdevState *s = g_new0(PcTestdevState, 1);
    s->dev.name = "pc-testdev";
    s->dev.reset = pc_testdev_reset;
    s->dev.fields = pc_testdev_fields;
    s->io = io;
    s->mem = mem;
    s->log = log;
    memcpy(s->irqs, irqs, sizeof(s->irqs));
    s->flush = flush;
    s->flush_opaque = flush_opaque;
    s->regions[0] = address_space_add_mmio(io, "pc-testdev-ioport", 0xe0, 4, &ioport_ops, s, 0);
    s->regions[1] = address_space_add_mmio(io, "pc-testdev-flush", 0xe4, 4, &flush_ops, s, 0);
    s->regions[2] =
        address_space_add_mmio(io, "pc-testdev-ioport-byte", 0xe8, 4, &ioport_byte_ops, s, 0);
    s->regions[3] = address_space_add_mmio(io, "pc-testdev-irq", PC_TESTDEV_IRQ_BASE,
                                           PC_TESTDEV_NUM_IRQS, &irq_ops, s, 0);
    s->regions[4] = address_space_add_mmio(mem, "pc-testdev-iomem", PC_TESTDEV_IOMEM_BASE,
                                           PC_TESTDEV_IOMEM_SIZE, &iomem_ops, s, 0);
    return s;
}

void pc_testdev_free(PcTestdevState *s)
{
    if (!s)
        return;
    for (int i = 0; i < 4; i++)
        address_space_remove(s->io, s->regions[i]);
    address_space_remove(s->mem, s->regions[4]);
    g_free(s);
}
