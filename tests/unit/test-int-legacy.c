/* Directed tests of integer instructions in legacy modes, and of what the host cannot
 * show: BCD, BOUND, PUSHA, 16-bit addressing, ENTER with nesting in 32-bit protected
 * and real mode, single-step, interrupt shadow, I/O permission, LOCK across two vCPUs,
 * with values from the SDM's examples or worked by hand. The host-compared families
 * are in test-int.c; the harness is int-harness.h. */
#include <pthread.h>

#include "int-harness.h"

/* ---- directed tests: legacy modes and what the host cannot show ---- */

/* Runs code placed at CODE (protected or long mode) or at 0x7c00 (real mode). */
static int run_code(Fixture *f, const uint8_t *code, size_t len)
{
    uint64_t at = f->mode == MODE_REAL ? 0x7c00 : CODE;
    load_code(f, at, code, len);
    f->env->rip = at;
    return run(f);
}

typedef struct BcdCase {
    const char *text;
    uint8_t code[4];
    size_t len;
    uint16_t ax, bl;
    uint32_t flags_in;
    int vector;
    uint16_t ax_out;
    uint32_t flags_out, mask;
} BcdCase;

/* SDM Vol 2A DAA/DAS/AAA/AAS/AAM/AAD: the examples of the DAA and DAS pages, and
 * values worked from the pseudo-code. */
static void test_bcd(void)
{
    const uint32_t szapc = CC_S | CC_Z | CC_A | CC_P | CC_C;
    static const BcdCase cases[] = {
        {"add al, bl; daa",
         {0x00, 0xd8, 0x27},
         3,
         0x79,
         0x35,
         0,
         EXCP_HLT,
         0x14,
         CC_A | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"sub al, bl; das",
         {0x28, 0xd8, 0x2f},
         3,
         0x35,
         0x47,
         0,
         EXCP_HLT,
         0x88,
         CC_S | CC_A | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"daa 9a",
         {0x27},
         1,
         0x9a,
         0,
         0,
         EXCP_HLT,
         0x00,
         CC_Z | CC_A | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"daa with CF",
         {0x27},
         1,
         0x12,
         0,
         CC_C,
         EXCP_HLT,
         0x72,
         CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"das with CF",
         {0x2f},
         1,
         0x00,
         0,
         CC_C,
         EXCP_HLT,
         0xa0,
         CC_S | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"add al, bl; aaa",
         {0x00, 0xd8, 0x37},
         3,
         0x38,
         0x39,
         0,
         EXCP_HLT,
         0x0107,
         CC_A | CC_C,
         CC_A | CC_C},
        {"aaa no adjust",
         {0x37},
         1,
         0x1234,
         0,
         CC_C | CC_Z,
         EXCP_HLT,
         0x1204,
         CC_Z,
         CC_A | CC_C | CC_Z},
        {"sub al, bl; aas",
         {0x28, 0xd8, 0x3f},
         3,
         0x33,
         0x38,
         0,
         EXCP_HLT,
         0xff05,
         CC_A | CC_C,
         CC_A | CC_C},
        {"aam", {0xd4, 0x0a}, 2, 0x3f, 0, CC_C, EXCP_HLT, 0x0603, CC_P, CC_S | CC_Z | CC_P},
        {"aam 16", {0xd4, 0x10}, 2, 0x3f, 0, 0, EXCP_HLT, 0x030f, CC_P, CC_S | CC_Z | CC_P},
        {"aad", {0xd5, 0x0a}, 2, 0x0603, 0, 0, EXCP_HLT, 0x003f, CC_P, CC_S | CC_Z | CC_P},
        {"aad 7", {0xd5, 0x07}, 2, 0x1203, 0, 0, EXCP_HLT, 0x0081, CC_S | CC_P, CC_S | CC_Z | CC_P},
        {"aam 0", {0xd4, 0x00}, 2, 0x3f, 0, 0, EXCP_DE, 0x003f, 0, 0},
    };
    Fixture f;
    fixture_init(&f, MODE_PM32);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const BcdCase *c = &cases[i];
        f.env->regs[R_EAX] = 0xabcd0000u | c->ax;
        f.env->regs[R_EBX] = c->bl;
        set_arith_flags(&f, c->flags_in);
        g_test_message("%s", c->text);
        g_assert_cmpint(run_code(&f, c->code, c->len), ==, c->vector);
        g_assert_cmphex(f.env->regs[R_EAX], ==, 0xabcd0000u | c->ax_out);
        g_assert_cmphex(eflags_of(&f) & c->mask & szapc, ==, c->flags_out);
        if (c->vector != EXCP_HLT)
            g_assert_cmphex(f.env->rip, ==, CODE);
    }
    fixture_fini(&f);
}

/* SDM Vol 2B PUSHA/PUSHAD, POPA/POPAD. */
static void test_pusha_popa(void)
{
    static const uint8_t pushad[] = {0x60}, popad[] = {0x61}, pushaw[] = {0x66, 0x60};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    for (int i = 0; i < 8; i++)
        f.env->regs[i] = 0x11111111u * (uint32_t)(i + 1);
    f.env->regs[R_ESP] = STACK_TOP;
    g_assert_cmpint(run_code(&f, pushad, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 32);
    for (int i = 0; i < 8; i++) {
        uint32_t want = i == R_ESP ? STACK_TOP : 0x11111111u * (uint32_t)(i + 1);
        g_assert_cmphex(get32(&f, STACK_TOP - 4 * (i + 1)), ==, want);
    }
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP)
            f.env->regs[i] = 0;
    }
    put32(&f, STACK_TOP - 20, 0xdead); /* the ESP slot is skipped */
    g_assert_cmpint(run_code(&f, popad, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP);
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP)
            g_assert_cmphex(f.env->regs[i], ==, 0x11111111u * (uint32_t)(i + 1));
    }
    /* PUSHA (16-bit): words, SP moves by 16 */
    g_assert_cmpint(run_code(&f, pushaw, 2), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 16);
    g_assert_cmphex(get32(&f, STACK_TOP - 4), ==, 0x11112222u); /* CX, AX */
    g_assert_cmphex(get32(&f, STACK_TOP - 12), ==,
                    (STACK_TOP & 0xffff) << 16 | 0x6666u); /* SP, BP */
    fixture_fini(&f);
}

/* SDM Vol 2A BOUND: #BR (a fault: rIP on the instruction) outside [lower, upper]. */
static void test_bound(void)
{
    static const uint8_t bound32[] = {0x62, 0x05, 0x00, 0x00, 0x20, 0x00};
    static const uint8_t bound16[] = {0x66, 0x62, 0x05, 0x00, 0x00, 0x20, 0x00};
    static const struct {
        uint32_t index;
        int vector;
    } cases32[] = {{3, EXCP_HLT}, {(uint32_t)-5, EXCP_HLT}, {10, EXCP_HLT},
                   {11, EXCP_BR}, {(uint32_t)-6, EXCP_BR},  {0x80000000u, EXCP_BR}};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    put32(&f, DATA, (uint32_t)-5);
    put32(&f, DATA + 4, 10);
    for (size_t i = 0; i < G_N_ELEMENTS(cases32); i++) {
        f.env->regs[R_EAX] = cases32[i].index;
        g_assert_cmpint(run_code(&f, bound32, sizeof(bound32)), ==, cases32[i].vector);
        if (cases32[i].vector == EXCP_BR)
            g_assert_cmphex(f.env->rip, ==, CODE);
    }
    /* 16-bit bounds: words -5 and 10 */
    put32(&f, DATA, 0x000afffbu);
    f.env->regs[R_EAX] = 0x1234fffbu;
    g_assert_cmpint(run_code(&f, bound16, sizeof(bound16)), ==, EXCP_HLT);
    f.env->regs[R_EAX] = 0x0000000bu;
    g_assert_cmpint(run_code(&f, bound16, sizeof(bound16)), ==, EXCP_BR);
    fixture_fini(&f);
}

/* SDM Vol 2A ENTER with nesting level 3, then LEAVE, on a 32-bit stack. */
static void test_enter_leave(void)
{
    static const uint8_t enter[] = {0xc8, 0x08, 0x00, 0x03}, leave[] = {0xc9};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    f.env->regs[R_ESP] = STACK_TOP;
    f.env->regs[R_EBP] = STACK_TOP + 0x100;
    put32(&f, STACK_TOP + 0x100 - 4, 0xaaaa0001u);
    put32(&f, STACK_TOP + 0x100 - 8, 0xbbbb0002u);
    g_assert_cmpint(run_code(&f, enter, sizeof(enter)), ==, EXCP_HLT);
    g_assert_cmphex(get32(&f, STACK_TOP - 4), ==, STACK_TOP + 0x100); /* old EBP */
    g_assert_cmphex(get32(&f, STACK_TOP - 8), ==, 0xaaaa0001u);       /* copied frames */
    g_assert_cmphex(get32(&f, STACK_TOP - 12), ==, 0xbbbb0002u);
    g_assert_cmphex(get32(&f, STACK_TOP - 16), ==, STACK_TOP - 4); /* the new frame */
    g_assert_cmphex(f.env->regs[R_EBP], ==, STACK_TOP - 4);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 4 - 12 - 8);
    g_assert_cmpint(run_code(&f, leave, sizeof(leave)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EBP], ==, STACK_TOP + 0x100);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP);
    fixture_fini(&f);
}

/* 16-bit addresses (67 in 32-bit code): SI/DI/CX wrap at 64 KiB and the upper halves
 * of ESI/EDI/ECX are left alone (SDM Vol 1 §3.6, Vol 2B REP). */
static void test_string_addr16(void)
{
    static const uint8_t code[] = {0x67, 0xf3, 0xa4}; /* a16 rep movsb */
    Fixture f;
    fixture_init(&f, MODE_PM32);
    f.m.ram[0xfffe] = 1;
    f.m.ram[0xffff] = 2;
    f.m.ram[0x0000] = 3;
    f.m.ram[0x0001] = 4;
    f.env->regs[R_ESI] = 0xabcdfffeu;
    f.env->regs[R_EDI] = 0x00012000u;
    f.env->regs[R_ECX] = 0x55550004u;
    g_assert_cmpint(run_code(&f, code, sizeof(code)), ==, EXCP_HLT);
    g_assert_cmphex(get32(&f, 0x2000), ==, 0x04030201u);
    g_assert_cmphex(f.env->regs[R_ESI], ==, 0xabcd0002u);
    g_assert_cmphex(f.env->regs[R_EDI], ==, 0x00012004u);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 0x55550000u);
    fixture_fini(&f);
}

/* INC/DEC r32 in their one-byte forms (40-4F, REX prefixes in 64-bit mode): CF kept. */
static void test_incdec_short(void)
{
    static const uint8_t inc_eax[] = {0x40}, dec_ebx[] = {0x4b};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    f.env->regs[R_EAX] = 0x7fffffffu;
    set_arith_flags(&f, CC_C);
    g_assert_cmpint(run_code(&f, inc_eax, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x80000000u);
    g_assert_cmphex(eflags_of(&f) & CC_MASK, ==, CC_O | CC_S | CC_A | CC_P | CC_C);
    f.env->regs[R_EBX] = 0;
    set_arith_flags(&f, 0);
    g_assert_cmpint(run_code(&f, dec_ebx, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EBX], ==, 0xffffffffu);
    g_assert_cmphex(eflags_of(&f) & CC_MASK, ==, CC_S | CC_A | CC_P);
    fixture_fini(&f);
}

/* 64-bit stack details: PUSH of a segment register writes 16 bits (recent Intel
 * parts) but moves rSP by 8 (SDM Vol 2B PUSH); POP to memory addresses with the
 * incremented rSP; POP rSP loads rSP. */
static void test_stack64(void)
{
    static const uint8_t push_fs[] = {0x0f, 0xa0}, push_fs16[] = {0x66, 0x0f, 0xa0};
    static const uint8_t pop_mem_rsp[] = {0x8f, 0x04, 0x24}, pop_rsp[] = {0x5c};
    Fixture f;
    fixture_init(&f, MODE_LONG);
    f.env->segs[R_FS].selector = 0x1234;
    put64(&f, STACK_TOP - 8, 0xaaaaaaaaaaaaaaaaull);
    g_assert_cmpint(run_code(&f, push_fs, sizeof(push_fs)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 8);
    g_assert_cmphex(get64(&f, STACK_TOP - 8), ==, 0xaaaaaaaaaaaa1234ull);
    g_assert_cmpint(run_code(&f, push_fs16, sizeof(push_fs16)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 10);
    g_assert_cmphex(get64(&f, STACK_TOP - 16) >> 48, ==, 0x1234);

    f.env->regs[R_ESP] = STACK_TOP - 16;
    put64(&f, STACK_TOP - 16, 0x1111);
    put64(&f, STACK_TOP - 8, 0);
    g_assert_cmpint(run_code(&f, pop_mem_rsp, sizeof(pop_mem_rsp)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 8);
    g_assert_cmphex(get64(&f, STACK_TOP - 8), ==, 0x1111);

    f.env->regs[R_ESP] = STACK_TOP - 16;
    put64(&f, STACK_TOP - 16, 0x5000);
    g_assert_cmpint(run_code(&f, pop_rsp, sizeof(pop_rsp)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, 0x5000);
    fixture_fini(&f);
}

/* Choices where the host (AMD) and Pacifica (Intel) differ, or that it cannot run. */
static void test_vendor_choices(void)
{
    static const uint8_t cmpxchg16b[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0b};
    static const uint8_t movsxd16[] = {0x66, 0x63, 0xc3}, bsf32[] = {0x0f, 0xbc, 0xc3};
    Fixture f;
    fixture_init(&f, MODE_LONG);
    /* SDM Vol 2A CMPXCHG16B: #GP(0) unless 16-byte aligned */
    f.env->regs[R_EBX] = DATA + 8;
    f.env->regs[R_EAX] = 0x77;
    g_assert_cmpint(run_code(&f, cmpxchg16b, sizeof(cmpxchg16b)), ==, EXCP_GP);
    g_assert_cmphex(f.env->rip, ==, CODE);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x77);
    f.env->regs[R_EBX] = DATA;
    g_assert_cmpint(run_code(&f, cmpxchg16b, sizeof(cmpxchg16b)), ==, EXCP_HLT);
    /* MOVSXD r16, r/m16 is a 16-bit move */
    f.env->regs[R_EAX] = 0x1111222233334444ull;
    f.env->regs[R_EBX] = 0x5555666677778888ull;
    g_assert_cmpint(run_code(&f, movsxd16, sizeof(movsxd16)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x1111222233338888ull);
    /* BSF r32 of zero: ZF, the destination kept but zero-extended (Intel) */
    f.env->regs[R_EAX] = 0x1122334455667788ull;
    f.env->regs[R_EBX] = 0;
    g_assert_cmpint(run_code(&f, bsf32, sizeof(bsf32)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x55667788ull);
    g_assert_true(eflags_of(&f) & CC_Z);
    fixture_fini(&f);
}

/* SDM Vol 2B RDRAND/RDSEED: CF = 1, the other arithmetic flags clear, a value of the
 * operand size. */
static void test_rdrand(void)
{
    static const uint8_t code[] = {0x48, 0x0f, 0xc7, 0xf0, /* rdrand rax */
                                   0x48, 0x0f, 0xc7, 0xf3, /* rdrand rbx */
                                   0x66, 0x0f, 0xc7, 0xf2, /* rdrand dx */
                                   0x0f, 0xc7, 0xf9};      /* rdseed ecx */
    Fixture f;
    fixture_init(&f, MODE_LONG);
    f.env->regs[R_ECX] = ~0ull;
    f.env->regs[R_EDX] = ~0ull;
    set_arith_flags(&f, CC_MASK & ~CC_C);
    g_assert_cmpint(run_code(&f, code, sizeof(code)), ==, EXCP_HLT);
    g_assert_cmphex(eflags_of(&f) & CC_MASK, ==, CC_C);
    g_assert_cmphex(f.env->regs[R_EAX], !=, f.env->regs[R_EBX]);
    g_assert_cmphex(f.env->regs[R_ECX] >> 32, ==, 0);
    g_assert_cmphex(f.env->regs[R_EDX] >> 16, ==, 0xffffffffffffull);
    fixture_fini(&f);
}

#define DR6_BS (1u << 14)

/* SDM 3A §18.3.1.4: with TF set, #DB (a trap: rIP past the instruction, DR6.BS)
 * after each instruction; a REP string instruction traps after each iteration; the
 * instruction that sets TF is not trapped, MOV SS delays the trap by one instruction. */
static void test_single_step(void)
{
    static const uint8_t nops[] = {0x90, 0x90};
    static const uint8_t jmp[] = {0xeb, 0x01, 0x90, 0x90};
    static const uint8_t rep_movsb[] = {0xf3, 0xa4};
    static const uint8_t popf_tf[] = {0x68, 0x02, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90};
    static const uint8_t mov_ss[] = {0x8e, 0xd0, 0x90, 0x90};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    set_arith_flags(&f, TF_MASK);
    f.env->dr[6] = 0;
    g_assert_cmpint(run_code(&f, nops, sizeof(nops)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 1);
    g_assert_true(f.env->dr[6] & DR6_BS);
    g_assert_cmpint(run(&f), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 2);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);

    g_assert_cmpint(run_code(&f, jmp, sizeof(jmp)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 3);

    f.env->regs[R_ECX] = 3;
    f.env->regs[R_ESI] = DATA;
    f.env->regs[R_EDI] = DATA + 0x100;
    g_assert_cmpint(run_code(&f, rep_movsb, sizeof(rep_movsb)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 2);
    g_assert_cmpint(run(&f), ==, EXCP_DB);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 1);
    g_assert_cmphex(f.env->rip, ==, CODE);
    g_assert_cmpint(run(&f), ==, EXCP_DB);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 0);
    g_assert_cmphex(f.env->rip, ==, CODE + 2);

    /* push 0x102; popfd sets TF: the first trap follows the NOP after it */
    set_arith_flags(&f, 0);
    g_assert_cmpint(run_code(&f, popf_tf, sizeof(popf_tf)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 7);
    fixture_fini(&f);

    /* Real mode, MOV SS with TF: no trap after it, one after the next instruction */
    fixture_init(&f, MODE_REAL);
    f.env->regs[R_EAX] = 0;
    set_arith_flags(&f, TF_MASK);
    g_assert_cmpint(run_code(&f, mov_ss, sizeof(mov_ss)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, 0x7c03);
    fixture_fini(&f);
}

/* The interrupt shadow (translate.c): the shadowed instruction is the first of its
 * block, which closes the shadow and returns to the vCPU loop right after it. */
static void test_interrupt_shadow(void)
{
    static const uint8_t nops[] = {0x90, 0x90, 0x90};
    static const uint8_t mov_ss[] = {0x8e, 0xd0, 0x90, 0x90};
    static const uint8_t pop_ss[] = {0x17, 0x90, 0x90};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    load_code(&f, CODE, nops, sizeof(nops));
    f.env->rip = CODE;
    f.env->inhibit_irq = true;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, CODE + 1);
    g_assert_false(f.env->inhibit_irq);
    f.env->rip = CODE;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, EXCP_HLT); /* no shadow: one block */
    fixture_fini(&f);

    fixture_init(&f, MODE_REAL);
    f.env->regs[R_EAX] = 0;
    load_code(&f, 0x7c00, mov_ss, sizeof(mov_ss));
    f.env->rip = 0x7c00;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c02);
    g_assert_true(f.env->inhibit_irq);
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c03);
    g_assert_false(f.env->inhibit_irq);
    load_code(&f, 0x7c00, pop_ss, sizeof(pop_ss));
    f.env->rip = 0x7c00;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c01);
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c02);
    fixture_fini(&f);
}

/* SDM Vol 1 §19.5: at CPL 3 with IOPL < 3, IN/OUT/INS/OUTS consult the TSS I/O
 * permission bitmap; #GP(0) for a denied port, before any I/O is made. */
static void test_io_permission(void)
{
    static const uint8_t in_ud2[] = {0xe4, 0x80, 0x0f, 0x0b}; /* in al, 0x80; ud2 */
    static const uint8_t outsb_ud2[] = {0x6e, 0x0f, 0x0b};    /* outsb; ud2 */
    const uint64_t tss = 0x5000;
    Fixture f;
    fixture_init(&f, MODE_PM32);
    const uint32_t dpl3 = 3u << DESC_DPL_SHIFT;
    f.env->segs[R_CS].selector = 0x1b;
    f.env->segs[R_CS].flags |= dpl3;
    f.env->segs[R_SS].selector = 0x23;
    f.env->segs[R_SS].flags |= dpl3;
    f.env->tr.base = tss;
    f.env->tr.limit = 0x67;
    f.env->tr.flags = DESC_P_MASK | (11u << DESC_TYPE_SHIFT);
    f.m.ram[tss + 0x66] = 0x68;
    x86_cpu_update_hflags(f.env);
    g_assert_cmpuint(f.env->hflags & HF_CPL_MASK, ==, 3);

    /* no bitmap within the TSS limit: denied */
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_GP);
    g_assert_cmphex(f.env->rip, ==, CODE);
    /* IOPL 3: allowed without the bitmap */
    f.env->eflags |= IOPL_MASK;
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_UD);
    g_assert_cmphex(f.env->rip, ==, CODE + 2);
    f.env->eflags &= ~(uint64_t)IOPL_MASK;
    /* a bitmap with port 0x80 allowed, then denied */
    f.env->tr.limit = 0x68 + 0x20;
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_UD);
    f.m.ram[tss + 0x68 + (0x80 >> 3)] = 1;
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_GP);
    f.env->regs[R_EDX] = 0x80;
    f.env->regs[R_ESI] = DATA;
    g_assert_cmpint(run_code(&f, outsb_ud2, sizeof(outsb_ud2)), ==, EXCP_GP);
    g_assert_cmphex(f.env->regs[R_ESI], ==, DATA);
    f.env->regs[R_EDX] = 0x81;
    g_assert_cmpint(run_code(&f, outsb_ud2, sizeof(outsb_ud2)), ==, EXCP_UD);
    g_assert_cmphex(f.env->regs[R_ESI], ==, DATA + 1);
    fixture_fini(&f);
}

/* SDM Vol 2A §2.3.2 (VEX): #UD in real mode, where C4 with a register-form next byte
 * is still a VEX prefix; the same bytes run in protected mode. */
static void test_vex_modes(void)
{
    static const uint8_t andn[] = {0xc4, 0xe2, 0x70, 0xf2, 0xc1}; /* andn eax, ecx, ecx */
    Fixture f;
    fixture_init(&f, MODE_REAL);
    g_assert_cmpint(run_code(&f, andn, sizeof(andn)), ==, EXCP_UD);
    g_assert_cmphex(f.env->rip, ==, 0x7c00);
    fixture_fini(&f);
    fixture_init(&f, MODE_PM32);
    f.env->regs[R_EAX] = 5;
    g_assert_cmpint(run_code(&f, andn, sizeof(andn)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0);
    fixture_fini(&f);
}

/* An instruction running into a page that cannot be fetched: #PF on that page, rIP on
 * the instruction, whether or not it is the first of its block (SDM 3A §6.15). */
static void test_fetch_fault(void)
{
    const uint64_t end = 0x400000; /* the identity map (and RAM) ends here */
    Fixture f;
    fixture_init(&f, MODE_LONG);
    f.m.ram[end - 3] = 0x90; /* nop */
    f.m.ram[end - 2] = 0x48; /* mov rax, imm64: 8 more bytes beyond the page */
    f.m.ram[end - 1] = 0xb8;
    tb_cache_flush(tcg_runner_tb_cache(f.r));
    f.env->rip = end - 2;
    g_assert_cmpint(run(&f), ==, EXCP_PF);
    g_assert_cmphex(f.env->rip, ==, end - 2);
    g_assert_cmphex(f.env->cr[2], ==, end);
    f.env->rip = end - 3;
    f.env->cr[2] = 0;
    g_assert_cmpint(run(&f), ==, EXCP_PF);
    g_assert_cmphex(f.env->rip, ==, end - 2);
    g_assert_cmphex(f.env->cr[2], ==, end);
    fixture_fini(&f);
}

/* LOCK: two vCPUs on two host threads increment one counter; a locked
 * read-modify-write loses no update. */
typedef struct Racer {
    TcgRunner *r;
    X86CPU *cpu;
    int result;
} Racer;

static void *racer_main(void *opaque)
{
    Racer *rc = opaque;
    rc->result = tcg_runner_run(rc->r, rc->cpu, 10000000);
    return NULL;
}

#define RACE_ITERATIONS 100000

static void race(Fixture *f, const uint8_t *code, size_t len, uint32_t expect)
{
    TcgRunner *r2 = tcg_runner_new();
    X86CPU *cpu2 = g_new0(X86CPU, 1);
    x86_cpu_init(cpu2, &f->m, 1, tcg_runner_tb_cache(r2));
    cpu2->env.cr[0] = f->env->cr[0];
    memcpy(cpu2->env.segs, f->env->segs, sizeof(f->env->segs));
    x86_cpu_update_hflags(&cpu2->env);
    load_code(f, CODE, code, len);
    put32(f, DATA, 0);
    f->env->rip = cpu2->env.rip = CODE;
    Racer a = {f->r, &f->cpu, 0}, b = {r2, cpu2, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, racer_main, &a);
    pthread_create(&tb, NULL, racer_main, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    g_assert_cmpint(a.result, ==, EXCP_HLT);
    g_assert_cmpint(b.result, ==, EXCP_HLT);
    g_assert_cmpuint(get32(f, DATA), ==, expect);
    tcg_runner_free(r2);
    g_free(cpu2);
}

static void test_lock_smp(void)
{
    /* mov ecx, N; L: lock add dword [DATA], 1; dec ecx; jnz L */
    static const uint8_t add_loop[] = {0xb9,
                                       RACE_ITERATIONS & 0xff,
                                       (RACE_ITERATIONS >> 8) & 0xff,
                                       RACE_ITERATIONS >> 16,
                                       0,
                                       0xf0,
                                       0x83,
                                       0x05,
                                       0x00,
                                       0x00,
                                       0x20,
                                       0x00,
                                       0x01,
                                       0x49,
                                       0x75,
                                       0xf5};
    /* mov ecx, N; mov edx, 2; L: mov edx, 2; lock xadd [DATA], edx; dec ecx; jnz L */
    static const uint8_t xadd_loop[] = {0xb9,
                                        RACE_ITERATIONS & 0xff,
                                        (RACE_ITERATIONS >> 8) & 0xff,
                                        RACE_ITERATIONS >> 16,
                                        0,
                                        0xba,
                                        0x02,
                                        0x00,
                                        0x00,
                                        0x00,
                                        0xf0,
                                        0x0f,
                                        0xc1,
                                        0x15,
                                        0x00,
                                        0x00,
                                        0x20,
                                        0x00,
                                        0x49,
                                        0x75,
                                        0xf0};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    race(&f, add_loop, sizeof(add_loop), 2 * RACE_ITERATIONS);
    race(&f, xadd_loop, sizeof(xadd_loop), 4 * RACE_ITERATIONS);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/int/bcd", test_bcd);
    g_test_add_func("/int/pusha-popa", test_pusha_popa);
    g_test_add_func("/int/bound", test_bound);
    g_test_add_func("/int/enter-leave", test_enter_leave);
    g_test_add_func("/int/string-addr16", test_string_addr16);
    g_test_add_func("/int/incdec-short", test_incdec_short);
    g_test_add_func("/int/stack64", test_stack64);
    g_test_add_func("/int/vendor-choices", test_vendor_choices);
    g_test_add_func("/int/rdrand", test_rdrand);
    g_test_add_func("/int/single-step", test_single_step);
    g_test_add_func("/int/interrupt-shadow", test_interrupt_shadow);
    g_test_add_func("/int/io-permission", test_io_permission);
    g_test_add_func("/int/vex-modes", test_vex_modes);
    g_test_add_func("/int/fetch-fault", test_fetch_fault);
    g_test_add_func("/int/lock-smp", test_lock_smp);
    return g_test_run();
}
