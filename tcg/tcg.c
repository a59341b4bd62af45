/* The IR builder: the context (temps, ops, labels) and the emitters the front end
 * uses. Type mismatches are programming errors of the front end and are caught by
 * assert(); running out of room is not an error: the context sets overflow and drops
 * what no longer fits, so the front end can notice and retranslate a shorter block. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/tb-arena.h"
#include "tcg/tb-ir.h"
#include "tcg/tb.h"
#include "tcg/tcg.h"

const TCGOpDef tcg_op_defs[NB_TCG_OPS] = {
#define TCG_DEF_TABLE(op, o, i, c, f)                                                              \
    [INDEX_op_##op] = {.name = #op, .nb_oargs = o, .nb_iargs = i, .nb_cargs = c, .flags = f},
    TCG_OPCODES(TCG_DEF_TABLE)
#undef TCG_DEF_TABLE
};

/* Values of 32-bit temps are kept zero-extended in their 64-bit slot (see tcg.h). */
static int64_t normalize_const(TCGType type, int64_t val)
{
    return type == TCG_TYPE_I32 ? (int64_t)(uint32_t)val : val;
}

/* The type assertions are skipped once the block overflowed: handles handed out
 * after that point all alias one scratch temp and the ops are dropped anyway. */
static void check_type(const TCGContext *s, TCGv t, TCGType type)
{
    assert(s->overflow || t.idx < s->nb_temps);
    assert(s->overflow || tcg_temp_type(s, t) == type);
    (void)s, (void)t, (void)type;
}

void tcg_context_init(TCGContext *s)
{
    memset(s, 0, sizeof(*s));
    /* One spare op past the end: emits that do not fit land there and are dropped,
     * so a TCGOp pointer is always returned. */
    s->ops = calloc(TCG_MAX_OPS + 1, sizeof(TCGOp));
    s->pack_buf = malloc(TB_IR_PACKED_MAX);
    s->pack_cache = tb_ir_pack_cache_new();
    if (!s->ops || !s->pack_buf) {
        abort();
    }
    TCGTemp *env = &s->temps[0];
    env->type = TCG_TYPE_I64;
    env->kind = TEMP_ENV;
    env->name = "env";
    s->env = (TCGv){0};
    s->nb_globals = 1;
    s->nb_temps = 1;
    s->tb_arena = tb_arena_new(0);
}

void tcg_context_destroy(TCGContext *s)
{
    free(s->ops);
    s->ops = NULL;
    free(s->pack_buf);
    s->pack_buf = NULL;
    tb_ir_pack_cache_free(s->pack_cache);
    s->pack_cache = NULL;
    tcg_optimize_free_scratch(s);
    s->nb_ops = 0;
    if (s->tb_arena) {
        tb_arena_free(s->tb_arena);
        s->tb_arena = NULL;
    }
}

void tcg_func_start(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->ir_tb = NULL;
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->overflow = false;
    s->exit_check_due = true;
}

bool tcg_op_buf_full(const TCGContext *s, unsigned n)
{
    return s->overflow || TCG_MAX_OPS - s->nb_ops < n || TCG_MAX_TEMPS - s->nb_temps < n;
}

static intptr_t global_end(const TCGTemp *t)
{
    return t->env_offset + (t->type == TCG_TYPE_I64 ? 8 : 4);
}

/* Flags t and every global it shares bytes with: a backend must not cache those in
 * registers (a write through one is seen through the other at once). Found here once
 * rather than for every block. */
static void mark_overlapping_globals(TCGContext *s, TCGTemp *t)
{
    for (unsigned i = 0; i < s->nb_globals; i++) {
        TCGTemp *o = &s->temps[i];
        if (o->kind == TEMP_GLOBAL && o->env_offset < global_end(t) &&
            t->env_offset < global_end(o)) {
            o->overlaps = t->overlaps = true;
        }
    }
}

TCGv tcg_global_mem_new(TCGContext *s, TCGType type, intptr_t env_offset, const char *name)
{
    /* Globals occupy temps [0, nb_globals): they must all exist before any local. */
    assert(s->nb_temps == s->nb_globals);
    assert(s->nb_globals < TCG_MAX_GLOBALS);
    TCGTemp *t = &s->temps[s->nb_globals];
    memset(t, 0, sizeof(*t));
    t->type = (uint8_t)type;
    t->kind = TEMP_GLOBAL;
    t->env_offset = env_offset;
    t->name = name;
    mark_overlapping_globals(s, t);
    TCGv v = {(uint16_t)s->nb_globals};
    s->nb_globals++;
    s->nb_temps++;
    return v;
}

static TCGv temp_alloc(TCGContext *s, TCGType type, TCGTempKind kind, int64_t val)
{
    if (s->nb_temps >= TCG_MAX_TEMPS) {
        /* Out of temps: hand out the last slot; every op from now on is dropped. */
        s->overflow = true;
        return (TCGv){TCG_MAX_TEMPS - 1};
    }
    TCGTemp *t = &s->temps[s->nb_temps];
    memset(t, 0, sizeof(*t));
    t->type = (uint8_t)type;
    t->kind = (uint8_t)kind;
    t->val = val;
    return (TCGv){(uint16_t)s->nb_temps++};
}

TCGv tcg_temp_new(TCGContext *s, TCGType type)
{
    return temp_alloc(s, type, TEMP_LOCAL, 0);
}

TCGv tcg_const(TCGContext *s, TCGType type, int64_t val)
{
    val = normalize_const(type, val);
    TCGv t = temp_alloc(s, type, TEMP_CONST, val);
    TCGArg args[2] = {t.idx, (TCGArg)val};
    tcg_emit(s, INDEX_op_movi, type, 2, args);
    return t;
}

TCGLabel tcg_label_new(TCGContext *s)
{
    return (TCGLabel){s->nb_labels++};
}

TCGOp *tcg_emit(TCGContext *s, TCGOpcode opc, TCGType type, unsigned nargs, const TCGArg *args)
{
    assert(opc < NB_TCG_OPS);
    assert(nargs <= TCG_MAX_OP_ARGS);
    TCGOp *op;
    if (s->overflow || s->nb_ops >= TCG_MAX_OPS) {
        s->overflow = true;
        op = &s->ops[TCG_MAX_OPS];
    } else {
        op = &s->ops[s->nb_ops++];
    }
    op->opc = (uint16_t)opc;
    op->type = (uint8_t)type;
    op->callo = 0;
    op->calli = 0;
    memset(op->pad, 0, sizeof(op->pad));
    /* Plain stores: a memset of the op and a memcpy of a variable count became two
     * rep-prefixed string instructions, whose start-up cost was most of this
     * function's (the front end emits about 40 ops a block). */
    _Static_assert(TCG_MAX_OP_ARGS == 10, "the copy below names every arg");
    TCGArg *a = op->args;
    a[0] = a[1] = a[2] = a[3] = a[4] = a[5] = a[6] = a[7] = a[8] = a[9] = 0;
    switch (nargs < TCG_MAX_OP_ARGS ? nargs : TCG_MAX_OP_ARGS) {
    case 10: a[9] = args[9]; /* fall through */
    case 9: a[8] = args[8];  /* fall through */
    case 8: a[7] = args[7];  /* fall through */
    case 7: a[6] = args[6];  /* fall through */
    case 6: a[5] = args[5];  /* fall through */
    case 5: a[4] = args[4];  /* fall through */
    case 4: a[3] = args[3];  /* fall through */
    case 3: a[2] = args[2];  /* fall through */
    case 2: a[1] = args[1];  /* fall through */
    case 1: a[0] = args[0];  /* fall through */
    default: break;
    }
    return op;
}

void tcg_gen_mov(TCGContext *s, TCGv d, TCGv a)
{
    TCGType type = tcg_temp_type(s, d);
    check_type(s, a, type);
    if (d.idx == a.idx) {
        return;
    }
    TCGArg args[2] = {d.idx, a.idx};
    tcg_emit(s, INDEX_op_mov, type, 2, args);
}

void tcg_gen_movi(TCGContext *s, TCGv d, int64_t v)
{
    TCGType type = tcg_temp_type(s, d);
    TCGArg args[2] = {d.idx, (TCGArg)normalize_const(type, v)};
    tcg_emit(s, INDEX_op_movi, type, 2, args);
}

void tcg_gen_op3(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, TCGv b)
{
    assert(tcg_op_defs[opc].nb_oargs == 1 && tcg_op_defs[opc].nb_iargs == 2 &&
           tcg_op_defs[opc].nb_cargs == 0);
    TCGType type = tcg_temp_type(s, d);
    check_type(s, a, type);
    check_type(s, b, type);
    TCGArg args[3] = {d.idx, a.idx, b.idx};
    tcg_emit(s, opc, type, 3, args);
}

void tcg_gen_op2(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a)
{
    assert(tcg_op_defs[opc].nb_oargs == 1 && tcg_op_defs[opc].nb_iargs == 1 &&
           tcg_op_defs[opc].nb_cargs == 0);
    TCGType type = tcg_temp_type(s, d);
    switch (opc) {
    case INDEX_op_extu_i32_i64:
    case INDEX_op_exts_i32_i64:
        assert(s->overflow || type == TCG_TYPE_I64);
        check_type(s, a, TCG_TYPE_I32);
        break;
    case INDEX_op_extrl_i64_i32:
    case INDEX_op_extrh_i64_i32:
        assert(s->overflow || type == TCG_TYPE_I32);
        check_type(s, a, TCG_TYPE_I64);
        break;
    default:
        assert(s->overflow || !(tcg_op_defs[opc].flags & TCG_OPF_64ONLY) || type == TCG_TYPE_I64);
        check_type(s, a, type);
        break;
    }
    TCGArg args[2] = {d.idx, a.idx};
    tcg_emit(s, opc, type, 2, args);
}

void tcg_gen_add(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_add, d, a, b);
}

void tcg_gen_sub(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_sub, d, a, b);
}

void tcg_gen_and(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_and, d, a, b);
}

void tcg_gen_or(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_or, d, a, b);
}

void tcg_gen_xor(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_xor, d, a, b);
}

void tcg_gen_shl(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_shl, d, a, b);
}

void tcg_gen_shr(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_shr, d, a, b);
}

void tcg_gen_sar(TCGContext *s, TCGv d, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_sar, d, a, b);
}

/* The immediate forms: a const temp of the destination's type, then the op. */
static void gen_op3i(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, int64_t imm)
{
    TCGv c = tcg_const(s, tcg_temp_type(s, d), imm);
    tcg_gen_op3(s, opc, d, a, c);
}

void tcg_gen_addi(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_add, d, a, imm);
}

void tcg_gen_subi(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_sub, d, a, imm);
}

void tcg_gen_andi(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_and, d, a, imm);
}

void tcg_gen_ori(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_or, d, a, imm);
}

void tcg_gen_xori(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_xor, d, a, imm);
}

void tcg_gen_shli(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_shl, d, a, imm);
}

void tcg_gen_shri(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_shr, d, a, imm);
}

void tcg_gen_sari(TCGContext *s, TCGv d, TCGv a, int64_t imm)
{
    gen_op3i(s, INDEX_op_sar, d, a, imm);
}

static unsigned type_bits(TCGType type)
{
    return type == TCG_TYPE_I32 ? 32 : 64;
}

void tcg_gen_deposit(TCGContext *s, TCGv d, TCGv a, TCGv b, unsigned pos, unsigned len)
{
    TCGType type = tcg_temp_type(s, d);
    check_type(s, a, type);
    check_type(s, b, type);
    assert(len >= 1 && pos + len <= type_bits(type));
    TCGArg args[5] = {d.idx, a.idx, b.idx, pos, len};
    tcg_emit(s, INDEX_op_deposit, type, 5, args);
}

static void gen_extract(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, unsigned pos, unsigned len)
{
    TCGType type = tcg_temp_type(s, d);
    check_type(s, a, type);
    assert(len >= 1 && pos + len <= type_bits(type));
    TCGArg args[4] = {d.idx, a.idx, pos, len};
    tcg_emit(s, opc, type, 4, args);
}

void tcg_gen_extract(TCGContext *s, TCGv d, TCGv a, unsigned pos, unsigned len)
{
    gen_extract(s, INDEX_op_extract, d, a, pos, len);
}

void tcg_gen_sextract(TCGContext *s, TCGv d, TCGv a, unsigned pos, unsigned len)
{
    gen_extract(s, INDEX_op_sextract, d, a, pos, len);
}

void tcg_gen_setcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b)
{
    TCGType type = tcg_temp_type(s, a);
    check_type(s, b, type);
    /* The result is 0/1 in d's own type; the comparison works in the inputs' type. */
    assert(s->overflow || tcg_temp_type(s, d) == type);
    TCGArg args[4] = {d.idx, a.idx, b.idx, c};
    tcg_emit(s, INDEX_op_setcond, type, 4, args);
}

void tcg_gen_movcond(TCGContext *s, TCGCond c, TCGv d, TCGv c1, TCGv c2, TCGv v1, TCGv v2)
{
    TCGType type = tcg_temp_type(s, d);
    check_type(s, c1, type);
    check_type(s, c2, type);
    check_type(s, v1, type);
    check_type(s, v2, type);
    TCGArg args[6] = {d.idx, c1.idx, c2.idx, v1.idx, v2.idx, c};
    tcg_emit(s, INDEX_op_movcond, type, 6, args);
}

void tcg_gen_brcond(TCGContext *s, TCGCond c, TCGv a, TCGv b, TCGLabel l)
{
    TCGType type = tcg_temp_type(s, a);
    check_type(s, b, type);
    assert(l.id < s->nb_labels);
    TCGArg args[4] = {a.idx, b.idx, c, l.id};
    tcg_emit(s, INDEX_op_brcond, type, 4, args);
}

void tcg_gen_brcondi(TCGContext *s, TCGCond c, TCGv a, int64_t imm, TCGLabel l)
{
    TCGv b = tcg_const(s, tcg_temp_type(s, a), imm);
    tcg_gen_brcond(s, c, a, b, l);
}

void tcg_gen_br(TCGContext *s, TCGLabel l)
{
    assert(l.id < s->nb_labels);
    TCGArg args[1] = {l.id};
    tcg_emit(s, INDEX_op_br, TCG_TYPE_I64, 1, args);
}

void tcg_gen_set_label(TCGContext *s, TCGLabel l)
{
    assert(l.id < s->nb_labels);
    TCGArg args[1] = {l.id};
    tcg_emit(s, INDEX_op_set_label, TCG_TYPE_I64, 1, args);
    s->exit_check_due = true;
}

void tcg_gen_ld(TCGContext *s, TCGOpcode ldop, TCGv d, TCGv base, intptr_t offset)
{
    assert(ldop >= INDEX_op_ld8u && ldop <= INDEX_op_ld);
    check_type(s, base, TCG_TYPE_I64);
    TCGType type = tcg_temp_type(s, d);
    TCGArg args[3] = {d.idx, base.idx, (TCGArg)offset};
    tcg_emit(s, ldop, type, 3, args);
}

void tcg_gen_st(TCGContext *s, TCGOpcode stop, TCGv val, TCGv base, intptr_t offset)
{
    assert(stop >= INDEX_op_st8 && stop <= INDEX_op_st);
    check_type(s, base, TCG_TYPE_I64);
    TCGType type = tcg_temp_type(s, val);
    TCGArg args[3] = {val.idx, base.idx, (TCGArg)offset};
    tcg_emit(s, stop, type, 3, args);
}

void tcg_gen_qemu_ld(TCGContext *s, TCGv d, TCGv addr, MemOp mop, unsigned mmu_idx)
{
    TCGType type = tcg_temp_type(s, d);
    /* A 64-bit load cannot land in a 32-bit temp. */
    assert(s->overflow || type == TCG_TYPE_I64 || (mop & MO_SIZE) != MO_64);
    TCGArg args[4] = {d.idx, addr.idx, (TCGArg)mop, mmu_idx};
    tcg_emit(s, INDEX_op_qemu_ld, type, 4, args);
}

void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, MemOp mop, unsigned mmu_idx)
{
    TCGType type = tcg_temp_type(s, val);
    assert(s->overflow || type == TCG_TYPE_I64 || (mop & MO_SIZE) != MO_64);
    TCGArg args[4] = {val.idx, addr.idx, (TCGArg)mop, mmu_idx};
    tcg_emit(s, INDEX_op_qemu_st, type, 4, args);
    s->exit_check_due = true;
}

void tcg_gen_call(TCGContext *s, const TCGHelperInfo *info, TCGv ret, unsigned nargs,
                  const TCGv *args)
{
    bool has_ret = ret.idx != TCG_NO_RET.idx;
    assert(nargs <= TCG_MAX_CALL_ARGS);
    assert(nargs == info->nb_args);
    assert(!has_ret || info->has_ret);
    assert(s->overflow || !has_ret || tcg_temp_type(s, ret) == (TCGType)info->ret_type);
    if (nargs > TCG_MAX_CALL_ARGS) {
        nargs = TCG_MAX_CALL_ARGS;
    }
    TCGArg a[TCG_MAX_OP_ARGS];
    unsigned n = 0;
    if (has_ret) {
        a[n++] = ret.idx;
    }
    for (unsigned i = 0; i < nargs; i++) {
        a[n++] = args[i].idx;
    }
    a[n++] = (TCGArg)(uintptr_t)info;
    TCGType type = has_ret ? tcg_temp_type(s, ret) : TCG_TYPE_I64;
    TCGOp *op = tcg_emit(s, INDEX_op_call, type, n, a);
    op->callo = has_ret ? 1 : 0;
    op->calli = (uint8_t)nargs;
    if (!(info->flags & TCG_CALL_NO_SIDE_EFFECTS)) {
        s->exit_check_due = true;
    }
}

void tcg_gen_insn_start(TCGContext *s, uint64_t data0, uint64_t data1)
{
    TCGArg args[3] = {data0, data1, s->exit_check_due};
    tcg_emit(s, INDEX_op_insn_start, TCG_TYPE_I64, 3, args);
    s->exit_check_due = false;
}

void tcg_gen_goto_tb(TCGContext *s, unsigned slot)
{
    assert(slot < 2);
    TCGArg args[1] = {slot};
    tcg_emit(s, INDEX_op_goto_tb, TCG_TYPE_I64, 1, args);
}

void tcg_gen_exit_tb(TCGContext *s, uintptr_t val)
{
    TCGArg args[1] = {val};
    tcg_emit(s, INDEX_op_exit_tb, TCG_TYPE_I64, 1, args);
}

void tcg_gen_exit_lookup(TCGContext *s)
{
    _Static_assert((TCG_EXIT_LOOKUP & TB_EXIT_MASK) == 0, "the flag is not an exit value");
    tcg_gen_exit_tb(s, TB_EXIT_NOCHAIN | TCG_EXIT_LOOKUP);
}

void tcg_gen_discard(TCGContext *s, TCGv t)
{
    TCGArg args[1] = {t.idx};
    tcg_emit(s, INDEX_op_discard, tcg_temp_type(s, t), 1, args);
}
