/* The qcow2 format, versions 2 and 3 (QEMU's docs/interop/qcow2.txt): header checks
 * at open, guest reads and writes through the two-level cluster map (L1 table in
 * memory, L2 tables in a cache), cluster allocation with copy-on-write from the
 * backing file, zero clusters, compressed clusters (read; rewritten uncompressed when
 * the guest writes to them), discard and write-zeroes, and image creation.
 *
 * Not supported (refused at open with a message): encryption, external data files,
 * extended L2 entries (subclusters), zstd compression. Internal snapshots are kept
 * intact: clusters shared with a snapshot (no COPIED flag) are copied before a write. */
#include "block/qcow2.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define QCOW2_L2_CACHE_TABLES  32
#define QCOW2_RB_CACHE_TABLES  8
#define QCOW2_MAX_BACKING_NAME 1023

typedef enum ClusterKind {
    CLUSTER_UNALLOCATED, /* read from the backing file, or zeros */
    CLUSTER_ZERO,        /* v3 zero flag: reads zeros (may still own a host cluster) */
    CLUSTER_NORMAL,
    CLUSTER_COMPRESSED,
} ClusterKind;

int qcow2_pread_file(Qcow2State *s, uint64_t offset, void *buf, size_t len)
{
    struct iovec iov = {buf, len};
    return block_fd_rw(s->node->fd, offset, &iov, 1, false);
}

int qcow2_pwrite_file(Qcow2State *s, uint64_t offset, const void *buf, size_t len)
{
    struct iovec iov = {(void *)buf, len};
    return block_fd_rw(s->node->fd, offset, &iov, 1, true);
}

static int qcow2_probe(const uint8_t *buf, size_t len)
{
    if (len >= 8 && qcow2_be32(buf) == QCOW2_MAGIC) {
        uint32_t version = qcow2_be32(buf + 4);
        return (version == 2 || version == 3) ? 100 : 50;
    }
    return 0;
}

/* ---- Header ---- */

typedef struct Qcow2Header {
    uint32_t version, cluster_bits, crypt, l1_size, rt_clusters, nb_snapshots;
    uint32_t backing_size, refcount_order, header_length;
    uint64_t backing_offset, size, l1_offset, rt_offset, incompat, compat, autoclear;
    uint8_t compression_type;
} Qcow2Header;

static void header_decode(const uint8_t *b, Qcow2Header *h)
{
    h->version = qcow2_be32(b + 4);
    h->backing_offset = qcow2_be64(b + QCOW2_HDR_BACKING_OFFSET);
    h->backing_size = qcow2_be32(b + QCOW2_HDR_BACKING_SIZE);
    h->cluster_bits = qcow2_be32(b + QCOW2_HDR_CLUSTER_BITS);
    h->size = qcow2_be64(b + QCOW2_HDR_SIZE);
    h->crypt = qcow2_be32(b + QCOW2_HDR_CRYPT);
    h->l1_size = qcow2_be32(b + QCOW2_HDR_L1_SIZE);
    h->l1_offset = qcow2_be64(b + QCOW2_HDR_L1_OFFSET);
    h->rt_offset = qcow2_be64(b + QCOW2_HDR_RT_OFFSET);
    h->rt_clusters = qcow2_be32(b + QCOW2_HDR_RT_CLUSTERS);
    h->nb_snapshots = qcow2_be32(b + QCOW2_HDR_NB_SNAPSHOTS);
    if (h->version >= 3) {
        h->incompat = qcow2_be64(b + QCOW2_HDR_INCOMPAT);
        h->compat = qcow2_be64(b + QCOW2_HDR_COMPAT);
        h->autoclear = qcow2_be64(b + QCOW2_HDR_AUTOCLEAR);
        h->refcount_order = qcow2_be32(b + QCOW2_HDR_REFCOUNT_ORDER);
        h->header_length = qcow2_be32(b + QCOW2_HDR_LENGTH);
        h->compression_type =
            h->header_length > QCOW2_HDR_COMPRESSION ? b[QCOW2_HDR_COMPRESSION] : 0;
    } else {
        h->incompat = h->compat = h->autoclear = 0;
        h->refcount_order = 4;
        h->header_length = QCOW2_V2_HEADER_LENGTH;
        h->compression_type = 0;
    }
}

/* Feature and version checks: what we cannot read (or write) correctly is refused. */
static bool header_features_ok(const Qcow2Header *h, const BlockNode *node, char **err)
{
    const char *f = node->filename;
    uint64_t known = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_COMPRESSION;
    if (h->crypt != 0)
        *err = g_strdup_printf("%s: encrypted qcow2 images are not supported", f);
    else if (h->incompat & QCOW2_INCOMPAT_DATA_FILE)
        *err = g_strdup_printf("%s: qcow2 external data files are not supported", f);
    else if (h->incompat & QCOW2_INCOMPAT_EXTL2)
        *err = g_strdup_printf("%s: qcow2 extended L2 entries are not supported", f);
    else if (h->incompat & ~(known | QCOW2_INCOMPAT_DATA_FILE | QCOW2_INCOMPAT_EXTL2))
        *err = g_strdup_printf("%s: unknown qcow2 incompatible features 0x%llx", f,
                               (unsigned long long)(h->incompat & ~known));
    else if (h->compression_type != 0)
        *err = g_strdup_printf("%s: qcow2 compression type %u is not supported (zlib only)", f,
                               h->compression_type);
    else if (!node->read_only && (h->incompat & QCOW2_INCOMPAT_CORRUPT))
        *err = g_strdup_printf("%s: the image is marked corrupt; repair it with "
                               "'qemu-img check -r all' or open it read-only",
                               f);
    else if (!node->read_only && (h->incompat & QCOW2_INCOMPAT_DIRTY))
        *err = g_strdup_printf("%s: the image was not closed cleanly (lazy refcounts); "
                               "repair it with 'qemu-img check -r all' first",
                               f);
    return *err == NULL;
}

/* Geometry and table placement checks. */
static bool header_layout_ok(const Qcow2Header *h, uint64_t file_size, const char *f, char **err)
{
    uint64_t cs = 1ull << h->cluster_bits;
    unsigned l2_bits = h->cluster_bits - 3;
    uint64_t l1_bytes = (uint64_t)h->l1_size * 8;
    uint64_t rt_bytes = (uint64_t)h->rt_clusters << h->cluster_bits;
    unsigned shift = h->cluster_bits + l2_bits;
    uint64_t need_l1 = shift >= 64 ? 1 : (h->size + (1ull << shift) - 1) >> shift;
    if (h->size > (1ull << 62))
        *err = g_strdup_printf("%s: disk size %llu too large", f, (unsigned long long)h->size);
    else if (l1_bytes > QCOW2_MAX_L1_BYTES)
        *err = g_strdup_printf("%s: L1 table too large (%u entries)", f, h->l1_size);
    else if (h->l1_size < need_l1)
        *err = g_strdup_printf("%s: L1 table too small for the disk size", f);
    else if (h->l1_size && ((h->l1_offset & (cs - 1)) || h->l1_offset < cs ||
                            h->l1_offset > file_size || file_size - h->l1_offset < l1_bytes))
        *err = g_strdup_printf("%s: L1 table offset 0x%llx invalid or outside the file", f,
                               (unsigned long long)h->l1_offset);
    else if (h->rt_clusters == 0 || rt_bytes > QCOW2_MAX_REFTABLE_BYTES)
        *err = g_strdup_printf("%s: refcount table size %u clusters invalid", f, h->rt_clusters);
    else if ((h->rt_offset & (cs - 1)) || h->rt_offset < cs || h->rt_offset > file_size ||
             file_size - h->rt_offset < rt_bytes)
        *err = g_strdup_printf("%s: refcount table offset 0x%llx invalid or outside the file", f,
                               (unsigned long long)h->rt_offset);
    else if (h->backing_offset &&
             (h->backing_size > QCOW2_MAX_BACKING_NAME || h->backing_offset > cs ||
              cs - h->backing_offset < h->backing_size))
        *err = g_strdup_printf("%s: backing file name outside the first cluster", f);
    return *err == NULL;
}

static bool header_basic_ok(const uint8_t *b, const Qcow2Header *h, const char *f, char **err)
{
    if (qcow2_be32(b) != QCOW2_MAGIC)
        *err = g_strdup_printf("%s: not a qcow2 image (bad magic)", f);
    else if (h->version != 2 && h->version != 3)
        *err = g_strdup_printf("%s: qcow2 version %u is not supported (2 or 3)", f, h->version);
    else if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
        *err = g_strdup_printf("%s: cluster size 2^%u out of range (512 B to 2 MiB)", f,
                               h->cluster_bits);
    else if (h->version >= 3 && (h->header_length < QCOW2_V3_HEADER_LENGTH ||
                                 h->header_length > (1u << h->cluster_bits)))
        *err = g_strdup_printf("%s: header length %u invalid", f, h->header_length);
    else if (h->refcount_order > 6 || (h->version == 2 && h->refcount_order != 4))
        *err = g_strdup_printf("%s: refcount order %u invalid", f, h->refcount_order);
    return *err == NULL;
}

/* Header extensions after the header: we only need the backing format. */
static bool parse_extensions(const uint8_t *cluster, const Qcow2Header *h, char *backing_fmt,
                             size_t fmt_size, const char *f, char **err)
{
    uint64_t cs = 1ull << h->cluster_bits;
    uint64_t end = h->backing_offset ? h->backing_offset : cs;
    uint64_t off = h->header_length;
    while (off + 8 <= end) {
        uint32_t type = qcow2_be32(cluster + off), len = qcow2_be32(cluster + off + 4);
        off += 8;
        if (type == QCOW2_EXT_END)
            return true;
        if (len > end - off) {
            *err = g_strdup_printf("%s: header extension 0x%x runs past its space", f, type);
            return false;
        }
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            if (len >= fmt_size) {
                *err = g_strdup_printf("%s: backing format name too long", f);
                return false;
            }
            memcpy(backing_fmt, cluster + off, len);
            backing_fmt[len] = 0;
        }
        off += (len + 7) & ~7ull;
    }
    return true;
}

static int load_table(Qcow2State *s, uint64_t offset, uint64_t entries, uint64_t **out)
{
    uint8_t *raw = g_malloc(entries * 8 + 1);
    int r = qcow2_pread_file(s, offset, raw, entries * 8);
    uint64_t *t = g_new(uint64_t, entries + 1);
    for (uint64_t i = 0; i < entries; i++)
        t[i] = qcow2_be64(raw + 8 * i);
    g_free(raw);
    *out = t;
    return r;
}

static void qcow2_state_setup(Qcow2State *s, const Qcow2Header *h, uint64_t file_size)
{
    s->version = h->version;
    s->cluster_bits = h->cluster_bits;
    s->cluster_size = 1ull << h->cluster_bits;
    s->l2_bits = h->cluster_bits - 3;
    s->l1_offset = h->l1_offset;
    s->l1_size = h->l1_size;
    s->rt_offset = h->rt_offset;
    s->rt_clusters = h->rt_clusters;
    s->rt_entries = ((uint64_t)h->rt_clusters << h->cluster_bits) / 8;
    s->refcount_order = h->refcount_order;
    s->rb_bits = h->cluster_bits + 3 - h->refcount_order;
    s->refcount_max = h->refcount_order == 6 ? UINT64_MAX : (1ull << (1u << h->refcount_order)) - 1;
    s->incompat = h->incompat;
    s->compat = h->compat;
    s->autoclear = h->autoclear;
    s->header_length = h->header_length;
    s->csize_shift = 62 - (h->cluster_bits - 8);
    s->csize_mask = (1ull << (h->cluster_bits - 8)) - 1;
    s->file_size = file_size;
    s->free_hint = 1;
}

static int open_backing(BlockNode *node, const Qcow2Header *h, const uint8_t *cluster,
                        const char *fmt, char **err)
{
    if (node->preset_backing) {
        node->backing = node->preset_backing;
        return 0;
    }
    if (!h->backing_offset || h->backing_size == 0)
        return 0;
    char *name = g_strndup((const char *)cluster + h->backing_offset, h->backing_size);
    node->backing = block_open_backing(node, name, fmt[0] ? fmt : NULL, err);
    g_free(name);
    return node->backing ? 0 : -1;
}

static int read_first_cluster(BlockNode *node, uint64_t file_size, uint8_t **cluster,
                              Qcow2Header *h, char **err)
{
    uint8_t head[QCOW2_V3_HEADER_LENGTH + 8] = {0};
    struct iovec iov = {head, sizeof(head)};
    if (file_size < QCOW2_V2_HEADER_LENGTH || block_fd_rw(node->fd, 0, &iov, 1, false) < 0) {
        *err = g_strdup_printf("%s: truncated qcow2 header", node->filename);
        return -1;
    }
    header_decode(head, h);
    if (!header_basic_ok(head, h, node->filename, err))
        return -1;
    if (h->version >= 3 && file_size < h->header_length) {
        *err = g_strdup_printf("%s: truncated qcow2 header", node->filename);
        return -1;
    }
    *cluster = g_malloc0(1ull << h->cluster_bits);
    iov = (struct iovec){*cluster, 1ull << h->cluster_bits};
    if (block_fd_rw(node->fd, 0, &iov, 1, false) < 0) {
        *err = g_strdup_printf("%s: cannot read the header: %s", node->filename, strerror(errno));
        return -1;
    }
    return 0;
}

static int qcow2_open(BlockNode *node, char **err)
{
    struct stat st;
    if (fstat(node->fd, &st) < 0) {
        *err = g_strdup_printf("%s: %s", node->filename, strerror(errno));
        return -1;
    }
    uint64_t file_size = (uint64_t)st.st_size;
    Qcow2Header h;
    uint8_t *cluster = NULL;
    char backing_fmt[32] = "";
    if (read_first_cluster(node, file_size, &cluster, &h, err) < 0 ||
        !header_features_ok(&h, node, err) ||
        !header_layout_ok(&h, file_size, node->filename, err) ||
        !parse_extensions(cluster, &h, backing_fmt, sizeof(backing_fmt), node->filename, err)) {
        g_free(cluster);
        return -1;
    }
    Qcow2State *s = g_new0(Qcow2State, 1);
    s->node = node;
    qcow2_state_setup(s, &h, file_size);
    node->opaque = s;
    node->size = h.size;
    int r = load_table(s, s->l1_offset, s->l1_size, &s->l1);
    if (r == 0)
        r = load_table(s, s->rt_offset, s->rt_entries, &s->rt);
    if (r < 0) {
        *err =
            g_strdup_printf("%s: cannot read the qcow2 tables: %s", node->filename, strerror(-r));
    } else if (open_backing(node, &h, cluster, backing_fmt, err) < 0) {
        r = -1;
    } else if (!node->read_only && s->version >= 3 && s->autoclear) {
        /* Autoclear features we do not maintain must be cleared when we write. */
        uint8_t zero[8] = {0};
        r = qcow2_pwrite_file(s, QCOW2_HDR_AUTOCLEAR, zero, 8);
        if (r < 0)
            *err =
                g_strdup_printf("%s: cannot update the header: %s", node->filename, strerror(-r));
        s->autoclear = 0;
    }
    g_free(cluster);
    if (r < 0) {
        g_free(s->l1);
        g_free(s->rt);
        g_free(s);
        node->opaque = NULL;
        return -1;
    }
    unsigned l2_tables = MAX(QCOW2_L2_CACHE_TABLES, (unsigned)((1u << 20) >> s->cluster_bits));
    qcow2_cache_init(&s->l2_cache, node, s->cluster_size, MIN(l2_tables, 64u));
    qcow2_cache_init(&s->rb_cache, node, s->cluster_size, QCOW2_RB_CACHE_TABLES);
    pthread_rwlock_init(&s->rw, NULL);
    return 0;
}

static void qcow2_close(BlockNode *node)
{
    Qcow2State *s = node->opaque;
    if (!s)
        return;
    qcow2_cache_destroy(&s->l2_cache);
    qcow2_cache_destroy(&s->rb_cache);
    pthread_rwlock_destroy(&s->rw);
    g_free(s->l1);
    g_free(s->rt);
    g_free(s);
    node->opaque = NULL;
}

/* ---- The cluster map ---- */

static uint64_t l1_index(const Qcow2State *s, uint64_t guest)
{
    return guest >> (s->cluster_bits + s->l2_bits);
}

static uint64_t l2_index(const Qcow2State *s, uint64_t guest)
{
    return (guest >> s->cluster_bits) & ((1ull << s->l2_bits) - 1);
}

/* The L2 table offset of L1 entry i, checked; 0 if none. */
static int l2_table_offset(Qcow2State *s, uint64_t i, uint64_t *offset)
{
    *offset = 0;
    if (i >= s->l1_size)
        return 0;
    uint64_t e = s->l1[i];
    if (e & QCOW2_L1_RESERVED)
        return block_report_corrupt(s->node, "L1 entry %llu has reserved bits set",
                                    (unsigned long long)i);
    uint64_t off = e & QCOW2_OFFSET_MASK;
    if (off == 0)
        return 0;
    int r = qcow2_check_table_offset(s, off, "L2 table of L1 entry", i);
    if (r == 0)
        *offset = off;
    return r;
}

/* What an L2 entry describes, after checking it. */
static int classify(Qcow2State *s, uint64_t guest, uint64_t e, ClusterKind *kind)
{
    unsigned long long g = (unsigned long long)guest;
    if (e & QCOW2_OFLAG_COMPRESSED) {
        uint64_t off, len;
        qcow2_compressed_extent(s, e, &off, &len);
        if (off < s->cluster_size || off >= s->file_size)
            return block_report_corrupt(s->node, "compressed cluster for 0x%llx outside the file",
                                        g);
        *kind = CLUSTER_COMPRESSED;
        return 0;
    }
    if ((e & QCOW2_OFLAG_ZERO) && s->version < 3)
        return block_report_corrupt(s->node, "zero flag in a version 2 image (0x%llx)", g);
    if (e & QCOW2_L2_RESERVED)
        return block_report_corrupt(s->node, "L2 entry for 0x%llx has reserved bits set", g);
    uint64_t off = e & QCOW2_OFFSET_MASK;
    if (off & (s->cluster_size - 1))
        return block_report_corrupt(s->node, "data cluster for 0x%llx is not aligned", g);
    if (off != 0 && off < s->cluster_size)
        return block_report_corrupt(s->node, "data cluster for 0x%llx overlaps the header", g);
    if (e & QCOW2_OFLAG_ZERO)
        *kind = CLUSTER_ZERO;
    else
        *kind = off ? CLUSTER_NORMAL : CLUSTER_UNALLOCATED;
    return 0;
}

/* The L2 entry that maps guest offset guest (0 if there is no L2 table). */
static int lookup(Qcow2State *s, uint64_t guest, uint64_t *entry, ClusterKind *kind)
{
    uint64_t l2off;
    *entry = 0;
    *kind = CLUSTER_UNALLOCATED;
    int r = l2_table_offset(s, l1_index(s, guest), &l2off);
    if (r < 0 || l2off == 0)
        return r;
    uint8_t *table;
    r = qcow2_cache_get(&s->l2_cache, l2off, false, &table);
    if (r < 0)
        return r;
    *entry = qcow2_be64(table + 8 * l2_index(s, guest));
    qcow2_cache_put(&s->l2_cache, table);
    return classify(s, guest, *entry, kind);
}

static int decompress_cluster(Qcow2State *s, uint64_t guest, uint64_t e, uint8_t *out)
{
    uint64_t off, len;
    qcow2_compressed_extent(s, e, &off, &len);
    uint8_t *in = g_malloc(len);
    int r = qcow2_pread_file(s, off, in, len);
    if (r == 0) {
        z_stream z = {0};
        z.next_in = in;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)s->cluster_size;
        /* Raw deflate with a 4 KiB window, as QEMU writes it. */
        if (inflateInit2(&z, -12) != Z_OK) {
            r = -ENOMEM;
        } else {
            int zr = inflate(&z, Z_FINISH);
            if (!((zr == Z_STREAM_END || zr == Z_BUF_ERROR) && z.avail_out == 0))
                r = block_report_corrupt(s->node, "compressed cluster for 0x%llx does not inflate",
                                         (unsigned long long)guest);
            inflateEnd(&z);
        }
    }
    g_free(in);
    return r;
}

/* Reads [guest, guest + len), inside one cluster described by entry e, into iov. */
static int read_mapped(Qcow2State *s, uint64_t guest, uint64_t e, ClusterKind kind,
                       const struct iovec *iov, int niov, uint64_t len)
{
    uint64_t in_cluster = guest & (s->cluster_size - 1);
    switch (kind) {
    case CLUSTER_UNALLOCATED:
        if (s->node->backing)
            return block_read_backing(s->node->backing, guest, iov, niov);
        /* fall through */
    case CLUSTER_ZERO: iov_memset(iov, niov, 0, 0, len); return 0;
    case CLUSTER_NORMAL:
        return block_fd_rw(s->node->fd, (e & QCOW2_OFFSET_MASK) + in_cluster, iov, niov, false);
    case CLUSTER_COMPRESSED: {
        uint8_t *buf = g_malloc(s->cluster_size);
        int r = decompress_cluster(s, guest, e, buf);
        if (r == 0)
            iov_from_buf(iov, niov, 0, buf + in_cluster, len);
        g_free(buf);
        return r;
    }
    }
    return -EINVAL;
}

/* Calls fn for each cluster-bounded piece of [offset, offset + bytes) with the matching
 * part of iov. */
typedef int (*PieceFn)(Qcow2State *s, uint64_t guest, const struct iovec *iov, int niov,
                       uint64_t len);

static int for_each_piece(Qcow2State *s, uint64_t offset, const struct iovec *iov, int niov,
                          uint64_t bytes, PieceFn fn)
{
    struct iovec stack_part[16];
    struct iovec *part = niov <= 16 ? stack_part : g_new(struct iovec, niov);
    uint64_t done = 0;
    int r = 0;
    while (done < bytes && r == 0) {
        uint64_t guest = offset + done;
        uint64_t len = MIN(bytes - done, s->cluster_size - (guest & (s->cluster_size - 1)));
        int n = iov_slice(iov, niov, done, len, part, niov);
        r = n < 0 ? -EINVAL : fn(s, guest, part, n, len);
        done += len;
    }
    if (part != stack_part)
        g_free(part);
    return r;
}

static int read_piece(Qcow2State *s, uint64_t guest, const struct iovec *iov, int niov,
                      uint64_t len)
{
    uint64_t e;
    ClusterKind kind;
    int r = lookup(s, guest, &e, &kind);
    return r < 0 ? r : read_mapped(s, guest, e, kind, iov, niov, len);
}

static int qcow2_preadv(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov,
                        uint64_t bytes)
{
    Qcow2State *s = node->opaque;
    pthread_rwlock_rdlock(&s->rw);
    int r = for_each_piece(s, offset, iov, niov, bytes, read_piece);
    pthread_rwlock_unlock(&s->rw);
    return r;
}

/* ---- Writing ---- */

static int write_l1_entry(Qcow2State *s, uint64_t i, uint64_t value)
{
    uint8_t be[8];
    qcow2_put_be64(be, value);
    int r = qcow2_pwrite_file(s, s->l1_offset + 8 * i, be, 8);
    if (r == 0)
        s->l1[i] = value;
    return r;
}

/* The L2 table for L1 entry i, pinned, ready to be changed: allocated if missing, and
 * copied first if shared with a snapshot (no COPIED flag). */
static int l2_table_for_write(Qcow2State *s, uint64_t i, uint8_t **table)
{
    uint64_t old;
    int r = l2_table_offset(s, i, &old);
    if (r < 0)
        return r;
    if (old && (s->l1[i] & QCOW2_OFLAG_COPIED))
        return qcow2_cache_get(&s->l2_cache, old, false, table);
    uint64_t fresh;
    r = qcow2_alloc_cluster(s, &fresh);
    if (r < 0)
        return r;
    uint8_t *t;
    r = qcow2_cache_get(&s->l2_cache, fresh, true, &t);
    if (r < 0)
        return r;
    if (old) {
        uint8_t *src;
        r = qcow2_cache_get(&s->l2_cache, old, false, &src);
        if (r == 0) {
            memcpy(t, src, s->cluster_size);
            qcow2_cache_put(&s->l2_cache, src);
        }
    }
    if (r == 0)
        r = qcow2_cache_write(&s->l2_cache, t, 0, s->cluster_size);
    if (r == 0)
        r = write_l1_entry(s, i, fresh | QCOW2_OFLAG_COPIED);
    if (r == 0 && old)
        r = qcow2_update_refcounts(s, old, s->cluster_size, -1);
    if (r < 0) {
        qcow2_cache_put(&s->l2_cache, t);
        return r;
    }
    *table = t;
    return 0;
}

static int set_l2_entry(Qcow2State *s, uint8_t *table, uint64_t guest, uint64_t value)
{
    size_t at = 8 * l2_index(s, guest);
    qcow2_put_be64(table + at, value);
    return qcow2_cache_write(&s->l2_cache, table, at, 8);
}

/* Whether an entry owns a host cluster we may write in place. */
static bool writable_in_place(uint64_t e, ClusterKind kind)
{
    return (kind == CLUSTER_NORMAL || kind == CLUSTER_ZERO) && (e & QCOW2_OFFSET_MASK) &&
           (e & QCOW2_OFLAG_COPIED);
}

/* Writes a whole new cluster's contents: the old contents (backing file, compressed
 * data, zeros) with the piece written over them, to a new host cluster or to the
 * preallocated one of a zero cluster. */
static int write_whole_cluster(Qcow2State *s, uint8_t *table, uint64_t guest, uint64_t e,
                               ClusterKind kind, const struct iovec *iov, int niov, uint64_t len)
{
    uint64_t start = guest & ~(s->cluster_size - 1), in_cluster = guest - start;
    uint8_t *buf = g_malloc(s->cluster_size);
    struct iovec whole = {buf, s->cluster_size};
    int r = 0;
    if (len < s->cluster_size)
        r = read_mapped(s, start, e, kind, &whole, 1, s->cluster_size);
    iov_to_buf(iov, niov, 0, buf + in_cluster, len);
    bool in_place = writable_in_place(e, kind);
    uint64_t host = e & QCOW2_OFFSET_MASK;
    if (r == 0 && !in_place)
        r = qcow2_alloc_cluster(s, &host);
    if (r == 0)
        r = qcow2_pwrite_file(s, host, buf, s->cluster_size);
    g_free(buf);
    if (r == 0)
        r = set_l2_entry(s, table, guest, host | QCOW2_OFLAG_COPIED);
    if (r == 0 && !in_place)
        r = qcow2_free_l2_entry(s, e);
    return r;
}

static int write_piece(Qcow2State *s, uint64_t guest, const struct iovec *iov, int niov,
                       uint64_t len)
{
    uint8_t *table;
    int r = l2_table_for_write(s, l1_index(s, guest), &table);
    if (r < 0)
        return r;
    uint64_t e = qcow2_be64(table + 8 * l2_index(s, guest));
    ClusterKind kind;
    r = classify(s, guest, e, &kind);
    if (r == 0 && kind == CLUSTER_NORMAL && (e & QCOW2_OFLAG_COPIED)) {
        uint64_t host = e & QCOW2_OFFSET_MASK;
        if (host >= s->file_size)
            r = block_report_corrupt(s->node, "data cluster for 0x%llx lies past the end",
                                     (unsigned long long)guest);
        else
            r = block_fd_rw(s->node->fd, host + (guest & (s->cluster_size - 1)), iov, niov, true);
    } else if (r == 0) {
        r = write_whole_cluster(s, table, guest, e, kind, iov, niov, len);
    }
    qcow2_cache_put(&s->l2_cache, table);
    return r;
}

static int qcow2_pwritev(BlockNode *node, uint64_t offset, const struct iovec *iov, int niov,
                         uint64_t bytes)
{
    Qcow2State *s = node->opaque;
    pthread_rwlock_wrlock(&s->rw);
    int r = for_each_piece(s, offset, iov, niov, bytes, write_piece);
    pthread_rwlock_unlock(&s->rw);
    return r;
}

static int qcow2_flush(BlockNode *node)
{
    /* Metadata is written through, so the file holds everything: sync it. */
    return fdatasync(node->fd) < 0 ? -errno : 0;
}

/* Rewrites the entry of one whole guest cluster to `target` (0: unallocated, or
 * QCOW2_OFLAG_ZERO), keeping a preallocated host cluster when keep_allocation. */
static int remap_cluster(Qcow2State *s, uint64_t guest, uint64_t target, bool keep_allocation)
{
    uint64_t l2off;
    int r = l2_table_offset(s, l1_index(s, guest), &l2off);
    if (r < 0)
        return r;
    /* Without an L2 table the cluster is unallocated: nothing to do unless it must
     * become a zero cluster over a backing file. */
    if (l2off == 0 && !(target == QCOW2_OFLAG_ZERO && s->node->backing))
        return 0;
    uint8_t *table;
    r = l2_table_for_write(s, l1_index(s, guest), &table);
    if (r < 0)
        return r;
    uint64_t e = qcow2_be64(table + 8 * l2_index(s, guest)), value = target;
    ClusterKind kind;
    r = classify(s, guest, e, &kind);
    bool keep = r == 0 && keep_allocation && writable_in_place(e, kind);
    if (keep)
        value = (e & QCOW2_OFFSET_MASK) | QCOW2_OFLAG_COPIED | QCOW2_OFLAG_ZERO;
    if (r == 0 && value != e) {
        r = set_l2_entry(s, table, guest, value);
        if (r == 0 && !keep)
            r = qcow2_free_l2_entry(s, e);
    }
    qcow2_cache_put(&s->l2_cache, table);
    return r;
}

/* Writes zeros into a part of one cluster (or a whole cluster of a v2 image). */
static int zero_piece_by_writing(Qcow2State *s, uint64_t guest, uint64_t len)
{
    uint64_t e;
    ClusterKind kind;
    int r = lookup(s, guest, &e, &kind);
    if (r < 0)
        return r;
    if (kind == CLUSTER_ZERO || (kind == CLUSTER_UNALLOCATED && !s->node->backing))
        return 0; /* already reads as zeros */
    uint8_t *zeros = g_malloc0(len);
    struct iovec iov = {zeros, len};
    r = write_piece(s, guest, &iov, 1, len);
    g_free(zeros);
    return r;
}

static int qcow2_write_zeroes(BlockNode *node, uint64_t offset, uint64_t bytes, bool may_unmap)
{
    Qcow2State *s = node->opaque;
    pthread_rwlock_wrlock(&s->rw);
    int r = 0;
    for (uint64_t done = 0; done < bytes && r == 0;) {
        uint64_t guest = offset + done;
        uint64_t len = MIN(bytes - done, s->cluster_size - (guest & (s->cluster_size - 1)));
        if (len == s->cluster_size && s->version >= 3)
            r = remap_cluster(s, guest, QCOW2_OFLAG_ZERO, !may_unmap);
        else
            r = zero_piece_by_writing(s, guest, len);
        done += len;
    }
    pthread_rwlock_unlock(&s->rw);
    return r;
}

static int qcow2_discard(BlockNode *node, uint64_t offset, uint64_t bytes)
{
    Qcow2State *s = node->opaque;
    pthread_rwlock_wrlock(&s->rw);
    int r = 0;
    /* Whole clusters only: they become unallocated, or zero clusters where a backing
     * file would otherwise show through (v3; a v2 image keeps them). */
    uint64_t first = (offset + s->cluster_size - 1) & ~(s->cluster_size - 1);
    uint64_t end = (offset + bytes) & ~(s->cluster_size - 1);
    for (uint64_t guest = first; guest < end && r == 0; guest += s->cluster_size) {
        if (!node->backing)
            r = remap_cluster(s, guest, 0, false);
        else if (s->version >= 3)
            r = remap_cluster(s, guest, QCOW2_OFLAG_ZERO, false);
    }
    pthread_rwlock_unlock(&s->rw);
    return r;
}

/* ---- Creation ---- */

/* Clusters of the new image: header, L1 table, refcount table, refcount blocks. */
typedef struct CreateLayout {
    uint64_t cluster_size, l1_size, l1_clusters, rt_clusters, rb_count, total;
} CreateLayout;

static void create_layout(const Qcow2CreateOptions *o, unsigned cluster_bits, CreateLayout *l)
{
    l->cluster_size = 1ull << cluster_bits;
    uint64_t l2_span = l->cluster_size * (l->cluster_size / 8);
    l->l1_size = (o->size + l2_span - 1) / l2_span;
    l->l1_clusters = MAX(1, (l->l1_size * 8 + l->cluster_size - 1) / l->cluster_size);
    uint64_t per_block = l->cluster_size * 8 / 16; /* 16-bit refcounts */
    l->rt_clusters = 1;
    l->rb_count = 1;
    for (int i = 0; i < 32; i++) {
        l->total = 1 + l->l1_clusters + l->rt_clusters + l->rb_count;
        uint64_t rb = (l->total + per_block - 1) / per_block;
        uint64_t rt = MAX(1, (rb * 8 + l->cluster_size - 1) / l->cluster_size);
        if (rb == l->rb_count && rt == l->rt_clusters)
            break;
        l->rb_count = rb;
        l->rt_clusters = rt;
    }
}

/* The first cluster: header, extensions, backing file name. */
static bool create_header(const Qcow2CreateOptions *o, unsigned version, unsigned cluster_bits,
                          const CreateLayout *l, uint8_t *h)
{
    uint32_t header_length = version >= 3 ? 112 : QCOW2_V2_HEADER_LENGTH;
    qcow2_put_be32(h, QCOW2_MAGIC);
    qcow2_put_be32(h + 4, version);
    qcow2_put_be32(h + QCOW2_HDR_CLUSTER_BITS, cluster_bits);
    qcow2_put_be64(h + QCOW2_HDR_SIZE, o->size);
    qcow2_put_be32(h + QCOW2_HDR_L1_SIZE, (uint32_t)l->l1_size);
    qcow2_put_be64(h + QCOW2_HDR_L1_OFFSET, l->cluster_size);
    qcow2_put_be64(h + QCOW2_HDR_RT_OFFSET, (1 + l->l1_clusters) * l->cluster_size);
    qcow2_put_be32(h + QCOW2_HDR_RT_CLUSTERS, (uint32_t)l->rt_clusters);
    if (version >= 3) {
        qcow2_put_be32(h + QCOW2_HDR_REFCOUNT_ORDER, 4);
        qcow2_put_be32(h + QCOW2_HDR_LENGTH, header_length);
    }
    uint64_t off = header_length;
    if (o->backing_file && o->backing_fmt) {
        size_t n = strlen(o->backing_fmt);
        qcow2_put_be32(h + off, QCOW2_EXT_BACKING_FORMAT);
        qcow2_put_be32(h + off + 4, (uint32_t)n);
        memcpy(h + off + 8, o->backing_fmt, n);
        off += 8 + ((n + 7) & ~7ull);
    }
    off += 8; /* end of extensions: type 0, length 0 */
    if (o->backing_file) {
        size_t n = strlen(o->backing_file);
        if (n > QCOW2_MAX_BACKING_NAME || off + n > l->cluster_size)
            return false;
        qcow2_put_be64(h + QCOW2_HDR_BACKING_OFFSET, off);
        qcow2_put_be32(h + QCOW2_HDR_BACKING_SIZE, (uint32_t)n);
        memcpy(h + off, o->backing_file, n);
    }
    return true;
}

/* Refcount table and blocks: every cluster of the layout has refcount 1. */
static void create_refcounts(const CreateLayout *l, uint8_t *rt, uint8_t *blocks)
{
    uint64_t first_block = 1 + l->l1_clusters + l->rt_clusters;
    for (uint64_t b = 0; b < l->rb_count; b++)
        qcow2_put_be64(rt + 8 * b, (first_block + b) * l->cluster_size);
    for (uint64_t c = 0; c < l->total; c++)
        qcow2_put_be16(blocks + 2 * c, 1);
}

int qcow2_create(const char *path, const Qcow2CreateOptions *o, char **err)
{
    unsigned cluster_bits = o->cluster_bits ? o->cluster_bits : 16;
    unsigned version = o->version ? o->version : 3;
    if (cluster_bits < QCOW2_MIN_CLUSTER_BITS || cluster_bits > QCOW2_MAX_CLUSTER_BITS ||
        (version != 2 && version != 3)) {
        *err = g_strdup_printf("%s: invalid qcow2 cluster size or version", path);
        return -EINVAL;
    }
    CreateLayout l;
    create_layout(o, cluster_bits, &l);
    if (l.l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        *err = g_strdup_printf("%s: disk too large for the cluster size", path);
        return -EFBIG;
    }
    uint8_t *header = g_malloc0(l.cluster_size);
    uint64_t meta_bytes = (l.rt_clusters + l.rb_count) * l.cluster_size;
    uint8_t *meta = g_malloc0(meta_bytes);
    int r = 0;
    if (!create_header(o, version, cluster_bits, &l, header)) {
        *err = g_strdup_printf("%s: backing file name too long", path);
        r = -ENAMETOOLONG;
    }
    create_refcounts(&l, meta, meta + l.rt_clusters * l.cluster_size);
    int fd = r == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (r == 0 && fd < 0) {
        r = -errno;
        *err = g_strdup_printf("%s: cannot create: %s", path, strerror(errno));
    }
    if (fd >= 0) {
        struct iovec hv = {header, l.cluster_size}, mv = {meta, meta_bytes};
        r = block_fd_rw(fd, 0, &hv, 1, true);
        if (r == 0)
            r = block_fd_rw(fd, (1 + l.l1_clusters) * l.cluster_size, &mv, 1, true);
        if (r == 0 && ftruncate(fd, (off_t)(l.total * l.cluster_size)) < 0)
            r = -errno;
        if (r < 0)
            *err = g_strdup_printf("%s: cannot write: %s", path, strerror(-r));
        close(fd);
    }
    g_free(header);
    g_free(meta);
    return r;
}

const BlockDriver block_driver_qcow2 = {
    .name = "qcow2",
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .flush = qcow2_flush,
    .discard = qcow2_discard,
    .write_zeroes = qcow2_write_zeroes,
};
