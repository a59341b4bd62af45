/* Internal to cpu/x86's translator: the context of one block's translation, the
 * global temps, and the operand/flag/stack/control-flow emitters shared by every
 * lowering file (translate-*.c). */
#ifndef PACIFICA_CPU_X86_TRANSLATE_H
#define PACIFICA_CPU_X86_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/helper.h"
#include "tcg/tcg.h"

/* Global temps, created in this order by x86_tcg_init_globals. */
enum {
    G_ENV = 0,
    G_REGS = 1,
    G_RIP = G_REGS + 16,
    G_EFLAGS,
    G_CC_OP,
    G_CC_DST,
    G_CC_SRC,
    G_CC_SRC2,
    G_SEG_BASE,
    G_END = G_SEG_BASE + 6,
};

static inline TCGv gv(unsigned idx)
{
    return (TCGv){(uint16_t)idx};
}

typedef struct DisasContext {
    TCGContext *s;
    CPUX86State *env;
    const Log *log;
    X86Insn insn;
    uint64_t cs_base;
    uint64_t tb_pc;    /* linear pc of the block's first instruction */
    uint64_t eip;      /* current instruction's offset in CS */
    uint64_t next_eip; /* the next instruction's */
    uint32_t flags;    /* hflags */
    unsigned mmu_idx;  /* X86_MMU_* of ordinary data accesses */
    X86CodeSize code;
    bool end;         /* the instruction ended the block (its exit is emitted) */
    TCGLabel rep_top; /* REP string loop head (before insn_start) */
    /* A direct jump to tb_pc goes back to this label at the block's start instead of
     * leaving the block (gen_jmp_eip), when block_loops. */
    TCGLabel block_top;
    bool block_loops;
    bool continued;    /* a Jcc's fall-through was kept in the block */
    TCGLabel jcc_exit; /* then: where its taken way leaves, after the loop */
    uint64_t jcc_exit_eip;
    uint8_t goto_tb_used; /* bit n: goto_tb slot n has its exit */
    /* EFLAGS.TF was set when the block was translated (HF_TF): every instruction is
     * followed by a single-step #DB trap (see translate.c). */
    bool single_step;
    /* Set by a lowering whose instruction may open an interrupt shadow (STI, MOV SS,
     * POP SS): the block ends after it, and MOV SS / POP SS suppress the single-step
     * trap after themselves (SDM 3A §6.8.3). */
    bool sets_shadow;
    bool shadow_blocks_trap;
    /* Data breakpoints (HF_DBG_DATA): the current instruction's trap check has been
     * emitted (by the block loop); block exits emit it otherwise. */
    bool watch_checked;
    /* The lazy-flags operation (CCOp) the guest's cc_op global holds at this point of
     * the block, when the translator knows it (set by the last flag-setting
     * instruction of this block), else CC_OP_DYNAMIC: conditions on a known operation
     * are computed inline (translate-cc.c). */
    int cc_op_static;
    /* Labels made by gen_cc_neutral_label: every path through them leaves cc_op as
     * cc_op_static says. Any other label made by an instruction makes the block loop
     * forget cc_op after it (a path may have skipped the flags). */
    unsigned cc_neutral_labels;
} DisasContext;

/* DisasContext.cc_op_static when cc_op is only known at run time. */
#define CC_OP_DYNAMIC (-1)

static inline TCGv tmp(DisasContext *d)
{
    return tcg_temp_new(d->s, TCG_TYPE_I64);
}

static inline TCGv cst(DisasContext *d, int64_t v)
{
    return tcg_const(d->s, TCG_TYPE_I64, v);
}

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

#define CALL(d, name, ...)                                                                         \
    gen_call(d, &helper_info_##name, sizeof((TCGv[]){__VA_ARGS__}) / sizeof(TCGv),                 \
             (TCGv[]){__VA_ARGS__})

/* Hardware breakpoints (tlb.h, "Hardware breakpoints"): the check at the entry of a
 * block translated with instruction breakpoints, and the trap of data breakpoints. */
#define X86_DEBUG_HELPERS(H)                                                                       \
    H(debug_block_start, 3, 0, 0)                                                                  \
    H(debug_watch_trap, 2, 0, 0)

X86_DEBUG_HELPERS(X86_DECLARE_HELPER_INFO)

/* Entry of a block at linear translated for the instruction breakpoints key identifies:
 * retranslates it if they changed since, else raises the #DB fault of a breakpoint at
 * linear unless EFLAGS.RF (which it clears) suppresses it (SDM 3A §18.3.1.1). */
void helper_debug_block_start(CPUX86State *env, uint64_t linear, uint64_t key);
/* The #DB trap of the data breakpoints the instruction just completed hit, rIP (in env)
 * past it; single_step adds DR6.BS (TF was set too). */
_Noreturn void helper_debug_watch_trap(CPUX86State *env, uint64_t single_step);

/* Address of the memory operand of this instruction (computed once). */
typedef struct Operands {
    TCGv addr;
    bool have_addr;
} Operands;

/* A lowering function emits the IR of one decoded instruction. */
typedef void (*LowerFn)(DisasContext *d);

/* One row of a lowering table: the lowering of an X86Op. Each translate-*.c file
 * exports a table ending with {0, NULL}; translate.c merges them into a per-vCPU
 * dispatch array. */
typedef struct X86Lowering {
    uint16_t op;
    LowerFn fn;
} X86Lowering;

extern const X86Lowering x86_lowerings_int[];
extern const X86Lowering x86_lowerings_bits[];
extern const X86Lowering x86_lowerings_sys[];
extern const X86Lowering x86_lowerings_fpu[];
extern const X86Lowering x86_lowerings_sse[];

void gen_zext(DisasContext *d, TCGv dst, TCGv v, unsigned size);
void gen_sext(DisasContext *d, TCGv dst, TCGv v, unsigned size);
TCGv gen_call(DisasContext *d, const TCGHelperInfo *info, unsigned n, const TCGv *args);
bool is_high_byte_reg(const DisasContext *d, unsigned reg, unsigned size);
TCGv gen_ld_reg(DisasContext *d, unsigned reg, unsigned size);
void gen_st_reg(DisasContext *d, unsigned reg, unsigned size, TCGv v);
unsigned addr_mask_size(const DisasContext *d);
TCGv gen_linear(DisasContext *d, int seg, TCGv offset);
TCGv gen_ea_offset(DisasContext *d);
TCGv gen_ea_offset_with(DisasContext *d, int reg, TCGv reg_value);
int modrm_seg(const DisasContext *d);
TCGv gen_ea(DisasContext *d);
MemOp size_memop(unsigned size);
TCGv gen_ld_mem(DisasContext *d, TCGv addr, unsigned size);
void gen_st_mem(DisasContext *d, TCGv addr, TCGv v, unsigned size);
unsigned opnd_size(const DisasContext *d, unsigned k);
bool opnd_is_mem(const DisasContext *d, unsigned k);
int sreg_opnd(unsigned k);
/* Whether the fall-through of the Jcc just lowered is straight-line code ending with a
 * direct jump to the block's start: the block then keeps it, as a loop. */
bool x86_jcc_fall_through_loops(DisasContext *d);
TCGv opnd_addr(DisasContext *d, Operands *o);
TCGv gen_moffs_addr(DisasContext *d);
TCGv gen_ld_opnd(DisasContext *d, Operands *o, unsigned i);
/* Operand i, which the instruction writes back: a memory operand is loaded with write
 * intent (its fault is a write fault). */
TCGv gen_ld_rmw_opnd(DisasContext *d, Operands *o, unsigned i);
void gen_load_seg(DisasContext *d, int seg, TCGv sel);
void gen_st_opnd(DisasContext *d, Operands *o, unsigned i, TCGv v);
void gen_set_cc(DisasContext *d, CCOp op, TCGv dst, TCGv src, TCGv src2);
CCOp cc_sized(CCOp base, unsigned size);
TCGv gen_compute_eflags(DisasContext *d);
TCGv gen_compute_cf(DisasContext *d);
TCGv gen_cond(DisasContext *d, unsigned cc);
TCGLabel gen_cc_neutral_label(DisasContext *d);
/* After an instruction some of whose paths skip its flag update (a shift by CL = 0, a
 * REP string with rCX = 0): cc_op is still known if both ways leave the same one. */
void gen_cc_merge(DisasContext *d, int cc_op_skipped);
void gen_set_eflags_arith(DisasContext *d, TCGv v);
/* CF = bit 0 of cf, ZF unchanged, OF, SF, AF and PF left undefined (BT, BTS, BTR, BTC:
 * SDM Vol 2A BT). */
void gen_set_cf_keep_zf(DisasContext *d, TCGv cf);
uint64_t eip_mask(const DisasContext *d, unsigned opsize);
void gen_jmp_eip(DisasContext *d, uint64_t eip, unsigned slot);
void gen_exit_dynamic(DisasContext *d);
void gen_exit_indirect(DisasContext *d);
void gen_exit_lookup_same_key(DisasContext *d);
void gen_exit_next(DisasContext *d);
void gen_exception(DisasContext *d, int vector);
void gen_single_step_trap(DisasContext *d);
void gen_debug_watch_check(DisasContext *d, bool set_rip, uint64_t eip, bool single_step);
void gen_debug_watch_clear(DisasContext *d);
void gen_check_alignment(DisasContext *d, TCGv addr, unsigned size);
void gen_probe_write(DisasContext *d, TCGv addr, unsigned size);
TCGv gen_atomic_rmw(DisasContext *d, TCGv addr, unsigned rmw, TCGv val, unsigned size);
void gen_mark_shadow(DisasContext *d, bool blocks_trap);
unsigned stack_size(const DisasContext *d);
TCGv gen_stack_addr(DisasContext *d, TCGv sp);
void gen_push(DisasContext *d, TCGv v, unsigned size);
TCGv gen_pop_value(DisasContext *d, unsigned size);
void gen_pop_commit(DisasContext *d, unsigned size);

#endif
