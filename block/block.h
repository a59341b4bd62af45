/* The block layer: disk images as byte-addressed nodes with open / read / write /
 * flush / discard / write-zeroes / close, and the driver interface that each image
 * format (raw, qcow2) implements.
 *
 * A node is one image file seen through its format driver. A qcow2 node may have a
 * backing node (any format, itself possibly with a backing node): the chain is opened
 * with the top node and closed with it. Requests work on byte ranges inside the node's
 * size; they are synchronous here and safe to call from several threads at once (each
 * driver does its own locking). block/aio.h runs them on a thread pool so that devices
 * never wait for the disk; the device side only ever sees completions on the main loop.
 *
 * Errors: functions return 0 or a negative errno. Opening reports a one-line message
 * naming the file through *err (g_free it). A request that fails because the image is
 * corrupt prints one message naming the file on stderr (once per image) and fails with
 * -EIO; the image is then used read-only, as QEMU marks a corrupt image.
 */
#ifndef PACIFICA_BLOCK_BLOCK_H
#define PACIFICA_BLOCK_BLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BLOCK_SECTOR_SIZE 512

/* -drive cache=... (QEMU's names and meanings, minus O_DIRECT: "none" and "directsync"
 * are accepted and behave like "writeback" and "writethrough", which give the guest
 * the same guarantees since its flushes still reach the disk). */
typedef enum BlockCacheMode {
    BLOCK_CACHE_WRITEBACK,    /* default: a guest flush is an fdatasync */
    BLOCK_CACHE_WRITETHROUGH, /* every write is followed by an fdatasync */
    BLOCK_CACHE_NONE,
    BLOCK_CACHE_DIRECTSYNC,
    BLOCK_CACHE_UNSAFE, /* guest flushes are ignored */
} BlockCacheMode;

typedef struct BlockOpenOptions {
    const char *filename;
    const char *format; /* "raw", "qcow2", or NULL to probe (qcow2 magic, else raw) */
    bool read_only;
    /* -snapshot / snapshot=on: the image is opened read-only and writes go to a
     * temporary qcow2 overlay that is deleted when the node is closed (the file is
     * unlinked as soon as it is open, so it also disappears if the process dies). */
    bool snapshot;
    BlockCacheMode cache;
    bool discard_unmap; /* discard=unmap; QEMU's default "ignore" drops discards */
} BlockOpenOptions;

struct BlockNode;

/* What a format driver implements. Every request callback may run on any thread and
 * concurrently with the others on the same node; offset + bytes never exceeds the
 * node's size (the generic layer checks). */
typedef struct BlockDriver {
    const char *name;
    /* How sure the driver is (0-100) that the image starting with buf is its format. */
    int (*probe)(const uint8_t *buf, size_t len);
    /* Sets up node->opaque and node->size; node->fd, filename, read_only are set. */
    int (*open)(struct BlockNode *node, char **err);
    void (*close)(struct BlockNode *node);
    int (*preadv)(struct BlockNode *node, uint64_t offset, const struct iovec *iov, int niov,
                  uint64_t bytes);
    int (*pwritev)(struct BlockNode *node, uint64_t offset, const struct iovec *iov, int niov,
                   uint64_t bytes);
    int (*flush)(struct BlockNode *node);
    int (*discard)(struct BlockNode *node, uint64_t offset, uint64_t bytes);
    int (*write_zeroes)(struct BlockNode *node, uint64_t offset, uint64_t bytes, bool may_unmap);
} BlockDriver;

typedef struct BlockNode {
    const BlockDriver *drv;
    char *filename; /* as given (messages name it) */
    int fd;
    uint64_t size; /* guest-visible bytes */
    bool read_only;
    BlockCacheMode cache;
    bool discard_unmap;
    struct BlockNode *backing; /* owned: closed with this node */
    void *opaque;              /* the driver's state */
    /* Set while opening: the overlay this node backs (loop detection), the resolved
     * path, and a ready backing node for the driver to take instead of opening the one
     * its header names (the -snapshot overlay). */
    const struct BlockNode *parent;
    char *real_path;
    unsigned depth;
    struct BlockNode *preset_backing;
    /* A corrupt image is reported once and then refuses writes. */
    pthread_mutex_t report_lock;
    bool corrupt_reported;
} BlockNode;

extern const BlockDriver block_driver_raw;
extern const BlockDriver block_driver_qcow2;

/* Opens the image (and its backing chain). NULL with *err set on failure. */
BlockNode *block_open(const BlockOpenOptions *opts, char **err);
/* Flushes (unless read-only) and closes the node and its backing chain. */
void block_close(BlockNode *node);

/* Parses a -drive cache= value; false if unknown. */
bool block_parse_cache_mode(const char *s, BlockCacheMode *mode);
/* The driver for a format name, or NULL. */
const BlockDriver *block_find_driver(const char *format);

/* Requests on byte ranges; bytes is the iovec total. Ranges past the size fail with
 * -EINVAL; writes to a read-only node fail with -EROFS. */
int block_preadv(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov);
int block_pwritev(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov);
int block_pread(BlockNode *node, uint64_t offset, void *buf, size_t bytes);
int block_pwrite(BlockNode *node, uint64_t offset, const void *buf, size_t bytes);
int block_flush(BlockNode *node);
/* Discards are dropped unless the node was opened with discard_unmap. */
int block_discard(BlockNode *node, uint64_t offset, uint64_t bytes);
int block_write_zeroes(BlockNode *node, uint64_t offset, uint64_t bytes, bool may_unmap);

/* For drivers: opens the backing file named in an image header (relative names are
 * relative to the overlay's directory), read-only, refusing loops and chains deeper
 * than BLOCK_MAX_CHAIN. format NULL: probe. */
#define BLOCK_MAX_CHAIN 32
BlockNode *block_open_backing(BlockNode *overlay, const char *name, const char *format, char **err);

/* Reads from a backing node for an overlay of possibly larger size: the part past the
 * backing node's end reads as zeros. */
int block_read_backing(BlockNode *backing, uint64_t offset, const struct iovec *iov, int niov);

/* Reports (once per node, on stderr) that the image is corrupt; later writes fail.
 * Returns -EIO for the caller to pass on. */
int block_report_corrupt(BlockNode *node, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool block_is_corrupt(BlockNode *node);

/* qcow2 creation (block/qcow2.c): an empty image of size bytes, version 3 with 16-bit
 * refcounts, optionally over a backing file (its name is stored as given; backing_fmt
 * may be NULL). cluster_bits 0 means 16 (64 KiB). */
typedef struct Qcow2CreateOptions {
    uint64_t size;
    unsigned cluster_bits;
    unsigned version; /* 2 or 3; 0 means 3 */
    const char *backing_file;
    const char *backing_fmt;
} Qcow2CreateOptions;
int qcow2_create(const char *path, const Qcow2CreateOptions *opts, char **err);

/* preadv/pwritev of the whole iov at offset, looping on short transfers; a read that
 * reaches the end of the file fills the rest with zeros. */
int block_fd_rw(int fd, uint64_t offset, const struct iovec *iov, int niov, bool is_write);

/* iovec helpers shared by the drivers. */
size_t iov_size(const struct iovec *iov, int niov);
/* Fills out[] with the part [offset, offset + bytes) of iov; returns the number of
 * entries used (at most max_out), or -1 if max_out is too small or iov too short. */
int iov_slice(const struct iovec *iov, int niov, size_t offset, size_t bytes, struct iovec *out,
              int max_out);
void iov_memset(const struct iovec *iov, int niov, size_t offset, int c, size_t bytes);
void iov_to_buf(const struct iovec *iov, int niov, size_t offset, void *buf, size_t bytes);
void iov_from_buf(const struct iovec *iov, int niov, size_t offset, const void *buf, size_t bytes);

#endif
