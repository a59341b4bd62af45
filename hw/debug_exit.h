/* QEMU's isa-debug-exit device: a guest ends the emulator with a chosen status.
 *
 * A write of value V to any port in [base, base + size) asks the machine to exit
 * with status (V << 1) | 1, so that a status written by the guest can never be
 * mistaken for a clean exit (0). V is the value at the access width (1, 2 or 4
 * bytes). Reads return 0, as on QEMU. QEMU's default is base 0x501, size 2; test
 * setups commonly use base 0xf4, size 4.
 */
#ifndef PACIFICA_HW_DEBUG_EXIT_H
#define PACIFICA_HW_DEBUG_EXIT_H

#include <stdint.h>

#include "system/device.h"
#include "system/memory.h"

typedef struct DebugExitState {
    DeviceState dev; /* no guest-visible state: an empty field table */
    AddressSpace *io;
    MemoryRegion *region;
    uint16_t base, size;
    void (*request_exit)(void *opaque, int status);
    void *opaque;
} DebugExitState;

/* size is 1, 2 or 4. request_exit runs on the vCPU thread that wrote the port,
 * with the machine lock held. */
DebugExitState *debug_exit_new(AddressSpace *io, uint16_t base, uint16_t size,
                               void (*request_exit)(void *opaque, int status), void *opaque);
void debug_exit_free(DebugExitState *d);

#endif
