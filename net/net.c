/* NetClients, their peer links and queues, and the stack that runs them on the main
 * loop under the machine lock. */
#include "net/net.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "system/main_loop.h"

typedef struct NetWatch {
    struct NetWatch *next;
    NetStack *stack;
    int fd;
    short events;
    NetFdHandler *handler;
    void *opaque;
} NetWatch;

struct NetStack {
    pthread_mutex_t *lock;
    const Log *log;
    MainLoop *loop; /* NULL until net_stack_start */
    NetWatch *watches;
    NetClient *clients[NET_MAX_CLIENTS];
    int schedule_fd; /* eventfd: some client has scheduled work */
};

/* ---- Watches ---- */

static void watch_dispatch(NetWatch *w, short revents)
{
    w->handler(w->opaque, w->fd, revents);
}

/* The main loop's handler: the net code always runs under the machine lock. */
static void watch_fired(void *opaque, int fd, short revents)
{
    NetWatch *w = opaque;
    NetStack *s = w->stack;
    (void)fd;
    if (s->lock)
        pthread_mutex_lock(s->lock);
    watch_dispatch(w, revents);
    if (s->lock)
        pthread_mutex_unlock(s->lock);
}

static NetWatch *find_watch(NetStack *s, int fd)
{
    for (NetWatch *w = s->watches; w; w = w->next)
        if (w->fd == fd)
            return w;
    return NULL;
}

int net_watch_fd(NetStack *s, int fd, short events, NetFdHandler *handler, void *opaque)
{
    if (find_watch(s, fd))
        return -1;
    NetWatch *w = g_new0(NetWatch, 1);
    *w = (NetWatch){.next = s->watches,
                    .stack = s,
                    .fd = fd,
                    .events = events,
                    .handler = handler,
                    .opaque = opaque};
    if (s->loop && main_loop_add_fd(s->loop, fd, events, watch_fired, w) < 0) {
        g_free(w);
        return -1;
    }
    s->watches = w;
    return 0;
}

void net_watch_set_events(NetStack *s, int fd, short events)
{
    NetWatch *w = find_watch(s, fd);
    if (!w || w->events == events)
        return;
    w->events = events;
    if (s->loop)
        main_loop_set_fd_events(s->loop, fd, events);
}

void net_unwatch_fd(NetStack *s, int fd)
{
    for (NetWatch **p = &s->watches; *p; p = &(*p)->next) {
        if ((*p)->fd == fd) {
            NetWatch *w = *p;
            *p = w->next;
            if (s->loop)
                main_loop_remove_fd(s->loop, fd);
            g_free(w);
            return;
        }
    }
}

void net_stack_dispatch_fd(NetStack *s, int fd, short revents)
{
    NetWatch *w = find_watch(s, fd);
    if (w)
        watch_dispatch(w, revents);
}

int net_stack_poll(NetStack *s, int timeout_ms)
{
    struct pollfd fds[64];
    nfds_t n = 0;
    for (NetWatch *w = s->watches; w && n < G_N_ELEMENTS(fds); w = w->next)
        fds[n++] = (struct pollfd){.fd = w->fd, .events = w->events};
    int r = poll(fds, n, timeout_ms);
    for (nfds_t i = 0; r > 0 && i < n; i++) {
        /* A handler may have removed a later watch: look each one up again. */
        NetWatch *w = fds[i].revents ? find_watch(s, fds[i].fd) : NULL;
        if (w)
            watch_dispatch(w, fds[i].revents);
    }
    return r;
}

int net_stack_start(NetStack *s, MainLoop *loop)
{
    s->loop = loop;
    for (NetWatch *w = s->watches; w; w = w->next)
        if (main_loop_add_fd(loop, w->fd, w->events, watch_fired, w) < 0)
            return -1;
    return 0;
}

void net_stack_stop(NetStack *s)
{
    if (!s->loop)
        return;
    for (NetWatch *w = s->watches; w; w = w->next)
        main_loop_remove_fd(s->loop, w->fd);
    s->loop = NULL;
}

/* ---- Scheduled work ---- */

void net_stack_run_scheduled(NetStack *s)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *nc = s->clients[i];
        if (nc && nc->scheduled) {
            nc->scheduled = false;
            if (nc->ops->scheduled)
                nc->ops->scheduled(nc);
        }
    }
}

static void schedule_fired(void *opaque, int fd, short revents)
{
    (void)revents;
    uint64_t v;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        return;
    net_stack_run_scheduled(opaque);
}

void net_schedule(NetClient *nc)
{
    if (nc->scheduled)
        return;
    nc->scheduled = true;
    uint64_t one = 1;
    if (nc->stack->schedule_fd >= 0 && write(nc->stack->schedule_fd, &one, sizeof(one)) < 0) {
        /* The counter is saturated: a wake-up is pending anyway. */
    }
}

/* ---- The stack ---- */

NetStack *net_stack_new(pthread_mutex_t *lock, const Log *log)
{
    NetStack *s = g_new0(NetStack, 1);
    s->lock = lock;
    s->log = log;
    s->schedule_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->schedule_fd < 0 || net_watch_fd(s, s->schedule_fd, POLLIN, schedule_fired, s) < 0) {
        if (s->schedule_fd >= 0)
            close(s->schedule_fd);
        g_free(s);
        return NULL;
    }
    return s;
}

void net_stack_free(NetStack *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        if (s->clients[i])
            net_client_free(s->clients[i]);
    net_stack_stop(s);
    while (s->watches)
        net_unwatch_fd(s, s->watches->fd);
    close(s->schedule_fd);
    g_free(s);
}

const Log *net_stack_log(const NetStack *s)
{
    return s->log;
}

/* ---- Clients ---- */

NetClient *net_client_new(NetStack *s, const NetClientOps *ops, size_t size, const char *kind,
                          const char *id)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        if (!s->clients[i]) {
            NetClient *nc = g_malloc0(size);
            nc->ops = ops;
            nc->stack = s;
            nc->kind = kind;
            nc->id = g_strdup(id);
            s->clients[i] = nc;
            return nc;
        }
    }
    return NULL;
}

void net_client_free(NetClient *nc)
{
    if (!nc)
        return;
    NetStack *s = nc->stack;
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        if (s->clients[i] == nc)
            s->clients[i] = NULL;
    if (nc->peer) {
        nc->peer->peer = NULL;
        net_queue_purge(&nc->peer->incoming);
    }
    if (nc->ops->cleanup)
        nc->ops->cleanup(nc);
    net_queue_purge(&nc->incoming);
    g_free(nc->id);
    g_free(nc);
}

NetClient *net_stack_find(NetStack *s, const char *id)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        if (s->clients[i] && !s->clients[i]->is_nic && !strcmp(s->clients[i]->id, id))
            return s->clients[i];
    return NULL;
}

NetClient *net_stack_client(NetStack *s, unsigned i)
{
    return i < NET_MAX_CLIENTS ? s->clients[i] : NULL;
}

int net_client_connect(NetClient *a, NetClient *b)
{
    if (a->peer || b->peer || a == b)
        return -1;
    a->peer = b;
    b->peer = a;
    return 0;
}

/* ---- Frames and queues ---- */

void net_queue_purge(NetQueue *q)
{
    while (q->head) {
        NetFrame *f = q->head;
        q->head = f->next;
        g_free(f);
    }
    q->tail = NULL;
    q->count = 0;
}

static bool queue_append(NetQueue *q, const uint8_t *buf, size_t len)
{
    if (q->count >= NET_QUEUE_LIMIT) {
        q->dropped++;
        return false;
    }
    NetFrame *f = g_malloc(sizeof(*f) + len);
    f->next = NULL;
    f->len = len;
    memcpy(f->data, buf, len);
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->count++;
    return true;
}

static bool client_can_receive(NetClient *nc)
{
    return !nc->ops->can_receive || nc->ops->can_receive(nc);
}

ssize_t net_send(NetClient *sender, const uint8_t *buf, size_t len)
{
    NetClient *peer = sender->peer;
    if (!peer || len == 0 || len > NET_MAX_FRAME)
        return (ssize_t)len; /* nobody listens, or not a frame: lost on the wire */
    if (!peer->incoming.head && client_can_receive(peer)) {
        ssize_t r = peer->ops->receive(peer, buf, len);
        if (r != 0)
            return (ssize_t)len;
    }
    if (!queue_append(&peer->incoming, buf, len))
        return (ssize_t)len;
    peer->sender_waiting = true;
    return 0;
}

void net_flush(NetClient *nc)
{
    NetQueue *q = &nc->incoming;
    while (q->head && client_can_receive(nc)) {
        NetFrame *f = q->head;
        if (nc->ops->receive(nc, f->data, f->len) == 0)
            return;
        q->head = f->next;
        if (!q->head)
            q->tail = NULL;
        q->count--;
        g_free(f);
    }
    if (!q->head && nc->sender_waiting) {
        nc->sender_waiting = false;
        if (nc->peer && nc->peer->ops->send_resumed)
            nc->peer->ops->send_resumed(nc->peer);
    }
}
