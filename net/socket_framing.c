/* Length-prefixed frames on a stream (see socket_framing.h). */
#include "net/socket_framing.h"

#include <glib.h>
#include <string.h>

void frame_header_encode(uint8_t hdr[FRAME_HEADER_LEN], uint32_t len)
{
    hdr[0] = (uint8_t)(len >> 24);
    hdr[1] = (uint8_t)(len >> 16);
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
}

static uint32_t header_decode(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void frame_reader_init(FrameReader *r, size_t max_frame)
{
    memset(r, 0, sizeof(*r));
    r->max_frame = max_frame;
}

void frame_reader_reset(FrameReader *r)
{
    g_free(r->buf);
    frame_reader_init(r, r->max_frame);
}

/* Checks the length of the frame at start, if its header has arrived. */
static int check_header(FrameReader *r)
{
    if (r->len - r->start < FRAME_HEADER_LEN)
        return 0;
    uint32_t n = header_decode(r->buf + r->start);
    if (n == 0 || n > r->max_frame)
        r->broken = 1;
    return r->broken ? -1 : 0;
}

int frame_reader_feed(FrameReader *r, const uint8_t *data, size_t len)
{
    if (r->broken)
        return -1;
    /* Slide what is pending to the front before growing. */
    if (r->start) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->start = 0;
    }
    if (r->len + len > r->cap) {
        r->cap = MAX(r->len + len, r->cap * 2);
        r->buf = g_realloc(r->buf, r->cap);
    }
    memcpy(r->buf + r->len, data, len);
    r->len += len;
    return check_header(r);
}

int frame_reader_next(FrameReader *r, const uint8_t **frame, size_t *len)
{
    if (r->broken || check_header(r) < 0 || r->len - r->start < FRAME_HEADER_LEN)
        return 0;
    uint32_t n = header_decode(r->buf + r->start);
    if (r->len - r->start - FRAME_HEADER_LEN < n)
        return 0;
    *frame = r->buf + r->start + FRAME_HEADER_LEN;
    *len = n;
    r->start += FRAME_HEADER_LEN + n;
    return 1;
}
