/* gdb remote serial protocol framing (gdb manual, "Remote Protocol", "Overview"):
 * a packet is '$' data '#' and two hex digits of the modulo-256 sum of data; the
 * receiver answers '+' (good) or '-' (resend). In data, '}' escapes the next byte
 * (XOR 0x20). Outside packets, 0x03 is an interrupt request (Ctrl-C).
 *
 * The parser takes any byte stream: junk between packets is ignored, an over-long
 * packet is dropped whole (and answered '-'), and nothing is ever read or written
 * outside its fixed buffers. */
#ifndef PACIFICA_GDBSTUB_PACKET_H
#define PACIFICA_GDBSTUB_PACKET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The PacketSize announced in qSupported: the largest packet data gdb may send. */
#define GDB_PACKET_MAX 4096

typedef enum GdbPacketEvent {
    GDB_EVENT_NONE,       /* the byte was consumed; nothing complete yet */
    GDB_EVENT_PACKET,     /* a packet with a good checksum: answer '+' */
    GDB_EVENT_BAD_PACKET, /* wrong checksum, bad hex or too long: answer '-' */
    GDB_EVENT_INTERRUPT,  /* 0x03 outside a packet */
    GDB_EVENT_ACK,        /* '+' */
    GDB_EVENT_NACK,       /* '-': resend the last packet */
} GdbPacketEvent;

typedef struct GdbPacketParser {
    enum { GDB_PARSE_IDLE, GDB_PARSE_DATA, GDB_PARSE_ESCAPE, GDB_PARSE_SUM1, GDB_PARSE_SUM2 } state;
    uint8_t sum;                   /* running checksum of the raw data */
    uint8_t given;                 /* the checksum's first digit once read */
    bool overflow;                 /* data beyond GDB_PACKET_MAX: the packet is dropped */
    bool bad_digit;                /* a checksum character that is not hex */
    size_t len;                    /* bytes in data */
    char data[GDB_PACKET_MAX + 1]; /* unescaped, NUL-terminated on GDB_EVENT_PACKET */
} GdbPacketParser;

void gdb_packet_parser_init(GdbPacketParser *p);
/* Feeds one received byte; on GDB_EVENT_PACKET p->data/p->len hold the packet. */
GdbPacketEvent gdb_packet_feed(GdbPacketParser *p, uint8_t byte);

/* Appends "$data#cs" to out, escaping '$', '#', '}' and '*' in data. */
void gdb_packet_frame(GString *out, const void *data, size_t len);

/* ---- hex, as the packets carry numbers and bytes ---- */

/* The value of a hex digit, or -1. */
int gdb_hex_digit(int c);
/* Parses a hex number at *s (at least one digit, at most 16), moving *s past it. */
bool gdb_parse_hex(const char **s, uint64_t *val);
/* Decodes 2 * len hex digits at hex into buf; false on a bad digit or short input. */
bool gdb_hex_to_bytes(const char *hex, size_t hex_len, uint8_t *buf, size_t len);
/* Appends len bytes as 2 * len lowercase hex digits. */
void gdb_bytes_to_hex(GString *out, const void *buf, size_t len);

#endif
