/* A National Semiconductor PC16550D UART as found at the PC's COM ports.
 *
 * Eight consecutive I/O ports (PC16550D datasheet §8, Table II): RBR/THR, IER,
 * IIR/FCR, LCR, MCR, LSR, MSR, SCR, with DLL/DLM in place of RBR/THR and IER
 * while LCR.DLAB is set. Transmission is immediate (no baud-rate timing): a byte
 * written to THR goes straight to the chardev (or, in loopback mode, back into
 * the receiver), so THR and the transmitter are empty again by the time the
 * guest looks. The receiver has the 16-byte FIFO with its trigger levels.
 *
 * The character-timeout interrupt (IIR 0xC) fires when characters have waited
 * four character times without being read or joined by more. With no clock the
 * wait is taken as already over whenever the guest looks: in FIFO mode a FIFO
 * holding fewer characters than the trigger level signals a timeout.
 *
 * The interrupt output reaches the IRQ line through the OUT2 gate of the PC
 * board: the line is high only while an interrupt is pending, MCR.OUT2 is set
 * and loopback is off (in loopback the OUT pins are forced inactive, §8.8).
 *
 * The caller holds the machine lock around port accesses and chardev input.
 */
#ifndef PACIFICA_HW_SERIAL_H
#define PACIFICA_HW_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

struct Chardev;

/* PC16550D General Description: the receiver and transmitter FIFOs hold 16
 * characters. */
#define SERIAL_FIFO_SIZE 16

/* Register offsets from the base port (PC16550D Table II). */
enum {
    SERIAL_RBR = 0, /* read, DLAB=0 */
    SERIAL_THR = 0, /* write, DLAB=0 */
    SERIAL_DLL = 0, /* DLAB=1 */
    SERIAL_IER = 1, /* DLAB=0 */
    SERIAL_DLM = 1, /* DLAB=1 */
    SERIAL_IIR = 2, /* read */
    SERIAL_FCR = 2, /* write */
    SERIAL_LCR = 3,
    SERIAL_MCR = 4,
    SERIAL_LSR = 5,
    SERIAL_MSR = 6,
    SERIAL_SCR = 7,
};

/* Register bits (PC16550D Table II, §8.1 to §8.9). */
enum {
    SERIAL_IER_ERBFI = 0x01, /* received data available (and timeout) */
    SERIAL_IER_ETBEI = 0x02, /* transmitter holding register empty */
    SERIAL_IER_ELSI = 0x04,  /* receiver line status */
    SERIAL_IER_EDSSI = 0x08, /* modem status */

    SERIAL_IIR_NO_INT = 0x01,
    SERIAL_IIR_RLS = 0x06,  /* receiver line status (priority 1) */
    SERIAL_IIR_RDA = 0x04,  /* received data available (priority 2) */
    SERIAL_IIR_CTI = 0x0c,  /* character timeout (priority 2) */
    SERIAL_IIR_THRE = 0x02, /* transmitter holding register empty (priority 3) */
    SERIAL_IIR_MS = 0x00,   /* modem status (priority 4) */
    SERIAL_IIR_FIFOS_ENABLED = 0xc0,

    SERIAL_FCR_ENABLE = 0x01,
    SERIAL_FCR_RX_RESET = 0x02,
    SERIAL_FCR_TX_RESET = 0x04,
    SERIAL_FCR_DMA_MODE = 0x08,
    SERIAL_FCR_TRIGGER = 0xc0,

    SERIAL_LCR_WORD_LENGTH = 0x03,
    SERIAL_LCR_BREAK = 0x40,
    SERIAL_LCR_DLAB = 0x80,

    SERIAL_MCR_DTR = 0x01,
    SERIAL_MCR_RTS = 0x02,
    SERIAL_MCR_OUT1 = 0x04,
    SERIAL_MCR_OUT2 = 0x08,
    SERIAL_MCR_LOOP = 0x10,

    SERIAL_LSR_DR = 0x01,
    SERIAL_LSR_OE = 0x02,
    SERIAL_LSR_PE = 0x04,
    SERIAL_LSR_FE = 0x08,
    SERIAL_LSR_BI = 0x10,
    SERIAL_LSR_THRE = 0x20,
    SERIAL_LSR_TEMT = 0x40,
    SERIAL_LSR_FIFO_ERROR = 0x80,

    SERIAL_MSR_DCTS = 0x01,
    SERIAL_MSR_DDSR = 0x02,
    SERIAL_MSR_TERI = 0x04,
    SERIAL_MSR_DDCD = 0x08,
    SERIAL_MSR_CTS = 0x10,
    SERIAL_MSR_DSR = 0x20,
    SERIAL_MSR_RI = 0x40,
    SERIAL_MSR_DCD = 0x80,
};

typedef struct SerialState {
    DeviceState dev;

    /* Guest-visible state, all of it in serial_vmstate. */
    uint8_t rbr; /* the character last read, returned again when RBR is empty */
    uint8_t ier;
    uint8_t fcr; /* the bits FCR keeps: enable, DMA mode, trigger level */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr;
    uint8_t scr;
    uint8_t dll, dlm;
    /* The receiver FIFO as a ring; in 16450 mode it holds one character (the RBR).
     * Each character carries its LSR error bits (break) until it reaches the top,
     * where they show in LSR (§8.4). */
    uint8_t rx_fifo[SERIAL_FIFO_SIZE];
    uint8_t rx_errors[SERIAL_FIFO_SIZE];
    uint8_t rx_head, rx_count;
    bool thr_pending; /* THRE interrupt source latched (Table IV) */
    bool irq_level;   /* the level last driven on the IRQ line */

    /* Wiring, set at creation and not saved. */
    AddressSpace *io;
    MemoryRegion *region;
    uint16_t base;
    IrqLine irq;
    struct Chardev *chr;
    const Log *log;
    char name[24];
} SerialState;

/* 16550A at port base (8 ports), raising irq; chr may be NULL (port present, output
 * dropped). Registers the chardev input handlers when chr is given. The device starts
 * in its reset state. */
SerialState *serial_new(AddressSpace *io, uint16_t base, IrqLine irq, struct Chardev *chr,
                        const Log *log);
void serial_free(SerialState *s);

/* Receive side, as the chardev handlers call it: how many characters the receiver
 * takes now (free FIFO space; 0 in loopback, where the serial input is cut off), and
 * characters arriving on the serial input. Characters beyond the free space overrun. */
size_t serial_can_receive(SerialState *s);
void serial_receive(SerialState *s, const uint8_t *buf, size_t len);
/* A break condition on the serial input: one zero character flagged with LSR.BI. */
void serial_receive_break(SerialState *s);

#endif
