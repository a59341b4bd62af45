/* Lazy arithmetic flags in translated code (the operation and its operands in the
 * cc_op/cc_dst/cc_src/cc_src2 globals, cpu/x86/cc_helper.c gives their meaning), and
 * conditions on them.
 *
 * Most flags are never read: a flag-setting instruction only records its operation.
 * When a condition (Jcc, SETcc, CMOVcc, ADC's carry...) reads them and the block itself
 * set them (DisasContext.cc_op_static), the common conditions are computed inline from
 * the operands, the way the CPU defines them (SDM Vol 1 Appendix B, Table B-1);
 * otherwise a helper computes all of EFLAGS first. */
#include "cpu/x86/cc_helper.h"
#include "cpu/x86/translate.h"

void gen_set_cc(DisasContext *d, CCOp op, TCGv dst, TCGv src, TCGv src2)
{
    tcg_gen_movi(d->s, gv(G_CC_OP), op);
    tcg_gen_mov(d->s, gv(G_CC_DST), dst);
    if (src.idx != TCG_NO_RET.idx)
        tcg_gen_mov(d->s, gv(G_CC_SRC), src);
    if (src2.idx != TCG_NO_RET.idx)
        tcg_gen_mov(d->s, gv(G_CC_SRC2), src2);
    d->cc_op_static = op;
}

CCOp cc_sized(CCOp base, unsigned size)
{
    return (CCOp)(base + (size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3));
}

TCGv gen_compute_eflags(DisasContext *d)
{
    return CALL(d, cc_compute_all, gv(G_CC_OP), gv(G_CC_DST), gv(G_CC_SRC), gv(G_CC_SRC2));
}

/* Replaces the arithmetic flags with those in v (CC_OP_EFLAGS). */
void gen_set_eflags_arith(DisasContext *d, TCGv v)
{
    tcg_gen_movi(d->s, gv(G_CC_OP), CC_OP_EFLAGS);
    tcg_gen_andi(d->s, gv(G_CC_SRC), v, CC_MASK);
    d->cc_op_static = CC_OP_EFLAGS;
}

/* The family of a sized operation (its B variant) and its operand size in bytes. */
static CCOp cc_family(int op, unsigned *size)
{
    *size = 1u << ((op - CC_OP_ADDB) & 3);
    return (CCOp)(CC_OP_ADDB + ((op - CC_OP_ADDB) & ~3));
}

/* v (zero-extended from size bytes) as a signed 64-bit value. */
static TCGv gen_signed(DisasContext *d, TCGv v, unsigned size)
{
    TCGv r = tmp(d);
    gen_sext(d, r, v, size);
    return r;
}

/* r = (v & mask) != 0 */
static TCGv gen_test_bits(DisasContext *d, TCGv v, uint64_t mask)
{
    TCGv t = tmp(d), r = tmp(d);
    tcg_gen_andi(d->s, t, v, (int64_t)mask);
    tcg_gen_setcond(d->s, TCG_COND_NE, r, t, cst(d, 0));
    return r;
}

/* r = cond(a, b) */
static TCGv gen_compare(DisasContext *d, TCGCond c, TCGv a, TCGv b)
{
    TCGv r = tmp(d);
    tcg_gen_setcond(d->s, c, r, a, b);
    return r;
}

/* The result of the operation, zero-extended from its size (cc_dst). */
static TCGv gen_cc_result(DisasContext *d, unsigned size)
{
    TCGv r = tmp(d);
    gen_zext(d, r, gv(G_CC_DST), size);
    return r;
}

/* A SUB/CMP's first operand (the result plus the second operand) and second operand,
 * zero-extended. */
static void gen_sub_operands(DisasContext *d, unsigned size, TCGv *a, TCGv *b)
{
    TCGv sum = tmp(d);
    *b = tmp(d);
    *a = tmp(d);
    gen_zext(d, *b, gv(G_CC_SRC), size);
    tcg_gen_add(d->s, sum, gv(G_CC_DST), gv(G_CC_SRC));
    gen_zext(d, *a, sum, size);
}

/* The condition cc >> 1 (without its inversion bit) on the known operation op, or
 * TCG_NO_RET when only the helper computes it. */
static TCGv gen_cond_known(DisasContext *d, int op, unsigned cond)
{
    enum { O, B, E, BE, S, P, L, LE };
    if (op == CC_OP_EFLAGS) {
        static const uint32_t eflags_bits[] = {[B] = CC_C, [E] = CC_Z, [BE] = CC_C | CC_Z, [S] = CC_S};
        if (cond < 5 && cond != O)
            return gen_test_bits(d, gv(G_CC_SRC), eflags_bits[cond]);
        return TCG_NO_RET;
    }
    if (op < CC_OP_ADDB || op > CC_OP_MULQ)
        return TCG_NO_RET;
    unsigned size;
    CCOp family = cc_family(op, &size);
    uint64_t sign = 1ull << (8 * size - 1);
    /* ZF and SF come from the result for every sized operation (cc_helper.c). */
    if (cond == E)
        return gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0));
    if (cond == S)
        return gen_test_bits(d, gv(G_CC_DST), sign);
    TCGv a, b;
    switch (family) {
    case CC_OP_SUBB:
        /* CF = a <u b, ZF|CF = a <=u b, SF != OF is a <s b (SDM Vol 1 Table B-1). */
        gen_sub_operands(d, size, &a, &b);
        switch (cond) {
        case B: return gen_compare(d, TCG_COND_LTU, a, b);
        case BE: return gen_compare(d, TCG_COND_LEU, a, b);
        case L: return gen_compare(d, TCG_COND_LT, gen_signed(d, a, size), gen_signed(d, b, size));
        case LE: return gen_compare(d, TCG_COND_LE, gen_signed(d, a, size), gen_signed(d, b, size));
        default: return TCG_NO_RET;
        }
    case CC_OP_LOGICB:
        /* CF = OF = 0: B never holds, BE is ZF, L is SF, LE is ZF or SF. */
        switch (cond) {
        case B: return cst(d, 0);
        case BE: return gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0));
        case L: return gen_test_bits(d, gv(G_CC_DST), sign);
        case LE:
            return gen_compare(d, TCG_COND_LE, gen_signed(d, gen_cc_result(d, size), size),
                               cst(d, 0));
        default: return TCG_NO_RET;
        }
    case CC_OP_ADDB:
        /* CF: the result wrapped below the second operand. */
        if (cond == B) {
            b = tmp(d);
            gen_zext(d, b, gv(G_CC_SRC), size);
            return gen_compare(d, TCG_COND_LTU, gen_cc_result(d, size), b);
        }
        return TCG_NO_RET;
    default: return TCG_NO_RET;
    }
}

TCGv gen_cond(DisasContext *d, unsigned cc)
{
    TCGv r = gen_cond_known(d, d->cc_op_static, (cc >> 1) & 7);
    if (r.idx == TCG_NO_RET.idx)
        return CALL(d, cc_compute_cond, gv(G_CC_OP), gv(G_CC_DST), gv(G_CC_SRC), gv(G_CC_SRC2),
                    cst(d, cc));
    if (cc & 1) {
        TCGv inv = tmp(d);
        tcg_gen_xori(d->s, inv, r, 1);
        return inv;
    }
    return r;
}

TCGv gen_compute_cf(DisasContext *d)
{
    int op = d->cc_op_static;
    /* INC and DEC keep the previous CF in cc_src (cc_helper.c). */
    if (op >= CC_OP_INCB && op <= CC_OP_DECQ) {
        TCGv r = tmp(d);
        tcg_gen_andi(d->s, r, gv(G_CC_SRC), CC_C);
        return r;
    }
    TCGv r = gen_cond_known(d, op, 1);
    if (r.idx != TCG_NO_RET.idx)
        return r;
    return CALL(d, cc_compute_c, gv(G_CC_OP), gv(G_CC_DST), gv(G_CC_SRC), gv(G_CC_SRC2));
}
