/* Directed tests of the vector unit's exception conditions, against the SDM: which of
 * CR0.EM/TS/MP, CR4.OSFXSR/OSXSAVE and XCR0 make an instruction #UD or #NM, #UD in
 * real mode, #GP on misaligned operands, #XM vs #UD for unmasked SIMD exceptions, FMA
 * rounding, LDMXCSR's reserved bits, and stores that fault or straddle pages. The
 * host-compared tests are in test-sse.c; the guest side is sse-harness.h. */
#include "sse-harness.h"

/* ---- exception conditions ---- */

static void test_exceptions_enable(void)
{
    static const uint8_t addps[] = {0x0f, 0x58, 0xc1};        /* addps xmm0, xmm1 */
    static const uint8_t vaddps[] = {0xc5, 0xf4, 0x58, 0xc2}; /* vaddps ymm0, ymm1, ymm2 */
    static const uint8_t paddb[] = {0x0f, 0xfc, 0xc1};        /* paddb mm0, mm1 */
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x03};       /* fxsave [rbx] */
    static const uint8_t xsave[] = {0x0f, 0xae, 0x23};        /* xsave [rbx] */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    unsigned slot = 0;

    /* baseline */
    g_assert_cmpint(run_bytes(&g, slot++, addps, sizeof(addps)), ==, EXCP_HLT);
    g_assert_cmpint(run_bytes(&g, slot++, vaddps, sizeof(vaddps)), ==, EXCP_HLT);
    /* SSE without CR4.OSFXSR: #UD; MMX does not care */
    env->cr[4] &= ~CR4_OSFXSR;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run_bytes(&g, slot++, addps, sizeof(addps)), ==, EXCP_UD);
    g_assert_cmpint(run_bytes(&g, slot++, paddb, sizeof(paddb)), ==, EXCP_HLT);
    env->cr[4] |= CR4_OSFXSR;
    /* CR0.EM: #UD for SSE and MMX, #NM for FXSAVE, nothing for VEX */
    env->cr[0] |= CR0_EM;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run_bytes(&g, slot++, addps, sizeof(addps)), ==, EXCP_UD);
    g_assert_cmpint(run_bytes(&g, slot++, paddb, sizeof(paddb)), ==, EXCP_UD);
    g_assert_cmpint(run_bytes(&g, slot++, fxsave, sizeof(fxsave)), ==, EXCP_NM);
    g_assert_cmpint(run_bytes(&g, slot++, vaddps, sizeof(vaddps)), ==, EXCP_HLT);
    env->cr[0] &= ~CR0_EM;
    /* CR0.TS: #NM for all of them */
    env->cr[0] |= CR0_TS;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run_bytes(&g, slot++, addps, sizeof(addps)), ==, EXCP_NM);
    g_assert_cmpint(run_bytes(&g, slot++, vaddps, sizeof(vaddps)), ==, EXCP_NM);
    g_assert_cmpint(run_bytes(&g, slot++, paddb, sizeof(paddb)), ==, EXCP_NM);
    g_assert_cmpint(run_bytes(&g, slot++, xsave, sizeof(xsave)), ==, EXCP_NM);
    env->cr[0] &= ~CR0_TS;
    /* VEX needs XCR0.AVX (and SSE) with CR4.OSXSAVE */
    env->xcr0 = 3;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run_bytes(&g, slot++, vaddps, sizeof(vaddps)), ==, EXCP_UD);
    env->xcr0 = 7;
    env->cr[4] &= ~CR4_OSXSAVE;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(run_bytes(&g, slot++, vaddps, sizeof(vaddps)), ==, EXCP_UD);
    g_assert_cmpint(run_bytes(&g, slot++, xsave, sizeof(xsave)), ==, EXCP_UD);
    guest_fini(&g);
}

static void test_exceptions_real_mode(void)
{
    /* In real mode legacy SSE works; C5 with ModRM.mod = 3 decodes as VEX and is #UD. */
    static const uint8_t addps[] = {0x0f, 0x58, 0xc1};
    static const uint8_t vaddps[] = {0xc5, 0xf0, 0x58, 0xc2}; /* vaddps xmm0, xmm1, xmm2 */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    env->segs[R_CS].selector = GUEST_CODE >> 4;
    env->segs[R_CS].base = GUEST_CODE;
    env->cr[4] = CR4_OSFXSR | CR4_OSXSAVE;
    env->xcr0 = 7;
    x86_cpu_update_hflags(env);
    g_assert_cmpint(guest_run(&g, 0, addps, sizeof(addps)), ==, EXCP_HLT);
    g_assert_cmpint(guest_run(&g, 1, vaddps, sizeof(vaddps)), ==, EXCP_UD);
    guest_fini(&g);
}

static void test_exceptions_alignment(void)
{
    static const uint8_t movaps_1[] = {0x0f, 0x28, 0x43, 0x01};         /* movaps xmm0, [rbx+1] */
    static const uint8_t movaps_16[] = {0x0f, 0x28, 0x43, 0x10};        /* movaps xmm0, [rbx+16] */
    static const uint8_t movups_1[] = {0x0f, 0x10, 0x43, 0x01};         /* movups xmm0, [rbx+1] */
    static const uint8_t addps_8[] = {0x0f, 0x58, 0x43, 0x08};          /* addps xmm0, [rbx+8] */
    static const uint8_t addss_1[] = {0xf3, 0x0f, 0x58, 0x43, 0x01};    /* addss xmm0, [rbx+1] */
    static const uint8_t vaddps_8[] = {0xc5, 0xfc, 0x58, 0x43, 0x08};   /* vaddps ymm0, [rbx+8] */
    static const uint8_t vmovaps_16[] = {0xc5, 0xfc, 0x28, 0x43, 0x10}; /* vmovaps ymm0, [rbx+16] */
    static const uint8_t vmovaps_st[] = {0xc5, 0xf8, 0x29, 0x43, 0x08}; /* vmovaps [rbx+8], xmm0 */
    static const uint8_t movdqa_st[] = {0x66, 0x0f, 0x7f, 0x43, 0x04};  /* movdqa [rbx+4], xmm0 */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    unsigned slot = 0;
    env->vec[0].q[0] = 0x1122334455667788ull;
    g_assert_cmpint(run_bytes(&g, slot++, movaps_1, sizeof(movaps_1)), ==, EXCP_GP);
    g_assert_cmpint(env->error_code, ==, 0);
    g_assert_cmphex(env->vec[0].q[0], ==, 0x1122334455667788ull);
    g_assert_cmphex(env->rip, ==, GUEST_CODE + 64 * (slot - 1));
    g_assert_cmpint(run_bytes(&g, slot++, movaps_16, sizeof(movaps_16)), ==, EXCP_HLT);
    g_assert_cmpint(run_bytes(&g, slot++, movups_1, sizeof(movups_1)), ==, EXCP_HLT);
    g_assert_cmpint(run_bytes(&g, slot++, addps_8, sizeof(addps_8)), ==, EXCP_GP);
    g_assert_cmpint(run_bytes(&g, slot++, addss_1, sizeof(addss_1)), ==, EXCP_HLT);
    g_assert_cmpint(run_bytes(&g, slot++, vaddps_8, sizeof(vaddps_8)), ==, EXCP_HLT);
    g_assert_cmpint(run_bytes(&g, slot++, vmovaps_16, sizeof(vmovaps_16)), ==, EXCP_GP);
    g_assert_cmpint(run_bytes(&g, slot++, vmovaps_st, sizeof(vmovaps_st)), ==, EXCP_GP);
    g_assert_cmpint(run_bytes(&g, slot++, movdqa_st, sizeof(movdqa_st)), ==, EXCP_GP);
    guest_fini(&g);
}

static void test_exceptions_simd(void)
{
    /* divps xmm0, xmm1 with 1/0 and ZE unmasked: #XM with OSXMMEXCPT, else #UD; MXCSR
     * gets ZE; xmm0 unchanged. */
    static const uint8_t divps[] = {0x0f, 0x5e, 0xc1};
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    for (int i = 0; i < 4; i++) {
        env->vec[0].s[i] = 1.0f;
        env->vec[1].s[i] = i == 2 ? 0.0f : 2.0f;
    }
    env->mxcsr = 0x1f80 & ~0x200; /* ZM clear */
    g_assert_cmpint(guest_run(&g, 0, divps, sizeof(divps)), ==, EXCP_XM);
    g_assert_cmphex(env->mxcsr, ==, (0x1f80 & ~0x200) | 0x4);
    g_assert_cmphex(env->vec[0].l[0], ==, 0x3f800000u);
    env->cr[4] &= ~CR4_OSXMMEXCPT;
    x86_cpu_update_hflags(env);
    env->mxcsr = 0x1f80 & ~0x200;
    g_assert_cmpint(guest_run(&g, 1, divps, sizeof(divps)), ==, EXCP_UD);
    /* masked: the quotients, inf, and ZE */
    env->mxcsr = 0x1f80;
    g_assert_cmpint(guest_run(&g, 2, divps, sizeof(divps)), ==, EXCP_HLT);
    g_assert_cmphex(env->vec[0].l[2], ==, 0x7f800000u);
    g_assert_cmphex(env->vec[0].l[0], ==, 0x3f000000u);
    g_assert_cmphex(env->mxcsr, ==, 0x1f84);
    guest_fini(&g);
}

/* FMA rounds once (SDM Vol 2A VFMADD132SD): (1 + 2^-30)(1 - 2^-30) - 1 is -2^-60
 * exactly, where a rounded product would give 0; and the 132/213/231 forms multiply
 * the operands they name. */
static void test_fma(void)
{
    static const uint8_t vfmadd231sd[] = {0xc4, 0xe2, 0xf1, 0xb9, 0xc2};  /* x0 = x1 * x2 + x0 */
    static const uint8_t vfmadd132sd[] = {0xc4, 0xe2, 0xf1, 0x99, 0xc2};  /* x0 = x0 * x2 + x1 */
    static const uint8_t vfmadd213sd[] = {0xc4, 0xe2, 0xf1, 0xa9, 0xc2};  /* x0 = x1 * x0 + x2 */
    static const uint8_t vfnmsub231ps[] = {0xc4, 0xe2, 0x71, 0xbe, 0xc2}; /* x0 = -(x1 * x2) - x0 */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    env->mxcsr = 0x1f80;
    env->vec[0].d[0] = -1.0;
    env->vec[0].d[1] = 42.0;
    env->vec[1].d[0] = 1.0 + 0x1p-30;
    env->vec[2].d[0] = 1.0 - 0x1p-30;
    g_assert_cmpint(guest_run(&g, 0, vfmadd231sd, sizeof(vfmadd231sd)), ==, EXCP_HLT);
    g_assert_true(env->vec[0].d[0] == -0x1p-60);
    g_assert_true(env->vec[0].d[1] == 42.0); /* bits 127:64 from the first operand */
    g_assert_cmphex(env->mxcsr, ==, 0x1f80); /* exact: no PE */
    env->vec[0].d[0] = 2.0;
    env->vec[1].d[0] = 1.0;
    env->vec[2].d[0] = 3.0;
    g_assert_cmpint(guest_run(&g, 1, vfmadd132sd, sizeof(vfmadd132sd)), ==, EXCP_HLT);
    g_assert_true(env->vec[0].d[0] == 7.0);
    env->vec[0].d[0] = 2.0;
    g_assert_cmpint(guest_run(&g, 2, vfmadd213sd, sizeof(vfmadd213sd)), ==, EXCP_HLT);
    g_assert_true(env->vec[0].d[0] == 5.0);
    for (int i = 0; i < 4; i++) {
        env->vec[0].s[i] = 1.0f;
        env->vec[1].s[i] = 2.0f;
        env->vec[2].s[i] = (float)i;
    }
    g_assert_cmpint(guest_run(&g, 3, vfnmsub231ps, sizeof(vfnmsub231ps)), ==, EXCP_HLT);
    for (int i = 0; i < 4; i++)
        g_assert_true(env->vec[0].s[i] == -2.0f * (float)i - 1.0f);
    guest_fini(&g);
}

/* LDMXCSR with a reserved bit: #GP(0); STMXCSR stores it back. */
static void test_ldmxcsr(void)
{
    static const uint8_t ld_st[] = {0x0f, 0xae, 0x13,        /* ldmxcsr [rbx] */
                                    0x0f, 0xae, 0x5b, 0x04}; /* stmxcsr [rbx+4] */
    Guest g;
    guest_init(&g);
    guest_mode64(&g.cpu.env);
    uint32_t v = 0x7fbf;
    memcpy(g.m.ram + GUEST_DATA, &v, 4);
    g_assert_cmpint(run_bytes(&g, 0, ld_st, sizeof(ld_st)), ==, EXCP_HLT);
    g_assert_cmphex(g.cpu.env.mxcsr, ==, 0x7fbf);
    g_assert_cmpmem(g.m.ram + GUEST_DATA + 4, 4, &v, 4);
    v = 0x11f80;
    memcpy(g.m.ram + GUEST_DATA, &v, 4);
    g_assert_cmpint(run_bytes(&g, 1, ld_st, sizeof(ld_st)), ==, EXCP_GP);
    g_assert_cmphex(g.cpu.env.mxcsr, ==, 0x7fbf);
    guest_fini(&g);
}

/* ---- stores that fault ---- */

/* 4-level paging over the first 2 MiB, identity-mapped with 4 KiB pages; the page at
 * ro_page is read-only (CR0.WP makes that apply at CPL 0). */
static void guest_paging(Guest *g, uint64_t ro_page)
{
    CPUX86State *env = &g->cpu.env;
    uint8_t *ram = g->m.ram;
    const uint64_t pml4 = 0x100000, pdpt = 0x101000, pd = 0x102000, pt = 0x103000;
    memset(ram + pml4, 0, 0x4000);
    uint64_t e = pdpt | 3;
    memcpy(ram + pml4, &e, 8);
    e = pd | 3;
    memcpy(ram + pdpt, &e, 8);
    e = pt | 3;
    memcpy(ram + pd, &e, 8);
    for (uint64_t i = 0; i < 512; i++) {
        e = (i << 12) | ((i << 12) == ro_page ? 1 : 3);
        memcpy(ram + pt + 8 * i, &e, 8);
    }
    env->cr[3] = pml4;
    env->cr[4] |= CR4_PAE;
    env->cr[0] |= CR0_PG | CR0_WP;
    x86_cpu_update_hflags(env);
}

/* A store that faults comes before any change: VCVTPS2PH to a read-only page leaves
 * MXCSR's flags alone, FXSAVE into a read-only page writes nothing, and XSAVE of x87
 * and SSE state does not touch the AVX part (which may lie beyond the area). */
static void test_store_faults(void)
{
    static const uint8_t vcvtps2ph[] = {0xc4, 0xe3, 0x7d, 0x1d, 0x0b, 0x00}; /* [rbx], ymm1, 0 */
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x03};                      /* fxsave [rbx] */
    static const uint8_t xsave[] = {0x0f, 0xae, 0x23};                       /* xsave [rbx] */
    const uint64_t ro = 0x9000;
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    guest_paging(&g, ro);
    for (int i = 0; i < 8; i++)
        env->vec[1].s[i] = 1.0f / 3.0f; /* inexact in half precision */
    env->mxcsr = 0x1f80;

    env->regs[R_EBX] = ro;
    g_assert_cmpint(guest_run(&g, 0, vcvtps2ph, sizeof(vcvtps2ph)), ==, EXCP_PF);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80);
    env->regs[R_EBX] = ro - 0x100; /* the last 256 bytes of a writable page */
    memset(g.m.ram + ro - 0x100, 0xcc, 0x100);
    g_assert_cmpint(guest_run(&g, 1, fxsave, sizeof(fxsave)), ==, EXCP_PF);
    g_assert_cmphex(g.m.ram[ro - 0x100], ==, 0xcc);
    g_assert_cmphex(g.m.ram[ro - 1], ==, 0xcc);
    /* XCR0 = x87|SSE: the 576-byte area ends right before the read-only page */
    env->xcr0 = 3;
    x86_cpu_update_hflags(env);
    env->regs[R_EBX] = ro - 576;
    env->regs[R_EAX] = 7;
    env->regs[R_EDX] = 0;
    g_assert_cmpint(guest_run(&g, 2, xsave, sizeof(xsave)), ==, EXCP_HLT);
    /* and the read-only page does stop an XSAVE of the AVX state */
    env->xcr0 = 7;
    x86_cpu_update_hflags(env);
    memset(g.m.ram + ro - 576, 0xcc, 576);
    g_assert_cmpint(guest_run(&g, 3, xsave, sizeof(xsave)), ==, EXCP_PF);
    g_assert_cmphex(g.m.ram[ro - 576], ==, 0xcc);
    guest_fini(&g);
}

/* A 16- or 32-byte store that straddles into a page it may not write faults before
 * writing its first part (SDM Vol 3A §6.6: faults leave memory unchanged). */
static void test_store_straddle(void)
{
    static const uint8_t movups[] = {0x0f, 0x11, 0x03};           /* movups [rbx], xmm0 */
    static const uint8_t vmovups[] = {0xc5, 0xfc, 0x11, 0x03};    /* vmovups [rbx], ymm0 */
    static const uint8_t movq_store[] = {0x66, 0x0f, 0xd6, 0x03}; /* movq [rbx], xmm0 */
    const uint64_t ro = 0x9000;
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    guest_paging(&g, ro);
    memset(&env->vec[0], 0x5a, sizeof(env->vec[0]));
    memset(g.m.ram + ro - 0x40, 0xcc, 0x40);

    env->regs[R_EBX] = ro - 8;
    g_assert_cmpint(guest_run(&g, 0, movups, sizeof(movups)), ==, EXCP_PF);
    for (unsigned i = 8; i > 0; i--)
        g_assert_cmphex(g.m.ram[ro - i], ==, 0xcc);
    env->regs[R_EBX] = ro - 24;
    g_assert_cmpint(guest_run(&g, 1, vmovups, sizeof(vmovups)), ==, EXCP_PF);
    for (unsigned i = 24; i > 0; i--)
        g_assert_cmphex(g.m.ram[ro - i], ==, 0xcc);
    /* an 8-byte store that fits still works right before the read-only page */
    env->regs[R_EBX] = ro - 8;
    g_assert_cmpint(guest_run(&g, 2, movq_store, sizeof(movq_store)), ==, EXCP_HLT);
    g_assert_cmphex(g.m.ram[ro - 1], ==, 0x5a);
    guest_fini(&g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse/exceptions/enable", test_exceptions_enable);
    g_test_add_func("/sse/exceptions/real-mode", test_exceptions_real_mode);
    g_test_add_func("/sse/exceptions/alignment", test_exceptions_alignment);
    g_test_add_func("/sse/exceptions/simd", test_exceptions_simd);
    g_test_add_func("/sse/fma", test_fma);
    g_test_add_func("/sse/ldmxcsr", test_ldmxcsr);
    g_test_add_func("/sse/store-faults", test_store_faults);
    g_test_add_func("/sse/store-straddle", test_store_straddle);
    return g_test_run();
}
