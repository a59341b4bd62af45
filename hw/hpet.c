/* High Precision Event Timer (IA-PC HPET Specification 1.0a, §2.3: register map; §2.3.4
 * general capabilities and ID; §2.3.5 general configuration; §2.3.6 general interrupt
 * status; §2.3.7 main counter; §2.3.8 timer N configuration and capabilities; §2.3.9
 * timer N comparator, with §2.3.9.2.1 one-shot and §2.3.9.2.2 periodic operation).
 *
 * The main counter is derived from the virtual clock: while enabled it is `counter`
 * plus the 10 ns ticks since `base_ns`, so it needs no periodic work. Each comparator
 * keeps its next event (a comparator match, or the wrap-around interrupt of a 32-bit
 * one-shot) as a counter value, and a virtual-clock timer due at exactly that tick.
 * Events are processed in counter order, each at its own tick, whenever the timer fires
 * or the guest touches a register, so a late main loop delivers every event in order
 * rather than losing them; only beyond HPET_MAX_CATCH_UP_TICKS of lateness are missed
 * periods of a periodic comparator folded into one interrupt.
 *
 * A match is equality of counter and comparator (§2.3.9), not "reached or passed": a
 * comparator written behind the counter fires only once the counter comes round
 * again, after 2^32 ticks in 32-bit mode, practically never in 64-bit mode. As QEMU
 * does, a one-shot comparator fires once per programming (a comparator write, or a
 * change of its mode), and interrupt status bits are kept for level-triggered
 * comparators only (§2.3.6: software ignores them in edge mode).
 */
#include "hw/hpet.h"

#include <stdlib.h>

/* General registers (§2.3.1 register map). */
#define REG_CAP_ID    0x000
#define REG_CONFIG    0x010
#define REG_INT_STS   0x020
#define REG_COUNTER   0x0f0
#define REG_TIMER0    0x100
#define TIMER_STRIDE  0x20
#define TIMER_CONFIG  0x00
#define TIMER_COMPARE 0x08
#define TIMER_FSB     0x10

/* General capabilities and ID (§2.3.4): the ACPI HPET table's event timer block ID
 * (0x8086a201) in the low half, the tick period in femtoseconds in the high half. */
#define CAP_REV_ID     0x01ull
#define CAP_NUM_TIM    ((uint64_t)(HPET_NUM_TIMERS - 1) << 8)
#define CAP_COUNT_SIZE (1ull << 13) /* 64-bit main counter */
#define CAP_LEG_RT     (1ull << 15)
#define CAP_VENDOR     (0x8086ull << 16)
#define HPET_CAP_ID                                                                                \
    ((uint64_t)HPET_PERIOD_FS << 32 | CAP_VENDOR | CAP_LEG_RT | CAP_COUNT_SIZE | CAP_NUM_TIM |     \
     CAP_REV_ID)

/* General configuration (§2.3.5). */
#define CFG_ENABLE   (1ull << 0)
#define CFG_LEG_RT   (1ull << 1)
#define CFG_WRITABLE (CFG_ENABLE | CFG_LEG_RT)

/* Timer N configuration and capabilities (§2.3.8). */
#define TN_INT_TYPE_LEVEL (1ull << 1)
#define TN_INT_ENB        (1ull << 2)
#define TN_TYPE_PERIODIC  (1ull << 3)
#define TN_PER_INT_CAP    (1ull << 4)
#define TN_SIZE_CAP       (1ull << 5) /* 64-bit comparator */
#define TN_VAL_SET        (1ull << 6)
#define TN_32MODE         (1ull << 8)
#define TN_ROUTE_SHIFT    9
#define TN_ROUTE_MASK     (0x1full << TN_ROUTE_SHIFT)
#define TN_WRITABLE                                                                                \
    (TN_INT_TYPE_LEVEL | TN_INT_ENB | TN_TYPE_PERIODIC | TN_VAL_SET | TN_32MODE | TN_ROUTE_MASK)
/* Bits whose change re-arms a one-shot comparator. */
#define TN_REARM_BITS (TN_TYPE_PERIODIC | TN_32MODE | TN_INT_ENB)

/* Beyond this lateness (100 ms), missed periods are folded into one interrupt. */
#define HPET_MAX_CATCH_UP_TICKS (100000000 / HPET_TICK_NS)
/* A match this far away (2^62 ticks: over a thousand years) is never planned. */
#define HPET_NEVER_TICKS (1ull << 62)

/* ---- state helpers ---- */

static bool hpet_enabled(const HpetState *s)
{
    return s->config & CFG_ENABLE;
}

bool hpet_legacy_mode(const HpetState *s)
{
    return s->config & CFG_LEG_RT;
}

static bool timer_is_32bit(const HpetTimer *t)
{
    return t->config & TN_32MODE;
}

static bool timer_is_periodic(const HpetTimer *t)
{
    return t->config & TN_TYPE_PERIODIC;
}

static bool timer_is_level(const HpetTimer *t)
{
    return t->config & TN_INT_TYPE_LEVEL;
}

/* Periodic capability on comparator 0 only, as QEMU offers it (§2.3.8 Tn_PER_INT_CAP). */
static uint64_t timer_capabilities(const HpetTimer *t)
{
    return (uint64_t)HPET_ROUTE_CAP << 32 | TN_SIZE_CAP | (t->index == 0 ? TN_PER_INT_CAP : 0);
}

static uint64_t timer_width_mask(const HpetTimer *t)
{
    return timer_is_32bit(t) ? 0xffffffffull : ~0ull;
}

uint64_t hpet_counter_at(const HpetState *s, int64_t now_ns)
{
    if (!hpet_enabled(s) || now_ns <= s->base_ns)
        return s->counter;
    return s->counter + (uint64_t)(now_ns - s->base_ns) / HPET_TICK_NS;
}

static uint64_t hpet_counter_now(const HpetState *s)
{
    return hpet_counter_at(s, clock_now_ns(s->clock));
}

/* Ticks from the running counter's base to counter value `tick`: event order. */
static uint64_t ticks_since_base(const HpetState *s, uint64_t tick)
{
    return tick - s->counter;
}

/* ---- outputs ---- */

/* The line a comparator drives: legacy replacement overrides comparators 0 and 1
 * (§2.3.5 LEG_RT_CNF), the others follow Tn_INT_ROUTE_CNF. */
static unsigned timer_route(const HpetState *s, const HpetTimer *t)
{
    if (hpet_legacy_mode(s) && t->index == 0)
        return HPET_ROUTE_LEGACY_IRQ0;
    if (hpet_legacy_mode(s) && t->index == 1)
        return HPET_ROUTE_LEGACY_IRQ8;
    return (unsigned)((t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
}

static void route_set_level(HpetState *s, unsigned route, int level)
{
    if (route == HPET_ROUTE_LEGACY_IRQ0)
        irq_set_level(&s->legacy_irq0, level);
    else if (route == HPET_ROUTE_LEGACY_IRQ8)
        irq_set_level(&s->legacy_irq8, level);
    else if (route < HPET_IOAPIC_PINS)
        irq_set_level(&s->ioapic_lines[route], level);
}

/* Level-triggered: the output is asserted while the status bit is set, the comparator's
 * interrupt is enabled and the counter runs (§2.3.5: clearing ENABLE_CNF disables all
 * timer interrupts). A route change moves an asserted level to the new line. */
static void timer_update_output(HpetState *s, HpetTimer *t)
{
    bool want = timer_is_level(t) && (t->config & TN_INT_ENB) && hpet_enabled(s) &&
                (s->isr & (1u << t->index));
    unsigned route = timer_route(s, t);
    if (t->out_level && (!want || route != t->out_route)) {
        route_set_level(s, t->out_route, 0);
        t->out_level = 0;
    }
    t->out_route = (uint8_t)route;
    if (want && !t->out_level) {
        route_set_level(s, route, 1);
        t->out_level = 1;
    }
}

static void hpet_update_outputs(HpetState *s)
{
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        timer_update_output(s, &s->timers[i]);
}

/* A comparator event: level mode latches the status bit (set even with the interrupt
 * disabled, §2.3.8 Tn_INT_ENB_CNF); edge mode sends one pulse. */
static void timer_fire(HpetState *s, HpetTimer *t)
{
    if (timer_is_level(t)) {
        s->isr |= 1u << t->index;
        timer_update_output(s, t);
    } else if (t->config & TN_INT_ENB) {
        unsigned route = timer_route(s, t);
        route_set_level(s, route, 1);
        route_set_level(s, route, 0);
    }
}

/* ---- comparator events ---- */

static bool timer_has_event(const HpetTimer *t)
{
    return t->next_kind != HPET_EVENT_NONE;
}

/* Ticks from counter value `from` to the next tick (from included) whose value matches
 * the comparator: in 32-bit mode only the low halves are compared. */
static uint64_t ticks_to_match(const HpetTimer *t, uint64_t from)
{
    if (timer_is_32bit(t))
        return (uint32_t)((uint32_t)t->comparator - (uint32_t)from);
    return t->comparator - from;
}

/* Works out the comparator's next event at or after counter value `from`: its match,
 * if it is periodic or a one-shot not yet fired, unless the match lies centuries away
 * (a 64-bit comparator behind the counter). A 32-bit one-shot also interrupts when the
 * low half of the counter wraps to zero (§2.3.9.2.1), first if its match lies beyond. */
static void timer_plan(HpetTimer *t, uint64_t from)
{
    t->next_kind = HPET_EVENT_NONE;
    if (!timer_is_periodic(t) && !t->pending)
        return;
    uint64_t d = ticks_to_match(t, from);
    if (d < HPET_NEVER_TICKS)
        t->next_kind = HPET_EVENT_MATCH;
    if (timer_is_32bit(t) && !timer_is_periodic(t)) {
        uint64_t to_wrap = (uint32_t)(0u - (uint32_t)from);
        if (to_wrap == 0)
            to_wrap = 1ull << 32; /* the counter reached zero already */
        if (to_wrap < d) {
            d = to_wrap;
            t->next_kind = HPET_EVENT_WRAP;
        }
    }
    t->next_tick = from + d;
}

/* Arms the clock timer for the planned event (or disarms it if the counter is halted,
 * nothing is planned or the event lies beyond the clock's range). */
static void timer_arm(HpetState *s, HpetTimer *t)
{
    if (!hpet_enabled(s) || !timer_has_event(t)) {
        timer_del(&t->timer);
        return;
    }
    uint64_t ticks = ticks_since_base(s, t->next_tick);
    if (ticks > (uint64_t)(INT64_MAX - s->base_ns) / HPET_TICK_NS) {
        timer_del(&t->timer);
        return;
    }
    timer_mod(&t->timer, s->base_ns + (int64_t)ticks * HPET_TICK_NS);
}

/* Periodic match at tick `at`, `late` ticks before the counter value being caught up
 * to (§2.3.9.2.2: each match adds the last written period to the comparator). Very
 * late, the missed periods are skipped and only the last one interrupts; returns the
 * tick of the match that interrupted. */
static uint64_t timer_periodic_match(HpetState *s, HpetTimer *t, uint64_t at, uint64_t late)
{
    uint64_t period = t->period & timer_width_mask(t);
    if (period && late > HPET_MAX_CATCH_UP_TICKS) {
        uint64_t skipped = late / period;
        t->comparator = (t->comparator + skipped * period) & timer_width_mask(t);
        at += skipped * period;
    }
    timer_fire(s, t);
    t->comparator = (t->comparator + period) & timer_width_mask(t);
    return at;
}

/* Processes, in order, every event of the comparator up to counter value `upto`, then
 * arms the clock timer for the next one. */
static void timer_run_events(HpetState *s, HpetTimer *t, uint64_t upto)
{
    uint64_t limit = ticks_since_base(s, upto);
    while (timer_has_event(t) && ticks_since_base(s, t->next_tick) <= limit) {
        uint64_t at = t->next_tick;
        if (t->next_kind == HPET_EVENT_WRAP) {
            timer_fire(s, t);
        } else if (timer_is_periodic(t)) {
            at = timer_periodic_match(s, t, at, limit - ticks_since_base(s, at));
        } else {
            timer_fire(s, t);
            t->pending = false;
        }
        timer_plan(t, at + 1);
    }
    timer_arm(s, t);
}

/* Brings every comparator up to the current counter before a register access, so the
 * guest sees the events that are due even if the main loop has not run them yet. */
static void hpet_catch_up(HpetState *s)
{
    if (!hpet_enabled(s))
        return;
    uint64_t now = hpet_counter_now(s);
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        timer_run_events(s, &s->timers[i], now);
}

static void hpet_timer_cb(void *opaque)
{
    HpetTimer *t = opaque;
    HpetState *s = t->hpet;
    if (hpet_enabled(s))
        timer_run_events(s, t, hpet_counter_now(s));
}

/* Re-plans a comparator from the current counter after the guest reprogrammed it. */
static void timer_replan(HpetState *s, HpetTimer *t)
{
    if (!hpet_enabled(s))
        return; /* planned when the counter starts */
    uint64_t now = hpet_counter_now(s);
    timer_plan(t, now);
    timer_run_events(s, t, now);
}

/* ---- general registers ---- */

static void hpet_start_counter(HpetState *s)
{
    s->base_ns = clock_now_ns(s->clock);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HpetTimer *t = &s->timers[i];
        timer_plan(t, s->counter);
        timer_run_events(s, t, s->counter);
    }
}

/* Events up to the halt happen; the counter then keeps its value. */
static void hpet_halt_counter(HpetState *s)
{
    uint64_t now = hpet_counter_now(s);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_run_events(s, &s->timers[i], now);
        timer_del(&s->timers[i].timer);
    }
    s->counter = now;
}

static void hpet_write_config(HpetState *s, uint64_t val)
{
    uint64_t old = s->config, new = val &CFG_WRITABLE;
    bool legacy_on = (new &CFG_LEG_RT) && !(old & CFG_LEG_RT);
    bool legacy_off = !(new &CFG_LEG_RT) && (old & CFG_LEG_RT);
    /* Legacy replacement on: the board first takes the 8254 and RTC off IRQ 0 and 8,
     * then the comparators drive them. Off: the comparators let go first. */
    if (legacy_on) {
        if (s->legacy_changed)
            s->legacy_changed(s->legacy_opaque, true);
        s->config |= CFG_LEG_RT;
    }
    if ((new &CFG_ENABLE) && !(old & CFG_ENABLE)) {
        s->config |= CFG_ENABLE;
        hpet_start_counter(s);
    } else if (!(new &CFG_ENABLE) && (old & CFG_ENABLE)) {
        hpet_halt_counter(s);
        s->config &= ~CFG_ENABLE;
    }
    s->config = new;
    hpet_update_outputs(s);
    if (legacy_off && s->legacy_changed)
        s->legacy_changed(s->legacy_opaque, false);
}

static void hpet_write_counter(HpetState *s, uint64_t val, uint64_t mask)
{
    /* §2.3.7: software writes the main counter only while it is halted. */
    if (hpet_enabled(s)) {
        log_printf(s->log, LOG_GUEST_ERROR, "hpet: main counter written while running\n");
        return;
    }
    s->counter = (s->counter & ~mask) | (val & mask);
}

/* §2.3.6: writing 1 clears a level-triggered comparator's status bit (and deasserts
 * its interrupt); writing 0 has no effect. */
static void hpet_write_int_status(HpetState *s, uint64_t val)
{
    s->isr &= ~(val & ((1u << HPET_NUM_TIMERS) - 1));
    hpet_update_outputs(s);
}

/* ---- timer registers ---- */

static uint64_t timer_read(const HpetTimer *t, unsigned reg)
{
    switch (reg) {
    case TIMER_CONFIG: return t->config | timer_capabilities(t);
    case TIMER_COMPARE: return t->comparator & timer_width_mask(t);
    default: return 0; /* FSB route: FSB delivery not supported */
    }
}

/* Tn_INT_ROUTE_CNF: a route outside Tn_INT_ROUTE_CAP reads back as the old one
 * (§2.3.8: "the value read back will not match what is written"). */
static uint64_t timer_checked_route(HpetState *s, const HpetTimer *t, uint64_t config)
{
    unsigned route = (unsigned)((config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
    if ((HPET_ROUTE_CAP & (1u << route)) || !((config ^ t->config) & TN_ROUTE_MASK))
        return config;
    log_printf(s->log, LOG_GUEST_ERROR, "hpet: timer %u routed to unsupported pin %u\n", t->index,
               route);
    return (config & ~TN_ROUTE_MASK) | (t->config & TN_ROUTE_MASK);
}

static void timer_write_config(HpetState *s, HpetTimer *t, uint64_t val, uint64_t mask)
{
    uint64_t writable = TN_WRITABLE & ~(t->index == 0 ? 0 : TN_TYPE_PERIODIC);
    uint64_t config = (t->config & ~(mask & writable)) | (val & mask & writable);
    config = timer_checked_route(s, t, config);
    uint64_t changed = t->config ^ config;
    t->config = config;
    if (timer_is_32bit(t)) {
        t->comparator &= 0xffffffffull;
        t->period &= 0xffffffffull;
    }
    if (changed & TN_REARM_BITS)
        t->pending = true;
    timer_replan(s, t);
    timer_update_output(s, t);
}

/* §2.3.9: a one-shot comparator takes the value written. A periodic one takes it as
 * its period, and also as the comparator itself when Tn_VAL_SET_CNF was set, which
 * the write then clears (§2.3.8). In 32-bit mode the high half is not there. */
static void timer_write_comparator(HpetState *s, HpetTimer *t, uint64_t val, uint64_t mask)
{
    mask &= timer_width_mask(t);
    if (!timer_is_periodic(t) || (t->config & TN_VAL_SET))
        t->comparator = (t->comparator & ~mask) | (val & mask);
    if (timer_is_periodic(t))
        t->period = (t->period & ~mask) | (val & mask);
    t->config &= ~TN_VAL_SET;
    t->pending = true;
    timer_replan(s, t);
}

static void timer_write(HpetState *s, HpetTimer *t, unsigned reg, uint64_t val, uint64_t mask)
{
    switch (reg) {
    case TIMER_CONFIG: timer_write_config(s, t, val, mask); break;
    case TIMER_COMPARE: timer_write_comparator(s, t, val, mask); break;
    default:
        log_printf(s->log, LOG_UNIMP, "hpet: timer %u FSB route written (no FSB delivery)\n",
                   t->index);
        break;
    }
}

/* ---- MMIO ---- */

static HpetTimer *timer_at(HpetState *s, uint64_t reg)
{
    if (reg < REG_TIMER0 || reg >= REG_TIMER0 + HPET_NUM_TIMERS * TIMER_STRIDE)
        return NULL;
    return &s->timers[(reg - REG_TIMER0) / TIMER_STRIDE];
}

/* One 64-bit register at an 8-byte aligned offset. */
static uint64_t hpet_read_reg(HpetState *s, uint64_t reg)
{
    HpetTimer *t = timer_at(s, reg);
    if (t)
        return timer_read(t, (unsigned)((reg - REG_TIMER0) % TIMER_STRIDE));
    switch (reg) {
    case REG_CAP_ID: return HPET_CAP_ID;
    case REG_CONFIG: return s->config;
    case REG_INT_STS: return s->isr;
    case REG_COUNTER: return hpet_counter_now(s);
    default: return 0; /* reserved */
    }
}

/* A write of the bytes in mask to one 64-bit register. */
static void hpet_write_reg(HpetState *s, uint64_t reg, uint64_t val, uint64_t mask)
{
    HpetTimer *t = timer_at(s, reg);
    if (t) {
        timer_write(s, t, (unsigned)((reg - REG_TIMER0) % TIMER_STRIDE), val, mask);
        return;
    }
    switch (reg) {
    case REG_CONFIG: hpet_write_config(s, (s->config & ~mask) | (val & mask)); break;
    case REG_INT_STS: hpet_write_int_status(s, val & mask); break;
    case REG_COUNTER: hpet_write_counter(s, val, mask); break;
    default:
        log_printf(s->log, LOG_GUEST_ERROR, "hpet: write to read-only or reserved 0x%03x\n",
                   (unsigned)reg);
        break;
    }
}

static uint64_t byte_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Any access is a piece of one or two 64-bit registers (the spec asks for 32- and 64-bit
 * accesses; smaller ones touch only their bytes). */
static uint64_t hpet_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    HpetState *s = opaque;
    unsigned off = (unsigned)(addr & 7);
    if (off + size > 8) {
        unsigned first = 8 - off;
        return hpet_mmio_read(s, addr, first) | hpet_mmio_read(s, addr + first, size - first)
                                                    << (8 * first);
    }
    if ((addr & ~7ull) != REG_COUNTER && (addr & ~7ull) != REG_CAP_ID)
        hpet_catch_up(s);
    return (hpet_read_reg(s, addr & ~7ull) >> (8 * off)) & byte_mask(size);
}

static void hpet_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    HpetState *s = opaque;
    unsigned off = (unsigned)(addr & 7);
    if (off + size > 8) {
        unsigned first = 8 - off;
        hpet_mmio_write(s, addr, val & byte_mask(first), first);
        hpet_mmio_write(s, addr + first, val >> (8 * first), size - first);
        return;
    }
    hpet_catch_up(s);
    hpet_write_reg(s, addr & ~7ull, (val & byte_mask(size)) << (8 * off),
                   byte_mask(size) << (8 * off));
}

static const MemoryRegionOps hpet_ops = {
    .read = hpet_mmio_read, .write = hpet_mmio_write, .min_access = 1, .max_access = 8};

/* ---- device ---- */

static void hpet_reset(DeviceState *dev)
{
    HpetState *s = (HpetState *)dev;
    bool was_legacy = hpet_legacy_mode(s);
    s->config = 0;
    s->isr = 0;
    s->counter = 0;
    s->base_ns = 0;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HpetTimer *t = &s->timers[i];
        timer_del(&t->timer);
        t->config = 0;
        t->comparator = ~0ull; /* §2.3.9: all ones after reset */
        t->period = 0;
        t->pending = false;
        t->next_tick = 0;
        t->next_kind = HPET_EVENT_NONE;
    }
    hpet_update_outputs(s);
    if (was_legacy && s->legacy_changed)
        s->legacy_changed(s->legacy_opaque, false);
}

#define HPET_TIMER_FIELDS(i)                                                                       \
    VMSTATE_U64(HpetState, timers[i].config), VMSTATE_U64(HpetState, timers[i].comparator),        \
        VMSTATE_U64(HpetState, timers[i].period), VMSTATE_BOOL(HpetState, timers[i].pending),      \
        VMSTATE_U64(HpetState, timers[i].next_tick), VMSTATE_U8(HpetState, timers[i].next_kind),   \
        VMSTATE_U8(HpetState, timers[i].out_route), VMSTATE_U8(HpetState, timers[i].out_level)

static const VMStateField hpet_fields[] = {
    VMSTATE_U64(HpetState, config),
    VMSTATE_U64(HpetState, isr),
    VMSTATE_U64(HpetState, counter),
    VMSTATE_I64(HpetState, base_ns),
    HPET_TIMER_FIELDS(0),
    HPET_TIMER_FIELDS(1),
    HPET_TIMER_FIELDS(2),
    VMSTATE_END,
};

/* The comparators' timers from the restored registers. */
static void hpet_post_load(DeviceState *dev)
{
    HpetState *s = (HpetState *)dev;
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        timer_arm(s, &s->timers[i]);
}

HpetState *hpet_new(AddressSpace *mem, VirtualClock *clock, const Log *log)
{
    HpetState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->dev.name = "hpet";
    s->dev.reset = hpet_reset;
    s->dev.fields = hpet_fields;
    s->dev.post_load = hpet_post_load;
    s->clock = clock;
    s->mem = mem;
    s->log = log;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HpetTimer *t = &s->timers[i];
        t->hpet = s;
        t->index = (uint8_t)i;
        timer_init(&t->timer, clock, hpet_timer_cb, t);
    }
    s->region =
        address_space_add_mmio(mem, "hpet", HPET_DEFAULT_BASE, HPET_MMIO_SIZE, &hpet_ops, s, 0);
    hpet_reset(&s->dev);
    return s;
}

void hpet_free(HpetState *s)
{
    if (!s)
        return;
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        timer_del(&s->timers[i].timer);
    if (s->region)
        address_space_remove(s->mem, s->region);
    free(s);
}

void hpet_set_ioapic_lines(HpetState *s, const IrqLine lines[HPET_IOAPIC_PINS])
{
    for (int i = 0; i < HPET_IOAPIC_PINS; i++)
        s->ioapic_lines[i] = lines[i];
}

void hpet_set_legacy_lines(HpetState *s, IrqLine isa_irq0, IrqLine isa_irq8)
{
    s->legacy_irq0 = isa_irq0;
    s->legacy_irq8 = isa_irq8;
}

void hpet_set_legacy_notify(HpetState *s, void (*legacy_changed)(void *opaque, bool on),
                            void *opaque)
{
    s->legacy_changed = legacy_changed;
    s->legacy_opaque = opaque;
}
