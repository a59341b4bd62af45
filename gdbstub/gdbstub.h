/* The gdb stub: gdb's remote serial protocol (gdb manual, "Remote Protocol") on a TCP
 * or Unix server socket watched by the main loop, one gdb at a time.
 *
 * Each vCPU is a thread (ids 1..N). The stub runs all-stop: when gdb attaches, or a
 * breakpoint, watchpoint or single-step completes on any vCPU, the whole machine
 * stops (main_loop_vm_stop) and gdb gets a stop reply naming the thread. Breakpoints
 * and watchpoints are the stub's own (system/debug.h): guest memory and the guest's
 * debug registers are never touched. */
#ifndef PACIFICA_GDBSTUB_GDBSTUB_H
#define PACIFICA_GDBSTUB_GDBSTUB_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "system/main_loop.h"

/* What the stub needs from the board and the accelerator, wired by main.c. */
typedef struct GdbMachineOps {
    void *opaque;
    unsigned ncpus;
    /* The architectural state of vCPU cpu_index (NULL if it does not exist). Used
     * only while the vCPUs are out of guest code. */
    CPUX86State *(*cpu_env)(void *opaque, int cpu_index);
    /* Drops every translated block (the breakpoints changed); vCPUs out of guest code. */
    void (*flush_code)(void *opaque);
    /* gdb wrote guest RAM at [gpa, gpa + len): code translated from there is stale. */
    void (*phys_written)(void *opaque, uint64_t gpa, uint64_t len);
    /* qRcmd ("monitor ..." in gdb): runs a text-monitor command; may be NULL. */
    void (*monitor_command)(void *opaque, const char *line, GString *out);
} GdbMachineOps;

typedef struct GdbStub GdbStub;

/* A stub for the machine of loop; installs its breakpoint state as machine->debug.
 * NULL if out of resources. */
GdbStub *gdbstub_new(MainLoop *loop, const GdbMachineOps *ops);
/* Starts listening; -1 with a one-line message naming the address in err. */
int gdbstub_listen_tcp(GdbStub *s, const char *host, const char *port, char *err, size_t errlen);
int gdbstub_listen_unix(GdbStub *s, const char *path, char *err, size_t errlen);
/* Closes the sockets and detaches from the machine. */
void gdbstub_free(GdbStub *s);

#endif
