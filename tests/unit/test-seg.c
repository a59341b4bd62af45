/* Protected-mode and long-mode segmentation, far transfers, IRET, interrupt and
 * exception delivery, double/triple faults, task switches and the I/O bitmap
 * (cpu/x86/seg_helper.c, cpu/x86/excp.c).
 *
 * Each test builds a GDT, IDT and TSS by hand in guest RAM, puts hand-assembled code
 * there (the nasm source is in the comment above each array), and runs it with the
 * synchronous runner (accel/tcg-run.h). The runner returns exceptions without
 * delivering them; tests that check delivery call x86_do_interrupt themselves.
 */
#include <glib.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "cpu/x86/seg_helper.h"
#include "system/machine.h"

/* Guest physical memory layout of the fixture. */
enum {
    GDT = 0x1000,
    IDT = 0x2000,
    TSS_A = 0x3000,
    TSS_B = 0x3800,
    PML4 = 0x5000,
    PDPT = 0x6000,
    PD = 0x7000,
    STACK0 = 0x9000, /* ring-0 stack top (TSS ESP0/RSP0) */
    STACK3 = 0xB000, /* ring-3 stack top */
    IST1 = 0xD008,   /* deliberately not 16-byte aligned */
    CODE0 = 0x10000,
    CODE3 = 0x11000,
    HANDLER = 0x12000, /* interrupt handlers: HANDLER + 0x100 * vector (mod 0x10) */
};

/* GDT selectors. */
enum {
    SEL_CODE0 = 0x08,
    SEL_DATA0 = 0x10,
    SEL_CODE3 = 0x18,
    SEL_DATA3 = 0x20,
    SEL_TSS_A = 0x28,
    SEL_TSS_B = 0x30,
    SEL_CALLGATE = 0x38,
    SEL_CODE16 = 0x40,
    SEL_DATA_NP = 0x48,
    SEL_XONLY = 0x50,
    SEL_CODE64 = 0x58,
    SEL_CODE64_3 = 0x60,
    SEL_SMALL = 0x68,
    SEL_TASKGATE = 0x70,
    SEL_TSS64 = 0x88, /* 16 bytes: 0x88 and 0x90 */
    SEL_CODE_NP = 0x98,
};

#define A_CODE              (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK)
#define A_DATA              (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK)
#define A_DPL3              (3u << DESC_DPL_SHIFT)
#define A_32                (DESC_B_MASK | DESC_G_MASK)
#define TYPE_CONFORMING_BIT 4u

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
    CPUX86State *env;
} Fixture;

static void wr32(Fixture *f, uint64_t a, uint32_t v)
{
    memcpy(f->m.ram + a, &v, 4);
}

static void wr16(Fixture *f, uint64_t a, uint16_t v)
{
    memcpy(f->m.ram + a, &v, 2);
}

static uint32_t rd32(Fixture *f, uint64_t a)
{
    uint32_t v;
    memcpy(&v, f->m.ram + a, 4);
    return v;
}

static uint64_t rd64(Fixture *f, uint64_t a)
{
    uint64_t v;
    memcpy(&v, f->m.ram + a, 8);
    return v;
}

/* Writes code to RAM behind the translator's back: drop the translations. */
static void put(Fixture *f, uint64_t a, const uint8_t *code, size_t len)
{
    memcpy(f->m.ram + a, code, len);
    tb_cache_flush(tcg_runner_tb_cache(f->r));
}

/* A code or data descriptor; attrs in SegmentCache.flags form. */
static void gdt_set(Fixture *f, uint16_t sel, uint32_t base, uint32_t limit, uint32_t attrs)
{
    uint32_t lim = (attrs & DESC_G_MASK) ? limit >> 12 : limit;
    uint32_t lo = (lim & 0xffff) | (base << 16);
    uint32_t hi =
        ((base >> 16) & 0xff) | (attrs & 0x00f0ff00u) | (lim & 0xf0000) | (base & 0xff000000u);
    wr32(f, GDT + (sel & ~7u), lo);
    wr32(f, GDT + (sel & ~7u) + 4, hi);
}

static uint32_t gdt_hi(Fixture *f, uint16_t sel)
{
    return rd32(f, GDT + (sel & ~7u) + 4);
}

/* A system descriptor (TSS, LDT) with a 32-bit base. */
static void gdt_set_system(Fixture *f, uint16_t sel, uint32_t base, uint32_t limit, unsigned type)
{
    gdt_set(f, sel, base, limit, DESC_P_MASK | (type << DESC_TYPE_SHIFT));
}

/* A legacy gate (call, interrupt, trap, task) at addr. */
static void gate_set(Fixture *f, uint64_t addr, uint16_t sel, uint32_t offset, unsigned type,
                     unsigned dpl, unsigned params)
{
    wr32(f, addr, (offset & 0xffff) | ((uint32_t)sel << 16));
    wr32(f, addr + 4,
         (offset & 0xffff0000u) | DESC_P_MASK | (dpl << 13) | (type << 8) | (params & 0x1f));
}

static void idt_set(Fixture *f, int vector, uint32_t offset, unsigned type, unsigned dpl)
{
    gate_set(f, IDT + 8 * vector, SEL_CODE0, offset, type, dpl, 0);
}

static void gate64_set(Fixture *f, int vector, uint16_t sel, uint64_t offset, unsigned type,
                       unsigned dpl, unsigned ist)
{
    uint64_t addr = IDT + 16 * vector;
    wr32(f, addr, (offset & 0xffff) | ((uint32_t)sel << 16));
    wr32(f, addr + 4,
         (uint32_t)(offset & 0xffff0000u) | DESC_P_MASK | (dpl << 13) | (type << 8) | ist);
    wr32(f, addr + 8, (uint32_t)(offset >> 32));
    wr32(f, addr + 12, 0);
}

static void cache_flat(Fixture *f, int seg, uint16_t sel, uint32_t attrs)
{
    x86_load_seg_cache(f->env, seg, sel, 0, 0xffffffffu, attrs | A_32 | DESC_A_MASK);
}

static void fixture_init(Fixture *f)
{
    memset(&f->cfg, 0, sizeof(f->cfg));
    f->cfg.ram_size = 2 << 20;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    f->env = &f->cpu.env;
}

static void fixture_fini(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
}

/* 32-bit protected mode at CPL 0 with flat segments, TR = TSS A (ESP0 = STACK0),
 * interrupt gates for vectors 0-31 and 0x20-0x2f at HANDLER + 0x10 * vector. */
static void setup_pm32(Fixture *f)
{
    fixture_init(f);
    CPUX86State *env = f->env;
    gdt_set(f, SEL_CODE0, 0, 0xffffffffu, A_CODE | A_32);
    gdt_set(f, SEL_DATA0, 0, 0xffffffffu, A_DATA | A_32);
    gdt_set(f, SEL_CODE3, 0, 0xffffffffu, A_CODE | A_32 | A_DPL3);
    gdt_set(f, SEL_DATA3, 0, 0xffffffffu, A_DATA | A_32 | A_DPL3);
    gdt_set_system(f, SEL_TSS_A, TSS_A, 0x67 + 0x21, 0xb); /* busy: it is TR */
    gdt_set_system(f, SEL_TSS_B, TSS_B, 0x67, 0x9);
    gate_set(f, GDT + SEL_CALLGATE, SEL_CODE0, 0x10200, 0xc, 3, 2);
    gdt_set(f, SEL_CODE16, 0, 0xffff, A_CODE);
    gdt_set(f, SEL_DATA_NP, 0, 0xffff, A_DATA & ~DESC_P_MASK);
    gdt_set(f, SEL_XONLY, 0, 0xffff, A_CODE & ~DESC_R_MASK);
    gdt_set(f, SEL_SMALL, 0x12345, 0x4321, A_DATA | DESC_A_MASK);
    gate_set(f, GDT + SEL_TASKGATE, SEL_TSS_A, 0, 0x5, 3, 0);
    gdt_set(f, SEL_CODE_NP, 0, 0xffffffffu, (A_CODE | A_32) & ~DESC_P_MASK);
    env->gdt.base = GDT;
    env->gdt.limit = 0xff;
    env->idt.base = IDT;
    env->idt.limit = 0x7ff;
    for (int v = 0; v < 0x30; v++)
        idt_set(f, v, HANDLER + 0x10 * v, 0xe, 0);
    env->cr[0] |= CR0_PE;
    env->eflags = EFLAGS_FIXED;
    cache_flat(f, R_CS, SEL_CODE0, A_CODE);
    for (int seg = R_ES; seg <= R_GS; seg++)
        if (seg != R_CS)
            cache_flat(f, seg, SEL_DATA0, A_DATA);
    env->tr.selector = SEL_TSS_A;
    env->tr.base = TSS_A;
    env->tr.limit = 0x67 + 0x21;
    env->tr.flags = DESC_P_MASK | (0xbu << DESC_TYPE_SHIFT);
    wr32(f, TSS_A + 4, STACK0);
    wr32(f, TSS_A + 8, SEL_DATA0);
    wr16(f, TSS_A + 0x66, 0x68); /* I/O bitmap right after the TSS */
    env->regs[R_ESP] = STACK0;
    env->rip = CODE0;
    x86_cpu_update_hflags(env);
}

static void to_ring3(Fixture *f)
{
    cache_flat(f, R_CS, SEL_CODE3 | 3, A_CODE | A_DPL3);
    cache_flat(f, R_SS, SEL_DATA3 | 3, A_DATA | A_DPL3);
    cache_flat(f, R_DS, SEL_DATA3 | 3, A_DATA | A_DPL3);
    cache_flat(f, R_ES, SEL_DATA3 | 3, A_DATA | A_DPL3);
    f->env->regs[R_ESP] = STACK3;
    f->env->rip = CODE3;
}

static int run(Fixture *f)
{
    return tcg_runner_run(f->r, &f->cpu, 100);
}

static void deliver(Fixture *f, int vector)
{
    f->env->exception_index = vector;
    x86_do_interrupt(f->env);
}

static uint32_t eflags(Fixture *f)
{
    return x86_read_eflags(f->env);
}

/* ---- segment loads and far jumps ---- */

static void test_far_jmp_to_code32(void)
{
    /* [bits 16] jmp dword 0x08:0x10100 ; at 0x10100: hlt */
    static const uint8_t code[] = {0x66, 0xea, 0x00, 0x01, 0x01, 0x00, 0x08, 0x00};
    static const uint8_t hlt[] = {0xf4};
    Fixture f;
    setup_pm32(&f);
    x86_load_seg_cache(f.env, R_CS, SEL_CODE16, 0, 0xffff, A_CODE);
    put(&f, CODE0, code, sizeof(code));
    put(&f, 0x10100, hlt, 1);
    g_assert_false(f.env->hflags & HF_CS32);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);
    g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(f.env->rip, ==, 0x10101);
    g_assert_true(f.env->hflags & HF_CS32);
    g_assert_cmphex(f.env->segs[R_CS].limit, ==, 0xffffffffu);
    /* SDM 3A §3.4.5.1: the accessed bit is set in the GDT. */
    g_assert_true(gdt_hi(&f, SEL_CODE0) & DESC_A_MASK);
    fixture_fini(&f);
}

/* Loads a segment register with sel by running "mov sreg, ax; hlt"; returns the
 * vector. */
static int load_seg_by_code(Fixture *f, int seg, uint16_t sel)
{
    /* mov sreg, ax (8E /r, ModRM 11 sreg 000) ; hlt */
    const uint8_t code[] = {0x8e, (uint8_t)(0xc0 | (seg << 3)), 0xf4};
    put(f, CODE0, code, sizeof(code));
    f->env->regs[R_EAX] = sel;
    f->env->rip = CODE0;
    return run(f);
}

static void test_data_segment_loads(void)
{
    Fixture f;
    setup_pm32(&f);
    /* A good load: base, byte-granular limit, accessed bit. */
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_SMALL), ==, EXCP_HLT);
    g_assert_cmphex(f.env->segs[R_DS].base, ==, 0x12345);
    g_assert_cmphex(f.env->segs[R_DS].limit, ==, 0x4321);
    /* Page granularity: limit 0xfffff units -> 4 GiB - 1. */
    g_assert_cmpint(load_seg_by_code(&f, R_ES, SEL_DATA0), ==, EXCP_HLT);
    g_assert_cmphex(f.env->segs[R_DS].limit, ==, 0x4321);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_DATA0), ==, EXCP_HLT);
    g_assert_cmphex(f.env->segs[R_DS].limit, ==, 0xffffffffu);
    g_assert_true(gdt_hi(&f, SEL_DATA0) & DESC_A_MASK);
    /* A null selector is fine in DS. */
    g_assert_cmpint(load_seg_by_code(&f, R_DS, 0), ==, EXCP_HLT);
    g_assert_cmphex(f.env->segs[R_DS].selector, ==, 0);
    /* Faults: beyond the GDT limit, system descriptor, execute-only code, not present. */
    g_assert_cmpint(load_seg_by_code(&f, R_DS, 0x100), ==, EXCP_GP);
    g_assert_cmphex(f.env->error_code, ==, 0x100);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_TSS_B), ==, EXCP_GP);
    g_assert_cmphex(f.env->error_code, ==, SEL_TSS_B);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_XONLY), ==, EXCP_GP);
    g_assert_cmphex(f.env->error_code, ==, SEL_XONLY);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_DATA_NP | 3), ==, EXCP_GP); /* RPL > DPL */
    g_assert_cmphex(f.env->error_code, ==, SEL_DATA_NP);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_DATA_NP), ==, EXCP_NP);
    g_assert_cmphex(f.env->error_code, ==, SEL_DATA_NP);
    /* SS: null, RPL != CPL, DPL != CPL, not writable, not present. */
    g_assert_cmpint(load_seg_by_code(&f, R_SS, 0), ==, EXCP_GP);
    g_assert_cmphex(f.env->error_code, ==, 0);
    g_assert_cmpint(load_seg_by_code(&f, R_SS, SEL_DATA0 | 3), ==, EXCP_GP);
    g_assert_cmphex(f.env->error_code, ==, SEL_DATA0);
    g_assert_cmpint(load_seg_by_code(&f, R_SS, SEL_DATA3), ==, EXCP_GP);
    g_assert_cmphex(f.env->error_code, ==, SEL_DATA3);
    g_assert_cmpint(load_seg_by_code(&f, R_SS, SEL_CODE0), ==, EXCP_GP);
    g_assert_cmpint(load_seg_by_code(&f, R_SS, SEL_DATA_NP), ==, EXCP_SS);
    g_assert_cmphex(f.env->error_code, ==, SEL_DATA_NP);
    /* The fault left SS as it was. */
    g_assert_cmphex(f.env->segs[R_SS].selector, ==, SEL_DATA0);
    /* MOV SS sets the interrupt shadow: the block ends after it (one block run), and
     * the next block's first instruction closes the shadow. */
    f.env->inhibit_irq = false;
    put(&f, CODE0, (const uint8_t[]){0x8e, 0xd0, 0xf4}, 3); /* mov ss, ax ; hlt */
    f.env->regs[R_EAX] = SEL_DATA0;
    f.env->rip = CODE0;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, CODE0 + 2);
    g_assert_true(f.env->inhibit_irq);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);
    g_assert_false(f.env->inhibit_irq);
    fixture_fini(&f);
}

static void test_far_jmp_faults(void)
{
    static const struct {
        uint16_t sel;
        int vector;
        uint16_t error;
    } cases[] = {
        {0, EXCP_GP, 0},                         /* null */
        {SEL_DATA0, EXCP_GP, SEL_DATA0},         /* not code */
        {SEL_CODE_NP, EXCP_NP, SEL_CODE_NP},     /* not present */
        {SEL_CODE3 | 3, EXCP_GP, SEL_CODE3},     /* non-conforming DPL != CPL */
        {SEL_TSS_A, EXCP_GP, SEL_TSS_A},         /* busy TSS */
        {0x100, EXCP_GP, 0x100},                 /* beyond the GDT limit */
        {SEL_CODE0 | 4, EXCP_GP, SEL_CODE0 | 4}, /* the LDT (limit 0) */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture f;
        setup_pm32(&f);
        /* jmp SEL:0 */
        uint8_t code[] = {0xea, 0, 0, 0, 0, cases[i].sel & 0xff, cases[i].sel >> 8};
        put(&f, CODE0, code, sizeof(code));
        f.env->ldt.limit = 0;
        g_assert_cmpint(run(&f), ==, cases[i].vector);
        g_assert_cmphex(f.env->error_code, ==, cases[i].error);
        g_assert_cmphex(f.env->rip, ==, CODE0);
        g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE0);
        fixture_fini(&f);
    }
}

/* ---- call gates and far returns ---- */

static void test_call_gate_ring3_to_ring0(void)
{
    /* ring 3: push dword 0x11111111 ; push dword 0x22222222 ; call 0x38:0 ; int3 */
    static const uint8_t user[] = {0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22,
                                   0x22, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0xcc};
    /* ring 0 at 0x10200: mov ax, 0x10 ; mov ds, ax ; int3 ; retf 8 */
    static const uint8_t callee[] = {0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0xcc, 0xca, 0x08, 0x00};
    Fixture f;
    setup_pm32(&f);
    put(&f, CODE3, user, sizeof(user));
    put(&f, 0x10200, callee, sizeof(callee));
    to_ring3(&f);
    g_assert_cmpint(f.env->hflags & HF_CPL_MASK, ==, 3);

    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmpint(f.env->hflags & HF_CPL_MASK, ==, 0);
    g_assert_cmphex(f.env->segs[R_SS].selector, ==, SEL_DATA0);
    /* SDM 3A §5.8.5 Figure 5-13: SS, ESP, the parameters, CS, EIP. */
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 24);
    g_assert_cmphex(rd32(&f, STACK0 - 4), ==, SEL_DATA3 | 3);
    g_assert_cmphex(rd32(&f, STACK0 - 8), ==, STACK3 - 8);
    g_assert_cmphex(rd32(&f, STACK0 - 12), ==, 0x11111111);
    g_assert_cmphex(rd32(&f, STACK0 - 16), ==, 0x22222222);
    g_assert_cmphex(rd32(&f, STACK0 - 20), ==, SEL_CODE3 | 3);
    g_assert_cmphex(rd32(&f, STACK0 - 24), ==, CODE3 + 17);

    /* retf 8: back to ring 3, parameters released on both stacks; DS (DPL 0) nulled. */
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE3 | 3);
    g_assert_cmpint(f.env->hflags & HF_CPL_MASK, ==, 3);
    g_assert_cmphex(f.env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK3);
    g_assert_cmphex(f.env->rip, ==, CODE3 + 18);
    g_assert_cmphex(f.env->segs[R_DS].selector, ==, 0);
    g_assert_cmphex(f.env->segs[R_ES].selector, ==, SEL_DATA3 | 3);
    fixture_fini(&f);
}

static void test_call_conforming_keeps_cpl(void)
{
    /* ring 3: call 0x80:0x10300 ; int3     at 0x10300 (conforming, DPL 0): int3 */
    static const uint8_t user[] = {0x9a, 0x00, 0x03, 0x01, 0x00, 0x80, 0x00, 0xcc};
    Fixture f;
    setup_pm32(&f);
    gdt_set(&f, 0x80, 0, 0xffffffffu, A_CODE | A_32 | (TYPE_CONFORMING_BIT << DESC_TYPE_SHIFT));
    put(&f, CODE3, user, sizeof(user));
    put(&f, 0x10300, (const uint8_t[]){0xcc}, 1);
    to_ring3(&f);
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    /* SDM 3A §5.8.2.2: a conforming segment runs at the caller's CPL (CS.RPL = 3),
     * on the caller's stack. */
    g_assert_cmphex(f.env->segs[R_CS].selector, ==, 0x80 | 3);
    g_assert_cmpint(f.env->hflags & HF_CPL_MASK, ==, 3);
    g_assert_cmphex(f.env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK3 - 8);
    g_assert_cmphex(rd32(&f, STACK3 - 4), ==, SEL_CODE3 | 3);
    g_assert_cmphex(rd32(&f, STACK3 - 8), ==, CODE3 + 7);
    fixture_fini(&f);
}

/* ---- interrupt and exception delivery, protected mode ---- */

static void test_int_interrupt_and_trap_gates(void)
{
    /* sti ; int 0x20 */
    static const uint8_t code[] = {0xfb, 0xcd, 0x20};
    for (int trap = 0; trap < 2; trap++) {
        Fixture f;
        setup_pm32(&f);
        idt_set(&f, 0x20, HANDLER + 0x200, trap ? 0xf : 0xe, 0);
        put(&f, CODE0, code, sizeof(code));
        g_assert_cmpint(run(&f), ==, 0x20);
        g_assert_cmphex(f.env->rip, ==, CODE0 + 3);
        deliver(&f, 0x20);
        g_assert_cmpint(f.env->exception_index, ==, -1);
        g_assert_cmphex(f.env->rip, ==, HANDLER + 0x200);
        g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE0);
        /* Interrupt gates clear IF, trap gates do not (SDM 3A §6.12.1.3). */
        g_assert_cmpint(!!(eflags(&f) & IF_MASK), ==, trap);
        g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 12);
        g_assert_cmphex(rd32(&f, STACK0 - 12), ==, CODE0 + 3);
        g_assert_cmphex(rd32(&f, STACK0 - 8), ==, SEL_CODE0);
        g_assert_true(rd32(&f, STACK0 - 4) & IF_MASK);
        fixture_fini(&f);
    }
}

static void test_int_from_ring3_switches_stack(void)
{
    /* ring 3: int 0x22 */
    static const uint8_t code[] = {0xcd, 0x22};
    Fixture f;
    setup_pm32(&f);
    idt_set(&f, 0x22, HANDLER + 0x220, 0xe, 3);
    put(&f, CODE3, code, sizeof(code));
    to_ring3(&f);
    g_assert_cmpint(run(&f), ==, 0x22);
    deliver(&f, 0x22);
    g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmpint(f.env->hflags & HF_CPL_MASK, ==, 0);
    g_assert_cmphex(f.env->segs[R_SS].selector, ==, SEL_DATA0);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 20);
    g_assert_cmphex(rd32(&f, STACK0 - 4), ==, SEL_DATA3 | 3);
    g_assert_cmphex(rd32(&f, STACK0 - 8), ==, STACK3);
    g_assert_cmphex(rd32(&f, STACK0 - 16), ==, SEL_CODE3 | 3);
    g_assert_cmphex(rd32(&f, STACK0 - 20), ==, CODE3 + 2);
    fixture_fini(&f);
}

static void test_int_gate_dpl_check(void)
{
    /* ring 3: int 0x20 (gate DPL 0) -> #GP(0x20 * 8 + 2), reported at the INT. */
    static const uint8_t code[] = {0xcd, 0x20};
    Fixture f;
    setup_pm32(&f);
    put(&f, CODE3, code, sizeof(code));
    to_ring3(&f);
    g_assert_cmpint(run(&f), ==, 0x20);
    deliver(&f, 0x20);
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x10 * EXCP_GP);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 24);
    g_assert_cmphex(rd32(&f, STACK0 - 24), ==, 0x20 * 8 + 2); /* error code */
    g_assert_cmphex(rd32(&f, STACK0 - 20), ==, CODE3);        /* the INT itself */
    fixture_fini(&f);
}

static void test_exception_error_code_pushed(void)
{
    Fixture f;
    setup_pm32(&f);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, SEL_DATA_NP), ==, EXCP_NP);
    deliver(&f, EXCP_NP);
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x10 * EXCP_NP);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 16);
    g_assert_cmphex(rd32(&f, STACK0 - 16), ==, SEL_DATA_NP);
    g_assert_cmphex(rd32(&f, STACK0 - 12), ==, CODE0);
    /* #UD has no error code. */
    f.env->regs[R_ESP] = STACK0;
    f.env->rip = CODE0;
    f.env->exception_soft = false;
    f.env->error_code = 0;
    deliver(&f, EXCP_UD);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 12);
    fixture_fini(&f);
}

static void test_double_and_triple_fault(void)
{
    Fixture f;
    setup_pm32(&f);
    /* #GP whose gate is not present: #NP(13 * 8 + 2 + EXT) while delivering a
     * contributory fault is a double fault, with error code 0. */
    wr32(&f, IDT + 8 * EXCP_GP + 4, rd32(&f, IDT + 8 * EXCP_GP + 4) & ~DESC_P_MASK);
    g_assert_cmpint(load_seg_by_code(&f, R_DS, 0x100), ==, EXCP_GP);
    deliver(&f, EXCP_GP);
    g_assert_cmpint(f.env->exception_index, ==, -1);
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x10 * EXCP_DF);
    g_assert_cmphex(rd32(&f, STACK0 - 16), ==, 0);
    g_assert_cmphex(rd32(&f, STACK0 - 12), ==, CODE0);

    /* A benign exception (#UD) with a missing gate: the #NP is delivered serially. */
    wr32(&f, IDT + 8 * EXCP_UD + 4, rd32(&f, IDT + 8 * EXCP_UD + 4) & ~DESC_P_MASK);
    f.env->regs[R_ESP] = STACK0;
    f.env->rip = CODE0;
    f.env->error_code = 0;
    deliver(&f, EXCP_UD);
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x10 * EXCP_NP);
    g_assert_cmphex(rd32(&f, STACK0 - 16), ==, EXCP_UD * 8 + 2 + 1);

    /* No #DF gate either: shutdown. */
    wr32(&f, IDT + 8 * EXCP_DF + 4, rd32(&f, IDT + 8 * EXCP_DF + 4) & ~DESC_P_MASK);
    f.env->regs[R_ESP] = STACK0;
    f.env->rip = CODE0;
    f.env->error_code = 0x100;
    deliver(&f, EXCP_GP);
    g_assert_cmpint(f.env->exception_index, ==, EXCP_SHUTDOWN);
    fixture_fini(&f);
}

static void test_external_interrupt(void)
{
    Fixture f;
    setup_pm32(&f);
    f.env->rip = CODE0 + 0x40;
    f.env->halted = true;
    g_assert_false(x86_cpu_take_interrupt(&f.cpu, 0x28)); /* IF = 0 */
    f.env->eflags |= IF_MASK;
    f.env->inhibit_irq = true;
    g_assert_false(x86_cpu_take_interrupt(&f.cpu, 0x28)); /* STI/MOV SS shadow */
    f.env->inhibit_irq = false;
    g_assert_true(x86_cpu_take_interrupt(&f.cpu, 0x28));
    g_assert_false(f.env->halted);
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x280);
    g_assert_false(eflags(&f) & IF_MASK);
    g_assert_cmphex(rd32(&f, STACK0 - 12), ==, CODE0 + 0x40);
    /* External vector 8 is not a double fault and pushes no error code. */
    f.env->regs[R_ESP] = STACK0;
    f.env->eflags |= IF_MASK;
    g_assert_true(x86_cpu_take_interrupt(&f.cpu, EXCP_DF));
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK0 - 12);
    /* A fault delivering an external event has EXT set. */
    wr32(&f, IDT + 8 * 0x29 + 4, rd32(&f, IDT + 8 * 0x29 + 4) & ~DESC_P_MASK);
    f.env->regs[R_ESP] = STACK0;
    f.env->eflags |= IF_MASK;
    g_assert_true(x86_cpu_take_interrupt(&f.cpu, 0x29));
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x10 * EXCP_NP);
    g_assert_cmphex(rd32(&f, STACK0 - 16), ==, 0x29 * 8 + 2 + 1);
    fixture_fini(&f);
}

static void test_nmi_blocked_until_iret(void)
{
    /* at the NMI handler: iretd */
    static const uint8_t iret[] = {0xcf};
    Fixture f;
    setup_pm32(&f);
    put(&f, HANDLER + 0x10 * EXCP_NMI, iret, 1);
    put(&f, CODE0, (const uint8_t[]){0xf4}, 1);
    g_assert_true(x86_cpu_take_nmi(&f.cpu)); /* delivered with IF = 0 */
    g_assert_true(f.env->nmi_blocked);
    g_assert_cmphex(f.env->rip, ==, HANDLER + 0x10 * EXCP_NMI);
    g_assert_false(x86_cpu_take_nmi(&f.cpu));
    g_assert_cmpint(run(&f), ==, EXCP_HLT); /* IRET, then HLT at CODE0 */
    g_assert_false(f.env->nmi_blocked);
    g_assert_true(x86_cpu_take_nmi(&f.cpu));
    fixture_fini(&f);
}

static void test_sti_shadow(void)
{
    /* cli ; sti ; hlt */
    static const uint8_t code[] = {0xfa, 0xfb, 0xf4};
    Fixture f;
    setup_pm32(&f);
    put(&f, CODE0, code, sizeof(code));
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1); /* the block ends at STI */
    g_assert_cmphex(f.env->rip, ==, CODE0 + 2);
    g_assert_true(f.env->inhibit_irq);
    g_assert_true(eflags(&f) & IF_MASK);
    /* STI with IF already set opens no shadow. */
    f.env->inhibit_irq = false;
    f.env->rip = CODE0 + 1;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_false(f.env->inhibit_irq);
    fixture_fini(&f);
}

/* ---- IRET ---- */

static void test_iret_to_ring3(void)
{
    /* push dword 0x23 ; push dword 0xB000 ; push dword 0x202 ; push dword 0x1b ;
     * push dword 0x11000 ; iretd ; (ring 3 at 0x11000:) int3 */
    static const uint8_t code[] = {0x6a, 0x23, 0x68, 0x00, 0xb0, 0x00, 0x00, 0x68, 0x02, 0x02,
                                   0x00, 0x00, 0x6a, 0x1b, 0x68, 0x00, 0x10, 0x01, 0x00, 0xcf};
    Fixture f;
    setup_pm32(&f);
    put(&f, CODE0, code, sizeof(code));
    put(&f, CODE3, (const uint8_t[]){0xcc}, 1);
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(f.env->segs[R_CS].selector, ==, SEL_CODE3 | 3);
    g_assert_cmpint(f.env->hflags & HF_CPL_MASK, ==, 3);
    g_assert_cmphex(f.env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK3);
    g_assert_true(eflags(&f) & IF_MASK);
    /* DS and ES held DPL 0 data: null after the return to CPL 3. */
    g_assert_cmphex(f.env->segs[R_DS].selector, ==, 0);
    g_assert_cmphex(f.env->segs[R_ES].selector, ==, 0);
    fixture_fini(&f);
}

static void test_iret_eflags_rules(void)
{
    /* At CPL 3 with IOPL 0, IRET changes neither IF nor IOPL. */
    Fixture f;
    setup_pm32(&f);
    to_ring3(&f);
    /* stack: EIP, CS, EFLAGS (IF | IOPL 3 | CF) */
    wr32(&f, STACK3 - 12, CODE3 + 1);
    wr32(&f, STACK3 - 8, SEL_CODE3 | 3);
    wr32(&f, STACK3 - 4, IF_MASK | IOPL_MASK | CC_C | EFLAGS_FIXED);
    f.env->regs[R_ESP] = STACK3 - 12;
    put(&f, CODE3, (const uint8_t[]){0xcf, 0xcc}, 2);
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(eflags(&f) & (IF_MASK | IOPL_MASK | CC_C), ==, CC_C);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK3);
    fixture_fini(&f);
}

static void test_iret_to_v86_and_back(void)
{
    /* push dword gs=0x3456, fs=0x2345, ds=0x1234, es=0x0123, ss=0x2000, esp=0x0ffe,
     * eflags=VM|IF, cs=0x1200, eip=0 ; iretd */
    static const uint8_t code[] = {0x68, 0x56, 0x34, 0x00, 0x00, 0x68, 0x45, 0x23, 0x00, 0x00, 0x68,
                                   0x34, 0x12, 0x00, 0x00, 0x68, 0x23, 0x01, 0x00, 0x00, 0x68, 0x00,
                                   0x20, 0x00, 0x00, 0x68, 0xfe, 0x0f, 0x00, 0x00, 0x68, 0x02, 0x02,
                                   0x02, 0x00, 0x68, 0x00, 0x12, 0x00, 0x00, 0x6a, 0x00, 0xcf};
    /* v8086 at 1200:0000: cli (IOPL 0: #GP(0)) */
    Fixture f;
    setup_pm32(&f);
    put(&f, CODE0, code, sizeof(code));
    put(&f, 0x12000, (const uint8_t[]){0xfa}, 1);
    g_assert_cmpint(run(&f), ==, EXCP_GP);
    CPUX86State *env = f.env;
    g_assert_true(env->eflags & VM_MASK);
    g_assert_true(env->hflags & HF_VM);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 3);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x12000);
    g_assert_cmphex(env->segs[R_SS].base, ==, 0x20000);
    g_assert_cmphex(env->segs[R_GS].base, ==, 0x34560);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x0ffe);
    g_assert_cmphex(env->rip, ==, 0);
    g_assert_cmphex(env->error_code, ==, 0);

    /* Delivery out of v8086 mode (SDM 3A §20.3.1.1): ring 0 stack from the TSS with
     * GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP, error code; data segments nulled. */
    deliver(&f, EXCP_GP);
    g_assert_cmpint(env->exception_index, ==, -1);
    g_assert_false(env->eflags & VM_MASK);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 0);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(env->rip, ==, HANDLER + 0x10 * EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0 - 40);
    static const uint32_t frame[] = {0,      0,      0x1200, 0,      0x0ffe,
                                     0x2000, 0x0123, 0x1234, 0x2345, 0x3456};
    for (int i = 0; i < 10; i++)
        if (i != 3)
            g_assert_cmphex(rd32(&f, STACK0 - 40 + 4 * i), ==, frame[i]);
    g_assert_true(rd32(&f, STACK0 - 28) & VM_MASK);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0);
    g_assert_cmphex(env->segs[R_GS].selector, ==, 0);
    fixture_fini(&f);
}

static void test_v86_int_iopl_sensitive(void)
{
    /* v8086 at 1200:0000: int 0x30 with IOPL 0 -> #GP(0) at the INT */
    Fixture f;
    setup_pm32(&f);
    CPUX86State *env = f.env;
    put(&f, 0x12000, (const uint8_t[]){0xcd, 0x30}, 2);
    env->eflags |= VM_MASK;
    for (int seg = R_ES; seg <= R_GS; seg++)
        x86_load_seg_v86(env, seg, seg == R_CS ? 0x1200 : 0x2000);
    env->regs[R_ESP] = 0x0ffe;
    env->rip = 0;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run(&f), ==, 0x30);
    deliver(&f, 0x30);
    g_assert_cmphex(env->rip, ==, HANDLER + 0x10 * EXCP_GP);
    g_assert_cmphex(rd32(&f, STACK0 - 40), ==, 0); /* error code */
    g_assert_cmphex(rd32(&f, STACK0 - 36), ==, 0); /* EIP of the INT */

    /* With IOPL 3 the gate (DPL 0 < CPL 3) is the next check: #GP(0x30 * 8 + 2). */
    env->regs[R_ESP] = 0x0ffe;
    env->eflags |= VM_MASK | IOPL_MASK;
    for (int seg = R_ES; seg <= R_GS; seg++)
        x86_load_seg_v86(env, seg, seg == R_CS ? 0x1200 : 0x2000);
    env->rip = 0;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run(&f), ==, 0x30);
    deliver(&f, 0x30);
    g_assert_cmphex(rd32(&f, STACK0 - 40), ==, 0x30 * 8 + 2);
    /* A DPL 3 gate to ring 0 works. */
    idt_set(&f, 0x30, HANDLER + 0x300, 0xe, 3);
    env->regs[R_ESP] = 0x0ffe;
    env->eflags |= VM_MASK | IOPL_MASK;
    for (int seg = R_ES; seg <= R_GS; seg++)
        x86_load_seg_v86(env, seg, seg == R_CS ? 0x1200 : 0x2000);
    env->rip = 0;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run(&f), ==, 0x30);
    deliver(&f, 0x30);
    g_assert_cmphex(env->rip, ==, HANDLER + 0x300);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0 - 36);
    g_assert_cmphex(rd32(&f, STACK0 - 36), ==, 2); /* EIP after the INT */
    fixture_fini(&f);
}

/* ---- task switching ---- */

static void test_task_switch_jmp_call_iret(void)
{
    /* task A at 0x10000: mov eax, 0xabcd ; jmp 0x30:0 ; int3 ; iretd */
    static const uint8_t code_a[] = {0xb8, 0xcd, 0xab, 0x00, 0x00, 0xea, 0x00,
                                     0x00, 0x00, 0x00, 0x30, 0x00, 0xcc, 0xcf};
    /* task B at 0x10400: int3 ; call 0x70:0 (task gate to A) ; int3 */
    static const uint8_t code_b[] = {0xcc, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x70, 0x00, 0xcc};
    Fixture f;
    setup_pm32(&f);
    CPUX86State *env = f.env;
    put(&f, CODE0, code_a, sizeof(code_a));
    put(&f, 0x10400, code_b, sizeof(code_b));
    wr32(&f, TSS_B + 0x20, 0x10400);      /* EIP */
    wr32(&f, TSS_B + 0x24, EFLAGS_FIXED); /* EFLAGS */
    wr32(&f, TSS_B + 0x28, 0x1234);       /* EAX */
    wr32(&f, TSS_B + 0x38, 0x9800);       /* ESP */
    for (int i = 0; i < 6; i++)
        wr16(&f, TSS_B + 0x48 + 4 * i, i == R_CS ? SEL_CODE0 : SEL_DATA0);

    /* JMP to TSS B. */
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->rip, ==, 0x10401);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1234);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9800);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_true(env->cr[0] & CR0_TS);
    g_assert_false(eflags(&f) & NT_MASK);
    g_assert_cmphex(rd32(&f, TSS_A + 0x20), ==, CODE0 + 12); /* EIP after the JMP */
    g_assert_cmphex(rd32(&f, TSS_A + 0x28), ==, 0xabcd);
    g_assert_cmphex((gdt_hi(&f, SEL_TSS_A) >> 8) & 0xf, ==, 0x9); /* A not busy */
    g_assert_cmphex((gdt_hi(&f, SEL_TSS_B) >> 8) & 0xf, ==, 0xb); /* B busy */

    /* CALL through a task gate to A: NT and the back link. */
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->rip, ==, CODE0 + 13);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xabcd);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_A);
    g_assert_true(eflags(&f) & NT_MASK);
    g_assert_cmphex(rd32(&f, TSS_A) & 0xffff, ==, SEL_TSS_B);
    g_assert_cmphex((gdt_hi(&f, SEL_TSS_A) >> 8) & 0xf, ==, 0xb);
    g_assert_cmphex((gdt_hi(&f, SEL_TSS_B) >> 8) & 0xf, ==, 0xb);

    /* IRET with NT: back to B after its CALL; A no longer busy. */
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->rip, ==, 0x10409);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1234);
    g_assert_false(eflags(&f) & NT_MASK);
    g_assert_cmphex((gdt_hi(&f, SEL_TSS_A) >> 8) & 0xf, ==, 0x9);
    g_assert_false(rd32(&f, TSS_A + 0x24) & NT_MASK); /* A's saved EFLAGS */
    fixture_fini(&f);
}

static void test_task_switch_bad_tss(void)
{
    /* jmp 0x30:0 with TSS B's limit too small: #TS(0x30), nothing switched. */
    static const uint8_t code[] = {0xea, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00};
    Fixture f;
    setup_pm32(&f);
    gdt_set_system(&f, SEL_TSS_B, TSS_B, 0x60, 0x9);
    put(&f, CODE0, code, sizeof(code));
    g_assert_cmpint(run(&f), ==, EXCP_TS);
    g_assert_cmphex(f.env->error_code, ==, SEL_TSS_B);
    g_assert_cmphex(f.env->tr.selector, ==, SEL_TSS_A);
    g_assert_cmphex(f.env->rip, ==, CODE0);
    fixture_fini(&f);
}

/* ---- I/O permission bitmap ---- */

static int check_io(Fixture *f, uint16_t port, unsigned size)
{
    if (sigsetjmp(f->cpu.jmp_env, 0) != 0)
        return f->env->exception_index;
    x86_check_io(f->env, port, size);
    return -1;
}

static void test_io_bitmap(void)
{
    Fixture f;
    setup_pm32(&f);
    /* Bitmap of 0x20 bytes (ports 0-0xff) at TSS + 0x68; port 0x81 denied. */
    f.m.ram[TSS_A + 0x68 + 0x10] = 0x02;
    g_assert_cmpint(check_io(&f, 0x81, 1), ==, -1); /* CPL 0 <= IOPL 0 */
    to_ring3(&f);
    g_assert_cmpint(check_io(&f, 0x80, 1), ==, -1);
    g_assert_cmpint(check_io(&f, 0x81, 1), ==, EXCP_GP);
    g_assert_cmpint(check_io(&f, 0x7f, 4), ==, EXCP_GP); /* 0x7f-0x82 */
    g_assert_cmpint(check_io(&f, 0x7e, 2), ==, -1);
    g_assert_cmpint(check_io(&f, 0x100, 1), ==, EXCP_GP); /* beyond the TSS limit */
    f.env->eflags |= IOPL_MASK;
    g_assert_cmpint(check_io(&f, 0x81, 1), ==, -1);
    /* v8086 mode checks the bitmap whatever IOPL. */
    f.env->eflags |= VM_MASK;
    x86_cpu_update_hflags(f.env);
    g_assert_cmpint(check_io(&f, 0x81, 1), ==, EXCP_GP);
    g_assert_cmpint(check_io(&f, 0x80, 1), ==, -1);
    fixture_fini(&f);
}

/* ---- long mode ---- */

/* IA-32e mode with identity-mapped 2 MiB, CS = 64-bit ring 0, TR = 64-bit TSS at
 * TSS_A (RSP0 = STACK0, IST1 = IST1), 16-byte IDT gates. */
static void setup_long(Fixture *f)
{
    setup_pm32(f);
    CPUX86State *env = f->env;
    wr32(f, PML4, PDPT | 7);
    wr32(f, PDPT, PD | 7);
    wr32(f, PD, 0x87); /* 2 MiB page at 0, user, writable */
    env->cr[3] = PML4;
    env->cr[4] |= CR4_PAE;
    env->efer = EFER_LME | EFER_LMA;
    env->cr[0] |= CR0_PG;
    gdt_set(f, SEL_CODE64, 0, 0xffffffffu, A_CODE | DESC_L_MASK | DESC_G_MASK);
    gdt_set(f, SEL_CODE64_3, 0, 0xffffffffu, A_CODE | DESC_L_MASK | DESC_G_MASK | A_DPL3);
    gdt_set_system(f, SEL_TSS64, TSS_A, 0x67, 0xb);
    wr32(f, GDT + SEL_TSS64 + 8, 0);
    wr32(f, GDT + SEL_TSS64 + 12, 0);
    memset(f->m.ram + TSS_A, 0, 0x68);
    wr32(f, TSS_A + 4, STACK0);  /* RSP0 */
    wr32(f, TSS_A + 0x24, IST1); /* IST1 */
    env->tr.selector = SEL_TSS64;
    env->idt.limit = 0xfff;
    for (int v = 0; v < 0x30; v++)
        gate64_set(f, v, SEL_CODE64, HANDLER + 0x10 * v, 0xe, 0, 0);
    x86_load_seg_cache(env, R_CS, SEL_CODE64, 0, 0xffffffffu,
                       A_CODE | DESC_L_MASK | DESC_G_MASK | DESC_A_MASK);
    x86_cpu_update_hflags(env);
    g_assert_true(env->hflags & HF_CS64);
}

static void long_to_ring3(Fixture *f)
{
    CPUX86State *env = f->env;
    x86_load_seg_cache(env, R_CS, SEL_CODE64_3 | 3, 0, 0xffffffffu,
                       A_CODE | DESC_L_MASK | DESC_G_MASK | DESC_A_MASK | A_DPL3);
    cache_flat(f, R_SS, SEL_DATA3 | 3, A_DATA | A_DPL3);
    env->regs[R_ESP] = STACK3;
    env->rip = CODE3;
}

static void test_long_mode_exception_ist(void)
{
    Fixture f;
    setup_long(&f);
    CPUX86State *env = f.env;
    gate64_set(&f, EXCP_PF, SEL_CODE64, 0xfedcba9812345678ull & 0x7fffffffffffull, 0xe, 0, 1);
    long_to_ring3(&f);
    env->eflags |= IF_MASK;
    env->exception_soft = false;
    env->error_code = 6;
    deliver(&f, EXCP_PF);
    g_assert_cmpint(env->exception_index, ==, -1);
    g_assert_cmphex(env->rip, ==, 0xfedcba9812345678ull & 0x7fffffffffffull);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE64);
    g_assert_true(env->hflags & HF_CS64);
    /* IST1, aligned down to 16; SS null with RPL 0 after the privilege change. */
    uint64_t top = IST1 & ~0xfull;
    g_assert_cmphex(env->regs[R_ESP], ==, top - 48);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0);
    g_assert_cmphex(rd64(&f, top - 48), ==, 6);
    g_assert_cmphex(rd64(&f, top - 40), ==, CODE3);
    g_assert_cmphex(rd64(&f, top - 32), ==, SEL_CODE64_3 | 3);
    g_assert_true(rd64(&f, top - 24) & IF_MASK);
    g_assert_cmphex(rd64(&f, top - 16), ==, STACK3);
    g_assert_cmphex(rd64(&f, top - 8), ==, SEL_DATA3 | 3);
    g_assert_false(eflags(&f) & IF_MASK);
    fixture_fini(&f);
}

static void test_long_mode_int_and_iretq(void)
{
    /* ring 3 (64-bit): int 0x80 ; int3     handler: iretq */
    Fixture f;
    setup_long(&f);
    CPUX86State *env = f.env;
    gate64_set(&f, 0x80, SEL_CODE64, HANDLER + 0x800, 0xf, 3, 0);
    put(&f, CODE3, (const uint8_t[]){0xcd, 0x80, 0xcc}, 3);
    put(&f, HANDLER + 0x800, (const uint8_t[]){0x48, 0xcf}, 2);
    long_to_ring3(&f);
    env->regs[R_ESP] = STACK3 - 8; /* not 16-aligned: RSP0 is used, not this */
    g_assert_cmpint(run(&f), ==, 0x80);
    deliver(&f, 0x80);
    g_assert_cmphex(env->rip, ==, HANDLER + 0x800);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0 - 40);
    g_assert_cmphex(rd64(&f, STACK0 - 40), ==, CODE3 + 2);
    g_assert_cmphex(rd64(&f, STACK0 - 16), ==, STACK3 - 8);
    /* iretq back to ring 3 (always pops SS:RSP). */
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE64_3 | 3);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3 - 8);
    g_assert_cmphex(env->rip, ==, CODE3 + 3);

    /* The same at CPL 0: the frame is still five qwords, on the current stack aligned
     * down to 16, and IRETQ pops SS:RSP back (SDM 3A §6.14.2, §6.14.3). */
    put(&f, CODE0, (const uint8_t[]){0xcd, 0x80, 0xcc}, 3);
    x86_load_seg_cache(env, R_CS, SEL_CODE64, 0, 0xffffffffu,
                       A_CODE | DESC_L_MASK | DESC_G_MASK | DESC_A_MASK);
    cache_flat(&f, R_SS, SEL_DATA0, A_DATA);
    env->regs[R_ESP] = STACK0 - 0x108;
    env->rip = CODE0;
    g_assert_cmpint(run(&f), ==, 0x80);
    deliver(&f, 0x80);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0 - 0x110 - 40);
    g_assert_cmphex(rd64(&f, STACK0 - 0x110 - 8), ==, SEL_DATA0);
    g_assert_cmphex(rd64(&f, STACK0 - 0x110 - 16), ==, STACK0 - 0x108);
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0 - 0x108);
    g_assert_cmphex(env->rip, ==, CODE0 + 3);
    fixture_fini(&f);
}

static void test_long_mode_call_gate(void)
{
    /* ring 3 (64-bit): call dword far [rel p] ; int3 ; p: dd 0, dw 0xa3 */
    static const uint8_t user[] = {0xff, 0x1d, 0x01, 0x00, 0x00, 0x00, 0xcc,
                                   0x00, 0x00, 0x00, 0x00, 0xa3, 0x00};
    /* ring 0 target (64-bit): int3 ; retfq */
    static const uint8_t target[] = {0xcc, 0x48, 0xcb};
    Fixture f;
    setup_long(&f);
    CPUX86State *env = f.env;
    /* SDM 3A §5.8.3.1 Figure 5-9: the 16-byte call gate, DPL 3, to SEL_CODE64. */
    uint64_t off = HANDLER + 0x900;
    wr32(&f, GDT + 0xa0, (off & 0xffff) | ((uint32_t)SEL_CODE64 << 16));
    wr32(&f, GDT + 0xa4, (off & 0xffff0000u) | DESC_P_MASK | (3u << 13) | (0xcu << 8));
    wr32(&f, GDT + 0xa8, 0);
    wr32(&f, GDT + 0xac, 0);
    put(&f, CODE3, user, sizeof(user));
    put(&f, off, target, sizeof(target));
    long_to_ring3(&f);
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE64);
    g_assert_cmpint(env->hflags & HF_CPL_MASK, ==, 0);
    /* SDM 3A §5.8.5.1: SS is null with RPL 0; RSP0 from the TSS; 8-byte pushes of
     * SS, RSP, CS, RIP. */
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0 - 32);
    g_assert_cmphex(rd64(&f, STACK0 - 8), ==, SEL_DATA3 | 3);
    g_assert_cmphex(rd64(&f, STACK0 - 16), ==, STACK3);
    g_assert_cmphex(rd64(&f, STACK0 - 24), ==, SEL_CODE64_3 | 3);
    g_assert_cmphex(rd64(&f, STACK0 - 32), ==, CODE3 + 6);
    /* retfq to CPL 3 pops SS:RSP too. */
    g_assert_cmpint(run(&f), ==, EXCP_BP);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE64_3 | 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3);
    g_assert_cmphex(env->rip, ==, CODE3 + 7);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/seg/far-jmp-code32", test_far_jmp_to_code32);
    g_test_add_func("/seg/data-segment-loads", test_data_segment_loads);
    g_test_add_func("/seg/far-jmp-faults", test_far_jmp_faults);
    g_test_add_func("/seg/call-gate-ring3-to-ring0", test_call_gate_ring3_to_ring0);
    g_test_add_func("/seg/call-conforming", test_call_conforming_keeps_cpl);
    g_test_add_func("/seg/int-interrupt-trap-gates", test_int_interrupt_and_trap_gates);
    g_test_add_func("/seg/int-ring3-stack-switch", test_int_from_ring3_switches_stack);
    g_test_add_func("/seg/int-gate-dpl", test_int_gate_dpl_check);
    g_test_add_func("/seg/exception-error-code", test_exception_error_code_pushed);
    g_test_add_func("/seg/double-triple-fault", test_double_and_triple_fault);
    g_test_add_func("/seg/external-interrupt", test_external_interrupt);
    g_test_add_func("/seg/nmi-blocking", test_nmi_blocked_until_iret);
    g_test_add_func("/seg/sti-shadow", test_sti_shadow);
    g_test_add_func("/seg/iret-ring3", test_iret_to_ring3);
    g_test_add_func("/seg/iret-eflags", test_iret_eflags_rules);
    g_test_add_func("/seg/iret-v86", test_iret_to_v86_and_back);
    g_test_add_func("/seg/v86-int-iopl", test_v86_int_iopl_sensitive);
    g_test_add_func("/seg/task-switch", test_task_switch_jmp_call_iret);
    g_test_add_func("/seg/task-switch-bad-tss", test_task_switch_bad_tss);
    g_test_add_func("/seg/io-bitmap", test_io_bitmap);
    g_test_add_func("/seg/long-exception-ist", test_long_mode_exception_ist);
    g_test_add_func("/seg/long-int-iretq", test_long_mode_int_and_iretq);
    g_test_add_func("/seg/long-call-gate", test_long_mode_call_gate);
    return g_test_run();
}
