/* virtio-blk (virtio 1.1 §5.2): requests are parsed and checked on the vCPU thread
 * that notified us, run on the block layer's thread pool, and completed (status byte,
 * used ring, interrupt) on the main loop. */
#include "hw/virtio_blk.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#define VIRTIO_BLK_HEADER_SIZE  16 /* le32 type, le32 reserved, le64 sector (§5.2.6) */
#define VIRTIO_BLK_SEGMENT_SIZE 16 /* discard/write-zeroes: le64 sector, le32 num, flags */

typedef struct VirtioBlkReq {
    VirtioBlk *blk;
    VirtQueue *vq;
    VirtqElement *elem;
    BlockRequest breq;
    struct iovec *data; /* the data part of the element's buffers */
    int ndata;
    uint8_t *status;  /* host pointer of the status byte (last device-writable byte) */
    uint32_t written; /* bytes for the used ring */
} VirtioBlkReq;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- Completion ---- */

static void req_free(VirtioBlkReq *r)
{
    virtqueue_element_free(r->elem);
    g_free(r->data);
    g_free(r);
}

static void handle_queue(VirtioDevice *vdev, VirtQueue *vq);

/* Status byte, used ring, interrupt. Runs with the machine lock held. */
static void req_complete(VirtioBlkReq *r, uint8_t status)
{
    VirtioBlk *blk = r->blk;
    VirtQueue *vq = r->vq;
    *r->status = status;
    virtqueue_push(vq, r->elem, r->written + 1);
    if (!blk->resetting)
        virtqueue_notify(vq);
    req_free(r);
}

static uint8_t status_of(int ret)
{
    if (ret == 0)
        return VIRTIO_BLK_S_OK;
    return ret == -ENOTSUP || ret == -EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP : VIRTIO_BLK_S_IOERR;
}

/* The block layer's callback, on the main loop. */
static void block_done(BlockRequest *breq, int ret)
{
    VirtioBlkReq *r = breq->opaque;
    VirtioBlk *blk = r->blk;
    VirtQueue *vq = r->vq;
    if (ret < 0) {
        log_printf(blk->vdev.log, LOG_GUEST_ERROR, "%s: request failed: %s\n", blk->vdev.name,
                   g_strerror(-ret));
        if (breq->op == BLOCK_OP_READ)
            r->written = 0;
    }
    blk->inflight--;
    req_complete(r, status_of(ret));
    /* Requests left in the ring while the queue was full can go now. */
    if (vq->throttled && !blk->resetting) {
        vq->throttled = false;
        handle_queue(&blk->vdev, vq);
    }
}

static void submit(VirtioBlkReq *r, BlockOp op, uint64_t offset, uint64_t bytes, bool unmap)
{
    VirtioBlk *blk = r->blk;
    r->breq = (BlockRequest){.op = op,
                             .node = blk->node,
                             .offset = offset,
                             .bytes = bytes,
                             .iov = r->data,
                             .niov = r->ndata,
                             .may_unmap = unmap,
                             .complete = block_done,
                             .opaque = r};
    blk->inflight++;
    aio_submit(blk->aio, &r->breq);
}

/* ---- Requests ---- */

/* Whether [sector, sector + bytes/512) lies in the disk, in whole sectors. */
static bool range_ok(const VirtioBlk *blk, uint64_t sector, uint64_t bytes)
{
    if (bytes % BLOCK_SECTOR_SIZE)
        return false;
    uint64_t count = bytes / BLOCK_SECTOR_SIZE;
    return sector <= blk->capacity && count <= blk->capacity - sector;
}

static bool data_slice(VirtioBlkReq *r, const struct iovec *iov, unsigned n, size_t skip,
                       size_t len)
{
    r->data = g_new(struct iovec, n ? n : 1);
    r->ndata = iov_slice(iov, (int)n, skip, len, r->data, (int)(n ? n : 1));
    return r->ndata >= 0;
}

/* IN / OUT: the data follows the header (OUT) or precedes the status byte (IN). */
static uint8_t start_rw(VirtioBlkReq *r, bool is_write, uint64_t sector)
{
    VirtioBlk *blk = r->blk;
    VirtqElement *e = r->elem;
    size_t len = is_write ? e->out_len - VIRTIO_BLK_HEADER_SIZE : e->in_len - 1;
    if (is_write && blk->node->read_only)
        return VIRTIO_BLK_S_IOERR;
    if (!range_ok(blk, sector, len)) {
        log_printf(blk->vdev.log, LOG_GUEST_ERROR,
                   "%s: %s of %zu bytes at sector %llu outside the disk\n", blk->vdev.name,
                   is_write ? "write" : "read", len, (unsigned long long)sector);
        return VIRTIO_BLK_S_IOERR;
    }
    bool ok = is_write ? data_slice(r, e->out_iov, e->out_num, VIRTIO_BLK_HEADER_SIZE, len)
                       : data_slice(r, e->in_iov, e->in_num, 0, len);
    if (!ok)
        return VIRTIO_BLK_S_IOERR;
    r->written = is_write ? 0 : (uint32_t)len;
    submit(r, is_write ? BLOCK_OP_WRITE : BLOCK_OP_READ, sector * BLOCK_SECTOR_SIZE, len, false);
    return 0xff; /* pending */
}

/* DISCARD / WRITE_ZEROES: one segment (max_*_seg is 1). §5.2.6.2: discard with the
 * unmap flag, or any reserved flag, is unsupported. */
static uint8_t start_discard(VirtioBlkReq *r, uint32_t type)
{
    VirtioBlk *blk = r->blk;
    VirtqElement *e = r->elem;
    if (blk->node->read_only)
        return VIRTIO_BLK_S_IOERR;
    if (e->out_len - VIRTIO_BLK_HEADER_SIZE != VIRTIO_BLK_SEGMENT_SIZE)
        return VIRTIO_BLK_S_UNSUPP;
    uint8_t seg[VIRTIO_BLK_SEGMENT_SIZE];
    iov_to_buf(e->out_iov, (int)e->out_num, VIRTIO_BLK_HEADER_SIZE, seg, sizeof(seg));
    uint64_t sector = le64(seg);
    uint32_t num = le32(seg + 8), flags = le32(seg + 12);
    bool zeroes = type == VIRTIO_BLK_T_WRITE_ZEROES;
    if ((flags & ~VIRTIO_BLK_WZ_UNMAP) || (!zeroes && flags))
        return VIRTIO_BLK_S_UNSUPP;
    if (num > VIRTIO_BLK_MAX_DISCARD_SECTORS ||
        !range_ok(blk, sector, (uint64_t)num * BLOCK_SECTOR_SIZE))
        return VIRTIO_BLK_S_IOERR;
    r->data = NULL;
    r->ndata = 0;
    submit(r, zeroes ? BLOCK_OP_WRITE_ZEROES : BLOCK_OP_DISCARD, sector * BLOCK_SECTOR_SIZE,
           (uint64_t)num * BLOCK_SECTOR_SIZE, flags & VIRTIO_BLK_WZ_UNMAP);
    return 0xff;
}

static uint8_t do_get_id(VirtioBlkReq *r)
{
    VirtqElement *e = r->elem;
    size_t len = MIN(e->in_len - 1, (size_t)VIRTIO_BLK_ID_BYTES);
    iov_from_buf(e->in_iov, (int)e->in_num, 0, r->blk->serial, len);
    r->written = (uint32_t)len;
    return VIRTIO_BLK_S_OK;
}

/* Starts one request; returns its status if it finished at once, 0xff if pending. */
static uint8_t start_request(VirtioBlkReq *r)
{
    VirtqElement *e = r->elem;
    uint8_t hdr[VIRTIO_BLK_HEADER_SIZE];
    iov_to_buf(e->out_iov, (int)e->out_num, 0, hdr, sizeof(hdr));
    uint32_t type = le32(hdr);
    uint64_t sector = le64(hdr + 8);
    switch (type) {
    case VIRTIO_BLK_T_IN: return start_rw(r, false, sector);
    case VIRTIO_BLK_T_OUT: return start_rw(r, true, sector);
    case VIRTIO_BLK_T_FLUSH:
        r->data = NULL;
        r->ndata = 0;
        submit(r, BLOCK_OP_FLUSH, 0, 0, false);
        return 0xff;
    case VIRTIO_BLK_T_GET_ID: return do_get_id(r);
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES: return start_discard(r, type);
    default: return VIRTIO_BLK_S_UNSUPP;
    }
}

/* The status byte is the last device-writable byte (§5.2.6). */
static uint8_t *status_byte(const VirtqElement *e)
{
    const struct iovec *last = &e->in_iov[e->in_num - 1];
    return (uint8_t *)last->iov_base + last->iov_len - 1;
}

static void process(VirtioBlk *blk, VirtQueue *vq, VirtqElement *e)
{
    if (e->out_len < VIRTIO_BLK_HEADER_SIZE || e->in_len < 1) {
        /* §5.2.6.1: the driver must supply the header and the status byte. */
        virtio_error(&blk->vdev, "request without header or status byte");
        virtqueue_element_free(e);
        return;
    }
    VirtioBlkReq *r = g_new0(VirtioBlkReq, 1);
    r->blk = blk;
    r->vq = vq;
    r->elem = e;
    r->status = status_byte(e);
    uint8_t status = start_request(r);
    if (status != 0xff)
        req_complete(r, status);
}

static void handle_queue(VirtioDevice *vdev, VirtQueue *vq)
{
    VirtioBlk *blk = (VirtioBlk *)vdev;
    do {
        virtqueue_set_notification(vq, false);
        VirtqElement *e;
        int r;
        while ((r = virtqueue_pop(vq, &e)) == 1)
            process(blk, vq, e);
        if (r < 0 || vq->throttled)
            return;
        virtqueue_set_notification(vq, true);
    } while (virtqueue_has_work(vq));
}

/* ---- Configuration space (§5.2.4) ---- */

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t blk_config_read(VirtioDevice *vdev, uint64_t offset, unsigned size)
{
    VirtioBlk *blk = (VirtioBlk *)vdev;
    uint8_t c[VIRTIO_BLK_CONFIG_LEN] = {0};
    put_le(c + 0, blk->capacity, 8);                   /* capacity */
    put_le(c + 12, vdev->vq[0].num_max - 2, 4);        /* seg_max */
    put_le(c + 20, BLOCK_SECTOR_SIZE, 4);              /* blk_size */
    put_le(c + 34, 1, 2);                              /* num_queues */
    put_le(c + 36, VIRTIO_BLK_MAX_DISCARD_SECTORS, 4); /* max_discard_sectors */
    put_le(c + 40, 1, 4);                              /* max_discard_seg */
    put_le(c + 44, 1, 4);                              /* discard_sector_alignment */
    put_le(c + 48, VIRTIO_BLK_MAX_DISCARD_SECTORS, 4); /* max_write_zeroes_sectors */
    put_le(c + 52, 1, 4);                              /* max_write_zeroes_seg */
    c[56] = 1;                                         /* write_zeroes_may_unmap */
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < sizeof(c); i++)
        v |= (uint64_t)c[offset + i] << (8 * i);
    return v;
}

static void blk_config_write(VirtioDevice *vdev, uint64_t offset, uint64_t val, unsigned size)
{
    (void)val;
    log_printf(vdev->log, LOG_GUEST_ERROR, "%s: write to read-only config 0x%llx/%u\n", vdev->name,
               (unsigned long long)offset, size);
}

void virtio_blk_drain(VirtioBlk *blk)
{
    while (blk->inflight > 0)
        aio_context_wait(blk->aio);
}

static void blk_reset(VirtioDevice *vdev)
{
    VirtioBlk *blk = (VirtioBlk *)vdev;
    /* §2.1.2: after reset the device must not use the buffers; wait for the data
     * transfers the pool is doing into guest RAM, without interrupting anyone. */
    blk->resetting = true;
    virtio_blk_drain(blk);
    blk->resetting = false;
}

static const VirtioDeviceOps blk_ops = {
    .reset = blk_reset,
    .config_read = blk_config_read,
    .config_write = blk_config_write,
};

void virtio_blk_init(VirtioBlk *blk, const VirtioBlkOptions *o)
{
    uint64_t features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                        (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) |
                        (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
    if (o->node->read_only)
        features |= 1ull << VIRTIO_BLK_F_RO;
    virtio_init(&blk->vdev, "virtio-blk", VIRTIO_ID_BLOCK, VIRTIO_BLK_CONFIG_LEN, features,
                &blk_ops, o->mem, o->log);
    blk->vdev.dma_written = o->dma_written;
    blk->vdev.dma_opaque = o->dma_opaque;
    blk->node = o->node;
    blk->aio = o->aio;
    blk->capacity = o->node->size / BLOCK_SECTOR_SIZE;
    blk->inflight = 0;
    blk->resetting = false;
    memset(blk->serial, 0, sizeof(blk->serial));
    if (o->serial)
        memcpy(blk->serial, o->serial, MIN(strlen(o->serial), sizeof(blk->serial)));
    virtio_add_queue(&blk->vdev, o->queue_size ? o->queue_size : VIRTIO_BLK_QUEUE_SIZE,
                     handle_queue);
}

VirtioBlkPci *virtio_blk_pci_new(PciBus *bus, uint8_t devfn, const VirtioBlkOptions *opts,
                                 const VirtioPciConfig *pci_cfg)
{
    VirtioBlkPci *d = g_new0(VirtioBlkPci, 1);
    virtio_blk_init(&d->blk, opts);
    /* Class 0x010000: mass storage, SCSI, as QEMU's virtio-blk-pci. */
    virtio_pci_init(&d->pci, bus, devfn, &d->blk.vdev, 0x010000, pci_cfg);
    return d;
}

void virtio_blk_pci_free(VirtioBlkPci *d)
{
    if (!d)
        return;
    virtio_blk_drain(&d->blk);
    virtio_pci_destroy(&d->pci);
    g_free(d);
}
