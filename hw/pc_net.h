/* The PC board's network: the net/ stack with the -netdev backends, a virtio-net-pci
 * function per -nic and per -device virtio-net-pci, each in the first free PCI slot
 * from 3 on (QEMU's pc puts its first NIC at 00:03.0). With no -nic or -netdev the
 * machine has no network (QEMU's default user-mode e1000 does not exist here). */
#ifndef PACIFICA_HW_PC_NET_H
#define PACIFICA_HW_PC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hw/pci.h"
#include "hw/virtio_pci.h"
#include "net/net.h"
#include "system/keyval.h"
#include "system/machine.h"

typedef struct PcNet PcNet;

typedef struct PcNetWiring {
    Machine *m;
    PciBus *bus;
    VirtioPciConfig pci;
    void (*dma_written)(void *opaque, uint64_t addr, uint64_t len);
    void *dma_opaque;
} PcNetWiring;

/* Checks the -netdev and -nic options before anything is opened: backend types,
 * parameter names, ids, models, MACs. false after printing a one-line error. */
bool pc_net_check_options(const MachineConfig *cfg, FILE *err);
/* Creates the -netdev backends and the -nic cards of m->cfg. NULL after printing a
 * one-line error naming the bad option. */
PcNet *pc_net_create(const PcNetWiring *w);
/* -device virtio-net-pci: takes netdev= and mac= from kv. */
int pc_net_add_virtio_net(PcNet *pn, KeyValueList *kv, char *err, size_t errlen);
/* Warns about backends no card uses (QEMU: "netdev has no peer"). */
void pc_net_check_peers(PcNet *pn);
NetStack *pc_net_stack(PcNet *pn);
void pc_net_free(PcNet *pn);

#endif
