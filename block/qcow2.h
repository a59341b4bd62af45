/* qcow2 internals shared by qcow2.c (header, open, guest reads and writes, creation),
 * qcow2_refcount.c (refcounts and cluster allocation) and qcow2_cache.c (the metadata
 * table cache). The format is QEMU's docs/interop/qcow2.txt ("qcow2 image file
 * format", versions 2 and 3); section names below refer to it. All on-disk numbers are
 * big-endian.
 *
 * Locking: guest reads take the node's rwlock shared; writes, discards, write-zeroes
 * and flushes take it exclusive, so metadata only changes with no reader around. The
 * table caches have their own mutex because concurrent readers load L2 tables.
 *
 * Crash consistency (what SIGKILL must not break; leaks are acceptable, as in QEMU):
 * metadata is written through at once, in an order that never lets a table point at
 * a cluster whose refcount is not yet on disk: refcount +1, then the cluster's
 * contents, then the L2/L1 entry that references it; when freeing, the reference goes
 * first and the refcount -1 after.
 */
#ifndef PACIFICA_BLOCK_QCOW2_H
#define PACIFICA_BLOCK_QCOW2_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */

#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
/* Limits QEMU also applies, so that a hostile header cannot make us allocate GiBs. */
#define QCOW2_MAX_L1_BYTES       (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)

/* Header field offsets ("Header" section). */
#define QCOW2_HDR_BACKING_OFFSET   8
#define QCOW2_HDR_BACKING_SIZE     16
#define QCOW2_HDR_CLUSTER_BITS     20
#define QCOW2_HDR_SIZE             24
#define QCOW2_HDR_CRYPT            32
#define QCOW2_HDR_L1_SIZE          36
#define QCOW2_HDR_L1_OFFSET        40
#define QCOW2_HDR_RT_OFFSET        48
#define QCOW2_HDR_RT_CLUSTERS      56
#define QCOW2_HDR_NB_SNAPSHOTS     60
#define QCOW2_HDR_SNAPSHOTS_OFFSET 64
#define QCOW2_HDR_INCOMPAT         72
#define QCOW2_HDR_COMPAT           80
#define QCOW2_HDR_AUTOCLEAR        88
#define QCOW2_HDR_REFCOUNT_ORDER   96
#define QCOW2_HDR_LENGTH           100
#define QCOW2_HDR_COMPRESSION      104
#define QCOW2_V2_HEADER_LENGTH     72
#define QCOW2_V3_HEADER_LENGTH     104

#define QCOW2_INCOMPAT_DIRTY       (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT     (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE   (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2       (1ull << 4)

/* Header extensions ("Header extensions"). */
#define QCOW2_EXT_END            0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE  0x6803f857u

/* L1 and L2 entries ("Cluster mapping"). */
#define QCOW2_OFLAG_COPIED     (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO       (1ull << 0)
#define QCOW2_OFFSET_MASK      0x00fffffffffffe00ull /* bits 9-55 */
#define QCOW2_L1_RESERVED      0x7f000000000001ffull
#define QCOW2_L2_RESERVED      0x3f000000000001feull
#define QCOW2_RT_OFFSET_MASK   0xfffffffffffffe00ull

/* A cache of cluster-sized metadata tables (L2 tables, refcount blocks), keyed by
 * their offset in the file. Changes are written through by the caller with
 * qcow2_cache_write, so an entry is never dirty and can be evicted at any time unless
 * pinned (between get and put). */
typedef struct Qcow2CacheEntry {
    uint64_t offset; /* 0: free slot (offset 0 is the header, never a table) */
    uint8_t *data;
    uint64_t last_use;
    int pins;
} Qcow2CacheEntry;

typedef struct Qcow2Cache {
    pthread_mutex_t lock;
    BlockNode *node;
    size_t table_size;
    unsigned nentries;
    Qcow2CacheEntry *entries;
    uint64_t clock;
} Qcow2Cache;

typedef struct Qcow2State {
    BlockNode *node;
    unsigned version;
    unsigned cluster_bits;
    uint64_t cluster_size;
    unsigned l2_bits; /* log2 of entries per L2 table */
    uint64_t l1_offset;
    uint32_t l1_size;
    uint64_t *l1; /* host order */
    uint64_t rt_offset;
    uint32_t rt_clusters;
    uint64_t rt_entries;
    uint64_t *rt; /* host order */
    unsigned refcount_order;
    unsigned rb_bits; /* log2 of refcount entries per refcount block */
    uint64_t refcount_max;
    uint64_t incompat, compat, autoclear;
    uint32_t header_length;
    unsigned csize_shift; /* compressed cluster descriptor: where the sector count is */
    uint64_t csize_mask;
    uint64_t file_size; /* bytes: the end of the file as written so far */
    uint64_t free_hint; /* no free cluster below this index */
    Qcow2Cache l2_cache, rb_cache;
    pthread_rwlock_t rw;
} Qcow2State;

/* Big-endian helpers. */
static inline uint64_t qcow2_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static inline uint32_t qcow2_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t qcow2_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void qcow2_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline void qcow2_put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline void qcow2_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Whole-buffer file I/O (loops on short transfers); pread past the end reads zeros. */
int qcow2_pread_file(Qcow2State *s, uint64_t offset, void *buf, size_t len);
int qcow2_pwrite_file(Qcow2State *s, uint64_t offset, const void *buf, size_t len);

/* qcow2_cache.c */
void qcow2_cache_init(Qcow2Cache *c, BlockNode *node, size_t table_size, unsigned nentries);
void qcow2_cache_destroy(Qcow2Cache *c);
/* Pins the table at offset, loading it (or, with zero_fill, making it all zeros
 * without reading: a new table). */
int qcow2_cache_get(Qcow2Cache *c, uint64_t offset, bool zero_fill, uint8_t **table);
void qcow2_cache_put(Qcow2Cache *c, uint8_t *table);
/* Writes bytes [start, start + len) of a pinned table to the file. */
int qcow2_cache_write(Qcow2Cache *c, const uint8_t *table, size_t start, size_t len);
/* Drops the table at offset (its cluster was freed). */
void qcow2_cache_forget(Qcow2Cache *c, uint64_t offset);

/* qcow2_refcount.c; all need the rwlock held exclusive. */
int qcow2_get_refcount(Qcow2State *s, uint64_t cluster_index, uint64_t *refcount);
/* Adds delta (+1 or -1) to the refcount of every cluster in [offset, offset + len). */
int qcow2_update_refcounts(Qcow2State *s, uint64_t offset, uint64_t len, int delta);
/* A free cluster with refcount 1 now; its host offset in *offset. */
int qcow2_alloc_cluster(Qcow2State *s, uint64_t *offset);
/* Frees what an L2 entry points at (normal or compressed), if anything. */
int qcow2_free_l2_entry(Qcow2State *s, uint64_t l2_entry);
/* Where a compressed cluster's data is: host offset and length in bytes. */
void qcow2_compressed_extent(const Qcow2State *s, uint64_t l2_entry, uint64_t *offset,
                             uint64_t *len);
/* Checks a table offset (L2 table, refcount block) read from the image. */
int qcow2_check_table_offset(Qcow2State *s, uint64_t offset, const char *what, uint64_t index);

#endif
