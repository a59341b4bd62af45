/* The legacy interface of a transitional virtio PCI function (virtio 1.1 §4.1.4.8),
 * with virtio-blk behind it: identity (0x1001, revision 0, subsystem device = type,
 * I/O BAR0), legacy initialisation without FEATURES_OK, queues at page frames,
 * reads and writes, ISR and INTx, the MSI-X vector registers moving the device
 * configuration, unoffered features, a queue outside RAM, and the modern interface of
 * the same function. */
#include "virtio-test-driver.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "block/aio.h"
#include "block/block.h"
#include "hw/virtio_blk.h"

#define DISK_SIZE (1u << 20)
#define HDR_ADDR  0x300000
#define DATA_ADDR 0x310000
#define STAT_ADDR 0x320000

typedef struct Fixture {
    VtMachine m;
    AioContext *aio;
    char *image;
    BlockNode *node;
    VirtioBlkPci *dev;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_machine_init(&f->m);
    f->aio = aio_context_new(2);
    int fd = g_file_open_tmp("pacifica-vleg-XXXXXX", &f->image, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, DISK_SIZE), ==, 0);
    close(fd);
    char *err = NULL;
    f->node = block_open(&(BlockOpenOptions){.filename = f->image, .format = "raw"}, &err);
    g_assert_nonnull(f->node);
    VirtioBlkOptions bo = {.node = f->node, .aio = f->aio, .mem = &f->m.mem, .log = &f->m.log};
    VirtioPciConfig pc = vt_pci_config(&f->m, true);
    f->dev = virtio_blk_pci_new(f->m.bus, VT_DEVFN, &bo, &pc);
    f->dev->pci.pci.dev.reset(&f->dev->pci.pci.dev);
    vt_enumerate(&f->m);
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_blk_pci_free(f->dev);
    aio_context_free(f->aio);
    block_close(f->node);
    g_unlink(f->image);
    g_free(f->image);
    vt_machine_destroy(&f->m);
}

/* One request (header, data, status) on queue 0; waits for its completion. */
static uint8_t blk_request(Fixture *f, uint32_t type, uint64_t sector, uint32_t len)
{
    uint8_t *hdr = f->m.ram + HDR_ADDR;
    vt_put32(hdr, type);
    vt_put32(hdr + 4, 0);
    vt_put64(hdr + 8, sector);
    f->m.ram[STAT_ADDR] = 0xee;
    VtBuf chain[3] = {
        {HDR_ADDR, 16, false}, {DATA_ADDR, len, type == VIRTIO_BLK_T_IN}, {STAT_ADDR, 1, true}};
    uint16_t before = vt_used_idx(&f->m, 0);
    vt_add_chain(&f->m, 0, chain, 3);
    vt_kick(&f->m, 0);
    for (int i = 0; i < 1000 && vt_used_idx(&f->m, 0) == before; i++)
        if (aio_context_in_flight(f->aio))
            aio_context_wait(f->aio);
    uint32_t id, used_len;
    g_assert_true(vt_take_used(&f->m, 0, &id, &used_len));
    return f->m.ram[STAT_ADDR];
}

static void write_then_read(Fixture *f)
{
    for (unsigned i = 0; i < 4096; i++)
        f->m.ram[DATA_ADDR + i] = (uint8_t)(i * 7 + 3);
    g_assert_cmpuint(blk_request(f, VIRTIO_BLK_T_OUT, 8, 4096), ==, VIRTIO_BLK_S_OK);
    uint8_t chk[4096];
    g_assert_cmpint(block_pread(f->node, 8 * 512, chk, sizeof(chk)), ==, 0);
    g_assert_cmpmem(chk, sizeof(chk), f->m.ram + DATA_ADDR, 4096);
    memset(f->m.ram + DATA_ADDR, 0, 4096);
    g_assert_cmpuint(blk_request(f, VIRTIO_BLK_T_IN, 8, 4096), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpmem(chk, sizeof(chk), f->m.ram + DATA_ADDR, 4096);
}

static void test_identity(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_DEVICE_ID, 2), ==, 0x1001);
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_REVISION_ID, 1), ==, 0);
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_SUBSYSTEM_ID, 2), ==, VIRTIO_ID_BLOCK);
    /* I/O BAR of 128 bytes: 0x18 + 60 bytes of configuration, rounded up. */
    vt_cfg_write(&f->m, PCI_BAR0, 0xffffffff, 4);
    uint32_t bar = vt_cfg_read(&f->m, PCI_BAR0, 4);
    g_assert_cmpuint(bar & 1, ==, PCI_BAR_IO);
    g_assert_cmpuint((~(bar & ~3u) + 1) & 0xffff, ==, 128);
    vt_cfg_write(&f->m, PCI_BAR0, VT_LEGACY_BASE, 4);
    /* The modern capabilities are still there. */
    g_assert_cmpuint(f->m.caps[VIRTIO_PCI_CAP_COMMON_CFG], !=, 0);
}

static void test_legacy_io(Fixture *f, gconstpointer data)
{
    (void)data;
    uint32_t feat = vt_legacy_init(&f->m, 1u << VIRTIO_BLK_F_FLUSH, 1);
    g_assert_cmpuint(feat, ==, 1u << VIRTIO_BLK_F_FLUSH);
    g_assert_true(f->dev->blk.vdev.legacy);
    /* Queue size fixed by the device, rings at the legacy layout. */
    g_assert_cmpuint(f->m.q[0].num, ==, VIRTIO_BLK_QUEUE_SIZE);
    /* Capacity at 0x14 while MSI-X is off. */
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x14, 4), ==, DISK_SIZE / 512);
    write_then_read(f);
    /* INTx follows the ISR; reading the ISR clears both. */
    int pin = vt_map_irq(VT_DEVFN, 0);
    g_assert_cmpint(f->m.pirq_level[pin], ==, 1);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x13, 1), ==, VIRTIO_ISR_QUEUE);
    g_assert_cmpint(f->m.pirq_level[pin], ==, 0);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x13, 1), ==, 0);
    /* Reset through the legacy status register. */
    vt_legacy_wr(&f->m, 0x12, 0, 1);
    g_assert_false(f->dev->blk.vdev.legacy);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x08, 4), ==, 0);
}

static void test_legacy_msix(Fixture *f, gconstpointer data)
{
    (void)data;
    /* MSI-X on, entries 0 and 1 unmasked. */
    for (unsigned v = 0; v < 2; v++) {
        uint64_t e = VT_MSIX_BASE + 16 * v;
        address_space_write(&f->m.mem, e, 0xfee00000, 4);
        address_space_write(&f->m.mem, e + 8, 0x40 + v, 4);
        address_space_write(&f->m.mem, e + 12, 0, 4);
    }
    vt_cfg_write(&f->m, VIRTIO_PCI_MSIX_CAP + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    f->m.legacy = true;
    vt_set_status(&f->m, 0);
    vt_legacy_wr(&f->m, 0x14, 1, 2); /* config vector */
    vt_legacy_wr(&f->m, 0x0e, 0, 2);
    vt_legacy_wr(&f->m, 0x16, 0, 2); /* queue 0 vector */
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x14, 2), ==, 1);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x16, 2), ==, 0);
    /* Device configuration moved to 0x18. */
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x18, 4), ==, DISK_SIZE / 512);
    vt_legacy_wr(&f->m, 0x16, 7, 2); /* a vector that does not exist */
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x16, 2), ==, VIRTIO_NO_VECTOR);
    /* A reset (the start of initialisation) forgets the vectors: set them again. */
    vt_legacy_init(&f->m, 0, 1);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x16, 2), ==, VIRTIO_NO_VECTOR);
    vt_legacy_wr(&f->m, 0x16, 0, 2);
    unsigned before = f->m.msi_count;
    write_then_read(f);
    g_assert_cmpuint(f->m.msi_count, >, before);
    g_assert_cmpuint(f->m.msi_data, ==, 0x40);
}

static void test_legacy_bad_driver(Fixture *f, gconstpointer data)
{
    (void)data;
    f->m.legacy = true;
    vt_set_status(&f->m, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    /* Bit 31 was never offered. */
    vt_legacy_wr(&f->m, 0x04, 0x80000000u | (1u << VIRTIO_BLK_F_FLUSH), 4);
    g_assert_true(vt_logged(&f->m, "unoffered features 0x80000000"));
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x04, 4), ==, 1u << VIRTIO_BLK_F_FLUSH);
    /* A queue at a page frame outside RAM. */
    vt_legacy_wr(&f->m, 0x0e, 0, 2);
    vt_legacy_wr(&f->m, 0x08, 0x80000, 4); /* 2 GiB */
    g_assert_true(vt_status(&f->m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    /* Queues and registers past the end are harmless. */
    vt_legacy_wr(&f->m, 0x0e, 9, 2);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x0c, 2), ==, 0);
    vt_legacy_wr(&f->m, 0x08, 0x100, 4);
    vt_legacy_wr(&f->m, 0x10, 9, 2);
    g_assert_cmpuint(vt_legacy_rd(&f->m, 0x7c, 4), ==, 0);
}

/* The same function still works as a modern device. */
static void test_modern_on_transitional(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_modern_init(&f->m, 0, 1, 16);
    g_assert_false(f->dev->blk.vdev.legacy);
    write_then_read(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/virtio-pci-legacy/identity", test_identity);
    ADD("/virtio-pci-legacy/io", test_legacy_io);
    ADD("/virtio-pci-legacy/msix", test_legacy_msix);
    ADD("/virtio-pci-legacy/bad-driver", test_legacy_bad_driver);
    ADD("/virtio-pci-legacy/modern", test_modern_on_transitional);
    return g_test_run();
}
