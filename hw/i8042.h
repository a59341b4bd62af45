/* The PC/AT keyboard controller (Intel 8042 and its PS/2 successors) at ports
 * 0x60 (data) and 0x64 (status on read, command on write), with a PS/2
 * keyboard on its first port and a PS/2 mouse on its auxiliary port. Command
 * and register layout as in the IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard/Auxiliary Device Controller" (the same on QEMU).
 *
 * One output buffer carries bytes to the CPU. The controller fills it from the
 * keyboard, from the mouse (status bit 5 set) or with its own replies; a
 * device's bytes wait in the device while the buffer is full or while that
 * interface is disabled in the command byte (the controller holds the clock
 * line low). A controller reply overwrites whatever the buffer held, as the
 * 8042 firmware does (guests disable the devices before such commands).
 * Everything happens at once: the input buffer is never seen full, and bytes
 * need no time on the wire. Both devices are always present and never garble
 * a byte, so the timeout and parity error bits of the status stay clear.
 *
 * IRQ 1 is high while the buffer holds a keyboard or controller byte and the
 * command byte enables it; IRQ 12 likewise for mouse bytes. Reading port 0x60
 * empties the buffer and lowers the line; when the next byte comes in at once
 * the line rises again, so an edge-triggered PIC sees a new edge per byte (as
 * on QEMU).
 *
 * With command byte bit 6 set the controller translates the keyboard's scan
 * code set 2 to set 1, the PC/XT codes PC software expects: every keyboard
 * byte goes through the PC/AT translation table, and an F0 (break) prefix is
 * swallowed and sets bit 7 of the next byte.
 *
 * Output port bit 0 is the CPU reset line (0 resets the machine) and bit 1 the
 * A20 gate. The board ORs this A20 gate with port 0x92's (hw/port92.h), as the
 * chipset does, and hands the result to the CPU.
 *
 * The caller holds the machine lock around port accesses and device input.
 */
#ifndef PACIFICA_HW_I8042_H
#define PACIFICA_HW_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/ps2_kbd.h"
#include "hw/ps2_mouse.h"
#include "system/device.h"
#include "system/irq.h"
#include "system/log.h"
#include "system/memory.h"

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_KBD_IRQ      1
#define I8042_AUX_IRQ      12
/* The controller's internal RAM: byte 0 is the command byte. */
#define I8042_RAM_SIZE 32

/* Status register (port 0x64 read). */
enum {
    I8042_STATUS_OBF = 0x01,      /* output buffer full */
    I8042_STATUS_IBF = 0x02,      /* input buffer full (never seen set here) */
    I8042_STATUS_SYS = 0x04,      /* system flag */
    I8042_STATUS_CMD = 0x08,      /* last write was to 0x64 (1) or 0x60 (0) */
    I8042_STATUS_UNLOCKED = 0x10, /* keyboard not inhibited by the key lock */
    I8042_STATUS_AUX_OBF = 0x20,  /* the output buffer holds a mouse byte */
    I8042_STATUS_TIMEOUT = 0x40,
    I8042_STATUS_PARITY = 0x80,
};

/* Command byte (internal RAM byte 0; commands 0x20/0x60). */
enum {
    I8042_CTR_KBD_INT = 0x01,     /* IRQ 1 on keyboard data */
    I8042_CTR_AUX_INT = 0x02,     /* IRQ 12 on mouse data */
    I8042_CTR_SYS = 0x04,         /* copied to the status register's system flag */
    I8042_CTR_IGNORE_LOCK = 0x08, /* AT: ignore the key lock */
    I8042_CTR_KBD_DISABLE = 0x10, /* keyboard clock held low */
    I8042_CTR_AUX_DISABLE = 0x20, /* mouse clock held low */
    I8042_CTR_TRANSLATE = 0x40,   /* set 2 to set 1 translation */
};

/* Output port (commands 0xD0/0xD1). */
enum {
    I8042_OUT_RESET = 0x01, /* 0 holds the CPU in reset */
    I8042_OUT_A20 = 0x02,   /* A20 gate */
    I8042_OUT_AUX_CLOCK = 0x04,
    I8042_OUT_AUX_DATA = 0x08,
    I8042_OUT_KBD_OBF = 0x10, /* IRQ 1 output: buffer holds a keyboard byte */
    I8042_OUT_AUX_OBF = 0x20, /* IRQ 12 output: buffer holds a mouse byte */
    I8042_OUT_KBD_CLOCK = 0x40,
    I8042_OUT_KBD_DATA = 0x80,
};

/* Controller commands (port 0x64 write). */
enum {
    I8042_CMD_READ_RAM = 0x20,  /* 0x20-0x3F: read RAM byte (0x20: command byte) */
    I8042_CMD_WRITE_RAM = 0x60, /* 0x60-0x7F: write RAM byte (0x60: command byte) */
    I8042_CMD_AUX_DISABLE = 0xa7,
    I8042_CMD_AUX_ENABLE = 0xa8,
    I8042_CMD_AUX_TEST = 0xa9,
    I8042_CMD_SELF_TEST = 0xaa,
    I8042_CMD_KBD_TEST = 0xab,
    I8042_CMD_KBD_DISABLE = 0xad,
    I8042_CMD_KBD_ENABLE = 0xae,
    I8042_CMD_READ_INPUT = 0xc0,
    I8042_CMD_READ_OUTPUT = 0xd0,
    I8042_CMD_WRITE_OUTPUT = 0xd1,
    I8042_CMD_WRITE_KBD_OBUF = 0xd2,
    I8042_CMD_WRITE_AUX_OBUF = 0xd3,
    I8042_CMD_WRITE_AUX = 0xd4,
    I8042_CMD_A20_DISABLE = 0xdd,
    I8042_CMD_A20_ENABLE = 0xdf,
    I8042_CMD_READ_TEST_INPUTS = 0xe0,
    I8042_CMD_PULSE = 0xf0, /* 0xF0-0xFF: pulse output port bits 3:0 low */
    I8042_CMD_PULSE_RESET = 0xfe,
};

#define I8042_SELF_TEST_OK      0x55
#define I8042_INTERFACE_TEST_OK 0x00

typedef struct I8042State {
    DeviceState dev;

    /* Guest-visible state, all of it in i8042_vmstate. */
    uint8_t ram[I8042_RAM_SIZE]; /* ram[0]: the command byte */
    uint8_t status;
    uint8_t output_port;               /* as last written; bits 4 and 5 are computed on read */
    uint8_t out_data;                  /* the output buffer (kept after a read, read again) */
    uint8_t pending_cmd;               /* command whose data byte port 0x60 takes next, or 0 */
    bool xlate_break;                  /* the translator swallowed an F0 */
    bool kbd_irq_level, aux_irq_level; /* levels last driven on IRQ 1 and 12 */

    /* The devices on the two ports: each a device of its own with its own saved
     * state, which the board registers too. */
    PS2Kbd *kbd;
    PS2Mouse *mouse;

    /* Wiring, set at creation and not saved. */
    AddressSpace *io;
    MemoryRegion *regions[2];
    IrqLine kbd_irq, aux_irq;
    void (*request_reset)(void *opaque);
    void (*set_a20)(void *opaque, bool enabled);
    void *opaque;
    const Log *log;
} I8042State;

/* The controller at ports 0x60 and 0x64, with its keyboard and mouse, in the
 * reset state (A20 gate open). request_reset is called when the guest resets
 * the machine (pulse command, output port bit 0 cleared); set_a20 whenever the
 * output port's A20 bit changes and at every device reset (not at creation).
 * Both run on the vCPU thread that did the port write, with the machine lock
 * held. */
I8042State *i8042_new(AddressSpace *io, IrqLine kbd_irq, IrqLine aux_irq,
                      void (*request_reset)(void *opaque),
                      void (*set_a20)(void *opaque, bool enabled), void *opaque, const Log *log);
void i8042_free(I8042State *s);

/* The output port's A20 gate (for the board after a snapshot load). */
bool i8042_a20_enabled(const I8042State *s);

#endif
