/* Tests for the command line parser (system/options.c). */
#include "system/options.h"

#include "config.h"
#include "system/log.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MiB (1ull << 20)

/* One run of options_parse, with what it printed. */
typedef struct ParseRun {
    MachineConfig cfg;
    OptionsResult result;
    char *out; /* malloc'ed by open_memstream */
    char *err;
} ParseRun;

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static void parse_list(ParseRun *run, const char *const *args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"pacifica";
    for (; *args; args++) {
        g_assert_cmpint(argc, <, 63);
        argv[argc++] = (char *)*args;
    }
    argv[argc] = NULL;

    size_t out_len, err_len;
    FILE *out = open_memstream(&run->out, &out_len);
    FILE *err = open_memstream(&run->err, &err_len);
    g_assert_nonnull(out);
    g_assert_nonnull(err);
    run->result = options_parse(&run->cfg, argc, argv, out, err);
    fclose(out);
    fclose(err);
}

static void parse_run_free(ParseRun *run)
{
    free(run->out);
    free(run->err);
}

#define PARSE(run, ...) parse_list(run, (const char *const[]){__VA_ARGS__, NULL})

/* Parses args that must be accepted silently; the config is left in *cfg. */
static void parse_ok_list(MachineConfig *cfg, const char *const *args)
{
    ParseRun run;
    parse_list(&run, args);
    g_assert_cmpstr(run.err, ==, "");
    g_assert_cmpint(run.result, ==, OPTIONS_OK);
    *cfg = run.cfg;
    parse_run_free(&run);
}

#define PARSE_OK(cfg, ...) parse_ok_list(cfg, (const char *const[]){__VA_ARGS__, NULL})

/* Parses args that must be refused with one line on err containing every needle. */
static void expect_error_list(const char *const *args, const char *needle1, const char *needle2)
{
    ParseRun run;
    parse_list(&run, args);
    if (run.result != OPTIONS_ERROR || !strstr(run.err, needle1) ||
        (needle2 && !strstr(run.err, needle2)))
        g_test_message("stderr was: %s", run.err);
    g_assert_cmpint(run.result, ==, OPTIONS_ERROR);
    g_assert_cmpstr(run.out, ==, "");
    g_assert_true(g_str_has_prefix(run.err, "pacifica: "));
    /* Exactly one line. */
    g_assert_true(g_str_has_suffix(run.err, "\n"));
    g_assert_true(strchr(run.err, '\n') == run.err + strlen(run.err) - 1);
    g_assert_nonnull(strstr(run.err, needle1));
    if (needle2)
        g_assert_nonnull(strstr(run.err, needle2));
    parse_run_free(&run);
}

/* EXPECT_ERROR(needle1, needle2 or NULL, args...) */
#define EXPECT_ERROR(n1, n2, ...)                                                                  \
    expect_error_list((const char *const[]){__VA_ARGS__, NULL}, n1, n2)

/* Parses args that must be refused with exactly this message. */
static void expect_message_list(const char *const *args, const char *message)
{
    ParseRun run;
    parse_list(&run, args);
    g_assert_cmpint(run.result, ==, OPTIONS_ERROR);
    g_assert_cmpstr(run.err, ==, message);
    parse_run_free(&run);
}

#define EXPECT_MESSAGE(msg, ...) expect_message_list((const char *const[]){__VA_ARGS__, NULL}, msg)

/* Parses args that must print something to out and ask to exit; returns the output. */
static char *expect_exit_list(const char *const *args)
{
    ParseRun run;
    parse_list(&run, args);
    g_assert_cmpint(run.result, ==, OPTIONS_EXIT);
    g_assert_cmpstr(run.err, ==, "");
    g_assert_cmpstr(run.out, !=, "");
    char *out = run.out;
    free(run.err);
    return out;
}

#define EXPECT_EXIT(...) expect_exit_list((const char *const[]){__VA_ARGS__, NULL})

/* A readable temporary file for -bios/-kernel/-initrd; g_free + unlink when done. */
static char *make_temp_file(void)
{
    GError *error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("pacifica-test-XXXXXX", &path, &error);
    g_assert_no_error(error);
    g_assert_cmpint(write(fd, "\xf4", 1), ==, 1);
    close(fd);
    return path;
}

static void remove_temp_file(char *path)
{
    g_unlink(path);
    g_free(path);
}

/* ---- defaults and accepted values ---- */

static void test_defaults(void)
{
    ParseRun run;
    parse_list(&run, (const char *const[]){NULL});
    g_assert_cmpint(run.result, ==, OPTIONS_OK);
    g_assert_cmpstr(run.out, ==, "");
    g_assert_cmpstr(run.err, ==, "");
    const MachineConfig *cfg = &run.cfg;
    g_assert_cmpuint(cfg->ram_size, ==, 128 * MiB);
    g_assert_cmpuint(cfg->smp, ==, 1);
    g_assert_null(cfg->bios);
    g_assert_null(cfg->kernel);
    g_assert_null(cfg->initrd);
    g_assert_null(cfg->append);
    g_assert_false(cfg->nographic);
    g_assert_cmpint(cfg->display, ==, DISPLAY_DEFAULT);
    g_assert_cmpuint(cfg->nserial, ==, 0);
    g_assert_null(cfg->debugcon);
    g_assert_false(cfg->no_reboot);
    g_assert_cmpuint(cfg->log_mask, ==, 0);
    g_assert_null(cfg->log_file);
    g_assert_cmpstr(cfg->accel, ==, "tcg");
    g_assert_cmpstr(cfg->machine, ==, "pc");
    g_assert_cmpstr(cfg->cpu_model, ==, "x86-64-v2");
    parse_run_free(&run);
}

static uint64_t ram_size_of(const char *value)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-m", value);
    return cfg.ram_size;
}

static void test_memory_sizes(void)
{
    g_assert_cmpuint(ram_size_of("256"), ==, 256 * MiB); /* a bare number is MiB */
    g_assert_cmpuint(ram_size_of("512M"), ==, 512 * MiB);
    g_assert_cmpuint(ram_size_of("512m"), ==, 512 * MiB);
    g_assert_cmpuint(ram_size_of("1G"), ==, 1024 * MiB);
    g_assert_cmpuint(ram_size_of("2g"), ==, 2048 * MiB);
    g_assert_cmpuint(ram_size_of("2048k"), ==, 2 * MiB);
    g_assert_cmpuint(ram_size_of("2048K"), ==, 2 * MiB);
    g_assert_cmpuint(ram_size_of("1T"), ==, 1024 * 1024 * MiB);
    g_assert_cmpuint(ram_size_of("1048576B"), ==, MiB);
    g_assert_cmpuint(ram_size_of("1.5G"), ==, 1536 * MiB);
    g_assert_cmpuint(ram_size_of("1.5"), ==, MiB + MiB / 2);
    g_assert_cmpuint(ram_size_of("size=64M"), ==, 64 * MiB);
    g_assert_cmpuint(ram_size_of("size=64"), ==, 64 * MiB);
    /* Rounded up to whole 4 KiB pages. */
    g_assert_cmpuint(ram_size_of("1025K"), ==, 1028 * 1024);

    MachineConfig cfg;
    PARSE_OK(&cfg, "--m", "64"); /* two dashes work as in QEMU */
    g_assert_cmpuint(cfg.ram_size, ==, 64 * MiB);
    PARSE_OK(&cfg, "-m", "64", "-m", "32"); /* the last one wins */
    g_assert_cmpuint(cfg.ram_size, ==, 32 * MiB);
}

static void test_memory_errors(void)
{
    EXPECT_MESSAGE("pacifica: -m 0: RAM size must be at least 1 MiB\n", "-m", "0");
    EXPECT_MESSAGE("pacifica: -m 1Q: invalid size\n", "-m", "1Q");
    EXPECT_ERROR("-m 512K", "at least 1 MiB", "-m", "512K");
    EXPECT_ERROR("-m 2T", "at most 1 TiB", "-m", "2T");
    EXPECT_ERROR("-m 99999999999999999999999", "at most 1 TiB", "-m", "99999999999999999999999");
    EXPECT_ERROR("-m 17179869184G", "at most 1 TiB", "-m", "17179869184G");
    EXPECT_ERROR("-m -1", "invalid size", "-m", "-1");
    EXPECT_ERROR("-m : invalid size", NULL, "-m", "");
    EXPECT_ERROR("-m 1GiB", "invalid size", "-m", "1GiB");
    EXPECT_ERROR("-m 1.G", "invalid size", "-m", "1.G");
    EXPECT_ERROR("-m 0x100", "invalid size", "-m", "0x100");
    EXPECT_ERROR("-m size=", "invalid size", "-m", "size=");
    EXPECT_ERROR("-m 1G,slots=2", "'slots=2'", "-m", "1G,slots=2");
    EXPECT_MESSAGE("pacifica: -m: missing argument\n", "-m");
}

static void test_smp(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-smp", "4");
    g_assert_cmpuint(cfg.smp, ==, 4);
    PARSE_OK(&cfg, "-smp", "cpus=8");
    g_assert_cmpuint(cfg.smp, ==, 8);
    PARSE_OK(&cfg, "--smp", "255");
    g_assert_cmpuint(cfg.smp, ==, 255);

    EXPECT_MESSAGE("pacifica: -smp 0: CPU count must be between 1 and 255\n", "-smp", "0");
    EXPECT_ERROR("-smp 256", "between 1 and 255", "-smp", "256");
    EXPECT_ERROR("-smp 99999999999999999999999", "invalid CPU count", "-smp",
                 "99999999999999999999999");
    EXPECT_ERROR("-smp abc", "invalid CPU count", "-smp", "abc");
    EXPECT_ERROR("-smp -2", "invalid CPU count", "-smp", "-2");
    EXPECT_ERROR("-smp 4x", "invalid CPU count", "-smp", "4x");
    EXPECT_ERROR("-smp 2,sockets=2", "'sockets=2'", "-smp", "2,sockets=2");
    EXPECT_ERROR("-smp: missing argument", NULL, "-smp");
}

static void test_files(void)
{
    char *file = make_temp_file();
    MachineConfig cfg;
    PARSE_OK(&cfg, "-bios", file);
    g_assert_cmpstr(cfg.bios, ==, file);
    PARSE_OK(&cfg, "-kernel", file, "-initrd", file, "-append", "console=ttyS0 quiet");
    g_assert_cmpstr(cfg.kernel, ==, file);
    g_assert_cmpstr(cfg.initrd, ==, file);
    g_assert_cmpstr(cfg.append, ==, "console=ttyS0 quiet");

    EXPECT_ERROR("-initrd", "only allowed with -kernel", "-initrd", file);
    EXPECT_ERROR("-append console=ttyS0", "only allowed with -kernel", "-append", "console=ttyS0");
    remove_temp_file(file);

    EXPECT_MESSAGE("pacifica: -bios nosuch.bin: No such file or directory\n", "-bios",
                   "nosuch.bin");
    EXPECT_ERROR("-kernel /nonexistent/vmlinuz", "No such file or directory", "-kernel",
                 "/nonexistent/vmlinuz");
    EXPECT_ERROR("-initrd /nonexistent/initrd", "No such file or directory", "-initrd",
                 "/nonexistent/initrd");
    EXPECT_ERROR("-bios /", "Is a directory", "-bios", "/");
    EXPECT_ERROR("-append: missing argument", NULL, "-append");
}

static void test_display(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-nographic");
    g_assert_true(cfg.nographic);
    g_assert_cmpint(cfg.display, ==, DISPLAY_DEFAULT);
    PARSE_OK(&cfg, "-display", "none");
    g_assert_cmpint(cfg.display, ==, DISPLAY_NONE);
#ifdef CONFIG_SDL
    PARSE_OK(&cfg, "-display", "sdl");
    g_assert_cmpint(cfg.display, ==, DISPLAY_SDL);
    EXPECT_ERROR("-display sdl", "-nographic", "-nographic", "-display", "sdl");
    EXPECT_ERROR("-display sdl,gl=on", "'gl=on'", "-display", "sdl,gl=on");
#else
    EXPECT_ERROR("-display sdl", "no SDL", "-display", "sdl");
#endif
    EXPECT_ERROR("-display gtk", "'gtk'", "-display", "gtk");
    EXPECT_ERROR("-display bogus", "'bogus'", "-display", "bogus");
    EXPECT_ERROR("-display none,x=1", "'x=1'", "-display", "none,x=1");
}

static void test_serial(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-serial", "stdio");
    g_assert_cmpuint(cfg.nserial, ==, 1);
    g_assert_cmpstr(cfg.serial[0], ==, "stdio");
    PARSE_OK(&cfg, "-serial", "null", "-serial", "none", "-serial", "file:/tmp/com3.log", "-serial",
             "stdio");
    g_assert_cmpuint(cfg.nserial, ==, 4);
    g_assert_cmpstr(cfg.serial[0], ==, "null");
    g_assert_cmpstr(cfg.serial[1], ==, "none");
    g_assert_cmpstr(cfg.serial[2], ==, "file:/tmp/com3.log");
    g_assert_cmpstr(cfg.serial[3], ==, "stdio");

    EXPECT_ERROR("-serial null", "at most 4", "-serial", "null", "-serial", "null", "-serial",
                 "null", "-serial", "null", "-serial", "null");
    EXPECT_ERROR("-serial bogus", "unsupported character backend", "-serial", "bogus");
    EXPECT_ERROR("-serial pty", "unsupported", "-serial", "pty");
    EXPECT_ERROR("-serial file:", "missing file name", "-serial", "file:");
    EXPECT_ERROR("-serial stdio", "already used", "-serial", "stdio", "-serial", "stdio");
    EXPECT_ERROR("-serial: missing argument", NULL, "-serial");
}

static void test_debugcon(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-debugcon", "stdio");
    g_assert_cmpstr(cfg.debugcon, ==, "stdio");
    PARSE_OK(&cfg, "-debugcon", "file:/tmp/debug.log", "-serial", "stdio");
    g_assert_cmpstr(cfg.debugcon, ==, "file:/tmp/debug.log");
    PARSE_OK(&cfg, "-debugcon", "none");
    g_assert_null(cfg.debugcon);

    EXPECT_ERROR("-debugcon bogus", "unsupported character backend", "-debugcon", "bogus");
    EXPECT_ERROR("-debugcon stdio", "already used", "-serial", "stdio", "-debugcon", "stdio");
    EXPECT_ERROR("-debugcon null", "only one", "-debugcon", "none", "-debugcon", "null");
}

static void test_no_reboot(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-no-reboot");
    g_assert_true(cfg.no_reboot);
}

static void test_log(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-d", "in_asm,int", "-D", "/tmp/pacifica.log");
    g_assert_cmpuint(cfg.log_mask, ==, LOG_IN_ASM | LOG_INT);
    g_assert_cmpstr(cfg.log_file, ==, "/tmp/pacifica.log");
    PARSE_OK(&cfg, "-d", "cpu", "-d", "unimp"); /* the last one wins */
    g_assert_cmpuint(cfg.log_mask, ==, LOG_UNIMP);

    char *out = EXPECT_EXIT("-d", "help");
    g_assert_nonnull(strstr(out, "in_asm"));
    g_assert_nonnull(strstr(out, "guest_errors"));
    free(out);

    EXPECT_ERROR("-d bogus", "'bogus'", "-d", "bogus");
    EXPECT_ERROR("-d in_asm,nope", "'nope'", "-d", "in_asm,nope");
    EXPECT_ERROR("-D: missing argument", NULL, "-D");
}

static void test_accel(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-accel", "tcg");
    g_assert_cmpstr(cfg.accel, ==, "tcg");
    PARSE_OK(&cfg, "-accel", "tcg,thread=multi");

    EXPECT_MESSAGE("pacifica: -accel kvm: accelerator 'kvm' is not supported yet\n", "-accel",
                   "kvm");
    EXPECT_ERROR("-accel kvm,kernel-irqchip=on", "'kvm' is not supported yet", "-accel",
                 "kvm,kernel-irqchip=on");
    EXPECT_MESSAGE("pacifica: -enable-kvm: accelerator 'kvm' is not supported yet\n",
                   "-enable-kvm");
    EXPECT_ERROR("-accel hvf", "'hvf'", "-accel", "hvf");
    EXPECT_ERROR("-accel tcg,tb-size=64", "'tb-size=64'", "-accel", "tcg,tb-size=64");
    EXPECT_ERROR("-accel tcg,thread=single", "'thread=single'", "-accel", "tcg,thread=single");
}

static void test_machine(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-machine", "pc");
    g_assert_cmpstr(cfg.machine, ==, "pc");
    PARSE_OK(&cfg, "-M", "pc");
    PARSE_OK(&cfg, "-machine", "type=pc");
    PARSE_OK(&cfg, "-machine", "pc,accel=tcg");
    PARSE_OK(&cfg, "-machine", "accel=kvm:tcg"); /* QEMU falls back to tcg the same way */

    char *out = EXPECT_EXIT("-machine", "help");
    g_assert_nonnull(strstr(out, "pc "));
    free(out);

    EXPECT_ERROR("-machine q35", "'q35'", "-machine", "q35");
    EXPECT_ERROR("-M pc-i440fx-7.2", "'pc-i440fx-7.2'", "-M", "pc-i440fx-7.2");
    EXPECT_ERROR("-machine type=q35", "'q35'", "-machine", "type=q35");
    EXPECT_ERROR("-machine pc,accel=kvm", "'kvm' is not supported yet", "-machine", "pc,accel=kvm");
    EXPECT_ERROR("-machine pc,usb=on", "'usb=on'", "-machine", "pc,usb=on");
}

static void test_cpu(void)
{
    static const char *const models[] = {"qemu64", "x86-64-v2", "x86-64-v3", "max"};
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        MachineConfig cfg;
        PARSE_OK(&cfg, "-cpu", models[i]);
        g_assert_cmpstr(cfg.cpu_model, ==, models[i]);
    }
    char *out = EXPECT_EXIT("-cpu", "help");
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++)
        g_assert_nonnull(strstr(out, models[i]));
    free(out);

    EXPECT_ERROR("-cpu host", "KVM", "-cpu", "host");
    EXPECT_ERROR("-cpu pentium", "unknown CPU model", "-cpu", "pentium");
    EXPECT_ERROR("-cpu qemu64,+avx", "feature flags", "-cpu", "qemu64,+avx");
}

static void test_help(void)
{
    static const char *const spellings[] = {"-h", "-help", "--help"};
    static const char *const options[] = {"-m ",       "-smp ",    "-machine",    "-M",
                                          "-cpu ",     "-accel ",  "-enable-kvm", "-bios ",
                                          "-kernel ",  "-initrd ", "-append ",    "-nographic",
                                          "-display ", "-serial ", "-debugcon ",  "-no-reboot",
                                          "-d ",       "-D ",      "-version"};
    for (size_t i = 0; i < G_N_ELEMENTS(spellings); i++) {
        char *out = EXPECT_EXIT(spellings[i]);
        g_assert_true(g_str_has_prefix(out, "Usage: pacifica"));
        for (size_t j = 0; j < G_N_ELEMENTS(options); j++) {
            if (!strstr(out, options[j]))
                g_test_message("help does not list '%s'", options[j]);
            g_assert_nonnull(strstr(out, options[j]));
        }
        free(out);
    }
}

static void test_version(void)
{
    char *out = EXPECT_EXIT("-version");
    g_assert_true(g_str_has_prefix(out, "Pacifica emulator version " PACIFICA_VERSION "\n"));
    free(out);
    out = EXPECT_EXIT("--version");
    g_assert_nonnull(strstr(out, "qemu-system-x86_64"));
    free(out);
}

static void test_drive_defaults(void)
{
    MachineConfig cfg;
    parse_ok_list(&cfg, (const char *const[]){NULL});
    g_assert_cmpuint(cfg.ndrives, ==, 0);
    g_assert_false(cfg.snapshot);

    PARSE_OK(&cfg, "-drive", "file=disk.img,if=virtio");
    g_assert_cmpuint(cfg.ndrives, ==, 1);
    const DriveConfig *d = &cfg.drives[0];
    g_assert_cmpstr(d->file, ==, "disk.img");
    g_assert_cmpint(d->format, ==, DRIVE_FORMAT_PROBE);
    g_assert_cmpint(d->cache, ==, DRIVE_CACHE_WRITEBACK);
    g_assert_false(d->read_only);
    g_assert_false(d->snapshot);
    g_assert_false(d->discard_unmap);
    g_assert_cmpstr(d->serial, ==, "");
}

static void test_drive_properties(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-drive",
             "if=virtio,file=a.qcow2,format=qcow2,cache=unsafe,readonly=on,snapshot=on,"
             "discard=unmap,serial=ABC123,media=disk",
             "--drive", "file=b.raw,format=raw,if=virtio,cache=writethrough,readonly=off");
    g_assert_cmpuint(cfg.ndrives, ==, 2);
    const DriveConfig *a = &cfg.drives[0], *b = &cfg.drives[1];
    g_assert_cmpstr(a->file, ==, "a.qcow2");
    g_assert_cmpint(a->format, ==, DRIVE_FORMAT_QCOW2);
    g_assert_cmpint(a->cache, ==, DRIVE_CACHE_UNSAFE);
    g_assert_true(a->read_only);
    g_assert_true(a->snapshot);
    g_assert_true(a->discard_unmap);
    g_assert_cmpstr(a->serial, ==, "ABC123");
    g_assert_cmpstr(b->file, ==, "b.raw");
    g_assert_cmpint(b->format, ==, DRIVE_FORMAT_RAW);
    g_assert_cmpint(b->cache, ==, DRIVE_CACHE_WRITETHROUGH);
    g_assert_false(b->read_only);
    g_assert_false(b->snapshot);

    /* Every cache mode QEMU names. */
    static const struct {
        const char *arg;
        DriveCache cache;
    } caches[] = {
        {"file=x,if=virtio,cache=writeback", DRIVE_CACHE_WRITEBACK},
        {"file=x,if=virtio,cache=writethrough", DRIVE_CACHE_WRITETHROUGH},
        {"file=x,if=virtio,cache=none", DRIVE_CACHE_NONE},
        {"file=x,if=virtio,cache=directsync", DRIVE_CACHE_DIRECTSYNC},
        {"file=x,if=virtio,cache=unsafe", DRIVE_CACHE_UNSAFE},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(caches); i++) {
        PARSE_OK(&cfg, "-drive", caches[i].arg);
        g_assert_cmpint(cfg.drives[0].cache, ==, caches[i].cache);
    }
    PARSE_OK(&cfg, "-drive", "file=x,if=virtio,discard=on");
    g_assert_true(cfg.drives[0].discard_unmap);
    PARSE_OK(&cfg, "-drive", "file=x,if=virtio,discard=ignore");
    g_assert_false(cfg.drives[0].discard_unmap);
}

/* QemuOpts escaping: ",," is a comma inside a value. */
static void test_drive_escaped_comma(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-drive", "file=a,,b.img,if=virtio");
    g_assert_cmpstr(cfg.drives[0].file, ==, "a,b.img");
    PARSE_OK(&cfg, "-drive", "if=virtio,file=trailing,,");
    g_assert_cmpstr(cfg.drives[0].file, ==, "trailing,");
}

static void test_drive_snapshot(void)
{
    MachineConfig cfg;
    /* -snapshot applies to every drive, before or after it on the command line. */
    PARSE_OK(&cfg, "-drive", "file=a,if=virtio", "-snapshot", "-drive", "file=b,if=virtio");
    g_assert_true(cfg.snapshot);
    g_assert_true(cfg.drives[0].snapshot);
    g_assert_true(cfg.drives[1].snapshot);
    PARSE_OK(&cfg, "-snapshot");
    g_assert_true(cfg.snapshot);
}

static void test_drive_errors(void)
{
    EXPECT_ERROR("-drive file=x,if=virtio,format=vmdk", "unknown format 'vmdk'", "-drive",
                 "file=x,if=virtio,format=vmdk");
    EXPECT_ERROR("parameter 'bogus=1' is not supported", NULL, "-drive",
                 "file=x,if=virtio,bogus=1");
    EXPECT_ERROR("missing 'file='", NULL, "-drive", "if=virtio,format=raw");
    EXPECT_ERROR("empty file name", NULL, "-drive", "file=,if=virtio");
    EXPECT_ERROR("IDE disks", "if=virtio", "-drive", "file=x");
    EXPECT_ERROR("IDE disks", NULL, "-drive", "file=x,if=ide");
    EXPECT_ERROR("interface 'scsi' is not supported", NULL, "-drive", "file=x,if=scsi");
    EXPECT_ERROR("unknown cache mode 'fast'", NULL, "-drive", "file=x,if=virtio,cache=fast");
    EXPECT_ERROR("'readonly' expects 'on' or 'off'", NULL, "-drive",
                 "file=x,if=virtio,readonly=maybe");
    EXPECT_ERROR("discard expects", NULL, "-drive", "file=x,if=virtio,discard=trim");
    EXPECT_ERROR("serial is longer than 20", NULL, "-drive",
                 "file=x,if=virtio,serial=123456789012345678901");
    EXPECT_ERROR("media 'cdrom' is not supported", NULL, "-drive", "file=x,if=virtio,media=cdrom");
    EXPECT_ERROR("expected 'key=value' at 'readonly'", NULL, "-drive", "file=x,if=virtio,readonly");
    EXPECT_ERROR("-drive: missing argument", NULL, "-drive");
    EXPECT_MESSAGE("pacifica: -hda disk.img: IDE disks are not supported yet: use -drive "
                   "file=disk.img,if=virtio\n",
                   "-hda", "disk.img");
    EXPECT_ERROR("-hdb disk.img", "IDE", "-hdb", "disk.img");

    /* A file name as long as a path may be is fine; longer is refused. */
    char *long_name = g_strnfill(DRIVE_FILE_MAX, 'a');
    char *arg = g_strdup_printf("if=virtio,file=%s", long_name);
    EXPECT_ERROR("parameter 'file' is too long", NULL, "-drive", arg);
    g_free(arg);
    g_free(long_name);

    /* At most MAX_DRIVES. */
    const char *args[2 * MAX_DRIVES + 3];
    for (int i = 0; i < 2 * MAX_DRIVES + 2; i += 2) {
        args[i] = "-drive";
        args[i + 1] = "file=x,if=virtio";
    }
    args[2 * MAX_DRIVES + 2] = NULL;
    expect_error_list(args, "at most 8 drives", NULL);
}

static void test_bad_arguments(void)
{
    EXPECT_MESSAGE("pacifica: -foo: unknown option\n", "-foo");
    EXPECT_MESSAGE("pacifica: --foo: unknown option\n", "--foo");
    EXPECT_MESSAGE("pacifica: -: unknown option\n", "-");
    EXPECT_MESSAGE("pacifica: -cdrom: unsupported option\n", "-cdrom", "disk.iso");
    EXPECT_MESSAGE("pacifica: -singlestep: unsupported option\n", "-singlestep");
    EXPECT_MESSAGE("pacifica: -hda disk.img: IDE disks are not supported yet: use -drive "
                   "file=disk.img,if=virtio\n",
                   "disk.img");
    /* An option's value is consumed, even when it looks like an option. */
    EXPECT_ERROR("-append", "only allowed with -kernel", "-append", "-nographic");
    /* Parsing stops at the first error, so only one line is printed. */
    EXPECT_MESSAGE("pacifica: -smp 0: CPU count must be between 1 and 255\n", "-smp", "0", "-m",
                   "0");
}

#ifdef MAX_MONITORS
/* -gdb, -s and -S (QEMU's gdbstub options). */
static void test_gdb(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-m", "64");
    g_assert_false(cfg.gdb);
    g_assert_false(cfg.start_paused);

    PARSE_OK(&cfg, "-s", "-S");
    g_assert_true(cfg.gdb);
    g_assert_true(cfg.start_paused);
    g_assert_cmpint(cfg.gdb_socket.transport, ==, MONITOR_TCP);
    g_assert_cmpstr(cfg.gdb_socket.host, ==, "");
    g_assert_cmpstr(cfg.gdb_socket.port, ==, "1234");

    PARSE_OK(&cfg, "-gdb", "tcp:127.0.0.1:5555,server=on,wait=off");
    g_assert_cmpstr(cfg.gdb_socket.host, ==, "127.0.0.1");
    g_assert_cmpstr(cfg.gdb_socket.port, ==, "5555");

    PARSE_OK(&cfg, "-gdb", "unix:/tmp/gdb.sock");
    g_assert_true(cfg.gdb);
    g_assert_cmpint(cfg.gdb_socket.transport, ==, MONITOR_UNIX);
    g_assert_cmpstr(cfg.gdb_socket.path, ==, "/tmp/gdb.sock");

    PARSE_OK(&cfg, "-s", "-gdb", "none");
    g_assert_false(cfg.gdb);

    EXPECT_MESSAGE("pacifica: -gdb 1234: unsupported gdb device (available: tcp:[HOST]:PORT, "
                   "unix:PATH)\n",
                   "-gdb", "1234");
    EXPECT_ERROR("-gdb tcp:1234", "expected tcp:HOST:PORT", "-gdb", "tcp:1234");
    EXPECT_ERROR("-gdb tcp:host:", "missing port", "-gdb", "tcp:host:");
    EXPECT_ERROR("-gdb unix:", "missing socket path", "-gdb", "unix:");
    EXPECT_ERROR("-gdb tcp::1,color=red", "color", "-gdb", "tcp::1,color=red");
    EXPECT_ERROR("-gdb", "missing argument", "-gdb");
}

/* -qmp and -monitor: QEMU's socket chardev syntax, parsed into MonitorConfig. */
static void test_monitor_sockets(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-m", "64");
    g_assert_cmpuint(cfg.nmonitors, ==, 0);

    PARSE_OK(&cfg, "-qmp", "unix:/tmp/qmp.sock,server,wait=off");
    g_assert_cmpuint(cfg.nmonitors, ==, 1);
    g_assert_true(cfg.monitors[0].qmp);
    g_assert_cmpint(cfg.monitors[0].transport, ==, MONITOR_UNIX);
    g_assert_cmpstr(cfg.monitors[0].path, ==, "/tmp/qmp.sock");
    g_assert_false(cfg.monitors[0].wait);

    PARSE_OK(&cfg, "-qmp", "unix:/tmp/a,server=on,nowait", "-monitor",
             "tcp:127.0.0.1:4444,server,nowait", "-monitor", "tcp::4445,server=on", "-qmp",
             "tcp:[::1]:4446,server=yes,wait=on");
    g_assert_cmpuint(cfg.nmonitors, ==, 4);
    g_assert_false(cfg.monitors[0].wait);
    g_assert_false(cfg.monitors[1].qmp);
    g_assert_cmpint(cfg.monitors[1].transport, ==, MONITOR_TCP);
    g_assert_cmpstr(cfg.monitors[1].host, ==, "127.0.0.1");
    g_assert_cmpstr(cfg.monitors[1].port, ==, "4444");
    g_assert_false(cfg.monitors[1].wait);
    g_assert_cmpstr(cfg.monitors[2].host, ==, "");
    g_assert_cmpstr(cfg.monitors[2].port, ==, "4445");
    /* A server waits for its first client unless told not to (QEMU's default). */
    g_assert_true(cfg.monitors[2].wait);
    g_assert_true(cfg.monitors[3].qmp);
    g_assert_cmpstr(cfg.monitors[3].host, ==, "::1");
    g_assert_true(cfg.monitors[3].wait);

    /* "none" is no monitor at all, as in QEMU. */
    PARSE_OK(&cfg, "-monitor", "none", "-qmp", "none");
    g_assert_cmpuint(cfg.nmonitors, ==, 0);

    EXPECT_MESSAGE("pacifica: -qmp unix:/tmp/q: connecting out to a client is not supported: "
                   "add ',server=on' to listen\n",
                   "-qmp", "unix:/tmp/q");
    EXPECT_ERROR("add ',server=on'", NULL, "-qmp", "unix:/tmp/q,server=off");
    EXPECT_ERROR("missing socket path", NULL, "-qmp", "unix:,server");
    EXPECT_ERROR("expected tcp:HOST:PORT", NULL, "-qmp", "tcp:4444,server");
    EXPECT_ERROR("missing port", NULL, "-monitor", "tcp:localhost:,server");
    EXPECT_ERROR("parameter 'telnet' is not supported", NULL, "-monitor",
                 "tcp::4444,server,telnet");
    EXPECT_ERROR("parameter 'wait' expects 'on' or 'off'", NULL, "-qmp",
                 "unix:/tmp/q,server,wait=maybe");
    EXPECT_ERROR("unsupported character backend", NULL, "-qmp", "pty");
    EXPECT_ERROR("unsupported character backend", NULL, "-monitor", "telnet::4444,server");
    EXPECT_ERROR("(mon:) is not supported yet", NULL, "-monitor", "mon:stdio");
    EXPECT_ERROR("-qmp", "missing argument", "-qmp");
    char long_path[160];
    memset(long_path, 'a', sizeof(long_path));
    memcpy(long_path, "unix:/", 6);
    strcpy(long_path + 140, ",server");
    EXPECT_ERROR("socket path too long", NULL, "-qmp", long_path);
    EXPECT_ERROR("at most 4 monitors", NULL, "-qmp", "unix:/a,server", "-qmp", "unix:/b,server",
                 "-qmp", "unix:/c,server", "-qmp", "unix:/d,server", "-qmp", "unix:/e,server");
}

static void test_monitor_stdio(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-monitor", "stdio", "-serial", "none");
    g_assert_cmpuint(cfg.nmonitors, ==, 1);
    g_assert_false(cfg.monitors[0].qmp);
    g_assert_cmpint(cfg.monitors[0].transport, ==, MONITOR_STDIO);
    PARSE_OK(&cfg, "-serial", "file:/dev/null", "-qmp", "stdio");
    g_assert_true(cfg.monitors[0].qmp);
    /* COM1 defaults to stdio: both there would need the multiplexer. */
    EXPECT_MESSAGE("pacifica: -monitor stdio: the serial port uses stdio by default, and sharing "
                   "stdio is not supported yet: add -serial none or -serial file:PATH\n",
                   "-monitor", "stdio");
    EXPECT_ERROR("-qmp stdio", "sharing stdio", "-nographic", "-qmp", "stdio");
    EXPECT_ERROR("already used", NULL, "-serial", "stdio", "-monitor", "stdio");
    EXPECT_ERROR("already used", NULL, "-qmp", "stdio", "-serial", "stdio");
    EXPECT_ERROR("already used", NULL, "-monitor", "stdio", "-qmp", "stdio", "-serial", "none");
}

static void test_daemonize_pidfile(void)
{
    MachineConfig cfg;
    PARSE_OK(&cfg, "-m", "64");
    g_assert_false(cfg.daemonize);
    g_assert_null(cfg.pidfile);
    PARSE_OK(&cfg, "-daemonize", "-pidfile", "/tmp/vm.pid", "-serial", "none", "-display", "none",
             "-qmp", "unix:/tmp/q,server,nowait");
    g_assert_true(cfg.daemonize);
    g_assert_cmpstr(cfg.pidfile, ==, "/tmp/vm.pid");
    PARSE_OK(&cfg, "-pidfile", "vm.pid");
    g_assert_false(cfg.daemonize);
    g_assert_cmpstr(cfg.pidfile, ==, "vm.pid");
    EXPECT_MESSAGE("pacifica: -daemonize: cannot be used with -nographic\n", "-nographic",
                   "-daemonize");
    EXPECT_ERROR("-daemonize", "cannot be used with stdio", "-daemonize", "-serial", "stdio");
    EXPECT_ERROR("-daemonize", "cannot be used with stdio", "-daemonize", "-serial", "none", "-qmp",
                 "stdio");
    EXPECT_ERROR("-pidfile", "empty file name", "-pidfile", "");
    EXPECT_ERROR("-pidfile", "missing argument", "-pidfile");

    char *help = NULL;
    ParseRun run;
    PARSE(&run, "-help");
    help = run.out;
    g_assert_nonnull(strstr(help, "-qmp DEV"));
    g_assert_nonnull(strstr(help, "-monitor DEV"));
    g_assert_nonnull(strstr(help, "-daemonize"));
    g_assert_nonnull(strstr(help, "-pidfile FILE"));
    parse_run_free(&run);
}
#endif

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/defaults", test_defaults);
    g_test_add_func("/options/memory/sizes", test_memory_sizes);
    g_test_add_func("/options/memory/errors", test_memory_errors);
    g_test_add_func("/options/smp", test_smp);
    g_test_add_func("/options/files", test_files);
    g_test_add_func("/options/display", test_display);
    g_test_add_func("/options/serial", test_serial);
    g_test_add_func("/options/debugcon", test_debugcon);
    g_test_add_func("/options/no-reboot", test_no_reboot);
    g_test_add_func("/options/log", test_log);
    g_test_add_func("/options/accel", test_accel);
    g_test_add_func("/options/machine", test_machine);
    g_test_add_func("/options/cpu", test_cpu);
    g_test_add_func("/options/help", test_help);
    g_test_add_func("/options/version", test_version);
    g_test_add_func("/options/bad-arguments", test_bad_arguments);
    g_test_add_func("/options/drive/defaults", test_drive_defaults);
    g_test_add_func("/options/drive/properties", test_drive_properties);
    g_test_add_func("/options/drive/escaped-comma", test_drive_escaped_comma);
    g_test_add_func("/options/drive/snapshot", test_drive_snapshot);
    g_test_add_func("/options/drive/errors", test_drive_errors);
#ifdef MAX_MONITORS
    g_test_add_func("/options/monitor/sockets", test_monitor_sockets);
    g_test_add_func("/options/gdb", test_gdb);
    g_test_add_func("/options/monitor/stdio", test_monitor_stdio);
    g_test_add_func("/options/daemonize-pidfile", test_daemonize_pidfile);
#endif
    return g_test_run();
}
