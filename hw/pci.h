/* PCI: a bus with configuration mechanism #1 (ports 0xCF8/0xCFC), and the generic
 * part of every PCI function: its 256-byte configuration space, BAR sizing and
 * mapping, INTx pins. Devices (host bridge, ISA bridge, virtio, ...) embed PciDevice
 * first and add their own registers. PCI Local Bus Specification 3.0 §6 is the
 * reference for the configuration header. */
#ifndef PACIFICA_HW_PCI_H
#define PACIFICA_HW_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "system/device.h"
#include "system/log.h"
#include "system/memory.h"

#define PCI_CONFIG_SIZE    256
#define PCI_NUM_BARS       6
#define PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))

/* Configuration header offsets (type 0) */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_HEADER_TYPE         0x0e
#define PCI_BAR0                0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_COMMAND_IO            0x0001
#define PCI_COMMAND_MEMORY        0x0002
#define PCI_COMMAND_MASTER        0x0004
#define PCI_COMMAND_INTX_DISABLE  0x0400
#define PCI_STATUS_INTERRUPT      0x0008
#define PCI_STATUS_CAP_LIST       0x0010
#define PCI_HEADER_MULTI_FUNCTION 0x80

#define PCI_BAR_IO       0x01
#define PCI_BAR_MEM64    0x04
#define PCI_BAR_PREFETCH 0x08

struct PciBus;

typedef struct PciBar {
    uint64_t size; /* power of two; 0: no BAR */
    uint8_t type;  /* PCI_BAR_* bits */
    MemoryRegion *region;
    uint64_t mapped; /* address where region is visible, or PCI_BAR_UNMAPPED */
} PciBar;

#define PCI_BAR_UNMAPPED (~0ull)

typedef struct PciDevice {
    DeviceState dev;
    struct PciBus *bus;
    uint8_t devfn;
    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SIZE]; /* bits cleared by writing 1 (status) */
    PciBar bars[PCI_NUM_BARS];
    bool irq_level; /* INTx asserted by the device (before INTx Disable) */
    /* Device hooks: a config write after the generic handling (e.g. PIIX registers),
     * and a read override (NULL: the config bytes). */
    void (*config_written)(struct PciDevice *d, unsigned addr, uint32_t val, unsigned size);
    uint32_t (*config_read)(struct PciDevice *d, unsigned addr, unsigned size);
} PciDevice;

typedef struct PciBus {
    DeviceState dev;
    PciDevice *devices[256]; /* by devfn (bus 0 only) */
    AddressSpace *mem, *io;
    const Log *log;
    uint32_t config_address; /* 0xCF8 */
    MemoryRegion *regions[2];
    /* INTx routing, set by the board (PIIX3): device/pin to PIRQ line 0-3, and the
     * PIRQ line's level to the interrupt controllers. */
    int (*map_irq)(uint8_t devfn, int pin /* 0 = INTA */);
    void (*set_pirq)(void *opaque, int pirq, int level);
    void *pirq_opaque;
    unsigned pirq_count[4]; /* asserted INTx inputs per PIRQ (wired-OR) */
    /* Byte accesses to 0xCF9 inside the 0xCF8 dword are the PIIX3 reset control
     * register, not the configuration address (82371SB datasheet §4.1.17). */
    uint8_t (*cf9_read)(void *opaque);
    void (*cf9_write)(void *opaque, uint8_t val);
    void *cf9_opaque;
} PciBus;

PciBus *pci_bus_new(AddressSpace *mem, AddressSpace *io, const Log *log);
void pci_bus_free(PciBus *bus);

/* Sets up d's header and puts it on the bus at devfn. */
void pci_device_init(PciDevice *d, PciBus *bus, uint8_t devfn, const char *name, uint16_t vendor,
                     uint16_t device, uint8_t revision, uint32_t class_code);
/* Declares BAR idx of size bytes (a power of two) backed by region, which the BAR
 * makes visible in the memory or I/O space while decoding is enabled. region must have
 * been added (disabled) to the right address space. */
void pci_register_bar(PciDevice *d, int idx, uint8_t type, uint64_t size, MemoryRegion *region);
/* INTx of the device's interrupt pin. */
void pci_set_irq(PciDevice *d, int level);
/* Resets the generic header state (command, BARs, INTx). */
void pci_device_reset(PciDevice *d);

/* Configuration access by bus/devfn/register, as the 0xCF8/0xCFC mechanism does it. */
uint32_t pci_config_read(PciBus *bus, uint8_t devfn, unsigned addr, unsigned size);
void pci_config_write(PciBus *bus, uint8_t devfn, unsigned addr, uint32_t val, unsigned size);

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
