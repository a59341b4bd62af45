/* The virtual clock (nanoseconds) that drives every guest timer, and timers on it.
 *
 * The clock runs while the VM runs and stands still while it is stopped. Timers fire
 * from the main loop (clock_run_timers) with the machine lock held. A timer armed
 * from a vCPU thread earlier than the main loop's current deadline wakes the main
 * loop through the notify callback.
 */
#ifndef PACIFICA_SYSTEM_CLOCK_H
#define PACIFICA_SYSTEM_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Timer Timer;

typedef struct VirtualClock {
    pthread_mutex_t lock; /* protects the timer list and the offsets */
    bool running;
    int64_t offset_ns;            /* virtual = host monotonic + offset while running */
    int64_t stopped_at;           /* virtual time when stopped */
    Timer *timers;                /* armed timers, sorted by expiry */
    void (*notify)(void *opaque); /* called when the earliest deadline moves earlier */
    void *notify_opaque;
} VirtualClock;

struct Timer {
    VirtualClock *clock;
    int64_t expire_ns; /* virtual time */
    bool armed;
    void (*cb)(void *opaque);
    void *opaque;
    Timer *next;
};

void clock_init(VirtualClock *c); /* starts stopped at time 0 */
void clock_destroy(VirtualClock *c);
int64_t clock_now_ns(VirtualClock *c);
void clock_start(VirtualClock *c);
void clock_stop(VirtualClock *c);
/* Moves a stopped clock forward by ns (tests, and a clock driven by the guest's
 * instruction count); no effect while running. Timers due run at the next
 * clock_run_timers. */
void clock_step(VirtualClock *c, int64_t ns);

void timer_init(Timer *t, VirtualClock *c, void (*cb)(void *opaque), void *opaque);
/* Arms (or re-arms) the timer to fire at virtual time expire_ns. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);

/* Runs every timer whose time has come (callbacks may re-arm timers); returns the
 * nanoseconds until the next deadline, or -1 if no timer is armed. */
int64_t clock_run_timers(VirtualClock *c);

#endif
