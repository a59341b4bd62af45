/* Native side of the CPU differential tests: enters a test sequence with every register
 * loaded from the control block at CD_CTX, and (the exit stub) stores them back when the
 * sequence reaches its tail. Addresses are absolute constants below 2 GiB (layout.h), so
 * the exit stub is position independent and is copied to CD_STUB, where 32-bit code can
 * far-jump to it.
 *
 *   void cpudiff_native_enter(int mode32)
 *
 * saves the host's callee-saved registers, loads x87/SSE state (FXRSTOR), the upper
 * YMM halves, RFLAGS and the 16 GPRs, and jumps to CTX_ENTRY (64-bit code) or far-jumps
 * through CTX_FAR_ENTRY (mode32 != 0: a 32-bit code segment, compatibility mode). The
 * sequence's tail jumps to the exit stub, which returns from cpudiff_native_enter. A
 * fault in the sequence never returns here: the signal handler (native.c) leaves with
 * siglongjmp.
 */
#include "tests/cpu-diff/layout.h"

#define IN_GPR(n)   (CD_CTX + CTX_IN_GPR + 8 * (n))
#define OUT_GPR(n)  (CD_CTX + CTX_OUT_GPR + 8 * (n))
#define IN_YMMH(n)  (CD_CTX + CTX_IN_YMMH + 16 * (n))
#define OUT_YMMH(n) (CD_CTX + CTX_OUT_YMMH + 16 * (n))

    .text

    .globl cpudiff_native_enter
    .type cpudiff_native_enter, @function
cpudiff_native_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, CD_CTX + CTX_HOST_RSP
    stmxcsr CD_CTX + CTX_HOST_MXCSR

    /* The flat user data selector: in 64-bit mode DS/ES are ignored, but 32-bit code
     * needs them, and MOV r, Sreg must read the same value on both sides. */
    mov $CD_SEL_DS, %eax
    mov %eax, %ds
    mov %eax, %es

    fxrstor CD_CTX + CTX_IN_FX
    vinsertf128 $1, IN_YMMH(0), %ymm0, %ymm0
    vinsertf128 $1, IN_YMMH(1), %ymm1, %ymm1
    vinsertf128 $1, IN_YMMH(2), %ymm2, %ymm2
    vinsertf128 $1, IN_YMMH(3), %ymm3, %ymm3
    vinsertf128 $1, IN_YMMH(4), %ymm4, %ymm4
    vinsertf128 $1, IN_YMMH(5), %ymm5, %ymm5
    vinsertf128 $1, IN_YMMH(6), %ymm6, %ymm6
    vinsertf128 $1, IN_YMMH(7), %ymm7, %ymm7
    vinsertf128 $1, IN_YMMH(8), %ymm8, %ymm8
    vinsertf128 $1, IN_YMMH(9), %ymm9, %ymm9
    vinsertf128 $1, IN_YMMH(10), %ymm10, %ymm10
    vinsertf128 $1, IN_YMMH(11), %ymm11, %ymm11
    vinsertf128 $1, IN_YMMH(12), %ymm12, %ymm12
    vinsertf128 $1, IN_YMMH(13), %ymm13, %ymm13
    vinsertf128 $1, IN_YMMH(14), %ymm14, %ymm14
    vinsertf128 $1, IN_YMMH(15), %ymm15, %ymm15

    test %edi, %edi
    jnz 1f
    pushq CD_CTX + CTX_IN_RFLAGS
    popfq

    mov IN_GPR(0), %rax
    mov IN_GPR(1), %rcx
    mov IN_GPR(2), %rdx
    mov IN_GPR(3), %rbx
    mov IN_GPR(4), %rsp
    mov IN_GPR(5), %rbp
    mov IN_GPR(6), %rsi
    mov IN_GPR(7), %rdi
    mov IN_GPR(8), %r8
    mov IN_GPR(9), %r9
    mov IN_GPR(10), %r10
    mov IN_GPR(11), %r11
    mov IN_GPR(12), %r12
    mov IN_GPR(13), %r13
    mov IN_GPR(14), %r14
    mov IN_GPR(15), %r15
    jmp *CD_CTX + CTX_ENTRY

1:  /* The same with a far jump into the 32-bit code segment. */
    pushq CD_CTX + CTX_IN_RFLAGS
    popfq
    mov IN_GPR(0), %rax
    mov IN_GPR(1), %rcx
    mov IN_GPR(2), %rdx
    mov IN_GPR(3), %rbx
    mov IN_GPR(4), %rsp
    mov IN_GPR(5), %rbp
    mov IN_GPR(6), %rsi
    mov IN_GPR(7), %rdi
    mov IN_GPR(8), %r8
    mov IN_GPR(9), %r9
    mov IN_GPR(10), %r10
    mov IN_GPR(11), %r11
    mov IN_GPR(12), %r12
    mov IN_GPR(13), %r13
    mov IN_GPR(14), %r14
    mov IN_GPR(15), %r15
    ljmpl *CD_CTX + CTX_FAR_ENTRY
    .size cpudiff_native_enter, . - cpudiff_native_enter

/* The exit stub: entered in 64-bit mode by the sequence's tail (a jump through an
 * absolute address in 64-bit code, a far jump to CD_SEL_CS64:CD_STUB in 32-bit code). */
    .globl cpudiff_exit_stub
    .globl cpudiff_exit_stub_end
cpudiff_exit_stub:
    mov %rax, OUT_GPR(0)
    mov %rcx, OUT_GPR(1)
    mov %rdx, OUT_GPR(2)
    mov %rbx, OUT_GPR(3)
    mov %rsp, OUT_GPR(4)
    mov %rbp, OUT_GPR(5)
    mov %rsi, OUT_GPR(6)
    mov %rdi, OUT_GPR(7)
    mov %r8, OUT_GPR(8)
    mov %r9, OUT_GPR(9)
    mov %r10, OUT_GPR(10)
    mov %r11, OUT_GPR(11)
    mov %r12, OUT_GPR(12)
    mov %r13, OUT_GPR(13)
    mov %r14, OUT_GPR(14)
    mov %r15, OUT_GPR(15)
    /* A private stack: the test's stack area is compared, so nothing may be pushed
     * there. */
    mov $CD_PRIV_STACK, %esp
    pushfq
    pop %rax
    mov %rax, CD_CTX + CTX_OUT_RFLAGS
    /* The test may have set AC (alignment checks: Linux runs with CR0.AM) or DF. */
    pushq $0x202
    popfq
    fxsave CD_CTX + CTX_OUT_FX
    vextractf128 $1, %ymm0, OUT_YMMH(0)
    vextractf128 $1, %ymm1, OUT_YMMH(1)
    vextractf128 $1, %ymm2, OUT_YMMH(2)
    vextractf128 $1, %ymm3, OUT_YMMH(3)
    vextractf128 $1, %ymm4, OUT_YMMH(4)
    vextractf128 $1, %ymm5, OUT_YMMH(5)
    vextractf128 $1, %ymm6, OUT_YMMH(6)
    vextractf128 $1, %ymm7, OUT_YMMH(7)
    vextractf128 $1, %ymm8, OUT_YMMH(8)
    vextractf128 $1, %ymm9, OUT_YMMH(9)
    vextractf128 $1, %ymm10, OUT_YMMH(10)
    vextractf128 $1, %ymm11, OUT_YMMH(11)
    vextractf128 $1, %ymm12, OUT_YMMH(12)
    vextractf128 $1, %ymm13, OUT_YMMH(13)
    vextractf128 $1, %ymm14, OUT_YMMH(14)
    vextractf128 $1, %ymm15, OUT_YMMH(15)

    /* Back to the host's state: its stack, the SysV ABI's DF = 0, x87 and MXCSR
     * defaults, no dirty upper YMM state, null DS/ES as Linux leaves them. */
    mov CD_CTX + CTX_HOST_RSP, %rsp
    cld
    fninit
    ldmxcsr CD_CTX + CTX_HOST_MXCSR
    vzeroupper
    xor %eax, %eax
    mov %eax, %ds
    mov %eax, %es
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
cpudiff_exit_stub_end:

    .section .note.GNU-stack, "", @progbits
