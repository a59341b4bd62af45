/* Lazy arithmetic flags: computing EFLAGS.{CF,PF,AF,ZF,SF,OF} from the last
 * flag-setting operation (cc_op) and its operands. SDM Vol 1 Appendix A gives which
 * flags each instruction defines; undefined ones follow Intel parts as QEMU models
 * them (documented per operation below). */
#include "cpu/x86/cc_helper.h"

#include "cpu/x86/cpu.h"

/* PF is set when the low byte of the result has an even number of 1 bits. */
static uint32_t parity_flag(uint64_t res)
{
    return (__builtin_popcount((unsigned)(res & 0xff)) & 1) ? 0 : CC_P;
}

static inline unsigned size_bits(int size_shift)
{
    return 8u << size_shift;
}

static inline uint64_t size_mask(int size_shift)
{
    return size_shift == 3 ? ~0ull : (1ull << size_bits(size_shift)) - 1;
}

static inline uint64_t sign_bit(int size_shift)
{
    return 1ull << (size_bits(size_shift) - 1);
}

/* ZF, SF and PF of a result. */
static uint32_t flags_zsp(uint64_t res, int sz)
{
    uint32_t f = parity_flag(res);
    res &= size_mask(sz);
    if (res == 0)
        f |= CC_Z;
    if (res & sign_bit(sz))
        f |= CC_S;
    return f;
}

static uint32_t flags_add(uint64_t dst, uint64_t src2, uint64_t carry, int sz)
{
    uint64_t m = size_mask(sz);
    uint64_t res = dst & m, b = src2 & m, a = (res - b - carry) & m;
    uint32_t f = flags_zsp(res, sz);
    if (carry ? res <= a : res < a)
        f |= CC_C;
    if ((a ^ b ^ res) & 0x10)
        f |= CC_A;
    if (((a ^ res) & (b ^ res)) & sign_bit(sz))
        f |= CC_O;
    return f;
}

static uint32_t flags_sub(uint64_t dst, uint64_t src2, uint64_t borrow, int sz)
{
    uint64_t m = size_mask(sz);
    uint64_t res = dst & m, b = src2 & m, a = (res + b + borrow) & m;
    uint32_t f = flags_zsp(res, sz);
    if (borrow ? a <= b : a < b)
        f |= CC_C;
    if ((a ^ b ^ res) & 0x10)
        f |= CC_A;
    if (((a ^ b) & (a ^ res)) & sign_bit(sz))
        f |= CC_O;
    return f;
}

uint64_t helper_cc_compute_all(uint64_t cc_op, uint64_t dst, uint64_t src, uint64_t src2)
{
    int sz = (int)((cc_op - 1) & 3);
    uint64_t m, res;
    uint32_t f;

    switch ((CCOp)cc_op) {
    case CC_OP_EFLAGS: return src & CC_MASK;
    case CC_OP_ADDB ... CC_OP_ADDQ: return flags_add(dst, src, 0, sz);
    case CC_OP_ADCB ... CC_OP_ADCQ: return flags_add(dst, src, src2 & 1, sz);
    case CC_OP_SUBB ... CC_OP_SUBQ: return flags_sub(dst, src, 0, sz);
    case CC_OP_SBBB ... CC_OP_SBBQ: return flags_sub(dst, src, src2 & 1, sz);
    case CC_OP_LOGICB ... CC_OP_LOGICQ:
        /* SDM: OF and CF cleared; AF undefined, left clear as on Intel parts. */
        return flags_zsp(dst, sz);
    case CC_OP_INCB ... CC_OP_INCQ:
        /* CF is not affected: it was saved in src. */
        m = size_mask(sz);
        res = dst & m;
        f = flags_zsp(res, sz) | (src & CC_C);
        if ((res & 0xf) == 0)
            f |= CC_A;
        if (res == sign_bit(sz))
            f |= CC_O;
        return f;
    case CC_OP_DECB ... CC_OP_DECQ:
        m = size_mask(sz);
        res = dst & m;
        f = flags_zsp(res, sz) | (src & CC_C);
        if ((res & 0xf) == 0xf)
            f |= CC_A;
        if (res == sign_bit(sz) - 1)
            f |= CC_O;
        return f;
    case CC_OP_SHLB ... CC_OP_SHLQ:
        /* CF = last bit shifted out; OF = MSB(result) ^ CF (defined for count 1). */
        f = flags_zsp(dst, sz);
        if (src & sign_bit(sz))
            f |= CC_C;
        if (((dst ^ (src & sign_bit(sz) ? ~0ull : 0)) & sign_bit(sz)))
            f |= CC_O;
        return f;
    case CC_OP_SARB ... CC_OP_SARQ:
        /* CF = last bit shifted out; OF = MSB(result) ^ MSB(result << 1) for SHR
         * count 1 is the original MSB: the translator stores OF-relevant src. Here:
         * OF = (src ^ dst) sign bit, which is 0 for SAR and the old MSB for SHR. */
        f = flags_zsp(dst, sz) | (uint32_t)(src & 1);
        if ((src ^ dst) & sign_bit(sz))
            f |= CC_O;
        return f;
    case CC_OP_MULB ... CC_OP_MULQ:
        /* SDM MUL/IMUL: CF = OF = upper half significant; SF, ZF, AF, PF undefined:
         * computed from the low result as Intel parts do for SF/ZF/PF. */
        f = flags_zsp(dst, sz);
        if (src)
            f |= CC_C | CC_O;
        return f;
    default: return 0;
    }
}

/* CF alone, without the other flags (INC/DEC after a block boundary, ADC, SBB...):
 * the same rules as helper_cc_compute_all, per operation. */
uint64_t helper_cc_compute_c(uint64_t cc_op, uint64_t dst, uint64_t src, uint64_t src2)
{
    int sz = (int)((cc_op - 1) & 3);
    uint64_t m = size_mask(sz), res = dst & m, b = src & m;

    switch ((CCOp)cc_op) {
    case CC_OP_EFLAGS:
    case CC_OP_INCB ... CC_OP_DECQ: return src & CC_C;
    case CC_OP_ADDB ... CC_OP_ADDQ: return res < ((res - b) & m);
    case CC_OP_ADCB ... CC_OP_ADCQ: {
        uint64_t a = (res - b - (src2 & 1)) & m;
        return (src2 & 1) ? res <= a : res < a;
    }
    case CC_OP_SUBB ... CC_OP_SUBQ: return ((res + b) & m) < b;
    case CC_OP_SBBB ... CC_OP_SBBQ: {
        uint64_t a = (res + b + (src2 & 1)) & m;
        return (src2 & 1) ? a <= b : a < b;
    }
    case CC_OP_SHLB ... CC_OP_SHLQ: return (src & sign_bit(sz)) != 0;
    case CC_OP_SARB ... CC_OP_SARQ: return src & 1;
    case CC_OP_MULB ... CC_OP_MULQ: return src != 0;
    default: return 0;
    }
}

/* OF alone (see helper_cc_compute_all). */
static bool cc_overflow(int cc_op, uint64_t dst, uint64_t src, uint64_t src2)
{
    int sz = (int)((cc_op - 1) & 3);
    uint64_t m = size_mask(sz), res = dst & m, b = src & m, a;

    switch ((CCOp)cc_op) {
    case CC_OP_EFLAGS: return src & CC_O;
    case CC_OP_ADDB ... CC_OP_ADCQ:
        a = (res - b - (cc_op >= CC_OP_ADCB ? src2 & 1 : 0)) & m;
        return ((a ^ res) & (b ^ res)) & sign_bit(sz);
    case CC_OP_SUBB ... CC_OP_SBBQ:
        a = (res + b + (cc_op >= CC_OP_SBBB ? src2 & 1 : 0)) & m;
        return ((a ^ b) & (a ^ res)) & sign_bit(sz);
    case CC_OP_INCB ... CC_OP_INCQ: return res == sign_bit(sz);
    case CC_OP_DECB ... CC_OP_DECQ: return res == sign_bit(sz) - 1;
    case CC_OP_SHLB ... CC_OP_SHLQ:
        return ((dst ^ (src & sign_bit(sz) ? ~0ull : 0)) & sign_bit(sz)) != 0;
    case CC_OP_SARB ... CC_OP_SARQ: return ((src ^ dst) & sign_bit(sz)) != 0;
    case CC_OP_MULB ... CC_OP_MULQ: return src != 0;
    default: return false;
    }
}

/* ZF and SF: from the result for every sized operation. */
static uint32_t cc_zero_sign(int cc_op, uint64_t dst, uint64_t src)
{
    if (cc_op == CC_OP_EFLAGS)
        return (uint32_t)src & (CC_Z | CC_S);
    if (cc_op < CC_OP_ADDB || cc_op >= NB_CC_OPS)
        return 0;
    int sz = (int)((cc_op - 1) & 3);
    return (dst & size_mask(sz) ? 0 : CC_Z) | (dst & sign_bit(sz) ? CC_S : 0);
}

/* Condition codes (SDM Vol 1 Appendix B, Table B-1): bit 0 inverts the condition. */
bool x86_eval_cond(uint32_t flags, unsigned cc)
{
    bool r;
    switch (cc >> 1) {
    case 0: r = flags & CC_O; break;                         /* O */
    case 1: r = flags & CC_C; break;                         /* B */
    case 2: r = flags & CC_Z; break;                         /* E */
    case 3: r = flags & (CC_C | CC_Z); break;                /* BE */
    case 4: r = flags & CC_S; break;                         /* S */
    case 5: r = flags & CC_P; break;                         /* P */
    case 6: r = !!(flags & CC_S) != !!(flags & CC_O); break; /* L */
    default:
        r = (flags & CC_Z) || (!!(flags & CC_S) != !!(flags & CC_O)); /* LE */
        break;
    }
    return r ^ (cc & 1);
}

/* Only the flags the condition reads: conditions on PF (rare) take the long way. */
uint64_t helper_cc_compute_cond(uint64_t cc_op, uint64_t dst, uint64_t src, uint64_t src2,
                                uint64_t cc)
{
    int op = (int)cc_op;
    uint32_t f;
    switch ((cc >> 1) & 7) {
    case 0: f = cc_overflow(op, dst, src, src2) ? CC_O : 0; break;
    case 1: f = (uint32_t)helper_cc_compute_c(cc_op, dst, src, src2); break;
    case 2:
    case 4: f = cc_zero_sign(op, dst, src); break;
    case 3:
        f = cc_zero_sign(op, dst, src) | (uint32_t)helper_cc_compute_c(cc_op, dst, src, src2);
        break;
    case 5: f = (uint32_t)helper_cc_compute_all(cc_op, dst, src, src2); break;
    default: f = cc_zero_sign(op, dst, src) | (cc_overflow(op, dst, src, src2) ? CC_O : 0); break;
    }
    return x86_eval_cond(f, (unsigned)cc);
}
