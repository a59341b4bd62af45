/* Address spaces: region set, flattened view, and access dispatch.
 *
 * The region set is what callers manipulate; guest accesses never look at it.
 * Every change rebuilds a flat view (a sorted array of non-overlapping ranges,
 * each naming the region that wins there and the offset inside it) and
 * publishes it with one atomic store. A reader loads the view once per access
 * and binary-searches it, so an access sees one consistent memory map even if
 * another thread reprograms a BAR in the meantime.
 *
 * Views and removed regions are never freed before address_space_destroy: a
 * reader may still be walking an old view. Region changes are rare (PAM, BAR
 * programming), so the memory kept is small.
 *
 * Writers (add/remove/enable/set_base) are serialised by the caller, which
 * holds the machine lock; AddressSpace has no lock of its own.
 */
#include "system/memory.h"

#include <glib.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

typedef struct FlatRange {
    uint64_t start, end; /* [start, end) in the address space */
    uint64_t offset;     /* offset of start inside mr */
    MemoryRegion *mr;
} FlatRange;

/* The direct index below 4 GiB: one slot per 2 MiB chunk. RAM below 4 GiB (and the
 * PCI hole above it) is what nearly every TLB fill and page-walk read looks up, and
 * whole chunks of it lie inside one range, so most lookups are one load instead of a
 * binary search. */
#define FLAT_CHUNK_BITS 21
#define FLAT_CHUNK_SPAN (UINT64_C(1) << 32)
#define FLAT_CHUNKS     (FLAT_CHUNK_SPAN >> FLAT_CHUNK_BITS)

struct FlatView {
    struct FlatView *next_old; /* list of retired views (AddressSpace.old_views) */
    /* Regions removed while this view was current: it (and older views) may
     * still point at them, so they live as long as the view. */
    MemoryRegion **retired;
    size_t nretired;
    /* For each chunk: 1 + the index of the range that covers all of it, or 0 when no
     * single range does (a hole, or a region edge inside): search then. */
    uint16_t chunk_range[FLAT_CHUNKS];
    size_t nranges;
    FlatRange ranges[];
};

/* ---- Building the view ------------------------------------------------------ */

/* The part of mr visible in the address space: [*start, *end), clipped to as->size.
 * False if nothing of it can be seen. */
static bool region_span(const AddressSpace *as, const MemoryRegion *mr, uint64_t *start,
                        uint64_t *end)
{
    if (!mr->enabled || mr->size == 0 || mr->base >= as->size)
        return false;
    *start = mr->base;
    /* Written so that base + size cannot overflow. */
    *end = mr->size > as->size - mr->base ? as->size : mr->base + mr->size;
    return true;
}

/* True if a beats b where both cover the same address: higher priority first,
 * then the most recently added. */
static bool region_wins_over(const MemoryRegion *a, const MemoryRegion *b)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    return a->seq > b->seq;
}

static int compare_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* The visible region that wins at lo, or NULL. lo starts an interval between two
 * consecutive region edges, so whatever covers lo covers the whole interval. */
static MemoryRegion *winner_at(const AddressSpace *as, uint64_t lo)
{
    MemoryRegion *best = NULL;
    for (size_t i = 0; i < as->nregions; i++) {
        MemoryRegion *mr = as->regions[i];
        uint64_t start, end;
        if (!region_span(as, mr, &start, &end) || lo < start || lo >= end)
            continue;
        if (!best || region_wins_over(mr, best))
            best = mr;
    }
    return best;
}

/* Fills chunk_range: every chunk that lies wholly inside one range points at it. */
static void flatview_index_chunks(struct FlatView *v)
{
    for (size_t i = 0; i < v->nranges && i < UINT16_MAX; i++) {
        const FlatRange *r = &v->ranges[i];
        uint64_t chunk_size = UINT64_C(1) << FLAT_CHUNK_BITS;
        uint64_t first = (r->start + chunk_size - 1) >> FLAT_CHUNK_BITS; /* round up */
        uint64_t end = (r->end < FLAT_CHUNK_SPAN ? r->end : FLAT_CHUNK_SPAN) >> FLAT_CHUNK_BITS;
        for (uint64_t c = first; c < end; c++)
            v->chunk_range[c] = (uint16_t)(i + 1);
    }
}

static struct FlatView *flatview_build(const AddressSpace *as)
{
    uint64_t *edges = g_new(uint64_t, 2 * as->nregions + 1);
    size_t nedges = 0;
    for (size_t i = 0; i < as->nregions; i++) {
        uint64_t start, end;
        if (region_span(as, as->regions[i], &start, &end)) {
            edges[nedges++] = start;
            edges[nedges++] = end;
        }
    }
    qsort(edges, nedges, sizeof(edges[0]), compare_u64);

    /* At most one range per interval between consecutive edges. */
    struct FlatView *v = g_malloc0(sizeof(*v) + nedges * sizeof(v->ranges[0]));
    for (size_t i = 0; i + 1 < nedges; i++) {
        uint64_t lo = edges[i], hi = edges[i + 1];
        if (lo == hi)
            continue;
        MemoryRegion *mr = winner_at(as, lo);
        if (!mr)
            continue;
        FlatRange *prev = v->nranges ? &v->ranges[v->nranges - 1] : NULL;
        if (prev && prev->mr == mr && prev->end == lo) {
            /* Same region continues: one range, so ram_ptr can span it. */
            prev->end = hi;
            continue;
        }
        v->ranges[v->nranges++] = (FlatRange){lo, hi, lo - mr->base, mr};
    }
    g_free(edges);
    flatview_index_chunks(v);
    return v;
}

/* Publishes a fresh view and retires the old one. retired_mr (may be NULL) is a
 * region just removed from the set; it dies with the old view. */
static void address_space_update(AddressSpace *as, MemoryRegion *retired_mr)
{
    struct FlatView *fresh = flatview_build(as);
    struct FlatView *old = atomic_exchange_explicit(&as->view, fresh, memory_order_acq_rel);
    if (retired_mr) {
        old->retired = g_renew(MemoryRegion *, old->retired, old->nretired + 1);
        old->retired[old->nretired++] = retired_mr;
    }
    old->next_old = as->old_views;
    as->old_views = old;
    if (as->on_change)
        as->on_change(as->on_change_opaque);
}

static void flatview_free(struct FlatView *v)
{
    for (size_t i = 0; i < v->nretired; i++) {
        g_free((char *)v->retired[i]->name);
        g_free(v->retired[i]);
    }
    g_free(v->retired);
    g_free(v);
}

/* ---- Region set ----------------------------------------------------------------- */

void address_space_init(AddressSpace *as, const char *name, uint64_t size, const Log *log)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "?");
    as->size = size;
    as->log = log;
    atomic_init(&as->view, g_malloc0(sizeof(struct FlatView)));
}

void address_space_destroy(AddressSpace *as)
{
    flatview_free(atomic_load_explicit(&as->view, memory_order_acquire));
    while (as->old_views) {
        struct FlatView *next = as->old_views->next_old;
        flatview_free(as->old_views);
        as->old_views = next;
    }
    for (size_t i = 0; i < as->nregions; i++) {
        g_free((char *)as->regions[i]->name);
        g_free(as->regions[i]);
    }
    g_free(as->regions);
    g_free((char *)as->name);
    memset(as, 0, sizeof(*as));
}

static MemoryRegion *address_space_add(AddressSpace *as, const char *name, uint64_t base,
                                       uint64_t size, int priority)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    mr->name = g_strdup(name ? name : "?");
    mr->base = base;
    mr->size = size;
    mr->enabled = true;
    mr->priority = priority;
    mr->seq = as->next_seq++;
    if (as->nregions == as->cap) {
        as->cap = as->cap ? 2 * as->cap : 16;
        as->regions = g_renew(MemoryRegion *, as->regions, as->cap);
    }
    as->regions[as->nregions++] = mr;
    return mr;
}

MemoryRegion *address_space_add_ram(AddressSpace *as, const char *name, uint64_t base,
                                    uint64_t size, uint8_t *host, bool readonly, int priority)
{
    if (!host) {
        /* A RAM region without memory would read as MMIO without ops: refuse it. */
        log_printf(as->log, LOG_GUEST_ERROR, "%s: RAM region '%s' has no host memory\n", as->name,
                   name ? name : "?");
        return NULL;
    }
    MemoryRegion *mr = address_space_add(as, name, base, size, priority);
    mr->ram = host;
    mr->readonly = readonly;
    address_space_update(as, NULL);
    return mr;
}

MemoryRegion *address_space_add_mmio(AddressSpace *as, const char *name, uint64_t base,
                                     uint64_t size, const MemoryRegionOps *ops, void *opaque,
                                     int priority)
{
    MemoryRegion *mr = address_space_add(as, name, base, size, priority);
    mr->ops = ops;
    mr->opaque = opaque;
    address_space_update(as, NULL);
    return mr;
}

void address_space_remove(AddressSpace *as, MemoryRegion *mr)
{
    for (size_t i = 0; mr && i < as->nregions; i++) {
        if (as->regions[i] != mr)
            continue;
        memmove(&as->regions[i], &as->regions[i + 1],
                (as->nregions - i - 1) * sizeof(as->regions[0]));
        as->nregions--;
        address_space_update(as, mr);
        return;
    }
}

void memory_region_set_enabled(AddressSpace *as, MemoryRegion *mr, bool enabled)
{
    if (!mr || mr->enabled == enabled)
        return;
    mr->enabled = enabled;
    address_space_update(as, NULL);
}

void memory_region_set_base(AddressSpace *as, MemoryRegion *mr, uint64_t base)
{
    if (!mr || mr->base == base)
        return;
    mr->base = base;
    address_space_update(as, NULL);
}

/* ---- Lookup ---------------------------------------------------------------------- */

static const struct FlatView *current_view(AddressSpace *as)
{
    return atomic_load_explicit(&as->view, memory_order_acquire);
}

/* Bytes from addr to the top of the 64-bit space (saturated: 2^64 does not fit). */
static uint64_t bytes_to_top(uint64_t addr)
{
    return addr ? 0 - addr : UINT64_MAX;
}

/* The range containing addr, or NULL; *avail is how far the range (or the hole
 * when NULL) extends from addr. */
static const FlatRange *flatview_find(const struct FlatView *v, uint64_t addr, uint64_t *avail)
{
    if (addr < FLAT_CHUNK_SPAN) {
        unsigned k = v->chunk_range[addr >> FLAT_CHUNK_BITS];
        if (k) {
            *avail = v->ranges[k - 1].end - addr;
            return &v->ranges[k - 1];
        }
    }
    size_t lo = 0, hi = v->nranges; /* first range with start > addr is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->ranges[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && addr < v->ranges[lo - 1].end) {
        *avail = v->ranges[lo - 1].end - addr;
        return &v->ranges[lo - 1];
    }
    *avail = lo < v->nranges ? v->ranges[lo].start - addr : bytes_to_top(addr);
    return NULL;
}

const MemoryRegion *address_space_lookup(AddressSpace *as, uint64_t addr, uint64_t *offset,
                                         uint64_t *avail)
{
    uint64_t n;
    const FlatRange *r = flatview_find(current_view(as), addr, &n);
    if (avail)
        *avail = n;
    if (offset)
        *offset = r ? r->offset + (addr - r->start) : 0;
    return r ? r->mr : NULL;
}

/* ---- MMIO dispatch ------------------------------------------------------------ */

/* Access sizes are powers of two from 1 to 8; anything else is rounded up. */
static unsigned normalise_access_size(unsigned size, unsigned dflt)
{
    if (size == 0)
        return dflt;
    unsigned p = 1;
    while (p < size && p < 8)
        p <<= 1;
    return p;
}

static unsigned pow2_floor(uint64_t n)
{
    unsigned p = 1;
    while (p < 8 && 2u * p <= n)
        p <<= 1;
    return p;
}

static uint64_t bytes_to_le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static void le_to_bytes(uint64_t v, uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        b[i] = v >> (8 * i);
}

static uint64_t mmio_read(AddressSpace *as, const MemoryRegion *mr, uint64_t off, unsigned size)
{
    if (!mr->ops || !mr->ops->read) {
        log_printf(as->log, LOG_GUEST_ERROR,
                   "%s: read of %u bytes at offset 0x%" PRIx64 " of write-only region '%s'\n",
                   as->name, size, off, mr->name);
        return UINT64_MAX;
    }
    return mr->ops->read(mr->opaque, off, size);
}

static void mmio_write(AddressSpace *as, const MemoryRegion *mr, uint64_t off, uint64_t val,
                       unsigned size)
{
    if (!mr->ops || !mr->ops->write) {
        log_printf(as->log, LOG_GUEST_ERROR,
                   "%s: write of %u bytes at offset 0x%" PRIx64 " to read-only region '%s'\n",
                   as->name, size, off, mr->name);
        return;
    }
    mr->ops->write(mr->opaque, off, val, size);
}

/* An access narrower than the device's min_access. As QEMU does, the device sees an
 * aligned access of min_access bytes: a read extracts our bytes from it; a write
 * shifts our bytes into place (the other bytes are written as zero, no
 * read-modify-write, so reads with side effects are not triggered by writes).
 * Returns how many of the n requested bytes fit in that one aligned access. */
static unsigned mmio_widened(AddressSpace *as, const MemoryRegion *mr, uint64_t off, uint8_t *buf,
                             unsigned n, unsigned min, bool is_write)
{
    uint64_t aligned = off & ~(uint64_t)(min - 1);
    unsigned shift = off - aligned;
    if (n > min - shift)
        n = min - shift;
    if (is_write) {
        mmio_write(as, mr, aligned, bytes_to_le(buf, n) << (8 * shift), min);
    } else {
        uint64_t wide = mmio_read(as, mr, aligned, min);
        le_to_bytes(wide >> (8 * shift), buf, n);
    }
    return n;
}

/* len (1..8) bytes at off inside an MMIO region, in pieces the device accepts:
 * wider than max_access is split into little-endian pieces of at most max_access
 * at increasing offsets; narrower than min_access is widened. */
static void mmio_access(AddressSpace *as, const MemoryRegion *mr, uint64_t off, uint8_t *buf,
                        unsigned len, bool is_write)
{
    unsigned min = normalise_access_size(mr->ops ? mr->ops->min_access : 0, 1);
    unsigned max = normalise_access_size(mr->ops ? mr->ops->max_access : 0, 8);
    if (max < min)
        max = min;
    unsigned pos = 0;
    while (pos < len) {
        unsigned piece = pow2_floor(len - pos);
        if (piece > max)
            piece = max;
        if (piece < min) {
            pos += mmio_widened(as, mr, off + pos, buf + pos, len - pos, min, is_write);
            continue;
        }
        if (is_write)
            mmio_write(as, mr, off + pos, bytes_to_le(buf + pos, piece), piece);
        else
            le_to_bytes(mmio_read(as, mr, off + pos, piece), buf + pos, piece);
        pos += piece;
    }
}

/* ---- Byte-range dispatch --------------------------------------------------------- */

static void unassigned_access(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len,
                              bool is_write)
{
    log_printf(as->log, LOG_GUEST_ERROR,
               "%s: unassigned %s of %" PRIu64 " bytes at 0x%" PRIx64 "\n", as->name,
               is_write ? "write" : "read", len, addr);
    if (!is_write)
        memset(buf, 0xff, len);
}

/* n bytes at addr, all inside range r. */
static void range_access(AddressSpace *as, const FlatRange *r, uint64_t addr, uint8_t *buf,
                         uint64_t n, bool is_write)
{
    const MemoryRegion *mr = r->mr;
    uint64_t off = r->offset + (addr - r->start);
    if (mr->ram) {
        if (!is_write) {
            memcpy(buf, mr->ram + off, n);
        } else if (mr->readonly) {
            log_printf(as->log, LOG_GUEST_ERROR,
                       "%s: write of %" PRIu64 " bytes at 0x%" PRIx64
                       " to read-only region '%s' dropped\n",
                       as->name, n, addr, mr->name);
        } else {
            memcpy(mr->ram + off, buf, n);
        }
        return;
    }
    /* MMIO: at most 8 bytes per call, each split as the device requires. */
    for (uint64_t done = 0; done < n;) {
        unsigned chunk = n - done < 8 ? (unsigned)(n - done) : 8;
        mmio_access(as, mr, off + done, buf + done, chunk, is_write);
        done += chunk;
    }
}

/* Walks [addr, addr + len) through one view, region by region. Returns false if
 * any part hit no region. Bytes past the top of the 64-bit space do not wrap
 * around: they are unassigned. */
static bool dispatch(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len, bool is_write)
{
    const struct FlatView *v = current_view(as);
    bool all_assigned = true;
    uint64_t in_space = len < bytes_to_top(addr) ? len : bytes_to_top(addr);
    uint64_t done = 0;
    while (done < in_space) {
        uint64_t cur = addr + done, avail;
        const FlatRange *r = flatview_find(v, cur, &avail);
        uint64_t n = in_space - done < avail ? in_space - done : avail;
        if (r) {
            range_access(as, r, cur, buf + done, n, is_write);
        } else {
            unassigned_access(as, cur, buf + done, n, is_write);
            all_assigned = false;
        }
        done += n;
    }
    if (in_space < len) {
        /* Only reachable with addr near 2^64: the rest would wrap to 0. */
        unassigned_access(as, 0, buf + in_space, len - in_space, is_write);
        all_assigned = false;
    }
    return all_assigned;
}

static bool valid_scalar_size(AddressSpace *as, uint64_t addr, unsigned size, bool is_write)
{
    if (size == 1 || size == 2 || size == 4 || size == 8)
        return true;
    log_printf(as->log, LOG_GUEST_ERROR, "%s: invalid %s size %u at 0x%" PRIx64 "\n", as->name,
               is_write ? "write" : "read", size, addr);
    return false;
}

uint64_t address_space_read(AddressSpace *as, uint64_t addr, unsigned size)
{
    if (!valid_scalar_size(as, addr, size, false))
        return UINT64_MAX;
    uint8_t bytes[8];
    dispatch(as, addr, bytes, size, false);
    return bytes_to_le(bytes, size);
}

void address_space_write(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    if (!valid_scalar_size(as, addr, size, true))
        return;
    uint8_t bytes[8];
    le_to_bytes(val, bytes, size);
    dispatch(as, addr, bytes, size, true);
}

bool address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len, bool is_write)
{
    return dispatch(as, addr, buf, len, is_write);
}

uint8_t *address_space_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len, bool for_write)
{
    uint64_t avail;
    const FlatRange *r = flatview_find(current_view(as), addr, &avail);
    if (!r || !r->mr->ram || avail < len || (for_write && r->mr->readonly))
        return NULL;
    return r->mr->ram + r->offset + (addr - r->start);
}
