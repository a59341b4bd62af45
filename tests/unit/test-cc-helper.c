/* The partial lazy-flag helpers (cpu/x86/cc_helper.c) against the full one:
 * helper_cc_compute_c and helper_cc_compute_cond compute only what they need per
 * operation, and must agree with helper_cc_compute_all for every cc_op, every
 * condition and any operands (the operands need not come from a real instruction:
 * the helpers must agree on whatever the lazy state holds). */
#include <glib.h>
#include <inttypes.h>
#include <stdint.h>

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/cpu.h"

#define N_RANDOM 20000

/* Operands biased towards the edges where flags change: 0, all ones, sign bits. */
static uint64_t edge_operand(GRand *rng)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x7fff,
                                     0x8000,
                                     0xffff,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x7fffffffffffffffull,
                                     0x8000000000000000ull,
                                     ~0ull,
                                     0xf,
                                     0x10};
    uint64_t r = ((uint64_t)g_rand_int(rng) << 32) | g_rand_int(rng);
    switch (g_rand_int_range(rng, 0, 4)) {
    case 0: return edges[g_rand_int_range(rng, 0, G_N_ELEMENTS(edges))];
    case 1: return r & 0xff;
    case 2: return r & 0xffffffff;
    default: return r;
    }
}

static void check_state(uint64_t op, uint64_t dst, uint64_t src, uint64_t src2)
{
    uint32_t all = (uint32_t)helper_cc_compute_all(op, dst, src, src2);
    uint64_t c = helper_cc_compute_c(op, dst, src, src2);
    if (c != (all & CC_C))
        g_error("compute_c op %u dst %#" PRIx64 " src %#" PRIx64 " src2 %#" PRIx64 ": %" PRIu64
                ", compute_all %#x",
                (unsigned)op, dst, src, src2, c, all);
    for (unsigned cc = 0; cc < 16; cc++) {
        uint64_t got = helper_cc_compute_cond(op, dst, src, src2, cc);
        if (got != (uint64_t)x86_eval_cond(all, cc))
            g_error("compute_cond op %u cc %u dst %#" PRIx64 " src %#" PRIx64 " src2 %#" PRIx64
                    ": %" PRIu64 ", compute_all %#x",
                    (unsigned)op, cc, dst, src, src2, got, all);
    }
}

static void test_random_operands(void)
{
    GRand *rng = g_rand_new_with_seed(5);
    for (uint64_t op = 0; op < NB_CC_OPS; op++) {
        for (int i = 0; i < N_RANDOM; i++)
            check_state(op, edge_operand(rng), edge_operand(rng), g_rand_int_range(rng, 0, 2));
    }
    g_rand_free(rng);
}

/* Every byte pair exhaustively for the byte-sized operations (and EFLAGS images). */
static void test_byte_operands(void)
{
    for (uint64_t op = 0; op < NB_CC_OPS; op++) {
        if (op != CC_OP_EFLAGS && ((op - 1) & 3) != 0)
            continue;
        for (uint64_t a = 0; a < 256; a++) {
            for (uint64_t b = 0; b < 256; b++)
                check_state(op, a, op == CC_OP_EFLAGS ? (a << 4) | b : b, b & 1);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cc-helper/random", test_random_operands);
    g_test_add_func("/cc-helper/bytes", test_byte_operands);
    return g_test_run();
}
