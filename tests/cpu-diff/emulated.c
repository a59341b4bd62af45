/* Pacifica's side: the same sequence on Pacifica's CPU, in long mode at CPL 3.
 *
 * The guest has RAM at physical 0 (the page tables) and the test region at physical
 * CD_BASE, identity-mapped by 4-level page tables as user pages (code executable, data
 * and stack not, as natively). The CPU state is set directly: CR0 with PE, PG, WP, NE,
 * AM (what Linux uses), CR4 with PAE, OSFXSR, OSXMMEXCPT, OSXSAVE, EFER with LME, LMA,
 * NXE, XCR0 = x87|SSE|AVX, and the user selectors of 64-bit Linux: a 64-bit (L=1) or a
 * 32-bit (D=1) code segment and flat data segments. The sequence is followed by INT3:
 * the runner returns EXCP_BP with rIP past it when the sequence completed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/tcg-run.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/translate.h"
#include "system/machine.h"
#include "tests/cpu-diff/cpu-diff.h"

#define LOW_RAM_SIZE 0x10000
#define PT_PML4      0x1000
#define PT_PDPT      0x2000
#define PT_PD        0x3000
#define PT_PT        0x4000
#define MAX_BLOCKS   256

/* Page-table entry bits (SDM Vol 3A §4.5, Table 4-15 ff.) */
#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_NX (1ull << 63)

struct Emu {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
    uint8_t *region;
};

static void put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* 4-level identity mapping of the test region (SDM Vol 3A §4.5). */
static void build_page_tables(uint8_t *ram)
{
    const uint64_t dir = PTE_P | PTE_RW | PTE_US;
    put_u64(ram + PT_PML4 + 8 * ((CD_BASE >> 39) & 511), PT_PDPT | dir);
    put_u64(ram + PT_PDPT + 8 * ((CD_BASE >> 30) & 511), PT_PD | dir);
    put_u64(ram + PT_PD + 8 * ((CD_BASE >> 21) & 511), PT_PT | dir);
    for (uint64_t a = CD_BASE; a < CD_BASE + CD_GUEST_SIZE; a += 0x1000) {
        uint64_t pte = a | PTE_P | PTE_RW | PTE_US;
        if (a >= CD_DATA)
            pte |= PTE_NX;
        put_u64(ram + PT_PT + 8 * ((a >> 12) & 511), pte);
    }
}

Emu *emu_new(void)
{
    Emu *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->cfg.ram_size = LOW_RAM_SIZE;
    e->cfg.smp = 1;
    e->cfg.cpu_model = "max";
    if (machine_init(&e->m, &e->cfg) != 0) {
        free(e);
        return NULL;
    }
    address_space_add_ram(&e->m.mem, "ram", 0, e->m.ram_size, e->m.ram, false, 0);
    e->region =
        mmap(NULL, CD_GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (e->region == MAP_FAILED) {
        machine_destroy(&e->m);
        free(e);
        return NULL;
    }
    address_space_add_ram(&e->m.mem, "cpu-diff", CD_BASE, CD_GUEST_SIZE, e->region, false, 0);
    build_page_tables(e->m.ram);
    e->r = tcg_runner_new();
    x86_cpu_init(&e->cpu, &e->m, 0, tcg_runner_tb_cache(e->r));
    return e;
}

void emu_free(Emu *e)
{
    if (!e)
        return;
    tcg_runner_free(e->r);
    machine_destroy(&e->m);
    munmap(e->region, CD_GUEST_SIZE);
    free(e);
}

static void set_seg(SegmentCache *s, uint32_t sel, uint32_t flags)
{
    s->selector = sel;
    s->base = 0;
    s->limit = 0xffffffff;
    s->flags = flags;
}

/* x87 tag of a register's contents (SDM Vol 1 §8.1.7): 0 valid, 1 zero, 2 special. */
static unsigned x87_tag_of(const uint8_t v[10])
{
    uint64_t mant;
    uint16_t se;
    memcpy(&mant, v, 8);
    memcpy(&se, v + 8, 2);
    unsigned exp = se & 0x7fff;
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return mant == 0 ? 1 : 2;
    return (mant >> 63) ? 0 : 2; /* unnormals are special */
}

static void load_x87(CPUX86State *env, const DiffRegs *r)
{
    unsigned top = (r->fsw >> 11) & 7;
    env->fpuc = r->fcw;
    env->fpus = r->fsw & ~0x3800u;
    env->fpstt = top;
    env->fptag = 0;
    memset(env->fpregs, 0, sizeof(env->fpregs));
    for (unsigned i = 0; i < 8; i++) {
        unsigned phys = (top + i) & 7;
        memcpy(&env->fpregs[phys].mant, r->st[i], 8);
        memcpy(&env->fpregs[phys].exp, r->st[i] + 8, 2);
    }
    for (unsigned phys = 0; phys < 8; phys++) {
        unsigned st = (phys - top) & 7;
        unsigned tag = (r->ftw & (1u << phys)) ? x87_tag_of(r->st[st]) : 3;
        env->fptag |= (uint16_t)(tag << (2 * phys));
    }
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
}

static void store_x87(const CPUX86State *env, DiffRegs *r)
{
    unsigned top = env->fpstt & 7;
    r->fcw = env->fpuc;
    r->fsw = (uint16_t)((env->fpus & ~0x3800u) | (top << 11));
    r->ftw = 0;
    for (unsigned phys = 0; phys < 8; phys++)
        if (((env->fptag >> (2 * phys)) & 3) != 3)
            r->ftw |= (uint8_t)(1u << phys);
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *reg = &env->fpregs[(top + i) & 7];
        memcpy(r->st[i], &reg->mant, 8);
        memcpy(r->st[i] + 8, &reg->exp, 2);
    }
}

static void load_state(Emu *e, const DiffCase *c)
{
    CPUX86State *env = &e->cpu.env;
    x86_cpu_reset(&e->cpu);
    env->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    env->cr[3] = PT_PML4;
    env->cr[4] = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    env->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    env->xcr0 = 7;
    const uint32_t common = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK | (3u << DESC_DPL_SHIFT);
    const uint32_t code = common | DESC_CS_MASK | DESC_R_MASK | DESC_G_MASK;
    const uint32_t data = common | DESC_W_MASK | DESC_B_MASK | DESC_G_MASK;
    if (c->mode == DIFF_MODE_64)
        set_seg(&env->segs[R_CS], CD_SEL_CS64, code | DESC_L_MASK);
    else
        set_seg(&env->segs[R_CS], CD_SEL_CS32, code | DESC_B_MASK);
    set_seg(&env->segs[R_SS], CD_SEL_DS, data);
    set_seg(&env->segs[R_DS], CD_SEL_DS, data);
    set_seg(&env->segs[R_ES], CD_SEL_DS, data);
    set_seg(&env->segs[R_FS], 0, 0);
    set_seg(&env->segs[R_GS], 0, 0);

    memcpy(env->regs, c->init.r.gpr, sizeof(env->regs));
    env->rip = CD_CODE;
    x86_write_eflags(env, (uint32_t)c->init.r.rflags, ~0u);
    env->mxcsr = c->init.r.mxcsr;
    for (int i = 0; i < 16; i++)
        memcpy(env->vec[i].b, c->init.r.ymm[i], 32);
    load_x87(env, &c->init.r);
    x86_cpu_update_hflags(env);
}

static void load_memory(Emu *e, const DiffCase *c)
{
    uint8_t *code = e->region;
    memcpy(code, c->code, c->len);
    memset(code + c->len, 0xcc, 64); /* the tail: INT3 */
    memcpy(e->region + (CD_DATA - CD_BASE), c->init.m.data, CD_DATA_SIZE);
    memcpy(e->region + (CD_STACK - CD_BASE), c->init.m.stack, CD_STACK_SIZE);
}

void emu_run(Emu *e, const DiffCase *c, DiffOutcome *out)
{
    /* The code bytes change behind the translator's back: drop every block. */
    tb_cache_flush(tcg_runner_tb_cache(e->r));
    load_memory(e, c);
    load_state(e, c);
    CPUX86State *env = &e->cpu.env;
    env->error_code = 0;
    int v = tcg_runner_run(e->r, &e->cpu, MAX_BLOCKS);

    memset(out, 0, sizeof(*out));
    uint64_t tail = CD_CODE + c->len;
    if (v == EXCP_BP && env->rip == tail + 1) {
        out->vector = -1;
        env->rip = tail;
    } else {
        out->vector = v < 0 ? 256 : v; /* 256: still running after MAX_BLOCKS blocks */
        out->error_code = (uint32_t)env->error_code;
        out->fault_addr = env->cr[2];
    }
    memcpy(out->s.r.gpr, env->regs, sizeof(out->s.r.gpr));
    out->s.r.rip = env->rip;
    out->s.r.rflags = x86_read_eflags(env);
    out->s.r.mxcsr = env->mxcsr;
    for (int i = 0; i < 16; i++)
        memcpy(out->s.r.ymm[i], env->vec[i].b, 32);
    store_x87(env, &out->s.r);
    memcpy(out->s.m.data, e->region + (CD_DATA - CD_BASE), CD_DATA_SIZE);
    memcpy(out->s.m.stack, e->region + (CD_STACK - CD_BASE), CD_STACK_SIZE);
}

static bool table_has(const X86Lowering *t, unsigned op)
{
    for (; t->fn; t++)
        if (t->op == op)
            return true;
    return false;
}

bool emu_op_implemented(unsigned op)
{
    return table_has(x86_lowerings_int, op) || table_has(x86_lowerings_sys, op) ||
           table_has(x86_lowerings_fpu, op) || table_has(x86_lowerings_sse, op);
}
