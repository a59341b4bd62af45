/* gdb remote serial protocol framing and hex helpers (packet.h). */
#include "gdbstub/packet.h"

#include <string.h>

void gdb_packet_parser_init(GdbPacketParser *p)
{
    memset(p, 0, sizeof(*p));
    p->state = GDB_PARSE_IDLE;
}

int gdb_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static GdbPacketEvent feed_idle(GdbPacketParser *p, uint8_t byte)
{
    switch (byte) {
    case '$':
        p->state = GDB_PARSE_DATA;
        p->sum = 0;
        p->len = 0;
        p->overflow = false;
        p->bad_digit = false;
        return GDB_EVENT_NONE;
    case 0x03: return GDB_EVENT_INTERRUPT;
    case '+': return GDB_EVENT_ACK;
    case '-': return GDB_EVENT_NACK;
    default: return GDB_EVENT_NONE; /* junk between packets */
    }
}

static void store(GdbPacketParser *p, uint8_t byte)
{
    if (p->len >= GDB_PACKET_MAX) {
        p->overflow = true;
        return;
    }
    p->data[p->len++] = (char)byte;
}

/* The checksum's second digit ends the packet. */
static GdbPacketEvent finish(GdbPacketParser *p, uint8_t byte)
{
    int lo = gdb_hex_digit(byte);
    p->state = GDB_PARSE_IDLE;
    if (lo < 0 || p->bad_digit || p->overflow || (uint8_t)(p->given << 4 | lo) != p->sum)
        return GDB_EVENT_BAD_PACKET;
    p->data[p->len] = 0;
    return GDB_EVENT_PACKET;
}

GdbPacketEvent gdb_packet_feed(GdbPacketParser *p, uint8_t byte)
{
    switch (p->state) {
    case GDB_PARSE_IDLE: return feed_idle(p, byte);
    case GDB_PARSE_DATA:
        if (byte == '#') {
            p->state = GDB_PARSE_SUM1;
            return GDB_EVENT_NONE;
        }
        /* A '$' inside a packet means the sender gave up on the last one (gdb does
         * so after a timeout): start again. */
        if (byte == '$')
            return feed_idle(p, byte);
        p->sum += byte;
        if (byte == '}')
            p->state = GDB_PARSE_ESCAPE;
        else
            store(p, byte);
        return GDB_EVENT_NONE;
    case GDB_PARSE_ESCAPE:
        p->sum += byte;
        store(p, byte ^ 0x20);
        p->state = GDB_PARSE_DATA;
        return GDB_EVENT_NONE;
    case GDB_PARSE_SUM1: {
        int hi = gdb_hex_digit(byte);
        p->bad_digit = hi < 0;
        p->given = (uint8_t)(hi < 0 ? 0 : hi);
        p->state = GDB_PARSE_SUM2;
        return GDB_EVENT_NONE;
    }
    case GDB_PARSE_SUM2: return finish(p, byte);
    }
    p->state = GDB_PARSE_IDLE;
    return GDB_EVENT_NONE;
}

void gdb_packet_frame(GString *out, const void *data, size_t len)
{
    const uint8_t *b = data;
    uint8_t sum = 0;
    g_string_append_c(out, '$');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = b[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(out, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(out, (char)c);
        sum += c;
    }
    g_string_append_printf(out, "#%02x", sum);
}

bool gdb_parse_hex(const char **s, uint64_t *val)
{
    const char *p = *s;
    uint64_t v = 0;
    int n = 0;
    for (int d; (d = gdb_hex_digit((unsigned char)*p)) >= 0; p++) {
        if (++n > 16)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (n == 0)
        return false;
    *s = p;
    *val = v;
    return true;
}

bool gdb_hex_to_bytes(const char *hex, size_t hex_len, uint8_t *buf, size_t len)
{
    if (hex_len < 2 * len)
        return false;
    for (size_t i = 0; i < len; i++) {
        int hi = gdb_hex_digit((unsigned char)hex[2 * i]);
        int lo = gdb_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void gdb_bytes_to_hex(GString *out, const void *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        g_string_append_c(out, digits[b[i] >> 4]);
        g_string_append_c(out, digits[b[i] & 15]);
    }
}
