/* The TB arena (see tb-arena.h). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/tb-arena.h"

struct TBArenaChunk {
    atomic_size_t refs; /* live allocations, + 1 while the arena allocates from it */
    size_t size;        /* bytes mapped, this header included */
};

struct TBArena {
    TBArenaChunk *cur; /* NULL before the first allocation */
    size_t used;       /* bytes of cur handed out, its header included */
    size_t chunk_size;
};

static size_t round_up(size_t n, size_t align)
{
    return (n + align - 1) & ~(align - 1);
}

TBArena *tb_arena_new(size_t chunk_size)
{
    TBArena *a = calloc(1, sizeof(*a));
    if (!a) {
        abort();
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    a->chunk_size = round_up(chunk_size ? chunk_size : TB_ARENA_CHUNK_SIZE, page);
    return a;
}

void tb_arena_release(TBArenaChunk *chunk)
{
    if (atomic_fetch_sub_explicit(&chunk->refs, 1, memory_order_acq_rel) == 1) {
        munmap(chunk, chunk->size);
    }
}

void tb_arena_free(TBArena *a)
{
    if (a->cur) {
        tb_arena_release(a->cur);
    }
    free(a);
}

/* Makes a fresh chunk current, letting go of the old one. */
static bool arena_new_chunk(TBArena *a)
{
    /* Populated at once: the chunk is used from end to end, and one mmap that fills
     * it costs far less than a page fault for each of its pages. */
    void *mem = mmap(NULL, a->chunk_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED) {
        return false;
    }
    TBArenaChunk *c = mem;
    atomic_init(&c->refs, 1);
    c->size = a->chunk_size;
    if (a->cur) {
        tb_arena_release(a->cur);
    }
    a->cur = c;
    a->used = sizeof(*c);
    return true;
}

void *tb_arena_alloc(TBArena *a, size_t size, size_t align, TBArenaChunk **chunk)
{
    if (size > a->chunk_size / 8 || align > 4096) {
        return NULL;
    }
    size_t off = round_up(a->used, align);
    if (!a->cur || off + size > a->chunk_size) {
        if (!arena_new_chunk(a)) {
            return NULL;
        }
        off = round_up(a->used, align);
    }
    a->used = off + size;
    atomic_fetch_add_explicit(&a->cur->refs, 1, memory_order_relaxed);
    *chunk = a->cur;
    return (char *)a->cur + off;
}
