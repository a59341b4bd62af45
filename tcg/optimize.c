/* The IR optimizer. Two passes over the block's op list, in place:
 *
 * 1. Forward, within each extended basic block (knowledge survives the fall-through
 *    of a brcond, is dropped at a label some branch still targets): constant folding
 *    and propagation, copy propagation, algebraic identities, static branches.
 * 2. Backward: liveness over the block's control-flow graph (iterated to a fixed
 *    point, so loops are handled), then removal of ops without side effects whose
 *    outputs are all dead, and of unreachable code.
 *
 * Correctness comes first: the interpreter keeps globals in env, and a block can be
 * left at an insn_start that takes exit requests (tcg.h), goto_tb, exit_tb, helper
 * call that may raise or read globals, or guest memory access (a fault). At each of those points
 * every global must hold its value, so all globals are live there; a store to a global is dead only
 * when the same global is written again before any of them. Host loads and stores (ld/st) can reach
 * globals through env: they count as reads/writes of the globals whose bytes they touch (all
 * globals when the base is not env itself). A discard ends its temp's value, a global's included:
 * writes before it that nothing reads are dropped, as the front end declared the value unneeded. */
#include <stdlib.h>
#include <string.h>

#include "tcg/tcg.h"

#define NO_BB      UINT32_MAX
#define TEMP_WORDS ((TCG_MAX_TEMPS + 63) / 64)

/* What the forward pass knows about a temp at the current point. */
typedef struct OptTemp {
    bool known;          /* holds the constant val */
    uint64_t val;        /* zero-extended for 32-bit temps */
    uint16_t prev, next; /* ring of temps known to hold the same value */
    int32_t def_seq;     /* op that produced the value, -1: from before the region */
    int32_t def_out;     /* that op's index in the output list, -1: not an arithmetic op */
    uint64_t zmask;      /* bits of the value that may be 1 (the others are 0) */
    /* The value is setcond(sc_cond, sc_a, sc_b) of type sc_type, for as long as sc_a and
     * sc_b keep the values they had then (def_seq still sc_a_seq and sc_b_seq). */
    bool sc;
    uint8_t sc_cond, sc_type;
    uint16_t sc_a, sc_b;
    int32_t sc_a_seq, sc_b_seq;
} OptTemp;

/* Arrays reused from one block to the next (TCGContext.opt_scratch): a block is small
 * (about 25 ops and 45 temps in a Linux boot), and a dozen callocs and frees per
 * block cost more than the passes over it. The global tables depend only on the
 * context's globals, which are all made before the first block: they are built once. */
struct TCGOptScratch {
    OptTemp info[TCG_MAX_TEMPS];
    bool always_const[TCG_MAX_TEMPS];
    unsigned tables_globals; /* nb_globals the tables below were built for; 0: none */
    uint64_t *overlaps;      /* per global, the globals sharing a byte with it */
    uint64_t all_globals[TEMP_WORDS];
    unsigned gwords;
    bool any_overlap;
    TCGOp *out;
    uint32_t *label_refs, *label_bb, *bb_first;
    bool *removed, *seen;
    uint32_t *stack;
    uint64_t *live_in, *live_out;
    size_t cap_seen, cap_stack, cap_out, cap_label_refs, cap_label_bb, cap_bb_first, cap_removed,
        cap_live_in, cap_live_out;
};

typedef struct Optimizer {
    TCGContext *s;
    TCGOptScratch *scratch;
    unsigned nb_temps, nb_globals;
    OptTemp *info;
    /* TEMP_CONST temps written only by a movi of their value: known everywhere. */
    bool *always_const;
    /* Branches (still) targeting each label: a label nobody jumps to is no join. */
    uint32_t *label_refs;
    /* Per global, the globals (itself included) sharing a byte with it. */
    const uint64_t *overlaps;
    unsigned gwords;
    bool any_overlap;
    int32_t seq;
    TCGOp *out;
    unsigned nb_out, out_cap;

    /* Backward pass. */
    unsigned words; /* per liveness set */
    uint32_t nb_bbs;
    uint32_t *bb_first; /* nb_bbs + 1 entries */
    uint32_t *label_bb;
    uint64_t *live_in, *live_out;
    const uint64_t *all_globals;
    bool *removed;
    /* Temps whose OptTemp may differ from its reset state: reset_all resets only those. */
    uint64_t touched[TEMP_WORDS];
} Optimizer;

/* array, or a larger one when it cannot hold n elements of size bytes (the contents
 * are not kept: every user fills what it reads). */
static void *scratch_room(void *array, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap && array) {
        return array;
    }
    size_t want = n > 2 * *cap ? n : 2 * *cap;
    free(array);
    void *p = malloc((want ? want : 1) * size);
    if (!p) {
        abort();
    }
    *cap = want;
    return p;
}

#define SCRATCH_ROOM(sc, field, n)                                                                 \
    ((sc)->field = scratch_room((sc)->field, &(sc)->cap_##field, (n), sizeof(*(sc)->field)))

static uint64_t type_mask(unsigned type)
{
    return type == TCG_TYPE_I32 ? UINT32_MAX : UINT64_MAX;
}

static unsigned type_bits(unsigned type)
{
    return type == TCG_TYPE_I32 ? 32 : 64;
}

static uint64_t low_mask(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

static uint64_t sext(uint64_t v, unsigned bits)
{
    uint64_t sign = UINT64_C(1) << (bits - 1);
    return ((v & low_mask(bits)) ^ sign) - sign;
}

static unsigned op_nb_oargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->callo : tcg_op_defs[op->opc].nb_oargs;
}

static unsigned op_nb_iargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->calli : tcg_op_defs[op->opc].nb_iargs;
}

static const TCGHelperInfo *call_info(const TCGOp *op)
{
    return (const TCGHelperInfo *)(uintptr_t)op->args[op->callo + op->calli];
}

static unsigned temp_bytes(const TCGTemp *t)
{
    return t->type == TCG_TYPE_I32 ? 4 : 8;
}

static bool ranges_overlap(intptr_t a, unsigned alen, intptr_t b, unsigned blen)
{
    return a < b + (intptr_t)blen && b < a + (intptr_t)alen;
}

/* ==== Constant folding: the same semantics as the interpreter (interp.c) ==== */

static bool cond_eval(TCGCond c, uint64_t a, uint64_t b, unsigned type)
{
    uint64_t sign = UINT64_C(1) << (type_bits(type) - 1);
    a &= type_mask(type);
    b &= type_mask(type);
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (a ^ sign) < (b ^ sign);
    case TCG_COND_GE: return (a ^ sign) >= (b ^ sign);
    case TCG_COND_LE: return (a ^ sign) <= (b ^ sign);
    case TCG_COND_GT: return (a ^ sign) > (b ^ sign);
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    }
    return false;
}

/* The result of comparing a value with itself. */
static bool cond_eval_equal(TCGCond c)
{
    switch (c) {
    case TCG_COND_ALWAYS:
    case TCG_COND_EQ:
    case TCG_COND_GE:
    case TCG_COND_LE:
    case TCG_COND_GEU:
    case TCG_COND_LEU: return true;
    default: return false;
    }
}

static uint64_t fold_shift(TCGOpcode opc, uint64_t a, uint64_t b, unsigned type)
{
    unsigned w = type_bits(type);
    unsigned c = (unsigned)(b & (w - 1));
    uint64_t m = type_mask(type);
    a &= m;
    switch (opc) {
    case INDEX_op_shl: return (a << c) & m;
    case INDEX_op_shr: return a >> c;
    case INDEX_op_sar: {
        uint64_t x = sext(a, w);
        return ((x >> c) | ((x >> 63) && c ? ~(UINT64_MAX >> c) : 0)) & m;
    }
    case INDEX_op_rotl: return c ? ((a << c) | (a >> (w - c))) & m : a;
    case INDEX_op_rotr: return c ? ((a >> c) | (a << (w - c))) & m : a;
    default: return 0;
    }
}

/* Folds an op of one output whose inputs are all the constants in[]. */
static bool fold_op(const TCGOp *op, const uint64_t *in, uint64_t *res)
{
    const TCGArg *args = op->args;
    uint64_t a = in[0], b = in[1], r;
    switch (op->opc) {
    case INDEX_op_add: r = a + b; break;
    case INDEX_op_sub: r = a - b; break;
    case INDEX_op_mul: r = a * b; break;
    case INDEX_op_and: r = a & b; break;
    case INDEX_op_or: r = a | b; break;
    case INDEX_op_xor: r = a ^ b; break;
    case INDEX_op_andc: r = a & ~b; break;
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr: r = fold_shift((TCGOpcode)op->opc, a, b, op->type); break;
    case INDEX_op_neg: r = -a; break;
    case INDEX_op_not: r = ~a; break;
    case INDEX_op_ext8s: r = sext(a, 8); break;
    case INDEX_op_ext8u: r = a & 0xff; break;
    case INDEX_op_ext16s: r = sext(a, 16); break;
    case INDEX_op_ext16u: r = a & 0xffff; break;
    case INDEX_op_ext32s:
    case INDEX_op_exts_i32_i64: r = sext(a, 32); break;
    case INDEX_op_ext32u:
    case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32: r = a & UINT32_MAX; break;
    case INDEX_op_extrh_i64_i32: r = a >> 32; break;
    case INDEX_op_deposit: {
        uint64_t field = low_mask((unsigned)args[4]) << (args[3] & 63);
        r = (a & ~field) | ((b << (args[3] & 63)) & field);
        break;
    }
    case INDEX_op_extract:
    case INDEX_op_sextract:
        r = (a >> (args[2] & 63)) & low_mask((unsigned)args[3]);
        if (op->opc == INDEX_op_sextract) {
            r = sext(r, (unsigned)args[3]);
        }
        break;
    case INDEX_op_setcond: r = cond_eval((TCGCond)args[3], a, b, op->type); break;
    default: return false;
    }
    *res = r & type_mask(op->type);
    return true;
}

/* ==== Forward pass: what is known about temps ==== */

static void ring_remove(Optimizer *o, unsigned t)
{
    OptTemp *ti = &o->info[t];
    o->info[ti->prev].next = ti->next;
    o->info[ti->next].prev = ti->prev;
    ti->prev = ti->next = (uint16_t)t;
}

static void mark_touched(Optimizer *o, unsigned t)
{
    o->touched[t / 64] |= UINT64_C(1) << (t % 64);
}

/* t (alone in its ring) now holds the same value as src. */
static void ring_join(Optimizer *o, unsigned t, unsigned src)
{
    OptTemp *ti = &o->info[t], *si = &o->info[src];
    mark_touched(o, t);
    mark_touched(o, src);
    ti->prev = (uint16_t)src;
    ti->next = si->next;
    o->info[si->next].prev = (uint16_t)t;
    si->next = (uint16_t)t;
}

static void reset_temp_info(Optimizer *o, unsigned t)
{
    OptTemp *ti = &o->info[t];
    ti->prev = ti->next = (uint16_t)t;
    ti->known = o->always_const[t];
    ti->val =
        o->always_const[t] ? (uint64_t)o->s->temps[t].val & type_mask(o->s->temps[t].type) : 0;
    ti->def_seq = -1;
    ti->def_out = -1;
    ti->zmask = o->always_const[t] ? ti->val : type_mask(o->s->temps[t].type);
    ti->sc = false;
}

/* At a join point nothing but the always-constant temps is known. Only the temps
 * touched since the last reset can be in any other state (every change of an OptTemp
 * goes through forget or ring_join, which mark them). */
static void reset_all(Optimizer *o)
{
    for (unsigned w = 0; w < (o->nb_temps + 63) / 64; w++) {
        uint64_t touched = o->touched[w];
        o->touched[w] = 0;
        while (touched) {
            reset_temp_info(o, w * 64 + (unsigned)__builtin_ctzll(touched));
            touched &= touched - 1;
        }
    }
}

static void reset_every_temp(Optimizer *o)
{
    for (unsigned t = 0; t < o->nb_temps; t++) {
        reset_temp_info(o, t);
    }
    memset(o->touched, 0, sizeof(o->touched));
}

/* t's value changes (or becomes unknown) at the current op. */
static void forget(Optimizer *o, unsigned t)
{
    mark_touched(o, t);
    ring_remove(o, t);
    o->info[t].known = false;
    o->info[t].def_seq = o->seq;
    o->info[t].def_out = -1;
    o->info[t].zmask = type_mask(o->s->temps[t].type);
    o->info[t].sc = false;
}

static void forget_globals(Optimizer *o)
{
    for (unsigned g = 1; g < o->nb_globals; g++) {
        forget(o, g);
    }
}

static void forget_env_bytes(Optimizer *o, intptr_t offset, unsigned size)
{
    for (unsigned g = 1; g < o->nb_globals; g++) {
        const TCGTemp *t = &o->s->temps[g];
        if (ranges_overlap(t->env_offset, temp_bytes(t), offset, size)) {
            forget(o, g);
        }
    }
}

/* The current op writes t: its old relations no longer hold, nor do those of
 * globals sharing bytes with it. */
static void set_output(Optimizer *o, unsigned t)
{
    forget(o, t);
    if (o->any_overlap && t < o->nb_globals) {
        const uint64_t *row = &o->overlaps[t * o->gwords];
        for (unsigned g = 1; g < o->nb_globals; g++) {
            if (g != t && (row[g / 64] >> (g % 64)) & 1) {
                forget(o, g);
            }
        }
    }
}

/* Whether t is a global that shares no byte with another: a backend may keep such a
 * global in a host register (one that overlaps is read from env every time). */
static bool plain_global(const Optimizer *o, unsigned t)
{
    if (t == 0 || t >= o->nb_globals) {
        return false;
    }
    if (!o->any_overlap) {
        return true;
    }
    const uint64_t *row = &o->overlaps[t * o->gwords];
    for (unsigned w = 0; w < o->gwords; w++) {
        uint64_t others = row[w] & ~(w == t / 64 ? UINT64_C(1) << (t % 64) : 0);
        if (others) {
            return false;
        }
    }
    return true;
}

/* The temp holding t's value that later ops should read: a plain global if one holds
 * it, else the one that has held it the longest, so that the copies become dead. A
 * global is preferred (as QEMU's optimizer does) because its value must be kept until
 * the block ends anyway: reading it lets the temp copied into it die at the copy, and
 * a backend then renames the register instead of copying it. Temps of one ring have
 * distinct def_seq except for at most one from before the region, so every member
 * picks the same one. */
static unsigned best_copy(const Optimizer *o, unsigned t)
{
    unsigned best = t;
    bool best_global = plain_global(o, t);
    for (unsigned m = o->info[t].next; m != t; m = o->info[m].next) {
        bool m_global = plain_global(o, m);
        if ((m_global && !best_global) ||
            (m_global == best_global && o->info[m].def_seq < o->info[best].def_seq)) {
            best = m;
            best_global = m_global;
        }
    }
    return best;
}

static TCGOp *emit(Optimizer *o, const TCGOp *op)
{
    TCGOp *dst = &o->out[o->nb_out++];
    *dst = *op;
    return dst;
}

static void emit_movi(Optimizer *o, unsigned d, uint64_t v)
{
    unsigned type = o->s->temps[d].type;
    v &= type_mask(type);
    /* Writing what d already holds is a no-op; the movi of an always-constant temp
     * stays, as it is what defines the temp (DCE drops it when unused). */
    if (!o->always_const[d] && o->info[d].known && o->info[d].val == v) {
        return;
    }
    set_output(o, d);
    o->info[d].known = true;
    o->info[d].val = v;
    o->info[d].zmask = v;
    TCGOp op = {.opc = INDEX_op_movi, .type = (uint8_t)type};
    op.args[0] = d;
    op.args[1] = v;
    emit(o, &op);
}

/* d = a, with a already replaced by its best copy. */
static void emit_mov(Optimizer *o, unsigned d, unsigned a)
{
    if (d == a || best_copy(o, d) == a) {
        return; /* d already holds a's value */
    }
    if (o->info[a].known) {
        emit_movi(o, d, o->info[a].val);
        return;
    }
    set_output(o, d);
    /* Unless writing d changed a too (globals sharing bytes), d now equals a. */
    if (o->info[a].def_seq != o->seq) {
        ring_join(o, d, a);
        o->info[d].zmask = o->info[a].zmask & type_mask(o->s->temps[d].type);
        o->info[d].sc = o->info[a].sc;
        o->info[d].sc_cond = o->info[a].sc_cond;
        o->info[d].sc_type = o->info[a].sc_type;
        o->info[d].sc_a = o->info[a].sc_a;
        o->info[d].sc_b = o->info[a].sc_b;
        o->info[d].sc_a_seq = o->info[a].sc_a_seq;
        o->info[d].sc_b_seq = o->info[a].sc_b_seq;
    }
    TCGOp op = {.opc = INDEX_op_mov, .type = o->s->temps[d].type};
    op.args[0] = d;
    op.args[1] = a;
    emit(o, &op);
}

/* A comparison whose outcome is known here: 1 or 0, else -1. */
static int cond_static(const Optimizer *o, TCGCond c, unsigned a, unsigned b, unsigned type)
{
    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        return c == TCG_COND_ALWAYS;
    }
    if (o->info[a].known && o->info[b].known) {
        return cond_eval(c, o->info[a].val, o->info[b].val, type);
    }
    if (a == b) {
        return cond_eval_equal(c);
    }
    return -1;
}

/* Algebraic identities: sets *src (result is that temp) or *val (a constant). */
typedef enum Simplified { SIMPLE_NONE, SIMPLE_MOV, SIMPLE_MOVI } Simplified;

static Simplified simplify_binary(const Optimizer *o, const TCGOp *op, unsigned *src, uint64_t *val)
{
    unsigned a = (unsigned)op->args[1], b = (unsigned)op->args[2];
    uint64_t m = type_mask(op->type);
    bool ka = o->info[a].known, kb = o->info[b].known;
    uint64_t va = o->info[a].val, vb = o->info[b].val;
    bool a0 = ka && va == 0, b0 = kb && vb == 0, am = ka && va == m, bm = kb && vb == m;
    *val = 0;
    switch (op->opc) {
    case INDEX_op_add:
    case INDEX_op_or:
    case INDEX_op_xor:
        if (b0 || a0) {
            *src = b0 ? a : b;
            return SIMPLE_MOV;
        }
        if (op->opc == INDEX_op_or && (am || bm)) {
            *val = m;
            return SIMPLE_MOVI;
        }
        if (a == b && op->opc == INDEX_op_or) {
            *src = a; /* x | x = x */
            return SIMPLE_MOV;
        }
        return a == b && op->opc == INDEX_op_xor ? SIMPLE_MOVI : SIMPLE_NONE; /* x ^ x = 0 */
    case INDEX_op_sub:
        if (b0) {
            *src = a;
            return SIMPLE_MOV;
        }
        return a == b ? SIMPLE_MOVI : SIMPLE_NONE;
    case INDEX_op_mul:
        if (a0 || b0) {
            return SIMPLE_MOVI;
        }
        if ((kb && vb == 1) || (ka && va == 1)) {
            *src = kb && vb == 1 ? a : b;
            return SIMPLE_MOV;
        }
        return SIMPLE_NONE;
    case INDEX_op_and:
        if (a0 || b0) {
            return SIMPLE_MOVI;
        }
        if (am || bm || a == b) {
            *src = bm || a == b ? a : b;
            return SIMPLE_MOV;
        }
        return SIMPLE_NONE;
    case INDEX_op_andc:
        if (b0) {
            *src = a;
            return SIMPLE_MOV;
        }
        return a0 || bm || a == b ? SIMPLE_MOVI : SIMPLE_NONE;
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr:
        if (kb && (vb & (type_bits(op->type) - 1)) == 0) {
            *src = a;
            return SIMPLE_MOV;
        }
        return a0 ? SIMPLE_MOVI : SIMPLE_NONE;
    default: return SIMPLE_NONE;
    }
}

static Simplified simplify(const Optimizer *o, const TCGOp *op, unsigned *src, uint64_t *val)
{
    const TCGArg *args = op->args;
    unsigned w = type_bits(op->type);
    switch (op->opc) {
    case INDEX_op_setcond: {
        int c = cond_static(o, (TCGCond)args[3], (unsigned)args[1], (unsigned)args[2], op->type);
        *val = (uint64_t)c;
        return c < 0 ? SIMPLE_NONE : SIMPLE_MOVI;
    }
    case INDEX_op_movcond: {
        int c = cond_static(o, (TCGCond)args[5], (unsigned)args[1], (unsigned)args[2], op->type);
        if (c >= 0 || args[3] == args[4]) {
            *src = (unsigned)(c == 0 ? args[4] : args[3]);
            return SIMPLE_MOV;
        }
        return SIMPLE_NONE;
    }
    case INDEX_op_deposit:
        if (args[3] == 0 && args[4] == w) {
            *src = (unsigned)args[2];
            return SIMPLE_MOV;
        }
        return SIMPLE_NONE;
    case INDEX_op_extract:
        if (args[2] == 0 && args[3] == w) {
            *src = (unsigned)args[1];
            return SIMPLE_MOV;
        }
        return SIMPLE_NONE;
    default: {
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        if (def->nb_oargs == 1 && def->nb_iargs == 2 && def->nb_cargs == 0) {
            return simplify_binary(o, op, src, val);
        }
        return SIMPLE_NONE;
    }
    }
}

/* ---- Known-zero bits: drop zero-extensions of values that are already extended ---- */

static uint64_t zmask_in(const Optimizer *o, const TCGOp *op, unsigned k)
{
    return o->info[op->args[1 + k]].zmask;
}

/* The bits an op's (first) output may have set, from what its inputs may have set. */
static uint64_t zmask_of(const Optimizer *o, const TCGOp *op)
{
    uint64_t m = type_mask(op->type);
    const OptTemp *b = op_nb_iargs(op) > 1 ? &o->info[op->args[2]] : NULL;
    switch (op->opc) {
    case INDEX_op_and: return zmask_in(o, op, 0) & zmask_in(o, op, 1);
    case INDEX_op_or:
    case INDEX_op_xor: return (zmask_in(o, op, 0) | zmask_in(o, op, 1)) & m;
    case INDEX_op_andc: return zmask_in(o, op, 0);
    case INDEX_op_shr:
        return b->known ? (zmask_in(o, op, 0) & m) >> (b->val & (type_bits(op->type) - 1)) : m;
    case INDEX_op_shl:
        return b->known ? (zmask_in(o, op, 0) << (b->val & (type_bits(op->type) - 1))) & m : m;
    case INDEX_op_ext8u: return zmask_in(o, op, 0) & 0xff;
    case INDEX_op_ext16u: return zmask_in(o, op, 0) & 0xffff;
    case INDEX_op_ext32u:
    case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32: return zmask_in(o, op, 0) & UINT32_MAX;
    case INDEX_op_extract: return low_mask((unsigned)op->args[3]) & m;
    case INDEX_op_setcond: return 1;
    case INDEX_op_ld8u: return 0xff;
    case INDEX_op_ld16u: return 0xffff;
    case INDEX_op_ld32u: return UINT32_MAX;
    case INDEX_op_qemu_ld: {
        MemOp mop = (MemOp)op->args[2];
        return (mop & MO_SIGN) || (mop & MO_SIZE) == MO_64 ? m
                                                           : low_mask(8u << (mop & MO_SIZE)) & m;
    }
    case INDEX_op_movcond: return (o->info[op->args[3]].zmask | o->info[op->args[4]].zmask) & m;
    default: return m;
    }
}

/* A zero-extension (or AND with a mask) that changes nothing: the bits it clears are
 * known to be 0 already. */
static bool is_noop_extension(const Optimizer *o, const TCGOp *op)
{
    uint64_t keep;
    switch (op->opc) {
    case INDEX_op_ext8u: keep = 0xff; break;
    case INDEX_op_ext16u: keep = 0xffff; break;
    case INDEX_op_ext32u: keep = UINT32_MAX; break;
    case INDEX_op_and: {
        const OptTemp *b = &o->info[op->args[2]];
        if (!b->known) {
            return false;
        }
        keep = b->val;
        break;
    }
    default: return false;
    }
    return (zmask_in(o, op, 0) & ~keep) == 0;
}

/* ---- setcond feeding a branch, a select or an inversion ---- */

static TCGCond cond_invert(TCGCond c)
{
    switch (c) {
    case TCG_COND_NEVER: return TCG_COND_ALWAYS;
    case TCG_COND_ALWAYS: return TCG_COND_NEVER;
    case TCG_COND_EQ: return TCG_COND_NE;
    case TCG_COND_NE: return TCG_COND_EQ;
    case TCG_COND_LT: return TCG_COND_GE;
    case TCG_COND_GE: return TCG_COND_LT;
    case TCG_COND_LE: return TCG_COND_GT;
    case TCG_COND_GT: return TCG_COND_LE;
    case TCG_COND_LTU: return TCG_COND_GEU;
    case TCG_COND_GEU: return TCG_COND_LTU;
    case TCG_COND_LEU: return TCG_COND_GTU;
    case TCG_COND_GTU: return TCG_COND_LEU;
    }
    return c;
}

/* Whether t still holds setcond(sc_cond, sc_a, sc_b) of `type`. */
static bool setcond_known(const Optimizer *o, unsigned t, unsigned type)
{
    const OptTemp *ti = &o->info[t];
    return ti->sc && ti->sc_type == type && o->info[ti->sc_a].def_seq == ti->sc_a_seq &&
           o->info[ti->sc_b].def_seq == ti->sc_b_seq;
}

static void record_setcond(Optimizer *o, const TCGOp *op)
{
    unsigned d = (unsigned)op->args[0], a = (unsigned)op->args[1], b = (unsigned)op->args[2];
    OptTemp *di = &o->info[d];
    if (a == d || b == d) {
        return; /* the comparison's input is gone */
    }
    di->sc = true;
    di->sc_cond = (uint8_t)op->args[3];
    di->sc_type = op->type;
    di->sc_a = (uint16_t)a;
    di->sc_b = (uint16_t)b;
    di->sc_a_seq = o->info[a].def_seq;
    di->sc_b_seq = o->info[b].def_seq;
}

/* "t != 0" (or "t == 0" when *inverted) for a test of t against constant 0 with c. */
static bool test_of_zero(const Optimizer *o, TCGCond c, unsigned t0, unsigned t1, unsigned *t,
                         bool *inverted)
{
    if (c != TCG_COND_EQ && c != TCG_COND_NE) {
        return false;
    }
    if (o->info[t1].known && o->info[t1].val == 0) {
        *t = t0;
    } else if (o->info[t0].known && o->info[t0].val == 0) {
        *t = t1;
    } else {
        return false;
    }
    *inverted = c == TCG_COND_EQ;
    return true;
}

/* xor d, (setcond c a b), 1 -> setcond !c a b; movcond d, (setcond c a b) ==/!= 0 ->
 * movcond on a, b directly. The setcond stays for other readers (DCE drops it if
 * none). The x86 front end makes these for every Jcc/SETcc/CMOVcc with its flags known
 * (translate-cc.c gives a 0/1 condition, inverted for odd condition codes). */
static bool fuse_setcond(Optimizer *o, const TCGOp *op)
{
    unsigned d = (unsigned)op->args[0], t;
    bool inv;
    TCGOp n = *op;
    if (op->opc == INDEX_op_xor) {
        unsigned a = (unsigned)op->args[1], b = (unsigned)op->args[2];
        if (o->info[b].known && o->info[b].val == 1) {
            t = a;
        } else if (o->info[a].known && o->info[a].val == 1) {
            t = b;
        } else {
            return false;
        }
        if (!setcond_known(o, t, op->type)) {
            return false;
        }
        const OptTemp *ti = &o->info[t];
        n.opc = INDEX_op_setcond;
        n.args[1] = ti->sc_a;
        n.args[2] = ti->sc_b;
        n.args[3] = cond_invert((TCGCond)ti->sc_cond);
    } else if (op->opc == INDEX_op_movcond) {
        if (!test_of_zero(o, (TCGCond)op->args[5], (unsigned)op->args[1], (unsigned)op->args[2], &t,
                          &inv) ||
            !setcond_known(o, t, op->type)) {
            return false;
        }
        const OptTemp *ti = &o->info[t];
        n.args[1] = ti->sc_a;
        n.args[2] = ti->sc_b;
        n.args[5] = inv ? cond_invert((TCGCond)ti->sc_cond) : ti->sc_cond;
    } else {
        return false;
    }
    set_output(o, d);
    o->info[d].zmask = zmask_of(o, &n);
    emit(o, &n);
    if (n.opc == INDEX_op_setcond) {
        record_setcond(o, &n);
    }
    return true;
}

/* ---- 32-bit guest arithmetic as 32-bit ops ----
 *
 * The x86 front end computes a 32-bit operation in 64 bits on zero-extended inputs and
 * zero-extends the result: ext32u(op(ext32u(a), ext32u(b))). For an op whose low 32
 * result bits depend only on the low 32 bits of its inputs, that is the 32-bit op on a
 * and b, whose result is zero-extended by definition (tcg.h): one host instruction
 * instead of three. The 64-bit op and the input extensions are left to dead code
 * elimination. */

/* The op that computed t's current value, if it is still in the output list. */
static const TCGOp *value_def(const Optimizer *o, unsigned t)
{
    int32_t i = o->info[t].def_out;
    return i >= 0 && o->out[i].args[0] == t ? &o->out[i] : NULL;
}

/* Whether the low 32 bits of def's result depend only on those of its inputs. */
static bool low_half_only(const Optimizer *o, const TCGOp *def)
{
    switch (def->opc) {
    case INDEX_op_add:
    case INDEX_op_sub:
    case INDEX_op_mul:
    case INDEX_op_and:
    case INDEX_op_or:
    case INDEX_op_xor:
    case INDEX_op_andc:
    case INDEX_op_neg:
    case INDEX_op_not: return true;
    case INDEX_op_shl: {
        /* A 32-bit shift masks its count to 5 bits, a 64-bit one to 6. */
        const OptTemp *c = &o->info[def->args[2]];
        return c->known && c->val < 32;
    }
    default: return false;
    }
}

/* An input of def (computed at def_seq) for the 32-bit op: the source of a
 * zero-extension when that source still holds what it held then. */
static unsigned narrow_input(const Optimizer *o, unsigned t, int32_t def_seq)
{
    const TCGOp *ext = value_def(o, t);
    if (ext && (ext->opc == INDEX_op_ext32u || ext->opc == INDEX_op_extu_i32_i64)) {
        unsigned src = (unsigned)ext->args[1];
        if (o->info[src].def_seq < o->info[t].def_seq && o->info[t].def_seq < def_seq) {
            return src;
        }
    }
    return t;
}

static bool narrow_to_32(Optimizer *o, const TCGOp *op)
{
    if (!(op->opc == INDEX_op_ext32u || op->opc == INDEX_op_extrl_i64_i32)) {
        return false;
    }
    unsigned d = (unsigned)op->args[0], s = (unsigned)op->args[1];
    const TCGOp *def = value_def(o, s);
    if (!def || def->type != TCG_TYPE_I64 || !low_half_only(o, def)) {
        return false;
    }
    int32_t def_seq = o->info[s].def_seq;
    TCGOp n = *def;
    n.type = TCG_TYPE_I32;
    n.args[0] = d;
    for (unsigned k = 0; k < op_nb_iargs(def); k++) {
        unsigned in = (unsigned)def->args[1 + k];
        /* Every input must still hold the value def read. */
        if (o->info[in].def_seq >= def_seq) {
            return false;
        }
        n.args[1 + k] = narrow_input(o, in, def_seq);
    }
    uint64_t zmask = zmask_of(o, &n);
    set_output(o, d);
    o->info[d].zmask = zmask;
    o->info[d].def_out = (int32_t)o->nb_out;
    emit(o, &n);
    return true;
}

/* Ops with one output and no effect besides it. */
static void opt_arith(Optimizer *o, const TCGOp *op)
{
    unsigned nb_i = op_nb_iargs(op);
    uint64_t in[4] = {0};
    bool all_known = nb_i <= 4;
    for (unsigned k = 0; k < nb_i && all_known; k++) {
        const OptTemp *ti = &o->info[op->args[1 + k]];
        all_known = ti->known;
        in[k] = ti->val;
    }
    unsigned d = (unsigned)op->args[0], src;
    uint64_t v;
    if (all_known && fold_op(op, in, &v)) {
        emit_movi(o, d, v);
        return;
    }
    switch (simplify(o, op, &src, &v)) {
    case SIMPLE_MOV: emit_mov(o, d, src); return;
    case SIMPLE_MOVI: emit_movi(o, d, v); return;
    case SIMPLE_NONE: break;
    }
    if (is_noop_extension(o, op)) {
        emit_mov(o, d, (unsigned)op->args[1]);
        return;
    }
    if (fuse_setcond(o, op)) {
        return;
    }
    if (narrow_to_32(o, op)) {
        return;
    }
    uint64_t zmask = zmask_of(o, op);
    set_output(o, d);
    o->info[d].zmask = zmask;
    o->info[d].def_out = (int32_t)o->nb_out;
    emit(o, op);
    if (op->opc == INDEX_op_setcond) {
        record_setcond(o, op);
    }
}

static void opt_mul2(Optimizer *o, const TCGOp *op)
{
    unsigned lo = (unsigned)op->args[0], hi = (unsigned)op->args[1];
    const OptTemp *a = &o->info[op->args[2]], *b = &o->info[op->args[3]];
    if (a->known && b->known && o->nb_out + 2 <= o->out_cap) {
        uint64_t x = a->val, y = b->val, rl, rh;
        if (op->type == TCG_TYPE_I32) {
            uint64_t p = op->opc == INDEX_op_muls2 ? sext(x, 32) * sext(y, 32) : x * y;
            rl = p, rh = p >> 32;
        } else {
            unsigned __int128 p = (unsigned __int128)x * y;
            rl = (uint64_t)p, rh = (uint64_t)(p >> 64);
            if (op->opc == INDEX_op_muls2) {
                rh -= ((x >> 63) ? y : 0) + ((y >> 63) ? x : 0);
            }
        }
        emit_movi(o, lo, rl);
        emit_movi(o, hi, rh);
        return;
    }
    set_output(o, lo);
    set_output(o, hi);
    emit(o, op);
}

static void opt_brcond(Optimizer *o, const TCGOp *op)
{
    int c = cond_static(o, (TCGCond)op->args[2], (unsigned)op->args[0], (unsigned)op->args[1],
                        op->type);
    uint32_t label = (uint32_t)op->args[3];
    if (c == 0) {
        o->label_refs[label]--;
        return;
    }
    if (c == 1) {
        TCGOp br = {.opc = INDEX_op_br, .type = TCG_TYPE_I64};
        br.args[0] = label;
        emit(o, &br);
        reset_all(o);
        return;
    }
    unsigned t;
    bool inv;
    if (test_of_zero(o, (TCGCond)op->args[2], (unsigned)op->args[0], (unsigned)op->args[1], &t,
                     &inv) &&
        setcond_known(o, t, op->type)) {
        /* brcond (setcond c a b) !=/== 0: branch on c (or its inverse) of a, b. */
        const OptTemp *ti = &o->info[t];
        TCGOp n = *op;
        n.args[0] = ti->sc_a;
        n.args[1] = ti->sc_b;
        n.args[2] = inv ? cond_invert((TCGCond)ti->sc_cond) : ti->sc_cond;
        emit(o, &n);
        return;
    }
    emit(o, op);
}

static unsigned store_bytes(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_st8: return 1;
    case INDEX_op_st16: return 2;
    case INDEX_op_st32: return 4;
    default: return op->type == TCG_TYPE_I32 ? 4 : 8;
    }
}

static void opt_op(Optimizer *o, TCGOp *op)
{
    unsigned nb_o = op_nb_oargs(op), nb_i = op_nb_iargs(op);
    for (unsigned k = nb_o; k < nb_o + nb_i; k++) {
        op->args[k] = best_copy(o, (unsigned)op->args[k]);
    }
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_set_label:
        if (o->label_refs[op->args[0]]) {
            reset_all(o);
        }
        emit(o, op);
        return;
    case INDEX_op_br:
    case INDEX_op_exit_tb:
        /* What follows is reached only through a label. */
        emit(o, op);
        reset_all(o);
        return;
    case INDEX_op_brcond: opt_brcond(o, op); return;
    case INDEX_op_insn_start:
    case INDEX_op_goto_tb:
    case INDEX_op_mb:
    case INDEX_op_qemu_st: emit(o, op); return;
    case INDEX_op_call:
        if (!(call_info(op)->flags & TCG_CALL_NO_WRITE_GLOBALS)) {
            forget_globals(o);
        }
        if (op->callo) {
            set_output(o, (unsigned)op->args[0]);
        }
        emit(o, op);
        return;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st:
        if (op->args[1] == o->s->env.idx) {
            forget_env_bytes(o, (intptr_t)op->args[2], store_bytes(op));
        } else {
            forget_globals(o);
        }
        emit(o, op);
        return;
    case INDEX_op_discard:
    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_ld32u:
    case INDEX_op_ld32s:
    case INDEX_op_ld:
    case INDEX_op_qemu_ld:
        set_output(o, (unsigned)op->args[0]);
        if (op->opc != INDEX_op_discard) {
            o->info[op->args[0]].zmask = zmask_of(o, op);
        }
        emit(o, op);
        return;
    case INDEX_op_mov: emit_mov(o, (unsigned)op->args[0], (unsigned)op->args[1]); return;
    case INDEX_op_movi: emit_movi(o, (unsigned)op->args[0], op->args[1]); return;
    case INDEX_op_mulu2:
    case INDEX_op_muls2: opt_mul2(o, op); return;
    default: opt_arith(o, op); return;
    }
}

/* ==== Setup shared by both passes ==== */

static void find_always_const(Optimizer *o)
{
    const TCGContext *s = o->s;
    for (unsigned t = 0; t < o->nb_temps; t++) {
        o->always_const[t] = s->temps[t].kind == TEMP_CONST;
    }
    for (unsigned i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        for (unsigned k = 0; k < op_nb_oargs(op); k++) {
            unsigned t = (unsigned)op->args[k];
            const TCGTemp *ts = &s->temps[t];
            bool defines_const =
                op->opc == INDEX_op_movi &&
                (op->args[1] & type_mask(ts->type)) == ((uint64_t)ts->val & type_mask(ts->type));
            if (!defines_const) {
                o->always_const[t] = false;
            }
        }
    }
}

/* The overlap rows and the set of all globals, built when the context's globals are
 * new to the scratch (globals are only ever added, before the locals of a block). */
static void build_global_tables(TCGOptScratch *sc, const TCGContext *s)
{
    unsigned nb_globals = s->nb_globals;
    sc->gwords = (nb_globals + 63) / 64;
    free(sc->overlaps);
    sc->overlaps = calloc((size_t)nb_globals * sc->gwords, sizeof(uint64_t));
    if (!sc->overlaps) {
        abort();
    }
    sc->any_overlap = false;
    memset(sc->all_globals, 0, sizeof(sc->all_globals));
    for (unsigned g = 1; g < nb_globals; g++) {
        const TCGTemp *tg = &s->temps[g];
        uint64_t *row = &sc->overlaps[g * sc->gwords];
        sc->all_globals[g / 64] |= UINT64_C(1) << (g % 64);
        /* The IR builder flagged every global that shares bytes with another. */
        if (!tg->overlaps) {
            row[g / 64] |= UINT64_C(1) << (g % 64);
            continue;
        }
        for (unsigned h = 1; h < nb_globals; h++) {
            const TCGTemp *th = &s->temps[h];
            if (ranges_overlap(tg->env_offset, temp_bytes(tg), th->env_offset, temp_bytes(th))) {
                row[h / 64] |= UINT64_C(1) << (h % 64);
                sc->any_overlap |= g != h;
            }
        }
    }
    sc->tables_globals = nb_globals;
}

static void find_overlaps(Optimizer *o)
{
    TCGOptScratch *sc = o->scratch;
    if (sc->tables_globals != o->nb_globals) {
        build_global_tables(sc, o->s);
    }
    o->gwords = sc->gwords;
    o->overlaps = sc->overlaps;
    o->any_overlap = sc->any_overlap;
    o->all_globals = sc->all_globals;
}

static void count_label_refs(Optimizer *o)
{
    const TCGContext *s = o->s;
    for (unsigned i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        if (op->opc == INDEX_op_br && op->args[0] < s->nb_labels) {
            o->label_refs[op->args[0]]++;
        } else if (op->opc == INDEX_op_brcond && op->args[3] < s->nb_labels) {
            o->label_refs[op->args[3]]++;
        }
    }
}

static void forward_pass(Optimizer *o)
{
    TCGContext *s = o->s;
    unsigned nb_mul2 = 0;
    for (unsigned i = 0; i < s->nb_ops; i++) {
        nb_mul2 += s->ops[i].opc == INDEX_op_mulu2 || s->ops[i].opc == INDEX_op_muls2;
    }
    /* Only a folded mulu2/muls2 grows (into two movi), and never past TCG_MAX_OPS. */
    o->out_cap = s->nb_ops + nb_mul2;
    if (o->out_cap > TCG_MAX_OPS) {
        o->out_cap = TCG_MAX_OPS > s->nb_ops ? TCG_MAX_OPS : s->nb_ops;
    }
    o->out = SCRATCH_ROOM(o->scratch, out, o->out_cap);
    o->nb_out = 0;
    reset_every_temp(o);
    for (unsigned i = 0; i < s->nb_ops; i++) {
        TCGOp op = s->ops[i];
        o->seq = (int32_t)i;
        opt_op(o, &op);
    }
    memcpy(s->ops, o->out, o->nb_out * sizeof(TCGOp));
    s->nb_ops = o->nb_out;
    o->out = NULL;
}

/* ==== Backward pass: liveness and dead code ==== */

static bool ends_bb(const TCGOp *op)
{
    return op->opc == INDEX_op_br || op->opc == INDEX_op_brcond || op->opc == INDEX_op_exit_tb;
}

static void build_bbs(Optimizer *o)
{
    const TCGContext *s = o->s;
    o->bb_first = SCRATCH_ROOM(o->scratch, bb_first, s->nb_ops + 1);
    o->label_bb = SCRATCH_ROOM(o->scratch, label_bb, s->nb_labels);
    for (unsigned l = 0; l < s->nb_labels; l++) {
        o->label_bb[l] = NO_BB;
    }
    o->nb_bbs = 0;
    for (unsigned i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        bool starts = i == 0 || op->opc == INDEX_op_set_label || ends_bb(&s->ops[i - 1]);
        if (starts) {
            o->bb_first[o->nb_bbs++] = i;
        }
        if (op->opc == INDEX_op_set_label && op->args[0] < s->nb_labels) {
            o->label_bb[op->args[0]] = o->nb_bbs - 1;
        }
    }
    o->bb_first[o->nb_bbs] = s->nb_ops;
}

/* Successor BBs of b; *exits is set when control may leave the block from its end. */
static unsigned bb_succs(const Optimizer *o, uint32_t b, uint32_t succ[2], bool *exits)
{
    const TCGOp *last = &o->s->ops[o->bb_first[b + 1] - 1];
    unsigned n = 0;
    uint32_t next = b + 1 < o->nb_bbs ? b + 1 : NO_BB;
    *exits = false;
    if (last->opc == INDEX_op_exit_tb) {
        *exits = true;
        return 0;
    }
    if (last->opc == INDEX_op_br || last->opc == INDEX_op_brcond) {
        TCGArg l = last->opc == INDEX_op_br ? last->args[0] : last->args[3];
        uint32_t target = l < o->s->nb_labels ? o->label_bb[l] : NO_BB;
        if (target == NO_BB) {
            *exits = true; /* a branch to a label never set leaves the block */
        } else {
            succ[n++] = target;
        }
        if (last->opc == INDEX_op_br) {
            return n;
        }
    }
    if (next == NO_BB) {
        *exits = true;
    } else {
        succ[n++] = next;
    }
    return n;
}

static void remove_unreachable(Optimizer *o)
{
    if (o->nb_bbs == 1) {
        return; /* the entry is reached */
    }
    bool *seen = SCRATCH_ROOM(o->scratch, seen, o->nb_bbs);
    uint32_t *stack = SCRATCH_ROOM(o->scratch, stack, o->nb_bbs);
    memset(seen, 0, o->nb_bbs * sizeof(*seen));
    unsigned sp = 0;
    seen[0] = true;
    stack[sp++] = 0;
    while (sp) {
        uint32_t b = stack[--sp], succ[2];
        bool exits;
        unsigned n = bb_succs(o, b, succ, &exits);
        for (unsigned k = 0; k < n; k++) {
            if (!seen[succ[k]]) {
                seen[succ[k]] = true;
                stack[sp++] = succ[k];
            }
        }
    }
    /* Labels stay: the TB's label table wants every set_label. */
    for (uint32_t b = 0; b < o->nb_bbs; b++) {
        for (uint32_t i = o->bb_first[b]; !seen[b] && i < o->bb_first[b + 1]; i++) {
            o->removed[i] = o->s->ops[i].opc != INDEX_op_set_label;
        }
    }
}

static void set_bit(uint64_t *set, unsigned t)
{
    set[t / 64] |= UINT64_C(1) << (t % 64);
}

static void clear_bit(uint64_t *set, unsigned t)
{
    set[t / 64] &= ~(UINT64_C(1) << (t % 64));
}

static bool test_bit(const uint64_t *set, unsigned t)
{
    return (set[t / 64] >> (t % 64)) & 1;
}

static void live_all_globals(const Optimizer *o, uint64_t *live)
{
    for (unsigned w = 0; w < o->gwords; w++) {
        live[w] |= o->all_globals[w];
    }
}

static void live_use(const Optimizer *o, uint64_t *live, unsigned t)
{
    if (t < o->nb_globals && o->any_overlap) {
        const uint64_t *row = &o->overlaps[t * o->gwords];
        for (unsigned w = 0; w < o->gwords; w++) {
            live[w] |= row[w];
        }
    }
    set_bit(live, t);
}

static unsigned load_bytes(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_ld8u:
    case INDEX_op_ld8s: return 1;
    case INDEX_op_ld16u:
    case INDEX_op_ld16s: return 2;
    case INDEX_op_ld32u:
    case INDEX_op_ld32s: return 4;
    default: return op->type == TCG_TYPE_I32 ? 4 : 8;
    }
}

/* Globals an op may read besides its inputs, or that must be in env when it runs. */
static void live_effects(const Optimizer *o, const TCGOp *op, uint64_t *live)
{
    switch (op->opc) {
    case INDEX_op_insn_start:
        if (op->args[TCG_INSN_START_EXIT_CHECK]) {
            live_all_globals(o, live); /* an exit request leaves here */
        }
        return;
    case INDEX_op_goto_tb:
    case INDEX_op_exit_tb: live_all_globals(o, live); return;
    case INDEX_op_call: {
        unsigned flags = call_info(op)->flags;
        if (!(flags & TCG_CALL_NO_READ_GLOBALS) || !(flags & TCG_CALL_NO_RAISE)) {
            live_all_globals(o, live);
        }
        return;
    }
    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_ld32u:
    case INDEX_op_ld32s:
    case INDEX_op_ld:
        if (op->args[1] != o->s->env.idx) {
            live_all_globals(o, live);
            return;
        }
        for (unsigned g = 1; g < o->nb_globals; g++) {
            const TCGTemp *t = &o->s->temps[g];
            if (ranges_overlap(t->env_offset, temp_bytes(t), (intptr_t)op->args[2],
                               load_bytes(op))) {
                set_bit(live, g);
            }
        }
        return;
    default:
        if (tcg_op_defs[op->opc].flags & TCG_OPF_MAY_RAISE) {
            live_all_globals(o, live); /* a fault must find the guest state in env */
        }
        return;
    }
}

static bool op_removable(const TCGOp *op)
{
    if (op->opc == INDEX_op_call) {
        return call_info(op)->flags & TCG_CALL_NO_SIDE_EFFECTS;
    }
    if (op->opc == INDEX_op_discard) {
        return false; /* kept as a hint for register allocation */
    }
    return !(tcg_op_defs[op->opc].flags &
             (TCG_OPF_SIDE_EFF | TCG_OPF_BB_END | TCG_OPF_CALL | TCG_OPF_MAY_RAISE));
}

/* Walks BB b backwards from live (its live-out set), leaving its live-in set there.
 * Only ops that stay count: an op whose outputs are dead reads nothing. */
static void live_transfer(Optimizer *o, uint32_t b, uint64_t *live, bool apply)
{
    TCGContext *s = o->s;
    for (uint32_t i = o->bb_first[b + 1]; i-- > o->bb_first[b];) {
        const TCGOp *op = &s->ops[i];
        if (o->removed[i]) {
            continue;
        }
        unsigned nb_o = op_nb_oargs(op), nb_i = op_nb_iargs(op);
        if (op_removable(op)) {
            bool any_live = false;
            for (unsigned k = 0; k < nb_o; k++) {
                any_live |= test_bit(live, (unsigned)op->args[k]);
            }
            if (!any_live) {
                o->removed[i] |= apply;
                continue;
            }
        }
        for (unsigned k = 0; k < nb_o; k++) {
            clear_bit(live, (unsigned)op->args[k]);
        }
        live_effects(o, op, live);
        for (unsigned k = nb_o; k < nb_o + nb_i; k++) {
            live_use(o, live, (unsigned)op->args[k]);
        }
    }
}

/* Recomputes BB b's live-out and live-in sets from its successors' live-in sets (tmp:
 * scratch); with apply, also removes its dead ops. Returns whether live-in changed. */
static bool bb_update_liveness(Optimizer *o, uint32_t b, uint64_t *tmp, bool apply)
{
    unsigned W = o->words;
    uint32_t succ[2];
    bool exits;
    unsigned n = bb_succs(o, b, succ, &exits);
    uint64_t *out = &o->live_out[(size_t)b * W];
    memset(out, 0, W * sizeof(uint64_t));
    if (exits) {
        live_all_globals(o, out);
    }
    for (unsigned k = 0; k < n; k++) {
        const uint64_t *in = &o->live_in[(size_t)succ[k] * W];
        for (unsigned w = 0; w < W; w++) {
            out[w] |= in[w];
        }
    }
    memcpy(tmp, out, W * sizeof(uint64_t));
    live_transfer(o, b, tmp, apply);
    uint64_t *in = &o->live_in[(size_t)b * W];
    if (!memcmp(tmp, in, W * sizeof(uint64_t))) {
        return false;
    }
    memcpy(in, tmp, W * sizeof(uint64_t));
    return true;
}

static void compute_liveness(Optimizer *o)
{
    uint64_t tmp[TEMP_WORDS];
    /* The fixed point starts from empty live-in sets. */
    memset(o->live_in, 0, (size_t)o->nb_bbs * o->words * sizeof(uint64_t));
    bool changed = true;
    while (changed) {
        changed = false;
        for (uint32_t b = o->nb_bbs; b-- > 0;) {
            changed |= bb_update_liveness(o, b, tmp, false);
        }
    }
}

/* Whether every branch goes forward (most blocks: only REP and LOOP branch back).
 * Then one walk over the BBs from the last sees each successor's final live-in set,
 * so liveness and dead-op removal are a single pass, without the fixed point. */
static bool bbs_forward_only(const Optimizer *o)
{
    for (uint32_t b = 0; b < o->nb_bbs; b++) {
        uint32_t succ[2];
        bool exits;
        unsigned n = bb_succs(o, b, succ, &exits);
        for (unsigned k = 0; k < n; k++) {
            if (succ[k] <= b) {
                return false;
            }
        }
    }
    return true;
}

static void backward_pass(Optimizer *o)
{
    TCGContext *s = o->s;
    if (s->nb_ops == 0) {
        return;
    }
    o->words = (o->nb_temps + 63) / 64;
    o->removed = SCRATCH_ROOM(o->scratch, removed, s->nb_ops);
    memset(o->removed, 0, s->nb_ops * sizeof(*o->removed));
    build_bbs(o);
    remove_unreachable(o);

    /* A forward-only walk fills each live-in set before reading it. */
    size_t sets = (size_t)o->nb_bbs * o->words;
    o->live_in = SCRATCH_ROOM(o->scratch, live_in, sets);
    o->live_out = SCRATCH_ROOM(o->scratch, live_out, sets);
    uint64_t live[TEMP_WORDS];
    if (bbs_forward_only(o)) {
        for (uint32_t b = o->nb_bbs; b-- > 0;) {
            bb_update_liveness(o, b, live, true);
        }
    } else {
        compute_liveness(o);
        for (uint32_t b = 0; b < o->nb_bbs; b++) {
            memcpy(live, &o->live_out[(size_t)b * o->words], o->words * sizeof(uint64_t));
            live_transfer(o, b, live, true);
        }
    }

    unsigned n = 0;
    for (unsigned i = 0; i < s->nb_ops; i++) {
        if (!o->removed[i]) {
            if (n != i) {
                s->ops[n] = s->ops[i];
            }
            n++;
        }
    }
    s->nb_ops = n;
}

void tcg_optimize(TCGContext *s)
{
    if (s->overflow || s->nb_ops == 0) {
        return; /* an incomplete block is retranslated, not run */
    }
    if (!s->opt_scratch) {
        s->opt_scratch = calloc(1, sizeof(*s->opt_scratch));
        if (!s->opt_scratch) {
            abort();
        }
    }
    TCGOptScratch *sc = s->opt_scratch;
    Optimizer o = {.s = s, .scratch = sc, .nb_temps = s->nb_temps, .nb_globals = s->nb_globals};
    o.info = sc->info;
    o.always_const = sc->always_const;
    o.label_refs = SCRATCH_ROOM(sc, label_refs, s->nb_labels);
    memset(o.label_refs, 0, s->nb_labels * sizeof(*o.label_refs));
    find_always_const(&o);
    find_overlaps(&o);
    count_label_refs(&o);
    forward_pass(&o);
    backward_pass(&o);
}

void tcg_optimize_free_scratch(TCGContext *s)
{
    TCGOptScratch *sc = s->opt_scratch;
    if (!sc) {
        return;
    }
    free(sc->overlaps);
    free(sc->out);
    free(sc->label_refs);
    free(sc->label_bb);
    free(sc->bb_first);
    free(sc->removed);
    free(sc->seen);
    free(sc->stack);
    free(sc->live_in);
    free(sc->live_out);
    free(sc);
    s->opt_scratch = NULL;
}
