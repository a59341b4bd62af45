/* A PS/2 mouse with the Microsoft IntelliMouse wheel extension, seen from the
 * keyboard controller's auxiliary port: bytes from the host go in through
 * ps2_mouse_write, bytes for the host wait in an output buffer that the
 * controller drains with ps2_mouse_read.
 *
 * Commands (IBM PS/2 Hardware Interface Technical Reference, "Pointing
 * Device"; Microsoft IntelliMouse for the wheel): E6/E7 scaling 1:1 / 2:1, E8
 * resolution, E9 status request (ACK + 3 bytes), EA stream mode, EB read data
 * (ACK + one packet), EC/EE leave/enter wrap (echo) mode, F0 remote mode, F2
 * get device ID, F3 sample rate, F4/F5 enable/disable data reporting, F6
 * defaults, FE resend, FF reset (ACK, AA, 00). Any other byte is answered with
 * FE (resend).
 *
 * The device ID is 00, or 03 once the sample rates 200, 100, 80 have been set
 * in a row (the IntelliMouse knock that Linux's psmouse and Windows use): the
 * movement packets then grow a fourth byte with the wheel. The 5-button
 * IntelliMouse Explorer (ID 04) is not offered.
 *
 * Packets (IBM, "Data Report"): byte 0 = Y overflow, X overflow, Y sign, X sign,
 * 1, middle, right, left (bit 7 to 0); bytes 1 and 2 = the low 8 bits of the
 * 9-bit two's-complement X and Y movement; byte 3 (ID 03 only) = Z, two's
 * complement, -8..7. In stream mode a movement bigger than one packet can carry
 * is sent as several packets, and what does not fit in the output buffer waits
 * in the movement counters until the host has read; no movement is lost and
 * the overflow bits stay clear. A read-data (EB) packet reports the counters as
 * they are, and sets an overflow bit where a counter is out of range.
 *
 * The caller holds the machine lock around every function.
 */
#ifndef PACIFICA_HW_PS2_MOUSE_H
#define PACIFICA_HW_PS2_MOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/ps2_queue.h"
#include "system/device.h"
#include "system/log.h"

/* Movement packets the mouse keeps queued for the host (QEMU's PS/2 mouse keeps
 * 16 bytes too); command replies do not count. */
#define PS2_MOUSE_BUFFER_SIZE 16

/* Mouse commands (host to mouse). */
enum {
    PS2_MOUSE_CMD_SCALING_1_1 = 0xe6,
    PS2_MOUSE_CMD_SCALING_2_1 = 0xe7,
    PS2_MOUSE_CMD_SET_RESOLUTION = 0xe8,
    PS2_MOUSE_CMD_STATUS = 0xe9,
    PS2_MOUSE_CMD_STREAM_MODE = 0xea,
    PS2_MOUSE_CMD_READ_DATA = 0xeb,
    PS2_MOUSE_CMD_RESET_WRAP = 0xec,
    PS2_MOUSE_CMD_SET_WRAP = 0xee,
    PS2_MOUSE_CMD_REMOTE_MODE = 0xf0,
    PS2_MOUSE_CMD_GET_ID = 0xf2,
    PS2_MOUSE_CMD_SET_SAMPLE_RATE = 0xf3,
    PS2_MOUSE_CMD_ENABLE = 0xf4,
    PS2_MOUSE_CMD_DISABLE = 0xf5,
    PS2_MOUSE_CMD_DEFAULTS = 0xf6,
    PS2_MOUSE_CMD_RESEND = 0xfe,
    PS2_MOUSE_CMD_RESET = 0xff,
};

/* Replies and IDs (mouse to host). */
enum {
    PS2_MOUSE_REPLY_BAT_OK = 0xaa,
    PS2_MOUSE_REPLY_ACK = 0xfa,
    PS2_MOUSE_REPLY_RESEND = 0xfe,
    PS2_MOUSE_ID_STANDARD = 0x00,
    PS2_MOUSE_ID_INTELLIMOUSE = 0x03,
};

/* Buttons for ps2_mouse_move, as the bits of packet byte 0. */
enum {
    PS2_MOUSE_BUTTON_LEFT = 0x01,
    PS2_MOUSE_BUTTON_RIGHT = 0x02,
    PS2_MOUSE_BUTTON_MIDDLE = 0x04,
};

/* Bits of packet byte 0. */
enum {
    PS2_MOUSE_PACKET_ALWAYS_1 = 0x08,
    PS2_MOUSE_PACKET_X_SIGN = 0x10,
    PS2_MOUSE_PACKET_Y_SIGN = 0x20,
    PS2_MOUSE_PACKET_X_OVERFLOW = 0x40,
    PS2_MOUSE_PACKET_Y_OVERFLOW = 0x80,
};

/* Bits of status byte 0 (E9). */
enum {
    PS2_MOUSE_STATUS_RIGHT = 0x01,
    PS2_MOUSE_STATUS_MIDDLE = 0x02,
    PS2_MOUSE_STATUS_LEFT = 0x04,
    PS2_MOUSE_STATUS_SCALING_2_1 = 0x10,
    PS2_MOUSE_STATUS_ENABLED = 0x20,
    PS2_MOUSE_STATUS_REMOTE = 0x40,
};

typedef struct PS2Mouse {
    DeviceState dev;

    /* Guest-visible state, all of it in ps2_mouse_vmstate. */
    PS2Queue queue;
    uint8_t pending_cmd; /* E8 or F3 waiting for its option byte, or 0 */
    bool remote;         /* remote mode (F0) rather than stream mode (EA) */
    bool reporting;      /* data reporting enabled (F4) */
    bool scaling_2_1;
    bool wrap;
    uint8_t resolution;  /* E8 option: 0-3 for 1, 2, 4, 8 counts/mm */
    uint8_t sample_rate; /* reports per second (F3) */
    uint8_t device_id;
    uint8_t rate_history[3]; /* the last three sample rates set, oldest first */
    /* Movement not yet reported, in PS/2 directions (up is +Y). */
    int32_t dx, dy, dz;
    uint8_t buttons;          /* PS2_MOUSE_BUTTON_* now */
    uint8_t reported_buttons; /* as in the last packet sent */
    uint8_t resend[5];        /* the last packet or reply sent, for FE */
    uint8_t resend_len;

    /* Wiring, set at creation and not saved. */
    void (*data_ready)(void *opaque);
    void *data_ready_opaque;
    const Log *log;
} PS2Mouse;

/* data_ready is called whenever the mouse queues bytes for the host. The mouse
 * starts in its reset state. */
PS2Mouse *ps2_mouse_new(void (*data_ready)(void *opaque), void *opaque, const Log *log);
void ps2_mouse_free(PS2Mouse *m);

/* A byte from the host (the controller passes on what follows command D4). */
void ps2_mouse_write(PS2Mouse *m, uint8_t byte);
/* Whether a byte waits for the host, and the next one. */
bool ps2_mouse_has_data(const PS2Mouse *m);
uint8_t ps2_mouse_read(PS2Mouse *m);

/* The mouse moved and/or its buttons changed. dx, dy in counts, screen
 * directions (right and down are positive; the mouse reports up as +Y); dz in
 * wheel detents, positive toward the user (scrolling down), as the IntelliMouse
 * Z counter; buttons is the set of PS2_MOUSE_BUTTON_* held now. In stream mode
 * with reporting disabled, and in wrap mode, movement is discarded. */
void ps2_mouse_move(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons);

#endif
