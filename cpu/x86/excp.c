/* Exceptions and interrupts: leaving translated code, and delivering a vector to the
 * guest. Real mode (through the IVT) is here now; protected and long mode delivery
 * through the IDT come with the CPU issue. */
#include <stdio.h>

#include "cpu/x86/cpu.h"
#include "system/machine.h"

_Noreturn void x86_cpu_loop_exit(CPUX86State *env)
{
    siglongjmp(env_cpu(env)->jmp_env, 1);
}

_Noreturn void x86_raise_exception_err(CPUX86State *env, int vector, int error_code)
{
    env->exception_index = vector;
    env->error_code = error_code;
    env->exception_has_error = true;
    env->exception_soft = false;
    x86_cpu_loop_exit(env);
}

_Noreturn void x86_raise_exception(CPUX86State *env, int vector)
{
    env->exception_index = vector;
    env->error_code = 0;
    env->exception_has_error = false;
    env->exception_soft = false;
    x86_cpu_loop_exit(env);
}

void x86_restore_state(CPUX86State *env, const uint64_t *insn_data)
{
    /* insn_start data: [0] = linear pc of the instruction, [1] = cs_base */
    env->rip = insn_data[0] - insn_data[1];
}

static void push16(CPUX86State *env, uint16_t v)
{
    uint32_t sp = (uint32_t)env->regs[R_ESP];
    uint32_t mask = (env->hflags & HF_SS32) ? 0xffffffffu : 0xffffu;
    sp = (sp - 2) & mask;
    x86_st(env, env->segs[R_SS].base + sp, v, 2);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~(uint64_t)mask) | sp;
}

/* SDM 3A §20.1.4 (Interrupt and Exception Handling in real-address mode): push FLAGS,
 * CS, IP; clear IF, TF, AC; load CS:IP from the IVT entry at IDTR.base + 4 * vector.
 * A vector beyond the IDTR limit is a #GP, which becomes a double and triple fault
 * in real mode (no IVT entry can be fetched): we shut down. */
static void do_interrupt_real(CPUX86State *env, int vector)
{
    uint64_t entry = (uint64_t)vector * 4;
    if (entry + 3 > env->idt.limit) {
        env->exception_index = EXCP_SHUTDOWN;
        return;
    }
    uint32_t ivt = (uint32_t)x86_ld(env, env->idt.base + entry, 4);
    push16(env, (uint16_t)x86_read_eflags(env));
    push16(env, (uint16_t)env->segs[R_CS].selector);
    push16(env, (uint16_t)env->rip);
    env->eflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    env->segs[R_CS].selector = ivt >> 16;
    env->segs[R_CS].base = (uint64_t)(ivt >> 16) << 4;
    env->rip = ivt & 0xffff;
    env->exception_index = -1;
}

void x86_do_interrupt(CPUX86State *env)
{
    int vector = env->exception_index;
    X86CPU *cpu = env_cpu(env);
    const Log *log = &cpu->machine->log;
    log_printf(log, LOG_INT, "cpu%d: %s %d (0x%02x) at %04x:%08llx err=%d\n", cpu->index,
               env->exception_soft ? "int" : "exception", vector, vector, env->segs[R_CS].selector,
               (unsigned long long)env->rip, env->error_code);
    if (!(env->cr[0] & CR0_PE)) {
        do_interrupt_real(env, vector);
        return;
    }
    /* Protected-mode delivery is not implemented yet: nothing sane can continue. */
    log_printf(log, LOG_UNIMP, "cpu%d: protected-mode interrupt delivery (vector %d)\n", cpu->index,
               vector);
    env->exception_index = EXCP_SHUTDOWN;
}
