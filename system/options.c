/* The command line, in qemu-system-x86_64's syntax for the options Pacifica has
 * (QEMU System Emulation User's Guide, "Invocation"): one dash (two accepted), the
 * value is the next argument, and sub-options are "key=value" items after commas.
 * One row of option_table per option drives both the parser and -help. */
#include "system/options.h"

#include "config.h"
#include "system/chardev_options.h"
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
    const char *arg;              /* the option as the user typed it, for messages */
    bool stdio_used;              /* by a -serial, -debugcon, -monitor or -qmp already */
    bool debugcon_given;          /* -debugcon seen (it may have been "none") */
    const char *monitor_on_stdio; /* the -monitor or -qmp that took stdio, or NULL */
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
    /* mon:stdio: stdio shared with the text monitor through the Ctrl-A multiplexer. */
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        if (p->stdio_used)
            return fail(p, spec,
                        "stdio is already used by another -serial, -debugcon, -monitor or -qmp");
        p->stdio_used = true;
        return OPTIONS_OK;
    }
    if (!strcmp(spec, "null") || !strcmp(spec, "none"))
        return OPTIONS_OK;
    if (!strncmp(spec, "file:", 5))
        return spec[5] ? OPTIONS_OK : fail(p, spec, "missing file name after 'file:'");
    return fail(p, spec,
                "unsupported character backend (available: stdio, mon:stdio, null, none, "
                "file:PATH)");
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

/* Parses "on"/"off" (QEMU's booleans also take yes/no, true/false). */
static bool parse_on_off(const char *s, size_t len, bool *value)
{
    if (word_is(s, len, "on") || word_is(s, len, "yes") || word_is(s, len, "true")) {
        *value = true;
        return true;
    }
    if (word_is(s, len, "off") || word_is(s, len, "no") || word_is(s, len, "false")) {
        *value = false;
        return true;
    }
    return false;
}

#ifdef MAX_MONITORS
/* ---- -monitor and -qmp ----
 *
 * QEMU's chardev syntax for them (QEMU System Emulation User's Guide, "Character device
 * options"): stdio, unix:PATH and tcp:[HOST]:PORT, each socket followed by ",server"
 * (or server=on) to listen, and ",wait=off" (or nowait) not to wait for a first client
 * before the VM starts; waiting is the default for a server. */

/* Copies len bytes of src into a fixed field; false if they do not fit. */
static bool copy_field(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
        return false;
    memcpy(dst, src, len);
    dst[len] = 0;
    return true;
}

/* The ",key[=value]" items after a socket address. */
static OptionsResult parse_socket_params(OptionParser *p, const char *value, const char *params,
                                         MonitorConfig *mc)
{
    bool server = false;
    mc->wait = true;
    for (const char *param = params; *param;) {
        param++; /* the comma */
        size_t len = strcspn(param, ",");
        const char *eq = memchr(param, '=', len);
        size_t key_len = eq ? (size_t)(eq - param) : len;
        const char *val = eq ? eq + 1 : NULL;
        size_t val_len = eq ? len - key_len - 1 : 0;
        bool flag = true;
        if (val && !parse_on_off(val, val_len, &flag))
            return fail(p, value, "parameter '%.*s' expects 'on' or 'off'", (int)key_len, param);
        if (word_is(param, key_len, "server"))
            server = flag;
        else if (word_is(param, key_len, "wait"))
            mc->wait = flag;
        else if (word_is(param, key_len, "nowait") && !val)
            mc->wait = false;
        else
            return fail_param(p, value, param);
        param += len;
    }
    if (!server)
        return fail(p, value,
                    "connecting out to a client is not supported: add ',server=on' "
                    "to listen");
    return OPTIONS_OK;
}

/* tcp:[HOST]:PORT, HOST possibly a bracketed IPv6 address; addr_len bytes at addr. */
static OptionsResult parse_tcp_address(OptionParser *p, const char *value, const char *addr,
                                       size_t addr_len, MonitorConfig *mc)
{
    const char *colon = NULL;
    for (size_t i = 0; i < addr_len; i++)
        if (addr[i] == ':')
            colon = addr + i;
    if (!colon)
        return fail(p, value, "expected tcp:HOST:PORT");
    const char *host = addr;
    size_t host_len = (size_t)(colon - addr);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    size_t port_len = (size_t)(addr + addr_len - (colon + 1));
    if (port_len == 0)
        return fail(p, value, "missing port number after the host");
    if (!copy_field(mc->host, sizeof(mc->host), host, host_len) ||
        !copy_field(mc->port, sizeof(mc->port), colon + 1, port_len))
        return fail(p, value, "host or port name too long");
    return OPTIONS_OK;
}

static OptionsResult parse_monitor_spec(OptionParser *p, const char *value, MonitorConfig *mc)
{
    if (!strcmp(value, "stdio")) {
        if (p->stdio_used)
            return fail(p, value,
                        "stdio is already used by another -serial, -debugcon, -monitor or -qmp");
        p->stdio_used = true;
        p->monitor_on_stdio = p->arg;
        mc->transport = MONITOR_STDIO;
        return OPTIONS_OK;
    }
    if (!strncmp(value, "mon:", 4))
        return fail(p, value,
                    "sharing one backend between the monitor and a serial port "
                    "(mon:) is not supported yet");
    const char *addr;
    if (!strncmp(value, "unix:", 5)) {
        mc->transport = MONITOR_UNIX;
        addr = value + 5;
    } else if (!strncmp(value, "tcp:", 4)) {
        mc->transport = MONITOR_TCP;
        addr = value + 4;
    } else {
        return fail(p, value,
                    "unsupported character backend (available: stdio, none, "
                    "unix:PATH,server=on, tcp:HOST:PORT,server=on)");
    }
    size_t addr_len = strcspn(addr, ",");
    if (mc->transport == MONITOR_UNIX) {
        if (addr_len == 0)
            return fail(p, value, "missing socket path after 'unix:'");
        if (!copy_field(mc->path, sizeof(mc->path), addr, addr_len))
            return fail(p, value, "socket path too long (at most %zu bytes)", sizeof(mc->path) - 1);
    } else {
        OptionsResult r = parse_tcp_address(p, value, addr, addr_len, mc);
        if (r != OPTIONS_OK)
            return r;
    }
    return parse_socket_params(p, value, addr + addr_len, mc);
}

static OptionsResult add_monitor(OptionParser *p, const char *value, bool qmp)
{
    MachineConfig *cfg = p->cfg;
    if (!strcmp(value, "none"))
        return OPTIONS_OK; /* QEMU: no monitor there (the default here anyway) */
    if (cfg->nmonitors == MAX_MONITORS)
        return fail(p, value, "at most %d monitors (-monitor and -qmp)", MAX_MONITORS);
    MonitorConfig mc = {.qmp = qmp};
    OptionsResult r = parse_monitor_spec(p, value, &mc);
    if (r == OPTIONS_OK)
        cfg->monitors[cfg->nmonitors++] = mc;
    return r;
}

static OptionsResult opt_monitor(OptionParser *p, const char *value)
{
    return add_monitor(p, value, false);
}

static OptionsResult opt_qmp(OptionParser *p, const char *value)
{
    return add_monitor(p, value, true);
}

/* -gdb DEV (QEMU: a chardev the stub listens on; tcp:[HOST]:PORT or unix:PATH, with
 * an implied ",server=on,wait=off") and -s (= -gdb tcp::1234). */
static OptionsResult opt_gdb(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (!strcmp(value, "none")) {
        cfg->gdb = false;
        return OPTIONS_OK;
    }
    MonitorConfig mc = {0};
    const char *addr;
    if (!strncmp(value, "unix:", 5)) {
        mc.transport = MONITOR_UNIX;
        addr = value + 5;
    } else if (!strncmp(value, "tcp:", 4)) {
        mc.transport = MONITOR_TCP;
        addr = value + 4;
    } else {
        return fail(p, value, "unsupported gdb device (available: tcp:[HOST]:PORT, unix:PATH)");
    }
    size_t addr_len = strcspn(addr, ",");
    if (mc.transport == MONITOR_UNIX) {
        if (addr_len == 0)
            return fail(p, value, "missing socket path after 'unix:'");
        if (!copy_field(mc.path, sizeof(mc.path), addr, addr_len))
            return fail(p, value, "socket path too long (at most %zu bytes)", sizeof(mc.path) - 1);
    } else {
        OptionsResult r = parse_tcp_address(p, value, addr, addr_len, &mc);
        if (r != OPTIONS_OK)
            return r;
    }
    /* The socket options as QEMU takes them, server=on implied; the stub never waits
     * for gdb (-S makes the machine wait). */
    char params[512];
    if (snprintf(params, sizeof(params), ",server=on%s", addr + addr_len) >= (int)sizeof(params))
        return fail(p, value, "too long");
    OptionsResult r = parse_socket_params(p, value, params, &mc);
    if (r != OPTIONS_OK)
        return r;
    cfg->gdb = true;
    cfg->gdb_socket = mc;
    return OPTIONS_OK;
}

static OptionsResult opt_gdb_default(OptionParser *p, const char *value)
{
    (void)value;
    return opt_gdb(p, "tcp::1234");
}

static OptionsResult opt_start_paused(OptionParser *p, const char *value)
{
    (void)value;
    p->cfg->start_paused = true;
    return OPTIONS_OK;
}

static OptionsResult opt_daemonize(OptionParser *p, const char *value)
{
    (void)value;
    p->cfg->daemonize = true;
    return OPTIONS_OK;
}

static OptionsResult opt_pidfile(OptionParser *p, const char *value)
{
    if (!*value)
        return fail(p, NULL, "empty file name");
    p->cfg->pidfile = value;
    return OPTIONS_OK;
}

/* A daemon has no terminal: what would use stdio is refused, as QEMU does. (COM1's
 * default backend, stdio, is the board's to turn off under -daemonize.) */
static OptionsResult check_daemonize(OptionParser *p)
{
    const MachineConfig *cfg = p->cfg;
    if (!cfg->daemonize)
        return OPTIONS_OK;
    p->arg = "-daemonize";
    if (cfg->nographic)
        return fail(p, NULL, "cannot be used with -nographic");
    if (p->stdio_used)
        return fail(p, NULL, "cannot be used with stdio for -serial, -debugcon, -monitor or -qmp");
    return OPTIONS_OK;
}

/* COM1 uses stdio unless -serial says otherwise; a monitor there too would need QEMU's
 * multiplexer (mux, Ctrl-A c), which is not here yet. */
static OptionsResult check_monitor_stdio(OptionParser *p)
{
    if (!p->monitor_on_stdio || p->cfg->nserial != 0)
        return OPTIONS_OK;
    p->arg = p->monitor_on_stdio;
    return fail(p, "stdio",
                "the serial port uses stdio by default, and sharing stdio is not "
                "supported yet: add -serial none or -serial file:PATH");
}
#endif

/* ---- -drive, -hda, -snapshot ----
 *
 * QEMU System Emulation User's Guide, "Block device options": -drive takes
 * "key=value" items after commas; a comma inside a value is written ",," (QemuOpts
 * escaping), which matters for file names. */

/* Copies the value starting at s up to the first single comma into dst, turning ",,"
 * into ",". Returns the position of the ending comma (or NUL), or NULL if the value
 * does not fit in size bytes. */
static const char *copy_escaped_value(const char *s, char *dst, size_t size)
{
    size_t n = 0;
    for (; *s && !(s[0] == ',' && s[1] != ','); s++) {
        if (n + 1 >= size)
            return NULL;
        dst[n++] = *s;
        if (*s == ',')
            s++; /* the second comma of ",," */
    }
    dst[n] = 0;
    return s;
}

typedef struct NamedValue {
    const char *name;
    int value;
} NamedValue;

/* Finds name (len bytes) in a table ending with a NULL name; -1 if absent. */
static int lookup_name(const NamedValue *table, const char *name, size_t len)
{
    for (; table->name; table++)
        if (word_is(name, len, table->name))
            return table->value;
    return -1;
}

static const NamedValue drive_formats[] = {
    {"raw", DRIVE_FORMAT_RAW}, {"qcow2", DRIVE_FORMAT_QCOW2}, {NULL, 0}};

static const NamedValue drive_cache_modes[] = {
    {"writeback", DRIVE_CACHE_WRITEBACK}, {"writethrough", DRIVE_CACHE_WRITETHROUGH},
    {"none", DRIVE_CACHE_NONE},           {"directsync", DRIVE_CACHE_DIRECTSYNC},
    {"unsafe", DRIVE_CACHE_UNSAFE},       {NULL, 0}};

/* discard=: QEMU takes ignore/off and unmap/on. */
static const NamedValue drive_discard_modes[] = {
    {"ignore", 0}, {"off", 0}, {"unmap", 1}, {"on", 1}, {NULL, 0}};

/* if=: the interfaces QEMU knows; only virtio has a device here. */
static OptionsResult check_drive_interface(OptionParser *p, const char *value, const char *iface)
{
    if (!strcmp(iface, "virtio"))
        return OPTIONS_OK;
    if (!strcmp(iface, "ide"))
        return fail(p, value, "IDE disks are not supported yet: use if=virtio");
    return fail(p, value, "interface '%s' is not supported (available: virtio)", iface);
}

/* Applies one "key=value" item of a -drive option (the value already unescaped). */
static OptionsResult set_drive_param(OptionParser *p, const char *value, DriveConfig *d,
                                     const char *key, size_t key_len, const char *val,
                                     bool *have_file, bool *have_if)
{
    int n;
    if (word_is(key, key_len, "file")) {
        if (!*val)
            return fail(p, value, "empty file name");
        strcpy(d->file, val); /* same size as the buffer val was copied into */
        *have_file = true;
    } else if (word_is(key, key_len, "format")) {
        if ((n = lookup_name(drive_formats, val, strlen(val))) < 0)
            return fail(p, value, "unknown format '%s' (available: raw, qcow2)", val);
        d->format = (DriveFormat)n;
    } else if (word_is(key, key_len, "if")) {
        *have_if = true;
        return check_drive_interface(p, value, val);
    } else if (word_is(key, key_len, "cache")) {
        if ((n = lookup_name(drive_cache_modes, val, strlen(val))) < 0)
            return fail(p, value,
                        "unknown cache mode '%s' (available: writeback, writethrough, none, "
                        "directsync, unsafe)",
                        val);
        d->cache = (DriveCache)n;
    } else if (word_is(key, key_len, "readonly") || word_is(key, key_len, "snapshot")) {
        bool *flag = key[0] == 'r' ? &d->read_only : &d->snapshot;
        if (!parse_on_off(val, strlen(val), flag))
            return fail(p, value, "parameter '%.*s' expects 'on' or 'off'", (int)key_len, key);
    } else if (word_is(key, key_len, "discard")) {
        if ((n = lookup_name(drive_discard_modes, val, strlen(val))) < 0)
            return fail(p, value, "discard expects 'ignore' or 'unmap'");
        d->discard_unmap = n;
    } else if (word_is(key, key_len, "serial")) {
        if (strlen(val) >= DRIVE_SERIAL_MAX)
            return fail(p, value, "serial is longer than %d characters", DRIVE_SERIAL_MAX - 1);
        strcpy(d->serial, val);
    } else if (word_is(key, key_len, "media")) {
        if (strcmp(val, "disk"))
            return fail(p, value, "media '%s' is not supported (available: disk)", val);
    } else {
        return fail_param(p, value, key);
    }
    return OPTIONS_OK;
}

/* Parses the items of a -drive value into d. The value buffer is as large as the
 * file name, the longest item. */
static OptionsResult parse_drive(OptionParser *p, const char *value, DriveConfig *d)
{
    char val[DRIVE_FILE_MAX];
    bool have_file = false, have_if = false;
    for (const char *item = value; *item;) {
        size_t key_len = strcspn(item, "=,");
        if (item[key_len] != '=')
            return fail(p, value, "expected 'key=value' at '%.*s'", (int)key_len, item);
        const char *end = copy_escaped_value(item + key_len + 1, val, sizeof(val));
        if (!end)
            return fail(p, value, "parameter '%.*s' is too long", (int)key_len, item);
        OptionsResult r = set_drive_param(p, value, d, item, key_len, val, &have_file, &have_if);
        if (r != OPTIONS_OK)
            return r;
        item = *end ? end + 1 : end;
    }
    if (!have_file)
        return fail(p, value, "missing 'file=' (empty drives are not supported)");
    /* QEMU's -drive defaults to if=ide, which is not here: say so rather than pick
     * another bus silently. */
    if (!have_if)
        return fail(p, value, "IDE disks (QEMU's default) are not supported yet: add if=virtio");
    return OPTIONS_OK;
}

static OptionsResult opt_drive(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (cfg->ndrives == MAX_DRIVES)
        return fail(p, value, "at most %d drives", MAX_DRIVES);
    DriveConfig d = {.format = DRIVE_FORMAT_PROBE, .cache = DRIVE_CACHE_WRITEBACK};
    OptionsResult r = parse_drive(p, value, &d);
    if (r == OPTIONS_OK)
        cfg->drives[cfg->ndrives++] = d;
    return r;
}

/* -hda..-hdd (and a bare file name, QEMU's -hda) are IDE disks. */
static OptionsResult opt_ide_disk(OptionParser *p, const char *value)
{
    return fail(p, value, "IDE disks are not supported yet: use -drive file=%s,if=virtio", value);
}

static OptionsResult opt_snapshot(OptionParser *p, const char *value)
{
    (void)value;
    p->cfg->snapshot = true;
    return OPTIONS_OK;
}

/* -snapshot applies to every drive, wherever it stands on the command line. */
static void apply_global_snapshot(MachineConfig *cfg)
{
    for (unsigned i = 0; i < cfg->ndrives && cfg->snapshot; i++)
        cfg->drives[i].snapshot = true;
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
    /* TCG sub-options: Pacifica always runs one host thread per vCPU (thread=multi);
     * backend= picks how translated blocks run (Pacifica's own: native code, or the IR
     * interpreter that is the reference). Anything else is refused, not ignored. */
    for (const char *param = value + len; *param;) {
        param++;
        size_t plen = strcspn(param, ",");
        if (word_is(param, plen, "backend=native"))
            p->cfg->tcg_backend = TCG_BACKEND_NATIVE;
        else if (word_is(param, plen, "backend=interp"))
            p->cfg->tcg_backend = TCG_BACKEND_INTERP;
        else if (!strncmp(param, "backend=", 8))
            return fail(p, value, "unknown backend '%.*s' (available: native, interp)",
                        (int)plen - 8, param + 8);
        else if (!word_is(param, plen, "thread=multi"))
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

/* ---- -device ---- */

/* Only split here: the board knows the drivers and their properties (hw/pc.c), and
 * "-device help" / "-device DRIVER,help" are answered there too. */
static OptionsResult opt_device(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (cfg->ndevices == MAX_DEVICES)
        return fail(p, value, "at most %d devices", MAX_DEVICES);
    char err[256];
    KeyValueList *kv = &cfg->devices[cfg->ndevices];
    if (keyval_parse(kv, "-device", value, true, err, sizeof(err)) < 0)
        return fail(p, value, "%s", err);
    if (!kv->driver[0] && !kv->help) {
        keyval_free(kv);
        return fail(p, value, "missing the device name ('-device help' lists them)");
    }
    cfg->ndevices++;
    return OPTIONS_OK;
}

/* ---- -chardev ---- */

static OptionsResult opt_chardev(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (cfg->nchardevs == MAX_CHARDEV_OPTIONS)
        return fail(p, value, "at most %d chardevs", MAX_CHARDEV_OPTIONS);
    KeyValueList *kv = &cfg->chardevs[cfg->nchardevs];
    char err[256], spec[4200];
    bool is_stdio;
    if (keyval_parse(kv, "-chardev", value, true, err, sizeof(err)) < 0)
        return fail(p, value, "%s", err);
    const char *id = chardev_options_id(kv);
    OptionsResult r = OPTIONS_OK;
    if (chardev_options_spec(kv, spec, sizeof(spec), &is_stdio, err, sizeof(err)) < 0)
        r = fail(p, value, "%s", err);
    for (unsigned i = 0; i < cfg->nchardevs && r == OPTIONS_OK; i++)
        if (!strcmp(chardev_options_id(&cfg->chardevs[i]), id))
            r = fail(p, value, "duplicate chardev id '%s'", id);
    if (r == OPTIONS_OK && is_stdio && p->stdio_used)
        r = fail(p, value, "stdio is already used by another option");
    if (r != OPTIONS_OK) {
        keyval_free(kv);
        return r;
    }
    p->stdio_used |= is_stdio;
    cfg->nchardevs++;
    return OPTIONS_OK;
}

/* ---- -netdev, -nic ---- */

/* Kept as typed; the board's network code (net/netdev.c) parses and checks them. */
static OptionsResult opt_netdev(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (cfg->nnetdevs == MAX_NETDEVS)
        return fail(p, value, "at most %d network backends", MAX_NETDEVS);
    cfg->netdevs[cfg->nnetdevs++] = value;
    return OPTIONS_OK;
}

static OptionsResult opt_nic(OptionParser *p, const char *value)
{
    MachineConfig *cfg = p->cfg;
    if (cfg->nnics == MAX_NETDEVS)
        return fail(p, value, "at most %d network cards", MAX_NETDEVS);
    cfg->nics[cfg->nnics++] = value;
    return OPTIONS_OK;
}

/* COM1's default backend is stdio: a -chardev stdio would read the same terminal. */
static OptionsResult check_chardev_stdio(OptionParser *p)
{
    const MachineConfig *cfg = p->cfg;
    if (cfg->nserial != 0 || cfg->daemonize)
        return OPTIONS_OK;
    for (unsigned i = 0; i < cfg->nchardevs; i++) {
        if (!strcmp(cfg->chardevs[i].driver, "stdio")) {
            p->arg = "-chardev";
            return fail(p, cfg->chardevs[i].text,
                        "the serial port uses stdio by default: add -serial none or "
                        "-serial file:PATH");
        }
    }
    return OPTIONS_OK;
}

static const OptionDef option_table[] = {
    {"m", NULL, "[size=]SIZE", opt_memory,
     "RAM size: a number of MiB, or with a suffix K, M, G, T (default 128M)"},
    {"smp", NULL, "[cpus=]N", opt_smp, "number of CPUs, 1 to 255 (default 1)"},
    {"machine", "M", "[type=]pc", opt_machine, "machine type: only pc (default); 'help' lists"},
    {"cpu", NULL, "MODEL", opt_cpu, "qemu64, x86-64-v2 (default), x86-64-v3, max; 'help' lists"},
    {"accel", NULL, "tcg[,backend=native|interp]", opt_accel,
     "accelerator: tcg (the only one so far); backend: native code (default) or the IR "
     "interpreter"},
    {"enable-kvm", NULL, NULL, opt_enable_kvm, "use KVM (not supported yet)"},
    {"bios", NULL, "FILE", opt_bios, "firmware ROM image to boot"},
    {"kernel", NULL, "FILE", opt_kernel, "boot this kernel directly"},
    {"initrd", NULL, "FILE", opt_initrd, "initial ram disk for -kernel"},
    {"append", NULL, "CMDLINE", opt_append, "kernel command line for -kernel"},
    {"nographic", NULL, NULL, opt_nographic, "no window; serial port on stdio"},
    {"display", NULL, "sdl|none", opt_display, "sdl: a window; none: no display"},
    {"serial", NULL, "DEV", opt_serial,
     "next serial port (up to 4): stdio, mon:stdio, null, none or file:PATH"},
    {"debugcon", NULL, "DEV", opt_debugcon, "debug console at port 0xe9: same backends"},
    {"no-reboot", NULL, NULL, opt_no_reboot, "exit instead of rebooting"},
    {"drive", NULL, "file=F,if=virtio[,...]", opt_drive,
     "a virtio disk; also format=raw|qcow2, cache=, readonly=on, snapshot=on, discard=, "
     "serial="},
    {"hda", NULL, "FILE", opt_ide_disk, "IDE disk 0 (not supported yet: use -drive)"},
    {"hdb", NULL, "FILE", opt_ide_disk, "IDE disk 1 (not supported yet)"},
    {"hdc", NULL, "FILE", opt_ide_disk, "IDE disk 2 (not supported yet)"},
    {"hdd", NULL, "FILE", opt_ide_disk, "IDE disk 3 (not supported yet)"},
    {"snapshot", NULL, NULL, opt_snapshot, "write to temporary files, never to the disk images"},
    {"chardev", NULL, "BACKEND,id=ID[,...]", opt_chardev,
     "character backend for a device: null, stdio, file,path=P, socket,path=P|host=H,port=N"
     "[,server=on][,wait=off]"},
    {"netdev", NULL, "user|tap|socket,id=ID[,...]", opt_netdev,
     "network backend: user[,hostfwd=tcp::HPORT-:GPORT], tap,ifname=NAME,script=no, "
     "socket,listen=|connect=|mcast=|udp="},
    {"nic", NULL, "user|tap|socket|none[,model=virtio-net-pci][,mac=MAC][,...]", opt_nic,
     "a virtio-net-pci card on a new backend (default: no network)"},
    {"device", NULL, "DRIVER[,PROP=VALUE...]", opt_device,
     "add a device ('-device help' lists them, '-device DRIVER,help' their properties)"},
#ifdef MAX_MONITORS
    {"monitor", NULL, "DEV", opt_monitor,
     "text monitor on stdio, unix:PATH,server=on[,wait=off] or tcp:HOST:PORT,server=on[,...]"},
    {"qmp", NULL, "DEV", opt_qmp, "QMP (JSON) control on the same backends as -monitor"},
    {"daemonize", NULL, NULL, opt_daemonize, "detach from the terminal once the VM is set up"},
    {"pidfile", NULL, "FILE", opt_pidfile, "write the process id to FILE (removed at exit)"},
    {"gdb", NULL, "DEV", opt_gdb, "gdb stub on tcp:[HOST]:PORT or unix:PATH"},
    {"s", NULL, NULL, opt_gdb_default, "shorthand for -gdb tcp::1234"},
    {"S", NULL, NULL, opt_start_paused, "do not start the CPUs (gdb or the monitor continues)"},
#endif
    {"d", NULL, "ITEM,...", opt_log_items, "log these items ('-d help' lists them)"},
    {"D", NULL, "FILE", opt_log_file, "write the log to FILE instead of stderr"},
    {"h", "help", NULL, opt_help, "print this help and exit"},
    {"version", NULL, NULL, opt_version, "print the version and exit"},
};

/* qemu-system-x86_64 options that Pacifica does not have (yet): named "unsupported"
 * rather than "unknown", so that a script written for QEMU gets a useful message. */
// clang-format off
static const char *const qemu_only_options[] = {
    "cdrom", "fda", "fdb", "boot", "net",
    "qmp-pretty", "mon",
    "vga", "vnc", "spice", "usb", "usbdevice", "rtc", "name", "uuid",
    "object", "global", "icount", "L", "k", "audiodev",
#ifndef MAX_MONITORS
    "monitor", "qmp", "daemonize", "pidfile",
#endif
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
    if (check_chardev_stdio(p) != OPTIONS_OK)
        return OPTIONS_ERROR;
#ifdef MAX_MONITORS
    OptionsResult r = check_monitor_stdio(p);
    if (r != OPTIONS_OK)
        return r;
    return check_daemonize(p);
#else
    return OPTIONS_OK;
#endif
}

OptionsResult options_parse(MachineConfig *cfg, int argc, char **argv, FILE *out, FILE *err)
{
    set_defaults(cfg);
    OptionParser p = {.cfg = cfg, .out = out, .err = err};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        p.arg = arg;
        /* QEMU takes a bare argument as the first hard disk image (-hda). */
        if (arg[0] != '-') {
            p.arg = "-hda";
            return opt_ide_disk(&p, arg);
        }
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
    apply_global_snapshot(cfg);
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
