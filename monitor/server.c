/* Where monitors live: stdio, or a Unix or TCP server socket that serves one client at
 * a time (as QEMU's socket chardev: a second client waits in the listen backlog until
 * the first disconnects). All I/O is non-blocking on the main loop; output a client
 * does not read is queued up to a bound, past which that client is dropped, so that
 * no client can stall or bloat the emulator. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/internal.h"
#include "system/chardev.h"
#include "system/sockets.h"

#define MAX_MONITOR_SERVERS 8
/* Output queued for a client that does not read, before it is dropped. */
#define MAX_OUTPUT_QUEUE (16u << 20)
/* At exit, how long queued output (the reply to quit, SHUTDOWN) may take to drain. */
#define EXIT_FLUSH_MS 1000

typedef struct MonitorServer {
    struct Monitors *owner;
    bool qmp;
    char *name;        /* "unix:PATH", "tcp:HOST:PORT", "stdio": for messages */
    int listen_fd;     /* -1 for stdio */
    char *unlink_path; /* the Unix socket file, removed at close */
    int in_fd, out_fd; /* the client; -1 when none */
    bool in_watched, listen_watched;
    GByteArray *out_queue;
    bool dead; /* the client failed (write error, EOF, overflow): drop it soon */
    QmpSession *qmp_session;
    HmpSession *hmp_session;
    Chardev *chr; /* mon:stdio: the multiplexed chardev carries the text monitor */
} MonitorServer;

struct Monitors {
    MonitorMachine mm;
    MonitorServer *servers[MAX_MONITOR_SERVERS];
    unsigned nservers;
};

static void client_handler(void *opaque, int fd, short revents);
static void listen_handler(void *opaque, int fd, short revents);

/* ---- output ---- */

static bool is_socket(const MonitorServer *srv)
{
    return srv->listen_fd >= 0;
}

/* Writes what it can of the queue; false if the client is gone. */
static bool flush_queue(MonitorServer *srv)
{
    GByteArray *q = srv->out_queue;
    while (q->len > 0) {
        ssize_t n = is_socket(srv) ? send(srv->out_fd, q->data, q->len, MSG_NOSIGNAL)
                                   : write(srv->out_fd, q->data, q->len);
        if (n > 0) {
            g_byte_array_remove_range(q, 0, (guint)n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        } else {
            return false;
        }
    }
    return true;
}

static void update_events(MonitorServer *srv)
{
    if (srv->in_watched)
        main_loop_set_fd_events(srv->owner->mm.loop, srv->in_fd,
                                POLLIN | (srv->out_queue->len ? POLLOUT : 0));
}

/* A session's output: queued, then written as far as the client takes it. A failed
 * client is only marked here (this may run inside its own input handler); its
 * handler drops it when poll next reports the fd. */
static void server_output(void *opaque, const char *data, size_t len)
{
    MonitorServer *srv = opaque;
    if (srv->chr) {
        /* The terminal shows the monitor only while it has the keyboard (its greeting
         * is not mixed into the guest's console at start-up). */
        if (chardev_mux_monitor_focused(srv->chr))
            chardev_write(srv->chr, (const uint8_t *)data, len);
        return;
    }
    if (srv->dead || srv->out_fd < 0)
        return;
    if (srv->out_queue->len + len > MAX_OUTPUT_QUEUE) {
        fprintf(stderr, "pacifica: %s: the client does not read its replies: dropping it\n",
                srv->name);
        srv->dead = true;
        g_byte_array_set_size(srv->out_queue, 0);
    } else {
        g_byte_array_append(srv->out_queue, (const guint8 *)data, (guint)len);
        if (!flush_queue(srv)) {
            srv->dead = true;
            g_byte_array_set_size(srv->out_queue, 0);
        }
    }
    /* A dead client's fd is still watched: poll reports its hang-up (or POLLOUT) and
     * the handler closes it. */
    if (srv->in_watched)
        main_loop_set_fd_events(srv->owner->mm.loop, srv->in_fd,
                                POLLIN | (srv->dead || srv->out_queue->len ? POLLOUT : 0));
}

/* ---- sessions ---- */

static void session_open(MonitorServer *srv)
{
    if (srv->qmp)
        qmp_session_open(srv->qmp_session);
    else
        hmp_session_open(srv->hmp_session);
}

static void session_close(MonitorServer *srv)
{
    if (srv->qmp)
        qmp_session_close(srv->qmp_session);
    else
        hmp_session_close(srv->hmp_session);
}

static void session_feed(MonitorServer *srv, const uint8_t *data, size_t len)
{
    if (srv->qmp)
        qmp_session_feed(srv->qmp_session, data, len);
    else
        hmp_session_feed(srv->hmp_session, data, len);
}

/* ---- clients ---- */

static void watch_listener(MonitorServer *srv, bool on)
{
    MainLoop *loop = srv->owner->mm.loop;
    if (srv->listen_fd < 0 || on == srv->listen_watched)
        return;
    if (on) {
        if (main_loop_add_fd(loop, srv->listen_fd, POLLIN, listen_handler, srv) < 0)
            return;
    } else {
        main_loop_remove_fd(loop, srv->listen_fd);
    }
    srv->listen_watched = on;
}

static void connect_client(MonitorServer *srv, int in_fd, int out_fd)
{
    srv->in_fd = in_fd;
    srv->out_fd = out_fd;
    srv->dead = false;
    g_byte_array_set_size(srv->out_queue, 0);
    if (main_loop_add_fd(srv->owner->mm.loop, in_fd, POLLIN, client_handler, srv) == 0)
        srv->in_watched = true;
    /* One client at a time: the next one waits in the backlog. */
    watch_listener(srv, false);
    session_open(srv);
}

static void disconnect_client(MonitorServer *srv)
{
    session_close(srv);
    if (srv->in_watched)
        main_loop_remove_fd(srv->owner->mm.loop, srv->in_fd);
    srv->in_watched = false;
    if (is_socket(srv) && srv->in_fd >= 0)
        close(srv->in_fd);
    srv->in_fd = srv->out_fd = -1;
    g_byte_array_set_size(srv->out_queue, 0);
    srv->dead = false;
    watch_listener(srv, true);
}

static void client_handler(void *opaque, int fd, short revents)
{
    MonitorServer *srv = opaque;
    if (!srv->dead && (revents & POLLOUT) && !flush_queue(srv))
        srv->dead = true;
    if (!srv->dead && (revents & (POLLIN | POLLHUP | POLLERR))) {
        uint8_t buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0)
            session_feed(srv, buf, (size_t)n);
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            srv->dead = true; /* disconnected, possibly in the middle of a message */
    }
    if (srv->dead) {
        disconnect_client(srv);
        return;
    }
    update_events(srv);
}

static void listen_handler(void *opaque, int fd, short revents)
{
    MonitorServer *srv = opaque;
    (void)revents;
    int client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0)
        return; /* EAGAIN, or a client that gave up already */
    connect_client(srv, client, client);
}

/* ---- creation ---- */

static MonitorServer *server_new(Monitors *mons, bool qmp, const char *name, char *err,
                                 size_t errlen)
{
    if (mons->nservers == MAX_MONITOR_SERVERS) {
        snprintf(err, errlen, "%s: at most %d monitors", name, MAX_MONITOR_SERVERS);
        return NULL;
    }
    MonitorServer *srv = g_new0(MonitorServer, 1);
    srv->owner = mons;
    srv->qmp = qmp;
    srv->name = g_strdup(name);
    srv->listen_fd = srv->in_fd = srv->out_fd = -1;
    srv->out_queue = g_byte_array_new();
    if (qmp)
        srv->qmp_session = qmp_session_new(&mons->mm, server_output, srv);
    else
        srv->hmp_session = hmp_session_new(&mons->mm, server_output, srv);
    if (qmp && !srv->qmp_session) {
        snprintf(err, errlen, "%s: too many monitors", name);
        g_byte_array_unref(srv->out_queue);
        g_free(srv->name);
        g_free(srv);
        return NULL;
    }
    mons->servers[mons->nservers++] = srv;
    return srv;
}

/* Blocks until the first client connects (QEMU's wait=on), before the VM starts. */
static void wait_for_client(MonitorServer *srv)
{
    fprintf(stderr, "pacifica: waiting for connection on %s\n", srv->name);
    for (;;) {
        struct pollfd p = {.fd = srv->listen_fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return;
        int client = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client >= 0) {
            connect_client(srv, client, client);
            return;
        }
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            return;
    }
}

/* Starts serving on a bound socket. */
static void start_listening(MonitorServer *srv, bool wait)
{
    if (wait)
        wait_for_client(srv);
    if (srv->in_fd < 0)
        watch_listener(srv, true);
}

Monitors *monitors_new(MainLoop *loop, const MonitorMachineOps *ops)
{
    Monitors *mons = g_new0(Monitors, 1);
    mons->mm.machine = main_loop_machine(loop);
    mons->mm.loop = loop;
    if (ops)
        mons->mm.ops = *ops;
    return mons;
}

int monitors_add_stdio(Monitors *mons, bool qmp, char *err, size_t errlen)
{
    MonitorServer *srv = server_new(mons, qmp, "stdio", err, errlen);
    if (!srv)
        return -1;
    connect_client(srv, STDIN_FILENO, STDOUT_FILENO);
    return 0;
}

/* Input the multiplexer gives the monitor (Ctrl-A c). */
static void mux_monitor_read(void *opaque, const uint8_t *buf, size_t len)
{
    session_feed(opaque, buf, len);
}

int monitors_add_mux(Monitors *mons, Chardev *chr, char *err, size_t errlen)
{
    MonitorServer *srv = server_new(mons, false, "mon:stdio", err, errlen);
    if (!srv)
        return -1;
    srv->chr = chr;
    chardev_mux_set_monitor(chr, mux_monitor_read, srv);
    session_open(srv);
    return 0;
}

int monitors_add_unix(Monitors *mons, bool qmp, const char *path, bool wait, char *err,
                      size_t errlen)
{
    int fd = socket_listen_unix(path, err, errlen);
    if (fd < 0)
        return -1;
    char *name = g_strdup_printf("unix:%s", path);
    MonitorServer *srv = server_new(mons, qmp, name, err, errlen);
    g_free(name);
    if (!srv) {
        close(fd);
        unlink(path);
        return -1;
    }
    srv->listen_fd = fd;
    /* Absolute: a daemon has changed to / by the time it removes the file. */
    srv->unlink_path = g_canonicalize_filename(path, NULL);
    start_listening(srv, wait);
    return 0;
}

int monitors_add_tcp(Monitors *mons, bool qmp, const char *host, const char *port, bool wait,
                     char *err, size_t errlen)
{
    int fd = socket_listen_tcp(host, port, err, errlen);
    if (fd < 0)
        return -1;
    char *name = g_strdup_printf("tcp:%s:%s", host, port);
    MonitorServer *srv = server_new(mons, qmp, name, err, errlen);
    g_free(name);
    if (!srv) {
        close(fd);
        return -1;
    }
    srv->listen_fd = fd;
    start_listening(srv, wait);
    return 0;
}

/* ---- teardown ---- */

/* Gives queued output (the reply to quit, the SHUTDOWN event) a bounded time to go. */
static void drain_output(MonitorServer *srv)
{
    gint64 deadline = g_get_monotonic_time() + EXIT_FLUSH_MS * 1000;
    while (!srv->dead && srv->out_fd >= 0 && srv->out_queue->len > 0) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0)
            break;
        struct pollfd p = {.fd = srv->out_fd, .events = POLLOUT};
        if (poll(&p, 1, (int)left_ms) <= 0 || !flush_queue(srv))
            break;
    }
}

static void server_free(MonitorServer *srv)
{
    if (srv->chr) {
        chardev_mux_set_monitor(srv->chr, NULL, NULL);
        session_close(srv);
    }
    drain_output(srv);
    if (srv->in_fd >= 0)
        disconnect_client(srv);
    watch_listener(srv, false);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->unlink_path)
        unlink(srv->unlink_path);
    qmp_session_free(srv->qmp_session);
    hmp_session_free(srv->hmp_session);
    g_byte_array_unref(srv->out_queue);
    g_free(srv->unlink_path);
    g_free(srv->name);
    g_free(srv);
}

void monitors_free(Monitors *mons)
{
    if (!mons)
        return;
    for (unsigned i = 0; i < mons->nservers; i++)
        server_free(mons->servers[i]);
    g_free(mons);
}

void monitors_execute_hmp(Monitors *mons, const char *line, GString *out)
{
    HmpState st;
    hmp_state_init(&st);
    hmp_execute(&mons->mm, &st, line, out);
}
