/* The tap backend: frames go to and come from a host TAP interface (Linux
 * Documentation/networking/tuntap.rst: open /dev/net/tun, TUNSETIFF with IFF_TAP |
 * IFF_NO_PI, then each read or write is one Ethernet frame). Pacifica runs no
 * scripts: the interface must exist or be creatable by this user, and script=no /
 * downscript=no are the only values accepted. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/netdev.h"

#define TAP_DEVICE "/dev/net/tun"

typedef struct TapBackend {
    NetClient nc;
    int fd;
    bool read_paused;
    uint8_t *buf;
} TapBackend;

static void tap_ready(void *opaque, int fd, short revents)
{
    TapBackend *t = opaque;
    (void)revents;
    for (int i = 0; i < 64 && !t->read_paused; i++) {
        ssize_t n = read(fd, t->buf, NET_MAX_FRAME);
        if (n <= 0)
            return;
        if (net_send(&t->nc, t->buf, (size_t)n) == 0) {
            t->read_paused = true;
            net_watch_set_events(t->nc.stack, fd, 0);
        }
    }
}

static ssize_t tap_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TapBackend *t = (TapBackend *)nc;
    /* A full tap queue drops the frame, as the kernel does for its own senders. */
    if (write(t->fd, buf, len) < 0 && errno != EAGAIN)
        log_printf(net_stack_log(nc->stack), LOG_GUEST_ERROR, "net tap %s: write: %s\n", nc->id,
                   g_strerror(errno));
    return (ssize_t)len;
}

static void tap_send_resumed(NetClient *nc)
{
    TapBackend *t = (TapBackend *)nc;
    t->read_paused = false;
    net_watch_set_events(nc->stack, t->fd, POLLIN);
}

static void tap_cleanup(NetClient *nc)
{
    TapBackend *t = (TapBackend *)nc;
    if (t->fd >= 0) {
        net_unwatch_fd(nc->stack, t->fd);
        close(t->fd);
    }
    g_free(t->buf);
}

static const NetClientOps tap_ops = {
    .receive = tap_receive,
    .send_resumed = tap_send_resumed,
    .cleanup = tap_cleanup,
};

static int check_no_script(NetOpts *o, const char *key, char *err, size_t errlen)
{
    const char *v = net_opts_get(o, key);
    if (v && strcmp(v, "no") && strcmp(v, "")) {
        snprintf(err, errlen, "tap: %s=%s: Pacifica runs no scripts, use %s=no", key, v, key);
        return -1;
    }
    return 0;
}

static int tap_open(const char *ifname, char *err, size_t errlen)
{
    int fd = open(TAP_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "tap: cannot open %s: %s", TAP_DEVICE, g_strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    g_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errlen, "tap: ifname=%s: cannot attach (TUNSETIFF): %s", ifname,
                 g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

NetClient *net_tap_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen)
{
    const char *ifname = net_opts_get(o, "ifname");
    if (check_no_script(o, "script", err, errlen) < 0 ||
        check_no_script(o, "downscript", err, errlen) < 0)
        return NULL;
    if (!ifname || !*ifname) {
        snprintf(err, errlen, "tap: needs ifname=NAME (Pacifica creates no interface names)");
        return NULL;
    }
    if (strlen(ifname) >= IFNAMSIZ) {
        snprintf(err, errlen, "tap: ifname=%s: longer than %d characters", ifname, IFNAMSIZ - 1);
        return NULL;
    }
    int fd = tap_open(ifname, err, errlen);
    if (fd < 0)
        return NULL;
    TapBackend *t = (TapBackend *)net_client_new(s, &tap_ops, sizeof(TapBackend), "tap", id);
    if (!t) {
        close(fd);
        snprintf(err, errlen, "too many network clients");
        return NULL;
    }
    t->fd = fd;
    t->buf = g_malloc(NET_MAX_FRAME);
    if (net_watch_fd(s, fd, POLLIN, tap_ready, t) < 0) {
        net_client_free(&t->nc);
        snprintf(err, errlen, "tap: out of memory");
        return NULL;
    }
    return &t->nc;
}
