/* Split virtqueues against hand-built descriptor tables in a fake guest RAM: chains
 * with direct and indirect descriptors, buffers across RAM regions, used-ring updates,
 * event-index and flag notification suppression, the in-flight bound, and every
 * malformed case (outside RAM, MMIO including the device's own registers, ROM for a
 * writable buffer, wrapping lengths, loops, over-long chains, nested indirect tables,
 * indirect with NEXT or bad length or without the feature, readable after writable,
 * indices out of range, queue setup outside RAM or misaligned). Each bad chain must
 * set DEVICE_NEEDS_RESET, log a guest error, and touch nothing outside guest RAM. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/vring-build.h"
#include "hw/virtio.h"

#define RAM_SIZE   0x100000
#define RAM2_BASE  0x100000 /* a second RAM region right after the first */
#define MMIO_BASE  0x200000 /* stands for the device's own registers */
#define ROM_BASE   0x300000
#define DESC_ADDR  0x1000
#define AVAIL_ADDR 0x2000
#define USED_ADDR  0x3000
#define QNUM       8

typedef struct Fixture {
    Log log;
    char *log_buf;
    size_t log_len;
    AddressSpace as;
    uint8_t *ram, *ram2, *rom;
    unsigned mmio_accesses;
    VirtioDevice vdev;
    VirtQueue *vq;
    unsigned interrupts;
    uint16_t last_vector;
    uint64_t dma_bytes;
} Fixture;

static uint64_t mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)addr;
    (void)size;
    ((Fixture *)opaque)->mmio_accesses++;
    return 0;
}

static void mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)addr;
    (void)val;
    (void)size;
    ((Fixture *)opaque)->mmio_accesses++;
}

static const MemoryRegionOps mmio_ops = {.read = mmio_read, .write = mmio_write};

static void transport_notify(void *opaque, uint16_t vector)
{
    Fixture *f = opaque;
    f->interrupts++;
    f->last_vector = vector;
}

static void dma_written(void *opaque, uint64_t addr, uint64_t len)
{
    (void)addr;
    ((Fixture *)opaque)->dma_bytes += len;
}

static const VirtioDeviceOps test_ops = {0};

static void put_desc(Fixture *f, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    vring_put_desc(f->ram, table, i, addr, len, flags, next);
}

/* Makes head the next available entry. */
static void make_available(Fixture *f, uint16_t head)
{
    uint8_t *avail = f->ram + AVAIL_ADDR;
    uint16_t idx = get16(avail + 2);
    put16(avail + 4 + 2 * (idx % f->vq->num), head);
    put16(avail + 2, (uint16_t)(idx + 1));
}

static void setup_device(Fixture *f, uint64_t features)
{
    virtio_init(&f->vdev, "virtio-test", 99, 0, 0, &test_ops, &f->as, &f->log);
    f->vdev.transport = (VirtioTransport){transport_notify, f};
    f->vdev.dma_written = dma_written;
    f->vdev.dma_opaque = f;
    f->vq = virtio_add_queue(&f->vdev, QNUM, NULL);
    f->vq->desc = DESC_ADDR;
    f->vq->avail = AVAIL_ADDR;
    f->vq->used = USED_ADDR;
    f->vdev.guest_features = features;
    virtio_set_status(&f->vdev,
                      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    g_assert_true(virtio_queue_enable(&f->vdev, 0));
    virtio_set_status(&f->vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    g_assert_true(f->vdev.status & VIRTIO_STATUS_DRIVER_OK);
}

#define ALL_FEATURES                                                                               \
    ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_INDIRECT_DESC) |                        \
     (1ull << VIRTIO_F_RING_EVENT_IDX))

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    memset(f, 0, sizeof(*f));
    f->log.mask = LOG_GUEST_ERROR;
    f->log.out = open_memstream(&f->log_buf, &f->log_len);
    address_space_init(&f->as, "mem", 1ull << 52, &f->log);
    f->ram = g_malloc0(RAM_SIZE);
    f->ram2 = g_malloc0(RAM_SIZE);
    f->rom = g_malloc0(0x1000);
    address_space_add_ram(&f->as, "ram", 0, RAM_SIZE, f->ram, false, 0);
    address_space_add_ram(&f->as, "ram2", RAM2_BASE, RAM_SIZE, f->ram2, false, 0);
    address_space_add_mmio(&f->as, "dev-regs", MMIO_BASE, 0x1000, &mmio_ops, f, 0);
    address_space_add_ram(&f->as, "rom", ROM_BASE, 0x1000, f->rom, true, 0);
    setup_device(f, ALL_FEATURES);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    address_space_destroy(&f->as);
    fclose(f->log.out);
    free(f->log_buf);
    g_free(f->ram);
    g_free(f->ram2);
    g_free(f->rom);
}

static bool logged(Fixture *f, const char *text)
{
    fflush(f->log.out);
    return f->log_buf && strstr(f->log_buf, text) != NULL;
}

static uint16_t used_idx(Fixture *f)
{
    return get16(f->ram + USED_ADDR + 2);
}

static void test_simple_chain(Fixture *f, gconstpointer data)
{
    (void)data;
    memcpy(f->ram + 0x10000, "request", 7);
    put_desc(f, DESC_ADDR, 3, 0x10000, 7, VIRTQ_DESC_F_NEXT, 5);
    put_desc(f, DESC_ADDR, 5, 0x11000, 100, VIRTQ_DESC_F_WRITE, 0);
    make_available(f, 3);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
    g_assert_cmpuint(e->head, ==, 3);
    g_assert_cmpuint(e->out_num, ==, 1);
    g_assert_cmpuint(e->in_num, ==, 1);
    g_assert_cmpuint(e->out_len, ==, 7);
    g_assert_cmpuint(e->in_len, ==, 100);
    g_assert_true(e->out_iov[0].iov_base == f->ram + 0x10000);
    g_assert_true(e->in_iov[0].iov_base == f->ram + 0x11000);
    g_assert_cmpuint(e->in_addr[0], ==, 0x11000);
    VirtqElement *none;
    g_assert_cmpint(virtqueue_pop(f->vq, &none), ==, 0);
    memcpy(e->in_iov[0].iov_base, "reply", 5);
    virtqueue_push(f->vq, e, 5);
    virtqueue_notify(f->vq);
    virtqueue_element_free(e);
    g_assert_cmpuint(used_idx(f), ==, 1);
    g_assert_cmpuint(get32(f->ram + USED_ADDR + 4), ==, 3); /* id */
    g_assert_cmpuint(get32(f->ram + USED_ADDR + 8), ==, 5); /* len */
    g_assert_cmpuint(f->interrupts, ==, 1);
    g_assert_true(f->vdev.isr & VIRTIO_ISR_QUEUE);
    g_assert_cmpuint(f->dma_bytes, >=, 5);
    g_assert_false(f->vdev.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_indirect(Fixture *f, gconstpointer data)
{
    (void)data;
    /* A direct descriptor, then one pointing at a table of three. */
    uint64_t table = 0x8000;
    put_desc(f, DESC_ADDR, 0, 0x10000, 16, VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, DESC_ADDR, 1, table, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(f, table, 0, 0x10010, 32, VIRTQ_DESC_F_NEXT, 2);
    put_desc(f, table, 2, 0x12000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    put_desc(f, table, 1, 0x13000, 1, VIRTQ_DESC_F_WRITE, 0);
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
    g_assert_cmpuint(e->out_num, ==, 2);
    g_assert_cmpuint(e->out_len, ==, 48);
    g_assert_cmpuint(e->in_num, ==, 2);
    g_assert_cmpuint(e->in_len, ==, 513);
    g_assert_cmpuint(e->in_addr[1], ==, 0x13000);
    virtqueue_element_free(e);
}

/* A buffer across two adjacent RAM regions becomes two host pieces. */
static void test_buffer_across_regions(Fixture *f, gconstpointer data)
{
    (void)data;
    put_desc(f, DESC_ADDR, 0, RAM2_BASE - 0x100, 0x300, VIRTQ_DESC_F_WRITE, 0);
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
    g_assert_cmpuint(e->in_num, ==, 2);
    g_assert_true(e->in_iov[0].iov_base == f->ram + RAM_SIZE - 0x100);
    g_assert_cmpuint(e->in_iov[0].iov_len, ==, 0x100);
    g_assert_true(e->in_iov[1].iov_base == f->ram2);
    g_assert_cmpuint(e->in_iov[1].iov_len, ==, 0x200);
    virtqueue_element_free(e);
}

typedef void (*BadChain)(Fixture *f);

static void bad_outside_ram(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x50000000, 64, 0, 0);
}

static void bad_mmio(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, MMIO_BASE, 64, VIRTQ_DESC_F_WRITE, 0);
}

static void bad_straddles_mmio(Fixture *f)
{
    /* Starts in RAM, runs into the registers. */
    put_desc(f, DESC_ADDR, 0, RAM2_BASE + RAM_SIZE - 16, 64, 0, 0);
}

static void bad_writable_rom(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, ROM_BASE, 64, VIRTQ_DESC_F_WRITE, 0);
}

static void bad_wraps(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0xfffffffffffff000ull, 0x2000, 0, 0);
}

static void bad_loop(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, DESC_ADDR, 1, 0x10000, 8, VIRTQ_DESC_F_NEXT, 0);
}

static void bad_self_loop(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, VIRTQ_DESC_F_NEXT, 0);
}

static void bad_indirect_loop(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(f, 0x8000, 0, 0x10000, 8, VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, 0x8000, 1, 0x10000, 8, VIRTQ_DESC_F_NEXT, 0);
}

static void bad_nested_indirect(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(f, 0x8000, 0, 0x9000, 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(f, 0x9000, 0, 0x10000, 8, 0, 0);
}

static void bad_indirect_next(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, 0x8000, 0, 0x10000, 8, 0, 0);
}

static void bad_indirect_len(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 20, VIRTQ_DESC_F_INDIRECT, 0);
}

static void bad_indirect_empty(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 0, VIRTQ_DESC_F_INDIRECT, 0);
}

static void bad_indirect_huge(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 16 * (VIRTQ_MAX_INDIRECT + 1), VIRTQ_DESC_F_INDIRECT, 0);
}

static void bad_indirect_in_mmio(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, MMIO_BASE, 64, VIRTQ_DESC_F_INDIRECT, 0);
}

static void bad_readable_after_writable(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, DESC_ADDR, 1, 0x11000, 8, 0, 0);
}

static void bad_next_out_of_range(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, VIRTQ_DESC_F_NEXT, QNUM);
}

static void bad_indirect_next_out_of_range(Fixture *f)
{
    put_desc(f, DESC_ADDR, 0, 0x8000, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(f, 0x8000, 0, 0x10000, 8, VIRTQ_DESC_F_NEXT, 2);
}

static const struct {
    const char *name;
    BadChain build;
    const char *message;
} bad_chains[] = {
    {"outside-ram", bad_outside_ram, "not guest RAM"},
    {"mmio", bad_mmio, "not guest writable RAM"},
    {"straddles-mmio", bad_straddles_mmio, "not guest RAM"},
    {"writable-rom", bad_writable_rom, "not guest writable RAM"},
    {"wraps", bad_wraps, "wraps around"},
    {"loop", bad_loop, "loops"},
    {"self-loop", bad_self_loop, "loops"},
    {"indirect-loop", bad_indirect_loop, "loops"},
    {"nested-indirect", bad_nested_indirect, "inside an indirect"},
    {"indirect-with-next", bad_indirect_next, "NEXT"},
    {"indirect-bad-length", bad_indirect_len, "length"},
    {"indirect-empty", bad_indirect_empty, "length"},
    {"indirect-too-long", bad_indirect_huge, "length"},
    {"indirect-in-mmio", bad_indirect_in_mmio, "not RAM"},
    {"readable-after-writable", bad_readable_after_writable, "readable buffer after"},
    {"next-out-of-range", bad_next_out_of_range, "out of range"},
    {"indirect-next-out-of-range", bad_indirect_next_out_of_range, "out of range"},
};

static void assert_broken(Fixture *f, const char *message)
{
    g_assert_true(f->vdev.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    g_assert_true(f->vdev.broken);
    if (!logged(f, message))
        g_test_message("log: %s", f->log_buf ? f->log_buf : "(empty)");
    g_assert_true(logged(f, message));
    g_assert_true(logged(f, "device needs reset"));
    /* The driver was told through a configuration change interrupt. */
    g_assert_true(f->vdev.isr & VIRTIO_ISR_CONFIG);
    /* Nothing more is taken, nothing is written to the used ring. */
    VirtqElement *e;
    make_available(f, 0);
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, -1);
    g_assert_null(e);
    g_assert_cmpuint(used_idx(f), ==, 0);
    g_assert_cmpuint(f->mmio_accesses, ==, 0);
}

static void test_bad_chain(Fixture *f, gconstpointer data)
{
    size_t i = GPOINTER_TO_SIZE(data);
    bad_chains[i].build(f);
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, -1);
    g_assert_null(e);
    assert_broken(f, bad_chains[i].message);
    /* A reset brings the device back. */
    virtio_set_status(&f->vdev, 0);
    g_assert_cmpuint(f->vdev.status, ==, 0);
    g_assert_false(f->vdev.broken);
}

static void test_bad_head(Fixture *f, gconstpointer data)
{
    (void)data;
    make_available(f, QNUM + 3);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, -1);
    assert_broken(f, "head descriptor");
}

static void test_avail_index_jump(Fixture *f, gconstpointer data)
{
    (void)data;
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, 0, 0);
    put16(f->ram + AVAIL_ADDR + 2, QNUM + 1);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, -1);
    assert_broken(f, "available index moved");
}

static void test_indirect_without_feature(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_set_status(&f->vdev, 0);
    setup_device(f, (1ull << VIRTIO_F_VERSION_1));
    put_desc(f, DESC_ADDR, 0, 0x8000, 16, VIRTQ_DESC_F_INDIRECT, 0);
    put_desc(f, 0x8000, 0, 0x10000, 8, 0, 0);
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, -1);
    assert_broken(f, "without the feature");
}

/* A chain as long as the queue is fine; the queue size bounds a direct chain. */
static void test_chain_length_limit(Fixture *f, gconstpointer data)
{
    (void)data;
    for (unsigned i = 0; i < QNUM; i++)
        put_desc(f, DESC_ADDR, i, 0x10000 + 16 * i, 16, i + 1 < QNUM ? VIRTQ_DESC_F_NEXT : 0,
                 (uint16_t)(i + 1));
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
    g_assert_cmpuint(e->out_num, ==, QNUM);
    virtqueue_element_free(e);
}

/* Queue setup: bad sizes, misaligned rings, rings in MMIO are refused at enable. */
static void test_queue_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    struct {
        uint16_t num;
        uint64_t desc, avail, used;
        const char *message;
    } cases[] = {
        {6, DESC_ADDR, AVAIL_ADDR, USED_ADDR, "size 6 invalid"},
        {0, DESC_ADDR, AVAIL_ADDR, USED_ADDR, "size 0 invalid"},
        {QNUM * 2, DESC_ADDR, AVAIL_ADDR, USED_ADDR, "invalid"},
        {QNUM, DESC_ADDR + 8, AVAIL_ADDR, USED_ADDR, "misaligned"},
        {QNUM, DESC_ADDR, AVAIL_ADDR, USED_ADDR + 2, "misaligned"},
        {QNUM, MMIO_BASE, AVAIL_ADDR, USED_ADDR, "not all in guest RAM"},
        {QNUM, DESC_ADDR, AVAIL_ADDR, ROM_BASE, "not all in guest RAM"},
        {QNUM, DESC_ADDR, RAM2_BASE + RAM_SIZE - 8, USED_ADDR, "not all in guest RAM"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        virtio_set_status(&f->vdev, 0);
        f->vq->num = cases[i].num;
        f->vq->desc = cases[i].desc;
        f->vq->avail = cases[i].avail;
        f->vq->used = cases[i].used;
        g_assert_false(virtio_queue_enable(&f->vdev, 0));
        g_assert_false(f->vq->enabled);
        g_assert_true(logged(f, cases[i].message));
    }
    g_assert_cmpuint(f->mmio_accesses, ==, 0);
}

/* Event index: no interrupt until used idx passes used_event; avail_event follows
 * what we took. */
static void test_event_idx(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t *used_event = f->ram + AVAIL_ADDR + 4 + 2 * QNUM;
    uint8_t *avail_event = f->ram + USED_ADDR + 4 + 8 * QNUM;
    put16(used_event, 2); /* interrupt when entry 2 (the third) is used */
    for (unsigned i = 0; i < 4; i++) {
        put_desc(f, DESC_ADDR, i, 0x10000, 8, VIRTQ_DESC_F_WRITE, 0);
        make_available(f, (uint16_t)i);
    }
    unsigned expect[4] = {1, 1, 2, 2}; /* the first is always signalled */
    for (unsigned i = 0; i < 4; i++) {
        VirtqElement *e;
        g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
        g_assert_cmpuint(get16(avail_event), ==, i + 1);
        virtqueue_push(f->vq, e, 0);
        virtqueue_notify(f->vq);
        virtqueue_element_free(e);
        g_assert_cmpuint(f->interrupts, ==, expect[i]);
    }
}

/* Without event index: VIRTQ_AVAIL_F_NO_INTERRUPT suppresses, and disabling
 * notifications sets VIRTQ_USED_F_NO_NOTIFY. */
static void test_flags_suppression(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_set_status(&f->vdev, 0);
    setup_device(f, (1ull << VIRTIO_F_VERSION_1));
    put16(f->ram + AVAIL_ADDR, VIRTQ_AVAIL_F_NO_INTERRUPT);
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, VIRTQ_DESC_F_WRITE, 0);
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
    virtqueue_push(f->vq, e, 0);
    virtqueue_notify(f->vq);
    virtqueue_element_free(e);
    g_assert_cmpuint(f->interrupts, ==, 0);
    put16(f->ram + AVAIL_ADDR, 0);
    virtqueue_notify(f->vq);
    g_assert_cmpuint(f->interrupts, ==, 1);
    virtqueue_set_notification(f->vq, false);
    g_assert_cmpuint(get16(f->ram + USED_ADDR), ==, VIRTQ_USED_F_NO_NOTIFY);
    virtqueue_set_notification(f->vq, true);
    g_assert_cmpuint(get16(f->ram + USED_ADDR), ==, 0);
}

/* A driver that resubmits chains still in flight cannot make us hold more than the
 * queue size. */
static void test_inflight_bound(Fixture *f, gconstpointer data)
{
    (void)data;
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, VIRTQ_DESC_F_WRITE, 0);
    VirtqElement *held[QNUM];
    for (unsigned i = 0; i < QNUM; i++) {
        make_available(f, 0);
        g_assert_cmpint(virtqueue_pop(f->vq, &held[i]), ==, 1);
    }
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 0);
    g_assert_true(f->vq->throttled);
    g_assert_false(f->vdev.broken);
    virtqueue_push(f->vq, held[0], 0);
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 1);
    virtqueue_element_free(e);
    for (unsigned i = 0; i < QNUM; i++)
        virtqueue_element_free(held[i]);
}

/* Status and features: unoffered features or no VERSION_1 leave FEATURES_OK clear;
 * DRIVER_OK needs FEATURES_OK; the driver cannot clear DEVICE_NEEDS_RESET. */
static void test_status_rules(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t base = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    virtio_set_status(&f->vdev, 0);
    f->vdev.guest_features = ALL_FEATURES | (1ull << 40);
    virtio_set_status(&f->vdev, base | VIRTIO_STATUS_FEATURES_OK);
    g_assert_false(f->vdev.status & VIRTIO_STATUS_FEATURES_OK);
    g_assert_true(logged(f, "unoffered"));
    f->vdev.guest_features = 1ull << VIRTIO_F_RING_EVENT_IDX;
    virtio_set_status(&f->vdev, base | VIRTIO_STATUS_FEATURES_OK);
    g_assert_false(f->vdev.status & VIRTIO_STATUS_FEATURES_OK);
    virtio_set_status(&f->vdev, base | VIRTIO_STATUS_DRIVER_OK);
    g_assert_false(f->vdev.status & VIRTIO_STATUS_DRIVER_OK);
    /* Before DRIVER_OK, nothing is processed even with buffers available. */
    put_desc(f, DESC_ADDR, 0, 0x10000, 8, 0, 0);
    make_available(f, 0);
    VirtqElement *e;
    g_assert_cmpint(virtqueue_pop(f->vq, &e), ==, 0);
    virtio_set_status(&f->vdev, 0);
    setup_device(f, ALL_FEATURES);
    virtio_error(&f->vdev, "test");
    virtio_set_status(&f->vdev, f->vdev.status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    g_assert_true(f->vdev.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn, data) g_test_add(name, Fixture, data, fixture_setup, fn, fixture_teardown)
    ADD("/virtqueue/simple-chain", test_simple_chain, NULL);
    ADD("/virtqueue/indirect", test_indirect, NULL);
    ADD("/virtqueue/buffer-across-regions", test_buffer_across_regions, NULL);
    ADD("/virtqueue/chain-length-limit", test_chain_length_limit, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_chains); i++) {
        char *name = g_strdup_printf("/virtqueue/bad/%s", bad_chains[i].name);
        ADD(name, test_bad_chain, GSIZE_TO_POINTER(i));
        g_free(name);
    }
    ADD("/virtqueue/bad/head-out-of-range", test_bad_head, NULL);
    ADD("/virtqueue/bad/avail-index-jump", test_avail_index_jump, NULL);
    ADD("/virtqueue/bad/indirect-without-feature", test_indirect_without_feature, NULL);
    ADD("/virtqueue/queue-setup", test_queue_setup, NULL);
    ADD("/virtqueue/event-idx", test_event_idx, NULL);
    ADD("/virtqueue/flags-suppression", test_flags_suppression, NULL);
    ADD("/virtqueue/inflight-bound", test_inflight_bound, NULL);
    ADD("/virtqueue/status-rules", test_status_rules, NULL);
    return g_test_run();
}
