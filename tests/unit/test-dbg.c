/* Debug registers and the alignment check, run on the synchronous TCG runner:
 *  - instruction breakpoints (SDM 3A §18.3.1.1): a #DB fault before the instruction,
 *    DR6.Bn, EFLAGS.RF letting it run; blocks translated for other breakpoints are
 *    translated again;
 *  - data breakpoints (SDM 3A §18.3.1.2): #DB traps after the instruction that wrote
 *    (R/W = 01) or read or wrote (R/W = 11) the watched bytes, for plain, locked and
 *    repeated string accesses, set by MOV DR as well as directly;
 *  - #AC (SDM 3A §6.15 "Interrupt 17"): misaligned data accesses at CPL 3 with CR0.AM
 *    and EFLAGS.AC, in translated code and in the x87 helpers.
 * Code (32-bit, assembled with nasm; the source is in the comments) runs at CODE_ADDR
 * in flat protected mode. */
#include <glib.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "system/machine.h"

#define RAM_SIZE  (1u << 20)
#define CODE_ADDR 0x8000u
#define DATA_ADDR 0x2000u

/* DR7 (SDM 3A §18.2.4) */
#define DR7_L(n)      (1u << (2 * (n)))
#define DR7_RW(n, rw) ((uint32_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, l) ((uint32_t)(l) << (18 + 4 * (n)))
#define RW_EXEC       0
#define RW_WRITE      1
#define RW_READ_WRITE 3
#define LEN_1         0
#define LEN_2         1
#define LEN_8         2
#define LEN_4         3
#define DR7_FIXED     0x400u
/* DR6 */
#define DR6_B(n)  (1u << (n))
#define DR6_BS    (1u << 14)
#define DR6_CLEAR 0xffff0ff0u

/* ---- code ---- */

/* nop; nop; inc eax (8002); inc eax (8003); hlt */
static const uint8_t code_incs[] = {0x90, 0x90, 0x40, 0x40, 0xf4};
/* xor ecx, ecx; mov edx, 2; l: inc ecx (8007); dec edx; jnz l; hlt */
static const uint8_t code_loop[] = {0x31, 0xc9, 0xba, 0x02, 0x00, 0x00,
                                    0x00, 0x41, 0x4a, 0x75, 0xfc, 0xf4};
/* mov [0x2000], eax; mov edx, [0x2004]; mov [0x2006], bl; inc ecx (8011); hlt */
static const uint8_t code_writes[] = {0xa3, 0x00, 0x20, 0x00, 0x00, 0x8b, 0x15, 0x04, 0x20, 0x00,
                                      0x00, 0x88, 0x1d, 0x06, 0x20, 0x00, 0x00, 0x41, 0xf4};
/* mov eax, [0x200c]; mov eax, [0x200e]; inc ecx (800a); hlt */
static const uint8_t code_reads[] = {0xa1, 0x0c, 0x20, 0x00, 0x00, 0xa1,
                                     0x0e, 0x20, 0x00, 0x00, 0x41, 0xf4};
/* mov [0x2004], ecx; mov dr1, eax; mov dr7, ebx; mov [0x2004], ecx; nop (8012); hlt */
static const uint8_t code_mov_dr[] = {0x89, 0x0d, 0x04, 0x20, 0x00, 0x00, 0x0f, 0x23, 0xc8, 0x0f,
                                      0x23, 0xfb, 0x89, 0x0d, 0x04, 0x20, 0x00, 0x00, 0x90, 0xf4};
/* mov edi, 0x2000; mov ecx, 16; mov al, 0x55; cld; rep stosb (800d); hlt */
static const uint8_t code_rep_stosb[] = {0xbf, 0x00, 0x20, 0x00, 0x00, 0xb9, 0x10, 0x00,
                                         0x00, 0x00, 0xb0, 0x55, 0xfc, 0xf3, 0xaa, 0xf4};
/* div dword [0x2004]; nop (8006); hlt */
static const uint8_t code_div_mem[] = {0xf7, 0x35, 0x04, 0x20, 0x00, 0x00, 0x90, 0xf4};
/* lock add [0x2004], eax; nop (8007); hlt */
static const uint8_t code_lock_add[] = {0xf0, 0x01, 0x05, 0x04, 0x20, 0x00, 0x00, 0x90, 0xf4};

/* CPL 3 (int3 ends the run: HLT would be a #GP there) */
/* mov al, [0x2001]; mov ax, [0x2002]; mov eax, [0x2004]; mov ax, [0x2001] (8010); int3 */
static const uint8_t code_ac_loads[] = {0xa0, 0x01, 0x20, 0x00, 0x00, 0x66, 0xa1, 0x02,
                                        0x20, 0x00, 0x00, 0xa1, 0x04, 0x20, 0x00, 0x00,
                                        0x66, 0xa1, 0x01, 0x20, 0x00, 0x00, 0xcc};
/* push eax; int3 */
static const uint8_t code_ac_push[] = {0x50, 0xcc};
/* fld dword [0x2002]; int3 */
static const uint8_t code_ac_fld[] = {0xd9, 0x05, 0x02, 0x20, 0x00, 0x00, 0xcc};
/* lock add [0x2002], eax; int3 */
static const uint8_t code_ac_lock[] = {0xf0, 0x01, 0x05, 0x02, 0x20, 0x00, 0x00, 0xcc};
/* movq xmm0, [0x2008]; movups xmm1, [0x2008]; movups xmm1, [0x2004] (800f); int3 */
static const uint8_t code_ac_sse[] = {0xf3, 0x0f, 0x7e, 0x05, 0x08, 0x20, 0x00, 0x00,
                                      0x0f, 0x10, 0x0d, 0x08, 0x20, 0x00, 0x00, 0x0f,
                                      0x10, 0x0d, 0x04, 0x20, 0x00, 0x00, 0xcc};

/* ---- the machine ---- */

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
    CPUX86State *env;
} Fixture;

static void set_seg(CPUX86State *env, int seg, uint16_t sel, uint32_t flags)
{
    env->segs[seg].selector = sel;
    env->segs[seg].base = 0;
    env->segs[seg].limit = 0xffffffffu;
    env->segs[seg].flags = flags;
}

#define CODE_FLAGS                                                                                 \
    (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_G_MASK |          \
     DESC_B_MASK)
#define DATA_FLAGS                                                                                 \
    (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_G_MASK | DESC_B_MASK)

/* A machine running code at CODE_ADDR in flat 32-bit protected mode at cpl, paging
 * off, SSE usable. */
static Fixture *fx_new(const uint8_t *code, size_t len, unsigned cpl)
{
    Fixture *f = g_new0(Fixture, 1);
    f->cfg.ram_size = RAM_SIZE;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    memcpy(f->m.ram + CODE_ADDR, code, len);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    CPUX86State *env = f->env = &f->cpu.env;
    uint32_t dpl = cpl << DESC_DPL_SHIFT;
    env->cr[0] |= CR0_PE;
    env->cr[0] &= ~(uint64_t)(CR0_EM | CR0_TS);
    env->cr[4] |= CR4_OSFXSR;
    set_seg(env, R_CS, (uint16_t)(0x08 | cpl), CODE_FLAGS | dpl);
    for (int s = 0; s < 6; s++)
        if (s != R_CS)
            set_seg(env, s, (uint16_t)(0x10 | cpl), DATA_FLAGS | dpl);
    env->rip = CODE_ADDR;
    env->regs[R_ESP] = 0x7000;
    x86_cpu_update_hflags(env);
    return f;
}

static void fx_free(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
    g_free(f);
}

static int run(Fixture *f)
{
    return tcg_runner_run(f->r, &f->cpu, 1000);
}

static int run_from(Fixture *f, uint64_t rip)
{
    f->env->rip = rip;
    return run(f);
}

/* Sets breakpoint n as a MOV to DRn and DR7 would (DR6 cleared too). */
static void set_bp(Fixture *f, unsigned n, uint32_t addr, uint32_t dr7)
{
    f->env->dr[n] = addr;
    f->env->dr[7] = dr7 | DR7_FIXED;
    f->env->dr[6] = DR6_CLEAR;
    x86_debug_update(f->env);
}

static uint32_t dr6_status(const Fixture *f)
{
    return (uint32_t)f->env->dr[6] & ~DR6_CLEAR;
}

static uint32_t data32(const Fixture *f, uint32_t addr)
{
    uint32_t v;
    memcpy(&v, f->m.ram + addr, 4);
    return v;
}

/* ---- instruction breakpoints ---- */

/* A fault before the instruction (rIP on it, DR6.B0); with RF set it runs, and RF is
 * clear again after it. */
static void test_insn_breakpoint(void)
{
    Fixture *f = fx_new(code_incs, sizeof(code_incs), 0);
    set_bp(f, 0, CODE_ADDR + 2, DR7_L(0) | DR7_RW(0, RW_EXEC));
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 2);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 0);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(0));

    f->env->eflags |= RF_MASK;
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 2);
    g_assert_false(f->env->eflags & RF_MASK);

    /* the same blocks again, from the cache */
    f->env->regs[R_EAX] = 0;
    g_assert_cmpint(run_from(f, CODE_ADDR), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 2);

    /* disabled: no fault */
    set_bp(f, 0, CODE_ADDR + 2, 0);
    g_assert_cmpint(run_from(f, CODE_ADDR), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 2);
    fx_free(f);
}

/* A breakpoint reached by a branch back into a block that ran before (a chained block
 * start) hits on every pass. */
static void test_insn_breakpoint_loop(void)
{
    Fixture *f = fx_new(code_loop, sizeof(code_loop), 0);
    set_bp(f, 2, CODE_ADDR + 7, DR7_L(2) | DR7_RW(2, RW_EXEC));
    unsigned hits = 0;
    int r;
    while ((r = run(f)) == EXCP_DB) {
        g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 7);
        g_assert_cmphex(dr6_status(f), ==, DR6_B(2));
        f->env->eflags |= RF_MASK;
        hits++;
    }
    g_assert_cmpint(r, ==, EXCP_HLT);
    g_assert_cmpuint(hits, ==, 2);
    g_assert_cmphex(f->env->regs[R_ECX], ==, 2);
    fx_free(f);
}

/* The block at CODE_ADDR was translated for a breakpoint at 8003 (it ends before it);
 * moved to 8001, inside that block, the breakpoint must still hit: the block is
 * translated again. */
static void test_insn_breakpoint_moved(void)
{
    Fixture *f = fx_new(code_incs, sizeof(code_incs), 0);
    set_bp(f, 0, CODE_ADDR + 3, DR7_L(0) | DR7_RW(0, RW_EXEC));
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 3);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 1);

    f->env->regs[R_EAX] = 0;
    set_bp(f, 0, CODE_ADDR + 1, DR7_L(0) | DR7_RW(0, RW_EXEC));
    g_assert_cmpint(run_from(f, CODE_ADDR), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 1);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(0));
    g_assert_cmphex(f->env->regs[R_EAX], ==, 0);
    fx_free(f);
}

/* ---- data breakpoints ---- */

/* R/W = 01: a trap after the write that touches the 4 watched bytes (rIP past it, the
 * write done); reads and writes next to it do not hit. */
static void test_data_write(void)
{
    Fixture *f = fx_new(code_writes, sizeof(code_writes), 0);
    f->env->regs[R_EBX] = 0x5a;
    set_bp(f, 1, DATA_ADDR + 4, DR7_L(1) | DR7_RW(1, RW_WRITE) | DR7_LEN(1, LEN_4));
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 0x11);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(1));
    g_assert_cmphex(f->m.ram[DATA_ADDR + 6], ==, 0x5a);
    g_assert_cmphex(f->env->regs[R_ECX], ==, 0);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_ECX], ==, 1);
    fx_free(f);
}

/* R/W = 11 watches reads too; LEN = 2 covers 2010-2011 only. */
static void test_data_read_write(void)
{
    Fixture *f = fx_new(code_reads, sizeof(code_reads), 0);
    memcpy(f->m.ram + DATA_ADDR + 0xc, "\x01\x02\x03\x04\x05\x06", 6);
    set_bp(f, 3, DATA_ADDR + 0x10, DR7_L(3) | DR7_RW(3, RW_READ_WRITE) | DR7_LEN(3, LEN_2));
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 0xa);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(3));
    g_assert_cmphex(f->env->regs[R_EAX], ==, 0x06050403);

    /* a write-only breakpoint ignores the reads */
    set_bp(f, 3, DATA_ADDR + 0x10, DR7_L(3) | DR7_RW(3, RW_WRITE) | DR7_LEN(3, LEN_2));
    g_assert_cmpint(run_from(f, CODE_ADDR), ==, EXCP_HLT);
    fx_free(f);
}

/* Set by the guest with MOV DR: the page was written (and entered in the TLB) before
 * the breakpoint existed; the second write hits. */
static void test_data_mov_dr(void)
{
    Fixture *f = fx_new(code_mov_dr, sizeof(code_mov_dr), 0);
    f->env->regs[R_EAX] = DATA_ADDR + 4;
    f->env->regs[R_EBX] = DR7_L(1) | DR7_RW(1, RW_WRITE) | DR7_LEN(1, LEN_1);
    f->env->regs[R_ECX] = 0x11223344;
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 0x12);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(1));
    g_assert_cmphex(f->env->dr[1], ==, DATA_ADDR + 4);
    g_assert_cmphex(data32(f, DATA_ADDR + 4), ==, 0x11223344);
    fx_free(f);
}

/* SDM 3A §18.3.1.2: a repeated string instruction traps after the iteration that hit,
 * with rIP still on it while iterations remain; resuming finishes it. */
static void test_data_rep_string(void)
{
    Fixture *f = fx_new(code_rep_stosb, sizeof(code_rep_stosb), 0);
    set_bp(f, 0, DATA_ADDR + 8, DR7_L(0) | DR7_RW(0, RW_WRITE) | DR7_LEN(0, LEN_1));
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 0xd);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(0));
    g_assert_cmphex(f->env->regs[R_ECX], ==, 7); /* 9 bytes stored: 2000-2008 */
    g_assert_cmphex(f->env->regs[R_EDI], ==, DATA_ADDR + 9);
    g_assert_cmphex(f->m.ram[DATA_ADDR + 8], ==, 0x55);
    g_assert_cmphex(f->m.ram[DATA_ADDR + 9], ==, 0);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    g_assert_cmphex(f->env->regs[R_ECX], ==, 0);
    g_assert_cmphex(f->m.ram[DATA_ADDR + 15], ==, 0x55);
    fx_free(f);
}

/* A locked read-modify-write (host atomic through a probed pointer) hits too. */
static void test_data_locked(void)
{
    Fixture *f = fx_new(code_lock_add, sizeof(code_lock_add), 0);
    f->env->regs[R_EAX] = 5;
    set_bp(f, 2, DATA_ADDR + 4, DR7_L(2) | DR7_RW(2, RW_WRITE) | DR7_LEN(2, LEN_4));
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 7);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(2));
    g_assert_cmphex(data32(f, DATA_ADDR + 4), ==, 5);
    fx_free(f);
}

/* An instruction that faults after reading watched bytes did not complete: no trap,
 * then or later. */
static void test_data_faulting_insn(void)
{
    Fixture *f = fx_new(code_div_mem, sizeof(code_div_mem), 0);
    set_bp(f, 0, DATA_ADDR + 4, DR7_L(0) | DR7_RW(0, RW_READ_WRITE) | DR7_LEN(0, LEN_4));
    g_assert_cmpint(run(f), ==, EXCP_DE);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
    g_assert_cmpint(run_from(f, CODE_ADDR + 6), ==, EXCP_HLT);
    g_assert_cmphex(dr6_status(f), ==, 0);
    fx_free(f);
}

/* With TF set as well, one #DB reports both (DR6.BS and DR6.Bn). */
static void test_data_single_step(void)
{
    Fixture *f = fx_new(code_writes, sizeof(code_writes), 0);
    set_bp(f, 1, DATA_ADDR, DR7_L(1) | DR7_RW(1, RW_WRITE) | DR7_LEN(1, LEN_8));
    f->env->eflags |= TF_MASK;
    x86_cpu_update_hflags(f->env);
    g_assert_cmpint(run(f), ==, EXCP_DB);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 5);
    g_assert_cmphex(dr6_status(f), ==, DR6_B(1) | DR6_BS);
    fx_free(f);
}

/* ---- alignment check ---- */

static Fixture *fx_new_ac(const uint8_t *code, size_t len)
{
    Fixture *f = fx_new(code, len, 3);
    f->env->cr[0] |= CR0_AM;
    f->env->eflags |= AC_MASK;
    x86_cpu_update_hflags(f->env);
    return f;
}

/* Bytes anywhere, words at even and dwords at multiple-of-4 addresses pass; a word at
 * an odd address is #AC(0) with rIP on the instruction. */
static void test_ac_loads(void)
{
    Fixture *f = fx_new_ac(code_ac_loads, sizeof(code_ac_loads));
    g_assert_cmpint(run(f), ==, EXCP_AC);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 0x10);
    g_assert_cmpint(f->env->error_code, ==, 0);
    fx_free(f);
}

/* No #AC without any of its conditions: EFLAGS.AC, CR0.AM, CPL 3. */
static void test_ac_conditions(void)
{
    for (unsigned which = 0; which < 3; which++) {
        Fixture *f = which == 2 ? fx_new(code_ac_loads, sizeof(code_ac_loads), 0)
                                : fx_new_ac(code_ac_loads, sizeof(code_ac_loads));
        if (which == 0)
            f->env->eflags &= ~(uint64_t)AC_MASK;
        else if (which == 1)
            f->env->cr[0] &= ~(uint64_t)CR0_AM;
        else
            f->env->cr[0] |= CR0_AM, f->env->eflags |= AC_MASK;
        x86_cpu_update_hflags(f->env);
        g_assert_cmpint(run(f), ==, EXCP_BP);
        fx_free(f);
    }
}

/* Stack pushes, x87 memory operands (a helper's access) and locked operations are data
 * accesses too. */
static void test_ac_push_fpu_lock(void)
{
    Fixture *f = fx_new_ac(code_ac_push, sizeof(code_ac_push));
    f->env->regs[R_ESP] = 0x7002;
    g_assert_cmpint(run(f), ==, EXCP_AC);
    g_assert_cmphex(f->env->regs[R_ESP], ==, 0x7002);
    f->env->regs[R_ESP] = 0x7004;
    g_assert_cmpint(run_from(f, CODE_ADDR), ==, EXCP_BP);
    fx_free(f);

    f = fx_new_ac(code_ac_fld, sizeof(code_ac_fld));
    g_assert_cmpint(run(f), ==, EXCP_AC);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR);
    fx_free(f);

    f = fx_new_ac(code_ac_lock, sizeof(code_ac_lock));
    g_assert_cmpint(run(f), ==, EXCP_AC);
    g_assert_cmphex(data32(f, DATA_ADDR), ==, 0);
    fx_free(f);
}

/* SSE: a 64-bit operand needs 8-byte alignment; 16-byte MOVUPS is accessed in 8-byte
 * pieces (the SDM leaves #AC below 8-byte misalignment to the implementation). */
static void test_ac_sse(void)
{
    Fixture *f = fx_new_ac(code_ac_sse, sizeof(code_ac_sse));
    g_assert_cmpint(run(f), ==, EXCP_AC);
    g_assert_cmphex(f->env->rip, ==, CODE_ADDR + 0xf);
    fx_free(f);
}

/* SDM 3A §18.3.1.1: a fault (other than an instruction breakpoint) saves EFLAGS with RF
 * set, so that IRET back to the faulting instruction skips its breakpoint; the handler
 * itself runs with RF clear. Flat GDT and an IDT with a 32-bit interrupt gate for #UD. */
static void test_fault_sets_rf(void)
{
    static const uint8_t code_ud2[] = {0x0f, 0x0b};
    Fixture *f = fx_new(code_ud2, sizeof(code_ud2), 0);
    const uint32_t gdt = 0x3000, idt = 0x3100, handler = 0x4000;
    static const uint64_t descs[3] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull};
    memcpy(f->m.ram + gdt, descs, sizeof(descs));
    uint64_t gate = (handler & 0xffffull) | (0x08ull << 16) | (0x8eull << 40) |
                    ((uint64_t)(handler >> 16) << 48); /* present, DPL 0, 32-bit int gate */
    memcpy(f->m.ram + idt + 6 * 8, &gate, 8);
    f->env->gdt.base = gdt;
    f->env->gdt.limit = sizeof(descs) - 1;
    f->env->idt.base = idt;
    f->env->idt.limit = 0x7ff;
    g_assert_cmpint(run(f), ==, EXCP_UD);
    f->env->exception_index = EXCP_UD;
    f->env->exception_soft = false;
    x86_do_interrupt(f->env);
    g_assert_cmphex(f->env->rip, ==, handler);
    uint32_t saved_eflags = data32(f, (uint32_t)f->env->regs[R_ESP] + 8);
    g_assert_cmphex(saved_eflags & RF_MASK, ==, RF_MASK);
    g_assert_cmphex(data32(f, (uint32_t)f->env->regs[R_ESP]), ==, CODE_ADDR);
    g_assert_cmphex(f->env->eflags & RF_MASK, ==, 0);
    fx_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dbg/insn-breakpoint", test_insn_breakpoint);
    g_test_add_func("/dbg/fault-sets-rf", test_fault_sets_rf);
    g_test_add_func("/dbg/insn-breakpoint/loop", test_insn_breakpoint_loop);
    g_test_add_func("/dbg/insn-breakpoint/moved", test_insn_breakpoint_moved);
    g_test_add_func("/dbg/data/write", test_data_write);
    g_test_add_func("/dbg/data/read-write", test_data_read_write);
    g_test_add_func("/dbg/data/mov-dr", test_data_mov_dr);
    g_test_add_func("/dbg/data/rep-string", test_data_rep_string);
    g_test_add_func("/dbg/data/locked", test_data_locked);
    g_test_add_func("/dbg/data/faulting-insn", test_data_faulting_insn);
    g_test_add_func("/dbg/data/single-step", test_data_single_step);
    g_test_add_func("/dbg/ac/loads", test_ac_loads);
    g_test_add_func("/dbg/ac/conditions", test_ac_conditions);
    g_test_add_func("/dbg/ac/push-fpu-lock", test_ac_push_fpu_lock);
    g_test_add_func("/dbg/ac/sse", test_ac_sse);
    return g_test_run();
}
