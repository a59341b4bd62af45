/* I/O APIC (82093AA datasheet §3: IOREGSEL at 00h, IOWIN at 10h; registers 00h ID,
 * 01h version, 02h arbitration, 10h-3Fh redirection table; the EOI register at 40h of
 * version 20h parts). Pins are active-high logical levels here (polarity is kept in the
 * entry for the guest but inputs are already "asserted" levels, as QEMU models them). */
#include "hw/ioapic.h"

#include <stdlib.h>

#define IOAPIC_VERSION     0x20
#define REDIR_MASKED       (1ull << 16)
#define REDIR_LEVEL        (1ull << 15)
#define REDIR_REMOTE_IRR   (1ull << 14)
#define REDIR_DELIV_STATUS (1ull << 12)
#define REDIR_RO_BITS      (REDIR_REMOTE_IRR | REDIR_DELIV_STATUS)

static void ioapic_service(IoapicState *s, unsigned pin)
{
    uint64_t e = s->redir[pin];
    if (e & REDIR_MASKED)
        return;
    bool level = e & REDIR_LEVEL;
    if (level) {
        if (!((s->level >> pin) & 1) || (e & REDIR_REMOTE_IRR))
            return;
        s->redir[pin] |= REDIR_REMOTE_IRR; /* until the EOI (datasheet: Remote IRR) */
    }
    apic_bus_deliver(s->apics, (uint32_t)(e >> 56), (e >> 11) & 1, (int)((e >> 8) & 7), (uint8_t)e,
                     level);
}

void ioapic_set_irq(IoapicState *s, unsigned pin, int level)
{
    if (pin >= IOAPIC_PINS)
        return;
    uint32_t mask = 1u << pin;
    bool was = s->level & mask;
    if (level)
        s->level |= mask;
    else
        s->level &= ~mask;
    if (s->redir[pin] & REDIR_LEVEL) {
        if (level)
            ioapic_service(s, pin);
    } else if (level && !was) {
        ioapic_service(s, pin); /* edge: rising transitions only */
    }
}

static void ioapic_irq_handler(void *opaque, int n, int level)
{
    ioapic_set_irq(opaque, (unsigned)n, level);
}

IrqLine ioapic_irq_line(IoapicState *s, unsigned pin)
{
    return (IrqLine){ioapic_irq_handler, s, (int)pin};
}

void ioapic_eoi(IoapicState *s, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = s->redir[pin];
        if ((e & REDIR_LEVEL) && (uint8_t)e == vector && (e & REDIR_REMOTE_IRR)) {
            s->redir[pin] &= ~REDIR_REMOTE_IRR;
            ioapic_service(s, pin); /* still asserted: deliver again */
        }
    }
}

static uint32_t ioapic_read_reg(IoapicState *s)
{
    unsigned reg = s->ioregsel & 0xff;
    if (reg == 0x00)
        return s->id << 24;
    if (reg == 0x01)
        return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
    if (reg == 0x02)
        return s->id << 24; /* arbitration ID */
    if (reg >= 0x10 && reg < 0x10 + 2 * IOAPIC_PINS) {
        uint64_t e = s->redir[(reg - 0x10) / 2];
        return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0;
}

static void ioapic_write_reg(IoapicState *s, uint32_t val)
{
    unsigned reg = s->ioregsel & 0xff;
    if (reg == 0x00) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS) {
        log_printf(s->log, LOG_GUEST_ERROR, "ioapic: write to register 0x%02x\n", reg);
        return;
    }
    unsigned pin = (reg - 0x10) / 2;
    uint64_t e = s->redir[pin];
    if (reg & 1)
        e = (e & 0xffffffffull) | ((uint64_t)val << 32);
    else
        e = (e & 0xffffffff00000000ull) | (e & REDIR_RO_BITS) | ((uint64_t)val & ~REDIR_RO_BITS);
    /* Changing to edge clears Remote IRR (as hardware does on a trigger-mode change). */
    if (!(e & REDIR_LEVEL))
        e &= ~REDIR_REMOTE_IRR;
    s->redir[pin] = e;
    /* An unmasked, asserted level input delivers now; an edge input waits for its next
     * rising edge (rewriting an entry is not an edge). */
    if (e & REDIR_LEVEL)
        ioapic_service(s, pin);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    IoapicState *s = opaque;
    (void)size;
    if (addr == 0x00)
        return s->ioregsel;
    if (addr == 0x10)
        return ioapic_read_reg(s);
    return 0;
}

static void ioapic_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    IoapicState *s = opaque;
    (void)size;
    if (addr == 0x00)
        s->ioregsel = (uint32_t)val & 0xff;
    else if (addr == 0x10)
        ioapic_write_reg(s, (uint32_t)val);
    else if (addr == 0x40)
        ioapic_eoi(s, (uint8_t)val);
}

static const MemoryRegionOps ioapic_ops = {
    .read = ioapic_mmio_read, .write = ioapic_mmio_write, .min_access = 4, .max_access = 4};

static void ioapic_reset(DeviceState *dev)
{
    IoapicState *s = (IoapicState *)dev;
    s->id = 0;
    s->ioregsel = 0;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        s->redir[i] = REDIR_MASKED;
}

static const VMStateField ioapic_fields[] = {
    VMSTATE_U32(IoapicState, id),
    VMSTATE_U32(IoapicState, ioregsel),
    VMSTATE_BYTES(IoapicState, redir),
    VMSTATE_U32(IoapicState, level),
    VMSTATE_END,
};

IoapicState *ioapic_new(AddressSpace *mem, ApicBus *apics, const Log *log)
{
    IoapicState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->dev.name = "ioapic";
    s->dev.reset = ioapic_reset;
    s->dev.fields = ioapic_fields;
    s->apics = apics;
    s->mem = mem;
    s->log = log;
    s->region =
        address_space_add_mmio(mem, "ioapic", IOAPIC_DEFAULT_BASE, 0x1000, &ioapic_ops, s, 0);
    ioapic_reset(&s->dev);
    return s;
}

void ioapic_free(IoapicState *s)
{
    if (!s)
        return;
    address_space_remove(s->mem, s->region);
    free(s);
}
