/* -netdev and -nic, in QEMU's syntax (QEMU System Emulation User's Guide, "Network
 * options"): "TYPE,id=ID,key=value,..." where ",," stands for a literal comma.
 *
 *   -netdev user,id=n0[,net=10.0.2.0/24][,host=..][,dhcpstart=..][,dns=..]
 *           [,hostfwd=[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT]...[,restrict=on|off]
 *   -netdev tap,id=n0,ifname=NAME[,script=no][,downscript=no]
 *   -netdev socket,id=n0,listen=[HOST]:PORT | connect=HOST:PORT
 *           | mcast=ADDR:PORT[,localaddr=ADDR] | udp=HOST:PORT,localaddr=HOST:PORT
 *   -nic TYPE[,model=virtio-net-pci][,mac=MAC][,backend options] | -nic none
 *
 * Every error is one line naming the bad item; unknown types, models and parameters
 * are refused, never ignored. */
#ifndef PACIFICA_NET_NETDEV_H
#define PACIFICA_NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

#define NET_OPTS_MAX 32
#define NET_ERR_MAX  256

/* The items of one option value, in order; "TYPE" is the first bare item. */
typedef struct NetOpts {
    char *type;
    unsigned n;
    char *key[NET_OPTS_MAX];
    char *val[NET_OPTS_MAX];
    bool used[NET_OPTS_MAX];
} NetOpts;

int net_opts_parse(NetOpts *o, const char *arg, char *err, size_t errlen);
void net_opts_free(NetOpts *o);
/* The value of the first item named key (marked used), or NULL. */
const char *net_opts_get(NetOpts *o, const char *key);
/* The value of the next item named key after *pos (start at 0), or NULL. */
const char *net_opts_next(NetOpts *o, const char *key, unsigned *pos);
/* -1 naming the first item no one asked for. */
int net_opts_check_used(const NetOpts *o, char *err, size_t errlen);
/* "on"/"off"/"yes"/"no"/"true"/"false"; -1 otherwise. */
int net_parse_bool(const char *s);
/* "[HOST]:PORT" into host (may be "") and port; -1 if malformed. */
int net_parse_host_port(const char *s, char *host, size_t hostlen, uint16_t *port);
/* "52:54:00:12:34:56"; -1 if malformed, or multicast (bit 0 of the first byte). */
int net_parse_mac(const char *s, uint8_t mac[6]);

/* Backends (net/slirp.c, net/tap.c, net/socket.c): read their items from o. */
NetClient *net_user_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen);
NetClient *net_tap_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen);
NetClient *net_socket_new(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen);

/* Checks a -netdev (nic false) or -nic value without opening anything: the backend
 * type, the parameter names, id=, model= and mac=. -1 with a message in err. */
int net_check_option(const char *arg, bool nic, char *err, size_t errlen);

/* -netdev: creates the backend. -1 with a message in err. */
int net_netdev_add(NetStack *s, const char *arg, char *err, size_t errlen);

/* What a NIC needs from -nic, or -device virtio-net-pci. */
typedef struct NicConfig {
    char model[32];  /* "virtio-net-pci" */
    char netdev[64]; /* the backend's id; "" for none */
    uint8_t mac[6];
} NicConfig;

/* -nic: creates the backend (id "__nicN") and fills nic; index numbers the NICs for
 * the default MAC. Returns 1 for a NIC, 0 for "-nic none", -1 with a message. */
int net_nic_add(NetStack *s, const char *arg, unsigned index, NicConfig *nic, char *err,
                size_t errlen);
/* QEMU's default MAC for the index'th NIC: 52:54:00:12:34:56 + index. */
void net_default_mac(unsigned index, uint8_t mac[6]);

#endif
