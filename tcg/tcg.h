/* The translator's intermediate representation (IR) and the builder that front ends
 * (cpu/x86/translate*.c) use to emit it. Guest-independent.
 *
 * A translation block is a list of ops on temps. Temps are 32- or 64-bit values:
 *  - globals name a field of the guest CPU state (env + offset), so a backend may
 *    keep guest registers in host registers across a block;
 *  - locals live until the end of the block (across labels and branches);
 *  - constants are created by tcg_const() (a local initialised by movi).
 * Ops are typed by their first output (or first input when there is none): an op on
 * 32-bit temps works modulo 2^32, a 32-bit value is kept zero-extended in 64 bits.
 * Shift counts are taken modulo the width (the front end masks as the guest does).
 *
 * Guest memory is accessed by qemu_ld/qemu_st ops (size, sign, MMU index) so that a
 * backend can inline the TLB fast path. Helper calls declare their effects. Each
 * guest instruction starts with insn_start, whose data words let a fault in the middle
 * of a block restore the exact guest state (precise exceptions).
 *
 * A vCPU leaves a block for an exit request (an interrupt, a kick, a store into code
 * that invalidated blocks) only at the insn_starts that say so: the block's first, and
 * the first after a label (a loop goes back there), a guest store or a helper call with
 * side effects (the store or the helper may be what asked for the exit). Elsewhere the
 * block runs on, so a global written by one instruction and overwritten by a later one
 * before any such point (or guest memory access, which may fault) is never needed in
 * env: the optimizer drops the computation (lazy flags, mostly).
 */
#ifndef PACIFICA_TCG_TCG_H
#define PACIFICA_TCG_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum TCGType { TCG_TYPE_I32, TCG_TYPE_I64 } TCGType;

typedef enum TCGCond {
    TCG_COND_NEVER,
    TCG_COND_ALWAYS,
    TCG_COND_EQ,
    TCG_COND_NE,
    TCG_COND_LT, /* signed */
    TCG_COND_GE,
    TCG_COND_LE,
    TCG_COND_GT,
    TCG_COND_LTU, /* unsigned */
    TCG_COND_GEU,
    TCG_COND_LEU,
    TCG_COND_GTU,
} TCGCond;

/* Guest memory access description for qemu_ld/qemu_st. Little-endian guest. */
typedef enum MemOp {
    MO_8 = 0,
    MO_16 = 1,
    MO_32 = 2,
    MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4, /* sign-extend the loaded value */
    MO_UB = MO_8,
    MO_UW = MO_16,
    MO_UL = MO_32,
    MO_UQ = MO_64,
    MO_SB = MO_8 | MO_SIGN,
    MO_SW = MO_16 | MO_SIGN,
    MO_SL = MO_32 | MO_SIGN,
} MemOp;

/* DEF(name, outputs, inputs, constant args, flags) */
#define TCG_OPF_BB_END    0x01 /* ends a basic block (branch, exit) */
#define TCG_OPF_SIDE_EFF  0x02 /* not removable even if outputs are dead */
#define TCG_OPF_CALL      0x04
#define TCG_OPF_64ONLY    0x08 /* only exists with 64-bit type */
#define TCG_OPF_MAY_RAISE 0x10 /* may leave the block through a guest exception */

#define TCG_OPCODES(DEF)                                                                           \
    DEF(discard, 1, 0, 0, 0) /* the temp's value is dead */                                        \
    DEF(set_label, 0, 0, 1, TCG_OPF_BB_END)                                                        \
    DEF(br, 0, 0, 1, TCG_OPF_BB_END)     /* goto label */                                          \
    DEF(brcond, 0, 2, 2, TCG_OPF_BB_END) /* if (cond(a, b)) goto label; cargs: cond, label */      \
    /* guest instruction boundary: data[2], then whether an exit request is taken here */          \
    DEF(insn_start, 0, 0, 3, TCG_OPF_SIDE_EFF)                                                     \
    DEF(goto_tb, 0, 0, 1, TCG_OPF_SIDE_EFF) /* jump to linked successor slot n, if any */          \
    DEF(exit_tb, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFF) /* return value to the loop */        \
    DEF(call, 0, 0, 0, TCG_OPF_CALL | TCG_OPF_SIDE_EFF)      /* operand counts are per op */       \
    DEF(mb, 0, 0, 1, TCG_OPF_SIDE_EFF)                       /* memory barrier */                  \
    DEF(mov, 1, 1, 0, 0)                                                                           \
    DEF(movi, 1, 0, 1, 0)                                                                          \
    DEF(add, 1, 2, 0, 0)                                                                           \
    DEF(sub, 1, 2, 0, 0)                                                                           \
    DEF(mul, 1, 2, 0, 0)                                                                           \
    DEF(and, 1, 2, 0, 0)                                                                           \
    DEF(or, 1, 2, 0, 0)                                                                            \
    DEF(xor, 1, 2, 0, 0)                                                                           \
    DEF(andc, 1, 2, 0, 0) /* a & ~b */                                                             \
    DEF(shl, 1, 2, 0, 0)                                                                           \
    DEF(shr, 1, 2, 0, 0)                                                                           \
    DEF(sar, 1, 2, 0, 0)                                                                           \
    DEF(rotl, 1, 2, 0, 0)                                                                          \
    DEF(rotr, 1, 2, 0, 0)                                                                          \
    DEF(neg, 1, 1, 0, 0)                                                                           \
    DEF(not, 1, 1, 0, 0)                                                                           \
    DEF(ext8s, 1, 1, 0, 0)                                                                         \
    DEF(ext8u, 1, 1, 0, 0)                                                                         \
    DEF(ext16s, 1, 1, 0, 0)                                                                        \
    DEF(ext16u, 1, 1, 0, 0)                                                                        \
    DEF(ext32s, 1, 1, 0, TCG_OPF_64ONLY)                                                           \
    DEF(ext32u, 1, 1, 0, TCG_OPF_64ONLY)                                                           \
    DEF(extu_i32_i64, 1, 1, 0, TCG_OPF_64ONLY) /* i64 out, i32 in: zero-extend */                  \
    DEF(exts_i32_i64, 1, 1, 0, TCG_OPF_64ONLY) /* i64 out, i32 in: sign-extend */                  \
    DEF(extrl_i64_i32, 1, 1, 0, 0)             /* i32 out, i64 in: low half */                     \
    DEF(extrh_i64_i32, 1, 1, 0, 0)             /* i32 out, i64 in: high half */                    \
    DEF(deposit, 1, 2, 2, 0)  /* out = a with bits [pos, pos+len) replaced by b's low bits */      \
    DEF(extract, 1, 1, 2, 0)  /* out = (a >> pos) & mask(len) */                                   \
    DEF(sextract, 1, 1, 2, 0) /* same, sign-extended from bit len-1 */                             \
    DEF(setcond, 1, 2, 1, 0)  /* out = cond(a, b) ? 1 : 0 */                                       \
    DEF(movcond, 1, 4, 1, 0)  /* out = cond(c1, c2) ? v1 : v2; inputs c1, c2, v1, v2 */            \
    DEF(mulu2, 2, 2, 0, 0)    /* (lo, hi) = a * b unsigned, double width */                        \
    DEF(muls2, 2, 2, 0, 0)    /* (lo, hi) = a * b signed, double width */                          \
    DEF(ld8u, 1, 1, 1, 0)     /* out = *(uint8_t *)(base + offset): host memory (env) */           \
    DEF(ld8s, 1, 1, 1, 0)                                                                          \
    DEF(ld16u, 1, 1, 1, 0)                                                                         \
    DEF(ld16s, 1, 1, 1, 0)                                                                         \
    DEF(ld32u, 1, 1, 1, 0)                                                                         \
    DEF(ld32s, 1, 1, 1, 0)                                                                         \
    DEF(ld, 1, 1, 1, 0)                 /* full width of the output type */                        \
    DEF(st8, 0, 2, 1, TCG_OPF_SIDE_EFF) /* *(base + offset) = val; inputs val, base */             \
    DEF(st16, 0, 2, 1, TCG_OPF_SIDE_EFF)                                                           \
    DEF(st32, 0, 2, 1, TCG_OPF_SIDE_EFF)                                                           \
    DEF(st, 0, 2, 1, TCG_OPF_SIDE_EFF)                          /* full width of val's type */     \
    DEF(qemu_ld, 1, 1, 2, TCG_OPF_SIDE_EFF | TCG_OPF_MAY_RAISE) /* guest load; cargs memop, mmu */ \
    DEF(qemu_st, 0, 2, 2, TCG_OPF_SIDE_EFF | TCG_OPF_MAY_RAISE) /* inputs val, addr */

typedef enum TCGOpcode {
#define TCG_DEF_ENUM(name, o, i, c, f) INDEX_op_##name,
    TCG_OPCODES(TCG_DEF_ENUM)
#undef TCG_DEF_ENUM
        NB_TCG_OPS
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint8_t flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_TCG_OPS];

/* A temp handle: an index into the context's temp table. */
typedef struct TCGv {
    uint16_t idx;
} TCGv;

typedef uint64_t TCGArg;

typedef enum TCGTempKind {
    TEMP_GLOBAL, /* env field */
    TEMP_LOCAL,  /* block-lived */
    TEMP_CONST,  /* local holding a constant (also emitted as movi for simple backends) */
    TEMP_ENV,    /* the env pointer itself (64-bit, read-only) */
} TCGTempKind;

typedef struct TCGTemp {
    uint8_t type;        /* TCGType */
    uint8_t kind;        /* TCGTempKind */
    bool overlaps;       /* TEMP_GLOBAL sharing bytes of env with another global */
    int64_t val;         /* TEMP_CONST */
    intptr_t env_offset; /* TEMP_GLOBAL */
    const char *name;    /* globals: for dumps */
} TCGTemp;

/* Helper call flags: what a helper may touch. A backend must sync globals to env
 * before a call that reads them and reload after a call that writes them. */
#define TCG_CALL_NO_READ_GLOBALS  0x01
#define TCG_CALL_NO_WRITE_GLOBALS 0x02
#define TCG_CALL_NO_SIDE_EFFECTS  0x04 /* may be removed if its result is dead */
#define TCG_CALL_NO_RAISE         0x08 /* never leaves through a guest exception */

#define TCG_MAX_CALL_ARGS 6

/* A helper is any C function of up to TCG_MAX_CALL_ARGS integer/pointer arguments
 * returning void or an integer. Calls pass every argument as a 64-bit register value
 * and read the return as 64 bits: on the SysV x86-64 ABI this is exactly how such a
 * function is called, whatever its declared integer types. */
typedef struct TCGHelperInfo {
    void (*func)(void);
    const char *name;
    uint8_t flags;
    uint8_t nb_args;
    bool has_ret;
    uint8_t ret_type; /* TCGType when has_ret */
} TCGHelperInfo;

#define TCG_MAX_OP_ARGS 10

typedef struct TCGOp {
    uint16_t opc;  /* TCGOpcode */
    uint8_t type;  /* TCGType the op works in */
    uint8_t callo; /* call: number of outputs (0 or 1) */
    uint8_t calli; /* call: number of inputs */
    uint8_t pad[3];
    /* outputs (temp idx), inputs (temp idx), constant args; for call the last arg is
     * the TCGHelperInfo pointer */
    TCGArg args[TCG_MAX_OP_ARGS];
} TCGOp;

typedef struct TCGLabel {
    uint32_t id;
} TCGLabel;

#define TCG_MAX_TEMPS        1024
#define TCG_MAX_OPS          8192
#define TCG_MAX_GLOBALS      128
#define TCG_INSN_START_WORDS 2
/* insn_start's argument after its data words: nonzero where an exit request is taken. */
#define TCG_INSN_START_EXIT_CHECK TCG_INSN_START_WORDS

/* The builder's state: one per vCPU thread (translation runs on the vCPU thread). */
typedef struct TCGOptScratch TCGOptScratch;

typedef struct TCGContext {
    TCGTemp temps[TCG_MAX_TEMPS];
    unsigned nb_globals; /* temps [0, nb_globals) are globals and env; kept across blocks */
    unsigned nb_temps;
    TCGOp *ops; /* TCG_MAX_OPS */
    unsigned nb_ops;
    unsigned nb_labels;
    TCGv env;      /* the env pointer */
    bool overflow; /* too many ops/temps: the front end must end the block early */
    /* The next insn_start takes exit requests (see the top of this file): the block
     * starts, or a label, guest store or side-effecting call came since the last one. */
    bool exit_check_due;
    struct TBArena *tb_arena; /* where this thread's TBs are allocated (tcg/tb-arena.h) */
    /* Where a block's IR is packed before it is copied into its TB, so that it is
     * packed in one pass (TB_IR_PACKED_MAX bytes, tcg/tb-ir.h; pages are touched only
     * as far as blocks reach). */
    uint8_t *pack_buf;
    /* The packed form of the globals, the same in every block (tcg/tb-ir.c). */
    struct TBIRPackCache *pack_cache;
    /* The TB made from the current ops and temps (set by the front end once the block
     * is final, cleared by tcg_func_start): a backend on this context's thread may
     * compile it from these arrays instead of unpacking its packed IR. */
    const struct TranslationBlock *ir_tb;
    /* The optimizer's arrays, reused from block to block (tcg/optimize.c). */
    TCGOptScratch *opt_scratch;
} TCGContext;

void tcg_context_init(TCGContext *s);
void tcg_context_destroy(TCGContext *s);
/* Starts a new block: drops the ops and non-global temps of the previous one. */
void tcg_func_start(TCGContext *s);
/* Room for about n more ops? Front ends stop a block before the buffers fill. */
bool tcg_op_buf_full(const TCGContext *s, unsigned n);

TCGv tcg_global_mem_new(TCGContext *s, TCGType type, intptr_t env_offset, const char *name);
TCGv tcg_temp_new(TCGContext *s, TCGType type);
TCGv tcg_const(TCGContext *s, TCGType type, int64_t val);
TCGLabel tcg_label_new(TCGContext *s);
static inline TCGType tcg_temp_type(const TCGContext *s, TCGv t)
{
    return (TCGType)s->temps[t.idx].type;
}

/* Generic emitters. The op's type is taken from args[0]'s temp when it has outputs,
 * else from its first input. Returns the op (valid until the next emit). */
TCGOp *tcg_emit(TCGContext *s, TCGOpcode opc, TCGType type, unsigned nargs, const TCGArg *args);

/* Typed convenience emitters: the type is that of the first temp. */
void tcg_gen_mov(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_movi(TCGContext *s, TCGv d, int64_t v);
void tcg_gen_op3(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, TCGv b); /* add, sub, ... */
void tcg_gen_op2(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a);         /* neg, not, ext* */
void tcg_gen_add(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_sub(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_and(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_or(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_xor(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_shl(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_shr(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_sar(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_addi(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_subi(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_andi(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_ori(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_xori(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_shli(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_shri(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_sari(TCGContext *s, TCGv d, TCGv a, int64_t imm);
void tcg_gen_deposit(TCGContext *s, TCGv d, TCGv a, TCGv b, unsigned pos, unsigned len);
void tcg_gen_extract(TCGContext *s, TCGv d, TCGv a, unsigned pos, unsigned len);
void tcg_gen_sextract(TCGContext *s, TCGv d, TCGv a, unsigned pos, unsigned len);
void tcg_gen_setcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b);
void tcg_gen_movcond(TCGContext *s, TCGCond c, TCGv d, TCGv c1, TCGv c2, TCGv v1, TCGv v2);
void tcg_gen_brcond(TCGContext *s, TCGCond c, TCGv a, TCGv b, TCGLabel l);
void tcg_gen_brcondi(TCGContext *s, TCGCond c, TCGv a, int64_t imm, TCGLabel l);
void tcg_gen_br(TCGContext *s, TCGLabel l);
void tcg_gen_set_label(TCGContext *s, TCGLabel l);
void tcg_gen_ld(TCGContext *s, TCGOpcode ldop, TCGv d, TCGv base, intptr_t offset);
void tcg_gen_st(TCGContext *s, TCGOpcode stop, TCGv val, TCGv base, intptr_t offset);
void tcg_gen_qemu_ld(TCGContext *s, TCGv d, TCGv addr, MemOp mop, unsigned mmu_idx);
void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, MemOp mop, unsigned mmu_idx);
/* ret may be {0xffff} (no result). args are temps. */
void tcg_gen_call(TCGContext *s, const TCGHelperInfo *info, TCGv ret, unsigned nargs,
                  const TCGv *args);
void tcg_gen_insn_start(TCGContext *s, uint64_t data0, uint64_t data1);
void tcg_gen_goto_tb(TCGContext *s, unsigned slot);
void tcg_gen_exit_tb(TCGContext *s, uintptr_t val);
/* exit_tb's lookup flag (QEMU's lookup_and_goto_ptr): the block leaves with the guest
 * state stored, as exit_tb(TB_EXIT_NOCHAIN) does, but a backend may first look up the
 * block the stored state leads to and jump straight into it. A backend that does not
 * look up (the interpreter) just exits: the value masked with TB_EXIT_MASK is the exit
 * value, so the flag never reaches the vCPU loop. */
#define TCG_EXIT_LOOKUP 4u
/* With TCG_EXIT_LOOKUP: the front end vouches that the next block's key differs from
 * this block's own only in its pc (same cs_base and flags, cflags 0), as after a near
 * indirect branch or return, so that a backend may probe the vCPU's jump cache with
 * constants for the rest (TCGExecState.jmp_slots) before it calls next_block. */
#define TCG_EXIT_SAME_KEY 8u
/* Ends the block after an indirect branch, a return, a cross-page jump or a mode change:
 * exit_tb(TB_EXIT_NOCHAIN | TCG_EXIT_LOOKUP). */
void tcg_gen_exit_lookup(TCGContext *s);
void tcg_gen_discard(TCGContext *s, TCGv t);

#define TCG_NO_RET ((TCGv){0xffff})

/* Writes the current op list in readable form (for -d op / op_opt). */
void tcg_dump_ops(const TCGContext *s, void *file /* FILE * */);

/* The optimizer: constant folding and propagation, copy propagation, dead code
 * elimination. Runs on s's op list in place. */
void tcg_optimize(TCGContext *s);
/* Frees what tcg_optimize keeps in s between blocks (tcg_context_destroy does). */
void tcg_optimize_free_scratch(TCGContext *s);

#endif
