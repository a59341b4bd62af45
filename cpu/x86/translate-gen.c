/* The emitters every lowering uses: registers (with the byte-register rule), effective
 * addresses and segments, operands by their SDM kind, lazy flags, block exits, and
 * the stack. */
#include "cpu/x86/translate.h"

#include "cpu/x86/int_helper.h"

/* Zero-extends v in place from size bytes. */
void gen_zext(DisasContext *d, TCGv dst, TCGv v, unsigned size)
{
    switch (size) {
    case 1: tcg_gen_op2(d->s, INDEX_op_ext8u, dst, v); break;
    case 2: tcg_gen_op2(d->s, INDEX_op_ext16u, dst, v); break;
    case 4: tcg_gen_op2(d->s, INDEX_op_ext32u, dst, v); break;
    default: tcg_gen_mov(d->s, dst, v); break;
    }
}

void gen_sext(DisasContext *d, TCGv dst, TCGv v, unsigned size)
{
    switch (size) {
    case 1: tcg_gen_op2(d->s, INDEX_op_ext8s, dst, v); break;
    case 2: tcg_gen_op2(d->s, INDEX_op_ext16s, dst, v); break;
    case 4: tcg_gen_op2(d->s, INDEX_op_ext32s, dst, v); break;
    default: tcg_gen_mov(d->s, dst, v); break;
    }
}

TCGv gen_call(DisasContext *d, const TCGHelperInfo *info, unsigned n, const TCGv *args)
{
    TCGv ret = info->has_ret ? tmp(d) : TCG_NO_RET;
    tcg_gen_call(d->s, info, ret, n, args);
    /* A helper that may write guest state may have changed the lazy flags. */
    if (!(info->flags & TCG_CALL_NO_WRITE_GLOBALS))
        d->cc_op_static = CC_OP_DYNAMIC;
    return ret;
}

/* ---- registers ---- */

/* SDM Vol 2A §2.1.5 / §3.7.2.1: without a REX prefix, byte registers 4-7 are AH, CH, DH,
 * BH (bits 15:8 of registers 0-3); with any REX they are SPL, BPL, SIL, DIL. */
bool is_high_byte_reg(const DisasContext *d, unsigned reg, unsigned size)
{
    return size == 1 && reg >= 4 && reg < 8 && !d->insn.rex && !d->insn.vex;
}

TCGv gen_ld_reg(DisasContext *d, unsigned reg, unsigned size)
{
    TCGv v = tmp(d);
    if (is_high_byte_reg(d, reg, size))
        tcg_gen_extract(d->s, v, gv(G_REGS + reg - 4), 8, 8);
    else
        gen_zext(d, v, gv(G_REGS + reg), size);
    return v;
}

/* SDM Vol 1 §3.4.1.1: 8/16-bit writes leave the other bits; 32-bit writes zero-extend
 * to 64 bits. */
void gen_st_reg(DisasContext *d, unsigned reg, unsigned size, TCGv v)
{
    if (is_high_byte_reg(d, reg, size)) {
        TCGv r = gv(G_REGS + reg - 4);
        tcg_gen_deposit(d->s, r, r, v, 8, 8);
        return;
    }
    TCGv r = gv(G_REGS + reg);
    switch (size) {
    case 1: tcg_gen_deposit(d->s, r, r, v, 0, 8); break;
    case 2: tcg_gen_deposit(d->s, r, r, v, 0, 16); break;
    case 4: tcg_gen_op2(d->s, INDEX_op_ext32u, r, v); break;
    default: tcg_gen_mov(d->s, r, v); break;
    }
}

/* ---- memory ---- */

unsigned addr_mask_size(const DisasContext *d)
{
    return d->insn.addrsize;
}

/* Linear address of segment seg + offset (offset already truncated to address size).
 * In 64-bit mode only FS and GS have a base (SDM 3A §3.4.4). */
TCGv gen_linear(DisasContext *d, int seg, TCGv offset)
{
    TCGv lin = tmp(d);
    if (d->code == X86_CODE64) {
        if (seg == R_FS || seg == R_GS)
            tcg_gen_add(d->s, lin, offset, gv(G_SEG_BASE + seg));
        else
            tcg_gen_mov(d->s, lin, offset);
        return lin;
    }
    tcg_gen_add(d->s, lin, offset, gv(G_SEG_BASE + seg));
    tcg_gen_op2(d->s, INDEX_op_ext32u, lin, lin);
    return lin;
}

/* The ModRM memory operand's offset (no segment), truncated to the address size, with
 * register reg (when >= 0) read as reg_value: POP to memory addresses with the rSP it
 * has after the pop (SDM Vol 2B POP) before rSP itself is written. */
TCGv gen_ea_offset_with(DisasContext *d, int reg, TCGv reg_value)
{
    const X86Insn *in = &d->insn;
    TCGv ea = tmp(d);
    int64_t disp = in->disp;
    if (in->rip_relative)
        disp += (int64_t)d->next_eip;
    tcg_gen_movi(d->s, ea, disp);
    if (in->base >= 0)
        tcg_gen_add(d->s, ea, ea, in->base == reg ? reg_value : gv(G_REGS + in->base));
    if (in->index >= 0) {
        TCGv idx = tmp(d);
        tcg_gen_shli(d->s, idx, in->index == reg ? reg_value : gv(G_REGS + in->index), in->scale);
        tcg_gen_add(d->s, ea, ea, idx);
    }
    gen_zext(d, ea, ea, addr_mask_size(d));
    return ea;
}

TCGv gen_ea_offset(DisasContext *d)
{
    return gen_ea_offset_with(d, -1, TCG_NO_RET);
}

int modrm_seg(const DisasContext *d)
{
    return d->insn.seg >= 0 ? d->insn.seg : d->insn.default_seg;
}

TCGv gen_ea(DisasContext *d)
{
    return gen_linear(d, modrm_seg(d), gen_ea_offset(d));
}

MemOp size_memop(unsigned size)
{
    return size == 1 ? MO_8 : size == 2 ? MO_16 : size == 4 ? MO_32 : MO_64;
}

/* SDM 3A §6.15 "Interrupt 17" and Table 6-7: with alignment checking on (HF_AC_CHECK:
 * CPL 3, CR0.AM and EFLAGS.AC) a word, doubleword or quadword data access must be
 * aligned to its size, else #AC(0) before the access. Only blocks translated with the
 * check on pay for it. 16- and 32-byte SSE/AVX operands are accessed in 8-byte pieces,
 * so they need 8-byte alignment: the SDM lets the unaligned forms (MOVUPS, MOVDQU,
 * LDDQU) raise #AC or not below that, and the aligned forms raise #GP first. */
void gen_check_alignment(DisasContext *d, TCGv addr, unsigned size)
{
    if (!(d->flags & HF_AC_CHECK) || size < 2 || size > 8)
        return;
    TCGLabel aligned = tcg_label_new(d->s);
    TCGv low = tmp(d);
    tcg_gen_andi(d->s, low, addr, size - 1);
    tcg_gen_brcondi(d->s, TCG_COND_EQ, low, 0, aligned);
    CALL(d, raise_exception, d->s->env, cst(d, EXCP_AC)); /* error code 0 */
    tcg_gen_set_label(d->s, aligned);
}

TCGv gen_ld_mem(DisasContext *d, TCGv addr, unsigned size)
{
    TCGv v = tmp(d);
    gen_check_alignment(d, addr, size);
    tcg_gen_qemu_ld(d->s, v, addr, size_memop(size), d->mmu_idx);
    return v;
}

/* The load of a read-modify-write destination: the processor checks write access
 * there already, so a page fault reports a write (SDM 3A §4.7, W/R = 1) and the page
 * is marked dirty; the load's slow path translates for writing while env->rmw_load is
 * set (it clears it, so a fault cannot leave it set). */
static TCGv gen_ld_mem_rmw(DisasContext *d, TCGv addr, unsigned size)
{
    TCGv v = tmp(d);
    gen_check_alignment(d, addr, size);
    tcg_gen_st(d->s, INDEX_op_st8, cst(d, 1), d->s->env, offsetof(CPUX86State, rmw_load));
    tcg_gen_qemu_ld(d->s, v, addr, size_memop(size), d->mmu_idx);
    tcg_gen_st(d->s, INDEX_op_st8, cst(d, 0), d->s->env, offsetof(CPUX86State, rmw_load));
    return v;
}

void gen_st_mem(DisasContext *d, TCGv addr, TCGv v, unsigned size)
{
    gen_check_alignment(d, addr, size);
    tcg_gen_qemu_st(d->s, v, addr, size_memop(size), d->mmu_idx);
}

/* ---- operands ---- */

unsigned opnd_size(const DisasContext *d, unsigned k)
{
    unsigned os = d->insn.opsize;
    switch ((X86OpndKind)k) {
    case OPND_Eb:
    case OPND_Gb:
    case OPND_Ib:
    case OPND_Jb:
    case OPND_AL:
    case OPND_CL:
    case OPND_Zb:
    case OPND_Ob:
    case OPND_Xb:
    case OPND_Yb:
    case OPND_ONE: return 1;
    case OPND_Ew:
    case OPND_Gw:
    case OPND_Iw:
    case OPND_Sw:
    case OPND_DX:
    case OPND_ES:
    case OPND_CS:
    case OPND_SS:
    case OPND_DS:
    case OPND_FS:
    case OPND_GS: return 2;
    case OPND_Ed:
    case OPND_Gd:
    case OPND_Rd:
    case OPND_Cd:
    case OPND_Dd: return 4;
    case OPND_Eq:
    case OPND_Gq: return 8;
    case OPND_Ey:
    case OPND_Gy:
    case OPND_By:
    case OPND_Ry: return os == 8 ? 8 : 4;
    default: return os;
    }
}

bool opnd_is_mem(const DisasContext *d, unsigned k)
{
    switch ((X86OpndKind)k) {
    case OPND_Eb:
    case OPND_Ew:
    case OPND_Ed:
    case OPND_Eq:
    case OPND_Ev:
    case OPND_Ey:
    case OPND_M:
    case OPND_Mp: return d->insn.mod != 3;
    default: return false;
    }
}

int sreg_opnd(unsigned k)
{
    return k >= OPND_ES && k <= OPND_GS ? (int)(k - OPND_ES) : -1;
}

TCGv opnd_addr(DisasContext *d, Operands *o)
{
    if (!o->have_addr) {
        o->addr = gen_ea(d);
        o->have_addr = true;
    }
    return o->addr;
}

/* moffs operand (A0-A3): an absolute offset of address-size width. */
TCGv gen_moffs_addr(DisasContext *d)
{
    TCGv off = cst(d, (int64_t)(d->insn.imm & size_mask(d->insn.addrsize)));
    int seg = d->insn.seg >= 0 ? d->insn.seg : R_DS;
    return gen_linear(d, seg, off);
}

TCGv gen_ld_rmw_opnd(DisasContext *d, Operands *o, unsigned i)
{
    unsigned k = d->insn.entry->opnd[i];
    if (d->insn.mod != 3 && opnd_is_mem(d, k))
        return gen_ld_mem_rmw(d, opnd_addr(d, o), opnd_size(d, k));
    return gen_ld_opnd(d, o, i);
}

TCGv gen_ld_opnd(DisasContext *d, Operands *o, unsigned i)
{
    unsigned k = d->insn.entry->opnd[i];
    unsigned size = opnd_size(d, k);
    const X86Insn *in = &d->insn;
    switch ((X86OpndKind)k) {
    case OPND_Eb:
    case OPND_Ew:
    case OPND_Ed:
    case OPND_Eq:
    case OPND_Ev:
    case OPND_Ey:
        if (in->mod == 3)
            return gen_ld_reg(d, in->rm, size);
        return gen_ld_mem(d, opnd_addr(d, o), size);
    case OPND_Gb:
    case OPND_Gw:
    case OPND_Gd:
    case OPND_Gq:
    case OPND_Gv:
    case OPND_Gy: return gen_ld_reg(d, in->reg, size);
    case OPND_Zb:
    case OPND_Zv: return gen_ld_reg(d, in->zreg, size);
    case OPND_By: return gen_ld_reg(d, in->vex_vvvv, size);
    case OPND_M: return gen_ld_mem(d, opnd_addr(d, o), size);
    case OPND_AL:
    case OPND_rAX: return gen_ld_reg(d, R_EAX, size);
    case OPND_CL: return gen_ld_reg(d, R_ECX, 1);
    case OPND_DX: return gen_ld_reg(d, R_EDX, 2);
    case OPND_ONE: return cst(d, 1);
    case OPND_Ib: return cst(d, (int64_t)(in->imm & 0xff));
    case OPND_Iw: return cst(d, (int64_t)(in->imm & 0xffff));
    case OPND_Ibs:
    case OPND_Iz:
    case OPND_Iv: return cst(d, (int64_t)(in->imm & size_mask(size)));
    case OPND_Ob:
    case OPND_Ov: return gen_ld_mem(d, gen_moffs_addr(d), size);
    case OPND_Sw:
    case OPND_ES:
    case OPND_CS:
    case OPND_SS:
    case OPND_DS:
    case OPND_FS:
    case OPND_GS: {
        int seg = k == OPND_Sw ? in->reg & 7 : sreg_opnd(k);
        TCGv v = tmp(d);
        tcg_gen_ld(d->s, INDEX_op_ld32u, v, d->s->env,
                   (intptr_t)offsetof(CPUX86State, segs[0].selector) +
                       seg * (intptr_t)sizeof(SegmentCache));
        return v;
    }
    default: return cst(d, 0);
    }
}

void gen_load_seg(DisasContext *d, int seg, TCGv sel)
{
    /* Outside real mode a segment load may change the mode bits (SS.B) the block was
     * translated for: block_must_end ends the block after it. */
    CALL(d, load_seg, d->s->env, cst(d, seg), sel);
}

void gen_st_opnd(DisasContext *d, Operands *o, unsigned i, TCGv v)
{
    unsigned k = d->insn.entry->opnd[i];
    unsigned size = opnd_size(d, k);
    const X86Insn *in = &d->insn;
    switch ((X86OpndKind)k) {
    case OPND_Eb:
    case OPND_Ew:
    case OPND_Ed:
    case OPND_Eq:
    case OPND_Ev:
    case OPND_Ey:
        if (in->mod == 3)
            gen_st_reg(d, in->rm, size, v);
        else
            gen_st_mem(d, opnd_addr(d, o), v, size);
        return;
    case OPND_Gb:
    case OPND_Gw:
    case OPND_Gd:
    case OPND_Gq:
    case OPND_Gv:
    case OPND_Gy: gen_st_reg(d, in->reg, size, v); return;
    case OPND_Zb:
    case OPND_Zv: gen_st_reg(d, in->zreg, size, v); return;
    case OPND_By: gen_st_reg(d, in->vex_vvvv, size, v); return;
    case OPND_M: gen_st_mem(d, opnd_addr(d, o), v, size); return;
    case OPND_AL:
    case OPND_rAX: gen_st_reg(d, R_EAX, size, v); return;
    case OPND_Ob:
    case OPND_Ov: gen_st_mem(d, gen_moffs_addr(d), v, size); return;
    case OPND_Sw:
    case OPND_ES:
    case OPND_SS:
    case OPND_DS:
    case OPND_FS:
    case OPND_GS: gen_load_seg(d, k == OPND_Sw ? in->reg & 7 : sreg_opnd(k), v); return;
    default: return;
    }
}

/* ---- control flow ---- */

uint64_t eip_mask(const DisasContext *d, unsigned opsize)
{
    return d->code == X86_CODE64 ? ~0ull : size_mask(opsize);
}

/* Whether the block's exits raise the single-step trap: TF was set when the
 * instruction started (SDM 3A §18.3.1.4; an instruction that clears TF is still
 * trapped after, one that sets it is not, since TF was clear when it began), except
 * after MOV SS / POP SS, which hold the trap back until after the next instruction
 * (SDM 3A §6.8.3). */
static bool exit_traps(const DisasContext *d)
{
    return d->single_step && !d->shadow_blocks_trap;
}

/* The single-step #DB after an instruction whose rIP is already in env. The helper
 * does not return; the exit only keeps the op list well formed. */
void gen_single_step_trap(DisasContext *d)
{
    CALL(d, single_step, d->s->env);
    tcg_gen_exit_tb(d->s, TB_EXIT_NOCHAIN);
}

/* Where the data-breakpoint hits of the current instruction are recorded (X86TLB, in
 * the X86CPU that embeds env). */
#define DEBUG_HITS_OFFSET                                                                          \
    ((intptr_t)offsetof(X86CPU, tlb) + (intptr_t)offsetof(X86TLB, debug_hits) -                    \
     (intptr_t)offsetof(X86CPU, env))

/* Data breakpoints (HF_DBG_DATA): every instruction starts with no hit recorded, so
 * that the hits of one that faulted are forgotten. */
void gen_debug_watch_clear(DisasContext *d)
{
    tcg_gen_st(d->s, INDEX_op_st32, cst(d, 0), d->s->env, DEBUG_HITS_OFFSET);
}

/* Data breakpoints are traps (SDM 3A §18.3.1.2): once the instruction completes, a
 * recorded hit raises #DB with rIP past it (eip, when set_rip; else rIP is in env
 * already). */
void gen_debug_watch_check(DisasContext *d, bool set_rip, uint64_t eip, bool single_step)
{
    TCGLabel none = tcg_label_new(d->s);
    TCGv hits = tmp(d);
    tcg_gen_ld(d->s, INDEX_op_ld32u, hits, d->s->env, DEBUG_HITS_OFFSET);
    tcg_gen_brcondi(d->s, TCG_COND_EQ, hits, 0, none);
    if (set_rip)
        tcg_gen_movi(d->s, gv(G_RIP), (int64_t)eip);
    CALL(d, debug_watch_trap, d->s->env, cst(d, single_step));
    tcg_gen_set_label(d->s, none);
}

/* At a block exit after an instruction completed (rIP in env): the data-breakpoint
 * trap, unless the block loop already emitted it for this instruction. */
static void gen_exit_watch_check(DisasContext *d)
{
    if ((d->flags & HF_DBG_DATA) && !d->watch_checked)
        gen_debug_watch_check(d, false, 0, exit_traps(d));
}

/* Ends the block with a jump to eip. Direct links (goto_tb) are made only to blocks
 * starting on the same page as this one, so that a change of mapping for another page
 * can never leave a stale link (the paging issue relies on this). */
void gen_jmp_eip(DisasContext *d, uint64_t eip, unsigned slot)
{
    if (exit_traps(d)) {
        tcg_gen_movi(d->s, gv(G_RIP), (int64_t)eip);
        gen_exit_watch_check(d);
        gen_single_step_trap(d);
        d->end = true;
        return;
    }
    if ((d->flags & HF_DBG_DATA) && !d->watch_checked) {
        tcg_gen_movi(d->s, gv(G_RIP), (int64_t)eip);
        gen_exit_watch_check(d);
    }
    uint64_t target = d->cs_base + eip;
    if (d->block_loops && target == d->tb_pc) {
        tcg_gen_br(d->s, d->block_top);
        d->end = true;
        return;
    }
    bool same_page =
        (target >> 12) == (d->tb_pc >> 12) || (target >> 12) == ((d->cs_base + d->eip) >> 12);
    /* A slot links to one block: a block that went on after a Jcc may have used it. */
    bool chain = same_page && !(d->goto_tb_used & (1u << slot));
    if (chain) {
        d->goto_tb_used |= (uint8_t)(1u << slot);
        tcg_gen_goto_tb(d->s, slot);
    }
    tcg_gen_movi(d->s, gv(G_RIP), (int64_t)eip);
    if (chain)
        tcg_gen_exit_tb(d->s, slot);
    else
        gen_exit_lookup_same_key(d); /* the target's mapping is checked at each lookup */
    d->end = true;
}

/* The lookup exit of a block whose last instruction changed rIP and nothing else of
 * the block key (x86_tb_key): a jump, call or return within the code segment. The next
 * block's key is then this one's but for its pc (TCG_EXIT_SAME_KEY), unless this
 * block's first instruction closed an open interrupt shadow (HF_INHIBIT is in this
 * key only). Any instruction that changes the key otherwise ends its block itself. */
void gen_exit_lookup_same_key(DisasContext *d)
{
    uintptr_t same_key = (d->flags & HF_INHIBIT) ? 0 : TCG_EXIT_SAME_KEY;
    tcg_gen_exit_tb(d->s, TB_EXIT_NOCHAIN | TCG_EXIT_LOOKUP | same_key);
}

/* Ends the block with the state stored (rIP in env); same_key: only rIP changed of
 * the block key (gen_exit_lookup_same_key). */
static void gen_exit_stored(DisasContext *d, bool same_key)
{
    gen_exit_watch_check(d);
    if (exit_traps(d)) {
        gen_single_step_trap(d);
        d->end = true;
        return;
    }
    /* The next block is found from the stored state, in the backend when it can. */
    if (same_key)
        gen_exit_lookup_same_key(d);
    else
        tcg_gen_exit_lookup(d->s);
    d->end = true;
}

/* Ends the block after a change that rip (or the mode) cannot be known statically. */
void gen_exit_dynamic(DisasContext *d)
{
    gen_exit_stored(d, false);
}

/* Ends the block after a near indirect JMP or CALL or a near RET (rIP in env). */
void gen_exit_indirect(DisasContext *d)
{
    gen_exit_stored(d, true);
}

void gen_exit_next(DisasContext *d)
{
    tcg_gen_movi(d->s, gv(G_RIP), (int64_t)d->next_eip);
    gen_exit_dynamic(d);
}

void gen_exception(DisasContext *d, int vector)
{
    CALL(d, raise_exception, d->s->env, cst(d, vector));
    d->end = true;
}

/* Applies rmw (X86_RMW_*) with val to the size-byte operand at addr as one host atomic
 * and returns the operand's old value (LOCK, XCHG with memory). */
TCGv gen_atomic_rmw(DisasContext *d, TCGv addr, unsigned rmw, TCGv val, unsigned size)
{
    gen_check_alignment(d, addr, size);
    return CALL(d, atomic_rmw, d->s->env, addr, val, cst(d, rmw | (size << 8)));
}

/* Raises now the fault a store of size bytes at addr would raise: for instructions
 * whose helper changes guest state before the store is made. */
void gen_probe_write(DisasContext *d, TCGv addr, unsigned size)
{
    CALL(d, probe_write, d->s->env, addr, cst(d, size));
}

/* The instruction may open an interrupt shadow (STI, MOV SS, POP SS): the block loop
 * ends the block after it so that the next block's first instruction runs in the
 * shadow and closes it (translate.c). */
void gen_mark_shadow(DisasContext *d, bool blocks_trap)
{
    d->sets_shadow = true;
    d->shadow_blocks_trap = blocks_trap;
}

/* ---- stack ---- */

unsigned stack_size(const DisasContext *d)
{
    if (d->code == X86_CODE64)
        return 8;
    return (d->flags & HF_SS32) ? 4 : 2;
}

/* Stack address for offset sp (already in the stack width). */
TCGv gen_stack_addr(DisasContext *d, TCGv sp)
{
    return gen_linear(d, R_SS, sp);
}

/* Pushes v (size bytes): the store comes first; rSP changes only after it. */
void gen_push(DisasContext *d, TCGv v, unsigned size)
{
    unsigned ss = stack_size(d);
    TCGv sp = tmp(d);
    tcg_gen_subi(d->s, sp, gv(G_REGS + R_ESP), size);
    gen_zext(d, sp, sp, ss);
    gen_st_mem(d, gen_stack_addr(d, sp), v, size);
    gen_st_reg(d, R_ESP, ss, sp);
}

/* Loads the value at the top of the stack without moving rSP. */
TCGv gen_pop_value(DisasContext *d, unsigned size)
{
    TCGv sp = tmp(d);
    gen_zext(d, sp, gv(G_REGS + R_ESP), stack_size(d));
    return gen_ld_mem(d, gen_stack_addr(d, sp), size);
}

void gen_pop_commit(DisasContext *d, unsigned size)
{
    unsigned ss = stack_size(d);
    TCGv sp = tmp(d);
    tcg_gen_addi(d->s, sp, gv(G_REGS + R_ESP), size);
    gen_st_reg(d, R_ESP, ss, sp);
}
