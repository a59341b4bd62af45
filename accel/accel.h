/* How vCPUs run. One interface, implemented by accel/tcg.c now and by KVM later: the
 * machine, its devices and the main loop are the same whichever runs. */
#ifndef PACIFICA_ACCEL_ACCEL_H
#define PACIFICA_ACCEL_ACCEL_H

#include "system/machine.h"

typedef struct AccelOps {
    const char *name;
    /* Creates the vCPUs (in reset state) for m; returns the accelerator's state or NULL
     * with a message printed. */
    void *(*create)(Machine *m);
    /* Starts one host thread per vCPU. */
    int (*start)(void *accel);
    /* Makes every vCPU leave guest code and their threads end; returns once they have. */
    void (*stop)(void *accel);
    /* Puts every vCPU in its reset state (threads stopped). */
    void (*reset)(void *accel);
    void (*destroy)(void *accel);
} AccelOps;

extern const AccelOps accel_tcg_ops;

#endif
