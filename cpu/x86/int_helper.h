/* Helpers of the general-purpose (integer) instructions that are too involved for IR:
 * host atomics for LOCK, CMPXCHG8B/16B, BCD adjustments, BOUND, bit counts and bit
 * gathers, random numbers, I/O permission and the single-step trap. */
#ifndef PACIFICA_CPU_X86_INT_HELPER_H
#define PACIFICA_CPU_X86_INT_HELPER_H

#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "tcg/tcg.h"

/* Flags of a helper that depends on its arguments alone. */
#define X86_PURE_HELPER                                                                            \
    (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_SIDE_EFFECTS |             \
     TCG_CALL_NO_RAISE)

#define X86_INT_HELPERS(H)                                                                         \
    /* name, args, has result, flags */                                                            \
    H(single_step, 1, 0, TCG_CALL_NO_WRITE_GLOBALS)                                                \
    H(check_io, 3, 0, TCG_CALL_NO_WRITE_GLOBALS)                                                   \
    H(probe_write, 3, 0, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)                     \
    H(clflush, 2, 0, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)                         \
    H(atomic_rmw, 4, 1, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)                      \
    H(atomic_cmpxchg, 5, 1, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)                  \
    H(cmpxchg8b, 2, 0, 0)                                                                          \
    H(cmpxchg16b, 2, 0, 0)                                                                         \
    H(bound, 4, 0, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)                           \
    H(daa, 1, 0, 0)                                                                                \
    H(das, 1, 0, 0)                                                                                \
    H(aaa, 1, 0, 0)                                                                                \
    H(aas, 1, 0, 0)                                                                                \
    H(aam, 2, 0, TCG_CALL_NO_RAISE)                                                                \
    H(aad, 2, 0, TCG_CALL_NO_RAISE)                                                                \
    H(rdrand, 2, 1, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE)      \
    H(bit_count, 2, 1, X86_PURE_HELPER)                                                            \
    H(bswap, 2, 1, X86_PURE_HELPER)                                                                \
    H(pdep, 2, 1, X86_PURE_HELPER)                                                                 \
    H(pext, 2, 1, X86_PURE_HELPER)                                                                 \
    H(bextr, 3, 1, X86_PURE_HELPER)                                                                \
    H(crc32c, 3, 1, X86_PURE_HELPER)

X86_INT_HELPERS(X86_DECLARE_HELPER_INFO)

/* Read-modify-write operations of helper_atomic_rmw (desc = op | size << 8). */
enum {
    X86_RMW_ADD,
    X86_RMW_SUB,
    X86_RMW_AND,
    X86_RMW_OR,
    X86_RMW_XOR,
    X86_RMW_XCHG,
    X86_RMW_NEG,
};

/* Bit counts of helper_bit_count (desc = kind | size << 4). */
enum { X86_BITS_BSF, X86_BITS_BSR, X86_BITS_TZCNT, X86_BITS_LZCNT, X86_BITS_POPCNT };

/* Raises the single-step #DB trap (DR6.BS) with rIP already past the instruction. */
_Noreturn void helper_single_step(CPUX86State *env);
/* IN/OUT/INS/OUTS in protected mode: #GP(0) unless CPL <= IOPL (outside v8086 mode)
 * or the TSS I/O permission bitmap allows every byte of the access. */
void helper_check_io(CPUX86State *env, uint64_t port, uint64_t size);
/* Faults exactly as a write of size bytes at linear would, without writing. */
void helper_probe_write(CPUX86State *env, uint64_t linear, uint64_t size);
void helper_clflush(CPUX86State *env, uint64_t linear);
/* Atomically applies op (X86_RMW_*) with val to the size-byte operand at linear and
 * returns the old value. */
uint64_t helper_atomic_rmw(CPUX86State *env, uint64_t linear, uint64_t val, uint64_t desc);
/* Atomic compare-and-exchange; returns the old value. The memory is written even when
 * the comparison fails (with its old value), as CMPXCHG does. */
uint64_t helper_atomic_cmpxchg(CPUX86State *env, uint64_t linear, uint64_t expected,
                               uint64_t desired, uint64_t size);
void helper_cmpxchg8b(CPUX86State *env, uint64_t linear);
void helper_cmpxchg16b(CPUX86State *env, uint64_t linear);
void helper_bound(CPUX86State *env, uint64_t linear, uint64_t index, uint64_t size);
void helper_daa(CPUX86State *env);
void helper_das(CPUX86State *env);
void helper_aaa(CPUX86State *env);
void helper_aas(CPUX86State *env);
void helper_aam(CPUX86State *env, uint64_t base);
void helper_aad(CPUX86State *env, uint64_t base);
uint64_t helper_rdrand(CPUX86State *env, uint64_t size);
uint64_t helper_bit_count(uint64_t val, uint64_t desc);
uint64_t helper_bswap(uint64_t val, uint64_t size);
uint64_t helper_pdep(uint64_t val, uint64_t mask);
uint64_t helper_pext(uint64_t val, uint64_t mask);
uint64_t helper_bextr(uint64_t val, uint64_t control, uint64_t size);
uint64_t helper_crc32c(uint64_t crc, uint64_t val, uint64_t size);

#endif
