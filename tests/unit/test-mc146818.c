/* The MC146818 RTC on a stepped virtual clock: time in BCD/binary and 12/24-hour form,
 * setting the time, UIP, periodic/update/alarm interrupts, CMOS RAM. */
#include <glib.h>
#include <time.h>

#include "hw/mc146818.h"

#define NS 1000000000ll

typedef struct Fixture {
    Log log;
    AddressSpace io;
    VirtualClock clock;
    RtcState *rtc;
    int level;
} Fixture;

static void record_irq(void *opaque, int n, int level)
{
    (void)n;
    ((Fixture *)opaque)->level = level;
}

/* 2026-11-25 12:34:56.25 UTC (a Wednesday) */
static int64_t base_time(void)
{
    struct tm tm = {
        .tm_year = 126, .tm_mon = 10, .tm_mday = 25, .tm_hour = 12, .tm_min = 34, .tm_sec = 56};
    return (int64_t)timegm(&tm) * NS + NS / 4;
}

static void fixture_init(Fixture *f)
{
    f->log = (Log){0, NULL};
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    clock_init(&f->clock);
    f->level = 0;
    f->rtc = rtc_new(&f->io, &f->clock, (IrqLine){record_irq, f, 0}, base_time(), &f->log);
}

static void fixture_fini(Fixture *f)
{
    rtc_free(f->rtc);
    clock_destroy(&f->clock);
    address_space_destroy(&f->io);
}

static uint8_t cmos_read(Fixture *f, uint8_t index)
{
    address_space_write(&f->io, 0x70, index, 1);
    return (uint8_t)address_space_read(&f->io, 0x71, 1);
}

static void cmos_write(Fixture *f, uint8_t index, uint8_t v)
{
    address_space_write(&f->io, 0x70, index, 1);
    address_space_write(&f->io, 0x71, v, 1);
}

static void step(Fixture *f, int64_t ns)
{
    const int64_t quantum = 100000;
    while (ns > 0) {
        int64_t d = ns < quantum ? ns : quantum;
        clock_step(&f->clock, d);
        clock_run_timers(&f->clock);
        ns -= d;
    }
}

static void test_time_bcd_24h(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(cmos_read(&f, 0x00), ==, 0x56);
    g_assert_cmphex(cmos_read(&f, 0x02), ==, 0x34);
    g_assert_cmphex(cmos_read(&f, 0x04), ==, 0x12);
    g_assert_cmphex(cmos_read(&f, 0x06), ==, 0x04); /* Wednesday: Sunday is 1 */
    g_assert_cmphex(cmos_read(&f, 0x07), ==, 0x25);
    g_assert_cmphex(cmos_read(&f, 0x08), ==, 0x11);
    g_assert_cmphex(cmos_read(&f, 0x09), ==, 0x26);
    g_assert_cmphex(cmos_read(&f, 0x32), ==, 0x20);
    g_assert_cmphex(cmos_read(&f, 0x0d), ==, 0x80);
    step(&f, 5 * NS);
    g_assert_cmphex(cmos_read(&f, 0x00), ==, 0x01);
    g_assert_cmphex(cmos_read(&f, 0x02), ==, 0x35);
    fixture_fini(&f);
}

static void test_binary_and_12h(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, 0x0b, 0x04); /* binary, 12-hour */
    g_assert_cmphex(cmos_read(&f, 0x00), ==, 56);
    g_assert_cmphex(cmos_read(&f, 0x04), ==, 0x80 | 12); /* 12 PM */
    cmos_write(&f, 0x0b, 0x00);                          /* BCD, 12-hour */
    g_assert_cmphex(cmos_read(&f, 0x04), ==, 0x92);
    fixture_fini(&f);
}

static void test_set_time(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, 0x0b, 0x82); /* SET, 24h BCD */
    cmos_write(&f, 0x04, 0x08);
    cmos_write(&f, 0x02, 0x15);
    cmos_write(&f, 0x09, 0x30);
    cmos_write(&f, 0x0b, 0x02);
    g_assert_cmphex(cmos_read(&f, 0x04), ==, 0x08);
    g_assert_cmphex(cmos_read(&f, 0x02), ==, 0x15);
    g_assert_cmphex(cmos_read(&f, 0x09), ==, 0x30);
    g_assert_cmphex(cmos_read(&f, 0x07), ==, 0x25); /* untouched fields stay */
    step(&f, 60 * NS);
    g_assert_cmphex(cmos_read(&f, 0x02), ==, 0x16);
    fixture_fini(&f);
}

static void test_uip(void)
{
    Fixture f;
    fixture_init(&f);
    /* at .25 s: no update in progress */
    g_assert_cmphex(cmos_read(&f, 0x0a) & 0x80, ==, 0);
    step(&f, NS * 3 / 4 - 100000); /* 100 us before the second ends */
    g_assert_cmphex(cmos_read(&f, 0x0a) & 0x80, ==, 0x80);
    fixture_fini(&f);
}

static void test_periodic_irq(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, 0x0a, 0x26); /* 1024 Hz */
    cmos_write(&f, 0x0b, 0x42); /* PIE */
    int irqs = 0;
    for (int i = 0; i < 100; i++) {
        step(&f, NS / 1000);
        if (f.level) {
            irqs++;
            uint8_t c = cmos_read(&f, 0x0c);
            g_assert_cmphex(c & 0xc0, ==, 0xc0);
            g_assert_cmpint(f.level, ==, 0);
        }
    }
    /* 100 ms at 1024 Hz, one read per ms: about 100 acknowledged interrupts */
    g_assert_cmpint(irqs, >=, 95);
    g_assert_cmpint(irqs, <=, 100);
    fixture_fini(&f);
}

static void test_update_and_alarm_irq(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, 0x01, 0x58); /* alarm at hh:34:58 with don't-care hours */
    cmos_write(&f, 0x03, 0x34);
    cmos_write(&f, 0x05, 0xff);
    cmos_write(&f, 0x0b, 0x12); /* UIE */
    step(&f, NS);               /* crosses :57 */
    g_assert_cmpint(f.level, ==, 1);
    uint8_t c = cmos_read(&f, 0x0c);
    g_assert_cmphex(c & 0x90, ==, 0x90);
    g_assert_cmphex(c & 0x20, ==, 0);
    cmos_write(&f, 0x0b, 0x22); /* AIE only */
    step(&f, NS);               /* crosses :58: the alarm */
    g_assert_cmpint(f.level, ==, 1);
    c = cmos_read(&f, 0x0c);
    g_assert_cmphex(c & 0xa0, ==, 0xa0);
    step(&f, NS); /* :59: no alarm */
    g_assert_cmpint(f.level, ==, 0);
    fixture_fini(&f);
}

static void test_cmos_ram(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, 0x40, 0xa5);
    g_assert_cmphex(cmos_read(&f, 0x40), ==, 0xa5);
    rtc_set_cmos(f.rtc, 0x15, 0x80);
    g_assert_cmphex(cmos_read(&f, 0x15), ==, 0x80);
    /* NMI mask bit in the index port does not change the register selected */
    address_space_write(&f.io, 0x70, 0x80 | 0x40, 1);
    g_assert_cmphex(address_space_read(&f.io, 0x71, 1), ==, 0xa5);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mc146818/time-bcd-24h", test_time_bcd_24h);
    g_test_add_func("/mc146818/binary-12h", test_binary_and_12h);
    g_test_add_func("/mc146818/set-time", test_set_time);
    g_test_add_func("/mc146818/uip", test_uip);
    g_test_add_func("/mc146818/periodic-irq", test_periodic_irq);
    g_test_add_func("/mc146818/update-alarm-irq", test_update_and_alarm_irq);
    g_test_add_func("/mc146818/cmos-ram", test_cmos_ram);
    return g_test_run();
}
