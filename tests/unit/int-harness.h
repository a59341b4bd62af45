/* The harness of the integer-instruction unit tests (test-int.c, test-int-legacy.c):
 * a one-vCPU machine with identity-mapped paging in real, 32-bit protected or 64-bit
 * mode (Fixture), the host side that runs the same snippet natively at the same
 * addresses (Host, pac_native_enter), the table of instructions with their random
 * inputs, fixups and compared flags (Insn), and the comparison of the two runs.
 *
 * Static inline throughout: each test file uses only part of it. */
#ifndef PACIFICA_TESTS_UNIT_INT_HARNESS_H
#define PACIFICA_TESTS_UNIT_INT_HARNESS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/tcg-run.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/tlb.h"
#include "system/machine.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define RAM_SIZE  (4u << 20)
#define PML4      0x1000u
#define PDPT      0x2000u
#define PD        0x3000u
#define STACK_TOP 0x7000u
#define DATA      0x200000u /* guest and host: the data buffer */
#define DATA_SIZE 0x1000u
#define DATA_MID  (DATA + 0x800u) /* rBX points here: the memory operand */
#define CODE      0x300000u       /* guest and host: the code under test */
#define CODE_SIZE 0x1000u
#define RUNS      48 /* random inputs per instruction */

/* PTE bits */
#define P  0x1u
#define RW 0x2u
#define US 0x4u
#define PS 0x80u

/* ---- machine ---- */

typedef enum Mode { MODE_REAL, MODE_PM32, MODE_LONG } Mode;

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
    CPUX86State *env;
    Mode mode;
} Fixture;

static inline void put64(Fixture *f, uint64_t pa, uint64_t v)
{
    memcpy(f->m.ram + pa, &v, 8);
}

static inline uint64_t get64(Fixture *f, uint64_t pa)
{
    uint64_t v;
    memcpy(&v, f->m.ram + pa, 8);
    return v;
}

static inline uint32_t get32(Fixture *f, uint64_t pa)
{
    uint32_t v;
    memcpy(&v, f->m.ram + pa, 4);
    return v;
}

static inline void put32(Fixture *f, uint64_t pa, uint32_t v)
{
    memcpy(f->m.ram + pa, &v, 4);
}

static inline void set_seg(CPUX86State *env, int seg, uint16_t sel, uint32_t flags)
{
    env->segs[seg].selector = sel;
    env->segs[seg].base = 0;
    env->segs[seg].limit = 0xffffffffu;
    env->segs[seg].flags = flags;
}

#define CODE_FLAGS                                                                                 \
    (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_G_MASK)
#define DATA_FLAGS                                                                                 \
    (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_G_MASK | DESC_B_MASK)

/* Flat 32-bit protected mode (no GDT is needed: the segment caches are what count),
 * or 64-bit mode with the first 4 MiB identity-mapped by 2 MiB pages, or real mode. */
static inline void fixture_init(Fixture *f, Mode mode)
{
    memset(f, 0, sizeof(*f));
    f->cfg.ram_size = RAM_SIZE;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    f->env = &f->cpu.env;
    f->mode = mode;
    CPUX86State *env = f->env;
    env->regs[R_ESP] = STACK_TOP;
    if (mode == MODE_REAL) {
        for (int i = 0; i < 6; i++) {
            env->segs[i].selector = 0;
            env->segs[i].base = 0;
        }
        x86_cpu_update_hflags(env);
        return;
    }
    env->cr[0] = CR0_PE | CR0_ET;
    for (int i = 0; i < 6; i++)
        set_seg(env, i, 0, DATA_FLAGS);
    set_seg(env, R_CS, 0x08, CODE_FLAGS | DESC_B_MASK);
    set_seg(env, R_SS, 0x10, DATA_FLAGS);
    if (mode == MODE_LONG) {
        put64(f, PML4, PDPT | P | RW | US);
        put64(f, PDPT, PD | P | RW | US);
        put64(f, PD, 0 | P | RW | US | PS);
        put64(f, PD + 8, 0x200000 | P | RW | US | PS);
        env->cr[0] |= CR0_PG;
        env->cr[3] = PML4;
        env->cr[4] = CR4_PAE;
        env->efer = EFER_LME | EFER_LMA;
        env->segs[R_CS].flags = CODE_FLAGS | DESC_L_MASK;
    }
    x86_cpu_update_hflags(env);
    x86_tlb_flush(env, true);
}

static inline void fixture_fini(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
}

/* Places code at addr (followed by HLT) and forgets translations of the old code. */
static inline void load_code(Fixture *f, uint64_t addr, const void *code, size_t len)
{
    memcpy(f->m.ram + addr, code, len);
    f->m.ram[addr + len] = 0xf4;
    tb_cache_flush(tcg_runner_tb_cache(f->r));
    x86_tlb_flush(f->env, true);
}

static inline int run(Fixture *f)
{
    return tcg_runner_run(f->r, &f->cpu, 100000);
}

static inline uint32_t eflags_of(Fixture *f)
{
    return x86_read_eflags(f->env);
}

static inline void set_arith_flags(Fixture *f, uint32_t flags)
{
    x86_write_eflags(f->env, flags, CC_MASK | DF_MASK | TF_MASK);
}

/* ---- the host side ---- */

typedef struct Regs {
    uint64_t r[16];
    uint64_t flags;
} Regs;

/* pac_native_enter(ctx, code): loads every register but rSP from ctx (and the
 * arithmetic flags and DF), "returns" into code, which ends with a jump to
 * pac_native_exit; that stores the registers and flags back into ctx (found on the
 * stack) and returns to the caller. */
void pac_native_enter(Regs *ctx, uint64_t code);
extern const char pac_native_exit[];
__asm__(".text\n"
        ".globl pac_native_enter\n"
        ".type pac_native_enter, @function\n"
        "pac_native_enter:\n"
        "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
        "  push %rdi\n"
        "  push %rsi\n"
        "  pushq 128(%rdi)\n popfq\n"
        "  mov 0(%rdi), %rax\n mov 8(%rdi), %rcx\n mov 16(%rdi), %rdx\n mov 24(%rdi), %rbx\n"
        "  mov 40(%rdi), %rbp\n mov 48(%rdi), %rsi\n mov 64(%rdi), %r8\n mov 72(%rdi), %r9\n"
        "  mov 80(%rdi), %r10\n mov 88(%rdi), %r11\n mov 96(%rdi), %r12\n"
        "  mov 104(%rdi), %r13\n mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n"
        "  mov 56(%rdi), %rdi\n"
        "  ret\n"
        ".globl pac_native_exit\n"
        "pac_native_exit:\n"
        "  xchg %rdi, (%rsp)\n"
        "  mov %rax, 0(%rdi)\n mov %rcx, 8(%rdi)\n mov %rdx, 16(%rdi)\n mov %rbx, 24(%rdi)\n"
        "  mov %rbp, 40(%rdi)\n mov %rsi, 48(%rdi)\n mov %r8, 64(%rdi)\n mov %r9, 72(%rdi)\n"
        "  mov %r10, 80(%rdi)\n mov %r11, 88(%rdi)\n mov %r12, 96(%rdi)\n"
        "  mov %r13, 104(%rdi)\n mov %r14, 112(%rdi)\n mov %r15, 120(%rdi)\n"
        "  pushfq\n pop 128(%rdi)\n"
        "  pop 56(%rdi)\n"
        "  cld\n"
        "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
        "  ret\n");

typedef struct Host {
    bool ok;
    uint8_t *data, *code;
} Host;

/* The host copies of the data and code pages, at the guest's addresses. */
static inline Host host_map(void)
{
    Host h = {0};
    void *d = mmap((void *)(uintptr_t)DATA, DATA_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *c = mmap((void *)(uintptr_t)CODE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    h.ok = d == (void *)(uintptr_t)DATA && c == (void *)(uintptr_t)CODE;
    if (!h.ok) {
        if (d != MAP_FAILED)
            munmap(d, DATA_SIZE);
        if (c != MAP_FAILED)
            munmap(c, CODE_SIZE);
        return h;
    }
    h.data = d;
    h.code = c;
    return h;
}

static inline void host_unmap(Host *h)
{
    if (h->ok) {
        munmap(h->data, DATA_SIZE);
        munmap(h->code, CODE_SIZE);
    }
}

/* Code, then "jmp [rip+0]" to pac_native_exit. */
static inline void host_load_code(Host *h, const void *code, size_t len)
{
    static const uint8_t jmp_rip[6] = {0xff, 0x25, 0, 0, 0, 0};
    uint64_t exit_addr = (uint64_t)(uintptr_t)pac_native_exit;
    memcpy(h->code, code, len);
    memcpy(h->code + len, jmp_rip, sizeof(jmp_rip));
    memcpy(h->code + len + sizeof(jmp_rip), &exit_addr, 8);
    __builtin___clear_cache((char *)h->code, (char *)h->code + len + 14);
}

/* ---- one instruction (or snippet), many inputs ---- */

typedef uint32_t (*MaskFn)(const Regs *in);
typedef void (*Fixup)(Regs *r, uint8_t *data, GRand *g);

typedef struct Insn {
    const char *text;
    const char *bytes;
    size_t len;
    uint32_t mask;  /* arithmetic flags compared (DF always is) */
    MaskFn mask_fn; /* or computed from the inputs */
    Fixup fix;      /* adjusts random inputs to what the instruction needs */
} Insn;

#define INSN(text, bytes, mask, fn, fix)                                                           \
    {                                                                                              \
        text, bytes, sizeof(bytes) - 1, mask, fn, fix                                              \
    }

#define ALL    CC_MASK
#define LOGIC  (CC_MASK & ~CC_A)
#define NONE   0u
#define MULF   (CC_C | CC_O)
#define CF     CC_C
#define ZF     CC_Z
#define CZ     (CC_C | CC_Z)
#define SZCO   (CC_S | CC_Z | CC_C | CC_O)
#define ZCO    (CC_Z | CC_C | CC_O)
#define SHIFT1 (CC_C | CC_O | CC_S | CC_Z | CC_P)
#define SHIFTN (CC_C | CC_S | CC_Z | CC_P)
#define ROT1   CC_MASK
#define ROTN   (CC_MASK & ~CC_O)

static inline uint64_t size_mask(unsigned bits)
{
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/* SDM Vol 2B SAL/SAR/SHL/SHR: a zero count changes no flag; AF is undefined after a
 * nonzero one, OF after a count above 1, CF after SHL/SHR by the width or more. */
static inline uint32_t shift_mask(const Regs *in, unsigned bits, bool sar)
{
    unsigned n = (unsigned)(in->r[R_ECX] & (bits == 64 ? 63 : 31));
    if (n == 0)
        return CC_MASK;
    uint32_t m = CC_S | CC_Z | CC_P;
    if (sar || n < bits)
        m |= CC_C;
    if (n == 1)
        m |= CC_O;
    return m;
}

/* Rotates change only CF and OF; OF is undefined for counts above 1. */
static inline uint32_t rot_mask(const Regs *in, unsigned bits)
{
    unsigned n = (unsigned)(in->r[R_ECX] & (bits == 64 ? 63 : 31));
    return n <= 1 ? CC_MASK : CC_MASK & ~CC_O;
}

/* SHLD/SHRD: like the shifts (the 16-bit counts are kept within 16 by fix_count16). */
static inline uint32_t shd_mask(const Regs *in, unsigned bits)
{
    unsigned n = (unsigned)(in->r[R_ECX] & (bits == 64 ? 63 : 31));
    if (n == 0)
        return CC_MASK;
    return n == 1 ? SHIFT1 : SHIFTN;
}

#define MASKS(bits)                                                                                \
    static inline uint32_t m_shift##bits(const Regs *in)                                           \
    {                                                                                              \
        return shift_mask(in, bits, false);                                                        \
    }                                                                                              \
    static inline uint32_t m_sar##bits(const Regs *in)                                             \
    {                                                                                              \
        return shift_mask(in, bits, true);                                                         \
    }                                                                                              \
    static inline uint32_t m_rot##bits(const Regs *in)                                             \
    {                                                                                              \
        return rot_mask(in, bits);                                                                 \
    }
#define SHD_MASK(bits)                                                                             \
    static inline uint32_t m_shd##bits(const Regs *in)                                             \
    {                                                                                              \
        return shd_mask(in, bits);                                                                 \
    }
MASKS(8)
MASKS(16)
MASKS(32)
MASKS(64)
SHD_MASK(16)
SHD_MASK(32)
SHD_MASK(64)

static inline uint64_t interesting(GRand *g)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     2,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x7fff,
                                     0x8000,
                                     0xffff,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x7fffffffffffffff,
                                     0x8000000000000000,
                                     ~0ull,
                                     0x0f,
                                     0x10,
                                     0x100,
                                     0xfffffffe,
                                     0x8080808080808080};
    switch (g_rand_int_range(g, 0, 4)) {
    case 0: return edges[g_rand_int_range(g, 0, G_N_ELEMENTS(edges))];
    case 1: return (uint64_t)g_rand_int_range(g, 0, 64);
    default: return ((uint64_t)g_rand_int(g) << 32) | g_rand_int(g);
    }
}

static inline uint64_t rand_range(GRand *g, int64_t lo, int64_t hi)
{
    return (uint64_t)(lo + (int64_t)g_rand_double_range(g, 0, (double)(hi - lo + 1)));
}

/* ---- fixups ---- */

static inline void fix_count16(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = rand_range(g, 0, 16);
}

/* DIV: a nonzero divisor greater than the high half, so that the quotient fits. */
static inline void fix_div(Regs *r, GRand *g, unsigned bits)
{
    uint64_t m = size_mask(bits);
    uint64_t divisor = r->r[R_ECX] & m;
    if (!divisor)
        divisor = 1;
    r->r[R_ECX] = (r->r[R_ECX] & ~m) | divisor;
    uint64_t high = (((uint64_t)g_rand_int(g) << 32) | g_rand_int(g)) % divisor;
    if (bits == 8)
        r->r[R_EAX] = (r->r[R_EAX] & ~0xff00ull) | (high << 8);
    else
        r->r[R_EDX] = (r->r[R_EDX] & ~m) | high;
}

/* IDIV: the dividend is the sign extension of the low half, the divisor nonzero and
 * not -1 for the most negative dividend. */
static inline void fix_idiv(Regs *r, GRand *g, unsigned bits)
{
    (void)g;
    uint64_t m = size_mask(bits), sign = 1ull << (bits - 1);
    uint64_t low = (bits == 8 ? r->r[R_EAX] : r->r[R_EAX]) & m;
    uint64_t high = (low & sign) ? m : 0;
    uint64_t divisor = r->r[R_ECX] & m;
    if (!divisor || (divisor == m && low == sign))
        divisor = 3;
    r->r[R_ECX] = (r->r[R_ECX] & ~m) | divisor;
    if (bits == 8)
        r->r[R_EAX] = (r->r[R_EAX] & ~0xff00ull) | ((high & 0xff) << 8);
    else
        r->r[R_EDX] = (r->r[R_EDX] & ~m) | high;
}

#define DIV_FIXUPS(bits)                                                                           \
    static inline void fix_div##bits(Regs *r, uint8_t *data, GRand *g)                             \
    {                                                                                              \
        (void)data;                                                                                \
        fix_div(r, g, bits);                                                                       \
    }                                                                                              \
    static inline void fix_idiv##bits(Regs *r, uint8_t *data, GRand *g)                            \
    {                                                                                              \
        (void)data;                                                                                \
        fix_idiv(r, g, bits);                                                                      \
    }
DIV_FIXUPS(8)
DIV_FIXUPS(16)
DIV_FIXUPS(32)
DIV_FIXUPS(64)

/* BT with a memory operand: a bit offset that stays within the data page. */
static inline void fix_btmem(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = rand_range(g, -2048, 2047);
}

/* Bit scans: a zero source now and then; the destination's upper half clear (a 32-bit
 * BSF/BSR of zero: AMD keeps it, Intel clears it). */
static inline void fix_scan(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    if (g_rand_int_range(g, 0, 4) == 0)
        r->r[R_EBX] = 0;
    r->r[R_EAX] &= 0xffffffff;
}

static inline void fix_scan_mem(Regs *r, uint8_t *data, GRand *g)
{
    if (g_rand_int_range(g, 0, 4) == 0)
        memset(data + (DATA_MID - DATA), 0, 8);
    r->r[R_EAX] &= 0xffffffff;
}

static inline void fix_bextr(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = (r->r[R_ECX] & ~0xffffull) | (rand_range(g, 0, 70) << 8) | rand_range(g, 0, 70);
}

static inline void fix_bzhi(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = (r->r[R_ECX] & ~0xffull) | rand_range(g, 0, 70);
}

/* CMPXCHG family: often make the comparison succeed (register destination rBX, or the
 * memory operand, in the layouts of CMPXCHG and CMPXCHG8B). */
static inline void fix_cmpxchg(Regs *r, uint8_t *data, GRand *g)
{
    uint8_t *mem = data + (DATA_MID - DATA);
    uint32_t lo = (uint32_t)r->r[R_EAX], hi = (uint32_t)r->r[R_EDX];
    switch (g_rand_int_range(g, 0, 4)) {
    case 0: r->r[R_EAX] = r->r[R_EBX]; break;
    case 1:
        memcpy(mem, &r->r[R_EAX], 8);
        memcpy(mem + 8, &r->r[R_EDX], 8);
        break;
    case 2:
        memcpy(mem, &lo, 4);
        memcpy(mem + 4, &hi, 4);
        break;
    default: break;
    }
}

/* ADCX/ADOX: an all-ones destination and a carry in now and then (the carry out of
 * the first addition). */
static inline void fix_adx(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    if (g_rand_boolean(g))
        r->r[R_EAX] = ~0ull;
    if (g_rand_boolean(g))
        r->flags |= CC_C | CC_O;
}

static inline void fix_str(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ESI] = DATA + 0x100 + rand_range(g, 0, 15);
    r->r[R_EDI] = DATA + 0x400 + rand_range(g, 0, 15);
    r->r[R_ECX] = g_rand_int_range(g, 0, 5) == 0 ? 0 : rand_range(g, 1, 40);
}

/* 32-bit addresses in 64-bit mode: the upper halves of rSI, rDI and rCX are ignored
 * and cleared. */
static inline void fix_str32(Regs *r, uint8_t *data, GRand *g)
{
    fix_str(r, data, g);
    r->r[R_ESI] |= (uint64_t)g_rand_int(g) << 32;
    r->r[R_EDI] |= (uint64_t)g_rand_int(g) << 32;
    r->r[R_ECX] |= (uint64_t)g_rand_int(g) << 32;
}

static inline void fix_cmps(Regs *r, uint8_t *data, GRand *g)
{
    fix_str(r, data, g);
    unsigned same = (unsigned)rand_range(g, 0, 48);
    memcpy(data + (r->r[R_EDI] - DATA), data + (r->r[R_ESI] - DATA), same);
}

static inline void fix_scas(Regs *r, uint8_t *data, GRand *g)
{
    fix_str(r, data, g);
    unsigned at = (unsigned)rand_range(g, 0, 48);
    r->r[R_EAX] = data[r->r[R_EDI] - DATA + at];
    if (g_rand_boolean(g))
        memset(data + (r->r[R_EDI] - DATA), (int)r->r[R_EAX], at);
}

static inline void fix_enter(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    (void)g;
    r->r[R_EBP] = DATA_MID;
}

/* "push rax; ...; ret": return to the end of the 9-byte snippet. */
static inline void fix_ret(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    (void)g;
    r->r[R_EAX] = CODE + 9;
}

/* ---- the comparison ---- */

static inline void dump_regs(const char *what, const Regs *r)
{
    static const char *const names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    GString *s = g_string_new(what);
    for (int i = 0; i < 16; i++)
        g_string_append_printf(s, " %s=%llx", names[i], (unsigned long long)r->r[i]);
    g_string_append_printf(s, " flags=%llx", (unsigned long long)r->flags);
    g_test_message("%s", s->str);
    g_string_free(s, TRUE);
}

/* Runs insn with in (and the data page) natively and under the emulator; returns
 * whether every register, the compared flags and the data page agree. */
static inline bool compare_one(Fixture *f, Host *h, const Insn *insn, const Regs *in,
                               const uint8_t *data)
{
    Regs nat = *in, emu;
    nat.flags = (in->flags & (CC_MASK | DF_MASK)) | EFLAGS_FIXED;
    memcpy(h->data, data, DATA_SIZE);
    pac_native_enter(&nat, CODE);

    CPUX86State *env = f->env;
    memcpy(f->m.ram + DATA, data, DATA_SIZE);
    memcpy(env->regs, in->r, sizeof(env->regs));
    env->regs[R_ESP] = STACK_TOP;
    env->rip = CODE;
    set_arith_flags(f, (uint32_t)in->flags);
    int vector = run(f);
    memcpy(emu.r, env->regs, sizeof(emu.r));
    emu.flags = eflags_of(f);

    uint32_t mask = (insn->mask_fn ? insn->mask_fn(in) : insn->mask) | DF_MASK;
    bool same = vector == EXCP_HLT && env->rip == CODE + insn->len + 1 &&
                (nat.flags & mask) == (emu.flags & mask) &&
                !memcmp(h->data, f->m.ram + DATA, DATA_SIZE);
    for (int i = 0; i < 16; i++)
        same = same && (i == R_ESP || nat.r[i] == emu.r[i]);
    if (!same) {
        g_test_message("%s: vector %d rip %llx, flags compared %x", insn->text, vector,
                       (unsigned long long)env->rip, mask);
        dump_regs("in    ", in);
        dump_regs("host  ", &nat);
        dump_regs("pacif.", &emu);
        for (unsigned i = 0; i < DATA_SIZE; i++) {
            if (h->data[i] != f->m.ram[DATA + i]) {
                g_test_message("first memory difference at %x: host %02x pacifica %02x", DATA + i,
                               h->data[i], f->m.ram[DATA + i]);
                break;
            }
        }
    }
    return same;
}

static inline void random_data(uint8_t *data, GRand *g)
{
    for (unsigned i = 0; i < DATA_SIZE; i += 4) {
        uint32_t v = g_rand_int(g);
        memcpy(data + i, &v, 4);
    }
}

/* Every instruction of the table with RUNS random inputs, in 64-bit mode. */
static inline void compare_table(const Insn *insns, size_t n, guint32 seed)
{
    Host h = host_map();
    if (!h.ok) {
        g_test_skip("cannot map the host copies of code and data at the guest addresses");
        return;
    }
    Fixture f;
    fixture_init(&f, MODE_LONG);
    GRand *g = g_rand_new_with_seed(seed);
    uint8_t *data = g_malloc(DATA_SIZE);
    unsigned failures = 0;
    for (size_t k = 0; k < n && failures < 5; k++) {
        const Insn *insn = &insns[k];
        load_code(&f, CODE, insn->bytes, insn->len);
        host_load_code(&h, insn->bytes, insn->len);
        for (int run_no = 0; run_no < RUNS; run_no++) {
            Regs in;
            for (int i = 0; i < 16; i++)
                in.r[i] = interesting(g);
            in.r[R_EBX] = DATA_MID;
            in.r[R_ESP] = 0;
            in.flags = g_rand_int(g) & CC_MASK;
            random_data(data, g);
            if (insn->fix)
                insn->fix(&in, data, g);
            if (!compare_one(&f, &h, insn, &in, data)) {
                failures++;
                break;
            }
        }
    }
    g_rand_free(g);
    g_free(data);
    fixture_fini(&f);
    host_unmap(&h);
    g_assert_cmpuint(failures, ==, 0);
}

#define COMPARE_TABLE(table, seed) compare_table(table, G_N_ELEMENTS(table), seed)

#endif
