/* The High Precision Event Timer (IA-PC HPET Specification 1.0a) at 0xFED00000: a
 * 64-bit main counter at 100 MHz and three comparators, as the ACPI HPET table
 * describes it (event timer block ID 0x8086a201).
 *
 * Outputs. Each comparator drives one I/O APIC pin chosen by its route field (pins 2,
 * 8 and 20-23 are routable). With legacy replacement (LEG_RT_CNF) on, comparator 0
 * drives ISA IRQ 0 and comparator 1 ISA IRQ 8 instead; the board gives those as its
 * ISA lines, which reach both the 8259 and the I/O APIC (IRQ 0 on pin 2, IRQ 8 on pin
 * 8). The spec requires the 8254 and RTC interrupts to be cut off meanwhile: the board
 * does that from the legacy_changed callback. FSB (MSI) delivery is not implemented
 * and not advertised.
 */
#ifndef PACIFICA_HW_HPET_H
#define PACIFICA_HW_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "system/clock.h"
#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

#define HPET_DEFAULT_BASE 0xfed00000ull
#define HPET_MMIO_SIZE    0x400
#define HPET_NUM_TIMERS   3
#define HPET_IOAPIC_PINS  24
#define HPET_PERIOD_FS    10000000u /* 10 ns per tick: 100 MHz, as QEMU's */
#define HPET_TICK_NS      10
/* I/O APIC pins a comparator may be routed to (Tn_INT_ROUTE_CAP): 2 and 8, the ISA
 * timer pins Linux also accepts, and 20-23, free of ISA and of PCI INTx (16-19). */
#define HPET_ROUTE_CAP ((1u << 2) | (1u << 8) | (0xfu << 20))

/* Where a comparator's output goes: an I/O APIC pin 0-23, or a legacy ISA line. */
enum {
    HPET_ROUTE_LEGACY_IRQ0 = HPET_IOAPIC_PINS,
    HPET_ROUTE_LEGACY_IRQ8,
};

enum {
    HPET_EVENT_NONE,  /* nothing planned */
    HPET_EVENT_MATCH, /* the counter reaches the comparator */
    HPET_EVENT_WRAP,  /* a 32-bit one-shot's counter wraps around */
};

typedef struct HpetTimer {
    /* Guest-visible registers. */
    uint64_t config;     /* Tn_CONF: the writable bits only (capabilities are constant) */
    uint64_t comparator; /* Tn_COMPARATOR: the next match value */
    /* Hidden state. */
    uint64_t period;    /* periodic mode: the increment, the last value written */
    bool pending;       /* a one-shot has not fired yet since it was programmed */
    uint64_t next_tick; /* counter value of the next event */
    uint8_t next_kind;  /* HPET_EVENT_*: what happens at next_tick */
    uint8_t out_route;  /* route the output level below is driven on */
    uint8_t out_level;  /* level driven now (level-triggered mode) */
    /* Not saved. */
    Timer timer; /* next_tick's due time */
    struct HpetState *hpet;
    uint8_t index;
} HpetTimer;

typedef struct HpetState {
    DeviceState dev;
    uint64_t config;  /* general configuration: ENABLE_CNF, LEG_RT_CNF */
    uint64_t isr;     /* general interrupt status */
    uint64_t counter; /* main counter: its value while halted, or at base_ns */
    int64_t base_ns;  /* virtual time at which the running counter was `counter` */
    HpetTimer timers[HPET_NUM_TIMERS];
    IrqLine ioapic_lines[HPET_IOAPIC_PINS];
    IrqLine legacy_irq0, legacy_irq8;
    void (*legacy_changed)(void *opaque, bool on);
    void *legacy_opaque;
    VirtualClock *clock;
    AddressSpace *mem;
    MemoryRegion *region;
    const Log *log;
} HpetState;

/* Creates the HPET at HPET_DEFAULT_BASE in mem, its outputs unwired. */
HpetState *hpet_new(AddressSpace *mem, VirtualClock *clock, const Log *log);
void hpet_free(HpetState *s);

/* The I/O APIC inputs 0-23 (pin n is lines[n]); copied. */
void hpet_set_ioapic_lines(HpetState *s, const IrqLine lines[HPET_IOAPIC_PINS]);
/* The board's ISA IRQ 0 and IRQ 8 lines, driven in legacy replacement mode. */
void hpet_set_legacy_lines(HpetState *s, IrqLine isa_irq0, IrqLine isa_irq8);
/* Called with on = true when the guest sets LEG_RT_CNF (after which the board must
 * keep the 8254's IRQ 0 and the RTC's IRQ 8 off the interrupt lines, HPET spec
 * §2.3.5 LEG_RT_CNF) and with on = false when it clears it (the HPET has then lowered
 * its legacy outputs; the board gives the lines back to the 8254 and the RTC). */
void hpet_set_legacy_notify(HpetState *s, void (*legacy_changed)(void *opaque, bool on),
                            void *opaque);
bool hpet_legacy_mode(const HpetState *s);

/* The main counter at virtual time now_ns. */
uint64_t hpet_counter_at(const HpetState *s, int64_t now_ns);

#endif
