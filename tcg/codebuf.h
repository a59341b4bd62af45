/* The executable code buffer of a native backend: one region of host memory that
 * generated code is written to and run from.
 *
 * W^X: the region is mapped twice from one memfd, once read-write (where the code
 * generator writes) and once read-execute (where the code runs), so no page is ever
 * writable and executable through the same address. If memfd_create or the second
 * mapping is refused (an old kernel, a sandbox), it falls back to one read-write-execute
 * mapping and says so in `dual`.
 *
 * Space is handed out by bumping a pointer; nothing is freed one piece at a time: when
 * the buffer is full its owner drops every translation at once (codebuf_reset) at a
 * point where no thread runs code from it. */
#ifndef PACIFICA_TCG_CODEBUF_H
#define PACIFICA_TCG_CODEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct CodeBuffer {
    uint8_t *rw;         /* the writable view */
    uint8_t *rx;         /* the executable view (== rw without a dual mapping) */
    size_t size;         /* bytes in each view */
    size_t used;         /* bytes handed out */
    int fd;              /* the memfd, or -1 */
    bool dual;           /* two views (W^X); false: one RWX mapping */
    unsigned generation; /* incremented by every reset */
} CodeBuffer;

/* Maps a buffer of at least size bytes (rounded up to pages). Returns false with
 * errno set if no executable memory could be had at all. */
bool codebuf_init(CodeBuffer *cb, size_t size);
void codebuf_destroy(CodeBuffer *cb);

/* The address in the executable view of a byte of the writable view, and back. */
static inline const uint8_t *codebuf_rx_of(const CodeBuffer *cb, const uint8_t *rw)
{
    return cb->rx + (rw - cb->rw);
}

static inline uint8_t *codebuf_rw_of(const CodeBuffer *cb, const uint8_t *rx)
{
    return cb->rw + (rx - cb->rx);
}

/* The writable start of the free space and how many bytes are left in it. */
static inline uint8_t *codebuf_free_start(const CodeBuffer *cb)
{
    return cb->rw + cb->used;
}

static inline size_t codebuf_free_bytes(const CodeBuffer *cb)
{
    return cb->size - cb->used;
}

/* Marks n more bytes (from codebuf_free_start) as used, rounded up to align (a power of
 * two). */
void codebuf_commit(CodeBuffer *cb, size_t n, size_t align);

/* Forgets everything handed out. Only when no thread runs code from the buffer. */
void codebuf_reset(CodeBuffer *cb);

/* Whether an executable-view address lies in the buffer. */
static inline bool codebuf_contains(const CodeBuffer *cb, const void *rx)
{
    const uint8_t *p = rx;
    return p >= cb->rx && p < cb->rx + cb->size;
}

#endif
