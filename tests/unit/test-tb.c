/* Tests of translation blocks and their cache: keys, invalidation by physical range
 * (touching ranges do not overlap), the code-page bits, TBs over two pages, pages
 * above 4 GiB, flush, and that invalidation stays fast with many TBs. */
#include <errno.h>
#include <glib.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/tb.h"
#include "tcg/tcg.h"

#define PAGE 0x1000ull

typedef struct Fixture {
    TCGContext s;
    TBCache cache;
} Fixture;

static Fixture *fixture_new(void)
{
    Fixture *f = g_new0(Fixture, 1);
    tcg_context_init(&f->s);
    tcg_global_mem_new(&f->s, TCG_TYPE_I64, 0, "r0");
    tb_cache_init(&f->cache);
    tcg_func_start(&f->s);
    tcg_gen_exit_tb(&f->s, TB_EXIT_NOCHAIN);
    return f;
}

static void fixture_free(Fixture *f)
{
    tb_cache_destroy(&f->cache);
    tcg_context_destroy(&f->s);
    g_free(f);
}

static TranslationBlock *make_tb_key(Fixture *f, uint64_t phys_pc, uint32_t size,
                                     uint64_t phys_page2, uint64_t pc, uint64_t cs_base,
                                     uint32_t flags, uint32_t cflags)
{
    TranslationBlock *tb = tb_new_from_context(&f->s, pc, cs_base, flags, cflags, phys_pc);
    tb->size = size;
    tb->phys_page2 = phys_page2;
    tb_cache_insert(&f->cache, tb);
    return tb;
}

/* A TB whose linear pc equals its physical one. */
static TranslationBlock *make_tb(Fixture *f, uint64_t phys_pc, uint32_t size, uint64_t phys_page2)
{
    return make_tb_key(f, phys_pc, size, phys_page2, phys_pc, 0, 0, 0);
}

static TranslationBlock *lookup(Fixture *f, const TranslationBlock *tb)
{
    return tb_cache_lookup(&f->cache, tb->phys_pc, tb->pc, tb->cs_base, tb->flags, tb->cflags);
}

static bool has_code(Fixture *f, uint64_t addr)
{
    return tb_cache_page_has_code(&f->cache, addr);
}

static void test_new_from_context(void)
{
    Fixture *f = fixture_new();
    TCGContext *s = &f->s;
    tcg_func_start(s);
    TCGLabel l0 = tcg_label_new(s), l1 = tcg_label_new(s), unused = tcg_label_new(s);
    TCGv t = tcg_temp_new(s, TCG_TYPE_I32);
    (void)unused;
    tcg_gen_insn_start(s, 0x10, 0);
    tcg_gen_br(s, l1);
    tcg_gen_set_label(s, l0);
    tcg_gen_movi(s, t, 3);
    tcg_gen_set_label(s, l1);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);

    TranslationBlock *tb = tb_new_from_context(s, 0x401000, 0x10, 0x20, 0x30, 0x1000);
    g_assert_cmphex(tb->pc, ==, 0x401000);
    g_assert_cmphex(tb->cs_base, ==, 0x10);
    g_assert_cmphex(tb->flags, ==, 0x20);
    g_assert_cmphex(tb->cflags, ==, 0x30);
    g_assert_cmphex(tb->phys_pc, ==, 0x1000);
    g_assert_cmphex(tb->phys_page2, ==, UINT64_MAX);
    g_assert_cmpuint(tb->nb_ops, ==, 6);
    g_assert_cmpuint(tb->nb_temps, ==, s->nb_temps);
    g_assert_cmpuint(tb->nb_labels, ==, 3);
    g_assert_null(atomic_load(&tb->jmp_dest[0]));
    g_assert_null(atomic_load(&tb->jmp_dest[1]));
    g_assert_false(atomic_load(&tb->invalid));
    g_assert_cmpuint((uintptr_t)tb & TB_EXIT_MASK, ==, 0);
    /* The TB owns copies: the next block does not change it. */
    tcg_func_start(s);
    tcg_gen_exit_tb(s, TB_EXIT_IDX0);
    const TBIR *ir = tb_ir(tb);
    g_assert_true(tb_ir(tb) == ir); /* unpacked once */
    g_assert_cmpuint(ir->nb_ops, ==, 6);
    g_assert_cmpuint(ir->nb_labels, ==, 3);
    g_assert_cmpuint(ir->label_ops[0], ==, 2);
    g_assert_cmpuint(ir->label_ops[1], ==, 4);
    g_assert_cmpuint(ir->label_ops[2], ==, UINT32_MAX);
    g_assert_cmpuint(ir->ops[0].opc, ==, INDEX_op_insn_start);
    g_assert_cmpuint(ir->ops[3].opc, ==, INDEX_op_movi);
    g_assert_cmpuint(ir->temps[t.idx].type, ==, TCG_TYPE_I32);
    g_assert_cmpuint(ir->temps[t.idx].kind, ==, TEMP_LOCAL);
    tb_free(tb);
    fixture_free(f);
}

static void test_lookup_keys(void)
{
    Fixture *f = fixture_new();
    TranslationBlock *base = make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x100, 7, 1);
    g_assert_true(lookup(f, base) == base);

    /* Each key field alone tells TBs apart. */
    TranslationBlock *variants[5] = {
        make_tb_key(f, 0x6000, 16, UINT64_MAX, 0x7c00, 0x100, 7, 1),
        make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c01, 0x100, 7, 1),
        make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x200, 7, 1),
        make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x100, 8, 1),
        make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x100, 7, 2),
    };
    g_assert_true(lookup(f, base) == base);
    for (int i = 0; i < 5; i++) {
        g_assert_true(lookup(f, variants[i]) == variants[i]);
    }
    g_assert_cmpuint(f->cache.count, ==, 6);
    /* Keys nobody inserted. */
    g_assert_null(tb_cache_lookup(&f->cache, 0x7000, 0x7c00, 0x100, 7, 1));
    g_assert_null(tb_cache_lookup(&f->cache, 0x5000, 0x7c02, 0x100, 7, 1));
    g_assert_null(tb_cache_lookup(&f->cache, 0x5000, 0x7c00, 0x300, 7, 1));
    g_assert_null(tb_cache_lookup(&f->cache, 0x5000, 0x7c00, 0x100, 9, 1));
    g_assert_null(tb_cache_lookup(&f->cache, 0x5000, 0x7c00, 0x100, 7, 3));
    fixture_free(f);
}

/* Many TBs that differ in one key field only: bucket collisions are certain, so the
 * lookup must compare every field. */
static void test_many_lookups(void)
{
    Fixture *f = fixture_new();
    enum { N = 3000 };
    TranslationBlock **tbs = g_new(TranslationBlock *, 5 * N);
    for (unsigned field = 0; field < 5; field++) {
        for (unsigned i = 0; i < N; i++) {
            uint64_t key[5] = {0x100000, 0x400000, 0, 0, 0};
            key[field] += field < 2 ? (i + 1) * 16 : i + 1;
            tbs[field * N + i] = make_tb_key(f, key[0], 16, UINT64_MAX, key[1], key[2],
                                             (uint32_t)key[3], (uint32_t)key[4]);
        }
    }
    for (unsigned i = 0; i < 5 * N; i++) {
        g_assert_true(lookup(f, tbs[i]) == tbs[i]);
    }
    g_free(tbs);
    fixture_free(f);
}

static void test_invalidate_edges(void)
{
    Fixture *f = fixture_new();
    TranslationBlock *tb = make_tb(f, 0x1100, 0x10, UINT64_MAX);
    /* Ranges ending where the TB starts, or starting where it ends, do not touch it. */
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x10f0, 0x10), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x1110, 0x10), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x1100, 0), ==, 0);
    g_assert_false(atomic_load(&tb->invalid));
    g_assert_true(lookup(f, tb) == tb);
    /* Its last byte does. */
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x110f, 1), ==, 1);
    g_assert_true(atomic_load(&tb->invalid));
    g_assert_null(lookup(f, tb));
    g_assert_cmpuint(f->cache.count, ==, 0);
    g_assert_true(f->cache.graveyard == tb);
    /* Only once. */
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x1100, 0x10), ==, 0);

    /* Its first byte does too, as does a range covering it. */
    TranslationBlock *tb2 = make_tb(f, 0x1100, 0x10, UINT64_MAX);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x10ff, 2), ==, 1);
    g_assert_true(atomic_load(&tb2->invalid));
    TranslationBlock *tb3 = make_tb(f, 0x1100, 0x10, UINT64_MAX);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0, 0x100000), ==, 1);
    g_assert_true(atomic_load(&tb3->invalid));
    /* A range reaching the top of the address space. */
    TranslationBlock *top = make_tb(f, UINT64_MAX - 0x20, 0x10, UINT64_MAX);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, UINT64_MAX - 0x100, UINT64_MAX), ==, 1);
    g_assert_true(atomic_load(&top->invalid));
    fixture_free(f);
}

static void test_page_bits(void)
{
    Fixture *f = fixture_new();
    g_assert_false(has_code(f, 0x3000));
    TranslationBlock *a = make_tb(f, 0x3010, 0x10, UINT64_MAX);
    TranslationBlock *b = make_tb(f, 0x3800, 0x10, UINT64_MAX);
    g_assert_true(has_code(f, 0x3000));
    g_assert_true(has_code(f, 0x3fff));
    g_assert_false(has_code(f, 0x2fff));
    g_assert_false(has_code(f, 0x4000));
    /* A write elsewhere on the page keeps the page's TBs and its bit. */
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3400, 0x100), ==, 0);
    g_assert_true(has_code(f, 0x3000));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3010, 1), ==, 1);
    g_assert_true(atomic_load(&a->invalid));
    g_assert_false(atomic_load(&b->invalid));
    g_assert_true(has_code(f, 0x3000)); /* b is still there */
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x380f, 1), ==, 1);
    g_assert_false(has_code(f, 0x3000));
    /* Bits of neighbouring pages in the same bitmap word are independent. */
    make_tb(f, 0x5000, 4, UINT64_MAX);
    make_tb(f, 0x6000, 4, UINT64_MAX);
    tb_cache_invalidate_range(&f->cache, 0x5000, 4);
    g_assert_false(has_code(f, 0x5000));
    g_assert_true(has_code(f, 0x6000));
    fixture_free(f);
}

static bool range_has_code(Fixture *f, uint64_t addr, unsigned len)
{
    return tb_cache_range_has_code(&f->cache, addr, len);
}

/* Code granules (64 bytes): a store that touches none of a page's TBs' granules is
 * told so without a search, one that shares a granule with a TB is searched and still
 * spares the TB unless it overlaps its bytes. */
static void test_code_granules(void)
{
    Fixture *f = fixture_new();
    g_assert_cmphex(tb_code_granule_mask(0, 1), ==, 1);
    g_assert_cmphex(tb_code_granule_mask(0x3f, 2), ==, 3);
    g_assert_cmphex(tb_code_granule_mask(0xfc0, 0x40), ==, UINT64_C(1) << 63);
    g_assert_cmphex(tb_code_granule_mask(0, 0x1000), ==, ~UINT64_C(0));
    /* [0x3050, 0x3090): granules 1 and 2 of page 3. */
    TranslationBlock *a = make_tb(f, 0x3050, 0x40, UINT64_MAX);
    g_assert_false(range_has_code(f, 0x3000, 0x40));
    g_assert_true(range_has_code(f, 0x303f, 2));
    g_assert_true(range_has_code(f, 0x30bf, 1));
    g_assert_false(range_has_code(f, 0x30c0, 8));
    g_assert_false(range_has_code(f, 0x3ff8, 8));
    g_assert_false(range_has_code(f, 0x2050, 8)); /* the page below */
    unsigned long searches = f->cache.granule_searches;
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3800, 8), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3000, 0x40), ==, 0);
    g_assert_cmpuint(f->cache.granule_searches, ==, searches);
    /* In a code granule, beside the TB: searched, and the TB stays. */
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3090, 4), ==, 0);
    g_assert_cmpuint(f->cache.granule_searches, ==, searches + 1);
    g_assert_false(atomic_load(&a->invalid));

    /* The mask is the union over the page's TBs, recomputed as they leave. */
    TranslationBlock *b = make_tb(f, 0x3f00, 0x10, UINT64_MAX);
    g_assert_true(range_has_code(f, 0x3f3f, 1));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3f08, 1), ==, 1);
    g_assert_true(atomic_load(&b->invalid));
    g_assert_false(range_has_code(f, 0x3f00, 0x40));
    g_assert_true(range_has_code(f, 0x3060, 1));
    g_assert_true(has_code(f, 0x3000));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3060, 1), ==, 1);
    g_assert_false(range_has_code(f, 0x3000, 0x1000));
    g_assert_false(has_code(f, 0x3000));

    /* A TB over two pages marks the end of the first and the start of the second. */
    TranslationBlock *c = make_tb(f, 0x4ff8, 0x10, 0x9000);
    g_assert_true(range_has_code(f, 0x4fc0, 1));
    g_assert_false(range_has_code(f, 0x4f80, 0x40));
    g_assert_true(range_has_code(f, 0x9007, 1));
    g_assert_false(range_has_code(f, 0x9040, 0x40));
    /* Leaving through its first page clears its granules on the second one, where
     * another TB stays. */
    TranslationBlock *d = make_tb(f, 0x9800, 0x10, UINT64_MAX);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x4fff, 1), ==, 1);
    g_assert_true(atomic_load(&c->invalid));
    g_assert_false(range_has_code(f, 0x9000, 0x40));
    g_assert_true(range_has_code(f, 0x9800, 1));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x9800, 1), ==, 1);
    g_assert_true(atomic_load(&d->invalid));
    g_assert_false(range_has_code(f, 0x9000, 0x1000));
    /* A range crossing pages, and one above 4 GiB, fall back to the page bits. */
    make_tb(f, 0x6000, 0x10, UINT64_MAX);
    g_assert_true(range_has_code(f, 0x5ffc, 8));
    g_assert_false(range_has_code(f, 0x4ffc, 8));
    make_tb(f, 0x123456000ull, 0x10, UINT64_MAX);
    g_assert_true(range_has_code(f, 0x123456800ull, 1));
    /* A flush forgets every granule. */
    make_tb(f, 0x7040, 0x10, UINT64_MAX);
    tb_cache_flush(&f->cache);
    g_assert_false(range_has_code(f, 0x7040, 1));
    g_assert_false(range_has_code(f, 0x6000, 1));
    fixture_free(f);
}

static void test_two_pages(void)
{
    Fixture *f = fixture_new();
    /* Physically contiguous: [0x1ff8, 0x2008). */
    TranslationBlock *c = make_tb(f, 0x1ff8, 0x10, 0x2000);
    g_assert_true(has_code(f, 0x1000));
    g_assert_true(has_code(f, 0x2000));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x2008, 8), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x2007, 1), ==, 1);
    g_assert_true(atomic_load(&c->invalid));
    g_assert_false(has_code(f, 0x1000));
    g_assert_false(has_code(f, 0x2000));

    /* Second page elsewhere: bytes [0x3ff8, 0x4000) and [0x9000, 0x9008). */
    TranslationBlock *d = make_tb(f, 0x3ff8, 0x10, 0x9000);
    g_assert_true(has_code(f, 0x3000));
    g_assert_false(has_code(f, 0x4000));
    g_assert_true(has_code(f, 0x9000));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x4000, 0x10), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x9008, 0x10), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x8ff0, 0x10), ==, 0);
    g_assert_false(atomic_load(&d->invalid));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x9007, 1), ==, 1);
    g_assert_true(atomic_load(&d->invalid));
    g_assert_false(has_code(f, 0x3000));
    g_assert_false(has_code(f, 0x9000));

    /* Invalidated through its first page, it leaves the second page's list too. */
    TranslationBlock *e = make_tb(f, 0x3ff8, 0x10, 0x9000);
    TranslationBlock *other = make_tb(f, 0x9100, 0x10, UINT64_MAX);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x3ff8, 1), ==, 1);
    g_assert_true(atomic_load(&e->invalid));
    g_assert_true(has_code(f, 0x9000));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x9000, 0x1000), ==, 1);
    g_assert_true(atomic_load(&other->invalid));
    g_assert_false(has_code(f, 0x9000));
    fixture_free(f);
}

static void test_high_pages(void)
{
    Fixture *f = fixture_new();
    const uint64_t hi = 0x123456000ull;
    g_assert_false(has_code(f, hi));
    TranslationBlock *a = make_tb(f, hi + 0x10, 0x10, UINT64_MAX);
    TranslationBlock *b = make_tb(f, hi + 5 * PAGE, 0x10, UINT64_MAX);
    TranslationBlock *c = make_tb(f, hi - 7 * PAGE, 0x10, UINT64_MAX);
    g_assert_true(has_code(f, hi));
    g_assert_true(has_code(f, hi + 5 * PAGE + 0xfff));
    g_assert_true(has_code(f, hi - 7 * PAGE));
    g_assert_false(has_code(f, hi + PAGE));
    g_assert_false(has_code(f, hi - PAGE));
    /* The same page number modulo 4 GiB is another page. */
    g_assert_false(has_code(f, hi & 0xffffffffull));
    g_assert_cmpuint(f->cache.nhigh, ==, 3);
    g_assert_true(f->cache.high_pages[0] < f->cache.high_pages[1]);
    g_assert_true(f->cache.high_pages[1] < f->cache.high_pages[2]);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, hi & 0xffffffffull, PAGE), ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, hi, PAGE), ==, 1);
    g_assert_true(atomic_load(&a->invalid));
    g_assert_false(has_code(f, hi));
    g_assert_true(has_code(f, hi + 5 * PAGE));
    g_assert_cmpuint(f->cache.nhigh, ==, 2);

    /* Across the 4 GiB line: the low page has a bit, the high one an entry. */
    TranslationBlock *d = make_tb(f, 0xfffffff8ull, 0x10, 0x100000000ull);
    g_assert_true(has_code(f, 0xfffff000ull));
    g_assert_true(has_code(f, 0x100000000ull));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x100000004ull, 1), ==, 1);
    g_assert_true(atomic_load(&d->invalid));
    g_assert_false(has_code(f, 0xfffff000ull));
    g_assert_false(has_code(f, 0x100000000ull));
    g_assert_false(atomic_load(&b->invalid));
    g_assert_false(atomic_load(&c->invalid));
    fixture_free(f);
}

static void test_flush(void)
{
    Fixture *f = fixture_new();
    TranslationBlock *tbs[100];
    for (unsigned i = 0; i < 100; i++) {
        tbs[i] = make_tb(f, 0x10000 + i * 0x100, 0x20, UINT64_MAX);
    }
    make_tb(f, 0x200000000ull, 0x10, UINT64_MAX);
    tb_cache_invalidate_range(&f->cache, 0x10000, 0x300); /* three to the graveyard */
    g_assert_cmpuint(f->cache.count, ==, 98);
    g_assert_true(atomic_load(&tbs[2]->invalid));
    g_assert_false(atomic_load(&tbs[3]->invalid));
    tb_cache_flush(&f->cache);
    g_assert_cmpuint(f->cache.count, ==, 0);
    g_assert_null(f->cache.all);
    g_assert_null(f->cache.graveyard);
    g_assert_cmpuint(f->cache.nhigh, ==, 0);
    for (uint64_t a = 0; a < 0x100000; a += PAGE) {
        g_assert_false(has_code(f, a));
    }
    g_assert_false(has_code(f, 0x200000000ull));
    /* The cache works again afterwards. */
    TranslationBlock *tb = make_tb(f, 0x10000, 0x20, UINT64_MAX);
    g_assert_true(lookup(f, tb) == tb);
    g_assert_true(has_code(f, 0x10000));
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x10000, 1), ==, 1);
    fixture_free(f);
}

static TranslationBlock *jc_lookup(Fixture *f, TBJumpCache *jc, const TranslationBlock *tb)
{
    return tb_jmp_cache_lookup(jc, &f->cache, tb->phys_pc, tb->pc, tb->cs_base, tb->flags,
                               tb->cflags, 1);
}

/* The jump cache: a hit is decided by the key kept in the slot (the TB is not read),
 * any key field that differs misses, invalidating a TB clears it from every jump cache
 * of the TBCache (also one the TB was inserted in right after translation), and a
 * flush empties them. */
static void test_jump_cache(void)
{
    Fixture *f = fixture_new();
    TBJumpCache *jc = g_new0(TBJumpCache, 1), *other = g_new0(TBJumpCache, 1);
    TranslationBlock *tb = make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x100, 7, 0);
    g_assert_true(jc_lookup(f, jc, tb) == tb);
    g_assert_true(jc_lookup(f, other, tb) == tb);
    /* From the slot alone: a TB whose own key no longer matches is still found. */
    tb->flags = 8;
    g_assert_true(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x100, 7, 0, 1) == tb);
    tb->flags = 7;
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x6000, 0x7c00, 0x100, 7, 0, 1));
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x200, 7, 0, 1));
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x100, 8, 0, 1));
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x100, 7, 1, 1));
    g_assert_true(jc_lookup(f, jc, tb) == tb);

    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x5004, 1), ==, 1);
    tb->flags = 8; /* the slot must be empty: not found through the key either */
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x100, 7, 0, 1));
    g_assert_null(tb_jmp_cache_lookup(other, &f->cache, 0x5000, 0x7c00, 0x100, 7, 0, 1));

    TranslationBlock *fresh = make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x100, 7, 0);
    tb_jmp_cache_insert(jc, &f->cache, fresh, 1);
    g_assert_true(jc_lookup(f, jc, fresh) == fresh);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x5000, 1), ==, 1);
    g_assert_null(jc_lookup(f, jc, fresh));

    TranslationBlock *kept = make_tb(f, 0x8000, 16, UINT64_MAX);
    g_assert_true(jc_lookup(f, jc, kept) == kept);
    tb_cache_flush(&f->cache);
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x8000, 0x8000, 0, 0, 0, 1));
    fixture_free(f);
    g_free(jc);
    g_free(other);
}

/* Two TBs whose pcs share a slot: the one a fill displaced stays in the slot's second
 * way, where a lookup by physical pc finds it without the hash table (here it is in
 * none) and swaps it back into the first way, which probes read; invalidation and
 * flushes clear the second way too. */
static void test_jump_cache_victim(void)
{
    Fixture *f = fixture_new();
    TBJumpCache *jc = g_new0(TBJumpCache, 1);
    const uint64_t pc = 0x7c00, pc2 = pc + (UINT64_C(1) << 28); /* same index */
    g_assert_true(tb_jmp_cache_slot(jc, pc) == tb_jmp_cache_slot(jc, pc2));
    TranslationBlock *a = tb_new_from_context(&f->s, pc, 0, 0, 0, 0x5000);
    TranslationBlock *b = make_tb_key(f, 0x6000, 16, UINT64_MAX, pc2, 0, 0, 0);
    tb_jmp_cache_insert(jc, &f->cache, a, 1);
    tb_jmp_cache_insert(jc, &f->cache, b, 1);
    g_assert_true(tb_jmp_cache_probe(jc, &f->cache, pc2, 0, 0, 0, 1, 99) == b);
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, pc, 0, 0, 0, 1, 99));
    g_assert_true(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, pc, 0, 0, 0, 2) == a);
    g_assert_true(tb_jmp_cache_probe(jc, &f->cache, pc, 0, 0, 0, 2, 99) == a);
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x5001, pc, 0, 0, 0, 2));
    g_assert_true(tb_jmp_cache_lookup(jc, &f->cache, 0x6000, pc2, 0, 0, 0, 2) == b);
    /* b is invalidated while it is in the second way. */
    g_assert_true(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, pc, 0, 0, 0, 2) == a);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x6000, 1), ==, 1);
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x6000, pc2, 0, 0, 0, 2));
    /* A flush empties both ways. */
    TranslationBlock *c = make_tb_key(f, 0x8000, 16, UINT64_MAX, pc2, 0, 0, 0);
    tb_jmp_cache_insert(jc, &f->cache, c, 2); /* a goes to the second way */
    tb_cache_flush(&f->cache);
    g_assert_null(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, pc, 0, 0, 0, 2));
    tb_free(a);
    fixture_free(f);
    g_free(jc);
}

/* Probing by linear pc: a hit needs the generation the slot was filled (or last found
 * by physical pc) under; a lookup by physical pc moves the slot to the caller's
 * generation; an invalidated or flushed TB is never probed. */
static void test_jump_cache_probe(void)
{
    Fixture *f = fixture_new();
    TBJumpCache *jc = g_new0(TBJumpCache, 1);
    TranslationBlock *tb = make_tb_key(f, 0x5000, 16, UINT64_MAX, 0x7c00, 0x100, 7, 0);
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 0, 1, 99));
    g_assert_true(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x100, 7, 0, 1) == tb);
    g_assert_true(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 0, 1, 99) == tb);
    g_assert_true(tb_jmp_cache_slot(jc, 0x7c00)->tb == tb);
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 0, 2, 99));
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x200, 7, 0, 1, 99));
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 8, 0, 1, 99));
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 1, 1, 99));
    /* Found again by physical pc under generation 2: probes of 2 hit, of 1 miss. */
    g_assert_true(tb_jmp_cache_lookup(jc, &f->cache, 0x5000, 0x7c00, 0x100, 7, 0, 2) == tb);
    g_assert_true(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 0, 2, 99) == tb);
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 0, 1, 99));
    /* The slots are 64-byte aligned: a probe reads one cache line. */
    g_assert_cmpuint((uintptr_t)tb_jmp_cache_slot(jc, 0x7c00) % 64, ==, 0);
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0x5000, 1), ==, 1);
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x7c00, 0x100, 7, 0, 2, 99));

    TranslationBlock *kept = make_tb(f, 0x8000, 16, UINT64_MAX);
    tb_jmp_cache_insert(jc, &f->cache, kept, 3);
    g_assert_true(tb_jmp_cache_probe(jc, &f->cache, kept->pc, 0, 0, 0, 3, 99) == kept);
    tb_cache_flush(&f->cache);
    g_assert_null(tb_jmp_cache_probe(jc, &f->cache, 0x8000, 0, 0, 0, 3, 99));
    fixture_free(f);
    g_free(jc);
}

/* Inserting and invalidating tens of thousands of TBs stays well under a second: the
 * page index keeps each invalidation local to the pages written. */
/* This thread's CPU time in microseconds: unlike wall time, it does not grow when a
 * loaded host runs other work, so the bound below tests the algorithm (a quadratic
 * invalidation would take minutes), not the machine's load. */
static gint64 thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void test_timing(void)
{
    Fixture *f = fixture_new();
    enum { N = 50000 };
    TranslationBlock **tbs = g_new(TranslationBlock *, N);
    gint64 start = thread_cpu_us();
    for (unsigned i = 0; i < N; i++) {
        /* 64 TBs a page, some crossing into the next page; half of them above 4 GiB. */
        uint64_t base = i % 2 ? 0x180000000ull : 0x100000ull;
        uint64_t phys = base + (uint64_t)(i / 2) * 0x40 + 0x38;
        tbs[i] =
            make_tb(f, phys, 0x10, (phys & 0xfff) + 0x10 > PAGE ? (phys | 0xfff) + 1 : UINT64_MAX);
    }
    gint64 inserted = thread_cpu_us();
    unsigned n = 0;
    /* One small write per TB, as self-modifying code would do. */
    for (unsigned i = 0; i < N; i++) {
        n += tb_cache_invalidate_range(&f->cache, tbs[i]->phys_pc + 3, 2);
    }
    gint64 done = thread_cpu_us();
    g_assert_cmpuint(n, ==, N);
    g_assert_cmpuint(f->cache.count, ==, 0);
    g_assert_false(has_code(f, 0x100000ull));
    g_assert_false(has_code(f, 0x180000000ull));
    if (g_test_verbose()) {
        g_test_message("insert %" G_GINT64_FORMAT " us, invalidate %" G_GINT64_FORMAT " us",
                       inserted - start, done - inserted);
    }
    g_assert_cmpint(done - start, <, 1000000);

    /* Then the same number again, dropped by one big range. */
    tb_cache_flush(&f->cache);
    for (unsigned i = 0; i < N; i++) {
        make_tb(f, 0x100000ull + (uint64_t)i * 0x40, 0x10, UINT64_MAX);
    }
    start = thread_cpu_us();
    g_assert_cmpuint(tb_cache_invalidate_range(&f->cache, 0, 0x100000000ull), ==, N);
    g_assert_cmpint(thread_cpu_us() - start, <, 1000000);
    g_free(tbs);
    fixture_free(f);
}

typedef struct StressArgs {
    Fixture *f;
    atomic_bool stop;
} StressArgs;

static gpointer reader_thread(gpointer opaque)
{
    StressArgs *a = opaque;
    unsigned long seen = 0;
    while (!atomic_load(&a->stop)) {
        seen += has_code(a->f, 0x40000) + has_code(a->f, 0x140000000ull);
        seen += lookup(a->f, &(TranslationBlock){.phys_pc = 0x40000, .pc = 0x40000}) != NULL;
    }
    return GSIZE_TO_POINTER(seen);
}

/* Lookups and page checks from another thread while TBs come and go. */
static void test_concurrent(void)
{
    Fixture *f = fixture_new();
    StressArgs args = {.f = f};
    atomic_init(&args.stop, false);
    GThread *t = g_thread_new("reader", reader_thread, &args);
    for (unsigned round = 0; round < 2000; round++) {
        make_tb(f, 0x40000, 0x10, UINT64_MAX);
        make_tb(f, 0x140000000ull + (round % 7) * 0x10, 0x10, UINT64_MAX);
        tb_cache_invalidate_range(&f->cache, 0x40000, 1);
        tb_cache_invalidate_range(&f->cache, 0x140000000ull, PAGE);
    }
    atomic_store(&args.stop, true);
    g_thread_join(t);
    g_assert_cmpuint(f->cache.count, ==, 0);
    fixture_free(f);
}

/* ---- The TB arena ---- */

/* Whether the page at addr is mapped (msync fails with ENOMEM on unmapped memory). */
static bool mapped(const void *addr)
{
    uintptr_t page = (uintptr_t)addr & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
    if (msync((void *)page, 1, MS_ASYNC) == 0) {
        return true;
    }
    g_assert_cmpint(errno, ==, ENOMEM);
    return false;
}

/* TBs of one context are carved one after the other out of one chunk. */
static void test_arena_bump(void)
{
    Fixture *f = fixture_new();
    TranslationBlock *a = make_tb(f, 0x1000, 16, UINT64_MAX);
    TranslationBlock *b = make_tb(f, 0x2000, 16, UINT64_MAX);
    g_assert_nonnull(a->arena_chunk);
    g_assert_true(a->arena_chunk == b->arena_chunk);
    g_assert_cmpuint((uintptr_t)a % TB_HOT_BYTES, ==, 0);
    g_assert_cmpuint((uintptr_t)b % TB_HOT_BYTES, ==, 0);
    g_assert_cmpuint((uintptr_t)b, >, (uintptr_t)a);
    g_assert_cmpuint((uintptr_t)b - (uintptr_t)a, <, 4 * TB_HOT_BYTES);
    fixture_free(f);
}

/* A chunk goes back to the OS once the arena moved on and its last allocation is
 * freed, not before; requests too big for the arena are refused. */
static void test_arena_unmap(void)
{
    TBArena *arena = tb_arena_new(64 * 1024);
    GPtrArray *allocs = g_ptr_array_new();
    GPtrArray *chunks = g_ptr_array_new();
    TBArenaChunk *first = NULL, *chunk = NULL;
    do {
        void *p = tb_arena_alloc(arena, 1000, 64, &chunk);
        g_assert_nonnull(p);
        g_assert_cmpuint((uintptr_t)p % 64, ==, 0);
        memset(p, 0xa5, 1000);
        g_ptr_array_add(allocs, p);
        g_ptr_array_add(chunks, chunk);
        first = first ? first : chunk;
    } while (chunk == first);
    g_assert_null(tb_arena_alloc(arena, 64 * 1024 / 8 + 1, 64, &chunk));

    /* All but the last (in the second chunk) freed: the first chunk is unmapped. */
    void *first_alloc = allocs->pdata[0];
    for (guint i = 0; i + 1 < allocs->len; i++) {
        g_assert_true(mapped(first_alloc));
        tb_arena_release(chunks->pdata[i]);
    }
    g_assert_false(mapped(first_alloc));
    /* The current chunk stays while the arena lives, and after it while in use. */
    void *last = allocs->pdata[allocs->len - 1];
    tb_arena_free(arena);
    g_assert_true(mapped(last));
    tb_arena_release(chunks->pdata[allocs->len - 1]);
    g_assert_false(mapped(last));
    g_ptr_array_free(allocs, true);
    g_ptr_array_free(chunks, true);
}

typedef struct ArenaThreadArgs {
    Fixture *f;
    TCGContext s;
    void *first_chunk;
} ArenaThreadArgs;

static gpointer arena_translator_thread(gpointer opaque)
{
    ArenaThreadArgs *a = opaque;
    for (unsigned i = 0; i < 20000; i++) {
        tcg_func_start(&a->s);
        tcg_gen_insn_start(&a->s, i, 0);
        tcg_gen_exit_tb(&a->s, TB_EXIT_NOCHAIN);
        TranslationBlock *tb = tb_new_from_context(&a->s, i * 16, 0, 0, 0, i * 16);
        tb->size = 16;
        if (!a->first_chunk) {
            a->first_chunk = tb->arena_chunk;
        }
        tb_cache_insert(&a->f->cache, tb);
    }
    return NULL;
}

/* TBs made by one thread and freed by another's flushes: every chunk is unmapped once
 * its TBs are gone and its context is destroyed. */
static void test_arena_cross_thread(void)
{
    Fixture *f = fixture_new();
    ArenaThreadArgs args = {.f = f};
    tcg_context_init(&args.s);
    GThread *t = g_thread_new("translator", arena_translator_thread, &args);
    for (unsigned i = 0; i < 200; i++) {
        tb_cache_flush(&f->cache);
        g_usleep(100);
    }
    g_thread_join(t);
    g_assert_nonnull(args.first_chunk);
    tb_cache_flush(&f->cache);
    /* The context's current chunk may have been mapped where the first one was (an
     * unmapped range is reused): it goes with the context, so check after that. */
    tcg_context_destroy(&args.s);
    g_assert_false(mapped(args.first_chunk));
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tb/new_from_context", test_new_from_context);
    g_test_add_func("/tb/cache/lookup_keys", test_lookup_keys);
    g_test_add_func("/tb/cache/many_lookups", test_many_lookups);
    g_test_add_func("/tb/cache/invalidate_edges", test_invalidate_edges);
    g_test_add_func("/tb/cache/page_bits", test_page_bits);
    g_test_add_func("/tb/cache/jump_cache", test_jump_cache);
    g_test_add_func("/tb/cache/jump_cache_probe", test_jump_cache_probe);
    g_test_add_func("/tb/cache/jump_cache_victim", test_jump_cache_victim);
    g_test_add_func("/tb/cache/code_granules", test_code_granules);
    g_test_add_func("/tb/cache/two_pages", test_two_pages);
    g_test_add_func("/tb/cache/high_pages", test_high_pages);
    g_test_add_func("/tb/cache/flush", test_flush);
    g_test_add_func("/tb/cache/timing", test_timing);
    g_test_add_func("/tb/cache/concurrent", test_concurrent);
    g_test_add_func("/tb/arena/bump", test_arena_bump);
    g_test_add_func("/tb/arena/unmap", test_arena_unmap);
    g_test_add_func("/tb/arena/cross_thread", test_arena_cross_thread);
    return g_test_run();
}
