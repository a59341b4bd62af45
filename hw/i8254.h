/* The Intel 8254 programmable interval timer at ports 0x40-0x43 (channel 0 drives
 * ISA IRQ 0, channel 2 the PC speaker), with the NMI status and control port 0x61 that
 * gates channel 2 and reads its output. */
#ifndef PACIFICA_HW_I8254_H
#define PACIFICA_HW_I8254_H

#include <stdbool.h>
#include <stdint.h>

#include "system/clock.h"
#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

#define PIT_FREQ_HZ 1193182 /* 14.31818 MHz / 12 */

typedef struct PitChannel {
    uint16_t reload;     /* count register value loaded (0 means 65536) */
    int64_t load_time;   /* virtual ns when counting started (gate/reload) */
    uint16_t latched;    /* output latch (counter latch command) */
    uint8_t latch_state; /* 0 none; 1 both bytes latched (lsb next); 2 msb next */
    uint8_t status;      /* latched status byte (read-back) */
    bool status_latched;
    uint8_t rw_mode; /* 1 lsb, 2 msb, 3 lsb then msb */
    uint8_t mode;    /* 0-5 */
    bool bcd;
    bool gate;
    bool read_msb_next;  /* for rw_mode 3 reads */
    bool write_msb_next; /* for rw_mode 3 writes */
    uint8_t write_lsb;
    bool null_count;   /* count written but not yet loaded into the counter */
    bool counting;     /* mode 1/5 armed by a gate edge, or a count was loaded */
    uint8_t out_level; /* last output level driven (channel 0: IRQ 0) */
} PitChannel;

typedef struct PitState {
    DeviceState dev;
    PitChannel ch[3];
    uint8_t port61; /* bits 0 (gate 2) and 1 (speaker data enable) */
    VirtualClock *clock;
    Timer timer; /* next transition of channel 0's output */
    IrqLine irq0;
    const Log *log;
    AddressSpace *io;
    MemoryRegion *regions[2];
} PitState;

PitState *pit_new(AddressSpace *io, VirtualClock *clock, IrqLine irq0, const Log *log);
void pit_free(PitState *s);

/* Current count and output level of a channel at virtual time now_ns (for tests and
 * the speaker). */
uint16_t pit_channel_count(const PitChannel *c, int64_t now_ns);
bool pit_channel_out(const PitChannel *c, int64_t now_ns);

#endif
