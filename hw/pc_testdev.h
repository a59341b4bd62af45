/* QEMU's pc-testdev (QEMU hw/misc/pc-testdev.c), the ISA test device that
 * kvm-unit-tests drives:
 *   ports 0xe0-0xe3  a 32-bit scratch register, accessed at any width and byte offset
 *                    (a read returns what the same bytes were last written with);
 *   port 0xe4        a 32-bit write of a guest-physical address "flushes" that page
 *                    (QEMU drops its mapping; here its translated code is dropped);
 *   ports 0xe8-0xeb  the same scratch register, split into byte accesses;
 *   ports 0x2000-0x2017  a byte write of V to 0x2000 + N sets interrupt line N to
 *                    V != 0: lines 0-15 are the ISA IRQs (PIC and I/O APIC), 16-23
 *                    the I/O APIC's PCI pins;
 *   memory 0xff000000-0xff00ffff  64 KiB of device memory (MMIO, not RAM) that
 *                    reads back what was written, for instruction-emulation tests
 *                    (where QEMU 7.2 puts it, checked with tests/guest/mb-testdev).
 */
#ifndef PACIFICA_HW_PC_TESTDEV_H
#define PACIFICA_HW_PC_TESTDEV_H

#include <stdint.h>

#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

#define PC_TESTDEV_IOMEM_BASE 0xff000000u
#define PC_TESTDEV_IOMEM_SIZE 0x10000u
#define PC_TESTDEV_IRQ_BASE   0x2000
#define PC_TESTDEV_NUM_IRQS   24

/* Told about a flushed page (its guest-physical address). */
typedef void PcTestdevFlush(void *opaque, uint64_t page);

typedef struct PcTestdevState {
    DeviceState dev;
    uint32_t ioport_data;
    uint8_t iomem[PC_TESTDEV_IOMEM_SIZE];

    AddressSpace *io, *mem;
    const Log *log;
    MemoryRegion *regions[5];
    IrqLine irqs[PC_TESTDEV_NUM_IRQS];
    PcTestdevFlush *flush;
    void *flush_opaque;
} PcTestdevState;

PcTestdevState *pc_testdev_new(AddressSpace *io, AddressSpace *mem, const IrqLine *irqs,
                               PcTestdevFlush *flush, void *flush_opaque, const Log *log);
void pc_testdev_free(PcTestdevState *s);

#endif
