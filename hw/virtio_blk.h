/* virtio-blk (virtio 1.1 §5.2): one request queue on a block node. Reads, writes,
 * flushes, discards, write-zeroes and get-id; data moves between the image and guest
 * RAM on the block layer's thread pool, several requests at once (up to the queue
 * size), and each request completes on the main loop (aio_context_run_completions
 * with the machine lock held), which writes its status and interrupts the driver.
 *
 * Board wiring (hw/pc.c):
 *     VirtioBlkPci *d = virtio_blk_pci_new(pci_bus, PCI_DEVFN(slot, 0), &(VirtioBlkOptions){
 *         .node = node, .aio = aio, .serial = "...", .mem = &m->mem, .log = &m->log,
 *         .dma_written = ..., .dma_opaque = ...},
 *         &(VirtioPciConfig){.msi_deliver = pc_msi_deliver, .msi_opaque = board});
 *     machine_register_device(m, &d->pci.pci.dev);
 * and at exit virtio_blk_pci_free(d) before block_close(node) and aio_context_free.
 */
#ifndef PACIFICA_HW_VIRTIO_BLK_H
#define PACIFICA_HW_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "block/aio.h"
#include "block/block.h"
#include "hw/virtio.h"
#include "hw/virtio_pci.h"

#define VIRTIO_ID_BLOCK       2
#define VIRTIO_BLK_QUEUE_SIZE 256
#define VIRTIO_BLK_ID_BYTES   20
#define VIRTIO_BLK_CONFIG_LEN 60

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (§5.2.6). */
#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK           0
#define VIRTIO_BLK_S_IOERR        1
#define VIRTIO_BLK_S_UNSUPP       2
#define VIRTIO_BLK_WZ_UNMAP       1

/* Limits advertised in the configuration space. */
#define VIRTIO_BLK_MAX_DISCARD_SECTORS (1u << 22) /* 2 GiB per request */

typedef struct VirtioBlkOptions {
    BlockNode *node; /* read-only nodes give a read-only disk (VIRTIO_BLK_F_RO) */
    AioContext *aio;
    const char *serial;  /* GET_ID answer (up to 20 bytes), may be NULL */
    uint16_t queue_size; /* 0: VIRTIO_BLK_QUEUE_SIZE */
    AddressSpace *mem;
    const Log *log;
    void (*dma_written)(void *opaque, uint64_t addr, uint64_t len);
    void *dma_opaque;
} VirtioBlkOptions;

typedef struct VirtioBlk {
    VirtioDevice vdev;
    BlockNode *node;
    AioContext *aio;
    char serial[VIRTIO_BLK_ID_BYTES];
    uint64_t capacity; /* 512-byte sectors */
    unsigned inflight;
    bool resetting;
} VirtioBlk;

typedef struct VirtioBlkPci {
    VirtioPci pci;
    VirtioBlk blk;
} VirtioBlkPci;

void virtio_blk_init(VirtioBlk *blk, const VirtioBlkOptions *opts);
/* Waits for the requests in flight (running their completions). */
void virtio_blk_drain(VirtioBlk *blk);

VirtioBlkPci *virtio_blk_pci_new(PciBus *bus, uint8_t devfn, const VirtioBlkOptions *opts,
                                 const VirtioPciConfig *pci_cfg);
/* Drains, takes the function off the bus and frees it (the node stays open). */
void virtio_blk_pci_free(VirtioBlkPci *d);

#endif
