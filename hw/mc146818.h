/* The Motorola MC146818 real-time clock and CMOS RAM at ports 0x70-0x71 (ISA IRQ 8),
 * with the PC's extra CMOS bytes (128 in all). */
#ifndef PACIFICA_HW_MC146818_H
#define PACIFICA_HW_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#include "system/clock.h"
#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

#define RTC_CMOS_SIZE 128

typedef struct RtcState {
    DeviceState dev;
    uint8_t cmos[RTC_CMOS_SIZE]; /* registers A-D and the RAM; time bytes are computed */
    uint8_t index;               /* port 0x70 bits 6-0 */
    bool nmi_disabled;           /* port 0x70 bit 7 (kept; NMIs do not exist yet) */
    int64_t base_ns;             /* RTC time (ns since the Unix epoch, UTC) at virtual time 0 */
    int64_t last_second_seen;    /* for update-ended / alarm flags between reads of C */
    uint8_t irq_level;
    VirtualClock *clock;
    Timer periodic_timer; /* next periodic interrupt (PIE) */
    Timer second_timer;   /* next update cycle end (UIE/AIE) */
    IrqLine irq;
    const Log *log;
    AddressSpace *io;
    MemoryRegion *region;
} RtcState;

/* base_unix_ns: the wall-clock time the RTC shows when the virtual clock is at 0
 * (the host's time at start-up, or -rtc base=). */
RtcState *rtc_new(AddressSpace *io, VirtualClock *clock, IrqLine irq, int64_t base_unix_ns,
                  const Log *log);
void rtc_free(RtcState *s);
/* The board's CMOS contents (memory size, CPUs, equipment) for firmware. */
void rtc_set_cmos(RtcState *s, unsigned index, uint8_t value);
/* The RTC's current time in ns since the Unix epoch. */
int64_t rtc_time_ns(const RtcState *s);

#endif
