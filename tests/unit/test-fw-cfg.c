/* QEMU's fw_cfg device through its ports: signature and ID, the file directory, a
 * file read byte by byte and by DMA, refused DMA, junk selectors. */
#include <glib.h>
#include <string.h>

#include "hw/fw_cfg.h"

#define RAM_SIZE (1u << 20)

typedef struct Fixture {
    Log log;
    AddressSpace io, mem;
    uint8_t *ram;
    FwCfgState *fw;
    unsigned written_calls;
    uint64_t written_gpa, written_len;
} Fixture;

static void note_written(void *opaque, uint64_t gpa, uint64_t len)
{
    Fixture *f = opaque;
    f->written_calls++;
    f->written_gpa = gpa;
    f->written_len = len;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->log = (Log){0, NULL};
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    address_space_init(&f->mem, "mem", 1ull << 52, &f->log);
    f->ram = g_malloc0(RAM_SIZE);
    address_space_add_ram(&f->mem, "ram", 0, RAM_SIZE, f->ram, false, 0);
    f->fw = fw_cfg_new(&f->io, &f->mem, &f->log);
    fw_cfg_set_dma_written(f->fw, note_written, f);
    f->written_calls = 0;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    fw_cfg_free(f->fw);
    address_space_destroy(&f->mem);
    address_space_destroy(&f->io);
    g_free(f->ram);
}

static void select_key(Fixture *f, uint16_t key)
{
    address_space_write(&f->io, FW_CFG_IO_BASE, key, 2);
}

static void read_data(Fixture *f, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)address_space_read(&f->io, FW_CFG_IO_BASE + 1, 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes a descriptor at desc and starts it as a guest does: two big-endian halves,
 * high then low (the CPU's little-endian out of the byte-swapped value). */
static uint32_t run_dma(Fixture *f, uint64_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t *d = f->ram + desc;
    put_be32(d, control);
    put_be32(d + 4, len);
    put_be32(d + 8, (uint32_t)(addr >> 32));
    put_be32(d + 12, (uint32_t)addr);
    address_space_write(&f->io, FW_CFG_DMA_BASE, GUINT32_SWAP_LE_BE((uint32_t)(desc >> 32)), 4);
    address_space_write(&f->io, FW_CFG_DMA_BASE + 4, GUINT32_SWAP_LE_BE((uint32_t)desc), 4);
    return be32(d);
}

static void test_signature_and_id(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t buf[8];
    /* After reset the signature is selected. */
    f->fw->dev.reset(&f->fw->dev);
    read_data(f, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    /* Past the end: zeros. */
    read_data(f, buf, 2);
    g_assert_cmpuint(buf[0], ==, 0);
    g_assert_cmpuint(buf[1], ==, 0);
    /* Selecting again rewinds. */
    select_key(f, FW_CFG_SIGNATURE);
    g_assert_cmphex(address_space_read(&f->io, FW_CFG_IO_BASE + 1, 1), ==, 'Q');
    select_key(f, FW_CFG_ID);
    read_data(f, buf, 4);
    g_assert_cmphex(buf[0], ==, FW_CFG_VERSION_TRADITIONAL | FW_CFG_VERSION_DMA);
    /* The DMA register reads "QEMU CFG" byte by byte and as dwords. */
    for (unsigned i = 0; i < 8; i++)
        g_assert_cmphex(address_space_read(&f->io, FW_CFG_DMA_BASE + i, 1), ==,
                        (uint8_t) "QEMU CFG"[i]);
    g_assert_cmphex(address_space_read(&f->io, FW_CFG_DMA_BASE, 4), ==, 0x554d4551);
    g_assert_cmphex(address_space_read(&f->io, FW_CFG_DMA_BASE + 4, 4), ==, 0x47464320);
}

static void test_integers(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t buf[8];
    fw_cfg_add_i64(f->fw, FW_CFG_RAM_SIZE, 0x123456789aull);
    fw_cfg_add_i16(f->fw, FW_CFG_NB_CPUS, 4);
    select_key(f, FW_CFG_RAM_SIZE);
    read_data(f, buf, 8);
    static const uint8_t want[8] = {0x9a, 0x78, 0x56, 0x34, 0x12, 0, 0, 0};
    g_assert_cmpmem(buf, 8, want, 8);
    select_key(f, FW_CFG_NB_CPUS);
    read_data(f, buf, 2);
    g_assert_cmpuint(buf[0] | buf[1] << 8, ==, 4);
}

/* A borrowed item reads the caller's bytes (no copy is made: a change shows through),
 * and replacing it with a copied item or freeing the device leaves them alone. */
static void test_borrowed(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t image[6] = {'K', 'E', 'R', 'N', 'E', 'L'};
    uint8_t buf[6];
    fw_cfg_add_bytes_borrowed(f->fw, FW_CFG_KERNEL_DATA, image, sizeof(image));
    g_assert_true(f->fw->items[FW_CFG_KERNEL_DATA].data == image);
    select_key(f, FW_CFG_KERNEL_DATA);
    read_data(f, buf, 6);
    g_assert_cmpmem(buf, 6, "KERNEL", 6);
    fw_cfg_add_bytes(f->fw, FW_CFG_KERNEL_DATA, "copy", 4);
    g_assert_false(f->fw->items[FW_CFG_KERNEL_DATA].borrowed);
    g_assert_true(f->fw->items[FW_CFG_KERNEL_DATA].data != image);
    fw_cfg_add_bytes_borrowed(f->fw, FW_CFG_INITRD_DATA, image, sizeof(image));
    g_assert_cmpmem(image, 6, "KERNEL", 6); /* teardown frees the device, not image */
}

/* Finds name in the directory read through the ports; returns its size and selector. */
static bool dir_lookup(Fixture *f, const char *name, uint32_t *size, uint16_t *key)
{
    uint8_t hdr[4], e[64];
    select_key(f, FW_CFG_FILE_DIR);
    read_data(f, hdr, 4);
    uint32_t n = be32(hdr);
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        read_data(f, e, 64);
        if (!strcmp((const char *)e + 8, name)) {
            *size = be32(e);
            *key = (uint16_t)(e[4] << 8 | e[5]);
            found = true;
        }
    }
    return found;
}

static void test_directory(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_true(fw_cfg_add_file(f->fw, "etc/zeta", "zz", 2));
    g_assert_true(fw_cfg_add_file(f->fw, "bootorder", "", 0));
    g_assert_true(fw_cfg_add_file(f->fw, "etc/alpha", "hello", 5));
    /* A 56-byte name leaves no room for the NUL. */
    char longname[FW_CFG_MAX_FILE_NAME + 1];
    memset(longname, 'x', FW_CFG_MAX_FILE_NAME);
    longname[FW_CFG_MAX_FILE_NAME] = 0;
    g_assert_false(fw_cfg_add_file(f->fw, longname, "x", 1));
    g_assert_false(fw_cfg_add_file(f->fw, "", "x", 1));

    uint8_t hdr[4], e[64];
    select_key(f, FW_CFG_FILE_DIR);
    read_data(f, hdr, 4);
    g_assert_cmpuint(be32(hdr), ==, 3);
    /* Sorted by name, selectors from 0x20 on. */
    static const char *const names[3] = {"bootorder", "etc/alpha", "etc/zeta"};
    static const uint32_t sizes[3] = {0, 5, 2};
    for (unsigned i = 0; i < 3; i++) {
        read_data(f, e, 64);
        g_assert_cmpuint(be32(e), ==, sizes[i]);
        g_assert_cmpuint(e[4] << 8 | e[5], ==, FW_CFG_FILE_FIRST + i);
        g_assert_cmpstr((const char *)e + 8, ==, names[i]);
    }

    uint32_t size;
    uint16_t key;
    g_assert_true(dir_lookup(f, "etc/alpha", &size, &key));
    uint8_t buf[6];
    select_key(f, key);
    read_data(f, buf, 6);
    g_assert_cmpmem(buf, 5, "hello", 5);
    g_assert_cmpuint(buf[5], ==, 0);
    /* Replacing a file keeps one entry. */
    g_assert_true(fw_cfg_add_file(f->fw, "etc/alpha", "bye", 3));
    g_assert_true(dir_lookup(f, "etc/alpha", &size, &key));
    g_assert_cmpuint(size, ==, 3);
    g_assert_cmpuint(f->fw->nfiles, ==, 3);
}

static void test_dma_read(Fixture *f, gconstpointer data)
{
    (void)data;
    uint8_t blob[300];
    for (unsigned i = 0; i < sizeof(blob); i++)
        blob[i] = (uint8_t)(i * 7 + 1);
    g_assert_true(fw_cfg_add_file(f->fw, "etc/blob", blob, sizeof(blob)));
    uint32_t size;
    uint16_t key;
    g_assert_true(dir_lookup(f, "etc/blob", &size, &key));
    g_assert_cmpuint(size, ==, sizeof(blob));

    /* Select and read the first 100 bytes, skip 50, read the rest and 20 bytes beyond
     * the end (zeros). */
    memset(f->ram + 0x2000, 0xee, 0x400);
    uint32_t ctl = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    g_assert_cmphex(run_dma(f, 0x1000, ctl, 100, 0x2000), ==, 0);
    g_assert_cmpmem(f->ram + 0x2000, 100, blob, 100);
    g_assert_cmpuint(f->ram[0x2000 + 100], ==, 0xee);
    g_assert_cmpuint(f->written_calls, >=, 1);
    g_assert_cmphex(run_dma(f, 0x1000, FW_CFG_DMA_CTL_SKIP, 50, 0), ==, 0);
    g_assert_cmphex(run_dma(f, 0x1000, FW_CFG_DMA_CTL_READ, 170, 0x3000), ==, 0);
    g_assert_cmpmem(f->ram + 0x3000, 150, blob + 150, 150);
    for (unsigned i = 150; i < 170; i++)
        g_assert_cmpuint(f->ram[0x3000 + i], ==, 0);
    /* The descriptor's control word was written back, and the hook was told. */
    g_assert_cmpuint(f->written_gpa, ==, 0x1000);
    g_assert_cmpuint(f->written_len, ==, 4);

    /* The signature by DMA, with the selector in the descriptor. */
    ctl = (uint32_t)FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    g_assert_cmphex(run_dma(f, 0x1000, ctl, 4, 0x4000), ==, 0);
    g_assert_cmpmem(f->ram + 0x4000, 4, "QEMU", 4);
}

static void test_dma_refused(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_true(fw_cfg_add_file(f->fw, "etc/blob", "abcdef", 6));
    uint32_t ctl = FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    /* Outside RAM, or running off its end: refused, nothing written. */
    g_assert_cmphex(run_dma(f, 0x1000, ctl, 6, 0xfee00000), ==, FW_CFG_DMA_CTL_ERROR);
    g_assert_cmphex(run_dma(f, 0x1000, ctl, 16, RAM_SIZE - 8), ==, FW_CFG_DMA_CTL_ERROR);
    g_assert_cmphex(run_dma(f, 0x1000, ctl, 6, 1ull << 40), ==, FW_CFG_DMA_CTL_ERROR);
    for (unsigned i = 0; i < 8; i++)
        g_assert_cmpuint(f->ram[RAM_SIZE - 8 + i], ==, 0);
    /* Writes to items are refused. */
    memcpy(f->ram + 0x2000, "XXXXXX", 6);
    ctl = FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE;
    g_assert_cmphex(run_dma(f, 0x1000, ctl, 6, 0x2000), ==, FW_CFG_DMA_CTL_ERROR);
    select_key(f, FW_CFG_FILE_FIRST);
    uint8_t buf[6];
    read_data(f, buf, 6);
    g_assert_cmpmem(buf, 6, "abcdef", 6);
    /* A descriptor outside RAM is dropped without touching anything. */
    unsigned calls = f->written_calls;
    address_space_write(&f->io, FW_CFG_DMA_BASE, 0, 4);
    address_space_write(&f->io, FW_CFG_DMA_BASE + 4, GUINT32_SWAP_LE_BE(RAM_SIZE - 4), 4);
    g_assert_cmpuint(f->written_calls, ==, calls);
    /* A byte write to the DMA register does not start anything. */
    address_space_write(&f->io, FW_CFG_DMA_BASE + 7, 0x10, 1);
    g_assert_cmpuint(f->written_calls, ==, calls);
}

static void test_junk_selector(Fixture *f, gconstpointer data)
{
    (void)data;
    static const uint16_t junk[] = {0x1a,   0x1f,  FW_CFG_FILE_FIRST + 5, 0x3fff, 0x4000, 0x8000,
                                    0x8003, 0xffff};
    for (unsigned i = 0; i < G_N_ELEMENTS(junk); i++) {
        select_key(f, junk[i]);
        for (unsigned j = 0; j < 8; j++)
            g_assert_cmphex(address_space_read(&f->io, FW_CFG_IO_BASE + 1, 1), ==, 0);
        /* DMA from a junk item stores zeros and succeeds, as QEMU does. */
        memset(f->ram + 0x2000, 0xee, 16);
        uint32_t ctl = (uint32_t)junk[i] << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
        g_assert_cmphex(run_dma(f, 0x1000, ctl, 16, 0x2000), ==, 0);
        for (unsigned j = 0; j < 16; j++)
            g_assert_cmpuint(f->ram[0x2000 + j], ==, 0);
    }
    /* Byte writes to the selector, word reads: ignored; the selection stays. */
    select_key(f, FW_CFG_SIGNATURE);
    address_space_write(&f->io, FW_CFG_IO_BASE, 0x01, 1);
    address_space_write(&f->io, FW_CFG_IO_BASE + 1, 0x55, 1);
    g_assert_cmphex(address_space_read(&f->io, FW_CFG_IO_BASE + 1, 1), ==, 'Q');
    g_assert_cmphex(address_space_read(&f->io, FW_CFG_IO_BASE, 2), ==, 0);
    g_assert_cmphex(address_space_read(&f->io, FW_CFG_IO_BASE + 1, 1), ==, 'E');
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/fw_cfg/borrowed", test_borrowed);
    ADD("/fw_cfg/signature-id", test_signature_and_id);
    ADD("/fw_cfg/integers", test_integers);
    ADD("/fw_cfg/directory", test_directory);
    ADD("/fw_cfg/dma-read", test_dma_read);
    ADD("/fw_cfg/dma-refused", test_dma_refused);
    ADD("/fw_cfg/junk-selector", test_junk_selector);
#undef ADD
    return g_test_run();
}
