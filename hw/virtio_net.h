/* virtio-net (virtio 1.1 §5.1): an Ethernet card whose frames go to a net/ backend.
 *
 * One receive/transmit queue pair now; the state is kept per pair so that
 * VIRTIO_NET_F_MQ can add more. Offered features: MAC, STATUS (link always up),
 * MRG_RXBUF (frames spread over several receive buffers), CSUM (the driver may leave
 * a TCP/UDP checksum for us: we compute it in software, since the backends want whole
 * frames), HOST_TSO4/TSO6/ECN (the driver may hand us 64 KiB TCP frames: we cut them
 * into MSS-sized ones, net/gso.c) and GUEST_CSUM (accepted; we always deliver fully
 * checksummed frames).
 *
 * Transmit runs on the main loop when the driver notifies the queue (the vCPU only
 * schedules it), receive whenever the backend has a frame; frames that find no
 * receive buffer wait in the NIC's net queue until the driver adds some.
 *
 * Board wiring (hw/pc.c):
 *     VirtioNetPci *d = virtio_net_pci_new(pci_bus, PCI_DEVFN(slot, 0), &(VirtioNetOptions){
 *         .stack = net, .backend = net_stack_find(net, "n0"), .mac = {...}, .mem = &m->mem,
 *         .log = &m->log, .dma_written = ..., .dma_opaque = ...}, &pci_cfg);
 *     machine_register_device(m, &d->pci.pci.dev);
 * and at exit virtio_net_pci_free(d) before net_stack_free.
 */
#ifndef PACIFICA_HW_VIRTIO_NET_H
#define PACIFICA_HW_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/virtio.h"
#include "hw/virtio_pci.h"
#include "net/net.h"

#define VIRTIO_ID_NET         1
#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_MAX_PAIRS  1
#define VIRTIO_NET_CONFIG_LEN 10  /* mac[6], status, max_virtqueue_pairs */
#define VIRTIO_NET_HDR_LEN    12  /* struct virtio_net_hdr with num_buffers (§5.1.6) */
#define VIRTIO_NET_TX_BATCH   256 /* frames sent per run before yielding the loop */

/* Feature bits (§5.1.3). */
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_HOST_TSO4  11
#define VIRTIO_NET_F_HOST_TSO6  12
#define VIRTIO_NET_F_HOST_ECN   13
#define VIRTIO_NET_F_MRG_RXBUF  15
#define VIRTIO_NET_F_STATUS     16

/* Header fields (§5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE     0
#define VIRTIO_NET_HDR_GSO_TCPV4    1
#define VIRTIO_NET_HDR_GSO_TCPV6    4
#define VIRTIO_NET_HDR_GSO_ECN      0x80
#define VIRTIO_NET_S_LINK_UP        1

typedef struct VirtioNetOptions {
    NetStack *stack;
    NetClient *backend; /* the peer; NULL: a card with no cable */
    const char *name;   /* the NIC's client id (default "virtio-net-pci") */
    uint8_t mac[6];
    uint16_t queue_size; /* 0: VIRTIO_NET_QUEUE_SIZE */
    AddressSpace *mem;
    const Log *log;
    void (*dma_written)(void *opaque, uint64_t addr, uint64_t len);
    void *dma_opaque;
} VirtioNetOptions;

typedef struct VirtioNetQueuePair {
    VirtQueue *rx, *tx;
    bool tx_blocked; /* the backend queued our last frame: wait for send_resumed */
} VirtioNetQueuePair;

typedef struct VirtioNetStats {
    uint64_t rx_frames, tx_frames, rx_dropped, tx_dropped;
} VirtioNetStats;

typedef struct VirtioNet {
    VirtioDevice vdev;
    NetClient *nc; /* our side of the link */
    uint8_t mac[6];
    unsigned npairs;
    VirtioNetQueuePair pairs[VIRTIO_NET_MAX_PAIRS];
    uint8_t *tx_buf; /* one frame being sent, NET_MAX_FRAME + header */
    VirtioNetStats stats;
} VirtioNet;

typedef struct VirtioNetPci {
    VirtioPci pci;
    VirtioNet net;
} VirtioNetPci;

/* Sets the device up and links it with opts->backend. -1 if the backend already has
 * a NIC or the stack is full. */
int virtio_net_init(VirtioNet *n, const VirtioNetOptions *opts);
void virtio_net_destroy(VirtioNet *n);

VirtioNetPci *virtio_net_pci_new(PciBus *bus, uint8_t devfn, const VirtioNetOptions *opts,
                                 const VirtioPciConfig *pci_cfg);
void virtio_net_pci_free(VirtioNetPci *d);

/* The TCP/UDP checksum a driver left for us (VIRTIO_NET_HDR_F_NEEDS_CSUM): the
 * one's-complement sum from csum_start to the end of the frame, stored at
 * csum_start + csum_offset (§5.1.6.2). false if those offsets do not fit the frame. */
bool virtio_net_fill_checksum(uint8_t *frame, size_t len, uint16_t csum_start,
                              uint16_t csum_offset);

#endif
