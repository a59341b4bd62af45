/* Host code for helper calls and guest memory accesses.
 *
 * Helper calls follow the SysV x86-64 ABI (psABI §3.2.3): arguments in rdi, rsi, rdx,
 * rcx, r8, r9, the result in rax, and rax, rcx, rdx, rsi, rdi, r8-r11 clobbered. Globals
 * are written back to env first when the helper reads them, may write them or may
 * raise (tcg.h's TCGHelperInfo flags), and dropped from registers after one that may
 * write them.
 *
 * Guest loads and stores (qemu_ld/qemu_st) look the guest's TLB up inline when the
 * TCGNative was given a TCGNativeTLB; a miss, and every access without one, jumps to a
 * slow path after the block that writes the dirty globals back (the access may fault
 * and leave through siglongjmp), parks the caller-saved registers in the frame, calls
 * es->mem->load/store, and comes back. The fast path itself never touches env.
 *
 * Unlike helpers, the guest memory callbacks are taken to leave es->insn_data alone
 * unless they fault (which leaves the block): the slow path stores the pending words
 * of the last insn_start (codegen-insn.c), which stay pending on the fast path. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/x86_64/internal.h"

static const HostReg arg_regs[TCG_MAX_CALL_ARGS] = {HR_RDI, HR_RSI, HR_RDX, HR_RCX, HR_R8, HR_R9};

/* Moves the call's arguments into the argument registers: first the values already in
 * registers, as a parallel move (a cycle is broken through REG_TMP), then constants and
 * values in memory, which read no register that could have been overwritten. */
static void place_args(Gen *g, const unsigned *temps, unsigned n)
{
    int src[TCG_MAX_CALL_ARGS];
    bool pending[TCG_MAX_CALL_ARGS];
    for (unsigned i = 0; i < n; i++) {
        const TempState *ts = &g->ts[temps[i]];
        src[i] = ts->is_env ? REG_ENV : ts->loc == VAL_REG ? ts->reg : -1;
        pending[i] = src[i] >= 0 && src[i] != (int)arg_regs[i];
    }
    for (;;) {
        bool any = false, progress = false;
        for (unsigned i = 0; i < n; i++) {
            if (!pending[i]) {
                continue;
            }
            any = true;
            bool blocked = false;
            for (unsigned j = 0; j < n; j++) {
                if (j != i && pending[j] && src[j] == (int)arg_regs[i]) {
                    blocked = true;
                }
            }
            if (!blocked) {
                x64_mov_rr(&g->e, true, arg_regs[i], (HostReg)src[i]);
                pending[i] = false;
                progress = true;
            }
        }
        if (!any) {
            break;
        }
        if (!progress) {
            /* Every pending destination is still some other move's source: a cycle.
             * Park one destination's value in REG_TMP and read it from there. */
            for (unsigned i = 0; i < n; i++) {
                if (pending[i]) {
                    HostReg d = arg_regs[i];
                    x64_mov_rr(&g->e, true, REG_TMP, d);
                    for (unsigned j = 0; j < n; j++) {
                        if (pending[j] && src[j] == (int)d) {
                            src[j] = REG_TMP;
                        }
                    }
                    break;
                }
            }
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (src[i] < 0) {
            ra_materialize(g, temps[i], arg_regs[i]);
        }
    }
}

/* After a call: whatever the caller-saved registers held is gone. Only values that are
 * dead now were left there (ra_evacuate moved the others). */
static void drop_caller_saved(Gen *g)
{
    for (unsigned r = 0; r < HR_COUNT; r++) {
        int t = g->reg_temp[r];
        if ((CALLER_SAVED_REGS & REGSET(r)) && t >= 0) {
            TempState *ts = &g->ts[t];
            ts->reg = -1;
            ts->loc = ts->mem_ok ? VAL_MEM : VAL_DEAD;
            g->reg_temp[r] = -1;
        }
    }
}

void native_gen_call(Gen *g, uint32_t opi, const TCGOp *op)
{
    const TCGHelperInfo *info = (const TCGHelperInfo *)(uintptr_t)op->args[op->callo + op->calli];
    unsigned flags = info->flags;
    bool writes = !(flags & TCG_CALL_NO_WRITE_GLOBALS);
    bool reads = !(flags & TCG_CALL_NO_READ_GLOBALS);
    bool raises = !(flags & TCG_CALL_NO_RAISE);
    /* A helper that may write a global must find our value there too: if it does not
     * write it after all, ours is the one that stays. */
    if (reads || writes || raises) {
        ra_sync_globals(g);
    }
    /* Helpers may raise, or read the restart point (x86_restore_state). */
    native_sync_insn_data(g);
    ra_evacuate(g, CALLER_SAVED_REGS, opi, op, writes);
    unsigned temps[TCG_MAX_CALL_ARGS];
    for (unsigned i = 0; i < op->calli; i++) {
        temps[i] = (unsigned)op->args[op->callo + i];
    }
    place_args(g, temps, op->calli);
    x64_movi(&g->e, true, REG_TMP, (uintptr_t)info->func);
    x64_call_reg(&g->e, REG_TMP);
    drop_caller_saved(g);
    if (writes) {
        ra_forget_globals(g);
    }
    /* A helper may move the restart point (x86_set_restart_point). */
    native_insn_data_unknown(g, true);
    if (op->callo) {
        unsigned ret = (unsigned)op->args[0];
        if (!g->ts[ret].is64) {
            /* A 32-bit result leaves rax's upper half undefined. */
            x64_mov_rr(&g->e, false, HR_RAX, HR_RAX);
        }
        ra_bind_output(g, ret, HR_RAX);
    }
}

/* ---- guest memory ---- */

/* How a loaded value of mop is extended into a temp of the op's type (as guest_load in
 * the interpreter: to the access size, signed or not, then to the type). */
static ExtKind load_kind(MemOp mop, bool w64)
{
    bool sign = mop & MO_SIGN;
    switch (mop & MO_SIZE) {
    case MO_8: return sign ? EXT_8S : EXT_8U;
    case MO_16: return sign ? EXT_16S : EXT_16U;
    case MO_32: return sign ? EXT_32S : EXT_32U;
    default: return w64 ? EXT_64 : EXT_32U;
    }
}

static SlowPath *new_slow_path(Gen *g)
{
    if (g->nb_slow == g->cap_slow) {
        uint32_t cap = g->cap_slow ? 2 * g->cap_slow : 16;
        SlowPath *p = realloc(g->slow, cap * sizeof(*p));
        if (!p) {
            g->failed = true;
            return NULL;
        }
        g->slow = p;
        g->cap_slow = cap;
    }
    SlowPath *sp = &g->slow[g->nb_slow++];
    memset(sp, 0, sizeof(*sp));
    return sp;
}

/* What the slow path must preserve: the dirty globals to store (the access may fault)
 * and the caller-saved registers holding values. Taken once every register of the op is
 * allocated, before the output is bound. */
static void slow_path_capture(Gen *g, SlowPath *sp)
{
    sp->first_store = ra_snapshot_dirty(g, &sp->nb_stores);
    sp->insn_mask = (uint8_t)native_insn_data_unsynced(g, sp->insn_val);
    /* Whether the slow path stored them is known only at run time. */
    for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
        if (sp->insn_mask & (1u << i)) {
            g->insn_known[i] = false;
        }
    }
    for (unsigned r = 0; r < HR_COUNT; r++) {
        if ((CALLER_SAVED_REGS & REGSET(r)) && g->reg_temp[r] >= 0) {
            sp->save |= REGSET(r);
            sp->save_temp[r] = (uint16_t)g->reg_temp[r];
        }
    }
}

static bool tlb_usable(const Gen *g, unsigned mmu_idx)
{
    return g->cfg->tlb && mmu_idx < g->cfg->tlb->mmu_count;
}

/* The inline TLB check (tcg/x86_64/native.h's TCGNativeTLB) for the bytes [raddr + lo,
 * raddr + hi]: the entry indexed by the first byte's page must hold the last byte's
 * page in the read tag (rd) and/or the write tag (wr), with the state bits all set (so
 * a range crossing into the next page never matches). Leaves the entry's addend in
 * REG_TMP on a hit; miss[] gets the miss branches' displacements (0: none). Uses
 * scratch as the entry index. */
static void x64_tlb_check(Gen *g, HostReg raddr, HostReg scratch, int32_t lo, int32_t hi,
                          unsigned mmu_idx, bool rd, bool wr, size_t miss[2])
{
    const TCGNativeTLB *tlb = g->cfg->tlb;
    Emitter *e = &g->e;
    int32_t table = (int32_t)(tlb->table_offset + (intptr_t)(mmu_idx * tlb->mmu_stride));
    uint32_t index_mask = ((1u << tlb->index_bits) - 1) << tlb->entry_bits;
    if (lo) {
        x64_lea(e, scratch, raddr, lo);
    } else {
        x64_mov_rr(e, true, scratch, raddr);
    }
    x64_shift_ri(e, SHIFT_SHR, true, scratch, tlb->page_bits - tlb->entry_bits);
    x64_alu_ri(e, ALU_AND, false, scratch, (int32_t)index_mask);
    if (hi) {
        x64_lea(e, REG_TMP, raddr, hi);
    } else {
        x64_mov_rr(e, true, REG_TMP, raddr);
    }
    x64_alu_ri(e, ALU_OR, true, REG_TMP, (int32_t)tlb->fast_bits);
    miss[0] = miss[1] = 0;
    unsigned n = 0;
    if (rd) {
        x64_cmp_rm_x(e, true, REG_TMP, REG_ENV, scratch, table + tlb->read_tag);
        miss[n++] = x64_jcc(e, HC_NE, 0);
    }
    if (wr) {
        x64_cmp_rm_x(e, true, REG_TMP, REG_ENV, scratch, table + tlb->write_tag);
        miss[n++] = x64_jcc(e, HC_NE, 0);
    }
    x64_load_x(e, EXT_64, true, REG_TMP, REG_ENV, scratch, table + tlb->addend);
}

/* The TLB check of one access of `size` bytes at raddr. */
static size_t x64_tlb_lookup(Gen *g, HostReg raddr, HostReg scratch, unsigned size,
                             unsigned mmu_idx, bool is_store)
{
    size_t miss[2];
    x64_tlb_check(g, raddr, scratch, 0, (int32_t)size - 1, mmu_idx, !is_store, is_store, miss);
    return miss[0];
}

static const MemShare *share_of(const Gen *g, uint32_t opi)
{
    static const MemShare none = {.role = SHARE_NONE};
    return g->mem_share ? &g->mem_share[opi] : &none;
}

/* The inline part of a group member's TLB check (codegen-memshare.c): the leader checks
 * the group's window and parks the addend in the frame slot; a follower takes it from
 * there. Leaves the addend in REG_TMP. */
static void x64_shared_check(Gen *g, SlowPath *sp, const MemShare *ms, HostReg raddr,
                             HostReg scratch)
{
    Emitter *e = &g->e;
    sp->recheck = true;
    sp->scratch_reg = (int8_t)scratch;
    if (ms->role == SHARE_LEADER) {
        size_t miss[2];
        x64_tlb_check(g, raddr, scratch, ms->lo, ms->hi, sp->mmu_idx, ms->need_read, ms->need_write,
                      miss);
        sp->jump_at = miss[0];
        sp->jump_at2 = miss[1];
        x64_store(e, 8, REG_TMP, HR_RSP, g->share_slot);
    } else {
        x64_load(e, EXT_64, true, REG_TMP, HR_RSP, g->share_slot);
        x64_test_rr(e, true, REG_TMP, REG_TMP);
        sp->jump_at = x64_jcc(e, HC_E, 0);
    }
}

/* The access itself, through the addend in REG_TMP. */
static void x64_direct_access(Gen *g, const SlowPath *sp, HostReg raddr)
{
    MemOp mop = (MemOp)sp->mop;
    if (sp->is_store) {
        x64_store_x(&g->e, 1u << (mop & MO_SIZE), (HostReg)sp->val_reg, raddr, REG_TMP, 0);
    } else {
        x64_load_x(&g->e, load_kind(mop, sp->type64), sp->type64, (HostReg)sp->out_reg, raddr,
                   REG_TMP, 0);
    }
}

void native_gen_qemu_ld(Gen *g, uint32_t opi, const TCGOp *op)
{
    unsigned out = (unsigned)op->args[0], addr = (unsigned)op->args[1];
    MemOp mop = (MemOp)op->args[2];
    unsigned mmu_idx = (unsigned)op->args[3];
    bool w = op_is64(op);
    HostReg raddr = ra_load(g, addr, ALLOCATABLE_REGS);
    HostReg rout = ra_alloc(g, ALLOCATABLE_REGS);
    SlowPath *sp = new_slow_path(g);
    if (!sp) {
        return;
    }
    sp->is_store = false;
    sp->mop = (uint8_t)mop;
    sp->mmu_idx = (uint8_t)mmu_idx;
    sp->type64 = w;
    sp->addr_reg = (int8_t)raddr;
    sp->out_reg = (int8_t)rout;
    sp->val_reg = -1;
    slow_path_capture(g, sp);
    const MemShare *ms = share_of(g, opi);
    if (ms->role != SHARE_NONE) {
        x64_shared_check(g, sp, ms, raddr, rout);
        x64_direct_access(g, sp, raddr);
    } else if (tlb_usable(g, mmu_idx)) {
        sp->jump_at = x64_tlb_lookup(g, raddr, rout, 1u << (mop & MO_SIZE), mmu_idx, false);
        x64_direct_access(g, sp, raddr);
    } else {
        sp->jump_at = x64_jmp(&g->e, 0);
    }
    sp->resume = x64_offset(&g->e);
    ra_bind_output(g, out, rout);
}

void native_gen_qemu_st(Gen *g, uint32_t opi, const TCGOp *op)
{
    unsigned val = (unsigned)op->args[0], addr = (unsigned)op->args[1];
    MemOp mop = (MemOp)op->args[2];
    unsigned mmu_idx = (unsigned)op->args[3];
    HostReg rval = ra_load(g, val, ALLOCATABLE_REGS);
    HostReg raddr = ra_load(g, addr, ALLOCATABLE_REGS);
    HostReg scratch = tlb_usable(g, mmu_idx) ? ra_alloc(g, ALLOCATABLE_REGS) : HR_COUNT;
    SlowPath *sp = new_slow_path(g);
    if (!sp) {
        return;
    }
    sp->is_store = true;
    sp->mop = (uint8_t)mop;
    sp->mmu_idx = (uint8_t)mmu_idx;
    sp->type64 = op_is64(op);
    sp->addr_reg = (int8_t)raddr;
    sp->val_reg = (int8_t)rval;
    sp->out_reg = -1;
    slow_path_capture(g, sp);
    const MemShare *ms = share_of(g, opi);
    if (scratch != HR_COUNT && ms->role != SHARE_NONE) {
        x64_shared_check(g, sp, ms, raddr, scratch);
        x64_direct_access(g, sp, raddr);
    } else if (scratch != HR_COUNT) {
        sp->jump_at = x64_tlb_lookup(g, raddr, scratch, 1u << (mop & MO_SIZE), mmu_idx, true);
        x64_direct_access(g, sp, raddr);
    } else {
        sp->jump_at = x64_jmp(&g->e, 0);
    }
    sp->resume = x64_offset(&g->e);
}

static void x64_global_stores(Gen *g, uint32_t first, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++) {
        const StubStore *st = &g->stub_stores[first + k];
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
}

/* REG_TMP = es->mem->load or ->store. */
static void x64_load_mem_callback(Gen *g, bool is_store)
{
    size_t fn = is_store ? offsetof(TCGGuestMemOps, store) : offsetof(TCGGuestMemOps, load);
    x64_load(&g->e, EXT_64, true, REG_TMP, REG_ES, (int32_t)offsetof(TCGExecState, mem));
    x64_load(&g->e, EXT_64, true, REG_TMP, REG_TMP, (int32_t)fn);
}

static void x64_slow_path(Gen *g, const SlowPath *sp)
{
    Emitter *e = &g->e;
    MemOp mop = (MemOp)sp->mop;
    x64_patch_rel32(e, sp->jump_at, x64_offset(e));
    if (sp->jump_at2) {
        x64_patch_rel32(e, sp->jump_at2, x64_offset(e));
    }
    if (g->share_slot) {
        /* Whatever comes next, no follower may trust the slot (codegen-memshare.c): the
         * callback below may change the TLB, and a leader gets here when its window
         * missed. */
        x64_store_imm(e, 8, HR_RSP, g->share_slot, 0);
    }
    if (sp->recheck) {
        /* A group member still takes the fast path when its own access fits. */
        size_t miss = x64_tlb_lookup(g, (HostReg)sp->addr_reg, (HostReg)sp->scratch_reg,
                                     1u << (mop & MO_SIZE), sp->mmu_idx, sp->is_store);
        x64_direct_access(g, sp, (HostReg)sp->addr_reg);
        x64_jmp(e, sp->resume);
        x64_patch_rel32(e, miss, x64_offset(e));
    }
    native_store_insn_data(g, sp->insn_mask, sp->insn_val);
    x64_global_stores(g, sp->first_store, sp->nb_stores);
    for (unsigned r = 0; r < HR_COUNT; r++) {
        if (sp->save & REGSET(r)) {
            x64_store(e, 8, (HostReg)r, HR_RSP, FRAME_SLOTS + 8 * (int32_t)sp->save_temp[r]);
        }
    }
    if (sp->is_store) {
        /* load/store(env, addr, val, mop, mmu_idx); val reduced to the access size as
         * the interpreter passes it. */
        static const ExtKind val_kind[] = {EXT_8U, EXT_16U, EXT_32U, EXT_64};
        x64_mov_rr(e, true, REG_TMP, (HostReg)sp->val_reg);
        if (sp->addr_reg != HR_RSI) {
            x64_mov_rr(e, true, HR_RSI, (HostReg)sp->addr_reg);
        }
        x64_ext_rr(e, val_kind[mop & MO_SIZE], true, HR_RDX, REG_TMP);
        x64_mov_rr(e, true, HR_RDI, REG_ENV);
        x64_movi(e, false, HR_RCX, mop);
        x64_movi(e, false, HR_R8, sp->mmu_idx);
    } else {
        if (sp->addr_reg != HR_RSI) {
            x64_mov_rr(e, true, HR_RSI, (HostReg)sp->addr_reg);
        }
        x64_mov_rr(e, true, HR_RDI, REG_ENV);
        x64_movi(e, false, HR_RDX, mop);
        x64_movi(e, false, HR_RCX, sp->mmu_idx);
    }
    x64_load_mem_callback(g, sp->is_store);
    x64_call_reg(e, REG_TMP);
    if (!sp->is_store) {
        x64_ext_rr(e, load_kind(mop, sp->type64), sp->type64, (HostReg)sp->out_reg, HR_RAX);
    }
    for (unsigned r = 0; r < HR_COUNT; r++) {
        if (sp->save & REGSET(r)) {
            x64_load(e, EXT_64, true, (HostReg)r, HR_RSP,
                     FRAME_SLOTS + 8 * (int32_t)sp->save_temp[r]);
        }
    }
    if (sp->exit_stub) {
        /* The next insn_start's exit check, which only this path needs (codegen-insn.c):
         * the registers are as they are there. */
        x64_cmp_mi(e, sizeof(int), REG_ES, (int32_t)offsetof(TCGExecState, exit_request), 0);
        x64_jcc(e, HC_NE, g->stubs[sp->exit_stub - 1].code_at);
    }
    x64_jmp(e, sp->resume);
}

void native_gen_slow_paths(Gen *g)
{
    for (uint32_t i = 0; i < g->nb_slow; i++) {
        x64_slow_path(g, &g->slow[i]);
    }
}
