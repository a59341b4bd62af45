/* virtio-console as QEMU's virtio-serial-pci (virtio 1.1 §5.3) with at most one port,
 * port 0, a console (QEMU's virtconsole) on a character backend: what the guest writes
 * to /dev/hvc0 goes to the backend, what arrives from the backend is the guest's input.
 *
 * The device offers VIRTIO_CONSOLE_F_MULTIPORT, as QEMU does and as Linux's
 * virtio_console driver expects for a virtconsole: queues 0/1 are port 0's receive and
 * transmit queues, 2/3 the control receive and transmit queues (§5.3.2), and the
 * port is announced through control messages (§5.3.6.2): the driver sends DEVICE_READY,
 * the device answers DEVICE_ADD for port 0, the driver sends PORT_READY, the device
 * marks it a console (CONSOLE_PORT) and opened on the host side (PORT_OPEN).
 * VIRTIO_CONSOLE_F_EMERG_WRITE is offered too: a write to emerg_wr sends one byte.
 *
 * Board wiring (hw/pc.c):
 *     VirtioSerialPci *d = virtio_serial_pci_new(pci_bus, devfn, &m->mem, &m->log, &cfg);
 *     machine_register_device(m, &d->pci.pci.dev);
 *     virtio_console_attach(&d->con, chr);   (-device virtconsole,chardev=ID)
 * and virtio_serial_pci_free(d) at exit, before the chardev is closed.
 */
#ifndef PACIFICA_HW_VIRTIO_CONSOLE_H
#define PACIFICA_HW_VIRTIO_CONSOLE_H

#include "hw/virtio.h"
#include "hw/virtio_pci.h"
#include "system/chardev.h"

#define VIRTIO_ID_CONSOLE         3
#define VIRTIO_CONSOLE_CONFIG_LEN 12 /* cols, rows, max_nr_ports, emerg_wr (§5.3.4) */
#define VIRTIO_CONSOLE_QUEUE_SIZE 128

/* Feature bits (§5.3.3). */
#define VIRTIO_CONSOLE_F_SIZE        0
#define VIRTIO_CONSOLE_F_MULTIPORT   1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

/* Control message events (§5.3.6.2); a message is le32 id, le16 event, le16 value. */
#define VIRTIO_CONSOLE_DEVICE_READY  0
#define VIRTIO_CONSOLE_DEVICE_ADD    1
#define VIRTIO_CONSOLE_DEVICE_REMOVE 2
#define VIRTIO_CONSOLE_PORT_READY    3
#define VIRTIO_CONSOLE_CONSOLE_PORT  4
#define VIRTIO_CONSOLE_RESIZE        5
#define VIRTIO_CONSOLE_PORT_OPEN     6
#define VIRTIO_CONSOLE_PORT_NAME     7
#define VIRTIO_CONSOLE_CTRL_SIZE     8

/* Queue indices with MULTIPORT and one port (§5.3.2). */
#define VIRTIO_CONSOLE_PORT0_RX 0
#define VIRTIO_CONSOLE_PORT0_TX 1
#define VIRTIO_CONSOLE_CTRL_RX  2
#define VIRTIO_CONSOLE_CTRL_TX  3

/* Device-to-driver control messages waiting for a control receive buffer. */
#define VIRTIO_CONSOLE_CTRL_PENDING 16

typedef struct VirtioConsole {
    VirtioDevice vdev;
    Chardev *chr;      /* port 0's backend; NULL: the device has no port */
    bool driver_ready; /* DEVICE_READY received */
    bool port_ready;   /* PORT_READY received for port 0 */
    bool guest_open;   /* the guest has port 0 open (its PORT_OPEN) */
    uint8_t ctrl_pending[VIRTIO_CONSOLE_CTRL_PENDING][VIRTIO_CONSOLE_CTRL_SIZE];
    unsigned ctrl_head, ctrl_count;
    /* Receive buffer taken for backend input, filled by the next read. */
    VirtqElement *rx_elem;
} VirtioConsole;

typedef struct VirtioSerialPci {
    VirtioPci pci;
    VirtioConsole con;
} VirtioSerialPci;

void virtio_console_init(VirtioConsole *con, AddressSpace *mem, const Log *log);
/* Gives the device its console port on chr (which stays the caller's). Once only. */
void virtio_console_attach(VirtioConsole *con, Chardev *chr);
/* Lets go of chr and of the receive buffer held. */
void virtio_console_cleanup(VirtioConsole *con);

VirtioSerialPci *virtio_serial_pci_new(PciBus *bus, uint8_t devfn, AddressSpace *mem,
                                       const Log *log, const VirtioPciConfig *pci_cfg);
void virtio_serial_pci_free(VirtioSerialPci *d);

#endif
