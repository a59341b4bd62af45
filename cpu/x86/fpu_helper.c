/* The x87 FPU (see fpu_helper.h for the approach): the host runs each arithmetic,
 * load/store, compare and stack instruction on its own x87 with the guest's state
 * loaded; control instructions, the environment images and exception delivery are
 * done here in C.
 *
 * Why the host FPU is safe to hand to the guest:
 *  - the host's environment is saved with FNSTENV (which also masks every host
 *    exception) and reloaded with FLDENV in the same asm statement, and the x86-64
 *    ABI leaves the register stack empty across calls, so nothing of the host leaks
 *    in or out;
 *  - the image loaded has no exception flag and no ES set, so the one waiting
 *    instruction executed cannot trap on a pending exception; an exception it raises
 *    itself, masked or not, only sets flags (an unmasked one sets ES, and is reported
 *    at the next waiting instruction), and the next x87 instruction the host
 *    executes is the non-waiting FNSAVE, which reinitialises the FPU before FLDENV.
 */
#include "cpu/x86/fpu_helper.h"

#include <stddef.h>
#include <string.h>

#include "system/machine.h"

#if !defined(__x86_64__)
#error "the x87 helpers execute guest x87 instructions on an x86-64 host FPU"
#endif

X86_FPU_HELPERS(X86_DEFINE_HELPER_INFO)

/* The FNSAVE/FRSTOR image in the 32-bit protected-mode layout (SDM Vol 1 §8.1.10,
 * Figure 8-9, followed by ST(0)..ST(7) as 10-byte values): what the host's FNSAVE
 * writes in 64-bit mode. */
typedef struct X87SaveImage {
    uint16_t fcw, fcw_hi;
    uint16_t fsw, fsw_hi;
    uint16_t ftw, ftw_hi;
    uint32_t fip;
    uint16_t fcs, fop;
    uint32_t fdp;
    uint16_t fds, fds_hi;
    uint8_t st[8][10];
} X87SaveImage;

_Static_assert(sizeof(X87SaveImage) == 108, "FNSAVE 32-bit image is 108 bytes");

/* What one host execution works on. */
typedef struct X87HostFrame {
    X87SaveImage img; /* guest state in, result out */
    uint8_t host[28]; /* the host's own FNSTENV image */
    uint8_t mem[16];  /* the memory operand */
    uint32_t cond;    /* bit 0: CF for FCMOVB, the form every FCMOVcc runs as */
    bool zf, pf, cf;  /* EFLAGS after the instruction (FCOMI and variants) */
} X87HostFrame;

typedef void (*X87HostRun)(X87HostFrame *f);

/* ---- host runners ----
 *
 * One function per instruction encoding, generated from the lists below: the asm
 * executes the guest's own opcode bytes. Memory forms use ModRM mod = 00, r/m = 000,
 * i.e. [rax], with rax pointing at the frame's memory buffer. Every runner first sets
 * CF from cond (harmless for all but FCMOVcc) and reads ZF/PF/CF at the end (FNSAVE
 * and FLDENV leave EFLAGS alone). */
#define X87_RUNNER(fname, bytes)                                                                   \
    static void fname(X87HostFrame *f)                                                             \
    {                                                                                              \
        __asm__ volatile("fnstenv %[host]\n\t"                                                     \
                         "frstor %[img]\n\t"                                                       \
                         "btl $0, %k[cond]\n\t"                                                    \
                         ".byte " bytes "\n\t"                                                     \
                         "fnsave %[img]\n\t"                                                       \
                         "fldenv %[host]"                                                          \
                         : [img] "+m"(f->img), [host] "=m"(f->host), [buf] "+m"(f->mem),           \
                           "=@ccz"(f->zf), "=@ccp"(f->pf), "=@ccc"(f->cf)                          \
                         : [cond] "r"(f->cond), "a"(f->mem)                                        \
                         : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");   \
    }

/* clang-format off */
/* Register forms with an ST(i) operand: eight encodings from base (SDM Vol 2
 * Tables A-7..A-22). Aliases are mapped onto these by canonical_reg_form(). */
#define X87_REG_GROUPS(G)                                                                          \
    G(0xd8, 0xc0) G(0xd8, 0xc8) G(0xd8, 0xd0) G(0xd8, 0xd8) /* FADD FMUL FCOM FCOMP */             \
    G(0xd8, 0xe0) G(0xd8, 0xe8) G(0xd8, 0xf0) G(0xd8, 0xf8) /* FSUB FSUBR FDIV FDIVR */            \
    G(0xd9, 0xc0) G(0xd9, 0xc8)                             /* FLD ST(i), FXCH */                  \
    G(0xda, 0xc0)                                           /* FCMOVB */                           \
    G(0xdb, 0xe8) G(0xdb, 0xf0)                             /* FUCOMI FCOMI */                     \
    G(0xdc, 0xc0) G(0xdc, 0xc8) G(0xdc, 0xe0) G(0xdc, 0xe8) /* FADD FMUL FSUBR FSUB ST(i),ST */    \
    G(0xdc, 0xf0) G(0xdc, 0xf8)                             /* FDIVR FDIV ST(i),ST */              \
    G(0xdd, 0xc0) G(0xdd, 0xd0) G(0xdd, 0xd8)               /* FFREE FST FSTP */                   \
    G(0xdd, 0xe0) G(0xdd, 0xe8)                             /* FUCOM FUCOMP */                     \
    G(0xde, 0xc0) G(0xde, 0xc8) G(0xde, 0xe0) G(0xde, 0xe8) /* FADDP FMULP FSUBRP FSUBP */         \
    G(0xde, 0xf0) G(0xde, 0xf8)                             /* FDIVRP FDIVP */                     \
    G(0xdf, 0xc0) G(0xdf, 0xe8) G(0xdf, 0xf0)               /* FFREEP FUCOMIP FCOMIP */

/* Register forms without an operand field. */
#define X87_REG_SINGLES(S)                                                                         \
    S(0xd9, 0xd0)                                           /* FNOP */                             \
    S(0xd9, 0xe0) S(0xd9, 0xe1) S(0xd9, 0xe4) S(0xd9, 0xe5) /* FCHS FABS FTST FXAM */              \
    S(0xd9, 0xe8) S(0xd9, 0xe9) S(0xd9, 0xea) S(0xd9, 0xeb) /* FLD1 FLDL2T FLDL2E FLDPI */         \
    S(0xd9, 0xec) S(0xd9, 0xed) S(0xd9, 0xee)               /* FLDLG2 FLDLN2 FLDZ */               \
    S(0xd9, 0xf0) S(0xd9, 0xf1) S(0xd9, 0xf2) S(0xd9, 0xf3) /* F2XM1 FYL2X FPTAN FPATAN */         \
    S(0xd9, 0xf4) S(0xd9, 0xf5) S(0xd9, 0xf6) S(0xd9, 0xf7) /* FXTRACT FPREM1 FDECSTP FINCSTP */   \
    S(0xd9, 0xf8) S(0xd9, 0xf9) S(0xd9, 0xfa) S(0xd9, 0xfb) /* FPREM FYL2XP1 FSQRT FSINCOS */      \
    S(0xd9, 0xfc) S(0xd9, 0xfd) S(0xd9, 0xfe) S(0xd9, 0xff) /* FRNDINT FSCALE FSIN FCOS */         \
    S(0xda, 0xe9)                                           /* FUCOMPP */                          \
    S(0xde, 0xd9)                                           /* FCOMPP */

enum { X87_MEM_LOAD, X87_MEM_STORE };

/* Memory forms that compute (the environment and control-word forms are done in C):
 * escape byte, ModRM.reg, operand size in bytes, direction (SDM Vol 2 Tables A-7..A-22:
 * D8 m32fp, DA m32int, DC m64fp, DE m16int arithmetic; loads and stores of every
 * format under D9, DB, DD, DF). */
#define X87_MEM_FORMS(M)                                                                           \
    M(0xd8, 0, 4, LOAD) M(0xd8, 1, 4, LOAD) M(0xd8, 2, 4, LOAD) M(0xd8, 3, 4, LOAD)                \
    M(0xd8, 4, 4, LOAD) M(0xd8, 5, 4, LOAD) M(0xd8, 6, 4, LOAD) M(0xd8, 7, 4, LOAD)                \
    M(0xd9, 0, 4, LOAD) M(0xd9, 2, 4, STORE) M(0xd9, 3, 4, STORE)                                  \
    M(0xda, 0, 4, LOAD) M(0xda, 1, 4, LOAD) M(0xda, 2, 4, LOAD) M(0xda, 3, 4, LOAD)                \
    M(0xda, 4, 4, LOAD) M(0xda, 5, 4, LOAD) M(0xda, 6, 4, LOAD) M(0xda, 7, 4, LOAD)                \
    M(0xdb, 0, 4, LOAD) M(0xdb, 1, 4, STORE) M(0xdb, 2, 4, STORE) M(0xdb, 3, 4, STORE)             \
    M(0xdb, 5, 10, LOAD) M(0xdb, 7, 10, STORE)                                                     \
    M(0xdc, 0, 8, LOAD) M(0xdc, 1, 8, LOAD) M(0xdc, 2, 8, LOAD) M(0xdc, 3, 8, LOAD)                \
    M(0xdc, 4, 8, LOAD) M(0xdc, 5, 8, LOAD) M(0xdc, 6, 8, LOAD) M(0xdc, 7, 8, LOAD)                \
    M(0xdd, 0, 8, LOAD) M(0xdd, 1, 8, STORE) M(0xdd, 2, 8, STORE) M(0xdd, 3, 8, STORE)             \
    M(0xde, 0, 2, LOAD) M(0xde, 1, 2, LOAD) M(0xde, 2, 2, LOAD) M(0xde, 3, 2, LOAD)                \
    M(0xde, 4, 2, LOAD) M(0xde, 5, 2, LOAD) M(0xde, 6, 2, LOAD) M(0xde, 7, 2, LOAD)                \
    M(0xdf, 0, 2, LOAD) M(0xdf, 1, 2, STORE) M(0xdf, 2, 2, STORE) M(0xdf, 3, 2, STORE)             \
    M(0xdf, 4, 10, LOAD) M(0xdf, 5, 8, LOAD) M(0xdf, 6, 10, STORE) M(0xdf, 7, 8, STORE)

#define X87_DEF_GROUP(esc, base)                                                                   \
    X87_RUNNER(run_g_##esc##_##base##_0, #esc "," #base "+0")                                      \
    X87_RUNNER(run_g_##esc##_##base##_1, #esc "," #base "+1")                                      \
    X87_RUNNER(run_g_##esc##_##base##_2, #esc "," #base "+2")                                      \
    X87_RUNNER(run_g_##esc##_##base##_3, #esc "," #base "+3")                                      \
    X87_RUNNER(run_g_##esc##_##base##_4, #esc "," #base "+4")                                      \
    X87_RUNNER(run_g_##esc##_##base##_5, #esc "," #base "+5")                                      \
    X87_RUNNER(run_g_##esc##_##base##_6, #esc "," #base "+6")                                      \
    X87_RUNNER(run_g_##esc##_##base##_7, #esc "," #base "+7")
#define X87_DEF_SINGLE(esc, modrm) X87_RUNNER(run_s_##esc##_##modrm, #esc "," #modrm)
#define X87_DEF_MEM(esc, reg, size, dir) X87_RUNNER(run_m_##esc##_##reg, #esc "," #reg "*8")

X87_REG_GROUPS(X87_DEF_GROUP)
X87_REG_SINGLES(X87_DEF_SINGLE)
X87_MEM_FORMS(X87_DEF_MEM)

/* Register forms are indexed by the escape byte's low 3 bits and ModRM bits 5:0. */
#define X87_REG_INDEX(esc, modrm) ((((esc) & 7) << 6) | ((modrm) & 0x3f))
#define X87_ROW_GROUP(esc, base)                                                                   \
    [X87_REG_INDEX(esc, base) + 0] = run_g_##esc##_##base##_0,                                     \
    [X87_REG_INDEX(esc, base) + 1] = run_g_##esc##_##base##_1,                                     \
    [X87_REG_INDEX(esc, base) + 2] = run_g_##esc##_##base##_2,                                     \
    [X87_REG_INDEX(esc, base) + 3] = run_g_##esc##_##base##_3,                                     \
    [X87_REG_INDEX(esc, base) + 4] = run_g_##esc##_##base##_4,                                     \
    [X87_REG_INDEX(esc, base) + 5] = run_g_##esc##_##base##_5,                                     \
    [X87_REG_INDEX(esc, base) + 6] = run_g_##esc##_##base##_6,                                     \
    [X87_REG_INDEX(esc, base) + 7] = run_g_##esc##_##base##_7,
#define X87_ROW_SINGLE(esc, modrm) [X87_REG_INDEX(esc, modrm)] = run_s_##esc##_##modrm,

static const X87HostRun x87_reg_runners[8 * 64] = {
    X87_REG_GROUPS(X87_ROW_GROUP)
    X87_REG_SINGLES(X87_ROW_SINGLE)
};

typedef struct X87MemForm {
    X87HostRun run;
    uint8_t size;
    uint8_t dir;
} X87MemForm;

/* Memory forms are indexed by the escape byte's low 3 bits and ModRM.reg. */
#define X87_MEM_INDEX(esc, reg) ((((esc) & 7) << 3) | (reg))
#define X87_ROW_MEM(esc, reg, sz, d)                                                               \
    [X87_MEM_INDEX(esc, reg)] = {run_m_##esc##_##reg, sz, X87_MEM_##d},

static const X87MemForm x87_mem_forms[8 * 8] = {
    X87_MEM_FORMS(X87_ROW_MEM)
};
/* clang-format on */

/* ---- status word and tags ---- */

/* ES and B summarise the exception flags not masked by the control word: hardware
 * recomputes them whenever the flags or the masks change (FLDCW, FLDENV, FNSTENV). */
static uint16_t with_summary(uint16_t fpus, uint16_t fpuc)
{
    fpus &= (uint16_t) ~(FPUS_ES | FPUS_B);
    if (fpus & ~fpuc & FPUS_EXC)
        fpus |= FPUS_ES | FPUS_B;
    return fpus;
}

/* FLDCW keeps the mask, PC, RC and IC fields; bit 6 reads as 1 and bits 7 and 15:13
 * as 0 (what the host's FLDCW/FNSTCW return). */
static uint16_t control_word_value(uint16_t v)
{
    return (v & 0x1f3fu) | 0x0040u;
}

static unsigned tag_of(const X87Reg *r)
{
    /* SDM Vol 1 §8.1.7: 01 zero; 10 special: NaN, infinity, denormal (pseudo-denormal
     * too) and the unsupported encodings (unnormals, integer bit clear). */
    unsigned e = r->exp & 0x7fffu;
    if (e == 0x7fff)
        return 2;
    if (e == 0)
        return r->mant == 0 ? 1 : 2;
    return (r->mant >> 63) ? 0 : 2;
}

uint16_t x87_full_tag_word(const CPUX86State *env)
{
    uint16_t tw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (env->fptag >> (2 * i)) & 3;
        tw |= (uint16_t)((t == 3 ? 3 : tag_of(&env->fpregs[i])) << (2 * i));
    }
    return tw;
}

bool x87_ferr_asserted(const CPUX86State *env)
{
    return (env->fpus & FPUS_ES) && !(env->cr[0] & CR0_NE);
}

static uint16_t status_word(const CPUX86State *env)
{
    return (uint16_t)((env->fpus & ~FPUS_TOP) | ((env->fpstt & 7) << 11));
}

/* Drives this CPU's FERR# output, which the board turns into IRQ 13. */
static void set_ferr(CPUX86State *env, bool asserted)
{
    if (env->ferr == asserted)
        return;
    env->ferr = asserted;
    Machine *m = env_cpu(env)->machine;
    if (!m || !m->set_ferr)
        return;
    pthread_mutex_lock(&m->lock);
    m->set_ferr(m->set_ferr_opaque, env_cpu(env)->index, asserted);
    pthread_mutex_unlock(&m->lock);
}

/* SDM Vol 1 §8.6 and Vol 3A §6.15 interrupt 16: a pending unmasked exception is
 * delivered before the waiting instruction; with CR0.NE = 0 through FERR# (Vol 1
 * Appendix D.2: MS-DOS compatibility mode). */
void x87_report_pending(CPUX86State *env)
{
    if (!(env->fpus & FPUS_ES))
        return;
    if (env->cr[0] & CR0_NE)
        x86_raise_exception(env, EXCP_MF);
    set_ferr(env, true);
}

void x87_update_ferr(CPUX86State *env)
{
    if (!(env->fpus & FPUS_ES))
        set_ferr(env, false);
}

void x87_release_ferr(CPUX86State *env)
{
    set_ferr(env, false);
}

static void wait_for_pending(CPUX86State *env)
{
    x87_report_pending(env);
}

/* ---- the guest state as a host image ---- */

static void reg_to_bytes(const X87Reg *r, uint8_t *b)
{
    memcpy(b, &r->mant, 8);
    memcpy(b + 8, &r->exp, 2);
}

static void reg_from_bytes(X87Reg *r, const uint8_t *b)
{
    memcpy(&r->mant, b, 8);
    memcpy(&r->exp, b + 8, 2);
}

/* The image loaded into the host: the guest's control word, TOP, condition codes and
 * tags, without exception flags (see the file comment). */
static void image_from_env(const CPUX86State *env, X87SaveImage *img)
{
    memset(img, 0, offsetof(X87SaveImage, st));
    img->fcw = env->fpuc;
    img->fsw = (uint16_t)((env->fpus & FPUS_CC) | ((env->fpstt & 7) << 11));
    img->ftw = env->fptag;
    for (unsigned i = 0; i < 8; i++)
        reg_to_bytes(&env->fpregs[(env->fpstt + i) & 7], img->st[i]);
}

/* Takes the host's result into env; returns the exception flags (and SF) the
 * instruction raised. The flags are sticky: they are added to the guest's. */
static uint16_t image_commit(CPUX86State *env, const X87SaveImage *img)
{
    unsigned top = (img->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++)
        reg_from_bytes(&env->fpregs[(top + i) & 7], img->st[i]);
    env->fpstt = top;
    env->fptag = img->ftw;
    uint16_t raised = img->fsw & (FPUS_EXC | FPUS_SF);
    uint16_t flags = (env->fpus & (FPUS_EXC | FPUS_SF)) | raised | (img->fsw & FPUS_CC);
    env->fpus = with_summary(flags, env->fpuc);
    return raised;
}

/* ---- guest memory ---- */

static void guest_read(CPUX86State *env, uint64_t linear, uint8_t *buf, unsigned size)
{
    for (unsigned done = 0; done < size;) {
        unsigned n = size - done >= 8 ? 8 : size - done >= 4 ? 4 : 2;
        uint64_t v = x86_ld(env, linear + done, n);
        memcpy(buf + done, &v, n);
        done += n;
    }
}

static void guest_write(CPUX86State *env, uint64_t linear, const uint8_t *buf, unsigned size)
{
    for (unsigned done = 0; done < size;) {
        unsigned n = size - done >= 8 ? 8 : size - done >= 4 ? 4 : 2;
        uint64_t v = 0;
        memcpy(&v, buf + done, n);
        x86_st(env, linear + done, v, n);
        done += n;
    }
}

/* ---- executing one instruction ---- */

/* Reserved register encodings that processors execute as another instruction (the
 * decoder accepts them, see opcodes.c): run them as that documented instruction
 * rather than as the host's alias, which can differ (an AMD host runs D9 D8+i
 * without FSTP's empty-register check). */
static unsigned canonical_reg_form(unsigned esc, unsigned modrm)
{
    unsigned i = modrm & 7, row = modrm & 0xf8;
    switch ((esc << 8) | row) {
    case 0xd9d8: /* FSTP1 */
    case 0xdfd0: /* FSTP8 */
    case 0xdfd8: /* FSTP9 */ return X87_REG_INDEX(0xdd, 0xd8 + i);
    case 0xdcd0: /* FCOM2 */ return X87_REG_INDEX(0xd8, 0xd0 + i);
    case 0xdcd8: /* FCOMP3 */
    case 0xded0: /* FCOMP5 */ return X87_REG_INDEX(0xd8, 0xd8 + i);
    case 0xddc8: /* FXCH4 */
    case 0xdfc8: /* FXCH7 */ return X87_REG_INDEX(0xd9, 0xc8 + i);
    case 0xdac0: /* FCMOVcc: the translator evaluated the condition into cond, */
    case 0xdac8: /* which FCMOVB (DA C0+i) tests as CF */
    case 0xdad0:
    case 0xdad8:
    case 0xdbc0:
    case 0xdbc8:
    case 0xdbd0:
    case 0xdbd8: return X87_REG_INDEX(0xda, 0xc0 + i);
    default: return X87_REG_INDEX(esc, modrm);
    }
}

static bool sets_eflags(unsigned esc, unsigned modrm)
{
    /* FUCOMI/FCOMI (DB E8-F7) and FUCOMIP/FCOMIP (DF E8-F7) */
    return (esc == 0xdb || esc == 0xdf) && modrm >= 0xe8 && modrm <= 0xf7;
}

static bool unmasked(const CPUX86State *env, uint16_t raised)
{
    return (raised & ~env->fpuc & FPUS_EXC) != 0;
}

/* Whether a store instruction wrote its destination. With its exceptions masked it
 * always does; with an unmasked one it may not (SDM Vol 1 §8.5: #I, and #O/#U for a
 * memory destination, leave the destination unchanged; #P does not). The first run
 * started from a zero-filled buffer; run again from all-ones: a buffer both runs left
 * as they found it was not written. */
static bool store_happened(CPUX86State *env, const X87MemForm *m, const X87HostFrame *first)
{
    if (!unmasked(env, first->img.fsw & FPUS_EXC))
        return true;
    X87HostFrame again = {.cond = first->cond};
    image_from_env(env, &again.img);
    memset(again.mem, 0xff, sizeof(again.mem));
    m->run(&again);
    for (unsigned i = 0; i < m->size; i++)
        if (first->mem[i] != 0 || again.mem[i] != 0xff)
            return true;
    return false;
}

/* EFLAGS from FCOMI and its variants: ZF, PF, CF as compared, OF/SF/AF cleared (SDM
 * Vol 2A FCOMI, "Flags Affected": OF, SF, AF are cleared whatever happens). Intel
 * leaves ZF, PF, CF unchanged when an unmasked #IA is raised (Table 3-22 note); AMD
 * writes them anyway: Pacifica follows Intel. */
static void set_compare_eflags(CPUX86State *env, const X87HostFrame *f, uint16_t raised)
{
    uint32_t zpc;
    if ((raised & FPUS_IE) && !(env->fpuc & FPUS_IE))
        zpc = x86_read_eflags(env) & (CC_Z | CC_P | CC_C);
    else
        zpc = (f->zf ? CC_Z : 0) | (f->pf ? CC_P : 0) | (f->cf ? CC_C : 0);
    env->cc_src = zpc;
    env->cc_op = CC_OP_EFLAGS;
}

/* SDM Vol 1 §8.1.8: every non-control instruction records its CS:EIP and opcode, and
 * DS:offset of its memory operand when it has one. */
static void record_pointers(CPUX86State *env, unsigned enc, uint64_t eip, uint64_t ea_offset)
{
    unsigned fop = enc & X87_ENC_FOP_MASK;
    env->fpip = eip;
    env->fpcs = (uint16_t)env->segs[R_CS].selector;
    env->fpop = (uint16_t)fop;
    if ((fop & 0xc0) != 0xc0) {
        unsigned seg = (enc >> X87_ENC_SEG_SHIFT) & 7;
        env->fpdp = ea_offset;
        env->fpds = (uint16_t)env->segs[seg < 6 ? seg : R_DS].selector;
    }
}

static uint16_t exec_memory_form(CPUX86State *env, unsigned fop, uint64_t linear, X87HostFrame *f)
{
    const X87MemForm *m = &x87_mem_forms[X87_MEM_INDEX(fop >> 8, (fop >> 3) & 7)];
    if (!m->run)
        x86_raise_exception(env, EXCP_UD);
    /* SDM 3A Table 6-7: word 2, single and dword 4, double, qword and extended
     * (10 bytes) 8; packed BCD (10 bytes) is not listed: checked as extended */
    x86_check_alignment(env, linear, m->size >= 8 ? 8 : m->size);
    if (m->dir == X87_MEM_LOAD)
        guest_read(env, linear, f->mem, m->size);
    image_from_env(env, &f->img);
    m->run(f);
    /* The store comes before any change to the guest state: if it faults, the
     * instruction restarts from an untouched state. */
    if (m->dir == X87_MEM_STORE && store_happened(env, m, f))
        guest_write(env, linear, f->mem, m->size);
    return image_commit(env, &f->img);
}

void helper_x87_exec(CPUX86State *env, uint64_t enc, uint64_t linear, uint64_t eip,
                     uint64_t ea_offset)
{
    unsigned fop = (unsigned)enc & X87_ENC_FOP_MASK;
    unsigned esc = 0xd8 | (fop >> 8), modrm = fop & 0xff;
    X87HostFrame f = {.cond = (enc & X87_ENC_COND) ? 1 : 0};
    wait_for_pending(env);
    if ((modrm & 0xc0) != 0xc0) {
        exec_memory_form(env, fop, linear, &f);
    } else {
        X87HostRun run = x87_reg_runners[canonical_reg_form(esc, modrm)];
        if (!run)
            x86_raise_exception(env, EXCP_UD);
        image_from_env(env, &f.img);
        run(&f);
        uint16_t raised = image_commit(env, &f.img);
        if (sets_eflags(esc, modrm))
            set_compare_eflags(env, &f, raised);
    }
    record_pointers(env, (unsigned)enc, eip, ea_offset);
}

/* ---- control instructions ---- */

void helper_x87_fwait(CPUX86State *env)
{
    wait_for_pending(env);
}

/* SDM Vol 2A FINIT/FNINIT: control word 037Fh, status 0, every register empty, the
 * instruction and data pointers and the opcode cleared; register contents stay. */
void helper_x87_fninit(CPUX86State *env)
{
    env->fpuc = FPUC_INIT;
    env->fpus = 0;
    env->fpstt = 0;
    env->fptag = 0xffff;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
    env->fpop = 0;
    x87_update_ferr(env);
}

/* SDM Vol 2A FCLEX/FNCLEX: clears PE UE OE ZE DE IE, SF, ES and B; C0-C3 stay. */
void helper_x87_fnclex(CPUX86State *env)
{
    env->fpus &= (uint16_t) ~(FPUS_EXC | FPUS_SF | FPUS_ES | FPUS_B);
    x87_update_ferr(env);
}

/* SDM Vol 2A FLDCW: unmasking a flag already set makes the exception pending (ES),
 * to be delivered at the next waiting instruction. */
void helper_x87_fldcw(CPUX86State *env, uint64_t linear)
{
    wait_for_pending(env);
    x86_check_alignment(env, linear, 2);
    uint16_t cw = (uint16_t)x86_ld(env, linear, 2);
    env->fpuc = control_word_value(cw);
    env->fpus = with_summary(env->fpus, env->fpuc);
}

uint64_t helper_x87_fnstsw(CPUX86State *env)
{
    return status_word(env);
}

/* ---- environment images (SDM Vol 1 §8.1.10, Figures 8-9 to 8-12) ---- */

static void put16(uint8_t *b, unsigned off, uint32_t v)
{
    b[off] = (uint8_t)v;
    b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
    put16(b, off, v);
    put16(b, off + 2, v >> 16);
}

static uint32_t get16(const uint8_t *b, unsigned off)
{
    return b[off] | ((uint32_t)b[off + 1] << 8);
}

static uint32_t get32(const uint8_t *b, unsigned off)
{
    return get16(b, off) | (get16(b, off + 2) << 16);
}

static unsigned env_image_size(unsigned layout)
{
    return (layout & X87_ENV_32BIT) ? 28 : 14;
}

/* SDM 3A Table 6-7: the FSTENV/FLDENV and FSAVE/FRSTOR areas are aligned to 4 with a
 * 32-bit operand size, to 2 with a 16-bit one. */
static void check_image_alignment(CPUX86State *env, uint64_t linear, unsigned layout)
{
    x86_check_alignment(env, linear, (layout & X87_ENV_32BIT) ? 4 : 2);
}

/* In real-address and virtual-8086 mode the pointers are stored as 20-bit (32-bit
 * format: 32-bit) linear addresses. */
static uint32_t real_pointer(uint16_t sel, uint64_t offset)
{
    return ((uint32_t)sel << 4) + (uint32_t)offset;
}

/* The reserved upper halves of the 32-bit layout are written as ones, as hardware
 * does. */
static void write_env_image(const CPUX86State *env, uint8_t *b, unsigned layout)
{
    uint16_t cw = env->fpuc, sw = status_word(env), tw = x87_full_tag_word(env);
    unsigned fop = env->fpop & X87_ENC_FOP_MASK;
    uint32_t ip = (uint32_t)env->fpip, dp = (uint32_t)env->fpdp;
    if (layout & X87_ENV_REAL) {
        ip = real_pointer(env->fpcs, env->fpip);
        dp = real_pointer(env->fpds, env->fpdp);
    }
    if (!(layout & X87_ENV_32BIT)) {
        put16(b, 0, cw);
        put16(b, 2, sw);
        put16(b, 4, tw);
        put16(b, 6, ip);
        if (layout & X87_ENV_REAL) {
            put16(b, 8, ((ip >> 16) & 0xf) << 12 | fop); /* Figure 8-12 */
            put16(b, 10, dp);
            put16(b, 12, ((dp >> 16) & 0xf) << 12);
        } else {
            put16(b, 8, env->fpcs); /* Figure 8-11 */
            put16(b, 10, dp);
            put16(b, 12, env->fpds);
        }
        return;
    }
    put32(b, 0, 0xffff0000u | cw);
    put32(b, 4, 0xffff0000u | sw);
    put32(b, 8, 0xffff0000u | tw);
    if (layout & X87_ENV_REAL) { /* Figure 8-10 */
        put32(b, 12, 0xffff0000u | (ip & 0xffff));
        put32(b, 16, (ip >> 16) << 12 | fop);
        put32(b, 20, 0xffff0000u | (dp & 0xffff));
        put32(b, 24, (dp >> 16) << 12);
    } else { /* Figure 8-9 */
        put32(b, 12, ip);
        put32(b, 16, env->fpcs | (uint32_t)fop << 16);
        put32(b, 20, dp);
        put32(b, 24, 0xffff0000u | env->fpds);
    }
}

/* Loads an environment image. The tags only say which registers are empty: the
 * others are reclassified from their contents by whoever reads the full tag word,
 * as hardware does. */
static void read_env_image(CPUX86State *env, const uint8_t *b, unsigned layout)
{
    bool real = layout & X87_ENV_REAL;
    uint32_t sw, tw;
    env->fpuc = control_word_value((uint16_t)get16(b, 0));
    if (!(layout & X87_ENV_32BIT)) {
        sw = get16(b, 2);
        tw = get16(b, 4);
        uint32_t w8 = get16(b, 8), w12 = get16(b, 12);
        env->fpip = real ? get16(b, 6) | (w8 >> 12) << 16 : get16(b, 6);
        env->fpop = real ? (uint16_t)(w8 & 0x7ff) : 0;
        env->fpcs = real ? 0 : (uint16_t)w8;
        env->fpdp = real ? get16(b, 10) | (w12 >> 12) << 16 : get16(b, 10);
        env->fpds = real ? 0 : (uint16_t)w12;
    } else {
        sw = get16(b, 4);
        tw = get16(b, 8);
        uint32_t d16 = get32(b, 16), d24 = get32(b, 24);
        env->fpip = real ? get16(b, 12) | ((d16 >> 12) & 0xffff) << 16 : get32(b, 12);
        env->fpop = (uint16_t)((real ? d16 : d16 >> 16) & 0x7ff);
        env->fpcs = real ? 0 : (uint16_t)d16;
        env->fpdp = real ? get16(b, 20) | ((d24 >> 12) & 0xffff) << 16 : get32(b, 20);
        env->fpds = real ? 0 : (uint16_t)d24;
    }
    env->fpstt = (sw >> 11) & 7;
    env->fpus = with_summary((uint16_t)(sw & ~FPUS_TOP), env->fpuc);
    uint16_t tags = 0;
    for (unsigned i = 0; i < 8; i++)
        tags |= (uint16_t)((((tw >> (2 * i)) & 3) == 3 ? 3 : 0) << (2 * i));
    env->fptag = tags;
}

static void normalize_tags(CPUX86State *env)
{
    env->fptag = x87_full_tag_word(env);
}

void helper_x87_fldenv(CPUX86State *env, uint64_t linear, uint64_t layout)
{
    uint8_t b[28];
    wait_for_pending(env);
    check_image_alignment(env, linear, (unsigned)layout);
    guest_read(env, linear, b, env_image_size((unsigned)layout));
    read_env_image(env, b, (unsigned)layout);
    normalize_tags(env);
    x87_update_ferr(env);
}

/* SDM Vol 2A FSTENV/FNSTENV: stores the environment, then masks every exception. */
void helper_x87_fnstenv(CPUX86State *env, uint64_t linear, uint64_t layout)
{
    uint8_t b[28];
    unsigned size = env_image_size((unsigned)layout);
    write_env_image(env, b, (unsigned)layout);
    check_image_alignment(env, linear, (unsigned)layout);
    guest_write(env, linear, b, size);
    env->fpuc |= FPUS_EXC;
    env->fpus = with_summary(env->fpus, env->fpuc);
}

/* SDM Vol 2A FRSTOR: the environment, then ST(0)..ST(7) as 80-bit values. */
void helper_x87_frstor(CPUX86State *env, uint64_t linear, uint64_t layout)
{
    uint8_t b[28 + 80];
    unsigned size = env_image_size((unsigned)layout);
    wait_for_pending(env);
    check_image_alignment(env, linear, (unsigned)layout);
    guest_read(env, linear, b, size + 80);
    read_env_image(env, b, (unsigned)layout);
    for (unsigned i = 0; i < 8; i++)
        reg_from_bytes(&env->fpregs[(env->fpstt + i) & 7], b + size + 10 * i);
    normalize_tags(env);
    x87_update_ferr(env);
}

/* SDM Vol 2A FSAVE/FNSAVE: stores as FRSTOR loads, then initialises as FNINIT. */
void helper_x87_fnsave(CPUX86State *env, uint64_t linear, uint64_t layout)
{
    uint8_t b[28 + 80];
    unsigned size = env_image_size((unsigned)layout);
    write_env_image(env, b, (unsigned)layout);
    for (unsigned i = 0; i < 8; i++)
        reg_to_bytes(&env->fpregs[(env->fpstt + i) & 7], b + size + 10 * i);
    check_image_alignment(env, linear, (unsigned)layout);
    guest_write(env, linear, b, size + 80);
    helper_x87_fninit(env);
}
