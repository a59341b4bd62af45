/* Helpers of the general-purpose instructions (see int_helper.h).
 *
 * Flags that the SDM leaves undefined are set as documented at each helper; the
 * choices follow Intel parts as Bochs ("validated against Intel Pentium family
 * hardware") and QEMU model them. */
#include "cpu/x86/int_helper.h"
#include "cpu/x86/tlb.h"

#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/seg_helper.h"

X86_INT_HELPERS(X86_DEFINE_HELPER_INFO)

#define DR6_BS (1u << 14) /* SDM 3A §18.2.3: single-step debug exception */

/* ---- flags ---- */

static uint32_t current_flags(const CPUX86State *env)
{
    return (uint32_t)helper_cc_compute_all(env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
}

static void set_flags(CPUX86State *env, uint32_t flags)
{
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = flags & CC_MASK;
}

/* SF, ZF and PF of an 8-bit result. */
static uint32_t flags_szp8(unsigned v)
{
    v &= 0xff;
    uint32_t f = (__builtin_popcount(v) & 1) ? 0 : CC_P;
    if (v == 0)
        f |= CC_Z;
    if (v & 0x80)
        f |= CC_S;
    return f;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* ---- single-step trap, I/O permission ---- */

/* SDM 3A §18.3.1.4: the single-step #DB is a trap: it is reported with rIP past the
 * instruction that ran with TF set, and DR6.BS set. The vCPU loop restores rIP from
 * the last insn_start for exceptions that are not software interrupts; pointing that
 * record at the next instruction makes the restore leave rIP where it is, so the trap
 * is delivered like any other exception (it is not an INT n: no DPL check). */
_Noreturn void helper_single_step(CPUX86State *env)
{
    X86CPU *cpu = env_cpu(env);
    env->dr[6] |= DR6_BS;
    memset(cpu->exec.insn_data, 0, sizeof(cpu->exec.insn_data));
    cpu->exec.insn_data[0] = env->segs[R_CS].base + env->rip;
    cpu->exec.insn_data[1] = env->segs[R_CS].base;
    x86_raise_exception(env, EXCP_DB);
}

/* SDM Vol 1 §19.5.1-19.5.2: in protected mode, I/O is allowed when CPL <= IOPL; above
 * it, and always in virtual-8086 mode, the TSS I/O permission bitmap decides
 * (x86_check_io, segmentation code). */
void helper_check_io(CPUX86State *env, uint64_t port, uint64_t size)
{
    x86_check_io(env, (uint16_t)port, (unsigned)size);
}

/* ---- probes ---- */

static bool crosses_page(uint64_t linear, unsigned size)
{
    return ((linear & 0xfff) + size) > 0x1000;
}

static uint8_t *probe(CPUX86State *env, uint64_t linear, unsigned size, int access)
{
    return x86_probe_access(env, linear, size, access, x86_mmu_index(env->hflags));
}

/* Raises the fault a write of [linear, linear + size) would raise, page by page. */
static void probe_write_range(CPUX86State *env, uint64_t linear, unsigned size)
{
    unsigned first = crosses_page(linear, size) ? 0x1000 - (unsigned)(linear & 0xfff) : size;
    probe(env, linear, first, X86_ACCESS_WRITE);
    if (first < size)
        probe(env, linear + first, size - first, X86_ACCESS_WRITE);
}

void helper_probe_write(CPUX86State *env, uint64_t linear, uint64_t size)
{
    probe_write_range(env, linear, (unsigned)size);
}

/* SDM Vol 2A CLFLUSH: permission checks and faults of a byte load; no other effect on
 * an emulated (coherent, cacheless) memory. */
void helper_clflush(CPUX86State *env, uint64_t linear)
{
    probe(env, linear, 1, X86_ACCESS_READ);
}

/* A host pointer on which a size-byte host atomic can operate, or NULL: not RAM,
 * crossing a page, or crossing a host cache line (a split lock is slow and may be
 * refused by the host kernel). Either way, the write permission has been checked. */
static uint8_t *atomic_host_ptr(CPUX86State *env, uint64_t linear, unsigned size)
{
    if (crosses_page(linear, size)) {
        probe_write_range(env, linear, size);
        return NULL;
    }
    uint8_t *host = probe(env, linear, size, X86_ACCESS_WRITE);
    if (host && ((uintptr_t)host & 63) + size > 64)
        return NULL;
    return host;
}

/* ---- LOCK: host atomics ---- */

typedef uint8_t __attribute__((may_alias)) alias_u8;
typedef uint16_t __attribute__((may_alias)) alias_u16;
typedef uint32_t __attribute__((may_alias)) alias_u32;
typedef uint64_t __attribute__((may_alias)) alias_u64;

static uint64_t apply_rmw(unsigned op, uint64_t old, uint64_t val)
{
    switch (op) {
    case X86_RMW_ADD: return old + val;
    case X86_RMW_SUB: return old - val;
    case X86_RMW_AND: return old & val;
    case X86_RMW_OR: return old | val;
    case X86_RMW_XOR: return old ^ val;
    case X86_RMW_XCHG: return val;
    default: return -old; /* NEG */
    }
}

#define DEFINE_HOST_ATOMICS(bits)                                                                  \
    static uint64_t host_rmw##bits(void *host, unsigned op, uint64_t val)                          \
    {                                                                                              \
        alias_u##bits *p = host;                                                                   \
        alias_u##bits v = (alias_u##bits)val;                                                      \
        switch (op) {                                                                              \
        case X86_RMW_ADD: return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                       \
        case X86_RMW_SUB: return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST);                       \
        case X86_RMW_AND: return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);                       \
        case X86_RMW_OR: return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);                         \
        case X86_RMW_XOR: return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);                       \
        case X86_RMW_XCHG: return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);                     \
        default: {                                                                                 \
            alias_u##bits old = __atomic_load_n(p, __ATOMIC_SEQ_CST);                              \
            while (!__atomic_compare_exchange_n(p, &old, (alias_u##bits)(0 - old), false,          \
                                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {             \
            }                                                                                      \
            return old;                                                                            \
        }                                                                                          \
        }                                                                                          \
    }                                                                                              \
    static uint64_t host_cmpxchg##bits(void *host, uint64_t expected, uint64_t desired)            \
    {                                                                                              \
        alias_u##bits *p = host;                                                                   \
        alias_u##bits old = (alias_u##bits)expected;                                               \
        __atomic_compare_exchange_n(p, &old, (alias_u##bits)desired, false, __ATOMIC_SEQ_CST,      \
                                    __ATOMIC_SEQ_CST);                                             \
        return old;                                                                                \
    }

DEFINE_HOST_ATOMICS(8)
DEFINE_HOST_ATOMICS(16)
DEFINE_HOST_ATOMICS(32)
DEFINE_HOST_ATOMICS(64)

uint64_t helper_atomic_rmw(CPUX86State *env, uint64_t linear, uint64_t val, uint64_t desc)
{
    unsigned op = desc & 0xff, size = (unsigned)(desc >> 8);
    x86_check_alignment(env, linear, size); /* #AC before any access (SDM 3A §6.15) */
    uint8_t *host = atomic_host_ptr(env, linear, size);
    if (host) {
        switch (size) {
        case 1: return host_rmw8(host, op, val);
        case 2: return host_rmw16(host, op, val);
        case 4: return host_rmw32(host, op, val);
        default: return host_rmw64(host, op, val);
        }
    }
    uint64_t old = x86_ld(env, linear, size);
    x86_st(env, linear, apply_rmw(op, old, val) & size_mask(size), size);
    return old;
}

uint64_t helper_atomic_cmpxchg(CPUX86State *env, uint64_t linear, uint64_t expected,
                               uint64_t desired, uint64_t size)
{
    unsigned n = (unsigned)size;
    x86_check_alignment(env, linear, n);
    uint8_t *host = atomic_host_ptr(env, linear, n);
    expected &= size_mask(n);
    if (host) {
        switch (n) {
        case 1: return host_cmpxchg8(host, expected, desired);
        case 2: return host_cmpxchg16(host, expected, desired);
        case 4: return host_cmpxchg32(host, expected, desired);
        default: return host_cmpxchg64(host, expected, desired);
        }
    }
    uint64_t old = x86_ld(env, linear, n);
    x86_st(env, linear, old == expected ? desired : old, n);
    return old;
}

/* SDM Vol 2A CMPXCHG8B/CMPXCHG16B: compare EDX:EAX (RDX:RAX) with m64 (m128); if equal
 * ZF = 1 and ECX:EBX (RCX:RBX) is stored, else ZF = 0 and the operand is loaded into
 * EDX:EAX (RDX:RAX), which is written only then (a 32-bit write: zero-extended in
 * 64-bit mode). The other flags are unaffected. The memory is always written. */
void helper_cmpxchg8b(CPUX86State *env, uint64_t linear)
{
    uint64_t *r = env->regs;
    uint64_t expected = (r[R_EAX] & 0xffffffff) | (r[R_EDX] << 32);
    uint64_t desired = (r[R_EBX] & 0xffffffff) | (r[R_ECX] << 32);
    x86_check_alignment(env, linear, 8);
    uint8_t *host = atomic_host_ptr(env, linear, 8);
    uint64_t old;
    if (host) {
        old = host_cmpxchg64(host, expected, desired);
    } else {
        old = x86_ld(env, linear, 8);
        x86_st(env, linear, old == expected ? desired : old, 8);
    }
    uint32_t fl = current_flags(env) & ~CC_Z;
    if (old == expected) {
        fl |= CC_Z;
    } else {
        r[R_EAX] = old & 0xffffffff;
        r[R_EDX] = old >> 32;
    }
    set_flags(env, fl);
}

static bool host_cmpxchg128(void *host, uint64_t *lo, uint64_t *hi, uint64_t new_lo,
                            uint64_t new_hi)
{
#if defined(__x86_64__)
    bool equal;
    asm volatile("lock cmpxchg16b %[m]"
                 : [m] "+m"(*(volatile unsigned __int128 *)host), "+a"(*lo), "+d"(*hi),
                   "=@ccz"(equal)
                 : "b"(new_lo), "c"(new_hi)
                 : "memory");
    return equal;
#else
    alias_u64 *p = host;
    bool equal = p[0] == *lo && p[1] == *hi;
    if (equal) {
        p[0] = new_lo;
        p[1] = new_hi;
    } else {
        *lo = p[0];
        *hi = p[1];
    }
    return equal;
#endif
}

void helper_cmpxchg16b(CPUX86State *env, uint64_t linear)
{
    uint64_t *r = env->regs;
    /* SDM Vol 2A CMPXCHG16B: #GP(0) if the operand is not 16-byte aligned. */
    if (linear & 15)
        x86_raise_exception_err(env, EXCP_GP, 0);
    uint64_t lo = r[R_EAX], hi = r[R_EDX];
    uint8_t *host = atomic_host_ptr(env, linear, 16);
    bool equal;
    if (host && !((uintptr_t)host & 15)) {
        equal = host_cmpxchg128(host, &lo, &hi, r[R_EBX], r[R_ECX]);
    } else {
        uint64_t old_lo = x86_ld(env, linear, 8), old_hi = x86_ld(env, linear + 8, 8);
        equal = old_lo == lo && old_hi == hi;
        x86_st(env, linear, equal ? r[R_EBX] : old_lo, 8);
        x86_st(env, linear + 8, equal ? r[R_ECX] : old_hi, 8);
        lo = old_lo;
        hi = old_hi;
    }
    uint32_t fl = current_flags(env) & ~CC_Z;
    if (equal) {
        fl |= CC_Z;
    } else {
        r[R_EAX] = lo;
        r[R_EDX] = hi;
    }
    set_flags(env, fl);
}

/* ---- BOUND ---- */

/* SDM Vol 2A BOUND: #BR when the signed index is below the lower bound (first
 * operand word) or above the upper one (second word). desc = index | size << 32. */
void helper_bound(CPUX86State *env, uint64_t lower_linear, uint64_t upper_linear, uint64_t desc)
{
    unsigned size = (unsigned)(desc >> 32);
    int64_t index, lower, upper;
    if (size == 2) {
        index = (int16_t)desc;
        lower = (int16_t)x86_ld(env, lower_linear, 2);
        upper = (int16_t)x86_ld(env, upper_linear, 2);
    } else {
        index = (int32_t)desc;
        lower = (int32_t)x86_ld(env, lower_linear, 4);
        upper = (int32_t)x86_ld(env, upper_linear, 4);
    }
    if (index < lower || index > upper)
        x86_raise_exception(env, EXCP_BR);
}

/* ---- BCD (SDM Vol 2A DAA, DAS, AAA, AAS, AAM, AAD) ---- */

static unsigned get_al(const CPUX86State *env)
{
    return env->regs[R_EAX] & 0xff;
}

static void set_ax(CPUX86State *env, unsigned ax)
{
    env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffull) | (ax & 0xffff);
}

/* DAA: OF is undefined; Intel parts clear it. */
void helper_daa(CPUX86State *env)
{
    uint32_t fl = current_flags(env);
    unsigned old_al = get_al(env), al = old_al;
    bool old_cf = fl & CC_C, af = false;
    if ((al & 0x0f) > 9 || (fl & CC_A)) {
        al = (al + 6) & 0xff;
        af = true;
    }
    bool cf = old_al > 0x99 || old_cf;
    if (cf)
        al = (al + 0x60) & 0xff;
    env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffull) | al;
    set_flags(env, flags_szp8(al) | (cf ? CC_C : 0) | (af ? CC_A : 0));
}

/* DAS: OF is undefined; Intel parts clear it. */
void helper_das(CPUX86State *env)
{
    uint32_t fl = current_flags(env);
    unsigned old_al = get_al(env), al = old_al;
    bool old_cf = fl & CC_C, af = false, cf = false;
    if ((al & 0x0f) > 9 || (fl & CC_A)) {
        cf = old_cf || al < 6;
        al = (al - 6) & 0xff;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (al - 0x60) & 0xff;
        cf = true;
    }
    env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffull) | al;
    set_flags(env, flags_szp8(al) | (cf ? CC_C : 0) | (af ? CC_A : 0));
}

/* AAA/AAS: only AF and CF are defined; OF, SF, ZF and PF are left as they were. */
void helper_aaa(CPUX86State *env)
{
    uint32_t cur = current_flags(env), fl = cur & ~(CC_A | CC_C);
    unsigned ax = env->regs[R_EAX] & 0xffff;
    if ((ax & 0x0f) > 9 || (cur & CC_A)) {
        ax += 0x106;
        fl |= CC_A | CC_C;
    }
    set_ax(env, (ax & 0xff00) | (ax & 0x0f));
    set_flags(env, fl);
}

void helper_aas(CPUX86State *env)
{
    uint32_t cur = current_flags(env), fl = cur & ~(CC_A | CC_C);
    unsigned ax = env->regs[R_EAX] & 0xffff;
    if ((ax & 0x0f) > 9 || (cur & CC_A)) {
        ax -= 6;
        ax -= 0x100;
        fl |= CC_A | CC_C;
    }
    set_ax(env, (ax & 0xff00) | (ax & 0x0f));
    set_flags(env, fl);
}

/* AAM imm8 (the translator raises #DE for 0): SF, ZF, PF from AL; OF, AF and CF are
 * undefined and cleared, as on Intel parts. */
void helper_aam(CPUX86State *env, uint64_t base)
{
    unsigned al = get_al(env), b = (unsigned)base & 0xff;
    unsigned q = al / b, r = al % b;
    set_ax(env, (q << 8) | r);
    set_flags(env, flags_szp8(r));
}

/* AAD imm8: AL = AL + AH * imm8, AH = 0; SF, ZF, PF from AL; OF, AF, CF cleared. */
void helper_aad(CPUX86State *env, uint64_t base)
{
    unsigned ax = env->regs[R_EAX] & 0xffff;
    unsigned al = ((ax & 0xff) + (ax >> 8) * ((unsigned)base & 0xff)) & 0xff;
    set_ax(env, al);
    set_flags(env, flags_szp8(al));
}

/* ---- RDRAND / RDSEED ---- */

/* SDM Vol 2B RDRAND/RDSEED: a random value (from the host's generator) and CF = 1;
 * the translator sets the flags. The host call cannot fail for small requests once
 * the pool is initialised; should it, the value is still whatever was read. */
uint64_t helper_rdrand(CPUX86State *env, uint64_t size)
{
    (void)env;
    uint64_t v = 0;
    size_t got = 0;
    while (got < size) {
        ssize_t n = getrandom((uint8_t *)&v + got, (size_t)size - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return v & size_mask((unsigned)size);
}

/* ---- bit manipulation ---- */

uint64_t helper_bit_count(uint64_t val, uint64_t desc)
{
    unsigned size = (unsigned)(desc >> 4), bits = 8 * size;
    val &= size_mask(size);
    switch (desc & 0xf) {
    case X86_BITS_BSF: return val ? (uint64_t)__builtin_ctzll(val) : 0;
    case X86_BITS_BSR: return val ? (uint64_t)(63 - __builtin_clzll(val)) : 0;
    case X86_BITS_TZCNT: return val ? (uint64_t)__builtin_ctzll(val) : bits;
    case X86_BITS_LZCNT: return val ? (uint64_t)(__builtin_clzll(val) - (64 - (int)bits)) : bits;
    default: return (uint64_t)__builtin_popcountll(val);
    }
}

uint64_t helper_bswap(uint64_t val, uint64_t size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)val);
    case 4: return __builtin_bswap32((uint32_t)val);
    default: return __builtin_bswap64(val);
    }
}

/* SDM Vol 2B PDEP: the low bits of val go, in order, to the set bit positions of mask. */
uint64_t helper_pdep(uint64_t val, uint64_t mask)
{
    uint64_t res = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & -mask;
        if (val & bit)
            res |= low;
        mask &= mask - 1;
    }
    return res;
}

/* SDM Vol 2B PEXT: the bits of val at the set positions of mask, packed low. */
uint64_t helper_pext(uint64_t val, uint64_t mask)
{
    uint64_t res = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & -mask;
        if (val & low)
            res |= bit;
        mask &= mask - 1;
    }
    return res;
}

/* SDM Vol 2A BEXTR: start in control[7:0], length in control[15:8]. */
uint64_t helper_bextr(uint64_t val, uint64_t control, uint64_t size)
{
    unsigned start = control & 0xff, len = (control >> 8) & 0xff, bits = 8 * (unsigned)size;
    val &= size_mask((unsigned)size);
    if (start >= bits)
        return 0;
    val >>= start;
    if (len < 64)
        val &= (1ull << len) - 1;
    return val;
}

/* SDM Vol 2A CRC32: CRC-32C (Castagnoli, reflected polynomial 82F63B78h) of size bytes
 * of val, accumulated into crc; no final inversion. */
uint64_t helper_crc32c(uint64_t crc, uint64_t val, uint64_t size)
{
    uint32_t c = (uint32_t)crc;
    for (unsigned i = 0; i < size; i++) {
        c ^= (uint8_t)(val >> (8 * i));
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & -(c & 1));
    }
    return c;
}
