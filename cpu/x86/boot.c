/* Direct-boot CPU state. */
#include "cpu/x86/boot.h"

#include <string.h>

/* A flat segment as the GDT descriptor 0x00cf9a000000ffff (code) or
 * 0x00cf93000000ffff (data) would load it: base 0, limit 4 GiB, 32-bit. */
static void flat_segment(SegmentCache *sc, uint16_t selector, bool code)
{
    sc->selector = selector;
    sc->base = 0;
    sc->limit = 0xffffffff;
    sc->flags = DESC_P_MASK | DESC_S_MASK | DESC_B_MASK | DESC_G_MASK | DESC_A_MASK |
                (code ? DESC_CS_MASK | DESC_R_MASK : DESC_W_MASK);
}

void x86_apply_boot_state(CPUX86State *env, const X86BootState *bs)
{
    if (bs->mode == X86_BOOT_RESET)
        return;
    /* Multiboot spec §3.2 "Machine state": CS a 32-bit read/execute code segment with
     * offset 0 and limit 0xffffffff, the data segments likewise read/write, A20 on,
     * CR0.PG clear and PE set, EFLAGS.VM and IF clear. */
    memcpy(env->regs, bs->regs, sizeof(env->regs));
    env->cr[0] = (env->cr[0] | CR0_PE) & ~(uint64_t)CR0_PG;
    flat_segment(&env->segs[R_CS], 0x10, true);
    for (int seg = 0; seg < 6; seg++)
        if (seg != R_CS)
            flat_segment(&env->segs[seg], 0x18, false);
    env->eflags &= ~(uint64_t)(IF_MASK | VM_MASK);
    env->a20_mask_lo = ~0u;
    if (bs->gdt_limit) {
        env->gdt.base = bs->gdt_base;
        env->gdt.limit = bs->gdt_limit;
    }
    env->rip = bs->rip;
    x86_cpu_update_hflags(env);
}
