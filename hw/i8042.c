/* Keyboard controller: see i8042.h. "IBM" below is the keyboard/auxiliary device
 * controller chapter of the IBM PS/2 Hardware Interface Technical Reference. */
#include "hw/i8042.h"

#include <glib.h>

/* The output port after reset: reset line and A20 gate high, the clock and data
 * lines released. The 8042's port pins come out of reset high, so the A20 gate
 * starts open; QEMU's reset value is the same. */
#define I8042_OUTPUT_PORT_RESET                                                                    \
    (I8042_OUT_RESET | I8042_OUT_A20 | I8042_OUT_AUX_CLOCK | I8042_OUT_AUX_DATA |                  \
     I8042_OUT_KBD_CLOCK | I8042_OUT_KBD_DATA)
/* The buffer-full bits of the output port follow the output buffer. */
#define I8042_OUT_OBF_BITS (I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF)
/* IBM, input port: bit 7 set, keyboard not inhibited; the other bits (display
 * type, RAM size jumpers) read 0, as on QEMU. */
#define I8042_INPUT_PORT 0x80
/* IBM, "Read Test Inputs": bit 0 is the keyboard clock (T0), bit 1 the mouse
 * clock (T1). */
#define I8042_TEST_KBD_CLOCK 0x01
#define I8042_TEST_AUX_CLOCK 0x02
/* QEMU's power-on command byte: both interrupts on, both interfaces enabled, no
 * translation. Firmware sets its own before anything reads keys. */
#define I8042_CTR_RESET    (I8042_CTR_KBD_INT | I8042_CTR_AUX_INT)
#define I8042_BREAK_PREFIX 0xf0

static const VMStateField i8042_vmstate[] = {
    VMSTATE_BYTES(I8042State, ram),
    VMSTATE_U8(I8042State, status),
    VMSTATE_U8(I8042State, output_port),
    VMSTATE_U8(I8042State, out_data),
    VMSTATE_U8(I8042State, pending_cmd),
    VMSTATE_BOOL(I8042State, xlate_break),
    VMSTATE_BOOL(I8042State, kbd_irq_level),
    VMSTATE_BOOL(I8042State, aux_irq_level),
    VMSTATE_END,
};

static uint8_t i8042_ctr(const I8042State *s)
{
    return s->ram[0];
}

/* --- Output buffer and interrupts ----------------------------------------- */

static bool i8042_obf(const I8042State *s)
{
    return s->status & I8042_STATUS_OBF;
}

static bool i8042_obf_aux(const I8042State *s)
{
    return i8042_obf(s) && (s->status & I8042_STATUS_AUX_OBF);
}

static void i8042_update_irq(I8042State *s)
{
    bool kbd = i8042_obf(s) && !i8042_obf_aux(s) && (i8042_ctr(s) & I8042_CTR_KBD_INT);
    bool aux = i8042_obf_aux(s) && (i8042_ctr(s) & I8042_CTR_AUX_INT);
    if (kbd != s->kbd_irq_level) {
        s->kbd_irq_level = kbd;
        irq_set_level(&s->kbd_irq, kbd);
    }
    if (aux != s->aux_irq_level) {
        s->aux_irq_level = aux;
        irq_set_level(&s->aux_irq, aux);
    }
}

static void i8042_load_output(I8042State *s, uint8_t byte, bool from_aux)
{
    s->out_data = byte;
    s->status |= I8042_STATUS_OBF;
    if (from_aux)
        s->status |= I8042_STATUS_AUX_OBF;
    else
        s->status &= (uint8_t)~I8042_STATUS_AUX_OBF;
}

/* A byte the controller itself sends (command replies, D2/D3): it goes into
 * the output buffer at once, over anything there. */
static void i8042_reply(I8042State *s, uint8_t byte, bool as_aux)
{
    i8042_load_output(s, byte, as_aux);
    i8042_update_irq(s);
}

/* One keyboard byte through the translator; false when it was swallowed (an
 * F0 prefix, which marks the next byte as a break code). */
static bool i8042_translate(I8042State *s, uint8_t *byte)
{
    if (!(i8042_ctr(s) & I8042_CTR_TRANSLATE))
        return true;
    if (*byte == I8042_BREAK_PREFIX) {
        s->xlate_break = true;
        return false;
    }
    *byte = ps2_set2_to_set1(*byte) | (s->xlate_break ? 0x80 : 0);
    s->xlate_break = false;
    return true;
}

/* Fills an empty output buffer from the devices whose interfaces are enabled,
 * the keyboard first, and drives the IRQ lines. */
static void i8042_service(I8042State *s)
{
    while (!i8042_obf(s)) {
        if (!(i8042_ctr(s) & I8042_CTR_KBD_DISABLE) && ps2_kbd_has_data(s->kbd)) {
            uint8_t byte = ps2_kbd_read(s->kbd);
            if (i8042_translate(s, &byte))
                i8042_load_output(s, byte, false);
        } else if (!(i8042_ctr(s) & I8042_CTR_AUX_DISABLE) && ps2_mouse_has_data(s->mouse)) {
            i8042_load_output(s, ps2_mouse_read(s->mouse), true);
        } else {
            break;
        }
    }
    i8042_update_irq(s);
}

static void i8042_device_data_ready(void *opaque)
{
    i8042_service(opaque);
}

/* Port 0x60 read: the buffer empties, the line drops, and the next byte (if
 * one waits) comes in and raises it again. With the buffer empty the last byte
 * is read again (QEMU does so too; EMM386 reads the port twice). */
static uint8_t i8042_read_data(I8042State *s)
{
    uint8_t byte = s->out_data;
    if (i8042_obf(s)) {
        s->status &= (uint8_t) ~(I8042_STATUS_OBF | I8042_STATUS_AUX_OBF);
        i8042_update_irq(s);
        i8042_service(s);
    }
    return byte;
}

/* --- Command byte and output port ----------------------------------------- */

/* IBM, command byte bit 2: written through to the status register's system
 * flag. Interface enables and interrupt enables take effect at once. */
static void i8042_write_ctr(I8042State *s, uint8_t ctr)
{
    s->ram[0] = ctr;
    s->status = (uint8_t)((s->status & ~I8042_STATUS_SYS) | (ctr & I8042_CTR_SYS));
    i8042_service(s);
}

static void i8042_set_ctr_bits(I8042State *s, uint8_t set, uint8_t clear)
{
    s->ram[0] = (uint8_t)((s->ram[0] | set) & ~clear);
    i8042_service(s);
}

static uint8_t i8042_output_port(const I8042State *s)
{
    uint8_t val = s->output_port & (uint8_t)~I8042_OUT_OBF_BITS;
    if (i8042_obf(s))
        val |= i8042_obf_aux(s) ? I8042_OUT_AUX_OBF : I8042_OUT_KBD_OBF;
    return val;
}

static void i8042_set_a20(I8042State *s, bool enabled)
{
    if (s->set_a20)
        s->set_a20(s->opaque, enabled);
}

static void i8042_request_reset(I8042State *s)
{
    if (s->request_reset)
        s->request_reset(s->opaque);
}

/* IBM, output port bit 0: driving it low resets the processor; bit 1 gates
 * address line 20. */
static void i8042_write_output_port(I8042State *s, uint8_t val)
{
    uint8_t old = s->output_port;
    s->output_port = val & (uint8_t)~I8042_OUT_OBF_BITS;
    if ((old ^ val) & I8042_OUT_A20)
        i8042_set_a20(s, val & I8042_OUT_A20);
    if (!(val & I8042_OUT_RESET))
        i8042_request_reset(s);
}

/* IBM, commands F0-FF: the output port bits 3:0 whose command bit is 0 are
 * pulsed low for about 6 us. Only bit 0 (reset) has an effect worth modelling:
 * a glitch on the A20 gate or the mouse lines changes nothing. */
static void i8042_pulse(I8042State *s, uint8_t cmd)
{
    if (!(cmd & I8042_OUT_RESET))
        i8042_request_reset(s);
}

/* --- Commands ------------------------------------------------------------- */

static uint8_t i8042_test_inputs(const I8042State *s)
{
    uint8_t val = 0;
    if (!(i8042_ctr(s) & I8042_CTR_KBD_DISABLE))
        val |= I8042_TEST_KBD_CLOCK;
    if (!(i8042_ctr(s) & I8042_CTR_AUX_DISABLE))
        val |= I8042_TEST_AUX_CLOCK;
    return val;
}

/* The commands that take a data byte on port 0x60 next. */
static bool i8042_takes_data(uint8_t cmd)
{
    switch (cmd) {
    case I8042_CMD_WRITE_OUTPUT:
    case I8042_CMD_WRITE_KBD_OBUF:
    case I8042_CMD_WRITE_AUX_OBUF:
    case I8042_CMD_WRITE_AUX: return true;
    default: return cmd >= I8042_CMD_WRITE_RAM && cmd < I8042_CMD_WRITE_RAM + I8042_RAM_SIZE;
    }
}

/* Commands A7-E0; false for one the controller does not know. */
static bool i8042_misc_command(I8042State *s, uint8_t cmd)
{
    switch (cmd) {
    case I8042_CMD_AUX_DISABLE: i8042_set_ctr_bits(s, I8042_CTR_AUX_DISABLE, 0); break;
    case I8042_CMD_AUX_ENABLE: i8042_set_ctr_bits(s, 0, I8042_CTR_AUX_DISABLE); break;
    case I8042_CMD_KBD_DISABLE: i8042_set_ctr_bits(s, I8042_CTR_KBD_DISABLE, 0); break;
    case I8042_CMD_KBD_ENABLE: i8042_set_ctr_bits(s, 0, I8042_CTR_KBD_DISABLE); break;
    case I8042_CMD_AUX_TEST:
    case I8042_CMD_KBD_TEST:
        /* IBM: 00 means the clock and data lines are neither stuck high nor low. */
        i8042_reply(s, I8042_INTERFACE_TEST_OK, false);
        break;
    case I8042_CMD_SELF_TEST:
        /* IBM, AA: 55 when the controller passes; it then sets the system flag. */
        s->status |= I8042_STATUS_SYS;
        i8042_reply(s, I8042_SELF_TEST_OK, false);
        break;
    case I8042_CMD_READ_INPUT: i8042_reply(s, I8042_INPUT_PORT, false); break;
    case I8042_CMD_READ_OUTPUT: i8042_reply(s, i8042_output_port(s), false); break;
    case I8042_CMD_READ_TEST_INPUTS: i8042_reply(s, i8042_test_inputs(s), false); break;
    case I8042_CMD_A20_DISABLE:
    case I8042_CMD_A20_ENABLE: {
        /* DD/DF: the A20 gate alone (HP Vectra and many later controllers;
         * QEMU has them as well). */
        uint8_t port = s->output_port & (uint8_t)~I8042_OUT_A20;
        i8042_write_output_port(s, port | (cmd == I8042_CMD_A20_ENABLE ? I8042_OUT_A20 : 0));
        break;
    }
    default: return false;
    }
    return true;
}

static void i8042_write_command(I8042State *s, uint8_t cmd)
{
    s->status |= I8042_STATUS_CMD;
    s->pending_cmd = 0;
    if (i8042_takes_data(cmd)) {
        s->pending_cmd = cmd;
    } else if (cmd >= I8042_CMD_READ_RAM && cmd < I8042_CMD_READ_RAM + I8042_RAM_SIZE) {
        i8042_reply(s, s->ram[cmd - I8042_CMD_READ_RAM], false);
    } else if (cmd >= I8042_CMD_PULSE) {
        i8042_pulse(s, cmd);
    } else if (!i8042_misc_command(s, cmd)) {
        log_printf(s->log, LOG_GUEST_ERROR, "i8042: unknown controller command 0x%02x\n", cmd);
    }
}

/* The data byte of a pending command. */
static void i8042_command_data(I8042State *s, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case I8042_CMD_WRITE_OUTPUT: i8042_write_output_port(s, val); break;
    case I8042_CMD_WRITE_KBD_OBUF: i8042_reply(s, val, false); break;
    case I8042_CMD_WRITE_AUX_OBUF: i8042_reply(s, val, true); break;
    case I8042_CMD_WRITE_AUX:
        /* Sending to the mouse releases its clock line, as a write to the
         * keyboard does (QEMU likewise re-enables the interface). */
        s->ram[0] &= (uint8_t)~I8042_CTR_AUX_DISABLE;
        ps2_mouse_write(s->mouse, val);
        i8042_service(s);
        break;
    default:
        if (cmd == I8042_CMD_WRITE_RAM)
            i8042_write_ctr(s, val);
        else
            s->ram[cmd - I8042_CMD_WRITE_RAM] = val;
        break;
    }
}

/* Port 0x60 write: the data byte of a pending command, else a byte for the
 * keyboard. To send it the controller must release the keyboard clock, which
 * leaves the interface enabled (QEMU behaves the same, and guests that
 * disabled the keyboard with AD still get its reply). */
static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->pending_cmd;
    s->status &= (uint8_t)~I8042_STATUS_CMD;
    s->pending_cmd = 0;
    if (cmd) {
        i8042_command_data(s, cmd, val);
        return;
    }
    s->ram[0] &= (uint8_t)~I8042_CTR_KBD_DISABLE;
    ps2_kbd_write(s->kbd, val);
    i8042_service(s);
}

/* --- Port access ---------------------------------------------------------- */

static uint64_t i8042_data_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)addr;
    (void)size;
    return i8042_read_data(opaque);
}

static void i8042_data_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)addr;
    (void)size;
    i8042_write_data(opaque, (uint8_t)val);
}

static uint64_t i8042_command_io_read(void *opaque, uint64_t addr, unsigned size)
{
    const I8042State *s = opaque;
    (void)addr;
    (void)size;
    return s->status;
}

static void i8042_command_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)addr;
    (void)size;
    i8042_write_command(opaque, (uint8_t)val);
}

/* One byte wide each: a wider access reaches the neighbouring ports, which
 * belong to other devices (0x61 is the PIT's port B). */
static const MemoryRegionOps i8042_data_io_ops = {
    .read = i8042_data_io_read,
    .write = i8042_data_io_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemoryRegionOps i8042_command_io_ops = {
    .read = i8042_command_io_read,
    .write = i8042_command_io_write,
    .min_access = 1,
    .max_access = 1,
};

/* --- Life cycle ----------------------------------------------------------- */

bool i8042_a20_enabled(const I8042State *s)
{
    return s->output_port & I8042_OUT_A20;
}

/* The registers after reset (no callbacks). */
static void i8042_reset_registers(I8042State *s)
{
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = I8042_CTR_RESET;
    s->status = I8042_STATUS_UNLOCKED | I8042_STATUS_CMD;
    s->output_port = I8042_OUTPUT_PORT_RESET;
    s->out_data = 0;
    s->pending_cmd = 0;
    s->xlate_break = false;
    i8042_update_irq(s);
}

/* A machine reset: the registers, and the A20 gate the output port now opens
 * reported to the board. The keyboard and mouse reset as devices of their own;
 * whatever they still hold comes in at the next service. */
static void i8042_reset(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;
    i8042_reset_registers(s);
    i8042_set_a20(s, i8042_a20_enabled(s));
}

I8042State *i8042_new(AddressSpace *io, IrqLine kbd_irq, IrqLine aux_irq,
                      void (*request_reset)(void *opaque),
                      void (*set_a20)(void *opaque, bool enabled), void *opaque, const Log *log)
{
    I8042State *s = g_new0(I8042State, 1);
    s->dev.name = "i8042";
    s->dev.reset = i8042_reset;
    s->dev.fields = i8042_vmstate;
    s->io = io;
    s->kbd_irq = kbd_irq;
    s->aux_irq = aux_irq;
    s->request_reset = request_reset;
    s->set_a20 = set_a20;
    s->opaque = opaque;
    s->log = log;
    s->kbd = ps2_kbd_new(i8042_device_data_ready, s, log);
    s->mouse = ps2_mouse_new(i8042_device_data_ready, s, log);
    i8042_reset_registers(s);
    s->regions[0] =
        address_space_add_mmio(io, "i8042-data", I8042_DATA_PORT, 1, &i8042_data_io_ops, s, 0);
    s->regions[1] = address_space_add_mmio(io, "i8042-command", I8042_COMMAND_PORT, 1,
                                           &i8042_command_io_ops, s, 0);
    return s;
}

void i8042_free(I8042State *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < 2; i++)
        if (s->regions[i])
            address_space_remove(s->io, s->regions[i]);
    ps2_kbd_free(s->kbd);
    ps2_mouse_free(s->mouse);
    g_free(s);
}
