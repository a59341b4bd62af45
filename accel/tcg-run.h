/* Running one vCPU synchronously on the calling thread, for tests (the CPU
 * differential tests, unit tests of instruction semantics): no threads, no main loop,
 * and exceptions are returned to the caller instead of being delivered. */
#ifndef PACIFICA_ACCEL_TCG_RUN_H
#define PACIFICA_ACCEL_TCG_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

typedef struct TcgRunner TcgRunner;

/* On the IR interpreter (the reference backend), or on the native backend when the
 * environment has PACIFICA_TCG_BACKEND=native: tests/run-all.sh runs the CPU unit
 * tests and the differential tests both ways. */
TcgRunner *tcg_runner_new(void);
/* On the native backend when native, else the interpreter; NULL if out of memory. */
TcgRunner *tcg_runner_new_backend(bool native);
void tcg_runner_free(TcgRunner *r);
/* The runner's translation cache (give it to x86_cpu_init for self-modifying code). */
TBCache *tcg_runner_tb_cache(TcgRunner *r);
/* Runs cpu (made with x86_cpu_init on a Machine) until it raises an exception or
 * interrupt (returned: the vector 0..255, EXCP_HLT for HLT, EXCP_SHUTDOWN), or until
 * max_blocks blocks have run (returns -1). For a fault the guest state is that of the
 * faulting instruction; for INT n/INT3/HLT rIP is past the instruction. Nothing is
 * delivered to the guest. */
int tcg_runner_run(TcgRunner *r, X86CPU *cpu, uint64_t max_blocks);

#endif
