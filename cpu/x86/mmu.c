/* Guest memory as the CPU sees it: linear -> physical (paging comes with the CPU
 * issue; until then linear addresses are physical, with the A20 gate applied), RAM
 * accessed directly, everything else through the machine's memory map under the
 * machine lock. Stores to pages holding translated code invalidate those blocks. */
#include <pthread.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "system/machine.h"

static inline uint64_t linear_to_phys(const CPUX86State *env, uint64_t linear)
{
    /* Without paging the physical address is the linear one, truncated to 32 bits
     * outside long mode (SDM 3A §3.3); A20 masks bit 20 when the gate is closed. */
    if (!(env->hflags & HF_LMA))
        linear &= 0xffffffffu;
    return linear & ((uint64_t)env->a20_mask_lo | 0xffffffff00000000ull);
}

static uint64_t phys_read(X86CPU *cpu, uint64_t phys, unsigned size)
{
    Machine *m = cpu->machine;
    uint8_t *p = address_space_ram_ptr(&m->mem, phys, size, false);
    if (p) {
        uint64_t v = 0;
        memcpy(&v, p, size); /* host is little-endian x86-64 like the guest */
        return v;
    }
    pthread_mutex_lock(&m->lock);
    uint64_t v = address_space_read(&m->mem, phys, size);
    pthread_mutex_unlock(&m->lock);
    return v;
}

static void phys_write(X86CPU *cpu, uint64_t phys, uint64_t val, unsigned size)
{
    Machine *m = cpu->machine;
    TBCache *tbc = cpu->tb_cache;
    if (tbc &&
        (tb_cache_page_has_code(tbc, phys) || tb_cache_page_has_code(tbc, phys + size - 1))) {
        /* Self-modifying code: drop the blocks first; the current block stops at the
         * next instruction boundary so that the new code is what runs next. */
        if (tb_cache_invalidate_range(tbc, phys, size))
            atomic_store(&cpu->exec.exit_request, 1);
    }
    uint8_t *p = address_space_ram_ptr(&m->mem, phys, size, true);
    if (p) {
        memcpy(p, &val, size);
        return;
    }
    pthread_mutex_lock(&m->lock);
    address_space_write(&m->mem, phys, val, size);
    pthread_mutex_unlock(&m->lock);
}

/* An access that crosses a page boundary is split into bytes so each byte is
 * translated on its own page (paging will make this matter). */
static bool crosses_page(uint64_t addr, unsigned size)
{
    return ((addr & 0xfff) + size) > 0x1000;
}

uint64_t x86_ld(CPUX86State *env, uint64_t linear, unsigned size)
{
    X86CPU *cpu = env_cpu(env);
    if (crosses_page(linear, size)) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= phys_read(cpu, linear_to_phys(env, linear + i), 1) << (8 * i);
        return v;
    }
    return phys_read(cpu, linear_to_phys(env, linear), size);
}

void x86_st(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size)
{
    X86CPU *cpu = env_cpu(env);
    if (crosses_page(linear, size)) {
        for (unsigned i = 0; i < size; i++)
            phys_write(cpu, linear_to_phys(env, linear + i), (val >> (8 * i)) & 0xff, 1);
        return;
    }
    phys_write(cpu, linear_to_phys(env, linear), val, size);
}

unsigned x86_mmu_index(uint32_t hflags)
{
    if (!(hflags & HF_PG))
        return X86_MMU_PHYS;
    if ((hflags & HF_CPL_MASK) == 3)
        return X86_MMU_USER;
    /* SDM 3A §4.6.1: with CR4.SMAP and EFLAGS.AC clear, supervisor data accesses to
     * user pages fault. */
    return (hflags & HF_SMAP_AC) ? X86_MMU_KERNEL : X86_MMU_KERNEL_NOSMAP;
}

static uint64_t guest_load(void *opaque, uint64_t addr, MemOp mop, unsigned mmu_idx)
{
    (void)mmu_idx;
    unsigned size = 1u << (mop & MO_SIZE);
    uint64_t v = x86_ld(opaque, addr, size);
    if ((mop & MO_SIGN) && size < 8) {
        unsigned shift = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return v;
}

static void guest_store(void *opaque, uint64_t addr, uint64_t val, MemOp mop, unsigned mmu_idx)
{
    (void)mmu_idx;
    x86_st(opaque, addr, val, 1u << (mop & MO_SIZE));
}

const TCGGuestMemOps x86_guest_mem_ops = {
    .load = guest_load,
    .store = guest_store,
};

bool x86_get_phys_code(CPUX86State *env, uint64_t linear, uint64_t *phys)
{
    *phys = linear_to_phys(env, linear);
    return true;
}

size_t x86_fetch_code(CPUX86State *env, uint64_t linear, uint8_t *buf, size_t len)
{
    X86CPU *cpu = env_cpu(env);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)phys_read(cpu, linear_to_phys(env, linear + i), 1);
    return len;
}

uint32_t x86_io_read(CPUX86State *env, uint16_t port, unsigned size)
{
    Machine *m = env_cpu(env)->machine;
    pthread_mutex_lock(&m->lock);
    uint32_t v = (uint32_t)address_space_read(&m->io, port, size);
    pthread_mutex_unlock(&m->lock);
    return v;
}

void x86_io_write(CPUX86State *env, uint16_t port, uint32_t val, unsigned size)
{
    Machine *m = env_cpu(env)->machine;
    pthread_mutex_lock(&m->lock);
    address_space_write(&m->io, port, val, size);
    pthread_mutex_unlock(&m->lock);
}
