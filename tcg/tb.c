/* Translation blocks and their cache.
 *
 * The cache is a chained hash on the TB key, plus an index from guest physical page
 * to the TBs whose bytes lie on it, so that a write to guest memory invalidates only
 * the TBs of the pages it touches, however many TBs exist. Each page that holds code
 * has a bit in code_bitmap (pages below 4 GiB) or an entry in the sorted high_pages
 * array (above), so stores can cheaply check whether they might hit code.
 *
 * Finer than pages, each page entry keeps which 64-byte granules of the page its TBs
 * cover, mirrored for pages below 4 GiB in code_granules, one word per page, read
 * without the lock. Kernels mix code and data in a page (and free pages that held
 * code become data pages, with the old TBs still there until something overwrites
 * their bytes): a store to the page that touches no code granule is told so by one
 * load, where it used to take the lock and compare itself with every TB of the page.
 * A page's mask is the union over its TBs, recomputed when TBs leave it.
 *
 * tb.h's TBCache has no field for the page index, so the index lives in the same
 * allocation as the bitmap: c->code_bitmap points at the first member of a private
 * TBCacheState (C11 6.7.2.1p15 allows converting it back).
 *
 * An invalidated TB leaves the hash and the page index but stays on the `all` list
 * (which is singly linked, so unlinking would mean a scan); it is pushed on the
 * graveyard through its now unused hash_next link. Flush frees everything on `all`,
 * the graveyard included, exactly once. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/tb.h"

#define TB_PAGE_BITS       12
#define TB_PAGE_MASK       ((UINT64_C(1) << TB_PAGE_BITS) - 1)
#define LOW_PAGES          (UINT64_C(1) << 20) /* 4 GiB / 4 KiB */
#define CODE_BITMAP_WORDS  (LOW_PAGES / 64)
#define TB_HASH_MIN_BITS   10
#define PAGE_HASH_MIN_BITS 8

/* The TBs that have bytes on one physical page. */
typedef struct PageEntry {
    uint64_t pageno;
    struct PageEntry *next; /* hash chain */
    TranslationBlock **tbs;
    uint32_t n, cap;
    uint64_t granules; /* the 64-byte granules the TBs cover (tb_code_granule_mask) */
} PageEntry;

typedef struct TBCacheState {
    uint64_t code_bitmap[CODE_BITMAP_WORDS]; /* first: TBCache.code_bitmap points here */
    PageEntry **page_buckets;
    unsigned page_bits;
    unsigned nb_pages;
} TBCacheState;

/* A byte range [start, end) of guest physical memory. */
typedef struct PhysRange {
    uint64_t start, end;
} PhysRange;

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        abort();
    }
    return p;
}

static TBCacheState *cache_state(TBCache *c)
{
    return (TBCacheState *)(void *)c->code_bitmap;
}

/* The MurmurHash3 64-bit finalizer: spreads every input bit over the whole word. */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static uint64_t tb_key_hash(uint64_t phys_pc, uint64_t pc, uint64_t cs_base, uint32_t flags,
                            uint32_t cflags)
{
    uint64_t h = phys_pc * UINT64_C(0x9e3779b97f4a7c15);
    h ^= mix64(pc + UINT64_C(0x632be59bd9b4e019));
    h ^= cs_base * UINT64_C(0x85ebca77c2b2ae63);
    h ^= (((uint64_t)flags << 32) | cflags) * UINT64_C(0x27d4eb2f165667c5);
    return mix64(h);
}

static size_t tb_bucket(const TBCache *c, const TranslationBlock *tb)
{
    return tb_key_hash(tb->phys_pc, tb->pc, tb->cs_base, tb->flags, tb->cflags) >>
           (64 - c->hash_bits);
}

/* ---- Translation blocks ---- */

_Static_assert(offsetof(TranslationBlock, native_gen) + sizeof(atomic_uint_fast64_t) <=
                   TB_HOT_BYTES,
               "the fields of a block run share one cache line");

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

TranslationBlock *tb_new_from_context(const TCGContext *s, uint64_t pc, uint64_t cs_base,
                                      uint32_t flags, uint32_t cflags, uint64_t phys_pc)
{
    /* One allocation: the TB, then its packed IR; from the context's arena when it
     * can. The IR is packed once, into the context's buffer, then copied. */
    size_t ir_off = align8(sizeof(TranslationBlock));
    size_t ir_size = tb_ir_pack(s, s->pack_buf);
    size_t total = ir_off + ir_size;
    total = (total + TB_HOT_BYTES - 1) & ~(size_t)(TB_HOT_BYTES - 1);
    TBArenaChunk *chunk = NULL;
    char *mem = s->tb_arena ? tb_arena_alloc(s->tb_arena, total, TB_HOT_BYTES, &chunk) : NULL;
    if (!mem) {
        chunk = NULL;
        mem = aligned_alloc(TB_HOT_BYTES, total);
    }
    if (!mem) {
        abort();
    }
    memset(mem, 0, sizeof(TranslationBlock));

    TranslationBlock *tb = (TranslationBlock *)(void *)mem;
    tb->pc = pc;
    tb->cs_base = cs_base;
    tb->flags = flags;
    tb->cflags = cflags;
    tb->phys_pc = phys_pc;
    tb->phys_page2 = UINT64_MAX;
    tb->arena_chunk = chunk;
    tb->builder = s;
    memcpy((uint8_t *)mem + ir_off, s->pack_buf, ir_size);
    tb->ir_packed = (const uint8_t *)mem + ir_off;
    tb->nb_ops = s->nb_ops;
    tb->nb_temps = s->nb_temps;
    tb->nb_labels = s->nb_labels;
    atomic_init(&tb->ir, NULL);
    atomic_init(&tb->jmp_dest[0], NULL);
    atomic_init(&tb->jmp_dest[1], NULL);
    atomic_init(&tb->invalid, false);
    return tb;
}

/* A TBIR and its arrays in one allocation. */
static TBIR *tb_ir_new_unpacked(const TranslationBlock *tb)
{
    size_t ops_off = align8(sizeof(TBIR));
    size_t temps_off = align8(ops_off + (size_t)tb->nb_ops * sizeof(TCGOp));
    size_t labels_off = align8(temps_off + (size_t)tb->nb_temps * sizeof(TCGTemp));
    size_t total = labels_off + (size_t)tb->nb_labels * sizeof(uint32_t);
    char *mem = malloc(total);
    if (!mem) {
        abort();
    }
    TBIR *ir = (TBIR *)(void *)mem;
    ir->ops = (TCGOp *)(void *)(mem + ops_off);
    ir->temps = (TCGTemp *)(void *)(mem + temps_off);
    ir->label_ops = (uint32_t *)(void *)(mem + labels_off);
    tb_ir_unpack(tb->ir_packed, ir);
    return ir;
}

const TBIR *tb_ir(TranslationBlock *tb)
{
    TBIR *ir = atomic_load_explicit(&tb->ir, memory_order_acquire);
    if (ir) {
        return ir;
    }
    /* Two threads may unpack at once: the first to publish wins, the other frees its
     * copy. */
    TBIR *fresh = tb_ir_new_unpacked(tb);
    if (atomic_compare_exchange_strong_explicit(&tb->ir, &ir, fresh, memory_order_acq_rel,
                                                memory_order_acquire)) {
        return fresh;
    }
    free(fresh);
    return ir;
}

const TBIR *tb_ir_view(TranslationBlock *tb, TBIRBuffer *buf)
{
    const TBIR *ir = atomic_load_explicit(&tb->ir, memory_order_acquire);
    return ir ? ir : tb_ir_unpack_into(tb->ir_packed, buf);
}

void tb_free(TranslationBlock *tb)
{
    free(atomic_load_explicit(&tb->ir, memory_order_relaxed));
    if (tb->ir_packed) {
        tb_ir_packed_release(tb->ir_packed);
    }
    TBArenaChunk *chunk = tb->arena_chunk;
    if (chunk) {
        tb_arena_release(chunk);
    } else {
        free(tb);
    }
}

/* The guest bytes of a TB: one range, or two when its second page is elsewhere. */
static unsigned tb_phys_ranges(const TranslationBlock *tb, PhysRange r[2])
{
    uint64_t size = tb->size ? tb->size : 1; /* a TB covers at least its first byte */
    uint64_t start = tb->phys_pc;
    uint64_t end = size > UINT64_MAX - start ? UINT64_MAX : start + size;
    if (tb->phys_page2 == UINT64_MAX) {
        r[0] = (PhysRange){start, end};
        return 1;
    }
    uint64_t first_len = (TB_PAGE_MASK + 1) - (start & TB_PAGE_MASK);
    if (first_len >= size) {
        r[0] = (PhysRange){start, end};
        return 1;
    }
    r[0] = (PhysRange){start, start + first_len};
    uint64_t page2 = tb->phys_page2 & ~TB_PAGE_MASK;
    uint64_t rest = size - first_len;
    r[1] = (PhysRange){page2, rest > UINT64_MAX - page2 ? UINT64_MAX : page2 + rest};
    return 2;
}

static bool tb_overlaps(const TranslationBlock *tb, uint64_t start, uint64_t end)
{
    PhysRange r[2];
    unsigned n = tb_phys_ranges(tb, r);
    for (unsigned i = 0; i < n; i++) {
        if (r[i].start < end && start < r[i].end) {
            return true;
        }
    }
    return false;
}

/* The granules of page pageno that [start, end) touches. */
static uint64_t range_granules(uint64_t pageno, uint64_t start, uint64_t end)
{
    uint64_t page_first = pageno << TB_PAGE_BITS, page_last = page_first + TB_PAGE_MASK;
    if (end <= start || start > page_last || end - 1 < page_first)
        return 0;
    unsigned lo = start < page_first ? 0 : (unsigned)(start & TB_PAGE_MASK);
    unsigned hi = end - 1 > page_last ? TB_PAGE_MASK : (unsigned)((end - 1) & TB_PAGE_MASK);
    return tb_code_granule_mask(lo, hi - lo + 1);
}

static uint64_t tb_granules_on_page(const TranslationBlock *tb, uint64_t pageno)
{
    PhysRange r[2];
    unsigned n = tb_phys_ranges(tb, r);
    uint64_t granules = 0;
    for (unsigned i = 0; i < n; i++)
        granules |= range_granules(pageno, r[i].start, r[i].end);
    return granules;
}

/* ---- Which pages hold code ---- */

static void high_page_add(TBCache *c, uint64_t pageno)
{
    unsigned lo = 0, hi = c->nhigh;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (c->high_pages[mid] < pageno) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < c->nhigh && c->high_pages[lo] == pageno) {
        return;
    }
    if (c->nhigh == c->high_cap) {
        c->high_cap = c->high_cap ? c->high_cap * 2 : 16;
        c->high_pages = xrealloc(c->high_pages, c->high_cap * sizeof(uint64_t));
    }
    memmove(&c->high_pages[lo + 1], &c->high_pages[lo], (c->nhigh - lo) * sizeof(uint64_t));
    c->high_pages[lo] = pageno;
    __atomic_store_n(&c->nhigh, c->nhigh + 1, __ATOMIC_RELEASE);
}

static bool high_page_find(const TBCache *c, uint64_t pageno, unsigned *pos)
{
    unsigned lo = 0, hi = c->nhigh;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (c->high_pages[mid] < pageno) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *pos = lo;
    return lo < c->nhigh && c->high_pages[lo] == pageno;
}

static void high_page_remove(TBCache *c, uint64_t pageno)
{
    unsigned pos;
    if (!high_page_find(c, pageno, &pos)) {
        return;
    }
    memmove(&c->high_pages[pos], &c->high_pages[pos + 1], (c->nhigh - pos - 1) * sizeof(uint64_t));
    __atomic_store_n(&c->nhigh, c->nhigh - 1, __ATOMIC_RELEASE);
}

static void code_page_set(TBCache *c, uint64_t pageno)
{
    if (pageno < LOW_PAGES) {
        __atomic_fetch_or(&c->code_bitmap[pageno / 64], UINT64_C(1) << (pageno % 64),
                          __ATOMIC_SEQ_CST);
    } else {
        high_page_add(c, pageno);
    }
}

static void code_page_clear(TBCache *c, uint64_t pageno)
{
    if (pageno < LOW_PAGES) {
        __atomic_fetch_and(&c->code_bitmap[pageno / 64], ~(UINT64_C(1) << (pageno % 64)),
                           __ATOMIC_SEQ_CST);
    } else {
        high_page_remove(c, pageno);
    }
}

_Static_assert(TB_PAGE_BITS == 12 && LOW_PAGES == (UINT64_C(1) << 20),
               "tb.h's inline tb_cache_page_has_code uses the same bitmap geometry");

bool tb_cache_high_page_has_code(TBCache *c, uint64_t phys_addr)
{
    uint64_t pageno = phys_addr >> TB_PAGE_BITS;
    if (__atomic_load_n(&c->nhigh, __ATOMIC_ACQUIRE) == 0) {
        return false;
    }
    unsigned pos;
    pthread_mutex_lock(&c->lock);
    bool found = high_page_find(c, pageno, &pos);
    pthread_mutex_unlock(&c->lock);
    return found;
}

/* ---- The page index ---- */

static void page_set_granules(TBCache *c, PageEntry *e, uint64_t granules)
{
    e->granules = granules;
    if (e->pageno < LOW_PAGES)
        __atomic_store_n(&c->code_granules[e->pageno], granules, __ATOMIC_SEQ_CST);
}

/* TBs left the page: its mask becomes the union of those that remain. */
static void page_recompute_granules(TBCache *c, PageEntry *e)
{
    uint64_t granules = 0;
    for (uint32_t i = 0; i < e->n; i++)
        granules |= tb_granules_on_page(e->tbs[i], e->pageno);
    page_set_granules(c, e, granules);
}

static size_t page_bucket(const TBCacheState *st, uint64_t pageno)
{
    return mix64(pageno) >> (64 - st->page_bits);
}

static PageEntry *page_find(const TBCacheState *st, uint64_t pageno)
{
    for (PageEntry *e = st->page_buckets[page_bucket(st, pageno)]; e; e = e->next) {
        if (e->pageno == pageno) {
            return e;
        }
    }
    return NULL;
}

static void page_index_grow(TBCacheState *st)
{
    unsigned old_bits = st->page_bits;
    PageEntry **old = st->page_buckets;
    st->page_bits = old_bits + 1;
    st->page_buckets = xcalloc((size_t)1 << st->page_bits, sizeof(PageEntry *));
    for (size_t i = 0; i < ((size_t)1 << old_bits); i++) {
        PageEntry *e = old[i];
        while (e) {
            PageEntry *next = e->next;
            size_t b = page_bucket(st, e->pageno);
            e->next = st->page_buckets[b];
            st->page_buckets[b] = e;
            e = next;
        }
    }
    free(old);
}

static void page_add_tb(TBCache *c, uint64_t pageno, TranslationBlock *tb)
{
    TBCacheState *st = cache_state(c);
    PageEntry *e = page_find(st, pageno);
    bool new_page = !e;
    if (!e) {
        if (st->nb_pages >= (1u << st->page_bits)) {
            page_index_grow(st);
        }
        e = xcalloc(1, sizeof(*e));
        e->pageno = pageno;
        size_t b = page_bucket(st, pageno);
        e->next = st->page_buckets[b];
        st->page_buckets[b] = e;
        st->nb_pages++;
        code_page_set(c, pageno);
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->tbs = xrealloc(e->tbs, e->cap * sizeof(*e->tbs));
    }
    e->tbs[e->n++] = tb;
    page_set_granules(c, e, e->granules | tb_granules_on_page(tb, pageno));
    if (new_page && c->on_code_page) {
        c->on_code_page(c->on_code_page_opaque, pageno << TB_PAGE_BITS);
    }
}

static void page_entry_delete(TBCache *c, PageEntry *e)
{
    TBCacheState *st = cache_state(c);
    PageEntry **link = &st->page_buckets[page_bucket(st, e->pageno)];
    while (*link != e) {
        link = &(*link)->next;
    }
    *link = e->next;
    st->nb_pages--;
    page_set_granules(c, e, 0);
    code_page_clear(c, e->pageno);
    free(e->tbs);
    free(e);
}

/* Drops tb from one page's list; the page loses its code bit when the list empties. */
static void page_remove_tb(TBCache *c, uint64_t pageno, const TranslationBlock *tb)
{
    PageEntry *e = page_find(cache_state(c), pageno);
    if (!e) {
        return;
    }
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->tbs[i] == tb) {
            e->tbs[i] = e->tbs[--e->n];
            break;
        }
    }
    if (e->n == 0) {
        page_entry_delete(c, e);
    } else {
        page_recompute_granules(c, e);
    }
}

/* Adds tb to (or removes it from) the list of every page its bytes lie on, except
 * skip_page. A page shared by both ranges is visited once. */
static void tb_register_pages(TBCache *c, TranslationBlock *tb, bool add, uint64_t skip_page)
{
    PhysRange r[2];
    unsigned nr = tb_phys_ranges(tb, r);
    for (unsigned i = 0; i < nr; i++) {
        uint64_t first = r[i].start >> TB_PAGE_BITS, last = (r[i].end - 1) >> TB_PAGE_BITS;
        for (uint64_t p = first;; p++) {
            bool dup = i == 1 && p >= (r[0].start >> TB_PAGE_BITS) &&
                       p <= ((r[0].end - 1) >> TB_PAGE_BITS);
            if (!dup && p != skip_page) {
                if (add) {
                    page_add_tb(c, p, tb);
                } else {
                    page_remove_tb(c, p, tb);
                }
            }
            if (p == last) {
                break;
            }
        }
    }
}

/* ---- The cache ---- */

void tb_cache_init(TBCache *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->hash_bits = TB_HASH_MIN_BITS;
    c->hash = xcalloc((size_t)1 << c->hash_bits, sizeof(TranslationBlock *));
    TBCacheState *st = xcalloc(1, sizeof(*st));
    st->page_bits = PAGE_HASH_MIN_BITS;
    st->page_buckets = xcalloc((size_t)1 << st->page_bits, sizeof(PageEntry *));
    c->code_bitmap = st->code_bitmap;
    /* 8 MiB of address space, of which only the words of code pages are ever touched
     * (the allocator maps zero pages for a request this large). */
    c->code_granules = xcalloc(LOW_PAGES, sizeof(uint64_t));
}

void tb_cache_destroy(TBCache *c)
{
    tb_cache_flush(c);
    TBCacheState *st = cache_state(c);
    free(st->page_buckets);
    free(st);
    free(c->code_granules);
    free(c->hash);
    free(c->high_pages);
    pthread_mutex_destroy(&c->lock);
    memset(c, 0, sizeof(*c));
}

/* The hash-table search of tb_cache_lookup (any_page2) and tb_cache_lookup_page2. */
static TranslationBlock *cache_lookup(TBCache *c, uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                      uint32_t flags, uint32_t cflags, bool any_page2,
                                      uint64_t phys_page2)
{
    pthread_mutex_lock(&c->lock);
    size_t b = tb_key_hash(phys_pc, pc, cs_base, flags, cflags) >> (64 - c->hash_bits);
    TranslationBlock *tb = c->hash[b];
    for (; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
            tb->flags == flags && tb->cflags == cflags && !atomic_load(&tb->invalid) &&
            (any_page2 || tb->phys_page2 == UINT64_MAX || tb->phys_page2 == phys_page2)) {
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return tb;
}

TranslationBlock *tb_cache_lookup(TBCache *c, uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                  uint32_t flags, uint32_t cflags)
{
    return cache_lookup(c, phys_pc, pc, cs_base, flags, cflags, true, 0);
}

TranslationBlock *tb_cache_lookup_page2(TBCache *c, uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                        uint32_t flags, uint32_t cflags, uint64_t phys_page2)
{
    return cache_lookup(c, phys_pc, pc, cs_base, flags, cflags, false, phys_page2);
}

void tb_jmp_cache_check_slow(TBJumpCache *jc, TBCache *c)
{
    if (jc->registered != c) {
        pthread_mutex_lock(&c->lock);
        uintptr_t first = ((uintptr_t)jc->storage + 63) & ~(uintptr_t)63;
        jc->entry = (TBJumpEntry *)first;
        jc->victim = jc->entry + (1u << TB_JMP_CACHE_BITS);
        jc->registered = c;
        jc->next_registered = c->jump_caches;
        c->jump_caches = jc;
        pthread_mutex_unlock(&c->lock);
    }
    unsigned flushes = atomic_load_explicit(&c->flushes, memory_order_acquire);
    if (jc->flushes != flushes) {
        for (size_t i = 0; i < (2u << TB_JMP_CACHE_BITS); i++) {
            atomic_store_explicit(&jc->entry[i].tb, NULL, memory_order_relaxed); /* both ways */
        }
        jc->flushes = flushes;
    }
}

/* Stores tb (or NULL) in the slot e whose other fields are written. A TB invalidated
 * meanwhile is taken out again: the invalidating thread stores tb->invalid before it
 * looks at the slots, this thread stores the slot before it looks at tb->invalid (both
 * seq_cst), so one of them sees the other. */
static void tb_jmp_cache_publish(TBJumpEntry *e, TranslationBlock *tb)
{
    atomic_store(&e->tb, tb);
    if (tb && atomic_load(&tb->invalid)) {
        atomic_store(&e->tb, NULL);
    }
}

/* Copies the entry src to dst (slots of this jump cache's owner). */
static void tb_jmp_cache_move(TBJumpEntry *dst, const TBJumpEntry *src)
{
    TranslationBlock *tb = atomic_load_explicit(&src->tb, memory_order_relaxed);
    dst->pc = src->pc;
    dst->cs_base = src->cs_base;
    dst->phys_pc = src->phys_pc;
    dst->flags = src->flags;
    dst->cflags = src->cflags;
    dst->xlat_gen = src->xlat_gen;
    dst->code = src->code;
    dst->code_gen = src->code_gen;
    tb_jmp_cache_publish(dst, tb);
}

/* Fills tb's slot; the entry it held goes to the slot's second way. */
static void tb_jmp_cache_fill(TBJumpCache *jc, TranslationBlock *tb, uint64_t xlat_gen)
{
    TBJumpEntry *e = tb_jmp_cache_slot(jc, tb->pc);
    TranslationBlock *displaced = atomic_load_explicit(&e->tb, memory_order_relaxed);
    if (displaced && e->pc != tb->pc)
        tb_jmp_cache_move(jc->victim + (e - jc->entry), e);
    e->pc = tb->pc;
    e->cs_base = tb->cs_base;
    e->phys_pc = tb->phys_pc;
    e->flags = tb->flags;
    e->cflags = tb->cflags;
    e->xlat_gen = xlat_gen;
    e->code = NULL;
    e->code_gen = 0;
    tb_jmp_cache_publish(e, tb);
}

/* Clears tb from every jump cache registered with c (c's lock held). */
static void tb_jmp_cache_drop(TBCache *c, TranslationBlock *tb)
{
    unsigned idx = tb_jmp_cache_index(tb->pc);
    for (TBJumpCache *jc = c->jump_caches; jc; jc = jc->next_registered) {
        TranslationBlock *expected = tb;
        atomic_compare_exchange_strong(&jc->entry[idx].tb, &expected, NULL);
        expected = tb;
        atomic_compare_exchange_strong(&jc->victim[idx].tb, &expected, NULL);
    }
}

TranslationBlock *tb_jmp_cache_lookup(TBJumpCache *jc, TBCache *c, uint64_t phys_pc, uint64_t pc,
                                      uint64_t cs_base, uint32_t flags, uint32_t cflags,
                                      uint64_t xlat_gen)
{
    tb_jmp_cache_check(jc, c);
    TBJumpEntry *e = tb_jmp_cache_slot(jc, pc);
    TranslationBlock *tb = atomic_load_explicit(&e->tb, memory_order_relaxed);
    if (tb && e->pc == pc && e->phys_pc == phys_pc && e->cs_base == cs_base && e->flags == flags &&
        e->cflags == cflags) {
        e->xlat_gen = xlat_gen; /* pc still maps to phys_pc under this generation */
        return tb;
    }
    TBJumpEntry *v = jc->victim + (e - jc->entry);
    tb = atomic_load_explicit(&v->tb, memory_order_relaxed);
    if (tb && v->pc == pc && v->phys_pc == phys_pc && v->cs_base == cs_base && v->flags == flags &&
        v->cflags == cflags) {
        /* The two ways swap: the probes read the first. */
        TBJumpEntry held = *e;
        tb_jmp_cache_move(e, v);
        tb_jmp_cache_move(v, &held);
        e->xlat_gen = xlat_gen;
        tb = atomic_load_explicit(&e->tb, memory_order_relaxed);
        if (tb)
            return tb;
    }
    tb = tb_cache_lookup(c, phys_pc, pc, cs_base, flags, cflags);
    if (tb)
        tb_jmp_cache_fill(jc, tb, xlat_gen);
    return tb;
}

void tb_jmp_cache_insert(TBJumpCache *jc, TBCache *c, TranslationBlock *tb, uint64_t xlat_gen)
{
    tb_jmp_cache_check(jc, c);
    tb_jmp_cache_fill(jc, tb, xlat_gen);
}

static void tb_hash_grow(TBCache *c)
{
    unsigned old_bits = c->hash_bits;
    TranslationBlock **old = c->hash;
    c->hash_bits = old_bits + 1;
    c->hash = xcalloc((size_t)1 << c->hash_bits, sizeof(TranslationBlock *));
    for (size_t i = 0; i < ((size_t)1 << old_bits); i++) {
        TranslationBlock *tb = old[i];
        while (tb) {
            TranslationBlock *next = tb->hash_next;
            size_t b = tb_bucket(c, tb);
            tb->hash_next = c->hash[b];
            c->hash[b] = tb;
            tb = next;
        }
    }
    free(old);
}

void tb_cache_insert(TBCache *c, TranslationBlock *tb)
{
    pthread_mutex_lock(&c->lock);
    /* At most one TB per bucket on average: a lookup walks the chain through the TBs
     * themselves, a cache miss each (tb_cache_lookup was ~5% of a Linux boot's samples
     * with two per bucket). */
    if (c->count >= (1u << c->hash_bits) && c->hash_bits < 30) {
        tb_hash_grow(c);
    }
    size_t b = tb_bucket(c, tb);
    tb->hash_next = c->hash[b];
    c->hash[b] = tb;
    tb->all_next = c->all;
    c->all = tb;
    c->count++;
    tb_register_pages(c, tb, true, UINT64_MAX);
    pthread_mutex_unlock(&c->lock);
}

static void tb_hash_remove(TBCache *c, TranslationBlock *tb)
{
    TranslationBlock **link = &c->hash[tb_bucket(c, tb)];
    for (; *link; link = &(*link)->hash_next) {
        if (*link == tb) {
            *link = tb->hash_next;
            tb->hash_next = NULL;
            return;
        }
    }
}

/* Invalidates tb and drops it from every index except the page list being walked
 * (the caller removes it from that one). */
static void tb_invalidate(TBCache *c, TranslationBlock *tb, uint64_t walked_page)
{
    atomic_store(&tb->invalid, true);
    if (c->on_invalidate)
        c->on_invalidate(c->on_invalidate_opaque, tb);
    tb_jmp_cache_drop(c, tb);
    tb_hash_remove(c, tb);
    tb_register_pages(c, tb, false, walked_page);
    tb->hash_next = c->graveyard;
    c->graveyard = tb;
    c->count--;
}

static unsigned invalidate_in_page(TBCache *c, uint64_t pageno, uint64_t start, uint64_t end)
{
    PageEntry *e = page_find(cache_state(c), pageno);
    if (!e || !(e->granules & range_granules(pageno, start, end))) {
        return 0;
    }
    c->granule_searches++;
    unsigned n = 0;
    /* Downwards, so that the swap-remove only moves entries already looked at. */
    for (uint32_t i = e->n; i-- > 0;) {
        TranslationBlock *tb = e->tbs[i];
        if (tb_overlaps(tb, start, end)) {
            tb_invalidate(c, tb, pageno);
            e->tbs[i] = e->tbs[--e->n];
            n++;
        }
    }
    if (e->n == 0) {
        page_entry_delete(c, e);
    } else if (n) {
        page_recompute_granules(c, e);
    }
    return n;
}

/* The pages of the index that fall in [first, last], for ranges wider than the index
 * itself (a flush of a whole RAM block must not walk a million empty pages). */
static uint64_t *indexed_pages_between(TBCache *c, uint64_t first, uint64_t last, size_t *count)
{
    TBCacheState *st = cache_state(c);
    uint64_t *pages = xcalloc(st->nb_pages, sizeof(uint64_t));
    size_t n = 0;
    for (size_t b = 0; b < ((size_t)1 << st->page_bits); b++) {
        for (PageEntry *e = st->page_buckets[b]; e; e = e->next) {
            if (e->pageno >= first && e->pageno <= last) {
                pages[n++] = e->pageno;
            }
        }
    }
    *count = n;
    return pages;
}

unsigned tb_cache_invalidate_range(TBCache *c, uint64_t start, uint64_t len)
{
    if (len == 0) {
        return 0;
    }
    uint64_t end = len > UINT64_MAX - start ? UINT64_MAX : start + len;
    uint64_t first = start >> TB_PAGE_BITS, last = (end - 1) >> TB_PAGE_BITS;
    unsigned n = 0;
    pthread_mutex_lock(&c->lock);
    c->invalidate_calls++;
    TBCacheState *st = cache_state(c);
    if (last - first >= st->nb_pages) {
        size_t count;
        uint64_t *pages = indexed_pages_between(c, first, last, &count);
        for (size_t i = 0; i < count; i++) {
            n += invalidate_in_page(c, pages[i], start, end);
        }
        free(pages);
    } else {
        for (uint64_t p = first;; p++) {
            n += invalidate_in_page(c, p, start, end);
            if (p == last) {
                break;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

void tb_cache_flush(TBCache *c)
{
    pthread_mutex_lock(&c->lock);
    TBCacheState *st = cache_state(c);
    for (size_t b = 0; b < ((size_t)1 << st->page_bits); b++) {
        PageEntry *e = st->page_buckets[b];
        while (e) {
            PageEntry *next = e->next;
            page_set_granules(c, e, 0);
            free(e->tbs);
            free(e);
            e = next;
        }
        st->page_buckets[b] = NULL;
    }
    st->nb_pages = 0;
    for (size_t i = 0; i < CODE_BITMAP_WORDS; i++) {
        __atomic_store_n(&c->code_bitmap[i], 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&c->nhigh, 0, __ATOMIC_RELEASE);

    TranslationBlock *tb = c->all;
    while (tb) {
        TranslationBlock *next = tb->all_next;
        tb_free(tb);
        tb = next;
    }
    c->all = NULL;
    c->graveyard = NULL;
    memset(c->hash, 0, ((size_t)1 << c->hash_bits) * sizeof(TranslationBlock *));
    c->count = 0;
    atomic_fetch_add(&c->flushes, 1);
    pthread_mutex_unlock(&c->lock);
    if (c->on_flush)
        c->on_flush(c->on_flush_opaque);
}
