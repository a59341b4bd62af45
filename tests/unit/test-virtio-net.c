/* virtio-net against hand-built virtqueues in a fake guest RAM, linked to a fake
 * backend: transmit (frames split over descriptors, checksum offload, short chains,
 * unnegotiated segmentation, a chain outside RAM), receive with and without mergeable
 * buffers (num_buffers, all the set published at once, buffers shorter than the
 * header or the frame), the queue that holds frames while the driver has no receive
 * buffers and the backend resumed once they went in, the configuration space and
 * reset. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/vring-build.h"
#include "hw/virtio_net.h"
#include "net/gso.h"

#define RAM_SIZE 0x100000
#define QNUM     16
#define RX_DESC  0x1000
#define RX_AVAIL 0x2000
#define RX_USED  0x3000
#define TX_DESC  0x4000
#define TX_AVAIL 0x5000
#define TX_USED  0x6000
#define BUF_BASE 0x10000
#define MAX_SEEN 8
#define HDR      VIRTIO_NET_HDR_LEN

typedef struct FakeBackend {
    NetClient nc;
    uint8_t seen[MAX_SEEN][2048];
    size_t seen_len[MAX_SEEN];
    unsigned nseen;
    unsigned resumed;
} FakeBackend;

typedef struct Fixture {
    Log log;
    char *log_buf;
    size_t log_len;
    AddressSpace as;
    uint8_t *ram;
    NetStack *stack;
    FakeBackend *backend;
    VirtioNet net;
    unsigned interrupts;
} Fixture;

static ssize_t fake_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    FakeBackend *b = (FakeBackend *)nc;
    if (b->nseen < MAX_SEEN && len <= sizeof(b->seen[0])) {
        memcpy(b->seen[b->nseen], buf, len);
        b->seen_len[b->nseen] = len;
    }
    b->nseen++;
    return (ssize_t)len;
}

static void fake_resumed(NetClient *nc)
{
    ((FakeBackend *)nc)->resumed++;
}

static const NetClientOps fake_ops = {.receive = fake_receive, .send_resumed = fake_resumed};

static void transport_notify(void *opaque, uint16_t vector)
{
    (void)vector;
    ((Fixture *)opaque)->interrupts++;
}

static void put_desc(Fixture *f, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    vring_put_desc(f->ram, table, i, addr, len, flags, next);
}

static void make_available(Fixture *f, uint64_t avail, uint16_t head)
{
    uint16_t idx = get16(f->ram + avail + 2);
    put16(f->ram + avail + 4 + 2 * (idx % QNUM), head);
    put16(f->ram + avail + 2, (uint16_t)(idx + 1));
}

static uint16_t used_idx(Fixture *f, uint64_t used)
{
    return get16(f->ram + used + 2);
}

static uint32_t used_len(Fixture *f, uint64_t used, unsigned slot)
{
    return get32(f->ram + used + 4 + 8 * (slot % QNUM) + 4);
}

static bool logged(Fixture *f, const char *text)
{
    fflush(f->log.out);
    return f->log_buf && strstr(f->log_buf, text) != NULL;
}

static void start_driver(Fixture *f, uint64_t features)
{
    VirtioDevice *v = &f->net.vdev;
    v->transport = (VirtioTransport){transport_notify, f};
    VirtQueue *rx = f->net.pairs[0].rx, *tx = f->net.pairs[0].tx;
    rx->desc = RX_DESC;
    rx->avail = RX_AVAIL;
    rx->used = RX_USED;
    tx->desc = TX_DESC;
    tx->avail = TX_AVAIL;
    tx->used = TX_USED;
    v->guest_features = features | (1ull << VIRTIO_F_VERSION_1);
    uint8_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    virtio_set_status(v, st);
    g_assert_true(virtio_queue_enable(v, 0));
    g_assert_true(virtio_queue_enable(v, 1));
    virtio_set_status(v, st | VIRTIO_STATUS_DRIVER_OK);
    g_assert_true(v->status & VIRTIO_STATUS_DRIVER_OK);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    f->log.mask = LOG_GUEST_ERROR;
    f->log.out = open_memstream(&f->log_buf, &f->log_len);
    address_space_init(&f->as, "mem", 1ull << 52, &f->log);
    f->ram = g_malloc0(RAM_SIZE);
    address_space_add_ram(&f->as, "ram", 0, RAM_SIZE, f->ram, false, 0);
    f->stack = net_stack_new(NULL, &f->log);
    g_assert_nonnull(f->stack);
    f->backend =
        (FakeBackend *)net_client_new(f->stack, &fake_ops, sizeof(FakeBackend), "fake", "b0");
    VirtioNetOptions o = {.stack = f->stack,
                          .backend = &f->backend->nc,
                          .mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
                          .queue_size = QNUM,
                          .mem = &f->as,
                          .log = &f->log};
    g_assert_cmpint(virtio_net_init(&f->net, &o), ==, 0);
    uint64_t features = GPOINTER_TO_SIZE(data);
    start_driver(f, features);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_net_destroy(&f->net);
    net_stack_free(f->stack);
    address_space_destroy(&f->as);
    fclose(f->log.out);
    free(f->log_buf);
    g_free(f->ram);
}

/* The driver notifies a queue; the device's work then runs as the main loop would. */
static void kick(Fixture *f, unsigned queue)
{
    virtio_queue_notify(&f->net.vdev, queue);
    net_stack_run_scheduled(f->stack);
}

/* ---- Transmit ---- */

static void test_tx_split_frame(Fixture *f, gconstpointer data)
{
    (void)data;
    /* Header in one descriptor, the frame in two more (§5.1.6.2 allows any split). */
    uint8_t *hdr = f->ram + BUF_BASE;
    memset(hdr, 0, HDR);
    for (int i = 0; i < 100; i++)
        f->ram[BUF_BASE + 0x100 + i] = (uint8_t)i;
    put_desc(f, TX_DESC, 0, BUF_BASE, HDR, VIRTQ_DESC_F_NEXT, 1);
    put_desc(f, TX_DESC, 1, BUF_BASE + 0x100, 60, VIRTQ_DESC_F_NEXT, 2);
    put_desc(f, TX_DESC, 2, BUF_BASE + 0x100 + 60, 40, 0, 0);
    make_available(f, TX_AVAIL, 0);
    kick(f, 1);
    g_assert_cmpuint(f->backend->nseen, ==, 1);
    g_assert_cmpuint(f->backend->seen_len[0], ==, 100);
    g_assert_cmpmem(f->backend->seen[0], 100, f->ram + BUF_BASE + 0x100, 100);
    g_assert_cmpuint(used_idx(f, TX_USED), ==, 1);
    g_assert_cmpuint(f->interrupts, >=, 1);
    g_assert_cmpuint(f->net.stats.tx_frames, ==, 1);
}

/* One's-complement sum over data, as a receiver checks it (RFC 1071). */
static uint16_t ones_sum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static void test_tx_checksum(Fixture *f, gconstpointer data)
{
    (void)data;
    /* A UDP datagram (odd length) whose checksum the driver left for us: the field
     * holds the pseudo-header sum, Linux's CHECKSUM_PARTIAL convention. */
    uint8_t *hdr = f->ram + BUF_BASE, *frame = f->ram + BUF_BASE + HDR;
    size_t len = 14 + 20 + 8 + 33;
    memset(hdr, 0, HDR);
    hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    put16(hdr + 6, 34); /* csum_start: the UDP header */
    put16(hdr + 8, 6);  /* csum_offset: its checksum field */
    for (size_t i = 0; i < len; i++)
        frame[i] = (uint8_t)(i * 7 + 3);
    frame[34 + 6] = 0x12;
    frame[34 + 7] = 0x34;
    put_desc(f, TX_DESC, 0, BUF_BASE, (uint32_t)(HDR + len), 0, 0);
    make_available(f, TX_AVAIL, 0);
    kick(f, 1);
    g_assert_cmpuint(f->backend->nseen, ==, 1);
    const uint8_t *out = f->backend->seen[0];
    /* With the result in place the sum over the range is all ones minus the
     * pseudo-header part the driver supplied: re-add 0x1234 to check. */
    uint8_t copy[256];
    memcpy(copy, out + 34, len - 34);
    uint32_t s = ones_sum(copy, len - 34) + 0x1234u;
    s = (s & 0xffff) + (s >> 16);
    g_assert_cmpuint(s, ==, 0xffff);
    g_assert_cmpmem(out, 34, frame, 34); /* the rest is untouched */
    g_assert_false(virtio_net_fill_checksum(copy, 10, 8, 2));
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A 3000-byte TCP payload over IPv4 with MSS 1000: three frames, each with its own
 * IP length, identification and header checksum, sequence number and a TCP checksum
 * that verifies; FIN and PSH only on the last (§5.1.6.2 HOST_TSO4). */
static void test_tx_tso(Fixture *f, gconstpointer data)
{
    (void)data;
    enum { PAYLOAD = 3000, MSS = 1000, L3 = 14, L4 = 34, DATA = 54 };
    uint8_t *hdr = f->ram + BUF_BASE, *fr = f->ram + BUF_BASE + HDR;
    memset(hdr, 0, HDR);
    hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr[1] = VIRTIO_NET_HDR_GSO_TCPV4;
    put16(hdr + 2, DATA); /* hdr_len */
    put16(hdr + 4, MSS);  /* gso_size */
    put16(hdr + 6, L4);   /* csum_start */
    put16(hdr + 8, 16);   /* csum_offset */
    memset(fr, 0, DATA);
    fr[12] = 0x08; /* IPv4 */
    fr[L3] = 0x45;
    fr[L3 + 4] = 0x12; /* identification 0x1234 */
    fr[L3 + 5] = 0x34;
    fr[L3 + 8] = 64;
    fr[L3 + 9] = 6; /* TCP */
    memcpy(fr + L3 + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    fr[L4 + 7] = 100;   /* sequence 100 */
    fr[L4 + 12] = 0x50; /* header length 20 */
    fr[L4 + 13] = 0x19; /* FIN PSH ACK */
    for (int i = 0; i < PAYLOAD; i++)
        fr[DATA + i] = (uint8_t)(i * 13);
    put_desc(f, TX_DESC, 0, BUF_BASE, HDR + DATA + PAYLOAD, 0, 0);
    make_available(f, TX_AVAIL, 0);
    kick(f, 1);
    g_assert_cmpuint(f->backend->nseen, ==, 3);
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t *o = f->backend->seen[i];
        g_assert_cmpuint(f->backend->seen_len[i], ==, DATA + MSS);
        g_assert_cmpuint(be16(o + L3 + 2), ==, 20 + 20 + MSS);
        g_assert_cmpuint(be16(o + L3 + 4), ==, 0x1234 + i);
        g_assert_cmpuint(net_checksum_finish(net_checksum_add(0, o + L3, 20)), ==, 0);
        g_assert_cmpuint(o[L4 + 7] | o[L4 + 6] << 8, ==, 100 + MSS * i);
        g_assert_cmphex(o[L4 + 13], ==, i == 2 ? 0x19 : 0x10);
        /* The TCP checksum, pseudo-header included, verifies. */
        uint32_t sum = net_checksum_add(0, o + L3 + 12, 8) + 6 + 20 + MSS;
        g_assert_cmpuint(net_checksum_finish(net_checksum_add(sum, o + L4, 20 + MSS)), ==, 0);
        g_assert_cmpmem(o + DATA, 100, fr + DATA + MSS * i, 100);
    }
    /* Not TCP: dropped with a message, the device goes on. */
    fr[L3 + 9] = 17;
    make_available(f, TX_AVAIL, 0);
    kick(f, 1);
    g_assert_cmpuint(f->backend->nseen, ==, 3);
    g_assert_true(logged(f, "TSO frame not TCP"));
    g_assert_cmpuint(used_idx(f, TX_USED), ==, 2);
}

static void test_tx_bad_requests(Fixture *f, gconstpointer data)
{
    (void)data;
    /* Shorter than the header; a TSO request we never offered; checksum offsets
     * outside the frame. Each is dropped and completed, the device goes on. */
    memset(f->ram + BUF_BASE, 0, 0x300);
    put_desc(f, TX_DESC, 0, BUF_BASE, 8, 0, 0);
    f->ram[BUF_BASE + 0x101] = 1; /* gso_type TCPV4 */
    put_desc(f, TX_DESC, 1, BUF_BASE + 0x100, HDR + 60, 0, 0);
    f->ram[BUF_BASE + 0x200] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    put16(f->ram + BUF_BASE + 0x206, 50);
    put16(f->ram + BUF_BASE + 0x208, 16);
    put_desc(f, TX_DESC, 2, BUF_BASE + 0x200, HDR + 60, 0, 0);
    put_desc(f, TX_DESC, 3, BUF_BASE + 0x300, HDR + 60, 0, 0);
    for (uint16_t i = 0; i < 4; i++)
        make_available(f, TX_AVAIL, i);
    kick(f, 1);
    g_assert_cmpuint(used_idx(f, TX_USED), ==, 4);
    g_assert_cmpuint(f->backend->nseen, ==, 1); /* only the good last one */
    g_assert_cmpuint(f->net.stats.tx_dropped, ==, 3);
    g_assert_true(logged(f, "transmit chain of 8 bytes"));
    g_assert_true(logged(f, "gso_type 1"));
    g_assert_true(logged(f, "checksum offsets 50+16"));
    g_assert_false(f->net.vdev.broken);
}

static void test_tx_chain_outside_ram(Fixture *f, gconstpointer data)
{
    (void)data;
    put_desc(f, TX_DESC, 0, RAM_SIZE - 4, 64, 0, 0);
    make_available(f, TX_AVAIL, 0);
    kick(f, 1);
    g_assert_cmpuint(f->backend->nseen, ==, 0);
    g_assert_true(f->net.vdev.broken);
    g_assert_true(f->net.vdev.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    /* A broken device takes no frames either, and does not crash. */
    uint8_t frame[60] = {0};
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 60);
}

/* ---- Receive ---- */

static void post_rx(Fixture *f, uint16_t first, unsigned count, uint32_t size)
{
    for (unsigned i = 0; i < count; i++) {
        uint16_t d = (uint16_t)(first + i);
        put_desc(f, RX_DESC, d, BUF_BASE + 0x1000 * d, size, VIRTQ_DESC_F_WRITE, 0);
        make_available(f, RX_AVAIL, d);
    }
}

static void fill_frame(uint8_t *frame, size_t len)
{
    for (size_t i = 0; i < len; i++)
        frame[i] = (uint8_t)(i ^ 0x5a);
}

static void test_rx_single_buffer(Fixture *f, gconstpointer data)
{
    (void)data;
    post_rx(f, 0, 1, 1526);
    uint8_t frame[100];
    fill_frame(frame, sizeof(frame));
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 100);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 1);
    g_assert_cmpuint(used_len(f, RX_USED, 0), ==, HDR + 100);
    g_assert_cmpuint(get16(f->ram + BUF_BASE + 10), ==, 1); /* num_buffers */
    g_assert_cmpuint(f->ram[BUF_BASE], ==, 0);              /* flags */
    g_assert_cmpmem(f->ram + BUF_BASE + HDR, 100, frame, 100);
    g_assert_cmpuint(f->interrupts, ==, 1);
}

static void test_rx_mergeable(Fixture *f, gconstpointer data)
{
    (void)data;
    /* 200 bytes + the header over 64-byte buffers: four of them (§5.1.6.4). */
    post_rx(f, 0, 6, 64);
    uint8_t frame[200];
    fill_frame(frame, sizeof(frame));
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 200);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 4);
    g_assert_cmpuint(get16(f->ram + BUF_BASE + 10), ==, 4);
    g_assert_cmpuint(used_len(f, RX_USED, 0), ==, 64);
    g_assert_cmpuint(used_len(f, RX_USED, 1), ==, 64);
    g_assert_cmpuint(used_len(f, RX_USED, 2), ==, 64);
    g_assert_cmpuint(used_len(f, RX_USED, 3), ==, 212 - 192);
    g_assert_cmpmem(f->ram + BUF_BASE + HDR, 64 - HDR, frame, 64 - HDR);
    g_assert_cmpmem(f->ram + BUF_BASE + 0x1000, 64, frame + 52, 64);
    g_assert_cmpmem(f->ram + BUF_BASE + 0x3000, 20, frame + 180, 20);
    g_assert_cmpuint(f->interrupts, ==, 1);
    /* The next frame starts in the fifth buffer. */
    g_assert_cmpint(net_send(&f->backend->nc, frame, 40), ==, 40);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 5);
    g_assert_cmpuint(get16(f->ram + BUF_BASE + 0x4000 + 10), ==, 1);
}

static void test_rx_waits_for_buffers(Fixture *f, gconstpointer data)
{
    (void)data;
    /* Two buffers of 64 for a frame needing four: nothing is used, the frame waits in
     * the NIC's queue and the sender is told to hold back. */
    post_rx(f, 0, 2, 64);
    uint8_t frame[200], frame2[30];
    fill_frame(frame, sizeof(frame));
    memset(frame2, 0xee, sizeof(frame2));
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 0);
    g_assert_cmpint(net_send(&f->backend->nc, frame2, sizeof(frame2)), ==, 0);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 0);
    g_assert_cmpuint(f->net.nc->incoming.count, ==, 2);
    g_assert_cmpuint(f->interrupts, ==, 0);
    g_assert_cmpuint(f->backend->resumed, ==, 0);
    /* The driver adds buffers and notifies: both frames go in, in order, and the
     * backend may send again. */
    post_rx(f, 2, 4, 64);
    kick(f, 0);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 5);
    g_assert_cmpuint(get16(f->ram + BUF_BASE + 10), ==, 4);
    g_assert_cmpmem(f->ram + BUF_BASE + 0x4000 + HDR, 30, frame2, 30);
    g_assert_cmpuint(f->net.nc->incoming.count, ==, 0);
    g_assert_cmpuint(f->backend->resumed, ==, 1);
}

static void test_rx_short_buffers(Fixture *f, gconstpointer data)
{
    (void)data;
    /* Without mergeable buffers a frame must fit one buffer; with a buffer too small
     * the frame is dropped and the buffer returned empty. */
    post_rx(f, 0, 2, 64);
    uint8_t frame[200];
    fill_frame(frame, sizeof(frame));
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 200);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 1);
    g_assert_cmpuint(used_len(f, RX_USED, 0), ==, 0);
    g_assert_true(logged(f, "too small"));
    g_assert_cmpuint(f->net.stats.rx_dropped, ==, 1);
    /* The next buffer is still there for a frame that fits. */
    g_assert_cmpint(net_send(&f->backend->nc, frame, 50), ==, 50);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 2);
    g_assert_cmpuint(used_len(f, RX_USED, 1), ==, HDR + 50);
    g_assert_false(f->net.vdev.broken);
}

static void test_rx_buffer_below_header(Fixture *f, gconstpointer data)
{
    (void)data;
    post_rx(f, 0, 1, 8);
    post_rx(f, 1, 1, 1526);
    uint8_t frame[60] = {0};
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 60);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 1);
    g_assert_cmpuint(used_len(f, RX_USED, 0), ==, 0);
    g_assert_true(logged(f, "smaller than the header"));
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 60);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 2);
    g_assert_cmpuint(used_len(f, RX_USED, 1), ==, HDR + 60);
}

static void test_rx_bad_chain(Fixture *f, gconstpointer data)
{
    (void)data;
    /* A receive buffer pointing past RAM: the device needs a reset, the frame is
     * lost, nothing outside RAM is written. */
    put_desc(f, RX_DESC, 0, RAM_SIZE - 16, 1526, VIRTQ_DESC_F_WRITE, 0);
    make_available(f, RX_AVAIL, 0);
    uint8_t frame[60] = {0};
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 60);
    g_assert_true(f->net.vdev.broken);
    g_assert_cmpuint(used_idx(f, RX_USED), ==, 0);
}

/* ---- Configuration and reset ---- */

static void test_config_and_reset(Fixture *f, gconstpointer data)
{
    (void)data;
    VirtioDevice *v = &f->net.vdev;
    g_assert_true(v->host_features & (1ull << VIRTIO_NET_F_MAC));
    g_assert_true(v->host_features & (1ull << VIRTIO_NET_F_MRG_RXBUF));
    g_assert_cmphex(v->ops->config_read(v, 0, 4), ==, 0x12005452);
    g_assert_cmphex(v->ops->config_read(v, 4, 2), ==, 0x5634);
    g_assert_cmphex(v->ops->config_read(v, 6, 2), ==, VIRTIO_NET_S_LINK_UP);
    v->ops->config_write(v, 0, 0xff, 1);
    g_assert_cmphex(v->ops->config_read(v, 0, 1), ==, 0x52);
    /* A frame queued for the old driver is gone after reset; the backend resumes. */
    uint8_t frame[60] = {0};
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 0);
    virtio_reset(v);
    net_stack_run_scheduled(f->stack);
    g_assert_cmpuint(f->net.nc->incoming.count, ==, 0);
    g_assert_cmpuint(f->backend->resumed, ==, 1);
    /* Until the driver is back frames wait (the queue's limit bounds them). */
    g_assert_cmpint(net_send(&f->backend->nc, frame, sizeof(frame)), ==, 0);
}

#define MRG ((gconstpointer)(uintptr_t)(1u << VIRTIO_NET_F_MRG_RXBUF))
#define CSUM                                                                                       \
    ((gconstpointer)(uintptr_t)((1u << VIRTIO_NET_F_CSUM) | (1u << VIRTIO_NET_F_MRG_RXBUF)))

#define TSO ((gconstpointer)(uintptr_t)((1u << VIRTIO_NET_F_CSUM) | (1u << VIRTIO_NET_F_HOST_TSO4)))

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, features, fn)                                                                    \
    g_test_add("/virtio-net/" name, Fixture, features, fixture_setup, fn, fixture_teardown)
    ADD("tx/split-frame", MRG, test_tx_split_frame);
    ADD("tx/checksum", CSUM, test_tx_checksum);
    ADD("tx/bad-requests", CSUM, test_tx_bad_requests);
    ADD("tx/tso", TSO, test_tx_tso);
    ADD("tx/chain-outside-ram", MRG, test_tx_chain_outside_ram);
    ADD("rx/single-buffer", NULL, test_rx_single_buffer);
    ADD("rx/mergeable", MRG, test_rx_mergeable);
    ADD("rx/waits-for-buffers", MRG, test_rx_waits_for_buffers);
    ADD("rx/short-buffers", NULL, test_rx_short_buffers);
    ADD("rx/buffer-below-header", MRG, test_rx_buffer_below_header);
    ADD("rx/bad-chain", MRG, test_rx_bad_chain);
    ADD("config-and-reset", MRG, test_config_and_reset);
    return g_test_run();
}
