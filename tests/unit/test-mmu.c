/* Paging and the software TLB (cpu/x86/mmu.c): page tables are built by hand in the
 * RAM of a Machine and accessed with x86_ld/x86_st/x86_probe_access. Faults longjmp to
 * cpu->jmp_env, where the tests catch them and check the vector, CR2 and error code
 * (SDM Vol 3A chapter 4). */
#include <glib.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/tlb.h"
#include "system/machine.h"

#define RAM_SIZE  (16u << 20)
#define MMIO_BASE 0x40000000ull

/* Paging-structure entry bits (SDM 3A Tables 4-4 to 4-20) */
#define P  0x001ull
#define RW 0x002ull
#define US 0x004ull
#define A  0x020ull
#define D  0x040ull
#define PS 0x080ull
#define G  0x100ull
#define XD (1ull << 63)

/* #PF error code bits (SDM 3A §4.7) */
#define PF_P    1
#define PF_W    2
#define PF_U    4
#define PF_RSVD 8
#define PF_I    16

/* Where the tests put their paging structures. */
#define PT_ROOT 0x100000u /* PD (32-bit), PDPT (PAE) or PML4 (4-level) */
#define PT_L2   0x101000u
#define PT_L3   0x102000u
#define PT_L4   0x103000u
#define PT_L5   0x104000u

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    X86CPU cpu;
    TcgRunner *r;
    uint64_t mmio_last_addr, mmio_last_val;
    unsigned mmio_reads, mmio_writes;
} Fixture;

typedef struct Outcome {
    int vector; /* -1: no fault */
    int error_code;
    uint64_t cr2;
} Outcome;

static uint64_t mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    Fixture *f = opaque;
    (void)size;
    f->mmio_reads++;
    f->mmio_last_addr = addr;
    return 0x5a5a5a5a5a5a5a5aull;
}

static void mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Fixture *f = opaque;
    (void)size;
    f->mmio_writes++;
    f->mmio_last_addr = addr;
    f->mmio_last_val = val;
}

static const MemoryRegionOps mmio_ops = {.read = mmio_read, .write = mmio_write};

static Fixture *fixture_new(void)
{
    Fixture *f = g_new0(Fixture, 1);
    f->cfg.ram_size = RAM_SIZE;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    address_space_add_mmio(&f->m.mem, "test-mmio", MMIO_BASE, 0x1000, &mmio_ops, f, 0);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    return f;
}

static void fixture_free(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
    g_free(f);
}

static void put32(Fixture *f, uint64_t pa, uint32_t v)
{
    memcpy(f->m.ram + pa, &v, 4);
}

static void put64(Fixture *f, uint64_t pa, uint64_t v)
{
    memcpy(f->m.ram + pa, &v, 8);
}

static uint32_t get32(Fixture *f, uint64_t pa)
{
    uint32_t v;
    memcpy(&v, f->m.ram + pa, 4);
    return v;
}

static uint64_t get64(Fixture *f, uint64_t pa)
{
    uint64_t v;
    memcpy(&v, f->m.ram + pa, 8);
    return v;
}

enum { MODE_32, MODE_PAE, MODE_LONG };

/* Protected mode, CPL 0, paging on in the given mode with CR3 = PT_ROOT. */
static void enter_paging(Fixture *f, int mode, uint64_t cr4_extra, uint64_t efer_extra)
{
    CPUX86State *env = &f->cpu.env;
    env->cr[0] = CR0_PE | CR0_PG | CR0_ET;
    env->cr[3] = PT_ROOT;
    env->cr[4] = cr4_extra | (mode != MODE_32 ? CR4_PAE : 0);
    env->efer = efer_extra | (mode == MODE_LONG ? EFER_LME | EFER_LMA : 0);
    env->segs[R_CS].selector = 8;
    env->segs[R_CS].flags |= DESC_B_MASK;
    x86_cpu_update_hflags(env);
    x86_tlb_flush(env, true);
}

static Outcome try_ld(Fixture *f, uint64_t linear, unsigned size, unsigned idx, uint64_t *val)
{
    CPUX86State *env = &f->cpu.env;
    env->cr[2] = 0xdeadull;
    if (sigsetjmp(f->cpu.jmp_env, 0) != 0)
        return (Outcome){env->exception_index, env->error_code, env->cr[2]};
    *val = x86_ld_idx(env, linear, size, idx);
    return (Outcome){-1, 0, 0};
}

static Outcome try_st(Fixture *f, uint64_t linear, uint64_t val, unsigned size, unsigned idx)
{
    CPUX86State *env = &f->cpu.env;
    env->cr[2] = 0xdeadull;
    if (sigsetjmp(f->cpu.jmp_env, 0) != 0)
        return (Outcome){env->exception_index, env->error_code, env->cr[2]};
    x86_st_idx(env, linear, val, size, idx);
    return (Outcome){-1, 0, 0};
}

static Outcome try_probe(Fixture *f, uint64_t linear, int access, unsigned idx, uint8_t **host)
{
    CPUX86State *env = &f->cpu.env;
    env->cr[2] = 0xdeadull;
    if (sigsetjmp(f->cpu.jmp_env, 0) != 0)
        return (Outcome){env->exception_index, env->error_code, env->cr[2]};
    *host = x86_probe_access(env, linear, 1, access, idx);
    return (Outcome){-1, 0, 0};
}

#define assert_ok(o) g_assert_cmpint((o).vector, ==, -1)
#define assert_pf(o, err, addr)                                                                    \
    do {                                                                                           \
        Outcome o_ = (o);                                                                          \
        g_assert_cmpint(o_.vector, ==, EXCP_PF);                                                   \
        g_assert_cmphex(o_.error_code, ==, (err));                                                 \
        g_assert_cmphex(o_.cr2, ==, (addr));                                                       \
    } while (0)

static uint64_t ld(Fixture *f, uint64_t linear, unsigned size, unsigned idx)
{
    uint64_t v = 0;
    assert_ok(try_ld(f, linear, size, idx, &v));
    return v;
}

static void st(Fixture *f, uint64_t linear, uint64_t val, unsigned size, unsigned idx)
{
    assert_ok(try_st(f, linear, val, size, idx));
}

/* ---- translation in each mode ---- */

static void test_no_paging_a20(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    put32(f, 0x1234, 0x11111111);
    put32(f, 0x101234, 0x22222222);
    g_assert_cmphex(x86_ld(env, 0x101234, 4), ==, 0x22222222);
    /* A20 closed: bit 20 of the physical address is forced to 0 (the 8086 wrap). */
    x86_set_a20(env, false);
    g_assert_cmphex(x86_ld(env, 0x101234, 4), ==, 0x11111111);
    x86_st(env, 0x101238, 0x33, 1);
    g_assert_cmphex(f->m.ram[0x1238], ==, 0x33);
    /* Changing the mask behind the TLB's back is noticed too. */
    env->a20_mask_lo = ~0u;
    g_assert_cmphex(x86_ld(env, 0x101234, 4), ==, 0x22222222);
    fixture_free(f);
}

static void test_32bit_4k(void)
{
    Fixture *f = fixture_new();
    /* linear 0x00403000 -> phys 0x00205000: PDE 1, PTE 3 */
    put32(f, PT_ROOT + 1 * 4, PT_L2 | P | RW);
    put32(f, PT_L2 + 3 * 4, 0x205000 | P | RW);
    enter_paging(f, MODE_32, 0, 0);
    /* The debug translation (gdb stub) walks without side effects. */
    uint64_t phys = 0;
    g_assert_true(x86_translate_debug(&f->cpu.env, 0x403010, &phys));
    g_assert_cmphex(phys, ==, 0x205010);
    g_assert_cmphex(get32(f, PT_ROOT + 4) & A, ==, 0);
    put32(f, 0x205010, 0xcafef00d);
    g_assert_cmphex(ld(f, 0x403010, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xcafef00d);
    /* A set on both levels, D not set by a read (SDM 3A §4.8). */
    g_assert_cmphex(get32(f, PT_ROOT + 4) & (A | D), ==, A);
    g_assert_cmphex(get32(f, PT_L2 + 12) & (A | D), ==, A);
    st(f, 0x403ffc, 0x01020304, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(get32(f, 0x205ffc), ==, 0x01020304);
    /* D on the leaf only. */
    g_assert_cmphex(get32(f, PT_L2 + 12) & (A | D), ==, A | D);
    g_assert_cmphex(get32(f, PT_ROOT + 4) & D, ==, 0);
    /* Nothing mapped at PDE 0: not present, CR2 = linear. */
    uint64_t v;
    assert_pf(try_ld(f, 0x1000, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x1000);
    assert_pf(try_st(f, 0x404000, 1, 1, X86_MMU_KERNEL_NOSMAP), PF_W, 0x404000);
    /* Outside long mode linear addresses wrap at 4 GiB. */
    g_assert_cmphex(ld(f, 0x100403010ull, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xcafef00d);
    assert_pf(try_ld(f, 0x100001000ull, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x1000);
    fixture_free(f);
}

static void test_32bit_4m(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    /* PDE 2 maps linear 0x00800000-0x00bfffff to phys 0x00400000 with CR4.PSE. */
    put32(f, PT_ROOT + 2 * 4, 0x400000 | P | RW | PS);
    enter_paging(f, MODE_32, CR4_PSE, 0);
    put32(f, 0x400000 + 0x12344, 0xabcdef01);
    g_assert_cmphex(ld(f, 0x812344, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xabcdef01);
    st(f, 0xbffff0, 0x77, 1, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(f->m.ram[0x7ffff0], ==, 0x77);
    g_assert_cmphex(get32(f, PT_ROOT + 8) & (A | D), ==, A | D);

    /* PSE-36 (Table 4-4): PDE bits 20:13 are physical bits 39:32. */
    put32(f, PT_ROOT + 3 * 4, 0x00400000 | (0x12u << 13) | P | PS);
    uint64_t phys = 0;
    g_assert_true(x86_translate_debug(env, 0xc01234, &phys));
    g_assert_cmphex(phys, ==, 0x1200401234ull);
    /* A debug translation has no side effect: A stays clear. */
    g_assert_cmphex(get32(f, PT_ROOT + 3 * 4) & A, ==, 0);
    g_assert_false(x86_translate_debug(env, 0x1800000, &phys));
    /* Bit 21 is reserved (MAXPHYADDR 40). */
    put32(f, PT_ROOT + 4 * 4, 0x00400000 | (1u << 21) | P | PS);
    uint64_t v;
    assert_pf(try_ld(f, 0x1000000, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD, 0x1000000);

    /* Without CR4.PSE, PS is ignored: the PDE points to a page table. */
    put32(f, PT_ROOT + 5 * 4, PT_L3 | P | RW | PS);
    put32(f, PT_L3 + 0, 0x300000 | P | RW);
    put32(f, 0x300000, 0x5eed);
    env->cr[4] &= ~(uint64_t)CR4_PSE;
    x86_tlb_flush(env, true);
    g_assert_cmphex(ld(f, 0x1400000, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x5eed);
    fixture_free(f);
}

static void pae_tables(Fixture *f)
{
    /* PDPTE 1 (linear 0x40000000-0x7fffffff) -> PD at PT_L2 */
    put64(f, PT_ROOT + 1 * 8, PT_L2 | P);
    /* PDE 0 -> PT at PT_L3; PTE 5 -> phys 0x206000 */
    put64(f, PT_L2 + 0, PT_L3 | P | RW);
    put64(f, PT_L3 + 5 * 8, 0x206000 | P | RW);
    /* PDE 1: a 2 MiB page at phys 0x600000 */
    put64(f, PT_L2 + 8, 0x600000 | P | RW | PS);
}

static void test_pae(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    pae_tables(f);
    enter_paging(f, MODE_PAE, 0, 0);
    put32(f, 0x206abc, 0x600dcafe);
    g_assert_cmphex(ld(f, 0x40005abc, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x600dcafe);
    put32(f, 0x600000 + 0x1fff00, 0x2222);
    g_assert_cmphex(ld(f, 0x403fff00, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x2222);
    /* The PDPTE has no accessed flag under PAE (Table 4-8: bits 8:5 reserved). */
    g_assert_cmphex(get64(f, PT_ROOT + 8), ==, PT_L2 | P);
    g_assert_cmphex(get64(f, PT_L2) & A, ==, A);

    uint64_t v;
    /* PDPTE 0 not present */
    assert_pf(try_ld(f, 0x1000, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x1000);
    /* Bit 62 is reserved under PAE (Table 4-11: bits 62:M) */
    put64(f, PT_L3 + 6 * 8, 0x207000 | P | RW | (1ull << 62));
    assert_pf(try_ld(f, 0x40006000, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD, 0x40006000);
    /* XD is reserved while EFER.NXE = 0 */
    put64(f, PT_L3 + 7 * 8, 0x207000 | P | RW | XD);
    assert_pf(try_st(f, 0x40007000, 0, 4, X86_MMU_KERNEL_NOSMAP), PF_P | PF_RSVD | PF_W,
              0x40007000);
    /* ... and means no-execute once it is set: a fetch faults with I. */
    env->efer |= EFER_NXE;
    x86_tlb_flush(env, true);
    g_assert_cmphex(ld(f, 0x40007000, 4, X86_MMU_KERNEL_NOSMAP), ==, 0);
    uint8_t *host;
    assert_pf(try_probe(f, 0x40007000, X86_ACCESS_EXEC, X86_MMU_KERNEL_NOSMAP, &host), PF_P | PF_I,
              0x40007000);
    /* A 2 MiB PDE reserves bits 20:13. */
    put64(f, PT_L2 + 16, 0x800000 | P | PS | (1ull << 13));
    assert_pf(try_ld(f, 0x40400000, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD, 0x40400000);
    fixture_free(f);
}

static void test_pae_pdpte_registers(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    pae_tables(f);
    enter_paging(f, MODE_PAE, 0, 0);
    put32(f, 0x206000, 0x1111);
    /* §4.4.1: a present PDPTE with a reserved bit makes the load fail (#GP(0)). */
    put64(f, PT_ROOT + 2 * 8, PT_L4 | P | (1ull << 5));
    g_assert_false(x86_mmu_load_pdptes(env, PT_ROOT));
    put64(f, PT_ROOT + 2 * 8, 0);
    g_assert_true(x86_mmu_load_pdptes(env, PT_ROOT));
    /* Once loaded, the walk uses the registers, not memory. */
    put64(f, PT_ROOT + 1 * 8, 0);
    x86_tlb_flush(env, true);
    g_assert_cmphex(ld(f, 0x40005000, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x1111);
    /* Reloading picks up the change. */
    g_assert_true(x86_mmu_load_pdptes(env, PT_ROOT));
    x86_tlb_flush(env, true);
    uint64_t v;
    assert_pf(try_ld(f, 0x40005000, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x40005000);
    fixture_free(f);
}

/* 4-level tables: linear 0x0000_0080_4020_3000 = PML4 1, PDPT 1, PD 1, PT 3. */
#define L4_ADDR 0x0000008040203000ull

static void long_tables(Fixture *f)
{
    put64(f, PT_ROOT + 1 * 8, PT_L2 | P | RW | US);
    put64(f, PT_L2 + 1 * 8, PT_L3 | P | RW | US);
    put64(f, PT_L3 + 1 * 8, PT_L4 | P | RW | US);
    put64(f, PT_L4 + 3 * 8, 0x208000 | P | RW | US);
    /* PD 2: a 2 MiB page at phys 0x800000 */
    put64(f, PT_L3 + 2 * 8, 0x800000 | P | RW | PS);
    /* PDPT 2: a 1 GiB page at phys 0 */
    put64(f, PT_L2 + 2 * 8, 0 | P | RW | PS);
}

static void test_long_mode(void)
{
    Fixture *f = fixture_new();
    f->cpu.model = x86_cpu_model_find("x86-64-v3"); /* has 1 GiB pages */
    g_assert_nonnull(f->cpu.model);
    long_tables(f);
    enter_paging(f, MODE_LONG, 0, EFER_NXE);
    put64(f, 0x208ff8, 0x0123456789abcdefull);
    g_assert_cmphex(ld(f, L4_ADDR + 0xff8, 8, X86_MMU_KERNEL_NOSMAP), ==, 0x0123456789abcdefull);
    const uint64_t walked[] = {PT_ROOT + 1 * 8, PT_L2 + 1 * 8, PT_L3 + 1 * 8, PT_L4 + 3 * 8};
    for (unsigned i = 0; i < 4; i++)
        g_assert_cmphex(get64(f, walked[i]) & (A | D), ==, A);
    /* 2 MiB page: linear 0x80_4040_0000 + x -> phys 0x800000 + x */
    put32(f, 0x800000 + 0x1abcd0, 0x22);
    g_assert_cmphex(ld(f, 0x8040400000ull + 0x1abcd0, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x22);
    /* 1 GiB page: linear 0x80_8000_0000 + x -> phys x */
    put32(f, 0xabcde0, 0x33);
    g_assert_cmphex(ld(f, 0x8080000000ull + 0xabcde0, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x33);
    st(f, 0x8080000000ull + 0xabcde4, 0x44, 1, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(f->m.ram[0xabcde4], ==, 0x44);
    g_assert_cmphex(get64(f, PT_L2 + 16) & (A | D), ==, A | D);

    uint64_t v;
    /* Non-canonical: #GP(0), not #PF. */
    Outcome o = try_ld(f, 0x0000800000000000ull, 4, X86_MMU_KERNEL_NOSMAP, &v);
    g_assert_cmpint(o.vector, ==, EXCP_GP);
    g_assert_cmpint(o.error_code, ==, 0);
    /* Canonical high half, nothing mapped: #PF with the full 64-bit CR2. */
    assert_pf(try_ld(f, 0xffff800000001000ull, 4, X86_MMU_KERNEL_NOSMAP, &v), 0,
              0xffff800000001000ull);
    /* Bits 62:52 are ignored in 4-level paging; 51:M are reserved. */
    put64(f, PT_L4 + 4 * 8, 0x209000 | P | RW | (0x7ffull << 52));
    g_assert_cmphex(ld(f, L4_ADDR + 0x1000, 4, X86_MMU_KERNEL_NOSMAP), ==, 0);
    put64(f, PT_L4 + 5 * 8, 0x209000 | P | RW | (1ull << 45));
    assert_pf(try_ld(f, L4_ADDR + 0x2000, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD,
              L4_ADDR + 0x2000);
    /* PS is reserved in a PML4E; a 1 GiB PDPTE reserves bits 29:13. */
    put64(f, PT_ROOT + 2 * 8, PT_L2 | P | RW | PS);
    assert_pf(try_ld(f, 0x10000000000ull, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD,
              0x10000000000ull);
    put64(f, PT_L2 + 3 * 8, 0x40000000 | P | PS | (1ull << 20));
    assert_pf(try_ld(f, 0x80c0000000ull, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD,
              0x80c0000000ull);
    fixture_free(f);
}

/* SDM 3A §4.5.4: without 1 GiB pages (CPUID.80000001H:EDX.Page1GB = 0, as on
 * x86-64-v2), PS in a PDPTE is a reserved bit. */
static void test_no_1g_pages(void)
{
    Fixture *f = fixture_new();
    f->cpu.model = x86_cpu_model_find("x86-64-v2");
    g_assert_nonnull(f->cpu.model);
    long_tables(f);
    enter_paging(f, MODE_LONG, 0, EFER_NXE);
    uint64_t v;
    assert_pf(try_ld(f, 0x8080000000ull, 4, X86_MMU_KERNEL_NOSMAP, &v), PF_P | PF_RSVD,
              0x8080000000ull);
    /* 2 MiB pages are always there. */
    g_assert_cmphex(ld(f, 0x8040400000ull, 4, X86_MMU_KERNEL_NOSMAP), ==, 0);
    fixture_free(f);
}

/* ---- access rights (SDM 3A §4.6) ---- */

/* Long-mode tables for the rights tests: linear 0x1000 * n -> phys frame(n)
 * with the given leaf flags (upper levels allow everything). */
static void rights_tables(Fixture *f)
{
    put64(f, PT_ROOT, PT_L2 | P | RW | US);
    put64(f, PT_L2, PT_L3 | P | RW | US);
    put64(f, PT_L3, PT_L4 | P | RW | US);
}

static uint64_t frame(unsigned n)
{
    return 0x300000 + 0x1000ull * n;
}

/* PTE n = entry (raw). */
static void set_pte(Fixture *f, unsigned n, uint64_t entry)
{
    put64(f, PT_L4 + 8 * n, entry);
}

/* Linear page n -> frame(n) with the given flags. */
static void map_page(Fixture *f, unsigned n, uint64_t flags)
{
    set_pte(f, n, frame(n) | flags);
}

enum {
    PG_SUP_RO = 1,  /* supervisor, read-only */
    PG_SUP_RW = 2,  /* supervisor, writable */
    PG_USER_RO = 3, /* user, read-only */
    PG_USER_RW = 4, /* user, writable */
    PG_USER_NX = 5, /* user, writable, no-execute */
};

static Fixture *rights_fixture(uint64_t cr0_wp, uint64_t cr4)
{
    Fixture *f = fixture_new();
    rights_tables(f);
    map_page(f, PG_SUP_RO, P);
    map_page(f, PG_SUP_RW, P | RW);
    map_page(f, PG_USER_RO, P | US);
    map_page(f, PG_USER_RW, P | RW | US);
    map_page(f, PG_USER_NX, P | RW | US | XD);
    enter_paging(f, MODE_LONG, cr4, EFER_NXE);
    f->cpu.env.cr[0] |= cr0_wp;
    return f;
}

static void test_user_supervisor(void)
{
    Fixture *f = rights_fixture(0, 0);
    uint64_t v;
    uint8_t *host;
    /* User accesses to supervisor pages: P=1, U=1 (and W for a write). */
    assert_pf(try_ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_USER, &v), PF_P | PF_U, 0x1000 * PG_SUP_RW);
    assert_pf(try_st(f, 0x1000 * PG_SUP_RW + 8, 1, 4, X86_MMU_USER), PF_P | PF_U | PF_W,
              0x1000 * PG_SUP_RW + 8);
    /* User writes to read-only user pages: P=1, W=1, U=1, whatever CR0.WP. */
    g_assert_cmphex(ld(f, 0x1000 * PG_USER_RO, 4, X86_MMU_USER), ==, 0);
    assert_pf(try_st(f, 0x1000 * PG_USER_RO, 1, 4, X86_MMU_USER), PF_P | PF_U | PF_W,
              0x1000 * PG_USER_RO);
    st(f, 0x1000 * PG_USER_RW, 0x99, 4, X86_MMU_USER);
    g_assert_cmphex(get32(f, frame(PG_USER_RW)), ==, 0x99);
    /* NX: user fetch faults with I (NXE is on); reads and writes are fine. */
    assert_pf(try_probe(f, 0x1000 * PG_USER_NX, X86_ACCESS_EXEC, X86_MMU_USER, &host),
              PF_P | PF_U | PF_I, 0x1000 * PG_USER_NX);
    st(f, 0x1000 * PG_USER_NX, 1, 1, X86_MMU_USER);
    assert_ok(try_probe(f, 0x1000 * PG_USER_RW, X86_ACCESS_EXEC, X86_MMU_USER, &host));
    g_assert_true(host == f->m.ram + frame(PG_USER_RW));
    /* Supervisor (no SMAP/SMEP): everything but NX fetches. */
    st(f, 0x1000 * PG_USER_RO, 0x55, 4, X86_MMU_KERNEL);
    assert_ok(try_probe(f, 0x1000 * PG_USER_RW, X86_ACCESS_EXEC, X86_MMU_KERNEL, &host));
    assert_ok(try_probe(f, 0x1000 * PG_SUP_RW, X86_ACCESS_EXEC, X86_MMU_KERNEL, &host));
    assert_pf(try_probe(f, 0x1000 * PG_USER_NX, X86_ACCESS_EXEC, X86_MMU_KERNEL, &host),
              PF_P | PF_I, 0x1000 * PG_USER_NX);
    fixture_free(f);
}

static void test_write_protect(void)
{
    Fixture *f = rights_fixture(0, 0);
    /* CR0.WP = 0: supervisor writes ignore R/W (SDM 3A §4.6.1). */
    st(f, 0x1000 * PG_SUP_RO, 0x1234, 2, X86_MMU_KERNEL_NOSMAP);
    st(f, 0x1000 * PG_USER_RO + 2, 0x5678, 2, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(get32(f, frame(PG_SUP_RO)), ==, 0x1234);
    g_assert_cmphex(get32(f, frame(PG_USER_RO)) >> 16, ==, 0x5678);
    fixture_free(f);

    f = rights_fixture(CR0_WP, 0);
    assert_pf(try_st(f, 0x1000 * PG_SUP_RO, 1, 2, X86_MMU_KERNEL_NOSMAP), PF_P | PF_W,
              0x1000 * PG_SUP_RO);
    assert_pf(try_st(f, 0x1000 * PG_USER_RO, 1, 2, X86_MMU_KERNEL_NOSMAP), PF_P | PF_W,
              0x1000 * PG_USER_RO);
    st(f, 0x1000 * PG_SUP_RW, 1, 2, X86_MMU_KERNEL_NOSMAP);
    fixture_free(f);
}

static void test_smep(void)
{
    Fixture *f = rights_fixture(0, CR4_SMEP);
    uint8_t *host;
    /* Supervisor fetch from a user page faults with I (SMEP alone sets I). */
    assert_pf(try_probe(f, 0x1000 * PG_USER_RW, X86_ACCESS_EXEC, X86_MMU_KERNEL_NOSMAP, &host),
              PF_P | PF_I, 0x1000 * PG_USER_RW);
    assert_ok(try_probe(f, 0x1000 * PG_SUP_RW, X86_ACCESS_EXEC, X86_MMU_KERNEL_NOSMAP, &host));
    /* Data accesses to user pages are not affected by SMEP. */
    g_assert_cmphex(ld(f, 0x1000 * PG_USER_RW, 4, X86_MMU_KERNEL_NOSMAP), ==, 0);
    /* User fetches from user pages are fine. */
    assert_ok(try_probe(f, 0x1000 * PG_USER_RW, X86_ACCESS_EXEC, X86_MMU_USER, &host));
    fixture_free(f);
}

static void test_smap(void)
{
    Fixture *f = rights_fixture(0, CR4_SMAP);
    CPUX86State *env = &f->cpu.env;
    uint64_t v;
    uint8_t *host;
    /* The MMU index follows EFLAGS.AC. */
    env->eflags &= ~(uint64_t)AC_MASK;
    x86_cpu_update_hflags(env);
    g_assert_cmpuint(x86_mmu_index(env->hflags), ==, X86_MMU_KERNEL);
    env->eflags |= AC_MASK;
    x86_cpu_update_hflags(env);
    g_assert_cmpuint(x86_mmu_index(env->hflags), ==, X86_MMU_KERNEL_NOSMAP);
    /* Implicit supervisor accesses enforce SMAP whatever AC says (§4.6.1). */
    g_assert_cmpuint(x86_mmu_index_implicit(env), ==, X86_MMU_KERNEL);

    assert_pf(try_ld(f, 0x1000 * PG_USER_RW, 4, X86_MMU_KERNEL, &v), PF_P, 0x1000 * PG_USER_RW);
    assert_pf(try_st(f, 0x1000 * PG_USER_RW, 1, 4, X86_MMU_KERNEL), PF_P | PF_W,
              0x1000 * PG_USER_RW);
    g_assert_cmphex(ld(f, 0x1000 * PG_USER_RW, 4, X86_MMU_KERNEL_NOSMAP), ==, 0);
    st(f, 0x1000 * PG_USER_RW, 7, 4, X86_MMU_KERNEL_NOSMAP);
    /* Supervisor pages are unaffected; SMAP does not restrict fetches. */
    st(f, 0x1000 * PG_SUP_RW, 7, 4, X86_MMU_KERNEL);
    assert_ok(try_probe(f, 0x1000 * PG_USER_RW, X86_ACCESS_EXEC, X86_MMU_KERNEL, &host));
    fixture_free(f);
}

static void test_not_present_codes(void)
{
    Fixture *f = rights_fixture(0, 0);
    uint64_t v;
    uint8_t *host;
    /* Not present: P = 0, with W/U describing the access; I only for fetches with
     * NXE (on here). */
    assert_pf(try_ld(f, 0x20000, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x20000);
    assert_pf(try_st(f, 0x20004, 1, 4, X86_MMU_KERNEL_NOSMAP), PF_W, 0x20004);
    assert_pf(try_ld(f, 0x20008, 4, X86_MMU_USER, &v), PF_U, 0x20008);
    assert_pf(try_st(f, 0x2000c, 1, 4, X86_MMU_USER), PF_U | PF_W, 0x2000c);
    assert_pf(try_probe(f, 0x20010, X86_ACCESS_EXEC, X86_MMU_USER, &host), PF_U | PF_I, 0x20010);
    /* Without NXE (nor SMEP), I stays clear (§4.7). */
    f->cpu.env.efer &= ~(uint64_t)EFER_NXE;
    x86_tlb_flush(&f->cpu.env, true);
    assert_pf(try_probe(f, 0x20010, X86_ACCESS_EXEC, X86_MMU_USER, &host), PF_U, 0x20010);
    fixture_free(f);
}

/* ---- the TLB ---- */

static void test_tlb_hits_and_flushes(void)
{
    Fixture *f = rights_fixture(0, CR4_PGE);
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    put32(f, frame(PG_SUP_RW), 0xaaaa);
    g_assert_cmphex(ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xaaaa);
    uint64_t fills = tlb->fills;
    for (int i = 0; i < 10; i++)
        ld(f, 0x1000 * PG_SUP_RW + 4 * i, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmpuint(tlb->fills, ==, fills);

    /* Remapping in memory is not seen until the entry is flushed (SDM 3A §4.10.4). */
    put32(f, frame(PG_USER_RW), 0xbbbb);
    set_pte(f, PG_SUP_RW, frame(PG_USER_RW) | P | RW);
    g_assert_cmphex(ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xaaaa);
    x86_tlb_flush_page(env, 0x1000 * PG_SUP_RW + 0x123);
    g_assert_cmphex(ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xbbbb);
    g_assert_cmpuint(tlb->fills, ==, fills + 1);

    /* Global pages survive a non-global flush (MOV CR3), not a global one. */
    put32(f, frame(PG_SUP_RO), 0xcccc);
    map_page(f, PG_SUP_RO, P | G);
    g_assert_cmphex(ld(f, 0x1000 * PG_SUP_RO, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xcccc);
    set_pte(f, PG_SUP_RO, 0);
    set_pte(f, PG_SUP_RW, 0);
    x86_tlb_flush(env, false);
    g_assert_cmphex(ld(f, 0x1000 * PG_SUP_RO, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xcccc);
    uint64_t v;
    assert_pf(try_ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x1000 * PG_SUP_RW);
    x86_tlb_flush(env, true);
    assert_pf(try_ld(f, 0x1000 * PG_SUP_RO, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x1000 * PG_SUP_RO);
    /* INVLPG drops global entries too. */
    map_page(f, PG_SUP_RO, P | G);
    g_assert_cmphex(ld(f, 0x1000 * PG_SUP_RO, 4, X86_MMU_KERNEL_NOSMAP), ==, 0xcccc);
    set_pte(f, PG_SUP_RO, 0);
    x86_tlb_flush_page(env, 0x1000 * PG_SUP_RO);
    assert_pf(try_ld(f, 0x1000 * PG_SUP_RO, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, 0x1000 * PG_SUP_RO);
    fixture_free(f);
}

static void test_tlb_large_page_invlpg(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    long_tables(f);
    enter_paging(f, MODE_LONG, 0, 0);
    uint64_t base = 0x8040400000ull; /* the 2 MiB page at phys 0x800000 */
    put32(f, 0x800000, 1);
    put32(f, 0x9ff000, 2);
    g_assert_cmphex(ld(f, base, 4, X86_MMU_KERNEL_NOSMAP), ==, 1);
    g_assert_cmphex(ld(f, base + 0x1ff000, 4, X86_MMU_KERNEL_NOSMAP), ==, 2);
    /* Remove the 2 MiB mapping; INVLPG of one address of it drops every 4 KiB piece
     * the TLB holds (§4.10.4.1: the whole page's translations). */
    put64(f, PT_L3 + 2 * 8, 0);
    x86_tlb_flush_page(env, base + 0x5000);
    uint64_t v;
    assert_pf(try_ld(f, base + 0x1ff000, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, base + 0x1ff000);
    fixture_free(f);
}

/* Linear [0, 32 MiB) as sixteen 2 MiB pages (phys 2 MiB * (n % 8)), global when n is
 * odd: twice as many 4 KiB pieces as the TLB has entries per MMU index. */
#define MANY_LARGE 16

static void many_large_pages(Fixture *f)
{
    put64(f, PT_ROOT, PT_L2 | P | RW | US);
    put64(f, PT_L2, PT_L3 | P | RW | US);
    for (unsigned n = 0; n < MANY_LARGE; n++)
        put64(f, PT_L3 + 8 * n, (0x200000ull * (n % 8)) | P | RW | US | PS | (n & 1 ? G : 0));
    enter_paging(f, MODE_LONG, CR4_PGE, 0);
}

enum { NON_GLOBAL = 1, GLOBAL = 2, BOTH = 3 };

/* How many of the 4 KiB pieces in [from, to) of those pages (NON_GLOBAL, GLOBAL or
 * BOTH) a load through idx does not fault on. */
static unsigned count_readable(Fixture *f, unsigned idx, uint64_t from, uint64_t to, int kinds)
{
    unsigned ok = 0;
    for (uint64_t a = from; a < to; a += X86_PAGE_SIZE) {
        uint64_t v;
        int kind = (a >> 21) & 1 ? GLOBAL : NON_GLOBAL;
        if ((kinds & kind) && try_ld(f, a, 4, idx, &v).vector < 0)
            ok++;
    }
    return ok;
}

#define MANY_END (MANY_LARGE * 0x200000ull)

/* A flush empties every entry filled since the last one, in every MMU index, whatever
 * the order of the fills; a non-global flush keeps exactly the global entries. */
static void test_tlb_flush_after_many_fills(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    const unsigned pieces = MANY_LARGE * 512, per_tlb = X86_TLB_SIZE;
    g_assert_cmpuint(pieces, >=, 2 * per_tlb);
    many_large_pages(f);
    /* The last per_tlb pieces read: the table's entries after a pass. */
    const uint64_t last = MANY_END - per_tlb * X86_PAGE_SIZE;
    for (int round = 0; round < 2; round++) {
        /* Fill both indices (the second pass over a page refills what the first
         * evicted), then unmap everything behind the TLB's back. */
        g_assert_cmpuint(count_readable(f, X86_MMU_KERNEL_NOSMAP, 0, MANY_END, BOTH), ==, pieces);
        g_assert_cmpuint(count_readable(f, X86_MMU_USER, 0, MANY_END, BOTH), ==, pieces);
        for (unsigned n = 0; n < MANY_LARGE; n++)
            put64(f, PT_L3 + 8 * n, 0);
        uint64_t fills = tlb->fills;
        /* MOV CR3: only global entries stay, all those of the table. */
        x86_tlb_flush(env, false);
        for (unsigned k = 0; k < 2; k++) {
            unsigned idx = k ? X86_MMU_USER : X86_MMU_KERNEL_NOSMAP;
            g_assert_cmpuint(count_readable(f, idx, 0, MANY_END, NON_GLOBAL), ==, 0);
            g_assert_cmpuint(count_readable(f, idx, last, MANY_END, GLOBAL), ==, per_tlb / 2);
        }
        g_assert_cmpuint(tlb->fills, ==, fills);
        x86_tlb_flush(env, true);
        g_assert_cmpuint(count_readable(f, X86_MMU_KERNEL_NOSMAP, 0, MANY_END, BOTH), ==, 0);
        g_assert_cmpuint(count_readable(f, X86_MMU_USER, 0, MANY_END, BOTH), ==, 0);
        many_large_pages(f);
    }
    fixture_free(f);
}

/* One entry index filled with a global translation, then a non-global one (and the
 * other way round): a CR3 load drops exactly the non-global translation, whichever
 * the index held first (the TLB lists the two kinds apart). */
static void test_tlb_index_changes_kind(void)
{
    Fixture *f = rights_fixture(0, CR4_PGE);
    CPUX86State *env = &f->cpu.env;
    const unsigned k = X86_MMU_KERNEL_NOSMAP;
    const uint64_t a = 0x1000 * PG_SUP_RW, b = a + X86_TLB_SIZE * X86_PAGE_SIZE;
    const uint64_t b_pte = PT_L5 + 8 * ((b >> 12) & 511);
    put64(f, PT_L3 + 8 * ((b >> 21) & 511), PT_L5 | P | RW | US);
    put32(f, frame(PG_SUP_RW), 0xaaaa);
    put32(f, frame(PG_USER_RW), 0xbbbb);
    uint64_t v;

    map_page(f, PG_SUP_RW, P | RW | G);
    put64(f, b_pte, frame(PG_USER_RW) | P | RW);
    g_assert_cmphex(ld(f, a, 4, k), ==, 0xaaaa); /* global, then non-global at its index */
    g_assert_cmphex(ld(f, b, 4, k), ==, 0xbbbb);
    put64(f, b_pte, 0);
    x86_tlb_flush(env, false);
    assert_pf(try_ld(f, b, 4, k, &v), 0, b);
    g_assert_cmphex(ld(f, a, 4, k), ==, 0xaaaa);

    x86_tlb_flush(env, true);
    put64(f, b_pte, frame(PG_USER_RW) | P | RW);
    g_assert_cmphex(ld(f, b, 4, k), ==, 0xbbbb); /* non-global, then global at its index */
    g_assert_cmphex(ld(f, a, 4, k), ==, 0xaaaa);
    map_page(f, PG_SUP_RW, 0);
    x86_tlb_flush(env, false);
    x86_tlb_flush(env, false);
    g_assert_cmphex(ld(f, a, 4, k), ==, 0xaaaa);
    x86_tlb_flush(env, true);
    assert_pf(try_ld(f, a, 4, k, &v), 0, a);
    fixture_free(f);
}

/* INVLPG of any address of a large page drops every 4 KiB piece of it the TLB holds
 * (SDM 3A §4.10.4.1), and other pages' entries stay usable. */
static void test_tlb_invlpg_whole_large_page(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    many_large_pages(f);
    g_assert_cmpuint(count_readable(f, X86_MMU_KERNEL_NOSMAP, 0, MANY_END, BOTH), ==,
                     MANY_LARGE * 512);
    /* The last 2 MiB page read (n = 15) is entirely in the TLB: unmap it and 14. */
    put64(f, PT_L3 + 8 * 15, 0);
    put64(f, PT_L3 + 8 * 14, 0);
    x86_tlb_flush_page(env, 15 * 0x200000ull + 0x1234);
    uint64_t v;
    for (uint64_t a = 15 * 0x200000ull; a < 16 * 0x200000ull; a += X86_PAGE_SIZE)
        assert_pf(try_ld(f, a, 4, X86_MMU_KERNEL_NOSMAP, &v), 0, a);
    /* Page 14 was not invalidated: its pieces still in the TLB still translate. */
    g_assert_cmpuint(count_readable(f, X86_MMU_KERNEL_NOSMAP, 0, MANY_END, BOTH), >=, 1);
    fixture_free(f);
}

/* Two pages that share a TLB index, used in turn, swap through the victim TLB
 * without walking; each access still reaches its own frame, with its own rights, and
 * INVLPG and MOV CR3 reach entries parked in the victim TLB. */
static void test_tlb_victim_swap(void)
{
    Fixture *f = rights_fixture(0, 0);
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    const unsigned kn = X86_MMU_KERNEL_NOSMAP;
    const uint64_t a = 0x1000 * PG_SUP_RW, b = a + X86_TLB_SIZE * X86_PAGE_SIZE;
    put64(f, PT_L3 + 8 * (b >> 21), PT_L5 | P | RW | US);
    put64(f, PT_L5 + 8 * ((b >> 12) & 511), frame(40) | P | RW | A | D);
    put32(f, frame(PG_SUP_RW), 0xaaaa);
    put32(f, frame(40), 0xbbbb);
    g_assert_cmphex(ld(f, a, 4, kn), ==, 0xaaaa);
    g_assert_cmphex(ld(f, b, 4, kn), ==, 0xbbbb);
    uint64_t fills = tlb->fills;
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(ld(f, a, 4, kn), ==, 0xaaaa);
        g_assert_cmphex(ld(f, b, 4, kn), ==, 0xbbbb);
    }
    g_assert_cmpuint(tlb->fills, ==, fills);
    /* a's entry was filled by a read of a clean page: its first write walks to set D
     * (SDM 3A §4.8); b's allows writes. */
    st(f, a + 4, 0x1111, 4, kn);
    g_assert_cmphex(get64(f, PT_L4 + 8 * PG_SUP_RW) & (A | D), ==, A | D);
    st(f, b + 4, 0x2222, 4, kn);
    st(f, a + 8, 0x3333, 4, kn);
    g_assert_cmpuint(tlb->fills, ==, fills + 1);
    g_assert_cmphex(get32(f, frame(PG_SUP_RW) + 4), ==, 0x1111);
    g_assert_cmphex(get32(f, frame(PG_SUP_RW) + 8), ==, 0x3333);
    g_assert_cmphex(get32(f, frame(40) + 4), ==, 0x2222);
    /* Rights stay per MMU index: the user index never sees a's supervisor entry. */
    uint64_t v;
    assert_pf(try_ld(f, a, 4, X86_MMU_USER, &v), PF_P | PF_U, a);
    /* INVLPG of a page while it is a victim (b is in the table now). */
    ld(f, b, 4, kn);
    put32(f, frame(41), 0xcccc);
    set_pte(f, PG_SUP_RW, frame(41) | P | RW | A | D);
    x86_tlb_flush_page(env, a);
    g_assert_cmphex(ld(f, a, 4, kn), ==, 0xcccc);
    /* MOV CR3 drops non-global victims. */
    ld(f, b, 4, kn);
    set_pte(f, PG_SUP_RW, 0);
    x86_tlb_flush(env, false);
    assert_pf(try_ld(f, a, 4, kn, &v), 0, a);
    fixture_free(f);
}

static void test_dirty_needs_slow_path(void)
{
    Fixture *f = rights_fixture(0, 0);
    /* A read fills the entry of a clean page; the next write must still set D. */
    ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(get64(f, PT_L4 + 8 * PG_SUP_RW) & (A | D), ==, A);
    st(f, 0x1000 * PG_SUP_RW, 5, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(get64(f, PT_L4 + 8 * PG_SUP_RW) & (A | D), ==, A | D);
    /* Permissions are per MMU index: a user read of a supervisor page still faults
     * after the supervisor filled its own entry. */
    uint64_t v;
    assert_pf(try_ld(f, 0x1000 * PG_SUP_RW, 4, X86_MMU_USER, &v), PF_P | PF_U, 0x1000 * PG_SUP_RW);
    fixture_free(f);
}

static void test_cross_page(void)
{
    Fixture *f = rights_fixture(0, 0);
    /* Pages 1 and 2 are mapped to non-adjacent frames: each byte lands in its page. */
    set_pte(f, 7, frame(12) | P | RW);
    set_pte(f, 8, frame(10) | P | RW);
    st(f, 0x7ffe, 0x44332211, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmphex(f->m.ram[frame(12) + 0xffe], ==, 0x11);
    g_assert_cmphex(f->m.ram[frame(12) + 0xfff], ==, 0x22);
    g_assert_cmphex(f->m.ram[frame(10) + 0], ==, 0x33);
    g_assert_cmphex(f->m.ram[frame(10) + 1], ==, 0x44);
    g_assert_cmphex(ld(f, 0x7fff, 2, X86_MMU_KERNEL_NOSMAP), ==, 0x3322);
    /* Second page not present: #PF for its first byte, and the first page untouched. */
    set_pte(f, 9, 0);
    set_pte(f, 8, frame(11) | P | RW);
    x86_tlb_flush(&f->cpu.env, true);
    assert_pf(try_st(f, 0x8ffc, 0xffffffffffffffffull, 8, X86_MMU_KERNEL_NOSMAP), PF_W, 0x9000);
    g_assert_cmphex(get32(f, frame(11) + 0xffc), ==, 0);
    /* Second page read-only under WP: the same. */
    f->cpu.env.cr[0] |= CR0_WP;
    set_pte(f, 9, frame(13) | P);
    x86_tlb_flush(&f->cpu.env, true);
    assert_pf(try_st(f, 0x8ffe, 0xffffffff, 4, X86_MMU_KERNEL_NOSMAP), PF_P | PF_W, 0x9000);
    g_assert_cmphex(get32(f, frame(11) + 0xffc), ==, 0);
    fixture_free(f);
}

static void test_mmio_through_paging(void)
{
    Fixture *f = rights_fixture(0, 0);
    set_pte(f, 20, MMIO_BASE | P | RW);
    g_assert_cmphex(ld(f, 0x14008, 4, X86_MMU_KERNEL_NOSMAP), ==, 0x5a5a5a5a);
    g_assert_cmpuint(f->mmio_reads, ==, 1);
    g_assert_cmphex(f->mmio_last_addr, ==, 8);
    st(f, 0x14010, 0x77, 2, X86_MMU_KERNEL_NOSMAP);
    st(f, 0x14010, 0x78, 2, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmpuint(f->mmio_writes, ==, 2);
    g_assert_cmphex(f->mmio_last_val, ==, 0x78);
    uint8_t *host = (uint8_t *)1;
    assert_ok(try_probe(f, 0x14000, X86_ACCESS_WRITE, X86_MMU_KERNEL_NOSMAP, &host));
    g_assert_null(host);
    /* The slow path of an MMIO page uses the cached translation too: a remapping is
     * not seen before the flush. */
    map_page(f, 20, P | RW);
    ld(f, 0x14008, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmpuint(f->mmio_reads, ==, 2);
    x86_tlb_flush_page(&f->cpu.env, 0x14000);
    ld(f, 0x14008, 4, X86_MMU_KERNEL_NOSMAP);
    g_assert_cmpuint(f->mmio_reads, ==, 2);
    fixture_free(f);
}

static void test_fetch(void)
{
    Fixture *f = rights_fixture(0, 0);
    CPUX86State *env = &f->cpu.env;
    map_page(f, 30, P | RW);
    memset(f->m.ram + frame(30), 0x90, 0x1000);
    uint8_t buf[16];
    /* The fetch stops at the non-present page 31 without faulting. */
    g_assert_cmpuint(x86_fetch_code(env, 0x1eff8, buf, 15), ==, 8);
    g_assert_cmphex(buf[7], ==, 0x90);
    g_assert_cmpuint(x86_fetch_code(env, 0x1f000, buf, 15), ==, 0);
    /* x86_get_phys_code raises the #PF the instruction fetch would, and makes the
     * fault restart at CS:rIP. */
    env->segs[R_CS].base = 0;
    env->rip = 0x1f000;
    uint64_t phys = 0;
    if (sigsetjmp(f->cpu.jmp_env, 0) == 0) {
        x86_get_phys_code(env, 0x1f000, &phys);
        g_assert_not_reached();
    }
    g_assert_cmpint(env->exception_index, ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_I); /* NXE is on */
    g_assert_cmphex(env->cr[2], ==, 0x1f000);
    env->rip = 0;
    x86_restore_state(env, f->cpu.exec.insn_data);
    g_assert_cmphex(env->rip, ==, 0x1f000);
    g_assert_true(x86_get_phys_code(env, 0x1e123, &phys));
    g_assert_cmphex(phys, ==, frame(30) + 0x123);
    fixture_free(f);
}

/* x86_get_phys_code, with a fault turned into an Outcome. */
static Outcome try_code(Fixture *f, uint64_t linear, uint64_t *phys)
{
    CPUX86State *env = &f->cpu.env;
    env->cr[2] = 0xdeadull;
    if (sigsetjmp(f->cpu.jmp_env, 0) != 0)
        return (Outcome){env->exception_index, env->error_code, env->cr[2]};
    x86_get_phys_code(env, linear, phys);
    return (Outcome){-1, 0, 0};
}

static uint64_t code_phys(Fixture *f, uint64_t linear)
{
    uint64_t phys = 0;
    assert_ok(try_code(f, linear, &phys));
    return phys;
}

/* Block lookups hit the code TLB without a walk, and see exactly what a TLB would:
 * stale until INVLPG, flushed when A20 changes, never a hit for a non-canonical
 * address that shares an entry's low bits. */
static void test_code_lookup_hits(void)
{
    Fixture *f = rights_fixture(0, 0);
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    map_page(f, 30, P | RW);
    g_assert_cmphex(code_phys(f, 0x1e123), ==, frame(30) + 0x123);
    uint64_t fills = tlb->fills;
    g_assert_cmphex(code_phys(f, 0x1eff0), ==, frame(30) + 0xff0);
    g_assert_cmpuint(tlb->fills, ==, fills);

    /* SDM 3A §4.10.4: the remapping is not seen until the page is invalidated. */
    map_page(f, 30, 0);
    set_pte(f, 30, frame(31) | P | RW);
    g_assert_cmphex(code_phys(f, 0x1e008), ==, frame(30) + 8);
    x86_tlb_flush_page(env, 0x1e000);
    g_assert_cmphex(code_phys(f, 0x1e008), ==, frame(31) + 8);
    g_assert_cmpuint(tlb->fills, ==, fills + 1);

    /* Same TLB index and low 48 bits, not canonical: #GP(0), not a hit. */
    uint64_t phys;
    Outcome o = try_code(f, 0x1e008 | (1ull << 47), &phys);
    g_assert_cmpint(o.vector, ==, EXCP_GP);
    /* A non-present page is a fetch #PF whatever the entry at its index holds. */
    uint64_t alias = 0x1e008 + X86_TLB_SIZE * X86_PAGE_SIZE;
    g_assert_cmpuint(alias >> 30, ==, 0); /* in the page directory at PT_L3 */
    put64(f, PT_L3 + 8 * ((alias >> 21) & 511), PT_L5 | P | RW | US);
    put64(f, PT_L5 + 8 * ((alias >> 12) & 511), 0);
    assert_pf(try_code(f, alias, &phys), PF_I, alias);

    /* Paging off: the A20 gate applies to code lookups too, hit or not. */
    env->cr[0] = CR0_PE | CR0_ET;
    x86_cpu_update_hflags(env);
    x86_tlb_flush(env, true);
    g_assert_cmphex(code_phys(f, 0x101234), ==, 0x101234);
    x86_set_a20(env, false);
    g_assert_cmphex(code_phys(f, 0x101234), ==, 0x1234);
    x86_set_a20(env, true);
    g_assert_cmphex(code_phys(f, 0x101234), ==, 0x101234);
    fixture_free(f);
}

/* Self-modifying code through an alias: the write entry of the alias was filled
 * before the code page held any translation; translating it must make that entry
 * take the slow path so that the store invalidates the block. */
static void test_smc_through_alias(void)
{
    Fixture *f = rights_fixture(0, 0);
    CPUX86State *env = &f->cpu.env;
    const uint64_t code = 0x1000 * 40, alias = 0x1000 * 41;
    const uint64_t code_frame = frame(40);
    set_pte(f, 40, code_frame | P | RW);
    set_pte(f, 41, code_frame | P | RW);
    static const uint8_t prog[] = {
        0xc6, 0x04, 0x25, 0, 0, 0, 0, 0xfe, /* mov byte [disp32], 0xfe */
        0xff, 0xc0,                         /* inc eax (FF /0); patched to FE C0: inc al */
        0xf4,                               /* hlt */
    };
    memcpy(f->m.ram + code_frame, prog, sizeof(prog));
    uint32_t target = (uint32_t)(alias + 8);
    memcpy(f->m.ram + code_frame + 3, &target, 4);

    /* 64-bit code segment at CPL 0. */
    env->segs[R_CS].flags |= DESC_L_MASK;
    env->segs[R_CS].flags &= ~DESC_B_MASK;
    env->segs[R_CS].base = 0;
    env->rip = code;
    env->regs[R_EAX] = 0x1ff;
    x86_cpu_update_hflags(env);
    /* Fill a fast write entry for the alias while the page holds no code. */
    st(f, alias + 0x800, 0, 1, x86_mmu_index(env->hflags));
    g_assert_cmpint(tcg_runner_run(f->r, &f->cpu, 20), ==, EXCP_HLT);
    /* inc al: 0xff + 1 = 0x00 in AL only; inc eax would give 0x200. */
    g_assert_cmphex(env->regs[R_EAX], ==, 0x100);
    fixture_free(f);
}

/* ---- the jump cache's generation (tcg/tb.h, cpu/x86/tlb.h) ---- */

/* Writes "mov eax, value; hlt" at physical address pa. */
static void put_mov_eax_hlt(Fixture *f, uint64_t pa, uint32_t value)
{
    f->m.ram[pa] = 0xb8;
    memcpy(f->m.ram + pa + 1, &value, 4);
    f->m.ram[pa + 5] = 0xf4;
}

/* Runs from rip to the HLT; returns EAX. */
static uint32_t run_to_hlt(Fixture *f, uint64_t rip)
{
    CPUX86State *env = &f->cpu.env;
    env->rip = rip;
    env->halted = false;
    g_assert_cmpint(tcg_runner_run(f->r, &f->cpu, 10), ==, EXCP_HLT);
    return (uint32_t)env->regs[R_EAX];
}

/* The vCPU loop finds blocks by linear pc in its jump cache, without translating pc,
 * when the slot was filled under the TLB's current generation: INVLPG, a CR3 load
 * (x86_tlb_flush) and an A20 change must each make a block of the old mapping miss,
 * so that the code the new mapping points to runs. */
static void test_jump_cache_generation(void)
{
    Fixture *f = rights_fixture(0, 0);
    CPUX86State *env = &f->cpu.env;
    const uint64_t code = 0x1000 * 40;
    put_mov_eax_hlt(f, frame(40), 1);
    put_mov_eax_hlt(f, frame(41), 2);
    env->segs[R_CS].flags |= DESC_L_MASK;
    env->segs[R_CS].flags &= ~DESC_B_MASK;
    env->segs[R_CS].base = 0;
    x86_cpu_update_hflags(env);
    set_pte(f, 40, frame(40) | P | RW);
    g_assert_cmpuint(run_to_hlt(f, code), ==, 1);
    g_assert_cmpuint(run_to_hlt(f, code), ==, 1);
    /* Remapped: the old translation may be used until INVLPG (SDM 3A §4.10.4.1). */
    set_pte(f, 40, frame(41) | P | RW);
    x86_tlb_flush_page(env, code);
    g_assert_cmpuint(run_to_hlt(f, code), ==, 2);
    set_pte(f, 40, frame(40) | P | RW);
    x86_tlb_flush(env, false);
    g_assert_cmpuint(run_to_hlt(f, code), ==, 1);
    /* Unmapped: the fetch faults instead of running the cached block. */
    set_pte(f, 40, 0);
    x86_tlb_flush_page(env, code);
    env->rip = code;
    g_assert_cmpint(tcg_runner_run(f->r, &f->cpu, 10), ==, EXCP_PF);

    /* Paging off, 32-bit code: the A20 gate moves linear 0x1f0000 to 0x0f0000. */
    put_mov_eax_hlt(f, 0x1f0000, 3);
    put_mov_eax_hlt(f, 0x0f0000, 4);
    env->cr[0] = CR0_PE | CR0_ET;
    env->efer = 0;
    env->segs[R_CS].flags &= ~DESC_L_MASK;
    env->segs[R_CS].flags |= DESC_B_MASK;
    x86_cpu_update_hflags(env);
    x86_tlb_flush(env, true);
    g_assert_cmpuint(run_to_hlt(f, 0x1f0000), ==, 3);
    x86_set_a20(env, false);
    g_assert_cmpuint(run_to_hlt(f, 0x1f0000), ==, 4);
    x86_set_a20(env, true);
    g_assert_cmpuint(run_to_hlt(f, 0x1f0000), ==, 3);
    fixture_free(f);
}

/* Blocks on global pages keep their jump-cache slots across CR3 loads (stamped with
 * the TLB's global generation): each run after the flush must still see exactly what
 * the TLB maps. A non-global page, or a block that crosses from a global page into a
 * non-global one, is looked up again after a CR3 load; a global one after a global
 * flush (a CR4.PGE toggle) or INVLPG of its page. A block found by its physical pc is
 * taken only if its second page still maps to the frame it was translated from. */
static void test_jump_cache_global_pages(void)
{
    Fixture *f = rights_fixture(0, CR4_PGE);
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    for (unsigned n = 40; n < 48; n++)
        put_mov_eax_hlt(f, frame(n), n);
    env->segs[R_CS].flags |= DESC_L_MASK;
    env->segs[R_CS].flags &= ~DESC_B_MASK;
    env->segs[R_CS].base = 0;
    x86_cpu_update_hflags(env);

    /* Global page 40: a CR3 load keeps its translation (SDM 3A §4.10.4.1), and the
     * slot with it (no new translation of the pc: no fill). */
    set_pte(f, 40, frame(40) | P | RW | G);
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 40), ==, 40);
    set_pte(f, 40, frame(41) | P | RW | G);
    uint64_t global_gen = tlb->global_generation;
    x86_tlb_flush(env, false);
    g_assert_cmpuint(tlb->global_generation, ==, global_gen);
    uint64_t fills = tlb->fills;
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 40), ==, 40);
    g_assert_cmpuint(tlb->fills, ==, fills);
    /* Toggling CR4.PGE flushes global translations: the new mapping runs. */
    x86_tlb_flush(env, true);
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 40), ==, 41);
    /* INVLPG of the global page too. */
    set_pte(f, 40, frame(42) | P | RW | G);
    x86_tlb_flush(env, false);
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 40), ==, 41);
    x86_tlb_flush_page(env, 0x1000 * 40);
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 40), ==, 42);

    /* Non-global page 43 beside the global ones: a CR3 load remaps it. */
    set_pte(f, 43, frame(43) | P | RW);
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 43), ==, 43);
    set_pte(f, 43, frame(44) | P | RW);
    x86_tlb_flush(env, false);
    g_assert_cmpuint(run_to_hlt(f, 0x1000 * 43), ==, 44);

    /* A block from the end of global page 45 into non-global page 46: its immediate's
     * high bytes come from page 46, which a CR3 load remaps to frame 47. */
    static const uint8_t head[] = {0xb8, 0x11, 0x22}; /* mov eax, imm32 (2 bytes here) */
    static const uint8_t tail_a[] = {0x33, 0x44, 0xf4}, tail_b[] = {0x55, 0x66, 0xf4};
    memcpy(f->m.ram + frame(45) + 0xffd, head, sizeof(head));
    memcpy(f->m.ram + frame(46), tail_a, sizeof(tail_a));
    memcpy(f->m.ram + frame(47), tail_b, sizeof(tail_b));
    set_pte(f, 45, frame(45) | P | RW | G);
    set_pte(f, 46, frame(46) | P | RW);
    g_assert_cmphex(run_to_hlt(f, 0x1000 * 45 + 0xffd), ==, 0x44332211);
    set_pte(f, 46, frame(47) | P | RW);
    x86_tlb_flush(env, false);
    g_assert_cmphex(run_to_hlt(f, 0x1000 * 45 + 0xffd), ==, 0x66552211);

    fixture_free(f);
}

/* INVLPG keeps the generation unless it may change a mapping a jump-cache slot relies
 * on: a page code was looked up from under this generation (either page of a block
 * that crosses one), or a page inside the TLB's large pages. */
static void test_invlpg_code_filter(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    uint64_t gen = tlb->generation;
    x86_tlb_note_code(tlb, 0x40ff8, 16); /* a block on 0x40000 and 0x41000 */
    x86_tlb_flush_page(env, 0x50000);
    g_assert_cmpuint(tlb->generation, ==, gen);
    x86_tlb_flush_page(env, 0x41000);
    g_assert_cmpuint(tlb->generation, ==, ++gen);
    x86_tlb_flush_page(env, 0x40000); /* nothing noted under the new generation */
    g_assert_cmpuint(tlb->generation, ==, gen);
    x86_tlb_note_code(tlb, 0x40010, 16);
    x86_tlb_flush_page(env, 0x40000);
    g_assert_cmpuint(tlb->generation, ==, ++gen);
    /* A CR3 load starts a generation with nothing noted. */
    x86_tlb_note_code(tlb, 0x40010, 16);
    x86_tlb_flush(env, false);
    g_assert_cmpuint(tlb->generation, ==, ++gen);
    x86_tlb_flush_page(env, 0x40000);
    g_assert_cmpuint(tlb->generation, ==, gen);
    /* Inside a large page: its translation may have served code of any of its pages. */
    tlb->has_large[X86_MMU_KERNEL] = true;
    tlb->large_addr[X86_MMU_KERNEL] = 0x400000;
    tlb->large_mask[X86_MMU_KERNEL] = ~UINT64_C(0x3fffff);
    x86_tlb_flush_page(env, 0x5ff000);
    g_assert_cmpuint(tlb->generation, ==, ++gen);
    fixture_free(f);
}

/* ---- data breakpoints and the alignment check ---- */

/* A watched page takes the slow path for the kinds of access the breakpoint watches
 * (its TLB tag lacks X86_TLB_NO_WATCH), which records exact hits; other pages and
 * other kinds stay on the fast path; x86_debug_update refills the entries. */
static void test_watch_marks(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    X86TLB *tlb = &f->cpu.tlb;
    const unsigned idx = X86_MMU_PHYS;
    /* DR1 = 0x5006, write-only, 2 bytes (SDM 3A §18.2.4) */
    env->dr[1] = 0x5006;
    env->dr[7] = 0x400 | (1u << 2) | (1u << 20) | (1u << 22);
    x86_debug_update(env);
    st(f, 0x5000, 1, 4, idx);
    st(f, 0x6000, 1, 4, idx);
    g_assert_cmphex(tlb->debug_hits, ==, 0);
    const X86TLBEntry *watched = &tlb->table[idx][5], *other = &tlb->table[idx][6];
    g_assert_false(watched->tag_write & X86_TLB_NO_WATCH);
    g_assert_true(other->tag_write & X86_TLB_NO_WATCH);
    ld(f, 0x5006, 2, idx);
    g_assert_true(watched->tag_read & X86_TLB_NO_WATCH); /* reads are not watched */
    g_assert_cmphex(tlb->debug_hits, ==, 0);
    st(f, 0x5004, 0x11223344, 4, idx); /* bytes 5006-5007 */
    g_assert_cmphex(tlb->debug_hits, ==, 1u << 1);
    tlb->debug_hits = 0;
    st(f, 0x5008, 1, 1, idx);
    g_assert_cmphex(tlb->debug_hits, ==, 0);
    uint8_t *host;
    assert_ok(try_probe(f, 0x5007, X86_ACCESS_WRITE, idx, &host));
    g_assert_cmphex(tlb->debug_hits, ==, 1u << 1);
    g_assert_cmphex(get32(f, 0x5004), ==, 0x11223344);

    /* disabled: the entries are dropped and refilled without the mark */
    env->dr[7] = 0x400;
    x86_debug_update(env);
    g_assert_cmphex(tlb->debug_hits, ==, 0);
    st(f, 0x5006, 1, 2, idx);
    g_assert_true(watched->tag_write & X86_TLB_NO_WATCH);
    g_assert_cmphex(tlb->debug_hits, ==, 0);
    fixture_free(f);
}

static int try_check_alignment(Fixture *f, uint64_t linear, unsigned align)
{
    CPUX86State *env = &f->cpu.env;
    if (sigsetjmp(f->cpu.jmp_env, 0) != 0)
        return env->exception_index;
    x86_check_alignment(env, linear, align);
    return -1;
}

/* SDM 3A §6.15 "Interrupt 17": only at CPL 3 with CR0.AM and EFLAGS.AC. */
static void test_alignment_check(void)
{
    Fixture *f = fixture_new();
    CPUX86State *env = &f->cpu.env;
    env->cr[0] = CR0_PE | CR0_ET | CR0_AM;
    env->eflags |= AC_MASK;
    env->segs[R_CS].selector = 0x1b;
    env->segs[R_SS].flags |= 3u << DESC_DPL_SHIFT; /* the CPL is SS.DPL */
    x86_cpu_update_hflags(env);
    g_assert_true(x86_alignment_checking(env));
    g_assert_cmpint(try_check_alignment(f, 0x1002, 4), ==, EXCP_AC);
    g_assert_cmpint(env->error_code, ==, 0);
    g_assert_cmpint(try_check_alignment(f, 0x1004, 4), ==, -1);
    g_assert_cmpint(try_check_alignment(f, 0x1001, 1), ==, -1);
    env->eflags &= ~(uint64_t)AC_MASK;
    g_assert_false(x86_alignment_checking(env));
    g_assert_cmpint(try_check_alignment(f, 0x1002, 4), ==, -1);
    env->eflags |= AC_MASK;
    env->segs[R_CS].selector = 0x08;
    env->segs[R_SS].flags &= ~(3u << DESC_DPL_SHIFT);
    x86_cpu_update_hflags(env);
    g_assert_false(x86_alignment_checking(env));
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu/no-paging-a20", test_no_paging_a20);
    g_test_add_func("/mmu/32bit/4k", test_32bit_4k);
    g_test_add_func("/mmu/32bit/4m-pse36", test_32bit_4m);
    g_test_add_func("/mmu/pae", test_pae);
    g_test_add_func("/mmu/pae/pdpte-registers", test_pae_pdpte_registers);
    g_test_add_func("/mmu/long-mode", test_long_mode);
    g_test_add_func("/mmu/long-mode/no-1g-pages", test_no_1g_pages);
    g_test_add_func("/mmu/rights/user-supervisor-nx", test_user_supervisor);
    g_test_add_func("/mmu/rights/write-protect", test_write_protect);
    g_test_add_func("/mmu/rights/smep", test_smep);
    g_test_add_func("/mmu/rights/smap", test_smap);
    g_test_add_func("/mmu/error-codes/not-present", test_not_present_codes);
    g_test_add_func("/mmu/tlb/hits-and-flushes", test_tlb_hits_and_flushes);
    g_test_add_func("/mmu/tlb/large-page-invlpg", test_tlb_large_page_invlpg);
    g_test_add_func("/mmu/tlb/flush-after-many-fills", test_tlb_flush_after_many_fills);
    g_test_add_func("/mmu/tlb/invlpg-whole-large-page", test_tlb_invlpg_whole_large_page);
    g_test_add_func("/mmu/tlb/victim-swap", test_tlb_victim_swap);
    g_test_add_func("/mmu/tlb/dirty-slow-path", test_dirty_needs_slow_path);
    g_test_add_func("/mmu/cross-page", test_cross_page);
    g_test_add_func("/mmu/mmio", test_mmio_through_paging);
    g_test_add_func("/mmu/fetch", test_fetch);
    g_test_add_func("/mmu/code-lookup-hits", test_code_lookup_hits);
    g_test_add_func("/mmu/smc-alias", test_smc_through_alias);
    g_test_add_func("/mmu/jump-cache-generation", test_jump_cache_generation);
    g_test_add_func("/mmu/jump-cache-global-pages", test_jump_cache_global_pages);
    g_test_add_func("/mmu/tlb/index-changes-kind", test_tlb_index_changes_kind);
    g_test_add_func("/mmu/jump-cache-generation/invlpg-filter", test_invlpg_code_filter);
    g_test_add_func("/mmu/debug/watch-marks", test_watch_marks);
    g_test_add_func("/mmu/alignment-check", test_alignment_check);
    return g_test_run();
}
