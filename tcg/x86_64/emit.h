/* The x86-64 instruction encoder of the native backend: small functions that append
 * one host instruction each to a byte buffer. Encodings follow the Intel SDM Vol 2
 * (§2.1 instruction format, §2.2.1 REX prefixes, §2.3 VEX prefixes, and the opcode
 * tables of Vol 2 Appendix A). Nothing here knows about the IR; the functions are
 * named x64_ after the instruction (set) they emit. */
#ifndef PACIFICA_TCG_X86_64_EMIT_H
#define PACIFICA_TCG_X86_64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Host registers, numbered as in ModRM/REX (SDM Vol 2A §2.1.5, Table 2-2). */
typedef enum HostReg {
    HR_RAX,
    HR_RCX,
    HR_RDX,
    HR_RBX,
    HR_RSP,
    HR_RBP,
    HR_RSI,
    HR_RDI,
    HR_R8,
    HR_R9,
    HR_R10,
    HR_R11,
    HR_R12,
    HR_R13,
    HR_R14,
    HR_R15,
    HR_COUNT
} HostReg;

/* Condition codes, the low nibble of Jcc/SETcc/CMOVcc (SDM Vol 1 Appendix B). */
typedef enum HostCond {
    HC_O = 0x0,
    HC_NO = 0x1,
    HC_B = 0x2,
    HC_AE = 0x3,
    HC_E = 0x4,
    HC_NE = 0x5,
    HC_BE = 0x6,
    HC_A = 0x7,
    HC_S = 0x8,
    HC_NS = 0x9,
    HC_L = 0xc,
    HC_GE = 0xd,
    HC_LE = 0xe,
    HC_G = 0xf,
} HostCond;

/* The /digit of the group-1 ALU opcodes (80/81/83) and the r/m,r forms op*8+1. */
typedef enum AluOp {
    ALU_ADD = 0,
    ALU_OR = 1,
    ALU_AND = 4,
    ALU_SUB = 5,
    ALU_XOR = 6,
    ALU_CMP = 7,
} AluOp;

/* The /digit of the group-2 shift opcodes (C1/D3). */
typedef enum ShiftOp {
    SHIFT_ROL = 0,
    SHIFT_ROR = 1,
    SHIFT_SHL = 4,
    SHIFT_SHR = 5,
    SHIFT_SAR = 7,
} ShiftOp;

/* The /digit of the group-3 opcodes (F7). */
typedef enum UnaryOp {
    UNARY_NOT = 2,
    UNARY_NEG = 3,
    UNARY_MUL = 4,  /* rdx:rax = rax * r/m, unsigned */
    UNARY_IMUL = 5, /* same, signed */
} UnaryOp;

/* Loads with their extension, and zero/sign extensions between registers. */
typedef enum ExtKind {
    EXT_8U,
    EXT_8S,
    EXT_16U,
    EXT_16S,
    EXT_32U, /* a 32-bit mov: the upper half is cleared (SDM Vol 1 §3.4.1.1) */
    EXT_32S,
    EXT_64,
} ExtKind;

/* Code being written: a window of the code buffer's writable view. Running past
 * `end` sets overflow and drops the bytes, so callers check once at the end. */
typedef struct Emitter {
    uint8_t *start;
    uint8_t *ptr;
    uint8_t *end;
    intptr_t rx_delta; /* executable address = writable address + rx_delta */
    bool overflow;
} Emitter;

void x64_init(Emitter *e, uint8_t *start, size_t size, intptr_t rx_delta);

static inline size_t x64_offset(const Emitter *e)
{
    return (size_t)(e->ptr - e->start);
}

/* The executable address of an offset in the window. */
static inline uintptr_t x64_rx_addr(const Emitter *e, size_t offset)
{
    return (uintptr_t)(e->start + offset) + (uintptr_t)e->rx_delta;
}

void x64_byte(Emitter *e, uint8_t b);
void x64_u32(Emitter *e, uint32_t v);
void x64_u64(Emitter *e, uint64_t v);
void x64_align(Emitter *e, unsigned align, uint8_t fill);

static inline bool fits_i8(int64_t v)
{
    return v == (int8_t)v;
}

static inline bool fits_i32(int64_t v)
{
    return v == (int32_t)v;
}

/* Register moves and constants. w64: 64-bit operand size, else 32 (which clears the
 * upper half). x64_movi never touches the flags; x64_movi_clobbering_flags may use
 * XOR for zero. */
void x64_mov_rr(Emitter *e, bool w64, HostReg dst, HostReg src);
void x64_movi(Emitter *e, bool w64, HostReg dst, uint64_t imm);
void x64_movi_clobbering_flags(Emitter *e, bool w64, HostReg dst, uint64_t imm);

/* Memory operands are [base + disp]. */
void x64_load(Emitter *e, ExtKind kind, bool w64, HostReg dst, HostReg base, int32_t disp);
/* Stores size bytes (1, 2, 4, 8) of src. */
void x64_store(Emitter *e, unsigned size, HostReg src, HostReg base, int32_t disp);
/* The same with [base + index + disp] (index < 0: none; never RSP). */
void x64_load_x(Emitter *e, ExtKind kind, bool w64, HostReg dst, HostReg base, int index,
                int32_t disp);
void x64_store_x(Emitter *e, unsigned size, HostReg src, HostReg base, int index, int32_t disp);
/* cmp reg, [base + index + disp] */
void x64_cmp_rm_x(Emitter *e, bool w64, HostReg reg, HostReg base, int index, int32_t disp);
/* Stores an immediate: size 8 sign-extends imm from 32 bits. */
void x64_store_imm(Emitter *e, unsigned size, HostReg base, int32_t disp, int32_t imm);
void x64_lea(Emitter *e, HostReg dst, HostReg base, int32_t disp);
/* dst = base + index + disp (index < 0: none), without touching the flags; the 32-bit
 * form keeps the low half of the sum, zero-extended (SDM Vol 2A LEA, operand size 32). */
void x64_lea_x(Emitter *e, bool w64, HostReg dst, HostReg base, int index, int32_t disp);
/* dst = sign/zero extension of src's low bits. */
void x64_ext_rr(Emitter *e, ExtKind kind, bool w64, HostReg dst, HostReg src);

/* dst = dst OP src; dst = dst OP imm (imm sign-extended from 32 bits when w64). */
void x64_alu_rr(Emitter *e, AluOp op, bool w64, HostReg dst, HostReg src);
void x64_alu_ri(Emitter *e, AluOp op, bool w64, HostReg dst, int32_t imm);
/* cmp size bytes at [base + disp] with a sign-extended imm8/imm32. */
void x64_cmp_mi(Emitter *e, unsigned size, HostReg base, int32_t disp, int32_t imm);
void x64_test_rr(Emitter *e, bool w64, HostReg a, HostReg b);

void x64_shift_ri(Emitter *e, ShiftOp op, bool w64, HostReg dst, unsigned count);
void x64_shift_rcl(Emitter *e, ShiftOp op, bool w64, HostReg dst);
/* BMI2 SHLX/SHRX/SARX: dst = src shifted by count (masked to the width). Only SHL,
 * SHR and SAR. */
void x64_shiftx(Emitter *e, ShiftOp op, bool w64, HostReg dst, HostReg src, HostReg count);
/* BMI1 ANDN: dst = ~a & b. */
void x64_andn(Emitter *e, bool w64, HostReg dst, HostReg a, HostReg b);

void x64_unary(Emitter *e, UnaryOp op, bool w64, HostReg reg);
void x64_imul_rr(Emitter *e, bool w64, HostReg dst, HostReg src);
void x64_imul_rri(Emitter *e, bool w64, HostReg dst, HostReg src, int32_t imm);

void x64_setcc(Emitter *e, HostCond cc, HostReg dst);
void x64_cmovcc(Emitter *e, HostCond cc, bool w64, HostReg dst, HostReg src);

/* Branches with a 32-bit displacement: they return the offset of the displacement,
 * for x64_patch_rel32. target_offset is an offset in the window or 0 to patch later. */
size_t x64_jcc(Emitter *e, HostCond cc, size_t target_offset);
size_t x64_jmp(Emitter *e, size_t target_offset);
/* A jmp/call to an absolute executable address outside the window. */
void x64_jmp_abs(Emitter *e, uintptr_t target);
void x64_patch_rel32(Emitter *e, size_t at, size_t target_offset);
void x64_jmp_reg(Emitter *e, HostReg reg);
/* jmp qword ptr [base + disp] */
void x64_jmp_mem(Emitter *e, HostReg base, int32_t disp);
void x64_call_reg(Emitter *e, HostReg reg);
void x64_push(Emitter *e, HostReg reg);
void x64_pop(Emitter *e, HostReg reg);
void x64_ret(Emitter *e);
void x64_mfence(Emitter *e);

#endif
