/* qcow2 refcounts and cluster allocation ("Host cluster management" in QEMU's
 * docs/interop/qcow2.txt): a two-level table — the refcount table points at refcount
 * blocks, each one cluster of (1 << refcount_order)-bit big-endian entries — counts
 * the references to every host cluster. A cluster is free when its refcount is 0,
 * which includes every cluster whose refcount block does not exist yet.
 *
 * Growing: a refcount block that does not exist is created in the first free cluster
 * (describing itself when it falls in its own range), and a refcount table that is too
 * short is replaced by a bigger one written at the end of the file together with the
 * refcount blocks that describe it, before the header is switched to it. */
#include "block/qcow2.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ALLOC_MAX_TRIES 64

static uint64_t rb_entry_get(const Qcow2State *s, const uint8_t *block, uint64_t i)
{
    switch (s->refcount_order) {
    case 0: return (block[i / 8] >> (i % 8)) & 1;
    case 1: return (block[i / 4] >> (2 * (i % 4))) & 3;
    case 2: return (block[i / 2] >> (4 * (i % 2))) & 0xf;
    case 3: return block[i];
    case 4: return qcow2_be16(block + 2 * i);
    case 5: return qcow2_be32(block + 4 * i);
    default: return qcow2_be64(block + 8 * i);
    }
}

/* Sets entry i; returns the byte range that changed in *start (length: the entry's
 * width in bytes, or 1 below 8 bits). */
static size_t rb_entry_set(const Qcow2State *s, uint8_t *block, uint64_t i, uint64_t v,
                           size_t *start)
{
    unsigned bits = 1u << s->refcount_order;
    if (bits < 8) {
        unsigned per_byte = 8 / bits, shift = bits * (unsigned)(i % per_byte);
        uint8_t mask = (uint8_t)(((1u << bits) - 1) << shift);
        uint8_t *p = &block[i / per_byte];
        *p = (uint8_t)((*p & ~mask) | ((v << shift) & mask));
        *start = (size_t)(i / per_byte);
        return 1;
    }
    size_t width = bits / 8;
    *start = (size_t)(i * width);
    switch (width) {
    case 1: block[i] = (uint8_t)v; break;
    case 2: qcow2_put_be16(block + *start, (uint16_t)v); break;
    case 4: qcow2_put_be32(block + *start, (uint32_t)v); break;
    default: qcow2_put_be64(block + *start, v); break;
    }
    return width;
}

int qcow2_check_table_offset(Qcow2State *s, uint64_t offset, const char *what, uint64_t index)
{
    if (offset & (s->cluster_size - 1))
        return block_report_corrupt(s->node, "%s %llu at 0x%llx is not cluster aligned", what,
                                    (unsigned long long)index, (unsigned long long)offset);
    if (offset < s->cluster_size || offset > s->file_size ||
        s->file_size - offset < s->cluster_size)
        return block_report_corrupt(s->node, "%s %llu at 0x%llx lies outside the file", what,
                                    (unsigned long long)index, (unsigned long long)offset);
    return 0;
}

/* The refcount block for cluster block index b: its offset, or 0 if it does not exist. */
static int refblock_offset(Qcow2State *s, uint64_t b, uint64_t *offset)
{
    *offset = 0;
    if (b >= s->rt_entries)
        return 0;
    uint64_t off = s->rt[b] & QCOW2_RT_OFFSET_MASK;
    if (off == 0)
        return 0;
    int r = qcow2_check_table_offset(s, off, "refcount block", b);
    if (r < 0)
        return r;
    *offset = off;
    return 0;
}

int qcow2_get_refcount(Qcow2State *s, uint64_t cluster_index, uint64_t *refcount)
{
    uint64_t off;
    *refcount = 0;
    int r = refblock_offset(s, cluster_index >> s->rb_bits, &off);
    if (r < 0 || off == 0)
        return r;
    uint8_t *block;
    r = qcow2_cache_get(&s->rb_cache, off, false, &block);
    if (r < 0)
        return r;
    *refcount = rb_entry_get(s, block, cluster_index & ((1ull << s->rb_bits) - 1));
    qcow2_cache_put(&s->rb_cache, block);
    return 0;
}

/* Writes refcount table entry b (memory and file). */
static int rt_set(Qcow2State *s, uint64_t b, uint64_t offset)
{
    uint8_t be[8];
    qcow2_put_be64(be, offset);
    int r = qcow2_pwrite_file(s, s->rt_offset + 8 * b, be, 8);
    if (r == 0)
        s->rt[b] = offset;
    return r;
}

/* The first free cluster at or after the hint (never cluster 0, the header). */
static int find_free(Qcow2State *s, uint64_t *cluster_index)
{
    uint64_t ci = s->free_hint ? s->free_hint : 1;
    for (;;) {
        uint64_t b = ci >> s->rb_bits, off;
        int r = refblock_offset(s, b, &off);
        if (r < 0)
            return r;
        if (off == 0) {
            *cluster_index = ci;
            return 0;
        }
        uint8_t *block;
        r = qcow2_cache_get(&s->rb_cache, off, false, &block);
        if (r < 0)
            return r;
        uint64_t per_block = 1ull << s->rb_bits;
        for (uint64_t i = ci & (per_block - 1); i < per_block; i++) {
            if (rb_entry_get(s, block, i) == 0) {
                qcow2_cache_put(&s->rb_cache, block);
                *cluster_index = (b << s->rb_bits) | i;
                s->free_hint = *cluster_index;
                return 0;
            }
        }
        qcow2_cache_put(&s->rb_cache, block);
        ci = (b + 1) << s->rb_bits;
    }
}

static int grow_refcount_table(Qcow2State *s, uint64_t need_block);

/* Whether a block index is absent from the current table. */
static bool block_missing(const Qcow2State *s, uint64_t b)
{
    return b >= s->rt_entries || (s->rt[b] & QCOW2_RT_OFFSET_MASK) == 0;
}

static void bump_file_size(Qcow2State *s, uint64_t end)
{
    if (end > s->file_size)
        s->file_size = end;
}

/* Creates the missing refcount block b (b is inside the table). */
static int alloc_refblock(Qcow2State *s, uint64_t b, int depth)
{
    if (depth > 2)
        return block_report_corrupt(s->node, "refcount blocks cannot be allocated");
    for (int tries = 0; tries < ALLOC_MAX_TRIES; tries++) {
        if (!block_missing(s, b))
            return 0; /* a nested step created it */
        uint64_t f;
        int r = find_free(s, &f);
        if (r < 0)
            return r;
        uint64_t fb = f >> s->rb_bits;
        if (fb >= s->rt_entries) {
            r = grow_refcount_table(s, fb);
        } else if (fb != b && block_missing(s, fb)) {
            r = alloc_refblock(s, fb, depth + 1);
        } else {
            uint64_t off = f << s->cluster_bits;
            if (fb != b) {
                /* f's refcount lives in an existing block. */
                r = qcow2_update_refcounts(s, off, s->cluster_size, +1);
                if (r < 0)
                    return r;
            }
            uint8_t *block;
            r = qcow2_cache_get(&s->rb_cache, off, true, &block);
            if (r < 0)
                return r;
            if (fb == b) {
                size_t start;
                rb_entry_set(s, block, f & ((1ull << s->rb_bits) - 1), 1, &start);
            }
            bump_file_size(s, off + s->cluster_size);
            r = qcow2_cache_write(&s->rb_cache, block, 0, s->cluster_size);
            qcow2_cache_put(&s->rb_cache, block);
            if (r == 0)
                r = rt_set(s, b, off);
            if (r == 0 && s->free_hint == f)
                s->free_hint = f + 1;
            return r;
        }
        if (r < 0)
            return r;
    }
    return block_report_corrupt(s->node, "refcount block %llu cannot be allocated",
                                (unsigned long long)b);
}

static int update_one(Qcow2State *s, uint64_t ci, int delta)
{
    uint64_t b = ci >> s->rb_bits, off;
    if (block_missing(s, b)) {
        if (delta < 0)
            return block_report_corrupt(s->node, "freeing cluster %llu whose refcount is 0",
                                        (unsigned long long)ci);
        int r = b >= s->rt_entries ? grow_refcount_table(s, b) : alloc_refblock(s, b, 0);
        if (r < 0)
            return r;
    }
    int r = refblock_offset(s, b, &off);
    if (r < 0)
        return r;
    uint8_t *block;
    r = qcow2_cache_get(&s->rb_cache, off, false, &block);
    if (r < 0)
        return r;
    uint64_t i = ci & ((1ull << s->rb_bits) - 1);
    uint64_t v = rb_entry_get(s, block, i);
    if ((delta < 0 && v == 0) || (delta > 0 && v >= s->refcount_max)) {
        qcow2_cache_put(&s->rb_cache, block);
        if (delta < 0)
            return block_report_corrupt(s->node, "refcount of cluster %llu would go below 0",
                                        (unsigned long long)ci);
        fprintf(stderr, "pacifica: %s: refcount of cluster %llu overflows\n", s->node->filename,
                (unsigned long long)ci);
        return -ERANGE;
    }
    v = delta < 0 ? v - 1 : v + 1;
    size_t start, len = rb_entry_set(s, block, i, v, &start);
    r = qcow2_cache_write(&s->rb_cache, block, start, len);
    qcow2_cache_put(&s->rb_cache, block);
    if (r == 0 && v == 0) {
        if (ci < s->free_hint)
            s->free_hint = ci;
        qcow2_cache_forget(&s->l2_cache, ci << s->cluster_bits);
        qcow2_cache_forget(&s->rb_cache, ci << s->cluster_bits);
    }
    return r;
}

int qcow2_update_refcounts(Qcow2State *s, uint64_t offset, uint64_t len, int delta)
{
    if (len == 0)
        return 0;
    uint64_t first = offset >> s->cluster_bits, last = (offset + len - 1) >> s->cluster_bits;
    for (uint64_t ci = first; ci <= last; ci++) {
        int r = update_one(s, ci, delta);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Whether [offset, offset + cluster) overlaps metadata we hold in memory: a free cluster
 * there means the refcounts are wrong, and writing would destroy the image. */
static bool overlaps_metadata(const Qcow2State *s, uint64_t offset)
{
    uint64_t end = offset + s->cluster_size;
    uint64_t l1_end = s->l1_offset + (uint64_t)s->l1_size * 8;
    uint64_t rt_end = s->rt_offset + ((uint64_t)s->rt_clusters << s->cluster_bits);
    return offset < s->cluster_size || (offset < l1_end && end > s->l1_offset) ||
           (offset < rt_end && end > s->rt_offset);
}

int qcow2_alloc_cluster(Qcow2State *s, uint64_t *offset)
{
    for (int tries = 0; tries < ALLOC_MAX_TRIES; tries++) {
        uint64_t f;
        int r = find_free(s, &f);
        if (r < 0)
            return r;
        uint64_t b = f >> s->rb_bits;
        if (block_missing(s, b)) {
            /* Create the block first: it may take f itself, so search again after. */
            r = b >= s->rt_entries ? grow_refcount_table(s, b) : alloc_refblock(s, b, 0);
            if (r < 0)
                return r;
            continue;
        }
        uint64_t off = f << s->cluster_bits;
        if (overlaps_metadata(s, off))
            return block_report_corrupt(s->node,
                                        "cluster at 0x%llx is in use but its refcount is 0",
                                        (unsigned long long)off);
        r = update_one(s, f, +1);
        if (r < 0)
            return r;
        s->free_hint = f + 1;
        bump_file_size(s, off + s->cluster_size);
        *offset = off;
        return 0;
    }
    return block_report_corrupt(s->node, "no cluster could be allocated");
}

void qcow2_compressed_extent(const Qcow2State *s, uint64_t l2_entry, uint64_t *offset,
                             uint64_t *len)
{
    uint64_t coffset = l2_entry & ((1ull << s->csize_shift) - 1);
    uint64_t sectors = ((l2_entry >> s->csize_shift) & s->csize_mask) + 1;
    *offset = coffset;
    *len = sectors * 512 - (coffset & 511);
}

int qcow2_free_l2_entry(Qcow2State *s, uint64_t e)
{
    if (e & QCOW2_OFLAG_COMPRESSED) {
        uint64_t off, len;
        qcow2_compressed_extent(s, e, &off, &len);
        /* The refcount covers every 512-byte sector the data touches. */
        uint64_t start = off & ~511ull;
        return qcow2_update_refcounts(s, start, (off + len) - start, -1);
    }
    uint64_t off = e & QCOW2_OFFSET_MASK;
    if (off == 0)
        return 0;
    return qcow2_update_refcounts(s, off, s->cluster_size, -1);
}

/* Sizes a new refcount table placed at the end of the file with the refcount blocks it
 * needs for itself: *nblocks new blocks at cluster `end`, then *table_clusters. */
static int plan_table_growth(const Qcow2State *s, uint64_t end, uint64_t need_block,
                             uint64_t *nblocks, uint64_t *table_clusters, uint64_t *entries)
{
    uint64_t per_table_cluster = s->cluster_size / 8;
    uint64_t min_entries = MAX(need_block + 1, s->rt_entries + s->rt_entries / 2 + 1);
    uint64_t r = 0, t = 0;
    for (int iter = 0; iter < 32; iter++) {
        uint64_t last = end + r + t; /* one past the last new cluster */
        uint64_t n = MAX(min_entries, ((last ? last - 1 : 0) >> s->rb_bits) + 1);
        uint64_t new_t = (n + per_table_cluster - 1) / per_table_cluster;
        uint64_t new_r = 0;
        uint64_t lo = end >> s->rb_bits, hi = (end + r + new_t - 1) >> s->rb_bits;
        for (uint64_t b = lo; b <= hi; b++)
            new_r += block_missing(s, b);
        if (new_r == r && new_t == t) {
            *nblocks = r;
            *table_clusters = t;
            *entries = t * per_table_cluster;
            return (t * s->cluster_size > QCOW2_MAX_REFTABLE_BYTES) ? -EFBIG : 0;
        }
        r = new_r;
        t = new_t;
    }
    return -EFBIG;
}

/* Writes the new refcount blocks at [end, end + nblocks) with the refcounts of all the
 * new clusters they cover; *map receives their offsets by block index. */
static int write_new_refblocks(Qcow2State *s, uint64_t end, uint64_t nblocks, uint64_t total,
                               uint64_t *new_rt, uint64_t new_entries)
{
    uint8_t *block = g_malloc(s->cluster_size);
    uint64_t next = end, per_block = 1ull << s->rb_bits;
    int r = 0;
    uint64_t lo = end >> s->rb_bits, hi = (end + total - 1) >> s->rb_bits;
    for (uint64_t b = lo; b <= hi && r == 0; b++) {
        if (!block_missing(s, b))
            continue;
        g_assert(next < end + nblocks && b < new_entries);
        memset(block, 0, s->cluster_size);
        for (uint64_t c = MAX(end, b * per_block); c < end + total && c < (b + 1) * per_block;
             c++) {
            size_t start;
            rb_entry_set(s, block, c - b * per_block, 1, &start);
        }
        new_rt[b] = next << s->cluster_bits;
        r = qcow2_pwrite_file(s, next << s->cluster_bits, block, s->cluster_size);
        next++;
    }
    g_free(block);
    return r;
}

static int grow_refcount_table(Qcow2State *s, uint64_t need_block)
{
    uint64_t end = (s->file_size + s->cluster_size - 1) >> s->cluster_bits;
    uint64_t nblocks, tclusters, entries;
    int r = plan_table_growth(s, end, need_block, &nblocks, &tclusters, &entries);
    if (r < 0) {
        fprintf(stderr, "pacifica: %s: refcount table would exceed %u bytes\n", s->node->filename,
                QCOW2_MAX_REFTABLE_BYTES);
        return r;
    }
    uint64_t total = nblocks + tclusters;
    uint64_t *new_rt = g_new0(uint64_t, entries);
    memcpy(new_rt, s->rt, s->rt_entries * sizeof(uint64_t));
    r = write_new_refblocks(s, end, nblocks, total, new_rt, entries);
    /* New clusters whose blocks already exist get their refcount there. */
    for (uint64_t c = end; c < end + total && r == 0; c++) {
        if (!block_missing(s, c >> s->rb_bits))
            r = update_one(s, c, +1);
    }
    uint64_t table_off = (end + nblocks) << s->cluster_bits;
    uint8_t *table = g_malloc0(tclusters << s->cluster_bits);
    for (uint64_t i = 0; i < entries; i++)
        qcow2_put_be64(table + 8 * i, new_rt[i]);
    if (r == 0)
        r = qcow2_pwrite_file(s, table_off, table, tclusters << s->cluster_bits);
    g_free(table);
    if (r == 0 && fdatasync(s->node->fd) < 0)
        r = -errno;
    if (r == 0) {
        uint8_t hdr[12];
        qcow2_put_be64(hdr, table_off);
        qcow2_put_be32(hdr + 8, (uint32_t)tclusters);
        r = qcow2_pwrite_file(s, QCOW2_HDR_RT_OFFSET, hdr, sizeof(hdr));
    }
    if (r < 0) {
        g_free(new_rt);
        return r;
    }
    bump_file_size(s, (end + total) << s->cluster_bits);
    uint64_t old_off = s->rt_offset, old_len = (uint64_t)s->rt_clusters << s->cluster_bits;
    g_free(s->rt);
    s->rt = new_rt;
    s->rt_entries = entries;
    s->rt_offset = table_off;
    s->rt_clusters = (uint32_t)tclusters;
    return qcow2_update_refcounts(s, old_off, old_len, -1);
}
