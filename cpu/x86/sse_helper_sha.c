/* SHA extensions (SDM Vol 2B SHA1RNDS4, SHA1NEXTE, SHA1MSG1, SHA1MSG2, SHA256RNDS2,
 * SHA256MSG1, SHA256MSG2; the functions are FIPS 180-4 §4.1.1 and §4.1.2).
 *
 * Every instruction takes SRC1 = the destination register (c->a) and SRC2 = xmm2/m128
 * (c->b); SHA256RNDS2 also reads XMM0 (c->c). The SDM numbers the dwords from the top:
 * its SRC[127:96] is l[3] here, SRC[31:0] is l[0]. */
#include "cpu/x86/sse_helper.h"

static uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

/* ---- SHA-1 ---- */

/* f and K of the four groups of 20 rounds (FIPS 180-4 §4.1.1, §4.2.1), picked by
 * imm8[1:0]. */
static uint32_t sha1_f(unsigned group, uint32_t b, uint32_t c, uint32_t d)
{
    switch (group) {
    case 0: return (b & c) ^ (~b & d);
    case 2: return (b & c) ^ (b & d) ^ (c & d);
    default: return b ^ c ^ d;
    }
}

static const uint32_t sha1_k[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};

/* Four rounds from A..D = SRC1 and W0+E, W1..W3 = SRC2; E of the first round is
 * already added into W0 (by SHA1NEXTE). */
static void op_sha1rnds4(VecCtx *c)
{
    unsigned g = c->imm & 3;
    uint32_t a = c->a.l[3], b = c->a.l[2], cc = c->a.l[1], d = c->a.l[0], e = 0;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t t = sha1_f(g, b, cc, d) + rol32(a, 5) + c->b.l[3 - i] + e + sha1_k[g];
        e = d;
        d = cc;
        cc = rol32(b, 30);
        b = a;
        a = t;
    }
    c->r.l[3] = a;
    c->r.l[2] = b;
    c->r.l[1] = cc;
    c->r.l[0] = d;
}
SSE_DEFINE_OP(sha1rnds4)

/* E of the next four rounds (A of the previous ones rotated by 30) added to W0. */
static void op_sha1nexte(VecCtx *c)
{
    c->r = c->b;
    c->r.l[3] = c->b.l[3] + rol32(c->a.l[3], 30);
}
SSE_DEFINE_OP(sha1nexte)

/* W[t-16] ^ W[t-14] of the message schedule (FIPS 180-4 §6.1.2 step 1). */
static void op_sha1msg1(VecCtx *c)
{
    uint32_t w0 = c->a.l[3], w1 = c->a.l[2], w2 = c->a.l[1], w3 = c->a.l[0];
    uint32_t w4 = c->b.l[3], w5 = c->b.l[2];
    c->r.l[3] = w2 ^ w0;
    c->r.l[2] = w3 ^ w1;
    c->r.l[1] = w4 ^ w2;
    c->r.l[0] = w5 ^ w3;
}
SSE_DEFINE_OP(sha1msg1)

/* The rest of the schedule: ^ W[t-3], rotated by 1; W19 uses the W16 just made. */
static void op_sha1msg2(VecCtx *c)
{
    uint32_t w13 = c->b.l[2], w14 = c->b.l[1], w15 = c->b.l[0];
    uint32_t w16 = rol32(c->a.l[3] ^ w13, 1);
    uint32_t w17 = rol32(c->a.l[2] ^ w14, 1);
    uint32_t w18 = rol32(c->a.l[1] ^ w15, 1);
    uint32_t w19 = rol32(c->a.l[0] ^ w16, 1);
    c->r.l[3] = w16;
    c->r.l[2] = w17;
    c->r.l[1] = w18;
    c->r.l[0] = w19;
}
SSE_DEFINE_OP(sha1msg2)

/* ---- SHA-256 (FIPS 180-4 §4.1.2) ---- */

static uint32_t sha256_ch(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (~x & z);
}

static uint32_t sha256_maj(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (x & z) ^ (y & z);
}

static uint32_t sha256_big_sigma0(uint32_t x)
{
    return ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22);
}

static uint32_t sha256_big_sigma1(uint32_t x)
{
    return ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25);
}

static uint32_t sha256_sigma0(uint32_t x)
{
    return ror32(x, 7) ^ ror32(x, 18) ^ (x >> 3);
}

static uint32_t sha256_sigma1(uint32_t x)
{
    return ror32(x, 17) ^ ror32(x, 19) ^ (x >> 10);
}

/* Two rounds: SRC2 holds A, B, E, F and SRC1 C, D, G, H; XMM0[63:0] the two W+K. */
static void op_sha256rnds2(VecCtx *c)
{
    uint32_t a = c->b.l[3], b = c->b.l[2], e = c->b.l[1], f = c->b.l[0];
    uint32_t cc = c->a.l[3], d = c->a.l[2], g = c->a.l[1], h = c->a.l[0];
    for (unsigned i = 0; i < 2; i++) {
        uint32_t t1 = sha256_ch(e, f, g) + sha256_big_sigma1(e) + c->c.l[i] + h;
        uint32_t t2 = sha256_maj(a, b, cc) + sha256_big_sigma0(a);
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = cc;
        cc = b;
        b = a;
        a = t1 + t2;
    }
    c->r.l[3] = a;
    c->r.l[2] = b;
    c->r.l[1] = e;
    c->r.l[0] = f;
}
SSE_DEFINE_OP(sha256rnds2)

/* W[t-16] + sigma0(W[t-15]) for four t (FIPS 180-4 §6.2.2 step 1). */
static void op_sha256msg1(VecCtx *c)
{
    uint32_t w4 = c->b.l[0];
    c->r.l[3] = c->a.l[3] + sha256_sigma0(w4);
    c->r.l[2] = c->a.l[2] + sha256_sigma0(c->a.l[3]);
    c->r.l[1] = c->a.l[1] + sha256_sigma0(c->a.l[2]);
    c->r.l[0] = c->a.l[0] + sha256_sigma0(c->a.l[1]);
}
SSE_DEFINE_OP(sha256msg1)

/* + sigma1(W[t-2]); W18 and W19 use the W16 and W17 just made. */
static void op_sha256msg2(VecCtx *c)
{
    uint32_t w14 = c->b.l[2], w15 = c->b.l[3];
    uint32_t w16 = c->a.l[0] + sha256_sigma1(w14);
    uint32_t w17 = c->a.l[1] + sha256_sigma1(w15);
    uint32_t w18 = c->a.l[2] + sha256_sigma1(w16);
    uint32_t w19 = c->a.l[3] + sha256_sigma1(w17);
    c->r.l[0] = w16;
    c->r.l[1] = w17;
    c->r.l[2] = w18;
    c->r.l[3] = w19;
}
SSE_DEFINE_OP(sha256msg2)
