/* Lowering of the bit-oriented general-purpose instructions: bit tests (BT*), bit
 * scans and counts (BSF BSR TZCNT LZCNT POPCNT), double shifts (SHLD SHRD), byte
 * swaps (BSWAP MOVBE), CRC32, the exchange-and-compare family (XADD CMPXCHG
 * CMPXCHG8B/16B), BMI1/BMI2, ADX, RDRAND/RDSEED and MOVNTI.
 *
 * Flags the SDM leaves undefined, chosen as QEMU models Intel parts (the differential
 * tests mask them):
 *   BT/BTS/BTR/BTC    OF SF AF PF unchanged (only CF is written)
 *   BSF/BSR           CF OF AF clear, SF PF from the source (ZF = source is 0)
 *   TZCNT/LZCNT       OF SF AF PF clear
 *   SHLD/SHRD         AF clear; OF for counts above 1 by the count-1 rule
 *   ANDN/BEXTR        AF clear, SF PF from the result
 *   BLSI/BLSMSK/BLSR/BZHI  AF PF clear
 */
#include "cpu/x86/int_helper.h"
#include "cpu/x86/translate.h"

/* ---- BT, BTS, BTR, BTC (SDM Vol 2A BT) ---- */

static unsigned log2_size(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* With a register bit offset, a memory operand is the operand-size word that holds
 * the bit: the offset is signed and may address memory far from the ModRM operand. */
static void gen_bt_address(DisasContext *d, Operands *o, TCGv offset, unsigned size)
{
    TCGv words = tmp(d), off = gen_ea_offset(d);
    gen_sext(d, words, offset, size);
    tcg_gen_sari(d->s, words, words, 3 + log2_size(size));
    tcg_gen_shli(d->s, words, words, log2_size(size));
    tcg_gen_add(d->s, off, off, words);
    gen_zext(d, off, off, d->insn.addrsize);
    o->addr = gen_linear(d, modrm_seg(d), off);
    o->have_addr = true;
}

static void lower_bt(DisasContext *d)
{
    Operands o = {0};
    const X86Insn *in = &d->insn;
    unsigned op = in->op, size = opnd_size(d, in->entry->opnd[0]);
    TCGv offset = gen_ld_opnd(d, &o, 1);
    if (opnd_is_mem(d, in->entry->opnd[0]) && in->entry->opnd[1] != OPND_Ib)
        gen_bt_address(d, &o, offset, size);
    TCGv bitno = tmp(d), mask = tmp(d), old;
    tcg_gen_andi(d->s, bitno, offset, 8 * size - 1);
    tcg_gen_shl(d->s, mask, cst(d, 1), bitno);
    if (op != X86_OP_BT && in->lock) {
        TCGv val = mask;
        unsigned rmw = op == X86_OP_BTS ? X86_RMW_OR : op == X86_OP_BTR ? X86_RMW_AND : X86_RMW_XOR;
        if (op == X86_OP_BTR) {
            val = tmp(d);
            tcg_gen_op2(d->s, INDEX_op_not, val, mask);
        }
        old = gen_atomic_rmw(d, opnd_addr(d, &o), rmw, val, size);
    } else {
        old = op == X86_OP_BT ? gen_ld_opnd(d, &o, 0) : gen_ld_rmw_opnd(d, &o, 0);
        if (op != X86_OP_BT) {
            TCGv r = tmp(d);
            if (op == X86_OP_BTS)
                tcg_gen_or(d->s, r, old, mask);
            else if (op == X86_OP_BTR)
                tcg_gen_op3(d->s, INDEX_op_andc, r, old, mask);
            else
                tcg_gen_xor(d->s, r, old, mask);
            gen_st_opnd(d, &o, 0, r);
        }
    }
    TCGv cf = tmp(d);
    tcg_gen_shr(d->s, cf, old, bitno);
    gen_set_cf_keep_zf(d, cf);
}

/* ---- BSF, BSR, TZCNT, LZCNT, POPCNT ---- */

/* SDM Vol 2A BSF/BSR: ZF = (source == 0), and then the destination is undefined: it
 * is left as it was, except that a 32-bit destination is zero-extended (as Intel
 * parts write it back; AMD parts leave all 64 bits). TZCNT/LZCNT (SDM Vol 2B): the
 * operand size for a zero source, CF = (source == 0), ZF = (result == 0). POPCNT:
 * ZF = (source == 0), every other flag cleared. */
static void lower_bitscan(DisasContext *d)
{
    Operands o = {0};
    unsigned op = d->insn.op, size = d->insn.opsize, kind;
    switch (op) {
    case X86_OP_BSF: kind = X86_BITS_BSF; break;
    case X86_OP_BSR: kind = X86_BITS_BSR; break;
    case X86_OP_TZCNT: kind = X86_BITS_TZCNT; break;
    case X86_OP_LZCNT: kind = X86_BITS_LZCNT; break;
    default: kind = X86_BITS_POPCNT; break;
    }
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv res = CALL(d, bit_count, src, cst(d, kind | (size << 4)));
    TCGv zero = cst(d, 0);
    if (op == X86_OP_BSF || op == X86_OP_BSR) {
        TCGv v = tmp(d);
        tcg_gen_movcond(d->s, TCG_COND_EQ, v, src, zero, gen_ld_reg(d, d->insn.reg, size), res);
        gen_st_reg(d, d->insn.reg, size, v);
        gen_set_cc(d, cc_sized(CC_OP_LOGICB, size), src, TCG_NO_RET, TCG_NO_RET);
        return;
    }
    gen_st_reg(d, d->insn.reg, size, res);
    TCGv f = tmp(d);
    tcg_gen_setcond(d->s, TCG_COND_EQ, f, src, zero);
    if (op == X86_OP_POPCNT) {
        tcg_gen_shli(d->s, f, f, 6); /* ZF */
    } else {
        TCGv z = tmp(d);
        tcg_gen_setcond(d->s, TCG_COND_EQ, z, res, zero);
        tcg_gen_shli(d->s, z, z, 6);
        tcg_gen_or(d->s, f, f, z);
    }
    gen_set_eflags_arith(d, f);
}

/* ---- SHLD, SHRD (SDM Vol 2B) ---- */

/* The count is masked to 5 bits (6 for 64-bit); a zero count leaves the flags alone
 * (a 32-bit register destination is still zero-extended). CF is the last bit shifted
 * out of the destination, OF a sign change (count 1). The 16-bit forms with a count
 * above 16 are undefined; Intel parts shift the 48-bit value dest:src:dest, which is
 * what the shift of the wide value below does. The lazy state is that of SHL/SHR with
 * src = the value shifted by count - 1. */
static void lower_shiftd(DisasContext *d)
{
    Operands o = {0};
    bool right = d->insn.op == X86_OP_SHRD;
    unsigned size = opnd_size(d, d->insn.entry->opnd[0]);
    TCGv a = gen_ld_rmw_opnd(d, &o, 0);
    TCGv b = gen_ld_opnd(d, &o, 1);
    TCGv count = gen_ld_opnd(d, &o, 2);
    tcg_gen_andi(d->s, count, count, size == 8 ? 63 : 31);
    TCGv r = tmp(d), src = tmp(d), cm1 = tmp(d), t = tmp(d);
    tcg_gen_subi(d->s, cm1, count, 1);
    if (size == 8) {
        /* r = a << c | b >> (64 - c) (right: mirrored); b's part of src is shifted
         * once more so that c = 1 needs no shift by 64. */
        TCGv inv = tmp(d);
        tcg_gen_sub(d->s, inv, cst(d, 64), count);
        tcg_gen_op3(d->s, right ? INDEX_op_shl : INDEX_op_shr, t, b, inv);
        tcg_gen_op3(d->s, right ? INDEX_op_shr : INDEX_op_shl, r, a, count);
        tcg_gen_or(d->s, r, r, t);
        tcg_gen_movcond(d->s, TCG_COND_EQ, r, count, cst(d, 0), a, r);
        tcg_gen_op3(d->s, right ? INDEX_op_shr : INDEX_op_shl, src, a, cm1);
        if (right)
            tcg_gen_shli(d->s, t, t, 1);
        else
            tcg_gen_shri(d->s, t, t, 1);
        tcg_gen_or(d->s, src, src, t);
    } else {
        TCGv wide = tmp(d);
        if (size == 4) {
            /* left: a:b, right: b:a */
            tcg_gen_deposit(d->s, wide, right ? a : b, right ? b : a, 32, 32);
        } else {
            /* a:b:a for both directions */
            tcg_gen_deposit(d->s, wide, a, b, 16, 16);
            tcg_gen_deposit(d->s, wide, wide, a, 32, 16);
        }
        if (right) {
            tcg_gen_shr(d->s, r, wide, count);
            tcg_gen_shr(d->s, src, wide, cm1);
        } else {
            tcg_gen_shl(d->s, r, wide, count);
            tcg_gen_shri(d->s, r, r, 32);
            tcg_gen_shl(d->s, src, wide, cm1);
            tcg_gen_shri(d->s, src, src, 32);
        }
    }
    gen_zext(d, r, r, size);
    gen_st_opnd(d, &o, 0, r);
    CCOp cc = cc_sized(right ? CC_OP_SARB : CC_OP_SHLB, size);
    if (d->insn.entry->opnd[2] != OPND_CL) {
        /* An immediate count: no branch, so that the block keeps knowing cc_op. */
        if (d->insn.imm & (size == 8 ? 63 : 31))
            gen_set_cc(d, cc, r, src, TCG_NO_RET);
        return;
    }
    int cc_op_before = d->cc_op_static;
    TCGLabel skip = gen_cc_neutral_label(d);
    tcg_gen_brcondi(d->s, TCG_COND_EQ, count, 0, skip);
    gen_set_cc(d, cc, r, src, TCG_NO_RET);
    tcg_gen_set_label(d->s, skip);
    gen_cc_merge(d, cc_op_before);
}

/* ---- BSWAP, MOVBE, CRC32, MOVNTI ---- */

/* SDM Vol 2A BSWAP: the 16-bit form is undefined; Intel and AMD parts clear the
 * register's low word, and so do we. */
static void lower_bswap(DisasContext *d)
{
    unsigned size = d->insn.opsize;
    TCGv r =
        size == 2 ? cst(d, 0) : CALL(d, bswap, gen_ld_reg(d, d->insn.zreg, size), cst(d, size));
    gen_st_reg(d, d->insn.zreg, size, r);
}

/* SDM Vol 2B MOVBE: a load or store with the bytes of the operand size reversed. */
static void lower_movbe(DisasContext *d)
{
    Operands o = {0};
    TCGv v = gen_ld_opnd(d, &o, 1);
    gen_st_opnd(d, &o, 0, CALL(d, bswap, v, cst(d, d->insn.opsize)));
}

/* SDM Vol 2A CRC32: CRC-32C of the source (byte, word, dword or qword) accumulated
 * in the low 32 bits of the destination; a 64-bit destination is zero-extended. */
static void lower_crc32(DisasContext *d)
{
    Operands o = {0};
    unsigned src_size = opnd_size(d, d->insn.entry->opnd[1]);
    TCGv crc = gen_ld_reg(d, d->insn.reg, 4);
    TCGv v = gen_ld_opnd(d, &o, 1);
    TCGv r = CALL(d, crc32c, crc, v, cst(d, src_size));
    gen_st_reg(d, d->insn.reg, opnd_size(d, d->insn.entry->opnd[0]), r);
}

/* MOVNTI: a store; the non-temporal hint means nothing without caches. */
static void lower_movnti(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, d->insn.entry->opnd[1]);
    TCGv v = gen_ld_opnd(d, &o, 1);
    gen_st_mem(d, opnd_addr(d, &o), v, size);
}

/* ---- XADD, CMPXCHG, CMPXCHG8B/16B ---- */

/* SDM Vol 2B XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (so with one register
 * for both, the sum wins); flags of the addition. The destination is read as a
 * read-modify-write: a page fault there reports a write. */
static void lower_xadd(DisasContext *d)
{
    Operands o = {0};
    unsigned k0 = d->insn.entry->opnd[0], size = opnd_size(d, k0);
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv old = d->insn.lock ? gen_atomic_rmw(d, opnd_addr(d, &o), X86_RMW_ADD, src, size)
                            : gen_ld_rmw_opnd(d, &o, 0);
    TCGv sum = tmp(d);
    tcg_gen_add(d->s, sum, old, src);
    gen_zext(d, sum, sum, size);
    if (opnd_is_mem(d, k0)) {
        if (!d->insn.lock)
            gen_st_opnd(d, &o, 0, sum);
        gen_st_opnd(d, &o, 1, old);
    } else {
        gen_st_opnd(d, &o, 1, old);
        gen_st_opnd(d, &o, 0, sum);
    }
    gen_set_cc(d, cc_sized(CC_OP_ADDB, size), sum, src, TCG_NO_RET);
}

/* SDM Vol 2A CMPXCHG: compare the accumulator with the destination (flags of CMP);
 * if equal the source is written to the destination, else the destination is loaded
 * into the accumulator. Only the register written changes: a 32-bit accumulator or
 * register destination that is not written keeps its upper half (Intel and AMD). A
 * memory destination is always written (with its old value when unequal), by a
 * host compare-and-exchange. */
static void lower_cmpxchg(DisasContext *d)
{
    Operands o = {0};
    unsigned k0 = d->insn.entry->opnd[0], size = opnd_size(d, k0);
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv acc = gen_ld_reg(d, R_EAX, size);
    TCGv old;
    /* The flags are set after the ways join. */
    TCGLabel not_equal = gen_cc_neutral_label(d), done = gen_cc_neutral_label(d);
    if (opnd_is_mem(d, k0)) {
        old = CALL(d, atomic_cmpxchg, d->s->env, opnd_addr(d, &o), acc, src, cst(d, size));
        tcg_gen_brcond(d->s, TCG_COND_EQ, old, acc, done);
    } else {
        old = gen_ld_reg(d, d->insn.rm, size);
        tcg_gen_brcond(d->s, TCG_COND_NE, old, acc, not_equal);
        gen_st_reg(d, d->insn.rm, size, src);
        tcg_gen_br(d->s, done);
    }
    tcg_gen_set_label(d->s, not_equal);
    gen_st_reg(d, R_EAX, size, old);
    tcg_gen_set_label(d->s, done);
    TCGv r = tmp(d);
    tcg_gen_sub(d->s, r, acc, old);
    gen_zext(d, r, r, size);
    gen_set_cc(d, cc_sized(CC_OP_SUBB, size), r, old, TCG_NO_RET);
}

static void lower_cmpxchg8b(DisasContext *d)
{
    if (d->insn.op == X86_OP_CMPXCHG16B)
        CALL(d, cmpxchg16b, d->s->env, gen_ea(d));
    else
        CALL(d, cmpxchg8b, d->s->env, gen_ea(d));
}

/* ---- BMI1, BMI2 (SDM Vol 2A/2B), ADX ---- */

/* ZF and SF of r, CF from cf (0 or 1), every other flag clear. */
static void gen_bmi_flags(DisasContext *d, TCGv r, TCGv cf, unsigned size)
{
    TCGv f = tmp(d), t = tmp(d);
    tcg_gen_setcond(d->s, TCG_COND_EQ, f, r, cst(d, 0));
    tcg_gen_shli(d->s, f, f, 6);
    tcg_gen_extract(d->s, t, r, 8 * size - 1, 1);
    tcg_gen_shli(d->s, t, t, 7);
    tcg_gen_or(d->s, f, f, t);
    tcg_gen_or(d->s, f, f, cf);
    gen_set_eflags_arith(d, f);
}

/* ANDN (Gy = ~By & Ey) and BEXTR (Gy = bits of Ey chosen by By): flags of a logic
 * operation (OF CF clear). */
static void lower_andn_bextr(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, OPND_Gy);
    TCGv r;
    if (d->insn.op == X86_OP_ANDN) {
        TCGv n = gen_ld_opnd(d, &o, 1);
        TCGv v = gen_ld_opnd(d, &o, 2);
        r = tmp(d);
        tcg_gen_op3(d->s, INDEX_op_andc, r, v, n);
    } else {
        TCGv v = gen_ld_opnd(d, &o, 1);
        TCGv control = gen_ld_opnd(d, &o, 2);
        r = CALL(d, bextr, v, control, cst(d, size));
    }
    gen_st_opnd(d, &o, 0, r);
    gen_set_cc(d, cc_sized(CC_OP_LOGICB, size), r, TCG_NO_RET, TCG_NO_RET);
}

/* BLSI (By = Ey & -Ey, CF = Ey != 0), BLSMSK (Ey ^ (Ey - 1), CF = Ey == 0), BLSR
 * (Ey & (Ey - 1), CF = Ey == 0). */
static void lower_bls(DisasContext *d)
{
    Operands o = {0};
    unsigned op = d->insn.op, size = opnd_size(d, OPND_By);
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv r = tmp(d), t = tmp(d), cf = tmp(d);
    if (op == X86_OP_BLSI) {
        tcg_gen_op2(d->s, INDEX_op_neg, t, src);
        tcg_gen_and(d->s, r, src, t);
        tcg_gen_setcond(d->s, TCG_COND_NE, cf, src, cst(d, 0));
    } else {
        tcg_gen_subi(d->s, t, src, 1);
        if (op == X86_OP_BLSMSK)
            tcg_gen_xor(d->s, r, src, t);
        else
            tcg_gen_and(d->s, r, src, t);
        tcg_gen_setcond(d->s, TCG_COND_EQ, cf, src, cst(d, 0));
    }
    gen_zext(d, r, r, size);
    gen_st_opnd(d, &o, 0, r);
    gen_bmi_flags(d, r, cf, size);
}

/* BZHI: Gy = Ey with the bits from index By[7:0] up cleared; CF = index beyond the
 * operand (the source is then unchanged). */
static void lower_bzhi(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, OPND_Gy);
    TCGv src = gen_ld_opnd(d, &o, 1);
    TCGv index = gen_ld_opnd(d, &o, 2);
    TCGv mask = tmp(d), r = tmp(d), cf = tmp(d), bits = cst(d, 8 * size);
    tcg_gen_andi(d->s, index, index, 0xff);
    tcg_gen_shl(d->s, mask, cst(d, 1), index);
    tcg_gen_subi(d->s, mask, mask, 1);
    tcg_gen_and(d->s, mask, mask, src);
    tcg_gen_movcond(d->s, TCG_COND_LTU, r, index, bits, mask, src);
    tcg_gen_setcond(d->s, TCG_COND_GEU, cf, index, bits);
    gen_st_opnd(d, &o, 0, r);
    gen_bmi_flags(d, r, cf, size);
}

/* MULX: unsigned rDX * Ey; low half to By, then high half to Gy (so the high half
 * wins when they are the same register). No flags. */
static void lower_mulx(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, OPND_Gy);
    TCGv a = gen_ld_reg(d, R_EDX, size);
    TCGv b = gen_ld_opnd(d, &o, 2);
    TCGv lo = tmp(d), hi = tmp(d);
    if (size == 8) {
        TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
        tcg_emit(d->s, INDEX_op_mulu2, TCG_TYPE_I64, 4, args);
    } else {
        tcg_gen_op3(d->s, INDEX_op_mul, lo, a, b);
        tcg_gen_shri(d->s, hi, lo, 32);
        gen_zext(d, lo, lo, 4);
    }
    gen_st_opnd(d, &o, 1, lo);
    gen_st_opnd(d, &o, 0, hi);
}

/* PDEP/PEXT: Gy = deposit/extract of By under the mask Ey. No flags. */
static void lower_pdep_pext(DisasContext *d)
{
    Operands o = {0};
    TCGv v = gen_ld_opnd(d, &o, 1);
    TCGv mask = gen_ld_opnd(d, &o, 2);
    TCGv r = d->insn.op == X86_OP_PDEP ? CALL(d, pdep, v, mask) : CALL(d, pext, v, mask);
    gen_st_opnd(d, &o, 0, r);
}

/* RORX (by imm8), SARX/SHLX/SHRX (by By): counts masked to 5 or 6 bits; no flags. */
static void lower_shiftx(DisasContext *d)
{
    Operands o = {0};
    unsigned op = d->insn.op, size = opnd_size(d, OPND_Gy), mask = size == 8 ? 63 : 31;
    TCGv v = gen_ld_opnd(d, &o, 1);
    TCGv r = tmp(d);
    if (op == X86_OP_RORX) {
        unsigned n = (unsigned)(d->insn.imm & mask);
        if (size == 8) {
            tcg_gen_op3(d->s, INDEX_op_rotr, r, v, cst(d, n));
        } else {
            /* rotate within 32 bits: duplicate the value and shift the pair */
            tcg_gen_deposit(d->s, r, v, v, 32, 32);
            tcg_gen_shri(d->s, r, r, n);
            gen_zext(d, r, r, 4);
        }
        gen_st_opnd(d, &o, 0, r);
        return;
    }
    TCGv count = gen_ld_opnd(d, &o, 2);
    tcg_gen_andi(d->s, count, count, mask);
    if (op == X86_OP_SARX) {
        gen_sext(d, r, v, size);
        tcg_gen_sar(d->s, r, r, count);
    } else {
        tcg_gen_op3(d->s, op == X86_OP_SHLX ? INDEX_op_shl : INDEX_op_shr, r, v, count);
    }
    gen_zext(d, r, r, size);
    gen_st_opnd(d, &o, 0, r);
}

/* ADCX (carry in and out through CF) and ADOX (through OF): unsigned add with carry;
 * the other flags are unchanged (SDM Vol 2A ADCX, ADOX). */
static void lower_adx(DisasContext *d)
{
    Operands o = {0};
    unsigned size = opnd_size(d, OPND_Gy), bit = d->insn.op == X86_OP_ADCX ? 0 : 11;
    TCGv a = gen_ld_reg(d, d->insn.reg, size);
    TCGv b = gen_ld_opnd(d, &o, 1);
    TCGv f = gen_compute_eflags(d);
    TCGv cin = tmp(d), r = tmp(d), cout = tmp(d);
    tcg_gen_extract(d->s, cin, f, bit, 1);
    if (size == 8) {
        TCGv t = tmp(d), c2 = tmp(d);
        tcg_gen_add(d->s, t, a, cin);
        tcg_gen_setcond(d->s, TCG_COND_LTU, cout, t, a);
        tcg_gen_add(d->s, r, t, b);
        tcg_gen_setcond(d->s, TCG_COND_LTU, c2, r, t);
        tcg_gen_or(d->s, cout, cout, c2);
    } else {
        tcg_gen_add(d->s, r, a, b);
        tcg_gen_add(d->s, r, r, cin);
        tcg_gen_extract(d->s, cout, r, 32, 1);
        gen_zext(d, r, r, 4);
    }
    tcg_gen_deposit(d->s, f, f, cout, bit, 1);
    gen_st_reg(d, d->insn.reg, size, r);
    gen_set_eflags_arith(d, f);
}

/* ---- RDRAND, RDSEED ---- */

/* SDM Vol 2B RDRAND/RDSEED: a random value and CF = 1 (a value is always available);
 * OF SF ZF AF PF cleared. */
static void lower_rdrand(DisasContext *d)
{
    Operands o = {0};
    TCGv v = CALL(d, rdrand, d->s->env, cst(d, d->insn.opsize));
    gen_st_opnd(d, &o, 0, v);
    gen_set_eflags_arith(d, cst(d, CC_C));
}

const X86Lowering x86_lowerings_bits[] = {
    {X86_OP_BT, lower_bt},
    {X86_OP_BTS, lower_bt},
    {X86_OP_BTR, lower_bt},
    {X86_OP_BTC, lower_bt},
    {X86_OP_BSF, lower_bitscan},
    {X86_OP_BSR, lower_bitscan},
    {X86_OP_TZCNT, lower_bitscan},
    {X86_OP_LZCNT, lower_bitscan},
    {X86_OP_POPCNT, lower_bitscan},
    {X86_OP_SHLD, lower_shiftd},
    {X86_OP_SHRD, lower_shiftd},
    {X86_OP_BSWAP, lower_bswap},
    {X86_OP_MOVBE, lower_movbe},
    {X86_OP_CRC32, lower_crc32},
    {X86_OP_MOVNTI, lower_movnti},
    {X86_OP_XADD, lower_xadd},
    {X86_OP_CMPXCHG, lower_cmpxchg},
    {X86_OP_CMPXCHG8B, lower_cmpxchg8b},
    {X86_OP_CMPXCHG16B, lower_cmpxchg8b},
    {X86_OP_ANDN, lower_andn_bextr},
    {X86_OP_BEXTR, lower_andn_bextr},
    {X86_OP_BLSI, lower_bls},
    {X86_OP_BLSMSK, lower_bls},
    {X86_OP_BLSR, lower_bls},
    {X86_OP_BZHI, lower_bzhi},
    {X86_OP_MULX, lower_mulx},
    {X86_OP_PDEP, lower_pdep_pext},
    {X86_OP_PEXT, lower_pdep_pext},
    {X86_OP_RORX, lower_shiftx},
    {X86_OP_SARX, lower_shiftx},
    {X86_OP_SHLX, lower_shiftx},
    {X86_OP_SHRX, lower_shiftx},
    {X86_OP_ADCX, lower_adx},
    {X86_OP_ADOX, lower_adx},
    {X86_OP_RDRAND, lower_rdrand},
    {X86_OP_RDSEED, lower_rdrand},
    {0, NULL},
};
