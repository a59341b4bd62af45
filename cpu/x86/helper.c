/* Helpers for translated code (see helper.h): exceptions, HLT, port I/O, the EFLAGS
 * instructions with their privilege rules, division and rotates. The segment and
 * far control-transfer helpers (load_seg, ljmp, lcall, lret, iret) are in
 * seg_helper.c. */
#include "cpu/x86/helper.h"

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/vme.h"

X86_HELPERS(X86_DEFINE_HELPER_INFO)

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

/* SDM Vol 2B PUSHF: in virtual-8086 mode with IOPL < 3 (CR4.VME = 0) PUSHF is
 * IOPL-sensitive (#GP(0)); VM and RF are clear in the pushed image. */
uint64_t helper_pushf(CPUX86State *env, uint64_t opsize)
{
    if ((env->eflags & VM_MASK) && (env->eflags & IOPL_MASK) != IOPL_MASK) {
        /* SDM 3A §20.3.2 and Vol 2B PUSHF: with VME the 16-bit form pushes VIF as IF */
        if (x86_vme_applies(env) && opsize == 2)
            return x86_vme_flags_image(env);
        x86_raise_exception_err(env, EXCP_GP, 0);
    }
    return x86_read_eflags(env) & ~(uint32_t)(VM_MASK | RF_MASK);
}

/* SDM Vol 2B POPF: which bits a POPF may change depends on the mode, CPL and IOPL.
 * VM, VIF, VIP and RF never change. */
void helper_popf(CPUX86State *env, uint64_t val, uint64_t opsize)
{
    uint32_t mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | AC_MASK | ID_MASK;
    if (!(env->cr[0] & CR0_PE)) {
        mask |= IF_MASK | IOPL_MASK;
    } else if (env->eflags & VM_MASK) {
        /* SDM 3A §20.2.7: in v8086 mode POPF is IOPL-sensitive: with IOPL = 3 it
         * changes IF but never IOPL; below, only the 16-bit form with VME works (on
         * VIF, §20.3.2). */
        if ((env->eflags & IOPL_MASK) != IOPL_MASK) {
            if (x86_vme_applies(env) && opsize == 2) {
                x86_vme_load_flags(env, (uint32_t)val);
                return;
            }
            x86_raise_exception_err(env, EXCP_GP, 0);
        }
        mask |= IF_MASK;
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

/* SDM Vol 2A CLI / Vol 2B STI (Operation): IF when IOPL allows it; else VIF in
 * virtual-8086 mode with CR4.VME, or at CPL 3 with CR4.PVI; else #GP(0). Returns
 * whether VIF is the flag to change. */
static bool cli_sti_changes_vif(CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PE))
        return false;
    unsigned iopl = (unsigned)(env->eflags & IOPL_MASK) >> 12;
    if (env->eflags & VM_MASK) {
        if (iopl == 3)
            return false;
        if (x86_vme_applies(env))
            return true;
        x86_raise_exception_err(env, EXCP_GP, 0);
    }
    if ((env->hflags & HF_CPL_MASK) <= iopl)
        return false;
    if (x86_pvi_applies(env))
        return true;
    x86_raise_exception_err(env, EXCP_GP, 0);
}

void helper_cli(CPUX86State *env)
{
    if (cli_sti_changes_vif(env)) {
        x86_vme_set_vif(env, false);
        return;
    }
    env->eflags &= ~(uint64_t)IF_MASK;
}

void helper_sti(CPUX86State *env)
{
    if (cli_sti_changes_vif(env)) {
        x86_vme_set_vif(env, true);
        return;
    }
    /* SDM Vol 2B STI: when IF was clear, interrupts stay blocked until the instruction
     * after STI has completed (so that STI; RET or STI; HLT work). */
    if (!(env->eflags & IF_MASK))
        env->inhibit_irq = true;
    env->eflags |= IF_MASK;
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
