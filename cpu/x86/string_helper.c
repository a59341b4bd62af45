/* REP STOS and REP MOVS a page at a time (SDM Vol 1 §7.3.9.3 "Fast-string
 * operation": processors may move several elements per iteration as long as the
 * result, faults included, is that of the element-by-element execution). The
 * translated loop (translate-int.c, lower_string) calls a chunk helper at the top of
 * each iteration and runs one element the ordinary way after it: an element that
 * crosses a page, an MMIO page or DF = 1 take that ordinary way, so only the common
 * case is here. */
#include "cpu/x86/string_helper.h"

#include <stdbool.h>
#include <string.h>

#include "cpu/x86/tlb.h"

X86_STRING_HELPERS(X86_DEFINE_HELPER_INFO)

typedef struct StringOp {
    unsigned size;     /* element size in bytes */
    unsigned addrsize; /* 2, 4 or 8: the width of rCX, rSI, rDI */
    int src_seg;       /* MOVS's source segment (DS unless overridden) */
    bool code64;
} StringOp;

static StringOp string_op(uint64_t desc)
{
    return (StringOp){(unsigned)(desc & 15), (unsigned)((desc >> 4) & 15), (int)((desc >> 8) & 15),
                      ((desc >> 12) & 1) != 0};
}

static uint64_t addr_mask(const StringOp *op)
{
    return op->addrsize == 8 ? ~0ull : (1ull << (8 * op->addrsize)) - 1;
}

/* Writes v, of the address size, to register reg as a write of that size does: a
 * 32-bit write clears the upper half, a 16-bit one keeps bits 63:16. */
static void set_addr_reg(CPUX86State *env, const StringOp *op, int reg, uint64_t v)
{
    uint64_t m = addr_mask(op);
    if (op->addrsize == 2)
        env->regs[reg] = (env->regs[reg] & ~m) | (v & m);
    else
        env->regs[reg] = v & m;
}

/* Linear address of seg:offset (SDM 3A §3.4.4: in 64-bit mode only FS and GS have a
 * base; elsewhere the sum wraps at 4 GiB), as gen_linear computes it. */
static uint64_t linear_of(const CPUX86State *env, const StringOp *op, int seg, uint64_t offset)
{
    if (op->code64)
        return (seg == R_FS || seg == R_GS) ? offset + env->segs[seg].base : offset;
    return (uint32_t)(offset + env->segs[seg].base);
}

/* How many iterations, at most count, stay inside the page of linear and do not wrap
 * the offset at the address size. */
static uint64_t iterations_in_page(const StringOp *op, uint64_t linear, uint64_t offset,
                                   uint64_t count)
{
    uint64_t n = (X86_PAGE_SIZE - (linear & ~X86_PAGE_MASK)) / op->size;
    if (op->addrsize != 8) {
        uint64_t to_wrap = (addr_mask(op) - offset + 1) / op->size;
        n = n < to_wrap ? n : to_wrap;
    }
    return n < count ? n : count;
}

/* The iteration count in rCX, or 0 when the chunk must not run (DF = 1). */
static uint64_t chunk_count(const CPUX86State *env, const StringOp *op)
{
    if (env->eflags & DF_MASK)
        return 0;
    return env->regs[R_ECX] & addr_mask(op);
}

void helper_rep_stos_chunk(CPUX86State *env, uint64_t desc)
{
    StringOp op = string_op(desc);
    uint64_t count = chunk_count(env, &op);
    if (!count)
        return;
    uint64_t di = env->regs[R_EDI] & addr_mask(&op);
    uint64_t dst = linear_of(env, &op, R_ES, di);
    uint64_t n = iterations_in_page(&op, dst, di, count);
    if (!n)
        return;
    uint64_t bytes = n * op.size;
    uint8_t *host =
        x86_probe_access(env, dst, (unsigned)bytes, X86_ACCESS_WRITE, x86_mmu_index(env->hflags));
    if (!host)
        return;
    uint64_t v = env->regs[R_EAX];
    if (op.size == 1) {
        memset(host, (int)(v & 0xff), bytes);
    } else {
        /* little-endian, as the guest stores the low op.size bytes of rAX */
        for (uint64_t i = 0; i < n; i++)
            memcpy(host + i * op.size, &v, op.size);
    }
    set_addr_reg(env, &op, R_EDI, di + bytes);
    set_addr_reg(env, &op, R_ECX, count - n);
}

/* Element after element, forwards: where the destination overlaps the source ahead
 * of it, an element reads what an earlier one of the same chunk wrote, as in the
 * element-by-element execution. */
static void copy_forwards(uint8_t *dst, const uint8_t *src, uint64_t n, unsigned size)
{
    if (dst >= src + n * size || src >= dst + n * size) {
        memcpy(dst, src, n * size);
        return;
    }
    for (uint64_t i = 0; i < n * size; i += size)
        memmove(dst + i, src + i, size);
}

void helper_rep_movs_chunk(CPUX86State *env, uint64_t desc)
{
    StringOp op = string_op(desc);
    uint64_t count = chunk_count(env, &op);
    if (!count)
        return;
    uint64_t si = env->regs[R_ESI] & addr_mask(&op), di = env->regs[R_EDI] & addr_mask(&op);
    uint64_t src = linear_of(env, &op, op.src_seg, si), dst = linear_of(env, &op, R_ES, di);
    uint64_t n = iterations_in_page(&op, src, si, count);
    uint64_t n_dst = iterations_in_page(&op, dst, di, count);
    n = n < n_dst ? n : n_dst;
    if (!n)
        return;
    uint64_t bytes = n * op.size;
    unsigned mmu_idx = x86_mmu_index(env->hflags);
    /* The first iteration reads, then writes: its faults come in that order. */
    const uint8_t *from = x86_probe_access(env, src, (unsigned)bytes, X86_ACCESS_READ, mmu_idx);
    if (!from)
        return;
    uint8_t *to = x86_probe_access(env, dst, (unsigned)bytes, X86_ACCESS_WRITE, mmu_idx);
    if (!to)
        return;
    copy_forwards(to, from, n, op.size);
    set_addr_reg(env, &op, R_ESI, si + bytes);
    set_addr_reg(env, &op, R_EDI, di + bytes);
    set_addr_reg(env, &op, R_ECX, count - n);
}
