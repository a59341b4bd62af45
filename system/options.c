/* The command line, in qemu-system-x86_64's syntax for the options Pacifica has
 * (QEMU System Emulation User's Guide, "Invocation"): one dash (two accepted), the
 * value is the next argument, and sub-options are "key=value" items after commas.
 * One row of option_table per option drives both the parser and -help. */
#include "system/options.h"

#include "config.h"
#include "system/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

#define DEFAULT_RAM_SIZE (128 * MiB)
#define MIN_RAM_SIZE     MiB
/* Far beyond what a hosted emulator can back with host memory; above it a typo
 * ("-m 4096G") is more likely than intent. */
#define MAX_RAM_SIZE TiB
/* RAM is mapped and dirty-tracked per 4 KiB page, so its size is a whole number of
 * pages (QEMU rounds up the same way, to 8 KiB). */
#define RAM_PAGE_SIZE (4 * KiB)
/* SDM Vol 3A §10.12.8: in xAPIC mode only APIC IDs below 255 address one CPU (0xFF
 * is the broadcast ID), and the machine starts its CPUs in xAPIC mode. */
#define MAX_SMP_CPUS 255

typedef struct OptionParser {
    MachineConfig *cfg;
    FILE *out, *err;
    const char *arg;     /* the option as the user typed it, for messages */
    bool stdio_used;     /* by a -serial or -debugcon already */
    bool debugcon_given; /* -debugcon seen (it may have been "none") */
} OptionParser;

typedef OptionsResult (*OptionHandler)(OptionParser *p, const char *value);

typedef struct OptionDef {
    const char *name;    /* without the dash */
    const char *alias;   /* another name for the same option, or NULL */
    const char *metavar; /* how -help names the value; NULL: the option takes none */
    OptionHandler handle;
    const char *help;
} OptionDef;

/* ---- messages ---- */

/* Writes "pacifica: ARG [VALUE]: reason" as one line and reports the error. */
static OptionsResult __attribute__((format(printf, 3, 4)))
fail(OptionParser *p, const char *value, const char *fmt, ...)
{
    va_list ap;
    fprintf(p->err, "pacifica: %s", p->arg);
    if (value)
        fprintf(p->err, " %s", value);
    fputs(": ", p->err);
    va_start(ap, fmt);
    vfprintf(p->err, fmt, ap);
    va_end(ap);
    fputc('\n', p->err);
    return OPTIONS_ERROR;
}

/* Refuses one "key=value" item (ending at a comma or the end) of a list. */
static OptionsResult fail_param(OptionParser *p, const char *value, const char *param)
{
    return fail(p, value, "parameter '%.*s' is not supported", (int)strcspn(param, ","), param);
}

/* ---- small parsing helpers ---- */

static bool word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && !strncmp(s, word, len);
}

/* Returns s past prefix if s starts with it, else s. */
static const char *skip_prefix(const char *s, const char *prefix)
{
    size_t len = strlen(prefix);
    return strncmp(s, prefix, len) ? s : s + len;
}

/* Parses a plain decimal number: digits only, no sign, no overflow. */
static bool parse_uint(const char *s, unsigned long *n)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    *n = strtoul(s, &end, 10);
    return !*end && errno == 0;
}

/* The multiplier of a size suffix (QEMU's qemu_strtosz: B, K, M, G, T, P, E in either
 * case, powers of 1024), or 0 if c is none. */
static uint64_t size_suffix_unit(char c)
{
    switch (toupper((unsigned char)c)) {
    case 'B': return 1;
    case 'K': return KiB;
    case 'M': return MiB;
    case 'G': return GiB;
    case 'T': return TiB;
    case 'P': return TiB * KiB;
    case 'E': return TiB * MiB;
    default: return 0;
    }
}

/* Parses QEMU's size syntax: a decimal number, possibly with a fraction ("1.5G"),
 * then at most one suffix letter; no suffix means default_unit. A value too large
 * for 64 bits becomes UINT64_MAX so that the caller's range check reports it. */
static bool parse_size(const char *s, uint64_t default_unit, uint64_t *bytes)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long whole = strtoull(s, &end, 10);
    bool overflow = errno == ERANGE;

    /* The fraction as frac_num / frac_den, kept to 9 digits so products stay exact. */
    uint64_t frac_num = 0, frac_den = 1;
    if (*end == '.') {
        end++;
        if (!isdigit((unsigned char)*end))
            return false;
        for (; isdigit((unsigned char)*end); end++) {
            if (frac_den < 1000000000) {
                frac_num = frac_num * 10 + (uint64_t)(*end - '0');
                frac_den *= 10;
            }
        }
    }
    uint64_t unit = default_unit;
    if (*end) {
        unit = size_suffix_unit(*end);
        if (!unit || end[1])
            return false;
    }
    if (overflow || whole > UINT64_MAX / unit) {
        *bytes = UINT64_MAX;
        return true;
    }
    uint64_t frac = unit / frac_den * frac_num + unit % frac_den * frac_num / frac_den;
    uint64_t total = whole * unit;
    *bytes = total > UINT64_MAX - frac ? UINT64_MAX : total + frac;
    return true;
}

/* ---- one handler per option ---- */

static OptionsResult opt_memory(OptionParser *p, const char *value)
{
    /* QEMU: -m [size=]megs[,slots=n,maxmem=size]; memory hotplug is not here. */
    const char *comma = strchr(value, ',');
    if (comma)
        return fail_param(p, value, comma + 1);
    uint64_t bytes;
    if (!parse_size(skip_prefix(value, "size="), MiB, &bytes))
        return fail(p, value, "invalid size");
    if (bytes < MIN_RAM_SIZE)
        return fail(p, value, "RAM size must be at least 1 MiB");
    if (bytes > MAX_RAM_SIZE)
        return fail(p, value, "RAM size must be at most 1 TiB");
    p->cfg->ram_size = (bytes + RAM_PAGE_SIZE - 1) & ~(RAM_PAGE_SIZE - 1);
    return OPTIONS_OK;
}

static OptionsResult opt_smp(OptionParser *p, const char *value)
{
    /* QEMU: -smp [cpus=]n[,sockets=,cores=,threads=,maxcpus=]; only the count here. */
    const char *comma = strchr(value, ',');
    if (comma)
        return fail_param(p, value, comma + 1);
    unsigned long n;
    if (!parse_uint(skip_prefix(value, "cpus="), &n))
        return fail(p, value, "invalid CPU count");
    if (n < 1 || n > MAX_SMP_CPUS)
        return fail(p, value, "CPU count must be between 1 and %d", MAX_SMP_CPUS);
    p->cfg->smp = (unsigned)n;
    return OPTIONS_OK;
}

/* The machine loads these files later; a missing one is reported now, by name. */
static OptionsResult check_readable_file(OptionParser *p, const char *path)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(p, path, "%s", strerror(errno));
    struct stat st;
    bool is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (is_dir)
        return fail(p, path, "%s", strerror(EISDIR));
    return OPTIONS_OK;
}

static OptionsResult opt_bios(OptionParser *p, const char *value)
{
    p->cfg->bios = value;
    return check_readable_file(p, value);
}

static OptionsResult opt_kernel(OptionParser *p, const char *value)
{
    p->cfg->kernel = value;
    return check_readable_file(p, value);
}

static OptionsResult opt_initrd(OptionParser *p, const char *value)
{
    p->cfg->initrd = value;
    return check_readable_file(p, value);
}

static OptionsResult opt_append(OptionParser *p, const char *value)
{
    p->cfg->append = value;
    return OPTIONS_OK;
}

static OptionsResult opt_nographic(OptionParser *p, const char *value)
{
    (void)value;
    p->cfg->nographic = true;
    return OPTIONS_OK;
}

static OptionsResult opt_display(OptionParser *p, const char *value)
{
    size_t len = strcspn(value, ",");
    DisplayKind kind;
    if (word_is(value, len, "none")) {
        kind = DISPLAY_NONE;
    } else if (word_is(value, len, "sdl")) {
#ifndef CONFIG_SDL
        return fail(p, value,
                    "this build has no SDL window (install libsdl2-dev, re-run ./configure)");
#endif
        kind = DISPLAY_SDL;
    } else {
        return fail(p, value, "unsupported display type '%.*s' (available: sdl, none)", (int)len,
                    value);
    }
    if (value[len])
        return fail_param(p, value, value + len + 1);
    p->cfg->display = kind;
    return OPTIONS_OK;
}

/* Checks a character backend spec (system/chardev.h names them) and claims stdio:
 * two devices reading one terminal would steal each other's input. */
static OptionsResult check_chardev_spec(OptionParser *p, const char *spec)
{
    if (!strcmp(spec, "stdio")) {
        if (p->stdio_used)
            return fail(p, spec, "stdio is already used by another -serial or -debugcon");
        p->stdio_used = true;
        return OPTIONS_OK;
    }
    if (!strcmp(spec, "null") || !strcmp(spec, "none"))
        return OPTIONS_OK;
    if (!strncmp(spec, "file:", 5))
        return spec[5] ? OPTIONS_OK : fail(p, spec, "missing file name after 'file:'");
    return fail(p, spec, "unsupported character backend (available: stdio, null, none, file:PATH)");
}

static OptionsResult opt_serial(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (cfg->nserial == MAX_SERIAL_PORTS)
        return fail(p, value, "at most %d serial ports", MAX_SERIAL_PORTS);
    OptionsResult r = check_chardev_spec(p, value);
    if (r == OPTIONS_OK)
        cfg->serial[cfg->nserial++] = value;
    return r;
}

static OptionsResult opt_debugcon(OptionParser *p, const char *value)
{
    /* QEMU also allows a single debug console. */
    if (p->debugcon_given)
        return fail(p, value, "only one -debugcon is supported");
    p->debugcon_given = true;
    OptionsResult r = check_chardev_spec(p, value);
    if (r == OPTIONS_OK)
        p->cfg->debugcon = strcmp(value, "none") ? value : NULL;
    return r;
}

static OptionsResult opt_no_reboot(OptionParser *p, const char *value)
{
    (void)value;
    p->cfg->no_reboot = true;
    return OPTIONS_OK;
}

static OptionsResult opt_log_items(OptionParser *p, const char *value)
{
    if (!strcmp(value, "help")) {
        log_print_items(p->out);
        return OPTIONS_EXIT;
    }
    unsigned mask;
    const char *bad;
    size_t bad_len;
    if (!log_parse_mask(value, &mask, &bad, &bad_len))
        return fail(p, value, "unknown log item '%.*s' (see -d help)", (int)bad_len, bad);
    /* As in QEMU, the last -d wins. */
    p->cfg->log_mask = mask;
    return OPTIONS_OK;
}

static OptionsResult opt_log_file(OptionParser *p, const char *value)
{
    p->cfg->log_file = value;
    return OPTIONS_OK;
}

/* Checks an accelerator name (len bytes at name); value is the whole option value. */
static OptionsResult check_accel_name(OptionParser *p, const char *value, const char *name,
                                      size_t len)
{
    if (word_is(name, len, "tcg"))
        return OPTIONS_OK;
    if (word_is(name, len, "kvm"))
        return fail(p, value, "accelerator 'kvm' is not supported yet");
    return fail(p, value, "accelerator '%.*s' is not supported (available: tcg)", (int)len, name);
}

/* QEMU's -machine accel=A:B:... tries each accelerator in turn until one works;
 * here only tcg works, so a list that names it ends there. */
static OptionsResult check_accel_list(OptionParser *p, const char *value, const char *list,
                                      size_t len)
{
    for (size_t at = 0; at < len;) {
        size_t item = strcspn(list + at, ":,");
        if (word_is(list + at, item, "tcg"))
            return OPTIONS_OK;
        at += item + 1;
    }
    return check_accel_name(p, value, list, strcspn(list, ":,"));
}

static OptionsResult opt_accel(OptionParser *p, const char *value)
{
    size_t len = strcspn(value, ",");
    OptionsResult r = check_accel_name(p, value, value, len);
    if (r != OPTIONS_OK)
        return r;
    /* TCG sub-options: Pacifica always runs one host thread per vCPU (thread=multi)
     * and has no other knob yet; anything else is refused rather than ignored. */
    for (const char *param = value + len; *param;) {
        param++;
        size_t plen = strcspn(param, ",");
        if (!word_is(param, plen, "thread=multi"))
            return fail_param(p, value, param);
        param += plen;
    }
    p->cfg->accel = "tcg";
    return OPTIONS_OK;
}

static OptionsResult opt_enable_kvm(OptionParser *p, const char *value)
{
    (void)value;
    return fail(p, NULL, "accelerator 'kvm' is not supported yet");
}

static OptionsResult opt_machine(OptionParser *p, const char *value)
{
    if (!strcmp(value, "help") || !strcmp(value, "?")) {
        fprintf(p->out, "Supported machines are:\n"
                        "pc                   Standard PC (i440FX + PIIX, 1996) (default)\n");
        return OPTIONS_EXIT;
    }
    /* QEMU: -machine [type=]name[,prop=value...]; the type may only come first. */
    for (const char *param = value; *param;) {
        size_t len = strcspn(param, ",");
        bool first = param == value;
        const char *type = NULL;
        if (!strncmp(param, "type=", 5))
            type = param + 5;
        else if (first && !memchr(param, '=', len))
            type = param;
        if (type) {
            size_t tlen = len - (size_t)(type - param);
            if (!word_is(type, tlen, "pc"))
                return fail(p, value, "unsupported machine type '%.*s' (available: pc)", (int)tlen,
                            type);
        } else if (!strncmp(param, "accel=", 6)) {
            OptionsResult r = check_accel_list(p, value, param + 6, len - 6);
            if (r != OPTIONS_OK)
                return r;
        } else {
            return fail_param(p, value, param);
        }
        param += len;
        if (*param == ',')
            param++;
    }
    p->cfg->machine = "pc";
    return OPTIONS_OK;
}

/* The CPU models Pacifica emulates, with QEMU's names. */
static const struct {
    const char *name;
    const char *description;
} cpu_models[] = {
    {"qemu64", "QEMU's baseline x86-64 CPU"},
    {"x86-64-v2", "x86-64 psABI level 2: SSE4.2, POPCNT, CMPXCHG16B (default)"},
    {"x86-64-v3", "x86-64 psABI level 3: adds AVX2, BMI1/2, FMA, MOVBE"},
    {"max", "everything Pacifica implements"},
};

static OptionsResult opt_cpu(OptionParser *p, const char *value)
{
    if (!strcmp(value, "help") || !strcmp(value, "?")) {
        fprintf(p->out, "Available CPU models:\n");
        for (size_t i = 0; i < sizeof(cpu_models) / sizeof(cpu_models[0]); i++)
            fprintf(p->out, "  %-12s %s\n", cpu_models[i].name, cpu_models[i].description);
        return OPTIONS_EXIT;
    }
    if (strchr(value, ','))
        return fail(p, value, "CPU feature flags are not supported yet");
    if (!strcmp(value, "host"))
        return fail(p, value, "CPU model 'host' needs KVM, which is not supported yet");
    for (size_t i = 0; i < sizeof(cpu_models) / sizeof(cpu_models[0]); i++) {
        if (!strcmp(value, cpu_models[i].name)) {
            p->cfg->cpu_model = cpu_models[i].name;
            return OPTIONS_OK;
        }
    }
    return fail(p, value, "unknown CPU model (see -cpu help)");
}

static OptionsResult opt_help(OptionParser *p, const char *value)
{
    (void)value;
    options_print_help(p->out);
    return OPTIONS_EXIT;
}

static OptionsResult opt_version(OptionParser *p, const char *value)
{
    (void)value;
    fprintf(p->out,
            "Pacifica emulator version " PACIFICA_VERSION "\n"
            "A full-system x86 PC emulator with a qemu-system-x86_64 compatible command line.\n"
            "Copyright (c) 2026 The Pacifica developers\n");
    return OPTIONS_EXIT;
}

static const OptionDef option_table[] = {
    {"m", NULL, "[size=]SIZE", opt_memory,
     "RAM size: a number of MiB, or with a suffix K, M, G, T (default 128M)"},
    {"smp", NULL, "[cpus=]N", opt_smp, "number of CPUs, 1 to 255 (default 1)"},
    {"machine", "M", "[type=]pc", opt_machine, "machine type: only pc (default); 'help' lists"},
    {"cpu", NULL, "MODEL", opt_cpu, "qemu64, x86-64-v2 (default), x86-64-v3, max; 'help' lists"},
    {"accel", NULL, "tcg", opt_accel, "accelerator: tcg (the only one so far)"},
    {"enable-kvm", NULL, NULL, opt_enable_kvm, "use KVM (not supported yet)"},
    {"bios", NULL, "FILE", opt_bios, "firmware ROM image to boot"},
    {"kernel", NULL, "FILE", opt_kernel, "boot this kernel directly"},
    {"initrd", NULL, "FILE", opt_initrd, "initial ram disk for -kernel"},
    {"append", NULL, "CMDLINE", opt_append, "kernel command line for -kernel"},
    {"nographic", NULL, NULL, opt_nographic, "no window; serial port on stdio"},
    {"display", NULL, "sdl|none", opt_display, "sdl: a window; none: no display"},
    {"serial", NULL, "DEV", opt_serial,
     "next serial port (up to 4): stdio, null, none or file:PATH"},
    {"debugcon", NULL, "DEV", opt_debugcon, "debug console at port 0xe9: same backends"},
    {"no-reboot", NULL, NULL, opt_no_reboot, "exit instead of rebooting"},
    {"d", NULL, "ITEM,...", opt_log_items, "log these items ('-d help' lists them)"},
    {"D", NULL, "FILE", opt_log_file, "write the log to FILE instead of stderr"},
    {"h", "help", NULL, opt_help, "print this help and exit"},
    {"version", NULL, NULL, opt_version, "print the version and exit"},
};

/* qemu-system-x86_64 options that Pacifica does not have (yet): named "unsupported"
 * rather than "unknown", so that a script written for QEMU gets a useful message. */
// clang-format off
static const char *const qemu_only_options[] = {
    "drive", "cdrom", "hda", "hdb", "hdc", "hdd", "fda", "fdb", "boot", "nic", "net",
    "netdev", "device", "monitor", "qmp", "qmp-pretty", "mon", "chardev", "s", "S", "gdb",
    "snapshot", "vga", "vnc", "spice", "usb", "usbdevice", "rtc", "name", "uuid",
    "daemonize", "pidfile", "object", "global", "icount", "L", "k", "audiodev",
    "full-screen", "no-shutdown", "incoming", "loadvm", "mem-path", "mem-prealloc", "numa",
    "parallel", "virtfs", "fsdev", "blockdev", "smbios", "acpitable", "fw_cfg",
    "option-rom", "tpmdev", "trace", "sandbox", "overcommit", "nodefaults", "no-acpi",
    "no-hpet", "msg", "plugin", "runas", "chroot", "pflash", "sdl", "curses", "g", "dtb",
    "set", "add-fd", "readconfig", "writeconfig", "preconfig", "qtest", "semihosting",
    "watchdog-action", "action", "echr", "dfilter", "seed", "singlestep", "one-insn-per-tb",
};
// clang-format on

static const OptionDef *find_option(const char *name)
{
    for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
        const OptionDef *def = &option_table[i];
        if (!strcmp(name, def->name) || (def->alias && !strcmp(name, def->alias)))
            return def;
    }
    return NULL;
}

static bool is_qemu_only_option(const char *name)
{
    for (size_t i = 0; i < sizeof(qemu_only_options) / sizeof(qemu_only_options[0]); i++)
        if (!strcmp(name, qemu_only_options[i]))
            return true;
    return false;
}

static void set_defaults(MachineConfig *cfg)
{
    *cfg = (MachineConfig){
        .ram_size = DEFAULT_RAM_SIZE,
        .smp = 1,
        .display = DISPLAY_DEFAULT,
        .accel = "tcg",
        .machine = "pc",
        .cpu_model = "x86-64-v2",
    };
}

/* Rules between options, checked once all are read. */
static OptionsResult check_combinations(OptionParser *p)
{
    const MachineConfig *cfg = p->cfg;
    /* QEMU refuses these too: without -kernel nothing would use them. */
    if (!cfg->kernel && cfg->initrd) {
        p->arg = "-initrd";
        return fail(p, cfg->initrd, "only allowed with -kernel");
    }
    if (!cfg->kernel && cfg->append) {
        p->arg = "-append";
        return fail(p, cfg->append, "only allowed with -kernel");
    }
    if (cfg->nographic && cfg->display == DISPLAY_SDL) {
        p->arg = "-display";
        return fail(p, "sdl", "cannot be used with -nographic");
    }
    return OPTIONS_OK;
}

OptionsResult options_parse(MachineConfig *cfg, int argc, char **argv, FILE *out, FILE *err)
{
    set_defaults(cfg);
    OptionParser p = {.cfg = cfg, .out = out, .err = err};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        p.arg = arg;
        /* QEMU takes a bare argument as the first hard disk image (-hda). */
        if (arg[0] != '-')
            return fail(&p, NULL, "disk images are not supported yet");
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        const OptionDef *def = find_option(name);
        if (!def)
            return fail(&p, NULL,
                        is_qemu_only_option(name) ? "unsupported option" : "unknown option");
        const char *value = NULL;
        if (def->metavar) {
            if (i + 1 >= argc)
                return fail(&p, NULL, "missing argument");
            value = argv[++i];
        }
        OptionsResult r = def->handle(&p, value);
        if (r != OPTIONS_OK)
            return r;
    }
    return check_combinations(&p);
}

void options_print_help(FILE *out)
{
    fprintf(out, "Usage: pacifica [options]\n"
                 "Pacifica " PACIFICA_VERSION ", a full-system x86 PC emulator. Options follow\n"
                 "qemu-system-x86_64 (one or two dashes); others are refused with a message.\n\n");
    for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
        const OptionDef *def = &option_table[i];
        char names[64];
        snprintf(names, sizeof(names), "-%s%s%s%s%s", def->name, def->alias ? ", -" : "",
                 def->alias ? def->alias : "", def->metavar ? " " : "",
                 def->metavar ? def->metavar : "");
        fprintf(out, "  %-24s %s\n", names, def->help);
    }
    fprintf(out, "\nA bad command line prints one line naming the bad value and exits 2.\n");
}
