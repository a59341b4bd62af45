/* Analysis of a block before code generation: it is checked for what the backend
 * supports, cut into basic blocks, and the liveness of its locals is computed (a
 * classic backward data-flow problem over the block's control-flow graph), so that
 * the register allocator knows when a value is no longer needed and what must be in
 * memory at the start of each basic block.
 *
 * Globals are not tracked: they are always treated as live (they are written back to
 * env at every basic-block end and wherever the block can be left). */
#include <stdlib.h>
#include <string.h>

#include "tcg/x86_64/internal.h"

void native_op_arg_counts(const TCGOp *op, unsigned *nb_out, unsigned *nb_in)
{
    if (op->opc == INDEX_op_call) {
        *nb_out = op->callo;
        *nb_in = op->calli;
    } else if (op->opc == INDEX_op_discard) {
        /* The interpreter ignores discard; so does liveness, which needs no hint. */
        *nb_out = 0;
        *nb_in = 0;
    } else {
        *nb_out = tcg_op_defs[op->opc].nb_oargs;
        *nb_in = tcg_op_defs[op->opc].nb_iargs;
    }
}

static bool temp_is_local(const Gen *g, TCGArg t)
{
    unsigned kind = g->ir->temps[t].kind;
    return kind == TEMP_LOCAL || kind == TEMP_CONST;
}

/* Whether every op is one this backend can compile; refusals run on the interpreter. */
static bool ops_supported(const Gen *g)
{
    const TranslationBlock *tb = g->tb;
    for (uint32_t i = 0; i < g->nb_ops; i++) {
        const TCGOp *op = &g->ops[i];
        if (op->opc >= NB_TCG_OPS || op->type > TCG_TYPE_I64) {
            return false;
        }
        if (op->opc == INDEX_op_call && (op->callo > 1 || op->calli > TCG_MAX_CALL_ARGS ||
                                         op->callo + op->calli + 1u > TCG_MAX_OP_ARGS)) {
            return false;
        }
        unsigned nout, nin;
        native_op_arg_counts(op, &nout, &nin);
        for (unsigned a = 0; a < nout + nin; a++) {
            TCGArg t = op->args[a];
            if (t >= g->nb_temps) {
                return false;
            }
            /* env is read-only. */
            if (a < nout && g->ir->temps[t].kind == TEMP_ENV) {
                return false;
            }
        }
        switch (op->opc) {
        case INDEX_op_br:
        case INDEX_op_set_label:
            if (op->args[0] >= tb->nb_labels) {
                return false;
            }
            break;
        case INDEX_op_brcond:
            if (op->args[3] >= tb->nb_labels) {
                return false;
            }
            break;
        default: break;
        }
    }
    for (uint32_t t = 0; t < g->nb_temps; t++) {
        const TCGTemp *tt = &g->ir->temps[t];
        if (tt->kind == TEMP_GLOBAL &&
            (tt->env_offset < 0 || tt->env_offset > INT32_MAX - 16 || tt->type > TCG_TYPE_I64)) {
            return false;
        }
    }
    return true;
}

static bool ends_bb(const TCGOp *op)
{
    return op->opc == INDEX_op_brcond || op->opc == INDEX_op_br || op->opc == INDEX_op_exit_tb;
}

/* The basic block a label starts, or UINT32_MAX when the label leads out of the block. */
static uint32_t label_bb(const Gen *g, uint64_t label)
{
    uint32_t opi = g->ir->label_ops[label];
    return opi < g->nb_ops ? g->op_bb[opi] : UINT32_MAX;
}

static void split_blocks(Gen *g, uint32_t *bb_end)
{
    uint32_t bb = 0;
    for (uint32_t i = 0; i < g->nb_ops; i++) {
        const TCGOp *op = &g->ops[i];
        if (i > 0 && (op->opc == INDEX_op_set_label || ends_bb(&g->ops[i - 1]))) {
            bb_end[bb] = i - 1;
            bb++;
        }
        g->op_bb[i] = bb;
    }
    bb_end[bb] = g->nb_ops ? g->nb_ops - 1 : 0;
    g->nb_bbs = g->nb_ops ? bb + 1 : 0;
}

/* use = locals read before any write in the block; def = locals written. */
static void block_use_def(const Gen *g, uint32_t first, uint32_t last, uint64_t *use, uint64_t *def)
{
    for (uint32_t i = first; i <= last; i++) {
        const TCGOp *op = &g->ops[i];
        unsigned nout, nin;
        native_op_arg_counts(op, &nout, &nin);
        for (unsigned a = nout; a < nout + nin; a++) {
            TCGArg t = op->args[a];
            if (temp_is_local(g, t) && !((def[t / 64] >> (t % 64)) & 1)) {
                use[t / 64] |= UINT64_C(1) << (t % 64);
            }
        }
        for (unsigned a = 0; a < nout; a++) {
            TCGArg t = op->args[a];
            if (temp_is_local(g, t)) {
                def[t / 64] |= UINT64_C(1) << (t % 64);
            }
        }
    }
}

static unsigned successors(const Gen *g, uint32_t bb, uint32_t last, uint32_t succ[2])
{
    const TCGOp *op = &g->ops[last];
    unsigned n = 0;
    bool falls_through = op->opc != INDEX_op_br && op->opc != INDEX_op_exit_tb;
    if (falls_through && bb + 1 < g->nb_bbs) {
        succ[n++] = bb + 1;
    }
    if (op->opc == INDEX_op_br || op->opc == INDEX_op_brcond) {
        uint32_t target = label_bb(g, op->args[op->opc == INDEX_op_br ? 0 : 3]);
        if (target != UINT32_MAX) {
            succ[n++] = target;
        }
    }
    return n;
}

/* Word k of the union of the live-in sets of the ns basic blocks succ. */
static uint64_t live_in_of(const Gen *g, const uint32_t *succ, unsigned ns, unsigned k)
{
    uint64_t o = 0;
    for (unsigned s = 0; s < ns; s++) {
        o |= g->live_in[(size_t)succ[s] * g->live_words + k];
    }
    return o;
}

static void solve_liveness(Gen *g, const uint32_t *bb_first, const uint32_t *bb_last,
                           const uint64_t *use, const uint64_t *def)
{
    unsigned w = g->live_words;
    bool changed = true;
    while (changed) {
        changed = false;
        for (uint32_t b = g->nb_bbs; b-- > 0;) {
            uint64_t *out = &g->live_out[(size_t)b * w];
            uint64_t *in = &g->live_in[(size_t)b * w];
            uint32_t succ[2];
            unsigned ns = successors(g, b, bb_last[b], succ);
            for (unsigned k = 0; k < w; k++) {
                uint64_t o = live_in_of(g, succ, ns, k);
                uint64_t nin = use[(size_t)b * w + k] | (o & ~def[(size_t)b * w + k]);
                if (o != out[k] || nin != in[k]) {
                    changed = true;
                }
                out[k] = o;
                in[k] = nin;
            }
        }
    }
    (void)bb_first;
}

/* Walks ops [first, last] backwards from live (the live-out set of their basic
 * block), marking per op which of its local arguments are dead right after it, and
 * leaves the block's live-in set in live. */
static void bb_mark_dead(Gen *g, uint32_t first, uint32_t last, uint64_t *live)
{
    for (uint32_t i = last + 1; i-- > first;) {
        const TCGOp *op = &g->ops[i];
        unsigned nout, nin;
        native_op_arg_counts(op, &nout, &nin);
        uint16_t dead = 0;
        for (unsigned a = 0; a < nout; a++) {
            TCGArg t = op->args[a];
            if (temp_is_local(g, t) && !((live[t / 64] >> (t % 64)) & 1)) {
                dead |= (uint16_t)(1u << a);
            }
        }
        for (unsigned a = 0; a < nout; a++) {
            TCGArg t = op->args[a];
            if (temp_is_local(g, t)) {
                live[t / 64] &= ~(UINT64_C(1) << (t % 64));
            }
        }
        for (unsigned a = nout; a < nout + nin; a++) {
            TCGArg t = op->args[a];
            if (temp_is_local(g, t) && !((live[t / 64] >> (t % 64)) & 1)) {
                dead |= (uint16_t)(1u << a);
            }
        }
        for (unsigned a = nout; a < nout + nin; a++) {
            TCGArg t = op->args[a];
            if (temp_is_local(g, t)) {
                live[t / 64] |= UINT64_C(1) << (t % 64);
            }
        }
        g->dead[i] = dead;
    }
}

/* Per op: which of its local arguments are dead right after it. */
static void mark_dead_args(Gen *g, const uint32_t *bb_first, const uint32_t *bb_last,
                           uint64_t *live)
{
    unsigned w = g->live_words;
    for (uint32_t b = 0; b < g->nb_bbs; b++) {
        memcpy(live, &g->live_out[(size_t)b * w], w * sizeof(uint64_t));
        bb_mark_dead(g, bb_first[b], bb_last[b], live);
    }
}

/* Whether every branch goes forward (most blocks: only REP and LOOP branch back). */
static bool branches_forward_only(const Gen *g, const uint32_t *bb_last)
{
    for (uint32_t b = 0; b < g->nb_bbs; b++) {
        uint32_t succ[2];
        unsigned ns = successors(g, b, bb_last[b], succ);
        for (unsigned k = 0; k < ns; k++) {
            if (succ[k] <= b) {
                return false;
            }
        }
    }
    return true;
}

/* Liveness and dead arguments in one backward walk, for blocks whose branches all go
 * forward: each basic block's successors come after it, so their live-in sets are
 * final when it is reached (no use/def sets, no fixed point). */
static void liveness_forward_only(Gen *g, const uint32_t *bb_first, const uint32_t *bb_last)
{
    unsigned w = g->live_words;
    for (uint32_t b = g->nb_bbs; b-- > 0;) {
        uint64_t *out = &g->live_out[(size_t)b * w];
        uint64_t *in = &g->live_in[(size_t)b * w];
        uint32_t succ[2];
        unsigned ns = successors(g, b, bb_last[b], succ);
        for (unsigned k = 0; k < w; k++) {
            out[k] = in[k] = live_in_of(g, succ, ns, k);
        }
        bb_mark_dead(g, bb_first[b], bb_last[b], in);
    }
}

bool native_analyze(Gen *g)
{
    if (!ops_supported(g)) {
        return false;
    }
    if (g->nb_ops == 0) {
        g->nb_bbs = 0;
        return true;
    }
    unsigned w = g->live_words;
    GenScratch *sc = g->scratch;
    uint32_t *bb_first = scratch_get(&sc->bb_first, g->nb_ops * sizeof(uint32_t), false);
    uint32_t *bb_last = scratch_get(&sc->bb_last, g->nb_ops * sizeof(uint32_t), false);
    if (!bb_first || !bb_last) {
        return false;
    }
    split_blocks(g, bb_last);
    for (uint32_t i = g->nb_ops; i-- > 0;) {
        bb_first[g->op_bb[i]] = i;
    }
    size_t words = (size_t)g->nb_bbs * w;
    if (branches_forward_only(g, bb_last)) {
        g->live_in = scratch_get(&sc->live_in, words * sizeof(uint64_t), false);
        g->live_out = scratch_get(&sc->live_out, words * sizeof(uint64_t), false);
        if (!g->live_in || !g->live_out) {
            return false;
        }
        liveness_forward_only(g, bb_first, bb_last);
        return true;
    }
    uint64_t *use = scratch_get(&sc->use, (words + w) * sizeof(uint64_t), true);
    uint64_t *def = scratch_get(&sc->def, words * sizeof(uint64_t), true);
    g->live_in = scratch_get(&sc->live_in, words * sizeof(uint64_t), true);
    g->live_out = scratch_get(&sc->live_out, words * sizeof(uint64_t), true);
    bool ok = use && def && g->live_in && g->live_out;
    if (ok) {
        for (uint32_t b = 0; b < g->nb_bbs; b++) {
            block_use_def(g, bb_first[b], bb_last[b], &use[(size_t)b * w], &def[(size_t)b * w]);
        }
        solve_liveness(g, bb_first, bb_last, use, def);
        /* use's spare row serves as the scratch live set. */
        mark_dead_args(g, bb_first, bb_last, &use[words]);
    }
    return ok;
}
