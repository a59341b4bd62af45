/* The generic part of the block layer: format probing, opening a node and its backing
 * chain, the -snapshot overlay, range checks and cache modes around the drivers'
 * requests, and iovec helpers. */
#include "block/block.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const BlockDriver *const block_drivers[] = {&block_driver_qcow2, &block_driver_raw};

const BlockDriver *block_find_driver(const char *format)
{
    for (size_t i = 0; i < G_N_ELEMENTS(block_drivers); i++) {
        if (strcmp(block_drivers[i]->name, format) == 0)
            return block_drivers[i];
    }
    return NULL;
}

bool block_parse_cache_mode(const char *s, BlockCacheMode *mode)
{
    static const struct {
        const char *name;
        BlockCacheMode mode;
    } modes[] = {
        {"writeback", BLOCK_CACHE_WRITEBACK}, {"writethrough", BLOCK_CACHE_WRITETHROUGH},
        {"none", BLOCK_CACHE_NONE},           {"directsync", BLOCK_CACHE_DIRECTSYNC},
        {"unsafe", BLOCK_CACHE_UNSAFE},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (strcmp(s, modes[i].name) == 0) {
            *mode = modes[i].mode;
            return true;
        }
    }
    return false;
}

/* The format whose probe is most confident about the first bytes of the file; raw
 * (score 1) when nothing else matches, as QEMU does. */
static const BlockDriver *probe_format(int fd)
{
    uint8_t buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    if (n < 0)
        n = 0;
    const BlockDriver *best = &block_driver_raw;
    int best_score = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(block_drivers); i++) {
        int score = block_drivers[i]->probe ? block_drivers[i]->probe(buf, (size_t)n) : 0;
        if (score > best_score) {
            best = block_drivers[i];
            best_score = score;
        }
    }
    return best;
}

static void node_free(BlockNode *node)
{
    if (!node)
        return;
    if (node->fd >= 0)
        close(node->fd);
    pthread_mutex_destroy(&node->report_lock);
    g_free(node->filename);
    g_free(node->real_path);
    g_free(node);
}

/* Refuses a chain that comes back to a file already in it, or grows without bound. */
static bool chain_is_bad(const BlockNode *node, char **err)
{
    if (node->depth > BLOCK_MAX_CHAIN) {
        *err = g_strdup_printf("%s: backing chain deeper than %d images", node->filename,
                               BLOCK_MAX_CHAIN);
        return true;
    }
    for (const BlockNode *p = node->parent; p; p = p->parent) {
        if (p->real_path && node->real_path && strcmp(p->real_path, node->real_path) == 0) {
            *err = g_strdup_printf("%s: loop in the backing chain (%s backs itself)", p->filename,
                                   node->filename);
            return true;
        }
    }
    return false;
}

static BlockNode *open_node(const BlockOpenOptions *o, const BlockNode *parent,
                            BlockNode *preset_backing, char **err)
{
    BlockNode *node = g_new0(BlockNode, 1);
    pthread_mutex_init(&node->report_lock, NULL);
    node->filename = g_strdup(o->filename);
    node->read_only = o->read_only;
    node->cache = o->cache;
    node->discard_unmap = o->discard_unmap;
    node->parent = parent;
    node->depth = parent ? parent->depth + 1 : 0;
    node->preset_backing = preset_backing;
    node->fd = open(o->filename, (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (node->fd < 0) {
        int e = errno;
        if (!o->read_only && (e == EACCES || e == EROFS))
            *err = g_strdup_printf("%s: could not open read-write: %s (use readonly=on)",
                                   o->filename, strerror(e));
        else
            *err = g_strdup_printf("%s: could not open: %s", o->filename, strerror(e));
        node_free(node);
        return NULL;
    }
    node->real_path = realpath(o->filename, NULL);
    if (chain_is_bad(node, err)) {
        node_free(node);
        return NULL;
    }
    if (o->format) {
        node->drv = block_find_driver(o->format);
        if (!node->drv) {
            *err =
                g_strdup_printf("%s: unknown format '%s' (raw or qcow2)", o->filename, o->format);
            node_free(node);
            return NULL;
        }
    } else {
        node->drv = probe_format(node->fd);
    }
    if (node->drv->open(node, err) < 0) {
        if (node->preset_backing == NULL && node->backing)
            block_close(node->backing);
        node_free(node);
        return NULL;
    }
    node->parent = NULL;
    node->preset_backing = NULL;
    return node;
}

BlockNode *block_open_backing(BlockNode *overlay, const char *name, const char *format, char **err)
{
    char *path;
    if (g_path_is_absolute(name)) {
        path = g_strdup(name);
    } else {
        char *dir = g_path_get_dirname(overlay->filename);
        path = g_build_filename(dir, name, NULL);
        g_free(dir);
    }
    BlockOpenOptions o = {
        .filename = path, .format = format, .read_only = true, .cache = overlay->cache};
    char *inner = NULL;
    BlockNode *b = open_node(&o, overlay, NULL, &inner);
    if (!b) {
        *err = g_strdup_printf("%s: backing file: %s", overlay->filename, inner);
        g_free(inner);
    }
    g_free(path);
    return b;
}

/* -snapshot: a temporary qcow2 over the image, opened read-only. The overlay file is
 * unlinked once open, so nothing is left behind however the process ends. */
static BlockNode *open_snapshot(const BlockOpenOptions *o, char **err)
{
    BlockOpenOptions base_opts = *o;
    base_opts.read_only = true;
    base_opts.snapshot = false;
    BlockNode *base = open_node(&base_opts, NULL, NULL, err);
    if (!base)
        return NULL;
    const char *tmpdir = g_getenv("TMPDIR");
    char *tmpl =
        g_build_filename(tmpdir && *tmpdir ? tmpdir : "/var/tmp", "pacifica-snapshot-XXXXXX", NULL);
    int fd = g_mkstemp(tmpl);
    if (fd < 0) {
        *err = g_strdup_printf("%s: cannot create the snapshot overlay %s: %s", o->filename, tmpl,
                               strerror(errno));
        g_free(tmpl);
        block_close(base);
        return NULL;
    }
    close(fd);
    char *abs = base->real_path ? g_strdup(base->real_path) : g_strdup(o->filename);
    Qcow2CreateOptions c = {
        .size = base->size, .backing_file = abs, .backing_fmt = base->drv->name};
    BlockNode *top = NULL;
    if (qcow2_create(tmpl, &c, err) == 0) {
        BlockOpenOptions top_opts = {.filename = tmpl,
                                     .format = "qcow2",
                                     .cache = BLOCK_CACHE_UNSAFE,
                                     .discard_unmap = true};
        top = open_node(&top_opts, NULL, base, err);
    }
    unlink(tmpl);
    g_free(abs);
    g_free(tmpl);
    if (!top) {
        block_close(base);
        return NULL;
    }
    return top;
}

BlockNode *block_open(const BlockOpenOptions *opts, char **err)
{
    *err = NULL;
    if (!opts->filename || !*opts->filename) {
        *err = g_strdup("no image file name");
        return NULL;
    }
    if (opts->snapshot)
        return open_snapshot(opts, err);
    return open_node(opts, NULL, NULL, err);
}

void block_close(BlockNode *node)
{
    if (!node)
        return;
    if (!node->read_only && !block_is_corrupt(node) && node->drv->flush)
        node->drv->flush(node);
    node->drv->close(node);
    BlockNode *backing = node->backing;
    node_free(node);
    block_close(backing);
}

int block_report_corrupt(BlockNode *node, const char *fmt, ...)
{
    pthread_mutex_lock(&node->report_lock);
    bool first = !node->corrupt_reported;
    node->corrupt_reported = true;
    pthread_mutex_unlock(&node->report_lock);
    if (first) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        fprintf(stderr, "pacifica: %s: corrupt %s image: %s; further writes refused\n",
                node->filename, node->drv->name, msg);
        g_free(msg);
    }
    return -EIO;
}

bool block_is_corrupt(BlockNode *node)
{
    pthread_mutex_lock(&node->report_lock);
    bool c = node->corrupt_reported;
    pthread_mutex_unlock(&node->report_lock);
    return c;
}

static int check_range(const BlockNode *node, uint64_t offset, uint64_t bytes)
{
    if (offset > node->size || bytes > node->size - offset)
        return -EINVAL;
    return 0;
}

static bool writethrough(const BlockNode *node)
{
    return node->cache == BLOCK_CACHE_WRITETHROUGH || node->cache == BLOCK_CACHE_DIRECTSYNC;
}

int block_preadv(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov)
{
    uint64_t bytes = iov_size(iov, niov);
    int r = check_range(node, offset, bytes);
    if (r < 0 || bytes == 0)
        return r;
    return node->drv->preadv(node, offset, iov, niov, bytes);
}

static int check_write(BlockNode *node, uint64_t offset, uint64_t bytes)
{
    if (node->read_only)
        return -EROFS;
    if (block_is_corrupt(node))
        return -EIO;
    return check_range(node, offset, bytes);
}

static int after_write(BlockNode *node, int r)
{
    if (r == 0 && writethrough(node) && node->drv->flush)
        r = node->drv->flush(node);
    return r;
}

int block_pwritev(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov)
{
    uint64_t bytes = iov_size(iov, niov);
    int r = check_write(node, offset, bytes);
    if (r < 0 || bytes == 0)
        return r;
    return after_write(node, node->drv->pwritev(node, offset, iov, niov, bytes));
}

int block_pread(BlockNode *node, uint64_t offset, void *buf, size_t bytes)
{
    struct iovec iov = {buf, bytes};
    return block_preadv(node, offset, &iov, 1);
}

int block_pwrite(BlockNode *node, uint64_t offset, const void *buf, size_t bytes)
{
    struct iovec iov = {(void *)buf, bytes};
    return block_pwritev(node, offset, &iov, 1);
}

int block_flush(BlockNode *node)
{
    if (node->read_only || node->cache == BLOCK_CACHE_UNSAFE || !node->drv->flush)
        return 0;
    return node->drv->flush(node);
}

int block_discard(BlockNode *node, uint64_t offset, uint64_t bytes)
{
    int r = check_write(node, offset, bytes);
    if (r < 0 || bytes == 0 || !node->discard_unmap || !node->drv->discard)
        return r;
    return after_write(node, node->drv->discard(node, offset, bytes));
}

int block_write_zeroes(BlockNode *node, uint64_t offset, uint64_t bytes, bool may_unmap)
{
    int r = check_write(node, offset, bytes);
    if (r < 0 || bytes == 0)
        return r;
    return after_write(
        node, node->drv->write_zeroes(node, offset, bytes, may_unmap && node->discard_unmap));
}

int block_read_backing(BlockNode *backing, uint64_t offset, const struct iovec *iov, int niov)
{
    size_t bytes = iov_size(iov, niov);
    uint64_t avail = offset < backing->size ? backing->size - offset : 0;
    if (avail >= bytes)
        return backing->drv->preadv(backing, offset, iov, niov, bytes);
    iov_memset(iov, niov, avail, 0, bytes - avail);
    if (avail == 0)
        return 0;
    struct iovec part[64];
    int n = iov_slice(iov, niov, 0, avail, part, 64);
    if (n < 0) {
        /* Too fragmented for the stack copy: go through a bounce buffer. */
        uint8_t *buf = g_malloc(avail);
        struct iovec one = {buf, avail};
        int r = backing->drv->preadv(backing, offset, &one, 1, avail);
        if (r == 0)
            iov_from_buf(iov, niov, 0, buf, avail);
        g_free(buf);
        return r;
    }
    return backing->drv->preadv(backing, offset, part, n, avail);
}

#define FD_RW_MAX_IOV 1024

/* The first pieces (at most FD_RW_MAX_IOV) of iov from byte skip on. */
static int fd_rw_pieces(const struct iovec *iov, int niov, size_t skip, struct iovec *part)
{
    int n = 0;
    for (int i = 0; i < niov && n < FD_RW_MAX_IOV; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        part[n].iov_base = (uint8_t *)iov[i].iov_base + skip;
        part[n++].iov_len = iov[i].iov_len - skip;
        skip = 0;
    }
    return n;
}

int block_fd_rw(int fd, uint64_t offset, const struct iovec *iov, int niov, bool is_write)
{
    struct iovec part[FD_RW_MAX_IOV];
    size_t bytes = iov_size(iov, niov), done = 0;
    while (done < bytes) {
        int n = fd_rw_pieces(iov, niov, done, part);
        ssize_t r = is_write ? pwritev(fd, part, n, (off_t)(offset + done))
                             : preadv(fd, part, n, (off_t)(offset + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0) {
            if (is_write)
                return -EIO;
            iov_memset(iov, niov, done, 0, bytes - done);
            return 0;
        }
        done += (size_t)r;
    }
    return 0;
}

size_t iov_size(const struct iovec *iov, int niov)
{
    size_t total = 0;
    for (int i = 0; i < niov; i++)
        total += iov[i].iov_len;
    return total;
}

int iov_slice(const struct iovec *iov, int niov, size_t offset, size_t bytes, struct iovec *out,
              int max_out)
{
    int n = 0;
    for (int i = 0; i < niov && bytes > 0; i++) {
        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        if (n == max_out)
            return -1;
        size_t len = iov[i].iov_len - offset;
        if (len > bytes)
            len = bytes;
        out[n].iov_base = (uint8_t *)iov[i].iov_base + offset;
        out[n].iov_len = len;
        n++;
        bytes -= len;
        offset = 0;
    }
    return bytes == 0 ? n : -1;
}

/* Calls fn on each piece of [offset, offset + bytes) of iov. */
static void iov_walk(const struct iovec *iov, int niov, size_t offset, size_t bytes,
                     void (*fn)(uint8_t *p, size_t len, size_t done, void *opaque), void *opaque)
{
    size_t done = 0;
    for (int i = 0; i < niov && bytes > 0; i++) {
        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        size_t len = iov[i].iov_len - offset;
        if (len > bytes)
            len = bytes;
        fn((uint8_t *)iov[i].iov_base + offset, len, done, opaque);
        done += len;
        bytes -= len;
        offset = 0;
    }
}

static void fill_piece(uint8_t *p, size_t len, size_t done, void *opaque)
{
    (void)done;
    memset(p, *(int *)opaque, len);
}

static void copy_out_piece(uint8_t *p, size_t len, size_t done, void *opaque)
{
    memcpy((uint8_t *)opaque + done, p, len);
}

static void copy_in_piece(uint8_t *p, size_t len, size_t done, void *opaque)
{
    memcpy(p, (const uint8_t *)opaque + done, len);
}

void iov_memset(const struct iovec *iov, int niov, size_t offset, int c, size_t bytes)
{
    iov_walk(iov, niov, offset, bytes, fill_piece, &c);
}

void iov_to_buf(const struct iovec *iov, int niov, size_t offset, void *buf, size_t bytes)
{
    iov_walk(iov, niov, offset, bytes, copy_out_piece, buf);
}

void iov_from_buf(const struct iovec *iov, int niov, size_t offset, const void *buf, size_t bytes)
{
    iov_walk(iov, niov, offset, bytes, copy_in_piece, (void *)buf);
}
