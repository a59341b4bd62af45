/* Direct boot of a Linux bzImage with -kernel/-initrd/-append, without firmware,
 * through the 32-bit boot protocol (Documentation/arch/x86/boot.rst): Pacifica plays
 * the boot loader and the real-mode setup code. */
#ifndef PACIFICA_HW_LINUX_BOOT_H
#define PACIFICA_HW_LINUX_BOOT_H

#include "cpu/x86/boot.h"
#include "hw/boot_files.h"
#include "system/machine.h"

typedef enum LinuxBootResult {
    LINUX_BOOT_LOADED,
    LINUX_BOOT_NOT_LINUX, /* no "HdrS" setup header */
    LINUX_BOOT_ERROR,     /* a message naming the bad input went to stderr */
} LinuxBootResult;

/* One e820 entry (boot_params layout). */
typedef struct E820Entry {
    uint64_t addr, size;
    uint32_t type; /* 1 RAM, 2 reserved, 3 ACPI, 4 NVS */
} E820Entry;

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3

typedef struct LinuxBootInfo {
    const E820Entry *e820;
    unsigned e820_count;
    uint64_t acpi_rsdp; /* 0 when there are no ACPI tables */
    uint64_t ram_top;   /* end of the RAM below 4 GiB the loader may use (tables above) */
    BootFiles *files;   /* where the -kernel and -initrd files are read (once) */
} LinuxBootInfo;

/* Shared with the PVH loader (hw/pvh.c). */

/* A flat GDT at 0x5000 (code 0x10, data 0x18) for the 32-bit entry; sets bs's GDTR. */
void linux_boot_write_gdt(Machine *m, X86BootState *bs);

/* Copies the -initrd file to the top of the usable low RAM (below ram_top and
 * initrd_max + 1, page-aligned) and above kernel_end; false after a message. */
bool linux_boot_place_initrd(Machine *m, BootFiles *files, const char *path, uint32_t initrd_max,
                             uint64_t kernel_end, uint64_t ram_top, uint64_t *addr, uint64_t *size);

LinuxBootResult linux_boot_load(Machine *m, const MachineConfig *cfg, const LinuxBootInfo *info,
                                X86BootState *bs);

#endif
