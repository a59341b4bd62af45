/* qcow2: images Pacifica creates and writes pass `qemu-img check` and match what was
 * written (`qemu-img compare` against a raw file holding the expected bytes); images
 * qemu-img made (v2 and v3, compressed, with backing files, internal snapshots, odd
 * refcount widths) read back right and stay clean after Pacifica writes to them;
 * allocation and refcount-table growth with tiny clusters; corrupt and truncated images
 * are refused at open or fail the one request, never crash.
 *
 * The qemu-img cross-checks are skipped when qemu-img is not installed (Debian package
 * qemu-utils). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/aio.h"
#include "block/block.h"
#include "block/qcow2.h"

#define MIB (1024 * 1024)

typedef struct Fixture {
    char *dir;
} Fixture;

static char *path_in(Fixture *f, const char *name)
{
    return g_build_filename(f->dir, name, NULL);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("pacifica-qcow2-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    GDir *d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *p = path_in(f, name);
        g_unlink(p);
        g_free(p);
    }
    g_dir_close(d);
    g_rmdir(f->dir);
    g_free(f->dir);
}

static bool have_qemu_img(void)
{
    char *p = g_find_program_in_path("qemu-img");
    bool found = p != NULL;
    g_free(p);
    if (!found)
        g_test_skip("qemu-img not installed (apt-get install qemu-utils)");
    return found;
}

/* Runs a command line; returns its exit status, output in *out if asked. */
static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *sout = NULL, *serr = NULL;
    int status = -1;
    GError *error = NULL;
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status,
                      &error)) {
        g_test_message("spawn failed: %s", error->message);
        g_error_free(error);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code != 0)
        g_test_message("'%s' exited %d:\n%s%s", cmd, code, sout ? sout : "", serr ? serr : "");
    if (out)
        *out = sout;
    else
        g_free(sout);
    g_free(serr);
    g_free(cmd);
    return code;
}

static BlockNode *open_image(const char *path, const char *fmt, bool read_only)
{
    BlockOpenOptions o = {
        .filename = path, .format = fmt, .read_only = read_only, .discard_unmap = true};
    char *err = NULL;
    BlockNode *n = block_open(&o, &err);
    if (!n)
        g_test_message("open %s: %s", path, err);
    g_assert_nonnull(n);
    g_free(err);
    return n;
}

static char *open_error(const char *path, const char *fmt, bool read_only)
{
    BlockOpenOptions o = {.filename = path, .format = fmt, .read_only = read_only};
    char *err = NULL;
    BlockNode *n = block_open(&o, &err);
    if (n) {
        block_close(n);
        return NULL;
    }
    g_assert_nonnull(err);
    return err;
}

static void make_qcow2(const char *path, uint64_t size, unsigned cluster_bits, const char *backing,
                       const char *backing_fmt)
{
    Qcow2CreateOptions c = {.size = size,
                            .cluster_bits = cluster_bits,
                            .backing_file = backing,
                            .backing_fmt = backing_fmt};
    char *err = NULL;
    int r = qcow2_create(path, &c, &err);
    if (r)
        g_test_message("%s", err);
    g_assert_cmpint(r, ==, 0);
    g_free(err);
}

/* A deterministic pattern: byte i of "seed" data. */
static void fill_pattern(uint8_t *buf, size_t len, uint64_t offset, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t x = (offset + i) * 2654435761u + seed * 40503u;
        buf[i] = (uint8_t)(x >> 13 ^ x);
    }
}

/* Writes the same bytes to the node and to a raw reference file. */
static void write_both(BlockNode *n, int ref_fd, uint64_t off, size_t len, unsigned seed)
{
    uint8_t *buf = g_malloc(len);
    fill_pattern(buf, len, off, seed);
    g_assert_cmpint(block_pwrite(n, off, buf, len), ==, 0);
    g_assert_cmpint(pwrite(ref_fd, buf, len, (off_t)off), ==, (ssize_t)len);
    g_free(buf);
}

static int make_ref(const char *path, uint64_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    return fd;
}

/* The node's contents equal the reference file's. */
static void assert_same_as_ref(BlockNode *n, int ref_fd, uint64_t size)
{
    uint8_t *a = g_malloc(MIB), *b = g_malloc(MIB);
    for (uint64_t off = 0; off < size; off += MIB) {
        size_t len = MIN(MIB, size - off);
        g_assert_cmpint(block_pread(n, off, a, len), ==, 0);
        g_assert_cmpint(pread(ref_fd, b, len, (off_t)off), ==, (ssize_t)len);
        if (memcmp(a, b, len) != 0) {
            for (size_t i = 0; i < len; i++) {
                if (a[i] != b[i]) {
                    g_test_message("differs at 0x%llx", (unsigned long long)(off + i));
                    break;
                }
            }
            g_assert_not_reached();
        }
    }
    g_free(a);
    g_free(b);
}

static void assert_check_clean(const char *img)
{
    g_assert_cmpint(run(NULL, "qemu-img check -q '%s'", img), ==, 0);
}

static void assert_compare(const char *img, const char *ref)
{
    g_assert_cmpint(run(NULL, "qemu-img compare -q -f qcow2 -F raw '%s' '%s'", img, ref), ==, 0);
}

/* A mix of writes: unaligned, cluster-crossing, overwrites, and far apart. */
static void write_mix(BlockNode *n, int ref_fd, uint64_t size, unsigned seed)
{
    GRand *rnd = g_rand_new_with_seed(seed);
    for (int i = 0; i < 120; i++) {
        size_t len = (size_t)g_rand_int_range(rnd, 1, 200 * 1024);
        uint64_t off = (uint64_t)g_rand_double_range(rnd, 0, (double)(size - len));
        write_both(n, ref_fd, off, len, seed + (unsigned)i);
    }
    g_rand_free(rnd);
}

static void test_create_write_check(Fixture *f, gconstpointer data)
{
    unsigned cluster_bits = GPOINTER_TO_UINT(data);
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "a.qcow2"), *ref = path_in(f, "a.raw");
    uint64_t size = 64 * MIB;
    make_qcow2(img, size, cluster_bits, NULL, NULL);
    assert_check_clean(img);
    int ref_fd = make_ref(ref, size);
    BlockNode *n = open_image(img, "qcow2", false);
    g_assert_cmpuint(n->size, ==, size);
    write_mix(n, ref_fd, size, 7);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    /* Reopened, it still reads the same. */
    n = open_image(img, NULL, true);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    close(ref_fd);
    g_free(img);
    g_free(ref);
}

/* Images from qemu-img: v2 (compat=0.10), v3, and refcount widths 1 and 64 bits. */
static void test_qemu_img_images(Fixture *f, gconstpointer data)
{
    const char *opts = data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "q.qcow2"), *ref = path_in(f, "q.raw");
    uint64_t size = 32 * MIB;
    g_assert_cmpint(run(NULL, "qemu-img create -q -f qcow2 -o %s '%s' 32M", opts, img), ==, 0);
    int ref_fd = make_ref(ref, size);
    BlockNode *n = open_image(img, NULL, false);
    write_mix(n, ref_fd, size, 11);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    close(ref_fd);
    g_free(img);
    g_free(ref);
}

/* qemu-img convert -c: compressed clusters read back, and writing into one replaces
 * it with a normal cluster whose other bytes keep the decompressed data. */
static void test_compressed(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "c.qcow2"), *ref = path_in(f, "c.raw");
    uint64_t size = 8 * MIB;
    int ref_fd = make_ref(ref, size);
    uint8_t *buf = g_malloc(size);
    /* Compressible: runs of one byte, with some pattern. */
    for (uint64_t i = 0; i < size; i++)
        buf[i] = (uint8_t)((i / 4096) * 7 + ((i % 512) < 8 ? i : 0));
    g_assert_cmpint(pwrite(ref_fd, buf, size, 0), ==, (ssize_t)size);
    g_free(buf);
    g_assert_cmpint(run(NULL, "qemu-img convert -q -c -O qcow2 -f raw '%s' '%s'", ref, img), ==, 0);
    /* Compressed it is: far smaller than the data. */
    GStatBuf st;
    g_assert_cmpint(g_stat(img, &st), ==, 0);
    g_assert_cmpint(st.st_size, <, (goffset)size / 4);
    BlockNode *n = open_image(img, NULL, false);
    assert_same_as_ref(n, ref_fd, size);
    write_both(n, ref_fd, 65536 + 1000, 3000, 5);
    write_both(n, ref_fd, 3 * MIB - 10, 20, 6);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    close(ref_fd);
    g_free(img);
    g_free(ref);
}

/* A qcow2 over a qcow2 over a raw base: reads fall through, partial writes copy the
 * rest of the cluster from below, and the lower images are never written. */
static void test_backing_chain(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *base = path_in(f, "base.raw"), *mid = path_in(f, "mid.qcow2");
    char *top = path_in(f, "top.qcow2"), *ref = path_in(f, "ref.raw");
    uint64_t size = 16 * MIB;
    int base_fd = make_ref(base, size);
    int ref_fd = make_ref(ref, size);
    uint8_t *buf = g_malloc(size);
    fill_pattern(buf, size, 0, 99);
    g_assert_cmpint(pwrite(base_fd, buf, size, 0), ==, (ssize_t)size);
    g_assert_cmpint(pwrite(ref_fd, buf, size, 0), ==, (ssize_t)size);
    g_free(buf);
    g_assert_cmpint(run(NULL, "qemu-img create -q -f qcow2 -b base.raw -F raw '%s'", mid), ==, 0);
    /* Something in the middle image too (written by qemu-io if present, else by us). */
    BlockNode *m = open_image(mid, NULL, false);
    write_both(m, ref_fd, 5 * MIB + 77, 70000, 1);
    block_close(m);
    make_qcow2(top, size, 0, "mid.qcow2", NULL); /* relative name, format probed */
    char *base_sum = NULL, *mid_sum = NULL;
    run(&base_sum, "md5sum < '%s'", base);
    run(&mid_sum, "md5sum < '%s'", mid);
    BlockNode *n = open_image(top, NULL, false);
    g_assert_nonnull(n->backing);
    g_assert_nonnull(n->backing->backing);
    assert_same_as_ref(n, ref_fd, size);
    write_both(n, ref_fd, 100, 10, 2);              /* partial cluster over the base */
    write_both(n, ref_fd, 5 * MIB + 60000, 400, 3); /* over the middle image's data */
    g_assert_cmpint(block_write_zeroes(n, 2 * MIB, 128 * 1024, true), ==, 0);
    uint8_t zeros[4096] = {0};
    for (int i = 0; i < 32; i++)
        g_assert_cmpint(pwrite(ref_fd, zeros, 4096, 2 * MIB + i * 4096), ==, 4096);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    char *base_sum2 = NULL, *mid_sum2 = NULL;
    run(&base_sum2, "md5sum < '%s'", base);
    run(&mid_sum2, "md5sum < '%s'", mid);
    g_assert_cmpstr(base_sum, ==, base_sum2);
    g_assert_cmpstr(mid_sum, ==, mid_sum2);
    assert_check_clean(top);
    assert_compare(top, ref);
    close(base_fd);
    close(ref_fd);
    g_free(base_sum);
    g_free(mid_sum);
    g_free(base_sum2);
    g_free(mid_sum2);
    g_free(base);
    g_free(mid);
    g_free(top);
    g_free(ref);
}

/* Write-zeroes and discard on whole and partial clusters, with and without unmap. */
static void test_zero_and_discard(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "z.qcow2"), *ref = path_in(f, "z.raw");
    uint64_t size = 8 * MIB;
    make_qcow2(img, size, 16, NULL, NULL);
    int ref_fd = make_ref(ref, size);
    BlockNode *n = open_image(img, "qcow2", false);
    write_both(n, ref_fd, 0, size, 4);
    uint8_t *zeros = g_malloc0(MIB);
    g_assert_cmpint(block_write_zeroes(n, 65536, 3 * 65536, true), ==, 0);
    g_assert_cmpint(pwrite(ref_fd, zeros, 3 * 65536, 65536), ==, 3 * 65536);
    g_assert_cmpint(block_write_zeroes(n, MIB, 65536, false), ==, 0); /* kept allocated */
    g_assert_cmpint(pwrite(ref_fd, zeros, 65536, MIB), ==, 65536);
    g_assert_cmpint(block_write_zeroes(n, 2 * MIB + 100, 1000, false), ==, 0); /* partial */
    g_assert_cmpint(pwrite(ref_fd, zeros, 1000, 2 * MIB + 100), ==, 1000);
    /* Discard without a backing file: the clusters read as zeros again. */
    g_assert_cmpint(block_discard(n, 4 * MIB, MIB), ==, 0);
    g_assert_cmpint(pwrite(ref_fd, zeros, MIB, 4 * MIB), ==, MIB);
    /* Writing into a zero cluster that kept its allocation. */
    write_both(n, ref_fd, MIB + 300, 50, 8);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    /* The discarded and unmapped clusters went back to the free pool. */
    char *info = NULL;
    run(&info, "qemu-img check --output=json '%s'", img);
    g_assert_nonnull(info);
    g_test_message("%s", info);
    g_free(info);
    close(ref_fd);
    g_free(zeros);
    g_free(img);
    g_free(ref);
}

/* Internal snapshots: clusters shared with a snapshot are copied, so the snapshot
 * keeps its data and the refcounts stay right. */
static void test_internal_snapshot(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "s.qcow2"), *ref = path_in(f, "s.raw"), *snap = path_in(f, "snap.raw");
    uint64_t size = 4 * MIB;
    make_qcow2(img, size, 16, NULL, NULL);
    int ref_fd = make_ref(ref, size);
    BlockNode *n = open_image(img, "qcow2", false);
    write_both(n, ref_fd, 0, size, 21);
    block_close(n);
    g_assert_cmpint(run(NULL, "qemu-img snapshot -c before '%s'", img), ==, 0);
    g_assert_cmpint(run(NULL, "cp '%s' '%s'", ref, snap), ==, 0);
    n = open_image(img, "qcow2", false);
    write_both(n, ref_fd, 1000, 200000, 22);
    g_assert_cmpint(block_write_zeroes(n, 2 * MIB, MIB, true), ==, 0);
    uint8_t *zeros = g_malloc0(MIB);
    g_assert_cmpint(pwrite(ref_fd, zeros, MIB, 2 * MIB), ==, MIB);
    g_free(zeros);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    g_assert_cmpint(
        run(NULL,
            "qemu-img compare -q -F raw 'json:{\"driver\":\"qcow2\",\"file\":{\"driver\":"
            "\"file\",\"filename\":\"%s\"},\"snapshot.name\":\"before\"}' '%s' 2>/dev/null "
            "|| (qemu-img convert -q -l snapshot.name=before -O raw '%s' '%s.out' && cmp "
            "'%s.out' '%s')",
            img, snap, img, snap, snap, snap),
        ==, 0);
    close(ref_fd);
    g_free(img);
    g_free(ref);
    g_free(snap);
}

/* 512-byte clusters: a refcount block covers 256 clusters and a table cluster 64
 * blocks, so filling 16 MiB grows the refcount table several times. */
static void test_refcount_growth(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "g.qcow2"), *ref = path_in(f, "g.raw");
    uint64_t size = 16 * MIB;
    make_qcow2(img, size, 9, NULL, NULL);
    int ref_fd = make_ref(ref, size);
    BlockNode *n = open_image(img, "qcow2", false);
    Qcow2State *s = n->opaque;
    uint32_t first_rt = s->rt_clusters;
    for (uint64_t off = 0; off < size; off += 256 * 1024)
        write_both(n, ref_fd, off, 256 * 1024, 31);
    g_assert_cmpuint(s->rt_clusters, >, first_rt);
    /* Free some and overwrite: freed clusters are reused. */
    g_assert_cmpint(block_discard(n, MIB, 2 * MIB), ==, 0);
    uint8_t *zeros = g_malloc0(2 * MIB);
    g_assert_cmpint(pwrite(ref_fd, zeros, 2 * MIB, MIB), ==, 2 * MIB);
    g_free(zeros);
    write_both(n, ref_fd, 10 * MIB, MIB, 32);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    close(ref_fd);
    g_free(img);
    g_free(ref);
}

/* Without qemu-img: allocation and refcounts seen from inside. */
static void test_allocation_refcounts(Fixture *f, gconstpointer data)
{
    (void)data;
    char *img = path_in(f, "r.qcow2");
    make_qcow2(img, 16 * MIB, 16, NULL, NULL);
    BlockNode *n = open_image(img, "qcow2", false);
    Qcow2State *s = n->opaque;
    uint8_t buf[512];
    memset(buf, 0xab, sizeof(buf));
    uint64_t file_before = s->file_size;
    g_assert_cmpint(block_pwrite(n, 5 * MIB, buf, sizeof(buf)), ==, 0);
    /* One L2 table and one data cluster, both with refcount 1. */
    g_assert_cmpuint(s->file_size, ==, file_before + 2 * 65536);
    uint64_t rc;
    for (uint64_t c = 0; c < (s->file_size >> 16); c++) {
        g_assert_cmpint(qcow2_get_refcount(s, c, &rc), ==, 0);
        g_assert_cmpuint(rc, ==, 1);
    }
    g_assert_cmpint(qcow2_get_refcount(s, s->file_size >> 16, &rc), ==, 0);
    g_assert_cmpuint(rc, ==, 0);
    /* The L1 entry has COPIED, the L2 entry too. */
    g_assert_true(s->l1[0] & QCOW2_OFLAG_COPIED);
    /* Overwrite in place: no new cluster. */
    g_assert_cmpint(block_pwrite(n, 5 * MIB + 512, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(s->file_size, ==, file_before + 2 * 65536);
    /* Discard frees the data cluster; the next write reuses it. */
    uint64_t data_cluster = (s->file_size >> 16) - 1;
    g_assert_cmpint(block_discard(n, 5 * MIB, 65536), ==, 0);
    g_assert_cmpint(qcow2_get_refcount(s, data_cluster, &rc), ==, 0);
    g_assert_cmpuint(rc, ==, 0);
    g_assert_cmpint(block_pwrite(n, 6 * MIB, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(qcow2_get_refcount(s, data_cluster, &rc), ==, 0);
    g_assert_cmpuint(rc, ==, 1);
    uint8_t back[512];
    g_assert_cmpint(block_pread(n, 5 * MIB, back, sizeof(back)), ==, 0);
    for (size_t i = 0; i < sizeof(back); i++)
        g_assert_cmpuint(back[i], ==, 0);
    g_assert_cmpint(block_pread(n, 6 * MIB, back, sizeof(back)), ==, 0);
    g_assert_cmpmem(back, sizeof(back), buf, sizeof(buf));
    block_close(n);
    g_free(img);
}

/* Patches bytes of a file. */
static void patch(const char *path, uint64_t off, const void *bytes, size_t len)
{
    int fd = open(path, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, bytes, len, (off_t)off), ==, (ssize_t)len);
    close(fd);
}

static void patch_be32(const char *path, uint64_t off, uint32_t v)
{
    uint8_t b[4];
    qcow2_put_be32(b, v);
    patch(path, off, b, 4);
}

static void patch_be64(const char *path, uint64_t off, uint64_t v)
{
    uint8_t b[8];
    qcow2_put_be64(b, v);
    patch(path, off, b, 8);
}

static void assert_refused(const char *path, const char *expect)
{
    char *err = open_error(path, "qcow2", false);
    g_assert_nonnull(err);
    g_test_message("%s", err);
    g_assert_true(strstr(err, path) != NULL); /* names the file */
    g_assert_true(strstr(err, expect) != NULL);
    g_free(err);
}

static void test_corrupt_headers(Fixture *f, gconstpointer data)
{
    (void)data;
    char *img = path_in(f, "bad.qcow2");
    struct {
        uint64_t off;
        int width;
        uint64_t value;
        const char *expect;
    } cases[] = {
        {0, 4, 0x12345678, "magic"},
        {4, 4, 4, "version"},
        {QCOW2_HDR_CLUSTER_BITS, 4, 8, "cluster size"},
        {QCOW2_HDR_CLUSTER_BITS, 4, 22, "cluster size"},
        {QCOW2_HDR_CLUSTER_BITS, 4, 0xffffffff, "cluster size"},
        {QCOW2_HDR_L1_OFFSET, 8, 0x7ffff0000, "L1 table"},
        {QCOW2_HDR_L1_OFFSET, 8, 0x10001, "L1 table"},
        {QCOW2_HDR_L1_SIZE, 4, 0xffffffff, "L1 table"},
        {QCOW2_HDR_L1_SIZE, 4, 0, "L1 table"},
        {QCOW2_HDR_RT_OFFSET, 8, 0x100000000000, "refcount table"},
        {QCOW2_HDR_RT_CLUSTERS, 4, 0, "refcount table"},
        {QCOW2_HDR_RT_CLUSTERS, 4, 0x10000000, "refcount table"},
        {QCOW2_HDR_CRYPT, 4, 1, "encrypted"},
        {QCOW2_HDR_INCOMPAT, 8, 1ull << 40, "incompatible"},
        {QCOW2_HDR_INCOMPAT, 8, QCOW2_INCOMPAT_CORRUPT, "corrupt"},
        {QCOW2_HDR_INCOMPAT, 8, QCOW2_INCOMPAT_EXTL2, "extended L2"},
        {QCOW2_HDR_INCOMPAT, 8, QCOW2_INCOMPAT_DATA_FILE, "external data"},
        {QCOW2_HDR_REFCOUNT_ORDER, 4, 7, "refcount order"},
        {QCOW2_HDR_LENGTH, 4, 50, "header length"},
        {QCOW2_HDR_BACKING_OFFSET, 8, 65530, "backing file name"},
        {QCOW2_HDR_SIZE, 8, 1ull << 63, "size"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        make_qcow2(img, 16 * MIB, 16, NULL, NULL);
        if (cases[i].off == QCOW2_HDR_BACKING_OFFSET)
            patch_be32(img, QCOW2_HDR_BACKING_SIZE, 100);
        if (cases[i].width == 4)
            patch_be32(img, cases[i].off, (uint32_t)cases[i].value);
        else
            patch_be64(img, cases[i].off, cases[i].value);
        g_test_message("case %zu", i);
        assert_refused(img, cases[i].expect);
    }
    /* Truncated files. */
    make_qcow2(img, 16 * MIB, 16, NULL, NULL);
    g_assert_cmpint(truncate(img, 50), ==, 0);
    assert_refused(img, "truncated");
    make_qcow2(img, 16 * MIB, 16, NULL, NULL);
    g_assert_cmpint(truncate(img, 65536 + 100), ==, 0); /* tables cut off */
    assert_refused(img, "outside the file");
    /* A dirty image may be read but not written. */
    make_qcow2(img, 16 * MIB, 16, NULL, NULL);
    patch_be64(img, QCOW2_HDR_INCOMPAT, QCOW2_INCOMPAT_DIRTY);
    assert_refused(img, "not closed cleanly");
    BlockNode *n = open_image(img, "qcow2", true);
    block_close(n);
    g_free(img);
}

/* Corrupt tables found while running fail the request (with one message), and the
 * image then refuses writes; nothing is read or written outside the file's tables. */
static void test_corrupt_tables(Fixture *f, gconstpointer data)
{
    (void)data;
    char *img = path_in(f, "t.qcow2");
    uint8_t buf[4096];
    memset(buf, 0x5a, sizeof(buf));
    make_qcow2(img, 2048ull * MIB, 16, NULL, NULL); /* 4 L1 entries of 512 MiB each */
    BlockNode *n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pwrite(n, 0, buf, sizeof(buf)), ==, 0);
    Qcow2State *s = n->opaque;
    uint64_t l1_off = s->l1_offset, l2_off = s->l1[0] & QCOW2_OFFSET_MASK;
    uint64_t rt_off = s->rt_offset;
    block_close(n);

    /* L1 entry pointing past the end of the file. */
    patch_be64(img, l1_off + 8, QCOW2_OFLAG_COPIED | 0x40000000000ull);
    n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pread(n, 0, buf, sizeof(buf)), ==, 0); /* entry 0 still fine */
    g_assert_cmpint(block_pread(n, 512 * MIB + 8 * MIB, buf, 512), ==, -EIO);
    g_assert_true(block_is_corrupt(n));
    g_assert_cmpint(block_pwrite(n, 0, buf, 512), ==, -EIO);
    block_close(n);
    patch_be64(img, l1_off + 8, 0);

    /* L2 entry not cluster aligned, and one with reserved bits. */
    patch_be64(img, l2_off + 8, QCOW2_OFLAG_COPIED | 0x30200ull);
    n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pread(n, 65536, buf, 512), ==, -EIO);
    block_close(n);
    patch_be64(img, l2_off + 8, 0x1ull << 57);
    n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pread(n, 65536, buf, 512), ==, -EIO);
    block_close(n);
    patch_be64(img, l2_off + 8, 0);

    /* A compressed entry whose data is garbage fails to inflate. */
    uint64_t csize_shift = 62 - (16 - 8);
    patch_be64(img, l2_off + 16, QCOW2_OFLAG_COMPRESSED | (1ull << csize_shift) | 0x10000);
    n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pread(n, 2 * 65536, buf, 512), ==, -EIO);
    block_close(n);
    patch_be64(img, l2_off + 16, 0);

    /* The refcount table pointing outside: allocation fails, nothing crashes. */
    patch_be64(img, rt_off, 0x7000000000ull);
    n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pread(n, 0, buf, 512), ==, 0);
    g_assert_cmpint(block_pwrite(n, 8 * MIB, buf, 512), ==, -EIO);
    block_close(n);
    /* And a refcount of 0 for the tables themselves: allocating there is refused. */
    patch_be64(img, rt_off, 0);
    n = open_image(img, "qcow2", false);
    g_assert_cmpint(block_pwrite(n, 8 * MIB, buf, 512), ==, -EIO);
    block_close(n);
    g_free(img);
}

/* Backing chains that loop, point nowhere, or name an unknown format. */
static void test_backing_errors(Fixture *f, gconstpointer data)
{
    (void)data;
    char *a = path_in(f, "a.qcow2"), *b = path_in(f, "b.qcow2");
    make_qcow2(a, MIB, 16, "b.qcow2", "qcow2");
    make_qcow2(b, MIB, 16, "a.qcow2", "qcow2");
    char *err = open_error(a, NULL, false);
    g_assert_nonnull(err);
    g_test_message("%s", err);
    g_assert_true(strstr(err, "loop") != NULL);
    g_free(err);
    make_qcow2(a, MIB, 16, "a.qcow2", NULL); /* itself */
    err = open_error(a, NULL, false);
    g_assert_true(err && strstr(err, "loop"));
    g_free(err);
    make_qcow2(a, MIB, 16, "missing.img", NULL);
    err = open_error(a, NULL, false);
    g_assert_true(err && strstr(err, "missing.img"));
    g_free(err);
    make_qcow2(a, MIB, 16, "b.qcow2", "vmdk");
    err = open_error(a, NULL, false);
    g_assert_true(err && strstr(err, "vmdk"));
    g_free(err);
    g_free(a);
    g_free(b);
}

typedef struct AioJob {
    BlockRequest req;
    struct iovec iov;
    uint8_t *buf;
    int ret;
    bool done;
} AioJob;

static void job_done(BlockRequest *req, int ret)
{
    AioJob *j = req->opaque;
    j->ret = ret;
    j->done = true;
}

/* Many concurrent reads and writes through the thread pool on one qcow2 node. */
static void test_concurrent(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "p.qcow2"), *ref = path_in(f, "p.raw");
    uint64_t size = 16 * MIB;
    make_qcow2(img, size, 12, NULL, NULL);
    int ref_fd = make_ref(ref, size);
    BlockNode *n = open_image(img, "qcow2", false);
    AioContext *ctx = aio_context_new(4);
    enum { JOBS = 64 };
    AioJob jobs[JOBS];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < JOBS; i++) {
            AioJob *j = &jobs[i];
            size_t len = 8192 + 512 * (size_t)i;
            uint64_t off = ((uint64_t)i * 250000 + (uint64_t)round * 77777) % (size - len);
            j->buf = g_malloc(len);
            bool is_write = (i + round) % 3 != 0;
            if (is_write) {
                /* Writes of one round never overlap: each job has its own stripe. */
                off = (uint64_t)i * (size / JOBS) + (uint64_t)round * 1000;
                fill_pattern(j->buf, len, off, (unsigned)(round * 100 + i));
                g_assert_cmpint(pwrite(ref_fd, j->buf, len, (off_t)off), ==, (ssize_t)len);
            }
            j->iov = (struct iovec){j->buf, len};
            j->done = false;
            j->req = (BlockRequest){.op = is_write ? BLOCK_OP_WRITE : BLOCK_OP_READ,
                                    .node = n,
                                    .offset = off,
                                    .iov = &j->iov,
                                    .niov = 1,
                                    .complete = job_done,
                                    .opaque = j};
            aio_submit(ctx, &j->req);
        }
        while (aio_context_in_flight(ctx))
            aio_context_wait(ctx);
        for (int i = 0; i < JOBS; i++) {
            g_assert_true(jobs[i].done);
            g_assert_cmpint(jobs[i].ret, ==, 0);
            g_free(jobs[i].buf);
        }
    }
    aio_context_free(ctx);
    assert_same_as_ref(n, ref_fd, size);
    block_close(n);
    assert_check_clean(img);
    assert_compare(img, ref);
    close(ref_fd);
    g_free(img);
    g_free(ref);
}

/* Killing the process in the middle of writes leaves an image qemu-img check finds
 * without corruption (leaks are allowed). */
static void test_kill_mid_write(Fixture *f, gconstpointer data)
{
    (void)data;
    if (!have_qemu_img())
        return;
    char *img = path_in(f, "k.qcow2");
    make_qcow2(img, 64 * MIB, 9, NULL, NULL);
    for (int attempt = 0; attempt < 3; attempt++) {
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
            BlockOpenOptions o = {.filename = img, .format = "qcow2"};
            char *err = NULL;
            BlockNode *n = block_open(&o, &err);
            if (!n)
                _exit(1);
            uint8_t buf[3000];
            for (unsigned i = 0;; i++) {
                fill_pattern(buf, sizeof(buf), i, i);
                block_pwrite(n, ((uint64_t)i * 7919 * 512) % (60 * MIB), buf, sizeof(buf));
            }
        }
        g_usleep(150000 + 100000 * (gulong)attempt);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        /* Exit code 0: clean; 3: leaks only. 2 would be corruption. */
        int code = run(NULL, "qemu-img check -q '%s'", img);
        g_assert_true(code == 0 || code == 3);
    }
    g_free(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn, data)                                                                        \
    g_test_add("/qcow2/" name, Fixture, data, fixture_setup, fn, fixture_teardown)
    ADD("create-write-check/64k", test_create_write_check, GUINT_TO_POINTER(16));
    ADD("create-write-check/4k", test_create_write_check, GUINT_TO_POINTER(12));
    ADD("create-write-check/512", test_create_write_check, GUINT_TO_POINTER(9));
    ADD("create-write-check/2m", test_create_write_check, GUINT_TO_POINTER(21));
    ADD("qemu-img/v2", test_qemu_img_images, "compat=0.10");
    ADD("qemu-img/v3", test_qemu_img_images, "compat=1.1");
    ADD("qemu-img/refcount-1bit", test_qemu_img_images, "refcount_bits=1,cluster_size=4096");
    ADD("qemu-img/refcount-64bit", test_qemu_img_images, "refcount_bits=64");
    ADD("qemu-img/lazy-refcounts", test_qemu_img_images, "lazy_refcounts=on");
    ADD("qemu-img/preallocated", test_qemu_img_images, "preallocation=metadata");
    ADD("compressed", test_compressed, NULL);
    ADD("backing-chain", test_backing_chain, NULL);
    ADD("zero-and-discard", test_zero_and_discard, NULL);
    ADD("internal-snapshot", test_internal_snapshot, NULL);
    ADD("refcount-growth", test_refcount_growth, NULL);
    ADD("allocation-refcounts", test_allocation_refcounts, NULL);
    ADD("corrupt-headers", test_corrupt_headers, NULL);
    ADD("corrupt-tables", test_corrupt_tables, NULL);
    ADD("backing-errors", test_backing_errors, NULL);
    ADD("concurrent", test_concurrent, NULL);
    ADD("kill-mid-write", test_kill_mid_write, NULL);
    return g_test_run();
}
