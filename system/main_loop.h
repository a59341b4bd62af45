/* The main loop: timers, backend input, signals, watched file descriptors (monitor
 * sockets, later the gdb stub), and the VM's run state (running, paused, reset, exit).
 *
 * Everything here runs on the main thread: the functions below must be called from it
 * (from fd handlers, event listeners, or before main_loop_exec), never from a vCPU
 * thread. vCPU threads ask for a reset or an exit through machine_request_reset /
 * machine_request_exit, which the loop picks up. */
#ifndef PACIFICA_SYSTEM_MAIN_LOOP_H
#define PACIFICA_SYSTEM_MAIN_LOOP_H

#include <poll.h>
#include <stdbool.h>

#include "accel/accel.h"
#include "system/machine.h"

typedef struct MainLoop MainLoop;

/* QEMU's RunState names the subset Pacifica has (qapi/run-state.json). */
typedef enum RunState {
    RUN_STATE_PRELAUNCH, /* created paused (-S): never ran yet */
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED, /* stopped by the monitor (stop) */
    RUN_STATE_SHUTDOWN,
} RunState;

/* Why the machine shuts down or resets: QEMU's ShutdownCause, whose names the QMP
 * SHUTDOWN and RESET events carry as "reason". Causes from GUEST_SHUTDOWN on come from
 * the guest ("guest": true). */
typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_SIGNAL,
    SHUTDOWN_CAUSE_HOST_UI,
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
    SHUTDOWN_CAUSE_GUEST_RESET,
} ShutdownCause;

typedef enum RunEventKind {
    RUN_EVENT_STOP,      /* the vCPUs were paused */
    RUN_EVENT_RESUME,    /* ... and run again */
    RUN_EVENT_RESET,     /* the machine was reset */
    RUN_EVENT_SHUTDOWN,  /* the process is about to end */
    RUN_EVENT_POWERDOWN, /* the ACPI power button was pressed (system_powerdown) */
} RunEventKind;

typedef struct RunEvent {
    RunEventKind kind;
    ShutdownCause cause; /* RESET and SHUTDOWN */
} RunEvent;

typedef void MainLoopFdHandler(void *opaque, int fd, short revents);
typedef void MainLoopEventListener(void *opaque, const RunEvent *event);

/* A loop for machine m whose vCPUs run on accel. Nothing runs until main_loop_exec. */
MainLoop *main_loop_new(Machine *m, const AccelOps *accel, void *accel_state);
void main_loop_free(MainLoop *loop);
Machine *main_loop_machine(const MainLoop *loop);

/* Starts the vCPUs (unless the VM is paused or prelaunch), then runs until the machine
 * asks to exit: sends the SHUTDOWN event, stops the vCPUs and returns the exit status. */
int main_loop_exec(MainLoop *loop);
/* main_loop_new + main_loop_exec + main_loop_free, for a machine with no monitor. */
int main_loop_run(Machine *m, const AccelOps *accel, void *accel_state);

/* Watches fd for events (POLLIN, POLLOUT): handler runs on the main thread, without the
 * machine lock, whenever poll reports one of them (or POLLHUP/POLLERR). Handlers may
 * add and remove watches, their own included. Returns 0, or -1 if out of memory. */
int main_loop_add_fd(MainLoop *loop, int fd, short events, MainLoopFdHandler *handler,
                     void *opaque);
/* Changes the events watched on fd (e.g. POLLOUT while output is queued). */
void main_loop_set_fd_events(MainLoop *loop, int fd, short events);
/* Stops watching fd; its handler is not called again. The caller closes fd. */
void main_loop_remove_fd(MainLoop *loop, int fd);

/* Run-state listeners (the monitors, for QMP events); called on the main thread. */
int main_loop_add_listener(MainLoop *loop, MainLoopEventListener *listener, void *opaque);
void main_loop_remove_listener(MainLoop *loop, MainLoopEventListener *listener, void *opaque);
/* Sends an event to every listener (RUN_EVENT_POWERDOWN comes from the monitor). */
void main_loop_emit(MainLoop *loop, const RunEvent *event);

RunState main_loop_run_state(const MainLoop *loop);
/* QEMU's name of a run state ("running", "paused", ...). */
const char *run_state_name(RunState state);
/* QEMU's name of a shutdown cause ("guest-shutdown", "host-qmp-quit", ...). */
const char *shutdown_cause_name(ShutdownCause cause);
bool shutdown_cause_is_guest(ShutdownCause cause);

/* Makes the loop start paused, in the prelaunch state (-S); before main_loop_exec. */
void main_loop_start_paused(MainLoop *loop);
/* QMP stop: pauses the vCPUs and the virtual clock; sends STOP if the VM was running. */
void main_loop_vm_stop(MainLoop *loop);
/* QMP cont: runs the vCPUs and the clock again; sends RESUME. -1 if the vCPUs could not
 * be started (the accelerator printed why). */
int main_loop_vm_start(MainLoop *loop);
/* QMP system_reset: resets the machine at the next loop iteration (paused VMs stay
 * paused), then sends RESET with cause; under -no-reboot the process exits instead. */
void main_loop_request_reset(MainLoop *loop, ShutdownCause cause);
/* QMP quit and friends: ends the process with status, the SHUTDOWN event naming cause. */
void main_loop_request_shutdown(MainLoop *loop, ShutdownCause cause, int status);

/* Keeps the vCPU threads out of guest code while the monitor reads CPU state (info
 * registers, x): returns whether they were running; pass that to the release. The run
 * state and the clock do not change and no event is sent. */
bool main_loop_hold_vcpus(MainLoop *loop);
void main_loop_release_vcpus(MainLoop *loop, bool held);

/* ---- the process: -daemonize and -pidfile (QEMU's os_daemonize, qemu_write_pidfile) ----
 *
 * main calls process_daemonize_start before anything starts a thread (a fork keeps only
 * the calling thread), sets the machine up while error messages still reach the
 * terminal, then calls process_daemonize_finish just before main_loop_exec: only then
 * does the command that started Pacifica return, with status 0, so a script can use
 * the QMP socket as soon as it does. If setup fails first, that command exits 1. */

typedef struct Daemon {
    int ready_fd; /* write end of the pipe to the waiting parent; -1 when not daemonized */
} Daemon;

/* Forks into the background (new session, no controlling terminal). Returns 0 in the
 * daemon; the original process never returns from here. -1 with a message on error. */
int process_daemonize_start(Daemon *d, char *err, size_t errlen);
/* Setup succeeded: stdio goes to /dev/null, the working directory to /, and the
 * original process exits 0. No effect unless process_daemonize_start ran. */
void process_daemonize_finish(Daemon *d);

typedef struct Pidfile {
    int fd;     /* kept open and locked while Pacifica runs; -1 if none */
    char *path; /* absolute, so that removal works after a chdir */
} Pidfile;

/* Writes the process id to path and locks it: a second Pacifica given the same file
 * fails (the way QEMU refuses to share a pidfile). -1 with a message on error. */
int pidfile_create(Pidfile *pf, const char *path, char *err, size_t errlen);
/* Removes the file (at exit, as QEMU does) and releases the lock. */
void pidfile_remove(Pidfile *pf);

#endif
