/* Helpers of the system instructions (lowered in translate-sys.c): control and debug
 * registers, descriptor-table registers, LAR/LSL/VERR/VERW, CPUID, MSRs, the TSC and
 * the fast system calls. Each checks what the SDM's "Protected Mode Exceptions" list
 * for its instruction and faults before changing any guest state.
 */
#ifndef PACIFICA_CPU_X86_SYS_HELPER_H
#define PACIFICA_CPU_X86_SYS_HELPER_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "tcg/tcg.h"

#define SYS_RO (TCG_CALL_NO_WRITE_GLOBALS)

#define X86_SYS_HELPERS(H)                                                                         \
    /* name, args, has result, flags */                                                            \
    H(priv_fault, 1, 0, 0)                                                                         \
    H(write_cr, 3, 0, 0)                                                                           \
    H(read_cr8, 1, 1, 0)                                                                           \
    H(read_dr, 2, 1, SYS_RO)                                                                       \
    H(write_dr, 3, 0, 0)                                                                           \
    H(lmsw, 2, 0, 0)                                                                               \
    H(clts, 1, 0, 0)                                                                               \
    H(invlpg, 2, 0, 0)                                                                             \
    H(lldt, 2, 0, 0)                                                                               \
    H(ltr, 2, 0, 0)                                                                                \
    H(lar, 4, 0, 0)                                                                                \
    H(lsl, 4, 0, 0)                                                                                \
    H(verr, 2, 0, 0)                                                                               \
    H(verw, 2, 0, 0)                                                                               \
    H(cpuid, 1, 0, 0)                                                                              \
    H(rdmsr, 1, 0, 0)                                                                              \
    H(wrmsr, 1, 0, 0)                                                                              \
    H(rdtsc, 1, 0, 0)                                                                              \
    H(rdtscp, 1, 0, 0)                                                                             \
    H(rdpmc, 1, 0, 0)                                                                              \
    H(syscall, 2, 0, 0)                                                                            \
    H(sysret, 2, 0, 0)                                                                             \
    H(sysenter, 1, 0, 0)                                                                           \
    H(sysexit, 2, 0, 0)                                                                            \
    H(rdfsgsbase, 2, 1, SYS_RO)                                                                    \
    H(wrfsgsbase, 4, 0, 0)

X86_SYS_HELPERS(X86_DECLARE_HELPER_INFO)

/* #GP(0): a privileged instruction at CPL > 0 (the lowering knows CPL from hflags). */
_Noreturn void helper_priv_fault(CPUX86State *env);
/* MOV to CR0/2/3/4/8 (SDM Vol 2B MOV—Move to/from Control Registers). */
void helper_write_cr(CPUX86State *env, uint64_t reg, uint64_t val);
uint64_t helper_read_cr8(CPUX86State *env);
/* MOV from/to DR0-7 (SDM Vol 2B MOV—Move to/from Debug Registers, 3A §17.2). */
uint64_t helper_read_dr(CPUX86State *env, uint64_t reg);
void helper_write_dr(CPUX86State *env, uint64_t reg, uint64_t val);
void helper_lmsw(CPUX86State *env, uint64_t val);
void helper_clts(CPUX86State *env);
void helper_invlpg(CPUX86State *env, uint64_t linear);
void helper_lldt(CPUX86State *env, uint64_t selector);
void helper_ltr(CPUX86State *env, uint64_t selector);
/* LAR/LSL write general register reg (opsize bytes) and ZF only when the selector
 * passes; VERR/VERW set ZF. */
void helper_lar(CPUX86State *env, uint64_t selector, uint64_t reg, uint64_t opsize);
void helper_lsl(CPUX86State *env, uint64_t selector, uint64_t reg, uint64_t opsize);
void helper_verr(CPUX86State *env, uint64_t selector);
void helper_verw(CPUX86State *env, uint64_t selector);
void helper_cpuid(CPUX86State *env);
void helper_rdmsr(CPUX86State *env);
void helper_wrmsr(CPUX86State *env);
void helper_rdtsc(CPUX86State *env);
void helper_rdtscp(CPUX86State *env);
void helper_rdpmc(CPUX86State *env);
void helper_syscall(CPUX86State *env, uint64_t next_eip);
void helper_sysret(CPUX86State *env, uint64_t opsize);
void helper_sysenter(CPUX86State *env);
void helper_sysexit(CPUX86State *env, uint64_t opsize);
/* RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE: seg is R_FS or R_GS. */
uint64_t helper_rdfsgsbase(CPUX86State *env, uint64_t seg);
void helper_wrfsgsbase(CPUX86State *env, uint64_t seg, uint64_t val, uint64_t opsize);

/* SDM Vol 1 §3.3.7.1: a linear address is canonical when bits 63:47 are all equal
 * (48-bit linear addresses). */
static inline bool x86_is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* The one place system instructions flush the TLB (cpu/x86/tlb.h). */
void x86_sys_tlb_flush(CPUX86State *env, bool include_global);

#endif
