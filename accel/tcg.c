/* The TCG accelerator: one host thread per vCPU, each translating guest code into
 * blocks (shared cache) and running them as native host code (tcg/x86_64), or with the
 * IR interpreter under -accel tcg,backend=interp. */
#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "accel/tcg-run.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/fpu_helper.h"
#include "cpu/x86/seg_helper.h"
#include "cpu/x86/tb-key.h"
#include "cpu/x86/tlb.h"
#include "system/debug.h"
#include "tcg/x86_64/native.h"

/* What TCGExecState.next_block needs to find a vCPU's next block (tcg_next_block). */
typedef struct TcgBlockLookup {
    X86CPU *cpu;
    TBCache *tbc;
    TBJumpCache *jc;
    const atomic_bool *stop;
    /* The vCPU thread's translator and log, for blocks not translated yet. */
    X86Translator *t;
    const Log *log;
} TcgBlockLookup;

typedef struct TcgVcpu {
    X86CPU cpu;
    TcgBlockLookup lookup;
    pthread_t thread;
    bool running;
    /* In the wait-for-SIPI state (SDM 3A §9.4: application processors after reset or
     * INIT); only a start-up IPI makes it run. */
    atomic_bool wait_for_sipi;
    struct TcgAccel *accel;
    TBJumpCache jmp_cache;
} TcgVcpu;

typedef struct TcgAccel {
    Machine *m;
    TBCache tbc;
    TCGNative *native; /* NULL: blocks run on the IR interpreter */
    unsigned ncpus;
    TcgVcpu *vcpus;
    atomic_bool stop;
    pthread_mutex_t halt_lock;
    pthread_cond_t halt_cond;
} TcgAccel;

/* Every vCPU leaves guest code at its next instruction boundary and re-checks what it
 * should do; halted ones wake up. */
static void tcg_kick_vcpus(void *opaque)
{
    TcgAccel *a = opaque;
    for (unsigned i = 0; i < a->ncpus; i++)
        atomic_store(&a->vcpus[i].cpu.exec.exit_request, 1);
    pthread_mutex_lock(&a->halt_lock);
    pthread_cond_broadcast(&a->halt_cond);
    pthread_mutex_unlock(&a->halt_lock);
}

/* ---- the native backend ---- */

/* The vCPU's software TLB (cpu/x86/tlb.h) as the backend's inline lookup reads it:
 * offsets from env, which is the first member of X86CPU. */
_Static_assert(sizeof(X86TLBEntry) == 32, "TLB entries are 1 << 5 bytes");
_Static_assert(offsetof(X86CPU, env) == 0, "env starts the X86CPU");
static const TCGNativeTLB x86_native_tlb = {
    .table_offset = offsetof(X86CPU, tlb) + offsetof(X86TLB, table),
    .mmu_stride = sizeof(X86TLBEntry) * X86_TLB_SIZE,
    .mmu_count = X86_TLB_MMU_COUNT,
    .index_bits = X86_TLB_BITS,
    .page_bits = X86_PAGE_BITS,
    .entry_bits = 5,
    .read_tag = offsetof(X86TLBEntry, tag_read),
    .write_tag = offsetof(X86TLBEntry, tag_write),
    .addend = offsetof(X86TLBEntry, addend),
    .fast_bits = X86_TLB_FAST,
};

/* What the inline jump-cache probe of compiled code reads (tcg/x86_64/native.h), as
 * x86_tb_key and tcg_next_block do: rIP, the TLB's generation and interrupt_request. */
static const TCGNativeLookup x86_native_lookup = {
    .ip = offsetof(CPUX86State, rip),
    .wide_pc_flag = HF_CS64,
    .xlat_gen = offsetof(X86CPU, tlb) + offsetof(X86TLB, generation),
    .stable_gen = offsetof(X86CPU, tlb) + offsetof(X86TLB, global_generation),
    .pending = offsetof(X86CPU, interrupt_request),
};
_Static_assert(sizeof(((X86CPU *)0)->interrupt_request) == 4, "a 32-bit pending word");
_Static_assert(X86_TLB_GEN_GLOBAL == TB_XLAT_GEN_STABLE, "global slots are stable slots");

static void tcg_native_flush_hook(void *opaque)
{
    tcg_native_flush(opaque);
}

/* A code buffer shared by every vCPU of the machine (or of a test runner), dropped
 * whenever the TB cache is flushed. kick makes running vCPUs leave compiled code so
 * that a full buffer can be emptied. out_asm: -d out_asm's stream, or NULL. */
static TCGNative *tcg_native_create(TBCache *tbc, void (*kick)(void *), void *kick_opaque,
                                    FILE *out_asm)
{
    TCGNativeConfig cfg = {
        .tlb = &x86_native_tlb,
        .lookup = &x86_native_lookup,
        .out_asm = out_asm,
        .kick_all = kick,
        .kick_opaque = kick_opaque,
    };
    TCGNative *n = tcg_native_new(&cfg);
    if (n) {
        tbc->on_flush = tcg_native_flush_hook;
        tbc->on_flush_opaque = n;
        tbc->on_invalidate = tcg_native_tb_invalidated;
        tbc->on_invalidate_opaque = n;
    }
    return n;
}

/* Runs tb (and what it chains to) on the machine's backend. Compiled code inlines TLB
 * lookups without the memory-map check the C entry points do, so the TLB is brought up
 * to date first (memory map changes kick every vCPU out to here). */
static uintptr_t tcg_exec_block(TCGNative *native, X86CPU *cpu, TranslationBlock *tb)
{
    if (!native)
        return tcg_interp_exec(&cpu->exec, tb);
    x86_tlb_sync_memory_map(&cpu->env);
    return tcg_native_run(native, &cpu->exec, tb);
}

/* INTR of one vCPU (from the PIC/APIC): a rising line makes the vCPU look at it at its
 * next instruction boundary, or wakes it from HLT. */
static void tcg_set_cpu_intr(void *opaque, int cpu_index, int level)
{
    TcgAccel *a = opaque;
    if (cpu_index < 0 || (unsigned)cpu_index >= a->ncpus)
        return;
    X86CPU *cpu = &a->vcpus[cpu_index].cpu;
    if (level) {
        atomic_fetch_or(&cpu->interrupt_request, CPU_INTERRUPT_HARD);
        atomic_store(&cpu->exec.exit_request, 1);
        pthread_mutex_lock(&a->halt_lock);
        pthread_cond_broadcast(&a->halt_cond);
        pthread_mutex_unlock(&a->halt_lock);
    } else {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_HARD);
    }
}

static void tcg_post_event(TcgAccel *a, int cpu_index, unsigned bit)
{
    if (cpu_index < 0 || (unsigned)cpu_index >= a->ncpus)
        return;
    X86CPU *cpu = &a->vcpus[cpu_index].cpu;
    atomic_fetch_or(&cpu->interrupt_request, bit);
    atomic_store(&cpu->exec.exit_request, 1);
    pthread_mutex_lock(&a->halt_lock);
    pthread_cond_broadcast(&a->halt_cond);
    pthread_mutex_unlock(&a->halt_lock);
}

static void tcg_cpu_nmi(void *opaque, int cpu_index)
{
    tcg_post_event(opaque, cpu_index, CPU_INTERRUPT_NMI);
}

static void tcg_cpu_init(void *opaque, int cpu_index)
{
    TcgAccel *a = opaque;
    /* A start-up IPI sent before this INIT is void (the INIT resets the processor);
     * one sent after it must survive until the vCPU thread handles both: with more
     * vCPUs than host CPUs, Linux's INIT, SIPI, SIPI sequence may all arrive before
     * the application processor's thread runs. */
    if (cpu_index >= 0 && (unsigned)cpu_index < a->ncpus)
        atomic_fetch_and(&a->vcpus[cpu_index].cpu.interrupt_request, ~(unsigned)CPU_INTERRUPT_SIPI);
    tcg_post_event(opaque, cpu_index, CPU_INTERRUPT_INIT);
}

static void tcg_cpu_sipi(void *opaque, int cpu_index, uint8_t vector)
{
    TcgAccel *a = opaque;
    if (cpu_index < 0 || (unsigned)cpu_index >= a->ncpus)
        return;
    a->vcpus[cpu_index].cpu.sipi_vector = vector;
    tcg_post_event(a, cpu_index, CPU_INTERRUPT_SIPI);
}

/* INIT and SIPI, on the vCPU's own thread (SDM 3A §9.4.4): INIT puts the processor in
 * its reset state, waiting for a start-up IPI; a SIPI then starts it in real mode at
 * vector * 4 KiB (CS = vector << 8, IP = 0). A SIPI outside wait-for-SIPI is ignored. */
static void tcg_handle_init_sipi(TcgAccel *a, X86CPU *cpu)
{
    TcgVcpu *v = &a->vcpus[cpu->index];
    unsigned req = atomic_load(&cpu->interrupt_request);
    if (req & CPU_INTERRUPT_INIT) {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_INIT);
        x87_release_ferr(&cpu->env); /* the reset clears the x87 state, ES included */
        x86_cpu_reset(cpu);
        cpu->env.halted = true;
        atomic_store(&v->wait_for_sipi, true);
        /* A SIPI still pending came after the INIT (tcg_cpu_init drops earlier ones). */
        req = atomic_load(&cpu->interrupt_request);
    }
    if (req & CPU_INTERRUPT_SIPI) {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_SIPI);
        if (!atomic_load(&v->wait_for_sipi))
            return;
        CPUX86State *env = &cpu->env;
        uint8_t vector = cpu->sipi_vector;
        env->segs[R_CS].selector = (uint32_t)vector << 8;
        env->segs[R_CS].base = (uint64_t)vector << 12;
        env->rip = 0;
        env->halted = false;
        atomic_store(&v->wait_for_sipi, false);
    }
}

/* Whether a maskable interrupt can be taken now (SDM 3A §6.8.1: IF set, no STI/MOV SS
 * shadow). */
static bool tcg_interrupt_deliverable(const X86CPU *cpu)
{
    return (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD) &&
           (cpu->env.eflags & IF_MASK) && !cpu->env.inhibit_irq;
}

/* A triple fault while an event was delivered (x86_do_interrupt resolves nested faults
 * itself and reports a shutdown this way): the machine resets (SDM 3A §6.15, #DF). */
static void tcg_check_shutdown(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    if (env->exception_index != EXCP_SHUTDOWN)
        return;
    env->exception_index = -1;
    log_printf(&cpu->machine->log, LOG_INT | LOG_GUEST_ERROR, "cpu%d: triple fault\n", cpu->index);
    machine_request_reset(cpu->machine);
    env->halted = true;
}

/* Takes a pending external interrupt: the acknowledge cycle gives the vector. Runs
 * between instructions, inside the vCPU's sigsetjmp scope. */
static void tcg_take_interrupt(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    if (!tcg_interrupt_deliverable(cpu) || !m->interrupt_ack)
        return;
    pthread_mutex_lock(&m->lock);
    int vector = m->interrupt_ack(m->interrupt_ack_opaque, cpu->index);
    pthread_mutex_unlock(&m->lock);
    log_printf(&m->log, LOG_INT, "cpu%d: external interrupt vector 0x%02x\n", cpu->index, vector);
    x86_cpu_take_interrupt(cpu, vector);
    tcg_check_shutdown(cpu);
}

/* Application processors wait for INIT/SIPI (with the APIC, later); the board may move
 * the boot CPU to a directly loaded kernel. */
static void tcg_after_reset(TcgAccel *a, X86CPU *cpu)
{
    cpu->env.halted = cpu->index != 0;
    atomic_store(&a->vcpus[cpu->index].wait_for_sipi, cpu->index != 0);
    if (a->m->cpu_reset_hook)
        a->m->cpu_reset_hook(a->m->cpu_reset_opaque, cpu->index, &cpu->env);
}

/* TBCache.on_code_page: a page newly holds code, and any vCPU may hold a fast write
 * entry for it filled before; each one's next store to it must invalidate the blocks
 * (SDM 3A §8.1.3, cross-modifying code). */
static void tcg_protect_code_page(void *opaque, uint64_t phys_page)
{
    TcgAccel *a = opaque;
    for (unsigned i = 0; i < a->ncpus; i++)
        x86_tlb_protect_code_page(&a->vcpus[i].cpu.env, phys_page);
}

static void *tcg_create(Machine *m)
{
    TcgAccel *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->m = m;
    tb_cache_init(&a->tbc);
    a->ncpus = m->cfg->smp;
    a->vcpus = calloc(a->ncpus, sizeof(TcgVcpu));
    if (!a->vcpus) {
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->halt_lock, NULL);
    pthread_cond_init(&a->halt_cond, NULL);
    if (m->cfg->tcg_backend == TCG_BACKEND_NATIVE) {
        FILE *out_asm =
            log_enabled(&m->log, LOG_OUT_ASM) ? (m->log.out ? m->log.out : stderr) : NULL;
        a->native = tcg_native_create(&a->tbc, tcg_kick_vcpus, a, out_asm);
        if (!a->native) {
            fprintf(stderr, "pacifica: cannot map memory for native code: use "
                            "-accel tcg,backend=interp\n");
            free(a->vcpus);
            free(a);
            return NULL;
        }
        m->mem.on_change = tcg_kick_vcpus;
        m->mem.on_change_opaque = a;
    }
    if (a->ncpus > 1) { /* one vCPU protects its own TLB as it fetches code */
        a->tbc.on_code_page = tcg_protect_code_page;
        a->tbc.on_code_page_opaque = a;
    }
    m->accel = a;
    m->kick_vcpus = tcg_kick_vcpus;
    m->set_cpu_intr = tcg_set_cpu_intr;
    m->cpu_nmi = tcg_cpu_nmi;
    m->cpu_init = tcg_cpu_init;
    m->cpu_sipi = tcg_cpu_sipi;
    for (unsigned i = 0; i < a->ncpus; i++) {
        a->vcpus[i].accel = a;
        a->vcpus[i].lookup = (TcgBlockLookup){.cpu = &a->vcpus[i].cpu,
                                              .tbc = &a->tbc,
                                              .jc = &a->vcpus[i].jmp_cache,
                                              .stop = &a->stop};
        x86_cpu_init(&a->vcpus[i].cpu, m, (int)i, &a->tbc);
        tcg_after_reset(a, &a->vcpus[i].cpu);
    }
    return a;
}

/* tb, found by its physical pc, crosses into a second page: it is the block to run only
 * if that page still maps to the frame tb was translated from (another address space
 * may map the first page alike and the second elsewhere). Otherwise the block that was
 * translated from the current frames (or does not cross), or NULL; tb's slot, which a
 * probe would take under gen, is stamped stale meanwhile. */
static TranslationBlock *tcg_check_page2(TBCache *tbc, TBJumpCache *jc, X86CPU *cpu,
                                         TranslationBlock *tb, uint64_t gen)
{
    CPUX86State *env = &cpu->env;
    uint64_t last = tb->pc + tb->size - 1, phys_page2;
    if (x86_get_phys_code_nofault(env, last, &phys_page2))
        phys_page2 &= X86_PAGE_MASK;
    else
        phys_page2 = UINT64_MAX; /* only a block that stops before the page will do */
    if (phys_page2 == tb->phys_page2)
        return tb;
    tb_jmp_cache_set_gen(jc, tb->pc, gen - 1);
    TranslationBlock *found = tb_cache_lookup_page2(tbc, tb->phys_pc, tb->pc, tb->cs_base,
                                                    tb->flags, tb->cflags, phys_page2);
    if (found)
        tb_jmp_cache_insert(jc, tbc, found, gen);
    return found;
}

/* The cached block for the current state, or NULL. A jump-cache slot filled under the
 * TLB's current generation holds a block whose pc still maps to the physical page it
 * was translated from (cpu/x86/tlb.h bumps the generation on every flush that can
 * change a mapping; the pages slots rely on are noted in its filter, so that INVLPG of
 * other pages keeps it), so a hit needs no page translation. A miss translates pc,
 * which may raise #PF/#GP. The generation is read first: a flush during the
 * translation then leaves the slot with an older one, which only costs a miss. *slot:
 * where the block is kept (valid when the result is not NULL). */
static inline __attribute__((always_inline)) TranslationBlock *
tcg_lookup_block(TBCache *tbc, TBJumpCache *jc, X86CPU *cpu, TBJumpEntry **slot)
{
    CPUX86State *env = &cpu->env;
    uint64_t gen = cpu->tlb.generation, global_gen = cpu->tlb.global_generation;
    uint64_t pc, cs_base, phys;
    uint32_t flags;
    x86_tb_key(env, &pc, &cs_base, &flags);
    TranslationBlock *tb = tb_jmp_cache_probe(jc, tbc, pc, cs_base, flags, 0, gen, global_gen);
    if (!tb) {
        x86_get_phys_code(env, pc, &phys);
        tb = tb_jmp_cache_lookup(jc, tbc, phys, pc, cs_base, flags, 0, gen);
        if (tb && tb->phys_page2 != UINT64_MAX)
            tb = tcg_check_page2(tbc, jc, cpu, tb, gen);
        if (tb)
            tb_jmp_cache_set_gen(jc, pc,
                                 x86_tlb_code_stamp(env, tb->pc, tb->size, gen, global_gen));
    }
    *slot = tb_jmp_cache_slot(jc, pc);
    return tb;
}

/* Translates the block at the current state (none is cached) and caches it. */
static TranslationBlock *tcg_translate_new(TBCache *tbc, TBJumpCache *jc, const Log *log,
                                           X86CPU *cpu, X86Translator *t)
{
    uint64_t gen = cpu->tlb.generation, global_gen = cpu->tlb.global_generation;
    TranslationBlock *tb = x86_translate_block(t, &cpu->env, 0, log);
    tb_cache_insert(tbc, tb);
    tb_jmp_cache_insert(jc, tbc, tb, gen);
    tb_jmp_cache_set_gen(jc, tb->pc,
                         x86_tlb_code_stamp(&cpu->env, tb->pc, tb->size, gen, global_gen));
    return tb;
}

/* The block to run for the current state: from the cache, or translated now. */
static TranslationBlock *tcg_find_block(TBCache *tbc, TBJumpCache *jc, const Log *log, X86CPU *cpu,
                                        X86Translator *t)
{
    TBJumpEntry *slot;
    /* A memory map or A20 change flushes the TLB (a new generation) before the probe. */
    x86_tlb_sync_memory_map(&cpu->env);
    TranslationBlock *tb = tcg_lookup_block(tbc, jc, cpu, &slot);
    return tb ? tb : tcg_translate_new(tbc, jc, log, cpu, t);
}

/* Runs blocks until something makes the vCPU leave: an exception (via longjmp, which
 * the caller's sigsetjmp catches), *stop, or the block budget (0: none) running out. */
/* Whether the vCPU must leave guest code: the accelerator stops, or the machine is
 * about to exit or reset. */
static bool tcg_must_stop(const X86CPU *cpu, const atomic_bool *stop)
{
    const Machine *m = cpu->machine;
    return atomic_load(stop) || atomic_load(&m->exit_requested) || atomic_load(&m->reset_requested);
}

/* TCGExecState.next_block for the native backend: the vCPU loop's own checks and
 * lookup, without leaving compiled code when they find nothing to do. A block not
 * translated yet is translated here (translating flushes no cache; the backend
 * compiles it outside compiled code), sparing the loop a second lookup.
 * The checks cost two loads when nothing is pending: whatever must stop the vCPU (the
 * accelerator's stop, a machine exit or reset, a memory map or A20 change that the
 * loop's x86_tlb_sync_memory_map must see) also sets exit_request on every vCPU after
 * it is recorded, and every interrupt source sets a bit of interrupt_request; a kick
 * that lands after the load stops the next block at an instruction boundary, as it
 * would have stopped this one. */
static TranslationBlock *tcg_next_block(TCGExecState *es)
{
    const TcgBlockLookup *l = es->next_block_opaque;
    X86CPU *cpu = l->cpu;
    if (__builtin_expect(atomic_load_explicit(&es->exit_request, memory_order_relaxed) |
                             atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed),
                         0)) {
        if (atomic_load_explicit(&es->exit_request, memory_order_relaxed) ||
            (atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed) &
             ~(unsigned)CPU_INTERRUPT_HARD) ||
            tcg_interrupt_deliverable(cpu) || tcg_must_stop(cpu, l->stop))
            return NULL;
    }
    TBJumpEntry *slot;
    TranslationBlock *tb = tcg_lookup_block(l->tbc, l->jc, cpu, &slot);
    if (!tb) {
        tb = tcg_translate_new(l->tbc, l->jc, l->log, cpu, l->t);
        slot = tb_jmp_cache_slot(l->jc, tb->pc);
    }
    es->next_entry = slot;
    return tb;
}

static void tcg_run_blocks(TBCache *tbc, TBJumpCache *jc, TCGNative *native, const Log *log,
                           X86CPU *cpu, X86Translator *t, const atomic_bool *stop, uint64_t *budget,
                           TcgBlockLookup *lookup)
{
    CPUX86State *env = &cpu->env;
    TranslationBlock *last = NULL;
    unsigned last_slot = 0;
    /* Blocks go on to their successors inside the backend unless every block must be
     * seen here: a budget counts them, -d exec and -d cpu log them. */
    bool follow = lookup && !budget && !log_enabled(log, LOG_EXEC | LOG_CPU);
    cpu->exec.next_block = follow ? tcg_next_block : NULL;
    cpu->exec.next_block_opaque = lookup;
    cpu->exec.jmp_slots = NULL; /* set once the slots are synced, below */
    if (lookup) {
        lookup->t = t;
        lookup->log = log;
    }

    while (!tcg_must_stop(cpu, stop)) {
        if (budget && (*budget)-- == 0)
            return;
        /* An NMI stays pending while an earlier one is being handled (until IRET). */
        if ((atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_NMI) && x86_cpu_take_nmi(cpu)) {
            atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_NMI);
            tcg_check_shutdown(cpu);
            last = NULL;
        }
        if (tcg_interrupt_deliverable(cpu)) {
            tcg_take_interrupt(cpu);
            last = NULL;
        }
        TranslationBlock *tb = tcg_find_block(tbc, jc, log, cpu, t);
        /* The slots are now up to date with the TB cache's flushes (tcg_find_block). */
        cpu->exec.jmp_slots = follow ? jc->entry : NULL;
        if (last && !atomic_load(&last->invalid))
            atomic_store(&last->jmp_dest[last_slot], tb);
        if (log_enabled(log, LOG_CPU))
            x86_cpu_dump(env, log->out ? log->out : stderr);
        log_printf(log, LOG_EXEC, "cpu%d: exec block %08" PRIx64 " [%04x:%08" PRIx64 "]\n",
                   cpu->index, tb->pc, env->segs[R_CS].selector, env->rip);
        uintptr_t ret = tcg_exec_block(native, cpu, tb);
        TranslationBlock *ret_tb = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
        unsigned why = ret & TB_EXIT_MASK;
        last = NULL;
        switch (why) {
        case TB_EXIT_IDX0:
        case TB_EXIT_IDX1:
            /* A budgeted run must count every block, so it never follows links. */
            if (!budget) {
                last = ret_tb;
                last_slot = why;
            }
            break;
        case TB_EXIT_REQUESTED:
            x86_restore_state(env, cpu->exec.insn_data);
            atomic_store(&cpu->exec.exit_request, 0);
            break;
        default: break;
        }
    }
}

/* ---- the gdb stub's stops (system/debug.h) ---- */

/* Tells the debugger this vCPU stopped, and makes every vCPU leave guest code: their
 * threads end, and the main loop then stops the machine (the stub's stop hook wakes
 * it). */
static void tcg_debug_stop(X86CPU *cpu, DebugStopReason reason)
{
    TcgAccel *a = cpu->machine->accel;
    MachineDebug *dbg = cpu->machine->debug;
    DebugStop stop = {.cpu_index = cpu->index, .reason = reason};
    if (reason == DEBUG_STOP_WATCH) {
        stop.watch_addr = cpu->tlb.gdb_watch_addr;
        stop.watch_kind = (DebugWatchKind)cpu->tlb.gdb_watch_kind;
    }
    if (dbg && dbg->stop)
        dbg->stop(dbg->opaque, &stop);
    atomic_store(&a->stop, true);
    tcg_kick_vcpus(a);
}

static bool tcg_debug_stepping(const X86CPU *cpu)
{
    return cpu->machine && machine_debug_stepping(cpu->machine->debug, cpu->index);
}

/* gdb's single-step: exactly one instruction, in a block of its own that is never
 * chained, with no interrupt taken before it (QEMU's default SSTEP_NOIRQ). A fault
 * comes back through the vCPU loop's sigsetjmp: tcg_handle_exception delivers it and
 * stops on the handler's first instruction. */
static void tcg_debug_step(TcgAccel *a, X86CPU *cpu, X86Translator *t)
{
    CPUX86State *env = &cpu->env;
    uint64_t pc, cs_base, phys;
    uint32_t flags;
    const uint32_t cflags = X86_CF_GDB_STEP | 1;
    x86_get_tb_key(env, &pc, &cs_base, &flags);
    x86_get_phys_code(env, pc, &phys);
    TranslationBlock *tb = tb_cache_lookup(&a->tbc, phys, pc, cs_base, flags, cflags);
    if (!tb) {
        tb = x86_translate_block(t, env, cflags, &a->m->log);
        tb_cache_insert(&a->tbc, tb);
    }
    cpu->exec.next_block = NULL; /* exactly this block */
    cpu->exec.jmp_slots = NULL;
    uintptr_t ret = tcg_exec_block(a->native, cpu, tb);
    if ((ret & TB_EXIT_MASK) == TB_EXIT_REQUESTED) {
        /* Kicked before the instruction completed: run it again, unless stopping. */
        x86_restore_state(env, cpu->exec.insn_data);
        atomic_store(&cpu->exec.exit_request, 0);
        return;
    }
    tcg_debug_stop(cpu, DEBUG_STOP_STEP);
}

/* An exception left translated code (cpu_loop_exit): deliver it or act on it. */
static void tcg_handle_exception(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    if (!env->exception_soft)
        x86_restore_state(env, cpu->exec.insn_data);
    if (env->exception_index == EXCP_DEBUG || env->exception_index == EXCP_DEBUG_WATCH) {
        bool watch = env->exception_index == EXCP_DEBUG_WATCH;
        env->exception_index = -1;
        tcg_debug_stop(cpu, watch ? DEBUG_STOP_WATCH : DEBUG_STOP_BREAKPOINT);
        return;
    }
    if (env->exception_index == EXCP_HLT)
        env->exception_index = -1;
    else if (env->exception_index != EXCP_SHUTDOWN)
        x86_do_interrupt(env);
    tcg_check_shutdown(cpu);
    /* A stepped instruction that raised an exception (or halted) stops once the
     * exception is delivered, on the handler's first instruction. */
    if (tcg_debug_stepping(cpu))
        tcg_debug_stop(cpu, DEBUG_STOP_STEP);
}

/* What wakes a halted vCPU: a deliverable interrupt, an NMI, INIT or SIPI; a vCPU
 * waiting for SIPI wakes only for INIT or SIPI. */
static bool tcg_cpu_has_work(TcgAccel *a, X86CPU *cpu)
{
    unsigned req = atomic_load(&cpu->interrupt_request);
    if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI))
        return true;
    if (atomic_load(&a->vcpus[cpu->index].wait_for_sipi))
        return false;
    return ((req & CPU_INTERRUPT_NMI) && !cpu->env.nmi_blocked) || tcg_interrupt_deliverable(cpu);
}

/* A halted vCPU sleeps until it has something to do (an interrupt, once interrupt
 * controllers exist) or the accelerator stops. */
static void tcg_wait_halted(TcgAccel *a, X86CPU *cpu)
{
    pthread_mutex_lock(&a->halt_lock);
    while (cpu->env.halted && !tcg_must_stop(cpu, &a->stop) && !tcg_cpu_has_work(a, cpu))
        pthread_cond_wait(&a->halt_cond, &a->halt_lock);
    pthread_mutex_unlock(&a->halt_lock);
}

static void *tcg_vcpu_thread(void *opaque)
{
    TcgVcpu *v = opaque;
    TcgAccel *a = v->accel;
    X86CPU *cpu = &v->cpu;
    X86Translator *t = x86_translator_new();
    if (!t) {
        fprintf(stderr, "pacifica: out of memory for the translator\n");
        machine_request_exit(a->m, 1);
        return NULL;
    }

    while (!tcg_must_stop(cpu, &a->stop)) {
        if (atomic_load(&cpu->interrupt_request) & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI))
            tcg_handle_init_sipi(a, cpu);
        if (cpu->env.halted && tcg_debug_stepping(cpu)) {
            tcg_debug_stop(cpu, DEBUG_STOP_STEP); /* interrupts are masked while stepping */
            continue;
        }
        if (cpu->env.halted && !tcg_cpu_has_work(a, cpu)) {
            tcg_wait_halted(a, cpu);
            continue;
        }
        if (sigsetjmp(cpu->jmp_env, 0) != 0) {
            if (a->native)
                tcg_native_left_by_fault(a->native, &cpu->exec);
            tcg_handle_exception(cpu);
            continue;
        }
        /* HLT ends when an interrupt or NMI is taken (which clears halted). */
        if (cpu->env.halted) {
            if ((atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_NMI) && x86_cpu_take_nmi(cpu))
                atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_NMI);
            else
                tcg_take_interrupt(cpu);
            tcg_check_shutdown(cpu);
            continue;
        }
        if (tcg_debug_stepping(cpu))
            tcg_debug_step(a, cpu, t);
        else
            tcg_run_blocks(&a->tbc, &v->jmp_cache, a->native, &a->m->log, cpu, t, &a->stop, NULL,
                           &v->lookup);
    }
    if (a->native)
        tcg_native_forget_vcpu(a->native, &cpu->exec);
    cpu->exec.builder = NULL; /* the translator's IR is gone (tcg/tb.h) */
    x86_translator_free(t);
    return NULL;
}

static int tcg_start(void *opaque)
{
    TcgAccel *a = opaque;
    atomic_store(&a->stop, false);
    /* vCPU threads never take SIGINT/SIGTERM: the main loop reads them (signalfd). */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (unsigned i = 0; i < a->ncpus; i++) {
        if (pthread_create(&a->vcpus[i].thread, NULL, tcg_vcpu_thread, &a->vcpus[i]) != 0) {
            fprintf(stderr, "pacifica: cannot create the thread of vCPU %u\n", i);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            return -1;
        }
        a->vcpus[i].running = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}

static void tcg_stop(void *opaque)
{
    TcgAccel *a = opaque;
    atomic_store(&a->stop, true);
    tcg_kick_vcpus(a);
    for (unsigned i = 0; i < a->ncpus; i++) {
        if (a->vcpus[i].running) {
            pthread_join(a->vcpus[i].thread, NULL);
            a->vcpus[i].running = false;
        }
        atomic_store(&a->vcpus[i].cpu.exec.exit_request, 0);
    }
}

static void tcg_reset(void *opaque)
{
    TcgAccel *a = opaque;
    tb_cache_flush(&a->tbc);
    for (unsigned i = 0; i < a->ncpus; i++) {
        x86_cpu_reset(&a->vcpus[i].cpu);
        tcg_after_reset(a, &a->vcpus[i].cpu);
    }
}

static void tcg_destroy(void *opaque)
{
    TcgAccel *a = opaque;
    a->m->mem.on_change = NULL;
    a->tbc.on_flush = NULL;
    a->tbc.on_invalidate = NULL;
    tb_cache_destroy(&a->tbc);
    tcg_native_free(a->native);
    pthread_cond_destroy(&a->halt_cond);
    pthread_mutex_destroy(&a->halt_lock);
    free(a->vcpus);
    free(a);
}

const AccelOps accel_tcg_ops = {
    .name = "tcg",
    .create = tcg_create,
    .start = tcg_start,
    .stop = tcg_stop,
    .reset = tcg_reset,
    .destroy = tcg_destroy,
};

/* ---- synchronous execution for tests (accel/tcg-run.h) ---- */

struct TcgRunner {
    TBCache tbc;
    TBJumpCache jmp_cache;
    TCGNative *native;
    X86Translator *t;
    atomic_bool stop;
};

TcgRunner *tcg_runner_new(void)
{
    const char *backend = getenv("PACIFICA_TCG_BACKEND");
    return tcg_runner_new_backend(backend && !strcmp(backend, "native"));
}

TcgRunner *tcg_runner_new_backend(bool native)
{
    TcgRunner *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    tb_cache_init(&r->tbc);
    r->t = x86_translator_new();
    /* Its budget counts blocks: a loop inside one block would never be stopped. */
    if (r->t)
        x86_translator_no_block_loops(r->t);
    if (native)
        r->native = tcg_native_create(&r->tbc, NULL, NULL, NULL);
    if (!r->t || (native && !r->native)) {
        tcg_runner_free(r);
        return NULL;
    }
    return r;
}

void tcg_runner_free(TcgRunner *r)
{
    if (!r)
        return;
    x86_translator_free(r->t);
    r->tbc.on_flush = NULL;
    r->tbc.on_invalidate = NULL;
    tb_cache_destroy(&r->tbc);
    tcg_native_free(r->native);
    free(r);
}

TBCache *tcg_runner_tb_cache(TcgRunner *r)
{
    return &r->tbc;
}

int tcg_runner_run(TcgRunner *r, X86CPU *cpu, uint64_t max_blocks)
{
    CPUX86State *env = &cpu->env;
    cpu->tb_cache = &r->tbc;
    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        if (r->native)
            tcg_native_left_by_fault(r->native, &cpu->exec);
        if (!env->exception_soft)
            x86_restore_state(env, cpu->exec.insn_data);
        int vector = env->exception_index;
        env->exception_index = -1;
        return vector;
    }
    uint64_t budget = max_blocks;
    tcg_run_blocks(&r->tbc, &r->jmp_cache, r->native, &cpu->machine->log, cpu, r->t, &r->stop,
                   &budget, NULL);
    return -1;
}
