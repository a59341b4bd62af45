/* Intel 82371SB PIIX3 function 0: PCI-to-ISA bridge (82371SB datasheet).
 *
 * PIRQ routing (§4.1.10 PIRQRC[A:D], config 0x60-0x63): bit 7 set disables the route,
 * bits 3:0 pick the ISA IRQ. PCI interrupts are level-triggered and shared: an ISA IRQ
 * is driven high while any PIRQ routed to it is high. The PCI slots' INTx pins rotate
 * over PIRQ A-D by device number, as QEMU's i440FX board wires them.
 *
 * Reset control (§4.1.17, port 0xCF9): bit 1 SRST chooses a hard reset, bit 2 RCPU
 * resets on its 0->1 transition. */
#include "hw/piix3.h"

#include <stdlib.h>
#include <string.h>

#define PIIX3_PIRQRC  0x60
#define PIRQ_DISABLED 0x80
#define RCR_RCPU      0x04

static const VMStateField piix3_fields[] = {
    VMSTATE_BYTES(Piix3State, pci.config),
    VMSTATE_U8(Piix3State, rcr),
    VMSTATE_U8_ARRAY(Piix3State, pirq_level, 4),
    VMSTATE_U16(Piix3State, isa_level),
    VMSTATE_END,
};

/* ISA IRQs 0-2, 8 and 13 are never PCI targets (datasheet: reserved values). */
static bool pirq_target_valid(unsigned irq)
{
    return irq >= 3 && irq != 8 && irq != 13 && irq < 16;
}

static void piix3_update_isa(Piix3State *s)
{
    uint16_t level = 0;
    for (int p = 0; p < 4; p++) {
        uint8_t route = s->pci.config[PIIX3_PIRQRC + p];
        if (s->pirq_level[p] && !(route & PIRQ_DISABLED) && pirq_target_valid(route & 0xf))
            level |= (uint16_t)(1u << (route & 0xf));
    }
    uint16_t changed = level ^ s->isa_level;
    s->isa_level = level;
    for (unsigned irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            irq_set_level(&s->isa_irq[irq], (level >> irq) & 1);
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    Piix3State *s = opaque;
    s->pirq_level[pirq] = level != 0;
    irq_set_level(&s->apic_pirq[pirq], level);
    piix3_update_isa(s);
}

static int piix3_map_irq(uint8_t devfn, int pin)
{
    return ((devfn >> 3) + pin) & 3;
}

static void piix3_config_written(PciDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    (void)val;
    if (addr < PIIX3_PIRQRC + 4 && addr + size > PIIX3_PIRQRC)
        piix3_update_isa((Piix3State *)d);
}

static uint8_t piix3_cf9_read(void *opaque)
{
    return ((Piix3State *)opaque)->rcr;
}

static void piix3_cf9_write(void *opaque, uint8_t val)
{
    Piix3State *s = opaque;
    bool reset = (val & RCR_RCPU) && !(s->rcr & RCR_RCPU);
    s->rcr = val & 0x02; /* RCPU reads back 0: the reset has happened */
    if (reset && s->request_reset)
        s->request_reset(s->reset_opaque);
}

static void piix3_reset(DeviceState *dev)
{
    Piix3State *s = (Piix3State *)dev;
    pci_device_reset(&s->pci);
    for (int p = 0; p < 4; p++)
        s->pci.config[PIIX3_PIRQRC + p] = PIRQ_DISABLED;
    s->rcr = 0;
    piix3_update_isa(s);
}

Piix3State *piix3_new(PciBus *bus, const IrqLine isa_irq[16], void (*request_reset)(void *),
                      void *reset_opaque)
{
    Piix3State *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    /* 82371SB function 0: vendor 8086h, device 7000h, class 060100h (ISA bridge). */
    pci_device_init(&s->pci, bus, PCI_DEVFN(1, 0), "piix3", 0x8086, 0x7000, 0x00, 0x060100);
    s->pci.config[PCI_HEADER_TYPE] = PCI_HEADER_MULTI_FUNCTION;
    s->pci.dev.reset = piix3_reset;
    s->pci.dev.fields = piix3_fields;
    s->pci.config_written = piix3_config_written;
    for (int p = 0; p < 4; p++)
        s->pci.wmask[PIIX3_PIRQRC + p] = 0x8f;
    memcpy(s->isa_irq, isa_irq, sizeof(s->isa_irq));
    s->request_reset = request_reset;
    s->reset_opaque = reset_opaque;
    bus->map_irq = piix3_map_irq;
    bus->set_pirq = piix3_set_pirq;
    bus->pirq_opaque = s;
    bus->cf9_read = piix3_cf9_read;
    bus->cf9_write = piix3_cf9_write;
    bus->cf9_opaque = s;
    piix3_reset(&s->pci.dev);
    return s;
}

void piix3_free(Piix3State *s)
{
    free(s);
}
