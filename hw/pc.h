/* The PC machine: which devices sit where, and firmware loading. */
#ifndef PACIFICA_HW_PC_H
#define PACIFICA_HW_PC_H

#include <stdbool.h>
#include <stdio.h>

#include "block/aio.h"
#include "net/net.h"
#include "system/machine.h"

typedef struct PCBoard PCBoard;

/* Told after a device wrote guest RAM by DMA (gpa, len): the accelerator drops the
 * code it translated from there, as it does for a CPU store. */
typedef void PcDmaWrittenHook(void *opaque, uint64_t gpa, uint64_t len);

/* Maps RAM and firmware and creates the board's devices, among them a virtio-blk
 * function per -drive at PCI slots 4, 5, ...; NULL with a message naming the bad input
 * (firmware file, chardev, disk image) on error. */
PCBoard *pc_board_create(Machine *m);
void pc_board_destroy(PCBoard *b);
/* The network stack, for main to start on its loop (warns about unused backends). */
NetStack *pc_board_net(PCBoard *b);
/* Answers "-device help" (the device list) and "-device NAME,help" (its properties)
 * if cfg has either: returns true when it printed something (the process then exits
 * 0, as QEMU does). */
bool pc_device_help(const MachineConfig *cfg, FILE *out);
/* Checks that every -device names a known device and only properties it has (their
 * values are checked when the board creates them); false with a one-line message. */
bool pc_check_devices(const MachineConfig *cfg, FILE *err);
/* Presses the ACPI power button (QMP system_powerdown). Machine lock held. */
void pc_board_power_button(PCBoard *b);

/* The board's block requests complete through this context: the main loop watches
 * aio_context_fd and runs aio_context_run_completions with the machine lock held. NULL
 * when the machine has no drive. */
AioContext *pc_board_aio(PCBoard *b);
/* Sets (or clears, with NULL) the hook told about DMA writes to guest RAM. The board
 * does not own the translated code, so main connects it to the accelerator's. */
void pc_board_set_dma_written_hook(PCBoard *b, PcDmaWrittenHook *hook, void *opaque);

#endif
