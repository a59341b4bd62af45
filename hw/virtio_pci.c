/* The modern virtio PCI transport (virtio 1.1 §4.1) with MSI-X (PCI Local Bus
 * Specification 3.0 §6.8.2) and INTx fallback. */
#include "hw/virtio_pci.h"
#include "hw/virtio_pci_internal.h"

#include <string.h>

#define PCI_CAP_ID_MSIX           0x11
#define PCI_CAP_ID_VNDR           0x09
#define VIRTIO_PCI_CAP_LEN        16
#define VIRTIO_PCI_CAP_BAR_OFF    4
#define VIRTIO_PCI_CAP_OFFSET_OFF 8
#define VIRTIO_PCI_CAP_LENGTH_OFF 12
#define VIRTIO_PCI_CFG_DATA       (VIRTIO_PCI_PCI_CFG_CAP + 16)

bool virtio_pci_msix_enabled(const VirtioPci *p)
{
    return pci_get_word(p->pci.config + VIRTIO_PCI_MSIX_CAP + 2) & PCI_MSIX_FLAGS_ENABLE;
}

static bool msix_function_masked(const VirtioPci *p)
{
    return pci_get_word(p->pci.config + VIRTIO_PCI_MSIX_CAP + 2) & PCI_MSIX_FLAGS_MASK;
}

static bool msix_entry_masked(const VirtioPci *p, unsigned v)
{
    return pci_get_long(p->msix_table + v * PCI_MSIX_ENTRY_SIZE + 12) & PCI_MSIX_ENTRY_MASKED;
}

/* Sends vector v now, or marks it pending while masked (§6.8.2.9). */
static void msix_send(VirtioPci *p, unsigned v)
{
    if (v >= p->msix_vectors)
        return;
    if (msix_function_masked(p) || msix_entry_masked(p, v)) {
        p->msix_pending |= 1u << v;
        return;
    }
    p->msix_pending &= ~(1u << v);
    /* An MSI is a memory write the function makes as bus master. */
    if (!(pci_get_word(p->pci.config + PCI_COMMAND) & PCI_COMMAND_MASTER) || !p->cfg.msi_deliver) {
        log_printf(p->log, LOG_GUEST_ERROR, "%s: MSI-X vector %u dropped (bus master off)\n",
                   p->vdev->name, v);
        return;
    }
    const uint8_t *e = p->msix_table + v * PCI_MSIX_ENTRY_SIZE;
    uint64_t addr = pci_get_long(e) | (uint64_t)pci_get_long(e + 4) << 32;
    p->cfg.msi_deliver(p->cfg.msi_opaque, addr, pci_get_long(e + 8));
}

/* Sends every pending vector that is no longer masked. */
static void msix_flush_pending(VirtioPci *p)
{
    for (unsigned v = 0; v < p->msix_vectors; v++) {
        if ((p->msix_pending >> v) & 1 && !msix_function_masked(p) && !msix_entry_masked(p, v))
            msix_send(p, v);
    }
}

void virtio_pci_update_intx(VirtioPci *p)
{
    pci_set_irq(&p->pci, !virtio_pci_msix_enabled(p) && p->vdev->isr != 0);
}

static void transport_notify(void *opaque, uint16_t vector)
{
    VirtioPci *p = opaque;
    if (virtio_pci_msix_enabled(p)) {
        if (vector != VIRTIO_NO_VECTOR)
            msix_send(p, vector);
    } else {
        virtio_pci_update_intx(p);
    }
}

/* ---- Common configuration (§4.1.4.3) ---- */

static VirtQueue *selected_queue(VirtioPci *p)
{
    return p->queue_select < p->vdev->nqueues ? &p->vdev->vq[p->queue_select] : NULL;
}

static void put16(uint8_t *b, unsigned off, uint16_t v)
{
    pci_set_word(b + off, v);
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
    pci_set_long(b + off, v);
}

/* The structure as the driver would see it now. */
static void common_snapshot(VirtioPci *p, uint8_t *b)
{
    VirtioDevice *v = p->vdev;
    memset(b, 0, VIRTIO_PCI_COMMON_SIZE);
    put32(b, VIRTIO_PCI_COMMON_DFSELECT, p->dfselect);
    put32(b, VIRTIO_PCI_COMMON_DF,
          p->dfselect < 2 ? (uint32_t)(v->host_features >> (32 * p->dfselect)) : 0);
    put32(b, VIRTIO_PCI_COMMON_GFSELECT, p->gfselect);
    put32(b, VIRTIO_PCI_COMMON_GF,
          p->gfselect < 2 ? (uint32_t)(v->guest_features >> (32 * p->gfselect)) : 0);
    put16(b, VIRTIO_PCI_COMMON_MSIX, v->config_vector);
    put16(b, VIRTIO_PCI_COMMON_NUMQ, (uint16_t)v->nqueues);
    b[VIRTIO_PCI_COMMON_STATUS] = v->status;
    b[VIRTIO_PCI_COMMON_CFGGEN] = v->config_generation;
    put16(b, VIRTIO_PCI_COMMON_Q_SELECT, p->queue_select);
    VirtQueue *q = selected_queue(p);
    if (!q)
        return; /* queue_size 0: the queue does not exist */
    put16(b, VIRTIO_PCI_COMMON_Q_SIZE, q->num);
    put16(b, VIRTIO_PCI_COMMON_Q_MSIX, q->msix_vector);
    put16(b, VIRTIO_PCI_COMMON_Q_ENABLE, q->enabled);
    put16(b, VIRTIO_PCI_COMMON_Q_NOFF, (uint16_t)q->index);
    put32(b, VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)q->desc);
    put32(b, VIRTIO_PCI_COMMON_Q_DESCHI, (uint32_t)(q->desc >> 32));
    put32(b, VIRTIO_PCI_COMMON_Q_AVAILLO, (uint32_t)q->avail);
    put32(b, VIRTIO_PCI_COMMON_Q_AVAILHI, (uint32_t)(q->avail >> 32));
    put32(b, VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)q->used);
    put32(b, VIRTIO_PCI_COMMON_Q_USEDHI, (uint32_t)(q->used >> 32));
}

static uint64_t common_read(VirtioPci *p, uint64_t off, unsigned size)
{
    uint8_t b[VIRTIO_PCI_COMMON_SIZE];
    if (off + size > VIRTIO_PCI_COMMON_SIZE)
        return 0;
    common_snapshot(p, b);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)b[off + i] << (8 * i);
    return v;
}

uint16_t virtio_pci_checked_vector(VirtioPci *p, uint64_t val)
{
    return val < p->msix_vectors ? (uint16_t)val : VIRTIO_NO_VECTOR;
}

static void set_half(uint64_t *field, bool high, uint32_t val)
{
    if (high)
        *field = (*field & 0xffffffffull) | (uint64_t)val << 32;
    else
        *field = (*field & ~0xffffffffull) | val;
}

/* Queue fields: only while the queue is disabled (§4.1.4.3.2: the driver configures a
 * queue before enabling it); afterwards size and addresses stay as validated. */
static void queue_write(VirtioPci *p, uint64_t off, uint64_t val)
{
    VirtQueue *q = selected_queue(p);
    if (!q) {
        log_printf(p->log, LOG_GUEST_ERROR, "%s: write to queue %u that does not exist\n",
                   p->vdev->name, p->queue_select);
        return;
    }
    if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
        q->msix_vector = virtio_pci_checked_vector(p, val);
        return;
    }
    if (off == VIRTIO_PCI_COMMON_Q_ENABLE) {
        if (val == 1 && !q->enabled)
            virtio_queue_enable(p->vdev, q->index);
        else if (val != 1)
            log_printf(p->log, LOG_GUEST_ERROR, "%s: queue_enable written with %llu\n",
                       p->vdev->name, (unsigned long long)val);
        return;
    }
    if (q->enabled) {
        log_printf(p->log, LOG_GUEST_ERROR,
                   "%s: queue %u reconfigured while enabled (offset 0x%llx): ignored\n",
                   p->vdev->name, q->index, (unsigned long long)off);
        return;
    }
    uint32_t v32 = (uint32_t)val;
    switch (off) {
    case VIRTIO_PCI_COMMON_Q_SIZE: q->num = (uint16_t)val; break;
    case VIRTIO_PCI_COMMON_Q_DESCLO: set_half(&q->desc, false, v32); break;
    case VIRTIO_PCI_COMMON_Q_DESCHI: set_half(&q->desc, true, v32); break;
    case VIRTIO_PCI_COMMON_Q_AVAILLO: set_half(&q->avail, false, v32); break;
    case VIRTIO_PCI_COMMON_Q_AVAILHI: set_half(&q->avail, true, v32); break;
    case VIRTIO_PCI_COMMON_Q_USEDLO: set_half(&q->used, false, v32); break;
    case VIRTIO_PCI_COMMON_Q_USEDHI: set_half(&q->used, true, v32); break;
    default:
        log_printf(p->log, LOG_GUEST_ERROR, "%s: write to read-only common offset 0x%llx\n",
                   p->vdev->name, (unsigned long long)off);
    }
}

static void common_write(VirtioPci *p, uint64_t off, uint64_t val)
{
    VirtioDevice *v = p->vdev;
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT: p->dfselect = (uint32_t)val; break;
    case VIRTIO_PCI_COMMON_GFSELECT: p->gfselect = (uint32_t)val; break;
    case VIRTIO_PCI_COMMON_GF:
        /* §3.1.1: features are written before FEATURES_OK, not after. */
        if (p->gfselect < 2 && !(v->status & VIRTIO_STATUS_FEATURES_OK)) {
            unsigned shift = 32 * p->gfselect;
            v->guest_features =
                (v->guest_features & ~(0xffffffffull << shift)) | ((val & 0xffffffffull) << shift);
        } else {
            log_printf(p->log, LOG_GUEST_ERROR, "%s: driver features written too late\n", v->name);
        }
        break;
    case VIRTIO_PCI_COMMON_MSIX: v->config_vector = virtio_pci_checked_vector(p, val); break;
    case VIRTIO_PCI_COMMON_STATUS:
        virtio_set_status(v, (uint8_t)val);
        virtio_pci_update_intx(p);
        break;
    case VIRTIO_PCI_COMMON_Q_SELECT: p->queue_select = (uint16_t)val; break;
    default: queue_write(p, off, val); break;
    }
}

/* ---- The modern BAR ---- */

static uint64_t modern_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtioPci *p = opaque;
    uint64_t off = addr % VIRTIO_PCI_REGION_SIZE;
    switch (addr / VIRTIO_PCI_REGION_SIZE) {
    case VIRTIO_PCI_COMMON_OFFSET / VIRTIO_PCI_REGION_SIZE: return common_read(p, off, size);
    case VIRTIO_PCI_ISR_OFFSET / VIRTIO_PCI_REGION_SIZE: {
        if (off != 0)
            return 0;
        /* §4.1.4.5: reading the ISR status resets it (and deasserts INTx). */
        uint8_t isr = p->vdev->isr;
        p->vdev->isr = 0;
        virtio_pci_update_intx(p);
        return isr;
    }
    case VIRTIO_PCI_DEVICE_OFFSET / VIRTIO_PCI_REGION_SIZE:
        if (off + size <= p->vdev->config_len && p->vdev->ops->config_read)
            return p->vdev->ops->config_read(p->vdev, off, size);
        return 0;
    default: return 0; /* notifications are write-only */
    }
}

static void modern_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtioPci *p = opaque;
    uint64_t off = addr % VIRTIO_PCI_REGION_SIZE;
    switch (addr / VIRTIO_PCI_REGION_SIZE) {
    case VIRTIO_PCI_COMMON_OFFSET / VIRTIO_PCI_REGION_SIZE: common_write(p, off, val); break;
    case VIRTIO_PCI_DEVICE_OFFSET / VIRTIO_PCI_REGION_SIZE:
        if (off + size <= p->vdev->config_len && p->vdev->ops->config_write)
            p->vdev->ops->config_write(p->vdev, off, val, size);
        break;
    case VIRTIO_PCI_NOTIFY_OFFSET / VIRTIO_PCI_REGION_SIZE:
        /* §4.1.4.4: queue i's notify address is cap.offset + i * multiplier. */
        if (off % VIRTIO_PCI_NOTIFY_MULT == 0)
            virtio_queue_notify(p->vdev, (unsigned)(off / VIRTIO_PCI_NOTIFY_MULT));
        break;
    default:
        log_printf(p->log, LOG_GUEST_ERROR, "%s: write to read-only ISR status\n", p->vdev->name);
    }
}

static const MemoryRegionOps modern_ops = {
    .read = modern_read, .write = modern_write, .min_access = 1, .max_access = 4};

/* ---- MSI-X table and PBA ---- */

static uint64_t msix_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtioPci *p = opaque;
    (void)size;
    if (addr >= VIRTIO_PCI_MSIX_PBA_OFFSET)
        return addr == VIRTIO_PCI_MSIX_PBA_OFFSET ? p->msix_pending : 0;
    if (addr + 4 > p->msix_vectors * PCI_MSIX_ENTRY_SIZE)
        return 0;
    return pci_get_long(p->msix_table + addr);
}

static void msix_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtioPci *p = opaque;
    (void)size;
    if (addr >= VIRTIO_PCI_MSIX_PBA_OFFSET || addr + 4 > p->msix_vectors * PCI_MSIX_ENTRY_SIZE) {
        log_printf(p->log, LOG_GUEST_ERROR, "%s: MSI-X write at 0x%llx ignored\n", p->vdev->name,
                   (unsigned long long)addr);
        return;
    }
    pci_set_long(p->msix_table + addr, (uint32_t)val);
    if (addr % PCI_MSIX_ENTRY_SIZE == 12)
        msix_flush_pending(p); /* unmasking sends what was pending */
}

/* Table entries are dwords (§6.8.2: the table is accessed with DWORD or QWORD reads). */
static const MemoryRegionOps msix_ops = {
    .read = msix_read, .write = msix_write, .min_access = 4, .max_access = 4};

/* ---- Configuration space: capabilities ---- */

static void add_virtio_cap(VirtioPci *p, uint8_t at, uint8_t next, uint8_t len, uint8_t type,
                           uint32_t offset, uint32_t length)
{
    uint8_t *c = p->pci.config + at;
    c[0] = PCI_CAP_ID_VNDR;
    c[1] = next;
    c[2] = len;
    c[3] = type;
    c[VIRTIO_PCI_CAP_BAR_OFF] = VIRTIO_PCI_MODERN_BAR;
    pci_set_long(c + VIRTIO_PCI_CAP_OFFSET_OFF, offset);
    pci_set_long(c + VIRTIO_PCI_CAP_LENGTH_OFF, length);
}

static void build_capabilities(VirtioPci *p)
{
    uint8_t *cfg = p->pci.config;
    pci_set_word(cfg + PCI_STATUS, pci_get_word(cfg + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    cfg[PCI_CAPABILITY_LIST] = VIRTIO_PCI_MSIX_CAP;
    /* MSI-X: table size N-1, table and PBA in BAR1; enable and function mask are the
     * writable bits of message control. */
    uint8_t *m = cfg + VIRTIO_PCI_MSIX_CAP;
    m[0] = PCI_CAP_ID_MSIX;
    m[1] = VIRTIO_PCI_COMMON_CAP;
    pci_set_word(m + 2, (uint16_t)(p->msix_vectors - 1));
    pci_set_long(m + 4, 0 | VIRTIO_PCI_MSIX_BAR);
    pci_set_long(m + 8, VIRTIO_PCI_MSIX_PBA_OFFSET | VIRTIO_PCI_MSIX_BAR);
    p->pci.wmask[VIRTIO_PCI_MSIX_CAP + 3] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASK) >> 8;

    add_virtio_cap(p, VIRTIO_PCI_COMMON_CAP, VIRTIO_PCI_NOTIFY_CAP, VIRTIO_PCI_CAP_LEN,
                   VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFFSET, VIRTIO_PCI_COMMON_SIZE);
    add_virtio_cap(p, VIRTIO_PCI_NOTIFY_CAP, VIRTIO_PCI_ISR_CAP, VIRTIO_PCI_CAP_LEN + 4,
                   VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFFSET,
                   VIRTIO_PCI_NOTIFY_MULT * p->vdev->nqueues);
    pci_set_long(cfg + VIRTIO_PCI_NOTIFY_CAP + 16, VIRTIO_PCI_NOTIFY_MULT);
    add_virtio_cap(p, VIRTIO_PCI_ISR_CAP, VIRTIO_PCI_DEVICE_CAP, VIRTIO_PCI_CAP_LEN,
                   VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFFSET, 1);
    /* A device without configuration (virtio-rng) still gets a non-empty window, which
     * reads as zeros: Linux's driver refuses a capability of length 0. */
    add_virtio_cap(p, VIRTIO_PCI_DEVICE_CAP, VIRTIO_PCI_PCI_CFG_CAP, VIRTIO_PCI_CAP_LEN,
                   VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFFSET,
                   p->vdev->config_len ? p->vdev->config_len : 4);
    /* §4.1.4.8: the PCI configuration access window: bar, offset, length and data are
     * the driver's to write. */
    add_virtio_cap(p, VIRTIO_PCI_PCI_CFG_CAP, 0, VIRTIO_PCI_CAP_LEN + 4, VIRTIO_PCI_CAP_PCI_CFG, 0,
                   0);
    cfg[VIRTIO_PCI_PCI_CFG_CAP + VIRTIO_PCI_CAP_BAR_OFF] = 0;
    p->pci.wmask[VIRTIO_PCI_PCI_CFG_CAP + VIRTIO_PCI_CAP_BAR_OFF] = 0xff;
    memset(p->pci.wmask + VIRTIO_PCI_PCI_CFG_CAP + VIRTIO_PCI_CAP_OFFSET_OFF, 0xff, 12);
}

/* The access the PCI configuration window describes, if valid (§4.1.4.8.2: length 1, 2
 * or 4, offset aligned to it, inside the BAR). */
static bool cfg_window(VirtioPci *p, uint64_t *offset, unsigned *len, bool *modern)
{
    const uint8_t *c = p->pci.config + VIRTIO_PCI_PCI_CFG_CAP;
    uint8_t bar = c[VIRTIO_PCI_CAP_BAR_OFF];
    *offset = pci_get_long(c + VIRTIO_PCI_CAP_OFFSET_OFF);
    *len = pci_get_long(c + VIRTIO_PCI_CAP_LENGTH_OFF);
    uint64_t bar_size = bar == VIRTIO_PCI_MODERN_BAR ? VIRTIO_PCI_MODERN_BAR_SIZE
                        : bar == VIRTIO_PCI_MSIX_BAR ? VIRTIO_PCI_MSIX_BAR_SIZE
                                                     : 0;
    *modern = bar == VIRTIO_PCI_MODERN_BAR;
    if (!bar_size || (*len != 1 && *len != 2 && *len != 4) || *offset % *len ||
        *offset + *len > bar_size || (!*modern && *len != 4))
        return false;
    return true;
}

static bool overlaps(unsigned addr, unsigned size, unsigned start, unsigned len)
{
    return addr < start + len && addr + size > start;
}

static uint32_t virtio_pci_config_read(PciDevice *d, unsigned addr, unsigned size)
{
    VirtioPci *p = (VirtioPci *)d;
    if (overlaps(addr, size, VIRTIO_PCI_CFG_DATA, 4)) {
        uint64_t off;
        unsigned len;
        bool modern;
        if (cfg_window(p, &off, &len, &modern)) {
            uint64_t v = modern ? modern_read(p, off, len) : msix_read(p, off, len);
            pci_set_long(d->config + VIRTIO_PCI_CFG_DATA, (uint32_t)v);
        }
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    return v;
}

static void virtio_pci_config_written(PciDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    VirtioPci *p = (VirtioPci *)d;
    (void)val;
    if (overlaps(addr, size, VIRTIO_PCI_MSIX_CAP + 2, 2)) {
        /* MSI-X turned on or off, or the function unmasked. */
        virtio_pci_update_intx(p);
        if (virtio_pci_msix_enabled(p))
            msix_flush_pending(p);
    }
    if (overlaps(addr, size, VIRTIO_PCI_CFG_DATA, 4)) {
        uint64_t off;
        unsigned len;
        bool modern;
        if (!cfg_window(p, &off, &len, &modern))
            return;
        uint32_t data = pci_get_long(d->config + VIRTIO_PCI_CFG_DATA);
        if (modern)
            modern_write(p, off, data & (len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1), len);
        else
            msix_write(p, off, data, len);
    }
}

static void msix_reset(VirtioPci *p)
{
    memset(p->msix_table, 0, sizeof(p->msix_table));
    /* Entries come out of reset masked (§6.8.2.9). */
    for (unsigned v = 0; v < p->msix_vectors; v++)
        pci_set_long(p->msix_table + v * PCI_MSIX_ENTRY_SIZE + 12, PCI_MSIX_ENTRY_MASKED);
    p->msix_pending = 0;
    pci_set_word(p->pci.config + VIRTIO_PCI_MSIX_CAP + 2, (uint16_t)(p->msix_vectors - 1));
}

static void virtio_pci_reset(DeviceState *dev)
{
    VirtioPci *p = (VirtioPci *)dev;
    virtio_reset(p->vdev);
    pci_device_reset(&p->pci);
    msix_reset(p);
    memset(p->pci.config + VIRTIO_PCI_PCI_CFG_CAP + VIRTIO_PCI_CAP_BAR_OFF, 0, 12 + 4);
    p->dfselect = p->gfselect = 0;
    p->queue_select = 0;
}

static const VMStateField virtio_pci_fields[] = {
    VMSTATE_BYTES(VirtioPci, pci.config), VMSTATE_BOOL(VirtioPci, pci.irq_level),
    VMSTATE_U32(VirtioPci, dfselect),     VMSTATE_U32(VirtioPci, gfselect),
    VMSTATE_U16(VirtioPci, queue_select), VMSTATE_BYTES(VirtioPci, msix_table),
    VMSTATE_U32(VirtioPci, msix_pending), VMSTATE_END,
};

/* §4.1.2.3: the transitional PCI device IDs, by virtio device type; 0 for types that
 * have none. */
static uint16_t transitional_device_id(uint16_t type)
{
    static const uint16_t ids[] = {[1] = 0x1000, [2] = 0x1001, [3] = 0x1003, [4] = 0x1005,
                                   [5] = 0x1002, [8] = 0x1004, [9] = 0x1009};
    return type < sizeof(ids) / sizeof(ids[0]) ? ids[type] : 0;
}

void virtio_pci_init(VirtioPci *p, PciBus *bus, uint8_t devfn, VirtioDevice *vdev,
                     uint32_t class_code, const VirtioPciConfig *cfg)
{
    p->vdev = vdev;
    p->mem = bus->mem;
    p->io = bus->io;
    p->legacy_region = NULL;
    p->log = bus->log;
    p->cfg = cfg ? *cfg : (VirtioPciConfig){0};
    p->msix_vectors = vdev->nqueues + 1;
    uint16_t transitional_id = p->cfg.transitional ? transitional_device_id(vdev->device_id) : 0;
    if (transitional_id) {
        /* §4.1.2.1: a transitional device has its own device ID, revision 0 (what
         * legacy drivers check) and the device type as subsystem device ID. */
        pci_device_init(&p->pci, bus, devfn, vdev->name, VIRTIO_PCI_VENDOR_ID, transitional_id, 0,
                        class_code);
        pci_set_word(p->pci.config + PCI_SUBSYSTEM_ID, vdev->device_id);
    } else {
        /* §4.1.2.1: modern device IDs are 0x1040 + type, revision 1 or more; subsystem
         * device ID 0x40 or more. */
        pci_device_init(&p->pci, bus, devfn, vdev->name, VIRTIO_PCI_VENDOR_ID,
                        (uint16_t)(VIRTIO_PCI_DEVICE_ID_BASE + vdev->device_id), 1, class_code);
        pci_set_word(p->pci.config + PCI_SUBSYSTEM_ID, 0x1100);
    }
    pci_set_word(p->pci.config + PCI_SUBSYSTEM_VENDOR_ID, VIRTIO_PCI_VENDOR_ID);
    p->pci.config[PCI_INTERRUPT_PIN] = 1; /* INTA# */
    p->pci.dev.reset = virtio_pci_reset;
    p->pci.dev.fields = virtio_pci_fields;
    p->pci.config_read = virtio_pci_config_read;
    p->pci.config_written = virtio_pci_config_written;
    vdev->transport = (VirtioTransport){transport_notify, p};

    p->msix_region = address_space_add_mmio(bus->mem, "virtio-pci-msix", 0,
                                            VIRTIO_PCI_MSIX_BAR_SIZE, &msix_ops, p, 0);
    p->modern_region = address_space_add_mmio(bus->mem, "virtio-pci-modern", 0,
                                              VIRTIO_PCI_MODERN_BAR_SIZE, &modern_ops, p, 0);
    pci_register_bar(&p->pci, VIRTIO_PCI_MSIX_BAR, 0, VIRTIO_PCI_MSIX_BAR_SIZE, p->msix_region);
    pci_register_bar(&p->pci, VIRTIO_PCI_MODERN_BAR, PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
                     VIRTIO_PCI_MODERN_BAR_SIZE, p->modern_region);
    if (transitional_id)
        virtio_pci_legacy_init(p, bus);
    build_capabilities(p);
    msix_reset(p);
}

void virtio_pci_destroy(VirtioPci *p)
{
    if (p->pci.bus && p->pci.bus->devices[p->pci.devfn] == &p->pci)
        p->pci.bus->devices[p->pci.devfn] = NULL;
    address_space_remove(p->mem, p->msix_region);
    address_space_remove(p->mem, p->modern_region);
    if (p->legacy_region)
        address_space_remove(p->io, p->legacy_region);
}
