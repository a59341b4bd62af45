/* Internals of the native x86-64 backend, shared by its files:
 *   emit.c      the x86-64 instruction encoder (x64_*);
 *   liveness.c  what the backend supports, basic blocks, liveness of the locals;
 *   regalloc.c  where each temp's value is (register, memory, constant), the moves
 *               between those places, and the globals that alias one another;
 *   codegen.c   host code for each IR op, and the whole-block driver;
 *   codegen-mem.c  guest memory (qemu_ld/st, with the inline TLB fast path), calls;
 *   native.c    the code cache, running blocks, chaining, flushing, -d out_asm.
 *
 * Generated code runs with a fixed frame set up by a shared prologue (native.c):
 *   rbp = env, r15 = the TCGExecState, rsp = the frame (16-byte aligned), r11 = scratch
 *   for single instructions; the other twelve registers hold temps.
 * Frame: [rsp + FRAME_EXIT_INFO] the NativeExitInfo pointer, then one 8-byte slot per
 * temp index where locals are spilled (and caller-saved registers parked around slow
 * paths). Every block uses the same frame, so a block jumps straight into its successor
 * (goto_tb chaining) without touching the stack. */
#ifndef PACIFICA_TCG_X86_64_INTERNAL_H
#define PACIFICA_TCG_X86_64_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tcg/tb.h"
#include "tcg/tcg.h"
#include "tcg/x86_64/emit.h"
#include "tcg/x86_64/native.h"

#define REG_ENV HR_RBP
#define REG_ES  HR_R15
#define REG_TMP HR_R11

typedef uint32_t RegSet;
#define REGSET(r) ((RegSet)1u << (r))

/* Caller-saved registers of the SysV x86-64 ABI (psABI §3.2.1, Figure 3.4). */
#define CALLER_SAVED_REGS                                                                          \
    (REGSET(HR_RAX) | REGSET(HR_RCX) | REGSET(HR_RDX) | REGSET(HR_RSI) | REGSET(HR_RDI) |          \
     REGSET(HR_R8) | REGSET(HR_R9) | REGSET(HR_R10) | REGSET(HR_R11))
#define ALLOCATABLE_REGS                                                                           \
    (REGSET(HR_RAX) | REGSET(HR_RCX) | REGSET(HR_RDX) | REGSET(HR_RBX) | REGSET(HR_RSI) |          \
     REGSET(HR_RDI) | REGSET(HR_R8) | REGSET(HR_R9) | REGSET(HR_R10) | REGSET(HR_R12) |            \
     REGSET(HR_R13) | REGSET(HR_R14))
#define CALLEE_SAVED_ALLOCATABLE (ALLOCATABLE_REGS & ~CALLER_SAVED_REGS)

#define FRAME_EXIT_INFO 0
#define FRAME_SLOTS     16
#define FRAME_SIZE      (FRAME_SLOTS + 8 * TCG_MAX_TEMPS + 8) /* keeps rsp 16-aligned */

/* What the generated code hands back to the C runner besides its return value. */
typedef struct NativeExitInfo {
    TranslationBlock *chain_dest;        /* NATIVE_RET_CHAIN: the linked successor */
    const uint8_t *_Atomic *chain_cache; /* where its code address belongs */
    TCGNative *native;                   /* the backend running the code */
    uint64_t lookups;                    /* native_lookup_next calls that went on */
} NativeExitInfo;

/* exit_tb with TCG_EXIT_LOOKUP calls this with the guest state stored: the compiled
 * code of the block to run next, or NULL to leave through the epilogue. */
const uint8_t *native_lookup_next(TCGExecState *es, NativeExitInfo *info);

/* Returned instead of a TB exit value: goto_tb found a linked successor whose code the
 * block did not know yet. No TB lives at address 0, so this never looks like tb|k. */
#define NATIVE_RET_CHAIN 1u

/* ---- per-block analysis ---- */

/* Where a temp's value is. */
typedef enum ValLoc {
    VAL_DEAD,  /* no value (a local not live here) */
    VAL_MEM,   /* in its memory home only: env field (globals) or frame slot (locals) */
    VAL_REG,   /* in a host register (and in memory too if mem_ok) */
    VAL_CONST, /* a known constant (and in memory too if mem_ok) */
} ValLoc;

typedef struct TempState {
    uint8_t loc;    /* ValLoc */
    int8_t reg;     /* VAL_REG */
    bool mem_ok;    /* the memory home holds the value */
    bool is_global; /* TEMP_GLOBAL */
    bool is_env;    /* TEMP_ENV: always in REG_ENV */
    bool direct;    /* a global sharing bytes with another: never cached */
    bool is64;
    int32_t mem_disp; /* env offset (globals) or frame offset (locals) */
    uint64_t cval;    /* VAL_CONST, reduced to the type */
} TempState;

/* A loop inside the block (a label some later branch goes back to: REP, or a block
 * that jumps to its own start): the globals it uses most stay in fixed registers
 * across its back edges instead of going through env each iteration (regalloc.c). */
#define NATIVE_MAX_LOOPS        4
#define NATIVE_LOOP_MAX_CARRIED 6
typedef struct LoopHead {
    uint32_t label;
    uint32_t first_op, last_op; /* the label's op, the last branch back to it */
    uint8_t nb_carried;
    uint16_t temp[NATIVE_LOOP_MAX_CARRIED];
    uint8_t reg[NATIVE_LOOP_MAX_CARRIED]; /* HostReg */
} LoopHead;

/* One exit taken when es->exit_request is set at an insn_start: the globals that were
 * dirty there, stored by an out-of-line stub. Stores are kept in Gen.stub_stores. */
typedef struct ExitStub {
    size_t jump_at; /* the jne's displacement, SIZE_MAX: none inline (a store's slow path) */
    size_t code_at; /* where the stub's code starts, once emitted */
    uint32_t first, count;
    uint8_t insn_mask; /* insn_data words to store (codegen-insn.c) */
    uint64_t insn_val[TCG_INSN_START_WORDS];
} ExitStub;

typedef struct StubStore {
    uint16_t temp;
    int8_t reg; /* -1: the constant cval */
    uint64_t cval;
} StubStore;

/* A guest access whose inline TLB lookup missed: the out-of-line slow path. */
typedef struct SlowPath {
    size_t jump_at;                  /* the jne's displacement (to the slow path) */
    size_t resume;                   /* where to come back */
    uint32_t first_store, nb_stores; /* dirty globals to store first (may fault) */
    RegSet save;                  /* caller-saved registers to park in the frame around the call */
    uint16_t save_temp[HR_COUNT]; /* whose frame slot each saved register uses */
    bool is_store;
    uint8_t mop;
    uint8_t mmu_idx;
    bool type64;
    int8_t addr_reg, val_reg, out_reg;
    uint8_t insn_mask; /* insn_data words to store first (the access may fault) */
    uint64_t insn_val[TCG_INSN_START_WORDS];
    size_t jump_at2; /* a second miss branch (a window check with two tags), or 0 */
    /* A group member (codegen-memshare.c): look the access up on its own first. */
    bool recheck;
    int8_t scratch_reg; /* recheck: the register for the entry index */
    /* A store whose next insn_start's exit check moved here (codegen-insn.c): 1 + the
     * index of the ExitStub to take when exit_request is set after the call, or 0. */
    uint32_t exit_stub;
} SlowPath;

/* A guest access's part in a shared TLB check (codegen-memshare.c). */
enum { SHARE_NONE, SHARE_LEADER, SHARE_FOLLOWER };
typedef struct MemShare {
    uint8_t role;
    bool need_read, need_write; /* leader: the tags its window check compares */
    int32_t lo, hi; /* leader: the window's first and last byte, off its own address */
} MemShare;

typedef struct BranchPatch {
    size_t at;
    uint32_t label;
} BranchPatch;

/* An array kept from one compile to the next. */
typedef struct ScratchArray {
    void *p;
    size_t bytes;
} ScratchArray;

/* The arrays compiling a block needs, kept by the backend (used under its lock) so
 * that a compile makes no malloc once they are large enough: a boot compiles about
 * 100,000 blocks, each of which made some fifteen allocations. */
typedef struct GenScratch {
    ScratchArray dead, op_bb, ts, label_pos, live_in, live_out; /* Gen's */
    ScratchArray bb_first, bb_last, use, def;                   /* liveness.c's */
    ScratchArray patches, stubs, stub_stores, slow;             /* grown by codegen */
} GenScratch;

/* At least bytes of a, zeroed when zero is set; NULL when out of memory. */
void *scratch_get(ScratchArray *a, size_t bytes, bool zero);
void gen_scratch_free(GenScratch *s);

/* What code generation may use on this host and guest. */
typedef struct NativeOptions {
    bool has_bmi1, has_bmi2; /* ANDN; SHLX/SHRX/SARX */
    const TCGNativeTLB *tlb; /* inline TLB lookups, or NULL */
    const TCGNativeLookup *lookup;    /* inline jump-cache probes, or NULL */
    const atomic_bool *flush_pending; /* the backend's: lookups leave while it is set */
} NativeOptions;

typedef struct Gen {
    Emitter e;
    const TranslationBlock *tb;
    const TBIR *ir; /* tb's IR, unpacked */
    const NativeOptions *cfg;
    const TCGOp *ops;
    uint32_t nb_ops, nb_temps;
    /* Temps [0, globals_end) hold every global (they come first, tcg.h): the walks
     * that only concern globals stop there (set by ra_init). */
    uint32_t globals_end;
    bool failed; /* something this backend cannot compile: run the interpreter */
    GenScratch *scratch;

    /* Liveness (liveness.c). */
    uint16_t *dead;  /* per op: bit i set when args[i] (a local) is dead after it */
    uint32_t *op_bb; /* per op: its basic block */
    uint32_t nb_bbs;
    uint32_t live_words; /* 64-bit words per temp bitset */
    uint64_t *live_in;   /* per block: locals live at its start */
    uint64_t *live_out;  /* per block: locals live at its end */

    /* Register allocation (regalloc.c). */
    TempState *ts;
    int16_t reg_temp[HR_COUNT]; /* the temp a register holds, or -1 */
    RegSet locked;              /* registers the current op uses */
    unsigned evict_cursor;
    bool direct_bound; /* some direct global is in a register */
    bool unreachable;  /* after br/exit_tb, until the next label */

    /* Branches and labels. */
    size_t *label_pos;  /* per label: offset of its code, or SIZE_MAX */
    int8_t *label_loop; /* per label: its index in loops, or -1 (not a loop head) */
    LoopHead loops[NATIVE_MAX_LOOPS];
    uint32_t nb_loops;
    /* The allocator's state kept across a conditional back edge's code. */
    TempState *ts_saved;
    int16_t reg_temp_saved[HR_COUNT];
    RegSet locked_saved;
    BranchPatch *patches;
    uint32_t nb_patches, cap_patches;

    /* Out-of-line code emitted after the block. */
    ExitStub *stubs;
    uint32_t nb_stubs, cap_stubs;
    StubStore *stub_stores;
    uint32_t nb_stub_stores, cap_stub_stores;
    SlowPath *slow;
    uint32_t nb_slow, cap_slow;
    size_t nochain_exit; /* shared stub returning tb|TB_EXIT_NOCHAIN, or 0 */
    size_t nochain_patches[64];
    uint32_t nb_nochain_patches;

    /* What es->insn_data holds, when known; the last insn_start's words, pending until
     * something may read them (codegen-insn.c). */
    bool insn_known[TCG_INSN_START_WORDS];
    uint64_t insn_val[TCG_INSN_START_WORDS];
    bool insn_pending[TCG_INSN_START_WORDS];
    uint64_t insn_pending_val[TCG_INSN_START_WORDS];
    /* Per label: every way into it comes from the same insn_start, whose words (in
     * label_insn_val) then stay pending across the branches (codegen-insn.c). */
    bool *label_insn_same;
    uint64_t (*label_insn_val)[TCG_INSN_START_WORDS];

    /* Shared TLB checks (codegen-memshare.c): per op, or NULL when the block has none;
     * the frame offset of the slot holding the group's addend (0: none). */
    MemShare *mem_share;
    int32_t share_slot;

    /* The code generation the block is compiled in (the jump-cache slots' code_gen
     * while its code exists: a flush drops all code). */
    uint64_t code_gen;

    /* Addresses in the code buffer's executable view. */
    uintptr_t epilogue;
    const uint8_t *_Atomic *chain_cache; /* the block's two jump slots */
    /* Per goto_tb slot: the offset of the way out taken while the slot is unlinked
     * (what the jump slot holds then), 0: no such goto_tb. */
    size_t goto_tb_unlinked[2];
} Gen;

/* liveness.c */
bool native_analyze(Gen *g);
static inline bool op_arg_dead(const Gen *g, uint32_t opi, unsigned arg)
{
    return (g->dead[opi] >> arg) & 1;
}
static inline bool live_out_has(const Gen *g, uint32_t bb, unsigned temp)
{
    return (g->live_out[(size_t)bb * g->live_words + temp / 64] >> (temp % 64)) & 1;
}
static inline bool live_in_has(const Gen *g, uint32_t bb, unsigned temp)
{
    return (g->live_in[(size_t)bb * g->live_words + temp / 64] >> (temp % 64)) & 1;
}
/* Number of output and input temps of an op. */
void native_op_arg_counts(const TCGOp *op, unsigned *nb_out, unsigned *nb_in);

/* regalloc.c */
void ra_init(Gen *g);
HostReg ra_alloc(Gen *g, RegSet allowed);
HostReg ra_load(Gen *g, unsigned t, RegSet allowed);
void ra_load_into(Gen *g, unsigned t, HostReg reg);
HostReg ra_take_reg(Gen *g, unsigned t);
void ra_store(Gen *g, unsigned t);
void ra_evict_reg(Gen *g, HostReg reg);
void ra_unbind(Gen *g, unsigned t);
void ra_bind_output(Gen *g, unsigned t, HostReg reg);
void ra_bind_const(Gen *g, unsigned t, uint64_t v);
void ra_after_op(Gen *g, uint32_t opi, const TCGOp *op);
void ra_sync_globals(Gen *g);
void ra_sync_globals_range(Gen *g, int64_t start, int64_t end);
void ra_forget_globals(Gen *g);
void ra_forget_globals_range(Gen *g, int64_t start, int64_t end);
void ra_sync_bb_end(Gen *g, uint32_t bb, bool keep);
void ra_reset_at_label(Gen *g, uint32_t bb);
void ra_evacuate(Gen *g, RegSet clobbered, uint32_t opi, const TCGOp *op, bool forget_globals);
bool ra_is_const(const Gen *g, unsigned t, uint64_t *v);
bool ra_clobberable(const Gen *g, uint32_t opi, const TCGOp *op, unsigned arg);
void ra_materialize(Gen *g, unsigned t, HostReg reg);
void ra_mem_operand(const Gen *g, unsigned t, HostReg *base, int32_t *disp);
uint32_t ra_snapshot_dirty(Gen *g, uint32_t *count);
/* Loops: finds the loop heads and what they carry (false: out of memory). */
bool ra_plan_loops(Gen *g);
/* Whether op opi is inside a loop of the block. */
bool ra_in_loop(const Gen *g, uint32_t opi);
static inline const LoopHead *ra_loop_of(const Gen *g, uint32_t label)
{
    return label < g->tb->nb_labels && g->label_loop[label] >= 0 ? &g->loops[g->label_loop[label]]
                                                                 : NULL;
}
/* Emits what brings the values to where loop head lh expects them (head_bb: its
 * basic block); the allocator's state then says so. */
void ra_conform_to_loop(Gen *g, const LoopHead *lh, uint32_t head_bb);
/* The allocator's state at loop head lh, whichever way came in. */
void ra_enter_loop(Gen *g, const LoopHead *lh, uint32_t head_bb);
void ra_save_state(Gen *g);
void ra_restore_state(Gen *g);

/* codegen.c */
bool native_gen_block(Gen *g);
void native_gen_op(Gen *g, uint32_t opi);
void native_record_patch(Gen *g, size_t at, uint32_t label);
void native_exit_value(Gen *g, uintptr_t value);

/* codegen-insn.c */
void native_gen_insn_start(Gen *g, const TCGOp *op);
/* The words of the last insn_start that es->insn_data may not hold (bit i: word i),
 * with their values. */
unsigned native_insn_data_unsynced(const Gen *g, uint64_t vals[TCG_INSN_START_WORDS]);
void native_store_insn_data(Gen *g, unsigned mask, const uint64_t vals[TCG_INSN_START_WORDS]);
/* Stores the pending words: es->insn_data is exact from here on. */
void native_sync_insn_data(Gen *g);
/* es->insn_data may have changed (pending_too: by C code that may set it itself). */
void native_insn_data_unknown(Gen *g, bool pending_too);
/* Finds the labels every way into which comes from one insn_start (false on no memory). */
bool native_plan_label_insn(Gen *g);
/* Whether a branch to label must store the pending words first. */
bool native_branch_syncs_insn(const Gen *g, uint32_t label);
/* At a label: memory holds the words if every way in stored them; else they are the
 * label's pending words (true: the fall-through needs no store). */
bool native_label_insn_data(Gen *g, uint32_t label);

/* codegen-lookup.c */
/* At an exit_tb with TCG_EXIT_LOOKUP (exit_arg: its argument), after the guest state
 * was stored: the inline jump-cache probe that jumps to the next block's code, falling
 * through when it cannot (no TCG_EXIT_SAME_KEY, a miss, something pending). */
void native_gen_lookup_probe(Gen *g, uint64_t exit_arg);

/* codegen-mem.c */
void native_gen_call(Gen *g, uint32_t opi, const TCGOp *op);
void native_gen_qemu_ld(Gen *g, uint32_t opi, const TCGOp *op);
void native_gen_qemu_st(Gen *g, uint32_t opi, const TCGOp *op);
void native_gen_slow_paths(Gen *g);

/* codegen-memshare.c */
/* Finds the guest accesses that share one TLB check (false: out of memory). */
bool native_plan_mem_share(Gen *g);

/* Type helpers. */
static inline bool op_is64(const TCGOp *op)
{
    return op->type == TCG_TYPE_I64;
}

#endif
