/* Tests of the native x86-64 backend (tcg/x86_64): every block is run by the IR
 * interpreter (the reference) and by the native backend from the same state, and the
 * two must agree on everything: the exit value, env (globals, host memory, guest
 * memory, TLB), insn_data and exit_request.
 *
 * Directed tests cover each op on interesting values, the exits (exit_tb, goto_tb
 * chaining, exit requests, faults in helpers and guest accesses), overlapping globals,
 * register pressure, flushing a full code buffer, several threads, and -d out_asm. A
 * randomized differential test builds random blocks (like the optimizer's test in
 * test-tcg.c) under several backend configurations: with and without BMI, with and
 * without the inline TLB fast path, with a tiny code buffer.
 *
 * Options (before the GTest ones):
 *   --seed=N       first seed of the random test (default 1)
 *   --count=N      random blocks per configuration (default 2500)
 *   --seconds=S    instead of a count, run random blocks for S seconds (long runs)
 *   --bench        only measure interpreter/native speed on a few IR-heavy blocks */
#include <glib.h>
#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcg/tb.h"
#include "tcg/tcg.h"
#include "tcg/x86_64/native.h"

/* ==== The fake guest ==== */

#define MEM_SIZE    512u
#define PAGE_BITS   6 /* 64-byte guest pages: accesses cross pages often */
#define PAGE_SIZE   (1u << PAGE_BITS)
#define TLB_BITS    2
#define TLB_ENTRIES (1u << TLB_BITS)
#define MMU_COUNT   2         /* MMU index 2 has no TLB: always the slow path */
#define FAULT_ADDR  0xf00dull /* an access touching this address's page faults */
#define EXIT_FAULT  4u        /* run_one's code for a block left through a fault */

typedef struct FakeTLBEntry {
    uint64_t tag_read, tag_write, tag_code, addend;
} FakeTLBEntry;

typedef struct FakeEnv {
    uint64_t r[8]; /* 64-bit globals r0..r7 */
    uint32_t w[4]; /* 32-bit globals w0..w3 */
    uint64_t scratch[2];
    uint64_t helper_calls;
    uint64_t helper_seen; /* what helpers saw of insn_data */
    TCGExecState *es;
    sigjmp_buf *fault_jmp;
    FakeTLBEntry tlb[MMU_COUNT][TLB_ENTRIES];
    uint8_t mem[MEM_SIZE];
} FakeEnv;

/* Guest address -> byte of mem: the space repeats every MEM_SIZE bytes, so any 64-bit
 * address works; a page never straddles the repetition. */
static uint8_t *guest_byte(FakeEnv *e, uint64_t addr)
{
    return &e->mem[addr % MEM_SIZE];
}

static bool page_faults(uint64_t addr)
{
    return (addr >> PAGE_BITS) == (FAULT_ADDR >> PAGE_BITS);
}

/* The slow path fills the TLB as a guest MMU would: pages whose number is a multiple of
 * 3 are "MMIO" (never entered), multiples of 5 hold "code" (no write tag). */
static void tlb_fill(FakeEnv *e, uint64_t addr, unsigned mmu_idx)
{
    uint64_t page = addr & ~(uint64_t)(PAGE_SIZE - 1), pageno = addr >> PAGE_BITS;
    if (mmu_idx >= MMU_COUNT || page_faults(addr) || pageno % 3 == 0) {
        return;
    }
    FakeTLBEntry *t = &e->tlb[mmu_idx][pageno % TLB_ENTRIES];
    t->tag_read = page | (PAGE_SIZE - 1);
    t->tag_write = pageno % 5 == 0 ? 0 : page | (PAGE_SIZE - 1);
    t->tag_code = 0;
    t->addend = (uint64_t)(uintptr_t)guest_byte(e, page) - page;
}

static void check_fault(FakeEnv *e, uint64_t addr, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        if (page_faults(addr + i)) {
            siglongjmp(*e->fault_jmp, 1);
        }
    }
}

static uint64_t fake_load(void *env, uint64_t addr, MemOp mop, unsigned mmu_idx)
{
    FakeEnv *e = env;
    unsigned size = 1u << (mop & MO_SIZE);
    check_fault(e, addr, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)*guest_byte(e, addr + i) << (8 * i);
    }
    tlb_fill(e, addr, mmu_idx);
    /* Garbage above the access size: nobody may trust the upper bits. */
    if (size < 8) {
        v |= UINT64_C(0xa5a5a5a5a5a5a5a5) << (size * 8);
    }
    return v;
}

static void fake_store(void *env, uint64_t addr, uint64_t val, MemOp mop, unsigned mmu_idx)
{
    FakeEnv *e = env;
    unsigned size = 1u << (mop & MO_SIZE);
    check_fault(e, addr, size);
    g_assert_cmphex(val >> (size * 8 - 1) >> 1, ==, 0); /* reduced to the access size */
    for (unsigned i = 0; i < size; i++) {
        *guest_byte(e, addr + i) = (uint8_t)(val >> (8 * i));
    }
    tlb_fill(e, addr, mmu_idx);
    /* A store into a page holding "code" stops the block at the next instruction
     * boundary, as self-modifying code does (cpu/x86/mmu.c). */
    if (((addr >> PAGE_BITS) % 5 == 0 || ((addr + size - 1) >> PAGE_BITS) % 5 == 0) && e->es) {
        atomic_store(&e->es->exit_request, 1);
    }
}

static const TCGNativeTLB fake_tlb = {
    .table_offset = offsetof(FakeEnv, tlb),
    .mmu_stride = sizeof(FakeTLBEntry) * TLB_ENTRIES,
    .mmu_count = MMU_COUNT,
    .index_bits = TLB_BITS,
    .page_bits = PAGE_BITS,
    .entry_bits = 5,
    .read_tag = offsetof(FakeTLBEntry, tag_read),
    .write_tag = offsetof(FakeTLBEntry, tag_write),
    .addend = offsetof(FakeTLBEntry, addend),
    .fast_bits = PAGE_SIZE - 1,
};

/* ==== Helpers ==== */

static uint64_t helper_mix6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t g)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * g;
}

static uint64_t helper_ret32(uint64_t a)
{
    return UINT64_C(0xdead000000000000) | (uint32_t)(a + 1);
}

static void helper_bump(FakeEnv *env, uint64_t v)
{
    env->helper_calls++;
    env->r[4] = env->r[4] * 3 + v + env->r[5];
    env->w[2] ^= (uint32_t)v;
}

static uint64_t helper_read_r3(FakeEnv *env, uint64_t v)
{
    return env->r[3] ^ v ^ env->w[1];
}

static uint64_t helper_maybe_fault(FakeEnv *env, uint64_t v)
{
    if (v == FAULT_ADDR || (v & 0xff) == 0x42) {
        siglongjmp(*env->fault_jmp, 1);
    }
    return v * 5;
}

static void helper_request_exit(FakeEnv *env)
{
    atomic_store(&env->es->exit_request, 1);
}

/* Writes a global without reading any. */
static void helper_write_r2(FakeEnv *env, uint64_t v)
{
    env->r[2] = v ^ 0x5555;
}

/* Sees the restart point, and moves it now and then (as x86_set_restart_point). */
static uint64_t helper_insn(FakeEnv *env, uint64_t v)
{
    env->helper_seen = env->helper_seen * 31 + env->es->insn_data[0] + env->es->insn_data[1];
    if ((v & 7) == 3) {
        env->es->insn_data[0] = v;
    }
    return env->helper_seen;
}

#define PURE (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE)
static const TCGHelperInfo info_mix6 = {
    (void (*)(void))helper_mix6, "mix6", PURE | TCG_CALL_NO_SIDE_EFFECTS, 6, true, TCG_TYPE_I64};
static const TCGHelperInfo info_ret32 = {
    (void (*)(void))helper_ret32, "ret32", PURE | TCG_CALL_NO_SIDE_EFFECTS, 1, true, TCG_TYPE_I32};
static const TCGHelperInfo info_bump = {(void (*)(void))helper_bump, "bump", 0, 2, false, 0};
static const TCGHelperInfo info_read_r3 = {(void (*)(void))helper_read_r3,
                                           "read_r3",
                                           TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE,
                                           2,
                                           true,
                                           TCG_TYPE_I64};
static const TCGHelperInfo info_maybe_fault = {(void (*)(void))helper_maybe_fault,
                                               "maybe_fault",
                                               TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
                                               2,
                                               true,
                                               TCG_TYPE_I64};
static const TCGHelperInfo info_request_exit = {
    (void (*)(void))helper_request_exit, "request_exit", PURE, 1, false, 0};
static const TCGHelperInfo info_write_r2 = {(void (*)(void))helper_write_r2,
                                            "write_r2",
                                            TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_RAISE,
                                            2,
                                            false,
                                            0};
static const TCGHelperInfo info_insn = {
    (void (*)(void))helper_insn, "insn", PURE, 2, true, TCG_TYPE_I64};

/* ==== Fixture: building blocks, running them both ways ==== */

typedef enum NativeKind {
    NK_DEFAULT,
    NK_BASELINE,
    NK_TLB,
    NK_TLB_BASELINE,
    NK_SMALL,
    NK_COUNT
} NativeKind;

static const char *const native_kind_names[NK_COUNT] = {"bmi", "baseline", "tlb", "tlb-baseline",
                                                        "small-buffer"};

typedef struct Fixture {
    TCGContext s;
    TCGv r[8], w[4];
    TCGv r7lo, r7mid; /* globals overlapping r7 (and w0) when made with aliases */
    FakeEnv env;
    TCGExecState es;
    sigjmp_buf fault_jmp;
    TCGNative *native;
    NativeKind kind;
    bool with_alias;
    unsigned slow_calls; /* guest accesses that reached the callbacks */
    uint64_t next_pc;
    GPtrArray *tbs; /* TBs run since the last flush: freed together */
} Fixture;

/* The callbacks, counting calls in the fixture around es. */
static Fixture *fixture_of(FakeEnv *e)
{
    return (Fixture *)(void *)((char *)e->es - offsetof(Fixture, es));
}

static uint64_t counted_load(void *env, uint64_t addr, MemOp mop, unsigned mmu_idx)
{
    fixture_of(env)->slow_calls++;
    return fake_load(env, addr, mop, mmu_idx);
}

static void counted_store(void *env, uint64_t addr, uint64_t val, MemOp mop, unsigned mmu_idx)
{
    fixture_of(env)->slow_calls++;
    fake_store(env, addr, val, mop, mmu_idx);
}

static const TCGGuestMemOps fake_mem_ops = {counted_load, counted_store};

static TCGNative *native_new(NativeKind kind)
{
    TCGNativeConfig cfg = {0};
    cfg.baseline_only = kind == NK_BASELINE || kind == NK_TLB_BASELINE;
    cfg.tlb = kind == NK_TLB || kind == NK_TLB_BASELINE ? &fake_tlb : NULL;
    cfg.code_size = kind == NK_SMALL ? 64 * 1024 : 8 << 20;
    TCGNative *n = tcg_native_new(&cfg);
    g_assert_nonnull(n);
    return n;
}

static const char *const r_names[8] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"};
static const char *const w_names[4] = {"w0", "w1", "w2", "w3"};

static Fixture *fixture_new(NativeKind kind, bool with_alias)
{
    Fixture *f = g_new0(Fixture, 1);
    tcg_context_init(&f->s);
    for (int i = 0; i < 8; i++) {
        f->r[i] = tcg_global_mem_new(&f->s, TCG_TYPE_I64, offsetof(FakeEnv, r[i]), r_names[i]);
    }
    for (int i = 0; i < 4; i++) {
        f->w[i] = tcg_global_mem_new(&f->s, TCG_TYPE_I32, offsetof(FakeEnv, w[i]), w_names[i]);
    }
    f->r7lo = f->r7mid = f->r[7];
    if (with_alias) {
        f->r7lo = tcg_global_mem_new(&f->s, TCG_TYPE_I32, offsetof(FakeEnv, r[7]), "r7lo");
        f->r7mid = tcg_global_mem_new(&f->s, TCG_TYPE_I64, offsetof(FakeEnv, r[7]) + 4, "r7mid");
    }
    f->es.env = &f->env;
    f->es.mem = &fake_mem_ops;
    f->env.es = &f->es;
    f->env.fault_jmp = &f->fault_jmp;
    f->native = native_new(kind);
    f->kind = kind;
    f->with_alias = with_alias;
    f->next_pc = 0x1000;
    f->tbs = g_ptr_array_new();
    return f;
}

/* Drops every TB, after telling the backend (TB memory is reused). */
static void fixture_free_tbs(Fixture *f)
{
    tcg_native_flush(f->native);
    for (guint i = 0; i < f->tbs->len; i++) {
        tb_free(g_ptr_array_index(f->tbs, i));
    }
    g_ptr_array_set_size(f->tbs, 0);
}

static void fixture_free(Fixture *f)
{
    tcg_native_forget_vcpu(f->native, &f->es);
    fixture_free_tbs(f);
    g_ptr_array_free(f->tbs, true);
    tcg_native_free(f->native);
    tcg_context_destroy(&f->s);
    g_free(f);
}

/* The context's block as a TB of its own (each with its own pc). */
static TranslationBlock *fixture_tb(Fixture *f)
{
    uint64_t pc = f->next_pc;
    f->next_pc += 16;
    TranslationBlock *tb = tb_new_from_context(&f->s, pc, 0, 0, 0, pc);
    g_ptr_array_add(f->tbs, tb);
    return tb;
}

/* Runs tb with the interpreter or the native backend: the exit reason, EXIT_FAULT, or
 * (for a block that went on into a linked one) the TB's exit ORed with 8. */
static unsigned run_one(Fixture *f, TranslationBlock *tb, bool native)
{
    TranslationBlock *volatile t = tb;
    if (sigsetjmp(f->fault_jmp, 0)) {
        if (native) {
            tcg_native_left_by_fault(f->native, &f->es);
        }
        return EXIT_FAULT;
    }
    uintptr_t ret = native ? tcg_native_run(f->native, &f->es, t) : tcg_interp_exec(&f->es, t);
    TranslationBlock *ret_tb = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
    return (unsigned)(ret & TB_EXIT_MASK) | (ret_tb == t ? 0 : 8);
}

typedef struct RunState {
    FakeEnv env;
    uint64_t insn_data[TCG_INSN_START_WORDS];
    int exit_request;
} RunState;

static void state_save(const Fixture *f, RunState *st)
{
    st->env = f->env;
    memcpy(st->insn_data, f->es.insn_data, sizeof(st->insn_data));
    st->exit_request = atomic_load(&f->es.exit_request);
}

static void state_load(Fixture *f, const RunState *st)
{
    f->env = st->env;
    memcpy(f->es.insn_data, st->insn_data, sizeof(st->insn_data));
    atomic_store(&f->es.exit_request, st->exit_request);
}

/* What differs between two end states, or NULL. */
static char *state_diff(const RunState *a, const RunState *b)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 8; i++) {
        if (a->env.r[i] != b->env.r[i]) {
            g_string_append_printf(s, " r%d %#llx/%#llx", i, (unsigned long long)a->env.r[i],
                                   (unsigned long long)b->env.r[i]);
        }
    }
    for (int i = 0; i < 4; i++) {
        if (a->env.w[i] != b->env.w[i]) {
            g_string_append_printf(s, " w%d %#x/%#x", i, a->env.w[i], b->env.w[i]);
        }
    }
    if (memcmp(a->env.scratch, b->env.scratch, sizeof(a->env.scratch))) {
        g_string_append(s, " scratch");
    }
    if (a->env.helper_calls != b->env.helper_calls || a->env.helper_seen != b->env.helper_seen) {
        g_string_append(s, " helper-state");
    }
    if (memcmp(a->env.tlb, b->env.tlb, sizeof(a->env.tlb))) {
        g_string_append(s, " tlb");
    }
    if (memcmp(a->env.mem, b->env.mem, sizeof(a->env.mem))) {
        g_string_append(s, " guest-mem");
    }
    if (memcmp(a->insn_data, b->insn_data, sizeof(a->insn_data))) {
        g_string_append_printf(
            s, " insn_data %#llx,%#llx/%#llx,%#llx", (unsigned long long)a->insn_data[0],
            (unsigned long long)a->insn_data[1], (unsigned long long)b->insn_data[0],
            (unsigned long long)b->insn_data[1]);
    }
    if (a->exit_request != b->exit_request) {
        g_string_append(s, " exit_request");
    }
    if (s->len == 0 && memcmp(&a->env, &b->env, sizeof(a->env))) {
        g_string_append(s, " env");
    }
    return g_string_free(s, s->len == 0);
}

static void dump_block(Fixture *f, TranslationBlock *tb)
{
    fprintf(stderr, "---- IR\n");
    tcg_dump_ops(&f->s, stderr);
    fprintf(stderr, "---- host code\n");
    if (!tcg_native_dump_tb(f->native, tb, stderr)) {
        fprintf(stderr, "(none)\n");
    }
}

/* Runs tb both ways from the current state; they must agree. Leaves the end state in
 * f and returns the exit code. */
static unsigned run_pair_tb(Fixture *f, TranslationBlock *tb, const char *what)
{
    RunState start, interp, native;
    state_save(f, &start);
    unsigned code_interp = run_one(f, tb, false);
    state_save(f, &interp);
    state_load(f, &start);
    unsigned code_native = run_one(f, tb, true);
    state_save(f, &native);
    char *diff = state_diff(&interp, &native);
    if (diff || code_interp != code_native) {
        fprintf(stderr, "\n%s: interpreter/native mismatch: exit %u/%u;%s\n", what, code_interp,
                code_native, diff ? diff : "");
        dump_block(f, tb);
        g_free(diff);
        g_assert_not_reached();
    }
    return code_native;
}

typedef void (*BuildFn)(Fixture *f, const void *arg);

/* Builds a block, runs it both ways, and again after the optimizer. */
static unsigned run_pair(Fixture *f, BuildFn build, const void *arg)
{
    RunState start;
    state_save(f, &start);
    tcg_func_start(&f->s);
    build(f, arg);
    g_assert_false(f->s.overflow);
    run_pair_tb(f, fixture_tb(f), "plain");
    state_load(f, &start);
    tcg_func_start(&f->s);
    build(f, arg);
    tcg_optimize(&f->s);
    unsigned code = run_pair_tb(f, fixture_tb(f), "optimized");
    if (f->tbs->len > 512) {
        fixture_free_tbs(f);
    }
    return code;
}

/* clang-format off */
static const uint64_t interesting[] = {
    0, 1, 2, 7, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x123456789abcdef0ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
};
/* clang-format on */
#define N_INTERESTING G_N_ELEMENTS(interesting)

/* ==== Directed: each op ==== */

typedef struct OpCase {
    TCGOpcode opc;
    TCGType type;
    int consts; /* bit 0: a constant, bit 1: b constant */
    bool same;  /* b is a */
    uint64_t a, b;
} OpCase;

static TCGv op_input(Fixture *f, const OpCase *c, int which)
{
    bool is32 = c->type == TCG_TYPE_I32;
    if (c->consts & (1 << which)) {
        return tcg_const(&f->s, c->type, (int64_t)(which ? c->b : c->a));
    }
    return is32 ? f->w[1 + which] : f->r[1 + which];
}

static void build_binop(Fixture *f, const void *arg)
{
    const OpCase *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv a = op_input(f, c, 0), b = c->same ? a : op_input(f, c, 1);
    tcg_gen_op3(&f->s, c->opc, is32 ? f->w[0] : f->r[0], a, b);
    /* The same op into a local, then the local out: another register assignment. */
    TCGv t = tcg_temp_new(&f->s, c->type);
    tcg_gen_op3(&f->s, c->opc, t, b, a);
    tcg_gen_op3(&f->s, c->opc, t, t, b);
    tcg_gen_mov(&f->s, is32 ? f->w[3] : f->r[3], t);
    /* In place on a global. */
    tcg_gen_op3(&f->s, c->opc, is32 ? f->w[1] : f->r[1], is32 ? f->w[1] : f->r[1], b);
}

static void set_inputs(Fixture *f, uint64_t a, uint64_t b)
{
    memset(&f->env.r, 0, sizeof(f->env.r));
    memset(&f->env.w, 0, sizeof(f->env.w));
    f->env.r[1] = a;
    f->env.r[2] = b;
    f->env.w[1] = (uint32_t)a;
    f->env.w[2] = (uint32_t)b;
}

static void test_binops(void)
{
    static const TCGOpcode ops[] = {INDEX_op_add, INDEX_op_sub, INDEX_op_mul,  INDEX_op_and,
                                    INDEX_op_or,  INDEX_op_xor, INDEX_op_andc, INDEX_op_shl,
                                    INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr};
    for (NativeKind k = NK_DEFAULT; k <= NK_BASELINE; k++) {
        Fixture *f = fixture_new(k, false);
        for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
            for (size_t i = 0; i < N_INTERESTING; i++) {
                for (size_t j = 0; j < N_INTERESTING; j += 2) {
                    for (int consts = 0; consts < 4; consts++) {
                        for (int t = 0; t < 2; t++) {
                            OpCase c = {ops[o],         t ? TCG_TYPE_I64 : TCG_TYPE_I32,
                                        consts,         i == j && consts == 0,
                                        interesting[i], interesting[j]};
                            set_inputs(f, c.a, c.b);
                            run_pair(f, build_binop, &c);
                        }
                    }
                }
            }
        }
        fixture_free(f);
    }
}

typedef struct UnopCase {
    TCGOpcode opc;
    TCGType dtype, stype;
    bool constant;
    uint64_t a;
} UnopCase;

static void build_unop(Fixture *f, const void *arg)
{
    const UnopCase *c = arg;
    TCGv d = c->dtype == TCG_TYPE_I32 ? f->w[0] : f->r[0];
    TCGv a = c->stype == TCG_TYPE_I32 ? f->w[1] : f->r[1];
    if (c->constant) {
        a = tcg_const(&f->s, c->stype, (int64_t)c->a);
    }
    tcg_gen_op2(&f->s, c->opc, d, a);
    /* From a local that dies here (its register is reused). */
    TCGv t = tcg_temp_new(&f->s, c->stype);
    tcg_gen_mov(&f->s, t, a);
    tcg_gen_op2(&f->s, c->opc, c->dtype == TCG_TYPE_I32 ? f->w[3] : f->r[3], t);
}

static void test_unops(void)
{
    static const TCGOpcode same_type[] = {INDEX_op_neg,   INDEX_op_not,    INDEX_op_ext8s,
                                          INDEX_op_ext8u, INDEX_op_ext16s, INDEX_op_ext16u,
                                          INDEX_op_mov};
    static const struct {
        TCGOpcode opc;
        TCGType d, s;
    } conv[] = {{INDEX_op_ext32s, TCG_TYPE_I64, TCG_TYPE_I64},
                {INDEX_op_ext32u, TCG_TYPE_I64, TCG_TYPE_I64},
                {INDEX_op_extu_i32_i64, TCG_TYPE_I64, TCG_TYPE_I32},
                {INDEX_op_exts_i32_i64, TCG_TYPE_I64, TCG_TYPE_I32},
                {INDEX_op_extrl_i64_i32, TCG_TYPE_I32, TCG_TYPE_I64},
                {INDEX_op_extrh_i64_i32, TCG_TYPE_I32, TCG_TYPE_I64}};
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (size_t i = 0; i < N_INTERESTING; i++) {
        for (int constant = 0; constant < 2; constant++) {
            set_inputs(f, interesting[i], 0);
            for (size_t o = 0; o < G_N_ELEMENTS(same_type); o++) {
                for (int t = 0; t < 2; t++) {
                    TCGType type = t ? TCG_TYPE_I64 : TCG_TYPE_I32;
                    UnopCase c = {same_type[o], type, type, constant, interesting[i]};
                    run_pair(f, build_unop, &c);
                }
            }
            for (size_t o = 0; o < G_N_ELEMENTS(conv); o++) {
                UnopCase c = {conv[o].opc, conv[o].d, conv[o].s, constant, interesting[i]};
                run_pair(f, build_unop, &c);
            }
        }
    }
    fixture_free(f);
}

typedef struct FieldCase {
    TCGOpcode opc;
    TCGType type;
    unsigned pos, len;
    int consts;
} FieldCase;

static void build_field(Fixture *f, const void *arg)
{
    const FieldCase *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv d = is32 ? f->w[0] : f->r[0];
    TCGv a = is32 ? f->w[1] : f->r[1];
    TCGv b = is32 ? f->w[2] : f->r[2];
    if (c->consts & 1) {
        a = tcg_const(&f->s, c->type, is32 ? f->env.w[1] : (int64_t)f->env.r[1]);
    }
    if (c->consts & 2) {
        b = tcg_const(&f->s, c->type, is32 ? f->env.w[2] : (int64_t)f->env.r[2]);
    }
    if (c->opc == INDEX_op_deposit) {
        tcg_gen_deposit(&f->s, d, a, b, c->pos, c->len);
        tcg_gen_deposit(&f->s, is32 ? f->w[3] : f->r[3], b, b, c->pos, c->len);
    } else if (c->opc == INDEX_op_extract) {
        tcg_gen_extract(&f->s, d, a, c->pos, c->len);
    } else {
        tcg_gen_sextract(&f->s, d, a, c->pos, c->len);
    }
}

static void test_bitfields(void)
{
    static const TCGOpcode ops[] = {INDEX_op_deposit, INDEX_op_extract, INDEX_op_sextract};
    static const uint64_t vals[][2] = {{0x8badf00ddeadbeefull, 0xfedcba9876543210ull},
                                       {0, UINT64_MAX},
                                       {UINT64_MAX, 0x5555555555555555ull}};
    for (NativeKind k = NK_DEFAULT; k <= NK_BASELINE; k++) {
        Fixture *f = fixture_new(k, false);
        for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
            for (unsigned t = 0; t < 2; t++) {
                unsigned w = t ? 64 : 32;
                for (unsigned len = 1; len <= w; len++) {
                    for (unsigned pos = 0; pos + len <= w; pos += 1 + (len > 4) * 6) {
                        for (size_t v = 0; v < G_N_ELEMENTS(vals); v++) {
                            FieldCase c = {ops[o], t ? TCG_TYPE_I64 : TCG_TYPE_I32, pos, len,
                                           (int)((pos + len + v) % 4)};
                            set_inputs(f, vals[v][0], vals[v][1]);
                            run_pair(f, build_field, &c);
                        }
                    }
                }
            }
        }
        fixture_free(f);
    }
}

typedef struct CondCase {
    TCGCond cond;
    TCGType type;
    int kind; /* 0 setcond, 1 movcond, 2 brcond */
    int consts;
    bool same;
} CondCase;

static void build_cond(Fixture *f, const void *arg)
{
    const CondCase *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv d = is32 ? f->w[0] : f->r[0];
    TCGv a = is32 ? f->w[1] : f->r[1];
    TCGv b = c->same ? a : is32 ? f->w[2] : f->r[2];
    if (c->consts & 1) {
        a = tcg_const(&f->s, c->type, is32 ? f->env.w[1] : (int64_t)f->env.r[1]);
    }
    if (c->consts & 2) {
        b = tcg_const(&f->s, c->type, is32 ? f->env.w[2] : (int64_t)f->env.r[2]);
    }
    if (c->kind == 0) {
        tcg_gen_setcond(&f->s, c->cond, d, a, b);
    } else if (c->kind == 1) {
        TCGv v1 = tcg_const(&f->s, c->type, 111), v2 = is32 ? f->w[3] : f->r[3];
        tcg_gen_movcond(&f->s, c->cond, d, a, b, v1, v2);
        tcg_gen_movcond(&f->s, c->cond, v2, a, b, v2, a);
    } else {
        TCGLabel taken = tcg_label_new(&f->s);
        tcg_gen_movi(&f->s, d, 111);
        tcg_gen_brcond(&f->s, c->cond, a, b, taken);
        tcg_gen_movi(&f->s, d, 222);
        tcg_gen_set_label(&f->s, taken);
    }
}

static void test_conditions(void)
{
    /* clang-format off */
    static const uint64_t vals[] = {
        0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xffffffffffffffffull, 0x100000001ull, 0x80000001ull,
    };
    /* clang-format on */
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (TCGCond cond = TCG_COND_NEVER; cond <= TCG_COND_GTU; cond++) {
        for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
            for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
                for (int t = 0; t < 2; t++) {
                    for (int kind = 0; kind < 3; kind++) {
                        for (int consts = 0; consts < 4; consts++) {
                            CondCase c = {cond, t ? TCG_TYPE_I64 : TCG_TYPE_I32, kind, consts,
                                          i == j && consts == 0};
                            set_inputs(f, vals[i], vals[j]);
                            f->env.r[3] = f->env.w[3] = 333;
                            run_pair(f, build_cond, &c);
                        }
                    }
                }
            }
        }
    }
    fixture_free(f);
}

typedef struct Mul2Case {
    TCGOpcode opc;
    TCGType type;
    int consts;
} Mul2Case;

static void build_mul2(Fixture *f, const void *arg)
{
    const Mul2Case *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv lo = is32 ? f->w[0] : f->r[0], hi = is32 ? f->w[3] : f->r[3];
    TCGv a = is32 ? f->w[1] : f->r[1], b = is32 ? f->w[2] : f->r[2];
    if (c->consts & 1) {
        a = tcg_const(&f->s, c->type, is32 ? f->env.w[1] : (int64_t)f->env.r[1]);
    }
    if (c->consts & 2) {
        b = tcg_const(&f->s, c->type, is32 ? f->env.w[2] : (int64_t)f->env.r[2]);
    }
    TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
    tcg_emit(&f->s, c->opc, c->type, 4, args);
    /* Outputs over the inputs. */
    TCGArg args2[4] = {b.idx, a.idx, a.idx, b.idx};
    if (!(c->consts & 3)) {
        tcg_emit(&f->s, c->opc, c->type, 4, args2);
    }
}

static void test_mul2(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (size_t i = 0; i < N_INTERESTING; i++) {
        for (size_t j = 0; j < N_INTERESTING; j++) {
            for (int consts = 0; consts < 4; consts++) {
                for (int s = 0; s < 2; s++) {
                    for (int t = 0; t < 2; t++) {
                        Mul2Case c = {s ? INDEX_op_muls2 : INDEX_op_mulu2,
                                      t ? TCG_TYPE_I64 : TCG_TYPE_I32, consts};
                        set_inputs(f, interesting[i], interesting[j]);
                        run_pair(f, build_mul2, &c);
                    }
                }
            }
        }
    }
    fixture_free(f);
}

/* ==== Directed: memory ==== */

static void build_ld_st(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    intptr_t src = offsetof(FakeEnv, scratch[0]), dst = offsetof(FakeEnv, scratch[1]);
    static const TCGOpcode lds[] = {INDEX_op_ld8u,  INDEX_op_ld8s,  INDEX_op_ld16u, INDEX_op_ld16s,
                                    INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld};
    for (unsigned i = 0; i < G_N_ELEMENTS(lds); i++) {
        tcg_gen_ld(s, lds[i], f->r[i], s->env, src);
        tcg_gen_ld(s, lds[i], f->w[i % 4], s->env, src + (intptr_t)(i % 4));
    }
    tcg_gen_st(s, INDEX_op_st, f->r[6], s->env, dst);
    tcg_gen_st(s, INDEX_op_st32, f->r[0], s->env, dst);
    tcg_gen_st(s, INDEX_op_st16, f->r[3], s->env, dst + 4);
    tcg_gen_st(s, INDEX_op_st8, f->r[0], s->env, dst + 7);
    tcg_gen_st(s, INDEX_op_st, f->w[1], s->env, dst);
    /* Through globals' own bytes: the cached values must follow. */
    tcg_gen_addi(s, f->r[1], f->r[1], 5);
    tcg_gen_st(s, INDEX_op_st8, f->w[2], s->env, offsetof(FakeEnv, r[1]) + 1);
    tcg_gen_addi(s, f->r[1], f->r[1], 7);
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_ld(s, INDEX_op_ld16u, t, s->env, offsetof(FakeEnv, r[1]) + 1);
    tcg_gen_add(s, f->r[2], f->r[2], t);
    tcg_gen_movi(s, f->w[3], 0x12345678);
    tcg_gen_st(s, INDEX_op_st16, tcg_const(s, TCG_TYPE_I32, 0xabcd), s->env,
               offsetof(FakeEnv, w[3]) + 2);
    tcg_gen_addi(s, f->w[3], f->w[3], 1);
    /* Through a base that is not env (it is env, but the backend cannot know). */
    TCGv base = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_addi(s, base, s->env, offsetof(FakeEnv, r[4]));
    tcg_gen_movi(s, f->r[4], 77);
    tcg_gen_st(s, INDEX_op_st32, f->r[1], base, 4);
    tcg_gen_ld(s, INDEX_op_ld, f->r[5], base, 0);
    tcg_gen_addi(s, f->r[4], f->r[4], 1);
}

static void test_ld_st(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    f->env.scratch[0] = 0x89abcdeffedc8485ull;
    f->env.r[1] = 0x1122334455667788ull;
    run_pair(f, build_ld_st, NULL);
    g_assert_cmphex(f->env.r[0], ==, 0x85);
    g_assert_cmphex(f->env.r[6], ==, 0x89abcdeffedc8485ull);
    fixture_free(f);
}

typedef struct GuestMemCase {
    MemOp mop;
    TCGType type;
    uint64_t addr;
    unsigned mmu_idx;
} GuestMemCase;

static void build_guest_mem(Fixture *f, const void *arg)
{
    const GuestMemCase *c = arg;
    TCGContext *s = &f->s;
    TCGv d = c->type == TCG_TYPE_I32 ? f->w[0] : f->r[0];
    tcg_gen_insn_start(s, 0x500, 0);
    tcg_gen_movi(s, f->r[5], 99); /* dirty when the access may fault */
    tcg_gen_qemu_ld(s, d, f->r[1], c->mop, c->mmu_idx);
    tcg_gen_insn_start(s, 0x504, 0);
    TCGv addr2 = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_addi(s, addr2, f->r[1], 40);
    tcg_gen_qemu_st(s, d, addr2, c->mop, c->mmu_idx);
    tcg_gen_qemu_ld(s, f->r[6], addr2, MO_UQ, c->mmu_idx);
    TCGv addr32 = tcg_const(s, TCG_TYPE_I32, 32); /* 32-bit addresses work too */
    tcg_gen_qemu_st(s, f->r[2], addr32, c->mop & MO_SIZE, c->mmu_idx);
    tcg_gen_movi(s, f->r[5], 100);
}

static void test_guest_mem(NativeKind kind)
{
    static const MemOp mops[] = {MO_UB, MO_UW, MO_UL, MO_UQ, MO_SB, MO_SW, MO_SL};
    static const uint64_t addrs[] = {0,
                                     16,
                                     63,
                                     62,
                                     60,
                                     57,
                                     128,
                                     191,
                                     0x1234567890,
                                     FAULT_ADDR - 40,
                                     FAULT_ADDR,
                                     0xffffffffffffffc0ull};
    Fixture *f = fixture_new(kind, false);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < G_N_ELEMENTS(mops); i++) {
            for (size_t a = 0; a < G_N_ELEMENTS(addrs); a++) {
                for (unsigned mmu = 0; mmu <= MMU_COUNT; mmu++) {
                    for (int t = 0; t < 2; t++) {
                        TCGType type = t ? TCG_TYPE_I64 : TCG_TYPE_I32;
                        if (type == TCG_TYPE_I32 && (mops[i] & MO_SIZE) == MO_64) {
                            continue;
                        }
                        for (size_t b = 0; b < MEM_SIZE; b++) {
                            f->env.mem[b] = (uint8_t)(b * 37 + 11);
                        }
                        /* The first pass starts with an empty TLB, the second with the
                         * TLB the previous case left. */
                        if (pass == 0) {
                            memset(f->env.tlb, 0, sizeof(f->env.tlb));
                        }
                        set_inputs(f, addrs[a], 0xfedcba9876543210ull);
                        GuestMemCase c = {mops[i], type, addrs[a], mmu};
                        run_pair(f, build_guest_mem, &c);
                    }
                }
            }
        }
    }
    fixture_free(f);
}

static void test_guest_mem_calls(void)
{
    test_guest_mem(NK_DEFAULT);
}

static void test_guest_mem_tlb(void)
{
    test_guest_mem(NK_TLB);
    test_guest_mem(NK_TLB_BASELINE);
}

/* With the TLB, accesses to a filled page never reach the callbacks. */
static void build_tlb_hits(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    for (int i = 0; i < 4; i++) {
        tcg_gen_qemu_ld(s, f->r[0], f->r[1], MO_UL, 0);
        tcg_gen_add(s, f->r[2], f->r[2], f->r[0]);
        tcg_gen_qemu_st(s, f->r[2], f->r[1], MO_UW, 1);
    }
}

static void test_tlb_fast_path(void)
{
    Fixture *f = fixture_new(NK_TLB, false);
    set_inputs(f, 64 + 8, 0); /* page 1: RAM, writable */
    tcg_func_start(&f->s);
    build_tlb_hits(f, NULL);
    TranslationBlock *tb = fixture_tb(f);
    RunState start;
    state_save(f, &start);
    f->slow_calls = 0;
    run_one(f, tb, false);
    g_assert_cmpuint(f->slow_calls, ==, 8);
    state_load(f, &start);
    f->slow_calls = 0;
    run_pair_tb(f, tb, "tlb");
    /* The interpreter's run made 8 calls, the native one 2 (the first load and store
     * miss and fill); with the entries filled from the start, none. */
    f->slow_calls = 0;
    state_load(f, &start);
    run_one(f, tb, true);
    g_assert_cmpuint(f->slow_calls, ==, 2);
    f->slow_calls = 0;
    run_one(f, tb, true);
    g_assert_cmpuint(f->slow_calls, ==, 0);
    /* Page 3 is "MMIO": always the callbacks. Page 5 holds "code": stores call. */
    set_inputs(f, 3 * 64, 0);
    run_pair_tb(f, tb, "mmio");
    f->slow_calls = 0;
    run_one(f, tb, true);
    g_assert_cmpuint(f->slow_calls, ==, 8);
    set_inputs(f, 5 * 64, 0);
    run_one(f, tb, true);
    f->slow_calls = 0;
    run_one(f, tb, true);
    g_assert_cmpuint(f->slow_calls, ==, 4);
    fixture_free(f);
}

/* Accesses off r1 that share one TLB check (codegen-memshare.c), with one off r3 (never
 * written, as r1) between them that must not. */
static void build_shared_check(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv a = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_qemu_ld(s, f->r[0], f->r[1], MO_UL, 0);
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[4], a, MO_UQ, 0);
    tcg_gen_addi(s, a, f->r[1], 16);
    tcg_gen_qemu_st(s, f->r[2], a, MO_UW, 0);
    tcg_gen_qemu_ld(s, f->r[5], f->r[3], MO_UL, 0);
    tcg_gen_addi(s, a, f->r[1], 16);
    tcg_gen_qemu_ld(s, f->r[6], a, MO_SW, 0);
    tcg_gen_addi(s, a, f->r[1], 40);
    tcg_gen_qemu_ld(s, f->r[7], a, MO_UL, 0);
}

static void test_shared_tlb_check(void)
{
    /* Windows inside page 1, crossing into page 2, starting on "MMIO" page 3, crossing
     * from RAM into "code" page 5 (its store must call: exit_request), on page 5,
     * crossing out of it. (Every page of one MEM_SIZE repetition has the same addend
     * here: only a page of another repetition, as r3's, tells them apart.) */
    static const uint64_t bases[] = {64 + 8, 64 + 20,     64 + 40,    2 * 64 - 4,
                                     3 * 64, 5 * 64 - 12, 5 * 64 + 4, 6 * 64 - 24};
    Fixture *f = fixture_new(NK_TLB, false);
    for (size_t i = 0; i < MEM_SIZE; i++) {
        f->env.mem[i] = (uint8_t)(i * 7 + 3);
    }
    for (size_t b = 0; b < G_N_ELEMENTS(bases); b++) {
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 0) {
                memset(f->env.tlb, 0, sizeof(f->env.tlb));
            }
            set_inputs(f, bases[b], 0x1234);
            f->env.r[3] = 463 * 64 + 12; /* RAM, TLB index 3 */
            atomic_store(&f->es.exit_request, 0);
            run_pair(f, build_shared_check, NULL);
        }
    }
    /* Once the entries are filled, a window inside one page makes no call. */
    set_inputs(f, 64 + 8, 0x1234);
    f->env.r[3] = 463 * 64 + 12;
    tcg_func_start(&f->s);
    build_shared_check(f, NULL);
    TranslationBlock *tb = fixture_tb(f);
    run_one(f, tb, true);
    f->slow_calls = 0;
    run_one(f, tb, true);
    g_assert_cmpuint(f->slow_calls, ==, 0);
    fixture_free(f);
}

/* ==== Directed: calls ==== */

static void build_calls(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv args6[6] = {f->r[1],
                     f->r[2],
                     f->r[3],
                     tcg_const(s, TCG_TYPE_I64, 10),
                     tcg_const(s, TCG_TYPE_I64, 0x123456789abcll),
                     f->r[2]};
    tcg_gen_call(s, &info_mix6, f->r[0], 6, args6);
    /* Arguments already in the argument registers, in the wrong order. */
    TCGv rot[6] = {args6[5], args6[0], args6[1], args6[2], args6[3], args6[4]};
    tcg_gen_call(s, &info_mix6, f->r[6], 6, rot);
    TCGv a1[1] = {f->w[1]};
    tcg_gen_call(s, &info_ret32, f->w[0], 1, a1);
    tcg_gen_movi(s, f->r[5], 1000);
    TCGv a2[2] = {s->env, f->r[1]};
    tcg_gen_call(s, &info_bump, TCG_NO_RET, 2, a2);
    tcg_gen_movi(s, f->r[5], 7);
    tcg_gen_mov(s, f->r[6], f->r[4]);
    tcg_gen_movi(s, f->r[3], 0x55);
    TCGv a3[2] = {s->env, f->r[6]};
    tcg_gen_call(s, &info_read_r3, f->r[7], 2, a3);
    TCGv a4[2] = {s->env, f->r[7]};
    tcg_gen_addi(s, f->r[2], f->r[2], 3);
    tcg_gen_call(s, &info_write_r2, TCG_NO_RET, 2, a4);
    tcg_gen_addi(s, f->r[2], f->r[2], 1);
    /* Locals live across calls. */
    TCGv keep[8];
    for (int i = 0; i < 8; i++) {
        keep[i] = tcg_temp_new(s, TCG_TYPE_I64);
        tcg_gen_addi(s, keep[i], f->r[i], i * 3 + 1);
    }
    TCGv a5[6] = {keep[7], keep[6], keep[5], keep[4], keep[3], keep[2]};
    tcg_gen_call(s, &info_mix6, keep[0], 6, a5);
    tcg_gen_call(s, &info_mix6, keep[1], 6, a5);
    for (int i = 0; i < 8; i++) {
        tcg_gen_xor(s, f->r[i], f->r[i], keep[i]);
    }
    TCGv dead = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_call(s, &info_mix6, dead, 6, args6);
}

/* Arguments that sit in argument registers in another order, dying at the call: the
 * moves into place form cycles. k values stay live across the call first, so the
 * arguments land in different registers. */
typedef struct PermCase {
    int live;
    unsigned perm[6];
} PermCase;

static void build_call_permutation(Fixture *f, const void *arg)
{
    const PermCase *c = arg;
    TCGContext *s = &f->s;
    TCGv keep[10], t[6], a[6];
    for (int i = 0; i < c->live; i++) {
        keep[i] = tcg_temp_new(s, TCG_TYPE_I64);
        tcg_gen_addi(s, keep[i], f->r[i % 8], 1000 * (i + 1));
    }
    for (int i = 0; i < 6; i++) {
        t[i] = tcg_temp_new(s, TCG_TYPE_I64);
        tcg_gen_addi(s, t[i], f->r[i], i + 1);
    }
    for (int i = 0; i < 6; i++) {
        a[i] = t[c->perm[i]];
    }
    tcg_gen_call(s, &info_mix6, f->r[7], 6, a);
    for (int i = 0; i < c->live; i++) {
        tcg_gen_add(s, f->r[i % 8], f->r[i % 8], keep[i]);
    }
}

static void test_call_permutations(void)
{
    static const unsigned perms[][6] = {{0, 1, 2, 3, 4, 5}, {1, 0, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 0},
                                        {5, 4, 3, 2, 1, 0}, {2, 0, 1, 5, 3, 4}, {3, 4, 5, 0, 1, 2}};
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (int live = 0; live <= 10; live++) {
        for (size_t p = 0; p < G_N_ELEMENTS(perms); p++) {
            PermCase c = {live, {0}};
            memcpy(c.perm, perms[p], sizeof(c.perm));
            for (int i = 0; i < 8; i++) {
                f->env.r[i] = (uint64_t)(i + 1) << (8 * i);
            }
            run_pair(f, build_call_permutation, &c);
        }
    }
    fixture_free(f);
}

static void test_calls(void)
{
    for (NativeKind k = NK_DEFAULT; k <= NK_BASELINE; k++) {
        Fixture *f = fixture_new(k, false);
        set_inputs(f, 1, 20);
        f->env.r[3] = 300;
        f->env.r[4] = 5;
        f->env.w[1] = 0xffffffff;
        run_pair(f, build_calls, NULL);
        fixture_free(f);
    }
}

/* ==== Directed: control flow ==== */

static void build_loop(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv sum = tcg_temp_new(s, TCG_TYPE_I64), i = tcg_temp_new(s, TCG_TYPE_I64);
    TCGLabel top = tcg_label_new(s), skip = tcg_label_new(s);
    tcg_gen_movi(s, sum, 0);
    tcg_gen_mov(s, i, f->r[1]);
    tcg_gen_set_label(s, top);
    tcg_gen_add(s, sum, sum, i);
    tcg_gen_add(s, f->r[3], f->r[3], sum);
    tcg_gen_subi(s, i, i, 1);
    tcg_gen_brcondi(s, TCG_COND_NE, i, 0, top);
    tcg_gen_mov(s, f->r[0], sum);
    tcg_gen_brcondi(s, TCG_COND_GTU, sum, 100, skip);
    tcg_gen_movi(s, f->r[2], 1);
    tcg_gen_br(s, skip);
    tcg_gen_movi(s, f->r[2], 2); /* unreachable */
    tcg_gen_set_label(s, skip);
}

static void test_loop(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    set_inputs(f, 10, 0);
    run_pair(f, build_loop, NULL);
    g_assert_cmpuint(f->env.r[0], ==, 55);
    g_assert_cmpuint(f->env.r[2], ==, 1);
    set_inputs(f, 100, 0);
    run_pair(f, build_loop, NULL);
    g_assert_cmpuint(f->env.r[0], ==, 5050);
    g_assert_cmpuint(f->env.r[2], ==, 0);
    fixture_free(f);
}

/* A label that is never set: a branch to it leaves the block (NOCHAIN). A local read
 * before it is written reads 0, also around a loop. */
static void build_odd_labels(Fixture *f, const void *arg)
{
    const int *variant = arg;
    TCGContext *s = &f->s;
    TCGLabel nowhere = tcg_label_new(s), top = tcg_label_new(s);
    TCGv never_set = tcg_temp_new(s, TCG_TYPE_I64), i = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_movi(s, i, 3);
    tcg_gen_set_label(s, top);
    tcg_gen_add(s, f->r[0], f->r[0], never_set);
    tcg_gen_addi(s, never_set, never_set, 5);
    tcg_gen_subi(s, i, i, 1);
    tcg_gen_brcondi(s, TCG_COND_NE, i, 0, top);
    tcg_gen_movi(s, f->r[1], 1);
    tcg_gen_brcondi(s, TCG_COND_EQ, f->r[2], *variant, nowhere);
    tcg_gen_movi(s, f->r[1], 2);
    tcg_gen_exit_tb(s, TB_EXIT_IDX1);
}

static void test_odd_labels(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (int variant = 0; variant < 2; variant++) {
        set_inputs(f, 0, 0);
        f->env.r[0] = 1;
        unsigned code = run_pair(f, build_odd_labels, &variant);
        g_assert_cmpuint(code, ==, variant == 0 ? TB_EXIT_NOCHAIN : TB_EXIT_IDX1);
        g_assert_cmpuint(f->env.r[0], ==, 1 + 0 + 5 + 10);
        g_assert_cmpuint(f->env.r[1], ==, variant == 0 ? 1 : 2);
    }
    fixture_free(f);
}

static void build_insns(Fixture *f, const void *arg)
{
    const int *mode = arg;
    TCGContext *s = &f->s;
    tcg_gen_insn_start(s, 0x7c00, 1);
    tcg_gen_movi(s, f->r[0], 1);
    tcg_gen_addi(s, f->r[1], f->r[1], 1);
    if (*mode == 1) {
        TCGv a[1] = {s->env};
        tcg_gen_call(s, &info_request_exit, TCG_NO_RET, 1, a);
    }
    tcg_gen_movi(s, f->r[0], 2);
    tcg_gen_insn_start(s, 0x7c03, 1);
    tcg_gen_movi(s, f->r[0], 3);
    tcg_gen_addi(s, f->w[1], f->w[1], 1);
    tcg_gen_insn_start(s, 0x123456789aull, 1); /* data that is not a 32-bit immediate */
    tcg_gen_movi(s, f->r[0], 0x123456789abcdef0ll);
    tcg_gen_insn_start(s, 0x123456789aull, 2);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
}

static void test_insn_start_exit_request(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (int mode = 0; mode < 2; mode++) {
        for (int pending = 0; pending < 2; pending++) {
            set_inputs(f, 10, 0);
            atomic_store(&f->es.exit_request, pending);
            unsigned code = run_pair(f, build_insns, &mode);
            g_assert_cmpuint(code, ==, pending || mode ? TB_EXIT_REQUESTED : TB_EXIT_NOCHAIN);
        }
    }
    /* A request raised during instruction 1 stops at instruction 2 with env holding all
     * instruction 1 did. */
    int mode = 1;
    set_inputs(f, 10, 0);
    atomic_store(&f->es.exit_request, 0);
    run_pair(f, build_insns, &mode);
    g_assert_cmphex(f->es.insn_data[0], ==, 0x7c03);
    g_assert_cmpuint(f->env.r[0], ==, 2);
    g_assert_cmpuint(f->env.r[1], ==, 11);
    fixture_free(f);
}

/* Runs a (and its linked successors) natively and by the interpreter from the same
 * state; both must agree. */
static unsigned run_chain_pair(Fixture *f, TranslationBlock *a)
{
    return run_pair_tb(f, a, "chain");
}

/* Links goto_tb slot of from to to, for the interpreter (jmp_dest) and in compiled code
 * (the jump slot), as the runner does. */
static void link_tb(Fixture *f, TranslationBlock *from, unsigned slot, TranslationBlock *to)
{
    atomic_store(&from->jmp_dest[slot], to);
    tcg_native_link(f->native, from, slot, to);
}

/* Invalidates tb (or makes it valid again) as the TBCache does, telling the backend. */
static void set_invalid(Fixture *f, TranslationBlock *tb, bool invalid)
{
    atomic_store(&tb->invalid, invalid);
    if (invalid) {
        tcg_native_tb_invalidated(f->native, tb);
    }
}

static void test_goto_tb(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    TCGContext *s = &f->s;
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x100, 0);
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    tcg_gen_goto_tb(s, 1);
    tcg_gen_exit_tb(s, TB_EXIT_IDX1);
    TranslationBlock *a = fixture_tb(f);

    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x200, 0);
    tcg_gen_addi(s, f->r[1], f->r[1], 10);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *b = fixture_tb(f);

    set_inputs(f, 0, 0);
    g_assert_cmpuint(run_chain_pair(f, a), ==, TB_EXIT_IDX1);
    link_tb(f, a, 1, b);
    for (int i = 0; i < 3; i++) {
        set_inputs(f, 0, 0);
        g_assert_cmpuint(run_chain_pair(f, a), ==, TB_EXIT_NOCHAIN | 8);
        g_assert_cmpuint(f->env.r[1], ==, 10);
    }
    /* Invalidating b resets a's jump slot: a leaves unlinked. */
    set_invalid(f, b, true);
    g_assert_cmpuint(run_chain_pair(f, a), ==, TB_EXIT_IDX1);
    set_invalid(f, b, false);
    link_tb(f, a, 1, b);
    g_assert_cmpuint(run_chain_pair(f, a), ==, TB_EXIT_NOCHAIN | 8);

    /* Relinked to another block: the jump slot follows. */
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x300, 0);
    TCGv args[1] = {s->env};
    tcg_gen_call(s, &info_request_exit, TCG_NO_RET, 1, args);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *c = fixture_tb(f);
    link_tb(f, a, 1, c);
    g_assert_cmpuint(run_chain_pair(f, a), ==, TB_EXIT_NOCHAIN | 8);
    g_assert_cmpint(atomic_load(&f->es.exit_request), ==, 1);
    /* A block chained to itself runs until an exit request stops it. */
    link_tb(f, a, 1, a);
    set_inputs(f, 0, 0);
    g_assert_cmpuint(run_chain_pair(f, a), ==, TB_EXIT_REQUESTED);
    g_assert_cmpuint(f->env.r[0], ==, 0);

    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x400, 0);
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    TCGLabel done = tcg_label_new(s);
    tcg_gen_brcondi(s, TCG_COND_GEU, f->r[0], 1000, done);
    tcg_gen_goto_tb(s, 0);
    tcg_gen_exit_tb(s, TB_EXIT_IDX0);
    tcg_gen_set_label(s, done);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *d = fixture_tb(f);
    link_tb(f, d, 0, d);
    atomic_store(&f->es.exit_request, 0);
    set_inputs(f, 0, 0);
    g_assert_cmpuint(run_chain_pair(f, d), ==, TB_EXIT_NOCHAIN);
    g_assert_cmpuint(f->env.r[0], ==, 1000);
    fixture_free(f);
}

/* TCGExecState.next_block: the blocks handed out in turn, then NULL. */
typedef struct NextQueue {
    TranslationBlock *tbs[4];
    unsigned n, calls;
} NextQueue;

static TranslationBlock *next_from_queue(TCGExecState *es)
{
    NextQueue *q = es->next_block_opaque;
    unsigned i = q->calls++;
    return i < q->n ? q->tbs[i] : NULL;
}

/* Blocks that leave unlinked go on to what next_block finds, without returning; an
 * unlinked goto_tb slot gets linked on the way; without next_block each returns. */
static void test_next_block(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    TCGContext *s = &f->s;
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x100, 0);
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *a = fixture_tb(f);
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x200, 0);
    tcg_gen_addi(s, f->r[1], f->r[1], 10);
    tcg_gen_goto_tb(s, 0);
    tcg_gen_exit_tb(s, TB_EXIT_IDX0);
    TranslationBlock *b = fixture_tb(f);
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x300, 0);
    tcg_gen_addi(s, f->r[2], f->r[2], 100);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *c = fixture_tb(f);

    set_inputs(f, 0, 0);
    uint64_t r0 = f->env.r[0], r1 = f->env.r[1], r2 = f->env.r[2];
    NextQueue q = {.tbs = {b, c}, .n = 2};
    f->es.next_block = next_from_queue;
    f->es.next_block_opaque = &q;
    uintptr_t ret = tcg_native_run(f->native, &f->es, a);
    g_assert_cmphex(ret, ==, (uintptr_t)c | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(q.calls, ==, 3);
    g_assert_cmpuint(f->env.r[0], ==, r0 + 1);
    g_assert_cmpuint(f->env.r[1], ==, r1 + 10);
    g_assert_cmpuint(f->env.r[2], ==, r2 + 100);
    g_assert_true(atomic_load(&b->jmp_dest[0]) == c);
    /* Now linked: b goes to c through goto_tb, next_block is asked only after c. */
    q = (NextQueue){.n = 0};
    g_assert_cmphex(tcg_native_run(f->native, &f->es, b), ==, (uintptr_t)c | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(q.calls, ==, 1);
    f->es.next_block = NULL;
    g_assert_cmphex(tcg_native_run(f->native, &f->es, a), ==, (uintptr_t)a | TB_EXIT_NOCHAIN);
    fixture_free(f);
}

/* A block that adds inc to r[reg] and leaves through exit_tb with the lookup flag. */
static TranslationBlock *lookup_block(Fixture *f, uint64_t pc, unsigned reg, int64_t inc)
{
    TCGContext *s = &f->s;
    tcg_func_start(s);
    tcg_gen_insn_start(s, pc, 0);
    tcg_gen_addi(s, f->r[reg], f->r[reg], inc);
    tcg_gen_exit_lookup(s);
    return fixture_tb(f);
}

static uint64_t lookups_so_far(Fixture *f)
{
    TCGNativeStats st;
    tcg_native_get_stats(f->native, &st);
    return st.lookups;
}

/* exit_tb with TCG_EXIT_LOOKUP: compiled blocks go on to what next_block finds inside
 * compiled code (the lookups count says so); a block not compiled yet or no next_block
 * leaves to the runner, which goes on as for a plain exit. */
static void test_exit_lookup(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    TranslationBlock *a = lookup_block(f, 0x100, 0, 1);
    TranslationBlock *b = lookup_block(f, 0x200, 1, 10);
    TranslationBlock *c = lookup_block(f, 0x300, 2, 100);
    g_assert_true(tcg_native_prepare(f->native, b));
    g_assert_true(tcg_native_prepare(f->native, c));

    set_inputs(f, 0, 0);
    uint64_t r0 = f->env.r[0], r1 = f->env.r[1], r2 = f->env.r[2];
    NextQueue q = {.tbs = {b, c}, .n = 2};
    f->es.next_block = next_from_queue;
    f->es.next_block_opaque = &q;
    uint64_t before = lookups_so_far(f);
    g_assert_cmphex(tcg_native_run(f->native, &f->es, a), ==, (uintptr_t)c | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(q.calls, ==, 4); /* c's lookup, then the runner's, find nothing */
    g_assert_cmpuint(lookups_so_far(f) - before, ==, 2);
    g_assert_cmpuint(f->env.r[0], ==, r0 + 1);
    g_assert_cmpuint(f->env.r[1], ==, r1 + 10);
    g_assert_cmpuint(f->env.r[2], ==, r2 + 100);

    /* Not compiled yet: the lookup leaves, the runner asks again and compiles it; d's
     * own lookup then finds nothing, and so does the runner's. */
    TranslationBlock *d = lookup_block(f, 0x400, 3, 1000);
    uint64_t r3 = f->env.r[3];
    q = (NextQueue){.tbs = {d, d}, .n = 2};
    before = lookups_so_far(f);
    g_assert_cmphex(tcg_native_run(f->native, &f->es, a), ==, (uintptr_t)d | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(q.calls, ==, 4);
    g_assert_cmpuint(lookups_so_far(f) - before, ==, 0);
    g_assert_cmpuint(f->env.r[3], ==, r3 + 1000);

    /* Without next_block (budgeted runs, -d exec) every block leaves. */
    f->es.next_block = NULL;
    g_assert_cmphex(tcg_native_run(f->native, &f->es, a), ==, (uintptr_t)a | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(f->env.r[0], ==, r0 + 3);
    fixture_free(f);
}

static void build_fall_off(Fixture *f, const void *arg)
{
    (void)arg;
    tcg_gen_movi(&f->s, f->r[0], 9);
    tcg_gen_addi(&f->s, f->w[0], f->w[1], -1);
}

static void build_empty(Fixture *f, const void *arg)
{
    (void)f, (void)arg;
}

/* A label first: the locals read before they are written are 0 there too. */
static void build_label_first(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGLabel top = tcg_label_new(s);
    TCGv acc = tcg_temp_new(s, TCG_TYPE_I64), n = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_set_label(s, top);
    tcg_gen_addi(s, acc, acc, 3);
    tcg_gen_addi(s, n, n, 1);
    tcg_gen_brcondi(s, TCG_COND_LTU, n, 5, top);
    tcg_gen_mov(s, f->r[0], acc);
}

static void test_fall_off_end(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    set_inputs(f, 0, 0);
    g_assert_cmpuint(run_pair(f, build_fall_off, NULL), ==, TB_EXIT_NOCHAIN);
    g_assert_cmpuint(f->env.r[0], ==, 9);
    g_assert_cmpuint(f->env.w[0], ==, 0xffffffff);
    g_assert_cmpuint(run_pair(f, build_empty, NULL), ==, TB_EXIT_NOCHAIN);
    g_assert_cmpuint(run_pair(f, build_label_first, NULL), ==, TB_EXIT_NOCHAIN);
    g_assert_cmpuint(f->env.r[0], ==, 15);
    fixture_free(f);
}

static void build_fault(Fixture *f, const void *arg)
{
    const int *where = arg;
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_insn_start(s, 0x10, 0);
    tcg_gen_movi(s, f->r[0], 1);
    tcg_gen_insn_start(s, 0x11, 0);
    tcg_gen_movi(s, f->r[0], 0x123456789ll);
    tcg_gen_addi(s, f->r[1], f->r[1], 2);
    tcg_gen_addi(s, f->w[2], f->w[2], 2);
    TCGv addr = tcg_const(s, TCG_TYPE_I64, FAULT_ADDR);
    if (*where == 0) {
        TCGv a[2] = {s->env, addr};
        tcg_gen_call(s, &info_maybe_fault, t, 2, a);
    } else if (*where == 1) {
        tcg_gen_qemu_ld(s, t, addr, MO_UQ, 0);
    } else {
        tcg_gen_qemu_st(s, f->r[1], addr, MO_UW, 0);
    }
    tcg_gen_movi(s, f->r[0], 3);
    tcg_gen_movi(s, f->r[1], 3);
}

static void test_fault(void)
{
    for (NativeKind k = NK_DEFAULT; k <= NK_TLB; k += NK_TLB - NK_DEFAULT) {
        Fixture *f = fixture_new(k, false);
        for (int where = 0; where < 3; where++) {
            set_inputs(f, 0, 0);
            g_assert_cmpuint(run_pair(f, build_fault, &where), ==, EXIT_FAULT);
            g_assert_cmphex(f->es.insn_data[0], ==, 0x11);
            g_assert_cmphex(f->env.r[0], ==, 0x123456789ull);
            g_assert_cmpuint(f->env.r[1], ==, 2);
        }
        fixture_free(f);
    }
}

/* Globals that share bytes: a write to one changes the other. */
static void build_alias(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_movi(s, f->r[7], 0x1111111122222222ll);
    tcg_gen_mov(s, t, f->r[7]);
    tcg_gen_movi(s, f->r7lo, 0x33333333);
    tcg_gen_mov(s, f->r[0], f->r[7]);
    tcg_gen_mov(s, f->r[1], t);
    tcg_gen_movi(s, f->r7lo, 0x44444444);
    tcg_gen_movi(s, f->r[7], 0x5555555566666666ll);
    tcg_gen_movi(s, f->r7lo, 0x77777777);
    tcg_gen_mov(s, f->r7mid, f->r[7]);
    tcg_gen_mov(s, t, f->r7mid);
    tcg_gen_mov(s, f->r[2], t);
    tcg_gen_mov(s, f->r[3], f->r[7]);
    tcg_gen_addi(s, f->w[0], f->w[0], 1);
    tcg_gen_add(s, f->r[4], f->r7mid, f->r[7]);
    TCGArg args[4] = {f->r[7].idx, f->r7mid.idx, f->r[4].idx, f->r[3].idx};
    tcg_emit(s, INDEX_op_mulu2, TCG_TYPE_I64, 4, args);
}

static void test_overlapping_globals(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, true);
    run_pair(f, build_alias, NULL);
    fixture_free(f);
}

/* More values live at once than there are host registers. */
static void build_pressure(Fixture *f, const void *arg)
{
    const int *n = arg;
    TCGContext *s = &f->s;
    TCGv t[40];
    for (int i = 0; i < *n; i++) {
        t[i] = tcg_temp_new(s, i % 3 ? TCG_TYPE_I64 : TCG_TYPE_I32);
        if (i % 3) {
            tcg_gen_addi(s, t[i], f->r[i % 8], i * 0x1111);
        } else {
            tcg_gen_addi(s, t[i], f->w[i % 4], i);
        }
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < *n; i++) {
            TCGv other = t[(i * 7 + round) % *n];
            if (tcg_temp_type(s, other) == tcg_temp_type(s, t[i])) {
                tcg_gen_op3(s, round == 1 ? INDEX_op_mul : INDEX_op_xor, t[i], t[i], other);
            }
            if (round == 2 && i % 5 == 0) {
                TCGLabel l = tcg_label_new(s);
                tcg_gen_brcondi(s, TCG_COND_LTU, t[i], 1000, l);
                tcg_gen_shli(s, t[i], t[i], 1);
                tcg_gen_set_label(s, l);
            }
        }
        TCGv a[6] = {f->r[0], f->r[1], f->r[2], f->r[3], f->r[4], f->r[5]};
        tcg_gen_call(s, &info_mix6, f->r[6], 6, a);
    }
    for (int i = 0; i < *n; i++) {
        if (i % 3) {
            tcg_gen_add(s, f->r[i % 8], f->r[i % 8], t[i]);
        } else {
            tcg_gen_add(s, f->w[i % 4], f->w[i % 4], t[i]);
        }
    }
}

static void test_register_pressure(void)
{
    Fixture *f = fixture_new(NK_DEFAULT, false);
    for (int n = 4; n <= 40; n += 6) {
        set_inputs(f, 0x1234, 0x5678);
        run_pair(f, build_pressure, &n);
    }
    fixture_free(f);
}

/* ==== Directed: the code buffer ==== */

static void build_big(Fixture *f, const void *arg)
{
    const int *salt = arg;
    TCGContext *s = &f->s;
    TCGv addr = tcg_temp_new(s, TCG_TYPE_I64);
    for (int i = 0; i < 200; i++) {
        tcg_gen_insn_start(s, 0x1000 + i, 0);
        tcg_gen_addi(s, f->r[i % 8], f->r[(i + *salt) % 8], i + *salt);
        tcg_gen_andi(s, addr, f->r[0], MEM_SIZE - 1);
        tcg_gen_qemu_ld(s, f->r[(i + 1) % 8], addr, MO_UB, 0);
    }
}

/* A 64 KiB buffer fills up every few blocks: flushes happen and nothing changes. */
static void test_flush(void)
{
    Fixture *f = fixture_new(NK_SMALL, false);
    for (int salt = 0; salt < 60; salt++) {
        set_inputs(f, 3, 4);
        run_pair(f, build_big, &salt);
    }
    TCGNativeStats st;
    tcg_native_get_stats(f->native, &st);
    g_assert_cmpuint(st.flushes, >, 2);
    /* One thread: the flush happens at once, nothing falls back to the interpreter. */
    g_assert_cmpuint(st.compiled, ==, 120);
    g_assert_cmpuint(st.interp_runs, ==, 0);
    fixture_free(f);
}

/* A block bigger than the whole code buffer runs on the interpreter, without flushing
 * again and again. */
static void test_too_big(void)
{
    Fixture *f = fixture_new(NK_SMALL, false);
    tcg_func_start(&f->s);
    for (int i = 0; i < 12; i++) {
        int salt = i;
        build_big(f, &salt);
    }
    TranslationBlock *tb = fixture_tb(f);
    for (int i = 0; i < 5; i++) {
        set_inputs(f, 1, 2);
        run_pair_tb(f, tb, "too big");
    }
    TCGNativeStats st;
    tcg_native_get_stats(f->native, &st);
    g_assert_cmpuint(st.flushes, <=, 1);
    g_assert_cmpuint(st.failed, ==, 1);
    fixture_free(f);
}

typedef struct ThreadCase {
    TCGNative *native;
    TranslationBlock *tbs[4];
    uint64_t result;
} ThreadCase;

/* Callbacks for threads with an env of their own (no fixture around it). */
static const TCGGuestMemOps plain_mem_ops = {fake_load, fake_store};

static void *thread_run(void *opaque)
{
    ThreadCase *c = opaque;
    FakeEnv *env = g_new0(FakeEnv, 1);
    TCGExecState es = {.env = env, .mem = &plain_mem_ops};
    env->es = &es;
    for (int i = 0; i < 3000; i++) {
        tcg_native_run(c->native, &es, c->tbs[i % 4]);
    }
    c->result = env->r[0] + env->r[1] * 3 + env->r[2] * 5 + env->r[3] * 7;
    tcg_native_forget_vcpu(c->native, &es);
    g_free(env);
    return NULL;
}

/* Several threads share one TCGNative whose buffer keeps filling up. */
static void test_threads(void)
{
    Fixture *f = fixture_new(NK_SMALL, false);
    ThreadCase cases[3];
    TranslationBlock *tbs[4];
    for (int i = 0; i < 4; i++) {
        int salt = i;
        tcg_func_start(&f->s);
        build_big(f, &salt);
        tbs[i] = fixture_tb(f);
    }
    /* The expected result, from one thread on the interpreter. */
    FakeEnv *env = g_new0(FakeEnv, 1);
    TCGExecState es = {.env = env, .mem = &plain_mem_ops};
    env->es = &es;
    for (int i = 0; i < 3000; i++) {
        tcg_interp_exec(&es, tbs[i % 4]);
    }
    uint64_t want = env->r[0] + env->r[1] * 3 + env->r[2] * 5 + env->r[3] * 7;
    g_free(env);
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        cases[i].native = f->native;
        memcpy(cases[i].tbs, tbs, sizeof(tbs));
        pthread_create(&th[i], NULL, thread_run, &cases[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        g_assert_cmphex(cases[i].result, ==, want);
    }
    fixture_free(f);
}

/* -d out_asm: compiled code disassembles. */
static void test_out_asm(void)
{
    Fixture *f = fixture_new(NK_TLB, false);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    TCGNativeConfig cfg = {.out_asm = mf, .tlb = &fake_tlb};
    TCGNative *n = tcg_native_new(&cfg);
    tcg_func_start(&f->s);
    build_calls(f, NULL);
    build_tlb_hits(f, NULL);
    TranslationBlock *tb = fixture_tb(f);
    g_assert_true(tcg_native_prepare(n, tb));
    g_assert_true(tcg_native_dump_tb(n, tb, mf));
    fclose(mf);
    g_assert_nonnull(strstr(buf, "OUT: [size="));
    g_assert_nonnull(strstr(buf, "call r11"));
    g_assert_nonnull(strstr(buf, "cmp r11, qword ptr [rbp + "));
    g_assert_null(strstr(buf, ".byte"));
    if (g_test_verbose()) {
        g_test_message("%s", buf);
    }
    free(buf);
    tcg_native_free(n);
    fixture_free(f);
}

/* ==== Random blocks: interpreter and native must agree ==== */

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r)
{
    /* xorshift64* */
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * UINT64_C(0x2545f4914f6cdd1d);
}

static unsigned rng_below(Rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

static uint64_t rng_value(Rng *r)
{
    switch (rng_below(r, 6)) {
    case 0: return interesting[rng_below(r, N_INTERESTING)];
    case 1: return rng_below(r, 8);
    case 2: return rng_below(r, 50) == 0 ? FAULT_ADDR : rng_below(r, 2 * MEM_SIZE);
    case 3: return (uint64_t)rng_below(r, 16) * PAGE_SIZE - rng_below(r, 8); /* page ends */
    case 4: return rng_next(r) & 0xffffffff;
    default: return rng_next(r);
    }
}

#define POOL_MAX 16

typedef struct RandomBlock {
    Fixture *f;
    Rng rng;
    TCGv pool[2][POOL_MAX]; /* [type]: globals, then locals */
    unsigned pool_n[2];
    TCGLabel pending[6];
    unsigned nb_pending;
} RandomBlock;

static TCGv rb_temp(RandomBlock *rb, unsigned type)
{
    return rb->pool[type][rng_below(&rb->rng, rb->pool_n[type])];
}

static TCGv rb_input(RandomBlock *rb, unsigned type)
{
    if (rng_below(&rb->rng, 4) == 0) {
        return tcg_const(&rb->f->s, (TCGType)type, (int64_t)rng_value(&rb->rng));
    }
    return rb_temp(rb, type);
}

static void rb_arith(RandomBlock *rb, unsigned type)
{
    static const TCGOpcode bin[] = {INDEX_op_add, INDEX_op_sub, INDEX_op_mul,  INDEX_op_and,
                                    INDEX_op_or,  INDEX_op_xor, INDEX_op_andc, INDEX_op_shl,
                                    INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr};
    static const TCGOpcode un[] = {INDEX_op_neg,    INDEX_op_not,    INDEX_op_ext8s, INDEX_op_ext8u,
                                   INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_mov};
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    TCGv d = rb_temp(rb, type);
    switch (rng_below(r, 6)) {
    case 0:
    case 1:
    case 2: {
        TCGv a = rb_input(rb, type);
        TCGv b = rng_below(r, 5) == 0 ? a : rng_below(r, 4) == 0 ? d : rb_input(rb, type);
        tcg_gen_op3(s, bin[rng_below(r, G_N_ELEMENTS(bin))], d, a, b);
        break;
    }
    case 3: tcg_gen_op2(s, un[rng_below(r, G_N_ELEMENTS(un))], d, rb_input(rb, type)); break;
    case 4: tcg_gen_movi(s, d, (int64_t)rng_value(r)); break;
    default: {
        unsigned w = type ? 64 : 32, len = 1 + rng_below(r, w), pos = rng_below(r, w - len + 1);
        unsigned k = rng_below(r, 3);
        if (k == 0) {
            tcg_gen_deposit(s, d, rb_input(rb, type), rb_input(rb, type), pos, len);
        } else if (k == 1) {
            tcg_gen_extract(s, d, rb_input(rb, type), pos, len);
        } else {
            tcg_gen_sextract(s, d, rb_input(rb, type), pos, len);
        }
        break;
    }
    }
}

static void rb_convert(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    static const struct {
        TCGOpcode opc;
        unsigned d, a;
    } conv[] = {{INDEX_op_extu_i32_i64, 1, 0},  {INDEX_op_exts_i32_i64, 1, 0},
                {INDEX_op_extrl_i64_i32, 0, 1}, {INDEX_op_extrh_i64_i32, 0, 1},
                {INDEX_op_ext32s, 1, 1},        {INDEX_op_ext32u, 1, 1}};
    unsigned k = rng_below(&rb->rng, G_N_ELEMENTS(conv));
    tcg_gen_op2(s, conv[k].opc, rb_temp(rb, conv[k].d), rb_input(rb, conv[k].a));
}

static void rb_compare(RandomBlock *rb, unsigned type)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    TCGCond c = (TCGCond)rng_below(r, TCG_COND_GTU + 1);
    TCGv a = rb_input(rb, type), b = rng_below(r, 6) == 0 ? a : rb_input(rb, type);
    TCGv d = rb_temp(rb, type);
    if (rng_below(r, 2)) {
        tcg_gen_setcond(s, c, d, a, b);
    } else {
        TCGv v1 = rng_below(r, 4) == 0 ? d : rb_input(rb, type);
        TCGv v2 = rng_below(r, 4) == 0 ? d : rb_input(rb, type);
        tcg_gen_movcond(s, c, d, a, b, v1, v2);
    }
}

static void rb_mul2(RandomBlock *rb, unsigned type)
{
    TCGv lo = rb_temp(rb, type), hi = rb_temp(rb, type);
    TCGv a = rb_input(rb, type), b = rb_input(rb, type);
    TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
    tcg_emit(&rb->f->s, rng_below(&rb->rng, 2) ? INDEX_op_mulu2 : INDEX_op_muls2, (TCGType)type, 4,
             args);
}

/* Host memory: env's globals, scratch and helper fields, at any byte offset. */
static void rb_host_memory(RandomBlock *rb)
{
    static const TCGOpcode lds[] = {INDEX_op_ld8u,  INDEX_op_ld8s,  INDEX_op_ld16u, INDEX_op_ld16s,
                                    INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld};
    static const TCGOpcode sts[] = {INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st};
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    intptr_t off = (intptr_t)rng_below(r, offsetof(FakeEnv, helper_seen) + 1);
    TCGv base = s->env;
    if (rng_below(r, 4) == 0) {
        /* A base the backend cannot see through. */
        base = tcg_temp_new(s, TCG_TYPE_I64);
        intptr_t k = (intptr_t)rng_below(r, 32);
        tcg_gen_addi(s, base, s->env, k);
        off -= k;
    }
    unsigned type = rng_below(r, 2);
    if (rng_below(r, 2)) {
        tcg_gen_ld(s, lds[rng_below(r, G_N_ELEMENTS(lds))], rb_temp(rb, type), base, off);
    } else {
        tcg_gen_st(s, sts[rng_below(r, G_N_ELEMENTS(sts))], rb_input(rb, type), base, off);
    }
}

static void rb_guest_memory(RandomBlock *rb)
{
    static const MemOp mops[] = {MO_UB, MO_UW, MO_UL, MO_UQ, MO_SB, MO_SW, MO_SL};
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    unsigned mmu = rng_below(r, 8) == 0 ? MMU_COUNT : rng_below(r, MMU_COUNT);
    TCGv addr = rb_input(rb, rng_below(r, 4) ? 1 : 0);
    if (rng_below(r, 2)) {
        MemOp mop = mops[rng_below(r, G_N_ELEMENTS(mops))];
        unsigned type = (mop & MO_SIZE) == MO_64 ? 1 : rng_below(r, 2);
        tcg_gen_qemu_ld(s, rb_temp(rb, type), addr, mop, mmu);
    } else {
        MemOp mop = (MemOp)rng_below(r, 4);
        unsigned type = mop == MO_64 ? 1 : rng_below(r, 2);
        tcg_gen_qemu_st(s, rb_input(rb, type), addr, mop, mmu);
    }
}

static void rb_call(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    TCGv a[6];
    switch (rng_below(r, 9)) {
    case 0:
        for (int i = 0; i < 6; i++) {
            a[i] = rb_input(rb, 1);
        }
        tcg_gen_call(s, &info_mix6, rb_temp(rb, 1), 6, a);
        break;
    case 1:
        a[0] = rb_input(rb, 0);
        tcg_gen_call(s, &info_ret32, rb_temp(rb, 0), 1, a);
        break;
    case 2:
        a[0] = s->env;
        a[1] = rb_input(rb, 1);
        tcg_gen_call(s, &info_bump, TCG_NO_RET, 2, a);
        break;
    case 3:
        a[0] = s->env;
        a[1] = rb_input(rb, 1);
        tcg_gen_call(s, &info_read_r3, rb_temp(rb, 1), 2, a);
        break;
    case 4:
        a[0] = s->env;
        a[1] = rb_input(rb, 1);
        tcg_gen_call(s, &info_maybe_fault, rb_temp(rb, 1), 2, a);
        break;
    case 5:
        a[0] = s->env;
        a[1] = rb_input(rb, 1);
        tcg_gen_call(s, &info_write_r2, TCG_NO_RET, 2, a);
        break;
    case 6:
        a[0] = s->env;
        a[1] = rb_input(rb, 1);
        tcg_gen_call(s, &info_insn, rb_temp(rb, 1), 2, a);
        break;
    default:
        if (rng_below(r, 4) == 0) {
            a[0] = s->env;
            tcg_gen_call(s, &info_request_exit, TCG_NO_RET, 1, a);
        }
        break;
    }
}

/* Accesses off one base with small offsets, which the native backend may check with
 * one TLB lookup (codegen-memshare.c): windows that fit a 64-byte page or cross into
 * the next, loads and stores of the same bytes, now and then another base, another
 * access, a host store or a new value of the base between them. */
static void rb_guest_group(RandomBlock *rb)
{
    static const int64_t disps[] = {-8, -1, 0, 2, 4, 8, 16, 30, 40, 56, 60, 64, 90};
    static const MemOp mops[] = {MO_UB, MO_UW, MO_UL, MO_UQ, MO_SB, MO_SW, MO_SL};
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    unsigned mmu = rng_below(r, 8) == 0 ? MMU_COUNT : rng_below(r, MMU_COUNT);
    TCGv base = rb_temp(rb, 1);
    unsigned n = 2 + rng_below(r, 4);
    for (unsigned i = 0; i < n; i++) {
        /* Now and then the same offsets off another base: no sharing there. */
        TCGv b = rng_below(r, 6) ? base : rb_temp(rb, 1), addr = b;
        int64_t disp = disps[rng_below(r, G_N_ELEMENTS(disps))];
        if (disp || rng_below(r, 2)) {
            addr = tcg_temp_new(s, TCG_TYPE_I64);
            tcg_gen_addi(s, addr, b, disp);
        }
        MemOp mop = mops[rng_below(r, G_N_ELEMENTS(mops))];
        unsigned type = (mop & MO_SIZE) == MO_64 ? 1 : rng_below(r, 2);
        if (rng_below(r, 2)) {
            tcg_gen_qemu_ld(s, rb_temp(rb, type), addr, mop, mmu);
        } else {
            tcg_gen_qemu_st(s, rb_input(rb, type), addr, mop & MO_SIZE, mmu);
        }
        switch (rng_below(r, 12)) {
        case 0: rb_guest_memory(rb); break;
        case 1: rb_host_memory(rb); break;
        case 2: rb_arith(rb, 1); break;
        default: break;
        }
    }
}

/* Any op but control flow (loop bodies). */
static void rb_straight(RandomBlock *rb)
{
    Rng *r = &rb->rng;
    switch (rng_below(r, 12)) {
    case 0:
    case 1:
    case 2:
    case 3: rb_arith(rb, rng_below(r, 2)); break;
    case 4: rb_convert(rb); break;
    case 5: rb_compare(rb, rng_below(r, 2)); break;
    case 6: rb_mul2(rb, rng_below(r, 2)); break;
    case 7: rb_host_memory(rb); break;
    case 8: rb_guest_memory(rb); break;
    case 9: rb_guest_group(rb); break;
    default: rb_call(rb); break;
    }
}

static void rb_branch(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    if (rb->nb_pending >= G_N_ELEMENTS(rb->pending)) {
        return;
    }
    TCGLabel l = tcg_label_new(s);
    rb->pending[rb->nb_pending++] = l;
    unsigned type = rng_below(r, 2);
    TCGv a = rb_input(rb, type);
    TCGv b = rng_below(r, 6) == 0 ? a : rb_input(rb, type);
    if (rng_below(r, 8) == 0) {
        tcg_gen_br(s, l);
    } else {
        tcg_gen_brcond(s, (TCGCond)rng_below(r, TCG_COND_GTU + 1), a, b, l);
    }
}

/* An exit in the middle of the block, skipped or not. */
static void rb_side_exit(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    TCGLabel skip = tcg_label_new(s);
    unsigned type = rng_below(r, 2);
    tcg_gen_brcond(s, (TCGCond)rng_below(r, TCG_COND_GTU + 1), rb_input(rb, type),
                   rb_input(rb, type), skip);
    unsigned slot = rng_below(r, 2);
    if (rng_below(r, 2)) {
        tcg_gen_goto_tb(s, slot);
    }
    unsigned how = rng_below(r, 8);
    if (how >= 2) {
        tcg_gen_exit_tb(s, slot);
    } else if (how == 1) {
        tcg_gen_exit_lookup(s); /* with no next_block: a plain exit after the call */
    } else {
        tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    }
    tcg_gen_set_label(s, skip);
}

static void rb_loop(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    TCGv counter = tcg_temp_new(s, TCG_TYPE_I32);
    TCGLabel top = tcg_label_new(s);
    tcg_gen_movi(s, counter, 1 + rng_below(r, 4));
    tcg_gen_set_label(s, top);
    for (unsigned n = rng_below(r, 5); n > 0; n--) {
        rb_straight(rb);
    }
    tcg_gen_subi(s, counter, counter, 1);
    tcg_gen_brcondi(s, TCG_COND_NE, counter, 0, top);
}

static void rb_control(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    switch (rng_below(r, 9)) {
    case 0: rb_branch(rb); break;
    case 1:
    case 2:
        if (rb->nb_pending) {
            unsigned i = rng_below(r, rb->nb_pending);
            /* Now and then a label is never set: branches to it leave the block. */
            if (rng_below(r, 10)) {
                tcg_gen_set_label(s, rb->pending[i]);
            }
            rb->pending[i] = rb->pending[--rb->nb_pending];
        }
        break;
    case 3:
    case 4:
        /* Restart data that repeats, so that unchanged words are skipped. */
        tcg_gen_insn_start(s, rng_below(r, 3) ? 0x4000 + rng_below(r, 4) : rng_next(r),
                           rng_below(r, 3));
        break;
    case 5: rb_loop(rb); break;
    case 6: rb_side_exit(rb); break;
    case 7:
        if (rng_below(r, 4) == 0) {
            TCGArg mb_args[1] = {0};
            tcg_emit(s, INDEX_op_mb, TCG_TYPE_I64, 1, mb_args);
        } else {
            tcg_gen_discard(s, rb_temp(rb, rng_below(r, 2)));
        }
        break;
    default: rb_straight(rb); break;
    }
}

static void rb_pool(RandomBlock *rb)
{
    Fixture *f = rb->f;
    TCGContext *s = &f->s;
    Rng *r = &rb->rng;
    unsigned nlocal[2] = {1 + rng_below(r, 6), 1 + rng_below(r, 6)};
    if (rng_below(r, 4) == 0) {
        nlocal[rng_below(r, 2)] += 8; /* more live values than host registers */
    }
    for (unsigned type = 0; type < 2; type++) {
        unsigned n = 0;
        unsigned nglobal = 1 + rng_below(r, type ? 5 : 3);
        for (unsigned i = 0; i < nglobal; i++) {
            rb->pool[type][n++] = type ? f->r[1 + rng_below(r, 7)] : f->w[rng_below(r, 4)];
        }
        if (f->r7lo.idx != f->r[7].idx && rng_below(r, 2)) {
            rb->pool[type][n++] = type ? (rng_below(r, 2) ? f->r7mid : f->r[7]) : f->r7lo;
        }
        for (unsigned i = 0; i < nlocal[type] && n < POOL_MAX; i++) {
            TCGv t = tcg_temp_new(s, (TCGType)type);
            /* Some locals are read before they are written: they read 0. */
            if (rng_below(r, 5)) {
                tcg_gen_movi(s, t, (int64_t)rng_value(r));
            }
            rb->pool[type][n++] = t;
        }
        rb->pool_n[type] = n;
    }
}

static void build_random(Fixture *f, const void *arg)
{
    const uint64_t *seed = arg;
    RandomBlock rb = {.f = f, .rng = {*seed * 2 + 1}};
    TCGContext *s = &f->s;
    Rng *r = &rb.rng;
    for (int i = 0; i < 3; i++) {
        rng_next(r);
    }
    rb_pool(&rb);
    unsigned n = 5 + rng_below(r, 60);
    for (unsigned i = 0; i < n && !tcg_op_buf_full(s, 64); i++) {
        if (rng_below(r, 4) == 0) {
            rb_control(&rb);
        } else {
            rb_straight(&rb);
        }
    }
    while (rb.nb_pending) {
        tcg_gen_set_label(s, rb.pending[--rb.nb_pending]);
    }
    /* The locals' values are checked too. */
    tcg_gen_mov(s, f->r[0], rb.pool[1][rb.pool_n[1] - 1]);
    tcg_gen_mov(s, f->w[3], rb.pool[0][rb.pool_n[0] - 1]);
    switch (rng_below(r, 3)) {
    case 0:
        tcg_gen_goto_tb(s, 0);
        tcg_gen_exit_tb(s, TB_EXIT_IDX0);
        break;
    case 1:
        if (rng_below(r, 2)) {
            tcg_gen_exit_lookup(s);
        } else {
            tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
        }
        break;
    default: break;
    }
}

static void random_state(Fixture *f, uint64_t seed)
{
    Rng init = {seed * 7919 + 17};
    memset(&f->env, 0, offsetof(FakeEnv, es));
    for (int i = 0; i < 8; i++) {
        f->env.r[i] = rng_value(&init);
    }
    for (int i = 0; i < 4; i++) {
        f->env.w[i] = (uint32_t)rng_value(&init);
    }
    for (size_t i = 0; i < MEM_SIZE; i++) {
        f->env.mem[i] = (uint8_t)rng_next(&init);
    }
    f->env.scratch[0] = rng_next(&init);
    memset(f->env.tlb, 0, sizeof(f->env.tlb));
    for (unsigned i = rng_below(&init, 8); i > 0; i--) {
        tlb_fill(&f->env, rng_value(&init), rng_below(&init, MMU_COUNT));
    }
    atomic_store(&f->es.exit_request, rng_below(&init, 32) == 0);
    f->es.insn_data[0] = rng_below(&init, 2) ? 0x4000 : 0;
    f->es.insn_data[1] = 0;
}

/* A block that goto_tb may lead into. */
static TranslationBlock *tail_block(Fixture *f)
{
    tcg_func_start(&f->s);
    tcg_gen_insn_start(&f->s, 0x9000, 0);
    tcg_gen_addi(&f->s, f->r[0], f->r[0], 0x1001);
    tcg_gen_exit_tb(&f->s, TB_EXIT_NOCHAIN);
    return fixture_tb(f);
}

/* One random block, run both ways. */
static void random_one(Fixture *f, uint64_t seed, TranslationBlock *tail)
{
    random_state(f, seed);
    tcg_func_start(&f->s);
    build_random(f, &seed);
    if (f->s.overflow) {
        return;
    }
    if (seed % 2) {
        tcg_optimize(&f->s);
    }
    TranslationBlock *tb = fixture_tb(f);
    if (seed % 5 == 0) {
        link_tb(f, tb, 0, tail);
        link_tb(f, tb, 1, tail);
    }
    char what[96];
    snprintf(what, sizeof(what), "seed %llu (%s%s)", (unsigned long long)seed,
             native_kind_names[f->kind], f->with_alias ? ", aliased globals" : "");
    run_pair_tb(f, tb, what);
}

typedef struct RandomParams {
    uint64_t first_seed;
    uint64_t count; /* per configuration */
    double seconds; /* > 0: run this long over all configurations instead */
} RandomParams;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs count blocks (or until the deadline) on one configuration, from *seed on. */
static void random_batch(NativeKind kind, bool alias, uint64_t *seed, uint64_t count,
                         double deadline)
{
    Fixture *f = fixture_new(kind, alias);
    TranslationBlock *tail = tail_block(f);
    for (uint64_t i = 0; i < count; i++, (*seed)++) {
        if (deadline > 0 && (i & 63) == 0 && now_seconds() > deadline) {
            break;
        }
        random_one(f, *seed, tail);
        if (f->tbs->len >= 256) {
            fixture_free_tbs(f);
            tail = tail_block(f);
        }
    }
    /* Every block really ran as native code. */
    TCGNativeStats st;
    tcg_native_get_stats(f->native, &st);
    g_assert_cmpuint(st.failed, ==, 0);
    g_assert_cmpuint(st.interp_runs, ==, 0);
    g_assert_cmpuint(st.compiled, >, 0);
    fixture_free(f);
}

static void test_random(gconstpointer data)
{
    const RandomParams *p = data;
    uint64_t seed = p->first_seed, blocks = 0;
    if (p->seconds > 0) {
        double start = now_seconds(), deadline = start + p->seconds;
        for (unsigned k = 0; now_seconds() < deadline; k++) {
            uint64_t before = seed;
            random_batch((NativeKind)(k % NK_COUNT), k % 3 == 1, &seed, 20000, deadline);
            blocks += seed - before;
        }
        printf("# %llu random blocks in %.0f s, seeds %llu..%llu: no mismatch\n",
               (unsigned long long)blocks, now_seconds() - start, (unsigned long long)p->first_seed,
               (unsigned long long)seed - 1);
        return;
    }
    for (unsigned k = 0; k < NK_COUNT; k++) {
        random_batch((NativeKind)k, false, &seed, p->count, 0);
        random_batch((NativeKind)k, true, &seed, p->count / 4, 0);
    }
}

/* ==== Speed: interpreter against native on IR-heavy blocks ==== */

static void bench_alu(Fixture *f)
{
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    for (int i = 0; i < 100; i++) {
        if (i % 4 == 0) {
            tcg_gen_insn_start(s, 0x1000 + i, 0);
        }
        tcg_gen_add(s, t, f->r[i % 8], f->r[(i + 3) % 8]);
        tcg_gen_xori(s, f->r[(i + 1) % 8], t, i * 77);
        tcg_gen_shli(s, t, t, i % 13);
        tcg_gen_sub(s, f->r[(i + 5) % 8], f->r[(i + 5) % 8], t);
    }
}

static void bench_loop(Fixture *f)
{
    TCGContext *s = &f->s;
    TCGv i = tcg_temp_new(s, TCG_TYPE_I64), acc = tcg_temp_new(s, TCG_TYPE_I64);
    TCGLabel top = tcg_label_new(s);
    tcg_gen_movi(s, i, 200);
    tcg_gen_movi(s, acc, 1);
    tcg_gen_set_label(s, top);
    tcg_gen_op3(s, INDEX_op_mul, acc, acc, f->r[1]);
    tcg_gen_addi(s, acc, acc, 7);
    tcg_gen_extract(s, f->r[2], acc, 5, 17);
    tcg_gen_add(s, f->r[3], f->r[3], f->r[2]);
    tcg_gen_subi(s, i, i, 1);
    tcg_gen_brcondi(s, TCG_COND_NE, i, 0, top);
    tcg_gen_mov(s, f->r[0], acc);
}

/* Guest loads and stores between arithmetic, as in real code (TLB hits). */
static void bench_memory(Fixture *f)
{
    TCGContext *s = &f->s;
    TCGv a = tcg_temp_new(s, TCG_TYPE_I64), v = tcg_temp_new(s, TCG_TYPE_I64);
    for (int i = 0; i < 40; i++) {
        tcg_gen_insn_start(s, 0x2000 + i * 3, 0);
        tcg_gen_andi(s, a, f->r[i % 4], 0x38);
        tcg_gen_addi(s, a, a, 64); /* page 1: RAM, in the TLB after the first access */
        tcg_gen_qemu_ld(s, v, a, MO_UQ, 0);
        tcg_gen_add(s, f->r[(i + 1) % 4], f->r[(i + 1) % 4], v);
        tcg_gen_insn_start(s, 0x2001 + i * 3, 0);
        tcg_gen_qemu_st(s, f->r[(i + 2) % 4], a, MO_UL, 0);
    }
}

/* Flag-computation-like code: setcond, movcond, extract, deposit. */
static void bench_flags(Fixture *f)
{
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64), c = tcg_temp_new(s, TCG_TYPE_I64);
    for (int i = 0; i < 50; i++) {
        tcg_gen_insn_start(s, 0x3000 + i, 0);
        tcg_gen_sub(s, t, f->r[i % 6], f->r[(i + 1) % 6]);
        tcg_gen_setcond(s, TCG_COND_LTU, c, f->r[i % 6], f->r[(i + 1) % 6]);
        tcg_gen_extract(s, f->r[6], t, 63, 1);
        tcg_gen_deposit(s, f->r[7], f->r[7], c, 0, 1);
        tcg_gen_deposit(s, f->r[7], f->r[7], f->r[6], 7, 1);
        tcg_gen_movcond(s, TCG_COND_EQ, f->r[i % 6], t, tcg_const(s, TCG_TYPE_I64, 0), c, t);
    }
}

typedef void (*BenchBuild)(Fixture *f);

static double time_runs(Fixture *f, TranslationBlock *tb, bool native, unsigned runs)
{
    FakeEnv saved = f->env;
    double start = now_seconds();
    for (unsigned i = 0; i < runs; i++) {
        run_one(f, tb, native);
    }
    double t = now_seconds() - start;
    f->env = saved;
    return t / runs;
}

static void test_bench(void)
{
    static const struct {
        const char *name;
        BenchBuild build;
    } blocks[] = {
        {"alu", bench_alu}, {"loop", bench_loop}, {"memory", bench_memory}, {"flags", bench_flags}};
    Fixture *f = fixture_new(NK_TLB, false);
    for (size_t b = 0; b < G_N_ELEMENTS(blocks); b++) {
        for (int opt = 0; opt < 2; opt++) {
            tcg_func_start(&f->s);
            blocks[b].build(f);
            if (opt) {
                tcg_optimize(&f->s);
            }
            unsigned nb_ops = f->s.nb_ops;
            TranslationBlock *tb = fixture_tb(f);
            set_inputs(f, 0x1234567, 0x89abcdef);
            run_pair_tb(f, tb, blocks[b].name);
            run_one(f, tb, true); /* fills the TLB */
            if (g_test_verbose()) {
                tcg_dump_ops(&f->s, stdout);
                tcg_native_dump_tb(f->native, tb, stdout);
            }
            /* The best of several rounds: the machine may be busy with other work. */
            unsigned runs = 5000;
            double ti = 1e9, tn = 1e9;
            for (int round = 0; round < 7; round++) {
                double a = time_runs(f, tb, false, runs), b = time_runs(f, tb, true, runs);
                ti = a < ti ? a : ti;
                tn = b < tn ? b : tn;
            }
            printf("# %-7s %s %4u ops: interpreter %8.1f ns, native %6.1f ns: %5.1fx\n",
                   blocks[b].name, opt ? "optimized" : "plain    ", nb_ops, ti * 1e9, tn * 1e9,
                   ti / tn);
        }
    }
    fixture_free(f);
}

/* ==== main ==== */

static bool take_option(const char *arg, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) == 0 && arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    static RandomParams params = {1, 2500, 0};
    bool bench = false;
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (take_option(argv[i], "--seed", &v)) {
            params.first_seed = strtoull(v, NULL, 0);
        } else if (take_option(argv[i], "--count", &v)) {
            params.count = strtoull(v, NULL, 0);
        } else if (take_option(argv[i], "--seconds", &v)) {
            params.seconds = strtod(v, NULL);
        } else if (strcmp(argv[i], "--bench") == 0) {
            bench = true;
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    argv[argc] = NULL;
    g_test_init(&argc, &argv, NULL);
    if (bench) {
        g_test_add_func("/native/bench", test_bench);
        return g_test_run();
    }
    if (params.seconds > 0) {
        g_test_add_data_func("/native/random/long", &params, test_random);
        return g_test_run();
    }
    g_test_add_func("/native/binops", test_binops);
    g_test_add_func("/native/unops", test_unops);
    g_test_add_func("/native/bitfields", test_bitfields);
    g_test_add_func("/native/conditions", test_conditions);
    g_test_add_func("/native/mul2", test_mul2);
    g_test_add_func("/native/ld_st", test_ld_st);
    g_test_add_func("/native/guest_mem/calls", test_guest_mem_calls);
    g_test_add_func("/native/guest_mem/tlb", test_guest_mem_tlb);
    g_test_add_func("/native/guest_mem/tlb_fast_path", test_tlb_fast_path);
    g_test_add_func("/native/guest_mem/shared_tlb_check", test_shared_tlb_check);
    g_test_add_func("/native/calls", test_calls);
    g_test_add_func("/native/call_permutations", test_call_permutations);
    g_test_add_func("/native/loop", test_loop);
    g_test_add_func("/native/odd_labels", test_odd_labels);
    g_test_add_func("/native/insn_start_exit_request", test_insn_start_exit_request);
    g_test_add_func("/native/goto_tb", test_goto_tb);
    g_test_add_func("/native/next_block", test_next_block);
    g_test_add_func("/native/exit_lookup", test_exit_lookup);
    g_test_add_func("/native/fall_off_end", test_fall_off_end);
    g_test_add_func("/native/fault", test_fault);
    g_test_add_func("/native/overlapping_globals", test_overlapping_globals);
    g_test_add_func("/native/register_pressure", test_register_pressure);
    g_test_add_func("/native/flush", test_flush);
    g_test_add_func("/native/too_big", test_too_big);
    g_test_add_func("/native/threads", test_threads);
    g_test_add_func("/native/out_asm", test_out_asm);
    g_test_add_data_func("/native/random", &params, test_random);
    return g_test_run();
}
