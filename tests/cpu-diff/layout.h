/* Where the CPU differential tests put things, natively and in the guest.
 *
 * Both sides use the same linear addresses for the code, the data buffer and the stack
 * so that a test sees the same addresses on both (RIP-relative operands, values of
 * pointers, return addresses pushed by CALL). Everything is below 2 GiB so that 32-bit
 * code and 32-bit absolute addresses reach it.
 *
 * This header is included by C and by the assembly stub (native-stub.S): #defines only.
 */
#ifndef PACIFICA_TESTS_CPU_DIFF_LAYOUT_H
#define PACIFICA_TESTS_CPU_DIFF_LAYOUT_H

/* 64-bit constants in C, plain numbers for the assembler */
#ifdef __ASSEMBLER__
#define CD_U64(x) x
#else
#define CD_U64(x) x##ull
#endif

/* The test region, identical on both sides (guest: identity-mapped user pages). */
#define CD_BASE       CD_U64(0x10000000)
#define CD_CODE       (CD_BASE + 0x0000) /* the instruction sequence, then the tail */
#define CD_CODE_SIZE  0x1000
#define CD_DATA       (CD_BASE + 0x1000) /* scratch buffer memory operands point into */
#define CD_DATA_SIZE  0x2000
#define CD_STACK      (CD_BASE + 0x3000) /* RSP starts in the middle */
#define CD_STACK_SIZE 0x1000
#define CD_GUEST_SIZE 0x4000 /* code + data + stack: all the guest maps */

/* Native only (never mapped in the guest): the control block the stub exchanges state
 * through, the exit stub itself (copied below 4 GiB so that 32-bit code can far-jump to
 * it) and a private stack for the exit path. */
#define CD_CTX         (CD_BASE + 0x8000)
#define CD_CTX_SIZE    0x2000
#define CD_PRIV_STACK  (CD_CTX + CD_CTX_SIZE) /* top of the exit stub's stack */
#define CD_STUB        (CD_BASE + 0xa000)
#define CD_STUB_SIZE   0x1000
#define CD_NATIVE_SIZE 0xb000

/* User selectors of 64-bit Linux (arch/x86/include/asm/segment.h): the 64-bit code
 * segment, the 32-bit one, and the flat data segment. */
#define CD_SEL_CS64 0x33
#define CD_SEL_CS32 0x23
#define CD_SEL_DS   0x2b

/* Offsets in the control block (struct NativeCtx in native.c checks them). */
#define CTX_IN_GPR     0x000 /* 16 x u64, RAX..R15 */
#define CTX_IN_RFLAGS  0x080
#define CTX_ENTRY      0x088 /* u64: first instruction (64-bit entry) */
#define CTX_FAR_ENTRY  0x090 /* m16:32 far pointer to the first instruction (32-bit) */
#define CTX_HOST_RSP   0x098
#define CTX_OUT_GPR    0x0a0 /* 16 x u64 */
#define CTX_OUT_RFLAGS 0x120
#define CTX_HOST_MXCSR 0x128
#define CTX_HANDLER    0x130 /* pointer the signal handler finds its state through */
#define CTX_IN_FX      0x200 /* FXSAVE image loaded on entry (x87, MXCSR, XMM) */
#define CTX_OUT_FX     0x400 /* FXSAVE image stored on exit */
#define CTX_IN_YMMH    0x600 /* 16 x 16 bytes: upper halves of YMM0-15 */
#define CTX_OUT_YMMH   0x700

#endif
