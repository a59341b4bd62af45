/* A PS/2 (MF2) keyboard, as it looks from the keyboard controller's side of the
 * cable: bytes from the host go in through ps2_kbd_write, bytes for the host
 * wait in a small output buffer that the controller drains with ps2_kbd_read.
 *
 * Commands follow the IBM PS/2 keyboard (IBM "Keyboard and Auxiliary Device
 * Controller" / "Keyboard" sections of the PS/2 Hardware Interface Technical
 * Reference): ED set LEDs, EE echo, F0 get/set scan code set, F2 identify
 * (ACK, AB 83: an MF2 keyboard), F3 typematic rate, F4 enable, F5 default and
 * disable, F6 default and enable, F7-FD set-3 key types (acknowledged; the
 * keys always send make and break), FE resend, FF reset (ACK, AA: the basic
 * assurance test passed). Any other byte is answered with FE (resend).
 *
 * The keyboard speaks scan code set 2, or set 1 after F0 01. Set 3 is not
 * offered: F0 03 is refused with FE, and the host stays with set 2 (Linux's
 * atkbd falls back so). Translation to set 1 for PC software is the
 * controller's job (hw/i8042.c), not the keyboard's: this device always sends
 * the set it is in, including the raw ID bytes AB 83.
 *
 * Typematic repeat is not generated here: the host's own key repeat arrives as
 * repeated key-down events, which send the make code again, as typematic does.
 *
 * The caller holds the machine lock around every function.
 */
#ifndef PACIFICA_HW_PS2_KBD_H
#define PACIFICA_HW_PS2_KBD_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/ps2_queue.h"
#include "system/device.h"
#include "system/log.h"

/* IBM Keyboard Technical Reference, "Keyboard buffer": 16 bytes; an overrun code
 * takes the place of the 17th. */
#define PS2_KBD_BUFFER_SIZE 16

/* Keyboard commands (host to keyboard). */
enum {
    PS2_KBD_CMD_SET_LEDS = 0xed,
    PS2_KBD_CMD_ECHO = 0xee,
    PS2_KBD_CMD_SCANCODE_SET = 0xf0,
    PS2_KBD_CMD_IDENTIFY = 0xf2,
    PS2_KBD_CMD_TYPEMATIC = 0xf3,
    PS2_KBD_CMD_ENABLE = 0xf4,
    PS2_KBD_CMD_DEFAULT_DISABLE = 0xf5,
    PS2_KBD_CMD_DEFAULT_ENABLE = 0xf6,
    PS2_KBD_CMD_SET_ALL_TYPEMATIC = 0xf7,
    PS2_KBD_CMD_SET_KEY_MAKE = 0xfd,
    PS2_KBD_CMD_RESEND = 0xfe,
    PS2_KBD_CMD_RESET = 0xff,
};

/* Keyboard replies (keyboard to host). */
enum {
    PS2_KBD_REPLY_BAT_OK = 0xaa,
    PS2_KBD_REPLY_ECHO = 0xee,
    PS2_KBD_REPLY_ACK = 0xfa,
    PS2_KBD_REPLY_RESEND = 0xfe,
    PS2_KBD_ID_FIRST = 0xab, /* F2 answer: AB 83, an MF2 keyboard */
    PS2_KBD_ID_SECOND = 0x83,
    PS2_KBD_OVERRUN_SET1 = 0xff,
    PS2_KBD_OVERRUN_SET2 = 0x00,
};

/* LED bits of the ED option byte. */
enum {
    PS2_KBD_LED_SCROLL_LOCK = 0x01,
    PS2_KBD_LED_NUM_LOCK = 0x02,
    PS2_KBD_LED_CAPS_LOCK = 0x04,
};

/* Key codes for ps2_kbd_key: a set-2 make code, 0x00NN for the plain keys and
 * 0xE0NN for the E0-prefixed (extended) ones. Two keys send sequences of their
 * own and have codes of their own here. */
#define PS2_KEY_EXTENDED     0xe000
#define PS2_KEY_PRINT_SCREEN 0xe07c /* make E0 12 E0 7C, break E0 F0 7C E0 F0 12 */
#define PS2_KEY_PAUSE        0xe114 /* make E1 14 77 E1 F0 14 F0 77, no break */

typedef struct PS2Kbd {
    DeviceState dev;

    /* Guest-visible state, all of it in ps2_kbd_vmstate. */
    PS2Queue queue;
    uint8_t pending_cmd;  /* command waiting for its option byte(s), or 0 */
    uint8_t scancode_set; /* 1 or 2 */
    bool scanning;        /* key presses are reported (F4/F5) */
    uint8_t leds;
    uint8_t typematic; /* F3 option byte */
    uint8_t last_sent; /* the byte the host read last, for FE (resend) */

    /* Wiring, set at creation and not saved. */
    void (*data_ready)(void *opaque); /* bytes were queued for the host */
    void *data_ready_opaque;
    void (*leds_changed)(void *opaque, uint8_t leds);
    void *leds_opaque;
    const Log *log;
} PS2Kbd;

/* data_ready is called whenever the keyboard queues bytes for the host (the
 * controller then clocks them in). The keyboard starts in its reset state. */
PS2Kbd *ps2_kbd_new(void (*data_ready)(void *opaque), void *opaque, const Log *log);
void ps2_kbd_free(PS2Kbd *k);

/* The LED indicators changed (ED); for the UI. */
void ps2_kbd_set_leds_handler(PS2Kbd *k, void (*leds_changed)(void *opaque, uint8_t leds),
                              void *opaque);
uint8_t ps2_kbd_leds(const PS2Kbd *k);

/* A byte from the host (the controller passes on port 0x60 writes). */
void ps2_kbd_write(PS2Kbd *k, uint8_t byte);
/* Whether a byte waits for the host, and the next one (the last one sent again
 * when nothing waits). */
bool ps2_kbd_has_data(const PS2Kbd *k);
uint8_t ps2_kbd_read(PS2Kbd *k);

/* A key went down (make) or up (break); code as PS2_KEY_* above. Nothing is
 * sent while scanning is disabled. Codes that are not plain or E0-prefixed
 * set-2 codes are ignored. */
void ps2_kbd_key(PS2Kbd *k, uint16_t set2_code, bool down);

/* The PC/AT keyboard controller's translation of a set-2 byte to set 1 (without
 * the F0 break prefix, which the translator folds into bit 7 of the next byte). */
uint8_t ps2_set2_to_set1(uint8_t code);

#endif
