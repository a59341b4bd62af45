/* Lowering of the x87 FPU. Every computing instruction becomes one call of
 * helper_x87_exec, which runs it on the host FPU (cpu/x86/fpu_helper.c); control
 * instructions call their own helpers. What is decided here, at translation time:
 * #NM from CR0.EM/TS/MP (part of the block's key through hflags), the memory
 * operand's address, FCMOVcc's condition and the pointers FIP/FDP record. */
#include "cpu/x86/fpu_helper.h"
#include "cpu/x86/translate.h"

/* SDM Vol 3A §2.5, Table 2-2: with CR0.EM or CR0.TS set, an x87 instruction raises
 * #NM (device not available) before anything else. Returns false if it did. */
static bool gen_check_fpu_available(DisasContext *d)
{
    if (d->flags & (HF_EM | HF_TS)) {
        gen_exception(d, EXCP_NM);
        return false;
    }
    return true;
}

/* FOP (SDM Vol 1 §8.1.9): the escape byte's low 3 bits, then the ModRM byte. */
static unsigned x87_fop(const DisasContext *d)
{
    return ((d->insn.opcode & 7u) << 8) | d->insn.modrm;
}

/* Condition FCMOVcc moves on, in the Jcc encoding (SDM Vol 2A FCMOVcc). */
static int fcmov_condition(unsigned op)
{
    switch (op) {
    case X86_OP_FCMOVB: return 0x2;
    case X86_OP_FCMOVNB: return 0x3;
    case X86_OP_FCMOVE: return 0x4;
    case X86_OP_FCMOVNE: return 0x5;
    case X86_OP_FCMOVBE: return 0x6;
    case X86_OP_FCMOVNBE: return 0x7;
    case X86_OP_FCMOVU: return 0xa;
    case X86_OP_FCMOVNU: return 0xb;
    default: return -1;
    }
}

/* Arithmetic, loads and stores, compares, constants, transcendentals, FXCH, FFREE,
 * FCMOVcc...: the host executes the same instruction. */
static void lower_x87_exec(DisasContext *d)
{
    if (!gen_check_fpu_available(d))
        return;
    uint64_t enc = x87_fop(d);
    TCGv linear = cst(d, 0), offset = cst(d, 0);
    if (d->insn.mod != 3) {
        int seg = modrm_seg(d);
        offset = gen_ea_offset(d);
        linear = gen_linear(d, seg, offset);
        enc |= (uint64_t)seg << X87_ENC_SEG_SHIFT;
    }
    TCGv e = cst(d, (int64_t)enc);
    int cc = fcmov_condition(d->insn.op);
    if (cc >= 0) {
        TCGv c = gen_cond(d, (unsigned)cc);
        e = tmp(d);
        tcg_gen_shli(d->s, c, c, 15); /* X87_ENC_COND */
        tcg_gen_ori(d->s, e, c, (int64_t)enc);
    }
    CALL(d, x87_exec, d->s->env, e, linear, cst(d, (int64_t)d->eip), offset);
}

/* FNENI, FNDISI (8087) and FNSETPM (80287) do nothing on the 80387 and later (SDM
 * Vol 1 §8.3.13); being x87 escapes they still raise #NM. */
static void lower_x87_ignored(DisasContext *d)
{
    gen_check_fpu_available(d);
}

/* SDM Vol 2B WAIT/FWAIT: #NM only when CR0.MP and CR0.TS are both set. */
static void lower_fwait(DisasContext *d)
{
    if ((d->flags & (HF_MP | HF_TS)) == (HF_MP | HF_TS)) {
        gen_exception(d, EXCP_NM);
        return;
    }
    CALL(d, x87_fwait, d->s->env);
}

static void lower_fninit(DisasContext *d)
{
    if (gen_check_fpu_available(d))
        CALL(d, x87_fninit, d->s->env);
}

static void lower_fnclex(DisasContext *d)
{
    if (gen_check_fpu_available(d))
        CALL(d, x87_fnclex, d->s->env);
}

static void lower_fldcw(DisasContext *d)
{
    if (gen_check_fpu_available(d))
        CALL(d, x87_fldcw, d->s->env, gen_ea(d));
}

static void lower_fnstcw(DisasContext *d)
{
    if (!gen_check_fpu_available(d))
        return;
    TCGv addr = gen_ea(d);
    TCGv cw = tmp(d);
    tcg_gen_ld(d->s, INDEX_op_ld16u, cw, d->s->env, offsetof(CPUX86State, fpuc));
    gen_st_mem(d, addr, cw, 2);
}

/* FNSTSW m16 and FNSTSW AX (DF E0). */
static void lower_fnstsw(DisasContext *d)
{
    if (!gen_check_fpu_available(d))
        return;
    if (d->insn.mod == 3) {
        gen_st_reg(d, R_EAX, 2, CALL(d, x87_fnstsw, d->s->env));
        return;
    }
    TCGv addr = gen_ea(d);
    gen_st_mem(d, addr, CALL(d, x87_fnstsw, d->s->env), 2);
}

/* FLDENV, FNSTENV, FRSTOR, FNSAVE: the image's layout follows the operand size and
 * the mode (SDM Vol 1 §8.1.10); in 64-bit mode it is the 32-bit one. */
static void lower_x87_env(DisasContext *d)
{
    if (!gen_check_fpu_available(d))
        return;
    unsigned layout = 0;
    if (d->insn.opsize != 2)
        layout |= X87_ENV_32BIT;
    if (!(d->flags & HF_PE) || (d->flags & HF_VM))
        layout |= X87_ENV_REAL;
    TCGv addr = gen_ea(d);
    TCGv l = cst(d, layout);
    switch (d->insn.op) {
    case X86_OP_FLDENV: CALL(d, x87_fldenv, d->s->env, addr, l); break;
    case X86_OP_FNSTENV: CALL(d, x87_fnstenv, d->s->env, addr, l); break;
    case X86_OP_FRSTOR: CALL(d, x87_frstor, d->s->env, addr, l); break;
    default: CALL(d, x87_fnsave, d->s->env, addr, l); break;
    }
}

/* clang-format off */
#define EXEC(name) {X86_OP_##name, lower_x87_exec}

const X86Lowering x86_lowerings_fpu[] = {
    EXEC(FADD),    EXEC(FMUL),     EXEC(FCOM),    EXEC(FCOMP),    EXEC(FSUB),    EXEC(FSUBR),
    EXEC(FDIV),    EXEC(FDIVR),    EXEC(FADDP),   EXEC(FMULP),    EXEC(FCOMPP),  EXEC(FSUBP),
    EXEC(FSUBRP),  EXEC(FDIVP),    EXEC(FDIVRP),  EXEC(FIADD),    EXEC(FIMUL),   EXEC(FICOM),
    EXEC(FICOMP),  EXEC(FISUB),    EXEC(FISUBR),  EXEC(FIDIV),    EXEC(FIDIVR),  EXEC(FLD),
    EXEC(FST),     EXEC(FSTP),     EXEC(FILD),    EXEC(FIST),     EXEC(FISTP),   EXEC(FISTTP),
    EXEC(FBLD),    EXEC(FBSTP),    EXEC(FXCH),    EXEC(FNOP),     EXEC(FCHS),    EXEC(FABS),
    EXEC(FTST),    EXEC(FXAM),     EXEC(FLD1),    EXEC(FLDL2T),   EXEC(FLDL2E),  EXEC(FLDPI),
    EXEC(FLDLG2),  EXEC(FLDLN2),   EXEC(FLDZ),    EXEC(F2XM1),    EXEC(FYL2X),   EXEC(FPTAN),
    EXEC(FPATAN),  EXEC(FXTRACT),  EXEC(FPREM1),  EXEC(FDECSTP),  EXEC(FINCSTP), EXEC(FPREM),
    EXEC(FYL2XP1), EXEC(FSQRT),    EXEC(FSINCOS), EXEC(FRNDINT),  EXEC(FSCALE),  EXEC(FSIN),
    EXEC(FCOS),    EXEC(FCMOVB),   EXEC(FCMOVE),  EXEC(FCMOVBE),  EXEC(FCMOVU),  EXEC(FCMOVNB),
    EXEC(FCMOVNE), EXEC(FCMOVNBE), EXEC(FCMOVNU), EXEC(FUCOM),    EXEC(FUCOMP),  EXEC(FUCOMPP),
    EXEC(FUCOMI),  EXEC(FUCOMIP),  EXEC(FCOMI),   EXEC(FCOMIP),   EXEC(FFREE),   EXEC(FFREEP),
    {X86_OP_FLDENV, lower_x87_env},     {X86_OP_FNSTENV, lower_x87_env},
    {X86_OP_FRSTOR, lower_x87_env},     {X86_OP_FNSAVE, lower_x87_env},
    {X86_OP_FLDCW, lower_fldcw},        {X86_OP_FNSTCW, lower_fnstcw},
    {X86_OP_FNSTSW, lower_fnstsw},      {X86_OP_FNINIT, lower_fninit},
    {X86_OP_FNCLEX, lower_fnclex},      {X86_OP_FNENI, lower_x87_ignored},
    {X86_OP_FNDISI, lower_x87_ignored}, {X86_OP_FNSETPM, lower_x87_ignored},
    {X86_OP_FWAIT, lower_fwait},        {0, NULL},
};
/* clang-format on */
