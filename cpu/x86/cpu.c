/* The x86 CPU's state: reset, mode flags, EFLAGS, register dumps. */
#include "cpu/x86/cpu.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/cpuid.h"
#include "system/machine.h"

void x86_cpu_init(X86CPU *cpu, struct Machine *m, int index, TBCache *tbc)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->machine = m;
    cpu->index = index;
    cpu->tb_cache = tbc;
    /* -cpu (MachineConfig.cpu_model, validated by the option parser) or the default. */
    cpu->model = x86_cpu_model_find(m && m->cfg ? m->cfg->cpu_model : NULL);
    if (!cpu->model)
        cpu->model = x86_cpu_model_default();
    cpu->env.cpu = cpu;
    cpu->exec.env = &cpu->env;
    cpu->exec.mem = &x86_guest_mem_ops;
    x86_cpu_reset(cpu);
}

static void seg_set_real(SegmentCache *sc, uint16_t sel, uint32_t flags)
{
    sc->selector = sel;
    sc->base = (uint64_t)sel << 4;
    sc->limit = 0xffff;
    sc->flags = flags;
}

/* SDM 3A §9.1.1 Table 9-1: processor state following power-up/reset. */
void x86_cpu_reset(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    memset(env, 0, offsetof(CPUX86State, cpu));
    env->cpu = cpu;
    env->eflags = EFLAGS_FIXED;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = 0;
    env->cr[0] = CR0_ET | CR0_CD | CR0_NW;
    /* SDM 3A §9.1.4: EDX holds the CPUID.01H:EAX signature after reset. */
    env->regs[R_EDX] = x86_cpu_model_signature(x86_env_model(env));
    const uint32_t data_flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;
    for (int i = 0; i < 6; i++)
        seg_set_real(&env->segs[i], 0, data_flags);
    /* CS selector F000h with base FFFF0000h: the first fetch is at FFFFFFF0h. */
    env->segs[R_CS].selector = 0xf000;
    env->segs[R_CS].base = 0xffff0000;
    env->segs[R_CS].flags = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK;
    env->rip = 0xfff0;
    env->gdt.limit = 0xffff;
    env->idt.limit = 0xffff;
    env->ldt.limit = 0xffff;
    env->ldt.flags = DESC_P_MASK | (2u << DESC_TYPE_SHIFT);
    env->tr.limit = 0xffff;
    env->tr.flags = DESC_P_MASK | (11u << DESC_TYPE_SHIFT);
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->a20_mask_lo = ~0u;
    env->exception_index = -1;
    /* x87 and SSE power-up state (Table 9-1): FPU control word 0040h, tag word 5555h
     * (all registers zero-tagged), MXCSR 1F80h; XCR0 has x87 enabled. */
    env->fpuc = 0x0040;
    env->fptag = 0x5555;
    env->mxcsr = 0x1f80;
    env->xcr0 = 1;
    env->pat = 0x0007040600070406ull; /* SDM 3A §12.12.4: PAT reset value */
    /* APIC base (SDM 3A §11.4.4): default address, enabled, BSP flag on CPU 0. */
    env->apic_base = 0xfee00000ull | (1u << 11) | (cpu->index == 0 ? (1u << 8) : 0);
    x86_cpu_update_hflags(env);
}

/* The CPL in protected mode is SS.DPL, not CS.RPL. The two agree after every CS
 * load (SDM 3A §5.5: a far transfer sets CS.RPL to the new CPL, and SS.DPL must equal
 * the CPL, §5.7), but CS.RPL is stale right after MOV CR0 sets PE: the selector is
 * still a real-mode paragraph number whose low bits mean nothing, and the processor
 * keeps running at CPL 0 until the far jump (§9.9.1). SS's cached DPL is 0 from reset
 * through real mode, and every later SS load checks DPL = CPL, so it holds the CPL in
 * every case (it is also what VMX and SVM save as the guest's CPL). */
static unsigned x86_protected_mode_cpl(const CPUX86State *env)
{
    return (env->segs[R_SS].flags >> DESC_DPL_SHIFT) & 3;
}

void x86_cpu_update_hflags(CPUX86State *env)
{
    uint32_t hf = 0;
    if (env->cr[0] & CR0_PE) {
        hf |= HF_PE;
        if (env->eflags & VM_MASK)
            hf |= HF_VM | 3;
        else
            hf |= x86_protected_mode_cpl(env);
    }
    if (env->efer & EFER_LMA)
        hf |= HF_LMA;
    if ((hf & HF_LMA) && (env->segs[R_CS].flags & DESC_L_MASK)) {
        hf |= HF_CS64 | HF_CS32;
    } else if (env->segs[R_CS].flags & DESC_B_MASK) {
        hf |= HF_CS32;
    }
    if (env->segs[R_SS].flags & DESC_B_MASK)
        hf |= HF_SS32;
    if (env->cr[0] & CR0_PG)
        hf |= HF_PG;
    if (env->cr[0] & CR0_EM)
        hf |= HF_EM;
    if (env->cr[0] & CR0_TS)
        hf |= HF_TS;
    if (env->cr[0] & CR0_MP)
        hf |= HF_MP;
    if (env->cr[4] & CR4_OSFXSR)
        hf |= HF_OSFXSR;
    if ((env->cr[4] & CR4_SMAP) && !(env->eflags & AC_MASK))
        hf |= HF_SMAP_AC;
    if (env->eflags & TF_MASK)
        hf |= HF_TF;
    if (env->cr[4] & CR4_OSXSAVE) {
        hf |= HF_OSXSAVE;
        if ((env->xcr0 & 6) == 6)
            hf |= HF_AVX_EN;
    }
    env->hflags = hf;
}

uint32_t x86_read_eflags(const CPUX86State *env)
{
    return (uint32_t)(env->eflags & ~(uint64_t)CC_MASK) | EFLAGS_FIXED |
           (uint32_t)helper_cc_compute_all(env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
}

void x86_write_eflags(CPUX86State *env, uint32_t val, uint32_t mask)
{
    uint32_t cur = x86_read_eflags(env);
    uint32_t nv = (cur & ~mask) | (val & mask);
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = nv & CC_MASK;
    env->eflags = (nv & ~CC_MASK) | EFLAGS_FIXED;
    x86_cpu_update_hflags(env);
}

void x86_cpu_dump(const CPUX86State *env, FILE *f)
{
    static const char *const seg_names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    static const char *const reg_names[8] = {"EAX", "ECX", "EDX", "EBX",
                                             "ESP", "EBP", "ESI", "EDI"};
    for (int i = 0; i < 8; i++)
        fprintf(f, "%s=%08" PRIx64 "%s", reg_names[i], env->regs[i] & 0xffffffff,
                (i & 3) == 3 ? "\n" : " ");
    fprintf(f, "EIP=%08" PRIx64 " EFL=%08x CPL=%u HF=%04x\n", env->rip, x86_read_eflags(env),
            env->hflags & HF_CPL_MASK, env->hflags);
    for (int i = 0; i < 6; i++)
        fprintf(f, "%s =%04x %08" PRIx64 " %08x %08x\n", seg_names[i], env->segs[i].selector,
                env->segs[i].base, env->segs[i].limit, env->segs[i].flags);
    fprintf(f, "CR0=%08" PRIx64 " CR2=%08" PRIx64 " CR3=%08" PRIx64 " CR4=%08" PRIx64 "\n",
            env->cr[0], env->cr[2], env->cr[3], env->cr[4]);
}
