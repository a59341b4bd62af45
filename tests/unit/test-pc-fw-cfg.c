/* What the PC board puts in fw_cfg: the well-known items, etc/e820 in its packed
 * 20-byte layout, the other files, and for -kernel with a bzImage the items an option
 * ROM boots it from (setup header filled in as a boot loader does, initrd placement,
 * command line). */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/pc_fw_cfg.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

#define SETUP_SIZE  (5 * 512)
#define KERNEL_SIZE 8192

/* A minimal bzImage (protocol 2.15, loaded high): 4 setup sectors + the boot sector,
 * then the "kernel". */
static char *make_bzimage(const char *dir)
{
    size_t size = SETUP_SIZE + KERNEL_SIZE;
    uint8_t *img = g_malloc0(size);
    img[0x1f1] = 4;
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x0f;
    img[0x207] = 0x02;
    img[0x211] = 0x01;
    img[0x22c] = 0xff; /* initrd_addr_max = 0x37ffffff */
    img[0x22d] = 0xff;
    img[0x22e] = 0xff;
    img[0x22f] = 0x37;
    for (size_t i = SETUP_SIZE; i < size; i++)
        img[i] = (uint8_t)(i * 3);
    char *path = g_build_filename(dir, "bzImage", NULL);
    g_assert_true(g_file_set_contents(path, (char *)img, (gssize)size, NULL));
    g_free(img);
    return path;
}

typedef struct Fixture {
    Log log;
    AddressSpace io, mem;
    MachineConfig cfg;
    E820Entry e820[3];
    AcpiBoardInfo acpi;
    PcFirmwareInfo info;
    BootFiles files;
    char *dir;
} Fixture;

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->io, "io", 1 << 16, &f->log);
    address_space_init(&f->mem, "mem", 1ull << 52, &f->log);
    f->cfg.ram_size = 64 << 20;
    f->cfg.smp = 3;
    f->cfg.nographic = true;
    f->e820[0] = (E820Entry){0, 0x9f000, E820_RAM};
    f->e820[1] = (E820Entry){0xf0000, 0x10000, E820_RESERVED};
    f->e820[2] = (E820Entry){0x100000, (64 << 20) - 0x100000, E820_RAM};
    f->acpi = (AcpiBoardInfo){.ncpus = 3,
                              .lapic_addr = 0xfee00000,
                              .have_ioapic = true,
                              .ioapic_addr = 0xfec00000,
                              .pm_base = 0x600,
                              .sci_irq = 9,
                              .pirq_isa_irq = {10, 10, 11, 11},
                              .pirq_gsi_base = 16,
                              .pci_mmio_start = 0xe0000000,
                              .pci_mmio_end = 0xfebfffff};
    f->info = (PcFirmwareInfo){.cfg = &f->cfg,
                               .ram_size = 64 << 20,
                               .low_ram = 64 << 20,
                               .e820 = f->e820,
                               .e820_count = 3,
                               .acpi = &f->acpi,
                               .files = &f->files};
    for (int i = 0; i < 16; i++)
        f->info.uuid[i] = (uint8_t)(0xa0 + i);
    f->dir = g_dir_make_tmp("pacifica-fwcfg-XXXXXX", NULL);
}

static void fixture_fini(Fixture *f)
{
    boot_files_free(&f->files);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(f->dir);
    address_space_destroy(&f->mem);
    address_space_destroy(&f->io);
}

static const FwCfgItem *item(FwCfgState *fw, uint16_t key)
{
    return &fw->items[key];
}

static void test_items_and_files(void)
{
    Fixture f;
    fixture_init(&f);
    FwCfgState *fw = pc_fw_cfg_create(&f.io, &f.mem, &f.log, &f.info);
    g_assert_nonnull(fw);
    g_assert_cmpuint(item(fw, FW_CFG_RAM_SIZE)->len, ==, 8);
    g_assert_cmpuint(rd64(item(fw, FW_CFG_RAM_SIZE)->data), ==, 64 << 20);
    g_assert_cmpuint(item(fw, FW_CFG_NB_CPUS)->data[0], ==, 3);
    g_assert_cmpuint(item(fw, FW_CFG_MAX_CPUS)->data[0], ==, 3);
    g_assert_cmpuint(item(fw, FW_CFG_NOGRAPHIC)->data[0], ==, 1);
    g_assert_cmpmem(item(fw, FW_CFG_UUID)->data, 16, f.info.uuid, 16);
    /* No -kernel: no kernel items. */
    g_assert_cmpuint(item(fw, FW_CFG_KERNEL_SIZE)->len, ==, 0);

    const FwCfgItem *e820 = fw_cfg_find_file(fw, "etc/e820");
    g_assert_nonnull(e820);
    g_assert_cmpuint(e820->len, ==, 3 * 20);
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t *e = e820->data + 20 * i;
        g_assert_cmphex(rd64(e), ==, f.e820[i].addr);
        g_assert_cmphex(rd64(e + 8), ==, f.e820[i].size);
        g_assert_cmpuint(rd32(e + 16), ==, f.e820[i].type);
    }
    static const char *const files[] = {
        "bootorder",
        "etc/acpi/rsdp",
        "etc/acpi/tables",
        "etc/boot-fail-wait",
        "etc/smbios/smbios-anchor",
        "etc/smbios/smbios-tables",
        "etc/table-loader",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(files); i++)
        g_assert_nonnull(fw_cfg_find_file(fw, files[i]));
    g_assert_cmphex(rd32(fw_cfg_find_file(fw, "etc/boot-fail-wait")->data), ==, 0xffffffff);
    /* SMBIOS type 1 carries the UUID with its first three fields little-endian. */
    const FwCfgItem *tables = fw_cfg_find_file(fw, "etc/smbios/smbios-tables");
    const uint8_t *t = tables->data;
    while (t[0] != 1) {
        t += t[1]; /* past the formatted area, then the strings up to a double NUL */
        while (t[0] || t[1])
            t++;
        t += 2;
    }
    static const uint8_t want[8] = {0xa3, 0xa2, 0xa1, 0xa0, 0xa5, 0xa4, 0xa7, 0xa6};
    g_assert_cmpmem(t + 8, 8, want, 8);
    g_assert_cmpmem(t + 16, 8, f.info.uuid + 8, 8);
    fw_cfg_free(fw);
    fixture_fini(&f);
}

static void test_linux_kernel_items(void)
{
    Fixture f;
    fixture_init(&f);
    char *kernel = make_bzimage(f.dir);
    char *initrd = g_build_filename(f.dir, "initrd", NULL);
    g_assert_true(g_file_set_contents(initrd, "INITRD-DATA", 11, NULL));
    f.cfg.kernel = kernel;
    f.cfg.initrd = initrd;
    f.cfg.append = "console=ttyS0 quiet";
    FwCfgState *fw = pc_fw_cfg_create(&f.io, &f.mem, &f.log, &f.info);
    g_assert_nonnull(fw);

    g_assert_cmphex(rd32(item(fw, FW_CFG_KERNEL_ADDR)->data), ==, 0x100000);
    g_assert_cmpuint(rd32(item(fw, FW_CFG_KERNEL_SIZE)->data), ==, KERNEL_SIZE);
    g_assert_cmpuint(item(fw, FW_CFG_KERNEL_DATA)->len, ==, KERNEL_SIZE);
    g_assert_cmpuint(item(fw, FW_CFG_KERNEL_DATA)->data[1], ==, (uint8_t)((SETUP_SIZE + 1) * 3));

    g_assert_cmphex(rd32(item(fw, FW_CFG_SETUP_ADDR)->data), ==, 0x10000);
    g_assert_cmpuint(rd32(item(fw, FW_CFG_SETUP_SIZE)->data), ==, SETUP_SIZE);
    const uint8_t *setup = item(fw, FW_CFG_SETUP_DATA)->data;
    g_assert_cmpuint(item(fw, FW_CFG_SETUP_DATA)->len, ==, SETUP_SIZE);
    g_assert_cmphex(setup[0x210], ==, 0xb0);           /* type_of_loader: QEMU */
    g_assert_cmphex(setup[0x211], ==, 0x81);           /* LOADED_HIGH | CAN_USE_HEAP */
    g_assert_cmphex(rd32(setup + 0x228), ==, 0x20000); /* cmd_line_ptr */
    g_assert_cmphex(setup[0x224] | setup[0x225] << 8, ==, 0x20000 - 0x10000 - 0x200);

    g_assert_cmphex(rd32(item(fw, FW_CFG_CMDLINE_ADDR)->data), ==, 0x20000);
    g_assert_cmpuint(rd32(item(fw, FW_CFG_CMDLINE_SIZE)->data), ==, 20);
    g_assert_cmpstr((const char *)item(fw, FW_CFG_CMDLINE_DATA)->data, ==, "console=ttyS0 quiet");

    uint32_t initrd_addr = rd32(item(fw, FW_CFG_INITRD_ADDR)->data);
    g_assert_cmpuint(rd32(item(fw, FW_CFG_INITRD_SIZE)->data), ==, 11);
    g_assert_cmpmem(item(fw, FW_CFG_INITRD_DATA)->data, 11, "INITRD-DATA", 11);
    g_assert_cmpuint(initrd_addr % 4096, ==, 0);
    g_assert_cmpuint(initrd_addr + 11, <, (64 << 20) - 0x40000);
    g_assert_cmpuint(initrd_addr, >, 32 << 20);
    g_assert_cmphex(rd32(setup + 0x218), ==, initrd_addr);
    g_assert_cmpuint(rd32(setup + 0x21c), ==, 11);
    fw_cfg_free(fw);

    /* A kernel that is not a bzImage (Multiboot) gets no kernel items. */
    char *flat = g_build_filename(f.dir, "flat", NULL);
    g_assert_true(g_file_set_contents(flat, "not a kernel", 12, NULL));
    f.cfg.kernel = flat;
    f.cfg.initrd = NULL;
    fw = pc_fw_cfg_create(&f.io, &f.mem, &f.log, &f.info);
    g_assert_nonnull(fw);
    g_assert_cmpuint(item(fw, FW_CFG_KERNEL_SIZE)->len, ==, 0);
    fw_cfg_free(fw);
    /* An unreadable initrd is an error. */
    f.cfg.kernel = kernel;
    f.cfg.initrd = "/nonexistent/initrd";
    g_assert_null(pc_fw_cfg_create(&f.io, &f.mem, &f.log, &f.info));
    g_free(flat);
    g_free(kernel);
    g_free(initrd);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc-fw-cfg/items-and-files", test_items_and_files);
    g_test_add_func("/pc-fw-cfg/linux-kernel-items", test_linux_kernel_items);
    return g_test_run();
}
