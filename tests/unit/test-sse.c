/* The vector unit against the host CPU: every MMX/SSE/AVX instruction below runs on
 * the host (a JIT'd snippet between a harness that loads and stores every register)
 * and on Pacifica's CPU in 64-bit mode, from the same random and edge-case state
 * (NaNs, denormals, infinities, signed zeros; each rounding mode, DAZ and FTZ), and
 * the registers, MXCSR, RFLAGS and memory afterwards must be bit-identical. Unmasked
 * SIMD exceptions are checked the same way: the host's #XM arrives as SIGFPE, which
 * the handler turns into a return from the snippet.
 *
 * The exception conditions (#UD, #NM, #GP alignment, #XM vs #UD) are tested in
 * test-sse-exc.c, the FXSAVE/XSAVE layouts and round trips in test-sse-xsave.c; the
 * guest side is sse-harness.h. */
#define _GNU_SOURCE /* REG_RIP, REG_RSP */
#include <glib.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "sse-harness.h"

/* ---- the host side ---- */

#define STR_(x)   #x
#define STR(x)    STR_(x)
#define VLOAD(i)  "vmovdqu " STR(ST_VEC) "+32*" #i "(%rdi), %ymm" #i "\n\t"
#define VSTORE(i) "vmovdqu %ymm" #i ", " STR(ST_VEC) "+32*" #i "(%rdi)\n\t"
#define MLOAD(i)  "movq " STR(ST_MMX) "+8*" #i "(%rdi), %mm" #i "\n\t"
#define MSTORE(i) "movq %mm" #i ", " STR(ST_MMX) "+8*" #i "(%rdi)\n\t"

/* void host_exec(CpuState *s): loads every register from s, calls the snippet at
 * s->code, stores every register back. The state pointer and the snippet address sit
 * on the stack while the snippet runs (at 8(%rsp) and (%rsp)). */
/* clang-format off */
__asm__(".text\n\t"
        ".p2align 4\n\t"
        ".type host_exec, @function\n"
        "host_exec:\n\t"
        "push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
        "push %rdi\n\t"
        "push " STR(ST_CODE) "(%rdi)\n\t"
        VLOAD(0) VLOAD(1) VLOAD(2) VLOAD(3) VLOAD(4) VLOAD(5) VLOAD(6) VLOAD(7)
        VLOAD(8) VLOAD(9) VLOAD(10) VLOAD(11) VLOAD(12) VLOAD(13) VLOAD(14) VLOAD(15)
        MLOAD(0) MLOAD(1) MLOAD(2) MLOAD(3) MLOAD(4) MLOAD(5) MLOAD(6) MLOAD(7)
        "ldmxcsr " STR(ST_MXCSR) "(%rdi)\n\t"
        "push " STR(ST_RFLAGS) "(%rdi)\n\t"
        "popfq\n\t"
        "mov 0(%rdi), %rax\n\tmov 8(%rdi), %rcx\n\tmov 16(%rdi), %rdx\n\t"
        "mov 24(%rdi), %rbx\n\tmov 40(%rdi), %rbp\n\tmov 48(%rdi), %rsi\n\t"
        "mov 64(%rdi), %r8\n\tmov 72(%rdi), %r9\n\tmov 80(%rdi), %r10\n\t"
        "mov 88(%rdi), %r11\n\tmov 96(%rdi), %r12\n\tmov 104(%rdi), %r13\n\t"
        "mov 112(%rdi), %r14\n\tmov 120(%rdi), %r15\n\tmov 56(%rdi), %rdi\n\t"
        "call *(%rsp)\n\t"
        "xchg %rdi, 8(%rsp)\n\t"
        "mov %rax, 0(%rdi)\n\tmov %rcx, 8(%rdi)\n\tmov %rdx, 16(%rdi)\n\t"
        "mov %rbx, 24(%rdi)\n\tmov %rbp, 40(%rdi)\n\tmov %rsi, 48(%rdi)\n\t"
        "mov %r8, 64(%rdi)\n\tmov %r9, 72(%rdi)\n\tmov %r10, 80(%rdi)\n\t"
        "mov %r11, 88(%rdi)\n\tmov %r12, 96(%rdi)\n\tmov %r13, 104(%rdi)\n\t"
        "mov %r14, 112(%rdi)\n\tmov %r15, 120(%rdi)\n\t"
        "pushfq\n\tpop %rax\n\tmov %rax, " STR(ST_RFLAGS) "(%rdi)\n\t"
        "stmxcsr " STR(ST_MXCSR) "(%rdi)\n\t"
        VSTORE(0) VSTORE(1) VSTORE(2) VSTORE(3) VSTORE(4) VSTORE(5) VSTORE(6) VSTORE(7)
        VSTORE(8) VSTORE(9) VSTORE(10) VSTORE(11) VSTORE(12) VSTORE(13) VSTORE(14) VSTORE(15)
        MSTORE(0) MSTORE(1) MSTORE(2) MSTORE(3) MSTORE(4) MSTORE(5) MSTORE(6) MSTORE(7)
        "emms\n\t"
        "vzeroupper\n\t"
        "push $0x1f80\n\tldmxcsr (%rsp)\n\tadd $8, %rsp\n\t"
        "mov 8(%rsp), %rax\n\tmov %rax, 56(%rdi)\n\t"
        "add $16, %rsp\n\t"
        "pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\t"
        "ret\n\t"
        ".size host_exec, .-host_exec\n\t");
/* clang-format on */
void host_exec(CpuState *s);

/* SIGFPE from an unmasked SIMD exception in the snippet: return from the snippet (its
 * return address is on top of the stack) and note the fault in the state, whose
 * address the harness keeps 8 bytes above the return slot. MXCSR, flags set, comes
 * back with the signal context. */
static void on_sigfpe(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    greg_t *r = uc->uc_mcontext.gregs;
    uint64_t *sp = (uint64_t *)r[REG_RSP];
    CpuState *s = (CpuState *)sp[2];
    (void)si;
    s->fault = (uint32_t)sig;
    r[REG_RIP] = (greg_t)sp[0];
    r[REG_RSP] += 8;
}

/* ---- the instructions ---- */

enum {
    T_MMX = 1,     /* touches MMX registers: compare them */
    T_STR = 2,     /* SSE4.2 strings: small alphabet, short lengths in rAX/rDX */
    T_GATHER = 4,  /* VSIB index vectors in ymm2/xmm2 must stay inside the data */
    T_AVX = 8,     /* needs AVX2 on the host */
    T_PCLMUL = 16, /* needs AES-NI / PCLMULQDQ on the host */
    T_MASKED = 32, /* compared with masked exceptions only (see DPPS below) */
};

/* name, AT&T text, flags. Memory operands use (%rbx) (and MASKMOVDQU (%rdi)), which
 * point to a 256-byte buffer 64-byte aligned on both sides. */
/* clang-format off */
#define CMP8(X, insn, regs, fl) \
    X(insn##_0, #insn " $0, " regs, fl) X(insn##_1, #insn " $1, " regs, fl) \
    X(insn##_2, #insn " $2, " regs, fl) X(insn##_3, #insn " $3, " regs, fl) \
    X(insn##_4, #insn " $4, " regs, fl) X(insn##_5, #insn " $5, " regs, fl) \
    X(insn##_6, #insn " $6, " regs, fl) X(insn##_7, #insn " $7, " regs, fl)
#define VCMP32(X, insn, regs) \
    X(insn##_0, #insn " $0, " regs, T_AVX) X(insn##_1, #insn " $1, " regs, T_AVX) \
    X(insn##_2, #insn " $2, " regs, T_AVX) X(insn##_3, #insn " $3, " regs, T_AVX) \
    X(insn##_4, #insn " $4, " regs, T_AVX) X(insn##_5, #insn " $5, " regs, T_AVX) \
    X(insn##_6, #insn " $6, " regs, T_AVX) X(insn##_7, #insn " $7, " regs, T_AVX) \
    X(insn##_8, #insn " $8, " regs, T_AVX) X(insn##_9, #insn " $9, " regs, T_AVX) \
    X(insn##_10, #insn " $10, " regs, T_AVX) X(insn##_11, #insn " $11, " regs, T_AVX) \
    X(insn##_12, #insn " $12, " regs, T_AVX) X(insn##_13, #insn " $13, " regs, T_AVX) \
    X(insn##_14, #insn " $14, " regs, T_AVX) X(insn##_15, #insn " $15, " regs, T_AVX) \
    X(insn##_16, #insn " $16, " regs, T_AVX) X(insn##_17, #insn " $17, " regs, T_AVX) \
    X(insn##_18, #insn " $18, " regs, T_AVX) X(insn##_19, #insn " $19, " regs, T_AVX) \
    X(insn##_20, #insn " $20, " regs, T_AVX) X(insn##_21, #insn " $21, " regs, T_AVX) \
    X(insn##_22, #insn " $22, " regs, T_AVX) X(insn##_23, #insn " $23, " regs, T_AVX) \
    X(insn##_24, #insn " $24, " regs, T_AVX) X(insn##_25, #insn " $25, " regs, T_AVX) \
    X(insn##_26, #insn " $26, " regs, T_AVX) X(insn##_27, #insn " $27, " regs, T_AVX) \
    X(insn##_28, #insn " $28, " regs, T_AVX) X(insn##_29, #insn " $29, " regs, T_AVX) \
    X(insn##_30, #insn " $30, " regs, T_AVX) X(insn##_31, #insn " $31, " regs, T_AVX)

/* Binary FP op: packed/scalar, register and memory, legacy and VEX. */
#define FP4(X, op) \
    X(op##ps, #op "ps %xmm1, %xmm2", 0) X(op##ps_m, #op "ps 32(%rbx), %xmm3", 0) \
    X(op##pd, #op "pd %xmm4, %xmm5", 0) X(op##pd_m, #op "pd (%rbx), %xmm9", 0) \
    X(op##ss, #op "ss %xmm1, %xmm2", 0) X(op##ss_m, #op "ss 4(%rbx), %xmm3", 0) \
    X(op##sd, #op "sd %xmm6, %xmm7", 0) X(op##sd_m, #op "sd 8(%rbx), %xmm12", 0) \
    X(v##op##ps, "v" #op "ps %ymm1, %ymm2, %ymm3", T_AVX) \
    X(v##op##ps_x, "v" #op "ps %xmm1, %xmm2, %xmm3", T_AVX) \
    X(v##op##pd, "v" #op "pd 32(%rbx), %ymm12, %ymm8", T_AVX) \
    X(v##op##ss, "v" #op "ss %xmm1, %xmm2, %xmm3", T_AVX) \
    X(v##op##sd_m, "v" #op "sd 8(%rbx), %xmm14, %xmm15", T_AVX)

/* Integer op on MMX, XMM, memory, VEX.128 and VEX.256. */
#define INT5(X, op) \
    X(op##_mmx, #op " %mm1, %mm2", T_MMX) X(op##_mmx_m, #op " 8(%rbx), %mm3", T_MMX) \
    X(op, #op " %xmm1, %xmm2", 0) X(op##_m, #op " 16(%rbx), %xmm10", 0) \
    X(v##op, "v" #op " %ymm1, %ymm2, %ymm3", T_AVX) \
    X(v##op##_x, "v" #op " %xmm4, %xmm5, %xmm6", T_AVX)
#define INT4(X, op) \
    X(op, #op " %xmm1, %xmm2", 0) X(op##_m, #op " 16(%rbx), %xmm10", 0) \
    X(v##op, "v" #op " %ymm1, %ymm2, %ymm3", T_AVX) \
    X(v##op##_x, "v" #op " %xmm4, %xmm5, %xmm6", T_AVX)
/* Shift by a register count (always XMM/m128 under VEX.256). */
#define SHIFT5(X, op) \
    X(op##_mmx, #op " %mm1, %mm2", T_MMX) X(op##_mmx_m, #op " 8(%rbx), %mm3", T_MMX) \
    X(op, #op " %xmm1, %xmm2", 0) X(op##_m, #op " 16(%rbx), %xmm10", 0) \
    X(v##op, "v" #op " %xmm1, %ymm2, %ymm3", T_AVX) \
    X(v##op##_m, "v" #op " 16(%rbx), %ymm5, %ymm6", T_AVX)
#define SSE_TESTS(X) \
    /* moves */ \
    X(movaps_ld, "movaps (%rbx), %xmm3", 0) X(movaps_rr, "movaps %xmm1, %xmm11", 0) \
    X(movaps_st, "movaps %xmm2, 32(%rbx)", 0) X(movups_ld, "movups 3(%rbx), %xmm4", 0) \
    X(movups_st, "movups %xmm5, 5(%rbx)", 0) X(movapd_ld, "movapd 16(%rbx), %xmm6", 0) \
    X(movupd_st, "movupd %xmm7, 9(%rbx)", 0) X(movdqa_ld, "movdqa (%rbx), %xmm9", 0) \
    X(movdqu_ld, "movdqu 7(%rbx), %xmm10", 0) X(movdqu_st, "movdqu %xmm15, 1(%rbx)", 0) \
    X(lddqu, "lddqu 1(%rbx), %xmm2", 0) X(movntdqa, "movntdqa (%rbx), %xmm3", 0) \
    X(movntps, "movntps %xmm1, (%rbx)", 0) X(movntdq, "movntdq %xmm8, 16(%rbx)", 0) \
    X(vmovaps_ld, "vmovaps (%rbx), %ymm3", T_AVX) X(vmovups_st, "vmovups %ymm5, 3(%rbx)", T_AVX) \
    X(vmovdqu_x, "vmovdqu 3(%rbx), %xmm4", T_AVX) X(vmovapd_rr, "vmovapd %xmm1, %xmm2", T_AVX) \
    X(vmovdqa_rr, "vmovdqa %ymm1, %ymm12", T_AVX) \
    X(movss_ld, "movss 4(%rbx), %xmm1", 0) X(movss_rr, "movss %xmm2, %xmm1", 0) \
    X(movss_st, "movss %xmm2, 4(%rbx)", 0) X(movsd_ld, "movsd 8(%rbx), %xmm1", 0) \
    X(movsd_rr, "movsd %xmm2, %xmm1", 0) X(movsd_st, "movsd %xmm9, 8(%rbx)", 0) \
    X(vmovss_rr, "vmovss %xmm1, %xmm2, %xmm3", T_AVX) X(vmovsd_ld, "vmovsd 8(%rbx), %xmm3", T_AVX) \
    X(movlps_ld, "movlps 8(%rbx), %xmm1", 0) X(movlps_st, "movlps %xmm1, 8(%rbx)", 0) \
    X(movhps_ld, "movhps 8(%rbx), %xmm1", 0) X(movhps_st, "movhps %xmm1, 8(%rbx)", 0) \
    X(movlpd_ld, "movlpd 8(%rbx), %xmm1", 0) X(movhpd_st, "movhpd %xmm1, 8(%rbx)", 0) \
    X(movhlps, "movhlps %xmm2, %xmm1", 0) X(movlhps, "movlhps %xmm2, %xmm1", 0) \
    X(vmovhlps, "vmovhlps %xmm1, %xmm2, %xmm3", T_AVX) \
    X(vmovhps_ld, "vmovhps 8(%rbx), %xmm2, %xmm3", T_AVX) \
    X(movsldup, "movsldup %xmm1, %xmm2", 0) X(movshdup, "movshdup 16(%rbx), %xmm2", 0) \
    X(movddup, "movddup %xmm1, %xmm2", 0) X(movddup_m, "movddup 8(%rbx), %xmm2", 0) \
    X(vmovddup, "vmovddup %ymm1, %ymm2", T_AVX) X(vmovddup_m, "vmovddup (%rbx), %ymm2", T_AVX) \
    X(vmovshdup, "vmovshdup %ymm1, %ymm2", T_AVX) \
    X(movd_gx, "movd %eax, %xmm1", 0) X(movd_mx, "movd 4(%rbx), %xmm1", 0) \
    X(movd_xg, "movd %xmm1, %eax", 0) X(movd_xm, "movd %xmm1, 8(%rbx)", 0) \
    X(movq_gx, "movq %rax, %xmm1", 0) X(movq_xg, "movq %xmm2, %rcx", 0) \
    X(movq_mx, "movq 8(%rbx), %xmm1", 0) X(movq_xx, "movq %xmm2, %xmm1", 0) \
    X(movq_xm, "movq %xmm2, 16(%rbx)", 0) X(vmovd_gx, "vmovd %ecx, %xmm3", T_AVX) \
    X(vmovq_xx, "vmovq %xmm2, %xmm1", T_AVX) \
    X(movd_gm, "movd %eax, %mm1", T_MMX) X(movq_mm, "movq %mm1, %mm2", T_MMX) \
    X(movq_mem_mm, "movq 8(%rbx), %mm3", T_MMX) X(movq_mm_mem, "movq %mm3, 8(%rbx)", T_MMX) \
    X(movd_mg, "movd %mm2, %ecx", T_MMX) X(movq_gm, "movq %rax, %mm1", T_MMX) \
    X(movq_mg, "movq %mm5, %rdx", T_MMX) X(movq2dq, "movq2dq %mm1, %xmm2", T_MMX) \
    X(movdq2q, "movdq2q %xmm1, %mm2", T_MMX) X(movntq, "movntq %mm1, (%rbx)", T_MMX) \
    X(pinsrw, "pinsrw $3, %eax, %xmm1", 0) X(pinsrw_mmx, "pinsrw $2, (%rbx), %mm1", T_MMX) \
    X(pinsrb, "pinsrb $9, %ecx, %xmm2", 0) X(pinsrd_m, "pinsrd $2, (%rbx), %xmm3", 0) \
    X(pinsrq, "pinsrq $1, %rax, %xmm4", 0) X(vpinsrd, "vpinsrd $1, %eax, %xmm1, %xmm2", T_AVX) \
    X(pextrw, "pextrw $5, %xmm1, %eax", 0) X(pextrw_mmx, "pextrw $1, %mm1, %ecx", T_MMX) \
    X(pextrb, "pextrb $12, %xmm1, %eax", 0) X(pextrb_m, "pextrb $3, %xmm1, (%rbx)", 0) \
    X(pextrw_m, "pextrw $6, %xmm1, 2(%rbx)", 0) X(pextrd, "pextrd $3, %xmm1, %eax", 0) \
    X(pextrq, "pextrq $1, %xmm1, %rcx", 0) X(extractps, "extractps $2, %xmm1, %eax", 0) \
    X(vpextrq, "vpextrq $1, %xmm9, 8(%rbx)", T_AVX) \
    X(insertps, "insertps $0x5d, %xmm2, %xmm1", 0) \
    X(insertps_m, "insertps $0xa3, 4(%rbx), %xmm1", 0) \
    X(vinsertps, "vinsertps $0x31, %xmm2, %xmm3, %xmm1", T_AVX) \
    X(pmovmskb, "pmovmskb %xmm1, %eax", 0) X(pmovmskb_mmx, "pmovmskb %mm1, %ecx", T_MMX) \
    X(movmskps, "movmskps %xmm2, %eax", 0) X(movmskpd, "movmskpd %xmm3, %eax", 0) \
    X(vpmovmskb, "vpmovmskb %ymm1, %eax", T_AVX) X(vmovmskps, "vmovmskps %ymm2, %ecx", T_AVX) \
    X(maskmovdqu, "maskmovdqu %xmm2, %xmm1", 0) X(maskmovq, "maskmovq %mm2, %mm1", T_MMX) \
    X(vzeroupper, "vzeroupper", T_AVX) X(vzeroall, "vzeroall", T_AVX) \
    /* scalar VEX forms ignore VEX.L ("LIG"): vaddss, vmovss, vcvtss2sd, vcomiss with L=1 */ \
    X(vaddss_l1, ".byte 0xc5, 0xf6, 0x58, 0xc2", T_AVX) \
    X(vmovss_l1, ".byte 0xc5, 0xf6, 0x10, 0xc2", T_AVX) \
    X(vcvtss2sd_l1, ".byte 0xc5, 0xf6, 0x5a, 0xc2", T_AVX) \
    X(vcomiss_l1, ".byte 0xc5, 0xfc, 0x2f, 0xc1", T_AVX) \
    /* floating point */ \
    FP4(X, add) FP4(X, sub) FP4(X, mul) FP4(X, div) FP4(X, min) FP4(X, max) \
    X(sqrtps, "sqrtps %xmm1, %xmm2", 0) X(sqrtpd, "sqrtpd (%rbx), %xmm2", 0) \
    X(sqrtss, "sqrtss %xmm1, %xmm2", 0) X(sqrtsd, "sqrtsd 8(%rbx), %xmm2", 0) \
    X(vsqrtps, "vsqrtps %ymm1, %ymm2", T_AVX) X(vsqrtsd, "vsqrtsd %xmm1, %xmm2, %xmm3", T_AVX) \
    X(rcpps, "rcpps %xmm1, %xmm2", 0) X(rcpss, "rcpss %xmm1, %xmm2", 0) \
    X(rsqrtps, "rsqrtps %xmm1, %xmm2", 0) X(rsqrtss, "rsqrtss 4(%rbx), %xmm2", 0) \
    X(vrcpps, "vrcpps %ymm1, %ymm2", T_AVX) \
    X(haddps, "haddps %xmm1, %xmm2", 0) X(haddpd, "haddpd %xmm1, %xmm2", 0) \
    X(hsubps, "hsubps %xmm1, %xmm2", 0) X(hsubpd, "hsubpd (%rbx), %xmm2", 0) \
    X(addsubps, "addsubps %xmm1, %xmm2", 0) X(addsubpd, "addsubpd %xmm1, %xmm2", 0) \
    X(vhaddps, "vhaddps %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vaddsubpd, "vaddsubpd %ymm1, %ymm2, %ymm3", T_AVX) \
    CMP8(X, cmpps, "%xmm1, %xmm2", 0) CMP8(X, cmpsd, "%xmm1, %xmm2", 0) \
    X(cmppd_m, "cmppd $1, (%rbx), %xmm2", 0) X(cmpss_m, "cmpss $6, 4(%rbx), %xmm2", 0) \
    VCMP32(X, vcmpps, "%ymm1, %ymm2, %ymm3") VCMP32(X, vcmpsd, "%xmm1, %xmm2, %xmm3") \
    X(vcmppd_29, "vcmppd $29, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vcmpss_19, "vcmpss $19, %xmm1, %xmm2, %xmm3", T_AVX) \
    X(roundps_0, "roundps $0, %xmm1, %xmm2", 0) X(roundps_1, "roundps $1, %xmm1, %xmm2", 0) \
    X(roundps_2, "roundps $2, %xmm1, %xmm2", 0) X(roundps_3, "roundps $3, %xmm1, %xmm2", 0) \
    X(roundps_4, "roundps $4, %xmm1, %xmm2", 0) X(roundps_9, "roundps $9, %xmm1, %xmm2", 0) \
    X(roundpd_12, "roundpd $12, %xmm1, %xmm2", 0) X(roundss_1, "roundss $1, %xmm1, %xmm2", 0) \
    X(roundsd_10, "roundsd $10, 8(%rbx), %xmm2", 0) \
    X(vroundps, "vroundps $2, %ymm1, %ymm2", T_AVX) \
    X(vroundpd, "vroundpd $4, %ymm1, %ymm2", T_AVX) \
    X(vroundss, "vroundss $3, %xmm1, %xmm2, %xmm3", T_AVX) \
    /* DPPS/DPPD: which flags accompany an unmasked exception in an intermediate step
     * is not architectural (and differs between DPPS and DPPD on the AMD host) */ \
    X(dpps_ff, "dpps $0xff, %xmm1, %xmm2", T_MASKED) \
    X(dpps_31, "dpps $0x31, %xmm1, %xmm2", T_MASKED) \
    X(dpps_a5, "dpps $0xa5, (%rbx), %xmm2", T_MASKED) \
    X(dppd_33, "dppd $0x33, %xmm1, %xmm2", T_MASKED) \
    X(dppd_12, "dppd $0x12, %xmm1, %xmm2", T_MASKED) \
    X(vdpps, "vdpps $0x7e, %ymm1, %ymm2, %ymm3", T_AVX | T_MASKED) \
    X(andps, "andps %xmm1, %xmm2", 0) X(andnpd, "andnpd %xmm1, %xmm2", 0) \
    X(orps, "orps (%rbx), %xmm2", 0) X(xorpd, "xorpd %xmm1, %xmm2", 0) \
    X(vandnps, "vandnps %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vxorps, "vxorps %xmm1, %xmm2, %xmm3", T_AVX) \
    X(unpcklps, "unpcklps %xmm1, %xmm2", 0) X(unpckhpd, "unpckhpd %xmm1, %xmm2", 0) \
    X(vunpckhps, "vunpckhps %ymm1, %ymm2, %ymm3", T_AVX) \
    X(shufps, "shufps $0x9c, %xmm1, %xmm2", 0) X(shufpd, "shufpd $2, %xmm1, %xmm2", 0) \
    X(vshufps, "vshufps $0x4b, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vshufpd, "vshufpd $0xa, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(blendps, "blendps $5, %xmm1, %xmm2", 0) X(blendpd, "blendpd $2, %xmm1, %xmm2", 0) \
    X(blendvps, "blendvps %xmm0, %xmm1, %xmm2", 0) X(blendvpd, "blendvpd %xmm0, (%rbx), %xmm2", 0) \
    X(pblendvb, "pblendvb %xmm0, %xmm1, %xmm2", 0) \
    X(vblendvps, "vblendvps %ymm4, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vpblendvb, "vpblendvb %xmm4, %xmm1, %xmm2, %xmm3", T_AVX) \
    X(vblendps, "vblendps $0xa5, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(comiss, "comiss %xmm1, %xmm2", 0) X(ucomiss, "ucomiss 4(%rbx), %xmm2", 0) \
    X(comisd, "comisd %xmm1, %xmm2", 0) X(ucomisd, "ucomisd %xmm1, %xmm2", 0) \
    X(vcomiss, "vcomiss %xmm1, %xmm2", T_AVX) \
    /* conversions */ \
    X(cvtps2pd, "cvtps2pd %xmm1, %xmm2", 0) X(cvtps2pd_m, "cvtps2pd 8(%rbx), %xmm2", 0) \
    X(cvtpd2ps, "cvtpd2ps %xmm1, %xmm2", 0) X(cvtss2sd, "cvtss2sd %xmm1, %xmm2", 0) \
    X(cvtsd2ss, "cvtsd2ss %xmm1, %xmm2", 0) X(cvtdq2ps, "cvtdq2ps %xmm1, %xmm2", 0) \
    X(cvtps2dq, "cvtps2dq %xmm1, %xmm2", 0) X(cvttps2dq, "cvttps2dq %xmm1, %xmm2", 0) \
    X(cvtdq2pd, "cvtdq2pd %xmm1, %xmm2", 0) X(cvtpd2dq, "cvtpd2dq %xmm1, %xmm2", 0) \
    X(cvttpd2dq, "cvttpd2dq (%rbx), %xmm2", 0) \
    X(vcvtps2pd, "vcvtps2pd %xmm1, %ymm2", T_AVX) X(vcvtpd2ps, "vcvtpd2ps %ymm1, %xmm2", T_AVX) \
    X(vcvtpd2ps_x, "vcvtpd2ps %xmm1, %xmm2", T_AVX) \
    X(vcvtdq2pd, "vcvtdq2pd 16(%rbx), %ymm2", T_AVX) \
    X(vcvttpd2dq, "vcvttpd2dq %ymm1, %xmm2", T_AVX) X(vcvtps2dq, "vcvtps2dq %ymm1, %ymm2", T_AVX) \
    X(vcvtsd2ss, "vcvtsd2ss %xmm1, %xmm2, %xmm3", T_AVX) \
    X(cvtsi2ss, "cvtsi2ss %eax, %xmm1", 0) X(cvtsi2ssq, "cvtsi2ss %rax, %xmm1", 0) \
    X(cvtsi2sd, "cvtsi2sd %ecx, %xmm1", 0) X(cvtsi2sdq, "cvtsi2sdq 8(%rbx), %xmm1", 0) \
    X(vcvtsi2ss, "vcvtsi2ss %rdx, %xmm2, %xmm3", T_AVX) \
    X(cvtss2si, "cvtss2si %xmm1, %eax", 0) X(cvtss2siq, "cvtss2si %xmm1, %rax", 0) \
    X(cvttss2si, "cvttss2si 4(%rbx), %ecx", 0) X(cvtsd2si, "cvtsd2si %xmm1, %edx", 0) \
    X(cvtsd2siq, "cvtsd2si %xmm1, %r9", 0) X(cvttsd2siq, "cvttsd2si %xmm1, %rax", 0) \
    X(vcvtss2si, "vcvtss2si %xmm3, %rax", T_AVX) \
    X(cvtpi2ps, "cvtpi2ps %mm1, %xmm2", T_MMX) X(cvtpi2ps_m, "cvtpi2ps 8(%rbx), %xmm2", T_MMX) \
    X(cvtpi2pd, "cvtpi2pd %mm1, %xmm2", T_MMX) X(cvtps2pi, "cvtps2pi %xmm1, %mm2", T_MMX) \
    X(cvttps2pi, "cvttps2pi %xmm1, %mm2", T_MMX) X(cvtpd2pi, "cvtpd2pi %xmm1, %mm2", T_MMX) \
    X(cvttpd2pi, "cvttpd2pi (%rbx), %mm2", T_MMX) \
    X(vcvtph2ps, "vcvtph2ps %xmm1, %ymm2", T_AVX) \
    X(vcvtph2ps_x, "vcvtph2ps 8(%rbx), %xmm2", T_AVX) \
    X(vcvtps2ph_4, "vcvtps2ph $4, %ymm1, %xmm2", T_AVX) \
    X(vcvtps2ph_1, "vcvtps2ph $1, %xmm1, %xmm2", T_AVX) \
    X(vcvtps2ph_m, "vcvtps2ph $2, %ymm1, 16(%rbx)", T_AVX) \
    /* integer */ \
    INT5(X, paddb) INT5(X, paddw) INT5(X, paddd) INT5(X, paddq) INT5(X, psubb) INT5(X, psubw) \
    INT5(X, psubd) INT5(X, psubq) INT5(X, paddsb) INT5(X, paddsw) INT5(X, paddusb) \
    INT5(X, paddusw) \
    INT5(X, psubsb) INT5(X, psubsw) INT5(X, psubusb) INT5(X, psubusw) INT5(X, pmullw) \
    INT5(X, pmulhw) INT5(X, pmulhuw) INT5(X, pmuludq) INT4(X, pmuldq) INT4(X, pmulld) \
    INT5(X, pmulhrsw) INT5(X, pmaddwd) INT5(X, pmaddubsw) INT5(X, psadbw) \
    INT5(X, pand) INT5(X, pandn) INT5(X, por) INT5(X, pxor) INT5(X, pcmpeqb) INT5(X, pcmpeqw) \
    INT5(X, pcmpeqd) INT4(X, pcmpeqq) INT5(X, pcmpgtb) INT5(X, pcmpgtw) INT5(X, pcmpgtd) \
    INT4(X, pcmpgtq) INT5(X, pminub) INT4(X, pminuw) INT4(X, pminud) INT4(X, pminsb) \
    INT5(X, pminsw) INT4(X, pminsd) INT5(X, pmaxub) INT4(X, pmaxuw) INT4(X, pmaxud) \
    INT4(X, pmaxsb) INT5(X, pmaxsw) INT4(X, pmaxsd) INT5(X, pavgb) INT5(X, pavgw) \
    INT5(X, psignb) INT5(X, psignw) INT5(X, psignd) INT5(X, packsswb) INT5(X, packssdw) \
    INT5(X, packuswb) INT4(X, packusdw) INT5(X, punpcklbw) INT5(X, punpcklwd) INT5(X, punpckldq) \
    INT4(X, punpcklqdq) INT5(X, punpckhbw) INT5(X, punpckhwd) INT5(X, punpckhdq) \
    INT4(X, punpckhqdq) INT5(X, pshufb) INT5(X, phaddw) INT5(X, phaddd) INT5(X, phaddsw) \
    INT5(X, phsubw) INT5(X, phsubd) INT5(X, phsubsw) \
    SHIFT5(X, psllw) SHIFT5(X, pslld) SHIFT5(X, psllq) SHIFT5(X, psrlw) SHIFT5(X, psrld) \
    SHIFT5(X, psrlq) SHIFT5(X, psraw) SHIFT5(X, psrad) \
    X(pabsb_mmx, "pabsb %mm1, %mm2", T_MMX) X(pabsw, "pabsw %xmm1, %xmm2", 0) \
    X(pabsd_m, "pabsd 16(%rbx), %xmm2", 0) X(vpabsb, "vpabsb %ymm1, %ymm2", T_AVX) \
    X(psllw_i, "psllw $3, %xmm1", 0) X(psrld_i, "psrld $31, %xmm9", 0) \
    X(psraw_i, "psraw $17, %xmm1", 0) \
    X(psrlq_i_mmx, "psrlq $7, %mm1", T_MMX) X(psrad_i_mmx, "psrad $40, %mm1", T_MMX) \
    X(pslldq_i, "pslldq $5, %xmm2", 0) X(psrldq_i, "psrldq $15, %xmm2", 0) \
    X(vpsllq_i, "vpsllq $13, %ymm1, %ymm2", T_AVX) X(vpsrldq_i, "vpsrldq $3, %ymm1, %ymm2", T_AVX) \
    X(vpsraw_i, "vpsraw $9, %xmm1, %xmm2", T_AVX) \
    X(pshufd, "pshufd $0x1b, %xmm1, %xmm2", 0) X(pshufhw, "pshufhw $0x93, %xmm1, %xmm2", 0) \
    X(pshuflw, "pshuflw $0x39, (%rbx), %xmm2", 0) X(pshufw, "pshufw $0xc6, %mm1, %mm2", T_MMX) \
    X(vpshufd, "vpshufd $0x4e, %ymm1, %ymm2", T_AVX) \
    X(palignr, "palignr $5, %xmm1, %xmm2", 0) X(palignr_20, "palignr $20, %xmm1, %xmm2", 0) \
    X(palignr_mmx, "palignr $3, %mm1, %mm2", T_MMX) \
    X(vpalignr, "vpalignr $9, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(mpsadbw, "mpsadbw $5, %xmm1, %xmm2", 0) \
    X(vmpsadbw, "vmpsadbw $0x2b, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(pblendw, "pblendw $0x5a, %xmm1, %xmm2", 0) \
    X(vpblendd, "vpblendd $0x96, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(pmovsxbw, "pmovsxbw %xmm1, %xmm2", 0) X(pmovsxbd_m, "pmovsxbd 4(%rbx), %xmm2", 0) \
    X(pmovsxbq, "pmovsxbq %xmm1, %xmm2", 0) X(pmovsxwd, "pmovsxwd %xmm1, %xmm2", 0) \
    X(pmovsxwq_m, "pmovsxwq 4(%rbx), %xmm2", 0) X(pmovsxdq, "pmovsxdq %xmm1, %xmm2", 0) \
    X(pmovzxbw_m, "pmovzxbw 8(%rbx), %xmm2", 0) X(pmovzxbd, "pmovzxbd %xmm1, %xmm2", 0) \
    X(pmovzxbq_m, "pmovzxbq 2(%rbx), %xmm2", 0) X(pmovzxwd, "pmovzxwd %xmm1, %xmm2", 0) \
    X(pmovzxwq, "pmovzxwq %xmm1, %xmm2", 0) X(pmovzxdq, "pmovzxdq %xmm1, %xmm2", 0) \
    X(vpmovsxbd, "vpmovsxbd %xmm1, %ymm2", T_AVX) \
    X(vpmovzxwq_m, "vpmovzxwq 8(%rbx), %ymm2", T_AVX) \
    X(phminposuw, "phminposuw %xmm1, %xmm2", 0) \
    X(ptest, "ptest %xmm1, %xmm2", 0) X(ptest_m, "ptest (%rbx), %xmm2", 0) \
    X(vptest, "vptest %ymm1, %ymm2", T_AVX) X(vtestps, "vtestps %ymm1, %ymm2", T_AVX) \
    X(vtestpd, "vtestpd %xmm1, %xmm2", T_AVX) \
    X(pcmpestri_00, "pcmpestri $0x00, %xmm1, %xmm2", T_STR) \
    X(pcmpestri_04, "pcmpestri $0x04, %xmm1, %xmm2", T_STR) \
    X(pcmpestri_0c, "pcmpestri $0x0c, %xmm1, %xmm2", T_STR) \
    X(pcmpestri_19, "pcmpestri $0x19, %xmm1, %xmm2", T_STR) \
    X(pcmpestri_46, "pcmpestri $0x46, (%rbx), %xmm2", T_STR) \
    X(pcmpestri_3a, "pcmpestri $0x3a, %xmm1, %xmm2", T_STR) \
    X(pcmpestriq, "rex.w pcmpestri $0x08, %xmm1, %xmm2", T_STR) \
    X(pcmpistri_00, "pcmpistri $0x00, %xmm1, %xmm2", T_STR) \
    X(pcmpistri_05, "pcmpistri $0x05, %xmm1, %xmm2", T_STR) \
    X(pcmpistri_0e, "pcmpistri $0x0e, %xmm1, %xmm2", T_STR) \
    X(pcmpistri_1a, "pcmpistri $0x1a, %xmm1, %xmm2", T_STR) \
    X(pcmpistri_48, "pcmpistri $0x48, %xmm1, %xmm2", T_STR) \
    X(pcmpistri_34, "pcmpistri $0x34, %xmm1, %xmm2", T_STR) \
    X(pcmpestrm_08, "pcmpestrm $0x08, %xmm1, %xmm2", T_STR) \
    X(pcmpestrm_45, "pcmpestrm $0x45, %xmm1, %xmm2", T_STR) \
    X(pcmpistrm_40, "pcmpistrm $0x40, %xmm1, %xmm2", T_STR) \
    X(pcmpistrm_2d, "pcmpistrm $0x2d, %xmm1, %xmm2", T_STR) \
    X(vpcmpistri_0c, "vpcmpistri $0x0c, %xmm1, %xmm2", T_STR | T_AVX) \
    X(vpcmpestrm_18, "vpcmpestrm $0x18, %xmm1, %xmm2", T_STR | T_AVX) \
    X(pclmulqdq_00, "pclmulqdq $0x00, %xmm1, %xmm2", T_PCLMUL) \
    X(pclmulqdq_11, "pclmulqdq $0x11, %xmm1, %xmm2", T_PCLMUL) \
    X(pclmulqdq_10m, "pclmulqdq $0x10, (%rbx), %xmm2", T_PCLMUL) \
    X(aesenc, "aesenc %xmm1, %xmm2", T_PCLMUL) X(aesenclast, "aesenclast %xmm1, %xmm2", T_PCLMUL) \
    X(aesdec, "aesdec %xmm1, %xmm2", T_PCLMUL) X(aesdeclast, "aesdeclast (%rbx), %xmm2", T_PCLMUL) \
    X(aesimc, "aesimc %xmm1, %xmm2", T_PCLMUL) \
    X(aeskeygenassist, "aeskeygenassist $0x1b, %xmm1, %xmm2", T_PCLMUL) \
    X(vaesenc, "vaesenc %xmm1, %xmm2, %xmm3", T_PCLMUL | T_AVX) \
    /* AVX / AVX2 only */ \
    X(vpermilps_i, "vpermilps $0x1b, %ymm1, %ymm2", T_AVX) \
    X(vpermilps_v, "vpermilps %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vpermilpd_i, "vpermilpd $0x9, %ymm1, %ymm2", T_AVX) \
    X(vpermilpd_v, "vpermilpd (%rbx), %xmm2, %xmm3", T_AVX) \
    X(vperm2f128, "vperm2f128 $0x31, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vperm2i128, "vperm2i128 $0x82, %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vinsertf128, "vinsertf128 $1, %xmm1, %ymm2, %ymm3", T_AVX) \
    X(vinserti128_m, "vinserti128 $0, 16(%rbx), %ymm2, %ymm3", T_AVX) \
    X(vextractf128, "vextractf128 $1, %ymm1, %xmm2", T_AVX) \
    X(vextracti128_m, "vextracti128 $1, %ymm1, 16(%rbx)", T_AVX) \
    X(vbroadcastss, "vbroadcastss 4(%rbx), %ymm1", T_AVX) \
    X(vbroadcastss_r, "vbroadcastss %xmm1, %xmm2", T_AVX) \
    X(vbroadcastsd, "vbroadcastsd %xmm1, %ymm2", T_AVX) \
    X(vbroadcastf128, "vbroadcastf128 16(%rbx), %ymm2", T_AVX) \
    X(vpbroadcastb, "vpbroadcastb %xmm1, %ymm2", T_AVX) \
    X(vpbroadcastw_m, "vpbroadcastw 6(%rbx), %xmm2", T_AVX) \
    X(vpbroadcastd, "vpbroadcastd %xmm1, %ymm2", T_AVX) \
    X(vpbroadcastq_m, "vpbroadcastq 8(%rbx), %ymm2", T_AVX) \
    X(vpermd, "vpermd %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vpermps_m, "vpermps (%rbx), %ymm2, %ymm3", T_AVX) \
    X(vpermq, "vpermq $0x4e, %ymm1, %ymm2", T_AVX) \
    X(vpermpd, "vpermpd $0x1b, (%rbx), %ymm2", T_AVX) \
    X(vpsllvd, "vpsllvd %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vpsllvq, "vpsllvq %xmm1, %xmm2, %xmm3", T_AVX) \
    X(vpsrlvd, "vpsrlvd %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vpsrlvq, "vpsrlvq (%rbx), %ymm2, %ymm3", T_AVX) \
    X(vpsravd, "vpsravd %ymm1, %ymm2, %ymm3", T_AVX) \
    X(vmaskmovps_ld, "vmaskmovps (%rbx), %ymm1, %ymm2", T_AVX) \
    X(vmaskmovpd_st, "vmaskmovpd %ymm2, %ymm1, 32(%rbx)", T_AVX) \
    X(vpmaskmovd_ld, "vpmaskmovd 16(%rbx), %xmm1, %xmm2", T_AVX) \
    X(vpmaskmovq_st, "vpmaskmovq %ymm2, %ymm1, (%rbx)", T_AVX) \
    X(vpgatherdd, "vpgatherdd %ymm1, (%rbx,%ymm2,4), %ymm3", T_AVX | T_GATHER) \
    X(vpgatherdq, "vpgatherdq %xmm1, 8(%rbx,%xmm2,8), %xmm3", T_AVX | T_GATHER) \
    X(vpgatherqd, "vpgatherqd %xmm1, (%rbx,%ymm2,2), %xmm3", T_AVX | T_GATHER) \
    X(vpgatherqq, "vpgatherqq %ymm1, (%rbx,%ymm2,8), %ymm3", T_AVX | T_GATHER) \
    X(vgatherdps, "vgatherdps %xmm1, (%rbx,%xmm2,4), %xmm3", T_AVX | T_GATHER) \
    X(vgatherqpd, "vgatherqpd %ymm1, (%rbx,%ymm2,1), %ymm3", T_AVX | T_GATHER)
/* clang-format on */

#define INSN_ASM(name, text, fl)                                                                   \
    __asm__(".pushsection .rodata.sse_test_insns, \"a\"\n"                                         \
            "insn_" #name ":\n\t" text "\n"                                                        \
            "insn_" #name "_end:\n"                                                                \
            ".popsection\n");                                                                      \
    extern const uint8_t insn_##name[], insn_##name##_end[];
SSE_TESTS(INSN_ASM)

typedef struct InsnTest {
    const char *name;
    const uint8_t *code, *end;
    unsigned flags;
} InsnTest;

#define INSN_ROW(name, text, fl) {#name, insn_##name, insn_##name##_end, fl},
static const InsnTest insn_tests[] = {SSE_TESTS(INSN_ROW)};

/* ---- inputs ---- */

static uint32_t rand_f32(GRand *r)
{
    uint32_t sign = g_rand_boolean(r) ? 0x80000000u : 0;
    switch (g_rand_int_range(r, 0, 16)) {
    case 14: /* few significant bits at an extreme exponent: exact products and sums
              * that overflow or underflow */
    case 15: {
        uint32_t e = g_rand_boolean(r) ? (uint32_t)g_rand_int_range(r, 1, 40)
                                       : (uint32_t)g_rand_int_range(r, 200, 255);
        uint32_t frac = g_rand_int(r) & (0x7fffffu << g_rand_int_range(r, 14, 24)) & 0x7fffff;
        return sign | e << 23 | frac;
    }
    case 0: return sign;                                                /* zero */
    case 1: return sign | 0x7f800000u;                                  /* infinity */
    case 2: return sign | 0x7fc00000u | (g_rand_int(r) & 0x3fffff);     /* QNaN */
    case 3: return sign | 0x7f800000u | (g_rand_int(r) % 0x3fffff + 1); /* SNaN */
    case 4: return sign | (g_rand_int(r) & 0x7fffff);                   /* denormal */
    case 5: return sign | (g_rand_boolean(r) ? 0x00800000u : 0x7f7fffffu);
    case 6: return sign | 0x3f800000u;                                           /* 1.0 */
    case 7: return sign | (uint32_t)g_rand_int_range(r, 1, 100000) << 8;         /* tiny exact */
    case 8: return sign | (uint32_t)g_rand_int_range(r, 0x4e000000, 0x4f800000); /* ~2^31 */
    case 9: return sign | (uint32_t)g_rand_int_range(r, 0x00800000, 0x01000000);
    case 10: return sign | (uint32_t)g_rand_int_range(r, 0x7e800000, 0x7f800000);
    case 11: return g_rand_int(r);
    default: return sign | (uint32_t)g_rand_int_range(r, 0x3c000000, 0x44000000);
    }
}

static uint64_t rand_f64(GRand *r)
{
    uint64_t sign = g_rand_boolean(r) ? 1ull << 63 : 0;
    uint64_t mant = ((uint64_t)g_rand_int(r) << 32 | g_rand_int(r)) & 0xfffffffffffffull;
    switch (g_rand_int_range(r, 0, 16)) {
    case 14:
    case 15: {
        uint64_t e = g_rand_boolean(r) ? (uint64_t)g_rand_int_range(r, 1, 120)
                                       : (uint64_t)g_rand_int_range(r, 1900, 2047);
        uint64_t frac =
            mant & (0xfffffffffffffull << g_rand_int_range(r, 30, 53)) & 0xfffffffffffffull;
        return sign | e << 52 | frac;
    }
    case 0: return sign;
    case 1: return sign | 0x7ff0000000000000ull;
    case 2: return sign | 0x7ff8000000000000ull | (mant >> 1);
    case 3: return sign | 0x7ff0000000000000ull | ((mant >> 1) | 1);
    case 4: return sign | mant;
    case 5: return sign | (g_rand_boolean(r) ? 0x0010000000000000ull : 0x7fefffffffffffffull);
    case 6: return sign | 0x3ff0000000000000ull;
    case 7: return sign | ((uint64_t)g_rand_int_range(r, 1, 1000000) << 20);
    case 8: /* near the single-precision range limits: conversions overflow/underflow */
        return sign | ((uint64_t)g_rand_int_range(r, 0x3690, 0x3810) << 48) |
               (mant & 0xffffffffffffull);
    case 9:
        return sign | ((uint64_t)g_rand_int_range(r, 0x47e0, 0x4800) << 48) |
               (mant & 0xffffffffffffull);
    case 10:
        return sign | ((uint64_t)g_rand_int_range(r, 0x41d0, 0x43f0) << 48) |
               (mant & 0xffffffffffffull);
    case 11: return (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    default: return sign | ((uint64_t)g_rand_int_range(r, 0x3f00, 0x4100) << 48) | mant;
    }
}

static uint8_t rand_byte(GRand *r)
{
    static const uint8_t edges[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81};
    return g_rand_int_range(r, 0, 3) ? (uint8_t)g_rand_int(r)
                                     : edges[g_rand_int_range(r, 0, sizeof(edges))];
}

/* 32 bytes: floats, doubles, integer edges or noise, chosen per quadword. */
static void rand_vec(GRand *r, X86Vec *v)
{
    for (int i = 0; i < 4; i++) {
        switch (g_rand_int_range(r, 0, 4)) {
        case 0: v->l[2 * i] = rand_f32(r), v->l[2 * i + 1] = rand_f32(r); break;
        case 1: v->q[i] = rand_f64(r); break;
        case 2:
            for (int j = 0; j < 8; j++)
                v->b[8 * i + j] = rand_byte(r);
            break;
        default: v->q[i] = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r); break;
        }
    }
}

static void rand_string(GRand *r, X86Vec *v)
{
    static const uint8_t alphabet[] = {'a', 'b', 'c', 'd', 0, 'a', 0x80, 'z'};
    for (int i = 0; i < 32; i++)
        v->b[i] = alphabet[g_rand_int_range(r, 0, g_rand_int_range(r, 3, 9))];
}

/* A random state; MXCSR with every exception masked (the host must not trap) unless
 * unmasked is set, random rounding, DAZ, FTZ and sticky flags. */
static void rand_state(GRand *r, CpuState *s, uint8_t *mem, unsigned flags, bool unmasked)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < 16; i++)
        s->gpr[i] = g_rand_boolean(r) ? ((uint64_t)g_rand_int(r) << 32 | g_rand_int(r))
                                      : (uint64_t)(int64_t)g_rand_int_range(r, -40, 40);
    for (int i = 0; i < 16; i++) {
        if (flags & T_STR)
            rand_string(r, &s->vec[i]);
        else
            rand_vec(r, &s->vec[i]);
    }
    if (flags & T_GATHER) {
        /* ymm2 = indices inside the data, as dwords and as quadwords; ymm1 = mask */
        for (int i = 0; i < 4; i++)
            s->vec[2].q[i] = (uint64_t)g_rand_int_range(r, 0, 24);
    }
    for (int i = 0; i < 8; i++)
        s->mmx[i] = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    s->mxcsr = (uint32_t)g_rand_int_range(r, 0, 4) << 13 | (g_rand_boolean(r) ? 0x40 : 0) |
               (g_rand_boolean(r) ? 0x8000 : 0) | (g_rand_int(r) & 0x3f) |
               (unmasked ? (g_rand_int(r) & 0x1f80) : 0x1f80);
    s->rflags = 0x202 | (g_rand_int(r) & CC_MASK);
    for (int i = 0; i < DATA_SIZE; i++)
        mem[i] = rand_byte(r);
    if (flags & T_STR) {
        s->gpr[R_EAX] = (uint64_t)(int64_t)g_rand_int_range(r, -20, 20);
        s->gpr[R_EDX] = (uint64_t)(int64_t)g_rand_int_range(r, -20, 20);
        for (int i = 0; i < 16; i++)
            mem[i] = s->vec[3].b[i];
    }
}

/* ---- the differential run ---- */

typedef struct DiffCtx {
    Guest g;
    uint8_t *page; /* host code: the snippet and a RET */
    uint8_t host_mem[DATA_SIZE] __attribute__((aligned(64)));
} DiffCtx;

static void diff_init(DiffCtx *c)
{
    guest_init(&c->g);
    guest_mode64(&c->g.cpu.env);
    c->page =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(c->page != MAP_FAILED);
}

static void diff_fini(DiffCtx *c)
{
    munmap(c->page, 4096);
    guest_fini(&c->g);
}

static void dump_vec(const char *what, int i, const X86Vec *v)
{
    g_test_message("%s ymm%-2d %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER
                   "x %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
                   what, i, v->q[3], v->q[2], v->q[1], v->q[0]);
}

/* Compares the host's and the guest's results; logs every difference. */
static bool same_state(const InsnTest *t, const CpuState *in, const CpuState *h, const uint8_t *hm,
                       const CpuState *g, const uint8_t *gm)
{
    bool ok = true;
    for (int i = 0; i < 16; i++) {
        if (memcmp(&h->vec[i], &g->vec[i], sizeof(X86Vec))) {
            dump_vec("in   ", i, &in->vec[i]);
            dump_vec("host ", i, &h->vec[i]);
            dump_vec("guest", i, &g->vec[i]);
            ok = false;
        }
    }
    for (int i = 0; i < 16; i++) {
        if (i == R_EBX || i == R_ESP || i == R_EDI)
            continue;
        if (h->gpr[i] != g->gpr[i]) {
            g_test_message("gpr %d: in %" G_GINT64_MODIFIER "x host %" G_GINT64_MODIFIER
                           "x guest %" G_GINT64_MODIFIER "x",
                           i, in->gpr[i], h->gpr[i], g->gpr[i]);
            ok = false;
        }
    }
    if (h->mxcsr != g->mxcsr) {
        g_test_message("mxcsr: in %04x host %04x guest %04x", in->mxcsr, h->mxcsr, g->mxcsr);
        ok = false;
    }
    if ((h->rflags & CC_MASK) != (g->rflags & CC_MASK)) {
        g_test_message("flags: in %03x host %03x guest %03x", (unsigned)(in->rflags & CC_MASK),
                       (unsigned)(h->rflags & CC_MASK), (unsigned)(g->rflags & CC_MASK));
        ok = false;
    }
    for (int i = 0; (t->flags & T_MMX) && i < 8; i++) {
        if (h->mmx[i] != g->mmx[i]) {
            g_test_message("mm%d: in %016" G_GINT64_MODIFIER "x host %016" G_GINT64_MODIFIER
                           "x guest %016" G_GINT64_MODIFIER "x",
                           i, in->mmx[i], h->mmx[i], g->mmx[i]);
            ok = false;
        }
    }
    for (int i = 0; i < DATA_SIZE; i++) {
        if (hm[i] != gm[i]) {
            g_test_message("memory +%d: host %02x guest %02x", i, hm[i], gm[i]);
            ok = false;
        }
    }
    return ok;
}

static bool host_supports(unsigned flags)
{
    if ((flags & T_AVX) && !__builtin_cpu_supports("avx2"))
        return false;
    if ((flags & T_PCLMUL) && !(__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("aes")))
        return false;
    return true;
}

/* Runs t from one state on both CPUs. With unmasked exceptions allowed, a host SIGFPE
 * must be a guest #XM leaving the registers as they were. */
static bool diff_once(DiffCtx *c, const InsnTest *t, GRand *r, bool unmasked)
{
    size_t len = (size_t)(t->end - t->code);
    CpuState in, host, guest;
    uint8_t mem[DATA_SIZE], guest_mem[DATA_SIZE];

    rand_state(r, &in, mem, t->flags, unmasked);
    host = in;
    host.gpr[R_EBX] = host.gpr[R_EDI] = (uint64_t)(uintptr_t)c->host_mem;
    host.code = (uint64_t)(uintptr_t)c->page;
    memcpy(c->host_mem, mem, DATA_SIZE);
    memcpy(c->page, t->code, len);
    c->page[len] = 0xc3;
    host_exec(&host);

    guest = in;
    guest.gpr[R_EBX] = guest.gpr[R_EDI] = GUEST_DATA;
    guest_load_state(&c->g, &guest, mem);
    int vector = guest_run(&c->g, 0, t->code, len);
    guest_save_state(&c->g, &guest, guest_mem);

    int expected = host.fault ? EXCP_XM : EXCP_HLT;
    if (vector != expected) {
        g_test_message("%s: vector %d, expected %d (mxcsr in %04x host %04x)", t->name, vector,
                       expected, in.mxcsr, host.mxcsr);
        return false;
    }
    if (!same_state(t, &in, &host, c->host_mem, &guest, guest_mem)) {
        for (int i = 0; i < 16; i++)
            dump_vec("input", i, &in.vec[i]);
        g_test_message("%s: mismatch (mxcsr in %04x)", t->name, in.mxcsr);
        return false;
    }
    return true;
}

static void test_diff(gconstpointer data)
{
    const InsnTest *t = data;
    if (!host_supports(t->flags)) {
        g_test_skip("host lacks the instruction");
        return;
    }
    /* host_mem must really be 64-byte aligned (VMOVAPS m256 faults otherwise) */
    void *mem = NULL;
    g_assert_cmpint(posix_memalign(&mem, 64, sizeof(DiffCtx)), ==, 0);
    DiffCtx *c = memset(mem, 0, sizeof(DiffCtx));
    GRand *r = g_rand_new_with_seed(g_test_rand_int());
    /* SSE_TEST_SCALE=N runs N times as many random states */
    const char *scale_env = g_getenv("SSE_TEST_SCALE");
    int scale = scale_env ? atoi(scale_env) : 1;
    diff_init(c);
    bool ok = true;
    for (int i = 0; i < 60 * scale && ok; i++)
        ok = diff_once(c, t, r, false);
    for (int i = 0; i < 40 * scale && ok && !(t->flags & T_MASKED); i++)
        ok = diff_once(c, t, r, true);
    diff_fini(c);
    g_rand_free(r);
    free(c);
    if (!ok)
        g_test_fail();
}

/* ---- 32-bit protected mode ---- */

/* Bytes that mean the same in 32-bit code: no REX, and a VEX prefix whose R, X, B
 * and vvvv name registers 0-7 only. */
static bool same_in_32bit_code(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == 0x66 || p[i] == 0xf2 || p[i] == 0xf3))
        i++;
    if (i >= len || (p[i] >= 0x40 && p[i] <= 0x4f))
        return false;
    if (p[i] == 0xc5)
        return i + 1 < len && (p[i + 1] & 0xc0) == 0xc0;
    if (p[i] == 0xc4)
        return i + 2 < len && (p[i + 1] & 0xe0) == 0xe0 && (p[i + 2] & 0x40);
    return true;
}

/* Instructions verified against the host in 64-bit mode give the same results in a
 * flat 32-bit code segment (for XMM0-7, and the low halves of the registers). */
static void test_compat32(void)
{
    static const char *const names[] = {
        "addps",      "addss",      "vaddps",       "vaddps_x",     "paddb",      "vpaddb",
        "pshufb",     "vpermd",     "cvtsi2ss",     "cvtss2si",     "movd_gx",    "movd_xg",
        "pinsrb",     "pextrd",     "pcmpestri_00", "pcmpistrm_40", "vpgatherdd", "vmaskmovps_ld",
        "vcvtph2ps",  "maskmovdqu", "movaps_st",    "ptest",        "comiss",     "vbroadcastss",
        "vzeroupper", "vpsllvd",    "cvtpi2ps",     "paddb_mmx",
    };
    GRand *r = g_rand_new_with_seed(g_test_rand_int());
    Guest g64, g32;
    guest_init(&g64);
    guest_init(&g32);
    guest_mode64(&g64.cpu.env);
    guest_mode32(&g32.cpu.env);
    unsigned checked = 0;
    for (unsigned n = 0; n < G_N_ELEMENTS(names); n++) {
        const InsnTest *t = NULL;
        for (size_t i = 0; i < G_N_ELEMENTS(insn_tests); i++)
            if (!strcmp(insn_tests[i].name, names[n]))
                t = &insn_tests[i];
        g_assert_nonnull(t);
        size_t len = (size_t)(t->end - t->code);
        if (!same_in_32bit_code(t->code, len) || !host_supports(t->flags))
            continue;
        checked++;
        for (int iter = 0; iter < 20; iter++) {
            CpuState in, a, b;
            uint8_t mem[DATA_SIZE], mem_a[DATA_SIZE], mem_b[DATA_SIZE];
            rand_state(r, &in, mem, t->flags, iter & 1);
            in.gpr[R_EBX] = in.gpr[R_EDI] = GUEST_DATA;
            guest_load_state(&g64, &in, mem);
            guest_load_state(&g32, &in, mem);
            int v64 = guest_run(&g64, n, t->code, len);
            int v32 = guest_run(&g32, n, t->code, len);
            guest_save_state(&g64, &a, mem_a);
            guest_save_state(&g32, &b, mem_b);
            g_assert_cmpint(v32, ==, v64);
            for (int i = 0; i < 8; i++) {
                g_assert_cmpmem(&a.vec[i], sizeof(X86Vec), &b.vec[i], sizeof(X86Vec));
                g_assert_cmphex(a.mmx[i], ==, b.mmx[i]);
                g_assert_cmphex((uint32_t)a.gpr[i], ==, (uint32_t)b.gpr[i]);
            }
            for (int i = 8; i < 16; i++) /* out of reach of 32-bit code */
                g_assert_cmpmem(&in.vec[i], sizeof(X86Vec), &b.vec[i], sizeof(X86Vec));
            g_assert_cmphex(a.mxcsr, ==, b.mxcsr);
            g_assert_cmphex(a.rflags & CC_MASK, ==, b.rflags & CC_MASK);
            g_assert_cmpmem(mem_a, DATA_SIZE, mem_b, DATA_SIZE);
        }
    }
    g_test_message("%u instructions compared", checked);
    g_assert_cmpuint(checked, >=, 20);
    guest_fini(&g64);
    guest_fini(&g32);
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigfpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(insn_tests); i++) {
        char *path = g_strdup_printf("/sse/host/%s", insn_tests[i].name);
        g_test_add_data_func(path, &insn_tests[i], test_diff);
        g_free(path);
    }
    g_test_add_func("/sse/compat32", test_compat32);
    return g_test_run();
}
