/* The native x86-64 backend: compiles a translation block's IR to host machine code and
 * runs it, with exactly the contract of the IR interpreter (tcg_interp_exec in
 * tcg/tb.h): same return values, exit_request checked at every insn_start, insn_data
 * stored there, globals in env whenever the block can be left (a fault in a helper or
 * guest memory access, an exit), goto_tb following tb->jmp_dest[n] when set and valid.
 *
 * Compiled code lives in a code buffer shared by all vCPU threads of one TCGNative
 * (up to 256 TCGExecStates; more run on the interpreter).
 * When the buffer fills up, everything is dropped and recompiled on demand; in between,
 * a block that cannot be compiled runs on the interpreter (same semantics), so nothing
 * ever waits for the flush.
 *
 * One assumption beyond tb.h: the TCGGuestMemOps callbacks change neither globals nor
 * es->insn_data unless they fault (helpers may do both, as their flags say).
 *
 * TCGNative keeps a table from TranslationBlock* to code. Because a TB's memory is
 * reused after tb_cache_flush frees it, whoever flushes the TB cache must call
 * tcg_native_flush too (TBCache.on_flush). */
#ifndef PACIFICA_TCG_X86_64_NATIVE_H
#define PACIFICA_TCG_X86_64_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcg/tb.h"

/* A guest's software TLB, described without naming the guest, so that qemu_ld/qemu_st
 * can look it up inline. For MMU index i (< mmu_count) and guest address A, the entry is
 *     env + table_offset + i * mmu_stride + ((A >> page_bits) & ((1 << index_bits) - 1))
 *         * (1 << entry_bits)
 * and an access of S bytes may use host address A + *(uint64_t *)(entry + addend) when
 *     *(uint64_t *)(entry + read_tag or write_tag) == ((A + S - 1) | fast_bits).
 * Anything else calls TCGGuestMemOps, which must then fill the entry or fault. */
typedef struct TCGNativeTLB {
    intptr_t table_offset;
    size_t mmu_stride;
    unsigned mmu_count;
    unsigned index_bits;
    unsigned page_bits;
    unsigned entry_bits;
    int32_t read_tag, write_tag, addend;
    uint32_t fast_bits; /* the low page_bits bits, all set, e.g. 0xfff */
} TCGNativeTLB;

/* Where a guest keeps what the jump-cache probe of a TCG_EXIT_SAME_KEY exit reads
 * (see native_gen_lookup_probe), as offsets from env. The probe computes the next
 * block's key pc from the stored guest ip: the ip itself when the block's flags have
 * wide_pc_flag (x86 64-bit code), else (cs_base + ip) mod 2^32 (x86_tb_key); the rest
 * of the key is the block's own. */
typedef struct TCGNativeLookup {
    intptr_t ip;           /* the guest instruction pointer (uint64_t) */
    uint32_t wide_pc_flag; /* TranslationBlock.flags bit: the key pc is ip */
    intptr_t xlat_gen;     /* the vCPU's address-translation generation (uint64_t) */
    intptr_t pending;      /* a uint32_t, non-zero while the vCPU loop must look */
    intptr_t stable_gen;   /* its stable generation (uint64_t, tcg/tb.h), or 0: none */
} TCGNativeLookup;

typedef struct TCGNativeConfig {
    size_t code_size;        /* bytes of code buffer; 0: 256 MiB */
    const TCGNativeTLB *tlb; /* the inline TLB fast path, or NULL: every access calls */
    /* The inline jump-cache probe, or NULL: every lookup exit calls next_block. */
    const TCGNativeLookup *lookup;
    bool baseline_only;      /* no BMI1/BMI2 even if the host has them (for tests) */
    FILE *out_asm;           /* -d out_asm: every compiled block is disassembled here */
    /* Asks every vCPU to leave translated code soon (set their exit_request), so that a
     * pending flush can happen; NULL: the flush waits until they leave by themselves. */
    void (*kick_all)(void *opaque);
    void *kick_opaque;
} TCGNativeConfig;

typedef struct TCGNative TCGNative;

typedef struct TCGNativeStats {
    uint64_t compiled;    /* blocks compiled */
    uint64_t failed;      /* blocks the backend refused (run on the interpreter) */
    uint64_t flushes;     /* code buffer flushes */
    uint64_t interp_runs; /* runs that fell back to the interpreter */
    uint64_t chain_links; /* chain caches filled */
    uint64_t lookups;     /* exits that went on to the next block inside compiled code */
    size_t code_bytes;    /* bytes of code now in the buffer */
    bool dual_mapping;    /* the buffer is W^X (RW and RX views) */
} TCGNativeStats;

/* cfg may be NULL (defaults). Returns NULL if no executable memory could be mapped. */
TCGNative *tcg_native_new(const TCGNativeConfig *cfg);
void tcg_native_free(TCGNative *n);

/* Runs tb and its linked successors until an exit: tcg_interp_exec's contract. Any
 * number of threads may run blocks of one TCGNative at once. */
uintptr_t tcg_native_run(TCGNative *n, TCGExecState *es, TranslationBlock *tb);

/* Tells n that es's vCPU is outside compiled code: call it after catching the
 * siglongjmp of a guest fault that left a block (tcg_native_run notices by itself when
 * es next runs a block, but a flush must not wait for a vCPU that halts meanwhile). */
void tcg_native_left_by_fault(TCGNative *n, TCGExecState *es);

/* Releases es's place among the vCPUs n knows (at most 256): call it when a vCPU is
 * destroyed, outside compiled code. */
void tcg_native_forget_vcpu(TCGNative *n, TCGExecState *es);

/* Drops every compiled block. Call it whenever the TB cache is flushed (TB memory is
 * reused afterwards). Safe while other threads run blocks: the flush happens once none
 * runs compiled code, and until then blocks run on the interpreter. */
void tcg_native_flush(TCGNative *n);
/* TBCache.on_invalidate (opaque: the TCGNative): the jump slots linked to tb's code are
 * reset, so that compiled goto_tb never enters an invalidated block. */
void tcg_native_tb_invalidated(void *opaque, TranslationBlock *tb);
/* Links goto_tb slot of from's code to to's (both compiled first), as the runner does
 * when from leaves through that slot and to comes next. For tests. */
bool tcg_native_link(TCGNative *n, TranslationBlock *from, unsigned slot, TranslationBlock *to);

/* Compiles tb now if it is not yet (for -d out_asm, tests). False if it cannot be. */
bool tcg_native_prepare(TCGNative *n, TranslationBlock *tb);

/* Disassembles tb's host code (compiled by n) to out, Intel syntax, one instruction a
 * line: "0x<address>:  mnemonic operands". False if tb has no code. */
bool tcg_native_dump_tb(TCGNative *n, TranslationBlock *tb, FILE *out);
/* Disassembles host code [code, code + size). */
void tcg_native_disas(FILE *out, const void *code, size_t size);

void tcg_native_get_stats(TCGNative *n, TCGNativeStats *stats);

#endif
