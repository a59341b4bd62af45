/* The inline jump-cache probe of an exit_tb(TCG_EXIT_LOOKUP | TCG_EXIT_SAME_KEY): the
 * block finds the next block's code in the vCPU's jump cache (tcg/tb.h, TBJumpEntry)
 * itself and jumps there, as native_lookup_next would after es->next_block, and calls
 * C only when that fails. Returns and indirect calls end most blocks of a guest's
 * user code; through C each cost a call, the pending checks, the guest key and the
 * probe (~15% of a CPU-bound guest's time).
 *
 * What makes a hit equivalent to the C lookup (accel/tcg.c, tcg_next_block):
 *   - the key: the front end vouches that only the pc differs from this block's key
 *     (TCG_EXIT_SAME_KEY), so the slot's cs_base and flags are compared with the
 *     block's own and cflags with 0, the C lookup's; its pc is computed from the
 *     stored guest ip as the guest's key function does (TCGNativeLookup);
 *   - the translation: the slot's xlat_gen equals the vCPU's generation, or its
 *     stable one marked TB_XLAT_GEN_STABLE, as in tb_jmp_cache_probe, so that the pc
 *     still maps to the page the TB came from;
 *   - the TB: still valid (invalidation clears the slot's tb from any thread);
 *   - the code: the slot's code was recorded in this code generation (lookup_code in
 *     native.c); since a flush drops all code, that is the generation this block was
 *     compiled in, a constant here;
 *   - nothing pending: exit_request, the guest's pending word (interrupts) and the
 *     backend's flush_pending are all clear, else C decides (it may still go on).
 * es->jmp_slots is NULL whenever es->next_block is (budgeted runs, -d exec), and then
 * the C call leaves as before. */
#include <stddef.h>

#include "tcg/x86_64/internal.h"

_Static_assert(sizeof(TBJumpEntry) == 64, "a slot is 1 << 6 bytes");
_Static_assert(offsetof(TBJumpEntry, cflags) == offsetof(TBJumpEntry, flags) + 4,
               "flags and cflags compare as one 64-bit word");

/* cmp qword [base + disp], value; jne miss (the jump's displacement is recorded). */
static void cmp_slot_word(Emitter *e, HostReg base, int32_t disp, uint64_t value, HostReg scratch,
                          size_t *miss, unsigned *nb_miss)
{
    if (fits_i32((int64_t)value)) {
        x64_cmp_mi(e, 8, base, disp, (int32_t)value);
    } else {
        x64_movi(e, true, scratch, value);
        x64_cmp_rm_x(e, true, scratch, base, -1, disp);
    }
    miss[(*nb_miss)++] = x64_jcc(e, HC_NE, 0);
}

/* rcx = the key pc of the next block, from the guest ip stored in env. */
static void gen_key_pc(Gen *g, const TCGNativeLookup *l)
{
    Emitter *e = &g->e;
    if (g->tb->flags & l->wide_pc_flag) {
        x64_load(e, EXT_64, true, HR_RCX, REG_ENV, (int32_t)l->ip);
        return;
    }
    x64_load(e, EXT_32U, false, HR_RCX, REG_ENV, (int32_t)l->ip);
    uint32_t cs_base = (uint32_t)g->tb->cs_base;
    if (cs_base) {
        x64_alu_ri(e, ALU_ADD, false, HR_RCX, (int32_t)cs_base); /* mod 2^32 */
    }
}

/* The slot at rax holds the vCPU's generation, or its stable one with
 * TB_XLAT_GEN_STABLE (tb_jmp_gen_current); rcx and rdx are free. */
static void gen_gen_check(Emitter *e, const TCGNativeLookup *l, size_t *miss, unsigned *nb_miss)
{
    x64_load(e, EXT_64, true, HR_RDX, REG_ENV, (int32_t)l->xlat_gen);
    x64_cmp_rm_x(e, true, HR_RDX, HR_RAX, -1, (int32_t)offsetof(TBJumpEntry, xlat_gen));
    if (!l->stable_gen) {
        miss[(*nb_miss)++] = x64_jcc(e, HC_NE, 0);
        return;
    }
    size_t current = x64_jcc(e, HC_E, 0);
    x64_load(e, EXT_64, true, HR_RDX, REG_ENV, (int32_t)l->stable_gen);
    x64_movi(e, true, HR_RCX, TB_XLAT_GEN_STABLE);
    x64_alu_rr(e, ALU_OR, true, HR_RDX, HR_RCX);
    x64_cmp_rm_x(e, true, HR_RDX, HR_RAX, -1, (int32_t)offsetof(TBJumpEntry, xlat_gen));
    miss[(*nb_miss)++] = x64_jcc(e, HC_NE, 0);
    x64_patch_rel32(e, current, x64_offset(e));
}

void native_gen_lookup_probe(Gen *g, uint64_t exit_arg)
{
    const TCGNativeLookup *l = g->cfg->lookup;
    if (!(exit_arg & TCG_EXIT_SAME_KEY) || !l) {
        return;
    }
    Emitter *e = &g->e;
    size_t miss[12];
    unsigned nb_miss = 0;
    /* Every temp is dead here (the state is stored): rax, rcx, rdx and r11 are free. */
    x64_load(e, EXT_64, true, HR_RAX, REG_ES, (int32_t)offsetof(TCGExecState, jmp_slots));
    x64_test_rr(e, true, HR_RAX, HR_RAX);
    miss[nb_miss++] = x64_jcc(e, HC_E, 0);
    x64_load(e, EXT_32U, false, HR_RDX, REG_ES, (int32_t)offsetof(TCGExecState, exit_request));
    x64_load(e, EXT_32U, false, HR_RCX, REG_ENV, (int32_t)l->pending);
    x64_alu_rr(e, ALU_OR, false, HR_RDX, HR_RCX);
    miss[nb_miss++] = x64_jcc(e, HC_NE, 0);
    x64_movi(e, true, REG_TMP, (uintptr_t)g->cfg->flush_pending);
    x64_cmp_mi(e, 1, REG_TMP, 0, 0);
    miss[nb_miss++] = x64_jcc(e, HC_NE, 0);

    /* The slot: tb_jmp_cache_index(pc) * 64 bytes into the slots. */
    gen_key_pc(g, l);
    x64_mov_rr(e, true, HR_RDX, HR_RCX);
    x64_shift_ri(e, SHIFT_SHR, true, HR_RDX, TB_JMP_CACHE_BITS);
    x64_alu_rr(e, ALU_XOR, false, HR_RDX, HR_RCX);
    x64_alu_ri(e, ALU_AND, false, HR_RDX, (int32_t)((1u << TB_JMP_CACHE_BITS) - 1));
    x64_shift_ri(e, SHIFT_SHL, false, HR_RDX, 6);
    x64_alu_rr(e, ALU_ADD, true, HR_RAX, HR_RDX);

    x64_cmp_rm_x(e, true, HR_RCX, HR_RAX, -1, (int32_t)offsetof(TBJumpEntry, pc));
    miss[nb_miss++] = x64_jcc(e, HC_NE, 0);
    gen_gen_check(e, l, miss, &nb_miss);
    cmp_slot_word(e, HR_RAX, (int32_t)offsetof(TBJumpEntry, cs_base), g->tb->cs_base, HR_RDX, miss,
                  &nb_miss);
    cmp_slot_word(e, HR_RAX, (int32_t)offsetof(TBJumpEntry, flags), g->tb->flags, HR_RDX, miss,
                  &nb_miss); /* with cflags 0 in the upper half */
    cmp_slot_word(e, HR_RAX, (int32_t)offsetof(TBJumpEntry, code_gen), g->code_gen, HR_RDX, miss,
                  &nb_miss);
    x64_cmp_mi(e, 8, HR_RAX, (int32_t)offsetof(TBJumpEntry, tb), 0);
    miss[nb_miss++] = x64_jcc(e, HC_E, 0);
    x64_jmp_mem(e, HR_RAX, (int32_t)offsetof(TBJumpEntry, code));
    for (unsigned i = 0; i < nb_miss; i++) {
        x64_patch_rel32(e, miss[i], x64_offset(e));
    }
}
