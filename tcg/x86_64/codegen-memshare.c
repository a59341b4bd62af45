/* One inline TLB check for several guest accesses off the same base.
 *
 * Guest code often makes a few accesses off one base register with small constant
 * offsets (a structure's fields: xz's dict_repeat reads and writes [rax], [rax+0x10],
 * [rax+0x28] in one loop iteration). Each would look the TLB up on its own, yet when
 * the whole window [base+lo, base+hi] lies on one page, one lookup answers for all:
 * the first access of such a group (its leader) checks the window's read and/or write
 * tags at once and parks the entry's addend in a frame slot; the others (followers)
 * only test that the slot is nonzero and add it.
 *
 * Why a follower may trust the slot: the TLB changes only in C code (a slow path's
 * callback, a helper) and in other threads. A group never spans a helper call, a
 * label (code reached another way), or a store to host memory (which could reach the
 * TLB); and every slow path that calls C clears the slot first, so a follower after
 * it takes its own full lookup, out of line. Another vCPU clearing X86_TLB_NO_CODE in
 * this TLB (cross-modifying code) races with the access as it does with a single
 * access's check; the executing vCPU sees the new code once it serializes, as SDM 3A
 * §8.1.3 requires of cross-modifying code.
 *
 * The window must be at most a page long: its first and last byte then lie on one
 * page or on two adjacent ones, whose TLB entries differ, so the check (the index of
 * the first byte, the tag of the last, as for a single access) fails when the window
 * crosses a page. A leader whose window check fails still takes the fast path for
 * itself when its own access fits in the TLB (an out-of-line lookup). */
#include <stdlib.h>
#include <string.h>

#include "tcg/x86_64/internal.h"

/* What a temp's current value is, as an address: base + disp, base's version. */
typedef struct AddrForm {
    uint32_t version;      /* this temp's version when the form was recorded */
    uint32_t base_version; /* the base's version then */
    int32_t base;          /* -1: none */
    int64_t disp;
    bool is_const; /* the temp holds cval (movi, or a constant temp) */
    uint64_t cval;
} AddrForm;

/* A guest access as the planner sees it: its key and its bytes off the base. */
typedef struct AccessInfo {
    uint32_t op;
    uint32_t region; /* accesses in different regions never share */
    uint32_t base, base_version;
    unsigned mmu_idx;
    int64_t disp;
    unsigned size;
    bool is_store;
} AccessInfo;

/* Windows up to this long share a check (and never more than a page). */
#define SHARE_WINDOW_MAX 256
#define SHARE_GROUP_MAX  16

static bool region_break(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_set_label:
    case INDEX_op_call:
    case INDEX_op_br:
    case INDEX_op_exit_tb:
    case INDEX_op_goto_tb:
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st: return true;
    default: return false;
    }
}

typedef struct Planner {
    Gen *g;
    uint32_t *version; /* per temp: bumped at each write */
    AddrForm *form;    /* per temp */
    AccessInfo *acc;
    uint32_t nb_acc;
} Planner;

static void bump(Planner *p, unsigned t)
{
    p->version[t]++;
    /* A global sharing bytes with others changes them too. */
    if (p->g->ir->temps[t].kind == TEMP_GLOBAL && p->g->ir->temps[t].overlaps) {
        for (uint32_t u = 0; u < p->g->nb_temps; u++) {
            if (p->g->ir->temps[u].kind == TEMP_GLOBAL && p->g->ir->temps[u].overlaps) {
                p->version[u]++;
            }
        }
    }
}

/* Whether form[t] describes t's value now: recorded (a temp never written in the
 * block has version 0 and no form) and not written since. */
static bool form_current(const Planner *p, unsigned t)
{
    return p->version[t] && p->form[t].version == p->version[t];
}

static bool const_of(const Planner *p, unsigned t, uint64_t *v)
{
    const TCGTemp *tt = &p->g->ir->temps[t];
    if (tt->kind == TEMP_CONST) {
        *v = (uint64_t)tt->val;
        return true;
    }
    const AddrForm *f = &p->form[t];
    if (form_current(p, t) && f->is_const) {
        *v = f->cval;
        return true;
    }
    return false;
}

/* What an op's output is as an address, from its inputs (before the output's bump). */
static AddrForm form_of(const Planner *p, const TCGOp *op)
{
    AddrForm f = {.base = -1};
    if (op->type != TCG_TYPE_I64) {
        return f;
    }
    if (op->opc == INDEX_op_movi) {
        f.is_const = true;
        f.cval = op->args[1];
    } else if (op->opc == INDEX_op_add) {
        unsigned a = (unsigned)op->args[1], b = (unsigned)op->args[2];
        uint64_t ca, cb;
        bool ka = const_of(p, a, &ca), kb = const_of(p, b, &cb);
        if (ka == kb) {
            return f;
        }
        unsigned base = ka ? b : a;
        if (base == (unsigned)op->args[0] || p->g->ir->temps[base].type != TCG_TYPE_I64) {
            return f;
        }
        f.base = (int32_t)base;
        f.base_version = p->version[base];
        f.disp = (int64_t)(ka ? ca : cb);
    }
    return f;
}

static void note_access(Planner *p, uint32_t opi, uint32_t region)
{
    const TCGOp *op = &p->g->ops[opi];
    unsigned addr = (unsigned)op->args[1];
    unsigned mmu_idx = (unsigned)op->args[3];
    const TCGTemp *at = &p->g->ir->temps[addr];
    if (!p->g->cfg->tlb || mmu_idx >= p->g->cfg->tlb->mmu_count || at->type != TCG_TYPE_I64 ||
        at->kind == TEMP_CONST) {
        return;
    }
    AccessInfo *a = &p->acc[p->nb_acc++];
    a->op = opi;
    a->region = region;
    a->mmu_idx = mmu_idx;
    a->size = 1u << ((MemOp)op->args[2] & MO_SIZE);
    a->is_store = op->opc == INDEX_op_qemu_st;
    const AddrForm *f = &p->form[addr];
    if (form_current(p, addr) && f->base >= 0 && f->base_version == p->version[f->base] &&
        fits_i32(f->disp)) {
        a->base = (uint32_t)f->base;
        a->disp = f->disp;
    } else {
        a->base = addr;
        a->disp = 0;
    }
    a->base_version = p->version[a->base];
}

static void scan_accesses(Planner *p)
{
    Gen *g = p->g;
    uint32_t region = 0;
    for (uint32_t opi = 0; opi < g->nb_ops; opi++) {
        const TCGOp *op = &g->ops[opi];
        if (region_break(op)) {
            region++;
        }
        if (op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st) {
            note_access(p, opi, region);
        }
        unsigned nb_out, nb_in;
        native_op_arg_counts(op, &nb_out, &nb_in);
        if (op->opc == INDEX_op_discard) {
            nb_out = 1;
        }
        bool has_form = nb_out == 1 && op->opc != INDEX_op_call && op->opc != INDEX_op_discard;
        AddrForm f = has_form ? form_of(p, op) : (AddrForm){.base = -1};
        for (unsigned i = 0; i < nb_out; i++) {
            bump(p, (unsigned)op->args[i]);
        }
        if (nb_out >= 1) {
            f.version = p->version[op->args[0]];
            p->form[op->args[0]] = f;
        }
    }
}

static bool same_key(const AccessInfo *a, const AccessInfo *b)
{
    return a->region == b->region && a->base == b->base && a->base_version == b->base_version &&
           a->mmu_idx == b->mmu_idx;
}

/* Makes acc[i] the leader of the accesses after it with its key that fit its window;
 * returns the last member's index in acc, or i when none joined. */
static uint32_t form_group(Planner *p, uint32_t i, uint32_t window_max)
{
    Gen *g = p->g;
    const AccessInfo *l = &p->acc[i];
    int64_t lo = l->disp, hi = l->disp + l->size - 1;
    bool rd = !l->is_store, wr = l->is_store;
    uint32_t members[SHARE_GROUP_MAX], n = 0;
    for (uint32_t j = i + 1; j < p->nb_acc && n < SHARE_GROUP_MAX; j++) {
        const AccessInfo *a = &p->acc[j];
        if (a->region != l->region) {
            break;
        }
        if (!same_key(l, a)) {
            continue;
        }
        int64_t nlo = a->disp < lo ? a->disp : lo;
        int64_t nhi = a->disp + a->size - 1 > hi ? a->disp + a->size - 1 : hi;
        if (nhi - nlo + 1 > window_max) {
            continue;
        }
        lo = nlo;
        hi = nhi;
        rd |= !a->is_store;
        wr |= a->is_store;
        members[n++] = j;
    }
    if (!n) {
        return i;
    }
    MemShare *ls = &g->mem_share[l->op];
    ls->role = SHARE_LEADER;
    ls->need_read = rd;
    ls->need_write = wr;
    ls->lo = (int32_t)(lo - l->disp);
    ls->hi = (int32_t)(hi - l->disp);
    for (uint32_t k = 0; k < n; k++) {
        g->mem_share[p->acc[members[k]].op].role = SHARE_FOLLOWER;
    }
    return members[n - 1];
}

bool native_plan_mem_share(Gen *g)
{
    g->mem_share = NULL;
    g->share_slot = 0;
    if (!g->cfg->tlb || g->nb_temps >= TCG_MAX_TEMPS) {
        return true;
    }
    uint32_t nb_mem = 0;
    for (uint32_t opi = 0; opi < g->nb_ops; opi++) {
        nb_mem += g->ops[opi].opc == INDEX_op_qemu_ld || g->ops[opi].opc == INDEX_op_qemu_st;
    }
    if (nb_mem < 2) {
        return true;
    }
    Planner p = {.g = g};
    p.version = calloc(g->nb_temps, sizeof(*p.version));
    p.form = calloc(g->nb_temps, sizeof(*p.form));
    p.acc = calloc(nb_mem, sizeof(*p.acc));
    g->mem_share = calloc(g->nb_ops, sizeof(*g->mem_share));
    bool ok = p.version && p.form && p.acc && g->mem_share;
    if (ok) {
        scan_accesses(&p);
        uint32_t page = 1u << g->cfg->tlb->page_bits;
        uint32_t window_max = page < SHARE_WINDOW_MAX ? page : SHARE_WINDOW_MAX;
        bool any = false;
        for (uint32_t i = 0; i < p.nb_acc;) {
            uint32_t last = form_group(&p, i, window_max);
            any |= last != i;
            /* One group at a time: they share the frame slot. */
            i = last + 1;
        }
        if (any) {
            /* The frame slot of the first temp index the block does not use. */
            g->share_slot = FRAME_SLOTS + 8 * (int32_t)g->nb_temps;
        }
    }
    free(p.version);
    free(p.form);
    free(p.acc);
    if (!ok || !g->share_slot) {
        free(g->mem_share);
        g->mem_share = NULL;
    }
    return ok;
}
