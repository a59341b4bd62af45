/* Parsing of -netdev and -nic, and the table of backend types. */
#include "net/netdev.h"

#include <ctype.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- key=value lists ---- */

/* Cuts the next item off *p (",," is a literal comma); NULL at the end. */
static char *next_item(const char **p)
{
    if (!**p)
        return NULL;
    GString *item = g_string_new(NULL);
    const char *s = *p;
    while (*s) {
        if (*s == ',') {
            if (s[1] != ',')
                break;
            s++;
        }
        g_string_append_c(item, *s++);
    }
    *p = *s ? s + 1 : s;
    return g_string_free(item, FALSE);
}

int net_opts_parse(NetOpts *o, const char *arg, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    const char *p = arg;
    char *item;
    while ((item = next_item(&p))) {
        char *eq = strchr(item, '=');
        if (!o->type && !eq && o->n == 0) {
            o->type = item;
            continue;
        }
        if (!eq || eq == item) {
            snprintf(err, errlen, "'%s': expected key=value", item);
            g_free(item);
            net_opts_free(o);
            return -1;
        }
        if (o->n == NET_OPTS_MAX) {
            snprintf(err, errlen, "more than %d parameters", NET_OPTS_MAX);
            g_free(item);
            net_opts_free(o);
            return -1;
        }
        *eq = 0;
        o->key[o->n] = item;
        o->val[o->n] = g_strdup(eq + 1);
        o->n++;
    }
    if (!o->type) {
        snprintf(err, errlen, "missing the backend type (user, tap, socket)");
        net_opts_free(o);
        return -1;
    }
    return 0;
}

void net_opts_free(NetOpts *o)
{
    g_free(o->type);
    for (unsigned i = 0; i < o->n; i++) {
        g_free(o->key[i]);
        g_free(o->val[i]);
    }
    memset(o, 0, sizeof(*o));
}

const char *net_opts_next(NetOpts *o, const char *key, unsigned *pos)
{
    for (unsigned i = *pos; i < o->n; i++) {
        if (!strcmp(o->key[i], key)) {
            o->used[i] = true;
            *pos = i + 1;
            return o->val[i];
        }
    }
    *pos = o->n;
    return NULL;
}

const char *net_opts_get(NetOpts *o, const char *key)
{
    unsigned pos = 0;
    return net_opts_next(o, key, &pos);
}

int net_opts_check_used(const NetOpts *o, char *err, size_t errlen)
{
    for (unsigned i = 0; i < o->n; i++) {
        if (!o->used[i]) {
            snprintf(err, errlen, "%s: unknown parameter '%s'", o->type, o->key[i]);
            return -1;
        }
    }
    return 0;
}

int net_parse_bool(const char *s)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true"))
        return 1;
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false"))
        return 0;
    return -1;
}

int net_parse_host_port(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= hostlen)
        return -1;
    char *end;
    unsigned long v = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || v > 65535 || !isdigit((unsigned char)colon[1]))
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    *port = (uint16_t)v;
    return 0;
}

int net_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6];
    char tail;
    if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                                  &b[5], &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]) ||
            (i < 5 && s[3 * i + 2] != ':'))
            return -1;
        mac[i] = (uint8_t)b[i];
    }
    return (mac[0] & 1) ? -1 : 0;
}

void net_default_mac(unsigned index, uint8_t mac[6])
{
    static const uint8_t base[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(base[5] + index);
}

/* ---- Backend types ---- */

typedef NetClient *NetBackendNew(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen);

static const struct {
    const char *type;
    NetBackendNew *create;
} backend_types[] = {
    {"user", net_user_new},
    {"tap", net_tap_new},
    {"socket", net_socket_new},
};

/* The parameters each backend takes, for checking a command line before anything is
 * opened (the backends read them themselves, and refuse any left over too). */
static const struct {
    const char *type;
    const char *const keys[12];
} backend_keys[] = {
    {"user", {"net", "host", "dhcpstart", "dns", "restrict", "ipv6", "hostname", "hostfwd"}},
    {"tap", {"ifname", "script", "downscript"}},
    {"socket", {"listen", "connect", "mcast", "udp", "localaddr"}},
};

static bool backend_has_key(const char *type, const char *key, bool nic)
{
    if (nic ? (!strcmp(key, "model") || !strcmp(key, "mac")) : !strcmp(key, "id"))
        return true;
    for (size_t i = 0; i < G_N_ELEMENTS(backend_keys); i++)
        if (!strcmp(backend_keys[i].type, type))
            for (size_t k = 0; k < G_N_ELEMENTS(backend_keys[i].keys) && backend_keys[i].keys[k];
                 k++)
                if (!strcmp(backend_keys[i].keys[k], key))
                    return true;
    return false;
}

static bool known_type(const char *type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backend_keys); i++)
        if (!strcmp(backend_keys[i].type, type))
            return true;
    return false;
}

static bool valid_id(const char *id);
static int nic_model(NetOpts *o, NicConfig *nic, char *err, size_t errlen);

static int check_opts(NetOpts *o, bool nic, char *err, size_t errlen)
{
    if (nic && !strcmp(o->type, "none"))
        return net_opts_check_used(o, err, errlen);
    if (!known_type(o->type)) {
        snprintf(err, errlen, "unknown network backend '%s' (user, tap, socket)", o->type);
        return -1;
    }
    for (unsigned i = 0; i < o->n; i++) {
        if (!backend_has_key(o->type, o->key[i], nic)) {
            snprintf(err, errlen, "%s: unknown parameter '%s'", o->type, o->key[i]);
            return -1;
        }
    }
    NicConfig cfg;
    const char *id = net_opts_get(o, "id");
    const char *mac = net_opts_get(o, "mac");
    if (!nic && !id) {
        snprintf(err, errlen, "%s: missing 'id='", o->type);
    } else if (!nic && !valid_id(id)) {
        snprintf(err, errlen, "id '%s': letters, digits, '-', '_', '.' starting with a letter",
                 id);
    } else if (nic && nic_model(o, &cfg, err, errlen) < 0) {
        return -1;
    } else if (mac && net_parse_mac(mac, cfg.mac) < 0) {
        snprintf(err, errlen, "mac '%s': expected six hex bytes like 52:54:00:12:34:56, unicast",
                 mac);
    } else {
        return 0;
    }
    return -1;
}

int net_check_option(const char *arg, bool nic, char *err, size_t errlen)
{
    NetOpts o;
    if (net_opts_parse(&o, arg, err, errlen) < 0)
        return -1;
    int r = check_opts(&o, nic, err, errlen);
    net_opts_free(&o);
    return r;
}

static NetClient *create_backend(NetStack *s, const char *id, NetOpts *o, char *err, size_t errlen)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backend_types); i++) {
        if (!strcmp(o->type, backend_types[i].type)) {
            NetClient *nc = backend_types[i].create(s, id, o, err, errlen);
            if (nc && net_opts_check_used(o, err, errlen) < 0) {
                net_client_free(nc);
                return NULL;
            }
            return nc;
        }
    }
    snprintf(err, errlen, "unknown network backend '%s' (user, tap, socket)", o->type);
    return NULL;
}

static bool valid_id(const char *id)
{
    if (!isalpha((unsigned char)id[0]))
        return false;
    for (const char *c = id; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return false;
    return true;
}

int net_netdev_add(NetStack *s, const char *arg, char *err, size_t errlen)
{
    NetOpts o;
    if (net_opts_parse(&o, arg, err, errlen) < 0)
        return -1;
    int ret = -1;
    const char *id = net_opts_get(&o, "id");
    if (check_opts(&o, false, err, errlen) < 0)
        ;
    else if (net_stack_find(s, id))
        snprintf(err, errlen, "duplicate id '%s'", id);
    else if (create_backend(s, id, &o, err, errlen))
        ret = 0;
    net_opts_free(&o);
    return ret;
}

static const char *const nic_models[] = {"virtio-net-pci", "virtio"};

static int nic_model(NetOpts *o, NicConfig *nic, char *err, size_t errlen)
{
    const char *model = net_opts_get(o, "model");
    for (size_t i = 0; i < G_N_ELEMENTS(nic_models) && model; i++)
        if (!strcmp(model, nic_models[i]))
            model = NULL;
    if (model) {
        snprintf(err, errlen, "unknown NIC model '%s' (Pacifica has virtio-net-pci only)", model);
        return -1;
    }
    snprintf(nic->model, sizeof(nic->model), "virtio-net-pci");
    return 0;
}

int net_nic_add(NetStack *s, const char *arg, unsigned index, NicConfig *nic, char *err,
                size_t errlen)
{
    NetOpts o;
    if (net_opts_parse(&o, arg, err, errlen) < 0)
        return -1;
    memset(nic, 0, sizeof(*nic));
    int ret = -1;
    if (check_opts(&o, true, err, errlen) < 0) {
        net_opts_free(&o);
        return -1;
    }
    if (!strcmp(o.type, "none")) {
        net_opts_free(&o);
        return 0;
    }
    const char *mac = net_opts_get(&o, "mac");
    net_default_mac(index, nic->mac);
    if (mac)
        net_parse_mac(mac, nic->mac); /* checked above */
    nic_model(&o, nic, err, errlen);
    snprintf(nic->netdev, sizeof(nic->netdev), "__nic%u", index);
    if (create_backend(s, nic->netdev, &o, err, errlen))
        ret = 1;
    net_opts_free(&o);
    return ret;
}
