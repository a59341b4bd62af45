/* CPU differential tests: the same instruction sequence from the same state, run by the
 * host CPU and by Pacifica's CPU, must end in the same state.
 *
 *   layout.h      the addresses both sides share
 *   native.c      the host side (native-stub.S enters and leaves the sequence)
 *   emulated.c    Pacifica's side: a Machine, an X86CPU in long mode, a TcgRunner
 *   flags.c       which flags each instruction leaves undefined (SDM citations)
 *   isa.c         families, what the random generator may use, implicit registers
 *   generate.c    initial states and the random sequence generator
 *   directed.c    hand-written encodings per family
 *   compare.c     the comparison and its one-line report
 *   main.c        the command line
 */
#ifndef PACIFICA_TESTS_CPU_DIFF_H
#define PACIFICA_TESTS_CPU_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/decode.h"
#include "tests/cpu-diff/layout.h"

/* ---- state ---- */

typedef enum DiffMode {
    DIFF_MODE_64, /* 64-bit mode */
    DIFF_MODE_32, /* compatibility mode (32-bit code segment in long mode) */
} DiffMode;

typedef struct DiffRegs {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
    uint32_t mxcsr;
    uint8_t ymm[16][32];
    /* x87, as FXSAVE shows it (SDM Vol 1 §10.5.1) */
    uint16_t fcw;
    uint16_t fsw;      /* with TOP in bits 13:11 */
    uint8_t ftw;       /* abridged tag: bit i set when physical register i is not empty */
    uint8_t st[8][10]; /* ST(0)..ST(7), 80-bit */
} DiffRegs;

typedef struct DiffMem {
    uint8_t data[CD_DATA_SIZE];
    uint8_t stack[CD_STACK_SIZE];
} DiffMem;

typedef struct DiffState {
    DiffRegs r;
    DiffMem m;
} DiffState;

/* How a run ended. */
typedef struct DiffOutcome {
    int vector;          /* -1: reached the end of the sequence; else the exception */
    uint32_t error_code; /* of #GP/#PF/... when known */
    uint64_t fault_addr; /* CR2 of a #PF */
    DiffState s;         /* at the end, or at the faulting instruction */
} DiffOutcome;

/* ---- flags and undefined results (flags.c) ---- */

/* x87 condition codes in the status word */
#define FSW_C0 0x0100u
#define FSW_C1 0x0200u
#define FSW_C2 0x0400u
#define FSW_C3 0x4000u
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* What one instruction does to the arithmetic flags (and the x87 condition codes): the
 * ones it reads, the ones it sets to a defined value, the ones it leaves undefined. */
typedef struct FlagEffect {
    uint32_t read, written, undef;
    uint16_t fsw_read, fsw_written, fsw_undef;
    /* The instruction leaves the upper 32 bits of this GPR vendor-specific (-1: none). */
    int gpr_upper_undef;
} FlagEffect;

/* Fills fx for insn. known: the state before it if known (the first instruction of a
 * sequence sees the initial state), else NULL. Returns false when the instruction's result may be
 * undefined in a way that masking flags cannot express (e.g. a 16-bit SHLD by more than 16): the
 * generator then picks another instruction. */
/* im_masked: the x87 invalid-operation exception is known to be masked (FCW.IM). */
bool flag_effect(const X86Insn *insn, DiffMode mode, const DiffState *known, bool im_masked,
                 FlagEffect *fx);

/* ---- the ISA as the generator sees it (isa.c) ---- */

typedef enum DiffFamily {
    FAM_ALU,     /* ADD..CMP, TEST, INC, DEC, NEG, NOT */
    FAM_MULDIV,  /* MUL, IMUL, DIV, IDIV */
    FAM_SHIFT,   /* shifts and rotates */
    FAM_SHIFTD,  /* SHLD, SHRD */
    FAM_BIT,     /* BT, BTS, BTR, BTC */
    FAM_BITSCAN, /* BSF, BSR, TZCNT, LZCNT, POPCNT */
    FAM_MOV,     /* MOV, MOVZX/SX, LEA, CBW, CWD, BSWAP, XLAT, MOVBE, CMOVcc, SETcc, NOP */
    FAM_XCHG,    /* XCHG, XADD, CMPXCHG, CMPXCHG8B/16B */
    FAM_STACK,   /* PUSH, POP, PUSHF, POPF, PUSHA, POPA, ENTER, LEAVE */
    FAM_BRANCH,  /* Jcc, JMP, CALL, LOOPcc, JCXZ */
    FAM_STRING,  /* MOVS, CMPS, STOS, LODS, SCAS with and without REP */
    FAM_FLAGOP,  /* CLC, STC, CMC, CLD, STD, LAHF, SAHF */
    FAM_BCD,     /* DAA, DAS, AAA, AAS, AAM, AAD */
    FAM_BMI,     /* BMI1, BMI2, ADX, CRC32 */
    FAM_EXCP,    /* UD0/1/2, INT3, INTO, INT1, BOUND */
    FAM_X87,
    FAM_MMX,
    FAM_SSE,  /* SSE, SSE2, SSE3 (legacy encoding) */
    FAM_SSE4, /* SSSE3, SSE4.1, SSE4.2, AES, PCLMUL, SHA (legacy encoding) */
    FAM_AVX,  /* every VEX-encoded vector instruction */
    FAM_MISC, /* fences, prefetches, CLFLUSH, STMXCSR, LDMXCSR, ARPL, MOV from Sreg */
    NB_FAMILIES
} DiffFamily;

DiffFamily isa_family(const X86Insn *insn);
const char *isa_family_name(DiffFamily f);
int isa_family_by_name(const char *name); /* -1 if unknown */
/* NULL if the random generator may use insn, else why not (privileged, not
 * deterministic, vendor-specific, ...). */
const char *isa_excluded(const X86Insn *insn, DiffMode mode);
/* Excluded from random sequences, but hand-written ones may use it with chosen
 * operands (LDMXCSR). */
bool isa_directed_only(const X86Insn *insn);

/* GPRs an instruction reads or writes without naming them in ModRM (bitmask). */
typedef struct ImplicitRegs {
    uint16_t written;  /* may be written (beyond explicit operands) */
    uint16_t read;     /* read without being written (CWD reads rAX, STOS rAX, ...) */
    uint16_t pointers; /* must hold a pointer into the data buffer (string ops, XLAT) */
    uint16_t counts;   /* must hold a small count (REP: rCX) */
    bool stack;        /* pushes or pops: rSP must point into the stack area */
    int stack_bytes;   /* how far rSP may move down (pushes) */
} ImplicitRegs;
void isa_implicit_regs(const X86Insn *insn, ImplicitRegs *ir);
/* Bitmask of GPRs the instruction's explicit operands may write (conservative: every
 * general-register operand). */
uint16_t isa_explicit_gprs(const X86Insn *insn);
/* Whether insn has a memory operand through ModRM (mod != 3) that is really accessed. */
bool isa_modrm_mem(const X86Insn *insn);
/* Relative branch: the displacement's offset and size in the instruction (0: none). */
bool isa_rel_branch(const X86Insn *insn, unsigned *disp_off, unsigned *disp_size);

/* ---- cases ---- */

#define DIFF_MAX_INSNS 12
#define DIFF_MAX_CODE  128

/* What may differ at the end without being a bug. */
typedef struct DiffMask {
    uint32_t rflags_undef;
    uint16_t fsw_undef;
    uint64_t gpr_undef[16];
} DiffMask;

typedef struct DiffCase {
    DiffMode mode;
    uint64_t seed, index;
    const char *origin; /* "random" or the directed entry's text */
    uint8_t code[DIFF_MAX_CODE];
    unsigned len;
    unsigned ninsns;
    uint8_t insn_off[DIFF_MAX_INSNS + 1];
    DiffState init;
    /* mask[k]: what is undefined before instruction k (where a fault in it leaves the
     * state); mask[ninsns]: at the end */
    DiffMask mask[DIFF_MAX_INSNS + 1];
} DiffCase;

/* ---- PRNG (splitmix64): cheap, and one 64-bit state makes a case reproducible ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static inline uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* 0 .. n-1 */
static inline uint32_t rng_below(Rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* true with probability num/den */
static inline bool rng_chance(Rng *r, uint32_t num, uint32_t den)
{
    return rng_below(r, den) < num;
}

/* The generator of case `index` of a run with `seed` in `mode`. */
static inline Rng rng_for_case(uint64_t seed, DiffMode mode, uint64_t index)
{
    Rng r = {seed * 0x2545f4914f6cdd1dull ^ (index + 1) * 0x9e3779b97f4a7c15ull ^
             ((uint64_t)mode << 61)};
    rng_next(&r);
    return r;
}

/* ---- generation (generate.c) ---- */

/* Registers roles in an initial state. */
#define PTR_LO    0x400 /* pointers point into [CD_DATA + PTR_LO, CD_DATA + PTR_HI) */
#define PTR_HI    0x1c00
#define SMALL_MAX 32 /* "small" registers hold 0..SMALL_MAX (indexes, REP counts) */

typedef struct GenConfig {
    DiffMode mode;
    bool native32;         /* the host runs 32-bit code (else 64-bit equivalents) */
    int family;            /* -1: any; else only instructions of this family */
    const bool *family_ok; /* if non-NULL: only families with family_ok[f] */
    unsigned max_insns;    /* 1..DIFF_MAX_INSNS */
} GenConfig;

/* Random initial state: pointer registers point into the data buffer, small ones hold
 * small counts, rSP points into the stack area; everything else random. */
void gen_initial_state(Rng *r, DiffMode mode, uint16_t ptr_regs, uint16_t small_regs, DiffState *s);
/* Generates a random case. */
void gen_random_case(Rng *r, const GenConfig *cfg, DiffCase *c);
/* Fills c's analysis (instruction offsets, mask) for the bytes already in c->code with
 * the initial state in c->init; false if they are not a valid sequence for the mode. */
bool gen_analyze(DiffCase *c, bool native32, char *why, size_t why_len);
/* The 64-bit decoding of 32-bit code is the same instruction: the host can run it as
 * 64-bit code when it has no 32-bit code segment. */
bool gen_same_in_64(const uint8_t *bytes, size_t len);

/* ---- directed tables (directed.c) ---- */

typedef struct DirectedEntry {
    DiffFamily family;
    const char *hex;   /* the encoding(s), hex bytes, spaces allowed */
    const char *text;  /* the instructions in Intel syntax */
    uint16_t ptr_regs; /* GPRs that must point into the data buffer */
    uint16_t small_regs;
    uint8_t modes; /* bit 0: 64-bit, bit 1: 32-bit */
} DirectedEntry;

#define DM_64   1
#define DM_32   2
#define DM_BOTH 3

size_t directed_count(void);
/* "0f af c3" -> bytes (spaces optional); the number of bytes, or -1. */
int diff_parse_hex(const char *s, uint8_t *out, size_t max);
const DirectedEntry *directed_entry(size_t i);
/* Builds a case of entry i with initial values from r. False if the entry does not
 * apply to the mode (or to these values). */
bool directed_case(size_t i, Rng *r, const GenConfig *cfg, DiffCase *c);

/* ---- the two sides ---- */

typedef struct Native Native;
/* Maps the native test region and installs the fault handlers; NULL with a message. */
Native *native_new(char *err, size_t err_len);
void native_free(Native *n);
/* Whether this host can run 32-bit code natively (probed in a child process). */
bool native_probe_compat(Native *n, char *why, size_t why_len);
/* Runs c natively. run32: in a 32-bit code segment (else as 64-bit code). */
void native_run(Native *n, const DiffCase *c, bool run32, DiffOutcome *out);

typedef struct Emu Emu;
Emu *emu_new(void);
void emu_free(Emu *e);
void emu_run(Emu *e, const DiffCase *c, DiffOutcome *out);
/* Whether Pacifica's translator has a lowering for op. */
bool emu_op_implemented(unsigned op);

/* ---- comparison (compare.c) ---- */

typedef enum DiffVerdict {
    DIFF_MATCH,
    DIFF_MISMATCH,
    DIFF_UNIMPLEMENTED, /* Pacifica raised #UD on an op it has no lowering for */
} DiffVerdict;

/* Compares; on a difference writes which field differed (got = Pacifica, want = host)
 * into why. *unimpl_op is the op of an unimplemented verdict. */
DiffVerdict diff_compare(const DiffCase *c, const DiffOutcome *want, const DiffOutcome *got,
                         unsigned *unimpl_op, char *why, size_t why_len);
/* "mov eax, ebx; add eax, 1" (capstone) */
void diff_disas(const DiffCase *c, char *buf, size_t len);

#endif
