/* What the PC board tells firmware through fw_cfg, as QEMU's pc machine does: the
 * well-known items (RAM size, CPU counts, UUID, display), the files "etc/e820",
 * "etc/acpi/tables" + "etc/acpi/rsdp" + "etc/table-loader", "etc/smbios/smbios-tables"
 * + "etc/smbios/smbios-anchor", "bootorder", "etc/boot-fail-wait", and with -kernel (a
 * Linux bzImage) the kernel, initrd, command line and setup items that an option ROM
 * such as QEMU's linuxboot_dma.bin loads. */
#ifndef PACIFICA_HW_PC_FW_CFG_H
#define PACIFICA_HW_PC_FW_CFG_H

#include "hw/acpi_build.h"
#include "hw/fw_cfg.h"
#include "hw/linux_boot.h"
#include "hw/smbios.h"
#include "system/options.h"

typedef struct PcFirmwareInfo {
    const MachineConfig *cfg;
    uint64_t ram_size;
    uint64_t low_ram; /* RAM below 4 GiB (the rest is from 4 GiB up) */
    const E820Entry *e820;
    unsigned e820_count;
    const AcpiBoardInfo *acpi;
    uint8_t uuid[16]; /* RFC 4122 byte order (as FW_CFG_UUID carries it) */
    BootFiles *files; /* where -kernel and -initrd are read (once) */
} PcFirmwareInfo;

/* The SMBIOS description of the board. */
void pc_smbios_info(const PcFirmwareInfo *info, SmbiosInfo *out);
/* Creates fw_cfg at its ports with every item; NULL with a message naming the bad
 * input (the kernel or initrd file) on error. */
FwCfgState *pc_fw_cfg_create(AddressSpace *io, AddressSpace *mem, const Log *log,
                             const PcFirmwareInfo *info);

#endif
