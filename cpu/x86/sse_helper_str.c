/* SSE4.2 string compares (PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM), PCLMULQDQ and the
 * AES round instructions: integer operations defined element by element in the SDM
 * (Vol 2B "PCMPESTRI" and §4.1 "Imm8 Control Byte Operation for PCMPESTRI/PCMPESTRM/
 * PCMPISTRI/PCMPISTRM"; Vol 2B PCLMULQDQ; Vol 2A AESENC & co. after FIPS-197). */
#include <string.h>

#include "cpu/x86/sse_helper.h"

/* ---- SSE4.2 string compares ---- */

/* imm8[1:0]: element format. Bit 0 words, bit 1 signed. */
static int str_elem(const X86Vec *v, unsigned i, unsigned fmt)
{
    switch (fmt & 3) {
    case 0: return v->b[i];
    case 1: return v->w[i];
    case 2: return (int8_t)v->b[i];
    default: return (int16_t)v->w[i];
    }
}

static unsigned implicit_length(const X86Vec *v, unsigned fmt, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (str_elem(v, i, fmt) == 0)
            return i;
    return n;
}

/* SDM §4.1.2: the explicit length is the absolute value of EAX/EDX (RAX/RDX with
 * REX.W), saturated to the number of elements. */
static unsigned explicit_length(uint64_t reg, bool rex_w, unsigned n)
{
    int64_t v = rex_w ? (int64_t)reg : (int64_t)(int32_t)reg;
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return m > n ? n : (unsigned)m;
}

/* One bit per element of b: the aggregation of imm8[3:2] (SDM §4.1.4 and Table 4-7,
 * which says how invalid elements, past a string's length, compare). */
static unsigned str_aggregate(const X86Vec *a, const X86Vec *b, unsigned la, unsigned lb,
                              unsigned imm, unsigned n)
{
    unsigned fmt = imm & 3, res = 0;
    for (unsigned j = 0; j < n; j++) {
        bool m = false;
        switch ((imm >> 2) & 3) {
        case 0: /* equal any: b[j] is one of a's characters */
            for (unsigned i = 0; j < lb && i < la && !m; i++)
                m = str_elem(a, i, fmt) == str_elem(b, j, fmt);
            break;
        case 1: /* ranges: b[j] within one of a's (low, high) pairs */
            for (unsigned i = 0; j < lb && i + 1 < la && !m; i += 2)
                m = str_elem(a, i, fmt) <= str_elem(b, j, fmt) &&
                    str_elem(b, j, fmt) <= str_elem(a, i + 1, fmt);
            break;
        case 2: /* equal each: both invalid is a match, one invalid is not */
            if (j >= la || j >= lb)
                m = j >= la && j >= lb;
            else
                m = str_elem(a, j, fmt) == str_elem(b, j, fmt);
            break;
        default: /* equal ordered: a occurs in b at j; a running out matches */
            m = true;
            for (unsigned k = 0; k < n - j && k < la; k++) {
                if (j + k >= lb || str_elem(a, k, fmt) != str_elem(b, j + k, fmt)) {
                    m = false;
                    break;
                }
            }
            break;
        }
        res |= (unsigned)m << j;
    }
    return res;
}

/* Runs the compare; returns the flags (SDM §4.1.6: CF = result nonzero, ZF = b shorter
 * than the register, SF = a shorter, OF = result bit 0) and leaves IntRes2 in *res. */
static uint32_t str_compare(CPUX86State *env, uint64_t regs, uint64_t ctl, bool is_explicit,
                            uint64_t rax, uint64_t rdx, unsigned *res)
{
    X86Vec a, b;
    unsigned imm = (unsigned)(ctl & SSE_CTL_IMM_MASK);
    unsigned n = (imm & 1) ? 8 : 16;
    memcpy(&a, (uint8_t *)env + ((regs >> 16) & 0xffff), sizeof(a));
    memcpy(&b, (uint8_t *)env + ((regs >> 32) & 0xffff), sizeof(b));
    unsigned la, lb;
    if (is_explicit) {
        la = explicit_length(rax, ctl & SSE_CTL_REX_W, n);
        lb = explicit_length(rdx, ctl & SSE_CTL_REX_W, n);
    } else {
        la = implicit_length(&a, imm, n);
        lb = implicit_length(&b, imm, n);
    }
    unsigned r = str_aggregate(&a, &b, la, lb, imm, n);
    /* SDM §4.1.5 polarity: negate, or negate only b's valid elements. */
    switch ((imm >> 4) & 3) {
    case 1: r = ~r & ((1u << n) - 1); break;
    case 3: r ^= (1u << lb) - 1; break;
    default: break;
    }
    *res = r;
    return (r ? CC_C : 0) | (lb < n ? CC_Z : 0) | (la < n ? CC_S : 0) | ((r & 1) ? CC_O : 0);
}

/* The I forms: the index of the least (imm8[6] = 0) or most significant set bit, or
 * the element count when none is set (SDM §4.1.6, "Output Selection"). */
static uint64_t str_index(uint32_t flags, unsigned res, unsigned imm)
{
    unsigned n = (imm & 1) ? 8 : 16;
    unsigned idx = n;
    if (res)
        idx = (imm & 0x40) ? 31 - (unsigned)__builtin_clz(res) : (unsigned)__builtin_ctz(res);
    return flags | (uint64_t)idx << 32;
}

/* The M forms: XMM0 gets the bit mask, or each element all ones where set (imm8[6]). */
static uint64_t str_mask(CPUX86State *env, uint64_t ctl, uint32_t flags, unsigned res)
{
    unsigned imm = (unsigned)(ctl & SSE_CTL_IMM_MASK);
    X86Vec m;
    memset(&m, 0, sizeof(m));
    if (!(imm & 0x40)) {
        m.w[0] = (uint16_t)res;
    } else if (imm & 1) {
        for (unsigned i = 0; i < 8; i++)
            m.w[i] = (res >> i) & 1 ? 0xffff : 0;
    } else {
        for (unsigned i = 0; i < 16; i++)
            m.b[i] = (res >> i) & 1 ? 0xff : 0;
    }
    memcpy(&env->vec[0], &m, (ctl & SSE_CTL_VEX) ? sizeof(X86Vec) : 16);
    return flags;
}

uint64_t helper_pcmpestri(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax, uint64_t rdx)
{
    unsigned res;
    uint32_t flags = str_compare(env, regs, ctl, true, rax, rdx, &res);
    return str_index(flags, res, (unsigned)ctl & SSE_CTL_IMM_MASK);
}

uint64_t helper_pcmpistri(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax, uint64_t rdx)
{
    unsigned res;
    uint32_t flags = str_compare(env, regs, ctl, false, rax, rdx, &res);
    return str_index(flags, res, (unsigned)ctl & SSE_CTL_IMM_MASK);
}

uint64_t helper_pcmpestrm(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax, uint64_t rdx)
{
    unsigned res;
    uint32_t flags = str_compare(env, regs, ctl, true, rax, rdx, &res);
    return str_mask(env, ctl, flags, res);
}

uint64_t helper_pcmpistrm(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t rax, uint64_t rdx)
{
    unsigned res;
    uint32_t flags = str_compare(env, regs, ctl, false, rax, rdx, &res);
    return str_mask(env, ctl, flags, res);
}

/* ---- PCLMULQDQ ---- */

/* Carry-less product of the quadwords selected by imm8[0] (a) and imm8[4] (b). */
static void op_pclmulqdq(VecCtx *c)
{
    uint64_t x = c->a.q[c->imm & 1], y = c->b.q[(c->imm >> 4) & 1];
    uint64_t lo = 0, hi = 0;
    for (unsigned i = 0; i < 64; i++) {
        if ((y >> i) & 1) {
            lo ^= x << i;
            hi ^= i ? x >> (64 - i) : 0;
        }
    }
    c->r.q[0] = lo;
    c->r.q[1] = hi;
}
SSE_DEFINE_OP(pclmulqdq)

/* ---- AES (FIPS-197 §5.1 and §5.3; the state is column-major: byte 4c + r) ---- */

static const uint8_t aes_sbox[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

static const uint8_t aes_inv_sbox[256] = {
    0x52, 0x09, 0x6a, 0xd5, 0x30, 0x36, 0xa5, 0x38, 0xbf, 0x40, 0xa3, 0x9e, 0x81, 0xf3, 0xd7, 0xfb,
    0x7c, 0xe3, 0x39, 0x82, 0x9b, 0x2f, 0xff, 0x87, 0x34, 0x8e, 0x43, 0x44, 0xc4, 0xde, 0xe9, 0xcb,
    0x54, 0x7b, 0x94, 0x32, 0xa6, 0xc2, 0x23, 0x3d, 0xee, 0x4c, 0x95, 0x0b, 0x42, 0xfa, 0xc3, 0x4e,
    0x08, 0x2e, 0xa1, 0x66, 0x28, 0xd9, 0x24, 0xb2, 0x76, 0x5b, 0xa2, 0x49, 0x6d, 0x8b, 0xd1, 0x25,
    0x72, 0xf8, 0xf6, 0x64, 0x86, 0x68, 0x98, 0x16, 0xd4, 0xa4, 0x5c, 0xcc, 0x5d, 0x65, 0xb6, 0x92,
    0x6c, 0x70, 0x48, 0x50, 0xfd, 0xed, 0xb9, 0xda, 0x5e, 0x15, 0x46, 0x57, 0xa7, 0x8d, 0x9d, 0x84,
    0x90, 0xd8, 0xab, 0x00, 0x8c, 0xbc, 0xd3, 0x0a, 0xf7, 0xe4, 0x58, 0x05, 0xb8, 0xb3, 0x45, 0x06,
    0xd0, 0x2c, 0x1e, 0x8f, 0xca, 0x3f, 0x0f, 0x02, 0xc1, 0xaf, 0xbd, 0x03, 0x01, 0x13, 0x8a, 0x6b,
    0x3a, 0x91, 0x11, 0x41, 0x4f, 0x67, 0xdc, 0xea, 0x97, 0xf2, 0xcf, 0xce, 0xf0, 0xb4, 0xe6, 0x73,
    0x96, 0xac, 0x74, 0x22, 0xe7, 0xad, 0x35, 0x85, 0xe2, 0xf9, 0x37, 0xe8, 0x1c, 0x75, 0xdf, 0x6e,
    0x47, 0xf1, 0x1a, 0x71, 0x1d, 0x29, 0xc5, 0x89, 0x6f, 0xb7, 0x62, 0x0e, 0xaa, 0x18, 0xbe, 0x1b,
    0xfc, 0x56, 0x3e, 0x4b, 0xc6, 0xd2, 0x79, 0x20, 0x9a, 0xdb, 0xc0, 0xfe, 0x78, 0xcd, 0x5a, 0xf4,
    0x1f, 0xdd, 0xa8, 0x33, 0x88, 0x07, 0xc7, 0x31, 0xb1, 0x12, 0x10, 0x59, 0x27, 0x80, 0xec, 0x5f,
    0x60, 0x51, 0x7f, 0xa9, 0x19, 0xb5, 0x4a, 0x0d, 0x2d, 0xe5, 0x7a, 0x9f, 0x93, 0xc9, 0x9c, 0xef,
    0xa0, 0xe0, 0x3b, 0x4d, 0xae, 0x2a, 0xf5, 0xb0, 0xc8, 0xeb, 0xbb, 0x3c, 0x83, 0x53, 0x99, 0x61,
    0x17, 0x2b, 0x04, 0x7e, 0xba, 0x77, 0xd6, 0x26, 0xe1, 0x69, 0x14, 0x63, 0x55, 0x21, 0x0c, 0x7d,
};

/* Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
static uint8_t gf_xtime(uint8_t v)
{
    return (uint8_t)((v << 1) ^ ((v & 0x80) ? 0x1b : 0));
}

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;
    for (; b; b >>= 1, a = gf_xtime(a))
        if (b & 1)
            r ^= a;
    return r;
}

/* SubBytes after ShiftRows (they commute), or their inverses. */
static void aes_shift_sub(uint8_t *out, const uint8_t *in, bool inverse)
{
    for (unsigned col = 0; col < 4; col++)
        for (unsigned row = 0; row < 4; row++) {
            unsigned from = inverse ? (col + 4 - row) % 4 : (col + row) % 4;
            uint8_t v = in[4 * from + row];
            out[4 * col + row] = inverse ? aes_inv_sbox[v] : aes_sbox[v];
        }
}

/* MixColumns (coefficients 2 3 1 1) or InvMixColumns (14 11 13 9). */
static void aes_mix(uint8_t *s, bool inverse)
{
    static const uint8_t fwd[4] = {2, 3, 1, 1}, inv[4] = {14, 11, 13, 9};
    const uint8_t *k = inverse ? inv : fwd;
    for (unsigned col = 0; col < 4; col++) {
        uint8_t in[4], *p = &s[4 * col];
        memcpy(in, p, 4);
        for (unsigned row = 0; row < 4; row++) {
            uint8_t v = 0;
            for (unsigned i = 0; i < 4; i++)
                v ^= gf_mul(in[i], k[(i + 4 - row) % 4]);
            p[row] = v;
        }
    }
}

static void aes_round(VecCtx *c, bool decrypt, bool last)
{
    aes_shift_sub(c->r.b, c->a.b, decrypt);
    if (!last)
        aes_mix(c->r.b, decrypt);
    c->r.q[0] ^= c->b.q[0];
    c->r.q[1] ^= c->b.q[1];
}

static void op_aesenc(VecCtx *c)
{
    aes_round(c, false, false);
}
SSE_DEFINE_OP(aesenc)

static void op_aesenclast(VecCtx *c)
{
    aes_round(c, false, true);
}
SSE_DEFINE_OP(aesenclast)

static void op_aesdec(VecCtx *c)
{
    aes_round(c, true, false);
}
SSE_DEFINE_OP(aesdec)

static void op_aesdeclast(VecCtx *c)
{
    aes_round(c, true, true);
}
SSE_DEFINE_OP(aesdeclast)

/* AESIMC (unary): InvMixColumns of the round key. */
static void op_aesimc(VecCtx *c)
{
    memcpy(c->r.b, c->a.b, 16);
    aes_mix(c->r.b, true);
}
SSE_DEFINE_OP(aesimc)

static uint32_t aes_sub_word(uint32_t w)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < 4; i++)
        r |= (uint32_t)aes_sbox[(w >> (8 * i)) & 0xff] << (8 * i);
    return r;
}

/* AESKEYGENASSIST (unary): SubWord and RotWord of dwords 1 and 3, XOR the imm8 RCON. */
static void op_aeskeygenassist(VecCtx *c)
{
    uint32_t x1 = aes_sub_word(c->a.l[1]), x3 = aes_sub_word(c->a.l[3]);
    c->r.l[0] = x1;
    c->r.l[1] = ((x1 >> 8) | (x1 << 24)) ^ c->imm;
    c->r.l[2] = x3;
    c->r.l[3] = ((x3 >> 8) | (x3 << 24)) ^ c->imm;
}
SSE_DEFINE_OP(aeskeygenassist)
