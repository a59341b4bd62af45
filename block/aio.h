/* Asynchronous block requests: a thread pool runs the block layer's synchronous
 * requests so that no vCPU and no main-loop iteration ever waits for the disk, and
 * completions come back to one thread — the main loop — through a completion queue.
 *
 * How the main loop drives it (one AioContext per machine):
 *   - poll aio_context_fd(ctx) for POLLIN with its other descriptors (an eventfd that
 *     is readable while completions wait);
 *   - when it is readable, take the machine lock and call
 *     aio_context_run_completions(ctx): each finished request's complete() callback
 *     then runs with the lock held, as device code expects.
 * Instead of (or as well as) polling the fd, a notify callback (machine_wake) can be
 * set: it is called from the worker thread each time a completion is queued.
 *
 * A device that must wait for its own requests (device reset) calls
 * aio_context_wait() in a loop, with the machine lock held: it blocks for the next
 * completion and runs the queued callbacks itself.
 */
#ifndef PACIFICA_BLOCK_AIO_H
#define PACIFICA_BLOCK_AIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "block/block.h"

#define AIO_DEFAULT_THREADS 4

typedef enum BlockOp {
    BLOCK_OP_READ,
    BLOCK_OP_WRITE,
    BLOCK_OP_FLUSH,
    BLOCK_OP_DISCARD,
    BLOCK_OP_WRITE_ZEROES,
} BlockOp;

typedef struct BlockRequest BlockRequest;

/* Filled by the submitter, which owns the memory until complete() is called. iov must
 * stay valid (and the buffers it names) until then. */
struct BlockRequest {
    BlockOp op;
    BlockNode *node;
    uint64_t offset, bytes; /* bytes: for discard/write-zeroes (reads/writes use iov) */
    const struct iovec *iov;
    int niov;
    bool may_unmap; /* write-zeroes */
    /* Runs on the thread that calls aio_context_run_completions/aio_context_wait. */
    void (*complete)(BlockRequest *req, int ret);
    void *opaque;
    /* Private to the pool. */
    int ret;
    BlockRequest *next;
};

typedef struct AioContext AioContext;

/* threads: worker count (0: AIO_DEFAULT_THREADS). NULL if the eventfd cannot be made. */
AioContext *aio_context_new(unsigned threads);
/* Waits for every request, drops completions not yet run, stops the workers. */
void aio_context_free(AioContext *ctx);
void aio_context_set_notify(AioContext *ctx, void (*notify)(void *opaque), void *opaque);
int aio_context_fd(AioContext *ctx);

void aio_submit(AioContext *ctx, BlockRequest *req);
/* Runs the callbacks of the requests that have finished; returns how many. */
unsigned aio_context_run_completions(AioContext *ctx);
/* Blocks until at least one submitted request has finished (returns 0 at once if none
 * is in flight) and runs the finished ones' callbacks; returns how many ran. */
unsigned aio_context_wait(AioContext *ctx);
/* Requests submitted whose callback has not run yet. */
unsigned aio_context_in_flight(AioContext *ctx);

/* Runs one request synchronously (what a worker does); returns its result. */
int block_request_execute(BlockRequest *req);

#endif
