/* Lazy flag evaluation against the host CPU: the host is x86-64, so each operation is
 * run natively (inline asm, flags captured with PUSHF) and its flags compared with
 * helper_cc_compute_all on the lazy state the translator records for it. */
#include <glib.h>
#include <stdint.h>

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"

#define N_RANDOM 20000

typedef struct Native {
    uint64_t res;
    uint32_t flags;
} Native;

/* One macro instantiates the native run of a two-operand instruction at each size. */
#define NATIVE_BINOP(name, insn)                                                                   \
    static Native native_##name(uint64_t a, uint64_t b, unsigned size, unsigned cf_in)             \
    {                                                                                              \
        uint64_t fl, r = a;                                                                        \
        uint64_t cin = cf_in;                                                                      \
        switch (size) {                                                                            \
        case 1:                                                                                    \
            asm("bt $0, %[c]\n\t" insn "b %b[b], %b[r]\n\tpushfq\n\tpop %[f]"                      \
                : [r] "+q"(r), [f] "=r"(fl)                                                        \
                : [b] "q"(b), [c] "r"(cin)                                                         \
                : "cc");                                                                           \
            break;                                                                                 \
        case 2:                                                                                    \
            asm("bt $0, %[c]\n\t" insn "w %w[b], %w[r]\n\tpushfq\n\tpop %[f]"                      \
                : [r] "+r"(r), [f] "=r"(fl)                                                        \
                : [b] "r"(b), [c] "r"(cin)                                                         \
                : "cc");                                                                           \
            break;                                                                                 \
        case 4:                                                                                    \
            asm("bt $0, %[c]\n\t" insn "l %k[b], %k[r]\n\tpushfq\n\tpop %[f]"                      \
                : [r] "+r"(r), [f] "=r"(fl)                                                        \
                : [b] "r"(b), [c] "r"(cin)                                                         \
                : "cc");                                                                           \
            break;                                                                                 \
        default:                                                                                   \
            asm("bt $0, %[c]\n\t" insn "q %[b], %[r]\n\tpushfq\n\tpop %[f]"                        \
                : [r] "+r"(r), [f] "=r"(fl)                                                        \
                : [b] "r"(b), [c] "r"(cin)                                                         \
                : "cc");                                                                           \
            break;                                                                                 \
        }                                                                                          \
        return (Native){r, (uint32_t)fl & CC_MASK};                                                \
    }

NATIVE_BINOP(add, "add")
NATIVE_BINOP(adc, "adc")
NATIVE_BINOP(sub, "sub")
NATIVE_BINOP(sbb, "sbb")
NATIVE_BINOP(and, "and")
NATIVE_BINOP(or, "or")
NATIVE_BINOP(xor, "xor")

static uint64_t mask_of(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static unsigned size_index(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static uint64_t interesting(GRand *r, unsigned size)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     2,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x7fff,
                                     0x8000,
                                     0xffff,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x7fffffffffffffff,
                                     0x8000000000000000,
                                     ~0ull,
                                     0x0f,
                                     0x10};
    uint64_t v;
    if (g_rand_int_range(r, 0, 3) == 0)
        v = edges[g_rand_int_range(r, 0, G_N_ELEMENTS(edges))];
    else
        v = ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);
    return v & mask_of(size);
}

typedef enum { OP_ADD, OP_ADC, OP_SUB, OP_SBB, OP_AND, OP_OR, OP_XOR, NB_OPS } BinOp;

static void check_binop(BinOp op, uint64_t a, uint64_t b, unsigned size, unsigned cf_in)
{
    Native n;
    CCOp base;
    uint64_t src = b, src2 = cf_in;
    uint32_t defined = CC_MASK;
    switch (op) {
    case OP_ADD:
        n = native_add(a, b, size, cf_in);
        base = CC_OP_ADDB;
        break;
    case OP_ADC:
        n = native_adc(a, b, size, cf_in);
        base = CC_OP_ADCB;
        break;
    case OP_SUB:
        n = native_sub(a, b, size, cf_in);
        base = CC_OP_SUBB;
        break;
    case OP_SBB:
        n = native_sbb(a, b, size, cf_in);
        base = CC_OP_SBBB;
        break;
    case OP_AND:
        n = native_and(a, b, size, cf_in);
        base = CC_OP_LOGICB;
        break;
    case OP_OR:
        n = native_or(a, b, size, cf_in);
        base = CC_OP_LOGICB;
        break;
    default:
        n = native_xor(a, b, size, cf_in);
        base = CC_OP_LOGICB;
        break;
    }
    if (base == CC_OP_LOGICB)
        defined &= ~CC_A; /* SDM: AF undefined after logic instructions */
    uint64_t res = n.res & mask_of(size);
    uint32_t lazy = (uint32_t)helper_cc_compute_all(base + size_index(size), res, src, src2);
    if ((lazy & defined) != (n.flags & defined)) {
        g_test_message("op %d size %u a=%#llx b=%#llx cf=%u: native %#x lazy %#x", op, size,
                       (unsigned long long)a, (unsigned long long)b, cf_in, n.flags, lazy);
        g_assert_cmphex(lazy & defined, ==, n.flags & defined);
    }
}

static void test_binops_random(void)
{
    GRand *r = g_rand_new_with_seed(12345);
    static const unsigned sizes[] = {1, 2, 4, 8};
    for (int i = 0; i < N_RANDOM; i++) {
        unsigned size = sizes[g_rand_int_range(r, 0, 4)];
        BinOp op = (BinOp)g_rand_int_range(r, 0, NB_OPS);
        check_binop(op, interesting(r, size), interesting(r, size), size,
                    (unsigned)g_rand_int_range(r, 0, 2));
    }
    g_rand_free(r);
}

/* INC/DEC keep CF: the lazy state carries the old CF in src. */
static void test_incdec(void)
{
    GRand *r = g_rand_new_with_seed(777);
    for (int i = 0; i < N_RANDOM; i++) {
        uint64_t a = interesting(r, 2), fl, res = a;
        unsigned cf = (unsigned)g_rand_int_range(r, 0, 2);
        bool inc = g_rand_boolean(r);
        if (inc)
            asm("bt $0, %[c]\n\tincw %w[r]\n\tpushfq\n\tpop %[f]"
                : [r] "+r"(res), [f] "=r"(fl)
                : [c] "r"((uint64_t)cf)
                : "cc");
        else
            asm("bt $0, %[c]\n\tdecw %w[r]\n\tpushfq\n\tpop %[f]"
                : [r] "+r"(res), [f] "=r"(fl)
                : [c] "r"((uint64_t)cf)
                : "cc");
        uint32_t lazy =
            (uint32_t)helper_cc_compute_all(inc ? CC_OP_INCW : CC_OP_DECW, res & 0xffff, cf, 0);
        g_assert_cmphex(lazy, ==, fl & CC_MASK);
    }
    g_rand_free(r);
}

/* Shifts by 1 (where OF is defined) and by larger counts (OF and AF masked). */
static void test_shifts(void)
{
    GRand *r = g_rand_new_with_seed(4242);
    for (int i = 0; i < N_RANDOM; i++) {
        uint64_t a = interesting(r, 4);
        unsigned count = (unsigned)g_rand_int_range(r, 1, 32);
        int kind = g_rand_int_range(r, 0, 3);
        uint64_t res = a, fl;
        uint64_t c = count;
        switch (kind) {
        case 0:
            asm("mov %[c], %%rcx\n\tshll %%cl, %k[r]\n\tpushfq\n\tpop %[f]"
                : [r] "+r"(res), [f] "=r"(fl)
                : [c] "r"(c)
                : "cc", "rcx");
            break;
        case 1:
            asm("mov %[c], %%rcx\n\tshrl %%cl, %k[r]\n\tpushfq\n\tpop %[f]"
                : [r] "+r"(res), [f] "=r"(fl)
                : [c] "r"(c)
                : "cc", "rcx");
            break;
        default:
            asm("mov %[c], %%rcx\n\tsarl %%cl, %k[r]\n\tpushfq\n\tpop %[f]"
                : [r] "+r"(res), [f] "=r"(fl)
                : [c] "r"(c)
                : "cc", "rcx");
            break;
        }
        uint64_t src;
        CCOp op;
        if (kind == 0) {
            src = (a << (count - 1)) & 0xffffffff;
            op = CC_OP_SHLL;
        } else if (kind == 1) {
            src = a >> (count - 1);
            op = CC_OP_SARL;
        } else {
            src = (uint64_t)((int64_t)(int32_t)a >> (count - 1));
            op = CC_OP_SARL;
        }
        uint32_t defined = CC_C | CC_Z | CC_S | CC_P | (count == 1 ? CC_O : 0);
        uint32_t lazy = (uint32_t)helper_cc_compute_all(op, res & 0xffffffff, src, 0);
        if ((lazy & defined) != (fl & defined))
            g_test_message("shift kind %d a=%#llx count %u", kind, (unsigned long long)a, count);
        g_assert_cmphex(lazy & defined, ==, fl & defined);
    }
    g_rand_free(r);
}

/* Every condition code against the host's SETcc on the same flags. */
static void test_conditions(void)
{
    for (uint32_t f = 0; f < 64; f++) {
        uint32_t flags = ((f & 1) ? CC_C : 0) | ((f & 2) ? CC_P : 0) | ((f & 4) ? CC_A : 0) |
                         ((f & 8) ? CC_Z : 0) | ((f & 16) ? CC_S : 0) | ((f & 32) ? CC_O : 0);
        uint64_t in = flags | 0x2, out[16];
#define SETCC(i, cc)                                                                               \
    asm("push %[in]\n\tpopfq\n\tset" cc " %b[o]\n\t" : [o] "=q"(out[i]) : [in] "r"(in) : "cc");    \
    out[i] &= 1;
        SETCC(0, "o")
        SETCC(1, "no") SETCC(2, "b") SETCC(3, "ae") SETCC(4, "e") SETCC(5, "ne") SETCC(6, "be")
            SETCC(7, "a") SETCC(8, "s") SETCC(9, "ns") SETCC(10, "p") SETCC(11, "np") SETCC(12, "l")
                SETCC(13, "ge") SETCC(14, "le") SETCC(15, "g")
#undef SETCC
                    for (unsigned cc = 0; cc < 16; cc++)
                        g_assert_cmpuint(x86_eval_cond(flags, cc), ==, out[cc]);
    }
}

/* ROL/ROR/RCL/RCR (helper_rotate) against the host: result, CF, and OF for count 1. */
static void test_rotates(void)
{
    GRand *r = g_rand_new_with_seed(99);
    CPUX86State env = {0};
    for (int i = 0; i < N_RANDOM; i++) {
        unsigned size = 1u << g_rand_int_range(r, 0, 3); /* 1, 2, 4 */
        uint64_t a = interesting(r, size);
        uint64_t count = (uint64_t)g_rand_int_range(r, 0, 40);
        unsigned cf = (unsigned)g_rand_int_range(r, 0, 2);
        int kind = g_rand_int_range(r, 0, 4);
        uint64_t res = a, fl, cin = cf;
#define ROT(insn, sfx, mod)                                                                        \
    asm("mov %[c], %%rcx\n\tbt $0, %[ci]\n\t" insn sfx " %%cl, %" mod "[r]\n\tpushfq\n\tpop %[f]"  \
        : [r] "+r"(res), [f] "=r"(fl)                                                              \
        : [c] "r"(count), [ci] "r"(cin)                                                            \
        : "cc", "rcx")
#define ROTS(insn)                                                                                 \
    do {                                                                                           \
        if (size == 1)                                                                             \
            ROT(insn, "b", "b");                                                                   \
        else if (size == 2)                                                                        \
            ROT(insn, "w", "w");                                                                   \
        else                                                                                       \
            ROT(insn, "l", "k");                                                                   \
    } while (0)
        switch (kind) {
        case ROT_ROL: ROTS("rol"); break;
        case ROT_ROR: ROTS("ror"); break;
        case ROT_RCL: ROTS("rcl"); break;
        default: ROTS("rcr"); break;
        }
#undef ROTS
#undef ROT
        env.cc_op = CC_OP_EFLAGS;
        env.cc_src = cf ? CC_C | CC_Z : CC_Z;
        uint64_t got = helper_rotate(&env, (uint64_t)kind, size, a, count);
        uint32_t got_fl = (uint32_t)helper_cc_compute_all(env.cc_op, env.cc_dst, env.cc_src, 0);
        unsigned masked = (unsigned)(count & 31);
        uint32_t defined = CC_C | (masked == 1 ? CC_O : 0);
        if (masked == 0)
            defined = CC_C; /* unchanged: only CF (set by BT) is known */
        g_assert_cmphex(got, ==, res & mask_of(size));
        if ((got_fl & defined) != (fl & defined))
            g_test_message("rot kind %d size %u a=%#llx count %llu cf %u", kind, size,
                           (unsigned long long)a, (unsigned long long)count, cf);
        g_assert_cmphex(got_fl & defined, ==, fl & defined);
    }
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flags/binops-random", test_binops_random);
    g_test_add_func("/flags/incdec", test_incdec);
    g_test_add_func("/flags/shifts", test_shifts);
    g_test_add_func("/flags/conditions", test_conditions);
    g_test_add_func("/flags/rotates", test_rotates);
    return g_test_run();
}
