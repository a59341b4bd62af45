/* CR4.VME and CR4.PVI (SDM Vol 3A §20.3 and §20.4). */
#include "cpu/x86/vme.h"

#include "cpu/x86/seg_helper.h"

static unsigned iopl(const CPUX86State *env)
{
    return (unsigned)(env->eflags & IOPL_MASK) >> 12;
}

bool x86_vme_applies(const CPUX86State *env)
{
    return (env->eflags & VM_MASK) && (env->cr[4] & CR4_VME) && iopl(env) < 3;
}

bool x86_pvi_applies(const CPUX86State *env)
{
    return (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK) && (env->cr[4] & CR4_PVI) &&
           (env->hflags & HF_CPL_MASK) == 3 && iopl(env) < 3;
}

void x86_vme_set_vif(CPUX86State *env, bool set)
{
    if (!set) {
        env->eflags &= ~(uint64_t)VIF_MASK;
        return;
    }
    if (env->eflags & VIP_MASK)
        x86_raise_exception_err(env, EXCP_GP, 0);
    env->eflags |= VIF_MASK;
}

uint32_t x86_vme_flags_image(const CPUX86State *env)
{
    uint32_t fl = x86_read_eflags(env) & 0xffff & ~(uint32_t)IF_MASK;
    if (env->eflags & VIF_MASK)
        fl |= IF_MASK;
    return fl | IOPL_MASK;
}

void x86_vme_load_flags(CPUX86State *env, uint32_t flags)
{
    if ((flags & TF_MASK) || ((flags & IF_MASK) && (env->eflags & VIP_MASK)))
        x86_raise_exception_err(env, EXCP_GP, 0);
    x86_write_eflags(env, flags, CC_MASK | DF_MASK | NT_MASK);
    if (flags & IF_MASK)
        env->eflags |= VIF_MASK;
    else
        env->eflags &= ~(uint64_t)VIF_MASK;
}

/* SDM 3A §20.3.3 (Figure 20-5): the 32 bytes right below the I/O permission bitmap of
 * a 32-bit TSS; a bit beyond the TSS limit counts as set (no redirection), as the
 * I/O bitmap's do. */
static bool int_redirected(CPUX86State *env, int vector)
{
    uint32_t io_base;
    if (!x86_tss_io_map_base(env, &io_base))
        return false;
    uint32_t off = io_base - 32 + (uint32_t)vector / 8;
    if (io_base < 32 || off > env->tr.limit)
        return false;
    uint32_t byte = (uint32_t)x86_sys_ld(env, env->tr.base + off, 1);
    return !((byte >> (vector & 7)) & 1);
}

bool x86_vme_redirect_int(CPUX86State *env, int vector)
{
    if (!(env->eflags & VM_MASK) || !(env->cr[4] & CR4_VME) || !int_redirected(env, vector))
        return false;
    /* Like an 8086 INT n in the task (IVT at linear 0): push FLAGS, CS, IP; then clear
     * TF and IF (method 5, IOPL = 3) or TF and VIF (method 6, FLAGS pushed with IF =
     * VIF and IOPL = 3). */
    bool virtual_if = iopl(env) < 3;
    uint32_t ivt = (uint32_t)x86_sys_ld(env, (uint64_t)vector * 4, 4);
    X86Stack s = x86_stack_current(env);
    uint32_t fl = virtual_if ? x86_vme_flags_image(env) : (x86_read_eflags(env) & 0xffff);
    x86_stack_push(env, &s, fl, 2);
    x86_stack_push(env, &s, (uint16_t)env->segs[R_CS].selector, 2);
    x86_stack_push(env, &s, (uint16_t)env->rip, 2);
    x86_stack_commit(env, &s);
    env->eflags &= ~(uint64_t)(TF_MASK | RF_MASK | (virtual_if ? VIF_MASK : IF_MASK));
    x86_load_seg_v86(env, R_CS, (uint16_t)(ivt >> 16));
    env->rip = ivt & 0xffff;
    x86_cpu_update_hflags(env);
    return true;
}
