/* The synchronous runner (accel/tcg-run.h): real-mode code in RAM runs to HLT, faults
 * come back as vectors with rIP on the faulting instruction, and the block budget
 * stops an endless loop. */
#include <glib.h>
#include <string.h>

#include "accel/tcg-run.h"
#include "system/machine.h"

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    TcgRunner *r;
    X86CPU cpu;
} Fixture;

static void fixture_init(Fixture *f, const uint8_t *code, size_t len)
{
    memset(&f->cfg, 0, sizeof(f->cfg));
    f->cfg.ram_size = 1 << 20;
    f->cfg.smp = 1;
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    memcpy(f->m.ram + 0x7c00, code, len);
    f->r = tcg_runner_new();
    x86_cpu_init(&f->cpu, &f->m, 0, tcg_runner_tb_cache(f->r));
    CPUX86State *env = &f->cpu.env;
    env->segs[R_CS].selector = 0;
    env->segs[R_CS].base = 0;
    env->rip = 0x7c00;
    env->regs[R_ESP] = 0x7000;
}

static void fixture_fini(Fixture *f)
{
    tcg_runner_free(f->r);
    machine_destroy(&f->m);
}

static void test_runs_to_hlt(void)
{
    /* mov ax, 0x1234; add ax, 1; hlt */
    static const uint8_t code[] = {0xb8, 0x34, 0x12, 0x05, 0x01, 0x00, 0xf4};
    Fixture f;
    fixture_init(&f, code, sizeof(code));
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 100), ==, EXCP_HLT);
    g_assert_cmphex(f.cpu.env.regs[R_EAX] & 0xffff, ==, 0x1235);
    g_assert_cmphex(f.cpu.env.rip, ==, 0x7c07);
    fixture_fini(&f);
}

static void test_fault_is_precise(void)
{
    /* mov bx, 7; xor cx, cx; div cx (#DE) */
    static const uint8_t code[] = {0xbb, 0x07, 0x00, 0x31, 0xc9, 0xf7, 0xf1, 0xf4};
    Fixture f;
    fixture_init(&f, code, sizeof(code));
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 100), ==, EXCP_DE);
    g_assert_cmphex(f.cpu.env.rip, ==, 0x7c05);
    g_assert_cmphex(f.cpu.env.regs[R_EBX] & 0xffff, ==, 7);
    fixture_fini(&f);
}

static void test_budget(void)
{
    /* jmp $ */
    static const uint8_t code[] = {0xeb, 0xfe};
    Fixture f;
    fixture_init(&f, code, sizeof(code));
    g_assert_cmpint(tcg_runner_run(f.r, &f.cpu, 50), ==, -1);
    g_assert_cmphex(f.cpu.env.rip, ==, 0x7c00);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/runner/hlt", test_runs_to_hlt);
    g_test_add_func("/runner/precise-fault", test_fault_is_precise);
    g_test_add_func("/runner/budget", test_budget);
    return g_test_run();
}
