/* The virtio PCI transport (virtio 1.1 §4.1), vendor 0x1AF4. A modern device (device
 * 0x1040 + device type, revision 1) has only the virtio 1.x interface; a transitional
 * one (VirtioPciConfig.transitional, as QEMU's pc machine makes them: device
 * 0x1000-0x103f, revision 0, subsystem device = device type) adds the legacy interface
 * in an I/O BAR0 (§4.1.4.8, virtio_pci_legacy.c) for drivers older than virtio 1.0.
 *
 * Layout:
 *   BAR0 (I/O, transitional only): the legacy registers and device configuration;
 *   BAR1 (32-bit memory, 4 KiB): MSI-X table at 0, pending-bit array at 0x800
 *        (PCI Local Bus Specification 3.0 §6.8.2);
 *   BAR4 (64-bit prefetchable memory, 16 KiB): common configuration at 0x0000,
 *        ISR status at 0x1000, device configuration at 0x2000, notifications at
 *        0x3000 (queue i at 0x3000 + 4 * i).
 *   Capability list at 0x40: MSI-X, then the virtio structures (common, notify, ISR,
 *   device, PCI configuration access), each a vendor-specific capability (§4.1.4).
 *
 * Interrupts: with MSI-X enabled each queue and the configuration change use the
 * vector the driver assigned, sent through the board's msi_deliver (a memory write of
 * data to address, 0xFEExxxxx for the local APICs); a masked vector sets its pending
 * bit and is sent when unmasked. With MSI-X disabled, INTx (pci_set_irq) follows the
 * ISR status (§4.1.5.3, §4.1.5.4).
 */
#ifndef PACIFICA_HW_VIRTIO_PCI_H
#define PACIFICA_HW_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci.h"
#include "hw/virtio.h"

#define VIRTIO_PCI_VENDOR_ID       0x1af4
#define VIRTIO_PCI_DEVICE_ID_BASE  0x1040
#define VIRTIO_PCI_LEGACY_BAR      0
#define VIRTIO_PCI_MSIX_BAR        1
#define VIRTIO_PCI_MODERN_BAR      4
#define VIRTIO_PCI_MSIX_BAR_SIZE   0x1000
#define VIRTIO_PCI_MSIX_PBA_OFFSET 0x800
#define VIRTIO_PCI_MODERN_BAR_SIZE 0x4000
#define VIRTIO_PCI_COMMON_OFFSET   0x0000
#define VIRTIO_PCI_ISR_OFFSET      0x1000
#define VIRTIO_PCI_DEVICE_OFFSET   0x2000
#define VIRTIO_PCI_NOTIFY_OFFSET   0x3000
#define VIRTIO_PCI_REGION_SIZE     0x1000
#define VIRTIO_PCI_NOTIFY_MULT     4
#define VIRTIO_PCI_MAX_VECTORS     (VIRTIO_QUEUE_MAX + 1)

/* Capability types (§4.1.4) and the configuration-space offsets we put them at. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5
#define VIRTIO_PCI_MSIX_CAP       0x40
#define VIRTIO_PCI_COMMON_CAP     0x50
#define VIRTIO_PCI_NOTIFY_CAP     0x60
#define VIRTIO_PCI_ISR_CAP        0x74
#define VIRTIO_PCI_DEVICE_CAP     0x84
#define VIRTIO_PCI_PCI_CFG_CAP    0x94

/* Common configuration structure offsets (§4.1.4.3). */
#define VIRTIO_PCI_COMMON_DFSELECT  0x00
#define VIRTIO_PCI_COMMON_DF        0x04
#define VIRTIO_PCI_COMMON_GFSELECT  0x08
#define VIRTIO_PCI_COMMON_GF        0x0c
#define VIRTIO_PCI_COMMON_MSIX      0x10
#define VIRTIO_PCI_COMMON_NUMQ      0x12
#define VIRTIO_PCI_COMMON_STATUS    0x14
#define VIRTIO_PCI_COMMON_CFGGEN    0x15
#define VIRTIO_PCI_COMMON_Q_SELECT  0x16
#define VIRTIO_PCI_COMMON_Q_SIZE    0x18
#define VIRTIO_PCI_COMMON_Q_MSIX    0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE  0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF    0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO  0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI  0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI 0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO  0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI  0x34
#define VIRTIO_PCI_COMMON_SIZE      0x38

/* MSI-X capability (PCI 3.0 §6.8.2): message control bits. */
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_FLAGS_MASK   0x4000
#define PCI_MSIX_ENTRY_SIZE   16
#define PCI_MSIX_ENTRY_MASKED 1

typedef struct VirtioPciConfig {
    /* Delivers an MSI-X message: a 32-bit write of data at addr (the board routes
     * 0xFEExxxxx to apic_bus_deliver). NULL: only INTx works. */
    void (*msi_deliver)(void *opaque, uint64_t addr, uint32_t data);
    void *msi_opaque;
    /* Also offer the legacy interface (QEMU's disable-legacy=off). */
    bool transitional;
} VirtioPciConfig;

typedef struct VirtioPci {
    PciDevice pci;
    VirtioDevice *vdev;
    AddressSpace *mem, *io;
    const Log *log;
    MemoryRegion *msix_region, *modern_region;
    MemoryRegion *legacy_region; /* NULL unless transitional */
    VirtioPciConfig cfg;
    uint32_t dfselect, gfselect;
    uint16_t queue_select;
    unsigned msix_vectors;
    uint8_t msix_table[VIRTIO_PCI_MAX_VECTORS * PCI_MSIX_ENTRY_SIZE];
    uint32_t msix_pending; /* one bit per vector */
} VirtioPci;

/* Puts vdev (already set up with its queues) on the bus at devfn as a modern (or, with
 * cfg->transitional, transitional) virtio PCI function with the given class code. The caller
 * registers proxy->pci.dev with the machine; its reset resets the transport and the device. */
void virtio_pci_init(VirtioPci *proxy, PciBus *bus, uint8_t devfn, VirtioDevice *vdev,
                     uint32_t class_code, const VirtioPciConfig *cfg);
void virtio_pci_destroy(VirtioPci *proxy);

#endif
