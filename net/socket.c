/* The socket backend: a link between two VMs, compatible with QEMU's -netdev socket
 * (net/socket.c in QEMU):
 *   - listen=/connect=: one TCP stream, each frame preceded by its length as a 4-byte
 *     big-endian integer;
 *   - mcast=: UDP datagrams, one frame each, sent to a multicast group every member
 *     receives (looped back on this host so several VMs here can share it);
 *   - udp=: UDP datagrams to one peer, from localaddr=.
 * The listener takes one connection at a time and listens again when it closes. */
#include "net/socket_framing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netdev.h"

#define SOCKET_OUT_LIMIT (1u << 20) /* bytes queued to a slow peer before flow control */
#define SOCKET_READ_SIZE 65536

typedef enum SocketMode { SOCK_LISTEN, SOCK_CONNECT, SOCK_MCAST, SOCK_UDP } SocketMode;

typedef struct SocketBackend {
    NetClient nc;
    SocketMode mode;
    int listen_fd;
    int fd; /* the stream or the datagram socket; -1 while a listener waits */
    struct sockaddr_in dgram_dest;
    bool read_paused; /* the NIC queued a frame: stop reading until it drains */
    FrameReader reader;
    GByteArray *out; /* stream bytes not yet written */
    uint8_t *dgram_buf;
} SocketBackend;

static void stream_fd_events(SocketBackend *sb)
{
    short ev = (sb->read_paused ? 0 : POLLIN) | (sb->out->len ? POLLOUT : 0);
    net_watch_set_events(sb->nc.stack, sb->fd, ev);
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void stream_accepted(void *opaque, int fd, short revents);

/* The peer went away: drop the stream, and listen again if we are the listener. */
static void stream_close(SocketBackend *sb, const char *why)
{
    log_printf(net_stack_log(sb->nc.stack), LOG_GUEST_ERROR, "net socket %s: %s\n", sb->nc.id, why);
    net_unwatch_fd(sb->nc.stack, sb->fd);
    close(sb->fd);
    sb->fd = -1;
    g_byte_array_set_size(sb->out, 0);
    frame_reader_reset(&sb->reader);
    sb->read_paused = false;
    if (sb->mode == SOCK_LISTEN)
        net_watch_set_events(sb->nc.stack, sb->listen_fd, POLLIN);
}

/* Hands complete frames to the NIC; stops when it queues one. */
static void stream_deliver(SocketBackend *sb)
{
    const uint8_t *frame;
    size_t len;
    while (!sb->read_paused && frame_reader_next(&sb->reader, &frame, &len) > 0) {
        if (net_send(&sb->nc, frame, len) == 0)
            sb->read_paused = true;
    }
}

static void stream_write(SocketBackend *sb)
{
    while (sb->out->len) {
        ssize_t n = send(sb->fd, sb->out->data, sb->out->len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            stream_close(sb, "write failed, link down");
            return;
        }
        g_byte_array_remove_range(sb->out, 0, (guint)n);
    }
    stream_fd_events(sb);
    /* Frames held back while the buffer was full can go now. */
    if (sb->out->len < SOCKET_OUT_LIMIT)
        net_flush(&sb->nc);
}

static void stream_ready(void *opaque, int fd, short revents)
{
    SocketBackend *sb = opaque;
    if ((revents & POLLOUT) && sb->fd == fd)
        stream_write(sb);
    if (sb->fd != fd || !(revents & (POLLIN | POLLHUP | POLLERR)) || sb->read_paused)
        return;
    uint8_t buf[SOCKET_READ_SIZE];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        stream_close(sb, n == 0 ? "peer closed the link" : "read failed, link down");
        return;
    }
    if (frame_reader_feed(&sb->reader, buf, (size_t)n) < 0) {
        stream_close(sb, "frame length out of range: not a QEMU socket stream");
        return;
    }
    stream_deliver(sb);
    if (sb->reader.broken)
        stream_close(sb, "frame length out of range: not a QEMU socket stream");
    else if (sb->read_paused)
        stream_fd_events(sb);
}

static void stream_attach(SocketBackend *sb, int fd)
{
    set_nonblock(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sb->fd = fd;
    net_watch_fd(sb->nc.stack, fd, POLLIN, stream_ready, sb);
}

static void stream_accepted(void *opaque, int fd, short revents)
{
    SocketBackend *sb = opaque;
    (void)revents;
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    if (sb->fd >= 0) {
        close(c); /* one peer at a time, as QEMU */
        return;
    }
    stream_attach(sb, c);
    net_watch_set_events(sb->nc.stack, sb->listen_fd, 0);
}

static ssize_t socket_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SocketBackend *sb = (SocketBackend *)nc;
    if (sb->fd < 0)
        return (ssize_t)len; /* no link: the frame is lost */
    if (sb->mode == SOCK_MCAST || sb->mode == SOCK_UDP) {
        /* A full socket buffer drops the datagram, as a busy wire would. */
        sendto(sb->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sb->dgram_dest,
               sizeof(sb->dgram_dest));
        return (ssize_t)len;
    }
    if (sb->out->len >= SOCKET_OUT_LIMIT)
        return 0; /* queued by the net layer until the peer reads */
    uint8_t hdr[FRAME_HEADER_LEN];
    frame_header_encode(hdr, (uint32_t)len);
    g_byte_array_append(sb->out, hdr, sizeof(hdr));
    g_byte_array_append(sb->out, buf, (guint)len);
    stream_write(sb);
    return (ssize_t)len;
}

static void socket_send_resumed(NetClient *nc)
{
    SocketBackend *sb = (SocketBackend *)nc;
    if (!sb->read_paused || sb->fd < 0)
        return;
    sb->read_paused = false;
    if (sb->mode == SOCK_MCAST || sb->mode == SOCK_UDP) {
        net_watch_set_events(nc->stack, sb->fd, POLLIN);
        return;
    }
    stream_deliver(sb);
    stream_fd_events(sb);
}

static void dgram_ready(void *opaque, int fd, short revents)
{
    SocketBackend *sb = opaque;
    (void)revents;
    for (int i = 0; i < 64 && !sb->read_paused; i++) {
        ssize_t n = recv(fd, sb->dgram_buf, NET_MAX_FRAME, MSG_DONTWAIT);
        if (n <= 0)
            return;
        if (net_send(&sb->nc, sb->dgram_buf, (size_t)n) == 0) {
            sb->read_paused = true;
            net_watch_set_events(sb->nc.stack, fd, 0);
        }
    }
}

static void socket_cleanup(NetClient *nc)
{
    SocketBackend *sb = (SocketBackend *)nc;
    if (sb->fd >= 0) {
        net_unwatch_fd(nc->stack, sb->fd);
        close(sb->fd);
    }
    if (sb->listen_fd >= 0) {
        net_unwatch_fd(nc->stack, sb->listen_fd);
        close(sb->listen_fd);
    }
    if (sb->out)
        g_byte_array_free(sb->out, TRUE);
    frame_reader_reset(&sb->reader);
    g_free(sb->dgram_buf);
}

static const NetClientOps socket_ops = {
    .receive = socket_receive,
    .send_resumed = socket_send_resumed,
    .cleanup = socket_cleanup,
};

/* ---- Setup ---- */

/* host (may be "" for any) and port into an IPv4 address, as QEMU's socket backend. */
static int resolve(const char *host, uint16_t port, struct sockaddr_in *sa, char *err,
                   size_t errlen)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (!*host) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
        return 0;
    struct addrinfo hints = {.ai_family = AF_INET}, *res;
    if (getaddrinfo(host, NULL, &hints, &res) != 0) {
        snprintf(err, errlen, "cannot resolve host '%s'", host);
        return -1;
    }
    sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 0;
}

static int parse_addr(const char *what, const char *val, struct sockaddr_in *sa, char *err,
                      size_t errlen)
{
    char host[256];
    uint16_t port;
    if (net_parse_host_port(val, host, sizeof(host), &port) < 0) {
        snprintf(err, errlen, "socket: %s=%s: expected [HOST]:PORT", what, val);
        return -1;
    }
    return resolve(host, port, sa, err, errlen);
}

static int fail_errno(const char *what, const char *val, char *err, size_t errlen, int fd)
{
    snprintf(err, errlen, "socket: %s=%s: %s", what, val, g_strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static int open_listen(SocketBackend *sb, const char *val, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_addr("listen", val, &sa, err, errlen) < 0)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0)
        return fail_errno("listen", val, err, errlen, fd);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
        return fail_errno("listen", val, err, errlen, fd);
    sb->listen_fd = fd;
    return net_watch_fd(sb->nc.stack, fd, POLLIN, stream_accepted, sb);
}

static int open_connect(SocketBackend *sb, const char *val, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_addr("connect", val, &sa, err, errlen) < 0)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return fail_errno("connect", val, err, errlen, fd);
    stream_attach(sb, fd);
    return 0;
}

static int open_dgram(SocketBackend *sb, const char *what, const char *val, const char *local,
                      char *err, size_t errlen)
{
    struct sockaddr_in bind_sa;
    bool mcast = sb->mode == SOCK_MCAST;
    if (parse_addr(what, val, &sb->dgram_dest, err, errlen) < 0)
        return -1;
    if (mcast && !IN_MULTICAST(ntohl(sb->dgram_dest.sin_addr.s_addr))) {
        snprintf(err, errlen, "socket: mcast=%s: not a multicast address (224.0.0.0/4)", val);
        return -1;
    }
    if (!mcast && !local) {
        snprintf(err, errlen, "socket: udp=%s needs localaddr=HOST:PORT", val);
        return -1;
    }
    if (mcast) {
        bind_sa = sb->dgram_dest; /* every member binds the group's port */
    } else if (parse_addr("localaddr", local, &bind_sa, err, errlen) < 0) {
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0)
        return fail_errno(what, val, err, errlen, fd);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&bind_sa, sizeof(bind_sa)) < 0)
        return fail_errno(what, val, err, errlen, fd);
    if (mcast) {
        struct ip_mreq mreq = {.imr_multiaddr = sb->dgram_dest.sin_addr};
        mreq.imr_interface.s_addr = htonl(INADDR_ANY);
        if (local) {
            /* QEMU's localaddr= for mcast is the interface's address, without a port. */
            if (inet_pton(AF_INET, local, &mreq.imr_interface) != 1) {
                snprintf(err, errlen, "socket: localaddr=%s: expected an IPv4 address", local);
                close(fd);
                return -1;
            }
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof(mreq.imr_interface));
        }
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
            return fail_errno(what, val, err, errlen, fd);
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one));
    }
    sb->fd = fd;
    sb->dgram_buf = g_malloc(NET_MAX_FRAME);
    return net_watch_fd(sb->nc.stack, fd, POLLIN, dgram_ready, sb);
}

NetClient *net_socket_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen)
{
    static const char *const modes[] = {[SOCK_LISTEN] = "listen",
                                        [SOCK_CONNECT] = "connect",
                                        [SOCK_MCAST] = "mcast",
                                        [SOCK_UDP] = "udp"};
    const char *val = NULL;
    int mode = -1;
    for (int i = 0; i < 4; i++) {
        const char *v = net_opts_get(o, modes[i]);
        if (v && val) {
            snprintf(err, errlen, "socket: give only one of listen=, connect=, mcast=, udp=");
            return NULL;
        }
        if (v) {
            val = v;
            mode = i;
        }
    }
    if (!val) {
        snprintf(err, errlen, "socket: needs listen=, connect=, mcast= or udp=");
        return NULL;
    }
    const char *local = net_opts_get(o, "localaddr");
    if (local && (mode == SOCK_LISTEN || mode == SOCK_CONNECT)) {
        snprintf(err, errlen, "socket: localaddr= goes with mcast= or udp=");
        return NULL;
    }
    SocketBackend *sb =
        (SocketBackend *)net_client_new(s, &socket_ops, sizeof(SocketBackend), "socket", id);
    if (!sb) {
        snprintf(err, errlen, "too many network clients");
        return NULL;
    }
    sb->mode = (SocketMode)mode;
    sb->fd = sb->listen_fd = -1;
    sb->out = g_byte_array_new();
    frame_reader_init(&sb->reader, NET_MAX_FRAME);
    int r;
    switch (sb->mode) {
    case SOCK_LISTEN: r = open_listen(sb, val, err, errlen); break;
    case SOCK_CONNECT: r = open_connect(sb, val, err, errlen); break;
    default: r = open_dgram(sb, modes[mode], val, local, err, errlen); break;
    }
    if (r < 0) {
        net_client_free(&sb->nc);
        return NULL;
    }
    return &sb->nc;
}
