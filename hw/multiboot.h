/* Direct boot of Multiboot (version 1) kernels with -kernel, as QEMU does: the kernel
 * image (a.out-kludge address fields or ELF), its modules from -initrd
 * ("file args,file args"), the command line from -append, and the Multiboot
 * information structure with a memory map, placed in guest RAM. */
#ifndef PACIFICA_HW_MULTIBOOT_H
#define PACIFICA_HW_MULTIBOOT_H

#include "cpu/x86/boot.h"
#include "system/machine.h"

typedef enum MultibootResult {
    MULTIBOOT_LOADED,        /* *bs says where the boot CPU starts */
    MULTIBOOT_NOT_MULTIBOOT, /* no Multiboot header: try another loader */
    MULTIBOOT_ERROR,         /* a message naming the bad file went to stderr */
} MultibootResult;

/* Loads cfg->kernel (with cfg->initrd modules and cfg->append) into m's RAM. */
MultibootResult multiboot_load(Machine *m, const MachineConfig *cfg, X86BootState *bs);

#endif
