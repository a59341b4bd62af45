/* The generic block layer and the raw driver: probing, range checks, read-only
 * images, reads past the end of a short file, write-zeroes and discard, cache-mode
 * names, the -snapshot overlay (writes never reach the image; nothing left behind),
 * iovec helpers, and the thread pool (completions only when run, eventfd and notify
 * callback, wait). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/aio.h"
#include "block/block.h"

typedef struct Fixture {
    char *dir, *raw;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("pacifica-block-XXXXXX", NULL);
    f->raw = g_build_filename(f->dir, "disk.raw", NULL);
    int fd = open(f->raw, O_RDWR | O_CREAT, 0644);
    uint8_t buf[4096];
    for (int i = 0; i < 256; i++) {
        memset(buf, i, sizeof(buf));
        g_assert_cmpint(write(fd, buf, sizeof(buf)), ==, sizeof(buf));
    }
    close(fd);
    g_setenv("TMPDIR", f->dir, TRUE);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    GDir *d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *p = g_build_filename(f->dir, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    g_dir_close(d);
    g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f->raw);
}

static BlockNode *open_raw(Fixture *f, bool read_only)
{
    BlockOpenOptions o = {.filename = f->raw, .read_only = read_only, .discard_unmap = true};
    char *err = NULL;
    BlockNode *n = block_open(&o, &err);
    g_assert_null(err);
    g_assert_nonnull(n);
    return n;
}

static void test_raw_basic(Fixture *f, gconstpointer data)
{
    (void)data;
    BlockNode *n = open_raw(f, false);
    g_assert_cmpstr(n->drv->name, ==, "raw"); /* probed */
    g_assert_cmpuint(n->size, ==, 256 * 4096);
    uint8_t buf[8192];
    g_assert_cmpint(block_pread(n, 4096 * 3 + 100, buf, 8192), ==, 0);
    g_assert_cmpuint(buf[0], ==, 3);
    g_assert_cmpuint(buf[4095], ==, 4);
    g_assert_cmpuint(buf[8191], ==, 5);
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpint(block_pwrite(n, 1000, buf, 3000), ==, 0);
    uint8_t back[3000];
    g_assert_cmpint(block_pread(n, 1000, back, sizeof(back)), ==, 0);
    g_assert_cmpmem(back, sizeof(back), buf, 3000);
    /* Out of range. */
    g_assert_cmpint(block_pread(n, n->size - 10, buf, 20), ==, -EINVAL);
    g_assert_cmpint(block_pwrite(n, n->size, buf, 1), ==, -EINVAL);
    g_assert_cmpint(block_pread(n, UINT64_MAX - 5, buf, 10), ==, -EINVAL);
    g_assert_cmpint(block_flush(n), ==, 0);
    block_close(n);
}

/* Scatter-gather: several iovecs at once. */
static void test_raw_vectors(Fixture *f, gconstpointer data)
{
    (void)data;
    BlockNode *n = open_raw(f, false);
    uint8_t a[100], b[5000], c[1];
    struct iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
    g_assert_cmpint(block_preadv(n, 4000, iov, 3), ==, 0);
    g_assert_cmpuint(a[0], ==, 0);
    g_assert_cmpuint(a[99], ==, 1);
    g_assert_cmpuint(b[4999], ==, 2);
    g_assert_cmpuint(c[0], ==, 2);
    block_close(n);
}

static void test_read_only(Fixture *f, gconstpointer data)
{
    (void)data;
    BlockNode *n = open_raw(f, true);
    uint8_t buf[512] = {0};
    g_assert_cmpint(block_pwrite(n, 0, buf, sizeof(buf)), ==, -EROFS);
    g_assert_cmpint(block_write_zeroes(n, 0, 512, true), ==, -EROFS);
    g_assert_cmpint(block_discard(n, 0, 512), ==, -EROFS);
    block_close(n);
    /* A file we may not write, opened read-write: a clear error naming it. */
    if (geteuid() == 0) {
        g_test_message("root can write read-only files; checking EROFS-style message only");
    } else {
        g_assert_cmpint(chmod(f->raw, 0444), ==, 0);
        BlockOpenOptions o = {.filename = f->raw};
        char *err = NULL;
        g_assert_null(block_open(&o, &err));
        g_assert_true(strstr(err, f->raw) && strstr(err, "read-write"));
        g_free(err);
    }
    BlockOpenOptions o = {.filename = "/nonexistent/x.img"};
    char *err = NULL;
    g_assert_null(block_open(&o, &err));
    g_assert_true(strstr(err, "/nonexistent/x.img") != NULL);
    g_free(err);
    o = (BlockOpenOptions){.filename = f->raw, .format = "vdi"};
    g_assert_null(block_open(&o, &err));
    g_assert_true(strstr(err, "vdi") != NULL);
    g_free(err);
}

/* An image whose size is not a whole number of sectors reads zeros past its end. */
static void test_short_file(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpint(truncate(f->raw, 1000), ==, 0);
    BlockNode *n = open_raw(f, true);
    g_assert_cmpuint(n->size, ==, 1024);
    uint8_t buf[1024];
    memset(buf, 0x77, sizeof(buf));
    g_assert_cmpint(block_pread(n, 0, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(buf[999], ==, 0);
    g_assert_cmpuint(buf[1000], ==, 0);
    g_assert_cmpuint(buf[1023], ==, 0);
    block_close(n);
}

static void test_zeroes_discard(Fixture *f, gconstpointer data)
{
    (void)data;
    BlockNode *n = open_raw(f, false);
    uint8_t buf[8192];
    g_assert_cmpint(block_write_zeroes(n, 4096, 8192, false), ==, 0);
    g_assert_cmpint(block_pread(n, 4096, buf, 8192), ==, 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        g_assert_cmpuint(buf[i], ==, 0);
    g_assert_cmpint(block_write_zeroes(n, 3 * 4096, 4096, true), ==, 0);
    g_assert_cmpint(block_pread(n, 3 * 4096, buf, 4096), ==, 0);
    for (size_t i = 0; i < 4096; i++)
        g_assert_cmpuint(buf[i], ==, 0);
    g_assert_cmpint(block_pread(n, 4 * 4096, buf, 1), ==, 0);
    g_assert_cmpuint(buf[0], ==, 4);
    g_assert_cmpint(block_discard(n, 10 * 4096, 4096), ==, 0);
    block_close(n);
    /* discard=ignore (the default) leaves data alone. */
    BlockOpenOptions o = {.filename = f->raw};
    char *err = NULL;
    n = block_open(&o, &err);
    g_assert_cmpint(block_discard(n, 20 * 4096, 4096), ==, 0);
    g_assert_cmpint(block_pread(n, 20 * 4096, buf, 1), ==, 0);
    g_assert_cmpuint(buf[0], ==, 20);
    block_close(n);
}

static void test_cache_modes(Fixture *f, gconstpointer data)
{
    (void)data;
    static const char *names[] = {"writeback", "writethrough", "none", "directsync", "unsafe"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        BlockCacheMode m;
        g_assert_true(block_parse_cache_mode(names[i], &m));
        g_assert_cmpint(m, ==, (int)i);
        BlockOpenOptions o = {.filename = f->raw, .cache = m};
        char *err = NULL;
        BlockNode *n = block_open(&o, &err);
        uint8_t b = 9;
        g_assert_cmpint(block_pwrite(n, 0, &b, 1), ==, 0);
        g_assert_cmpint(block_flush(n), ==, 0);
        block_close(n);
    }
    BlockCacheMode m;
    g_assert_false(block_parse_cache_mode("sometimes", &m));
}

/* -snapshot: writes land in a temporary overlay; the image keeps its bytes, and the
 * overlay file is already gone while the node is open. */
static void test_snapshot(Fixture *f, gconstpointer data)
{
    (void)data;
    BlockOpenOptions o = {.filename = f->raw, .snapshot = true};
    char *err = NULL;
    BlockNode *n = block_open(&o, &err);
    g_assert_null(err);
    g_assert_nonnull(n);
    g_assert_cmpstr(n->drv->name, ==, "qcow2");
    g_assert_nonnull(n->backing);
    g_assert_true(n->backing->read_only);
    g_assert_cmpuint(n->size, ==, 256 * 4096);
    uint8_t buf[5000];
    memset(buf, 0xcd, sizeof(buf));
    g_assert_cmpint(block_pwrite(n, 4096 * 7 + 10, buf, sizeof(buf)), ==, 0);
    uint8_t back[12288];
    g_assert_cmpint(block_pread(n, 4096 * 7, back, sizeof(back)), ==, 0);
    g_assert_cmpuint(back[9], ==, 7);
    g_assert_cmpuint(back[10], ==, 0xcd);
    g_assert_cmpuint(back[5009], ==, 0xcd);
    g_assert_cmpuint(back[5010], ==, 8);
    g_assert_cmpuint(back[12287], ==, 9);
    /* Only the raw image is in the directory. */
    GDir *d = g_dir_open(f->dir, 0, NULL);
    unsigned files = 0;
    while (g_dir_read_name(d))
        files++;
    g_dir_close(d);
    g_assert_cmpuint(files, ==, 1);
    block_close(n);
    n = open_raw(f, true);
    g_assert_cmpint(block_pread(n, 4096 * 7 + 10, back, 1), ==, 0);
    g_assert_cmpuint(back[0], ==, 7);
    block_close(n);
}

static void test_iov_helpers(Fixture *f, gconstpointer data)
{
    (void)f;
    (void)data;
    uint8_t a[4], b[6], c[3];
    struct iovec iov[3] = {{a, 4}, {b, 6}, {c, 3}};
    g_assert_cmpuint(iov_size(iov, 3), ==, 13);
    struct iovec out[3];
    g_assert_cmpint(iov_slice(iov, 3, 2, 9, out, 3), ==, 3);
    g_assert_true(out[0].iov_base == a + 2 && out[0].iov_len == 2);
    g_assert_true(out[1].iov_base == b && out[1].iov_len == 6);
    g_assert_true(out[2].iov_base == c && out[2].iov_len == 1);
    g_assert_cmpint(iov_slice(iov, 3, 2, 9, out, 2), ==, -1);
    g_assert_cmpint(iov_slice(iov, 3, 10, 9, out, 3), ==, -1); /* too short */
    const char *text = "0123456789abc";
    iov_from_buf(iov, 3, 0, text, 13);
    g_assert_cmpmem(b, 6, "456789", 6);
    char got[5];
    iov_to_buf(iov, 3, 3, got, 5);
    g_assert_cmpmem(got, 5, "34567", 5);
    iov_memset(iov, 3, 8, 'z', 3);
    g_assert_cmpmem(b + 4, 2, "zz", 2);
    g_assert_cmpuint(c[0], ==, 'z');
    g_assert_cmpuint(c[1], ==, 'b');
}

typedef struct Job {
    BlockRequest req;
    struct iovec iov;
    uint8_t buf[4096];
    int ret;
    int done;
} Job;

static void job_complete(BlockRequest *req, int ret)
{
    Job *j = req->opaque;
    j->ret = ret;
    j->done++;
}

static void count_notify(void *opaque)
{
    __atomic_add_fetch((int *)opaque, 1, __ATOMIC_SEQ_CST);
}

/* Completions run only when the owner asks, once each, after the eventfd says so. */
static void test_aio(Fixture *f, gconstpointer data)
{
    (void)data;
    BlockNode *n = open_raw(f, false);
    AioContext *ctx = aio_context_new(2);
    int notified = 0;
    aio_context_set_notify(ctx, count_notify, &notified);
    enum { N = 32 };
    Job *jobs = g_new0(Job, N);
    for (int i = 0; i < N; i++) {
        Job *j = &jobs[i];
        j->iov = (struct iovec){j->buf, sizeof(j->buf)};
        j->req = (BlockRequest){.op = BLOCK_OP_READ,
                                .node = n,
                                .offset = (uint64_t)i * 4096,
                                .iov = &j->iov,
                                .niov = 1,
                                .complete = job_complete,
                                .opaque = j};
        aio_submit(ctx, &j->req);
    }
    g_assert_cmpuint(aio_context_in_flight(ctx), ==, N);
    /* Wait for the eventfd without running anything. */
    struct pollfd p = {.fd = aio_context_fd(ctx), .events = POLLIN};
    g_assert_cmpint(poll(&p, 1, 5000), ==, 1);
    for (int i = 0; i < N; i++)
        g_assert_cmpint(jobs[i].done, ==, 0); /* nothing ran on its own */
    unsigned total = 0;
    while (total < N)
        total += aio_context_wait(ctx);
    g_assert_cmpuint(total, ==, N);
    g_assert_cmpuint(aio_context_in_flight(ctx), ==, 0);
    g_assert_cmpuint(aio_context_wait(ctx), ==, 0); /* returns at once */
    for (int i = 0; i < N; i++) {
        g_assert_cmpint(jobs[i].done, ==, 1);
        g_assert_cmpint(jobs[i].ret, ==, 0);
        g_assert_cmpuint(jobs[i].buf[0], ==, (uint8_t)i);
    }
    /* Each completion called notify (possibly just after its callback ran here). */
    for (int i = 0; i < 1000 && __atomic_load_n(&notified, __ATOMIC_SEQ_CST) < N; i++)
        g_usleep(1000);
    g_assert_cmpint(__atomic_load_n(&notified, __ATOMIC_SEQ_CST), ==, N);
    /* Errors come back as results: a write past the end, a flush, a read-only node. */
    Job *j = &jobs[0];
    j->done = 0;
    j->req.op = BLOCK_OP_WRITE;
    j->req.offset = n->size;
    aio_submit(ctx, &j->req);
    while (!j->done)
        aio_context_wait(ctx);
    g_assert_cmpint(j->ret, ==, -EINVAL);
    j->done = 0;
    j->req.op = BLOCK_OP_FLUSH;
    aio_submit(ctx, &j->req);
    while (!j->done)
        aio_context_wait(ctx);
    g_assert_cmpint(j->ret, ==, 0);
    aio_context_free(ctx);
    block_close(n);
    g_free(jobs);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/block/raw-basic", test_raw_basic);
    ADD("/block/raw-vectors", test_raw_vectors);
    ADD("/block/read-only", test_read_only);
    ADD("/block/short-file", test_short_file);
    ADD("/block/zeroes-discard", test_zeroes_discard);
    ADD("/block/cache-modes", test_cache_modes);
    ADD("/block/snapshot", test_snapshot);
    ADD("/block/iov-helpers", test_iov_helpers);
    ADD("/block/aio", test_aio);
    return g_test_run();
}
