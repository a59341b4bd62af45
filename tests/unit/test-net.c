/* net/: the peer link and its queue (flow control, order, limit, the sender resumed
 * once drained), QEMU's stream framing (4-byte big-endian length), the -netdev/-nic
 * parser and its one-line errors, the socket backend over loopback TCP (two stacks
 * talking, and a raw peer speaking QEMU's framing), and the user backend answering
 * ARP for the gateway 10.0.2.2. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "net/netdev.h"
#include "net/socket_framing.h"

#define MAX_SEEN 64

typedef struct FakeNic {
    NetClient nc;
    bool ready;
    uint8_t seen[MAX_SEEN][256];
    size_t seen_len[MAX_SEEN];
    unsigned nseen;
    unsigned resumed;
} FakeNic;

static ssize_t nic_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    FakeNic *n = (FakeNic *)nc;
    if (!n->ready)
        return 0;
    if (n->nseen < MAX_SEEN) {
        size_t k = MIN(len, sizeof(n->seen[0]));
        memcpy(n->seen[n->nseen], buf, k);
        n->seen_len[n->nseen] = len;
    }
    n->nseen++;
    return (ssize_t)len;
}

static bool nic_can_receive(NetClient *nc)
{
    return ((FakeNic *)nc)->ready;
}

static void nic_resumed(NetClient *nc)
{
    ((FakeNic *)nc)->resumed++;
}

static const NetClientOps nic_ops = {
    .receive = nic_receive, .can_receive = nic_can_receive, .send_resumed = nic_resumed};

static FakeNic *new_nic(NetStack *s, const char *name)
{
    FakeNic *n = (FakeNic *)net_client_new(s, &nic_ops, sizeof(FakeNic), "fake-nic", name);
    g_assert_nonnull(n);
    n->nc.is_nic = true;
    n->ready = true;
    return n;
}

/* ---- The link and its queue ---- */

static void test_queue_flow_control(void)
{
    NetStack *s = net_stack_new(NULL, NULL);
    FakeNic *a = new_nic(s, "a"), *b = new_nic(s, "b");
    g_assert_cmpint(net_client_connect(&a->nc, &b->nc), ==, 0);
    g_assert_cmpint(net_client_connect(&a->nc, &b->nc), ==, -1);
    uint8_t f1[10] = {1}, f2[20] = {2}, f3[30] = {3};
    g_assert_cmpint(net_send(&a->nc, f1, sizeof(f1)), ==, 10);
    g_assert_cmpuint(b->nseen, ==, 1);
    /* The receiver is full: frames wait, in order, and the sender hears 0. */
    b->ready = false;
    g_assert_cmpint(net_send(&a->nc, f2, sizeof(f2)), ==, 0);
    g_assert_cmpint(net_send(&a->nc, f3, sizeof(f3)), ==, 0);
    g_assert_cmpuint(b->nc.incoming.count, ==, 2);
    /* Ready again: a later send still queues behind the waiting ones. */
    b->ready = true;
    g_assert_cmpint(net_send(&a->nc, f1, sizeof(f1)), ==, 0);
    g_assert_cmpuint(b->nseen, ==, 1);
    net_flush(&b->nc);
    g_assert_cmpuint(b->nseen, ==, 4);
    g_assert_cmpuint(b->seen_len[1], ==, 20);
    g_assert_cmpuint(b->seen_len[2], ==, 30);
    g_assert_cmpuint(b->seen_len[3], ==, 10);
    g_assert_cmpuint(a->resumed, ==, 1);
    g_assert_cmpuint(b->nc.incoming.count, ==, 0);
    /* The queue is bounded: beyond the limit frames are dropped, not kept. */
    b->ready = false;
    for (unsigned i = 0; i < NET_QUEUE_LIMIT + 10; i++)
        net_send(&a->nc, f1, sizeof(f1));
    g_assert_cmpuint(b->nc.incoming.count, ==, NET_QUEUE_LIMIT);
    g_assert_cmpuint(b->nc.incoming.dropped, ==, 10);
    /* Not frames: empty or oversized ones are lost, never queued. */
    g_assert_cmpint(net_send(&a->nc, f1, 0), ==, 0);
    net_stack_free(s);
}

static void test_queue_no_peer(void)
{
    NetStack *s = net_stack_new(NULL, NULL);
    FakeNic *a = new_nic(s, "a");
    uint8_t f[60] = {0};
    g_assert_cmpint(net_send(&a->nc, f, sizeof(f)), ==, 60);
    FakeNic *b = new_nic(s, "b");
    net_client_connect(&a->nc, &b->nc);
    net_client_free(&b->nc); /* the peer goes away: a is unlinked */
    g_assert_null(a->nc.peer);
    g_assert_cmpint(net_send(&a->nc, f, sizeof(f)), ==, 60);
    net_stack_free(s);
}

/* ---- Stream framing ---- */

static void test_framing(void)
{
    FrameReader r;
    frame_reader_init(&r, 100);
    uint8_t stream[3 * (FRAME_HEADER_LEN + 50)];
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        frame_header_encode(stream + at, 10 + 20 * (uint32_t)i);
        at += FRAME_HEADER_LEN;
        memset(stream + at, 'a' + i, 10 + 20 * (size_t)i);
        at += 10 + 20 * (size_t)i;
    }
    g_assert_cmphex(stream[0] << 24 | stream[1] << 16 | stream[2] << 8 | stream[3], ==, 10);
    /* Byte by byte: each frame appears once complete, not before. */
    unsigned frames = 0;
    for (size_t i = 0; i < at; i++) {
        g_assert_cmpint(frame_reader_feed(&r, stream + i, 1), ==, 0);
        const uint8_t *frame;
        size_t len;
        while (frame_reader_next(&r, &frame, &len) == 1) {
            g_assert_cmpuint(len, ==, 10 + 20 * frames);
            g_assert_cmpuint(frame[0], ==, 'a' + frames);
            g_assert_cmpuint(frame[len - 1], ==, 'a' + frames);
            frames++;
        }
    }
    g_assert_cmpuint(frames, ==, 3);
    /* All at once. */
    frame_reader_reset(&r);
    g_assert_cmpint(frame_reader_feed(&r, stream, at), ==, 0);
    const uint8_t *frame;
    size_t len;
    frames = 0;
    while (frame_reader_next(&r, &frame, &len) == 1)
        frames++;
    g_assert_cmpuint(frames, ==, 3);
    /* A length over the limit, or zero, is not this protocol. */
    uint8_t bad[FRAME_HEADER_LEN];
    frame_header_encode(bad, 101);
    frame_reader_reset(&r);
    g_assert_cmpint(frame_reader_feed(&r, bad, sizeof(bad)), ==, -1);
    g_assert_cmpint(frame_reader_next(&r, &frame, &len), ==, 0);
    frame_header_encode(bad, 0);
    frame_reader_reset(&r);
    g_assert_cmpint(frame_reader_feed(&r, bad, sizeof(bad)), ==, -1);
    frame_reader_reset(&r);
}

/* ---- Option parsing ---- */

static void test_opts(void)
{
    NetOpts o;
    char err[NET_ERR_MAX];
    g_assert_cmpint(net_opts_parse(&o, "user,id=n0,hostfwd=tcp::1-:2,hostfwd=udp::3-:4,x=a,,b", err,
                                   sizeof(err)),
                    ==, 0);
    g_assert_cmpstr(o.type, ==, "user");
    g_assert_cmpstr(net_opts_get(&o, "id"), ==, "n0");
    unsigned pos = 0;
    g_assert_cmpstr(net_opts_next(&o, "hostfwd", &pos), ==, "tcp::1-:2");
    g_assert_cmpstr(net_opts_next(&o, "hostfwd", &pos), ==, "udp::3-:4");
    g_assert_null(net_opts_next(&o, "hostfwd", &pos));
    g_assert_cmpint(net_opts_check_used(&o, err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, "user: unknown parameter 'x'");
    g_assert_cmpstr(net_opts_get(&o, "x"), ==, "a,b");
    g_assert_cmpint(net_opts_check_used(&o, err, sizeof(err)), ==, 0);
    net_opts_free(&o);
    g_assert_cmpint(net_opts_parse(&o, "user,junk", err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, "'junk': expected key=value");
    g_assert_cmpint(net_opts_parse(&o, "id=x", err, sizeof(err)), ==, -1);

    uint8_t mac[6];
    g_assert_cmpint(net_parse_mac("52:54:00:ab:CD:0f", mac), ==, 0);
    g_assert_cmphex(mac[3], ==, 0xab);
    g_assert_cmphex(mac[5], ==, 0x0f);
    g_assert_cmpint(net_parse_mac("53:54:00:ab:cd:0f", mac), ==, -1); /* multicast */
    g_assert_cmpint(net_parse_mac("52:54:00:ab:cd", mac), ==, -1);
    g_assert_cmpint(net_parse_mac("52-54-00-ab-cd-0f", mac), ==, -1);
    g_assert_cmpint(net_parse_mac("52:54:00:ab:cd:0g", mac), ==, -1);
    net_default_mac(1, mac);
    g_assert_cmphex(mac[5], ==, 0x57);

    char host[64];
    uint16_t port;
    g_assert_cmpint(net_parse_host_port(":1234", host, sizeof(host), &port), ==, 0);
    g_assert_cmpstr(host, ==, "");
    g_assert_cmpuint(port, ==, 1234);
    g_assert_cmpint(net_parse_host_port("127.0.0.1:80", host, sizeof(host), &port), ==, 0);
    g_assert_cmpstr(host, ==, "127.0.0.1");
    g_assert_cmpint(net_parse_host_port("host:65536", host, sizeof(host), &port), ==, -1);
    g_assert_cmpint(net_parse_host_port("host", host, sizeof(host), &port), ==, -1);
    g_assert_cmpint(net_parse_host_port("host:", host, sizeof(host), &port), ==, -1);
}

/* Each bad option gives one line naming the bad part. */
static void test_netdev_errors(void)
{
    static const struct {
        const char *arg, *want;
    } cases[] = {
        {"bogus,id=a", "unknown network backend 'bogus'"},
        {"user", "user: missing 'id='"},
        {"user,id=9x", "id '9x'"},
        {"user,id=a,colour=red", "unknown parameter 'colour'"},
        {"user,id=a,hostfwd=tcp:1-:2", "hostfwd=tcp:1-:2: expected"},
        {"user,id=a,hostfwd=sctp::1-:2", "hostfwd=sctp::1-:2"},
        {"user,id=a,net=10.0.2.0/40", "net=10.0.2.0/40"},
        {"user,id=a,dns=1.2.3", "dns=1.2.3"},
        {"user,id=a,restrict=maybe", "restrict=maybe"},
        {"socket,id=a", "needs listen=, connect=, mcast= or udp="},
        {"socket,id=a,listen=:1,connect=:2", "only one of"},
        {"socket,id=a,listen=nowhere", "listen=nowhere: expected [HOST]:PORT"},
        {"socket,id=a,mcast=127.0.0.1:5000", "not a multicast address"},
        {"socket,id=a,udp=127.0.0.1:5000", "needs localaddr="},
        {"socket,id=a,connect=127.0.0.1:1", "connect=127.0.0.1:1: Connection refused"},
        {"tap,id=a,ifname=x,script=/etc/qemu-ifup", "runs no scripts"},
        {"tap,id=a", "needs ifname="},
        {"tap,id=a,ifname=averyveryverylongname", "longer than 15"},
    };
    NetStack *s = net_stack_new(NULL, NULL);
    char err[NET_ERR_MAX];
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        err[0] = 0;
        g_assert_cmpint(net_netdev_add(s, cases[i].arg, err, sizeof(err)), ==, -1);
        if (!strstr(err, cases[i].want))
            g_error("-netdev %s: got '%s', want '%s'", cases[i].arg, err, cases[i].want);
        g_assert_null(strchr(err, '\n'));
    }
    NicConfig nic;
    g_assert_cmpint(net_nic_add(s, "user,model=e1000", 0, &nic, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "unknown NIC model 'e1000'"));
    g_assert_cmpint(net_nic_add(s, "user,mac=01:02:03:04:05:06", 0, &nic, err, sizeof(err)), ==,
                    -1);
    g_assert_nonnull(strstr(err, "mac '01:02:03:04:05:06'"));
    g_assert_cmpint(net_nic_add(s, "none", 0, &nic, err, sizeof(err)), ==, 0);
    g_assert_cmpint(net_nic_add(s, "none,foo=1", 0, &nic, err, sizeof(err)), ==, -1);
    net_stack_free(s);
}

/* ---- The socket backend ---- */

static uint16_t free_tcp_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* Polls both stacks until cond holds (or about two seconds pass). */
#define PUMP_UNTIL(s1, s2, cond)                                                                   \
    do {                                                                                           \
        for (int i_ = 0; i_ < 200 && !(cond); i_++) {                                              \
            net_stack_poll(s1, 5);                                                                 \
            if (s2)                                                                                \
                net_stack_poll(s2, 5);                                                             \
        }                                                                                          \
    } while (0)

static void test_socket_link(void)
{
    char err[NET_ERR_MAX], arg[128];
    uint16_t port = free_tcp_port();
    NetStack *sa = net_stack_new(NULL, NULL), *sb = net_stack_new(NULL, NULL);
    snprintf(arg, sizeof(arg), "socket,id=l,listen=127.0.0.1:%u", port);
    if (net_netdev_add(sa, arg, err, sizeof(err)) < 0)
        g_error("%s", err);
    snprintf(arg, sizeof(arg), "socket,id=c,connect=127.0.0.1:%u", port);
    if (net_netdev_add(sb, arg, err, sizeof(err)) < 0)
        g_error("%s", err);
    FakeNic *na = new_nic(sa, "na"), *nb = new_nic(sb, "nb");
    net_client_connect(&na->nc, net_stack_find(sa, "l"));
    net_client_connect(&nb->nc, net_stack_find(sb, "c"));
    /* B's frames reach A whole, in order; then the other way. */
    uint8_t frame[200];
    for (unsigned i = 0; i < 5; i++) {
        memset(frame, 'A' + i, sizeof(frame));
        net_send(&nb->nc, frame, 60 + 20 * i);
    }
    PUMP_UNTIL(sa, sb, na->nseen == 5);
    g_assert_cmpuint(na->nseen, ==, 5);
    for (unsigned i = 0; i < 5; i++) {
        g_assert_cmpuint(na->seen_len[i], ==, 60 + 20 * i);
        g_assert_cmpuint(na->seen[i][0], ==, 'A' + i);
    }
    memset(frame, 'z', sizeof(frame));
    net_send(&na->nc, frame, 100);
    PUMP_UNTIL(sa, sb, nb->nseen == 1);
    g_assert_cmpuint(nb->nseen, ==, 1);
    g_assert_cmpuint(nb->seen_len[0], ==, 100);
    /* While A's NIC takes nothing, B's frames wait in A's queue. */
    na->ready = false;
    net_send(&nb->nc, frame, 70);
    PUMP_UNTIL(sa, sb, na->nc.incoming.count == 1);
    g_assert_cmpuint(na->nc.incoming.count, ==, 1);
    na->ready = true;
    net_flush(&na->nc);
    g_assert_cmpuint(na->nseen, ==, 6);
    net_stack_free(sb);
    net_stack_free(sa);
}

/* A peer that speaks QEMU's framing by hand: our frames arrive with the 4-byte
 * big-endian length, and its frames reach the NIC; a bogus length drops the link
 * and the listener takes the next connection. */
static void test_socket_qemu_framing(void)
{
    char err[NET_ERR_MAX], arg[128];
    uint16_t port = free_tcp_port();
    NetStack *s = net_stack_new(NULL, NULL);
    snprintf(arg, sizeof(arg), "socket,id=l,listen=127.0.0.1:%u", port);
    if (net_netdev_add(s, arg, err, sizeof(err)) < 0)
        g_error("%s", err);
    FakeNic *nic = new_nic(s, "nic");
    net_client_connect(&nic->nc, net_stack_find(s, "l"));
    for (int round = 0; round < 2; round++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        net_stack_poll(s, 100); /* accept */
        uint8_t msg[4 + 64];
        frame_header_encode(msg, 64);
        memset(msg + 4, 0x42, 64);
        g_assert_cmpint(write(fd, msg, sizeof(msg)), ==, sizeof(msg));
        unsigned want = nic->nseen + 1;
        PUMP_UNTIL(s, NULL, nic->nseen == want);
        g_assert_cmpuint(nic->nseen, ==, want);
        g_assert_cmpuint(nic->seen_len[want - 1], ==, 64);
        uint8_t frame[80];
        memset(frame, 0x17, sizeof(frame));
        net_send(&nic->nc, frame, sizeof(frame));
        uint8_t got[4 + 80];
        size_t have = 0;
        while (have < sizeof(got)) {
            ssize_t n = read(fd, got + have, sizeof(got) - have);
            g_assert_cmpint(n, >, 0);
            have += (size_t)n;
        }
        g_assert_cmphex(got[0] << 24 | got[1] << 16 | got[2] << 8 | got[3], ==, 80);
        g_assert_cmpuint(got[4], ==, 0x17);
        /* Nonsense: a 16 MiB frame. The link drops; we listen again. */
        frame_header_encode(msg, 1u << 24);
        g_assert_cmpint(write(fd, msg, 4), ==, 4);
        char c;
        for (int i = 0; i < 100; i++)
            net_stack_poll(s, 5);
        g_assert_cmpint(read(fd, &c, 1), ==, 0); /* closed by us */
        close(fd);
    }
    net_stack_free(s);
}

static void test_socket_mcast(void)
{
    char err[NET_ERR_MAX], arg[128];
    uint16_t port = free_tcp_port();
    NetStack *s = net_stack_new(NULL, NULL);
    snprintf(arg, sizeof(arg), "socket,id=a,mcast=230.0.0.1:%u,localaddr=127.0.0.1", port);
    if (net_netdev_add(s, arg, err, sizeof(err)) < 0)
        g_error("%s (does this host have a multicast route?)", err);
    snprintf(arg, sizeof(arg), "socket,id=b,mcast=230.0.0.1:%u,localaddr=127.0.0.1", port);
    g_assert_cmpint(net_netdev_add(s, arg, err, sizeof(err)), ==, 0);
    FakeNic *na = new_nic(s, "na"), *nb = new_nic(s, "nb");
    net_client_connect(&na->nc, net_stack_find(s, "a"));
    net_client_connect(&nb->nc, net_stack_find(s, "b"));
    uint8_t frame[90];
    memset(frame, 0x66, sizeof(frame));
    net_send(&na->nc, frame, sizeof(frame));
    PUMP_UNTIL(s, NULL, nb->nseen >= 1);
    g_assert_cmpuint(nb->nseen, >=, 1);
    g_assert_cmpuint(nb->seen_len[0], ==, 90);
    net_stack_free(s);
}

static void test_socket_udp(void)
{
    char err[NET_ERR_MAX], arg[128];
    uint16_t pa = free_tcp_port(), pb = free_tcp_port();
    NetStack *s = net_stack_new(NULL, NULL);
    snprintf(arg, sizeof(arg), "socket,id=a,udp=127.0.0.1:%u,localaddr=127.0.0.1:%u", pb, pa);
    if (net_netdev_add(s, arg, err, sizeof(err)) < 0)
        g_error("%s", err);
    snprintf(arg, sizeof(arg), "socket,id=b,udp=127.0.0.1:%u,localaddr=127.0.0.1:%u", pa, pb);
    if (net_netdev_add(s, arg, err, sizeof(err)) < 0)
        g_error("%s", err);
    FakeNic *na = new_nic(s, "na"), *nb = new_nic(s, "nb");
    net_client_connect(&na->nc, net_stack_find(s, "a"));
    net_client_connect(&nb->nc, net_stack_find(s, "b"));
    uint8_t frame[120];
    memset(frame, 0x31, sizeof(frame));
    net_send(&na->nc, frame, sizeof(frame));
    net_send(&nb->nc, frame, 70);
    PUMP_UNTIL(s, NULL, nb->nseen >= 1 && na->nseen >= 1);
    g_assert_cmpuint(nb->nseen, ==, 1);
    g_assert_cmpuint(nb->seen_len[0], ==, 120);
    g_assert_cmpuint(na->nseen, ==, 1);
    g_assert_cmpuint(na->seen_len[0], ==, 70);
    net_stack_free(s);
}

/* ---- The user backend ---- */

#ifdef CONFIG_SLIRP
static void test_user_arp(void)
{
    char err[NET_ERR_MAX];
    NetStack *s = net_stack_new(NULL, NULL);
    if (net_netdev_add(s, "user,id=u,hostfwd=tcp:127.0.0.1:0-:22", err, sizeof(err)) < 0)
        g_error("%s", err);
    FakeNic *nic = new_nic(s, "nic");
    net_client_connect(&nic->nc, net_stack_find(s, "u"));
    /* Who has 10.0.2.2? Tell 10.0.2.15 (RFC 826). */
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
        10,   0,    2,    15,   0,    0,    0,    0,    0,    0,    10,   0,    2,    2};
    net_send(&nic->nc, arp, sizeof(arp));
    PUMP_UNTIL(s, NULL, nic->nseen >= 1);
    g_assert_cmpuint(nic->nseen, >=, 1);
    const uint8_t *r = nic->seen[0];
    g_assert_cmphex(r[12] << 8 | r[13], ==, 0x0806);
    g_assert_cmphex(r[20] << 8 | r[21], ==, 2); /* reply */
    g_assert_cmpmem(r, 6, arp + 6, 6);          /* to us */
    static const uint8_t gw[4] = {10, 0, 2, 2};
    g_assert_cmpmem(r + 28, 4, gw, 4); /* sender IP: the gateway */
    net_stack_free(s);
    /* A host port already taken is a clear error. */
    s = net_stack_new(NULL, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint16_t port = free_tcp_port();
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    char arg[128];
    snprintf(arg, sizeof(arg), "user,id=u,hostfwd=tcp:127.0.0.1:%u-:22", port);
    g_assert_cmpint(net_netdev_add(s, arg, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "cannot listen on host port"));
    close(fd);
    net_stack_free(s);
}
#endif

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/queue/flow-control", test_queue_flow_control);
    g_test_add_func("/net/queue/no-peer", test_queue_no_peer);
    g_test_add_func("/net/socket/framing", test_framing);
    g_test_add_func("/net/options/parse", test_opts);
    g_test_add_func("/net/options/errors", test_netdev_errors);
    g_test_add_func("/net/socket/link", test_socket_link);
    g_test_add_func("/net/socket/qemu-framing", test_socket_qemu_framing);
    g_test_add_func("/net/socket/mcast", test_socket_mcast);
    g_test_add_func("/net/socket/udp", test_socket_udp);
#ifdef CONFIG_SLIRP
    g_test_add_func("/net/user/arp", test_user_arp);
#endif
    return g_test_run();
}
