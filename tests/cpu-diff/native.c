/* The host side: runs a case's bytes on the host CPU.
 *
 * The test region (layout.h) is mapped at the same address as in the guest. The
 * sequence is copied to CD_CODE and followed by a tail that jumps to the exit stub
 * (native-stub.S, copied to CD_STUB); cpudiff_native_enter loads the initial state from
 * the control block and jumps in. A fault inside the sequence arrives as a signal: the
 * handler (on its own stack, since the test's stack is compared) records the state the
 * kernel saved (the vector is the trap number) and leaves with siglongjmp.
 *
 * The handler finds its state through a pointer in the control block, which is at a
 * fixed address: no global variable is needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/cpu-diff/cpu-diff.h"

/* The control block at CD_CTX; the offsets are the ones native-stub.S uses. */
typedef struct NativeCtx {
    uint64_t in_gpr[16];
    uint64_t in_rflags;
    uint64_t entry;
    uint32_t far_entry_off;
    uint16_t far_entry_sel;
    uint16_t pad0;
    uint64_t host_rsp;
    uint64_t out_gpr[16];
    uint64_t out_rflags;
    uint32_t host_mxcsr;
    uint32_t pad1;
    struct Native *handler;
    uint8_t pad2[CTX_IN_FX - CTX_HANDLER - 8];
    uint8_t in_fx[512] __attribute__((aligned(16)));
    uint8_t out_fx[512] __attribute__((aligned(16)));
    uint8_t in_ymmh[16][16];
    uint8_t out_ymmh[16][16];
} NativeCtx;

_Static_assert(offsetof(NativeCtx, in_gpr) == CTX_IN_GPR, "layout");
_Static_assert(offsetof(NativeCtx, in_rflags) == CTX_IN_RFLAGS, "layout");
_Static_assert(offsetof(NativeCtx, entry) == CTX_ENTRY, "layout");
_Static_assert(offsetof(NativeCtx, far_entry_off) == CTX_FAR_ENTRY, "layout");
_Static_assert(offsetof(NativeCtx, host_rsp) == CTX_HOST_RSP, "layout");
_Static_assert(offsetof(NativeCtx, out_gpr) == CTX_OUT_GPR, "layout");
_Static_assert(offsetof(NativeCtx, out_rflags) == CTX_OUT_RFLAGS, "layout");
_Static_assert(offsetof(NativeCtx, host_mxcsr) == CTX_HOST_MXCSR, "layout");
_Static_assert(offsetof(NativeCtx, handler) == CTX_HANDLER, "layout");
_Static_assert(offsetof(NativeCtx, in_fx) == CTX_IN_FX, "layout");
_Static_assert(offsetof(NativeCtx, out_fx) == CTX_OUT_FX, "layout");
_Static_assert(offsetof(NativeCtx, in_ymmh) == CTX_IN_YMMH, "layout");
_Static_assert(offsetof(NativeCtx, out_ymmh) == CTX_OUT_YMMH, "layout");
_Static_assert(sizeof(NativeCtx) <= CD_CTX_SIZE - 0x400, "room for the private stack");

void cpudiff_native_enter(int mode32);
extern const uint8_t cpudiff_exit_stub[], cpudiff_exit_stub_end[];

/* What the signal handler saw. */
typedef struct NativeFault {
    int vector;
    uint32_t error_code;
    uint64_t cr2;
    uint64_t gpr[16];
    uint64_t rip, rflags;
    uint8_t fx[512];
    uint8_t ymmh[16][16];
} NativeFault;

struct Native {
    uint8_t *region;
    sigjmp_buf jmp;
    volatile sig_atomic_t running;
    uint64_t tail; /* address of the sequence's tail */
    NativeFault fault;
    void *altstack;
    struct sigaction old[5];
};

static const int handled_signals[5] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};

static NativeCtx *ctx(void)
{
    return (NativeCtx *)(uintptr_t)CD_CTX;
}

/* ---- FXSAVE image (SDM Vol 1 §10.5.1, Table 10-2) ---- */

enum { FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_MXCSR = 24, FX_ST = 32, FX_XMM = 160 };

static void fx_from_regs(uint8_t *fx, uint8_t (*ymmh)[16], const DiffRegs *r)
{
    memset(fx, 0, 512);
    memcpy(fx + FX_FCW, &r->fcw, 2);
    memcpy(fx + FX_FSW, &r->fsw, 2);
    fx[FX_FTW] = r->ftw;
    memcpy(fx + FX_MXCSR, &r->mxcsr, 4);
    for (int i = 0; i < 8; i++)
        memcpy(fx + FX_ST + 16 * i, r->st[i], 10);
    for (int i = 0; i < 16; i++) {
        memcpy(fx + FX_XMM + 16 * i, r->ymm[i], 16);
        memcpy(ymmh[i], r->ymm[i] + 16, 16);
    }
}

static void regs_from_fx(DiffRegs *r, const uint8_t *fx, const uint8_t (*ymmh)[16])
{
    memcpy(&r->fcw, fx + FX_FCW, 2);
    memcpy(&r->fsw, fx + FX_FSW, 2);
    r->ftw = fx[FX_FTW];
    memcpy(&r->mxcsr, fx + FX_MXCSR, 4);
    for (int i = 0; i < 8; i++)
        memcpy(r->st[i], fx + FX_ST + 16 * i, 10);
    for (int i = 0; i < 16; i++) {
        memcpy(r->ymm[i], fx + FX_XMM + 16 * i, 16);
        memcpy(r->ymm[i] + 16, ymmh[i], 16);
    }
}

/* ---- the fault handler ---- */

/* The signal frame's XSAVE area (Linux: arch/x86/include/uapi/asm/sigcontext.h): the
 * software-reserved bytes of the FXSAVE image say whether the extended state follows;
 * it is in the standard (non-compacted) format, YMM_Hi128 at offset 576 (SDM Vol 1
 * §13.4). */
#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1 0x46505853u
#endif
#define XSAVE_YMMH      576
#define XSAVE_XSTATE_BV 512

static void ymmh_from_sigframe(const uint8_t *fx, uint8_t (*ymmh)[16])
{
    uint32_t magic, size;
    memcpy(&magic, fx + 464, 4);
    memcpy(&size, fx + 468, 4);
    memset(ymmh, 0, 16 * 16);
    if (magic != FP_XSTATE_MAGIC1 || size < XSAVE_YMMH + 256)
        return;
    uint64_t xstate_bv;
    memcpy(&xstate_bv, fx + XSAVE_XSTATE_BV, 8);
    if (xstate_bv & 4) /* else the YMM state is in its initial (zero) configuration */
        memcpy(ymmh, fx + XSAVE_YMMH, 16 * 16);
}

static bool in_test_code(uint64_t rip)
{
    return rip >= CD_CODE && rip <= CD_CODE + CD_CODE_SIZE;
}

static void fault_handler(int sig, siginfo_t *si, void *ucv)
{
    /* The kernel clears TF and DF for a handler but not AC, which the test may have
     * set: with CR0.AM (Linux) the handler's own unaligned accesses would fault. */
    asm volatile("pushfq\n\t"
                 "andq %0, (%%rsp)\n\t"
                 "popfq"
                 :
                 : "i"(~0x40000)
                 : "cc", "memory");
    (void)si;
    Native *n = ctx()->handler;
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    uint64_t rip = (uint64_t)g[REG_RIP];
    /* A single-step trap (TF set by POPF) right after the tail's jump: report it at
     * the tail, where the guest sees it. */
    if (n && g[REG_TRAPNO] == 1 && rip == CD_STUB)
        rip = n->tail;
    if (!n || !n->running || !in_test_code(rip)) {
        /* Not a fault of a test sequence: a bug of the harness. Die of it. */
        signal(sig, SIG_DFL);
        return;
    }
    NativeFault *f = &n->fault;
    f->vector = (int)g[REG_TRAPNO];
    f->error_code = (uint32_t)g[REG_ERR];
    f->cr2 = (uint64_t)g[REG_CR2];
    static const int gpr_index[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                      REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                      REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 16; i++)
        f->gpr[i] = (uint64_t)g[gpr_index[i]];
    f->rip = rip;
    f->rflags = (uint64_t)g[REG_EFL];
    if (uc->uc_mcontext.fpregs) {
        memcpy(f->fx, uc->uc_mcontext.fpregs, 512);
        ymmh_from_sigframe((const uint8_t *)uc->uc_mcontext.fpregs, f->ymmh);
    } else {
        memset(f->fx, 0, sizeof(f->fx));
        memset(f->ymmh, 0, sizeof(f->ymmh));
    }
    n->running = 0;
    siglongjmp(n->jmp, 1);
}

/* After a siglongjmp out of a test: the host's FPU/SSE defaults, DF clear, null DS/ES
 * (the kernel gave the handler a clean FPU state, but say it anyway). */
static void restore_host_state(uint32_t mxcsr)
{
    asm volatile("cld\n\t"
                 "fninit\n\t"
                 "ldmxcsr %0\n\t"
                 "vzeroupper\n\t"
                 "xor %%eax, %%eax\n\t"
                 "mov %%eax, %%ds\n\t"
                 "mov %%eax, %%es"
                 :
                 : "m"(mxcsr)
                 : "rax", "memory");
}

/* ---- setup ---- */

static bool host_has_avx(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx");
}

Native *native_new(char *err, size_t err_len)
{
    if (!host_has_avx()) {
        snprintf(err, err_len, "the host CPU has no AVX");
        return NULL;
    }
    Native *n = calloc(1, sizeof(*n));
    if (!n) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    void *want = (void *)(uintptr_t)CD_BASE;
    n->region = mmap(want, CD_NATIVE_SIZE, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (n->region != want) {
        snprintf(err, err_len, "cannot map the test region at %#llx: %s", CD_BASE,
                 n->region == MAP_FAILED ? strerror(errno) : "address taken");
        if (n->region != MAP_FAILED)
            munmap(n->region, CD_NATIVE_SIZE);
        free(n);
        return NULL;
    }
    size_t stub_len = (size_t)(cpudiff_exit_stub_end - cpudiff_exit_stub);
    if (mprotect(n->region, CD_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC) != 0 ||
        mprotect(n->region + (CD_DATA - CD_BASE), CD_DATA_SIZE + CD_STACK_SIZE,
                 PROT_READ | PROT_WRITE) != 0 ||
        mprotect(n->region + (CD_CTX - CD_BASE), CD_CTX_SIZE, PROT_READ | PROT_WRITE) != 0 ||
        mprotect(n->region + (CD_STUB - CD_BASE), CD_STUB_SIZE, PROT_READ | PROT_WRITE) != 0 ||
        stub_len > CD_STUB_SIZE) {
        snprintf(err, err_len, "mprotect: %s", strerror(errno));
        native_free(n);
        return NULL;
    }
    memcpy(n->region + (CD_STUB - CD_BASE), cpudiff_exit_stub, stub_len);
    if (mprotect(n->region + (CD_STUB - CD_BASE), CD_STUB_SIZE, PROT_READ | PROT_EXEC) != 0) {
        snprintf(err, err_len, "mprotect: %s", strerror(errno));
        native_free(n);
        return NULL;
    }
    ctx()->handler = n;

    /* The handler runs on its own stack: the test's rSP may point anywhere, and the
     * test stack's contents are compared. */
    n->altstack = malloc(1 << 16);
    stack_t ss = {.ss_sp = n->altstack, .ss_size = 1 << 16, .ss_flags = 0};
    if (!n->altstack || sigaltstack(&ss, NULL) != 0) {
        snprintf(err, err_len, "sigaltstack: %s", strerror(errno));
        native_free(n);
        return NULL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fault_handler;
    /* NODEFER: the handler leaves with siglongjmp, so the signal must not stay blocked
     * (sigsetjmp without saving the mask costs no system call). */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 5; i++)
        sigaction(handled_signals[i], &sa, &n->old[i]);
    return n;
}

void native_free(Native *n)
{
    if (!n)
        return;
    if (n->altstack) {
        for (int i = 0; i < 5; i++)
            sigaction(handled_signals[i], &n->old[i], NULL);
        stack_t ss = {.ss_flags = SS_DISABLE};
        sigaltstack(&ss, NULL);
        free(n->altstack);
    }
    if (n->region && n->region != MAP_FAILED)
        munmap(n->region, CD_NATIVE_SIZE);
    free(n);
}

/* ---- running a case ---- */

/* The tail after the sequence: back to the exit stub. */
static unsigned put_tail(uint8_t *p, bool run32)
{
    if (run32) {
        /* JMP ptr16:32 (EA cd cw): far jump to the 64-bit code segment */
        p[0] = 0xea;
        uint32_t off = CD_STUB;
        uint16_t sel = CD_SEL_CS64;
        memcpy(p + 1, &off, 4);
        memcpy(p + 5, &sel, 2);
        return 7;
    }
    /* JMP [RIP+disp32] (FF /4) through a 64-bit target stored at the next 8-byte
     * boundary: the sequence may leave EFLAGS.AC set, and Linux runs user code with
     * CR0.AM, so a misaligned pointer would take #AC here (SDM Vol 3A §6.15, #AC).
     * No register is free to jump through: all 16 are compared. */
    uintptr_t insn_end = (uintptr_t)p + 6;
    uintptr_t slot = (insn_end + 7) & ~(uintptr_t)7;
    int32_t disp = (int32_t)(slot - insn_end);
    uint64_t target = CD_STUB;
    p[0] = 0xff;
    p[1] = 0x25;
    memcpy(p + 2, &disp, 4);
    memset(p + 6, 0xcc, slot - insn_end);
    memcpy((uint8_t *)slot, &target, 8);
    return (unsigned)(slot + 8 - (uintptr_t)p);
}

static void load_case(Native *n, const DiffCase *c, bool run32)
{
    uint8_t *code = n->region;
    memcpy(code, c->code, c->len);
    unsigned tail = put_tail(code + c->len, run32);
    /* int3 after the tail, as in the guest: a jump past the end traps on both sides */
    memset(code + c->len + tail, 0xcc, 32);
    memcpy(n->region + (CD_DATA - CD_BASE), c->init.m.data, CD_DATA_SIZE);
    memcpy(n->region + (CD_STACK - CD_BASE), c->init.m.stack, CD_STACK_SIZE);

    NativeCtx *x = ctx();
    memcpy(x->in_gpr, c->init.r.gpr, sizeof(x->in_gpr));
    x->in_rflags = c->init.r.rflags;
    x->entry = CD_CODE;
    x->far_entry_off = CD_CODE;
    x->far_entry_sel = CD_SEL_CS32;
    fx_from_regs(x->in_fx, x->in_ymmh, &c->init.r);
}

void native_run(Native *n, const DiffCase *c, bool run32, DiffOutcome *out)
{
    uint32_t host_mxcsr = 0x1f80;
    load_case(n, c, run32);
    n->tail = CD_CODE + c->len;
    memset(out, 0, sizeof(*out));
    n->running = 1;
    if (sigsetjmp(n->jmp, 0) == 0) {
        cpudiff_native_enter(run32);
        n->running = 0;
        NativeCtx *x = ctx();
        out->vector = -1;
        memcpy(out->s.r.gpr, x->out_gpr, sizeof(out->s.r.gpr));
        out->s.r.rip = CD_CODE + c->len;
        out->s.r.rflags = x->out_rflags;
        regs_from_fx(&out->s.r, x->out_fx, (const uint8_t(*)[16])x->out_ymmh);
    } else {
        restore_host_state(host_mxcsr);
        NativeFault *f = &n->fault;
        out->vector = f->vector;
        out->error_code = f->error_code;
        out->fault_addr = f->cr2;
        memcpy(out->s.r.gpr, f->gpr, sizeof(out->s.r.gpr));
        out->s.r.rip = f->rip;
        out->s.r.rflags = f->rflags;
        regs_from_fx(&out->s.r, f->fx, (const uint8_t(*)[16])f->ymmh);
    }
    memcpy(out->s.m.data, n->region + (CD_DATA - CD_BASE), CD_DATA_SIZE);
    memcpy(out->s.m.stack, n->region + (CD_STACK - CD_BASE), CD_STACK_SIZE);
}

/* Runs a 32-bit NOP in a child process: far jumps to the 32-bit user code segment fail
 * on kernels without IA-32 emulation and under some hypervisors (the child then dies
 * of the #GP). */
bool native_probe_compat(Native *n, char *why, size_t why_len)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork: %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        DiffCase *c = calloc(1, sizeof(*c));
        DiffOutcome *o = calloc(1, sizeof(*o));
        if (!c || !o)
            _exit(2);
        c->mode = DIFF_MODE_32;
        c->code[0] = 0x90;
        c->len = 1;
        c->init.r.rflags = 0x202;
        c->init.r.mxcsr = 0x1f80;
        c->init.r.fcw = 0x37f;
        c->init.r.gpr[4] = CD_STACK + CD_STACK_SIZE / 2;
        native_run(n, c, true, o);
        _exit(o->vector == -1 ? 0 : 1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        snprintf(why, why_len,
                 "a far jump to the 32-bit user code segment (%#x) killed the "
                 "test process with signal %d",
                 CD_SEL_CS32, WTERMSIG(status));
    else
        snprintf(why, why_len, "32-bit code did not run (exit status %d)", WEXITSTATUS(status));
    return false;
}
