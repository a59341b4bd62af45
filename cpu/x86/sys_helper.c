/* System-instruction helpers (sys_helper.h). Each follows the "Operation" and
 * "Protected Mode Exceptions" of its SDM Vol 2 page: every check comes first, then
 * the state changes, so that a fault leaves the guest as it was (precise exceptions).
 * The CPL-0 and real/v8086-mode #UD checks that depend only on hflags are made at
 * translation time (translate-sys.c); checks on CR4, EFER or MSRs are made here.
 */
#include "cpu/x86/sys_helper.h"

#include "cpu/x86/cc_helper.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/msr.h"
#include "cpu/x86/seg_helper.h"
#include "cpu/x86/tlb.h"
#include "system/machine.h"

X86_SYS_HELPERS(X86_DEFINE_HELPER_INFO)

static unsigned cpl(const CPUX86State *env)
{
    return env->hflags & HF_CPL_MASK;
}

_Noreturn static void raise_gp0(CPUX86State *env)
{
    x86_raise_exception_err(env, EXCP_GP, 0);
}

_Noreturn void helper_priv_fault(CPUX86State *env)
{
    raise_gp0(env);
}

void x86_sys_tlb_flush(CPUX86State *env, bool include_global)
{
    x86_tlb_flush(env, include_global);
}

/* ---- control registers ---- */

#define CR0_WRITABLE                                                                               \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)

/* PAE paging (not 4-level): its PDPTEs are loaded by the MOVs that enter it or reload
 * CR3 (SDM 3A §4.4.1). */
static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME);
}

/* SDM Vol 2B MOV CR and 3A §2.5, §9.8.5 (IA-32e mode activation). */
static void write_cr0(CPUX86State *env, uint64_t val)
{
    uint64_t old = env->cr[0];
    if (val >> 32)
        raise_gp0(env);
    /* Writes to reserved bits of CR0[31:0] are ignored; ET is hardwired to 1 since the
     * Pentium (SDM 3A §2.5). */
    val = (val & CR0_WRITABLE) | CR0_ET;
    if ((val & CR0_PG) && !(val & CR0_PE))
        raise_gp0(env);
    if ((val & CR0_NW) && !(val & CR0_CD))
        raise_gp0(env);
    bool paging_on = (val & CR0_PG) && !(old & CR0_PG);
    bool paging_off = !(val & CR0_PG) && (old & CR0_PG);
    /* IA-32e mode is activated by enabling paging with EFER.LME: PAE must be on and
     * CS must not be a 64-bit segment already. */
    if (paging_on && (env->efer & EFER_LME) &&
        (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L_MASK)))
        raise_gp0(env);
    /* Paging cannot be turned off in 64-bit mode or with PCIDs on. */
    if (paging_off && ((env->hflags & HF_CS64) || (env->cr[4] & CR4_PCIDE)))
        raise_gp0(env);
    if (pae_paging(val, env->cr[4], env->efer) &&
        (paging_on || ((old ^ val) & (CR0_CD | CR0_NW))) && !x86_mmu_load_pdptes(env, env->cr[3]))
        raise_gp0(env);

    env->cr[0] = val;
    if (paging_on && (env->efer & EFER_LME))
        env->efer |= EFER_LMA;
    if (paging_off)
        env->efer &= ~(uint64_t)EFER_LMA;
    if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
        x86_sys_tlb_flush(env, true);
    x86_cpu_update_hflags(env);
}

/* In IA-32e mode CR3 bits MAXPHYADDR..63 are reserved (#GP); bits 11:0 are ignored
 * without PCIDs. Outside it CR3 is 32 bits wide. */
static void write_cr3(CPUX86State *env, uint64_t val)
{
    if (env->efer & EFER_LMA) {
        if (val >> X86_PHYS_ADDR_BITS)
            raise_gp0(env);
    } else {
        val &= 0xffffffffu;
    }
    if (pae_paging(env->cr[0], env->cr[4], env->efer) && !x86_mmu_load_pdptes(env, val))
        raise_gp0(env);
    env->cr[3] = val;
    /* SDM 3A §4.10.4.1: MOV to CR3 invalidates all non-global translations. */
    x86_sys_tlb_flush(env, false);
}

/* CR4 bits that change the meaning of cached translations (SDM 3A §4.10.4.1). */
#define CR4_PAGING_BITS (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_PCIDE)

static void write_cr4(CPUX86State *env, uint64_t val)
{
    uint64_t old = env->cr[4];
    if (val & ~x86_cpu_model_cr4_mask(x86_env_model(env)))
        raise_gp0(env);
    /* SDM 3A §9.8.5.4: clearing PAE while IA-32e mode is active is a #GP. */
    if ((env->efer & EFER_LMA) && !(val & CR4_PAE))
        raise_gp0(env);
    /* SDM Vol 2B MOV CR: PCIDE can be set only in IA-32e mode with CR3[11:0] = 0. */
    if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
        (!(env->efer & EFER_LMA) || (env->cr[3] & 0xfff)))
        raise_gp0(env);
    if (pae_paging(env->cr[0], val, env->efer) &&
        ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) &&
        !x86_mmu_load_pdptes(env, env->cr[3]))
        raise_gp0(env);

    env->cr[4] = val;
    if ((old ^ val) & CR4_PAGING_BITS)
        x86_sys_tlb_flush(env, true);
    x86_cpu_update_hflags(env);
}

/* CR8 is the task-priority register of the local APIC: CR8[3:0] = TPR[7:4] (SDM 3A
 * §10.8.6.1). Without an APIC it reads 0 and writes are dropped. */
static void write_cr8(CPUX86State *env, uint64_t val)
{
    if (val & ~0xfull)
        raise_gp0(env);
    X86CPU *cpu = env->cpu;
    if (!cpu || !cpu->apic_ops)
        return;
    pthread_mutex_lock(&cpu->machine->lock);
    cpu->apic_ops->mmio_write(cpu->apic, 0x80, (uint32_t)val << 4);
    pthread_mutex_unlock(&cpu->machine->lock);
}

uint64_t helper_read_cr8(CPUX86State *env)
{
    X86CPU *cpu = env->cpu;
    if (!cpu || !cpu->apic_ops)
        return 0;
    pthread_mutex_lock(&cpu->machine->lock);
    uint32_t tpr = cpu->apic_ops->mmio_read(cpu->apic, 0x80);
    pthread_mutex_unlock(&cpu->machine->lock);
    return (tpr >> 4) & 0xf;
}

void helper_write_cr(CPUX86State *env, uint64_t reg, uint64_t val)
{
    switch (reg) {
    case 0: write_cr0(env, val); break;
    case 2: env->cr[2] = val; break;
    case 3: write_cr3(env, val); break;
    case 4: write_cr4(env, val); break;
    case 8: write_cr8(env, val); break;
    default: x86_raise_exception(env, EXCP_UD);
    }
}

/* SDM Vol 2A LMSW: loads CR0[3:0] (PE, MP, EM, TS); it can set PE but never clear
 * it. */
void helper_lmsw(CPUX86State *env, uint64_t val)
{
    uint64_t cr0 = (env->cr[0] & ~0xfull) | (val & 0xf) | (env->cr[0] & CR0_PE);
    write_cr0(env, cr0);
}

void helper_clts(CPUX86State *env)
{
    env->cr[0] &= ~(uint64_t)CR0_TS;
    x86_cpu_update_hflags(env);
}

/* SDM Vol 2A INVLPG: a non-canonical address is a no-op. */
void helper_invlpg(CPUX86State *env, uint64_t linear)
{
    if ((env->hflags & HF_LMA) && !x86_is_canonical(linear))
        return;
    x86_tlb_flush_page(env, linear);
}

/* ---- debug registers (SDM 3A §17.2) ---- */

#define DR6_FIXED_1  0xffff0ff0ull /* bits that read 1 (no RTM: bit 16 too) */
#define DR6_WRITABLE 0xe00full     /* B0-B3, BD, BS, BT */
#define DR6_BD       (1u << 13)
#define DR7_FIXED_1  0x400ull
#define DR7_FIXED_0  0xd800ull /* bits 11 (RTM), 12, 14, 15 read 0 */
#define DR7_GD       (1u << 13)

/* The register a MOV DR names: DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD
 * (SDM 3A §17.2.2); with DR7.GD set any access is a #DB fault with DR6.BD set, and GD
 * is cleared so the handler can use the debug registers (SDM 3A §17.2.4). */
static unsigned dr_access(CPUX86State *env, uint64_t reg)
{
    if (reg == 4 || reg == 5) {
        if (env->cr[4] & CR4_DE)
            x86_raise_exception(env, EXCP_UD);
        reg += 2;
    }
    if (env->dr[7] & DR7_GD) {
        env->dr[6] |= DR6_BD;
        env->dr[7] &= ~(uint64_t)DR7_GD;
        x86_raise_exception(env, EXCP_DB);
    }
    return (unsigned)reg;
}

uint64_t helper_read_dr(CPUX86State *env, uint64_t reg)
{
    return env->dr[dr_access(env, reg)];
}

/* DR0-DR3 and DR7 define the breakpoints (tlb.h, "Hardware breakpoints"): the
 * translator and the TLB are told of every change. */
void helper_write_dr(CPUX86State *env, uint64_t reg, uint64_t val)
{
    unsigned n = dr_access(env, reg);
    bool mode64 = env->hflags & HF_CS64;
    if (!mode64)
        val &= 0xffffffffu;
    if (n >= 6 && (val >> 32))
        raise_gp0(env); /* 64-bit mode: DR6/DR7 bits 63:32 are reserved */
    if (n == 6)
        val = (val & DR6_WRITABLE) | DR6_FIXED_1;
    else if (n == 7)
        val = (val & ~DR7_FIXED_0) | DR7_FIXED_1;
    uint64_t old = env->dr[n];
    env->dr[n] = val;
    /* RF is cleared once an instruction completes (SDM 3A §18.3.1.1): a breakpoint
     * enabled here is not suppressed by an RF left from an earlier IRET. */
    env->eflags &= ~(uint64_t)RF_MASK;
    if (n != 6 && val != old)
        x86_debug_update(env);
}

/* ---- descriptor-table instructions ---- */

void helper_lldt(CPUX86State *env, uint64_t selector)
{
    x86_load_ldt(env, (uint16_t)selector);
}

void helper_ltr(CPUX86State *env, uint64_t selector)
{
    x86_load_tr(env, (uint16_t)selector);
}

/* Sets ZF only (LAR, LSL, VERR, VERW, ARPL leave the other flags). */
static void set_zf(CPUX86State *env, bool zf)
{
    uint32_t fl =
        (uint32_t)helper_cc_compute_all(env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
    fl = (fl & ~CC_Z) | (zf ? CC_Z : 0);
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = fl;
}

/* Writes general register reg as an operand of opsize bytes does. */
static void set_reg(CPUX86State *env, unsigned reg, uint64_t val, unsigned opsize)
{
    if (opsize == 2)
        env->regs[reg] = (env->regs[reg] & ~0xffffull) | (val & 0xffff);
    else if (opsize == 4)
        env->regs[reg] = (uint32_t)val;
    else
        env->regs[reg] = val;
}

static bool is_conforming_code(const X86Desc *d)
{
    return !x86_desc_is_system(d) && (x86_desc_type(d) & 0xc) == 0xc;
}

/* The privilege rule of LAR, LSL, VERR and VERW: a conforming code segment is always
 * visible, anything else only when DPL >= CPL and DPL >= RPL. */
static bool desc_visible(const CPUX86State *env, uint16_t selector, const X86Desc *d)
{
    if (is_conforming_code(d))
        return true;
    unsigned dpl = x86_desc_dpl(d);
    return dpl >= cpl(env) && dpl >= (selector & X86_SEL_RPL);
}

/* Reads the descriptor a LAR-class instruction looks at; false for a null selector or
 * one outside its table (ZF = 0). */
static bool read_desc_for_check(CPUX86State *env, uint16_t selector, X86Desc *d)
{
    if ((selector & ~X86_SEL_RPL) == 0)
        return false;
    return x86_read_desc(env, selector, false, d);
}

/* System-descriptor types LAR and LSL accept (SDM Vol 2A LAR Table 3-59, LSL Table
 * 3-63), as bit masks over the type: outside IA-32e mode, and in it (where 16-bit
 * TSSs and gates, and task gates, do not exist). */
#define TYPE_BIT(n) (1u << (n))
static const uint16_t lar_types_legacy = TYPE_BIT(1) | TYPE_BIT(2) | TYPE_BIT(3) | TYPE_BIT(4) |
                                         TYPE_BIT(5) | TYPE_BIT(9) | TYPE_BIT(11) | TYPE_BIT(12);
static const uint16_t lar_types_ia32e = TYPE_BIT(2) | TYPE_BIT(9) | TYPE_BIT(11) | TYPE_BIT(12);
static const uint16_t lsl_types_legacy =
    TYPE_BIT(1) | TYPE_BIT(2) | TYPE_BIT(3) | TYPE_BIT(9) | TYPE_BIT(11);
static const uint16_t lsl_types_ia32e = TYPE_BIT(2) | TYPE_BIT(9) | TYPE_BIT(11);

static bool lar_lsl_valid(CPUX86State *env, uint16_t selector, const X86Desc *d, bool lsl)
{
    if (x86_desc_is_system(d)) {
        bool ia32e = env->efer & EFER_LMA;
        uint16_t types = lsl ? (ia32e ? lsl_types_ia32e : lsl_types_legacy)
                             : (ia32e ? lar_types_ia32e : lar_types_legacy);
        if (!(types & (1u << x86_desc_type(d))))
            return false;
    }
    return desc_visible(env, selector, d);
}

/* SDM Vol 2A LAR: the access rights are the second dword masked with 00F0FF00H
 * (0000FF00H for a 16-bit operand). */
void helper_lar(CPUX86State *env, uint64_t selector, uint64_t reg, uint64_t opsize)
{
    X86Desc d;
    uint16_t sel = (uint16_t)selector;
    bool ok = read_desc_for_check(env, sel, &d) && lar_lsl_valid(env, sel, &d, false);
    if (ok)
        set_reg(env, (unsigned)reg, d.hi & (opsize == 2 ? 0xff00u : 0x00f0ff00u), (unsigned)opsize);
    set_zf(env, ok);
}

/* SDM Vol 2A LSL: the limit in bytes (scaled by G), truncated to a 16-bit operand. */
void helper_lsl(CPUX86State *env, uint64_t selector, uint64_t reg, uint64_t opsize)
{
    X86Desc d;
    uint16_t sel = (uint16_t)selector;
    bool ok = read_desc_for_check(env, sel, &d) && lar_lsl_valid(env, sel, &d, true);
    if (ok)
        set_reg(env, (unsigned)reg, x86_desc_limit(&d), (unsigned)opsize);
    set_zf(env, ok);
}

/* SDM Vol 2B VERR/VERW: code or data segments only; VERR wants a readable one (data,
 * or code with R), VERW a writable data segment; the privilege rule as for LAR
 * (conforming code segments are exempt, which only matters to VERR). */
static void verify_segment(CPUX86State *env, uint16_t sel, bool write)
{
    X86Desc d;
    bool ok = read_desc_for_check(env, sel, &d) && !x86_desc_is_system(&d);
    if (ok) {
        bool code = x86_desc_type(&d) & 8;
        bool rw = x86_desc_type(&d) & 2; /* R for code, W for data */
        ok = (write ? !code && rw : !code || rw) && desc_visible(env, sel, &d);
    }
    set_zf(env, ok);
}

void helper_verr(CPUX86State *env, uint64_t selector)
{
    verify_segment(env, (uint16_t)selector, false);
}

void helper_verw(CPUX86State *env, uint64_t selector)
{
    verify_segment(env, (uint16_t)selector, true);
}

/* ---- CPUID, MSRs, TSC ---- */

void helper_cpuid(CPUX86State *env)
{
    uint32_t out[4];
    x86_cpuid(x86_env_model(env), env, (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_ECX], out);
    env->regs[R_EAX] = out[0];
    env->regs[R_EBX] = out[1];
    env->regs[R_ECX] = out[2];
    env->regs[R_EDX] = out[3];
}

static void set_edx_eax(CPUX86State *env, uint64_t v)
{
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

/* SDM Vol 2B RDMSR/WRMSR: #GP(0) for an MSR that does not exist or, for WRMSR,
 * reserved bits or an invalid value. The CPL check is the lowering's. */
void helper_rdmsr(CPUX86State *env)
{
    uint64_t val;
    if (!x86_msr_read(env, (uint32_t)env->regs[R_ECX], &val))
        raise_gp0(env);
    set_edx_eax(env, val);
}

void helper_wrmsr(CPUX86State *env)
{
    uint64_t val = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    if (!x86_msr_write(env, (uint32_t)env->regs[R_ECX], val))
        raise_gp0(env);
}

/* SDM Vol 2B RDTSC: #GP(0) when CR4.TSD is set and CPL > 0. */
static void check_tsd(CPUX86State *env)
{
    if ((env->cr[4] & CR4_TSD) && cpl(env) != 0)
        raise_gp0(env);
}

void helper_rdtsc(CPUX86State *env)
{
    check_tsd(env);
    set_edx_eax(env, x86_tsc_read(env));
}

/* SDM Vol 2B RDTSCP: #UD where CPUID.80000001H:EDX.RDTSCP is 0. */
void helper_rdtscp(CPUX86State *env)
{
    if (!x86_cpu_model_has(x86_env_model(env), FEAT_8000_0001_EDX, CPUID_8000_0001_EDX_RDTSCP))
        x86_raise_exception(env, EXCP_UD);
    check_tsd(env);
    set_edx_eax(env, x86_tsc_read(env));
    env->regs[R_ECX] = (uint32_t)env->tsc_aux;
}

/* SDM Vol 2B RDPMC: #GP(0) unless CPL = 0 or CR4.PCE, and for a counter that does not
 * exist. CPUID leaf 0AH reports no performance counters, so every ECX is invalid. */
void helper_rdpmc(CPUX86State *env)
{
    raise_gp0(env);
}

/* ---- fast system calls ---- */

/* The flat segments SYSCALL/SYSRET/SYSENTER/SYSEXIT load: base 0, limit 4 GiB, and
 * the fixed attributes their Operation sections list. */
#define FLAT_CODE_FLAGS                                                                            \
    (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_G_MASK)
#define FLAT_DATA_FLAGS                                                                            \
    (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_G_MASK | DESC_B_MASK)

static void load_flat_segments(CPUX86State *env, uint16_t cs, uint16_t ss, unsigned dpl,
                               bool code64)
{
    uint32_t dpl_bits = dpl << DESC_DPL_SHIFT;
    uint32_t cs_size = code64 ? DESC_L_MASK : DESC_B_MASK;
    x86_load_seg_cache(env, R_CS, cs, 0, 0xffffffffu, FLAT_CODE_FLAGS | cs_size | dpl_bits);
    x86_load_seg_cache(env, R_SS, ss, 0, 0xffffffffu, FLAT_DATA_FLAGS | dpl_bits);
}

/* EFLAGS bits that SYSRET may load from R11 (SDM Vol 2B SYSRET: R11 & 3C7FD7H; RF and
 * VM are cleared, reserved bits are not loaded). */
#define SYSRET_EFLAGS_MASK 0x3c7fd7u

/* SDM Vol 2B SYSCALL. Only 64-bit mode reaches here (the decoder makes it #UD
 * elsewhere, as Intel parts do). */
void helper_syscall(CPUX86State *env, uint64_t next_eip)
{
    if (!(env->efer & EFER_SCE))
        x86_raise_exception(env, EXCP_UD);
    uint32_t rflags = x86_read_eflags(env) & ~RF_MASK;
    uint16_t sel = (uint16_t)(env->star >> 32);
    env->regs[R_ECX] = next_eip;
    env->regs[11] = rflags;
    load_flat_segments(env, sel & 0xfffc, (uint16_t)(sel + 8) & 0xfffc, 0, true);
    x86_write_eflags(env, rflags & ~(uint32_t)env->fmask, ~0u);
    env->rip = env->lstar;
    x86_cpu_update_hflags(env);
}

/* SDM Vol 2B SYSRET: to 64-bit mode with REX.W (CS = STAR[63:48] + 16), else to
 * compatibility mode (CS = STAR[63:48]); SS = STAR[63:48] + 8; RPL 3. A non-canonical
 * RCX faults at CPL 0, before anything changes. */
void helper_sysret(CPUX86State *env, uint64_t opsize)
{
    if (!(env->efer & EFER_SCE))
        x86_raise_exception(env, EXCP_UD);
    if (cpl(env) != 0)
        raise_gp0(env);
    bool to64 = opsize == 8;
    uint64_t rip = env->regs[R_ECX];
    if (to64 && !x86_is_canonical(rip))
        raise_gp0(env);
    uint16_t sel = (uint16_t)(env->star >> 48);
    uint16_t cs = (uint16_t)(to64 ? sel + 16 : sel) | 3;
    load_flat_segments(env, cs, (uint16_t)(sel + 8) | 3, 3, to64);
    x86_write_eflags(env, ((uint32_t)env->regs[11] & SYSRET_EFLAGS_MASK) | EFLAGS_FIXED, ~0u);
    env->rip = to64 ? rip : (uint32_t)rip;
    x86_cpu_update_hflags(env);
}

/* SDM Vol 2B SYSENTER: #GP(0) in real mode or with a null IA32_SYSENTER_CS. Enters
 * CPL 0 with CS = SYSENTER_CS, SS = SYSENTER_CS + 8; 64-bit code in IA-32e mode. */
void helper_sysenter(CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PE) || (env->sysenter_cs & 0xfffc) == 0)
        raise_gp0(env);
    bool ia32e = env->efer & EFER_LMA;
    uint16_t cs = (uint16_t)env->sysenter_cs & 0xfffc;
    x86_write_eflags(env, 0, VM_MASK | IF_MASK | RF_MASK);
    load_flat_segments(env, cs, (uint16_t)(cs + 8), 0, ia32e);
    env->regs[R_ESP] = ia32e ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    env->rip = ia32e ? env->sysenter_eip : (uint32_t)env->sysenter_eip;
    x86_cpu_update_hflags(env);
}

/* SDM Vol 2B SYSEXIT: #GP(0) in real mode, with a null IA32_SYSENTER_CS or at CPL >
 * 0; with REX.W returns to 64-bit code (CS = SYSENTER_CS + 32, SS + 40, non-canonical
 * RCX/RDX fault), else to 32-bit code (CS + 16, SS + 24); RPL 3. */
void helper_sysexit(CPUX86State *env, uint64_t opsize)
{
    if (!(env->cr[0] & CR0_PE) || (env->sysenter_cs & 0xfffc) == 0 || cpl(env) != 0)
        raise_gp0(env);
    bool to64 = opsize == 8;
    uint64_t rsp = env->regs[R_ECX], rip = env->regs[R_EDX];
    if (to64 && (!x86_is_canonical(rsp) || !x86_is_canonical(rip)))
        raise_gp0(env);
    uint16_t base = (uint16_t)env->sysenter_cs;
    uint16_t cs = (uint16_t)(base + (to64 ? 32 : 16)) | 3;
    uint16_t ss = (uint16_t)(base + (to64 ? 40 : 24)) | 3;
    load_flat_segments(env, cs, ss, 3, to64);
    env->regs[R_ESP] = to64 ? rsp : (uint32_t)rsp;
    env->rip = to64 ? rip : (uint32_t)rip;
    x86_cpu_update_hflags(env);
}

/* ---- FS/GS base instructions (SDM Vol 2B RDFSBASE/WRFSBASE) ---- */

static void check_fsgsbase(CPUX86State *env)
{
    if (!(env->cr[4] & CR4_FSGSBASE))
        x86_raise_exception(env, EXCP_UD);
}

uint64_t helper_rdfsgsbase(CPUX86State *env, uint64_t seg)
{
    check_fsgsbase(env);
    return env->segs[seg].base;
}

/* A 32-bit operand is zero-extended; a 64-bit one must be canonical. */
void helper_wrfsgsbase(CPUX86State *env, uint64_t seg, uint64_t val, uint64_t opsize)
{
    check_fsgsbase(env);
    if (opsize == 8 && !x86_is_canonical(val))
        raise_gp0(env);
    env->segs[seg].base = opsize == 8 ? val : (uint32_t)val;
}
