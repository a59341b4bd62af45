/* The frame every vector helper runs in (sources in, result out, MXCSR applied in
 * between), the x87/MMX transitions, and the vector instructions that access memory
 * element by element: MASKMOVQ/MASKMOVDQU, VMASKMOV/VPMASKMOV and the AVX2 gathers. */
#include <string.h>

#include "cpu/x86/fpu_helper.h"
#include "cpu/x86/sse_helper.h"

SSE_HELPERS(X86_DEFINE_HELPER_INFO)

/* Operand offsets travel in 16 bits (sse_regs). */
_Static_assert(offsetof(CPUX86State, vec_tmp) + sizeof(X86Vec) <= 0xffff,
               "vector slots must have 16-bit offsets in CPUX86State");

static uint8_t *env_slot(CPUX86State *env, uint64_t off)
{
    return (uint8_t *)env + (off & 0xffff);
}

/* Copies the first n bytes of a 32-byte slot, n a constant at each call site so that
 * the compiler inlines it as a few register moves (no call into libc). */
static inline void copy_slot(X86Vec *dst, const uint8_t *src, unsigned n)
{
    memcpy(dst, src, n);
}

/* The frame is built field by field rather than memset as a whole: this runs once per
 * vector instruction. The result starts zeroed (the ops build it element by element
 * and some leave elements to zero); a source is copied as far as an op of this size
 * reads it: 32 bytes for 256-bit ops, else 16 (an 8-byte MMX op may read a whole XMM
 * source, e.g. CVTPD2PI; an MMX register's slot runs into the next x87 register, which
 * no op looks at). */
static void frame_init(VecCtx *c, CPUX86State *env, uint64_t regs, uint64_t ctl)
{
    c->env = env;
    c->ctl = (uint32_t)ctl;
    c->imm = (unsigned)(ctl & SSE_CTL_IMM_MASK);
    c->oprsz = (unsigned)((ctl >> SSE_CTL_SIZE_SHIFT) & 0xff);
    c->wsz = c->oprsz;
    c->val = 0;
    c->fp = false;
    c->fp_flags = 0;
    memset(&c->r, 0, sizeof(X86Vec));
    if (c->oprsz > 16 || (ctl & SSE_CTL_L256)) {
        copy_slot(&c->a, env_slot(env, regs >> 16), 32);
        copy_slot(&c->b, env_slot(env, regs >> 32), 32);
        copy_slot(&c->c, env_slot(env, regs >> 48), 32);
    } else {
        copy_slot(&c->a, env_slot(env, regs >> 16), 16);
        copy_slot(&c->b, env_slot(env, regs >> 32), 16);
        copy_slot(&c->c, env_slot(env, regs >> 48), 16);
    }
}

/* The result's first n bytes to d (n constant at each call site, see copy_slot). */
static void write_result(uint8_t *d, const X86Vec *r, unsigned n)
{
    switch (n) {
    case 8: memcpy(d, r, 8); break;
    case 16: memcpy(d, r, 16); break;
    case 32: memcpy(d, r, 32); break;
    default: memcpy(d, r, n); break;
    }
}

static void write_dest(VecCtx *c, uint64_t off)
{
    uint8_t *d = env_slot(c->env, off);
    write_result(d, &c->r, c->wsz);
    if (c->ctl & SSE_CTL_MMX_DST) {
        /* SDM Vol 1 §9.5.1: an MMX write sets bits 79:64 of the x87 register. */
        uint16_t ones = 0xffff;
        memcpy(d + offsetof(X87Reg, exp) - offsetof(X87Reg, mant), &ones, sizeof(ones));
    } else if (c->ctl & SSE_CTL_VEX) {
        /* SDM Vol 1 §14.1.2: VEX-encoded instructions zero the destination above the
         * bits they write, up to the maximum vector length. */
        if (c->wsz == 16)
            memset(d + 16, 0, 16);
        else
            memset(d + c->wsz, 0, sizeof(X86Vec) - c->wsz);
    }
}

bool sse_has_tiny(const X86Vec *v, unsigned esz, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        switch (esz) {
        case 2:
            if (!(v->w[i] & 0x7c00) && (v->w[i] & 0x03ff))
                return true;
            break;
        case 4:
            if (!(v->l[i] & 0x7f800000u) && (v->l[i] & 0x007fffffu))
                return true;
            break;
        default:
            if (!(v->q[i] & 0x7ff0000000000000ull) && (v->q[i] & 0x000fffffffffffffull))
                return true;
            break;
        }
    }
    return false;
}

SseUnpacked sse_unpack(uint64_t bits, unsigned esz, bool daz)
{
    SseUnpacked u;
    unsigned frac_bits = esz == 8 ? 52 : esz == 4 ? 23 : 10;
    unsigned exp_bits = esz == 8 ? 11 : esz == 4 ? 8 : 5;
    int64_t bias = (1 << (exp_bits - 1)) - 1;
    uint64_t frac = bits & ((1ull << frac_bits) - 1);
    int64_t e = (int64_t)((bits >> frac_bits) & ((1u << exp_bits) - 1));
    u.neg = (bits >> (8 * esz - 1)) & 1;
    u.sig = e ? frac | (1ull << frac_bits) : frac;
    u.exp = (e ? e : 1) - bias - (int64_t)frac_bits;
    u.zero = u.sig == 0 || (!e && daz);
    return u;
}

unsigned sse_significant_bits(unsigned __int128 v)
{
    unsigned hi = 127, lo = 0;
    while (!((v >> hi) & 1))
        hi--;
    while (!((v >> lo) & 1))
        lo++;
    return hi - lo + 1;
}

uint32_t sse_host_mxcsr(uint32_t guest_mxcsr)
{
    uint32_t csr = (guest_mxcsr & (MXCSR_RC | MXCSR_DAZ | MXCSR_FTZ)) | MXCSR_MASKS;
    if (!(guest_mxcsr & MXCSR_UM))
        csr &= ~MXCSR_FTZ;
    return csr;
}

_Noreturn void sse_fp_raise(CPUX86State *env, uint32_t flags)
{
    env->mxcsr |= flags & MXCSR_FLAGS;
    /* SDM Vol 3A §6.15 (interrupt 19): #XM needs CR4.OSXMMEXCPT, else #UD. */
    x86_raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
}

void sse_fp_commit(CPUX86State *env, uint32_t flags)
{
    const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    uint32_t masks = (env->mxcsr & MXCSR_MASKS) >> 7;
    uint32_t unmasked = flags & ~masks & MXCSR_FLAGS;
    if (unmasked) {
        /* SDM Vol 1 §11.5.3.2: an unmasked pre-computation exception stops the
         * instruction before any computation: only the pre-computation flags (of every
         * element) are set. Otherwise the post-computation flags join them. The
         * destination is not written in either case. */
        sse_fp_raise(env, (unmasked & pre) ? flags & pre : flags);
    }
    env->mxcsr |= flags & MXCSR_FLAGS;
}

static void fp_finish(VecCtx *c)
{
    sse_fp_commit(c->env, c->fp_flags & MXCSR_FLAGS);
}

void sse_vec_run(CPUX86State *env, uint64_t regs, uint64_t ctl, VecOpFn *fn)
{
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    fn(&c);
    if (c.fp)
        fp_finish(&c);
    write_dest(&c, regs);
}

void sse_vec_run_val(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t val, VecOpFn *fn)
{
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    c.val = val;
    fn(&c);
    if (c.fp)
        fp_finish(&c);
    write_dest(&c, regs);
}

uint64_t sse_vec_run_ret(CPUX86State *env, uint64_t regs, uint64_t ctl, VecOpFn *fn)
{
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    fn(&c);
    if (c.fp)
        fp_finish(&c);
    return c.r.q[0];
}

/* ---- x87 / MMX transitions ---- */

/* SDM Vol 1 §9.5.1 and the MMX exception tables (Vol 3A §12.5): a pending unmasked
 * x87 exception (FSW.ES) is reported before an MMX instruction executes, as for a
 * waiting x87 instruction. */
static void mmx_check_pending(CPUX86State *env)
{
    x87_report_pending(env);
}

void helper_mmx_enter(CPUX86State *env)
{
    mmx_check_pending(env);
    env->fpstt = 0;
    env->fptag = 0; /* 00 = valid for each of the 8 registers */
}

void helper_emms(CPUX86State *env)
{
    /* SDM Vol 2A EMMS: marks every x87 register empty (tag 11); like every MMX
     * instruction it also sets TOP to 0 (SDM Vol 3A §12.2). */
    mmx_check_pending(env);
    env->fpstt = 0;
    env->fptag = 0xffff;
}

void helper_sse_check_align(CPUX86State *env, uint64_t addr, uint64_t mask)
{
    /* SDM Vol 2, "Exception Conditions" of the aligned forms: #GP(0) if the memory
     * operand is not aligned, whatever the segment. */
    if (addr & mask)
        x86_raise_exception_err(env, EXCP_GP, 0);
}

/* ---- element-wise memory accesses ---- */

static uint64_t wrap_linear(uint32_t ctl, uint64_t linear)
{
    return (ctl & SSE_CTL_CODE64) ? linear : (linear & 0xffffffffu);
}

void sse_probe_write(CPUX86State *env, uint64_t addr, unsigned size, bool code64)
{
    uint32_t ctl = code64 ? SSE_CTL_CODE64 : 0;
    for (unsigned off = 0; off < size;) {
        uint64_t lin = wrap_linear(ctl, addr + off);
        unsigned n = 0x1000 - (unsigned)(lin & 0xfff);
        if (n > size - off)
            n = size - off;
        x86_probe_access(env, lin, n, X86_ACCESS_WRITE, x86_mmu_index(env->hflags));
        off += n;
    }
}

void helper_sse_probe_write(CPUX86State *env, uint64_t addr, uint64_t ctl)
{
    sse_probe_write(env, addr, (unsigned)(ctl & 0xffff), ctl & SSE_CTL_CODE64);
}

void helper_maskmov(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t addr)
{
    /* SDM Vol 2B MASKMOVDQU/MASKMOVQ: each byte of the source whose mask byte has its
     * top bit set is stored at DS:rDI + i; the others are not written. */
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    /* MASKMOVQ's quadword is checked for #AC (SDM 3A Table 6-7); for MASKMOVDQU's
     * unaligned double quadword it is implementation-specific (§6.15) and not done. */
    if (c.oprsz == 8)
        x86_check_alignment(env, wrap_linear(c.ctl, addr), 8);
    for (unsigned i = 0; i < c.oprsz; i++) {
        if (c.b.b[i] & 0x80)
            x86_st(env, wrap_linear(c.ctl, addr + i), c.a.b[i], 1);
    }
}

static unsigned maskmov_elem_size(uint32_t ctl)
{
    return (ctl & SSE_CTL_REX_W) ? 8 : 4;
}

static bool elem_selected(const X86Vec *mask, unsigned i, unsigned esz)
{
    return esz == 8 ? (mask->q[i] >> 63) : (mask->l[i] >> 31);
}

void helper_vmaskmov_load(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t addr)
{
    /* SDM Vol 2B VMASKMOV/VPMASKMOV: elements whose mask sign bit is clear read as zero
     * and are not accessed (no fault). Every load comes before the write. */
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    unsigned esz = maskmov_elem_size(c.ctl);
    for (unsigned i = 0; i < c.oprsz / esz; i++) {
        if (!elem_selected(&c.a, i, esz))
            continue;
        uint64_t v = x86_ld(env, wrap_linear(c.ctl, addr + i * esz), esz);
        if (esz == 8)
            c.r.q[i] = v;
        else
            c.r.l[i] = (uint32_t)v;
    }
    write_dest(&c, regs);
}

void helper_vmaskmov_store(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t addr)
{
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    unsigned esz = maskmov_elem_size(c.ctl);
    for (unsigned i = 0; i < c.oprsz / esz; i++) {
        if (!elem_selected(&c.a, i, esz))
            continue;
        uint64_t v = esz == 8 ? c.b.q[i] : c.b.l[i];
        x86_st(env, wrap_linear(c.ctl, addr + i * esz), v, esz);
    }
}

void helper_vgather(CPUX86State *env, uint64_t regs, uint64_t ctl, uint64_t base, uint64_t seg_base)
{
    /* SDM Vol 2B VPGATHERDD & co. (VSIB, §2.3.12): element j, if its mask sign bit is
     * set, is loaded from base + sign_extend(index[j]) * scale, truncated to the
     * address size; then the whole mask register is cleared. The loads all come first
     * here, so a fault leaves both registers as they were (a valid point of the
     * architected partial progress). */
    VecCtx c;
    frame_init(&c, env, regs, ctl);
    unsigned isz = (c.imm & 1) ? 8 : 4, esz = (c.imm & 2) ? 8 : 4;
    unsigned n = c.oprsz / (isz > esz ? isz : esz);
    unsigned addr_size = (unsigned)(ctl >> SSE_CTL_ADDR_SHIFT) & 0xf;
    unsigned scale = (unsigned)(ctl >> SSE_CTL_SCALE_SHIFT) & 3;
    uint64_t addr_mask = addr_size == 8 ? ~0ull : (1ull << (8 * addr_size)) - 1;
    uint8_t *dest = env_slot(env, regs);

    memcpy(&c.r, dest, sizeof(X86Vec));
    for (unsigned j = 0; j < n; j++) {
        if (!elem_selected(&c.a, j, esz))
            continue;
        int64_t idx = isz == 8 ? (int64_t)c.b.q[j] : (int64_t)(int32_t)c.b.l[j];
        uint64_t off = (base + ((uint64_t)idx << scale)) & addr_mask;
        uint64_t v = x86_ld(env, wrap_linear(c.ctl, seg_base + off), esz);
        if (esz == 8)
            c.r.q[j] = v;
        else
            c.r.l[j] = (uint32_t)v;
    }
    c.wsz = n * esz;
    write_dest(&c, regs);
    memset(env_slot(env, regs >> 16), 0, sizeof(X86Vec));
}
