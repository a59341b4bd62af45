/* Integer instructions run under the emulator (TcgRunner) and, where the host can run
 * them, natively: the host is x86-64, so each snippet is also executed by the host CPU
 * and every register, the arithmetic flags the SDM defines and the touched memory are
 * compared. Guest code and data sit at the same addresses as the host copies (fixed
 * mappings at DATA and CODE), so RIP-relative operands, return addresses and memory
 * operands mean the same thing in both. The emulator runs in 64-bit mode with
 * identity-mapped 4-level paging; legacy-only instructions (BCD, BOUND, PUSHA, 16-bit
 * addressing) have directed tests in 32-bit protected mode and real mode, with values
 * from the SDM's examples or worked by hand. One test per instruction family.
 *
 * The host is an AMD part and Pacifica models Intel: flags the SDM leaves undefined are
 * masked, and the inputs avoid the few places where the two vendors differ (a 32-bit
 * BSF/BSR with a zero source, PUSH of a segment register). */
#include <glib.h>
#include <pthread.h>
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

static void put64(Fixture *f, uint64_t pa, uint64_t v)
{
    memcpy(f->m.ram + pa, &v, 8);
}

static uint64_t get64(Fixture *f, uint64_t pa)
{
    uint64_t v;
    memcpy(&v, f->m.ram + pa, 8);
    return v;
}

static uint32_t get32(Fixture *f, uint64_t pa)
{
    uint32_t v;
    memcpy(&v, f->m.ram + pa, 4);
    return v;
}

static void put32(Fixture *f, uint64_t pa, uint32_t v)
{
    memcpy(f->m.ram + pa, &v, 4);
}

static void set_seg(CPUX86State *env, int seg, uint16_t sel, uint32_t flags)
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
static void fixture_init(Fixture *f, Mode mode)
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

static void fixture_fini(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
}

/* Places code at addr (followed by HLT) and forgets translations of the old code. */
static void load_code(Fixture *f, uint64_t addr, const void *code, size_t len)
{
    memcpy(f->m.ram + addr, code, len);
    f->m.ram[addr + len] = 0xf4;
    tb_cache_flush(tcg_runner_tb_cache(f->r));
    x86_tlb_flush(f->env, true);
}

static int run(Fixture *f)
{
    return tcg_runner_run(f->r, &f->cpu, 100000);
}

static uint32_t eflags_of(Fixture *f)
{
    return x86_read_eflags(f->env);
}

static void set_arith_flags(Fixture *f, uint32_t flags)
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
static Host host_map(void)
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

static void host_unmap(Host *h)
{
    if (h->ok) {
        munmap(h->data, DATA_SIZE);
        munmap(h->code, CODE_SIZE);
    }
}

/* Code, then "jmp [rip+0]" to pac_native_exit. */
static void host_load_code(Host *h, const void *code, size_t len)
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

static uint64_t size_mask(unsigned bits)
{
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/* SDM Vol 2B SAL/SAR/SHL/SHR: a zero count changes no flag; AF is undefined after a
 * nonzero one, OF after a count above 1, CF after SHL/SHR by the width or more. */
static uint32_t shift_mask(const Regs *in, unsigned bits, bool sar)
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
static uint32_t rot_mask(const Regs *in, unsigned bits)
{
    unsigned n = (unsigned)(in->r[R_ECX] & (bits == 64 ? 63 : 31));
    return n <= 1 ? CC_MASK : CC_MASK & ~CC_O;
}

/* SHLD/SHRD: like the shifts (the 16-bit counts are kept within 16 by fix_count16). */
static uint32_t shd_mask(const Regs *in, unsigned bits)
{
    unsigned n = (unsigned)(in->r[R_ECX] & (bits == 64 ? 63 : 31));
    if (n == 0)
        return CC_MASK;
    return n == 1 ? SHIFT1 : SHIFTN;
}

#define MASKS(bits)                                                                                \
    static uint32_t m_shift##bits(const Regs *in)                                                  \
    {                                                                                              \
        return shift_mask(in, bits, false);                                                        \
    }                                                                                              \
    static uint32_t m_sar##bits(const Regs *in)                                                    \
    {                                                                                              \
        return shift_mask(in, bits, true);                                                         \
    }                                                                                              \
    static uint32_t m_rot##bits(const Regs *in)                                                    \
    {                                                                                              \
        return rot_mask(in, bits);                                                                 \
    }
#define SHD_MASK(bits)                                                                             \
    static uint32_t m_shd##bits(const Regs *in)                                                    \
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

static uint64_t interesting(GRand *g)
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

static uint64_t rand_range(GRand *g, int64_t lo, int64_t hi)
{
    return (uint64_t)(lo + (int64_t)g_rand_double_range(g, 0, (double)(hi - lo + 1)));
}

/* ---- fixups ---- */

static void fix_count16(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = rand_range(g, 0, 16);
}

/* DIV: a nonzero divisor greater than the high half, so that the quotient fits. */
static void fix_div(Regs *r, GRand *g, unsigned bits)
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
static void fix_idiv(Regs *r, GRand *g, unsigned bits)
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
    static void fix_div##bits(Regs *r, uint8_t *data, GRand *g)                                    \
    {                                                                                              \
        (void)data;                                                                                \
        fix_div(r, g, bits);                                                                       \
    }                                                                                              \
    static void fix_idiv##bits(Regs *r, uint8_t *data, GRand *g)                                   \
    {                                                                                              \
        (void)data;                                                                                \
        fix_idiv(r, g, bits);                                                                      \
    }
DIV_FIXUPS(8)
DIV_FIXUPS(16)
DIV_FIXUPS(32)
DIV_FIXUPS(64)

/* BT with a memory operand: a bit offset that stays within the data page. */
static void fix_btmem(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = rand_range(g, -2048, 2047);
}

/* Bit scans: a zero source now and then; the destination's upper half clear (a 32-bit
 * BSF/BSR of zero: AMD keeps it, Intel clears it). */
static void fix_scan(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    if (g_rand_int_range(g, 0, 4) == 0)
        r->r[R_EBX] = 0;
    r->r[R_EAX] &= 0xffffffff;
}

static void fix_scan_mem(Regs *r, uint8_t *data, GRand *g)
{
    if (g_rand_int_range(g, 0, 4) == 0)
        memset(data + (DATA_MID - DATA), 0, 8);
    r->r[R_EAX] &= 0xffffffff;
}

static void fix_bextr(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = (r->r[R_ECX] & ~0xffffull) | (rand_range(g, 0, 70) << 8) | rand_range(g, 0, 70);
}

static void fix_bzhi(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ECX] = (r->r[R_ECX] & ~0xffull) | rand_range(g, 0, 70);
}

/* CMPXCHG family: often make the comparison succeed (register destination rBX, or the
 * memory operand, in the layouts of CMPXCHG and CMPXCHG8B). */
static void fix_cmpxchg(Regs *r, uint8_t *data, GRand *g)
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
static void fix_adx(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    if (g_rand_boolean(g))
        r->r[R_EAX] = ~0ull;
    if (g_rand_boolean(g))
        r->flags |= CC_C | CC_O;
}

static void fix_str(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    r->r[R_ESI] = DATA + 0x100 + rand_range(g, 0, 15);
    r->r[R_EDI] = DATA + 0x400 + rand_range(g, 0, 15);
    r->r[R_ECX] = g_rand_int_range(g, 0, 5) == 0 ? 0 : rand_range(g, 1, 40);
}

/* 32-bit addresses in 64-bit mode: the upper halves of rSI, rDI and rCX are ignored
 * and cleared. */
static void fix_str32(Regs *r, uint8_t *data, GRand *g)
{
    fix_str(r, data, g);
    r->r[R_ESI] |= (uint64_t)g_rand_int(g) << 32;
    r->r[R_EDI] |= (uint64_t)g_rand_int(g) << 32;
    r->r[R_ECX] |= (uint64_t)g_rand_int(g) << 32;
}

static void fix_cmps(Regs *r, uint8_t *data, GRand *g)
{
    fix_str(r, data, g);
    unsigned same = (unsigned)rand_range(g, 0, 48);
    memcpy(data + (r->r[R_EDI] - DATA), data + (r->r[R_ESI] - DATA), same);
}

static void fix_scas(Regs *r, uint8_t *data, GRand *g)
{
    fix_str(r, data, g);
    unsigned at = (unsigned)rand_range(g, 0, 48);
    r->r[R_EAX] = data[r->r[R_EDI] - DATA + at];
    if (g_rand_boolean(g))
        memset(data + (r->r[R_EDI] - DATA), (int)r->r[R_EAX], at);
}

static void fix_enter(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    (void)g;
    r->r[R_EBP] = DATA_MID;
}

/* "push rax; ...; ret": return to the end of the 9-byte snippet. */
static void fix_ret(Regs *r, uint8_t *data, GRand *g)
{
    (void)data;
    (void)g;
    r->r[R_EAX] = CODE + 9;
}

/* ---- the comparison ---- */

static void dump_regs(const char *what, const Regs *r)
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
static bool compare_one(Fixture *f, Host *h, const Insn *insn, const Regs *in, const uint8_t *data)
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

static void random_data(uint8_t *data, GRand *g)
{
    for (unsigned i = 0; i < DATA_SIZE; i += 4) {
        uint32_t v = g_rand_int(g);
        memcpy(data + i, &v, 4);
    }
}

/* Every instruction of the table with RUNS random inputs, in 64-bit mode. */
static void compare_table(const Insn *insns, size_t n, guint32 seed)
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
/* ALU: ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG NOT, LOCK forms */
static const Insn alu_insns[] = {
    // ADD ADC SUB SBB CMP: every flag
    INSN("add al, bl", "\x00\xd8", ALL, NULL, NULL),
    INSN("add ah, bh", "\x00\xfc", ALL, NULL, NULL),
    INSN("add ax, bx", "\x66\x01\xd8", ALL, NULL, NULL),
    INSN("add eax, ebx", "\x01\xd8", ALL, NULL, NULL),
    INSN("add rax, rbx", "\x48\x01\xd8", ALL, NULL, NULL),
    INSN("add r9, r10", "\x4d\x01\xd1", ALL, NULL, NULL),
    INSN("add [rbx], ecx", "\x01\x0b", ALL, NULL, NULL),
    INSN("add ecx, [rbx+8]", "\x03\x4b\x08", ALL, NULL, NULL),
    INSN("add qword [rbx+8], 0x12", "\x48\x83\x43\x08\x12", ALL, NULL, NULL),
    INSN("add byte [rbx], 0x80", "\x80\x03\x80", ALL, NULL, NULL),
    INSN("add eax, 0x12345678", "\x05\x78\x56\x34\x12", ALL, NULL, NULL),
    INSN("add rax, -0x12345678", "\x48\x05\x88\xa9\xcb\xed", ALL, NULL, NULL),
    INSN("add al, 0x7f", "\x04\x7f", ALL, NULL, NULL),
    INSN("lock add dword [rbx], ecx", "\xf0\x01\x0b", ALL, NULL, NULL),
    INSN("adc al, bl", "\x10\xd8", ALL, NULL, NULL),
    INSN("adc cx, dx", "\x66\x11\xd1", ALL, NULL, NULL),
    INSN("adc eax, ebx", "\x11\xd8", ALL, NULL, NULL),
    INSN("adc rax, rbx", "\x48\x11\xd8", ALL, NULL, NULL),
    INSN("adc qword [rbx], rcx", "\x48\x11\x0b", ALL, NULL, NULL),
    INSN("lock adc word [rbx], cx", "\xf0\x66\x11\x0b", ALL, NULL, NULL),
    INSN("lock adc qword [rbx], rcx", "\xf0\x48\x11\x0b", ALL, NULL, NULL),
    INSN("sub al, bl", "\x28\xd8", ALL, NULL, NULL),
    INSN("sub bh, ch", "\x28\xef", ALL, NULL, NULL),
    INSN("sub ax, bx", "\x66\x29\xd8", ALL, NULL, NULL),
    INSN("sub eax, ebx", "\x29\xd8", ALL, NULL, NULL),
    INSN("sub rax, rbx", "\x48\x29\xd8", ALL, NULL, NULL),
    INSN("sub r12d, 7", "\x41\x83\xec\x07", ALL, NULL, NULL),
    INSN("lock sub byte [rbx], cl", "\xf0\x28\x0b", ALL, NULL, NULL),
    INSN("sbb al, bl", "\x18\xd8", ALL, NULL, NULL),
    INSN("sbb ax, bx", "\x66\x19\xd8", ALL, NULL, NULL),
    INSN("sbb eax, ebx", "\x19\xd8", ALL, NULL, NULL),
    INSN("sbb rax, rbx", "\x48\x19\xd8", ALL, NULL, NULL),
    INSN("sbb ecx, [rbx]", "\x1b\x0b", ALL, NULL, NULL),
    INSN("lock sbb dword [rbx], ecx", "\xf0\x19\x0b", ALL, NULL, NULL),
    INSN("cmp al, bl", "\x38\xd8", ALL, NULL, NULL),
    INSN("cmp ax, bx", "\x66\x39\xd8", ALL, NULL, NULL),
    INSN("cmp eax, ebx", "\x39\xd8", ALL, NULL, NULL),
    INSN("cmp rax, rbx", "\x48\x39\xd8", ALL, NULL, NULL),
    INSN("cmp [rbx], rcx", "\x48\x39\x0b", ALL, NULL, NULL),
    INSN("cmp eax, -1", "\x83\xf8\xff", ALL, NULL, NULL),
    // AND OR XOR TEST: AF undefined
    INSN("and al, bl", "\x20\xd8", LOGIC, NULL, NULL),
    INSN("and ax, bx", "\x66\x21\xd8", LOGIC, NULL, NULL),
    INSN("and eax, ebx", "\x21\xd8", LOGIC, NULL, NULL),
    INSN("and rax, rbx", "\x48\x21\xd8", LOGIC, NULL, NULL),
    INSN("and rax, -16", "\x48\x83\xe0\xf0", LOGIC, NULL, NULL),
    INSN("lock and qword [rbx], rcx", "\xf0\x48\x21\x0b", LOGIC, NULL, NULL),
    INSN("or al, bl", "\x08\xd8", LOGIC, NULL, NULL),
    INSN("or ax, bx", "\x66\x09\xd8", LOGIC, NULL, NULL),
    INSN("or eax, ebx", "\x09\xd8", LOGIC, NULL, NULL),
    INSN("or r8, r11", "\x4d\x09\xd8", LOGIC, NULL, NULL),
    INSN("lock or word [rbx], cx", "\xf0\x66\x09\x0b", LOGIC, NULL, NULL),
    INSN("xor al, bl", "\x30\xd8", LOGIC, NULL, NULL),
    INSN("xor ax, bx", "\x66\x31\xd8", LOGIC, NULL, NULL),
    INSN("xor eax, ebx", "\x31\xd8", LOGIC, NULL, NULL),
    INSN("xor rax, rbx", "\x48\x31\xd8", LOGIC, NULL, NULL),
    INSN("lock xor byte [rbx], 0x5a", "\xf0\x80\x33\x5a", LOGIC, NULL, NULL),
    INSN("test al, bl", "\x84\xd8", LOGIC, NULL, NULL),
    INSN("test ax, bx", "\x66\x85\xd8", LOGIC, NULL, NULL),
    INSN("test eax, ebx", "\x85\xd8", LOGIC, NULL, NULL),
    INSN("test rax, rbx", "\x48\x85\xd8", LOGIC, NULL, NULL),
    INSN("test byte [rbx], 0x81", "\xf6\x03\x81", LOGIC, NULL, NULL),
    // INC DEC NEG NOT
    INSN("inc al", "\xfe\xc0", ALL, NULL, NULL),
    INSN("inc ax", "\x66\xff\xc0", ALL, NULL, NULL),
    INSN("inc eax", "\xff\xc0", ALL, NULL, NULL),
    INSN("inc rax", "\x48\xff\xc0", ALL, NULL, NULL),
    INSN("inc byte [rbx]", "\xfe\x03", ALL, NULL, NULL),
    INSN("lock inc dword [rbx]", "\xf0\xff\x03", ALL, NULL, NULL),
    INSN("dec r8w", "\x66\x41\xff\xc8", ALL, NULL, NULL),
    INSN("dec ecx", "\xff\xc9", ALL, NULL, NULL),
    INSN("dec rcx", "\x48\xff\xc9", ALL, NULL, NULL),
    INSN("lock dec qword [rbx]", "\xf0\x48\xff\x0b", ALL, NULL, NULL),
    INSN("neg al", "\xf6\xd8", ALL, NULL, NULL),
    INSN("neg ax", "\x66\xf7\xd8", ALL, NULL, NULL),
    INSN("neg eax", "\xf7\xd8", ALL, NULL, NULL),
    INSN("neg rax", "\x48\xf7\xd8", ALL, NULL, NULL),
    INSN("lock neg qword [rbx]", "\xf0\x48\xf7\x1b", ALL, NULL, NULL),
    INSN("lock neg byte [rbx]", "\xf0\xf6\x1b", ALL, NULL, NULL),
    INSN("not al", "\xf6\xd0", ALL, NULL, NULL),
    INSN("not eax", "\xf7\xd0", ALL, NULL, NULL),
    INSN("not rax", "\x48\xf7\xd0", ALL, NULL, NULL),
    INSN("lock not word [rbx]", "\xf0\x66\xf7\x13", ALL, NULL, NULL),
};

static void test_alu(void)
{
    COMPARE_TABLE(alu_insns, 1000);
}

/* SHL SHR SAR ROL ROR RCL RCR */
static const Insn shift_insns[] = {
    INSN("shl al, cl", "\xd2\xe0", 0, m_shift8, NULL),
    INSN("shl ax, cl", "\x66\xd3\xe0", 0, m_shift16, NULL),
    INSN("shl eax, cl", "\xd3\xe0", 0, m_shift32, NULL),
    INSN("shl rax, cl", "\x48\xd3\xe0", 0, m_shift64, NULL),
    INSN("shl byte [rbx], cl", "\xd2\x23", 0, m_shift8, NULL),
    INSN("shl eax, 1", "\xd1\xe0", SHIFT1, NULL, NULL),
    INSN("shl ebx, 5", "\xc1\xe3\x05", SHIFTN, NULL, NULL),
    INSN("shl rax, 63", "\x48\xc1\xe0\x3f", SHIFTN, NULL, NULL),
    INSN("shr al, cl", "\xd2\xe8", 0, m_shift8, NULL),
    INSN("shr ax, cl", "\x66\xd3\xe8", 0, m_shift16, NULL),
    INSN("shr eax, cl", "\xd3\xe8", 0, m_shift32, NULL),
    INSN("shr rax, cl", "\x48\xd3\xe8", 0, m_shift64, NULL),
    INSN("shr dword [rbx], cl", "\xd3\x2b", 0, m_shift32, NULL),
    INSN("shr ax, 1", "\x66\xd1\xe8", SHIFT1, NULL, NULL),
    INSN("shr rdx, 33", "\x48\xc1\xea\x21", SHIFTN, NULL, NULL),
    INSN("sar al, cl", "\xd2\xf8", 0, m_sar8, NULL),
    INSN("sar ax, cl", "\x66\xd3\xf8", 0, m_sar16, NULL),
    INSN("sar eax, cl", "\xd3\xf8", 0, m_sar32, NULL),
    INSN("sar rax, cl", "\x48\xd3\xf8", 0, m_sar64, NULL),
    INSN("sar qword [rbx], cl", "\x48\xd3\x3b", 0, m_sar64, NULL),
    INSN("sar bh, 1", "\xd0\xff", SHIFT1, NULL, NULL),
    INSN("sar ecx, 31", "\xc1\xf9\x1f", SHIFTN, NULL, NULL),
    INSN("rol al, cl", "\xd2\xc0", 0, m_rot8, NULL),
    INSN("rol ax, cl", "\x66\xd3\xc0", 0, m_rot16, NULL),
    INSN("rol eax, cl", "\xd3\xc0", 0, m_rot32, NULL),
    INSN("rol rax, cl", "\x48\xd3\xc0", 0, m_rot64, NULL),
    INSN("rol word [rbx], cl", "\x66\xd3\x03", 0, m_rot16, NULL),
    INSN("rol eax, 1", "\xd1\xc0", ROT1, NULL, NULL),
    INSN("rol eax, 12", "\xc1\xc0\x0c", ROTN, NULL, NULL),
    INSN("ror al, cl", "\xd2\xc8", 0, m_rot8, NULL),
    INSN("ror ax, cl", "\x66\xd3\xc8", 0, m_rot16, NULL),
    INSN("ror eax, cl", "\xd3\xc8", 0, m_rot32, NULL),
    INSN("ror rax, cl", "\x48\xd3\xc8", 0, m_rot64, NULL),
    INSN("ror rbx, 1", "\x48\xd1\xcb", ROT1, NULL, NULL),
    INSN("rcl al, cl", "\xd2\xd0", 0, m_rot8, NULL),
    INSN("rcl ax, cl", "\x66\xd3\xd0", 0, m_rot16, NULL),
    INSN("rcl eax, cl", "\xd3\xd0", 0, m_rot32, NULL),
    INSN("rcl rax, cl", "\x48\xd3\xd0", 0, m_rot64, NULL),
    INSN("rcl byte [rbx], 1", "\xd0\x13", ROT1, NULL, NULL),
    INSN("rcr al, cl", "\xd2\xd8", 0, m_rot8, NULL),
    INSN("rcr ax, cl", "\x66\xd3\xd8", 0, m_rot16, NULL),
    INSN("rcr eax, cl", "\xd3\xd8", 0, m_rot32, NULL),
    INSN("rcr rax, cl", "\x48\xd3\xd8", 0, m_rot64, NULL),
    INSN("rcr dword [rbx], 1", "\xd1\x1b", ROT1, NULL, NULL),
};

static void test_shift(void)
{
    COMPARE_TABLE(shift_insns, 1001);
}

/* SHLD SHRD */
static const Insn shiftd_insns[] = {
    INSN("shld ax, bx, cl", "\x66\x0f\xa5\xd8", 0, m_shd16, fix_count16),
    INSN("shld eax, ebx, cl", "\x0f\xa5\xd8", 0, m_shd32, NULL),
    INSN("shld rax, rbx, cl", "\x48\x0f\xa5\xd8", 0, m_shd64, NULL),
    INSN("shld [rbx], ecx, cl", "\x0f\xa5\x0b", 0, m_shd32, NULL),
    INSN("shld eax, edx, 1", "\x0f\xa4\xd0\x01", SHIFT1, NULL, NULL),
    INSN("shld eax, edx, 7", "\x0f\xa4\xd0\x07", SHIFTN, NULL, NULL),
    INSN("shld rax, rdx, 63", "\x48\x0f\xa4\xd0\x3f", SHIFTN, NULL, NULL),
    INSN("shld dx, ax, 16", "\x66\x0f\xa4\xc2\x10", SHIFTN, NULL, NULL),
    INSN("shrd ax, bx, cl", "\x66\x0f\xad\xd8", 0, m_shd16, fix_count16),
    INSN("shrd eax, ebx, cl", "\x0f\xad\xd8", 0, m_shd32, NULL),
    INSN("shrd rax, rbx, cl", "\x48\x0f\xad\xd8", 0, m_shd64, NULL),
    INSN("shrd [rbx], rcx, cl", "\x48\x0f\xad\x0b", 0, m_shd64, NULL),
    INSN("shrd eax, edx, 1", "\x0f\xac\xd0\x01", SHIFT1, NULL, NULL),
    INSN("shrd rax, rdx, 40", "\x48\x0f\xac\xd0\x28", SHIFTN, NULL, NULL),
    INSN("shrd word [rbx], dx, 9", "\x66\x0f\xac\x13\x09", SHIFTN, NULL, NULL),
};

static void test_shiftd(void)
{
    COMPARE_TABLE(shiftd_insns, 1002);
}

/* MUL IMUL DIV IDIV */
static const Insn muldiv_insns[] = {
    INSN("mul bl", "\xf6\xe3", MULF, NULL, NULL),
    INSN("mul bx", "\x66\xf7\xe3", MULF, NULL, NULL),
    INSN("mul ebx", "\xf7\xe3", MULF, NULL, NULL),
    INSN("mul rbx", "\x48\xf7\xe3", MULF, NULL, NULL),
    INSN("mul byte [rbx]", "\xf6\x23", MULF, NULL, NULL),
    INSN("imul bl", "\xf6\xeb", MULF, NULL, NULL),
    INSN("imul bx", "\x66\xf7\xeb", MULF, NULL, NULL),
    INSN("imul ebx", "\xf7\xeb", MULF, NULL, NULL),
    INSN("imul rbx", "\x48\xf7\xeb", MULF, NULL, NULL),
    INSN("imul qword [rbx]", "\x48\xf7\x2b", MULF, NULL, NULL),
    INSN("imul ax, cx", "\x66\x0f\xaf\xc1", MULF, NULL, NULL),
    INSN("imul eax, ecx", "\x0f\xaf\xc1", MULF, NULL, NULL),
    INSN("imul rax, [rbx]", "\x48\x0f\xaf\x03", MULF, NULL, NULL),
    INSN("imul ax, cx, 0x1234", "\x66\x69\xc1\x34\x12", MULF, NULL, NULL),
    INSN("imul ecx, edx, -5", "\x6b\xca\xfb", MULF, NULL, NULL),
    INSN("imul r8, r9, 0x7fffffff", "\x4d\x69\xc1\xff\xff\xff\x7f", MULF, NULL, NULL),
    INSN("div cl", "\xf6\xf1", NONE, NULL, fix_div8),
    INSN("div cx", "\x66\xf7\xf1", NONE, NULL, fix_div16),
    INSN("div ecx", "\xf7\xf1", NONE, NULL, fix_div32),
    INSN("div rcx", "\x48\xf7\xf1", NONE, NULL, fix_div64),
    INSN("idiv cl", "\xf6\xf9", NONE, NULL, fix_idiv8),
    INSN("idiv cx", "\x66\xf7\xf9", NONE, NULL, fix_idiv16),
    INSN("idiv ecx", "\xf7\xf9", NONE, NULL, fix_idiv32),
    INSN("idiv rcx", "\x48\xf7\xf9", NONE, NULL, fix_idiv64),
};

static void test_muldiv(void)
{
    COMPARE_TABLE(muldiv_insns, 1003);
}

/* BT BTS BTR BTC BSF BSR TZCNT LZCNT POPCNT */
static const Insn bits_insns[] = {
    // BT BTS BTR BTC: CF only
    INSN("bt ax, cx", "\x66\x0f\xa3\xc8", CF, NULL, NULL),
    INSN("bt eax, ecx", "\x0f\xa3\xc8", CF, NULL, NULL),
    INSN("bt rax, rcx", "\x48\x0f\xa3\xc8", CF, NULL, NULL),
    INSN("bt eax, 35", "\x0f\xba\xe0\x23", CF, NULL, NULL),
    INSN("bts ax, cx", "\x66\x0f\xab\xc8", CF, NULL, NULL),
    INSN("bts eax, ecx", "\x0f\xab\xc8", CF, NULL, NULL),
    INSN("bts rax, 63", "\x48\x0f\xba\xe8\x3f", CF, NULL, NULL),
    INSN("btr eax, ecx", "\x0f\xb3\xc8", CF, NULL, NULL),
    INSN("btr rax, rcx", "\x48\x0f\xb3\xc8", CF, NULL, NULL),
    INSN("btc ax, 17", "\x66\x0f\xba\xf8\x11", CF, NULL, NULL),
    INSN("btc rax, rcx", "\x48\x0f\xbb\xc8", CF, NULL, NULL),
    INSN("bt word [rbx], cx", "\x66\x0f\xa3\x0b", CF, NULL, fix_btmem),
    INSN("bt dword [rbx], ecx", "\x0f\xa3\x0b", CF, NULL, fix_btmem),
    INSN("bt qword [rbx], rcx", "\x48\x0f\xa3\x0b", CF, NULL, fix_btmem),
    INSN("bts dword [rbx], ecx", "\x0f\xab\x0b", CF, NULL, fix_btmem),
    INSN("btr qword [rbx], rcx", "\x48\x0f\xb3\x0b", CF, NULL, fix_btmem),
    INSN("btc word [rbx], cx", "\x66\x0f\xbb\x0b", CF, NULL, fix_btmem),
    INSN("lock bts dword [rbx], ecx", "\xf0\x0f\xab\x0b", CF, NULL, fix_btmem),
    INSN("lock btr word [rbx], cx", "\xf0\x66\x0f\xb3\x0b", CF, NULL, fix_btmem),
    INSN("lock btc qword [rbx], rcx", "\xf0\x48\x0f\xbb\x0b", CF, NULL, fix_btmem),
    INSN("btr dword [rbx], 13", "\x0f\xba\x33\x0d", CF, NULL, NULL),
    INSN("lock btc qword [rbx], 40", "\xf0\x48\x0f\xba\x3b\x28", CF, NULL, NULL),
    // BSF BSR: ZF; TZCNT LZCNT: CF ZF; POPCNT: every flag
    INSN("bsf ax, bx", "\x66\x0f\xbc\xc3", ZF, NULL, fix_scan),
    INSN("bsf eax, ebx", "\x0f\xbc\xc3", ZF, NULL, fix_scan),
    INSN("bsf rax, rbx", "\x48\x0f\xbc\xc3", ZF, NULL, fix_scan),
    INSN("bsf eax, [rbx]", "\x0f\xbc\x03", ZF, NULL, fix_scan_mem),
    INSN("bsr ax, bx", "\x66\x0f\xbd\xc3", ZF, NULL, fix_scan),
    INSN("bsr eax, ebx", "\x0f\xbd\xc3", ZF, NULL, fix_scan),
    INSN("bsr rax, rbx", "\x48\x0f\xbd\xc3", ZF, NULL, fix_scan),
    INSN("bsr rax, [rbx]", "\x48\x0f\xbd\x03", ZF, NULL, fix_scan_mem),
    INSN("tzcnt ax, bx", "\x66\xf3\x0f\xbc\xc3", CZ, NULL, fix_scan),
    INSN("tzcnt eax, ebx", "\xf3\x0f\xbc\xc3", CZ, NULL, fix_scan),
    INSN("tzcnt rax, [rbx]", "\xf3\x48\x0f\xbc\x03", CZ, NULL, fix_scan_mem),
    INSN("lzcnt ax, bx", "\x66\xf3\x0f\xbd\xc3", CZ, NULL, fix_scan),
    INSN("lzcnt eax, ebx", "\xf3\x0f\xbd\xc3", CZ, NULL, fix_scan),
    INSN("lzcnt rax, rbx", "\xf3\x48\x0f\xbd\xc3", CZ, NULL, fix_scan),
    INSN("popcnt ax, bx", "\x66\xf3\x0f\xb8\xc3", ALL, NULL, fix_scan),
    INSN("popcnt eax, ebx", "\xf3\x0f\xb8\xc3", ALL, NULL, fix_scan),
    INSN("popcnt rax, [rbx]", "\xf3\x48\x0f\xb8\x03", ALL, NULL, fix_scan_mem),
};

static void test_bits(void)
{
    COMPARE_TABLE(bits_insns, 1004);
}

/* BMI1 BMI2 ADX */
static const Insn bmi_insns[] = {
    INSN("andn eax, ebx, ecx", "\xc4\xe2\x60\xf2\xc1", SZCO, NULL, NULL),
    INSN("andn rax, rbx, [rbx]", "\xc4\xe2\xe0\xf2\x03", SZCO, NULL, NULL),
    INSN("bextr eax, ebx, ecx", "\xc4\xe2\x70\xf7\xc3", ZCO, NULL, fix_bextr),
    INSN("bextr rax, [rbx], rcx", "\xc4\xe2\xf0\xf7\x03", ZCO, NULL, fix_bextr),
    INSN("blsi eax, ebx", "\xc4\xe2\x78\xf3\xdb", SZCO, NULL, fix_scan),
    INSN("blsi rax, [rbx]", "\xc4\xe2\xf8\xf3\x1b", SZCO, NULL, fix_scan_mem),
    INSN("blsmsk eax, ebx", "\xc4\xe2\x78\xf3\xd3", SZCO, NULL, fix_scan),
    INSN("blsmsk rax, rbx", "\xc4\xe2\xf8\xf3\xd3", SZCO, NULL, fix_scan),
    INSN("blsr eax, ebx", "\xc4\xe2\x78\xf3\xcb", SZCO, NULL, fix_scan),
    INSN("blsr rax, [rbx]", "\xc4\xe2\xf8\xf3\x0b", SZCO, NULL, fix_scan_mem),
    INSN("bzhi eax, ebx, ecx", "\xc4\xe2\x70\xf5\xc3", SZCO, NULL, fix_bzhi),
    INSN("bzhi rax, rbx, rcx", "\xc4\xe2\xf0\xf5\xc3", SZCO, NULL, fix_bzhi),
    INSN("bzhi rax, [rbx], rcx", "\xc4\xe2\xf0\xf5\x03", SZCO, NULL, fix_bzhi),
    INSN("pdep eax, ebx, ecx", "\xc4\xe2\x63\xf5\xc1", ALL, NULL, NULL),
    INSN("pdep rax, rbx, [rbx]", "\xc4\xe2\xe3\xf5\x03", ALL, NULL, NULL),
    INSN("pext eax, ebx, ecx", "\xc4\xe2\x62\xf5\xc1", ALL, NULL, NULL),
    INSN("pext rax, rbx, rcx", "\xc4\xe2\xe2\xf5\xc1", ALL, NULL, NULL),
    INSN("mulx eax, ecx, ebx", "\xc4\xe2\x73\xf6\xc3", ALL, NULL, NULL),
    INSN("mulx rax, rcx, [rbx]", "\xc4\xe2\xf3\xf6\x03", ALL, NULL, NULL),
    INSN("mulx rax, rax, rbx", "\xc4\xe2\xfb\xf6\xc3", ALL, NULL, NULL),
    INSN("rorx eax, ebx, 5", "\xc4\xe3\x7b\xf0\xc3\x05", ALL, NULL, NULL),
    INSN("rorx rax, [rbx], 60", "\xc4\xe3\xfb\xf0\x03\x3c", ALL, NULL, NULL),
    INSN("sarx eax, ebx, ecx", "\xc4\xe2\x72\xf7\xc3", ALL, NULL, NULL),
    INSN("sarx rax, rbx, rcx", "\xc4\xe2\xf2\xf7\xc3", ALL, NULL, NULL),
    INSN("shlx eax, [rbx], ecx", "\xc4\xe2\x71\xf7\x03", ALL, NULL, NULL),
    INSN("shlx rax, rbx, rcx", "\xc4\xe2\xf1\xf7\xc3", ALL, NULL, NULL),
    INSN("shrx eax, ebx, ecx", "\xc4\xe2\x73\xf7\xc3", ALL, NULL, NULL),
    INSN("shrx rax, [rbx], rcx", "\xc4\xe2\xf3\xf7\x03", ALL, NULL, NULL),
    INSN("adcx eax, ebx", "\x66\x0f\x38\xf6\xc3", ALL, NULL, fix_adx),
    INSN("adcx rax, rbx", "\x66\x48\x0f\x38\xf6\xc3", ALL, NULL, fix_adx),
    INSN("adcx rax, [rbx]", "\x66\x48\x0f\x38\xf6\x03", ALL, NULL, fix_adx),
    INSN("adox eax, ebx", "\xf3\x0f\x38\xf6\xc3", ALL, NULL, fix_adx),
    INSN("adox rax, [rbx]", "\xf3\x48\x0f\x38\xf6\x03", ALL, NULL, fix_adx),
};

static void test_bmi(void)
{
    COMPARE_TABLE(bmi_insns, 1005);
}

/* XCHG XADD CMPXCHG CMPXCHG8B CMPXCHG16B */
static const Insn xchg_insns[] = {
    INSN("xchg eax, ebx", "\x93", ALL, NULL, NULL),
    INSN("xchg ax, r8w", "\x66\x41\x90", ALL, NULL, NULL),
    INSN("xchg bl, ch", "\x86\xdd", ALL, NULL, NULL),
    INSN("xchg rax, r9", "\x49\x91", ALL, NULL, NULL),
    INSN("xchg [rbx], ecx", "\x87\x0b", ALL, NULL, NULL),
    INSN("xchg [rbx], cl", "\x86\x0b", ALL, NULL, NULL),
    INSN("xadd eax, ebx", "\x0f\xc1\xd8", ALL, NULL, NULL),
    INSN("xadd eax, eax", "\x0f\xc1\xc0", ALL, NULL, NULL),
    INSN("xadd cl, dl", "\x0f\xc0\xd1", ALL, NULL, NULL),
    INSN("xadd [rbx], rcx", "\x48\x0f\xc1\x0b", ALL, NULL, NULL),
    INSN("lock xadd dword [rbx], ecx", "\xf0\x0f\xc1\x0b", ALL, NULL, NULL),
    INSN("lock xadd word [rbx], cx", "\xf0\x66\x0f\xc1\x0b", ALL, NULL, NULL),
    INSN("cmpxchg ebx, ecx", "\x0f\xb1\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg rbx, rcx", "\x48\x0f\xb1\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg bl, cl", "\x0f\xb0\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg bx, cx", "\x66\x0f\xb1\xcb", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg eax, ecx", "\x0f\xb1\xc8", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg [rbx], ecx", "\x0f\xb1\x0b", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg [rbx], cl", "\x0f\xb0\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg [rbx], rcx", "\xf0\x48\x0f\xb1\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg [rbx], cx", "\xf0\x66\x0f\xb1\x0b", ALL, NULL, fix_cmpxchg),
    INSN("cmpxchg8b [rbx]", "\x0f\xc7\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg8b [rbx]", "\xf0\x0f\xc7\x0b", ALL, NULL, fix_cmpxchg),
    INSN("lock cmpxchg16b [rbx]", "\xf0\x48\x0f\xc7\x0b", ALL, NULL, fix_cmpxchg),
};

static void test_xchg(void)
{
    COMPARE_TABLE(xchg_insns, 1006);
}

/* BSWAP MOVBE CRC32 */
static const Insn swap_insns[] = {
    INSN("bswap eax", "\x0f\xc8", ALL, NULL, NULL),
    INSN("bswap rax", "\x48\x0f\xc8", ALL, NULL, NULL),
    INSN("bswap r10d", "\x41\x0f\xca", ALL, NULL, NULL),
    INSN("db 0x66, 0x0f, 0xc8", "\x66\x0f\xc8", ALL, NULL, NULL),
    INSN("movbe eax, [rbx]", "\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("movbe ax, [rbx]", "\x66\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("movbe rax, [rbx]", "\x48\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("movbe [rbx], ecx", "\x0f\x38\xf1\x0b", ALL, NULL, NULL),
    INSN("movbe [rbx], cx", "\x66\x0f\x38\xf1\x0b", ALL, NULL, NULL),
    INSN("movbe [rbx], rcx", "\x48\x0f\x38\xf1\x0b", ALL, NULL, NULL),
    INSN("crc32 eax, bl", "\xf2\x0f\x38\xf0\xc3", ALL, NULL, NULL),
    INSN("crc32 eax, bx", "\x66\xf2\x0f\x38\xf1\xc3", ALL, NULL, NULL),
    INSN("crc32 eax, ebx", "\xf2\x0f\x38\xf1\xc3", ALL, NULL, NULL),
    INSN("crc32 rax, rbx", "\xf2\x48\x0f\x38\xf1\xc3", ALL, NULL, NULL),
    INSN("crc32 eax, byte [rbx]", "\xf2\x0f\x38\xf0\x03", ALL, NULL, NULL),
    INSN("crc32 rax, qword [rbx]", "\xf2\x48\x0f\x38\xf1\x03", ALL, NULL, NULL),
};

static void test_swap(void)
{
    COMPARE_TABLE(swap_insns, 1007);
}

/* conversions, moves, LEA, XLAT, SETcc, CMOVcc, LAHF/SAHF, NOPs and fences */
static const Insn misc_insns[] = {
    INSN("cbw", "\x66\x98", ALL, NULL, NULL),
    INSN("cwde", "\x98", ALL, NULL, NULL),
    INSN("cdqe", "\x48\x98", ALL, NULL, NULL),
    INSN("cwd", "\x66\x99", ALL, NULL, NULL),
    INSN("cdq", "\x99", ALL, NULL, NULL),
    INSN("cqo", "\x48\x99", ALL, NULL, NULL),
    INSN("movsx eax, bl", "\x0f\xbe\xc3", ALL, NULL, NULL),
    INSN("movsx rax, bx", "\x48\x0f\xbf\xc3", ALL, NULL, NULL),
    INSN("movsx ax, bl", "\x66\x0f\xbe\xc3", ALL, NULL, NULL),
    INSN("movzx eax, bh", "\x0f\xb6\xc7", ALL, NULL, NULL),
    INSN("movzx rax, word [rbx]", "\x48\x0f\xb7\x03", ALL, NULL, NULL),
    INSN("movsxd rax, ebx", "\x48\x63\xc3", ALL, NULL, NULL),
    INSN("movsxd rax, dword [rbx]", "\x48\x63\x03", ALL, NULL, NULL),
    INSN("db 0x63, 0xc3", "\x63\xc3", ALL, NULL, NULL),
    INSN("lahf", "\x9f", ALL, NULL, NULL),
    INSN("sahf", "\x9e", ALL, NULL, NULL),
    INSN("db 0x48, 0x9f", "\x48\x9f", ALL, NULL, NULL),
    INSN("db 0x48, 0x9e", "\x48\x9e", ALL, NULL, NULL),
    INSN("lea eax, [rbx+rcx*4+8]", "\x8d\x44\x8b\x08", ALL, NULL, NULL),
    INSN("lea rax, [rbx+rcx*8-100]", "\x48\x8d\x44\xcb\x9c", ALL, NULL, NULL),
    INSN("lea ax, [rbx+rcx]", "\x66\x8d\x04\x0b", ALL, NULL, NULL),
    INSN("lea eax, [ebx+ecx*2]", "\x67\x8d\x04\x4b", ALL, NULL, NULL),
    INSN("lea rax, [rel $+0x100]", "\x48\x8d\x05\xf9\x00\x00\x00", ALL, NULL, NULL),
    INSN("xlatb", "\xd7", ALL, NULL, NULL),
    INSN("mov eax, ebx", "\x89\xd8", ALL, NULL, NULL),
    INSN("mov al, bh", "\x88\xf8", ALL, NULL, NULL),
    INSN("mov r10b, [rbx]", "\x44\x8a\x13", ALL, NULL, NULL),
    INSN("mov sil, dl", "\x40\x88\xd6", ALL, NULL, NULL),
    INSN("mov [rbx], r11w", "\x66\x44\x89\x1b", ALL, NULL, NULL),
    INSN("mov rax, 0x123456789abcdef0", "\x48\xb8\xf0\xde\xbc\x9a\x78\x56\x34\x12", ALL, NULL,
         NULL),
    INSN("mov ecx, [rel $]", "\x8b\x0d\xfa\xff\xff\xff", ALL, NULL, NULL),
    INSN("mov rax, [qword 0x200800]", "\x48\xa1\x00\x08\x20\x00\x00\x00\x00\x00", ALL, NULL, NULL),
    INSN("mov [qword 0x200804], eax", "\xa3\x04\x08\x20\x00\x00\x00\x00\x00", ALL, NULL, NULL),
    INSN("mov ax, ds", "\x66\x8c\xd8", ALL, NULL, NULL),
    INSN("mov eax, ds", "\x8c\xd8", ALL, NULL, NULL),
    INSN("mov [rbx], ds", "\x8c\x1b", ALL, NULL, NULL),
    INSN("seto al", "\x0f\x90\xc0", ALL, NULL, NULL),
    INSN("setno al", "\x0f\x91\xc0", ALL, NULL, NULL),
    INSN("setb al", "\x0f\x92\xc0", ALL, NULL, NULL),
    INSN("setae al", "\x0f\x93\xc0", ALL, NULL, NULL),
    INSN("sete al", "\x0f\x94\xc0", ALL, NULL, NULL),
    INSN("setne al", "\x0f\x95\xc0", ALL, NULL, NULL),
    INSN("setbe al", "\x0f\x96\xc0", ALL, NULL, NULL),
    INSN("seta al", "\x0f\x97\xc0", ALL, NULL, NULL),
    INSN("sets al", "\x0f\x98\xc0", ALL, NULL, NULL),
    INSN("setns al", "\x0f\x99\xc0", ALL, NULL, NULL),
    INSN("setp al", "\x0f\x9a\xc0", ALL, NULL, NULL),
    INSN("setnp al", "\x0f\x9b\xc0", ALL, NULL, NULL),
    INSN("setl al", "\x0f\x9c\xc0", ALL, NULL, NULL),
    INSN("setge al", "\x0f\x9d\xc0", ALL, NULL, NULL),
    INSN("setle al", "\x0f\x9e\xc0", ALL, NULL, NULL),
    INSN("setg al", "\x0f\x9f\xc0", ALL, NULL, NULL),
    INSN("setne byte [rbx]", "\x0f\x95\x03", ALL, NULL, NULL),
    INSN("setl bh", "\x0f\x9c\xc7", ALL, NULL, NULL),
    INSN("cmovo eax, ebx", "\x0f\x40\xc3", ALL, NULL, NULL),
    INSN("cmovno eax, ebx", "\x0f\x41\xc3", ALL, NULL, NULL),
    INSN("cmovb eax, ebx", "\x0f\x42\xc3", ALL, NULL, NULL),
    INSN("cmovae eax, ebx", "\x0f\x43\xc3", ALL, NULL, NULL),
    INSN("cmove eax, ebx", "\x0f\x44\xc3", ALL, NULL, NULL),
    INSN("cmovne eax, ebx", "\x0f\x45\xc3", ALL, NULL, NULL),
    INSN("cmovbe eax, ebx", "\x0f\x46\xc3", ALL, NULL, NULL),
    INSN("cmova eax, ebx", "\x0f\x47\xc3", ALL, NULL, NULL),
    INSN("cmovs eax, ebx", "\x0f\x48\xc3", ALL, NULL, NULL),
    INSN("cmovns eax, ebx", "\x0f\x49\xc3", ALL, NULL, NULL),
    INSN("cmovp eax, ebx", "\x0f\x4a\xc3", ALL, NULL, NULL),
    INSN("cmovnp eax, ebx", "\x0f\x4b\xc3", ALL, NULL, NULL),
    INSN("cmovl eax, ebx", "\x0f\x4c\xc3", ALL, NULL, NULL),
    INSN("cmovge eax, ebx", "\x0f\x4d\xc3", ALL, NULL, NULL),
    INSN("cmovle eax, ebx", "\x0f\x4e\xc3", ALL, NULL, NULL),
    INSN("cmovg eax, ebx", "\x0f\x4f\xc3", ALL, NULL, NULL),
    INSN("cmove rax, [rbx]", "\x48\x0f\x44\x03", ALL, NULL, NULL),
    INSN("cmovne ax, bx", "\x66\x0f\x45\xc3", ALL, NULL, NULL),
    INSN("nop", "\x90", ALL, NULL, NULL),
    INSN("nop dword [rax+rax*1+0]", "\x0f\x1f\x04\x00", ALL, NULL, NULL),
    INSN("pause", "\xf3\x90", ALL, NULL, NULL),
    INSN("lfence", "\x0f\xae\xe8", ALL, NULL, NULL),
    INSN("mfence", "\x0f\xae\xf0", ALL, NULL, NULL),
    INSN("sfence", "\x0f\xae\xf8", ALL, NULL, NULL),
    INSN("prefetcht0 [rax]", "\x0f\x18\x08", ALL, NULL, NULL),
    INSN("clflush [rbx]", "\x0f\xae\x3b", ALL, NULL, NULL),
    INSN("movnti [rbx], ecx", "\x0f\xc3\x0b", ALL, NULL, NULL),
    INSN("movnti [rbx], rcx", "\x48\x0f\xc3\x0b", ALL, NULL, NULL),
};

static void test_misc(void)
{
    COMPARE_TABLE(misc_insns, 1008);
}

/* stack and control transfer (balanced snippets) */
static const Insn stack_insns[] = {
    INSN("push rax ; pop rbx", "\x50\x5b", ALL, NULL, NULL),
    INSN("push r12 ; pop r13", "\x41\x54\x41\x5d", ALL, NULL, NULL),
    INSN("push 0x12345678 ; pop rcx", "\x68\x78\x56\x34\x12\x59", ALL, NULL, NULL),
    INSN("push -5 ; pop rdx", "\x6a\xfb\x5a", ALL, NULL, NULL),
    INSN("push ax ; pop cx", "\x66\x50\x66\x59", ALL, NULL, NULL),
    INSN("push word 0x1234 ; pop dx", "\x66\x68\x34\x12\x66\x5a", ALL, NULL, NULL),
    INSN("push qword [rbx] ; pop qword [rbx+8]", "\xff\x33\x8f\x43\x08", ALL, NULL, NULL),
    INSN("push rsp ; pop rax ; sub rax, rsp", "\x54\x58\x48\x29\xe0", ALL, NULL, NULL),
    INSN("call $+5 ; pop rax", "\xe8\x00\x00\x00\x00\x58", ALL, NULL, NULL),
    INSN("enter 0x20, 0 ; mov rax, rbp ; sub rax, rsp ; leave",
         "\xc8\x20\x00\x00\x48\x89\xe8\x48\x29\xe0\xc9", ALL, NULL, fix_enter),
    INSN("enter 0x10, 1 ; mov rax, [rbp-8] ; sub rax, rbp ; leave",
         "\xc8\x10\x00\x01\x48\x8b\x45\xf8\x48\x29\xe8\xc9", ALL, NULL, fix_enter),
    INSN("enter 8, 3 ; mov rax, [rbp-8] ; mov rcx, [rbp-16] ; mov rdx, [rbp-24] ; sub rdx, rbp ; "
         "leave",
         "\xc8\x08\x00\x03\x48\x8b\x45\xf8\x48\x8b\x4d\xf0\x48\x8b\x55\xe8\x48\x29\xea\xc9", ALL,
         NULL, fix_enter),
    INSN("enter 4, 2 ; mov ax, [rbp-8] ; leave", "\xc8\x04\x00\x02\x66\x8b\x45\xf8\xc9", ALL, NULL,
         fix_enter),
    INSN("jmp $+4 ; inc eax ; inc eax ; inc eax", "\xeb\x02\xff\xc0\xff\xc0\xff\xc0", ALL, NULL,
         NULL),
    INSN("lea rcx, [rel $+11] ; jmp rcx ; inc eax ; inc eax ; inc eax",
         "\x48\x8d\x0d\x04\x00\x00\x00\xff\xe1\xff\xc0\xff\xc0\xff\xc0", ALL, NULL, NULL),
    INSN("call $+9 ; inc eax ; jmp $+5 ; inc ecx ; ret",
         "\xe8\x04\x00\x00\x00\xff\xc0\xeb\x03\xff\xc1\xc3", ALL, NULL, NULL),
    INSN("push rax ; mov eax, 7 ; ret 0", "\x50\xb8\x07\x00\x00\x00\xc2\x00\x00", ALL, NULL,
         fix_ret),
    INSN("lea rcx, [rel $+11] ; push rcx ; ret ; inc eax ; inc eax ; inc eax",
         "\x48\x8d\x0d\x04\x00\x00\x00\x51\xc3\xff\xc0\xff\xc0\xff\xc0", ALL, NULL, NULL),
    INSN("mov ecx, 3 ; inc eax ; loop $-2", "\xb9\x03\x00\x00\x00\xff\xc0\xe2\xfc", ALL, NULL,
         NULL),
    INSN("mov ecx, 5 ; inc eax ; cmp eax, 2 ; loopne $-5",
         "\xb9\x05\x00\x00\x00\xff\xc0\x83\xf8\x02\xe0\xf9", ALL, NULL, NULL),
    INSN("jrcxz $+4 ; inc eax ; inc eax", "\xe3\x02\xff\xc0\xff\xc0", ALL, NULL, NULL),
    INSN("jecxz $+5 ; inc eax ; inc eax", "\x67\xe3\x02\xff\xc0\xff\xc0", ALL, NULL, NULL),
};

static void test_stack(void)
{
    COMPARE_TABLE(stack_insns, 1009);
}

/* string instructions with REP, both directions, 32-bit addresses */
static const Insn string_insns[] = {
    INSN("rep movsb", "\xf3\xa4", ALL, NULL, fix_str),
    INSN("rep movsw", "\xf3\x66\xa5", ALL, NULL, fix_str),
    INSN("rep movsd", "\xf3\xa5", ALL, NULL, fix_str),
    INSN("rep movsq", "\xf3\x48\xa5", ALL, NULL, fix_str),
    INSN("std ; rep movsd ; cld", "\xfd\xf3\xa5\xfc", ALL, NULL, fix_str),
    INSN("movsb", "\xa4", ALL, NULL, fix_str),
    INSN("a32 rep movsb", "\xf3\x67\xa4", ALL, NULL, fix_str32),
    INSN("a32 rep stosd", "\xf3\x67\xab", ALL, NULL, fix_str32),
    INSN("rep stosb", "\xf3\xaa", ALL, NULL, fix_str),
    INSN("rep stosq", "\xf3\x48\xab", ALL, NULL, fix_str),
    INSN("std ; stosw ; cld", "\xfd\x66\xab\xfc", ALL, NULL, fix_str),
    INSN("lodsb", "\xac", ALL, NULL, fix_str),
    INSN("rep lodsw", "\xf3\x66\xad", ALL, NULL, fix_str),
    INSN("lodsq", "\x48\xad", ALL, NULL, fix_str),
    INSN("repe cmpsb", "\xf3\xa6", ALL, NULL, fix_cmps),
    INSN("repe cmpsd", "\xf3\xa7", ALL, NULL, fix_cmps),
    INSN("repne cmpsb", "\xf2\xa6", ALL, NULL, fix_cmps),
    INSN("cmpsw", "\x66\xa7", ALL, NULL, fix_cmps),
    INSN("a32 repe cmpsq", "\xf3\x67\x48\xa7", ALL, NULL, fix_cmps),
    INSN("repne scasb", "\xf2\xae", ALL, NULL, fix_scas),
    INSN("repe scasb", "\xf3\xae", ALL, NULL, fix_scas),
    INSN("repne scasw", "\xf2\x66\xaf", ALL, NULL, fix_scas),
    INSN("scasd", "\xaf", ALL, NULL, fix_scas),
    INSN("std ; repne scasb ; cld", "\xfd\xf2\xae\xfc", ALL, NULL, fix_scas),
};

static void test_string(void)
{
    COMPARE_TABLE(string_insns, 1010);
}

/* ---- directed tests: legacy modes and what the host cannot show ---- */

/* Runs code placed at CODE (protected or long mode) or at 0x7c00 (real mode). */
static int run_code(Fixture *f, const uint8_t *code, size_t len)
{
    uint64_t at = f->mode == MODE_REAL ? 0x7c00 : CODE;
    load_code(f, at, code, len);
    f->env->rip = at;
    return run(f);
}

typedef struct BcdCase {
    const char *text;
    uint8_t code[4];
    size_t len;
    uint16_t ax, bl;
    uint32_t flags_in;
    int vector;
    uint16_t ax_out;
    uint32_t flags_out, mask;
} BcdCase;

/* SDM Vol 2A DAA/DAS/AAA/AAS/AAM/AAD: the examples of the DAA and DAS pages, and
 * values worked from the pseudo-code. */
static void test_bcd(void)
{
    const uint32_t szapc = CC_S | CC_Z | CC_A | CC_P | CC_C;
    static const BcdCase cases[] = {
        {"add al, bl; daa",
         {0x00, 0xd8, 0x27},
         3,
         0x79,
         0x35,
         0,
         EXCP_HLT,
         0x14,
         CC_A | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"sub al, bl; das",
         {0x28, 0xd8, 0x2f},
         3,
         0x35,
         0x47,
         0,
         EXCP_HLT,
         0x88,
         CC_S | CC_A | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"daa 9a",
         {0x27},
         1,
         0x9a,
         0,
         0,
         EXCP_HLT,
         0x00,
         CC_Z | CC_A | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"daa with CF",
         {0x27},
         1,
         0x12,
         0,
         CC_C,
         EXCP_HLT,
         0x72,
         CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"das with CF",
         {0x2f},
         1,
         0x00,
         0,
         CC_C,
         EXCP_HLT,
         0xa0,
         CC_S | CC_P | CC_C,
         CC_S | CC_Z | CC_A | CC_P | CC_C},
        {"add al, bl; aaa",
         {0x00, 0xd8, 0x37},
         3,
         0x38,
         0x39,
         0,
         EXCP_HLT,
         0x0107,
         CC_A | CC_C,
         CC_A | CC_C},
        {"aaa no adjust",
         {0x37},
         1,
         0x1234,
         0,
         CC_C | CC_Z,
         EXCP_HLT,
         0x1204,
         CC_Z,
         CC_A | CC_C | CC_Z},
        {"sub al, bl; aas",
         {0x28, 0xd8, 0x3f},
         3,
         0x33,
         0x38,
         0,
         EXCP_HLT,
         0xff05,
         CC_A | CC_C,
         CC_A | CC_C},
        {"aam", {0xd4, 0x0a}, 2, 0x3f, 0, CC_C, EXCP_HLT, 0x0603, CC_P, CC_S | CC_Z | CC_P},
        {"aam 16", {0xd4, 0x10}, 2, 0x3f, 0, 0, EXCP_HLT, 0x030f, CC_P, CC_S | CC_Z | CC_P},
        {"aad", {0xd5, 0x0a}, 2, 0x0603, 0, 0, EXCP_HLT, 0x003f, CC_P, CC_S | CC_Z | CC_P},
        {"aad 7", {0xd5, 0x07}, 2, 0x1203, 0, 0, EXCP_HLT, 0x0081, CC_S | CC_P, CC_S | CC_Z | CC_P},
        {"aam 0", {0xd4, 0x00}, 2, 0x3f, 0, 0, EXCP_DE, 0x003f, 0, 0},
    };
    Fixture f;
    fixture_init(&f, MODE_PM32);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const BcdCase *c = &cases[i];
        f.env->regs[R_EAX] = 0xabcd0000u | c->ax;
        f.env->regs[R_EBX] = c->bl;
        set_arith_flags(&f, c->flags_in);
        g_test_message("%s", c->text);
        g_assert_cmpint(run_code(&f, c->code, c->len), ==, c->vector);
        g_assert_cmphex(f.env->regs[R_EAX], ==, 0xabcd0000u | c->ax_out);
        g_assert_cmphex(eflags_of(&f) & c->mask & szapc, ==, c->flags_out);
        if (c->vector != EXCP_HLT)
            g_assert_cmphex(f.env->rip, ==, CODE);
    }
    fixture_fini(&f);
}

/* SDM Vol 2B PUSHA/PUSHAD, POPA/POPAD. */
static void test_pusha_popa(void)
{
    static const uint8_t pushad[] = {0x60}, popad[] = {0x61}, pushaw[] = {0x66, 0x60};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    for (int i = 0; i < 8; i++)
        f.env->regs[i] = 0x11111111u * (uint32_t)(i + 1);
    f.env->regs[R_ESP] = STACK_TOP;
    g_assert_cmpint(run_code(&f, pushad, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 32);
    for (int i = 0; i < 8; i++) {
        uint32_t want = i == R_ESP ? STACK_TOP : 0x11111111u * (uint32_t)(i + 1);
        g_assert_cmphex(get32(&f, STACK_TOP - 4 * (i + 1)), ==, want);
    }
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP)
            f.env->regs[i] = 0;
    }
    put32(&f, STACK_TOP - 20, 0xdead); /* the ESP slot is skipped */
    g_assert_cmpint(run_code(&f, popad, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP);
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP)
            g_assert_cmphex(f.env->regs[i], ==, 0x11111111u * (uint32_t)(i + 1));
    }
    /* PUSHA (16-bit): words, SP moves by 16 */
    g_assert_cmpint(run_code(&f, pushaw, 2), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 16);
    g_assert_cmphex(get32(&f, STACK_TOP - 4), ==, 0x11112222u); /* CX, AX */
    g_assert_cmphex(get32(&f, STACK_TOP - 12), ==,
                    (STACK_TOP & 0xffff) << 16 | 0x6666u); /* SP, BP */
    fixture_fini(&f);
}

/* SDM Vol 2A BOUND: #BR (a fault: rIP on the instruction) outside [lower, upper]. */
static void test_bound(void)
{
    static const uint8_t bound32[] = {0x62, 0x05, 0x00, 0x00, 0x20, 0x00};
    static const uint8_t bound16[] = {0x66, 0x62, 0x05, 0x00, 0x00, 0x20, 0x00};
    static const struct {
        uint32_t index;
        int vector;
    } cases32[] = {{3, EXCP_HLT}, {(uint32_t)-5, EXCP_HLT}, {10, EXCP_HLT},
                   {11, EXCP_BR}, {(uint32_t)-6, EXCP_BR},  {0x80000000u, EXCP_BR}};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    put32(&f, DATA, (uint32_t)-5);
    put32(&f, DATA + 4, 10);
    for (size_t i = 0; i < G_N_ELEMENTS(cases32); i++) {
        f.env->regs[R_EAX] = cases32[i].index;
        g_assert_cmpint(run_code(&f, bound32, sizeof(bound32)), ==, cases32[i].vector);
        if (cases32[i].vector == EXCP_BR)
            g_assert_cmphex(f.env->rip, ==, CODE);
    }
    /* 16-bit bounds: words -5 and 10 */
    put32(&f, DATA, 0x000afffbu);
    f.env->regs[R_EAX] = 0x1234fffbu;
    g_assert_cmpint(run_code(&f, bound16, sizeof(bound16)), ==, EXCP_HLT);
    f.env->regs[R_EAX] = 0x0000000bu;
    g_assert_cmpint(run_code(&f, bound16, sizeof(bound16)), ==, EXCP_BR);
    fixture_fini(&f);
}

/* SDM Vol 2A ENTER with nesting level 3, then LEAVE, on a 32-bit stack. */
static void test_enter_leave(void)
{
    static const uint8_t enter[] = {0xc8, 0x08, 0x00, 0x03}, leave[] = {0xc9};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    f.env->regs[R_ESP] = STACK_TOP;
    f.env->regs[R_EBP] = STACK_TOP + 0x100;
    put32(&f, STACK_TOP + 0x100 - 4, 0xaaaa0001u);
    put32(&f, STACK_TOP + 0x100 - 8, 0xbbbb0002u);
    g_assert_cmpint(run_code(&f, enter, sizeof(enter)), ==, EXCP_HLT);
    g_assert_cmphex(get32(&f, STACK_TOP - 4), ==, STACK_TOP + 0x100); /* old EBP */
    g_assert_cmphex(get32(&f, STACK_TOP - 8), ==, 0xaaaa0001u);       /* copied frames */
    g_assert_cmphex(get32(&f, STACK_TOP - 12), ==, 0xbbbb0002u);
    g_assert_cmphex(get32(&f, STACK_TOP - 16), ==, STACK_TOP - 4); /* the new frame */
    g_assert_cmphex(f.env->regs[R_EBP], ==, STACK_TOP - 4);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 4 - 12 - 8);
    g_assert_cmpint(run_code(&f, leave, sizeof(leave)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EBP], ==, STACK_TOP + 0x100);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP);
    fixture_fini(&f);
}

/* 16-bit addresses (67 in 32-bit code): SI/DI/CX wrap at 64 KiB and the upper halves
 * of ESI/EDI/ECX are left alone (SDM Vol 1 §3.6, Vol 2B REP). */
static void test_string_addr16(void)
{
    static const uint8_t code[] = {0x67, 0xf3, 0xa4}; /* a16 rep movsb */
    Fixture f;
    fixture_init(&f, MODE_PM32);
    f.m.ram[0xfffe] = 1;
    f.m.ram[0xffff] = 2;
    f.m.ram[0x0000] = 3;
    f.m.ram[0x0001] = 4;
    f.env->regs[R_ESI] = 0xabcdfffeu;
    f.env->regs[R_EDI] = 0x00012000u;
    f.env->regs[R_ECX] = 0x55550004u;
    g_assert_cmpint(run_code(&f, code, sizeof(code)), ==, EXCP_HLT);
    g_assert_cmphex(get32(&f, 0x2000), ==, 0x04030201u);
    g_assert_cmphex(f.env->regs[R_ESI], ==, 0xabcd0002u);
    g_assert_cmphex(f.env->regs[R_EDI], ==, 0x00012004u);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 0x55550000u);
    fixture_fini(&f);
}

/* INC/DEC r32 in their one-byte forms (40-4F, REX prefixes in 64-bit mode): CF kept. */
static void test_incdec_short(void)
{
    static const uint8_t inc_eax[] = {0x40}, dec_ebx[] = {0x4b};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    f.env->regs[R_EAX] = 0x7fffffffu;
    set_arith_flags(&f, CC_C);
    g_assert_cmpint(run_code(&f, inc_eax, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x80000000u);
    g_assert_cmphex(eflags_of(&f) & CC_MASK, ==, CC_O | CC_S | CC_A | CC_P | CC_C);
    f.env->regs[R_EBX] = 0;
    set_arith_flags(&f, 0);
    g_assert_cmpint(run_code(&f, dec_ebx, 1), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EBX], ==, 0xffffffffu);
    g_assert_cmphex(eflags_of(&f) & CC_MASK, ==, CC_S | CC_A | CC_P);
    fixture_fini(&f);
}

/* 64-bit stack details: PUSH of a segment register writes 16 bits (recent Intel
 * parts) but moves rSP by 8 (SDM Vol 2B PUSH); POP to memory addresses with the
 * incremented rSP; POP rSP loads rSP. */
static void test_stack64(void)
{
    static const uint8_t push_fs[] = {0x0f, 0xa0}, push_fs16[] = {0x66, 0x0f, 0xa0};
    static const uint8_t pop_mem_rsp[] = {0x8f, 0x04, 0x24}, pop_rsp[] = {0x5c};
    Fixture f;
    fixture_init(&f, MODE_LONG);
    f.env->segs[R_FS].selector = 0x1234;
    put64(&f, STACK_TOP - 8, 0xaaaaaaaaaaaaaaaaull);
    g_assert_cmpint(run_code(&f, push_fs, sizeof(push_fs)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 8);
    g_assert_cmphex(get64(&f, STACK_TOP - 8), ==, 0xaaaaaaaaaaaa1234ull);
    g_assert_cmpint(run_code(&f, push_fs16, sizeof(push_fs16)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 10);
    g_assert_cmphex(get64(&f, STACK_TOP - 16) >> 48, ==, 0x1234);

    f.env->regs[R_ESP] = STACK_TOP - 16;
    put64(&f, STACK_TOP - 16, 0x1111);
    put64(&f, STACK_TOP - 8, 0);
    g_assert_cmpint(run_code(&f, pop_mem_rsp, sizeof(pop_mem_rsp)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, STACK_TOP - 8);
    g_assert_cmphex(get64(&f, STACK_TOP - 8), ==, 0x1111);

    f.env->regs[R_ESP] = STACK_TOP - 16;
    put64(&f, STACK_TOP - 16, 0x5000);
    g_assert_cmpint(run_code(&f, pop_rsp, sizeof(pop_rsp)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_ESP], ==, 0x5000);
    fixture_fini(&f);
}

/* Choices where the host (AMD) and Pacifica (Intel) differ, or that it cannot run. */
static void test_vendor_choices(void)
{
    static const uint8_t cmpxchg16b[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0b};
    static const uint8_t movsxd16[] = {0x66, 0x63, 0xc3}, bsf32[] = {0x0f, 0xbc, 0xc3};
    Fixture f;
    fixture_init(&f, MODE_LONG);
    /* SDM Vol 2A CMPXCHG16B: #GP(0) unless 16-byte aligned */
    f.env->regs[R_EBX] = DATA + 8;
    f.env->regs[R_EAX] = 0x77;
    g_assert_cmpint(run_code(&f, cmpxchg16b, sizeof(cmpxchg16b)), ==, EXCP_GP);
    g_assert_cmphex(f.env->rip, ==, CODE);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x77);
    f.env->regs[R_EBX] = DATA;
    g_assert_cmpint(run_code(&f, cmpxchg16b, sizeof(cmpxchg16b)), ==, EXCP_HLT);
    /* MOVSXD r16, r/m16 is a 16-bit move */
    f.env->regs[R_EAX] = 0x1111222233334444ull;
    f.env->regs[R_EBX] = 0x5555666677778888ull;
    g_assert_cmpint(run_code(&f, movsxd16, sizeof(movsxd16)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x1111222233338888ull);
    /* BSF r32 of zero: ZF, the destination kept but zero-extended (Intel) */
    f.env->regs[R_EAX] = 0x1122334455667788ull;
    f.env->regs[R_EBX] = 0;
    g_assert_cmpint(run_code(&f, bsf32, sizeof(bsf32)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x55667788ull);
    g_assert_true(eflags_of(&f) & CC_Z);
    fixture_fini(&f);
}

/* SDM Vol 2B RDRAND/RDSEED: CF = 1, the other arithmetic flags clear, a value of the
 * operand size. */
static void test_rdrand(void)
{
    static const uint8_t code[] = {0x48, 0x0f, 0xc7, 0xf0, /* rdrand rax */
                                   0x48, 0x0f, 0xc7, 0xf3, /* rdrand rbx */
                                   0x66, 0x0f, 0xc7, 0xf2, /* rdrand dx */
                                   0x0f, 0xc7, 0xf9};      /* rdseed ecx */
    Fixture f;
    fixture_init(&f, MODE_LONG);
    f.env->regs[R_ECX] = ~0ull;
    f.env->regs[R_EDX] = ~0ull;
    set_arith_flags(&f, CC_MASK & ~CC_C);
    g_assert_cmpint(run_code(&f, code, sizeof(code)), ==, EXCP_HLT);
    g_assert_cmphex(eflags_of(&f) & CC_MASK, ==, CC_C);
    g_assert_cmphex(f.env->regs[R_EAX], !=, f.env->regs[R_EBX]);
    g_assert_cmphex(f.env->regs[R_ECX] >> 32, ==, 0);
    g_assert_cmphex(f.env->regs[R_EDX] >> 16, ==, 0xffffffffffffull);
    fixture_fini(&f);
}

#define DR6_BS (1u << 14)

/* SDM 3A §18.3.1.4: with TF set, #DB (a trap: rIP past the instruction, DR6.BS)
 * after each instruction; a REP string instruction traps after each iteration; the
 * instruction that sets TF is not trapped, MOV SS delays the trap by one instruction. */
static void test_single_step(void)
{
    static const uint8_t nops[] = {0x90, 0x90};
    static const uint8_t jmp[] = {0xeb, 0x01, 0x90, 0x90};
    static const uint8_t rep_movsb[] = {0xf3, 0xa4};
    static const uint8_t popf_tf[] = {0x68, 0x02, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90};
    static const uint8_t mov_ss[] = {0x8e, 0xd0, 0x90, 0x90};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    set_arith_flags(&f, TF_MASK);
    f.env->dr[6] = 0;
    g_assert_cmpint(run_code(&f, nops, sizeof(nops)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 1);
    g_assert_true(f.env->dr[6] & DR6_BS);
    g_assert_cmpint(run(&f), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 2);
    g_assert_cmpint(run(&f), ==, EXCP_HLT);

    g_assert_cmpint(run_code(&f, jmp, sizeof(jmp)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 3);

    f.env->regs[R_ECX] = 3;
    f.env->regs[R_ESI] = DATA;
    f.env->regs[R_EDI] = DATA + 0x100;
    g_assert_cmpint(run_code(&f, rep_movsb, sizeof(rep_movsb)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 2);
    g_assert_cmpint(run(&f), ==, EXCP_DB);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 1);
    g_assert_cmphex(f.env->rip, ==, CODE);
    g_assert_cmpint(run(&f), ==, EXCP_DB);
    g_assert_cmphex(f.env->regs[R_ECX], ==, 0);
    g_assert_cmphex(f.env->rip, ==, CODE + 2);

    /* push 0x102; popfd sets TF: the first trap follows the NOP after it */
    set_arith_flags(&f, 0);
    g_assert_cmpint(run_code(&f, popf_tf, sizeof(popf_tf)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, CODE + 7);
    fixture_fini(&f);

    /* Real mode, MOV SS with TF: no trap after it, one after the next instruction */
    fixture_init(&f, MODE_REAL);
    f.env->regs[R_EAX] = 0;
    set_arith_flags(&f, TF_MASK);
    g_assert_cmpint(run_code(&f, mov_ss, sizeof(mov_ss)), ==, EXCP_DB);
    g_assert_cmphex(f.env->rip, ==, 0x7c03);
    fixture_fini(&f);
}

/* The interrupt shadow (translate.c): the shadowed instruction is the first of its
 * block, which closes the shadow and returns to the vCPU loop right after it. */
static void test_interrupt_shadow(void)
{
    static const uint8_t nops[] = {0x90, 0x90, 0x90};
    static const uint8_t mov_ss[] = {0x8e, 0xd0, 0x90, 0x90};
    static const uint8_t pop_ss[] = {0x17, 0x90, 0x90};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    load_code(&f, CODE, nops, sizeof(nops));
    f.env->rip = CODE;
    f.env->inhibit_irq = true;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, CODE + 1);
    g_assert_false(f.env->inhibit_irq);
    f.env->rip = CODE;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, EXCP_HLT); /* no shadow: one block */
    fixture_fini(&f);

    fixture_init(&f, MODE_REAL);
    f.env->regs[R_EAX] = 0;
    load_code(&f, 0x7c00, mov_ss, sizeof(mov_ss));
    f.env->rip = 0x7c00;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c02);
    g_assert_true(f.env->inhibit_irq);
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c03);
    g_assert_false(f.env->inhibit_irq);
    load_code(&f, 0x7c00, pop_ss, sizeof(pop_ss));
    f.env->rip = 0x7c00;
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c01);
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 1), ==, -1);
    g_assert_cmphex(f.env->rip, ==, 0x7c02);
    fixture_fini(&f);
}

/* SDM Vol 1 §19.5: at CPL 3 with IOPL < 3, IN/OUT/INS/OUTS consult the TSS I/O
 * permission bitmap; #GP(0) for a denied port, before any I/O is made. */
static void test_io_permission(void)
{
    static const uint8_t in_ud2[] = {0xe4, 0x80, 0x0f, 0x0b}; /* in al, 0x80; ud2 */
    static const uint8_t outsb_ud2[] = {0x6e, 0x0f, 0x0b};    /* outsb; ud2 */
    const uint64_t tss = 0x5000;
    Fixture f;
    fixture_init(&f, MODE_PM32);
    const uint32_t dpl3 = 3u << DESC_DPL_SHIFT;
    f.env->segs[R_CS].selector = 0x1b;
    f.env->segs[R_CS].flags |= dpl3;
    f.env->segs[R_SS].selector = 0x23;
    f.env->segs[R_SS].flags |= dpl3;
    f.env->tr.base = tss;
    f.env->tr.limit = 0x67;
    f.env->tr.flags = DESC_P_MASK | (11u << DESC_TYPE_SHIFT);
    f.m.ram[tss + 0x66] = 0x68;
    x86_cpu_update_hflags(f.env);
    g_assert_cmpuint(f.env->hflags & HF_CPL_MASK, ==, 3);

    /* no bitmap within the TSS limit: denied */
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_GP);
    g_assert_cmphex(f.env->rip, ==, CODE);
    /* IOPL 3: allowed without the bitmap */
    f.env->eflags |= IOPL_MASK;
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_UD);
    g_assert_cmphex(f.env->rip, ==, CODE + 2);
    f.env->eflags &= ~(uint64_t)IOPL_MASK;
    /* a bitmap with port 0x80 allowed, then denied */
    f.env->tr.limit = 0x68 + 0x20;
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_UD);
    f.m.ram[tss + 0x68 + (0x80 >> 3)] = 1;
    g_assert_cmpint(run_code(&f, in_ud2, sizeof(in_ud2)), ==, EXCP_GP);
    f.env->regs[R_EDX] = 0x80;
    f.env->regs[R_ESI] = DATA;
    g_assert_cmpint(run_code(&f, outsb_ud2, sizeof(outsb_ud2)), ==, EXCP_GP);
    g_assert_cmphex(f.env->regs[R_ESI], ==, DATA);
    f.env->regs[R_EDX] = 0x81;
    g_assert_cmpint(run_code(&f, outsb_ud2, sizeof(outsb_ud2)), ==, EXCP_UD);
    g_assert_cmphex(f.env->regs[R_ESI], ==, DATA + 1);
    fixture_fini(&f);
}

/* SDM Vol 2A §2.3.2 (VEX): #UD in real mode, where C4 with a register-form next byte
 * is still a VEX prefix; the same bytes run in protected mode. */
static void test_vex_modes(void)
{
    static const uint8_t andn[] = {0xc4, 0xe2, 0x70, 0xf2, 0xc1}; /* andn eax, ecx, ecx */
    Fixture f;
    fixture_init(&f, MODE_REAL);
    g_assert_cmpint(run_code(&f, andn, sizeof(andn)), ==, EXCP_UD);
    g_assert_cmphex(f.env->rip, ==, 0x7c00);
    fixture_fini(&f);
    fixture_init(&f, MODE_PM32);
    f.env->regs[R_EAX] = 5;
    g_assert_cmpint(run_code(&f, andn, sizeof(andn)), ==, EXCP_HLT);
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0);
    fixture_fini(&f);
}

/* An instruction running into a page that cannot be fetched: #PF on that page, rIP on
 * the instruction, whether or not it is the first of its block (SDM 3A §6.15). */
static void test_fetch_fault(void)
{
    const uint64_t end = 0x400000; /* the identity map (and RAM) ends here */
    Fixture f;
    fixture_init(&f, MODE_LONG);
    f.m.ram[end - 3] = 0x90; /* nop */
    f.m.ram[end - 2] = 0x48; /* mov rax, imm64: 8 more bytes beyond the page */
    f.m.ram[end - 1] = 0xb8;
    tb_cache_flush(tcg_runner_tb_cache(f.r));
    f.env->rip = end - 2;
    g_assert_cmpint(run(&f), ==, EXCP_PF);
    g_assert_cmphex(f.env->rip, ==, end - 2);
    g_assert_cmphex(f.env->cr[2], ==, end);
    f.env->rip = end - 3;
    f.env->cr[2] = 0;
    g_assert_cmpint(run(&f), ==, EXCP_PF);
    g_assert_cmphex(f.env->rip, ==, end - 2);
    g_assert_cmphex(f.env->cr[2], ==, end);
    fixture_fini(&f);
}

/* LOCK: two vCPUs on two host threads increment one counter; a locked
 * read-modify-write loses no update. */
typedef struct Racer {
    TcgRunner *r;
    X86CPU *cpu;
    int result;
} Racer;

static void *racer_main(void *opaque)
{
    Racer *rc = opaque;
    rc->result = tcg_runner_run(rc->r, rc->cpu, 10000000);
    return NULL;
}

#define RACE_ITERATIONS 100000

static void race(Fixture *f, const uint8_t *code, size_t len, uint32_t expect)
{
    TcgRunner *r2 = tcg_runner_new();
    X86CPU *cpu2 = g_new0(X86CPU, 1);
    x86_cpu_init(cpu2, &f->m, 1, tcg_runner_tb_cache(r2));
    cpu2->env.cr[0] = f->env->cr[0];
    memcpy(cpu2->env.segs, f->env->segs, sizeof(f->env->segs));
    x86_cpu_update_hflags(&cpu2->env);
    load_code(f, CODE, code, len);
    put32(f, DATA, 0);
    f->env->rip = cpu2->env.rip = CODE;
    Racer a = {f->r, &f->cpu, 0}, b = {r2, cpu2, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, racer_main, &a);
    pthread_create(&tb, NULL, racer_main, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    g_assert_cmpint(a.result, ==, EXCP_HLT);
    g_assert_cmpint(b.result, ==, EXCP_HLT);
    g_assert_cmpuint(get32(f, DATA), ==, expect);
    tcg_runner_free(r2);
    g_free(cpu2);
}

static void test_lock_smp(void)
{
    /* mov ecx, N; L: lock add dword [DATA], 1; dec ecx; jnz L */
    static const uint8_t add_loop[] = {0xb9,
                                       RACE_ITERATIONS & 0xff,
                                       (RACE_ITERATIONS >> 8) & 0xff,
                                       RACE_ITERATIONS >> 16,
                                       0,
                                       0xf0,
                                       0x83,
                                       0x05,
                                       0x00,
                                       0x00,
                                       0x20,
                                       0x00,
                                       0x01,
                                       0x49,
                                       0x75,
                                       0xf5};
    /* mov ecx, N; mov edx, 2; L: mov edx, 2; lock xadd [DATA], edx; dec ecx; jnz L */
    static const uint8_t xadd_loop[] = {0xb9,
                                        RACE_ITERATIONS & 0xff,
                                        (RACE_ITERATIONS >> 8) & 0xff,
                                        RACE_ITERATIONS >> 16,
                                        0,
                                        0xba,
                                        0x02,
                                        0x00,
                                        0x00,
                                        0x00,
                                        0xf0,
                                        0x0f,
                                        0xc1,
                                        0x15,
                                        0x00,
                                        0x00,
                                        0x20,
                                        0x00,
                                        0x49,
                                        0x75,
                                        0xf0};
    Fixture f;
    fixture_init(&f, MODE_PM32);
    race(&f, add_loop, sizeof(add_loop), 2 * RACE_ITERATIONS);
    race(&f, xadd_loop, sizeof(xadd_loop), 4 * RACE_ITERATIONS);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/int/alu", test_alu);
    g_test_add_func("/int/shift", test_shift);
    g_test_add_func("/int/shiftd", test_shiftd);
    g_test_add_func("/int/muldiv", test_muldiv);
    g_test_add_func("/int/bits", test_bits);
    g_test_add_func("/int/bmi-adx", test_bmi);
    g_test_add_func("/int/xchg-cmpxchg", test_xchg);
    g_test_add_func("/int/bswap-movbe-crc32", test_swap);
    g_test_add_func("/int/misc", test_misc);
    g_test_add_func("/int/stack-branches", test_stack);
    g_test_add_func("/int/string", test_string);
    g_test_add_func("/int/bcd", test_bcd);
    g_test_add_func("/int/pusha-popa", test_pusha_popa);
    g_test_add_func("/int/bound", test_bound);
    g_test_add_func("/int/enter-leave", test_enter_leave);
    g_test_add_func("/int/string-addr16", test_string_addr16);
    g_test_add_func("/int/incdec-short", test_incdec_short);
    g_test_add_func("/int/stack64", test_stack64);
    g_test_add_func("/int/vendor-choices", test_vendor_choices);
    g_test_add_func("/int/rdrand", test_rdrand);
    g_test_add_func("/int/single-step", test_single_step);
    g_test_add_func("/int/interrupt-shadow", test_interrupt_shadow);
    g_test_add_func("/int/io-permission", test_io_permission);
    g_test_add_func("/int/vex-modes", test_vex_modes);
    g_test_add_func("/int/fetch-fault", test_fetch_fault);
    g_test_add_func("/int/lock-smp", test_lock_smp);
    return g_test_run();
}
