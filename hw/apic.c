/* Local APIC (SDM Vol 3A chapter 11; section numbers below are that chapter's). */
#include "hw/apic.h"

#include <stdlib.h>
#include <string.h>

#define APIC_VERSION              0x00050014u /* version 14h, 6 LVT entries (max LVT 5) */
#define APIC_BASE_BSP             (1ull << 8)
#define APIC_BASE_EXTD            (1ull << 10)
#define APIC_BASE_EN              (1ull << 11)
#define APIC_SVR_ENABLE           0x100u
#define APIC_SVR_NO_EOI_BROADCAST 0x1000u
#define LVT_MASKED                0x10000u
#define LVT_LEVEL                 0x8000u
#define LVT_TIMER_MODE(v)         (((v) >> 17) & 3)
#define TIMER_ONESHOT             0
#define TIMER_PERIODIC            1
#define TIMER_TSC_DEADLINE        2
#define X2APIC_MSR_BASE           0x800
#define X2APIC_MSR_ICR            0x830
#define X2APIC_MSR_SELF_IPI       0x83f

/* Register offsets (§11.4.1, Table 11-1) */
enum {
    REG_ID = 0x20,
    REG_VERSION = 0x30,
    REG_TPR = 0x80,
    REG_APR = 0x90,
    REG_PPR = 0xa0,
    REG_EOI = 0xb0,
    REG_RRD = 0xc0,
    REG_LDR = 0xd0,
    REG_DFR = 0xe0,
    REG_SVR = 0xf0,
    REG_ISR = 0x100,
    REG_TMR = 0x180,
    REG_IRR = 0x200,
    REG_ESR = 0x280,
    REG_LVT_CMCI = 0x2f0,
    REG_ICR_LO = 0x300,
    REG_ICR_HI = 0x310,
    REG_LVT_TIMER = 0x320,
    REG_LVT_ERROR = 0x370,
    REG_TIMER_INITIAL = 0x380,
    REG_TIMER_CURRENT = 0x390,
    REG_TIMER_DIVIDE = 0x3e0,
};

/* ---- 256-bit vector sets ---- */

static void vset(uint32_t *v, unsigned n)
{
    v[n >> 5] |= 1u << (n & 31);
}

static void vclear(uint32_t *v, unsigned n)
{
    v[n >> 5] &= ~(1u << (n & 31));
}

static bool vtest(const uint32_t *v, unsigned n)
{
    return (v[n >> 5] >> (n & 31)) & 1;
}

static int vhighest(const uint32_t *v)
{
    for (int i = 7; i >= 0; i--)
        if (v[i])
            return i * 32 + 31 - __builtin_clz(v[i]);
    return -1;
}

/* ---- priorities and INTR ---- */

bool apic_globally_enabled(const ApicState *s)
{
    return (s->base_msr & APIC_BASE_EN) != 0;
}

static bool apic_sw_enabled(const ApicState *s)
{
    return (s->svr & APIC_SVR_ENABLE) != 0;
}

static bool apic_x2(const ApicState *s)
{
    return (s->base_msr & APIC_BASE_EXTD) != 0;
}

/* Processor priority (§11.8.3.1): the higher of TPR and the class of the highest
 * in-service vector. */
static uint32_t apic_ppr(const ApicState *s)
{
    int isrv = vhighest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (s->tpr & 0xf0) >= isr_class ? s->tpr & 0xff : isr_class;
}

/* The fixed interrupt the APIC would hand the CPU now, or -1 (§11.8.3). */
static int apic_deliverable_vector(const ApicState *s)
{
    int irrv = vhighest(s->irr);
    if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (apic_ppr(s) & 0xf0))
        return -1;
    return irrv;
}

/* Whether the next interrupt acknowledge goes to the 8259: an ExtINT message is
 * waiting, or the LINT0 pin is high while LINT0 is an unmasked ExtINT entry (§11.5.1:
 * ExtINT is always level sensitive) or while the APIC is globally disabled (§11.4.3:
 * INTR then goes straight to the processor; only the BSP's pin is wired on a PC). */
static bool apic_extint_asserted(const ApicState *s)
{
    if (s->extint_pending)
        return true;
    if (!s->lint0_level)
        return false;
    if (!apic_globally_enabled(s))
        return s->cpu_index == 0;
    uint32_t lvt = s->lvt[APIC_LVT_LINT0];
    return !(lvt & LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT;
}

static void apic_update_intr(ApicState *s)
{
    uint8_t level = apic_extint_asserted(s) || (apic_globally_enabled(s) && apic_sw_enabled(s) &&
                                                apic_deliverable_vector(s) >= 0);
    if (level != s->intr_level) {
        s->intr_level = level;
        const ApicCpuOps *ops = &s->bus->cpu_ops;
        if (ops->set_intr)
            ops->set_intr(ops->opaque, s->cpu_index, level);
    }
}

/* Accepts a fixed-mode interrupt into IRR (§11.8.4); vectors 0-15 are illegal. */
static void apic_accept_fixed(ApicState *s, uint8_t vector, bool level)
{
    if (vector < 16) {
        s->esr_pending |= 0x40; /* received illegal vector */
        return;
    }
    vset(s->irr, vector);
    if (level)
        vset(s->tmr, vector);
    else
        vclear(s->tmr, vector);
    apic_update_intr(s);
}

/* ---- the timer (§11.5.4) ---- */

static unsigned apic_timer_shift(const ApicState *s)
{
    unsigned v = (s->timer_divide & 3) | ((s->timer_divide >> 1) & 4);
    return (v + 1) & 7; /* 000 -> /2 ... 110 -> /128, 111 -> /1 */
}

/* The timer counts at 1 GHz (one tick per virtual nanosecond) before the divider, the
 * same bus clock QEMU gives its APIC. */
static uint32_t apic_timer_current(const ApicState *s)
{
    if (!s->timer_initial || LVT_TIMER_MODE(s->lvt[APIC_LVT_TIMER]) == TIMER_TSC_DEADLINE)
        return 0;
    uint64_t ticks = (uint64_t)(clock_now_ns(s->clock) - s->timer_start) >> apic_timer_shift(s);
    if (LVT_TIMER_MODE(s->lvt[APIC_LVT_TIMER]) == TIMER_PERIODIC)
        return s->timer_initial - (uint32_t)(ticks % s->timer_initial);
    return ticks >= s->timer_initial ? 0 : s->timer_initial - (uint32_t)ticks;
}

static void apic_timer_arm(ApicState *s)
{
    unsigned mode = LVT_TIMER_MODE(s->lvt[APIC_LVT_TIMER]);
    if (mode == TIMER_TSC_DEADLINE) {
        const ApicCpuOps *ops = &s->bus->cpu_ops;
        if (!s->tsc_deadline || !ops->tsc) {
            timer_del(&s->timer);
            return;
        }
        uint64_t now_tsc = ops->tsc(ops->opaque, s->cpu_index);
        uint64_t hz = ops->tsc_hz ? ops->tsc_hz : 1000000000u;
        /* The TSC counts hz ticks per virtual second: the deadline is that many ticks
         * away, rounded up to whole ns so that the TSC has reached it when it fires. */
        uint64_t ticks = s->tsc_deadline > now_tsc ? s->tsc_deadline - now_tsc : 0;
        unsigned __int128 ns = ((unsigned __int128)ticks * 1000000000u + hz - 1) / hz;
        timer_mod(&s->timer,
                  clock_now_ns(s->clock) + (ns > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)ns));
        return;
    }
    if (!s->timer_initial) {
        timer_del(&s->timer);
        return;
    }
    uint64_t period = (uint64_t)s->timer_initial << apic_timer_shift(s);
    uint64_t elapsed = (uint64_t)(clock_now_ns(s->clock) - s->timer_start);
    uint64_t next = (elapsed / period + 1) * period;
    if (mode == TIMER_ONESHOT && elapsed >= period) {
        timer_del(&s->timer);
        return;
    }
    timer_mod(&s->timer, s->timer_start + (int64_t)(mode == TIMER_ONESHOT ? period : next));
}

static void apic_timer_cb(void *opaque)
{
    ApicState *s = opaque;
    uint32_t lvt = s->lvt[APIC_LVT_TIMER];
    if (!(lvt & LVT_MASKED))
        apic_accept_fixed(s, lvt & 0xff, false);
    if (LVT_TIMER_MODE(lvt) == TIMER_TSC_DEADLINE)
        s->tsc_deadline = 0; /* one shot: the MSR reads 0 after it fires (§11.5.4.1) */
    else if (LVT_TIMER_MODE(lvt) == TIMER_PERIODIC)
        apic_timer_arm(s);
}

/* ---- delivery ---- */

static bool apic_match_logical(const ApicState *s, uint32_t dest)
{
    if (apic_x2(s)) {
        uint32_t ldr = s->ldr;
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    uint8_t d = (uint8_t)dest, l = (uint8_t)(s->ldr >> 24);
    if ((s->dfr >> 28) == 0xf) /* flat model */
        return (d & l) != 0;
    /* cluster model: high nibble cluster, low nibble member bits (§11.6.2.2) */
    return (d >> 4) == (l >> 4) && (d & l & 0xf);
}

static bool apic_match(const ApicState *s, uint32_t dest, bool logical)
{
    if (logical)
        return apic_match_logical(s, dest);
    uint32_t broadcast = apic_x2(s) ? 0xffffffffu : 0xff;
    return dest == broadcast || dest == s->id;
}

static void apic_deliver_one(ApicState *s, int mode, uint8_t vector, bool level)
{
    const ApicCpuOps *ops = &s->bus->cpu_ops;
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST: apic_accept_fixed(s, vector, level); break;
    case APIC_DM_NMI:
        if (ops->nmi)
            ops->nmi(ops->opaque, s->cpu_index);
        break;
    case APIC_DM_INIT:
        if (ops->init)
            ops->init(ops->opaque, s->cpu_index);
        break;
    case APIC_DM_SIPI:
        if (ops->sipi)
            ops->sipi(ops->opaque, s->cpu_index, vector);
        break;
    case APIC_DM_EXTINT:
        s->extint_pending = true;
        apic_update_intr(s);
        break;
    default: log_printf(s->log, LOG_UNIMP, "apic: delivery mode %d (SMI) ignored\n", mode); break;
    }
}

void apic_bus_deliver(ApicBus *bus, uint32_t dest, bool dest_logical, int delivery_mode,
                      uint8_t vector, bool level_triggered)
{
    ApicState *lowest = NULL;
    for (unsigned i = 0; i < bus->count; i++) {
        ApicState *s = bus->apics[i];
        if (!apic_globally_enabled(s) || !apic_match(s, dest, dest_logical))
            continue;
        /* Lowest priority: the matching APIC with the lowest processor priority
         * (§11.6.2.4; ties go to the first). */
        if (delivery_mode == APIC_DM_LOWEST) {
            if (!lowest || apic_ppr(s) < apic_ppr(lowest))
                lowest = s;
            continue;
        }
        apic_deliver_one(s, delivery_mode, vector, level_triggered);
    }
    if (lowest)
        apic_deliver_one(lowest, APIC_DM_FIXED, vector, level_triggered);
}

/* ICR (§11.6.1): destination shorthand 00 none, 01 self, 10 all, 11 all but self. */
static void apic_send_ipi(ApicState *s, uint32_t lo, uint32_t dest)
{
    int mode = (lo >> 8) & 7;
    uint8_t vector = (uint8_t)lo;
    bool logical = (lo >> 11) & 1, level = (lo >> 15) & 1, assert = (lo >> 14) & 1;
    unsigned shorthand = (lo >> 18) & 3;
    /* INIT level de-assert is a no-op on P4 and later (§11.6.1). */
    if (mode == APIC_DM_INIT && level && !assert)
        return;
    ApicBus *bus = s->bus;
    for (unsigned i = 0; i < bus->count; i++) {
        ApicState *t = bus->apics[i];
        bool hit = shorthand == 1   ? t == s
                   : shorthand == 2 ? true
                   : shorthand == 3 ? t != s
                                    : apic_match(t, dest, logical);
        if (hit && apic_globally_enabled(t))
            apic_deliver_one(t, mode == APIC_DM_LOWEST ? APIC_DM_FIXED : mode, vector, false);
    }
}

/* LINT0 follows the 8259's INTR as a level: an ExtINT entry (or a globally disabled
 * APIC) asks for an acknowledge while it is high, so unmasking LINT0 while the 8259
 * already requests, or a request still pending after an acknowledge, is not lost.
 * The other delivery modes act on the rising edge. */
void apic_bus_set_lint0(ApicBus *bus, int level)
{
    for (unsigned i = 0; i < bus->count; i++) {
        ApicState *s = bus->apics[i];
        uint32_t lvt = s->lvt[APIC_LVT_LINT0];
        int mode = (lvt >> 8) & 7;
        bool rising = level && !s->lint0_level;
        s->lint0_level = level != 0;
        if (rising && apic_globally_enabled(s) && !(lvt & LVT_MASKED) && mode != APIC_DM_EXTINT)
            apic_deliver_one(s, mode, lvt & 0xff, lvt & LVT_LEVEL);
        apic_update_intr(s);
    }
}

int apic_acknowledge(ApicState *s)
{
    if (apic_extint_asserted(s)) {
        /* The 8259's acknowledge lowers LINT0 itself when nothing else is pending. */
        s->extint_pending = false;
        apic_update_intr(s);
        return -1;
    }
    int v = apic_deliverable_vector(s);
    if (v < 0)
        return s->svr & 0xff; /* spurious (§11.9) */
    vclear(s->irr, (unsigned)v);
    vset(s->isr, (unsigned)v);
    apic_update_intr(s);
    return v;
}

static void apic_eoi(ApicState *s)
{
    int v = vhighest(s->isr);
    if (v < 0)
        return;
    vclear(s->isr, (unsigned)v);
    if (vtest(s->tmr, (unsigned)v) && !(s->svr & APIC_SVR_NO_EOI_BROADCAST) &&
        s->bus->eoi_broadcast)
        s->bus->eoi_broadcast(s->bus->eoi_opaque, (uint8_t)v);
    apic_update_intr(s);
}

/* ---- registers ---- */

static uint32_t apic_x2_ldr(const ApicState *s)
{
    /* §11.12.10.2: cluster ID (id[19:4]) in 31:16, one bit for id[3:0]. */
    return ((s->id >> 4) << 16) | (1u << (s->id & 0xf));
}

uint32_t apic_mmio_read(ApicState *s, uint32_t offset)
{
    offset &= 0xff0;
    switch (offset) {
    case REG_ID: return apic_x2(s) ? s->id : s->id << 24;
    case REG_VERSION: return APIC_VERSION;
    case REG_TPR: return s->tpr;
    case REG_APR: return 0;
    case REG_PPR: return apic_ppr(s);
    case REG_LDR: return s->ldr;
    case REG_DFR: return s->dfr;
    case REG_SVR: return s->svr;
    case REG_ESR: return s->esr;
    case REG_ICR_LO: return s->icr_lo & ~0x1000u; /* delivery status: idle */
    case REG_ICR_HI: return s->icr_hi;
    case REG_LVT_CMCI: return s->lvt[APIC_LVT_CMCI];
    case REG_TIMER_INITIAL: return s->timer_initial;
    case REG_TIMER_CURRENT: return apic_timer_current(s);
    case REG_TIMER_DIVIDE: return s->timer_divide;
    default: break;
    }
    if (offset >= REG_ISR && offset < REG_ISR + 0x80)
        return s->isr[(offset - REG_ISR) >> 4];
    if (offset >= REG_TMR && offset < REG_TMR + 0x80)
        return s->tmr[(offset - REG_TMR) >> 4];
    if (offset >= REG_IRR && offset < REG_IRR + 0x80)
        return s->irr[(offset - REG_IRR) >> 4];
    if (offset >= REG_LVT_TIMER && offset <= REG_LVT_ERROR)
        return s->lvt[APIC_LVT_TIMER + ((offset - REG_LVT_TIMER) >> 4)];
    return 0;
}

static void apic_write_lvt(ApicState *s, int idx, uint32_t val)
{
    /* A software-disabled APIC keeps every LVT masked (§11.4.7.2). */
    if (!apic_sw_enabled(s))
        val |= LVT_MASKED;
    uint32_t old_mode = LVT_TIMER_MODE(s->lvt[idx]);
    s->lvt[idx] = val;
    if (idx == APIC_LVT_TIMER && LVT_TIMER_MODE(val) != old_mode) {
        s->timer_initial = 0;
        s->tsc_deadline = 0;
        timer_del(&s->timer);
    }
}

void apic_mmio_write(ApicState *s, uint32_t offset, uint32_t val)
{
    offset &= 0xff0;
    switch (offset) {
    case REG_ID:
        if (!apic_x2(s))
            s->id = val >> 24;
        return;
    case REG_TPR:
        s->tpr = val & 0xff;
        apic_update_intr(s);
        return;
    case REG_EOI: apic_eoi(s); return;
    case REG_LDR:
        if (!apic_x2(s))
            s->ldr = val & 0xff000000u;
        return;
    case REG_DFR:
        if (!apic_x2(s))
            s->dfr = val | 0x0fffffffu;
        return;
    case REG_SVR:
        s->svr = val & 0x13ff;
        if (!apic_sw_enabled(s))
            for (int i = 0; i < APIC_LVT_COUNT; i++)
                s->lvt[i] |= LVT_MASKED;
        apic_update_intr(s);
        return;
    case REG_ESR:
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        return;
    case REG_ICR_HI: s->icr_hi = val & 0xff000000u; return;
    case REG_ICR_LO:
        s->icr_lo = val & 0x000ccfffu;
        apic_send_ipi(s, s->icr_lo, s->icr_hi >> 24);
        return;
    case REG_LVT_CMCI: apic_write_lvt(s, APIC_LVT_CMCI, val & 0x117ff); return;
    case REG_TIMER_INITIAL:
        if (LVT_TIMER_MODE(s->lvt[APIC_LVT_TIMER]) == TIMER_TSC_DEADLINE)
            return; /* ignored in TSC-deadline mode */
        s->timer_initial = val;
        s->timer_start = clock_now_ns(s->clock);
        apic_timer_arm(s);
        return;
    case REG_TIMER_DIVIDE: s->timer_divide = val & 0xb; return;
    default: break;
    }
    if (offset >= REG_LVT_TIMER && offset <= REG_LVT_ERROR) {
        static const uint32_t masks[] = {0x707ff, 0x117ff, 0x117ff, 0x1f7ff, 0x1f7ff, 0x110ff};
        int idx = APIC_LVT_TIMER + (int)((offset - REG_LVT_TIMER) >> 4);
        /* A timer LVT write that keeps the mode leaves the count running (a mode change
         * stops it in apic_write_lvt): re-arming here would drop an expiry that is due
         * but not yet run by a late main loop, and with it the guest's tick. */
        apic_write_lvt(s, idx, val & masks[idx - APIC_LVT_TIMER]);
        if (idx == APIC_LVT_LINT0)
            apic_update_intr(s); /* the 8259 may be asking already */
        return;
    }
    log_printf(s->log, LOG_GUEST_ERROR, "apic: write to read-only or reserved register 0x%03x\n",
               offset);
}

/* IA32_TSC_DEADLINE (§11.5.4.1): outside TSC-deadline mode writes are ignored and
 * reads return 0; writing 0 disarms the timer. */
static uint64_t apic_tsc_deadline_read(const ApicState *s)
{
    return LVT_TIMER_MODE(s->lvt[APIC_LVT_TIMER]) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
}

static void apic_tsc_deadline_write(ApicState *s, uint64_t val)
{
    if (LVT_TIMER_MODE(s->lvt[APIC_LVT_TIMER]) != TIMER_TSC_DEADLINE)
        return;
    s->tsc_deadline = val;
    apic_timer_arm(s);
}

bool apic_msr_read(ApicState *s, uint32_t msr, uint64_t *val)
{
    if (msr == APIC_MSR_TSC_DEADLINE) {
        *val = apic_tsc_deadline_read(s);
        return true;
    }
    if (!apic_x2(s) || msr < X2APIC_MSR_BASE || msr > 0x8ff)
        return false;
    uint32_t offset = (msr - X2APIC_MSR_BASE) << 4;
    switch (offset) {
    case REG_DFR:
    case REG_EOI:
    case REG_ICR_HI: return false; /* no x2APIC equivalent / write-only (§11.12.1.2, Table 11-6) */
    case REG_ICR_LO: *val = ((uint64_t)s->icr_hi << 32) | s->icr_lo; return true;
    case REG_LDR: *val = apic_x2_ldr(s); return true;
    default: *val = apic_mmio_read(s, offset); return true;
    }
}

bool apic_msr_write(ApicState *s, uint32_t msr, uint64_t val)
{
    if (msr == APIC_MSR_TSC_DEADLINE) {
        apic_tsc_deadline_write(s, val);
        return true;
    }
    if (!apic_x2(s) || msr < X2APIC_MSR_BASE || msr > 0x8ff)
        return false;
    uint32_t offset = (msr - X2APIC_MSR_BASE) << 4;
    switch (offset) {
    case REG_ID:
    case REG_VERSION:
    case REG_PPR:
    case REG_LDR:
    case REG_DFR:
    case REG_TIMER_CURRENT:
    case REG_ICR_HI: return false; /* read-only or absent in x2APIC mode */
    case REG_EOI:
        if (val)
            return false;
        apic_eoi(s);
        return true;
    case REG_ICR_LO:
        s->icr_hi = (uint32_t)(val >> 32);
        s->icr_lo = (uint32_t)val & 0x000ccfffu;
        apic_send_ipi(s, s->icr_lo, s->icr_hi);
        return true;
    default:
        if (msr == X2APIC_MSR_SELF_IPI) {
            apic_accept_fixed(s, (uint8_t)val, false);
            return true;
        }
        apic_mmio_write(s, offset, (uint32_t)val);
        return true;
    }
}

void apic_init_reset(ApicState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < APIC_LVT_COUNT; i++)
        s->lvt[i] = LVT_MASKED;
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    s->timer_initial = 0;
    s->timer_divide = 0;
    s->tsc_deadline = 0;
    s->extint_pending = false;
    timer_del(&s->timer);
    if (apic_x2(s))
        s->ldr = apic_x2_ldr(s);
    apic_update_intr(s);
}

bool apic_set_base(ApicState *s, uint64_t val)
{
    /* §11.12.5: x2APIC needs EN; x2APIC -> xAPIC directly is invalid; reserved bits
     * above the 36-bit physical address width here are #GP. */
    uint64_t reserved = ~(0xffffff000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP);
    bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
    if ((val & reserved) || (extd && !en) || (apic_x2(s) && en && !extd))
        return false;
    bool was_enabled = apic_globally_enabled(s);
    s->base_msr = (val & ~APIC_BASE_BSP) | (s->base_msr & APIC_BASE_BSP);
    if (!en && was_enabled)
        apic_init_reset(s); /* §11.4.3: disabling resets the APIC to its power-up state */
    if (extd)
        s->ldr = apic_x2_ldr(s);
    apic_update_intr(s);
    return true;
}

bool apic_mmio_enabled(const ApicState *s)
{
    return apic_globally_enabled(s) && !apic_x2(s);
}

uint64_t apic_mmio_base(const ApicState *s)
{
    return s->base_msr & 0xffffff000ull;
}

static void apic_reset(DeviceState *dev)
{
    ApicState *s = (ApicState *)dev;
    s->base_msr = APIC_DEFAULT_BASE | APIC_BASE_EN | (s->cpu_index == 0 ? APIC_BASE_BSP : 0);
    s->id = (uint32_t)s->cpu_index;
    apic_init_reset(s);
    /* The BSP's LINT0 in virtual wire mode (ExtINT), as PC firmware leaves it (MP
     * specification 1.4 §3.6.2.2) and QEMU's APIC starts: a directly booted kernel
     * finds the 8259 wired through, as after a BIOS. */
    if (s->cpu_index == 0) {
        s->lvt[APIC_LVT_LINT0] = APIC_DM_EXTINT << 8;
        apic_update_intr(s);
    }
}

static const VMStateField apic_fields[] = {
    VMSTATE_U32(ApicState, id),
    VMSTATE_U64(ApicState, base_msr),
    VMSTATE_U32(ApicState, tpr),
    VMSTATE_U32(ApicState, ldr),
    VMSTATE_U32(ApicState, dfr),
    VMSTATE_U32(ApicState, svr),
    VMSTATE_U32(ApicState, esr),
    VMSTATE_U32(ApicState, esr_pending),
    VMSTATE_U32(ApicState, icr_lo),
    VMSTATE_U32(ApicState, icr_hi),
    VMSTATE_BYTES(ApicState, lvt),
    VMSTATE_BYTES(ApicState, irr),
    VMSTATE_BYTES(ApicState, isr),
    VMSTATE_BYTES(ApicState, tmr),
    VMSTATE_U32(ApicState, timer_initial),
    VMSTATE_U32(ApicState, timer_divide),
    VMSTATE_I64(ApicState, timer_start),
    VMSTATE_U64(ApicState, tsc_deadline),
    VMSTATE_BOOL(ApicState, extint_pending),
    VMSTATE_U8(ApicState, lint0_level),
    VMSTATE_U8(ApicState, intr_level),
    VMSTATE_END,
};

/* The timer from the restored registers, and INTR driven again: the CPU's side of
 * the line is not part of the APIC's state. */
static void apic_post_load(DeviceState *dev)
{
    ApicState *s = (ApicState *)dev;
    timer_del(&s->timer);
    apic_timer_arm(s);
    s->intr_level = 0xff; /* neither 0 nor 1: apic_update_intr signals the level */
    apic_update_intr(s);
}

ApicBus *apic_bus_new(unsigned ncpus, VirtualClock *clock, const ApicCpuOps *ops, const Log *log)
{
    ApicBus *bus = calloc(1, sizeof(*bus));
    if (!bus)
        return NULL;
    bus->apics = calloc(ncpus, sizeof(*bus->apics));
    bus->count = ncpus;
    bus->cpu_ops = *ops;
    for (unsigned i = 0; i < ncpus; i++) {
        ApicState *s = calloc(1, sizeof(*s));
        s->dev.name = "apic";
        s->dev.reset = apic_reset;
        s->dev.fields = apic_fields;
        s->dev.post_load = apic_post_load;
        s->bus = bus;
        s->cpu_index = (int)i;
        s->clock = clock;
        s->log = log;
        timer_init(&s->timer, clock, apic_timer_cb, s);
        bus->apics[i] = s;
        apic_reset(&s->dev);
    }
    return bus;
}

void apic_bus_free(ApicBus *bus)
{
    if (!bus)
        return;
    for (unsigned i = 0; i < bus->count; i++) {
        timer_del(&bus->apics[i]->timer);
        free(bus->apics[i]);
    }
    free(bus->apics);
    free(bus);
}
