/* The PC's dual Intel 8259A interrupt controllers (8259A datasheet: "Interrupt
 * Sequence", "Programming the 8259A", ICW1-4 and OCW1-3) and the PIIX3 ELCR
 * registers that make individual inputs level-triggered (82371SB datasheet §4.1.2). */
#include "hw/i8259.h"

#include <stdlib.h>

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE  0xa0
#define PIC_ELCR_BASE   0x4d0
#define PIC_CASCADE_IRQ 2

/* Priority (0 = highest) of the highest-priority bit set in mask, given the current
 * rotation; 8 when mask is empty. */
static unsigned pic_priority(const PicChip *c, uint8_t mask)
{
    if (!mask)
        return 8;
    unsigned p = 0;
    while (!(mask & (1u << ((p + c->priority_add) & 7))))
        p++;
    return p;
}

/* The IRQ (0-7) this chip would signal now, or -1. A request is signalled only if it
 * has higher priority than everything in service (fully nested mode); in special mask
 * mode masked in-service levels do not block, and in special fully nested mode the
 * master lets further requests from the slave through while one is in service. */
static int pic_chip_pending(const PicChip *c, bool is_master)
{
    unsigned p = pic_priority(c, c->irr & ~c->imr);
    if (p == 8)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;
    if (is_master && c->special_fully_nested)
        in_service &= ~(1u << PIC_CASCADE_IRQ);
    if (p < pic_priority(c, in_service))
        return (int)((p + c->priority_add) & 7);
    return -1;
}

/* Input pin handling: edge-triggered inputs latch a request on a rising edge; level
 * inputs (ELCR) request while high. */
static void pic_chip_set_input(PicChip *c, unsigned irq, int level)
{
    uint8_t mask = (uint8_t)(1u << irq);
    if (c->elcr & mask) {
        if (level) {
            c->irr |= mask;
            c->last_level |= mask;
        } else {
            c->irr &= ~mask;
            c->last_level &= ~mask;
        }
        return;
    }
    if (level) {
        if (!(c->last_level & mask))
            c->irr |= mask;
        c->last_level |= mask;
    } else {
        c->last_level &= ~mask;
    }
}

/* Propagates the slave's output to master IRQ 2 and the master's to the CPU. */
static void pic_update(PicState *s)
{
    int slave_irq = pic_chip_pending(&s->chip[1], false);
    pic_chip_set_input(&s->chip[0], PIC_CASCADE_IRQ, slave_irq >= 0);
    uint8_t level = pic_chip_pending(&s->chip[0], true) >= 0;
    if (level != s->output_level) {
        s->output_level = level;
        irq_set_level(&s->output, level);
    }
}

void pic_set_irq(PicState *s, unsigned irq, int level)
{
    if (irq >= 16)
        return;
    pic_chip_set_input(&s->chip[irq >> 3], irq & 7, level);
    pic_update(s);
}

static void pic_irq_handler(void *opaque, int n, int level)
{
    pic_set_irq(opaque, (unsigned)n, level);
}

IrqLine pic_irq_line(PicState *s, unsigned irq)
{
    return (IrqLine){pic_irq_handler, s, (int)irq};
}

/* INTA for one chip: the request moves to in-service (or is retired at once in
 * automatic EOI mode); an edge request is consumed, a level request stays while the
 * line is high. */
static void pic_chip_intack(PicChip *c, unsigned irq)
{
    uint8_t mask = (uint8_t)(1u << irq);
    if (c->auto_eoi) {
        if (c->rotate_on_auto_eoi)
            c->priority_add = (uint8_t)((irq + 1) & 7);
    } else {
        c->isr |= mask;
    }
    if (!(c->elcr & mask))
        c->irr &= ~mask;
}

uint8_t pic_acknowledge(PicState *s)
{
    PicChip *m = &s->chip[0], *sl = &s->chip[1];
    uint8_t vector;
    int irq = pic_chip_pending(m, true);
    if (irq < 0) {
        /* Datasheet: a request that went away before INTA gives IR7's vector. */
        vector = m->vector_base + 7;
    } else if (irq == PIC_CASCADE_IRQ) {
        pic_chip_intack(m, (unsigned)irq);
        int sirq = pic_chip_pending(sl, false);
        if (sirq >= 0) {
            pic_chip_intack(sl, (unsigned)sirq);
            vector = sl->vector_base + (uint8_t)sirq;
        } else {
            vector = sl->vector_base + 7;
        }
    } else {
        pic_chip_intack(m, (unsigned)irq);
        vector = m->vector_base + (uint8_t)irq;
    }
    pic_update(s);
    return vector;
}

bool pic_output_pending(const PicState *s)
{
    return s->output_level != 0;
}

/* ICW1 starts initialisation: IMR and ISR cleared, IR7 lowest priority, special mask
 * mode off, reads select IRR (datasheet "Initialization Command Words"). */
static void pic_chip_init_reset(PicChip *c)
{
    c->irr = 0;
    c->isr = 0;
    c->imr = 0;
    c->last_level = 0;
    c->priority_add = 0;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->rotate_on_auto_eoi = false;
    c->special_fully_nested = false;
    c->init_state = 0;
}

/* OCW2: end of interrupt and rotation commands (bits 7-5). */
static void pic_chip_ocw2(PicChip *c, uint8_t val)
{
    unsigned cmd = val >> 5, irq;
    switch (cmd) {
    case 0: /* rotate in automatic EOI mode: clear */
    case 4: /* ... set */ c->rotate_on_auto_eoi = cmd == 4; break;
    case 1:   /* non-specific EOI */
    case 5: { /* rotate on non-specific EOI */
        unsigned p = pic_priority(c, c->isr);
        if (p == 8)
            break;
        irq = (p + c->priority_add) & 7;
        c->isr &= (uint8_t) ~(1u << irq);
        if (cmd == 5)
            c->priority_add = (uint8_t)((irq + 1) & 7);
        break;
    }
    case 3: /* specific EOI */
    case 7: /* rotate on specific EOI */
        irq = val & 7;
        c->isr &= (uint8_t) ~(1u << irq);
        if (cmd == 7)
            c->priority_add = (uint8_t)((irq + 1) & 7);
        break;
    case 6: /* set priority: IRQ val&7 becomes the lowest */
        c->priority_add = (uint8_t)((val + 1) & 7);
        break;
    default: /* 2: no operation */ break;
    }
}

static void pic_chip_write(PicState *s, PicChip *c, unsigned port, uint8_t val)
{
    if (port == 0) {
        if (val & 0x10) {
            /* ICW1 */
            pic_chip_init_reset(c);
            c->init_state = 1;
            c->icw4_needed = val & 1;
            c->single_mode = (val >> 1) & 1;
            if (val & 0x08)
                log_printf(s->log, LOG_UNIMP,
                           "i8259: ICW1 level-triggered mode (LTIM) ignored; the ELCR "
                           "selects level triggering\n");
        } else if (val & 0x08) {
            /* OCW3 */
            if (val & 0x04)
                c->poll = true;
            if (val & 0x02)
                c->read_isr = val & 1;
            if (val & 0x40)
                c->special_mask = (val >> 5) & 1;
        } else {
            pic_chip_ocw2(c, val);
        }
        return;
    }
    switch (c->init_state) {
    case 1: /* ICW2: vector base */
        c->vector_base = val & 0xf8;
        c->init_state = c->single_mode ? (c->icw4_needed ? 3 : 0) : 2;
        break;
    case 2: /* ICW3: cascade wiring, fixed on the PC */
        c->init_state = c->icw4_needed ? 3 : 0;
        break;
    case 3: /* ICW4 */
        c->special_fully_nested = (val >> 4) & 1;
        c->auto_eoi = (val >> 1) & 1;
        if (!(val & 1))
            log_printf(s->log, LOG_GUEST_ERROR, "i8259: ICW4 selects 8080 mode\n");
        c->init_state = 0;
        break;
    default: /* OCW1 */ c->imr = val; break;
    }
}

/* Poll command: the read acts as an interrupt acknowledge and returns 0x80 | level, or
 * 0 when nothing is pending (datasheet "The Poll Command"). */
static uint8_t pic_chip_poll(PicChip *c, bool is_master)
{
    c->poll = false;
    int irq = pic_chip_pending(c, is_master);
    if (irq < 0)
        return 0;
    pic_chip_intack(c, (unsigned)irq);
    return (uint8_t)(0x80 | irq);
}

static uint8_t pic_chip_read(PicChip *c, unsigned port, bool is_master)
{
    if (c->poll)
        return pic_chip_poll(c, is_master);
    if (port == 0)
        return c->read_isr ? c->isr : c->irr;
    return c->imr;
}

static uint64_t pic_master_read(void *opaque, uint64_t addr, unsigned size)
{
    PicState *s = opaque;
    (void)size;
    uint8_t v = pic_chip_read(&s->chip[0], (unsigned)addr, true);
    pic_update(s);
    return v;
}

static uint64_t pic_slave_read(void *opaque, uint64_t addr, unsigned size)
{
    PicState *s = opaque;
    (void)size;
    uint8_t v = pic_chip_read(&s->chip[1], (unsigned)addr, false);
    pic_update(s);
    return v;
}

static void pic_master_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PicState *s = opaque;
    (void)size;
    pic_chip_write(s, &s->chip[0], (unsigned)addr, (uint8_t)val);
    pic_update(s);
}

static void pic_slave_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PicState *s = opaque;
    (void)size;
    pic_chip_write(s, &s->chip[1], (unsigned)addr, (uint8_t)val);
    pic_update(s);
}

static uint64_t pic_elcr_read(void *opaque, uint64_t addr, unsigned size)
{
    PicState *s = opaque;
    (void)size;
    return s->chip[addr & 1].elcr;
}

static void pic_elcr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PicState *s = opaque;
    (void)size;
    PicChip *c = &s->chip[addr & 1];
    c->elcr = (uint8_t)val & c->elcr_mask;
    pic_update(s);
}

static const MemoryRegionOps pic_master_ops = {
    .read = pic_master_read, .write = pic_master_write, .min_access = 1, .max_access = 1};
static const MemoryRegionOps pic_slave_ops = {
    .read = pic_slave_read, .write = pic_slave_write, .min_access = 1, .max_access = 1};
static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read, .write = pic_elcr_write, .min_access = 1, .max_access = 1};

static void pic_reset(DeviceState *dev)
{
    PicState *s = (PicState *)dev;
    for (int i = 0; i < 2; i++) {
        pic_chip_init_reset(&s->chip[i]);
        s->chip[i].vector_base = 0;
        s->chip[i].elcr = 0;
    }
    s->output_level = 0;
    irq_set_level(&s->output, 0);
}

#define PIC_CHIP_FIELDS(i)                                                                         \
    VMSTATE_U8(PicState, chip[i].irr), VMSTATE_U8(PicState, chip[i].isr),                          \
        VMSTATE_U8(PicState, chip[i].imr), VMSTATE_U8(PicState, chip[i].last_level),               \
        VMSTATE_U8(PicState, chip[i].elcr), VMSTATE_U8(PicState, chip[i].vector_base),             \
        VMSTATE_U8(PicState, chip[i].priority_add), VMSTATE_U8(PicState, chip[i].init_state),      \
        VMSTATE_BOOL(PicState, chip[i].icw4_needed), VMSTATE_BOOL(PicState, chip[i].single_mode),  \
        VMSTATE_BOOL(PicState, chip[i].auto_eoi),                                                  \
        VMSTATE_BOOL(PicState, chip[i].rotate_on_auto_eoi),                                        \
        VMSTATE_BOOL(PicState, chip[i].special_fully_nested),                                      \
        VMSTATE_BOOL(PicState, chip[i].special_mask), VMSTATE_BOOL(PicState, chip[i].poll),        \
        VMSTATE_BOOL(PicState, chip[i].read_isr)

static const VMStateField pic_fields[] = {
    PIC_CHIP_FIELDS(0),
    PIC_CHIP_FIELDS(1),
    VMSTATE_U8(PicState, output_level),
    VMSTATE_END,
};

PicState *pic_new(AddressSpace *io, IrqLine output, const Log *log)
{
    PicState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->dev.name = "i8259";
    s->dev.reset = pic_reset;
    s->dev.fields = pic_fields;
    s->output = output;
    s->log = log;
    s->io = io;
    /* PIIX3: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge-triggered. */
    s->chip[0].elcr_mask = 0xf8;
    s->chip[1].elcr_mask = 0xde;
    s->regions[0] =
        address_space_add_mmio(io, "i8259-master", PIC_MASTER_BASE, 2, &pic_master_ops, s, 0);
    s->regions[1] =
        address_space_add_mmio(io, "i8259-slave", PIC_SLAVE_BASE, 2, &pic_slave_ops, s, 0);
    s->regions[2] = address_space_add_mmio(io, "i8259-elcr", PIC_ELCR_BASE, 2, &pic_elcr_ops, s, 0);
    pic_reset(&s->dev);
    return s;
}

void pic_free(PicState *s)
{
    if (!s)
        return;
    for (int i = 0; i < 3; i++)
        if (s->regions[i])
            address_space_remove(s->io, s->regions[i]);
    free(s);
}
