/* The block layer's thread pool: workers take requests from a FIFO, run them with the
 * synchronous block functions, and queue them as finished; the owner's thread runs
 * the completion callbacks. An eventfd counts the finished requests not yet handed
 * back, so a poll() loop can wait on it. */
#include "block/aio.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct AioContext {
    pthread_mutex_t lock;
    pthread_cond_t work_cond; /* workers wait for requests */
    BlockRequest *pending_head, *pending_tail;
    BlockRequest *done_head, *done_tail;
    unsigned in_flight; /* submitted, callback not yet run */
    bool stopping;
    int event_fd;
    void (*notify)(void *opaque);
    void *notify_opaque;
    unsigned nthreads, started;
    pthread_t *threads;
};

int block_request_execute(BlockRequest *req)
{
    switch (req->op) {
    case BLOCK_OP_READ: return block_preadv(req->node, req->offset, req->iov, req->niov);
    case BLOCK_OP_WRITE: return block_pwritev(req->node, req->offset, req->iov, req->niov);
    case BLOCK_OP_FLUSH: return block_flush(req->node);
    case BLOCK_OP_DISCARD: return block_discard(req->node, req->offset, req->bytes);
    case BLOCK_OP_WRITE_ZEROES:
        return block_write_zeroes(req->node, req->offset, req->bytes, req->may_unmap);
    }
    return -EINVAL;
}

static void queue_append(BlockRequest **head, BlockRequest **tail, BlockRequest *req)
{
    req->next = NULL;
    if (*tail)
        (*tail)->next = req;
    else
        *head = req;
    *tail = req;
}

static void *aio_worker(void *opaque)
{
    AioContext *ctx = opaque;
    pthread_mutex_lock(&ctx->lock);
    for (;;) {
        while (!ctx->pending_head && !ctx->stopping)
            pthread_cond_wait(&ctx->work_cond, &ctx->lock);
        BlockRequest *req = ctx->pending_head;
        if (!req)
            break; /* stopping and nothing left */
        ctx->pending_head = req->next;
        if (!ctx->pending_head)
            ctx->pending_tail = NULL;
        pthread_mutex_unlock(&ctx->lock);

        req->ret = block_request_execute(req);

        pthread_mutex_lock(&ctx->lock);
        queue_append(&ctx->done_head, &ctx->done_tail, req);
        uint64_t one = 1;
        ssize_t w = write(ctx->event_fd, &one, sizeof(one));
        (void)w; /* the counter cannot overflow: at most one per request */
        void (*notify)(void *) = ctx->notify;
        void *notify_opaque = ctx->notify_opaque;
        pthread_mutex_unlock(&ctx->lock);
        if (notify)
            notify(notify_opaque);
        pthread_mutex_lock(&ctx->lock);
    }
    pthread_mutex_unlock(&ctx->lock);
    return NULL;
}

AioContext *aio_context_new(unsigned threads)
{
    AioContext *ctx = g_new0(AioContext, 1);
    ctx->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ctx->event_fd < 0) {
        g_free(ctx);
        return NULL;
    }
    pthread_mutex_init(&ctx->lock, NULL);
    pthread_cond_init(&ctx->work_cond, NULL);
    ctx->nthreads = threads ? threads : AIO_DEFAULT_THREADS;
    ctx->threads = g_new0(pthread_t, ctx->nthreads);
    return ctx;
}

void aio_context_free(AioContext *ctx)
{
    if (!ctx)
        return;
    pthread_mutex_lock(&ctx->lock);
    ctx->stopping = true;
    pthread_cond_broadcast(&ctx->work_cond);
    pthread_mutex_unlock(&ctx->lock);
    for (unsigned i = 0; i < ctx->started; i++)
        pthread_join(ctx->threads[i], NULL);
    close(ctx->event_fd);
    pthread_cond_destroy(&ctx->work_cond);
    pthread_mutex_destroy(&ctx->lock);
    g_free(ctx->threads);
    g_free(ctx);
}

void aio_context_set_notify(AioContext *ctx, void (*notify)(void *opaque), void *opaque)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->notify = notify;
    ctx->notify_opaque = opaque;
    pthread_mutex_unlock(&ctx->lock);
}

int aio_context_fd(AioContext *ctx)
{
    return ctx->event_fd;
}

/* Workers start with the first requests, one more each time the queue is not empty
 * when a request arrives, up to nthreads. Called with the lock held. */
static void maybe_start_worker(AioContext *ctx, bool queue_was_empty)
{
    if (ctx->started == ctx->nthreads || (queue_was_empty && ctx->started > 0))
        return;
    if (pthread_create(&ctx->threads[ctx->started], NULL, aio_worker, ctx) == 0)
        ctx->started++;
}

void aio_submit(AioContext *ctx, BlockRequest *req)
{
    pthread_mutex_lock(&ctx->lock);
    bool was_empty = ctx->pending_head == NULL;
    queue_append(&ctx->pending_head, &ctx->pending_tail, req);
    ctx->in_flight++;
    maybe_start_worker(ctx, was_empty);
    if (ctx->started == 0) {
        /* No thread could be made: run it here, completing later as usual. */
        ctx->pending_head = req->next;
        if (!ctx->pending_head)
            ctx->pending_tail = NULL;
        pthread_mutex_unlock(&ctx->lock);
        req->ret = block_request_execute(req);
        pthread_mutex_lock(&ctx->lock);
        queue_append(&ctx->done_head, &ctx->done_tail, req);
        uint64_t one = 1;
        ssize_t w = write(ctx->event_fd, &one, sizeof(one));
        (void)w;
    } else {
        pthread_cond_signal(&ctx->work_cond);
    }
    pthread_mutex_unlock(&ctx->lock);
}

unsigned aio_context_run_completions(AioContext *ctx)
{
    uint64_t count;
    ssize_t r = read(ctx->event_fd, &count, sizeof(count));
    (void)r; /* EAGAIN: nothing counted; the queue below is what matters */
    pthread_mutex_lock(&ctx->lock);
    BlockRequest *list = ctx->done_head;
    ctx->done_head = ctx->done_tail = NULL;
    pthread_mutex_unlock(&ctx->lock);
    unsigned n = 0;
    while (list) {
        BlockRequest *req = list;
        list = req->next;
        pthread_mutex_lock(&ctx->lock);
        ctx->in_flight--;
        pthread_mutex_unlock(&ctx->lock);
        req->complete(req, req->ret);
        n++;
    }
    return n;
}

unsigned aio_context_wait(AioContext *ctx)
{
    for (;;) {
        unsigned n = aio_context_run_completions(ctx);
        if (n > 0 || aio_context_in_flight(ctx) == 0)
            return n;
        struct pollfd p = {.fd = ctx->event_fd, .events = POLLIN};
        while (poll(&p, 1, -1) < 0 && errno == EINTR) {
        }
    }
}

unsigned aio_context_in_flight(AioContext *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    unsigned n = ctx->in_flight;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}
