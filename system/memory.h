/* Address spaces: guest physical memory and the 16-bit port-I/O space.
 *
 * An address space is a set of regions. A RAM/ROM region is host memory; an MMIO
 * region has read/write callbacks. Regions may overlap: the one with the highest
 * priority wins (equal priority: the one added last). Accesses that hit no region
 * read all-ones and drop writes, as an unclaimed bus cycle does on a PC, and are
 * logged under -d guest_errors.
 */
#ifndef PACIFICA_SYSTEM_MEMORY_H
#define PACIFICA_SYSTEM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "system/log.h"

typedef struct MemoryRegionOps {
    /* addr is the offset inside the region; size is 1, 2, 4 or 8 bytes. */
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t val, unsigned size);
    /* Access sizes the device handles (bytes). Other accesses are split into
     * little-endian pieces of max_access (or widened to min_access).
     * 0 means 1 for min_access and 8 for max_access. */
    unsigned min_access, max_access;
} MemoryRegionOps;

typedef struct MemoryRegion {
    const char *name;
    uint64_t base, size;
    uint8_t *ram;  /* host memory for RAM and ROM regions, NULL for MMIO */
    bool readonly; /* ROM: guest writes are dropped (logged as guest errors) */
    bool enabled;
    int priority;
    const MemoryRegionOps *ops;
    void *opaque;
    unsigned seq; /* insertion order, for ties in priority */
} MemoryRegion;

struct FlatView;

typedef struct AddressSpace {
    const char *name;
    uint64_t size; /* 1 << 16 for port I/O, 1 << 52 for memory */
    const Log *log;
    MemoryRegion **regions;
    size_t nregions, cap;
    unsigned next_seq;
    /* Sorted, non-overlapping view rebuilt when the region set changes; readers
     * load it atomically. Old views are kept until address_space_destroy so that a
     * reader on another thread never sees freed memory (region changes are rare). */
    struct FlatView *_Atomic view;
    struct FlatView *old_views;
    /* Told after every new view is published (NULL: nobody): the machine makes the
     * vCPUs leave translated code, whose inlined TLB lookups hold host addresses from
     * the old map, so that they drop them before running on. */
    void (*on_change)(void *opaque);
    void *on_change_opaque;
} AddressSpace;

void address_space_init(AddressSpace *as, const char *name, uint64_t size, const Log *log);
void address_space_destroy(AddressSpace *as);

/* host must stay valid for the life of the region. */
MemoryRegion *address_space_add_ram(AddressSpace *as, const char *name, uint64_t base,
                                    uint64_t size, uint8_t *host, bool readonly, int priority);
MemoryRegion *address_space_add_mmio(AddressSpace *as, const char *name, uint64_t base,
                                     uint64_t size, const MemoryRegionOps *ops, void *opaque,
                                     int priority);
void address_space_remove(AddressSpace *as, MemoryRegion *mr);
/* Disabled regions stay in the set but are not visible (PAM, BAR decode off). */
void memory_region_set_enabled(AddressSpace *as, MemoryRegion *mr, bool enabled);
/* Moves a region (PCI BAR programming). */
void memory_region_set_base(AddressSpace *as, MemoryRegion *mr, uint64_t base);

/* The visible region at addr: returns it, the offset of addr in it, and how many bytes
 * from addr on it stays visible (*avail). NULL if nothing is there (*avail then is the
 * distance to the next visible region). */
const MemoryRegion *address_space_lookup(AddressSpace *as, uint64_t addr, uint64_t *offset,
                                         uint64_t *avail);

/* Scalar little-endian access of 1, 2, 4 or 8 bytes. An access that spans several
 * regions is split. */
uint64_t address_space_read(AddressSpace *as, uint64_t addr, unsigned size);
void address_space_write(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);

/* Byte-range access (loaders, DMA). Returns false if any part hit no region
 * (that part reads as 0xff / is dropped). */
bool address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len, bool is_write);

/* Host pointer for [addr, addr+len) when it lies inside one visible RAM region
 * (writable ones only if for_write), else NULL. */
uint8_t *address_space_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len, bool for_write);

#endif
