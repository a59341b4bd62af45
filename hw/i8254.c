/* Intel 8254 programmable interval timer (8254 datasheet: "Mode Definitions",
 * "Read-Back Command", "Counter Latch Command") and port 0x61 (PC/AT system control
 * port B: timer 2 gate, speaker data, timer 2 output, refresh toggle).
 *
 * Counts are derived from the virtual clock: a channel remembers when its count was
 * loaded, and the count and output at any time follow from the elapsed 1.193182 MHz
 * ticks. A timer fires at each transition of channel 0's output so that IRQ 0 sees
 * its edges. Gate handling follows QEMU's level of detail: a rising gate edge restarts
 * modes 1, 2, 3 and 5; a low gate does not pause modes 0 and 4.
 */
#include "hw/i8254.h"

#include <stdlib.h>

#define PIT_BASE   0x40
#define PORT61     0x61
#define NS_PER_SEC 1000000000ll
#define REFRESH_NS 15085 /* port 0x61 bit 4 toggles every 15.085 us */

static uint64_t pit_ticks(const PitChannel *c, int64_t now_ns)
{
    int64_t d = now_ns - c->load_time;
    if (d <= 0)
        return 0;
    return (uint64_t)(((__int128)d * PIT_FREQ_HZ) / NS_PER_SEC);
}

static int64_t pit_ticks_to_ns(const PitChannel *c, uint64_t ticks)
{
    /* Round up so that at the returned time the tick has been reached. */
    return c->load_time + (int64_t)(((__int128)ticks * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ);
}

static unsigned bcd_to_bin(uint16_t v)
{
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

static uint16_t bin_to_bcd(unsigned v)
{
    v %= 10000;
    return (uint16_t)((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000) << 12));
}

/* The initial count N: 0 stands for the largest count (65536, or 10000 in BCD). */
static uint64_t pit_period(const PitChannel *c)
{
    if (c->bcd) {
        unsigned n = bcd_to_bin(c->reload);
        return n ? n : 10000;
    }
    return c->reload ? c->reload : 0x10000;
}

uint16_t pit_channel_count(const PitChannel *c, int64_t now_ns)
{
    if (!c->counting)
        return c->reload;
    uint64_t d = pit_ticks(c, now_ns), n = pit_period(c), count;
    uint64_t wrap = c->bcd ? 10000 : 0x10000;
    switch (c->mode) {
    case 2: count = n - (d % n); break;
    case 3:
        /* Mode 3 decrements by two each clock (datasheet "Mode 3"). */
        count = (n - ((2 * d) % n)) & ~1ull;
        if (count == 0)
            count = n & ~1ull;
        break;
    default: /* 0, 1, 4, 5: counts down and wraps after terminal count */
        count = (n + wrap - (d % wrap)) % wrap;
        break;
    }
    return c->bcd ? bin_to_bcd((unsigned)count) : (uint16_t)count;
}

bool pit_channel_out(const PitChannel *c, int64_t now_ns)
{
    if (!c->counting)
        return c->mode != 0; /* mode 0 starts low; every other mode high */
    uint64_t d = pit_ticks(c, now_ns), n = pit_period(c);
    switch (c->mode) {
    case 0: /* interrupt on terminal count: high from count 0 on */
    case 1: /* one-shot: low while counting */ return d >= n;
    case 2: /* rate generator: low for the one clock at count 1 */ return (d % n) != n - 1;
    case 3: /* square wave: high for ceil(N/2) clocks, low for floor(N/2) */
        return (d % n) < (n + 1) / 2;
    default: /* 4, 5: strobe: low for one clock at count 0 */ return d != n;
    }
}

/* Tick count of the next change of the output after tick d, or 0 if none. */
static uint64_t pit_next_transition(const PitChannel *c, uint64_t d)
{
    uint64_t n = pit_period(c), base = d - d % n;
    switch (c->mode) {
    case 0:
    case 1: return d < n ? n : 0;
    case 2: return (d % n) < n - 1 ? base + n - 1 : base + n;
    case 3: return (d % n) < (n + 1) / 2 ? base + (n + 1) / 2 : base + n;
    default: return d < n ? n : (d == n ? n + 1 : 0);
    }
}

#define PIT_MAX_CATCH_UP_NS 100000000 /* beyond this lateness, skip missed edges */

/* Drives IRQ 0 from channel 0's output at time `now` and arms the timer for the next
 * change after it. The timer evaluates the output at its scheduled time, not at the
 * (later) time it runs, so a one-clock pulse is never lost to scheduling delay: the
 * edges come in order, late ones at once. */
static void pit_update_irq0_at(PitState *s, int64_t now)
{
    PitChannel *c = &s->ch[0];
    uint8_t out = pit_channel_out(c, now);
    if (out != c->out_level) {
        c->out_level = out;
        irq_set_level(&s->irq0, out);
    }
    if (!c->counting) {
        timer_del(&s->timer);
        return;
    }
    uint64_t next = pit_next_transition(c, pit_ticks(c, now));
    if (next)
        timer_mod(&s->timer, pit_ticks_to_ns(c, next));
    else
        timer_del(&s->timer);
}

static void pit_update_irq0(PitState *s)
{
    pit_update_irq0_at(s, clock_now_ns(s->clock));
}

static void pit_timer_cb(void *opaque)
{
    PitState *s = opaque;
    int64_t now = clock_now_ns(s->clock), due = s->timer.expire_ns;
    pit_update_irq0_at(s, now - due > PIT_MAX_CATCH_UP_NS ? now : due);
}

static void pit_load_count(PitState *s, int idx, uint16_t value)
{
    PitChannel *c = &s->ch[idx];
    c->reload = value;
    c->load_time = clock_now_ns(s->clock);
    c->null_count = false;
    c->counting = true;
    if (idx == 0)
        pit_update_irq0(s);
}

static uint8_t pit_status_byte(const PitChannel *c, int64_t now)
{
    return (uint8_t)((pit_channel_out(c, now) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
                     (c->rw_mode << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
}

static void pit_latch_count(PitState *s, PitChannel *c)
{
    /* A second latch before the first is read is ignored (datasheet). */
    if (c->latch_state)
        return;
    c->latched = pit_channel_count(c, clock_now_ns(s->clock));
    c->latch_state = c->rw_mode == 2 ? 2 : 1;
}

/* Read-back command (control word 11xxxxxx): bit 5 clear latches counts, bit 4 clear
 * latches status, of the channels selected by bits 1-3. */
static void pit_read_back(PitState *s, uint8_t val)
{
    int64_t now = clock_now_ns(s->clock);
    for (int i = 0; i < 3; i++) {
        if (!(val & (2u << i)))
            continue;
        PitChannel *c = &s->ch[i];
        if (!(val & 0x20))
            pit_latch_count(s, c);
        if (!(val & 0x10) && !c->status_latched) {
            c->status = pit_status_byte(c, now);
            c->status_latched = true;
        }
    }
}

static void pit_write_control(PitState *s, uint8_t val)
{
    unsigned idx = val >> 6;
    if (idx == 3) {
        pit_read_back(s, val);
        return;
    }
    PitChannel *c = &s->ch[idx];
    unsigned rw = (val >> 4) & 3;
    if (rw == 0) {
        pit_latch_count(s, c);
        return;
    }
    c->rw_mode = (uint8_t)rw;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4; /* modes 6 and 7 are 2 and 3 (datasheet: "X10", "X11") */
    c->bcd = val & 1;
    c->null_count = true;
    c->counting = false;
    c->read_msb_next = false;
    c->write_msb_next = false;
    c->latch_state = 0;
    if (idx == 0)
        pit_update_irq0(s);
}

static void pit_write_counter(PitState *s, int idx, uint8_t val)
{
    PitChannel *c = &s->ch[idx];
    switch (c->rw_mode) {
    case 1: pit_load_count(s, idx, val); break;
    case 2: pit_load_count(s, idx, (uint16_t)(val << 8)); break;
    case 3:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
        } else {
            c->write_msb_next = false;
            pit_load_count(s, idx, (uint16_t)(c->write_lsb | (val << 8)));
        }
        break;
    default:
        log_printf(s->log, LOG_GUEST_ERROR, "i8254: write to channel %d before its mode\n", idx);
        break;
    }
}

static uint8_t pit_read_counter(PitState *s, int idx)
{
    PitChannel *c = &s->ch[idx];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    bool msb;
    if (c->latch_state) {
        v = c->latched;
        msb = c->latch_state == 2;
        if (c->rw_mode == 3 && !msb)
            c->latch_state = 2;
        else
            c->latch_state = 0;
    } else {
        v = pit_channel_count(c, clock_now_ns(s->clock));
        msb = c->rw_mode == 2 || (c->rw_mode == 3 && c->read_msb_next);
        if (c->rw_mode == 3)
            c->read_msb_next = !c->read_msb_next;
    }
    return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static uint64_t pit_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)size;
    PitState *s = opaque;
    if (addr == 3)
        return 0xff; /* the control word register is write-only */
    return pit_read_counter(s, (int)addr);
}

static void pit_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)size;
    PitState *s = opaque;
    if (addr == 3)
        pit_write_control(s, (uint8_t)val);
    else
        pit_write_counter(s, (int)addr, (uint8_t)val);
}

static void pit_set_gate2(PitState *s, bool gate)
{
    PitChannel *c = &s->ch[2];
    if (gate && !c->gate && c->counting && c->mode != 0 && c->mode != 4)
        c->load_time = clock_now_ns(s->clock); /* rising edge restarts 1, 2, 3, 5 */
    c->gate = gate;
}

static uint64_t port61_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)addr;
    (void)size;
    PitState *s = opaque;
    int64_t now = clock_now_ns(s->clock);
    uint8_t v = s->port61 & 3;
    if ((now / REFRESH_NS) & 1)
        v |= 0x10;
    if (pit_channel_out(&s->ch[2], now))
        v |= 0x20;
    return v;
}

static void port61_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)addr;
    (void)size;
    PitState *s = opaque;
    s->port61 = (uint8_t)(val & 3);
    pit_set_gate2(s, val & 1);
}

static const MemoryRegionOps pit_ops = {
    .read = pit_io_read, .write = pit_io_write, .min_access = 1, .max_access = 1};
static const MemoryRegionOps port61_ops = {
    .read = port61_read, .write = port61_write, .min_access = 1, .max_access = 1};

static void pit_reset(DeviceState *dev)
{
    PitState *s = (PitState *)dev;
    for (int i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        *c = (PitChannel){0};
        c->gate = i != 2;
        c->out_level = 0;
    }
    s->port61 = 0;
    timer_del(&s->timer);
    irq_set_level(&s->irq0, 0);
}

/* Channel 0's timer from the restored counts: IRQ 0 keeps its edges. */
static void pit_post_load(DeviceState *dev)
{
    pit_update_irq0((PitState *)dev);
}

#define PIT_CHANNEL_FIELDS(i)                                                                      \
    VMSTATE_U16(PitState, ch[i].reload), VMSTATE_I64(PitState, ch[i].load_time),                   \
        VMSTATE_U16(PitState, ch[i].latched), VMSTATE_U8(PitState, ch[i].latch_state),             \
        VMSTATE_U8(PitState, ch[i].status), VMSTATE_BOOL(PitState, ch[i].status_latched),          \
        VMSTATE_U8(PitState, ch[i].rw_mode), VMSTATE_U8(PitState, ch[i].mode),                     \
        VMSTATE_BOOL(PitState, ch[i].bcd), VMSTATE_BOOL(PitState, ch[i].gate),                     \
        VMSTATE_BOOL(PitState, ch[i].read_msb_next), VMSTATE_BOOL(PitState, ch[i].write_msb_next), \
        VMSTATE_U8(PitState, ch[i].write_lsb), VMSTATE_BOOL(PitState, ch[i].null_count),           \
        VMSTATE_BOOL(PitState, ch[i].counting), VMSTATE_U8(PitState, ch[i].out_level)

static const VMStateField pit_fields[] = {
    PIT_CHANNEL_FIELDS(0),        PIT_CHANNEL_FIELDS(1), PIT_CHANNEL_FIELDS(2),
    VMSTATE_U8(PitState, port61), VMSTATE_END,
};

PitState *pit_new(AddressSpace *io, VirtualClock *clock, IrqLine irq0, const Log *log)
{
    PitState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->dev.name = "i8254";
    s->dev.reset = pit_reset;
    s->dev.fields = pit_fields;
    s->dev.post_load = pit_post_load;
    s->clock = clock;
    s->irq0 = irq0;
    s->log = log;
    s->io = io;
    timer_init(&s->timer, clock, pit_timer_cb, s);
    s->regions[0] = address_space_add_mmio(io, "i8254", PIT_BASE, 4, &pit_ops, s, 0);
    s->regions[1] = address_space_add_mmio(io, "port61", PORT61, 1, &port61_ops, s, 0);
    pit_reset(&s->dev);
    return s;
}

void pit_free(PitState *s)
{
    if (!s)
        return;
    timer_del(&s->timer);
    for (int i = 0; i < 2; i++)
        if (s->regions[i])
            address_space_remove(s->io, s->regions[i]);
    free(s);
}
