/* System Control Port A at I/O port 0x92: the PS/2 "fast A20 and reset" port,
 * as PC chipsets and Super I/O chips provide it (SMSC FDC37B78x datasheet,
 * "Port 92 Fast GateA20 and Keyboard Reset"; QEMU's port92 device).
 *
 * Bit 1 drives the A20 gate and reads back as written. Bit 0 resets the machine
 * when written from 0 to 1; it reads back as written, a reset clears it, and
 * it must be written back to 0 before it can reset again (SMSC, bit 0). The
 * reserved bits 7:2 read as 0 here (the SMSC part returns fixed values in some
 * of them; nothing depends on those).
 *
 * The chipset ORs this A20 bit with the keyboard controller's A20 gate
 * (hw/i8042.h); the board does the same and hands the result to the CPU.
 *
 * The caller holds the machine lock around port accesses.
 */
#ifndef PACIFICA_HW_PORT92_H
#define PACIFICA_HW_PORT92_H

#include <stdbool.h>
#include <stdint.h>

#include "system/device.h"
#include "system/memory.h"

#define PORT92_PORT 0x92

enum {
    PORT92_FAST_RESET = 0x01,
    PORT92_A20 = 0x02,
};

typedef struct Port92State {
    DeviceState dev;

    /* Guest-visible state, all of it in port92_vmstate. */
    uint8_t value; /* bits 0 and 1 as last written */

    /* Wiring, set at creation and not saved. */
    AddressSpace *io;
    MemoryRegion *region;
    void (*request_reset)(void *opaque);
    void (*set_a20)(void *opaque, bool enabled);
    void *opaque;
} Port92State;

/* The port in its reset state (0: A20 bit clear). request_reset is called on a
 * 0-to-1 write of bit 0; set_a20 whenever bit 1 changes and at every device reset
 * (not at creation). Both run on the vCPU thread that did the port write, with the
 * machine lock held. */
Port92State *port92_new(AddressSpace *io, void (*request_reset)(void *opaque),
                        void (*set_a20)(void *opaque, bool enabled), void *opaque);
void port92_free(Port92State *p);

/* Port 0x92's A20 bit (for the board after a snapshot load). */
bool port92_a20_enabled(const Port92State *p);

#endif
