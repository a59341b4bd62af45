/* The x86 instruction decoder: prefixes, opcode, ModRM/SIB/displacement and
 * immediates, driven by the tables of cpu/x86/opcodes.c. SDM Vol 2 chapter 2
 * ("Instruction Format") is the reference for everything here.
 *
 * What the decoder reports and the translator must finish:
 *  - 8-bit registers are reported as numbers 0..15. With any REX prefix (insn->rex
 *    != 0) or VEX, numbers 4-7 are SPL/BPL/SIL/DIL; without, they are AH/CH/DH/BH
 *    (SDM Vol 1 §3.4.1.1).
 *  - Segment registers (OPND_Sw) are insn->reg & 7 (REX.R does not extend them).
 *  - MOV CRn/DRn (OPND_Ry with OPND_Cd/Dd) ignore ModRM.mod: the r/m register is
 *    insn->rm even when insn->mod != 3, and no displacement follows.
 *  - Relative branches: insn->imm holds the sign-extended displacement; the target is
 *    pc + len + imm truncated to the operand size. RIP-relative memory operands have
 *    base = index = -1, rip_relative set, and the address is pc + len + disp.
 *  - moffs (OPND_Ob/Ov): the zero-extended offset is in insn->imm and in insn->disp
 *    (with base = index = -1, so the common effective-address code works).
 *  - In 64-bit mode the ES/CS/SS/DS segment overrides are ignored (SDM Vol 1
 *    §3.3.7.1) and leave insn->seg alone; FS/GS are kept.
 *  - VEX in 16-bit code: C4/C5 with ModRM.mod == 3 decode as VEX there as in 32-bit
 *    protected mode; real and virtual-8086 modes must raise #UD for them.
 *  - VSIB (gathers): insn->index is the vector register number, never -1.
 */
#include <string.h>

#include "cpu/x86/decode.h"

/* SDM Vol 2 §2.3.11: an instruction is at most 15 bytes long. */
#define X86_MAX_INSN_LEN 15

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
enum { REG_SP = 4, REG_BP = 5 };

/* Properties of operand kinds that shape the encoding. */
enum {
    K_MODRM = 1 << 0,     /* lives in ModRM: the instruction has a ModRM byte */
    K_MEM = 1 << 1,       /* ModRM memory only: mod == 3 is #UD */
    K_REG = 1 << 2,       /* ModRM register only: mod != 3 is #UD */
    K_FORCE_REG = 1 << 3, /* r/m is a register whatever mod says (MOV CRn/DRn) */
    K_VVVV = 1 << 4,      /* VEX.vvvv names a register */
    K_CTRL = 1 << 5,      /* control or debug register in ModRM.reg */
};

static const uint8_t opnd_props[NB_OPND_KINDS] = {
    [OPND_Eb] = K_MODRM,
    [OPND_Ew] = K_MODRM,
    [OPND_Ed] = K_MODRM,
    [OPND_Eq] = K_MODRM,
    [OPND_Ev] = K_MODRM,
    [OPND_Ey] = K_MODRM,
    [OPND_Gb] = K_MODRM,
    [OPND_Gw] = K_MODRM,
    [OPND_Gd] = K_MODRM,
    [OPND_Gq] = K_MODRM,
    [OPND_Gv] = K_MODRM,
    [OPND_Gy] = K_MODRM,
    [OPND_M] = K_MODRM | K_MEM,
    [OPND_Mp] = K_MODRM | K_MEM,
    [OPND_Rd] = K_MODRM | K_FORCE_REG,
    [OPND_Ry] = K_MODRM | K_FORCE_REG,
    [OPND_Sw] = K_MODRM,
    [OPND_Cd] = K_MODRM | K_CTRL,
    [OPND_Dd] = K_MODRM | K_CTRL,
    [OPND_Vx] = K_MODRM,
    [OPND_Wx] = K_MODRM,
    [OPND_Ux] = K_MODRM | K_REG,
    [OPND_Hx] = K_VVVV,
    [OPND_Vss] = K_MODRM,
    [OPND_Wss] = K_MODRM,
    [OPND_Vsd] = K_MODRM,
    [OPND_Wsd] = K_MODRM,
    [OPND_Vq] = K_MODRM,
    [OPND_Wq] = K_MODRM,
    [OPND_Vd] = K_MODRM,
    [OPND_Wd] = K_MODRM,
    [OPND_Pq] = K_MODRM,
    [OPND_Qq] = K_MODRM,
    [OPND_Nq] = K_MODRM | K_REG,
    [OPND_Pd] = K_MODRM,
    [OPND_Ed_mmx] = K_MODRM,
    [OPND_By] = K_VVVV,
    [OPND_STi] = K_MODRM,
    [OPND_Mfpu] = K_MODRM | K_MEM,
};

/* The bytes being decoded; the first failure to read sticks in error. */
typedef struct ByteReader {
    const uint8_t *bytes;
    size_t avail;
    unsigned pos;
    X86DecodeResult error;
} ByteReader;

/* Decoder state that X86Insn has no field for. */
typedef struct DecodeState {
    ByteReader rd;
    uint8_t rex_r, rex_x, rex_b; /* 0 or 8, from REX or VEX */
    bool ud;                     /* #UD found; keep going to learn the length */
} DecodeState;

static bool fetch_byte(ByteReader *rd, uint8_t *out)
{
    if (rd->pos >= X86_MAX_INSN_LEN) {
        rd->error = X86_DECODE_TOO_LONG;
        return false;
    }
    if (rd->pos >= rd->avail) {
        rd->error = X86_DECODE_TRUNCATED;
        return false;
    }
    *out = rd->bytes[rd->pos++];
    return true;
}

/* Looks at the next byte without consuming it (same limits as fetch_byte). */
static bool peek_byte(ByteReader *rd, uint8_t *out)
{
    if (!fetch_byte(rd, out))
        return false;
    rd->pos--;
    return true;
}

/* Reads a little-endian value of n bytes (n <= 8). */
static bool fetch_le(ByteReader *rd, unsigned n, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        if (!fetch_byte(rd, &b))
            return false;
        v |= (uint64_t)b << (8 * i);
    }
    *out = v;
    return true;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return bytes >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

/* ---------------------------------------------------------------------------------
 * Prefixes
 */

/* Legacy prefixes and REX (SDM Vol 2 §2.1.1, §2.2.1). Stops with the first byte that
 * is not a prefix in *first. A REX prefix only counts when the opcode follows it
 * directly: any later prefix cancels it. */
static bool decode_prefixes(X86Insn *insn, DecodeState *st, uint8_t *first)
{
    bool code64 = insn->code_size == X86_CODE64;
    uint8_t b;

    for (;;) {
        if (!fetch_byte(&st->rd, &b))
            return false;
        switch (b) {
        case 0xf0: insn->lock = true; break;
        case 0xf2:
        case 0xf3: insn->rep = b; break;
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
            if (!code64)
                insn->seg = (int8_t)((b >> 3) & 3); /* 26 ES, 2E CS, 36 SS, 3E DS */
            break;
        case 0x64: insn->seg = SEG_FS; break;
        case 0x65: insn->seg = SEG_GS; break;
        case 0x66: insn->opsize_prefix = true; break;
        case 0x67: insn->addrsize_prefix = true; break;
        default:
            if (code64 && (b & 0xf0) == 0x40) {
                insn->rex = b;
                continue;
            }
            *first = b;
            return true;
        }
        insn->rex = 0;
    }
}

/* VEX prefix C4 (3 bytes) or C5 (2 bytes), SDM Vol 2 §2.3.5. Reads through the
 * opcode byte. */
static bool decode_vex(X86Insn *insn, DecodeState *st, uint8_t prefix)
{
    static const uint8_t pp_prefix[4] = {0, 0x66, 0xf3, 0xf2};
    bool code64 = insn->code_size == X86_CODE64;
    uint8_t b1, b2, map = 1;

    /* SDM Vol 2 §2.3.2: 66, F2, F3, LOCK or REX before VEX is #UD */
    if (insn->opsize_prefix || insn->rep || insn->lock || insn->rex)
        st->ud = true;
    insn->vex = true;
    if (!fetch_byte(&st->rd, &b1))
        return false;
    if (prefix == 0xc4) {
        map = b1 & 0x1f;
        if (code64) {
            st->rex_x = (b1 & 0x40) ? 0 : 8;
            st->rex_b = (b1 & 0x20) ? 0 : 8;
        }
        if (!fetch_byte(&st->rd, &b2))
            return false;
        insn->rex_w = (b2 & 0x80) != 0;
    } else {
        b2 = b1;
    }
    if (code64)
        st->rex_r = (b1 & 0x80) ? 0 : 8;
    insn->vex_vvvv = (~b2 >> 3) & 0xf;
    if (!code64)
        insn->vex_vvvv &= 7; /* only 8 registers outside 64-bit mode */
    insn->vex_l = (b2 >> 2) & 1;
    insn->mandatory = pp_prefix[b2 & 3];
    if (map < 1 || map > 3)
        st->ud = true;
    insn->map = map;
    return fetch_byte(&st->rd, &insn->opcode);
}

/* Opcode bytes: one-byte map, 0F, 0F 38, 0F 3A, or a VEX prefix and its opcode. */
static bool decode_opcode(X86Insn *insn, DecodeState *st, uint8_t first)
{
    if (first == 0x0f) {
        uint8_t b;
        if (!fetch_byte(&st->rd, &b))
            return false;
        if (b == 0x38 || b == 0x3a) {
            insn->map = b == 0x38 ? 2 : 3;
            return fetch_byte(&st->rd, &insn->opcode);
        }
        insn->map = 1;
        insn->opcode = b;
        return true;
    }
    if (first == 0xc4 || first == 0xc5) {
        /* SDM Vol 2 §2.3.5: outside 64-bit mode C4/C5 are LES/LDS unless the next byte
         * would be a register-form ModRM (bits 7:6 = 11), which LES/LDS cannot use */
        uint8_t next;
        if (insn->code_size == X86_CODE64)
            return decode_vex(insn, st, first);
        if (!peek_byte(&st->rd, &next))
            return false;
        if ((next & 0xc0) == 0xc0)
            return decode_vex(insn, st, first);
    }
    insn->map = 0;
    insn->opcode = first;
    return true;
}

/* ---------------------------------------------------------------------------------
 * Sizes
 */

static unsigned entry_props(const X86OpcodeEntry *e)
{
    unsigned props = 0;
    for (unsigned i = 0; i < 4; i++)
        props |= e->opnd[i] < NB_OPND_KINDS ? opnd_props[e->opnd[i]] : 0;
    return props;
}

/* Operand size, SDM Vol 1 §3.6 and Vol 2 §2.2.1.2 (Table 2-4): CS.D xor 66 outside
 * 64-bit mode; in 64-bit mode REX.W gives 64, else 66 gives 16, else 32, except that
 * "d64" instructions default to 64 and "f64" ones are always 64 (Intel ignores 66 on
 * near branches). A 66 consumed as a mandatory prefix is not a size prefix. */
static uint8_t operand_size(const X86Insn *insn, unsigned flags, unsigned props)
{
    bool code64 = insn->code_size == X86_CODE64;
    bool prefix66 = insn->opsize_prefix && insn->mandatory != 0x66;

    if (flags & X86F_BYTE)
        return 1;
    if (props & K_CTRL) /* MOV CRn/DRn: 32 bits, or 64 in 64-bit mode */
        return code64 ? 8 : 4;
    if (code64) {
        if ((flags & X86F_FORCE64) || insn->rex_w)
            return 8;
        if (flags & X86F_DEF64)
            return prefix66 ? 2 : 8;
        return prefix66 ? 2 : 4;
    }
    return ((insn->code_size == X86_CODE32) != prefix66) ? 4 : 2;
}

/* Address size, SDM Vol 2 §2.2.1.3 (Table 2-4): 67 toggles 16/32, or 64/32. */
static uint8_t address_size(const X86Insn *insn)
{
    switch (insn->code_size) {
    case X86_CODE16: return insn->addrsize_prefix ? 4 : 2;
    case X86_CODE32: return insn->addrsize_prefix ? 2 : 4;
    default: return insn->addrsize_prefix ? 4 : 8;
    }
}

/* ---------------------------------------------------------------------------------
 * ModRM, SIB, displacement
 */

/* 16-bit addressing, SDM Vol 2 Table 2-1. */
static bool decode_mem16(X86Insn *insn, DecodeState *st)
{
    /* r/m 0..7: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (or disp16), BX */
    static const int8_t base16[8] = {3, 3, 5, 5, 6, 7, 5, 3};
    static const int8_t index16[8] = {6, 7, 6, 7, -1, -1, -1, -1};
    unsigned rm = insn->modrm & 7;
    uint64_t d = 0;

    if (insn->mod == 0 && rm == 6) {
        if (!fetch_le(&st->rd, 2, &d))
            return false;
        insn->disp = sign_extend(d, 2);
        return true;
    }
    insn->base = base16[rm];
    insn->index = index16[rm];
    if (insn->base == REG_BP)
        insn->default_seg = SEG_SS;
    if (insn->mod == 0)
        return true;
    if (!fetch_le(&st->rd, insn->mod == 1 ? 1 : 2, &d))
        return false;
    insn->disp = sign_extend(d, insn->mod == 1 ? 1 : 2);
    return true;
}

/* 32/64-bit addressing with optional SIB, SDM Vol 2 Tables 2-2, 2-3 and §2.2.1.6
 * (RIP-relative: mod 00 r/m 101 in 64-bit mode, whatever REX.B says). */
static bool decode_mem32(X86Insn *insn, DecodeState *st, bool vsib)
{
    unsigned rm = insn->modrm & 7;
    unsigned disp_bytes = insn->mod == 1 ? 1 : insn->mod == 2 ? 4 : 0;
    uint64_t d = 0;

    if (rm == 4) {
        uint8_t sib;
        if (!fetch_byte(&st->rd, &sib))
            return false;
        insn->has_sib = true;
        insn->scale = sib >> 6;
        unsigned index = ((sib >> 3) & 7) | st->rex_x;
        /* index 100 without REX.X means "no index", except in a VSIB */
        insn->index = (index == 4 && !vsib) ? -1 : (int8_t)index;
        if ((sib & 7) == 5 && insn->mod == 0)
            disp_bytes = 4; /* no base, disp32 */
        else
            insn->base = (int8_t)((sib & 7) | st->rex_b);
    } else if (rm == 5 && insn->mod == 0) {
        disp_bytes = 4;
        insn->rip_relative = insn->code_size == X86_CODE64;
    } else {
        insn->base = (int8_t)(rm | st->rex_b);
    }
    if (insn->base == REG_SP || insn->base == REG_BP)
        insn->default_seg = SEG_SS;
    if (disp_bytes == 0)
        return true;
    if (!fetch_le(&st->rd, disp_bytes, &d))
        return false;
    insn->disp = sign_extend(d, disp_bytes);
    return true;
}

static bool is_vsib_op(unsigned op)
{
    return op >= X86_OP_VPGATHERDD && op <= X86_OP_VGATHERQPD;
}

/* The rest of the ModRM operand once the ModRM byte is known. */
static bool decode_modrm_operand(X86Insn *insn, DecodeState *st, unsigned props)
{
    insn->mod = insn->modrm >> 6;
    insn->reg = ((insn->modrm >> 3) & 7) | st->rex_r;
    if (insn->mod == 3 || (props & K_FORCE_REG)) {
        insn->rm = (insn->modrm & 7) | st->rex_b;
        return true;
    }
    insn->rm = insn->modrm & 7;
    if (insn->addrsize == 2)
        return decode_mem16(insn, st);
    return decode_mem32(insn, st, is_vsib_op(insn->op));
}

/* ---------------------------------------------------------------------------------
 * Immediates
 */

/* Reads the immediate of one operand kind (if it has one) into imm, or into imm2 when
 * imm is already taken (*have_first). */
static bool decode_immediate(X86Insn *insn, DecodeState *st, unsigned kind, bool *have_first)
{
    unsigned n = 0;
    bool is_signed = false;
    uint64_t v;

    switch (kind) {
    case OPND_Ib:
    case OPND_Lx: n = 1; break;
    case OPND_Ibs:
    case OPND_Jb: n = 1, is_signed = true; break;
    case OPND_Iw: n = 2; break;
    case OPND_Iz:
    case OPND_Jz: n = insn->opsize == 2 ? 2 : 4, is_signed = true; break;
    case OPND_Iv: n = insn->opsize; break;
    case OPND_Ob:
    case OPND_Ov:
        /* moffs, SDM Vol 2 §2.2.1.4: address-size wide, zero-extended */
        if (!fetch_le(&st->rd, insn->addrsize, &v))
            return false;
        insn->imm = v;
        insn->disp = (int64_t)v;
        *have_first = true;
        return true;
    case OPND_Ap: {
        /* ptr16:16 / ptr16:32: the offset first, then the selector */
        uint64_t sel;
        if (!fetch_le(&st->rd, insn->opsize == 2 ? 2 : 4, &v) || !fetch_le(&st->rd, 2, &sel))
            return false;
        insn->imm = v;
        insn->imm2 = sel;
        *have_first = true;
        return true;
    }
    default: return true;
    }
    if (!fetch_le(&st->rd, n, &v))
        return false;
    if (is_signed)
        v = (uint64_t)sign_extend(v, n);
    if (*have_first) {
        insn->imm2 = v;
    } else {
        insn->imm = v;
        *have_first = true;
    }
    return true;
}

/* ---------------------------------------------------------------------------------
 * Validity
 */

/* VEX.L rules (SDM Vol 2 §2.3.6 and the "VEX.128"/"VEX.256"/"VEX.LZ" forms of each
 * instruction page): L must be 0 for 128-bit-only and general-purpose VEX
 * instructions, 1 for 256-bit-only ones; scalar ops ignore it ("LIG").
 * decode.h has no row flag for this, so the rule is kept here by op. */
typedef enum VexLRule { VEX_L_ANY, VEX_L_ZERO, VEX_L_ONE } VexLRule;

static VexLRule vex_l_rule(unsigned op)
{
    switch (op) {
    case X86_OP_MOVD:
    case X86_OP_MOVQ:
    case X86_OP_PINSRW:
    case X86_OP_PEXTRW:
    case X86_OP_PINSRB:
    case X86_OP_PINSRD:
    case X86_OP_PINSRQ:
    case X86_OP_PEXTRB:
    case X86_OP_PEXTRD:
    case X86_OP_PEXTRQ:
    case X86_OP_EXTRACTPS:
    case X86_OP_INSERTPS:
    case X86_OP_MOVHLPS:
    case X86_OP_MOVLHPS:
    case X86_OP_MOVLPS:
    case X86_OP_MOVHPS:
    case X86_OP_MOVLPD:
    case X86_OP_MOVHPD:
    case X86_OP_MASKMOVDQU:
    case X86_OP_PHMINPOSUW:
    case X86_OP_DPPD: /* SDM Vol 2A DPPD: VEX.128 only (VDPPS has a VEX.256 form) */
    case X86_OP_PCMPESTRM:
    case X86_OP_PCMPESTRI:
    case X86_OP_PCMPISTRM:
    case X86_OP_PCMPISTRI:
    case X86_OP_AESIMC:
    case X86_OP_AESENC:
    case X86_OP_AESENCLAST:
    case X86_OP_AESDEC:
    case X86_OP_AESDECLAST:
    case X86_OP_AESKEYGENASSIST:
    case X86_OP_PCLMULQDQ:
    case X86_OP_LDMXCSR:
    case X86_OP_STMXCSR:
    case X86_OP_ANDN:
    case X86_OP_BEXTR:
    case X86_OP_BLSI:
    case X86_OP_BLSMSK:
    case X86_OP_BLSR:
    case X86_OP_BZHI:
    case X86_OP_MULX:
    case X86_OP_PDEP:
    case X86_OP_PEXT:
    case X86_OP_RORX:
    case X86_OP_SARX:
    case X86_OP_SHLX:
    case X86_OP_SHRX: return VEX_L_ZERO;
    case X86_OP_VPERMQ:
    case X86_OP_VPERMPD:
    case X86_OP_VPERMD:
    case X86_OP_VPERMPS:
    case X86_OP_VPERM2F128:
    case X86_OP_VPERM2I128:
    case X86_OP_VINSERTF128:
    case X86_OP_VINSERTI128:
    case X86_OP_VEXTRACTF128:
    case X86_OP_VEXTRACTI128:
    case X86_OP_VBROADCASTSD:
    case X86_OP_VBROADCASTF128:
    case X86_OP_VBROADCASTI128: return VEX_L_ONE;
    default: return VEX_L_ANY;
    }
}

/* Encodings the table row does not allow, SDM Vol 2 §2.1.1 (LOCK), §2.3 (VEX),
 * Appendix A superscripts (i64, o64) and the MOV Sreg / MOV CRn pages. */
static bool encoding_is_valid(const X86Insn *insn, const X86OpcodeEntry *e, unsigned props)
{
    unsigned flags = e->flags;
    bool code64 = insn->code_size == X86_CODE64;
    bool is_mem = insn->has_modrm && insn->mod != 3 && !(props & K_FORCE_REG);

    if (insn->lock && (!(flags & X86F_LOCKOK) || !is_mem))
        return false;
    if ((code64 && (flags & X86F_INV64)) || (!code64 && (flags & X86F_ONLY64)))
        return false;
    if (insn->vex ? (flags & X86F_NOVEX) != 0 : (flags & X86F_VEX) != 0)
        return false;
    if (insn->vex && insn->vex_vvvv != 0 && !(props & K_VVVV))
        return false; /* unused VEX.vvvv must be 1111b */
    if (insn->vex && vex_l_rule(e->op) == (insn->vex_l ? VEX_L_ZERO : VEX_L_ONE))
        return false;
    if (insn->has_modrm && ((flags & X86F_MEMONLY) || (props & K_MEM)) && !is_mem)
        return false;
    if (insn->has_modrm && ((flags & X86F_REGONLY) || (props & K_REG)) && is_mem)
        return false;
    for (unsigned i = 0; i < 4; i++) {
        unsigned sreg = (insn->modrm >> 3) & 7;
        switch (e->opnd[i]) {
        case OPND_Sw:
            /* only ES..GS exist, and MOV cannot load CS */
            if (sreg > SEG_GS || (i == 0 && sreg == SEG_CS))
                return false;
            break;
        case OPND_Cd:
            if (insn->reg != 0 && insn->reg != 2 && insn->reg != 3 && insn->reg != 4 &&
                insn->reg != 8)
                return false;
            break;
        case OPND_Dd:
            if (insn->reg > 7)
                return false;
            break;
        default: break;
        }
    }
    return true;
}

/* ---------------------------------------------------------------------------------
 * Entry point
 */

static void insn_init(X86Insn *insn, X86CodeSize code_size, uint64_t pc)
{
    memset(insn, 0, sizeof(*insn));
    insn->pc = pc;
    insn->code_size = code_size;
    insn->seg = -1;
    insn->base = -1;
    insn->index = -1;
    insn->default_seg = SEG_DS;
}

/* Finds the table row, reading the ModRM byte when the row depends on it. */
static const X86OpcodeEntry *lookup_entry(X86Insn *insn, DecodeState *st)
{
    const X86OpcodeEntry *e = x86_opcode_lookup(insn);
    if (e)
        return e;
    if (!fetch_byte(&st->rd, &insn->modrm))
        return NULL;
    insn->has_modrm = true;
    return x86_opcode_lookup(insn);
}

static X86DecodeResult finish(X86Insn *insn, DecodeState *st, X86DecodeResult r)
{
    insn->len = (uint8_t)st->rd.pos;
    return r;
}

/* REX.R/X/B extend ModRM.reg, SIB.index and ModRM.rm / SIB.base / opcode registers
 * (SDM Vol 2 §2.2.1.2); VEX carries the same bits and overrides these. */
static void apply_rex(X86Insn *insn, DecodeState *st)
{
    insn->rex_w = (insn->rex & 8) != 0;
    st->rex_r = (insn->rex & 4) << 1;
    st->rex_x = (insn->rex & 2) << 2;
    st->rex_b = (insn->rex & 1) << 3;
}

/* Everything after the opcode: ModRM/SIB/displacement, immediates, sizes. Returns
 * false when the bytes run out (st->rd.error says how). */
static bool decode_operands(X86Insn *insn, DecodeState *st, const X86OpcodeEntry *e, unsigned props)
{
    bool have_first = false;

    if (e->flags & X86F_CC)
        insn->cc = insn->opcode & 0xf;
    insn->opsize = operand_size(insn, e->flags, props);
    insn->addrsize = address_size(insn);
    if (insn->has_modrm && !decode_modrm_operand(insn, st, props))
        return false;
    for (unsigned i = 0; i < 4; i++) {
        if (!decode_immediate(insn, st, e->opnd[i], &have_first))
            return false;
    }
    /* undefined 0F3A opcodes still carry their imm8 (SDM Vol 2 §A.3) */
    if (e->op == X86_OP_INVALID && insn->map == 3 &&
        !decode_immediate(insn, st, OPND_Ib, &have_first))
        return false;
    if (e->opnd[0] == OPND_Zb || e->opnd[0] == OPND_Zv)
        insn->zreg = (insn->opcode & 7) | st->rex_b;
    return true;
}

X86DecodeResult x86_decode(X86Insn *insn, X86CodeSize code_size, uint64_t pc, const uint8_t *bytes,
                           size_t avail)
{
    DecodeState st = {.rd = {.bytes = bytes, .avail = avail}};
    uint8_t first;

    insn_init(insn, code_size, pc);
    if (!decode_prefixes(insn, &st, &first))
        return finish(insn, &st, st.rd.error);
    apply_rex(insn, &st);
    if (!decode_opcode(insn, &st, first))
        return finish(insn, &st, st.rd.error);
    if (insn->vex && (insn->map < 1 || insn->map > 3)) /* unknown VEX map: length unknown */
        return finish(insn, &st, X86_DECODE_UD);

    const X86OpcodeEntry *e = lookup_entry(insn, &st);
    if (!e)
        return finish(insn, &st, st.rd.error);
    insn->entry = e;
    insn->op = e->op;
    unsigned props = entry_props(e);
    /* every 0F38 / 0F3A opcode has a ModRM byte, defined or not (SDM Vol 2 §A.3) */
    bool needs_modrm = (props & K_MODRM) || (e->flags & X86F_MODRM) || insn->map >= 2;
    if (needs_modrm && !insn->has_modrm) {
        if (!fetch_byte(&st.rd, &insn->modrm))
            return finish(insn, &st, st.rd.error);
        insn->has_modrm = true;
    }
    if (e->op == X86_OP_INVALID && !insn->has_modrm)
        return finish(insn, &st, X86_DECODE_UD); /* length unknown beyond the opcode */
    if (!decode_operands(insn, &st, e, props))
        return finish(insn, &st, st.rd.error);
    if (st.ud || e->op == X86_OP_INVALID || !encoding_is_valid(insn, e, props))
        return finish(insn, &st, X86_DECODE_UD);
    return finish(insn, &st, X86_DECODE_OK);
}
