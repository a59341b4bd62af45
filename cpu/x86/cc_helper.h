/* Lazy flag evaluation (cc_helper.c), callable from translated code. */
#ifndef PACIFICA_CPU_X86_CC_HELPER_H
#define PACIFICA_CPU_X86_CC_HELPER_H

#include <stdbool.h>
#include <stdint.h>

/* The arithmetic flags (CC_MASK bits) of the lazy state. */
uint64_t helper_cc_compute_all(uint64_t cc_op, uint64_t dst, uint64_t src, uint64_t src2);
uint64_t helper_cc_compute_c(uint64_t cc_op, uint64_t dst, uint64_t src, uint64_t src2);
/* Condition cc (0..15, the Jcc/SETcc/CMOVcc encoding) of the lazy state: 0 or 1. */
uint64_t helper_cc_compute_cond(uint64_t cc_op, uint64_t dst, uint64_t src, uint64_t src2,
                                uint64_t cc);
bool x86_eval_cond(uint32_t flags, unsigned cc);

#endif
