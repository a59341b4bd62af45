/* The software TLB of one vCPU: cached linear -> physical translations with their
 * access rights, per MMU index, and the paging-mode interface around it (flushes,
 * PDPTE loading, A20, accesses with an explicit MMU index).
 *
 * Layout, for a native backend that inlines the fast path
 * ------------------------------------------------------
 * X86CPU embeds an X86TLB (field `tlb`); CPUX86State is X86CPU's first member, so the
 * table is at the constant offset offsetof(X86CPU, tlb) from env. For MMU index i and
 * linear address A, the entry is
 *
 *     e = &tlb.table[i][(A >> 12) & (X86_TLB_SIZE - 1)]       (32-byte entries)
 *
 * and an access of S bytes (S = 1, 2, 4, 8) takes the fast path when
 *
 *     e->tag_read  (or tag_write, tag_code) == ((A + S - 1) | X86_TLB_FAST)
 *
 * in which case the host address is A + e->addend. One add, one OR and one compare:
 * the low 12 bits of a tag are state bits that are ALL SET exactly when the fast path
 * may use the entry, so that an all-zero TLB (x86_cpu_init clears the X86CPU) is empty.
 * Using the address of the LAST byte makes an access that crosses into the next page
 * miss (the next page has the next index, so the entry can never hold its tag), and so
 * does an address that was never filled (a non-canonical one in particular).
 * A miss calls the C slow path (the TCGGuestMemOps callbacks), which walks the page
 * tables, fills the entry and performs the access, or raises #PF/#GP.
 *
 * The state bits of a tag (bits 11:0):
 *   X86_TLB_VALID    the entry translates this page for this kind of access;
 *   X86_TLB_DIRECT   the page is RAM the access may touch through addend (clear for
 *                    MMIO, unassigned space, and ROM for writes);
 *   X86_TLB_NO_CODE  (write tags) no translated code on the physical page, so a store
 *                    need not invalidate translation blocks (self-modifying code);
 *   X86_TLB_NO_WATCH no enabled data breakpoint watches the page for this kind of
 *                    access: a watched page takes the slow path, which records hits;
 *   bits 11:4        always set in a valid tag.
 * A write tag is only valid once the leaf entry's dirty bit is set (SDM 3A §4.8): the
 * first write to a clean page takes the slow path, which sets D.
 *
 * When the C entry points are the only users (the IR interpreter), they also check on
 * every access that the machine's memory map and the A20 gate are those the entries
 * were filled under, and flush otherwise. A native backend that inlines the fast path
 * must instead have every vCPU's TLB flushed when either changes.
 *
 * Who flushes (SDM 3A §4.10.4): the system-instruction helpers call
 *   x86_tlb_flush(env, false)  on MOV to CR3 (global entries stay), task switches;
 *   x86_tlb_flush(env, true)   on MOV to CR0 changing PG/WP/PE, MOV to CR4 changing
 *                              PGE/PAE/PSE/SMEP/SMAP/PCIDE, WRMSR to EFER changing
 *                              NXE/LME/LMA;
 *   x86_tlb_reset(env)         on reset (also forgets the PDPTE registers);
 *   x86_tlb_flush_page(env, A) on INVLPG (global entries included).
 * Permission results are cached per MMU index, which is why changes to CR0.WP, CR4.SMEP,
 * CR4.SMAP and EFER.NXE need a full flush.
 */
#ifndef PACIFICA_CPU_X86_TLB_H
#define PACIFICA_CPU_X86_TLB_H

#include <stdbool.h>
#include <stdint.h>

struct CPUX86State;

/* 4096 entries (16 MiB of 4 KiB pages) per MMU index: the kernel decompressor's
 * LZ back-references and the kernel's own working set overran 256 entries (17 M fills
 * before "Run /init" on a Debian boot). Flushes cost what was filled since the last
 * one (X86TLB.filled), not the table size. At most 16 bits (the index list). */
#define X86_TLB_BITS      12
#define X86_TLB_SIZE      (1u << X86_TLB_BITS)
#define X86_TLB_MMU_COUNT 4 /* X86_MMU_COUNT (checked in mmu.c) */
/* Entries a fill evicts go to a small fully associative victim TLB per MMU index,
 * searched by the slow path before it walks (two pages whose index collides then
 * cost a swap, not a walk, when used in turn). */
#define X86_TLB_VICTIMS 8

#define X86_PAGE_BITS 12
#define X86_PAGE_SIZE (1ull << X86_PAGE_BITS)
#define X86_PAGE_MASK (~(X86_PAGE_SIZE - 1))

/* MAXPHYADDR: the width of guest physical addresses. CPUID leaf 80000008H must report
 * the same value (reserved-bit checks in page-table entries depend on it). */
#define X86_PHYS_ADDR_BITS 40

#define X86_TLB_VALID    0x001u
#define X86_TLB_DIRECT   0x002u
#define X86_TLB_NO_CODE  0x004u
#define X86_TLB_NO_WATCH 0x008u
#define X86_TLB_FAST     0xfffu

/* 4096 bits: the code pages of a busy guest leave most of them clear. */
#define X86_CODE_FILTER_WORDS 64

typedef struct X86TLBEntry {
    uint64_t tag_read;
    uint64_t tag_write;
    uint64_t tag_code;
    uint64_t addend; /* host address - linear address, when a tag has X86_TLB_DIRECT */
} X86TLBEntry;

/* What the slow path needs about an entry (kept apart so the fast-path entries stay
 * 32 bytes). */
typedef struct X86TLBEntryInfo {
    uint64_t page;  /* linear page the entry holds (meaningful when a tag is valid) */
    uint64_t phys;  /* physical address of the 4 KiB frame */
    bool global;    /* CR4.PGE and the leaf's G bit: survives x86_tlb_flush(env, false) */
    uint8_t listed; /* X86_TLB_LISTED, X86_TLB_LISTED_GLOBAL: the index's lists */
} X86TLBEntryInfo;

/* X86TLBEntryInfo.listed: the entry's index is in X86TLB.filled, in filled_global. */
#define X86_TLB_LISTED        1u
#define X86_TLB_LISTED_GLOBAL 2u

typedef struct X86TLB {
    X86TLBEntry table[X86_TLB_MMU_COUNT][X86_TLB_SIZE];
    X86TLBEntryInfo info[X86_TLB_MMU_COUNT][X86_TLB_SIZE];
    /* Per MMU index, the indices of the entries filled since the index was last
     * emptied, each once (info.listed): flushes and scans visit these, not the table.
     * Linux loads CR3 on every context switch, and with page-table isolation on every
     * system call and interrupt from user mode. */
    uint16_t filled[X86_TLB_MMU_COUNT][X86_TLB_SIZE];
    uint32_t nfilled[X86_TLB_MMU_COUNT];
    /* The entries filled global have their indices here instead, so that a CR3 load,
     * which keeps them, visits only the others (a Linux kernel's global pages filled
     * half the table, and each CR3 load walked them all). An index may be in both
     * lists when its entry was filled with the other kind since; its info says which
     * it holds now. */
    uint16_t filled_global[X86_TLB_MMU_COUNT][X86_TLB_SIZE];
    uint32_t nfilled_global[X86_TLB_MMU_COUNT];
    /* The victim TLB (X86_TLB_VICTIMS): evicted entries, replaced round-robin from
     * victim_next; flushed with the table. */
    X86TLBEntry victim[X86_TLB_MMU_COUNT][X86_TLB_VICTIMS];
    X86TLBEntryInfo victim_info[X86_TLB_MMU_COUNT][X86_TLB_VICTIMS];
    uint8_t victim_next[X86_TLB_MMU_COUNT];
    /* Odd while a flush rewrites the lists: x86_tlb_protect_code_page, which walks
     * them from another thread, walks again if it changed meanwhile (a seqlock). */
    uint32_t flush_seq;
    /* Per MMU index, a naturally aligned region that covers every large page (2 MiB,
     * 4 MiB, 1 GiB) entered since the last flush: INVLPG of an address in it flushes
     * the whole index, since one large-page translation fills many entries. */
    uint64_t large_addr[X86_TLB_MMU_COUNT];
    uint64_t large_mask[X86_TLB_MMU_COUNT];
    bool has_large[X86_TLB_MMU_COUNT];
    bool has_global[X86_TLB_MMU_COUNT];
    /* Bumped by every flush that may change a linear -> physical mapping (the whole
     * TLB, one page, a reset, a memory map or A20 change): the jump cache keeps it per
     * slot so that a hit by linear pc needs no page translation (tcg/tb.h). */
    uint64_t generation;
    /* Bumped only by the flushes that may change a global translation (of the whole
     * TLB with globals, of a page a slot stamped with it relies on, a reset, a memory
     * map or A20 change): a jump-cache slot whose block lies on pages the TLB maps
     * global takes this one instead (x86_tlb_code_stamp), so that it survives CR3
     * loads, which keep global translations (SDM 3A §4.10.4.1). A Linux guest runs
     * mostly kernel code from global pages, and its CR3 loads made each such slot miss
     * once (half the C lookups of a boot). */
    uint64_t global_generation;
    /* A filter of the linear pages code was looked up from under this generation
     * (x86_tlb_note_code): one bit per hash of the page number, cleared with each
     * new generation. INVLPG of a page whose bit is clear (and outside any large page)
     * changes no mapping a jump-cache slot relies on, so it keeps the generation: a
     * Linux guest's INVLPGs are of kernel data pages, ~3 times as many as its CR3
     * loads, and each new generation made every slot in use miss once. */
    uint64_t code_pages[X86_CODE_FILTER_WORDS];
    /* The same filter for the slots stamped with global_generation, cleared with each
     * new global generation. */
    uint64_t global_code_pages[X86_CODE_FILTER_WORDS];
    /* The memory map (FlatView) and A20 mask the entries were filled under. */
    const void *mem_view;
    uint32_t a20_mask;
    /* Physical page whose write entries were last made to take the slow path because
     * code is being translated from it; ~0 when a fast write entry was filled since. */
    uint64_t code_page_protected;
    /* SDM 3A §4.4.1: the PDPTE registers of PAE paging, loaded by
     * x86_mmu_load_pdptes for CR3 value pdpte_cr3. Walks use them when valid and CR3
     * still matches; otherwise they read the PDPTEs from memory. */
    uint64_t pdpte[4];
    uint64_t pdpte_cr3;
    bool pdptes_valid;
    /* Page walks done to fill entries (statistics, and tests of TLB hits). */
    uint64_t fills;
    /* Data breakpoints (see "Hardware breakpoints" below): DR6.Bn of those the current
     * instruction hit, recorded by the slow path and raised as a #DB trap once the
     * instruction completes; whether entries may have been filled with watch marks. */
    uint32_t debug_hits;
    bool debug_watching;
    /* The gdb watchpoint the current instruction hit (debug_hits has
     * X86_DEBUG_HIT_GDB): raised as EXCP_DEBUG_WATCH instead of #DB. */
    uint64_t gdb_watch_addr;
    unsigned gdb_watch_kind; /* DebugWatchKind */
} X86TLB;

/* In debug_hits: a gdb watchpoint (system/debug.h) was hit; DR6 never sees it. */
#define X86_DEBUG_HIT_GDB 0x80000000u

/* Drops every cached translation; global ones too when include_global. */
void x86_tlb_flush(struct CPUX86State *env, bool include_global);
/* INVLPG: drops the translations of the page holding linear in every MMU index,
 * global ones included (SDM 3A §4.10.4.1). */
void x86_tlb_flush_page(struct CPUX86State *env, uint64_t linear);

/* The bit of x86_tlb_note_code's filter for linear's page. */
static inline unsigned x86_code_filter_bit(uint64_t linear)
{
    uint64_t page = linear >> X86_PAGE_BITS;
    return (unsigned)((page ^ (page >> 12) ^ (page >> 24)) & (X86_CODE_FILTER_WORDS * 64 - 1));
}

/* Notes the pages of [linear, linear + size) (a block: at most two pages) in filter
 * (X86TLB.code_pages or global_code_pages). */
static inline void x86_code_filter_add(uint64_t *filter, uint64_t linear, uint32_t size)
{
    unsigned first = x86_code_filter_bit(linear);
    unsigned last = x86_code_filter_bit(linear + (size ? size - 1 : 0));
    filter[first / 64] |= UINT64_C(1) << (first % 64);
    filter[last / 64] |= UINT64_C(1) << (last % 64);
}

/* A jump-cache slot now relies, under the current generation, on the mappings of the
 * pages of [linear, linear + size). */
static inline void x86_tlb_note_code(X86TLB *tlb, uint64_t linear, uint32_t size)
{
    x86_code_filter_add(tlb->code_pages, linear, size);
}

/* Set in a jump-cache slot's generation when it is a global_generation (the values of
 * generation never reach it): tcg/tb.h's TB_XLAT_GEN_STABLE. */
#define X86_TLB_GEN_GLOBAL (UINT64_C(1) << 63)

/* The generation a jump-cache slot takes for a block at [linear, linear + size) found
 * or translated by env's code fetches: global_gen | X86_TLB_GEN_GLOBAL when the TLB
 * maps every page of the block global for the fetching MMU index, else gen; gen and
 * global_gen are the generations read before the lookup (a flush since then leaves the
 * slot an old one, which only costs a miss). Notes the pages in the filter INVLPG
 * checks for that generation. */
uint64_t x86_tlb_code_stamp(struct CPUX86State *env, uint64_t linear, uint32_t size, uint64_t gen,
                            uint64_t global_gen);
/* The physical address code at linear is fetched from (x86_get_phys_code), or false
 * if that fetch would fault: nothing is raised. */
bool x86_get_phys_code_nofault(struct CPUX86State *env, uint64_t linear, uint64_t *phys);

/* Reset: empties the TLB and the PDPTE registers. */
void x86_tlb_reset(struct CPUX86State *env);
/* Cross-modifying code: the physical page at phys_page now holds translated code
 * (TBCache.on_code_page), so env's write entries for it must take the slow path. From
 * any thread: it clears X86_TLB_NO_CODE atomically, and the owner re-checks the page's
 * code bit after it stores a write tag that has the bit (mmu.c, recheck_code_page). */
void x86_tlb_protect_code_page(struct CPUX86State *env, uint64_t phys_page);

/* SDM 3A §4.4.1: loads the four PDPTEs from the table CR3 value cr3 points to (MOV to
 * CR3 with PAE paging, and MOV to CR0/CR4 that enter PAE paging). Returns false, loading
 * nothing, if a present PDPTE sets a reserved bit: the MOV must then raise #GP(0).
 * Call it last, once every other check of the MOV has passed. */
bool x86_mmu_load_pdptes(struct CPUX86State *env, uint64_t cr3);

/* Opens (enabled) or closes the A20 gate (port 92h, keyboard controller). Physical
 * addresses change under every translation, so the TLB is emptied; from any thread:
 * the vCPU does it itself before its next access through the C entry points or its
 * next block (kick it so that it leaves the current one). */
void x86_set_a20(struct CPUX86State *env, bool enabled);
/* Empties the TLB if the memory map or the A20 gate changed since it was filled. The
 * vCPU loop calls it before each block when translated code inlines TLB lookups (they
 * do not check); the C entry points check by themselves. */
void x86_tlb_sync_memory_map(struct CPUX86State *env);

/* The MMU index of implicit supervisor accesses (descriptor tables, TSS, the IDT, the
 * stacks of an interrupt delivery): SDM 3A §4.6.1 forbids implicit supervisor data
 * accesses to user pages whenever CR4.SMAP = 1, whatever EFLAGS.AC says. */
unsigned x86_mmu_index_implicit(const struct CPUX86State *env);

/* x86_ld/x86_st with an explicit MMU index (X86_MMU_*). */
uint64_t x86_ld_idx(struct CPUX86State *env, uint64_t linear, unsigned size, unsigned mmu_idx);
void x86_st_idx(struct CPUX86State *env, uint64_t linear, uint64_t val, unsigned size,
                unsigned mmu_idx);

/* Linear -> physical without side effects (no A/D update, no TLB fill, no fault), with
 * supervisor rights: for the gdb stub and the monitor. */
bool x86_translate_debug(struct CPUX86State *env, uint64_t linear, uint64_t *phys);

/* ---- Hardware breakpoints (SDM 3A chapter 18) ----
 *
 * DR0-DR3 hold linear addresses and DR7 enables them (Ln/Gn), each with a kind (R/Wn)
 * and a length (LENn). Nothing is paid while none is enabled:
 *  - instruction breakpoints (R/W = 00) are faults checked by the translator: the TB
 *    key carries HF_DBG_INSN, a block never runs past an enabled breakpoint address
 *    (one there starts its own block), and each block checks on entry that the
 *    breakpoints are those it was translated for (x86_debug_insn_key) before raising
 *    #DB with DR6.Bn unless EFLAGS.RF is set (translate.c);
 *  - data breakpoints (R/W = 01 writes, 11 reads and writes) are traps: TLB entries of
 *    watched pages take the slow path (X86_TLB_NO_WATCH clear), which records exact
 *    hits in debug_hits, and blocks translated with HF_DBG_DATA raise #DB after the
 *    instruction that hit;
 *  - I/O breakpoints (R/W = 10 with CR4.DE) are not emulated.
 * The gdb stub's hardware breakpoints and watchpoints are meant to go through the
 * same paths. */

/* DR0-DR3 or DR7 changed: drops the TLB entries whose watch marks may be stale and any
 * recorded hit. The translator needs nothing more (its checks read the registers).
 * MOV DR calls it; so must anything else that changes those registers (loading a
 * saved state, the gdb stub), or newly enabled data breakpoints may miss pages
 * already in the TLB. */
void x86_debug_update(struct CPUX86State *env);
/* The HF_DBG_INSN / HF_DBG_DATA bits of the translation key. */
uint32_t x86_debug_tb_flags(const struct CPUX86State *env);
/* DR6.Bn of the enabled instruction breakpoints at linear. */
unsigned x86_debug_insn_hits(const struct CPUX86State *env, uint64_t linear);
/* Identifies the set of enabled instruction breakpoints (0 when there is none). */
uint64_t x86_debug_insn_key(const struct CPUX86State *env);

/* ---- Alignment check (SDM 3A §6.15 "Interrupt 17") ----
 * At CPL 3 with CR0.AM and EFLAGS.AC set, a data access not aligned to its size raises
 * #AC(0). Translated code checks when its key has HF_AC_CHECK; helpers call
 * x86_check_alignment with the alignment the SDM gives their operand (Table 6-7). */
bool x86_alignment_checking(const struct CPUX86State *env);
void x86_check_alignment(struct CPUX86State *env, uint64_t linear, unsigned align);

#endif
