/* Local APICs: acceptance, priorities, EOI, IPIs (fixed, logical, shorthand,
 * INIT/SIPI), the timer, LINT0 virtual wire, x2APIC MSRs. */
#include <glib.h>

#include "hw/apic.h"

typedef struct Fixture {
    Log log;
    VirtualClock clock;
    ApicBus *bus;
    int intr[4];
    int inits[4], sipis[4], nmis[4];
    uint8_t sipi_vector;
    int eoi_vector;
} Fixture;

static void f_set_intr(void *o, int cpu, int level)
{
    ((Fixture *)o)->intr[cpu] = level;
}

static void f_nmi(void *o, int cpu)
{
    ((Fixture *)o)->nmis[cpu]++;
}

static void f_init(void *o, int cpu)
{
    ((Fixture *)o)->inits[cpu]++;
}

static void f_sipi(void *o, int cpu, uint8_t v)
{
    Fixture *f = o;
    f->sipis[cpu]++;
    f->sipi_vector = v;
}

static void f_eoi(void *o, uint8_t v)
{
    ((Fixture *)o)->eoi_vector = v;
}

/* A 2 GHz TSC on the virtual clock, as the PC board's CPUs have. */
static uint64_t f_tsc(void *o, int cpu)
{
    (void)cpu;
    return (uint64_t)clock_now_ns(&((Fixture *)o)->clock) * 2;
}

static void fixture_init(Fixture *f, unsigned n)
{
    *f = (Fixture){0};
    f->eoi_vector = -1;
    clock_init(&f->clock);
    ApicCpuOps ops = {f_set_intr, f_nmi, f_init, f_sipi, f_tsc, f, 2000000000u};
    f->bus = apic_bus_new(n, &f->clock, &ops, &f->log);
    f->bus->eoi_broadcast = f_eoi;
    f->bus->eoi_opaque = f;
}

static void fixture_fini(Fixture *f)
{
    apic_bus_free(f->bus);
    clock_destroy(&f->clock);
}

static ApicState *apic(Fixture *f, int i)
{
    return f->bus->apics[i];
}

static void sw_enable(ApicState *s)
{
    apic_mmio_write(s, 0xf0, 0x1ff);
}

static void test_reset_state(void)
{
    Fixture f;
    fixture_init(&f, 2);
    g_assert_cmphex(apic_mmio_read(apic(&f, 1), 0x20), ==, 1u << 24);
    g_assert_cmphex(apic_mmio_read(apic(&f, 0), 0x30), ==, 0x00050014);
    g_assert_cmphex(apic_mmio_read(apic(&f, 0), 0xf0), ==, 0xff);
    g_assert_cmphex(apic_mmio_read(apic(&f, 1), 0x350), ==, 0x10000);
    g_assert_cmphex(apic_mmio_base(apic(&f, 0)), ==, APIC_DEFAULT_BASE);
    g_assert_true(apic_mmio_enabled(apic(&f, 0)));
    fixture_fini(&f);
}

static void test_priorities_and_eoi(void)
{
    Fixture f;
    fixture_init(&f, 1);
    ApicState *s = apic(&f, 0);
    sw_enable(s);
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x41, false);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(apic_acknowledge(s), ==, 0x41);
    g_assert_cmpint(f.intr[0], ==, 0);
    /* Same priority class while 0x41 is in service: held. Higher class: delivered. */
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x45, false);
    g_assert_cmpint(f.intr[0], ==, 0);
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x61, true);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(apic_acknowledge(s), ==, 0x61);
    apic_mmio_write(s, 0xb0, 0); /* EOI 0x61: level -> broadcast */
    g_assert_cmpint(f.eoi_vector, ==, 0x61);
    apic_mmio_write(s, 0xb0, 0);       /* EOI 0x41 */
    g_assert_cmpint(f.intr[0], ==, 1); /* 0x45 now deliverable */
    /* TPR blocks its class and below. */
    apic_mmio_write(s, 0x80, 0x50);
    g_assert_cmpint(f.intr[0], ==, 0);
    g_assert_cmphex(apic_mmio_read(s, 0xa0), ==, 0x50);
    apic_mmio_write(s, 0x80, 0x00);
    g_assert_cmpint(apic_acknowledge(s), ==, 0x45);
    /* Nothing pending: the spurious vector. */
    g_assert_cmpint(apic_acknowledge(s), ==, 0xff);
    fixture_fini(&f);
}

static void test_ipis(void)
{
    Fixture f;
    fixture_init(&f, 3);
    for (int i = 0; i < 3; i++)
        sw_enable(apic(&f, i));
    /* Physical fixed IPI from 0 to 2. */
    apic_mmio_write(apic(&f, 0), 0x310, 2u << 24);
    apic_mmio_write(apic(&f, 0), 0x300, 0x4000 | 0x30);
    g_assert_cmpint(f.intr[2], ==, 1);
    g_assert_cmpint(f.intr[1], ==, 0);
    /* All excluding self: INIT then SIPI (the AP start-up sequence). */
    apic_mmio_write(apic(&f, 0), 0x300, (3u << 18) | (APIC_DM_INIT << 8) | 0x4000);
    apic_mmio_write(apic(&f, 0), 0x300, (3u << 18) | (APIC_DM_SIPI << 8) | 0x9a);
    g_assert_cmpint(f.inits[0], ==, 0);
    g_assert_cmpint(f.inits[1], ==, 1);
    g_assert_cmpint(f.sipis[2], ==, 1);
    g_assert_cmphex(f.sipi_vector, ==, 0x9a);
    /* Logical flat model: LDR bits select. */
    apic_mmio_write(apic(&f, 1), 0xd0, 0x02000000);
    apic_mmio_write(apic(&f, 0), 0x310, 0x02u << 24);
    apic_mmio_write(apic(&f, 0), 0x300, 0x800 | 0x4000 | 0x51);
    g_assert_cmpint(apic_acknowledge(apic(&f, 1)), ==, 0x51);
    /* NMI to self. */
    apic_mmio_write(apic(&f, 0), 0x300, (1u << 18) | (APIC_DM_NMI << 8));
    g_assert_cmpint(f.nmis[0], ==, 1);
    fixture_fini(&f);
}

static void test_timer(void)
{
    Fixture f;
    fixture_init(&f, 1);
    ApicState *s = apic(&f, 0);
    sw_enable(s);
    apic_mmio_write(s, 0x3e0, 0xb);            /* divide by 1 */
    apic_mmio_write(s, 0x320, 0x20000 | 0xec); /* periodic, vector 0xec */
    apic_mmio_write(s, 0x380, 1000000);        /* 1 ms */
    clock_step(&f.clock, 400000);
    g_assert_cmpuint(apic_mmio_read(s, 0x390), ==, 600000);
    int fired = 0;
    for (int i = 0; i < 50; i++) {
        clock_step(&f.clock, 100000);
        clock_run_timers(&f.clock);
        if (f.intr[0]) {
            g_assert_cmpint(apic_acknowledge(s), ==, 0xec);
            apic_mmio_write(s, 0xb0, 0);
            fired++;
        }
    }
    g_assert_cmpint(fired, ==, 5); /* 5.4 ms elapsed */
    /* One-shot: fires once. */
    apic_mmio_write(s, 0x320, 0xed);
    apic_mmio_write(s, 0x380, 200000);
    fired = 0;
    for (int i = 0; i < 20; i++) {
        clock_step(&f.clock, 100000);
        clock_run_timers(&f.clock);
        if (f.intr[0]) {
            g_assert_cmpint(apic_acknowledge(s), ==, 0xed);
            apic_mmio_write(s, 0xb0, 0);
            fired++;
        }
    }
    g_assert_cmpint(fired, ==, 1);
    g_assert_cmpuint(apic_mmio_read(s, 0x390), ==, 0);
    fixture_fini(&f);
}

/* Rewriting the timer LVT in the same mode (as Linux does when its clock event device
 * changes state) must not lose an expiry that is due but that the main loop has not
 * run yet. */
static void test_timer_lvt_rewrite(void)
{
    Fixture f;
    fixture_init(&f, 1);
    ApicState *s = apic(&f, 0);
    sw_enable(s);
    apic_mmio_write(s, 0x3e0, 0xb);  /* divide by 1 */
    apic_mmio_write(s, 0x320, 0xec); /* one-shot */
    apic_mmio_write(s, 0x380, 1000);
    clock_step(&f.clock, 2000); /* due, not run yet */
    apic_mmio_write(s, 0x320, 0xec);
    clock_run_timers(&f.clock);
    g_assert_cmpint(apic_acknowledge(s), ==, 0xec);
    apic_mmio_write(s, 0xb0, 0);
    /* Periodic: a rewrite keeps the phase. */
    apic_mmio_write(s, 0x320, 0x20000 | 0xed);
    apic_mmio_write(s, 0x380, 1000);
    clock_step(&f.clock, 1500);
    apic_mmio_write(s, 0x320, 0x20000 | 0xed);
    clock_run_timers(&f.clock);
    g_assert_cmpint(apic_acknowledge(s), ==, 0xed);
    fixture_fini(&f);
}

/* TSC-deadline mode (SDM 3A §11.5.4.1): IA32_TSC_DEADLINE arms a one-shot at a TSC
 * value, reads 0 once it fired, and is ignored in the other timer modes. */
static void test_tsc_deadline(void)
{
    Fixture f;
    fixture_init(&f, 1);
    ApicState *s = apic(&f, 0);
    sw_enable(s);
    uint64_t v = 1;
    g_assert_true(apic_msr_write(s, APIC_MSR_TSC_DEADLINE, 12345)); /* one-shot mode */
    g_assert_true(apic_msr_read(s, APIC_MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    apic_mmio_write(s, 0x320, 0x40000 | 0xe5);
    clock_step(&f.clock, 1000);
    uint64_t deadline = f_tsc(&f, 0) + 4000; /* 2 us at 2 GHz */
    g_assert_true(apic_msr_write(s, APIC_MSR_TSC_DEADLINE, deadline));
    g_assert_true(apic_msr_read(s, APIC_MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, deadline);
    /* The initial-count register is ignored in this mode. */
    apic_mmio_write(s, 0x380, 10);
    clock_step(&f.clock, 1999);
    clock_run_timers(&f.clock);
    g_assert_cmpint(f.intr[0], ==, 0);
    clock_step(&f.clock, 1);
    clock_run_timers(&f.clock);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(apic_acknowledge(s), ==, 0xe5);
    apic_mmio_write(s, 0xb0, 0);
    g_assert_true(apic_msr_read(s, APIC_MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    /* A deadline already passed fires at once; writing 0 disarms. */
    apic_msr_write(s, APIC_MSR_TSC_DEADLINE, 1);
    clock_run_timers(&f.clock);
    g_assert_cmpint(apic_acknowledge(s), ==, 0xe5);
    apic_mmio_write(s, 0xb0, 0);
    apic_msr_write(s, APIC_MSR_TSC_DEADLINE, f_tsc(&f, 0) + 100);
    apic_msr_write(s, APIC_MSR_TSC_DEADLINE, 0);
    clock_step(&f.clock, 1000);
    clock_run_timers(&f.clock);
    g_assert_cmpint(f.intr[0], ==, 0);
    fixture_fini(&f);
}

/* An APIC restored from saved state runs its periodic timer again and drives INTR. */
static void test_restore(void)
{
    Fixture f;
    fixture_init(&f, 1);
    ApicState *s = apic(&f, 0);
    sw_enable(s);
    apic_mmio_write(s, 0x3e0, 0xb);            /* divide by 1 */
    apic_mmio_write(s, 0x320, 0x20000 | 0xec); /* periodic, vector 0xec */
    apic_mmio_write(s, 0x380, 1000000);        /* 1 ms */
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x41, false);
    size_t len = vmstate_size(s->dev.fields);
    uint8_t *buf = g_malloc(len);
    g_assert_cmpuint(vmstate_save(&s->dev, buf, len), ==, len);
    apic_init_reset(s);
    f.intr[0] = 0;
    g_assert_cmpint(vmstate_load(&s->dev, buf, len), ==, 0);
    g_free(buf);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(apic_acknowledge(s), ==, 0x41);
    apic_mmio_write(s, 0xb0, 0);
    clock_step(&f.clock, 1000000);
    clock_run_timers(&f.clock);
    g_assert_cmpint(apic_acknowledge(s), ==, 0xec);
    fixture_fini(&f);
}

static void test_lint0_virtual_wire(void)
{
    Fixture f;
    fixture_init(&f, 2);
    ApicState *s = apic(&f, 0);
    /* At reset the BSP's LINT0 is ExtINT, as firmware leaves it; the APs' is masked. */
    g_assert_cmphex(apic_mmio_read(s, 0x350), ==, APIC_DM_EXTINT << 8);
    g_assert_cmphex(apic_mmio_read(apic(&f, 1), 0x350), ==, 0x10000);
    apic_bus_set_lint0(f.bus, 1);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(f.intr[1], ==, 0);
    g_assert_cmpint(apic_acknowledge(s), ==, -1); /* ask the 8259 */
    apic_bus_set_lint0(f.bus, 0);
    g_assert_cmpint(f.intr[0], ==, 0);
    /* Software-disabling masks LINT0 (§11.4.7.2); the OS then unmasks it. */
    apic_mmio_write(s, 0xf0, 0xff);
    g_assert_cmphex(apic_mmio_read(s, 0x350), ==, 0x10000 | APIC_DM_EXTINT << 8);
    sw_enable(s);
    apic_mmio_write(s, 0x350, APIC_DM_EXTINT << 8);
    apic_bus_set_lint0(f.bus, 1);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(f.intr[1], ==, 0);
    g_assert_cmpint(apic_acknowledge(s), ==, -1);
    /* Globally disabled: INTR passes straight through to the BSP. */
    apic_bus_set_lint0(f.bus, 0);
    g_assert_true(apic_set_base(s, APIC_DEFAULT_BASE));
    apic_bus_set_lint0(f.bus, 1);
    g_assert_cmpint(f.intr[0], ==, 1);
    fixture_fini(&f);
}

/* ExtINT is level sensitive: the 8259 asking while LINT0 is masked is seen when LINT0
 * is unmasked, and a request that stays up across an acknowledge stays asserted. */
static void test_lint0_level(void)
{
    Fixture f;
    fixture_init(&f, 1);
    ApicState *s = apic(&f, 0);
    sw_enable(s);
    apic_mmio_write(s, 0x350, 0x10000 | APIC_DM_EXTINT << 8);
    apic_bus_set_lint0(f.bus, 1);
    g_assert_cmpint(f.intr[0], ==, 0);
    apic_mmio_write(s, 0x350, APIC_DM_EXTINT << 8);
    g_assert_cmpint(f.intr[0], ==, 1);
    g_assert_cmpint(apic_acknowledge(s), ==, -1);
    g_assert_cmpint(f.intr[0], ==, 1); /* the pin is still high: the 8259 asks again */
    g_assert_cmpint(apic_acknowledge(s), ==, -1);
    apic_bus_set_lint0(f.bus, 0);
    g_assert_cmpint(f.intr[0], ==, 0);
    /* Fixed mode takes the rising edge only. */
    apic_mmio_write(s, 0x350, 0x31);
    apic_bus_set_lint0(f.bus, 1);
    apic_bus_set_lint0(f.bus, 1);
    g_assert_cmpint(apic_acknowledge(s), ==, 0x31);
    apic_mmio_write(s, 0xb0, 0);
    g_assert_cmpint(f.intr[0], ==, 0);
    fixture_fini(&f);
}

static void test_x2apic(void)
{
    Fixture f;
    fixture_init(&f, 2);
    ApicState *s = apic(&f, 1);
    uint64_t v;
    g_assert_false(apic_msr_read(s, 0x802, &v));                     /* not in x2APIC mode yet */
    g_assert_false(apic_set_base(s, APIC_DEFAULT_BASE | (1 << 10))); /* EXTD without EN */
    g_assert_true(apic_set_base(s, APIC_DEFAULT_BASE | (1 << 11) | (1 << 10)));
    g_assert_false(apic_mmio_enabled(s));
    g_assert_true(apic_msr_read(s, 0x802, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_true(apic_msr_read(s, 0x80d, &v));
    g_assert_cmphex(v, ==, 0x2);                 /* cluster 0, bit 1 */
    g_assert_false(apic_msr_write(s, 0x802, 5)); /* ID is read-only */
    /* x2APIC -> xAPIC directly is invalid. */
    g_assert_false(apic_set_base(s, APIC_DEFAULT_BASE | (1 << 11)));
    /* Self IPI. */
    apic_msr_write(s, 0x80f, 0x1ff);
    g_assert_true(apic_msr_write(s, 0x83f, 0x66));
    g_assert_cmpint(apic_acknowledge(s), ==, 0x66);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apic/reset-state", test_reset_state);
    g_test_add_func("/apic/priorities-eoi", test_priorities_and_eoi);
    g_test_add_func("/apic/ipis", test_ipis);
    g_test_add_func("/apic/timer", test_timer);
    g_test_add_func("/apic/timer-lvt-rewrite", test_timer_lvt_rewrite);
    g_test_add_func("/apic/tsc-deadline", test_tsc_deadline);
    g_test_add_func("/apic/restore", test_restore);
    g_test_add_func("/apic/lint0-virtual-wire", test_lint0_virtual_wire);
    g_test_add_func("/apic/lint0-level", test_lint0_level);
    g_test_add_func("/apic/x2apic", test_x2apic);
    return g_test_run();
}
