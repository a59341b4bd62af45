/* virtio-blk through the modern virtio PCI transport, driven by a small fake guest
 * driver: capability discovery, BAR programming, feature negotiation, queue setup,
 * read/write/flush/get-id/discard/write-zeroes with several requests in flight on the
 * thread pool, MSI-X (with masking and the pending bit) and INTx with the ISR,
 * the PCI configuration access window, read-only disks, out-of-range and unsupported
 * requests, malformed requests, buffers aimed at the device's own registers, queue
 * reconfiguration after DRIVER_OK, and reset with requests in flight. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "block/aio.h"
#include "block/block.h"
#include "hw/virtio_blk.h"
#include "virtio-test-driver.h"

#define MODERN_BASE 0xfe000000ull
#define MSIX_BASE   0xfd000000ull
#define DEVFN       PCI_DEVFN(4, 0)
#define QSIZE       16
#define DESC_ADDR   0x10000
#define AVAIL_ADDR  0x11000
#define USED_ADDR   0x12000
#define DATA_ADDR   0x100000
#define DISK_SIZE   (4u << 20)

typedef struct Fixture {
    VtMachine m; /* RAM, PCI bus, INTx levels, MSI capture, guest-error log */
    AioContext *aio;
    char *image;
    BlockNode *node;
    VirtioBlkPci *dev;
    /* Driver state. */
    uint8_t caps[6]; /* config offsets of the virtio capabilities by type */
    uint64_t notify_addr;
    uint16_t next_desc;
    uint16_t last_used;
} Fixture;

static uint32_t cfg_read(Fixture *f, unsigned addr, unsigned size)
{
    return pci_config_read(f->m.bus, DEVFN, addr, size);
}

static void cfg_write(Fixture *f, unsigned addr, uint32_t val, unsigned size)
{
    pci_config_write(f->m.bus, DEVFN, addr, val, size);
}

static uint64_t common_rd(Fixture *f, unsigned off, unsigned size)
{
    return address_space_read(&f->m.mem, MODERN_BASE + VIRTIO_PCI_COMMON_OFFSET + off, size);
}

static void common_wr(Fixture *f, unsigned off, uint64_t val, unsigned size)
{
    address_space_write(&f->m.mem, MODERN_BASE + VIRTIO_PCI_COMMON_OFFSET + off, val, size);
}

static uint8_t status(Fixture *f)
{
    return (uint8_t)common_rd(f, VIRTIO_PCI_COMMON_STATUS, 1);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Walks the capability list as a driver does (§4.1.4). */
static void find_caps(Fixture *f)
{
    g_assert_true(cfg_read(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    memset(f->caps, 0, sizeof(f->caps));
    bool msix = false;
    unsigned guard = 0;
    for (uint8_t at = (uint8_t)cfg_read(f, PCI_CAPABILITY_LIST, 1); at;
         at = (uint8_t)cfg_read(f, at + 1, 1)) {
        g_assert_cmpuint(++guard, <, 16);
        uint8_t id = (uint8_t)cfg_read(f, at, 1);
        if (id == 0x11)
            msix = true;
        if (id == 0x09) {
            uint8_t type = (uint8_t)cfg_read(f, at + 3, 1);
            g_assert_cmpuint(type, <, 6);
            f->caps[type] = at;
        }
    }
    g_assert_true(msix);
    for (int t = 1; t <= 5; t++)
        g_assert_cmpuint(f->caps[t], !=, 0);
    uint8_t n = f->caps[VIRTIO_PCI_CAP_NOTIFY_CFG];
    g_assert_cmpuint(cfg_read(f, n + 4, 1), ==, VIRTIO_PCI_MODERN_BAR);
    uint32_t mult = cfg_read(f, n + 16, 4);
    f->notify_addr = MODERN_BASE + cfg_read(f, n + 8, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    f->notify_addr += (uint64_t)common_rd(f, VIRTIO_PCI_COMMON_Q_NOFF, 2) * mult;
}

static uint64_t wanted_features(void)
{
    return (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_EVENT_IDX) |
           (1ull << VIRTIO_F_RING_INDIRECT_DESC) | (1ull << VIRTIO_BLK_F_FLUSH) |
           (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES) |
           (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE);
}

/* §3.1.1 driver initialisation. */
static void driver_init(Fixture *f, uint16_t vector)
{
    common_wr(f, VIRTIO_PCI_COMMON_STATUS, 0, 1);
    g_assert_cmpuint(status(f), ==, 0);
    common_wr(f, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
    common_wr(f, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
    uint64_t offered = 0;
    for (unsigned sel = 0; sel < 2; sel++) {
        common_wr(f, VIRTIO_PCI_COMMON_DFSELECT, sel, 4);
        offered |= common_rd(f, VIRTIO_PCI_COMMON_DF, 4) << (32 * sel);
    }
    uint64_t want = wanted_features() & offered;
    g_assert_true(want & (1ull << VIRTIO_F_VERSION_1));
    for (unsigned sel = 0; sel < 2; sel++) {
        common_wr(f, VIRTIO_PCI_COMMON_GFSELECT, sel, 4);
        common_wr(f, VIRTIO_PCI_COMMON_GF, (uint32_t)(want >> (32 * sel)), 4);
    }
    uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    common_wr(f, VIRTIO_PCI_COMMON_STATUS, s, 1);
    g_assert_true(status(f) & VIRTIO_STATUS_FEATURES_OK);
    common_wr(f, VIRTIO_PCI_COMMON_MSIX, vector, 2);
    common_wr(f, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, VIRTIO_BLK_QUEUE_SIZE);
    common_wr(f, VIRTIO_PCI_COMMON_Q_SIZE, QSIZE, 2);
    common_wr(f, VIRTIO_PCI_COMMON_Q_DESCLO, DESC_ADDR, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_DESCHI, 0, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_AVAILLO, AVAIL_ADDR, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_AVAILHI, 0, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_USEDLO, USED_ADDR, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_USEDHI, 0, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_MSIX, vector, 2);
    memset(f->m.ram + DESC_ADDR, 0, 0x3000);
    /* used_event 0: interrupt at the first completion. */
    put16(f->m.ram + AVAIL_ADDR + 4 + 2 * QSIZE, 0);
    common_wr(f, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 1);
    common_wr(f, VIRTIO_PCI_COMMON_STATUS, s | VIRTIO_STATUS_DRIVER_OK, 1);
    g_assert_true(status(f) & VIRTIO_STATUS_DRIVER_OK);
    f->next_desc = 0;
    f->last_used = 0;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    bool read_only = data != NULL;
    memset(f, 0, sizeof(*f));
    vt_machine_init(&f->m);
    f->aio = aio_context_new(4);
    int fd = g_file_open_tmp("pacifica-vblk-XXXXXX", &f->image, NULL);
    g_assert_cmpint(fd, >=, 0);
    uint8_t *pattern = g_malloc(DISK_SIZE);
    for (unsigned i = 0; i < DISK_SIZE; i++)
        pattern[i] = (uint8_t)(i / 512 + i);
    g_assert_cmpint(write(fd, pattern, DISK_SIZE), ==, DISK_SIZE);
    g_free(pattern);
    close(fd);
    BlockOpenOptions o = {
        .filename = f->image, .format = "raw", .read_only = read_only, .discard_unmap = true};
    char *err = NULL;
    f->node = block_open(&o, &err);
    g_assert_nonnull(f->node);
    VirtioBlkOptions bo = {.node = f->node,
                           .aio = f->aio,
                           .serial = "pacifica-disk-0",
                           .mem = &f->m.mem,
                           .log = &f->m.log};
    VirtioPciConfig pc = vt_pci_config(&f->m, false);
    f->dev = virtio_blk_pci_new(f->m.bus, DEVFN, &bo, &pc);
    f->dev->pci.pci.dev.reset(&f->dev->pci.pci.dev);
    /* Firmware: program the BARs and turn on decoding and bus mastering. */
    cfg_write(f, PCI_BAR0 + 4 * VIRTIO_PCI_MSIX_BAR, (uint32_t)MSIX_BASE, 4);
    cfg_write(f, PCI_BAR0 + 4 * VIRTIO_PCI_MODERN_BAR, (uint32_t)MODERN_BASE, 4);
    cfg_write(f, PCI_BAR0 + 4 * VIRTIO_PCI_MODERN_BAR + 4, 0, 4);
    cfg_write(f, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    find_caps(f);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_blk_pci_free(f->dev);
    aio_context_free(f->aio);
    block_close(f->node);
    g_unlink(f->image);
    g_free(f->image);
    vt_machine_destroy(&f->m);
}

static bool logged(Fixture *f, const char *text)
{
    return vt_logged(&f->m, text);
}

static void put_desc(Fixture *f, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *d = f->m.ram + DESC_ADDR + 16 * i;
    put64(d, addr);
    put32(d + 8, len);
    put16(d + 12, flags);
    put16(d + 14, next);
}

/* One request: header at hdr_addr, optional data buffer, status byte at status_addr.
 * Returns the head descriptor. Does not notify. */
static uint16_t queue_request(Fixture *f, uint32_t type, uint64_t sector, uint64_t data_addr,
                              uint32_t data_len, bool data_writable, uint64_t slot)
{
    uint64_t hdr = DATA_ADDR + slot * 0x100;
    uint64_t st = hdr + 0x80;
    put32(f->m.ram + hdr, type);
    put32(f->m.ram + hdr + 4, 0);
    put64(f->m.ram + hdr + 8, sector);
    f->m.ram[st] = 0xee;
    uint16_t head = f->next_desc;
    uint16_t d = head;
    put_desc(f, d, hdr, 16, VIRTQ_DESC_F_NEXT, (uint16_t)((d + 1) % QSIZE));
    d = (uint16_t)((d + 1) % QSIZE);
    if (data_len) {
        put_desc(f, d, data_addr, data_len,
                 VIRTQ_DESC_F_NEXT | (data_writable ? VIRTQ_DESC_F_WRITE : 0),
                 (uint16_t)((d + 1) % QSIZE));
        d = (uint16_t)((d + 1) % QSIZE);
    }
    put_desc(f, d, st, 1, VIRTQ_DESC_F_WRITE, 0);
    f->next_desc = (uint16_t)((d + 1) % QSIZE);
    uint8_t *avail = f->m.ram + AVAIL_ADDR;
    uint16_t idx = get16(avail + 2);
    put16(avail + 4 + 2 * (idx % QSIZE), head);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    put16(avail + 2, (uint16_t)(idx + 1));
    return head;
}

static uint8_t status_of_slot(Fixture *f, uint64_t slot)
{
    return f->m.ram[DATA_ADDR + slot * 0x100 + 0x80];
}

static void kick(Fixture *f)
{
    address_space_write(&f->m.mem, f->notify_addr, 0, 2);
}

static uint16_t used_idx(Fixture *f)
{
    return get16(f->m.ram + USED_ADDR + 2);
}

/* Runs completions until the used ring has n new entries (bounded wait). */
static void wait_used(Fixture *f, unsigned n)
{
    uint16_t target = (uint16_t)(f->last_used + n);
    for (int i = 0; i < 1000 && used_idx(f) != target; i++) {
        if (aio_context_in_flight(f->aio))
            aio_context_wait(f->aio);
    }
    g_assert_cmpuint(used_idx(f), ==, target);
    f->last_used = target;
    /* As a driver re-arming its callback: interrupt at the next completion. */
    put16(f->m.ram + AVAIL_ADDR + 4 + 2 * QSIZE, target);
}

static void test_identity(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpuint(cfg_read(f, PCI_VENDOR_ID, 2), ==, 0x1af4);
    g_assert_cmpuint(cfg_read(f, PCI_DEVICE_ID, 2), ==, 0x1042);
    g_assert_cmpuint(cfg_read(f, PCI_REVISION_ID, 1), >=, 1);
    g_assert_cmpuint(cfg_read(f, PCI_SUBSYSTEM_ID, 2), >=, 0x40);
    g_assert_cmpuint(cfg_read(f, PCI_INTERRUPT_PIN, 1), ==, 1);
    /* 64-bit BAR sizing. */
    cfg_write(f, PCI_BAR0 + 16, 0xffffffff, 4);
    uint32_t lo = cfg_read(f, PCI_BAR0 + 16, 4);
    g_assert_cmpuint(lo & 0xf, ==, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
    g_assert_cmpuint(~(lo & ~0xfu) + 1, ==, VIRTIO_PCI_MODERN_BAR_SIZE);
    cfg_write(f, PCI_BAR0 + 16, (uint32_t)MODERN_BASE, 4);
    driver_init(f, VIRTIO_NO_VECTOR);
    /* Capacity in the device configuration. */
    uint64_t dev_cfg = MODERN_BASE + cfg_read(f, f->caps[VIRTIO_PCI_CAP_DEVICE_CFG] + 8, 4);
    uint64_t cap = address_space_read(&f->m.mem, dev_cfg, 4) |
                   (uint64_t)address_space_read(&f->m.mem, dev_cfg + 4, 4) << 32;
    g_assert_cmpuint(cap, ==, DISK_SIZE / 512);
    g_assert_cmpuint(address_space_read(&f->m.mem, dev_cfg + 20, 4), ==, 512);
    g_assert_cmpuint(address_space_read(&f->m.mem, dev_cfg + 34, 2), ==, 1);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_NUMQ, 2), ==, 1);
    /* Queues that do not exist read size 0. */
    common_wr(f, VIRTIO_PCI_COMMON_Q_SELECT, 5, 2);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 0);
}

/* Writes then reads back, with many requests in flight at once. */
static void test_read_write(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    enum { N = 5 };
    for (unsigned i = 0; i < N; i++) {
        uint8_t *buf = f->m.ram + 0x200000 + i * 0x10000;
        for (unsigned b = 0; b < 0x10000; b++)
            buf[b] = (uint8_t)(i * 31 + b);
        queue_request(f, VIRTIO_BLK_T_OUT, 100 + i * 128, 0x200000 + i * 0x10000, 0x10000, false,
                      i);
    }
    kick(f);
    wait_used(f, N);
    for (unsigned i = 0; i < N; i++)
        g_assert_cmpuint(status_of_slot(f, i), ==, VIRTIO_BLK_S_OK);
    /* The image file has the data. */
    uint8_t *chk = g_malloc(0x10000);
    for (unsigned i = 0; i < N; i++) {
        g_assert_cmpint(block_pread(f->node, (100 + i * 128) * 512ull, chk, 0x10000), ==, 0);
        g_assert_cmpmem(chk, 0x10000, f->m.ram + 0x200000 + i * 0x10000, 0x10000);
    }
    /* Read back into other buffers. */
    for (unsigned i = 0; i < N; i++)
        queue_request(f, VIRTIO_BLK_T_IN, 100 + i * 128, 0x400000 + i * 0x10000, 0x10000, true,
                      8 + i);
    kick(f);
    wait_used(f, N);
    for (unsigned i = 0; i < N; i++) {
        g_assert_cmpuint(status_of_slot(f, 8 + i), ==, VIRTIO_BLK_S_OK);
        g_assert_cmpmem(f->m.ram + 0x400000 + i * 0x10000, 0x10000,
                        f->m.ram + 0x200000 + i * 0x10000, 0x10000);
    }
    /* Used lengths: data + status for reads. */
    uint8_t *used = f->m.ram + USED_ADDR + 4;
    bool found = false;
    for (unsigned i = 0; i < QSIZE; i++)
        found |= (used[8 * i + 4] | used[8 * i + 5] << 8 | used[8 * i + 6] << 16) == 0x10001;
    g_assert_true(found);
    /* Unwritten sectors still hold the original pattern. */
    queue_request(f, VIRTIO_BLK_T_IN, 7, 0x500000, 512, true, 20);
    kick(f);
    wait_used(f, 1);
    for (unsigned b = 0; b < 512; b++)
        g_assert_cmpuint(f->m.ram[0x500000 + b], ==, (uint8_t)(7 + 7 * 512 + b));
    g_free(chk);
}

static void test_other_requests(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    /* GET_ID */
    memset(f->m.ram + 0x300000, 0xff, 20);
    queue_request(f, VIRTIO_BLK_T_GET_ID, 0, 0x300000, 20, true, 0);
    /* FLUSH */
    queue_request(f, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 1);
    /* Unknown type */
    queue_request(f, 77, 0, 0, 0, false, 2);
    /* Read past the end */
    queue_request(f, VIRTIO_BLK_T_IN, DISK_SIZE / 512 - 1, 0x300100, 1024, true, 3);
    /* Length not a multiple of 512 */
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x300100, 100, true, 4);
    kick(f);
    wait_used(f, 5);
    g_assert_cmpstr((char *)f->m.ram + 0x300000, ==, "pacifica-disk-0");
    g_assert_cmpuint(status_of_slot(f, 0), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(status_of_slot(f, 1), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(status_of_slot(f, 2), ==, VIRTIO_BLK_S_UNSUPP);
    g_assert_cmpuint(status_of_slot(f, 3), ==, VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(status_of_slot(f, 4), ==, VIRTIO_BLK_S_IOERR);
    /* Refused before reaching the image. */
    g_assert_true(logged(f, "read of 1024 bytes at sector 8191 outside the disk"));
    g_assert_false(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);

    /* WRITE_ZEROES with unmap, and DISCARD (the raw file reads zeros after both). */
    uint8_t *seg = f->m.ram + 0x300200;
    put64(seg, 16);
    put32(seg + 8, 8);
    put32(seg + 12, VIRTIO_BLK_WZ_UNMAP);
    queue_request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 0x300200, 16, false, 5);
    seg = f->m.ram + 0x300300;
    put64(seg, 4096);
    put32(seg + 8, 2048);
    put32(seg + 12, 0);
    queue_request(f, VIRTIO_BLK_T_DISCARD, 0, 0x300300, 16, false, 6);
    /* DISCARD with the unmap flag is unsupported (§5.2.6.2). */
    seg = f->m.ram + 0x300400;
    put64(seg, 0);
    put32(seg + 8, 1);
    put32(seg + 12, VIRTIO_BLK_WZ_UNMAP);
    queue_request(f, VIRTIO_BLK_T_DISCARD, 0, 0x300400, 16, false, 7);
    kick(f);
    wait_used(f, 3);
    g_assert_cmpuint(status_of_slot(f, 5), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(status_of_slot(f, 6), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(status_of_slot(f, 7), ==, VIRTIO_BLK_S_UNSUPP);
    uint8_t buf[4096];
    g_assert_cmpint(block_pread(f->node, 16 * 512, buf, sizeof(buf)), ==, 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        g_assert_cmpuint(buf[i], ==, 0);
    g_assert_cmpint(block_pread(f->node, 15 * 512, buf, 512), ==, 0);
    g_assert_cmpuint(buf[0], ==, (uint8_t)(15 + 15 * 512));
}

static void test_read_only(Fixture *f, gconstpointer data)
{
    (void)data;
    common_wr(f, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    g_assert_true(common_rd(f, VIRTIO_PCI_COMMON_DF, 4) & (1u << VIRTIO_BLK_F_RO));
    driver_init(f, VIRTIO_NO_VECTOR);
    queue_request(f, VIRTIO_BLK_T_OUT, 0, 0x200000, 512, false, 0);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 1);
    kick(f);
    wait_used(f, 2);
    g_assert_cmpuint(status_of_slot(f, 0), ==, VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(status_of_slot(f, 1), ==, VIRTIO_BLK_S_OK);
}

/* MSI-X: the queue's vector is sent with its address and data; while masked it is
 * pending, and unmasking sends it. */
static void test_msix(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t cap = VIRTIO_PCI_MSIX_CAP;
    g_assert_cmpuint(cfg_read(f, cap, 1), ==, 0x11);
    g_assert_cmpuint((cfg_read(f, cap + 2, 2) & 0x7ff) + 1, ==, 2); /* config + 1 queue */
    cfg_write(f, cap + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    uint64_t entry1 = MSIX_BASE + 16;
    address_space_write(&f->m.mem, entry1, 0xfee01000, 4);
    address_space_write(&f->m.mem, entry1 + 4, 0, 4);
    address_space_write(&f->m.mem, entry1 + 8, 0x4031, 4);
    address_space_write(&f->m.mem, entry1 + 12, 0, 4); /* unmasked */
    driver_init(f, 1);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, 1);
    /* A vector beyond the table reads back NO_VECTOR. */
    common_wr(f, VIRTIO_PCI_COMMON_MSIX, 9, 2);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_NO_VECTOR);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 0);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpuint(f->m.msi_count, ==, 1);
    g_assert_cmpuint(f->m.msi_addr, ==, 0xfee01000);
    g_assert_cmpuint(f->m.msi_data, ==, 0x4031);
    g_assert_cmpint(f->m.pirq_level[vt_map_irq(DEVFN, 0)], ==, 0);
    /* Masked: pending bit, no message. */
    address_space_write(&f->m.mem, entry1 + 12, 1, 4);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 1);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpuint(f->m.msi_count, ==, 1);
    g_assert_cmpuint(address_space_read(&f->m.mem, MSIX_BASE + VIRTIO_PCI_MSIX_PBA_OFFSET, 4), ==,
                     2);
    address_space_write(&f->m.mem, entry1 + 12, 0, 4);
    g_assert_cmpuint(f->m.msi_count, ==, 2);
    g_assert_cmpuint(address_space_read(&f->m.mem, MSIX_BASE + VIRTIO_PCI_MSIX_PBA_OFFSET, 4), ==,
                     0);
    /* Function mask works the same way. */
    cfg_write(f, cap + 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASK, 2);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 2);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpuint(f->m.msi_count, ==, 2);
    cfg_write(f, cap + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    g_assert_cmpuint(f->m.msi_count, ==, 3);
}

/* INTx: asserted with the ISR status, cleared by reading it. */
static void test_intx(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    int pirq = vt_map_irq(DEVFN, 0);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 0);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpint(f->m.pirq_level[pirq], ==, 1);
    g_assert_true(cfg_read(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    uint64_t isr = MODERN_BASE + cfg_read(f, f->caps[VIRTIO_PCI_CAP_ISR_CFG] + 8, 4);
    g_assert_cmpuint(address_space_read(&f->m.mem, isr, 1), ==, VIRTIO_ISR_QUEUE);
    g_assert_cmpint(f->m.pirq_level[pirq], ==, 0);
    g_assert_cmpuint(address_space_read(&f->m.mem, isr, 1), ==, 0);
    g_assert_cmpuint(f->m.msi_count, ==, 0);
}

/* The PCI configuration access window reaches the common configuration. */
static void test_pci_cfg_window(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t c = f->caps[VIRTIO_PCI_CAP_PCI_CFG];
    cfg_write(f, c + 4, VIRTIO_PCI_MODERN_BAR, 1);
    cfg_write(f, c + 8, VIRTIO_PCI_COMMON_OFFSET + VIRTIO_PCI_COMMON_NUMQ, 4);
    cfg_write(f, c + 12, 2, 4);
    g_assert_cmpuint(cfg_read(f, c + 16, 2), ==, 1);
    /* Write through it: the status register. */
    cfg_write(f, c + 8, VIRTIO_PCI_COMMON_STATUS, 4);
    cfg_write(f, c + 12, 1, 4);
    cfg_write(f, c + 16, VIRTIO_STATUS_ACKNOWLEDGE, 1);
    g_assert_cmpuint(status(f), ==, VIRTIO_STATUS_ACKNOWLEDGE);
    /* A window past the BAR does nothing. */
    cfg_write(f, c + 8, VIRTIO_PCI_MODERN_BAR_SIZE, 4);
    cfg_write(f, c + 16, 0x12345678, 4);
    g_assert_cmpuint(status(f), ==, VIRTIO_STATUS_ACKNOWLEDGE);
}

/* A request without a status byte, or aimed at the device's own BAR, breaks the
 * device (DEVICE_NEEDS_RESET, configuration interrupt) without touching the image. */
static void test_malformed(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    put32(f->m.ram + DATA_ADDR, VIRTIO_BLK_T_OUT);
    put64(f->m.ram + DATA_ADDR + 8, 0);
    put_desc(f, 0, DATA_ADDR, 16, VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, 1, 0x200000, 512, 0, 0); /* no writable status byte */
    uint8_t *avail = f->m.ram + AVAIL_ADDR;
    put16(avail + 4, 0);
    put16(avail + 2, 1);
    kick(f);
    g_assert_true(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    g_assert_true(logged(f, "without header or status"));
    g_assert_cmpint(f->m.pirq_level[vt_map_irq(DEVFN, 0)], ==, 1); /* config change */
    g_assert_cmpuint(used_idx(f), ==, 0);

    /* After a reset: a read whose buffer is the device's own BAR. */
    driver_init(f, VIRTIO_NO_VECTOR);
    queue_request(f, VIRTIO_BLK_T_IN, 0, MODERN_BASE, 512, true, 0);
    kick(f);
    g_assert_true(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    g_assert_true(logged(f, "not guest writable RAM"));
    g_assert_cmpuint(aio_context_in_flight(f->aio), ==, 0);
    /* The registers were not changed by it: the device still answers. */
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_NUMQ, 2), ==, 1);
}

/* Queue size and addresses cannot change once the queue is enabled. */
static void test_reconfigure_after_driver_ok(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    common_wr(f, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    common_wr(f, VIRTIO_PCI_COMMON_Q_DESCLO, MODERN_BASE & 0xffffffff, 4);
    common_wr(f, VIRTIO_PCI_COMMON_Q_SIZE, 4, 2);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_DESCLO, 4), ==, DESC_ADDR);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, QSIZE);
    g_assert_true(logged(f, "reconfigured while enabled"));
    /* Still works. */
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 0);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpuint(status_of_slot(f, 0), ==, VIRTIO_BLK_S_OK);
    /* Features cannot change after FEATURES_OK. */
    common_wr(f, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    common_wr(f, VIRTIO_PCI_COMMON_GF, 0, 4);
    g_assert_true(logged(f, "features written too late"));
}

/* Reset with requests in flight waits for them; the queue is then off. */
static void test_reset_in_flight(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    for (unsigned i = 0; i < 5; i++)
        queue_request(f, VIRTIO_BLK_T_IN, i * 64, 0x200000 + i * 0x8000, 0x8000, true, i);
    kick(f);
    common_wr(f, VIRTIO_PCI_COMMON_STATUS, 0, 1);
    g_assert_cmpuint(aio_context_in_flight(f->aio), ==, 0);
    g_assert_cmpuint(status(f), ==, 0);
    common_wr(f, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    g_assert_cmpuint(common_rd(f, VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 0);
    /* And the device works again after initialisation. */
    driver_init(f, VIRTIO_NO_VECTOR);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 0);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpuint(status_of_slot(f, 0), ==, VIRTIO_BLK_S_OK);
}

/* More requests than the queue can hold in flight are taken as completions free
 * room: a driver resubmitting the same chain cannot grow our state. */
static void test_throttle(Fixture *f, gconstpointer data)
{
    (void)data;
    driver_init(f, VIRTIO_NO_VECTOR);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 0);
    /* Resubmit head 0 again and again (QSIZE entries in all). */
    uint8_t *avail = f->m.ram + AVAIL_ADDR;
    for (unsigned i = 1; i < QSIZE; i++) {
        uint16_t idx = get16(avail + 2);
        put16(avail + 4 + 2 * (idx % QSIZE), 0);
        put16(avail + 2, (uint16_t)(idx + 1));
    }
    kick(f);
    g_assert_cmpuint(f->dev->blk.inflight, <=, QSIZE);
    wait_used(f, QSIZE);
    g_assert_false(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* An error from the image (a corrupt qcow2 here) fails that request with IOERR; the
 * device goes on. */
static void test_io_error(Fixture *f, gconstpointer data)
{
    (void)data;
    char *img = g_strdup_printf("%s.qcow2", f->image);
    Qcow2CreateOptions c = {.size = DISK_SIZE};
    char *err = NULL;
    g_assert_cmpint(qcow2_create(img, &c, &err), ==, 0);
    /* L1 entry 0 points far past the end of the file. */
    int fd = open(img, O_WRONLY);
    uint8_t l1e[8] = {0x80, 0, 0, 0x10, 0, 0, 0, 0};
    g_assert_cmpint(pwrite(fd, l1e, 8, 65536), ==, 8);
    close(fd);
    BlockOpenOptions o = {.filename = img, .format = "qcow2"};
    BlockNode *bad = block_open(&o, &err);
    g_assert_nonnull(bad);
    BlockNode *good = f->dev->blk.node;
    f->dev->blk.node = bad;
    driver_init(f, VIRTIO_NO_VECTOR);
    queue_request(f, VIRTIO_BLK_T_IN, 0, 0x200000, 512, true, 0);
    kick(f);
    wait_used(f, 1);
    g_assert_cmpuint(status_of_slot(f, 0), ==, VIRTIO_BLK_S_IOERR);
    g_assert_true(logged(f, "request failed"));
    g_assert_false(status(f) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    f->dev->blk.node = good;
    block_close(bad);
    g_unlink(img);
    g_free(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn, ro) g_test_add(name, Fixture, ro, fixture_setup, fn, fixture_teardown)
    ADD("/virtio-blk/identity", test_identity, NULL);
    ADD("/virtio-blk/read-write", test_read_write, NULL);
    ADD("/virtio-blk/other-requests", test_other_requests, NULL);
    ADD("/virtio-blk/read-only", test_read_only, "ro");
    ADD("/virtio-blk/msix", test_msix, NULL);
    ADD("/virtio-blk/intx", test_intx, NULL);
    ADD("/virtio-blk/pci-cfg-window", test_pci_cfg_window, NULL);
    ADD("/virtio-blk/malformed", test_malformed, NULL);
    ADD("/virtio-blk/reconfigure-after-driver-ok", test_reconfigure_after_driver_ok, NULL);
    ADD("/virtio-blk/reset-in-flight", test_reset_in_flight, NULL);
    ADD("/virtio-blk/throttle", test_throttle, NULL);
    ADD("/virtio-blk/io-error", test_io_error, NULL);
    return g_test_run();
}
