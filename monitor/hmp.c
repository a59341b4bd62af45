/* The human monitor (HMP): QEMU's text commands that Pacifica has, with QEMU's output
 * formats so that scripts reading them carry over, and the line-based session that
 * serves them on a socket or stdio ("(qemu) " prompt, as QEMU's). */
#define _GNU_SOURCE /* open_memstream */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "monitor/internal.h"

#define HMP_PROMPT "(qemu) "
/* Longer lines are refused: nothing a person types comes near. */
#define HMP_MAX_LINE 4096
/* x/xp: at most this many bytes per command (QEMU has no limit; this keeps one typo
 * like "xp /100000000x 0" from flooding a client). */
#define HMP_MAX_DUMP (64 * 1024)

typedef struct HmpContext {
    MonitorMachine *mm;
    HmpState *st;
    GString *out; /* "\n" line ends; turned into "\r\n" at the end */
} HmpContext;

typedef void HmpHandler(HmpContext *c, const char *args);

typedef struct HmpCommand {
    const char *names; /* "cont|c": the name and its aliases */
    const char *params;
    const char *help;
    HmpHandler *handler;
} HmpCommand;

static void out_printf(HmpContext *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(HmpContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(c->out, fmt, ap);
    va_end(ap);
}

void hmp_state_init(HmpState *st)
{
    *st = (HmpState){.cpu_index = 0, .last_format = 'x', .last_size = 4};
}

static const char *skip_spaces(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* Is word (len bytes) one of the '|'-separated names? */
static bool names_match(const char *names, const char *word, size_t len)
{
    for (const char *n = names; *n;) {
        size_t nlen = strcspn(n, "|");
        if (nlen == len && !strncmp(n, word, len))
            return true;
        n += nlen;
        if (*n == '|')
            n++;
    }
    return false;
}

/* ---- info ---- */

static void info_status(HmpContext *c)
{
    /* QEMU's format: "running", or "paused" with the state when that is not plain
     * "paused" (e.g. "paused (prelaunch)"). */
    RunState state = main_loop_run_state(c->mm->loop);
    out_printf(c, "VM status: %s", state == RUN_STATE_RUNNING ? "running" : "paused");
    if (state != RUN_STATE_RUNNING && state != RUN_STATE_PAUSED)
        out_printf(c, " (%s)", run_state_name(state));
    out_printf(c, "\n");
}

static void info_version(HmpContext *c)
{
    unsigned major, minor, micro;
    monitor_version(&major, &minor, &micro);
    out_printf(c, "%u.%u.%u%s\n", major, minor, micro, MONITOR_VERSION_PACKAGE);
}

static void info_cpus(HmpContext *c)
{
    for (unsigned i = 0; i < monitor_cpu_count(c->mm); i++)
        out_printf(c, "%c CPU #%u: thread_id=%ld\n", (int)i == c->st->cpu_index ? '*' : ' ', i,
                   monitor_cpu_thread_id(c->mm, (int)i));
}

static void dump_cpu(HmpContext *c, int cpu_index)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        out_printf(c, "info registers: %s\n", strerror(errno));
        return;
    }
    c->mm->ops.cpu_dump(c->mm->ops.opaque, cpu_index, f);
    fclose(f);
    g_string_append_len(c->out, text, (gssize)len);
    free(text);
}

/* "info registers" shows the current CPU; "-a" all of them, each under "CPU#N" as QEMU
 * prints them. The vCPUs stay out of guest code meanwhile, so the dump is coherent. */
static void info_registers(HmpContext *c, const char *args)
{
    if (!c->mm->ops.cpu_dump) {
        out_printf(c, "info registers: this machine has no CPU state access wired\n");
        return;
    }
    bool all = !strcmp(skip_spaces(args), "-a");
    if (!all && *skip_spaces(args)) {
        out_printf(c, "info registers: unexpected argument '%s' (only -a)\n", skip_spaces(args));
        return;
    }
    bool held = main_loop_hold_vcpus(c->mm->loop);
    if (all) {
        for (unsigned i = 0; i < monitor_cpu_count(c->mm); i++) {
            out_printf(c, "\nCPU#%u\n", i);
            dump_cpu(c, (int)i);
        }
    } else {
        dump_cpu(c, c->st->cpu_index);
    }
    main_loop_release_vcpus(c->mm->loop, held);
}

static const struct {
    const char *name;
    const char *help;
} info_items[] = {
    {"block", "show the block devices"},
    {"cpus", "show infos for each CPU"},
    {"registers", "show the cpu registers (-a: all CPUs)"},
    {"status", "show the current VM status (running|paused)"},
    {"version", "show the version of Pacifica"},
};

static void hmp_info(HmpContext *c, const char *args)
{
    args = skip_spaces(args);
    size_t len = strcspn(args, " \t");
    const char *rest = args + len;
    if (len == 0) {
        for (size_t i = 0; i < G_N_ELEMENTS(info_items); i++)
            out_printf(c, "info %s -- %s\n", info_items[i].name, info_items[i].help);
    } else if (names_match("status", args, len)) {
        info_status(c);
    } else if (names_match("registers", args, len)) {
        info_registers(c, rest);
    } else if (names_match("version", args, len)) {
        info_version(c);
    } else if (names_match("cpus", args, len)) {
        info_cpus(c);
    } else if (names_match("block", args, len)) {
        /* No block devices yet: QEMU prints nothing without drives either. */
    } else {
        out_printf(c, "unknown command: 'info %.*s'\n", (int)len, args);
    }
}

/* ---- x / xp ---- */

typedef struct DumpFormat {
    unsigned count;
    char format;   /* x d u o c */
    unsigned size; /* 1 2 4 8 */
} DumpFormat;

/* "/[count][format][size]" (QEMU's order-free letters). Returns false with a message. */
static bool parse_dump_format(HmpContext *c, const char **args, DumpFormat *fmt)
{
    const char *p = skip_spaces(*args);
    *fmt = (DumpFormat){.count = 1, .format = c->st->last_format, .size = c->st->last_size};
    if (*p != '/') {
        *args = p;
        return true;
    }
    p++;
    if (isdigit((unsigned char)*p)) {
        unsigned long n = strtoul(p, (char **)&p, 10);
        fmt->count = n > HMP_MAX_DUMP ? HMP_MAX_DUMP + 1 : (unsigned)n;
    }
    for (; *p && !isspace((unsigned char)*p); p++) {
        switch (*p) {
        case 'x':
        case 'd':
        case 'u':
        case 'o':
        case 'c': fmt->format = *p; break;
        case 'b': fmt->size = 1; break;
        case 'h': fmt->size = 2; break;
        case 'w': fmt->size = 4; break;
        case 'g': fmt->size = 8; break;
        case 'i': out_printf(c, "format 'i' (disassembly) is not supported yet\n"); return false;
        default: out_printf(c, "invalid char in format: '%c'\n", *p); return false;
        }
    }
    if (fmt->format == 'c')
        fmt->size = 1;
    *args = p;
    return true;
}

/* The address: numbers (C syntax: 0x hex, 0 octal, decimal) joined by + and -. */
static bool parse_address(HmpContext *c, const char *s, uint64_t *addr)
{
    s = skip_spaces(s);
    if (!*s) {
        out_printf(c, "missing address\n");
        return false;
    }
    uint64_t value = 0;
    int sign = 1;
    for (;;) {
        if (!isdigit((unsigned char)*s)) {
            out_printf(c, "invalid address expression at '%s'\n", s);
            return false;
        }
        char *end;
        errno = 0;
        uint64_t term = strtoull(s, &end, 0);
        if (errno) {
            out_printf(c, "number too large: '%.*s'\n", (int)(end - s), s);
            return false;
        }
        value = sign > 0 ? value + term : value - term;
        s = skip_spaces(end);
        if (!*s)
            break;
        if (*s != '+' && *s != '-') {
            out_printf(c, "invalid address expression at '%s'\n", s);
            return false;
        }
        sign = *s == '+' ? 1 : -1;
        s = skip_spaces(s + 1);
    }
    *addr = value;
    return true;
}

/* One value in QEMU's memory_dump notation. */
static void print_value(HmpContext *c, const DumpFormat *fmt, uint64_t v)
{
    unsigned bits = fmt->size * 8;
    switch (fmt->format) {
    case 'o': out_printf(c, " %#*" PRIo64, (int)((bits + 2) / 3), v); break;
    case 'u': out_printf(c, " %*" PRIu64, (int)((bits * 10 + 32) / 33), v); break;
    case 'd': {
        int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
        out_printf(c, " %*" PRId64, (int)((bits * 10 + 32) / 33), sv);
        break;
    }
    case 'c':
        if (v == '\'' || v == '\\')
            out_printf(c, " '\\%c'", (int)v);
        else if (v == '\n')
            out_printf(c, " '\\n'");
        else if (v == '\r')
            out_printf(c, " '\\r'");
        else if (v >= 32 && v <= 126)
            out_printf(c, " '%c'", (int)v);
        else
            out_printf(c, " '\\x%02x'", (unsigned)v);
        break;
    default: out_printf(c, " 0x%0*" PRIx64, (int)(bits / 4), v); break;
    }
}

/* QEMU's layout: "ADDRESS:" in 16 hex digits, then up to 16 bytes of values per line
 * (8 for bytes), or " Cannot access memory" where reading stops. */
static void dump_memory(HmpContext *c, const DumpFormat *fmt, uint64_t addr, bool physical)
{
    size_t len = (size_t)fmt->count * fmt->size;
    size_t line_size = fmt->size == 1 ? 8 : 16;
    while (len > 0) {
        size_t n = len < line_size ? len : line_size;
        uint8_t buf[16];
        out_printf(c, "%016" PRIx64 ":", addr);
        bool ok = physical ? monitor_read_phys(c->mm, addr, buf, n)
                           : monitor_read_linear(c->mm, c->st->cpu_index, addr, buf, n);
        if (!ok) {
            out_printf(c, " Cannot access memory\n");
            return;
        }
        for (size_t i = 0; i < n; i += fmt->size) {
            uint64_t v = 0;
            for (unsigned b = 0; b < fmt->size; b++) /* the guest is little-endian */
                v |= (uint64_t)buf[i + b] << (8 * b);
            print_value(c, fmt, v);
        }
        out_printf(c, "\n");
        addr += n;
        len -= n;
    }
}

static void memory_command(HmpContext *c, const char *args, bool physical)
{
    DumpFormat fmt;
    uint64_t addr;
    if (!parse_dump_format(c, &args, &fmt) || !parse_address(c, args, &addr))
        return;
    if ((uint64_t)fmt.count * fmt.size > HMP_MAX_DUMP) {
        out_printf(c, "at most %u bytes per dump\n", HMP_MAX_DUMP);
        return;
    }
    c->st->last_format = fmt.format;
    c->st->last_size = fmt.size;
    if (physical) {
        dump_memory(c, &fmt, addr, true);
        return;
    }
    if (!c->mm->ops.cpu_linear_to_phys) {
        out_printf(c, "x: this machine has no CPU address translation wired (use xp)\n");
        return;
    }
    bool held = main_loop_hold_vcpus(c->mm->loop);
    dump_memory(c, &fmt, addr, false);
    main_loop_release_vcpus(c->mm->loop, held);
}

static void hmp_x(HmpContext *c, const char *args)
{
    memory_command(c, args, false);
}

static void hmp_xp(HmpContext *c, const char *args)
{
    memory_command(c, args, true);
}

/* ---- run state ---- */

static void hmp_stop(HmpContext *c, const char *args)
{
    (void)args;
    main_loop_vm_stop(c->mm->loop);
}

static void hmp_cont(HmpContext *c, const char *args)
{
    (void)args;
    if (main_loop_vm_start(c->mm->loop) < 0)
        out_printf(c, "cannot start the vCPUs\n");
}

static void hmp_system_reset(HmpContext *c, const char *args)
{
    (void)args;
    main_loop_request_reset(c->mm->loop, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

static void hmp_system_powerdown(HmpContext *c, const char *args)
{
    (void)args;
    GString *why = g_string_new(NULL);
    if (!monitor_system_powerdown(c->mm, why))
        out_printf(c, "system_powerdown: %s\n", why->str);
    g_string_free(why, true);
}

static void hmp_quit(HmpContext *c, const char *args)
{
    (void)args;
    /* QEMU names HMP's quit like QMP's in the SHUTDOWN event. */
    main_loop_request_shutdown(c->mm->loop, SHUTDOWN_CAUSE_HOST_QMP_QUIT, 0);
}

static void hmp_cpu(HmpContext *c, const char *args)
{
    args = skip_spaces(args);
    char *end;
    unsigned long n = strtoul(args, &end, 10);
    if (!isdigit((unsigned char)*args) || *skip_spaces(end) || n >= monitor_cpu_count(c->mm)) {
        out_printf(c, "invalid CPU index\n");
        return;
    }
    c->st->cpu_index = (int)n;
}

static void hmp_help(HmpContext *c, const char *args);

static const HmpCommand hmp_commands[] = {
    {"help|?", "[cmd]", "show the help", hmp_help},
    {"info", "[subcommand]", "show various information about the system state", hmp_info},
    {"x", "/fmt addr", "virtual memory dump starting at 'addr'", hmp_x},
    {"xp", "/fmt addr", "physical memory dump starting at 'addr'", hmp_xp},
    {"cpu", "index", "set the default CPU", hmp_cpu},
    {"stop|s", "", "stop emulation", hmp_stop},
    {"cont|c", "", "resume emulation", hmp_cont},
    {"system_reset", "", "reset the system", hmp_system_reset},
    {"system_powerdown", "", "send system power down event", hmp_system_powerdown},
    {"quit|q", "", "quit the emulator", hmp_quit},
};

static const HmpCommand *find_hmp_command(const char *word, size_t len)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hmp_commands); i++)
        if (names_match(hmp_commands[i].names, word, len))
            return &hmp_commands[i];
    return NULL;
}

static void print_help_line(HmpContext *c, const HmpCommand *cmd)
{
    out_printf(c, "%s %s -- %s\n", cmd->names, cmd->params, cmd->help);
}

static void hmp_help(HmpContext *c, const char *args)
{
    args = skip_spaces(args);
    size_t len = strcspn(args, " \t");
    if (len == 0) {
        for (size_t i = 0; i < G_N_ELEMENTS(hmp_commands); i++)
            print_help_line(c, &hmp_commands[i]);
        out_printf(c, "x/xp format: /[count][x|d|u|o|c][b|h|w|g]; addresses are numbers "
                      "joined by + and -\n");
        return;
    }
    const HmpCommand *cmd = find_hmp_command(args, len);
    if (cmd)
        print_help_line(c, cmd);
    else
        out_printf(c, "unknown command: '%.*s'\n", (int)len, args);
}

/* Turns the "\n" line ends of text into "\r\n" (QEMU's monitor output does). */
static void append_crlf(GString *out, const GString *text)
{
    for (size_t i = 0; i < text->len; i++) {
        if (text->str[i] == '\n')
            g_string_append_c(out, '\r');
        g_string_append_c(out, text->str[i]);
    }
}

void hmp_execute(MonitorMachine *mm, HmpState *st, const char *line, GString *out)
{
    GString *text = g_string_new(NULL);
    HmpContext c = {.mm = mm, .st = st, .out = text};
    line = skip_spaces(line);
    /* "x/4x addr": the format may follow the name without a space. */
    size_t len = strcspn(line, " \t/");
    if (len > 0) {
        const HmpCommand *cmd = find_hmp_command(line, len);
        if (cmd)
            cmd->handler(&c, line + len);
        else
            out_printf(&c, "unknown command: '%.*s'\n", (int)len, line);
    }
    /* Output may quote what was typed; bytes that are not UTF-8 would make the QMP reply
     * carrying it invalid JSON (RFC 8259 §8.1), so they become U+FFFD. */
    if (!g_utf8_validate(text->str, (gssize)text->len, NULL)) {
        char *valid = g_utf8_make_valid(text->str, (gssize)text->len);
        g_string_assign(text, valid);
        g_free(valid);
    }
    append_crlf(out, text);
    g_string_free(text, true);
}

/* ---- the line session ---- */

struct HmpSession {
    MonitorMachine *mm;
    MonitorOutputFn *output;
    void *opaque;
    HmpState state;
    GString *line;
    bool open;
    bool overlong; /* the current line went past HMP_MAX_LINE: drop it */
    bool after_cr; /* a "\r\n" pair ends one line, not two */
};

static void send_text(HmpSession *s, const char *text, size_t len)
{
    if (s->open)
        s->output(s->opaque, text, len);
}

static void send_prompt(HmpSession *s)
{
    send_text(s, HMP_PROMPT, strlen(HMP_PROMPT));
}

HmpSession *hmp_session_new(MonitorMachine *mm, MonitorOutputFn *output, void *opaque)
{
    HmpSession *s = g_new0(HmpSession, 1);
    s->mm = mm;
    s->output = output;
    s->opaque = opaque;
    s->line = g_string_new(NULL);
    hmp_state_init(&s->state);
    return s;
}

void hmp_session_free(HmpSession *s)
{
    if (!s)
        return;
    g_string_free(s->line, true);
    g_free(s);
}

void hmp_session_open(HmpSession *s)
{
    s->open = true;
    g_string_truncate(s->line, 0);
    s->overlong = s->after_cr = false;
    char *banner = g_strdup_printf("Pacifica %s monitor - type 'help' for more information\r\n",
                                   PACIFICA_VERSION);
    send_text(s, banner, strlen(banner));
    g_free(banner);
    send_prompt(s);
}

void hmp_session_close(HmpSession *s)
{
    s->open = false;
    g_string_truncate(s->line, 0);
}

static void run_line(HmpSession *s)
{
    GString *out = g_string_new(NULL);
    if (s->overlong)
        g_string_printf(out, "line too long (at most %d bytes)\r\n", HMP_MAX_LINE);
    else
        hmp_execute(s->mm, &s->state, s->line->str, out);
    send_text(s, out->str, out->len);
    g_string_free(out, true);
    g_string_truncate(s->line, 0);
    s->overlong = false;
    /* After quit the process is ending: no new prompt. */
    if (!atomic_load(&s->mm->machine->exit_requested))
        send_prompt(s);
}

void hmp_session_feed(HmpSession *s, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len && s->open; i++) {
        uint8_t ch = data[i];
        bool was_cr = s->after_cr;
        s->after_cr = ch == '\r';
        if (ch == '\n' && was_cr)
            continue;
        if (ch == '\r' || ch == '\n') {
            run_line(s);
        } else if (ch == 0x7f || ch == '\b') {
            /* Backspace from a raw socket client (nc, socat) */
            if (s->line->len)
                g_string_truncate(s->line, s->line->len - 1);
        } else if (ch >= 0x20 || ch == '\t') {
            if (s->line->len < HMP_MAX_LINE)
                g_string_append_c(s->line, (char)ch);
            else
                s->overlong = true;
        }
        /* Other control bytes (telnet option bytes among them) are ignored. */
    }
}
