/* Tests of the IR builder, the interpreter and the optimizer: blocks are built with
 * the builder over a fake env, run through tcg_interp_exec, and checked against
 * results computed here with plain C. Every block is run both unoptimized and
 * optimized from the same state and the two runs must leave the same env. */
#include <glib.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tcg/tb.h"
#include "tcg/tcg.h"

#define FAULT_ADDR 0xf00dull /* guest accesses here fault */
#define EXIT_FAULT 4u        /* run_ctx's code for a block left through a fault */

typedef struct FakeEnv {
    uint64_t r[8]; /* 64-bit globals r0..r7 */
    uint32_t w[4]; /* 32-bit globals w0..w3 */
    uint64_t scratch[2];
    uint64_t helper_calls;
    TCGExecState *es;
    sigjmp_buf *fault_jmp;
    uint8_t mem[256]; /* guest memory */
} FakeEnv;

typedef struct Fixture {
    TCGContext s;
    TCGv r[8], w[4];
    TCGv r7lo;  /* a 32-bit global sharing the low half of r7 (when with_alias) */
    TCGv r7mid; /* a 64-bit global over the high half of r7 and w0 (when with_alias) */
    FakeEnv env;
    TCGExecState es;
    sigjmp_buf fault_jmp;
} Fixture;

static uint64_t fake_load(void *env, uint64_t addr, MemOp mop, unsigned mmu_idx)
{
    FakeEnv *e = env;
    unsigned size = 1u << (mop & MO_SIZE);
    uint64_t v = 0;
    (void)mmu_idx;
    if (addr == FAULT_ADDR) {
        siglongjmp(*e->fault_jmp, 1);
    }
    memcpy(&v, &e->mem[addr % (sizeof(e->mem) - 7)], size);
    /* Garbage above the access size: the interpreter must not trust the upper bits. */
    if (size < 8) {
        v |= UINT64_C(0xa5a5a5a5a5a5a5a5) << (size * 8);
    }
    return v;
}

static void fake_store(void *env, uint64_t addr, uint64_t val, MemOp mop, unsigned mmu_idx)
{
    FakeEnv *e = env;
    (void)mmu_idx;
    if (addr == FAULT_ADDR) {
        siglongjmp(*e->fault_jmp, 1);
    }
    memcpy(&e->mem[addr % (sizeof(e->mem) - 7)], &val, 1u << (mop & MO_SIZE));
}

static const TCGGuestMemOps fake_mem_ops = {fake_load, fake_store};

static const char *const r_names[8] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"};
static const char *const w_names[4] = {"w0", "w1", "w2", "w3"};

static Fixture *fixture_new(bool with_alias)
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
    return f;
}

static void fixture_free(Fixture *f)
{
    tcg_context_destroy(&f->s);
    g_free(f);
}

/* Runs the context's block as a TB: the exit reason, or EXIT_FAULT. */
static unsigned run_ctx(Fixture *f)
{
    TranslationBlock *volatile tb = tb_new_from_context(&f->s, 0x1000, 0, 0, 0, 0x1000);
    unsigned code;
    if (sigsetjmp(f->fault_jmp, 0)) {
        code = EXIT_FAULT;
    } else {
        uintptr_t ret = tcg_interp_exec(&f->es, tb);
        g_assert_cmphex(ret & ~(uintptr_t)TB_EXIT_MASK, ==, (uintptr_t)tb);
        code = ret & TB_EXIT_MASK;
    }
    tb_free(tb);
    return code;
}

typedef void (*BuildFn)(Fixture *f, const void *arg);

/* Builds and runs a block without and with the optimizer, from the same env; both
 * runs must agree. Leaves the result in f->env and returns the exit code. Optionally
 * reports the op counts before and after optimization. */
static unsigned run_both_counted(Fixture *f, BuildFn build, const void *arg, unsigned *ops_before,
                                 unsigned *ops_after)
{
    FakeEnv initial = f->env;
    int exit_request = atomic_load(&f->es.exit_request);

    memset(f->es.insn_data, 0, sizeof(f->es.insn_data));
    tcg_func_start(&f->s);
    build(f, arg);
    g_assert_false(f->s.overflow);
    unsigned before = f->s.nb_ops;
    unsigned code_plain = run_ctx(f);
    FakeEnv plain = f->env;
    uint64_t insn_plain[2] = {f->es.insn_data[0], f->es.insn_data[1]};

    f->env = initial;
    atomic_store(&f->es.exit_request, exit_request);
    memset(f->es.insn_data, 0, sizeof(f->es.insn_data));
    tcg_func_start(&f->s);
    build(f, arg);
    tcg_optimize(&f->s);
    unsigned after = f->s.nb_ops;
    unsigned code_opt = run_ctx(f);

    g_assert_cmpuint(code_plain, ==, code_opt);
    g_assert_cmpmem(&plain, sizeof(plain), &f->env, sizeof(f->env));
    g_assert_cmphex(insn_plain[0], ==, f->es.insn_data[0]);
    g_assert_cmphex(insn_plain[1], ==, f->es.insn_data[1]);
    if (ops_before) {
        *ops_before = before;
    }
    if (ops_after) {
        *ops_after = after;
    }
    return code_plain;
}

static unsigned run_both(Fixture *f, BuildFn build, const void *arg)
{
    return run_both_counted(f, build, arg, NULL, NULL);
}

/* clang-format off */
static const uint64_t interesting[] = {
    0, 1, 2, 7, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x123456789abcdef0ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
};
/* clang-format on */
#define N_INTERESTING (sizeof(interesting) / sizeof(interesting[0]))

/* ==== Reference semantics, in plain C ==== */

static uint64_t ref_binop32(TCGOpcode opc, uint32_t a, uint32_t b)
{
    unsigned c = b & 31;
    switch (opc) {
    case INDEX_op_add: return (uint32_t)(a + b);
    case INDEX_op_sub: return (uint32_t)(a - b);
    case INDEX_op_mul: return (uint32_t)(a * b);
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_andc: return a & ~b;
    case INDEX_op_shl: return (uint32_t)(a << c);
    case INDEX_op_shr: return a >> c;
    case INDEX_op_sar: return (uint32_t)((int32_t)a >> c);
    case INDEX_op_rotl: return c ? (uint32_t)((a << c) | (a >> (32 - c))) : a;
    case INDEX_op_rotr: return c ? (uint32_t)((a >> c) | (a << (32 - c))) : a;
    default: g_assert_not_reached();
    }
}

static uint64_t ref_binop64(TCGOpcode opc, uint64_t a, uint64_t b)
{
    unsigned c = b & 63;
    switch (opc) {
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_andc: return a & ~b;
    case INDEX_op_shl: return a << c;
    case INDEX_op_shr: return a >> c;
    case INDEX_op_sar: return (uint64_t)((int64_t)a >> c);
    case INDEX_op_rotl: return c ? (a << c) | (a >> (64 - c)) : a;
    case INDEX_op_rotr: return c ? (a >> c) | (a << (64 - c)) : a;
    default: g_assert_not_reached();
    }
}

static bool ref_cond(TCGCond c, TCGType type, uint64_t a, uint64_t b)
{
    int64_t sa = type == TCG_TYPE_I32 ? (int32_t)a : (int64_t)a;
    int64_t sb = type == TCG_TYPE_I32 ? (int32_t)b : (int64_t)b;
    uint64_t ua = type == TCG_TYPE_I32 ? (uint32_t)a : a;
    uint64_t ub = type == TCG_TYPE_I32 ? (uint32_t)b : b;
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return ua == ub;
    case TCG_COND_NE: return ua != ub;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return ua < ub;
    case TCG_COND_GEU: return ua >= ub;
    case TCG_COND_LEU: return ua <= ub;
    case TCG_COND_GTU: return ua > ub;
    }
    g_assert_not_reached();
}

/* ==== Arithmetic ==== */

typedef struct BinopCase {
    TCGOpcode opc;
    TCGType type;
    uint64_t a, b;
    int consts; /* 0: both globals, 1: b constant, 2: both constant, 3: a constant */
} BinopCase;

static void build_binop(Fixture *f, const void *arg)
{
    const BinopCase *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv d = is32 ? f->w[0] : f->r[0];
    TCGv a = is32 ? f->w[1] : f->r[1];
    TCGv b = is32 ? f->w[2] : f->r[2];
    if (c->consts >= 1) {
        b = tcg_const(&f->s, c->type, (int64_t)c->b);
    }
    if (c->consts == 3) {
        b = is32 ? f->w[2] : f->r[2];
    }
    if (c->consts >= 2) {
        a = tcg_const(&f->s, c->type, (int64_t)c->a);
    }
    tcg_gen_op3(&f->s, c->opc, d, a, b);
}

static void test_binops(void)
{
    static const TCGOpcode ops[] = {INDEX_op_add, INDEX_op_sub, INDEX_op_mul,  INDEX_op_and,
                                    INDEX_op_or,  INDEX_op_xor, INDEX_op_andc, INDEX_op_shl,
                                    INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr};
    Fixture *f = fixture_new(false);
    for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
        for (size_t i = 0; i < N_INTERESTING; i++) {
            for (size_t j = 0; j < N_INTERESTING; j++) {
                for (int consts = 0; consts < 4; consts++) {
                    uint64_t a = interesting[i], b = interesting[j];
                    BinopCase c64 = {ops[o], TCG_TYPE_I64, a, b, consts};
                    memset(&f->env.r, 0, sizeof(f->env.r));
                    f->env.r[1] = a;
                    f->env.r[2] = b;
                    run_both(f, build_binop, &c64);
                    g_assert_cmphex(f->env.r[0], ==, ref_binop64(ops[o], a, b));

                    BinopCase c32 = {ops[o], TCG_TYPE_I32, a, b, consts};
                    memset(&f->env.w, 0, sizeof(f->env.w));
                    f->env.w[1] = (uint32_t)a;
                    f->env.w[2] = (uint32_t)b;
                    run_both(f, build_binop, &c32);
                    g_assert_cmphex(f->env.w[0], ==, ref_binop32(ops[o], (uint32_t)a, (uint32_t)b));
                }
            }
        }
    }
    fixture_free(f);
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
}

static uint64_t ref_unop(TCGOpcode opc, TCGType type, uint64_t a)
{
    uint64_t m = type == TCG_TYPE_I32 ? UINT32_MAX : UINT64_MAX;
    switch (opc) {
    case INDEX_op_neg: return (0 - a) & m;
    case INDEX_op_not: return ~a & m;
    case INDEX_op_ext8s: return (uint64_t)(int64_t)(int8_t)a & m;
    case INDEX_op_ext8u: return (uint8_t)a;
    case INDEX_op_ext16s: return (uint64_t)(int64_t)(int16_t)a & m;
    case INDEX_op_ext16u: return (uint16_t)a;
    case INDEX_op_ext32s: return (uint64_t)(int64_t)(int32_t)a;
    case INDEX_op_ext32u: return (uint32_t)a;
    case INDEX_op_extu_i32_i64: return (uint32_t)a;
    case INDEX_op_exts_i32_i64: return (uint64_t)(int64_t)(int32_t)a;
    case INDEX_op_extrl_i64_i32: return (uint32_t)a;
    case INDEX_op_extrh_i64_i32: return a >> 32;
    default: g_assert_not_reached();
    }
}

static void check_unop(Fixture *f, TCGOpcode opc, TCGType dtype, TCGType stype, uint64_t a)
{
    for (int constant = 0; constant < 2; constant++) {
        UnopCase c = {opc, dtype, stype, constant, a};
        memset(&f->env.r, 0, sizeof(f->env.r));
        memset(&f->env.w, 0, sizeof(f->env.w));
        f->env.r[1] = a;
        f->env.w[1] = (uint32_t)a;
        run_both(f, build_unop, &c);
        uint64_t got = dtype == TCG_TYPE_I32 ? f->env.w[0] : f->env.r[0];
        uint64_t in = stype == TCG_TYPE_I32 ? (uint32_t)a : a;
        g_assert_cmphex(got, ==, ref_unop(opc, dtype, in));
    }
}

static void test_unops(void)
{
    static const TCGOpcode same_type[] = {INDEX_op_neg,   INDEX_op_not,    INDEX_op_ext8s,
                                          INDEX_op_ext8u, INDEX_op_ext16s, INDEX_op_ext16u};
    Fixture *f = fixture_new(false);
    for (size_t i = 0; i < N_INTERESTING; i++) {
        uint64_t a = interesting[i];
        for (size_t o = 0; o < G_N_ELEMENTS(same_type); o++) {
            check_unop(f, same_type[o], TCG_TYPE_I32, TCG_TYPE_I32, a);
            check_unop(f, same_type[o], TCG_TYPE_I64, TCG_TYPE_I64, a);
        }
        check_unop(f, INDEX_op_ext32s, TCG_TYPE_I64, TCG_TYPE_I64, a);
        check_unop(f, INDEX_op_ext32u, TCG_TYPE_I64, TCG_TYPE_I64, a);
        check_unop(f, INDEX_op_extu_i32_i64, TCG_TYPE_I64, TCG_TYPE_I32, a);
        check_unop(f, INDEX_op_exts_i32_i64, TCG_TYPE_I64, TCG_TYPE_I32, a);
        check_unop(f, INDEX_op_extrl_i64_i32, TCG_TYPE_I32, TCG_TYPE_I64, a);
        check_unop(f, INDEX_op_extrh_i64_i32, TCG_TYPE_I32, TCG_TYPE_I64, a);
    }
    fixture_free(f);
}

/* ==== Bit fields ==== */

typedef struct FieldCase {
    TCGOpcode opc;
    TCGType type;
    unsigned pos, len;
    bool constant;
} FieldCase;

static void build_field(Fixture *f, const void *arg)
{
    const FieldCase *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv d = is32 ? f->w[0] : f->r[0];
    TCGv a = is32 ? f->w[1] : f->r[1];
    TCGv b = is32 ? f->w[2] : f->r[2];
    if (c->constant) {
        a = tcg_const(&f->s, c->type, is32 ? f->env.w[1] : (int64_t)f->env.r[1]);
        b = tcg_const(&f->s, c->type, is32 ? f->env.w[2] : (int64_t)f->env.r[2]);
    }
    if (c->opc == INDEX_op_deposit) {
        tcg_gen_deposit(&f->s, d, a, b, c->pos, c->len);
    } else if (c->opc == INDEX_op_extract) {
        tcg_gen_extract(&f->s, d, a, c->pos, c->len);
    } else {
        tcg_gen_sextract(&f->s, d, a, c->pos, c->len);
    }
}

static uint64_t ref_field(const FieldCase *c, uint64_t a, uint64_t b)
{
    unsigned w = c->type == TCG_TYPE_I32 ? 32 : 64;
    uint64_t m = w == 32 ? UINT32_MAX : UINT64_MAX;
    uint64_t lenmask = c->len == 64 ? UINT64_MAX : (UINT64_C(1) << c->len) - 1;
    uint64_t field = (a >> c->pos) & lenmask;
    switch (c->opc) {
    case INDEX_op_deposit: return ((a & ~(lenmask << c->pos)) | ((b & lenmask) << c->pos)) & m;
    case INDEX_op_extract: return field;
    default:
        if (c->len < 64 && (field >> (c->len - 1)) & 1) {
            field |= ~lenmask;
        }
        return field & m;
    }
}

static void test_bitfields(void)
{
    static const TCGOpcode ops[] = {INDEX_op_deposit, INDEX_op_extract, INDEX_op_sextract};
    static const unsigned fields[][2] = {{0, 1},  {0, 8},  {8, 8},   {0, 16}, {7, 9},
                                         {31, 1}, {0, 32}, {16, 16}, {1, 31}, {32, 32},
                                         {0, 64}, {63, 1}, {12, 40}, {60, 4}};
    const uint64_t a = 0x8badf00ddeadbeefull, b = 0xfedcba9876543210ull;
    Fixture *f = fixture_new(false);
    for (size_t o = 0; o < G_N_ELEMENTS(ops); o++) {
        for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
            for (int t = 0; t < 2; t++) {
                FieldCase c = {ops[o], t ? TCG_TYPE_I64 : TCG_TYPE_I32, fields[i][0], fields[i][1],
                               false};
                if (c.pos + c.len > (t ? 64u : 32u)) {
                    continue;
                }
                for (int k = 0; k < 2; k++) {
                    c.constant = k;
                    f->env.r[1] = a;
                    f->env.r[2] = b;
                    f->env.w[1] = (uint32_t)a;
                    f->env.w[2] = (uint32_t)b;
                    run_both(f, build_field, &c);
                    uint64_t got = t ? f->env.r[0] : f->env.w[0];
                    uint64_t want =
                        t ? ref_field(&c, a, b) : ref_field(&c, (uint32_t)a, (uint32_t)b);
                    g_assert_cmphex(got, ==, want);
                }
            }
        }
    }
    fixture_free(f);
}

/* ==== Conditions ==== */

typedef struct CondCase {
    TCGCond cond;
    TCGType type;
    int kind; /* 0 setcond, 1 movcond, 2 brcond */
    bool constant;
    uint64_t a, b;
} CondCase;

static void build_cond(Fixture *f, const void *arg)
{
    const CondCase *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv d = is32 ? f->w[0] : f->r[0];
    TCGv a = is32 ? f->w[1] : f->r[1];
    TCGv b = is32 ? f->w[2] : f->r[2];
    if (c->constant) {
        a = tcg_const(&f->s, c->type, (int64_t)c->a);
        b = tcg_const(&f->s, c->type, (int64_t)c->b);
    }
    if (c->kind == 0) {
        tcg_gen_setcond(&f->s, c->cond, d, a, b);
    } else if (c->kind == 1) {
        TCGv v1 = tcg_const(&f->s, c->type, 111), v2 = tcg_const(&f->s, c->type, 222);
        tcg_gen_movcond(&f->s, c->cond, d, a, b, v1, v2);
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
        0x8000000000000000ull, 0xffffffffffffffffull, 0x100000001ull,
    };
    /* clang-format on */
    Fixture *f = fixture_new(false);
    for (TCGCond cond = TCG_COND_NEVER; cond <= TCG_COND_GTU; cond++) {
        for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
            for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
                for (int t = 0; t < 2; t++) {
                    for (int kind = 0; kind < 3; kind++) {
                        for (int k = 0; k < 2; k++) {
                            TCGType type = t ? TCG_TYPE_I64 : TCG_TYPE_I32;
                            CondCase c = {cond, type, kind, k, vals[i], vals[j]};
                            f->env.r[1] = vals[i];
                            f->env.r[2] = vals[j];
                            f->env.w[1] = (uint32_t)vals[i];
                            f->env.w[2] = (uint32_t)vals[j];
                            run_both(f, build_cond, &c);
                            uint64_t got = t ? f->env.r[0] : f->env.w[0];
                            bool holds = ref_cond(cond, type, vals[i], vals[j]);
                            uint64_t want = kind == 0 ? holds : holds ? 111 : 222;
                            g_assert_cmpuint(got, ==, want);
                        }
                    }
                }
            }
        }
    }
    fixture_free(f);
}

/* ==== Double-width multiply ==== */

typedef struct Mul2Case {
    TCGOpcode opc;
    TCGType type;
    bool constant;
} Mul2Case;

static void build_mul2(Fixture *f, const void *arg)
{
    const Mul2Case *c = arg;
    bool is32 = c->type == TCG_TYPE_I32;
    TCGv lo = is32 ? f->w[0] : f->r[0], hi = is32 ? f->w[3] : f->r[3];
    TCGv a = is32 ? f->w[1] : f->r[1], b = is32 ? f->w[2] : f->r[2];
    if (c->constant) {
        a = tcg_const(&f->s, c->type, is32 ? f->env.w[1] : (int64_t)f->env.r[1]);
        b = tcg_const(&f->s, c->type, is32 ? f->env.w[2] : (int64_t)f->env.r[2]);
    }
    TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
    tcg_emit(&f->s, c->opc, c->type, 4, args);
}

static void test_mul2(void)
{
    Fixture *f = fixture_new(false);
    for (size_t i = 0; i < N_INTERESTING; i++) {
        for (size_t j = 0; j < N_INTERESTING; j++) {
            uint64_t a = interesting[i], b = interesting[j];
            for (int k = 0; k < 2; k++) {
                for (int s = 0; s < 2; s++) {
                    TCGOpcode opc = s ? INDEX_op_muls2 : INDEX_op_mulu2;
                    f->env.r[1] = a;
                    f->env.r[2] = b;
                    f->env.w[1] = (uint32_t)a;
                    f->env.w[2] = (uint32_t)b;
                    Mul2Case c64 = {opc, TCG_TYPE_I64, k};
                    run_both(f, build_mul2, &c64);
                    __int128 p = s ? (__int128)(int64_t)a * (int64_t)b
                                   : (__int128)((unsigned __int128)a * b);
                    g_assert_cmphex(f->env.r[0], ==, (uint64_t)p);
                    g_assert_cmphex(f->env.r[3], ==, (uint64_t)((unsigned __int128)p >> 64));

                    Mul2Case c32 = {opc, TCG_TYPE_I32, k};
                    run_both(f, build_mul2, &c32);
                    int64_t p32 = s ? (int64_t)(int32_t)a * (int32_t)b
                                    : (int64_t)((uint64_t)(uint32_t)a * (uint32_t)b);
                    g_assert_cmphex(f->env.w[0], ==, (uint32_t)p32);
                    g_assert_cmphex(f->env.w[3], ==, (uint32_t)((uint64_t)p32 >> 32));
                }
            }
        }
    }
    fixture_free(f);
}

/* ==== Host memory (env) ==== */

static void build_ld_st(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    intptr_t src = offsetof(FakeEnv, scratch[0]), dst = offsetof(FakeEnv, scratch[1]);
    tcg_gen_ld(s, INDEX_op_ld8u, f->r[0], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld8s, f->r[1], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld16u, f->r[2], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld16s, f->r[3], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld32u, f->r[4], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld32s, f->r[5], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld, f->r[6], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld8s, f->w[0], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld16s, f->w[1], s->env, src);
    tcg_gen_ld(s, INDEX_op_ld, f->w[2], s->env, src + 4);
    /* Stores of decreasing width into the same word: each overwrites its low part. */
    tcg_gen_st(s, INDEX_op_st, f->r[6], s->env, dst);
    tcg_gen_st(s, INDEX_op_st32, f->r[0], s->env, dst);
    tcg_gen_st(s, INDEX_op_st16, f->r[3], s->env, dst + 4);
    tcg_gen_st(s, INDEX_op_st8, f->r[0], s->env, dst + 7);
    tcg_gen_st(s, INDEX_op_st, f->w[1], s->env, dst);
}

static void test_ld_st(void)
{
    Fixture *f = fixture_new(false);
    f->env.scratch[0] = 0x89abcdeffedc8485ull;
    run_both(f, build_ld_st, NULL);
    g_assert_cmphex(f->env.r[0], ==, 0x85);
    g_assert_cmphex(f->env.r[1], ==, 0xffffffffffffff85ull);
    g_assert_cmphex(f->env.r[2], ==, 0x8485);
    g_assert_cmphex(f->env.r[3], ==, 0xffffffffffff8485ull);
    g_assert_cmphex(f->env.r[4], ==, 0xfedc8485);
    g_assert_cmphex(f->env.r[5], ==, 0xfffffffffedc8485ull);
    g_assert_cmphex(f->env.r[6], ==, 0x89abcdeffedc8485ull);
    g_assert_cmphex(f->env.w[0], ==, 0xffffff85);
    g_assert_cmphex(f->env.w[1], ==, 0xffff8485);
    g_assert_cmphex(f->env.w[2], ==, 0x89abcdef);
    /* st r6; st32 0x85; st16 at +4: 0x8485; st8 at +7: 0x85; st (32-bit) w1. */
    g_assert_cmphex(f->env.scratch[1], ==, 0x85ab8485ffff8485ull);
    fixture_free(f);
}

/* ==== Guest memory ==== */

typedef struct GuestMemCase {
    MemOp mop;
    TCGType type;
} GuestMemCase;

static void build_guest_mem(Fixture *f, const void *arg)
{
    const GuestMemCase *c = arg;
    TCGContext *s = &f->s;
    TCGv d = c->type == TCG_TYPE_I32 ? f->w[0] : f->r[0];
    TCGv addr = tcg_const(s, TCG_TYPE_I64, 16);
    tcg_gen_qemu_ld(s, d, addr, c->mop, 1);
    TCGv addr2 = tcg_const(s, TCG_TYPE_I32, 32); /* 32-bit addresses work too */
    tcg_gen_qemu_st(s, d, addr2, c->mop, 1);
}

static void test_guest_mem(void)
{
    static const MemOp mops[] = {MO_UB, MO_UW, MO_UL, MO_UQ, MO_SB, MO_SW, MO_SL};
    static const uint8_t pattern[8] = {0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8};
    Fixture *f = fixture_new(false);
    for (size_t i = 0; i < G_N_ELEMENTS(mops); i++) {
        for (int t = 0; t < 2; t++) {
            TCGType type = t ? TCG_TYPE_I64 : TCG_TYPE_I32;
            if (type == TCG_TYPE_I32 && (mops[i] & MO_SIZE) == MO_64) {
                continue;
            }
            memset(f->env.mem, 0, sizeof(f->env.mem));
            memcpy(&f->env.mem[16], pattern, 8);
            f->env.r[0] = f->env.w[0] = 0;
            GuestMemCase c = {mops[i], type};
            run_both(f, build_guest_mem, &c);

            unsigned size = 1u << (mops[i] & MO_SIZE);
            uint64_t raw = 0;
            memcpy(&raw, pattern, size);
            uint64_t want = raw;
            if ((mops[i] & MO_SIGN) && (raw >> (size * 8 - 1)) & 1) {
                want |= ~UINT64_C(0) << (size * 8);
            }
            if (type == TCG_TYPE_I32) {
                want = (uint32_t)want;
            }
            g_assert_cmphex(t ? f->env.r[0] : f->env.w[0], ==, want);
            /* The store writes exactly size bytes. */
            g_assert_cmpmem(&f->env.mem[32], size, pattern, size);
            g_assert_cmpuint(f->env.mem[32 + size], ==, 0);
        }
    }
    fixture_free(f);
}

/* ==== Helper calls ==== */

static uint64_t helper_mix6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t g)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * g;
}

/* Declared to return 32 bits: the garbage above must be dropped. */
static uint64_t helper_ret32(uint64_t a)
{
    return UINT64_C(0xdead000000000000) | (uint32_t)(a + 1);
}

/* Reads and writes globals through env. */
static void helper_bump(FakeEnv *env, uint64_t v)
{
    env->helper_calls++;
    env->r[4] = env->r[4] * 3 + v + env->r[5];
}

static uint64_t helper_read_r3(FakeEnv *env, uint64_t v)
{
    return env->r[3] ^ v ^ env->w[1];
}

/* Raises (leaves through the fault path) for one argument; reads no global. */
static uint64_t helper_maybe_fault(FakeEnv *env, uint64_t v)
{
    if (v == FAULT_ADDR) {
        siglongjmp(*env->fault_jmp, 1);
    }
    return v * 5;
}

static void helper_request_exit(FakeEnv *env)
{
    atomic_store(&env->es->exit_request, 1);
}

static const TCGHelperInfo info_mix6 = {(void (*)(void))helper_mix6,
                                        "mix6",
                                        TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS |
                                            TCG_CALL_NO_SIDE_EFFECTS | TCG_CALL_NO_RAISE,
                                        6,
                                        true,
                                        TCG_TYPE_I64};
static const TCGHelperInfo info_ret32 = {(void (*)(void))helper_ret32,
                                         "ret32",
                                         TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS |
                                             TCG_CALL_NO_SIDE_EFFECTS | TCG_CALL_NO_RAISE,
                                         1,
                                         true,
                                         TCG_TYPE_I32};
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
static const TCGHelperInfo info_request_exit = {(void (*)(void))helper_request_exit,
                                                "request_exit",
                                                TCG_CALL_NO_READ_GLOBALS |
                                                    TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE,
                                                1,
                                                false,
                                                0};

static void build_calls(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv args6[6] = {
        f->r[1], f->r[2], f->r[3], tcg_const(s, TCG_TYPE_I64, 10), tcg_const(s, TCG_TYPE_I64, 100),
        f->r[2]};
    tcg_gen_call(s, &info_mix6, f->r[0], 6, args6);
    TCGv a1[1] = {f->w[1]};
    tcg_gen_call(s, &info_ret32, f->w[0], 1, a1);
    /* r5 is read by the helper: its store must stay even though r5 is rewritten. */
    tcg_gen_movi(s, f->r[5], 1000);
    TCGv a2[2] = {s->env, f->r[1]};
    tcg_gen_call(s, &info_bump, TCG_NO_RET, 2, a2);
    tcg_gen_movi(s, f->r[5], 7);
    /* r4 was written by the helper: no stale copy may be used. */
    tcg_gen_mov(s, f->r[6], f->r[4]);
    tcg_gen_movi(s, f->r[3], 0x55);
    TCGv a3[2] = {s->env, f->r[6]};
    tcg_gen_call(s, &info_read_r3, f->r[7], 2, a3);
    /* A pure helper whose result is unused. */
    TCGv dead = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_call(s, &info_mix6, dead, 6, args6);
}

static void test_calls(void)
{
    Fixture *f = fixture_new(false);
    f->env.r[1] = 1;
    f->env.r[2] = 20;
    f->env.r[3] = 300;
    f->env.r[4] = 5;
    f->env.w[1] = 0xffffffff;
    unsigned before, after;
    run_both_counted(f, build_calls, NULL, &before, &after);
    g_assert_cmphex(f->env.r[0], ==, 1 + 40 + 900 + 40 + 500 + 120);
    g_assert_cmphex(f->env.w[0], ==, 0);
    g_assert_cmphex(f->env.r[4], ==, 5 * 3 + 1 + 1000);
    g_assert_cmphex(f->env.r[5], ==, 7);
    g_assert_cmphex(f->env.r[6], ==, 1016);
    g_assert_cmphex(f->env.r[7], ==, 0x55ull ^ 1016 ^ 0xffffffff);
    g_assert_cmpuint(f->env.helper_calls, ==, 1);
    g_assert_cmpuint(after, <, before); /* at least the dead pure call went */
    fixture_free(f);
}

/* ==== Labels and loops ==== */

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
    Fixture *f = fixture_new(false);
    f->env.r[1] = 10;
    run_both(f, build_loop, NULL);
    g_assert_cmpuint(f->env.r[0], ==, 55);
    g_assert_cmpuint(f->env.r[2], ==, 1);
    f->env.r[1] = 100;
    f->env.r[2] = 0;
    run_both(f, build_loop, NULL);
    g_assert_cmpuint(f->env.r[0], ==, 5050);
    g_assert_cmpuint(f->env.r[2], ==, 0);
    fixture_free(f);
}

/* ==== Instruction boundaries and exits ==== */

static void build_insns(Fixture *f, const void *arg)
{
    const bool *request_mid_block = arg;
    TCGContext *s = &f->s;
    tcg_gen_insn_start(s, 0x7c00, 1);
    tcg_gen_movi(s, f->r[0], 1);
    if (*request_mid_block) {
        TCGv a[1] = {s->env};
        tcg_gen_call(s, &info_request_exit, TCG_NO_RET, 1, a);
    }
    tcg_gen_movi(s, f->r[0], 2); /* instruction 1 ends with r0 = 2 */
    tcg_gen_insn_start(s, 0x7c03, 2);
    tcg_gen_movi(s, f->r[0], 3);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
}

static void test_insn_start_exit_request(void)
{
    Fixture *f = fixture_new(false);
    bool mid = false;
    /* No request: runs to the end. */
    g_assert_cmpuint(run_both(f, build_insns, &mid), ==, TB_EXIT_NOCHAIN);
    g_assert_cmphex(f->es.insn_data[0], ==, 0x7c03);
    g_assert_cmphex(f->es.insn_data[1], ==, 2);
    g_assert_cmpuint(f->env.r[0], ==, 3);
    /* A pending request stops the block at its first instruction. */
    f->env.r[0] = 0;
    atomic_store(&f->es.exit_request, 1);
    g_assert_cmpuint(run_both(f, build_insns, &mid), ==, TB_EXIT_REQUESTED);
    g_assert_cmphex(f->es.insn_data[0], ==, 0x7c00);
    g_assert_cmphex(f->es.insn_data[1], ==, 1);
    g_assert_cmpuint(f->env.r[0], ==, 0);
    /* A request raised during instruction 1 stops at instruction 2, with env holding
     * everything instruction 1 did (even the optimized block). */
    atomic_store(&f->es.exit_request, 0);
    mid = true;
    g_assert_cmpuint(run_both(f, build_insns, &mid), ==, TB_EXIT_REQUESTED);
    g_assert_cmphex(f->es.insn_data[0], ==, 0x7c03);
    g_assert_cmphex(f->es.insn_data[1], ==, 2);
    g_assert_cmpuint(f->env.r[0], ==, 2);
    fixture_free(f);
}

static void test_goto_tb(void)
{
    Fixture *f = fixture_new(false);
    TCGContext *s = &f->s;
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x100, 0);
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    tcg_gen_goto_tb(s, 1);
    tcg_gen_exit_tb(s, TB_EXIT_IDX1);
    TranslationBlock *a = tb_new_from_context(s, 0x100, 0, 0, 0, 0x100);

    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x200, 0);
    tcg_gen_addi(s, f->r[1], f->r[1], 10);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *b = tb_new_from_context(s, 0x200, 0, 0, 0, 0x200);

    /* Not linked: leaves through slot 1. */
    g_assert_cmphex(tcg_interp_exec(&f->es, a), ==, (uintptr_t)a | TB_EXIT_IDX1);
    g_assert_cmpuint(f->env.r[0], ==, 1);
    g_assert_cmpuint(f->env.r[1], ==, 0);
    /* Linked: continues into b, which returns. */
    atomic_store(&a->jmp_dest[1], b);
    g_assert_cmphex(tcg_interp_exec(&f->es, a), ==, (uintptr_t)b | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(f->env.r[0], ==, 2);
    g_assert_cmpuint(f->env.r[1], ==, 10);
    g_assert_cmphex(f->es.insn_data[0], ==, 0x200);
    /* Linked to an invalidated TB: not followed. */
    atomic_store(&b->invalid, true);
    g_assert_cmphex(tcg_interp_exec(&f->es, a), ==, (uintptr_t)a | TB_EXIT_IDX1);
    g_assert_cmpuint(f->env.r[0], ==, 3);
    g_assert_cmpuint(f->env.r[1], ==, 10);
    /* A block chained to itself runs until an exit request stops it at an
     * instruction boundary. */
    atomic_store(&a->jmp_dest[1], a);
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x300, 0);
    TCGv args[1] = {s->env};
    tcg_gen_call(s, &info_request_exit, TCG_NO_RET, 1, args);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
    TranslationBlock *c = tb_new_from_context(s, 0x300, 0, 0, 0, 0x300);
    atomic_store(&a->jmp_dest[1], c);
    g_assert_cmphex(tcg_interp_exec(&f->es, a), ==, (uintptr_t)c | TB_EXIT_NOCHAIN);
    g_assert_cmpint(atomic_load(&f->es.exit_request), ==, 1);
    atomic_store(&a->jmp_dest[1], a);
    f->env.r[0] = 0;
    g_assert_cmphex(tcg_interp_exec(&f->es, a), ==, (uintptr_t)a | TB_EXIT_REQUESTED);
    g_assert_cmpuint(f->env.r[0], ==, 0);
    g_assert_cmphex(f->es.insn_data[0], ==, 0x100);
    tb_free(c);
    tb_free(b);
    tb_free(a);
    fixture_free(f);
}

/* A block that falls off its end returns NOCHAIN. */
static void test_fall_off_end(void)
{
    Fixture *f = fixture_new(false);
    tcg_func_start(&f->s);
    tcg_gen_movi(&f->s, f->r[0], 9);
    g_assert_cmpuint(run_ctx(f), ==, TB_EXIT_NOCHAIN);
    g_assert_cmpuint(f->env.r[0], ==, 9);
    fixture_free(f);
}

/* ==== The optimizer removes what it should ==== */

static void build_const_add(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_add(s, t, tcg_const(s, TCG_TYPE_I64, 2), tcg_const(s, TCG_TYPE_I64, 3));
    tcg_gen_mov(s, f->r[0], t);
}

static void build_dead_temp(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64), u = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_add(s, t, f->r[1], f->r[2]); /* never used */
    tcg_gen_op3(s, INDEX_op_mul, u, f->r[1], f->r[1]);
    tcg_gen_mov(s, u, f->r[2]); /* overwrites u before any use */
    tcg_gen_mov(s, f->r[0], u);
}

static void build_global_stores(Fixture *f, const void *arg)
{
    const int *variant = arg;
    TCGContext *s = &f->s;
    tcg_gen_insn_start(s, 1, 0);
    tcg_gen_add(s, f->r[0], f->r[1], f->r[2]);
    if (*variant == 1) {
        /* The first insn_start after a label takes exit requests: the first store
         * must stay. */
        tcg_gen_set_label(s, tcg_label_new(s));
        tcg_gen_insn_start(s, 2, 0);
    } else if (*variant == 4) {
        tcg_gen_insn_start(s, 2, 0); /* no exit point: the first store is dead */
    } else if (*variant == 2) {
        TCGv t = tcg_temp_new(s, TCG_TYPE_I64); /* may fault: likewise */
        tcg_gen_qemu_ld(s, t, f->r[1], MO_UQ, 0);
    } else if (*variant == 3) {
        TCGv t = tcg_temp_new(s, TCG_TYPE_I64); /* reads r0 through env */
        tcg_gen_ld(s, INDEX_op_ld32u, t, s->env, offsetof(FakeEnv, r[0]) + 4);
        tcg_gen_mov(s, f->r[3], t);
    }
    tcg_gen_sub(s, f->r[0], f->r[1], f->r[2]);
}

static void build_static_branch(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGLabel l = tcg_label_new(s);
    TCGv t = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_movi(s, t, 5);
    tcg_gen_brcondi(s, TCG_COND_LTU, t, 3, l); /* never taken */
    tcg_gen_movi(s, f->r[0], 1);
    tcg_gen_set_label(s, l);
    tcg_gen_addi(s, f->w[0], t, 1); /* 6, known through the dead label */
}

static void test_optimizer_removes(void)
{
    Fixture *f = fixture_new(false);
    unsigned before, after;

    run_both_counted(f, build_const_add, NULL, &before, &after);
    g_assert_cmpuint(f->env.r[0], ==, 5);
    g_assert_cmpuint(after, ==, 1);
    g_assert_cmpuint(f->s.ops[0].opc, ==, INDEX_op_movi);
    g_assert_cmpuint(f->s.ops[0].args[0], ==, f->r[0].idx);
    g_assert_cmpuint(f->s.ops[0].args[1], ==, 5);

    f->env.r[1] = 3;
    f->env.r[2] = 4;
    run_both_counted(f, build_dead_temp, NULL, &before, &after);
    g_assert_cmpuint(f->env.r[0], ==, 4);
    g_assert_cmpuint(after, ==, 1); /* mov r0, r2 */

    int variant = 0;
    run_both_counted(f, build_global_stores, &variant, &before, &after);
    g_assert_cmpuint(f->env.r[0], ==, (uint64_t)-1);
    g_assert_cmpuint(after, ==, before - 1);
    for (variant = 1; variant <= 3; variant++) {
        run_both_counted(f, build_global_stores, &variant, &before, &after);
        g_assert_cmpuint(after, ==, before);
    }
    variant = 4;
    run_both_counted(f, build_global_stores, &variant, &before, &after);
    g_assert_cmpuint(f->env.r[0], ==, (uint64_t)-1);
    g_assert_cmpuint(after, ==, before - 1);

    run_both_counted(f, build_static_branch, NULL, &before, &after);
    g_assert_cmpuint(f->env.w[0], ==, 6);
    g_assert_cmpuint(after, ==, 3); /* movi r0; set_label; movi w0 */
    fixture_free(f);
}

/* The x86 front end's condition lowering: a 0/1 setcond, inverted by xor 1, tested
 * against 0 by brcond or movcond; and zero-extensions of already extended values. */
static void build_setcond_uses(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGLabel l = tcg_label_new(s);
    TCGv c = tcg_temp_new(s, TCG_TYPE_I64), n = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv b = tcg_temp_new(s, TCG_TYPE_I64), z = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_setcond(s, TCG_COND_LTU, c, f->r[1], f->r[2]);
    tcg_gen_movcond(s, TCG_COND_NE, f->r[4], c, tcg_const(s, TCG_TYPE_I64, 0), f->r[5], f->r[6]);
    tcg_gen_ld(s, INDEX_op_ld8u, b, s->env, offsetof(FakeEnv, r[3]));
    tcg_gen_op2(s, INDEX_op_ext32u, z, b);
    tcg_gen_op2(s, INDEX_op_ext16u, f->r[7], z);
    tcg_gen_xori(s, n, c, 1);
    tcg_gen_brcondi(s, TCG_COND_EQ, n, 0, l);
    tcg_gen_movi(s, f->r[0], 1);
    tcg_gen_set_label(s, l);
}

static void test_optimizer_setcond_uses(void)
{
    Fixture *f = fixture_new(false);
    static const uint64_t pairs[][2] = {{1, 2}, {2, 1}, {5, 5}};
    for (unsigned i = 0; i < 3; i++) {
        memset(&f->env.r, 0, sizeof(f->env.r));
        f->env.r[1] = pairs[i][0];
        f->env.r[2] = pairs[i][1];
        f->env.r[3] = 0x1234;
        f->env.r[5] = 55;
        f->env.r[6] = 66;
        unsigned before, after;
        run_both_counted(f, build_setcond_uses, NULL, &before, &after);
        bool ltu = pairs[i][0] < pairs[i][1];
        g_assert_cmpuint(f->env.r[4], ==, ltu ? 55 : 66);
        g_assert_cmpuint(f->env.r[0], ==, ltu ? 0 : 1);
        g_assert_cmphex(f->env.r[7], ==, 0x34);
        /* Left: movcond and brcond on r1, r2; ld8u and a mov to r7. */
        for (unsigned k = 0; k < f->s.nb_ops; k++) {
            const TCGOp *op = &f->s.ops[k];
            g_assert_cmpuint(op->opc, !=, INDEX_op_setcond);
            g_assert_cmpuint(op->opc, !=, INDEX_op_xor);
            g_assert_cmpuint(op->opc, !=, INDEX_op_ext32u);
            g_assert_cmpuint(op->opc, !=, INDEX_op_ext16u);
            if (op->opc == INDEX_op_brcond) {
                g_assert_cmpuint(op->args[0], ==, f->r[1].idx);
                g_assert_cmpuint(op->args[1], ==, f->r[2].idx);
                g_assert_cmpuint(op->args[2], ==, TCG_COND_LTU);
            }
        }
        g_assert_cmpuint(after, <, before);
    }
    fixture_free(f);
}

/* t = r1 + 1 copied into r2 (and into r7, which shares bytes with other globals when
 * the fixture has aliases), then read twice more. */
static void build_copy_to_global(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv u = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_addi(s, t, f->r[1], 1);
    tcg_gen_mov(s, f->r[7], t);
    tcg_gen_mov(s, f->r[2], t);
    tcg_gen_sub(s, u, t, f->r[4]);
    tcg_gen_mov(s, f->r[3], u);
    tcg_gen_mov(s, f->r[5], t);
}

/* Later reads of a copied value read the plain global that holds it, so that the temp
 * dies at the copy (a backend then renames its register instead of copying); never a
 * global sharing bytes with another (a backend reads those from memory every time). */
static void test_optimizer_copies_read_globals(void)
{
    for (int alias = 0; alias < 2; alias++) {
        Fixture *f = fixture_new(alias);
        f->env.r[1] = 41;
        f->env.r[4] = 2;
        run_both(f, build_copy_to_global, NULL);
        g_assert_cmpuint(f->env.r[2], ==, 42);
        g_assert_cmpuint(f->env.r[3], ==, 40);
        g_assert_cmpuint(f->env.r[5], ==, 42);
        g_assert_cmpuint(f->env.r[7], ==, 42);
        unsigned want = alias ? f->r[2].idx : f->r[7].idx;
        for (unsigned k = 0; k < f->s.nb_ops; k++) {
            const TCGOp *op = &f->s.ops[k];
            if (op->opc == INDEX_op_sub) {
                g_assert_cmpuint(op->args[1], ==, want);
            }
            if (op->opc == INDEX_op_mov && op->args[0] == f->r[5].idx) {
                g_assert_cmpuint(op->args[1], ==, want);
            }
        }
        fixture_free(f);
    }
}

/* 32-bit guest arithmetic as the x86 front end writes it: zero-extended inputs, a
 * 64-bit op, a zero-extended result. r3 = r1 - r2 and r5 = r1 << 3 in 32 bits; r6 =
 * ext32u(r1 << 40), which a 32-bit shift (count masked to 5 bits) would get wrong. */
static void build_guest32(Fixture *f, const void *arg)
{
    (void)arg;
    TCGContext *s = &f->s;
    TCGv a = tcg_temp_new(s, TCG_TYPE_I64), b = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv d = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_op2(s, INDEX_op_ext32u, a, f->r[1]);
    tcg_gen_op2(s, INDEX_op_ext32u, b, f->r[2]);
    tcg_gen_sub(s, d, a, b);
    tcg_gen_op2(s, INDEX_op_ext32u, d, d);
    tcg_gen_mov(s, f->r[3], d);
    tcg_gen_shli(s, d, a, 3);
    tcg_gen_op2(s, INDEX_op_ext32u, f->r[5], d);
    tcg_gen_shli(s, d, a, 40);
    tcg_gen_op2(s, INDEX_op_ext32u, f->r[6], d);
}

/* Such sequences become one 32-bit op on the guest registers themselves; the shift by
 * 40 stays 64-bit. */
static void test_optimizer_guest32(void)
{
    Fixture *f = fixture_new(false);
    f->env.r[1] = 0xaaaaaaaa00000005ull;
    f->env.r[2] = 0x5555555500000007ull;
    run_both(f, build_guest32, NULL);
    g_assert_cmphex(f->env.r[3], ==, 0xfffffffeull);
    g_assert_cmphex(f->env.r[5], ==, 40);
    g_assert_cmphex(f->env.r[6], ==, 0);
    unsigned narrowed = 0;
    for (unsigned k = 0; k < f->s.nb_ops; k++) {
        const TCGOp *op = &f->s.ops[k];
        if (op->opc == INDEX_op_sub) {
            g_assert_cmpuint(op->type, ==, TCG_TYPE_I32);
            g_assert_cmpuint(op->args[1], ==, f->r[1].idx);
            g_assert_cmpuint(op->args[2], ==, f->r[2].idx);
            narrowed++;
        }
        if (op->opc == INDEX_op_shl) {
            uint64_t count = 0;
            for (unsigned j = 0; j < k; j++) {
                if (f->s.ops[j].opc == INDEX_op_movi && f->s.ops[j].args[0] == op->args[2]) {
                    count = f->s.ops[j].args[1];
                }
            }
            g_assert_cmpuint(op->type, ==, count < 32 ? TCG_TYPE_I32 : TCG_TYPE_I64);
            narrowed += op->type == TCG_TYPE_I32;
        }
    }
    g_assert_cmpuint(narrowed, ==, 2);
    fixture_free(f);
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
    tcg_gen_mov(s, f->r[0], f->r[7]); /* sees the new low half */
    tcg_gen_mov(s, f->r[1], t);       /* the old value */
    tcg_gen_movi(s, f->r7lo, 0x44444444);
    tcg_gen_movi(s, f->r[7], 0x5555555566666666ll);
    tcg_gen_movi(s, f->r7lo, 0x77777777); /* the r7 store before is not dead */
    /* A copy between globals sharing bytes changes the source too. */
    tcg_gen_mov(s, f->r7mid, f->r[7]);
    tcg_gen_mov(s, t, f->r7mid);
    tcg_gen_mov(s, f->r[2], t);
    tcg_gen_mov(s, f->r[3], f->r[7]);
}

static void test_overlapping_globals(void)
{
    Fixture *f = fixture_new(true);
    run_both(f, build_alias, NULL);
    g_assert_cmphex(f->env.r[0], ==, 0x1111111133333333ull);
    g_assert_cmphex(f->env.r[1], ==, 0x1111111122222222ull);
    /* r7mid = r7 wrote r7's high half and w0 */
    g_assert_cmphex(f->env.r[7], ==, 0x7777777777777777ull);
    g_assert_cmphex(f->env.w[0], ==, 0x55555555);
    g_assert_cmphex(f->env.r[2], ==, 0x5555555577777777ull);
    g_assert_cmphex(f->env.r[3], ==, 0x7777777777777777ull);
    fixture_free(f);
}

/* A fault in the middle of a block must find env as the plain run left it. */
static void build_fault(Fixture *f, const void *arg)
{
    const bool *in_helper = arg;
    TCGContext *s = &f->s;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_insn_start(s, 0x10, 0);
    tcg_gen_movi(s, f->r[0], 1);
    tcg_gen_insn_start(s, 0x11, 0);
    tcg_gen_movi(s, f->r[0], 2);
    tcg_gen_movi(s, f->r[1], 2);
    TCGv addr = tcg_const(s, TCG_TYPE_I64, FAULT_ADDR);
    if (*in_helper) {
        /* A helper that reads no global but may raise. */
        TCGv a[2] = {s->env, addr};
        tcg_gen_call(s, &info_maybe_fault, t, 2, a);
    } else {
        tcg_gen_qemu_ld(s, t, addr, MO_UQ, 0);
    }
    tcg_gen_movi(s, f->r[0], 3);
    tcg_gen_movi(s, f->r[1], 3);
}

static void test_fault(void)
{
    Fixture *f = fixture_new(false);
    for (int i = 0; i < 2; i++) {
        bool in_helper = i;
        memset(&f->env.r, 0, sizeof(f->env.r));
        g_assert_cmpuint(run_both(f, build_fault, &in_helper), ==, EXIT_FAULT);
        g_assert_cmphex(f->es.insn_data[0], ==, 0x11);
        g_assert_cmpuint(f->env.r[0], ==, 2);
        g_assert_cmpuint(f->env.r[1], ==, 2);
    }
    fixture_free(f);
}

/* ==== Random blocks: optimized and plain runs must agree ==== */

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
    switch (rng_below(r, 4)) {
    case 0: return interesting[rng_below(r, N_INTERESTING)];
    case 1: return rng_below(r, 8);
    case 2: return rng_below(r, 100) == 0 ? FAULT_ADDR : rng_below(r, 256);
    default: return rng_next(r);
    }
}

#define POOL 6

typedef struct RandomBlock {
    Fixture *f;
    Rng rng;
    TCGv pool[2][POOL]; /* [type][i]: globals and locals of each type */
    TCGLabel pending[4];
    unsigned nb_pending;
} RandomBlock;

static TCGv rb_temp(RandomBlock *rb, unsigned type)
{
    return rb->pool[type][rng_below(&rb->rng, POOL)];
}

/* An input: a pool temp, or now and then a fresh constant. */
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
    switch (rng_below(r, 5)) {
    case 0:
    case 1: {
        TCGv a = rb_input(rb, type);
        /* Same input twice now and then, for the x-x style identities. */
        TCGv b = rng_below(r, 5) == 0 ? a : rb_input(rb, type);
        tcg_gen_op3(s, bin[rng_below(r, G_N_ELEMENTS(bin))], d, a, b);
        break;
    }
    case 2: tcg_gen_op2(s, un[rng_below(r, G_N_ELEMENTS(un))], d, rb_input(rb, type)); break;
    case 3: tcg_gen_movi(s, d, (int64_t)rng_value(r)); break;
    default: {
        unsigned w = type ? 64 : 32, len = 1 + rng_below(r, w), pos = rng_below(r, w - len + 1);
        unsigned k = rng_below(r, 3);
        if (k == 0) {
            TCGv a = rb_input(rb, type), b = rb_input(rb, type);
            tcg_gen_deposit(s, d, a, b, pos, len);
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
    switch (rng_below(&rb->rng, 6)) {
    case 0: tcg_gen_op2(s, INDEX_op_extu_i32_i64, rb_temp(rb, 1), rb_input(rb, 0)); break;
    case 1: tcg_gen_op2(s, INDEX_op_exts_i32_i64, rb_temp(rb, 1), rb_input(rb, 0)); break;
    case 2: tcg_gen_op2(s, INDEX_op_extrl_i64_i32, rb_temp(rb, 0), rb_input(rb, 1)); break;
    case 3: tcg_gen_op2(s, INDEX_op_extrh_i64_i32, rb_temp(rb, 0), rb_input(rb, 1)); break;
    case 4: tcg_gen_op2(s, INDEX_op_ext32s, rb_temp(rb, 1), rb_input(rb, 1)); break;
    default: tcg_gen_op2(s, INDEX_op_ext32u, rb_temp(rb, 1), rb_input(rb, 1)); break;
    }
}

static void rb_compare(RandomBlock *rb, unsigned type)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    TCGCond c = (TCGCond)rng_below(r, TCG_COND_GTU + 1);
    TCGv a = rb_input(rb, type), b = rng_below(r, 6) == 0 ? a : rb_input(rb, type);
    if (rng_below(r, 2)) {
        tcg_gen_setcond(s, c, rb_temp(rb, type), a, b);
    } else {
        TCGv d = rb_temp(rb, type), v1 = rb_input(rb, type), v2 = rb_input(rb, type);
        tcg_gen_movcond(s, c, d, a, b, v1, v2);
    }
}

static void rb_mul2(RandomBlock *rb, unsigned type)
{
    TCGv lo = rb_temp(rb, type), hi = rb_temp(rb, type);
    if (lo.idx == hi.idx) {
        return;
    }
    TCGv a = rb_input(rb, type), b = rb_input(rb, type);
    TCGArg args[4] = {lo.idx, hi.idx, a.idx, b.idx};
    tcg_emit(&rb->f->s, rng_below(&rb->rng, 2) ? INDEX_op_mulu2 : INDEX_op_muls2, (TCGType)type, 4,
             args);
}

static void rb_memory(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    /* Host accesses to env, at the globals' own bytes too. */
    intptr_t off = (intptr_t)rng_below(r, offsetof(FakeEnv, scratch[2]) - 8 + 1) & ~(intptr_t)3;
    switch (rng_below(r, 4)) {
    case 0: {
        static const TCGOpcode lds[] = {INDEX_op_ld8u,  INDEX_op_ld8s,  INDEX_op_ld16u,
                                        INDEX_op_ld16s, INDEX_op_ld32u, INDEX_op_ld32s,
                                        INDEX_op_ld};
        unsigned type = rng_below(r, 2);
        tcg_gen_ld(s, lds[rng_below(r, G_N_ELEMENTS(lds))], rb_temp(rb, type), s->env, off);
        break;
    }
    case 1: {
        static const TCGOpcode sts[] = {INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st};
        unsigned type = rng_below(r, 2);
        tcg_gen_st(s, sts[rng_below(r, G_N_ELEMENTS(sts))], rb_input(rb, type), s->env, off);
        break;
    }
    case 2: {
        static const MemOp mops[] = {MO_UB, MO_UW, MO_UL, MO_UQ, MO_SB, MO_SW, MO_SL};
        MemOp mop = mops[rng_below(r, G_N_ELEMENTS(mops))];
        unsigned type = (mop & MO_SIZE) == MO_64 ? 1 : rng_below(r, 2);
        tcg_gen_qemu_ld(s, rb_temp(rb, type), rb_input(rb, 1), mop, 0);
        break;
    }
    default: {
        MemOp mop = (MemOp)rng_below(r, 4);
        unsigned type = mop == MO_64 ? 1 : rng_below(r, 2);
        tcg_gen_qemu_st(s, rb_input(rb, type), rb_input(rb, rng_below(r, 2)), mop, 0);
        break;
    }
    }
}

static void rb_call(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    switch (rng_below(&rb->rng, 6)) {
    case 5: {
        TCGv a[2] = {s->env, rb_input(rb, 1)};
        tcg_gen_call(s, &info_maybe_fault, rb_temp(rb, 1), 2, a);
        break;
    }
    case 0: {
        TCGv a[6];
        for (int i = 0; i < 6; i++) {
            a[i] = rb_input(rb, 1);
        }
        tcg_gen_call(s, &info_mix6, rb_temp(rb, 1), 6, a);
        break;
    }
    case 1: {
        TCGv a[1] = {rb_input(rb, 0)};
        tcg_gen_call(s, &info_ret32, rb_temp(rb, 0), 1, a);
        break;
    }
    case 2: {
        TCGv a[2] = {s->env, rb_input(rb, 1)};
        tcg_gen_call(s, &info_bump, TCG_NO_RET, 2, a);
        break;
    }
    case 3: {
        TCGv a[2] = {s->env, rb_input(rb, 1)};
        tcg_gen_call(s, &info_read_r3, rb_temp(rb, 1), 2, a);
        break;
    }
    default:
        if (rng_below(&rb->rng, 4) == 0) {
            TCGv a[1] = {s->env};
            tcg_gen_call(s, &info_request_exit, TCG_NO_RET, 1, a);
        }
        break;
    }
}

static void rb_control(RandomBlock *rb)
{
    TCGContext *s = &rb->f->s;
    Rng *r = &rb->rng;
    switch (rng_below(r, 4)) {
    case 0:
        if (rb->nb_pending < G_N_ELEMENTS(rb->pending)) {
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
        break;
    case 1:
        if (rb->nb_pending) {
            unsigned i = rng_below(r, rb->nb_pending);
            tcg_gen_set_label(s, rb->pending[i]);
            rb->pending[i] = rb->pending[--rb->nb_pending];
        }
        break;
    case 2: tcg_gen_insn_start(s, rng_next(r), rng_below(r, 16)); break;
    default: {
        /* A bounded loop on its own counter around a few random ops. */
        TCGv counter = tcg_temp_new(s, TCG_TYPE_I32);
        TCGLabel top = tcg_label_new(s);
        tcg_gen_movi(s, counter, 1 + rng_below(r, 4));
        tcg_gen_set_label(s, top);
        for (unsigned n = rng_below(r, 4); n > 0; n--) {
            rb_arith(rb, rng_below(r, 2));
        }
        tcg_gen_subi(s, counter, counter, 1);
        tcg_gen_brcondi(s, TCG_COND_NE, counter, 0, top);
        break;
    }
    }
}

static void build_random(Fixture *f, const void *arg)
{
    const uint64_t *seed = arg;
    RandomBlock rb = {.f = f, .rng = {*seed * 2 + 1}};
    TCGContext *s = &f->s;
    Rng *r = &rb.rng;
    for (unsigned type = 0; type < 2; type++) {
        for (unsigned i = 0; i < POOL; i++) {
            if (i < POOL / 2) {
                rb.pool[type][i] = type ? f->r[1 + i + 3 * rng_below(r, 2)] : f->w[i];
            } else {
                rb.pool[type][i] = tcg_temp_new(s, (TCGType)type);
                tcg_gen_movi(s, rb.pool[type][i], (int64_t)rng_value(r));
            }
        }
    }
    if (f->r7lo.idx != f->r[7].idx) {
        rb.pool[0][0] = f->r7lo;
        rb.pool[1][1] = f->r[7];
        rb.pool[1][2] = f->r7mid;
    }
    unsigned n = 5 + rng_below(r, 40);
    for (unsigned i = 0; i < n; i++) {
        switch (rng_below(r, 10)) {
        case 0:
        case 1:
        case 2: rb_arith(&rb, rng_below(r, 2)); break;
        case 3: rb_convert(&rb); break;
        case 4: rb_compare(&rb, rng_below(r, 2)); break;
        case 5: rb_mul2(&rb, rng_below(r, 2)); break;
        case 6: rb_memory(&rb); break;
        case 7: rb_call(&rb); break;
        default: rb_control(&rb); break;
        }
    }
    while (rb.nb_pending) {
        tcg_gen_set_label(s, rb.pending[--rb.nb_pending]);
    }
    /* Copy the locals out so that their values are checked too. */
    tcg_gen_mov(s, f->r[0], rb.pool[1][POOL - 1]);
    tcg_gen_mov(s, f->w[3], rb.pool[0][POOL - 1]);
    if (rng_below(r, 2)) {
        tcg_gen_goto_tb(s, 0);
        tcg_gen_exit_tb(s, TB_EXIT_IDX0);
    }
}

static void run_random(bool with_alias, unsigned count)
{
    Fixture *f = fixture_new(with_alias);
    unsigned total_before = 0, total_after = 0;
    for (uint64_t seed = 1; seed <= count; seed++) {
        Rng init = {seed * 7919};
        for (int i = 0; i < 8; i++) {
            f->env.r[i] = rng_value(&init);
        }
        for (int i = 0; i < 4; i++) {
            f->env.w[i] = (uint32_t)rng_value(&init);
        }
        for (size_t i = 0; i < sizeof(f->env.mem); i++) {
            f->env.mem[i] = (uint8_t)rng_next(&init);
        }
        f->env.scratch[0] = rng_next(&init);
        atomic_store(&f->es.exit_request, 0);
        unsigned before, after;
        run_both_counted(f, build_random, &seed, &before, &after);
        total_before += before;
        total_after += after;
    }
    if (g_test_verbose()) {
        g_test_message("random blocks: %u ops before, %u after optimization", total_before,
                       total_after);
    }
    g_assert_cmpuint(total_after, <, total_before);
    fixture_free(f);
}

static void test_random_blocks(void)
{
    run_random(false, 3000);
}

static void test_random_blocks_aliased(void)
{
    run_random(true, 1500);
}

/* ==== Builder ==== */

static void test_overflow(void)
{
    Fixture *f = fixture_new(false);
    TCGContext *s = &f->s;
    tcg_func_start(s);
    g_assert_false(tcg_op_buf_full(s, 10));
    for (unsigned i = 0; i < TCG_MAX_OPS + 100; i++) {
        tcg_gen_mov(s, f->r[0], f->r[1]);
    }
    g_assert_true(s->overflow);
    g_assert_true(tcg_op_buf_full(s, 1));
    g_assert_cmpuint(s->nb_ops, ==, TCG_MAX_OPS);
    /* A new block starts clean. */
    tcg_func_start(s);
    g_assert_false(s->overflow);
    g_assert_cmpuint(s->nb_ops, ==, 0);
    g_assert_cmpuint(s->nb_temps, ==, s->nb_globals);
    /* Running out of temps is handled the same way. */
    for (unsigned i = 0; i < TCG_MAX_TEMPS + 10; i++) {
        TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
        g_assert_cmpuint(t.idx, <, TCG_MAX_TEMPS);
    }
    g_assert_true(s->overflow);
    tcg_gen_addi(s, f->r[0], f->r[0], 1); /* dropped, no crash */
    tcg_func_start(s);
    g_assert_true(tcg_op_buf_full(s, TCG_MAX_TEMPS));
    g_assert_false(tcg_op_buf_full(s, TCG_MAX_TEMPS - s->nb_globals));
    fixture_free(f);
}

static void test_dump(void)
{
    Fixture *f = fixture_new(false);
    TCGContext *s = &f->s;
    tcg_func_start(s);
    TCGLabel l = tcg_label_new(s);
    TCGv t = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_insn_start(s, 0x7c00, 0);
    tcg_gen_add(s, t, f->w[1], f->w[2]);
    tcg_gen_brcondi(s, TCG_COND_LTU, f->r[1], 16, l);
    TCGv a[2] = {s->env, f->r[2]};
    tcg_gen_call(s, &info_read_r3, f->r[3], 2, a);
    tcg_gen_qemu_ld(s, f->r[4], f->r[5], MO_SW, 2);
    tcg_gen_xori(s, f->w[0], f->w[0], -1);
    tcg_gen_set_label(s, l);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);

    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    tcg_dump_ops(s, mf);
    fclose(mf);
    char *expect = g_strdup_printf(" insn_start $0x7c00, $0, exit_check\n"
                                   " add_i32 tmp%u, w1, w2\n"
                                   " movi_i64 tmp%u, $0x10\n"
                                   " brcond_i64 r1, $0x10, ltu, $L0\n"
                                   " call read_r3, r3, env, r2\n"
                                   " qemu_ld_i64 r4, r5, sw, 2\n"
                                   " movi_i32 tmp%u, $0xffffffff\n"
                                   " xor_i32 w0, w0, $0xffffffff\n"
                                   " set_label $L0\n"
                                   " exit_tb $0x2\n",
                                   t.idx, t.idx + 1, t.idx + 2);
    g_assert_cmpstr(buf, ==, expect);
    g_free(expect);
    free(buf);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/interp/binops", test_binops);
    g_test_add_func("/tcg/interp/unops", test_unops);
    g_test_add_func("/tcg/interp/bitfields", test_bitfields);
    g_test_add_func("/tcg/interp/conditions", test_conditions);
    g_test_add_func("/tcg/interp/mul2", test_mul2);
    g_test_add_func("/tcg/interp/ld_st", test_ld_st);
    g_test_add_func("/tcg/interp/guest_mem", test_guest_mem);
    g_test_add_func("/tcg/interp/calls", test_calls);
    g_test_add_func("/tcg/interp/loop", test_loop);
    g_test_add_func("/tcg/interp/insn_start_exit_request", test_insn_start_exit_request);
    g_test_add_func("/tcg/interp/goto_tb", test_goto_tb);
    g_test_add_func("/tcg/interp/fall_off_end", test_fall_off_end);
    g_test_add_func("/tcg/interp/fault", test_fault);
    g_test_add_func("/tcg/optimize/removes", test_optimizer_removes);
    g_test_add_func("/tcg/optimize/setcond_uses", test_optimizer_setcond_uses);
    g_test_add_func("/tcg/optimize/copies_read_globals", test_optimizer_copies_read_globals);
    g_test_add_func("/tcg/optimize/guest32", test_optimizer_guest32);
    g_test_add_func("/tcg/optimize/overlapping_globals", test_overlapping_globals);
    g_test_add_func("/tcg/optimize/random_blocks", test_random_blocks);
    g_test_add_func("/tcg/optimize/random_blocks_aliased", test_random_blocks_aliased);
    g_test_add_func("/tcg/builder/overflow", test_overflow);
    g_test_add_func("/tcg/dump", test_dump);
    return g_test_run();
}
