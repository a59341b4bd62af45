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

/* The lazy-flags globals the new operation ignores are declared dead (discard), so
 * that the optimizer drops what last computed them when nothing else reads it (a
 * ROR's flag image before an AND, with a load in between that makes every global live
 * in env). cc_src2 is written only by ADC and SBB: it needs ending only after them. */
static void gen_discard_unused(DisasContext *d, bool dst, bool src, bool src2)
{
    if (!dst)
        tcg_gen_discard(d->s, gv(G_CC_DST));
    if (!src)
        tcg_gen_discard(d->s, gv(G_CC_SRC));
    int prev = d->cc_op_static;
    bool prev_src2 =
        (prev >= CC_OP_ADCB && prev <= CC_OP_ADCQ) || (prev >= CC_OP_SBBB && prev <= CC_OP_SBBQ);
    if (!src2 && prev_src2)
        tcg_gen_discard(d->s, gv(G_CC_SRC2));
}

void gen_set_cc(DisasContext *d, CCOp op, TCGv dst, TCGv src, TCGv src2)
{
    gen_discard_unused(d, true, src.idx != TCG_NO_RET.idx, src2.idx != TCG_NO_RET.idx);
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

/* Replaces the arithmetic flags with those in v (CC_OP_EFLAGS). */
void gen_set_eflags_arith(DisasContext *d, TCGv v)
{
    gen_discard_unused(d, false, true, false);
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

/* PF: 1 when the low byte of v has an even number of 1 bits. The byte is folded to a
 * nibble whose parity is the same, which indexes the 16-bit table of nibble parities
 * (bit n of 0x9669 is set when n has an even number of 1 bits). */
static TCGv gen_parity_even(DisasContext *d, TCGv v)
{
    TCGv fold = tmp(d), r = tmp(d);
    tcg_gen_shri(d->s, fold, v, 4);
    tcg_gen_xor(d->s, fold, fold, v);
    tcg_gen_andi(d->s, fold, fold, 15);
    tcg_gen_shr(d->s, r, cst(d, 0x9669), fold);
    tcg_gen_andi(d->s, r, r, 1);
    return r;
}

/* CF (0 or 1) of the known sized operation, or TCG_NO_RET (ADC and SBB). */
static TCGv gen_cf_known(DisasContext *d, CCOp family, unsigned size)
{
    TCGv a, b;
    switch (family) {
    case CC_OP_ADDB:
        /* The result wrapped below the second operand. */
        b = tmp(d);
        gen_zext(d, b, gv(G_CC_SRC), size);
        return gen_compare(d, TCG_COND_LTU, gen_cc_result(d, size), b);
    case CC_OP_SUBB: gen_sub_operands(d, size, &a, &b); return gen_compare(d, TCG_COND_LTU, a, b);
    case CC_OP_LOGICB: return cst(d, 0);
    case CC_OP_INCB:
    case CC_OP_DECB:
    case CC_OP_SARB: return gen_test_bits(d, gv(G_CC_SRC), 1); /* saved CF, last bit out */
    case CC_OP_SHLB: return gen_test_bits(d, gv(G_CC_SRC), 1ull << (8 * size - 1));
    case CC_OP_MULB: return gen_compare(d, TCG_COND_NE, gv(G_CC_SRC), cst(d, 0));
    default: return TCG_NO_RET;
    }
}

/* OF (0 or 1) of the known sized operation, or TCG_NO_RET (cc_helper.c has the rules). */
static TCGv gen_of_known(DisasContext *d, CCOp family, unsigned size)
{
    uint64_t sign = 1ull << (8 * size - 1);
    TCGv t = tmp(d), u = tmp(d);
    switch (family) {
    case CC_OP_ADDB:
        /* Both operands have the sign the result lacks: (a ^ r) & (b ^ r), a = r - b. */
        tcg_gen_sub(d->s, t, gv(G_CC_DST), gv(G_CC_SRC));
        tcg_gen_xor(d->s, t, t, gv(G_CC_DST));
        tcg_gen_xor(d->s, u, gv(G_CC_SRC), gv(G_CC_DST));
        tcg_gen_and(d->s, t, t, u);
        return gen_test_bits(d, t, sign);
    case CC_OP_SUBB:
        /* The operands' signs differ and the result's is b's: (a ^ b) & (a ^ r), a = r + b. */
        tcg_gen_add(d->s, t, gv(G_CC_DST), gv(G_CC_SRC));
        tcg_gen_xor(d->s, u, t, gv(G_CC_SRC));
        tcg_gen_xor(d->s, t, t, gv(G_CC_DST));
        tcg_gen_and(d->s, t, t, u);
        return gen_test_bits(d, t, sign);
    case CC_OP_LOGICB: return cst(d, 0);
    case CC_OP_INCB:
        return gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, (int64_t)sign));
    case CC_OP_DECB:
        return gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, (int64_t)(sign - 1)));
    case CC_OP_SHLB:
    case CC_OP_SARB:
        /* The sign changed between the last step's operand and the result. */
        tcg_gen_xor(d->s, t, gv(G_CC_SRC), gv(G_CC_DST));
        return gen_test_bits(d, t, sign);
    case CC_OP_MULB: return gen_compare(d, TCG_COND_NE, gv(G_CC_SRC), cst(d, 0));
    default: return TCG_NO_RET;
    }
}

static TCGv gen_or2(DisasContext *d, TCGv a, TCGv b)
{
    TCGv r = tmp(d);
    tcg_gen_or(d->s, r, a, b);
    return r;
}

static TCGv gen_xor2(DisasContext *d, TCGv a, TCGv b)
{
    TCGv r = tmp(d);
    tcg_gen_xor(d->s, r, a, b);
    return r;
}

enum { COND_O, COND_B, COND_E, COND_BE, COND_S, COND_P, COND_L, COND_LE };

/* A condition on an EFLAGS image (CC_OP_EFLAGS: cc_src). */
static TCGv gen_cond_eflags(DisasContext *d, unsigned cond)
{
    static const uint32_t eflags_bits[] = {
        [COND_O] = CC_O,         [COND_B] = CC_C, [COND_E] = CC_Z,
        [COND_BE] = CC_C | CC_Z, [COND_S] = CC_S, [COND_P] = CC_P,
    };
    if (cond < COND_L)
        return gen_test_bits(d, gv(G_CC_SRC), eflags_bits[cond]);
    /* SF (bit 7) moved onto OF (bit 11): that bit of the XOR is SF != OF. */
    TCGv t = tmp(d);
    tcg_gen_shli(d->s, t, gv(G_CC_SRC), 4);
    tcg_gen_xor(d->s, t, t, gv(G_CC_SRC));
    tcg_gen_andi(d->s, t, t, CC_O);
    if (cond == COND_LE) {
        TCGv z = tmp(d);
        tcg_gen_andi(d->s, z, gv(G_CC_SRC), CC_Z);
        tcg_gen_or(d->s, t, t, z);
    }
    return gen_compare(d, TCG_COND_NE, t, cst(d, 0));
}

/* The conditions with a direct comparison of a SUB/CMP's operands or on a logic
 * operation's result (SDM Vol 1 Table B-1), or TCG_NO_RET. */
static TCGv gen_cond_compare(DisasContext *d, CCOp family, unsigned size, unsigned cond)
{
    TCGv a, b;
    if (family == CC_OP_SUBB) {
        /* CF = a <u b, ZF|CF = a <=u b, SF != OF is a <s b. */
        gen_sub_operands(d, size, &a, &b);
        switch (cond) {
        case COND_B: return gen_compare(d, TCG_COND_LTU, a, b);
        case COND_BE: return gen_compare(d, TCG_COND_LEU, a, b);
        case COND_L:
            return gen_compare(d, TCG_COND_LT, gen_signed(d, a, size), gen_signed(d, b, size));
        case COND_LE:
            return gen_compare(d, TCG_COND_LE, gen_signed(d, a, size), gen_signed(d, b, size));
        default: return TCG_NO_RET;
        }
    }
    if (family == CC_OP_LOGICB) {
        /* CF = OF = 0: B never holds, BE is ZF, L is SF, LE is ZF or SF. */
        switch (cond) {
        case COND_BE: return gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0));
        case COND_L: return gen_test_bits(d, gv(G_CC_DST), 1ull << (8 * size - 1));
        case COND_LE:
            return gen_compare(d, TCG_COND_LE, gen_signed(d, gen_cc_result(d, size), size),
                               cst(d, 0));
        default: return TCG_NO_RET;
        }
    }
    return TCG_NO_RET;
}

/* The condition cc >> 1 (without its inversion bit) on the known operation op, or
 * TCG_NO_RET when only the helper computes it. */
static TCGv gen_cond_known(DisasContext *d, int op, unsigned cond)
{
    if (op == CC_OP_EFLAGS)
        return gen_cond_eflags(d, cond);
    if (op < CC_OP_ADDB || op > CC_OP_MULQ)
        return TCG_NO_RET;
    unsigned size;
    CCOp family = cc_family(op, &size);
    uint64_t sign = 1ull << (8 * size - 1);
    /* ZF, SF and PF come from the result for every sized operation (cc_helper.c). */
    if (cond == COND_E)
        return gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0));
    if (cond == COND_S)
        return gen_test_bits(d, gv(G_CC_DST), sign);
    if (cond == COND_P)
        return gen_parity_even(d, gv(G_CC_DST));
    TCGv r = gen_cond_compare(d, family, size, cond);
    if (r.idx != TCG_NO_RET.idx)
        return r;
    if (cond == COND_B)
        return gen_cf_known(d, family, size);
    if (cond == COND_BE) {
        TCGv cf = gen_cf_known(d, family, size);
        if (cf.idx == TCG_NO_RET.idx)
            return TCG_NO_RET;
        return gen_or2(d, cf, gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0)));
    }
    TCGv of = gen_of_known(d, family, size);
    if (cond == COND_O || of.idx == TCG_NO_RET.idx)
        return of;
    TCGv lt = gen_xor2(d, gen_test_bits(d, gv(G_CC_DST), sign), of);
    if (cond == COND_L)
        return lt;
    return gen_or2(d, lt, gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0)));
}

/* The arithmetic flags of a logic operation: ZF, SF, PF from the result, the others
 * clear. */
static TCGv gen_logic_eflags(DisasContext *d, unsigned size)
{
    TCGv zf = gen_compare(d, TCG_COND_EQ, gen_cc_result(d, size), cst(d, 0));
    TCGv sf = tmp(d), f = tmp(d);
    tcg_gen_shli(d->s, zf, zf, 6); /* ZF is EFLAGS bit 6 */
    tcg_gen_extract(d->s, sf, gv(G_CC_DST), 8 * size - 1, 1);
    tcg_gen_shli(d->s, sf, sf, 7);                              /* SF, bit 7 */
    tcg_gen_shli(d->s, f, gen_parity_even(d, gv(G_CC_DST)), 2); /* PF, bit 2 */
    tcg_gen_or(d->s, f, f, zf);
    tcg_gen_or(d->s, f, f, sf);
    return f;
}

/* The arithmetic flags as an EFLAGS image in a new temp (the caller may change it).
 * Inline when the block knows they are already an image or come from a logic
 * operation; otherwise the helper computes them from the lazy state. */
TCGv gen_compute_eflags(DisasContext *d)
{
    int op = d->cc_op_static;
    if (op == CC_OP_EFLAGS) {
        TCGv r = tmp(d);
        tcg_gen_mov(d->s, r, gv(G_CC_SRC));
        return r;
    }
    if (op >= CC_OP_LOGICB && op <= CC_OP_LOGICQ) {
        unsigned size;
        cc_family(op, &size);
        return gen_logic_eflags(d, size);
    }
    return CALL(d, cc_compute_all, gv(G_CC_OP), gv(G_CC_DST), gv(G_CC_SRC), gv(G_CC_SRC2));
}

/* ZF (0 or 1) of whatever operation cc_op holds at run time: every sized operation
 * takes it from its result of 8 << ((cc_op - 1) & 3) bits, compared moved to the top
 * of 64 bits; an EFLAGS image has it in place. */
static TCGv gen_zf_dynamic(DisasContext *d)
{
    TCGv k = tmp(d), shift = tmp(d), top = tmp(d), zf_sized = tmp(d), zf = tmp(d);
    tcg_gen_subi(d->s, k, gv(G_CC_OP), 1);
    tcg_gen_andi(d->s, k, k, 3);
    tcg_gen_shl(d->s, shift, cst(d, 8), k);
    tcg_gen_sub(d->s, shift, cst(d, 64), shift);
    tcg_gen_shl(d->s, top, gv(G_CC_DST), shift);
    tcg_gen_setcond(d->s, TCG_COND_EQ, zf_sized, top, cst(d, 0));
    TCGv zf_image = gen_test_bits(d, gv(G_CC_SRC), CC_Z);
    tcg_gen_movcond(d->s, TCG_COND_EQ, zf, gv(G_CC_OP), cst(d, CC_OP_EFLAGS), zf_image, zf_sized);
    return zf;
}

/* After a sized operation the result in cc_dst still gives ZF, so the operation
 * becomes the SAR of the same size with the new CF as its last bit out (cc_src); the
 * flags the SDM leaves undefined are what that SAR defines. Otherwise an EFLAGS image
 * of ZF and CF, without the helper. */
void gen_set_cf_keep_zf(DisasContext *d, TCGv cf)
{
    int op = d->cc_op_static;
    if (op >= CC_OP_ADDB && op <= CC_OP_MULQ) {
        unsigned size;
        cc_family(op, &size);
        gen_set_cc(d, cc_sized(CC_OP_SARB, size), gv(G_CC_DST), cf, TCG_NO_RET);
        return;
    }
    TCGv f = tmp(d);
    if (op == CC_OP_EFLAGS) {
        tcg_gen_andi(d->s, f, gv(G_CC_SRC), CC_Z);
    } else {
        tcg_gen_shli(d->s, f, gen_zf_dynamic(d), 6); /* ZF is EFLAGS bit 6 */
    }
    TCGv c = tmp(d);
    tcg_gen_andi(d->s, c, cf, 1);
    tcg_gen_or(d->s, f, f, c);
    gen_set_eflags_arith(d, f);
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

/* A label around which every path sets the flags the same way (or none does), so that
 * the block loop keeps cc_op_static across it. */
TCGLabel gen_cc_neutral_label(DisasContext *d)
{
    d->cc_neutral_labels++;
    return tcg_label_new(d->s);
}

void gen_cc_merge(DisasContext *d, int cc_op_skipped)
{
    if (d->cc_op_static != cc_op_skipped)
        d->cc_op_static = CC_OP_DYNAMIC;
}

/* r = CF of a SUB/CMP whose size index (0 for bytes .. 3 for quadwords) is k, known
 * only at run time: a <u b on the low 8 << k bits, compared moved to the top of 64 bits
 * (a = result + second operand). */
static void gen_sub_cf_any_size(DisasContext *d, TCGv r, TCGv k)
{
    TCGv bits = tmp(d), shift = tmp(d), a = tmp(d), b = tmp(d);
    tcg_gen_shl(d->s, bits, cst(d, 8), k);
    tcg_gen_sub(d->s, shift, cst(d, 64), bits);
    tcg_gen_add(d->s, a, gv(G_CC_DST), gv(G_CC_SRC));
    tcg_gen_shl(d->s, a, a, shift);
    tcg_gen_shl(d->s, b, gv(G_CC_SRC), shift);
    tcg_gen_setcond(d->s, TCG_COND_LTU, r, a, b);
}

/* CF when cc_op is only known at run time: mostly an INC/DEC, ADC or SBB at the start
 * of a block entered after a CMP or TEST and a Jcc, which would otherwise call the
 * helper on every pass. The operations that come before such a boundary almost always
 * (SUB/CMP, logic, INC/DEC) are tested for inline; the others take the helper. */
static TCGv gen_cf_dynamic(DisasContext *d)
{
    TCGv r = tmp(d), k = tmp(d), is_incdec = tmp(d);
    TCGLabel not_sub = gen_cc_neutral_label(d), slow = gen_cc_neutral_label(d);
    TCGLabel done = gen_cc_neutral_label(d);
    tcg_gen_subi(d->s, k, gv(G_CC_OP), CC_OP_SUBB);
    tcg_gen_brcondi(d->s, TCG_COND_GTU, k, 3, not_sub);
    gen_sub_cf_any_size(d, r, k);
    tcg_gen_br(d->s, done);
    tcg_gen_set_label(d->s, not_sub);
    /* LOGICB..DECQ: a logic operation clears CF, INC and DEC keep it in cc_src. */
    tcg_gen_subi(d->s, k, gv(G_CC_OP), CC_OP_LOGICB);
    tcg_gen_brcondi(d->s, TCG_COND_GTU, k, CC_OP_DECQ - CC_OP_LOGICB, slow);
    tcg_gen_setcond(d->s, TCG_COND_GTU, is_incdec, gv(G_CC_OP), cst(d, CC_OP_LOGICQ));
    tcg_gen_and(d->s, r, gv(G_CC_SRC), is_incdec);
    tcg_gen_br(d->s, done);
    tcg_gen_set_label(d->s, slow);
    tcg_gen_mov(d->s, r,
                CALL(d, cc_compute_c, gv(G_CC_OP), gv(G_CC_DST), gv(G_CC_SRC), gv(G_CC_SRC2)));
    tcg_gen_set_label(d->s, done);
    return r;
}

TCGv gen_compute_cf(DisasContext *d)
{
    int op = d->cc_op_static;
    if (op == CC_OP_DYNAMIC)
        return gen_cf_dynamic(d);
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
