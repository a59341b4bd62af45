/* The native backend's runtime: the code buffer with its shared prologue and epilogue,
 * the table from TranslationBlock to compiled code, running blocks (tcg_native_run)
 * with goto_tb chaining, flushing, and -d out_asm.
 *
 * Threads. Compiling and flushing hold `lock`; looking code up does not (entries are
 * published with release stores and only freed by a flush). A flush needs every vCPU
 * out of compiled code. Each TCGExecState that ever ran here has a slot saying whether
 * it may be in compiled code; once a flush is pending no vCPU enters (it runs the
 * interpreter meanwhile), and whoever finds every slot clear performs the flush. The
 * slots are per vCPU rather than a counter because a guest fault leaves compiled code
 * by siglongjmp, past tcg_native_run: a vCPU's slot then stays set until it comes back
 * (a vCPU is never in compiled code when it enters tcg_native_run) or until the vCPU
 * loop calls tcg_native_left_by_fault.
 *
 * Chaining. A compiled goto_tb n jumps through the block's jump slot n (NativeTB.chain):
 * the successor's code once linked, else the block's own way out, which returns tb|n to
 * the runner; the runner then links the slot (link_slot) as it sets tb->jmp_dest[n]
 * for the interpreter. Each entry lists the slots linked to it (incoming), and the
 * TBCache tells tcg_native_tb_invalidated when a TB is invalidated, which resets those
 * slots to their own ways out: so the compiled goto_tb checks nothing. Links and
 * resets are made under `lock`, which a flush holds too. Nothing in the code buffer is
 * ever patched after it is published. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* capstone's x86.h has an enumerator X86_OP_INVALID that clashes with the guest CPU's
 * (see cpu/x86/disas.c); this file does not need it, but keep the headers composable. */
#define X86_OP_INVALID CAPSTONE_X86_OP_INVALID
#include <capstone/capstone.h>
#undef X86_OP_INVALID

#include "tcg/codebuf.h"
#include "tcg/x86_64/internal.h"

/* A Debian boot compiles about 64 MiB of code: a smaller buffer is flushed and its
 * blocks compiled again (QEMU's default is 1 GiB). Pages are only backed once used. */
#define DEFAULT_CODE_SIZE (256u << 20)
#define MIN_CODE_SIZE     (64u << 10)
#define BUCKET_BITS       16
#define ENTRIES_PER_CHUNK 1024
/* Room kept free for one block's code; a block that needs more fails and is run by
 * the interpreter (never more than a few hundred KiB even for TCG_MAX_OPS ops). */
#define MAX_BLOCK_CODE (1u << 20)
#define MAX_VCPUS      256
/* The code buffer's pages are populated this many bytes at a time, ahead of the code
 * written (see populate_ahead). */
#define POPULATE_STEP (2u << 20)

typedef uintptr_t (*NativeEnterFn)(void *env, TCGExecState *es, const void *code,
                                   NativeExitInfo *info);

/* A compiled block. */
typedef struct NativeTB {
    TranslationBlock *tb;
    /* A copy of the TB's key: a TB freed and another allocated at the same address is
     * not taken for the old one (as long as tcg_native_flush is called at TB cache
     * flushes, this is only a safety net). */
    uint64_t pc, cs_base, phys_pc;
    uint32_t flags, cflags, nb_ops;
    const uint8_t *code; /* executable entry point, NULL: run on the interpreter */
    uint32_t code_size;
    /* Jump slots: where goto_tb n goes (the linked successor's code, or unlinked[n]). */
    const uint8_t *_Atomic chain[2];
    const uint8_t *unlinked[2];
    /* Links, under the lock: the entry each slot is linked to, and the slots linked to
     * this entry as a list of (entry | slot) threaded through the sources' link_next. */
    struct NativeTB *link_dest[2];
    uintptr_t link_next[2];
    uintptr_t incoming;
    struct NativeTB *_Atomic next;
} NativeTB;

typedef struct EntryChunk {
    struct EntryChunk *next;
    unsigned used;
    NativeTB entries[ENTRIES_PER_CHUNK];
} EntryChunk;

/* Whether one vCPU (one TCGExecState) may be running compiled code. */
typedef struct VcpuSlot {
    _Atomic(TCGExecState *) es; /* NULL: free */
    atomic_bool in_code;
} VcpuSlot;

struct TCGNative {
    NativeOptions opts;
    TCGNativeTLB tlb;
    TCGNativeLookup lookup;
    FILE *out_asm;
    FILE *perf_map; /* PACIFICA_PERFMAP: /tmp/perf-PID.map for perf to name blocks */
    void (*kick_all)(void *opaque);
    void *kick_opaque;

    pthread_mutex_t lock;
    CodeBuffer cb;
    TBIRBuffer ir_buf;  /* where blocks are unpacked to be compiled (under lock) */
    GenScratch scratch; /* the compiler's arrays (under lock) */
    size_t fixed_size;  /* prologue, epilogue and the null chain target */
    size_t populated;   /* bytes of the code buffer populated by populate_ahead */
    NativeEnterFn enter;
    uintptr_t epilogue;
    const uint8_t *null_target; /* code whose header names no TB */

    NativeTB *_Atomic *buckets;
    EntryChunk *chunks;

    VcpuSlot vcpus[MAX_VCPUS];
    atomic_bool flush_pending;

    atomic_uint_fast64_t compiled, failed, flushes, interp_runs, chain_links, lookups;
};

/* ---- the fixed code ---- */

static const HostReg saved_regs[] = {HR_RBP, HR_RBX, HR_R12, HR_R13, HR_R14, HR_R15};
#define NB_SAVED_REGS (sizeof(saved_regs) / sizeof(saved_regs[0]))

/* enter(env, es, code, info): saves the callee-saved registers, sets up the frame and
 * the fixed registers, and jumps to code; blocks leave through the epilogue with their
 * return value in rax. */
static bool x64_fixed_code(TCGNative *n)
{
    CodeBuffer *cb = &n->cb;
    Emitter e;
    x64_init(&e, cb->rw, 4096, cb->rx - cb->rw);
    for (unsigned i = 0; i < NB_SAVED_REGS; i++) {
        x64_push(&e, saved_regs[i]);
    }
    /* Six pushes after the return address keep rsp at 8 mod 16; FRAME_SIZE is 8 mod 16,
     * so calls from generated code see the 16-byte alignment the ABI requires. */
    _Static_assert(FRAME_SIZE % 16 == 8, "frame keeps rsp aligned");
    x64_alu_ri(&e, ALU_SUB, true, HR_RSP, FRAME_SIZE);
    x64_mov_rr(&e, true, REG_ENV, HR_RDI);
    x64_mov_rr(&e, true, REG_ES, HR_RSI);
    x64_store(&e, 8, HR_RCX, HR_RSP, FRAME_EXIT_INFO);
    x64_jmp_reg(&e, HR_RDX);

    x64_align(&e, 16, 0xcc);
    size_t epilogue = x64_offset(&e);
    x64_alu_ri(&e, ALU_ADD, true, HR_RSP, FRAME_SIZE);
    for (unsigned i = NB_SAVED_REGS; i-- > 0;) {
        x64_pop(&e, saved_regs[i]);
    }
    x64_ret(&e);

    /* A chain target whose header (TB pointer 0) matches no TB: chain caches start
     * here, so the first use of a goto_tb always takes the miss path. */
    x64_align(&e, 16, 0xcc);
    x64_u64(&e, 0);
    x64_u64(&e, 0);
    size_t null_target = x64_offset(&e);
    x64_byte(&e, 0x0f); /* ud2: never executed */
    x64_byte(&e, 0x0b);
    x64_align(&e, 16, 0xcc);
    if (e.overflow) {
        return false;
    }
    n->fixed_size = x64_offset(&e);
    codebuf_commit(cb, n->fixed_size, 16);
    n->enter = (NativeEnterFn)x64_rx_addr(&e, 0);
    n->epilogue = x64_rx_addr(&e, epilogue);
    n->null_target = (const uint8_t *)x64_rx_addr(&e, null_target);
    return true;
}

/* ---- host features and the TLB description ---- */

static void detect_features(NativeOptions *o, bool baseline_only)
{
    __builtin_cpu_init();
    o->has_bmi1 = !baseline_only && __builtin_cpu_supports("bmi");
    o->has_bmi2 = !baseline_only && __builtin_cpu_supports("bmi2");
}

/* Whether the inline lookup can address every entry with a 32-bit displacement from
 * env and mask the index with a 32-bit immediate. */
static bool tlb_description_usable(const TCGNativeTLB *t)
{
    if (!t->mmu_count || t->page_bits < t->entry_bits || t->page_bits >= 64 ||
        t->index_bits + t->entry_bits > 30 || t->fast_bits > INT32_MAX) {
        return false;
    }
    int64_t span = (int64_t)1 << (t->index_bits + t->entry_bits);
    int64_t fields[3] = {t->read_tag, t->write_tag, t->addend};
    for (unsigned i = 0; i < 3; i++) {
        int64_t lo = (int64_t)t->table_offset + fields[i];
        int64_t hi = lo + (int64_t)(t->mmu_count - 1) * (int64_t)t->mmu_stride + span;
        if (fields[i] < 0 || (fields[i] + 8) > ((int64_t)1 << t->entry_bits) || !fits_i32(lo) ||
            !fits_i32(hi)) {
            return false;
        }
    }
    return true;
}

/* ---- the table ---- */

static size_t bucket_of(const TranslationBlock *tb)
{
    uint64_t h = (uintptr_t)tb;
    h ^= h >> 29;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 32;
    return (size_t)(h & ((1u << BUCKET_BITS) - 1));
}

static bool entry_matches(const NativeTB *e, const TranslationBlock *tb)
{
    return e->tb == tb && e->pc == tb->pc && e->cs_base == tb->cs_base &&
           e->phys_pc == tb->phys_pc && e->flags == tb->flags && e->cflags == tb->cflags &&
           e->nb_ops == tb->nb_ops;
}

/* The generation a TB's cached entry must carry: changes at every flush, never 0 (a
 * new TB's value). */
static uint64_t current_gen(TCGNative *n)
{
    return atomic_load_explicit(&n->flushes, memory_order_relaxed) + 1;
}

/* tb's entry from the TB itself (NULL: not cached for this backend and generation).
 * The generation is stored last with release order, so a match guarantees the other
 * two fields; no flush can bump the generation while the caller may run code. */
static NativeTB *lookup_cached(TCGNative *n, TranslationBlock *tb)
{
    if (atomic_load_explicit(&tb->native_gen, memory_order_acquire) != current_gen(n) ||
        atomic_load_explicit(&tb->native_owner, memory_order_relaxed) != n) {
        return NULL;
    }
    return atomic_load_explicit(&tb->native_entry, memory_order_relaxed);
}

static NativeTB *lookup(TCGNative *n, TranslationBlock *tb)
{
    NativeTB *cached = lookup_cached(n, tb);
    if (cached) {
        return cached;
    }
    NativeTB *e = atomic_load_explicit(&n->buckets[bucket_of(tb)], memory_order_acquire);
    for (; e; e = atomic_load_explicit(&e->next, memory_order_acquire)) {
        if (entry_matches(e, tb)) {
            return e;
        }
    }
    return NULL;
}

static NativeTB *new_entry(TCGNative *n, TranslationBlock *tb)
{
    EntryChunk *c = n->chunks;
    if (!c || c->used == ENTRIES_PER_CHUNK) {
        c = malloc(sizeof(*c));
        if (!c) {
            return NULL;
        }
        c->next = n->chunks;
        c->used = 0;
        n->chunks = c;
    }
    NativeTB *e = &c->entries[c->used++];
    memset(e, 0, sizeof(*e));
    e->tb = tb;
    e->pc = tb->pc;
    e->cs_base = tb->cs_base;
    e->phys_pc = tb->phys_pc;
    e->flags = tb->flags;
    e->cflags = tb->cflags;
    e->nb_ops = tb->nb_ops;
    atomic_init(&e->chain[0], n->null_target);
    atomic_init(&e->chain[1], n->null_target);
    return e;
}

static void publish(TCGNative *n, NativeTB *e)
{
    NativeTB *_Atomic *bucket = &n->buckets[bucket_of(e->tb)];
    atomic_store_explicit(&e->next, atomic_load_explicit(bucket, memory_order_relaxed),
                          memory_order_relaxed);
    atomic_store_explicit(bucket, e, memory_order_release);
    TranslationBlock *tb = e->tb;
    atomic_store_explicit(&tb->native_owner, n, memory_order_relaxed);
    atomic_store_explicit(&tb->native_entry, e, memory_order_relaxed);
    atomic_store_explicit(&tb->native_gen, current_gen(n), memory_order_release);
}

/* ---- compiling ---- */

void *scratch_get(ScratchArray *a, size_t bytes, bool zero)
{
    if (bytes > a->bytes || !a->p) {
        size_t want = bytes > 2 * a->bytes ? bytes : 2 * a->bytes;
        void *p = malloc(want ? want : 1);
        if (!p) {
            return NULL;
        }
        free(a->p);
        a->p = p;
        a->bytes = want;
    }
    if (zero) {
        memset(a->p, 0, bytes);
    }
    return a->p;
}

void gen_scratch_free(GenScratch *s)
{
    ScratchArray *all[] = {&s->dead,     &s->op_bb,    &s->ts,          &s->label_pos, &s->live_in,
                           &s->live_out, &s->bb_first, &s->bb_last,     &s->use,       &s->def,
                           &s->patches,  &s->stubs,    &s->stub_stores, &s->slow};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        free(all[i]->p);
        *all[i] = (ScratchArray){NULL, 0};
    }
}

/* The arrays codegen grows itself start from the scratch ones... */
static void gen_take_grown(Gen *g, GenScratch *s)
{
    g->patches = s->patches.p;
    g->cap_patches = (uint32_t)(s->patches.bytes / sizeof(*g->patches));
    g->stubs = s->stubs.p;
    g->cap_stubs = (uint32_t)(s->stubs.bytes / sizeof(*g->stubs));
    g->stub_stores = s->stub_stores.p;
    g->cap_stub_stores = (uint32_t)(s->stub_stores.bytes / sizeof(*g->stub_stores));
    g->slow = s->slow.p;
    g->cap_slow = (uint32_t)(s->slow.bytes / sizeof(*g->slow));
}

/* ... and go back there, however far they grew. */
static void gen_free(Gen *g)
{
    GenScratch *s = g->scratch;
    s->patches = (ScratchArray){g->patches, (size_t)g->cap_patches * sizeof(*g->patches)};
    s->stubs = (ScratchArray){g->stubs, (size_t)g->cap_stubs * sizeof(*g->stubs)};
    s->stub_stores =
        (ScratchArray){g->stub_stores, (size_t)g->cap_stub_stores * sizeof(*g->stub_stores)};
    s->slow = (ScratchArray){g->slow, (size_t)g->cap_slow * sizeof(*g->slow)};
}

typedef enum CompileResult { COMPILE_OK, COMPILE_REFUSED, COMPILE_NO_ROOM } CompileResult;

/* Maps the code buffer's next pages before code is written there: a page fault for
 * every 4 KiB written (two with the dual mapping: a write fault on the RW view, then
 * an exec fault on the RX view) cost about 1% of a Linux boot; one madvise populates
 * POPULATE_STEP bytes of both views. Pages stay populated across flushes. Failure
 * (a kernel before 5.14) only means the faults are taken as before. */
static void populate_ahead(TCGNative *n)
{
    CodeBuffer *cb = &n->cb;
    if (cb->used + POPULATE_STEP / 2 < n->populated || n->populated >= cb->size) {
        return;
    }
    size_t len = cb->size - n->populated < POPULATE_STEP ? cb->size - n->populated : POPULATE_STEP;
#ifdef MADV_POPULATE_WRITE
    madvise(cb->rw + n->populated, len, MADV_POPULATE_WRITE);
    if (cb->rx != cb->rw) {
        madvise(cb->rx + n->populated, len, MADV_POPULATE_READ);
    }
#endif
    n->populated += len;
}

/* tb's IR to compile: the builder's arrays when es's thread has just built tb (no
 * unpacking), else unpacked into n->ir_buf. */
static const TBIR *ir_to_compile(TCGNative *n, TranslationBlock *tb, const TCGExecState *es)
{
    if (es && es->builder && tb->builder == es->builder && es->builder->ir_tb == tb) {
        return tb_ir_of_context(es->builder, &n->ir_buf);
    }
    return tb_ir_view(tb, &n->ir_buf);
}

/* Compiles tb into the free space of the code buffer, for entry e; es: the vCPU
 * compiling, or NULL. */
static CompileResult compile_into(TCGNative *n, TranslationBlock *tb, NativeTB *e,
                                  const TCGExecState *es)
{
    CodeBuffer *cb = &n->cb;
    if (tb->nb_temps > TCG_MAX_TEMPS) {
        return COMPILE_REFUSED;
    }
    Gen g;
    memset(&g, 0, sizeof(g));
    g.tb = tb;
    g.ir = ir_to_compile(n, tb, es);
    g.cfg = &n->opts;
    g.ops = g.ir->ops;
    g.nb_ops = g.ir->nb_ops;
    g.nb_temps = g.ir->nb_temps;
    g.live_words = (tb->nb_temps + 63) / 64;
    g.epilogue = n->epilogue;
    g.code_gen = current_gen(n);
    g.chain_cache = e->chain;
    GenScratch *sc = &n->scratch;
    g.scratch = sc;
    gen_take_grown(&g, sc);
    size_t nops = tb->nb_ops ? tb->nb_ops : 1;
    g.dead = scratch_get(&sc->dead, nops * sizeof(*g.dead), true);
    g.op_bb = scratch_get(&sc->op_bb, nops * sizeof(*g.op_bb), true);
    g.ts = scratch_get(&sc->ts, (tb->nb_temps ? tb->nb_temps : 1) * sizeof(*g.ts), true);
    g.label_pos = scratch_get(&sc->label_pos,
                              (tb->nb_labels ? tb->nb_labels : 1) * sizeof(*g.label_pos), true);
    if (!g.dead || !g.op_bb || !g.ts || !g.label_pos || !native_analyze(&g)) {
        gen_free(&g);
        return COMPILE_REFUSED;
    }
    /* The code is preceded by its TB's address (for the chain check), and starts
     * 16-byte aligned. */
    populate_ahead(n);
    size_t start = cb->used;
    if ((start + 8) % 16) {
        start += 16 - (start + 8) % 16;
    }
    if (start + 64 >= cb->size) {
        gen_free(&g);
        return COMPILE_NO_ROOM;
    }
    size_t room = cb->size - start;
    x64_init(&g.e, cb->rw + start, room, cb->rx - cb->rw);
    x64_u64(&g.e, (uintptr_t)tb);
    bool ok = native_gen_block(&g);
    CompileResult r = ok                          ? COMPILE_OK
                      : g.e.overflow && !g.failed ? COMPILE_NO_ROOM
                                                  : COMPILE_REFUSED;
    if (r == COMPILE_NO_ROOM && room >= MAX_BLOCK_CODE + 64) {
        r = COMPILE_REFUSED; /* it would not fit an empty buffer either */
    }
    if (r == COMPILE_OK) {
        for (unsigned k = 0; k < 2; k++) {
            if (g.goto_tb_unlinked[k]) {
                e->unlinked[k] = codebuf_rx_of(cb, cb->rw + start + g.goto_tb_unlinked[k]);
                atomic_init(&e->chain[k], e->unlinked[k]);
            }
        }
        e->code = (const uint8_t *)codebuf_rx_of(cb, cb->rw + start + 8);
        e->code_size = (uint32_t)(x64_offset(&g.e) - 8);
        cb->used = start;
        codebuf_commit(cb, x64_offset(&g.e), 8);
    }
    gen_free(&g);
    return r;
}

/* Everything goes: called with the lock held, when no thread runs compiled code. */
static void do_flush(TCGNative *n)
{
    for (size_t i = 0; i < ((size_t)1 << BUCKET_BITS); i++) {
        atomic_store_explicit(&n->buckets[i], NULL, memory_order_relaxed);
    }
    while (n->chunks) {
        EntryChunk *c = n->chunks;
        n->chunks = c->next;
        free(c);
    }
    codebuf_reset(&n->cb);
    codebuf_commit(&n->cb, n->fixed_size, 16);
    atomic_fetch_add(&n->flushes, 1);
    atomic_store(&n->flush_pending, false);
}

static void request_flush(TCGNative *n)
{
    atomic_store(&n->flush_pending, true);
    if (n->kick_all) {
        n->kick_all(n->kick_opaque);
    }
}

static void print_block(TCGNative *n, const NativeTB *e)
{
    FILE *out = n->out_asm;
    fprintf(out, "OUT: [size=%u] pc 0x%016llx\n", e->code_size, (unsigned long long)e->pc);
    tcg_native_disas(out, e->code, e->code_size);
    fputc('\n', out);
    fflush(out);
}

/* perf's JIT symbol map (tools/perf/Documentation/jit-interface.txt): one line
 * "START SIZE name" per code range, hex addresses, read when perf report runs. A flush
 * reuses addresses; perf takes the last line covering a sample's address. */
static void perf_map_block(TCGNative *n, const NativeTB *e)
{
    fprintf(n->perf_map, "%" PRIxPTR " %x guest_0x%" PRIx64 "\n", (uintptr_t)e->code, e->code_size,
            e->pc);
    fflush(n->perf_map);
}

static void perf_map_open(TCGNative *n)
{
    const char *want = getenv("PACIFICA_PERFMAP");
    if (!want || !*want || !strcmp(want, "0")) {
        return;
    }
    char path[64];
    snprintf(path, sizeof(path), "/tmp/perf-%ld.map", (long)getpid());
    n->perf_map = fopen(path, "w");
    if (!n->perf_map) {
        fprintf(stderr, "pacifica: PACIFICA_PERFMAP: cannot write %s\n", path);
        return;
    }
    fprintf(n->perf_map, "%" PRIxPTR " %zx pacifica_prologue_epilogue\n", (uintptr_t)n->enter,
            n->fixed_size);
    fflush(n->perf_map);
}

static bool no_vcpu_in_code(TCGNative *n, const VcpuSlot *except);

/* Compiles tb for a new entry and publishes it (lock held); NULL when the buffer is
 * full. */
static NativeTB *compile_new(TCGNative *n, TranslationBlock *tb, const TCGExecState *es,
                             CompileResult *result)
{
    NativeTB *e = new_entry(n, tb);
    CompileResult r = e ? compile_into(n, tb, e, es) : COMPILE_NO_ROOM;
    *result = r;
    if (r == COMPILE_NO_ROOM) {
        return NULL;
    }
    atomic_fetch_add(r == COMPILE_OK ? &n->compiled : &n->failed, 1);
    if (r == COMPILE_OK && n->out_asm) {
        print_block(n, e);
    }
    if (r == COMPILE_OK && n->perf_map) {
        perf_map_block(n, e);
    }
    publish(n, e);
    return e;
}

/* The entry for tb, compiled now if needed. self is the caller's slot: the caller is
 * between blocks, so when the buffer is full and no other vCPU is in compiled code the
 * flush happens right here (*flushed then says so: entries read before are gone).
 * NULL when the code cannot be had now (a flush is pending). */
static NativeTB *find_or_compile(TCGNative *n, TranslationBlock *tb, const VcpuSlot *self,
                                 bool *flushed)
{
    *flushed = false;
    NativeTB *e = lookup(n, tb);
    if (e) {
        return e;
    }
    pthread_mutex_lock(&n->lock);
    e = lookup(n, tb);
    if (!e && !atomic_load(&n->flush_pending)) {
        const TCGExecState *es =
            self ? atomic_load_explicit(&self->es, memory_order_relaxed) : NULL;
        CompileResult r;
        e = compile_new(n, tb, es, &r);
        if (r == COMPILE_NO_ROOM) {
            request_flush(n);
            if (no_vcpu_in_code(n, self)) {
                do_flush(n);
                *flushed = true;
                e = compile_new(n, tb, es, &r);
                if (r == COMPILE_NO_ROOM) {
                    /* Too big for the whole buffer: the interpreter runs it, always. */
                    e = new_entry(n, tb);
                    if (e) {
                        atomic_fetch_add(&n->failed, 1);
                        publish(n, e);
                    }
                }
            }
        }
    }
    pthread_mutex_unlock(&n->lock);
    return e;
}

/* ---- running ---- */

static bool no_vcpu_in_code(TCGNative *n, const VcpuSlot *except)
{
    for (unsigned i = 0; i < MAX_VCPUS; i++) {
        if (&n->vcpus[i] != except && atomic_load(&n->vcpus[i].in_code)) {
            return false;
        }
    }
    return true;
}

static void try_flush(TCGNative *n)
{
    pthread_mutex_lock(&n->lock);
    if (atomic_load(&n->flush_pending) && no_vcpu_in_code(n, NULL)) {
        do_flush(n);
    }
    pthread_mutex_unlock(&n->lock);
}

/* es's slot, claimed on first use; NULL when all are taken (es then always runs on
 * the interpreter). */
static VcpuSlot *vcpu_slot(TCGNative *n, TCGExecState *es)
{
    for (unsigned i = 0; i < MAX_VCPUS; i++) {
        TCGExecState *owner = atomic_load_explicit(&n->vcpus[i].es, memory_order_acquire);
        if (owner == es) {
            return &n->vcpus[i];
        }
        if (!owner) {
            TCGExecState *expected = NULL;
            if (atomic_compare_exchange_strong(&n->vcpus[i].es, &expected, es) || expected == es) {
                return &n->vcpus[i];
            }
        }
    }
    return NULL;
}

/* Marks es as possibly in compiled code, unless a flush is pending (the flusher sees
 * either our mark or we see its flag: both are seq_cst). */
static VcpuSlot *enter_native(TCGNative *n, TCGExecState *es)
{
    VcpuSlot *slot = vcpu_slot(n, es);
    if (!slot) {
        return NULL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        atomic_store(&slot->in_code, true);
        if (!atomic_load(&n->flush_pending)) {
            return slot;
        }
        atomic_store(&slot->in_code, false);
        try_flush(n);
    }
    return NULL;
}

static void leave_native(VcpuSlot *slot)
{
    atomic_store(&slot->in_code, false);
}

static uintptr_t run_interpreted(TCGNative *n, TCGExecState *es, TranslationBlock *tb)
{
    atomic_fetch_add(&n->interp_runs, 1);
    return tcg_interp_exec(es, tb);
}

/* ---- jump slots ---- */

/* Takes slot k of f out of its successor's incoming list (lock held). */
static void unlink_slot(NativeTB *f, unsigned k)
{
    NativeTB *d = f->link_dest[k];
    if (!d) {
        return;
    }
    uintptr_t me = (uintptr_t)f | k;
    uintptr_t *at = &d->incoming;
    while (*at && *at != me) {
        NativeTB *src = (NativeTB *)(*at & ~(uintptr_t)1);
        at = &src->link_next[*at & 1];
    }
    if (*at) {
        *at = f->link_next[k];
    }
    f->link_dest[k] = NULL;
    f->link_next[k] = 0;
}

/* goto_tb slot k of from's code goes to d's code from now on, unless either TB is
 * invalid (a later invalidation of d resets the slot). */
static void link_slot(TCGNative *n, TranslationBlock *from, unsigned k, NativeTB *d)
{
    pthread_mutex_lock(&n->lock);
    NativeTB *f = lookup_cached(n, from);
    if (f && f->code && f->unlinked[k] && d->code && !atomic_load(&from->invalid) &&
        !atomic_load(&d->tb->invalid) && f->link_dest[k] != d) {
        unlink_slot(f, k);
        f->link_dest[k] = d;
        f->link_next[k] = d->incoming;
        d->incoming = (uintptr_t)f | k;
        atomic_store_explicit(&f->chain[k], d->code, memory_order_release);
        atomic_fetch_add_explicit(&n->chain_links, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&n->lock);
}

void tcg_native_tb_invalidated(void *opaque, TranslationBlock *tb)
{
    TCGNative *n = opaque;
    pthread_mutex_lock(&n->lock);
    NativeTB *d = lookup_cached(n, tb);
    while (d && d->incoming) {
        NativeTB *f = (NativeTB *)(d->incoming & ~(uintptr_t)1);
        unsigned k = d->incoming & 1;
        d->incoming = f->link_next[k];
        f->link_dest[k] = NULL;
        f->link_next[k] = 0;
        atomic_store_explicit(&f->chain[k], f->unlinked[k], memory_order_release);
    }
    pthread_mutex_unlock(&n->lock);
}

/* After a block returned ret: the next block to run without going back to the vCPU
 * loop (es->next_block), or NULL. An unlinked goto_tb slot is linked on the way, as
 * the vCPU loop would. */
static TranslationBlock *follow_exit(TCGExecState *es, uintptr_t ret)
{
    unsigned why = ret & TB_EXIT_MASK;
    if (!es->next_block || why == TB_EXIT_REQUESTED) {
        return NULL;
    }
    TranslationBlock *next = es->next_block(es);
    if (next && why != TB_EXIT_NOCHAIN) {
        TranslationBlock *from = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
        if (!atomic_load(&from->invalid)) {
            atomic_store(&from->jmp_dest[why], next);
        }
    }
    return next;
}

/* The code address of tb for an exit's lookup: from the jump-cache slot es->next_block
 * found tb in (es->next_entry) while it was filled under the current generation, so a
 * hit touches neither the TB nor its entry; else from the TB, recorded in the slot. */
static const uint8_t *lookup_code(TCGNative *n, TCGExecState *es, TranslationBlock *tb)
{
    uint64_t gen = current_gen(n);
    TBJumpEntry *slot = es->next_entry;
    if (slot && slot->code_gen == gen) {
        return slot->code;
    }
    NativeTB *e = lookup_cached(n, tb);
    if (!e || !e->code) {
        return NULL;
    }
    if (slot) {
        slot->code = e->code;
        slot->code_gen = gen;
    }
    return e->code;
}

/* The lookup of an exit_tb with TCG_EXIT_LOOKUP, called from compiled code: the vCPU
 * stays in compiled code (its slot set) and goes on in the next block's code when
 * es->next_block finds that block, nothing is pending, no flush waits and the block is
 * compiled already; otherwise the block exits to run_in_code, which does the rest
 * (compiling, flushing, the vCPU loop). Entries and code are freed only by a flush,
 * which cannot happen while this vCPU's slot is set. */
const uint8_t *native_lookup_next(TCGExecState *es, NativeExitInfo *info)
{
    TCGNative *n = info->native;
    if (!es->next_block || atomic_load_explicit(&n->flush_pending, memory_order_relaxed)) {
        return NULL;
    }
    es->next_entry = NULL; /* for a next_block that does not set it */
    TranslationBlock *tb = es->next_block(es);
    if (!tb) {
        return NULL;
    }
    const uint8_t *code = lookup_code(n, es, tb);
    if (code) {
        info->lookups++;
    }
    return code;
}

/* Runs tb's code and what it chains to, with the caller's slot marked in code; stops
 * at an exit es->next_block does not continue from, or when a flush is pending (the
 * caller then leaves compiled code: *tb_inout is the block to run next). Returns the
 * exit value, or NATIVE_RET_CHAIN with *tb_inout updated to go on. */
static uintptr_t run_in_code(TCGNative *n, TCGExecState *es, VcpuSlot *slot,
                             TranslationBlock **tb_inout)
{
    TranslationBlock *tb = *tb_inout;
    for (;;) {
        bool flushed;
        NativeTB *e = find_or_compile(n, tb, slot, &flushed);
        if (!e || !e->code) {
            leave_native(slot);
            uintptr_t ret = run_interpreted(n, es, tb);
            *tb_inout = follow_exit(es, ret);
            return *tb_inout ? NATIVE_RET_CHAIN : ret;
        }
        NativeExitInfo info = {NULL, NULL, n, 0};
        uintptr_t ret = n->enter(es->env, es, e->code, &info);
        if (info.lookups) {
            atomic_fetch_add_explicit(&n->lookups, info.lookups, memory_order_relaxed);
        }
        if (ret == NATIVE_RET_CHAIN) {
            /* goto_tb found a linked successor it had no code address for. */
            tb = info.chain_dest;
            NativeTB *d = find_or_compile(n, tb, slot, &flushed);
            if (d && d->code && !flushed) {
                atomic_store_explicit(info.chain_cache, d->code, memory_order_release);
                atomic_fetch_add(&n->chain_links, 1);
            }
        } else {
            tb = follow_exit(es, ret);
            if (!tb) {
                leave_native(slot);
                return ret;
            }
            unsigned why = ret & TB_EXIT_MASK;
            if (why <= TB_EXIT_IDX1) {
                /* An unlinked goto_tb: link its jump slot to the successor. */
                NativeTB *d = find_or_compile(n, tb, slot, &flushed);
                if (d && d->code && !flushed) {
                    link_slot(n, (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK), why, d);
                }
            }
        }
        if (atomic_load_explicit(&n->flush_pending, memory_order_relaxed)) {
            leave_native(slot);
            *tb_inout = tb;
            return NATIVE_RET_CHAIN;
        }
    }
}

uintptr_t tcg_native_run(TCGNative *n, TCGExecState *es, TranslationBlock *tb)
{
    for (;;) {
        VcpuSlot *slot = enter_native(n, es);
        if (!slot) {
            uintptr_t ret = run_interpreted(n, es, tb);
            tb = follow_exit(es, ret);
            if (!tb) {
                return ret;
            }
            continue;
        }
        uintptr_t ret = run_in_code(n, es, slot, &tb);
        if (ret != NATIVE_RET_CHAIN) {
            return ret;
        }
    }
}

void tcg_native_forget_vcpu(TCGNative *n, TCGExecState *es)
{
    for (unsigned i = 0; i < MAX_VCPUS; i++) {
        if (atomic_load(&n->vcpus[i].es) == es) {
            atomic_store(&n->vcpus[i].in_code, false);
            atomic_store(&n->vcpus[i].es, NULL);
        }
    }
    if (atomic_load(&n->flush_pending)) {
        try_flush(n);
    }
}

void tcg_native_left_by_fault(TCGNative *n, TCGExecState *es)
{
    VcpuSlot *slot = vcpu_slot(n, es);
    if (slot) {
        leave_native(slot);
    }
    if (atomic_load(&n->flush_pending)) {
        try_flush(n);
    }
}

/* ---- the object ---- */

TCGNative *tcg_native_new(const TCGNativeConfig *cfg)
{
    TCGNativeConfig defaults = {0};
    if (!cfg) {
        cfg = &defaults;
    }
    TCGNative *n = calloc(1, sizeof(*n));
    if (!n) {
        return NULL;
    }
    size_t size = cfg->code_size ? cfg->code_size : DEFAULT_CODE_SIZE;
    if (size < MIN_CODE_SIZE) {
        size = MIN_CODE_SIZE;
    }
    n->buckets = calloc((size_t)1 << BUCKET_BITS, sizeof(*n->buckets));
    if (!n->buckets || !codebuf_init(&n->cb, size)) {
        free(n->buckets);
        free(n);
        return NULL;
    }
    if (!x64_fixed_code(n)) {
        codebuf_destroy(&n->cb);
        free(n->buckets);
        free(n);
        return NULL;
    }
    detect_features(&n->opts, cfg->baseline_only);
    if (cfg->tlb && tlb_description_usable(cfg->tlb)) {
        n->tlb = *cfg->tlb;
        n->opts.tlb = &n->tlb;
    }
    if (cfg->lookup) {
        n->lookup = *cfg->lookup;
        n->opts.lookup = &n->lookup;
    }
    n->opts.flush_pending = &n->flush_pending;
    n->out_asm = cfg->out_asm;
    perf_map_open(n);
    n->kick_all = cfg->kick_all;
    n->kick_opaque = cfg->kick_opaque;
    pthread_mutex_init(&n->lock, NULL);
    return n;
}

void tcg_native_free(TCGNative *n)
{
    if (!n) {
        return;
    }
    while (n->chunks) {
        EntryChunk *c = n->chunks;
        n->chunks = c->next;
        free(c);
    }
    if (n->perf_map) {
        fclose(n->perf_map);
    }
    codebuf_destroy(&n->cb);
    tb_ir_buffer_destroy(&n->ir_buf);
    gen_scratch_free(&n->scratch);
    free(n->buckets);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

void tcg_native_flush(TCGNative *n)
{
    request_flush(n);
    try_flush(n);
}

/* Compiling or reading code outside a vCPU: under the lock, which a flush needs too. */
bool tcg_native_prepare(TCGNative *n, TranslationBlock *tb)
{
    pthread_mutex_lock(&n->lock);
    NativeTB *e = lookup(n, tb);
    if (!e && !atomic_load(&n->flush_pending)) {
        CompileResult r;
        e = compile_new(n, tb, NULL, &r);
        if (r == COMPILE_NO_ROOM) {
            request_flush(n);
        }
    }
    bool ok = e && e->code;
    pthread_mutex_unlock(&n->lock);
    return ok;
}

bool tcg_native_link(TCGNative *n, TranslationBlock *from, unsigned slot, TranslationBlock *to)
{
    /* A full buffer is flushed (nothing runs compiled code here) and both compiled again
     * into the empty one: a link made before a flush would be gone. */
    bool ready = false;
    for (int attempt = 0; attempt < 2 && !ready; attempt++) {
        ready = tcg_native_prepare(n, from) && tcg_native_prepare(n, to);
        if (!ready && atomic_load(&n->flush_pending)) {
            try_flush(n);
        }
    }
    if (!ready) {
        return false;
    }
    pthread_mutex_lock(&n->lock);
    NativeTB *d = lookup(n, to);
    pthread_mutex_unlock(&n->lock);
    if (!d || !d->code) {
        return false;
    }
    link_slot(n, from, slot & 1, d);
    return true;
}

bool tcg_native_dump_tb(TCGNative *n, TranslationBlock *tb, FILE *out)
{
    pthread_mutex_lock(&n->lock);
    NativeTB *e = lookup(n, tb);
    bool ok = e && e->code;
    if (ok) {
        tcg_native_disas(out, e->code, e->code_size);
    }
    pthread_mutex_unlock(&n->lock);
    return ok;
}

void tcg_native_disas(FILE *out, const void *code, size_t size)
{
    csh handle;
    const uint8_t *p = code;
    uint64_t addr = (uintptr_t)code;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        for (size_t i = 0; i < size; i++) {
            fprintf(out, "0x%016llx:  .byte 0x%02x\n", (unsigned long long)(addr + i), p[i]);
        }
        return;
    }
    cs_insn *insn = cs_malloc(handle);
    while (size > 0) {
        if (cs_disasm_iter(handle, &p, &size, &addr, insn)) {
            fprintf(out, "0x%016llx:  %s %s\n", (unsigned long long)insn->address, insn->mnemonic,
                    insn->op_str);
        } else {
            fprintf(out, "0x%016llx:  .byte 0x%02x\n", (unsigned long long)addr, *p);
            p++;
            size--;
            addr++;
        }
    }
    cs_free(insn, 1);
    cs_close(&handle);
}

void tcg_native_get_stats(TCGNative *n, TCGNativeStats *stats)
{
    pthread_mutex_lock(&n->lock);
    stats->compiled = atomic_load(&n->compiled);
    stats->failed = atomic_load(&n->failed);
    stats->flushes = atomic_load(&n->flushes);
    stats->interp_runs = atomic_load(&n->interp_runs);
    stats->chain_links = atomic_load(&n->chain_links);
    stats->lookups = atomic_load(&n->lookups);
    stats->code_bytes = n->cb.used;
    stats->dual_mapping = n->cb.dual;
    pthread_mutex_unlock(&n->lock);
}
