/* The PC/AT coprocessor error logic: see fpu_error.h. */
#include "hw/fpu_error.h"

#include <glib.h>

static const VMStateField fpu_error_vmstate[] = {
    VMSTATE_U64(FpuErrorState, ferr_cpus),
    VMSTATE_BOOL(FpuErrorState, irq_level),
    VMSTATE_END,
};

static void fpu_error_drive_irq(FpuErrorState *f, bool level)
{
    f->irq_level = level;
    irq_set_level(&f->irq13, level);
}

void fpu_error_set_ferr(void *opaque, int cpu_index, bool asserted)
{
    FpuErrorState *f = opaque;
    uint64_t bit = 1ull << (cpu_index < 63 ? cpu_index : 63);
    uint64_t old = f->ferr_cpus;
    f->ferr_cpus = asserted ? old | bit : old & ~bit;
    /* IRQ 13 follows FERR#'s assertion; once port 0xF0 took it away it stays away
     * until FERR# has gone inactive (PIIX4 "Coprocessor Error") */
    if (!old && f->ferr_cpus)
        fpu_error_drive_irq(f, true);
    else if (old && !f->ferr_cpus)
        fpu_error_drive_irq(f, false);
}

static uint64_t fpu_error_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0xff; /* write-only: the bus floats */
}

static void fpu_error_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)addr;
    (void)val;
    (void)size;
    fpu_error_drive_irq(opaque, false);
}

static const MemoryRegionOps fpu_error_io_ops = {
    .read = fpu_error_io_read,
    .write = fpu_error_io_write,
    .min_access = 1,
    .max_access = 1,
};

static void fpu_error_reset(DeviceState *dev)
{
    FpuErrorState *f = (FpuErrorState *)dev;
    f->ferr_cpus = 0;
    fpu_error_drive_irq(f, false);
}

static void fpu_error_post_load(DeviceState *dev)
{
    FpuErrorState *f = (FpuErrorState *)dev;
    irq_set_level(&f->irq13, f->irq_level);
}

FpuErrorState *fpu_error_new(AddressSpace *io, IrqLine irq13)
{
    FpuErrorState *f = g_new0(FpuErrorState, 1);
    f->dev.name = "fpu-error";
    f->dev.reset = fpu_error_reset;
    f->dev.fields = fpu_error_vmstate;
    f->dev.post_load = fpu_error_post_load;
    f->io = io;
    f->irq13 = irq13;
    f->region = address_space_add_mmio(io, "fpu-error", FPU_ERROR_PORT, 1, &fpu_error_io_ops, f, 0);
    return f;
}

void fpu_error_free(FpuErrorState *f)
{
    if (!f)
        return;
    if (f->region)
        address_space_remove(f->io, f->region);
    g_free(f);
}
