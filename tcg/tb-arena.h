/* Where translation blocks live: a bump allocator over big mmap'd chunks.
 *
 * A TB and its packed IR are one allocation of a few hundred bytes that lives until
 * the TB cache is flushed, while translating and compiling make many short-lived
 * allocations. Taken from malloc's heap, the long-lived blocks are scattered among
 * the short-lived ones and every TB costs a malloc; here each translating thread
 * (each TCGContext) carves TBs out of its own 1 MiB chunk, without locking.
 *
 * A TB is freed by whichever thread flushes the cache, so a chunk counts its live
 * allocations, plus one for the arena while it is the arena's current chunk; the
 * chunk is unmapped when that count drops to zero. Requests larger than an eighth of
 * a chunk, or made when no chunk can be mapped, get NULL: the caller uses malloc. */
#ifndef PACIFICA_TCG_TB_ARENA_H
#define PACIFICA_TCG_TB_ARENA_H

#include <stddef.h>

typedef struct TBArena TBArena;
typedef struct TBArenaChunk TBArenaChunk;

#define TB_ARENA_CHUNK_SIZE (1u << 20)

/* chunk_size: bytes per chunk (rounded up to whole pages); 0: TB_ARENA_CHUNK_SIZE. */
TBArena *tb_arena_new(size_t chunk_size);
/* Drops the arena; chunks that still hold live allocations stay until those are freed. */
void tb_arena_free(TBArena *a);

/* size bytes aligned to align (a power of two, at most 4096), from the arena's current
 * chunk (a new one when it is full); *chunk is what tb_arena_release needs. Only the
 * arena's owner thread calls this. NULL: use malloc instead. */
void *tb_arena_alloc(TBArena *a, size_t size, size_t align, TBArenaChunk **chunk);
/* Frees one allocation of chunk; any thread. */
void tb_arena_release(TBArenaChunk *chunk);

#endif
