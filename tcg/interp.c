/* The IR interpreter: the portable reference backend. It runs a TB's op list with a
 * switch, keeping the block's temps in an array on the stack; globals are read from
 * and written to env directly on every access, so env is always up to date (a fault
 * or an exit request at any point sees the guest state the ops have produced).
 *
 * All arithmetic is done on uint64_t: 32-bit ops compute modulo 2^32 and store the
 * result zero-extended; shift counts are taken modulo the width; sign extension is
 * done with the xor/subtract trick, so nothing here relies on undefined behaviour. */
#include <stdatomic.h>
#include <string.h>

#include "tcg/tb.h"

typedef uint64_t (*HelperFn6)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* The block being run: its temps' descriptions and values, and env. */
typedef struct InterpFrame {
    const TCGTemp *temps;
    uint64_t *vals;
    char *env;
} InterpFrame;

static inline uint64_t type_mask(unsigned type)
{
    return type == TCG_TYPE_I32 ? UINT32_MAX : UINT64_MAX;
}

static inline unsigned type_bits(unsigned type)
{
    return type == TCG_TYPE_I32 ? 32 : 64;
}

static inline uint64_t low_mask(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* Sign-extends the low `bits` bits of v to 64 bits. */
static inline uint64_t sext(uint64_t v, unsigned bits)
{
    uint64_t sign = UINT64_C(1) << (bits - 1);
    return ((v & low_mask(bits)) ^ sign) - sign;
}

static inline uint64_t temp_read(const InterpFrame *f, TCGArg idx)
{
    const TCGTemp *t = &f->temps[idx];
    switch (t->kind) {
    case TEMP_GLOBAL:
        if (t->type == TCG_TYPE_I32) {
            uint32_t v32;
            memcpy(&v32, f->env + t->env_offset, sizeof(v32));
            return v32;
        } else {
            uint64_t v64;
            memcpy(&v64, f->env + t->env_offset, sizeof(v64));
            return v64;
        }
    case TEMP_ENV: return (uintptr_t)f->env;
    default: return f->vals[idx];
    }
}

/* v must already be reduced to the temp's width. */
static inline void temp_write(const InterpFrame *f, TCGArg idx, uint64_t v)
{
    const TCGTemp *t = &f->temps[idx];
    if (t->kind == TEMP_GLOBAL) {
        if (t->type == TCG_TYPE_I32) {
            uint32_t v32 = (uint32_t)v;
            memcpy(f->env + t->env_offset, &v32, sizeof(v32));
        } else {
            memcpy(f->env + t->env_offset, &v, sizeof(v));
        }
    } else {
        f->vals[idx] = v;
    }
}

static bool cond_holds(TCGCond c, uint64_t a, uint64_t b, unsigned type)
{
    uint64_t mask = type_mask(type);
    /* Flipping the sign bit turns a signed comparison into an unsigned one. */
    uint64_t sign = UINT64_C(1) << (type_bits(type) - 1);
    a &= mask;
    b &= mask;
    uint64_t sa = a ^ sign, sb = b ^ sign;
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    }
    return false;
}

static inline uint64_t shift_sar(uint64_t a, uint64_t count, unsigned type)
{
    unsigned w = type_bits(type);
    unsigned c = (unsigned)(count & (w - 1));
    uint64_t x = sext(a, w);
    uint64_t fill = (x >> 63) && c ? ~(UINT64_MAX >> c) : 0;
    return ((x >> c) | fill) & type_mask(type);
}

static inline uint64_t rotate_left(uint64_t a, uint64_t count, unsigned type)
{
    unsigned w = type_bits(type);
    unsigned c = (unsigned)(count & (w - 1));
    a &= type_mask(type);
    return c ? ((a << c) | (a >> (w - c))) & type_mask(type) : a;
}

static inline uint64_t rotate_right(uint64_t a, uint64_t count, unsigned type)
{
    unsigned w = type_bits(type);
    return rotate_left(a, (w - (count & (w - 1))) & (w - 1), type);
}

static inline uint64_t deposit(uint64_t a, uint64_t b, unsigned pos, unsigned len)
{
    uint64_t field = low_mask(len) << pos;
    return (a & ~field) | ((b << pos) & field);
}

/* (lo, hi) of the double-width product. */
static void multiply2(const TCGOp *op, uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    bool is_signed = op->opc == INDEX_op_muls2;
    if (op->type == TCG_TYPE_I32) {
        uint64_t p = is_signed ? sext(a, 32) * sext(b, 32) : (a & UINT32_MAX) * (b & UINT32_MAX);
        *lo = p & UINT32_MAX;
        *hi = (p >> 32) & UINT32_MAX;
        return;
    }
    unsigned __int128 p = (unsigned __int128)a * b;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
    if (is_signed) {
        /* Signed high half from the unsigned one: a negative factor contributes
         * -2^64 times the other factor. */
        *hi -= ((a >> 63) ? b : 0) + ((b >> 63) ? a : 0);
    }
}

static uint64_t host_load(const TCGOp *op, uint64_t base, TCGArg offset)
{
    const char *p = (const char *)(uintptr_t)(base + offset);
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (op->opc) {
    case INDEX_op_ld8u: memcpy(&v8, p, 1); return v8;
    case INDEX_op_ld8s: memcpy(&v8, p, 1); return sext(v8, 8);
    case INDEX_op_ld16u: memcpy(&v16, p, 2); return v16;
    case INDEX_op_ld16s: memcpy(&v16, p, 2); return sext(v16, 16);
    case INDEX_op_ld32u: memcpy(&v32, p, 4); return v32;
    case INDEX_op_ld32s: memcpy(&v32, p, 4); return sext(v32, 32);
    default:
        if (op->type == TCG_TYPE_I32) {
            memcpy(&v32, p, 4);
            return v32;
        }
        memcpy(&v64, p, 8);
        return v64;
    }
}

static void host_store(const TCGOp *op, uint64_t val, uint64_t base, TCGArg offset)
{
    char *p = (char *)(uintptr_t)(base + offset);
    uint8_t v8 = (uint8_t)val;
    uint16_t v16 = (uint16_t)val;
    uint32_t v32 = (uint32_t)val;
    switch (op->opc) {
    case INDEX_op_st8: memcpy(p, &v8, 1); return;
    case INDEX_op_st16: memcpy(p, &v16, 2); return;
    case INDEX_op_st32: memcpy(p, &v32, 4); return;
    default:
        if (op->type == TCG_TYPE_I32) {
            memcpy(p, &v32, 4);
        } else {
            memcpy(p, &val, 8);
        }
        return;
    }
}

static void do_call(const InterpFrame *f, const TCGOp *op)
{
    const TCGHelperInfo *info = (const TCGHelperInfo *)(uintptr_t)op->args[op->callo + op->calli];
    uint64_t a[TCG_MAX_CALL_ARGS] = {0};
    for (unsigned i = 0; i < op->calli && i < TCG_MAX_CALL_ARGS; i++) {
        a[i] = temp_read(f, op->args[op->callo + i]);
    }
    /* tcg.h: helpers are called with every argument as a 64-bit register value;
     * extra arguments are ignored by the SysV x86-64 calling convention. */
    HelperFn6 fn = (HelperFn6)info->func;
    uint64_t r = fn(a[0], a[1], a[2], a[3], a[4], a[5]);
    if (op->callo) {
        /* A helper declared to return 32 bits leaves the upper half of rax undefined. */
        temp_write(f, op->args[0], r & type_mask(f->temps[op->args[0]].type));
    }
}

static uint64_t guest_load(const TCGExecState *es, const TCGOp *op, uint64_t addr)
{
    MemOp mop = (MemOp)op->args[2];
    unsigned bits = 8u << (mop & MO_SIZE);
    uint64_t v = es->mem->load(es->env, addr, mop, (unsigned)op->args[3]);
    v = (mop & MO_SIGN) ? sext(v, bits) : v & low_mask(bits);
    return v & type_mask(op->type);
}

static void guest_store(const TCGExecState *es, const TCGOp *op, uint64_t val, uint64_t addr)
{
    MemOp mop = (MemOp)op->args[2];
    unsigned bits = 8u << (mop & MO_SIZE);
    es->mem->store(es->env, addr, val & low_mask(bits), mop, (unsigned)op->args[3]);
}

/* Ops of one input and one output, no constant argument. */
static uint64_t unary(const TCGOp *op, uint64_t a)
{
    switch (op->opc) {
    case INDEX_op_mov: return a;
    case INDEX_op_neg: return -a;
    case INDEX_op_not: return ~a;
    case INDEX_op_ext8s: return sext(a, 8);
    case INDEX_op_ext8u: return a & 0xff;
    case INDEX_op_ext16s: return sext(a, 16);
    case INDEX_op_ext16u: return a & 0xffff;
    case INDEX_op_ext32s:
    case INDEX_op_exts_i32_i64: return sext(a, 32);
    case INDEX_op_ext32u:
    case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32: return a & UINT32_MAX;
    case INDEX_op_extrh_i64_i32: return a >> 32;
    default: return 0;
    }
}

/* Runs one TB. Returns the exit value, or sets *next to the linked successor that
 * goto_tb chose (then the return value is meaningless). */
static uintptr_t exec_one(TCGExecState *es, TranslationBlock *tb, TranslationBlock **next)
{
    const TBIR *ir = tb_ir(tb);
    uint32_t nb_temps = ir->nb_temps < TCG_MAX_TEMPS ? ir->nb_temps : TCG_MAX_TEMPS;
    uint64_t vals[nb_temps ? nb_temps : 1];
    /* Deterministic even if a front end reads a temp it never wrote. */
    memset(vals, 0, sizeof(vals));
    const InterpFrame f = {.temps = ir->temps, .vals = vals, .env = es->env};
    const TCGOp *ops = ir->ops;
    uint32_t nb_ops = ir->nb_ops;

    for (uint32_t pc = 0; pc < nb_ops;) {
        const TCGOp *op = &ops[pc++];
        const TCGArg *args = op->args;
        uint64_t mask = type_mask(op->type);
        switch ((TCGOpcode)op->opc) {
        case INDEX_op_discard:
        case INDEX_op_set_label: break;
        case INDEX_op_br: pc = ir->label_ops[args[0]]; break;
        case INDEX_op_brcond:
            if (cond_holds((TCGCond)args[2], temp_read(&f, args[0]), temp_read(&f, args[1]),
                           op->type)) {
                pc = ir->label_ops[args[3]];
            }
            break;
        case INDEX_op_insn_start:
            es->insn_data[0] = args[0];
            es->insn_data[1] = args[1];
            if (args[TCG_INSN_START_EXIT_CHECK] && atomic_load(&es->exit_request)) {
                return (uintptr_t)tb | TB_EXIT_REQUESTED;
            }
            break;
        case INDEX_op_goto_tb: {
            TranslationBlock *dest = atomic_load(&tb->jmp_dest[args[0] & 1]);
            if (dest && !atomic_load(&dest->invalid)) {
                *next = dest;
                return 0;
            }
            break;
        }
        case INDEX_op_exit_tb:
            /* The mask drops TCG_EXIT_LOOKUP: the interpreter always exits, and its
             * caller looks the next block up. */
            return (uintptr_t)tb | (args[0] & TB_EXIT_MASK);
        case INDEX_op_call: do_call(&f, op); break;
        case INDEX_op_mb: atomic_thread_fence(memory_order_seq_cst); break;
        case INDEX_op_movi: temp_write(&f, args[0], args[1] & mask); break;
        case INDEX_op_mov:
        case INDEX_op_neg:
        case INDEX_op_not:
        case INDEX_op_ext8s:
        case INDEX_op_ext8u:
        case INDEX_op_ext16s:
        case INDEX_op_ext16u:
        case INDEX_op_ext32s:
        case INDEX_op_ext32u:
        case INDEX_op_extu_i32_i64:
        case INDEX_op_exts_i32_i64:
        case INDEX_op_extrl_i64_i32:
        case INDEX_op_extrh_i64_i32:
            temp_write(&f, args[0], unary(op, temp_read(&f, args[1])) & mask);
            break;
        case INDEX_op_add:
            temp_write(&f, args[0], (temp_read(&f, args[1]) + temp_read(&f, args[2])) & mask);
            break;
        case INDEX_op_sub:
            temp_write(&f, args[0], (temp_read(&f, args[1]) - temp_read(&f, args[2])) & mask);
            break;
        case INDEX_op_mul:
            temp_write(&f, args[0], (temp_read(&f, args[1]) * temp_read(&f, args[2])) & mask);
            break;
        case INDEX_op_and:
            temp_write(&f, args[0], temp_read(&f, args[1]) & temp_read(&f, args[2]) & mask);
            break;
        case INDEX_op_or:
            temp_write(&f, args[0], (temp_read(&f, args[1]) | temp_read(&f, args[2])) & mask);
            break;
        case INDEX_op_xor:
            temp_write(&f, args[0], (temp_read(&f, args[1]) ^ temp_read(&f, args[2])) & mask);
            break;
        case INDEX_op_andc:
            temp_write(&f, args[0], temp_read(&f, args[1]) & ~temp_read(&f, args[2]) & mask);
            break;
        case INDEX_op_shl: {
            uint64_t c = temp_read(&f, args[2]) & (type_bits(op->type) - 1);
            temp_write(&f, args[0], (temp_read(&f, args[1]) << c) & mask);
            break;
        }
        case INDEX_op_shr: {
            uint64_t c = temp_read(&f, args[2]) & (type_bits(op->type) - 1);
            temp_write(&f, args[0], (temp_read(&f, args[1]) & mask) >> c);
            break;
        }
        case INDEX_op_sar:
            temp_write(&f, args[0],
                       shift_sar(temp_read(&f, args[1]), temp_read(&f, args[2]), op->type));
            break;
        case INDEX_op_rotl:
            temp_write(&f, args[0],
                       rotate_left(temp_read(&f, args[1]), temp_read(&f, args[2]), op->type));
            break;
        case INDEX_op_rotr:
            temp_write(&f, args[0],
                       rotate_right(temp_read(&f, args[1]), temp_read(&f, args[2]), op->type));
            break;
        case INDEX_op_deposit:
            temp_write(&f, args[0],
                       deposit(temp_read(&f, args[1]), temp_read(&f, args[2]),
                               (unsigned)args[3] & 63, (unsigned)args[4]) &
                           mask);
            break;
        case INDEX_op_extract:
        case INDEX_op_sextract: {
            unsigned len = (unsigned)args[3];
            uint64_t v = (temp_read(&f, args[1]) >> (args[2] & 63)) & low_mask(len);
            if (op->opc == INDEX_op_sextract) {
                v = sext(v, len);
            }
            temp_write(&f, args[0], v & mask);
            break;
        }
        case INDEX_op_setcond:
            temp_write(&f, args[0],
                       cond_holds((TCGCond)args[3], temp_read(&f, args[1]), temp_read(&f, args[2]),
                                  op->type));
            break;
        case INDEX_op_movcond: {
            bool c = cond_holds((TCGCond)args[5], temp_read(&f, args[1]), temp_read(&f, args[2]),
                                op->type);
            temp_write(&f, args[0], temp_read(&f, args[c ? 3 : 4]) & mask);
            break;
        }
        case INDEX_op_mulu2:
        case INDEX_op_muls2: {
            uint64_t lo, hi;
            multiply2(op, temp_read(&f, args[2]), temp_read(&f, args[3]), &lo, &hi);
            temp_write(&f, args[0], lo);
            temp_write(&f, args[1], hi);
            break;
        }
        case INDEX_op_ld8u:
        case INDEX_op_ld8s:
        case INDEX_op_ld16u:
        case INDEX_op_ld16s:
        case INDEX_op_ld32u:
        case INDEX_op_ld32s:
        case INDEX_op_ld:
            temp_write(&f, args[0], host_load(op, temp_read(&f, args[1]), args[2]) & mask);
            break;
        case INDEX_op_st8:
        case INDEX_op_st16:
        case INDEX_op_st32:
        case INDEX_op_st:
            host_store(op, temp_read(&f, args[0]), temp_read(&f, args[1]), args[2]);
            break;
        case INDEX_op_qemu_ld:
            temp_write(&f, args[0], guest_load(es, op, temp_read(&f, args[1])));
            break;
        case INDEX_op_qemu_st:
            guest_store(es, op, temp_read(&f, args[0]), temp_read(&f, args[1]));
            break;
        case NB_TCG_OPS: break;
        }
    }
    return (uintptr_t)tb | TB_EXIT_NOCHAIN;
}

uintptr_t tcg_interp_exec(TCGExecState *es, TranslationBlock *tb)
{
    for (;;) {
        TranslationBlock *next = NULL;
        uintptr_t ret = exec_one(es, tb, &next);
        if (!next) {
            return ret;
        }
        tb = next;
    }
}
