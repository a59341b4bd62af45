/* The PC/AT coprocessor error logic: FERR# to IRQ 13, cleared through port 0xF0.
 *
 * With CR0.NE = 0 a processor reports an unmasked x87 exception on its FERR#
 * output instead of raising #MF (SDM Vol 1 §8.7 and Appendix D, "MS-DOS
 * compatibility" mode). PC chipsets turn FERR# into IRQ 13; an I/O write to port
 * 0xF0 removes IRQ 13 (and asserts IGNNE#), and the interrupt comes again only
 * after FERR# went inactive, i.e. once software cleared the x87 error with
 * FNCLEX or FNINIT (Intel 82371AB PIIX4 datasheet, "Coprocessor Error"). QEMU's
 * pc machine behaves the same way.
 *
 * Pacifica's CPUs never freeze on the next waiting x87 instruction as a 486
 * without IGNNE# would: they go on as if IGNNE# were asserted, which is what the
 * MS-DOS-era handlers arrange anyway. FERR# of several CPUs is wired-OR.
 *
 * The caller holds the machine lock.
 */
#ifndef PACIFICA_HW_FPU_ERROR_H
#define PACIFICA_HW_FPU_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#include "system/device.h"
#include "system/irq.h"
#include "system/memory.h"

#define FPU_ERROR_PORT 0xf0

typedef struct FpuErrorState {
    DeviceState dev;

    /* Guest-visible state, all of it in fpu_error_vmstate. */
    uint64_t ferr_cpus; /* CPUs asserting FERR# (bit min(index, 63)) */
    bool irq_level;     /* IRQ 13 as driven by this logic */

    /* Wiring, set at creation and not saved. */
    AddressSpace *io;
    MemoryRegion *region;
    IrqLine irq13;
} FpuErrorState;

FpuErrorState *fpu_error_new(AddressSpace *io, IrqLine irq13);
void fpu_error_free(FpuErrorState *f);

/* CPU cpu_index drives its FERR# output (the machine's set_ferr hook). */
void fpu_error_set_ferr(void *opaque, int cpu_index, bool asserted);

#endif
