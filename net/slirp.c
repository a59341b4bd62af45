/* The user backend: a NAT router, DHCP and DNS server in the process, on libslirp,
 * with QEMU's layout (QEMU System Emulation User's Guide, "Using the user mode network
 * stack"): network 10.0.2.0/24, the host (gateway) at 10.0.2.2, the DNS server at
 * 10.0.2.3, DHCP leases from 10.0.2.15; IPv6 on fec0::/64 as QEMU.
 *
 * libslirp owns its sockets; after every call into it (a frame from the guest, fd
 * activity, a timer) we ask it which fds it wants watched and for how long it may
 * sleep (slirp_pollfds_fill), and bring the main loop's watches and one timerfd in
 * line with the answer. When any of them fires we poll its fds without waiting and
 * hand the result to slirp_pollfds_poll. */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "net/netdev.h"

#ifndef CONFIG_SLIRP

NetClient *net_user_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen)
{
    (void)s;
    (void)id;
    (void)o;
    snprintf(err, errlen, "user: this Pacifica was built without libslirp");
    return NULL;
}

#else

#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define USER_MAX_TIMERS 8
#define USER_MAX_FDS    1024

typedef struct UserTimer {
    bool used, armed;
    SlirpTimerId id;
    void *cb_opaque;
    int64_t expire_ms;
} UserTimer;

typedef struct UserBackend {
    NetClient nc;
    Slirp *slirp;
    int timer_fd;
    UserTimer timers[USER_MAX_TIMERS];
    /* What the last slirp_pollfds_fill asked for, and what we watch. */
    struct pollfd fill[USER_MAX_FDS];
    unsigned nfill;
    int watched[USER_MAX_FDS];
    unsigned nwatched;
    bool in_poll;     /* re-entrancy guard: slirp calls back into us */
    int64_t armed_ms; /* when the timerfd fires (INT64_MAX: disarmed) */
} UserBackend;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- Callbacks from libslirp ---- */

static ssize_t user_send_packet(const void *buf, size_t len, void *opaque)
{
    UserBackend *u = opaque;
    /* A frame the NIC cannot take waits in its queue (or is dropped when that is
     * full): slirp's TCP retransmits. */
    net_send(&u->nc, buf, len);
    return (ssize_t)len;
}

static void user_guest_error(const char *msg, void *opaque)
{
    UserBackend *u = opaque;
    log_printf(net_stack_log(u->nc.stack), LOG_GUEST_ERROR, "net user %s: %s\n", u->nc.id, msg);
}

static int64_t user_clock_get_ns(void *opaque)
{
    (void)opaque;
    return now_ns();
}

static void *user_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    UserBackend *u = opaque;
    for (unsigned i = 0; i < USER_MAX_TIMERS; i++) {
        if (!u->timers[i].used) {
            u->timers[i] = (UserTimer){.used = true, .id = id, .cb_opaque = cb_opaque};
            return &u->timers[i];
        }
    }
    return NULL;
}

static void user_timer_free(void *timer, void *opaque)
{
    (void)opaque;
    if (timer)
        ((UserTimer *)timer)->used = false;
}

static void user_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    (void)opaque;
    if (!timer)
        return;
    UserTimer *t = timer;
    t->armed = true;
    t->expire_ms = expire_ms;
}

static void user_register_poll_fd(int fd, void *opaque)
{
    (void)fd;
    (void)opaque;
}

static void user_notify(void *opaque)
{
    /* A socket buffer freed up: run a poll round soon. */
    net_schedule(&((UserBackend *)opaque)->nc);
}

static const SlirpCb user_callbacks = {
    .send_packet = user_send_packet,
    .guest_error = user_guest_error,
    .clock_get_ns = user_clock_get_ns,
    .timer_free = user_timer_free,
    .timer_mod = user_timer_mod,
    .register_poll_fd = user_register_poll_fd,
    .unregister_poll_fd = user_register_poll_fd,
    .notify = user_notify,
    .timer_new_opaque = user_timer_new_opaque,
};

/* ---- Keeping the main loop in line with slirp ---- */

static int add_poll(int fd, int events, void *opaque)
{
    UserBackend *u = opaque;
    if (u->nfill == USER_MAX_FDS)
        return -1;
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    u->fill[u->nfill] = (struct pollfd){.fd = fd, .events = ev};
    return (int)u->nfill++;
}

static int get_revents(int idx, void *opaque)
{
    UserBackend *u = opaque;
    if (idx < 0 || (unsigned)idx >= u->nfill)
        return 0;
    short re = u->fill[idx].revents;
    int r = 0;
    if (re & POLLIN)
        r |= SLIRP_POLL_IN;
    if (re & POLLOUT)
        r |= SLIRP_POLL_OUT;
    if (re & POLLPRI)
        r |= SLIRP_POLL_PRI;
    if (re & (POLLERR | POLLNVAL))
        r |= SLIRP_POLL_ERR;
    if (re & POLLHUP)
        r |= SLIRP_POLL_HUP;
    return r;
}

/* Asks slirp what to watch; returns how long it may sleep (ms, UINT32_MAX: forever). */
static uint32_t fill_pollfds(UserBackend *u)
{
    uint32_t timeout = UINT32_MAX;
    u->nfill = 0;
    slirp_pollfds_fill(u->slirp, &timeout, add_poll, u);
    return timeout;
}

static void user_fd_ready(void *opaque, int fd, short revents);

static short wanted_events(const UserBackend *u, int fd)
{
    short ev = 0;
    for (unsigned i = 0; i < u->nfill; i++)
        if (u->fill[i].fd == fd)
            ev |= u->fill[i].events;
    return ev;
}

static void sync_watches(UserBackend *u)
{
    NetStack *s = u->nc.stack;
    /* Drop the fds slirp no longer uses (it may have closed them). */
    for (unsigned i = 0; i < u->nwatched;) {
        bool wanted = false;
        for (unsigned j = 0; j < u->nfill && !wanted; j++)
            wanted = u->fill[j].fd == u->watched[i];
        if (wanted) {
            i++;
            continue;
        }
        net_unwatch_fd(s, u->watched[i]);
        u->watched[i] = u->watched[--u->nwatched];
    }
    for (unsigned j = 0; j < u->nfill; j++) {
        int fd = u->fill[j].fd;
        bool known = false;
        for (unsigned i = 0; i < u->nwatched && !known; i++)
            known = u->watched[i] == fd;
        short ev = wanted_events(u, fd);
        if (known) {
            net_watch_set_events(s, fd, ev);
        } else if (u->nwatched < USER_MAX_FDS && net_watch_fd(s, fd, ev, user_fd_ready, u) == 0) {
            u->watched[u->nwatched++] = fd;
        }
    }
}

/* Arms the timerfd for the earliest of slirp's timers and its poll timeout. */
static void arm_timer(UserBackend *u, uint32_t timeout_ms)
{
    int64_t now_ms = now_ns() / 1000000;
    int64_t deadline = timeout_ms == UINT32_MAX ? INT64_MAX : now_ms + timeout_ms;
    for (unsigned i = 0; i < USER_MAX_TIMERS; i++)
        if (u->timers[i].used && u->timers[i].armed && u->timers[i].expire_ms < deadline)
            deadline = u->timers[i].expire_ms;
    /* An earlier wake-up than needed is harmless (a round finds nothing to do and
     * re-arms): keep the armed one when it still comes first, and save a syscall. */
    if (u->armed_ms > now_ms && u->armed_ms <= deadline)
        return;
    u->armed_ms = deadline;
    struct itimerspec its = {0};
    if (deadline != INT64_MAX) {
        if (deadline <= now_ms)
            deadline = now_ms + 1;
        its.it_value.tv_sec = deadline / 1000;
        its.it_value.tv_nsec = (deadline % 1000) * 1000000;
    }
    timerfd_settime(u->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void resync(UserBackend *u)
{
    uint32_t timeout = fill_pollfds(u);
    sync_watches(u);
    arm_timer(u, timeout);
}

static void run_timers(UserBackend *u)
{
    int64_t now_ms = now_ns() / 1000000;
    for (unsigned i = 0; i < USER_MAX_TIMERS; i++) {
        UserTimer *t = &u->timers[i];
        if (t->used && t->armed && t->expire_ms <= now_ms) {
            t->armed = false;
            slirp_handle_timer(u->slirp, t->id, t->cb_opaque);
        }
    }
}

/* One round: what is ready now, slirp's own timers, then the watches again. */
static void poll_round(UserBackend *u)
{
    if (u->in_poll)
        return;
    u->in_poll = true;
    fill_pollfds(u);
    int n = poll(u->fill, u->nfill, 0);
    slirp_pollfds_poll(u->slirp, n < 0, get_revents, u);
    run_timers(u);
    resync(u);
    u->in_poll = false;
}

static void user_fd_ready(void *opaque, int fd, short revents)
{
    (void)fd;
    (void)revents;
    poll_round(opaque);
}

static void user_timer_fired(void *opaque, int fd, short revents)
{
    (void)revents;
    uint64_t expirations;
    if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
        return;
    poll_round(opaque);
}

/* ---- The NetClient ---- */

static ssize_t user_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    UserBackend *u = (UserBackend *)nc;
    slirp_input(u->slirp, buf, (int)len);
    if (!u->in_poll)
        resync(u);
    return (ssize_t)len;
}

static void user_scheduled(NetClient *nc)
{
    poll_round((UserBackend *)nc);
}

static void user_cleanup(NetClient *nc)
{
    UserBackend *u = (UserBackend *)nc;
    for (unsigned i = 0; i < u->nwatched; i++)
        net_unwatch_fd(nc->stack, u->watched[i]);
    u->nwatched = 0;
    if (u->slirp)
        slirp_cleanup(u->slirp);
    if (u->timer_fd >= 0) {
        net_unwatch_fd(nc->stack, u->timer_fd);
        close(u->timer_fd);
    }
}

static const NetClientOps user_ops = {
    .receive = user_receive,
    .scheduled = user_scheduled,
    .cleanup = user_cleanup,
};

/* ---- Options ---- */

typedef struct UserConfig {
    struct in_addr net, mask, host, dhcp, dns;
    bool restricted, ipv6;
    const char *hostname;
} UserConfig;

static int parse_ipv4(const char *key, const char *val, struct in_addr *a, char *err, size_t errlen)
{
    if (inet_pton(AF_INET, val, a) != 1) {
        snprintf(err, errlen, "user: %s=%s: expected an IPv4 address", key, val);
        return -1;
    }
    return 0;
}

/* net=ADDR[/BITS]: the host, DNS and DHCP addresses follow it (.2, .3, .15). */
static int parse_net(UserConfig *c, const char *val, char *err, size_t errlen)
{
    char addr[64];
    unsigned bits = 24;
    const char *slash = strchr(val, '/');
    size_t alen = slash ? (size_t)(slash - val) : strlen(val);
    char *end = NULL;
    if (alen >= sizeof(addr) ||
        (slash && ((bits = (unsigned)strtoul(slash + 1, &end, 10)) < 8 || bits > 30 || *end))) {
        snprintf(err, errlen, "user: net=%s: expected ADDR[/BITS], BITS 8 to 30", val);
        return -1;
    }
    memcpy(addr, val, alen);
    addr[alen] = 0;
    if (parse_ipv4("net", addr, &c->net, err, errlen) < 0)
        return -1;
    uint32_t mask = ~0u << (32 - bits);
    uint32_t base = ntohl(c->net.s_addr) & mask;
    c->mask.s_addr = htonl(mask);
    c->net.s_addr = htonl(base);
    c->host.s_addr = htonl(base | 2);
    c->dns.s_addr = htonl(base | 3);
    c->dhcp.s_addr = htonl(base | 15);
    return 0;
}

static int parse_user_config(UserConfig *c, NetOpts *o, char *err, size_t errlen)
{
    if (parse_net(c, net_opts_get(o, "net") ? net_opts_get(o, "net") : "10.0.2.0/24", err, errlen) <
        0)
        return -1;
    static const char *const keys[] = {"host", "dhcpstart", "dns"};
    struct in_addr *dest[] = {&c->host, &c->dhcp, &c->dns};
    for (unsigned i = 0; i < 3; i++) {
        const char *v = net_opts_get(o, keys[i]);
        if (v && parse_ipv4(keys[i], v, dest[i], err, errlen) < 0)
            return -1;
    }
    static const char *const flags[] = {"restrict", "ipv6"};
    bool *fdest[] = {&c->restricted, &c->ipv6};
    c->ipv6 = true;
    for (unsigned i = 0; i < 2; i++) {
        const char *v = net_opts_get(o, flags[i]);
        int b = v ? net_parse_bool(v) : -1;
        if (v && b < 0) {
            snprintf(err, errlen, "user: %s=%s: expected on or off", flags[i], v);
            return -1;
        }
        if (v)
            *fdest[i] = b;
    }
    c->hostname = net_opts_get(o, "hostname");
    return 0;
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (QEMU's syntax). */
static int add_hostfwd(UserBackend *u, const UserConfig *c, const char *rule, char *err,
                       size_t errlen)
{
    char proto[8] = "tcp", haddr[64] = "", gaddr[64] = "";
    const char *p = rule;
    const char *colon = strchr(p, ':');
    const char *dash = strchr(p, '-');
    if (!colon || !dash)
        goto bad;
    if (colon - p < (ptrdiff_t)sizeof(proto) && colon != p) {
        memcpy(proto, p, (size_t)(colon - p));
        proto[colon - p] = 0;
    }
    bool udp = !strcmp(proto, "udp");
    if (!udp && strcmp(proto, "tcp"))
        goto bad;
    char host_part[96], guest_part[96];
    if (dash - colon - 1 >= (ptrdiff_t)sizeof(host_part) || strlen(dash + 1) >= sizeof(guest_part))
        goto bad;
    memcpy(host_part, colon + 1, (size_t)(dash - colon - 1));
    host_part[dash - colon - 1] = 0;
    strcpy(guest_part, dash + 1);
    uint16_t hport, gport;
    if (net_parse_host_port(host_part, haddr, sizeof(haddr), &hport) < 0 ||
        net_parse_host_port(guest_part, gaddr, sizeof(gaddr), &gport) < 0 || gport == 0)
        goto bad;
    struct in_addr ha = {.s_addr = htonl(INADDR_ANY)}, ga = c->dhcp;
    if ((*haddr && inet_pton(AF_INET, haddr, &ha) != 1) ||
        (*gaddr && inet_pton(AF_INET, gaddr, &ga) != 1))
        goto bad;
    if (slirp_add_hostfwd(u->slirp, udp, ha, hport, ga, gport) < 0) {
        snprintf(err, errlen, "user: hostfwd=%s: cannot listen on host port %u: %s", rule, hport,
                 g_strerror(errno));
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen,
             "user: hostfwd=%s: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT",
             rule);
    return -1;
}

static Slirp *start_slirp(UserBackend *u, const UserConfig *c)
{
    SlirpConfig cfg = {
        .version = 4,
        .restricted = c->restricted,
        .in_enabled = true,
        .vnetwork = c->net,
        .vnetmask = c->mask,
        .vhost = c->host,
        .in6_enabled = c->ipv6,
        .vprefix_len = 64,
        .vhostname = c->hostname,
        .vdhcp_start = c->dhcp,
        .vnameserver = c->dns,
    };
    /* QEMU's IPv6 defaults: prefix fec0::/64, host fec0::2, DNS fec0::3. */
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
    return slirp_new(&cfg, &user_callbacks, u);
}

NetClient *net_user_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen)
{
    UserConfig c = {0};
    if (parse_user_config(&c, o, err, errlen) < 0)
        return NULL;
    UserBackend *u = (UserBackend *)net_client_new(s, &user_ops, sizeof(UserBackend), "user", id);
    if (!u) {
        snprintf(err, errlen, "too many network clients");
        return NULL;
    }
    u->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (u->timer_fd < 0 || net_watch_fd(s, u->timer_fd, POLLIN, user_timer_fired, u) < 0) {
        snprintf(err, errlen, "user: cannot create a timer: %s", g_strerror(errno));
        net_client_free(&u->nc);
        return NULL;
    }
    u->slirp = start_slirp(u, &c);
    if (!u->slirp) {
        snprintf(err, errlen, "user: libslirp refused the configuration");
        net_client_free(&u->nc);
        return NULL;
    }
    unsigned pos = 0;
    const char *rule;
    while ((rule = net_opts_next(o, "hostfwd", &pos))) {
        if (add_hostfwd(u, &c, rule, err, errlen) < 0) {
            net_client_free(&u->nc);
            return NULL;
        }
    }
    resync(u);
    return &u->nc;
}

#endif
