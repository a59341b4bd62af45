/* Instruction boundaries in compiled code: es->insn_data and the exit_request check.
 *
 * The interpreter stores an insn_start's data words at once and checks exit_request at
 * every one. Compiled code keeps the words pending and stores them only where something
 * can read them: before a helper call (it may raise, or read the restart point), in a
 * guest access's slow path (it may fault), in the exit stubs, and wherever the block
 * may be left or joined (branches, labels, goto_tb, exit_tb, the end). So memory holds
 * the last insn_start's words at every point where the interpreter's would be seen, and
 * a block of register-only instructions stores them once.
 *
 * exit_request is checked at the first insn_start of the block, at the first one after
 * each label (a loop inside a block must still notice a kick), and at the first one
 * after anything that runs C code (a call or a guest access): the vCPU's own thread sets
 * it there (self-modifying code stops the block at the next instruction boundary,
 * cpu/x86/mmu.c). Another thread's kick is seen at the next block at the latest, as in
 * QEMU, whose blocks check it once at their start. */
#include <stddef.h>
#include <stdlib.h>

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

void native_gen_insn_start(Gen *g, const TCGOp *op)
{
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        g->insn_pending[i] = true;
        g->insn_pending_val[i] = op->args[i];
    }
    if (!g->need_exit_check) {
        return;
    }
    g->need_exit_check = false;
    /* exit_request is an atomic_int: a plain load is an acquire load on x86. */
    x64_cmp_mi(&g->e, sizeof(int), REG_ES, (int32_t)offsetof(TCGExecState, exit_request), 0);
    size_t at = x64_jcc(&g->e, HC_NE, 0);
    ExitStub *s = new_exit_stub(g);
    if (!s) {
        return;
    }
    s->jump_at = at;
    s->insn_mask = (uint8_t)native_insn_data_unsynced(g, s->insn_val);
    s->first = ra_snapshot_dirty(g, &s->count);
}
