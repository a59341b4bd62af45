/* Virtio devices, independent of the transport (OASIS "Virtual I/O Device (VIRTIO)
 * Version 1.1", cited as "virtio 1.1 §N"): device status and reset (§2.1), feature
 * bits (§2.2), split virtqueues (§2.6) with indirect descriptors (§2.6.5.3) and
 * event-index notification suppression (§2.6.7, §2.6.10).
 *
 * Every ring the driver hands us is untrusted. Each descriptor chain is checked before
 * a device sees it: buffers must be guest RAM (never MMIO, the device's own registers
 * included, and never ROM for device-writable ones), lengths must not wrap, chains
 * must end within the queue size (which also catches loops), indirect tables must not
 * nest, device-readable buffers must come before device-writable ones, and ring
 * indices must stay within the queue. A violation logs a guest error (-d guest_errors)
 * and sets DEVICE_NEEDS_RESET (§2.1.2); the device then stops processing until reset.
 * No more requests than the queue size are taken in flight per queue.
 *
 * Threading: every function here runs with the machine lock held.
 */
#ifndef PACIFICA_HW_VIRTIO_H
#define PACIFICA_HW_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "system/log.h"
#include "system/memory.h"

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE        1
#define VIRTIO_STATUS_DRIVER             2
#define VIRTIO_STATUS_DRIVER_OK          4
#define VIRTIO_STATUS_FEATURES_OK        8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128

/* Reserved feature bits (§6). */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32

/* Split virtqueue layout (§2.6). */
#define VIRTQ_DESC_F_NEXT          1
#define VIRTQ_DESC_F_WRITE         2
#define VIRTQ_DESC_F_INDIRECT      4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1
#define VIRTQ_DESC_SIZE            16

#define VIRTIO_QUEUE_MAX   8
#define VIRTQ_MAX_SIZE     1024 /* queue size the transports offer at most */
#define VIRTQ_MAX_INDIRECT 1024 /* entries in one indirect table */
#define VIRTQ_MAX_IOV      2048 /* host pieces of one element */
#define VIRTIO_NO_VECTOR   0xffff
#define VIRTIO_ISR_QUEUE   1
#define VIRTIO_ISR_CONFIG  2

struct VirtioDevice;

/* One descriptor chain taken from the available ring: the device-readable buffers
 * (out) then the device-writable ones (in), as host pointers into guest RAM with the
 * guest-physical address of each piece. */
typedef struct VirtqElement {
    uint16_t head;
    unsigned out_num, in_num;
    struct iovec *out_iov, *in_iov;
    uint64_t *out_addr, *in_addr;
    size_t out_len, in_len; /* byte totals */
} VirtqElement;

typedef struct VirtQueue {
    struct VirtioDevice *vdev;
    unsigned index;
    uint16_t num_max; /* what the device supports (queue_size after reset) */
    uint16_t num;     /* chosen by the driver: a power of 2 <= num_max */
    bool enabled;
    uint16_t msix_vector;
    uint64_t desc, avail, used; /* guest-physical ring addresses */
    uint16_t last_avail_idx;    /* next available entry to take */
    uint16_t used_idx;          /* our copy of used->idx */
    uint16_t signalled_used;    /* used_idx when the driver was last interrupted */
    bool signalled_used_valid;
    unsigned inflight; /* popped, not yet pushed */
    bool throttled;    /* a pop stopped because inflight reached num */
    void (*handle)(struct VirtioDevice *vdev, struct VirtQueue *vq); /* driver notified */
} VirtQueue;

typedef struct VirtioDeviceOps {
    /* Device-specific reset: finish or cancel requests in flight (§2.1.2: the device
     * must not touch the rings after reset). */
    void (*reset)(struct VirtioDevice *vdev);
    /* Device configuration space (§2.4) access, offset inside it. */
    uint64_t (*config_read)(struct VirtioDevice *vdev, uint64_t offset, unsigned size);
    void (*config_write)(struct VirtioDevice *vdev, uint64_t offset, uint64_t val, unsigned size);
} VirtioDeviceOps;

/* What the transport provides: raising an interrupt for a queue or config change. */
typedef struct VirtioTransport {
    void (*notify)(void *opaque, uint16_t vector);
    void *opaque;
} VirtioTransport;

typedef struct VirtioDevice {
    const char *name;
    uint16_t device_id; /* §5: 2 = block */
    AddressSpace *as;   /* guest memory, for the rings and buffers */
    const Log *log;
    const VirtioDeviceOps *ops;
    VirtioTransport transport;
    /* Called after the device wrote guest RAM (buffers, rings), so that translated code
     * on those pages is dropped (the board wires it to the accelerator). May be NULL. */
    void (*dma_written)(void *opaque, uint64_t addr, uint64_t len);
    void *dma_opaque;

    uint64_t host_features;  /* offered */
    uint64_t guest_features; /* written by the driver */
    uint8_t status;
    uint8_t isr;
    uint8_t config_generation;
    uint16_t config_vector;
    uint32_t config_len;
    bool broken; /* DEVICE_NEEDS_RESET set: nothing is processed until reset */
    /* The driver uses the legacy interface (virtio 1.1 §4.1.4.8, set by the transport
     * until reset): no FEATURES_OK step, no VERSION_1. */
    bool legacy;
    unsigned nqueues;
    VirtQueue vq[VIRTIO_QUEUE_MAX];
} VirtioDevice;

void virtio_init(VirtioDevice *vdev, const char *name, uint16_t device_id, uint32_t config_len,
                 uint64_t device_features, const VirtioDeviceOps *ops, AddressSpace *as,
                 const Log *log);
VirtQueue *virtio_add_queue(VirtioDevice *vdev, uint16_t num_max,
                            void (*handle)(VirtioDevice *vdev, VirtQueue *vq));

/* Writing 0 resets the device (§2.1.1, §4.1.4.3.1); FEATURES_OK is refused (left clear)
 * if the driver accepted features we did not offer or not VERSION_1 (§3.1.1). */
void virtio_set_status(VirtioDevice *vdev, uint8_t status);
/* Legacy drivers write the low 32 feature bits once; bits we did not offer (and
 * VERSION_1, which only modern drivers take) are dropped with a guest error. */
void virtio_set_legacy_features(VirtioDevice *vdev, uint32_t features);
void virtio_reset(VirtioDevice *vdev);
bool virtio_has_feature(const VirtioDevice *vdev, unsigned bit);
/* Checks the queue's configuration and enables it (queue_enable = 1). */
bool virtio_queue_enable(VirtioDevice *vdev, unsigned index);
/* The driver notified queue index (§2.6.10.2). */
void virtio_queue_notify(VirtioDevice *vdev, unsigned index);
/* Marks the device broken: logs under guest_errors, sets DEVICE_NEEDS_RESET and
 * sends a configuration change notification (§2.1.2). */
void virtio_error(VirtioDevice *vdev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Configuration change notification (§4.1.4.5). */
void virtio_notify_config(VirtioDevice *vdev);

/* Takes the next chain: 1 and *elem (free with virtqueue_element_free), 0 if there is
 * none (or too many in flight), -1 if the ring is bad (the device is then broken). */
int virtqueue_pop(VirtQueue *vq, VirtqElement **elem);
/* Puts a finished chain in the used ring; len is the number of bytes written to its
 * device-writable buffers. */
void virtqueue_push(VirtQueue *vq, const VirtqElement *elem, uint32_t len);
/* Several chains at once: virtqueue_fill puts each at used_idx + offset (offset 0, 1,
 * ...), virtqueue_flush then publishes count of them. */
void virtqueue_fill(VirtQueue *vq, const VirtqElement *elem, uint32_t len, unsigned offset);
void virtqueue_flush(VirtQueue *vq, unsigned count);
/* Gives back the last chain taken (and not filled): the next pop takes it again. Undo
 * several pops in reverse order. The element itself is freed by the caller. */
void virtqueue_unpop(VirtQueue *vq);
/* Interrupts the driver for vq unless it suppressed that (§2.6.7.2, §2.6.10.1). */
void virtqueue_notify(VirtQueue *vq);
/* Asks the driver to (not) notify us of new buffers (§2.6.7.1, §2.6.10.2). */
void virtqueue_set_notification(VirtQueue *vq, bool enable);
/* Whether the available ring has entries we have not taken. */
bool virtqueue_has_work(VirtQueue *vq);
void virtqueue_element_free(VirtqElement *elem);

/* Bytes of ring memory for a queue of num entries (§2.6). */
static inline uint64_t virtq_desc_size(unsigned num)
{
    return (uint64_t)VIRTQ_DESC_SIZE * num;
}

static inline uint64_t virtq_avail_size(unsigned num)
{
    return 6 + 2 * (uint64_t)num; /* flags, idx, ring[num], used_event */
}

static inline uint64_t virtq_used_size(unsigned num)
{
    return 6 + 8 * (uint64_t)num; /* flags, idx, ring[num] of {id, len}, avail_event */
}

#endif
