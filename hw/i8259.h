/* The PC's two cascaded Intel 8259A programmable interrupt controllers: the master at
 * ports 0x20-0x21, the slave at 0xA0-0xA1 on the master's IRQ 2, and the PIIX edge/level
 * control registers (ELCR) at 0x4D0-0x4D1. */
#ifndef PACIFICA_HW_I8259_H
#define PACIFICA_HW_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

/* One 8259A (Intel 8259A datasheet, "Programming the 8259A"). */
typedef struct PicChip {
    uint8_t irr;          /* interrupt request register */
    uint8_t isr;          /* in-service register */
    uint8_t imr;          /* interrupt mask register */
    uint8_t last_level;   /* input levels last seen (edge detection) */
    uint8_t elcr;         /* 1 = level triggered (PIIX ELCR) */
    uint8_t elcr_mask;    /* ELCR bits that exist */
    uint8_t vector_base;  /* ICW2 & 0xf8 */
    uint8_t priority_add; /* lowest-priority IRQ + 1 (rotation) */
    uint8_t init_state;   /* 0: ready; 1-3: expecting ICW2/ICW3/ICW4 */
    bool icw4_needed;
    bool single_mode;
    bool auto_eoi;
    bool rotate_on_auto_eoi;
    bool special_fully_nested;
    bool special_mask;
    bool poll;
    bool read_isr; /* OCW3 RR/RIS: reads of the command port give ISR, else IRR */
} PicChip;

typedef struct PicState {
    DeviceState dev;
    PicChip chip[2]; /* master, slave */
    IrqLine output;  /* INTR to the CPU */
    uint8_t output_level;
    const Log *log;
    AddressSpace *io;
    MemoryRegion *regions[3];
} PicState;

PicState *pic_new(AddressSpace *io, IrqLine output, const Log *log);
void pic_free(PicState *s);
/* The line of ISA IRQ n (0-15) for devices to drive. */
IrqLine pic_irq_line(PicState *s, unsigned irq);
/* Sets the level of ISA IRQ n directly. */
void pic_set_irq(PicState *s, unsigned irq, int level);
/* Interrupt acknowledge cycle (INTA): the vector of the highest-priority request, which
 * moves to in-service; a spurious IRQ 7/15 vector when the request has gone away. */
uint8_t pic_acknowledge(PicState *s);
/* Whether INTR is asserted now. */
bool pic_output_pending(const PicState *s);

#endif
