/* Register allocation within a basic block, greedy and local (the scheme of QEMU's TCG,
 * simplified): each temp's value is in a register, in its memory home, or a known
 * constant not materialized yet; an op loads its inputs into registers on demand and
 * binds its outputs to registers; when no register is free, the value least costly to
 * drop is written to memory. At the end of a basic block every live value goes back
 * to memory, so each basic block starts with all values in their homes.
 *
 * Memory homes: a global's env field (so a home is also the guest-visible state), a
 * local's frame slot. A value whose home is up to date is "clean" (mem_ok) and can be
 * dropped from its register for free. */
#include <stdlib.h>
#include <string.h>

#include "tcg/x86_64/internal.h"

/* Callee-saved registers first, so values survive helper calls without moves; the
 * registers with fixed roles (rax/rdx for mul, rcx for shifts) last. */
static const HostReg alloc_order[] = {HR_RBX, HR_R12, HR_R13, HR_R14, HR_RSI, HR_RDI,
                                      HR_R8,  HR_R9,  HR_R10, HR_RAX, HR_RDX, HR_RCX};
#define NB_ALLOC_ORDER (sizeof(alloc_order) / sizeof(alloc_order[0]))

static unsigned type_size(const TempState *ts)
{
    return ts->is64 ? 8 : 4;
}

static uint64_t type_mask64(bool is64)
{
    return is64 ? UINT64_MAX : UINT32_MAX;
}

static bool temp_is_output(const TCGOp *op, unsigned nout, unsigned t)
{
    for (unsigned a = 0; a < nout; a++) {
        if (op->args[a] == t) {
            return true;
        }
    }
    return false;
}

void ra_init(Gen *g)
{
    const TCGTemp *temps = g->ir->temps;
    g->globals_end = 0;
    for (uint32_t t = 0; t < g->nb_temps; t++) {
        TempState *ts = &g->ts[t];
        if (temps[t].kind == TEMP_GLOBAL || temps[t].kind == TEMP_ENV) {
            g->globals_end = t + 1;
        }
        memset(ts, 0, sizeof(*ts));
        ts->is64 = temps[t].type == TCG_TYPE_I64;
        ts->reg = -1;
        switch (temps[t].kind) {
        case TEMP_GLOBAL:
            ts->is_global = true;
            /* Globals sharing bytes with another global (flagged by the IR builder)
             * cannot be cached in registers: a write through one must be seen
             * through the other at once, as in the interpreter. */
            ts->direct = temps[t].overlaps;
            ts->mem_disp = (int32_t)temps[t].env_offset;
            ts->loc = VAL_MEM;
            ts->mem_ok = true;
            break;
        case TEMP_ENV:
            ts->is_env = true;
            ts->is64 = true;
            ts->loc = VAL_REG;
            ts->reg = REG_ENV;
            ts->mem_ok = true;
            break;
        default:
            ts->mem_disp = FRAME_SLOTS + 8 * (int32_t)t;
            /* The interpreter starts every local at 0; a local read before it is
             * written (live at the block's start) must see that too. */
            if (g->nb_bbs && live_in_has(g, 0, t)) {
                ts->loc = VAL_CONST;
                ts->cval = 0;
            } else {
                ts->loc = VAL_DEAD;
            }
            break;
        }
    }
    for (unsigned r = 0; r < HR_COUNT; r++) {
        g->reg_temp[r] = -1;
    }
    g->locked = 0;
    g->evict_cursor = 0;
    g->direct_bound = false;
}

void ra_mem_operand(const Gen *g, unsigned t, HostReg *base, int32_t *disp)
{
    const TempState *ts = &g->ts[t];
    *base = ts->is_global ? REG_ENV : HR_RSP;
    *disp = ts->mem_disp;
}

bool ra_is_const(const Gen *g, unsigned t, uint64_t *v)
{
    const TempState *ts = &g->ts[t];
    if (ts->loc == VAL_CONST) {
        *v = ts->cval;
        return true;
    }
    return false;
}

/* Writes t's value (register or constant) to its memory home. */
void ra_store(Gen *g, unsigned t)
{
    TempState *ts = &g->ts[t];
    HostReg base;
    int32_t disp;
    ra_mem_operand(g, t, &base, &disp);
    unsigned size = type_size(ts);
    if (ts->loc == VAL_REG) {
        x64_store(&g->e, size, (HostReg)ts->reg, base, disp);
    } else if (ts->loc == VAL_CONST) {
        if (size == 4 || fits_i32((int64_t)ts->cval)) {
            x64_store_imm(&g->e, size, base, disp, (int32_t)ts->cval);
        } else {
            x64_movi(&g->e, true, REG_TMP, ts->cval);
            x64_store(&g->e, size, REG_TMP, base, disp);
        }
    } else {
        return;
    }
    ts->mem_ok = true;
}

/* Drops t's register (the value stays only where mem_ok says). */
void ra_unbind(Gen *g, unsigned t)
{
    TempState *ts = &g->ts[t];
    if (ts->is_env) {
        return;
    }
    if (ts->loc == VAL_REG) {
        g->reg_temp[ts->reg] = -1;
        ts->reg = -1;
    }
    if (ts->loc == VAL_REG || ts->loc == VAL_CONST) {
        ts->loc = ts->mem_ok ? VAL_MEM : VAL_DEAD;
    }
}

static HostReg find_free(const Gen *g, RegSet allowed)
{
    for (unsigned i = 0; i < NB_ALLOC_ORDER; i++) {
        HostReg r = alloc_order[i];
        if ((allowed & REGSET(r)) && g->reg_temp[r] < 0) {
            return r;
        }
    }
    return HR_COUNT;
}

/* Empties reg: its value moves to a free register if there is one (outside the locked
 * set), else to memory. */
void ra_evict_reg(Gen *g, HostReg reg)
{
    int t = g->reg_temp[reg];
    if (t < 0) {
        return;
    }
    TempState *ts = &g->ts[t];
    HostReg to = find_free(g, ALLOCATABLE_REGS & ~g->locked & ~REGSET(reg));
    if (to != HR_COUNT) {
        x64_mov_rr(&g->e, true, to, reg);
        g->reg_temp[to] = (int16_t)t;
        g->reg_temp[reg] = -1;
        ts->reg = (int8_t)to;
        return;
    }
    if (!ts->mem_ok) {
        ra_store(g, (unsigned)t);
    }
    ra_unbind(g, (unsigned)t);
}

/* Spills reg's value to memory (no move to another register). */
static void spill_reg(Gen *g, HostReg reg)
{
    int t = g->reg_temp[reg];
    if (t < 0) {
        return;
    }
    if (!g->ts[t].mem_ok) {
        ra_store(g, (unsigned)t);
    }
    ra_unbind(g, (unsigned)t);
}

/* A register from allowed for the current op: a free one, or one emptied by spilling
 * (clean values first). The register is locked until the op ends. */
HostReg ra_alloc(Gen *g, RegSet allowed)
{
    allowed &= ALLOCATABLE_REGS & ~g->locked;
    HostReg r = find_free(g, allowed);
    if (r == HR_COUNT) {
        for (int pass = 0; pass < 2 && r == HR_COUNT; pass++) {
            for (unsigned i = 0; i < NB_ALLOC_ORDER; i++) {
                HostReg c = alloc_order[(g->evict_cursor + i) % NB_ALLOC_ORDER];
                if ((allowed & REGSET(c)) && (pass == 1 || g->ts[g->reg_temp[c]].mem_ok)) {
                    r = c;
                    break;
                }
            }
        }
        if (r == HR_COUNT) {
            abort(); /* the op asked for more registers than exist: a backend bug */
        }
        g->evict_cursor = (g->evict_cursor + 1) % NB_ALLOC_ORDER;
        spill_reg(g, r);
    }
    g->locked |= REGSET(r);
    return r;
}

/* Copies t's value into reg, leaving t where it is. */
void ra_materialize(Gen *g, unsigned t, HostReg reg)
{
    TempState *ts = &g->ts[t];
    switch (ts->loc) {
    case VAL_REG:
        if (ts->reg != (int)reg) {
            x64_mov_rr(&g->e, true, reg, (HostReg)ts->reg);
        }
        break;
    case VAL_CONST: x64_movi(&g->e, ts->is64, reg, ts->cval); break;
    case VAL_MEM: {
        HostReg base;
        int32_t disp;
        ra_mem_operand(g, t, &base, &disp);
        x64_load(&g->e, ts->is64 ? EXT_64 : EXT_32U, ts->is64, reg, base, disp);
        break;
    }
    default: x64_movi(&g->e, false, reg, 0); break;
    }
}

static void bind_reg(Gen *g, unsigned t, HostReg reg)
{
    TempState *ts = &g->ts[t];
    if (ts->loc == VAL_REG && ts->reg != (int)reg) {
        g->reg_temp[ts->reg] = -1;
    }
    int old = g->reg_temp[reg];
    if (old >= 0 && old != (int)t) {
        ra_unbind(g, (unsigned)old);
    }
    if (ts->loc == VAL_DEAD) {
        ts->mem_ok = false;
    }
    ts->loc = VAL_REG;
    ts->reg = (int8_t)reg;
    g->reg_temp[reg] = (int16_t)t;
    g->locked |= REGSET(reg);
    if (ts->direct) {
        g->direct_bound = true;
    }
}

HostReg ra_load(Gen *g, unsigned t, RegSet allowed)
{
    TempState *ts = &g->ts[t];
    if (ts->is_env) {
        return REG_ENV;
    }
    if (ts->loc == VAL_REG && (allowed & REGSET(ts->reg))) {
        g->locked |= REGSET(ts->reg);
        return (HostReg)ts->reg;
    }
    HostReg r = ra_alloc(g, allowed);
    ra_materialize(g, t, r);
    bind_reg(g, t, r);
    return r;
}

void ra_load_into(Gen *g, unsigned t, HostReg reg)
{
    TempState *ts = &g->ts[t];
    if (!ts->is_env && ts->loc == VAL_REG && ts->reg == (int)reg) {
        g->locked |= REGSET(reg);
        return;
    }
    g->locked |= REGSET(reg);
    ra_evict_reg(g, reg);
    ra_materialize(g, t, reg);
    if (!ts->is_env) {
        bind_reg(g, t, reg);
    }
}

HostReg ra_take_reg(Gen *g, unsigned t)
{
    TempState *ts = &g->ts[t];
    HostReg r = (HostReg)ts->reg;
    g->reg_temp[r] = -1;
    ts->reg = -1;
    ts->loc = ts->mem_ok ? VAL_MEM : VAL_DEAD;
    g->locked |= REGSET(r);
    return r;
}

void ra_bind_output(Gen *g, unsigned t, HostReg reg)
{
    TempState *ts = &g->ts[t];
    bind_reg(g, t, reg);
    ts->mem_ok = false;
}

void ra_bind_const(Gen *g, unsigned t, uint64_t v)
{
    TempState *ts = &g->ts[t];
    if (ts->loc == VAL_REG) {
        g->reg_temp[ts->reg] = -1;
        ts->reg = -1;
    }
    ts->loc = VAL_CONST;
    ts->cval = v & type_mask64(ts->is64);
    ts->mem_ok = false;
}

bool ra_clobberable(const Gen *g, uint32_t opi, const TCGOp *op, unsigned arg)
{
    unsigned t = (unsigned)op->args[arg];
    const TempState *ts = &g->ts[t];
    if (ts->is_env) {
        return false;
    }
    unsigned nout, nin;
    native_op_arg_counts(op, &nout, &nin);
    if (temp_is_output(op, nout, t)) {
        return true;
    }
    return !ts->is_global && op_arg_dead(g, opi, arg);
}

/* After each op: direct globals it wrote go to env at once, in output order (two
 * outputs may share bytes); values that died are dropped. */
void ra_after_op(Gen *g, uint32_t opi, const TCGOp *op)
{
    unsigned nout, nin;
    native_op_arg_counts(op, &nout, &nin);
    for (unsigned a = 0; a < nout; a++) {
        unsigned t = (unsigned)op->args[a];
        TempState *ts = &g->ts[t];
        if (ts->direct) {
            ra_store(g, t);
            ra_unbind(g, t);
        } else if (op_arg_dead(g, opi, a) && !ts->is_global) {
            ts->mem_ok = false;
            ra_unbind(g, t);
            ts->loc = VAL_DEAD;
        }
    }
    for (unsigned a = nout; a < nout + nin; a++) {
        unsigned t = (unsigned)op->args[a];
        TempState *ts = &g->ts[t];
        if (temp_is_output(op, nout, t) || ts->is_env) {
            continue;
        }
        if (ts->direct) {
            ra_unbind(g, t);
        } else if (!ts->is_global && op_arg_dead(g, opi, a)) {
            ts->mem_ok = false;
            ra_unbind(g, t);
            ts->loc = VAL_DEAD;
        }
    }
    g->direct_bound = false;
    g->locked = 0;
}

static bool is_dirty_global(const TempState *ts)
{
    return ts->is_global && !ts->direct && !ts->mem_ok &&
           (ts->loc == VAL_REG || ts->loc == VAL_CONST);
}

void ra_sync_globals(Gen *g)
{
    for (uint32_t t = 0; t < g->globals_end; t++) {
        if (is_dirty_global(&g->ts[t])) {
            ra_store(g, t);
        }
    }
}

static bool global_overlaps(const TempState *ts, int64_t start, int64_t end)
{
    int64_t a0 = ts->mem_disp, a1 = a0 + type_size(ts);
    return ts->is_global && a0 < end && start < a1;
}

void ra_sync_globals_range(Gen *g, int64_t start, int64_t end)
{
    for (uint32_t t = 0; t < g->globals_end; t++) {
        if (is_dirty_global(&g->ts[t]) && global_overlaps(&g->ts[t], start, end)) {
            ra_store(g, t);
        }
    }
}

static void forget_global(Gen *g, unsigned t)
{
    TempState *ts = &g->ts[t];
    if (ts->loc == VAL_REG) {
        g->reg_temp[ts->reg] = -1;
        ts->reg = -1;
    }
    ts->loc = VAL_MEM;
    ts->mem_ok = true;
}

void ra_forget_globals(Gen *g)
{
    for (uint32_t t = 0; t < g->globals_end; t++) {
        if (g->ts[t].is_global) {
            forget_global(g, t);
        }
    }
}

void ra_forget_globals_range(Gen *g, int64_t start, int64_t end)
{
    for (uint32_t t = 0; t < g->globals_end; t++) {
        if (global_overlaps(&g->ts[t], start, end)) {
            forget_global(g, t);
        }
    }
}

/* End of basic block bb: globals to env, live locals to their slots. With keep, the
 * registers stay valid (now clean) for the fall-through path. */
void ra_sync_bb_end(Gen *g, uint32_t bb, bool keep)
{
    for (uint32_t t = 0; t < g->nb_temps; t++) {
        TempState *ts = &g->ts[t];
        if (ts->is_env || ts->direct) {
            continue;
        }
        bool has_value = ts->loc == VAL_REG || ts->loc == VAL_CONST;
        if (ts->is_global) {
            if (has_value && !ts->mem_ok) {
                ra_store(g, t);
            }
            if (!keep) {
                forget_global(g, t);
            }
            continue;
        }
        bool live = live_out_has(g, bb, t);
        if (live && has_value && !ts->mem_ok) {
            ra_store(g, t);
        }
        if (!live || !keep) {
            if (ts->loc == VAL_REG) {
                g->reg_temp[ts->reg] = -1;
                ts->reg = -1;
            }
            ts->loc = live ? VAL_MEM : VAL_DEAD;
            ts->mem_ok = live;
        }
    }
}

void ra_reset_at_label(Gen *g, uint32_t bb)
{
    for (uint32_t t = 0; t < g->nb_temps; t++) {
        TempState *ts = &g->ts[t];
        if (ts->is_env) {
            continue;
        }
        ts->reg = -1;
        if (ts->is_global) {
            ts->loc = VAL_MEM;
            ts->mem_ok = true;
        } else {
            bool live = live_in_has(g, bb, t);
            ts->loc = live ? VAL_MEM : VAL_DEAD;
            ts->mem_ok = live;
        }
    }
    for (unsigned r = 0; r < HR_COUNT; r++) {
        g->reg_temp[r] = -1;
    }
    g->locked = 0;
}

/* Whether t's value is needed after op (the op's own outputs do not count). */
static bool needed_after(const Gen *g, uint32_t opi, const TCGOp *op, unsigned t)
{
    const TempState *ts = &g->ts[t];
    unsigned nout, nin;
    native_op_arg_counts(op, &nout, &nin);
    bool is_input = false;
    for (unsigned a = nout; a < nout + nin; a++) {
        if (op->args[a] == t) {
            is_input = true;
            if (ts->is_global || !op_arg_dead(g, opi, a)) {
                return !temp_is_output(op, nout, t);
            }
        }
    }
    if (temp_is_output(op, nout, t)) {
        return false;
    }
    return !is_input;
}

/* Before something that clobbers the registers in `clobbered` (a call): every value
 * there that is still needed afterwards moves to a free callee-saved register or goes
 * to memory. Values only used as arguments of op stay (the call reads them first).
 * With forget_globals, clean globals are simply dropped (the call may change them). */
void ra_evacuate(Gen *g, RegSet clobbered, uint32_t opi, const TCGOp *op, bool forget_globals)
{
    for (unsigned r = 0; r < HR_COUNT; r++) {
        int t = g->reg_temp[r];
        if (!(clobbered & REGSET(r)) || t < 0) {
            continue;
        }
        TempState *ts = &g->ts[t];
        if (!needed_after(g, opi, op, (unsigned)t)) {
            continue;
        }
        if (ts->is_global && forget_globals && ts->mem_ok) {
            ra_unbind(g, (unsigned)t);
            continue;
        }
        HostReg to = find_free(g, CALLEE_SAVED_ALLOCATABLE & ~g->locked);
        if (to != HR_COUNT) {
            x64_mov_rr(&g->e, true, to, (HostReg)r);
            g->reg_temp[to] = (int16_t)t;
            g->reg_temp[r] = -1;
            ts->reg = (int8_t)to;
        } else {
            spill_reg(g, (HostReg)r);
        }
    }
}

static void push_stub_store(Gen *g, unsigned t)
{
    if (g->nb_stub_stores == g->cap_stub_stores) {
        uint32_t cap = g->cap_stub_stores ? 2 * g->cap_stub_stores : 64;
        StubStore *p = realloc(g->stub_stores, cap * sizeof(*p));
        if (!p) {
            g->failed = true;
            return;
        }
        g->stub_stores = p;
        g->cap_stub_stores = cap;
    }
    const TempState *ts = &g->ts[t];
    StubStore *s = &g->stub_stores[g->nb_stub_stores++];
    s->temp = (uint16_t)t;
    s->reg = ts->loc == VAL_REG ? ts->reg : -1;
    s->cval = ts->cval;
}

/* Records the dirty globals of this point, for an out-of-line path that must store
 * them before leaving the block. Returns the index of the first record. */
uint32_t ra_snapshot_dirty(Gen *g, uint32_t *count)
{
    uint32_t first = g->nb_stub_stores;
    for (uint32_t t = 0; t < g->globals_end; t++) {
        if (is_dirty_global(&g->ts[t])) {
            push_stub_store(g, t);
        }
    }
    *count = g->nb_stub_stores - first;
    return first;
}

/* ---- loops ---- */

/* Whether a branch at op opi goes back to label (a loop). */
static bool branch_target(const TCGOp *op, uint32_t *label)
{
    if (op->opc == INDEX_op_br) {
        *label = (uint32_t)op->args[0];
        return true;
    }
    if (op->opc == INDEX_op_brcond) {
        *label = (uint32_t)op->args[3];
        return true;
    }
    return false;
}

/* The globals of [first, last] worth most in registers, up to NATIVE_LOOP_MAX_CARRIED,
 * in the first registers of alloc_order (callee-saved first: helper calls in the loop
 * keep them). A global not carried costs a load per iteration if the loop reads it and
 * a store if it writes it: each read counts, writes once (cc_op, written by most
 * instructions and seldom read, would otherwise take a register). */
#define CARRIED_WRITTEN 0x8000u
static unsigned carried_score(uint16_t u)
{
    return (u & ~CARRIED_WRITTEN) + ((u & CARRIED_WRITTEN) ? 1 : 0);
}

static void choose_carried(Gen *g, LoopHead *lh, uint32_t first, uint32_t last, uint16_t *uses)
{
    memset(uses, 0, g->nb_temps * sizeof(*uses));
    for (uint32_t opi = first; opi <= last; opi++) {
        const TCGOp *op = &g->ops[opi];
        if (op->opc == INDEX_op_call || op->opc == INDEX_op_insn_start) {
            continue;
        }
        unsigned nout, nin;
        native_op_arg_counts(op, &nout, &nin);
        for (unsigned a = 0; a < nout + nin; a++) {
            unsigned t = (unsigned)op->args[a];
            if (t >= g->nb_temps || g->ir->temps[t].kind != TEMP_GLOBAL ||
                g->ir->temps[t].overlaps) {
                continue;
            }
            if (a < nout) {
                uses[t] |= CARRIED_WRITTEN;
            } else if ((uses[t] & ~CARRIED_WRITTEN) < 0x7fff) {
                uses[t]++;
            }
        }
    }
    lh->nb_carried = 0;
    while (lh->nb_carried < NATIVE_LOOP_MAX_CARRIED) {
        unsigned best = 0;
        for (uint32_t t = 1; t < g->nb_temps; t++) {
            if (carried_score(uses[t]) > carried_score(uses[best])) {
                best = t;
            }
        }
        if (!carried_score(uses[best])) {
            break;
        }
        uses[best] = 0;
        lh->temp[lh->nb_carried] = (uint16_t)best;
        lh->reg[lh->nb_carried] = (uint8_t)alloc_order[lh->nb_carried];
        lh->nb_carried++;
    }
}

bool ra_plan_loops(Gen *g)
{
    uint32_t nb_labels = g->tb->nb_labels;
    g->nb_loops = 0;
    g->label_loop = malloc((nb_labels ? nb_labels : 1) * sizeof(*g->label_loop));
    g->ts_saved = NULL;
    if (!g->label_loop) {
        return false;
    }
    memset(g->label_loop, -1, (nb_labels ? nb_labels : 1) * sizeof(*g->label_loop));
    uint16_t *uses = NULL;
    for (uint32_t opi = 0; opi < g->nb_ops; opi++) {
        uint32_t label;
        if (!branch_target(&g->ops[opi], &label) || label >= nb_labels ||
            g->ir->label_ops[label] > opi || g->label_loop[label] >= 0 ||
            g->nb_loops == NATIVE_MAX_LOOPS) {
            continue;
        }
        /* The loop runs from its label to the last branch back to it. */
        uint32_t last = opi;
        for (uint32_t k = opi + 1; k < g->nb_ops; k++) {
            uint32_t l2;
            if (branch_target(&g->ops[k], &l2) && l2 == label) {
                last = k;
            }
        }
        if (!uses && !(uses = malloc(g->nb_temps * sizeof(*uses)))) {
            return false;
        }
        LoopHead *lh = &g->loops[g->nb_loops];
        lh->label = label;
        lh->first_op = g->ir->label_ops[label];
        lh->last_op = last;
        choose_carried(g, lh, g->ir->label_ops[label], last, uses);
        g->label_loop[label] = (int8_t)g->nb_loops++;
    }
    free(uses);
    if (g->nb_loops && !(g->ts_saved = malloc(g->nb_temps * sizeof(*g->ts_saved)))) {
        return false;
    }
    return true;
}

bool ra_in_loop(const Gen *g, uint32_t opi)
{
    for (uint32_t i = 0; i < g->nb_loops; i++) {
        if (opi >= g->loops[i].first_op && opi <= g->loops[i].last_op) {
            return true;
        }
    }
    return false;
}

static int carried_index(const LoopHead *lh, unsigned t)
{
    for (unsigned i = 0; i < lh->nb_carried; i++) {
        if (lh->temp[i] == t) {
            return (int)i;
        }
    }
    return -1;
}

/* The carried values that are in registers go to their loop registers: a parallel
 * move (a cycle goes through REG_TMP). */
static void move_carried_regs(Gen *g, const LoopHead *lh)
{
    int src[NATIVE_LOOP_MAX_CARRIED];
    unsigned pending = 0;
    for (unsigned i = 0; i < lh->nb_carried; i++) {
        const TempState *ts = &g->ts[lh->temp[i]];
        src[i] = ts->loc == VAL_REG && ts->reg != lh->reg[i] ? ts->reg : -1;
        pending += src[i] >= 0;
    }
    while (pending) {
        bool moved = false;
        for (unsigned i = 0; i < lh->nb_carried; i++) {
            if (src[i] < 0) {
                continue;
            }
            bool dst_needed = false;
            for (unsigned j = 0; j < lh->nb_carried; j++) {
                dst_needed |= j != i && src[j] == lh->reg[i];
            }
            if (dst_needed) {
                continue;
            }
            x64_mov_rr(&g->e, true, (HostReg)lh->reg[i], (HostReg)src[i]);
            src[i] = -1;
            pending--;
            moved = true;
        }
        if (!moved) {
            /* Only cycles are left: one value steps aside. */
            for (unsigned i = 0; i < lh->nb_carried; i++) {
                if (src[i] >= 0) {
                    x64_mov_rr(&g->e, true, REG_TMP, (HostReg)src[i]);
                    src[i] = REG_TMP;
                    break;
                }
            }
        }
    }
}

void ra_conform_to_loop(Gen *g, const LoopHead *lh, uint32_t head_bb)
{
    /* Everything else to memory, as at any label. */
    for (uint32_t t = 0; t < g->nb_temps; t++) {
        TempState *ts = &g->ts[t];
        if (ts->is_env || ts->direct || carried_index(lh, t) >= 0) {
            continue;
        }
        bool has_value = ts->loc == VAL_REG || ts->loc == VAL_CONST;
        bool live = ts->is_global || live_in_has(g, head_bb, t);
        if (live && has_value && !ts->mem_ok) {
            ra_store(g, t);
        }
        if (ts->loc == VAL_REG) {
            g->reg_temp[ts->reg] = -1;
            ts->reg = -1;
        }
        ts->loc = live ? VAL_MEM : VAL_DEAD;
        ts->mem_ok = live;
    }
    /* Now only carried values are in registers. */
    move_carried_regs(g, lh);
    for (unsigned i = 0; i < lh->nb_carried; i++) {
        TempState *ts = &g->ts[lh->temp[i]];
        if (ts->loc != VAL_REG) {
            ra_materialize(g, lh->temp[i], (HostReg)lh->reg[i]);
        }
    }
    ra_enter_loop(g, lh, head_bb);
}

void ra_enter_loop(Gen *g, const LoopHead *lh, uint32_t head_bb)
{
    ra_reset_at_label(g, head_bb);
    for (unsigned i = 0; i < lh->nb_carried; i++) {
        TempState *ts = &g->ts[lh->temp[i]];
        ts->loc = VAL_REG;
        ts->reg = (int8_t)lh->reg[i];
        /* Another way in may bring a value env does not have yet. */
        ts->mem_ok = false;
        g->reg_temp[lh->reg[i]] = (int16_t)lh->temp[i];
    }
}

void ra_save_state(Gen *g)
{
    memcpy(g->ts_saved, g->ts, g->nb_temps * sizeof(*g->ts));
    memcpy(g->reg_temp_saved, g->reg_temp, sizeof(g->reg_temp));
    g->locked_saved = g->locked;
}

void ra_restore_state(Gen *g)
{
    memcpy(g->ts, g->ts_saved, g->nb_temps * sizeof(*g->ts));
    memcpy(g->reg_temp, g->reg_temp_saved, sizeof(g->reg_temp));
    g->locked = g->locked_saved;
}
