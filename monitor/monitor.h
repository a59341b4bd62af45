/* The monitors: QMP (QEMU's JSON control protocol, docs/interop/qmp-spec) and the
 * human-readable text monitor (HMP), on stdio or on Unix/TCP server sockets.
 *
 * A monitor reads and writes on the main thread only: its sockets are watched by the
 * main loop, and run-state changes (stop, cont, reset, quit) go through the main loop,
 * which sends the QMP events (STOP, RESUME, RESET, SHUTDOWN, POWERDOWN) to every
 * connected QMP client. */
#ifndef PACIFICA_MONITOR_MONITOR_H
#define PACIFICA_MONITOR_MONITOR_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "system/machine.h"
#include "system/main_loop.h"

/* What the monitor needs from the board and the accelerator, wired by main.c. Every
 * hook may be NULL: the commands that need it then fail with a message saying so. */
typedef struct MonitorMachineOps {
    void *opaque;
    /* system_powerdown: presses the ACPI power button (hw/piix4_pm.h
     * piix4_pm_power_button). Called with the machine lock held. */
    void (*system_powerdown)(void *opaque);
    /* info registers: writes vCPU cpu_index's registers (x86_cpu_dump). Called with
     * the vCPUs out of guest code (main_loop_hold_vcpus). */
    void (*cpu_dump)(void *opaque, int cpu_index, FILE *out);
    /* x: translates a linear address through vCPU cpu_index's page tables as a debugger
     * would (no fault raised, no accessed/dirty bits set: x86_translate_debug); false if
     * unmapped. Called with the vCPUs out of guest code. */
    bool (*cpu_linear_to_phys)(void *opaque, int cpu_index, uint64_t linear, uint64_t *phys);
    /* query-cpus-fast / info cpus: the host thread id (gettid) of vCPU cpu_index, or -1
     * if its thread is not running. */
    long (*cpu_thread_id)(void *opaque, int cpu_index);
} MonitorMachineOps;

/* The machine a monitor controls. */
typedef struct MonitorMachine {
    Machine *machine;
    MainLoop *loop;
    MonitorMachineOps ops;
} MonitorMachine;

typedef struct Monitors Monitors;

/* The set of monitors of one machine (none yet). ops is copied; may be NULL. */
Monitors *monitors_new(MainLoop *loop, const MonitorMachineOps *ops);
/* Closes every monitor (flushing what is queued for its client) and frees the set. */
void monitors_free(Monitors *mons);

/* Adds a monitor: qmp selects QMP (-qmp) over the text monitor (-monitor).
 * On error these return -1 with a one-line message naming the problem in err. */
int monitors_add_stdio(Monitors *mons, bool qmp, char *err, size_t errlen);
/* A server socket at path (an existing socket file there is replaced). With wait
 * (QEMU's wait=on, the default) this blocks until a first client connects. */
int monitors_add_unix(Monitors *mons, bool qmp, const char *path, bool wait, char *err,
                      size_t errlen);
/* The text monitor on a mon:stdio chardev (system/chardev.h), sharing the terminal
 * with the serial port: it gets the keyboard after Ctrl-A c. */
struct Chardev;
int monitors_add_mux(Monitors *mons, struct Chardev *chr, char *err, size_t errlen);
/* A TCP server socket on host ("" for every interface) and port. */
int monitors_add_tcp(Monitors *mons, bool qmp, const char *host, const char *port, bool wait,
                     char *err, size_t errlen);

/* Runs one text-monitor command line outside any session (gdb's "monitor CMD"),
 * appending its output to out. */
void monitors_execute_hmp(Monitors *mons, const char *line, GString *out);

#endif
