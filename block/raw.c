#define _GNU_SOURCE /* fallocate */
/* The raw format: the image is the disk, byte for byte. preadv/pwritev on the file
 * (thread safe by themselves); a read past the end of the file (an image whose size is
 * not a multiple of 512 bytes, rounded up) reads zeros. */
#include "block/block.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>

static int raw_probe(const uint8_t *buf, size_t len)
{
    (void)buf;
    (void)len;
    return 1; /* anything can be raw: the last resort */
}

static int raw_open(BlockNode *node, char **err)
{
    off_t end = lseek(node->fd, 0, SEEK_END);
    if (end < 0) {
        *err = g_strdup_printf("%s: cannot find the size: %s", node->filename, strerror(errno));
        return -1;
    }
    /* Disks have whole sectors: a partial last sector reads as zeros past the end. */
    node->size = ((uint64_t)end + BLOCK_SECTOR_SIZE - 1) & ~(uint64_t)(BLOCK_SECTOR_SIZE - 1);
    return 0;
}

static void raw_close(BlockNode *node)
{
    (void)node;
}

static int raw_preadv(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov,
                      uint64_t bytes)
{
    (void)bytes;
    return block_fd_rw(node->fd, offset, iov, niov, false);
}

static int raw_pwritev(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov,
                       uint64_t bytes)
{
    (void)bytes;
    return block_fd_rw(node->fd, offset, iov, niov, true);
}

static int raw_flush(BlockNode *node)
{
    return fdatasync(node->fd) < 0 ? -errno : 0;
}

static int raw_discard(BlockNode *node, uint64_t offset, uint64_t bytes)
{
    /* A hole reads as zeros; a file system without holes just keeps the data, which a
     * discard allows. */
    if (fallocate(node->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                  (off_t)bytes) < 0 &&
        errno != EOPNOTSUPP && errno != ENOSYS)
        return -errno;
    return 0;
}

static int raw_write_zero_buffers(BlockNode *node, uint64_t offset, uint64_t bytes)
{
    size_t chunk = bytes < (1u << 20) ? (size_t)bytes : (1u << 20);
    uint8_t *zeros = g_malloc0(chunk);
    int r = 0;
    while (bytes > 0 && r == 0) {
        size_t n = bytes < chunk ? (size_t)bytes : chunk;
        struct iovec iov = {zeros, n};
        r = block_fd_rw(node->fd, offset, &iov, 1, true);
        offset += n;
        bytes -= n;
    }
    g_free(zeros);
    return r;
}

static int raw_write_zeroes(BlockNode *node, uint64_t offset, uint64_t bytes, bool may_unmap)
{
    int mode = may_unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;
    if (fallocate(node->fd, mode, (off_t)offset, (off_t)bytes) == 0)
        return 0;
    return raw_write_zero_buffers(node, offset, bytes);
}

const BlockDriver block_driver_raw = {
    .name = "raw",
    .probe = raw_probe,
    .open = raw_open,
    .close = raw_close,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .flush = raw_flush,
    .discard = raw_discard,
    .write_zeroes = raw_write_zeroes,
};
