/* Lowering of decoded x86 instructions to IR, one block at a time.
 *
 * The decoder (decode.c) says what an instruction is and where its operands are; this
 * file says what it does, once per operation: ADD is lowered by one function whatever
 * its encoding (00-05, 80/81/83 /0), with operands fetched and stored by the generic
 * operand accessors below. Values are carried in 64-bit temps, zero-extended from the
 * operand size.
 *
 * Discipline for precise exceptions: within an instruction, every guest memory access
 * or helper that may fault comes before any write to a guest register or to the flags
 * globals, so that restoring rIP from insn_start re-executes the instruction from
 * a clean state.
 *
 * Single-step (SDM 3A §18.3.1.4): a block translated with EFLAGS.TF set (HF_TF is in
 * the block key) holds one instruction, and every exit of it goes through
 * helper_single_step, which raises #DB as a trap (DR6.BS, rIP past the instruction).
 * TF is sampled when the instruction starts: POPF/IRET that set TF were translated
 * without it, so the first trap comes after the instruction that follows them; one
 * that clears TF is still trapped after. A REP string instruction traps after each
 * iteration. MOV SS / POP SS hold the trap back until after the next instruction.
 *
 * Hardware breakpoints (SDM 3A §18.3.1; tlb.h "Hardware breakpoints"), only in blocks
 * whose key says DR7 enables some (nothing is paid otherwise):
 *  - instruction breakpoints (HF_DBG_INSN): a block ends before any instruction at an
 *    enabled breakpoint address, so such an instruction always starts a block, and
 *    every block begins with helper_debug_block_start, which raises the #DB fault
 *    (DR6.Bn, rIP on the instruction) unless EFLAGS.RF suppresses it. RF is cleared
 *    there: it only holds for the instruction an IRET returns to. The block also
 *    passes the key of the breakpoints it was translated for: a block made for other
 *    breakpoints (DR0-DR3/DR7 changed, or another vCPU's) is dropped and translated
 *    again instead of being run.
 *  - data breakpoints (HF_DBG_DATA): the memory slow path records hits (watched pages
 *    always take it); every instruction starts by clearing them and ends by raising
 *    the #DB trap if any, rIP past it. A repeated string instruction traps after the
 *    iteration that hit, with rIP still on it (the check at its start).
 *
 * Alignment check (HF_AC_CHECK: CPL 3, CR0.AM and EFLAGS.AC): the memory emitters
 * check each access (translate-gen.c, gen_check_alignment).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/disas.h"
#include "cpu/x86/tb-key.h"
#include "cpu/x86/helper.h"
#include "cpu/x86/translate.h"
#include "system/debug.h"
#include "system/machine.h"

#define MAX_INSNS_PER_TB 512

_Static_assert(offsetof(X86CPU, env) == 0, "env is at the start of its X86CPU");

static void init_globals(TCGContext *s)
{
    static const char *const reg_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp",
                                              "rsi", "rdi", "r8",  "r9",  "r10", "r11",
                                              "r12", "r13", "r14", "r15"};
    static const char *const seg_names[6] = {"es_base", "cs_base", "ss_base",
                                             "ds_base", "fs_base", "gs_base"};
    for (int i = 0; i < 16; i++)
        tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, regs[i]), reg_names[i]);
    tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, rip), "rip");
    tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, eflags), "eflags");
    tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, cc_op), "cc_op");
    tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, cc_dst), "cc_dst");
    tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, cc_src), "cc_src");
    tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, cc_src2), "cc_src2");
    for (int i = 0; i < 6; i++)
        tcg_global_mem_new(s, TCG_TYPE_I64, offsetof(CPUX86State, segs[i].base), seg_names[i]);
}

/* ---- the block loop ---- */

void x86_get_tb_key(const CPUX86State *env, uint64_t *pc, uint64_t *cs_base, uint32_t *flags)
{
    x86_tb_key(env, pc, cs_base, flags);
}

static X86CodeSize code_size_of(uint32_t hflags)
{
    if (hflags & HF_CS64)
        return X86_CODE64;
    return (hflags & HF_CS32) ? X86_CODE32 : X86_CODE16;
}

typedef enum DecodeOutcome {
    DECODE_LOWER,      /* decoded: lower it */
    DECODE_RAISED,     /* cannot execute: the exception is emitted */
    DECODE_NEXT_BLOCK, /* starts in this block but must be the first of the next */
} DecodeOutcome;

/* An instruction whose bytes run into a page that cannot be fetched raises that
 * page's fault (#PF, CR2 on the missing byte) with rIP on the instruction (SDM 3A
 * §6.15, #PF). decode_one raises it now, at translation, only when the instruction is
 * the block's first (rIP is then env->rip, where x86_get_phys_code makes the fault
 * restart); a later one ends the block before it so that it becomes the first of the
 * next. Returns only if the page turned out to be fetchable after all. */
static void raise_fetch_fault(DisasContext *d, uint64_t missing)
{
    uint64_t phys;
    if (!(d->flags & HF_LMA))
        missing &= 0xffffffffu;
    x86_get_phys_code(d->env, missing, &phys);
}

/* Decodes the instruction at eip. It cannot be executed when the encoding is invalid
 * (#UD), too long (#GP) or not implemented yet (#UD, logged under -d unimp). */
static DecodeOutcome decode_one(DisasContext *d, bool first)
{
    uint8_t bytes[16];
    uint64_t linear = d->cs_base + d->eip;
    if (d->code != X86_CODE64)
        linear &= 0xffffffffu;
    size_t n = x86_fetch_code(d->env, linear, bytes, 15);
    X86DecodeResult r = x86_decode(&d->insn, d->code, d->eip, bytes, n);
    if (r == X86_DECODE_TRUNCATED && n < 15) {
        if (!first)
            return DECODE_NEXT_BLOCK;
        raise_fetch_fault(d, linear + n);
    }
    /* SDM Vol 2A §2.3.2 (VEX): VEX-encoded instructions are #UD in real-address and
     * virtual-8086 mode; the decoder only knows it sees 16-bit code. */
    bool vex_refused =
        r == X86_DECODE_OK && d->insn.vex && (!(d->flags & HF_PE) || (d->flags & HF_VM));
    if (r == X86_DECODE_OK && !vex_refused) {
        d->next_eip = d->eip + d->insn.len;
        if (d->code != X86_CODE64)
            d->next_eip &= (d->code == X86_CODE32) ? 0xffffffffu : 0xffffu;
        if (log_enabled(d->log, LOG_IN_ASM))
            x86_disas_log(d->log->out ? d->log->out : stderr, bytes, d->insn.len, linear, d->code);
        return DECODE_LOWER;
    }
    tcg_gen_insn_start(d->s, linear, d->cs_base);
    if (r == X86_DECODE_TOO_LONG) {
        gen_exception(d, EXCP_GP);
        return DECODE_RAISED;
    }
    log_printf(d->log, LOG_UNIMP | LOG_GUEST_ERROR,
               "invalid opcode at %08" PRIx64 ": %02x %02x %02x %02x: #UD\n", linear, bytes[0],
               bytes[1], bytes[2], bytes[3]);
    gen_exception(d, EXCP_UD);
    return DECODE_RAISED;
}

static bool block_must_end(const DisasContext *d)
{
    /* Segment loads outside real mode can change the mode bits: stop after them. */
    const X86Insn *in = &d->insn;
    if (!(d->flags & HF_PE) || (d->flags & HF_VM))
        return false;
    for (int i = 0; i < 2; i++) {
        unsigned k = in->entry->opnd[i];
        if (k == OPND_Sw || sreg_opnd(k) >= 0)
            return i == 0;
    }
    return in->op == X86_OP_LSS || in->op == X86_OP_LDS || in->op == X86_OP_LES ||
           in->op == X86_OP_LFS || in->op == X86_OP_LGS;
}

/* Instructions that neither branch nor change what the block was translated for
 * (block_must_end's segment loads aside). */
static bool straight_line(const X86Insn *in)
{
    for (int i = 0; i < 2; i++) {
        unsigned k = in->entry->opnd[i];
        if (k == OPND_Sw || sreg_opnd(k) >= 0)
            return false;
    }
    switch (in->op) {
    case X86_OP_ADD:
    case X86_OP_OR:
    case X86_OP_ADC:
    case X86_OP_SBB:
    case X86_OP_AND:
    case X86_OP_SUB:
    case X86_OP_XOR:
    case X86_OP_CMP:
    case X86_OP_TEST:
    case X86_OP_INC:
    case X86_OP_DEC:
    case X86_OP_NOT:
    case X86_OP_NEG:
    case X86_OP_MUL:
    case X86_OP_IMUL:
    case X86_OP_ROL:
    case X86_OP_ROR:
    case X86_OP_SHL:
    case X86_OP_SHR:
    case X86_OP_SAR:
    case X86_OP_SHLD:
    case X86_OP_SHRD:
    case X86_OP_MOV:
    case X86_OP_MOVZX:
    case X86_OP_MOVSX:
    case X86_OP_MOVSXD:
    case X86_OP_LEA:
    case X86_OP_XCHG:
    case X86_OP_CBW:
    case X86_OP_CWD:
    case X86_OP_CMOVCC:
    case X86_OP_SETCC:
    case X86_OP_BSWAP:
    case X86_OP_PUSH:
    case X86_OP_POP:
    case X86_OP_NOP:
    case X86_OP_BT:
    case X86_OP_BSF:
    case X86_OP_BSR:
    case X86_OP_TZCNT:
    case X86_OP_LZCNT:
    case X86_OP_POPCNT: return true;
    default: return false;
    }
}

/* Most instructions looked at after a Jcc for a loop's bottom. */
#define LOOP_LOOKAHEAD_INSNS 24

bool x86_jcc_fall_through_loops(DisasContext *d)
{
    if (!d->block_loops || d->continued)
        return false;
    uint64_t eip = d->next_eip;
    for (unsigned n = 0; n < LOOP_LOOKAHEAD_INSNS; n++) {
        uint64_t linear = d->cs_base + eip;
        if (d->code != X86_CODE64)
            linear &= 0xffffffffu;
        if ((linear >> 12) != (d->tb_pc >> 12))
            return false; /* the block stays on its page */
        uint8_t bytes[16];
        size_t len = x86_fetch_code(d->env, linear, bytes, 15);
        X86Insn in;
        if (x86_decode(&in, d->code, eip, bytes, len) != X86_DECODE_OK || in.vex)
            return false;
        uint64_t next = eip + in.len;
        if (d->code != X86_CODE64)
            next &= d->code == X86_CODE32 ? 0xffffffffu : 0xffffu;
        if (in.op == X86_OP_JMP) {
            unsigned k = in.entry->opnd[0];
            uint64_t target = (next + in.imm) & eip_mask(d, in.opsize);
            return (k == OPND_Jb || k == OPND_Jz) && d->cs_base + target == d->tb_pc;
        }
        if (!straight_line(&in) || (in.rep && (in.entry->flags & X86F_STRING)))
            return false;
        eip = next;
    }
    return false;
}

/* ---- interrupt shadow ----
 *
 * STI, MOV SS and POP SS (their helpers set env->inhibit_irq) hold off maskable
 * interrupts until the instruction after them has completed (SDM Vol 2B STI, MOV;
 * SDM 3A §6.8.3); MOV SS and POP SS hold off debug traps too. The lowering of such an
 * instruction marks it (gen_mark_shadow) and the block ends right after it, through a
 * lookup rather than a chained goto_tb, so that the next block is found by a key that
 * says the shadow is open (HF_INHIBIT, from x86_get_tb_key). So the shadowed
 * instruction is always the first of a block translated with HF_INHIBIT, and only such
 * a block's first instruction, once its insn_start has passed (an exit request seen
 * there leaves the shadow in place: rIP is still on that instruction), records whether
 * the shadow was open and closes it. If it was, the block returns to the vCPU loop
 * right after that instruction, where a pending interrupt is taken. Other blocks never
 * touch the shadow: every block but these would otherwise pay a load, a store and a
 * branch at its start. */

static TCGv gen_close_shadow(DisasContext *d)
{
    TCGv was = tmp(d);
    tcg_gen_ld(d->s, INDEX_op_ld8u, was, d->s->env, offsetof(CPUX86State, inhibit_irq));
    tcg_gen_st(d->s, INDEX_op_st8, cst(d, 0), d->s->env, offsetof(CPUX86State, inhibit_irq));
    return was;
}

static void gen_exit_if_shadowed(DisasContext *d, TCGv was_inhibited)
{
    TCGLabel cont = tcg_label_new(d->s);
    tcg_gen_brcondi(d->s, TCG_COND_EQ, was_inhibited, 0, cont);
    tcg_gen_movi(d->s, gv(G_RIP), (int64_t)d->eip);
    tcg_gen_exit_tb(d->s, TB_EXIT_NOCHAIN);
    tcg_gen_set_label(d->s, cont);
}

/* ---- hardware breakpoints ---- */

X86_DEBUG_HELPERS(X86_DEFINE_HELPER_INFO)

#define DR6_BS (1u << 14) /* SDM 3A §18.2.3 */

/* Makes a fault raised now restart at linear (before any insn_start of the block ran,
 * or, for a trap, at the next instruction). */
static void restart_at(X86CPU *cpu, uint64_t linear, uint64_t cs_base)
{
    memset(cpu->exec.insn_data, 0, sizeof(cpu->exec.insn_data));
    cpu->exec.insn_data[0] = linear;
    cpu->exec.insn_data[1] = cs_base;
}

/* Drops the block starting at linear (the one running), found as the vCPU loop finds
 * blocks: by the physical address the TLB gives for the fetch. rIP is that of the
 * block's start (a chained block is entered with rIP not updated yet). */
static bool drop_block(CPUX86State *env, uint64_t linear)
{
    X86CPU *cpu = env_cpu(env);
    uint64_t phys;
    if (!cpu->tb_cache)
        return false;
    env->rip = linear - env->segs[R_CS].base;
    if (!(env->hflags & HF_CS64))
        env->rip &= 0xffffffffu;
    x86_get_phys_code(env, linear, &phys);
    return tb_cache_invalidate_range(cpu->tb_cache, phys, 1) > 0;
}

void helper_debug_block_start(CPUX86State *env, uint64_t linear, uint64_t key)
{
    X86CPU *cpu = env_cpu(env);
    if (key != x86_debug_insn_key(env) && drop_block(env, linear)) {
        /* Translated for other breakpoints: leave at the first insn_start (exit
         * request), so that the vCPU loop translates the block again. */
        atomic_store(&cpu->exec.exit_request, 1);
        return;
    }
    /* SDM 3A §18.3.1.1: RF set lets the instruction run without its breakpoint; the
     * flag is cleared as the instruction begins (it holds for one instruction). */
    if (env->eflags & RF_MASK) {
        env->eflags &= ~(uint64_t)RF_MASK;
        return;
    }
    unsigned hits = x86_debug_insn_hits(env, linear);
    if (!hits)
        return;
    env->dr[6] |= hits;
    restart_at(cpu, linear, env->segs[R_CS].base);
    x86_raise_exception(env, EXCP_DB);
}

_Noreturn void helper_debug_watch_trap(CPUX86State *env, uint64_t single_step)
{
    X86CPU *cpu = env_cpu(env);
    /* A gdb watchpoint: the vCPU loop stops the machine for gdb; the guest's own DR6
     * is left alone. */
    if (cpu->tlb.debug_hits & X86_DEBUG_HIT_GDB) {
        cpu->tlb.debug_hits = 0;
        restart_at(cpu, env->segs[R_CS].base + env->rip, env->segs[R_CS].base);
        x86_raise_exception(env, EXCP_DEBUG_WATCH);
    }
    env->dr[6] |= cpu->tlb.debug_hits | (single_step ? DR6_BS : 0);
    cpu->tlb.debug_hits = 0;
    restart_at(cpu, env->segs[R_CS].base + env->rip, env->segs[R_CS].base);
    x86_raise_exception(env, EXCP_DB);
}

/* ---- gdb breakpoints (system/debug.h) ----
 *
 * Checked at translation, so the guest's memory is never written: an instruction at a
 * breakpoint starts its own block, which leaves for the vCPU loop with EXCP_DEBUG
 * before the instruction (rIP on it). The stub flushes the translations whenever the
 * breakpoints change. A single-step block (X86_CF_GDB_STEP) runs its instruction even
 * at a breakpoint: gdb steps off one that way. */
static bool gdb_breakpoint_at(DisasContext *d, uint64_t linear, uint32_t cflags)
{
    const X86CPU *cpu = env_cpu(d->env);
    const MachineDebug *dbg = cpu->machine ? cpu->machine->debug : NULL;
    return dbg && dbg->nbreakpoints && !(cflags & X86_CF_GDB_STEP) &&
           machine_debug_breakpoint_at(dbg, linear);
}

/* Every lowering file's table; later rows win, so a file may override an op. */
static const X86Lowering *const lowering_tables[] = {
    x86_lowerings_int, x86_lowerings_bits, x86_lowerings_sys, x86_lowerings_fpu, x86_lowerings_sse,
};

struct X86Translator {
    TCGContext s;
    LowerFn lowerers[NB_X86_OPS];
    bool no_block_loops; /* x86_translator_no_block_loops */
};

void x86_translator_no_block_loops(X86Translator *t)
{
    t->no_block_loops = true;
}

X86Translator *x86_translator_new(void)
{
    X86Translator *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    tcg_context_init(&t->s);
    init_globals(&t->s);
    for (size_t i = 0; i < sizeof(lowering_tables) / sizeof(lowering_tables[0]); i++)
        for (const X86Lowering *row = lowering_tables[i]; row->fn; row++)
            t->lowerers[row->op] = row->fn;
    return t;
}

void x86_translator_free(X86Translator *t)
{
    if (!t)
        return;
    tcg_context_destroy(&t->s);
    free(t);
}

TranslationBlock *x86_translate_block(X86Translator *t, CPUX86State *env, uint32_t cflags,
                                      const Log *log)
{
    TCGContext *s = &t->s;
    DisasContext d = {0};
    uint64_t pc, cs_base;
    uint32_t flags;
    x86_get_tb_key(env, &pc, &cs_base, &flags);
    d.s = s;
    d.env = env;
    d.log = log;
    d.cs_base = cs_base;
    d.tb_pc = pc;
    d.flags = flags;
    d.code = code_size_of(flags);
    d.mmu_idx = x86_mmu_index(flags);
    d.eip = env->rip;
    d.single_step = (flags & HF_TF) != 0;
    d.cc_op_static = CC_OP_DYNAMIC; /* whatever the previous block left */

    uint64_t phys_pc, phys_last = 0;
    x86_get_phys_code(env, pc, &phys_pc);
    unsigned max_insns = (cflags & 0xffff) ? (cflags & 0xffff) : MAX_INSNS_PER_TB;
    unsigned icount = 0;
    uint64_t last_linear = pc;

    tcg_func_start(s);
    /* A block that jumps back to its own start (a tight loop) loops inside its code, so
     * that the backend can keep the loop's guest registers in host registers. Not when
     * the block must end after each pass: a count-limited block, single-step or
     * breakpoint traps, the end of an interrupt shadow (the next pass has another key),
     * a runner that counts blocks (x86_translator_no_block_loops). */
    d.block_loops = cflags == 0 && !t->no_block_loops &&
                    !(flags & (HF_INHIBIT | HF_TF | HF_DBG_INSN | HF_DBG_DATA));
    if (d.block_loops) {
        d.block_top = tcg_label_new(s);
        tcg_gen_set_label(s, d.block_top);
    }
    if (flags & HF_DBG_INSN)
        CALL(&d, debug_block_start, s->env, cst(&d, (int64_t)pc),
             cst(&d, (int64_t)x86_debug_insn_key(env)));
    TCGv was_inhibited = TCG_NO_RET;
    for (;;) {
        uint64_t linear = (d.cs_base + d.eip) & (d.code == X86_CODE64 ? ~0ull : 0xffffffffu);
        /* An instruction at an instruction breakpoint starts its own block. */
        if (icount > 0 && (flags & HF_DBG_INSN) && x86_debug_insn_hits(env, linear)) {
            gen_jmp_eip(&d, d.eip, 0);
            break;
        }
        if (gdb_breakpoint_at(&d, linear, cflags)) {
            if (icount > 0) {
                gen_jmp_eip(&d, d.eip, 0);
                break;
            }
            tcg_gen_insn_start(s, linear, d.cs_base);
            gen_exception(&d, EXCP_DEBUG);
            icount++;
            last_linear = linear;
            break;
        }
        d.watch_checked = false;
        DecodeOutcome outcome = decode_one(&d, icount == 0);
        if (outcome == DECODE_NEXT_BLOCK) {
            gen_jmp_eip(&d, d.eip, 0);
            break;
        }
        if (outcome == DECODE_RAISED) {
            icount++;
            last_linear = linear;
            break;
        }
        last_linear = linear + d.insn.len - 1;
        icount++;
        d.sets_shadow = false;
        d.shadow_blocks_trap = false;
        unsigned labels_before = s->nb_labels, neutral_before = d.cc_neutral_labels;
        bool rep_string = (d.insn.entry->flags & X86F_STRING) && d.insn.rep;
        if (rep_string) {
            /* lower_string merges the flags of its ways (gen_cc_merge) */
            d.rep_top = gen_cc_neutral_label(&d);
            tcg_gen_set_label(s, d.rep_top);
        }
        tcg_gen_insn_start(s, linear, d.cs_base);
        if (icount == 1 && (flags & HF_INHIBIT))
            was_inhibited = gen_close_shadow(&d);
        if (flags & HF_DBG_DATA) {
            if (rep_string) /* the iteration before this one hit */
                gen_debug_watch_check(&d, true, d.eip, false);
            gen_debug_watch_clear(&d);
        }
        LowerFn fn = d.insn.op < NB_X86_OPS ? t->lowerers[d.insn.op] : NULL;
        if (!fn) {
            log_printf(log, LOG_UNIMP, "unimplemented instruction %s at %08" PRIx64 ": #UD\n",
                       x86_op_name(d.insn.op), linear);
            gen_exception(&d, EXCP_UD);
            break;
        }
        fn(&d);
        if (d.end)
            break;
        /* An instruction with branches inside may set the flags on one path only:
         * unless its labels say otherwise (gen_cc_neutral_label), what cc_op holds is
         * known at run time. */
        if (s->nb_labels - labels_before != d.cc_neutral_labels - neutral_before)
            d.cc_op_static = CC_OP_DYNAMIC;
        if (flags & HF_DBG_DATA) {
            gen_debug_watch_check(&d, true, d.next_eip, d.single_step && !d.shadow_blocks_trap);
            d.watch_checked = true;
        }
        d.eip = d.next_eip;
        if (block_must_end(&d)) {
            tcg_gen_movi(s, gv(G_RIP), (int64_t)d.eip);
            gen_exit_dynamic(&d);
            break;
        }
        /* Single-step: one instruction per block, the trap at its exit. Shadow: the
         * next instruction starts the next block (see gen_close_shadow). */
        if (d.sets_shadow) {
            tcg_gen_movi(s, gv(G_RIP), (int64_t)d.eip);
            gen_exit_dynamic(&d);
            break;
        }
        if (d.single_step) {
            gen_jmp_eip(&d, d.eip, 0);
            break;
        }
        if (icount == 1 && (flags & HF_INHIBIT))
            gen_exit_if_shadowed(&d, was_inhibited);
        uint64_t next_linear = d.cs_base + d.eip;
        /* Stop at a page boundary (a block spans at most two pages: the last
         * instruction may cross), at the instruction budget, or when the IR buffer is
         * nearly full. */
        if ((next_linear >> 12) != (pc >> 12) || icount >= max_insns || tcg_op_buf_full(s, 512)) {
            gen_jmp_eip(&d, d.eip, 0);
            break;
        }
    }
    if (d.continued) {
        /* The taken way of the Jcc whose fall-through the block kept. */
        tcg_gen_set_label(s, d.jcc_exit);
        gen_jmp_eip(&d, d.jcc_exit_eip, 0);
    }
    if (log_enabled(log, LOG_OP)) {
        fprintf(log->out ? log->out : stderr, "OP: block %08" PRIx64 "\n", pc);
        tcg_dump_ops(s, log->out ? log->out : stderr);
    }
    tcg_optimize(s);
    if (log_enabled(log, LOG_OP_OPT)) {
        fprintf(log->out ? log->out : stderr, "OP after optimization: block %08" PRIx64 "\n", pc);
        tcg_dump_ops(s, log->out ? log->out : stderr);
    }
    TranslationBlock *tb = tb_new_from_context(s, pc, cs_base, flags, cflags, phys_pc);
    /* The native backend compiles the block next, on this thread, from s's arrays. */
    s->ir_tb = tb;
    if (env->cpu)
        env->cpu->exec.builder = s;
    tb->icount = icount;
    tb->size = (uint32_t)(last_linear - pc + 1);
    tb->phys_page2 = (uint64_t)-1;
    if ((last_linear >> 12) != (pc >> 12)) {
        x86_get_phys_code(env, last_linear & ~0xfffull, &phys_last);
        tb->phys_page2 = phys_last;
    }
    return tb;
}
