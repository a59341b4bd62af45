/* The PC board's network cards and backends (see pc_net.h). */
#include "hw/pc_net.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/virtio_net.h"
#include "net/netdev.h"

#define PC_NET_FIRST_SLOT 3
#define PC_NET_MAX_NICS   8

struct PcNet {
    PcNetWiring w;
    NetStack *stack;
    VirtioNetPci *nics[PC_NET_MAX_NICS];
    unsigned nnics;
};

/* The first slot nothing answers in (an absent function reads all ones). */
static int free_slot(PciBus *bus)
{
    for (unsigned slot = PC_NET_FIRST_SLOT; slot < 32; slot++)
        if (pci_config_read(bus, PCI_DEVFN(slot, 0), 0, 2) == 0xffff)
            return (int)slot;
    return -1;
}

static int add_nic(PcNet *pn, NetClient *backend, const uint8_t mac[6], char *err, size_t errlen)
{
    int slot = free_slot(pn->w.bus);
    if (pn->nnics == PC_NET_MAX_NICS || slot < 0) {
        snprintf(err, errlen, "no room for another network card (at most %d)", PC_NET_MAX_NICS);
        return -1;
    }
    char name[32];
    snprintf(name, sizeof(name), "virtio-net-pci.%u", pn->nnics);
    VirtioNetOptions o = {
        .stack = pn->stack,
        .backend = backend,
        .name = name,
        .mem = &pn->w.m->mem,
        .log = &pn->w.m->log,
        .dma_written = pn->w.dma_written,
        .dma_opaque = pn->w.dma_opaque,
    };
    memcpy(o.mac, mac, 6);
    VirtioNetPci *d = virtio_net_pci_new(pn->w.bus, PCI_DEVFN(slot, 0), &o, &pn->w.pci);
    if (!d) {
        snprintf(err, errlen, "netdev '%s' is already used by another card", backend->id);
        return -1;
    }
    pn->nics[pn->nnics++] = d;
    machine_register_device(pn->w.m, &d->pci.pci.dev);
    return 0;
}

int pc_net_add_virtio_net(PcNet *pn, KeyValueList *kv, char *err, size_t errlen)
{
    const char *netdev = keyval_take(kv, "netdev");
    const char *mac_str = keyval_take(kv, "mac");
    uint8_t mac[6];
    net_default_mac(pn->nnics, mac);
    if (mac_str && net_parse_mac(mac_str, mac) < 0) {
        snprintf(err, errlen, "mac '%s': expected six hex bytes like 52:54:00:12:34:56, unicast",
                 mac_str);
        return -1;
    }
    NetClient *backend = NULL;
    if (netdev && !(backend = net_stack_find(pn->stack, netdev))) {
        snprintf(err, errlen, "netdev '%s' not found (no -netdev with id=%s)", netdev, netdev);
        return -1;
    }
    return add_nic(pn, backend, mac, err, errlen);
}

static int create_from_options(PcNet *pn)
{
    const MachineConfig *cfg = pn->w.m->cfg;
    char err[NET_ERR_MAX];
    for (unsigned i = 0; i < cfg->nnetdevs; i++) {
        if (net_netdev_add(pn->stack, cfg->netdevs[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "pacifica: -netdev %s: %s\n", cfg->netdevs[i], err);
            return -1;
        }
    }
    for (unsigned i = 0; i < cfg->nnics; i++) {
        NicConfig nic;
        int r = net_nic_add(pn->stack, cfg->nics[i], pn->nnics, &nic, err, sizeof(err));
        if (r > 0)
            r = add_nic(pn, net_stack_find(pn->stack, nic.netdev), nic.mac, err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "pacifica: -nic %s: %s\n", cfg->nics[i], err);
            return -1;
        }
    }
    return 0;
}

PcNet *pc_net_create(const PcNetWiring *w)
{
    PcNet *pn = g_new0(PcNet, 1);
    pn->w = *w;
    pn->stack = net_stack_new(&w->m->lock, &w->m->log);
    if (!pn->stack) {
        fprintf(stderr, "pacifica: cannot set up the network (out of file descriptors?)\n");
        g_free(pn);
        return NULL;
    }
    if (create_from_options(pn) < 0) {
        pc_net_free(pn);
        return NULL;
    }
    return pn;
}

void pc_net_check_peers(PcNet *pn)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *nc = net_stack_client(pn->stack, i);
        if (nc && !nc->is_nic && !nc->peer)
            fprintf(stderr, "pacifica: warning: -netdev id=%s: no network card uses it\n", nc->id);
    }
}

bool pc_net_check_options(const MachineConfig *cfg, FILE *out)
{
    char err[NET_ERR_MAX];
    for (unsigned i = 0; i < cfg->nnetdevs; i++) {
        if (net_check_option(cfg->netdevs[i], false, err, sizeof(err)) < 0) {
            fprintf(out, "pacifica: -netdev %s: %s\n", cfg->netdevs[i], err);
            return false;
        }
    }
    for (unsigned i = 0; i < cfg->nnics; i++) {
        if (net_check_option(cfg->nics[i], true, err, sizeof(err)) < 0) {
            fprintf(out, "pacifica: -nic %s: %s\n", cfg->nics[i], err);
            return false;
        }
    }
    return true;
}

NetStack *pc_net_stack(PcNet *pn)
{
    return pn ? pn->stack : NULL;
}

void pc_net_free(PcNet *pn)
{
    if (!pn)
        return;
    for (unsigned i = 0; i < pn->nnics; i++)
        virtio_net_pci_free(pn->nics[i]);
    net_stack_free(pn->stack);
    g_free(pn);
}
