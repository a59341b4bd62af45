/* Directed tests of the vector unit's state management, against the SDM: the
 * FXSAVE/FXRSTOR and XSAVE/XRSTOR/XSAVEOPT layouts, round trips and checks, XGETBV and
 * XSETBV, and the x87 -> MMX transition. The host-compared tests are in test-sse.c;
 * the guest side is sse-harness.h. */
#include "sse-harness.h"

/* ---- FXSAVE / XSAVE ---- */

static void fill_fp_state(CPUX86State *env)
{
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 4; j++)
            env->vec[i].q[j] = 0x0101010101010101ull * (uint64_t)(16 * i + j + 1);
    for (int i = 0; i < 8; i++) {
        env->fpregs[i].mant = 0x8000000000000000ull | (uint64_t)i << 40;
        env->fpregs[i].exp = (uint16_t)(0x3fff + i);
    }
    env->fpregs[5].exp = 0;
    env->fpregs[5].mant = 0;     /* zero */
    env->fpregs[6].exp = 0x7fff; /* special */
    env->fpuc = 0x027f;
    env->fpus = 0x4001;
    env->fpstt = 3;
    env->fptag = (1u << 10) | (2u << 12) | (3u << 14); /* R5 zero, R6 special, R7 empty */
    env->fpop = 0x1d9;
    env->fpip = 0x123456789aull;
    env->fpdp = 0xfedcba9876ull;
    env->fpcs = 0x33;
    env->fpds = 0x2b;
    env->mxcsr = 0x3fa5;
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* SDM Vol 1 §10.5.1 Table 10-2 and Vol 2A FXSAVE Tables 3-43/3-46. */
static void check_fx_legacy_region(const CPUX86State *env, const uint8_t *img, bool rex_w,
                                   unsigned nxmm)
{
    g_assert_cmphex(rd16(img + 0), ==, env->fpuc);
    g_assert_cmphex(rd16(img + 2), ==, env->fpus | env->fpstt << 11);
    g_assert_cmphex(img[4], ==, 0x7f); /* R7 empty */
    g_assert_cmphex(rd16(img + 6), ==, env->fpop);
    if (rex_w) {
        g_assert_cmphex(rd64(img + 8), ==, env->fpip);
        g_assert_cmphex(rd64(img + 16), ==, env->fpdp);
    } else {
        g_assert_cmphex(rd32(img + 8), ==, (uint32_t)env->fpip);
        g_assert_cmphex(rd16(img + 12), ==, env->fpcs);
        g_assert_cmphex(rd32(img + 16), ==, (uint32_t)env->fpdp);
        g_assert_cmphex(rd16(img + 20), ==, env->fpds);
    }
    g_assert_cmphex(rd32(img + 24), ==, env->mxcsr);
    g_assert_cmphex(rd32(img + 28), ==, 0xffff);
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &env->fpregs[(env->fpstt + i) & 7];
        g_assert_cmphex(rd64(img + 32 + 16 * i), ==, r->mant);
        g_assert_cmphex(rd16(img + 40 + 16 * i), ==, r->exp);
    }
    for (unsigned i = 0; i < nxmm; i++)
        g_assert_cmpmem(img + 160 + 16 * i, 16, &env->vec[i], 16);
}

static void test_fxsave_layout_roundtrip(void)
{
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x03};          /* fxsave [rbx] */
    static const uint8_t fxsave64[] = {0x48, 0x0f, 0xae, 0x03};  /* fxsave64 [rbx] */
    static const uint8_t fxrstor64[] = {0x48, 0x0f, 0xae, 0x0b}; /* fxrstor64 [rbx] */
    static const uint8_t fxsave_u[] = {0x0f, 0xae, 0x43, 0x08};  /* fxsave [rbx+8] */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    uint8_t *img = g.m.ram + GUEST_DATA;
    guest_mode64(env);
    fill_fp_state(env);
    memset(img, 0xcc, 512);

    g_assert_cmpint(run_bytes(&g, 0, fxsave, sizeof(fxsave)), ==, EXCP_HLT);
    check_fx_legacy_region(env, img, false, 16);
    g_assert_cmphex(img[464], ==, 0xcc); /* the software area stays */

    g_assert_cmpint(run_bytes(&g, 1, fxsave64, sizeof(fxsave64)), ==, EXCP_HLT);
    check_fx_legacy_region(env, img, true, 16);

    CPUX86State saved = *env;
    memset(env->vec, 0, sizeof(env->vec));
    memset(env->fpregs, 0, sizeof(env->fpregs));
    env->fpuc = env->fpus = env->fptag = env->fpop = 0;
    env->fpstt = 0;
    env->fpip = env->fpdp = 0;
    env->mxcsr = 0x1f80;
    g_assert_cmpint(run_bytes(&g, 2, fxrstor64, sizeof(fxrstor64)), ==, EXCP_HLT);
    for (int i = 0; i < 16; i++) {
        g_assert_cmpmem(&env->vec[i], 16, &saved.vec[i], 16);
        g_assert_cmphex(env->vec[i].q[2], ==, 0);
    }
    g_assert_cmpmem(env->fpregs, sizeof(env->fpregs), saved.fpregs, sizeof(saved.fpregs));
    g_assert_cmphex(env->fpuc, ==, saved.fpuc);
    g_assert_cmphex(env->fpus, ==, saved.fpus);
    g_assert_cmphex(env->fpstt, ==, saved.fpstt);
    g_assert_cmphex(env->fptag, ==, saved.fptag); /* rebuilt from the abridged tag */
    g_assert_cmphex(env->fpop, ==, saved.fpop);
    g_assert_cmphex(env->fpip, ==, saved.fpip);
    g_assert_cmphex(env->fpdp, ==, saved.fpdp);
    g_assert_cmphex(env->mxcsr, ==, saved.mxcsr);

    /* misaligned: #GP(0); reserved MXCSR bit in the image: #GP(0), nothing restored */
    g_assert_cmpint(run_bytes(&g, 3, fxsave_u, sizeof(fxsave_u)), ==, EXCP_GP);
    uint32_t bad = 0x10000;
    memcpy(img + 24, &bad, 4);
    env->vec[3].q[0] = 42;
    g_assert_cmpint(run_bytes(&g, 4, fxrstor64, sizeof(fxrstor64)), ==, EXCP_GP);
    g_assert_cmphex(env->vec[3].q[0], ==, 42);
    guest_fini(&g);
}

static void test_fxsave_32bit(void)
{
    /* Outside 64-bit mode only XMM0-7 are saved. */
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x03}; /* fxsave [ebx] */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    uint8_t *img = g.m.ram + GUEST_DATA;
    guest_mode32(env);
    fill_fp_state(env);
    memset(img, 0xcc, 512);
    g_assert_cmpint(run_bytes(&g, 0, fxsave, sizeof(fxsave)), ==, EXCP_HLT);
    check_fx_legacy_region(env, img, false, 8);
    g_assert_cmphex(img[288], ==, 0xcc);
    guest_fini(&g);
}

static void test_xsave_roundtrip(void)
{
    static const uint8_t xsave[] = {0x0f, 0xae, 0x23};         /* xsave [rbx] */
    static const uint8_t xrstor[] = {0x0f, 0xae, 0x2b};        /* xrstor [rbx] */
    static const uint8_t xsaveopt[] = {0x0f, 0xae, 0x33};      /* xsaveopt [rbx] */
    static const uint8_t xsave_u[] = {0x0f, 0xae, 0x63, 0x10}; /* xsave [rbx+16] */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    uint8_t *img = g.m.ram + GUEST_DATA;
    guest_mode64(env);
    fill_fp_state(env);
    memset(img, 0, 1024);
    env->regs[R_EAX] = 7;
    env->regs[R_EDX] = 0;

    g_assert_cmpint(run_bytes(&g, 0, xsave, sizeof(xsave)), ==, EXCP_HLT);
    check_fx_legacy_region(env, img, false, 16);
    g_assert_cmphex(rd64(img + 512), ==, 7); /* XSTATE_BV */
    for (int i = 0; i < 16; i++)
        g_assert_cmpmem(img + 576 + 16 * i, 16, &env->vec[i].b[16], 16);

    /* restore everything */
    CPUX86State saved = *env;
    memset(env->vec, 0x5a, sizeof(env->vec));
    env->mxcsr = 0x1f80;
    env->fpuc = 0;
    g_assert_cmpint(run_bytes(&g, 1, xrstor, sizeof(xrstor)), ==, EXCP_HLT);
    g_assert_cmpmem(env->vec, sizeof(env->vec), saved.vec, sizeof(saved.vec));
    g_assert_cmphex(env->mxcsr, ==, saved.mxcsr);
    g_assert_cmphex(env->fpuc, ==, saved.fpuc);
    g_assert_cmphex(env->fptag, ==, saved.fptag);

    /* XSTATE_BV = x87 only, RFBM = all: SSE and AVX are initialized, MXCSR loaded */
    img[512] = 1;
    g_assert_cmpint(run_bytes(&g, 2, xrstor, sizeof(xrstor)), ==, EXCP_HLT);
    for (int i = 0; i < 16; i++)
        g_assert_cmphex(env->vec[i].q[0] | env->vec[i].q[1] | env->vec[i].q[2] | env->vec[i].q[3],
                        ==, 0);
    g_assert_cmphex(env->mxcsr, ==, saved.mxcsr);

    /* RFBM = AVX only (EDX:EAX = 4): the x87 and XMM state stay */
    env->vec[1].q[0] = 77;
    env->regs[R_EAX] = 4;
    img[512] = 7;
    g_assert_cmpint(run_bytes(&g, 3, xrstor, sizeof(xrstor)), ==, EXCP_HLT);
    g_assert_cmphex(env->vec[1].q[0], ==, 77);
    g_assert_cmphex(env->vec[1].q[2], ==, saved.vec[1].q[2]);

    /* XSAVEOPT of state in its initial configuration: XSTATE_BV bits clear, data not
     * written */
    memset(env->vec, 0, sizeof(env->vec));
    env->regs[R_EAX] = 6;
    memset(img + 160, 0xee, 16);
    g_assert_cmpint(run_bytes(&g, 4, xsaveopt, sizeof(xsaveopt)), ==, EXCP_HLT);
    g_assert_cmphex(rd64(img + 512), ==, 1);
    g_assert_cmphex(img[160], ==, 0xee);

    /* #GP: misaligned area, XSTATE_BV outside XCR0, XCOMP_BV set, bad MXCSR */
    env->regs[R_EAX] = 7;
    g_assert_cmpint(run_bytes(&g, 5, xsave_u, sizeof(xsave_u)), ==, EXCP_GP);
    img[512] = 0x8 | 7;
    g_assert_cmpint(run_bytes(&g, 6, xrstor, sizeof(xrstor)), ==, EXCP_GP);
    img[512] = 7;
    img[527] = 0x80;
    g_assert_cmpint(run_bytes(&g, 7, xrstor, sizeof(xrstor)), ==, EXCP_GP);
    img[527] = 0;
    uint32_t bad = 0x20000;
    memcpy(img + 24, &bad, 4);
    env->vec[2].q[0] = 99;
    g_assert_cmpint(run_bytes(&g, 8, xrstor, sizeof(xrstor)), ==, EXCP_GP);
    g_assert_cmphex(env->vec[2].q[0], ==, 99);
    guest_fini(&g);
}

static void test_xgetbv_xsetbv(void)
{
    static const uint8_t xgetbv[] = {0x0f, 0x01, 0xd0};
    static const uint8_t xsetbv[] = {0x0f, 0x01, 0xd1};
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    env->regs[R_ECX] = 0;
    env->regs[R_EAX] = ~0ull;
    env->regs[R_EDX] = ~0ull;
    g_assert_cmpint(guest_run(&g, 0, xgetbv, sizeof(xgetbv)), ==, EXCP_HLT);
    g_assert_cmphex(env->regs[R_EAX], ==, 7);
    g_assert_cmphex(env->regs[R_EDX], ==, 0);
    env->regs[R_ECX] = 2;
    g_assert_cmpint(guest_run(&g, 1, xgetbv, sizeof(xgetbv)), ==, EXCP_GP);

    /* XCR0 = x87|SSE: AVX off, hflags follow */
    env->regs[R_ECX] = 0;
    env->regs[R_EAX] = 3;
    env->regs[R_EDX] = 0;
    g_assert_cmpint(guest_run(&g, 2, xsetbv, sizeof(xsetbv)), ==, EXCP_HLT);
    g_assert_cmphex(env->xcr0, ==, 3);
    g_assert_false(env->hflags & HF_AVX_EN);
    /* invalid values: no x87, AVX without SSE, unknown bit, ECX != 0 */
    static const uint64_t bad[] = {6, 5, 0x13, 0x100000007ull};
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        env->regs[R_EAX] = (uint32_t)bad[i];
        env->regs[R_EDX] = bad[i] >> 32;
        g_assert_cmpint(guest_run(&g, 3, xsetbv, sizeof(xsetbv)), ==, EXCP_GP);
        g_assert_cmphex(env->xcr0, ==, 3);
    }
    env->regs[R_EAX] = 7;
    env->regs[R_EDX] = 0;
    env->regs[R_ECX] = 1;
    g_assert_cmpint(guest_run(&g, 4, xsetbv, sizeof(xsetbv)), ==, EXCP_GP);
    env->regs[R_ECX] = 0;
    g_assert_cmpint(guest_run(&g, 4, xsetbv, sizeof(xsetbv)), ==, EXCP_HLT);
    g_assert_true(env->hflags & HF_AVX_EN);
    /* CPL 3: #GP, XCR0 unchanged */
    env->regs[R_EAX] = 3;
    env->segs[R_CS].selector |= 3;
    env->segs[R_SS].flags |= 3u << DESC_DPL_SHIFT; /* the CPL is SS.DPL */
    x86_cpu_update_hflags(env);
    g_assert_cmpint(guest_run(&g, 5, xsetbv, sizeof(xsetbv)), ==, EXCP_GP);
    g_assert_cmphex(env->xcr0, ==, 7);
    guest_fini(&g);
}

/* The x87 -> MMX transition: TOP = 0, tags valid, exponent ones; EMMS empties. */
static void test_mmx_transition(void)
{
    static const uint8_t paddb_emms[] = {0x0f, 0xfc, 0xc1, 0xf4}; /* paddb mm0, mm1; hlt */
    static const uint8_t emms[] = {0x0f, 0x77};
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    env->fpstt = 5;
    env->fptag = 0xffff;
    env->fpregs[0].exp = 0x1234;
    g_assert_cmpint(guest_run(&g, 0, paddb_emms, 3), ==, EXCP_HLT);
    g_assert_cmpuint(env->fpstt, ==, 0);
    g_assert_cmphex(env->fptag, ==, 0);
    g_assert_cmphex(env->fpregs[0].exp, ==, 0xffff);
    env->fpstt = 3; /* SDM Vol 3A §12.2: EMMS, like every MMX instruction, sets TOP = 0 */
    g_assert_cmpint(guest_run(&g, 1, emms, sizeof(emms)), ==, EXCP_HLT);
    g_assert_cmphex(env->fptag, ==, 0xffff);
    g_assert_cmpuint(env->fpstt, ==, 0);
    /* a pending x87 exception (FSW.ES) is reported first: #MF */
    env->fpus = 0x0081;
    g_assert_cmpint(guest_run(&g, 2, paddb_emms, 3), ==, EXCP_MF);
    guest_fini(&g);
}

/* SDM Vol 2A CVTPI2PS/CVTPI2PD: no transition with a memory source; and an
 * instruction with an MMX register makes the transition only if its memory operand
 * does not fault (CVTPD2PI with a misaligned operand: #GP, x87 state untouched). */
static void test_mmx_transition_memory(void)
{
    static const uint8_t cvtpi2ps_m[] = {0x0f, 0x2a, 0x03};       /* cvtpi2ps xmm0, [rbx] */
    static const uint8_t cvtpi2pd_m[] = {0x66, 0x0f, 0x2a, 0x03}; /* cvtpi2pd xmm0, [rbx] */
    static const uint8_t cvtpd2pi_m[] = {0x66, 0x0f, 0x2d, 0x03}; /* cvtpd2pi mm0, [rbx] */
    static const uint8_t cvtpi2ps_r[] = {0x0f, 0x2a, 0xc1};       /* cvtpi2ps xmm0, mm1 */
    Guest g;
    guest_init(&g);
    CPUX86State *env = &g.cpu.env;
    guest_mode64(env);
    env->regs[R_EBX] = GUEST_DATA;
    memset(g.m.ram + GUEST_DATA, 0, 16);
    const uint8_t *no_transition[] = {cvtpi2ps_m, cvtpi2pd_m};
    const size_t len[] = {sizeof(cvtpi2ps_m), sizeof(cvtpi2pd_m)};
    for (unsigned i = 0; i < 2; i++) {
        env->fpstt = 5;
        env->fptag = 0xffff;
        g_assert_cmpint(guest_run(&g, i, no_transition[i], len[i]), ==, EXCP_HLT);
        g_assert_cmpuint(env->fpstt, ==, 5);
        g_assert_cmphex(env->fptag, ==, 0xffff);
    }
    env->regs[R_EBX] = GUEST_DATA + 8; /* 16-byte operand: misaligned */
    g_assert_cmpint(guest_run(&g, 2, cvtpd2pi_m, sizeof(cvtpd2pi_m)), ==, EXCP_GP);
    g_assert_cmpuint(env->fpstt, ==, 5);
    g_assert_cmphex(env->fptag, ==, 0xffff);
    env->regs[R_EBX] = GUEST_DATA;
    g_assert_cmpint(guest_run(&g, 3, cvtpd2pi_m, sizeof(cvtpd2pi_m)), ==, EXCP_HLT);
    g_assert_cmpuint(env->fpstt, ==, 0);
    g_assert_cmphex(env->fptag, ==, 0);
    env->fpstt = 5;
    env->fptag = 0xffff;
    g_assert_cmpint(guest_run(&g, 4, cvtpi2ps_r, sizeof(cvtpi2ps_r)), ==, EXCP_HLT);
    g_assert_cmpuint(env->fpstt, ==, 0);
    g_assert_cmphex(env->fptag, ==, 0);
    guest_fini(&g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse/mmx-transition", test_mmx_transition);
    g_test_add_func("/sse/mmx-transition-memory", test_mmx_transition_memory);
    g_test_add_func("/sse/fxsave", test_fxsave_layout_roundtrip);
    g_test_add_func("/sse/fxsave-32bit", test_fxsave_32bit);
    g_test_add_func("/sse/xsave", test_xsave_roundtrip);
    g_test_add_func("/sse/xgetbv-xsetbv", test_xgetbv_xsetbv);
    return g_test_run();
}
