/* Helpers for translated code (see helper.h). Real-mode and virtual-8086 forms of the
 * segment and control-transfer instructions are here; protected-mode forms come with
 * the CPU issue and until then raise #UD, logged under -d unimp. */
#include "cpu/x86/helper.h"

#include "cpu/x86/cc_helper.h"
#include "system/machine.h"

X86_HELPERS(X86_DEFINE_HELPER_INFO)

static const Log *env_log(CPUX86State *env)
{
    return &env_cpu(env)->machine->log;
}

static bool real_or_vm86(const CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK);
}

_Noreturn static void unimplemented(CPUX86State *env, const char *what)
{
    log_printf(env_log(env), LOG_UNIMP, "cpu%d: %s at %04x:%08llx: not implemented, #UD\n",
               env_cpu(env)->index, what, env->segs[R_CS].selector, (unsigned long long)env->rip);
    x86_raise_exception(env, EXCP_UD);
}

_Noreturn void helper_raise_exception(CPUX86State *env, uint64_t vector)
{
    x86_raise_exception(env, (int)vector);
}

_Noreturn void helper_raise_soft_interrupt(CPUX86State *env, uint64_t vector, uint64_t next_eip)
{
    env->exception_index = (int)vector;
    env->error_code = 0;
    env->exception_has_error = false;
    env->exception_soft = true;
    env->rip = next_eip;
    x86_cpu_loop_exit(env);
}

_Noreturn void helper_hlt(CPUX86State *env, uint64_t next_eip)
{
    /* SDM Vol 2A HLT: #GP(0) if CPL != 0. */
    if (env->hflags & HF_CPL_MASK)
        x86_raise_exception_err(env, EXCP_GP, 0);
    env->rip = next_eip;
    env->halted = true;
    env->exception_index = EXCP_HLT;
    env->exception_soft = true;
    x86_cpu_loop_exit(env);
}

uint64_t helper_in(CPUX86State *env, uint64_t port, uint64_t size)
{
    return x86_io_read(env, (uint16_t)port, (unsigned)size);
}

void helper_out(CPUX86State *env, uint64_t port, uint64_t val, uint64_t size)
{
    x86_io_write(env, (uint16_t)port, (uint32_t)val, (unsigned)size);
}

uint64_t helper_read_eflags(CPUX86State *env)
{
    return x86_read_eflags(env);
}

/* SDM Vol 2B POPF: which bits a POPF may change depends on the mode, CPL and IOPL. */
void helper_popf(CPUX86State *env, uint64_t val, uint64_t opsize)
{
    uint32_t mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | AC_MASK | ID_MASK;
    if (!(env->cr[0] & CR0_PE)) {
        mask |= IF_MASK | IOPL_MASK;
    } else if (env->eflags & VM_MASK) {
        unimplemented(env, "POPF in virtual-8086 mode");
    } else {
        unsigned cpl = env->hflags & HF_CPL_MASK;
        unsigned iopl = (env->eflags & IOPL_MASK) >> 12;
        if (cpl == 0)
            mask |= IOPL_MASK;
        if (cpl <= iopl)
            mask |= IF_MASK;
    }
    if (opsize == 2)
        mask &= 0xffff;
    x86_write_eflags(env, (uint32_t)val, mask);
}

/* SDM Vol 2A CLI/STI: #GP(0) in protected mode when CPL > IOPL (no VME/PVI yet). */
static void check_iopl(CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PE))
        return;
    if (env->eflags & VM_MASK) {
        if ((env->eflags & IOPL_MASK) != IOPL_MASK)
            x86_raise_exception_err(env, EXCP_GP, 0);
        return;
    }
    if ((env->hflags & HF_CPL_MASK) > ((env->eflags & IOPL_MASK) >> 12))
        x86_raise_exception_err(env, EXCP_GP, 0);
}

void helper_cli(CPUX86State *env)
{
    check_iopl(env);
    env->eflags &= ~(uint64_t)IF_MASK;
}

void helper_sti(CPUX86State *env)
{
    check_iopl(env);
    env->eflags |= IF_MASK;
}

static void load_seg_real(CPUX86State *env, int seg, uint16_t selector)
{
    env->segs[seg].selector = selector;
    env->segs[seg].base = (uint64_t)selector << 4;
}

void helper_load_seg(CPUX86State *env, uint64_t seg, uint64_t selector)
{
    if (real_or_vm86(env)) {
        /* SDM 3A §20.1.1: in real mode the base is selector * 16; limit and
         * attributes stay as they were (which is what makes unreal mode work). */
        load_seg_real(env, (int)seg, (uint16_t)selector);
        return;
    }
    unimplemented(env, "protected-mode segment load");
}

void helper_ljmp(CPUX86State *env, uint64_t selector, uint64_t eip)
{
    if (real_or_vm86(env)) {
        load_seg_real(env, R_CS, (uint16_t)selector);
        env->rip = eip;
        return;
    }
    unimplemented(env, "protected-mode far jump");
}

static void push_real(CPUX86State *env, uint64_t val, unsigned size)
{
    uint32_t mask = (env->hflags & HF_SS32) ? 0xffffffffu : 0xffffu;
    uint32_t sp = ((uint32_t)env->regs[R_ESP] - size) & mask;
    x86_st(env, env->segs[R_SS].base + sp, val, size);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~(uint64_t)mask) | sp;
}

static uint64_t pop_real(CPUX86State *env, unsigned size, uint32_t *sp)
{
    uint32_t mask = (env->hflags & HF_SS32) ? 0xffffffffu : 0xffffu;
    uint64_t v = x86_ld(env, env->segs[R_SS].base + (*sp & mask), size);
    *sp = (*sp + size) & mask;
    return v;
}

static void commit_sp(CPUX86State *env, uint32_t sp)
{
    uint32_t mask = (env->hflags & HF_SS32) ? 0xffffffffu : 0xffffu;
    env->regs[R_ESP] = (env->regs[R_ESP] & ~(uint64_t)mask) | (sp & mask);
}

void helper_lcall(CPUX86State *env, uint64_t selector, uint64_t eip, uint64_t next_eip,
                  uint64_t opsize)
{
    if (!real_or_vm86(env))
        unimplemented(env, "protected-mode far call");
    /* Both pushes happen before anything changes so that a fault leaves no trace. */
    uint64_t old_sp = env->regs[R_ESP];
    push_real(env, env->segs[R_CS].selector, (unsigned)opsize);
    push_real(env, next_eip, (unsigned)opsize);
    (void)old_sp;
    load_seg_real(env, R_CS, (uint16_t)selector);
    env->rip = eip;
}

void helper_lret(CPUX86State *env, uint64_t opsize, uint64_t imm)
{
    if (!real_or_vm86(env))
        unimplemented(env, "protected-mode far return");
    uint32_t sp = (uint32_t)env->regs[R_ESP];
    uint64_t eip = pop_real(env, (unsigned)opsize, &sp);
    uint64_t cs = pop_real(env, (unsigned)opsize, &sp);
    commit_sp(env, sp + (uint32_t)imm);
    load_seg_real(env, R_CS, (uint16_t)cs);
    env->rip = eip;
}

/* SDM Vol 2A IRET, real-address mode: pop IP, CS, FLAGS (16 or 32 bits). */
void helper_iret(CPUX86State *env, uint64_t opsize)
{
    if (env->cr[0] & CR0_PE)
        unimplemented(env, "protected-mode IRET");
    uint32_t sp = (uint32_t)env->regs[R_ESP];
    uint64_t eip = pop_real(env, (unsigned)opsize, &sp);
    uint64_t cs = pop_real(env, (unsigned)opsize, &sp);
    uint64_t fl = pop_real(env, (unsigned)opsize, &sp);
    commit_sp(env, sp);
    load_seg_real(env, R_CS, (uint16_t)cs);
    env->rip = eip;
    uint32_t mask = CC_MASK | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK;
    if (opsize == 4)
        mask |= AC_MASK | ID_MASK | RF_MASK;
    x86_write_eflags(env, (uint32_t)fl, mask);
}

/* SDM Vol 2A DIV/IDIV: #DE on a zero divisor or a quotient too large for the
 * destination. Flags are undefined; we leave them unchanged. */
void helper_div(CPUX86State *env, uint64_t divisor, uint64_t size)
{
    uint64_t *r = env->regs;
    switch (size) {
    case 1: {
        uint32_t num = r[R_EAX] & 0xffff, d = divisor & 0xff;
        if (!d || num / d > 0xff)
            x86_raise_exception(env, EXCP_DE);
        uint32_t q = num / d, rem = num % d;
        r[R_EAX] = (r[R_EAX] & ~0xffffull) | (rem << 8) | q;
        return;
    }
    case 2: {
        uint32_t num = ((r[R_EDX] & 0xffff) << 16) | (r[R_EAX] & 0xffff), d = divisor & 0xffff;
        if (!d || num / d > 0xffff)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = (r[R_EAX] & ~0xffffull) | (num / d);
        r[R_EDX] = (r[R_EDX] & ~0xffffull) | (num % d);
        return;
    }
    case 4: {
        uint64_t num = ((r[R_EDX] & 0xffffffff) << 32) | (r[R_EAX] & 0xffffffff);
        uint64_t d = divisor & 0xffffffff;
        if (!d || num / d > 0xffffffff)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = num / d;
        r[R_EDX] = num % d;
        return;
    }
    default: {
        unsigned __int128 num = ((unsigned __int128)r[R_EDX] << 64) | r[R_EAX];
        if (!divisor || num / divisor > UINT64_MAX)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = (uint64_t)(num / divisor);
        r[R_EDX] = (uint64_t)(num % divisor);
        return;
    }
    }
}

void helper_idiv(CPUX86State *env, uint64_t divisor, uint64_t size)
{
    uint64_t *r = env->regs;
    switch (size) {
    case 1: {
        int32_t num = (int16_t)r[R_EAX], d = (int8_t)divisor;
        if (!d)
            x86_raise_exception(env, EXCP_DE);
        int32_t q = num / d, rem = num % d;
        if (q != (int8_t)q)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = (r[R_EAX] & ~0xffffull) | ((uint32_t)(rem & 0xff) << 8) | (q & 0xff);
        return;
    }
    case 2: {
        int32_t num = (int32_t)(((r[R_EDX] & 0xffff) << 16) | (r[R_EAX] & 0xffff));
        int32_t d = (int16_t)divisor;
        if (!d || (num == INT32_MIN && d == -1))
            x86_raise_exception(env, EXCP_DE);
        int32_t q = num / d, rem = num % d;
        if (q != (int16_t)q)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = (r[R_EAX] & ~0xffffull) | (uint16_t)q;
        r[R_EDX] = (r[R_EDX] & ~0xffffull) | (uint16_t)rem;
        return;
    }
    case 4: {
        int64_t num = (int64_t)(((r[R_EDX] & 0xffffffff) << 32) | (r[R_EAX] & 0xffffffff));
        int64_t d = (int32_t)divisor;
        if (!d || (num == INT64_MIN && d == -1))
            x86_raise_exception(env, EXCP_DE);
        int64_t q = num / d, rem = num % d;
        if (q != (int32_t)q)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = (uint32_t)q;
        r[R_EDX] = (uint32_t)rem;
        return;
    }
    default: {
        __int128 num = (__int128)(((unsigned __int128)r[R_EDX] << 64) | r[R_EAX]);
        int64_t d = (int64_t)divisor;
        if (!d || (d == -1 && (unsigned __int128)num == (unsigned __int128)1 << 127))
            x86_raise_exception(env, EXCP_DE);
        __int128 q = num / d, rem = num % d;
        if (q != (int64_t)q)
            x86_raise_exception(env, EXCP_DE);
        r[R_EAX] = (uint64_t)(int64_t)q;
        r[R_EDX] = (uint64_t)(int64_t)rem;
        return;
    }
    }
}

/* SDM Vol 2B RCL/RCR/ROL/ROR: the count is masked to 5 bits (6 with REX.W); RCL/RCR
 * rotate through CF, so 8- and 16-bit forms take the count modulo 9 and 17. Only CF
 * and OF change, and only when the masked count is nonzero; OF is defined for a count
 * of 1 and computed the same way for others (as Intel parts do). */
uint64_t helper_rotate(CPUX86State *env, uint64_t kind, uint64_t size, uint64_t val, uint64_t count)
{
    unsigned bits = 8 * (unsigned)size;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    unsigned n = (unsigned)(count & (bits == 64 ? 63 : 31));
    val &= mask;
    if (n == 0)
        return val;
    uint32_t fl =
        (uint32_t)helper_cc_compute_all(env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
    uint64_t cf = fl & CC_C, res;
    uint64_t msb = 1ull << (bits - 1);
    switch (kind) {
    case ROT_ROL:
        n %= bits;
        res = n ? ((val << n) | (val >> (bits - n))) & mask : val;
        cf = res & 1;
        fl = (fl & ~(CC_C | CC_O)) | (uint32_t)cf | (((res & msb) != 0) != cf ? CC_O : 0);
        break;
    case ROT_ROR:
        n %= bits;
        res = n ? ((val >> n) | (val << (bits - n))) & mask : val;
        cf = (res & msb) != 0;
        fl = (fl & ~(CC_C | CC_O)) | (uint32_t)cf |
             ((((res >> (bits - 1)) ^ (res >> (bits - 2))) & 1) ? CC_O : 0);
        break;
    case ROT_RCL:
        n %= bits + 1;
        res = val;
        for (unsigned i = 0; i < n; i++) {
            uint64_t out = (res & msb) != 0;
            res = ((res << 1) | cf) & mask;
            cf = out;
        }
        fl = (fl & ~(CC_C | CC_O)) | (uint32_t)cf | (((res & msb) != 0) != cf ? CC_O : 0);
        break;
    default: /* ROT_RCR */
        n %= bits + 1;
        res = val;
        /* OF (count 1) = MSB(dest) XOR CF before the rotation */
        {
            uint32_t of = (((val & msb) != 0) != cf) ? CC_O : 0;
            for (unsigned i = 0; i < n; i++) {
                uint64_t out = res & 1;
                res = (res >> 1) | (cf ? msb : 0);
                cf = out;
            }
            fl = (fl & ~(CC_C | CC_O)) | (uint32_t)cf | of;
        }
        break;
    }
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = fl & CC_MASK;
    return res;
}
