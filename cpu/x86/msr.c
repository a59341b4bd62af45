/* The MSRs Pacifica implements (SDM Vol 4 Table 2-2, architectural MSRs) and the TSC.
 *
 * One table: each row gives an index range and its read and write functions. A write
 * function validates the whole value before changing anything and returns false for
 * reserved bits (WRMSR then raises #GP(0)); a row without one is read-only.
 */
#include "cpu/x86/msr.h"

#include "cpu/x86/cpuid.h"
#include "cpu/x86/sys_helper.h"
#include "system/machine.h"

/* ---- the time-stamp counter ---- */

static uint64_t tsc_base(CPUX86State *env)
{
    X86CPU *cpu = env->cpu;
    if (!cpu || !cpu->machine)
        return 0;
    uint64_t ns = (uint64_t)clock_now_ns(&cpu->machine->clock);
    return (uint64_t)((unsigned __int128)ns * X86_TSC_HZ / 1000000000u);
}

uint64_t x86_tsc_read(CPUX86State *env)
{
    return tsc_base(env) + (uint64_t)env->tsc_offset;
}

/* ---- field checks ---- */

static bool phys_addr_ok(uint64_t v)
{
    return (v >> X86_PHYS_ADDR_BITS) == 0;
}

/* SDM 3A §12.11.1 (Table 12-8): the MTRR memory types; 2, 3 and 7+ are reserved. */
static bool mtrr_type_ok(uint64_t type)
{
    return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* SDM 3A §12.12.2 (Table 12-10): PAT entries are 3-bit types, 2 and 3 reserved; bits
 * 7:3 of each byte are reserved. */
static bool pat_ok(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        uint64_t e = (v >> (8 * i)) & 0xff;
        if (e > 7 || e == 2 || e == 3)
            return false;
    }
    return true;
}

/* ---- the MSRs ---- */

typedef bool (*MsrRead)(CPUX86State *env, uint32_t index, uint64_t *val);
typedef bool (*MsrWrite)(CPUX86State *env, uint32_t index, uint64_t val);

static bool read_zero(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)env;
    (void)index;
    *val = 0;
    return true;
}

static bool read_tsc(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = x86_tsc_read(env);
    return true;
}

/* SDM 3A §17.17.1: a write to IA32_TSC sets the counter; later reads count from it. */
static bool write_tsc(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    env->tsc_offset = (int64_t)(val - tsc_base(env));
    return true;
}

static bool read_apic_base(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = env->apic_base;
    return true;
}

/* SDM 3A §11.4.4 (Figure 11-5): BSP (bit 8) is read-only, EN (bit 11) and the base
 * (bits 12 to MAXPHYADDR-1) writable; bit 10 (x2APIC enable, §11.12.1) is reserved
 * without x2APIC support, like bits 0-7 and 9. The local APIC checks the transitions
 * (§11.12.5). */
static bool write_apic_base(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    const uint64_t bsp = 1u << 8;
    uint64_t writable = (1u << 11) | 0xfffff000ull;
    if (x86_cpu_model_has(x86_env_model(env), FEAT_1_ECX, CPUID_1_ECX_X2APIC))
        writable |= 1u << 10;
    if ((val & ~(writable | bsp)) || !phys_addr_ok(val))
        return false;
    uint64_t nv = (val & writable) | (env->apic_base & bsp);
    X86CPU *cpu = env_cpu(env);
    if (cpu->apic_ops) {
        /* The local APIC acts on the change (global enable/disable, relocation). */
        pthread_mutex_lock(&cpu->machine->lock);
        bool ok = cpu->apic_ops->set_base(cpu->apic, nv);
        pthread_mutex_unlock(&cpu->machine->lock);
        if (!ok)
            return false;
    }
    env->apic_base = nv;
    return true;
}

/* The x2APIC registers (SDM 3A §11.12.1.2, Table 11-6: MSRs 800H-8FFH) belong to the
 * local APIC, which refuses them (#GP) unless it is in x2APIC mode. */
static bool read_x2apic(CPUX86State *env, uint32_t index, uint64_t *val)
{
    X86CPU *cpu = env_cpu(env);
    if (!cpu->apic_ops)
        return false;
    pthread_mutex_lock(&cpu->machine->lock);
    bool ok = cpu->apic_ops->msr_read(cpu->apic, index, val);
    pthread_mutex_unlock(&cpu->machine->lock);
    return ok;
}

static bool write_x2apic(CPUX86State *env, uint32_t index, uint64_t val)
{
    X86CPU *cpu = env_cpu(env);
    if (!cpu->apic_ops)
        return false;
    pthread_mutex_lock(&cpu->machine->lock);
    bool ok = cpu->apic_ops->msr_write(cpu->apic, index, val);
    pthread_mutex_unlock(&cpu->machine->lock);
    return ok;
}

/* SDM Vol 4 Table 2-2, IA32_FEATURE_CONTROL: locked by firmware with VMX and SMX off
 * (bit 0 set, nothing enabled), so writes fault as on a locked part. */
static bool read_feature_control(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)env;
    (void)index;
    *val = 1;
    return true;
}

/* IA32_BIOS_SIGN_ID: the microcode revision (bits 63:32) reads 0. Writing it (as
 * microcode loaders do before CPUID) is allowed and changes nothing. */
static bool write_ignored(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)env;
    (void)index;
    (void)val;
    return true;
}

/* SDM 3A §12.11.1 (Figure 12-5): 8 variable ranges, fixed ranges, write combining;
 * no SMRR. */
static bool read_mtrrcap(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)env;
    (void)index;
    *val = X86_MTRR_VAR_COUNT | (1u << 8) | (1u << 10);
    return true;
}

static bool read_sysenter(CPUX86State *env, uint32_t index, uint64_t *val)
{
    switch (index) {
    case MSR_IA32_SYSENTER_CS: *val = env->sysenter_cs; break;
    case MSR_IA32_SYSENTER_ESP: *val = env->sysenter_esp; break;
    default: *val = env->sysenter_eip; break;
    }
    return true;
}

/* SDM Vol 2B WRMSR: #GP for a non-canonical IA32_SYSENTER_ESP/EIP (Intel 64 parts).
 * IA32_SYSENTER_CS is a 32-bit register. */
static bool write_sysenter(CPUX86State *env, uint32_t index, uint64_t val)
{
    switch (index) {
    case MSR_IA32_SYSENTER_CS: env->sysenter_cs = (uint32_t)val; return true;
    case MSR_IA32_SYSENTER_ESP:
        if (!x86_is_canonical(val))
            return false;
        env->sysenter_esp = val;
        return true;
    default:
        if (!x86_is_canonical(val))
            return false;
        env->sysenter_eip = val;
        return true;
    }
}

/* IA32_ARCH_CAPABILITIES (SDM Vol 4 Table 2-2), present when CPUID.(EAX=07H,ECX=0):
 * EDX[29] says so. An emulated CPU executes nothing speculatively and keeps no
 * microarchitectural buffers a guest could sample, so it reports itself immune to
 * every issue this register has a "_NO" bit for: rogue data cache load (0, Meltdown),
 * speculative store bypass (4), MDS (5), the page-size-change machine check (6), TAA
 * (8), the MMIO stale-data family SBDR/FBSDP/PSDP (13-15), BHI (20), post-barrier RSB
 * predictions (24), GDS (26), RFDS (27) and indirect target selection (62). A guest
 * kernel then skips the mitigations for them, which cost an emulator dearly: page-table
 * isolation reloads CR3 (a TLB flush) on every system call and interrupt from user
 * mode, MDS clearing runs VERW on every return to user mode, and ITS routes every
 * return through a thunk. QEMU's default CPU avoids them by being an AMD part. */
#define ARCH_CAPABILITIES_IMMUNE                                                                   \
    ((1ull << 0) | (1ull << 4) | (1ull << 5) | (1ull << 6) | (1ull << 8) | (1ull << 13) |          \
     (1ull << 14) | (1ull << 15) | (1ull << 20) | (1ull << 24) | (1ull << 26) | (1ull << 27) |     \
     (1ull << 62))

static bool read_arch_capabilities(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    if (!x86_cpu_model_has(x86_env_model(env), FEAT_7_0_EDX, CPUID_7_0_EDX_ARCH_CAPABILITIES))
        return false;
    *val = ARCH_CAPABILITIES_IMMUNE;
    return true;
}

/* IA32_MISC_ENABLE (SDM Vol 4 Table 2-2). Writable: fast strings (0), automatic
 * thermal control (3), Enhanced SpeedStep (16), limit CPUID maxval (22), xTPR message
 * disable (23), XD bit disable (34). Read-only: BTS (11) and PEBS (12) unavailable,
 * which read 1; performance monitoring available (7) reads 0. The rest is reserved. */
#define MISC_ENABLE_WRITABLE                                                                       \
    ((1ull << 0) | (1ull << 3) | (1ull << 16) | (1ull << 22) | (1ull << 23) | (1ull << 34))
#define MISC_ENABLE_READ_ONE  ((1ull << 11) | (1ull << 12))
#define MISC_ENABLE_READ_ONLY (MISC_ENABLE_READ_ONE | (1ull << 7))

static bool read_misc_enable(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = env->misc_enable | MISC_ENABLE_READ_ONE;
    return true;
}

static bool write_misc_enable(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    if (val & ~(MISC_ENABLE_WRITABLE | MISC_ENABLE_READ_ONLY))
        return false;
    env->misc_enable = val & MISC_ENABLE_WRITABLE;
    return true;
}

/* IA32_DEBUGCTL: no last-branch recording and no branch single-stepping (BTF) yet, so
 * only 0 is accepted: a guest asking for them gets #GP rather than silence. */
static bool write_debugctl(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)env;
    (void)index;
    return val == 0;
}

static bool read_mtrr_var(CPUX86State *env, uint32_t index, uint64_t *val)
{
    *val = env->mtrr_var[index - MSR_IA32_MTRR_PHYSBASE0];
    return true;
}

/* SDM 3A §12.11.2.3 (Figure 12-7): IA32_MTRR_PHYSBASEn holds a type (7:0) and the base
 * (bits 12 and up); IA32_MTRR_PHYSMASKn the valid flag (11) and the mask. Bits above
 * MAXPHYADDR and the others are reserved. */
static bool write_mtrr_var(CPUX86State *env, uint32_t index, uint64_t val)
{
    unsigned n = index - MSR_IA32_MTRR_PHYSBASE0;
    if (!phys_addr_ok(val))
        return false;
    if (n % 2 == 0) {
        if ((val & 0xf00) || !mtrr_type_ok(val & 0xff))
            return false;
    } else if (val & 0x7ff) {
        return false;
    }
    env->mtrr_var[n] = val;
    return true;
}

/* The 11 fixed-range MTRRs in CPUX86State.mtrr_fixed: 64K_00000, 16K_80000,
 * 16K_A0000, then 4K_C0000 .. 4K_F8000 (SDM 3A §12.11.2.2). */
static int mtrr_fixed_slot(uint32_t index)
{
    if (index == MSR_IA32_MTRR_FIX64K_00000)
        return 0;
    if (index == MSR_IA32_MTRR_FIX16K_80000)
        return 1;
    if (index == MSR_IA32_MTRR_FIX16K_A0000)
        return 2;
    if (index >= MSR_IA32_MTRR_FIX4K_C0000 && index < MSR_IA32_MTRR_FIX4K_C0000 + 8)
        return 3 + (int)(index - MSR_IA32_MTRR_FIX4K_C0000);
    return -1;
}

static bool read_mtrr_fixed(CPUX86State *env, uint32_t index, uint64_t *val)
{
    int slot = mtrr_fixed_slot(index);
    if (slot < 0)
        return false;
    *val = env->mtrr_fixed[slot];
    return true;
}

/* Each byte of a fixed-range MTRR is the memory type of one sub-range. */
static bool write_mtrr_fixed(CPUX86State *env, uint32_t index, uint64_t val)
{
    int slot = mtrr_fixed_slot(index);
    if (slot < 0)
        return false;
    for (int i = 0; i < 8; i++)
        if (!mtrr_type_ok((val >> (8 * i)) & 0xff))
            return false;
    env->mtrr_fixed[slot] = val;
    return true;
}

static bool read_pat(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = env->pat;
    return true;
}

static bool write_pat(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    if (!pat_ok(val))
        return false;
    env->pat = val;
    return true;
}

/* IA32_MTRR_DEF_TYPE (SDM 3A §12.11.2.1, Figure 12-6): default type (7:0), fixed-range
 * enable FE (10), MTRR enable E (11). Kept in CPUX86State.mtrr_cap_def_type (the
 * capability half, IA32_MTRRCAP, is constant). */
static bool read_mtrr_def_type(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = env->mtrr_cap_def_type;
    return true;
}

static bool write_mtrr_def_type(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    if ((val & ~0xcffull) || !mtrr_type_ok(val & 0xff))
        return false;
    env->mtrr_cap_def_type = val;
    return true;
}

/* IA32_TSC_DEADLINE belongs to the local APIC's timer (SDM 3A §11.5.4.1): forwarded
 * to it; without an APIC the value is only stored. */
static bool read_tsc_deadline(CPUX86State *env, uint32_t index, uint64_t *val)
{
    X86CPU *cpu = env_cpu(env);
    if (cpu && cpu->apic_ops) {
        pthread_mutex_lock(&cpu->machine->lock);
        bool ok = cpu->apic_ops->msr_read(cpu->apic, index, val);
        pthread_mutex_unlock(&cpu->machine->lock);
        return ok;
    }
    *val = env->tsc_deadline;
    return true;
}

static bool write_tsc_deadline(CPUX86State *env, uint32_t index, uint64_t val)
{
    X86CPU *cpu = env_cpu(env);
    if (cpu && cpu->apic_ops) {
        pthread_mutex_lock(&cpu->machine->lock);
        bool ok = cpu->apic_ops->msr_write(cpu->apic, index, val);
        pthread_mutex_unlock(&cpu->machine->lock);
        return ok;
    }
    env->tsc_deadline = val;
    return true;
}

static bool read_efer(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = env->efer;
    return true;
}

/* SDM 3A §2.2.1 (Figure 2-4) and §9.8.5: SCE, LME and NXE exist when CPUID says so
 * (NXE not while IA32_MISC_ENABLE.XD_DISABLE is set); LMA is read-only (the
 * processor sets it when paging is enabled with LME); LME cannot change while paging
 * is on. */
static bool write_efer(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    const X86CPUModel *m = x86_env_model(env);
    uint64_t valid = EFER_LMA;
    if (x86_cpu_model_has(m, FEAT_8000_0001_EDX, CPUID_8000_0001_EDX_SYSCALL))
        valid |= EFER_SCE;
    if (x86_cpu_model_has(m, FEAT_8000_0001_EDX, CPUID_8000_0001_EDX_LM))
        valid |= EFER_LME;
    if (x86_cpu_model_has(m, FEAT_8000_0001_EDX, CPUID_8000_0001_EDX_NX) &&
        !(env->misc_enable & (1ull << 34)))
        valid |= EFER_NXE;
    if (val & ~valid)
        return false;
    if ((env->cr[0] & CR0_PG) && ((val ^ env->efer) & EFER_LME))
        return false;
    uint64_t efer = (val & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);
    /* NXE changes what every cached translation permits. */
    if ((efer ^ env->efer) & (EFER_NXE | EFER_LME))
        x86_sys_tlb_flush(env, true);
    env->efer = efer;
    x86_cpu_update_hflags(env);
    return true;
}

static bool read_syscall_msr(CPUX86State *env, uint32_t index, uint64_t *val)
{
    switch (index) {
    case MSR_STAR: *val = env->star; break;
    case MSR_LSTAR: *val = env->lstar; break;
    case MSR_CSTAR: *val = env->cstar; break;
    default: *val = env->fmask; break;
    }
    return true;
}

/* SDM Vol 2B WRMSR: #GP for non-canonical IA32_LSTAR (and CSTAR, which holds an
 * address too). IA32_FMASK bits 63:32 are reserved. */
static bool write_syscall_msr(CPUX86State *env, uint32_t index, uint64_t val)
{
    switch (index) {
    case MSR_STAR: env->star = val; return true;
    case MSR_LSTAR:
    case MSR_CSTAR:
        if (!x86_is_canonical(val))
            return false;
        *(index == MSR_LSTAR ? &env->lstar : &env->cstar) = val;
        return true;
    default:
        if (val >> 32)
            return false;
        env->fmask = val;
        return true;
    }
}

static bool read_seg_base(CPUX86State *env, uint32_t index, uint64_t *val)
{
    switch (index) {
    case MSR_FS_BASE: *val = env->segs[R_FS].base; break;
    case MSR_GS_BASE: *val = env->segs[R_GS].base; break;
    default: *val = env->kernel_gs_base; break;
    }
    return true;
}

/* SDM 3A §3.4.4: FS.base and GS.base are these MSRs; WRMSR #GPs on a non-canonical
 * value. */
static bool write_seg_base(CPUX86State *env, uint32_t index, uint64_t val)
{
    if (!x86_is_canonical(val))
        return false;
    switch (index) {
    case MSR_FS_BASE: env->segs[R_FS].base = val; break;
    case MSR_GS_BASE: env->segs[R_GS].base = val; break;
    default: env->kernel_gs_base = val; break;
    }
    return true;
}

static bool read_tsc_aux(CPUX86State *env, uint32_t index, uint64_t *val)
{
    (void)index;
    *val = env->tsc_aux;
    return true;
}

/* IA32_TSC_AUX: bits 63:32 reserved. */
static bool write_tsc_aux(CPUX86State *env, uint32_t index, uint64_t val)
{
    (void)index;
    if (val >> 32)
        return false;
    env->tsc_aux = val;
    return true;
}

typedef struct MsrDef {
    uint32_t first, last; /* index range, inclusive */
    MsrRead read;
    MsrWrite write; /* NULL: read-only, writes #GP */
} MsrDef;

static const MsrDef msrs[] = {
    {MSR_IA32_TSC, MSR_IA32_TSC, read_tsc, write_tsc},
    {MSR_IA32_PLATFORM_ID, MSR_IA32_PLATFORM_ID, read_zero, NULL},
    {MSR_IA32_APIC_BASE, MSR_IA32_APIC_BASE, read_apic_base, write_apic_base},
    {MSR_IA32_FEATURE_CONTROL, MSR_IA32_FEATURE_CONTROL, read_feature_control, NULL},
    {MSR_IA32_BIOS_SIGN_ID, MSR_IA32_BIOS_SIGN_ID, read_zero, write_ignored},
    {MSR_IA32_MTRRCAP, MSR_IA32_MTRRCAP, read_mtrrcap, NULL},
    {MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_ARCH_CAPABILITIES, read_arch_capabilities, NULL},
    {MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_EIP, read_sysenter, write_sysenter},
    {MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE, read_misc_enable, write_misc_enable},
    {MSR_IA32_DEBUGCTL, MSR_IA32_DEBUGCTL, read_zero, write_debugctl},
    {MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_PHYSBASE0 + 2 * X86_MTRR_VAR_COUNT - 1, read_mtrr_var,
     write_mtrr_var},
    {MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX4K_C0000 + 7, read_mtrr_fixed, write_mtrr_fixed},
    {MSR_IA32_PAT, MSR_IA32_PAT, read_pat, write_pat},
    {MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_DEF_TYPE, read_mtrr_def_type, write_mtrr_def_type},
    {MSR_IA32_TSC_DEADLINE, MSR_IA32_TSC_DEADLINE, read_tsc_deadline, write_tsc_deadline},
    {MSR_EFER, MSR_EFER, read_efer, write_efer},
    {MSR_STAR, MSR_FMASK, read_syscall_msr, write_syscall_msr},
    {MSR_FS_BASE, MSR_KERNEL_GS_BASE, read_seg_base, write_seg_base},
    {MSR_TSC_AUX, MSR_TSC_AUX, read_tsc_aux, write_tsc_aux},
    {MSR_X2APIC_FIRST, MSR_X2APIC_LAST, read_x2apic, write_x2apic},
};

static const MsrDef *msr_find(uint32_t index)
{
    for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
        if (index >= msrs[i].first && index <= msrs[i].last)
            return &msrs[i];
    return NULL;
}

bool x86_msr_read(CPUX86State *env, uint32_t index, uint64_t *val)
{
    const MsrDef *def = msr_find(index);
    return def && def->read(env, index, val);
}

bool x86_msr_write(CPUX86State *env, uint32_t index, uint64_t val)
{
    const MsrDef *def = msr_find(index);
    return def && def->write && def->write(env, index, val);
}
