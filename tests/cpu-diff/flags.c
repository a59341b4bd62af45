/* Which arithmetic flags (and x87 condition codes) each instruction reads, defines and
 * leaves undefined: the only things the differential tests do not compare.
 *
 * Sources: SDM Vol 1 Appendix A (EFLAGS Cross-Reference, Table A-2) and the "Flags
 * Affected" section of each instruction in SDM Vol 2; for the x87 condition codes the
 * "FPU Flags Affected" sections. Pacifica models Intel; where the host (an AMD part in
 * CI) defines a flag that Intel leaves undefined, the flag is undefined here too.
 *
 * An instruction whose *result* the SDM leaves undefined for some inputs (16-bit SHLD
 * by more than 16) is refused unless the inputs are known to be fine, and the upper half
 * of a 32-bit BSF/BSR destination with a zero source (unchanged on AMD, cleared on
 * Intel) is masked.
 */
#include "tests/cpu-diff/cpu-diff.h"

#include "cpu/x86/cpu.h"

#define OF   CC_O
#define SF   CC_S
#define ZF   CC_Z
#define AF   CC_A
#define PF   CC_P
#define CF   CC_C
#define ALL6 (OF | SF | ZF | AF | PF | CF)

/* Flags a condition code reads (SDM Vol 1 Table B-1, Vol 2 Jcc). */
static uint32_t cond_flags(unsigned cc)
{
    static const uint32_t by_pair[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};
    return by_pair[(cc >> 1) & 7];
}

/* The count operand of a shift/rotate: its value if known, else -1. */
static int64_t count_value(const X86Insn *in, unsigned opnd_index, const DiffState *known)
{
    switch (in->entry->opnd[opnd_index]) {
    case OPND_ONE: return 1;
    case OPND_Ib: return (int64_t)(in->imm & 0xff);
    case OPND_CL: return known ? (int64_t)(known->r.gpr[1] & 0xff) : -1;
    default: return -1;
    }
}

/* SDM Vol 2 SAL/SAR/SHL/SHR: the count is masked to 5 bits (6 with REX.W). A zero
 * count affects no flag. Otherwise SF, ZF, PF follow the result and AF is undefined; OF
 * is defined for 1-bit shifts only; CF is the last bit shifted out, undefined for SHL
 * and SHR when the count is at least the operand width. */
static void shift_effect(const X86Insn *in, const DiffState *known, FlagEffect *fx)
{
    int64_t count = count_value(in, 1, known);
    unsigned bits = in->opsize * 8;
    if (count < 0) {
        /* Unknown: nothing is surely defined; what may be undefined is. */
        fx->undef = OF | AF;
        if (in->op != X86_OP_SAR && bits < 32)
            fx->undef |= CF;
        return;
    }
    count &= in->opsize == 8 ? 63 : 31;
    if (count == 0)
        return;
    fx->written = SF | ZF | PF | CF | OF;
    fx->undef = AF;
    if (count != 1)
        fx->undef |= OF;
    if (in->op != X86_OP_SAR && count >= bits)
        fx->undef |= CF;
    fx->written &= ~fx->undef;
}

/* SDM Vol 2 RCL/RCR/ROL/ROR: only CF and OF change; nothing for a zero masked count;
 * OF is defined for 1-bit rotates only. RCL/RCR read CF. */
static void rotate_effect(const X86Insn *in, const DiffState *known, FlagEffect *fx)
{
    if (in->op == X86_OP_RCL || in->op == X86_OP_RCR)
        fx->read = CF;
    int64_t count = count_value(in, 1, known);
    if (count < 0) {
        fx->undef = OF;
        return;
    }
    count &= in->opsize == 8 ? 63 : 31;
    if (count == 0)
        return;
    fx->written = CF | (count == 1 ? OF : 0);
    fx->undef = count == 1 ? 0 : OF;
}

/* SDM Vol 2 SHLD/SHRD: count masked to 5 bits (6 for 64-bit operands); zero affects
 * nothing; a count larger than the operand size leaves the destination and the flags
 * undefined (possible only for 16-bit operands). CF is the last bit shifted out, OF is
 * defined for 1-bit shifts, AF is undefined. */
static bool shiftd_effect(const X86Insn *in, const DiffState *known, FlagEffect *fx)
{
    int64_t count = count_value(in, 2, known);
    unsigned bits = in->opsize * 8;
    if (count < 0) {
        if (bits == 16)
            return false;
        fx->undef = OF | AF;
        return true;
    }
    count &= in->opsize == 8 ? 63 : 31;
    if (count == 0)
        return true;
    if (count > bits)
        return false;
    fx->written = SF | ZF | PF | CF | (count == 1 ? OF : 0);
    fx->undef = AF | (count == 1 ? 0 : OF);
    return true;
}

/* The value of the r/m source of insn if it is known, for BSF/BSR. */
static bool rm_source_value(const X86Insn *in, DiffMode mode, const DiffState *known, uint64_t *v)
{
    if (!known)
        return false;
    uint64_t mask = in->opsize == 8 ? ~0ull : (1ull << (8 * in->opsize)) - 1;
    if (in->mod == 3) {
        *v = known->r.gpr[in->rm] & mask;
        return true;
    }
    if (in->rip_relative)
        return false;
    uint64_t ea = (uint64_t)in->disp;
    if (in->base >= 0)
        ea += known->r.gpr[in->base];
    if (in->index >= 0)
        ea += known->r.gpr[in->index] << in->scale;
    if (in->addrsize == 4 || mode == DIFF_MODE_32)
        ea &= 0xffffffffu;
    if (ea < CD_DATA || ea + in->opsize > CD_DATA + CD_DATA_SIZE)
        return false;
    *v = 0;
    for (unsigned i = 0; i < in->opsize; i++)
        *v |= (uint64_t)known->m.data[ea - CD_DATA + i] << (8 * i);
    return true;
}

/* SDM Vol 2 BSF/BSR: ZF is set when the source is zero, the other flags are undefined.
 * With a zero source the destination is "undefined": AMD documents it unchanged, Intel
 * parts leave it unchanged too except that a 32-bit operation in 64-bit mode clears
 * the upper half. That half is masked, when the source may be zero. */
static void bitscan_effect(const X86Insn *in, DiffMode mode, const DiffState *known, FlagEffect *fx)
{
    fx->written = ZF;
    fx->undef = CF | OF | SF | AF | PF;
    uint64_t v;
    if (mode == DIFF_MODE_64 && in->opsize == 4 &&
        !(rm_source_value(in, mode, known, &v) && v != 0))
        fx->gpr_upper_undef = in->reg;
}

static bool string_count_known_nonzero(const X86Insn *in, const DiffState *known)
{
    if (!in->rep)
        return true;
    if (!known)
        return false;
    uint64_t mask = in->addrsize == 8 ? ~0ull : (1ull << (8 * in->addrsize)) - 1;
    return (known->r.gpr[1] & mask) != 0;
}

/* x87 condition codes, SDM Vol 2 "FPU Flags Affected": most arithmetic and load/store
 * instructions define C1 (stack fault / rounded up) and leave C0, C2, C3 undefined;
 * compares, FXAM and the partial remainders define all four; FNINIT clears them. */
static void x87_effect(const X86Insn *in, bool im_masked, FlagEffect *fx)
{
    switch (in->op) {
    case X86_OP_FCOM:
    case X86_OP_FCOMP:
    case X86_OP_FCOMPP:
    case X86_OP_FUCOM:
    case X86_OP_FUCOMP:
    case X86_OP_FUCOMPP:
    case X86_OP_FICOM:
    case X86_OP_FICOMP:
    case X86_OP_FTST:
    case X86_OP_FXAM:
    case X86_OP_FPREM:
    case X86_OP_FPREM1:
    case X86_OP_FNINIT: fx->fsw_written = FSW_CC; break;
    case X86_OP_FCOMI:
    case X86_OP_FCOMIP:
    case X86_OP_FUCOMI:
    case X86_OP_FUCOMIP:
        /* SDM: ZF, PF, CF set; OF, SF, AF cleared; C1 cleared, C0/C2/C3 unaffected.
         * With an unmasked invalid-operation exception Intel leaves ZF, PF, CF alone
         * while AMD sets them: not comparable unless FCW.IM is known to be set. */
        fx->written = ALL6;
        if (!im_masked) {
            fx->written = OF | SF | AF;
            fx->undef = ZF | PF | CF;
        }
        fx->fsw_written = FSW_C1;
        break;
    case X86_OP_FNSTSW:
    case X86_OP_FNSTENV:
    case X86_OP_FNSAVE:
        /* they store the status word: its undefined bits must not reach memory */
        fx->fsw_read = FSW_CC;
        break;
    case X86_OP_FNSTCW:
    case X86_OP_FLDCW:
    case X86_OP_FNCLEX:
    case X86_OP_FFREE:
    case X86_OP_FFREEP:
    case X86_OP_FNOP:
    case X86_OP_FWAIT:
        if (in->op != X86_OP_FWAIT)
            fx->fsw_undef = FSW_CC;
        break;
    case X86_OP_FCMOVB:
    case X86_OP_FCMOVNB: fx->read = CF; goto arith;
    case X86_OP_FCMOVE:
    case X86_OP_FCMOVNE: fx->read = ZF; goto arith;
    case X86_OP_FCMOVBE:
    case X86_OP_FCMOVNBE: fx->read = CF | ZF; goto arith;
    case X86_OP_FCMOVU:
    case X86_OP_FCMOVNU: fx->read = PF; goto arith;
    default:
    arith:
        fx->fsw_written = FSW_C1;
        fx->fsw_undef = FSW_C0 | FSW_C2 | FSW_C3;
        break;
    }
}

static bool is_x87(unsigned op)
{
#define X87_CASE(name) case X86_OP_##name:
    switch (op) {
        X86_OPS_X87(X87_CASE)
        return true;
    default: return false;
    }
#undef X87_CASE
}

bool flag_effect(const X86Insn *in, DiffMode mode, const DiffState *known, bool im_masked,
                 FlagEffect *fx)
{
    *fx = (FlagEffect){.gpr_upper_undef = -1};
    switch (in->op) {
    case X86_OP_ADD:
    case X86_OP_SUB:
    case X86_OP_CMP:
    case X86_OP_NEG:
    case X86_OP_CMPXCHG:
    case X86_OP_XADD: fx->written = ALL6; break;
    case X86_OP_ADC:
    case X86_OP_SBB:
        fx->read = CF;
        fx->written = ALL6;
        break;
    /* SDM Vol 2 AND/OR/XOR/TEST: OF, CF cleared; SF, ZF, PF by result; AF undefined */
    case X86_OP_AND:
    case X86_OP_OR:
    case X86_OP_XOR:
    case X86_OP_TEST:
        fx->written = OF | SF | ZF | PF | CF;
        fx->undef = AF;
        break;
    /* INC/DEC: CF unaffected */
    case X86_OP_INC:
    case X86_OP_DEC: fx->written = OF | SF | ZF | AF | PF; break;
    /* MUL/IMUL: OF, CF defined; SF, ZF, AF, PF undefined */
    case X86_OP_MUL:
    case X86_OP_IMUL:
        fx->written = OF | CF;
        fx->undef = SF | ZF | AF | PF;
        break;
    /* DIV/IDIV: all six undefined */
    case X86_OP_DIV:
    case X86_OP_IDIV: fx->undef = ALL6; break;
    case X86_OP_SHL:
    case X86_OP_SHR:
    case X86_OP_SAR: shift_effect(in, known, fx); break;
    case X86_OP_ROL:
    case X86_OP_ROR:
    case X86_OP_RCL:
    case X86_OP_RCR: rotate_effect(in, known, fx); break;
    case X86_OP_SHLD:
    case X86_OP_SHRD: return shiftd_effect(in, known, fx);
    /* BT/BTS/BTR/BTC: CF is the bit; OF, SF, AF, PF undefined; ZF unaffected */
    case X86_OP_BT:
    case X86_OP_BTS:
    case X86_OP_BTR:
    case X86_OP_BTC:
        fx->written = CF;
        fx->undef = OF | SF | AF | PF;
        break;
    case X86_OP_BSF:
    case X86_OP_BSR: bitscan_effect(in, mode, known, fx); break;
    /* TZCNT/LZCNT: ZF (result zero), CF (source zero); OF, SF, PF, AF undefined */
    case X86_OP_TZCNT:
    case X86_OP_LZCNT:
        fx->written = ZF | CF;
        fx->undef = OF | SF | PF | AF;
        break;
    /* POPCNT: OF, SF, AF, CF, PF cleared; ZF by result */
    case X86_OP_POPCNT: fx->written = ALL6; break;
    case X86_OP_JCC:
    case X86_OP_SETCC:
    case X86_OP_CMOVCC: fx->read = cond_flags(in->cc); break;
    case X86_OP_LOOPE:
    case X86_OP_LOOPNE: fx->read = ZF; break;
    case X86_OP_INTO: fx->read = OF; break;
    case X86_OP_CLC:
    case X86_OP_STC: fx->written = CF; break;
    case X86_OP_CMC:
        fx->read = CF;
        fx->written = CF;
        break;
    /* LAHF reads SF ZF AF PF CF; SAHF loads them from AH */
    case X86_OP_LAHF: fx->read = SF | ZF | AF | PF | CF; break;
    case X86_OP_SAHF: fx->written = SF | ZF | AF | PF | CF; break;
    /* NT is popped like the arithmetic flags, but the CI host (a PVM guest) sometimes
     * reads it back clear after a POPF that set it (the hypervisor's doing, not the
     * SDM's: Vol 2B POPF loads NT at every CPL). It is left unchecked after a POPF, and
     * PUSHF, which would store it, is refused while it is. */
    case X86_OP_PUSHF: fx->read = ALL6 | NT_MASK; break;
    case X86_OP_POPF:
        fx->written = ALL6;
        fx->undef = NT_MASK;
        break;
    /* DAA/DAS: read AF, CF; define SF ZF AF PF CF; OF undefined */
    case X86_OP_DAA:
    case X86_OP_DAS:
        fx->read = AF | CF;
        fx->written = SF | ZF | AF | PF | CF;
        fx->undef = OF;
        break;
    /* AAA/AAS: read AF; define AF, CF; OF, SF, ZF, PF undefined */
    case X86_OP_AAA:
    case X86_OP_AAS:
        fx->read = AF;
        fx->written = AF | CF;
        fx->undef = OF | SF | ZF | PF;
        break;
    /* AAM/AAD: SF, ZF, PF by result; OF, AF, CF undefined */
    case X86_OP_AAM:
    case X86_OP_AAD:
        fx->written = SF | ZF | PF;
        fx->undef = OF | AF | CF;
        break;
    case X86_OP_CMPXCHG8B:
    case X86_OP_CMPXCHG16B:
    case X86_OP_ARPL: fx->written = ZF; break;
    /* CMPS/SCAS set all six, unless REP with a zero count runs no iteration */
    case X86_OP_CMPS:
    case X86_OP_SCAS:
        /* (the REPE/REPNE test reads the ZF its own iteration set, not the old one) */
        if (string_count_known_nonzero(in, known))
            fx->written = ALL6;
        break;
    /* BMI1/BMI2 (SDM Vol 2): */
    case X86_OP_ANDN: /* SF, ZF by result; OF, CF cleared; AF, PF undefined */
        fx->written = SF | ZF | OF | CF;
        fx->undef = AF | PF;
        break;
    case X86_OP_BEXTR: /* ZF by result; CF, OF cleared; AF, SF, PF undefined */
        fx->written = ZF | CF | OF;
        fx->undef = AF | SF | PF;
        break;
    case X86_OP_BLSI:   /* ZF, SF by result; CF = source != 0; OF cleared */
    case X86_OP_BLSMSK: /* SF by result; ZF cleared; CF = source == 0; OF cleared */
    case X86_OP_BLSR:   /* ZF, SF by result; CF = source == 0; OF cleared */
    case X86_OP_BZHI:   /* ZF, SF by result; CF = index out of range; OF cleared */
        fx->written = ZF | SF | CF | OF;
        fx->undef = AF | PF;
        break;
    case X86_OP_ADCX:
        fx->read = CF;
        fx->written = CF;
        break;
    case X86_OP_ADOX:
        fx->read = OF;
        fx->written = OF;
        break;
    /* SSE compares: ZF, PF, CF by result; OF, SF, AF cleared (SDM Vol 2 COMISS) */
    case X86_OP_COMISS:
    case X86_OP_COMISD:
    case X86_OP_UCOMISS:
    case X86_OP_UCOMISD:
    /* PTEST/VTESTPS/VTESTPD: ZF, CF by result; the others cleared */
    case X86_OP_PTEST:
    case X86_OP_VTESTPS:
    case X86_OP_VTESTPD:
    /* PCMPxSTRx: CF, ZF, SF, OF by result; AF, PF cleared */
    case X86_OP_PCMPESTRI:
    case X86_OP_PCMPESTRM:
    case X86_OP_PCMPISTRI:
    case X86_OP_PCMPISTRM: fx->written = ALL6; break;
    default:
        if (is_x87(in->op))
            x87_effect(in, im_masked, fx);
        break;
    }
    return true;
}
