/* CPU models and CPUID: the model table (names, psABI levels nested as their
 * definitions say, nothing advertised beyond what Pacifica implements) and every leaf
 * of the default model, with the bits that follow the CPU state (APIC ID, OSXSAVE,
 * IA32_MISC_ENABLE limits). */
#include <glib.h>
#include <string.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/msr.h"
#include "system/machine.h"

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    X86CPU cpu;
} Fixture;

/* A vCPU of index `index` in a machine of `smp` CPUs, with the given -cpu model. */
static Fixture *fx_new(const char *model, unsigned smp, int index)
{
    Fixture *f = g_new0(Fixture, 1);
    f->cfg.ram_size = 1 << 20;
    f->cfg.smp = smp;
    f->cfg.cpu_model = model;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    x86_cpu_init(&f->cpu, &f->m, index, NULL);
    return f;
}

static void fx_free(Fixture *f)
{
    machine_destroy(&f->m);
    g_free(f);
}

static void cpuid(Fixture *f, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    x86_cpuid(f->cpu.model, &f->cpu.env, leaf, subleaf, out);
}

static void cpuid_string(Fixture *f, uint32_t leaf, const unsigned *order, char *buf)
{
    uint32_t r[4];
    cpuid(f, leaf, 0, r);
    for (int i = 0; i < 3; i++)
        memcpy(buf + 4 * i, &r[order[i]], 4);
    buf[12] = 0;
}

/* ---- the model table ---- */

static void test_model_table(void)
{
    size_t n = 0;
    for (const X86CPUModel *m; (m = x86_cpu_model_at(n)); n++) {
        g_assert_nonnull(m->name);
        g_assert_true(x86_cpu_model_find(m->name) == m);
        g_assert_cmpuint(m->family, ==, 6);
        g_assert_cmpuint(m->stepping, <, 16);
    }
    g_assert_cmpuint(n, ==, 4);
    g_assert_nonnull(x86_cpu_model_find("qemu64"));
    g_assert_nonnull(x86_cpu_model_find("x86-64-v3"));
    g_assert_nonnull(x86_cpu_model_find("max"));
    g_assert_cmpstr(x86_cpu_model_default()->name, ==, "x86-64-v2");
    /* Unknown names are rejected. */
    g_assert_null(x86_cpu_model_find("pentium"));
    g_assert_null(x86_cpu_model_find("X86-64-V2"));
    g_assert_null(x86_cpu_model_find(""));
    g_assert_null(x86_cpu_model_find(NULL));
}

static bool superset(const X86CPUModel *big, const X86CPUModel *small, bool filtered)
{
    for (int w = 0; w < X86_FEAT_WORDS; w++) {
        uint32_t b = filtered ? x86_cpu_model_features(big, w) : big->features[w];
        uint32_t s = filtered ? x86_cpu_model_features(small, w) : small->features[w];
        if (s & ~b)
            return false;
    }
    return true;
}

static void test_model_levels(void)
{
    const X86CPUModel *q = x86_cpu_model_find("qemu64");
    const X86CPUModel *v2 = x86_cpu_model_find("x86-64-v2");
    const X86CPUModel *v3 = x86_cpu_model_find("x86-64-v3");
    const X86CPUModel *max = x86_cpu_model_find("max");
    /* max ⊇ v3 ⊇ v2 ⊇ qemu64, as defined and as advertised. */
    for (int filtered = 0; filtered < 2; filtered++) {
        g_assert_true(superset(v2, q, filtered));
        g_assert_true(superset(v3, v2, filtered));
        g_assert_true(superset(max, v3, filtered));
        g_assert_false(filtered == 0 && superset(q, v2, false));
        g_assert_false(filtered == 0 && superset(v2, v3, false));
    }
    /* max advertises everything implemented, and nothing advertises more. */
    for (int w = 0; w < X86_FEAT_WORDS; w++) {
        g_assert_cmphex(x86_cpu_model_features(max, w), ==, x86_implemented_features(w));
        for (size_t i = 0; x86_cpu_model_at(i); i++)
            g_assert_cmphex(x86_cpu_model_features(x86_cpu_model_at(i), w) &
                                ~x86_implemented_features(w),
                            ==, 0);
    }
    /* The psABI definitions of the levels (x86-64 psABI §3.1.1). */
    g_assert_true(q->features[FEAT_1_EDX] & CPUID_1_EDX_SSE2);
    g_assert_true(q->features[FEAT_8000_0001_EDX] & CPUID_8000_0001_EDX_LM);
    g_assert_false(q->features[FEAT_1_ECX] & CPUID_1_ECX_SSE42);
    const uint32_t v2_ecx = CPUID_1_ECX_CX16 | CPUID_1_ECX_POPCNT | CPUID_1_ECX_SSE3 |
                            CPUID_1_ECX_SSSE3 | CPUID_1_ECX_SSE41 | CPUID_1_ECX_SSE42;
    g_assert_cmphex(v2->features[FEAT_1_ECX] & v2_ecx, ==, v2_ecx);
    g_assert_true(v2->features[FEAT_8000_0001_ECX] & CPUID_8000_0001_ECX_LAHF_LM);
    g_assert_false(v2->features[FEAT_1_ECX] & CPUID_1_ECX_AVX);
    const uint32_t v3_ecx = CPUID_1_ECX_AVX | CPUID_1_ECX_F16C | CPUID_1_ECX_FMA |
                            CPUID_1_ECX_MOVBE | CPUID_1_ECX_XSAVE;
    const uint32_t v3_ebx = CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_BMI1 | CPUID_7_0_EBX_BMI2;
    g_assert_cmphex(v3->features[FEAT_1_ECX] & v3_ecx, ==, v3_ecx);
    g_assert_cmphex(v3->features[FEAT_7_0_EBX] & v3_ebx, ==, v3_ebx);
    g_assert_true(v3->features[FEAT_8000_0001_ECX] & CPUID_8000_0001_ECX_LZCNT);
}

/* -cpu reaches the vCPU through MachineConfig.cpu_model; reset EDX is the signature. */
static void test_cpu_init_model(void)
{
    Fixture *f = fx_new("qemu64", 1, 0);
    g_assert_true(f->cpu.model == x86_cpu_model_find("qemu64"));
    g_assert_cmphex(f->cpu.env.regs[R_EDX], ==, x86_cpu_model_signature(f->cpu.model));
    fx_free(f);
    f = fx_new(NULL, 1, 0);
    g_assert_true(f->cpu.model == x86_cpu_model_default());
    fx_free(f);
}

/* ---- the leaves of the default model ---- */

static void test_leaf_0(void)
{
    static const unsigned vendor_order[3] = {1, 3, 2}; /* EBX, EDX, ECX */
    Fixture *f = fx_new(NULL, 1, 0);
    char vendor[13];
    uint32_t r[4], r_d[4];
    cpuid_string(f, 0, vendor_order, vendor);
    g_assert_cmpstr(vendor, ==, "GenuineIntel");
    cpuid(f, 0, 0, r);
    g_assert_cmphex(r[0], ==, 0x16);
    /* A leaf above the maximum gives the highest basic leaf's data (Intel). */
    cpuid(f, 0x16, 0, r_d);
    cpuid(f, 0x20, 0, r);
    g_assert_cmpmem(r, sizeof(r), r_d, sizeof(r_d));
    cpuid(f, 0x8000000a, 0, r);
    g_assert_cmpmem(r, sizeof(r), r_d, sizeof(r_d));
    /* IA32_MISC_ENABLE.LIMIT_CPUID: the maximum becomes 2. */
    f->cpu.env.misc_enable |= 1ull << 22;
    cpuid(f, 0, 0, r);
    g_assert_cmphex(r[0], ==, 2);
    cpuid(f, 2, 0, r_d);
    cpuid(f, 7, 0, r);
    g_assert_cmpmem(r, sizeof(r), r_d, sizeof(r_d));
    fx_free(f);
}

static void test_leaf_1(void)
{
    Fixture *f = fx_new(NULL, 4, 2);
    const X86CPUModel *m = f->cpu.model;
    uint32_t r[4];
    cpuid(f, 1, 0, r);
    /* Family 6, model 1AH (extended model 1), stepping 5. */
    g_assert_cmphex(r[0], ==, 0x000106a5);
    g_assert_cmphex(r[0], ==, x86_cpu_model_signature(m));
    g_assert_cmphex(r[1] >> 24, ==, 2);          /* initial APIC ID = CPU index */
    g_assert_cmphex((r[1] >> 16) & 0xff, ==, 4); /* logical processors, HTT set */
    g_assert_true(r[3] & CPUID_1_EDX_HTT);
    if (r[3] & CPUID_1_EDX_CLFSH)
        g_assert_cmphex((r[1] >> 8) & 0xff, ==, 8); /* 64-byte lines */
    g_assert_cmphex(r[2] & ~CPUID_1_ECX_OSXSAVE, ==, x86_cpu_model_features(m, FEAT_1_ECX));
    g_assert_true(r[2] & CPUID_1_ECX_HYPERVISOR);
    g_assert_false(r[2] & CPUID_1_ECX_OSXSAVE);
    g_assert_true(r[3] & CPUID_1_EDX_TSC);
    g_assert_true(r[3] & CPUID_1_EDX_MSR);
    g_assert_false(r[3] & CPUID_1_EDX_VME); /* not implemented */
    /* OSXSAVE follows CR4 where XSAVE exists. */
    f->cpu.env.cr[4] |= CR4_OSXSAVE;
    cpuid(f, 1, 0, r);
    g_assert_cmpint(!!(r[2] & CPUID_1_ECX_OSXSAVE), ==,
                    x86_cpu_model_has(m, FEAT_1_ECX, CPUID_1_ECX_XSAVE));
    fx_free(f);

    /* One CPU: no HTT, no logical count. */
    f = fx_new(NULL, 1, 0);
    cpuid(f, 1, 0, r);
    g_assert_false(r[3] & CPUID_1_EDX_HTT);
    g_assert_cmphex((r[1] >> 16) & 0xff, ==, 0);
    fx_free(f);
}

static void test_leaf_2_4(void)
{
    Fixture *f = fx_new(NULL, 2, 1);
    uint32_t r[4];
    cpuid(f, 2, 0, r);
    g_assert_cmphex(r[0], ==, 0x0000ff01); /* descriptor FFh: see leaf 4 */
    static const struct {
        unsigned type, level, size;
    } want[] = {{1, 1, 32 << 10}, {2, 1, 32 << 10}, {3, 2, 1 << 20}};
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        cpuid(f, 4, i, r);
        g_assert_cmpuint(r[0] & 0x1f, ==, want[i].type);
        g_assert_cmpuint((r[0] >> 5) & 7, ==, want[i].level);
        g_assert_cmpuint((r[0] >> 26) + 1, ==, 2); /* cores per package */
        unsigned ways = (r[1] >> 22) + 1, parts = ((r[1] >> 12) & 0x3ff) + 1;
        unsigned line = (r[1] & 0xfff) + 1, sets = r[2] + 1;
        g_assert_cmpuint(ways * parts * line * sets, ==, want[i].size);
    }
    cpuid(f, 4, 3, r);
    g_assert_cmpuint(r[0] & 0x1f, ==, 0); /* no more caches */
    fx_free(f);
}

static void test_leaf_6_7(void)
{
    Fixture *f = fx_new(NULL, 1, 0);
    const X86CPUModel *m = f->cpu.model;
    uint32_t r[4];
    cpuid(f, 6, 0, r);
    g_assert_cmphex(r[0], ==, x86_cpu_model_features(m, FEAT_6_EAX));
    cpuid(f, 7, 0, r);
    g_assert_cmphex(r[0], ==, 0); /* only subleaf 0 */
    g_assert_cmphex(r[1], ==, x86_cpu_model_features(m, FEAT_7_0_EBX));
    g_assert_cmphex(r[2], ==, x86_cpu_model_features(m, FEAT_7_0_ECX));
    g_assert_cmphex(r[3], ==, x86_cpu_model_features(m, FEAT_7_0_EDX));
    cpuid(f, 7, 1, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    fx_free(f);
}

static void test_leaf_b(void)
{
    Fixture *f = fx_new(NULL, 3, 2);
    uint32_t r[4];
    cpuid(f, 0xb, 0, r); /* SMT level: one thread per core */
    g_assert_cmphex(r[0], ==, 0);
    g_assert_cmphex(r[1], ==, 1);
    g_assert_cmphex(r[2], ==, 0x100);
    g_assert_cmphex(r[3], ==, 2);
    cpuid(f, 0xb, 1, r); /* core level: 3 cores, 2 bits of APIC ID */
    g_assert_cmphex(r[0], ==, 2);
    g_assert_cmphex(r[1], ==, 3);
    g_assert_cmphex(r[2], ==, 0x201);
    cpuid(f, 0xb, 2, r); /* invalid level */
    g_assert_cmphex(r[1], ==, 0);
    g_assert_cmphex(r[2], ==, 2);
    fx_free(f);
}

static void test_leaf_d(void)
{
    for (size_t i = 0; x86_cpu_model_at(i); i++) {
        Fixture *f = fx_new(x86_cpu_model_at(i)->name, 1, 0);
        uint64_t xcr0 = x86_cpu_model_xcr0_mask(f->cpu.model);
        bool xsave = x86_cpu_model_has(f->cpu.model, FEAT_1_ECX, CPUID_1_ECX_XSAVE);
        g_assert_cmpint(xcr0 != 0, ==, xsave);
        if (xsave)
            g_assert_cmphex(xcr0 & 3, ==, XSTATE_X87 | XSTATE_SSE);
        uint32_t r[4];
        cpuid(f, 0xd, 0, r);
        g_assert_cmphex(((uint64_t)r[3] << 32) | r[0], ==, xcr0);
        if (!xcr0) {
            /* Without XSAVE the leaf is empty. */
            g_assert_cmphex(r[1] | r[2], ==, 0);
        } else {
            /* Standard format: 512 legacy + 64 header (+ 256 AVX at 576). */
            g_assert_cmpuint(r[2], ==, (xcr0 & XSTATE_AVX) ? 832 : 576);
            g_assert_cmpuint(r[1], ==, 576); /* XCR0 = x87 after reset */
            if (xcr0 & XSTATE_AVX) {
                cpuid(f, 0xd, 2, r);
                g_assert_cmpuint(r[0], ==, 256);
                g_assert_cmpuint(r[1], ==, 576);
            }
        }
        fx_free(f);
    }
}

/* Leaves 15H/16H advertise the TSC's rate (2 GHz from a 1 GHz crystal, the APIC
 * timer's clock), so that a guest need not calibrate it. */
static void test_leaf_15_16(void)
{
    Fixture *f = fx_new(NULL, 1, 0);
    uint32_t r[4];
    cpuid(f, 0x15, 0, r);
    g_assert_cmpuint(r[0], !=, 0);
    g_assert_cmpuint((uint64_t)r[2] * r[1] / r[0], ==, X86_TSC_HZ);
    g_assert_cmpuint(r[2], ==, 1000000000u);
    cpuid(f, 0x16, 0, r);
    g_assert_cmpuint(r[0], ==, X86_TSC_HZ / 1000000);
    fx_free(f);
}

static void test_extended_leaves(void)
{
    Fixture *f = fx_new(NULL, 1, 0);
    const X86CPUModel *m = f->cpu.model;
    uint32_t r[4];
    cpuid(f, 0x80000000, 0, r);
    g_assert_cmphex(r[0], ==, 0x80000008);
    char brand[49] = {0};
    for (int i = 0; i < 3; i++) {
        uint32_t q[4];
        cpuid(f, 0x80000002 + i, 0, q);
        memcpy(brand + 16 * i, q, 16);
    }
    g_assert_cmpstr(brand, ==, "Pacifica Virtual CPU");
    cpuid(f, 0x80000001, 0, r);
    g_assert_cmphex(r[2], ==, x86_cpu_model_features(m, FEAT_8000_0001_ECX));
    g_assert_cmphex(r[3], ==, x86_cpu_model_features(m, FEAT_8000_0001_EDX));
    g_assert_true(r[3] & CPUID_8000_0001_EDX_SYSCALL);
    g_assert_true(r[3] & CPUID_8000_0001_EDX_RDTSCP);
    /* IA32_MISC_ENABLE.XD_DISABLE hides NX. */
    f->cpu.env.misc_enable |= 1ull << 34;
    cpuid(f, 0x80000001, 0, r);
    g_assert_false(r[3] & CPUID_8000_0001_EDX_NX);
    cpuid(f, 0x80000007, 0, r);
    g_assert_true(r[3] & CPUID_8000_0007_EDX_INVTSC);
    cpuid(f, 0x80000008, 0, r);
    g_assert_cmphex(r[0], ==, 48 << 8 | 40); /* linear 48, physical 40 bits */
    fx_free(f);
}

static void test_cr4_mask(void)
{
    const X86CPUModel *v2 = x86_cpu_model_default();
    const X86CPUModel *max = x86_cpu_model_find("max");
    uint64_t mask = x86_cpu_model_cr4_mask(v2);
    g_assert_cmphex(mask & (CR4_TSD | CR4_PCE | CR4_DE), ==, CR4_TSD | CR4_PCE | CR4_DE);
    g_assert_false(mask & CR4_VME);
    g_assert_false(mask & (1u << 12)); /* LA57 */
    g_assert_false(mask & CR4_FSGSBASE);
    g_assert_cmpint(!!(x86_cpu_model_cr4_mask(max) & CR4_FSGSBASE), ==,
                    x86_cpu_model_has(max, FEAT_7_0_EBX, CPUID_7_0_EBX_FSGSBASE));
    g_assert_cmpint(!!(mask & CR4_OSXSAVE), ==,
                    x86_cpu_model_has(v2, FEAT_1_ECX, CPUID_1_ECX_XSAVE));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpuid/models/table", test_model_table);
    g_test_add_func("/cpuid/models/levels", test_model_levels);
    g_test_add_func("/cpuid/models/cpu-init", test_cpu_init_model);
    g_test_add_func("/cpuid/leaf/0", test_leaf_0);
    g_test_add_func("/cpuid/leaf/1", test_leaf_1);
    g_test_add_func("/cpuid/leaf/2-4", test_leaf_2_4);
    g_test_add_func("/cpuid/leaf/6-7", test_leaf_6_7);
    g_test_add_func("/cpuid/leaf/b", test_leaf_b);
    g_test_add_func("/cpuid/leaf/d", test_leaf_d);
    g_test_add_func("/cpuid/leaf/15-16", test_leaf_15_16);
    g_test_add_func("/cpuid/leaf/extended", test_extended_leaves);
    g_test_add_func("/cpuid/cr4-mask", test_cr4_mask);
    return g_test_run();
}
