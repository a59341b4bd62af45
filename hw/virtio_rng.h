/* virtio-rng, the entropy device (virtio 1.1 §5.4): one request queue of
 * device-writable buffers that the device fills with random bytes from the host's
 * getrandom(2). No configuration space, no feature bits of its own.
 *
 * Board wiring (hw/pc.c):
 *     VirtioRngPci *d = virtio_rng_pci_new(pci_bus, devfn, &m->mem, &m->log, &pci_cfg);
 *     machine_register_device(m, &d->pci.pci.dev);
 * and virtio_rng_pci_free(d) at exit.
 */
#ifndef PACIFICA_HW_VIRTIO_RNG_H
#define PACIFICA_HW_VIRTIO_RNG_H

#include "hw/virtio.h"
#include "hw/virtio_pci.h"

#define VIRTIO_ID_RNG         4
#define VIRTIO_RNG_QUEUE_SIZE 8
/* Bytes given per buffer at most: Linux asks for 64 at a time; a guest asking for more
 * gets a short answer (§5.4.6.1 lets the device fill less than the buffer). */
#define VIRTIO_RNG_MAX_CHUNK 4096

typedef struct VirtioRng {
    VirtioDevice vdev;
    uint64_t bytes_given; /* statistics, for tests */
} VirtioRng;

typedef struct VirtioRngPci {
    VirtioPci pci;
    VirtioRng rng;
} VirtioRngPci;

void virtio_rng_init(VirtioRng *rng, AddressSpace *mem, const Log *log);

VirtioRngPci *virtio_rng_pci_new(PciBus *bus, uint8_t devfn, AddressSpace *mem, const Log *log,
                                 const VirtioPciConfig *pci_cfg);
void virtio_rng_pci_free(VirtioRngPci *d);

#endif
