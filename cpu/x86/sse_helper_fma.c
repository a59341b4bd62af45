/* FMA (SDM Vol 2A VFMADD132PS ... VFNMSUB231SD, VFMADDSUB*, VFMSUBADD*): a * b + c
 * rounded once.
 *
 * Each element is computed by the C library's fma()/fmaf() (correctly rounded, IEEE
 * 754 fusedMultiplyAdd) with the guest's rounding, DAZ and FTZ in the host MXCSR and
 * every exception masked, as the other floating-point helpers run the host's own
 * instructions (sse_helper_fp.c); the flags are read back from MXCSR. On an x86-64
 * host with FMA the C library runs VFMADD itself, so DE and the flush modes are the
 * hardware's. What the library cannot know is done here:
 *   - the operand roles: 132 multiplies operands 1 and 3 and adds 2, 213 multiplies
 *     2 and 1 and adds 3, 231 multiplies 2 and 3 and adds 1;
 *   - NaNs: the result is the first NaN of (multiplicand, multiplier, addend) in that
 *     role order, quieted and never negated; IE only for a signaling NaN (not for
 *     0 * inf with a quiet NaN addend). Observed on the host, which the SDM leaves
 *     unspecified beyond "QNaN source operand" propagation (Vol 1 §4.8.3.5);
 *   - the negations of FMSUB/FNMADD/FNMSUB, applied to the operands' signs (exact);
 *   - with overflow or underflow unmasked, PE says whether the result rounded with an
 *     unbounded exponent is inexact (as sse_helper_fp.c does for the other ops).
 */
#include <math.h>
#include <string.h>

#include "cpu/x86/sse_helper.h"

typedef struct FmaElem {
    uint64_t a, b, c; /* multiplicand, multiplier, addend (bit patterns) */
    unsigned esz;
} FmaElem;

static uint64_t elem_get(const X86Vec *v, unsigned i, unsigned esz)
{
    return esz == 8 ? v->q[i] : v->l[i];
}

static void elem_set(X86Vec *v, unsigned i, unsigned esz, uint64_t x)
{
    if (esz == 8)
        v->q[i] = x;
    else
        v->l[i] = (uint32_t)x;
}

static uint64_t sign_bit(unsigned esz)
{
    return 1ull << (8 * esz - 1);
}

static bool is_nan(uint64_t x, unsigned esz)
{
    if (esz == 8)
        return (x & ~sign_bit(8)) > 0x7ff0000000000000ull;
    return (x & ~sign_bit(4)) > 0x7f800000u;
}

static uint64_t quiet_bit(unsigned esz)
{
    return esz == 8 ? 1ull << 51 : 1ull << 22;
}

/* fma(a, b, c) on the host with MXCSR = *csr; *csr gets the flags raised. The empty
 * asm statements pin the call between the MXCSR load and store. */
static uint64_t host_fma(const FmaElem *e, uint32_t *csr)
{
    uint32_t saved;
    uint64_t r;
    __asm__ volatile("stmxcsr %0\n\tldmxcsr %1" : "=m"(saved) : "m"(*csr) : "memory");
    if (e->esz == 8) {
        double x, y, z, res;
        memcpy(&x, &e->a, 8);
        memcpy(&y, &e->b, 8);
        memcpy(&z, &e->c, 8);
        __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(z));
        res = fma(x, y, z);
        __asm__ volatile("" : "+x"(res));
        memcpy(&r, &res, 8);
    } else {
        float x, y, z, res;
        uint32_t a = (uint32_t)e->a, b = (uint32_t)e->b, c = (uint32_t)e->c, rr;
        memcpy(&x, &a, 4);
        memcpy(&y, &b, 4);
        memcpy(&z, &c, 4);
        __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(z));
        res = fmaf(x, y, z);
        __asm__ volatile("" : "+x"(res));
        memcpy(&rr, &res, 4);
        r = rr;
    }
    __asm__ volatile("stmxcsr %0\n\tldmxcsr %1" : "=m"(*csr) : "m"(saved) : "memory");
    return r;
}

static unsigned bit_length(unsigned __int128 v)
{
    unsigned n = 0;
    while (v) {
        v >>= 1;
        n++;
    }
    return n;
}

/* Whether a * b + c (finite) is exactly representable with the element's precision
 * and an unbounded exponent: the exact sum is built in 128 bits when its set bits
 * span at most 126; a wider span cannot fit in 24 or 53 bits anyway (a carry or a
 * borrow moves the top by one bit at most when the parts are that far apart). */
static bool fma_exact_unbounded(const FmaElem *e, bool daz)
{
    unsigned prec = e->esz == 8 ? 53 : 24;
    SseUnpacked x = sse_unpack(e->a, e->esz, daz), y = sse_unpack(e->b, e->esz, daz);
    SseUnpacked z = sse_unpack(e->c, e->esz, daz);
    if (x.zero || y.zero)
        return true; /* the result is c (or a zero) */
    unsigned __int128 p = (unsigned __int128)x.sig * y.sig;
    int64_t pe = x.exp + y.exp;
    if (z.zero)
        return sse_significant_bits(p) <= prec;
    unsigned __int128 q = z.sig;
    int64_t qe = z.exp;
    while (!(p & 1)) {
        p >>= 1;
        pe++;
    }
    while (!(q & 1)) {
        q >>= 1;
        qe++;
    }
    int64_t lo = pe < qe ? pe : qe;
    int64_t hi_p = pe + bit_length(p), hi_q = qe + bit_length(q);
    if ((hi_p > hi_q ? hi_p : hi_q) - lo > 126)
        return false;
    p <<= pe - lo;
    q <<= qe - lo;
    unsigned __int128 m = (x.neg ^ y.neg) == z.neg ? p + q : p > q ? p - q : q - p;
    return m == 0 || sse_significant_bits(m) <= prec;
}

/* One element: the result, and the flags it raises. */
static uint32_t fma_elem(CPUX86State *env, const FmaElem *e, uint32_t csr, uint64_t *res)
{
    unsigned esz = e->esz;
    const uint64_t ops[3] = {e->a, e->b, e->c};
    for (unsigned i = 0; i < 3; i++) {
        if (!is_nan(ops[i], esz))
            continue;
        bool snan = false;
        for (unsigned j = 0; j < 3; j++)
            snan |= is_nan(ops[j], esz) && !(ops[j] & quiet_bit(esz));
        *res = ops[i] | quiet_bit(esz);
        return snan ? MXCSR_IE : 0;
    }
    uint32_t out = csr;
    *res = host_fma(e, &out);
    uint32_t flags = out & MXCSR_FLAGS;
    uint32_t masks = (env->mxcsr & MXCSR_MASKS) >> 7;
    X86Vec rv = {.q = {*res}};
    if (!(masks & MXCSR_UE) && sse_has_tiny(&rv, esz, 1))
        flags |= MXCSR_UE;
    if (((flags & MXCSR_OE) && !(masks & MXCSR_OE)) ||
        ((flags & MXCSR_UE) && !(masks & MXCSR_UE))) {
        flags &= ~MXCSR_PE;
        if (!fma_exact_unbounded(e, env->mxcsr & MXCSR_DAZ))
            flags |= MXCSR_PE;
    }
    return flags;
}

/* Whether element i subtracts its addend (FMSUB, FNMSUB; FMADDSUB on even elements,
 * FMSUBADD on odd ones) and whether it negates its product (FNMADD, FNMSUB). */
static bool subtracts(unsigned kind, unsigned i)
{
    switch (kind) {
    case SSE_FMA_MSUB:
    case SSE_FMA_NMSUB: return true;
    case SSE_FMA_MADDSUB: return !(i & 1);
    case SSE_FMA_MSUBADD: return i & 1;
    default: return false;
    }
}

static bool negates_product(unsigned kind)
{
    return kind == SSE_FMA_NMADD || kind == SSE_FMA_NMSUB;
}

static void op_vfma(VecCtx *c)
{
    unsigned esz = (c->imm & SSE_FMA_DOUBLE) ? 8 : 4;
    unsigned n = (c->imm & SSE_FMA_SCALAR) ? 1 : c->oprsz / esz;
    unsigned order = c->imm & SSE_FMA_ORDER_MASK, kind = c->imm >> SSE_FMA_KIND_SHIFT;
    uint32_t csr = sse_host_mxcsr(c->env->mxcsr);
    /* a = operand 1 (the destination), b = operand 2 (VEX.vvvv), c = operand 3 */
    const X86Vec *mul1 = order == 0 ? &c->a : &c->b;
    const X86Vec *mul2 = order == 0 ? &c->c : order == 1 ? &c->a : &c->c;
    const X86Vec *add = order == 0 ? &c->b : order == 1 ? &c->c : &c->a;
    c->r = c->a; /* scalar forms keep bits 127:esz of operand 1 */
    c->fp = true;
    for (unsigned i = 0; i < n; i++) {
        FmaElem e = {elem_get(mul1, i, esz), elem_get(mul2, i, esz), elem_get(add, i, esz), esz};
        if (!is_nan(e.a, esz) && negates_product(kind))
            e.a ^= sign_bit(esz);
        if (!is_nan(e.c, esz) && subtracts(kind, i))
            e.c ^= sign_bit(esz);
        uint64_t r;
        c->fp_flags |= fma_elem(c->env, &e, csr, &r);
        elem_set(&c->r, i, esz, r);
    }
}
SSE_DEFINE_OP(vfma)
