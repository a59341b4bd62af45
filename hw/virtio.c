/* Virtio device core and split virtqueues (virtio 1.1 §2). The guest writes the rings
 * from other threads (vCPUs) while we read them, so index loads and stores use acquire
 * and release ordering and full fences where the spec asks for memory barriers
 * (§2.6.13, §2.6.14). */
#include "hw/virtio.h"

#include <glib.h>
#include <stdarg.h>
#include <string.h>

/* ---- Guest memory: rings and buffers must be RAM ---- */

/* Host pointer for len bytes of ring memory at addr, or NULL. */
static uint8_t *ring_ptr(VirtioDevice *v, uint64_t addr, uint64_t len, bool for_write)
{
    return address_space_ram_ptr(v->as, addr, len, for_write);
}

static void dma_written(VirtioDevice *v, uint64_t addr, uint64_t len)
{
    if (v->dma_written && len)
        v->dma_written(v->dma_opaque, addr, len);
}

static bool ring_load16(VirtQueue *vq, uint64_t addr, uint16_t *val)
{
    uint16_t *p = (uint16_t *)ring_ptr(vq->vdev, addr, 2, false);
    if (!p) {
        virtio_error(vq->vdev, "queue %u: ring at 0x%llx is no longer RAM", vq->index,
                     (unsigned long long)addr);
        return false;
    }
    *val = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    return true;
}

static bool ring_store(VirtQueue *vq, uint64_t addr, const void *val, unsigned len)
{
    uint8_t *p = ring_ptr(vq->vdev, addr, len, true);
    if (!p) {
        virtio_error(vq->vdev, "queue %u: ring at 0x%llx is no longer RAM", vq->index,
                     (unsigned long long)addr);
        return false;
    }
    if (len == 2)
        __atomic_store_n((uint16_t *)p, *(const uint16_t *)val, __ATOMIC_RELEASE);
    else
        memcpy(p, val, len);
    dma_written(vq->vdev, addr, len);
    return true;
}

/* ---- Device status, features, reset ---- */

void virtio_init(VirtioDevice *vdev, const char *name, uint16_t device_id, uint32_t config_len,
                 uint64_t device_features, const VirtioDeviceOps *ops, AddressSpace *as,
                 const Log *log)
{
    memset(vdev, 0, sizeof(*vdev));
    vdev->name = name;
    vdev->device_id = device_id;
    vdev->config_len = config_len;
    /* VERSION_1 is what makes this a modern device; indirect descriptors and event
     * indices are handled by the core for every device. */
    vdev->host_features = device_features | (1ull << VIRTIO_F_VERSION_1) |
                          (1ull << VIRTIO_F_RING_INDIRECT_DESC) | (1ull << VIRTIO_F_RING_EVENT_IDX);
    vdev->ops = ops;
    vdev->as = as;
    vdev->log = log;
    vdev->config_vector = VIRTIO_NO_VECTOR;
}

VirtQueue *virtio_add_queue(VirtioDevice *vdev, uint16_t num_max,
                            void (*handle)(VirtioDevice *vdev, VirtQueue *vq))
{
    g_assert(vdev->nqueues < VIRTIO_QUEUE_MAX && num_max <= VIRTQ_MAX_SIZE);
    VirtQueue *vq = &vdev->vq[vdev->nqueues];
    *vq = (VirtQueue){.vdev = vdev,
                      .index = vdev->nqueues,
                      .num_max = num_max,
                      .num = num_max,
                      .msix_vector = VIRTIO_NO_VECTOR,
                      .handle = handle};
    vdev->nqueues++;
    return vq;
}

bool virtio_has_feature(const VirtioDevice *vdev, unsigned bit)
{
    return (vdev->guest_features >> bit) & 1;
}

static void queue_reset(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->enabled = false;
    vq->msix_vector = VIRTIO_NO_VECTOR;
    vq->desc = vq->avail = vq->used = 0;
    vq->last_avail_idx = vq->used_idx = vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->inflight = 0;
    vq->throttled = false;
}

void virtio_reset(VirtioDevice *vdev)
{
    /* The device finishes its requests first, while the rings are still set up. */
    if (vdev->ops && vdev->ops->reset)
        vdev->ops->reset(vdev);
    vdev->status = 0;
    vdev->guest_features = 0;
    vdev->isr = 0;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    vdev->broken = false;
    vdev->legacy = false;
    for (unsigned i = 0; i < vdev->nqueues; i++)
        queue_reset(&vdev->vq[i]);
}

void virtio_error(VirtioDevice *vdev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_printf(vdev->log, LOG_GUEST_ERROR, "%s: %s: device needs reset\n", vdev->name, msg);
    g_free(msg);
    if (vdev->broken)
        return;
    vdev->broken = true;
    /* §2.1.2: only a device the driver has set up reports it; before that the driver
     * finds out when it sets DRIVER_OK. */
    vdev->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    if (vdev->status & VIRTIO_STATUS_DRIVER_OK)
        virtio_notify_config(vdev);
}

void virtio_notify_config(VirtioDevice *vdev)
{
    vdev->config_generation++;
    vdev->isr |= VIRTIO_ISR_CONFIG;
    if (vdev->transport.notify)
        vdev->transport.notify(vdev->transport.opaque, vdev->config_vector);
}

/* §3.1.1: the driver may only accept features we offered, and a modern device needs
 * VERSION_1. */
static bool features_acceptable(VirtioDevice *vdev)
{
    uint64_t extra = vdev->guest_features & ~vdev->host_features;
    if (extra) {
        log_printf(vdev->log, LOG_GUEST_ERROR, "%s: driver accepted unoffered features 0x%llx\n",
                   vdev->name, (unsigned long long)extra);
        return false;
    }
    if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        log_printf(vdev->log, LOG_GUEST_ERROR, "%s: driver did not accept VERSION_1\n", vdev->name);
        return false;
    }
    return true;
}

void virtio_set_status(VirtioDevice *vdev, uint8_t status)
{
    if (status == 0) {
        virtio_reset(vdev);
        return;
    }
    uint8_t added = status & ~vdev->status;
    if (vdev->legacy) {
        /* §4.1.4.8 / §3.1.2 legacy initialisation: features are final when written and
         * there is no FEATURES_OK; DRIVER_OK alone starts the device. */
        vdev->status = (uint8_t)((status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
                                 (vdev->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
        return;
    }
    if ((added & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(vdev))
        status &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
    if ((added & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK)) {
        log_printf(vdev->log, LOG_GUEST_ERROR, "%s: DRIVER_OK without FEATURES_OK\n", vdev->name);
        status &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK;
    }
    /* DEVICE_NEEDS_RESET is the device's bit: the driver cannot set or clear it. */
    status = (uint8_t)((status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
                       (vdev->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
    vdev->status = status;
}

void virtio_set_legacy_features(VirtioDevice *vdev, uint32_t features)
{
    uint64_t offered = vdev->host_features & 0xffffffffull;
    uint64_t extra = features & ~offered;
    if (extra)
        log_printf(vdev->log, LOG_GUEST_ERROR,
                   "%s: legacy driver accepted unoffered features 0x%llx: dropped\n", vdev->name,
                   (unsigned long long)extra);
    vdev->legacy = true;
    vdev->guest_features = features & offered;
}

/* ---- Queue setup ---- */

static bool ring_in_ram(VirtioDevice *v, uint64_t addr, uint64_t len, bool for_write)
{
    return addr + len >= addr && ring_ptr(v, addr, len, for_write) != NULL;
}

bool virtio_queue_enable(VirtioDevice *vdev, unsigned index)
{
    if (index >= vdev->nqueues)
        return false;
    VirtQueue *vq = &vdev->vq[index];
    unsigned num = vq->num;
    /* §2.6: sizes are powers of 2; §2.6 table: desc 16-, avail 2-, used 4-byte
     * alignment. */
    if (num == 0 || num > vq->num_max || (num & (num - 1))) {
        virtio_error(vdev, "queue %u: size %u invalid (power of 2 up to %u)", index, num,
                     vq->num_max);
        return false;
    }
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3)) {
        virtio_error(vdev, "queue %u: misaligned ring addresses", index);
        return false;
    }
    if (!ring_in_ram(vdev, vq->desc, virtq_desc_size(num), false) ||
        !ring_in_ram(vdev, vq->avail, virtq_avail_size(num), false) ||
        !ring_in_ram(vdev, vq->used, virtq_used_size(num), true)) {
        virtio_error(vdev, "queue %u: rings are not all in guest RAM", index);
        return false;
    }
    vq->enabled = true;
    return true;
}

void virtio_queue_notify(VirtioDevice *vdev, unsigned index)
{
    if (index >= vdev->nqueues) {
        log_printf(vdev->log, LOG_GUEST_ERROR, "%s: notify of queue %u that does not exist\n",
                   vdev->name, index);
        return;
    }
    VirtQueue *vq = &vdev->vq[index];
    if (vdev->broken || !(vdev->status & VIRTIO_STATUS_DRIVER_OK) || !vq->enabled)
        return;
    if (vq->handle)
        vq->handle(vdev, vq);
}

/* ---- Descriptor chains ---- */

typedef struct VringDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} VringDesc;

/* Where descriptors are read from: the queue's table or an indirect one. */
typedef struct DescTable {
    uint64_t addr;
    unsigned num;
} DescTable;

static bool read_desc(VirtQueue *vq, const DescTable *t, unsigned i, VringDesc *d)
{
    const uint8_t *p =
        ring_ptr(vq->vdev, t->addr + (uint64_t)i * VIRTQ_DESC_SIZE, VIRTQ_DESC_SIZE, false);
    if (!p) {
        virtio_error(vq->vdev, "queue %u: descriptor table at 0x%llx is not RAM", vq->index,
                     (unsigned long long)t->addr);
        return false;
    }
    uint8_t raw[VIRTQ_DESC_SIZE];
    memcpy(raw, p, sizeof(raw)); /* one snapshot: the guest may change it meanwhile */
    d->addr = (uint64_t)raw[0] | (uint64_t)raw[1] << 8 | (uint64_t)raw[2] << 16 |
              (uint64_t)raw[3] << 24 | (uint64_t)raw[4] << 32 | (uint64_t)raw[5] << 40 |
              (uint64_t)raw[6] << 48 | (uint64_t)raw[7] << 56;
    d->len = (uint32_t)raw[8] | (uint32_t)raw[9] << 8 | (uint32_t)raw[10] << 16 |
             (uint32_t)raw[11] << 24;
    d->flags = (uint16_t)(raw[12] | raw[13] << 8);
    d->next = (uint16_t)(raw[14] | raw[15] << 8);
    return true;
}

/* Growable iovec arrays of an element under construction. */
typedef struct ElemBuilder {
    struct iovec iov[2][64];
    uint64_t addr[2][64];
    struct iovec *big_iov[2];
    uint64_t *big_addr[2];
    unsigned num[2], cap[2];
    size_t len[2];
} ElemBuilder;

static void builder_init(ElemBuilder *b)
{
    for (int k = 0; k < 2; k++) {
        b->big_iov[k] = NULL;
        b->big_addr[k] = NULL;
        b->num[k] = 0;
        b->cap[k] = 64;
        b->len[k] = 0;
    }
}

static void builder_free(ElemBuilder *b)
{
    for (int k = 0; k < 2; k++) {
        g_free(b->big_iov[k]);
        g_free(b->big_addr[k]);
    }
}

static struct iovec *builder_iov(ElemBuilder *b, int k)
{
    return b->big_iov[k] ? b->big_iov[k] : b->iov[k];
}

static uint64_t *builder_addr(ElemBuilder *b, int k)
{
    return b->big_addr[k] ? b->big_addr[k] : b->addr[k];
}

static void builder_append(ElemBuilder *b, int k, void *host, size_t len, uint64_t gpa)
{
    if (b->num[k] == b->cap[k]) {
        unsigned cap = b->cap[k] * 2;
        struct iovec *iov = g_new(struct iovec, cap);
        uint64_t *addr = g_new(uint64_t, cap);
        memcpy(iov, builder_iov(b, k), b->num[k] * sizeof(*iov));
        memcpy(addr, builder_addr(b, k), b->num[k] * sizeof(*addr));
        g_free(b->big_iov[k]);
        g_free(b->big_addr[k]);
        b->big_iov[k] = iov;
        b->big_addr[k] = addr;
        b->cap[k] = cap;
    }
    builder_iov(b, k)[b->num[k]] = (struct iovec){host, len};
    builder_addr(b, k)[b->num[k]] = gpa;
    b->num[k]++;
    b->len[k] += len;
}

/* Maps one buffer into host pieces: every byte must be RAM (writable RAM for a
 * device-writable buffer); a buffer may span adjacent RAM regions. */
static bool map_buffer(VirtQueue *vq, ElemBuilder *b, const VringDesc *d)
{
    VirtioDevice *v = vq->vdev;
    bool is_write = d->flags & VIRTQ_DESC_F_WRITE;
    int k = is_write ? 1 : 0;
    if (d->addr + d->len < d->addr) {
        virtio_error(v, "queue %u: buffer 0x%llx+0x%x wraps around", vq->index,
                     (unsigned long long)d->addr, d->len);
        return false;
    }
    uint64_t addr = d->addr, left = d->len;
    while (left > 0) {
        uint64_t offset, avail;
        const MemoryRegion *mr = address_space_lookup(v->as, addr, &offset, &avail);
        if (!mr || !mr->ram || (is_write && mr->readonly)) {
            virtio_error(v, "queue %u: buffer at 0x%llx is not guest %s", vq->index,
                         (unsigned long long)addr, is_write ? "writable RAM" : "RAM");
            return false;
        }
        uint64_t piece = avail < left ? avail : left;
        if (b->num[0] + b->num[1] >= VIRTQ_MAX_IOV) {
            virtio_error(v, "queue %u: chain has too many buffer pieces", vq->index);
            return false;
        }
        builder_append(b, k, mr->ram + offset, (size_t)piece, addr);
        addr += piece;
        left -= piece;
    }
    return true;
}

/* Switches the walk to the indirect table d points at (§2.6.5.3). */
static bool enter_indirect(VirtQueue *vq, const VringDesc *d, bool inside, DescTable *t)
{
    VirtioDevice *v = vq->vdev;
    if (!virtio_has_feature(v, VIRTIO_F_RING_INDIRECT_DESC)) {
        virtio_error(v, "queue %u: indirect descriptor without the feature", vq->index);
        return false;
    }
    if (inside) {
        virtio_error(v, "queue %u: indirect table inside an indirect table", vq->index);
        return false;
    }
    if (d->flags & VIRTQ_DESC_F_NEXT) {
        virtio_error(v, "queue %u: indirect descriptor with NEXT set", vq->index);
        return false;
    }
    if (d->len == 0 || d->len % VIRTQ_DESC_SIZE || d->len / VIRTQ_DESC_SIZE > VIRTQ_MAX_INDIRECT) {
        virtio_error(v, "queue %u: indirect table length %u invalid", vq->index, d->len);
        return false;
    }
    if (!ring_in_ram(v, d->addr, d->len, false)) {
        virtio_error(v, "queue %u: indirect table at 0x%llx is not RAM", vq->index,
                     (unsigned long long)d->addr);
        return false;
    }
    *t = (DescTable){d->addr, d->len / VIRTQ_DESC_SIZE};
    return true;
}

/* Walks the chain from head, checking every rule, into b. */
static bool walk_chain(VirtQueue *vq, uint16_t head, ElemBuilder *b)
{
    VirtioDevice *v = vq->vdev;
    DescTable t = {vq->desc, vq->num};
    bool indirect = false;
    unsigned i = head, seen = 0;
    for (;;) {
        VringDesc d;
        if (!read_desc(vq, &t, i, &d))
            return false;
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (!enter_indirect(vq, &d, indirect, &t))
                return false;
            indirect = true;
            i = 0;
            seen = 0;
            continue;
        }
        /* A chain visits each descriptor of its table at most once: more means a loop
         * (§2.6.5: chains are no longer than the queue size). */
        if (++seen > t.num) {
            virtio_error(v, "queue %u: descriptor chain from %u loops or is too long", vq->index,
                         head);
            return false;
        }
        if (!(d.flags & VIRTQ_DESC_F_WRITE) && b->num[1] > 0) {
            /* §2.6.4.2: device-writable buffers come after device-readable ones. */
            virtio_error(v, "queue %u: readable buffer after a writable one", vq->index);
            return false;
        }
        if (d.len && !map_buffer(vq, b, &d))
            return false;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return true;
        if (d.next >= t.num) {
            virtio_error(v, "queue %u: next descriptor %u out of range", vq->index, d.next);
            return false;
        }
        i = d.next;
    }
}

static VirtqElement *element_from(ElemBuilder *b, uint16_t head)
{
    VirtqElement *e = g_new0(VirtqElement, 1);
    e->head = head;
    e->out_num = b->num[0];
    e->in_num = b->num[1];
    e->out_len = b->len[0];
    e->in_len = b->len[1];
    e->out_iov = g_memdup2(builder_iov(b, 0), b->num[0] * sizeof(struct iovec));
    e->in_iov = g_memdup2(builder_iov(b, 1), b->num[1] * sizeof(struct iovec));
    e->out_addr = g_memdup2(builder_addr(b, 0), b->num[0] * sizeof(uint64_t));
    e->in_addr = g_memdup2(builder_addr(b, 1), b->num[1] * sizeof(uint64_t));
    return e;
}

void virtqueue_element_free(VirtqElement *elem)
{
    if (!elem)
        return;
    g_free(elem->out_iov);
    g_free(elem->in_iov);
    g_free(elem->out_addr);
    g_free(elem->in_addr);
    g_free(elem);
}

static bool event_idx(const VirtQueue *vq)
{
    return virtio_has_feature(vq->vdev, VIRTIO_F_RING_EVENT_IDX);
}

/* The avail ring's idx field: (avail_idx - last_avail_idx) new entries. */
static bool avail_idx(VirtQueue *vq, uint16_t *idx)
{
    return ring_load16(vq, vq->avail + 2, idx);
}

bool virtqueue_has_work(VirtQueue *vq)
{
    uint16_t idx;
    if (vq->vdev->broken || !vq->enabled || !avail_idx(vq, &idx))
        return false;
    return idx != vq->last_avail_idx;
}

int virtqueue_pop(VirtQueue *vq, VirtqElement **elem)
{
    VirtioDevice *v = vq->vdev;
    *elem = NULL;
    if (v->broken)
        return -1;
    if (!vq->enabled || !(v->status & VIRTIO_STATUS_DRIVER_OK))
        return 0;
    uint16_t idx, head;
    if (!avail_idx(vq, &idx))
        return -1;
    uint16_t pending = (uint16_t)(idx - vq->last_avail_idx);
    if (pending == 0)
        return 0;
    if (pending > vq->num) {
        virtio_error(v, "queue %u: available index moved by %u (size %u)", vq->index, pending,
                     vq->num);
        return -1;
    }
    if (vq->inflight >= vq->num) {
        /* No honest driver has more chains out than descriptors: wait for completions
         * rather than let the guest make us hold unbounded state. */
        vq->throttled = true;
        return 0;
    }
    if (!ring_load16(vq, vq->avail + 4 + 2 * (uint64_t)(vq->last_avail_idx % vq->num), &head))
        return -1;
    if (head >= vq->num) {
        virtio_error(v, "queue %u: head descriptor %u out of range", vq->index, head);
        return -1;
    }
    ElemBuilder b;
    builder_init(&b);
    bool ok = walk_chain(vq, head, &b);
    if (ok)
        *elem = element_from(&b, head);
    builder_free(&b);
    if (!ok)
        return -1;
    vq->last_avail_idx++;
    vq->inflight++;
    if (event_idx(vq)) {
        /* avail_event: notify us once the driver goes past what we have taken. */
        uint16_t ev = vq->last_avail_idx;
        if (!ring_store(vq, vq->used + 4 + 8 * (uint64_t)vq->num, &ev, 2))
            return -1;
    }
    return 1;
}

/* Reports the bytes written into the element's writable buffers. */
static void mark_written(VirtQueue *vq, const VirtqElement *elem, uint32_t len)
{
    for (unsigned i = 0; i < elem->in_num && len > 0; i++) {
        uint32_t n = elem->in_iov[i].iov_len < len ? (uint32_t)elem->in_iov[i].iov_len : len;
        dma_written(vq->vdev, elem->in_addr[i], n);
        len -= n;
    }
}

void virtqueue_push(VirtQueue *vq, const VirtqElement *elem, uint32_t len)
{
    if (vq->inflight > 0)
        vq->inflight--;
    if (vq->vdev->broken || !vq->enabled)
        return; /* the driver must reset: nothing more goes into the rings */
    if (len > elem->in_len)
        len = (uint32_t)elem->in_len;
    mark_written(vq, elem, len);
    uint8_t used_elem[8];
    uint32_t id = elem->head;
    for (int i = 0; i < 4; i++) {
        used_elem[i] = (uint8_t)(id >> (8 * i));
        used_elem[4 + i] = (uint8_t)(len >> (8 * i));
    }
    if (!ring_store(vq, vq->used + 4 + 8 * (uint64_t)(vq->used_idx % vq->num), used_elem, 8))
        return;
    /* §2.6.8.2: the element before the index (the release store orders them). */
    uint16_t idx = (uint16_t)(vq->used_idx + 1);
    if (!ring_store(vq, vq->used + 2, &idx, 2))
        return;
    vq->used_idx = idx;
}

/* Writes used-ring entry used_idx + offset without publishing it: a device that
 * returns several chains for one request (virtio-net's mergeable receive buffers,
 * virtio 1.1 §5.1.6.4) fills them all, then makes them visible at once with
 * virtqueue_flush, so the driver never sees part of the set. */
void virtqueue_fill(VirtQueue *vq, const VirtqElement *elem, uint32_t len, unsigned offset)
{
    if (vq->inflight > 0)
        vq->inflight--;
    if (vq->vdev->broken || !vq->enabled)
        return;
    if (len > elem->in_len)
        len = (uint32_t)elem->in_len;
    mark_written(vq, elem, len);
    uint8_t used_elem[8];
    for (int i = 0; i < 4; i++) {
        used_elem[i] = (uint8_t)((uint32_t)elem->head >> (8 * i));
        used_elem[4 + i] = (uint8_t)(len >> (8 * i));
    }
    uint16_t slot = (uint16_t)(vq->used_idx + offset);
    ring_store(vq, vq->used + 4 + 8 * (uint64_t)(slot % vq->num), used_elem, 8);
}

void virtqueue_flush(VirtQueue *vq, unsigned count)
{
    if (vq->vdev->broken || !vq->enabled)
        return;
    uint16_t idx = (uint16_t)(vq->used_idx + count);
    if (ring_store(vq, vq->used + 2, &idx, 2))
        vq->used_idx = idx;
}

void virtqueue_unpop(VirtQueue *vq)
{
    vq->last_avail_idx--;
    if (vq->inflight > 0)
        vq->inflight--;
}

/* §2.6.7.2 / §2.6.10.1: vring_need_event, in the spec's words: interrupt if the
 * driver's used_event lies in (old, new]. */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static bool should_interrupt(VirtQueue *vq)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* used idx visible before reading flags */
    if (!event_idx(vq)) {
        uint16_t flags;
        if (!ring_load16(vq, vq->avail, &flags))
            return false;
        return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    uint16_t old = vq->signalled_used, now = vq->used_idx, used_event;
    bool valid = vq->signalled_used_valid;
    vq->signalled_used = now;
    vq->signalled_used_valid = true;
    if (!ring_load16(vq, vq->avail + 4 + 2 * (uint64_t)vq->num, &used_event))
        return false;
    return !valid || need_event(used_event, now, old);
}

void virtqueue_notify(VirtQueue *vq)
{
    VirtioDevice *v = vq->vdev;
    if (v->broken || !vq->enabled || !should_interrupt(vq))
        return;
    v->isr |= VIRTIO_ISR_QUEUE;
    if (v->transport.notify)
        v->transport.notify(v->transport.opaque, vq->msix_vector);
}

void virtqueue_set_notification(VirtQueue *vq, bool enable)
{
    if (vq->vdev->broken || !vq->enabled)
        return;
    if (event_idx(vq)) {
        if (enable) {
            uint16_t idx;
            if (!avail_idx(vq, &idx) ||
                !ring_store(vq, vq->used + 4 + 8 * (uint64_t)vq->num, &idx, 2))
                return;
        }
    } else {
        uint16_t flags = enable ? 0 : VIRTQ_USED_F_NO_NOTIFY;
        if (!ring_store(vq, vq->used, &flags, 2))
            return;
    }
    if (enable)
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* then re-check the avail ring */
}
