/* Tests of packed block IR (tcg/tb-ir.h): packing then unpacking gives back every op
 * and temp field bit for bit (a typical block, fields that need the escape forms,
 * random IR), the label table is rebuilt, a reused buffer grows and shrinks safely,
 * the context's globals are packed once into a shared record that blocks name (and
 * that a later change of the globals does not alter),
 * and a typical block packs several times smaller than its TCGOp/TCGTemp form. */
#include <glib.h>
#include <string.h>

#include "tcg/tb-ir.h"
#include "tcg/tb.h"
#include "tcg/tcg.h"

static uint64_t helper_sum3(uint64_t a, uint64_t b, uint64_t c)
{
    return a + b + c;
}

static const TCGHelperInfo info_sum3 = {
    (void (*)(void))helper_sum3, "sum3", 0, 3, true, TCG_TYPE_I64};

static const char reg_names[4][4] = {"r0", "r1", "r2", "r3"};

static void context_with_globals(TCGContext *s)
{
    tcg_context_init(s);
    for (unsigned i = 0; i < 4; i++) {
        tcg_global_mem_new(s, TCG_TYPE_I64, (intptr_t)(8 + 8 * i), reg_names[i]);
    }
    tcg_global_mem_new(s, TCG_TYPE_I32, 4000, "flags32");
    tcg_global_mem_new(s, TCG_TYPE_I64, 3996, "flags_wide"); /* overlaps flags32 */
    tcg_func_start(s);
}

/* A block using every kind of operand: globals, locals, constants of all sizes, a
 * helper call, guest memory, labels, and exits. */
static void emit_typical_block(TCGContext *s)
{
    TCGv r0 = {1}, r1 = {2}, flags = {5};
    TCGLabel skip = tcg_label_new(s), unused = tcg_label_new(s), back = tcg_label_new(s);
    (void)unused;
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv t32 = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_insn_start(s, UINT64_C(0xffffffff81000000), 3);
    tcg_gen_set_label(s, back);
    tcg_gen_addi(s, t, r0, -1);
    tcg_gen_xori(s, t, t, INT64_C(0x123456789abcdef0));
    tcg_gen_qemu_ld(s, t32, t, MO_SL, 2);
    tcg_gen_qemu_st(s, r1, t, MO_UQ, 1);
    TCGv args[3] = {r0, r1, t};
    tcg_gen_call(s, &info_sum3, t, 3, args);
    tcg_gen_brcondi(s, TCG_COND_LTU, t, 0x7f, skip);
    tcg_gen_deposit(s, flags, flags, t32, 3, 5);
    tcg_gen_goto_tb(s, 1);
    tcg_gen_set_label(s, skip);
    tcg_gen_mov(s, r1, t);
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN);
}

static uint8_t *pack(const TCGContext *s, size_t *size)
{
    *size = tb_ir_packed_size(s);
    uint8_t *packed = g_malloc(*size);
    tb_ir_pack(s, packed);
    return packed;
}

/* Drops packed bytes made by pack(), and their reference to shared globals. */
static void free_packed(uint8_t *packed)
{
    tb_ir_packed_release(packed);
    g_free(packed);
}

static void assert_same_ir(const TCGContext *s, const TBIR *ir)
{
    g_assert_cmpuint(ir->nb_ops, ==, s->nb_ops);
    g_assert_cmpuint(ir->nb_temps, ==, s->nb_temps);
    g_assert_cmpuint(ir->nb_labels, ==, s->nb_labels);
    for (unsigned i = 0; i < s->nb_ops; i++) {
        g_assert_cmpmem(&ir->ops[i], sizeof(TCGOp), &s->ops[i], sizeof(TCGOp));
    }
    for (unsigned i = 0; i < s->nb_temps; i++) {
        g_assert_cmpmem(&ir->temps[i], sizeof(TCGTemp), &s->temps[i], sizeof(TCGTemp));
    }
}

static void test_roundtrip_typical(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    size_t size;
    uint8_t *packed = pack(&s, &size);
    TBIRBuffer buf = {0};
    const TBIR *ir = tb_ir_unpack_into(packed, &buf);
    assert_same_ir(&s, ir);
    /* Labels: back at op 1, skip at its set_label near the end, the unused one never
     * set. */
    g_assert_cmpuint(ir->label_ops[2], ==, 1);
    g_assert_cmpuint(ir->label_ops[0], ==, s.nb_ops - 3);
    g_assert_cmpuint(s.ops[s.nb_ops - 3].opc, ==, INDEX_op_set_label);
    g_assert_cmpuint(ir->label_ops[1], ==, UINT32_MAX);
    uint32_t nb_ops, nb_temps, nb_labels;
    tb_ir_packed_counts(packed, &nb_ops, &nb_temps, &nb_labels);
    g_assert_cmpuint(nb_ops, ==, s.nb_ops);
    g_assert_cmpuint(nb_temps, ==, s.nb_temps);
    g_assert_cmpuint(nb_labels, ==, 3);

    /* Why packing pays: several times smaller than the arrays it replaces. */
    size_t unpacked = s.nb_ops * sizeof(TCGOp) + s.nb_temps * sizeof(TCGTemp);
    g_assert_cmpuint(size * 5, <, unpacked);

    tb_ir_buffer_destroy(&buf);
    free_packed(packed);
    tcg_context_destroy(&s);
}

/* Globals sharing bytes are flagged by the builder, and the flag survives packing:
 * the native backend reads it instead of comparing every pair of globals per block. */
static void test_overlapping_globals(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    for (unsigned i = 1; i <= 4; i++) {
        g_assert_false(s.temps[i].overlaps);
    }
    g_assert_true(s.temps[5].overlaps);
    g_assert_true(s.temps[6].overlaps);
    size_t size;
    uint8_t *packed = pack(&s, &size);
    TBIRBuffer buf = {0};
    const TBIR *ir = tb_ir_unpack_into(packed, &buf);
    g_assert_false(ir->temps[4].overlaps);
    g_assert_true(ir->temps[5].overlaps);
    g_assert_true(ir->temps[6].overlaps);
    tb_ir_buffer_destroy(&buf);
    free_packed(packed);
    tcg_context_destroy(&s);
}

/* Field values no builder call makes (the optimizer or a future op might): they take
 * the escape forms and still come back exact. */
static void test_roundtrip_escapes(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    s.ops[2].type = 200;
    s.ops[3].callo = 7;
    s.ops[3].calli = 255;
    for (unsigned i = 0; i < TCG_MAX_OP_ARGS; i++) {
        s.ops[4].args[i] = UINT64_MAX - i;
    }
    s.ops[5].type = 15;
    s.temps[6].kind = 9;
    s.temps[7].type = 2;
    s.temps[7].val = INT64_MIN;
    s.temps[7].env_offset = -1;
    s.temps[3].name = NULL;
    size_t size;
    uint8_t *packed = pack(&s, &size);
    TBIRBuffer buf = {0};
    assert_same_ir(&s, tb_ir_unpack_into(packed, &buf));
    tb_ir_buffer_destroy(&buf);
    free_packed(packed);
    tcg_context_destroy(&s);
}

/* Random values of every magnitude, so that each varint length is exercised. */
static uint64_t random_value(GRand *r)
{
    switch (g_rand_int_range(r, 0, 5)) {
    case 0: return 0;
    case 1: return (uint64_t)g_rand_int_range(r, 0, 300);
    case 2: return (uint64_t) - (int64_t)g_rand_int_range(r, 1, 300);
    default: return ((uint64_t)g_rand_int(r) << 32 | g_rand_int(r)) >> g_rand_int_range(r, 0, 64);
    }
}

static void fill_random(TCGContext *s, GRand *r, unsigned nb_ops, unsigned nb_temps)
{
    s->nb_ops = nb_ops;
    s->nb_temps = nb_temps;
    s->nb_labels = (unsigned)g_rand_int_range(r, 0, 20);
    for (unsigned i = 0; i < nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        memset(t, 0, sizeof(*t));
        t->type = (uint8_t)g_rand_int_range(r, 0, 3);
        t->kind = (uint8_t)g_rand_int_range(r, 0, 5);
        t->val = (int64_t)random_value(r);
        t->env_offset = (intptr_t)random_value(r);
        t->name = (const char *)(uintptr_t)random_value(r);
    }
    for (unsigned i = 0; i < nb_ops; i++) {
        TCGOp *op = &s->ops[i];
        memset(op, 0, sizeof(*op));
        op->opc = (uint16_t)g_rand_int_range(r, 0, 1000);
        op->type = (uint8_t)g_rand_int_range(r, 0, 20);
        if (g_rand_boolean(r)) {
            op->callo = (uint8_t)g_rand_int_range(r, 0, 256);
            op->calli = (uint8_t)g_rand_int_range(r, 0, 256);
        }
        unsigned nargs = (unsigned)g_rand_int_range(r, 0, TCG_MAX_OP_ARGS + 1);
        for (unsigned a = 0; a < nargs; a++) {
            op->args[a] = random_value(r);
        }
    }
}

static void test_roundtrip_random(void)
{
    TCGContext s;
    tcg_context_init(&s);
    GRand *r = g_rand_new_with_seed(20261126);
    TBIRBuffer buf = {0};
    for (unsigned round = 0; round < 200; round++) {
        /* Sizes up and down, so the reused buffer both grows and is reused larger. */
        unsigned nb_ops = (unsigned)g_rand_int_range(r, 0, round % 10 == 9 ? TCG_MAX_OPS : 64);
        unsigned nb_temps = (unsigned)g_rand_int_range(r, 1, TCG_MAX_TEMPS);
        fill_random(&s, r, nb_ops, nb_temps);
        size_t size;
        uint8_t *packed = pack(&s, &size);
        assert_same_ir(&s, tb_ir_unpack_into(packed, &buf));
        free_packed(packed);
    }
    tb_ir_buffer_destroy(&buf);
    g_rand_free(r);
    tcg_context_destroy(&s);
}

/* tb_ir_view uses the TB's own copy once the interpreter made one, the buffer before. */
static void test_view(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    TranslationBlock *tb = tb_new_from_context(&s, 0x1000, 0, 0, 0, 0x1000);
    TBIRBuffer buf = {0};
    const TBIR *view = tb_ir_view(tb, &buf);
    g_assert_true(view == &buf.ir);
    assert_same_ir(&s, view);
    g_assert_null(atomic_load(&tb->ir));
    const TBIR *own = tb_ir(tb);
    assert_same_ir(&s, own);
    g_assert_true(tb_ir_view(tb, &buf) == own);
    tb_free(tb);
    tb_ir_buffer_destroy(&buf);
    tcg_context_destroy(&s);
}

/* s's block packed without the context's cache of its globals' bytes. */
static uint8_t *pack_uncached(TCGContext *s, size_t *size)
{
    struct TBIRPackCache *cache = s->pack_cache;
    s->pack_cache = NULL;
    uint8_t *packed = pack(s, size);
    s->pack_cache = cache;
    return packed;
}

/* Packed with the cache (its globals named, not copied), s's block is smaller and
 * unpacks to the same IR as packed without it. */
static void assert_packs_as_uncached(TCGContext *s)
{
    size_t size, want_size;
    uint8_t *want = pack_uncached(s, &want_size);
    uint8_t *packed = pack(s, &size);
    TBIRBuffer buf = {0}, want_buf = {0};
    assert_same_ir(s, tb_ir_unpack_into(packed, &buf));
    assert_same_ir(s, tb_ir_unpack_into(want, &want_buf));
    g_assert_cmpuint(size, <, want_size);
    tb_ir_buffer_destroy(&buf);
    tb_ir_buffer_destroy(&want_buf);
    free_packed(packed);
    free_packed(want);
}

/* A block packed before its context's globals changed keeps the globals it was packed
 * with (the shared record is never changed in place), and is not disturbed when the
 * context and the blocks packed after are gone. */
static void test_shared_globals_immutable(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    size_t size;
    uint8_t *before = pack(&s, &size);
    TCGTemp old_temps[TCG_MAX_TEMPS];
    unsigned old_nb_temps = s.nb_temps;
    memcpy(old_temps, s.temps, sizeof(TCGTemp) * s.nb_temps);
    s.temps[3].env_offset += 8;
    uint8_t *after = pack(&s, &size);
    TBIRBuffer buf = {0};
    const TBIR *ir = tb_ir_unpack_into(after, &buf);
    g_assert_cmpint(ir->temps[3].env_offset, ==, s.temps[3].env_offset);
    free_packed(after);
    tcg_context_destroy(&s);
    ir = tb_ir_unpack_into(before, &buf);
    g_assert_cmpuint(ir->nb_temps, ==, old_nb_temps);
    for (unsigned i = 0; i < old_nb_temps; i++) {
        g_assert_cmpint(ir->temps[i].env_offset, ==, old_temps[i].env_offset);
        g_assert_true(ir->temps[i].name == old_temps[i].name);
        g_assert_cmpuint(ir->temps[i].kind, ==, old_temps[i].kind);
    }
    free_packed(before);
    tb_ir_buffer_destroy(&buf);
}

/* The globals' bytes kept from one block to the next are what packing them anew
 * gives, in the next block too, and after a global was added or changed. */
static void test_pack_cache(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    assert_packs_as_uncached(&s);
    tcg_func_start(&s);
    TCGv t = tcg_temp_new(&s, TCG_TYPE_I64);
    tcg_gen_addi(&s, t, (TCGv){1}, 5);
    tcg_gen_mov(&s, (TCGv){2}, t);
    assert_packs_as_uncached(&s);
    s.temps[3].env_offset += 8;
    assert_packs_as_uncached(&s);
    tcg_func_start(&s);
    tcg_global_mem_new(&s, TCG_TYPE_I64, 512, "late");
    tcg_func_start(&s);
    emit_typical_block(&s);
    assert_packs_as_uncached(&s);
    tcg_context_destroy(&s);
}

/* The view of the context's own arrays (compiling right after translating) reads the
 * same IR as the unpacked form, with the same label table. */
static void test_context_view(void)
{
    TCGContext s;
    context_with_globals(&s);
    emit_typical_block(&s);
    size_t size;
    uint8_t *packed = pack(&s, &size);
    TBIRBuffer unpacked_buf = {0}, view_buf = {0};
    const TBIR *unpacked = tb_ir_unpack_into(packed, &unpacked_buf);
    const TBIR *view = tb_ir_of_context(&s, &view_buf);
    g_assert_true(view->ops == s.ops);
    assert_same_ir(&s, view);
    g_assert_cmpuint(view->nb_labels, ==, unpacked->nb_labels);
    g_assert_cmpmem(view->label_ops, view->nb_labels * sizeof(uint32_t), unpacked->label_ops,
                    unpacked->nb_labels * sizeof(uint32_t));
    tb_ir_buffer_destroy(&unpacked_buf);
    tb_ir_buffer_destroy(&view_buf);
    free_packed(packed);
    tcg_context_destroy(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tb-ir/roundtrip/typical", test_roundtrip_typical);
    g_test_add_func("/tb-ir/roundtrip/escapes", test_roundtrip_escapes);
    g_test_add_func("/tb-ir/roundtrip/random", test_roundtrip_random);
    g_test_add_func("/tb-ir/view", test_view);
    g_test_add_func("/tb-ir/overlapping-globals", test_overlapping_globals);
    g_test_add_func("/tb-ir/context-view", test_context_view);
    g_test_add_func("/tb-ir/pack-cache", test_pack_cache);
    g_test_add_func("/tb-ir/shared-globals-immutable", test_shared_globals_immutable);
    return g_test_run();
}
