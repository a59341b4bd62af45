/* Helpers of the MMX, SSE..SSE4.2, AVX/AVX2 and XSAVE instructions (internal to
 * cpu/x86): the helper lists, the encoding of their arguments, and the frame every
 * vector helper runs in.
 *
 * A vector helper takes the guest state and two packed words:
 *   regs: four 16-bit byte offsets into CPUX86State (destination, sources a, b, c) of
 *         32-byte vector slots: env->vec[i], env->vec_tmp (a memory operand the
 *         translator has already loaded, or a result it will store), or an MMX
 *         register (env->fpregs[i].mant, of which 8 bytes count);
 *   ctl:  the imm8 and the operation's shape (SSE_CTL_*).
 * Sources are copied in, the result is built aside and written last, so that an
 * instruction that raises (#XM) leaves every register as it was. Semantics that
 * depend on MXCSR (rounding, DAZ/FTZ, exception flags) are computed by the same
 * instruction on the host with the guest's MXCSR loaded (sse_helper_fp.c).
 */
#ifndef PACIFICA_CPU_X86_SSE_HELPER_H
#define PACIFICA_CPU_X86_SSE_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "tcg/tcg.h"

/* ---- argument encoding ---- */

#define SSE_CTL_IMM_MASK    0xffu
#define SSE_CTL_SIZE_SHIFT  8          /* operation size in bytes: 8 (MMX), 16 or 32 */
#define SSE_CTL_VEX         (1u << 16) /* VEX-encoded: zero the destination above its size */
#define SSE_CTL_MMX_DST     (1u << 17) /* the destination is an MMX register */
#define SSE_CTL_B_MEM       (1u << 18) /* source b came from memory (INSERTPS) */
#define SSE_CTL_L256        (1u << 19) /* VEX.L = 1 */
#define SSE_CTL_REX_W       (1u << 20) /* REX.W / VEX.W: 64-bit integer operand */
#define SSE_CTL_IMM_COUNT   (1u << 21) /* shifts: the count is the imm8, not source b */
#define SSE_CTL_CODE64      (1u << 22) /* 64-bit mode (FXSAVE layout, gathers) */
#define SSE_CTL_ADDR_SHIFT  24         /* gathers: address size in bytes */
#define SSE_CTL_SCALE_SHIFT 28         /* gathers: SIB scale (0..3) */

/* The imm8 field of ctl for helper_vfma (FMA has no imm8 of its own): which operands
 * multiply (SDM Vol 2A VFMADD132PS: 132, 213 or 231), the element size, packed or
 * scalar, and the operation. */
#define SSE_FMA_ORDER_MASK 3u /* 0: 132, 1: 213, 2: 231 */
#define SSE_FMA_DOUBLE     4u
#define SSE_FMA_SCALAR     8u
#define SSE_FMA_KIND_SHIFT 4
enum { SSE_FMA_MADD, SSE_FMA_MSUB, SSE_FMA_NMADD, SSE_FMA_NMSUB, SSE_FMA_MADDSUB, SSE_FMA_MSUBADD };

static inline uint64_t sse_regs(unsigned d, unsigned a, unsigned b, unsigned c)
{
    return (uint64_t)d | (uint64_t)a << 16 | (uint64_t)b << 32 | (uint64_t)c << 48;
}

static inline unsigned sse_vec_offset(unsigned reg)
{
    return (unsigned)(offsetof(CPUX86State, vec) + reg * sizeof(X86Vec));
}

static inline unsigned sse_mmx_offset(unsigned reg)
{
    return (unsigned)(offsetof(CPUX86State, fpregs) + (reg & 7) * sizeof(X87Reg) +
                      offsetof(X87Reg, mant));
}

#define SSE_TMP_OFFSET ((unsigned)offsetof(CPUX86State, vec_tmp))

/* MXCSR (SDM Vol 1 §10.2.3) */
#define MXCSR_IE        0x0001u
#define MXCSR_DE        0x0002u
#define MXCSR_ZE        0x0004u
#define MXCSR_OE        0x0008u
#define MXCSR_UE        0x0010u
#define MXCSR_PE        0x0020u
#define MXCSR_FLAGS     0x003fu
#define MXCSR_DAZ       0x0040u
#define MXCSR_MASKS     0x1f80u
#define MXCSR_UM        0x0800u
#define MXCSR_RC_SHIFT  13
#define MXCSR_RC        0x6000u
#define MXCSR_FTZ       0x8000u
#define MXCSR_MASK_BITS 0xffffu /* MXCSR_MASK of FXSAVE: every defined bit, DAZ included */

/* XCR0 state components (SDM Vol 1 §13.1); spelled as in cpuid.h so that both headers
 * can be included together. */
#define XSTATE_X87       (1u << 0)
#define XSTATE_SSE       (1u << 1)
#define XSTATE_AVX       (1u << 2)
#define XSTATE_SUPPORTED (XSTATE_X87 | XSTATE_SSE | XSTATE_AVX)
#define XSAVE_AREA_SIZE  832 /* legacy region, header, AVX (SDM Vol 1 §13.4) */
#define XSAVE_AVX_OFFSET 576

/* ---- helper lists ---- */

/* Flags of helpers that touch only vector/x87 state (no TCG globals). */
#define SSE_CALL_PURE  (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE)
#define SSE_CALL_RAISE (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)

/* clang-format off */
/* Vector ops without MXCSR: void helper_NAME(env, regs, ctl). Each list calls X(A, name). */
#define SSE_INT_OPS(X, A) \
    X(A, paddb) X(A, paddw) X(A, paddd) X(A, paddq) X(A, psubb) X(A, psubw) X(A, psubd) \
    X(A, psubq) X(A, paddsb) X(A, paddsw) X(A, paddusb) X(A, paddusw) X(A, psubsb) \
    X(A, psubsw) X(A, psubusb) X(A, psubusw) X(A, pmullw) X(A, pmulhw) X(A, pmulhuw) \
    X(A, pmuludq) X(A, pmuldq) X(A, pmulld) X(A, pmulhrsw) X(A, pmaddwd) X(A, pmaddubsw) \
    X(A, psadbw) X(A, mpsadbw) X(A, pand) X(A, pandn) X(A, por) X(A, pxor) X(A, pcmpeqb) \
    X(A, pcmpeqw) X(A, pcmpeqd) X(A, pcmpeqq) X(A, pcmpgtb) X(A, pcmpgtw) X(A, pcmpgtd) \
    X(A, pcmpgtq) X(A, pminub) X(A, pminuw) X(A, pminud) X(A, pminsb) X(A, pminsw) \
    X(A, pminsd) X(A, pmaxub) X(A, pmaxuw) X(A, pmaxud) X(A, pmaxsb) X(A, pmaxsw) \
    X(A, pmaxsd) X(A, pavgb) X(A, pavgw) X(A, pabsb) X(A, pabsw) X(A, pabsd) X(A, psignb) \
    X(A, psignw) X(A, psignd) X(A, packsswb) X(A, packssdw) X(A, packuswb) X(A, packusdw) \
    X(A, punpcklbw) X(A, punpcklwd) X(A, punpckldq) X(A, punpcklqdq) X(A, punpckhbw) \
    X(A, punpckhwd) X(A, punpckhdq) X(A, punpckhqdq) X(A, pshufb) X(A, pshufd) \
    X(A, pshufhw) X(A, pshuflw) X(A, pshufw) X(A, palignr) X(A, phaddw) X(A, phaddd) \
    X(A, phaddsw) X(A, phsubw) X(A, phsubd) X(A, phsubsw) X(A, psllw) X(A, pslld) \
    X(A, psllq) X(A, psrlw) X(A, psrld) X(A, psrlq) X(A, psraw) X(A, psrad) X(A, pslldq) \
    X(A, psrldq) X(A, vpsllvd) X(A, vpsllvq) X(A, vpsrlvd) X(A, vpsrlvq) X(A, vpsravd) \
    X(A, pblendw) X(A, blendps) X(A, blendpd) X(A, vpblendd) X(A, pblendvb) X(A, blendvps) \
    X(A, blendvpd) X(A, shufps) X(A, shufpd) X(A, pmovsxbw) X(A, pmovsxbd) X(A, pmovsxbq) \
    X(A, pmovsxwd) X(A, pmovsxwq) X(A, pmovsxdq) X(A, pmovzxbw) X(A, pmovzxbd) \
    X(A, pmovzxbq) X(A, pmovzxwd) X(A, pmovzxwq) X(A, pmovzxdq) X(A, phminposuw) \
    X(A, movsldup) X(A, movshdup) X(A, movddup) X(A, movss_merge) X(A, movsd_merge) \
    X(A, movhps_merge) X(A, movhlps) X(A, insertps) X(A, vpermilps) X(A, vpermilps_imm) \
    X(A, vpermilpd) X(A, vpermilpd_imm) X(A, vpermd) X(A, vpermq) X(A, vperm2f128) \
    X(A, vinsertf128) X(A, vextractf128) X(A, vbroadcast8) X(A, vbroadcast16) \
    X(A, vbroadcast32) X(A, vbroadcast64) X(A, vbroadcast128) X(A, pclmulqdq) X(A, aesenc) \
    X(A, aesenclast) X(A, aesdec) X(A, aesdeclast) X(A, aesimc) X(A, aeskeygenassist) \
    X(A, sha1rnds4) X(A, sha1nexte) X(A, sha1msg1) X(A, sha1msg2) X(A, sha256rnds2) \
    X(A, sha256msg1) X(A, sha256msg2)

/* Vector ops that depend on MXCSR and may raise #XM: void helper_NAME(env, regs, ctl). */
#define SSE_FP_OPS(X, A) \
    X(A, addps) X(A, addpd) X(A, addss) X(A, addsd) X(A, subps) X(A, subpd) X(A, subss) \
    X(A, subsd) X(A, mulps) X(A, mulpd) X(A, mulss) X(A, mulsd) X(A, divps) X(A, divpd) \
    X(A, divss) X(A, divsd) X(A, minps) X(A, minpd) X(A, minss) X(A, minsd) X(A, maxps) \
    X(A, maxpd) X(A, maxss) X(A, maxsd) X(A, sqrtps) X(A, sqrtpd) X(A, sqrtss) X(A, sqrtsd) \
    X(A, rcpps) X(A, rcpss) X(A, rsqrtps) X(A, rsqrtss) X(A, haddps) X(A, haddpd) \
    X(A, hsubps) X(A, hsubpd) X(A, addsubps) X(A, addsubpd) X(A, cmpps) X(A, cmppd) \
    X(A, cmpss) X(A, cmpsd) X(A, roundps) X(A, roundpd) X(A, roundss) X(A, roundsd) \
    X(A, dpps) X(A, dppd) X(A, cvtps2pd) X(A, cvtpd2ps) X(A, cvtss2sd) X(A, cvtsd2ss) \
    X(A, cvtdq2ps) X(A, cvtps2dq) X(A, cvttps2dq) X(A, cvtdq2pd) X(A, cvtpd2dq) \
    X(A, cvttpd2dq) X(A, cvtpi2ps) X(A, cvtpi2pd) X(A, cvtps2pi) X(A, cvttps2pi) \
    X(A, cvtpd2pi) X(A, cvttpd2pi) X(A, vcvtph2ps) X(A, vcvtps2ph) X(A, vfma)

/* Ops returning a general-register or EFLAGS value: uint64_t helper_NAME(env, regs, ctl).
 * The FP ones may raise. */
#define SSE_RET_INT_OPS(X, A) \
    X(A, pmovmskb) X(A, movmskps) X(A, movmskpd) X(A, ptest) X(A, vtestps) X(A, vtestpd)
#define SSE_RET_FP_OPS(X, A) \
    X(A, cvtss2si) X(A, cvttss2si) X(A, cvtsd2si) X(A, cvttsd2si) X(A, comiss) X(A, ucomiss) \
    X(A, comisd) X(A, ucomisd)
/* clang-format on */

#define SSE_HELPER_ROW_INT(H, name)     H(name, 3, 0, SSE_CALL_PURE)
#define SSE_HELPER_ROW_FP(H, name)      H(name, 3, 0, SSE_CALL_RAISE)
#define SSE_HELPER_ROW_RET_INT(H, name) H(name, 3, 1, SSE_CALL_PURE)
#define SSE_HELPER_ROW_RET_FP(H, name)  H(name, 3, 1, SSE_CALL_RAISE)

/* Every helper of the vector unit, in the X86_HELPERS shape (helper.h). */
#define SSE_HELPERS(H)                                                                             \
    SSE_INT_OPS(SSE_HELPER_ROW_INT, H)                                                             \
    SSE_FP_OPS(SSE_HELPER_ROW_FP, H)                                                               \
    SSE_RET_INT_OPS(SSE_HELPER_ROW_RET_INT, H)                                                     \
    SSE_RET_FP_OPS(SSE_HELPER_ROW_RET_FP, H)                                                       \
    H(cvtsi2ss, 4, 0, SSE_CALL_RAISE)                                                              \
    H(cvtsi2sd, 4, 0, SSE_CALL_RAISE)                                                              \
    H(pcmpestri, 5, 1, SSE_CALL_PURE)                                                              \
    H(pcmpestrm, 5, 1, SSE_CALL_PURE)                                                              \
    H(pcmpistri, 5, 1, SSE_CALL_PURE)                                                              \
    H(pcmpistrm, 5, 1, SSE_CALL_PURE)                                                              \
    H(mmx_enter, 1, 0, SSE_CALL_RAISE)                                                             \
    H(emms, 1, 0, SSE_CALL_RAISE)                                                                  \
    H(sse_check_align, 3, 0, SSE_CALL_RAISE)                                                       \
    H(sse_probe_write, 3, 0, SSE_CALL_RAISE)                                                       \
    H(maskmov, 4, 0, SSE_CALL_RAISE)                                                               \
    H(vmaskmov_load, 4, 0, SSE_CALL_RAISE)                                                         \
    H(vmaskmov_store, 4, 0, SSE_CALL_RAISE)                                                        \
    H(vgather, 5, 0, SSE_CALL_RAISE)                                                               \
    H(ldmxcsr, 2, 0, SSE_CALL_RAISE)                                                               \
    H(fxsave, 3, 0, SSE_CALL_RAISE)                                                                \
    H(fxrstor, 3, 0, SSE_CALL_RAISE)                                                               \
    H(xsave, 4, 0, SSE_CALL_RAISE)                                                                 \
    H(xsaveopt, 4, 0, SSE_CALL_RAISE)                                                              \
    H(xrstor, 4, 0, SSE_CALL_RAISE)                                                                \
    H(xgetbv, 2, 1, SSE_CALL_RAISE)                                                                \
    H(xsetbv, 3, 0, SSE_CALL_RAISE)

SSE_HELPERS(X86_DECLARE_HELPER_INFO)

#define SSE_DECLARE_VOID(unused, name)                                                             \
    void helper_##name(CPUX86State *env, uint64_t regs, uint64_t ctl);
#define SSE_DECLARE_RET(unused, name)                                                              \
    uint64_t helper_##name(CPUX86State *env, uint64_t regs, uint64_t ctl);
SSE_INT_OPS(SSE_DECLARE_VOID, _)
SSE_FP_OPS(SSE_DECLARE_VOID, _)
SSE_RET_INT_OPS(SSE_DECLARE_RET, _)
SSE_RET_FP_OPS(SSE_DECLARE_RET, _)
#undef SSE_DECLARE_VOID
#undef SSE_DECLARE_RET

/* Converts val (REX.W: 64-bit, else 32-bit signed) into element 0 of the result. */
void helper_cvtsi2ss(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t val);
void helper_cvtsi2sd(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t val);
/* SSE4.2 string compares: a = xmm1, b = xmm2/m128; rax/rdx give the explicit lengths.
 * Returns the arithmetic flags in bits 0..11 and, for the I forms, the index in bits
 * 32..63; the M forms write XMM0 (the destination offset in regs). */
uint64_t helper_pcmpestri(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax,
                          uint64_t rdx);
uint64_t helper_pcmpestrm(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax,
                          uint64_t rdx);
uint64_t helper_pcmpistri(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax,
                          uint64_t rdx);
uint64_t helper_pcmpistrm(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax,
                          uint64_t rdx);
/* The x87 -> MMX transition (SDM Vol 1 §9.5.1): #MF if an x87 exception is pending,
 * then TOP = 0 and every tag valid. EMMS sets TOP = 0 and empties every tag. */
void helper_mmx_enter(CPUX86State *env);
void helper_emms(CPUX86State *env);
/* #GP(0) unless (addr & mask) == 0: the alignment of 16/32-byte operands. */
void helper_sse_check_align(CPUX86State *env, uint64_t addr, uint64_t mask);
/* Faults now if a store of (ctl & 0xffff) bytes at linear addr would (SSE_CTL_CODE64:
 * no 32-bit wrap), so that an instruction can change state and then store. */
void helper_sse_probe_write(CPUX86State *env, uint64_t addr, uint64_t ctl);
void sse_probe_write(CPUX86State *env, uint64_t addr, unsigned size, bool code64);
/* MASKMOVQ/MASKMOVDQU: bytes of a selected by b's sign bits go to linear addr. */
void helper_maskmov(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t addr);
/* VMASKMOV / VPMASKMOV (element size from ctl REX_W bit: 8 if set, else 4): loads to
 * the destination, or stores source c, the elements whose mask (a) sign bit is set. */
void helper_vmaskmov_load(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t addr);
void helper_vmaskmov_store(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t addr);
/* AVX2 gathers. regs: d = destination, a = mask, b = index vector; ctl: imm holds the
 * kind (index 64-bit in bit 0, element 64-bit in bit 1), address size and scale.
 * base = base register + displacement, seg_base = the segment's base. */
void helper_vgather(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t base,
                    uint64_t seg_base);

/* xsave.c */
void helper_ldmxcsr(CPUX86State *env, uint64_t val);
void helper_fxsave(CPUX86State *env, uint64_t addr, uint64_t ctl);
void helper_fxrstor(CPUX86State *env, uint64_t addr, uint64_t ctl);
void helper_xsave(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl);
void helper_xsaveopt(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl);
void helper_xrstor(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl);
uint64_t helper_xgetbv(CPUX86State *env, uint64_t ecx);
void helper_xsetbv(CPUX86State *env, uint64_t ecx, uint64_t val);

/* ---- the frame of a vector helper (sse_helper.c) ---- */

typedef struct VecCtx {
    CPUX86State *env;
    X86Vec r;       /* the result, written to the destination at the end */
    X86Vec a, b, c; /* sources */
    uint32_t ctl;
    unsigned imm;
    unsigned oprsz;    /* 8, 16 or 32 bytes */
    unsigned wsz;      /* bytes of the destination written (default oprsz) */
    uint64_t val;      /* a general-register operand (CVTSI2SS/CVTSI2SD) */
    bool fp;           /* MXCSR-dependent: fp_flags are applied before the write */
    uint32_t fp_flags; /* the flags the operation raised */
} VecCtx;

typedef void VecOpFn(VecCtx *c);

/* Loads the sources, runs fn, applies MXCSR (may raise), writes the destination. */
void sse_vec_run(CPUX86State *env, uint64_t regs, uint64_t ctl, VecOpFn *fn);
/* The same with a general-register operand in c->val. */
void sse_vec_run_val(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t val, VecOpFn *fn);
/* The same without a destination: fn's result value is returned (r.q[0]). */
uint64_t sse_vec_run_ret(CPUX86State *env, uint64_t regs, uint64_t ctl, VecOpFn *fn);
/* MXCSR of a host run for the guest's MXCSR: flags clear, every exception masked, the
 * guest's rounding, DAZ and FTZ (FTZ off when underflow is unmasked, so that a tiny
 * result stays visible). */
uint32_t sse_host_mxcsr(uint32_t guest_mxcsr);
/* A nonzero denormal among the first count elements (esz = 2, 4 or 8 bytes) of v: an
 * exact tiny result, which raises underflow only when underflow is unmasked (SDM
 * Vol 1 §4.9.1.5); inexact tiny results are flagged by the host already. */
bool sse_has_tiny(const X86Vec *v, unsigned esz, unsigned count);
/* A finite float (esz = 2, 4 or 8 bytes) as sig * 2^exp, for exactness checks with an
 * unbounded exponent; zero also for a denormal under DAZ. */
typedef struct SseUnpacked {
    bool zero;
    bool neg;
    int64_t exp;
    uint64_t sig;
} SseUnpacked;
SseUnpacked sse_unpack(uint64_t bits, unsigned esz, bool daz);
/* Bits from the highest to the lowest set bit of v (v != 0). */
unsigned sse_significant_bits(unsigned __int128 v);
/* Applies the flags of an FP operation to MXCSR: with an unmasked exception, sets the
 * flags the SDM says (Vol 1 §11.5.3.2) and raises #XM (or #UD without
 * CR4.OSXMMEXCPT); otherwise ORs them in. */
void sse_fp_commit(CPUX86State *env, uint32_t flags);
/* Sets the flags in MXCSR and raises #XM (#UD without CR4.OSXMMEXCPT). */
_Noreturn void sse_fp_raise(CPUX86State *env, uint32_t flags);

#define SSE_DEFINE_OP(name)                                                                        \
    void helper_##name(CPUX86State *env, uint64_t regs, uint64_t ctl)                              \
    {                                                                                              \
        sse_vec_run(env, regs, ctl, op_##name);                                                    \
    }
#define SSE_DEFINE_RET(name)                                                                       \
    uint64_t helper_##name(CPUX86State *env, uint64_t regs, uint64_t ctl)                          \
    {                                                                                              \
        return sse_vec_run_ret(env, regs, ctl, op_##name);                                         \
    }

#endif
