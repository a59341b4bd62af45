/* The PIIX3 PCI-to-ISA bridge (PCI 0:1.0): PCI interrupt routing (PIRQ A-D to ISA IRQs)
 * and the reset control register at 0xCF9 (82371SB datasheet §2.2, §4.1.10, §4.1.17). */
#ifndef PACIFICA_HW_PIIX3_H
#define PACIFICA_HW_PIIX3_H

#include "hw/pci.h"
#include "system/irq.h"

typedef struct Piix3State {
    PciDevice pci;
    uint8_t rcr; /* reset control register (0xCF9) */
    uint8_t pirq_level[4];
    uint16_t isa_level;   /* PCI contribution to each ISA IRQ last driven */
    IrqLine isa_irq[16];  /* the ISA IRQ lines (PIC inputs) */
    IrqLine apic_pirq[4]; /* PIRQ A-D to IOAPIC inputs 16-19 (unwired: none) */
    void (*request_reset)(void *opaque);
    void *reset_opaque;
} Piix3State;

Piix3State *piix3_new(PciBus *bus, const IrqLine isa_irq[16], void (*request_reset)(void *),
                      void *reset_opaque);
void piix3_free(Piix3State *s);

#endif
