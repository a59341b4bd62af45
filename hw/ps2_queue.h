/* The output buffer of a PS/2 device (keyboard or mouse): bytes waiting to be
 * clocked to the host, oldest first.
 *
 * Two kinds of bytes share it. Data (scan codes, movement packets) is appended
 * at the back; the device bounds it (16 bytes on a keyboard, IBM PS/2 Keyboard
 * Technical Reference "Keyboard buffer"). Replies to host commands (ACK, IDs,
 * status) go ahead of every data byte still waiting, after earlier replies:
 * a host that sends a command waits for its ACK as the next byte it reads, and
 * QEMU's PS/2 devices queue command replies the same way.
 *
 * count and replies come from saved state too, so every use clamps them: a
 * corrupt snapshot cannot make an index leave the array.
 */
#ifndef PACIFICA_HW_PS2_QUEUE_H
#define PACIFICA_HW_PS2_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Room for the 16 data bytes, a keyboard's overrun code and a few replies. */
#define PS2_QUEUE_SIZE 32

typedef struct PS2Queue {
    uint8_t bytes[PS2_QUEUE_SIZE];
    uint8_t count;   /* bytes queued */
    uint8_t replies; /* how many of the first bytes are command replies */
} PS2Queue;

static inline unsigned ps2_queue_len(const PS2Queue *q)
{
    return q->count < PS2_QUEUE_SIZE ? q->count : PS2_QUEUE_SIZE;
}

static inline unsigned ps2_queue_reply_len(const PS2Queue *q)
{
    unsigned len = ps2_queue_len(q);
    return q->replies < len ? q->replies : len;
}

static inline unsigned ps2_queue_data_len(const PS2Queue *q)
{
    return ps2_queue_len(q) - ps2_queue_reply_len(q);
}

static inline bool ps2_queue_empty(const PS2Queue *q)
{
    return ps2_queue_len(q) == 0;
}

static inline void ps2_queue_clear(PS2Queue *q)
{
    memset(q, 0, sizeof(*q));
}

/* Drops the data bytes, keeping the replies. */
static inline void ps2_queue_drop_data(PS2Queue *q)
{
    q->count = (uint8_t)ps2_queue_reply_len(q);
    q->replies = q->count;
}

/* Appends a data byte; false (byte lost) when the queue is full. */
static inline bool ps2_queue_push_data(PS2Queue *q, uint8_t byte)
{
    unsigned len = ps2_queue_len(q);
    if (len >= PS2_QUEUE_SIZE)
        return false;
    q->bytes[len] = byte;
    q->count = (uint8_t)(len + 1);
    return true;
}

/* Inserts a reply after the replies already queued, ahead of all data. */
static inline bool ps2_queue_push_reply(PS2Queue *q, uint8_t byte)
{
    unsigned len = ps2_queue_len(q);
    unsigned at = ps2_queue_reply_len(q);
    if (len >= PS2_QUEUE_SIZE)
        return false;
    memmove(&q->bytes[at + 1], &q->bytes[at], len - at);
    q->bytes[at] = byte;
    q->count = (uint8_t)(len + 1);
    q->replies = (uint8_t)(at + 1);
    return true;
}

/* The last data byte queued, or -1 if there is none. */
static inline int ps2_queue_last_data(const PS2Queue *q)
{
    if (ps2_queue_data_len(q) == 0)
        return -1;
    return q->bytes[ps2_queue_len(q) - 1];
}

/* Removes and returns the oldest byte (0 from an empty queue). */
static inline uint8_t ps2_queue_pop(PS2Queue *q)
{
    unsigned len = ps2_queue_len(q);
    unsigned replies = ps2_queue_reply_len(q);
    if (len == 0)
        return 0;
    uint8_t byte = q->bytes[0];
    memmove(&q->bytes[0], &q->bytes[1], len - 1);
    q->count = (uint8_t)(len - 1);
    q->replies = (uint8_t)(replies ? replies - 1 : 0);
    return byte;
}

#endif
