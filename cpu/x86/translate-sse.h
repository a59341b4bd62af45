/* What the lowerings of vector instructions share (internal to translate-sse*.c): the
 * operands of a vector instruction, and IR for the vector slots of CPUX86State. */
#ifndef PACIFICA_CPU_X86_TRANSLATE_SSE_H
#define PACIFICA_CPU_X86_TRANSLATE_SSE_H

#include "cpu/x86/sse_helper.h"
#include "cpu/x86/translate.h"

typedef enum VecKind { VK_NONE, VK_XMM, VK_MMX, VK_MEM, VK_GPR } VecKind;

typedef struct VecOpnd {
    VecKind kind;
    unsigned reg;
} VecOpnd;

static inline VecOpnd vo(VecKind kind, unsigned reg)
{
    return (VecOpnd){kind, reg};
}

/* The env slot of a register operand (vec_tmp for a memory one). */
static inline unsigned vec_offset(VecOpnd o)
{
    switch (o.kind) {
    case VK_XMM: return sse_vec_offset(o.reg);
    case VK_MMX: return sse_mmx_offset(o.reg);
    default: return SSE_TMP_OFFSET;
    }
}

/* size (1, 2, 4 or 8) bytes of env at off, zero-extended. */
static inline TCGv gen_env_ld(DisasContext *d, unsigned off, unsigned size)
{
    static const TCGOpcode ops[9] = {
        [1] = INDEX_op_ld8u, [2] = INDEX_op_ld16u, [4] = INDEX_op_ld32u, [8] = INDEX_op_ld};
    TCGv v = tmp(d);
    tcg_gen_ld(d->s, ops[size], v, d->s->env, off);
    return v;
}

static inline void gen_env_st(DisasContext *d, TCGv v, unsigned off, unsigned size)
{
    static const TCGOpcode ops[9] = {
        [1] = INDEX_op_st8, [2] = INDEX_op_st16, [4] = INDEX_op_st32, [8] = INDEX_op_st};
    tcg_gen_st(d->s, ops[size], v, d->s->env, off);
}

static inline void gen_env_zero(DisasContext *d, unsigned off, unsigned size)
{
    TCGv z = cst(d, 0);
    for (unsigned i = 0; i < size; i += 8)
        gen_env_st(d, z, off + i, 8);
}

/* VEX.128 writes zero bits 255:128 of the destination (SDM Vol 1 §14.1.2). */
static inline void gen_vex_zero_upper(DisasContext *d, unsigned reg)
{
    if (d->insn.vex)
        gen_env_zero(d, sse_vec_offset(reg) + 16, 16);
}

/* An MMX register write also sets bits 79:64 of the x87 register (SDM Vol 1 §9.5.1). */
static inline void gen_mmx_write(DisasContext *d, unsigned reg, TCGv v)
{
    gen_env_st(d, v, sse_mmx_offset(reg), 8);
    gen_env_st(d, cst(d, 0xffff), sse_mmx_offset(reg) + 8, 2);
}

/* ---- operations lowered to IR on 64-bit halves (translate-sse-inline.c) ---- */

/* The operands of one inline operation: the 64-bit halves of its two sources (one half
 * for an 8-byte MMX operation) and its imm8. */
typedef struct SseHalves {
    TCGv a[2], b[2];
    unsigned imm;
    unsigned n; /* halves: 1 (MMX) or 2 */
} SseHalves;

/* Emits half i of the result; returns its temp. */
typedef TCGv SseInlineFn(DisasContext *d, const SseHalves *x, unsigned i);

/* The inline lowering of the operation whose helper is helper (its reference
 * semantics) on oprsz bytes, with a memory source of mem_size bytes (0: none) and, for
 * shifts, the count in the imm8 (imm_count); NULL if it runs in the helper. */
SseInlineFn *sse_inline_fn(const TCGHelperInfo *helper, unsigned oprsz, unsigned mem_size,
                           bool imm_count);
/* dst = fn(a, b) on oprsz (8 or 16) bytes. A memory source (kind VK_MEM) is given by
 * mem, its mem_size bytes already loaded (one temp per quadword; below 8 bytes,
 * zero-extended); every source is read before dst is written. */
void gen_sse_inline(DisasContext *d, SseInlineFn *fn, VecOpnd dst, VecOpnd a, VecOpnd b,
                    const TCGv *mem, unsigned mem_size, unsigned oprsz);
/* PMOVMSKB of an 8- or 16-byte register operand: the mask, zero-extended. */
TCGv gen_pmovmskb_inline(DisasContext *d, VecOpnd src, unsigned oprsz);

#endif
