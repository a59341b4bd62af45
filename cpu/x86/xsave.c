/* MXCSR loads, FXSAVE/FXRSTOR (SDM Vol 1 §10.5.1, Vol 2A FXSAVE), XSAVE/XSAVEOPT/
 * XRSTOR in the standard format with the x87, SSE and AVX components (SDM Vol 1
 * chapter 13), and XGETBV/XSETBV.
 *
 * Restores read the whole image and check it before changing any register; saves
 * check that the whole area is writable before they write any of it. */
#include <string.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/fpu_helper.h"
#include "cpu/x86/sse_helper.h"

/* Layout of the legacy region (FXSAVE image and XSAVE bytes 0..511). */
enum {
    FX_FCW = 0,
    FX_FSW = 2,
    FX_FTW = 4, /* abridged: one bit per physical register, 1 = not empty */
    FX_FOP = 6,
    FX_FIP = 8,
    FX_FCS = 12,
    FX_FDP = 16,
    FX_FDS = 20,
    FX_MXCSR = 24,
    FX_MXCSR_MASK = 28,
    FX_ST0 = 32,   /* ST(i) at 32 + 16 * i, 80 bits each */
    FX_XMM0 = 160, /* XMMi at 160 + 16 * i */
    FX_SIZE = 512,
    XSAVE_HEADER = 512, /* XSTATE_BV, XCOMP_BV, then reserved */
};

static bool in_64bit_mode(uint64_t ctl)
{
    return ctl & SSE_CTL_CODE64;
}

/* Outside 64-bit mode only XMM0-7 (and their upper halves) are saved and restored. */
static unsigned nb_xmm(uint64_t ctl)
{
    return in_64bit_mode(ctl) ? 16 : 8;
}

static uint64_t wrap(uint64_t ctl, uint64_t linear)
{
    return in_64bit_mode(ctl) ? linear : (linear & 0xffffffffu);
}

static void mem_write(CPUX86State *env, uint64_t ctl, uint64_t addr, const uint8_t *buf,
                      unsigned len)
{
    unsigned off = 0;
    for (; off + 8 <= len; off += 8) {
        uint64_t v;
        memcpy(&v, buf + off, 8);
        x86_st(env, wrap(ctl, addr + off), v, 8);
    }
    for (; off < len; off++)
        x86_st(env, wrap(ctl, addr + off), buf[off], 1);
}

static void mem_read(CPUX86State *env, uint64_t ctl, uint64_t addr, uint8_t *buf, unsigned len)
{
    unsigned off = 0;
    for (; off + 8 <= len; off += 8) {
        uint64_t v = x86_ld(env, wrap(ctl, addr + off), 8);
        memcpy(buf + off, &v, 8);
    }
    for (; off < len; off++)
        buf[off] = (uint8_t)x86_ld(env, wrap(ctl, addr + off), 1);
}

static void put16(uint8_t *p, unsigned off, uint16_t v)
{
    memcpy(p + off, &v, 2);
}

static void put32(uint8_t *p, unsigned off, uint32_t v)
{
    memcpy(p + off, &v, 4);
}

static void put64(uint8_t *p, unsigned off, uint64_t v)
{
    memcpy(p + off, &v, 8);
}

static uint16_t get16(const uint8_t *p, unsigned off)
{
    uint16_t v;
    memcpy(&v, p + off, 2);
    return v;
}

static uint32_t get32(const uint8_t *p, unsigned off)
{
    uint32_t v;
    memcpy(&v, p + off, 4);
    return v;
}

static uint64_t get64(const uint8_t *p, unsigned off)
{
    uint64_t v;
    memcpy(&v, p + off, 8);
    return v;
}

static void check_alignment(CPUX86State *env, uint64_t addr, uint64_t align)
{
    if (addr & (align - 1))
        x86_raise_exception_err(env, EXCP_GP, 0);
}

/* ---- MXCSR ---- */

static bool mxcsr_valid(uint32_t v)
{
    return !(v & ~MXCSR_MASK_BITS);
}

void helper_ldmxcsr(CPUX86State *env, uint64_t val)
{
    /* SDM Vol 2A LDMXCSR: #GP(0) for a reserved bit; setting a flag whose exception is
     * unmasked raises nothing now. */
    if (!mxcsr_valid((uint32_t)val) || (val >> 32))
        x86_raise_exception_err(env, EXCP_GP, 0);
    env->mxcsr = (uint32_t)val;
}

/* ---- the x87 part of the legacy region ---- */

/* SDM Vol 1 §10.5.1.1: the abridged tag has bit i set when physical register i is
 * not empty. */
static uint8_t abridged_tag(uint16_t fptag)
{
    uint8_t t = 0;
    for (unsigned i = 0; i < 8; i++)
        if (((fptag >> (2 * i)) & 3) != 3)
            t |= (uint8_t)(1u << i);
    return t;
}

/* The full tag of a non-empty register from its contents (SDM Vol 1 §8.1.7, and the
 * FXSAVE page of Vol 2A on the abridged tag): zero, special (NaN, infinity, denormal,
 * unsupported) or valid. */
static unsigned tag_of(const X87Reg *r)
{
    unsigned exp = r->exp & 0x7fff;
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return r->mant ? 2 : 1;
    return (r->mant >> 63) ? 0 : 2;
}

static void x87_save(const CPUX86State *env, uint8_t *img, bool rex_w)
{
    put16(img, FX_FCW, env->fpuc);
    put16(img, FX_FSW, (uint16_t)((env->fpus & ~0x3800u) | (env->fpstt & 7) << 11));
    img[FX_FTW] = abridged_tag(env->fptag);
    img[FX_FTW + 1] = 0;
    put16(img, FX_FOP, env->fpop & 0x7ff);
    if (rex_w) {
        /* SDM Vol 2A FXSAVE Table 3-46: 64-bit instruction and data pointers */
        put64(img, FX_FIP, env->fpip);
        put64(img, FX_FDP, env->fpdp);
    } else {
        /* Tables 3-43 and 3-47: 32-bit offsets with their selectors */
        put32(img, FX_FIP, (uint32_t)env->fpip);
        put16(img, FX_FCS, env->fpcs);
        put16(img, FX_FCS + 2, 0);
        put32(img, FX_FDP, (uint32_t)env->fpdp);
        put16(img, FX_FDS, env->fpds);
        put16(img, FX_FDS + 2, 0);
    }
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &env->fpregs[(env->fpstt + i) & 7]; /* stack order: ST(i) */
        uint8_t *p = img + FX_ST0 + 16 * i;
        memset(p, 0, 16);
        put64(p, 0, r->mant);
        put16(p, 8, r->exp);
    }
}

static void x87_restore(CPUX86State *env, const uint8_t *img, bool rex_w)
{
    uint16_t fsw = get16(img, FX_FSW);
    env->fpuc = get16(img, FX_FCW);
    env->fpstt = (fsw >> 11) & 7;
    env->fpus = fsw & ~0x3800u;
    env->fpop = get16(img, FX_FOP) & 0x7ff;
    if (rex_w) {
        env->fpip = get64(img, FX_FIP);
        env->fpdp = get64(img, FX_FDP);
    } else {
        env->fpip = get32(img, FX_FIP);
        env->fpcs = get16(img, FX_FCS);
        env->fpdp = get32(img, FX_FDP);
        env->fpds = get16(img, FX_FDS);
    }
    for (unsigned i = 0; i < 8; i++) {
        X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];
        const uint8_t *p = img + FX_ST0 + 16 * i;
        r->mant = get64(p, 0);
        r->exp = get16(p, 8);
    }
    uint16_t tag = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (img[FX_FTW] >> i) & 1 ? tag_of(&env->fpregs[i]) : 3;
        tag |= (uint16_t)(t << (2 * i));
    }
    env->fptag = tag;
    x87_update_ferr(env);
}

/* SDM Vol 1 §13.6: x87 state's initial configuration. */
static void x87_init(CPUX86State *env)
{
    env->fpuc = 0x037f;
    env->fpus = 0;
    env->fpstt = 0;
    env->fptag = 0xffff;
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
    memset(env->fpregs, 0, sizeof(env->fpregs));
    x87_update_ferr(env);
}

static bool x87_in_use(const CPUX86State *env)
{
    if (env->fpuc != 0x037f || env->fpus || env->fpstt || env->fptag != 0xffff || env->fpop ||
        env->fpip || env->fpdp || env->fpcs || env->fpds)
        return true;
    for (unsigned i = 0; i < 8; i++)
        if (env->fpregs[i].mant || env->fpregs[i].exp)
            return true;
    return false;
}

static bool sse_in_use(const CPUX86State *env, uint64_t ctl)
{
    for (unsigned i = 0; i < nb_xmm(ctl); i++)
        if (env->vec[i].q[0] || env->vec[i].q[1])
            return true;
    return false;
}

static bool avx_in_use(const CPUX86State *env, uint64_t ctl)
{
    for (unsigned i = 0; i < nb_xmm(ctl); i++)
        if (env->vec[i].q[2] || env->vec[i].q[3])
            return true;
    return false;
}

/* XINUSE (SDM Vol 1 §13.6): the components not in their initial configuration. */
static uint64_t xinuse(const CPUX86State *env, uint64_t ctl)
{
    return (x87_in_use(env) ? XSTATE_X87 : 0) | (sse_in_use(env, ctl) ? XSTATE_SSE : 0) |
           (avx_in_use(env, ctl) ? XSTATE_AVX : 0);
}

/* ---- FXSAVE / FXRSTOR ---- */

void helper_fxsave(CPUX86State *env, uint64_t addr, uint64_t ctl)
{
    /* SDM Vol 2A FXSAVE: #GP(0) unless 16-byte aligned. Bytes 416-511 are not written
     * (464-511 belong to software), nor XMM8-15 outside 64-bit mode. */
    uint8_t img[FX_SIZE];
    unsigned n = nb_xmm(ctl);
    check_alignment(env, addr, 16);
    sse_probe_write(env, addr, FX_XMM0 + 16 * n, in_64bit_mode(ctl));
    x87_save(env, img, ctl & SSE_CTL_REX_W);
    put32(img, FX_MXCSR, env->mxcsr);
    put32(img, FX_MXCSR_MASK, MXCSR_MASK_BITS);
    for (unsigned i = 0; i < n; i++)
        memcpy(img + FX_XMM0 + 16 * i, &env->vec[i], 16);
    mem_write(env, ctl, addr, img, FX_XMM0 + 16 * n);
}

void helper_fxrstor(CPUX86State *env, uint64_t addr, uint64_t ctl)
{
    /* SDM Vol 2A FXRSTOR: #GP(0) unless 16-byte aligned or for reserved MXCSR bits. */
    uint8_t img[FX_SIZE];
    unsigned n = nb_xmm(ctl);
    check_alignment(env, addr, 16);
    mem_read(env, ctl, addr, img, FX_XMM0 + 16 * n);
    uint32_t mxcsr = get32(img, FX_MXCSR);
    if (!mxcsr_valid(mxcsr))
        x86_raise_exception_err(env, EXCP_GP, 0);
    x87_restore(env, img, ctl & SSE_CTL_REX_W);
    env->mxcsr = mxcsr;
    for (unsigned i = 0; i < n; i++)
        memcpy(&env->vec[i], img + FX_XMM0 + 16 * i, 16);
}

/* ---- XSAVE / XSAVEOPT / XRSTOR (standard format) ---- */

/* SDM Vol 1 §13.7 (XSAVE) and §13.9 (XSAVEOPT): save each component of RFBM = XCR0 AND
 * EDX:EAX; XSAVEOPT skips the components in their initial configuration. XSTATE_BV
 * bits of RFBM become XINUSE; the rest of the header is left alone. */
static void xsave_common(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl,
                         bool optimized)
{
    uint8_t img[XSAVE_AREA_SIZE];
    unsigned n = nb_xmm(ctl);
    uint64_t rfbm = mask & env->xcr0;
    uint64_t inuse = xinuse(env, ctl);
    uint64_t save = optimized ? rfbm & inuse : rfbm;

    check_alignment(env, addr, 64);
    /* the legacy region and header, and the AVX part only if it is saved (an area
     * sized for XCR0 = x87|SSE may end at the header) */
    sse_probe_write(env, addr, (rfbm & XSTATE_AVX) ? XSAVE_AREA_SIZE : XSAVE_AVX_OFFSET,
                    in_64bit_mode(ctl));
    uint64_t bv = x86_ld(env, wrap(ctl, addr + XSAVE_HEADER), 8);
    memset(img, 0, sizeof(img));
    if (save & XSTATE_X87) {
        x87_save(env, img, ctl & SSE_CTL_REX_W);
        mem_write(env, ctl, addr, img, FX_MXCSR);
        mem_write(env, ctl, addr + FX_ST0, img + FX_ST0, FX_XMM0 - FX_ST0);
    }
    if (rfbm & (XSTATE_SSE | XSTATE_AVX)) {
        /* MXCSR goes with either component (§13.5.2) */
        put32(img, FX_MXCSR, env->mxcsr);
        put32(img, FX_MXCSR_MASK, MXCSR_MASK_BITS);
        mem_write(env, ctl, addr + FX_MXCSR, img + FX_MXCSR, 8);
    }
    if (save & XSTATE_SSE) {
        for (unsigned i = 0; i < n; i++)
            memcpy(img + FX_XMM0 + 16 * i, &env->vec[i], 16);
        mem_write(env, ctl, addr + FX_XMM0, img + FX_XMM0, 16 * n);
    }
    if (save & XSTATE_AVX) {
        for (unsigned i = 0; i < n; i++)
            memcpy(img + XSAVE_AVX_OFFSET + 16 * i, &env->vec[i].b[16], 16);
        mem_write(env, ctl, addr + XSAVE_AVX_OFFSET, img + XSAVE_AVX_OFFSET, 16 * n);
    }
    bv = (bv & ~rfbm) | (inuse & rfbm);
    x86_st(env, wrap(ctl, addr + XSAVE_HEADER), bv, 8);
}

void helper_xsave(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl)
{
    xsave_common(env, addr, mask, ctl, false);
}

void helper_xsaveopt(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl)
{
    xsave_common(env, addr, mask, ctl, true);
}

/* SDM Vol 1 §13.8: components of RFBM are loaded when their XSTATE_BV bit is set and
 * initialized otherwise; MXCSR is loaded whenever RFBM has SSE or AVX. #GP(0) for a
 * misaligned area, an XSTATE_BV bit outside XCR0, nonzero header bytes 8-23 (XCOMP_BV:
 * the compacted format is not supported) or a reserved MXCSR bit; all checked before
 * anything changes. */
void helper_xrstor(CPUX86State *env, uint64_t addr, uint64_t mask, uint64_t ctl)
{
    uint8_t img[XSAVE_AREA_SIZE];
    unsigned n = nb_xmm(ctl);
    uint64_t rfbm = mask & env->xcr0;

    check_alignment(env, addr, 64);
    mem_read(env, ctl, addr + XSAVE_HEADER, img + XSAVE_HEADER, 24);
    uint64_t bv = get64(img, XSAVE_HEADER);
    if ((bv & ~env->xcr0) || get64(img, XSAVE_HEADER + 8) || get64(img, XSAVE_HEADER + 16))
        x86_raise_exception_err(env, EXCP_GP, 0);
    uint64_t load = rfbm & bv;
    if (load & XSTATE_X87) {
        mem_read(env, ctl, addr, img, FX_MXCSR);
        mem_read(env, ctl, addr + FX_ST0, img + FX_ST0, FX_XMM0 - FX_ST0);
    }
    if (rfbm & (XSTATE_SSE | XSTATE_AVX)) {
        mem_read(env, ctl, addr + FX_MXCSR, img + FX_MXCSR, 4);
        if (!mxcsr_valid(get32(img, FX_MXCSR)))
            x86_raise_exception_err(env, EXCP_GP, 0);
    }
    if (load & XSTATE_SSE)
        mem_read(env, ctl, addr + FX_XMM0, img + FX_XMM0, 16 * n);
    if (load & XSTATE_AVX)
        mem_read(env, ctl, addr + XSAVE_AVX_OFFSET, img + XSAVE_AVX_OFFSET, 16 * n);

    if (rfbm & XSTATE_X87) {
        if (load & XSTATE_X87)
            x87_restore(env, img, ctl & SSE_CTL_REX_W);
        else
            x87_init(env);
    }
    if (rfbm & (XSTATE_SSE | XSTATE_AVX))
        env->mxcsr = get32(img, FX_MXCSR);
    for (unsigned i = 0; i < n; i++) {
        if (rfbm & XSTATE_SSE) {
            if (load & XSTATE_SSE)
                memcpy(&env->vec[i], img + FX_XMM0 + 16 * i, 16);
            else
                memset(&env->vec[i], 0, 16);
        }
        if (rfbm & XSTATE_AVX) {
            if (load & XSTATE_AVX)
                memcpy(&env->vec[i].b[16], img + XSAVE_AVX_OFFSET + 16 * i, 16);
            else
                memset(&env->vec[i].b[16], 0, 16);
        }
    }
}

/* ---- XGETBV / XSETBV ---- */

uint64_t helper_xgetbv(CPUX86State *env, uint64_t ecx)
{
    /* SDM Vol 2B XGETBV: ECX = 0 reads XCR0; ECX = 1 reads XCR0 AND XINUSE where
     * CPUID.(EAX=0DH,ECX=1):EAX[2] says so; anything else #GP(0). */
    const uint32_t xgetbv_ecx1 = 1u << 2;
    switch ((uint32_t)ecx) {
    case 0: return env->xcr0;
    case 1:
        if (x86_cpu_model_has(x86_env_model(env), FEAT_D_1_EAX, xgetbv_ecx1))
            return env->xcr0 & xinuse(env, (env->hflags & HF_CS64) ? SSE_CTL_CODE64 : 0);
        break;
    default: break;
    }
    x86_raise_exception_err(env, EXCP_GP, 0);
}

void helper_xsetbv(CPUX86State *env, uint64_t ecx, uint64_t val)
{
    /* SDM Vol 2B XSETBV: #GP(0) at CPL > 0, for ECX other than 0, for unsupported
     * bits, without bit 0 (x87), or with AVX but not SSE. */
    if ((env->hflags & HF_CPL_MASK) || (uint32_t)ecx != 0 || (val & ~(uint64_t)XSTATE_SUPPORTED) ||
        !(val & XSTATE_X87) || ((val & XSTATE_AVX) && !(val & XSTATE_SSE)))
        x86_raise_exception_err(env, EXCP_GP, 0);
    env->xcr0 = val;
    x86_cpu_update_hflags(env);
}
