/* Host code for the IR ops, and the driver that compiles a whole block.
 *
 * Every op computes exactly what the interpreter (tcg/interp.c) computes. 32-bit ops
 * use 32-bit host instructions, which clear the upper half of their destination (SDM
 * Vol 1 §3.4.1.1), so 32-bit values stay zero-extended in registers as tcg.h requires.
 * Shift and rotate counts need no masking: the host masks them to 5 or 6 bits exactly
 * as the IR defines (SDM Vol 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR "count is masked").
 * Ops whose inputs are all known constants are folded here. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/x86_64/internal.h"

/* ---- constants ---- */

static uint64_t mask_of(bool is64)
{
    return is64 ? UINT64_MAX : UINT32_MAX;
}

static uint64_t low_bits(unsigned n)
{
    return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned bits)
{
    uint64_t sign = UINT64_C(1) << (bits - 1);
    return ((v & low_bits(bits)) ^ sign) - sign;
}

static uint64_t rotate_left(uint64_t v, unsigned c, unsigned bits)
{
    v &= low_bits(bits);
    return c ? ((v << c) | (v >> (bits - c))) & low_bits(bits) : v;
}

/* The value of an op whose inputs are the constants in[]. */
static uint64_t fold_op(const TCGOp *op, const uint64_t *in)
{
    bool w = op_is64(op);
    unsigned bits = w ? 64 : 32;
    uint64_t m = mask_of(w), a = in[0], b = in[1];
    unsigned c = (unsigned)(b & (bits - 1));
    switch (op->opc) {
    case INDEX_op_add: return (a + b) & m;
    case INDEX_op_sub: return (a - b) & m;
    case INDEX_op_mul: return (a * b) & m;
    case INDEX_op_and: return a & b & m;
    case INDEX_op_or: return (a | b) & m;
    case INDEX_op_xor: return (a ^ b) & m;
    case INDEX_op_andc: return a & ~b & m;
    case INDEX_op_shl: return (a << c) & m;
    case INDEX_op_shr: return (a & m) >> c;
    case INDEX_op_sar: {
        uint64_t x = sign_extend(a, bits);
        uint64_t fill = (x >> 63) && c ? ~(UINT64_MAX >> c) : 0;
        return ((x >> c) | fill) & m;
    }
    case INDEX_op_rotl: return rotate_left(a, c, bits);
    case INDEX_op_rotr: return rotate_left(a, (bits - c) & (bits - 1), bits);
    case INDEX_op_neg: return (0 - a) & m;
    case INDEX_op_not: return ~a & m;
    case INDEX_op_ext8s: return sign_extend(a, 8) & m;
    case INDEX_op_ext8u: return a & 0xff;
    case INDEX_op_ext16s: return sign_extend(a, 16) & m;
    case INDEX_op_ext16u: return a & 0xffff;
    case INDEX_op_ext32s:
    case INDEX_op_exts_i32_i64: return sign_extend(a, 32);
    case INDEX_op_ext32u:
    case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32: return a & UINT32_MAX;
    case INDEX_op_extrh_i64_i32: return a >> 32;
    case INDEX_op_deposit: {
        unsigned pos = (unsigned)op->args[3] & 63, len = (unsigned)op->args[4];
        uint64_t field = low_bits(len) << pos;
        return ((a & ~field) | ((b << pos) & field)) & m;
    }
    case INDEX_op_extract:
    case INDEX_op_sextract: {
        unsigned pos = (unsigned)op->args[2] & 63, len = (unsigned)op->args[3];
        uint64_t v = (a >> pos) & low_bits(len);
        if (op->opc == INDEX_op_sextract) {
            v = sign_extend(v, len);
        }
        return v & m;
    }
    default: return 0;
    }
}

static bool cond_value(TCGCond cond, uint64_t a, uint64_t b, bool is64)
{
    uint64_t m = mask_of(is64), sign = is64 ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
    a &= m;
    b &= m;
    uint64_t sa = a ^ sign, sb = b ^ sign;
    switch (cond) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    }
    return false;
}

/* Folds an op if all its inputs are constants. */
static bool try_fold(Gen *g, const TCGOp *op, unsigned nin)
{
    uint64_t in[2] = {0, 0};
    for (unsigned i = 0; i < nin; i++) {
        if (!ra_is_const(g, (unsigned)op->args[1 + i], &in[i])) {
            return false;
        }
    }
    ra_bind_const(g, (unsigned)op->args[0], fold_op(op, in));
    return true;
}

/* ---- helpers ---- */

void native_record_patch(Gen *g, size_t at, uint32_t label)
{
    if (g->nb_patches == g->cap_patches) {
        uint32_t cap = g->cap_patches ? 2 * g->cap_patches : 32;
        BranchPatch *p = realloc(g->patches, cap * sizeof(*p));
        if (!p) {
            g->failed = true;
            return;
        }
        g->patches = p;
        g->cap_patches = cap;
    }
    g->patches[g->nb_patches++] = (BranchPatch){at, label};
}

/* Leaves the block returning value (through the shared epilogue). */
void native_exit_value(Gen *g, uintptr_t value)
{
    x64_movi(&g->e, true, HR_RAX, value);
    x64_jmp_abs(&g->e, g->epilogue);
}

/* A register the op may overwrite holding input args[ai]: the input's own register
 * when its value is not needed after the op, else a copy. Load the op's other inputs
 * first: taking the register unbinds the input. */
static HostReg dest_copy_of(Gen *g, uint32_t opi, const TCGOp *op, unsigned ai, RegSet allowed)
{
    unsigned t = (unsigned)op->args[ai];
    const TempState *ts = &g->ts[t];
    if (ts->loc == VAL_REG && (allowed & REGSET(ts->reg)) && ra_clobberable(g, opi, op, ai)) {
        return ra_take_reg(g, t);
    }
    /* A global read from env stays in a register too: guest registers are read again
     * and again (a register-to-register copy costs next to nothing). */
    if (ts->is_global && !ts->direct && ts->loc == VAL_MEM && !ra_clobberable(g, opi, op, ai)) {
        ra_load(g, t, ALLOCATABLE_REGS);
    }
    HostReg r = ra_alloc(g, allowed);
    ra_materialize(g, t, r);
    return r;
}

/* A register for the output that may be one of the inputs' (for non-destructive
 * host instructions that read every input before writing). */
static HostReg dest_any(Gen *g, uint32_t opi, const TCGOp *op, unsigned first_in, unsigned nin)
{
    for (unsigned ai = first_in; ai < first_in + nin; ai++) {
        const TempState *ts = &g->ts[op->args[ai]];
        if (ts->loc == VAL_REG && ts->reg != REG_ENV && ra_clobberable(g, opi, op, ai)) {
            return ra_take_reg(g, (unsigned)op->args[ai]);
        }
    }
    return ra_alloc(g, ALLOCATABLE_REGS);
}

static bool imm_ok(bool w64, uint64_t v)
{
    return !w64 || fits_i32((int64_t)v);
}

/* ---- moves and arithmetic ---- */

/* d = args[src_ai] */
static void gen_mov_from(Gen *g, uint32_t opi, const TCGOp *op, unsigned src_ai)
{
    unsigned d = (unsigned)op->args[0], a = (unsigned)op->args[src_ai];
    uint64_t v;
    if (d == a) {
        return;
    }
    if (ra_is_const(g, a, &v)) {
        ra_bind_const(g, d, v);
        return;
    }
    HostReg r = dest_copy_of(g, opi, op, src_ai, ALLOCATABLE_REGS);
    ra_bind_output(g, d, r);
}

/* d = a + b or a + imm (sub: a - imm) as one LEA into a new register, when the
 * destructive form would first have to copy a (its value is still needed after the op).
 * LEA leaves the flags alone, which nothing here relies on either way. */
static bool gen_add_lea(Gen *g, uint32_t opi, const TCGOp *op, AluOp alu, unsigned ai,
                        const uint64_t *imm)
{
    bool w = op_is64(op);
    unsigned a = (unsigned)op->args[ai], b = (unsigned)op->args[3 - ai];
    if ((alu != ALU_ADD && !(alu == ALU_SUB && imm)) || ra_clobberable(g, opi, op, ai) ||
        g->ts[a].loc == VAL_CONST) {
        return false;
    }
    int64_t disp = 0;
    if (imm) {
        disp = alu == ALU_SUB ? -(int64_t)*imm : (int64_t)*imm;
        if (w ? !fits_i32(disp) : false) {
            return false;
        }
    }
    HostReg rb = imm ? HR_COUNT : ra_load(g, b, ALLOCATABLE_REGS);
    HostReg ra = ra_load(g, a, ALLOCATABLE_REGS);
    HostReg dreg = ra_alloc(g, ALLOCATABLE_REGS);
    x64_lea_x(&g->e, w, dreg, ra, imm ? -1 : (int)rb, (int32_t)disp);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
    return true;
}

static void gen_alu(Gen *g, uint32_t opi, const TCGOp *op, AluOp alu, bool commutative)
{
    bool w = op_is64(op);
    unsigned ai = 1, bi = 2;
    uint64_t cb;
    if (try_fold(g, op, 2)) {
        return;
    }
    if (commutative && ra_is_const(g, (unsigned)op->args[ai], &cb)) {
        ai = 2;
        bi = 1;
    }
    unsigned b = (unsigned)op->args[bi];
    bool use_imm = ra_is_const(g, b, &cb) && imm_ok(w, cb);
    if (gen_add_lea(g, opi, op, alu, ai, use_imm ? &cb : NULL)) {
        return;
    }
    HostReg rb = use_imm ? HR_COUNT : ra_load(g, b, ALLOCATABLE_REGS);
    HostReg dreg = dest_copy_of(g, opi, op, ai, ALLOCATABLE_REGS);
    if (use_imm) {
        x64_alu_ri(&g->e, alu, w, dreg, (int32_t)cb);
    } else {
        x64_alu_rr(&g->e, alu, w, dreg, rb);
    }
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static void gen_andc(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op);
    uint64_t cb;
    if (try_fold(g, op, 2)) {
        return;
    }
    unsigned b = (unsigned)op->args[2];
    if (ra_is_const(g, b, &cb)) {
        uint64_t inv = ~cb & mask_of(w);
        HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
        if (imm_ok(w, inv)) {
            x64_alu_ri(&g->e, ALU_AND, w, dreg, (int32_t)inv);
        } else {
            x64_movi(&g->e, true, REG_TMP, inv);
            x64_alu_rr(&g->e, ALU_AND, w, dreg, REG_TMP);
        }
        ra_bind_output(g, (unsigned)op->args[0], dreg);
        return;
    }
    HostReg rb = ra_load(g, b, ALLOCATABLE_REGS);
    if (g->cfg->has_bmi1) {
        HostReg ra = ra_load(g, (unsigned)op->args[1], ALLOCATABLE_REGS);
        HostReg dreg = dest_any(g, opi, op, 1, 2);
        x64_andn(&g->e, w, dreg, rb, ra);
        ra_bind_output(g, (unsigned)op->args[0], dreg);
        return;
    }
    x64_mov_rr(&g->e, true, REG_TMP, rb);
    HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
    x64_unary(&g->e, UNARY_NOT, w, REG_TMP);
    x64_alu_rr(&g->e, ALU_AND, w, dreg, REG_TMP);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static void gen_mul(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op);
    unsigned ai = 1, bi = 2;
    uint64_t cb;
    if (try_fold(g, op, 2)) {
        return;
    }
    if (ra_is_const(g, (unsigned)op->args[ai], &cb)) {
        ai = 2;
        bi = 1;
    }
    unsigned b = (unsigned)op->args[bi];
    if (ra_is_const(g, b, &cb) && imm_ok(w, cb)) {
        HostReg ra = ra_load(g, (unsigned)op->args[ai], ALLOCATABLE_REGS);
        HostReg dreg = dest_any(g, opi, op, ai, 1);
        x64_imul_rri(&g->e, w, dreg, ra, (int32_t)cb);
        ra_bind_output(g, (unsigned)op->args[0], dreg);
        return;
    }
    HostReg rb = ra_load(g, b, ALLOCATABLE_REGS);
    HostReg dreg = dest_copy_of(g, opi, op, ai, ALLOCATABLE_REGS);
    x64_imul_rr(&g->e, w, dreg, rb);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static ShiftOp shift_kind(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_shl: return SHIFT_SHL;
    case INDEX_op_shr: return SHIFT_SHR;
    case INDEX_op_sar: return SHIFT_SAR;
    case INDEX_op_rotl: return SHIFT_ROL;
    default: return SHIFT_ROR;
    }
}

static void gen_shift(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op);
    ShiftOp kind = shift_kind((TCGOpcode)op->opc);
    unsigned b = (unsigned)op->args[2];
    uint64_t cb;
    if (try_fold(g, op, 2)) {
        return;
    }
    if (ra_is_const(g, b, &cb)) {
        unsigned c = (unsigned)(cb & (w ? 63 : 31));
        HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
        x64_shift_ri(&g->e, kind, w, dreg, c);
        ra_bind_output(g, (unsigned)op->args[0], dreg);
        return;
    }
    if (g->cfg->has_bmi2 && kind != SHIFT_ROL && kind != SHIFT_ROR) {
        HostReg rb = ra_load(g, b, ALLOCATABLE_REGS);
        HostReg ra = ra_load(g, (unsigned)op->args[1], ALLOCATABLE_REGS);
        HostReg dreg = dest_any(g, opi, op, 1, 2);
        x64_shiftx(&g->e, kind, w, dreg, ra, rb);
        ra_bind_output(g, (unsigned)op->args[0], dreg);
        return;
    }
    /* The count must be in CL (SDM Vol 2B SAL/SAR/SHL/SHR: D3 /n). */
    ra_load_into(g, b, HR_RCX);
    HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS & ~REGSET(HR_RCX));
    x64_shift_rcl(&g->e, kind, w, dreg);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static void gen_unary(Gen *g, uint32_t opi, const TCGOp *op, UnaryOp kind)
{
    if (try_fold(g, op, 1)) {
        return;
    }
    HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
    x64_unary(&g->e, kind, op_is64(op), dreg);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static void gen_ext(Gen *g, uint32_t opi, const TCGOp *op, ExtKind kind, bool w64)
{
    if (try_fold(g, op, 1)) {
        return;
    }
    HostReg ra = ra_load(g, (unsigned)op->args[1], ALLOCATABLE_REGS);
    HostReg dreg = dest_any(g, opi, op, 1, 1);
    x64_ext_rr(&g->e, kind, w64, dreg, ra);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static void gen_extrh(Gen *g, uint32_t opi, const TCGOp *op)
{
    if (try_fold(g, op, 1)) {
        return;
    }
    HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
    x64_shift_ri(&g->e, SHIFT_SHR, true, dreg, 32);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

/* ---- bit fields ---- */

static void gen_extract(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op), sign = op->opc == INDEX_op_sextract;
    unsigned bits = w ? 64 : 32;
    unsigned pos = (unsigned)op->args[2] & 63, len = (unsigned)op->args[3];
    if (try_fold(g, op, 1)) {
        return;
    }
    if (pos == 0 && (len == 8 || len == 16 || (len == 32 && w))) {
        static const ExtKind zext[] = {EXT_8U, EXT_16U, EXT_32U},
                             sext[] = {EXT_8S, EXT_16S, EXT_32S};
        unsigned k = len == 8 ? 0 : len == 16 ? 1 : 2;
        gen_ext(g, opi, op, sign ? sext[k] : zext[k], w);
        return;
    }
    HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
    if (pos + len == bits) {
        x64_shift_ri(&g->e, sign ? SHIFT_SAR : SHIFT_SHR, w, dreg, pos);
    } else if (pos == 0 && !sign && len < 32) {
        x64_alu_ri(&g->e, ALU_AND, false, dreg, (int32_t)low_bits(len));
    } else {
        x64_shift_ri(&g->e, SHIFT_SHL, w, dreg, bits - pos - len);
        x64_shift_ri(&g->e, sign ? SHIFT_SAR : SHIFT_SHR, w, dreg, bits - len);
    }
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

/* dreg &= ~(low_bits(len) << pos), within `bits`. */
static void clear_field(Gen *g, bool w, HostReg dreg, unsigned pos, unsigned len)
{
    uint64_t keep = ~(low_bits(len) << pos) & mask_of(w);
    if (imm_ok(w, keep)) {
        x64_alu_ri(&g->e, ALU_AND, w, dreg, (int32_t)keep);
        return;
    }
    /* Rotate the field to the bottom, shift it out and back in as zeros, rotate back:
     * no second scratch register needed for a 64-bit mask. */
    if (pos) {
        x64_shift_ri(&g->e, SHIFT_ROR, true, dreg, pos);
    }
    x64_shift_ri(&g->e, SHIFT_SHR, true, dreg, len);
    x64_shift_ri(&g->e, SHIFT_SHL, true, dreg, len);
    if (pos) {
        x64_shift_ri(&g->e, SHIFT_ROL, true, dreg, pos);
    }
}

static void gen_deposit(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op);
    unsigned bits = w ? 64 : 32;
    unsigned pos = (unsigned)op->args[3] & 63, len = (unsigned)op->args[4];
    unsigned b = (unsigned)op->args[2];
    uint64_t cb;
    if (try_fold(g, op, 2)) {
        return;
    }
    if (len >= bits) {
        /* The whole value is replaced: d = b. */
        gen_mov_from(g, opi, op, 2);
        return;
    }
    /* REG_TMP = (b & low_bits(len)) << pos, computed before dreg is touched (b may
     * share dreg's register). */
    bool field_zero = false;
    if (ra_is_const(g, b, &cb)) {
        uint64_t f = (cb & low_bits(len)) << pos;
        field_zero = f == 0;
        x64_movi(&g->e, true, REG_TMP, f);
    } else {
        HostReg rb = ra_load(g, b, ALLOCATABLE_REGS);
        if (pos == 0 && (len == 8 || len == 16 || len == 32)) {
            x64_ext_rr(&g->e,
                       len == 8    ? EXT_8U
                       : len == 16 ? EXT_16U
                                   : EXT_32U,
                       false, REG_TMP, rb);
        } else {
            x64_mov_rr(&g->e, true, REG_TMP, rb);
            x64_shift_ri(&g->e, SHIFT_SHL, true, REG_TMP, 64 - len);
            x64_shift_ri(&g->e, SHIFT_SHR, true, REG_TMP, 64 - len - pos);
        }
    }
    HostReg dreg = dest_copy_of(g, opi, op, 1, ALLOCATABLE_REGS);
    clear_field(g, w, dreg, pos, len);
    if (!field_zero) {
        x64_alu_rr(&g->e, ALU_OR, w, dreg, REG_TMP);
    }
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

/* ---- comparisons ---- */

static const HostCond host_cond[] = {
    [TCG_COND_EQ] = HC_E,   [TCG_COND_NE] = HC_NE, [TCG_COND_LT] = HC_L,  [TCG_COND_GE] = HC_GE,
    [TCG_COND_LE] = HC_LE,  [TCG_COND_GT] = HC_G,  [TCG_COND_LTU] = HC_B, [TCG_COND_GEU] = HC_AE,
    [TCG_COND_LEU] = HC_BE, [TCG_COND_GTU] = HC_A,
};

static TCGCond swap_cond(TCGCond c)
{
    switch (c) {
    case TCG_COND_LT: return TCG_COND_GT;
    case TCG_COND_GT: return TCG_COND_LT;
    case TCG_COND_LE: return TCG_COND_GE;
    case TCG_COND_GE: return TCG_COND_LE;
    case TCG_COND_LTU: return TCG_COND_GTU;
    case TCG_COND_GTU: return TCG_COND_LTU;
    case TCG_COND_LEU: return TCG_COND_GEU;
    case TCG_COND_GEU: return TCG_COND_LEU;
    default: return c;
    }
}

/* The operands of a host compare, loaded; x64_compare emits it later (after code
 * that must not come between the compare and its use but may need registers). */
typedef struct Compare {
    TCGCond cond;
    bool w64;
    HostReg ra, rb; /* rb == HR_COUNT: the immediate */
    uint64_t imm;
} Compare;

/* Whether cond(a, b) is known now; *value says which. */
static bool compare_known(Gen *g, TCGCond cond, unsigned a, unsigned b, bool w, bool *value)
{
    uint64_t ca, cb;
    if (cond == TCG_COND_NEVER || cond == TCG_COND_ALWAYS) {
        *value = cond == TCG_COND_ALWAYS;
        return true;
    }
    if (ra_is_const(g, a, &ca) && ra_is_const(g, b, &cb)) {
        *value = cond_value(cond, ca, cb, w);
        return true;
    }
    return false;
}

static void compare_prepare(Gen *g, Compare *c, TCGCond cond, unsigned a, unsigned b, bool w)
{
    uint64_t cv;
    if (ra_is_const(g, a, &cv) && !ra_is_const(g, b, &cv)) {
        unsigned t = a;
        a = b;
        b = t;
        cond = swap_cond(cond);
    }
    c->cond = cond;
    c->w64 = w;
    c->ra = ra_load(g, a, ALLOCATABLE_REGS);
    if (ra_is_const(g, b, &cv) && imm_ok(w, cv)) {
        c->rb = HR_COUNT;
        c->imm = cv;
    } else {
        c->rb = ra_load(g, b, ALLOCATABLE_REGS);
    }
}

static HostCond compare_emit(Gen *g, const Compare *c)
{
    if (c->rb != HR_COUNT) {
        x64_alu_rr(&g->e, ALU_CMP, c->w64, c->ra, c->rb);
    } else if (c->imm == 0 && (c->cond == TCG_COND_EQ || c->cond == TCG_COND_NE)) {
        x64_test_rr(&g->e, c->w64, c->ra, c->ra);
    } else {
        x64_alu_ri(&g->e, ALU_CMP, c->w64, c->ra, (int32_t)c->imm);
    }
    return host_cond[c->cond];
}

static void gen_setcond(Gen *g, const TCGOp *op)
{
    bool w = op_is64(op), value;
    unsigned d = (unsigned)op->args[0], a = (unsigned)op->args[1], b = (unsigned)op->args[2];
    TCGCond cond = (TCGCond)op->args[3];
    if (compare_known(g, cond, a, b, w, &value)) {
        ra_bind_const(g, d, value);
        return;
    }
    Compare c;
    compare_prepare(g, &c, cond, a, b, w);
    HostReg dreg = ra_alloc(g, ALLOCATABLE_REGS);
    x64_alu_rr(&g->e, ALU_XOR, false, dreg, dreg); /* before the compare: XOR sets flags */
    x64_setcc(&g->e, compare_emit(g, &c), dreg);
    ra_bind_output(g, d, dreg);
}

static void gen_movcond(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op), value;
    unsigned d = (unsigned)op->args[0];
    TCGCond cond = (TCGCond)op->args[5];
    if (compare_known(g, cond, (unsigned)op->args[1], (unsigned)op->args[2], w, &value)) {
        gen_mov_from(g, opi, op, value ? 3 : 4);
        return;
    }
    Compare c;
    compare_prepare(g, &c, cond, (unsigned)op->args[1], (unsigned)op->args[2], w);
    HostReg rv1 = ra_load(g, (unsigned)op->args[3], ALLOCATABLE_REGS);
    /* dreg = v2 first (moves leave the flags alone, but nothing may come between the
     * compare and CMOVcc anyway), then CMOVcc takes v1 when the condition holds. */
    HostReg dreg = dest_copy_of(g, opi, op, 4, ALLOCATABLE_REGS);
    x64_cmovcc(&g->e, compare_emit(g, &c), w, dreg, rv1);
    ra_bind_output(g, d, dreg);
}

/* ---- double-width multiply ---- */

static void gen_mul2(Gen *g, const TCGOp *op)
{
    bool w = op_is64(op), is_signed = op->opc == INDEX_op_muls2;
    unsigned lo = (unsigned)op->args[0], hi = (unsigned)op->args[1];
    unsigned a = (unsigned)op->args[2], b = (unsigned)op->args[3];
    uint64_t ca, cb;
    if (ra_is_const(g, a, &ca) && ra_is_const(g, b, &cb)) {
        uint64_t plo, phi;
        if (!w) {
            uint64_t p = is_signed ? sign_extend(ca, 32) * sign_extend(cb, 32) : ca * cb;
            plo = p & UINT32_MAX;
            phi = (p >> 32) & UINT32_MAX;
        } else {
            unsigned __int128 p = (unsigned __int128)ca * cb;
            plo = (uint64_t)p;
            phi = (uint64_t)(p >> 64);
            if (is_signed) {
                phi -= ((ca >> 63) ? cb : 0) + ((cb >> 63) ? ca : 0);
            }
        }
        ra_bind_const(g, lo, plo);
        ra_bind_const(g, hi, phi);
        return;
    }
    /* SDM Vol 2A MUL/IMUL (F7 /4, /5): rdx:rax = rax * r/m. */
    g->locked |= REGSET(HR_RAX) | REGSET(HR_RDX);
    ra_evict_reg(g, HR_RAX);
    ra_evict_reg(g, HR_RDX);
    HostReg rb = ra_load(g, b, ALLOCATABLE_REGS & ~(REGSET(HR_RAX) | REGSET(HR_RDX)));
    ra_materialize(g, a, HR_RAX);
    x64_unary(&g->e, is_signed ? UNARY_IMUL : UNARY_MUL, w, rb);
    ra_bind_output(g, lo, HR_RAX);
    ra_bind_output(g, hi, HR_RDX);
}

/* ---- host memory ---- */

static unsigned host_access_size(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_st8: return 1;
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_st16: return 2;
    case INDEX_op_ld32u:
    case INDEX_op_ld32s:
    case INDEX_op_st32: return 4;
    default: return op_is64(op) ? 8 : 4;
    }
}

/* The address base + offset as [*base + *disp]; the globals the access may touch are
 * synced first (loads) or synced and then forgotten (stores, after they are done). */
static void host_address(Gen *g, unsigned base_temp, TCGArg offset, HostReg *base, int32_t *disp)
{
    int64_t off = (int64_t)offset;
    if (g->ts[base_temp].is_env && fits_i32(off)) {
        *base = REG_ENV;
        *disp = (int32_t)off;
        return;
    }
    HostReg rb = ra_load(g, base_temp, ALLOCATABLE_REGS);
    if (fits_i32(off)) {
        *base = rb;
        *disp = (int32_t)off;
    } else {
        x64_movi(&g->e, true, REG_TMP, (uint64_t)off);
        x64_alu_rr(&g->e, ALU_ADD, true, REG_TMP, rb);
        *base = REG_TMP;
        *disp = 0;
    }
}

static void gen_host_ld(Gen *g, const TCGOp *op)
{
    static const ExtKind kinds[] = {
        [INDEX_op_ld8u - INDEX_op_ld8u] = EXT_8U, EXT_8S, EXT_16U, EXT_16S, EXT_32U, EXT_32S};
    bool w = op_is64(op);
    unsigned size = host_access_size(op);
    unsigned base_temp = (unsigned)op->args[1];
    int64_t off = (int64_t)op->args[2];
    /* A load from env may read a global's bytes: they must be there. */
    if (g->ts[base_temp].is_env) {
        ra_sync_globals_range(g, off, off + size);
    } else {
        ra_sync_globals(g);
    }
    HostReg base;
    int32_t disp;
    host_address(g, base_temp, op->args[2], &base, &disp);
    HostReg dreg = ra_alloc(g, ALLOCATABLE_REGS);
    ExtKind kind = op->opc == INDEX_op_ld ? (w ? EXT_64 : EXT_32U) : kinds[op->opc - INDEX_op_ld8u];
    x64_load(&g->e, kind, w, dreg, base, disp);
    ra_bind_output(g, (unsigned)op->args[0], dreg);
}

static void gen_host_st(Gen *g, const TCGOp *op)
{
    unsigned size = host_access_size(op);
    unsigned val = (unsigned)op->args[0], base_temp = (unsigned)op->args[1];
    int64_t off = (int64_t)op->args[2];
    bool to_env = g->ts[base_temp].is_env;
    uint64_t cv;
    bool use_imm = ra_is_const(g, val, &cv) && (size < 8 || fits_i32((int64_t)cv));
    HostReg rv = use_imm ? HR_COUNT : ra_load(g, val, ALLOCATABLE_REGS);
    /* A store to env may overwrite a global's bytes: the rest of that global must be in
     * env first, and its register copy is stale after. */
    if (to_env) {
        ra_sync_globals_range(g, off, off + size);
    } else {
        ra_sync_globals(g);
    }
    HostReg base;
    int32_t disp;
    host_address(g, base_temp, op->args[2], &base, &disp);
    if (use_imm) {
        x64_store_imm(&g->e, size, base, disp, (int32_t)cv);
    } else {
        x64_store(&g->e, size, rv, base, disp);
    }
    if (to_env) {
        ra_forget_globals_range(g, off, off + size);
    } else {
        ra_forget_globals(g);
    }
}

/* ---- control ---- */

/* goto_tb n: one indirect jump through the block's jump slot n (native.c), which holds
 * the linked successor's code, or the address right after the jump while the slot is
 * unlinked: the exit that follows (movi rip, exit_tb n) then returns to the runner,
 * which links the slot. A slot is reset to that address when its successor is
 * invalidated, so the code here checks nothing (QEMU patches a direct jump instead;
 * the slot keeps the code buffer free of writes to executable code). */
static void gen_goto_tb(Gen *g, const TCGOp *op)
{
    unsigned n = (unsigned)op->args[0] & 1;
    Emitter *e = &g->e;
    /* The successor reads the guest state from env. es->insn_data is not stored here:
     * the successor stores its own words before anything can read them (its exit
     * stubs, slow paths and calls start from "unknown"), and the unlinked way out goes
     * on to the exit_tb after this op, which stores them. */
    ra_sync_globals(g);
    if (g->goto_tb_unlinked[n]) {
        /* A second goto_tb n (no front end makes one): the slot's unlinked address is
         * the first one's way out, so this one jumps only when the slot is linked. */
        HostReg tmp = ra_alloc(g, ALLOCATABLE_REGS);
        x64_movi(e, true, REG_TMP, (uintptr_t)&g->chain_cache[n]);
        x64_load(e, EXT_64, true, REG_TMP, REG_TMP, 0);
        x64_movi(e, true, tmp, (uintptr_t)x64_rx_addr(e, g->goto_tb_unlinked[n]));
        x64_alu_rr(e, ALU_CMP, true, REG_TMP, tmp);
        size_t unlinked = x64_jcc(e, HC_E, 0);
        x64_jmp_reg(e, REG_TMP);
        x64_patch_rel32(e, unlinked, x64_offset(e));
        return;
    }
    x64_movi(e, true, REG_TMP, (uintptr_t)&g->chain_cache[n]);
    x64_jmp_mem(e, REG_TMP, 0);
    g->goto_tb_unlinked[n] = x64_offset(e);
}

/* exit_tb: the guest state goes to env; with TCG_EXIT_LOOKUP the block then asks
 * native_lookup_next for the next block's code and jumps there, staying in compiled
 * code (same frame, same fixed registers), and leaves only when there is none. With
 * TCG_EXIT_SAME_KEY too, it first probes the jump cache inline (codegen-lookup.c). */
static void gen_exit_tb(Gen *g, const TCGOp *op)
{
    Emitter *e = &g->e;
    ra_sync_globals(g);
    native_sync_insn_data(g);
    if (op->args[0] & TCG_EXIT_LOOKUP) {
        native_gen_lookup_probe(g, op->args[0]); /* goes on to the miss path below */
        /* Every temp is dead past the exit: the call may clobber any register but the
         * callee-saved fixed ones (REG_ENV, REG_ES), and rsp is as the frame left it. */
        x64_mov_rr(e, true, HR_RDI, REG_ES);
        x64_load(e, EXT_64, true, HR_RSI, HR_RSP, FRAME_EXIT_INFO);
        x64_movi(e, true, REG_TMP, (uintptr_t)native_lookup_next);
        x64_call_reg(e, REG_TMP);
        x64_test_rr(e, true, HR_RAX, HR_RAX);
        size_t none = x64_jcc(e, HC_E, 0);
        x64_jmp_reg(e, HR_RAX);
        x64_patch_rel32(e, none, x64_offset(e));
    }
    native_exit_value(g, (uintptr_t)g->tb | (op->args[0] & TB_EXIT_MASK));
    g->unreachable = true;
}

static void gen_set_label(Gen *g, uint32_t opi, const TCGOp *op)
{
    uint32_t label = (uint32_t)op->args[0];
    uint32_t bb = g->op_bb[opi];
    const LoopHead *loop = ra_loop_of(g, label);
    if (!g->unreachable) {
        if (native_branch_syncs_insn(g, label)) {
            native_sync_insn_data(g);
        }
        if (opi == 0) {
            /* The locals the entry made 0 are read below the label: to their slots. */
            for (uint32_t t = 0; t < g->nb_temps; t++) {
                if (!g->ts[t].is_global && g->ts[t].loc == VAL_CONST) {
                    ra_store(g, t);
                }
            }
        }
        if (loop) {
            ra_conform_to_loop(g, loop, bb);
        } else if (opi != 0) {
            ra_sync_bb_end(g, g->op_bb[opi - 1], false);
        }
    }
    if (g->ir->label_ops[label] == opi) {
        g->label_pos[label] = x64_offset(&g->e);
    }
    if (loop) {
        ra_enter_loop(g, loop, bb);
    } else {
        ra_reset_at_label(g, bb);
    }
    g->unreachable = false;
    /* Every way in stored its words (memory is exact, whichever way came), or all came
     * from the same insn_start and its words are still pending. */
    native_label_insn_data(g, label);
}

static void gen_br(Gen *g, uint32_t opi, uint32_t label)
{
    if (native_branch_syncs_insn(g, label)) {
        native_sync_insn_data(g);
    }
    const LoopHead *loop = ra_loop_of(g, label);
    if (loop) {
        ra_conform_to_loop(g, loop, g->op_bb[g->ir->label_ops[label]]);
    } else {
        ra_sync_bb_end(g, g->op_bb[opi], false);
    }
    native_record_patch(g, x64_jmp(&g->e, 0), label);
    g->unreachable = true;
}

static void gen_brcond(Gen *g, uint32_t opi, const TCGOp *op)
{
    bool w = op_is64(op), value;
    unsigned a = (unsigned)op->args[0], b = (unsigned)op->args[1];
    TCGCond cond = (TCGCond)op->args[2];
    uint32_t label = (uint32_t)op->args[3];
    if (compare_known(g, cond, a, b, w, &value)) {
        if (value) {
            gen_br(g, opi, label);
        }
        return;
    }
    if (native_branch_syncs_insn(g, label)) {
        native_sync_insn_data(g);
    }
    Compare c;
    compare_prepare(g, &c, cond, a, b, w);
    const LoopHead *loop = ra_loop_of(g, label);
    if (loop) {
        /* To a loop head: the values move to its registers on the way taken only, in
         * code the way on jumps over. */
        HostCond hc = compare_emit(g, &c);
        size_t on = x64_jcc(&g->e, (HostCond)(hc ^ 1), 0);
        ra_save_state(g);
        ra_conform_to_loop(g, loop, g->op_bb[g->ir->label_ops[label]]);
        native_record_patch(g, x64_jmp(&g->e, 0), label);
        ra_restore_state(g);
        x64_patch_rel32(&g->e, on, x64_offset(&g->e));
        return;
    }
    if (ra_in_loop(g, opi)) {
        /* A way out of a loop: the values go to memory on that way only, so that the
         * loop's own way keeps them in registers. */
        HostCond hc = compare_emit(g, &c);
        size_t on = x64_jcc(&g->e, (HostCond)(hc ^ 1), 0);
        ra_save_state(g);
        ra_sync_bb_end(g, g->op_bb[opi], false);
        native_record_patch(g, x64_jmp(&g->e, 0), label);
        ra_restore_state(g);
        x64_patch_rel32(&g->e, on, x64_offset(&g->e));
        return;
    }
    ra_sync_bb_end(g, g->op_bb[opi], true);
    HostCond hc = compare_emit(g, &c);
    native_record_patch(g, x64_jcc(&g->e, hc, 0), label);
}

void native_gen_op(Gen *g, uint32_t opi)
{
    const TCGOp *op = &g->ops[opi];
    bool w = op_is64(op);
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_discard: break;
    case INDEX_op_set_label: gen_set_label(g, opi, op); break;
    case INDEX_op_br: gen_br(g, opi, (uint32_t)op->args[0]); break;
    case INDEX_op_brcond: gen_brcond(g, opi, op); break;
    case INDEX_op_insn_start: native_gen_insn_start(g, op); break;
    case INDEX_op_goto_tb: gen_goto_tb(g, op); break;
    case INDEX_op_exit_tb: gen_exit_tb(g, op); break;
    case INDEX_op_call: native_gen_call(g, opi, op); break;
    case INDEX_op_mb: x64_mfence(&g->e); break;
    case INDEX_op_mov:
    case INDEX_op_extu_i32_i64: gen_mov_from(g, opi, op, 1); break;
    case INDEX_op_movi: ra_bind_const(g, (unsigned)op->args[0], op->args[1]); break;
    case INDEX_op_add: gen_alu(g, opi, op, ALU_ADD, true); break;
    case INDEX_op_sub: gen_alu(g, opi, op, ALU_SUB, false); break;
    case INDEX_op_and: gen_alu(g, opi, op, ALU_AND, true); break;
    case INDEX_op_or: gen_alu(g, opi, op, ALU_OR, true); break;
    case INDEX_op_xor: gen_alu(g, opi, op, ALU_XOR, true); break;
    case INDEX_op_andc: gen_andc(g, opi, op); break;
    case INDEX_op_mul: gen_mul(g, opi, op); break;
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr: gen_shift(g, opi, op); break;
    case INDEX_op_neg: gen_unary(g, opi, op, UNARY_NEG); break;
    case INDEX_op_not: gen_unary(g, opi, op, UNARY_NOT); break;
    case INDEX_op_ext8s: gen_ext(g, opi, op, EXT_8S, w); break;
    case INDEX_op_ext8u: gen_ext(g, opi, op, EXT_8U, false); break;
    case INDEX_op_ext16s: gen_ext(g, opi, op, EXT_16S, w); break;
    case INDEX_op_ext16u: gen_ext(g, opi, op, EXT_16U, false); break;
    case INDEX_op_ext32s:
    case INDEX_op_exts_i32_i64: gen_ext(g, opi, op, EXT_32S, true); break;
    case INDEX_op_ext32u:
    case INDEX_op_extrl_i64_i32: gen_ext(g, opi, op, EXT_32U, false); break;
    case INDEX_op_extrh_i64_i32: gen_extrh(g, opi, op); break;
    case INDEX_op_deposit: gen_deposit(g, opi, op); break;
    case INDEX_op_extract:
    case INDEX_op_sextract: gen_extract(g, opi, op); break;
    case INDEX_op_setcond: gen_setcond(g, op); break;
    case INDEX_op_movcond: gen_movcond(g, opi, op); break;
    case INDEX_op_mulu2:
    case INDEX_op_muls2: gen_mul2(g, op); break;
    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_ld32u:
    case INDEX_op_ld32s:
    case INDEX_op_ld: gen_host_ld(g, op); break;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st: gen_host_st(g, op); break;
    case INDEX_op_qemu_ld: native_gen_qemu_ld(g, opi, op); break;
    case INDEX_op_qemu_st: native_gen_qemu_st(g, opi, op); break;
    case NB_TCG_OPS: g->failed = true; break;
    }
    ra_after_op(g, opi, op);
}

/* ---- the block ---- */

static void gen_exit_stubs(Gen *g)
{
    for (uint32_t i = 0; i < g->nb_stubs; i++) {
        ExitStub *s = &g->stubs[i];
        s->code_at = x64_offset(&g->e);
        if (s->jump_at != SIZE_MAX) {
            x64_patch_rel32(&g->e, s->jump_at, s->code_at);
        }
        native_store_insn_data(g, s->insn_mask, s->insn_val);
        for (uint32_t k = 0; k < s->count; k++) {
            const StubStore *st = &g->stub_stores[s->first + k];
            const TempState *ts = &g->ts[st->temp];
            unsigned size = ts->is64 ? 8 : 4;
            if (st->reg >= 0) {
                x64_store(&g->e, size, (HostReg)st->reg, REG_ENV, ts->mem_disp);
            } else if (size == 4 || fits_i32((int64_t)st->cval)) {
                x64_store_imm(&g->e, size, REG_ENV, ts->mem_disp, (int32_t)st->cval);
            } else {
                x64_movi(&g->e, true, REG_TMP, st->cval);
                x64_store(&g->e, size, REG_TMP, REG_ENV, ts->mem_disp);
            }
        }
        native_exit_value(g, (uintptr_t)g->tb | TB_EXIT_REQUESTED);
    }
}

/* Branches to labels; a label that is never set leads out of the block (the
 * interpreter then runs off the end of the op list). */
static void resolve_patches(Gen *g)
{
    size_t nochain = SIZE_MAX;
    for (uint32_t i = 0; i < g->nb_patches; i++) {
        size_t target = g->label_pos[g->patches[i].label];
        if (target == SIZE_MAX) {
            if (nochain == SIZE_MAX) {
                nochain = x64_offset(&g->e);
                native_exit_value(g, (uintptr_t)g->tb | TB_EXIT_NOCHAIN);
            }
            target = nochain;
        }
        x64_patch_rel32(&g->e, g->patches[i].at, target);
    }
}

static bool gen_block_ops(Gen *g)
{
    ra_init(g);
    for (uint32_t i = 0; i < g->tb->nb_labels; i++) {
        g->label_pos[i] = SIZE_MAX;
    }
    native_insn_data_unknown(g, true);
    g->unreachable = false;
    for (uint32_t opi = 0; opi < g->nb_ops; opi++) {
        if (g->unreachable && g->ops[opi].opc != INDEX_op_set_label) {
            continue;
        }
        native_gen_op(g, opi);
        if (g->failed || g->e.overflow) {
            return false;
        }
    }
    if (!g->unreachable) {
        ra_sync_globals(g);
        native_sync_insn_data(g);
        native_exit_value(g, (uintptr_t)g->tb | TB_EXIT_NOCHAIN);
    }
    gen_exit_stubs(g);
    native_gen_slow_paths(g);
    resolve_patches(g);
    return !g->failed && !g->e.overflow;
}

bool native_gen_block(Gen *g)
{
    bool ok = native_plan_label_insn(g) && ra_plan_loops(g) && native_plan_mem_share(g) &&
              gen_block_ops(g);
    free(g->mem_share);
    g->mem_share = NULL;
    free(g->label_insn_same);
    free(g->label_insn_val);
    free(g->label_loop);
    free(g->ts_saved);
    g->label_insn_same = NULL;
    g->label_insn_val = NULL;
    g->label_loop = NULL;
    g->ts_saved = NULL;
    return ok;
}
