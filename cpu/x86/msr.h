/* Model-specific registers (SDM Vol 4, chapter 2) and the time-stamp counter.
 *
 * RDMSR/WRMSR (sys_helper.c) call x86_msr_read/x86_msr_write, which know every MSR
 * Pacifica implements (the table in msr.c) and refuse the others, and reserved bits,
 * so that the instruction raises #GP(0).
 */
#ifndef PACIFICA_CPU_X86_MSR_H
#define PACIFICA_CPU_X86_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

/* Architectural MSR indexes (SDM Vol 4 Table 2-2). */
#define MSR_IA32_TSC               0x00000010u
#define MSR_IA32_PLATFORM_ID       0x00000017u
#define MSR_IA32_APIC_BASE         0x0000001bu
#define MSR_IA32_FEATURE_CONTROL   0x0000003au
#define MSR_IA32_BIOS_SIGN_ID      0x0000008bu
#define MSR_IA32_MTRRCAP           0x000000feu
#define MSR_IA32_ARCH_CAPABILITIES 0x0000010au
#define MSR_IA32_SYSENTER_CS       0x00000174u
#define MSR_IA32_SYSENTER_ESP      0x00000175u
#define MSR_IA32_SYSENTER_EIP      0x00000176u
#define MSR_IA32_MISC_ENABLE       0x000001a0u
#define MSR_IA32_DEBUGCTL          0x000001d9u
#define MSR_IA32_MTRR_PHYSBASE0    0x00000200u /* PHYSBASEn = 200H + 2n, PHYSMASKn = +1 */
#define MSR_IA32_MTRR_FIX64K_00000 0x00000250u
#define MSR_IA32_MTRR_FIX16K_80000 0x00000258u
#define MSR_IA32_MTRR_FIX16K_A0000 0x00000259u
#define MSR_IA32_MTRR_FIX4K_C0000  0x00000268u /* ... FIX4K_F8000 = 26FH */
#define MSR_IA32_PAT               0x00000277u
#define MSR_IA32_MTRR_DEF_TYPE     0x000002ffu
#define MSR_IA32_TSC_DEADLINE      0x000006e0u
#define MSR_X2APIC_FIRST           0x00000800u /* x2APIC registers (SDM 3A Table 11-6) */
#define MSR_X2APIC_LAST            0x000008ffu
#define MSR_EFER                   0xc0000080u
#define MSR_STAR                   0xc0000081u
#define MSR_LSTAR                  0xc0000082u
#define MSR_CSTAR                  0xc0000083u
#define MSR_FMASK                  0xc0000084u
#define MSR_FS_BASE                0xc0000100u
#define MSR_GS_BASE                0xc0000101u
#define MSR_KERNEL_GS_BASE         0xc0000102u
#define MSR_TSC_AUX                0xc0000103u

/* Variable-range MTRR pairs (IA32_MTRRCAP.VCNT); CPUX86State.mtrr_var holds them as
 * base/mask pairs. */
#define X86_MTRR_VAR_COUNT 8

/* The guest TSC counts at this fixed nominal rate (2 GHz): it is the machine's virtual
 * clock (nanoseconds, system/clock.h) times 2, plus tsc_offset. Being derived from the
 * virtual clock, it stands still while the VM is stopped, advances at the rate of
 * every other guest timer, and is invariant (CPUID.80000007H:EDX[8]). */
#define X86_TSC_HZ 2000000000ull

/* The current guest TSC (RDTSC, RDTSCP, IA32_TSC). */
uint64_t x86_tsc_read(CPUX86State *env);

/* Reads MSR index into *val. Returns false if the MSR does not exist (RDMSR raises
 * #GP(0)). */
bool x86_msr_read(CPUX86State *env, uint32_t index, uint64_t *val);
/* Writes MSR index. Returns false, changing nothing, if the MSR does not exist, is
 * read-only, or val sets a reserved bit or is otherwise invalid (WRMSR raises #GP(0)).
 * Writes that change the CPU mode (EFER, FS/GS base) update hflags: the caller ends
 * the translation block. */
bool x86_msr_write(CPUX86State *env, uint32_t index, uint64_t val);

#endif
