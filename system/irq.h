/* Interrupt lines: a device raises or lowers a line; whoever is wired to the other
 * end (PIC, IOAPIC, LAPIC) gets the level through set_level. An unwired line
 * (handler NULL) goes nowhere, as an unconnected pin does. */
#ifndef PACIFICA_SYSTEM_IRQ_H
#define PACIFICA_SYSTEM_IRQ_H

typedef struct IrqLine {
    void (*set_level)(void *opaque, int n, int level);
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set_level(const IrqLine *line, int level)
{
    if (line && line->set_level)
        line->set_level(line->opaque, line->n, level);
}

static inline void irq_raise(const IrqLine *line)
{
    irq_set_level(line, 1);
}

static inline void irq_lower(const IrqLine *line)
{
    irq_set_level(line, 0);
}

#endif
