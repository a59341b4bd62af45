/* What the virtio PCI transport's modern part (virtio_pci.c) and its legacy interface
 * (virtio_pci_legacy.c) share; not for devices. */
#ifndef PACIFICA_HW_VIRTIO_PCI_INTERNAL_H
#define PACIFICA_HW_VIRTIO_PCI_INTERNAL_H

#include "hw/virtio_pci.h"

bool virtio_pci_msix_enabled(const VirtioPci *p);
/* INTx follows the ISR status while MSI-X is off (§4.1.5.3). */
void virtio_pci_update_intx(VirtioPci *p);
/* A vector the driver may use, or NO_VECTOR (§4.1.5.1.2). */
uint16_t virtio_pci_checked_vector(VirtioPci *p, uint64_t val);

/* The legacy I/O BAR: its size for vdev, and mapping it as BAR0. */
uint64_t virtio_pci_legacy_bar_size(const VirtioDevice *vdev);
void virtio_pci_legacy_init(VirtioPci *p, PciBus *bus);

#endif
