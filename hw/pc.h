/* The PC machine: which devices sit where, and firmware loading. */
#ifndef PACIFICA_HW_PC_H
#define PACIFICA_HW_PC_H

#include "system/machine.h"

typedef struct PCBoard PCBoard;

/* Maps RAM and firmware and creates the board's devices; NULL with a message naming
 * the bad input (firmware file, chardev) on error. */
PCBoard *pc_board_create(Machine *m);
void pc_board_destroy(PCBoard *b);
/* Presses the ACPI power button (QMP system_powerdown). Machine lock held. */
void pc_board_power_button(PCBoard *b);

#endif
