/* The IR in readable form, one op a line (for -d op / op_opt):
 *    add_i32 tmp3, eax, tmp2
 *    brcond_i64 tmp1, $0x10, ltu, $L2
 *    call helper_name, tmp4, env, eax
 * Globals print by name, constants (TEMP_CONST temps read as inputs) as $value,
 * other temps as tmpN (N the temp index), labels as $LN. */
#include <inttypes.h>
#include <stdio.h>

#include "tcg/tcg.h"

static const char *const cond_names[] = {
    [TCG_COND_NEVER] = "never", [TCG_COND_ALWAYS] = "always", [TCG_COND_EQ] = "eq",
    [TCG_COND_NE] = "ne",       [TCG_COND_LT] = "lt",         [TCG_COND_GE] = "ge",
    [TCG_COND_LE] = "le",       [TCG_COND_GT] = "gt",         [TCG_COND_LTU] = "ltu",
    [TCG_COND_GEU] = "geu",     [TCG_COND_LEU] = "leu",       [TCG_COND_GTU] = "gtu",
};

static const char *const memop_names[8] = {"ub", "uw", "ul", "uq", "sb", "sw", "sl", "sq"};

static void print_hex(FILE *f, uint64_t v)
{
    if (v == 0) {
        fputs("$0", f);
    } else {
        fprintf(f, "$0x%" PRIx64, v);
    }
}

/* An output, or a temp whose value should not be shown as a constant. */
static void print_temp_name(const TCGContext *s, FILE *f, TCGArg idx)
{
    if (idx >= s->nb_temps) {
        fprintf(f, "bad%" PRIu64, idx);
        return;
    }
    const TCGTemp *t = &s->temps[idx];
    if ((t->kind == TEMP_GLOBAL || t->kind == TEMP_ENV) && t->name) {
        fputs(t->name, f);
    } else {
        fprintf(f, "tmp%" PRIu64, idx);
    }
}

static void print_input(const TCGContext *s, FILE *f, TCGArg idx)
{
    if (idx < s->nb_temps && s->temps[idx].kind == TEMP_CONST) {
        print_hex(f, (uint64_t)s->temps[idx].val);
    } else {
        print_temp_name(s, f, idx);
    }
}

static void print_cond(FILE *f, TCGArg c)
{
    if (c < sizeof(cond_names) / sizeof(cond_names[0])) {
        fputs(cond_names[c], f);
    } else {
        fprintf(f, "cond%" PRIu64, c);
    }
}

static void print_call(const TCGContext *s, FILE *f, const TCGOp *op)
{
    const TCGHelperInfo *info = (const TCGHelperInfo *)(uintptr_t)op->args[op->callo + op->calli];
    fprintf(f, " call %s, ", info && info->name ? info->name : "?");
    if (op->callo) {
        print_temp_name(s, f, op->args[0]);
    } else {
        fputs("-", f);
    }
    for (unsigned i = 0; i < op->calli; i++) {
        fputs(", ", f);
        print_input(s, f, op->args[op->callo + i]);
    }
}

/* The constant arguments of ops whose meaning is not a plain number. */
static void print_cargs(FILE *f, const TCGOp *op, const TCGArg *cargs, unsigned n)
{
    switch (op->opc) {
    case INDEX_op_brcond:
        print_cond(f, cargs[0]);
        fprintf(f, ", $L%" PRIu64, cargs[1]);
        return;
    case INDEX_op_setcond:
    case INDEX_op_movcond: print_cond(f, cargs[0]); return;
    case INDEX_op_set_label:
    case INDEX_op_br: fprintf(f, "$L%" PRIu64, cargs[0]); return;
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_st: fprintf(f, "%s, %" PRIu64, memop_names[cargs[0] & 7], cargs[1]); return;
    case INDEX_op_insn_start:
        for (unsigned i = 0; i < TCG_INSN_START_WORDS; i++) {
            fputs(i ? ", " : "", f);
            print_hex(f, cargs[i]);
        }
        if (cargs[TCG_INSN_START_EXIT_CHECK]) {
            fputs(", exit_check", f);
        }
        return;
    default:
        for (unsigned i = 0; i < n; i++) {
            if (i) {
                fputs(", ", f);
            }
            print_hex(f, cargs[i]);
        }
        return;
    }
}

static bool op_is_typed(const TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    return def->nb_oargs + def->nb_iargs > 0 && op->opc != INDEX_op_discard;
}

static void dump_op(const TCGContext *s, FILE *f, const TCGOp *op)
{
    if (op->opc >= NB_TCG_OPS) {
        fprintf(f, " bad_op %u\n", op->opc);
        return;
    }
    if (op->opc == INDEX_op_call) {
        print_call(s, f, op);
        fputc('\n', f);
        return;
    }
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    fprintf(f, " %s", def->name);
    if (op_is_typed(op)) {
        fputs(op->type == TCG_TYPE_I32 ? "_i32" : "_i64", f);
    }
    unsigned k = 0;
    const char *sep = " ";
    for (unsigned i = 0; i < def->nb_oargs; i++, k++) {
        fputs(sep, f);
        print_temp_name(s, f, op->args[k]);
        sep = ", ";
    }
    for (unsigned i = 0; i < def->nb_iargs; i++, k++) {
        fputs(sep, f);
        print_input(s, f, op->args[k]);
        sep = ", ";
    }
    if (def->nb_cargs) {
        fputs(sep, f);
        print_cargs(f, op, &op->args[k], def->nb_cargs);
    }
    fputc('\n', f);
}

void tcg_dump_ops(const TCGContext *s, void *file)
{
    FILE *f = file;
    for (unsigned i = 0; i < s->nb_ops; i++) {
        dump_op(s, f, &s->ops[i]);
    }
}
