/* Bochs/QEMU debug console port: see debugcon.h. */
#include "hw/debugcon.h"

#include <glib.h>

#include "system/chardev.h"

static const VMStateField debugcon_vmstate[] = {
    VMSTATE_END,
};

static uint64_t debugcon_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return DEBUGCON_READBACK;
}

static void debugcon_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    DebugconState *d = opaque;
    (void)addr;
    (void)size;
    uint8_t ch = (uint8_t)val;
    if (d->chr)
        chardev_write(d->chr, &ch, 1);
}

/* One byte-wide port: wider accesses are split, and their upper bytes fall on the
 * ports after it, as on QEMU. */
static const MemoryRegionOps debugcon_io_ops = {
    .read = debugcon_io_read,
    .write = debugcon_io_write,
    .min_access = 1,
    .max_access = 1,
};

DebugconState *debugcon_new(AddressSpace *io, uint16_t base, struct Chardev *chr)
{
    DebugconState *d = g_new0(DebugconState, 1);
    d->dev.name = "debugcon";
    d->dev.fields = debugcon_vmstate;
    d->io = io;
    d->base = base;
    d->chr = chr;
    d->region = address_space_add_mmio(io, "debugcon", base, 1, &debugcon_io_ops, d, 0);
    return d;
}

void debugcon_free(DebugconState *d)
{
    if (!d)
        return;
    if (d->region)
        address_space_remove(d->io, d->region);
    g_free(d);
}
