/* Initial states and instruction sequences.
 *
 * A sequence must be safe to run natively: every memory operand lands in the data
 * buffer or the stack area, branches only go forward to instruction boundaries of the
 * sequence (or its end), and nothing reads a flag or register an earlier instruction
 * left undefined. The analysis below tracks, instruction after instruction, which
 * registers still hold pointers into the buffer (or small counts), how far rSP has
 * moved, and which flags are "poisoned" (undefined): a candidate that would break one
 * of these rules is refused and another one drawn. Forward branches merge the state
 * of every path into their target conservatively.
 *
 * Random instructions are built from random prefixes, opcode maps, opcodes, ModRM/SIB
 * (with bases chosen among the pointer registers) and immediates, and kept only if the
 * decoder (cpu/x86/decode.h) accepts them: the generator covers what the decoder
 * knows.
 */
#include <stdio.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "tests/cpu-diff/cpu-diff.h"

enum { REG_SP = 4, REG_BP = 5 };

#define INITIAL_RSP  (CD_STACK + CD_STACK_SIZE / 2)
#define RSP_ROOM     0x380 /* rSP stays within this of where it started */
#define MAX_ATTEMPTS 400

/* ---- values ---- */

static uint64_t random_int(Rng *r)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     2,
                                     3,
                                     7,
                                     8,
                                     0x0f,
                                     0x10,
                                     0x1f,
                                     0x20,
                                     0x3f,
                                     0x40,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x100,
                                     0x7fff,
                                     0x8000,
                                     0xffff,
                                     0x10000,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x100000000ull,
                                     0x7fffffffffffffffull,
                                     0x8000000000000000ull,
                                     0xffffffffffffffffull,
                                     0xfffffffffffffffeull,
                                     0x8000000080000000ull,
                                     0x0123456789abcdefull};
    const unsigned n = sizeof(edges) / sizeof(edges[0]);
    switch (rng_below(r, 9)) {
    case 0: return edges[rng_below(r, n)];
    case 1: return edges[rng_below(r, n)] + rng_below(r, 5) - 2;
    case 2: return (rng_next(r) & ~0xffull) | edges[rng_below(r, n)];
    case 3: return rng_next(r) & 0xff;
    case 4: return (uint64_t)(int64_t)(int8_t)rng_next(r);
    case 5: return rng_next(r) & 0xffff;
    case 6: return rng_next(r) & 0xffffffff;
    case 7: return (uint64_t)(int64_t)(int32_t)rng_next(r);
    default: return rng_next(r);
    }
}

/* Single-precision bit patterns: zeros, ones, infinities, NaNs (quiet and signalling),
 * denormals, extremes, integer boundaries, or random (SDM Vol 1 §4.2.2). */
static uint32_t random_f32(Rng *r)
{
    static const uint32_t special[] = {0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000,
                                       0x3f000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
                                       0x7fa00000, 0xff800001, 0x00000001, 0x807fffff, 0x00800000,
                                       0x7f7fffff, 0xff7fffff, 0x4b000000, 0x4f000000, 0xcf000000,
                                       0x5f000000, 0xdf000000, 0x40490fdb, 0x4effffff, 0x3eaaaaab};
    const unsigned n = sizeof(special) / sizeof(special[0]);
    switch (rng_below(r, 5)) {
    case 0:
    case 1: return special[rng_below(r, n)];
    case 2: { /* a small integer */
        float f = (float)((int)rng_below(r, 2001) - 1000) / (float)(1u << rng_below(r, 4));
        uint32_t v;
        memcpy(&v, &f, 4);
        return v;
    }
    case 3: /* exponent near the middle: ordinary numbers */
        return (uint32_t)(rng_next(r) & 0x807fffff) | ((100 + rng_below(r, 55)) << 23);
    default: return (uint32_t)rng_next(r);
    }
}

static uint64_t random_f64(Rng *r)
{
    static const uint64_t special[] = {
        0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
        0x3ff8000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
        0xfff8000000000000ull, 0x7ff4000000000000ull, 0x0000000000000001ull, 0x000fffffffffffffull,
        0x0010000000000000ull, 0x7fefffffffffffffull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
        0x43e0000000000000ull, 0xc3e0000000000000ull, 0x400921fb54442d18ull, 0x3fd5555555555555ull,
        0x41dfffffffc00000ull};
    const unsigned n = sizeof(special) / sizeof(special[0]);
    switch (rng_below(r, 5)) {
    case 0:
    case 1: return special[rng_below(r, n)];
    case 2: {
        double d = (double)((int)rng_below(r, 200001) - 100000) / (double)(1u << rng_below(r, 8));
        uint64_t v;
        memcpy(&v, &d, 8);
        return v;
    }
    case 3:
        return (rng_next(r) & 0x800fffffffffffffull) | ((uint64_t)(1000 + rng_below(r, 48)) << 52);
    default: return rng_next(r);
    }
}

/* 8 bytes of data: integers, floats or doubles, or noise. */
static uint64_t random_slot(Rng *r)
{
    switch (rng_below(r, 5)) {
    case 0: return random_int(r);
    case 1: return random_f32(r) | (uint64_t)random_f32(r) << 32;
    case 2: return random_f64(r);
    case 3: return rng_next(r);
    default: return rng_chance(r, 1, 2) ? random_f64(r) : random_int(r);
    }
}

/* An 80-bit x87 value (SDM Vol 1 §8.2.2): mostly normal numbers, some zeros,
 * infinities, NaNs, denormals and the odd unsupported encoding. */
static void random_f80(Rng *r, uint8_t out[10])
{
    uint64_t mant;
    uint16_t se;
    switch (rng_below(r, 10)) {
    case 0:
        mant = 0;
        se = 0;
        break;
    case 1:
        mant = 1ull << 63;
        se = 0x7fff;
        break;
    case 2:
        mant = 0xc000000000000000ull | (rng_next(r) >> 2);
        se = 0x7fff;
        break;
    case 3:
        mant = rng_next(r) >> 1;
        se = 0;
        break;
    case 4:
        mant = rng_next(r) >> 1; /* unnormal: exponent without the integer bit */
        se = (uint16_t)(1 + rng_below(r, 0x7ffe));
        break;
    case 5: { /* an exact double, as FLD m64 would give */
        double d = (double)((int)rng_below(r, 2001) - 1000) / 8.0;
        long double ld = d;
        memcpy(out, &ld, 10);
        out[9] |= rng_chance(r, 1, 2) ? 0x80 : 0;
        return;
    }
    default:
        mant = rng_next(r) | (1ull << 63);
        se = (uint16_t)(16383 - 80 + rng_below(r, 160));
        break;
    }
    se |= rng_chance(r, 1, 2) ? 0x8000 : 0;
    memcpy(out, &mant, 8);
    memcpy(out + 8, &se, 2);
}

static void random_vector(Rng *r, uint8_t v[32])
{
    for (int i = 0; i < 32; i += 8) {
        uint64_t x = random_slot(r);
        memcpy(v + i, &x, 8);
    }
}

static uint32_t random_mxcsr(Rng *r)
{
    uint32_t m = 0x1f80; /* all exceptions masked, round to nearest */
    if (rng_chance(r, 1, 3))
        m |= rng_below(r, 4) << 13; /* rounding control */
    if (rng_chance(r, 1, 6))
        m |= 1u << 15; /* FTZ */
    if (rng_chance(r, 1, 6))
        m |= 1u << 6; /* DAZ */
    if (rng_chance(r, 1, 4))
        m |= rng_below(r, 64); /* sticky exception flags */
    if (rng_chance(r, 1, 10))
        m &= ~(1u << (7 + rng_below(r, 6))); /* one exception unmasked */
    return m;
}

static void random_x87(Rng *r, DiffRegs *regs)
{
    regs->fcw = 0x037f;
    if (rng_chance(r, 1, 4)) /* rounding and precision control, exceptions masked */
        regs->fcw = (uint16_t)(0x007f | (rng_below(r, 4) << 10) | (rng_below(r, 4) << 8));
    unsigned top = rng_below(r, 8);
    unsigned nvalid = rng_below(r, 9);
    regs->fsw = (uint16_t)(top << 11);
    if (rng_chance(r, 1, 2))
        regs->fsw |= (uint16_t)(rng_next(r) & FSW_CC);
    regs->ftw = 0;
    memset(regs->st, 0, sizeof(regs->st));
    for (unsigned i = 0; i < nvalid; i++) {
        random_f80(r, regs->st[i]);
        regs->ftw |= (uint8_t)(1u << ((top + i) & 7));
    }
}

void gen_initial_state(Rng *r, DiffMode mode, uint16_t ptr_regs, uint16_t small_regs, DiffState *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < 16; i++) {
        uint64_t v;
        if (i == REG_SP)
            v = INITIAL_RSP - (rng_chance(r, 1, 8) ? 4 * rng_below(r, 4) : 0);
        else if (ptr_regs & (1u << i))
            v = CD_DATA + PTR_LO + rng_below(r, PTR_HI - PTR_LO);
        else if (small_regs & (1u << i))
            v = rng_below(r, SMALL_MAX + 1);
        else
            v = random_int(r);
        if (ptr_regs & (1u << i)) {
            /* mostly aligned, for SSE/AVX operands that must be */
            unsigned roll = rng_below(r, 4);
            v &= roll < 2 ? ~31ull : roll == 2 ? ~7ull : ~0ull;
        }
        s->r.gpr[i] = mode == DIFF_MODE_32 ? (uint32_t)v : v;
    }
    s->r.rip = CD_CODE;
    /* arithmetic flags at random, DF sometimes, ID sometimes; IF is always set in user
     * mode; AC stays clear (Linux sets CR0.AM: it would enable alignment checks) */
    s->r.rflags = 0x202 | (rng_next(r) & CC_MASK);
    if (rng_chance(r, 1, 4))
        s->r.rflags |= DF_MASK;
    if (rng_chance(r, 1, 4))
        s->r.rflags |= ID_MASK;
    s->r.mxcsr = random_mxcsr(r);
    for (int i = 0; i < 16; i++)
        random_vector(r, s->r.ymm[i]);
    random_x87(r, &s->r);
    for (int i = 0; i < CD_DATA_SIZE; i += 8) {
        uint64_t x = random_slot(r);
        memcpy(s->m.data + i, &x, 8);
    }
    for (int i = 0; i < CD_STACK_SIZE; i += 8) {
        uint64_t x = rng_chance(r, 1, 2) ? rng_next(r) : random_int(r);
        memcpy(s->m.stack + i, &x, 8);
    }
}

/* ---- the safety analysis ---- */

typedef struct Track {
    uint16_t ptr;          /* GPRs pointing into the data buffer */
    uint16_t small;        /* GPRs holding 0..SMALL_MAX */
    uint16_t upper_poison; /* GPRs whose upper 32 bits are undefined */
    bool rsp_ok;           /* rSP points into the stack area (or the buffer) */
    int rsp_lo, rsp_hi;    /* how far rSP may have moved, in bytes */
    uint32_t poison;       /* undefined arithmetic flags */
    uint16_t fsw_poison;   /* undefined x87 condition codes */
    bool im_masked;        /* FCW.IM known to be set */
    bool ac_maybe;         /* a POPF may have set EFLAGS.AC (alignment checks) */
} Track;

typedef struct Pending {
    unsigned disp_at;   /* offset of the displacement in the code */
    unsigned disp_size; /* 1, 2 or 4 */
    unsigned from;      /* offset of the end of the branch */
    int target;         /* -1 while unresolved (generator) */
    Track state;        /* the state on the taken path */
} Pending;

typedef struct Analysis {
    DiffMode mode;
    bool native32;
    bool directed; /* hand-written: LDMXCSR & co. are allowed */
    Track t;
    Pending pend[DIFF_MAX_INSNS];
    unsigned npend;
    bool popf_pending; /* the last instruction was POPF: another must follow */
} Analysis;

static void track_init(Track *t, const DiffState *s, DiffMode mode)
{
    memset(t, 0, sizeof(*t));
    unsigned nregs = mode == DIFF_MODE_64 ? 16 : 8;
    for (unsigned i = 0; i < nregs; i++) {
        uint64_t v = s->r.gpr[i];
        if (i == REG_SP)
            continue;
        if (v >= CD_DATA + PTR_LO && v < CD_DATA + PTR_HI)
            t->ptr |= (uint16_t)(1u << i);
        if (v <= SMALL_MAX)
            t->small |= (uint16_t)(1u << i);
    }
    uint64_t sp = s->r.gpr[REG_SP];
    t->rsp_ok = sp >= INITIAL_RSP - 64 && sp <= INITIAL_RSP + 64;
    t->im_masked = s->r.fcw & 1;
}

static void track_merge(Track *t, const Track *o)
{
    t->ptr &= o->ptr;
    t->small &= o->small;
    t->upper_poison |= o->upper_poison;
    t->rsp_ok = t->rsp_ok && o->rsp_ok;
    t->rsp_lo = t->rsp_lo < o->rsp_lo ? t->rsp_lo : o->rsp_lo;
    t->rsp_hi = t->rsp_hi > o->rsp_hi ? t->rsp_hi : o->rsp_hi;
    t->poison |= o->poison;
    t->fsw_poison |= o->fsw_poison;
    t->im_masked = t->im_masked && o->im_masked;
    t->ac_maybe = t->ac_maybe || o->ac_maybe;
}

static uint64_t addr_mask(const X86Insn *in, DiffMode mode)
{
    return (in->addrsize == 8 && mode == DIFF_MODE_64) ? ~0ull : 0xffffffffull;
}

/* Directed fault tests may name an address that surely faults on both sides: the
 * unmapped guard pages after the test region, or a non-canonical address. */
static bool faulting_address_ok(const Analysis *a, uint64_t ea)
{
    if (!a->directed)
        return false;
    /* (from just below it: an access straddling into it faults as a whole) */
    if (ea >= CD_BASE + CD_GUEST_SIZE - 16 && ea < CD_CTX - 64)
        return true;
    uint64_t top = ea >> 47;
    return a->mode == DIFF_MODE_64 && top != 0 && top != 0x1ffff;
}

/* Is the ModRM memory operand inside the buffers, whatever the registers hold? */
static const char *check_mem_operand(const Analysis *a, const X86Insn *in)
{
    if (in->addrsize == 2)
        return "16-bit addressing";
    if (in->index >= 0 && !(a->t.small & (1u << in->index)))
        return "index register is not a small count";
    uint64_t pc_next = CD_CODE + in->pc + in->len;
    if (in->rip_relative) {
        uint64_t ea = pc_next + (uint64_t)in->disp;
        if (ea < CD_DATA || ea > CD_DATA + CD_DATA_SIZE - 64)
            return "RIP-relative operand outside the buffer";
        return NULL;
    }
    if (in->base < 0) {
        uint64_t ea = (uint64_t)in->disp & addr_mask(in, a->mode);
        if (in->index < 0 && faulting_address_ok(a, ea))
            return NULL;
        if (ea < CD_DATA || ea > CD_DATA + CD_DATA_SIZE - 64 - 8 * SMALL_MAX)
            return "absolute operand outside the buffer";
        return NULL;
    }
    if (in->disp < -0x300 || in->disp > 0x300)
        return "displacement too large";
    if (in->base == REG_SP)
        return a->t.rsp_ok ? NULL : "rSP-based operand with rSP unknown";
    if (!(a->t.ptr & (1u << in->base)))
        return "base register is not a pointer";
    return NULL;
}

static bool is_moffs(const X86Insn *in)
{
    for (int i = 0; i < 4; i++)
        if (in->entry->opnd[i] == OPND_Ob || in->entry->opnd[i] == OPND_Ov)
            return true;
    return false;
}

static bool is_vector_family(DiffFamily f)
{
    return f == FAM_SSE || f == FAM_SSE4 || f == FAM_AVX;
}

/* The checks every instruction must pass; NULL if it may run, else why not. */
static const char *check_insn(const Analysis *a, const X86Insn *in, const DiffState *known,
                              bool last, FlagEffect *fx, ImplicitRegs *ir)
{
    const char *why = isa_excluded(in, a->mode);
    if (why && !(a->directed && isa_directed_only(in)))
        return why;
    if (in->seg == 4 || in->seg == 5)
        return "FS/GS override (their bases differ)";
    if (a->mode == DIFF_MODE_32 && !a->native32) {
        if (in->seg >= 0)
            return "segment override (64-bit equivalent)";
        switch (in->op) {
        case X86_OP_VZEROUPPER:
        case X86_OP_VZEROALL: return "clears YMM8-15 only in 64-bit mode (64-bit equivalent)";
        case X86_OP_BLENDVPS:
        case X86_OP_BLENDVPD:
        case X86_OP_PBLENDVB:
            /* SDM Vol 2 §2.3.9 (is4): imm8[7] is ignored outside 64-bit mode */
            if (in->vex && (in->imm & 0x80))
                return "register in imm8[7:4] above 7 (64-bit equivalent)";
            break;
        case X86_OP_LOOP:
        case X86_OP_LOOPE:
        case X86_OP_LOOPNE:
        case X86_OP_CALL: return "uses a 64-bit rCX/stack in the 64-bit equivalent";
        case X86_OP_JCXZ:
            /* 67 E3 is JCXZ (CX) in 32-bit mode but JECXZ (ECX) in 64-bit mode */
            if (in->addrsize == 2)
                return "JCXZ tests ECX in the 64-bit equivalent";
            break;
        case X86_OP_MOV:
            if (in->entry->opnd[1] == OPND_Sw)
                return "reads CS (differs in the 64-bit equivalent)";
            break;
        default: break;
        }
    }
    if (isa_modrm_mem(in) && (why = check_mem_operand(a, in)))
        return why;
    if (a->t.ac_maybe &&
        ((isa_modrm_mem(in) && is_vector_family(isa_family(in))) || in->op == X86_OP_MASKMOVDQU))
        /* SDM Vol 3A §6.15, interrupt 17: for the unaligned 128-bit loads and stores
         * #AC "may or may not be generated depending on processor implementation"
         * (Table 6-7 lists 16 bytes for a double quadword); the AMD host raises it for
         * MOVUPS and VEX operands aligned on 8 but not 16, Pacifica does not */
        return "vector memory operand with EFLAGS.AC maybe set (implementation-specific #AC)";
    if (is_moffs(in)) {
        uint64_t ea = (uint64_t)in->disp;
        if ((ea < CD_DATA || ea > CD_DATA + CD_DATA_SIZE - 16) && !faulting_address_ok(a, ea))
            return "moffs outside the buffer";
    }
    isa_implicit_regs(in, ir);
    if ((ir->pointers & ~a->t.ptr) || (ir->counts & ~a->t.small))
        return "implicit pointer or count register not set up";
    if (ir->pointers && in->addrsize == 2)
        return "16-bit addressing";
    if (ir->stack) {
        if (!a->t.rsp_ok)
            return "stack operation with rSP unknown";
        if (a->t.rsp_lo - ir->stack_bytes < -RSP_ROOM || a->t.rsp_hi + 64 > RSP_ROOM)
            return "stack operation would leave the stack area";
    }
    if (in->op == X86_OP_POPF && last)
        return "POPF may set TF: another instruction must follow";
    if (!flag_effect(in, a->mode, known, a->t.im_masked, fx))
        return "result undefined for these operands";
    if ((fx->read & a->t.poison) || (fx->fsw_read & a->t.fsw_poison))
        return "reads an undefined flag";
    if ((isa_explicit_gprs(in) | ir->written | ir->read | ir->pointers | ir->counts) &
        a->t.upper_poison)
        return "uses a register with undefined upper half";
    return NULL;
}

/* Applies an accepted instruction to the tracked state. */
static void apply_insn(Analysis *a, const X86Insn *in, const FlagEffect *fx, const ImplicitRegs *ir)
{
    Track *t = &a->t;
    uint16_t written = isa_explicit_gprs(in) | ir->written;
    if (in->op == X86_OP_LEAVE) {
        /* rSP takes rBP's value: a buffer pointer; the stack is now there */
        t->rsp_lo = t->rsp_hi = 0;
    } else if (written & (1u << REG_SP)) {
        t->rsp_ok = false;
    }
    t->ptr &= (uint16_t)~written;
    t->small &= (uint16_t)~written;
    if (ir->stack) {
        t->rsp_lo -= ir->stack_bytes;
        t->rsp_hi += in->op == X86_OP_POPA ? 8 * in->opsize : 8;
    }
    t->poison = (t->poison & ~(fx->written | fx->undef)) | fx->undef;
    t->fsw_poison =
        (uint16_t)((t->fsw_poison & ~(fx->fsw_written | fx->fsw_undef)) | fx->fsw_undef);
    if (fx->gpr_upper_undef >= 0)
        t->upper_poison |= (uint16_t)(1u << fx->gpr_upper_undef);
    if (in->op == X86_OP_POPF)
        t->ac_maybe = true;
    if (in->op == X86_OP_FLDCW)
        t->im_masked = false; /* whatever memory held */
    else if (in->op == X86_OP_FNINIT)
        t->im_masked = true;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Patches a pending branch to land at `target` and merges its state there. */
static bool resolve_branch(Analysis *a, Pending *p, uint8_t *code, unsigned target)
{
    int64_t rel = (int64_t)target - (int64_t)p->from;
    if (p->disp_size == 1 && rel > 127)
        return false;
    put_le(code + p->disp_at, (uint64_t)rel, p->disp_size);
    p->target = (int)target;
    track_merge(&a->t, &p->state);
    return true;
}

/* ---- building candidates ---- */

typedef struct Candidate {
    uint8_t b[32];
    unsigned n;
    int modrm_at; /* where the ModRM byte was put */
    int sib_at;
} Candidate;

static uint8_t pick_reg(Rng *r, uint16_t set, unsigned hi_bit, bool *ok)
{
    uint8_t regs[16];
    unsigned n = 0;
    for (unsigned i = 0; i < 16; i++)
        if ((set & (1u << i)) && ((i >> 3) == hi_bit))
            regs[n++] = (uint8_t)i;
    *ok = n > 0;
    return n ? regs[rng_below(r, n)] : 0;
}

/* ModRM, SIB and displacement for a memory operand with a valid base/index. rex_b and
 * rex_x are the extension bits already chosen by the REX or VEX prefix. */
static void put_modrm(Rng *r, const Analysis *a, Candidate *c, unsigned rex_b, unsigned rex_x)
{
    unsigned mod = rng_chance(r, 1, 2) ? 3 : rng_below(r, 3);
    unsigned reg = rng_below(r, 8);
    c->modrm_at = (int)c->n;
    c->sib_at = -1;
    if (mod == 3) {
        c->b[c->n++] = (uint8_t)(0xc0 | reg << 3 | rng_below(r, 8));
        return;
    }
    uint16_t bases = a->t.ptr | (a->t.rsp_ok ? 1u << REG_SP : 0);
    bool ok;
    unsigned base = pick_reg(r, bases, rex_b, &ok);
    bool absolute = rng_chance(r, 1, 12) || !ok;
    bool use_sib = (base & 7) == REG_SP || rng_chance(r, 1, 3);
    if (absolute) {
        /* mod 00 r/m 101: RIP-relative (64-bit) or disp32 (32-bit); patched later */
        c->b[c->n++] = (uint8_t)(reg << 3 | 5);
        put_le(c->b + c->n, 0, 4);
        c->n += 4;
        return;
    }
    if (mod == 0 && (base & 7) == REG_BP)
        mod = 1; /* mod 00 with base 101 means "no base" */
    if (use_sib) {
        unsigned index = 4; /* none, without REX.X */
        if (rng_chance(r, 1, 2)) {
            unsigned idx = pick_reg(r, a->t.small, rex_x, &ok);
            if (ok && idx != REG_SP)
                index = idx & 7;
        }
        c->b[c->n++] = (uint8_t)(mod << 6 | reg << 3 | 4);
        c->sib_at = (int)c->n;
        c->b[c->n++] = (uint8_t)(rng_below(r, 4) << 6 | index << 3 | (base & 7));
    } else {
        c->b[c->n++] = (uint8_t)(mod << 6 | reg << 3 | (base & 7));
    }
    if (mod == 1) {
        uint8_t d = (uint8_t)rng_next(r);
        c->b[c->n++] = rng_chance(r, 1, 2) ? (uint8_t)(d & 0xf0) : d;
    } else if (mod == 2) {
        int32_t d = (int32_t)rng_below(r, 256) - 128;
        put_le(c->b + c->n, (uint32_t)d, 4);
        c->n += 4;
    }
}

/* Immediate bytes: shift counts and small numbers often, random otherwise. */
static void put_immediates(Rng *r, Candidate *c)
{
    static const uint8_t counts[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 0xff};
    for (int i = 0; i < 8; i++) {
        uint8_t v;
        if (i == 0 && rng_chance(r, 1, 3))
            v = counts[rng_below(r, sizeof(counts))];
        else
            v = (uint8_t)rng_next(r);
        c->b[c->n++] = v;
    }
}

static void put_legacy_prefixes(Rng *r, const Analysis *a, Candidate *c)
{
    uint8_t p[5];
    unsigned n = 0;
    static const uint8_t segs[4] = {0x26, 0x2e, 0x36, 0x3e};
    if (rng_chance(r, 1, 4))
        p[n++] = 0x66;
    if (rng_chance(r, 1, 4))
        p[n++] = rng_chance(r, 1, 2) ? 0xf3 : 0xf2;
    if (a->mode == DIFF_MODE_64 && rng_chance(r, 1, 20))
        p[n++] = 0x67;
    if (rng_chance(r, 1, 25))
        p[n++] = 0xf0;
    if ((a->mode == DIFF_MODE_64 || a->native32) && rng_chance(r, 1, 25))
        p[n++] = segs[rng_below(r, 4)];
    for (unsigned i = n; i > 1; i--) { /* any order */
        unsigned j = rng_below(r, i);
        uint8_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    memcpy(c->b + c->n, p, n);
    c->n += n;
}

static void build_candidate(Rng *r, const Analysis *a, Candidate *c)
{
    bool m64 = a->mode == DIFF_MODE_64;
    c->n = 0;
    put_legacy_prefixes(r, a, c);
    unsigned rex_b = 0, rex_x = 0;
    if (rng_chance(r, 1, 5)) {
        /* VEX (SDM Vol 2 §2.3.5): R, X, B, vvvv stored inverted */
        unsigned map = 1 + rng_below(r, 3);
        unsigned R = m64 ? rng_below(r, 2) : 0, X = m64 ? rng_below(r, 2) : 0;
        unsigned B = m64 ? rng_below(r, 2) : 0, W = rng_below(r, 2);
        unsigned vvvv = rng_below(r, m64 ? 16 : 8), L = rng_below(r, 2), pp = rng_below(r, 4);
        if (map == 1 && !X && !B && !W && rng_chance(r, 1, 2)) {
            c->b[c->n++] = 0xc5;
            c->b[c->n++] = (uint8_t)((!R) << 7 | (~vvvv & 15) << 3 | L << 2 | pp);
        } else {
            c->b[c->n++] = 0xc4;
            c->b[c->n++] = (uint8_t)((!R) << 7 | (!X) << 6 | (!B) << 5 | map);
            c->b[c->n++] = (uint8_t)(W << 7 | (~vvvv & 15) << 3 | L << 2 | pp);
        }
        rex_b = B;
        rex_x = X;
    } else {
        if (m64 && rng_chance(r, 1, 2)) {
            uint8_t rex = (uint8_t)(0x40 | rng_below(r, 16));
            c->b[c->n++] = rex;
            rex_b = rex & 1;
            rex_x = (rex >> 1) & 1;
        }
        unsigned pick = rng_below(r, 20);
        if (pick >= 9) {
            c->b[c->n++] = 0x0f;
            if (pick >= 18)
                c->b[c->n++] = pick == 18 ? 0x38 : 0x3a;
        }
    }
    c->b[c->n++] = (uint8_t)rng_next(r);
    put_modrm(r, a, c, rex_b, rex_x);
    put_immediates(r, c);
}

/* Fixes the operands a random byte cannot get right: absolute and RIP-relative
 * addresses, moffs, ENTER's frame size. Returns false if the result no longer decodes
 * as the same instruction. */
static bool fixup_candidate(Rng *r, const Analysis *a, Candidate *c, unsigned off, X86Insn *in)
{
    uint64_t target = CD_DATA + PTR_LO + rng_below(r, PTR_HI - PTR_LO);
    bool changed = false;
    if (isa_modrm_mem(in) && in->base < 0 && in->has_modrm && c->modrm_at >= 0) {
        unsigned at = (unsigned)c->modrm_at + 1 + (in->has_sib ? 1 : 0);
        uint64_t v = in->rip_relative ? target - (CD_CODE + off + in->len) : target;
        if (at + 4 > in->len)
            return false;
        put_le(c->b + at, v, 4);
        changed = true;
    }
    if (is_moffs(in)) {
        put_le(c->b + in->len - in->addrsize, target, in->addrsize);
        changed = true;
    }
    if (in->op == X86_OP_ENTER) {
        c->b[in->len - 3] = (uint8_t)(8 * rng_below(r, 9));
        c->b[in->len - 2] = 0;
        c->b[in->len - 1] = (uint8_t)((a->t.ptr & (1u << REG_BP)) ? rng_below(r, 3) : 0);
        changed = true;
    }
    if (!changed)
        return true;
    X86Insn again;
    X86CodeSize cs = a->mode == DIFF_MODE_64 ? X86_CODE64 : X86_CODE32;
    if (x86_decode(&again, cs, off, c->b, c->n) != X86_DECODE_OK || again.len != in->len ||
        again.op != in->op)
        return false;
    *in = again;
    return true;
}

bool gen_same_in_64(const uint8_t *bytes, size_t len)
{
    X86Insn a, b;
    if (x86_decode(&a, X86_CODE32, 0, bytes, len) != X86_DECODE_OK ||
        x86_decode(&b, X86_CODE64, 0, bytes, len) != X86_DECODE_OK)
        return false;
    bool rel_branch = a.op == X86_OP_JCC || a.op == X86_OP_JMP || a.op == X86_OP_JCXZ;
    return a.len == b.len && a.op == b.op && !b.rex && (a.opsize == b.opsize || rel_branch) &&
           a.reg == b.reg && a.rm == b.rm && a.mod == b.mod && a.base == b.base &&
           a.index == b.index && a.scale == b.scale && a.disp == b.disp && a.imm == b.imm &&
           a.imm2 == b.imm2 && a.zreg == b.zreg && a.vex == b.vex && a.vex_l == b.vex_l &&
           a.vex_vvvv == b.vex_vvvv && a.rex_w == b.rex_w && !b.rip_relative &&
           a.mandatory == b.mandatory && a.rep == b.rep && a.seg == b.seg && a.entry == b.entry;
}

static X86CodeSize code_size(DiffMode mode)
{
    return mode == DIFF_MODE_64 ? X86_CODE64 : X86_CODE32;
}

/* One random instruction at offset off that passes every check; false if none was
 * found in MAX_ATTEMPTS tries. */
static bool gen_one(Rng *r, Analysis *a, const GenConfig *cfg, const DiffState *known, bool last,
                    unsigned off, Candidate *c, X86Insn *in, FlagEffect *fx, ImplicitRegs *ir)
{
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        build_candidate(r, a, c);
        if (x86_decode(in, code_size(a->mode), off, c->b, c->n) != X86_DECODE_OK)
            continue;
        if (!fixup_candidate(r, a, c, off, in))
            continue;
        in->pc = off; /* offsets, not addresses: check_mem_operand adds CD_CODE */
        DiffFamily fam = isa_family(in);
        if (cfg->family >= 0 && (int)fam != cfg->family)
            continue;
        if (cfg->family_ok && !cfg->family_ok[fam])
            continue;
        if (a->mode == DIFF_MODE_32 && !a->native32 && !gen_same_in_64(c->b, in->len))
            continue;
        if (off + in->len + 16 > DIFF_MAX_CODE)
            continue;
        if (check_insn(a, in, known, last, fx, ir) == NULL)
            return true;
    }
    return false;
}

/* Records what is undefined at boundary k (before instruction k, or the end). */
static void record_mask(const Analysis *a, DiffCase *c, unsigned k)
{
    DiffMask *m = &c->mask[k];
    memset(m, 0, sizeof(*m));
    m->rflags_undef = a->t.poison;
    m->fsw_undef = a->t.fsw_poison;
    for (int i = 0; i < 16; i++)
        if (a->t.upper_poison & (1u << i))
            m->gpr_undef[i] = 0xffffffff00000000ull;
}

static void add_pending(Analysis *a, const X86Insn *in, unsigned off)
{
    unsigned disp_off, disp_size;
    if (!isa_rel_branch(in, &disp_off, &disp_size) || a->npend >= DIFF_MAX_INSNS)
        return;
    Pending *p = &a->pend[a->npend++];
    p->disp_at = off + disp_off;
    p->disp_size = disp_size;
    p->from = off + in->len;
    p->target = -1;
    p->state = a->t;
}

void gen_random_case(Rng *r, const GenConfig *cfg, DiffCase *c)
{
    /* Which registers hold pointers and counts: a few of each. */
    uint16_t ptr = 0, small = 0;
    unsigned nregs = cfg->mode == DIFF_MODE_64 ? 16 : 8;
    for (unsigned i = 0; i < nregs; i++) {
        if (i == REG_SP)
            continue;
        unsigned roll = rng_below(r, 10);
        if (roll < 3)
            ptr |= (uint16_t)(1u << i);
        else if (roll < 5)
            small |= (uint16_t)(1u << i);
    }
    c->mode = cfg->mode;
    c->origin = "random";
    gen_initial_state(r, cfg->mode, ptr, small, &c->init);

    Analysis a = {.mode = cfg->mode, .native32 = cfg->native32};
    track_init(&a.t, &c->init, cfg->mode);
    unsigned want = 1 + rng_below(r, cfg->max_insns ? cfg->max_insns : 1);
    unsigned off = 0;
    c->ninsns = 0;
    for (unsigned k = 0; k < want; k++) {
        /* Pending branches may land here (some must, before rel8 runs out). */
        for (unsigned i = 0; i < a.npend; i++) {
            Pending *p = &a.pend[i];
            bool must = p->disp_size == 1 && off + 2 * 15 > p->from + 127;
            if (p->target < 0 && (must || rng_chance(r, 1, 3)))
                resolve_branch(&a, p, c->code, off);
        }
        Candidate cand;
        X86Insn in;
        FlagEffect fx;
        ImplicitRegs ir;
        const DiffState *known = k == 0 ? &c->init : NULL;
        if (!gen_one(r, &a, cfg, known, k + 1 == want, off, &cand, &in, &fx, &ir))
            break;
        record_mask(&a, c, c->ninsns);
        memcpy(c->code + off, cand.b, in.len);
        c->insn_off[c->ninsns++] = (uint8_t)off;
        apply_insn(&a, &in, &fx, &ir);
        add_pending(&a, &in, off);
        a.popf_pending = in.op == X86_OP_POPF;
        off += in.len;
    }
    if (a.popf_pending && off < DIFF_MAX_CODE - 16) {
        /* POPF may have set TF: the trap must come after an instruction of the
         * sequence, not after the jump to the exit stub */
        record_mask(&a, c, c->ninsns);
        c->code[off] = 0x90;
        c->insn_off[c->ninsns++] = (uint8_t)off;
        off++;
    }
    for (unsigned i = 0; i < a.npend; i++)
        if (a.pend[i].target < 0)
            resolve_branch(&a, &a.pend[i], c->code, off);
    c->len = off;
    c->insn_off[c->ninsns] = (uint8_t)off;
    record_mask(&a, c, c->ninsns);
}

bool gen_analyze(DiffCase *c, bool native32, char *why, size_t why_len)
{
    Analysis a = {.mode = c->mode, .native32 = native32, .directed = true};
    track_init(&a.t, &c->init, c->mode);
    unsigned off = 0;
    c->ninsns = 0;
    while (off < c->len) {
        for (unsigned i = 0; i < a.npend; i++)
            if (a.pend[i].target == (int)off)
                track_merge(&a.t, &a.pend[i].state);
        if (c->ninsns >= DIFF_MAX_INSNS) {
            snprintf(why, why_len, "more than %d instructions", DIFF_MAX_INSNS);
            return false;
        }
        X86Insn in;
        X86DecodeResult dr = x86_decode(&in, code_size(c->mode), off, c->code + off, c->len - off);
        if (dr == X86_DECODE_UD && off + in.len == c->len) {
            /* a directed #UD test: the sequence ends with the invalid encoding */
            record_mask(&a, c, c->ninsns);
            c->insn_off[c->ninsns++] = (uint8_t)off;
            off += in.len;
            break;
        }
        if (dr != X86_DECODE_OK) {
            snprintf(why, why_len, "bytes at +%u do not decode", off);
            return false;
        }
        if (c->mode == DIFF_MODE_32 && !native32 && !gen_same_in_64(c->code + off, in.len)) {
            snprintf(why, why_len, "%s at +%u is not the same instruction in 64-bit mode",
                     x86_op_name(in.op), off);
            return false;
        }
        FlagEffect fx;
        ImplicitRegs ir;
        const char *bad =
            check_insn(&a, &in, c->ninsns == 0 ? &c->init : NULL, off + in.len == c->len, &fx, &ir);
        if (bad) {
            snprintf(why, why_len, "%s at +%u: %s", x86_op_name(in.op), off, bad);
            return false;
        }
        record_mask(&a, c, c->ninsns);
        c->insn_off[c->ninsns++] = (uint8_t)off;
        apply_insn(&a, &in, &fx, &ir);
        unsigned disp_off, disp_size;
        if (isa_rel_branch(&in, &disp_off, &disp_size) && a.npend < DIFF_MAX_INSNS) {
            int64_t target = (int64_t)(off + in.len) + (int64_t)in.imm;
            if (target < (int64_t)(off + in.len) || target > (int64_t)c->len) {
                snprintf(why, why_len, "branch at +%u leaves the sequence or goes back", off);
                return false;
            }
            Pending *p = &a.pend[a.npend++];
            p->target = (int)target;
            p->state = a.t;
        }
        off += in.len;
    }
    for (unsigned i = 0; i < a.npend; i++) {
        if (a.pend[i].target == (int)off)
            track_merge(&a.t, &a.pend[i].state);
        /* a target inside an instruction was never merged: refuse it */
        bool at_boundary = false;
        for (unsigned k = 0; k <= c->ninsns; k++)
            at_boundary |= (k < c->ninsns ? c->insn_off[k] : off) == (unsigned)a.pend[i].target;
        if (!at_boundary) {
            snprintf(why, why_len, "branch into the middle of an instruction");
            return false;
        }
    }
    c->insn_off[c->ninsns] = (uint8_t)off;
    record_mask(&a, c, c->ninsns);
    return true;
}
