/* Guest memory as the CPU sees it: paging (SDM Vol 3A chapter 4) behind a software TLB
 * (cpu/x86/tlb.h), RAM accessed directly through the TLB's host addends, everything
 * else through the machine's memory map under the machine lock. Stores to pages that
 * hold translated code invalidate those blocks (self-modifying code).
 *
 * Contracts kept here:
 * - x86_ld/x86_st (helpers) and the TCGGuestMemOps callbacks (translated code) raise
 *   #PF (CR2 and error code set) or #GP(0) for a non-canonical address, with
 *   x86_raise_exception_err; an access that crosses a page boundary translates and
 *   checks both pages before it reads or writes any byte.
 * - Code fetches for the translator:
 *     x86_get_phys_code(env, linear, &phys) translates an address the CPU is about to
 *     execute from (the start of a block, or the part of the block's FIRST instruction
 *     that lies on the next page) and RAISES #PF/#GP if it cannot be fetched. Because
 *     it may be called before any instruction of the block ran, it points the fault's
 *     restart state (exec.insn_data) at CS:rIP first.
 *     x86_fetch_code(env, linear, buf, len) never raises: it returns how many bytes
 *     could be fetched (0 if not even the first). A decoder that runs out of bytes
 *     (X86_DECODE_TRUNCATED) must, for the block's first instruction, call
 *     x86_get_phys_code on the first byte it did not get (which raises the #PF the
 *     fetch would); for a later instruction, end the block before it.
 * - Outside long mode linear addresses are 32 bits wide (SDM 3A §3.3); A20 masks bit
 *   20 of every physical address, including those of paging structures.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/tlb.h"
#include "system/debug.h"
#include "system/machine.h"

_Static_assert(X86_TLB_MMU_COUNT == X86_MMU_COUNT, "one TLB table per MMU index");
_Static_assert(sizeof(X86TLBEntry) == 32, "fast-path entries are 32 bytes");
_Static_assert(X86_TLB_BITS <= 16, "X86TLB.filled holds 16-bit indices");

/* Paging-structure entry bits (SDM 3A §4.3-§4.5, Tables 4-4 to 4-20) */
#define PG_P  (1ull << 0)
#define PG_RW (1ull << 1)
#define PG_US (1ull << 2)
#define PG_A  (1ull << 5)
#define PG_D  (1ull << 6)
#define PG_PS (1ull << 7)
#define PG_G  (1ull << 8)
#define PG_XD (1ull << 63)

/* #PF error code (SDM 3A §4.7, Figure 4-12) */
#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I    (1u << 4)

#define ACCESS_BIT(a) (1u << (a))
#define ALL_RIGHTS                                                                                 \
    (ACCESS_BIT(X86_ACCESS_READ) | ACCESS_BIT(X86_ACCESS_WRITE) | ACCESS_BIT(X86_ACCESS_EXEC))

/* Bits M-1:12 of a 64-bit entry: a physical page address (M = MAXPHYADDR). */
#define PHYS_ADDR_MASK (((1ull << X86_PHYS_ADDR_BITS) - 1) & X86_PAGE_MASK)

/* A fault an access must raise. */
typedef struct X86Fault {
    int vector;
    uint32_t error_code;
    uint64_t cr2;
} X86Fault;

/* Where one access (inside one page) goes. */
typedef struct Xlat {
    uint8_t *host;   /* RAM the access may touch directly, else NULL */
    uint64_t phys;   /* physical address */
    bool check_code; /* a store must first invalidate translated code on the page */
    bool watched;    /* a data breakpoint watches the page for this kind of access */
} Xlat;

static _Noreturn void raise_fault(CPUX86State *env, const X86Fault *f)
{
    if (f->vector == EXCP_PF)
        env->cr[2] = f->cr2;
    x86_raise_exception_err(env, f->vector, (int)f->error_code);
}

/* Host memory accesses of 1, 2, 4 or 8 bytes: a constant size per case lets the
 * compiler emit one move (a variable-size memcpy becomes a slow string copy). The host
 * is little-endian x86-64 like the guest. */
static inline uint64_t host_load(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case 8: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    default: {
        uint64_t v = 0;
        memcpy(&v, p, size);
        return v;
    }
    }
}

static inline void host_store(void *p, uint64_t val, unsigned size)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)val; break;
    case 2: {
        uint16_t v = (uint16_t)val;
        memcpy(p, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = (uint32_t)val;
        memcpy(p, &v, 4);
        break;
    }
    case 8: memcpy(p, &val, 8); break;
    default: memcpy(p, &val, size); break;
    }
}

static inline uint64_t a20_mask(const CPUX86State *env)
{
    return (uint64_t)env->a20_mask_lo | 0xffffffff00000000ull;
}

/* SDM 3A §3.3.7.1: a 64-bit linear address is canonical when bits 63:47 are all equal
 * (4-level paging: 48-bit linear addresses). */
static inline bool is_canonical(uint64_t linear)
{
    return (uint64_t)(((int64_t)linear << 16) >> 16) == linear;
}

static inline unsigned tlb_index(uint64_t linear)
{
    return (unsigned)(linear >> X86_PAGE_BITS) & (X86_TLB_SIZE - 1);
}

/* ---- physical memory ---- */

static uint64_t phys_read_locked(Machine *m, uint64_t phys, unsigned size)
{
    pthread_mutex_lock(&m->lock);
    uint64_t v = 0;
    if (size == 1 || size == 2 || size == 4 || size == 8) {
        v = address_space_read(&m->mem, phys, size);
    } else {
        for (unsigned i = 0; i < size; i++)
            v |= address_space_read(&m->mem, phys + i, 1) << (8 * i);
    }
    pthread_mutex_unlock(&m->lock);
    return v;
}

static void phys_write_locked(Machine *m, uint64_t phys, uint64_t val, unsigned size)
{
    pthread_mutex_lock(&m->lock);
    if (size == 1 || size == 2 || size == 4 || size == 8) {
        address_space_write(&m->mem, phys, val, size);
    } else {
        for (unsigned i = 0; i < size; i++)
            address_space_write(&m->mem, phys + i, (val >> (8 * i)) & 0xff, 1);
    }
    pthread_mutex_unlock(&m->lock);
}

/* Self-modifying code: drops the blocks translated from [phys, phys + size); the
 * current block stops at the next instruction boundary so that the new code is what
 * runs next. A store beside the code of its page (data that shares the page, or a
 * freed code page being reused) is told apart by the page's code granules, without
 * the cache's lock. */
static void invalidate_code(X86CPU *cpu, uint64_t phys, unsigned size)
{
    TBCache *tbc = cpu->tb_cache;
    if (tbc && tb_cache_range_has_code(tbc, phys, size) &&
        tb_cache_invalidate_range(tbc, phys, size))
        atomic_store(&cpu->exec.exit_request, 1);
}

/* ---- the TLB: validity, flushes ---- */

static inline bool tag_hits(uint64_t tag, uint64_t page)
{
    return (tag & X86_TLB_VALID) && (tag & X86_PAGE_MASK) == page;
}

/* Empties entry i of MMU index idx; its index stays in filled_global (as info says)
 * when keep_listed_global. */
static void clear_entry(X86TLB *tlb, unsigned idx, unsigned i, bool keep_listed_global)
{
    X86TLBEntryInfo *info = &tlb->info[idx][i];
    uint8_t listed = keep_listed_global ? info->listed & X86_TLB_LISTED_GLOBAL : 0;
    memset(&tlb->table[idx][i], 0, sizeof(X86TLBEntry));
    memset(info, 0, sizeof(*info));
    info->listed = listed;
}

/* Empties the index's filled entries (tlb.h: X86TLB.filled, filled_global); global
 * ones stay, still listed in filled_global, unless include_global. */
static void flush_index(X86TLB *tlb, unsigned idx, bool include_global)
{
    bool keep_global = !include_global;
    const uint16_t *filled = tlb->filled[idx];
    __atomic_store_n(&tlb->flush_seq, tlb->flush_seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    for (uint32_t k = 0; k < tlb->nfilled[idx]; k++) {
        unsigned i = filled[k];
        X86TLBEntryInfo *info = &tlb->info[idx][i];
        if (keep_global && info->global) {
            /* SDM 3A §4.10.2.4: global translations survive a CR3 load. Filled global
             * since it was listed here: filled_global has it. */
            info->listed &= (uint8_t)~X86_TLB_LISTED;
            continue;
        }
        clear_entry(tlb, idx, i, keep_global);
    }
    tlb->nfilled[idx] = 0;
    if (include_global) {
        for (uint32_t k = 0; k < tlb->nfilled_global[idx]; k++)
            clear_entry(tlb, idx, tlb->filled_global[idx][k], false);
        tlb->nfilled_global[idx] = 0;
    }
    uint32_t kept = tlb->nfilled_global[idx];
    for (unsigned v = 0; v < X86_TLB_VICTIMS; v++) {
        if (keep_global && tlb->victim_info[idx][v].global) {
            kept++;
            continue;
        }
        memset(&tlb->victim[idx][v], 0, sizeof(X86TLBEntry));
        memset(&tlb->victim_info[idx][v], 0, sizeof(X86TLBEntryInfo));
    }
    __atomic_store_n(&tlb->flush_seq, tlb->flush_seq + 1, __ATOMIC_RELEASE);
    if (kept == 0) {
        tlb->has_global[idx] = false;
        tlb->has_large[idx] = false;
    }
    /* Otherwise the large-page region is kept as it is: it may still cover global
     * large pages. */
}

/* Every mapping may change: jump-cache slots filled before must translate again. */
static void new_generation(X86TLB *tlb)
{
    tlb->generation++;
    memset(tlb->code_pages, 0, sizeof(tlb->code_pages));
}

/* A global mapping may change too: the slots stamped with global_generation go. */
static void new_global_generation(X86TLB *tlb)
{
    tlb->global_generation++;
    memset(tlb->global_code_pages, 0, sizeof(tlb->global_code_pages));
}

static void flush_all(X86TLB *tlb, bool include_global)
{
    new_generation(tlb);
    if (include_global)
        new_global_generation(tlb);
    for (unsigned idx = 0; idx < X86_TLB_MMU_COUNT; idx++)
        flush_index(tlb, idx, include_global);
}

/* The vCPU's TLB, emptied first if the memory map or the A20 gate changed since it
 * was filled (the addends and physical addresses would be stale). */
static inline X86TLB *cpu_tlb(CPUX86State *env)
{
    /* env is embedded in its X86CPU: no pointer to chase on the fast path. */
    X86CPU *cpu = (X86CPU *)(void *)((char *)env - offsetof(X86CPU, env));
    X86TLB *tlb = &cpu->tlb;
    const void *view = atomic_load_explicit(&cpu->machine->mem.view, memory_order_acquire);
    if (__builtin_expect(tlb->mem_view != view || tlb->a20_mask != env->a20_mask_lo, 0)) {
        flush_all(tlb, true);
        tlb->mem_view = view;
        tlb->a20_mask = env->a20_mask_lo;
        tlb->code_page_protected = ~0ull;
    }
    return tlb;
}

void x86_tlb_flush(CPUX86State *env, bool include_global)
{
    flush_all(&env_cpu(env)->tlb, include_global);
}

void x86_tlb_flush_page(CPUX86State *env, uint64_t linear)
{
    X86TLB *tlb = &env_cpu(env)->tlb;
    if (!(env->hflags & HF_LMA))
        linear &= 0xffffffffu;
    uint64_t page = linear & X86_PAGE_MASK;
    unsigned i = tlb_index(linear);
    unsigned bit = x86_code_filter_bit(linear);
    bool code_mapping = (tlb->code_pages[bit / 64] >> (bit % 64)) & 1;
    bool global_code_mapping = (tlb->global_code_pages[bit / 64] >> (bit % 64)) & 1;
    for (unsigned idx = 0; idx < X86_TLB_MMU_COUNT; idx++) {
        if (tlb->has_large[idx] && ((linear ^ tlb->large_addr[idx]) & tlb->large_mask[idx]) == 0) {
            flush_index(tlb, idx, true);
            code_mapping = global_code_mapping = true; /* the large pages may hold code */
            continue;
        }
        if (tlb->info[idx][i].page == page)
            memset(&tlb->table[idx][i], 0, sizeof(X86TLBEntry));
        for (unsigned v = 0; v < X86_TLB_VICTIMS; v++) {
            if (tlb->victim_info[idx][v].page == page)
                memset(&tlb->victim[idx][v], 0, sizeof(X86TLBEntry));
        }
    }
    if (code_mapping)
        new_generation(tlb);
    if (global_code_mapping)
        new_global_generation(tlb);
}

/* Whether the TLB holds a global translation of linear's page for fetches at
 * mmu_idx (its code tag valid). */
static bool code_page_global(const X86TLB *tlb, unsigned mmu_idx, uint64_t linear)
{
    unsigned i = tlb_index(linear);
    uint64_t page = linear & X86_PAGE_MASK;
    const X86TLBEntryInfo *info = &tlb->info[mmu_idx][i];
    return info->global && info->page == page && tag_hits(tlb->table[mmu_idx][i].tag_code, page);
}

uint64_t x86_tlb_code_stamp(CPUX86State *env, uint64_t linear, uint32_t size, uint64_t gen,
                            uint64_t global_gen)
{
    X86TLB *tlb = &env_cpu(env)->tlb;
    if (!(env->hflags & HF_LMA))
        linear &= 0xffffffffu;
    unsigned mmu_idx = x86_mmu_index(env->hflags);
    uint64_t last = linear + (size ? size - 1 : 0);
    if (code_page_global(tlb, mmu_idx, linear) && code_page_global(tlb, mmu_idx, last)) {
        x86_code_filter_add(tlb->global_code_pages, linear, size);
        return global_gen | X86_TLB_GEN_GLOBAL;
    }
    x86_tlb_note_code(tlb, linear, size);
    return gen;
}

void x86_tlb_reset(CPUX86State *env)
{
    X86TLB *tlb = &env_cpu(env)->tlb;
    uint64_t generation = tlb->generation, global_generation = tlb->global_generation;
    memset(tlb, 0, sizeof(X86TLB));
    tlb->generation = generation + 1;
    tlb->global_generation = global_generation + 1;
}

/* The gate may be set from another vCPU's thread (the one that wrote port 92h): only
 * the mask changes here; the owning vCPU empties its TLB when it notices (cpu_tlb on
 * its next slow-path access, x86_tlb_sync_memory_map before its next block), so no
 * thread ever fills or flushes another's TLB (x86_tlb_protect_code_page only clears
 * one tag bit, atomically). */
void x86_set_a20(CPUX86State *env, bool enabled)
{
    atomic_store_explicit((_Atomic uint32_t *)&env->a20_mask_lo, enabled ? ~0u : ~(1u << 20),
                          memory_order_relaxed);
}

void x86_tlb_sync_memory_map(CPUX86State *env)
{
    cpu_tlb(env);
}

/* Grows the index's large-page region to cover [linear & ~(size-1), + size). */
static void tlb_add_large_page(X86TLB *tlb, unsigned idx, uint64_t linear, uint64_t size)
{
    uint64_t mask = ~(size - 1);
    if (tlb->has_large[idx]) {
        mask &= tlb->large_mask[idx];
        while (((tlb->large_addr[idx] ^ linear) & mask) != 0)
            mask <<= 1;
    }
    tlb->large_mask[idx] = mask;
    tlb->large_addr[idx] = linear & mask;
    tlb->has_large[idx] = true;
}

/* Code is being translated from the physical page holding phys: no write entry of
 * this TLB may let a store reach it without invalidating the translation. Entries
 * filled from now on see the page's code bit (tb_cache_page_has_code) themselves.
 * Only this vCPU's TLB is updated here; with several vCPUs, TBCache.on_code_page
 * has every TLB protected once the page's first TB is in (x86_tlb_protect_code_page). */
static __attribute__((noinline)) void protect_new_code_page(X86TLB *tlb, uint64_t page)
{
    for (unsigned idx = 0; idx < X86_TLB_MMU_COUNT; idx++) {
        for (unsigned global = 0; global < 2; global++) {
            uint32_t n = global ? tlb->nfilled_global[idx] : tlb->nfilled[idx];
            const uint16_t *list = global ? tlb->filled_global[idx] : tlb->filled[idx];
            for (uint32_t k = 0; k < n; k++) {
                X86TLBEntry *e = &tlb->table[idx][list[k]];
                if ((e->tag_write & X86_TLB_NO_CODE) && tlb->info[idx][list[k]].phys == page)
                    e->tag_write &= ~(uint64_t)X86_TLB_NO_CODE;
            }
        }
        for (unsigned v = 0; v < X86_TLB_VICTIMS; v++) {
            X86TLBEntry *e = &tlb->victim[idx][v];
            if ((e->tag_write & X86_TLB_NO_CODE) && tlb->victim_info[idx][v].phys == page)
                e->tag_write &= ~(uint64_t)X86_TLB_NO_CODE;
        }
    }
    tlb->code_page_protected = page;
}

/* One pass over the filled entries of tlb (owned by another thread): entries filled
 * during the pass re-check the code bit themselves (recheck_code_page). */
static void protect_code_page_pass(X86TLB *tlb, uint64_t phys_page)
{
    for (unsigned idx = 0; idx < X86_TLB_MMU_COUNT; idx++) {
        for (unsigned global = 0; global < 2; global++) {
            uint32_t n = __atomic_load_n(global ? &tlb->nfilled_global[idx] : &tlb->nfilled[idx],
                                         __ATOMIC_RELAXED);
            const uint16_t *list = global ? tlb->filled_global[idx] : tlb->filled[idx];
            for (uint32_t k = 0; k < n && k < X86_TLB_SIZE; k++) {
                unsigned i = __atomic_load_n(&list[k], __ATOMIC_RELAXED) % X86_TLB_SIZE;
                uint64_t *tag = &tlb->table[idx][i].tag_write;
                if ((__atomic_load_n(tag, __ATOMIC_SEQ_CST) & X86_TLB_NO_CODE) &&
                    __atomic_load_n(&tlb->info[idx][i].phys, __ATOMIC_RELAXED) == phys_page)
                    __atomic_fetch_and(tag, ~(uint64_t)X86_TLB_NO_CODE, __ATOMIC_SEQ_CST);
            }
        }
    }
}

void x86_tlb_protect_code_page(CPUX86State *env, uint64_t phys_page)
{
    X86TLB *tlb = &env_cpu(env)->tlb;
    /* A flush rewrites the lists (it may take an index off one while the entry
     * stays): a pass it overlapped may have skipped one, so it is made again. */
    for (;;) {
        uint32_t seq = __atomic_load_n(&tlb->flush_seq, __ATOMIC_ACQUIRE);
        if (seq & 1)
            continue;
        protect_code_page_pass(tlb, phys_page);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&tlb->flush_seq, __ATOMIC_RELAXED) == seq)
            return;
    }
}

/* A write tag with X86_TLB_NO_CODE for phys's page was just stored (with the entry's
 * info). When other vCPUs share the translation cache, one may have made the page a
 * code page since the check and scanned this TLB before the store was visible: look
 * again after a full fence. x86_tlb_protect_code_page's caller sets the page's code
 * bit before it scans, so one of the two always sees the other (Dekker). */
static void recheck_code_page(X86CPU *cpu, uint64_t *tag_write, uint64_t phys)
{
    TBCache *tbc = cpu->tb_cache;
    if (!tbc || !tbc->on_code_page)
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (tb_cache_page_has_code(tbc, phys))
        __atomic_fetch_and(tag_write, ~(uint64_t)X86_TLB_NO_CODE, __ATOMIC_SEQ_CST);
}

/* Code bytes are being fetched from phys's page for a translation (x86_fetch_code). */
static inline void protect_code_page(X86CPU *cpu, uint64_t phys)
{
    uint64_t page = phys & X86_PAGE_MASK;
    if (!cpu->tb_cache || cpu->tlb.code_page_protected == page ||
        tb_cache_page_has_code(cpu->tb_cache, page))
        return;
    protect_new_code_page(&cpu->tlb, page);
}

/* ---- page walks (SDM 3A §4.3 32-bit, §4.4 PAE, §4.5 4-level paging) ---- */

typedef struct PageWalk {
    uint64_t phys;    /* 4 KiB frame holding the linear address */
    uint64_t size;    /* page size */
    bool user;        /* U/S = 1 at every level */
    bool writable;    /* R/W = 1 at every level */
    bool nx;          /* XD = 1 at some level (EFER.NXE = 1) */
    bool global;      /* leaf G = 1 and CR4.PGE = 1 */
    bool dirty;       /* leaf D */
    uint64_t leaf_pa; /* where the leaf entry is, and its value (A/D update) */
    uint64_t leaf;
    unsigned esize;
} PageWalk;

enum { WALK_OK, WALK_NOT_PRESENT, WALK_RESERVED, WALK_RETRY };

/* One level of a paging structure: which linear-address bits index it and whether an
 * entry with PS = 1 maps a page there. */
typedef struct PagingLevel {
    uint8_t shift;
    uint8_t index_bits;
    uint8_t large;       /* LARGE_* */
    uint64_t large_rsvd; /* bits reserved in an entry mapping a large page */
} PagingLevel;

enum {
    LARGE_NO,       /* PS is ignored (32-bit PTE, PAE PTE, 4-level PTE) */
    LARGE_RESERVED, /* PS is reserved (PML4E) */
    LARGE_YES,      /* PS = 1 maps a page */
    LARGE_IF_PSE,   /* PS = 1 maps a page when CR4.PSE = 1 (32-bit PDE) */
    LARGE_IF_1G,    /* PS = 1 maps a 1 GiB page if the CPU model has them, else is
                       reserved (4-level PDPTE, SDM 3A §4.5.4 and Table 4-15) */
};

#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

/* Table 4-4: a 4 MiB PDE holds physical address bits M-1:32 in bits (M-20):13, bit
 * 21 is reserved (M = 40: bits 20:13 and 21). */
static const PagingLevel levels_32[] = {
    {22, 10, LARGE_IF_PSE, BITS(21, 40 - 19)},
    {12, 10, LARGE_NO, 0},
};
/* Tables 4-9 to 4-11: the PDPTE comes from the PDPTE registers (§4.4.1). */
static const PagingLevel levels_pae[] = {
    {21, 9, LARGE_YES, BITS(20, 13)},
    {12, 9, LARGE_NO, 0},
};
/* Tables 4-14 to 4-20 */
static const PagingLevel levels_4[] = {
    {39, 9, LARGE_RESERVED, 0},
    {30, 9, LARGE_IF_1G, BITS(29, 13)},
    {21, 9, LARGE_YES, BITS(20, 13)},
    {12, 9, LARGE_NO, 0},
};

/* Whether PS = 1 makes the entry map a page at this level (or is a reserved bit). */
static bool maps_large_page(const CPUX86State *env, const PagingLevel *lv, bool *reserved)
{
    *reserved = false;
    switch (lv->large) {
    case LARGE_YES: return true;
    case LARGE_IF_PSE: return env->cr[4] & CR4_PSE;
    case LARGE_IF_1G:
        if (x86_cpu_model_has(x86_env_model(env), FEAT_8000_0001_EDX, CPUID_8000_0001_EDX_PDPE1GB))
            return true;
        *reserved = true;
        return false;
    case LARGE_RESERVED: *reserved = true; return false;
    default: return false;
    }
}

/* Table 4-8: a PAE PDPTE reserves bits 2:1, 8:5 and 63:M. */
#define PDPTE_RSVD (BITS(2, 1) | BITS(8, 5) | BITS(63, X86_PHYS_ADDR_BITS))

static uint64_t pte_read(X86CPU *cpu, uint64_t pa, unsigned esize)
{
    uint8_t *p = address_space_ram_ptr(&cpu->machine->mem, pa, esize, false);
    if (p) {
        if (esize == 8)
            return __atomic_load_n((uint64_t *)(void *)p, __ATOMIC_ACQUIRE);
        return __atomic_load_n((uint32_t *)(void *)p, __ATOMIC_ACQUIRE);
    }
    return phys_read_locked(cpu->machine, pa, esize);
}

/* SDM 3A §4.8: sets A (and D) in an entry the walk read as old, atomically so that a
 * concurrent update by another CPU or by the guest is not lost. Returns false if the
 * entry changed since it was read: the walk must start again. */
static bool pte_set_bits(X86CPU *cpu, uint64_t pa, unsigned esize, uint64_t old, uint64_t bits)
{
    if ((old & bits) == bits)
        return true;
    uint8_t *p = address_space_ram_ptr(&cpu->machine->mem, pa, esize, true);
    if (p) {
        bool ok;
        if (esize == 8) {
            uint64_t expected = old;
            ok = __atomic_compare_exchange_n((uint64_t *)(void *)p, &expected, old | bits, false,
                                             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        } else {
            uint32_t expected = (uint32_t)old;
            ok = __atomic_compare_exchange_n((uint32_t *)(void *)p, &expected,
                                             (uint32_t)(old | bits), false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE);
        }
        if (!ok)
            return false;
    } else {
        phys_write_locked(cpu->machine, pa, old | bits, esize);
    }
    invalidate_code(cpu, pa, esize);
    return true;
}

/* §4.4.1: PDPTE i of PAE paging, from the PDPTE registers when they were loaded for
 * the current CR3, else from memory. */
static uint64_t pae_pdpte(CPUX86State *env, unsigned i)
{
    X86CPU *cpu = env_cpu(env);
    X86TLB *tlb = &cpu->tlb;
    uint64_t base = env->cr[3] & 0xffffffe0u;
    if (tlb->pdptes_valid && tlb->pdpte_cr3 == base)
        return tlb->pdpte[i];
    return pte_read(cpu, (base + 8 * i) & a20_mask(env), 8);
}

/* Walks the paging structures for linear. With update, sets the accessed flag of
 * every non-leaf entry used (the leaf's A/D are set by the caller once the access is
 * known to be allowed). */
static int page_walk(CPUX86State *env, uint64_t linear, bool update, PageWalk *w)
{
    X86CPU *cpu = env_cpu(env);
    const bool pae = env->cr[4] & CR4_PAE;
    const bool lma = env->efer & EFER_LMA;
    const bool nxe = pae && (env->efer & EFER_NXE);
    const PagingLevel *lv;
    unsigned nlevels;
    unsigned esize = pae ? 8 : 4;
    uint64_t addr_mask = pae ? PHYS_ADDR_MASK : 0xfffff000u;
    uint64_t rsvd = 0;
    uint64_t table;

    w->user = w->writable = true;
    w->nx = false;
    if (pae) {
        /* 4-level: bits 51:M reserved, 62:52 ignored (Tables 4-14 to 4-20); PAE:
         * bits 62:M reserved (Tables 4-9 to 4-11). XD is reserved unless NXE. */
        rsvd = lma ? BITS(51, X86_PHYS_ADDR_BITS) : BITS(62, X86_PHYS_ADDR_BITS);
        if (!nxe)
            rsvd |= PG_XD;
    }
    if (lma) {
        lv = levels_4;
        nlevels = 4;
        table = env->cr[3] & PHYS_ADDR_MASK;
    } else if (pae) {
        uint64_t pdpte = pae_pdpte(env, (linear >> 30) & 3);
        if (!(pdpte & PG_P))
            return WALK_NOT_PRESENT;
        if (pdpte & PDPTE_RSVD)
            return WALK_RESERVED;
        lv = levels_pae;
        nlevels = 2;
        table = pdpte & PHYS_ADDR_MASK;
    } else {
        lv = levels_32;
        nlevels = 2;
        table = env->cr[3] & 0xfffff000u;
    }

    for (unsigned l = 0; l < nlevels; l++) {
        uint64_t index = (linear >> lv[l].shift) & ((1u << lv[l].index_bits) - 1);
        uint64_t pa = (table + index * esize) & a20_mask(env);
        uint64_t e = pte_read(cpu, pa, esize);
        if (!(e & PG_P))
            return WALK_NOT_PRESENT;
        if (e & rsvd)
            return WALK_RESERVED;
        bool ps_reserved = false;
        bool large = (e & PG_PS) && maps_large_page(env, &lv[l], &ps_reserved);
        if ((e & PG_PS) && ps_reserved)
            return WALK_RESERVED;
        if (large && (e & lv[l].large_rsvd))
            return WALK_RESERVED;
        /* §4.6: the rights of a translation are the intersection of every level's. */
        w->user &= (e & PG_US) != 0;
        w->writable &= (e & PG_RW) != 0;
        if (nxe && (e & PG_XD))
            w->nx = true;
        if (!large && lv[l].shift != X86_PAGE_BITS) {
            if (update && !pte_set_bits(cpu, pa, esize, e, PG_A))
                return WALK_RETRY;
            table = e & addr_mask;
            continue;
        }
        w->size = 1ull << lv[l].shift;
        w->global = (e & PG_G) && (env->cr[4] & CR4_PGE);
        w->dirty = (e & PG_D) != 0;
        w->leaf_pa = pa;
        w->leaf = e;
        w->esize = esize;
        uint64_t offset = linear & (w->size - 1) & X86_PAGE_MASK;
        if (!large)
            w->phys = e & addr_mask;
        else if (!pae) /* PSE-36 (Table 4-4): bits 39:32 come from bits 20:13 */
            w->phys = (e & 0xffc00000u) | (((e >> 13) & 0xff) << 32);
        else
            w->phys = e & addr_mask & ~(w->size - 1);
        w->phys |= offset;
        return WALK_OK;
    }
    return WALK_NOT_PRESENT; /* not reached: the last level is always a leaf */
}

/* SDM 3A §4.6: which kinds of access (ACCESS_BIT set) the translation allows with the
 * rights of mmu_idx. */
static unsigned walk_rights(const CPUX86State *env, const PageWalk *w, unsigned mmu_idx)
{
    unsigned r = 0;
    if (mmu_idx == X86_MMU_USER) {
        if (!w->user)
            return 0;
        r = ACCESS_BIT(X86_ACCESS_READ);
        if (w->writable)
            r |= ACCESS_BIT(X86_ACCESS_WRITE);
        if (!w->nx)
            r |= ACCESS_BIT(X86_ACCESS_EXEC);
        return r;
    }
    /* Supervisor: §4.6.1. SMAP forbids data accesses to user pages (this index is only
     * used when EFLAGS.AC = 0 or the access is implicit); CR0.WP forbids writes to
     * read-only pages; SMEP forbids fetches from user pages. */
    bool smap = mmu_idx == X86_MMU_KERNEL && (env->cr[4] & CR4_SMAP);
    if (!(w->user && smap)) {
        r |= ACCESS_BIT(X86_ACCESS_READ);
        if (w->writable || !(env->cr[0] & CR0_WP))
            r |= ACCESS_BIT(X86_ACCESS_WRITE);
    }
    if (!w->nx && !(w->user && (env->cr[4] & CR4_SMEP)))
        r |= ACCESS_BIT(X86_ACCESS_EXEC);
    return r;
}

/* §4.7: the #PF error code of an access. I is reported only when instruction fetches
 * can be told apart by the rights: with SMEP, or with NX under PAE/4-level paging. */
static void page_fault(const CPUX86State *env, uint64_t linear, int access, unsigned mmu_idx,
                       uint32_t why, X86Fault *f)
{
    uint32_t err = why;
    if (access == X86_ACCESS_WRITE)
        err |= PF_W;
    if (mmu_idx == X86_MMU_USER)
        err |= PF_U;
    if (access == X86_ACCESS_EXEC &&
        ((env->cr[4] & CR4_SMEP) || ((env->cr[4] & CR4_PAE) && (env->efer & EFER_NXE))))
        err |= PF_I;
    f->vector = EXCP_PF;
    f->error_code = err;
    f->cr2 = linear;
}

static bool paging_enabled(const CPUX86State *env, unsigned mmu_idx)
{
    return mmu_idx != X86_MMU_PHYS && (env->cr[0] & CR0_PG);
}

/* ---- hardware breakpoints (SDM 3A §18.2) ---- */

#define DR7_ENABLES   0xffu               /* L0 G0 ... L3 G3 */
#define DR7_ENABLE(n) (3ull << (2 * (n))) /* Ln | Gn */

/* DR7 R/Wn (SDM 3A §18.2.4) */
enum { BP_EXEC = 0, BP_WRITE = 1, BP_IO = 2, BP_READ_WRITE = 3 };

static unsigned bp_kind(uint64_t dr7, unsigned n)
{
    return (unsigned)(dr7 >> (16 + 4 * n)) & 3;
}

/* DR7 LENn (SDM 3A §18.2.5): 00 one byte, 01 two, 10 eight, 11 four. The range is the
 * address aligned down to that length. */
static uint64_t bp_len(uint64_t dr7, unsigned n)
{
    static const uint8_t lens[4] = {1, 2, 8, 4};
    return lens[(dr7 >> (18 + 4 * n)) & 3];
}

/* Outside IA-32e mode linear addresses and the debug registers are 32 bits wide. */
static uint64_t linear_mask(const CPUX86State *env)
{
    return (env->hflags & HF_LMA) ? ~0ull : 0xffffffffull;
}

/* The enabled data breakpoints an access of this kind can hit: R/W = 01 watches
 * writes, 11 reads and writes. */
static unsigned data_bps_for(uint64_t dr7, int access)
{
    unsigned mask = 0;
    if (!(dr7 & DR7_ENABLES))
        return 0;
    for (unsigned n = 0; n < 4; n++) {
        unsigned kind = bp_kind(dr7, n);
        if ((dr7 & DR7_ENABLE(n)) &&
            (kind == BP_READ_WRITE || (kind == BP_WRITE && access == X86_ACCESS_WRITE)))
            mask |= 1u << n;
    }
    return mask;
}

/* The data breakpoints of mask whose range meets [linear, linear + size). */
static unsigned data_bp_hits(const CPUX86State *env, unsigned mask, uint64_t linear, uint64_t size)
{
    uint64_t lmask = linear_mask(env);
    unsigned hits = 0;
    linear &= lmask;
    for (unsigned n = 0; n < 4; n++) {
        if (!(mask & (1u << n)))
            continue;
        uint64_t len = bp_len(env->dr[7], n);
        uint64_t start = (env->dr[n] & lmask) & ~(len - 1);
        if (linear < start + len && start < linear + size)
            hits |= 1u << n;
    }
    return hits;
}

/* gdb's watchpoints (system/debug.h): the stub's own, beside the guest's DR0-DR7. */
static const MachineDebug *gdb_debug(const CPUX86State *env)
{
    const X86CPU *cpu = env->cpu;
    return cpu && cpu->machine ? cpu->machine->debug : NULL;
}

static const DebugWatchpoint *gdb_watch_hit(const CPUX86State *env, uint64_t linear, uint64_t size,
                                            int access)
{
    DebugWatchKind kind = access == X86_ACCESS_WRITE ? DEBUG_WATCH_WRITE : DEBUG_WATCH_READ;
    return machine_debug_watch_hit(gdb_debug(env), linear & linear_mask(env), size, kind);
}

static bool gdb_watching(const CPUX86State *env)
{
    const MachineDebug *d = gdb_debug(env);
    return d && d->nwatchpoints > 0;
}

/* The tag bits of a page for an access kind: X86_TLB_NO_WATCH cleared when a data
 * breakpoint (the guest's or gdb's) watches it, so that every such access takes the
 * slow path. */
static uint64_t watch_bit(CPUX86State *env, uint64_t page, int access)
{
    unsigned mask = data_bps_for(env->dr[7], access);
    if ((!mask || !data_bp_hits(env, mask, page, X86_PAGE_SIZE)) &&
        !gdb_watch_hit(env, page, X86_PAGE_SIZE, access))
        return ~0ull;
    env_cpu(env)->tlb.debug_watching = true;
    return ~(uint64_t)X86_TLB_NO_WATCH;
}

/* A slow-path access to a watched page: records the breakpoints it hits (SDM 3A
 * §18.3.1.2: data breakpoints are traps, raised when the instruction completes). */
static void debug_record_access(CPUX86State *env, uint64_t linear, unsigned size, int access)
{
    unsigned mask = data_bps_for(env->dr[7], access);
    X86TLB *tlb = &env_cpu(env)->tlb;
    if (mask)
        tlb->debug_hits |= data_bp_hits(env, mask, linear, size);
    const DebugWatchpoint *w = gdb_watch_hit(env, linear, size, access);
    if (w) {
        tlb->debug_hits |= X86_DEBUG_HIT_GDB;
        tlb->gdb_watch_addr = w->addr;
        tlb->gdb_watch_kind = w->kind;
    }
}

void x86_debug_update(CPUX86State *env)
{
    X86TLB *tlb = &env_cpu(env)->tlb;
    bool watching = data_bps_for(env->dr[7], X86_ACCESS_WRITE) != 0 || gdb_watching(env);
    if (watching || tlb->debug_watching)
        flush_all(tlb, true);
    tlb->debug_watching = false;
    tlb->debug_hits = 0;
}

uint32_t x86_debug_tb_flags(const CPUX86State *env)
{
    uint64_t dr7 = env->dr[7];
    uint32_t flags = gdb_watching(env) ? HF_DBG_DATA : 0;
    if (!(dr7 & DR7_ENABLES))
        return flags;
    for (unsigned n = 0; n < 4; n++) {
        if (!(dr7 & DR7_ENABLE(n)))
            continue;
        unsigned kind = bp_kind(dr7, n);
        if (kind == BP_EXEC)
            flags |= HF_DBG_INSN;
        else if (kind != BP_IO || (env->cr[4] & CR4_DE))
            flags |= HF_DBG_DATA; /* I/O breakpoints report like data ones */
    }
    return flags;
}

/* SDM 3A §18.2.4: an instruction breakpoint (R/W = 00, LEN = 00) is hit by the
 * instruction whose first byte is at its address. */
unsigned x86_debug_insn_hits(const CPUX86State *env, uint64_t linear)
{
    uint64_t dr7 = env->dr[7], lmask = linear_mask(env);
    unsigned hits = 0;
    if (!(dr7 & DR7_ENABLES))
        return 0;
    for (unsigned n = 0; n < 4; n++) {
        if ((dr7 & DR7_ENABLE(n)) && bp_kind(dr7, n) == BP_EXEC &&
            (env->dr[n] & lmask) == (linear & lmask))
            hits |= 1u << n;
    }
    return hits;
}

uint64_t x86_debug_insn_key(const CPUX86State *env)
{
    uint64_t dr7 = env->dr[7], key = 0;
    for (unsigned n = 0; n < 4; n++) {
        if ((dr7 & DR7_ENABLE(n)) && bp_kind(dr7, n) == BP_EXEC) {
            /* FNV-1a style mix of the slot and its address */
            key = (key ^ (n + 1)) * 0x100000001b3ull;
            key = (key ^ env->dr[n]) * 0x100000001b3ull;
        }
    }
    return key;
}

/* ---- alignment check ---- */

bool x86_alignment_checking(const CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) == 3 && (env->cr[0] & CR0_AM) && (env->eflags & AC_MASK);
}

void x86_check_alignment(CPUX86State *env, uint64_t linear, unsigned align)
{
    if ((linear & (align - 1)) && x86_alignment_checking(env))
        x86_raise_exception_err(env, EXCP_AC, 0);
}

/* Host pointers to the 4 KiB frame at phys for reads and for writes (NULL where the
 * access must go through the memory map: MMIO, unassigned, ROM for writes), from one
 * lookup. */
static void ram_page_ptrs(Machine *m, uint64_t phys, uint8_t **rd, uint8_t **wr)
{
    uint64_t offset, avail;
    const MemoryRegion *mr = address_space_lookup(&m->mem, phys, &offset, &avail);
    *rd = *wr = NULL;
    if (!mr || !mr->ram || avail < X86_PAGE_SIZE)
        return;
    *rd = mr->ram + offset;
    if (!mr->readonly)
        *wr = *rd;
}

/* Records that entry i of mmu_idx holds a translation, global or not as its info
 * says (X86TLB.filled, filled_global). */
static void tlb_list(X86TLB *tlb, unsigned mmu_idx, unsigned i)
{
    X86TLBEntryInfo *info = &tlb->info[mmu_idx][i];
    if (info->global && !(info->listed & X86_TLB_LISTED_GLOBAL)) {
        info->listed |= X86_TLB_LISTED_GLOBAL;
        tlb->filled_global[mmu_idx][tlb->nfilled_global[mmu_idx]++] = (uint16_t)i;
    } else if (!info->global && !(info->listed & X86_TLB_LISTED)) {
        info->listed |= X86_TLB_LISTED;
        tlb->filled[mmu_idx][tlb->nfilled[mmu_idx]++] = (uint16_t)i;
    }
}

/* Moves an entry a fill is about to replace into the victim TLB. */
static void victim_push(X86TLB *tlb, unsigned mmu_idx, const X86TLBEntry *e,
                        const X86TLBEntryInfo *info)
{
    unsigned v = tlb->victim_next[mmu_idx];
    tlb->victim_next[mmu_idx] = (uint8_t)((v + 1) % X86_TLB_VICTIMS);
    tlb->victim[mmu_idx][v] = *e;
    tlb->victim_info[mmu_idx][v] = *info;
    tlb->victim_info[mmu_idx][v].listed = 0;
}

/* Enters the translation of linear's page into the TLB entry of mmu_idx. */
static void tlb_set(CPUX86State *env, X86TLB *tlb, unsigned mmu_idx, uint64_t linear,
                    const PageWalk *w, unsigned rights)
{
    X86CPU *cpu = env_cpu(env);
    uint64_t page = linear & X86_PAGE_MASK;
    uint64_t phys = w->phys & a20_mask(env);
    unsigned i = tlb_index(linear);
    X86TLBEntry *e = &tlb->table[mmu_idx][i];
    X86TLBEntryInfo *info = &tlb->info[mmu_idx][i];
    uint8_t *rd, *wr;
    ram_page_ptrs(cpu->machine, phys & X86_PAGE_MASK, &rd, &wr);
    uint64_t fast = page | X86_TLB_FAST;
    if (info->page != page && ((e->tag_read | e->tag_write | e->tag_code) & X86_TLB_VALID))
        victim_push(tlb, mmu_idx, e, info);

    e->addend = rd ? (uint64_t)(uintptr_t)rd - page : 0;
    uint64_t tag_rd = rd ? fast : fast & ~(uint64_t)X86_TLB_DIRECT;
    e->tag_code = (rights & ACCESS_BIT(X86_ACCESS_EXEC)) ? tag_rd : 0;
    e->tag_read =
        (rights & ACCESS_BIT(X86_ACCESS_READ)) ? tag_rd & watch_bit(env, page, X86_ACCESS_READ) : 0;
    e->tag_write = 0;
    if (rights & ACCESS_BIT(X86_ACCESS_WRITE)) {
        uint64_t tag =
            (wr ? fast : fast & ~(uint64_t)X86_TLB_DIRECT) & watch_bit(env, page, X86_ACCESS_WRITE);
        if (cpu->tb_cache && tb_cache_page_has_code(cpu->tb_cache, phys))
            tag &= ~(uint64_t)X86_TLB_NO_CODE;
        else
            tlb->code_page_protected = ~0ull;
        e->tag_write = tag;
    }
    info->page = page;
    __atomic_store_n(&info->phys, phys & X86_PAGE_MASK, __ATOMIC_RELAXED);
    info->global = w->global;
    tlb_list(tlb, mmu_idx, i);
    if (e->tag_write & X86_TLB_NO_CODE)
        recheck_code_page(cpu, &e->tag_write, phys);
    if (w->global)
        tlb->has_global[mmu_idx] = true;
    if (w->size > X86_PAGE_SIZE)
        tlb_add_large_page(tlb, mmu_idx, linear, w->size);
    tlb->fills++;
}

/* Translates linear by walking the paging structures (setting A/D bits as the access
 * requires) and fills the TLB; false with *f set if the access faults. */
static bool tlb_fill(CPUX86State *env, X86TLB *tlb, uint64_t linear, int access, unsigned mmu_idx,
                     X86Fault *f)
{
    PageWalk w = {.phys = linear & X86_PAGE_MASK, .size = X86_PAGE_SIZE, .dirty = true};
    unsigned rights = ALL_RIGHTS;
    if (paging_enabled(env, mmu_idx)) {
        for (;;) {
            int r = page_walk(env, linear, true, &w);
            if (r == WALK_RETRY)
                continue;
            if (r != WALK_OK) {
                page_fault(env, linear, access, mmu_idx, r == WALK_RESERVED ? PF_P | PF_RSVD : 0,
                           f);
                return false;
            }
            rights = walk_rights(env, &w, mmu_idx);
            if (!(rights & ACCESS_BIT(access))) {
                page_fault(env, linear, access, mmu_idx, PF_P, f);
                return false;
            }
            uint64_t bits = PG_A | (access == X86_ACCESS_WRITE ? PG_D : 0);
            if (pte_set_bits(env_cpu(env), w.leaf_pa, w.esize, w.leaf, bits))
                break;
        }
        if (access == X86_ACCESS_WRITE)
            w.dirty = true;
        if (!w.dirty) /* the first write must set D: keep it on the slow path */
            rights &= ~ACCESS_BIT(X86_ACCESS_WRITE);
    }
    tlb_set(env, tlb, mmu_idx, linear, &w, rights);
    return true;
}

static inline uint64_t *entry_tag(X86TLBEntry *e, int access)
{
    return access == X86_ACCESS_WRITE  ? &e->tag_write
           : access == X86_ACCESS_EXEC ? &e->tag_code
                                       : &e->tag_read;
}

/* A miss in entry i: if the victim TLB translates page for this access, swaps that
 * victim with the entry. A victim of the page that does not allow the access is
 * dropped: the walk that follows supersedes it. */
static bool victim_swap(X86CPU *cpu, unsigned mmu_idx, unsigned i, uint64_t page, int access)
{
    X86TLB *tlb = &cpu->tlb;
    for (unsigned v = 0; v < X86_TLB_VICTIMS; v++) {
        X86TLBEntry *ve = &tlb->victim[mmu_idx][v];
        X86TLBEntryInfo *vi = &tlb->victim_info[mmu_idx][v];
        if (vi->page != page)
            continue;
        if (!tag_hits(*entry_tag(ve, access), page)) {
            memset(ve, 0, sizeof(*ve));
            continue;
        }
        X86TLBEntry *e = &tlb->table[mmu_idx][i];
        X86TLBEntryInfo *info = &tlb->info[mmu_idx][i];
        X86TLBEntry evicted = *e;
        X86TLBEntryInfo evicted_info = *info;
        *e = *ve;
        info->page = vi->page;
        info->phys = vi->phys;
        info->global = vi->global;
        *ve = evicted;
        *vi = evicted_info;
        vi->listed = 0;
        tlb_list(tlb, mmu_idx, i);
        /* Another vCPU's x86_tlb_protect_code_page scans the filled entries, not the
         * victims: a fast write entry coming back looks at the code bit again, as a
         * fill does. */
        if (e->tag_write & X86_TLB_NO_CODE)
            recheck_code_page(cpu, &e->tag_write, info->phys);
        return true;
    }
    return false;
}

/* Translates one access that does not cross a page: from the TLB, or through a walk
 * that fills it. False with *f set if the access faults. */
static bool translate(CPUX86State *env, uint64_t linear, int access, unsigned mmu_idx, Xlat *x,
                      X86Fault *f)
{
    X86CPU *cpu = env_cpu(env);
    X86TLB *tlb = cpu_tlb(env);
    if (!(env->hflags & HF_LMA)) {
        linear &= 0xffffffffu;
    } else if (!is_canonical(linear)) {
        /* §6.15 "Interrupt 13": a non-canonical reference is #GP(0) (#SS(0) when it is
         * a stack reference, which is not told apart here). */
        f->vector = EXCP_GP;
        f->error_code = 0;
        f->cr2 = 0;
        return false;
    }
    uint64_t page = linear & X86_PAGE_MASK;
    unsigned i = tlb_index(linear);
    X86TLBEntry *e = &tlb->table[mmu_idx][i];
    uint64_t *tag = entry_tag(e, access);
    if (!tag_hits(*tag, page) && !victim_swap(cpu, mmu_idx, i, page, access) &&
        !tlb_fill(env, tlb, linear, access, mmu_idx, f))
        return false;
    x->phys = tlb->info[mmu_idx][i].phys | (linear & ~X86_PAGE_MASK);
    x->host = (*tag & X86_TLB_DIRECT) ? (uint8_t *)(uintptr_t)(linear + e->addend) : NULL;
    x->check_code = false;
    x->watched = !(*tag & X86_TLB_NO_WATCH);
    if (access == X86_ACCESS_WRITE && !(*tag & X86_TLB_NO_CODE)) {
        if (cpu->tb_cache && tb_cache_page_has_code(cpu->tb_cache, x->phys)) {
            x->check_code = true;
        } else {
            /* The code that was there is gone: stores may take the fast path again. */
            __atomic_fetch_or(tag, X86_TLB_NO_CODE, __ATOMIC_RELAXED);
            tlb->code_page_protected = ~0ull;
            recheck_code_page(cpu, tag, x->phys);
            x->check_code = !(*tag & X86_TLB_NO_CODE);
        }
    }
    return true;
}

static void translate_or_raise(CPUX86State *env, uint64_t linear, int access, unsigned mmu_idx,
                               Xlat *x)
{
    X86Fault f;
    if (!translate(env, linear, access, mmu_idx, x, &f))
        raise_fault(env, &f);
}

/* The local APIC page belongs to the accessing CPU, not to the machine's memory map
 * (SDM 3A §11.4.1: each processor sees its own APIC at the APIC base). Registers are
 * 32 bits wide at 16-byte intervals; narrower accesses see part of one. */
static bool local_apic_access(X86CPU *cpu, uint64_t phys, bool write, uint64_t *val, unsigned size)
{
    if (!cpu->apic_ops)
        return false;
    Machine *m = cpu->machine;
    pthread_mutex_lock(&m->lock);
    bool hit = cpu->apic_ops->mmio_match(cpu->apic, phys);
    if (hit) {
        uint32_t off = (uint32_t)(phys & 0xfff), shift = 8 * (off & 3);
        if (write)
            cpu->apic_ops->mmio_write(cpu->apic, off & ~3u, (uint32_t)(*val << shift));
        else
            *val = (cpu->apic_ops->mmio_read(cpu->apic, off & ~3u) >> shift) &
                   (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
    }
    pthread_mutex_unlock(&m->lock);
    return hit;
}

static uint64_t xlat_read(X86CPU *cpu, const Xlat *x, unsigned size)
{
    if (x->host)
        return host_load(x->host, size);
    uint64_t v;
    if (local_apic_access(cpu, x->phys, false, &v, size))
        return v;
    return phys_read_locked(cpu->machine, x->phys, size);
}

static void xlat_write(X86CPU *cpu, const Xlat *x, uint64_t val, unsigned size)
{
    if (x->check_code)
        invalidate_code(cpu, x->phys, size);
    if (x->host)
        host_store(x->host, val, size);
    else if (!local_apic_access(cpu, x->phys, true, &val, size))
        phys_write_locked(cpu->machine, x->phys, val, size);
}

static inline bool crosses_page(uint64_t linear, unsigned size)
{
    return (linear & ~X86_PAGE_MASK) + size > X86_PAGE_SIZE;
}

/* The first byte of the page after linear's (32-bit wrap outside long mode). */
static uint64_t next_page(const CPUX86State *env, uint64_t linear)
{
    uint64_t next = (linear & X86_PAGE_MASK) + X86_PAGE_SIZE;
    return (env->hflags & HF_LMA) ? next : next & 0xffffffffu;
}

static uint64_t load_slow(CPUX86State *env, uint64_t linear, unsigned size, unsigned mmu_idx)
{
    X86CPU *cpu = env_cpu(env);
    Xlat a, b;
    /* a read-modify-write destination is translated for writing (gen_ld_rmw_opnd) */
    int access = env->rmw_load ? X86_ACCESS_WRITE : X86_ACCESS_READ;
    env->rmw_load = 0;
    translate_or_raise(env, linear, access, mmu_idx, &a);
    if (!crosses_page(linear, size)) {
        if (a.watched)
            debug_record_access(env, linear, size, X86_ACCESS_READ);
        return xlat_read(cpu, &a, size);
    }
    translate_or_raise(env, next_page(env, linear), access, mmu_idx, &b);
    if (a.watched || b.watched)
        debug_record_access(env, linear, size, X86_ACCESS_READ);
    unsigned first = (unsigned)(X86_PAGE_SIZE - (linear & ~X86_PAGE_MASK));
    return xlat_read(cpu, &a, first) | (xlat_read(cpu, &b, size - first) << (8 * first));
}

static void store_slow(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size,
                       unsigned mmu_idx)
{
    X86CPU *cpu = env_cpu(env);
    Xlat a, b;
    translate_or_raise(env, linear, X86_ACCESS_WRITE, mmu_idx, &a);
    if (!crosses_page(linear, size)) {
        if (a.watched)
            debug_record_access(env, linear, size, X86_ACCESS_WRITE);
        xlat_write(cpu, &a, val, size);
        return;
    }
    /* Both pages are checked before either is written. */
    translate_or_raise(env, next_page(env, linear), X86_ACCESS_WRITE, mmu_idx, &b);
    if (a.watched || b.watched)
        debug_record_access(env, linear, size, X86_ACCESS_WRITE);
    unsigned first = (unsigned)(X86_PAGE_SIZE - (linear & ~X86_PAGE_MASK));
    xlat_write(cpu, &a, val, first);
    xlat_write(cpu, &b, val >> (8 * first), size - first);
}

/* The fast path: a TLB hit on RAM is a compare and a host access (tlb.h). */
static inline uint64_t mem_load(CPUX86State *env, uint64_t linear, unsigned size, unsigned mmu_idx)
{
    const X86TLBEntry *e = &cpu_tlb(env)->table[mmu_idx][tlb_index(linear)];
    if (__builtin_expect(e->tag_read == ((linear + size - 1) | X86_TLB_FAST), 1))
        return host_load((const void *)(uintptr_t)(linear + e->addend), size);
    return load_slow(env, linear, size, mmu_idx);
}

static inline void mem_store(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size,
                             unsigned mmu_idx)
{
    const X86TLBEntry *e = &cpu_tlb(env)->table[mmu_idx][tlb_index(linear)];
    if (__builtin_expect(e->tag_write == ((linear + size - 1) | X86_TLB_FAST), 1)) {
        host_store((void *)(uintptr_t)(linear + e->addend), val, size);
        return;
    }
    store_slow(env, linear, val, size, mmu_idx);
}

/* ---- the interfaces ---- */

unsigned x86_mmu_index(uint32_t hflags)
{
    if (!(hflags & HF_PG))
        return X86_MMU_PHYS;
    if ((hflags & HF_CPL_MASK) == 3)
        return X86_MMU_USER;
    /* SDM 3A §4.6.1: with CR4.SMAP and EFLAGS.AC clear, supervisor data accesses to
     * user pages fault. */
    return (hflags & HF_SMAP_AC) ? X86_MMU_KERNEL : X86_MMU_KERNEL_NOSMAP;
}

unsigned x86_mmu_index_implicit(const CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PG))
        return X86_MMU_PHYS;
    return (env->cr[4] & CR4_SMAP) ? X86_MMU_KERNEL : X86_MMU_KERNEL_NOSMAP;
}

uint64_t x86_ld_idx(CPUX86State *env, uint64_t linear, unsigned size, unsigned mmu_idx)
{
    return mem_load(env, linear, size, mmu_idx);
}

void x86_st_idx(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size, unsigned mmu_idx)
{
    mem_store(env, linear, val, size, mmu_idx);
}

uint64_t x86_ld(CPUX86State *env, uint64_t linear, unsigned size)
{
    return mem_load(env, linear, size, x86_mmu_index(env->hflags));
}

void x86_st(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size)
{
    mem_store(env, linear, val, size, x86_mmu_index(env->hflags));
}

static uint64_t guest_load(void *opaque, uint64_t addr, MemOp mop, unsigned mmu_idx)
{
    unsigned size = 1u << (mop & MO_SIZE);
    uint64_t v = mem_load(opaque, addr, size, mmu_idx);
    if ((mop & MO_SIGN) && size < 8) {
        unsigned shift = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return v;
}

static void guest_store(void *opaque, uint64_t addr, uint64_t val, MemOp mop, unsigned mmu_idx)
{
    mem_store(opaque, addr, val, 1u << (mop & MO_SIZE), mmu_idx);
}

const TCGGuestMemOps x86_guest_mem_ops = {
    .load = guest_load,
    .store = guest_store,
};

uint8_t *x86_probe_access(CPUX86State *env, uint64_t linear, unsigned size, int access,
                          unsigned mmu_idx)
{
    Xlat x;
    translate_or_raise(env, linear, access, mmu_idx, &x);
    if (access == X86_ACCESS_WRITE && x.check_code)
        invalidate_code(env_cpu(env), x.phys, size);
    /* the caller accesses the memory itself (through the host pointer, or in pieces
     * after probing the whole): a watched range counts as accessed now */
    if (x.watched && access != X86_ACCESS_EXEC)
        debug_record_access(env, linear, size, access);
    return x.host;
}

/* x86_get_phys_code past a TLB miss: walks (filling the entry) or raises. */
static void get_phys_code_slow(CPUX86State *env, uint64_t linear, uint64_t *phys)
{
    X86Fault f;
    Xlat x;
    if (!translate(env, linear, X86_ACCESS_EXEC, x86_mmu_index(env->hflags), &x, &f)) {
        /* The fetch belongs to the instruction at CS:rIP, which may not have started
         * (no insn_start ran yet): make the fault restart exactly there. */
        X86CPU *cpu = env_cpu(env);
        memset(cpu->exec.insn_data, 0, sizeof(cpu->exec.insn_data));
        cpu->exec.insn_data[0] = env->segs[R_CS].base + env->rip;
        cpu->exec.insn_data[1] = env->segs[R_CS].base;
        raise_fault(env, &f);
    }
    *phys = x.phys;
}

/* Runs on every block lookup (the vCPU loop's, and the native backend's between
 * unlinked blocks): a hit in the code TLB is a compare, as on the data fast path. A
 * non-canonical address never matches, since only canonical pages are entered. The
 * write protection of code pages is not its business: a block found holds its pages'
 * code bits already, and one not found is translated from bytes that x86_fetch_code
 * reads, which protects their pages. */
bool x86_get_phys_code(CPUX86State *env, uint64_t linear, uint64_t *phys)
{
    X86TLB *tlb = cpu_tlb(env);
    uint64_t addr = (env->hflags & HF_LMA) ? linear : linear & 0xffffffffu;
    unsigned mmu_idx = x86_mmu_index(env->hflags), i = tlb_index(addr);
    uint64_t tag = tlb->table[mmu_idx][i].tag_code;
    if (__builtin_expect((tag & (X86_PAGE_MASK | X86_TLB_VALID)) ==
                             ((addr & X86_PAGE_MASK) | X86_TLB_VALID),
                         1)) {
        *phys = tlb->info[mmu_idx][i].phys | (addr & ~X86_PAGE_MASK);
        return true;
    }
    get_phys_code_slow(env, linear, phys);
    return true;
}

bool x86_get_phys_code_nofault(CPUX86State *env, uint64_t linear, uint64_t *phys)
{
    X86Fault f;
    Xlat x;
    if (!translate(env, linear, X86_ACCESS_EXEC, x86_mmu_index(env->hflags), &x, &f))
        return false;
    *phys = x.phys;
    return true;
}

size_t x86_fetch_code(CPUX86State *env, uint64_t linear, uint8_t *buf, size_t len)
{
    X86CPU *cpu = env_cpu(env);
    unsigned mmu_idx = x86_mmu_index(env->hflags);
    size_t done = 0;
    while (done < len) {
        uint64_t addr = linear + done;
        if (!(env->hflags & HF_LMA))
            addr &= 0xffffffffu;
        X86Fault f;
        Xlat x;
        if (!translate(env, addr, X86_ACCESS_EXEC, mmu_idx, &x, &f))
            break;
        protect_code_page(cpu, x.phys);
        size_t n = X86_PAGE_SIZE - (addr & ~X86_PAGE_MASK);
        if (n > len - done)
            n = len - done;
        if (x.host) {
            memcpy(buf + done, x.host, n);
        } else {
            for (size_t i = 0; i < n; i++)
                buf[done + i] = (uint8_t)phys_read_locked(cpu->machine, x.phys + i, 1);
        }
        done += n;
    }
    return done;
}

bool x86_translate_debug(CPUX86State *env, uint64_t linear, uint64_t *phys)
{
    if (!(env->hflags & HF_LMA))
        linear &= 0xffffffffu;
    else if (!is_canonical(linear))
        return false;
    if (!(env->cr[0] & CR0_PG)) {
        *phys = linear & a20_mask(env);
        return true;
    }
    PageWalk w;
    if (page_walk(env, linear, false, &w) != WALK_OK)
        return false;
    *phys = ((w.phys & X86_PAGE_MASK) | (linear & ~X86_PAGE_MASK)) & a20_mask(env);
    return true;
}

bool x86_mmu_load_pdptes(CPUX86State *env, uint64_t cr3)
{
    X86CPU *cpu = env_cpu(env);
    X86TLB *tlb = &cpu->tlb;
    uint64_t base = cr3 & 0xffffffe0u;
    uint64_t pdpte[4];
    for (unsigned i = 0; i < 4; i++) {
        pdpte[i] = pte_read(cpu, (base + 8 * i) & a20_mask(env), 8);
        if ((pdpte[i] & PG_P) && (pdpte[i] & PDPTE_RSVD))
            return false;
    }
    memcpy(tlb->pdpte, pdpte, sizeof(pdpte));
    tlb->pdpte_cr3 = base;
    tlb->pdptes_valid = true;
    return true;
}

/* ---- port I/O ---- */

/* I/O breakpoints (SDM 3A §18.2.4, R/W = 10 with CR4.DE = 1; undefined without DE):
 * an IN, OUT, INS or OUTS touching the port range of an enabled one is recorded like
 * a data breakpoint hit, a trap after the instruction (§18.3.1.2). */
static void debug_record_io(CPUX86State *env, uint16_t port, unsigned size)
{
    uint64_t dr7 = env->dr[7];
    if (!(dr7 & DR7_ENABLES) || !(env->cr[4] & CR4_DE))
        return;
    for (unsigned n = 0; n < 4; n++) {
        if (!(dr7 & DR7_ENABLE(n)) || bp_kind(dr7, n) != BP_IO)
            continue;
        uint64_t len = bp_len(dr7, n);
        uint64_t start = (env->dr[n] & 0xffff) & ~(len - 1);
        if (port < start + len && start < (uint64_t)port + size)
            env_cpu(env)->tlb.debug_hits |= 1u << n;
    }
}

uint32_t x86_io_read(CPUX86State *env, uint16_t port, unsigned size)
{
    debug_record_io(env, port, size);
    Machine *m = env_cpu(env)->machine;
    pthread_mutex_lock(&m->lock);
    uint32_t v = (uint32_t)address_space_read(&m->io, port, size);
    pthread_mutex_unlock(&m->lock);
    return v;
}

void x86_io_write(CPUX86State *env, uint16_t port, uint32_t val, unsigned size)
{
    debug_record_io(env, port, size);
    Machine *m = env_cpu(env)->machine;
    pthread_mutex_lock(&m->lock);
    address_space_write(&m->io, port, val, size);
    pthread_mutex_unlock(&m->lock);
}
