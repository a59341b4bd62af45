/* PS/2 mouse: see ps2_mouse.h. "IBM" below is the pointing-device chapter of
 * the IBM PS/2 Hardware Interface Technical Reference. */
#include "hw/ps2_mouse.h"

#include <glib.h>

/* IBM, "Power-on defaults": 100 samples/s, 4 counts/mm, scaling 1:1, stream
 * mode, data reporting disabled. */
#define PS2_MOUSE_DEFAULT_RATE       100
#define PS2_MOUSE_DEFAULT_RESOLUTION 2
/* The lowest mouse command; option bytes are always below it. */
#define PS2_MOUSE_FIRST_COMMAND 0xe6
/* Range of one packet's X/Y (9-bit two's complement) and Z (4-bit). */
#define PS2_MOUSE_XY_MIN (-256)
#define PS2_MOUSE_XY_MAX 255
#define PS2_MOUSE_Z_MIN  (-8)
#define PS2_MOUSE_Z_MAX  7
/* Bound on the movement counters, far beyond any packet, so that sums of host
 * input cannot overflow an int32_t. */
#define PS2_MOUSE_COUNTER_LIMIT (1 << 24)
#define PS2_MOUSE_MAX_PACKET    4
#define PS2_MOUSE_MAX_REPLY     5 /* EB: ACK and a 4-byte packet */

static const VMStateField ps2_mouse_vmstate[] = {
    VMSTATE_BYTES(PS2Mouse, queue.bytes),
    VMSTATE_U8(PS2Mouse, queue.count),
    VMSTATE_U8(PS2Mouse, queue.replies),
    VMSTATE_U8(PS2Mouse, pending_cmd),
    VMSTATE_BOOL(PS2Mouse, remote),
    VMSTATE_BOOL(PS2Mouse, reporting),
    VMSTATE_BOOL(PS2Mouse, scaling_2_1),
    VMSTATE_BOOL(PS2Mouse, wrap),
    VMSTATE_U8(PS2Mouse, resolution),
    VMSTATE_U8(PS2Mouse, sample_rate),
    VMSTATE_U8(PS2Mouse, device_id),
    VMSTATE_BYTES(PS2Mouse, rate_history),
    VMSTATE_U32(PS2Mouse, dx),
    VMSTATE_U32(PS2Mouse, dy),
    VMSTATE_U32(PS2Mouse, dz),
    VMSTATE_U8(PS2Mouse, buttons),
    VMSTATE_U8(PS2Mouse, reported_buttons),
    VMSTATE_BYTES(PS2Mouse, resend),
    VMSTATE_U8(PS2Mouse, resend_len),
    VMSTATE_END,
};

static int32_t clamp_i32(int64_t v, int64_t lo, int64_t hi)
{
    return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

static unsigned ps2_mouse_packet_len(const PS2Mouse *m)
{
    return m->device_id == PS2_MOUSE_ID_INTELLIMOUSE ? 4 : 3;
}

static void ps2_mouse_clear_counters(PS2Mouse *m)
{
    m->dx = m->dy = m->dz = 0;
}

/* --- Packets -------------------------------------------------------------- */

/* IBM, "Scaling": 2:1 scaling maps counts 0-5 to 0, 1, 1, 3, 6, 9 and larger
 * ones to twice their value; stream mode only. */
static int32_t ps2_mouse_scale_2_1(int32_t v)
{
    static const int32_t small[6] = {0, 1, 1, 3, 6, 9};
    int32_t mag = v < 0 ? -v : v;
    int32_t scaled = mag < 6 ? small[mag] : 2 * mag;
    return v < 0 ? -scaled : scaled;
}

/* Encodes one packet reporting x, y, z (PS/2 directions). A value outside the
 * 9-bit range is clamped and its overflow bit set. Returns the length. */
static unsigned ps2_mouse_encode(const PS2Mouse *m, int32_t x, int32_t y, int32_t z, uint8_t *pkt)
{
    uint8_t b0 = PS2_MOUSE_PACKET_ALWAYS_1 | (m->buttons & 7);
    if (x < PS2_MOUSE_XY_MIN || x > PS2_MOUSE_XY_MAX)
        b0 |= PS2_MOUSE_PACKET_X_OVERFLOW;
    if (y < PS2_MOUSE_XY_MIN || y > PS2_MOUSE_XY_MAX)
        b0 |= PS2_MOUSE_PACKET_Y_OVERFLOW;
    x = clamp_i32(x, PS2_MOUSE_XY_MIN, PS2_MOUSE_XY_MAX);
    y = clamp_i32(y, PS2_MOUSE_XY_MIN, PS2_MOUSE_XY_MAX);
    if (x < 0)
        b0 |= PS2_MOUSE_PACKET_X_SIGN;
    if (y < 0)
        b0 |= PS2_MOUSE_PACKET_Y_SIGN;
    pkt[0] = b0;
    pkt[1] = (uint8_t)x;
    pkt[2] = (uint8_t)y;
    pkt[3] = (uint8_t)clamp_i32(z, PS2_MOUSE_Z_MIN, PS2_MOUSE_Z_MAX);
    return ps2_mouse_packet_len(m);
}

/* Keeps what was just sent, for FE (resend). */
static void ps2_mouse_remember(PS2Mouse *m, const uint8_t *bytes, unsigned n)
{
    if (n > sizeof(m->resend))
        n = sizeof(m->resend);
    memcpy(m->resend, bytes, n);
    m->resend_len = (uint8_t)n;
}

static bool ps2_mouse_has_unreported(const PS2Mouse *m)
{
    return m->dx || m->dy || m->dz || m->buttons != m->reported_buttons;
}

static bool ps2_mouse_streaming(const PS2Mouse *m)
{
    return !m->remote && m->reporting && !m->wrap;
}

/* Stream mode: sends what the counters hold, as packets that each fit the
 * ranges, while the output buffer has room for whole packets. Returns whether
 * anything was queued. */
static bool ps2_mouse_stream_out(PS2Mouse *m)
{
    bool queued = false;
    unsigned len = ps2_mouse_packet_len(m);
    while (ps2_mouse_streaming(m) && ps2_mouse_has_unreported(m) &&
           ps2_queue_data_len(&m->queue) + len <= PS2_MOUSE_BUFFER_SIZE) {
        int32_t x = clamp_i32(m->dx, PS2_MOUSE_XY_MIN, PS2_MOUSE_XY_MAX);
        int32_t y = clamp_i32(m->dy, PS2_MOUSE_XY_MIN, PS2_MOUSE_XY_MAX);
        int32_t z = clamp_i32(m->dz, PS2_MOUSE_Z_MIN, PS2_MOUSE_Z_MAX);
        m->dx -= x;
        m->dy -= y;
        m->dz -= z;
        if (m->scaling_2_1) {
            x = ps2_mouse_scale_2_1(x);
            y = ps2_mouse_scale_2_1(y);
        }
        uint8_t pkt[PS2_MOUSE_MAX_PACKET];
        unsigned n = ps2_mouse_encode(m, x, y, z, pkt);
        for (unsigned i = 0; i < n; i++)
            ps2_queue_push_data(&m->queue, pkt[i]);
        ps2_mouse_remember(m, pkt, n);
        m->reported_buttons = m->buttons;
        queued = true;
    }
    return queued;
}

static void ps2_mouse_notify(PS2Mouse *m)
{
    if (m->data_ready && !ps2_queue_empty(&m->queue))
        m->data_ready(m->data_ready_opaque);
}

void ps2_mouse_move(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    m->buttons =
        buttons & (PS2_MOUSE_BUTTON_LEFT | PS2_MOUSE_BUTTON_RIGHT | PS2_MOUSE_BUTTON_MIDDLE);
    if (m->wrap || (!m->remote && !m->reporting)) {
        m->reported_buttons = m->buttons;
        return;
    }
    int64_t lim = PS2_MOUSE_COUNTER_LIMIT;
    m->dx = clamp_i32((int64_t)m->dx + dx, -lim, lim);
    m->dy = clamp_i32((int64_t)m->dy - dy, -lim, lim);
    /* Without the IntelliMouse extension there is no wheel to report. */
    if (m->device_id == PS2_MOUSE_ID_INTELLIMOUSE)
        m->dz = clamp_i32((int64_t)m->dz + dz, -lim, lim);
    if (ps2_mouse_stream_out(m))
        ps2_mouse_notify(m);
}

bool ps2_mouse_has_data(const PS2Mouse *m)
{
    return !ps2_queue_empty(&m->queue);
}

/* Reading makes room: movement that waited in the counters follows. The
 * controller asks has_data again after each read, so no notification here. */
uint8_t ps2_mouse_read(PS2Mouse *m)
{
    uint8_t byte = ps2_queue_pop(&m->queue);
    ps2_mouse_stream_out(m);
    return byte;
}

/* --- Commands from the host ----------------------------------------------- */

static void ps2_mouse_set_defaults(PS2Mouse *m)
{
    m->sample_rate = PS2_MOUSE_DEFAULT_RATE;
    m->resolution = PS2_MOUSE_DEFAULT_RESOLUTION;
    m->scaling_2_1 = false;
    m->remote = false;
    m->reporting = false;
    ps2_mouse_clear_counters(m);
    m->reported_buttons = m->buttons;
}

/* IntelliMouse: the sample rates 200, 100, 80 in a row switch on the wheel. */
static void ps2_mouse_set_sample_rate(PS2Mouse *m, uint8_t rate)
{
    m->sample_rate = rate;
    m->rate_history[0] = m->rate_history[1];
    m->rate_history[1] = m->rate_history[2];
    m->rate_history[2] = rate;
    if (m->rate_history[0] == 200 && m->rate_history[1] == 100 && m->rate_history[2] == 80)
        m->device_id = PS2_MOUSE_ID_INTELLIMOUSE;
}

/* The option byte of E8 or F3; returns the reply length. */
static unsigned ps2_mouse_option(PS2Mouse *m, uint8_t option, uint8_t *reply)
{
    if (m->pending_cmd == PS2_MOUSE_CMD_SET_RESOLUTION && option > 3) {
        /* Only 0-3 exist; the mouse asks for the option again. */
        reply[0] = PS2_MOUSE_REPLY_RESEND;
        return 1;
    }
    if (m->pending_cmd == PS2_MOUSE_CMD_SET_RESOLUTION)
        m->resolution = option;
    else
        ps2_mouse_set_sample_rate(m, option);
    m->pending_cmd = 0;
    reply[0] = PS2_MOUSE_REPLY_ACK;
    return 1;
}

/* IBM, "Status Request": mode, enable, scaling and the buttons (left, middle,
 * right in bits 2, 1, 0), then the resolution and the sample rate. */
static uint8_t ps2_mouse_status_byte(const PS2Mouse *m)
{
    uint8_t st = 0;
    if (m->remote)
        st |= PS2_MOUSE_STATUS_REMOTE;
    if (m->reporting)
        st |= PS2_MOUSE_STATUS_ENABLED;
    if (m->scaling_2_1)
        st |= PS2_MOUSE_STATUS_SCALING_2_1;
    if (m->buttons & PS2_MOUSE_BUTTON_LEFT)
        st |= PS2_MOUSE_STATUS_LEFT;
    if (m->buttons & PS2_MOUSE_BUTTON_MIDDLE)
        st |= PS2_MOUSE_STATUS_MIDDLE;
    if (m->buttons & PS2_MOUSE_BUTTON_RIGHT)
        st |= PS2_MOUSE_STATUS_RIGHT;
    return st;
}

/* IBM, "Read Data": one packet with the counters as they are (no scaling),
 * which then restart from zero. */
static unsigned ps2_mouse_read_data(PS2Mouse *m, uint8_t *pkt)
{
    unsigned n = ps2_mouse_encode(m, m->dx, m->dy, m->dz, pkt);
    ps2_mouse_clear_counters(m);
    m->reported_buttons = m->buttons;
    return n;
}

/* Mode-setting commands; returns false for a byte that is none of them. IBM:
 * each of them also restarts the movement counters. */
static bool ps2_mouse_mode_command(PS2Mouse *m, uint8_t cmd)
{
    switch (cmd) {
    case PS2_MOUSE_CMD_SCALING_1_1: m->scaling_2_1 = false; return true;
    case PS2_MOUSE_CMD_SCALING_2_1: m->scaling_2_1 = true; return true;
    case PS2_MOUSE_CMD_STREAM_MODE: m->remote = false; break;
    case PS2_MOUSE_CMD_REMOTE_MODE: m->remote = true; break;
    case PS2_MOUSE_CMD_SET_WRAP: m->wrap = true; break;
    case PS2_MOUSE_CMD_RESET_WRAP: m->wrap = false; break;
    case PS2_MOUSE_CMD_ENABLE: m->reporting = true; break;
    case PS2_MOUSE_CMD_DISABLE: m->reporting = false; break;
    case PS2_MOUSE_CMD_DEFAULTS: ps2_mouse_set_defaults(m); break;
    default: return false;
    }
    ps2_mouse_clear_counters(m);
    m->reported_buttons = m->buttons;
    return true;
}

/* A command byte; returns the reply length. */
static unsigned ps2_mouse_command(PS2Mouse *m, uint8_t cmd, uint8_t *reply)
{
    m->pending_cmd = 0;
    reply[0] = PS2_MOUSE_REPLY_ACK;
    if (ps2_mouse_mode_command(m, cmd))
        return 1;
    switch (cmd) {
    case PS2_MOUSE_CMD_SET_RESOLUTION:
    case PS2_MOUSE_CMD_SET_SAMPLE_RATE: m->pending_cmd = cmd; return 1;
    case PS2_MOUSE_CMD_STATUS:
        reply[1] = ps2_mouse_status_byte(m);
        reply[2] = m->resolution;
        reply[3] = m->sample_rate;
        return 4;
    case PS2_MOUSE_CMD_READ_DATA: return 1 + ps2_mouse_read_data(m, reply + 1);
    case PS2_MOUSE_CMD_GET_ID:
        ps2_mouse_clear_counters(m);
        reply[1] = m->device_id;
        return 2;
    case PS2_MOUSE_CMD_RESET:
        /* IBM, "Reset": defaults, the self test, then AA and the ID 00. */
        ps2_mouse_set_defaults(m);
        m->wrap = false;
        m->device_id = PS2_MOUSE_ID_STANDARD;
        memset(m->rate_history, 0, sizeof(m->rate_history));
        reply[1] = PS2_MOUSE_REPLY_BAT_OK;
        reply[2] = PS2_MOUSE_ID_STANDARD;
        return 3;
    default:
        log_printf(m->log, LOG_GUEST_ERROR, "ps2-mouse: unknown command 0x%02x\n", cmd);
        reply[0] = PS2_MOUSE_REPLY_RESEND;
        return 1;
    }
}

/* The reply to one byte from the host; returns its length. */
static unsigned ps2_mouse_respond(PS2Mouse *m, uint8_t byte, uint8_t *reply)
{
    /* IBM, "Wrap Mode": every byte comes back unchanged except EC (leave wrap
     * mode) and FF (reset). */
    if (m->wrap && byte != PS2_MOUSE_CMD_RESET_WRAP && byte != PS2_MOUSE_CMD_RESET) {
        reply[0] = byte;
        return 1;
    }
    /* Option bytes are always below the commands: such a byte after E8/F3
     * starts a new command (see ps2_kbd_write). */
    if (m->pending_cmd && byte < PS2_MOUSE_FIRST_COMMAND)
        return ps2_mouse_option(m, byte, reply);
    return ps2_mouse_command(m, byte, reply);
}

/* A command stops the stream: movement packets not yet read are dropped so
 * that the reply is not interleaved with half a packet, and the host reads
 * the reply next. */
void ps2_mouse_write(PS2Mouse *m, uint8_t byte)
{
    uint8_t reply[PS2_MOUSE_MAX_REPLY];
    unsigned n;

    ps2_queue_drop_data(&m->queue);
    if (byte == PS2_MOUSE_CMD_RESEND && !m->wrap) {
        /* IBM, "Resend": the last packet (or reply) again. */
        n = m->resend_len < sizeof(reply) ? m->resend_len : sizeof(reply);
        memcpy(reply, m->resend, n);
    } else {
        n = ps2_mouse_respond(m, byte, reply);
        ps2_mouse_remember(m, reply, n);
    }
    for (unsigned i = 0; i < n; i++) {
        if (!ps2_queue_push_reply(&m->queue, reply[i]))
            log_printf(m->log, LOG_GUEST_ERROR, "ps2-mouse: reply lost, host not reading\n");
    }
    ps2_mouse_notify(m);
}

/* --- Life cycle ----------------------------------------------------------- */

static void ps2_mouse_reset(DeviceState *dev)
{
    PS2Mouse *m = (PS2Mouse *)dev;
    ps2_queue_clear(&m->queue);
    m->pending_cmd = 0;
    m->wrap = false;
    m->device_id = PS2_MOUSE_ID_STANDARD;
    memset(m->rate_history, 0, sizeof(m->rate_history));
    m->buttons = 0;
    ps2_mouse_set_defaults(m);
    m->resend_len = 0;
}

PS2Mouse *ps2_mouse_new(void (*data_ready)(void *opaque), void *opaque, const Log *log)
{
    PS2Mouse *m = g_new0(PS2Mouse, 1);
    m->dev.name = "ps2-mouse";
    m->dev.reset = ps2_mouse_reset;
    m->dev.fields = ps2_mouse_vmstate;
    m->data_ready = data_ready;
    m->data_ready_opaque = opaque;
    m->log = log;
    ps2_mouse_reset(&m->dev);
    return m;
}

void ps2_mouse_free(PS2Mouse *m)
{
    g_free(m);
}
