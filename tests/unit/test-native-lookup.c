/* Tests of the native backend's inline jump-cache probe (tcg/x86_64/codegen-lookup.c):
 * a block that leaves through exit_tb(TCG_EXIT_LOOKUP | TCG_EXIT_SAME_KEY) jumps
 * straight to the code its vCPU's jump-cache slot holds when, and only when, the slot
 * holds exactly what the C lookup (es->next_block) would find: the pc computed from
 * the stored ip, the block's own cs_base and flags, cflags 0, the vCPU's translation
 * generation, a valid TB, code of the current code generation, and nothing pending.
 *
 * Each case primes the slot through the C path (which records the code address in the
 * slot, as native_lookup_next does), checks that the next run hits inline (next_block
 * is not asked), then spoils one thing and checks that the run goes through C again,
 * which here returns a different block: a probe that accepted the spoiled slot would
 * run the primed block instead. */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "tcg/tb.h"
#include "tcg/tcg.h"
#include "tcg/x86_64/native.h"

#define WIDE_PC 0x10u /* the flags bit that makes the key pc the ip itself */
#define DONE_IP 0xd0e /* where target blocks leave ip: next_block then says stop */

typedef struct FakeEnv {
    uint64_t ip;
    uint64_t xlat_gen;
    uint64_t stable_gen;
    uint32_t pending;
    uint64_t hits; /* what the blocks ran: +1 the primed target, +100 the C result */
} FakeEnv;

static const TCGNativeLookup fake_lookup = {
    .ip = offsetof(FakeEnv, ip),
    .wide_pc_flag = WIDE_PC,
    .xlat_gen = offsetof(FakeEnv, xlat_gen),
    .stable_gen = offsetof(FakeEnv, stable_gen),
    .pending = offsetof(FakeEnv, pending),
};

typedef struct Fixture {
    TCGContext s;
    TCGv ip, hits;
    FakeEnv env;
    TCGExecState es;
    TCGNative *native;
    TBCache tbc;
    TBJumpCache *jc;
    /* next_block: hands out `next` (recording its slot) after a jump block, NULL after
     * a target block (which leaves DONE_IP in ip). */
    TranslationBlock *next;
    unsigned calls;
} Fixture;

static TranslationBlock *fixture_next_block(TCGExecState *es)
{
    Fixture *f = es->next_block_opaque;
    f->calls++;
    TranslationBlock *tb = f->env.ip == DONE_IP ? NULL : f->next;
    es->next_entry = tb ? tb_jmp_cache_slot(f->jc, tb->pc) : NULL;
    return tb;
}

static Fixture *fixture_new(void)
{
    Fixture *f = g_new0(Fixture, 1);
    tcg_context_init(&f->s);
    f->ip = tcg_global_mem_new(&f->s, TCG_TYPE_I64, offsetof(FakeEnv, ip), "ip");
    f->hits = tcg_global_mem_new(&f->s, TCG_TYPE_I64, offsetof(FakeEnv, hits), "hits");
    TCGNativeConfig cfg = {.code_size = 1 << 20, .lookup = &fake_lookup};
    f->native = tcg_native_new(&cfg);
    g_assert_nonnull(f->native);
    tb_cache_init(&f->tbc);
    f->jc = g_new0(TBJumpCache, 1);
    tb_jmp_cache_check(f->jc, &f->tbc); /* registers it: the slots exist from here */
    f->es.env = &f->env;
    f->es.next_block = fixture_next_block;
    f->es.next_block_opaque = f;
    f->es.jmp_slots = f->jc->entry;
    f->env.xlat_gen = 7;
    return f;
}

static void fixture_free(Fixture *f)
{
    tcg_native_forget_vcpu(f->native, &f->es);
    tcg_native_free(f->native); /* before the TBs it knows are freed */
    tb_cache_destroy(&f->tbc);
    g_free(f->jc);
    tcg_context_destroy(&f->s);
    g_free(f);
}

static TranslationBlock *fixture_tb(Fixture *f, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    TranslationBlock *tb = tb_new_from_context(&f->s, pc, cs_base, flags, 0, pc & 0xffffff);
    tb->size = 16;
    tb->phys_page2 = UINT64_MAX;
    tb_cache_insert(&f->tbc, tb);
    return tb;
}

/* A block that sets ip and leaves through the lookup exit (same_key: with the flag). */
static TranslationBlock *jump_block(Fixture *f, uint64_t pc, uint64_t cs_base, uint32_t flags,
                                    uint64_t ip, bool same_key)
{
    tcg_func_start(&f->s);
    tcg_gen_insn_start(&f->s, pc, cs_base);
    tcg_gen_movi(&f->s, f->ip, (int64_t)ip);
    tcg_gen_exit_tb(&f->s, TB_EXIT_NOCHAIN | TCG_EXIT_LOOKUP | (same_key ? TCG_EXIT_SAME_KEY : 0));
    return fixture_tb(f, pc, cs_base, flags);
}

/* A block that adds inc to hits and returns to the runner, which stops there. */
static TranslationBlock *target_block(Fixture *f, uint64_t pc, uint64_t cs_base, uint32_t flags,
                                      int64_t inc)
{
    tcg_func_start(&f->s);
    tcg_gen_insn_start(&f->s, pc, cs_base);
    tcg_gen_addi(&f->s, f->hits, f->hits, inc);
    tcg_gen_movi(&f->s, f->ip, DONE_IP);
    tcg_gen_exit_tb(&f->s, TB_EXIT_NOCHAIN);
    return fixture_tb(f, pc, cs_base, flags);
}

/* Runs from; next_block offers c_result once. Returns what the blocks added to hits,
 * and *calls how often next_block was asked (1: the probe hit, only the runner asked
 * after the target; 2: the exit called C too). */
static uint64_t run_from(Fixture *f, TranslationBlock *from, TranslationBlock *c_result,
                         unsigned *calls)
{
    uint64_t before = f->env.hits;
    f->next = c_result;
    f->calls = 0;
    g_assert_true(tcg_native_prepare(f->native, from));
    uintptr_t ret = tcg_native_run(f->native, &f->es, from);
    g_assert_cmphex(ret & TB_EXIT_MASK, ==, TB_EXIT_NOCHAIN);
    *calls = f->calls;
    return f->env.hits - before;
}

/* A key that the probe must compute and compare. */
typedef struct KeyCase {
    const char *name;
    uint64_t target_pc, cs_base, ip;
    uint32_t flags;
} KeyCase;

static const KeyCase key_cases[] = {
    /* 32-bit: pc = cs_base + ip, wrapping at 4 GiB. */
    {"flat32", 0x08049000, 0, 0x08049000, 0x4},
    {"wrap32", 0x00001230, 0xfffff000, 0x2230, 0x4},
    /* 64-bit: pc = ip, above bit 31 and with high index bits. */
    {"wide64", 0x00007fffdead1230, 0, 0x00007fffdead1230, WIDE_PC},
    {"kernel64", 0xffffffff81234560, 0, 0xffffffff81234560, WIDE_PC | 0x3},
    /* Constants that take no 32-bit immediate. */
    {"big-consts", 0x12345678, 0x87654321ull << 8, 0, 0x80000004},
};

/* A block with key kc jumping to kc's target: primes the slot, then hits inline. */
typedef struct Primed {
    TranslationBlock *from, *target, *other;
    TBJumpEntry *slot;
} Primed;

static Primed prime(Fixture *f, const KeyCase *kc)
{
    Primed p;
    uint64_t ip = kc->ip;
    if (kc->cs_base && !(kc->flags & WIDE_PC)) {
        ip = (kc->target_pc - kc->cs_base) & 0xffffffffu;
    }
    p.from = jump_block(f, 0x500000, kc->cs_base, kc->flags, ip, true);
    p.target = target_block(f, kc->target_pc, kc->cs_base, kc->flags, 1);
    p.other = target_block(f, kc->target_pc + 0x10000, kc->cs_base, kc->flags, 100);
    g_assert_true(tcg_native_prepare(f->native, p.target));
    g_assert_true(tcg_native_prepare(f->native, p.other));
    tb_jmp_cache_insert(f->jc, &f->tbc, p.target, f->env.xlat_gen);
    p.slot = tb_jmp_cache_slot(f->jc, kc->target_pc);
    unsigned calls;
    /* First through C, which records the code address in the slot. */
    g_assert_cmpuint(run_from(f, p.from, p.target, &calls), ==, 1);
    g_assert_cmpuint(calls, ==, 2);
    g_assert_nonnull(p.slot->code);
    /* Then inline. */
    g_assert_cmpuint(run_from(f, p.from, p.other, &calls), ==, 1);
    g_assert_cmpuint(calls, ==, 1);
    return p;
}

/* The run from p.from must go through C (which answers p.other). */
static void assert_rejected(Fixture *f, const Primed *p, const char *what)
{
    unsigned calls;
    uint64_t hits = run_from(f, p->from, p->other, &calls);
    if (hits != 100 || calls != 2) {
        g_error("the probe accepted a slot with %s (hits %" G_GUINT64_FORMAT ", calls %u)", what,
                hits, calls);
    }
}

static void test_hit(const void *arg)
{
    const KeyCase *kc = arg;
    Fixture *f = fixture_new();
    prime(f, kc);
    fixture_free(f);
}

typedef void (*SpoilFn)(Fixture *f, const Primed *p);

static void spoil_flags(Fixture *f, const Primed *p)
{
    (void)f;
    p->slot->flags ^= 0x100;
}

static void spoil_cflags(Fixture *f, const Primed *p)
{
    (void)f;
    p->slot->cflags = 1;
}

static void spoil_cs_base(Fixture *f, const Primed *p)
{
    (void)f;
    p->slot->cs_base += 0x10;
}

static void spoil_pc(Fixture *f, const Primed *p)
{
    (void)f;
    p->slot->pc ^= UINT64_C(1) << 40; /* same index, other pc */
}

static void spoil_xlat_gen(Fixture *f, const Primed *p)
{
    (void)p;
    f->env.xlat_gen++;
}

/* A slot stamped with the stable generation (tcg/tb.h TB_XLAT_GEN_STABLE), which the
 * probe took while it was current, goes when that one changes. */
static void spoil_stable_gen(Fixture *f, const Primed *p)
{
    f->env.stable_gen = 3;
    p->slot->xlat_gen = 3 | TB_XLAT_GEN_STABLE;
    f->env.xlat_gen++;
    unsigned calls;
    g_assert_cmpuint(run_from(f, p->from, p->other, &calls), ==, 1);
    g_assert_cmpuint(calls, ==, 1);
    f->env.stable_gen++;
}

/* The stable generation counts only with its mark: a slot whose xlat_gen equals it
 * without the mark was stamped with the other generation. */
static void spoil_stable_gen_unmarked(Fixture *f, const Primed *p)
{
    f->env.stable_gen = p->slot->xlat_gen;
    f->env.xlat_gen++;
}

static void spoil_code_gen(Fixture *f, const Primed *p)
{
    (void)f;
    p->slot->code_gen++;
}

static void spoil_invalidate(Fixture *f, const Primed *p)
{
    g_assert_cmpuint(tb_cache_invalidate_range(&f->tbc, p->target->phys_pc, 1), ==, 1);
    g_assert_null(atomic_load(&p->slot->tb));
}

static void spoil_pending(Fixture *f, const Primed *p)
{
    (void)p;
    f->env.pending = 1;
}

static void spoil_no_slots(Fixture *f, const Primed *p)
{
    (void)p;
    f->es.jmp_slots = NULL;
}

/* A flush drops all code: the slot's code address belongs to an older generation (and
 * now holds other code: the blocks are compiled again in another order). */
static void spoil_flush(Fixture *f, const Primed *p)
{
    tcg_native_flush(f->native);
    g_assert_true(tcg_native_prepare(f->native, p->other));
    g_assert_true(tcg_native_prepare(f->native, p->target));
}

typedef struct SpoilCase {
    const char *name;
    SpoilFn spoil;
} SpoilCase;

static const SpoilCase spoil_cases[] = {
    {"flags", spoil_flags},
    {"cflags", spoil_cflags},
    {"cs_base", spoil_cs_base},
    {"pc", spoil_pc},
    {"xlat_gen", spoil_xlat_gen},
    {"stable-gen", spoil_stable_gen},
    {"stable-gen-unmarked", spoil_stable_gen_unmarked},
    {"code_gen", spoil_code_gen},
    {"invalidated", spoil_invalidate},
    {"pending", spoil_pending},
    {"no-slots", spoil_no_slots},
    {"flush", spoil_flush},
};

static void test_spoiled(const void *arg)
{
    const SpoilCase *sc = arg;
    for (size_t i = 0; i < G_N_ELEMENTS(key_cases); i++) {
        Fixture *f = fixture_new();
        Primed p = prime(f, &key_cases[i]);
        sc->spoil(f, &p);
        assert_rejected(f, &p, sc->name);
        fixture_free(f);
    }
}

/* Without TCG_EXIT_SAME_KEY the exit always asks C, however good the slot. */
static void test_not_same_key(void)
{
    Fixture *f = fixture_new();
    Primed p = prime(f, &key_cases[0]);
    TranslationBlock *plain =
        jump_block(f, 0x600000, key_cases[0].cs_base, key_cases[0].flags, key_cases[0].ip, false);
    unsigned calls;
    g_assert_cmpuint(run_from(f, plain, p.other, &calls), ==, 100);
    g_assert_cmpuint(calls, ==, 2);
    fixture_free(f);
}

/* The probe is made with the jumping block's own key: a slot filled under other flags
 * (the successor of a block with other flags) is not taken. */
static void test_other_block_flags(void)
{
    Fixture *f = fixture_new();
    const KeyCase *kc = &key_cases[2];
    Primed p = prime(f, kc);
    TranslationBlock *other_mode =
        jump_block(f, 0x700000, kc->cs_base, kc->flags | 0x3, kc->ip, true);
    unsigned calls;
    g_assert_cmpuint(run_from(f, other_mode, p.other, &calls), ==, 100);
    g_assert_cmpuint(calls, ==, 2);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(key_cases); i++) {
        char *path = g_strdup_printf("/native-lookup/hit/%s", key_cases[i].name);
        g_test_add_data_func(path, &key_cases[i], test_hit);
        g_free(path);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(spoil_cases); i++) {
        char *path = g_strdup_printf("/native-lookup/rejects/%s", spoil_cases[i].name);
        g_test_add_data_func(path, &spoil_cases[i], test_spoiled);
        g_free(path);
    }
    g_test_add_func("/native-lookup/not-same-key", test_not_same_key);
    g_test_add_func("/native-lookup/other-block-flags", test_other_block_flags);
    return g_test_run();
}
