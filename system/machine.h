/* The machine: memory map, clock, devices and run state shared by every part.
 * The PC board itself (which devices, where) is wired in hw/pc.c. */
#ifndef PACIFICA_SYSTEM_MACHINE_H
#define PACIFICA_SYSTEM_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "system/clock.h"
#include "system/device.h"
#include "system/log.h"
#include "system/memory.h"
#include "system/options.h"

struct Chardev;
struct AccelOps;
struct MachineDebug;

typedef struct Machine {
    const MachineConfig *cfg;
    Log log;
    AddressSpace mem; /* guest physical memory */
    AddressSpace io;  /* port I/O */
    VirtualClock clock;
    /* The machine lock: held by any thread that touches device state (vCPU threads
     * around port I/O and MMIO, the main loop around timers and backend input). */
    pthread_mutex_t lock;
    DeviceState *devices;
    uint8_t *ram;
    uint64_t ram_size;

    /* Run state. exit_requested is set once; the main loop then stops everything and
     * the process exits with exit_status. */
    atomic_bool exit_requested;
    int exit_status;
    atomic_bool reset_requested;
    int wake_fd[2]; /* pipe that wakes the main loop */

    /* Chardevs owned by the machine, closed at exit. */
    struct Chardev *chardevs[8];
    unsigned nchardevs;

    void *accel; /* the accelerator's state (accel/) */
    /* Set by the accelerator: makes every vCPU leave guest code at the next instruction
     * boundary (an exit or reset request takes effect before the guest runs on, as
     * QEMU's isa-debug-exit ends the process inside the port write). */
    void (*kick_vcpus)(void *accel);
    /* Set by the accelerator: the interrupt-request line (INTR) of vCPU cpu_index, and
     * the NMI, INIT and start-up (SIPI) messages of its local APIC. */
    void (*set_cpu_intr)(void *accel, int cpu_index, int level);
    void (*cpu_nmi)(void *accel, int cpu_index);
    void (*cpu_init)(void *accel, int cpu_index);
    void (*cpu_sipi)(void *accel, int cpu_index, uint8_t vector);

    /* Set by the board: the interrupt acknowledge cycle for vCPU cpu_index (the PIC, or
     * the local APIC later), returning the vector. Called with the machine lock held. */
    int (*interrupt_ack)(void *opaque, int cpu_index);
    void *interrupt_ack_opaque;

    /* Called by the accelerator after it resets a vCPU (power-on and every reset), with
     * the CPU's architectural state: the board uses it to start the boot CPU where a
     * direct-boot loader put the kernel. */
    void (*cpu_reset_hook)(void *opaque, int cpu_index, void *cpu_env);
    void *cpu_reset_opaque;

    /* Set by the board: vCPU cpu_index drives its FERR# output (x87 errors with CR0.NE
     * = 0; hw/fpu_error.h). Called with the machine lock held. */
    void (*set_ferr)(void *opaque, int cpu_index, bool asserted);
    void *set_ferr_opaque;

    /* The debugger's breakpoints, watchpoints and single-steps (system/debug.h); NULL
     * when no gdb stub was asked for. */
    struct MachineDebug *debug;
} Machine;

/* Sets up memory spaces, the clock, the lock and the wake pipe. */
int machine_init(Machine *m, const MachineConfig *cfg);
void machine_destroy(Machine *m);

void machine_register_device(Machine *m, DeviceState *dev);
void machine_reset_devices(Machine *m);
/* Opens a chardev the machine closes at exit; NULL with a message on error. */
struct Chardev *machine_open_chardev(Machine *m, const char *spec);

/* Called from any thread: the process ends with status once the main loop sees it. */
void machine_request_exit(Machine *m, int status);
/* Called from any thread: reset the machine (or exit 0 under -no-reboot). */
void machine_request_reset(Machine *m);
/* Drives vCPU cpu_index's INTR line (from the interrupt controllers). */
void machine_set_cpu_intr(Machine *m, int cpu_index, int level);
/* Wakes the main loop (timer deadline moved, exit requested, ...). */
void machine_wake(Machine *m);

#endif
