/* The Bochs/QEMU debug console: one port (0xe9 by convention) whose written bytes
 * go to a chardev. Reads return 0xe9, QEMU's default readback value, so a guest can
 * tell the port is there (an empty port reads 0xff).
 */
#ifndef PACIFICA_HW_DEBUGCON_H
#define PACIFICA_HW_DEBUGCON_H

#include <stdint.h>

#include "system/device.h"
#include "system/memory.h"

struct Chardev;

#define DEBUGCON_READBACK 0xe9

typedef struct DebugconState {
    DeviceState dev; /* no guest-visible state: an empty field table */
    AddressSpace *io;
    MemoryRegion *region;
    uint16_t base;
    struct Chardev *chr; /* NULL: output dropped */
} DebugconState;

DebugconState *debugcon_new(AddressSpace *io, uint16_t base, struct Chardev *chr);
void debugcon_free(DebugconState *d);

#endif
