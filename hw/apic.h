/* The local APIC of each vCPU (SDM Vol 3A chapter 11 "Advanced Programmable Interrupt
 * Controller"): xAPIC MMIO registers and x2APIC MSRs, interrupt acceptance with IRR/ISR
 * and priorities, EOI (with level-triggered EOI broadcast to the IOAPIC), the LVT
 * (timer in one-shot/periodic/TSC-deadline mode, LINT0 as ExtINT for the 8259, LINT1 as
 * NMI, error), and IPIs of every delivery mode including INIT/SIPI start-up.
 *
 * All APICs of a machine form an ApicBus so that IPIs and the IOAPIC can reach them.
 * Every function runs with the machine lock held. */
#ifndef PACIFICA_HW_APIC_H
#define PACIFICA_HW_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "system/clock.h"
#include "system/device.h"
#include "system/log.h"

#define APIC_DEFAULT_BASE 0xfee00000ull
#define APIC_LVT_COUNT    7 /* CMCI, timer, thermal, perf, LINT0, LINT1, error */

enum {
    APIC_LVT_CMCI,
    APIC_LVT_TIMER,
    APIC_LVT_THERMAL,
    APIC_LVT_PERF,
    APIC_LVT_LINT0,
    APIC_LVT_LINT1,
    APIC_LVT_ERROR
};

/* Delivery modes (ICR, LVT, IOAPIC redirection entries: SDM 3A §11.6.1). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_SIPI = 6,
    APIC_DM_EXTINT = 7
};

struct ApicBus;

/* What an APIC asks of its CPU (implemented by the accelerator through the machine). */
typedef struct ApicCpuOps {
    void (*set_intr)(void *opaque, int cpu_index, int level); /* INTR */
    void (*nmi)(void *opaque, int cpu_index);
    void (*init)(void *opaque, int cpu_index);
    void (*sipi)(void *opaque, int cpu_index, uint8_t vector);
    /* The guest TSC (for TSC-deadline mode), which counts tsc_hz ticks per second of
     * the virtual clock. */
    uint64_t (*tsc)(void *opaque, int cpu_index);
    void *opaque;
    uint64_t tsc_hz;
} ApicCpuOps;

typedef struct ApicState {
    DeviceState dev;
    struct ApicBus *bus;
    int cpu_index;
    uint32_t id;       /* APIC ID (= cpu_index) */
    uint64_t base_msr; /* IA32_APIC_BASE: base, EN (bit 11), EXTD (bit 10), BSP (bit 8) */
    uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[APIC_LVT_COUNT];
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t timer_initial, timer_divide;
    int64_t timer_start; /* virtual ns when the count was loaded */
    uint64_t tsc_deadline;
    /* An ExtINT message (IOAPIC entry or IPI) waiting for its interrupt acknowledge;
     * the 8259 then supplies the vector. */
    bool extint_pending;
    /* The level of the LINT0 pin (the 8259's INTR): in ExtINT mode LINT0 is level
     * sensitive, so the pin's state, not its edges, decides whether the 8259 asks. */
    uint8_t lint0_level;
    uint8_t intr_level;
    Timer timer;
    VirtualClock *clock;
    const Log *log;
} ApicState;

typedef struct ApicBus {
    ApicState **apics;
    unsigned count;
    ApicCpuOps cpu_ops;
    /* Level-triggered EOI broadcast to the IOAPIC (SDM 3A §11.8.5). */
    void (*eoi_broadcast)(void *opaque, uint8_t vector);
    void *eoi_opaque;
} ApicBus;

ApicBus *apic_bus_new(unsigned ncpus, VirtualClock *clock, const ApicCpuOps *ops, const Log *log);
void apic_bus_free(ApicBus *bus);

/* xAPIC MMIO (offset within the 4 KiB page) and x2APIC MSRs (0x800-0x8ff) of one APIC;
 * the MSR accessors return false for a #GP (reserved register or wrong mode). */
uint32_t apic_mmio_read(ApicState *s, uint32_t offset);
void apic_mmio_write(ApicState *s, uint32_t offset, uint32_t val);
bool apic_msr_read(ApicState *s, uint32_t msr, uint64_t *val);
bool apic_msr_write(ApicState *s, uint32_t msr, uint64_t val);
/* IA32_TSC_DEADLINE (MSR 0x6e0, SDM 3A §11.5.4.1) is also read and written through
 * apic_msr_read/apic_msr_write, in xAPIC and x2APIC mode alike. */
#define APIC_MSR_TSC_DEADLINE 0x6e0
/* IA32_APIC_BASE (SDM 3A §11.4.4): returns false for an invalid transition (#GP). */
bool apic_set_base(ApicState *s, uint64_t val);
bool apic_mmio_enabled(const ApicState *s); /* global enable and not x2APIC */
uint64_t apic_mmio_base(const ApicState *s);

/* An interrupt message to the APICs (from the IOAPIC, MSI, or an IPI). */
void apic_bus_deliver(ApicBus *bus, uint32_t dest, bool dest_logical, int delivery_mode,
                      uint8_t vector, bool level_triggered);
/* The 8259's INTR on every APIC's LINT0 (virtual wire mode), and NMI on LINT1. */
void apic_bus_set_lint0(ApicBus *bus, int level);
/* Interrupt acknowledge: the vector to take now (moved to ISR), or -1 when the 8259 must
 * be acknowledged instead (ExtINT), or the spurious vector. */
int apic_acknowledge(ApicState *s);
/* Whether the APIC is software/globally enabled, i.e. whether the 8259 reaches the CPU
 * only through LINT0 (SDM 3A §11.4.3: a globally disabled APIC passes INTR through). */
bool apic_globally_enabled(const ApicState *s);
/* INIT resets the APIC's state except its ID and base (SDM 3A §11.4.7.3). */
void apic_init_reset(ApicState *s);

#endif
