/* Repeated string instructions in page-sized chunks (string_helper.c), called from
 * translated code. */
#ifndef PACIFICA_CPU_X86_STRING_HELPER_H
#define PACIFICA_CPU_X86_STRING_HELPER_H

#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"

#define X86_STRING_HELPERS(H)                                                                      \
    /* name, args, has result, flags */                                                            \
    H(rep_stos_chunk, 2, 0, 0)                                                                     \
    H(rep_movs_chunk, 2, 0, 0)

X86_STRING_HELPERS(X86_DECLARE_HELPER_INFO)

/* The operands of a chunk helper, packed into its desc argument. */
#define X86_STRING_DESC(size, addrsize, src_seg, code64)                                           \
    ((uint64_t)(size) | (uint64_t)(addrsize) << 4 | (uint64_t)(src_seg) << 8 |                     \
     (uint64_t)(code64) << 12)

/* REP STOS / REP MOVS with DF = 0: as many iterations as fit in the pages rDI (and rSI)
 * point into, done at once on RAM, rCX, rDI (and rSI) advanced past them. Does nothing
 * (the translated loop then runs the next iteration alone) when DF = 1, rCX = 0, an
 * element crosses a page, the offset would wrap, or a page is not RAM. Faults as the
 * first of these iterations would. */
void helper_rep_stos_chunk(CPUX86State *env, uint64_t desc);
void helper_rep_movs_chunk(CPUX86State *env, uint64_t desc);

#endif
