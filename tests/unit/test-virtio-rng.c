/* virtio-rng (virtio 1.1 §5.4) through the PCI transport: identity as a modern and
 * as a transitional function, buffers filled with host randomness, the size cap, a
 * device-readable buffer refused, and the same device driven through the legacy
 * interface. */
#include "virtio-test-driver.h"

#include "hw/virtio_rng.h"

typedef struct Fixture {
    VtMachine m;
    VirtioRngPci *dev;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    bool transitional = data != NULL;
    vt_machine_init(&f->m);
    VirtioPciConfig pc = vt_pci_config(&f->m, transitional);
    f->dev = virtio_rng_pci_new(f->m.bus, VT_DEVFN, &f->m.mem, &f->m.log, &pc);
    f->dev->pci.pci.dev.reset(&f->dev->pci.pci.dev);
    vt_enumerate(&f->m);
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    virtio_rng_pci_free(f->dev);
    vt_machine_destroy(&f->m);
}

static void test_identity(Fixture *f, gconstpointer data)
{
    bool transitional = data != NULL;
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_VENDOR_ID, 2), ==, 0x1af4);
    /* §4.1.2.3: entropy source is 0x1005 transitional, 0x1040 + 4 modern. */
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_DEVICE_ID, 2), ==, transitional ? 0x1005 : 0x1044);
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_REVISION_ID, 1), ==, transitional ? 0 : 1);
    if (transitional)
        g_assert_cmpuint(vt_cfg_read(&f->m, PCI_SUBSYSTEM_ID, 2), ==, VIRTIO_ID_RNG);
    g_assert_cmpuint(vt_cfg_read(&f->m, PCI_REVISION_ID, 4) >> 8, ==, 0x00ff00);
    /* No configuration, but a device capability with a length (Linux refuses 0). */
    uint8_t dev_cap = f->m.caps[VIRTIO_PCI_CAP_DEVICE_CFG];
    g_assert_cmpuint(dev_cap, !=, 0);
    g_assert_cmpuint(vt_cfg_read(&f->m, dev_cap + 12, 4), >, 0);
    /* BAR0 is an I/O BAR only on a transitional function. */
    vt_cfg_write(&f->m, PCI_BAR0, 0xffffffff, 4);
    uint32_t bar0 = vt_cfg_read(&f->m, PCI_BAR0, 4);
    if (transitional)
        g_assert_cmpuint(bar0 & 1, ==, PCI_BAR_IO);
    else
        g_assert_cmpuint(bar0, ==, 0);
}

static unsigned nonzero_bytes(const uint8_t *p, size_t n)
{
    unsigned count = 0;
    for (size_t i = 0; i < n; i++)
        count += p[i] != 0;
    return count;
}

static void check_fill(Fixture *f)
{
    uint8_t *a = f->m.ram + VT_BUF_BASE, *b = a + 0x1000;
    memset(a, 0, 0x2000);
    /* Two buffers of 64 bytes, the second split across two descriptors. */
    vt_add_chain(&f->m, 0, &(VtBuf){VT_BUF_BASE, 64, true}, 1);
    VtBuf split[2] = {{VT_BUF_BASE + 0x1000, 32, true}, {VT_BUF_BASE + 0x1800, 32, true}};
    vt_add_chain(&f->m, 0, split, 2);
    vt_kick(&f->m, 0);
    uint32_t id, len;
    g_assert_true(vt_take_used(&f->m, 0, &id, &len));
    g_assert_cmpuint(len, ==, 64);
    g_assert_true(vt_take_used(&f->m, 0, &id, &len));
    g_assert_cmpuint(len, ==, 64);
    g_assert_false(vt_take_used(&f->m, 0, &id, &len));
    /* 64 random bytes all zero has probability 2^-512. */
    g_assert_cmpuint(nonzero_bytes(a, 64), >, 32);
    g_assert_cmpuint(nonzero_bytes(b, 32) + nonzero_bytes(b + 0x800, 32), >, 32);
    g_assert_true(memcmp(a, b, 32) != 0);
    g_assert_cmpuint(f->dev->rng.bytes_given, ==, 128);
}

static void test_fill(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_modern_init(&f->m, 0, 1, VIRTIO_RNG_QUEUE_SIZE);
    check_fill(f);
}

static void test_fill_legacy(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_legacy_init(&f->m, 0, 1);
    check_fill(f);
}

/* A large buffer gets at most VIRTIO_RNG_MAX_CHUNK bytes. */
static void test_cap(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_modern_init(&f->m, 0, 1, VIRTIO_RNG_QUEUE_SIZE);
    vt_add_chain(&f->m, 0, &(VtBuf){VT_BUF_BASE, 1 << 20, true}, 1);
    vt_kick(&f->m, 0);
    uint32_t id, len;
    g_assert_true(vt_take_used(&f->m, 0, &id, &len));
    g_assert_cmpuint(len, ==, VIRTIO_RNG_MAX_CHUNK);
}

static void test_readable_buffer(Fixture *f, gconstpointer data)
{
    (void)data;
    vt_modern_init(&f->m, 0, 1, VIRTIO_RNG_QUEUE_SIZE);
    vt_add_chain(&f->m, 0, &(VtBuf){VT_BUF_BASE, 64, false}, 1);
    vt_kick(&f->m, 0);
    g_assert_true(vt_status(&f->m) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    g_assert_true(vt_logged(&f->m, "device-readable"));
    /* A reset makes the device usable again. */
    f->m.q[0].next_desc = 0;
    f->m.q[0].last_used = 0;
    memset(f->m.ram + VT_RING_BASE, 0, VT_RING_STRIDE);
    vt_modern_init(&f->m, 0, 1, VIRTIO_RNG_QUEUE_SIZE);
    vt_add_chain(&f->m, 0, &(VtBuf){VT_BUF_BASE, 16, true}, 1);
    vt_kick(&f->m, 0);
    uint32_t id, len;
    g_assert_true(vt_take_used(&f->m, 0, &id, &len));
    g_assert_cmpuint(len, ==, 16);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const int on = 1;
#define ADD(name, fn, t) g_test_add(name, Fixture, t, setup, fn, teardown)
    ADD("/virtio-rng/identity/modern", test_identity, NULL);
    ADD("/virtio-rng/identity/transitional", test_identity, &on);
    ADD("/virtio-rng/fill", test_fill, NULL);
    ADD("/virtio-rng/fill-transitional", test_fill, &on);
    ADD("/virtio-rng/fill-legacy", test_fill_legacy, &on);
    ADD("/virtio-rng/cap", test_cap, NULL);
    ADD("/virtio-rng/readable-buffer", test_readable_buffer, NULL);
    return g_test_run();
}
