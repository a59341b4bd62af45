/* The Linux x86 boot protocol, 32-bit entry (Documentation/arch/x86/boot.rst:
 * "The Real-Mode Kernel Header", "32-bit Boot Protocol", "Loading the Rest of the
 * Kernel"; zero-page offsets from Documentation/arch/x86/zero-page.rst).
 *
 * Guest memory used (all below 640 KiB, as the protocol wants):
 *   0x5000  GDT with flat __BOOT_CS (0x10) and __BOOT_DS (0x18)
 *   0x7000  boot_params ("zero page", 4 KiB)
 *   0x20000 kernel command line
 * The protected-mode kernel goes to 1 MiB; the initrd to the top of low RAM below
 * initrd_addr_max. */
#include "hw/linux_boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GDT_ADDR         0x5000u
#define BOOT_PARAMS_ADDR 0x7000u
#define CMDLINE_ADDR     0x20000u
#define CMDLINE_MAX      0x10000u /* up to 0x30000: still far below the EBDA */
#define KERNEL_ADDR      0x100000u
#define LOW_RAM_LIMIT    0xe0000000ull

/* Setup header fields: offsets in the file and in boot_params. */
#define HDR_SETUP_SECTS    0x1f1
#define HDR_BOOT_FLAG      0x1fe
#define HDR_JUMP           0x200
#define HDR_MAGIC          0x202
#define HDR_VERSION        0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS      0x211
#define HDR_CODE32_START   0x214
#define HDR_RAMDISK_IMAGE  0x218
#define HDR_RAMDISK_SIZE   0x21c
#define HDR_HEAP_END_PTR   0x224
#define HDR_CMD_LINE_PTR   0x228
#define HDR_INITRD_MAX     0x22c
#define HDR_CMDLINE_SIZE   0x238
#define HDR_INIT_SIZE      0x260

#define BP_ACPI_RSDP         0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128

#define LOADFLAG_LOADED_HIGH  0x01
#define LOADFLAG_CAN_USE_HEAP 0x80
#define LOADER_TYPE_UNDEFINED 0xff /* "boot loader without an assigned ID" */

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void st64(uint8_t *p, uint64_t v)
{
    st32(p, (uint32_t)v);
    st32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t low_ram_top(const Machine *m)
{
    return m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT;
}

void linux_boot_write_gdt(Machine *m, X86BootState *bs)
{
    /* Null, unused, then __BOOT_CS = 0x10 (flat 32-bit code) and __BOOT_DS = 0x18 (flat
     * data): the descriptors boot.rst's 32-bit protocol requires. */
    static const uint64_t gdt[4] = {0, 0, 0x00cf9a000000ffffull, 0x00cf93000000ffffull};
    for (int i = 0; i < 4; i++)
        st64(m->ram + GDT_ADDR + 8 * i, gdt[i]);
    bs->gdt_base = GDT_ADDR;
    bs->gdt_limit = sizeof(gdt) - 1;
}

bool linux_boot_place_initrd(Machine *m, BootFiles *files, const char *path, uint32_t initrd_max,
                             uint64_t kernel_end, uint64_t ram_top, uint64_t *addr_out,
                             uint64_t *size_out)
{
    size_t size;
    const uint8_t *data = boot_files_get(files, "-initrd", path, &size);
    if (!data)
        return false;
    uint64_t top = ram_top && ram_top < low_ram_top(m) ? ram_top : low_ram_top(m);
    if (initrd_max && (uint64_t)initrd_max + 1 < top)
        top = (uint64_t)initrd_max + 1;
    uint64_t addr = (top - size) & ~0xfffull;
    if (size > top || addr < kernel_end) {
        fprintf(stderr, "pacifica: -initrd %s: %zu bytes do not fit below 0x%llx with the kernel\n",
                path, size, (unsigned long long)top);
        return false;
    }
    memcpy(m->ram + addr, data, size);
    *addr_out = addr;
    *size_out = size;
    return true;
}

static bool load_initrd(Machine *m, const LinuxBootInfo *info, const char *path,
                        uint32_t initrd_max, uint64_t kernel_end, uint8_t *bp)
{
    uint64_t addr, size;
    if (!linux_boot_place_initrd(m, info->files, path, initrd_max, kernel_end, info->ram_top, &addr,
                                 &size))
        return false;
    st32(bp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
    st32(bp + HDR_RAMDISK_SIZE, (uint32_t)size);
    st32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(addr >> 32));
    st32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(size >> 32));
    return true;
}

LinuxBootResult linux_boot_load(Machine *m, const MachineConfig *cfg, const LinuxBootInfo *info,
                                X86BootState *bs)
{
    const char *path = cfg->kernel;
    size_t size;
    const uint8_t *k = boot_files_get(info->files, "-kernel", path, &size);
    if (!k)
        return LINUX_BOOT_ERROR;
    if (size < 0x264 || ld32(k + HDR_MAGIC) != 0x53726448 /* "HdrS" */) {
        return LINUX_BOOT_NOT_LINUX;
    }
    uint16_t version = ld16(k + HDR_VERSION);
    if (version < 0x206 || ld16(k + HDR_BOOT_FLAG) != 0xaa55) {
        fprintf(stderr, "pacifica: -kernel %s: boot protocol %u.%02u is too old (2.06 needed)\n",
                path, version >> 8, version & 0xff);
        return LINUX_BOOT_ERROR;
    }
    if (!(k[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
        fprintf(stderr, "pacifica: -kernel %s: not a bzImage (zImage is not supported)\n", path);
        return LINUX_BOOT_ERROR;
    }
    unsigned setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    size_t setup_size = ((size_t)setup_sects + 1) * 512;
    uint32_t init_size = ld32(k + HDR_INIT_SIZE);
    if (setup_size >= size) {
        fprintf(stderr, "pacifica: -kernel %s: truncated kernel image\n", path);
        return LINUX_BOOT_ERROR;
    }
    size_t pm_size = size - setup_size;
    uint64_t kernel_end = KERNEL_ADDR + (pm_size > init_size ? pm_size : init_size);
    if (kernel_end > low_ram_top(m)) {
        fprintf(stderr, "pacifica: -kernel %s: needs %llu MiB of RAM at least (-m)\n", path,
                (unsigned long long)(kernel_end >> 20) + 16);
        return LINUX_BOOT_ERROR;
    }
    memcpy(m->ram + KERNEL_ADDR, k + setup_size, pm_size);

    /* boot_params: zeroed, then the setup header copied from the image (its length is
     * given by the byte at 0x201, the jump's displacement). */
    uint8_t *bp = m->ram + BOOT_PARAMS_ADDR;
    memset(bp, 0, 4096);
    size_t hdr_end = 0x202 + k[HDR_JUMP + 1];
    if (hdr_end > 0x290 || hdr_end > size)
        hdr_end = 0x290 < size ? 0x290 : size;
    memcpy(bp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
    uint32_t initrd_max = ld32(k + HDR_INITRD_MAX);
    uint32_t cmdline_size = ld32(k + HDR_CMDLINE_SIZE);

    bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    bp[HDR_LOADFLAGS] |= LOADFLAG_CAN_USE_HEAP;
    st16(bp + HDR_HEAP_END_PTR, 0xfe00); /* the protocol's usual heap end */
    st32(bp + HDR_CODE32_START, KERNEL_ADDR);

    const char *append = cfg->append ? cfg->append : "";
    size_t cmd_len = strlen(append);
    if (cmd_len >= CMDLINE_MAX || (cmdline_size && cmd_len > cmdline_size)) {
        fprintf(stderr,
                "pacifica: -append: command line of %zu bytes is longer than the "
                "kernel accepts\n",
                cmd_len);
        return LINUX_BOOT_ERROR;
    }
    memcpy(m->ram + CMDLINE_ADDR, append, cmd_len + 1);
    st32(bp + HDR_CMD_LINE_PTR, CMDLINE_ADDR);
    st32(bp + BP_EXT_CMD_LINE_PTR, 0);

    if (cfg->initrd && !load_initrd(m, info, cfg->initrd, initrd_max, kernel_end, bp))
        return LINUX_BOOT_ERROR;

    unsigned n = info->e820_count < BP_E820_MAX ? info->e820_count : BP_E820_MAX;
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + 20 * i;
        st64(e, info->e820[i].addr);
        st64(e + 8, info->e820[i].size);
        st32(e + 16, info->e820[i].type);
    }
    st64(bp + BP_ACPI_RSDP, info->acpi_rsdp);

    memset(bs, 0, sizeof(*bs));
    linux_boot_write_gdt(m, bs);
    bs->mode = X86_BOOT_FLAT32;
    bs->rip = KERNEL_ADDR;
    bs->regs[R_ESI] = BOOT_PARAMS_ADDR; /* boot.rst: %esi holds the base of boot_params */
    return LINUX_BOOT_LOADED;
}
