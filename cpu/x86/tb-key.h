/* The translation-block key of the current CPU state, inline for the block lookups the
 * accelerator does between blocks (accel/tcg.c); x86_get_tb_key (cpu.h) is the same
 * function out of line. */
#ifndef PACIFICA_CPU_X86_TB_KEY_H
#define PACIFICA_CPU_X86_TB_KEY_H

#include "cpu/x86/cpu.h"
#include "cpu/x86/tlb.h"
#include "system/machine.h"

static inline void x86_tb_key(const CPUX86State *env, uint64_t *pc, uint64_t *cs_base,
                              uint32_t *flags)
{
    *cs_base = env->segs[R_CS].base;
    *pc = (env->hflags & HF_CS64) ? env->rip : ((*cs_base + env->rip) & 0xffffffffu);
    /* The key bits x86_cpu_update_hflags does not compute (cpu.h). This runs on every
     * block lookup, so the usual case (no DR7 enable, no debugger, CPL 0) is decided
     * inline: debug flags come from DR7's L/G bits (bits 7:0) or gdb's watchpoints,
     * alignment checks need CPL 3 (SDM 3A §6.15 "Interrupt 17"). */
    uint32_t f = env->hflags;
    /* SS.B sets no stack width in 64-bit code (SDM Vol 1 §6.2.5), and Linux runs its
     * kernel with either (SS = __KERNEL_DS after SYSCALL, a null SS after an interrupt
     * from user mode): without this its code was translated twice, each copy evicting
     * the other's jump-cache slot. */
    if (f & HF_CS64)
        f &= ~HF_SS32;
    const X86CPU *cpu = env->cpu;
    if (__builtin_expect((env->dr[7] & 0xff) || (cpu && cpu->machine && cpu->machine->debug), 0))
        f |= x86_debug_tb_flags(env);
    if (__builtin_expect((f & HF_CPL_MASK) == 3, 0) && x86_alignment_checking(env))
        f |= HF_AC_CHECK;
    /* An open interrupt shadow (STI, MOV SS) selects blocks that test and close it. */
    if (__builtin_expect(env->inhibit_irq, 0))
        f |= HF_INHIBIT;
    *flags = f;
}

#endif
