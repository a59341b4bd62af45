/* The virtual clock and its timers.
 *
 * Most tests stop the clock first: a stopped clock stands still, so which timers
 * have expired (and the time to the next deadline) is exact. */
#include <glib.h>
#include <time.h>

#include "system/clock.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* A clock stopped at some time T > 0; returns T. */
static int64_t clock_init_stopped_later(VirtualClock *c)
{
    clock_init(c);
    clock_start(c);
    sleep_ms(1);
    clock_stop(c);
    int64_t t = clock_now_ns(c);
    g_assert_cmpint(t, >, 0);
    return t;
}

typedef struct FireLog {
    int order[16];
    int n;
} FireLog;

typedef struct TestTimer {
    Timer timer;
    FireLog *log;
    int id;
    int rearm_left;   /* re-arm itself this many more times, 10 ns later each time */
    Timer *arm_other; /* arm this one at other_at when firing */
    int64_t other_at;
} TestTimer;

static void test_timer_cb(void *opaque)
{
    TestTimer *tt = opaque;
    if (tt->log->n < 16)
        tt->log->order[tt->log->n] = tt->id;
    tt->log->n++;
    if (tt->rearm_left > 0) {
        tt->rearm_left--;
        timer_mod(&tt->timer, tt->timer.expire_ns + 10);
    }
    if (tt->arm_other)
        timer_mod(tt->arm_other, tt->other_at);
}

static void test_timer_init(TestTimer *tt, VirtualClock *c, FireLog *log, int id)
{
    *tt = (TestTimer){.log = log, .id = id};
    timer_init(&tt->timer, c, test_timer_cb, tt);
}

static void test_stop_start(void)
{
    VirtualClock c;
    clock_init(&c);
    g_assert_cmpint(clock_now_ns(&c), ==, 0);
    sleep_ms(2);
    g_assert_cmpint(clock_now_ns(&c), ==, 0);

    clock_start(&c);
    sleep_ms(2);
    int64_t t1 = clock_now_ns(&c);
    g_assert_cmpint(t1, >=, 2000000);
    clock_stop(&c);
    int64_t t2 = clock_now_ns(&c);
    g_assert_cmpint(t2, >=, t1);
    sleep_ms(50);
    g_assert_cmpint(clock_now_ns(&c), ==, t2);

    /* Restarting continues from t2: the 50 ms stopped do not count (the bound
     * leaves room for a busy machine preempting us). */
    clock_start(&c);
    int64_t t3 = clock_now_ns(&c);
    g_assert_cmpint(t3, >=, t2);
    g_assert_cmpint(t3 - t2, <, 25000000);
    clock_start(&c); /* idempotent */
    g_assert_cmpint(clock_now_ns(&c) - t2, <, 25000000);
    clock_destroy(&c);
}

static void test_order(void)
{
    VirtualClock c;
    int64_t now = clock_init_stopped_later(&c);
    FireLog log = {0};
    TestTimer a, b, cc, d, e;
    test_timer_init(&a, &c, &log, 1);
    test_timer_init(&b, &c, &log, 2);
    test_timer_init(&cc, &c, &log, 3);
    test_timer_init(&d, &c, &log, 4);
    test_timer_init(&e, &c, &log, 5);

    g_assert_cmpint(clock_run_timers(&c), ==, -1);
    timer_mod(&b.timer, now - 20);
    timer_mod(&d.timer, now + 1000);
    timer_mod(&a.timer, now - 30);
    timer_mod(&cc.timer, now);
    timer_mod(&e.timer, now - 20); /* same time as b, armed later: fires after b */
    g_assert_true(timer_pending(&d.timer));

    g_assert_cmpint(clock_run_timers(&c), ==, 1000);
    g_assert_cmpint(log.n, ==, 4);
    g_assert_cmpint(log.order[0], ==, 1);
    g_assert_cmpint(log.order[1], ==, 2);
    g_assert_cmpint(log.order[2], ==, 5);
    g_assert_cmpint(log.order[3], ==, 3);
    g_assert_false(timer_pending(&a.timer));
    g_assert_true(timer_pending(&d.timer));

    /* Nothing more until d's time. */
    g_assert_cmpint(clock_run_timers(&c), ==, 1000);
    g_assert_cmpint(log.n, ==, 4);
    clock_destroy(&c);
}

static void test_rearm_in_callback(void)
{
    VirtualClock c;
    int64_t now = clock_init_stopped_later(&c);
    FireLog log = {0};
    TestTimer a, b, cc;
    test_timer_init(&a, &c, &log, 1);
    test_timer_init(&b, &c, &log, 2);
    test_timer_init(&cc, &c, &log, 3);

    /* a fires at now-25 and re-arms itself to -15, -5 (both due) and +5 (not
     * due); cc, due at -20, arms b at -1 (due). */
    a.rearm_left = 3;
    timer_mod(&a.timer, now - 25);
    cc.arm_other = &b.timer;
    cc.other_at = now - 1;
    timer_mod(&cc.timer, now - 20);
    g_assert_cmpint(clock_run_timers(&c), ==, 5);
    static const int expected[] = {1, 3, 1, 1, 2};
    g_assert_cmpint(log.n, ==, G_N_ELEMENTS(expected));
    for (unsigned i = 0; i < G_N_ELEMENTS(expected); i++)
        g_assert_cmpint(log.order[i], ==, expected[i]);
    g_assert_true(timer_pending(&a.timer));
    g_assert_false(timer_pending(&b.timer));
    g_assert_cmpint(a.timer.expire_ns, ==, now + 5);
    clock_destroy(&c);
}

static void test_delete(void)
{
    VirtualClock c;
    int64_t now = clock_init_stopped_later(&c);
    FireLog log = {0};
    TestTimer a, b;
    test_timer_init(&a, &c, &log, 1);
    test_timer_init(&b, &c, &log, 2);
    timer_mod(&a.timer, now - 10);
    timer_mod(&b.timer, now - 5);
    timer_del(&a.timer);
    g_assert_false(timer_pending(&a.timer));
    timer_del(&a.timer); /* deleting twice is harmless */

    /* Re-arming moves the timer rather than adding it twice. */
    timer_mod(&b.timer, now - 7);
    timer_mod(&b.timer, now - 3);

    g_assert_cmpint(clock_run_timers(&c), ==, -1);
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.order[0], ==, 2);
    clock_destroy(&c);
}

typedef struct NotifyCount {
    VirtualClock *clock;
    int calls;
    int calls_under_lock; /* notify must run with the clock lock released */
} NotifyCount;

static void count_notify(void *opaque)
{
    NotifyCount *nc = opaque;
    nc->calls++;
    if (pthread_mutex_trylock(&nc->clock->lock) == 0)
        pthread_mutex_unlock(&nc->clock->lock);
    else
        nc->calls_under_lock++;
}

static void test_notify(void)
{
    VirtualClock c;
    clock_init(&c);
    NotifyCount nc = {.clock = &c};
    c.notify = count_notify;
    c.notify_opaque = &nc;
    FireLog log = {0};
    TestTimer a, b, cc;
    test_timer_init(&a, &c, &log, 1);
    test_timer_init(&b, &c, &log, 2);
    test_timer_init(&cc, &c, &log, 3);

    timer_mod(&a.timer, 1000); /* first deadline */
    g_assert_cmpint(nc.calls, ==, 1);
    timer_mod(&b.timer, 2000); /* later than the earliest */
    g_assert_cmpint(nc.calls, ==, 1);
    timer_mod(&cc.timer, 500); /* new earliest */
    g_assert_cmpint(nc.calls, ==, 2);
    timer_mod(&cc.timer, 3000); /* earliest moves later: no need to wake */
    g_assert_cmpint(nc.calls, ==, 2);
    timer_mod(&b.timer, 1000); /* ties with the earliest: not earlier */
    g_assert_cmpint(nc.calls, ==, 2);
    timer_mod(&a.timer, 100);
    g_assert_cmpint(nc.calls, ==, 3);
    timer_mod(&a.timer, 200); /* still the earliest, but later than before */
    g_assert_cmpint(nc.calls, ==, 3);
    g_assert_cmpint(nc.calls_under_lock, ==, 0);
    clock_destroy(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clock/stop-start", test_stop_start);
    g_test_add_func("/clock/timers/order", test_order);
    g_test_add_func("/clock/timers/rearm-in-callback", test_rearm_in_callback);
    g_test_add_func("/clock/timers/delete", test_delete);
    g_test_add_func("/clock/timers/notify", test_notify);
    return g_test_run();
}
