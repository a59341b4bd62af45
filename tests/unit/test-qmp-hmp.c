/* The text monitor (monitor/hmp.c): commands and their QEMU output formats, and the
 * line session (banner, prompt, line ends), on a machine with a fake accelerator. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "monitor/internal.h"

typedef struct FakeAccel {
    int starts, stops;
} FakeAccel;

static int fake_start(void *opaque)
{
    ((FakeAccel *)opaque)->starts++;
    return 0;
}

static void fake_stop(void *opaque)
{
    ((FakeAccel *)opaque)->stops++;
}

static void fake_reset(void *opaque)
{
    (void)opaque;
}

static const AccelOps fake_accel_ops = {
    .name = "fake", .start = fake_start, .stop = fake_stop, .reset = fake_reset};

/* Linear pages at LINEAR_BASE map to physical ones at PHYS_BASE; nothing else maps. */
#define LINEAR_BASE 0x40000000ull
#define PHYS_BASE   0x3000ull

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    FakeAccel accel;
    MainLoop *loop;
    MonitorMachine mm;
    HmpState st;
    bool dumped_with_vcpus_running;
    GString *session_out;
} Fixture;

static void fake_cpu_dump(void *opaque, int cpu_index, FILE *out)
{
    Fixture *f = opaque;
    /* The dump must run with the vCPUs out of guest code: started vCPUs were stopped. */
    if (f->accel.starts > f->accel.stops)
        f->dumped_with_vcpus_running = true;
    fprintf(out, "RAX=%016x RBX=0000000000000000\n", 0x1000 + cpu_index);
}

static bool fake_linear_to_phys(void *opaque, int cpu_index, uint64_t linear, uint64_t *phys)
{
    (void)opaque;
    if (linear < LINEAR_BASE || linear >= LINEAR_BASE + 0x2000)
        return false;
    /* CPU 1 sees the pages one page further on, so that "cpu 1" shows. */
    *phys = linear - LINEAR_BASE + PHYS_BASE + (uint64_t)cpu_index * 0x1000;
    return true;
}

static long fake_thread_id(void *opaque, int cpu_index)
{
    (void)opaque;
    return 4242 + cpu_index;
}

static Fixture *fixture_new(bool with_hooks)
{
    Fixture *f = g_new0(Fixture, 1);
    f->cfg = (MachineConfig){.ram_size = 1 << 20, .smp = 2, .cpu_model = "qemu64"};
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    address_space_add_ram(&f->m.mem, "ram", 0, f->m.ram_size, f->m.ram, false, 0);
    for (unsigned i = 0; i < 64; i++)
        f->m.ram[0x1000 + i] = (uint8_t)(0x80 + i);
    memcpy(f->m.ram + PHYS_BASE, "Hi\n'\\\x01zz", 8);
    memcpy(f->m.ram + PHYS_BASE + 0x1000, "cpu one!", 8);
    f->loop = main_loop_new(&f->m, &fake_accel_ops, &f->accel);
    f->mm = (MonitorMachine){.machine = &f->m, .loop = f->loop};
    if (with_hooks) {
        f->mm.ops = (MonitorMachineOps){.opaque = f,
                                        .cpu_dump = fake_cpu_dump,
                                        .cpu_linear_to_phys = fake_linear_to_phys,
                                        .cpu_thread_id = fake_thread_id};
    }
    hmp_state_init(&f->st);
    f->session_out = g_string_new(NULL);
    return f;
}

static void fixture_free(Fixture *f)
{
    main_loop_free(f->loop);
    machine_destroy(&f->m);
    g_string_free(f->session_out, true);
    g_free(f);
}

/* Runs a command; returns its output (to g_free). */
static char *run(Fixture *f, const char *line)
{
    GString *out = g_string_new(NULL);
    hmp_execute(&f->mm, &f->st, line, out);
    return g_string_free(out, false);
}

static void expect_output(Fixture *f, const char *line, const char *want)
{
    char *got = run(f, line);
    if (strcmp(got, want) != 0)
        g_error("'%s': got\n%s\nwant\n%s", line, got, want);
    g_free(got);
}

static void expect_output_contains(Fixture *f, const char *line, const char *part)
{
    char *got = run(f, line);
    if (!strstr(got, part))
        g_error("'%s': output\n%s\nlacks '%s'", line, got, part);
    g_free(got);
}

static void test_info_status_and_run_state(void)
{
    Fixture *f = fixture_new(true);
    expect_output(f, "info status", "VM status: running\r\n");
    expect_output(f, "stop", "");
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_PAUSED);
    expect_output(f, "  info   status  ", "VM status: paused\r\n");
    expect_output(f, "c", "");
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_RUNNING);
    g_assert_cmpint(f->accel.starts, ==, 1);
    expect_output(f, "system_reset", "");
    g_assert_true(atomic_load(&f->m.reset_requested));
    expect_output(f, "system_powerdown",
                  "system_powerdown: this machine has no ACPI power "
                  "button wired\r\n");
    expect_output(f, "quit", "");
    g_assert_true(atomic_load(&f->m.exit_requested));
    fixture_free(f);

    /* A VM created paused (-S) reports the state by name, as QEMU does. */
    f = fixture_new(true);
    main_loop_start_paused(f->loop);
    expect_output(f, "info status", "VM status: paused (prelaunch)\r\n");
    fixture_free(f);
}

static void test_help_and_unknown(void)
{
    Fixture *f = fixture_new(true);
    static const char *const commands[] = {
        "info",   "x ",  "xp ", "stop", "cont|c", "system_reset", "system_powerdown",
        "quit|q", "help"};
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        expect_output_contains(f, "help", commands[i]);
    expect_output(f, "help xp", "xp /fmt addr -- physical memory dump starting at 'addr'\r\n");
    expect_output_contains(f, "info", "info registers");
    expect_output(f, "frob 1 2", "unknown command: 'frob'\r\n");
    /* What is echoed back stays UTF-8 (it may end up in a QMP reply). */
    expect_output(f, "\xff\xfb\x01x", "unknown command: '\xef\xbf\xbd\xef\xbf\xbd\x01x'\r\n");
    expect_output(f, "info frob", "unknown command: 'info frob'\r\n");
    expect_output(f, "", "");
    expect_output(f, "info version", PACIFICA_VERSION MONITOR_VERSION_PACKAGE "\r\n");
    fixture_free(f);
}

static void test_xp_formats(void)
{
    Fixture *f = fixture_new(true);
    expect_output(f, "xp /4xb 0x1000", "0000000000001000: 0x80 0x81 0x82 0x83\r\n");
    expect_output(f, "xp /10xb 0x1000",
                  "0000000000001000: 0x80 0x81 0x82 0x83 0x84 0x85 0x86 0x87\r\n"
                  "0000000000001008: 0x88 0x89\r\n");
    expect_output(f, "xp /5xw 4096",
                  "0000000000001000: 0x83828180 0x87868584 0x8b8a8988 0x8f8e8d8c\r\n"
                  "0000000000001010: 0x93929190\r\n");
    expect_output(f, "xp/2xg 0x1000",
                  "0000000000001000: 0x8786858483828180 0x8f8e8d8c8b8a8988\r\n");
    expect_output(f, "xp /2xh 0x1000 + 0x10 - 2", "000000000000100e: 0x8f8e 0x9190\r\n");
    /* Signed, unsigned and octal use QEMU's field widths. */
    expect_output(f, "xp /2db 0x1000", "0000000000001000: -128 -127\r\n");
    expect_output(f, "xp /1uh 0x1000", "0000000000001000: 33152\r\n");
    expect_output(f, "xp /1ob 0x1000", "0000000000001000: 0200\r\n");
    expect_output(f, "xp /8c 0x3000",
                  "0000000000003000: 'H' 'i' '\\n' '\\'' '\\\\' '\\x01' 'z' 'z'\r\n");
    /* Without a format: the previous one (here bytes in hex), one unit. */
    expect_output(f, "xp /1xb 0x1000", "0000000000001000: 0x80\r\n");
    expect_output(f, "xp 0x1001", "0000000000001001: 0x81\r\n");
    fixture_free(f);
}

static void test_xp_errors(void)
{
    Fixture *f = fixture_new(true);
    /* Past the end of RAM nothing is mapped. */
    expect_output(f, "xp /2xw 0x100000", "0000000000100000: Cannot access memory\r\n");
    expect_output(f, "xp /8xw 0xffff8", "00000000000ffff8: Cannot access memory\r\n");
    expect_output(f, "xp", "missing address\r\n");
    expect_output(f, "xp /4q 0", "invalid char in format: 'q'\r\n");
    expect_output_contains(f, "xp /4i 0", "not supported");
    expect_output_contains(f, "xp /4x $eip", "invalid address expression");
    expect_output_contains(f, "xp /4x 0x10 *", "invalid address expression");
    expect_output_contains(f, "xp /100000000x 0", "at most");
    expect_output_contains(f, "xp 0x1ffffffffffffffffff", "too large");
    fixture_free(f);
}

static void test_x_virtual(void)
{
    Fixture *f = fixture_new(true);
    main_loop_vm_stop(f->loop);
    main_loop_vm_start(f->loop); /* vCPUs "running" */
    expect_output(f, "x /2c 0x40000000", "0000000040000000: 'H' 'i'\r\n");
    g_assert_cmpint(f->accel.stops, ==, 1);  /* held around the dump ... */
    g_assert_cmpint(f->accel.starts, ==, 2); /* ... and released */
    /* A line that crosses into the next linear page, translated page by page. */
    expect_output(f, "x /2xg 0x40000ffc",
                  "0000000040000ffc: 0x2075706300000000 0x0000000021656e6f\r\n");
    expect_output(f, "cpu 1", "");
    expect_output(f, "x /8c 0x40000000", "0000000040000000: 'c' 'p' 'u' ' ' 'o' 'n' 'e' '!'\r\n");
    expect_output(f, "cpu 2", "invalid CPU index\r\n");
    expect_output(f, "x /1xb 0x50000000", "0000000050000000: Cannot access memory\r\n");
    fixture_free(f);

    f = fixture_new(false);
    expect_output_contains(f, "x /1xb 0x40000000", "no CPU address translation");
    fixture_free(f);
}

static void test_info_registers_and_cpus(void)
{
    Fixture *f = fixture_new(true);
    main_loop_vm_stop(f->loop);
    main_loop_vm_start(f->loop);
    expect_output(f, "info registers", "RAX=0000000000001000 RBX=0000000000000000\r\n");
    expect_output(f, "info registers -a",
                  "\r\nCPU#0\r\nRAX=0000000000001000 RBX=0000000000000000\r\n"
                  "\r\nCPU#1\r\nRAX=0000000000001001 RBX=0000000000000000\r\n");
    g_assert_false(f->dumped_with_vcpus_running);
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_RUNNING);
    expect_output(f, "cpu 1", "");
    expect_output(f, "info registers", "RAX=0000000000001001 RBX=0000000000000000\r\n");
    expect_output(f, "info cpus", "  CPU #0: thread_id=4242\r\n* CPU #1: thread_id=4243\r\n");
    expect_output_contains(f, "info registers -x", "unexpected argument");
    fixture_free(f);

    f = fixture_new(false);
    expect_output_contains(f, "info registers", "no CPU state access");
    expect_output(f, "info cpus", "* CPU #0: thread_id=-1\r\n  CPU #1: thread_id=-1\r\n");
    fixture_free(f);
}

/* ---- the line session ---- */

static void capture(void *opaque, const char *data, size_t len)
{
    g_string_append_len(((Fixture *)opaque)->session_out, data, (gssize)len);
}

static void session_feed_str(HmpSession *s, const char *text)
{
    hmp_session_feed(s, (const uint8_t *)text, strlen(text));
}

static void test_session(void)
{
    Fixture *f = fixture_new(true);
    HmpSession *s = hmp_session_new(&f->mm, capture, f);
    hmp_session_open(s);
    g_assert_true(g_str_has_prefix(f->session_out->str, "Pacifica "));
    g_assert_true(g_str_has_suffix(f->session_out->str, "information\r\n(qemu) "));
    g_string_truncate(f->session_out, 0);

    /* CR, LF and CRLF each end one line; a command split across reads waits. */
    session_feed_str(s, "info st");
    g_assert_cmpstr(f->session_out->str, ==, "");
    session_feed_str(s, "atus\r\ninfo status\rinfo status\n");
    g_assert_cmpstr(f->session_out->str, ==,
                    "VM status: running\r\n(qemu) VM status: running\r\n(qemu) "
                    "VM status: running\r\n(qemu) ");
    g_string_truncate(f->session_out, 0);

    /* Backspace edits; other control bytes are dropped. */
    session_feed_str(s, "info statuz\x7fs\x01\n");
    g_assert_cmpstr(f->session_out->str, ==, "VM status: running\r\n(qemu) ");
    g_string_truncate(f->session_out, 0);

    GString *long_line = g_string_new(NULL);
    for (int i = 0; i < 10000; i++)
        g_string_append_c(long_line, 'a');
    g_string_append_c(long_line, '\n');
    session_feed_str(s, long_line->str);
    g_string_free(long_line, true);
    g_assert_true(g_str_has_prefix(f->session_out->str, "line too long"));
    g_string_truncate(f->session_out, 0);

    /* A client that leaves mid-line: the next one starts with an empty line. */
    session_feed_str(s, "sto");
    hmp_session_close(s);
    hmp_session_open(s);
    g_string_truncate(f->session_out, 0);
    session_feed_str(s, "p\n");
    g_assert_cmpstr(f->session_out->str, ==, "unknown command: 'p'\r\n(qemu) ");
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_RUNNING);
    g_string_truncate(f->session_out, 0);

    /* quit: no prompt after it. */
    session_feed_str(s, "q\n");
    g_assert_cmpstr(f->session_out->str, ==, "");
    g_assert_true(atomic_load(&f->m.exit_requested));
    hmp_session_free(s);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-hmp/status-and-run-state", test_info_status_and_run_state);
    g_test_add_func("/qmp-hmp/help-and-unknown", test_help_and_unknown);
    g_test_add_func("/qmp-hmp/xp-formats", test_xp_formats);
    g_test_add_func("/qmp-hmp/xp-errors", test_xp_errors);
    g_test_add_func("/qmp-hmp/x-virtual", test_x_virtual);
    g_test_add_func("/qmp-hmp/info-registers-and-cpus", test_info_registers_and_cpus);
    g_test_add_func("/qmp-hmp/session", test_session);
    return g_test_run();
}
