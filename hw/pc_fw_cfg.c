/* The PC board's fw_cfg contents: see pc_fw_cfg.h. Items and files as QEMU's pc
 * machine gives them (QEMU hw/i386/fw_cfg.c, hw/nvram/fw_cfg.c, hw/i386/x86.c). */
#include "hw/pc_fw_cfg.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/acpi_fw_cfg.h"

#define E820_ENTRY_SIZE 20 /* le64 address, le64 length, le32 type */

/* Where firmware-driven Linux boot puts things (QEMU x86_load_linux for a bzImage):
 * the real-mode setup at 0x10000, the command line at 0x20000, the kernel at 1 MiB. */
#define LINUX_SETUP_ADDR   0x10000u
#define LINUX_CMDLINE_ADDR 0x20000u
#define LINUX_KERNEL_ADDR  0x100000u
/* The initrd stays below the top of low RAM minus what firmware keeps there for its
 * tables (QEMU leaves the ACPI data size and some more). */
#define FIRMWARE_HIGH_RESERVE 0x40000u

/* Setup header offsets (Documentation/arch/x86/boot.rst). */
#define HDR_SETUP_SECTS    0x1f1
#define HDR_MAGIC          0x202
#define HDR_VERSION        0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS      0x211
#define HDR_RAMDISK_IMAGE  0x218
#define HDR_RAMDISK_SIZE   0x21c
#define HDR_HEAP_END_PTR   0x224
#define HDR_CMD_LINE_PTR   0x228
#define HDR_INITRD_MAX     0x22c
#define LOADER_TYPE_QEMU   0xb0

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void pc_smbios_info(const PcFirmwareInfo *info, SmbiosInfo *out)
{
    memset(out, 0, sizeof(*out));
    out->ncpus = info->cfg->smp;
    out->ram_size = info->ram_size;
    out->ram[out->nram++] = (SmbiosRamRegion){0, info->low_ram};
    if (info->ram_size > info->low_ram)
        out->ram[out->nram++] = (SmbiosRamRegion){1ull << 32, info->ram_size - info->low_ram};
    /* SMBIOS 2.6+ stores the first three UUID fields little-endian (DSP0134 §7.2.1). */
    const uint8_t *u = info->uuid;
    const uint8_t swapped[8] = {u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6]};
    memcpy(out->uuid, swapped, 8);
    memcpy(out->uuid + 8, u + 8, 8);
}

static void add_e820(FwCfgState *fw, const PcFirmwareInfo *info)
{
    uint8_t *buf = g_malloc0((size_t)info->e820_count * E820_ENTRY_SIZE + 1);
    for (unsigned i = 0; i < info->e820_count; i++) {
        uint8_t *e = buf + (size_t)i * E820_ENTRY_SIZE;
        st32(e, (uint32_t)info->e820[i].addr);
        st32(e + 4, (uint32_t)(info->e820[i].addr >> 32));
        st32(e + 8, (uint32_t)info->e820[i].size);
        st32(e + 12, (uint32_t)(info->e820[i].size >> 32));
        st32(e + 16, info->e820[i].type);
    }
    fw_cfg_add_file(fw, "etc/e820", buf, info->e820_count * E820_ENTRY_SIZE);
    g_free(buf);
}

static bool add_initrd(FwCfgState *fw, const PcFirmwareInfo *info, uint8_t *setup, uint32_t version)
{
    size_t size = 0;
    const uint8_t *data = boot_files_get(info->files, "-initrd", info->cfg->initrd, &size);
    if (!data)
        return false;
    uint64_t max = version >= 0x203 ? ld32(setup + HDR_INITRD_MAX) : 0x37ffffff;
    if (max >= info->low_ram - FIRMWARE_HIGH_RESERVE)
        max = info->low_ram - FIRMWARE_HIGH_RESERVE - 1;
    if (size > max || size > UINT32_MAX) {
        fprintf(stderr, "pacifica: -initrd %s: %zu bytes do not fit below 0x%llx\n",
                info->cfg->initrd, size, (unsigned long long)max);
        return false;
    }
    uint32_t addr = (uint32_t)((max - size) & ~0xfffull);
    st32(setup + HDR_RAMDISK_IMAGE, addr);
    st32(setup + HDR_RAMDISK_SIZE, (uint32_t)size);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, addr);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, (uint32_t)size);
    fw_cfg_add_bytes_borrowed(fw, FW_CFG_INITRD_DATA, data, (uint32_t)size);
    return true;
}

/* The kernel items for firmware-driven boot of a Linux bzImage (boot protocol 2.06+,
 * loaded high): the setup code with its header filled in as a boot loader does, the
 * protected-mode kernel, the initrd and the command line. Other kernels (Multiboot)
 * get none: they boot directly. */
static bool add_linux_kernel(FwCfgState *fw, const PcFirmwareInfo *info)
{
    size_t size = 0;
    const uint8_t *kernel = boot_files_get(info->files, "-kernel", info->cfg->kernel, &size);
    if (!kernel)
        return false;
    size_t setup_size = 0;
    uint32_t version = 0;
    if (size >= 0x264 && ld32(kernel + HDR_MAGIC) == 0x53726448 /* "HdrS" */) {
        version = (uint32_t)(kernel[HDR_VERSION] | kernel[HDR_VERSION + 1] << 8);
        unsigned sects = kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4;
        setup_size = ((size_t)sects + 1) * 512;
    }
    bool is_linux =
        version >= 0x206 && (kernel[HDR_LOADFLAGS] & 1) && setup_size < size && size <= UINT32_MAX;
    bool ok = true;
    if (is_linux) {
        uint8_t *setup = g_memdup2(kernel, setup_size); /* its header filled in below */
        setup[HDR_TYPE_OF_LOADER] = LOADER_TYPE_QEMU;
        setup[HDR_LOADFLAGS] |= 0x80; /* CAN_USE_HEAP */
        uint16_t heap_end = LINUX_CMDLINE_ADDR - LINUX_SETUP_ADDR - 0x200;
        setup[HDR_HEAP_END_PTR] = (uint8_t)heap_end;
        setup[HDR_HEAP_END_PTR + 1] = (uint8_t)(heap_end >> 8);
        st32(setup + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
        if (info->cfg->initrd)
            ok = add_initrd(fw, info, setup, version);
        const char *cmdline = info->cfg->append ? info->cfg->append : "";
        uint32_t cmd_len = (uint32_t)strlen(cmdline) + 1;
        fw_cfg_add_i32(fw, FW_CFG_CMDLINE_ADDR, LINUX_CMDLINE_ADDR);
        fw_cfg_add_i32(fw, FW_CFG_CMDLINE_SIZE, cmd_len);
        fw_cfg_add_bytes(fw, FW_CFG_CMDLINE_DATA, cmdline, cmd_len);
        fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, LINUX_KERNEL_ADDR);
        fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, (uint32_t)(size - setup_size));
        fw_cfg_add_bytes_borrowed(fw, FW_CFG_KERNEL_DATA, kernel + setup_size,
                                  (uint32_t)(size - setup_size));
        fw_cfg_add_i32(fw, FW_CFG_SETUP_ADDR, LINUX_SETUP_ADDR);
        fw_cfg_add_i32(fw, FW_CFG_SETUP_SIZE, (uint32_t)setup_size);
        fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, setup, (uint32_t)setup_size);
        g_free(setup);
    }
    return ok;
}

static void add_well_known(FwCfgState *fw, const PcFirmwareInfo *info)
{
    const MachineConfig *cfg = info->cfg;
    fw_cfg_add_bytes(fw, FW_CFG_UUID, info->uuid, 16);
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, info->ram_size);
    fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, cfg->nographic);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, (uint16_t)cfg->smp);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, (uint16_t)cfg->smp);
    fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, 0);
}

FwCfgState *pc_fw_cfg_create(AddressSpace *io, AddressSpace *mem, const Log *log,
                             const PcFirmwareInfo *info)
{
    FwCfgState *fw = fw_cfg_new(io, mem, log);
    add_well_known(fw, info);
    add_e820(fw, info);
    /* No boot devices with a bootindex: an empty list keeps the firmware's order. */
    fw_cfg_add_file(fw, "bootorder", "", 0);
    /* Seconds before retrying a failed boot; -1 (never) is QEMU's default. */
    const uint8_t boot_fail_wait[4] = {0xff, 0xff, 0xff, 0xff};
    fw_cfg_add_file(fw, "etc/boot-fail-wait", boot_fail_wait, 4);
    if (!acpi_fw_cfg_install(fw, info->acpi))
        log_printf(log, LOG_GUEST_ERROR, "pc: the ACPI tables do not fit fw_cfg's buffer\n");
    SmbiosInfo smbios;
    pc_smbios_info(info, &smbios);
    smbios_fw_cfg_install(fw, &smbios);
    if (info->cfg->kernel && !add_linux_kernel(fw, info)) {
        fw_cfg_free(fw);
        return NULL;
    }
    return fw;
}
