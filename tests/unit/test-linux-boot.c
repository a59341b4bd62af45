/* The Linux 32-bit boot protocol loader on a synthetic bzImage: where the kernel, the
 * initrd, the command line, boot_params and the GDT land, and the header checks. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/linux_boot.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A minimal bzImage: 4 setup sectors + boot sector, then 8 KiB of "kernel". */
static char *make_bzimage(const char *dir, uint16_t version, uint8_t loadflags)
{
    size_t size = 5 * 512 + 8192;
    uint8_t *img = g_malloc0(size);
    img[0x1f1] = 4;
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    img[0x200] = 0xeb;
    img[0x201] = 0x66; /* header runs to 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = (uint8_t)version;
    img[0x207] = (uint8_t)(version >> 8);
    img[0x211] = loadflags;
    img[0x22c] = 0xff; /* initrd_addr_max = 0x37ffffff */
    img[0x22d] = 0xff;
    img[0x22e] = 0xff;
    img[0x22f] = 0x37;
    img[0x238] = 0xff; /* cmdline_size 2047 */
    img[0x239] = 0x07;
    img[0x261] = 0x00; /* init_size = 0x100000 */
    img[0x262] = 0x10;
    for (size_t i = 5 * 512; i < size; i++)
        img[i] = (uint8_t)i;
    char *path = g_build_filename(dir, "bzImage", NULL);
    g_assert_true(g_file_set_contents(path, (char *)img, (gssize)size, NULL));
    g_free(img);
    return path;
}

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    BootFiles files;
    char *dir;
} Fixture;

static void fixture_init(Fixture *f)
{
    memset(&f->cfg, 0, sizeof(f->cfg));
    memset(&f->files, 0, sizeof(f->files));
    f->cfg.ram_size = 64 << 20;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    f->dir = g_dir_make_tmp("pacifica-linux-XXXXXX", NULL);
}

static void fixture_fini(Fixture *f)
{
    machine_destroy(&f->m);
    boot_files_free(&f->files);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(f->dir);
}

static const E820Entry test_e820[] = {
    {0, 0x9fc00, E820_RAM},
    {0x100000, (64 << 20) - 0x100000, E820_RAM},
};

static void test_load(void)
{
    Fixture f;
    fixture_init(&f);
    char *kernel = make_bzimage(f.dir, 0x20f, 0x01);
    char *initrd = g_build_filename(f.dir, "initrd", NULL);
    g_assert_true(g_file_set_contents(initrd, "INITRD-CONTENT", 14, NULL));
    f.cfg.kernel = kernel;
    f.cfg.initrd = initrd;
    f.cfg.append = "console=ttyS0 quiet";
    LinuxBootInfo info = {test_e820, 2, 0xf5a40, (64 << 20) - 0x10000, &f.files};
    X86BootState bs;
    g_assert_cmpint(linux_boot_load(&f.m, &f.cfg, &info, &bs), ==, LINUX_BOOT_LOADED);

    /* Entry: 32-bit protocol at the protected-mode kernel, ESI = boot_params. */
    g_assert_cmpint(bs.mode, ==, X86_BOOT_FLAT32);
    g_assert_cmphex(bs.rip, ==, 0x100000);
    uint8_t *bp = f.m.ram + bs.regs[R_ESI];
    /* The protected-mode part of the image is at 1 MiB. */
    g_assert_cmphex(f.m.ram[0x100000 + 10], ==, (uint8_t)(5 * 512 + 10));
    /* Header copied, loader fields filled. */
    g_assert_cmphex(rd32(bp + 0x202), ==, 0x53726448);
    g_assert_cmphex(bp[0x210], ==, 0xff);
    g_assert_cmphex(bp[0x211] & 0x81, ==, 0x81);
    g_assert_cmpstr((char *)f.m.ram + rd32(bp + 0x228), ==, "console=ttyS0 quiet");
    /* initrd page-aligned at the top of RAM. */
    uint32_t rd = rd32(bp + 0x218);
    g_assert_cmphex(rd & 0xfff, ==, 0);
    g_assert_cmpuint(rd32(bp + 0x21c), ==, 14);
    g_assert_cmpuint(rd + 14, <=, (64u << 20) - 0x10000); /* below the firmware tables */
    g_assert_cmpmem(f.m.ram + rd, 14, "INITRD-CONTENT", 14);
    /* e820 and RSDP */
    g_assert_cmpuint(bp[0x1e8], ==, 2);
    g_assert_cmphex(rd64(bp + 0x2d0 + 20 + 8), ==, (64 << 20) - 0x100000);
    g_assert_cmphex(rd64(bp + 0x70), ==, 0xf5a40);
    /* GDT with flat code at 0x10 and data at 0x18. */
    g_assert_cmphex(rd64(f.m.ram + bs.gdt_base + 0x10), ==, 0x00cf9a000000ffffull);
    g_assert_cmphex(rd64(f.m.ram + bs.gdt_base + 0x18), ==, 0x00cf93000000ffffull);
    g_free(kernel);
    g_free(initrd);
    fixture_fini(&f);
}

static void test_rejects(void)
{
    Fixture f;
    fixture_init(&f);
    LinuxBootInfo info = {test_e820, 2, 0, 0, &f.files};
    X86BootState bs;
    char *old = make_bzimage(f.dir, 0x204, 0x01);
    f.cfg.kernel = old;
    g_assert_cmpint(linux_boot_load(&f.m, &f.cfg, &info, &bs), ==, LINUX_BOOT_ERROR);
    g_free(old);
    boot_files_free(&f.files); /* the same path, new contents: as a new board reads it */
    char *zimage = make_bzimage(f.dir, 0x20f, 0x00);
    f.cfg.kernel = zimage;
    g_assert_cmpint(linux_boot_load(&f.m, &f.cfg, &info, &bs), ==, LINUX_BOOT_ERROR);
    g_free(zimage);
    char *other = g_build_filename(f.dir, "other", NULL);
    g_assert_true(g_file_set_contents(other, "not a kernel at all", -1, NULL));
    f.cfg.kernel = other;
    g_assert_cmpint(linux_boot_load(&f.m, &f.cfg, &info, &bs), ==, LINUX_BOOT_NOT_LINUX);
    g_free(other);
    fixture_fini(&f);
}

/* A reset loads the images read at start-up again, not what the files hold by then (a
 * kernel rebuilt while the guest runs): each file is read once. */
static void test_reload_reads_once(void)
{
    Fixture f;
    fixture_init(&f);
    char *kernel = make_bzimage(f.dir, 0x20f, 0x01);
    char *initrd = g_build_filename(f.dir, "initrd", NULL);
    g_assert_true(g_file_set_contents(initrd, "FIRST-INITRD", 12, NULL));
    f.cfg.kernel = kernel;
    f.cfg.initrd = initrd;
    LinuxBootInfo info = {test_e820, 2, 0, 0, &f.files};
    X86BootState bs;
    g_assert_cmpint(linux_boot_load(&f.m, &f.cfg, &info, &bs), ==, LINUX_BOOT_LOADED);
    uint8_t *bp = f.m.ram + bs.regs[R_ESI];
    uint32_t rd = rd32(bp + 0x218);

    g_assert_true(g_file_set_contents(initrd, "OTHER-INITRD", 12, NULL));
    g_assert_true(g_file_set_contents(kernel, "truncated", 9, NULL));
    memset(f.m.ram + 0x100000, 0, 5 * 512);
    memset(f.m.ram + rd, 0, 12);
    g_assert_cmpint(linux_boot_load(&f.m, &f.cfg, &info, &bs), ==, LINUX_BOOT_LOADED);
    g_assert_cmphex(f.m.ram[0x100000 + 10], ==, (uint8_t)(5 * 512 + 10));
    g_assert_cmpmem(f.m.ram + rd32(bp + 0x218), 12, "FIRST-INITRD", 12);
    g_free(kernel);
    g_free(initrd);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/linux-boot/load", test_load);
    g_test_add_func("/linux-boot/rejects", test_rejects);
    g_test_add_func("/linux-boot/reload-reads-once", test_reload_reads_once);
    return g_test_run();
}
