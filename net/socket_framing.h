/* QEMU's framing of Ethernet frames on a stream socket (-netdev socket,listen=/connect=,
 * QEMU's net/socket.c): each frame is preceded by its length, a 32-bit big-endian
 * integer. The reader below reassembles frames from whatever pieces the stream
 * delivers. */
#ifndef PACIFICA_NET_SOCKET_FRAMING_H
#define PACIFICA_NET_SOCKET_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_LEN 4

typedef struct FrameReader {
    size_t max_frame;
    uint8_t *buf;           /* bytes received and not yet returned as frames */
    size_t len, cap, start; /* buf[start, len) is pending */
    int broken;             /* a length over max_frame (or 0) was read */
} FrameReader;

void frame_header_encode(uint8_t hdr[FRAME_HEADER_LEN], uint32_t len);
void frame_reader_init(FrameReader *r, size_t max_frame);
/* Frees the buffer and forgets partial input. */
void frame_reader_reset(FrameReader *r);
/* Appends stream bytes; -1 if the stream announced a frame length of 0 or over
 * max_frame (the peer is not speaking this protocol). */
int frame_reader_feed(FrameReader *r, const uint8_t *data, size_t len);
/* 1 and the next whole frame (valid until the next feed), or 0 if none is complete. */
int frame_reader_next(FrameReader *r, const uint8_t **frame, size_t *len);

#endif
