/* Instruction boundaries in compiled code: es->insn_data and the exit_request check.
 *
 * The interpreter stores an insn_start's data words at once and checks exit_request at
 * every one. Compiled code keeps the words pending and stores them only where something
 * can read them: before a helper call (it may raise, or read the restart point), in a
 * guest access's slow path (it may fault), in the exit stubs, and wherever the block
 * may be left or joined (branches, labels, exit_tb, the end). So memory holds the last
 * insn_start's words at every point where the interpreter's would be seen, and a block
 * of register-only instructions stores them once. A label that every way in reaches
 * from the same insn_start (all its branches forward: a conditional jump's taken side,
 * a branch inside one instruction) needs no store at its branches: its words stay
 * pending past it, so a block ending in Jcc stores them only on the way out.
 *
 * exit_request is checked at the first insn_start of the block, at the first one after
 * each label (a loop inside a block must still notice a kick), and at the first one
 * after anything that runs C code (a call or a guest access): the vCPU's own thread sets
 * it there (self-modifying code stops the block at the next instruction boundary,
 * cpu/x86/mmu.c). Another thread's kick is seen at the next block at the latest, as in
 * QEMU, whose blocks check it once at their start. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/x86_64/internal.h"

static void store_insn_word(Gen *g, unsigned i, uint64_t v)
{
    int32_t disp = (int32_t)(offsetof(TCGExecState, insn_data) + i * sizeof(uint64_t));
    if (fits_i32((int64_t)v)) {
        x64_store_imm(&g->e, 8, REG_ES, disp, (int32_t)v);
    } else {
        x64_movi(&g->e, true, REG_TMP, v);
        x64_store(&g->e, 8, REG_TMP, REG_ES, disp);
    }
}

unsigned native_insn_data_unsynced(const Gen *g, uint64_t vals[TCG_INSN_START_WORDS])
{
    unsigned mask = 0;
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        vals[i] = g->insn_pending_val[i];
        if (g->insn_pending[i] && !(g->insn_known[i] && g->insn_val[i] == vals[i])) {
            mask |= 1u << i;
        }
    }
    return mask;
}

void native_store_insn_data(Gen *g, unsigned mask, const uint64_t vals[TCG_INSN_START_WORDS])
{
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        if (mask & (1u << i)) {
            store_insn_word(g, i, vals[i]);
        }
    }
}

void native_sync_insn_data(Gen *g)
{
    uint64_t vals[TCG_INSN_START_WORDS];
    unsigned mask = native_insn_data_unsynced(g, vals);
    native_store_insn_data(g, mask, vals);
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        if (mask & (1u << i)) {
            g->insn_known[i] = true;
            g->insn_val[i] = vals[i];
        }
    }
}

void native_insn_data_unknown(Gen *g, bool pending_too)
{
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        g->insn_known[i] = false;
        if (pending_too) {
            g->insn_pending[i] = false;
        }
    }
}

static ExitStub *new_exit_stub(Gen *g)
{
    if (g->nb_stubs == g->cap_stubs) {
        uint32_t cap = g->cap_stubs ? 2 * g->cap_stubs : 32;
        ExitStub *p = realloc(g->stubs, cap * sizeof(*p));
        if (!p) {
            g->failed = true;
            return NULL;
        }
        g->stubs = p;
        g->cap_stubs = cap;
    }
    return &g->stubs[g->nb_stubs++];
}

/* The slow path of the store whose exit check the insn_start at opi can take over, or
 * NULL. The instruction before it must have no other reason for the check (tcg.c sets
 * it after a store, a label, a side-effecting call, and at the block's start) than one
 * store, and no code may follow that store's fast path: the slow path then comes back
 * to exactly the boundary, with the registers as the insn_start has them. A store that
 * took the fast path cannot have set exit_request (its page holds no translated code:
 * the write tag's no-code bit, cpu/x86/tlb.h); another thread's kick waits for the next
 * check at the latest, as it may anyway (see the top of this file). */
static SlowPath *exit_check_owner(Gen *g, uint32_t opi)
{
    if (!g->nb_slow || !g->slow[g->nb_slow - 1].is_store ||
        g->slow[g->nb_slow - 1].resume != x64_offset(&g->e)) {
        return NULL;
    }
    unsigned stores = 0;
    for (uint32_t k = opi; k-- > 0;) {
        switch (g->ops[k].opc) {
        case INDEX_op_insn_start: return stores == 1 ? &g->slow[g->nb_slow - 1] : NULL;
        case INDEX_op_qemu_st: stores++; break;
        case INDEX_op_set_label:
        case INDEX_op_call: return NULL;
        default: break;
        }
    }
    return NULL; /* the block's first instruction */
}

void native_gen_insn_start(Gen *g, const TCGOp *op)
{
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        g->insn_pending[i] = true;
        g->insn_pending_val[i] = op->args[i];
    }
    if (!op->args[TCG_INSN_START_EXIT_CHECK]) {
        return;
    }
    SlowPath *owner = exit_check_owner(g, (uint32_t)(op - g->ops));
    size_t at = SIZE_MAX;
    if (!owner) {
        /* exit_request is an atomic_int: a plain load is an acquire load on x86. */
        x64_cmp_mi(&g->e, sizeof(int), REG_ES, (int32_t)offsetof(TCGExecState, exit_request), 0);
        at = x64_jcc(&g->e, HC_NE, 0);
    }
    ExitStub *s = new_exit_stub(g);
    if (!s) {
        return;
    }
    if (owner) {
        owner->exit_stub = g->nb_stubs;
    }
    s->jump_at = at;
    s->insn_mask = (uint8_t)native_insn_data_unsynced(g, s->insn_val);
    s->first = ra_snapshot_dirty(g, &s->count);
}

/* Merges the words of the insn_start a way into label comes from. */
static void label_way_in(Gen *g, bool *seen, uint32_t label, bool known, const uint64_t *vals)
{
    if (!known) {
        g->label_insn_same[label] = false;
        seen[label] = true;
        return;
    }
    if (!seen[label]) {
        seen[label] = true;
        g->label_insn_same[label] = true;
        memcpy(g->label_insn_val[label], vals, sizeof(g->label_insn_val[label]));
        return;
    }
    if (memcmp(g->label_insn_val[label], vals, sizeof(g->label_insn_val[label]))) {
        g->label_insn_same[label] = false;
    }
}

bool native_plan_label_insn(Gen *g)
{
    uint32_t nb_labels = g->tb->nb_labels;
    g->label_insn_same = calloc(nb_labels ? nb_labels : 1, sizeof(*g->label_insn_same));
    g->label_insn_val = calloc(nb_labels ? nb_labels : 1, sizeof(*g->label_insn_val));
    bool *seen = calloc(nb_labels ? nb_labels : 1, sizeof(*seen));
    if (!g->label_insn_same || !g->label_insn_val || !seen) {
        free(seen);
        return false;
    }
    /* A backward branch: the code at its label is emitted before the branch is seen. A
     * label never set leads out of the block (resolve_patches): the words go first. */
    for (uint32_t opi = 0; opi < g->nb_ops; opi++) {
        const TCGOp *op = &g->ops[opi];
        if (op->opc == INDEX_op_br || op->opc == INDEX_op_brcond) {
            uint32_t label = (uint32_t)op->args[op->opc == INDEX_op_br ? 0 : 3];
            if (label < nb_labels &&
                (g->ir->label_ops[label] <= opi || g->ir->label_ops[label] >= g->nb_ops)) {
                label_way_in(g, seen, label, false, NULL);
            }
        }
    }
    /* What the codegen will have pending at each op: the last insn_start's words, but
     * nothing after a call (a helper may set es->insn_data itself) or a label whose
     * ways in differ (memory is exact there). */
    bool known = false, reachable = true;
    uint64_t cur[TCG_INSN_START_WORDS] = {0};
    for (uint32_t opi = 0; opi < g->nb_ops; opi++) {
        const TCGOp *op = &g->ops[opi];
        uint32_t label;
        switch (op->opc) {
        case INDEX_op_insn_start:
            known = true;
            for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
                cur[i] = op->args[i];
            }
            break;
        case INDEX_op_br:
        case INDEX_op_brcond:
            label = (uint32_t)op->args[op->opc == INDEX_op_br ? 0 : 3];
            if (label < nb_labels && reachable) {
                label_way_in(g, seen, label, known, cur);
            }
            reachable = op->opc == INDEX_op_brcond;
            break;
        case INDEX_op_exit_tb: reachable = false; break;
        case INDEX_op_call: known = false; break;
        case INDEX_op_set_label:
            label = (uint32_t)op->args[0];
            if (label >= nb_labels) {
                known = false;
                break;
            }
            if (reachable) {
                label_way_in(g, seen, label, known, cur);
            }
            reachable = true;
            known = seen[label] && g->label_insn_same[label];
            if (known) {
                memcpy(cur, g->label_insn_val[label], sizeof(cur));
            } else {
                g->label_insn_same[label] = false;
            }
            break;
        default: break;
        }
    }
    free(seen);
    /* A label right before an insn_start (a loop head): that instruction's words
     * replace whatever a way in had pending, so no way in stores its own. */
    for (uint32_t l = 0; l < nb_labels; l++) {
        uint32_t at = g->ir->label_ops[l];
        if (at < g->nb_ops && at + 1 < g->nb_ops && g->ops[at + 1].opc == INDEX_op_insn_start) {
            g->label_insn_same[l] = true;
        }
    }
    return true;
}

bool native_branch_syncs_insn(const Gen *g, uint32_t label)
{
    return label >= g->tb->nb_labels || !g->label_insn_same[label];
}

bool native_label_insn_data(Gen *g, uint32_t label)
{
    native_insn_data_unknown(g, true);
    if (native_branch_syncs_insn(g, label)) {
        return false;
    }
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        g->insn_pending[i] = true;
        g->insn_pending_val[i] = g->label_insn_val[label][i];
    }
    return true;
}
