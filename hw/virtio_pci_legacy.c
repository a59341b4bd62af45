/* The legacy interface of a transitional virtio PCI device (virtio 1.1 §4.1.4.8,
 * "Legacy Interfaces: A Note on PCI Device Layout"): an I/O BAR0 whose registers are
 *
 *   0x00 host features (32, R)     0x0c queue size (16, R)     0x12 device status (8)
 *   0x04 guest features (32, RW)   0x0e queue select (16)      0x13 ISR status (8, R)
 *   0x08 queue address (32, PFN)   0x10 queue notify (16, W)
 *
 * then, only while MSI-X is enabled, 0x14 config vector and 0x16 queue vector (16
 * each); the device configuration follows at 0x14, or 0x18 with MSI-X enabled.
 *
 * A legacy queue is num_max entries at a page frame: the descriptor table, the
 * available ring right after it, the used ring at the next 4096-byte boundary
 * (§2.6.2 "Legacy Interfaces: A Note on Virtqueue Layout"). */
#include "hw/virtio_pci.h"
#include "hw/virtio_pci_internal.h"

#define LEGACY_HOST_FEATURES  0x00
#define LEGACY_GUEST_FEATURES 0x04
#define LEGACY_QUEUE_PFN      0x08
#define LEGACY_QUEUE_NUM      0x0c
#define LEGACY_QUEUE_SEL      0x0e
#define LEGACY_QUEUE_NOTIFY   0x10
#define LEGACY_STATUS         0x12
#define LEGACY_ISR            0x13
#define LEGACY_CONFIG_VECTOR  0x14
#define LEGACY_QUEUE_VECTOR   0x16
#define LEGACY_CONFIG         0x14
#define LEGACY_CONFIG_MSIX    0x18
#define LEGACY_PAGE_SHIFT     12
#define LEGACY_RING_ALIGN     4096

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint64_t config_base(VirtioPci *p)
{
    return virtio_pci_msix_enabled(p) ? LEGACY_CONFIG_MSIX : LEGACY_CONFIG;
}

static VirtQueue *legacy_queue(VirtioPci *p)
{
    return p->queue_select < p->vdev->nqueues ? &p->vdev->vq[p->queue_select] : NULL;
}

static uint32_t queue_pfn(const VirtQueue *q)
{
    return q && q->enabled ? (uint32_t)(q->desc >> LEGACY_PAGE_SHIFT) : 0;
}

/* Device configuration through the legacy window: in bounds or nothing. */
static uint64_t legacy_config_read(VirtioPci *p, uint64_t off, unsigned size)
{
    VirtioDevice *v = p->vdev;
    if (off + size > v->config_len || !v->ops->config_read)
        return 0;
    return v->ops->config_read(v, off, size);
}

static uint64_t legacy_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtioPci *p = opaque;
    VirtioDevice *v = p->vdev;
    uint64_t cfg = config_base(p);
    if (addr >= cfg)
        return legacy_config_read(p, addr - cfg, size);
    VirtQueue *q = legacy_queue(p);
    switch (addr) {
    case LEGACY_HOST_FEATURES:
        /* VERSION_1 is for modern drivers only. */
        return (uint32_t)v->host_features;
    case LEGACY_GUEST_FEATURES: return (uint32_t)v->guest_features;
    case LEGACY_QUEUE_PFN: return queue_pfn(q);
    case LEGACY_QUEUE_NUM: return q ? q->num_max : 0;
    case LEGACY_QUEUE_SEL: return p->queue_select;
    case LEGACY_STATUS: return v->status;
    case LEGACY_ISR: {
        /* Read to clear, as the modern ISR (§4.1.4.5). */
        uint8_t isr = v->isr;
        v->isr = 0;
        virtio_pci_update_intx(p);
        return isr;
    }
    case LEGACY_CONFIG_VECTOR: return v->config_vector;
    case LEGACY_QUEUE_VECTOR: return q ? q->msix_vector : VIRTIO_NO_VECTOR;
    default: return 0;
    }
}

/* A page frame number sets up the selected queue at its legacy layout; 0 turns it off. */
static void legacy_set_queue(VirtioPci *p, uint32_t pfn)
{
    VirtioDevice *v = p->vdev;
    VirtQueue *q = legacy_queue(p);
    if (!q) {
        log_printf(p->log, LOG_GUEST_ERROR, "%s: legacy address for queue %u that does not exist\n",
                   v->name, p->queue_select);
        return;
    }
    v->legacy = true;
    if (pfn == 0) {
        q->enabled = false;
        q->desc = q->avail = q->used = 0;
        return;
    }
    if (q->enabled) {
        log_printf(p->log, LOG_GUEST_ERROR, "%s: queue %u moved while in use: ignored\n", v->name,
                   q->index);
        return;
    }
    q->num = q->num_max;
    q->desc = (uint64_t)pfn << LEGACY_PAGE_SHIFT;
    q->avail = q->desc + virtq_desc_size(q->num);
    q->used = align_up(q->avail + virtq_avail_size(q->num), LEGACY_RING_ALIGN);
    virtio_queue_enable(v, q->index);
}

static void legacy_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtioPci *p = opaque;
    VirtioDevice *v = p->vdev;
    uint64_t cfg = config_base(p);
    if (addr >= cfg) {
        if (addr - cfg + size <= v->config_len && v->ops->config_write)
            v->ops->config_write(v, addr - cfg, val, size);
        return;
    }
    VirtQueue *q = legacy_queue(p);
    switch (addr) {
    case LEGACY_GUEST_FEATURES:
        if (v->status & VIRTIO_STATUS_DRIVER_OK)
            log_printf(p->log, LOG_GUEST_ERROR, "%s: features written after DRIVER_OK\n", v->name);
        else
            virtio_set_legacy_features(v, (uint32_t)val);
        break;
    case LEGACY_QUEUE_PFN: legacy_set_queue(p, (uint32_t)val); break;
    case LEGACY_QUEUE_SEL: p->queue_select = (uint16_t)val; break;
    case LEGACY_QUEUE_NOTIFY: virtio_queue_notify(v, (unsigned)(val & 0xffff)); break;
    case LEGACY_STATUS:
        v->legacy = true;
        virtio_set_status(v, (uint8_t)val);
        virtio_pci_update_intx(p);
        break;
    case LEGACY_CONFIG_VECTOR: v->config_vector = virtio_pci_checked_vector(p, val); break;
    case LEGACY_QUEUE_VECTOR:
        if (q)
            q->msix_vector = virtio_pci_checked_vector(p, val);
        break;
    default:
        log_printf(p->log, LOG_GUEST_ERROR, "%s: write to read-only legacy register 0x%llx\n",
                   v->name, (unsigned long long)addr);
    }
}

static const MemoryRegionOps legacy_ops = {
    .read = legacy_read, .write = legacy_write, .min_access = 1, .max_access = 4};

uint64_t virtio_pci_legacy_bar_size(const VirtioDevice *vdev)
{
    uint64_t size = 4;
    while (size < LEGACY_CONFIG_MSIX + vdev->config_len)
        size *= 2;
    return size;
}

void virtio_pci_legacy_init(VirtioPci *p, PciBus *bus)
{
    uint64_t size = virtio_pci_legacy_bar_size(p->vdev);
    p->legacy_region =
        address_space_add_mmio(bus->io, "virtio-pci-legacy", 0, size, &legacy_ops, p, 0);
    pci_register_bar(&p->pci, VIRTIO_PCI_LEGACY_BAR, PCI_BAR_IO, size, p->legacy_region);
}
