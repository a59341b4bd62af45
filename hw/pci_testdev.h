/* QEMU's pci-testdev (QEMU hw/misc/pci-testdev.c; vendor 1b36h Red Hat, device 0005h,
 * class 00ff00h), the PCI test device of kvm-unit-tests' pci test.
 *
 * BAR0 (4 KiB memory) and BAR1 (256 bytes I/O) each hold three tests, numbered 0-2 by
 * a byte write to offset 0 of the BAR ("no-eventfd", "wildcard-eventfd",
 * "datamatch-eventfd"); any other number stops testing. The selected test's header is
 * read back byte by byte from offset 0 of the same BAR:
 *   0 test (0-2 memory, 3-5 I/O), 1 access width (1), 4 offset (le32), 8 data byte,
 *   12 count (le32), 16 name ("mmio-no-eventfd", ...) NUL-terminated;
 * each byte write of the data byte (any byte for the wildcard test) at the offset
 * (2048 + test for memory, 128 + test for I/O) adds one to the count. QEMU hands the
 * two eventfd tests' writes to an eventfd instead of counting them, which the test
 * suite accepts as well; here all three count.
 */
#ifndef PACIFICA_HW_PCI_TESTDEV_H
#define PACIFICA_HW_PCI_TESTDEV_H

#include "hw/pci.h"

#define PCI_TESTDEV_VENDOR_ID 0x1b36
#define PCI_TESTDEV_DEVICE_ID 0x0005
#define PCI_TESTDEV_NUM_TESTS 6 /* three per BAR */

typedef struct PciTestdevState {
    PciDevice pci;
    uint8_t current; /* the running test, or 0xff for none */
    uint32_t count[PCI_TESTDEV_NUM_TESTS];

    MemoryRegion *mmio, *portio;
} PciTestdevState;

PciTestdevState *pci_testdev_new(PciBus *bus, uint8_t devfn);
void pci_testdev_free(PciTestdevState *s);

#endif
