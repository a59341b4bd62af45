/* The main loop: timers, backend input, signals, and reset/exit requests. */
#ifndef PACIFICA_SYSTEM_MAIN_LOOP_H
#define PACIFICA_SYSTEM_MAIN_LOOP_H

#include "accel/accel.h"
#include "system/machine.h"

/* Runs until the machine asks to exit; stops the vCPUs and returns the exit status.
 */
int main_loop_run(Machine *m, const AccelOps *accel, void *accel_state);

#endif
