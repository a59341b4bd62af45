/* virtio-console with MULTIPORT and one console port (virtio 1.1 §5.3). Queue
 * handlers run on the vCPU thread that notified us, backend input on the main loop,
 * both with the machine lock held. */
#include "hw/virtio_console.h"

#include <glib.h>
#include <string.h>

#include "block/block.h" /* iov_from_buf, iov_to_buf */

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static VirtQueue *queue(VirtioConsole *con, unsigned index)
{
    return &con->vdev.vq[index];
}

/* ---- Control messages to the driver (§5.3.6.2) ---- */

/* Hands pending messages to the driver while it has control receive buffers. */
static void ctrl_flush(VirtioConsole *con)
{
    VirtQueue *vq = queue(con, VIRTIO_CONSOLE_CTRL_RX);
    bool pushed = false;
    while (con->ctrl_count > 0) {
        VirtqElement *e;
        if (virtqueue_pop(vq, &e) != 1)
            break;
        const uint8_t *msg = con->ctrl_pending[con->ctrl_head];
        if (e->in_len < VIRTIO_CONSOLE_CTRL_SIZE) {
            virtio_error(&con->vdev, "control receive buffer of %zu bytes", e->in_len);
            virtqueue_element_free(e);
            return;
        }
        iov_from_buf(e->in_iov, (int)e->in_num, 0, msg, VIRTIO_CONSOLE_CTRL_SIZE);
        virtqueue_push(vq, e, VIRTIO_CONSOLE_CTRL_SIZE);
        virtqueue_element_free(e);
        con->ctrl_head = (con->ctrl_head + 1) % VIRTIO_CONSOLE_CTRL_PENDING;
        con->ctrl_count--;
        pushed = true;
    }
    if (pushed)
        virtqueue_notify(vq);
}

static void ctrl_send(VirtioConsole *con, uint32_t id, uint16_t event, uint16_t value)
{
    if (con->ctrl_count == VIRTIO_CONSOLE_CTRL_PENDING) {
        /* Only a driver that never gives control buffers yet keeps asking gets here. */
        log_printf(con->vdev.log, LOG_GUEST_ERROR,
                   "%s: control queue full, event %u for port %u dropped\n", con->vdev.name, event,
                   id);
        return;
    }
    unsigned tail = (con->ctrl_head + con->ctrl_count) % VIRTIO_CONSOLE_CTRL_PENDING;
    uint8_t *m = con->ctrl_pending[tail];
    for (int i = 0; i < 4; i++)
        m[i] = (uint8_t)(id >> (8 * i));
    m[4] = (uint8_t)event;
    m[5] = (uint8_t)(event >> 8);
    m[6] = (uint8_t)value;
    m[7] = (uint8_t)(value >> 8);
    con->ctrl_count++;
    ctrl_flush(con);
}

/* ---- Control messages from the driver ---- */

static void port_ready(VirtioConsole *con, uint16_t value)
{
    if (value != 1) {
        log_printf(con->vdev.log, LOG_GUEST_ERROR, "%s: driver failed to add port 0\n",
                   con->vdev.name);
        return;
    }
    con->port_ready = true;
    /* As QEMU's virtconsole: a console port, connected on the host side. */
    ctrl_send(con, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
    ctrl_send(con, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
}

static void handle_ctrl_message(VirtioConsole *con, const uint8_t *msg)
{
    uint32_t id = get_le32(msg);
    uint16_t event = get_le16(msg + 4), value = get_le16(msg + 6);
    if (event == VIRTIO_CONSOLE_DEVICE_READY) {
        if (value != 1) {
            log_printf(con->vdev.log, LOG_GUEST_ERROR, "%s: driver failed to initialise\n",
                       con->vdev.name);
            return;
        }
        con->driver_ready = true;
        if (con->chr)
            ctrl_send(con, 0, VIRTIO_CONSOLE_DEVICE_ADD, 1);
        return;
    }
    if (id != 0 || !con->chr) {
        log_printf(con->vdev.log, LOG_GUEST_ERROR,
                   "%s: control event %u for port %u, which does not exist\n", con->vdev.name,
                   event, id);
        return;
    }
    switch (event) {
    case VIRTIO_CONSOLE_PORT_READY: port_ready(con, value); break;
    case VIRTIO_CONSOLE_PORT_OPEN: con->guest_open = value != 0; break;
    default:
        log_printf(con->vdev.log, LOG_GUEST_ERROR, "%s: control event %u from the driver ignored\n",
                   con->vdev.name, event);
    }
}

static void handle_ctrl_tx(VirtioDevice *vdev, VirtQueue *vq)
{
    VirtioConsole *con = (VirtioConsole *)vdev;
    VirtqElement *e;
    int r;
    bool pushed = false;
    while ((r = virtqueue_pop(vq, &e)) == 1) {
        uint8_t msg[VIRTIO_CONSOLE_CTRL_SIZE];
        if (e->out_len < sizeof(msg)) {
            log_printf(vdev->log, LOG_GUEST_ERROR, "%s: short control message (%zu bytes)\n",
                       vdev->name, e->out_len);
        } else {
            iov_to_buf(e->out_iov, (int)e->out_num, 0, msg, sizeof(msg));
            handle_ctrl_message(con, msg);
        }
        virtqueue_push(vq, e, 0);
        virtqueue_element_free(e);
        pushed = true;
    }
    if (pushed)
        virtqueue_notify(vq);
}

static void handle_ctrl_rx(VirtioDevice *vdev, VirtQueue *vq)
{
    (void)vq;
    ctrl_flush((VirtioConsole *)vdev);
}

/* ---- Port 0 data ---- */

/* Guest output: every device-readable byte goes to the backend. */
static void handle_port_tx(VirtioDevice *vdev, VirtQueue *vq)
{
    VirtioConsole *con = (VirtioConsole *)vdev;
    VirtqElement *e;
    int r;
    bool pushed = false;
    while ((r = virtqueue_pop(vq, &e)) == 1) {
        for (unsigned i = 0; i < e->out_num && con->chr; i++)
            chardev_write(con->chr, e->out_iov[i].iov_base, e->out_iov[i].iov_len);
        virtqueue_push(vq, e, 0);
        virtqueue_element_free(e);
        pushed = true;
    }
    if (pushed)
        virtqueue_notify(vq);
}

static void handle_port_rx(VirtioDevice *vdev, VirtQueue *vq)
{
    /* New receive buffers: backend input waiting in its fd is read at the main loop's
     * next poll. */
    (void)vdev;
    (void)vq;
}

/* How many backend bytes the guest can take now: the room in one receive buffer. */
static size_t console_can_read(void *opaque)
{
    VirtioConsole *con = opaque;
    if (!con->port_ready || con->vdev.broken)
        return 0;
    if (!con->rx_elem) {
        VirtqElement *e;
        if (virtqueue_pop(queue(con, VIRTIO_CONSOLE_PORT0_RX), &e) != 1)
            return 0;
        con->rx_elem = e;
    }
    return con->rx_elem->in_len;
}

static void console_read(void *opaque, const uint8_t *buf, size_t len)
{
    VirtioConsole *con = opaque;
    VirtqElement *e = con->rx_elem;
    if (!e)
        return;
    size_t n = MIN(len, e->in_len);
    iov_from_buf(e->in_iov, (int)e->in_num, 0, buf, n);
    VirtQueue *vq = queue(con, VIRTIO_CONSOLE_PORT0_RX);
    virtqueue_push(vq, e, (uint32_t)n);
    virtqueue_element_free(e);
    con->rx_elem = NULL;
    virtqueue_notify(vq);
}

/* ---- Configuration space (§5.3.4) ---- */

static uint64_t console_config_read(VirtioDevice *vdev, uint64_t offset, unsigned size)
{
    uint8_t c[VIRTIO_CONSOLE_CONFIG_LEN] = {0};
    (void)vdev;
    c[4] = 1; /* max_nr_ports; cols, rows and emerg_wr read 0 */
    uint64_t v = 0;
    for (unsigned i = 0; i < size && offset + i < sizeof(c); i++)
        v |= (uint64_t)c[offset + i] << (8 * i);
    return v;
}

static void console_config_write(VirtioDevice *vdev, uint64_t offset, uint64_t val, unsigned size)
{
    VirtioConsole *con = (VirtioConsole *)vdev;
    /* §5.3.6.1: emerg_wr takes one character, even before the driver is ready. */
    if (offset == 8 && con->chr) {
        uint8_t ch = (uint8_t)val;
        chardev_write(con->chr, &ch, 1);
        return;
    }
    log_printf(vdev->log, LOG_GUEST_ERROR, "%s: write to read-only config 0x%llx/%u\n", vdev->name,
               (unsigned long long)offset, size);
}

static void console_reset(VirtioDevice *vdev)
{
    VirtioConsole *con = (VirtioConsole *)vdev;
    virtqueue_element_free(con->rx_elem);
    con->rx_elem = NULL;
    con->driver_ready = con->port_ready = con->guest_open = false;
    con->ctrl_head = con->ctrl_count = 0;
}

static const VirtioDeviceOps console_ops = {
    .reset = console_reset,
    .config_read = console_config_read,
    .config_write = console_config_write,
};

void virtio_console_init(VirtioConsole *con, AddressSpace *mem, const Log *log)
{
    uint64_t features =
        (1ull << VIRTIO_CONSOLE_F_MULTIPORT) | (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE);
    virtio_init(&con->vdev, "virtio-serial", VIRTIO_ID_CONSOLE, VIRTIO_CONSOLE_CONFIG_LEN, features,
                &console_ops, mem, log);
    con->chr = NULL;
    con->rx_elem = NULL;
    console_reset(&con->vdev);
    virtio_add_queue(&con->vdev, VIRTIO_CONSOLE_QUEUE_SIZE, handle_port_rx);
    virtio_add_queue(&con->vdev, VIRTIO_CONSOLE_QUEUE_SIZE, handle_port_tx);
    virtio_add_queue(&con->vdev, VIRTIO_CONSOLE_QUEUE_SIZE, handle_ctrl_rx);
    virtio_add_queue(&con->vdev, VIRTIO_CONSOLE_QUEUE_SIZE, handle_ctrl_tx);
}

void virtio_console_attach(VirtioConsole *con, Chardev *chr)
{
    g_assert(!con->chr);
    con->chr = chr;
    chardev_set_handlers(chr, console_can_read, console_read, con);
}

void virtio_console_cleanup(VirtioConsole *con)
{
    virtqueue_element_free(con->rx_elem);
    con->rx_elem = NULL;
    if (con->chr)
        chardev_set_handlers(con->chr, NULL, NULL, NULL);
    con->chr = NULL;
}

VirtioSerialPci *virtio_serial_pci_new(PciBus *bus, uint8_t devfn, AddressSpace *mem,
                                       const Log *log, const VirtioPciConfig *pci_cfg)
{
    VirtioSerialPci *d = g_new0(VirtioSerialPci, 1);
    virtio_console_init(&d->con, mem, log);
    /* Class 0x078000 (communication, other), as QEMU's virtio-serial-pci. */
    virtio_pci_init(&d->pci, bus, devfn, &d->con.vdev, 0x078000, pci_cfg);
    return d;
}

void virtio_serial_pci_free(VirtioSerialPci *d)
{
    if (!d)
        return;
    virtio_console_cleanup(&d->con);
    virtio_pci_destroy(&d->pci);
    g_free(d);
}
