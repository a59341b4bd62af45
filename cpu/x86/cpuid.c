/* CPU models and CPUID (SDM Vol 2A "CPUID", Tables 3-8 to 3-12).
 *
 * The models mirror the x86-64 psABI micro-architecture levels QEMU names:
 * qemu64 (the baseline: SSE2, CX16, LAHF in 64-bit mode), x86-64-v2 (+ SSSE3,
 * SSE4.1/4.2, POPCNT), x86-64-v3 (+ AVX/AVX2, BMI1/2, FMA, F16C, LZCNT, MOVBE, XSAVE)
 * and max (all that Pacifica implements). Each has a family/model of an Intel part of
 * that generation so that guests apply the quirks of a real CPU class.
 */
#include "cpu/x86/cpuid.h"

#include <string.h>

#include "cpu/x86/msr.h"
#include "system/machine.h"

/* ---- what Pacifica implements ----
 *
 * A model advertises model->features & implemented[]: a bit belongs here once every
 * instruction and behaviour it promises exists, so this table grows with the CPU.
 * Bits waiting for work done elsewhere are listed next to each word; the owner of that
 * work adds them here when it lands. */
static const uint32_t implemented[X86_FEAT_WORDS] = {
    /* MCA is not advertised: without it there are no
     * machine-check banks or IA32_MCG_* MSRs to provide (SDM 3B §16.3), and MCE alone
     * (CR4.MCE, #MC) is consistent since no machine check is ever signalled. */
    [FEAT_1_EDX] = CPUID_1_EDX_MMX | CPUID_1_EDX_FXSR | CPUID_1_EDX_SSE | CPUID_1_EDX_SSE2 |
                   CPUID_1_EDX_APIC | CPUID_1_EDX_FPU | CPUID_1_EDX_DE | CPUID_1_EDX_PSE |
                   CPUID_1_EDX_TSC | CPUID_1_EDX_MSR | CPUID_1_EDX_PAE | CPUID_1_EDX_MCE |
                   CPUID_1_EDX_CX8 | CPUID_1_EDX_SEP | CPUID_1_EDX_MTRR | CPUID_1_EDX_PGE |
                   CPUID_1_EDX_CMOV | CPUID_1_EDX_PAT | CPUID_1_EDX_PSE36 | CPUID_1_EDX_CLFSH |
                   CPUID_1_EDX_HTT | CPUID_1_EDX_VME,
    /* Waiting: PCID (paging). OSXSAVE is reported from CR4. MONITOR stays off
     * (MONITOR/MWAIT are #UD): an MWAIT that waits must wake on a store to the monitored
     * line, which Linux's idle loop relies on to skip the wake-up IPI, and one that
     * returns at once would spin the host CPU through the guest's idle time; without it
     * guests idle with HLT. */
    [FEAT_1_ECX] = CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_SSE3 | CPUID_1_ECX_PCLMULQDQ |
                   CPUID_1_ECX_FMA | CPUID_1_ECX_SSSE3 | CPUID_1_ECX_X2APIC | CPUID_1_ECX_SSE41 |
                   CPUID_1_ECX_SSE42 | CPUID_1_ECX_AES |
                   CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX | CPUID_1_ECX_F16C |
                   CPUID_1_ECX_CX16 | CPUID_1_ECX_MOVBE | CPUID_1_ECX_POPCNT | CPUID_1_ECX_RDRAND |
                   CPUID_1_ECX_HYPERVISOR,
    /* The local APIC timer runs in every C-state (ARAT). */
    [FEAT_6_EAX] = CPUID_6_EAX_ARAT,
    /* Waiting: SMAP (CLAC/STAC), CLFLUSHOPT. */
    [FEAT_7_0_EBX] = CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_FSGSBASE | CPUID_7_0_EBX_BMI1 |
                     CPUID_7_0_EBX_SMEP | CPUID_7_0_EBX_BMI2 | CPUID_7_0_EBX_ERMS |
                     CPUID_7_0_EBX_RDSEED | CPUID_7_0_EBX_ADX | CPUID_7_0_EBX_SHA,
    /* Waiting: UMIP. */
    [FEAT_7_0_ECX] = 0,
    /* IA32_ARCH_CAPABILITIES (msr.c): what it reports is true of every model. */
    [FEAT_7_0_EDX] = CPUID_7_0_EDX_ARCH_CAPABILITIES,
    [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT,
    [FEAT_8000_0001_ECX] =
        CPUID_8000_0001_ECX_LAHF_LM | CPUID_8000_0001_ECX_LZCNT | CPUID_8000_0001_ECX_PREFETCHW,
    [FEAT_8000_0001_EDX] = CPUID_8000_0001_EDX_SYSCALL | CPUID_8000_0001_EDX_NX |
                           CPUID_8000_0001_EDX_PDPE1GB | CPUID_8000_0001_EDX_RDTSCP |
                           CPUID_8000_0001_EDX_LM,
    [FEAT_8000_0007_EDX] = CPUID_8000_0007_EDX_INVTSC,
};

/* ---- the models ---- */

/* x86-64 baseline as QEMU's qemu64 has it (target/i386 "qemu64" feature list). */
#define QEMU64_1_EDX                                                                               \
    (CPUID_1_EDX_FPU | CPUID_1_EDX_DE | CPUID_1_EDX_PSE | CPUID_1_EDX_TSC | CPUID_1_EDX_MSR |      \
     CPUID_1_EDX_PAE | CPUID_1_EDX_MCE | CPUID_1_EDX_CX8 | CPUID_1_EDX_APIC | CPUID_1_EDX_SEP |    \
     CPUID_1_EDX_MTRR | CPUID_1_EDX_PGE | CPUID_1_EDX_MCA | CPUID_1_EDX_CMOV | CPUID_1_EDX_PAT |   \
     CPUID_1_EDX_PSE36 | CPUID_1_EDX_CLFSH | CPUID_1_EDX_MMX | CPUID_1_EDX_FXSR |                  \
     CPUID_1_EDX_SSE | CPUID_1_EDX_SSE2 | CPUID_1_EDX_HTT)
#define QEMU64_1_ECX (CPUID_1_ECX_SSE3 | CPUID_1_ECX_CX16 | CPUID_1_ECX_HYPERVISOR)
#define QEMU64_8000_0001_EDX                                                                       \
    (CPUID_8000_0001_EDX_SYSCALL | CPUID_8000_0001_EDX_NX | CPUID_8000_0001_EDX_LM)
#define QEMU64_8000_0001_ECX CPUID_8000_0001_ECX_LAHF_LM

/* psABI x86-64-v2: + SSSE3, SSE4.1, SSE4.2, POPCNT (a Nehalem-class part, which also
 * has RDTSCP and an invariant TSC). */
#define V2_1_ECX                                                                                   \
    (QEMU64_1_ECX | CPUID_1_ECX_SSSE3 | CPUID_1_ECX_SSE41 | CPUID_1_ECX_SSE42 | CPUID_1_ECX_POPCNT)
#define V2_8000_0001_EDX (QEMU64_8000_0001_EDX | CPUID_8000_0001_EDX_RDTSCP)

/* psABI x86-64-v3: + AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, XSAVE (a
 * Haswell-class part, with its FSGSBASE, SMEP, ERMS, PCLMULQDQ, AES, RDRAND, 1 GiB
 * pages and TSC-deadline APIC timer). */
#define V3_1_ECX                                                                                   \
    (V2_1_ECX | CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_FMA | CPUID_1_ECX_MOVBE |                   \
     CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX | CPUID_1_ECX_F16C | CPUID_1_ECX_PCLMULQDQ |              \
     CPUID_1_ECX_AES | CPUID_1_ECX_RDRAND)
#define V3_7_0_EBX                                                                                 \
    (CPUID_7_0_EBX_FSGSBASE | CPUID_7_0_EBX_BMI1 | CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_SMEP |       \
     CPUID_7_0_EBX_BMI2 | CPUID_7_0_EBX_ERMS)
#define V3_8000_0001_EDX (V2_8000_0001_EDX | CPUID_8000_0001_EDX_PDPE1GB)
#define V3_8000_0001_ECX (QEMU64_8000_0001_ECX | CPUID_8000_0001_ECX_LZCNT)

static const X86CPUModel models[] = {
    {
        .name = "qemu64",
        .description = "QEMU's baseline x86-64 CPU",
        .family = 6,
        .model = 0x0f, /* Core 2 class */
        .stepping = 1,
        .features =
            {
                [FEAT_1_EDX] = QEMU64_1_EDX,
                [FEAT_1_ECX] = QEMU64_1_ECX,
                [FEAT_8000_0001_ECX] = QEMU64_8000_0001_ECX,
                [FEAT_8000_0001_EDX] = QEMU64_8000_0001_EDX,
            },
    },
    {
        .name = "x86-64-v2",
        .description = "x86-64 psABI level 2: SSE4.2, POPCNT, CMPXCHG16B (default)",
        .family = 6,
        .model = 0x1a, /* Nehalem class */
        .stepping = 5,
        .features =
            {
                [FEAT_1_EDX] = QEMU64_1_EDX,
                [FEAT_1_ECX] = V2_1_ECX,
                [FEAT_7_0_EDX] = CPUID_7_0_EDX_ARCH_CAPABILITIES,
                [FEAT_8000_0001_ECX] = QEMU64_8000_0001_ECX,
                [FEAT_8000_0001_EDX] = V2_8000_0001_EDX,
                [FEAT_8000_0007_EDX] = CPUID_8000_0007_EDX_INVTSC,
            },
    },
    {
        .name = "x86-64-v3",
        .description = "x86-64 psABI level 3: adds AVX2, BMI1/2, FMA, MOVBE",
        .family = 6,
        .model = 0x3c, /* Haswell class */
        .stepping = 3,
        .features =
            {
                [FEAT_1_EDX] = QEMU64_1_EDX,
                [FEAT_1_ECX] = V3_1_ECX,
                [FEAT_6_EAX] = CPUID_6_EAX_ARAT,
                [FEAT_7_0_EBX] = V3_7_0_EBX,
                [FEAT_7_0_EDX] = CPUID_7_0_EDX_ARCH_CAPABILITIES,
                [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT,
                [FEAT_8000_0001_ECX] = V3_8000_0001_ECX,
                [FEAT_8000_0001_EDX] = V3_8000_0001_EDX,
                [FEAT_8000_0007_EDX] = CPUID_8000_0007_EDX_INVTSC,
            },
    },
    {
        .name = "max",
        .description = "everything Pacifica implements",
        .family = 6,
        .model = 0x3c,
        .stepping = 3,
        /* Every bit: filtering leaves exactly what is implemented. */
        .features =
            {
                [FEAT_1_EDX] = ~0u,
                [FEAT_1_ECX] = ~0u,
                [FEAT_6_EAX] = ~0u,
                [FEAT_7_0_EBX] = ~0u,
                [FEAT_7_0_ECX] = ~0u,
                [FEAT_7_0_EDX] = ~0u,
                [FEAT_D_1_EAX] = ~0u,
                [FEAT_8000_0001_ECX] = ~0u,
                [FEAT_8000_0001_EDX] = ~0u,
                [FEAT_8000_0007_EDX] = ~0u,
            },
    },
};

#define NB_MODELS     (sizeof(models) / sizeof(models[0]))
#define DEFAULT_MODEL 1 /* x86-64-v2 */

const X86CPUModel *x86_cpu_model_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NB_MODELS; i++)
        if (!strcmp(models[i].name, name))
            return &models[i];
    return NULL;
}

const X86CPUModel *x86_cpu_model_default(void)
{
    return &models[DEFAULT_MODEL];
}

const X86CPUModel *x86_cpu_model_at(size_t i)
{
    return i < NB_MODELS ? &models[i] : NULL;
}

uint32_t x86_implemented_features(X86FeatureWord w)
{
    return w < X86_FEAT_WORDS ? implemented[w] : 0;
}

uint32_t x86_cpu_model_features(const X86CPUModel *m, X86FeatureWord w)
{
    if (w >= X86_FEAT_WORDS)
        return 0;
    return m->features[w] & implemented[w];
}

bool x86_cpu_model_has(const X86CPUModel *m, X86FeatureWord w, uint32_t mask)
{
    return (x86_cpu_model_features(m, w) & mask) == mask;
}

const X86CPUModel *x86_env_model(const CPUX86State *env)
{
    const X86CPU *cpu = env->cpu;
    return cpu && cpu->model ? cpu->model : x86_cpu_model_default();
}

/* SDM Vol 2A Figure 3-6: the extended model field holds model[7:4] for families 6
 * and 15; the extended family holds family - 15 for family 15 and above. */
uint32_t x86_cpu_model_signature(const X86CPUModel *m)
{
    unsigned family = m->family < 15 ? m->family : 15;
    unsigned ext_family = m->family < 15 ? 0 : m->family - 15u;
    return (m->stepping & 0xfu) | (m->model & 0xfu) << 4 | family << 8 |
           ((m->model >> 4) & 0xfu) << 16 | ext_family << 20;
}

/* SDM 3A §2.5: each CR4 bit exists when the CPUID feature that enumerates it does. */
uint64_t x86_cpu_model_cr4_mask(const X86CPUModel *m)
{
    static const struct {
        X86FeatureWord word;
        uint32_t feature;
        uint32_t cr4;
    } cr4_features[] = {
        {FEAT_1_EDX, CPUID_1_EDX_VME, CR4_VME | CR4_PVI},
        {FEAT_1_EDX, CPUID_1_EDX_DE, CR4_DE},
        {FEAT_1_EDX, CPUID_1_EDX_PSE, CR4_PSE},
        {FEAT_1_EDX, CPUID_1_EDX_PAE, CR4_PAE},
        {FEAT_1_EDX, CPUID_1_EDX_MCE, CR4_MCE},
        {FEAT_1_EDX, CPUID_1_EDX_PGE, CR4_PGE},
        {FEAT_1_EDX, CPUID_1_EDX_FXSR, CR4_OSFXSR},
        {FEAT_1_EDX, CPUID_1_EDX_SSE, CR4_OSXMMEXCPT},
        {FEAT_1_ECX, CPUID_1_ECX_PCID, CR4_PCIDE},
        {FEAT_1_ECX, CPUID_1_ECX_XSAVE, CR4_OSXSAVE},
        {FEAT_7_0_ECX, CPUID_7_0_ECX_UMIP, CR4_UMIP},
        {FEAT_7_0_EBX, CPUID_7_0_EBX_FSGSBASE, CR4_FSGSBASE},
        {FEAT_7_0_EBX, CPUID_7_0_EBX_SMEP, CR4_SMEP},
        {FEAT_7_0_EBX, CPUID_7_0_EBX_SMAP, CR4_SMAP},
    };
    /* TSD (RDTSC) and PCE (RDPMC) exist on every x86-64 part. */
    uint64_t mask = CR4_TSD | CR4_PCE;
    for (size_t i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++)
        if (x86_cpu_model_has(m, cr4_features[i].word, cr4_features[i].feature))
            mask |= cr4_features[i].cr4;
    return mask;
}

uint64_t x86_cpu_model_xcr0_mask(const X86CPUModel *m)
{
    if (!x86_cpu_model_has(m, FEAT_1_ECX, CPUID_1_ECX_XSAVE))
        return 0;
    uint64_t mask = XSTATE_X87 | XSTATE_SSE;
    if (x86_cpu_model_has(m, FEAT_1_ECX, CPUID_1_ECX_AVX))
        mask |= XSTATE_AVX;
    return mask;
}

/* ---- CPUID leaves ---- */

#define MAX_BASIC_LEAF    0x16u
#define MAX_EXTENDED_LEAF 0x80000008u

/* IA32_MISC_ENABLE bits CPUID looks at (SDM Vol 4 Table 2-2). */
#define MISC_ENABLE_LIMIT_CPUID (1ull << 22)
#define MISC_ENABLE_XD_DISABLE  (1ull << 34)

/* SDM Vol 1 §13.4: the legacy region (512 bytes) and the XSAVE header (64) come first;
 * the AVX state (YMM_Hi128, 256 bytes) follows at offset 576 in the standard form. */
#define XSAVE_LEGACY_AND_HEADER 576u
#define XSAVE_AVX_OFFSET        576u
#define XSAVE_AVX_SIZE          256u

static const char brand_string[48] = "Pacifica Virtual CPU";

typedef struct CpuidTopology {
    unsigned cpu_index; /* initial APIC ID */
    unsigned ncpus;
    unsigned core_bits; /* log2 of ncpus rounded up to a power of two */
} CpuidTopology;

/* Every vCPU is one core of a single package, one thread per core. */
static CpuidTopology topology(const CPUX86State *env)
{
    CpuidTopology t = {0, 1, 0};
    const X86CPU *cpu = env->cpu;
    if (cpu) {
        t.cpu_index = (unsigned)cpu->index;
        if (cpu->machine && cpu->machine->cfg && cpu->machine->cfg->smp > 1)
            t.ncpus = cpu->machine->cfg->smp;
    }
    while ((1u << t.core_bits) < t.ncpus)
        t.core_bits++;
    return t;
}

static void set_regs(uint32_t out[4], uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

static uint32_t max_basic_leaf(const CPUX86State *env)
{
    return (env->misc_enable & MISC_ENABLE_LIMIT_CPUID) ? 2 : MAX_BASIC_LEAF;
}

/* Leaf 1: signature, APIC ID / logical count / CLFLUSH size, feature flags. */
static void leaf_1(const X86CPUModel *m, const CPUX86State *env, uint32_t out[4])
{
    CpuidTopology t = topology(env);
    uint32_t edx = x86_cpu_model_features(m, FEAT_1_EDX);
    uint32_t ecx = x86_cpu_model_features(m, FEAT_1_ECX);
    uint32_t ebx = (t.cpu_index & 0xffu) << 24;
    if (edx & CPUID_1_EDX_CLFSH)
        ebx |= 8u << 8; /* CLFLUSH line size in 8-byte units: 64 bytes */
    if (t.ncpus > 1 && (edx & CPUID_1_EDX_HTT))
        ebx |= (1u << t.core_bits) << 16; /* addressable logical processor IDs */
    else
        edx &= ~CPUID_1_EDX_HTT;
    /* SDM Vol 2A Table 3-10: OSXSAVE mirrors CR4.OSXSAVE. Table 3-11: the APIC flag
     * reads 0 while IA32_APIC_BASE.EN is clear (SDM 3A §11.4.3). */
    ecx &= ~CPUID_1_ECX_OSXSAVE;
    if ((ecx & CPUID_1_ECX_XSAVE) && (env->cr[4] & CR4_OSXSAVE))
        ecx |= CPUID_1_ECX_OSXSAVE;
    if (!(env->apic_base & (1u << 11)))
        edx &= ~CPUID_1_EDX_APIC;
    set_regs(out, x86_cpu_model_signature(m), ebx, ecx, edx);
}

/* Leaf 4: deterministic cache parameters (SDM Vol 2A Table 3-8): 32 KiB 8-way L1d and
 * L1i, a 1 MiB 16-way L2, 64-byte lines, shared by every core of the package. */
static void leaf_4(const CPUX86State *env, uint32_t subleaf, uint32_t out[4])
{
    static const struct {
        uint8_t type, level;
        uint16_t ways;
        uint32_t size;
    } caches[] = {
        {1, 1, 8, 32 * 1024},    /* data */
        {2, 1, 8, 32 * 1024},    /* instruction */
        {3, 2, 16, 1024 * 1024}, /* unified */
    };
    CpuidTopology t = topology(env);
    if (subleaf >= sizeof(caches) / sizeof(caches[0])) {
        set_regs(out, 0, 0, 0, 0);
        return;
    }
    const unsigned line = 64;
    uint32_t sets = caches[subleaf].size / (caches[subleaf].ways * line);
    uint32_t cores = (1u << t.core_bits) - 1;
    uint32_t eax = caches[subleaf].type | (uint32_t)caches[subleaf].level << 5 | 1u << 8 |
                   (caches[subleaf].level == 2 ? cores : 0) << 14 | cores << 26;
    uint32_t ebx = (line - 1) | (uint32_t)(caches[subleaf].ways - 1) << 22;
    set_regs(out, eax, ebx, sets - 1, 0);
}

/* Leaf 0BH: extended topology. Level 0 is SMT (one thread per core), level 1 the
 * cores of the package; EDX is the x2APIC ID (here the initial APIC ID). */
static void leaf_b(const CPUX86State *env, uint32_t subleaf, uint32_t out[4])
{
    CpuidTopology t = topology(env);
    switch (subleaf) {
    case 0: set_regs(out, 0, 1, 0 | 1u << 8, t.cpu_index); break;
    case 1: set_regs(out, t.core_bits, t.ncpus, 1 | 2u << 8, t.cpu_index); break;
    default: set_regs(out, 0, 0, subleaf & 0xffu, t.cpu_index); break;
    }
}

/* Leaf 0DH: XSAVE features and the standard-format layout (SDM Vol 1 §13.2). */
static void leaf_d(const X86CPUModel *m, const CPUX86State *env, uint32_t subleaf, uint32_t out[4])
{
    uint64_t supported = x86_cpu_model_xcr0_mask(m);
    set_regs(out, 0, 0, 0, 0);
    if (!supported)
        return;
    switch (subleaf) {
    case 0: {
        uint32_t all = XSAVE_LEGACY_AND_HEADER + ((supported & XSTATE_AVX) ? XSAVE_AVX_SIZE : 0);
        uint32_t enabled =
            XSAVE_LEGACY_AND_HEADER + ((env->xcr0 & XSTATE_AVX) ? XSAVE_AVX_SIZE : 0);
        set_regs(out, (uint32_t)supported, enabled, all, (uint32_t)(supported >> 32));
        break;
    }
    case 1: out[0] = x86_cpu_model_features(m, FEAT_D_1_EAX); break;
    case 2:
        if (supported & XSTATE_AVX)
            set_regs(out, XSAVE_AVX_SIZE, XSAVE_AVX_OFFSET, 0, 0);
        break;
    default: break;
    }
}

/* The core crystal clock that feeds the local APIC timer: hw/apic.c counts one tick per
 * virtual nanosecond, i.e. 1 GHz. */
#define CRYSTAL_HZ 1000000000u

/* Leaf 15H: TSC = crystal * EBX / EAX, with the crystal's frequency in ECX (SDM Vol 2A
 * Table 3-8). Linux takes the TSC frequency (and its APIC timer period) from here
 * instead of calibrating against the PIT, which fails when each PIT read costs as much
 * as it does under emulation. */
static void leaf_15(uint32_t out[4])
{
    set_regs(out, 1, (uint32_t)(X86_TSC_HZ / CRYSTAL_HZ), CRYSTAL_HZ, 0);
}

/* Leaf 16H: base and maximum frequency and the bus (reference) frequency, in MHz. */
static void leaf_16(uint32_t out[4])
{
    uint32_t tsc_mhz = (uint32_t)(X86_TSC_HZ / 1000000u);
    set_regs(out, tsc_mhz, tsc_mhz, CRYSTAL_HZ / 1000000u, 0);
}

static void brand_leaf(uint32_t leaf, uint32_t out[4])
{
    memcpy(out, brand_string + (leaf - 0x80000002u) * 16, 16);
}

static void extended_leaf(const X86CPUModel *m, const CPUX86State *env, uint32_t leaf,
                          uint32_t out[4])
{
    switch (leaf) {
    case 0x80000000u: set_regs(out, MAX_EXTENDED_LEAF, 0, 0, 0); break;
    case 0x80000001u: {
        uint32_t edx = x86_cpu_model_features(m, FEAT_8000_0001_EDX);
        /* SDM Vol 4 Table 2-2, IA32_MISC_ENABLE bit 34: XD Bit Disable hides NX. */
        if (env->misc_enable & MISC_ENABLE_XD_DISABLE)
            edx &= ~CPUID_8000_0001_EDX_NX;
        set_regs(out, 0, 0, x86_cpu_model_features(m, FEAT_8000_0001_ECX), edx);
        break;
    }
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u: brand_leaf(leaf, out); break;
    case 0x80000006u:
        /* L2: 1024 KiB, 16-way (encoding 8), 64-byte lines, as leaf 4 says. */
        set_regs(out, 0, 0, 1024u << 16 | 8u << 12 | 64u, 0);
        break;
    case 0x80000007u: set_regs(out, 0, 0, 0, x86_cpu_model_features(m, FEAT_8000_0007_EDX)); break;
    case 0x80000008u: set_regs(out, X86_PHYS_ADDR_BITS | X86_LINEAR_ADDR_BITS << 8, 0, 0, 0); break;
    default: set_regs(out, 0, 0, 0, 0); break; /* 80000005H: reserved on Intel */
    }
}

static void basic_leaf(const X86CPUModel *m, CPUX86State *env, uint32_t leaf, uint32_t subleaf,
                       uint32_t out[4])
{
    switch (leaf) {
    case 0:
        /* "GenuineIntel" in EBX, EDX, ECX */
        set_regs(out, max_basic_leaf(env), 0x756e6547u, 0x6c65746eu, 0x49656e69u);
        break;
    case 1: leaf_1(m, env, out); break;
    case 2:
        /* One iteration; descriptor FFh: use leaf 4 for the caches. */
        set_regs(out, 0x0000ff01u, 0, 0, 0);
        break;
    case 4: leaf_4(env, subleaf, out); break;
    case 6: set_regs(out, x86_cpu_model_features(m, FEAT_6_EAX), 0, 0, 0); break;
    case 7:
        if (subleaf == 0)
            set_regs(out, 0, x86_cpu_model_features(m, FEAT_7_0_EBX),
                     x86_cpu_model_features(m, FEAT_7_0_ECX),
                     x86_cpu_model_features(m, FEAT_7_0_EDX));
        else
            set_regs(out, 0, 0, 0, 0);
        break;
    case 0xb: leaf_b(env, subleaf, out); break;
    case 0xd: leaf_d(m, env, subleaf, out); break;
    case 0x15: leaf_15(out); break;
    case 0x16: leaf_16(out); break;
    /* 3 (serial number), 5 (MONITOR), 0AH (no architectural performance monitoring),
     * 8, 9, 0CH, 0EH-14H (no PT, SGX, ...): nothing to report. */
    default: set_regs(out, 0, 0, 0, 0); break;
    }
}

void x86_cpuid(const X86CPUModel *m, CPUX86State *env, uint32_t leaf, uint32_t subleaf,
               uint32_t out[4])
{
    if (!m)
        m = x86_cpu_model_default();
    uint32_t max_basic = max_basic_leaf(env);
    /* The hypervisor range (the HYPERVISOR flag is set): no leaves there. */
    if (leaf >= 0x40000000u && leaf < 0x40000100u) {
        set_regs(out, 0, 0, 0, 0);
        return;
    }
    if (leaf >= 0x80000000u && leaf <= MAX_EXTENDED_LEAF) {
        extended_leaf(m, env, leaf, out);
        return;
    }
    /* SDM Vol 2A CPUID: a leaf above the maximum basic or extended leaf returns the
     * data of the highest basic leaf (Intel). */
    if (leaf > max_basic)
        leaf = max_basic;
    basic_leaf(m, env, leaf, subleaf, out);
}
