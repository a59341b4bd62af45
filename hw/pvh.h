/* Direct boot of an uncompressed ELF kernel through its PVH entry point, as QEMU's
 * -kernel does for a vmlinux: the Xen PVH boot ABI (Xen's docs/misc/pvh.pandoc,
 * xen/include/public/arch-x86/hvm/start_info.h), without Xen. It skips the
 * decompression a bzImage does first, which is most of an early boot on the IR
 * interpreter. */
#ifndef PACIFICA_HW_PVH_H
#define PACIFICA_HW_PVH_H

#include "hw/linux_boot.h"

typedef enum PvhBootResult {
    PVH_BOOT_LOADED,  /* *bs says where the boot CPU starts */
    PVH_BOOT_NOT_ELF, /* not an ELF file: try another loader */
    PVH_BOOT_NO_NOTE, /* an ELF file without the PVH entry note: try another loader */
    PVH_BOOT_ERROR,   /* a message naming the bad file went to stderr */
} PvhBootResult;

/* Loads cfg->kernel's PT_LOAD segments at their physical addresses, cfg->initrd as
 * the first module, cfg->append as the command line, and an hvm_start_info with
 * info's e820 map and ACPI RSDP; everything stays below info->ram_top. */
PvhBootResult pvh_boot_load(Machine *m, const MachineConfig *cfg, const LinuxBootInfo *info,
                            X86BootState *bs);

#endif
