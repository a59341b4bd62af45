/* The main loop: one thread that polls the wake pipe, the signal fd, the chardevs'
 * input and the watched fds (monitor sockets), runs the timers, and carries out the
 * run-state changes (reset, stop/cont, exit) that must not happen on a vCPU thread. */
#define _GNU_SOURCE /* pipe2 */
#include "system/main_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "system/chardev.h"

#define MAX_LISTENERS 8
#define MAX_CHARDEVS  (sizeof(((Machine *)0)->chardevs) / sizeof(((Machine *)0)->chardevs[0]))

typedef struct FdWatch {
    int fd;
    short events;
    MainLoopFdHandler *handler;
    void *opaque;
    /* A watch removed while the loop dispatches stays in the array, marked, until the
     * dispatch round ends; the id tells a new watch on a reused fd number from it. */
    unsigned long id;
    bool removed;
} FdWatch;

typedef struct Listener {
    MainLoopEventListener *fn;
    void *opaque;
} Listener;

/* What one poll entry stands for. */
typedef enum PollSource { POLL_WAKE, POLL_SIGNAL, POLL_CHARDEV, POLL_WATCH } PollSource;

typedef struct PollEntry {
    PollSource source;
    unsigned index;   /* POLL_CHARDEV: chardev index */
    unsigned long id; /* POLL_WATCH: the watch's id */
} PollEntry;

struct MainLoop {
    Machine *m;
    const AccelOps *accel;
    void *accel_state;
    int signal_fd;
    bool chardev_open[MAX_CHARDEVS];

    FdWatch *watches;
    size_t nwatches, watch_capacity;
    unsigned long next_watch_id;
    bool dispatching;

    /* The poll set, rebuilt every iteration (kept to avoid an allocation each time). */
    struct pollfd *pollfds;
    PollEntry *poll_entries;
    size_t poll_capacity;

    Listener listeners[MAX_LISTENERS];
    unsigned nlisteners;

    RunState state;
    bool vcpus_running; /* the accelerator's threads exist */
    bool clock_running;
    ShutdownCause reset_cause;    /* of the pending reset request */
    ShutdownCause shutdown_cause; /* of the exit request */
};

/* ---- names ---- */

const char *run_state_name(RunState state)
{
    switch (state) {
    case RUN_STATE_PRELAUNCH: return "prelaunch";
    case RUN_STATE_RUNNING: return "running";
    case RUN_STATE_PAUSED: return "paused";
    case RUN_STATE_SHUTDOWN: return "shutdown";
    }
    return "running";
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    switch (cause) {
    case SHUTDOWN_CAUSE_NONE: return "none";
    case SHUTDOWN_CAUSE_HOST_ERROR: return "host-error";
    case SHUTDOWN_CAUSE_HOST_QMP_QUIT: return "host-qmp-quit";
    case SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET: return "host-qmp-system-reset";
    case SHUTDOWN_CAUSE_HOST_SIGNAL: return "host-signal";
    case SHUTDOWN_CAUSE_HOST_UI: return "host-ui";
    case SHUTDOWN_CAUSE_GUEST_SHUTDOWN: return "guest-shutdown";
    case SHUTDOWN_CAUSE_GUEST_RESET: return "guest-reset";
    }
    return "none";
}

bool shutdown_cause_is_guest(ShutdownCause cause)
{
    return cause >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN;
}

/* ---- creation ---- */

MainLoop *main_loop_new(Machine *m, const AccelOps *accel, void *accel_state)
{
    MainLoop *loop = calloc(1, sizeof(*loop));
    if (!loop)
        return NULL;
    loop->m = m;
    loop->accel = accel;
    loop->accel_state = accel_state;
    loop->signal_fd = -1;
    loop->state = RUN_STATE_RUNNING;
    loop->next_watch_id = 1;
    for (size_t i = 0; i < MAX_CHARDEVS; i++)
        loop->chardev_open[i] = true;
    return loop;
}

void main_loop_free(MainLoop *loop)
{
    if (!loop)
        return;
    free(loop->watches);
    free(loop->pollfds);
    free(loop->poll_entries);
    free(loop);
}

Machine *main_loop_machine(const MainLoop *loop)
{
    return loop->m;
}

/* ---- watched fds ---- */

int main_loop_add_fd(MainLoop *loop, int fd, short events, MainLoopFdHandler *handler, void *opaque)
{
    if (loop->nwatches == loop->watch_capacity) {
        size_t cap = loop->watch_capacity ? loop->watch_capacity * 2 : 8;
        FdWatch *w = realloc(loop->watches, cap * sizeof(*w));
        if (!w)
            return -1;
        loop->watches = w;
        loop->watch_capacity = cap;
    }
    loop->watches[loop->nwatches++] = (FdWatch){
        .fd = fd,
        .events = events,
        .handler = handler,
        .opaque = opaque,
        .id = loop->next_watch_id++,
    };
    return 0;
}

void main_loop_set_fd_events(MainLoop *loop, int fd, short events)
{
    for (size_t i = 0; i < loop->nwatches; i++)
        if (loop->watches[i].fd == fd && !loop->watches[i].removed)
            loop->watches[i].events = events;
}

/* Drops the watches marked removed (not while a dispatch round walks the array). */
static void compact_watches(MainLoop *loop)
{
    size_t kept = 0;
    for (size_t i = 0; i < loop->nwatches; i++)
        if (!loop->watches[i].removed)
            loop->watches[kept++] = loop->watches[i];
    loop->nwatches = kept;
}

void main_loop_remove_fd(MainLoop *loop, int fd)
{
    for (size_t i = 0; i < loop->nwatches; i++)
        if (loop->watches[i].fd == fd)
            loop->watches[i].removed = true;
    if (!loop->dispatching)
        compact_watches(loop);
}

static FdWatch *find_watch(MainLoop *loop, unsigned long id)
{
    for (size_t i = 0; i < loop->nwatches; i++)
        if (loop->watches[i].id == id && !loop->watches[i].removed)
            return &loop->watches[i];
    return NULL;
}

/* ---- events and run state ---- */

int main_loop_add_listener(MainLoop *loop, MainLoopEventListener *listener, void *opaque)
{
    if (loop->nlisteners == MAX_LISTENERS)
        return -1;
    loop->listeners[loop->nlisteners++] = (Listener){listener, opaque};
    return 0;
}

void main_loop_remove_listener(MainLoop *loop, MainLoopEventListener *listener, void *opaque)
{
    for (unsigned i = 0; i < loop->nlisteners; i++) {
        if (loop->listeners[i].fn == listener && loop->listeners[i].opaque == opaque) {
            loop->listeners[i] = loop->listeners[--loop->nlisteners];
            return;
        }
    }
}

void main_loop_emit(MainLoop *loop, const RunEvent *event)
{
    for (unsigned i = 0; i < loop->nlisteners; i++)
        loop->listeners[i].fn(loop->listeners[i].opaque, event);
}

static void emit_kind(MainLoop *loop, RunEventKind kind, ShutdownCause cause)
{
    RunEvent ev = {.kind = kind, .cause = cause};
    main_loop_emit(loop, &ev);
}

RunState main_loop_run_state(const MainLoop *loop)
{
    return loop->state;
}

void main_loop_start_paused(MainLoop *loop)
{
    if (loop->state == RUN_STATE_RUNNING && !loop->vcpus_running)
        loop->state = RUN_STATE_PRELAUNCH;
}

static void stop_vcpus(MainLoop *loop)
{
    if (loop->vcpus_running) {
        loop->accel->stop(loop->accel_state);
        loop->vcpus_running = false;
    }
}

static int start_vcpus(MainLoop *loop)
{
    if (loop->vcpus_running)
        return 0;
    if (loop->accel->start(loop->accel_state) < 0)
        return -1;
    loop->vcpus_running = true;
    return 0;
}

static void set_clock_running(MainLoop *loop, bool run)
{
    if (run == loop->clock_running)
        return;
    if (run)
        clock_start(&loop->m->clock);
    else
        clock_stop(&loop->m->clock);
    loop->clock_running = run;
}

void main_loop_vm_stop(MainLoop *loop)
{
    if (loop->state != RUN_STATE_RUNNING)
        return;
    /* QEMU's vm_stop: the vCPUs leave guest code and the virtual clock stands still, so
     * guest timers do not pile up while paused. */
    stop_vcpus(loop);
    set_clock_running(loop, false);
    loop->state = RUN_STATE_PAUSED;
    emit_kind(loop, RUN_EVENT_STOP, SHUTDOWN_CAUSE_NONE);
}

int main_loop_vm_start(MainLoop *loop)
{
    if (loop->state == RUN_STATE_RUNNING || loop->state == RUN_STATE_SHUTDOWN)
        return 0;
    set_clock_running(loop, true);
    if (start_vcpus(loop) < 0) {
        set_clock_running(loop, false);
        return -1;
    }
    loop->state = RUN_STATE_RUNNING;
    emit_kind(loop, RUN_EVENT_RESUME, SHUTDOWN_CAUSE_NONE);
    return 0;
}

void main_loop_request_reset(MainLoop *loop, ShutdownCause cause)
{
    loop->reset_cause = cause;
    machine_request_reset(loop->m);
    /* Under -no-reboot the request became an exit: name its cause. */
    if (atomic_load(&loop->m->exit_requested) && loop->shutdown_cause == SHUTDOWN_CAUSE_NONE)
        loop->shutdown_cause = cause;
}

void main_loop_request_shutdown(MainLoop *loop, ShutdownCause cause, int status)
{
    if (!atomic_load(&loop->m->exit_requested))
        loop->shutdown_cause = cause;
    machine_request_exit(loop->m, status);
}

bool main_loop_hold_vcpus(MainLoop *loop)
{
    bool held = loop->vcpus_running;
    stop_vcpus(loop);
    return held;
}

void main_loop_release_vcpus(MainLoop *loop, bool held)
{
    if (held && start_vcpus(loop) < 0)
        main_loop_request_shutdown(loop, SHUTDOWN_CAUSE_HOST_ERROR, 1);
}

/* A reset requested by the guest (0xCF9, triple fault, keyboard controller) or by the
 * monitor: the vCPUs restart from their reset state unless the VM is paused. */
static void do_reset(MainLoop *loop)
{
    Machine *m = loop->m;
    bool was_running = loop->vcpus_running;
    stop_vcpus(loop);
    atomic_store(&m->reset_requested, false);
    pthread_mutex_lock(&m->lock);
    machine_reset_devices(m);
    pthread_mutex_unlock(&m->lock);
    loop->accel->reset(loop->accel_state);
    ShutdownCause cause =
        loop->reset_cause == SHUTDOWN_CAUSE_NONE ? SHUTDOWN_CAUSE_GUEST_RESET : loop->reset_cause;
    loop->reset_cause = SHUTDOWN_CAUSE_NONE;
    if (was_running && start_vcpus(loop) < 0)
        main_loop_request_shutdown(loop, SHUTDOWN_CAUSE_HOST_ERROR, 1);
    emit_kind(loop, RUN_EVENT_RESET, cause);
}

/* ---- signals ---- */

static int open_signal_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void handle_signal(MainLoop *loop)
{
    struct signalfd_siginfo si;
    while (read(loop->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        /* As QEMU: a terminating signal ends the VM with status 0 after a message. */
        fprintf(stderr, "pacifica: terminating on signal %u\n", si.ssi_signo);
        main_loop_request_shutdown(loop, SHUTDOWN_CAUSE_HOST_SIGNAL, 0);
    }
}

static void drain_wake_pipe(Machine *m)
{
    char buf[64];
    while (read(m->wake_fd[0], buf, sizeof(buf)) > 0) {
    }
}

/* ---- one iteration ---- */

static int reserve_poll_set(MainLoop *loop, size_t n)
{
    if (n <= loop->poll_capacity)
        return 0;
    struct pollfd *fds = realloc(loop->pollfds, n * sizeof(*fds));
    if (!fds)
        return -1;
    loop->pollfds = fds;
    PollEntry *entries = realloc(loop->poll_entries, n * sizeof(*entries));
    if (!entries)
        return -1;
    loop->poll_entries = entries;
    loop->poll_capacity = n;
    return 0;
}

static void add_poll(MainLoop *loop, size_t *n, int fd, short events, PollEntry entry)
{
    loop->pollfds[*n] = (struct pollfd){.fd = fd, .events = events};
    loop->poll_entries[*n] = entry;
    (*n)++;
}

/* Fills the poll set; returns its size, or -1 if out of memory. */
static long build_poll_set(MainLoop *loop)
{
    Machine *m = loop->m;
    if (reserve_poll_set(loop, 2 + m->nchardevs + loop->nwatches) < 0)
        return -1;
    size_t n = 0;
    add_poll(loop, &n, m->wake_fd[0], POLLIN, (PollEntry){.source = POLL_WAKE});
    if (loop->signal_fd >= 0)
        add_poll(loop, &n, loop->signal_fd, POLLIN, (PollEntry){.source = POLL_SIGNAL});
    for (unsigned i = 0; i < m->nchardevs && i < MAX_CHARDEVS; i++) {
        int fd = chardev_poll_fd(m->chardevs[i]);
        if (fd >= 0 && loop->chardev_open[i])
            add_poll(loop, &n, fd, POLLIN, (PollEntry){.source = POLL_CHARDEV, .index = i});
    }
    for (size_t i = 0; i < loop->nwatches; i++) {
        const FdWatch *w = &loop->watches[i];
        if (!w->removed)
            add_poll(loop, &n, w->fd, w->events, (PollEntry){.source = POLL_WATCH, .id = w->id});
    }
    return (long)n;
}

static void dispatch_entry(MainLoop *loop, const PollEntry *entry, short revents)
{
    Machine *m = loop->m;
    switch (entry->source) {
    case POLL_WAKE: drain_wake_pipe(m); break;
    case POLL_SIGNAL: handle_signal(loop); break;
    case POLL_CHARDEV: {
        pthread_mutex_lock(&m->lock);
        bool open = chardev_handle_input(m->chardevs[entry->index]);
        pthread_mutex_unlock(&m->lock);
        if (!open)
            loop->chardev_open[entry->index] = false;
        break;
    }
    case POLL_WATCH: {
        /* Looked up again: an earlier handler of this round may have removed it. */
        FdWatch *w = find_watch(loop, entry->id);
        if (w)
            w->handler(w->opaque, w->fd, revents);
        break;
    }
    }
}

/* Polls once (at most until the next timer deadline) and dispatches what is ready;
 * returns -1 on a fatal error. */
static int iterate(MainLoop *loop, int64_t next_timer_ns)
{
    long nfds = build_poll_set(loop);
    if (nfds < 0) {
        fprintf(stderr, "pacifica: out of memory in the main loop\n");
        return -1;
    }
    /* At most a second; clamped before the conversion so that a timer armed far away
     * (a guest's TSC deadline years ahead) cannot overflow the int. */
    int timeout_ms = next_timer_ns < 0 || next_timer_ns > 1000000000
                         ? 1000
                         : (int)((next_timer_ns + 999999) / 1000000);
    int n = poll(loop->pollfds, (nfds_t)nfds, timeout_ms);
    if (n < 0 && errno != EINTR) {
        fprintf(stderr, "pacifica: poll: %s\n", strerror(errno));
        return -1;
    }
    if (n <= 0)
        return 0;
    loop->dispatching = true;
    for (long i = 0; i < nfds; i++)
        if (loop->pollfds[i].revents)
            dispatch_entry(loop, &loop->poll_entries[i], loop->pollfds[i].revents);
    loop->dispatching = false;
    compact_watches(loop);
    return 0;
}

/* The output devices wrote since the last round (machine_open_chardev defers it). */
static void flush_chardevs(Machine *m)
{
    for (unsigned i = 0; i < m->nchardevs && i < MAX_CHARDEVS; i++)
        chardev_flush(m->chardevs[i]);
}

int main_loop_exec(MainLoop *loop)
{
    Machine *m = loop->m;
    loop->signal_fd = open_signal_fd();
    if (loop->state == RUN_STATE_RUNNING) {
        set_clock_running(loop, true);
        if (start_vcpus(loop) < 0)
            main_loop_request_shutdown(loop, SHUTDOWN_CAUSE_HOST_ERROR, 1);
    }

    while (!atomic_load(&m->exit_requested)) {
        if (atomic_load(&m->reset_requested))
            do_reset(loop);

        pthread_mutex_lock(&m->lock);
        int64_t next_ns = clock_run_timers(&m->clock);
        pthread_mutex_unlock(&m->lock);

        if (iterate(loop, next_ns) < 0) {
            main_loop_request_shutdown(loop, SHUTDOWN_CAUSE_HOST_ERROR, 1);
            break;
        }
        flush_chardevs(m);
    }
    /* An exit nobody named (ACPI S5, isa-debug-exit, -no-reboot) came from the guest. */
    ShutdownCause cause = loop->shutdown_cause == SHUTDOWN_CAUSE_NONE
                              ? SHUTDOWN_CAUSE_GUEST_SHUTDOWN
                              : loop->shutdown_cause;
    stop_vcpus(loop);
    flush_chardevs(m);
    set_clock_running(loop, false);
    loop->state = RUN_STATE_SHUTDOWN;
    emit_kind(loop, RUN_EVENT_SHUTDOWN, cause);
    if (loop->signal_fd >= 0) {
        close(loop->signal_fd);
        loop->signal_fd = -1;
    }
    return m->exit_status;
}

int main_loop_run(Machine *m, const AccelOps *accel, void *accel_state)
{
    MainLoop *loop = main_loop_new(m, accel, accel_state);
    if (!loop) {
        fprintf(stderr, "pacifica: out of memory\n");
        return 1;
    }
    int status = main_loop_exec(loop);
    main_loop_free(loop);
    return status;
}

/* ---- the process: -daemonize and -pidfile ---- */

/* The parent's side: waits for the daemon's "ready" byte and exits with it; EOF means
 * the daemon died during setup (its message went to the terminal). */
static _Noreturn void wait_for_daemon(int ready_fd)
{
    uint8_t status;
    ssize_t n;
    do {
        n = read(ready_fd, &status, 1);
    } while (n < 0 && errno == EINTR);
    _exit(n == 1 ? status : 1);
}

int process_daemonize_start(Daemon *d, char *err, size_t errlen)
{
    int fds[2];
    d->ready_fd = -1;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "-daemonize: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "-daemonize: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        wait_for_daemon(fds[0]);
    }
    close(fds[0]);
    /* A new session without a controlling terminal; the second fork makes sure the
     * daemon, no longer a session leader, can never acquire one (APUE §13.3). */
    setsid();
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "-daemonize: fork: %s", strerror(errno));
        close(fds[1]);
        return -1;
    }
    if (pid > 0)
        _exit(0); /* the original process waits on the pipe, not on this one */
    d->ready_fd = fds[1];
    return 0;
}

void process_daemonize_finish(Daemon *d)
{
    if (d->ready_fd < 0)
        return;
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        if (null_fd > STDERR_FILENO)
            close(null_fd);
    }
    if (chdir("/") < 0) {
        /* Stays where it is: only unmounting that directory is hindered. */
    }
    uint8_t ok = 0;
    ssize_t n = write(d->ready_fd, &ok, 1);
    (void)n; /* a parent that is gone has nothing to wait for */
    close(d->ready_fd);
    d->ready_fd = -1;
}

int pidfile_create(Pidfile *pf, const char *path, char *err, size_t errlen)
{
    pf->fd = -1;
    pf->path = NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "-pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    /* The lock lives as long as the fd: another instance with the same file fails. */
    if (lockf(fd, F_TLOCK, 0) < 0) {
        snprintf(err, errlen, "-pidfile %s: locked by another process (is a VM running?)", path);
        close(fd);
        return -1;
    }
    char line[32];
    int len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, line, (size_t)len) != len) {
        snprintf(err, errlen, "-pidfile %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    pf->fd = fd;
    pf->path = path[0] == '/' ? strdup(path) : realpath(path, NULL);
    return 0;
}

void pidfile_remove(Pidfile *pf)
{
    if (pf->fd < 0)
        return;
    if (pf->path)
        unlink(pf->path);
    close(pf->fd);
    free(pf->path);
    pf->fd = -1;
    pf->path = NULL;
}
