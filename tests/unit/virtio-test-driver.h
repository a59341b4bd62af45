/* A small fake guest driver for the virtio PCI devices' unit tests: a machine with RAM,
 * a PCI bus and MSI capture, and the driver side of the modern (virtio 1.1 §3.1.1,
 * §4.1.4) and legacy (§4.1.4.8) initialisation and of split virtqueues (§2.6). Included
 * by each test-virtio-*.c; the functions are static, each test uses what it needs. */
#ifndef PACIFICA_TESTS_VIRTIO_TEST_DRIVER_H
#define PACIFICA_TESTS_VIRTIO_TEST_DRIVER_H

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/virtio_pci.h"

#define VT_RAM_SIZE    (16u << 20)
#define VT_MODERN_BASE 0xfe000000ull
#define VT_MSIX_BASE   0xfd000000ull
#define VT_LEGACY_BASE 0xc000
#define VT_DEVFN       PCI_DEVFN(4, 0)
#define VT_RING_BASE   0x10000 /* queue q's rings at VT_RING_BASE + q * VT_RING_STRIDE */
#define VT_RING_STRIDE 0x10000
#define VT_BUF_BASE    0x200000
#define VT_MAX_QUEUES  4

typedef struct VtQueue {
    uint16_t num;
    uint64_t desc, avail, used;
    uint16_t next_desc, last_used;
} VtQueue;

typedef struct VtMachine {
    Log log;
    char *log_buf;
    size_t log_len;
    AddressSpace mem, io;
    uint8_t *ram;
    PciBus *bus;
    int pirq_level[4];
    unsigned msi_count;
    uint64_t msi_addr;
    uint32_t msi_data;
    bool legacy; /* the driver uses BAR0's legacy registers */
    uint8_t caps[6];
    uint64_t notify_base;
    uint32_t notify_mult;
    VtQueue q[VT_MAX_QUEUES];
} VtMachine;

static inline int vt_map_irq(uint8_t devfn, int pin)
{
    return ((devfn >> 3) + pin) & 3;
}

static inline void vt_set_pirq(void *opaque, int pirq, int level)
{
    ((VtMachine *)opaque)->pirq_level[pirq] = level;
}

static inline void vt_msi(void *opaque, uint64_t addr, uint32_t data)
{
    VtMachine *m = opaque;
    m->msi_count++;
    m->msi_addr = addr;
    m->msi_data = data;
}

static inline void vt_machine_init(VtMachine *m)
{
    memset(m, 0, sizeof(*m));
    m->log.mask = LOG_GUEST_ERROR;
    m->log.out = open_memstream(&m->log_buf, &m->log_len);
    address_space_init(&m->mem, "mem", 1ull << 52, &m->log);
    address_space_init(&m->io, "io", 1 << 16, &m->log);
    m->ram = g_malloc0(VT_RAM_SIZE);
    address_space_add_ram(&m->mem, "ram", 0, VT_RAM_SIZE, m->ram, false, 0);
    m->bus = pci_bus_new(&m->mem, &m->io, &m->log);
    m->bus->map_irq = vt_map_irq;
    m->bus->set_pirq = vt_set_pirq;
    m->bus->pirq_opaque = m;
}

static inline VirtioPciConfig vt_pci_config(VtMachine *m, bool transitional)
{
    return (VirtioPciConfig){.msi_deliver = vt_msi, .msi_opaque = m, .transitional = transitional};
}

static inline void vt_machine_destroy(VtMachine *m)
{
    pci_bus_free(m->bus);
    address_space_destroy(&m->mem);
    address_space_destroy(&m->io);
    g_free(m->ram);
    fclose(m->log.out);
    free(m->log_buf);
}

static inline bool vt_logged(VtMachine *m, const char *text)
{
    fflush(m->log.out);
    return m->log_buf && strstr(m->log_buf, text) != NULL;
}

static inline uint32_t vt_cfg_read(VtMachine *m, unsigned addr, unsigned size)
{
    return pci_config_read(m->bus, VT_DEVFN, addr, size);
}

static inline void vt_cfg_write(VtMachine *m, unsigned addr, uint32_t val, unsigned size)
{
    pci_config_write(m->bus, VT_DEVFN, addr, val, size);
}

static inline void vt_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline uint16_t vt_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t vt_get32(const uint8_t *p)
{
    return (uint32_t)vt_get16(p) | (uint32_t)vt_get16(p + 2) << 16;
}

static inline void vt_put32(uint8_t *p, uint32_t v)
{
    vt_put16(p, (uint16_t)v);
    vt_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void vt_put64(uint8_t *p, uint64_t v)
{
    vt_put32(p, (uint32_t)v);
    vt_put32(p + 4, (uint32_t)(v >> 32));
}

/* Firmware: BARs programmed, decoding and bus mastering on; then the capability walk. */
static inline void vt_enumerate(VtMachine *m)
{
    vt_cfg_write(m, PCI_BAR0, VT_LEGACY_BASE, 4);
    vt_cfg_write(m, PCI_BAR0 + 4 * VIRTIO_PCI_MSIX_BAR, (uint32_t)VT_MSIX_BASE, 4);
    vt_cfg_write(m, PCI_BAR0 + 4 * VIRTIO_PCI_MODERN_BAR, (uint32_t)VT_MODERN_BASE, 4);
    vt_cfg_write(m, PCI_BAR0 + 4 * VIRTIO_PCI_MODERN_BAR + 4, 0, 4);
    vt_cfg_write(m, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    for (uint8_t at = (uint8_t)vt_cfg_read(m, PCI_CAPABILITY_LIST, 1); at;
         at = (uint8_t)vt_cfg_read(m, at + 1, 1)) {
        if (vt_cfg_read(m, at, 1) == 0x09) {
            uint8_t type = (uint8_t)vt_cfg_read(m, at + 3, 1);
            g_assert_cmpuint(type, <, 6);
            m->caps[type] = at;
        }
    }
    uint8_t n = m->caps[VIRTIO_PCI_CAP_NOTIFY_CFG];
    g_assert_cmpuint(n, !=, 0);
    m->notify_base = VT_MODERN_BASE + vt_cfg_read(m, n + 8, 4);
    m->notify_mult = vt_cfg_read(m, n + 16, 4);
}

static inline uint64_t vt_common_rd(VtMachine *m, unsigned off, unsigned size)
{
    return address_space_read(&m->mem, VT_MODERN_BASE + VIRTIO_PCI_COMMON_OFFSET + off, size);
}

static inline void vt_common_wr(VtMachine *m, unsigned off, uint64_t val, unsigned size)
{
    address_space_write(&m->mem, VT_MODERN_BASE + VIRTIO_PCI_COMMON_OFFSET + off, val, size);
}

static inline uint64_t vt_legacy_rd(VtMachine *m, unsigned off, unsigned size)
{
    return address_space_read(&m->io, VT_LEGACY_BASE + off, size);
}

static inline void vt_legacy_wr(VtMachine *m, unsigned off, uint64_t val, unsigned size)
{
    address_space_write(&m->io, VT_LEGACY_BASE + off, val, size);
}

static inline uint8_t vt_status(VtMachine *m)
{
    return m->legacy ? (uint8_t)vt_legacy_rd(m, 0x12, 1)
                     : (uint8_t)vt_common_rd(m, VIRTIO_PCI_COMMON_STATUS, 1);
}

static inline void vt_set_status(VtMachine *m, uint8_t s)
{
    if (m->legacy)
        vt_legacy_wr(m, 0x12, s, 1);
    else
        vt_common_wr(m, VIRTIO_PCI_COMMON_STATUS, s, 1);
}

/* Modern queue setup (§4.1.5.1.3) at the fixed ring addresses, num entries. */
static inline void vt_modern_queue(VtMachine *m, unsigned q, uint16_t num, uint16_t vector)
{
    VtQueue *vq = &m->q[q];
    uint64_t base = VT_RING_BASE + q * VT_RING_STRIDE;
    *vq = (VtQueue){.num = num, .desc = base, .avail = base + 0x4000, .used = base + 0x8000};
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
    g_assert_cmpuint(vt_common_rd(m, VIRTIO_PCI_COMMON_Q_SIZE, 2), >=, num);
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_SIZE, num, 2);
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)vq->desc, 4);
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_AVAILLO, (uint32_t)vq->avail, 4);
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)vq->used, 4);
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_MSIX, vector, 2);
    vt_common_wr(m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    g_assert_cmpuint(vt_common_rd(m, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 1);
}

/* §3.1.1 with the modern interface: accepts VERSION_1 and the features in want that
 * the device offers; sets up queues 0..nq-1 and DRIVER_OK. Returns the features. */
static inline uint64_t vt_modern_init(VtMachine *m, uint64_t want, unsigned nq, uint16_t num)
{
    m->legacy = false;
    vt_set_status(m, 0);
    vt_set_status(m, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    uint64_t offered = 0;
    for (unsigned sel = 0; sel < 2; sel++) {
        vt_common_wr(m, VIRTIO_PCI_COMMON_DFSELECT, sel, 4);
        offered |= vt_common_rd(m, VIRTIO_PCI_COMMON_DF, 4) << (32 * sel);
    }
    uint64_t feat = (want | 1ull << VIRTIO_F_VERSION_1) & offered;
    for (unsigned sel = 0; sel < 2; sel++) {
        vt_common_wr(m, VIRTIO_PCI_COMMON_GFSELECT, sel, 4);
        vt_common_wr(m, VIRTIO_PCI_COMMON_GF, (uint32_t)(feat >> (32 * sel)), 4);
    }
    uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    vt_set_status(m, s);
    g_assert_true(vt_status(m) & VIRTIO_STATUS_FEATURES_OK);
    for (unsigned q = 0; q < nq; q++)
        vt_modern_queue(m, q, num, VIRTIO_NO_VECTOR);
    vt_set_status(m, s | VIRTIO_STATUS_DRIVER_OK);
    g_assert_true(vt_status(m) & VIRTIO_STATUS_DRIVER_OK);
    return feat;
}

/* §4.1.4.8 legacy initialisation: 32 feature bits, queues at page frames of the size
 * the device fixes, DRIVER_OK without FEATURES_OK. Returns the features. */
static inline uint32_t vt_legacy_init(VtMachine *m, uint32_t want, unsigned nq)
{
    m->legacy = true;
    vt_set_status(m, 0);
    vt_set_status(m, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    uint32_t feat = want & (uint32_t)vt_legacy_rd(m, 0x00, 4);
    vt_legacy_wr(m, 0x04, feat, 4);
    for (unsigned q = 0; q < nq; q++) {
        VtQueue *vq = &m->q[q];
        vt_legacy_wr(m, 0x0e, q, 2);
        uint16_t num = (uint16_t)vt_legacy_rd(m, 0x0c, 2);
        g_assert_cmpuint(num, >, 0);
        uint64_t base = VT_RING_BASE + q * VT_RING_STRIDE;
        *vq = (VtQueue){.num = num, .desc = base, .avail = base + 16ull * num};
        vq->used = (vq->avail + 6 + 2ull * num + 4095) & ~4095ull;
        g_assert_cmpuint(vq->used + 6 + 8ull * num, <=, base + VT_RING_STRIDE);
        vt_legacy_wr(m, 0x08, base >> 12, 4);
        g_assert_cmpuint(vt_legacy_rd(m, 0x08, 4), ==, base >> 12);
    }
    vt_set_status(m, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
    g_assert_true(vt_status(m) & VIRTIO_STATUS_DRIVER_OK);
    return feat;
}

/* Adds a chain of n buffers {addr, len, writable} to queue q's available ring. */
typedef struct VtBuf {
    uint64_t addr;
    uint32_t len;
    bool writable;
} VtBuf;

static inline uint16_t vt_add_chain(VtMachine *m, unsigned q, const VtBuf *bufs, unsigned n)
{
    VtQueue *vq = &m->q[q];
    uint16_t head = vq->next_desc;
    for (unsigned i = 0; i < n; i++) {
        uint16_t d = vq->next_desc;
        uint16_t next = (uint16_t)((d + 1) % vq->num);
        uint8_t *p = m->ram + vq->desc + 16ull * d;
        vt_put64(p, bufs[i].addr);
        vt_put32(p + 8, bufs[i].len);
        vt_put16(p + 12, (uint16_t)((i + 1 < n ? VIRTQ_DESC_F_NEXT : 0) |
                                    (bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0)));
        vt_put16(p + 14, next);
        vq->next_desc = next;
    }
    uint8_t *avail = m->ram + vq->avail;
    uint16_t idx = vt_get16(avail + 2);
    vt_put16(avail + 4 + 2 * (idx % vq->num), head);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vt_put16(avail + 2, (uint16_t)(idx + 1));
    return head;
}

static inline void vt_kick(VtMachine *m, unsigned q)
{
    if (m->legacy)
        vt_legacy_wr(m, 0x10, q, 2);
    else
        address_space_write(&m->mem, m->notify_base + (uint64_t)q * m->notify_mult, q, 2);
}

static inline uint16_t vt_used_idx(VtMachine *m, unsigned q)
{
    return vt_get16(m->ram + m->q[q].used + 2);
}

/* The next used element of queue q: false if there is none; *len its length. */
static inline bool vt_take_used(VtMachine *m, unsigned q, uint32_t *id, uint32_t *len)
{
    VtQueue *vq = &m->q[q];
    *id = *len = 0;
    if (vt_used_idx(m, q) == vq->last_used)
        return false;
    const uint8_t *e = m->ram + vq->used + 4 + 8 * (vq->last_used % vq->num);
    *id = vt_get32(e);
    *len = vt_get32(e + 4);
    vq->last_used++;
    return true;
}

#endif
