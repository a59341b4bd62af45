/* The HPET on a stepped virtual clock: registers, the 100 MHz main counter, one-shot and
 * periodic comparators on their I/O APIC lines, level-triggered status, legacy
 * replacement routing and its callback, 32-bit mode wrap-around, halting the counter,
 * and saved state. */
#include <glib.h>

#include "hw/hpet.h"

#define REG_CAP_ID   0x000
#define REG_CONFIG   0x010
#define REG_INT_STS  0x020
#define REG_COUNTER  0x0f0
#define TIMER_CFG(n) (0x100 + 0x20 * (n))
#define TIMER_CMP(n) (0x108 + 0x20 * (n))

#define CFG_ENABLE 1u
#define CFG_LEG_RT 2u

#define TN_LEVEL    (1u << 1)
#define TN_INT_ENB  (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_VAL_SET  (1u << 6)
#define TN_32MODE   (1u << 8)
#define TN_ROUTE(p) ((uint32_t)(p) << 9)

#define US 1000 /* ns */

typedef struct LineRecord {
    int level;
    int rises;
} LineRecord;

typedef struct Fixture {
    Log log;
    AddressSpace mem;
    VirtualClock clock;
    HpetState *hpet;
    LineRecord ioapic[HPET_IOAPIC_PINS];
    LineRecord legacy[2]; /* ISA IRQ 0, ISA IRQ 8 */
    int legacy_calls;
    bool legacy_on;
} Fixture;

static void record_level(LineRecord *r, int level)
{
    if (level && !r->level)
        r->rises++;
    r->level = level;
}

static void ioapic_pin(void *opaque, int n, int level)
{
    record_level(&((Fixture *)opaque)->ioapic[n], level);
}

static void legacy_line(void *opaque, int n, int level)
{
    record_level(&((Fixture *)opaque)->legacy[n], level);
}

static void legacy_changed(void *opaque, bool on)
{
    Fixture *f = opaque;
    f->legacy_calls++;
    f->legacy_on = on;
}

static void fixture_init(Fixture *f)
{
    *f = (Fixture){0};
    address_space_init(&f->mem, "mem", 1ull << 52, &f->log);
    clock_init(&f->clock); /* stopped at 0: time moves only by step() */
    f->hpet = hpet_new(&f->mem, &f->clock, &f->log);
    IrqLine lines[HPET_IOAPIC_PINS];
    for (int i = 0; i < HPET_IOAPIC_PINS; i++)
        lines[i] = (IrqLine){ioapic_pin, f, i};
    hpet_set_ioapic_lines(f->hpet, lines);
    hpet_set_legacy_lines(f->hpet, (IrqLine){legacy_line, f, 0}, (IrqLine){legacy_line, f, 1});
    hpet_set_legacy_notify(f->hpet, legacy_changed, f);
}

static void fixture_fini(Fixture *f)
{
    hpet_free(f->hpet);
    clock_destroy(&f->clock);
    address_space_destroy(&f->mem);
}

static uint64_t rd64(Fixture *f, uint64_t reg)
{
    return address_space_read(&f->mem, HPET_DEFAULT_BASE + reg, 8);
}

static uint32_t rd32(Fixture *f, uint64_t reg)
{
    return (uint32_t)address_space_read(&f->mem, HPET_DEFAULT_BASE + reg, 4);
}

static void wr64(Fixture *f, uint64_t reg, uint64_t v)
{
    address_space_write(&f->mem, HPET_DEFAULT_BASE + reg, v, 8);
}

static void wr32(Fixture *f, uint64_t reg, uint32_t v)
{
    address_space_write(&f->mem, HPET_DEFAULT_BASE + reg, v, 4);
}

/* Advances virtual time in small steps, running due timers as the main loop would. */
static void step(Fixture *f, int64_t ns)
{
    const int64_t quantum = 10 * US;
    while (ns > 0) {
        int64_t d = ns < quantum ? ns : quantum;
        clock_step(&f->clock, d);
        clock_run_timers(&f->clock);
        ns -= d;
    }
}

static int total_ioapic_rises(const Fixture *f)
{
    int n = 0;
    for (int i = 0; i < HPET_IOAPIC_PINS; i++)
        n += f->ioapic[i].rises;
    return n;
}

static void test_registers(void)
{
    Fixture f;
    fixture_init(&f);
    /* Revision 1, 3 timers, 64-bit counter, legacy capable, vendor 8086h, 10 ns. */
    g_assert_cmphex(rd64(&f, REG_CAP_ID), ==, 0x009896808086a201ull);
    g_assert_cmphex(rd32(&f, REG_CAP_ID), ==, 0x8086a201); /* the ACPI table's block ID */
    g_assert_cmphex(rd32(&f, REG_CAP_ID + 4), ==, HPET_PERIOD_FS);
    g_assert_cmphex(rd64(&f, REG_CONFIG), ==, 0);
    g_assert_cmphex(rd64(&f, REG_INT_STS), ==, 0);
    /* Timer 0 alone is periodic-capable; all have 64-bit comparators, the same routes
     * and no FSB delivery; comparators reset to all ones. */
    g_assert_cmphex(rd64(&f, TIMER_CFG(0)), ==, (uint64_t)HPET_ROUTE_CAP << 32 | 0x30);
    g_assert_cmphex(rd64(&f, TIMER_CFG(1)), ==, (uint64_t)HPET_ROUTE_CAP << 32 | 0x20);
    g_assert_cmphex(HPET_ROUTE_CAP, ==, 0x00f00104);
    g_assert_cmphex(rd64(&f, TIMER_CMP(2)), ==, ~0ull);
    /* Reserved and read-only bits ignore writes. */
    wr64(&f, REG_CONFIG, ~0ull & ~(uint64_t)CFG_ENABLE);
    g_assert_cmphex(rd64(&f, REG_CONFIG), ==, CFG_LEG_RT);
    wr32(&f, TIMER_CFG(1), TN_PERIODIC | TN_INT_ENB | (1u << 14) | (1u << 15));
    g_assert_cmphex(rd32(&f, TIMER_CFG(1)), ==, 0x20 | TN_INT_ENB);
    wr32(&f, TIMER_CFG(1) + 4, 0);
    g_assert_cmphex(rd32(&f, TIMER_CFG(1) + 4), ==, HPET_ROUTE_CAP);
    /* Routes: 20 is allowed; 5 is not and reads back the old route. */
    wr32(&f, TIMER_CFG(2), TN_ROUTE(20));
    g_assert_cmphex(rd32(&f, TIMER_CFG(2)) & TN_ROUTE(0x1f), ==, TN_ROUTE(20));
    wr32(&f, TIMER_CFG(2), TN_ROUTE(5));
    g_assert_cmphex(rd32(&f, TIMER_CFG(2)) & TN_ROUTE(0x1f), ==, TN_ROUTE(20));
    fixture_fini(&f);
}

static void test_counter(void)
{
    Fixture f;
    fixture_init(&f);
    step(&f, 1000 * US);
    g_assert_cmphex(rd64(&f, REG_COUNTER), ==, 0); /* halted after reset */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 1000 * US);
    g_assert_cmpuint(rd64(&f, REG_COUNTER), ==, 100000); /* 1 ms at 100 MHz */
    step(&f, 15);
    g_assert_cmpuint(rd32(&f, REG_COUNTER), ==, 100001);
    /* Writes while running are ignored. */
    wr64(&f, REG_COUNTER, 5);
    g_assert_cmpuint(rd64(&f, REG_COUNTER), ==, 100001);
    /* Halted, the counter keeps its value and takes writes, by halves too. */
    wr64(&f, REG_CONFIG, 0);
    step(&f, 1000 * US);
    g_assert_cmpuint(rd64(&f, REG_COUNTER), ==, 100001);
    wr32(&f, REG_COUNTER, 0xfffffff0);
    wr32(&f, REG_COUNTER + 4, 0x12);
    g_assert_cmphex(rd64(&f, REG_COUNTER), ==, 0x12fffffff0ull);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 200);
    g_assert_cmphex(rd64(&f, REG_COUNTER), ==, 0x1300000004ull);
    g_assert_cmphex(rd32(&f, REG_COUNTER + 4), ==, 0x13);
    fixture_fini(&f);
}

static void test_one_shot(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(2), TN_INT_ENB | TN_ROUTE(20));
    wr64(&f, TIMER_CMP(2), 1000); /* 10 us */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 9 * US);
    g_assert_cmpint(total_ioapic_rises(&f), ==, 0);
    step(&f, 2 * US);
    g_assert_cmpint(f.ioapic[20].rises, ==, 1);
    g_assert_cmpint(f.ioapic[20].level, ==, 0); /* edge: a pulse */
    g_assert_cmphex(rd64(&f, REG_INT_STS), ==, 0);
    step(&f, 1000 * US);
    g_assert_cmpint(total_ioapic_rises(&f), ==, 1); /* fires once */
    /* A 64-bit comparator behind the counter never matches. */
    wr64(&f, TIMER_CMP(2), 50);
    step(&f, 1000 * US);
    g_assert_cmpint(total_ioapic_rises(&f), ==, 1);
    /* Reprogrammed ahead: fires again, and not with the interrupt disabled. */
    wr64(&f, TIMER_CMP(2), rd64(&f, REG_COUNTER) + 500);
    step(&f, 6 * US);
    g_assert_cmpint(f.ioapic[20].rises, ==, 2);
    wr32(&f, TIMER_CFG(2), TN_ROUTE(20));
    wr64(&f, TIMER_CMP(2), rd64(&f, REG_COUNTER) + 500);
    step(&f, 6 * US);
    g_assert_cmpint(total_ioapic_rises(&f), ==, 2);
    fixture_fini(&f);
}

/* Linux's periodic set-up: VAL_SET, comparator = now + period, then the period alone. */
static void test_periodic(void)
{
    Fixture f;
    fixture_init(&f);
    const uint32_t period = 100000; /* 1 ms */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 50 * US);
    uint32_t now = rd32(&f, REG_COUNTER);
    wr32(&f, TIMER_CFG(0), TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32MODE | TN_ROUTE(2));
    wr32(&f, TIMER_CMP(0), now + period);
    g_assert_cmphex(rd32(&f, TIMER_CFG(0)) & TN_VAL_SET, ==, 0); /* cleared by the write */
    wr32(&f, TIMER_CMP(0), period);
    g_assert_cmpuint(rd32(&f, TIMER_CMP(0)), ==, now + period); /* only the period */
    step(&f, 10 * 1000 * US + 5 * US);
    g_assert_cmpint(f.ioapic[2].rises, ==, 10);
    g_assert_cmpint(total_ioapic_rises(&f), ==, 10);
    /* The accumulator moved on by one period per match (§2.3.9.2.2). */
    g_assert_cmpuint(rd32(&f, TIMER_CMP(0)), ==, now + 11 * period);
    fixture_fini(&f);
}

/* A late main loop still delivers each period, in order. */
static void test_periodic_catch_up(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(0), TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_ROUTE(21));
    wr64(&f, TIMER_CMP(0), 1000);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    clock_step(&f.clock, 50 * 10 * US + 5 * US);
    clock_run_timers(&f.clock);
    g_assert_cmpint(f.ioapic[21].rises, ==, 50);
    fixture_fini(&f);
}

static void test_level_status(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(2), TN_LEVEL | TN_INT_ENB | TN_ROUTE(21));
    wr64(&f, TIMER_CMP(2), 1000);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 11 * US);
    g_assert_cmpint(f.ioapic[21].level, ==, 1);
    g_assert_cmphex(rd64(&f, REG_INT_STS), ==, 1u << 2);
    step(&f, 100 * US);
    g_assert_cmpint(f.ioapic[21].level, ==, 1); /* held until cleared */
    g_assert_cmpint(f.ioapic[21].rises, ==, 1);
    wr64(&f, REG_INT_STS, 0x3); /* other bits: no effect */
    g_assert_cmpint(f.ioapic[21].level, ==, 1);
    wr32(&f, REG_INT_STS, 1u << 2);
    g_assert_cmpint(f.ioapic[21].level, ==, 0);
    g_assert_cmphex(rd64(&f, REG_INT_STS), ==, 0);
    /* Interrupt disabled: the status bit is still set, the line stays low; enabling the
     * interrupt then asserts it. */
    wr32(&f, TIMER_CFG(2), TN_LEVEL | TN_ROUTE(21));
    wr64(&f, TIMER_CMP(2), rd64(&f, REG_COUNTER) + 100);
    step(&f, 2 * US);
    g_assert_cmphex(rd64(&f, REG_INT_STS), ==, 1u << 2);
    g_assert_cmpint(f.ioapic[21].level, ==, 0);
    wr32(&f, TIMER_CFG(2), TN_LEVEL | TN_INT_ENB | TN_ROUTE(21));
    g_assert_cmpint(f.ioapic[21].level, ==, 1);
    /* Halting the counter disables the interrupt but keeps the status. */
    wr64(&f, REG_CONFIG, 0);
    g_assert_cmpint(f.ioapic[21].level, ==, 0);
    g_assert_cmphex(rd64(&f, REG_INT_STS), ==, 1u << 2);
    fixture_fini(&f);
}

static void test_legacy_replacement(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(0), TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_ROUTE(20));
    wr64(&f, TIMER_CMP(0), 1000);
    wr32(&f, TIMER_CFG(1), TN_INT_ENB | TN_ROUTE(22));
    wr64(&f, TIMER_CMP(1), 2500);
    wr64(&f, REG_CONFIG, CFG_ENABLE | CFG_LEG_RT);
    g_assert_cmpint(f.legacy_calls, ==, 1);
    g_assert_true(f.legacy_on);
    g_assert_true(hpet_legacy_mode(f.hpet));
    step(&f, 30 * US + 5 * US);
    /* Timer 0 on ISA IRQ 0, timer 1 on ISA IRQ 8; their own routes unused. */
    g_assert_cmpint(f.legacy[0].rises, ==, 3);
    g_assert_cmpint(f.legacy[1].rises, ==, 1);
    g_assert_cmpint(total_ioapic_rises(&f), ==, 0);
    /* Off again: the callback says so and timer 0 uses its route. */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    g_assert_cmpint(f.legacy_calls, ==, 2);
    g_assert_false(f.legacy_on);
    step(&f, 20 * US);
    g_assert_cmpint(f.legacy[0].rises, ==, 3);
    g_assert_cmpint(f.ioapic[20].rises, ==, 2);
    /* Writing the same mode again does not call back. */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    g_assert_cmpint(f.legacy_calls, ==, 2);
    fixture_fini(&f);
}

/* A level-triggered legacy comparator moves its asserted line when the mode changes. */
static void test_legacy_level_moves(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(1), TN_LEVEL | TN_INT_ENB | TN_ROUTE(8));
    wr64(&f, TIMER_CMP(1), 100);
    wr64(&f, REG_CONFIG, CFG_ENABLE | CFG_LEG_RT);
    step(&f, 2 * US);
    g_assert_cmpint(f.legacy[1].level, ==, 1);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    g_assert_cmpint(f.legacy[1].level, ==, 0);
    g_assert_cmpint(f.ioapic[8].level, ==, 1);
    fixture_fini(&f);
}

/* 32-bit mode: the high halves play no part; a one-shot also interrupts when the low
 * half of the counter wraps around. */
static void test_32bit_wrap(void)
{
    Fixture f;
    fixture_init(&f);
    wr64(&f, REG_COUNTER, 0x1ffffff00ull);
    wr32(&f, TIMER_CFG(2), TN_INT_ENB | TN_32MODE | TN_ROUTE(23));
    wr64(&f, TIMER_CMP(2), 0x5500000100ull);
    g_assert_cmphex(rd64(&f, TIMER_CMP(2)), ==, 0x100); /* high half not kept */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 0xff * HPET_TICK_NS);
    g_assert_cmpint(f.ioapic[23].rises, ==, 0);
    step(&f, 2 * HPET_TICK_NS); /* counter 0x2_0000_0001: wrapped */
    g_assert_cmpint(f.ioapic[23].rises, ==, 1);
    step(&f, 0xfe * HPET_TICK_NS); /* 0x2_0000_00ff */
    g_assert_cmpint(f.ioapic[23].rises, ==, 1);
    step(&f, 2 * HPET_TICK_NS); /* 0x2_0000_0101: the match on the low half */
    g_assert_cmpint(f.ioapic[23].rises, ==, 2);
    step(&f, 1000 * US);
    g_assert_cmpint(f.ioapic[23].rises, ==, 2);
    /* Back in 64-bit mode, the high half written in 32-bit mode did not stick. */
    wr32(&f, TIMER_CFG(2), TN_INT_ENB | TN_ROUTE(23));
    g_assert_cmphex(rd64(&f, TIMER_CMP(2)), ==, 0x100);
    fixture_fini(&f);
}

/* 32-bit periodic: the comparator accumulates modulo 2^32 across the wrap. */
static void test_32bit_periodic_wrap(void)
{
    Fixture f;
    fixture_init(&f);
    wr64(&f, REG_COUNTER, 0xffffff00ull);
    wr32(&f, TIMER_CFG(0), TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32MODE | TN_ROUTE(2));
    wr32(&f, TIMER_CMP(0), 0xffffff80);
    wr32(&f, TIMER_CMP(0), 0x100);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 0x81 * HPET_TICK_NS);
    g_assert_cmpint(f.ioapic[2].rises, ==, 1);
    g_assert_cmphex(rd32(&f, TIMER_CMP(0)), ==, 0x80);
    step(&f, 0x100 * HPET_TICK_NS);
    g_assert_cmpint(f.ioapic[2].rises, ==, 2);
    g_assert_cmphex(rd64(&f, TIMER_CMP(0)), ==, 0x180);
    fixture_fini(&f);
}

static void test_halt(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(2), TN_INT_ENB | TN_ROUTE(22));
    wr64(&f, TIMER_CMP(2), 2000); /* 20 us */
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 10 * US);
    wr64(&f, REG_CONFIG, 0);
    uint64_t halted = rd64(&f, REG_COUNTER);
    g_assert_cmpuint(halted, ==, 1000);
    step(&f, 100 * US);
    g_assert_cmpuint(rd64(&f, REG_COUNTER), ==, halted);
    g_assert_cmpint(f.ioapic[22].rises, ==, 0);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 9 * US);
    g_assert_cmpint(f.ioapic[22].rises, ==, 0);
    step(&f, 2 * US);
    g_assert_cmpint(f.ioapic[22].rises, ==, 1);
    fixture_fini(&f);
}

/* The saved fields restore a running HPET in another instance. */
static void test_saved_state(void)
{
    Fixture f;
    fixture_init(&f);
    wr32(&f, TIMER_CFG(0), TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_ROUTE(20));
    wr64(&f, TIMER_CMP(0), 1000);
    wr64(&f, REG_CONFIG, CFG_ENABLE);
    step(&f, 25 * US);
    g_assert_cmpint(f.ioapic[20].rises, ==, 2);
    size_t len = vmstate_size(f.hpet->dev.fields);
    uint8_t *buf = g_malloc(len);
    g_assert_cmpuint(vmstate_save(&f.hpet->dev, buf, len), ==, len);

    HpetState *old = f.hpet;
    f.hpet = hpet_new(&f.mem, &f.clock, &f.log);
    IrqLine lines[HPET_IOAPIC_PINS];
    for (int i = 0; i < HPET_IOAPIC_PINS; i++)
        lines[i] = (IrqLine){ioapic_pin, &f, i};
    hpet_set_ioapic_lines(f.hpet, lines);
    g_assert_cmpint(vmstate_load(&f.hpet->dev, buf, len), ==, 0);
    address_space_remove(&f.mem, old->region);
    old->region = NULL;
    hpet_free(old);
    g_free(buf);

    /* The restored comparator is armed without any register access. */
    step(&f, 10 * US);
    g_assert_cmpint(f.ioapic[20].rises, ==, 3);
    g_assert_cmpuint(rd64(&f, REG_COUNTER), ==, 3500);
    g_assert_cmpuint(rd64(&f, TIMER_CMP(0)), ==, 4000);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hpet/registers", test_registers);
    g_test_add_func("/hpet/counter", test_counter);
    g_test_add_func("/hpet/one-shot", test_one_shot);
    g_test_add_func("/hpet/periodic", test_periodic);
    g_test_add_func("/hpet/periodic-catch-up", test_periodic_catch_up);
    g_test_add_func("/hpet/level-status", test_level_status);
    g_test_add_func("/hpet/legacy-replacement", test_legacy_replacement);
    g_test_add_func("/hpet/legacy-level-moves", test_legacy_level_moves);
    g_test_add_func("/hpet/32bit-wrap", test_32bit_wrap);
    g_test_add_func("/hpet/32bit-periodic-wrap", test_32bit_periodic_wrap);
    g_test_add_func("/hpet/halt", test_halt);
    g_test_add_func("/hpet/saved-state", test_saved_state);
    return g_test_run();
}
