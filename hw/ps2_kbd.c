/* PS/2 keyboard: see ps2_kbd.h. "IBM" below is the keyboard chapter of the IBM
 * PS/2 Hardware Interface Technical Reference. */
#include "hw/ps2_kbd.h"

#include <glib.h>

/* IBM, "Power-on defaults": scan code set 2, typematic 10.9 characters per
 * second after 500 ms (F3 option byte 0x2B), all LEDs off. */
#define PS2_KBD_DEFAULT_TYPEMATIC 0x2b
#define PS2_KBD_BREAK_PREFIX      0xf0
/* Commands are ED..FF; no option byte is ever in that range (see
 * ps2_kbd_write). */
#define PS2_KBD_FIRST_COMMAND 0xed

static const VMStateField ps2_kbd_vmstate[] = {
    /* The output buffer. */
    VMSTATE_BYTES(PS2Kbd, queue.bytes),
    VMSTATE_U8(PS2Kbd, queue.count),
    VMSTATE_U8(PS2Kbd, queue.replies),
    /* The keyboard's modes. */
    VMSTATE_U8(PS2Kbd, pending_cmd),
    VMSTATE_U8(PS2Kbd, scancode_set),
    VMSTATE_BOOL(PS2Kbd, scanning),
    VMSTATE_U8(PS2Kbd, leds),
    VMSTATE_U8(PS2Kbd, typematic),
    VMSTATE_U8(PS2Kbd, last_sent),
    VMSTATE_END,
};

/* The PC/AT keyboard controller's set 2 to set 1 translation for codes below
 * 0x80 (the 8042 firmware's table, identical on every AT-compatible controller;
 * QEMU's, bhyve's and 86Box's copies agree). Code 0x00, the set-2 overrun code,
 * becomes 0xFF, the set-1 one. */
static const uint8_t ps2_set2_to_set1_low[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

/* From 0x80 up the table is the identity (replies such as FA, AA, EE, FE and the
 * E0/E1 prefixes pass unchanged) except for F7's make code 0x83 and SysRq's 0x84,
 * the two set-2 key codes above 0x7F. */
uint8_t ps2_set2_to_set1(uint8_t code)
{
    if (code < 0x80)
        return ps2_set2_to_set1_low[code];
    if (code == 0x83)
        return 0x41;
    if (code == 0x84)
        return 0x54;
    return code;
}

/* --- Output to the host --------------------------------------------------- */

static void ps2_kbd_notify(PS2Kbd *k)
{
    if (k->data_ready && !ps2_queue_empty(&k->queue))
        k->data_ready(k->data_ready_opaque);
}

static void ps2_kbd_reply(PS2Kbd *k, uint8_t byte)
{
    if (!ps2_queue_push_reply(&k->queue, byte))
        log_printf(k->log, LOG_GUEST_ERROR, "ps2-kbd: reply 0x%02x lost, host not reading\n", byte);
}

bool ps2_kbd_has_data(const PS2Kbd *k)
{
    return !ps2_queue_empty(&k->queue);
}

uint8_t ps2_kbd_read(PS2Kbd *k)
{
    if (!ps2_queue_empty(&k->queue))
        k->last_sent = ps2_queue_pop(&k->queue);
    return k->last_sent;
}

/* --- Key input ------------------------------------------------------------ */

/* The set-2 bytes of one key event; returns how many (at most 8). */
static unsigned ps2_kbd_set2_sequence(uint16_t code, bool down, uint8_t *seq)
{
    static const uint8_t pause[8] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
    static const uint8_t print_make[4] = {0xe0, 0x12, 0xe0, 0x7c};
    static const uint8_t print_break[6] = {0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12};
    unsigned n = 0;

    if (code == PS2_KEY_PAUSE) {
        /* Pause has no break code: the whole sequence goes at make. */
        if (!down)
            return 0;
        memcpy(seq, pause, sizeof(pause));
        return sizeof(pause);
    }
    if (code == PS2_KEY_PRINT_SCREEN) {
        /* The unshifted form, with its fake left shift (E0 12) around it. */
        if (down) {
            memcpy(seq, print_make, sizeof(print_make));
            return sizeof(print_make);
        }
        memcpy(seq, print_break, sizeof(print_break));
        return sizeof(print_break);
    }
    if ((code & 0xff00) == PS2_KEY_EXTENDED)
        seq[n++] = 0xe0;
    if (!down)
        seq[n++] = PS2_KBD_BREAK_PREFIX;
    seq[n++] = (uint8_t)code;
    return n;
}

/* Set 1 is set 2 through the controller's translation: F0 sets bit 7 of the
 * next code. Returns the new length. */
static unsigned ps2_kbd_to_set1(uint8_t *seq, unsigned n)
{
    unsigned out = 0;
    bool brk = false;
    for (unsigned i = 0; i < n; i++) {
        if (seq[i] == PS2_KBD_BREAK_PREFIX) {
            brk = true;
            continue;
        }
        seq[out++] = (uint8_t)(ps2_set2_to_set1(seq[i]) | (brk ? 0x80 : 0));
        brk = false;
    }
    return out;
}

/* IBM, "Keyboard buffer": 16 bytes; when more arrive, an overrun code takes
 * the 17th place and later keys are lost until the host makes room. A key's
 * bytes are kept or dropped together here, so that the host never sees half a
 * sequence (a lone E0 or F0). */
static void ps2_kbd_queue_key(PS2Kbd *k, const uint8_t *seq, unsigned n)
{
    uint8_t overrun = k->scancode_set == 1 ? PS2_KBD_OVERRUN_SET1 : PS2_KBD_OVERRUN_SET2;
    unsigned used = ps2_queue_data_len(&k->queue);

    if (used + n <= PS2_KBD_BUFFER_SIZE) {
        for (unsigned i = 0; i < n; i++)
            ps2_queue_push_data(&k->queue, seq[i]);
        return;
    }
    if (used <= PS2_KBD_BUFFER_SIZE && ps2_queue_last_data(&k->queue) != overrun)
        ps2_queue_push_data(&k->queue, overrun);
}

void ps2_kbd_key(PS2Kbd *k, uint16_t set2_code, bool down)
{
    uint8_t seq[8];
    unsigned high = set2_code & 0xff00;
    bool special = set2_code == PS2_KEY_PAUSE || set2_code == PS2_KEY_PRINT_SCREEN;

    if (!special && ((high != 0 && high != PS2_KEY_EXTENDED) || (set2_code & 0xff) == 0)) {
        log_printf(k->log, LOG_UNIMP, "ps2-kbd: no such key code 0x%04x\n", set2_code);
        return;
    }
    if (!k->scanning)
        return;
    unsigned n = ps2_kbd_set2_sequence(set2_code, down, seq);
    if (k->scancode_set == 1)
        n = ps2_kbd_to_set1(seq, n);
    if (n == 0)
        return;
    ps2_kbd_queue_key(k, seq, n);
    ps2_kbd_notify(k);
}

/* --- Commands from the host ----------------------------------------------- */

static void ps2_kbd_set_leds(PS2Kbd *k, uint8_t leds)
{
    k->leds = leds & (PS2_KBD_LED_SCROLL_LOCK | PS2_KBD_LED_NUM_LOCK | PS2_KBD_LED_CAPS_LOCK);
    if (k->leds_changed)
        k->leds_changed(k->leds_opaque, k->leds);
}

/* IBM, F5/F6/FF: the power-on defaults; the output buffer is cleared. */
static void ps2_kbd_set_defaults(PS2Kbd *k)
{
    ps2_queue_clear(&k->queue);
    k->pending_cmd = 0;
    k->scancode_set = 2;
    k->typematic = PS2_KBD_DEFAULT_TYPEMATIC;
    ps2_kbd_set_leds(k, 0);
}

/* F0's option: 0 asks for the current set (ACK then 01/02), 1 and 2 select one.
 * A refused option leaves the keyboard waiting for another. */
static void ps2_kbd_scancode_set_option(PS2Kbd *k, uint8_t option)
{
    if (option == 0) {
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        ps2_kbd_reply(k, k->scancode_set);
    } else if (option == 1 || option == 2) {
        k->scancode_set = option;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
    } else {
        log_printf(k->log, LOG_UNIMP, "ps2-kbd: scan code set %u not supported\n", option);
        ps2_kbd_reply(k, PS2_KBD_REPLY_RESEND);
        return;
    }
    k->pending_cmd = 0;
}

static void ps2_kbd_option(PS2Kbd *k, uint8_t option)
{
    switch (k->pending_cmd) {
    case PS2_KBD_CMD_SET_LEDS:
        ps2_kbd_set_leds(k, option);
        k->pending_cmd = 0;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_TYPEMATIC:
        /* Bit 7 of the option byte is reserved (0). */
        k->typematic = option & 0x7f;
        k->pending_cmd = 0;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_SCANCODE_SET: ps2_kbd_scancode_set_option(k, option); break;
    default:
        /* FB-FD (set-3 key types): key codes follow, each acknowledged, until
         * the next command. */
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        break;
    }
}

static void ps2_kbd_command(PS2Kbd *k, uint8_t cmd)
{
    if (cmd == PS2_KBD_CMD_RESEND) {
        /* The host lost our last byte: send it again; a command still waiting
         * for its option keeps waiting. */
        ps2_kbd_reply(k, k->last_sent);
        return;
    }
    k->pending_cmd = 0;
    switch (cmd) {
    case PS2_KBD_CMD_SET_LEDS:
    case PS2_KBD_CMD_SCANCODE_SET:
    case PS2_KBD_CMD_TYPEMATIC:
        k->pending_cmd = cmd;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_ECHO:
        /* IBM, EE: answered with EE, not with an ACK. */
        ps2_kbd_reply(k, PS2_KBD_REPLY_ECHO);
        break;
    case PS2_KBD_CMD_IDENTIFY:
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        ps2_kbd_reply(k, PS2_KBD_ID_FIRST);
        ps2_kbd_reply(k, PS2_KBD_ID_SECOND);
        break;
    case PS2_KBD_CMD_ENABLE:
        /* IBM, F4: clears the output buffer and starts scanning. */
        ps2_queue_clear(&k->queue);
        k->scanning = true;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_DEFAULT_DISABLE:
    case PS2_KBD_CMD_DEFAULT_ENABLE:
        ps2_kbd_set_defaults(k);
        k->scanning = cmd == PS2_KBD_CMD_DEFAULT_ENABLE;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        break;
    case PS2_KBD_CMD_RESET:
        /* IBM, FF: ACK, the basic assurance test, then AA; scanning on. */
        ps2_kbd_set_defaults(k);
        k->scanning = true;
        ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
        ps2_kbd_reply(k, PS2_KBD_REPLY_BAT_OK);
        break;
    default:
        if (cmd >= PS2_KBD_CMD_SET_ALL_TYPEMATIC && cmd <= PS2_KBD_CMD_SET_KEY_MAKE) {
            /* F7-FA set every key's type, FB-FD one key's type per option
             * byte. Set 3 only: acknowledged and otherwise ignored. */
            if (cmd >= 0xfb)
                k->pending_cmd = cmd;
            ps2_kbd_reply(k, PS2_KBD_REPLY_ACK);
            break;
        }
        log_printf(k->log, LOG_GUEST_ERROR, "ps2-kbd: unknown command 0x%02x\n", cmd);
        ps2_kbd_reply(k, PS2_KBD_REPLY_RESEND);
        break;
    }
}

/* No option byte is ever ED or above, so such a byte is a new command: a host
 * that gave up on an unfinished command is not left talking to a keyboard that
 * still waits for the option. */
void ps2_kbd_write(PS2Kbd *k, uint8_t byte)
{
    if (k->pending_cmd && byte < PS2_KBD_FIRST_COMMAND)
        ps2_kbd_option(k, byte);
    else
        ps2_kbd_command(k, byte);
    ps2_kbd_notify(k);
}

/* --- Life cycle ----------------------------------------------------------- */

void ps2_kbd_set_leds_handler(PS2Kbd *k, void (*leds_changed)(void *opaque, uint8_t leds),
                              void *opaque)
{
    k->leds_changed = leds_changed;
    k->leds_opaque = opaque;
}

uint8_t ps2_kbd_leds(const PS2Kbd *k)
{
    return k->leds;
}

/* Power-on: defaults, scanning enabled. The BAT completion code a real keyboard
 * sends after power-on is not queued (QEMU does not either; firmware and Linux
 * reset the keyboard themselves). */
static void ps2_kbd_reset(DeviceState *dev)
{
    PS2Kbd *k = (PS2Kbd *)dev;
    ps2_kbd_set_defaults(k);
    k->scanning = true;
    k->last_sent = 0;
}

PS2Kbd *ps2_kbd_new(void (*data_ready)(void *opaque), void *opaque, const Log *log)
{
    PS2Kbd *k = g_new0(PS2Kbd, 1);
    k->dev.name = "ps2-kbd";
    k->dev.reset = ps2_kbd_reset;
    k->dev.fields = ps2_kbd_vmstate;
    k->data_ready = data_ready;
    k->data_ready_opaque = opaque;
    k->log = log;
    ps2_kbd_reset(&k->dev);
    return k;
}

void ps2_kbd_free(PS2Kbd *k)
{
    g_free(k);
}
