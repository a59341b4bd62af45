/* Lowering of system instructions: control/debug registers, descriptor tables, CPUID,
 * MSRs, TSC, fast system calls.
 *
 * Checks that depend only on the mode bits of the block (hflags: CPL, protected mode,
 * v8086) are made here, at translation time; the semantics and the checks on other
 * state are the helpers' (sys_helper.c). An instruction that may change what the
 * following code was translated for (CR0/CR3/CR4, EFER, DR7, a TLB flush, a change of
 * CS) ends the block.
 */
#include <stddef.h>

#include "cpu/x86/sys_helper.h"
#include "cpu/x86/translate.h"

static TCGv env_arg(DisasContext *d)
{
    return d->s->env;
}

static bool real_or_vm86(const DisasContext *d)
{
    return !(d->flags & HF_PE) || (d->flags & HF_VM);
}

/* Privileged instructions: #GP(0) at CPL > 0 (v8086 mode is CPL 3). Returns false
 * when the fault was emitted. */
static bool check_cpl0(DisasContext *d)
{
    if (!(d->flags & HF_CPL_MASK))
        return true;
    CALL(d, priv_fault, env_arg(d));
    d->end = true;
    return false;
}

/* Instructions that do not exist in real-address and virtual-8086 mode (#UD): LLDT,
 * SLDT, LTR, STR, LAR, LSL, VERR, VERW, ARPL. */
static bool check_protected(DisasContext *d)
{
    if (!real_or_vm86(d))
        return true;
    gen_exception(d, EXCP_UD);
    return false;
}

/* Control and debug registers move 32 bits outside 64-bit mode and 64 in it, whatever
 * the operand-size prefix (SDM Vol 2B MOV CR/DR). */
static unsigned cr_dr_size(const DisasContext *d)
{
    return d->code == X86_CODE64 ? 8 : 4;
}

/* SDM Vol 2B MOV—Move to/from Control Registers: CR0, CR2, CR3, CR4 and (64-bit mode,
 * REX.R) CR8 exist; the others are #UD. */
static void lower_mov_cr(DisasContext *d)
{
    unsigned cr = d->insn.reg;
    bool to_cr = d->insn.entry->opnd[0] == OPND_Cd;
    unsigned size = cr_dr_size(d);
    if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8) {
        gen_exception(d, EXCP_UD);
        return;
    }
    if (!check_cpl0(d))
        return;
    if (to_cr) {
        CALL(d, write_cr, env_arg(d), cst(d, cr), gen_ld_reg(d, d->insn.rm, size));
        if (cr != 2)
            gen_exit_next(d);
        return;
    }
    TCGv v;
    if (cr == 8) {
        v = CALL(d, read_cr8, env_arg(d)); /* the local APIC's TPR */
    } else {
        v = tmp(d);
        tcg_gen_ld(d->s, INDEX_op_ld, v, env_arg(d),
                   (intptr_t)offsetof(CPUX86State, cr) + (intptr_t)(cr * sizeof(uint64_t)));
    }
    gen_st_reg(d, d->insn.rm, size, v);
}

/* SDM Vol 2B MOV—Move to/from Debug Registers: DR8-DR15 do not exist. */
static void lower_mov_dr(DisasContext *d)
{
    unsigned dr = d->insn.reg;
    bool to_dr = d->insn.entry->opnd[0] == OPND_Dd;
    unsigned size = cr_dr_size(d);
    if (dr >= 8) {
        gen_exception(d, EXCP_UD);
        return;
    }
    if (!check_cpl0(d))
        return;
    if (to_dr) {
        CALL(d, write_dr, env_arg(d), cst(d, dr), gen_ld_reg(d, d->insn.rm, size));
        gen_exit_next(d);
        return;
    }
    gen_st_reg(d, d->insn.rm, size, CALL(d, read_dr, env_arg(d), cst(d, dr)));
}

static intptr_t table_base_offset(unsigned op)
{
    return op == X86_OP_LGDT || op == X86_OP_SGDT ? (intptr_t)offsetof(CPUX86State, gdt.base)
                                                  : (intptr_t)offsetof(CPUX86State, idt.base);
}

static intptr_t table_limit_offset(unsigned op)
{
    return op == X86_OP_LGDT || op == X86_OP_SGDT ? (intptr_t)offsetof(CPUX86State, gdt.limit)
                                                  : (intptr_t)offsetof(CPUX86State, idt.limit);
}

/* The linear address of the pseudo-descriptor's base field: the operand's offset + 2,
 * wrapped at the address size. */
static TCGv pseudo_desc_base_addr(DisasContext *d, TCGv offset)
{
    TCGv off = tmp(d);
    tcg_gen_addi(d->s, off, offset, 2);
    gen_zext(d, off, off, addr_mask_size(d));
    return gen_linear(d, modrm_seg(d), off);
}

/* SDM Vol 2A LGDT/LIDT: a 16-bit limit and a base of 8 bytes in 64-bit mode, else 4,
 * of which a 16-bit operand size keeps 24 bits. Both loads come before the table
 * register changes. */
static void lower_lgdt_lidt(DisasContext *d)
{
    unsigned op = d->insn.op;
    if (!check_cpl0(d))
        return;
    TCGv offset = gen_ea_offset(d);
    TCGv limit = gen_ld_mem(d, gen_linear(d, modrm_seg(d), offset), 2);
    TCGv base = gen_ld_mem(d, pseudo_desc_base_addr(d, offset), d->insn.opsize == 8 ? 8 : 4);
    if (d->insn.opsize == 2)
        tcg_gen_andi(d->s, base, base, 0xffffff);
    tcg_gen_st(d->s, INDEX_op_st, base, env_arg(d), table_base_offset(op));
    tcg_gen_st(d->s, INDEX_op_st32, limit, env_arg(d), table_limit_offset(op));
}

/* SDM Vol 2B SGDT/SIDT: the limit, then the base: 8 bytes in 64-bit mode, else 4; with
 * a 16-bit operand size only 24 bits of the base, the fourth byte 0 (the classic
 * definition, which QEMU follows too). Not privileged (no UMIP). */
static void lower_sgdt_sidt(DisasContext *d)
{
    unsigned op = d->insn.op;
    TCGv offset = gen_ea_offset(d);
    TCGv limit = tmp(d), base = tmp(d);
    tcg_gen_ld(d->s, INDEX_op_ld32u, limit, env_arg(d), table_limit_offset(op));
    tcg_gen_ld(d->s, INDEX_op_ld, base, env_arg(d), table_base_offset(op));
    if (d->insn.opsize == 2)
        tcg_gen_andi(d->s, base, base, 0xffffff);
    gen_st_mem(d, gen_linear(d, modrm_seg(d), offset), limit, 2);
    gen_st_mem(d, pseudo_desc_base_addr(d, offset), base, d->insn.opsize == 8 ? 8 : 4);
}

/* LLDT/LTR: protected mode, CPL 0; the descriptor checks are seg_helper.c's. */
static void lower_lldt_ltr(DisasContext *d)
{
    if (!check_protected(d) || !check_cpl0(d))
        return;
    Operands o = {0};
    TCGv sel = gen_ld_opnd(d, &o, 0);
    if (d->insn.op == X86_OP_LLDT)
        CALL(d, lldt, env_arg(d), sel);
    else
        CALL(d, ltr, env_arg(d), sel);
}

/* Stores a 16-bit system value to the r/m operand of SLDT, STR or SMSW: a memory
 * operand is always 16 bits; a register takes the operand size (zero-extended). */
static void store_rm_word(DisasContext *d, TCGv v)
{
    if (d->insn.mod != 3)
        gen_st_mem(d, gen_ea(d), v, 2);
    else
        gen_st_reg(d, d->insn.rm, d->insn.opsize, v);
}

/* SDM Vol 2B SLDT/STR. */
static void lower_sldt_str(DisasContext *d)
{
    if (!check_protected(d))
        return;
    TCGv v = tmp(d);
    intptr_t off = d->insn.op == X86_OP_SLDT ? (intptr_t)offsetof(CPUX86State, ldt.selector)
                                             : (intptr_t)offsetof(CPUX86State, tr.selector);
    tcg_gen_ld(d->s, INDEX_op_ld32u, v, env_arg(d), off);
    store_rm_word(d, v);
}

/* SDM Vol 2B SMSW: CR0's low bits (all of CR0 for a 32/64-bit register). */
static void lower_smsw(DisasContext *d)
{
    TCGv v = tmp(d);
    tcg_gen_ld(d->s, INDEX_op_ld, v, env_arg(d), (intptr_t)offsetof(CPUX86State, cr));
    store_rm_word(d, v);
}

static void lower_lmsw(DisasContext *d)
{
    if (!check_cpl0(d))
        return;
    Operands o = {0};
    CALL(d, lmsw, env_arg(d), gen_ld_opnd(d, &o, 0));
    gen_exit_next(d);
}

static void lower_clts(DisasContext *d)
{
    if (!check_cpl0(d))
        return;
    CALL(d, clts, env_arg(d));
    gen_exit_next(d);
}

/* INVLPG ends the block: the following code may sit on the page whose mapping it
 * drops. */
static void lower_invlpg(DisasContext *d)
{
    if (!check_cpl0(d))
        return;
    CALL(d, invlpg, env_arg(d), gen_ea(d));
    gen_exit_next(d);
}

/* WBINVD/INVD: caches are not modelled; only the privilege check remains. */
static void lower_cache_flush(DisasContext *d)
{
    check_cpl0(d);
}

static void lower_cpuid(DisasContext *d)
{
    CALL(d, cpuid, env_arg(d));
}

static void lower_rdmsr(DisasContext *d)
{
    if (check_cpl0(d))
        CALL(d, rdmsr, env_arg(d));
}

/* A WRMSR may change EFER (the mode) or FS/GS bases: end the block. */
static void lower_wrmsr(DisasContext *d)
{
    if (!check_cpl0(d))
        return;
    CALL(d, wrmsr, env_arg(d));
    gen_exit_next(d);
}

static void lower_rdtsc(DisasContext *d)
{
    if (d->insn.op == X86_OP_RDTSCP)
        CALL(d, rdtscp, env_arg(d));
    else
        CALL(d, rdtsc, env_arg(d));
}

static void lower_rdpmc(DisasContext *d)
{
    CALL(d, rdpmc, env_arg(d));
    d->end = true;
}

/* SYSCALL/SYSRET/SYSENTER/SYSEXIT load CS, SS, rIP and RFLAGS: the block ends on the
 * state the helper left. */
static void lower_fast_syscall(DisasContext *d)
{
    switch (d->insn.op) {
    case X86_OP_SYSCALL: CALL(d, syscall, env_arg(d), cst(d, (int64_t)d->next_eip)); break;
    case X86_OP_SYSRET: CALL(d, sysret, env_arg(d), cst(d, d->insn.opsize)); break;
    case X86_OP_SYSENTER: CALL(d, sysenter, env_arg(d)); break;
    default: CALL(d, sysexit, env_arg(d), cst(d, d->insn.opsize)); break;
    }
    gen_exit_dynamic(d);
}

/* SDM Vol 2B SWAPGS: exchanges GS.base with IA32_KERNEL_GS_BASE (64-bit mode, CPL 0). */
static void lower_swapgs(DisasContext *d)
{
    if (!check_cpl0(d))
        return;
    TCGv kernel = tmp(d);
    TCGv gs_base = gv(G_SEG_BASE + R_GS);
    intptr_t off = (intptr_t)offsetof(CPUX86State, kernel_gs_base);
    tcg_gen_ld(d->s, INDEX_op_ld, kernel, env_arg(d), off);
    tcg_gen_st(d->s, INDEX_op_st, gs_base, env_arg(d), off);
    tcg_gen_mov(d->s, gs_base, kernel);
}

static void lower_rdfsgsbase(DisasContext *d)
{
    int seg = d->insn.op == X86_OP_RDFSBASE ? R_FS : R_GS;
    unsigned size = d->insn.opsize == 8 ? 8 : 4;
    gen_st_reg(d, d->insn.rm, size, CALL(d, rdfsgsbase, env_arg(d), cst(d, seg)));
}

static void lower_wrfsgsbase(DisasContext *d)
{
    int seg = d->insn.op == X86_OP_WRFSBASE ? R_FS : R_GS;
    unsigned size = d->insn.opsize == 8 ? 8 : 4;
    CALL(d, wrfsgsbase, env_arg(d), cst(d, seg), gen_ld_reg(d, d->insn.rm, size), cst(d, size));
}

/* LAR/LSL r, r/m16: the helper writes the register and ZF. */
static void lower_lar_lsl(DisasContext *d)
{
    if (!check_protected(d))
        return;
    Operands o = {0};
    TCGv sel = gen_ld_opnd(d, &o, 1);
    TCGv reg = cst(d, d->insn.reg), size = cst(d, d->insn.opsize);
    if (d->insn.op == X86_OP_LAR)
        CALL(d, lar, env_arg(d), sel, reg, size);
    else
        CALL(d, lsl, env_arg(d), sel, reg, size);
}

static void lower_verr_verw(DisasContext *d)
{
    if (!check_protected(d))
        return;
    Operands o = {0};
    TCGv sel = gen_ld_opnd(d, &o, 0);
    if (d->insn.op == X86_OP_VERR)
        CALL(d, verr, env_arg(d), sel);
    else
        CALL(d, verw, env_arg(d), sel);
}

/* SDM Vol 2A ARPL: if the destination selector's RPL is below the source's, raise it
 * to the source's and set ZF, else clear ZF. The destination is written back either
 * way (unchanged when not adjusted), before the flags change. */
static void lower_arpl(DisasContext *d)
{
    if (!check_protected(d))
        return;
    Operands o = {0};
    TCGv dst = gen_ld_opnd(d, &o, 0);
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv dst_rpl = tmp(d), src_rpl = tmp(d), adjust = tmp(d), raised = tmp(d), res = tmp(d);
    tcg_gen_andi(d->s, dst_rpl, dst, 3);
    tcg_gen_andi(d->s, src_rpl, src, 3);
    tcg_gen_setcond(d->s, TCG_COND_LTU, adjust, dst_rpl, src_rpl);
    tcg_gen_deposit(d->s, raised, dst, src_rpl, 0, 2);
    tcg_gen_movcond(d->s, TCG_COND_NE, res, adjust, cst(d, 0), raised, dst);
    TCGv flags = gen_compute_eflags(d);
    gen_st_opnd(d, &o, 0, res);
    TCGv zf = tmp(d);
    tcg_gen_shli(d->s, zf, adjust, 6); /* ZF is bit 6 */
    tcg_gen_andi(d->s, flags, flags, ~(int64_t)CC_Z);
    tcg_gen_or(d->s, flags, flags, zf);
    gen_set_eflags_arith(d, flags);
}

const X86Lowering x86_lowerings_sys[] = {
    {X86_OP_MOV_CR, lower_mov_cr},
    {X86_OP_MOV_DR, lower_mov_dr},
    {X86_OP_LGDT, lower_lgdt_lidt},
    {X86_OP_LIDT, lower_lgdt_lidt},
    {X86_OP_SGDT, lower_sgdt_sidt},
    {X86_OP_SIDT, lower_sgdt_sidt},
    {X86_OP_LLDT, lower_lldt_ltr},
    {X86_OP_LTR, lower_lldt_ltr},
    {X86_OP_SLDT, lower_sldt_str},
    {X86_OP_STR, lower_sldt_str},
    {X86_OP_LMSW, lower_lmsw},
    {X86_OP_SMSW, lower_smsw},
    {X86_OP_CLTS, lower_clts},
    {X86_OP_INVLPG, lower_invlpg},
    {X86_OP_WBINVD, lower_cache_flush},
    {X86_OP_INVD, lower_cache_flush},
    {X86_OP_CPUID, lower_cpuid},
    {X86_OP_RDMSR, lower_rdmsr},
    {X86_OP_WRMSR, lower_wrmsr},
    {X86_OP_RDTSC, lower_rdtsc},
    {X86_OP_RDTSCP, lower_rdtsc},
    {X86_OP_RDPMC, lower_rdpmc},
    {X86_OP_SYSCALL, lower_fast_syscall},
    {X86_OP_SYSRET, lower_fast_syscall},
    {X86_OP_SYSENTER, lower_fast_syscall},
    {X86_OP_SYSEXIT, lower_fast_syscall},
    {X86_OP_SWAPGS, lower_swapgs},
    {X86_OP_RDFSBASE, lower_rdfsgsbase},
    {X86_OP_RDGSBASE, lower_rdfsgsbase},
    {X86_OP_WRFSBASE, lower_wrfsgsbase},
    {X86_OP_WRGSBASE, lower_wrfsgsbase},
    {X86_OP_LAR, lower_lar_lsl},
    {X86_OP_LSL, lower_lar_lsl},
    {X86_OP_VERR, lower_verr_verw},
    {X86_OP_VERW, lower_verr_verw},
    {X86_OP_ARPL, lower_arpl},
    {0, NULL},
};
