/* What a debugger (the gdb stub) asks of the vCPUs: breakpoints, watchpoints and
 * single-steps. They are the debugger's own, separate from the guest's DR0-DR7.
 *
 * The translator reads the breakpoints when it translates a block, the MMU the
 * watchpoints when it fills TLB entries, the accelerator the single-step flags between
 * blocks. So every change is made while no vCPU runs guest code (the stub holds them),
 * and is followed by a flush of the translations and TLBs (the stub does it). */
#ifndef PACIFICA_SYSTEM_DEBUG_H
#define PACIFICA_SYSTEM_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_MAX_BREAKPOINTS 64
#define DEBUG_MAX_WATCHPOINTS 16
#define DEBUG_MAX_CPUS        256

/* gdb's Z2 (write), Z3 (read), Z4 (access) watchpoints. */
typedef enum DebugWatchKind {
    DEBUG_WATCH_WRITE = 1,
    DEBUG_WATCH_READ = 2,
    DEBUG_WATCH_ACCESS = 3,
} DebugWatchKind;

typedef struct DebugWatchpoint {
    uint64_t addr, len; /* linear */
    DebugWatchKind kind;
} DebugWatchpoint;

typedef enum DebugStopReason {
    DEBUG_STOP_BREAKPOINT, /* rIP on the instruction at a breakpoint */
    DEBUG_STOP_STEP,       /* one instruction (or an exception delivery) done */
    DEBUG_STOP_WATCH,      /* an instruction touched a watchpoint; rIP past it */
} DebugStopReason;

typedef struct DebugStop {
    int cpu_index;
    DebugStopReason reason;
    uint64_t watch_addr; /* DEBUG_STOP_WATCH: the watchpoint's address and kind */
    DebugWatchKind watch_kind;
} DebugStop;

typedef struct MachineDebug {
    uint64_t breakpoints[DEBUG_MAX_BREAKPOINTS]; /* linear addresses of instructions */
    unsigned nbreakpoints;
    DebugWatchpoint watchpoints[DEBUG_MAX_WATCHPOINTS];
    unsigned nwatchpoints;
    bool single_step[DEBUG_MAX_CPUS]; /* by cpu index */
    /* Called on the vCPU thread that stopped; the accelerator then makes every vCPU
     * leave guest code and waits to be stopped by the main loop. */
    void (*stop)(void *opaque, const DebugStop *stop);
    void *opaque;
} MachineDebug;

static inline bool machine_debug_breakpoint_at(const MachineDebug *d, uint64_t linear)
{
    for (unsigned i = 0; d && i < d->nbreakpoints; i++)
        if (d->breakpoints[i] == linear)
            return true;
    return false;
}

static inline bool machine_debug_stepping(const MachineDebug *d, int cpu_index)
{
    return d && cpu_index >= 0 && cpu_index < DEBUG_MAX_CPUS && d->single_step[cpu_index];
}

/* The first watchpoint of a kind matching access (DEBUG_WATCH_READ or _WRITE) that
 * [linear, linear + size) meets, or NULL. */
static inline const DebugWatchpoint *machine_debug_watch_hit(const MachineDebug *d, uint64_t linear,
                                                             uint64_t size, DebugWatchKind access)
{
    for (unsigned i = 0; d && i < d->nwatchpoints; i++) {
        const DebugWatchpoint *w = &d->watchpoints[i];
        if ((w->kind & access) && linear < w->addr + w->len && w->addr < linear + size)
            return w;
    }
    return NULL;
}

#endif
