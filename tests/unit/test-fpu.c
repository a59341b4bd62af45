/* The x87 FPU (cpu/x86/fpu_helper.c, translate-fpu.c): real-mode snippets run under
 * the TCG runner and the same instructions run natively on the host, compared bit
 * for bit (status word, tag word, registers, EFLAGS, memory) over a table of
 * operands (zeros, denormals, infinities, NaNs, unsupported encodings, values that
 * round) and control words (every precision and rounding mode, exceptions masked and
 * unmasked). Then what the host cannot show: the environment layouts of real and
 * protected mode against the SDM, FRSTOR/FLDENV, #NM from CR0.EM/TS/MP, #MF from
 * CR0.NE, Intel's FCOMI rule for unmasked #IA. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "cpu/x86/fpu_helper.h"
#include "system/machine.h"

/* Guest layout: code at CS:IP = 1000:0C00 (linear 10C00, above 64 KiB so that real-mode
 * pointers have high bits), data in DS = 0010 (base 100h) at offsets 7F00-7FFF
 * (linear 8000-80FF), stack below 7000. */
#define CODE_CS       0x1000u
#define CODE_IP       0x0c00u
#define CODE_LIN      (CODE_CS * 16 + CODE_IP)
#define DATA_DS       0x0010u
#define DATA_LIN(off) (DATA_DS * 16 + (off))
#define D_CW          0x7f00u /* control word to load */
#define D_CMP_X       0x7f04u /* flags before the operation: cmp X, Y */
#define D_CMP_Y       0x7f06u
#define D_A           0x7f10u /* ST(0) */
#define D_B           0x7f20u /* ST(1) */
#define D_SW          0x7f30u /* FNSTSW after */
#define D_FLAGS       0x7f32u /* AH after LAHF */
#define D_OF          0x7f34u /* SETO */
#define D_MEM         0x7f40u /* memory operand, 16 bytes */
#define D_SAVE        0x7f60u /* FNSAVE (16-bit real-mode layout: 94 bytes) */
#define D_SAVE2       0x7fd0u /* a second environment image (28 bytes) */

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
} Fixture;

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->cfg.ram_size = 1 << 20;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
}

static void fixture_fini(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
}

/* Puts code at CODE_LIN; translations of the previous code are dropped. */
static void load_code(Fixture *f, const uint8_t *code, size_t len)
{
    g_assert_cmpuint(len, <=, 0x300);
    memcpy(f->m.ram + CODE_LIN, code, len);
    tb_cache_flush(tcg_runner_tb_cache(f->r));
}

/* Power-on state, real mode at the code with our segments. */
static void reset_cpu(Fixture *f)
{
    CPUX86State *env = &f->cpu.env;
    x86_cpu_reset(&f->cpu);
    env->segs[R_CS].selector = CODE_CS;
    env->segs[R_CS].base = CODE_CS * 16;
    env->segs[R_DS].selector = DATA_DS;
    env->segs[R_DS].base = DATA_DS * 16;
    env->rip = CODE_IP;
    env->regs[R_ESP] = 0x7000;
    x86_cpu_update_hflags(env);
}

static int run(Fixture *f)
{
    return tcg_runner_run(f->r, &f->cpu, 1000);
}

static uint8_t *data(Fixture *f, unsigned off)
{
    return f->m.ram + DATA_LIN(off);
}

static uint16_t data16(Fixture *f, unsigned off)
{
    uint16_t v;
    memcpy(&v, data(f, off), 2);
    return v;
}

static void set16(Fixture *f, unsigned off, uint16_t v)
{
    memcpy(data(f, off), &v, 2);
}

typedef struct Code {
    uint8_t b[256];
    size_t n;
} Code;

static void emit(Code *c, const uint8_t *bytes, size_t n)
{
    g_assert_cmpuint(c->n + n, <=, sizeof(c->b));
    memcpy(c->b + c->n, bytes, n);
    c->n += n;
}

#define EMIT(c, ...) emit(c, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define LO(v)        ((v)&0xff)
#define HI(v)        ((v) >> 8)

/* ---- 80-bit operands ---- */

typedef struct F80 {
    uint64_t mant;
    uint16_t exp;
} F80;

static const F80 operands[] = {
    {0, 0},                          /* +0 */
    {0, 0x8000},                     /* -0 */
    {0x8000000000000000ull, 0x3fff}, /* 1 */
    {0xc000000000000000ull, 0xbfff}, /* -1.5 */
    {0xc90fdaa22168c235ull, 0x4000}, /* pi */
    {0xaaaaaaaaaaaaaaabull, 0x3ffd}, /* 1/3, rounds in every precision */
    {0xa000000000000000ull, 0x4000}, /* 2.5: ties in FRNDINT/FIST */
    {0xb000000000000000ull, 0xc000}, /* -2.75 */
    {0x8000000000000000ull, 0x0001}, /* smallest normal */
    {0x7fffffffffffffffull, 0x0000}, /* largest denormal */
    {0x0000000000000001ull, 0x8000}, /* -smallest denormal */
    {0x8000000000000001ull, 0x0000}, /* pseudo-denormal */
    {0xffffffffffffffffull, 0x7ffe}, /* largest finite */
    {0x8000000000000000ull, 0x7fff}, /* +inf */
    {0x8000000000000000ull, 0xffff}, /* -inf */
    {0xc000000000000001ull, 0x7fff}, /* QNaN */
    {0x8000000000000001ull, 0xffff}, /* -SNaN */
    {0xc000000000000000ull, 0xffff}, /* QNaN indefinite */
    {0x4000000000000000ull, 0x3fff}, /* unnormal: invalid */
    {0xad78ebc5ac620000ull, 0x4041}, /* 1e20: too big for any integer */
    {0x8000000000000000ull, 0xc03e}, /* -2^63 */
    {0xfffffffffffff800ull, 0x403d}, /* 2^62 - 2^9ish: rounds in double */
    {0xd6bf94d5e57a42bcull, 0x3fdd}, /* 1e-10 */
    {0x9a209a84fbcff799ull, 0x3ffd}, /* log10(2), < 1 for F2XM1 */
};
#define NB_OPERANDS (sizeof(operands) / sizeof(operands[0]))

static void f80_bytes(const F80 *v, uint8_t *b)
{
    memcpy(b, &v->mant, 8);
    memcpy(b + 8, &v->exp, 2);
}

/* Control words: extended/double/single precision, the four rounding modes, and
 * unmasked exceptions (all, or IE/ZE/OE only). */
static const uint16_t control_words[] = {0x037f, 0x027f, 0x007f, 0x077f,
                                         0x0b7f, 0x0f7f, 0x0340, 0x0372};
#define NB_CWS (sizeof(control_words) / sizeof(control_words[0]))

/* ---- one case, guest and host ---- */

typedef struct Outcome {
    uint16_t sw, tw;
    uint8_t st[8][10]; /* ST(0)..ST(7) */
    uint8_t flags;     /* SF ZF AF PF CF as LAHF puts them in AH */
    uint8_t of;
    uint8_t mem[16];
} Outcome;

typedef struct Inputs {
    uint16_t cw, cmp_x, cmp_y;
    unsigned nloads; /* 2: ST(0) = a, ST(1) = b; 1: ST(0) = a; 0: empty */
    uint8_t a[10], b[10];
    uint8_t mem[16];
} Inputs;

typedef void (*NativeFn)(const Inputs *in, Outcome *out, uint8_t *save);

/* The host runs: FNINIT, FLDCW, loads, CMP, the instruction (memory operand at [rsi],
 * which is the ModRM r/m the guest's [disp16] uses), LAHF/SETO, FNSTSW, FNSAVE. */
#define NATIVE(fname, bytes)                                                                       \
    static void fname(const Inputs *in, Outcome *out, uint8_t *save)                               \
    {                                                                                              \
        uint16_t ax;                                                                               \
        memcpy(out->mem, in->mem, 16);                                                             \
        __asm__ volatile(                                                                          \
            "fninit\n\t"                                                                           \
            "fldcw %[cw]\n\t"                                                                      \
            "cmpl $2, %[nl]\n\t"                                                                   \
            "jb 1f\n\t"                                                                            \
            "fldt %[b]\n"                                                                          \
            "1:\n\t"                                                                               \
            "cmpl $1, %[nl]\n\t"                                                                   \
            "jb 2f\n\t"                                                                            \
            "fldt %[a]\n"                                                                          \
            "2:\n\t"                                                                               \
            "cmpw %w[y], %w[x]\n\t"                                                                \
            ".byte " bytes "\n\t"                                                                  \
            "lahf\n\t"                                                                             \
            "fnstsw %[sw]\n\t"                                                                     \
            "fnsave %[save]"                                                                       \
            : [sw] "=m"(out->sw), [save] "=m"(*(uint8_t(*)[108])save), [mem] "+m"(out->mem),       \
              "=a"(ax), "=@cco"(out->of)                                                           \
            : [cw] "m"(in->cw), [nl] "r"(in->nloads), [a] "m"(in->a), [b] "m"(in->b),              \
              [x] "r"(in->cmp_x), [y] "r"(in->cmp_y), "S"(out->mem)                                \
            : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");                \
        out->flags = (uint8_t)(ax >> 8);                                                           \
    }

typedef struct TestOp {
    const char *name;
    uint8_t esc, modrm;
    bool mem;
    uint8_t mem_size; /* memory forms: operand size */
    bool store;       /* memory forms: writes the operand */
    bool sets_eflags; /* FCOMI and its variants */
    NativeFn native;
} TestOp;

/* clang-format off */
/* Register forms: name, escape, ModRM. */
#define REG_OPS(R)                                                                                 \
    R(fadd, 0xd8, 0xc1) R(fmul, 0xd8, 0xc9) R(fcom, 0xd8, 0xd1) R(fcomp, 0xd8, 0xd9)               \
    R(fsub, 0xd8, 0xe1) R(fsubr, 0xd8, 0xe9) R(fdiv, 0xd8, 0xf1) R(fdivr, 0xd8, 0xf9)              \
    R(fadd_st0_st0, 0xd8, 0xc0) R(fmul_st0_st0, 0xd8, 0xc8) R(fdiv_st0_st2, 0xd8, 0xf2)            \
    R(fld_st1, 0xd9, 0xc1) R(fld_st7, 0xd9, 0xc7) R(fxch, 0xd9, 0xc9) R(fxch_st3, 0xd9, 0xcb)      \
    R(fnop, 0xd9, 0xd0) R(fchs, 0xd9, 0xe0) R(fabs, 0xd9, 0xe1) R(ftst, 0xd9, 0xe4)                \
    R(fxam, 0xd9, 0xe5) R(fld1, 0xd9, 0xe8) R(fldl2t, 0xd9, 0xe9) R(fldl2e, 0xd9, 0xea)            \
    R(fldpi, 0xd9, 0xeb) R(fldlg2, 0xd9, 0xec) R(fldln2, 0xd9, 0xed) R(fldz, 0xd9, 0xee)           \
    R(f2xm1, 0xd9, 0xf0) R(fyl2x, 0xd9, 0xf1) R(fptan, 0xd9, 0xf2) R(fpatan, 0xd9, 0xf3)           \
    R(fxtract, 0xd9, 0xf4) R(fprem1, 0xd9, 0xf5) R(fdecstp, 0xd9, 0xf6) R(fincstp, 0xd9, 0xf7)     \
    R(fprem, 0xd9, 0xf8) R(fyl2xp1, 0xd9, 0xf9) R(fsqrt, 0xd9, 0xfa) R(fsincos, 0xd9, 0xfb)        \
    R(frndint, 0xd9, 0xfc) R(fscale, 0xd9, 0xfd) R(fsin, 0xd9, 0xfe) R(fcos, 0xd9, 0xff)           \
    R(fucompp, 0xda, 0xe9) R(fucomi, 0xdb, 0xe9) R(fcomi, 0xdb, 0xf1)                              \
    R(fadd_st1_st0, 0xdc, 0xc1) R(fmul_st1_st0, 0xdc, 0xc9) R(fsubr_st1_st0, 0xdc, 0xe1)           \
    R(fsub_st1_st0, 0xdc, 0xe9) R(fdivr_st1_st0, 0xdc, 0xf1) R(fdiv_st1_st0, 0xdc, 0xf9)           \
    R(ffree, 0xdd, 0xc1) R(fst_st1, 0xdd, 0xd1) R(fstp_st1, 0xdd, 0xd9) R(fstp_st0, 0xdd, 0xd8)    \
    R(fucom, 0xdd, 0xe1) R(fucomp, 0xdd, 0xe9)                                                     \
    R(faddp, 0xde, 0xc1) R(fmulp, 0xde, 0xc9) R(fcompp, 0xde, 0xd9) R(fsubrp, 0xde, 0xe1)          \
    R(fsubp, 0xde, 0xe9) R(fdivrp, 0xde, 0xf1) R(fdivp, 0xde, 0xf9) R(fmulp_st3, 0xde, 0xcb)       \
    R(ffreep, 0xdf, 0xc1) R(fucomip, 0xdf, 0xe9) R(fcomip, 0xdf, 0xf1)

/* Reserved encodings executed as another instruction (SDM Vol 2 Tables A-7..A-22 leave
 * them reserved; the decoder takes them as the aliases processors implement): checked
 * against the host running the documented instruction, as hosts differ (an AMD host
 * runs D9 D8+i without the empty-register check). */
#define ALIAS_OPS(A)                                                                               \
    A(fstp1_alias, 0xd9, 0xd9, fstp_st1) A(fcom2_alias, 0xdc, 0xd1, fcom)                          \
    A(fcomp3_alias, 0xdc, 0xd9, fcomp) A(fxch4_alias, 0xdd, 0xc9, fxch)                            \
    A(fcomp5_alias, 0xde, 0xd1, fcomp) A(fxch7_alias, 0xdf, 0xc9, fxch)                            \
    A(fstp8_alias, 0xdf, 0xd1, fstp_st1) A(fstp9_alias, 0xdf, 0xd9, fstp_st1)

/* Memory forms: name, escape, ModRM.reg, size, store. */
#define MEM_OPS(M)                                                                                 \
    M(fadd_m32, 0xd8, 0, 4, 0) M(fmul_m32, 0xd8, 1, 4, 0) M(fcom_m32, 0xd8, 2, 4, 0)               \
    M(fcomp_m32, 0xd8, 3, 4, 0) M(fsub_m32, 0xd8, 4, 4, 0) M(fsubr_m32, 0xd8, 5, 4, 0)             \
    M(fdiv_m32, 0xd8, 6, 4, 0) M(fdivr_m32, 0xd8, 7, 4, 0)                                         \
    M(fld_m32, 0xd9, 0, 4, 0) M(fst_m32, 0xd9, 2, 4, 1) M(fstp_m32, 0xd9, 3, 4, 1)                 \
    M(fiadd_m32, 0xda, 0, 4, 0) M(fimul_m32, 0xda, 1, 4, 0) M(ficom_m32, 0xda, 2, 4, 0)            \
    M(ficomp_m32, 0xda, 3, 4, 0) M(fisub_m32, 0xda, 4, 4, 0) M(fisubr_m32, 0xda, 5, 4, 0)          \
    M(fidiv_m32, 0xda, 6, 4, 0) M(fidivr_m32, 0xda, 7, 4, 0)                                       \
    M(fild_m32, 0xdb, 0, 4, 0) M(fisttp_m32, 0xdb, 1, 4, 1) M(fist_m32, 0xdb, 2, 4, 1)             \
    M(fistp_m32, 0xdb, 3, 4, 1) M(fld_m80, 0xdb, 5, 10, 0) M(fstp_m80, 0xdb, 7, 10, 1)             \
    M(fadd_m64, 0xdc, 0, 8, 0) M(fmul_m64, 0xdc, 1, 8, 0) M(fcom_m64, 0xdc, 2, 8, 0)               \
    M(fcomp_m64, 0xdc, 3, 8, 0) M(fsub_m64, 0xdc, 4, 8, 0) M(fsubr_m64, 0xdc, 5, 8, 0)             \
    M(fdiv_m64, 0xdc, 6, 8, 0) M(fdivr_m64, 0xdc, 7, 8, 0)                                         \
    M(fld_m64, 0xdd, 0, 8, 0) M(fisttp_m64, 0xdd, 1, 8, 1) M(fst_m64, 0xdd, 2, 8, 1)               \
    M(fstp_m64, 0xdd, 3, 8, 1)                                                                     \
    M(fiadd_m16, 0xde, 0, 2, 0) M(fimul_m16, 0xde, 1, 2, 0) M(ficom_m16, 0xde, 2, 2, 0)            \
    M(ficomp_m16, 0xde, 3, 2, 0) M(fisub_m16, 0xde, 4, 2, 0) M(fisubr_m16, 0xde, 5, 2, 0)          \
    M(fidiv_m16, 0xde, 6, 2, 0) M(fidivr_m16, 0xde, 7, 2, 0)                                       \
    M(fild_m16, 0xdf, 0, 2, 0) M(fisttp_m16, 0xdf, 1, 2, 1) M(fist_m16, 0xdf, 2, 2, 1)             \
    M(fistp_m16, 0xdf, 3, 2, 1) M(fbld, 0xdf, 4, 10, 0) M(fild_m64, 0xdf, 5, 8, 0)                 \
    M(fbstp, 0xdf, 6, 10, 1) M(fistp_m64, 0xdf, 7, 8, 1)
/* clang-format on */

#define DEF_NATIVE_REG(name, esc, modrm)         NATIVE(native_##name, #esc "," #modrm)
#define DEF_NATIVE_MEM(name, esc, reg, size, st) NATIVE(native_##name, #esc "," #reg "*8+6")
REG_OPS(DEF_NATIVE_REG)
MEM_OPS(DEF_NATIVE_MEM)

static bool is_fcomi(uint8_t esc, uint8_t modrm)
{
    return (esc == 0xdb || esc == 0xdf) && modrm >= 0xe8 && modrm <= 0xf7;
}

#define ROW_MEM(name, e, reg, size, st)                                                            \
    {#name, e, (reg)*8 + 6, true, size, st, false, native_##name},

/* is_fcomi is not a constant expression: the table is filled at run time. */
static TestOp reg_ops[] = {
#define ROW_REG_INIT(name, e, m) {#name, e, m, false, 0, false, false, native_##name},
    REG_OPS(ROW_REG_INIT)
#define ROW_ALIAS(name, e, m, canonical) {#name, e, m, false, 0, false, false, native_##canonical},
        ALIAS_OPS(ROW_ALIAS)};
static const TestOp mem_ops[] = {MEM_OPS(ROW_MEM)};

/* The guest version of one case (the same sequence as NATIVE). */
static void build_case_code(Code *c, const TestOp *op, unsigned nloads)
{
    EMIT(c, 0xdb, 0xe3);                     /* fninit */
    EMIT(c, 0xd9, 0x2e, LO(D_CW), HI(D_CW)); /* fldcw [cw] */
    if (nloads >= 2)
        EMIT(c, 0xdb, 0x2e, LO(D_B), HI(D_B)); /* fld tword [b] */
    if (nloads >= 1)
        EMIT(c, 0xdb, 0x2e, LO(D_A), HI(D_A));     /* fld tword [a] */
    EMIT(c, 0xa1, LO(D_CMP_X), HI(D_CMP_X));       /* mov ax, [x] */
    EMIT(c, 0x3b, 0x06, LO(D_CMP_Y), HI(D_CMP_Y)); /* cmp ax, [y] */
    EMIT(c, op->esc, op->modrm);
    if (op->mem)
        EMIT(c, LO(D_MEM), HI(D_MEM));             /* [disp16] */
    EMIT(c, 0x9f);                                 /* lahf */
    EMIT(c, 0x88, 0x26, LO(D_FLAGS), HI(D_FLAGS)); /* mov [flags], ah */
    EMIT(c, 0x0f, 0x90, 0xc0);                     /* seto al */
    EMIT(c, 0xa2, LO(D_OF), HI(D_OF));             /* mov [of], al */
    EMIT(c, 0xdd, 0x3e, LO(D_SW), HI(D_SW));       /* fnstsw [sw] */
    EMIT(c, 0xdd, 0x36, LO(D_SAVE), HI(D_SAVE));   /* fnsave [save] */
    EMIT(c, 0xf4);                                 /* hlt */
}

static void run_guest_case(Fixture *f, const Inputs *in, Outcome *out)
{
    reset_cpu(f);
    set16(f, D_CW, in->cw);
    set16(f, D_CMP_X, in->cmp_x);
    set16(f, D_CMP_Y, in->cmp_y);
    memcpy(data(f, D_A), in->a, 10);
    memcpy(data(f, D_B), in->b, 10);
    memcpy(data(f, D_MEM), in->mem, 16);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    const uint8_t *save = data(f, D_SAVE);
    out->sw = data16(f, D_SW);
    out->tw = (uint16_t)(save[4] | save[5] << 8);
    memcpy(out->st, save + 14, 80);
    out->flags = *data(f, D_FLAGS);
    out->of = *data(f, D_OF);
    memcpy(out->mem, data(f, D_MEM), 16);
}

static void run_native_case(const TestOp *op, const Inputs *in, Outcome *out)
{
    uint8_t save[108];
    op->native(in, out, save);
    out->tw = (uint16_t)(save[8] | save[9] << 8);
    memcpy(out->st, save + 28, 80);
    out->of = out->of ? 1 : 0;
}

static void dump_case(const TestOp *op, const Inputs *in, const Outcome *g, const Outcome *h)
{
    fprintf(stderr, "%s cw=%04x nloads=%u a=", op->name, in->cw, in->nloads);
    for (int i = 9; i >= 0; i--)
        fprintf(stderr, "%02x", in->a[i]);
    fprintf(stderr, " b=");
    for (int i = 9; i >= 0; i--)
        fprintf(stderr, "%02x", in->b[i]);
    fprintf(stderr, " mem=");
    for (int i = 0; i < 10; i++)
        fprintf(stderr, "%02x", in->mem[i]);
    fprintf(stderr, "\n  guest sw=%04x tw=%04x flags=%02x of=%u st0=", g->sw, g->tw, g->flags,
            g->of);
    for (int i = 9; i >= 0; i--)
        fprintf(stderr, "%02x", g->st[0][i]);
    fprintf(stderr, "\n  host  sw=%04x tw=%04x flags=%02x of=%u st0=", h->sw, h->tw, h->flags,
            h->of);
    for (int i = 9; i >= 0; i--)
        fprintf(stderr, "%02x", h->st[0][i]);
    fprintf(stderr, "\n");
}

/* LAHF's AH: SF ZF 0 AF 0 PF 1 CF. */
#define AH_CF 0x01
#define AH_PF 0x04
#define AH_AF 0x10
#define AH_ZF 0x40
#define AH_SF 0x80

/* The flags (as LAHF gives them) of the 16-bit CMP x, y that runs before the
 * instruction under test. */
static uint8_t cmp16_flags(uint16_t x, uint16_t y)
{
    uint16_t ax;
    __asm__("cmpw %w[y], %w[x]\n\t"
            "lahf"
            : "=a"(ax)
            : [x] "r"(x), [y] "r"(y)
            : "cc");
    return (uint8_t)(ax >> 8);
}

/* The expected outcome is the host's, except where Intel and the host (AMD) differ:
 * FCOMI with an unmasked #IA leaves ZF, PF, CF alone on Intel (SDM Vol 2A Table 3-22)
 * and, as everywhere, clears OF, SF, AF (SDM Vol 2A FCOMI, "Flags Affected"). */
static void expected_outcome(const TestOp *op, const Inputs *in, Outcome *host)
{
    if (op->sets_eflags && (host->sw & FPUS_IE) && !(in->cw & FPUS_IE)) {
        host->flags = (cmp16_flags(in->cmp_x, in->cmp_y) & (AH_ZF | AH_PF | AH_CF)) | 0x02;
        host->of = 0;
    }
}

static bool outcomes_equal(const Outcome *g, const Outcome *h)
{
    if (g->sw != h->sw || g->tw != h->tw || g->flags != h->flags || g->of != h->of)
        return false;
    if (memcmp(g->mem, h->mem, 16) != 0)
        return false;
    /* Empty registers keep whatever they held before: only compare the others. */
    unsigned top = (h->sw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        unsigned phys = (top + i) & 7;
        if (((h->tw >> (2 * phys)) & 3) != 3 && memcmp(g->st[i], h->st[i], 10) != 0)
            return false;
    }
    return true;
}

static unsigned check_case(Fixture *f, const TestOp *op, const Inputs *in)
{
    Outcome g = {0}, h = {0};
    run_guest_case(f, in, &g);
    run_native_case(op, in, &h);
    expected_outcome(op, in, &h);
    if (outcomes_equal(&g, &h))
        return 0;
    dump_case(op, in, &g, &h);
    return 1;
}

static void load_op(Fixture *f, const TestOp *op, unsigned nloads)
{
    Code c = {0};
    build_case_code(&c, op, nloads);
    load_code(f, c.b, c.n);
}

/* Every pair of operands with the default control word; with each other control
 * word, a fixed sample of about a fifth of the pairs. */
static bool pair_selected(unsigned cw_idx, unsigned i, unsigned j)
{
    return cw_idx == 0 || (i * 7 + j * 3 + cw_idx) % 5 == 0;
}

static void test_register_forms(void)
{
    Fixture f;
    fixture_init(&f);
    unsigned failures = 0, cases = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(reg_ops); k++) {
        TestOp *op = &reg_ops[k];
        op->sets_eflags = is_fcomi(op->esc, op->modrm);
        load_op(&f, op, 2);
        for (unsigned c = 0; c < NB_CWS; c++)
            for (unsigned i = 0; i < NB_OPERANDS; i++)
                for (unsigned j = 0; j < NB_OPERANDS; j++) {
                    if (!pair_selected(c, i, j))
                        continue;
                    Inputs in = {.cw = control_words[c], .cmp_x = 0, .cmp_y = 1, .nloads = 2};
                    f80_bytes(&operands[i], in.a);
                    f80_bytes(&operands[j], in.b);
                    failures += check_case(&f, op, &in);
                    cases++;
                    g_assert_cmpuint(failures, <, 10);
                }
    }
    g_test_message("%u cases", cases);
    g_assert_cmpuint(failures, ==, 0);
    fixture_fini(&f);
}

/* The register forms again with one value and with none on the stack: stack
 * underflow (IE with SF, C1 = 0) and its masked response, QNaN indefinite. */
static void test_register_forms_short_stack(void)
{
    Fixture f;
    fixture_init(&f);
    unsigned failures = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(reg_ops); k++) {
        TestOp *op = &reg_ops[k];
        op->sets_eflags = is_fcomi(op->esc, op->modrm);
        for (unsigned nloads = 0; nloads < 2; nloads++) {
            load_op(&f, op, nloads);
            for (unsigned c = 0; c < NB_CWS; c++)
                for (unsigned i = 0; i < NB_OPERANDS; i += 3) {
                    Inputs in = {.cw = control_words[c], .cmp_x = 0, .cmp_y = 1, .nloads = nloads};
                    f80_bytes(&operands[i], in.a);
                    failures += check_case(&f, op, &in);
                    g_assert_cmpuint(failures, <, 10);
                }
        }
    }
    g_assert_cmpuint(failures, ==, 0);
    fixture_fini(&f);
}

/* Memory operands of each size: float specials, integers at the edges, BCD. */
static const uint64_t mem_patterns_16[] = {0, 1, 0xffff, 0x7fff, 0x8000, 12345, 0x8001};
static const uint64_t mem_patterns_32[] = {
    0,          0x80000000, 1,          0x007fffff, 0x00800000, 0x3f800000, 0x7f7fffff, 0x7f800000,
    0xff800000, 0x7fc00000, 0x7f800001, 0x40490fdb, 0xffffffff, 0x12345678, 0x7fffffff, 0xbeaaaaab};
static const uint64_t mem_patterns_64[] = {0,
                                           0x8000000000000000ull,
                                           1,
                                           0x000fffffffffffffull,
                                           0x0010000000000000ull,
                                           0x3ff0000000000000ull,
                                           0x7fefffffffffffffull,
                                           0x7ff0000000000000ull,
                                           0xfff0000000000000ull,
                                           0x7ff8000000000000ull,
                                           0x7ff0000000000001ull,
                                           0x400921fb54442d18ull,
                                           0xffffffffffffffffull,
                                           0x7fffffffffffffffull,
                                           0x123456789abcdef0ull,
                                           0xbfd5555555555555ull};
/* m80: the 80-bit operand list, plus packed BCD for FBLD (the last byte's bit 7 is
 * the sign): valid values, the largest, negative zero, and invalid digits. */
static const uint8_t bcd_patterns[][10] = {
    {0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0},
    {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x00},
    {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},
    {0x0a, 0xfb, 0, 0, 0, 0, 0, 0, 0, 0},
};

static unsigned check_memory_form(Fixture *f, const TestOp *op, unsigned cw_idx, const uint8_t *mem,
                                  unsigned a_idx)
{
    Inputs in = {.cw = control_words[cw_idx], .cmp_x = 0, .cmp_y = 1, .nloads = 1};
    f80_bytes(&operands[a_idx], in.a);
    memcpy(in.mem, mem, op->mem_size);
    return check_case(f, op, &in);
}

static void test_memory_loads(void)
{
    Fixture f;
    fixture_init(&f);
    unsigned failures = 0;
    static const unsigned a_values[] = {0, 2, 4, 5, 9, 13, 15, 16};
    for (size_t k = 0; k < G_N_ELEMENTS(mem_ops); k++) {
        const TestOp *op = &mem_ops[k];
        if (op->store)
            continue;
        load_op(&f, op, 1);
        for (unsigned c = 0; c < NB_CWS; c++)
            for (size_t a = 0; a < G_N_ELEMENTS(a_values); a++) {
                uint8_t mem[16] = {0};
                const uint64_t *pat = op->mem_size == 2   ? mem_patterns_16
                                      : op->mem_size == 4 ? mem_patterns_32
                                                          : mem_patterns_64;
                size_t npat = op->mem_size == 2   ? G_N_ELEMENTS(mem_patterns_16)
                              : op->mem_size == 4 ? G_N_ELEMENTS(mem_patterns_32)
                                                  : G_N_ELEMENTS(mem_patterns_64);
                if (op->mem_size == 10) {
                    bool bcd = op->esc == 0xdf;
                    npat = bcd ? G_N_ELEMENTS(bcd_patterns) : NB_OPERANDS;
                    for (size_t p = 0; p < npat; p++) {
                        if (bcd)
                            memcpy(mem, bcd_patterns[p], 10);
                        else
                            f80_bytes(&operands[p], mem);
                        failures += check_memory_form(&f, op, c, mem, a_values[a]);
                    }
                } else {
                    for (size_t p = 0; p < npat; p++) {
                        memcpy(mem, &pat[p], 8);
                        failures += check_memory_form(&f, op, c, mem, a_values[a]);
                    }
                }
                g_assert_cmpuint(failures, <, 10);
            }
    }
    g_assert_cmpuint(failures, ==, 0);
    fixture_fini(&f);
}

/* Stores of every operand in every control word: rounding to the destination,
 * integer overflow (integer indefinite), BCD, and destinations left unwritten by
 * unmasked exceptions. The buffer starts as AA...AA. */
static void test_memory_stores(void)
{
    Fixture f;
    fixture_init(&f);
    unsigned failures = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(mem_ops); k++) {
        const TestOp *op = &mem_ops[k];
        if (!op->store)
            continue;
        load_op(&f, op, 1);
        for (unsigned c = 0; c < NB_CWS; c++)
            for (unsigned i = 0; i < NB_OPERANDS; i++) {
                uint8_t mem[16];
                memset(mem, 0xaa, sizeof(mem));
                failures += check_memory_form(&f, op, c, mem, i);
                g_assert_cmpuint(failures, <, 10);
            }
    }
    g_assert_cmpuint(failures, ==, 0);
    fixture_fini(&f);
}

/* FCMOVcc against the flags of cmp X, Y (CF, ZF, PF in all combinations that CMP can
 * give), with ST(1) valid and with ST(1) empty. */
/* clang-format off */
#define FCMOV_OPS(R)                                                                               \
    R(fcmovb, 0xda, 0xc1) R(fcmove, 0xda, 0xc9) R(fcmovbe, 0xda, 0xd1) R(fcmovu, 0xda, 0xd9)       \
    R(fcmovnb, 0xdb, 0xc1) R(fcmovne, 0xdb, 0xc9) R(fcmovnbe, 0xdb, 0xd1) R(fcmovnu, 0xdb, 0xd9)   \
    R(fcmovb_st3, 0xda, 0xc3)
/* clang-format on */
FCMOV_OPS(DEF_NATIVE_REG)
static const TestOp fcmov_ops[] = {FCMOV_OPS(ROW_REG_INIT)};

static void test_fcmov(void)
{
    static const uint16_t cmps[][2] = {{1, 0}, {0, 1}, {5, 5}, {3, 0}, {0, 3}, {0x80, 0x7f}};
    Fixture f;
    fixture_init(&f);
    unsigned failures = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(fcmov_ops); k++) {
        const TestOp *op = &fcmov_ops[k];
        for (unsigned nloads = 1; nloads <= 2; nloads++) {
            load_op(&f, op, nloads);
            for (size_t c = 0; c < G_N_ELEMENTS(cmps); c++) {
                Inputs in = {
                    .cw = 0x037f, .cmp_x = cmps[c][0], .cmp_y = cmps[c][1], .nloads = nloads};
                f80_bytes(&operands[4], in.a);
                f80_bytes(&operands[3], in.b);
                failures += check_case(&f, op, &in);
            }
        }
    }
    g_assert_cmpuint(failures, ==, 0);
    fixture_fini(&f);
}

/* ---- stack overflow ---- */

/* Nine FLD1: the ninth overflows (IE, SF, C1 = 1; masked: ST(0) = QNaN indefinite). */
static void test_stack_overflow(void)
{
    for (int masked = 0; masked < 2; masked++) {
        Fixture f;
        fixture_init(&f);
        Code c = {0};
        EMIT(&c, 0xdb, 0xe3, 0xd9, 0x2e, LO(D_CW), HI(D_CW));
        for (int i = 0; i < 9; i++)
            EMIT(&c, 0xd9, 0xe8);
        EMIT(&c, 0xdd, 0x3e, LO(D_SW), HI(D_SW), 0xdd, 0x36, LO(D_SAVE), HI(D_SAVE), 0xf4);
        load_code(&f, c.b, c.n);
        reset_cpu(&f);
        uint16_t cw = masked ? 0x037f : 0x037e;
        set16(&f, D_CW, cw);
        g_assert_cmpint(run(&f), ==, EXCP_HLT);

        uint16_t sw;
        uint8_t save[108];
        __asm__ volatile("fninit\n\tfldcw %[cw]\n\t"
                         "fld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\t"
                         "fnstsw %[sw]\n\tfnsave %[save]"
                         : [sw] "=m"(sw), [save] "=m"(save)
                         : [cw] "m"(cw)
                         : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
        g_assert_cmphex(data16(&f, D_SW), ==, sw);
        g_assert_cmphex(sw & (FPUS_IE | FPUS_SF | FPUS_C1), ==, FPUS_IE | FPUS_SF | FPUS_C1);
        g_assert_cmpmem(data(&f, D_SAVE) + 14, 80, save + 28, 80);
        g_assert_cmphex(data16(&f, D_SAVE + 4), ==, save[8] | save[9] << 8);
        fixture_fini(&f);
    }
}

/* ---- environment layouts (SDM Vol 1 §8.1.10, Figures 8-9 to 8-12) ---- */

/* Runs: fninit; fldcw; fld1; fldz; fadd dword [es:0x0042] at a known IP (ES = 2345h,
 * so that the real-mode operand pointer has bits above 16); then FNSTENV with or
 * without 66h to [D_SAVE]; then FNINIT, FLDENV of that image and FNSTENV again.
 * Returns the image. */
#define ENV_ES 0x2345u

static void run_fnstenv(Fixture *f, bool protected_mode, bool opsize32, uint8_t *image)
{
    Code c = {0};
    EMIT(&c, 0xdb, 0xe3);                     /* 0c00 fninit */
    EMIT(&c, 0xd9, 0x2e, LO(D_CW), HI(D_CW)); /* 0c02 fldcw [cw] (0x0372) */
    EMIT(&c, 0xd9, 0xe8);                     /* 0c06 fld1 */
    EMIT(&c, 0xd9, 0xee);                     /* 0c08 fldz */
    EMIT(&c, 0x26, 0xd8, 0x06, 0x42, 0x00);   /* 0c0a fadd dword [es:0x0042] */
    if (opsize32)
        EMIT(&c, 0x66);
    EMIT(&c, 0xd9, 0x36, LO(D_SAVE), HI(D_SAVE)); /* fnstenv [save] */
    EMIT(&c, 0xd9, 0x3e, LO(D_SW), HI(D_SW));     /* fnstcw [sw] */
    EMIT(&c, 0xdb, 0xe3);                         /* fninit */
    if (opsize32)
        EMIT(&c, 0x66);
    EMIT(&c, 0xd9, 0x26, LO(D_SAVE), HI(D_SAVE)); /* fldenv [save] */
    if (opsize32)
        EMIT(&c, 0x66);
    EMIT(&c, 0xd9, 0x36, LO(D_SAVE2), HI(D_SAVE2)); /* fnstenv [save2] */
    EMIT(&c, 0xf4);
    load_code(f, c.b, c.n);
    reset_cpu(f);
    CPUX86State *env = &f->cpu.env;
    env->segs[R_ES].selector = ENV_ES;
    env->segs[R_ES].base = ENV_ES * 16;
    if (protected_mode) {
        /* 16-bit protected mode with the real-mode segment caches: enough for the
         * layout, which only follows CR0.PE (no segment is loaded). */
        env->cr[0] |= CR0_PE;
        x86_cpu_update_hflags(env);
    }
    set16(f, D_CW, 0x0372);
    uint32_t one = 0x3f800000;
    memcpy(f->m.ram + ENV_ES * 16 + 0x42, &one, 4);
    g_assert_cmpint(run(f), ==, EXCP_HLT);
    memcpy(image, data(f, D_SAVE), 28);
    /* FLDENV takes back exactly what FNSTENV stored. */
    g_assert_cmpmem(data(f, D_SAVE2), opsize32 ? 28 : 14, image, opsize32 ? 28 : 14);
}

static uint32_t le16(const uint8_t *b, unsigned off)
{
    return b[off] | (uint32_t)b[off + 1] << 8;
}

static uint32_t le32(const uint8_t *b, unsigned off)
{
    return le16(b, off) | le16(b, off + 2) << 16;
}

/* After fld1, fldz, fadd: TOP = 6, ST(0) = 1 (valid), ST(1) = 1 (valid), the rest
 * empty: physical 6 and 7 are valid. FOP = 0D8h:06h = 0x006, the fadd was at IP 0C0A
 * (CS 1000) with its operand at ES:0042. */
#define ENV_SW  0x3000u
#define ENV_TW  0x0fffu
#define ENV_FOP 0x006u

static void test_fnstenv_real16(void)
{
    Fixture f;
    fixture_init(&f);
    uint8_t b[28];
    run_fnstenv(&f, false, false, b);
    g_assert_cmphex(le16(b, 0), ==, 0x0372);
    g_assert_cmphex(le16(b, 2), ==, ENV_SW);
    g_assert_cmphex(le16(b, 4), ==, ENV_TW);
    /* Figure 8-12: IP 15..0; IP 19..16 in bits 15:12 with the opcode; DP likewise. */
    uint32_t ip = CODE_CS * 16 + 0x0c0a, dp = ENV_ES * 16 + 0x42;
    g_assert_cmphex(le16(b, 6), ==, ip & 0xffff);
    g_assert_cmphex(le16(b, 8), ==, (ip >> 16) << 12 | ENV_FOP);
    g_assert_cmphex(le16(b, 10), ==, dp & 0xffff);
    g_assert_cmphex(le16(b, 12), ==, (dp >> 16) << 12);
    /* FNSTENV masks every exception afterwards. */
    g_assert_cmphex(data16(&f, D_SW), ==, 0x037f);
    fixture_fini(&f);
}

static void test_fnstenv_real32(void)
{
    Fixture f;
    fixture_init(&f);
    uint8_t b[28];
    run_fnstenv(&f, false, true, b);
    uint32_t ip = CODE_CS * 16 + 0x0c0a, dp = ENV_ES * 16 + 0x42;
    g_assert_cmphex(le16(b, 0), ==, 0x0372);
    g_assert_cmphex(le16(b, 4), ==, ENV_SW);
    g_assert_cmphex(le16(b, 8), ==, ENV_TW);
    /* Figure 8-10 */
    g_assert_cmphex(le16(b, 12), ==, ip & 0xffff);
    g_assert_cmphex(le32(b, 16), ==, (ip >> 16) << 12 | ENV_FOP);
    g_assert_cmphex(le16(b, 20), ==, dp & 0xffff);
    g_assert_cmphex(le32(b, 24), ==, (dp >> 16) << 12);
    fixture_fini(&f);
}

static void test_fnstenv_prot16(void)
{
    Fixture f;
    fixture_init(&f);
    uint8_t b[28];
    run_fnstenv(&f, true, false, b);
    /* Figure 8-11: IP offset, CS selector, operand offset, operand selector. */
    g_assert_cmphex(le16(b, 0), ==, 0x0372);
    g_assert_cmphex(le16(b, 2), ==, ENV_SW);
    g_assert_cmphex(le16(b, 4), ==, ENV_TW);
    g_assert_cmphex(le16(b, 6), ==, 0x0c0a);
    g_assert_cmphex(le16(b, 8), ==, CODE_CS);
    g_assert_cmphex(le16(b, 10), ==, 0x0042);
    g_assert_cmphex(le16(b, 12), ==, ENV_ES);
    fixture_fini(&f);
}

static void test_fnstenv_prot32(void)
{
    Fixture f;
    fixture_init(&f);
    uint8_t b[28];
    run_fnstenv(&f, true, true, b);
    /* Figure 8-9: FOP in bits 26:16 beside the CS selector. */
    g_assert_cmphex(le16(b, 0), ==, 0x0372);
    g_assert_cmphex(le16(b, 4), ==, ENV_SW);
    g_assert_cmphex(le16(b, 8), ==, ENV_TW);
    g_assert_cmphex(le32(b, 12), ==, 0x0c0a);
    g_assert_cmphex(le32(b, 16), ==, CODE_CS | ENV_FOP << 16);
    g_assert_cmphex(le32(b, 20), ==, 0x0042);
    g_assert_cmphex(le16(b, 24), ==, ENV_ES);
    fixture_fini(&f);
}

/* FNSAVE, then FRSTOR of a modified image: registers in ST order after the
 * environment, TOP and tags from the image, FNSAVE reinitialises. */
static void test_fnsave_frstor(void)
{
    Fixture f;
    fixture_init(&f);
    Code c = {0};
    EMIT(&c, 0xdb, 0xe3, 0xd9, 0xeb, 0xd9, 0xe8);       /* fninit; fldpi; fld1 */
    EMIT(&c, 0x66, 0xdd, 0x36, LO(D_SAVE), HI(D_SAVE)); /* fnsave [save] (108 bytes) */
    EMIT(&c, 0xdd, 0x3e, LO(D_SW), HI(D_SW));           /* fnstsw [sw] */
    EMIT(&c, 0xd9, 0x3e, LO(D_CMP_X), HI(D_CMP_X));     /* fnstcw [x] */
    EMIT(&c, 0xf4);
    load_code(&f, c.b, c.n);
    reset_cpu(&f);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);
    const uint8_t *s = data(&f, D_SAVE);
    g_assert_cmphex(le16(s, 0), ==, 0x037f);
    g_assert_cmphex(le16(s, 4), ==, 0x3000); /* TOP = 6 */
    g_assert_cmphex(le16(s, 8), ==, 0x0fff);
    /* ST(0) = 1, ST(1) = pi */
    static const uint8_t one[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};
    static const uint8_t pi[10] = {0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40};
    g_assert_cmpmem(s + 28, 10, one, 10);
    g_assert_cmpmem(s + 38, 10, pi, 10);
    /* FNSAVE initialises the FPU like FNINIT. */
    g_assert_cmphex(data16(&f, D_SW), ==, 0);
    g_assert_cmphex(data16(&f, D_CMP_X), ==, 0x037f);
    CPUX86State *env = &f.cpu.env;
    g_assert_cmphex(env->fptag, ==, 0xffff);

    /* FRSTOR an image: TOP = 3, ST(0) = -0 (so tag "zero" whatever the image says),
     * ST(1) = 1, ST(2) = denormal, others empty; a ZE flag with ZE unmasked must
     * come back as pending (ES, B). */
    Code r = {0};
    EMIT(&r, 0x66, 0xdd, 0x26, LO(D_SAVE), HI(D_SAVE)); /* frstor [save] */
    EMIT(&r, 0xdd, 0x3e, LO(D_SW), HI(D_SW));           /* fnstsw [sw] */
    EMIT(&r, 0xd9, 0x36, LO(D_MEM), HI(D_MEM));         /* fnstenv [mem] (14 bytes) */
    EMIT(&r, 0xf4);
    load_code(&f, r.b, r.n);
    reset_cpu(&f);
    uint8_t *img = data(&f, D_SAVE);
    memset(img, 0, 108);
    img[0] = 0x7b, img[1] = 0x03; /* cw 037B: ZE unmasked */
    img[4] = 0x04, img[5] = 0x18; /* sw: ZE, TOP = 3 */
    img[8] = 0x3f, img[9] = 0xf0; /* tw: physical 3, 4, 5 not empty */
    static const uint8_t mzero[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};
    static const uint8_t denormal[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(img + 28, mzero, 10);
    memcpy(img + 38, one, 10);
    memcpy(img + 48, denormal, 10);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);
    g_assert_cmphex(data16(&f, D_SW), ==, 0x9884);
    g_assert_cmpuint(env->fpstt, ==, 3);
    /* phys 3 zero (01), 4 valid (00), 5 special (10), others empty */
    g_assert_cmphex(le16(data(&f, D_MEM), 4), ==, 0xf87f);
    g_assert_cmphex(env->fptag, ==, 0xf87f);
    g_assert_cmphex(env->fpregs[4].exp, ==, 0x3fff);
    fixture_fini(&f);
}

/* FLDCW keeps PC/RC/masks/IC, forces bit 6 and clears 7 and 15:13 (as the host
 * does); unmasking a flag already set makes it pending. */
static void test_fldcw(void)
{
    Fixture f;
    fixture_init(&f);
    Code c = {0};
    EMIT(&c, 0xdb, 0xe3, 0xd9, 0xee, 0xd9, 0xe8, 0xde, 0xf1); /* fninit; fldz; fld1; fdivrp */
    EMIT(&c, 0xd9, 0x2e, LO(D_CW), HI(D_CW));                 /* fldcw [cw] */
    EMIT(&c, 0xd9, 0x3e, LO(D_CMP_X), HI(D_CMP_X));           /* fnstcw [x] */
    EMIT(&c, 0xdd, 0x3e, LO(D_SW), HI(D_SW), 0xf4);           /* fnstsw [sw]; hlt */
    load_code(&f, c.b, c.n);
    static const uint16_t cws[] = {0x0000, 0xffff, 0x037b, 0x1f7f};
    for (size_t i = 0; i < G_N_ELEMENTS(cws); i++) {
        uint16_t cw = cws[i], host_cw, host_sw;
        reset_cpu(&f);
        set16(&f, D_CW, cw);
        g_assert_cmpint(run(&f), ==, EXCP_HLT);
        __asm__ volatile("fninit\n\tfldz\n\tfld1\n\t.byte 0xde, 0xf1\n\tfldcw %[cw]\n\t"
                         "fnstcw %[hcw]\n\tfnstsw %[hsw]\n\tfninit"
                         : [hcw] "=m"(host_cw), [hsw] "=m"(host_sw)
                         : [cw] "m"(cw)
                         : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
        g_assert_cmphex(data16(&f, D_CMP_X), ==, host_cw);
        g_assert_cmphex(data16(&f, D_SW), ==, host_sw);
    }
    fixture_fini(&f);
}

/* ---- #NM and #MF ---- */

/* Runs code (at CODE_IP) with the given CR0 bits; returns the vector. */
static int run_with_cr0(Fixture *f, const Code *c, uint64_t cr0_bits)
{
    load_code(f, c->b, c->n);
    reset_cpu(f);
    f->cpu.env.cr[0] |= cr0_bits;
    x86_cpu_update_hflags(&f->cpu.env);
    return run(f);
}

static void test_nm(void)
{
    Fixture f;
    fixture_init(&f);
    Code fld = {0}, wait = {0};
    EMIT(&fld, 0x90, 0xd9, 0xe8, 0xf4); /* nop; fld1; hlt */
    EMIT(&wait, 0x90, 0x9b, 0xf4);      /* nop; fwait; hlt */
    /* SDM 3A Table 2-2: EM or TS: x87 instructions #NM; WAIT only with MP and TS. */
    g_assert_cmpint(run_with_cr0(&f, &fld, CR0_TS), ==, EXCP_NM);
    g_assert_cmphex(f.cpu.env.rip, ==, CODE_IP + 1);
    g_assert_cmpint(run_with_cr0(&f, &fld, CR0_EM), ==, EXCP_NM);
    g_assert_cmpint(run_with_cr0(&f, &fld, CR0_MP), ==, EXCP_HLT);
    g_assert_cmpint(run_with_cr0(&f, &wait, CR0_TS), ==, EXCP_HLT);
    g_assert_cmpint(run_with_cr0(&f, &wait, CR0_EM), ==, EXCP_HLT);
    g_assert_cmpint(run_with_cr0(&f, &wait, CR0_MP | CR0_TS), ==, EXCP_NM);
    g_assert_cmphex(f.cpu.env.rip, ==, CODE_IP + 1);
    /* Control instructions too (FNINIT, FNSTSW). */
    Code init = {0};
    EMIT(&init, 0xdb, 0xe3, 0xf4);
    g_assert_cmpint(run_with_cr0(&f, &init, CR0_TS), ==, EXCP_NM);
    fixture_fini(&f);
}

/* An unmasked exception (ZE) is pending after the FDIV; the next waiting instruction
 * (not a no-wait one) raises #MF with CR0.NE, before it executes. */
static void test_mf(void)
{
    Fixture f;
    fixture_init(&f);
    Code c = {0};
    EMIT(&c, 0xdb, 0xe3, 0xd9, 0x2e, LO(D_CW), HI(D_CW)); /* 0c00 fninit; fldcw [cw] */
    EMIT(&c, 0xd9, 0xee, 0xd9, 0xe8, 0xde, 0xf1);         /* 0c06 fldz; fld1; fdivrp */
    EMIT(&c, 0xdd, 0x3e, LO(D_SW), HI(D_SW));             /* 0c0c fnstsw: no wait */
    EMIT(&c, 0xd9, 0xe8);                                 /* 0c10 fld1: #MF here */
    EMIT(&c, 0xf4);
    load_code(&f, c.b, c.n);
    reset_cpu(&f);
    f.cpu.env.cr[0] |= CR0_NE;
    set16(&f, D_CW, 0x037b);
    g_assert_cmpint(run(&f), ==, EXCP_MF);
    g_assert_cmphex(f.cpu.env.rip, ==, CODE_IP + 0x10);
    /* B, TOP 6, ES, ZE: an unmasked #Z neither stores nor pops (SDM Vol 1 §8.5.3) */
    g_assert_cmphex(data16(&f, D_SW), ==, 0xb084);
    g_assert_cmpuint(f.cpu.env.fpstt, ==, 6); /* and the FLD1 did not execute */
    g_assert_cmphex(f.cpu.env.fpregs[7].exp, ==, 0);
    g_assert_cmphex(f.cpu.env.fpregs[7].mant, ==, 0);
    /* FIP points at the FDIVRP, not at the FLD1. */
    g_assert_cmphex(f.cpu.env.fpip, ==, CODE_IP + 0x0a);

    /* FWAIT raises it too; FNCLEX clears it. */
    Code w = {0};
    EMIT(&w, 0xdb, 0xe3, 0xd9, 0x2e, LO(D_CW), HI(D_CW), 0xd9, 0xee, 0xd9, 0xe8, 0xde, 0xf1);
    EMIT(&w, 0x9b, 0xf4);
    load_code(&f, w.b, w.n);
    reset_cpu(&f);
    f.cpu.env.cr[0] |= CR0_NE;
    set16(&f, D_CW, 0x037b);
    g_assert_cmpint(run(&f), ==, EXCP_MF);
    g_assert_cmphex(f.cpu.env.rip, ==, CODE_IP + 0x0c);

    Code clex = {0};
    EMIT(&clex, 0xdb, 0xe3, 0xd9, 0x2e, LO(D_CW), HI(D_CW), 0xd9, 0xee, 0xd9, 0xe8, 0xde, 0xf1);
    EMIT(&clex, 0xdb, 0xe2, 0x9b, 0xd9, 0xe8, 0xf4); /* fnclex; fwait; fld1; hlt */
    load_code(&f, clex.b, clex.n);
    reset_cpu(&f);
    f.cpu.env.cr[0] |= CR0_NE;
    set16(&f, D_CW, 0x037b);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);

    /* With CR0.NE = 0 the error goes to FERR# (IRQ 13): no #MF, ES stays set. */
    load_code(&f, w.b, w.n);
    reset_cpu(&f);
    set16(&f, D_CW, 0x037b);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);
    g_assert_true(x87_ferr_asserted(&f.cpu.env));
    fixture_fini(&f);
}

/* Intel: FCOMI with an unmasked #IA leaves ZF, PF, CF unchanged (SDM Vol 2A FCOMI, Table
 * 3-22) but clears OF, SF, AF (its "Flags Affected"); with #IA masked, unordered is
 * ZF = PF = CF = 1 and OF/SF/AF are cleared. */
static void test_fcomi_unmasked_invalid(void)
{
    /* the CMP before: its flags, and what FCOMI leaves of them */
    static const struct {
        uint16_t x, y;
        uint8_t before, after;
    } cmps[] = {
        {0, 1, AH_CF | AH_PF | AH_AF | AH_SF, AH_CF | AH_PF},
        {0x8000, 1, AH_PF | AH_AF, AH_PF}, /* and OF */
        {5, 5, AH_ZF | AH_PF, AH_ZF | AH_PF},
    };
    const uint8_t arith = AH_CF | AH_PF | AH_AF | AH_ZF | AH_SF;
    Fixture f;
    fixture_init(&f);
    TestOp op = {"fcomi", 0xdb, 0xf1, false, 0, false, true, native_fcomi};
    load_op(&f, &op, 2);
    for (size_t c = 0; c < G_N_ELEMENTS(cmps); c++) {
        Outcome g = {0};
        Inputs in = {.cw = 0x037e, .cmp_x = cmps[c].x, .cmp_y = cmps[c].y, .nloads = 2};
        g_assert_cmphex(cmp16_flags(in.cmp_x, in.cmp_y) & arith, ==, cmps[c].before);
        f80_bytes(&operands[15], in.a); /* QNaN: FCOMI is invalid for any NaN */
        f80_bytes(&operands[2], in.b);
        run_guest_case(&f, &in, &g);
        g_assert_cmphex(g.flags & arith, ==, cmps[c].after);
        g_assert_cmpuint(g.of, ==, 0);
        g_assert_cmphex(g.sw & (FPUS_IE | FPUS_ES), ==, FPUS_IE | FPUS_ES);
        in.cw = 0x037f;
        run_guest_case(&f, &in, &g);
        g_assert_cmphex(g.flags & arith, ==, AH_CF | AH_PF | AH_ZF);
        g_assert_cmpuint(g.of, ==, 0);
    }
    fixture_fini(&f);
}

/* The full tag word: the classification of SDM Vol 1 §8.1.7. */
static void test_tag_word(void)
{
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    env.fptag = 0xc000;                                           /* physical 7 empty */
    env.fpregs[0] = (X87Reg){0x8000000000000000ull, 0x3fff, {0}}; /* valid */
    env.fpregs[1] = (X87Reg){0, 0x8000, {0}};                     /* zero */
    env.fpregs[2] = (X87Reg){1, 0, {0}};                          /* denormal: special */
    env.fpregs[3] = (X87Reg){0x8000000000000000ull, 0x7fff, {0}}; /* inf: special */
    env.fpregs[4] = (X87Reg){0x4000000000000000ull, 0x3fff, {0}}; /* unnormal: special */
    env.fpregs[5] = (X87Reg){0x8000000000000000ull, 0, {0}};      /* pseudo-denormal */
    env.fpregs[6] = (X87Reg){0xc000000000000000ull, 0xffff, {0}}; /* NaN: special */
    g_assert_cmphex(x87_full_tag_word(&env), ==, 0xeaa4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fpu/register-forms", test_register_forms);
    g_test_add_func("/fpu/register-forms-short-stack", test_register_forms_short_stack);
    g_test_add_func("/fpu/memory-loads", test_memory_loads);
    g_test_add_func("/fpu/memory-stores", test_memory_stores);
    g_test_add_func("/fpu/fcmov", test_fcmov);
    g_test_add_func("/fpu/stack-overflow", test_stack_overflow);
    g_test_add_func("/fpu/fnstenv-real16", test_fnstenv_real16);
    g_test_add_func("/fpu/fnstenv-real32", test_fnstenv_real32);
    g_test_add_func("/fpu/fnstenv-prot16", test_fnstenv_prot16);
    g_test_add_func("/fpu/fnstenv-prot32", test_fnstenv_prot32);
    g_test_add_func("/fpu/fnsave-frstor", test_fnsave_frstor);
    g_test_add_func("/fpu/fldcw", test_fldcw);
    g_test_add_func("/fpu/nm", test_nm);
    g_test_add_func("/fpu/mf", test_mf);
    g_test_add_func("/fpu/fcomi-unmasked-invalid", test_fcomi_unmasked_invalid);
    g_test_add_func("/fpu/tag-word", test_tag_word);
    return g_test_run();
}
