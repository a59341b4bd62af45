/* The x86 instruction decoder: bytes -> one X86Insn, driven by the opcode tables in
 * cpu/x86/opcodes.c (the one table of every encoding the decoder knows).
 *
 * The decoder knows every legacy/REX/VEX prefix and the one-byte, 0F, 0F38 and 0F3A
 * opcode maps (VEX maps 1-3 too). It needs no CPU state beyond the code size, so it
 * is unit-tested alone. An encoding the tables mark invalid, or an invalid use of a
 * prefix, decodes to X86_DECODE_UD (the guest gets #UD).
 */
#ifndef PACIFICA_CPU_X86_DECODE_H
#define PACIFICA_CPU_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/ops.h"

typedef enum X86CodeSize {
    X86_CODE16, /* real mode, v8086, 16-bit protected mode: CS.D = 0 */
    X86_CODE32, /* CS.D = 1 */
    X86_CODE64, /* long mode, CS.L = 1 */
} X86CodeSize;

/* Operand kinds, in the SDM's Appendix A notation (A.2.1/A.2.2). The letter says where
 * the operand is, the suffix its size (b byte, w word, d dword, q qword, v 16/32/64 by
 * operand size, z 16/32 by operand size (imm32 sign-extended for 64), y 32/64). */
typedef enum X86OpndKind {
    OPND_NONE = 0,
    OPND_Eb, OPND_Ew, OPND_Ed, OPND_Eq, OPND_Ev, OPND_Ey, /* ModRM r/m: register or memory */
    OPND_Gb, OPND_Gw, OPND_Gd, OPND_Gq, OPND_Gv, OPND_Gy, /* ModRM reg: general register */
    OPND_M,   /* ModRM memory only (LEA, LGDT, ...), size from the op */
    OPND_Mp,  /* memory far pointer (LDS, LES, JMP/CALL far indirect) */
    OPND_Rd, OPND_Ry, /* ModRM r/m register only (MOV CRn) */
    OPND_Sw,  /* segment register in ModRM reg */
    OPND_Cd, OPND_Dd, /* control / debug register in ModRM reg */
    OPND_Ib, /* imm8 at its own size */
    OPND_Ibs, /* imm8 sign-extended to the operand size */
    OPND_Iw, OPND_Iz, OPND_Iv, /* Iv: imm16/32/64 (MOV r, imm with REX.W) */
    OPND_Jb, OPND_Jz, /* relative branch displacement */
    OPND_Ap,  /* direct far pointer (seg:off16/32) */
    OPND_Ob, OPND_Ov, /* moffs: absolute address of address-size width */
    OPND_Zb, OPND_Zv, /* register from the opcode's low 3 bits (+REX.B) */
    OPND_AL, OPND_CL, OPND_DX, OPND_rAX, /* fixed registers; rAX by operand size */
    OPND_ONE, /* the constant 1 (shift group 2: D0/D1) */
    OPND_ES, OPND_CS, OPND_SS, OPND_DS, OPND_FS, OPND_GS, /* PUSH/POP sreg */
    OPND_Xb, OPND_Xv, /* DS:rSI string source */
    OPND_Yb, OPND_Yv, /* ES:rDI string destination */
    /* SSE/AVX: V = ModRM reg xmm/ymm, W = ModRM r/m xmm/ymm or memory, U = r/m register
     * only, H = VEX.vvvv register, L = register in imm8[7:4]; P/Q/N the MMX forms. The
     * suffix: x = 128 or 256 by VEX.L, ss/sd scalar, ps/pd packed. One kind each;
     * lowering looks at the op for element sizes. */
    OPND_Vx, OPND_Wx, OPND_Ux, OPND_Hx, OPND_Lx,
    OPND_Vss, OPND_Wss, OPND_Vsd, OPND_Wsd, OPND_Vq, OPND_Wq, OPND_Vd, OPND_Wd,
    OPND_Pq, OPND_Qq, OPND_Nq, OPND_Pd, OPND_Ed_mmx,
    OPND_By, /* VEX.vvvv general register (BMI) */
    OPND_ST0, OPND_STi, /* x87 */
    OPND_Mfpu, /* x87 memory operand, size from the op */
    NB_OPND_KINDS
} X86OpndKind;

/* Table-row flags. */
#define X86F_MODRM   0x0001 /* has a ModRM byte (implied by E/G/M/R/S/C/D/V/W... kinds) */
#define X86F_DEF64   0x0002 /* operand size defaults to 64 in 64-bit mode (PUSH, Jcc, ...) */
#define X86F_FORCE64 0x0004 /* operand size is always 64 in 64-bit mode (near branches) */
#define X86F_INV64   0x0008 /* invalid in 64-bit mode */
#define X86F_ONLY64  0x0010 /* valid only in 64-bit mode */
#define X86F_LOCKOK  0x0020 /* LOCK allowed (with a memory destination) */
#define X86F_STRING  0x0040 /* string instruction: REP/REPE/REPNE meaningful */
#define X86F_BYTE    0x0080 /* operand size is 8 */
#define X86F_VEX     0x0100 /* VEX-only (or VEX form) */
#define X86F_NOVEX   0x0200 /* #UD with a VEX prefix */
#define X86F_MEMONLY 0x0400 /* ModRM.mod == 3 is #UD */
#define X86F_REGONLY 0x0800 /* ModRM.mod != 3 is #UD */
#define X86F_CC      0x1000 /* condition code in the opcode's low nibble (Jcc, SETcc, CMOVcc) */
/* General-purpose row of a prefix-selected table (MOVBE, BSF, group 9): a 66 prefix for
 * which the table has no row of its own selects this row and sets the operand size. */
#define X86F_OPSZ66  0x2000

typedef struct X86OpcodeEntry {
    uint16_t op; /* X86Op */
    uint8_t opnd[4]; /* X86OpndKind, destination first as in Intel syntax */
    uint16_t flags;
} X86OpcodeEntry;

typedef enum X86DecodeResult {
    X86_DECODE_OK,
    X86_DECODE_UD,        /* invalid or reserved encoding: #UD */
    X86_DECODE_TOO_LONG,  /* more than 15 bytes: #GP(0) */
    X86_DECODE_TRUNCATED, /* needed more bytes than given (fetch fault at pc+avail) */
} X86DecodeResult;

typedef struct X86Insn {
    uint64_t pc;  /* address of the first byte */
    uint8_t len;  /* total length in bytes (also set for X86_DECODE_UD when known) */
    X86CodeSize code_size;

    /* Prefixes */
    uint8_t rep;   /* 0, 0xF3 (REP/REPE) or 0xF2 (REPNE): the last one seen */
    bool lock;
    int8_t seg;    /* segment override: -1 none, else 0..5 = ES CS SS DS FS GS */
    bool opsize_prefix;   /* 0x66 seen */
    bool addrsize_prefix; /* 0x67 seen */
    uint8_t rex;   /* the REX byte if present (0x40..0x4f), else 0 */
    bool vex;
    uint8_t vex_l;    /* VEX.L */
    uint8_t vex_vvvv; /* VEX.vvvv, un-inverted (0..15) */
    bool rex_w;       /* REX.W or VEX.W */
    uint8_t mandatory; /* SSE mandatory prefix selecting the row: 0, 0x66, 0xF3, 0xF2 */

    /* Opcode */
    uint8_t map; /* 0 one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A */
    uint8_t opcode;
    const X86OpcodeEntry *entry;
    uint16_t op; /* X86Op, copied from entry */
    uint8_t cc;  /* condition (0..15) for X86F_CC rows */

    /* Sizes in bytes */
    uint8_t opsize;   /* 1, 2, 4 or 8 */
    uint8_t addrsize; /* 2, 4 or 8 */

    /* ModRM / SIB / displacement */
    bool has_modrm;
    uint8_t modrm;
    uint8_t mod;   /* ModRM.mod */
    uint8_t reg;   /* ModRM.reg with REX.R (0..15) */
    uint8_t rm;    /* ModRM.rm with REX.B when mod == 3 (0..15) */
    bool has_sib;
    int8_t base;   /* memory base register 0..15, or -1 (none / RIP-relative) */
    int8_t index;  /* index register 0..15 or -1 */
    uint8_t scale; /* 0..3 (shift) */
    bool rip_relative;
    int64_t disp;  /* sign-extended displacement */
    int8_t default_seg; /* SS for rBP/rSP bases, else DS (0..5) */

    /* Immediates, in decode order: imm is the first, imm2 the second (ENTER's imm8,
     * far pointer's selector). Signed kinds are sign-extended. */
    uint64_t imm;
    uint64_t imm2;

    /* Opcode-register for Z kinds: register number with REX.B. */
    uint8_t zreg;
} X86Insn;

/* Decodes one instruction from bytes[0..avail). pc is its address (for relative
 * targets and RIP-relative addressing: target = pc + len + disp). */
X86DecodeResult x86_decode(X86Insn *insn, X86CodeSize code_size, uint64_t pc,
                           const uint8_t *bytes, size_t avail);

/* Mnemonic of an op, for logs. */
const char *x86_op_name(unsigned op);

#endif
