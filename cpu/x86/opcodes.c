/* The opcode tables: every encoding the decoder knows, and nothing else.
 *
 * Layout, after SDM Vol 2 Appendix A:
 *   onebyte[256]              one-byte map (Table A-2)
 *   twobyte[256]              0F map, rows that do not depend on a mandatory prefix
 *   sse_0f_{none,66,f3,f2}    0F map rows selected by the mandatory prefix (Table A-3);
 *                             twobyte[] holds X86_ESC_SSE for them
 *   map0f38_* / map0f3a_*     0F38 and 0F3A maps, always selected by prefix
 *   selectors[]               groups and other rows chosen by ModRM, REX.W, mode...:
 *                             a row {X86_ESC, {S_xxx}} sends the lookup there.
 *
 * A row with a VEX form is written in its VEX shape (H is VEX.vvvv; without VEX the H
 * operand is absent and the destination is also the first source). VEX validity: the
 * rows of twobyte[] are legacy only; in the prefix-selected tables a row is valid with
 * and without VEX unless it says X86F_VEX (VEX only) or X86F_NOVEX (legacy only).
 *
 * Mandatory prefix without VEX (SDM Vol 2 §2.1.2): the last F2/F3 seen, else 66, else
 * none selects the row, and only that row: an empty row is #UD, never a fall back to
 * another prefix's row (F3 0F 57 and F2 66 0F EA are #UD, not XORPS and PMINSW; checked
 * against the host CPU by tests/cpu-diff). Where a prefix is ignored or changes the
 * operand size instead, the table says so: an F2 that is ignored has the no-prefix
 * instruction in its F2 row (F2 0F BC is BSF), and a general-purpose row marked
 * X86F_OPSZ66 takes a 66 that has no row of its own as an operand-size prefix (66 0F 38
 * F0 is MOVBE r16, m16; 66 F2 0F 38 F1 is CRC32 r32, r/m16 through the F2 row).
 */
#include "cpu/x86/decode.h"

/* clang-format off */
/* Pseudo-ops of rows that are not instructions but point elsewhere. They never leave
 * this file: x86_opcode_lookup returns leaves only. */
#define X86_ESC     0xffff /* opnd[0] = index in selectors[] */
#define X86_ESC_SSE 0xfffe /* twobyte[] row chosen by mandatory prefix in sse_0f_* */

#define ESC(sel) {X86_ESC, {(sel)}, 0}
#define ESC_SSE  {X86_ESC_SSE, {OPND_NONE}, 0}
#define INVALID_ROW {X86_OP_INVALID, {OPND_NONE}, 0}

/* How a selector picks among its rows. */
typedef enum X86SelectKind {
    SEL_REG,    /* 8 rows by ModRM.reg (the groups of SDM Table A-6) */
    SEL_MOD,    /* 2 rows: [0] memory form (mod != 3), [1] register form */
    SEL_RM,     /* 8 rows by ModRM.rm (register forms of group 7) */
    SEL_W,      /* 2 rows by REX.W / VEX.W */
    SEL_W64,    /* 2 rows: [1] when W is set in 64-bit mode (MOVD/MOVQ, ...) */
    SEL_MODE64, /* 2 rows: [0] 16/32-bit code, [1] 64-bit code */
    SEL_VEX_L,  /* 3 rows: [0] legacy, [1] VEX.L = 0, [2] VEX.L = 1 */
    SEL_X87,    /* 72 rows: [0..7] memory by ModRM.reg, [8 + modrm - 0xC0] register */
    SEL_NOP90,  /* 3 rows for opcode 90: NOP, PAUSE (F3), XCHG (REX.B) */
} X86SelectKind;

typedef struct X86Selector {
    uint8_t kind; /* X86SelectKind */
    const X86OpcodeEntry *rows;
} X86Selector;

enum {
    S_NONE, /* index 0 unused so a zeroed opnd[0] is never a valid escape */
    /* one-byte map */
    S_GRP1_80, S_GRP1_81, S_GRP1_82, S_GRP1_83, S_MODE_63, S_GRP1A, S_NOP90,
    S_GRP2_C0, S_GRP2_C1, S_GRP2_D0, S_GRP2_D1, S_GRP2_D2, S_GRP2_D3,
    S_GRP11_C6, S_GRP11_C7, S_GRP3_F6, S_GRP3_F7, S_GRP4, S_GRP5,
    S_X87_D8, S_X87_D9, S_X87_DA, S_X87_DB, S_X87_DC, S_X87_DD, S_X87_DE, S_X87_DF,
    /* 0F map */
    S_GRP6, S_GRP7, S_GRP7_MEM, S_GRP7_REG, S_GRP7_1, S_GRP7_2, S_GRP7_7,
    S_GRP16, S_GRP16_MEM, S_GRP8, S_GRP9, S_GRP9_MEM, S_GRP9_REG, S_GRP9_F2, S_GRP9_F3,
    S_CMPXCHG8B,
    S_GRP12_MMX, S_GRP12_SSE, S_GRP13_MMX, S_GRP13_SSE, S_GRP14_MMX, S_GRP14_SSE,
    S_GRP15, S_GRP15_MEM, S_GRP15_REG, S_GRP15_66, S_GRP15_66_7, S_GRP15_F3, S_GRP15_F3_REG,
    S_MOVLPS, S_MOVHPS, S_MOVSS_LD, S_MOVSS_ST, S_MOVSD_LD, S_MOVSD_ST,
    S_MOVD_6E_MMX, S_MOVD_6E_SSE, S_MOVD_7E_MMX, S_MOVD_7E_SSE, S_EMMS,
    /* 0F38 / 0F3A maps */
    S_GRP17, S_VPSRLV, S_VPSLLV, S_VPMASKMOV_LD, S_VPMASKMOV_ST,
    S_VPGATHERD, S_VPGATHERQ, S_VGATHERD, S_VGATHERQ, S_PEXTRD, S_PINSRD,
    NB_SELECTORS
};

/* ---------------------------------------------------------------------------------
 * One-byte map, SDM Vol 2 Table A-2.
 */

/* The eight ALU ops at 00-3F share one layout (Table A-2 rows 0-3, columns 0-5). */
#define ALU_ROWS(base, name, lock)                                                         \
    [(base) + 0] = {X86_OP_##name, {OPND_Eb, OPND_Gb}, X86F_BYTE | (lock)},                \
    [(base) + 1] = {X86_OP_##name, {OPND_Ev, OPND_Gv}, (lock)},                            \
    [(base) + 2] = {X86_OP_##name, {OPND_Gb, OPND_Eb}, X86F_BYTE},                         \
    [(base) + 3] = {X86_OP_##name, {OPND_Gv, OPND_Ev}, 0},                                 \
    [(base) + 4] = {X86_OP_##name, {OPND_AL, OPND_Ib}, X86F_BYTE},                         \
    [(base) + 5] = {X86_OP_##name, {OPND_rAX, OPND_Iz}, 0}

/* Eight rows whose register comes from the opcode's low 3 bits. */
#define Z_ROWS(base, name, o1, o2, fl)                                                     \
    [(base) + 0] = {X86_OP_##name, {o1, o2}, fl}, [(base) + 1] = {X86_OP_##name, {o1, o2}, fl}, \
    [(base) + 2] = {X86_OP_##name, {o1, o2}, fl}, [(base) + 3] = {X86_OP_##name, {o1, o2}, fl}, \
    [(base) + 4] = {X86_OP_##name, {o1, o2}, fl}, [(base) + 5] = {X86_OP_##name, {o1, o2}, fl}, \
    [(base) + 6] = {X86_OP_##name, {o1, o2}, fl}, [(base) + 7] = {X86_OP_##name, {o1, o2}, fl}

/* Sixteen rows with the condition in the opcode's low nibble (Jcc, SETcc, CMOVcc). */
#define CC_ROWS(base, name, o1, o2, fl)                                                    \
    Z_ROWS(base, name, o1, o2, (fl) | X86F_CC), Z_ROWS((base) + 8, name, o1, o2, (fl) | X86F_CC)

static const X86OpcodeEntry onebyte[256] = {
    ALU_ROWS(0x00, ADD, X86F_LOCKOK),
    [0x06] = {X86_OP_PUSH, {OPND_ES}, X86F_INV64},
    [0x07] = {X86_OP_POP, {OPND_ES}, X86F_INV64},
    ALU_ROWS(0x08, OR, X86F_LOCKOK),
    [0x0e] = {X86_OP_PUSH, {OPND_CS}, X86F_INV64},
    /* 0x0f: two-byte escape, handled by the decoder */
    ALU_ROWS(0x10, ADC, X86F_LOCKOK),
    [0x16] = {X86_OP_PUSH, {OPND_SS}, X86F_INV64},
    [0x17] = {X86_OP_POP, {OPND_SS}, X86F_INV64},
    ALU_ROWS(0x18, SBB, X86F_LOCKOK),
    [0x1e] = {X86_OP_PUSH, {OPND_DS}, X86F_INV64},
    [0x1f] = {X86_OP_POP, {OPND_DS}, X86F_INV64},
    ALU_ROWS(0x20, AND, X86F_LOCKOK),
    /* 0x26: ES prefix */
    [0x27] = {X86_OP_DAA, {OPND_NONE}, X86F_INV64},
    ALU_ROWS(0x28, SUB, X86F_LOCKOK),
    /* 0x2e: CS prefix */
    [0x2f] = {X86_OP_DAS, {OPND_NONE}, X86F_INV64},
    ALU_ROWS(0x30, XOR, X86F_LOCKOK),
    /* 0x36: SS prefix */
    [0x37] = {X86_OP_AAA, {OPND_NONE}, X86F_INV64},
    ALU_ROWS(0x38, CMP, 0),
    /* 0x3e: DS prefix */
    [0x3f] = {X86_OP_AAS, {OPND_NONE}, X86F_INV64},
    /* 40-4F are REX prefixes in 64-bit mode (the decoder never looks them up there) */
    Z_ROWS(0x40, INC, OPND_Zv, OPND_NONE, X86F_INV64),
    Z_ROWS(0x48, DEC, OPND_Zv, OPND_NONE, X86F_INV64),
    Z_ROWS(0x50, PUSH, OPND_Zv, OPND_NONE, X86F_DEF64),
    Z_ROWS(0x58, POP, OPND_Zv, OPND_NONE, X86F_DEF64),
    [0x60] = {X86_OP_PUSHA, {OPND_NONE}, X86F_INV64},
    [0x61] = {X86_OP_POPA, {OPND_NONE}, X86F_INV64},
    [0x62] = {X86_OP_BOUND, {OPND_Gv, OPND_M}, X86F_INV64},
    [0x63] = ESC(S_MODE_63),
    /* 0x64/0x65: FS/GS prefixes, 0x66/0x67: operand/address size */
    [0x68] = {X86_OP_PUSH, {OPND_Iz}, X86F_DEF64},
    [0x69] = {X86_OP_IMUL, {OPND_Gv, OPND_Ev, OPND_Iz}, 0},
    [0x6a] = {X86_OP_PUSH, {OPND_Ibs}, X86F_DEF64},
    [0x6b] = {X86_OP_IMUL, {OPND_Gv, OPND_Ev, OPND_Ibs}, 0},
    [0x6c] = {X86_OP_INS, {OPND_Yb, OPND_DX}, X86F_STRING | X86F_BYTE},
    [0x6d] = {X86_OP_INS, {OPND_Yv, OPND_DX}, X86F_STRING},
    [0x6e] = {X86_OP_OUTS, {OPND_DX, OPND_Xb}, X86F_STRING | X86F_BYTE},
    [0x6f] = {X86_OP_OUTS, {OPND_DX, OPND_Xv}, X86F_STRING},
    CC_ROWS(0x70, JCC, OPND_Jb, OPND_NONE, X86F_FORCE64),
    [0x80] = ESC(S_GRP1_80),
    [0x81] = ESC(S_GRP1_81),
    [0x82] = ESC(S_GRP1_82),
    [0x83] = ESC(S_GRP1_83),
    [0x84] = {X86_OP_TEST, {OPND_Eb, OPND_Gb}, X86F_BYTE},
    [0x85] = {X86_OP_TEST, {OPND_Ev, OPND_Gv}, 0},
    [0x86] = {X86_OP_XCHG, {OPND_Eb, OPND_Gb}, X86F_BYTE | X86F_LOCKOK},
    [0x87] = {X86_OP_XCHG, {OPND_Ev, OPND_Gv}, X86F_LOCKOK},
    [0x88] = {X86_OP_MOV, {OPND_Eb, OPND_Gb}, X86F_BYTE},
    [0x89] = {X86_OP_MOV, {OPND_Ev, OPND_Gv}, 0},
    [0x8a] = {X86_OP_MOV, {OPND_Gb, OPND_Eb}, X86F_BYTE},
    [0x8b] = {X86_OP_MOV, {OPND_Gv, OPND_Ev}, 0},
    [0x8c] = {X86_OP_MOV, {OPND_Ev, OPND_Sw}, 0},
    [0x8d] = {X86_OP_LEA, {OPND_Gv, OPND_M}, 0},
    [0x8e] = {X86_OP_MOV, {OPND_Sw, OPND_Ew}, 0},
    [0x8f] = ESC(S_GRP1A),
    [0x90] = ESC(S_NOP90),
    [0x91] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x92] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x93] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x94] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x95] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x96] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x97] = {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0},
    [0x98] = {X86_OP_CBW, {OPND_NONE}, 0},
    [0x99] = {X86_OP_CWD, {OPND_NONE}, 0},
    [0x9a] = {X86_OP_CALLF, {OPND_Ap}, X86F_INV64},
    [0x9b] = {X86_OP_FWAIT, {OPND_NONE}, 0},
    [0x9c] = {X86_OP_PUSHF, {OPND_NONE}, X86F_DEF64},
    [0x9d] = {X86_OP_POPF, {OPND_NONE}, X86F_DEF64},
    [0x9e] = {X86_OP_SAHF, {OPND_NONE}, 0},
    [0x9f] = {X86_OP_LAHF, {OPND_NONE}, 0},
    [0xa0] = {X86_OP_MOV, {OPND_AL, OPND_Ob}, X86F_BYTE},
    [0xa1] = {X86_OP_MOV, {OPND_rAX, OPND_Ov}, 0},
    [0xa2] = {X86_OP_MOV, {OPND_Ob, OPND_AL}, X86F_BYTE},
    [0xa3] = {X86_OP_MOV, {OPND_Ov, OPND_rAX}, 0},
    [0xa4] = {X86_OP_MOVS, {OPND_Yb, OPND_Xb}, X86F_STRING | X86F_BYTE},
    [0xa5] = {X86_OP_MOVS, {OPND_Yv, OPND_Xv}, X86F_STRING},
    [0xa6] = {X86_OP_CMPS, {OPND_Xb, OPND_Yb}, X86F_STRING | X86F_BYTE},
    [0xa7] = {X86_OP_CMPS, {OPND_Xv, OPND_Yv}, X86F_STRING},
    [0xa8] = {X86_OP_TEST, {OPND_AL, OPND_Ib}, X86F_BYTE},
    [0xa9] = {X86_OP_TEST, {OPND_rAX, OPND_Iz}, 0},
    [0xaa] = {X86_OP_STOS, {OPND_Yb, OPND_AL}, X86F_STRING | X86F_BYTE},
    [0xab] = {X86_OP_STOS, {OPND_Yv, OPND_rAX}, X86F_STRING},
    [0xac] = {X86_OP_LODS, {OPND_AL, OPND_Xb}, X86F_STRING | X86F_BYTE},
    [0xad] = {X86_OP_LODS, {OPND_rAX, OPND_Xv}, X86F_STRING},
    [0xae] = {X86_OP_SCAS, {OPND_AL, OPND_Yb}, X86F_STRING | X86F_BYTE},
    [0xaf] = {X86_OP_SCAS, {OPND_rAX, OPND_Yv}, X86F_STRING},
    Z_ROWS(0xb0, MOV, OPND_Zb, OPND_Ib, X86F_BYTE),
    Z_ROWS(0xb8, MOV, OPND_Zv, OPND_Iv, 0),
    [0xc0] = ESC(S_GRP2_C0),
    [0xc1] = ESC(S_GRP2_C1),
    [0xc2] = {X86_OP_RET, {OPND_Iw}, X86F_FORCE64},
    [0xc3] = {X86_OP_RET, {OPND_NONE}, X86F_FORCE64},
    /* C4/C5 are VEX prefixes in 64-bit mode and when ModRM.mod would be 3 */
    [0xc4] = {X86_OP_LES, {OPND_Gv, OPND_Mp}, X86F_INV64},
    [0xc5] = {X86_OP_LDS, {OPND_Gv, OPND_Mp}, X86F_INV64},
    [0xc6] = ESC(S_GRP11_C6),
    [0xc7] = ESC(S_GRP11_C7),
    [0xc8] = {X86_OP_ENTER, {OPND_Iw, OPND_Ib}, X86F_DEF64},
    [0xc9] = {X86_OP_LEAVE, {OPND_NONE}, X86F_DEF64},
    [0xca] = {X86_OP_RETF, {OPND_Iw}, 0},
    [0xcb] = {X86_OP_RETF, {OPND_NONE}, 0},
    [0xcc] = {X86_OP_INT3, {OPND_NONE}, 0},
    [0xcd] = {X86_OP_INT, {OPND_Ib}, 0},
    [0xce] = {X86_OP_INTO, {OPND_NONE}, X86F_INV64},
    [0xcf] = {X86_OP_IRET, {OPND_NONE}, 0},
    [0xd0] = ESC(S_GRP2_D0),
    [0xd1] = ESC(S_GRP2_D1),
    [0xd2] = ESC(S_GRP2_D2),
    [0xd3] = ESC(S_GRP2_D3),
    [0xd4] = {X86_OP_AAM, {OPND_Ib}, X86F_INV64},
    [0xd5] = {X86_OP_AAD, {OPND_Ib}, X86F_INV64},
    /* 0xd6: SALC, undefined on Intel: #UD */
    [0xd7] = {X86_OP_XLAT, {OPND_NONE}, 0},
    [0xd8] = ESC(S_X87_D8),
    [0xd9] = ESC(S_X87_D9),
    [0xda] = ESC(S_X87_DA),
    [0xdb] = ESC(S_X87_DB),
    [0xdc] = ESC(S_X87_DC),
    [0xdd] = ESC(S_X87_DD),
    [0xde] = ESC(S_X87_DE),
    [0xdf] = ESC(S_X87_DF),
    [0xe0] = {X86_OP_LOOPNE, {OPND_Jb}, X86F_FORCE64},
    [0xe1] = {X86_OP_LOOPE, {OPND_Jb}, X86F_FORCE64},
    [0xe2] = {X86_OP_LOOP, {OPND_Jb}, X86F_FORCE64},
    [0xe3] = {X86_OP_JCXZ, {OPND_Jb}, X86F_FORCE64},
    [0xe4] = {X86_OP_IN, {OPND_AL, OPND_Ib}, X86F_BYTE},
    [0xe5] = {X86_OP_IN, {OPND_rAX, OPND_Ib}, 0},
    [0xe6] = {X86_OP_OUT, {OPND_Ib, OPND_AL}, X86F_BYTE},
    [0xe7] = {X86_OP_OUT, {OPND_Ib, OPND_rAX}, 0},
    [0xe8] = {X86_OP_CALL, {OPND_Jz}, X86F_FORCE64},
    [0xe9] = {X86_OP_JMP, {OPND_Jz}, X86F_FORCE64},
    [0xea] = {X86_OP_JMPF, {OPND_Ap}, X86F_INV64},
    [0xeb] = {X86_OP_JMP, {OPND_Jb}, X86F_FORCE64},
    [0xec] = {X86_OP_IN, {OPND_AL, OPND_DX}, X86F_BYTE},
    [0xed] = {X86_OP_IN, {OPND_rAX, OPND_DX}, 0},
    [0xee] = {X86_OP_OUT, {OPND_DX, OPND_AL}, X86F_BYTE},
    [0xef] = {X86_OP_OUT, {OPND_DX, OPND_rAX}, 0},
    /* 0xf0: LOCK, 0xf2/0xf3: REPNE/REP prefixes */
    [0xf1] = {X86_OP_INT1, {OPND_NONE}, 0},
    [0xf4] = {X86_OP_HLT, {OPND_NONE}, 0},
    [0xf5] = {X86_OP_CMC, {OPND_NONE}, 0},
    [0xf6] = ESC(S_GRP3_F6),
    [0xf7] = ESC(S_GRP3_F7),
    [0xf8] = {X86_OP_CLC, {OPND_NONE}, 0},
    [0xf9] = {X86_OP_STC, {OPND_NONE}, 0},
    [0xfa] = {X86_OP_CLI, {OPND_NONE}, 0},
    [0xfb] = {X86_OP_STI, {OPND_NONE}, 0},
    [0xfc] = {X86_OP_CLD, {OPND_NONE}, 0},
    [0xfd] = {X86_OP_STD, {OPND_NONE}, 0},
    [0xfe] = ESC(S_GRP4),
    [0xff] = ESC(S_GRP5),
};

/* ---------------------------------------------------------------------------------
 * 0F map, SDM Vol 2 Table A-3: rows that do not depend on a mandatory prefix.
 */
static const X86OpcodeEntry twobyte[256] = {
    [0x00] = ESC(S_GRP6),
    [0x01] = ESC(S_GRP7),
    [0x02] = {X86_OP_LAR, {OPND_Gv, OPND_Ew}, 0},
    [0x03] = {X86_OP_LSL, {OPND_Gv, OPND_Ew}, 0},
    /* SYSCALL/SYSRET: #UD outside 64-bit mode on Intel (SDM Vol 2B SYSCALL) */
    [0x05] = {X86_OP_SYSCALL, {OPND_NONE}, X86F_ONLY64},
    [0x06] = {X86_OP_CLTS, {OPND_NONE}, 0},
    [0x07] = {X86_OP_SYSRET, {OPND_NONE}, X86F_ONLY64},
    [0x08] = {X86_OP_INVD, {OPND_NONE}, 0},
    [0x09] = {X86_OP_WBINVD, {OPND_NONE}, 0},
    [0x0b] = {X86_OP_UD2, {OPND_NONE}, 0},
    /* 0F 0D: PREFETCHW /1; the other /r are prefetch hints too (AMD PREFETCH /0) */
    [0x0d] = {X86_OP_PREFETCHW, {OPND_M}, 0},
    [0x10] = ESC_SSE, [0x11] = ESC_SSE, [0x12] = ESC_SSE, [0x13] = ESC_SSE,
    [0x14] = ESC_SSE, [0x15] = ESC_SSE, [0x16] = ESC_SSE, [0x17] = ESC_SSE,
    [0x18] = ESC(S_GRP16),
    /* 0F 19-1F: reserved-NOP space (SDM Vol 2B NOP: 0F 1F /0; the rest execute as
     * NOP too, which is what MPX and CET hints rely on) */
    [0x19] = {X86_OP_NOP, {OPND_Ev}, 0},
    [0x1a] = {X86_OP_NOP, {OPND_Ev}, 0},
    [0x1b] = {X86_OP_NOP, {OPND_Ev}, 0},
    [0x1c] = {X86_OP_NOP, {OPND_Ev}, 0},
    [0x1d] = {X86_OP_NOP, {OPND_Ev}, 0},
    [0x1e] = {X86_OP_NOP, {OPND_Ev}, 0},
    [0x1f] = {X86_OP_NOP, {OPND_Ev}, 0},
    /* MOV to/from CRn/DRn: ModRM.mod is ignored, r/m is always a register (SDM Vol 2B
     * MOV-Move to/from Control Registers); 32-bit, or 64-bit in 64-bit mode */
    [0x20] = {X86_OP_MOV_CR, {OPND_Ry, OPND_Cd}, X86F_FORCE64},
    [0x21] = {X86_OP_MOV_DR, {OPND_Ry, OPND_Dd}, X86F_FORCE64},
    [0x22] = {X86_OP_MOV_CR, {OPND_Cd, OPND_Ry}, X86F_FORCE64},
    [0x23] = {X86_OP_MOV_DR, {OPND_Dd, OPND_Ry}, X86F_FORCE64},
    [0x28] = ESC_SSE, [0x29] = ESC_SSE, [0x2a] = ESC_SSE, [0x2b] = ESC_SSE,
    [0x2c] = ESC_SSE, [0x2d] = ESC_SSE, [0x2e] = ESC_SSE, [0x2f] = ESC_SSE,
    [0x30] = {X86_OP_WRMSR, {OPND_NONE}, 0},
    [0x31] = {X86_OP_RDTSC, {OPND_NONE}, 0},
    [0x32] = {X86_OP_RDMSR, {OPND_NONE}, 0},
    [0x33] = {X86_OP_RDPMC, {OPND_NONE}, 0},
    [0x34] = {X86_OP_SYSENTER, {OPND_NONE}, 0},
    [0x35] = {X86_OP_SYSEXIT, {OPND_NONE}, 0},
    /* 0x38, 0x3a: three-byte escapes, handled by the decoder */
    CC_ROWS(0x40, CMOVCC, OPND_Gv, OPND_Ev, 0),
    [0x50] = ESC_SSE, [0x51] = ESC_SSE, [0x52] = ESC_SSE, [0x53] = ESC_SSE,
    [0x54] = ESC_SSE, [0x55] = ESC_SSE, [0x56] = ESC_SSE, [0x57] = ESC_SSE,
    [0x58] = ESC_SSE, [0x59] = ESC_SSE, [0x5a] = ESC_SSE, [0x5b] = ESC_SSE,
    [0x5c] = ESC_SSE, [0x5d] = ESC_SSE, [0x5e] = ESC_SSE, [0x5f] = ESC_SSE,
    [0x60] = ESC_SSE, [0x61] = ESC_SSE, [0x62] = ESC_SSE, [0x63] = ESC_SSE,
    [0x64] = ESC_SSE, [0x65] = ESC_SSE, [0x66] = ESC_SSE, [0x67] = ESC_SSE,
    [0x68] = ESC_SSE, [0x69] = ESC_SSE, [0x6a] = ESC_SSE, [0x6b] = ESC_SSE,
    [0x6c] = ESC_SSE, [0x6d] = ESC_SSE, [0x6e] = ESC_SSE, [0x6f] = ESC_SSE,
    [0x70] = ESC_SSE, [0x71] = ESC_SSE, [0x72] = ESC_SSE, [0x73] = ESC_SSE,
    [0x74] = ESC_SSE, [0x75] = ESC_SSE, [0x76] = ESC_SSE, [0x77] = ESC_SSE,
    /* 0x78/0x79: VMREAD/VMWRITE (VMX is not emulated) */
    [0x7c] = ESC_SSE, [0x7d] = ESC_SSE, [0x7e] = ESC_SSE, [0x7f] = ESC_SSE,
    CC_ROWS(0x80, JCC, OPND_Jz, OPND_NONE, X86F_FORCE64),
    CC_ROWS(0x90, SETCC, OPND_Eb, OPND_NONE, X86F_BYTE),
    [0xa0] = {X86_OP_PUSH, {OPND_FS}, X86F_DEF64},
    [0xa1] = {X86_OP_POP, {OPND_FS}, X86F_DEF64},
    [0xa2] = {X86_OP_CPUID, {OPND_NONE}, 0},
    [0xa3] = {X86_OP_BT, {OPND_Ev, OPND_Gv}, 0},
    [0xa4] = {X86_OP_SHLD, {OPND_Ev, OPND_Gv, OPND_Ib}, 0},
    [0xa5] = {X86_OP_SHLD, {OPND_Ev, OPND_Gv, OPND_CL}, 0},
    [0xa8] = {X86_OP_PUSH, {OPND_GS}, X86F_DEF64},
    [0xa9] = {X86_OP_POP, {OPND_GS}, X86F_DEF64},
    /* 0xaa: RSM, #UD outside SMM (SMM is not emulated) */
    [0xab] = {X86_OP_BTS, {OPND_Ev, OPND_Gv}, X86F_LOCKOK},
    [0xac] = {X86_OP_SHRD, {OPND_Ev, OPND_Gv, OPND_Ib}, 0},
    [0xad] = {X86_OP_SHRD, {OPND_Ev, OPND_Gv, OPND_CL}, 0},
    [0xae] = ESC_SSE,
    [0xaf] = {X86_OP_IMUL, {OPND_Gv, OPND_Ev}, 0},
    [0xb0] = {X86_OP_CMPXCHG, {OPND_Eb, OPND_Gb}, X86F_BYTE | X86F_LOCKOK},
    [0xb1] = {X86_OP_CMPXCHG, {OPND_Ev, OPND_Gv}, X86F_LOCKOK},
    [0xb2] = {X86_OP_LSS, {OPND_Gv, OPND_Mp}, 0},
    [0xb3] = {X86_OP_BTR, {OPND_Ev, OPND_Gv}, X86F_LOCKOK},
    [0xb4] = {X86_OP_LFS, {OPND_Gv, OPND_Mp}, 0},
    [0xb5] = {X86_OP_LGS, {OPND_Gv, OPND_Mp}, 0},
    [0xb6] = {X86_OP_MOVZX, {OPND_Gv, OPND_Eb}, 0},
    [0xb7] = {X86_OP_MOVZX, {OPND_Gv, OPND_Ew}, 0},
    [0xb8] = ESC_SSE,
    [0xb9] = {X86_OP_UD1, {OPND_Gv, OPND_Ev}, 0},
    [0xba] = ESC(S_GRP8),
    [0xbb] = {X86_OP_BTC, {OPND_Ev, OPND_Gv}, X86F_LOCKOK},
    [0xbc] = ESC_SSE,
    [0xbd] = ESC_SSE,
    [0xbe] = {X86_OP_MOVSX, {OPND_Gv, OPND_Eb}, 0},
    [0xbf] = {X86_OP_MOVSX, {OPND_Gv, OPND_Ew}, 0},
    [0xc0] = {X86_OP_XADD, {OPND_Eb, OPND_Gb}, X86F_BYTE | X86F_LOCKOK},
    [0xc1] = {X86_OP_XADD, {OPND_Ev, OPND_Gv}, X86F_LOCKOK},
    [0xc2] = ESC_SSE,
    [0xc3] = ESC_SSE, /* MOVNTI: no prefix allowed */
    [0xc4] = ESC_SSE, [0xc5] = ESC_SSE, [0xc6] = ESC_SSE,
    [0xc7] = ESC_SSE,
    Z_ROWS(0xc8, BSWAP, OPND_Zv, OPND_NONE, 0),
    [0xd0] = ESC_SSE, [0xd1] = ESC_SSE, [0xd2] = ESC_SSE, [0xd3] = ESC_SSE,
    [0xd4] = ESC_SSE, [0xd5] = ESC_SSE, [0xd6] = ESC_SSE, [0xd7] = ESC_SSE,
    [0xd8] = ESC_SSE, [0xd9] = ESC_SSE, [0xda] = ESC_SSE, [0xdb] = ESC_SSE,
    [0xdc] = ESC_SSE, [0xdd] = ESC_SSE, [0xde] = ESC_SSE, [0xdf] = ESC_SSE,
    [0xe0] = ESC_SSE, [0xe1] = ESC_SSE, [0xe2] = ESC_SSE, [0xe3] = ESC_SSE,
    [0xe4] = ESC_SSE, [0xe5] = ESC_SSE, [0xe6] = ESC_SSE, [0xe7] = ESC_SSE,
    [0xe8] = ESC_SSE, [0xe9] = ESC_SSE, [0xea] = ESC_SSE, [0xeb] = ESC_SSE,
    [0xec] = ESC_SSE, [0xed] = ESC_SSE, [0xee] = ESC_SSE, [0xef] = ESC_SSE,
    [0xf0] = ESC_SSE, [0xf1] = ESC_SSE, [0xf2] = ESC_SSE, [0xf3] = ESC_SSE,
    [0xf4] = ESC_SSE, [0xf5] = ESC_SSE, [0xf6] = ESC_SSE, [0xf7] = ESC_SSE,
    [0xf8] = ESC_SSE, [0xf9] = ESC_SSE, [0xfa] = ESC_SSE, [0xfb] = ESC_SSE,
    [0xfc] = ESC_SSE, [0xfd] = ESC_SSE, [0xfe] = ESC_SSE,
    [0xff] = {X86_OP_UD0, {OPND_Gv, OPND_Ev}, 0},
};

/* ---------------------------------------------------------------------------------
 * 0F map, rows selected by the mandatory prefix (Table A-3). MMX forms (no prefix) are
 * legacy only; their 66 twins are the SSE2 forms, which have VEX forms.
 */
#define MMX(name) {X86_OP_##name, {OPND_Pq, OPND_Qq}, X86F_NOVEX}
#define SSE(name) {X86_OP_##name, {OPND_Vx, OPND_Hx, OPND_Wx}, 0}
#define SSE2OP(name) {X86_OP_##name, {OPND_Vx, OPND_Wx}, 0}

static const X86OpcodeEntry sse_0f_none[256] = {
    [0x10] = {X86_OP_MOVUPS, {OPND_Vx, OPND_Wx}, 0},
    [0x11] = {X86_OP_MOVUPS, {OPND_Wx, OPND_Vx}, 0},
    [0x12] = ESC(S_MOVLPS),
    [0x13] = {X86_OP_MOVLPS, {OPND_Wq, OPND_Vq}, X86F_MEMONLY},
    [0x14] = SSE(UNPCKLPS),
    [0x15] = SSE(UNPCKHPS),
    [0x16] = ESC(S_MOVHPS),
    [0x17] = {X86_OP_MOVHPS, {OPND_Wq, OPND_Vq}, X86F_MEMONLY},
    [0x28] = {X86_OP_MOVAPS, {OPND_Vx, OPND_Wx}, 0},
    [0x29] = {X86_OP_MOVAPS, {OPND_Wx, OPND_Vx}, 0},
    [0x2a] = {X86_OP_CVTPI2PS, {OPND_Vx, OPND_Qq}, X86F_NOVEX},
    [0x2b] = {X86_OP_MOVNTPS, {OPND_Wx, OPND_Vx}, X86F_MEMONLY},
    [0x2c] = {X86_OP_CVTTPS2PI, {OPND_Pq, OPND_Wq}, X86F_NOVEX},
    [0x2d] = {X86_OP_CVTPS2PI, {OPND_Pq, OPND_Wq}, X86F_NOVEX},
    [0x2e] = {X86_OP_UCOMISS, {OPND_Vss, OPND_Wss}, 0},
    [0x2f] = {X86_OP_COMISS, {OPND_Vss, OPND_Wss}, 0},
    [0x50] = {X86_OP_MOVMSKPS, {OPND_Gy, OPND_Ux}, 0},
    [0x51] = SSE2OP(SQRTPS),
    [0x52] = SSE2OP(RSQRTPS),
    [0x53] = SSE2OP(RCPPS),
    [0x54] = SSE(ANDPS),
    [0x55] = SSE(ANDNPS),
    [0x56] = SSE(ORPS),
    [0x57] = SSE(XORPS),
    [0x58] = SSE(ADDPS),
    [0x59] = SSE(MULPS),
    [0x5a] = {X86_OP_CVTPS2PD, {OPND_Vx, OPND_Wq}, 0},
    [0x5b] = SSE2OP(CVTDQ2PS),
    [0x5c] = SSE(SUBPS),
    [0x5d] = SSE(MINPS),
    [0x5e] = SSE(DIVPS),
    [0x5f] = SSE(MAXPS),
    [0x60] = MMX(PUNPCKLBW), [0x61] = MMX(PUNPCKLWD), [0x62] = MMX(PUNPCKLDQ),
    [0x63] = MMX(PACKSSWB),  [0x64] = MMX(PCMPGTB),   [0x65] = MMX(PCMPGTW),
    [0x66] = MMX(PCMPGTD),   [0x67] = MMX(PACKUSWB),  [0x68] = MMX(PUNPCKHBW),
    [0x69] = MMX(PUNPCKHWD), [0x6a] = MMX(PUNPCKHDQ), [0x6b] = MMX(PACKSSDW),
    [0x6e] = ESC(S_MOVD_6E_MMX),
    [0x6f] = {X86_OP_MOVQ, {OPND_Pq, OPND_Qq}, X86F_NOVEX},
    [0x70] = {X86_OP_PSHUFW, {OPND_Pq, OPND_Qq, OPND_Ib}, X86F_NOVEX},
    [0x71] = ESC(S_GRP12_MMX),
    [0x72] = ESC(S_GRP13_MMX),
    [0x73] = ESC(S_GRP14_MMX),
    [0x74] = MMX(PCMPEQB), [0x75] = MMX(PCMPEQW), [0x76] = MMX(PCMPEQD),
    [0x77] = ESC(S_EMMS),
    [0x7e] = ESC(S_MOVD_7E_MMX),
    [0x7f] = {X86_OP_MOVQ, {OPND_Qq, OPND_Pq}, X86F_NOVEX},
    [0xae] = ESC(S_GRP15),
    /* 0xb8 without F3: JMPE (IA-64 only): #UD */
    [0xbc] = {X86_OP_BSF, {OPND_Gv, OPND_Ev}, X86F_NOVEX | X86F_OPSZ66},
    [0xbd] = {X86_OP_BSR, {OPND_Gv, OPND_Ev}, X86F_NOVEX | X86F_OPSZ66},
    [0xc2] = {X86_OP_CMPPS, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Ib}, 0},
    /* SDM Vol 2B MOVNTI is "NP 0F C3": 66, F2 and F3 are #UD */
    [0xc3] = {X86_OP_MOVNTI, {OPND_M, OPND_Gy}, X86F_NOVEX},
    [0xc4] = {X86_OP_PINSRW, {OPND_Pq, OPND_Ew, OPND_Ib}, X86F_NOVEX},
    [0xc5] = {X86_OP_PEXTRW, {OPND_Gd, OPND_Nq, OPND_Ib}, X86F_NOVEX},
    [0xc6] = {X86_OP_SHUFPS, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Ib}, 0},
    [0xc7] = ESC(S_GRP9),
    [0xd1] = MMX(PSRLW),   [0xd2] = MMX(PSRLD),   [0xd3] = MMX(PSRLQ),
    [0xd4] = MMX(PADDQ),   [0xd5] = MMX(PMULLW),
    [0xd7] = {X86_OP_PMOVMSKB, {OPND_Gd, OPND_Nq}, X86F_NOVEX},
    [0xd8] = MMX(PSUBUSB), [0xd9] = MMX(PSUBUSW), [0xda] = MMX(PMINUB),
    [0xdb] = MMX(PAND),    [0xdc] = MMX(PADDUSB), [0xdd] = MMX(PADDUSW),
    [0xde] = MMX(PMAXUB),  [0xdf] = MMX(PANDN),
    [0xe0] = MMX(PAVGB),   [0xe1] = MMX(PSRAW),   [0xe2] = MMX(PSRAD),
    [0xe3] = MMX(PAVGW),   [0xe4] = MMX(PMULHUW), [0xe5] = MMX(PMULHW),
    [0xe7] = {X86_OP_MOVNTQ, {OPND_M, OPND_Pq}, X86F_NOVEX},
    [0xe8] = MMX(PSUBSB),  [0xe9] = MMX(PSUBSW),  [0xea] = MMX(PMINSW),
    [0xeb] = MMX(POR),     [0xec] = MMX(PADDSB),  [0xed] = MMX(PADDSW),
    [0xee] = MMX(PMAXSW),  [0xef] = MMX(PXOR),
    [0xf1] = MMX(PSLLW),   [0xf2] = MMX(PSLLD),   [0xf3] = MMX(PSLLQ),
    [0xf4] = MMX(PMULUDQ), [0xf5] = MMX(PMADDWD), [0xf6] = MMX(PSADBW),
    [0xf7] = {X86_OP_MASKMOVQ, {OPND_Pq, OPND_Nq}, X86F_NOVEX},
    [0xf8] = MMX(PSUBB),   [0xf9] = MMX(PSUBW),   [0xfa] = MMX(PSUBD),
    [0xfb] = MMX(PSUBQ),   [0xfc] = MMX(PADDB),   [0xfd] = MMX(PADDW),
    [0xfe] = MMX(PADDD),
};

static const X86OpcodeEntry sse_0f_66[256] = {
    [0x10] = {X86_OP_MOVUPD, {OPND_Vx, OPND_Wx}, 0},
    [0x11] = {X86_OP_MOVUPD, {OPND_Wx, OPND_Vx}, 0},
    [0x12] = {X86_OP_MOVLPD, {OPND_Vq, OPND_Hx, OPND_Wq}, X86F_MEMONLY},
    [0x13] = {X86_OP_MOVLPD, {OPND_Wq, OPND_Vq}, X86F_MEMONLY},
    [0x14] = SSE(UNPCKLPD),
    [0x15] = SSE(UNPCKHPD),
    [0x16] = {X86_OP_MOVHPD, {OPND_Vq, OPND_Hx, OPND_Wq}, X86F_MEMONLY},
    [0x17] = {X86_OP_MOVHPD, {OPND_Wq, OPND_Vq}, X86F_MEMONLY},
    [0x28] = {X86_OP_MOVAPD, {OPND_Vx, OPND_Wx}, 0},
    [0x29] = {X86_OP_MOVAPD, {OPND_Wx, OPND_Vx}, 0},
    [0x2a] = {X86_OP_CVTPI2PD, {OPND_Vx, OPND_Qq}, X86F_NOVEX},
    [0x2b] = {X86_OP_MOVNTPD, {OPND_Wx, OPND_Vx}, X86F_MEMONLY},
    [0x2c] = {X86_OP_CVTTPD2PI, {OPND_Pq, OPND_Wx}, X86F_NOVEX},
    [0x2d] = {X86_OP_CVTPD2PI, {OPND_Pq, OPND_Wx}, X86F_NOVEX},
    [0x2e] = {X86_OP_UCOMISD, {OPND_Vsd, OPND_Wsd}, 0},
    [0x2f] = {X86_OP_COMISD, {OPND_Vsd, OPND_Wsd}, 0},
    [0x50] = {X86_OP_MOVMSKPD, {OPND_Gy, OPND_Ux}, 0},
    [0x51] = SSE2OP(SQRTPD),
    [0x54] = SSE(ANDPD),
    [0x55] = SSE(ANDNPD),
    [0x56] = SSE(ORPD),
    [0x57] = SSE(XORPD),
    [0x58] = SSE(ADDPD),
    [0x59] = SSE(MULPD),
    [0x5a] = SSE2OP(CVTPD2PS),
    [0x5b] = SSE2OP(CVTPS2DQ),
    [0x5c] = SSE(SUBPD),
    [0x5d] = SSE(MINPD),
    [0x5e] = SSE(DIVPD),
    [0x5f] = SSE(MAXPD),
    [0x60] = SSE(PUNPCKLBW), [0x61] = SSE(PUNPCKLWD),  [0x62] = SSE(PUNPCKLDQ),
    [0x63] = SSE(PACKSSWB),  [0x64] = SSE(PCMPGTB),    [0x65] = SSE(PCMPGTW),
    [0x66] = SSE(PCMPGTD),   [0x67] = SSE(PACKUSWB),   [0x68] = SSE(PUNPCKHBW),
    [0x69] = SSE(PUNPCKHWD), [0x6a] = SSE(PUNPCKHDQ),  [0x6b] = SSE(PACKSSDW),
    [0x6c] = SSE(PUNPCKLQDQ), [0x6d] = SSE(PUNPCKHQDQ),
    [0x6e] = ESC(S_MOVD_6E_SSE),
    [0x6f] = SSE2OP(MOVDQA),
    [0x70] = {X86_OP_PSHUFD, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x71] = ESC(S_GRP12_SSE),
    [0x72] = ESC(S_GRP13_SSE),
    [0x73] = ESC(S_GRP14_SSE),
    [0x74] = SSE(PCMPEQB), [0x75] = SSE(PCMPEQW), [0x76] = SSE(PCMPEQD),
    [0x7c] = SSE(HADDPD),
    [0x7d] = SSE(HSUBPD),
    [0x7e] = ESC(S_MOVD_7E_SSE),
    [0x7f] = {X86_OP_MOVDQA, {OPND_Wx, OPND_Vx}, 0},
    [0xc2] = {X86_OP_CMPPD, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Ib}, 0},
    [0xc4] = {X86_OP_PINSRW, {OPND_Vx, OPND_Hx, OPND_Ew, OPND_Ib}, 0},
    [0xc5] = {X86_OP_PEXTRW, {OPND_Gd, OPND_Ux, OPND_Ib}, 0},
    [0xc6] = {X86_OP_SHUFPD, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Ib}, 0},
    [0xae] = ESC(S_GRP15_66),
    [0xd0] = SSE(ADDSUBPD),
    [0xd1] = SSE(PSRLW),   [0xd2] = SSE(PSRLD),   [0xd3] = SSE(PSRLQ),
    [0xd4] = SSE(PADDQ),   [0xd5] = SSE(PMULLW),
    [0xd6] = {X86_OP_MOVQ, {OPND_Wq, OPND_Vq}, 0},
    [0xd7] = {X86_OP_PMOVMSKB, {OPND_Gd, OPND_Ux}, 0},
    [0xd8] = SSE(PSUBUSB), [0xd9] = SSE(PSUBUSW), [0xda] = SSE(PMINUB),
    [0xdb] = SSE(PAND),    [0xdc] = SSE(PADDUSB), [0xdd] = SSE(PADDUSW),
    [0xde] = SSE(PMAXUB),  [0xdf] = SSE(PANDN),
    [0xe0] = SSE(PAVGB),   [0xe1] = SSE(PSRAW),   [0xe2] = SSE(PSRAD),
    [0xe3] = SSE(PAVGW),   [0xe4] = SSE(PMULHUW), [0xe5] = SSE(PMULHW),
    [0xe6] = SSE2OP(CVTTPD2DQ),
    [0xe7] = {X86_OP_MOVNTDQ, {OPND_Wx, OPND_Vx}, X86F_MEMONLY},
    [0xe8] = SSE(PSUBSB),  [0xe9] = SSE(PSUBSW),  [0xea] = SSE(PMINSW),
    [0xeb] = SSE(POR),     [0xec] = SSE(PADDSB),  [0xed] = SSE(PADDSW),
    [0xee] = SSE(PMAXSW),  [0xef] = SSE(PXOR),
    [0xf1] = SSE(PSLLW),   [0xf2] = SSE(PSLLD),   [0xf3] = SSE(PSLLQ),
    [0xf4] = SSE(PMULUDQ), [0xf5] = SSE(PMADDWD), [0xf6] = SSE(PSADBW),
    [0xf7] = {X86_OP_MASKMOVDQU, {OPND_Vx, OPND_Ux}, 0},
    [0xf8] = SSE(PSUBB),   [0xf9] = SSE(PSUBW),   [0xfa] = SSE(PSUBD),
    [0xfb] = SSE(PSUBQ),   [0xfc] = SSE(PADDB),   [0xfd] = SSE(PADDW),
    [0xfe] = SSE(PADDD),
};

#define SSE_SS(name) {X86_OP_##name, {OPND_Vss, OPND_Hx, OPND_Wss}, 0}
#define SSE_SD(name) {X86_OP_##name, {OPND_Vsd, OPND_Hx, OPND_Wsd}, 0}

static const X86OpcodeEntry sse_0f_f3[256] = {
    [0x10] = ESC(S_MOVSS_LD),
    [0x11] = ESC(S_MOVSS_ST),
    [0x12] = SSE2OP(MOVSLDUP),
    [0x16] = SSE2OP(MOVSHDUP),
    [0x2a] = {X86_OP_CVTSI2SS, {OPND_Vss, OPND_Hx, OPND_Ey}, 0},
    [0x2c] = {X86_OP_CVTTSS2SI, {OPND_Gy, OPND_Wss}, 0},
    [0x2d] = {X86_OP_CVTSS2SI, {OPND_Gy, OPND_Wss}, 0},
    [0x51] = SSE_SS(SQRTSS),
    [0x52] = SSE_SS(RSQRTSS),
    [0x53] = SSE_SS(RCPSS),
    [0x58] = SSE_SS(ADDSS),
    [0x59] = SSE_SS(MULSS),
    [0x5a] = {X86_OP_CVTSS2SD, {OPND_Vsd, OPND_Hx, OPND_Wss}, 0},
    [0x5b] = SSE2OP(CVTTPS2DQ),
    [0x5c] = SSE_SS(SUBSS),
    [0x5d] = SSE_SS(MINSS),
    [0x5e] = SSE_SS(DIVSS),
    [0x5f] = SSE_SS(MAXSS),
    [0x6f] = SSE2OP(MOVDQU),
    [0x70] = {X86_OP_PSHUFHW, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x7e] = {X86_OP_MOVQ, {OPND_Vq, OPND_Wq}, 0},
    [0x7f] = {X86_OP_MOVDQU, {OPND_Wx, OPND_Vx}, 0},
    [0xae] = ESC(S_GRP15_F3),
    [0xb8] = {X86_OP_POPCNT, {OPND_Gv, OPND_Ev}, X86F_NOVEX},
    [0xbc] = {X86_OP_TZCNT, {OPND_Gv, OPND_Ev}, X86F_NOVEX},
    [0xbd] = {X86_OP_LZCNT, {OPND_Gv, OPND_Ev}, X86F_NOVEX},
    [0xc2] = {X86_OP_CMPSS, {OPND_Vss, OPND_Hx, OPND_Wss, OPND_Ib}, 0},
    [0xc7] = ESC(S_GRP9_F3),
    [0xd6] = {X86_OP_MOVQ2DQ, {OPND_Vx, OPND_Nq}, X86F_NOVEX},
    [0xe6] = {X86_OP_CVTDQ2PD, {OPND_Vx, OPND_Wq}, 0},
};

static const X86OpcodeEntry sse_0f_f2[256] = {
    [0x10] = ESC(S_MOVSD_LD),
    [0x11] = ESC(S_MOVSD_ST),
    [0x12] = {X86_OP_MOVDDUP, {OPND_Vx, OPND_Wsd}, 0},
    [0x2a] = {X86_OP_CVTSI2SD, {OPND_Vsd, OPND_Hx, OPND_Ey}, 0},
    [0x2c] = {X86_OP_CVTTSD2SI, {OPND_Gy, OPND_Wsd}, 0},
    [0x2d] = {X86_OP_CVTSD2SI, {OPND_Gy, OPND_Wsd}, 0},
    [0x51] = SSE_SD(SQRTSD),
    [0x58] = SSE_SD(ADDSD),
    [0x59] = SSE_SD(MULSD),
    [0x5a] = {X86_OP_CVTSD2SS, {OPND_Vss, OPND_Hx, OPND_Wsd}, 0},
    [0x5c] = SSE_SD(SUBSD),
    [0x5d] = SSE_SD(MINSD),
    [0x5e] = SSE_SD(DIVSD),
    [0x5f] = SSE_SD(MAXSD),
    [0x70] = {X86_OP_PSHUFLW, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x7c] = SSE(HADDPS),
    [0x7d] = SSE(HSUBPS),
    [0xc2] = {X86_OP_CMPSD, {OPND_Vsd, OPND_Hx, OPND_Wsd, OPND_Ib}, 0},
    [0xd0] = SSE(ADDSUBPS),
    /* BSF/BSR ignore F2 (their pages list no NFx); F3 makes them TZCNT/LZCNT */
    [0xbc] = {X86_OP_BSF, {OPND_Gv, OPND_Ev}, X86F_NOVEX},
    [0xbd] = {X86_OP_BSR, {OPND_Gv, OPND_Ev}, X86F_NOVEX},
    [0xc7] = ESC(S_GRP9_F2),
    [0xd6] = {X86_OP_MOVDQ2Q, {OPND_Pq, OPND_Ux}, X86F_NOVEX},
    [0xe6] = SSE2OP(CVTPD2DQ),
    [0xf0] = {X86_OP_LDDQU, {OPND_Vx, OPND_M}, 0},
};

/* ---------------------------------------------------------------------------------
 * 0F38 map, Table A-4. Every opcode has a ModRM byte and no immediate.
 */
static const X86OpcodeEntry map0f38_none[256] = {
    [0x00] = MMX(PSHUFB),    [0x01] = MMX(PHADDW),    [0x02] = MMX(PHADDD),
    [0x03] = MMX(PHADDSW),   [0x04] = MMX(PMADDUBSW), [0x05] = MMX(PHSUBW),
    [0x06] = MMX(PHSUBD),    [0x07] = MMX(PHSUBSW),   [0x08] = MMX(PSIGNB),
    [0x09] = MMX(PSIGNW),    [0x0a] = MMX(PSIGND),    [0x0b] = MMX(PMULHRSW),
    [0x1c] = MMX(PABSB),     [0x1d] = MMX(PABSW),     [0x1e] = MMX(PABSD),
    [0xc8] = {X86_OP_SHA1NEXTE, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0xc9] = {X86_OP_SHA1MSG1, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0xca] = {X86_OP_SHA1MSG2, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0xcb] = {X86_OP_SHA256RNDS2, {OPND_Vx, OPND_Wx}, X86F_NOVEX}, /* XMM0 implicit */
    [0xcc] = {X86_OP_SHA256MSG1, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0xcd] = {X86_OP_SHA256MSG2, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    /* MOVBE: 66 sets the operand size; F3 (no row) is #UD, F2 is CRC32 */
    [0xf0] = {X86_OP_MOVBE, {OPND_Gv, OPND_M}, X86F_NOVEX | X86F_OPSZ66},
    [0xf1] = {X86_OP_MOVBE, {OPND_M, OPND_Gv}, X86F_NOVEX | X86F_OPSZ66},
    [0xf2] = {X86_OP_ANDN, {OPND_Gy, OPND_By, OPND_Ey}, X86F_VEX},
    [0xf3] = ESC(S_GRP17),
    [0xf5] = {X86_OP_BZHI, {OPND_Gy, OPND_Ey, OPND_By}, X86F_VEX},
    [0xf7] = {X86_OP_BEXTR, {OPND_Gy, OPND_Ey, OPND_By}, X86F_VEX},
};

#define VEXONLY(name, o1, o2, o3) {X86_OP_##name, {o1, o2, o3}, X86F_VEX}

static const X86OpcodeEntry map0f38_66[256] = {
    [0x00] = SSE(PSHUFB),    [0x01] = SSE(PHADDW),    [0x02] = SSE(PHADDD),
    [0x03] = SSE(PHADDSW),   [0x04] = SSE(PMADDUBSW), [0x05] = SSE(PHSUBW),
    [0x06] = SSE(PHSUBD),    [0x07] = SSE(PHSUBSW),   [0x08] = SSE(PSIGNB),
    [0x09] = SSE(PSIGNW),    [0x0a] = SSE(PSIGND),    [0x0b] = SSE(PMULHRSW),
    [0x0c] = VEXONLY(VPERMILPS, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x0d] = VEXONLY(VPERMILPD, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x0e] = VEXONLY(VTESTPS, OPND_Vx, OPND_Wx, OPND_NONE),
    [0x0f] = VEXONLY(VTESTPD, OPND_Vx, OPND_Wx, OPND_NONE),
    /* the legacy variable blends take their mask in XMM0 (VEX forms: 0F3A 4A-4C) */
    [0x10] = {X86_OP_PBLENDVB, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0x13] = VEXONLY(VCVTPH2PS, OPND_Vx, OPND_Wq, OPND_NONE),
    [0x14] = {X86_OP_BLENDVPS, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0x15] = {X86_OP_BLENDVPD, {OPND_Vx, OPND_Wx}, X86F_NOVEX},
    [0x16] = VEXONLY(VPERMPS, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x17] = SSE2OP(PTEST),
    [0x18] = VEXONLY(VBROADCASTSS, OPND_Vx, OPND_Wss, OPND_NONE),
    [0x19] = VEXONLY(VBROADCASTSD, OPND_Vx, OPND_Wsd, OPND_NONE),
    [0x1a] = VEXONLY(VBROADCASTF128, OPND_Vx, OPND_M, OPND_NONE),
    [0x1c] = SSE2OP(PABSB),  [0x1d] = SSE2OP(PABSW),  [0x1e] = SSE2OP(PABSD),
    [0x20] = {X86_OP_PMOVSXBW, {OPND_Vx, OPND_Wq}, 0},
    [0x21] = {X86_OP_PMOVSXBD, {OPND_Vx, OPND_Wd}, 0},
    [0x22] = {X86_OP_PMOVSXBQ, {OPND_Vx, OPND_Wd}, 0},
    [0x23] = {X86_OP_PMOVSXWD, {OPND_Vx, OPND_Wq}, 0},
    [0x24] = {X86_OP_PMOVSXWQ, {OPND_Vx, OPND_Wd}, 0},
    [0x25] = {X86_OP_PMOVSXDQ, {OPND_Vx, OPND_Wq}, 0},
    [0x28] = SSE(PMULDQ),
    [0x29] = SSE(PCMPEQQ),
    [0x2a] = {X86_OP_MOVNTDQA, {OPND_Vx, OPND_M}, 0},
    [0x2b] = SSE(PACKUSDW),
    [0x2c] = VEXONLY(VMASKMOVPS, OPND_Vx, OPND_Hx, OPND_M),
    [0x2d] = VEXONLY(VMASKMOVPD, OPND_Vx, OPND_Hx, OPND_M),
    [0x2e] = VEXONLY(VMASKMOVPS, OPND_M, OPND_Hx, OPND_Vx),
    [0x2f] = VEXONLY(VMASKMOVPD, OPND_M, OPND_Hx, OPND_Vx),
    [0x30] = {X86_OP_PMOVZXBW, {OPND_Vx, OPND_Wq}, 0},
    [0x31] = {X86_OP_PMOVZXBD, {OPND_Vx, OPND_Wd}, 0},
    [0x32] = {X86_OP_PMOVZXBQ, {OPND_Vx, OPND_Wd}, 0},
    [0x33] = {X86_OP_PMOVZXWD, {OPND_Vx, OPND_Wq}, 0},
    [0x34] = {X86_OP_PMOVZXWQ, {OPND_Vx, OPND_Wd}, 0},
    [0x35] = {X86_OP_PMOVZXDQ, {OPND_Vx, OPND_Wq}, 0},
    [0x36] = VEXONLY(VPERMD, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x37] = SSE(PCMPGTQ),
    [0x38] = SSE(PMINSB),    [0x39] = SSE(PMINSD),    [0x3a] = SSE(PMINUW),
    [0x3b] = SSE(PMINUD),    [0x3c] = SSE(PMAXSB),    [0x3d] = SSE(PMAXSD),
    [0x3e] = SSE(PMAXUW),    [0x3f] = SSE(PMAXUD),
    [0x40] = SSE(PMULLD),
    [0x41] = SSE2OP(PHMINPOSUW),
    [0x45] = ESC(S_VPSRLV),
    [0x46] = VEXONLY(VPSRAVD, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x47] = ESC(S_VPSLLV),
    [0x58] = VEXONLY(VPBROADCASTD, OPND_Vx, OPND_Wd, OPND_NONE),
    [0x59] = VEXONLY(VPBROADCASTQ, OPND_Vx, OPND_Wq, OPND_NONE),
    [0x5a] = VEXONLY(VBROADCASTI128, OPND_Vx, OPND_M, OPND_NONE),
    [0x78] = VEXONLY(VPBROADCASTB, OPND_Vx, OPND_Wd, OPND_NONE),
    [0x79] = VEXONLY(VPBROADCASTW, OPND_Vx, OPND_Wd, OPND_NONE),
    [0x8c] = ESC(S_VPMASKMOV_LD),
    [0x8e] = ESC(S_VPMASKMOV_ST),
    /* gathers: the SIB index is a vector register (VSIB, SDM Vol 2 §2.3.12) */
    [0x90] = ESC(S_VPGATHERD),
    [0x91] = ESC(S_VPGATHERQ),
    [0x92] = ESC(S_VGATHERD),
    [0x93] = ESC(S_VGATHERQ),
    /* FMA (Table A-4 rows 9-B, columns 6-F): packed {V, H, W}, scalar {Vss, H, Wss}
     * (the element size follows VEX.W: SS or SD) */
    [0x96] = VEXONLY(VFMADDSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x97] = VEXONLY(VFMSUBADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x98] = VEXONLY(VFMADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x99] = VEXONLY(VFMADDS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0x9a] = VEXONLY(VFMSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x9b] = VEXONLY(VFMSUBS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0x9c] = VEXONLY(VFNMADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x9d] = VEXONLY(VFNMADDS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0x9e] = VEXONLY(VFNMSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0x9f] = VEXONLY(VFNMSUBS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xa6] = VEXONLY(VFMADDSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xa7] = VEXONLY(VFMSUBADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xa8] = VEXONLY(VFMADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xa9] = VEXONLY(VFMADDS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xaa] = VEXONLY(VFMSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xab] = VEXONLY(VFMSUBS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xac] = VEXONLY(VFNMADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xad] = VEXONLY(VFNMADDS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xae] = VEXONLY(VFNMSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xaf] = VEXONLY(VFNMSUBS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xb6] = VEXONLY(VFMADDSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xb7] = VEXONLY(VFMSUBADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xb8] = VEXONLY(VFMADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xb9] = VEXONLY(VFMADDS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xba] = VEXONLY(VFMSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xbb] = VEXONLY(VFMSUBS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xbc] = VEXONLY(VFNMADDP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xbd] = VEXONLY(VFNMADDS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xbe] = VEXONLY(VFNMSUBP, OPND_Vx, OPND_Hx, OPND_Wx),
    [0xbf] = VEXONLY(VFNMSUBS, OPND_Vss, OPND_Hx, OPND_Wss),
    [0xdb] = SSE2OP(AESIMC),
    [0xdc] = SSE(AESENC),
    [0xdd] = SSE(AESENCLAST),
    [0xde] = SSE(AESDEC),
    [0xdf] = SSE(AESDECLAST),
    [0xf6] = {X86_OP_ADCX, {OPND_Gy, OPND_Ey}, X86F_NOVEX},
    [0xf7] = {X86_OP_SHLX, {OPND_Gy, OPND_Ey, OPND_By}, X86F_VEX},
};

static const X86OpcodeEntry map0f38_f3[256] = {
    [0xf5] = {X86_OP_PEXT, {OPND_Gy, OPND_By, OPND_Ey}, X86F_VEX},
    [0xf6] = {X86_OP_ADOX, {OPND_Gy, OPND_Ey}, X86F_NOVEX},
    [0xf7] = {X86_OP_SARX, {OPND_Gy, OPND_Ey, OPND_By}, X86F_VEX},
};

static const X86OpcodeEntry map0f38_f2[256] = {
    [0xf0] = {X86_OP_CRC32, {OPND_Gy, OPND_Eb}, X86F_NOVEX},
    [0xf1] = {X86_OP_CRC32, {OPND_Gy, OPND_Ev}, X86F_NOVEX},
    [0xf5] = {X86_OP_PDEP, {OPND_Gy, OPND_By, OPND_Ey}, X86F_VEX},
    [0xf6] = {X86_OP_MULX, {OPND_Gy, OPND_By, OPND_Ey}, X86F_VEX},
    [0xf7] = {X86_OP_SHRX, {OPND_Gy, OPND_Ey, OPND_By}, X86F_VEX},
};

/* ---------------------------------------------------------------------------------
 * 0F3A map, Table A-5. Every opcode has a ModRM byte and an imm8.
 */
#define SSE_IB(name) {X86_OP_##name, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Ib}, 0}
#define VEX_IB(name) {X86_OP_##name, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Ib}, X86F_VEX}

static const X86OpcodeEntry map0f3a_none[256] = {
    [0x0f] = {X86_OP_PALIGNR, {OPND_Pq, OPND_Qq, OPND_Ib}, X86F_NOVEX},
    [0xcc] = {X86_OP_SHA1RNDS4, {OPND_Vx, OPND_Wx, OPND_Ib}, X86F_NOVEX},
};

static const X86OpcodeEntry map0f3a_66[256] = {
    [0x00] = {X86_OP_VPERMQ, {OPND_Vx, OPND_Wx, OPND_Ib}, X86F_VEX},
    [0x01] = {X86_OP_VPERMPD, {OPND_Vx, OPND_Wx, OPND_Ib}, X86F_VEX},
    [0x02] = VEX_IB(VPBLENDD),
    [0x04] = {X86_OP_VPERMILPS, {OPND_Vx, OPND_Wx, OPND_Ib}, X86F_VEX},
    [0x05] = {X86_OP_VPERMILPD, {OPND_Vx, OPND_Wx, OPND_Ib}, X86F_VEX},
    [0x06] = VEX_IB(VPERM2F128),
    [0x08] = {X86_OP_ROUNDPS, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x09] = {X86_OP_ROUNDPD, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x0a] = {X86_OP_ROUNDSS, {OPND_Vss, OPND_Hx, OPND_Wss, OPND_Ib}, 0},
    [0x0b] = {X86_OP_ROUNDSD, {OPND_Vsd, OPND_Hx, OPND_Wsd, OPND_Ib}, 0},
    [0x0c] = SSE_IB(BLENDPS),
    [0x0d] = SSE_IB(BLENDPD),
    [0x0e] = SSE_IB(PBLENDW),
    [0x0f] = SSE_IB(PALIGNR),
    [0x14] = {X86_OP_PEXTRB, {OPND_Eb, OPND_Vx, OPND_Ib}, 0},
    [0x15] = {X86_OP_PEXTRW, {OPND_Ew, OPND_Vx, OPND_Ib}, 0},
    [0x16] = ESC(S_PEXTRD),
    [0x17] = {X86_OP_EXTRACTPS, {OPND_Ed, OPND_Vx, OPND_Ib}, 0},
    [0x18] = VEX_IB(VINSERTF128),
    [0x19] = {X86_OP_VEXTRACTF128, {OPND_Wx, OPND_Vx, OPND_Ib}, X86F_VEX},
    [0x1d] = {X86_OP_VCVTPS2PH, {OPND_Wq, OPND_Vx, OPND_Ib}, X86F_VEX},
    [0x20] = {X86_OP_PINSRB, {OPND_Vx, OPND_Hx, OPND_Eb, OPND_Ib}, 0},
    [0x21] = {X86_OP_INSERTPS, {OPND_Vx, OPND_Hx, OPND_Wd, OPND_Ib}, 0},
    [0x22] = ESC(S_PINSRD),
    [0x38] = VEX_IB(VINSERTI128),
    [0x39] = {X86_OP_VEXTRACTI128, {OPND_Wx, OPND_Vx, OPND_Ib}, X86F_VEX},
    [0x40] = SSE_IB(DPPS),
    [0x41] = SSE_IB(DPPD),
    [0x42] = SSE_IB(MPSADBW),
    [0x44] = SSE_IB(PCLMULQDQ),
    [0x46] = VEX_IB(VPERM2I128),
    [0x4a] = {X86_OP_BLENDVPS, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Lx}, X86F_VEX},
    [0x4b] = {X86_OP_BLENDVPD, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Lx}, X86F_VEX},
    [0x4c] = {X86_OP_PBLENDVB, {OPND_Vx, OPND_Hx, OPND_Wx, OPND_Lx}, X86F_VEX},
    [0x60] = {X86_OP_PCMPESTRM, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x61] = {X86_OP_PCMPESTRI, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x62] = {X86_OP_PCMPISTRM, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0x63] = {X86_OP_PCMPISTRI, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
    [0xdf] = {X86_OP_AESKEYGENASSIST, {OPND_Vx, OPND_Wx, OPND_Ib}, 0},
};

static const X86OpcodeEntry map0f3a_f3[256] = {
    [0x00] = INVALID_ROW,
};

static const X86OpcodeEntry map0f3a_f2[256] = {
    [0xf0] = {X86_OP_RORX, {OPND_Gy, OPND_Ey, OPND_Ib}, X86F_VEX},
};

/* ---------------------------------------------------------------------------------
 * Selectors: groups (Table A-6), x87 (Tables A-7..A-22) and other split rows.
 */
#define ROWS(n, ...) ((const X86OpcodeEntry[n]){__VA_ARGS__})

/* Group 1: the ALU op is ModRM.reg; CMP (/7) is the one that cannot be locked. */
#define GROUP1(o1, o2, fl)                                                                  \
    ROWS(8, {X86_OP_ADD, {o1, o2}, (fl) | X86F_LOCKOK}, {X86_OP_OR, {o1, o2}, (fl) | X86F_LOCKOK}, \
         {X86_OP_ADC, {o1, o2}, (fl) | X86F_LOCKOK}, {X86_OP_SBB, {o1, o2}, (fl) | X86F_LOCKOK}, \
         {X86_OP_AND, {o1, o2}, (fl) | X86F_LOCKOK}, {X86_OP_SUB, {o1, o2}, (fl) | X86F_LOCKOK}, \
         {X86_OP_XOR, {o1, o2}, (fl) | X86F_LOCKOK}, {X86_OP_CMP, {o1, o2}, (fl)})

/* Group 2: rotates and shifts; /6 is SAL, the same operation as SHL. */
#define GROUP2(o1, o2, fl)                                                                  \
    ROWS(8, {X86_OP_ROL, {o1, o2}, fl}, {X86_OP_ROR, {o1, o2}, fl}, {X86_OP_RCL, {o1, o2}, fl}, \
         {X86_OP_RCR, {o1, o2}, fl}, {X86_OP_SHL, {o1, o2}, fl}, {X86_OP_SHR, {o1, o2}, fl},   \
         {X86_OP_SHL, {o1, o2}, fl}, {X86_OP_SAR, {o1, o2}, fl})

/* Group 3: /1 is an undocumented alias of TEST that Intel and AMD CPUs execute. */
#define GROUP3(e, imm, fl)                                                                  \
    ROWS(8, {X86_OP_TEST, {e, imm}, fl}, {X86_OP_TEST, {e, imm}, fl},                         \
         {X86_OP_NOT, {e}, (fl) | X86F_LOCKOK}, {X86_OP_NEG, {e}, (fl) | X86F_LOCKOK},         \
         {X86_OP_MUL, {e}, fl}, {X86_OP_IMUL, {e}, fl}, {X86_OP_DIV, {e}, fl},                 \
         {X86_OP_IDIV, {e}, fl})

/* Groups 12-14: MMX shifts by imm8 (no prefix) and their SSE2/AVX twins (66). */
#define SHIFT_MMX(name) {X86_OP_##name, {OPND_Nq, OPND_Ib}, X86F_NOVEX}
#define SHIFT_SSE(name) {X86_OP_##name, {OPND_Hx, OPND_Ux, OPND_Ib}, 0}

/* x87 register forms: eight rows per ModRM.reg value (ModRM C0-FF). */
#define X87R(lo, name, a, b) [8 + (lo)] = {X86_OP_##name, {a, b}, 0}
#define X87R8(lo, name, a, b)                                                              \
    X87R((lo) + 0, name, a, b), X87R((lo) + 1, name, a, b), X87R((lo) + 2, name, a, b),      \
        X87R((lo) + 3, name, a, b), X87R((lo) + 4, name, a, b), X87R((lo) + 5, name, a, b),  \
        X87R((lo) + 6, name, a, b), X87R((lo) + 7, name, a, b)
#define X87M(reg, name) [reg] = {X86_OP_##name, {OPND_Mfpu}, 0}
#define X87_0(lo, name) X87R(lo, name, OPND_NONE, OPND_NONE)

/* The D8 and DC arithmetic rows share their memory layout (m32fp / m64fp). */
#define X87_ARITH_MEM                                                                      \
    X87M(0, FADD), X87M(1, FMUL), X87M(2, FCOM), X87M(3, FCOMP), X87M(4, FSUB),              \
        X87M(5, FSUBR), X87M(6, FDIV), X87M(7, FDIVR)
#define X87_INT_MEM                                                                        \
    X87M(0, FIADD), X87M(1, FIMUL), X87M(2, FICOM), X87M(3, FICOMP), X87M(4, FISUB),         \
        X87M(5, FISUBR), X87M(6, FIDIV), X87M(7, FIDIVR)

#define ST0 OPND_ST0
#define STI OPND_STi

static const X86Selector selectors[NB_SELECTORS] = {
    [S_GRP1_80] = {SEL_REG, GROUP1(OPND_Eb, OPND_Ib, X86F_BYTE)},
    [S_GRP1_81] = {SEL_REG, GROUP1(OPND_Ev, OPND_Iz, 0)},
    [S_GRP1_82] = {SEL_REG, GROUP1(OPND_Eb, OPND_Ib, X86F_BYTE | X86F_INV64)},
    [S_GRP1_83] = {SEL_REG, GROUP1(OPND_Ev, OPND_Ibs, 0)},
    [S_MODE_63] = {SEL_MODE64, ROWS(2,
        {X86_OP_ARPL, {OPND_Ew, OPND_Gw}, 0},
        {X86_OP_MOVSXD, {OPND_Gv, OPND_Ed}, 0})},
    /* 8F /1-/7 is AMD's XOP prefix: #UD here */
    [S_GRP1A] = {SEL_REG, ROWS(8, [0] = {X86_OP_POP, {OPND_Ev}, X86F_DEF64})},
    [S_NOP90] = {SEL_NOP90, ROWS(3,
        {X86_OP_NOP, {OPND_NONE}, 0},
        {X86_OP_PAUSE, {OPND_NONE}, 0},
        {X86_OP_XCHG, {OPND_Zv, OPND_rAX}, 0})},
    [S_GRP2_C0] = {SEL_REG, GROUP2(OPND_Eb, OPND_Ib, X86F_BYTE)},
    [S_GRP2_C1] = {SEL_REG, GROUP2(OPND_Ev, OPND_Ib, 0)},
    [S_GRP2_D0] = {SEL_REG, GROUP2(OPND_Eb, OPND_ONE, X86F_BYTE)},
    [S_GRP2_D1] = {SEL_REG, GROUP2(OPND_Ev, OPND_ONE, 0)},
    [S_GRP2_D2] = {SEL_REG, GROUP2(OPND_Eb, OPND_CL, X86F_BYTE)},
    [S_GRP2_D3] = {SEL_REG, GROUP2(OPND_Ev, OPND_CL, 0)},
    /* group 11: C6 F8 / C7 F8 are XABORT/XBEGIN (TSX, not emulated) */
    [S_GRP11_C6] = {SEL_REG, ROWS(8, [0] = {X86_OP_MOV, {OPND_Eb, OPND_Ib}, X86F_BYTE})},
    [S_GRP11_C7] = {SEL_REG, ROWS(8, [0] = {X86_OP_MOV, {OPND_Ev, OPND_Iz}, 0})},
    [S_GRP3_F6] = {SEL_REG, GROUP3(OPND_Eb, OPND_Ib, X86F_BYTE)},
    [S_GRP3_F7] = {SEL_REG, GROUP3(OPND_Ev, OPND_Iz, 0)},
    [S_GRP4] = {SEL_REG, ROWS(8,
        [0] = {X86_OP_INC, {OPND_Eb}, X86F_BYTE | X86F_LOCKOK},
        [1] = {X86_OP_DEC, {OPND_Eb}, X86F_BYTE | X86F_LOCKOK})},
    [S_GRP5] = {SEL_REG, ROWS(8,
        [0] = {X86_OP_INC, {OPND_Ev}, X86F_LOCKOK},
        [1] = {X86_OP_DEC, {OPND_Ev}, X86F_LOCKOK},
        [2] = {X86_OP_CALL, {OPND_Ev}, X86F_FORCE64},
        [3] = {X86_OP_CALLF, {OPND_Mp}, 0},
        [4] = {X86_OP_JMP, {OPND_Ev}, X86F_FORCE64},
        [5] = {X86_OP_JMPF, {OPND_Mp}, 0},
        [6] = {X86_OP_PUSH, {OPND_Ev}, X86F_DEF64})},

    /* x87, SDM Vol 2 Tables. The aliases hardware executes although the
     * SDM marks them reserved (D9 D8+i FSTP, DC D0+i FCOM, DC D8+i FCOMP, DD C8+i FXCH,
     * DE D0+i FCOMP, DF C8+i FXCH, DF D0+i/D8+i FSTP, DF C0+i FFREEP) are decoded as
     * the instruction they alias. */
    [S_X87_D8] = {SEL_X87, ROWS(72, X87_ARITH_MEM,
        X87R8(0x00, FADD, ST0, STI), X87R8(0x08, FMUL, ST0, STI),
        X87R8(0x10, FCOM, STI, OPND_NONE), X87R8(0x18, FCOMP, STI, OPND_NONE),
        X87R8(0x20, FSUB, ST0, STI), X87R8(0x28, FSUBR, ST0, STI),
        X87R8(0x30, FDIV, ST0, STI), X87R8(0x38, FDIVR, ST0, STI))},
    [S_X87_D9] = {SEL_X87, ROWS(72,
        X87M(0, FLD), X87M(2, FST), X87M(3, FSTP), X87M(4, FLDENV), X87M(5, FLDCW),
        X87M(6, FNSTENV), X87M(7, FNSTCW),
        X87R8(0x00, FLD, STI, OPND_NONE), X87R8(0x08, FXCH, STI, OPND_NONE),
        X87_0(0x10, FNOP), X87R8(0x18, FSTP, STI, OPND_NONE),
        X87_0(0x20, FCHS), X87_0(0x21, FABS), X87_0(0x24, FTST), X87_0(0x25, FXAM),
        X87_0(0x28, FLD1), X87_0(0x29, FLDL2T), X87_0(0x2a, FLDL2E), X87_0(0x2b, FLDPI),
        X87_0(0x2c, FLDLG2), X87_0(0x2d, FLDLN2), X87_0(0x2e, FLDZ),
        X87_0(0x30, F2XM1), X87_0(0x31, FYL2X), X87_0(0x32, FPTAN), X87_0(0x33, FPATAN),
        X87_0(0x34, FXTRACT), X87_0(0x35, FPREM1), X87_0(0x36, FDECSTP),
        X87_0(0x37, FINCSTP), X87_0(0x38, FPREM), X87_0(0x39, FYL2XP1),
        X87_0(0x3a, FSQRT), X87_0(0x3b, FSINCOS), X87_0(0x3c, FRNDINT),
        X87_0(0x3d, FSCALE), X87_0(0x3e, FSIN), X87_0(0x3f, FCOS))},
    [S_X87_DA] = {SEL_X87, ROWS(72, X87_INT_MEM,
        X87R8(0x00, FCMOVB, ST0, STI), X87R8(0x08, FCMOVE, ST0, STI),
        X87R8(0x10, FCMOVBE, ST0, STI), X87R8(0x18, FCMOVU, ST0, STI),
        X87_0(0x29, FUCOMPP))},
    [S_X87_DB] = {SEL_X87, ROWS(72,
        X87M(0, FILD), X87M(1, FISTTP), X87M(2, FIST), X87M(3, FISTP), X87M(5, FLD),
        X87M(7, FSTP),
        X87R8(0x00, FCMOVNB, ST0, STI), X87R8(0x08, FCMOVNE, ST0, STI),
        X87R8(0x10, FCMOVNBE, ST0, STI), X87R8(0x18, FCMOVNU, ST0, STI),
        X87_0(0x20, FNENI), X87_0(0x21, FNDISI), X87_0(0x22, FNCLEX), X87_0(0x23, FNINIT),
        X87_0(0x24, FNSETPM),
        X87R8(0x28, FUCOMI, ST0, STI), X87R8(0x30, FCOMI, ST0, STI))},
    [S_X87_DC] = {SEL_X87, ROWS(72, X87_ARITH_MEM,
        X87R8(0x00, FADD, STI, ST0), X87R8(0x08, FMUL, STI, ST0),
        X87R8(0x10, FCOM, STI, OPND_NONE), X87R8(0x18, FCOMP, STI, OPND_NONE),
        X87R8(0x20, FSUBR, STI, ST0), X87R8(0x28, FSUB, STI, ST0),
        X87R8(0x30, FDIVR, STI, ST0), X87R8(0x38, FDIV, STI, ST0))},
    [S_X87_DD] = {SEL_X87, ROWS(72,
        X87M(0, FLD), X87M(1, FISTTP), X87M(2, FST), X87M(3, FSTP), X87M(4, FRSTOR),
        X87M(6, FNSAVE), X87M(7, FNSTSW),
        X87R8(0x00, FFREE, STI, OPND_NONE), X87R8(0x08, FXCH, STI, OPND_NONE),
        X87R8(0x10, FST, STI, OPND_NONE), X87R8(0x18, FSTP, STI, OPND_NONE),
        X87R8(0x20, FUCOM, STI, OPND_NONE), X87R8(0x28, FUCOMP, STI, OPND_NONE))},
    [S_X87_DE] = {SEL_X87, ROWS(72, X87_INT_MEM,
        X87R8(0x00, FADDP, STI, ST0), X87R8(0x08, FMULP, STI, ST0),
        X87R8(0x10, FCOMP, STI, OPND_NONE), X87_0(0x19, FCOMPP),
        X87R8(0x20, FSUBRP, STI, ST0), X87R8(0x28, FSUBP, STI, ST0),
        X87R8(0x30, FDIVRP, STI, ST0), X87R8(0x38, FDIVP, STI, ST0))},
    /* DF E0 is FNSTSW AX (no operand kind names AX alone) */
    [S_X87_DF] = {SEL_X87, ROWS(72,
        X87M(0, FILD), X87M(1, FISTTP), X87M(2, FIST), X87M(3, FISTP), X87M(4, FBLD),
        X87M(5, FILD), X87M(6, FBSTP), X87M(7, FISTP),
        X87R8(0x00, FFREEP, STI, OPND_NONE), X87R8(0x08, FXCH, STI, OPND_NONE),
        X87R8(0x10, FSTP, STI, OPND_NONE), X87R8(0x18, FSTP, STI, OPND_NONE),
        X87_0(0x20, FNSTSW),
        X87R8(0x28, FUCOMIP, ST0, STI), X87R8(0x30, FCOMIP, ST0, STI))},

    /* 0F map groups */
    [S_GRP6] = {SEL_REG, ROWS(8,
        [0] = {X86_OP_SLDT, {OPND_Ev}, 0},
        [1] = {X86_OP_STR, {OPND_Ev}, 0},
        [2] = {X86_OP_LLDT, {OPND_Ew}, 0},
        [3] = {X86_OP_LTR, {OPND_Ew}, 0},
        [4] = {X86_OP_VERR, {OPND_Ew}, 0},
        [5] = {X86_OP_VERW, {OPND_Ew}, 0})},
    [S_GRP7] = {SEL_MOD, ROWS(2, ESC(S_GRP7_MEM), ESC(S_GRP7_REG))},
    /* LGDT/LIDT/SGDT/SIDT: operand size 64 in 64-bit mode regardless of prefixes */
    [S_GRP7_MEM] = {SEL_REG, ROWS(8,
        [0] = {X86_OP_SGDT, {OPND_M}, X86F_FORCE64},
        [1] = {X86_OP_SIDT, {OPND_M}, X86F_FORCE64},
        [2] = {X86_OP_LGDT, {OPND_M}, X86F_FORCE64},
        [3] = {X86_OP_LIDT, {OPND_M}, X86F_FORCE64},
        [4] = {X86_OP_SMSW, {OPND_Ew}, 0},
        [6] = {X86_OP_LMSW, {OPND_Ew}, 0},
        [7] = {X86_OP_INVLPG, {OPND_M}, 0})},
    /* /0 VMX, /3 SVM, /5 PKU & co.: not emulated */
    [S_GRP7_REG] = {SEL_REG, ROWS(8,
        [1] = ESC(S_GRP7_1),
        [2] = ESC(S_GRP7_2),
        [4] = {X86_OP_SMSW, {OPND_Ev}, 0},
        [6] = {X86_OP_LMSW, {OPND_Ew}, 0},
        [7] = ESC(S_GRP7_7))},
    [S_GRP7_1] = {SEL_RM, ROWS(8,
        [0] = {X86_OP_MONITOR, {OPND_NONE}, 0},
        [1] = {X86_OP_MWAIT, {OPND_NONE}, 0},
        [2] = {X86_OP_CLAC, {OPND_NONE}, 0},
        [3] = {X86_OP_STAC, {OPND_NONE}, 0})},
    [S_GRP7_2] = {SEL_RM, ROWS(8,
        [0] = {X86_OP_XGETBV, {OPND_NONE}, 0},
        [1] = {X86_OP_XSETBV, {OPND_NONE}, 0})},
    [S_GRP7_7] = {SEL_RM, ROWS(8,
        [0] = {X86_OP_SWAPGS, {OPND_NONE}, X86F_ONLY64},
        [1] = {X86_OP_RDTSCP, {OPND_NONE}, 0})},
    /* group 16: prefetch hints; the undefined /4-/7 and register forms are NOPs */
    [S_GRP16] = {SEL_MOD, ROWS(2, ESC(S_GRP16_MEM), {X86_OP_NOP, {OPND_Ev}, 0})},
    [S_GRP16_MEM] = {SEL_REG, ROWS(8,
        {X86_OP_PREFETCHNTA, {OPND_M}, 0}, {X86_OP_PREFETCHT0, {OPND_M}, 0},
        {X86_OP_PREFETCHT1, {OPND_M}, 0}, {X86_OP_PREFETCHT2, {OPND_M}, 0},
        {X86_OP_NOP, {OPND_Ev}, 0}, {X86_OP_NOP, {OPND_Ev}, 0},
        {X86_OP_NOP, {OPND_Ev}, 0}, {X86_OP_NOP, {OPND_Ev}, 0})},
    [S_GRP8] = {SEL_REG, ROWS(8,
        [4] = {X86_OP_BT, {OPND_Ev, OPND_Ib}, 0},
        [5] = {X86_OP_BTS, {OPND_Ev, OPND_Ib}, X86F_LOCKOK},
        [6] = {X86_OP_BTR, {OPND_Ev, OPND_Ib}, X86F_LOCKOK},
        [7] = {X86_OP_BTC, {OPND_Ev, OPND_Ib}, X86F_LOCKOK})},
    [S_GRP9] = {SEL_MOD, ROWS(2, ESC(S_GRP9_MEM), ESC(S_GRP9_REG))},
    /* /3-/5 XRSTORS/XSAVEC/XSAVES and /6 /7 VMX: not emulated */
    [S_GRP9_MEM] = {SEL_REG, ROWS(8, [1] = ESC(S_CMPXCHG8B))},
    /* 66 sets the operand size of group 9 (66 0F C7 /6 is RDRAND r16) */
    [S_CMPXCHG8B] = {SEL_W64, ROWS(2,
        {X86_OP_CMPXCHG8B, {OPND_M}, X86F_LOCKOK | X86F_NOVEX | X86F_OPSZ66},
        {X86_OP_CMPXCHG16B, {OPND_M}, X86F_LOCKOK | X86F_NOVEX | X86F_OPSZ66})},
    [S_GRP9_REG] = {SEL_REG, ROWS(8,
        [6] = {X86_OP_RDRAND, {OPND_Ev}, X86F_NOVEX | X86F_OPSZ66},
        [7] = {X86_OP_RDSEED, {OPND_Ev}, X86F_NOVEX | X86F_OPSZ66})},
    /* F2/F3: the memory forms stay (XACQUIRE/XRELEASE LOCK CMPXCHG8B); RDRAND and RDSEED
     * are "NFx" (SDM Vol 2B: F2/F3 are #UD) and F3 /7 is RDPID (not emulated) */
    [S_GRP9_F2] = {SEL_MOD, ROWS(2, ESC(S_GRP9_MEM), INVALID_ROW)},
    [S_GRP9_F3] = {SEL_MOD, ROWS(2, ESC(S_GRP9_MEM), INVALID_ROW)},
    [S_GRP12_MMX] = {SEL_REG, ROWS(8,
        [2] = SHIFT_MMX(PSRLW), [4] = SHIFT_MMX(PSRAW), [6] = SHIFT_MMX(PSLLW))},
    [S_GRP12_SSE] = {SEL_REG, ROWS(8,
        [2] = SHIFT_SSE(PSRLW), [4] = SHIFT_SSE(PSRAW), [6] = SHIFT_SSE(PSLLW))},
    [S_GRP13_MMX] = {SEL_REG, ROWS(8,
        [2] = SHIFT_MMX(PSRLD), [4] = SHIFT_MMX(PSRAD), [6] = SHIFT_MMX(PSLLD))},
    [S_GRP13_SSE] = {SEL_REG, ROWS(8,
        [2] = SHIFT_SSE(PSRLD), [4] = SHIFT_SSE(PSRAD), [6] = SHIFT_SSE(PSLLD))},
    [S_GRP14_MMX] = {SEL_REG, ROWS(8, [2] = SHIFT_MMX(PSRLQ), [6] = SHIFT_MMX(PSLLQ))},
    [S_GRP14_SSE] = {SEL_REG, ROWS(8,
        [2] = SHIFT_SSE(PSRLQ), [3] = SHIFT_SSE(PSRLDQ),
        [6] = SHIFT_SSE(PSLLQ), [7] = SHIFT_SSE(PSLLDQ))},
    [S_GRP15] = {SEL_MOD, ROWS(2, ESC(S_GRP15_MEM), ESC(S_GRP15_REG))},
    [S_GRP15_MEM] = {SEL_REG, ROWS(8,
        {X86_OP_FXSAVE, {OPND_M}, X86F_NOVEX},
        {X86_OP_FXRSTOR, {OPND_M}, X86F_NOVEX},
        {X86_OP_LDMXCSR, {OPND_M}, 0},
        {X86_OP_STMXCSR, {OPND_M}, 0},
        {X86_OP_XSAVE, {OPND_M}, X86F_NOVEX},
        {X86_OP_XRSTOR, {OPND_M}, X86F_NOVEX},
        {X86_OP_XSAVEOPT, {OPND_M}, X86F_NOVEX},
        {X86_OP_CLFLUSH, {OPND_M}, X86F_NOVEX})},
    [S_GRP15_REG] = {SEL_REG, ROWS(8,
        [5] = {X86_OP_LFENCE, {OPND_NONE}, X86F_NOVEX},
        [6] = {X86_OP_MFENCE, {OPND_NONE}, X86F_NOVEX},
        [7] = {X86_OP_SFENCE, {OPND_NONE}, X86F_NOVEX})},
    /* 66: /6 is CLWB (not emulated), /7 CLFLUSHOPT, which is CLFLUSH here; the other
     * forms are "NP" (FXSAVE, LDMXCSR, ...: 66 is #UD, as F2 is for the whole group) */
    [S_GRP15_66] = {SEL_REG, ROWS(8, [7] = ESC(S_GRP15_66_7))},
    [S_GRP15_66_7] = {SEL_MOD, ROWS(2, {X86_OP_CLFLUSH, {OPND_M}, X86F_NOVEX}, INVALID_ROW)},
    [S_GRP15_F3] = {SEL_MOD, ROWS(2, INVALID_ROW, ESC(S_GRP15_F3_REG))},
    [S_GRP15_F3_REG] = {SEL_REG, ROWS(8,
        [0] = {X86_OP_RDFSBASE, {OPND_Ey}, X86F_ONLY64 | X86F_NOVEX},
        [1] = {X86_OP_RDGSBASE, {OPND_Ey}, X86F_ONLY64 | X86F_NOVEX},
        [2] = {X86_OP_WRFSBASE, {OPND_Ey}, X86F_ONLY64 | X86F_NOVEX},
        [3] = {X86_OP_WRGSBASE, {OPND_Ey}, X86F_ONLY64 | X86F_NOVEX})},

    /* SSE rows split by the ModRM form */
    [S_MOVLPS] = {SEL_MOD, ROWS(2,
        {X86_OP_MOVLPS, {OPND_Vq, OPND_Hx, OPND_Wq}, 0},
        {X86_OP_MOVHLPS, {OPND_Vq, OPND_Hx, OPND_Ux}, 0})},
    [S_MOVHPS] = {SEL_MOD, ROWS(2,
        {X86_OP_MOVHPS, {OPND_Vq, OPND_Hx, OPND_Wq}, 0},
        {X86_OP_MOVLHPS, {OPND_Vq, OPND_Hx, OPND_Ux}, 0})},
    /* MOVSS/MOVSD: the load form has no VEX.vvvv source, the register form merges */
    [S_MOVSS_LD] = {SEL_MOD, ROWS(2,
        {X86_OP_MOVSS, {OPND_Vx, OPND_Wss}, 0},
        {X86_OP_MOVSS, {OPND_Vx, OPND_Hx, OPND_Wss}, 0})},
    [S_MOVSS_ST] = {SEL_MOD, ROWS(2,
        {X86_OP_MOVSS, {OPND_Wss, OPND_Vx}, 0},
        {X86_OP_MOVSS, {OPND_Wss, OPND_Hx, OPND_Vx}, 0})},
    [S_MOVSD_LD] = {SEL_MOD, ROWS(2,
        {X86_OP_MOVSD, {OPND_Vx, OPND_Wsd}, 0},
        {X86_OP_MOVSD, {OPND_Vx, OPND_Hx, OPND_Wsd}, 0})},
    [S_MOVSD_ST] = {SEL_MOD, ROWS(2,
        {X86_OP_MOVSD, {OPND_Wsd, OPND_Vx}, 0},
        {X86_OP_MOVSD, {OPND_Wsd, OPND_Hx, OPND_Vx}, 0})},
    /* MOVD becomes MOVQ with REX.W / VEX.W1 in 64-bit mode */
    [S_MOVD_6E_MMX] = {SEL_W64, ROWS(2,
        {X86_OP_MOVD, {OPND_Pd, OPND_Ey}, X86F_NOVEX},
        {X86_OP_MOVQ, {OPND_Pq, OPND_Ey}, X86F_NOVEX})},
    [S_MOVD_6E_SSE] = {SEL_W64, ROWS(2,
        {X86_OP_MOVD, {OPND_Vx, OPND_Ey}, 0},
        {X86_OP_MOVQ, {OPND_Vx, OPND_Ey}, 0})},
    [S_MOVD_7E_MMX] = {SEL_W64, ROWS(2,
        {X86_OP_MOVD, {OPND_Ey, OPND_Pd}, X86F_NOVEX},
        {X86_OP_MOVQ, {OPND_Ey, OPND_Pq}, X86F_NOVEX})},
    [S_MOVD_7E_SSE] = {SEL_W64, ROWS(2,
        {X86_OP_MOVD, {OPND_Ey, OPND_Vx}, 0},
        {X86_OP_MOVQ, {OPND_Ey, OPND_Vx}, 0})},
    /* 0F 77: EMMS; with VEX, VZEROUPPER (L=0) or VZEROALL (L=1) */
    [S_EMMS] = {SEL_VEX_L, ROWS(3,
        {X86_OP_EMMS, {OPND_NONE}, X86F_NOVEX},
        {X86_OP_VZEROUPPER, {OPND_NONE}, X86F_VEX},
        {X86_OP_VZEROALL, {OPND_NONE}, X86F_VEX})},

    /* 0F38 / 0F3A */
    [S_GRP17] = {SEL_REG, ROWS(8,
        [1] = {X86_OP_BLSR, {OPND_By, OPND_Ey}, X86F_VEX},
        [2] = {X86_OP_BLSMSK, {OPND_By, OPND_Ey}, X86F_VEX},
        [3] = {X86_OP_BLSI, {OPND_By, OPND_Ey}, X86F_VEX})},
    [S_VPSRLV] = {SEL_W, ROWS(2,
        VEXONLY(VPSRLVD, OPND_Vx, OPND_Hx, OPND_Wx),
        VEXONLY(VPSRLVQ, OPND_Vx, OPND_Hx, OPND_Wx))},
    [S_VPSLLV] = {SEL_W, ROWS(2,
        VEXONLY(VPSLLVD, OPND_Vx, OPND_Hx, OPND_Wx),
        VEXONLY(VPSLLVQ, OPND_Vx, OPND_Hx, OPND_Wx))},
    [S_VPMASKMOV_LD] = {SEL_W, ROWS(2,
        VEXONLY(VPMASKMOVD, OPND_Vx, OPND_Hx, OPND_M),
        VEXONLY(VPMASKMOVQ, OPND_Vx, OPND_Hx, OPND_M))},
    [S_VPMASKMOV_ST] = {SEL_W, ROWS(2,
        VEXONLY(VPMASKMOVD, OPND_M, OPND_Hx, OPND_Vx),
        VEXONLY(VPMASKMOVQ, OPND_M, OPND_Hx, OPND_Vx))},
    [S_VPGATHERD] = {SEL_W, ROWS(2,
        VEXONLY(VPGATHERDD, OPND_Vx, OPND_M, OPND_Hx),
        VEXONLY(VPGATHERDQ, OPND_Vx, OPND_M, OPND_Hx))},
    [S_VPGATHERQ] = {SEL_W, ROWS(2,
        VEXONLY(VPGATHERQD, OPND_Vx, OPND_M, OPND_Hx),
        VEXONLY(VPGATHERQQ, OPND_Vx, OPND_M, OPND_Hx))},
    [S_VGATHERD] = {SEL_W, ROWS(2,
        VEXONLY(VGATHERDPS, OPND_Vx, OPND_M, OPND_Hx),
        VEXONLY(VGATHERDPD, OPND_Vx, OPND_M, OPND_Hx))},
    [S_VGATHERQ] = {SEL_W, ROWS(2,
        VEXONLY(VGATHERQPS, OPND_Vx, OPND_M, OPND_Hx),
        VEXONLY(VGATHERQPD, OPND_Vx, OPND_M, OPND_Hx))},
    [S_PEXTRD] = {SEL_W64, ROWS(2,
        {X86_OP_PEXTRD, {OPND_Ed, OPND_Vx, OPND_Ib}, 0},
        {X86_OP_PEXTRQ, {OPND_Eq, OPND_Vx, OPND_Ib}, 0})},
    [S_PINSRD] = {SEL_W64, ROWS(2,
        {X86_OP_PINSRD, {OPND_Vx, OPND_Hx, OPND_Ed, OPND_Ib}, 0},
        {X86_OP_PINSRQ, {OPND_Vx, OPND_Hx, OPND_Eq, OPND_Ib}, 0})},
};
/* clang-format on */

static const X86OpcodeEntry invalid_row = INVALID_ROW;
static const X86OpcodeEntry invalid_modrm_row = {X86_OP_INVALID, {OPND_NONE}, X86F_MODRM};

/* ---------------------------------------------------------------------------------
 * Lookup
 */

static unsigned prefix_index(uint8_t prefix)
{
    switch (prefix) {
    case 0x66: return 1;
    case 0xf3: return 2;
    case 0xf2: return 3;
    default: return 0;
    }
}

/* A row the encoding at hand may use: defined, and not VEX-only without VEX. Rows
 * that select further count as usable. */
static bool row_usable(const X86OpcodeEntry *e, const X86Insn *insn)
{
    if (e->op == X86_OP_INVALID)
        return false;
    return e->op >= NB_X86_OPS || insn->vex || !(e->flags & X86F_VEX);
}

/* How a prefix-selected row was found. */
typedef enum PrefixPick {
    PICK_EXACT,    /* the selected prefix's own row */
    PICK_OPSIZE66, /* 66 without a row: the no-prefix row, valid if marked X86F_OPSZ66 */
} PrefixPick;

/* rows[] = the none, 66, F3 and F2 rows of one opcode. With VEX, VEX.pp (already in
 * insn->mandatory) picks exactly; without, see the rule at the top of this file. */
static const X86OpcodeEntry *pick_by_prefix(X86Insn *insn, const X86OpcodeEntry *const rows[4],
                                            PrefixPick *how)
{
    *how = PICK_EXACT;
    if (insn->vex)
        return rows[prefix_index(insn->mandatory)];
    uint8_t prefix = insn->rep ? insn->rep : insn->opsize_prefix ? 0x66 : 0;
    const X86OpcodeEntry *row = rows[prefix_index(prefix)];
    if (row_usable(row, insn)) {
        insn->mandatory = prefix;
        return row;
    }
    insn->mandatory = 0;
    if (prefix == 0x66) {
        *how = PICK_OPSIZE66;
        return rows[0];
    }
    return &invalid_row;
}

/* The #UD row of a prefix-selected opcode: with its ModRM byte, so that the length is
 * known, except for 0F 77 (EMMS) and 0F B8 (JMPE, whose operand is not a ModRM), the
 * 0F opcodes there without one (0F38 and 0F3A opcodes always have one: the decoder
 * reads it whatever the row says). */
static const X86OpcodeEntry *undefined_prefixed_row(const X86Insn *insn)
{
    bool has_modrm = insn->map != 1 || (insn->opcode != 0x77 && insn->opcode != 0xb8);
    return has_modrm ? &invalid_modrm_row : &invalid_row;
}

static const X86OpcodeEntry *pick_from_maps(X86Insn *insn, const X86OpcodeEntry *none,
                                            const X86OpcodeEntry *p66, const X86OpcodeEntry *pf3,
                                            const X86OpcodeEntry *pf2, PrefixPick *how)
{
    unsigned opc = insn->opcode;
    const X86OpcodeEntry *const rows[4] = {&none[opc], &p66[opc], &pf3[opc], &pf2[opc]};
    const X86OpcodeEntry *e = pick_by_prefix(insn, rows, how);
    return e->op == X86_OP_INVALID ? undefined_prefixed_row(insn) : e;
}

static const X86OpcodeEntry *primary_row(X86Insn *insn, PrefixPick *how)
{
    *how = PICK_EXACT;
    switch (insn->map) {
    case 0: return &onebyte[insn->opcode];
    case 1:
        if (twobyte[insn->opcode].op == X86_ESC_SSE)
            return pick_from_maps(insn, sse_0f_none, sse_0f_66, sse_0f_f3, sse_0f_f2, how);
        /* VEX map 1 only encodes the SSE/AVX rows */
        return insn->vex ? &invalid_row : &twobyte[insn->opcode];
    case 2: return pick_from_maps(insn, map0f38_none, map0f38_66, map0f38_f3, map0f38_f2, how);
    case 3: return pick_from_maps(insn, map0f3a_none, map0f3a_66, map0f3a_f3, map0f3a_f2, how);
    default: return &invalid_row;
    }
}

static bool selector_needs_modrm(unsigned kind)
{
    return kind == SEL_REG || kind == SEL_MOD || kind == SEL_RM || kind == SEL_X87;
}

static const X86OpcodeEntry *select_row(const X86Selector *sel, X86Insn *insn)
{
    unsigned reg = (insn->modrm >> 3) & 7, rm = insn->modrm & 7;
    bool is_reg = (insn->modrm >> 6) == 3;
    bool code64 = insn->code_size == X86_CODE64;
    const X86OpcodeEntry *r = sel->rows;

    switch (sel->kind) {
    case SEL_REG: return &r[reg];
    case SEL_MOD: return &r[is_reg];
    case SEL_RM: return &r[rm];
    case SEL_W: return &r[insn->rex_w];
    case SEL_W64: return &r[insn->rex_w && code64];
    case SEL_MODE64: return &r[code64];
    case SEL_VEX_L: return &r[insn->vex ? 1 + (insn->vex_l & 1) : 0];
    case SEL_X87: return is_reg ? &r[8 + (insn->modrm & 0x3f)] : &r[reg];
    case SEL_NOP90:
        /* SDM Vol 2B XCHG/NOP/PAUSE: 90 is NOP unless REX.B makes it XCHG r8, rAX;
         * F3 90 is PAUSE */
        if (insn->rex & 1)
            return &r[2];
        return &r[insn->rep == 0xf3 ? 1 : 0];
    default: return &invalid_row;
    }
}

const X86OpcodeEntry *x86_opcode_lookup(X86Insn *insn)
{
    PrefixPick how;
    if (!insn->vex)
        insn->mandatory = 0;
    const X86OpcodeEntry *e = primary_row(insn, &how);
    while (e->op == X86_ESC) {
        const X86Selector *sel = &selectors[e->opnd[0]];
        if (selector_needs_modrm(sel->kind) && !insn->has_modrm)
            return NULL;
        e = select_row(sel, insn);
    }
    /* an X86_ESC_SSE row outside twobyte[] would be a table bug */
    if (e->op >= NB_X86_OPS)
        return &invalid_row;
    if (how == PICK_OPSIZE66 && e->op != X86_OP_INVALID && !(e->flags & X86F_OPSZ66))
        return undefined_prefixed_row(insn);
    return e;
}

#define X86_OP_NAME_ITEM(name) #name,
static const char *const op_names[NB_X86_OPS] = {X86_OPS(X86_OP_NAME_ITEM)};

const char *x86_op_name(unsigned op)
{
    return op < NB_X86_OPS ? op_names[op] : "?";
}
