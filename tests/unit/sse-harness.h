/* The guest side of the vector-unit unit tests (test-sse.c, test-sse-exc.c,
 * test-sse-xsave.c): a one-vCPU machine in 64-bit or flat 32-bit mode that runs short
 * snippets from numbered code slots, and the register state the host-compared tests
 * load into and save from it (CpuState, laid out for the host harness in test-sse.c).
 *
 * Static inline throughout: each test file uses only part of it. */
#ifndef PACIFICA_TESTS_UNIT_SSE_HARNESS_H
#define PACIFICA_TESTS_UNIT_SSE_HARNESS_H

#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "system/machine.h"

/* ---- the state both CPUs run from ---- */

typedef struct CpuState {
    uint64_t gpr[16];
    uint64_t rflags;
    uint32_t mxcsr;
    uint32_t fault; /* host: SIGFPE seen */
    X86Vec vec[16];
    uint64_t mmx[8];
    uint64_t code; /* host: address of the snippet */
} CpuState;

/* Offsets used by the harness below. */
#define ST_RFLAGS 128
#define ST_MXCSR  136
#define ST_FAULT  140
#define ST_VEC    144
#define ST_MMX    656
#define ST_CODE   720
_Static_assert(offsetof(CpuState, rflags) == ST_RFLAGS, "layout");
_Static_assert(offsetof(CpuState, mxcsr) == ST_MXCSR, "layout");
_Static_assert(offsetof(CpuState, fault) == ST_FAULT, "layout");
_Static_assert(offsetof(CpuState, vec) == ST_VEC, "layout");
_Static_assert(offsetof(CpuState, mmx) == ST_MMX, "layout");
_Static_assert(offsetof(CpuState, code) == ST_CODE, "layout");

/* ---- the guest ---- */

#define GUEST_CODE 0x10000
#define GUEST_DATA 0x8000
#define DATA_SIZE  256

typedef struct Guest {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
} Guest;

static const uint32_t code64_flags =
    DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_L_MASK;
static const uint32_t data_flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;

static inline void guest_init(Guest *g)
{
    memset(&g->cfg, 0, sizeof(g->cfg));
    g->cfg.ram_size = 2 << 20;
    g->cfg.smp = 1;
    g_assert_cmpint(machine_init(&g->m, &g->cfg), ==, 0);
    address_space_add_ram(&g->m.mem, "ram", 0, g->m.ram_size, g->m.ram, false, 0);
    g->r = tcg_runner_new();
    x86_cpu_init(&g->cpu, &g->m, 0, tcg_runner_tb_cache(g->r));
}

static inline void guest_fini(Guest *g)
{
    tcg_runner_free(g->r);
    machine_destroy(&g->m);
}

/* Long mode (64-bit code segment, no paging: linear = physical), CPL 0, SSE, AVX and
 * SIMD exceptions enabled. */
static inline void guest_mode64(CPUX86State *env)
{
    env->cr[0] = CR0_PE | CR0_ET | CR0_NE | CR0_MP;
    env->cr[4] = CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    env->efer = EFER_LME | EFER_LMA;
    env->xcr0 = 7;
    for (int i = 0; i < 6; i++) {
        env->segs[i].selector = 0x10;
        env->segs[i].base = 0;
        env->segs[i].limit = 0xffffffff;
        env->segs[i].flags = data_flags | DESC_B_MASK | DESC_G_MASK;
    }
    env->segs[R_CS].selector = 0x08;
    env->segs[R_CS].flags = code64_flags;
    x86_cpu_update_hflags(env);
}

/* Flat 32-bit protected mode. */
static inline void guest_mode32(CPUX86State *env)
{
    guest_mode64(env);
    env->efer = 0;
    env->segs[R_CS].flags = (code64_flags & ~DESC_L_MASK) | DESC_B_MASK | DESC_G_MASK;
    x86_cpu_update_hflags(env);
}

/* Places code (and a HLT) at slot and runs it; returns the vector that stopped it. */
static inline int guest_run(Guest *g, unsigned slot, const uint8_t *code, size_t len)
{
    CPUX86State *env = &g->cpu.env;
    uint64_t at = GUEST_CODE + 64 * (uint64_t)slot;
    g_assert_cmpuint(len, <, 63);
    memcpy(g->m.ram + at, code, len);
    g->m.ram[at + len] = 0xf4;
    env->rip = at - env->segs[R_CS].base;
    return tcg_runner_run(g->r, &g->cpu, 100);
}

static inline void guest_load_state(Guest *g, const CpuState *s, const uint8_t *mem)
{
    CPUX86State *env = &g->cpu.env;
    memcpy(env->regs, s->gpr, sizeof(env->regs));
    memcpy(env->vec, s->vec, sizeof(env->vec));
    env->mxcsr = s->mxcsr;
    x86_write_eflags(env, (uint32_t)s->rflags, CC_MASK);
    for (int i = 0; i < 8; i++) {
        env->fpregs[i].mant = s->mmx[i];
        env->fpregs[i].exp = 0xffff;
    }
    env->fpstt = 0;
    env->fptag = 0;
    env->fpus = 0;
    memcpy(g->m.ram + GUEST_DATA, mem, DATA_SIZE);
}

static inline void guest_save_state(Guest *g, CpuState *s, uint8_t *mem)
{
    CPUX86State *env = &g->cpu.env;
    memcpy(s->gpr, env->regs, sizeof(env->regs));
    memcpy(s->vec, env->vec, sizeof(env->vec));
    s->mxcsr = env->mxcsr;
    s->rflags = x86_read_eflags(env);
    for (int i = 0; i < 8; i++)
        s->mmx[i] = env->fpregs[i].mant;
    memcpy(mem, g->m.ram + GUEST_DATA, DATA_SIZE);
}

/* Runs code at slot with rBX pointing at the guest data. */
static inline int run_bytes(Guest *g, unsigned slot, const uint8_t *code, size_t len)
{
    g->cpu.env.regs[R_EBX] = GUEST_DATA;
    return guest_run(g, slot, code, len);
}

#endif
