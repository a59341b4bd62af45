/* System Control Port A: see port92.h. */
#include "hw/port92.h"

#include <glib.h>

#define PORT92_BITS (PORT92_FAST_RESET | PORT92_A20)

static const VMStateField port92_vmstate[] = {
    VMSTATE_U8(Port92State, value),
    VMSTATE_END,
};

static uint64_t port92_io_read(void *opaque, uint64_t addr, unsigned size)
{
    const Port92State *p = opaque;
    (void)addr;
    (void)size;
    return p->value;
}

static void port92_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Port92State *p = opaque;
    uint8_t old = p->value;
    (void)addr;
    (void)size;
    p->value = (uint8_t)val & PORT92_BITS;
    if (((old ^ p->value) & PORT92_A20) && p->set_a20)
        p->set_a20(p->opaque, p->value & PORT92_A20);
    /* Only the rising edge resets: a guest that writes the port back with bit 0
     * still set (read-modify-write of A20) must not reset again. */
    if (!(old & PORT92_FAST_RESET) && (p->value & PORT92_FAST_RESET) && p->request_reset)
        p->request_reset(p->opaque);
}

static const MemoryRegionOps port92_io_ops = {
    .read = port92_io_read,
    .write = port92_io_write,
    .min_access = 1,
    .max_access = 1,
};

bool port92_a20_enabled(const Port92State *p)
{
    return p->value & PORT92_A20;
}

static void port92_reset(DeviceState *dev)
{
    Port92State *p = (Port92State *)dev;
    p->value = 0;
    if (p->set_a20)
        p->set_a20(p->opaque, false);
}

Port92State *port92_new(AddressSpace *io, void (*request_reset)(void *opaque),
                        void (*set_a20)(void *opaque, bool enabled), void *opaque)
{
    Port92State *p = g_new0(Port92State, 1);
    p->dev.name = "port92";
    p->dev.reset = port92_reset;
    p->dev.fields = port92_vmstate;
    p->io = io;
    p->request_reset = request_reset;
    p->set_a20 = set_a20;
    p->opaque = opaque;
    p->region = address_space_add_mmio(io, "port92", PORT92_PORT, 1, &port92_io_ops, p, 0);
    return p;
}

void port92_free(Port92State *p)
{
    if (!p)
        return;
    if (p->region)
        address_space_remove(p->io, p->region);
    g_free(p);
}
