/* virtio-net (virtio 1.1 §5.1): receive and transmit queue pairs on a net/ link. */
#include "hw/virtio_net.h"

#include <glib.h>
#include <string.h>

#include "block/block.h" /* iov helpers */
#include "net/gso.h"

/* Our end of the link: the NetClient the backend talks to. */
typedef struct VirtioNetClient {
    NetClient nc;
    VirtioNet *dev;
    bool rx_kicked; /* the driver added receive buffers */
    bool tx_kicked; /* the driver queued frames, or the backend resumed us */
} VirtioNetClient;

static VirtioNetClient *client_of(VirtioNet *n)
{
    return (VirtioNetClient *)n->nc;
}

static bool driver_ready(const VirtioNet *n)
{
    return (n->vdev.status & VIRTIO_STATUS_DRIVER_OK) && !n->vdev.broken;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* ---- Receive (§5.1.6.3, §5.1.6.4) ---- */

static bool net_can_receive(NetClient *nc)
{
    VirtioNet *n = ((VirtioNetClient *)nc)->dev;
    VirtQueue *rx = n->pairs[0].rx;
    if (n->vdev.broken)
        return true; /* until reset, frames are dropped (net_receive) rather than held */
    if (!driver_ready(n) || !rx->enabled)
        return false;
    if (virtqueue_has_work(rx))
        return true;
    /* Out of buffers: ask the driver to tell us when it adds some, then look again
     * in case it did so meanwhile (§2.6.7.1). */
    virtqueue_set_notification(rx, true);
    return virtqueue_has_work(rx);
}

/* Copies up to len bytes of the frame into e's writable buffers at offset skip. */
static size_t copy_to_elem(const VirtqElement *e, size_t skip, const uint8_t *buf, size_t len)
{
    size_t room = e->in_len > skip ? e->in_len - skip : 0;
    size_t n = len < room ? len : room;
    iov_from_buf(e->in_iov, (int)e->in_num, skip, buf, n);
    return n;
}

static void drop_elements(VirtQueue *vq, VirtqElement **elems, unsigned count)
{
    for (unsigned i = count; i-- > 0;) {
        virtqueue_unpop(vq);
        virtqueue_element_free(elems[i]);
    }
}

/* Gives the driver a buffer it handed us back empty (a frame it could not hold). */
static void return_empty(VirtioNet *n, VirtQueue *vq, VirtqElement *e, const char *why)
{
    log_printf(n->vdev.log, LOG_GUEST_ERROR, "%s: receive buffer %s, frame dropped\n", n->vdev.name,
               why);
    n->stats.rx_dropped++;
    virtqueue_fill(vq, e, 0, 0);
    virtqueue_flush(vq, 1);
    virtqueue_notify(vq);
    virtqueue_element_free(e);
}

/* Takes the chains a frame of total bytes (header included) needs: one without
 * mergeable buffers, as many as it fills with them. Returns the count, 0 if the ring
 * ran dry (the chains are given back), -1 if the ring is broken. */
static int take_rx_chains(VirtioNet *n, VirtQueue *vq, size_t total, VirtqElement **elems,
                          unsigned max)
{
    bool mergeable = virtio_has_feature(&n->vdev, VIRTIO_NET_F_MRG_RXBUF);
    unsigned count = 0;
    size_t room = 0;
    while (room < total && count < max) {
        int r = virtqueue_pop(vq, &elems[count]);
        if (r <= 0) {
            drop_elements(vq, elems, count);
            return r;
        }
        room += elems[count]->in_len;
        count++;
        if (!mergeable)
            break;
    }
    return (int)count;
}

static ssize_t net_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    VirtioNet *n = ((VirtioNetClient *)nc)->dev;
    VirtQueue *vq = n->pairs[0].rx;
    if (!driver_ready(n) || !vq->enabled) {
        n->stats.rx_dropped++;
        return (ssize_t)len; /* no driver: the frame is lost, as on a real card */
    }
    VirtqElement *elems[VIRTQ_MAX_SIZE];
    size_t total = VIRTIO_NET_HDR_LEN + len;
    int count = take_rx_chains(n, vq, total, elems, vq->num);
    if (count == 0)
        return 0;
    if (count < 0) {
        n->stats.rx_dropped++;
        return (ssize_t)len;
    }
    if (elems[0]->in_len < VIRTIO_NET_HDR_LEN) {
        /* §5.1.6.3.1: every receive buffer holds at least the header. */
        drop_elements(vq, elems + 1, (unsigned)count - 1);
        return_empty(n, vq, elems[0], "smaller than the header");
        return (ssize_t)len;
    }
    size_t room = 0;
    for (int i = 0; i < count; i++)
        room += elems[i]->in_len;
    if (room < total) {
        /* Without mergeable buffers the driver must post whole-frame buffers
         * (§5.1.6.3.1); with them, the whole ring was too small. */
        drop_elements(vq, elems + 1, (unsigned)count - 1);
        return_empty(n, vq, elems[0], "too small");
        return (ssize_t)len;
    }
    uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0};
    put_le16(hdr + 10, (uint16_t)count); /* num_buffers */
    size_t done = 0;
    for (int i = 0; i < count; i++) {
        size_t skip = 0, filled = 0;
        if (i == 0) {
            iov_from_buf(elems[0]->in_iov, (int)elems[0]->in_num, 0, hdr, sizeof(hdr));
            skip = filled = VIRTIO_NET_HDR_LEN;
        }
        size_t k = copy_to_elem(elems[i], skip, buf + done, len - done);
        done += k;
        virtqueue_fill(vq, elems[i], (uint32_t)(filled + k), (unsigned)i);
        virtqueue_element_free(elems[i]);
    }
    virtqueue_flush(vq, (unsigned)count);
    virtqueue_notify(vq);
    n->stats.rx_frames++;
    return (ssize_t)len;
}

/* ---- Transmit (§5.1.6.2) ---- */

bool virtio_net_fill_checksum(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
    if ((size_t)csum_start + csum_offset + 2 > len)
        return false;
    /* The driver put the pseudo-header sum in the field; the rest is ours (RFC 1071). */
    uint16_t csum = net_checksum_finish(net_checksum_add(0, frame + csum_start, len - csum_start));
    frame[csum_start + csum_offset] = (uint8_t)(csum >> 8);
    frame[csum_start + csum_offset + 1] = (uint8_t)csum;
    return true;
}

/* Whether the driver may ask for this segmentation (§5.1.6.2). */
static bool gso_allowed(VirtioNet *n, uint8_t gso_type)
{
    VirtioDevice *v = &n->vdev;
    if ((gso_type & VIRTIO_NET_HDR_GSO_ECN) && !virtio_has_feature(v, VIRTIO_NET_F_HOST_ECN))
        return false;
    switch (gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_TCPV4: return virtio_has_feature(v, VIRTIO_NET_F_HOST_TSO4);
    case VIRTIO_NET_HDR_GSO_TCPV6: return virtio_has_feature(v, VIRTIO_NET_F_HOST_TSO6);
    default: return false;
    }
}

/* Turns one transmit chain into a frame in n->tx_buf, its header in hdr; the frame's
 * length, or 0 to drop it. */
static size_t build_frame(VirtioNet *n, const VirtqElement *e, uint8_t *hdr)
{
    if (e->out_len < VIRTIO_NET_HDR_LEN || e->out_len - VIRTIO_NET_HDR_LEN > NET_MAX_FRAME) {
        log_printf(n->vdev.log, LOG_GUEST_ERROR, "%s: transmit chain of %zu bytes dropped\n",
                   n->vdev.name, e->out_len);
        return 0;
    }
    size_t len = e->out_len - VIRTIO_NET_HDR_LEN;
    iov_to_buf(e->out_iov, (int)e->out_num, 0, hdr, VIRTIO_NET_HDR_LEN);
    iov_to_buf(e->out_iov, (int)e->out_num, VIRTIO_NET_HDR_LEN, n->tx_buf, len);
    if (hdr[1] != VIRTIO_NET_HDR_GSO_NONE && !gso_allowed(n, hdr[1])) {
        /* UDP fragmentation, or a kind the driver did not negotiate. */
        log_printf(n->vdev.log, LOG_GUEST_ERROR, "%s: gso_type %u not negotiated, dropped\n",
                   n->vdev.name, hdr[1]);
        return 0;
    }
    /* Segmentation computes every checksum itself. */
    if (hdr[1] == VIRTIO_NET_HDR_GSO_NONE && (hdr[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
        !virtio_net_fill_checksum(n->tx_buf, len, get_le16(hdr + 6), get_le16(hdr + 8))) {
        log_printf(n->vdev.log, LOG_GUEST_ERROR,
                   "%s: checksum offsets %u+%u outside a %zu-byte frame, dropped\n", n->vdev.name,
                   get_le16(hdr + 6), get_le16(hdr + 8), len);
        return 0;
    }
    return len;
}

typedef struct TxTarget {
    VirtioNet *n;
    VirtioNetQueuePair *qp;
} TxTarget;

static void send_frame(void *opaque, const uint8_t *frame, size_t len)
{
    TxTarget *t = opaque;
    t->n->stats.tx_frames++;
    if (net_send(t->n->nc, frame, len) == 0)
        t->qp->tx_blocked = true; /* queued by the backend: wait for it */
}

static void send_chain(VirtioNet *n, VirtioNetQueuePair *qp, const VirtqElement *e)
{
    uint8_t hdr[VIRTIO_NET_HDR_LEN];
    TxTarget t = {n, qp};
    size_t len = build_frame(n, e, hdr);
    uint8_t gso = hdr[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    if (len && gso != VIRTIO_NET_HDR_GSO_NONE) {
        NetGsoType type = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? NET_GSO_TCPV4 : NET_GSO_TCPV6;
        if (net_gso_segment(n->tx_buf, len, type, get_le16(hdr + 4), send_frame, &t) >= 0)
            return;
        log_printf(n->vdev.log, LOG_GUEST_ERROR, "%s: TSO frame not TCP over IP, dropped\n",
                   n->vdev.name);
        len = 0;
    }
    if (len)
        send_frame(&t, n->tx_buf, len);
    else
        n->stats.tx_dropped++;
}

/* Sends up to a batch of frames; true if the ring may hold more. */
static bool flush_tx(VirtioNet *n, VirtioNetQueuePair *qp)
{
    VirtQueue *vq = qp->tx;
    for (unsigned sent = 0; sent < VIRTIO_NET_TX_BATCH; sent++) {
        if (qp->tx_blocked)
            return false;
        VirtqElement *e;
        int r = virtqueue_pop(vq, &e);
        if (r <= 0)
            return false;
        send_chain(n, qp, e);
        virtqueue_push(vq, e, 0);
        virtqueue_notify(vq);
        virtqueue_element_free(e);
    }
    return true;
}

static void run_tx(VirtioNet *n, VirtioNetQueuePair *qp)
{
    if (!driver_ready(n) || !qp->tx->enabled)
        return;
    virtqueue_set_notification(qp->tx, false);
    if (flush_tx(n, qp)) {
        net_schedule(n->nc); /* a full batch: let the loop breathe, then go on */
        client_of(n)->tx_kicked = true;
        return;
    }
    if (qp->tx_blocked)
        return;
    virtqueue_set_notification(qp->tx, true);
    if (virtqueue_has_work(qp->tx)) {
        client_of(n)->tx_kicked = true;
        net_schedule(n->nc);
    }
}

/* ---- Scheduling between the vCPU and the main loop ---- */

static void net_scheduled(NetClient *nc)
{
    VirtioNetClient *c = (VirtioNetClient *)nc;
    VirtioNet *n = c->dev;
    if (c->rx_kicked) {
        c->rx_kicked = false;
        net_flush(nc);
    }
    if (c->tx_kicked) {
        c->tx_kicked = false;
        for (unsigned i = 0; i < n->npairs; i++)
            run_tx(n, &n->pairs[i]);
    }
}

static void net_send_resumed(NetClient *nc)
{
    VirtioNetClient *c = (VirtioNetClient *)nc;
    for (unsigned i = 0; i < c->dev->npairs; i++)
        c->dev->pairs[i].tx_blocked = false;
    c->tx_kicked = true;
    net_schedule(nc);
}

/* The driver notified a queue (on a vCPU thread): even queues receive, odd transmit
 * (§5.1.2). The work runs on the main loop, where the backends live. */
static void handle_queue(VirtioDevice *vdev, VirtQueue *vq)
{
    VirtioNet *n = (VirtioNet *)vdev;
    VirtioNetClient *c = client_of(n);
    if (vq->index & 1) {
        virtqueue_set_notification(vq, false);
        c->tx_kicked = true;
    } else {
        /* Buffers are plenty until a frame finds none (net_can_receive asks again). */
        virtqueue_set_notification(vq, false);
        c->rx_kicked = true;
    }
    net_schedule(n->nc);
}

static const NetClientOps virtio_net_client_ops = {
    .receive = net_receive,
    .can_receive = net_can_receive,
    .send_resumed = net_send_resumed,
    .scheduled = net_scheduled,
};

/* ---- Configuration space (§5.1.4) and reset ---- */

static uint64_t net_config_read(VirtioDevice *vdev, uint64_t offset, unsigned size)
{
    VirtioNet *n = (VirtioNet *)vdev;
    uint8_t c[VIRTIO_NET_CONFIG_LEN];
    memcpy(c, n->mac, 6);
    put_le16(c + 6, VIRTIO_NET_S_LINK_UP);
    put_le16(c + 8, (uint16_t)n->npairs);
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < sizeof(c); i++)
        v |= (uint64_t)c[offset + i] << (8 * i);
    return v;
}

static void net_config_write(VirtioDevice *vdev, uint64_t offset, uint64_t val, unsigned size)
{
    /* §5.1.4.2: with VERSION_1 the MAC is read-only (CTRL_MAC_ADDR changes it). */
    (void)val;
    log_printf(vdev->log, LOG_GUEST_ERROR, "%s: write to read-only config 0x%llx/%u\n", vdev->name,
               (unsigned long long)offset, size);
}

static void net_reset(VirtioDevice *vdev)
{
    VirtioNet *n = (VirtioNet *)vdev;
    VirtioNetClient *c = client_of(n);
    /* Frames waiting for the old driver are stale; a backend held back by them goes on
     * (from the main loop, where it lives). */
    net_queue_purge(&n->nc->incoming);
    c->rx_kicked = n->nc->sender_waiting;
    c->tx_kicked = false;
    for (unsigned i = 0; i < n->npairs; i++)
        n->pairs[i].tx_blocked = false;
    if (c->rx_kicked)
        net_schedule(n->nc);
}

static const VirtioDeviceOps net_ops = {
    .reset = net_reset,
    .config_read = net_config_read,
    .config_write = net_config_write,
};

int virtio_net_init(VirtioNet *n, const VirtioNetOptions *o)
{
    uint64_t features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
                        (1ull << VIRTIO_NET_F_MRG_RXBUF) | (1ull << VIRTIO_NET_F_CSUM) |
                        (1ull << VIRTIO_NET_F_GUEST_CSUM) | (1ull << VIRTIO_NET_F_HOST_TSO4) |
                        (1ull << VIRTIO_NET_F_HOST_TSO6) | (1ull << VIRTIO_NET_F_HOST_ECN);
    virtio_init(&n->vdev, "virtio-net", VIRTIO_ID_NET, VIRTIO_NET_CONFIG_LEN, features, &net_ops,
                o->mem, o->log);
    n->vdev.dma_written = o->dma_written;
    n->vdev.dma_opaque = o->dma_opaque;
    memcpy(n->mac, o->mac, 6);
    memset(&n->stats, 0, sizeof(n->stats));
    n->nc = net_client_new(o->stack, &virtio_net_client_ops, sizeof(VirtioNetClient),
                           "virtio-net-pci", o->name ? o->name : "virtio-net-pci");
    if (!n->nc)
        return -1;
    n->nc->is_nic = true;
    client_of(n)->dev = n;
    if (o->backend && net_client_connect(n->nc, o->backend) < 0) {
        net_client_free(n->nc);
        n->nc = NULL;
        return -1;
    }
    uint16_t qsize = o->queue_size ? o->queue_size : VIRTIO_NET_QUEUE_SIZE;
    n->npairs = VIRTIO_NET_MAX_PAIRS;
    for (unsigned i = 0; i < n->npairs; i++) {
        n->pairs[i].rx = virtio_add_queue(&n->vdev, qsize, handle_queue);
        n->pairs[i].tx = virtio_add_queue(&n->vdev, qsize, handle_queue);
        n->pairs[i].tx_blocked = false;
    }
    n->tx_buf = g_malloc(NET_MAX_FRAME);
    return 0;
}

void virtio_net_destroy(VirtioNet *n)
{
    net_client_free(n->nc);
    n->nc = NULL;
    g_free(n->tx_buf);
    n->tx_buf = NULL;
}

VirtioNetPci *virtio_net_pci_new(PciBus *bus, uint8_t devfn, const VirtioNetOptions *opts,
                                 const VirtioPciConfig *pci_cfg)
{
    VirtioNetPci *d = g_new0(VirtioNetPci, 1);
    if (virtio_net_init(&d->net, opts) < 0) {
        g_free(d);
        return NULL;
    }
    /* Class 0x020000: network controller, Ethernet, as QEMU's virtio-net-pci. */
    virtio_pci_init(&d->pci, bus, devfn, &d->net.vdev, 0x020000, pci_cfg);
    return d;
}

void virtio_net_pci_free(VirtioNetPci *d)
{
    if (!d)
        return;
    virtio_pci_destroy(&d->pci);
    virtio_net_destroy(&d->net);
    g_free(d);
}
