/* The I/O APIC (Intel 82093AA datasheet; ICH's version 0x20 with the EOI register) at
 * 0xFEC00000: 24 redirection entries turning interrupt pins into APIC messages. On the
 * PC, ISA IRQ n is pin n (IRQ 0 on pin 2, per the MADT override) and PCI PIRQ A-D are
 * pins 16-19. */
#ifndef PACIFICA_HW_IOAPIC_H
#define PACIFICA_HW_IOAPIC_H

#include <stdint.h>

#include "hw/apic.h"
#include "system/irq.h"
#include "system/memory.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_PINS         24

typedef struct IoapicState {
    DeviceState dev;
    uint32_t id;
    uint32_t ioregsel;
    uint64_t redir[IOAPIC_PINS];
    uint32_t level; /* input pin levels */
    ApicBus *apics;
    AddressSpace *mem;
    MemoryRegion *region;
    const Log *log;
} IoapicState;

IoapicState *ioapic_new(AddressSpace *mem, ApicBus *apics, const Log *log);
void ioapic_free(IoapicState *s);
IrqLine ioapic_irq_line(IoapicState *s, unsigned pin);
void ioapic_set_irq(IoapicState *s, unsigned pin, int level);
/* A level-triggered vector was EOIed at a local APIC (SDM 3A §11.8.5). */
void ioapic_eoi(IoapicState *s, uint8_t vector);

#endif
