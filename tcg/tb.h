/* Translation blocks, their cache, and running them (the IR interpreter backend). */
#ifndef PACIFICA_TCG_TB_H
#define PACIFICA_TCG_TB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcg/tb-arena.h"
#include "tcg/tb-ir.h"
#include "tcg/tcg.h"

/* What a block returns to the vCPU loop: the TB pointer (8-byte aligned) ORed with
 * the reason in the low bits. */
#define TB_EXIT_MASK    3u
#define TB_EXIT_IDX0    0u /* left through goto_tb slot 0 (not linked yet) */
#define TB_EXIT_IDX1    1u /* left through goto_tb slot 1 */
#define TB_EXIT_NOCHAIN 2u /* exit_tb(TB_EXIT_NOCHAIN): guest state is stored */
#define TB_EXIT_REQUESTED                                                                          \
    3u /* exit_request seen at an instruction boundary: the                                        \
          guest state must be restored from insn_data */

typedef struct TranslationBlock TranslationBlock;

/* The fields read on every block run (the key, invalid, the compiled entry) fill the
 * first 64 bytes, and TBs are allocated 64-byte aligned: a jump-cache hit touches one
 * cache line of the TB. */
#define TB_HOT_BYTES 64

struct TranslationBlock {
    /* The key. */
    uint64_t pc; /* guest linear address of the first instruction */
    uint64_t cs_base;
    uint64_t phys_pc; /* guest physical address of the first byte */
    uint32_t flags;   /* guest CPU mode bits the code depends on */
    uint32_t cflags;  /* translation options (e.g. max instructions) */
    atomic_bool invalid;

    /* The native backend's compiled code for this TB (a NativeTB), valid only while
     * native_gen equals that backend's generation and native_owner is that backend:
     * this saves a hash lookup per block run. Written under the backend's lock; a TB
     * is compiled by one backend at a time. */
    void *_Atomic native_entry;
    const void *_Atomic native_owner;
    atomic_uint_fast64_t native_gen;

    uint64_t phys_page2; /* physical page of the last byte if it differs, else -1 */
    uint32_t size;       /* guest bytes covered */
    uint32_t icount;     /* guest instructions */

    /* The block's IR, owned by the TB: packed (tcg/tb-ir.h), and unpacked by tb_ir
     * the first time the interpreter needs it (NULL until then). */
    const uint8_t *ir_packed;
    _Atomic(TBIR *) ir;
    uint32_t nb_ops;
    uint32_t nb_temps;
    uint32_t nb_labels;

    /* Direct successors linked by goto_tb; a slot is followed only if the target is
     * still valid. */
    _Atomic(TranslationBlock *) jmp_dest[2];

    /* The arena chunk holding this TB, or NULL when it was malloc'd. */
    TBArenaChunk *arena_chunk;

    /* Cache links, owned by TBCache. */
    TranslationBlock *hash_next;
    TranslationBlock *all_next;

    /* The context that built the TB: only compared with TCGExecState.builder, never
     * followed (it may be gone). */
    const TCGContext *builder;
};

/* Copies s's op list and temps into a new TB with the given key; size, icount and
 * phys_page2 are filled by the caller. */
TranslationBlock *tb_new_from_context(const TCGContext *s, uint64_t pc, uint64_t cs_base,
                                      uint32_t flags, uint32_t cflags, uint64_t phys_pc);
void tb_free(TranslationBlock *tb);
/* tb's IR, unpacked into memory the TB owns on first use (thread-safe; the result
 * lives as long as tb). For the interpreter, which reads it at every run. */
const TBIR *tb_ir(TranslationBlock *tb);
/* tb's IR for one use: the TB's own unpacked copy if it has one, else unpacked into
 * buf (valid until buf's next use). For compiling, which reads it once. */
const TBIR *tb_ir_view(TranslationBlock *tb, TBIRBuffer *buf);

typedef struct TBCache {
    pthread_mutex_t lock;
    TranslationBlock **hash;
    unsigned hash_bits;
    TranslationBlock *all;       /* every TB, for flush */
    TranslationBlock *graveyard; /* invalidated TBs, freed at flush (a vCPU may still
                                    be running one) */
    unsigned count;
    /* One bit per 4 KiB page of the low 4 GiB of physical memory that holds code; pages
     * above are tracked in high_pages. */
    uint64_t *code_bitmap;
    uint64_t *high_pages;
    unsigned nhigh, high_cap;
    /* Per 4 KiB page below 4 GiB, which of its 64-byte granules hold bytes of a TB
     * (TB_CODE_GRANULE_BITS): a store to a code page that touches none of them leaves
     * every TB valid, and finds that out without the lock (tb_cache_range_has_code). */
    uint64_t *code_granules;
    /* Statistics: calls of tb_cache_invalidate_range (each takes the lock), and the
     * page searches they made (a range that touched a code granule of a page and was
     * compared with the page's TBs). */
    unsigned long invalidate_calls;
    unsigned long granule_searches;
    /* Counts flushes: a TBJumpCache filled under another count is stale. */
    atomic_uint flushes;
    /* Told after every flush (NULL: nobody): a backend that keeps compiled code per
     * TB drops it, since the TBs' memory is reused. */
    void (*on_flush)(void *opaque);
    void *on_flush_opaque;
    /* Told, under the lock, when a physical page first holds code (NULL: nobody), once
     * its first TB is in the index: with several vCPUs, every TLB must stop letting
     * stores reach the page on its fast path, not just the translating vCPU's. */
    void (*on_code_page)(void *opaque, uint64_t phys_page);
    void *on_code_page_opaque;
    /* Told of every TB invalidated, under lock (NULL: nobody): a backend that links
     * compiled blocks directly unlinks those jumping to it. */
    void (*on_invalidate)(void *opaque, TranslationBlock *tb);
    void *on_invalidate_opaque;
    /* The vCPUs' jump caches, cleared of a TB when it is invalidated (under lock). */
    struct TBJumpCache *jump_caches;
} TBCache;

void tb_cache_init(TBCache *c);
void tb_cache_destroy(TBCache *c);
TranslationBlock *tb_cache_lookup(TBCache *c, uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                  uint32_t flags, uint32_t cflags);
/* tb_cache_lookup for a pc whose next page now maps to phys_page2 (page aligned;
 * UINT64_MAX: it maps nowhere): a TB that crosses into that page must have been
 * translated from it. tb_cache_lookup takes a TB whatever its second page, which is
 * right only while the caller knows that mapping unchanged. */
TranslationBlock *tb_cache_lookup_page2(TBCache *c, uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                        uint32_t flags, uint32_t cflags, uint64_t phys_page2);
void tb_cache_insert(TBCache *c, TranslationBlock *tb);
/* Cheap check done on guest stores and code lookups: may the page holding phys_addr
 * hold code? Inline for the pages below 4 GiB (one bitmap load: it runs on every
 * block lookup); the sorted array of higher pages is searched out of line. */
bool tb_cache_high_page_has_code(TBCache *c, uint64_t phys_addr);
static inline bool tb_cache_page_has_code(TBCache *c, uint64_t phys_addr)
{
    uint64_t pageno = phys_addr >> 12;
    if (pageno >= (UINT64_C(1) << 20))
        return tb_cache_high_page_has_code(c, phys_addr);
    uint64_t word = __atomic_load_n(&c->code_bitmap[pageno / 64], __ATOMIC_ACQUIRE);
    return (word >> (pageno % 64)) & 1;
}
/* Code is tracked in 64-byte granules within a page: kernels put data next to code,
 * and a store to that data must not cost a search of the page's TBs. */
#define TB_CODE_GRANULE_BITS 6
/* The granules of a page that [offset, offset + len) touches (len > 0, within the
 * page). */
static inline uint64_t tb_code_granule_mask(unsigned offset, unsigned len)
{
    unsigned first = offset >> TB_CODE_GRANULE_BITS;
    unsigned last = (offset + len - 1) >> TB_CODE_GRANULE_BITS;
    return (~UINT64_C(0) >> (63 - last)) & (~UINT64_C(0) << first);
}
/* Done on stores to pages that may hold code: may [phys_addr, phys_addr + len) hold
 * bytes of a TB? Inline, without the lock, for a range within one page below 4 GiB;
 * otherwise whether the pages may hold code at all. False means no TB overlaps the
 * range (as tb_cache_invalidate_range would find, TBs being inserted concurrently
 * aside). */
static inline bool tb_cache_range_has_code(TBCache *c, uint64_t phys_addr, unsigned len)
{
    uint64_t pageno = phys_addr >> 12;
    unsigned offset = (unsigned)(phys_addr & 0xfff);
    if (pageno >= (UINT64_C(1) << 20) || len == 0 || offset + len > 0x1000)
        return tb_cache_page_has_code(c, phys_addr) ||
               tb_cache_page_has_code(c, phys_addr + (len ? len - 1 : 0));
    uint64_t granules = __atomic_load_n(&c->code_granules[pageno], __ATOMIC_ACQUIRE);
    return (granules & tb_code_granule_mask(offset, len)) != 0;
}
/* Invalidates every TB whose bytes overlap [start, start + len); returns how many. */
unsigned tb_cache_invalidate_range(TBCache *c, uint64_t start, uint64_t len);
/* Drops every TB. Only when no vCPU runs translated code. */
void tb_cache_flush(TBCache *c);

/* A vCPU's own cache in front of tb_cache_lookup: one TB per slot, indexed by guest
 * pc, read and written by that vCPU only, so without the cache's lock. Each slot keeps
 * the TB's key next to the pointer, so that a hit reads the slot alone and not the TB
 * (QEMU's CPUJumpCache keeps the pc the same way). Invalidating a TB clears the slots
 * that hold it in every jump cache used with that TBCache (a jump cache registers
 * itself on first use and must live as long as the TBCache); a flush empties them all
 * through the flush count.
 *
 * Probing by guest pc alone. A slot also records the caller's address-translation
 * generation at fill (`xlat_gen`: the guest CPU bumps it on every TLB flush that can
 * change a linear -> physical mapping). While it is unchanged, the pc still maps to
 * the physical address the TB was found under, so tb_jmp_cache_probe finds the TB
 * with no page translation (QEMU instead empties its jump cache on TLB flushes:
 * tlb_flush -> tcg_flush_jmp_cache, tlb_flush_page -> tb_jmp_cache_clear_page). */
#define TB_JMP_CACHE_BITS 14

/* One slot: 64 bytes, and the slots are 64-byte aligned, so a probe reads one cache
 * line. */
typedef struct TBJumpEntry {
    uint64_t pc, cs_base, phys_pc;
    uint32_t flags, cflags;
    /* NULL: empty. Written by the owner; cleared by any thread that invalidates it. */
    _Atomic(TranslationBlock *) tb;
    uint64_t xlat_gen; /* the caller's translation generation at fill */
    /* Left to the backend that runs the TB (the native one keeps its code address
     * here, valid while code_gen is its current generation); zeroed at each fill. */
    const void *code;
    uint64_t code_gen;
} TBJumpEntry;

/* Each slot has a second way, `victim` at the same index, that keeps the entry a fill
 * displaced: two hot blocks whose pcs share an index (in the cpubench run, 90% of the
 * hash-table lookups behind jump-cache misses) then swap places in tb_jmp_cache_lookup
 * instead of each taking a tb_cache_lookup. Probes (tb_jmp_cache_probe, the native
 * backend's inline one) read the first way only. */
typedef struct TBJumpCache {
    unsigned flushes;    /* TBCache.flushes the entries were filled under */
    TBCache *registered; /* the TBCache whose invalidations clear our slots */
    struct TBJumpCache *next_registered;
    TBJumpEntry *entry;  /* the slots: storage rounded up to 64 bytes, set on first use */
    TBJumpEntry *victim; /* the second ways: entry + (1 << TB_JMP_CACHE_BITS) */
    TBJumpEntry storage[(2u << TB_JMP_CACHE_BITS) + 1];
} TBJumpCache;

/* Registers jc with c on first use, and empties it if c was flushed since it was
 * filled. */
void tb_jmp_cache_check_slow(TBJumpCache *jc, TBCache *c);
static inline void tb_jmp_cache_check(TBJumpCache *jc, TBCache *c)
{
    if (__builtin_expect(jc->registered != c ||
                             jc->flushes != atomic_load_explicit(&c->flushes, memory_order_acquire),
                         0))
        tb_jmp_cache_check_slow(jc, c);
}

static inline unsigned tb_jmp_cache_index(uint64_t pc)
{
    return (unsigned)((pc ^ (pc >> TB_JMP_CACHE_BITS)) & ((1u << TB_JMP_CACHE_BITS) - 1));
}

/* jc's slot for pc (where a TB found for pc is kept). */
static inline TBJumpEntry *tb_jmp_cache_slot(TBJumpCache *jc, uint64_t pc)
{
    return &jc->entry[tb_jmp_cache_index(pc)];
}

/* A caller may keep a second, stable generation, bumped by fewer flushes (the x86
 * TLB's global one, which address-space switches keep): a slot whose translation
 * depends only on mappings it covers may hold it, with this bit set (the values of
 * the first generation never reach it), in place of xlat_gen (tb_jmp_cache_set_gen).
 * Probes accept either. */
#define TB_XLAT_GEN_STABLE (UINT64_C(1) << 63)

/* Whether slot e's generation is current: xlat_gen, or stable_gen as above. */
static inline bool tb_jmp_gen_current(const TBJumpEntry *e, uint64_t xlat_gen, uint64_t stable_gen)
{
    return e->xlat_gen == xlat_gen || e->xlat_gen == (stable_gen | TB_XLAT_GEN_STABLE);
}

/* The TB for this key if jc holds it from a fill under xlat_gen (or stable_gen), else
 * NULL (the lookup then needs the physical pc: tb_jmp_cache_lookup). */
static inline TranslationBlock *tb_jmp_cache_probe(TBJumpCache *jc, TBCache *c, uint64_t pc,
                                                   uint64_t cs_base, uint32_t flags,
                                                   uint32_t cflags, uint64_t xlat_gen,
                                                   uint64_t stable_gen)
{
    tb_jmp_cache_check(jc, c);
    const TBJumpEntry *e = tb_jmp_cache_slot(jc, pc);
    if (e->pc == pc && tb_jmp_gen_current(e, xlat_gen, stable_gen) && e->cs_base == cs_base &&
        e->flags == flags && e->cflags == cflags)
        return atomic_load_explicit(&e->tb, memory_order_relaxed);
    return NULL;
}

/* The slot for pc, which tb_jmp_cache_lookup or tb_jmp_cache_insert just filled or
 * hit, takes the generation gen instead (stable_gen | TB_XLAT_GEN_STABLE, say). */
static inline void tb_jmp_cache_set_gen(TBJumpCache *jc, uint64_t pc, uint64_t gen)
{
    tb_jmp_cache_slot(jc, pc)->xlat_gen = gen;
}

/* tb_cache_lookup through jc: a slot that holds the key (physical pc included) is a hit
 * and takes xlat_gen; a miss fills the slot under xlat_gen. */
TranslationBlock *tb_jmp_cache_lookup(TBJumpCache *jc, TBCache *c, uint64_t phys_pc, uint64_t pc,
                                      uint64_t cs_base, uint32_t flags, uint32_t cflags,
                                      uint64_t xlat_gen);
/* Records tb (just translated, under xlat_gen) in jc. */
void tb_jmp_cache_insert(TBJumpCache *jc, TBCache *c, TranslationBlock *tb, uint64_t xlat_gen);

/* Guest memory for qemu_ld/qemu_st, supplied by the guest CPU. A fault leaves through
 * siglongjmp in the callback; the caller restores state from insn_data. */
typedef struct TCGGuestMemOps {
    uint64_t (*load)(void *env, uint64_t addr, MemOp mop, unsigned mmu_idx);
    void (*store)(void *env, uint64_t addr, uint64_t val, MemOp mop, unsigned mmu_idx);
} TCGGuestMemOps;

/* Per-vCPU execution state shared by the backends and the vCPU loop. */
typedef struct TCGExecState {
    void *env;
    const TCGGuestMemOps *mem;
    /* Data of the last insn_start executed: where a fault restores from. */
    uint64_t insn_data[TCG_INSN_START_WORDS];
    /* Set by any thread (interrupt, stop, self-modifying store): the block stops at the
     * next instruction boundary with TB_EXIT_REQUESTED. */
    atomic_int exit_request;
    /* Finds the block to run after one that left without being linked (an indirect
     * jump, a return, a cross-page jump, an unlinked goto_tb), so that the backend goes
     * on without returning to the vCPU loop (QEMU's lookup_and_goto_ptr, done between
     * blocks). Returns NULL when the vCPU loop must run: something is pending (an
     * interrupt, exit_request, a stop), or the block is not translated yet. May raise a
     * guest fault (siglongjmp) like the vCPU loop's own lookup. NULL here: every block
     * returns (budgeted runs, -d exec, which must see each block). */
    TranslationBlock *(*next_block)(struct TCGExecState *es);
    void *next_block_opaque;
    /* Set by next_block with what it returns: the jump-cache slot holding that block
     * (whose code fields the backend may use), or NULL. */
    TBJumpEntry *next_entry;
    /* The vCPU's jump-cache slots (TBJumpCache.entry, up to date with the TB cache's
     * flushes) that compiled code may probe itself at a TCG_EXIT_SAME_KEY exit before
     * it calls next_block, or NULL: it always calls next_block. Set only together with
     * next_block. */
    TBJumpEntry *jmp_slots;
    /* The IR builder translating for this vCPU's thread (set by the front end, cleared
     * when it is freed), or NULL: a TB it built whose IR is still in its arrays
     * (builder->ir_tb) is compiled from there by the native backend, on this thread. */
    const TCGContext *builder;
} TCGExecState;

/* Runs tb, following linked successors, until an exit. The IR interpreter backend. */
uintptr_t tcg_interp_exec(TCGExecState *es, TranslationBlock *tb);

#endif
