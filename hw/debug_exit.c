/* QEMU's isa-debug-exit (hw/misc/debugexit.c in QEMU): see debug_exit.h. */
#include "hw/debug_exit.h"

#include <glib.h>

static const VMStateField debug_exit_vmstate[] = {
    VMSTATE_END,
};

static uint64_t debug_exit_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

/* The status is computed as QEMU does and truncated to an int the same way;
 * the process exit status the host sees is its low 8 bits. */
static void debug_exit_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    DebugExitState *d = opaque;
    (void)addr;
    uint64_t width_mask = size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
    uint32_t status = (uint32_t)(((val & width_mask) << 1) | 1);
    if (d->request_exit)
        d->request_exit(d->opaque, (int)status);
}

/* Accesses of 1 to 4 bytes reach the device whole, as QEMU's valid sizes. */
static const MemoryRegionOps debug_exit_io_ops = {
    .read = debug_exit_io_read,
    .write = debug_exit_io_write,
    .min_access = 1,
    .max_access = 4,
};

DebugExitState *debug_exit_new(AddressSpace *io, uint16_t base, uint16_t size,
                               void (*request_exit)(void *opaque, int status), void *opaque)
{
    DebugExitState *d = g_new0(DebugExitState, 1);
    d->dev.name = "isa-debug-exit";
    d->dev.fields = debug_exit_vmstate;
    d->io = io;
    d->base = base;
    d->size = size;
    d->request_exit = request_exit;
    d->opaque = opaque;
    d->region = address_space_add_mmio(io, "isa-debug-exit", base, size, &debug_exit_io_ops, d, 0);
    return d;
}

void debug_exit_free(DebugExitState *d)
{
    if (!d)
        return;
    if (d->region)
        address_space_remove(d->io, d->region);
    g_free(d);
}
