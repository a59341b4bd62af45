/* Tests of the x86 decoder (cpu/x86/decode.c, cpu/x86/opcodes.c) and of the capstone
 * disassembly log (cpu/x86/disas.c):
 *  - hand-written encodings with every field that matters checked, in 16-, 32- and
 *    64-bit code;
 *  - robustness: truncated input, exact-size buffers, random garbage;
 *  - a differential length test against capstone over an opcode sweep and random
 *    instructions in each mode.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* capstone's x86.h has an enumerator X86_OP_INVALID (an operand type) that clashes with
 * our X86Op of the same name: rename capstone's while its header is read. */
#define X86_OP_INVALID CAPSTONE_X86_OP_INVALID
#include <capstone/capstone.h>
#undef X86_OP_INVALID

#include "cpu/x86/decode.h"
#include "cpu/x86/disas.h"

enum { ES, CS, SS, DS, FS, GS };
#define C16      X86_CODE16
#define C32      X86_CODE32
#define C64      X86_CODE64
#define OK       X86_DECODE_OK
#define UD       X86_DECODE_UD
#define OP(name) X86_OP_##name

/* Which optional groups of fields a case checks. */
enum {
    CK_MODRM = 1 << 0, /* mod, reg, rm */
    CK_MEM = 1 << 1,   /* base, index, scale, disp, default_seg, rip_relative */
    CK_IMM = 1 << 2,   /* imm, imm2 */
    CK_SEG = 1 << 3,   /* seg */
    CK_REP = 1 << 4,   /* rep */
    CK_MAND = 1 << 5,  /* mandatory */
    CK_CC = 1 << 6,    /* cc */
    CK_ZREG = 1 << 7,  /* zreg */
    CK_VEX = 1 << 8,   /* vex, vex_l, vex_vvvv, rex_w */
    CK_REX = 1 << 9,   /* rex */
    CK_LOCK = 1 << 10, /* lock */
};

typedef struct DecodeCase {
    X86CodeSize mode;
    const char *hex;
    X86DecodeResult result; /* OK (0) unless said */
    uint8_t len;
    uint16_t op;
    uint8_t opsize, addrsize; /* 0: not checked */
    unsigned ck;
    uint8_t mod, reg, rm;
    int8_t base, index;
    uint8_t scale;
    int64_t disp;
    int8_t dseg;
    bool rip;
    uint64_t imm, imm2;
    int8_t seg;
    uint8_t rep, mandatory, cc, zreg, vex_l, vvvv, rex;
    bool w, lock;
} DecodeCase;

#define MODRM(m, r, b)      .ck = CK_MODRM, .mod = m, .reg = r, .rm = b
#define MEM(b, i, s, d, sg) .base = b, .index = i, .scale = s, .disp = d, .dseg = sg

/* clang-format off */
static const DecodeCase decode_cases[] = {
    /* ---- operand size: CS.D xor 66, REX.W, d64/f64 ---- */
    {C32, "89 c8", .len = 2, .op = OP(MOV), .opsize = 4, .addrsize = 4, MODRM(3, 1, 0)},
    {C32, "66 89 c8", .len = 3, .op = OP(MOV), .opsize = 2, .addrsize = 4},
    {C16, "89 c8", .len = 2, .op = OP(MOV), .opsize = 2, .addrsize = 2},
    {C16, "66 89 c8", .len = 3, .op = OP(MOV), .opsize = 4},
    {C64, "89 c8", .len = 2, .op = OP(MOV), .opsize = 4, .addrsize = 8},
    {C64, "48 89 c8", .len = 3, .op = OP(MOV), .opsize = 8, .ck = CK_REX, .rex = 0x48},
    {C64, "66 48 89 c8", .len = 4, .op = OP(MOV), .opsize = 8},           /* W beats 66 */
    {C64, "4d 89 c8", .len = 3, .op = OP(MOV), .opsize = 8, MODRM(3, 9, 8)},
    {C64, "50", .len = 1, .op = OP(PUSH), .opsize = 8, .ck = CK_ZREG, .zreg = 0}, /* d64 */
    {C64, "66 50", .len = 2, .op = OP(PUSH), .opsize = 2},
    {C64, "41 5f", .len = 2, .op = OP(POP), .opsize = 8, .ck = CK_ZREG, .zreg = 15},
    {C32, "57", .len = 1, .op = OP(PUSH), .opsize = 4, .ck = CK_ZREG, .zreg = 7},
    {C64, "66 e9 00 00 00 00", .len = 6, .op = OP(JMP), .opsize = 8},       /* f64: rel32 */
    {C32, "66 e9 34 12", .len = 4, .op = OP(JMP), .opsize = 2, .ck = CK_IMM, .imm = 0x1234},
    {C64, "ff e0", .len = 2, .op = OP(JMP), .opsize = 8, MODRM(3, 4, 0)},
    {C64, "ff 25 00 10 00 00", .len = 6, .op = OP(JMP), .opsize = 8, .ck = CK_MEM,
     MEM(-1, -1, 0, 0x1000, DS), .rip = true},
    {C64, "9c", .len = 1, .op = OP(PUSHF), .opsize = 8},
    {C64, "cf", .len = 1, .op = OP(IRET), .opsize = 4},
    {C64, "48 cf", .len = 2, .op = OP(IRET), .opsize = 8},
    {C32, "0f b6 c1", .len = 3, .op = OP(MOVZX), .opsize = 4},
    {C64, "48 63 c1", .len = 3, .op = OP(MOVSXD), .opsize = 8},
    {C32, "63 c1", .len = 2, .op = OP(ARPL)},
    {C32, "88 c4", .len = 2, .op = OP(MOV), .opsize = 1, MODRM(3, 0, 4)},
    {C64, "40 88 c4", .len = 3, .op = OP(MOV), .opsize = 1, .ck = CK_REX, .rex = 0x40},
    /* ---- address size ---- */
    {C32, "67 8b 00", .len = 3, .op = OP(MOV), .addrsize = 2, .ck = CK_MEM, MEM(3, 6, 0, 0, DS)},
    {C16, "67 8b 00", .len = 3, .op = OP(MOV), .addrsize = 4, .ck = CK_MEM, MEM(0, -1, 0, 0, DS)},
    {C64, "67 8b 00", .len = 3, .op = OP(MOV), .addrsize = 4, .ck = CK_MEM, MEM(0, -1, 0, 0, DS)},
    {C64, "e3 fe", .len = 2, .op = OP(JCXZ), .addrsize = 8, .ck = CK_IMM, .imm = (uint64_t)-2},
    {C64, "67 e3 fe", .len = 3, .op = OP(JCXZ), .addrsize = 4},
    /* ---- legacy prefixes: order, repeats, last-wins, segment overrides ---- */
    {C32, "f3 f2 a4", .len = 3, .op = OP(MOVS), .opsize = 1, .ck = CK_REP, .rep = 0xf2},
    {C32, "f2 f3 a5", .len = 3, .op = OP(MOVS), .opsize = 4, .ck = CK_REP, .rep = 0xf3},
    {C16, "f3 ab", .len = 2, .op = OP(STOS), .opsize = 2, .ck = CK_REP, .rep = 0xf3},
    {C32, "2e 3e 8b 00", .len = 4, .op = OP(MOV), .ck = CK_SEG, .seg = DS},
    {C32, "26 8b 00", .len = 3, .op = OP(MOV), .ck = CK_SEG, .seg = ES},
    {C32, "8b 00", .len = 2, .op = OP(MOV), .ck = CK_SEG, .seg = -1},
    {C64, "2e 8b 00", .len = 3, .op = OP(MOV), .ck = CK_SEG, .seg = -1}, /* ignored in 64 */
    {C64, "64 8b 00", .len = 3, .op = OP(MOV), .ck = CK_SEG, .seg = FS},
    {C64, "65 36 8b 00", .len = 4, .op = OP(MOV), .ck = CK_SEG, .seg = GS},
    {C64, "66 66 66 89 c8", .len = 5, .op = OP(MOV), .opsize = 2},
    /* ---- REX: 64-bit only, only right before the opcode, the last one counts ---- */
    {C32, "48", .len = 1, .op = OP(DEC), .opsize = 4, .ck = CK_ZREG, .zreg = 0},
    {C32, "41", .len = 1, .op = OP(INC), .ck = CK_ZREG, .zreg = 1},
    {C64, "48 66 89 c8", .len = 4, .op = OP(MOV), .opsize = 2, .ck = CK_REX, .rex = 0},
    {C64, "48 f3 a5", .len = 3, .op = OP(MOVS), .opsize = 4, .ck = CK_REX, .rex = 0},
    {C64, "f3 48 a5", .len = 3, .op = OP(MOVS), .opsize = 8, .ck = CK_REX | CK_REP, .rex = 0x48,
     .rep = 0xf3},
    {C64, "41 48 89 c8", .len = 4, .op = OP(MOV), .opsize = 8, MODRM(3, 1, 0)},
    {C64, "48 41 89 c8", .len = 4, .op = OP(MOV), .opsize = 4, MODRM(3, 1, 8)},
    {C64, "44 0f b6 c8", .len = 4, .op = OP(MOVZX), MODRM(3, 9, 0)},
    /* ---- NOP / PAUSE / XCHG ---- */
    {C64, "90", .len = 1, .op = OP(NOP)},
    {C64, "66 90", .len = 2, .op = OP(NOP)},
    {C64, "f3 90", .len = 2, .op = OP(PAUSE)},
    {C64, "41 90", .len = 2, .op = OP(XCHG), .ck = CK_ZREG, .zreg = 8},
    {C32, "93", .len = 1, .op = OP(XCHG), .ck = CK_ZREG, .zreg = 3},
    {C64, "0f 1f 44 00 00", .len = 5, .op = OP(NOP)},
    {C64, "66 2e 0f 1f 84 00 00 00 00 00", .len = 10, .op = OP(NOP)},
    {C64, "f3 0f 1e fa", .len = 4, .op = OP(NOP)}, /* ENDBR64: hint NOP */
    /* ---- immediates ---- */
    {C32, "04 7f", .len = 2, .op = OP(ADD), .opsize = 1, .ck = CK_IMM, .imm = 0x7f},
    {C32, "b4 ff", .len = 2, .op = OP(MOV), .opsize = 1, .ck = CK_IMM | CK_ZREG, .imm = 0xff,
     .zreg = 4},
    {C64, "41 b0 01", .len = 3, .op = OP(MOV), .ck = CK_ZREG, .zreg = 8},
    {C32, "83 c0 ff", .len = 3, .op = OP(ADD), .opsize = 4, .ck = CK_IMM,
     .imm = UINT64_MAX}, /* Ibs */
    {C64, "6a 80", .len = 2, .op = OP(PUSH), .opsize = 8, .ck = CK_IMM, .imm = (uint64_t)-128},
    {C32, "c2 08 00", .len = 3, .op = OP(RET), .ck = CK_IMM, .imm = 8},
    {C32, "05 78 56 34 12", .len = 5, .op = OP(ADD), .ck = CK_IMM, .imm = 0x12345678},
    {C32, "66 05 34 12", .len = 4, .op = OP(ADD), .opsize = 2, .ck = CK_IMM, .imm = 0x1234},
    {C16, "05 34 12", .len = 3, .op = OP(ADD), .opsize = 2, .ck = CK_IMM, .imm = 0x1234},
    {C64, "48 05 ff ff ff ff", .len = 6, .op = OP(ADD), .opsize = 8, .ck = CK_IMM,
     .imm = UINT64_MAX}, /* Iz is imm32 sign-extended for 64-bit operands */
    {C64, "48 c7 c0 00 00 00 80", .len = 7, .op = OP(MOV), .ck = CK_IMM,
     .imm = 0xffffffff80000000ull},
    {C64, "48 69 c0 00 01 00 00", .len = 7, .op = OP(IMUL), .ck = CK_IMM, .imm = 0x100},
    {C64, "48 b8 08 07 06 05 04 03 02 01", .len = 10, .op = OP(MOV), .opsize = 8, .ck = CK_IMM,
     .imm = 0x0102030405060708ull}, /* Iv: imm64 only here */
    {C64, "b8 04 03 02 01", .len = 5, .op = OP(MOV), .opsize = 4, .ck = CK_IMM, .imm = 0x01020304},
    {C32, "66 b8 34 12", .len = 4, .op = OP(MOV), .opsize = 2, .ck = CK_IMM, .imm = 0x1234},
    {C32, "eb fe", .len = 2, .op = OP(JMP), .ck = CK_IMM, .imm = (uint64_t)-2},
    {C32, "74 10", .len = 2, .op = OP(JCC), .ck = CK_IMM | CK_CC, .imm = 0x10, .cc = 4},
    {C64, "0f 85 fc ff ff ff", .len = 6, .op = OP(JCC), .opsize = 8, .ck = CK_IMM | CK_CC,
     .imm = (uint64_t)-4, .cc = 5},
    {C16, "e8 fd ff", .len = 3, .op = OP(CALL), .opsize = 2, .ck = CK_IMM, .imm = (uint64_t)-3},
    {C16, "0f 8f 00 01", .len = 4, .op = OP(JCC), .ck = CK_CC | CK_IMM, .cc = 15, .imm = 0x100},
    {C32, "e8 00 00 00 00", .len = 5, .op = OP(CALL), .opsize = 4, .ck = CK_IMM, .imm = 0},
    {C32, "cd 80", .len = 2, .op = OP(INT), .ck = CK_IMM, .imm = 0x80},
    {C32, "e4 60", .len = 2, .op = OP(IN), .opsize = 1, .ck = CK_IMM, .imm = 0x60},
    {C32, "c1 e0 04", .len = 3, .op = OP(SHL), .ck = CK_IMM, .imm = 4},
    {C32, "d1 f0", .len = 2, .op = OP(SHL), MODRM(3, 6, 0)}, /* /6 = SAL */
    {C32, "d3 f8", .len = 2, .op = OP(SAR)},
    {C32, "f6 c3 01", .len = 3, .op = OP(TEST), .opsize = 1, .ck = CK_IMM, .imm = 1},
    {C32, "f7 c3 01 00 00 00", .len = 6, .op = OP(TEST), .opsize = 4},
    {C32, "f7 db", .len = 2, .op = OP(NEG), MODRM(3, 3, 3)},
    {C32, "0f a4 c2 05", .len = 4, .op = OP(SHLD), .ck = CK_IMM, .imm = 5},
    {C32, "0f ba e0 05", .len = 4, .op = OP(BT), .ck = CK_IMM, .imm = 5},
    /* far pointers (Ap): offset then selector */
    {C32, "ea 78 56 34 12 08 00", .len = 7, .op = OP(JMPF), .ck = CK_IMM, .imm = 0x12345678,
     .imm2 = 8},
    {C16, "ea 34 12 00 f0", .len = 5, .op = OP(JMPF), .ck = CK_IMM, .imm = 0x1234, .imm2 = 0xf000},
    {C16, "66 ea 78 56 34 12 10 00", .len = 8, .op = OP(JMPF), .ck = CK_IMM, .imm = 0x12345678,
     .imm2 = 0x10},
    {C32, "66 9a 34 12 08 00", .len = 6, .op = OP(CALLF), .ck = CK_IMM, .imm = 0x1234, .imm2 = 8},
    {C64, "ea 78 56 34 12 08 00", .result = UD, .len = 7},
    {C32, "ff 2d 00 10 00 00", .len = 6, .op = OP(JMPF), .ck = CK_MEM, MEM(-1, -1, 0, 0x1000, DS)},
    {C32, "ff e8", .result = UD, .len = 2}, /* JMPF needs memory */
    /* moffs: address-size wide, in imm and disp */
    {C64, "a0 08 07 06 05 04 03 02 01", .len = 9, .op = OP(MOV), .opsize = 1,
     .ck = CK_IMM | CK_MEM, .imm = 0x0102030405060708ull,
     MEM(-1, -1, 0, 0x0102030405060708ll, DS)},
    {C64, "67 a1 00 00 00 80", .len = 6, .op = OP(MOV), .opsize = 4, .addrsize = 4,
     .ck = CK_IMM | CK_MEM, .imm = 0x80000000u, MEM(-1, -1, 0, 0x80000000ll, DS)},
    {C64, "48 a3 00 10 00 00 00 00 00 00", .len = 10, .op = OP(MOV), .opsize = 8},
    {C32, "a3 00 10 00 00", .len = 5, .op = OP(MOV), .ck = CK_IMM, .imm = 0x1000},
    {C32, "67 a0 34 12", .len = 4, .op = OP(MOV), .addrsize = 2, .ck = CK_IMM, .imm = 0x1234},
    {C16, "a2 34 12", .len = 3, .op = OP(MOV), .ck = CK_IMM, .imm = 0x1234},
    {C16, "64 a1 00 80", .len = 4, .op = OP(MOV), .ck = CK_IMM | CK_SEG, .imm = 0x8000, .seg = FS},
    /* ENTER: Iw then Ib */
    {C32, "c8 10 00 01", .len = 4, .op = OP(ENTER), .ck = CK_IMM, .imm = 0x10, .imm2 = 1},
    {C64, "c8 00 01 00", .len = 4, .op = OP(ENTER), .opsize = 8, .ck = CK_IMM, .imm = 0x100,
     .imm2 = 0},
    /* ---- 16-bit addressing, SDM Vol 2 Table 2-1 ---- */
    {C16, "8b 00", .len = 2, .ck = CK_MEM, MEM(3, 6, 0, 0, DS)},   /* [bx+si] */
    {C16, "8b 01", .len = 2, .ck = CK_MEM, MEM(3, 7, 0, 0, DS)},   /* [bx+di] */
    {C16, "8b 02", .len = 2, .ck = CK_MEM, MEM(5, 6, 0, 0, SS)},   /* [bp+si] */
    {C16, "8b 03", .len = 2, .ck = CK_MEM, MEM(5, 7, 0, 0, SS)},   /* [bp+di] */
    {C16, "8b 04", .len = 2, .ck = CK_MEM, MEM(6, -1, 0, 0, DS)},  /* [si] */
    {C16, "8b 05", .len = 2, .ck = CK_MEM, MEM(7, -1, 0, 0, DS)},  /* [di] */
    {C16, "8b 06 34 12", .len = 4, .ck = CK_MEM, MEM(-1, -1, 0, 0x1234, DS)}, /* [disp16] */
    {C16, "8b 07", .len = 2, .ck = CK_MEM, MEM(3, -1, 0, 0, DS)},  /* [bx] */
    {C16, "8b 46 fe", .len = 3, .ck = CK_MEM, MEM(5, -1, 0, -2, SS)}, /* [bp-2] */
    {C16, "8b 40 7f", .len = 3, .ck = CK_MEM, MEM(3, 6, 0, 0x7f, DS)},
    {C16, "8b 87 00 80", .len = 4, .ck = CK_MEM, MEM(3, -1, 0, -0x8000, DS)}, /* disp16 */
    {C16, "8b 86 34 12", .len = 4, .ck = CK_MEM, MEM(5, -1, 0, 0x1234, SS)},
    {C16, "3e 8b 46 00", .len = 4, .ck = CK_MEM | CK_SEG, MEM(5, -1, 0, 0, SS), .seg = DS},
    {C16, "8b c3", .len = 2, MODRM(3, 0, 3)},
    /* ---- 32/64-bit addressing and SIB, SDM Vol 2 Tables 2-2, 2-3 ---- */
    {C32, "8b 04 24", .len = 3, .ck = CK_MEM, MEM(4, -1, 0, 0, SS)},        /* [esp] */
    {C32, "8b 44 24 08", .len = 4, .ck = CK_MEM, MEM(4, -1, 0, 8, SS)},
    {C32, "8b 04 8d 00 10 00 00", .len = 7, .ck = CK_MEM, MEM(-1, 1, 2, 0x1000, DS)},
    {C32, "8b 04 0b", .len = 3, .ck = CK_MEM, MEM(3, 1, 0, 0, DS)},
    {C32, "8b 44 4d 10", .len = 4, .ck = CK_MEM, MEM(5, 1, 1, 0x10, SS)},  /* [ebp+ecx*2+16] */
    {C32, "8b 45 00", .len = 3, .ck = CK_MEM, MEM(5, -1, 0, 0, SS)},
    {C32, "8b 05 78 56 34 12", .len = 6, .ck = CK_MEM, MEM(-1, -1, 0, 0x12345678, DS)},
    {C32, "8b 80 00 00 00 80", .len = 6, .ck = CK_MEM, MEM(0, -1, 0, -0x80000000ll, DS)},
    {C32, "8b 84 c8 00 01 00 00", .len = 7, .ck = CK_MEM, MEM(0, 1, 3, 0x100, DS)},
    {C32, "8b 0c 65 00 00 00 00", .len = 7, .ck = CK_MEM, MEM(-1, -1, 1, 0, DS)}, /* no index */
    {C64, "8b 04 25 10 00 00 00", .len = 7, .ck = CK_MEM, MEM(-1, -1, 0, 0x10, DS)},
    {C64, "42 8b 04 25 10 00 00 00", .len = 8, .ck = CK_MEM, MEM(-1, 12, 0, 0x10, DS)},
    {C64, "41 8b 04 24", .len = 4, .ck = CK_MEM, MEM(12, -1, 0, 0, DS)},  /* [r12] */
    {C64, "41 8b 45 00", .len = 4, .ck = CK_MEM, MEM(13, -1, 0, 0, DS)},  /* [r13+0] */
    {C64, "43 8b 44 fd f0", .len = 5, .ck = CK_MEM, MEM(13, 15, 3, -16, DS)},
    {C64, "8b 64 24 f8", .len = 4, .ck = CK_MEM, MEM(4, -1, 0, -8, SS)},
    {C64, "48 8b 05 10 00 00 00", .len = 7, .op = OP(MOV), .ck = CK_MEM,
     MEM(-1, -1, 0, 0x10, DS), .rip = true},                               /* RIP-relative */
    {C64, "41 8b 05 f0 ff ff ff", .len = 7, .ck = CK_MEM, MEM(-1, -1, 0, -16, DS), .rip = true},
    {C64, "67 8b 05 00 01 00 00", .len = 7, .addrsize = 4, .ck = CK_MEM,
     MEM(-1, -1, 0, 0x100, DS), .rip = true},
    {C32, "8d 04 40", .len = 3, .op = OP(LEA), .ck = CK_MEM, MEM(0, 0, 1, 0, DS)},
    {C32, "8d c0", .result = UD, .len = 2},                                 /* LEA reg */
    /* ---- LOCK ---- */
    {C32, "f0 01 00", .len = 3, .op = OP(ADD), .ck = CK_LOCK, .lock = true},
    {C32, "f0 01 c0", .result = UD, .len = 3},     /* register destination */
    {C32, "f0 8b 00", .result = UD, .len = 3},     /* MOV is not lockable */
    {C32, "f0 90", .result = UD, .len = 2},
    {C32, "f0 80 38 00", .result = UD, .len = 4},  /* CMP */
    {C32, "f0 80 30 00", .len = 4, .op = OP(XOR)},
    {C32, "f0 f6 00 00", .result = UD, .len = 4},  /* TEST */
    {C32, "f0 f6 10", .len = 3, .op = OP(NOT)},
    {C32, "f0 86 00", .len = 3, .op = OP(XCHG)},
    {C32, "f0 0f c7 08", .len = 4, .op = OP(CMPXCHG8B)},
    {C64, "f0 48 0f c7 08", .len = 5, .op = OP(CMPXCHG16B)},
    {C32, "f0 0f a3 00", .result = UD, .len = 4},  /* BT */
    {C32, "f0 0f ab 00", .len = 4, .op = OP(BTS)},
    {C32, "f0 0f ba 28 01", .len = 5, .op = OP(BTS)},
    {C32, "f0 0f b1 0b", .len = 4, .op = OP(CMPXCHG)},
    {C32, "f0 0f c1 0b", .len = 4, .op = OP(XADD)},
    {C32, "f0 ff 00", .len = 3, .op = OP(INC)},
    {C32, "f0 ff 20", .result = UD, .len = 3},     /* JMP */
    /* ---- i64 / o64 and mode-dependent rows ---- */
    {C64, "06", .result = UD, .len = 1},
    {C64, "27", .result = UD, .len = 1},
    {C64, "d4 0a", .result = UD, .len = 2},
    {C64, "63 c1", .len = 2, .op = OP(MOVSXD), .opsize = 4},
    {C64, "0f a0", .len = 2, .op = OP(PUSH), .opsize = 8},
    {C32, "0f 05", .result = UD, .len = 2},         /* SYSCALL outside 64-bit (Intel) */
    {C64, "0f 05", .len = 2, .op = OP(SYSCALL)},
    {C64, "0f 01 f8", .len = 3, .op = OP(SWAPGS)},
    {C32, "0f 01 f8", .result = UD, .len = 3},
    {C64, "f3 48 0f ae c0", .len = 5, .op = OP(RDFSBASE), .opsize = 8, .ck = CK_MAND,
     .mandatory = 0xf3},
    {C32, "f3 0f ae c0", .result = UD, .len = 4},
    {C32, "d6", .result = UD, .len = 1},             /* SALC */
    {C32, "c4 00", .len = 2, .op = OP(LES), .ck = CK_MEM, MEM(0, -1, 0, 0, DS)},
    {C16, "c5 06 00 10", .len = 4, .op = OP(LDS), .ck = CK_MEM, MEM(-1, -1, 0, 0x1000, DS)},
    {C32, "62 00", .len = 2, .op = OP(BOUND)},
    /* ---- segment registers, control and debug registers ---- */
    {C32, "8e d8", .len = 2, .op = OP(MOV), MODRM(3, 3, 0)},
    {C32, "8e c8", .result = UD, .len = 2},          /* MOV CS, r */
    {C32, "8e f0", .result = UD, .len = 2},          /* no sreg 6 */
    {C32, "8c c8", .len = 2, .op = OP(MOV), MODRM(3, 1, 0)},
    {C32, "0f 20 c0", .len = 3, .op = OP(MOV_CR), .opsize = 4, MODRM(3, 0, 0)},
    {C32, "66 0f 22 d8", .len = 4, .op = OP(MOV_CR), .opsize = 4, MODRM(3, 3, 0)},
    {C32, "0f 22 18", .len = 3, .op = OP(MOV_CR), MODRM(0, 3, 0)}, /* mod ignored */
    {C32, "0f 22 08", .result = UD, .len = 3},       /* CR1 */
    {C64, "44 0f 22 c0", .len = 4, .op = OP(MOV_CR), .opsize = 8, MODRM(3, 8, 0)}, /* CR8 */
    {C64, "41 0f 20 e1", .len = 4, .op = OP(MOV_CR), MODRM(3, 4, 9)},
    {C64, "0f 23 f8", .len = 3, .op = OP(MOV_DR), MODRM(3, 7, 0)},
    {C64, "44 0f 23 c0", .result = UD, .len = 4},    /* DR8 */
    /* ---- groups ---- */
    {C32, "fe 10", .result = UD, .len = 2},          /* group 4 /2 */
    {C32, "ff 38", .result = UD, .len = 2},          /* group 5 /7 */
    {C64, "ff 15 00 00 00 00", .len = 6, .op = OP(CALL), .opsize = 8},
    {C32, "8f c0", .len = 2, .op = OP(POP)},
    {C32, "c6 00 01", .len = 3, .op = OP(MOV), .ck = CK_IMM, .imm = 1},
    {C32, "c6 08 01", .result = UD, .len = 2},       /* group 11 /1 */
    {C32, "0f 00 d8", .len = 3, .op = OP(LTR)},
    {C32, "0f 01 10", .len = 3, .op = OP(LGDT)},
    {C64, "0f 01 10", .len = 3, .op = OP(LGDT), .opsize = 8},
    {C32, "0f 01 d0", .len = 3, .op = OP(XGETBV)},
    {C32, "0f 01 f9", .len = 3, .op = OP(RDTSCP)},
    {C32, "0f 01 c9", .len = 3, .op = OP(MWAIT)},
    {C32, "0f 01 38", .len = 3, .op = OP(INVLPG)},
    {C32, "0f 01 e0", .len = 3, .op = OP(SMSW)},
    {C32, "0f c7 f0", .len = 3, .op = OP(RDRAND)},
    {C32, "0f c7 c8", .result = UD, .len = 3},       /* CMPXCHG8B needs memory */
    {C32, "f3 f0 0f c7 0e", .len = 5, .op = OP(CMPXCHG8B)}, /* XRELEASE */
    {C32, "66 0f c7 0e", .len = 4, .op = OP(CMPXCHG8B)},
    {C32, "f3 0f c7 f8", .result = UD, .len = 4},    /* RDPID, not RDSEED */
    {C32, "f3 0f c7 f0", .result = UD, .len = 4},    /* RDRAND is NFx: F3 is #UD */
    {C32, "f2 0f c7 f0", .result = UD, .len = 4},
    {C32, "66 0f c7 f0", .len = 4, .op = OP(RDRAND), .opsize = 2},
    {C32, "f2 f0 0f c7 0e", .len = 5, .op = OP(CMPXCHG8B)}, /* XACQUIRE */
    {C64, "c4 e1 78 c7 08", .result = UD, .len = 5}, /* no VEX CMPXCHG8B */
    {C32, "66 0f ae 38", .len = 4, .op = OP(CLFLUSH)}, /* CLFLUSHOPT */
    {C32, "66 0f ae 30", .result = UD, .len = 4},    /* CLWB */
    {C32, "66 0f ae 00", .result = UD, .len = 4},    /* FXSAVE is NP */
    {C32, "f2 0f ae 00", .result = UD, .len = 4},
    {C32, "0f ae e8", .len = 3, .op = OP(LFENCE)},
    {C32, "0f ae 38", .len = 3, .op = OP(CLFLUSH)},
    {C32, "0f ae 10", .len = 3, .op = OP(LDMXCSR)},
    {C32, "0f 18 08", .len = 3, .op = OP(PREFETCHT0)},
    {C32, "0f 0d 08", .len = 3, .op = OP(PREFETCHW)},
    {C32, "0f 0b", .len = 2, .op = OP(UD2)},
    {C32, "0f b9 c0", .len = 3, .op = OP(UD1)},
    {C32, "0f 9f c0", .len = 3, .op = OP(SETCC), .opsize = 1, .ck = CK_CC, .cc = 15},
    {C32, "0f 4c c1", .len = 3, .op = OP(CMOVCC), .ck = CK_CC, .cc = 12},
    {C32, "0f cb", .len = 2, .op = OP(BSWAP), .ck = CK_ZREG, .zreg = 3},
    {C64, "49 0f c8", .len = 3, .op = OP(BSWAP), .opsize = 8, .ck = CK_ZREG, .zreg = 8},
    /* ---- x87 ---- */
    {C32, "d8 00", .len = 2, .op = OP(FADD), .ck = CK_MEM, MEM(0, -1, 0, 0, DS)},
    {C32, "dc c1", .len = 2, .op = OP(FADD), MODRM(3, 0, 1)},
    {C32, "d9 c1", .len = 2, .op = OP(FLD)},
    {C32, "db 28", .len = 2, .op = OP(FLD)},
    {C64, "dd 05 00 00 00 00", .len = 6, .op = OP(FLD), .ck = CK_MEM,
     MEM(-1, -1, 0, 0, DS), .rip = true},
    {C32, "d9 ee", .len = 2, .op = OP(FLDZ)},
    {C32, "d9 d1", .result = UD, .len = 2},
    {C32, "de d9", .len = 2, .op = OP(FCOMPP)},
    {C32, "df e0", .len = 2, .op = OP(FNSTSW)},
    {C32, "dd 38", .len = 2, .op = OP(FNSTSW)},
    {C32, "db e3", .len = 2, .op = OP(FNINIT)},
    {C32, "d9 7c 24 fe", .len = 4, .op = OP(FNSTCW)},
    {C32, "9b", .len = 1, .op = OP(FWAIT)},
    /* ---- SSE: mandatory prefixes ---- */
    {C32, "0f 58 c1", .len = 3, .op = OP(ADDPS), .ck = CK_MAND, .mandatory = 0},
    {C32, "66 0f 58 c1", .len = 4, .op = OP(ADDPD), .opsize = 4, .ck = CK_MAND, .mandatory = 0x66},
    {C32, "f3 0f 58 c1", .len = 4, .op = OP(ADDSS), .ck = CK_MAND, .mandatory = 0xf3},
    {C32, "f2 0f 58 c1", .len = 4, .op = OP(ADDSD), .ck = CK_MAND, .mandatory = 0xf2},
    {C32, "66 f3 0f 58 c1", .len = 5, .op = OP(ADDSS), .ck = CK_MAND, .mandatory = 0xf3},
    {C32, "f3 f2 0f 58 c1", .len = 5, .op = OP(ADDSD), .ck = CK_MAND, .mandatory = 0xf2},
    {C64, "66 0f 6e c0", .len = 4, .op = OP(MOVD), .ck = CK_MAND, .mandatory = 0x66},
    {C64, "66 48 0f 6e c0", .len = 5, .op = OP(MOVQ), .opsize = 8},
    {C64, "48 0f 7e c0", .len = 4, .op = OP(MOVQ)},
    {C32, "0f 6f c1", .len = 3, .op = OP(MOVQ)},
    {C32, "66 0f 6f c1", .len = 4, .op = OP(MOVDQA)},
    {C32, "f3 0f 6f 00", .len = 4, .op = OP(MOVDQU)},
    {C32, "f3 0f 10 00", .len = 4, .op = OP(MOVSS)},
    {C32, "0f 12 00", .len = 3, .op = OP(MOVLPS)},
    {C32, "0f 12 c1", .len = 3, .op = OP(MOVHLPS)},
    {C32, "66 0f 12 c1", .result = UD, .len = 4},    /* MOVLPD needs memory */
    {C32, "0f 50 c1", .len = 3, .op = OP(MOVMSKPS)},
    {C32, "0f 50 00", .result = UD, .len = 3},       /* Ux */
    {C32, "66 0f 73 d8 04", .len = 5, .op = OP(PSRLDQ), .ck = CK_IMM, .imm = 4},
    {C32, "0f 73 d8 04", .result = UD, .len = 3},    /* no MMX PSRLDQ */
    {C32, "0f 71 d0 04", .len = 4, .op = OP(PSRLW)},
    {C32, "0f 71 10 04", .result = UD, .len = 4},    /* Nq needs a register */
    {C32, "0f c6 c1 1b", .len = 4, .op = OP(SHUFPS), .ck = CK_IMM, .imm = 0x1b},
    {C32, "66 0f c5 c1 03", .len = 5, .op = OP(PEXTRW)},
    {C32, "0f 77", .len = 2, .op = OP(EMMS)},
    {C32, "f3 0f b8 c1", .len = 4, .op = OP(POPCNT), .opsize = 4},
    {C32, "66 f3 0f b8 c1", .len = 5, .op = OP(POPCNT), .opsize = 2},
    {C32, "0f b8 c1", .result = UD, .len = 2},       /* JMPE: length unknown past it */
    {C32, "0f bc c1", .len = 3, .op = OP(BSF)},
    {C32, "f3 0f bc c1", .len = 4, .op = OP(TZCNT)},
    {C32, "66 0f bc c1", .len = 4, .op = OP(BSF), .opsize = 2, .ck = CK_MAND, .mandatory = 0},
    /* the selected prefix's row or #UD, never another prefix's row (host-checked) */
    {C32, "f3 0f 57 c0", .result = UD, .len = 4},    /* not XORPS */
    {C32, "f2 0f 57 c0", .result = UD, .len = 4},
    {C32, "f2 66 0f ea c1", .result = UD, .len = 5}, /* not PMINSW xmm */
    {C32, "66 f2 0f ea c1", .result = UD, .len = 5},
    {C32, "66 f3 0f 58 c1", .len = 5, .op = OP(ADDSS)},
    {C32, "f3 0f 60 c1", .result = UD, .len = 4},    /* MMX rows take no prefix */
    {C32, "f2 0f fc 44 24 08", .result = UD, .len = 6},
    {C32, "66 0f 52 c1", .result = UD, .len = 4},    /* RSQRTPS has no 66 form */
    {C32, "66 0f 77", .result = UD, .len = 3},       /* EMMS: no ModRM */
    {C32, "f3 0f 77", .result = UD, .len = 3},
    {C64, "c5 fa 77", .result = UD, .len = 3},
    {C32, "0f c3 00", .len = 3, .op = OP(MOVNTI)},   /* MOVNTI is NP */
    {C32, "66 0f c3 00", .result = UD, .len = 4},
    {C32, "f3 0f c3 00", .result = UD, .len = 4},
    {C64, "f2 48 0f c3 00", .result = UD, .len = 5},
    {C32, "0f ae 18", .len = 3, .op = OP(STMXCSR)},
    {C32, "66 0f ae 18", .result = UD, .len = 4},    /* LDMXCSR/STMXCSR are NP */
    {C32, "f2 0f ae 18", .result = UD, .len = 4},
    {C32, "f3 0f ae 18", .result = UD, .len = 4},
    {C32, "66 0f ae 10", .result = UD, .len = 4},
    {C32, "f2 0f ae e8", .result = UD, .len = 4},    /* fences are NP */
    {C32, "66 0f ae f0", .result = UD, .len = 4},
    {C32, "f3 0f ae f8", .result = UD, .len = 4},
    {C32, "f2 0f ae 38", .result = UD, .len = 4},    /* CLFLUSH: F2 has no row */
    {C32, "66 f2 0f ae 38", .result = UD, .len = 5},
    {C32, "66 0f ae f8", .result = UD, .len = 4},    /* CLFLUSHOPT needs memory */
    {C32, "f2 0f bc c1", .len = 4, .op = OP(BSF), .opsize = 4, .ck = CK_MAND, .mandatory = 0xf2},
    {C32, "f2 66 0f bc c1", .len = 5, .op = OP(BSF), .opsize = 2},
    {C32, "f3 f2 0f bd c1", .len = 5, .op = OP(BSR)},
    {C32, "f2 0f b8 c1", .result = UD, .len = 3},    /* POPCNT is F3 only (JMPE: no ModRM) */
    {C32, "f3 f2 0f b8 c1", .result = UD, .len = 4},
    {C32, "f2 f3 0f b8 c1", .len = 5, .op = OP(POPCNT)},
    /* ---- 0F38 / 0F3A ---- */
    {C32, "66 0f 38 00 c1", .len = 5, .op = OP(PSHUFB)},
    {C32, "0f 38 00 c1", .len = 4, .op = OP(PSHUFB)},
    {C64, "66 0f 38 f0 00", .len = 5, .op = OP(MOVBE), .opsize = 2, .ck = CK_MAND, .mandatory = 0},
    {C64, "48 0f 38 f1 00", .len = 5, .op = OP(MOVBE), .opsize = 8},
    {C32, "f2 0f 38 f0 c1", .len = 5, .op = OP(CRC32), .opsize = 4},
    {C32, "66 f2 0f 38 f1 c1", .len = 6, .op = OP(CRC32), .opsize = 2},
    {C64, "66 48 0f 38 f6 c1", .len = 6, .op = OP(ADCX), .opsize = 8},
    {C32, "66 0f 38 f6 c1", .len = 5, .op = OP(ADCX), .opsize = 4},
    {C32, "f3 66 0f 38 f6 c1", .len = 6, .op = OP(ADOX)},
    {C32, "f2 66 0f 38 f6 c1", .result = UD, .len = 6}, /* F2 selects MULX: VEX only */
    {C64, "66 f2 0f 38 f6 34 a4", .result = UD, .len = 7},
    {C32, "f2 0f 38 f6 c1", .result = UD, .len = 5},
    {C32, "0f 38 f6 c1", .result = UD, .len = 4},
    {C32, "f3 0f 38 f0 00", .result = UD, .len = 5},    /* MOVBE: F3 has no row */
    {C32, "f3 66 0f 38 f1 00", .result = UD, .len = 6},
    {C32, "f2 f3 0f 38 f1 c1", .result = UD, .len = 6},
    {C32, "f3 f2 0f 38 f1 c1", .len = 6, .op = OP(CRC32)},
    {C32, "66 0f 38 c8 c1", .result = UD, .len = 5},    /* SHA: no 66 form */
    {C32, "f3 0f 38 00 c1", .result = UD, .len = 5},
    {C32, "66 0f 3a cc c1 01", .result = UD, .len = 6},
    {C64, "c4 e3 79 41 c1 05", .len = 6, .op = OP(DPPD)},
    {C64, "c4 e3 7d 41 c1 05", .result = UD, .len = 6}, /* VDPPD is VEX.128 only */
    {C64, "c4 e3 7d 40 c1 05", .len = 6, .op = OP(DPPS)},
    {C32, "0f 38 50 00", .result = UD, .len = 4},    /* undefined: still ModRM, no imm */
    {C32, "0f 38 50 44 24 08", .result = UD, .len = 6},
    {C32, "66 0f 3a 0f c1 08", .len = 6, .op = OP(PALIGNR), .ck = CK_IMM, .imm = 8},
    {C32, "0f 3a 50 c0 01", .result = UD, .len = 5}, /* undefined: ModRM and imm8 */
    {C64, "0f 3a ff 84 24 00 01 00 00 01", .result = UD, .len = 10},
    {C64, "66 0f 3a 16 c0 01", .len = 6, .op = OP(PEXTRD)},
    {C64, "66 48 0f 3a 16 c0 01", .len = 7, .op = OP(PEXTRQ)},
    {C32, "66 0f 3a 0a c1 04", .len = 6, .op = OP(ROUNDSS)},
    {C32, "66 0f 38 14 c1", .len = 5, .op = OP(BLENDVPS)},
    {C32, "0f 38 f2 c1", .result = UD, .len = 4},    /* ANDN is VEX only */
    /* ---- VEX ---- */
    {C64, "c5 f8 58 c1", .len = 4, .op = OP(ADDPS), .ck = CK_VEX | CK_MODRM, .vex_l = 0,
     .vvvv = 0, .mod = 3, .reg = 0, .rm = 1},
    {C64, "c5 f4 58 c2", .len = 4, .op = OP(ADDPS), .ck = CK_VEX, .vex_l = 1, .vvvv = 1},
    {C64, "c5 71 58 c2", .len = 4, .op = OP(ADDPD), .ck = CK_VEX | CK_MAND | CK_MODRM, .vvvv = 1,
     .mandatory = 0x66, .mod = 3, .reg = 8, .rm = 2},
    {C64, "c4 c1 7a 58 c0", .len = 5, .op = OP(ADDSS), .ck = CK_MAND | CK_MODRM,
     .mandatory = 0xf3, .mod = 3, .reg = 0, .rm = 8},
    {C64, "c4 e1 fb 58 04 24", .len = 6, .op = OP(ADDSD), .ck = CK_VEX | CK_MEM, .w = true,
     MEM(4, -1, 0, 0, SS)},
    {C64, "c4 a1 78 58 04 e0", .len = 6, .op = OP(ADDPS), .ck = CK_MEM, MEM(0, 12, 3, 0, DS)},
    {C32, "c5 f8 58 c1", .len = 4, .op = OP(ADDPS), .ck = CK_VEX, .vvvv = 0},
    {C32, "c4 e1 30 58 c1", .len = 5, .op = OP(ADDPS), .ck = CK_VEX, .vvvv = 1}, /* vvvv[3] ignored */
    {C32, "c4 e1 78 58 c1", .len = 5, .op = OP(ADDPS)},
    {C16, "c5 f8 58 c1", .len = 4, .op = OP(ADDPS)},
    {C64, "c5 f8 77", .len = 3, .op = OP(VZEROUPPER)},
    {C64, "c5 fc 77", .len = 3, .op = OP(VZEROALL)},
    {C64, "c4 e2 78 f2 c1", .len = 5, .op = OP(ANDN), .opsize = 4},
    {C64, "c4 e2 f8 f2 c1", .len = 5, .op = OP(ANDN), .opsize = 8},
    {C32, "c4 e2 f8 f2 c1", .len = 5, .op = OP(ANDN), .opsize = 4},
    {C64, "c4 e2 78 f3 c9", .len = 5, .op = OP(BLSR)},
    {C64, "c4 e3 fb f0 c1 05", .len = 6, .op = OP(RORX), .opsize = 8, .ck = CK_IMM, .imm = 5},
    {C64, "c4 e2 79 45 c2", .len = 5, .op = OP(VPSRLVD)},
    {C64, "c4 e2 f9 45 c2", .len = 5, .op = OP(VPSRLVQ)},
    {C64, "c4 e3 71 4a c2 30", .len = 6, .op = OP(BLENDVPS), .ck = CK_IMM, .imm = 0x30}, /* Lx */
    {C64, "c4 e3 7d 18 c1 01", .len = 6, .op = OP(VINSERTF128)},
    {C64, "c4 e2 79 90 04 48", .len = 6, .op = OP(VPGATHERDD), .ck = CK_MEM,
     MEM(0, 1, 1, 0, DS)},
    {C64, "c4 e2 79 92 04 20", .len = 6, .op = OP(VGATHERDPS), .ck = CK_MEM,
     MEM(0, 4, 0, 0, DS)}, /* VSIB: index 4 is xmm4 */
    {C64, "c5 f9 6e c0", .len = 4, .op = OP(MOVD)},
    {C64, "c4 e1 f9 6e c0", .len = 5, .op = OP(MOVQ)},
    {C64, "c5 fa 10 00", .len = 4, .op = OP(MOVSS)},
    {C64, "c5 f2 10 00", .result = UD, .len = 4},    /* load form: vvvv must be 1111 */
    {C64, "c5 f2 10 c0", .len = 4, .op = OP(MOVSS)},
    {C64, "c5 f0 10 00", .result = UD, .len = 4},    /* MOVUPS has no vvvv source */
    {C64, "66 c5 f8 58 c1", .result = UD, .len = 5}, /* 66 before VEX */
    {C64, "f3 c5 f8 58 c1", .result = UD, .len = 5},
    {C64, "f0 c5 f8 58 c1", .result = UD, .len = 5},
    {C64, "48 c5 f8 58 c1", .result = UD, .len = 5}, /* REX before VEX */
    {C64, "c4 e0 78 58 c1", .result = UD, .len = 4}, /* VEX map 0 */
    {C64, "c5 f8 fc c1", .result = UD, .len = 4},    /* MMX rows have no VEX form */
    {C64, "c5 f8 ae 10", .len = 4, .op = OP(LDMXCSR)},
    {C64, "c5 f8 ae 00", .result = UD, .len = 4},    /* FXSAVE has no VEX form */
    {C64, "c5 f8 af c1", .result = UD, .len = 3},    /* IMUL: no VEX form */
    {C64, "c5 fd 6e c0", .result = UD, .len = 4},    /* VMOVD is VEX.128 only */
    {C64, "c4 e3 79 18 c1 01", .result = UD, .len = 6}, /* VINSERTF128 is VEX.256 only */
    {C64, "c4 e2 7c f2 c1", .result = UD, .len = 5}, /* BMI: VEX.LZ */
    {C64, "c5 fe 58 c1", .len = 4, .op = OP(ADDSS)},  /* scalar: L ignored */
    /* ---- the 15-byte limit ---- */
    {C32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", .len = 15, .op = OP(NOP)},
    {C32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", .result = X86_DECODE_TOO_LONG},
    {C64, "66 66 66 66 66 48 b8 01 02 03 04 05 06 07 08", .len = 15, .op = OP(MOV)},
    {C64, "66 66 66 66 66 66 48 b8 01 02 03 04 05 06 07 08", .result = X86_DECODE_TOO_LONG},
    {C32, "26 2e 36 3e 64 65 f0 81 84 88 00 00 00 00 01 00 00 00",
     .result = X86_DECODE_TOO_LONG},
    {C16, "f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3", .result = X86_DECODE_TOO_LONG},
    /* ---- truncation: never read past the bytes given ---- */
    {C32, "8b", .result = X86_DECODE_TRUNCATED},
    {C32, "e8 00 00", .result = X86_DECODE_TRUNCATED},
    {C32, "66 66", .result = X86_DECODE_TRUNCATED},
    {C32, "0f", .result = X86_DECODE_TRUNCATED},
    {C32, "0f 38", .result = X86_DECODE_TRUNCATED},
    {C32, "c5", .result = X86_DECODE_TRUNCATED},      /* LDS or VEX: needs the next byte */
    {C64, "c4 e2 78", .result = X86_DECODE_TRUNCATED},
    {C64, "48 8b 04", .result = X86_DECODE_TRUNCATED}, /* SIB missing */
    {C64, "48 8b 05 00 00 00", .result = X86_DECODE_TRUNCATED},
    {C64, "48 b8 01 02 03 04 05 06 07", .result = X86_DECODE_TRUNCATED},
    {C32, "f0 01", .result = X86_DECODE_TRUNCATED},    /* UD needs its ModRM first */
};
/* clang-format on */

static size_t parse_hex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (*hex) {
        char *end;
        unsigned long v = strtoul(hex, &end, 16);
        if (end == hex)
            break;
        g_assert_cmpuint(n, <, max);
        out[n++] = (uint8_t)v;
        hex = end;
    }
    return n;
}

/* Fails naming the case, the field and both values. */
#define CHECK_EQ(c, field, got, want)                                                              \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ != want_)                                                                         \
            g_error("mode %d [%s]: %s is %lld (0x%llx), expected %lld (0x%llx)", (int)(c)->mode,   \
                    (c)->hex, field, got_, (unsigned long long)got_, want_,                        \
                    (unsigned long long)want_);                                                    \
    } while (0)

static void check_case(const DecodeCase *c)
{
    uint8_t bytes[32];
    size_t n = parse_hex(c->hex, bytes, sizeof(bytes));
    X86Insn in;
    X86DecodeResult r = x86_decode(&in, c->mode, 0x1000, bytes, n);

    CHECK_EQ(c, "result", r, c->result);
    if (r == X86_DECODE_TOO_LONG || r == X86_DECODE_TRUNCATED)
        return;
    CHECK_EQ(c, "len", in.len, c->len);
    CHECK_EQ(c, "pc", in.pc, 0x1000);
    if (r == X86_DECODE_UD)
        return;
    if (c->op && in.op != c->op)
        g_error("mode %d [%s]: op %s, expected %s", (int)c->mode, c->hex, x86_op_name(in.op),
                x86_op_name(c->op));
    g_assert_true(in.entry != NULL);
    CHECK_EQ(c, "entry->op", in.entry->op, in.op);
    if (c->opsize)
        CHECK_EQ(c, "opsize", in.opsize, c->opsize);
    if (c->addrsize)
        CHECK_EQ(c, "addrsize", in.addrsize, c->addrsize);
    if (c->ck & CK_MODRM) {
        CHECK_EQ(c, "has_modrm", in.has_modrm, true);
        CHECK_EQ(c, "mod", in.mod, c->mod);
        CHECK_EQ(c, "reg", in.reg, c->reg);
        CHECK_EQ(c, "rm", in.rm, c->rm);
    }
    if (c->ck & CK_MEM) {
        CHECK_EQ(c, "base", in.base, c->base);
        CHECK_EQ(c, "index", in.index, c->index);
        CHECK_EQ(c, "scale", in.scale, c->scale);
        CHECK_EQ(c, "disp", in.disp, c->disp);
        CHECK_EQ(c, "default_seg", in.default_seg, c->dseg);
        CHECK_EQ(c, "rip_relative", in.rip_relative, c->rip);
    }
    if (c->ck & CK_IMM) {
        CHECK_EQ(c, "imm", in.imm, c->imm);
        CHECK_EQ(c, "imm2", in.imm2, c->imm2);
    }
    if (c->ck & CK_SEG)
        CHECK_EQ(c, "seg", in.seg, c->seg);
    if (c->ck & CK_REP)
        CHECK_EQ(c, "rep", in.rep, c->rep);
    if (c->ck & CK_MAND)
        CHECK_EQ(c, "mandatory", in.mandatory, c->mandatory);
    if (c->ck & CK_CC)
        CHECK_EQ(c, "cc", in.cc, c->cc);
    if (c->ck & CK_ZREG)
        CHECK_EQ(c, "zreg", in.zreg, c->zreg);
    if (c->ck & CK_VEX) {
        CHECK_EQ(c, "vex", in.vex, true);
        CHECK_EQ(c, "vex_l", in.vex_l, c->vex_l);
        CHECK_EQ(c, "vex_vvvv", in.vex_vvvv, c->vvvv);
        CHECK_EQ(c, "rex_w", in.rex_w, c->w);
    }
    if (c->ck & CK_REX)
        CHECK_EQ(c, "rex", in.rex, c->rex);
    if (c->ck & CK_LOCK)
        CHECK_EQ(c, "lock", in.lock, c->lock);
}

static void test_decode_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(decode_cases); i++)
        check_case(&decode_cases[i]);
}

/* Every accepted case, cut short at each length, must ask for more bytes: the decoder
 * never looks past avail. The bytes live in a buffer of exactly that size so that a
 * sanitizer or valgrind catches an over-read too. */
static void test_decode_truncated_prefixes(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(decode_cases); i++) {
        const DecodeCase *c = &decode_cases[i];
        uint8_t bytes[32];
        parse_hex(c->hex, bytes, sizeof(bytes));
        if (c->result != OK && c->result != UD)
            continue;
        for (size_t avail = 0; avail < c->len; avail++) {
            uint8_t *copy = g_memdup2(bytes, avail ? avail : 1);
            X86Insn in;
            g_assert_cmpint(x86_decode(&in, c->mode, 0, copy, avail), ==, X86_DECODE_TRUNCATED);
            g_free(copy);
        }
    }
}

static void test_op_names(void)
{
    g_assert_cmpstr(x86_op_name(X86_OP_ADD), ==, "ADD");
    g_assert_cmpstr(x86_op_name(X86_OP_INVALID), ==, "INVALID");
    g_assert_cmpstr(x86_op_name(X86_OP_VEXTRACTI128), ==, "VEXTRACTI128");
    g_assert_cmpstr(x86_op_name(NB_X86_OPS), ==, "?");
    for (unsigned op = 0; op < NB_X86_OPS; op++)
        g_assert_true(x86_op_name(op)[0] != '\0');
}

/* ---------------------------------------------------------------------------------
 * Random input
 */

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *rng)
{
    /* xorshift64: fixed seeds give the same sequence everywhere */
    rng->state ^= rng->state << 13;
    rng->state ^= rng->state >> 7;
    rng->state ^= rng->state << 17;
    return rng->state;
}

/* Random bytes, often after a run of prefixes, in buffers of exactly their size. */
static void test_decode_random_garbage(void)
{
    static const uint8_t prefixes[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x64, 0x48, 0x41};
    Rng rng = {0x9e3779b97f4a7c15ull};
    for (unsigned iter = 0; iter < 200000; iter++) {
        size_t avail = rng_next(&rng) % 24;
        size_t nprefixes = rng_next(&rng) % 2 ? rng_next(&rng) % 16 : 0;
        uint8_t *bytes = g_malloc(avail ? avail : 1);
        for (size_t i = 0; i < avail; i++)
            bytes[i] = i < nprefixes ? prefixes[rng_next(&rng) % sizeof(prefixes)]
                                     : (uint8_t)rng_next(&rng);
        X86Insn in;
        X86CodeSize mode = (X86CodeSize)(iter % 3);
        X86DecodeResult r = x86_decode(&in, mode, 0, bytes, avail);
        if (r == OK || r == UD) {
            g_assert_cmpuint(in.len, >=, 1);
            g_assert_cmpuint(in.len, <=, 15);
            g_assert_cmpuint(in.len, <=, avail);
        }
        if (r == OK) {
            g_assert_true(in.entry && in.op != X86_OP_INVALID && in.op < NB_X86_OPS);
            g_assert_true(in.opsize == 1 || in.opsize == 2 || in.opsize == 4 || in.opsize == 8);
        }
        g_free(bytes);
    }
}

/* ---------------------------------------------------------------------------------
 * Differential length test against capstone
 */

typedef struct DiffStats {
    unsigned long tried;      /* sequences decoded */
    unsigned long both;       /* accepted by both decoders */
    unsigned long agree;      /* ... with the same length */
    unsigned long quirks;     /* ... with different lengths, a known capstone quirk */
    unsigned long mismatches; /* ... with different lengths otherwise: failures */
    unsigned long ours_only;  /* we accept, capstone rejects */
    unsigned long cs_only;    /* capstone accepts, we say #UD (or too long) */
} DiffStats;

typedef struct DiffContext {
    csh cs;
    cs_insn *ci;
    X86CodeSize mode;
    DiffStats stats;
} DiffContext;

/* Where capstone 4.0.2 sizes an instruction differently from the SDM. Each was
 * checked by hand against the SDM; keep the list short and specific. */
static bool capstone_length_quirk(const X86Insn *in)
{
    bool code64 = in->code_size == X86_CODE64;

    /* UD0 (0F FF /r) and UD1 (0F B9 /r) have a ModRM byte (SDM Vol 2B UD); capstone 4
     * decodes them without one */
    if (in->op == X86_OP_UD0 || in->op == X86_OP_UD1)
        return true;
    /* 66 on a near relative branch in 64-bit mode: Intel ignores it (rel32, "f64");
     * capstone follows AMD and reads rel16 */
    if (code64 && in->opsize_prefix && in->entry->opnd[0] == OPND_Jz)
        return true;
    /* 66 placed before F2/F3 on CALL rel (E8) or PUSH imm (68): capstone 4 loses the
     * operand-size override and reads a 32-bit immediate */
    if (in->opsize_prefix && in->rep && in->map == 0 &&
        (in->op == X86_OP_CALL || in->op == X86_OP_PUSH))
        return true;
    /* REX.W with 66 or 67 on CALL rel / RET imm16 in 64-bit mode: capstone 4 sizes the
     * immediate from the wrong attribute */
    if (code64 && in->rex_w && (in->opsize_prefix || in->addrsize_prefix) &&
        (in->op == X86_OP_CALL || in->op == X86_OP_RET))
        return true;
    return false;
}

static void hex_string(char *out, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 3 * i, "%02x ", bytes[i]);
    out[n ? 3 * n - 1 : 0] = '\0';
}

static void diff_one(DiffContext *ctx, const uint8_t *bytes, size_t n)
{
    X86Insn in;
    X86DecodeResult r = x86_decode(&in, ctx->mode, 0x1000, bytes, n);
    const uint8_t *p = bytes;
    size_t left = n;
    uint64_t addr = 0x1000;
    bool cs_ok = cs_disasm_iter(ctx->cs, &p, &left, &addr, ctx->ci);
    DiffStats *st = &ctx->stats;

    st->tried++;
    if (r == OK && !cs_ok)
        st->ours_only++;
    if (r != OK && cs_ok)
        st->cs_only++;
    if (r != OK || !cs_ok)
        return;
    st->both++;
    if (in.len == ctx->ci->size) {
        st->agree++;
    } else if (capstone_length_quirk(&in)) {
        st->quirks++;
    } else {
        char hex[64];
        hex_string(hex, bytes, n);
        if (st->mismatches++ < 20)
            g_test_message("length mismatch (mode %d): %s: ours %u (%s), capstone %u (%s %s)",
                           (int)ctx->mode, hex, in.len, x86_op_name(in.op), ctx->ci->size,
                           ctx->ci->mnemonic, ctx->ci->op_str);
    }
}

/* Random bytes after a random prefix set and opcode map, so that every part of the
 * decoder is exercised (pure random bytes rarely reach 0F 38 or VEX). */
static size_t gen_random_insn(Rng *rng, X86CodeSize mode, uint8_t *b)
{
    static const uint8_t legacy[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e,
                                     0x3e, 0x26, 0x64, 0x65, 0x36};
    size_t p = 0;
    for (size_t i = 0; i < 16; i++)
        b[i] = (uint8_t)rng_next(rng);
    if (rng_next(rng) % 2) {
        unsigned count = rng_next(rng) % 4;
        for (unsigned i = 0; i < count; i++)
            b[p++] = legacy[rng_next(rng) % sizeof(legacy)];
    }
    if (mode == X86_CODE64 && rng_next(rng) % 3 == 0)
        b[p++] = 0x40 | (rng_next(rng) & 15);
    switch (rng_next(rng) % 6) {
    case 2: b[p++] = 0x0f; break;
    case 3: b[p++] = 0x0f, b[p++] = 0x38; break;
    case 4: b[p++] = 0x0f, b[p++] = 0x3a; break;
    case 5:
        /* VEX: outside 64-bit mode the second byte needs bits 7:6 set */
        if (rng_next(rng) % 2) {
            b[p] = 0xc4;
            b[p + 1] = (uint8_t)((b[p + 1] & 0xe0) | (1 + rng_next(rng) % 3));
        } else {
            b[p] = 0xc5;
        }
        if (mode != X86_CODE64)
            b[p + 1] |= 0xc0;
        p += 2;
        break;
    default: break;
    }
    return 16;
}

/* Every opcode of every map under every mandatory prefix (and VEX.pp/L), with random
 * ModRM, SIB, displacement and immediate bytes. */
static void diff_opcode_sweep(DiffContext *ctx, Rng *rng, unsigned samples)
{
    static const uint8_t prefixes[] = {0, 0x66, 0xf3, 0xf2};
    uint8_t b[16];
    for (unsigned map = 0; map < 4; map++) {
        for (unsigned opc = 0; opc < 256; opc++) {
            for (unsigned pfx = 0; pfx < 4; pfx++) {
                for (unsigned s = 0; s < samples; s++) {
                    size_t p = 0;
                    for (size_t i = 0; i < 16; i++)
                        b[i] = (uint8_t)rng_next(rng);
                    if (prefixes[pfx])
                        b[p++] = prefixes[pfx];
                    if (map >= 1)
                        b[p++] = 0x0f;
                    if (map >= 2)
                        b[p++] = map == 2 ? 0x38 : 0x3a;
                    b[p] = (uint8_t)opc;
                    diff_one(ctx, b, 16);
                    if (map == 0)
                        continue;
                    /* the VEX form: C4, RXB.map, W.vvvv.L.pp, opcode */
                    b[0] = 0xc4;
                    b[1] = (uint8_t)((rng_next(rng) & 0xe0) | map);
                    if (ctx->mode != X86_CODE64)
                        b[1] |= 0xe0;
                    b[2] = (uint8_t)((rng_next(rng) & 0xfc) | pfx);
                    b[3] = (uint8_t)opc;
                    diff_one(ctx, b, 16);
                }
            }
        }
    }
}

static void run_differential(X86CodeSize mode, uint64_t seed)
{
    static const cs_mode cs_modes[] = {CS_MODE_16, CS_MODE_32, CS_MODE_64};
    DiffContext ctx = {.mode = mode};
    Rng rng = {seed};
    uint8_t b[16];

    g_assert_cmpint(cs_open(CS_ARCH_X86, cs_modes[mode], &ctx.cs), ==, CS_ERR_OK);
    ctx.ci = cs_malloc(ctx.cs);
    diff_opcode_sweep(&ctx, &rng, 8);
    for (unsigned i = 0; i < 300000; i++)
        diff_one(&ctx, b, gen_random_insn(&rng, mode, b));
    cs_free(ctx.ci, 1);
    cs_close(&ctx.cs);

    DiffStats *st = &ctx.stats;
    g_test_message("mode %d: %lu sequences, both accept %lu, same length %lu (%.3f%%), "
                   "capstone quirks %lu, mismatches %lu; only we accept %lu, only capstone "
                   "accepts %lu",
                   (int)mode, st->tried, st->both, st->agree, 100.0 * st->agree / st->both,
                   st->quirks, st->mismatches, st->ours_only, st->cs_only);
    g_assert_cmpuint(st->mismatches, ==, 0);
    /* the comparison means something only if most sequences were compared */
    g_assert_cmpuint(st->both, >, st->tried / 3);
    g_assert_cmpuint(st->quirks, <, st->both / 100);
}

static void test_diff_capstone_16(void)
{
    run_differential(X86_CODE16, 0x1234567887654321ull);
}

static void test_diff_capstone_32(void)
{
    run_differential(X86_CODE32, 0x0badc0ffee0ddf00ull);
}

static void test_diff_capstone_64(void)
{
    run_differential(X86_CODE64, 0x5eed5eed5eed5eedull);
}

/* ---------------------------------------------------------------------------------
 * Disassembly log
 */

static char *disas_to_string(const char *hex, uint64_t pc, X86CodeSize mode)
{
    uint8_t bytes[32];
    size_t n = parse_hex(hex, bytes, sizeof(bytes));
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    g_assert_nonnull(f);
    x86_disas_log(f, bytes, n, pc, mode);
    fclose(f);
    return buf;
}

static void test_disas_log(void)
{
    char *s = disas_to_string("48 89 d8 c3", 0xffffffff81000000ull, X86_CODE64);
    g_assert_cmpstr(s, ==,
                    "0xffffffff81000000:  mov rax, rbx\n"
                    "0xffffffff81000003:  ret\n");
    free(s);

    s = disas_to_string("b8 34 12", 0x7c00, X86_CODE16);
    g_assert_cmpstr(s, ==, "0x0000000000007c00:  mov ax, 0x1234\n");
    free(s);

    /* a truncated instruction is shown as bytes */
    s = disas_to_string("90 e8 00", 0x1000, X86_CODE32);
    g_assert_cmpstr(s, ==,
                    "0x0000000000001000:  nop\n"
                    "0x0000000000001001:  .byte 0xe8\n"
                    "0x0000000000001002:  .byte 0x00\n");
    free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decode/cases", test_decode_cases);
    g_test_add_func("/decode/truncated", test_decode_truncated_prefixes);
    g_test_add_func("/decode/op-names", test_op_names);
    g_test_add_func("/decode/random-garbage", test_decode_random_garbage);
    g_test_add_func("/decode/capstone-diff/16", test_diff_capstone_16);
    g_test_add_func("/decode/capstone-diff/32", test_diff_capstone_32);
    g_test_add_func("/decode/capstone-diff/64", test_diff_capstone_64);
    g_test_add_func("/disas/log", test_disas_log);
    return g_test_run();
}
