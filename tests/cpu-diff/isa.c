/* The user-level ISA as the differential tests see it: the family of each instruction,
 * which instructions the random generator may use (and why not the others), and the
 * general registers instructions use without naming them.
 */
#include <string.h>

#include "tests/cpu-diff/cpu-diff.h"

static const char *const family_names[NB_FAMILIES] = {
    [FAM_ALU] = "alu",       [FAM_MULDIV] = "muldiv", [FAM_SHIFT] = "shift",
    [FAM_SHIFTD] = "shiftd", [FAM_BIT] = "bit",       [FAM_BITSCAN] = "bitscan",
    [FAM_MOV] = "mov",       [FAM_XCHG] = "xchg",     [FAM_STACK] = "stack",
    [FAM_BRANCH] = "branch", [FAM_STRING] = "string", [FAM_FLAGOP] = "flagop",
    [FAM_BCD] = "bcd",       [FAM_BMI] = "bmi",       [FAM_EXCP] = "excp",
    [FAM_X87] = "x87",       [FAM_MMX] = "mmx",       [FAM_SSE] = "sse",
    [FAM_SSE4] = "sse4",     [FAM_AVX] = "avx",       [FAM_MISC] = "misc",
};

const char *isa_family_name(DiffFamily f)
{
    return f < NB_FAMILIES ? family_names[f] : "?";
}

int isa_family_by_name(const char *name)
{
    for (int i = 0; i < NB_FAMILIES; i++)
        if (strcmp(name, family_names[i]) == 0)
            return i;
    return -1;
}

#define OP_CASE(name) case X86_OP_##name:

static bool op_in_x87(unsigned op)
{
    switch (op) {
        X86_OPS_X87(OP_CASE)
        return true;
    default: return false;
    }
}

static bool op_in_sse(unsigned op)
{
    switch (op) {
        X86_OPS_SSE(OP_CASE)
        return true;
    default: return false;
    }
}

static bool op_in_sse4(unsigned op)
{
    switch (op) {
        X86_OPS_SSE4(OP_CASE)
        return true;
    default: return false;
    }
}

static bool op_in_avx(unsigned op)
{
    switch (op) {
        X86_OPS_AVX(OP_CASE)
        return true;
    default: return false;
    }
}

static bool op_in_bmi(unsigned op)
{
    switch (op) {
        X86_OPS_BMI(OP_CASE)
        return true;
    default: return false;
    }
}

static bool op_in_system(unsigned op)
{
    switch (op) {
        X86_OPS_SYSTEM(OP_CASE)
        return true;
    default: return false;
    }
}

#undef OP_CASE

static bool has_mmx_operand(const X86Insn *in)
{
    for (int i = 0; i < 4; i++) {
        switch (in->entry->opnd[i]) {
        case OPND_Pq:
        case OPND_Qq:
        case OPND_Nq:
        case OPND_Pd:
        case OPND_Ed_mmx: return true;
        default: break;
        }
    }
    return in->op == X86_OP_EMMS;
}

static bool has_opnd(const X86Insn *in, X86OpndKind k)
{
    for (int i = 0; i < 4; i++)
        if (in->entry->opnd[i] == k)
            return true;
    return false;
}

static DiffFamily general_family(unsigned op)
{
    switch (op) {
    case X86_OP_ADD:
    case X86_OP_OR:
    case X86_OP_ADC:
    case X86_OP_SBB:
    case X86_OP_AND:
    case X86_OP_SUB:
    case X86_OP_XOR:
    case X86_OP_CMP:
    case X86_OP_TEST:
    case X86_OP_INC:
    case X86_OP_DEC:
    case X86_OP_NOT:
    case X86_OP_NEG: return FAM_ALU;
    case X86_OP_MUL:
    case X86_OP_IMUL:
    case X86_OP_DIV:
    case X86_OP_IDIV: return FAM_MULDIV;
    case X86_OP_ROL:
    case X86_OP_ROR:
    case X86_OP_RCL:
    case X86_OP_RCR:
    case X86_OP_SHL:
    case X86_OP_SHR:
    case X86_OP_SAR: return FAM_SHIFT;
    case X86_OP_SHLD:
    case X86_OP_SHRD: return FAM_SHIFTD;
    case X86_OP_BT:
    case X86_OP_BTS:
    case X86_OP_BTR:
    case X86_OP_BTC: return FAM_BIT;
    case X86_OP_BSF:
    case X86_OP_BSR:
    case X86_OP_TZCNT:
    case X86_OP_LZCNT:
    case X86_OP_POPCNT: return FAM_BITSCAN;
    case X86_OP_XCHG:
    case X86_OP_XADD:
    case X86_OP_CMPXCHG:
    case X86_OP_CMPXCHG8B:
    case X86_OP_CMPXCHG16B: return FAM_XCHG;
    case X86_OP_PUSH:
    case X86_OP_POP:
    case X86_OP_PUSHA:
    case X86_OP_POPA:
    case X86_OP_PUSHF:
    case X86_OP_POPF:
    case X86_OP_ENTER:
    case X86_OP_LEAVE: return FAM_STACK;
    case X86_OP_JMP:
    case X86_OP_CALL:
    case X86_OP_JCC:
    case X86_OP_LOOP:
    case X86_OP_LOOPE:
    case X86_OP_LOOPNE:
    case X86_OP_JCXZ:
    case X86_OP_RET:
    case X86_OP_JMPF:
    case X86_OP_CALLF:
    case X86_OP_RETF:
    case X86_OP_IRET: return FAM_BRANCH;
    case X86_OP_MOVS:
    case X86_OP_STOS:
    case X86_OP_LODS:
    case X86_OP_CMPS:
    case X86_OP_SCAS:
    case X86_OP_INS:
    case X86_OP_OUTS: return FAM_STRING;
    case X86_OP_CLC:
    case X86_OP_STC:
    case X86_OP_CMC:
    case X86_OP_CLD:
    case X86_OP_STD:
    case X86_OP_LAHF:
    case X86_OP_SAHF:
    case X86_OP_CLI:
    case X86_OP_STI: return FAM_FLAGOP;
    case X86_OP_DAA:
    case X86_OP_DAS:
    case X86_OP_AAA:
    case X86_OP_AAS:
    case X86_OP_AAM:
    case X86_OP_AAD: return FAM_BCD;
    case X86_OP_CRC32: return FAM_BMI;
    case X86_OP_INT:
    case X86_OP_INT3:
    case X86_OP_INTO:
    case X86_OP_INT1:
    case X86_OP_BOUND:
    case X86_OP_UD0:
    case X86_OP_UD1:
    case X86_OP_UD2: return FAM_EXCP;
    case X86_OP_ARPL: return FAM_MISC;
    default: return FAM_MOV;
    }
}

DiffFamily isa_family(const X86Insn *in)
{
    unsigned op = in->op;
    if (op_in_x87(op))
        return FAM_X87;
    if (op_in_sse(op) || op_in_sse4(op) || op_in_avx(op)) {
        if (in->vex || op_in_avx(op))
            return FAM_AVX;
        if (has_mmx_operand(in))
            return FAM_MMX;
        return op_in_sse(op) ? FAM_SSE : FAM_SSE4;
    }
    if (op_in_bmi(op))
        return FAM_BMI;
    if (op == X86_OP_UD0 || op == X86_OP_UD1 || op == X86_OP_UD2)
        return FAM_EXCP;
    if (op_in_system(op))
        return FAM_MISC;
    if (op == X86_OP_MOV && (has_opnd(in, OPND_Sw)))
        return FAM_MISC;
    return general_family(op);
}

/* ---- what the random generator may use ---- */

static bool is_near_branch(unsigned op)
{
    return op == X86_OP_JMP || op == X86_OP_CALL || op == X86_OP_JCC || op == X86_OP_LOOP ||
           op == X86_OP_LOOPE || op == X86_OP_LOOPNE || op == X86_OP_JCXZ;
}

static bool pushes_sreg(const X86Insn *in)
{
    unsigned k = in->entry->opnd[0];
    return in->op == X86_OP_PUSH && k >= OPND_ES && k <= OPND_GS;
}

static const char *excluded_system(unsigned op)
{
    switch (op) {
    case X86_OP_UD0:
    case X86_OP_UD1:
    case X86_OP_UD2:
    case X86_OP_PREFETCHNTA:
    case X86_OP_PREFETCHT0:
    case X86_OP_PREFETCHT1:
    case X86_OP_PREFETCHT2:
    case X86_OP_PREFETCHW:
    case X86_OP_CLFLUSH:
    case X86_OP_LFENCE:
    case X86_OP_MFENCE:
    case X86_OP_SFENCE:
    case X86_OP_STMXCSR: return NULL;
    case X86_OP_LDMXCSR:
        /* MXCSR bit 17 (AMD's misaligned-exception mask) loads on the host and is
         * reserved (#GP) on Intel; random memory hits it: directed tests only */
        return "loads vendor-specific MXCSR bits";
    case X86_OP_CPUID:
    case X86_OP_RDTSC:
    case X86_OP_RDTSCP:
    case X86_OP_RDPMC:
    case X86_OP_XGETBV:
    case X86_OP_RDFSBASE:
    case X86_OP_RDGSBASE:
    case X86_OP_WRFSBASE:
    case X86_OP_WRGSBASE: return "reads or writes host-specific state";
    case X86_OP_SLDT:
    case X86_OP_STR:
    case X86_OP_SGDT:
    case X86_OP_SIDT:
    case X86_OP_SMSW:
    case X86_OP_LAR:
    case X86_OP_LSL:
    case X86_OP_VERR:
    case X86_OP_VERW: return "depends on the host kernel's descriptor tables (and UMIP)";
    case X86_OP_RDRAND:
    case X86_OP_RDSEED: return "not deterministic";
    case X86_OP_SYSCALL:
    case X86_OP_SYSENTER: return "enters the host kernel";
    case X86_OP_FXSAVE:
    case X86_OP_FXRSTOR:
    case X86_OP_XSAVE:
    case X86_OP_XRSTOR:
    case X86_OP_XSAVEOPT: return "saves the x87 instruction/data pointers (vendor-specific)";
    default: return "privileged";
    }
}

static const char *excluded_general(const X86Insn *in)
{
    switch (in->op) {
    case X86_OP_INVALID: return "invalid";
    case X86_OP_IN:
    case X86_OP_OUT:
    case X86_OP_INS:
    case X86_OP_OUTS:
    case X86_OP_CLI:
    case X86_OP_STI:
    case X86_OP_HLT:
    case X86_OP_MOV_CR:
    case X86_OP_MOV_DR: return "privileged";
    case X86_OP_INT: return "INT n enters the host kernel";
    case X86_OP_RET:
    case X86_OP_RETF:
    case X86_OP_IRET: return "returns to an address from the stack";
    case X86_OP_JMPF:
    case X86_OP_CALLF:
    case X86_OP_LES:
    case X86_OP_LDS:
    case X86_OP_LSS:
    case X86_OP_LFS:
    case X86_OP_LGS: return "loads a segment register";
    case X86_OP_POP:
        if (in->entry->opnd[0] >= OPND_ES && in->entry->opnd[0] <= OPND_GS)
            return "loads a segment register";
        return NULL;
    case X86_OP_MOV:
        if (in->entry->opnd[0] == OPND_Sw)
            return "loads a segment register";
        return NULL;
    case X86_OP_BSWAP:
        /* SDM Vol 2 BSWAP: "the result is undefined" with a 16-bit operand */
        return in->opsize == 2 ? "16-bit BSWAP is undefined" : NULL;
    default: break;
    }
    if (pushes_sreg(in))
        /* SDM Vol 2 PUSH: a 32-bit push of a segment register may write only 16 bits */
        return "the pushed selector's upper bytes are model-specific";
    if ((in->op == X86_OP_LOOP || in->op == X86_OP_LOOPE || in->op == X86_OP_LOOPNE ||
         in->op == X86_OP_JCXZ) &&
        in->rep)
        /* reserved; the AMD host makes F3 LOOPNE a LOOPE and F2 LOOPE a LOOPNE */
        return "REP prefix on LOOPcc (vendor-specific)";
    if (is_near_branch(in->op)) {
        if (!has_opnd(in, OPND_Jb) && !has_opnd(in, OPND_Jz))
            return "indirect branch";
        if (in->opsize_prefix)
            /* 66 on a near branch: Intel ignores it in 64-bit mode, AMD truncates rIP */
            return "16-bit near branch";
    }
    return NULL;
}

static const char *excluded_x87(const X86Insn *in)
{
    /* D9 D8+i, an undocumented alias of FSTP ST(i): the AMD host runs it as FSTPNCE,
     * without the stack-underflow exception FSTP raises */
    if (in->op == X86_OP_FSTP && in->opcode == 0xd9 && in->mod == 3)
        return "AMD's FSTPNCE alias (D9 D8+i)";
    switch (in->op) {
    case X86_OP_FSIN:
    case X86_OP_FCOS:
    case X86_OP_FSINCOS:
    case X86_OP_FPTAN:
    case X86_OP_FPATAN:
    case X86_OP_F2XM1:
    case X86_OP_FYL2X:
    case X86_OP_FYL2XP1: return "transcendental: accuracy differs between vendors";
    case X86_OP_FNSTENV:
    case X86_OP_FLDENV:
    case X86_OP_FNSAVE:
    case X86_OP_FRSTOR: return "saves the x87 instruction/data pointers (vendor-specific)";
    case X86_OP_FBLD: return "invalid BCD digits give undefined results";
    default: return NULL;
    }
}

/* AMD's SSE4A (MOVNTSS/MOVNTSD: F3/F2 0F 2B; EXTRQ/INSERTQ: 66/F2 0F 78/79) runs on
 * an AMD host where Intel parts raise #UD: not comparable. */
static bool is_sse4a_encoding(const X86Insn *in)
{
    if (in->vex || in->map != 1)
        return false;
    if (in->opcode == 0x2b)
        return in->rep != 0;
    if (in->opcode == 0x78 || in->opcode == 0x79)
        return in->rep == 0xf2 || in->opsize_prefix;
    return false;
}

static bool is_sha(unsigned op)
{
    switch (op) {
    case X86_OP_SHA1RNDS4:
    case X86_OP_SHA1NEXTE:
    case X86_OP_SHA1MSG1:
    case X86_OP_SHA1MSG2:
    case X86_OP_SHA256RNDS2:
    case X86_OP_SHA256MSG1:
    case X86_OP_SHA256MSG2: return true;
    default: return false;
    }
}

const char *isa_excluded(const X86Insn *in, DiffMode mode)
{
    (void)mode;
    unsigned op = in->op;
    if (is_sse4a_encoding(in))
        return "AMD SSE4A encoding (#UD on Intel)";
    if ((op == X86_OP_VPERMQ || op == X86_OP_VPERMPD) && !in->rex_w)
        /* SDM Vol 2 VPERMQ/VPERMPD: #UD if VEX.W = 0; the AMD host ignores W */
        return "VPERMQ/VPERMPD with VEX.W0 (#UD on Intel, runs on AMD)";
    if (is_sha(op) && in->mod != 3)
        /* SDM Vol 2B SHA1RNDS4 and the others: exceptions of Type 4, #GP for a memory
         * operand not aligned on 16 bytes (Table 2-21); the AMD host does not check */
        return "SHA with a memory operand (16-byte alignment: Intel only)";
    if (op_in_system(op))
        return excluded_system(op);
    if (op_in_x87(op))
        return excluded_x87(in);
    switch (op) {
    case X86_OP_RCPPS:
    case X86_OP_RCPSS:
    case X86_OP_RSQRTPS:
    case X86_OP_RSQRTSS: return "approximation: precision differs between vendors";
    case X86_OP_VPGATHERDD:
    case X86_OP_VPGATHERDQ:
    case X86_OP_VPGATHERQD:
    case X86_OP_VPGATHERQQ:
    case X86_OP_VGATHERDPS:
    case X86_OP_VGATHERDPD:
    case X86_OP_VGATHERQPS:
    case X86_OP_VGATHERQPD: return "addresses come from vector registers";
    default: break;
    }
    if (op_in_sse(op) || op_in_sse4(op) || op_in_avx(op) || op_in_bmi(op))
        return NULL;
    return excluded_general(in);
}

bool isa_directed_only(const X86Insn *in)
{
    return in->op == X86_OP_LDMXCSR;
}

/* ---- registers ---- */

enum {
    AX = 1 << 0,
    CX = 1 << 1,
    DX = 1 << 2,
    BX = 1 << 3,
    SP = 1 << 4,
    BP = 1 << 5,
    SI = 1 << 6,
    DI = 1 << 7
};

static void string_regs(const X86Insn *in, ImplicitRegs *ir)
{
    switch (in->op) {
    case X86_OP_MOVS:
    case X86_OP_CMPS:
        ir->written = SI | DI;
        ir->pointers = SI | DI;
        break;
    case X86_OP_LODS:
        ir->written = SI | AX;
        ir->pointers = SI;
        break;
    default: /* STOS, SCAS */
        ir->written = DI;
        ir->read = AX;
        ir->pointers = DI;
        break;
    }
    if (in->rep) {
        ir->written |= CX;
        ir->counts = CX;
    }
}

void isa_implicit_regs(const X86Insn *in, ImplicitRegs *ir)
{
    memset(ir, 0, sizeof(*ir));
    unsigned word = in->code_size == X86_CODE64 ? 8 : 4; /* CALL pushes this much */
    switch (in->op) {
    case X86_OP_MUL:
    case X86_OP_IMUL:
    case X86_OP_DIV:
    case X86_OP_IDIV: ir->written = AX | DX; break;
    case X86_OP_CMPXCHG8B:
    case X86_OP_CMPXCHG16B:
        ir->written = AX | DX;
        ir->read = BX | CX;
        break;
    case X86_OP_CBW:
    case X86_OP_CMPXCHG:
    case X86_OP_LAHF:
    case X86_OP_DAA:
    case X86_OP_DAS:
    case X86_OP_AAA:
    case X86_OP_AAS:
    case X86_OP_AAM:
    case X86_OP_AAD: ir->written = AX; break;
    case X86_OP_CWD:
        ir->written = DX;
        ir->read = AX;
        break;
    case X86_OP_SAHF: ir->read = AX; break;
    case X86_OP_FNSTSW:
        /* DF E0 (FNSTSW AX) names no operand; the memory form writes no register */
        if (in->mod == 3)
            ir->written = AX;
        break;
    case X86_OP_MULX: ir->read = DX; break;
    case X86_OP_PCMPESTRM: ir->read = AX | DX; break;
    case X86_OP_MOVS:
    case X86_OP_CMPS:
    case X86_OP_LODS:
    case X86_OP_STOS:
    case X86_OP_SCAS: string_regs(in, ir); break;
    case X86_OP_LOOP:
    case X86_OP_LOOPE:
    case X86_OP_LOOPNE:
    case X86_OP_PCMPISTRI: ir->written = CX; break;
    case X86_OP_PCMPESTRI:
        ir->written = CX;
        ir->read = AX | DX;
        break;
    case X86_OP_XLAT:
        ir->written = AX;
        ir->pointers = BX;
        break;
    case X86_OP_MASKMOVQ:
    case X86_OP_MASKMOVDQU: ir->pointers = DI; break;
    case X86_OP_BT:
    case X86_OP_BTS:
    case X86_OP_BTR:
    case X86_OP_BTC:
        /* SDM Vol 2 BT: with a memory operand, a register bit offset selects a byte
         * anywhere in -2^63 .. 2^63 bits from the address: it must be small */
        if (in->mod != 3 && in->entry->opnd[1] != OPND_Ib)
            ir->counts = (uint16_t)(1u << in->reg);
        break;
    case X86_OP_PUSH:
    case X86_OP_PUSHF:
        ir->stack = true;
        ir->stack_bytes = in->opsize;
        break;
    case X86_OP_CALL:
        ir->stack = true;
        ir->stack_bytes = (int)word;
        break;
    case X86_OP_POP:
    case X86_OP_POPF: ir->stack = true; break;
    case X86_OP_PUSHA:
        ir->stack = true;
        ir->stack_bytes = 8 * in->opsize;
        ir->read = 0xff;
        break;
    case X86_OP_POPA:
        ir->stack = true;
        ir->written = 0xff & ~SP;
        break;
    case X86_OP_ENTER:
        ir->stack = true;
        ir->written = BP;
        ir->stack_bytes = (int)(in->opsize * (1 + (in->imm2 & 31)) + (in->imm & 0xffff));
        if (in->imm2 & 31)
            ir->pointers = BP; /* the frame pointers are copied from [rBP - n] */
        break;
    case X86_OP_LEAVE:
        ir->stack = true;
        ir->written = BP | SP;
        ir->pointers = BP;
        break;
    default: break;
    }
}

/* A byte register number as ModRM gives it: without REX, 4-7 are AH, CH, DH, BH,
 * which live in registers 0-3. */
static uint16_t gpr_bit(const X86Insn *in, unsigned reg, bool byte)
{
    uint16_t bit = (uint16_t)(1u << (reg & 15));
    if (byte && !in->rex && reg >= 4 && reg < 8)
        bit |= (uint16_t)(1u << (reg - 4));
    return bit;
}

uint16_t isa_explicit_gprs(const X86Insn *in)
{
    uint16_t m = 0;
    for (int i = 0; i < 4; i++) {
        unsigned k = in->entry->opnd[i];
        switch (k) {
        case OPND_Gb:
        case OPND_Gw:
        case OPND_Gd:
        case OPND_Gq:
        case OPND_Gv:
        case OPND_Gy: m |= gpr_bit(in, in->reg, k == OPND_Gb); break;
        case OPND_Eb:
        case OPND_Ew:
        case OPND_Ed:
        case OPND_Eq:
        case OPND_Ev:
        case OPND_Ey:
        case OPND_Ed_mmx:
            if (in->mod == 3)
                m |= gpr_bit(in, in->rm, k == OPND_Eb);
            break;
        case OPND_Rd:
        case OPND_Ry: m |= gpr_bit(in, in->rm, false); break;
        case OPND_Zb:
        case OPND_Zv: m |= gpr_bit(in, in->zreg, k == OPND_Zb); break;
        case OPND_AL:
        case OPND_rAX: m |= AX; break;
        case OPND_CL: m |= CX; break;
        case OPND_DX: m |= DX; break;
        case OPND_By: m |= (uint16_t)(1u << (in->vex_vvvv & 15)); break;
        default: break;
        }
    }
    return m;
}

bool isa_modrm_mem(const X86Insn *in)
{
    return in->has_modrm && in->mod != 3;
}

bool isa_rel_branch(const X86Insn *in, unsigned *disp_off, unsigned *disp_size)
{
    if (!is_near_branch(in->op))
        return false;
    unsigned k = in->entry->opnd[0];
    if (k == OPND_Jb)
        *disp_size = 1;
    else if (k == OPND_Jz)
        *disp_size = in->opsize == 2 ? 2 : 4;
    else
        return false;
    *disp_off = in->len - *disp_size;
    return true;
}
