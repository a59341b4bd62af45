/* MC146818A real-time clock (Motorola MC146818A data sheet: "Address Map",
 * "Register A-D", "Update Cycle", "Interrupts"). The time is not stored: it is the
 * virtual clock plus an offset, encoded on each read in the format register B asks for
 * (BCD or binary, 12 or 24 hour). Writing the time while SET is on moves the offset.
 * The update-ended and alarm flags are derived from the seconds that passed between
 * reads; timers run only while an interrupt that needs them is enabled. */
#include "hw/mc146818.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RTC_BASE      0x70
#define NS_PER_SEC    1000000000ll
#define UIP_WINDOW_NS 244000 /* UIP is set 244 us before the update (data sheet) */

enum {
    RTC_SECONDS = 0x00,
    RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02,
    RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04,
    RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06,
    RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08,
    RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a,
    RTC_REG_B = 0x0b,
    RTC_REG_C = 0x0c,
    RTC_REG_D = 0x0d,
    RTC_CENTURY = 0x32, /* IBM PC/AT convention */
};

#define REG_A_UIP  0x80
#define REG_B_SET  0x80
#define REG_B_PIE  0x40
#define REG_B_AIE  0x20
#define REG_B_UIE  0x10
#define REG_B_DM   0x04 /* binary (else BCD) */
#define REG_B_24H  0x02
#define REG_C_IRQF 0x80
#define REG_C_PF   0x40
#define REG_C_AF   0x20
#define REG_C_UF   0x10
#define REG_D_VRT  0x80

int64_t rtc_time_ns(const RtcState *s)
{
    return s->base_ns + clock_now_ns(s->clock);
}

static uint8_t to_bcd(unsigned v)
{
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t rtc_encode(const RtcState *s, unsigned v)
{
    return (s->cmos[RTC_REG_B] & REG_B_DM) ? (uint8_t)v : to_bcd(v);
}

static unsigned rtc_decode(const RtcState *s, uint8_t v)
{
    return (s->cmos[RTC_REG_B] & REG_B_DM) ? v : from_bcd(v);
}

/* Hours in the register format: 12-hour mode keeps 1-12 with bit 7 for PM. */
static uint8_t rtc_encode_hour(const RtcState *s, unsigned hour)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H)
        return rtc_encode(s, hour);
    unsigned h12 = hour % 12 ? hour % 12 : 12;
    return (uint8_t)(rtc_encode(s, h12) | (hour >= 12 ? 0x80 : 0));
}

static unsigned rtc_decode_hour(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H)
        return rtc_decode(s, v) % 24;
    unsigned h = rtc_decode(s, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

static void rtc_broken_down(const RtcState *s, struct tm *tm)
{
    time_t secs = (time_t)(rtc_time_ns(s) / NS_PER_SEC);
    gmtime_r(&secs, tm);
}

static void rtc_update_irq(RtcState *s)
{
    uint8_t c = s->cmos[RTC_REG_C] & (REG_C_PF | REG_C_AF | REG_C_UF);
    uint8_t enabled = s->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE | REG_B_UIE);
    /* IRQF = PF&PIE | AF&AIE | UF&UIE: the flag bits line up with the enable bits. */
    uint8_t level = (c & enabled) ? 1 : 0;
    if (level)
        s->cmos[RTC_REG_C] |= REG_C_IRQF;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set_level(&s->irq, level);
    }
}

/* An alarm byte matches when equal, or when it is a "don't care" code (0xC0-0xFF). */
static bool alarm_field_matches(uint8_t alarm, uint8_t now)
{
    return (alarm & 0xc0) == 0xc0 || alarm == now;
}

/* Sets UF (and AF on a matching second) for the update cycles completed since the last
 * look, unless SET holds updates. */
static void rtc_catch_up_updates(RtcState *s)
{
    int64_t sec = rtc_time_ns(s) / NS_PER_SEC;
    if (sec <= s->last_second_seen || (s->cmos[RTC_REG_B] & REG_B_SET)) {
        s->last_second_seen = sec;
        return;
    }
    s->last_second_seen = sec;
    s->cmos[RTC_REG_C] |= REG_C_UF;
    struct tm tm;
    rtc_broken_down(s, &tm);
    if (alarm_field_matches(s->cmos[RTC_SECONDS_ALARM], rtc_encode(s, (unsigned)tm.tm_sec)) &&
        alarm_field_matches(s->cmos[RTC_MINUTES_ALARM], rtc_encode(s, (unsigned)tm.tm_min)) &&
        alarm_field_matches(s->cmos[RTC_HOURS_ALARM], rtc_encode_hour(s, (unsigned)tm.tm_hour)))
        s->cmos[RTC_REG_C] |= REG_C_AF;
}

/* Periodic interrupt rate (register A bits 3-0): 0 off; 1 and 2 give 256 and 128 Hz;
 * 3-15 give 32768 >> (rate - 1) Hz (data sheet Table 5). */
static int64_t rtc_period_ns(const RtcState *s)
{
    unsigned rate = s->cmos[RTC_REG_A] & 0x0f;
    if (rate == 0)
        return 0;
    if (rate <= 2)
        rate += 7;
    return (NS_PER_SEC << (rate - 1)) / 32768;
}

static void rtc_arm_timers(RtcState *s)
{
    int64_t now = clock_now_ns(s->clock);
    int64_t period = rtc_period_ns(s);
    if ((s->cmos[RTC_REG_B] & REG_B_PIE) && period) {
        if (!timer_pending(&s->periodic_timer))
            timer_mod(&s->periodic_timer, now + period);
    } else {
        timer_del(&s->periodic_timer);
    }
    if (s->cmos[RTC_REG_B] & (REG_B_UIE | REG_B_AIE)) {
        int64_t t = rtc_time_ns(s);
        int64_t next = now + (NS_PER_SEC - t % NS_PER_SEC);
        timer_mod(&s->second_timer, next);
    } else {
        timer_del(&s->second_timer);
    }
}

static void rtc_periodic_cb(void *opaque)
{
    RtcState *s = opaque;
    s->cmos[RTC_REG_C] |= REG_C_PF;
    rtc_update_irq(s);
    int64_t period = rtc_period_ns(s);
    if ((s->cmos[RTC_REG_B] & REG_B_PIE) && period)
        timer_mod(&s->periodic_timer, s->periodic_timer.expire_ns + period);
}

static void rtc_second_cb(void *opaque)
{
    RtcState *s = opaque;
    rtc_catch_up_updates(s);
    rtc_update_irq(s);
    rtc_arm_timers(s);
}

static uint8_t rtc_read_time_field(RtcState *s, unsigned index)
{
    struct tm tm;
    rtc_broken_down(s, &tm);
    switch (index) {
    case RTC_SECONDS: return rtc_encode(s, (unsigned)tm.tm_sec);
    case RTC_MINUTES: return rtc_encode(s, (unsigned)tm.tm_min);
    case RTC_HOURS: return rtc_encode_hour(s, (unsigned)tm.tm_hour);
    case RTC_DAY_OF_WEEK: return rtc_encode(s, (unsigned)tm.tm_wday + 1);
    case RTC_DAY_OF_MONTH: return rtc_encode(s, (unsigned)tm.tm_mday);
    case RTC_MONTH: return rtc_encode(s, (unsigned)tm.tm_mon + 1);
    case RTC_YEAR: return rtc_encode(s, (unsigned)(tm.tm_year % 100));
    default: return rtc_encode(s, (unsigned)(1900 + tm.tm_year) / 100); /* century */
    }
}

static bool is_time_field(unsigned index)
{
    return index == RTC_SECONDS || index == RTC_MINUTES || index == RTC_HOURS ||
           (index >= RTC_DAY_OF_WEEK && index <= RTC_YEAR) || index == RTC_CENTURY;
}

/* Writing a time byte sets the clock: the offset moves so that the fields read back
 * as written (the rest of the date unchanged). */
static void rtc_write_time_field(RtcState *s, unsigned index, uint8_t v)
{
    struct tm tm;
    rtc_broken_down(s, &tm);
    switch (index) {
    case RTC_SECONDS: tm.tm_sec = (int)rtc_decode(s, v) % 60; break;
    case RTC_MINUTES: tm.tm_min = (int)rtc_decode(s, v) % 60; break;
    case RTC_HOURS: tm.tm_hour = (int)rtc_decode_hour(s, v); break;
    case RTC_DAY_OF_WEEK: return; /* derived from the date */
    case RTC_DAY_OF_MONTH: tm.tm_mday = (int)rtc_decode(s, v); break;
    case RTC_MONTH: tm.tm_mon = (int)rtc_decode(s, v) - 1; break;
    case RTC_YEAR: tm.tm_year = (tm.tm_year / 100) * 100 + (int)(rtc_decode(s, v) % 100); break;
    default: tm.tm_year = ((int)rtc_decode(s, v) * 100 - 1900) + tm.tm_year % 100; break;
    }
    int64_t sub = rtc_time_ns(s) % NS_PER_SEC;
    time_t t = timegm(&tm);
    s->base_ns = (int64_t)t * NS_PER_SEC + sub - clock_now_ns(s->clock);
    s->last_second_seen = rtc_time_ns(s) / NS_PER_SEC;
}

static uint8_t rtc_read_register(RtcState *s, unsigned index)
{
    uint8_t v;
    switch (index) {
    case RTC_REG_A: {
        v = s->cmos[RTC_REG_A] & ~REG_A_UIP;
        int64_t frac = rtc_time_ns(s) % NS_PER_SEC;
        if (!(s->cmos[RTC_REG_B] & REG_B_SET) && frac >= NS_PER_SEC - UIP_WINDOW_NS)
            v |= REG_A_UIP;
        return v;
    }
    case RTC_REG_C:
        rtc_catch_up_updates(s);
        rtc_update_irq(s);
        v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0; /* reading C clears every flag and the IRQ */
        rtc_update_irq(s);
        return v;
    case RTC_REG_D: return REG_D_VRT;
    default:
        if (is_time_field(index))
            return rtc_read_time_field(s, index);
        return s->cmos[index];
    }
}

static void rtc_write_register(RtcState *s, unsigned index, uint8_t v)
{
    switch (index) {
    case RTC_REG_A:
        s->cmos[RTC_REG_A] = v & ~REG_A_UIP;
        timer_del(&s->periodic_timer);
        rtc_arm_timers(s);
        return;
    case RTC_REG_B:
        /* Setting SET clears UIE (data sheet, register B bit 7). */
        if (v & REG_B_SET)
            v &= ~REG_B_UIE;
        s->cmos[RTC_REG_B] = v;
        rtc_update_irq(s);
        rtc_arm_timers(s);
        return;
    case RTC_REG_C:
    case RTC_REG_D:
        log_printf(s->log, LOG_GUEST_ERROR, "mc146818: write to read-only register %c\n",
                   index == RTC_REG_C ? 'C' : 'D');
        return;
    default:
        if (is_time_field(index))
            rtc_write_time_field(s, index, v);
        else
            s->cmos[index] = v;
        return;
    }
}

static uint64_t rtc_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    RtcState *s = opaque;
    if (addr == 0)
        return 0xff; /* the index port is write-only */
    return rtc_read_register(s, s->index);
}

static void rtc_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)size;
    RtcState *s = opaque;
    if (addr == 0) {
        s->index = val & 0x7f;
        s->nmi_disabled = val & 0x80;
        return;
    }
    rtc_write_register(s, s->index, (uint8_t)val);
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_io_read, .write = rtc_io_write, .min_access = 1, .max_access = 1};

/* Reset (data sheet "RESET"): PIE, AIE, UIE cleared, and the flags in C; the time and
 * the RAM survive. */
static void rtc_reset(DeviceState *dev)
{
    RtcState *s = (RtcState *)dev;
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | 0x08);
    s->cmos[RTC_REG_C] = 0;
    timer_del(&s->periodic_timer);
    timer_del(&s->second_timer);
    rtc_update_irq(s);
}

/* The periodic and update timers from the restored registers. */
static void rtc_post_load(DeviceState *dev)
{
    RtcState *s = (RtcState *)dev;
    timer_del(&s->periodic_timer);
    rtc_arm_timers(s);
}

static const VMStateField rtc_fields[] = {
    VMSTATE_BYTES(RtcState, cmos),
    VMSTATE_U8(RtcState, index),
    VMSTATE_BOOL(RtcState, nmi_disabled),
    VMSTATE_I64(RtcState, base_ns),
    VMSTATE_I64(RtcState, last_second_seen),
    VMSTATE_U8(RtcState, irq_level),
    VMSTATE_END,
};

RtcState *rtc_new(AddressSpace *io, VirtualClock *clock, IrqLine irq, int64_t base_unix_ns,
                  const Log *log)
{
    RtcState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->dev.name = "mc146818";
    s->dev.reset = rtc_reset;
    s->dev.fields = rtc_fields;
    s->dev.post_load = rtc_post_load;
    s->clock = clock;
    s->irq = irq;
    s->log = log;
    s->io = io;
    s->base_ns = base_unix_ns - clock_now_ns(clock);
    /* Power-on register values as PC firmware leaves them: 32.768 kHz time base with
     * 1024 Hz periodic rate, 24-hour BCD, valid RAM. */
    s->cmos[RTC_REG_A] = 0x26;
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    s->last_second_seen = rtc_time_ns(s) / NS_PER_SEC;
    timer_init(&s->periodic_timer, clock, rtc_periodic_cb, s);
    timer_init(&s->second_timer, clock, rtc_second_cb, s);
    s->region = address_space_add_mmio(io, "mc146818", RTC_BASE, 2, &rtc_ops, s, 0);
    return s;
}

void rtc_free(RtcState *s)
{
    if (!s)
        return;
    timer_del(&s->periodic_timer);
    timer_del(&s->second_timer);
    address_space_remove(s->io, s->region);
    free(s);
}

void rtc_set_cmos(RtcState *s, unsigned index, uint8_t value)
{
    if (index < RTC_CMOS_SIZE && index > RTC_REG_D && !is_time_field(index))
        s->cmos[index] = value;
}
