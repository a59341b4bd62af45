/* The gdb stub's sockets, connection and stops (gdbstub.h); the packets themselves are
 * in commands.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub/internal.h"
#include "system/sockets.h"

/* A gdb that does not read its replies is dropped past this much unsent output. */
#define GDB_OUT_MAX (1u << 20)

static void conn_flush(GdbStub *s)
{
    GdbConn *c = &s->conn;
    while (c->fd >= 0 && c->out->len > 0) {
        ssize_t n = write(c->fd, c->out->str, c->out->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            gdb_disconnect(s, false);
            return;
        }
        g_string_erase(c->out, 0, n);
    }
    if (c->fd < 0)
        return;
    if (c->out->len > GDB_OUT_MAX) {
        gdb_disconnect(s, false);
        return;
    }
    main_loop_set_fd_events(s->loop, c->fd, c->out->len ? POLLIN | POLLOUT : POLLIN);
}

static void send_raw(GdbStub *s, const char *data, size_t len)
{
    if (s->conn.fd < 0)
        return;
    g_string_append_len(s->conn.out, data, (gssize)len);
    conn_flush(s);
}

void gdb_send_packet(GdbStub *s, const void *data, size_t len)
{
    GdbConn *c = &s->conn;
    if (c->fd < 0)
        return;
    g_string_truncate(c->last, 0);
    gdb_packet_frame(c->last, data, len);
    send_raw(s, c->last->str, c->last->len);
}

void gdb_send_str(GdbStub *s, const char *str)
{
    gdb_send_packet(s, str, strlen(str));
}

void gdb_with_vcpus_held(GdbStub *s, void (*fn)(GdbStub *s, void *arg), void *arg)
{
    bool held = main_loop_hold_vcpus(s->loop);
    fn(s, arg);
    main_loop_release_vcpus(s->loop, held);
}

static void clear_debug_held(GdbStub *s, void *arg)
{
    (void)arg;
    MachineDebug *d = &s->debug;
    bool had_watch = d->nwatchpoints > 0;
    d->nbreakpoints = 0;
    d->nwatchpoints = 0;
    memset(d->single_step, 0, sizeof(d->single_step));
    if (s->ops.flush_code)
        s->ops.flush_code(s->ops.opaque);
    for (unsigned i = 0; had_watch && i < s->ops.ncpus; i++) {
        CPUX86State *env = gdb_cpu_env(s, (int)i);
        if (env)
            x86_debug_update(env);
    }
}

void gdb_clear_debug(GdbStub *s)
{
    gdb_with_vcpus_held(s, clear_debug_held, NULL);
}

void gdb_disconnect(GdbStub *s, bool resume)
{
    GdbConn *c = &s->conn;
    if (c->fd < 0)
        return;
    main_loop_remove_fd(s->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    gdb_clear_debug(s);
    if ((resume || s->resume_on_leave) && main_loop_run_state(s->loop) == RUN_STATE_PAUSED)
        main_loop_vm_start(s->loop);
    s->resume_on_leave = false;
}

void gdb_resume(GdbStub *s, const bool *step)
{
    MachineDebug *d = &s->debug;
    for (unsigned i = 0; i < s->ops.ncpus && i < DEBUG_MAX_CPUS; i++)
        d->single_step[i] = step && step[i];
    pthread_mutex_lock(&s->stop_lock);
    s->stop_pending = false;
    pthread_mutex_unlock(&s->stop_lock);
    s->conn.running = true;
    s->resume_on_leave = true;
    if (main_loop_run_state(s->loop) == RUN_STATE_RUNNING) {
        /* Already running (the monitor resumed it): make the steps take effect. */
        bool held = main_loop_hold_vcpus(s->loop);
        main_loop_release_vcpus(s->loop, held);
    } else if (main_loop_vm_start(s->loop) < 0) {
        s->conn.running = false;
        gdb_send_str(s, "E01");
    }
}

/* ---- stops ---- */

/* A vCPU stopped for the debugger (system/debug.h): runs on that vCPU's thread. */
static void stub_debug_stop(void *opaque, const DebugStop *stop)
{
    GdbStub *s = opaque;
    pthread_mutex_lock(&s->stop_lock);
    if (!s->stop_pending) {
        s->pending = *stop;
        s->stop_pending = true;
    }
    pthread_mutex_unlock(&s->stop_lock);
    uint64_t one = 1;
    if (write(s->event_fd, &one, sizeof(one)) < 0) {
        /* the counter cannot overflow in practice; the stop is recorded anyway */
    }
}

static void send_stop_reply(GdbStub *s, const DebugStop *stop, int signal)
{
    char reply[96];
    int cpu = stop ? stop->cpu_index : s->conn.cur_cpu;
    s->conn.cur_cpu = cpu;
    s->conn.running = false;
    if (stop && stop->reason == DEBUG_STOP_WATCH) {
        static const char *const names[4] = {"", "watch", "rwatch", "awatch"};
        snprintf(reply, sizeof(reply), "T%02xthread:%02x;%s:%" G_GINT64_MODIFIER "x;", signal,
                 cpu + 1, names[stop->watch_kind & 3], stop->watch_addr);
    } else {
        snprintf(reply, sizeof(reply), "T%02xthread:%02x;", signal, cpu + 1);
    }
    gdb_send_str(s, reply);
}

/* Stops the machine and takes the stop a vCPU recorded (after the stop: then no
 * vCPU can record another). */
static bool stop_machine(GdbStub *s, DebugStop *stop)
{
    main_loop_vm_stop(s->loop);
    pthread_mutex_lock(&s->stop_lock);
    bool had = s->stop_pending;
    if (had)
        *stop = s->pending;
    s->stop_pending = false;
    pthread_mutex_unlock(&s->stop_lock);
    memset(s->debug.single_step, 0, sizeof(s->debug.single_step));
    return had;
}

static void stop_event_ready(void *opaque, int fd, short revents)
{
    (void)revents;
    GdbStub *s = opaque;
    uint64_t count;
    if (read(fd, &count, sizeof(count)) < 0)
        return;
    DebugStop stop;
    if (!stop_machine(s, &stop))
        return;
    if (s->conn.fd < 0 || !s->conn.running) {
        /* Nobody waits for this stop (gdb left meanwhile): carry on. */
        main_loop_vm_start(s->loop);
        return;
    }
    send_stop_reply(s, &stop, 5); /* SIGTRAP */
}

/* Ctrl-C: stop where the vCPUs are (SIGINT), or at a breakpoint hit meanwhile. */
static void interrupt(GdbStub *s)
{
    if (!s->conn.running)
        return;
    DebugStop stop;
    bool hit = stop_machine(s, &stop);
    send_stop_reply(s, hit ? &stop : NULL, hit ? 5 : 2);
}

/* ---- the connection ---- */

static void conn_event(GdbStub *s, GdbPacketEvent ev)
{
    GdbConn *c = &s->conn;
    switch (ev) {
    case GDB_EVENT_PACKET:
        if (!c->no_ack)
            send_raw(s, "+", 1);
        gdb_handle_packet(s, c->parser.data, c->parser.len);
        break;
    case GDB_EVENT_BAD_PACKET:
        if (!c->no_ack)
            send_raw(s, "-", 1);
        break;
    case GDB_EVENT_NACK:
        if (!c->no_ack && c->last->len)
            send_raw(s, c->last->str, c->last->len);
        break;
    case GDB_EVENT_INTERRUPT: interrupt(s); break;
    default: break;
    }
}

static void conn_ready(void *opaque, int fd, short revents)
{
    GdbStub *s = opaque;
    if (revents & POLLOUT)
        conn_flush(s);
    if (s->conn.fd != fd || !(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    uint8_t buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        gdb_disconnect(s, false);
        return;
    }
    for (ssize_t i = 0; i < n && s->conn.fd == fd; i++)
        conn_event(s, gdb_packet_feed(&s->conn.parser, buf[i]));
}

/* Whether the attached gdb has hung up (its end-of-file not read yet): a gdb that
 * reconnects at once must not find its own old connection in the way. */
static bool conn_hung_up(int fd)
{
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void accept_ready(void *opaque, int fd, short revents)
{
    (void)revents;
    GdbStub *s = opaque;
    int cfd = socket_accept(fd, false);
    if (cfd < 0)
        return;
    GdbConn *c = &s->conn;
    if (c->fd >= 0 && conn_hung_up(c->fd))
        gdb_disconnect(s, false);
    if (c->fd >= 0 || main_loop_add_fd(s->loop, cfd, POLLIN, conn_ready, s) < 0) {
        close(cfd); /* one gdb at a time */
        return;
    }
    c->fd = cfd;
    gdb_packet_parser_init(&c->parser);
    g_string_truncate(c->out, 0);
    g_string_truncate(c->last, 0);
    c->no_ack = false;
    c->layout_chosen = false;
    c->g_cpu = c->c_cpu = -1;
    c->cur_cpu = 0;
    c->running = false;
    /* gdb expects a stopped target when it attaches. */
    RunState state = main_loop_run_state(s->loop);
    c->attached_prelaunch = state == RUN_STATE_PRELAUNCH;
    if (state == RUN_STATE_RUNNING) {
        DebugStop stop;
        if (stop_machine(s, &stop))
            c->cur_cpu = stop.cpu_index;
        s->resume_on_leave = true;
    }
}

GdbStub *gdbstub_new(MainLoop *loop, const GdbMachineOps *ops)
{
    GdbStub *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->loop = loop;
    s->m = main_loop_machine(loop);
    s->ops = *ops;
    s->listen_fd = -1;
    s->conn.fd = -1;
    s->conn.out = g_string_new(NULL);
    s->conn.last = g_string_new(NULL);
    pthread_mutex_init(&s->stop_lock, NULL);
    s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->event_fd < 0 || main_loop_add_fd(loop, s->event_fd, POLLIN, stop_event_ready, s) < 0) {
        gdbstub_free(s);
        return NULL;
    }
    s->debug.stop = stub_debug_stop;
    s->debug.opaque = s;
    s->m->debug = &s->debug;
    return s;
}

static int start_listening(GdbStub *s, int fd)
{
    if (fd < 0)
        return -1;
    if (main_loop_add_fd(s->loop, fd, POLLIN, accept_ready, s) < 0) {
        close(fd);
        return -1;
    }
    s->listen_fd = fd;
    return 0;
}

int gdbstub_listen_tcp(GdbStub *s, const char *host, const char *port, char *err, size_t errlen)
{
    return start_listening(s, socket_listen_tcp(host, port, err, errlen));
}

int gdbstub_listen_unix(GdbStub *s, const char *path, char *err, size_t errlen)
{
    if (start_listening(s, socket_listen_unix(path, err, errlen)) < 0)
        return -1;
    s->unlink_path = g_canonicalize_filename(path, NULL);
    return 0;
}

void gdbstub_free(GdbStub *s)
{
    if (!s)
        return;
    if (s->conn.fd >= 0) {
        main_loop_remove_fd(s->loop, s->conn.fd);
        close(s->conn.fd);
    }
    if (s->listen_fd >= 0) {
        main_loop_remove_fd(s->loop, s->listen_fd);
        close(s->listen_fd);
    }
    if (s->unlink_path) {
        unlink(s->unlink_path);
        g_free(s->unlink_path);
    }
    if (s->event_fd >= 0) {
        main_loop_remove_fd(s->loop, s->event_fd);
        close(s->event_fd);
    }
    if (s->m && s->m->debug == &s->debug)
        s->m->debug = NULL;
    pthread_mutex_destroy(&s->stop_lock);
    g_string_free(s->conn.out, TRUE);
    g_string_free(s->conn.last, TRUE);
    free(s);
}
