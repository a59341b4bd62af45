/* Lowering of the general-purpose (integer) instructions: arithmetic and logic,
 * data movement, stack, control transfer, string, multiply/divide, shifts, BCD. Each
 * operation is lowered once, whatever its encoding. Bit operations, exchanges and the
 * BMI/ADX extensions are in translate-bits.c.
 *
 * LOCK: a locked read-modify-write calls helper_atomic_rmw, which operates on guest
 * RAM with a host atomic and returns the old value; the result and the flags are then
 * computed from it exactly as in the unlocked form (the decoder has already refused
 * LOCK without a memory destination or on instructions that do not allow it). */
#include "cpu/x86/int_helper.h"
#include "cpu/x86/string_helper.h"
#include "cpu/x86/translate.h"

static unsigned alu_rmw_op(unsigned op)
{
    switch (op) {
    case X86_OP_ADD:
    case X86_OP_ADC: return X86_RMW_ADD;
    case X86_OP_SUB:
    case X86_OP_SBB: return X86_RMW_SUB;
    case X86_OP_AND: return X86_RMW_AND;
    case X86_OP_OR: return X86_RMW_OR;
    default: return X86_RMW_XOR;
    }
}

/* SDM Vol 2A ADD/ADC/SUB/SBB/AND/OR/XOR/CMP/TEST: the logic ones clear OF and CF;
 * their AF is undefined (left clear, as on Intel parts). */
static void lower_alu(DisasContext *d)
{
    Operands o = {0};
    unsigned op = d->insn.op;
    unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
    bool locked = d->insn.lock;
    bool writes = op != X86_OP_CMP && op != X86_OP_TEST;
    TCGv a = locked ? TCG_NO_RET : writes ? gen_ld_rmw_opnd(d, &o, 0) : gen_ld_opnd(d, &o, 0);
    TCGv b = gen_ld_opnd(d, &o, 1);
    TCGv r = tmp(d), carry = TCG_NO_RET;
    if (op == X86_OP_ADC || op == X86_OP_SBB)
        carry = gen_compute_cf(d);
    if (locked) {
        TCGv val = b;
        if (carry.idx != TCG_NO_RET.idx) {
            val = tmp(d);
            tcg_gen_add(d->s, val, b, carry);
        }
        a = gen_atomic_rmw(d, opnd_addr(d, &o), alu_rmw_op(op), val, size);
    }
    CCOp cc;
    switch (op) {
    case X86_OP_ADD:
        tcg_gen_add(d->s, r, a, b);
        cc = CC_OP_ADDB;
        break;
    case X86_OP_ADC:
        tcg_gen_add(d->s, r, a, b);
        tcg_gen_add(d->s, r, r, carry);
        cc = CC_OP_ADCB;
        break;
    case X86_OP_SUB:
    case X86_OP_CMP:
        tcg_gen_sub(d->s, r, a, b);
        cc = CC_OP_SUBB;
        break;
    case X86_OP_SBB:
        tcg_gen_sub(d->s, r, a, b);
        tcg_gen_sub(d->s, r, r, carry);
        cc = CC_OP_SBBB;
        break;
    case X86_OP_AND:
    case X86_OP_TEST:
        tcg_gen_and(d->s, r, a, b);
        cc = CC_OP_LOGICB;
        break;
    case X86_OP_OR:
        tcg_gen_or(d->s, r, a, b);
        cc = CC_OP_LOGICB;
        break;
    default:
        tcg_gen_xor(d->s, r, a, b);
        cc = CC_OP_LOGICB;
        break;
    }
    gen_zext(d, r, r, size);
    if (!locked && op != X86_OP_CMP && op != X86_OP_TEST)
        gen_st_opnd(d, &o, 0, r);
    gen_set_cc(d, cc_sized(cc, size), r, cc == CC_OP_LOGICB ? TCG_NO_RET : b, carry);
}

/* SDM Vol 2A INC/DEC: CF is not affected. */
static void lower_incdec(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
    bool inc = d->insn.op == X86_OP_INC;
    TCGv a = d->insn.lock ? gen_atomic_rmw(d, opnd_addr(d, &o), X86_RMW_ADD,
                                           cst(d, inc ? 1 : (int64_t)size_mask(size)), size)
                          : gen_ld_rmw_opnd(d, &o, 0);
    TCGv cf = gen_compute_cf(d);
    TCGv r = tmp(d);
    tcg_gen_addi(d->s, r, a, inc ? 1 : -1);
    gen_zext(d, r, r, size);
    if (!d->insn.lock)
        gen_st_opnd(d, &o, 0, r);
    gen_set_cc(d, cc_sized(inc ? CC_OP_INCB : CC_OP_DECB, size), r, cf, TCG_NO_RET);
}

static void lower_not_neg(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
    bool is_not = d->insn.op == X86_OP_NOT;
    TCGv a;
    if (d->insn.lock)
        a = gen_atomic_rmw(d, opnd_addr(d, &o), is_not ? X86_RMW_XOR : X86_RMW_NEG,
                           cst(d, (int64_t)size_mask(size)), size);
    else
        a = gen_ld_rmw_opnd(d, &o, 0);
    TCGv r = tmp(d);
    tcg_gen_op2(d->s, is_not ? INDEX_op_not : INDEX_op_neg, r, a);
    gen_zext(d, r, r, size);
    if (!d->insn.lock)
        gen_st_opnd(d, &o, 0, r);
    /* NOT changes no flag; NEG sets those of 0 - a (SDM Vol 2B NEG: CF = a != 0). */
    if (!is_not)
        gen_set_cc(d, cc_sized(CC_OP_SUBB, size), r, a, TCG_NO_RET);
}

static void lower_mov(DisasContext *d)
{
    Operands o = {0};
    unsigned k0 = d->insn.entry->opnd[0];
    if (k0 == OPND_Sw && ((d->insn.reg & 7) == R_CS || (d->insn.reg & 7) > R_GS)) {
        gen_exception(d, EXCP_UD); /* SDM Vol 2B MOV: loading CS is #UD */
        return;
    }
    TCGv v = gen_ld_opnd(d, &o, 1);
    if (d->insn.entry->opnd[1] == OPND_Sw && (d->insn.reg & 7) > R_GS) {
        gen_exception(d, EXCP_UD);
        return;
    }
    /* MOV r32, Sreg zero-extends; MOV m16, Sreg stores 16 bits (the operand size of Ev
     * decides: for memory we force 2). */
    if (d->insn.entry->opnd[1] == OPND_Sw && opnd_is_mem(d, k0)) {
        gen_st_mem(d, opnd_addr(d, &o), v, 2);
        return;
    }
    gen_st_opnd(d, &o, 0, v);
    if (k0 == OPND_Sw && (d->insn.reg & 7) == R_SS)
        gen_mark_shadow(d, true);
}

static void lower_lea(DisasContext *d)
{
    TCGv ea = gen_ea_offset(d);
    gen_st_reg(d, d->insn.reg, d->insn.opsize, ea);
}

/* SDM Vol 2B XCHG: with a memory operand the exchange is locked whether or not LOCK
 * is given. */
static void lower_xchg(DisasContext *d)
{
    Operands o = {0};
    if (opnd_is_mem(d, d->insn.entry->opnd[0])) {
        unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
        TCGv b = gen_ld_opnd(d, &o, 1);
        gen_st_opnd(d, &o, 1, gen_atomic_rmw(d, opnd_addr(d, &o), X86_RMW_XCHG, b, size));
        return;
    }
    TCGv a = gen_ld_opnd(d, &o, 0);
    TCGv b = gen_ld_opnd(d, &o, 1);
    gen_st_opnd(d, &o, 0, b);
    gen_st_opnd(d, &o, 1, a);
}

/* NOP (90, 0F 1F /0 and the reserved-NOP space), PAUSE, the PREFETCH hints: no
 * operation, no memory access. */
static void lower_nop(DisasContext *d)
{
    (void)d;
}

/* LFENCE/MFENCE/SFENCE: ordering for other vCPUs and devices, a host barrier. */
static void lower_fence(DisasContext *d)
{
    TCGArg kind = 0;
    tcg_emit(d->s, INDEX_op_mb, TCG_TYPE_I64, 1, &kind);
}

static void lower_clflush(DisasContext *d)
{
    CALL(d, clflush, d->s->env, gen_ea(d));
}

static void lower_cbw(DisasContext *d)
{
    unsigned os = d->insn.opsize;
    TCGv v = gen_ld_reg(d, R_EAX, os / 2);
    gen_sext(d, v, v, os / 2);
    gen_zext(d, v, v, os);
    gen_st_reg(d, R_EAX, os, v);
}

static void lower_cwd(DisasContext *d)
{
    unsigned os = d->insn.opsize;
    TCGv v = gen_ld_reg(d, R_EAX, os);
    gen_sext(d, v, v, os);
    tcg_gen_sari(d->s, v, v, 63);
    gen_zext(d, v, v, os);
    gen_st_reg(d, R_EDX, os, v);
}

/* The full rSP register after adding delta to its stack-size part. */
static TCGv gen_sp_plus(DisasContext *d, int64_t delta)
{
    unsigned ss = stack_size(d);
    TCGv sp = tmp(d);
    tcg_gen_addi(d->s, sp, gv(G_REGS + R_ESP), delta);
    if (ss == 2)
        tcg_gen_deposit(d->s, sp, gv(G_REGS + R_ESP), sp, 0, 16);
    else if (ss == 4)
        gen_zext(d, sp, sp, 4);
    return sp;
}

/* Linear address of SS:(base + delta) with the offset wrapped to the stack size. */
static TCGv gen_stack_slot(DisasContext *d, TCGv base, int64_t delta)
{
    TCGv off = tmp(d);
    tcg_gen_addi(d->s, off, base, delta);
    gen_zext(d, off, off, stack_size(d));
    return gen_stack_addr(d, off);
}

static void lower_push(DisasContext *d)
{
    Operands o = {0};
    unsigned k = d->insn.entry->opnd[0];
    unsigned size = d->insn.opsize;
    TCGv v = gen_ld_opnd(d, &o, 0);
    if (k == OPND_Ibs)
        v = cst(d, (int64_t)(d->insn.imm & size_mask(size)));
    if (sreg_opnd(k) >= 0 && size > 2) {
        /* SDM Vol 2B PUSH: a segment register pushed with a 32/64-bit operand size is
         * written with a 16-bit move on recent Intel processors, leaving the rest of the
         * slot as it was; rSP still moves by the operand size. */
        gen_st_mem(d, gen_stack_slot(d, gv(G_REGS + R_ESP), -(int64_t)size), v, 2);
        tcg_gen_mov(d->s, gv(G_REGS + R_ESP), gen_sp_plus(d, -(int64_t)size));
        return;
    }
    gen_push(d, v, size);
}

static void lower_pop(DisasContext *d)
{
    Operands o = {0};
    unsigned k = d->insn.entry->opnd[0];
    int seg = sreg_opnd(k);
    unsigned size = d->insn.opsize;
    TCGv v = gen_pop_value(d, size);
    if (seg >= 0) {
        gen_load_seg(d, seg, v);
        gen_pop_commit(d, size);
        if (seg == R_SS)
            gen_mark_shadow(d, true);
        return;
    }
    if (opnd_is_mem(d, k)) {
        /* SDM Vol 2B POP: a memory destination is addressed with the rSP of after the
         * pop; rSP is written only once the store has succeeded. */
        TCGv new_sp = gen_sp_plus(d, size);
        TCGv addr = gen_linear(d, modrm_seg(d), gen_ea_offset_with(d, R_ESP, new_sp));
        gen_st_mem(d, addr, v, size);
        tcg_gen_mov(d->s, gv(G_REGS + R_ESP), new_sp);
        return;
    }
    /* POP rSP: the popped value wins over the increment. */
    gen_pop_commit(d, size);
    gen_st_opnd(d, &o, 0, v);
}

/* SDM Vol 2B PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI; every store is made
 * before rSP moves. */
static void lower_pusha(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv sp = gv(G_REGS + R_ESP);
    TCGv vals[8];
    for (int i = 0; i < 8; i++)
        vals[i] = gen_ld_reg(d, (unsigned)i, size);
    for (int i = 0; i < 8; i++)
        gen_st_mem(d, gen_stack_slot(d, sp, -(int64_t)size * (i + 1)), vals[i], size);
    tcg_gen_mov(d->s, sp, gen_sp_plus(d, -8 * (int64_t)size));
}

/* SDM Vol 2B POPA/POPAD: DI SI BP (SP skipped) BX DX CX AX; every load is made before
 * any register is written. */
static void lower_popa(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv sp = gv(G_REGS + R_ESP);
    TCGv vals[8];
    for (int i = 0; i < 8; i++) {
        if (i != 3)
            vals[i] = gen_ld_mem(d, gen_stack_slot(d, sp, (int64_t)size * i), size);
    }
    TCGv new_sp = gen_sp_plus(d, 8 * (int64_t)size);
    for (int i = 0; i < 8; i++) {
        if (i != 3)
            gen_st_reg(d, (unsigned)(R_EDI - i), size, vals[i]);
    }
    tcg_gen_mov(d->s, sp, new_sp);
}

/* SDM Vol 2A ENTER: push rBP; copy level - 1 frame pointers from the enclosing frame
 * and push the new frame pointer; rBP = frame (operand size), rSP = frame - alloc -
 * level copies (stack size). The level is taken modulo 32; all stores come before
 * rBP and rSP change. */
static void lower_enter(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    unsigned level = (unsigned)(d->insn.imm2 & 31);
    int64_t alloc = (int64_t)(d->insn.imm & 0xffff);
    TCGv sp = gv(G_REGS + R_ESP), bp = gv(G_REGS + R_EBP);
    TCGv frame = tmp(d);
    tcg_gen_subi(d->s, frame, sp, size);
    gen_zext(d, frame, frame, stack_size(d));
    gen_st_mem(d, gen_stack_slot(d, frame, 0), gen_ld_reg(d, R_EBP, size), size);
    for (unsigned i = 1; i < level; i++) {
        TCGv v = gen_ld_mem(d, gen_stack_slot(d, bp, -(int64_t)size * i), size);
        gen_st_mem(d, gen_stack_slot(d, frame, -(int64_t)size * i), v, size);
    }
    if (level)
        gen_st_mem(d, gen_stack_slot(d, frame, -(int64_t)size * level), frame, size);
    TCGv new_sp = tmp(d);
    tcg_gen_subi(d->s, new_sp, frame, alloc + (int64_t)size * level);
    gen_st_reg(d, R_EBP, size, frame);
    gen_st_reg(d, R_ESP, stack_size(d), new_sp);
}

/* SDM Vol 2A LEAVE: rSP = rBP (stack size), then pop rBP. */
static void lower_leave(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv bp = gv(G_REGS + R_EBP);
    TCGv v = gen_ld_mem(d, gen_stack_slot(d, bp, 0), size);
    TCGv new_sp = tmp(d);
    tcg_gen_addi(d->s, new_sp, bp, size);
    gen_st_reg(d, R_ESP, stack_size(d), new_sp);
    gen_st_reg(d, R_EBP, size, v);
}

/* SDM Vol 2B PUSHF: VM and RF are clear in the pushed image; in virtual-8086 mode it
 * is IOPL-sensitive (helper_pushf faults before anything is pushed, or with VME gives
 * the 16-bit image with VIF). */
static void lower_pushf(DisasContext *d)
{
    TCGv v = CALL(d, pushf, d->s->env, cst(d, d->insn.opsize));
    gen_zext(d, v, v, d->insn.opsize);
    gen_push(d, v, d->insn.opsize);
}

static void lower_popf(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv v = gen_pop_value(d, size);
    CALL(d, popf, d->s->env, v, cst(d, size));
    gen_pop_commit(d, size);
    gen_exit_next(d); /* IF/TF may have changed */
}

/* LAHF/SAHF name AH whatever the prefixes (a REX prefix does not turn it into SPL). */
static void lower_lahf(DisasContext *d)
{
    /* SDM Vol 2A LAHF: AH = SF:ZF:0:AF:0:PF:1:CF */
    TCGv f = gen_compute_eflags(d);
    tcg_gen_ori(d->s, f, f, EFLAGS_FIXED);
    tcg_gen_deposit(d->s, gv(G_REGS + R_EAX), gv(G_REGS + R_EAX), f, 8, 8);
}

static void lower_sahf(DisasContext *d)
{
    /* SDM Vol 2B SAHF: SF, ZF, AF, PF, CF from AH; OF unchanged. */
    TCGv f = gen_compute_eflags(d);
    TCGv ah = tmp(d);
    tcg_gen_extract(d->s, ah, gv(G_REGS + R_EAX), 8, 8);
    tcg_gen_andi(d->s, f, f, CC_O);
    tcg_gen_andi(d->s, ah, ah, CC_S | CC_Z | CC_A | CC_P | CC_C);
    tcg_gen_or(d->s, f, f, ah);
    gen_set_eflags_arith(d, f);
}

static void lower_flag_op(DisasContext *d)
{
    TCGv f;
    switch (d->insn.op) {
    case X86_OP_CLD: tcg_gen_andi(d->s, gv(G_EFLAGS), gv(G_EFLAGS), ~(int64_t)DF_MASK); return;
    case X86_OP_STD: tcg_gen_ori(d->s, gv(G_EFLAGS), gv(G_EFLAGS), DF_MASK); return;
    case X86_OP_CLI: CALL(d, cli, d->s->env); return;
    case X86_OP_STI:
        /* STI opens an interrupt shadow (SDM Vol 2B STI); the block returns to the vCPU
         * loop so that an interrupt that was pending is seen after the next
         * instruction. */
        CALL(d, sti, d->s->env);
        gen_mark_shadow(d, false);
        gen_exit_next(d);
        return;
    default: break;
    }
    f = gen_compute_eflags(d);
    switch (d->insn.op) {
    case X86_OP_CLC: tcg_gen_andi(d->s, f, f, ~(int64_t)CC_C); break;
    case X86_OP_STC: tcg_gen_ori(d->s, f, f, CC_C); break;
    default: tcg_gen_xori(d->s, f, f, CC_C); break; /* CMC */
    }
    gen_set_eflags_arith(d, f);
}

static int64_t branch_target(const DisasContext *d)
{
    uint64_t t = d->next_eip + d->insn.imm;
    return (int64_t)(t & eip_mask(d, d->insn.opsize));
}

static void lower_jmp(DisasContext *d)
{
    unsigned k = d->insn.entry->opnd[0];
    if (k == OPND_Jb || k == OPND_Jz) {
        gen_jmp_eip(d, (uint64_t)branch_target(d), 0);
        return;
    }
    Operands o = {0};
    TCGv t = gen_ld_opnd(d, &o, 0);
    gen_zext(d, gv(G_RIP), t, d->insn.opsize);
    gen_exit_indirect(d);
}

static void lower_call(DisasContext *d)
{
    unsigned k = d->insn.entry->opnd[0];
    unsigned size = d->insn.opsize;
    TCGv ret = cst(d, (int64_t)(d->next_eip & eip_mask(d, size)));
    if (k == OPND_Jb || k == OPND_Jz) {
        gen_push(d, ret, size);
        gen_jmp_eip(d, (uint64_t)branch_target(d), 0);
        return;
    }
    Operands o = {0};
    TCGv t = gen_ld_opnd(d, &o, 0);
    gen_push(d, ret, size);
    gen_zext(d, gv(G_RIP), t, size);
    gen_exit_indirect(d);
}

static void lower_ret(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv t = gen_pop_value(d, size);
    gen_pop_commit(d, size);
    if (d->insn.entry->opnd[0] == OPND_Iw) {
        TCGv sp = tmp(d);
        tcg_gen_addi(d->s, sp, gv(G_REGS + R_ESP), (int64_t)(d->insn.imm & 0xffff));
        gen_st_reg(d, R_ESP, stack_size(d), sp);
    }
    gen_zext(d, gv(G_RIP), t, size);
    gen_exit_indirect(d);
}

/* Far pointer operand: (selector, offset) from Ap or from memory (Mp). */
static void gen_far_pointer(DisasContext *d, TCGv *sel, TCGv *off)
{
    unsigned size = d->insn.opsize;
    if (d->insn.entry->opnd[0] == OPND_Ap) {
        *off = cst(d, (int64_t)(d->insn.imm & size_mask(size)));
        *sel = cst(d, (int64_t)(d->insn.imm2 & 0xffff));
        return;
    }
    TCGv addr = gen_ea(d);
    *off = gen_ld_mem(d, addr, size);
    TCGv a2 = tmp(d);
    tcg_gen_addi(d->s, a2, addr, size);
    *sel = gen_ld_mem(d, a2, 2);
}

static void lower_jmpf(DisasContext *d)
{
    TCGv sel, off;
    gen_far_pointer(d, &sel, &off);
    CALL(d, ljmp, d->s->env, sel, off);
    gen_exit_dynamic(d);
}

static void lower_callf(DisasContext *d)
{
    TCGv sel, off;
    gen_far_pointer(d, &sel, &off);
    CALL(d, lcall, d->s->env, sel, off, cst(d, (int64_t)d->next_eip), cst(d, d->insn.opsize));
    gen_exit_dynamic(d);
}

static void lower_retf(DisasContext *d)
{
    int64_t imm = d->insn.entry->opnd[0] == OPND_Iw ? (int64_t)(d->insn.imm & 0xffff) : 0;
    CALL(d, lret, d->s->env, cst(d, d->insn.opsize), cst(d, imm));
    gen_exit_dynamic(d);
}

static void lower_iret(DisasContext *d)
{
    CALL(d, iret, d->s->env, cst(d, d->insn.opsize));
    gen_exit_dynamic(d);
}

static void lower_jcc(DisasContext *d)
{
    TCGv c = gen_cond(d, d->insn.cc);
    if (x86_jcc_fall_through_loops(d)) {
        /* The block goes on with the fall-through, which jumps back to its start; the
         * taken way leaves from after the loop (x86_translate_block), so that the
         * loop's own way is the straight one. */
        d->continued = true;
        d->jcc_exit = gen_cc_neutral_label(d); /* the flags stay as they were */
        d->jcc_exit_eip = (uint64_t)branch_target(d);
        tcg_gen_brcondi(d->s, TCG_COND_NE, c, 0, d->jcc_exit);
        return;
    }
    TCGLabel not_taken = tcg_label_new(d->s);
    tcg_gen_brcondi(d->s, TCG_COND_EQ, c, 0, not_taken);
    gen_jmp_eip(d, (uint64_t)branch_target(d), 0);
    tcg_gen_set_label(d->s, not_taken);
    gen_jmp_eip(d, d->next_eip, 1);
}

/* LOOP/LOOPE/LOOPNE/JCXZ count in rCX of the address size (SDM Vol 2A LOOPcc). */
static void lower_loop(DisasContext *d)
{
    unsigned as = d->insn.addrsize;
    TCGLabel not_taken = tcg_label_new(d->s);
    TCGv cx = gen_ld_reg(d, R_ECX, as);
    if (d->insn.op == X86_OP_JCXZ) {
        tcg_gen_brcondi(d->s, TCG_COND_NE, cx, 0, not_taken);
    } else {
        tcg_gen_subi(d->s, cx, cx, 1);
        gen_zext(d, cx, cx, as);
        gen_st_reg(d, R_ECX, as, cx);
        tcg_gen_brcondi(d->s, TCG_COND_EQ, cx, 0, not_taken);
        if (d->insn.op != X86_OP_LOOP) {
            TCGv z = gen_cond(d, d->insn.op == X86_OP_LOOPE ? 4 /* E */ : 5 /* NE */);
            tcg_gen_brcondi(d->s, TCG_COND_EQ, z, 0, not_taken);
        }
    }
    gen_jmp_eip(d, (uint64_t)branch_target(d), 0);
    tcg_gen_set_label(d->s, not_taken);
    gen_jmp_eip(d, d->next_eip, 1);
}

static void lower_int(DisasContext *d)
{
    int vector;
    switch (d->insn.op) {
    case X86_OP_INT3: vector = EXCP_BP; break;
    case X86_OP_INT1: vector = EXCP_DB; break;
    case X86_OP_INTO: {
        /* INTO traps only when OF is set (SDM Vol 2A INT n/INTO). */
        TCGLabel no = tcg_label_new(d->s);
        TCGv c = gen_cond(d, 0 /* O */);
        tcg_gen_brcondi(d->s, TCG_COND_EQ, c, 0, no);
        CALL(d, raise_soft_interrupt, d->s->env, cst(d, EXCP_OF), cst(d, (int64_t)d->next_eip));
        tcg_gen_set_label(d->s, no);
        return;
    }
    default: vector = (int)(d->insn.imm & 0xff); break;
    }
    CALL(d, raise_soft_interrupt, d->s->env, cst(d, vector), cst(d, (int64_t)d->next_eip));
    d->end = true;
}

/* SDM Vol 2A BOUND: #BR unless lower <= index <= upper (signed), the bounds being two
 * operand-size words at the memory operand. */
static void lower_bound(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv index = gen_ld_reg(d, d->insn.reg, size);
    TCGv off = gen_ea_offset(d), off2 = tmp(d);
    tcg_gen_addi(d->s, off2, off, size);
    gen_zext(d, off2, off2, d->insn.addrsize);
    TCGv desc = tmp(d);
    tcg_gen_ori(d->s, desc, index, (int64_t)size << 32);
    CALL(d, bound, d->s->env, gen_linear(d, modrm_seg(d), off), gen_linear(d, modrm_seg(d), off2),
         desc);
}

/* UD0/UD1/UD2: defined to raise #UD (SDM Vol 2B UD). */
static void lower_ud(DisasContext *d)
{
    gen_exception(d, EXCP_UD);
}

static void lower_hlt(DisasContext *d)
{
    CALL(d, hlt, d->s->env, cst(d, (int64_t)d->next_eip));
    d->end = true;
}

/* SDM Vol 1 §19.5: the I/O permission check is needed only in protected mode above
 * CPL 0 (IOPL is at least 0) and in virtual-8086 mode; the helper compares with IOPL
 * at run time and consults the TSS bitmap. */
static void gen_check_io(DisasContext *d, TCGv port, unsigned size)
{
    if ((d->flags & HF_PE) && (d->flags & (HF_VM | HF_CPL_MASK)))
        CALL(d, check_io, d->s->env, port, cst(d, size));
}

static void lower_in_out(DisasContext *d)
{
    Operands o = {0};
    bool is_in = d->insn.op == X86_OP_IN;
    unsigned data_k = d->insn.entry->opnd[is_in ? 0 : 1];
    unsigned size = opnd_size(d, data_k);
    if (size > 4)
        size = 4;
    TCGv port = gen_ld_opnd(d, &o, is_in ? 1 : 0);
    gen_check_io(d, port, size);
    if (is_in) {
        TCGv v = CALL(d, in, d->s->env, port, cst(d, size));
        gen_st_reg(d, R_EAX, size, v);
    } else {
        TCGv v = gen_ld_reg(d, R_EAX, size);
        CALL(d, out, d->s->env, port, v, cst(d, size));
    }
}

/* ---- string instructions (SDM Vol 2B MOVS/STOS/LODS/CMPS/SCAS/INS/OUTS, REP) ---- */

static TCGv gen_string_delta(DisasContext *d, unsigned size)
{
    /* +size when DF = 0, -size when DF = 1 */
    TCGv df = tmp(d), delta = tmp(d);
    tcg_gen_extract(d->s, df, gv(G_EFLAGS), 10, 1);
    tcg_gen_shli(d->s, df, df, 1);
    tcg_gen_subi(d->s, delta, df, 1);
    tcg_gen_op2(d->s, INDEX_op_neg, delta, delta);
    if (size > 1) {
        TCGv sz = cst(d, size);
        tcg_gen_op3(d->s, INDEX_op_mul, delta, delta, sz);
    }
    return delta;
}

static TCGv gen_str_addr(DisasContext *d, int seg, unsigned reg)
{
    TCGv off = gen_ld_reg(d, reg, d->insn.addrsize);
    return gen_linear(d, seg, off);
}

static void gen_str_advance(DisasContext *d, unsigned reg, TCGv delta)
{
    TCGv v = tmp(d);
    tcg_gen_add(d->s, v, gv(G_REGS + reg), delta);
    gen_st_reg(d, reg, d->insn.addrsize, v);
}

/* REP MOVS and REP STOS run most of their iterations a page at a time in a helper
 * (string_helper.c), except where each iteration must be seen: single-step and data
 * breakpoint traps after each, alignment checks of each element. */
static void gen_rep_chunk(DisasContext *d, unsigned size, int src_seg, TCGLabel done)
{
    const X86Insn *in = &d->insn;
    if ((in->op != X86_OP_MOVS && in->op != X86_OP_STOS) || d->single_step ||
        (d->flags & (HF_DBG_DATA | HF_AC_CHECK)))
        return;
    TCGv desc =
        cst(d, (int64_t)X86_STRING_DESC(size, in->addrsize, src_seg, d->code == X86_CODE64));
    /* The helper writes rCX, rSI, rDI and guest memory, never the lazy flags. */
    int cc_op = d->cc_op_static;
    if (in->op == X86_OP_STOS)
        CALL(d, rep_stos_chunk, d->s->env, desc);
    else
        CALL(d, rep_movs_chunk, d->s->env, desc);
    d->cc_op_static = cc_op;
    tcg_gen_brcondi(d->s, TCG_COND_EQ, gen_ld_reg(d, R_ECX, in->addrsize), 0, done);
}

static void lower_string(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    unsigned op = in->op;
    bool byte = in->entry->opnd[0] == OPND_Xb || in->entry->opnd[0] == OPND_Yb ||
                in->entry->opnd[1] == OPND_Xb || in->entry->opnd[1] == OPND_Yb ||
                in->entry->opnd[0] == OPND_AL || in->entry->opnd[1] == OPND_AL;
    unsigned size = byte ? 1 : in->opsize;
    unsigned as = in->addrsize;
    int src_seg = in->seg >= 0 ? in->seg : R_DS;
    bool rep = in->rep != 0;
    bool cond_rep = rep && (op == X86_OP_CMPS || op == X86_OP_SCAS);
    int cc_op_before = d->cc_op_static;
    TCGLabel done = gen_cc_neutral_label(d);
    if (op == X86_OP_INS || op == X86_OP_OUTS) {
        size = size > 4 ? 4 : size;
        gen_check_io(d, gen_ld_reg(d, R_EDX, 2), size);
    }

    if (rep) {
        TCGv cx = gen_ld_reg(d, R_ECX, as);
        tcg_gen_brcondi(d->s, TCG_COND_EQ, cx, 0, done);
        gen_rep_chunk(d, size, src_seg, done);
    }
    TCGv delta = gen_string_delta(d, size);
    TCGv v, a, r;
    switch (op) {
    case X86_OP_MOVS:
        v = gen_ld_mem(d, gen_str_addr(d, src_seg, R_ESI), size);
        gen_st_mem(d, gen_str_addr(d, R_ES, R_EDI), v, size);
        gen_str_advance(d, R_ESI, delta);
        gen_str_advance(d, R_EDI, delta);
        break;
    case X86_OP_STOS:
        v = gen_ld_reg(d, R_EAX, size);
        gen_st_mem(d, gen_str_addr(d, R_ES, R_EDI), v, size);
        gen_str_advance(d, R_EDI, delta);
        break;
    case X86_OP_LODS:
        v = gen_ld_mem(d, gen_str_addr(d, src_seg, R_ESI), size);
        gen_st_reg(d, R_EAX, size, v);
        gen_str_advance(d, R_ESI, delta);
        break;
    case X86_OP_CMPS:
    case X86_OP_SCAS:
        if (op == X86_OP_CMPS)
            a = gen_ld_mem(d, gen_str_addr(d, src_seg, R_ESI), size);
        else
            a = gen_ld_reg(d, R_EAX, size);
        v = gen_ld_mem(d, gen_str_addr(d, R_ES, R_EDI), size);
        r = tmp(d);
        tcg_gen_sub(d->s, r, a, v);
        gen_zext(d, r, r, size);
        if (op == X86_OP_CMPS)
            gen_str_advance(d, R_ESI, delta);
        gen_str_advance(d, R_EDI, delta);
        gen_set_cc(d, cc_sized(CC_OP_SUBB, size), r, v, TCG_NO_RET);
        break;
    case X86_OP_INS: {
        TCGv port = gen_ld_reg(d, R_EDX, 2);
        TCGv addr = gen_str_addr(d, R_ES, R_EDI);
        /* Fault on the destination before the port read has side effects. */
        gen_probe_write(d, addr, size);
        v = CALL(d, in, d->s->env, port, cst(d, size));
        gen_st_mem(d, addr, v, size);
        gen_str_advance(d, R_EDI, delta);
        break;
    }
    default: { /* OUTS */
        TCGv port = gen_ld_reg(d, R_EDX, 2);
        v = gen_ld_mem(d, gen_str_addr(d, src_seg, R_ESI), size);
        CALL(d, out, d->s->env, port, v, cst(d, size));
        gen_str_advance(d, R_ESI, delta);
        break;
    }
    }
    if (rep) {
        TCGv cx = gen_ld_reg(d, R_ECX, as);
        tcg_gen_subi(d->s, cx, cx, 1);
        gen_st_reg(d, R_ECX, as, cx);
        gen_zext(d, cx, cx, as);
        tcg_gen_brcondi(d->s, TCG_COND_EQ, cx, 0, done);
        if (cond_rep) {
            /* REPE (F3) stops when ZF = 0, REPNE (F2) when ZF = 1: ZF is (r == 0). */
            tcg_gen_brcondi(d->s, in->rep == 0xf3 ? TCG_COND_NE : TCG_COND_EQ, gv(G_CC_DST), 0,
                            done);
        }
        if (d->single_step) {
            /* SDM 3A §18.3.1.4: under TF a repeated string instruction traps after
             * each iteration, with rIP still on it while iterations remain. */
            tcg_gen_movi(d->s, gv(G_RIP), (int64_t)d->eip);
            gen_single_step_trap(d);
        } else {
            /* Back to this instruction's insn_start: an interrupt or stop request is
             * seen between iterations with rIP still on this instruction. */
            tcg_gen_br(d->s, d->rep_top);
        }
    }
    tcg_gen_set_label(d->s, done);
    if (rep)
        gen_cc_merge(d, cc_op_before); /* rCX was 0: no flag changed */
}

/* ---- multiply, divide, shifts ---- */

static void lower_mul(DisasContext *d)
{
    Operands o = {0};
    const X86Insn *in = &d->insn;
    unsigned nops = in->entry->opnd[1] == OPND_NONE ? 1 : in->entry->opnd[2] == OPND_NONE ? 2 : 3;
    bool is_signed = in->op == X86_OP_IMUL;
    unsigned size = opnd_size(d, in->entry->opnd[0]);
    if (nops == 1) {
        TCGv b = gen_ld_opnd(d, &o, 0);
        TCGv a = gen_ld_reg(d, R_EAX, size);
        TCGv lo = tmp(d), hi = tmp(d), ov = tmp(d);
        if (is_signed) {
            gen_sext(d, a, a, size);
            gen_sext(d, b, b, size);
        }
        if (size == 8) {
            TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
            tcg_emit(d->s, is_signed ? INDEX_op_muls2 : INDEX_op_mulu2, TCG_TYPE_I64, 4, args);
        } else {
            TCGv p = tmp(d);
            tcg_gen_op3(d->s, INDEX_op_mul, p, a, b);
            gen_zext(d, lo, p, size);
            if (is_signed)
                tcg_gen_sari(d->s, hi, p, 8 * size);
            else
                tcg_gen_shri(d->s, hi, p, 8 * size);
            gen_zext(d, hi, hi, size);
        }
        /* CF = OF = the upper half is significant (SDM Vol 2A MUL, IMUL). */
        if (is_signed) {
            TCGv sx = tmp(d);
            gen_sext(d, sx, lo, size);
            tcg_gen_sari(d->s, sx, sx, 63);
            gen_zext(d, sx, sx, size);
            tcg_gen_setcond(d->s, TCG_COND_NE, ov, hi, sx);
        } else {
            tcg_gen_setcond(d->s, TCG_COND_NE, ov, hi, cst(d, 0));
        }
        if (size == 1) {
            TCGv ax = tmp(d);
            tcg_gen_deposit(d->s, ax, lo, hi, 8, 8);
            gen_st_reg(d, R_EAX, 2, ax);
        } else {
            gen_st_reg(d, R_EAX, size, lo);
            gen_st_reg(d, R_EDX, size, hi);
        }
        gen_set_cc(d, cc_sized(CC_OP_MULB, size), lo, ov, TCG_NO_RET);
        return;
    }
    /* IMUL r, r/m (, imm): truncated product; CF = OF = it differs from the full one. */
    TCGv a = gen_ld_opnd(d, &o, nops == 2 ? 0 : 1);
    TCGv b = gen_ld_opnd(d, &o, nops == 2 ? 1 : 2);
    gen_sext(d, a, a, size);
    gen_sext(d, b, b, size);
    TCGv lo = tmp(d), hi = tmp(d), ov = tmp(d), sx = tmp(d);
    TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
    tcg_emit(d->s, INDEX_op_muls2, TCG_TYPE_I64, 4, args);
    if (size == 8) {
        tcg_gen_sari(d->s, sx, lo, 63);
        tcg_gen_setcond(d->s, TCG_COND_NE, ov, hi, sx);
    } else {
        gen_sext(d, sx, lo, size);
        tcg_gen_setcond(d->s, TCG_COND_NE, ov, lo, sx);
    }
    gen_zext(d, lo, lo, size);
    gen_st_opnd(d, &o, 0, lo);
    gen_set_cc(d, cc_sized(CC_OP_MULB, size), lo, ov, TCG_NO_RET);
}

static void lower_div(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
    TCGv v = gen_ld_opnd(d, &o, 0);
    if (d->insn.op == X86_OP_DIV)
        CALL(d, div, d->s->env, v, cst(d, size));
    else
        CALL(d, idiv, d->s->env, v, cst(d, size));
}

/* ROL/ROR inline (SDM Vol 2B RCL/RCR/ROL/ROR): the value rotated by count (masked as
 * the guest masks it), zero-extended from size bytes when count is not 0 (the register
 * store zero-extends a 32-bit destination in any case). */
static TCGv gen_rotate_value(DisasContext *d, TCGv a, unsigned size, bool left, TCGv count)
{
    TCGv r = tmp(d);
    if (size >= 4) {
        /* One rotate of the operand's width: a 32-bit op reads the low half and
         * zero-extends its result (tcg/tcg.h), as a 32-bit register write does. */
        TCGArg args[3] = {r.idx, a.idx, count.idx};
        tcg_emit(d->s, left ? INDEX_op_rotl : INDEX_op_rotr,
                 size == 8 ? TCG_TYPE_I64 : TCG_TYPE_I32, 3, args);
        return r;
    }
    /* The value twice side by side: a rotation is a window of the pair (a left
     * rotation by 0 is the window at bits, the upper copy). */
    unsigned bits = 8 * size;
    TCGv az = tmp(d), pair = tmp(d), k = tmp(d);
    gen_zext(d, az, a, size);
    tcg_gen_andi(d->s, k, count, bits - 1);
    if (left)
        tcg_gen_sub(d->s, k, cst(d, bits), k);
    tcg_gen_shli(d->s, pair, az, bits);
    tcg_gen_or(d->s, pair, pair, az);
    tcg_gen_shr(d->s, r, pair, k);
    gen_zext(d, r, r, size);
    return r;
}

/* EFLAGS = prev with CF and OF (0 or 1 each) replaced; prev itself when count_zero
 * (not TCG_NO_RET) is 0. */
static void gen_set_carry_overflow(DisasContext *d, TCGv prev, TCGv cf, TCGv of, TCGv count_zero)
{
    TCGv fl = tmp(d);
    tcg_gen_shli(d->s, of, of, 11); /* OF is EFLAGS bit 11 */
    tcg_gen_andi(d->s, fl, prev, ~(int64_t)(CC_C | CC_O));
    tcg_gen_or(d->s, fl, fl, cf);
    tcg_gen_or(d->s, fl, fl, of);
    if (count_zero.idx != TCG_NO_RET.idx)
        tcg_gen_movcond(d->s, TCG_COND_EQ, fl, count_zero, cst(d, 0), prev, fl);
    gen_set_eflags_arith(d, fl);
}

/* OF of a right rotation: the XOR of the result's two most significant bits. */
static TCGv gen_rotate_right_of(DisasContext *d, TCGv r, unsigned bits)
{
    TCGv of = tmp(d), msb = tmp(d);
    tcg_gen_shri(d->s, msb, r, bits - 1);
    tcg_gen_shri(d->s, of, r, bits - 2);
    tcg_gen_xor(d->s, of, of, msb);
    tcg_gen_andi(d->s, of, of, 1);
    return of;
}

/* The flags of a ROL/ROR with result r: CF is the bit rotated into the LSB (ROL) or
 * the MSB (ROR); OF is MSB(result) XOR CF for ROL and the XOR of the result's two most
 * significant bits for ROR; the other arithmetic flags are kept. A masked count of 0
 * changes no flag (count_zero, when not TCG_NO_RET, is that count: the flags are then
 * the earlier ones); a multiple of the width still does. The earlier flags come from
 * gen_compute_eflags: when the next instruction sets the flags again, the optimizer
 * drops their computation. */
static void gen_rotate_flags(DisasContext *d, TCGv r, unsigned size, bool left, TCGv count_zero)
{
    unsigned bits = 8 * size;
    TCGv prev = gen_compute_eflags(d);
    TCGv cf = tmp(d), of;
    if (left) {
        of = tmp(d);
        tcg_gen_andi(d->s, cf, r, 1);
        tcg_gen_shri(d->s, of, r, bits - 1);
        tcg_gen_xor(d->s, of, of, cf);
    } else {
        tcg_gen_shri(d->s, cf, r, bits - 1);
        of = gen_rotate_right_of(d, r, bits);
    }
    gen_set_carry_overflow(d, prev, cf, of, count_zero);
}

/* RCL/RCR by 1 inline (SDM Vol 2B RCL/RCR): CF goes in at the LSB (RCL) or the MSB
 * (RCR), the bit rotated out becomes CF; OF is MSB(result) XOR CF for RCL and the XOR
 * of the result's two most significant bits for RCR. */
static void gen_rotate_carry_1(DisasContext *d, Operands *o, TCGv a, unsigned size, bool left)
{
    unsigned bits = 8 * size;
    TCGv prev = gen_compute_eflags(d);
    TCGv az = tmp(d), cin = tmp(d), r = tmp(d), cf = tmp(d), of;
    gen_zext(d, az, a, size);
    tcg_gen_andi(d->s, cin, prev, CC_C);
    if (left) {
        of = tmp(d);
        tcg_gen_shli(d->s, r, az, 1);
        tcg_gen_or(d->s, r, r, cin);
        gen_zext(d, r, r, size);
        tcg_gen_shri(d->s, cf, az, bits - 1);
        tcg_gen_shri(d->s, of, r, bits - 1);
        tcg_gen_xor(d->s, of, of, cf);
    } else {
        TCGv top = tmp(d);
        tcg_gen_shli(d->s, top, cin, bits - 1);
        tcg_gen_shri(d->s, r, az, 1);
        tcg_gen_or(d->s, r, r, top);
        tcg_gen_andi(d->s, cf, az, 1);
        of = gen_rotate_right_of(d, r, bits);
    }
    gen_st_opnd(d, o, 0, r);
    gen_set_carry_overflow(d, prev, cf, of, TCG_NO_RET);
}

/* ROL/ROR by an immediate or by CL (count, already masked); n is the masked immediate
 * or -1 for CL. */
static void gen_rotate(DisasContext *d, Operands *o, TCGv a, unsigned size, bool left, TCGv count,
                       int n)
{
    TCGv r = gen_rotate_value(d, a, size, left, count);
    gen_st_opnd(d, o, 0, r);
    if (n != 0)
        gen_rotate_flags(d, r, size, left, n < 0 ? count : TCG_NO_RET);
}

/* SDM Vol 2B SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR: the count is masked to 5 bits (6 for
 * 64-bit operands); a zero count leaves the flags alone, but the destination is still
 * written (a 32-bit register is zero-extended, as Intel and AMD parts do). OF is
 * defined for a count of 1; for larger counts it is computed by the same rule. AF is
 * undefined for a nonzero count and left clear. */
static void lower_shift(DisasContext *d)
{
    Operands o = {0};
    unsigned op = d->insn.op;
    unsigned k_count = d->insn.entry->opnd[1];
    unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
    unsigned count_mask = size == 8 ? 63 : 31;
    TCGv a = gen_ld_rmw_opnd(d, &o, 0);
    TCGv count = gen_ld_opnd(d, &o, 1);
    tcg_gen_andi(d->s, count, count, count_mask);
    if (op == X86_OP_ROL || op == X86_OP_ROR) {
        int n =
            k_count == OPND_CL ? -1 : (int)((k_count == OPND_ONE ? 1 : d->insn.imm) & count_mask);
        gen_rotate(d, &o, a, size, op == X86_OP_ROL, count, n);
        return;
    }
    if ((op == X86_OP_RCL || op == X86_OP_RCR) && k_count != OPND_CL &&
        ((k_count == OPND_ONE ? 1 : d->insn.imm) & count_mask) == 1) {
        gen_rotate_carry_1(d, &o, a, size, op == X86_OP_RCL);
        return;
    }
    if (op == X86_OP_RCL || op == X86_OP_RCR) {
        int kind = op == X86_OP_RCL ? ROT_RCL : ROT_RCR;
        /* The helper sets the flags: a memory destination must fault before. */
        if (opnd_is_mem(d, d->insn.entry->opnd[0]))
            gen_probe_write(d, opnd_addr(d, &o), size);
        TCGv r = CALL(d, rotate, d->s->env, cst(d, kind), cst(d, size), a, count);
        gen_st_opnd(d, &o, 0, r);
        return;
    }
    TCGv r = tmp(d), src = tmp(d), cm1 = tmp(d);
    tcg_gen_subi(d->s, cm1, count, 1);
    CCOp cc;
    if (op == X86_OP_SHL) {
        tcg_gen_shl(d->s, src, a, cm1);
        tcg_gen_shl(d->s, r, a, count);
        cc = CC_OP_SHLB;
    } else if (op == X86_OP_SHR) {
        tcg_gen_shr(d->s, src, a, cm1);
        tcg_gen_shr(d->s, r, a, count);
        cc = CC_OP_SARB;
    } else {
        TCGv sa = tmp(d);
        gen_sext(d, sa, a, size);
        tcg_gen_sar(d->s, src, sa, cm1);
        tcg_gen_sar(d->s, r, sa, count);
        cc = CC_OP_SARB;
    }
    gen_zext(d, r, r, size);
    gen_st_opnd(d, &o, 0, r);
    if (k_count != OPND_CL) {
        uint64_t n = (k_count == OPND_ONE ? 1 : d->insn.imm) & count_mask;
        if (n)
            gen_set_cc(d, cc_sized(cc, size), r, src, TCG_NO_RET);
        return;
    }
    int cc_op_before = d->cc_op_static;
    TCGLabel skip = gen_cc_neutral_label(d);
    tcg_gen_brcondi(d->s, TCG_COND_EQ, count, 0, skip);
    gen_set_cc(d, cc_sized(cc, size), r, src, TCG_NO_RET);
    tcg_gen_set_label(d->s, skip);
    gen_cc_merge(d, cc_op_before);
}

/* MOVZX/MOVSX, and MOVSXD (SDM Vol 2B MOVSX/MOVSXD: without REX.W it is a plain move
 * of the operand size). The 16-bit form writes only the low word of the source, but
 * AMD parts (APM Vol 3 MOVSXD: the source is reg/mem32) read the whole doubleword:
 * its alignment check and page faults are those of a 4-byte access; Intel's SDM
 * lists an r/m16 source. Pacifica follows AMD here, as the differential host does. */
static void lower_movx(DisasContext *d)
{
    Operands o = {0};
    unsigned src_size = opnd_size(d, d->insn.entry->opnd[1]);
    if (d->insn.op == X86_OP_MOVSXD && d->insn.opsize < src_size) {
        unsigned size = d->insn.opsize;
        TCGv v = opnd_is_mem(d, d->insn.entry->opnd[1]) ? gen_ld_mem(d, opnd_addr(d, &o), src_size)
                                                        : gen_ld_reg(d, d->insn.rm, size);
        gen_st_reg(d, d->insn.reg, size, v);
        return;
    }
    TCGv v = gen_ld_opnd(d, &o, 1);
    if (d->insn.op == X86_OP_MOVSX || d->insn.op == X86_OP_MOVSXD)
        gen_sext(d, v, v, src_size);
    gen_zext(d, v, v, d->insn.opsize);
    gen_st_reg(d, d->insn.reg, d->insn.opsize, v);
}

static void lower_setcc(DisasContext *d)
{
    Operands o = {0};
    gen_st_opnd(d, &o, 0, gen_cond(d, d->insn.cc));
}

static void lower_cmovcc(DisasContext *d)
{
    Operands o = {0};
    unsigned size = d->insn.opsize;
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv cur = gen_ld_reg(d, d->insn.reg, size);
    TCGv c = gen_cond(d, d->insn.cc);
    TCGv r = tmp(d);
    tcg_gen_movcond(d->s, TCG_COND_NE, r, c, cst(d, 0), src, cur);
    /* SDM Vol 2A CMOVcc: a 32-bit destination is zero-extended even if not moved. */
    gen_st_reg(d, d->insn.reg, size, r);
}

static void lower_lxs(DisasContext *d)
{
    static const int seg_of[] = {[X86_OP_LES] = R_ES,
                                 [X86_OP_LDS] = R_DS,
                                 [X86_OP_LSS] = R_SS,
                                 [X86_OP_LFS] = R_FS,
                                 [X86_OP_LGS] = R_GS};
    unsigned size = d->insn.opsize;
    TCGv addr = gen_ea(d);
    TCGv off = gen_ld_mem(d, addr, size);
    TCGv a2 = tmp(d);
    tcg_gen_addi(d->s, a2, addr, size);
    TCGv sel = gen_ld_mem(d, a2, 2);
    gen_load_seg(d, seg_of[d->insn.op], sel);
    gen_st_reg(d, d->insn.reg, size, off);
}

static void lower_xlat(DisasContext *d)
{
    TCGv off = tmp(d), al = gen_ld_reg(d, R_EAX, 1);
    tcg_gen_add(d->s, off, gv(G_REGS + R_EBX), al);
    gen_zext(d, off, off, d->insn.addrsize);
    int seg = d->insn.seg >= 0 ? d->insn.seg : R_DS;
    gen_st_reg(d, R_EAX, 1, gen_ld_mem(d, gen_linear(d, seg, off), 1));
}

/* SDM Vol 2A DAA/DAS/AAA/AAS/AAM/AAD (invalid in 64-bit mode: the decoder refuses
 * them there). AAM with a zero base is #DE. */
static void lower_bcd(DisasContext *d)
{
    TCGv env = d->s->env;
    uint64_t base = d->insn.imm & 0xff;
    switch (d->insn.op) {
    case X86_OP_DAA: CALL(d, daa, env); return;
    case X86_OP_DAS: CALL(d, das, env); return;
    case X86_OP_AAA: CALL(d, aaa, env); return;
    case X86_OP_AAS: CALL(d, aas, env); return;
    case X86_OP_AAM:
        if (!base) {
            gen_exception(d, EXCP_DE);
            return;
        }
        CALL(d, aam, env, cst(d, (int64_t)base));
        return;
    default: CALL(d, aad, env, cst(d, (int64_t)base)); return;
    }
}

const X86Lowering x86_lowerings_int[] = {
    {X86_OP_ADD, lower_alu},
    {X86_OP_OR, lower_alu},
    {X86_OP_ADC, lower_alu},
    {X86_OP_SBB, lower_alu},
    {X86_OP_AND, lower_alu},
    {X86_OP_SUB, lower_alu},
    {X86_OP_XOR, lower_alu},
    {X86_OP_CMP, lower_alu},
    {X86_OP_TEST, lower_alu},
    {X86_OP_INC, lower_incdec},
    {X86_OP_DEC, lower_incdec},
    {X86_OP_NOT, lower_not_neg},
    {X86_OP_NEG, lower_not_neg},
    {X86_OP_MOV, lower_mov},
    {X86_OP_LEA, lower_lea},
    {X86_OP_XCHG, lower_xchg},
    {X86_OP_NOP, lower_nop},
    {X86_OP_PAUSE, lower_nop},
    {X86_OP_CBW, lower_cbw},
    {X86_OP_CWD, lower_cwd},
    {X86_OP_PUSH, lower_push},
    {X86_OP_POP, lower_pop},
    {X86_OP_PUSHF, lower_pushf},
    {X86_OP_POPF, lower_popf},
    {X86_OP_LAHF, lower_lahf},
    {X86_OP_SAHF, lower_sahf},
    {X86_OP_CLC, lower_flag_op},
    {X86_OP_STC, lower_flag_op},
    {X86_OP_CMC, lower_flag_op},
    {X86_OP_CLD, lower_flag_op},
    {X86_OP_STD, lower_flag_op},
    {X86_OP_CLI, lower_flag_op},
    {X86_OP_STI, lower_flag_op},
    {X86_OP_JMP, lower_jmp},
    {X86_OP_CALL, lower_call},
    {X86_OP_RET, lower_ret},
    {X86_OP_JMPF, lower_jmpf},
    {X86_OP_CALLF, lower_callf},
    {X86_OP_RETF, lower_retf},
    {X86_OP_IRET, lower_iret},
    {X86_OP_JCC, lower_jcc},
    {X86_OP_LOOP, lower_loop},
    {X86_OP_LOOPE, lower_loop},
    {X86_OP_LOOPNE, lower_loop},
    {X86_OP_JCXZ, lower_loop},
    {X86_OP_INT, lower_int},
    {X86_OP_INT3, lower_int},
    {X86_OP_INTO, lower_int},
    {X86_OP_INT1, lower_int},
    {X86_OP_HLT, lower_hlt},
    {X86_OP_UD0, lower_ud},
    {X86_OP_UD1, lower_ud},
    {X86_OP_UD2, lower_ud},
    {X86_OP_IN, lower_in_out},
    {X86_OP_OUT, lower_in_out},
    {X86_OP_MOVS, lower_string},
    {X86_OP_STOS, lower_string},
    {X86_OP_LODS, lower_string},
    {X86_OP_CMPS, lower_string},
    {X86_OP_SCAS, lower_string},
    {X86_OP_INS, lower_string},
    {X86_OP_OUTS, lower_string},
    {X86_OP_MUL, lower_mul},
    {X86_OP_IMUL, lower_mul},
    {X86_OP_DIV, lower_div},
    {X86_OP_IDIV, lower_div},
    {X86_OP_ROL, lower_shift},
    {X86_OP_ROR, lower_shift},
    {X86_OP_RCL, lower_shift},
    {X86_OP_RCR, lower_shift},
    {X86_OP_SHL, lower_shift},
    {X86_OP_SHR, lower_shift},
    {X86_OP_SAR, lower_shift},
    {X86_OP_MOVZX, lower_movx},
    {X86_OP_MOVSX, lower_movx},
    {X86_OP_SETCC, lower_setcc},
    {X86_OP_CMOVCC, lower_cmovcc},
    {X86_OP_LES, lower_lxs},
    {X86_OP_LDS, lower_lxs},
    {X86_OP_LSS, lower_lxs},
    {X86_OP_LFS, lower_lxs},
    {X86_OP_LGS, lower_lxs},
    {X86_OP_XLAT, lower_xlat},
    {X86_OP_MOVSXD, lower_movx},
    {X86_OP_PUSHA, lower_pusha},
    {X86_OP_POPA, lower_popa},
    {X86_OP_ENTER, lower_enter},
    {X86_OP_LEAVE, lower_leave},
    {X86_OP_BOUND, lower_bound},
    {X86_OP_DAA, lower_bcd},
    {X86_OP_DAS, lower_bcd},
    {X86_OP_AAA, lower_bcd},
    {X86_OP_AAS, lower_bcd},
    {X86_OP_AAM, lower_bcd},
    {X86_OP_AAD, lower_bcd},
    {X86_OP_LFENCE, lower_fence},
    {X86_OP_MFENCE, lower_fence},
    {X86_OP_SFENCE, lower_fence},
    {X86_OP_CLFLUSH, lower_clflush},
    {X86_OP_PREFETCHNTA, lower_nop},
    {X86_OP_PREFETCHT0, lower_nop},
    {X86_OP_PREFETCHT1, lower_nop},
    {X86_OP_PREFETCHT2, lower_nop},
    {X86_OP_PREFETCHW, lower_nop},
    {0, NULL},
};
