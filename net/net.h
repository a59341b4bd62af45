/* The one interface between a network card and a network backend: whole Ethernet
 * frames (destination MAC first, no FCS) passed between two NetClients joined as
 * peers, the NIC on one side, a backend (user, tap, socket) on the other.
 *
 * Flow control: net_send hands a frame to the peer at once if the peer can take it;
 * otherwise the frame waits in the peer's incoming queue and net_send returns 0, which
 * tells a backend to stop reading its fd until its send_resumed callback runs. The NIC
 * calls net_flush when it can receive again (the guest added rx buffers): the queued
 * frames go in, and once the queue is empty the sender is resumed. A full queue drops
 * frames, as a real wire would.
 *
 * Threading: everything in net/ runs with the machine lock held, on the main thread
 * (fd handlers and scheduled work go through the NetStack, which takes the lock), or
 * from a vCPU thread for NIC code that only schedules work (net_schedule). Backends
 * may therefore use the main loop freely, and a NIC's receive runs under the lock.
 */
#ifndef PACIFICA_NET_NET_H
#define PACIFICA_NET_NET_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "system/log.h"

#define NET_MAX_FRAME   69632 /* a 64 KiB TSO frame with its headers (QEMU's NET_BUFSIZE) */
#define NET_QUEUE_LIMIT 1024  /* frames waiting for one receiver before drops */
#define NET_MAX_CLIENTS 16

typedef struct NetClient NetClient;
typedef struct NetStack NetStack;
typedef struct MainLoop MainLoop;

typedef struct NetClientOps {
    /* A frame from the peer. Returns len once taken (or deliberately dropped), 0 if the
     * client cannot take it now (it is then queued until net_flush). */
    ssize_t (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    /* Whether receive would take a frame now; NULL means always. */
    bool (*can_receive)(NetClient *nc);
    /* The peer drained the frames queued after our net_send returned 0. */
    void (*send_resumed)(NetClient *nc);
    /* Work asked for with net_schedule, run on the main thread under the lock. */
    void (*scheduled)(NetClient *nc);
    /* Frees what the client owns (fds, libraries); not the NetClient itself. */
    void (*cleanup)(NetClient *nc);
} NetClientOps;

typedef struct NetFrame {
    struct NetFrame *next;
    size_t len;
    uint8_t data[];
} NetFrame;

/* Frames waiting for a client that could not receive them. */
typedef struct NetQueue {
    NetFrame *head, *tail;
    unsigned count;
    uint64_t dropped;
} NetQueue;

struct NetClient {
    const NetClientOps *ops;
    NetStack *stack;
    NetClient *peer;
    char *id;         /* -netdev id, or the NIC's name */
    const char *kind; /* "user", "tap", "socket", "virtio-net-pci" */
    NetQueue incoming;
    bool sender_waiting; /* the peer's net_send returned 0: resume it when drained */
    bool scheduled;      /* net_schedule is pending */
    bool is_nic;
};

typedef void NetFdHandler(void *opaque, int fd, short revents);

/* ---- The stack: every NetClient of the machine, its fd watches and its lock ---- */

/* lock is the machine lock (NULL in unit tests that call handlers themselves). */
NetStack *net_stack_new(pthread_mutex_t *lock, const Log *log);
/* Frees every client (backends close their fds). */
void net_stack_free(NetStack *s);
const Log *net_stack_log(const NetStack *s);
/* Registers the watches made so far with the loop; later ones go there at once.
 * -1 if the loop refused one. */
int net_stack_start(NetStack *s, MainLoop *loop);
/* Unregisters every watch from the loop (before the loop is freed). */
void net_stack_stop(NetStack *s);

/* Watches fd on the main loop: handler runs with the machine lock held. */
int net_watch_fd(NetStack *s, int fd, short events, NetFdHandler *handler, void *opaque);
void net_watch_set_events(NetStack *s, int fd, short events);
void net_unwatch_fd(NetStack *s, int fd);
/* Runs the handler of fd as if poll had reported revents (unit tests). */
void net_stack_dispatch_fd(NetStack *s, int fd, short revents);
/* Without a main loop (unit tests, tools): polls every watch once for up to
 * timeout_ms and runs the handlers of those ready. Returns poll's result. */
int net_stack_poll(NetStack *s, int timeout_ms);
/* Runs the clients' scheduled work now (the main loop does it; unit tests call it). */
void net_stack_run_scheduled(NetStack *s);

/* Adds a client of size bytes (a struct that starts with NetClient), zeroed, with
 * its own copy of id. NULL if the stack is full. */
NetClient *net_client_new(NetStack *s, const NetClientOps *ops, size_t size, const char *kind,
                          const char *id);
/* Takes the client out of the stack and frees it (cleanup first). */
void net_client_free(NetClient *nc);
NetClient *net_stack_find(NetStack *s, const char *id);
/* The i'th slot of the stack (i < NET_MAX_CLIENTS), NULL if free. */
NetClient *net_stack_client(NetStack *s, unsigned i);
/* Joins a NIC and a backend; -1 if either already has a peer. */
int net_client_connect(NetClient *a, NetClient *b);

/* Sends a frame from sender to its peer: len if delivered (or dropped: no peer, a
 * full queue), 0 if it waits in the peer's queue. */
ssize_t net_send(NetClient *sender, const uint8_t *buf, size_t len);
/* The client can receive again: delivers its queued frames. */
void net_flush(NetClient *nc);
/* Asks for ops->scheduled to run on the main thread (callable from a vCPU thread with
 * the machine lock held). */
void net_schedule(NetClient *nc);

void net_queue_purge(NetQueue *q);

#endif
