/* Integer and bitwise vector operations of MMX, SSE2, SSSE3, SSE4.1 and AVX2 (SDM
 * Vol 1 chapters 9, 11, 12 and 14; Vol 2 instruction pages). None of them depends on
 * MXCSR. Each works on oprsz bytes (8 for MMX, 16 for XMM, 32 for YMM); operations
 * the SDM defines per 128-bit lane loop over the lanes (an MMX register is one
 * 8-byte lane). Sources: a = first (the destination for legacy two-operand forms,
 * VEX.vvvv otherwise), b = second; unary ops read their source in a. */
#include <string.h>

#include "cpu/x86/sse_helper.h"

/* ---- saturation ---- */

static int8_t sat_s8(int v)
{
    return v > INT8_MAX ? INT8_MAX : v < INT8_MIN ? INT8_MIN : (int8_t)v;
}

static uint8_t sat_u8(int v)
{
    return v > UINT8_MAX ? UINT8_MAX : v < 0 ? 0 : (uint8_t)v;
}

static int16_t sat_s16(int32_t v)
{
    return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

static uint16_t sat_u16(int32_t v)
{
    return v > UINT16_MAX ? UINT16_MAX : v < 0 ? 0 : (uint16_t)v;
}

/* The lane size: 8 bytes for MMX, 16 for XMM/YMM. */
static unsigned lane_bytes(const VecCtx *c)
{
    return c->oprsz < 16 ? c->oprsz : 16;
}

/* ---- element-wise operations ---- */

/* r.F[i] = EXPR for each element, with x = (T)a.F[i] and y = (T)b.F[i]. */
#define ELEMENTWISE(name, F, T, EXPR)                                                              \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        for (unsigned i = 0; i < c->oprsz / sizeof(c->r.F[0]); i++) {                              \
            T x = (T)c->a.F[i], y = (T)c->b.F[i];                                                  \
            (void)y;                                                                               \
            c->r.F[i] = (EXPR);                                                                    \
        }                                                                                          \
    }                                                                                              \
    SSE_DEFINE_OP(name)

/* SDM Vol 2B PADDB/PSUBB & co.: wrapping, signed-saturating and unsigned-saturating. */
ELEMENTWISE(paddb, b, uint8_t, (uint8_t)(x + y))
ELEMENTWISE(paddw, w, uint16_t, (uint16_t)(x + y))
ELEMENTWISE(paddd, l, uint32_t, x + y)
ELEMENTWISE(paddq, q, uint64_t, x + y)
ELEMENTWISE(psubb, b, uint8_t, (uint8_t)(x - y))
ELEMENTWISE(psubw, w, uint16_t, (uint16_t)(x - y))
ELEMENTWISE(psubd, l, uint32_t, x - y)
ELEMENTWISE(psubq, q, uint64_t, x - y)
ELEMENTWISE(paddsb, b, int8_t, (uint8_t)sat_s8(x + y))
ELEMENTWISE(paddsw, w, int16_t, (uint16_t)sat_s16(x + y))
ELEMENTWISE(paddusb, b, uint8_t, sat_u8(x + y))
ELEMENTWISE(paddusw, w, uint16_t, sat_u16(x + y))
ELEMENTWISE(psubsb, b, int8_t, (uint8_t)sat_s8(x - y))
ELEMENTWISE(psubsw, w, int16_t, (uint16_t)sat_s16(x - y))
ELEMENTWISE(psubusb, b, uint8_t, sat_u8(x - y))
ELEMENTWISE(psubusw, w, uint16_t, sat_u16(x - y))

/* Multiplies (PMULLW, PMULHW, PMULHUW, PMULLD, PMULHRSW). */
ELEMENTWISE(pmullw, w, uint32_t, (uint16_t)(x *y))
ELEMENTWISE(pmulhw, w, int16_t, (uint16_t)(((int32_t)x * y) >> 16))
ELEMENTWISE(pmulhuw, w, uint16_t, (uint16_t)(((uint32_t)x * y) >> 16))
ELEMENTWISE(pmulld, l, int64_t, (uint32_t)(x *y))
/* SSSE3 PMULHRSW: bits 16:1 of the rounded 32-bit product, ((x*y >> 14) + 1) >> 1. */
ELEMENTWISE(pmulhrsw, w, int16_t, (uint16_t)(((((int32_t)x * y) >> 14) + 1) >> 1))

/* Bitwise (PAND, PANDN, POR, PXOR; also ANDPS/ANDNPS/ORPS/XORPS and the PD forms). */
ELEMENTWISE(pand, q, uint64_t, x &y)
ELEMENTWISE(pandn, q, uint64_t, ~x &y)
ELEMENTWISE(por, q, uint64_t, x | y)
ELEMENTWISE(pxor, q, uint64_t, x ^ y)

/* Compares: all ones where true. */
ELEMENTWISE(pcmpeqb, b, uint8_t, x == y ? 0xff : 0)
ELEMENTWISE(pcmpeqw, w, uint16_t, x == y ? 0xffff : 0)
ELEMENTWISE(pcmpeqd, l, uint32_t, x == y ? ~0u : 0)
ELEMENTWISE(pcmpeqq, q, uint64_t, x == y ? ~0ull : 0)
ELEMENTWISE(pcmpgtb, b, int8_t, x > y ? 0xff : 0)
ELEMENTWISE(pcmpgtw, w, int16_t, x > y ? 0xffff : 0)
ELEMENTWISE(pcmpgtd, l, int32_t, x > y ? ~0u : 0)
ELEMENTWISE(pcmpgtq, q, int64_t, x > y ? ~0ull : 0)

/* Minimum and maximum. */
ELEMENTWISE(pminub, b, uint8_t, x < y ? x : y)
ELEMENTWISE(pminuw, w, uint16_t, x < y ? x : y)
ELEMENTWISE(pminud, l, uint32_t, x < y ? x : y)
ELEMENTWISE(pminsb, b, int8_t, (uint8_t)(x < y ? x : y))
ELEMENTWISE(pminsw, w, int16_t, (uint16_t)(x < y ? x : y))
ELEMENTWISE(pminsd, l, int32_t, (uint32_t)(x < y ? x : y))
ELEMENTWISE(pmaxub, b, uint8_t, x > y ? x : y)
ELEMENTWISE(pmaxuw, w, uint16_t, x > y ? x : y)
ELEMENTWISE(pmaxud, l, uint32_t, x > y ? x : y)
ELEMENTWISE(pmaxsb, b, int8_t, (uint8_t)(x > y ? x : y))
ELEMENTWISE(pmaxsw, w, int16_t, (uint16_t)(x > y ? x : y))
ELEMENTWISE(pmaxsd, l, int32_t, (uint32_t)(x > y ? x : y))

/* Rounded averages (PAVGB/PAVGW): (x + y + 1) >> 1 without overflow. */
ELEMENTWISE(pavgb, b, uint32_t, (uint8_t)((x + y + 1) >> 1))
ELEMENTWISE(pavgw, w, uint32_t, (uint16_t)((x + y + 1) >> 1))

/* SSSE3 PABS (unary: source in a) and PSIGN (negate, zero or keep a by b's sign). */
ELEMENTWISE(pabsb, b, int8_t, (uint8_t)(x < 0 ? -x : x))
ELEMENTWISE(pabsw, w, int16_t, (uint16_t)(x < 0 ? -x : x))
ELEMENTWISE(pabsd, l, int32_t, x < 0 ? -(uint32_t)x : (uint32_t)x)
ELEMENTWISE(psignb, b, int8_t, (uint8_t)(y < 0 ? -x : y == 0 ? 0 : x))
ELEMENTWISE(psignw, w, int16_t, (uint16_t)(y < 0 ? -x : y == 0 ? 0 : x))
ELEMENTWISE(psignd, l, int32_t, y < 0 ? -(uint32_t)x : y == 0 ? 0 : (uint32_t)x)

/* AVX2 per-element shifts: counts beyond the width give 0 (or the sign for VPSRAVD). */
ELEMENTWISE(vpsllvd, l, uint32_t, y > 31 ? 0 : x << y)
ELEMENTWISE(vpsllvq, q, uint64_t, y > 63 ? 0 : x << y)
ELEMENTWISE(vpsrlvd, l, uint32_t, y > 31 ? 0 : x >> y)
ELEMENTWISE(vpsrlvq, q, uint64_t, y > 63 ? 0 : x >> y)
ELEMENTWISE(vpsravd, l, uint32_t, (uint32_t)((int32_t)x >> (y > 31 ? 31 : y)))

/* PMULUDQ / PMULDQ: the even doublewords, full 64-bit products. */
static void op_pmuludq(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++)
        c->r.q[i] = (uint64_t)c->a.l[2 * i] * c->b.l[2 * i];
}
SSE_DEFINE_OP(pmuludq)

static void op_pmuldq(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++)
        c->r.q[i] = (uint64_t)((int64_t)(int32_t)c->a.l[2 * i] * (int32_t)c->b.l[2 * i]);
}
SSE_DEFINE_OP(pmuldq)

/* PMADDWD: pairs of signed word products added into doublewords. */
static void op_pmaddwd(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 4; i++) {
        int32_t p0 = (int32_t)(int16_t)c->a.w[2 * i] * (int16_t)c->b.w[2 * i];
        int32_t p1 = (int32_t)(int16_t)c->a.w[2 * i + 1] * (int16_t)c->b.w[2 * i + 1];
        c->r.l[i] = (uint32_t)p0 + (uint32_t)p1; /* 0x8000*0x8000*2 wraps, as hardware */
    }
}
SSE_DEFINE_OP(pmaddwd)

/* SSSE3 PMADDUBSW: unsigned bytes of a times signed bytes of b, pairs added with
 * signed saturation. */
static void op_pmaddubsw(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 2; i++) {
        int32_t p0 = (int32_t)c->a.b[2 * i] * (int8_t)c->b.b[2 * i];
        int32_t p1 = (int32_t)c->a.b[2 * i + 1] * (int8_t)c->b.b[2 * i + 1];
        c->r.w[i] = (uint16_t)sat_s16(p0 + p1);
    }
}
SSE_DEFINE_OP(pmaddubsw)

/* PSADBW: per 8 bytes, the sum of absolute differences in the low word. */
static void op_psadbw(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 8; j++) {
            int d = (int)c->a.b[8 * i + j] - (int)c->b.b[8 * i + j];
            sum += (unsigned)(d < 0 ? -d : d);
        }
        c->r.q[i] = sum;
    }
}
SSE_DEFINE_OP(psadbw)

/* SSE4.1 MPSADBW: per lane, eight sums of absolute differences between a 4-byte block
 * of b (imm[1:0]) and sliding 4-byte windows of a starting at imm[2] * 4; the upper
 * lane of VEX.256 uses imm[4:3] and imm[5]. */
static void op_mpsadbw(VecCtx *c)
{
    for (unsigned lane = 0; lane < c->oprsz / 16; lane++) {
        unsigned ctl = c->imm >> (3 * lane);
        const uint8_t *a = &c->a.b[16 * lane + ((ctl >> 2) & 1) * 4];
        const uint8_t *b = &c->b.b[16 * lane + (ctl & 3) * 4];
        for (unsigned i = 0; i < 8; i++) {
            unsigned sum = 0;
            for (unsigned j = 0; j < 4; j++) {
                int d = (int)a[i + j] - (int)b[j];
                sum += (unsigned)(d < 0 ? -d : d);
            }
            c->r.w[8 * lane + i] = (uint16_t)sum;
        }
    }
}
SSE_DEFINE_OP(mpsadbw)

/* ---- shifts ---- */

/* The count of PSLL/PSRL/PSRA: the imm8, or the low 64 bits of source b. */
static uint64_t shift_count(const VecCtx *c)
{
    return (c->ctl & SSE_CTL_IMM_COUNT) ? c->imm : c->b.q[0];
}

#define SHIFT_OP(name, F, bits, EXPR_IN, EXPR_OUT)                                                 \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        uint64_t n = shift_count(c);                                                               \
        for (unsigned i = 0; i < c->oprsz / sizeof(c->r.F[0]); i++)                                \
            c->r.F[i] = n > (bits)-1 ? (EXPR_OUT) : (EXPR_IN);                                     \
    }                                                                                              \
    SSE_DEFINE_OP(name)

/* SDM Vol 2B PSLLW/PSRLW/PSRAW & co.: counts above the width clear the element (or fill
 * it with the sign for arithmetic shifts). */
SHIFT_OP(psllw, w, 16, (uint16_t)(c->a.w[i] << n), 0)
SHIFT_OP(pslld, l, 32, c->a.l[i] << n, 0)
SHIFT_OP(psllq, q, 64, c->a.q[i] << n, 0)
SHIFT_OP(psrlw, w, 16, (uint16_t)(c->a.w[i] >> n), 0)
SHIFT_OP(psrld, l, 32, c->a.l[i] >> n, 0)
SHIFT_OP(psrlq, q, 64, c->a.q[i] >> n, 0)
SHIFT_OP(psraw, w, 16, (uint16_t)((int16_t)c->a.w[i] >> n), (uint16_t)((int16_t)c->a.w[i] >> 15))
SHIFT_OP(psrad, l, 32, (uint32_t)((int32_t)c->a.l[i] >> n), (uint32_t)((int32_t)c->a.l[i] >> 31))

/* PSLLDQ/PSRLDQ: byte shifts of each 128-bit lane by imm8 (more than 15 clears). */
static void op_pslldq(VecCtx *c)
{
    unsigned n = c->imm;
    for (unsigned lane = 0; lane < c->oprsz; lane += 16)
        for (unsigned i = 0; i < 16; i++)
            c->r.b[lane + i] = (n <= i) ? c->a.b[lane + i - n] : 0;
}
SSE_DEFINE_OP(pslldq)

static void op_psrldq(VecCtx *c)
{
    unsigned n = c->imm;
    for (unsigned lane = 0; lane < c->oprsz; lane += 16)
        for (unsigned i = 0; i < 16; i++)
            c->r.b[lane + i] = (i + n < 16) ? c->a.b[lane + i + n] : 0;
}
SSE_DEFINE_OP(psrldq)

/* ---- packs and unpacks (per lane) ---- */

/* PACKSSWB/PACKUSWB: a lane's words of a then of b, saturated to bytes. */
static void pack_words(VecCtx *c, bool is_unsigned)
{
    unsigned lb = lane_bytes(c), half = lb / 2;
    for (unsigned lane = 0; lane < c->oprsz; lane += lb) {
        for (unsigned i = 0; i < lb; i++) {
            const X86Vec *src = i < half ? &c->a : &c->b;
            int16_t v = (int16_t)src->w[lane / 2 + (i % half)];
            c->r.b[lane + i] = is_unsigned ? sat_u8(v) : (uint8_t)sat_s8(v);
        }
    }
}

static void op_packsswb(VecCtx *c)
{
    pack_words(c, false);
}
SSE_DEFINE_OP(packsswb)

static void op_packuswb(VecCtx *c)
{
    pack_words(c, true);
}
SSE_DEFINE_OP(packuswb)

/* PACKSSDW / PACKUSDW: doublewords to words. */
static void pack_dwords(VecCtx *c, bool is_unsigned)
{
    unsigned lb = lane_bytes(c), nw = lb / 2, half = nw / 2;
    for (unsigned lane = 0; lane < c->oprsz; lane += lb) {
        for (unsigned i = 0; i < nw; i++) {
            const X86Vec *src = i < half ? &c->a : &c->b;
            int32_t v = (int32_t)src->l[lane / 4 + (i % half)];
            c->r.w[lane / 2 + i] = is_unsigned ? sat_u16(v) : (uint16_t)sat_s16(v);
        }
    }
}

static void op_packssdw(VecCtx *c)
{
    pack_dwords(c, false);
}
SSE_DEFINE_OP(packssdw)

static void op_packusdw(VecCtx *c)
{
    pack_dwords(c, true);
}
SSE_DEFINE_OP(packusdw)

/* PUNPCKLxx / PUNPCKHxx (and UNPCKLPS/UNPCKHPS/UNPCKLPD/UNPCKHPD): interleave the
 * low (or high) halves of each lane of a and b, esz-byte elements. */
static void unpack(VecCtx *c, unsigned esz, bool high)
{
    unsigned lb = lane_bytes(c), half = lb / 2;
    for (unsigned lane = 0; lane < c->oprsz; lane += lb) {
        unsigned from = lane + (high ? half : 0);
        for (unsigned i = 0; i < half / esz; i++) {
            memcpy(&c->r.b[lane + 2 * i * esz], &c->a.b[from + i * esz], esz);
            memcpy(&c->r.b[lane + (2 * i + 1) * esz], &c->b.b[from + i * esz], esz);
        }
    }
}

#define UNPACK_OP(name, esz, high)                                                                 \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        unpack(c, esz, high);                                                                      \
    }                                                                                              \
    SSE_DEFINE_OP(name)

UNPACK_OP(punpcklbw, 1, false)
UNPACK_OP(punpcklwd, 2, false)
UNPACK_OP(punpckldq, 4, false)
UNPACK_OP(punpcklqdq, 8, false)
UNPACK_OP(punpckhbw, 1, true)
UNPACK_OP(punpckhwd, 2, true)
UNPACK_OP(punpckhdq, 4, true)
UNPACK_OP(punpckhqdq, 8, true)

/* ---- shuffles ---- */

/* SSSE3 PSHUFB: each byte picks a byte of its lane of a by b's low bits, or is zeroed
 * when b's byte has bit 7 set. */
static void op_pshufb(VecCtx *c)
{
    unsigned lb = lane_bytes(c);
    for (unsigned lane = 0; lane < c->oprsz; lane += lb)
        for (unsigned i = 0; i < lb; i++) {
            uint8_t sel = c->b.b[lane + i];
            c->r.b[lane + i] = (sel & 0x80) ? 0 : c->a.b[lane + (sel & (lb - 1))];
        }
}
SSE_DEFINE_OP(pshufb)

/* PSHUFD (per lane), PSHUFHW/PSHUFLW (one half of each lane, the other copied), and
 * MMX PSHUFW: two imm8 bits choose each element. */
static void op_pshufd(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 4; i++)
        c->r.l[i] = c->a.l[(i & ~3u) + ((c->imm >> (2 * (i & 3))) & 3)];
}
SSE_DEFINE_OP(pshufd)

static void pshuf_words(VecCtx *c, unsigned first)
{
    c->r = c->a;
    for (unsigned lane = 0; lane < c->oprsz / 2; lane += 8)
        for (unsigned i = 0; i < 4; i++)
            c->r.w[lane + first + i] = c->a.w[lane + first + ((c->imm >> (2 * i)) & 3)];
}

static void op_pshufhw(VecCtx *c)
{
    pshuf_words(c, 4);
}
SSE_DEFINE_OP(pshufhw)

static void op_pshuflw(VecCtx *c)
{
    pshuf_words(c, 0);
}
SSE_DEFINE_OP(pshuflw)

static void op_pshufw(VecCtx *c)
{
    for (unsigned i = 0; i < 4; i++)
        c->r.w[i] = c->a.w[(c->imm >> (2 * i)) & 3];
}
SSE_DEFINE_OP(pshufw)

/* SSSE3 PALIGNR: per lane, the concatenation a:b shifted right by imm8 bytes. */
static void op_palignr(VecCtx *c)
{
    unsigned lb = lane_bytes(c);
    for (unsigned lane = 0; lane < c->oprsz; lane += lb)
        for (unsigned i = 0; i < lb; i++) {
            unsigned k = i + c->imm; /* index into b (low) then a (high) */
            uint8_t v = 0;
            if (k < lb)
                v = c->b.b[lane + k];
            else if (k < 2 * lb)
                v = c->a.b[lane + k - lb];
            c->r.b[lane + i] = v;
        }
}
SSE_DEFINE_OP(palignr)

/* SSSE3 horizontal add/subtract: per lane, pairs of a then pairs of b. */
static void horizontal_words(VecCtx *c, int kind)
{
    unsigned lw = lane_bytes(c) / 2, half = lw / 2;
    for (unsigned lane = 0; lane < c->oprsz / 2; lane += lw)
        for (unsigned i = 0; i < lw; i++) {
            const X86Vec *src = i < half ? &c->a : &c->b;
            unsigned k = lane + 2 * (i % half);
            int32_t x = (int16_t)src->w[k], y = (int16_t)src->w[k + 1];
            int32_t v = kind == 0   ? x + y
                        : kind == 1 ? sat_s16(x + y)
                        : kind == 2 ? x - y
                                    : sat_s16(x - y);
            c->r.w[lane + i] = (uint16_t)v;
        }
}

static void horizontal_dwords(VecCtx *c, bool sub)
{
    unsigned ll = lane_bytes(c) / 4, half = ll / 2;
    for (unsigned lane = 0; lane < c->oprsz / 4; lane += ll)
        for (unsigned i = 0; i < ll; i++) {
            const X86Vec *src = i < half ? &c->a : &c->b;
            unsigned k = lane + 2 * (i % half);
            c->r.l[lane + i] = sub ? src->l[k] - src->l[k + 1] : src->l[k] + src->l[k + 1];
        }
}

static void op_phaddw(VecCtx *c)
{
    horizontal_words(c, 0);
}
SSE_DEFINE_OP(phaddw)

static void op_phaddsw(VecCtx *c)
{
    horizontal_words(c, 1);
}
SSE_DEFINE_OP(phaddsw)

static void op_phsubw(VecCtx *c)
{
    horizontal_words(c, 2);
}
SSE_DEFINE_OP(phsubw)

static void op_phsubsw(VecCtx *c)
{
    horizontal_words(c, 3);
}
SSE_DEFINE_OP(phsubsw)

static void op_phaddd(VecCtx *c)
{
    horizontal_dwords(c, false);
}
SSE_DEFINE_OP(phaddd)

static void op_phsubd(VecCtx *c)
{
    horizontal_dwords(c, true);
}
SSE_DEFINE_OP(phsubd)

/* SHUFPS: per lane, two elements of a then two of b chosen by imm8 pairs. */
static void op_shufps(VecCtx *c)
{
    for (unsigned lane = 0; lane < c->oprsz / 4; lane += 4)
        for (unsigned i = 0; i < 4; i++) {
            const X86Vec *src = i < 2 ? &c->a : &c->b;
            c->r.l[lane + i] = src->l[lane + ((c->imm >> (2 * i)) & 3)];
        }
}
SSE_DEFINE_OP(shufps)

/* SHUFPD: element 2k from a, 2k+1 from b, each chosen by one imm8 bit. */
static void op_shufpd(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++) {
        const X86Vec *src = (i & 1) ? &c->b : &c->a;
        c->r.q[i] = src->q[(i & ~1u) + ((c->imm >> i) & 1)];
    }
}
SSE_DEFINE_OP(shufpd)

/* ---- blends ---- */

/* Immediate blends: element i from b when imm8 bit (i mod bits) is set. */
static void blend_imm(VecCtx *c, unsigned esz, unsigned bits)
{
    for (unsigned i = 0; i < c->oprsz / esz; i++) {
        const X86Vec *src = ((c->imm >> (i % bits)) & 1) ? &c->b : &c->a;
        memcpy(&c->r.b[i * esz], &src->b[i * esz], esz);
    }
}

static void op_pblendw(VecCtx *c)
{
    blend_imm(c, 2, 8);
}
SSE_DEFINE_OP(pblendw)

static void op_blendps(VecCtx *c)
{
    blend_imm(c, 4, 8);
}
SSE_DEFINE_OP(blendps)

static void op_blendpd(VecCtx *c)
{
    blend_imm(c, 8, 4);
}
SSE_DEFINE_OP(blendpd)

static void op_vpblendd(VecCtx *c)
{
    blend_imm(c, 4, 8);
}
SSE_DEFINE_OP(vpblendd)

/* Variable blends: element i from b when the sign bit of the mask (c) element is set. */
static void blend_var(VecCtx *c, unsigned esz)
{
    for (unsigned i = 0; i < c->oprsz / esz; i++) {
        bool take_b = c->c.b[i * esz + esz - 1] & 0x80;
        memcpy(&c->r.b[i * esz], &(take_b ? &c->b : &c->a)->b[i * esz], esz);
    }
}

static void op_pblendvb(VecCtx *c)
{
    blend_var(c, 1);
}
SSE_DEFINE_OP(pblendvb)

static void op_blendvps(VecCtx *c)
{
    blend_var(c, 4);
}
SSE_DEFINE_OP(blendvps)

static void op_blendvpd(VecCtx *c)
{
    blend_var(c, 8);
}
SSE_DEFINE_OP(blendvpd)

/* ---- widening moves (SSE4.1 PMOVSX/PMOVZX: unary, source in a) ---- */

#define PMOVX(name, DF, DT, SF, ST)                                                                \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        for (unsigned i = 0; i < c->oprsz / sizeof(c->r.DF[0]); i++)                               \
            c->r.DF[i] = (DT)(ST)c->a.SF[i];                                                       \
    }                                                                                              \
    SSE_DEFINE_OP(name)

PMOVX(pmovsxbw, w, uint16_t, b, int8_t)
PMOVX(pmovsxbd, l, uint32_t, b, int8_t)
PMOVX(pmovsxbq, q, uint64_t, b, int8_t)
PMOVX(pmovsxwd, l, uint32_t, w, int16_t)
PMOVX(pmovsxwq, q, uint64_t, w, int16_t)
PMOVX(pmovsxdq, q, uint64_t, l, int32_t)
PMOVX(pmovzxbw, w, uint16_t, b, uint8_t)
PMOVX(pmovzxbd, l, uint32_t, b, uint8_t)
PMOVX(pmovzxbq, q, uint64_t, b, uint8_t)
PMOVX(pmovzxwd, l, uint32_t, w, uint16_t)
PMOVX(pmovzxwq, q, uint64_t, w, uint16_t)
PMOVX(pmovzxdq, q, uint64_t, l, uint32_t)

/* SSE4.1 PHMINPOSUW: the smallest unsigned word and its (lowest) index. */
static void op_phminposuw(VecCtx *c)
{
    unsigned best = 0;
    for (unsigned i = 1; i < 8; i++)
        if (c->a.w[i] < c->a.w[best])
            best = i;
    c->r.w[0] = c->a.w[best];
    c->r.w[1] = (uint16_t)best;
}
SSE_DEFINE_OP(phminposuw)

/* ---- duplicating and merging moves ---- */

/* SSE3 MOVSLDUP / MOVSHDUP / MOVDDUP (unary). */
static void op_movsldup(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 4; i++)
        c->r.l[i] = c->a.l[i & ~1u];
}
SSE_DEFINE_OP(movsldup)

static void op_movshdup(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 4; i++)
        c->r.l[i] = c->a.l[i | 1];
}
SSE_DEFINE_OP(movshdup)

static void op_movddup(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++)
        c->r.q[i] = c->a.q[i & ~1u];
}
SSE_DEFINE_OP(movddup)

/* Register forms of MOVSS/MOVSD, and the loads MOVLPS/MOVLPD/MOVHPS/MOVHPD, MOVHLPS and
 * MOVLHPS: element 0 (or a quadword) of b over a. */
static void op_movss_merge(VecCtx *c)
{
    c->r = c->a;
    c->r.l[0] = c->b.l[0];
}
SSE_DEFINE_OP(movss_merge)

static void op_movsd_merge(VecCtx *c)
{
    c->r = c->a;
    c->r.q[0] = c->b.q[0];
}
SSE_DEFINE_OP(movsd_merge)

static void op_movhps_merge(VecCtx *c)
{
    c->r.q[0] = c->a.q[0];
    c->r.q[1] = c->b.q[0];
}
SSE_DEFINE_OP(movhps_merge)

static void op_movhlps(VecCtx *c)
{
    c->r.q[0] = c->b.q[1];
    c->r.q[1] = c->a.q[1];
}
SSE_DEFINE_OP(movhlps)

/* SSE4.1 INSERTPS: an element of b (imm[7:6]; a memory source is the element itself)
 * into element imm[5:4] of a, then the elements of imm[3:0] zeroed. */
static void op_insertps(VecCtx *c)
{
    uint32_t v = (c->ctl & SSE_CTL_B_MEM) ? c->b.l[0] : c->b.l[(c->imm >> 6) & 3];
    c->r = c->a;
    c->r.l[(c->imm >> 4) & 3] = v;
    for (unsigned i = 0; i < 4; i++)
        if (c->imm & (1u << i))
            c->r.l[i] = 0;
}
SSE_DEFINE_OP(insertps)

/* ---- AVX permutes, inserts, extracts, broadcasts ---- */

/* VPERMILPS: within each lane, element i takes element sel of a; sel from b's element
 * (variable form) or two imm8 bits (immediate form, unary: source in a). */
static void op_vpermilps(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 4; i++)
        c->r.l[i] = c->a.l[(i & ~3u) + (c->b.l[i] & 3)];
}
SSE_DEFINE_OP(vpermilps)

static void op_vpermilps_imm(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 4; i++)
        c->r.l[i] = c->a.l[(i & ~3u) + ((c->imm >> (2 * (i & 3))) & 3)];
}
SSE_DEFINE_OP(vpermilps_imm)

/* VPERMILPD: bit 1 of b's element (variable) or imm8 bit i (immediate). */
static void op_vpermilpd(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++)
        c->r.q[i] = c->a.q[(i & ~1u) + ((c->b.q[i] >> 1) & 1)];
}
SSE_DEFINE_OP(vpermilpd)

static void op_vpermilpd_imm(VecCtx *c)
{
    for (unsigned i = 0; i < c->oprsz / 8; i++)
        c->r.q[i] = c->a.q[(i & ~1u) + ((c->imm >> i) & 1)];
}
SSE_DEFINE_OP(vpermilpd_imm)

/* AVX2 VPERMD/VPERMPS: a holds the indices (VEX.vvvv), b the table. */
static void op_vpermd(VecCtx *c)
{
    for (unsigned i = 0; i < 8; i++)
        c->r.l[i] = c->b.l[c->a.l[i] & 7];
}
SSE_DEFINE_OP(vpermd)

/* AVX2 VPERMQ/VPERMPD (unary): quadword i takes quadword imm[2i+1:2i] of a. */
static void op_vpermq(VecCtx *c)
{
    for (unsigned i = 0; i < 4; i++)
        c->r.q[i] = c->a.q[(c->imm >> (2 * i)) & 3];
}
SSE_DEFINE_OP(vpermq)

/* VPERM2F128/VPERM2I128: each half chosen among a.lo, a.hi, b.lo, b.hi or zeroed. */
static void op_vperm2f128(VecCtx *c)
{
    for (unsigned half = 0; half < 2; half++) {
        unsigned sel = (c->imm >> (4 * half)) & 0xf;
        const X86Vec *src = (sel & 2) ? &c->b : &c->a;
        if (sel & 8)
            memset(&c->r.b[16 * half], 0, 16);
        else
            memcpy(&c->r.b[16 * half], &src->b[16 * (sel & 1)], 16);
    }
}
SSE_DEFINE_OP(vperm2f128)

/* VINSERTF128/VINSERTI128: a with half imm[0] replaced by b's low 128 bits. */
static void op_vinsertf128(VecCtx *c)
{
    c->r = c->a;
    memcpy(&c->r.b[16 * (c->imm & 1)], &c->b.b[0], 16);
}
SSE_DEFINE_OP(vinsertf128)

/* VEXTRACTF128/VEXTRACTI128 (unary): half imm[0] of a. */
static void op_vextractf128(VecCtx *c)
{
    memcpy(&c->r.b[0], &c->a.b[16 * (c->imm & 1)], 16);
    c->wsz = 16;
}
SSE_DEFINE_OP(vextractf128)

/* Broadcasts (unary): element 0 of a to every element. */
static void broadcast(VecCtx *c, unsigned esz)
{
    for (unsigned i = 0; i < c->oprsz; i += esz)
        memcpy(&c->r.b[i], &c->a.b[0], esz);
}

#define BROADCAST_OP(name, esz)                                                                    \
    static void op_##name(VecCtx *c)                                                               \
    {                                                                                              \
        broadcast(c, esz);                                                                         \
    }                                                                                              \
    SSE_DEFINE_OP(name)

BROADCAST_OP(vbroadcast8, 1)
BROADCAST_OP(vbroadcast16, 2)
BROADCAST_OP(vbroadcast32, 4)
BROADCAST_OP(vbroadcast64, 8)
BROADCAST_OP(vbroadcast128, 16)

/* ---- results in general registers or EFLAGS ---- */

/* PMOVMSKB / MOVMSKPS / MOVMSKPD: the sign bits of a's elements. */
static void movmsk(VecCtx *c, unsigned esz)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < c->oprsz / esz; i++)
        m |= (uint64_t)(c->a.b[i * esz + esz - 1] >> 7) << i;
    c->r.q[0] = m;
}

static void op_pmovmskb(VecCtx *c)
{
    movmsk(c, 1);
}
SSE_DEFINE_RET(pmovmskb)

static void op_movmskps(VecCtx *c)
{
    movmsk(c, 4);
}
SSE_DEFINE_RET(movmskps)

static void op_movmskpd(VecCtx *c)
{
    movmsk(c, 8);
}
SSE_DEFINE_RET(movmskpd)

/* SSE4.1 PTEST and AVX VTESTPS/VTESTPD: ZF = ((a AND b) has no selected bit), CF =
 * ((b AND NOT a) has none); the other arithmetic flags are cleared. The TEST forms
 * look only at each element's sign bit. */
static void test_flags(VecCtx *c, unsigned esz)
{
    bool any_and = false, any_andn = false;
    for (unsigned i = 0; i < c->oprsz / 8; i++) {
        uint64_t sel = esz == 8 ? 0x8000000000000000ull : esz == 4 ? 0x8000000080000000ull : ~0ull;
        any_and |= (c->a.q[i] & c->b.q[i] & sel) != 0;
        any_andn |= (~c->a.q[i] & c->b.q[i] & sel) != 0;
    }
    c->r.q[0] = (any_and ? 0 : CC_Z) | (any_andn ? 0 : CC_C);
}

static void op_ptest(VecCtx *c)
{
    test_flags(c, 1);
}
SSE_DEFINE_RET(ptest)

static void op_vtestps(VecCtx *c)
{
    test_flags(c, 4);
}
SSE_DEFINE_RET(vtestps)

static void op_vtestpd(VecCtx *c)
{
    test_flags(c, 8);
}
SSE_DEFINE_RET(vtestpd)
