/* The 8254 PIT on a stepped virtual clock: counting in each mode, IRQ 0 edges, latch
 * and read-back commands, BCD, and channel 2 through port 0x61. */
#include <glib.h>

#include "hw/i8254.h"

typedef struct Fixture {
    Log log;
    AddressSpace io;
    VirtualClock clock;
    PitState *pit;
    int level;
    int rising_edges;
} Fixture;

static void record_irq0(void *opaque, int n, int level)
{
    (void)n;
    Fixture *f = opaque;
    if (level && !f->level)
        f->rising_edges++;
    f->level = level;
}

static void fixture_init(Fixture *f)
{
    f->log = (Log){0, NULL};
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    clock_init(&f->clock); /* stopped at 0: time moves only by step() */
    f->level = 0;
    f->rising_edges = 0;
    f->pit = pit_new(&f->io, &f->clock, (IrqLine){record_irq0, f, 0}, &f->log);
}

static void fixture_fini(Fixture *f)
{
    pit_free(f->pit);
    clock_destroy(&f->clock);
    address_space_destroy(&f->io);
}

static void out8(Fixture *f, uint16_t port, uint8_t v)
{
    address_space_write(&f->io, port, v, 1);
}

static uint8_t in8(Fixture *f, uint16_t port)
{
    return (uint8_t)address_space_read(&f->io, port, 1);
}

/* Advances virtual time in small steps, running due timers as the main loop would. */
static void step(Fixture *f, int64_t ns)
{
    const int64_t quantum = 10000;
    while (ns > 0) {
        int64_t d = ns < quantum ? ns : quantum;
        clock_step(&f->clock, d);
        clock_run_timers(&f->clock);
        ns -= d;
    }
}

static int64_t ticks_ns(uint64_t ticks)
{
    return (int64_t)(ticks * 1000000000ull / PIT_FREQ_HZ);
}

static uint16_t read_count_lsb_msb(Fixture *f, uint16_t port)
{
    uint8_t lo = in8(f, port);
    uint8_t hi = in8(f, port);
    return (uint16_t)(lo | hi << 8);
}

static void test_mode2_periodic_irq(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0x34); /* channel 0, lsb/msb, mode 2: what Linux and BIOSes use */
    out8(&f, 0x40, 1193 & 0xff);
    out8(&f, 0x40, 1193 >> 8);
    /* Programming mode 2 raises OUT (datasheet: "OUT will be initially high"). */
    g_assert_cmpint(f.level, ==, 1);
    f.rising_edges = 0;
    step(&f, 10 * 1000000 + 5000); /* a little over 10 ms at ~1 kHz */
    g_assert_cmpint(f.rising_edges, ==, 10);
    fixture_fini(&f);
}

static void test_mode3_square_wave(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0x36); /* mode 3 */
    out8(&f, 0x40, 100);
    out8(&f, 0x40, 0);
    f.rising_edges = 0;
    g_assert_true(pit_channel_out(&f.pit->ch[0], 0));
    g_assert_true(pit_channel_out(&f.pit->ch[0], ticks_ns(49)));
    g_assert_false(pit_channel_out(&f.pit->ch[0], ticks_ns(51)));
    g_assert_true(pit_channel_out(&f.pit->ch[0], ticks_ns(101)));
    step(&f, ticks_ns(100 * 5) + 1000);
    g_assert_cmpint(f.rising_edges, ==, 5);
    fixture_fini(&f);
}

static void test_mode0_one_shot(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0x30); /* mode 0 */
    g_assert_cmpint(f.level, ==, 0);
    out8(&f, 0x40, 0x00);
    out8(&f, 0x40, 0x10); /* 4096 */
    step(&f, ticks_ns(4000));
    g_assert_cmpint(f.level, ==, 0);
    step(&f, ticks_ns(200));
    g_assert_cmpint(f.level, ==, 1);
    step(&f, ticks_ns(70000)); /* stays high after terminal count, no more edges */
    g_assert_cmpint(f.rising_edges, ==, 1);
    fixture_fini(&f);
}

static void test_latch_and_count(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0x34);
    out8(&f, 0x40, 0x00);
    out8(&f, 0x40, 0x00); /* 65536 */
    step(&f, ticks_ns(1000) + 100);
    out8(&f, 0x43, 0x00); /* latch channel 0 */
    step(&f, ticks_ns(5000));
    uint16_t c = read_count_lsb_msb(&f, 0x40);
    g_assert_cmpuint(c, ==, 65536 - 1000);
    /* Unlatched reads follow the live count. */
    uint16_t live = read_count_lsb_msb(&f, 0x40);
    g_assert_cmpuint(live, <, c);
    fixture_fini(&f);
}

static void test_read_back_status(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0xb6); /* channel 2, lsb/msb, mode 3, binary */
    out8(&f, 0x43, 0xe8); /* read-back: status only, channel 2 */
    /* null count set (no count written yet), rw 3, mode 3 */
    g_assert_cmphex(in8(&f, 0x42) & 0x7f, ==, 0x40 | 0x30 | 0x06);
    out8(&f, 0x42, 0x10);
    out8(&f, 0x42, 0x00);
    out8(&f, 0x43, 0xe8);
    g_assert_cmphex(in8(&f, 0x42) & 0x40, ==, 0);
    fixture_fini(&f);
}

static void test_bcd(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0x31); /* channel 0, lsb/msb, mode 0, BCD */
    out8(&f, 0x40, 0x00);
    out8(&f, 0x40, 0x10);       /* 1000 decimal */
    step(&f, ticks_ns(1) + 10); /* ensure the first tick passed */
    out8(&f, 0x43, 0x00);
    uint16_t c = read_count_lsb_msb(&f, 0x40);
    g_assert_cmphex(c, ==, 0x0999);
    fixture_fini(&f);
}

/* Linux's PIT calibration: channel 2 in mode 0 gated by port 0x61 bit 0, polling the
 * output in port 0x61 bit 5. */
static void test_channel2_gate_and_port61(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x61, (in8(&f, 0x61) & ~0x02) | 0x01);
    out8(&f, 0x43, 0xb0); /* channel 2, lsb/msb, mode 0 */
    out8(&f, 0x42, 0xff);
    out8(&f, 0x42, 0x00); /* 255 ticks */
    g_assert_cmphex(in8(&f, 0x61) & 0x20, ==, 0);
    step(&f, ticks_ns(300));
    g_assert_cmphex(in8(&f, 0x61) & 0x20, ==, 0x20);
    g_assert_cmphex(in8(&f, 0x61) & 0x03, ==, 0x01);
    fixture_fini(&f);
}

/* A PIT restored from saved state into a new instance keeps IRQ 0 ticking without any
 * port access (post_load re-arms its timer). */
static void test_restore(void)
{
    Fixture f;
    fixture_init(&f);
    out8(&f, 0x43, 0x34);
    out8(&f, 0x40, 0x9c); /* 1000 ticks: ~838 us */
    out8(&f, 0x40, 0x03);
    f.rising_edges = 0;
    step(&f, ticks_ns(2500));
    g_assert_cmpint(f.rising_edges, ==, 2);
    size_t len = vmstate_size(f.pit->dev.fields);
    uint8_t *buf = g_malloc(len);
    g_assert_cmpuint(vmstate_save(&f.pit->dev, buf, len), ==, len);
    pit_free(f.pit);
    f.pit = pit_new(&f.io, &f.clock, (IrqLine){record_irq0, &f, 0}, &f.log);
    g_assert_cmpint(vmstate_load(&f.pit->dev, buf, len), ==, 0);
    g_free(buf);
    f.rising_edges = 0;
    step(&f, ticks_ns(3000));
    g_assert_cmpint(f.rising_edges, ==, 3);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/mode2-periodic-irq", test_mode2_periodic_irq);
    g_test_add_func("/i8254/mode3-square-wave", test_mode3_square_wave);
    g_test_add_func("/i8254/mode0-one-shot", test_mode0_one_shot);
    g_test_add_func("/i8254/latch-and-count", test_latch_and_count);
    g_test_add_func("/i8254/read-back-status", test_read_back_status);
    g_test_add_func("/i8254/bcd", test_bcd);
    g_test_add_func("/i8254/channel2-port61", test_channel2_gate_and_port61);
    g_test_add_func("/i8254/restore", test_restore);
    return g_test_run();
}
