/* CPU models and the CPUID instruction (SDM Vol 2A "CPUID").
 *
 * A model (selected with -cpu) names the features a real part of that class has. What
 * the guest is told is the model's set filtered by what Pacifica implements (one mask,
 * in cpuid.c, that grows as the CPU does), so a model never advertises an instruction
 * that would #UD. Every model is GenuineIntel: Pacifica follows Intel's rules where
 * vendors differ.
 */
#ifndef PACIFICA_CPU_X86_CPUID_H
#define PACIFICA_CPU_X86_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

/* The feature words: one register of one leaf each. */
typedef enum X86FeatureWord {
    FEAT_1_EDX,   /* CPUID.01H:EDX */
    FEAT_1_ECX,   /* CPUID.01H:ECX */
    FEAT_6_EAX,   /* CPUID.06H:EAX (thermal and power) */
    FEAT_7_0_EBX, /* CPUID.(EAX=07H,ECX=0):EBX */
    FEAT_7_0_ECX, /* CPUID.(EAX=07H,ECX=0):ECX */
    FEAT_7_0_EDX, /* CPUID.(EAX=07H,ECX=0):EDX */
    FEAT_D_1_EAX, /* CPUID.(EAX=0DH,ECX=1):EAX (XSAVE extensions) */
    FEAT_8000_0001_ECX,
    FEAT_8000_0001_EDX,
    FEAT_8000_0007_EDX, /* advanced power management (invariant TSC) */
    X86_FEAT_WORDS
} X86FeatureWord;

/* CPUID.01H:EDX (SDM Vol 2A Table 3-11) */
#define CPUID_1_EDX_FPU   (1u << 0)
#define CPUID_1_EDX_VME   (1u << 1)
#define CPUID_1_EDX_DE    (1u << 2)
#define CPUID_1_EDX_PSE   (1u << 3)
#define CPUID_1_EDX_TSC   (1u << 4)
#define CPUID_1_EDX_MSR   (1u << 5)
#define CPUID_1_EDX_PAE   (1u << 6)
#define CPUID_1_EDX_MCE   (1u << 7)
#define CPUID_1_EDX_CX8   (1u << 8)
#define CPUID_1_EDX_APIC  (1u << 9)
#define CPUID_1_EDX_SEP   (1u << 11)
#define CPUID_1_EDX_MTRR  (1u << 12)
#define CPUID_1_EDX_PGE   (1u << 13)
#define CPUID_1_EDX_MCA   (1u << 14)
#define CPUID_1_EDX_CMOV  (1u << 15)
#define CPUID_1_EDX_PAT   (1u << 16)
#define CPUID_1_EDX_PSE36 (1u << 17)
#define CPUID_1_EDX_CLFSH (1u << 19)
#define CPUID_1_EDX_MMX   (1u << 23)
#define CPUID_1_EDX_FXSR  (1u << 24)
#define CPUID_1_EDX_SSE   (1u << 25)
#define CPUID_1_EDX_SSE2  (1u << 26)
#define CPUID_1_EDX_HTT   (1u << 28)

/* CPUID.01H:ECX (SDM Vol 2A Table 3-10) */
#define CPUID_1_ECX_SSE3         (1u << 0)
#define CPUID_1_ECX_PCLMULQDQ    (1u << 1)
#define CPUID_1_ECX_MONITOR      (1u << 3)
#define CPUID_1_ECX_SSSE3        (1u << 9)
#define CPUID_1_ECX_FMA          (1u << 12)
#define CPUID_1_ECX_CX16         (1u << 13)
#define CPUID_1_ECX_PCID         (1u << 17)
#define CPUID_1_ECX_SSE41        (1u << 19)
#define CPUID_1_ECX_SSE42        (1u << 20)
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_MOVBE        (1u << 22)
#define CPUID_1_ECX_POPCNT       (1u << 23)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_AES          (1u << 25)
#define CPUID_1_ECX_XSAVE        (1u << 26)
#define CPUID_1_ECX_OSXSAVE      (1u << 27)
#define CPUID_1_ECX_AVX          (1u << 28)
#define CPUID_1_ECX_F16C         (1u << 29)
#define CPUID_1_ECX_RDRAND       (1u << 30)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)

/* CPUID.06H:EAX */
#define CPUID_6_EAX_ARAT (1u << 2) /* APIC timer always running */

/* CPUID.(EAX=07H,ECX=0):EBX (SDM Vol 2A Table 3-8) */
#define CPUID_7_0_EBX_FSGSBASE   (1u << 0)
#define CPUID_7_0_EBX_BMI1       (1u << 3)
#define CPUID_7_0_EBX_AVX2       (1u << 5)
#define CPUID_7_0_EBX_SMEP       (1u << 7)
#define CPUID_7_0_EBX_BMI2       (1u << 8)
#define CPUID_7_0_EBX_ERMS       (1u << 9)
#define CPUID_7_0_EBX_RDSEED     (1u << 18)
#define CPUID_7_0_EBX_ADX        (1u << 19)
#define CPUID_7_0_EBX_SMAP       (1u << 20)
#define CPUID_7_0_EBX_CLFLUSHOPT (1u << 23)
#define CPUID_7_0_EBX_SHA        (1u << 29)

/* CPUID.(EAX=07H,ECX=0):ECX */
#define CPUID_7_0_ECX_UMIP (1u << 2)

/* CPUID.(EAX=07H,ECX=0):EDX */
#define CPUID_7_0_EDX_ARCH_CAPABILITIES (1u << 29) /* IA32_ARCH_CAPABILITIES exists */

/* CPUID.(EAX=0DH,ECX=1):EAX */
#define CPUID_D_1_EAX_XSAVEOPT (1u << 0)

/* CPUID.80000001H:ECX and EDX */
#define CPUID_8000_0001_ECX_LAHF_LM   (1u << 0)
#define CPUID_8000_0001_ECX_LZCNT     (1u << 5)
#define CPUID_8000_0001_ECX_PREFETCHW (1u << 8)
#define CPUID_8000_0001_EDX_SYSCALL   (1u << 11)
#define CPUID_8000_0001_EDX_NX        (1u << 20)
#define CPUID_8000_0001_EDX_PDPE1GB   (1u << 26)
#define CPUID_8000_0001_EDX_RDTSCP    (1u << 27)
#define CPUID_8000_0001_EDX_LM        (1u << 29)

/* CPUID.80000007H:EDX */
#define CPUID_8000_0007_EDX_INVTSC (1u << 8)

/* Address sizes reported by CPUID.80000008H:EAX. The physical width,
 * X86_PHYS_ADDR_BITS, is the MMU's (cpu/x86/tlb.h): reserved-bit checks of CR3, MTRRs
 * and IA32_APIC_BASE use it too. */
#define X86_LINEAR_ADDR_BITS 48

/* XSAVE state components (SDM Vol 1 §13.1), XCR0 bits. */
#define XSTATE_X87 (1u << 0)
#define XSTATE_SSE (1u << 1)
#define XSTATE_AVX (1u << 2)

typedef struct X86CPUModel {
    const char *name; /* as given to -cpu */
    const char *description;
    uint8_t family, model, stepping;   /* CPUID.01H:EAX display values */
    uint32_t features[X86_FEAT_WORDS]; /* before filtering by what Pacifica implements */
} X86CPUModel;

/* The model called name, or NULL if there is none. */
const X86CPUModel *x86_cpu_model_find(const char *name);
/* The default model (x86-64-v2). */
const X86CPUModel *x86_cpu_model_default(void);
/* The i-th model of the table, NULL past the end (for -cpu help and tests). */
const X86CPUModel *x86_cpu_model_at(size_t i);

/* A feature word as the guest sees it: the model's bits that Pacifica implements. */
uint32_t x86_cpu_model_features(const X86CPUModel *m, X86FeatureWord w);
/* True if the model advertises every bit of mask in word w. */
bool x86_cpu_model_has(const X86CPUModel *m, X86FeatureWord w, uint32_t mask);
/* The feature mask of what Pacifica implements, for word w. */
uint32_t x86_implemented_features(X86FeatureWord w);
/* CPUID.01H:EAX: stepping, model, family with the extended fields (SDM Vol 2A
 * Figure 3-6); also the value of EDX after reset (SDM 3A §9.1.4). */
uint32_t x86_cpu_model_signature(const X86CPUModel *m);
/* The CR4 bits a MOV to CR4 may set with this model (others are reserved: #GP). */
uint64_t x86_cpu_model_cr4_mask(const X86CPUModel *m);
/* The XCR0 bits this model supports (CPUID.(EAX=0DH,ECX=0):EDX:EAX). */
uint64_t x86_cpu_model_xcr0_mask(const X86CPUModel *m);

/* The model of a vCPU (its X86CPU.model, or the default when unset). */
const X86CPUModel *x86_env_model(const CPUX86State *env);

/* Executes CPUID for leaf/subleaf on the vCPU env: out = {EAX, EBX, ECX, EDX}. The
 * state-dependent bits (OSXSAVE from CR4, the APIC ID, the XSAVE area size for the
 * current XCR0, IA32_MISC_ENABLE limits) come from env. */
void x86_cpuid(const X86CPUModel *m, CPUX86State *env, uint32_t leaf, uint32_t subleaf,
               uint32_t out[4]);

#endif
