/* The common integer vector operations lowered to IR instead of a helper call: the
 * bitwise operations (PAND/PANDN/POR/PXOR and their PS/PD twins), PADD/PSUB of every
 * element size, PCMPEQB/W/D, PMINUB/PMAXUB, PSHUFD, PMOVMSKB, the logical shifts by an
 * imm8 (PSLLW..PSRLQ, PSLLDQ/PSRLDQ), the doubleword and quadword unpacks and the
 * register merges of MOVSS/MOVSD/MOVLPS/MOVHPS/MOVHLPS, on 8- and 16-byte operands
 * (MMX, SSE and VEX.128). They are what C library string functions run in
 * their loops (strlen, memchr, strcmp...), where a helper call per instruction cost
 * more than the operation.
 *
 * A 16-byte register is two 64-bit halves in env; each operation works on the halves
 * with ordinary 64-bit IR, elements in parallel within a half ("SIMD within a
 * register": masks keep the carries of one element out of the next). The helpers in
 * sse_helper_int.c stay the reference semantics (256-bit forms still run there).
 */
#include "cpu/x86/translate-sse.h"

/* Each element's top bit, for elements of esz bytes. */
static uint64_t top_bits(unsigned esz)
{
    switch (esz) {
    case 1: return 0x8080808080808080ull;
    case 2: return 0x8000800080008000ull;
    case 4: return 0x8000000080000000ull;
    default: return 0x8000000000000000ull;
    }
}

static TCGv gen_binop(DisasContext *d, TCGOpcode opc, TCGv a, TCGv b)
{
    TCGv r = tmp(d);
    tcg_gen_op3(d->s, opc, r, a, b);
    return r;
}

static TCGv gen_andi_new(DisasContext *d, TCGv a, uint64_t mask)
{
    TCGv r = tmp(d);
    tcg_gen_andi(d->s, r, a, (int64_t)mask);
    return r;
}

/* Elements of esz bytes whose top bit is set in top (nothing else set) become all
 * ones, the others zero: top - (top >> (bits - 1)) fills the bits below the top bit
 * without borrowing across elements. */
static TCGv gen_spread_top(DisasContext *d, TCGv top, unsigned esz)
{
    TCGv low = tmp(d), r = tmp(d);
    tcg_gen_shri(d->s, low, top, 8 * esz - 1);
    tcg_gen_sub(d->s, r, top, low);
    tcg_gen_or(d->s, r, r, top);
    return r;
}

/* Element-wise a + b: the sums of the low bits of each element carry at most into its
 * top bit, which is then the XOR of the three. */
static TCGv gen_swar_add(DisasContext *d, TCGv a, TCGv b, unsigned esz)
{
    if (esz == 8)
        return gen_binop(d, INDEX_op_add, a, b);
    uint64_t h = top_bits(esz);
    TCGv sum = gen_binop(d, INDEX_op_add, gen_andi_new(d, a, ~h), gen_andi_new(d, b, ~h));
    TCGv tops = gen_andi_new(d, gen_binop(d, INDEX_op_xor, a, b), h);
    return gen_binop(d, INDEX_op_xor, sum, tops);
}

/* Element-wise a - b: with each element's top bit set in a and clear in b, the low
 * bits' borrow stops at the top bit; the top bit is then fixed up as a ^ b ^ borrow. */
static TCGv gen_swar_sub(DisasContext *d, TCGv a, TCGv b, unsigned esz)
{
    if (esz == 8)
        return gen_binop(d, INDEX_op_sub, a, b);
    uint64_t h = top_bits(esz);
    TCGv ah = tmp(d);
    tcg_gen_ori(d->s, ah, a, (int64_t)h);
    TCGv diff = gen_binop(d, INDEX_op_sub, ah, gen_andi_new(d, b, ~h));
    TCGv eqv = tmp(d);
    tcg_gen_xor(d->s, eqv, a, b);
    tcg_gen_xori(d->s, eqv, eqv, (int64_t)h); /* only the top bits matter: ~(a ^ b) */
    return gen_binop(d, INDEX_op_xor, diff, gen_andi_new(d, eqv, h));
}

/* Element-wise (a == b) ? all ones : 0 (SDM Vol 2B PCMPEQB/PCMPEQW/PCMPEQD). An
 * element of x = a ^ b is nonzero iff adding "all but the top bit" to its low bits
 * carries into the top bit, or its top bit is set. */
static TCGv gen_swar_cmpeq(DisasContext *d, TCGv a, TCGv b, unsigned esz)
{
    uint64_t h = top_bits(esz);
    TCGv x = gen_binop(d, INDEX_op_xor, a, b);
    TCGv nonzero = gen_andi_new(d, x, ~h);
    tcg_gen_addi(d->s, nonzero, nonzero, (int64_t)~h);
    tcg_gen_or(d->s, nonzero, nonzero, x);
    TCGv zero_tops = tmp(d);
    tcg_gen_movi(d->s, zero_tops, (int64_t)h);
    tcg_gen_op3(d->s, INDEX_op_andc, zero_tops, zero_tops, nonzero);
    return gen_spread_top(d, zero_tops, esz);
}

/* All ones in the bytes where a < b unsigned: the borrow out of each byte of a - b,
 * ~a & b | ~(a ^ b) & diff at the top bit. */
static TCGv gen_swar_ltu8(DisasContext *d, TCGv a, TCGv b)
{
    TCGv diff = gen_swar_sub(d, a, b, 1);
    TCGv a_lt = tmp(d);
    tcg_gen_op3(d->s, INDEX_op_andc, a_lt, b, a);
    TCGv same = gen_binop(d, INDEX_op_xor, a, b);
    tcg_gen_op3(d->s, INDEX_op_andc, same, diff, same);
    TCGv borrow = gen_binop(d, INDEX_op_or, a_lt, same);
    tcg_gen_andi(d->s, borrow, borrow, (int64_t)top_bits(1));
    return gen_spread_top(d, borrow, 1);
}

/* take ? x : y, bytewise (take is all ones or zero per byte): y ^ ((x ^ y) & take). */
static TCGv gen_select(DisasContext *d, TCGv take, TCGv x, TCGv y)
{
    TCGv r = gen_binop(d, INDEX_op_xor, x, y);
    tcg_gen_and(d->s, r, r, take);
    tcg_gen_xor(d->s, r, r, y);
    return r;
}

/* ---- the operations, one 64-bit half at a time ---- */

static TCGv inline_pand(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_binop(d, INDEX_op_and, x->a[i], x->b[i]);
}

/* SDM Vol 2B PANDN: the destination (a) is inverted, then ANDed with the source. */
static TCGv inline_pandn(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_binop(d, INDEX_op_andc, x->b[i], x->a[i]);
}

static TCGv inline_por(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_binop(d, INDEX_op_or, x->a[i], x->b[i]);
}

static TCGv inline_pxor(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_binop(d, INDEX_op_xor, x->a[i], x->b[i]);
}

#define SWAR_OPS(name, gen, esz)                                                                   \
    static TCGv inline_##name(DisasContext *d, const SseHalves *x, unsigned i)                     \
    {                                                                                              \
        return gen(d, x->a[i], x->b[i], esz);                                                      \
    }
SWAR_OPS(paddb, gen_swar_add, 1)
SWAR_OPS(paddw, gen_swar_add, 2)
SWAR_OPS(paddd, gen_swar_add, 4)
SWAR_OPS(paddq, gen_swar_add, 8)
SWAR_OPS(psubb, gen_swar_sub, 1)
SWAR_OPS(psubw, gen_swar_sub, 2)
SWAR_OPS(psubd, gen_swar_sub, 4)
SWAR_OPS(psubq, gen_swar_sub, 8)
SWAR_OPS(pcmpeqb, gen_swar_cmpeq, 1)
SWAR_OPS(pcmpeqw, gen_swar_cmpeq, 2)
SWAR_OPS(pcmpeqd, gen_swar_cmpeq, 4)
#undef SWAR_OPS

static TCGv inline_pminub(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_select(d, gen_swar_ltu8(d, x->a[i], x->b[i]), x->a[i], x->b[i]);
}

static TCGv inline_pmaxub(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_select(d, gen_swar_ltu8(d, x->a[i], x->b[i]), x->b[i], x->a[i]);
}

/* SDM Vol 2B PSHUFD: dword j of the result is the dword of the source that imm8 bits
 * 2j+1:2j select. */
static TCGv inline_pshufd(DisasContext *d, const SseHalves *x, unsigned i)
{
    TCGv dw[2];
    for (unsigned j = 0; j < 2; j++) {
        unsigned sel = (x->imm >> (2 * (2 * i + j))) & 3;
        dw[j] = tmp(d);
        tcg_gen_extract(d->s, dw[j], x->a[sel >> 1], 32 * (sel & 1), 32);
    }
    tcg_gen_deposit(d->s, dw[0], dw[0], dw[1], 32, 32);
    return dw[0];
}

/* ---- shifts by an imm8 (SDM Vol 2B PSLLW/PSLLD/PSLLQ, PSRLW/PSRLD/PSRLQ: a count
 * above the element width clears it) ---- */

/* value replicated in every element of esz bytes */
static uint64_t replicate(uint64_t value, unsigned esz)
{
    uint64_t r = value;
    for (unsigned bits = 8 * esz; bits < 64; bits *= 2)
        r |= r << bits;
    return r;
}

static TCGv gen_shift_elems(DisasContext *d, const SseHalves *x, unsigned i, unsigned esz,
                            bool left)
{
    unsigned bits = 8 * esz, n = x->imm;
    if (n >= bits)
        return cst(d, 0);
    TCGv r = tmp(d);
    uint64_t elem = bits == 64 ? ~0ull : (1ull << bits) - 1;
    if (left) {
        tcg_gen_shli(d->s, r, x->a[i], n);
        if (esz < 8) /* the bits each element pushed into the next one */
            tcg_gen_andi(d->s, r, r, (int64_t)replicate((elem << n) & elem, esz));
    } else {
        tcg_gen_shri(d->s, r, x->a[i], n);
        if (esz < 8)
            tcg_gen_andi(d->s, r, r, (int64_t)replicate(elem >> n, esz));
    }
    return r;
}

#define SHIFT_IMM_OPS(name, esz, left)                                                             \
    static TCGv inline_##name##_imm(DisasContext *d, const SseHalves *x, unsigned i)               \
    {                                                                                              \
        return gen_shift_elems(d, x, i, esz, left);                                                \
    }
SHIFT_IMM_OPS(psllw, 2, true)
SHIFT_IMM_OPS(pslld, 4, true)
SHIFT_IMM_OPS(psllq, 8, true)
SHIFT_IMM_OPS(psrlw, 2, false)
SHIFT_IMM_OPS(psrld, 4, false)
SHIFT_IMM_OPS(psrlq, 8, false)
#undef SHIFT_IMM_OPS

/* The 128-bit value hi:lo shifted by bits (0 < bits < 64) towards the low half: its low
 * half. */
static TCGv gen_funnel_right(DisasContext *d, TCGv lo, TCGv hi, unsigned bits)
{
    TCGv r = tmp(d), up = tmp(d);
    tcg_gen_shri(d->s, r, lo, bits);
    tcg_gen_shli(d->s, up, hi, 64 - bits);
    tcg_gen_or(d->s, r, r, up);
    return r;
}

/* SDM Vol 2B PSLLDQ/PSRLDQ: the whole register shifted by imm8 bytes (above 15:
 * cleared). Half i of the result is made of the source's bytes [8i - n, 8i - n + 8)
 * (left) or [8i + n, 8i + n + 8) (right), zero outside the register. */
static TCGv gen_byte_shift(DisasContext *d, const SseHalves *x, unsigned i, bool left)
{
    int n = x->imm > 16 ? 16 : (int)x->imm;
    int from = left ? 8 * (int)i - n : 8 * (int)i + n; /* first source byte */
    if (from <= -8 || from >= 16)
        return cst(d, 0);
    if (from % 8 == 0)
        return x->a[from / 8];
    TCGv r = tmp(d);
    if (from < 0) {
        tcg_gen_shli(d->s, r, x->a[0], 8 * -from);
        return r;
    }
    if (from > 8) {
        tcg_gen_shri(d->s, r, x->a[1], 8 * (from - 8));
        return r;
    }
    return gen_funnel_right(d, x->a[0], x->a[1], 8 * (unsigned)from);
}

static TCGv inline_pslldq(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_byte_shift(d, x, i, true);
}

static TCGv inline_psrldq(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_byte_shift(d, x, i, false);
}

/* ---- unpacks and merges ---- */

/* Doubleword k of a register whose halves are h. */
static TCGv gen_dword(DisasContext *d, const TCGv *h, unsigned k)
{
    TCGv r = tmp(d);
    tcg_gen_extract(d->s, r, h[k >> 1], 32 * (k & 1), 32);
    return r;
}

/* SDM Vol 2B PUNPCKLDQ/PUNPCKHDQ (UNPCKLPS/UNPCKHPS): the low (high) doublewords of
 * the operand, of a and b alternately. */
static TCGv gen_unpack_dq(DisasContext *d, const SseHalves *x, unsigned i, bool high)
{
    unsigned k = x->n == 1 ? (high ? 1 : 0) : (high ? 2 : 0) + i;
    TCGv r = gen_dword(d, x->a, k);
    tcg_gen_deposit(d->s, r, r, gen_dword(d, x->b, k), 32, 32);
    return r;
}

static TCGv inline_punpckldq(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_unpack_dq(d, x, i, false);
}

static TCGv inline_punpckhdq(DisasContext *d, const SseHalves *x, unsigned i)
{
    return gen_unpack_dq(d, x, i, true);
}

/* PUNPCKLQDQ/PUNPCKHQDQ (UNPCKLPD/UNPCKHPD): a's low (high) quadword, then b's. */
static TCGv inline_punpcklqdq(DisasContext *d, const SseHalves *x, unsigned i)
{
    (void)d;
    return i == 0 ? x->a[0] : x->b[0];
}

static TCGv inline_punpckhqdq(DisasContext *d, const SseHalves *x, unsigned i)
{
    (void)d;
    return i == 0 ? x->a[1] : x->b[1];
}

/* MOVSS xmm, xmm: b's low doubleword into a (SDM Vol 2B MOVSS). */
static TCGv inline_movss_merge(DisasContext *d, const SseHalves *x, unsigned i)
{
    if (i)
        return x->a[1];
    TCGv r = tmp(d);
    tcg_gen_deposit(d->s, r, x->a[0], x->b[0], 0, 32);
    return r;
}

/* MOVSD xmm, xmm and MOVLPS/MOVLPD loads: b's low quadword into a. */
static TCGv inline_movsd_merge(DisasContext *d, const SseHalves *x, unsigned i)
{
    (void)d;
    return i == 0 ? x->b[0] : x->a[1];
}

/* MOVHPS/MOVHPD loads and MOVLHPS: a's low quadword, then b's. */
static TCGv inline_movhps_merge(DisasContext *d, const SseHalves *x, unsigned i)
{
    return inline_punpcklqdq(d, x, i);
}

/* MOVHLPS: b's high quadword, then a's. */
static TCGv inline_movhlps(DisasContext *d, const SseHalves *x, unsigned i)
{
    (void)d;
    return i == 0 ? x->b[1] : x->a[1];
}

/* ---- dispatch ---- */

enum {
    ROW_XMM_ONLY = 1 << 0,  /* no MMX form inline (none exists, or it differs) */
    ROW_IMM_COUNT = 1 << 1, /* the shift-by-imm8 form (the count form runs the helper) */
};

typedef struct SseInlineRow {
    const TCGHelperInfo *helper;
    SseInlineFn *fn;
    uint8_t flags;
    /* Bytes of b the operation reads, when fewer than the operand size: the memory
     * forms that load only those (MOVLPS, MOVHPS, MMX PUNPCKLDQ m32) run inline too. */
    uint8_t b_bytes;
} SseInlineRow;

/* clang-format off */
static const SseInlineRow inline_rows[] = {
    {&helper_info_pand, inline_pand, 0, 0},
    {&helper_info_pandn, inline_pandn, 0, 0},
    {&helper_info_por, inline_por, 0, 0},
    {&helper_info_pxor, inline_pxor, 0, 0},
    {&helper_info_paddb, inline_paddb, 0, 0},
    {&helper_info_paddw, inline_paddw, 0, 0},
    {&helper_info_paddd, inline_paddd, 0, 0},
    {&helper_info_paddq, inline_paddq, 0, 0},
    {&helper_info_psubb, inline_psubb, 0, 0},
    {&helper_info_psubw, inline_psubw, 0, 0},
    {&helper_info_psubd, inline_psubd, 0, 0},
    {&helper_info_psubq, inline_psubq, 0, 0},
    {&helper_info_pcmpeqb, inline_pcmpeqb, 0, 0},
    {&helper_info_pcmpeqw, inline_pcmpeqw, 0, 0},
    {&helper_info_pcmpeqd, inline_pcmpeqd, 0, 0},
    {&helper_info_pminub, inline_pminub, 0, 0},
    {&helper_info_pmaxub, inline_pmaxub, 0, 0},
    {&helper_info_pshufd, inline_pshufd, ROW_XMM_ONLY, 0},
    {&helper_info_psllw, inline_psllw_imm, ROW_IMM_COUNT, 0},
    {&helper_info_pslld, inline_pslld_imm, ROW_IMM_COUNT, 0},
    {&helper_info_psllq, inline_psllq_imm, ROW_IMM_COUNT, 0},
    {&helper_info_psrlw, inline_psrlw_imm, ROW_IMM_COUNT, 0},
    {&helper_info_psrld, inline_psrld_imm, ROW_IMM_COUNT, 0},
    {&helper_info_psrlq, inline_psrlq_imm, ROW_IMM_COUNT, 0},
    {&helper_info_pslldq, inline_pslldq, ROW_XMM_ONLY | ROW_IMM_COUNT, 0},
    {&helper_info_psrldq, inline_psrldq, ROW_XMM_ONLY | ROW_IMM_COUNT, 0},
    {&helper_info_punpckldq, inline_punpckldq, 0, 4},
    {&helper_info_punpckhdq, inline_punpckhdq, 0, 0},
    {&helper_info_punpcklqdq, inline_punpcklqdq, ROW_XMM_ONLY, 0},
    {&helper_info_punpckhqdq, inline_punpckhqdq, ROW_XMM_ONLY, 0},
    {&helper_info_movss_merge, inline_movss_merge, ROW_XMM_ONLY, 4},
    {&helper_info_movsd_merge, inline_movsd_merge, ROW_XMM_ONLY, 8},
    {&helper_info_movhps_merge, inline_movhps_merge, ROW_XMM_ONLY, 8},
    {&helper_info_movhlps, inline_movhlps, ROW_XMM_ONLY, 0},
};
/* clang-format on */

SseInlineFn *sse_inline_fn(const TCGHelperInfo *helper, unsigned oprsz, unsigned mem_size,
                           bool imm_count)
{
    if (oprsz != 8 && oprsz != 16)
        return NULL;
    for (size_t i = 0; i < sizeof(inline_rows) / sizeof(inline_rows[0]); i++) {
        const SseInlineRow *row = &inline_rows[i];
        if (row->helper != helper)
            continue;
        if ((row->flags & ROW_XMM_ONLY) && oprsz != 16)
            return NULL;
        if (!(row->flags & ROW_IMM_COUNT) != !imm_count)
            return NULL;
        if (mem_size && mem_size != oprsz && !(row->b_bytes && mem_size >= row->b_bytes))
            return NULL;
        return row->fn;
    }
    return NULL;
}

/* The halves of a source operand: from its env slot, or the loaded memory operand. */
static void load_halves(DisasContext *d, VecOpnd o, const TCGv *mem, unsigned mem_halves,
                        unsigned n, TCGv *out)
{
    for (unsigned i = 0; i < n; i++) {
        if (o.kind != VK_MEM)
            out[i] = gen_env_ld(d, vec_offset(o) + 8 * i, 8);
        else /* beyond a short memory operand: never read (b_bytes) */
            out[i] = i < mem_halves ? mem[i] : cst(d, 0);
    }
}

void gen_sse_inline(DisasContext *d, SseInlineFn *fn, VecOpnd dst, VecOpnd a, VecOpnd b,
                    const TCGv *mem, unsigned mem_size, unsigned oprsz)
{
    unsigned n = oprsz / 8, mem_halves = (mem_size + 7) / 8;
    SseHalves x = {.imm = (unsigned)d->insn.imm & 0xff, .n = n};
    load_halves(d, a, mem, mem_halves, n, x.a);
    load_halves(d, b, mem, mem_halves, n, x.b);
    TCGv r[2];
    for (unsigned i = 0; i < n; i++)
        r[i] = fn(d, &x, i);
    if (dst.kind == VK_MMX) {
        gen_mmx_write(d, dst.reg, r[0]);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        gen_env_st(d, r[i], sse_vec_offset(dst.reg) + 8 * i, 8);
    gen_vex_zero_upper(d, dst.reg);
}

/* SDM Vol 2B PMOVMSKB: bit i of the result is the top bit of byte i. The top bits of a
 * half, shifted down to bit 0 of each byte, are gathered into its top byte by one
 * multiply: byte i's bit (8i) lands on bit 56 + i, every other product falls below
 * bit 56 or above bit 63, without carries. */
TCGv gen_pmovmskb_inline(DisasContext *d, VecOpnd src, unsigned oprsz)
{
    TCGv mask = TCG_NO_RET;
    for (unsigned i = 0; i < oprsz / 8; i++) {
        TCGv v = gen_env_ld(d, vec_offset(src) + 8 * i, 8);
        tcg_gen_andi(d->s, v, v, (int64_t)top_bits(1));
        tcg_gen_shri(d->s, v, v, 7);
        TCGv m = gen_binop(d, INDEX_op_mul, v, cst(d, 0x0102040810204080ll));
        tcg_gen_shri(d->s, m, m, 56);
        if (i == 0) {
            mask = m;
        } else {
            tcg_gen_shli(d->s, m, m, 8 * i);
            tcg_gen_or(d->s, mask, mask, m);
        }
    }
    return mask;
}
