/* Where a direct-boot loader (multiboot, the Linux boot protocol) starts the boot CPU,
 * without firmware. */
#ifndef PACIFICA_CPU_X86_BOOT_H
#define PACIFICA_CPU_X86_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

typedef enum X86BootMode {
    X86_BOOT_RESET = 0, /* the reset vector: firmware runs */
    X86_BOOT_FLAT32,    /* 32-bit protected mode, flat 4 GiB code and data segments,
                           paging off, interrupts off (multiboot, Linux 32-bit entry) */
} X86BootMode;

typedef struct X86BootState {
    X86BootMode mode;
    uint64_t rip;
    uint64_t regs[16]; /* general registers at entry (R_EAX...) */
    /* GDTR at entry (limit 0: leave the reset value); the loader has written the table
     * to guest RAM, with flat descriptors for the selectors the mode uses (0x10 code,
     * 0x18 data) as the Linux boot protocol requires. */
    uint64_t gdt_base;
    uint16_t gdt_limit;
} X86BootState;

/* Applies bs to a freshly reset CPU. */
void x86_apply_boot_state(CPUX86State *env, const X86BootState *bs);

#endif
