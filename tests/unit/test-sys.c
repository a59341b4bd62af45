/* System instructions run on the synchronous TCG runner: control registers and their
 * #GP cases, long-mode activation, descriptor-table registers, MSRs, the TSC,
 * SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS, debug registers, LAR/LSL/VERR/VERW, ARPL,
 * the FS/GS base instructions. Each test places a few instructions (assembled with
 * nasm; the source is in the comment) at CODE_ADDR in the mode it needs and checks
 * the state at the HLT or at the fault the runner returns. */
#include <glib.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/msr.h"
#include "system/machine.h"

#define RAM_SIZE  (4u << 20)
#define CODE_ADDR 0x8000u
#define DATA_ADDR 0x1000u
#define GDT_ADDR  0x3000u
#define PML4_ADDR 0x100000u /* identity map of the first 4 MiB, 2 MiB pages */

/* ---- code snippets ---- */

/* 16-bit: mov cr0, eax; hlt (the same bytes are mov cr0, rax in 64-bit mode) */
static const uint8_t code_mov_cr0_eax[] = {0x0f, 0x22, 0xc0, 0xf4};
/* mov cr4, eax; hlt */
static const uint8_t code_mov_cr4_eax[] = {0x0f, 0x22, 0xe0, 0xf4};
/* mov cr3, eax; hlt */
static const uint8_t code_mov_cr3_eax[] = {0x0f, 0x22, 0xd8, 0xf4};
/* 32-bit: mov cr1, eax; hlt */
static const uint8_t code_mov_cr1[] = {0x0f, 0x22, 0xc8, 0xf4};
/* 16-bit: mov eax, cr0; or eax, 1; mov cr0, eax; hlt */
static const uint8_t code_set_pe[] = {0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8,
                                      0x01, 0x0f, 0x22, 0xc0, 0xf4};
/* 16-bit: lgdt [0x1000]; lidt [0x1008]; sgdt [0x1020]; sidt [0x1028]; hlt */
static const uint8_t code_lgdt_sgdt16[] = {0x0f, 0x01, 0x16, 0x00, 0x10, 0x0f, 0x01,
                                           0x1e, 0x08, 0x10, 0x0f, 0x01, 0x06, 0x20,
                                           0x10, 0x0f, 0x01, 0x0e, 0x28, 0x10, 0xf4};
/* 16-bit: o32 lgdt [0x1000]; o32 lidt [0x1008]; o32 sgdt [0x1020]; o32 sidt [0x1028]; hlt */
static const uint8_t code_lgdt_sgdt16_o32[] = {0x66, 0x0f, 0x01, 0x16, 0x00, 0x10, 0x66, 0x0f, 0x01,
                                               0x1e, 0x08, 0x10, 0x66, 0x0f, 0x01, 0x06, 0x20, 0x10,
                                               0x66, 0x0f, 0x01, 0x0e, 0x28, 0x10, 0xf4};
/* 16-bit: o32 lgdt [0x1000]; o32 lidt [0x1008]; sgdt [0x1020]; sidt [0x1028]; hlt */
static const uint8_t code_lgdt32_sgdt16[] = {0x66, 0x0f, 0x01, 0x16, 0x00, 0x10, 0x66, 0x0f,
                                             0x01, 0x1e, 0x08, 0x10, 0x0f, 0x01, 0x06, 0x20,
                                             0x10, 0x0f, 0x01, 0x0e, 0x28, 0x10, 0xf4};
/* 32-bit: lgdt [0x1000]; lidt [0x1008]; sgdt [0x1020]; sidt [0x1028]; hlt */
static const uint8_t code_lgdt_sgdt32[] = {
    0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00, 0x0f, 0x01, 0x1d, 0x08, 0x10, 0x00, 0x00, 0x0f,
    0x01, 0x05, 0x20, 0x10, 0x00, 0x00, 0x0f, 0x01, 0x0d, 0x28, 0x10, 0x00, 0x00, 0xf4};
/* 64-bit: lgdt [abs 0x1000]; lidt [abs 0x1010]; sgdt [abs 0x1020]; sidt [abs 0x1030]; hlt */
static const uint8_t code_lgdt_sgdt64[] = {0x0f, 0x01, 0x14, 0x25, 0x00, 0x10, 0x00, 0x00, 0x0f,
                                           0x01, 0x1c, 0x25, 0x10, 0x10, 0x00, 0x00, 0x0f, 0x01,
                                           0x04, 0x25, 0x20, 0x10, 0x00, 0x00, 0x0f, 0x01, 0x0c,
                                           0x25, 0x30, 0x10, 0x00, 0x00, 0xf4};
/* 32-bit: mov eax, cr4; or eax, 0x20; mov cr4, eax; mov ecx, 0xc0000080; rdmsr;
 * or eax, 0x100; wrmsr; mov eax, 0x100000; mov cr3, eax; mov eax, cr0;
 * or eax, 0x80000000; mov cr0, eax; hlt */
static const uint8_t code_enter_long[] = {
    0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20, 0x0f, 0x22, 0xe0, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f,
    0x32, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x30, 0xb8, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x22,
    0xd8, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0, 0xf4};
/* rdmsr; hlt */
static const uint8_t code_rdmsr[] = {0x0f, 0x32, 0xf4};
/* wrmsr; hlt */
static const uint8_t code_wrmsr[] = {0x0f, 0x30, 0xf4};
/* 32-bit: rdtsc; mov ebx, eax; mov esi, edx; mov ecx, 100; l: loop l; rdtsc; hlt */
static const uint8_t code_rdtsc_twice[] = {0x0f, 0x31, 0x89, 0xc3, 0x89, 0xd6, 0xb9, 0x64,
                                           0x00, 0x00, 0x00, 0xe2, 0xfe, 0x0f, 0x31, 0xf4};
/* rdtscp; hlt */
static const uint8_t code_rdtscp[] = {0x0f, 0x01, 0xf9, 0xf4};
/* rdpmc; hlt */
static const uint8_t code_rdpmc[] = {0x0f, 0x33, 0xf4};
/* 64-bit: syscall; hlt */
static const uint8_t code_syscall[] = {0x0f, 0x05, 0xf4};
/* 64-bit: o64 sysret */
static const uint8_t code_sysret64[] = {0x48, 0x0f, 0x07};
/* 64-bit: sysret (to compatibility mode) */
static const uint8_t code_sysret32[] = {0x0f, 0x07};
/* 64-bit: swapgs; hlt */
static const uint8_t code_swapgs[] = {0x0f, 0x01, 0xf8, 0xf4};
/* sysenter */
static const uint8_t code_sysenter[] = {0x0f, 0x34};
/* 32-bit: sysexit */
static const uint8_t code_sysexit32[] = {0x0f, 0x35};
/* 32-bit: mov dr7, eax; mov ebx, dr7; mov dr0, ecx; mov edx, dr0; hlt */
static const uint8_t code_mov_dr[] = {0x0f, 0x23, 0xf8, 0x0f, 0x21, 0xfb, 0x0f,
                                      0x23, 0xc1, 0x0f, 0x21, 0xc2, 0xf4};
/* 32-bit: mov dr0, ecx; mov dr7, eax; nop (offset 6); hlt */
static const uint8_t code_set_bp[] = {0x0f, 0x23, 0xc1, 0x0f, 0x23, 0xf8, 0x90, 0xf4};
/* 32-bit: mov ebx, dr4; hlt */
static const uint8_t code_mov_dr4[] = {0x0f, 0x21, 0xe3, 0xf4};
/* 32-bit: mov ebx, dr6; hlt */
static const uint8_t code_mov_dr6[] = {0x0f, 0x21, 0xf3, 0xf4};
/* 32-bit: lar eax, bx; pushfd; pop esi; lsl ecx, bx; pushfd; pop edi; hlt */
static const uint8_t code_lar_lsl[] = {0x0f, 0x02, 0xc3, 0x9c, 0x5e, 0x0f,
                                       0x03, 0xcb, 0x9c, 0x5f, 0xf4};
/* 32-bit: verr bx; pushfd; pop esi; verw bx; pushfd; pop edi; hlt */
static const uint8_t code_verr_verw[] = {0x0f, 0x00, 0xe3, 0x9c, 0x5e, 0x0f,
                                         0x00, 0xeb, 0x9c, 0x5f, 0xf4};
/* 32-bit: smsw ebx; lmsw ax; clts; mov ecx, cr0; hlt */
static const uint8_t code_smsw_lmsw_clts[] = {0x0f, 0x01, 0xe3, 0x0f, 0x01, 0xf0,
                                              0x0f, 0x06, 0x0f, 0x20, 0xc1, 0xf4};
/* cpuid; hlt */
static const uint8_t code_cpuid[] = {0x0f, 0xa2, 0xf4};
/* 32-bit: arpl ax, bx; hlt */
static const uint8_t code_arpl[] = {0x63, 0xd8, 0xf4};
/* 64-bit: wrfsbase rax; rdfsbase rbx; wrgsbase ecx; rdgsbase rdx; hlt */
static const uint8_t code_fsgsbase[] = {0xf3, 0x48, 0x0f, 0xae, 0xd0, 0xf3, 0x48, 0x0f, 0xae, 0xc3,
                                        0xf3, 0x0f, 0xae, 0xd9, 0xf3, 0x48, 0x0f, 0xae, 0xca, 0xf4};
/* wbinvd; hlt */
static const uint8_t code_wbinvd[] = {0x0f, 0x09, 0xf4};
/* 32-bit: ltr ax; str ebx; hlt */
static const uint8_t code_ltr_str[] = {0x0f, 0x00, 0xd8, 0x0f, 0x00, 0xcb, 0xf4};
/* 32-bit: invlpg [0x2000]; hlt */
static const uint8_t code_invlpg[] = {0x0f, 0x01, 0x3d, 0x00, 0x20, 0x00, 0x00, 0xf4};
/* 64-bit: mov cr8, rax; mov rbx, cr8; hlt */
static const uint8_t code_mov_cr8[] = {0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc3, 0xf4};
static const uint8_t code_hlt[] = {0xf4};

/* ---- the machine ---- */

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
    CPUX86State *env;
} Fixture;

/* A machine whose CPU is the given -cpu model (NULL: the default). */
static Fixture *fx_new_model(const char *model, const uint8_t *code, size_t len)
{
    Fixture *f = g_new0(Fixture, 1);
    f->cfg.ram_size = RAM_SIZE;
    f->cfg.smp = 1;
    f->cfg.cpu_model = model;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    memcpy(f->m.ram + CODE_ADDR, code, len);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    f->env = &f->cpu.env;
    f->env->segs[R_CS].selector = 0;
    f->env->segs[R_CS].base = 0;
    f->env->rip = CODE_ADDR;
    f->env->regs[R_ESP] = 0x7000;
    return f;
}

static Fixture *fx_new(const uint8_t *code, size_t len)
{
    return fx_new_model(NULL, code, len);
}

static void fx_free(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
    g_free(f);
}

static void put(Fixture *f, uint64_t addr, const void *data, size_t len)
{
    memcpy(f->m.ram + addr, data, len);
}

static void put64(Fixture *f, uint64_t addr, uint64_t v)
{
    put(f, addr, &v, 8);
}

static uint64_t get64(Fixture *f, uint64_t addr)
{
    uint64_t v;
    memcpy(&v, f->m.ram + addr, 8);
    return v;
}

static int run(Fixture *f)
{
    return tcg_runner_run(f->r, &f->cpu, 1000);
}

/* Runs again from CODE_ADDR (after changing registers). */
static int rerun(Fixture *f)
{
    f->env->rip = CODE_ADDR;
    return run(f);
}

static void set_seg(CPUX86State *env, int seg, uint16_t sel, uint32_t flags)
{
    env->segs[seg].selector = sel;
    env->segs[seg].base = 0;
    env->segs[seg].limit = 0xffffffffu;
    env->segs[seg].flags = flags;
}

#define CODE_FLAGS                                                                                 \
    (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_G_MASK)
#define DATA_FLAGS                                                                                 \
    (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_G_MASK | DESC_B_MASK)

/* Flat 32-bit protected mode at the given CPL (selectors 08/10 | CPL). */
static void fx_protected32(Fixture *f, unsigned cpl)
{
    CPUX86State *env = f->env;
    uint32_t dpl = cpl << DESC_DPL_SHIFT;
    env->cr[0] |= CR0_PE;
    set_seg(env, R_CS, (uint16_t)(0x08 | cpl), CODE_FLAGS | DESC_B_MASK | dpl);
    for (int s = 0; s < 6; s++)
        if (s != R_CS)
            set_seg(env, s, (uint16_t)(0x10 | cpl), DATA_FLAGS | dpl);
    x86_cpu_update_hflags(env);
}

/* 4-level identity map of the first 4 MiB (user-accessible 2 MiB pages). */
static void build_page_tables(Fixture *f)
{
    const uint64_t p_rw_us = 7, ps = 0x80;
    put64(f, PML4_ADDR, (PML4_ADDR + 0x1000) | p_rw_us);
    put64(f, PML4_ADDR + 0x1000, (PML4_ADDR + 0x2000) | p_rw_us);
    put64(f, PML4_ADDR + 0x2000, 0x000000 | p_rw_us | ps);
    put64(f, PML4_ADDR + 0x2008, 0x200000 | p_rw_us | ps);
}

/* 64-bit mode at the given CPL, set up directly (paging on, EFER.LMA). */
static void fx_long64(Fixture *f, unsigned cpl)
{
    CPUX86State *env = f->env;
    uint32_t dpl = cpl << DESC_DPL_SHIFT;
    build_page_tables(f);
    env->cr[3] = PML4_ADDR;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA;
    env->cr[0] |= CR0_PE | CR0_PG;
    set_seg(env, R_CS, (uint16_t)(0x08 | cpl), CODE_FLAGS | DESC_L_MASK | dpl);
    for (int s = 0; s < 6; s++)
        if (s != R_CS)
            set_seg(env, s, (uint16_t)(0x10 | cpl), DATA_FLAGS | dpl);
    x86_cpu_update_hflags(env);
}

static bool model_has_long_mode(Fixture *f)
{
    return x86_cpu_model_has(f->cpu.model, FEAT_8000_0001_EDX, CPUID_8000_0001_EDX_LM);
}

/* ---- control registers ---- */

static void test_cr0_enable_pe(void)
{
    Fixture *f = fx_new(code_set_pe, sizeof(code_set_pe));
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->cr[0], ==, CR0_ET | CR0_CD | CR0_NW | CR0_PE);
    g_assert_true(f->env->hflags & HF_PE);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + sizeof(code_set_pe));
    fx_free(f);
}

/* Writes val to CR0 in real mode and returns the vector the run ended with. */
static int write_cr0_real(uint64_t val, uint64_t *cr0_after)
{
    Fixture *f = fx_new(code_mov_cr0_eax, sizeof(code_mov_cr0_eax));
    f->env->regs[R_EAX] = val;
    int v = run(f);
    *cr0_after = f->env->cr[0];
    if (v == EXCP_GP) {
        g_assert_cmphex(f->env->rip, ==, CODE_ADDR); /* the fault is precise */
        g_assert_cmpint(f->env->error_code, ==, 0);
    }
    fx_free(f);
    return v;
}

static void test_cr0_checks(void)
{
    const uint64_t reset = CR0_ET | CR0_CD | CR0_NW;
    uint64_t cr0;
    /* PG without PE, NW without CD: #GP(0), CR0 unchanged (SDM Vol 2B MOV CR). */
    g_assert_cmpint(write_cr0_real(CR0_PG | CR0_ET, &cr0), ==, EXCP_GP);
    g_assert_cmphex(cr0, ==, reset);
    g_assert_cmpint(write_cr0_real(CR0_NW | CR0_PE, &cr0), ==, EXCP_GP);
    g_assert_cmphex(cr0, ==, reset);
    /* Reserved bits are dropped and ET stays 1. */
    g_assert_cmpint(write_cr0_real(CR0_PE | (1u << 12), &cr0), ==, EXCP_HLT);
    g_assert_cmphex(cr0, ==, CR0_PE | CR0_ET);
    g_assert_cmpint(write_cr0_real(CR0_CD | CR0_NW | CR0_TS | CR0_MP, &cr0), ==, EXCP_HLT);
    g_assert_cmphex(cr0, ==, CR0_CD | CR0_NW | CR0_TS | CR0_MP | CR0_ET);

    /* CPL 3: #GP(0). */
    Fixture *f = fx_new(code_mov_cr0_eax, sizeof(code_mov_cr0_eax));
    fx_protected32(f, 3);
    f->env->regs[R_EAX] = f->env->cr[0];
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
    fx_free(f);

    /* 64-bit mode: bits 63:32 set is a #GP; so is clearing PG. */
    f = fx_new(code_mov_cr0_eax, sizeof(code_mov_cr0_eax));
    fx_long64(f, 0);
    f->env->regs[R_EAX] = f->env->cr[0] | (1ull << 32);
    g_assert_cmpint(run(f), ==, EXCP_GP);
    f->env->regs[R_EAX] = f->env->cr[0] & ~(uint64_t)CR0_PG;
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_true(f->env->cr[0] & CR0_PG);
    fx_free(f);
}

static void test_cr_invalid_register(void)
{
    Fixture *f = fx_new(code_mov_cr1, sizeof(code_mov_cr1));
    fx_protected32(f, 0);
    g_assert_cmpint(run(f), ==, EXCP_UD);
    fx_free(f);
}

static int write_cr4(Fixture *f, uint64_t val)
{
    f->env->regs[R_EAX] = val;
    return rerun(f);
}

static void test_cr4_checks(void)
{
    Fixture *f = fx_new(code_mov_cr4_eax, sizeof(code_mov_cr4_eax));
    fx_protected32(f, 0);
    /* Reserved bits and bits of features the model lacks: #GP(0), CR4 unchanged. */
    g_assert_cmpint(write_cr4(f, 1u << 12), ==, EXCP_GP); /* LA57 */
    g_assert_cmpint(write_cr4(f, 1u << 31), ==, EXCP_GP);
    g_assert_cmpint(write_cr4(f, CR4_VME), ==, EXCP_GP);   /* no VME support */
    g_assert_cmpint(write_cr4(f, CR4_PCIDE), ==, EXCP_GP); /* no PCID support */
    g_assert_cmphex(f->env->cr[4], ==, 0);
    /* Supported bits are taken. */
    g_assert_cmpint(write_cr4(f, CR4_TSD | CR4_DE | CR4_PCE), ==, EXCP_HLT);
    g_assert_cmphex(f->env->cr[4], ==, CR4_TSD | CR4_DE | CR4_PCE);
    /* OSXSAVE exists only with XSAVE (hflags follow CR4 when it does). */
    bool xsave = x86_cpu_model_has(f->cpu.model, FEAT_1_ECX, CPUID_1_ECX_XSAVE);
    g_assert_cmpint(write_cr4(f, CR4_OSXSAVE), ==, xsave ? EXCP_HLT : EXCP_GP);
    g_assert_cmpint(!!(f->env->hflags & HF_OSXSAVE), ==, xsave);
    fx_free(f);

    /* Clearing PAE in IA-32e mode: #GP. */
    f = fx_new(code_mov_cr4_eax, sizeof(code_mov_cr4_eax));
    fx_long64(f, 0);
    g_assert_cmpint(write_cr4(f, 0), ==, EXCP_GP);
    g_assert_true(f->env->cr[4] & CR4_PAE);
    fx_free(f);
}

static void test_cr3_and_cr8(void)
{
    /* IA-32e mode: CR3 bits above MAXPHYADDR are reserved. */
    Fixture *f = fx_new(code_mov_cr3_eax, sizeof(code_mov_cr3_eax));
    fx_long64(f, 0);
    f->env->regs[R_EAX] = 1ull << X86_PHYS_ADDR_BITS | PML4_ADDR;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->cr[3], ==, PML4_ADDR);
    f->env->regs[R_EAX] = PML4_ADDR | 0x18; /* PWT/PCD: allowed */
    g_assert_cmpint(rerun(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->cr[3], ==, PML4_ADDR | 0x18);
    fx_free(f);

    /* CR8 (TPR): reads 0 until the APIC exists; bits 63:4 are reserved. */
    f = fx_new(code_mov_cr8, sizeof(code_mov_cr8));
    fx_long64(f, 0);
    f->env->regs[R_EAX] = 5;
    f->env->regs[R_EBX] = 0x1234;
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EBX], ==, 0);
    f->env->regs[R_EAX] = 0x10;
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    fx_free(f);
}

/* ---- long mode ---- */

static void test_long_mode_entry(void)
{
    Fixture *f = fx_new(code_enter_long, sizeof(code_enter_long));
    if (!model_has_long_mode(f)) {
        g_test_skip("the CPU model does not advertise long mode yet");
        fx_free(f);
        return;
    }
    build_page_tables(f);
    fx_protected32(f, 0);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    CPUX86State *env = f->env;
    g_assert_cmphex(env->efer & (EFER_LME | EFER_LMA), ==, EFER_LME | EFER_LMA);
    g_assert_true(env->cr[0] & CR0_PG);
    g_assert_cmphex(env->cr[3], ==, PML4_ADDR);
    /* SDM 3A §9.8.5: IA-32e mode is active, in compatibility mode until a 64-bit CS. */
    g_assert_true(env->hflags & HF_LMA);
    g_assert_true(env->hflags & HF_PG);
    g_assert_false(env->hflags & HF_CS64);
    g_assert_true(env->hflags & HF_CS32);
    fx_free(f);
}

static void test_long_mode_checks(void)
{
    /* PG with LME but without PAE: #GP, no IA-32e mode. */
    Fixture *f = fx_new(code_mov_cr0_eax, sizeof(code_mov_cr0_eax));
    fx_protected32(f, 0);
    build_page_tables(f);
    f->env->cr[3] = PML4_ADDR;
    f->env->efer = EFER_LME;
    f->env->regs[R_EAX] = f->env->cr[0] | CR0_PG;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_false(f->env->efer & EFER_LMA);
    g_assert_false(f->env->cr[0] & CR0_PG);
    fx_free(f);

    /* Changing EFER.LME while paging is on: #GP. */
    f = fx_new(code_wrmsr, sizeof(code_wrmsr));
    fx_long64(f, 0);
    f->env->regs[R_ECX] = MSR_EFER;
    f->env->regs[R_EAX] = (uint32_t)(f->env->efer & ~(uint64_t)EFER_LME);
    f->env->regs[R_EDX] = 0;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_true(f->env->efer & EFER_LME);
    fx_free(f);
}

/* ---- descriptor-table registers ---- */

/* Pseudo-descriptors: GDTR image at 0x1000, IDTR image at 0x1008 (0x1010 in 64-bit). */
static void put_pseudo_desc(Fixture *f, uint64_t addr, uint16_t limit, uint64_t base, bool wide)
{
    put(f, addr, &limit, 2);
    put(f, addr + 2, &base, wide ? 8 : 4);
}

static void check_table_round_trip(const uint8_t *code, size_t len, int mode, uint64_t gdt_want,
                                   uint64_t idt_want, uint64_t stored_gdt_base)
{
    Fixture *f = fx_new(code, len);
    bool wide = mode == 64;
    if (mode == 32)
        fx_protected32(f, 0);
    else if (mode == 64)
        fx_long64(f, 0);
    put_pseudo_desc(f, DATA_ADDR, 0x1234, 0xffff800089abcdefull, wide);
    put_pseudo_desc(f, DATA_ADDR + (wide ? 0x10 : 0x08), 0x0567, 0x0000123411223344ull, wide);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->gdt.limit, ==, 0x1234);
    g_assert_cmphex(f->env->gdt.base, ==, gdt_want);
    g_assert_cmphex(f->env->idt.limit, ==, 0x0567);
    g_assert_cmphex(f->env->idt.base, ==, idt_want);
    /* SGDT: the limit, then the base (4 bytes, or 8 in 64-bit mode). */
    uint64_t gdt_image = get64(f, DATA_ADDR + 0x20);
    g_assert_cmphex(gdt_image & 0xffff, ==, 0x1234);
    g_assert_cmphex(gdt_image >> 16, ==, stored_gdt_base & 0xffffffffffffull);
    if (wide)
        g_assert_cmphex(get64(f, DATA_ADDR + 0x22), ==, stored_gdt_base);
    else
        g_assert_cmphex(get64(f, DATA_ADDR + 0x26) & 0xffff, ==, 0); /* nothing beyond */
    fx_free(f);
}

static void test_lgdt_sgdt(void)
{
    /* 16-bit operand size: LGDT loads and SGDT stores a 24-bit base (SDM Vol 2A LGDT,
     * Vol 2B SGDT), the fourth base byte stored as 0. */
    check_table_round_trip(code_lgdt_sgdt16, sizeof(code_lgdt_sgdt16), 16, 0xabcdef, 0x223344,
                           0xabcdef);
    check_table_round_trip(code_lgdt32_sgdt16, sizeof(code_lgdt32_sgdt16), 16, 0x89abcdef,
                           0x11223344, 0xabcdef);
    check_table_round_trip(code_lgdt_sgdt16_o32, sizeof(code_lgdt_sgdt16_o32), 16, 0x89abcdef,
                           0x11223344, 0x89abcdef);
    check_table_round_trip(code_lgdt_sgdt32, sizeof(code_lgdt_sgdt32), 32, 0x89abcdef, 0x11223344,
                           0x89abcdef);
    check_table_round_trip(code_lgdt_sgdt64, sizeof(code_lgdt_sgdt64), 64, 0xffff800089abcdefull,
                           0x0000123411223344ull, 0xffff800089abcdefull);

    /* LGDT is privileged. */
    Fixture *f = fx_new(code_lgdt_sgdt32, sizeof(code_lgdt_sgdt32));
    fx_protected32(f, 3);
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
    fx_free(f);
}

/* GDT at GDT_ADDR with the descriptors LAR/LSL/VERR/VERW and LTR look at. */
static void put_gdt(Fixture *f)
{
    static const uint32_t gdt[][2] = {
        {0, 0},                   /* 00 null */
        {0x0000ffff, 0x00cf9b00}, /* 08 code, execute/read, DPL 0, 4 GiB */
        {0x0000ffff, 0x00cf9300}, /* 10 data, read/write, DPL 0, 4 GiB */
        {0x0000ffff, 0x0040f100}, /* 18 data, read-only, DPL 3, 64 KiB */
        {0x0000ffff, 0x00cf9800}, /* 20 code, execute-only, DPL 0 */
        {0x40000067, 0x00008900}, /* 28 32-bit TSS (available) at 0x4000, limit 0x67 */
        {0x00080000, 0x00008c00}, /* 30 32-bit call gate */
        {0x00000000, 0x00008000}, /* 38 system type 0: reserved */
        {0x0000ffff, 0x00cf9f00}, /* 40 conforming code, DPL 0 */
    };
    put(f, GDT_ADDR, gdt, sizeof(gdt));
    f->env->gdt.base = GDT_ADDR;
    f->env->gdt.limit = sizeof(gdt) - 1;
}

typedef struct LarCase {
    uint16_t sel;
    bool lar_ok;
    uint32_t lar;
    bool lsl_ok;
    uint32_t lsl;
} LarCase;

static void test_lar_lsl(void)
{
    static const LarCase cases[] = {
        {0x08, true, 0x00c09b00, true, 0xffffffff},
        {0x1b, true, 0x0040f100, true, 0xffff},     /* DPL 3, RPL 3: visible */
        {0x13, false, 0, false, 0},                 /* DPL 0 < RPL 3 */
        {0x43, true, 0x00c09f00, true, 0xffffffff}, /* conforming: no privilege check */
        {0x28, true, 0x00008900, true, 0x67},       /* TSS */
        {0x30, true, 0x00008c00, false, 0},         /* call gate: LAR only */
        {0x38, false, 0, false, 0},                 /* reserved type */
        {0x00, false, 0, false, 0},                 /* null */
        {0x48, false, 0, false, 0},                 /* beyond the GDT limit */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = fx_new(code_lar_lsl, sizeof(code_lar_lsl));
        fx_protected32(f, 0);
        put_gdt(f);
        f->env->regs[R_EBX] = cases[i].sel;
        f->env->regs[R_EAX] = 0xaaaaaaaa;
        f->env->regs[R_ECX] = 0xcccccccc;
        g_assert_cmpint(run(f), ==, EXCP_HLT);
        g_test_message("selector %04x", cases[i].sel);
        g_assert_cmpint(!!(f->env->regs[R_ESI] & CC_Z), ==, cases[i].lar_ok);
        g_assert_cmphex(f->env->regs[R_EAX], ==, cases[i].lar_ok ? cases[i].lar : 0xaaaaaaaa);
        g_assert_cmpint(!!(f->env->regs[R_EDI] & CC_Z), ==, cases[i].lsl_ok);
        g_assert_cmphex(f->env->regs[R_ECX], ==, cases[i].lsl_ok ? cases[i].lsl : 0xcccccccc);
        fx_free(f);
    }
}

static void test_verr_verw(void)
{
    static const struct {
        uint16_t sel;
        bool readable, writable;
    } cases[] = {
        {0x08, true, false},  /* execute/read code */
        {0x20, false, false}, /* execute-only code */
        {0x10, true, true},   /* read/write data */
        {0x1b, true, false},  /* read-only data */
        {0x13, false, false}, /* RPL above DPL */
        {0x28, false, false}, /* system segment */
        {0x00, false, false}, /* null */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = fx_new(code_verr_verw, sizeof(code_verr_verw));
        fx_protected32(f, 0);
        put_gdt(f);
        f->env->regs[R_EBX] = cases[i].sel;
        g_assert_cmpint(run(f), ==, EXCP_HLT);
        g_test_message("selector %04x", cases[i].sel);
        g_assert_cmpint(!!(f->env->regs[R_ESI] & CC_Z), ==, cases[i].readable);
        g_assert_cmpint(!!(f->env->regs[R_EDI] & CC_Z), ==, cases[i].writable);
        fx_free(f);
    }

    /* Real mode: #UD. */
    Fixture *f = fx_new(code_verr_verw, sizeof(code_verr_verw));
    g_assert_cmpint(run(f), ==, EXCP_UD);
    fx_free(f);
}

static void test_ltr_str(void)
{
    Fixture *f = fx_new(code_ltr_str, sizeof(code_ltr_str));
    fx_protected32(f, 0);
    put_gdt(f);
    f->env->regs[R_EAX] = 0x28;
    f->env->regs[R_EBX] = 0xffffffff;
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->tr.selector, ==, 0x28);
    g_assert_cmphex(f->env->tr.base, ==, 0x4000);
    g_assert_cmphex(f->env->tr.limit, ==, 0x67);
    /* LTR marks the descriptor busy (type 9 -> 11); STR zero-extends into EBX. */
    g_assert_cmphex((get64(f, GDT_ADDR + 0x28) >> 40) & 0xf, ==, 0xb);
    g_assert_cmphex(f->env->regs[R_EBX], ==, 0x28);
    fx_free(f);

    f = fx_new(code_ltr_str, sizeof(code_ltr_str));
    fx_protected32(f, 3);
    put_gdt(f);
    f->env->regs[R_EAX] = 0x28;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    fx_free(f);
}

static void test_smsw_lmsw_clts(void)
{
    Fixture *f = fx_new(code_smsw_lmsw_clts, sizeof(code_smsw_lmsw_clts));
    fx_protected32(f, 0);
    f->env->cr[0] |= CR0_TS | CR0_EM;
    x86_cpu_update_hflags(f->env);
    const uint64_t before = f->env->cr[0];
    f->env->regs[R_EAX] = CR0_MP | CR0_TS; /* LMSW cannot clear PE */
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EBX], ==, before); /* SMSW r32: all of CR0 */
    /* LMSW loads MP/EM/TS (EM cleared, TS set), CLTS then clears TS. */
    g_assert_cmphex(f->env->regs[R_ECX], ==, (before & ~0xfull) | CR0_PE | CR0_MP);
    g_assert_cmphex(f->env->hflags & (HF_TS | HF_EM | HF_MP), ==, HF_MP);
    fx_free(f);
}

/* ---- MSRs and the TSC ---- */

/* RDMSR and WRMSR sit at their own addresses (translated code is cached by address). */
#define RDMSR_ADDR (CODE_ADDR + 0x400)
#define WRMSR_ADDR (CODE_ADDR + 0x410)

static int run_at(Fixture *f, uint64_t addr, const uint8_t *code, size_t len)
{
    put(f, addr, code, len);
    f->env->rip = addr;
    return run(f);
}

static int rdmsr(Fixture *f, uint32_t index, uint64_t *val)
{
    f->env->regs[R_ECX] = index;
    f->env->regs[R_EAX] = 0xdeadbeef;
    f->env->regs[R_EDX] = 0xdeadbeef;
    int v = run_at(f, RDMSR_ADDR, code_rdmsr, sizeof(code_rdmsr));
    *val = (f->env->regs[R_EDX] << 32) | (uint32_t)f->env->regs[R_EAX];
    return v;
}

static int wrmsr(Fixture *f, uint32_t index, uint64_t val)
{
    f->env->regs[R_ECX] = index;
    f->env->regs[R_EAX] = (uint32_t)val;
    f->env->regs[R_EDX] = val >> 32;
    return run_at(f, WRMSR_ADDR, code_wrmsr, sizeof(code_wrmsr));
}

/* IA32_ARCH_CAPABILITIES: the models that advertise it (CPUID.7.0:EDX[29]) report the
 * "not affected" bits (RDCL_NO: no page-table isolation; MDS_NO; ITS_NO), read-only;
 * qemu64 does not have the MSR. */
static void test_arch_capabilities(void)
{
    const uint64_t rdcl_no = 1ull << 0, mds_no = 1ull << 5, its_no = 1ull << 62;
    Fixture *f = fx_new(code_hlt, sizeof(code_hlt));
    fx_protected32(f, 0);
    uint64_t v;
    g_assert_true(x86_cpu_model_has(f->cpu.model, FEAT_7_0_EDX, CPUID_7_0_EDX_ARCH_CAPABILITIES));
    g_assert_cmpint(rdmsr(f, MSR_IA32_ARCH_CAPABILITIES, &v), ==, EXCP_HLT);
    g_assert_cmphex(v & (rdcl_no | mds_no | its_no), ==, rdcl_no | mds_no | its_no);
    g_assert_cmpint(wrmsr(f, MSR_IA32_ARCH_CAPABILITIES, 0), ==, EXCP_GP);
    fx_free(f);
    f = fx_new_model("qemu64", code_hlt, sizeof(code_hlt));
    fx_protected32(f, 0);
    g_assert_false(x86_cpu_model_has(f->cpu.model, FEAT_7_0_EDX, CPUID_7_0_EDX_ARCH_CAPABILITIES));
    g_assert_cmpint(rdmsr(f, MSR_IA32_ARCH_CAPABILITIES, &v), ==, EXCP_GP);
    fx_free(f);
}

static void test_msr_access(void)
{
    Fixture *f = fx_new(code_hlt, sizeof(code_hlt));
    fx_protected32(f, 0);
    uint64_t v;
    g_assert_cmpint(wrmsr(f, MSR_EFER, EFER_SCE), ==, EXCP_HLT);
    g_assert_cmpint(rdmsr(f, MSR_EFER, &v), ==, EXCP_HLT);
    g_assert_cmphex(v, ==, EFER_SCE);
    /* Reserved EFER bit, unknown MSRs: #GP(0) and nothing changes. */
    g_assert_cmpint(wrmsr(f, MSR_EFER, EFER_SCE | 2), ==, EXCP_GP);
    g_assert_cmpint(f->env->error_code, ==, 0);
    g_assert_cmphex(f->env->efer, ==, EFER_SCE);
    g_assert_cmpint(rdmsr(f, 0x12345678, &v), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, 0x12345678, 0), ==, EXCP_GP);
    g_assert_cmpint(rdmsr(f, 0x251, &v), ==, EXCP_GP); /* gap in the fixed MTRRs */
    /* Canonical checks. */
    g_assert_cmpint(wrmsr(f, MSR_LSTAR, 0x0000800000000000ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_LSTAR, 0xffff800000001000ull), ==, EXCP_HLT);
    g_assert_cmphex(f->env->lstar, ==, 0xffff800000001000ull);
    g_assert_cmpint(wrmsr(f, MSR_KERNEL_GS_BASE, 1ull << 60), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_FS_BASE, 0x12345000), ==, EXCP_HLT);
    g_assert_cmphex(f->env->segs[R_FS].base, ==, 0x12345000);
    /* PAT: types 2 and 3 are reserved. */
    g_assert_cmpint(wrmsr(f, MSR_IA32_PAT, 0x0007040600020406ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_PAT, 0x0007010600070406ull), ==, EXCP_HLT);
    g_assert_cmpint(rdmsr(f, MSR_IA32_PAT, &v), ==, EXCP_HLT);
    g_assert_cmphex(v, ==, 0x0007010600070406ull);
    /* MTRRs. */
    g_assert_cmpint(rdmsr(f, MSR_IA32_MTRRCAP, &v), ==, EXCP_HLT);
    g_assert_cmphex(v, ==, 0x508);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRRCAP, 0), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_DEF_TYPE, 0xc06), ==, EXCP_HLT);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_DEF_TYPE, 0x1006), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_PHYSBASE0 + 2, 0x80000006), ==, EXCP_HLT);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_PHYSBASE0 + 2, 0x80000002), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_PHYSBASE0 + 3, 0xff80000800ull), ==, EXCP_HLT);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_PHYSBASE0 + 3, 0xff80000801ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_FIX4K_C0000 + 7, 0x0606060605050404ull), ==, EXCP_HLT);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MTRR_FIX4K_C0000 + 7, 0x0606060605050407ull), ==, EXCP_GP);
    g_assert_cmpint(rdmsr(f, MSR_IA32_MTRR_FIX4K_C0000 + 7, &v), ==, EXCP_HLT);
    g_assert_cmphex(v, ==, 0x0606060605050404ull);
    /* MISC_ENABLE: BTS and PEBS unavailable read 1; reserved bits #GP. */
    g_assert_cmpint(rdmsr(f, MSR_IA32_MISC_ENABLE, &v), ==, EXCP_HLT);
    g_assert_cmphex(v & 0x1800, ==, 0x1800);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MISC_ENABLE, v | 1), ==, EXCP_HLT);
    g_assert_cmpint(wrmsr(f, MSR_IA32_MISC_ENABLE, 1ull << 40), ==, EXCP_GP);
    /* Locked feature control, microcode revision 0, TSC_AUX width. */
    g_assert_cmpint(rdmsr(f, MSR_IA32_FEATURE_CONTROL, &v), ==, EXCP_HLT);
    g_assert_cmphex(v, ==, 1);
    g_assert_cmpint(wrmsr(f, MSR_IA32_FEATURE_CONTROL, 5), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_BIOS_SIGN_ID, 0), ==, EXCP_HLT);
    g_assert_cmpint(rdmsr(f, MSR_IA32_BIOS_SIGN_ID, &v), ==, EXCP_HLT);
    g_assert_cmphex(v, ==, 0);
    g_assert_cmpint(wrmsr(f, MSR_TSC_AUX, 1ull << 32), ==, EXCP_GP);
    /* SYSENTER MSRs. */
    g_assert_cmpint(wrmsr(f, MSR_IA32_SYSENTER_EIP, 0x8000000000000000ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_IA32_SYSENTER_CS, 0x10), ==, EXCP_HLT);
    g_assert_cmphex(f->env->sysenter_cs, ==, 0x10);
    /* APIC base: BSP is read-only, bit 10 reserved without x2APIC. */
    g_assert_cmpint(wrmsr(f, MSR_IA32_APIC_BASE, 0xfec00000ull | (1u << 11)), ==, EXCP_HLT);
    g_assert_cmphex(f->env->apic_base, ==, 0xfec00000ull | (1u << 11) | (1u << 8));
    g_assert_cmpint(wrmsr(f, MSR_IA32_APIC_BASE, 0xfee00000ull | (1u << 10)), ==, EXCP_GP);
    fx_free(f);

    /* RDMSR/WRMSR are privileged. */
    f = fx_new(code_hlt, sizeof(code_hlt));
    fx_protected32(f, 3);
    g_assert_cmpint(rdmsr(f, MSR_EFER, &v), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(f, MSR_EFER, 0), ==, EXCP_GP);
    fx_free(f);
}

static void test_rdtsc(void)
{
    Fixture *f = fx_new(code_rdtsc_twice, sizeof(code_rdtsc_twice));
    fx_protected32(f, 3);
    clock_start(&f->m.clock);
    /* Both RDTSCs run at CPL 3; the final HLT faults there. */
    const uint64_t hlt_addr = CODE_ADDR + sizeof(code_rdtsc_twice) - 1;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->rip, ==, hlt_addr);
    uint64_t first = (f->env->regs[R_ESI] << 32) | f->env->regs[R_EBX];
    uint64_t second = (f->env->regs[R_EDX] << 32) | f->env->regs[R_EAX];
    g_assert_cmpuint(second, >, first);

    /* IA32_TSC writes move the counter; RDTSC counts on from the value written. */
    f->env->tsc_offset = (int64_t)(0x100000000000ull - x86_tsc_read(f->env) + f->env->tsc_offset);
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->rip, ==, hlt_addr);
    first = (f->env->regs[R_ESI] << 32) | f->env->regs[R_EBX];
    g_assert_cmpuint(first, >=, 0x100000000000ull);
    g_assert_cmpuint(first, <, 0x100000000000ull + X86_TSC_HZ * 10);

    /* CR4.TSD: #GP(0) at CPL 3. */
    f->env->cr[4] |= CR4_TSD;
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
    fx_free(f);

    /* RDTSCP also returns IA32_TSC_AUX. */
    f = fx_new(code_rdtscp, sizeof(code_rdtscp));
    fx_protected32(f, 0);
    f->env->tsc_aux = 0x5a5a;
    f->env->cr[4] |= CR4_TSD; /* CPL 0 is allowed */
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_ECX], ==, 0x5a5a);
    fx_free(f);

    /* No performance counters: RDPMC is #GP(0) everywhere. */
    f = fx_new(code_rdpmc, sizeof(code_rdpmc));
    fx_protected32(f, 0);
    g_assert_cmpint(run(f), ==, EXCP_GP);
    fx_free(f);
}

/* ---- fast system calls ---- */

#define STAR_VALUE ((0x0020ull << 48) | (0x0010ull << 32))

static void test_syscall(void)
{
    Fixture *f = fx_new(code_syscall, sizeof(code_syscall));
    CPUX86State *env = f->env;
    fx_long64(f, 3);
    put(f, CODE_ADDR + 0x100, code_hlt, 1);
    env->star = STAR_VALUE;
    env->lstar = CODE_ADDR + 0x100;
    env->fmask = IF_MASK | TF_MASK;
    x86_write_eflags(env, IF_MASK | DF_MASK | CC_C, IF_MASK | DF_MASK | CC_C);

    /* Without EFER.SCE: #UD. */
    g_assert_cmpint(run(f), ==, EXCP_UD);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);

    env->efer |= EFER_SCE;
    g_assert_cmpint(rerun(f), ==, EXCP_HLT);
    g_assert_cmphex(env->regs[R_ECX], ==, CODE_ADDR + 2);
    g_assert_cmphex(env->regs[11], ==, IF_MASK | DF_MASK | CC_C | EFLAGS_FIXED);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x101);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x10);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x18);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 0);
    g_assert_true(env->hflags & HF_CS64);
    /* FMASK cleared IF; DF and CF stay. */
    g_assert_cmphex(x86_read_eflags(env), ==, DF_MASK | CC_C | EFLAGS_FIXED);
    fx_free(f);
}

static void test_sysret(void)
{
    /* To 64-bit mode: CS = STAR[63:48] + 16, SS = + 8, RPL 3; RFLAGS from R11. HLT at
     * CPL 3 then faults, which leaves the state to look at. */
    Fixture *f = fx_new(code_sysret64, sizeof(code_sysret64));
    CPUX86State *env = f->env;
    fx_long64(f, 0);
    put(f, CODE_ADDR + 0x200, code_hlt, 1);
    env->efer |= EFER_SCE;
    env->star = STAR_VALUE;
    env->regs[R_ECX] = CODE_ADDR + 0x200;
    env->regs[11] = IF_MASK | CC_C | RF_MASK | VM_MASK | (1u << 3);
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x200);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x33);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x2b);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 3);
    g_assert_true(env->hflags & HF_CS64);
    g_assert_cmphex(x86_read_eflags(env), ==, IF_MASK | CC_C | EFLAGS_FIXED);

    /* A non-canonical RCX faults at CPL 0 before anything changes. */
    fx_long64(f, 0);
    env->regs[R_ECX] = 0x0000800000000000ull;
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 0);
    fx_free(f);

    /* To compatibility mode: CS = STAR[63:48], rIP = ECX. */
    f = fx_new(code_sysret32, sizeof(code_sysret32));
    env = f->env;
    fx_long64(f, 0);
    put(f, CODE_ADDR + 0x200, code_hlt, 1);
    env->efer |= EFER_SCE;
    env->star = STAR_VALUE;
    env->regs[R_ECX] = 0xffffffff00000000ull | (CODE_ADDR + 0x200);
    env->regs[11] = IF_MASK;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x200);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x23);
    g_assert_false(env->hflags & HF_CS64);
    g_assert_true(env->hflags & HF_CS32);
    g_assert_true(env->hflags & HF_LMA);

    /* SYSRET at CPL 3: #GP(0). */
    fx_long64(f, 3);
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    fx_free(f);
}

static void test_swapgs(void)
{
    Fixture *f = fx_new(code_swapgs, sizeof(code_swapgs));
    fx_long64(f, 0);
    f->env->segs[R_GS].base = 0x1111;
    f->env->kernel_gs_base = 0xffff888000002222ull;
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->segs[R_GS].base, ==, 0xffff888000002222ull);
    g_assert_cmphex(f->env->kernel_gs_base, ==, 0x1111);

    fx_long64(f, 3);
    f->env->segs[R_GS].base = 0x3333;
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->segs[R_GS].base, ==, 0x3333);
    g_assert_cmphex(f->env->kernel_gs_base, ==, 0x1111);
    fx_free(f);
}

static void test_sysenter_sysexit(void)
{
    Fixture *f = fx_new(code_sysenter, sizeof(code_sysenter));
    CPUX86State *env = f->env;
    fx_protected32(f, 3);
    put(f, CODE_ADDR + 0x100, code_hlt, 1);
    x86_write_eflags(env, IF_MASK, IF_MASK);
    /* A null IA32_SYSENTER_CS: #GP(0). */
    g_assert_cmpint(run(f), ==, EXCP_GP);
    env->sysenter_cs = 0x10;
    env->sysenter_esp = 0x6000;
    env->sysenter_eip = CODE_ADDR + 0x100;
    g_assert_cmpint(rerun(f), ==, EXCP_HLT);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x10);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x18);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x6000);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x101);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 0);
    g_assert_true(env->hflags & HF_CS32);
    g_assert_false(x86_read_eflags(env) & IF_MASK);
    fx_free(f);

    /* Real mode: #GP(0). */
    f = fx_new(code_sysenter, sizeof(code_sysenter));
    f->env->sysenter_cs = 0x10;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    fx_free(f);

    /* IA-32e mode: 64-bit code segment, full RSP/RIP. */
    f = fx_new(code_sysenter, sizeof(code_sysenter));
    env = f->env;
    fx_long64(f, 3);
    put(f, CODE_ADDR + 0x100, code_hlt, 1);
    env->sysenter_cs = 0x10;
    env->sysenter_esp = 0x6000;
    env->sysenter_eip = CODE_ADDR + 0x100;
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_true(env->hflags & HF_CS64);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 0);
    fx_free(f);

    /* SYSEXIT to 32-bit code: CS = SYSENTER_CS + 16, SS = + 24, RPL 3. */
    f = fx_new(code_sysexit32, sizeof(code_sysexit32));
    env = f->env;
    fx_protected32(f, 0);
    put(f, CODE_ADDR + 0x100, code_hlt, 1);
    env->sysenter_cs = 0x10;
    env->regs[R_ECX] = 0x5000;
    env->regs[R_EDX] = CODE_ADDR + 0x100;
    g_assert_cmpint(run(f), ==, EXCP_GP); /* the HLT at CPL 3 */
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x100);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x23);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x2b);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x5000);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 3);
    /* ... and at CPL 3 SYSEXIT itself faults. */
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    fx_free(f);
}

/* ---- debug registers ---- */

/* A MOV to a debug register completes like any instruction: EFLAGS.RF (left by an
 * IRET) is clear after it, so a breakpoint it enables is not skipped (SDM 3A
 * §18.3.1.1); the DR0 it wrote is seen by the breakpoint checks at once. */
static void test_mov_dr_clears_rf(void)
{
    Fixture *f = fx_new(code_set_bp, sizeof(code_set_bp));
    CPUX86State *env = f->env;
    fx_protected32(f, 0);
    env->regs[R_EAX] = 0x401;         /* L0, R/W0 = 00: instruction breakpoint at DR0 */
    env->regs[R_ECX] = CODE_ADDR + 6; /* the NOP right after the MOV to DR7 */
    env->eflags |= RF_MASK;
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 6);
    g_assert_cmphex(env->dr[6] & 0xf, ==, 1);
    g_assert_false(env->eflags & RF_MASK);
    fx_free(f);
}

static void test_debug_registers(void)
{
    Fixture *f = fx_new(code_mov_dr, sizeof(code_mov_dr));
    CPUX86State *env = f->env;
    fx_protected32(f, 0);
    env->regs[R_EAX] = 0xffffffff & ~(1u << 13); /* everything but GD */
    env->regs[R_ECX] = 0x12345678;
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    /* DR7: bit 10 reads 1, bits 11, 12, 14, 15 read 0. */
    g_assert_cmphex(env->regs[R_EBX], ==, 0xffff07ff);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x12345678);
    fx_free(f);

    /* DR4 aliases DR6 while CR4.DE is clear, and is #UD when it is set. */
    f = fx_new(code_mov_dr4, sizeof(code_mov_dr4));
    fx_protected32(f, 0);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EBX], ==, 0xffff0ff0);
    f->env->cr[4] |= CR4_DE;
    g_assert_cmpint(rerun(f), ==, EXCP_UD);
    fx_free(f);

    /* DR7.GD: any access is a #DB fault with DR6.BD set; GD is cleared. */
    f = fx_new(code_mov_dr6, sizeof(code_mov_dr6));
    fx_protected32(f, 0);
    f->env->dr[7] |= 1u << 13;
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
    g_assert_true(f->env->dr[6] & (1u << 13));
    g_assert_false(f->env->dr[7] & (1u << 13));
    fx_free(f);

    /* Privileged. */
    f = fx_new(code_mov_dr6, sizeof(code_mov_dr6));
    fx_protected32(f, 3);
    g_assert_cmpint(run(f), ==, EXCP_GP);
    fx_free(f);
}

/* ---- the rest ---- */

static void test_cpuid_instruction(void)
{
    Fixture *f = fx_new(code_cpuid, sizeof(code_cpuid));
    fx_protected32(f, 3); /* CPUID is not privileged (the HLT after it is) */
    f->env->regs[R_EAX] = 0;
    g_assert_cmpint(run(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 2);
    g_assert_cmphex(f->env->regs[R_EBX], ==, 0x756e6547); /* "Genu" */
    g_assert_cmphex(f->env->regs[R_EDX], ==, 0x49656e69); /* "ineI" */
    g_assert_cmphex(f->env->regs[R_ECX], ==, 0x6c65746e); /* "ntel" */
    f->env->regs[R_EAX] = 1;
    g_assert_cmpint(rerun(f), ==, EXCP_GP);
    g_assert_cmphex(f->env->regs[R_EAX], ==, x86_cpu_model_signature(x86_cpu_model_default()));
    fx_free(f);
}

static void test_arpl(void)
{
    Fixture *f = fx_new(code_arpl, sizeof(code_arpl));
    fx_protected32(f, 0);
    f->env->regs[R_EAX] = 0xabcd0011; /* RPL 1 */
    f->env->regs[R_EBX] = 0x0003;
    x86_write_eflags(f->env, CC_C, CC_MASK);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 0xabcd0013);
    g_assert_cmphex(x86_read_eflags(f->env) & CC_MASK, ==, CC_C | CC_Z);
    /* No adjustment: ZF cleared, destination unchanged. */
    f->env->regs[R_EBX] = 0x0002;
    g_assert_cmpint(rerun(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 0xabcd0013);
    g_assert_cmphex(x86_read_eflags(f->env) & CC_MASK, ==, CC_C);
    fx_free(f);

    /* Real mode: #UD. */
    f = fx_new(code_arpl, sizeof(code_arpl));
    g_assert_cmpint(run(f), ==, EXCP_UD);
    fx_free(f);
}

static void test_fsgsbase(void)
{
    Fixture *f = fx_new_model("max", code_fsgsbase, sizeof(code_fsgsbase));
    CPUX86State *env = f->env;
    fx_long64(f, 3);
    env->regs[R_EAX] = 0xffff800000001000ull;
    env->regs[R_ECX] = 0xdeadbeefcafef00dull;
    /* CR4.FSGSBASE clear: #UD. */
    g_assert_cmpint(run(f), ==, EXCP_UD);
    bool has = x86_cpu_model_has(f->cpu.model, FEAT_7_0_EBX, CPUID_7_0_EBX_FSGSBASE);
    if (has) {
        env->cr[4] |= CR4_FSGSBASE;
        g_assert_cmpint(rerun(f), ==, EXCP_GP); /* the HLT at CPL 3 */
        g_assert_cmphex(env->regs[R_EBX], ==, 0xffff800000001000ull);
        g_assert_cmphex(env->segs[R_FS].base, ==, 0xffff800000001000ull);
        g_assert_cmphex(env->regs[R_EDX], ==, 0xcafef00d); /* 32-bit write zero-extends */
        /* A non-canonical 64-bit value: #GP(0). */
        env->regs[R_EAX] = 0x0000800000000000ull;
        g_assert_cmpint(rerun(f), ==, EXCP_GP);
        g_assert_cmphex(env->rip, ==, CODE_ADDR);
    }
    fx_free(f);
}

static void test_privileged_misc(void)
{
    /* WBINVD and INVLPG: fine at CPL 0, #GP(0) at CPL 3. */
    const struct {
        const uint8_t *code;
        size_t len;
    } insns[] = {{code_wbinvd, sizeof(code_wbinvd)}, {code_invlpg, sizeof(code_invlpg)}};
    for (size_t i = 0; i < G_N_ELEMENTS(insns); i++) {
        Fixture *f = fx_new(insns[i].code, insns[i].len);
        fx_protected32(f, 0);
        g_assert_cmpint(run(f), ==, EXCP_HLT);
        fx_protected32(f, 3);
        g_assert_cmpint(rerun(f), ==, EXCP_GP);
        g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
        fx_free(f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sys/cr0/enable-pe", test_cr0_enable_pe);
    g_test_add_func("/sys/cr0/checks", test_cr0_checks);
    g_test_add_func("/sys/cr/invalid-register", test_cr_invalid_register);
    g_test_add_func("/sys/cr4/checks", test_cr4_checks);
    g_test_add_func("/sys/cr3-cr8", test_cr3_and_cr8);
    g_test_add_func("/sys/long-mode/entry", test_long_mode_entry);
    g_test_add_func("/sys/long-mode/checks", test_long_mode_checks);
    g_test_add_func("/sys/lgdt-sgdt", test_lgdt_sgdt);
    g_test_add_func("/sys/lar-lsl", test_lar_lsl);
    g_test_add_func("/sys/verr-verw", test_verr_verw);
    g_test_add_func("/sys/ltr-str", test_ltr_str);
    g_test_add_func("/sys/smsw-lmsw-clts", test_smsw_lmsw_clts);
    g_test_add_func("/sys/msr", test_msr_access);
    g_test_add_func("/sys/arch-capabilities", test_arch_capabilities);
    g_test_add_func("/sys/rdtsc", test_rdtsc);
    g_test_add_func("/sys/syscall", test_syscall);
    g_test_add_func("/sys/sysret", test_sysret);
    g_test_add_func("/sys/swapgs", test_swapgs);
    g_test_add_func("/sys/sysenter-sysexit", test_sysenter_sysexit);
    g_test_add_func("/sys/debug-registers", test_debug_registers);
    g_test_add_func("/sys/debug-registers/mov-clears-rf", test_mov_dr_clears_rf);
    g_test_add_func("/sys/cpuid", test_cpuid_instruction);
    g_test_add_func("/sys/arpl", test_arpl);
    g_test_add_func("/sys/fsgsbase", test_fsgsbase);
    g_test_add_func("/sys/privileged", test_privileged_misc);
    return g_test_run();
}
