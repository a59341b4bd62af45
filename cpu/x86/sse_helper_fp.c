/* Floating-point vector operations (SSE, SSE2, SSE3, SSE4.1, AVX, F16C): computed by
 * the same instruction on the host, with the guest's MXCSR loaded, so that results,
 * rounding, DAZ/FTZ and exception flags are those of the hardware (SDM Vol 1 §11.5).
 *
 * Each host operation is one asm statement that saves the host MXCSR, loads the guest
 * control bits with every exception masked and the flags clear, runs the instruction
 * on copies of the operands in xmm0/xmm1 (ymm for VEX.256), collects the flags and
 * restores the host MXCSR: nothing the compiler generates can run in between. The
 * frame (sse_helper.c) then decides, from the flags and the guest's masks, whether
 * the instruction raises #XM instead of writing its destination.
 *
 * The 128-bit forms use legacy SSE encodings, so only the guest's VEX.256 forms need
 * AVX on the host. */
#include <string.h>

#include "cpu/x86/sse_helper.h"

typedef void HostOp(X86Vec *r, const X86Vec *a, const X86Vec *b, uint32_t *csr);

/* r = insn(xmm0 = a, xmm1 = b), result in xmm0. */
#define HOST_XMM(fn, text)                                                                         \
    static void fn(X86Vec *r, const X86Vec *a, const X86Vec *b, uint32_t *csr)                     \
    {                                                                                              \
        uint32_t saved;                                                                            \
        __asm__ volatile("stmxcsr %[saved]\n\t"                                                    \
                         "movdqu %[a], %%xmm0\n\t"                                                 \
                         "movdqu %[b], %%xmm1\n\t"                                                 \
                         "ldmxcsr %[csr]\n\t" text "\n\t"                                          \
                         "stmxcsr %[csr]\n\t"                                                      \
                         "ldmxcsr %[saved]\n\t"                                                    \
                         "movdqu %%xmm0, %[r]"                                                     \
                         : [r] "=m"(r->b), [csr] "+m"(*csr), [saved] "=m"(saved)                   \
                         : [a] "m"(a->b), [b] "m"(b->b)                                            \
                         : "xmm0", "xmm1");                                                        \
    }

/* The same on ymm registers (the guest's VEX.256 forms). */
#define HOST_YMM(fn, text)                                                                         \
    static void fn(X86Vec *r, const X86Vec *a, const X86Vec *b, uint32_t *csr)                     \
    {                                                                                              \
        uint32_t saved;                                                                            \
        __asm__ volatile("stmxcsr %[saved]\n\t"                                                    \
                         "vmovdqu %[a], %%ymm0\n\t"                                                \
                         "vmovdqu %[b], %%ymm1\n\t"                                                \
                         "ldmxcsr %[csr]\n\t" text "\n\t"                                          \
                         "stmxcsr %[csr]\n\t"                                                      \
                         "ldmxcsr %[saved]\n\t"                                                    \
                         "vmovdqu %%ymm0, %[r]\n\t"                                                \
                         "vzeroupper"                                                              \
                         : [r] "=m"(r->b), [csr] "+m"(*csr), [saved] "=m"(saved)                   \
                         : [a] "m"(a->b), [b] "m"(b->b)                                            \
                         : "xmm0", "xmm1");                                                        \
    }

/* Runs op on (x, y) into res with host MXCSR csr; returns the flags it raised. */
static uint32_t host_flags(HostOp *op, X86Vec *res, const X86Vec *x, const X86Vec *y, uint32_t csr)
{
    op(res, x, y, &csr);
    return csr & MXCSR_FLAGS;
}

static void host_run(VecCtx *c, HostOp *op, X86Vec *res, const X86Vec *x, const X86Vec *y,
                     uint32_t csr)
{
    c->fp = true;
    c->fp_flags |= host_flags(op, res, x, y, csr);
}

static void host_run_guest(VecCtx *c, HostOp *op)
{
    host_run(c, op, &c->r, &c->a, &c->b, sse_host_mxcsr(c->env->mxcsr));
}

/* ---- post-computation flags with unmasked overflow or underflow ----
 * With every exception masked (the host run) an element that overflows or underflows
 * reports PE from its delivered (infinite, largest or denormalized) result. When the
 * guest unmasks overflow or underflow, the element delivers nothing and PE says
 * whether the result rounded with an unbounded exponent is inexact (IEEE 754 §7.4 and
 * §7.5: what a trap handler would receive; the host CPU reports the same), and an
 * exact tiny result raises underflow too (SDM Vol 1 §4.9.1.5). Those flags are rebuilt
 * element by element: each element's operation runs alone on the host, and its
 * unbounded-exponent exactness is decided with integer arithmetic. */

typedef enum PostKind {
    POST_ADD,
    POST_SUB,
    POST_MUL,
    POST_DIV,
    POST_ADDSUB,
    POST_HADD,
    POST_HSUB,
    POST_CVT
} PostKind;

/* What an operation that may overflow or underflow does to each element. */
typedef struct PostOp {
    PostKind kind;
    uint8_t in_esz, out_esz; /* element bytes of the sources and of the result */
} PostOp;

/* Whether x op y (finite) is exactly representable with the result's precision and an
 * unbounded exponent. */
static bool exact_unbounded(PostKind kind, const PostOp *po, uint64_t xb, uint64_t yb, bool daz)
{
    unsigned prec = po->out_esz == 8 ? 53 : po->out_esz == 4 ? 24 : 11;
    SseUnpacked x = sse_unpack(xb, po->in_esz, daz), y = sse_unpack(yb, po->in_esz, daz);
    switch (kind) {
    case POST_CVT: return x.zero || sse_significant_bits(x.sig) <= prec;
    case POST_MUL:
        return x.zero || y.zero || sse_significant_bits((unsigned __int128)x.sig * y.sig) <= prec;
    case POST_DIV: {
        if (x.zero)
            return true;
        uint64_t odd = y.sig >> __builtin_ctzll(y.sig);
        return x.sig % odd == 0 && sse_significant_bits(x.sig / odd) <= prec;
    }
    default: { /* add, sub */
        if (kind == POST_SUB)
            y.neg = !y.neg;
        if (x.zero || y.zero)
            return true;
        int64_t lo = x.exp < y.exp ? x.exp : y.exp;
        if (x.exp - lo > 70 || y.exp - lo > 70)
            return false; /* a nonzero term far below the other's last bit */
        __int128 vx = (__int128)((unsigned __int128)x.sig << (x.exp - lo));
        __int128 vy = (__int128)((unsigned __int128)y.sig << (y.exp - lo));
        __int128 sum = (x.neg ? -vx : vx) + (y.neg ? -vy : vy);
        return sum == 0 || sse_significant_bits((unsigned __int128)(sum < 0 ? -sum : sum)) <= prec;
    }
    }
}

static uint64_t elem(const X86Vec *v, unsigned i, unsigned esz)
{
    return esz == 8 ? v->q[i] : esz == 4 ? v->l[i] : v->w[i];
}

/* The scalar host operation of one element. */
HOST_XMM(host_elem_addss, "addss %%xmm1, %%xmm0")
HOST_XMM(host_elem_subss, "subss %%xmm1, %%xmm0")
HOST_XMM(host_elem_mulss, "mulss %%xmm1, %%xmm0")
HOST_XMM(host_elem_divss, "divss %%xmm1, %%xmm0")
HOST_XMM(host_elem_addsd, "addsd %%xmm1, %%xmm0")
HOST_XMM(host_elem_subsd, "subsd %%xmm1, %%xmm0")
HOST_XMM(host_elem_mulsd, "mulsd %%xmm1, %%xmm0")
HOST_XMM(host_elem_divsd, "divsd %%xmm1, %%xmm0")
HOST_XMM(host_elem_cvtsd2ss, "cvtsd2ss %%xmm1, %%xmm0")
HOST_YMM(host_elem_vcvtps2ph, "vcvtps2ph $4, %%xmm1, %%xmm0")

static HostOp *elem_host_op(PostKind kind, unsigned esz)
{
    switch (kind) {
    case POST_SUB: return esz == 8 ? host_elem_subsd : host_elem_subss;
    case POST_MUL: return esz == 8 ? host_elem_mulsd : host_elem_mulss;
    case POST_DIV: return esz == 8 ? host_elem_divsd : host_elem_divss;
    case POST_CVT: return esz == 8 ? host_elem_cvtsd2ss : host_elem_vcvtps2ph;
    default: return esz == 8 ? host_elem_addsd : host_elem_addss;
    }
}

/* Element i of a run: its operation and operands (a CVT's source, y's element, is
 * returned in xi). */
static PostKind elem_operands(const PostOp *po, unsigned i, const X86Vec *x, const X86Vec *y,
                              uint64_t *xi, uint64_t *yi)
{
    unsigned esz = po->in_esz;
    if (po->kind == POST_HADD || po->kind == POST_HSUB) {
        /* SDM Vol 2A HADDPS: per lane, pairs of x then pairs of y */
        unsigned per_lane = 16 / esz, lane = i / per_lane * per_lane, k = i % per_lane;
        const X86Vec *src = k < per_lane / 2 ? x : y;
        unsigned j = lane + 2 * (k % (per_lane / 2));
        *xi = elem(src, j, esz);
        *yi = elem(src, j + 1, esz);
        return po->kind == POST_HADD ? POST_ADD : POST_SUB;
    }
    *xi = elem(po->kind == POST_CVT ? y : x, i, esz);
    *yi = po->kind == POST_CVT ? 0 : elem(y, i, esz);
    if (po->kind == POST_ADDSUB)
        return (i & 1) ? POST_ADD : POST_SUB;
    return po->kind;
}

static uint32_t elem_flags(CPUX86State *env, const PostOp *po, PostKind kind, uint64_t xi,
                           uint64_t yi, uint32_t csr)
{
    X86Vec xv = {.q = {xi}}, yv = {.q = {yi}}, rv;
    uint32_t masks = (env->mxcsr & MXCSR_MASKS) >> 7;
    uint32_t flags = kind == POST_CVT
                         ? host_flags(elem_host_op(kind, po->in_esz), &rv, &yv, &xv, csr)
                         : host_flags(elem_host_op(kind, po->in_esz), &rv, &xv, &yv, csr);
    if (!(masks & MXCSR_UE) && sse_has_tiny(&rv, po->out_esz, 1))
        flags |= MXCSR_UE;
    if (((flags & MXCSR_OE) && !(masks & MXCSR_OE)) ||
        ((flags & MXCSR_UE) && !(masks & MXCSR_UE))) {
        flags &= ~MXCSR_PE;
        if (!exact_unbounded(kind, po, xi, yi, env->mxcsr & MXCSR_DAZ))
            flags |= MXCSR_PE;
    }
    return flags;
}

/* Runs op over n elements like host_run, with the flags rebuilt element by element
 * when overflow or underflow is unmasked and may have happened. */
static void host_run_post(VecCtx *c, HostOp *op, const PostOp *po, unsigned n, X86Vec *res,
                          const X86Vec *x, const X86Vec *y, uint32_t csr)
{
    uint32_t masks = (c->env->mxcsr & MXCSR_MASKS) >> 7;
    uint32_t flags = host_flags(op, res, x, y, csr);
    bool ue_unmasked = !(masks & MXCSR_UE);
    if ((~masks & (MXCSR_OE | MXCSR_UE)) &&
        ((flags & (MXCSR_OE | MXCSR_UE)) || (ue_unmasked && sse_has_tiny(res, po->out_esz, n)))) {
        uint32_t rebuilt = flags & ~(MXCSR_OE | MXCSR_UE | MXCSR_PE);
        for (unsigned i = 0; i < n; i++) {
            uint64_t xi, yi;
            PostKind kind = elem_operands(po, i, x, y, &xi, &yi);
            rebuilt |= elem_flags(c->env, po, kind, xi, yi, csr);
        }
        flags = rebuilt;
    }
    c->fp = true;
    c->fp_flags |= flags;
}

/* Packed: every element; the 256-bit form with VEX.L. */
static void fp_packed(VecCtx *c, HostOp *x128, HostOp *y256, const PostOp *po)
{
    HostOp *op = c->oprsz == 32 ? y256 : x128;
    if (po)
        host_run_post(c, op, po, c->oprsz / po->in_esz, &c->r, &c->a, &c->b,
                      sse_host_mxcsr(c->env->mxcsr));
    else
        host_run_guest(c, op);
}

/* Scalar: element 0 computed, the rest of the low 128 bits from a. */
static void fp_scalar(VecCtx *c, HostOp *x128, const PostOp *po)
{
    if (po)
        host_run_post(c, x128, po, 1, &c->r, &c->a, &c->b, sse_host_mxcsr(c->env->mxcsr));
    else
        host_run_guest(c, x128);
}

#define NO_POST         NULL
#define POST(kind, esz) (&(const PostOp){POST_##kind, esz, esz})

/* Binary packed ops: SDM Vol 2 ADDPS, SUBPS, MULPS, DIVPS, MINPS, MAXPS, HADDPS, HSUBPS,
 * ADDSUBPS and their PD forms; post: how each element may overflow or underflow. */
#define FP_PACKED(name, insn, post)                                                                \
    HOST_XMM(host_##name, #insn " %%xmm1, %%xmm0")                                                 \
    HOST_YMM(host_v##name, "v" #insn " %%ymm1, %%ymm0, %%ymm0")                                    \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        fp_packed(c, host_##name, host_v##name, post);                                             \
    }                                                                                              \
    SSE_DEFINE_OP(name)

/* Unary packed ops (source in b, a = b). */
#define FP_PACKED_UNARY(name, insn)                                                                \
    HOST_XMM(host_##name, #insn " %%xmm1, %%xmm0")                                                 \
    HOST_YMM(host_v##name, "v" #insn " %%ymm1, %%ymm0")                                            \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        fp_packed(c, host_##name, host_v##name, NO_POST);                                          \
    }                                                                                              \
    SSE_DEFINE_OP(name)

/* Scalar ops: xmm0 = a, so the upper elements come from a (legacy: the destination;
 * VEX: VEX.vvvv) exactly as the instruction defines them. */
#define FP_SCALAR(name, insn, post)                                                                \
    HOST_XMM(host_##name, #insn " %%xmm1, %%xmm0")                                                 \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        fp_scalar(c, host_##name, post);                                                           \
    }                                                                                              \
    SSE_DEFINE_OP(name)

FP_PACKED(addps, addps, POST(ADD, 4))
FP_PACKED(addpd, addpd, POST(ADD, 8))
FP_PACKED(subps, subps, POST(SUB, 4))
FP_PACKED(subpd, subpd, POST(SUB, 8))
FP_PACKED(mulps, mulps, POST(MUL, 4))
FP_PACKED(mulpd, mulpd, POST(MUL, 8))
FP_PACKED(divps, divps, POST(DIV, 4))
FP_PACKED(divpd, divpd, POST(DIV, 8))
FP_PACKED(minps, minps, NO_POST)
FP_PACKED(minpd, minpd, NO_POST)
FP_PACKED(maxps, maxps, NO_POST)
FP_PACKED(maxpd, maxpd, NO_POST)
FP_PACKED(haddps, haddps, POST(HADD, 4))
FP_PACKED(haddpd, haddpd, POST(HADD, 8))
FP_PACKED(hsubps, hsubps, POST(HSUB, 4))
FP_PACKED(hsubpd, hsubpd, POST(HSUB, 8))
FP_PACKED(addsubps, addsubps, POST(ADDSUB, 4))
FP_PACKED(addsubpd, addsubpd, POST(ADDSUB, 8))
FP_PACKED_UNARY(sqrtps, sqrtps)
FP_PACKED_UNARY(sqrtpd, sqrtpd)
FP_PACKED_UNARY(rcpps, rcpps)
FP_PACKED_UNARY(rsqrtps, rsqrtps)
FP_PACKED_UNARY(cvtdq2ps, cvtdq2ps)
FP_PACKED_UNARY(cvtps2dq, cvtps2dq)
FP_PACKED_UNARY(cvttps2dq, cvttps2dq)

FP_SCALAR(addss, addss, POST(ADD, 4))
FP_SCALAR(addsd, addsd, POST(ADD, 8))
FP_SCALAR(subss, subss, POST(SUB, 4))
FP_SCALAR(subsd, subsd, POST(SUB, 8))
FP_SCALAR(mulss, mulss, POST(MUL, 4))
FP_SCALAR(mulsd, mulsd, POST(MUL, 8))
FP_SCALAR(divss, divss, POST(DIV, 4))
FP_SCALAR(divsd, divsd, POST(DIV, 8))
FP_SCALAR(minss, minss, NO_POST)
FP_SCALAR(minsd, minsd, NO_POST)
FP_SCALAR(maxss, maxss, NO_POST)
FP_SCALAR(maxsd, maxsd, NO_POST)
FP_SCALAR(sqrtss, sqrtss, NO_POST)
FP_SCALAR(sqrtsd, sqrtsd, NO_POST)
FP_SCALAR(rcpss, rcpss, NO_POST)
FP_SCALAR(rsqrtss, rsqrtss, NO_POST)
FP_SCALAR(cvtss2sd, cvtss2sd, NO_POST)
FP_SCALAR(cvtsd2ss, cvtsd2ss, (&(const PostOp){POST_CVT, 8, 4}))

/* ---- conversions that change the vector width ---- */

/* Widening (CVTPS2PD, CVTDQ2PD, VCVTPH2PS): the low half of the source fills the
 * destination (unary). */
#define FP_WIDEN(name, insn)                                                                       \
    HOST_XMM(host_##name, #insn " %%xmm1, %%xmm0")                                                 \
    HOST_YMM(host_v##name, "v" #insn " %%xmm1, %%ymm0")                                            \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        fp_packed(c, host_##name, host_v##name, NO_POST);                                          \
    }                                                                                              \
    SSE_DEFINE_OP(name)

FP_WIDEN(cvtps2pd, cvtps2pd)
FP_WIDEN(cvtdq2pd, cvtdq2pd)

HOST_YMM(host_vcvtph2ps128, "vcvtph2ps %%xmm1, %%xmm0")
HOST_YMM(host_vcvtph2ps256, "vcvtph2ps %%xmm1, %%ymm0")
static void op_vcvtph2ps(VecCtx *c)
{
    fp_packed(c, host_vcvtph2ps128, host_vcvtph2ps256, NO_POST);
}
SSE_DEFINE_OP(vcvtph2ps)

/* Narrowing (CVTPD2PS, CVTPD2DQ, CVTTPD2DQ): the result fills the low half of an XMM
 * register and the bits above it are zero. */
#define FP_NARROW(name, insn, post)                                                                \
    HOST_XMM(host_##name, #insn " %%xmm1, %%xmm0")                                                 \
    HOST_YMM(host_v##name, "v" #insn " %%ymm1, %%xmm0")                                            \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        fp_packed(c, host_##name, host_v##name, post);                                             \
        c->wsz = 16;                                                                               \
    }                                                                                              \
    SSE_DEFINE_OP(name)

FP_NARROW(cvtpd2ps, cvtpd2ps, (&(const PostOp){POST_CVT, 8, 4}))
FP_NARROW(cvtpd2dq, cvtpd2dq, NO_POST)
FP_NARROW(cvttpd2dq, cvttpd2dq, NO_POST)

/* F16C VCVTPS2PH (unary): imm8[2] selects MXCSR.RC, else imm8[1:0] is the rounding;
 * the host runs with that rounding in its MXCSR and imm8 = 4. */
HOST_YMM(host_vcvtps2ph128, "vcvtps2ph $4, %%xmm1, %%xmm0")
HOST_YMM(host_vcvtps2ph256, "vcvtps2ph $4, %%ymm1, %%xmm0")
static void op_vcvtps2ph(VecCtx *c)
{
    uint32_t csr = sse_host_mxcsr(c->env->mxcsr);
    if (!(c->imm & 4))
        csr = (csr & ~MXCSR_RC) | (c->imm & 3) << MXCSR_RC_SHIFT;
    static const PostOp post = {POST_CVT, 4, 2};
    host_run_post(c, c->oprsz == 32 ? host_vcvtps2ph256 : host_vcvtps2ph128, &post, c->oprsz / 4,
                  &c->r, &c->a, &c->b, csr);
    c->wsz = 16;
}
SSE_DEFINE_OP(vcvtps2ph)

/* ---- conversions with MMX registers (SDM Vol 2A CVTPI2PS & co.) ----
 * The host runs the XMM form on the two elements concerned, the others zero (which
 * convert exactly), so that no host MMX state is touched. */

HOST_XMM(host_cvtdq2ps_lo, "cvtdq2ps %%xmm1, %%xmm0")
HOST_XMM(host_cvtps2dq_lo, "cvtps2dq %%xmm1, %%xmm0")
HOST_XMM(host_cvttps2dq_lo, "cvttps2dq %%xmm1, %%xmm0")
HOST_XMM(host_cvtpd2dq_lo, "cvtpd2dq %%xmm1, %%xmm0")
HOST_XMM(host_cvttpd2dq_lo, "cvttpd2dq %%xmm1, %%xmm0")

/* Two dwords of b (MMX or m64) into floats 0-1 of a; floats 2-3 stay. */
static void op_cvtpi2ps(VecCtx *c)
{
    X86Vec src = {.q = {c->b.q[0]}}, res;
    host_run(c, host_cvtdq2ps_lo, &res, &src, &src, sse_host_mxcsr(c->env->mxcsr));
    c->r = c->a;
    c->r.q[0] = res.q[0];
}
SSE_DEFINE_OP(cvtpi2ps)

/* Two dwords into two doubles (exact; unary). */
static void op_cvtpi2pd(VecCtx *c)
{
    X86Vec src = {.q = {c->a.q[0]}};
    host_run(c, host_cvtdq2pd, &c->r, &src, &src, sse_host_mxcsr(c->env->mxcsr));
}
SSE_DEFINE_OP(cvtpi2pd)

/* Floats 0-1 (or doubles 0-1) of the source into the two dwords of an MMX register. */
static void to_mmx(VecCtx *c, HostOp *op, bool doubles)
{
    X86Vec src = {.q = {c->a.q[0], doubles ? c->a.q[1] : 0}}, res;
    host_run(c, op, &res, &src, &src, sse_host_mxcsr(c->env->mxcsr));
    c->r.q[0] = res.q[0];
}

static void op_cvtps2pi(VecCtx *c)
{
    to_mmx(c, host_cvtps2dq_lo, false);
}
SSE_DEFINE_OP(cvtps2pi)

static void op_cvttps2pi(VecCtx *c)
{
    to_mmx(c, host_cvttps2dq_lo, false);
}
SSE_DEFINE_OP(cvttps2pi)

static void op_cvtpd2pi(VecCtx *c)
{
    to_mmx(c, host_cvtpd2dq_lo, true);
}
SSE_DEFINE_OP(cvtpd2pi)

static void op_cvttpd2pi(VecCtx *c)
{
    to_mmx(c, host_cvttpd2dq_lo, true);
}
SSE_DEFINE_OP(cvttpd2pi)

/* ---- compares (CMPPS/CMPPD/CMPSS/CMPSD, SDM Vol 2A Table 3-1) ----
 * Every predicate is a function of the relation (unordered, less, equal, greater) and
 * signals invalid for QNaNs or not. The host computes the relation with EQ_OQ, LT_OS
 * and UNORD_Q, and the flags of a quiet (EQ_OQ) and a signaling (LT_OS) compare. */

typedef struct HostCmp {
    X86Vec eq, lt, un;
    uint32_t csr_quiet, csr_signaling;
} HostCmp;

typedef void HostCmpOp(HostCmp *h, const X86Vec *a, const X86Vec *b);

#define HOST_CMP_XMM(fn, insn)                                                                     \
    static void fn(HostCmp *h, const X86Vec *a, const X86Vec *b)                                   \
    {                                                                                              \
        uint32_t saved;                                                                            \
        __asm__ volatile("stmxcsr %[saved]\n\t"                                                    \
                         "movdqu %[a], %%xmm0\n\t"                                                 \
                         "movdqu %[b], %%xmm1\n\t"                                                 \
                         "movdqa %%xmm0, %%xmm2\n\t"                                               \
                         "movdqa %%xmm0, %%xmm3\n\t"                                               \
                         "movdqa %%xmm0, %%xmm4\n\t"                                               \
                         "ldmxcsr %[q]\n\t" insn " $0, %%xmm1, %%xmm2\n\t"                         \
                         "stmxcsr %[q]\n\t"                                                        \
                         "ldmxcsr %[s]\n\t" insn " $1, %%xmm1, %%xmm3\n\t"                         \
                         "stmxcsr %[s]\n\t" insn " $3, %%xmm1, %%xmm4\n\t"                         \
                         "ldmxcsr %[saved]\n\t"                                                    \
                         "movdqu %%xmm2, %[eq]\n\t"                                                \
                         "movdqu %%xmm3, %[lt]\n\t"                                                \
                         "movdqu %%xmm4, %[un]"                                                    \
                         : [eq] "=m"(h->eq.b), [lt] "=m"(h->lt.b), [un] "=m"(h->un.b),             \
                           [q] "+m"(h->csr_quiet), [s] "+m"(h->csr_signaling), [saved] "=m"(saved) \
                         : [a] "m"(a->b), [b] "m"(b->b)                                            \
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4");                                \
    }

#define HOST_CMP_YMM(fn, insn)                                                                     \
    static void fn(HostCmp *h, const X86Vec *a, const X86Vec *b)                                   \
    {                                                                                              \
        uint32_t saved;                                                                            \
        __asm__ volatile("stmxcsr %[saved]\n\t"                                                    \
                         "vmovdqu %[a], %%ymm0\n\t"                                                \
                         "vmovdqu %[b], %%ymm1\n\t"                                                \
                         "ldmxcsr %[q]\n\t" insn " $0, %%ymm1, %%ymm0, %%ymm2\n\t"                 \
                         "stmxcsr %[q]\n\t"                                                        \
                         "ldmxcsr %[s]\n\t" insn " $1, %%ymm1, %%ymm0, %%ymm3\n\t"                 \
                         "stmxcsr %[s]\n\t" insn " $3, %%ymm1, %%ymm0, %%ymm4\n\t"                 \
                         "ldmxcsr %[saved]\n\t"                                                    \
                         "vmovdqu %%ymm2, %[eq]\n\t"                                               \
                         "vmovdqu %%ymm3, %[lt]\n\t"                                               \
                         "vmovdqu %%ymm4, %[un]\n\t"                                               \
                         "vzeroupper"                                                              \
                         : [eq] "=m"(h->eq.b), [lt] "=m"(h->lt.b), [un] "=m"(h->un.b),             \
                           [q] "+m"(h->csr_quiet), [s] "+m"(h->csr_signaling), [saved] "=m"(saved) \
                         : [a] "m"(a->b), [b] "m"(b->b)                                            \
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4");                                \
    }

HOST_CMP_XMM(host_cmpps, "cmpps")
HOST_CMP_XMM(host_cmppd, "cmppd")
HOST_CMP_XMM(host_cmpss, "cmpss")
HOST_CMP_XMM(host_cmpsd, "cmpsd")
HOST_CMP_YMM(host_vcmpps, "vcmpps")
HOST_CMP_YMM(host_vcmppd, "vcmppd")

/* Predicate imm8[4:0]: bit u/l/e/g of the row says whether the predicate holds for
 * unordered, less, equal, greater; S whether a QNaN operand signals invalid. */
enum { CMP_U = 1, CMP_L = 2, CMP_E = 4, CMP_G = 8, CMP_S = 16 };
static const uint8_t cmp_predicates[32] = {
    CMP_E,                                 /* EQ_OQ */
    CMP_L | CMP_S,                         /* LT_OS */
    CMP_L | CMP_E | CMP_S,                 /* LE_OS */
    CMP_U,                                 /* UNORD_Q */
    CMP_U | CMP_L | CMP_G,                 /* NEQ_UQ */
    CMP_U | CMP_E | CMP_G | CMP_S,         /* NLT_US */
    CMP_U | CMP_G | CMP_S,                 /* NLE_US */
    CMP_L | CMP_E | CMP_G,                 /* ORD_Q */
    CMP_U | CMP_E,                         /* EQ_UQ */
    CMP_U | CMP_L | CMP_S,                 /* NGE_US */
    CMP_U | CMP_L | CMP_E | CMP_S,         /* NGT_US */
    0,                                     /* FALSE_OQ */
    CMP_L | CMP_G,                         /* NEQ_OQ */
    CMP_E | CMP_G | CMP_S,                 /* GE_OS */
    CMP_G | CMP_S,                         /* GT_OS */
    CMP_U | CMP_L | CMP_E | CMP_G,         /* TRUE_UQ */
    CMP_E | CMP_S,                         /* EQ_OS */
    CMP_L,                                 /* LT_OQ */
    CMP_L | CMP_E,                         /* LE_OQ */
    CMP_U | CMP_S,                         /* UNORD_S */
    CMP_U | CMP_L | CMP_G | CMP_S,         /* NEQ_US */
    CMP_U | CMP_E | CMP_G,                 /* NLT_UQ */
    CMP_U | CMP_G,                         /* NLE_UQ */
    CMP_L | CMP_E | CMP_G | CMP_S,         /* ORD_S */
    CMP_U | CMP_E | CMP_S,                 /* EQ_US */
    CMP_U | CMP_L,                         /* NGE_UQ */
    CMP_U | CMP_L | CMP_E,                 /* NGT_UQ */
    CMP_S,                                 /* FALSE_OS */
    CMP_L | CMP_G | CMP_S,                 /* NEQ_OS */
    CMP_E | CMP_G,                         /* GE_OQ */
    CMP_G,                                 /* GT_OQ */
    CMP_U | CMP_L | CMP_E | CMP_G | CMP_S, /* TRUE_US */
};

/* n elements of esz bytes: element i of the result from the relation of a[i], b[i]. */
static void fp_compare(VecCtx *c, HostCmpOp *op, unsigned esz, unsigned n)
{
    /* Legacy encodings have the eight predicates of imm8[2:0] (SDM Vol 2A CMPPS). */
    unsigned pred = cmp_predicates[c->imm & ((c->ctl & SSE_CTL_VEX) ? 0x1f : 0x7)];
    HostCmp h;
    h.csr_quiet = h.csr_signaling = sse_host_mxcsr(c->env->mxcsr);
    op(&h, &c->a, &c->b);
    c->r = c->a;
    for (unsigned i = 0; i < n; i++) {
        bool un = h.un.b[i * esz], lt = h.lt.b[i * esz], eq = h.eq.b[i * esz];
        unsigned rel = un ? CMP_U : lt ? CMP_L : eq ? CMP_E : CMP_G;
        memset(&c->r.b[i * esz], (pred & rel) ? 0xff : 0, esz);
    }
    c->fp = true;
    c->fp_flags |= ((pred & CMP_S) ? h.csr_signaling : h.csr_quiet) & MXCSR_FLAGS;
}

static void op_cmpps(VecCtx *c)
{
    fp_compare(c, c->oprsz == 32 ? host_vcmpps : host_cmpps, 4, c->oprsz / 4);
}
SSE_DEFINE_OP(cmpps)

static void op_cmppd(VecCtx *c)
{
    fp_compare(c, c->oprsz == 32 ? host_vcmppd : host_cmppd, 8, c->oprsz / 8);
}
SSE_DEFINE_OP(cmppd)

static void op_cmpss(VecCtx *c)
{
    fp_compare(c, host_cmpss, 4, 1);
}
SSE_DEFINE_OP(cmpss)

static void op_cmpsd(VecCtx *c)
{
    fp_compare(c, host_cmpsd, 8, 1);
}
SSE_DEFINE_OP(cmpsd)

/* ---- ROUNDPS/PD/SS/SD (SSE4.1): imm8[2] selects MXCSR.RC, else imm8[1:0] is the
 * rounding; imm8[3] suppresses the precision exception. The host runs with the
 * rounding in its MXCSR and imm8 = 4 or 12. ---- */

HOST_XMM(host_roundps_p, "roundps $4, %%xmm1, %%xmm0")
HOST_XMM(host_roundps_n, "roundps $12, %%xmm1, %%xmm0")
HOST_XMM(host_roundpd_p, "roundpd $4, %%xmm1, %%xmm0")
HOST_XMM(host_roundpd_n, "roundpd $12, %%xmm1, %%xmm0")
HOST_XMM(host_roundss_p, "roundss $4, %%xmm1, %%xmm0")
HOST_XMM(host_roundss_n, "roundss $12, %%xmm1, %%xmm0")
HOST_XMM(host_roundsd_p, "roundsd $4, %%xmm1, %%xmm0")
HOST_XMM(host_roundsd_n, "roundsd $12, %%xmm1, %%xmm0")
HOST_YMM(host_vroundps_p, "vroundps $4, %%ymm1, %%ymm0")
HOST_YMM(host_vroundps_n, "vroundps $12, %%ymm1, %%ymm0")
HOST_YMM(host_vroundpd_p, "vroundpd $4, %%ymm1, %%ymm0")
HOST_YMM(host_vroundpd_n, "vroundpd $12, %%ymm1, %%ymm0")

static void fp_round(VecCtx *c, HostOp *precise, HostOp *no_precision)
{
    uint32_t csr = sse_host_mxcsr(c->env->mxcsr);
    if (!(c->imm & 4))
        csr = (csr & ~MXCSR_RC) | (c->imm & 3) << MXCSR_RC_SHIFT;
    host_run(c, (c->imm & 8) ? no_precision : precise, &c->r, &c->a, &c->b, csr);
}

static void op_roundps(VecCtx *c)
{
    if (c->oprsz == 32)
        fp_round(c, host_vroundps_p, host_vroundps_n);
    else
        fp_round(c, host_roundps_p, host_roundps_n);
}
SSE_DEFINE_OP(roundps)

static void op_roundpd(VecCtx *c)
{
    if (c->oprsz == 32)
        fp_round(c, host_vroundpd_p, host_vroundpd_n);
    else
        fp_round(c, host_roundpd_p, host_roundpd_n);
}
SSE_DEFINE_OP(roundpd)

static void op_roundss(VecCtx *c)
{
    fp_round(c, host_roundss_p, host_roundss_n);
}
SSE_DEFINE_OP(roundss)

static void op_roundsd(VecCtx *c)
{
    fp_round(c, host_roundsd_p, host_roundsd_n);
}
SSE_DEFINE_OP(roundsd)

/* ---- DPPS/DPPD (SSE4.1): the products selected by imm8[7:4] (others +0.0, not
 * computed), summed pairwise as the SDM's operation section does, written to the
 * elements selected by imm8[3:0] (others +0.0). Unselected products become 0 * 0.
 *
 * The steps (multiply, then one or two horizontal adds) run one at a time: "exceptions
 * are determined separately for each add and multiply operation" (SDM Vol 2A DPPS),
 * and an unmasked one stops the instruction at the step that raised it, reporting
 * the flags of the earlier steps with its own. (Which flags accompany an unmasked
 * exception of a later step is not specified further, and differs between CPUs.) */

static void dot_product_step(VecCtx *c, HostOp *op, const PostOp *po, X86Vec *res, const X86Vec *x,
                             const X86Vec *y)
{
    const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    uint32_t before = c->fp_flags;
    uint32_t masks = (c->env->mxcsr & MXCSR_MASKS) >> 7;
    c->fp_flags = 0;
    host_run_post(c, op, po, c->oprsz / po->in_esz, res, x, y, sse_host_mxcsr(c->env->mxcsr));
    uint32_t step = c->fp_flags, unmasked = step & ~masks & MXCSR_FLAGS;
    c->fp_flags = before | step;
    if (unmasked)
        sse_fp_raise(c->env, before | ((unmasked & pre) ? step & pre : step));
}

static void dot_product(VecCtx *c, HostOp *mul, HostOp *hadd, unsigned esz, unsigned per_lane)
{
    const PostOp mul_post = {POST_MUL, (uint8_t)esz, (uint8_t)esz};
    const PostOp add_post = {POST_HADD, (uint8_t)esz, (uint8_t)esz};
    X86Vec x = c->a, y = c->b, sum;
    for (unsigned i = 0; i < c->oprsz / esz; i++) {
        if (!((c->imm >> (4 + i % per_lane)) & 1)) {
            memset(&x.b[i * esz], 0, esz);
            memset(&y.b[i * esz], 0, esz);
        }
    }
    dot_product_step(c, mul, &mul_post, &sum, &x, &y);
    for (unsigned step = 0; step < (esz == 4 ? 2u : 1u); step++) {
        X86Vec t = sum;
        dot_product_step(c, hadd, &add_post, &sum, &t, &t);
    }
    for (unsigned i = 0; i < c->oprsz / esz; i++) {
        if ((c->imm >> (i % per_lane)) & 1)
            memcpy(&c->r.b[i * esz], &sum.b[i * esz], esz);
    }
}

static void op_dpps(VecCtx *c)
{
    if (c->oprsz == 32)
        dot_product(c, host_vmulps, host_vhaddps, 4, 4);
    else
        dot_product(c, host_mulps, host_haddps, 4, 4);
}
SSE_DEFINE_OP(dpps)

static void op_dppd(VecCtx *c)
{
    dot_product(c, host_mulpd, host_haddpd, 8, 2);
}
SSE_DEFINE_OP(dppd)

/* ---- scalar conversions with general registers ---- */

/* CVTSI2SS/CVTSI2SD: c->val (32-bit unless REX.W) into element 0; the rest from a. */
#define HOST_FROM_INT(fn, insn, suffix, T)                                                         \
    static void fn(X86Vec *r, const X86Vec *a, T v, uint32_t *csr)                                 \
    {                                                                                              \
        uint32_t saved;                                                                            \
        __asm__ volatile("stmxcsr %[saved]\n\t"                                                    \
                         "movdqu %[a], %%xmm0\n\t"                                                 \
                         "ldmxcsr %[csr]\n\t" insn suffix " %[v], %%xmm0\n\t"                      \
                         "stmxcsr %[csr]\n\t"                                                      \
                         "ldmxcsr %[saved]\n\t"                                                    \
                         "movdqu %%xmm0, %[r]"                                                     \
                         : [r] "=m"(r->b), [csr] "+m"(*csr), [saved] "=m"(saved)                   \
                         : [a] "m"(a->b), [v] "m"(v)                                               \
                         : "xmm0");                                                                \
    }

HOST_FROM_INT(host_cvtsi2ss32, "cvtsi2ss", "l", uint32_t)
HOST_FROM_INT(host_cvtsi2ss64, "cvtsi2ss", "q", uint64_t)
HOST_FROM_INT(host_cvtsi2sd32, "cvtsi2sd", "l", uint32_t)
HOST_FROM_INT(host_cvtsi2sd64, "cvtsi2sd", "q", uint64_t)

static void op_cvtsi2ss(VecCtx *c)
{
    uint32_t csr = sse_host_mxcsr(c->env->mxcsr);
    if (c->ctl & SSE_CTL_REX_W)
        host_cvtsi2ss64(&c->r, &c->a, c->val, &csr);
    else
        host_cvtsi2ss32(&c->r, &c->a, (uint32_t)c->val, &csr);
    c->fp = true;
    c->fp_flags |= csr & MXCSR_FLAGS;
}

void helper_cvtsi2ss(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t val)
{
    sse_vec_run_val(env, regs, ctl, val, op_cvtsi2ss);
}

static void op_cvtsi2sd(VecCtx *c)
{
    uint32_t csr = sse_host_mxcsr(c->env->mxcsr);
    if (c->ctl & SSE_CTL_REX_W)
        host_cvtsi2sd64(&c->r, &c->a, c->val, &csr);
    else
        host_cvtsi2sd32(&c->r, &c->a, (uint32_t)c->val, &csr);
    c->fp = true;
    c->fp_flags |= csr & MXCSR_FLAGS;
}

void helper_cvtsi2sd(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t val)
{
    sse_vec_run_val(env, regs, ctl, val, op_cvtsi2sd);
}

/* CVTSS2SI & co. (unary, source element 0 of a): the result goes to a general register
 * (32-bit, or 64-bit with REX.W); out of range gives the integer indefinite and #I. */
#define HOST_TO_INT(fn, insn, reg)                                                                 \
    static uint64_t fn(const X86Vec *a, uint32_t *csr)                                             \
    {                                                                                              \
        uint32_t saved;                                                                            \
        uint64_t out;                                                                              \
        __asm__ volatile("stmxcsr %[saved]\n\t"                                                    \
                         "movdqu %[a], %%xmm1\n\t"                                                 \
                         "ldmxcsr %[csr]\n\t" insn " %%xmm1, %" reg "[out]\n\t"                    \
                         "stmxcsr %[csr]\n\t"                                                      \
                         "ldmxcsr %[saved]"                                                        \
                         : [out] "=r"(out), [csr] "+m"(*csr), [saved] "=m"(saved)                  \
                         : [a] "m"(a->b)                                                           \
                         : "xmm1");                                                                \
        return reg[0] == 'k' ? (uint32_t)out : out;                                                \
    }

HOST_TO_INT(host_cvtss2si32, "cvtss2si", "k")
HOST_TO_INT(host_cvtss2si64, "cvtss2si", "q")
HOST_TO_INT(host_cvttss2si32, "cvttss2si", "k")
HOST_TO_INT(host_cvttss2si64, "cvttss2si", "q")
HOST_TO_INT(host_cvtsd2si32, "cvtsd2si", "k")
HOST_TO_INT(host_cvtsd2si64, "cvtsd2si", "q")
HOST_TO_INT(host_cvttsd2si32, "cvttsd2si", "k")
HOST_TO_INT(host_cvttsd2si64, "cvttsd2si", "q")

static void to_int(VecCtx *c, uint64_t (*op32)(const X86Vec *, uint32_t *),
                   uint64_t (*op64)(const X86Vec *, uint32_t *))
{
    uint32_t csr = sse_host_mxcsr(c->env->mxcsr);
    c->r.q[0] = (c->ctl & SSE_CTL_REX_W) ? op64(&c->a, &csr) : op32(&c->a, &csr);
    c->fp = true;
    c->fp_flags |= csr & MXCSR_FLAGS;
}

#define TO_INT_OP(name)                                                                            \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        to_int(c, host_##name##32, host_##name##64);                                               \
    }                                                                                              \
    SSE_DEFINE_RET(name)

TO_INT_OP(cvtss2si)
TO_INT_OP(cvttss2si)
TO_INT_OP(cvtsd2si)
TO_INT_OP(cvttsd2si)

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF from the compare of a (the register
 * operand) with b; OF, SF and AF cleared (SDM Vol 2A COMISS). */
#define HOST_COMI(fn, insn)                                                                        \
    static uint64_t fn(const X86Vec *a, const X86Vec *b, uint32_t *csr)                            \
    {                                                                                              \
        uint32_t saved;                                                                            \
        uint8_t z, p, cf;                                                                          \
        __asm__ volatile(                                                                          \
            "stmxcsr %[saved]\n\t"                                                                 \
            "movdqu %[a], %%xmm0\n\t"                                                              \
            "movdqu %[b], %%xmm1\n\t"                                                              \
            "ldmxcsr %[csr]\n\t" insn " %%xmm1, %%xmm0\n\t"                                        \
            "setz %[z]\n\t"                                                                        \
            "setp %[p]\n\t"                                                                        \
            "setc %[cf]\n\t"                                                                       \
            "stmxcsr %[csr]\n\t"                                                                   \
            "ldmxcsr %[saved]"                                                                     \
            : [z] "=q"(z), [p] "=q"(p), [cf] "=q"(cf), [csr] "+m"(*csr), [saved] "=m"(saved)       \
            : [a] "m"(a->b), [b] "m"(b->b)                                                         \
            : "xmm0", "xmm1", "cc");                                                               \
        return (z ? CC_Z : 0) | (p ? CC_P : 0) | (cf ? CC_C : 0);                                  \
    }

HOST_COMI(host_comiss, "comiss")
HOST_COMI(host_ucomiss, "ucomiss")
HOST_COMI(host_comisd, "comisd")
HOST_COMI(host_ucomisd, "ucomisd")

#define COMI_OP(name)                                                                              \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        uint32_t csr = sse_host_mxcsr(c->env->mxcsr);                                              \
        c->r.q[0] = host_##name(&c->a, &c->b, &csr);                                               \
        c->fp = true;                                                                              \
        c->fp_flags |= csr & MXCSR_FLAGS;                                                          \
    }                                                                                              \
    SSE_DEFINE_RET(name)

COMI_OP(comiss)
COMI_OP(ucomiss)
COMI_OP(comisd)
COMI_OP(ucomisd)
