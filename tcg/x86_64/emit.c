/* The x86-64 instruction encoder (see emit.h). References are to the Intel SDM Vol 2.
 *
 * Each instruction is encoded straight-line, after one bounds check: with room for
 * the longest instruction (15 bytes, SDM Vol 2A §2.3.11) it is written in place,
 * else into a local buffer and copied if it fits (compiling a block is mostly
 * encoding, and a check and branch for every byte was a good part of it). Encoding
 * into a buffer and copying it always would be slower: the bytes stored one at a
 * time and reloaded as one wide load cannot be forwarded from the store buffer. */
#include <string.h>

#include "tcg/x86_64/emit.h"

/* Opcode descriptions: the opcode byte plus what goes before it. */
#define OPC_0F     0x100u  /* two-byte opcode 0F xx */
#define OPC_66     0x200u  /* operand-size prefix (16-bit operands) */
#define OPC_W      0x400u  /* REX.W: 64-bit operand size */
#define OPC_BYTE_R 0x800u  /* the ModRM reg field names a byte register */
#define OPC_BYTE_M 0x1000u /* the ModRM r/m field names a byte register */

#define OP_MOV_MR    0x89u /* mov r/m, r */
#define OP_MOV_RM    0x8bu /* mov r, r/m */
#define OP_MOV_MR8   0x88u
#define OP_MOV_MI    0xc7u /* mov r/m, imm32 */
#define OP_MOV_MI8   0xc6u
#define OP_MOV_RI    0xb8u /* mov r, imm (B8+r) */
#define OP_LEA       0x8du
#define OP_MOVSXD    0x63u
#define OP_MOVZBL    (0xb6u | OPC_0F)
#define OP_MOVZWL    (0xb7u | OPC_0F)
#define OP_MOVSBL    (0xbeu | OPC_0F)
#define OP_MOVSWL    (0xbfu | OPC_0F)
#define OP_GRP1_IB   0x83u
#define OP_GRP1_IZ   0x81u
#define OP_GRP2_IB   0xc1u
#define OP_GRP2_1    0xd1u
#define OP_GRP2_CL   0xd3u
#define OP_GRP3      0xf7u
#define OP_IMUL_RM   (0xafu | OPC_0F)
#define OP_IMUL_RMI  0x69u
#define OP_IMUL_RMI8 0x6bu
#define OP_TEST      0x85u
#define OP_SETCC     (0x90u | OPC_0F)
#define OP_CMOVCC    (0x40u | OPC_0F)
#define OP_JCC32     (0x80u | OPC_0F)
#define OP_JMP32     0xe9u
#define OP_GRP5      0xffu

/* Room for the longest instruction. */
#define INSN_BUF 16

void x64_init(Emitter *e, uint8_t *start, size_t size, intptr_t rx_delta)
{
    e->start = e->ptr = start;
    e->end = start + size;
    e->rx_delta = rx_delta;
    e->overflow = false;
}

/* Appends n bytes (data, not an instruction). */
static void put_bytes(Emitter *e, const void *bytes, size_t n)
{
    if ((size_t)(e->end - e->ptr) >= n) {
        memcpy(e->ptr, bytes, n);
        e->ptr += n;
    } else {
        e->overflow = true;
    }
}

/* Where the next instruction is encoded: in place when the window has room for any
 * instruction, else in scratch (INSN_BUF bytes). */
static inline uint8_t *insn_start(Emitter *e, uint8_t *scratch)
{
    return __builtin_expect((size_t)(e->end - e->ptr) >= INSN_BUF, 1) ? e->ptr : scratch;
}

/* The instruction was encoded from at (insn_start's answer) up to end. */
static inline void insn_done(Emitter *e, uint8_t *scratch, uint8_t *at, uint8_t *end)
{
    if (__builtin_expect(at != scratch, 1)) {
        e->ptr = end;
        return;
    }
    size_t n = (size_t)(end - at);
    if ((size_t)(e->end - e->ptr) >= n) {
        memcpy(e->ptr, scratch, n);
        e->ptr += n;
    } else {
        e->overflow = true;
    }
}

static uint8_t *enc_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return p + 4;
}

void x64_byte(Emitter *e, uint8_t b)
{
    put_bytes(e, &b, 1);
}

void x64_u32(Emitter *e, uint32_t v)
{
    put_bytes(e, &v, 4);
}

void x64_u64(Emitter *e, uint64_t v)
{
    put_bytes(e, &v, 8);
}

void x64_align(Emitter *e, unsigned align, uint8_t fill)
{
    while (!e->overflow && x64_offset(e) % align) {
        x64_byte(e, fill);
    }
}

static bool is_low_byte_reg_needing_rex(unsigned reg)
{
    /* SDM Vol 2A §2.2.1.2: without REX, byte registers 4-7 are AH/CH/DH/BH; with any REX
     * prefix they are SPL/BPL/SIL/DIL. */
    return reg >= 4 && reg < 8;
}

/* Prefixes, REX and opcode bytes. r: ModRM reg (or an opcode extension), rm: ModRM
 * r/m or base register, x: SIB index. */
static inline __attribute__((always_inline)) uint8_t *enc_opc(uint8_t *p, unsigned opc, unsigned r,
                                                              unsigned rm, unsigned x)
{
    if (opc & OPC_66) {
        *p++ = 0x66;
    }
    unsigned rex = ((opc & OPC_W) ? 8 : 0) | (r & 8) >> 1 | (x & 8) >> 2 | (rm & 8) >> 3;
    bool need_rex = rex != 0 || ((opc & OPC_BYTE_R) && is_low_byte_reg_needing_rex(r)) ||
                    ((opc & OPC_BYTE_M) && is_low_byte_reg_needing_rex(rm));
    if (need_rex) {
        *p++ = (uint8_t)(0x40 | rex);
    }
    if (opc & OPC_0F) {
        *p++ = 0x0f;
    }
    *p++ = (uint8_t)opc;
    return p;
}

/* op with a register-direct r/m (ModRM mod = 11). */
static inline __attribute__((always_inline)) uint8_t *enc_modrm_rr(uint8_t *p, unsigned opc,
                                                                   unsigned r, unsigned rm)
{
    p = enc_opc(p, opc, r, rm, 0);
    *p++ = (uint8_t)(0xc0 | ((r & 7) << 3) | (rm & 7));
    return p;
}

/* op with r/m = [base + index + disp] (index < 0: none). SDM Vol 2A §2.1.5, Tables
 * 2-2 and 2-3: r/m = 100 means a SIB byte follows (always so for base RSP/R12); base
 * RBP/R13 with mod 00 would mean "no base", so they always take a displacement. */
static inline __attribute__((always_inline)) uint8_t *
enc_modrm_memx(uint8_t *p, unsigned opc, unsigned r, unsigned base, int index, int32_t disp)
{
    p = enc_opc(p, opc, r, base, index >= 0 ? (unsigned)index : 0);
    unsigned mod;
    if (disp == 0 && (base & 7) != HR_RBP) {
        mod = 0;
    } else if (fits_i8(disp)) {
        mod = 1;
    } else {
        mod = 2;
    }
    if (index >= 0) {
        *p++ = (uint8_t)((mod << 6) | ((r & 7) << 3) | 4);
        *p++ = (uint8_t)(((unsigned)(index & 7) << 3) | (base & 7));
    } else {
        *p++ = (uint8_t)((mod << 6) | ((r & 7) << 3) | (base & 7));
        if ((base & 7) == HR_RSP) {
            *p++ = 0x24; /* SIB: no index, base = the base register */
        }
    }
    if (mod == 1) {
        *p++ = (uint8_t)disp;
    } else if (mod == 2) {
        p = enc_u32(p, (uint32_t)disp);
    }
    return p;
}

/* Whole instructions of one ModRM form and no immediate. */
static void x64_modrm_rr(Emitter *e, unsigned opc, unsigned r, unsigned rm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    insn_done(e, buf, at, enc_modrm_rr(at, opc, r, rm));
}

static void x64_modrm_memx(Emitter *e, unsigned opc, unsigned r, unsigned base, int index,
                           int32_t disp)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    insn_done(e, buf, at, enc_modrm_memx(at, opc, r, base, index, disp));
}

static unsigned w_flag(bool w64)
{
    return w64 ? OPC_W : 0;
}

void x64_mov_rr(Emitter *e, bool w64, HostReg dst, HostReg src)
{
    x64_modrm_rr(e, OP_MOV_RM | w_flag(w64), dst, src);
}

void x64_movi(Emitter *e, bool w64, HostReg dst, uint64_t imm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf), *p;
    if (!w64 || imm == (uint32_t)imm) {
        /* mov r32, imm32 zero-extends into the full register. */
        p = enc_opc(at, OP_MOV_RI + (dst & 7), 0, dst, 0);
        p = enc_u32(p, (uint32_t)imm);
    } else if (fits_i32((int64_t)imm)) {
        p = enc_modrm_rr(at, OP_MOV_MI | OPC_W, 0, dst);
        p = enc_u32(p, (uint32_t)imm);
    } else {
        p = enc_opc(at, (OP_MOV_RI + (dst & 7)) | OPC_W, 0, dst, 0);
        memcpy(p, &imm, 8);
        p += 8;
    }
    insn_done(e, buf, at, p);
}

void x64_movi_clobbering_flags(Emitter *e, bool w64, HostReg dst, uint64_t imm)
{
    if (imm == 0 || (!w64 && (uint32_t)imm == 0)) {
        x64_alu_rr(e, ALU_XOR, false, dst, dst);
    } else {
        x64_movi(e, w64, dst, imm);
    }
}

static unsigned load_opcode(ExtKind kind, bool w64)
{
    switch (kind) {
    case EXT_8U: return OP_MOVZBL;
    case EXT_8S: return OP_MOVSBL | w_flag(w64);
    case EXT_16U: return OP_MOVZWL;
    case EXT_16S: return OP_MOVSWL | w_flag(w64);
    case EXT_32U: return OP_MOV_RM;
    case EXT_32S: return w64 ? (OP_MOVSXD | OPC_W) : OP_MOV_RM;
    default: return OP_MOV_RM | w_flag(w64);
    }
}

void x64_load_x(Emitter *e, ExtKind kind, bool w64, HostReg dst, HostReg base, int index,
                int32_t disp)
{
    x64_modrm_memx(e, load_opcode(kind, w64), dst, base, index, disp);
}

void x64_load(Emitter *e, ExtKind kind, bool w64, HostReg dst, HostReg base, int32_t disp)
{
    x64_load_x(e, kind, w64, dst, base, -1, disp);
}

void x64_store_x(Emitter *e, unsigned size, HostReg src, HostReg base, int index, int32_t disp)
{
    static const unsigned store_opc[4] = {OP_MOV_MR8 | OPC_BYTE_R, OP_MOV_MR | OPC_66, OP_MOV_MR,
                                          OP_MOV_MR | OPC_W};
    unsigned k = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
    x64_modrm_memx(e, store_opc[k], src, base, index, disp);
}

void x64_store(Emitter *e, unsigned size, HostReg src, HostReg base, int32_t disp)
{
    x64_store_x(e, size, src, base, -1, disp);
}

void x64_cmp_rm_x(Emitter *e, bool w64, HostReg reg, HostReg base, int index, int32_t disp)
{
    x64_modrm_memx(e, ((unsigned)ALU_CMP << 3 | 3) | w_flag(w64), reg, base, index, disp);
}

void x64_store_imm(Emitter *e, unsigned size, HostReg base, int32_t disp, int32_t imm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf), *p;
    switch (size) {
    case 1:
        p = enc_modrm_memx(at, OP_MOV_MI8, 0, base, -1, disp);
        *p++ = (uint8_t)imm;
        break;
    case 2:
        p = enc_modrm_memx(at, OP_MOV_MI | OPC_66, 0, base, -1, disp);
        *p++ = (uint8_t)imm;
        *p++ = (uint8_t)(imm >> 8);
        break;
    case 4:
        p = enc_modrm_memx(at, OP_MOV_MI, 0, base, -1, disp);
        p = enc_u32(p, (uint32_t)imm);
        break;
    default:
        p = enc_modrm_memx(at, OP_MOV_MI | OPC_W, 0, base, -1, disp);
        p = enc_u32(p, (uint32_t)imm);
        break;
    }
    insn_done(e, buf, at, p);
}

void x64_lea(Emitter *e, HostReg dst, HostReg base, int32_t disp)
{
    x64_modrm_memx(e, OP_LEA | OPC_W, dst, base, -1, disp);
}

void x64_lea_x(Emitter *e, bool w64, HostReg dst, HostReg base, int index, int32_t disp)
{
    x64_modrm_memx(e, OP_LEA | w_flag(w64), dst, base, index, disp);
}

void x64_ext_rr(Emitter *e, ExtKind kind, bool w64, HostReg dst, HostReg src)
{
    switch (kind) {
    case EXT_8U: x64_modrm_rr(e, OP_MOVZBL | OPC_BYTE_M, dst, src); break;
    case EXT_8S: x64_modrm_rr(e, OP_MOVSBL | OPC_BYTE_M | w_flag(w64), dst, src); break;
    case EXT_16U: x64_modrm_rr(e, OP_MOVZWL, dst, src); break;
    case EXT_16S: x64_modrm_rr(e, OP_MOVSWL | w_flag(w64), dst, src); break;
    case EXT_32U: x64_modrm_rr(e, OP_MOV_RM, dst, src); break;
    case EXT_32S:
        if (w64) {
            x64_modrm_rr(e, OP_MOVSXD | OPC_W, dst, src);
        } else {
            x64_modrm_rr(e, OP_MOV_RM, dst, src);
        }
        break;
    case EXT_64: x64_modrm_rr(e, OP_MOV_RM | w_flag(w64), dst, src); break;
    }
}

void x64_alu_rr(Emitter *e, AluOp op, bool w64, HostReg dst, HostReg src)
{
    /* op r, r/m is opcode op*8 + 3 (SDM Vol 2 Appendix A, Table A-2). */
    x64_modrm_rr(e, ((unsigned)op << 3 | 3) | w_flag(w64), dst, src);
}

/* An 8-bit immediate when it fits (opcode opc_ib), else a 32-bit one (opc_iz). */
static uint8_t *enc_imm8_or_32(uint8_t *p, int32_t imm)
{
    if (fits_i8(imm)) {
        *p++ = (uint8_t)imm;
        return p;
    }
    return enc_u32(p, (uint32_t)imm);
}

void x64_alu_ri(Emitter *e, AluOp op, bool w64, HostReg dst, int32_t imm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    uint8_t *p = enc_modrm_rr(at, (fits_i8(imm) ? OP_GRP1_IB : OP_GRP1_IZ) | w_flag(w64), op, dst);
    insn_done(e, buf, at, enc_imm8_or_32(p, imm));
}

void x64_cmp_mi(Emitter *e, unsigned size, HostReg base, int32_t disp, int32_t imm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf), *p;
    if (size == 1) {
        p = enc_modrm_memx(at, 0x80, ALU_CMP, base, -1, disp);
        *p++ = (uint8_t)imm;
    } else {
        unsigned opc = (fits_i8(imm) ? OP_GRP1_IB : OP_GRP1_IZ) | (size == 8 ? OPC_W : 0);
        p = enc_imm8_or_32(enc_modrm_memx(at, opc, ALU_CMP, base, -1, disp), imm);
    }
    insn_done(e, buf, at, p);
}

void x64_test_rr(Emitter *e, bool w64, HostReg a, HostReg b)
{
    x64_modrm_rr(e, OP_TEST | w_flag(w64), b, a);
}

void x64_shift_ri(Emitter *e, ShiftOp op, bool w64, HostReg dst, unsigned count)
{
    /* Values are kept reduced to their type, so a shift by 0 has nothing to do. */
    if (count == 0) {
        return;
    }
    if (count == 1) {
        x64_modrm_rr(e, OP_GRP2_1 | w_flag(w64), op, dst);
    } else {
        uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
        uint8_t *p = enc_modrm_rr(at, OP_GRP2_IB | w_flag(w64), op, dst);
        *p++ = (uint8_t)count;
        insn_done(e, buf, at, p);
    }
}

void x64_shift_rcl(Emitter *e, ShiftOp op, bool w64, HostReg dst)
{
    x64_modrm_rr(e, OP_GRP2_CL | w_flag(w64), op, dst);
}

/* A VEX-encoded 0F38 instruction with ModRM mod = 11 (SDM Vol 2A §2.3.5, three-byte
 * form C4). pp: 0 none, 1 66, 2 F3, 3 F2. */
static void x64_vex_0f38_rr(Emitter *e, uint8_t opcode, unsigned pp, bool w64, unsigned reg,
                            unsigned vvvv, unsigned rm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    at[0] = 0xc4;
    /* R, X, B are stored inverted; map_select 00010 is the 0F38 map. */
    at[1] = (uint8_t)(((~reg & 8) << 4) | 0x40 | ((~rm & 8) << 2) | 0x02);
    at[2] = (uint8_t)((w64 ? 0x80 : 0) | ((~vvvv & 15) << 3) | pp);
    at[3] = opcode;
    at[4] = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
    insn_done(e, buf, at, at + 5);
}

void x64_shiftx(Emitter *e, ShiftOp op, bool w64, HostReg dst, HostReg src, HostReg count)
{
    /* SDM Vol 2B SARX/SHLX/SHRX: VEX.LZ.F3/66/F2.0F38.W F7 /r, count in VEX.vvvv. */
    unsigned pp = op == SHIFT_SHL ? 1 : op == SHIFT_SAR ? 2 : 3;
    x64_vex_0f38_rr(e, 0xf7, pp, w64, dst, count, src);
}

void x64_andn(Emitter *e, bool w64, HostReg dst, HostReg a, HostReg b)
{
    /* SDM Vol 2A ANDN: VEX.LZ.0F38.W F2 /r, dst = ~vvvv & r/m. */
    x64_vex_0f38_rr(e, 0xf2, 0, w64, dst, a, b);
}

void x64_unary(Emitter *e, UnaryOp op, bool w64, HostReg reg)
{
    x64_modrm_rr(e, OP_GRP3 | w_flag(w64), op, reg);
}

void x64_imul_rr(Emitter *e, bool w64, HostReg dst, HostReg src)
{
    x64_modrm_rr(e, OP_IMUL_RM | w_flag(w64), dst, src);
}

void x64_imul_rri(Emitter *e, bool w64, HostReg dst, HostReg src, int32_t imm)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    unsigned opc = (fits_i8(imm) ? OP_IMUL_RMI8 : OP_IMUL_RMI) | w_flag(w64);
    insn_done(e, buf, at, enc_imm8_or_32(enc_modrm_rr(at, opc, dst, src), imm));
}

void x64_setcc(Emitter *e, HostCond cc, HostReg dst)
{
    x64_modrm_rr(e, (OP_SETCC + cc) | OPC_BYTE_M, 0, dst);
}

void x64_cmovcc(Emitter *e, HostCond cc, bool w64, HostReg dst, HostReg src)
{
    x64_modrm_rr(e, (OP_CMOVCC + cc) | w_flag(w64), dst, src);
}

void x64_patch_rel32(Emitter *e, size_t at, size_t target_offset)
{
    if (at + 4 > (size_t)(e->end - e->start)) {
        e->overflow = true;
        return;
    }
    int64_t rel = (int64_t)target_offset - (int64_t)(at + 4);
    uint32_t v = (uint32_t)(int32_t)rel;
    memcpy(e->start + at, &v, 4);
}

/* A branch whose opcode bytes were encoded from at (insn_start's answer, with
 * scratch) up to disp, then a rel32 to target_offset (0: patched later). Returns the
 * offset of the rel32. */
static size_t put_branch(Emitter *e, uint8_t *scratch, uint8_t *at, uint8_t *disp,
                         size_t target_offset)
{
    size_t disp_offset = x64_offset(e) + (size_t)(disp - at);
    int64_t rel = target_offset ? (int64_t)target_offset - (int64_t)(disp_offset + 4) : 0;
    insn_done(e, scratch, at, enc_u32(disp, (uint32_t)(int32_t)rel));
    return disp_offset;
}

size_t x64_jcc(Emitter *e, HostCond cc, size_t target_offset)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    return put_branch(e, buf, at, enc_opc(at, OP_JCC32 + cc, 0, 0, 0), target_offset);
}

size_t x64_jmp(Emitter *e, size_t target_offset)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    at[0] = OP_JMP32;
    return put_branch(e, buf, at, at + 1, target_offset);
}

void x64_jmp_abs(Emitter *e, uintptr_t target)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    uintptr_t next = x64_rx_addr(e, x64_offset(e) + 5);
    at[0] = OP_JMP32;
    insn_done(e, buf, at, enc_u32(at + 1, (uint32_t)(int32_t)(int64_t)(target - next)));
}

void x64_jmp_reg(Emitter *e, HostReg reg)
{
    x64_modrm_rr(e, OP_GRP5, 4, reg);
}

void x64_jmp_mem(Emitter *e, HostReg base, int32_t disp)
{
    x64_modrm_memx(e, OP_GRP5, 4, base, -1, disp);
}

void x64_call_reg(Emitter *e, HostReg reg)
{
    x64_modrm_rr(e, OP_GRP5, 2, reg);
}

void x64_push(Emitter *e, HostReg reg)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    insn_done(e, buf, at, enc_opc(at, 0x50 + (reg & 7), 0, reg, 0));
}

void x64_pop(Emitter *e, HostReg reg)
{
    uint8_t buf[INSN_BUF], *at = insn_start(e, buf);
    insn_done(e, buf, at, enc_opc(at, 0x58 + (reg & 7), 0, reg, 0));
}

void x64_ret(Emitter *e)
{
    x64_byte(e, 0xc3);
}

void x64_mfence(Emitter *e)
{
    /* SDM Vol 2B MFENCE: NP 0F AE F0. */
    static const uint8_t mfence[3] = {0x0f, 0xae, 0xf0};
    put_bytes(e, mfence, 3);
}
