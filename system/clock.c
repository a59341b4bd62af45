/* The virtual clock and its timers.
 *
 * Virtual time is the host's CLOCK_MONOTONIC plus an offset while the VM runs,
 * and stands still at stopped_at while it is stopped; clock_start picks the
 * offset again so that time resumes where it stopped (no jump over the pause).
 *
 * Armed timers sit on one list sorted by expiry, guarded by the clock's mutex.
 * Callbacks and the notify hook always run with that mutex released: a callback
 * re-arms timers, and notify wakes the main loop (which may take other locks),
 * so calling either under the clock lock would invite self-deadlock or lock
 * order inversions.
 */
#include "system/clock.h"

#include <stddef.h>
#include <time.h>

static int64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Caller holds c->lock. */
static int64_t clock_now_locked(const VirtualClock *c)
{
    return c->running ? host_monotonic_ns() + c->offset_ns : c->stopped_at;
}

void clock_init(VirtualClock *c)
{
    pthread_mutex_init(&c->lock, NULL);
    c->running = false;
    c->offset_ns = 0;
    c->stopped_at = 0;
    c->timers = NULL;
    c->notify = NULL;
    c->notify_opaque = NULL;
}

void clock_destroy(VirtualClock *c)
{
    /* Timers belong to their devices; just forget them. */
    c->timers = NULL;
    pthread_mutex_destroy(&c->lock);
}

int64_t clock_now_ns(VirtualClock *c)
{
    pthread_mutex_lock(&c->lock);
    int64_t now = clock_now_locked(c);
    pthread_mutex_unlock(&c->lock);
    return now;
}

void clock_start(VirtualClock *c)
{
    pthread_mutex_lock(&c->lock);
    if (!c->running) {
        c->offset_ns = c->stopped_at - host_monotonic_ns();
        c->running = true;
    }
    pthread_mutex_unlock(&c->lock);
}

void clock_stop(VirtualClock *c)
{
    pthread_mutex_lock(&c->lock);
    if (c->running) {
        c->stopped_at = host_monotonic_ns() + c->offset_ns;
        c->running = false;
    }
    pthread_mutex_unlock(&c->lock);
}

void clock_step(VirtualClock *c, int64_t ns)
{
    pthread_mutex_lock(&c->lock);
    if (!c->running && ns > 0)
        c->stopped_at += ns;
    pthread_mutex_unlock(&c->lock);
}

void timer_init(Timer *t, VirtualClock *c, void (*cb)(void *opaque), void *opaque)
{
    t->clock = c;
    t->expire_ns = 0;
    t->armed = false;
    t->cb = cb;
    t->opaque = opaque;
    t->next = NULL;
}

/* Caller holds the clock lock. */
static void timer_unlink(Timer *t)
{
    if (!t->armed)
        return;
    for (Timer **p = &t->clock->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    VirtualClock *c = t->clock;
    pthread_mutex_lock(&c->lock);
    /* The deadline the main loop is waiting for, before t moves. */
    int64_t old_deadline = c->timers ? c->timers->expire_ns : INT64_MAX;
    timer_unlink(t);

    /* After any timer with the same expiry, so equal deadlines fire in the order
     * they were armed. */
    Timer **p = &c->timers;
    while (*p && (*p)->expire_ns <= expire_ns)
        p = &(*p)->next;
    t->expire_ns = expire_ns;
    t->next = *p;
    *p = t;
    t->armed = true;

    bool earlier = c->timers == t && expire_ns < old_deadline;
    void (*notify)(void *) = c->notify;
    void *notify_opaque = c->notify_opaque;
    pthread_mutex_unlock(&c->lock);

    /* Outside the lock (see the top of the file). */
    if (earlier && notify)
        notify(notify_opaque);
}

void timer_del(Timer *t)
{
    pthread_mutex_lock(&t->clock->lock);
    timer_unlink(t);
    pthread_mutex_unlock(&t->clock->lock);
}

bool timer_pending(const Timer *t)
{
    if (!t->clock)
        return false;
    pthread_mutex_lock(&t->clock->lock);
    bool armed = t->armed;
    pthread_mutex_unlock(&t->clock->lock);
    return armed;
}

/* a - b for a > b, clamped to INT64_MAX (a timer armed "never" at INT64_MAX). */
static int64_t saturating_sub(int64_t a, int64_t b)
{
    int64_t d;
    return __builtin_sub_overflow(a, b, &d) ? INT64_MAX : d;
}

int64_t clock_run_timers(VirtualClock *c)
{
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int64_t now = clock_now_locked(c);
        Timer *t = c->timers;
        if (!t || t->expire_ns > now) {
            int64_t wait = t ? saturating_sub(t->expire_ns, now) : -1;
            pthread_mutex_unlock(&c->lock);
            return wait;
        }
        /* Pop one timer and run it unlocked; the list may change under the
         * callback, so look again from the head afterwards. */
        c->timers = t->next;
        t->next = NULL;
        t->armed = false;
        void (*cb)(void *) = t->cb;
        void *opaque = t->opaque;
        pthread_mutex_unlock(&c->lock);
        if (cb)
            cb(opaque);
    }
}
