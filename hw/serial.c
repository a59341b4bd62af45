/* PC16550D UART. Section numbers are those of National Semiconductor's
 * "PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs" datasheet. */
#include "hw/serial.h"

#include <glib.h>
#include <stdio.h>

#include "system/chardev.h"

/* The modem inputs seen outside loopback. A chardev has no modem lines, so the
 * port looks wired to a ready peer: carrier, data set ready and clear to send on,
 * no ring (QEMU shows the same for backends without modem control). */
#define SERIAL_EXTERNAL_MODEM_INPUTS (SERIAL_MSR_DCD | SERIAL_MSR_DSR | SERIAL_MSR_CTS)
#define SERIAL_MSR_DELTAS            (SERIAL_MSR_DCTS | SERIAL_MSR_DDSR | SERIAL_MSR_TERI | SERIAL_MSR_DDCD)
#define SERIAL_LSR_ERRORS            (SERIAL_LSR_OE | SERIAL_LSR_PE | SERIAL_LSR_FE | SERIAL_LSR_BI)

static const VMStateField serial_vmstate[] = {
    VMSTATE_U8(SerialState, rbr),
    VMSTATE_U8(SerialState, ier),
    VMSTATE_U8(SerialState, fcr),
    VMSTATE_U8(SerialState, lcr),
    VMSTATE_U8(SerialState, mcr),
    VMSTATE_U8(SerialState, lsr),
    VMSTATE_U8(SerialState, msr),
    VMSTATE_U8(SerialState, scr),
    VMSTATE_U8(SerialState, dll),
    VMSTATE_U8(SerialState, dlm),
    VMSTATE_BYTES(SerialState, rx_fifo),
    VMSTATE_BYTES(SerialState, rx_errors),
    VMSTATE_U8(SerialState, rx_head),
    VMSTATE_U8(SerialState, rx_count),
    VMSTATE_BOOL(SerialState, thr_pending),
    VMSTATE_BOOL(SerialState, irq_level),
    VMSTATE_END,
};

static bool serial_fifo_enabled(const SerialState *s)
{
    return s->fcr & SERIAL_FCR_ENABLE;
}

static bool serial_loopback(const SerialState *s)
{
    return s->mcr & SERIAL_MCR_LOOP;
}

/* §8.5 FCR bits 7:6: the receiver FIFO trigger level. */
static unsigned serial_rx_trigger_level(const SerialState *s)
{
    static const unsigned levels[4] = {1, 4, 8, 14};
    return levels[(s->fcr & SERIAL_FCR_TRIGGER) >> 6];
}

/* In 16450 mode the receiver buffer is the single RBR. */
static unsigned serial_rx_capacity(const SerialState *s)
{
    return serial_fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

/* The IIR identification of the highest-priority pending interrupt
 * (§8.6, Table IV), or SERIAL_IIR_NO_INT. */
static uint8_t serial_interrupt_id(const SerialState *s)
{
    if ((s->ier & SERIAL_IER_ELSI) && (s->lsr & SERIAL_LSR_ERRORS))
        return SERIAL_IIR_RLS;
    if ((s->ier & SERIAL_IER_ERBFI) && s->rx_count > 0) {
        if (!serial_fifo_enabled(s) || s->rx_count >= serial_rx_trigger_level(s))
            return SERIAL_IIR_RDA;
        /* Below the trigger level: the timeout has run (see serial.h). */
        return SERIAL_IIR_CTI;
    }
    if ((s->ier & SERIAL_IER_ETBEI) && s->thr_pending)
        return SERIAL_IIR_THRE;
    if ((s->ier & SERIAL_IER_EDSSI) && (s->msr & SERIAL_MSR_DELTAS))
        return SERIAL_IIR_MS;
    return SERIAL_IIR_NO_INT;
}

/* The UART's INTR output reaches the PC's IRQ line through a buffer enabled by
 * OUT2; in loopback the OUT2 pin is forced inactive (§8.8 MCR bit 4). */
static void serial_update_irq(SerialState *s)
{
    bool gate_open = (s->mcr & SERIAL_MCR_OUT2) && !serial_loopback(s);
    bool level = gate_open && serial_interrupt_id(s) != SERIAL_IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set_level(&s->irq, level);
    }
}

/* --- Receiver ------------------------------------------------------------- */

/* Index of the i-th character from the top of the FIFO. Every index goes through
 * the modulo, so that a corrupt snapshot cannot reach outside the arrays. */
static unsigned serial_rx_slot(const SerialState *s, unsigned i)
{
    return (s->rx_head + i) % SERIAL_FIFO_SIZE;
}

/* §8.4 LSR bits 1-4: in FIFO mode a character's errors show in LSR when it
 * reaches the top of the FIFO. */
static void serial_rx_reveal_top(SerialState *s)
{
    if (s->rx_count == 0)
        return;
    unsigned top = serial_rx_slot(s, 0);
    s->lsr |= s->rx_errors[top];
    s->rx_errors[top] = 0;
}

/* §8.4 LSR bit 7: an error flag still waits in the FIFO behind the top. */
static bool serial_rx_errors_waiting(const SerialState *s)
{
    for (unsigned i = 0; i < s->rx_count && i < SERIAL_FIFO_SIZE; i++) {
        if (s->rx_errors[serial_rx_slot(s, i)])
            return true;
    }
    return false;
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    for (unsigned i = 0; i < SERIAL_FIFO_SIZE; i++) {
        s->rx_fifo[i] = 0;
        s->rx_errors[i] = 0;
    }
    s->lsr &= ~(SERIAL_LSR_DR | SERIAL_LSR_FIFO_ERROR);
}

/* A character completes in the receiver shift register. Overrun (§8.4 LSR bit 1):
 * in 16450 mode it replaces the unread RBR; in FIFO mode, with the FIFO full, it is
 * lost. Either way OE is set at once. */
static void serial_rx_push(SerialState *s, uint8_t ch, uint8_t errors)
{
    if (s->rx_count >= serial_rx_capacity(s)) {
        s->lsr |= SERIAL_LSR_OE;
        if (serial_fifo_enabled(s))
            return;
        s->rx_fifo[serial_rx_slot(s, 0)] = ch;
        s->rx_errors[serial_rx_slot(s, 0)] = errors;
        serial_rx_reveal_top(s);
        return;
    }
    unsigned slot = serial_rx_slot(s, s->rx_count);
    s->rx_fifo[slot] = ch;
    s->rx_errors[slot] = errors;
    s->rx_count++;
    s->lsr |= SERIAL_LSR_DR;
    if (errors && serial_fifo_enabled(s))
        s->lsr |= SERIAL_LSR_FIFO_ERROR;
    if (s->rx_count == 1)
        serial_rx_reveal_top(s);
}

static uint8_t serial_rx_pop(SerialState *s)
{
    if (s->rx_count == 0)
        return s->rbr;
    s->rbr = s->rx_fifo[serial_rx_slot(s, 0)];
    s->rx_head = serial_rx_slot(s, 1);
    s->rx_count--;
    if (s->rx_count == 0)
        s->lsr &= ~SERIAL_LSR_DR;
    else
        serial_rx_reveal_top(s);
    return s->rbr;
}

size_t serial_can_receive(SerialState *s)
{
    if (serial_loopback(s) || s->rx_count >= serial_rx_capacity(s))
        return 0;
    return serial_rx_capacity(s) - s->rx_count;
}

void serial_receive(SerialState *s, const uint8_t *buf, size_t len)
{
    /* §8.8 MCR bit 4: in loopback the serial input is disconnected. */
    if (serial_loopback(s))
        return;
    for (size_t i = 0; i < len; i++)
        serial_rx_push(s, buf[i], 0);
    serial_update_irq(s);
}

void serial_receive_break(SerialState *s)
{
    if (serial_loopback(s))
        return;
    /* §8.4 LSR bit 4: a break loads a single zero character into the FIFO. */
    serial_rx_push(s, 0, SERIAL_LSR_BI);
    serial_update_irq(s);
}

static size_t serial_chr_can_read(void *opaque)
{
    return serial_can_receive(opaque);
}

static void serial_chr_read(void *opaque, const uint8_t *buf, size_t len)
{
    serial_receive(opaque, buf, len);
}

/* --- Modem lines ---------------------------------------------------------- */

/* The MSR status bits (7:4). §8.9 and §8.8 MCR bit 4: in loopback DTR drives DSR, RTS
 * drives CTS, OUT1 drives RI and OUT2 drives DCD. */
static uint8_t serial_modem_inputs(const SerialState *s)
{
    if (!serial_loopback(s))
        return SERIAL_EXTERNAL_MODEM_INPUTS;
    uint8_t in = 0;
    if (s->mcr & SERIAL_MCR_DTR)
        in |= SERIAL_MSR_DSR;
    if (s->mcr & SERIAL_MCR_RTS)
        in |= SERIAL_MSR_CTS;
    if (s->mcr & SERIAL_MCR_OUT1)
        in |= SERIAL_MSR_RI;
    if (s->mcr & SERIAL_MCR_OUT2)
        in |= SERIAL_MSR_DCD;
    return in;
}

/* §8.9 MSR bits 3:0 record changes of the inputs since MSR was last read; TERI
 * only the trailing edge of ring (RI going from on to off). */
static void serial_update_modem_status(SerialState *s)
{
    uint8_t old = s->msr & ~SERIAL_MSR_DELTAS;
    uint8_t now = serial_modem_inputs(s);
    uint8_t changed = old ^ now;
    uint8_t deltas = s->msr & SERIAL_MSR_DELTAS;
    if (changed & SERIAL_MSR_CTS)
        deltas |= SERIAL_MSR_DCTS;
    if (changed & SERIAL_MSR_DSR)
        deltas |= SERIAL_MSR_DDSR;
    if (changed & SERIAL_MSR_DCD)
        deltas |= SERIAL_MSR_DDCD;
    if ((old & SERIAL_MSR_RI) && !(now & SERIAL_MSR_RI))
        deltas |= SERIAL_MSR_TERI;
    s->msr = now | deltas;
}

/* --- Transmitter ---------------------------------------------------------- */

/* The character leaves the transmitter at once: §8.8 MCR bit 4, in loopback it
 * goes back into the receiver and not to the serial output; §8.1 LCR bit 6, a
 * break holds the serial output at spacing, so nothing reaches the line.
 * All 8 bits go through whatever LCR's word length (§8.1 bits 1:0) says, as on
 * QEMU: the reset value selects 5-bit words, and guests that write to COM1
 * without programming LCR first must still be readable. */
static void serial_transmit(SerialState *s, uint8_t ch)
{
    if (serial_loopback(s))
        serial_rx_push(s, ch, 0);
    else if (s->chr && !(s->lcr & SERIAL_LCR_BREAK))
        chardev_write(s->chr, &ch, 1);
}

/* Table IV: writing THR clears the THRE interrupt; the holding register then
 * empties into the shift register, which raises it again. */
static void serial_write_thr(SerialState *s, uint8_t val)
{
    s->thr_pending = false;
    s->lsr &= ~(SERIAL_LSR_THRE | SERIAL_LSR_TEMT);
    serial_transmit(s, val);
    s->lsr |= SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
    s->thr_pending = true;
}

/* --- Register access ------------------------------------------------------ */

/* §8.7 IER bits 7:4 are always zero. Enabling ETBEI while THR is empty raises a
 * THRE interrupt even if an earlier one was cleared by reading IIR: the
 * datasheet is silent, but Linux's 8250 driver tests for it (UART_BUG_THRE) and
 * PC UARTs behave so. */
static void serial_write_ier(SerialState *s, uint8_t val)
{
    uint8_t enabled = (uint8_t)(val & 0x0f & ~s->ier);
    s->ier = val & 0x0f;
    if ((enabled & SERIAL_IER_ETBEI) && (s->lsr & SERIAL_LSR_THRE))
        s->thr_pending = true;
}

/* §8.5 FCR: bit 0 must be set for the other bits to be programmed; switching
 * between FIFO and 16450 mode empties the FIFOs, and §8.11 makes the first
 * transmitter interrupt after such a switch immediate. The transmitter is always
 * empty here, so resetting its FIFO changes nothing. */
static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & SERIAL_FCR_ENABLE) {
        serial_rx_clear(s);
        s->thr_pending = true;
    }
    if (!(val & SERIAL_FCR_ENABLE)) {
        s->fcr &= (uint8_t)~SERIAL_FCR_ENABLE;
        return;
    }
    if (val & SERIAL_FCR_RX_RESET)
        serial_rx_clear(s);
    s->fcr = val & (SERIAL_FCR_ENABLE | SERIAL_FCR_DMA_MODE | SERIAL_FCR_TRIGGER);
}

/* §8.8 MCR bits 7:5 are always zero. */
static void serial_write_mcr(SerialState *s, uint8_t val)
{
    s->mcr = val & 0x1f;
    serial_update_modem_status(s);
}

static uint8_t serial_read_iir(SerialState *s)
{
    uint8_t id = serial_interrupt_id(s);
    /* Table IV: reading IIR clears a THRE interrupt it reports. */
    if (id == SERIAL_IIR_THRE)
        s->thr_pending = false;
    return id | (serial_fifo_enabled(s) ? SERIAL_IIR_FIFOS_ENABLED : 0);
}

/* §8.4: reading LSR clears OE, PE, FE and BI; bit 7 stays set only while later
 * characters in the FIFO still carry errors. */
static uint8_t serial_read_lsr(SerialState *s)
{
    uint8_t val = s->lsr;
    s->lsr &= (uint8_t) ~(SERIAL_LSR_ERRORS | SERIAL_LSR_FIFO_ERROR);
    if (serial_fifo_enabled(s) && serial_rx_errors_waiting(s))
        s->lsr |= SERIAL_LSR_FIFO_ERROR;
    return val;
}

/* §8.9: reading MSR clears its delta bits. */
static uint8_t serial_read_msr(SerialState *s)
{
    uint8_t val = s->msr;
    s->msr &= (uint8_t)~SERIAL_MSR_DELTAS;
    return val;
}

static uint8_t serial_read_register(SerialState *s, unsigned reg)
{
    bool dlab = s->lcr & SERIAL_LCR_DLAB;
    switch (reg) {
    case SERIAL_RBR: return dlab ? s->dll : serial_rx_pop(s);
    case SERIAL_IER: return dlab ? s->dlm : s->ier;
    case SERIAL_IIR: return serial_read_iir(s);
    case SERIAL_LCR: return s->lcr;
    case SERIAL_MCR: return s->mcr;
    case SERIAL_LSR: return serial_read_lsr(s);
    case SERIAL_MSR: return serial_read_msr(s);
    default: return s->scr;
    }
}

static void serial_write_register(SerialState *s, unsigned reg, uint8_t val)
{
    bool dlab = s->lcr & SERIAL_LCR_DLAB;
    switch (reg) {
    case SERIAL_THR:
        if (dlab)
            s->dll = val;
        else
            serial_write_thr(s, val);
        break;
    case SERIAL_IER:
        if (dlab)
            s->dlm = val;
        else
            serial_write_ier(s, val);
        break;
    case SERIAL_FCR: serial_write_fcr(s, val); break;
    case SERIAL_LCR: s->lcr = val; break;
    case SERIAL_MCR: serial_write_mcr(s, val); break;
    case SERIAL_LSR:
    case SERIAL_MSR:
        /* §8.4: LSR is meant to be read only (writes are for factory test);
         * MSR holds inputs. Both writes are ignored, as QEMU does. */
        log_printf(s->log, LOG_GUEST_ERROR, "%s: write 0x%02x to read-only %s ignored\n", s->name,
                   val, reg == SERIAL_LSR ? "LSR" : "MSR");
        break;
    default: s->scr = val; break;
    }
}

/* The region takes byte accesses only (min = max = 1): wider port accesses reach
 * consecutive registers one byte at a time, as on QEMU. */
static uint64_t serial_io_read(void *opaque, uint64_t addr, unsigned size)
{
    SerialState *s = opaque;
    (void)size;
    uint8_t val = serial_read_register(s, addr & 7);
    serial_update_irq(s);
    return val;
}

static void serial_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    SerialState *s = opaque;
    (void)size;
    serial_write_register(s, addr & 7, (uint8_t)val);
    serial_update_irq(s);
}

static const MemoryRegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .min_access = 1,
    .max_access = 1,
};

/* --- Life cycle ----------------------------------------------------------- */

/* Table I ("UART Reset Configuration"): the master reset values. The divisor
 * latch and scratch register are not reset by MR; a machine reset gives them
 * QEMU's power-on values (divisor 12: 9600 baud from 1.8432 MHz). */
static void serial_reset(DeviceState *dev)
{
    SerialState *s = (SerialState *)dev;
    s->rbr = 0;
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
    s->msr = serial_modem_inputs(s);
    s->scr = 0;
    s->dll = 12;
    s->dlm = 0;
    serial_rx_clear(s);
    s->thr_pending = false;
    serial_update_irq(s);
}

SerialState *serial_new(AddressSpace *io, uint16_t base, IrqLine irq, struct Chardev *chr,
                        const Log *log)
{
    SerialState *s = g_new0(SerialState, 1);
    snprintf(s->name, sizeof(s->name), "serial@0x%x", base);
    s->dev.name = s->name;
    s->dev.reset = serial_reset;
    s->dev.fields = serial_vmstate;
    s->io = io;
    s->base = base;
    s->irq = irq;
    s->chr = chr;
    s->log = log;
    serial_reset(&s->dev);
    s->region = address_space_add_mmio(io, s->name, base, 8, &serial_io_ops, s, 0);
    if (chr)
        chardev_set_handlers(chr, serial_chr_can_read, serial_chr_read, s);
    return s;
}

void serial_free(SerialState *s)
{
    if (!s)
        return;
    if (s->chr)
        chardev_set_handlers(s->chr, NULL, NULL, NULL);
    if (s->region)
        address_space_remove(s->io, s->region);
    g_free(s);
}
