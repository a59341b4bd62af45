/* Stores to pages that hold translated code, on both backends: a store beside a
 * block's bytes (another 64-byte granule of its page) leaves the block valid without
 * a search of the page's blocks; a store into its bytes drops it and the new code
 * runs (SDM 3A §8.1.3 "Handling Self- and Cross-Modifying Code"); once the page holds
 * no block, stores to it take the TLB fast path again; another vCPU's fast write entry
 * for the page stops being fast once the page holds code. Real-mode code in RAM at
 * 0x7c00, data at 0x7800 on the same 4 KiB page. */
#include <glib.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "cpu/x86/tlb.h"
#include "system/machine.h"

#define CODE_PAGE 0x7000u
#define PROG      0x7c00u /* mov ax, 0x1234; mov [0x7800], ax; hlt */
#define PATCHER   0x7d00u /* mov word [PROG + 1], 0x5678; hlt */
#define DATA      0x7800u

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
} Fixture;

static void fixture_init(Fixture *f, bool native)
{
    static const uint8_t prog[] = {0xb8, 0x34, 0x12, 0xa3, DATA & 0xff, DATA >> 8, 0xf4};
    static const uint8_t patcher[] = {
        0xc7, 0x06, (PROG + 1) & 0xff, (PROG + 1) >> 8, 0x78, 0x56, 0xf4,
    };
    memset(f, 0, sizeof(*f));
    f->cfg.ram_size = 1 << 20;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    memcpy(f->m.ram + PROG, prog, sizeof(prog));
    memcpy(f->m.ram + PATCHER, patcher, sizeof(patcher));
    f->r = tcg_runner_new_backend(native);
    g_assert_nonnull(f->r);
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    f->cpu.env.segs[R_CS].selector = 0;
    f->cpu.env.segs[R_CS].base = 0;
    f->cpu.env.regs[R_ESP] = 0x6000;
}

static void fixture_fini(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
}

/* Runs from linear address ip to HLT. */
static void run_at(Fixture *f, uint64_t ip)
{
    f->cpu.env.rip = ip;
    g_assert_cmpint(tcg_runner_run(f->r, &f->cpu, 100), ==, EXCP_HLT);
}

/* The block that starts at ip, as the vCPU loop would find it (NULL: none). */
static TranslationBlock *block_at(Fixture *f, uint64_t ip)
{
    CPUX86State *env = &f->cpu.env;
    uint64_t pc, cs_base, phys;
    uint32_t flags;
    env->rip = ip;
    x86_get_tb_key(env, &pc, &cs_base, &flags);
    g_assert_true(x86_get_phys_code(env, pc, &phys));
    return tb_cache_lookup(tcg_runner_tb_cache(f->r), phys, pc, cs_base, flags, 0);
}

static const X86TLBEntry *phys_entry(Fixture *f, uint64_t addr)
{
    return &f->cpu.tlb.table[X86_MMU_PHYS][(addr >> X86_PAGE_BITS) & (X86_TLB_SIZE - 1)];
}

static void check_store_beside_and_into_code(bool native)
{
    Fixture f;
    fixture_init(&f, native);
    TBCache *tbc = tcg_runner_tb_cache(f.r);
    CPUX86State *env = &f.cpu.env;

    run_at(&f, PROG);
    g_assert_cmphex(env->regs[R_EAX] & 0xffff, ==, 0x1234);
    g_assert_cmphex(f.m.ram[DATA], ==, 0x34);
    TranslationBlock *tb = block_at(&f, PROG);
    g_assert_nonnull(tb);
    /* The page holds code, so its stores take the slow path... */
    g_assert_false(phys_entry(&f, DATA)->tag_write & X86_TLB_NO_CODE);
    /* ...where the block's own store beside its bytes keeps it, and is told apart
     * without the cache's lock. */
    unsigned long calls = tbc->invalidate_calls, searches = tbc->granule_searches;
    f.m.ram[DATA] = 0;
    run_at(&f, PROG);
    g_assert_cmphex(f.m.ram[DATA], ==, 0x34);
    g_assert_true(block_at(&f, PROG) == tb);
    g_assert_false(atomic_load(&tb->invalid));
    g_assert_cmpuint(tbc->invalidate_calls, ==, calls);
    g_assert_cmpuint(tbc->granule_searches, ==, searches);

    /* A store into its bytes (by a block of the same page) drops it: the new
     * immediate is what runs next. */
    run_at(&f, PATCHER);
    g_assert_true(atomic_load(&tb->invalid));
    g_assert_cmpuint(tbc->granule_searches, >, searches);
    run_at(&f, PROG);
    g_assert_cmphex(env->regs[R_EAX] & 0xffff, ==, 0x5678);

    /* With every block of the page gone, the first store through the old slow entry
     * makes it fast again. */
    tb_cache_invalidate_range(tbc, CODE_PAGE, X86_PAGE_SIZE);
    g_assert_false(tb_cache_page_has_code(tbc, CODE_PAGE));
    g_assert_false(phys_entry(&f, DATA)->tag_write & X86_TLB_NO_CODE);
    x86_st_idx(env, DATA, 0x99, 1, X86_MMU_PHYS);
    g_assert_true(phys_entry(&f, DATA)->tag_write & X86_TLB_NO_CODE);
    g_assert_cmphex(f.m.ram[DATA], ==, 0x99);
    fixture_fini(&f);
}

/* Two vCPUs sharing the translation cache, wired as accel/tcg.c wires them. */
typedef struct TwoCpus {
    Fixture f;
    X86CPU other;
} TwoCpus;

static void protect_both(void *opaque, uint64_t phys_page)
{
    TwoCpus *t = opaque;
    x86_tlb_protect_code_page(&t->f.cpu.env, phys_page);
    x86_tlb_protect_code_page(&t->other.env, phys_page);
}

/* Cross-modifying code: the other vCPU's write entry for the page was filled before
 * the page held code; once a block is translated there, that vCPU's store into it
 * must still drop it. */
static void check_cross_modifying(bool native)
{
    TwoCpus *t = g_new0(TwoCpus, 1);
    fixture_init(&t->f, native);
    TBCache *tbc = tcg_runner_tb_cache(t->f.r);
    tbc->on_code_page = protect_both;
    tbc->on_code_page_opaque = t;
    x86_cpu_init(&t->other, &t->f.m, 1, tbc);
    CPUX86State *env = &t->f.cpu.env, *other = &t->other.env;
    const X86TLBEntry *other_entry =
        &t->other.tlb.table[X86_MMU_PHYS][(PROG >> X86_PAGE_BITS) & (X86_TLB_SIZE - 1)];

    x86_st_idx(other, DATA, 0, 1, X86_MMU_PHYS);
    g_assert_true(other_entry->tag_write & X86_TLB_NO_CODE); /* a fast entry */
    run_at(&t->f, PROG);
    g_assert_cmphex(env->regs[R_EAX] & 0xffff, ==, 0x1234);
    TranslationBlock *tb = block_at(&t->f, PROG);
    g_assert_nonnull(tb);
    g_assert_false(other_entry->tag_write & X86_TLB_NO_CODE);
    x86_st_idx(other, PROG + 1, 0x5678, 2, X86_MMU_PHYS);
    g_assert_true(atomic_load(&tb->invalid));
    run_at(&t->f, PROG);
    g_assert_cmphex(env->regs[R_EAX] & 0xffff, ==, 0x5678);
    fixture_fini(&t->f);
    g_free(t);
}

static void test_interp(void)
{
    check_store_beside_and_into_code(false);
}

static void test_native(void)
{
    check_store_beside_and_into_code(true);
}

static void test_cross_interp(void)
{
    check_cross_modifying(false);
}

static void test_cross_native(void)
{
    check_cross_modifying(true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smc/interp/store-beside-and-into-code", test_interp);
    g_test_add_func("/smc/native/store-beside-and-into-code", test_native);
    g_test_add_func("/smc/interp/cross-modifying", test_cross_interp);
    g_test_add_func("/smc/native/cross-modifying", test_cross_native);
    return g_test_run();
}
