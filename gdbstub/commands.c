/* The packets of gdb's remote serial protocol the stub answers (gdb manual, "Remote
 * Protocol": "Packets", "General Query Packets", "Stop Reply Packets"). Every packet
 * is checked before it acts: a malformed one gets "E" + errno-style number (or an
 * empty reply when unknown), never a crash. */
#include <inttypes.h>
#include <string.h>

#include "cpu/x86/tlb.h"
#include "gdbstub/internal.h"

#define PAGE_SIZE 4096u

/* errno-style error numbers of the replies */
#define E_INVAL "E16"
#define E_FAULT "E0e"
#define E_NOSPC "E1c"

CPUX86State *gdb_cpu_env(GdbStub *s, int cpu_index)
{
    if (cpu_index < 0 || (unsigned)cpu_index >= s->ops.ncpus || !s->ops.cpu_env)
        return NULL;
    return s->ops.cpu_env(s->ops.opaque, cpu_index);
}

/* The description given to this gdb: x86-64 when the guest is in long mode, or when it
 * had never run at attach (a kernel debugged from -S will be 64-bit by the time its
 * symbols matter; gdb reads the description once). i386 for a guest caught running
 * 16- or 32-bit code. */
const GdbRegLayout *gdb_layout(GdbStub *s)
{
    GdbConn *c = &s->conn;
    if (!c->layout_chosen) {
        CPUX86State *env = gdb_cpu_env(s, 0);
        bool x86_64 = c->attached_prelaunch || !env || (env->hflags & HF_LMA);
        gdb_reg_layout_init(&c->layout, x86_64);
        c->layout_chosen = true;
    }
    return &c->layout;
}

int gdb_thread_to_cpu(const GdbStub *s, const char *tid)
{
    if (!strcmp(tid, "-1") || !strcmp(tid, "0"))
        return -1;
    uint64_t id;
    if (!gdb_parse_hex(&tid, &id) || *tid || id == 0 || id > s->ops.ncpus)
        return -2;
    return (int)id - 1;
}

/* The vCPU a register or memory packet is about: Hg's, else the last stop's. */
static CPUX86State *g_env(GdbStub *s)
{
    int cpu = s->conn.g_cpu >= 0 ? s->conn.g_cpu : s->conn.cur_cpu;
    return gdb_cpu_env(s, cpu);
}

/* ---- registers ---- */

typedef struct PacketArgs {
    const char *data;
    size_t len;
} PacketArgs;

static void read_all_registers(GdbStub *s, void *arg)
{
    (void)arg;
    CPUX86State *env = g_env(s);
    if (!env) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    const GdbRegLayout *l = gdb_layout(s);
    GString *hex = g_string_new(NULL);
    for (unsigned i = 0; i < l->count; i++)
        gdb_reg_read(env, &l->regs[i], hex);
    gdb_send_packet(s, hex->str, hex->len);
    g_string_free(hex, TRUE);
}

static void write_all_registers(GdbStub *s, void *arg)
{
    const PacketArgs *a = arg;
    CPUX86State *env = g_env(s);
    const GdbRegLayout *l = gdb_layout(s);
    const char *hex = a->data + 1;
    size_t left = a->len - 1;
    if (!env) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    /* gdb may send fewer registers than the description has: the rest keep theirs. */
    for (unsigned i = 0; i < l->count && left >= 2u * l->regs[i].size; i++) {
        uint8_t buf[16];
        if (!gdb_hex_to_bytes(hex, left, buf, l->regs[i].size)) {
            gdb_send_str(s, E_INVAL);
            return;
        }
        gdb_reg_write(env, &l->regs[i], buf);
        hex += 2u * l->regs[i].size;
        left -= 2u * l->regs[i].size;
    }
    gdb_send_str(s, "OK");
}

static void read_register(GdbStub *s, void *arg)
{
    const PacketArgs *a = arg;
    const char *p = a->data + 1;
    uint64_t n;
    CPUX86State *env = g_env(s);
    const GdbRegLayout *l = gdb_layout(s);
    if (!gdb_parse_hex(&p, &n) || *p || n >= l->count || !env) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    GString *hex = g_string_new(NULL);
    gdb_reg_read(env, &l->regs[n], hex);
    gdb_send_packet(s, hex->str, hex->len);
    g_string_free(hex, TRUE);
}

static void write_register(GdbStub *s, void *arg)
{
    const PacketArgs *a = arg;
    const char *p = a->data + 1;
    uint64_t n;
    uint8_t buf[16];
    CPUX86State *env = g_env(s);
    const GdbRegLayout *l = gdb_layout(s);
    if (!gdb_parse_hex(&p, &n) || *p != '=' || n >= l->count || !env ||
        strlen(p + 1) != 2u * l->regs[n].size ||
        !gdb_hex_to_bytes(p + 1, strlen(p + 1), buf, l->regs[n].size)) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    gdb_reg_write(env, &l->regs[n], buf);
    gdb_send_str(s, "OK");
}

/* ---- memory: linear addresses through the vCPU's page tables ---- */

/* Copies between buf and the guest's linear [addr, addr + len), page by page; returns
 * how many bytes were done before the first unmapped page or hole. */
static size_t access_linear(GdbStub *s, CPUX86State *env, uint64_t addr, uint8_t *buf, size_t len,
                            bool write)
{
    Machine *m = s->m;
    size_t done = 0;
    while (done < len) {
        size_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
        if (chunk > len - done)
            chunk = len - done;
        uint64_t phys;
        if (!x86_translate_debug(env, addr, &phys))
            break;
        /* MMIO runs device code: the machine lock, as for a vCPU access. */
        pthread_mutex_lock(&m->lock);
        bool ok = address_space_rw(&m->mem, phys, buf + done, chunk, write);
        pthread_mutex_unlock(&m->lock);
        if (!ok)
            break;
        if (write && s->ops.phys_written)
            s->ops.phys_written(s->ops.opaque, phys, chunk);
        done += chunk;
        addr += chunk;
    }
    return done;
}

/* "ADDR,LEN" then what follows (':' for writes, end for reads). */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    return gdb_parse_hex(p, addr) && *(*p)++ == ',' && gdb_parse_hex(p, len);
}

static void read_memory(GdbStub *s, void *arg)
{
    const PacketArgs *a = arg;
    const char *p = a->data + 1;
    uint64_t addr, len;
    CPUX86State *env = g_env(s);
    if (!parse_addr_len(&p, &addr, &len) || *p || !env) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    if (len > GDB_PACKET_MAX / 2)
        len = GDB_PACKET_MAX / 2; /* gdb asks again for the rest */
    uint8_t buf[GDB_PACKET_MAX / 2];
    size_t done = access_linear(s, env, addr, buf, len, false);
    if (done == 0 && len > 0) {
        gdb_send_str(s, E_FAULT);
        return;
    }
    GString *hex = g_string_new(NULL);
    gdb_bytes_to_hex(hex, buf, done);
    gdb_send_packet(s, hex->str, hex->len);
    g_string_free(hex, TRUE);
}

/* M (hex data) and X (binary data). */
static void write_memory(GdbStub *s, void *arg)
{
    const PacketArgs *a = arg;
    bool binary = a->data[0] == 'X';
    const char *p = a->data + 1;
    uint64_t addr, len;
    CPUX86State *env = g_env(s);
    if (!parse_addr_len(&p, &addr, &len) || *p++ != ':' || !env || len > GDB_PACKET_MAX) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    size_t avail = a->len - (size_t)(p - a->data);
    uint8_t buf[GDB_PACKET_MAX];
    if (binary ? avail != len : (avail != 2 * len || !gdb_hex_to_bytes(p, avail, buf, len))) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    if (binary)
        memcpy(buf, p, len);
    size_t done = access_linear(s, env, addr, buf, len, true);
    gdb_send_str(s, done == len ? "OK" : E_FAULT);
}

/* ---- breakpoints and watchpoints (Z/z) ---- */

static bool add_breakpoint(MachineDebug *d, uint64_t addr)
{
    if (d->nbreakpoints == DEBUG_MAX_BREAKPOINTS)
        return false;
    d->breakpoints[d->nbreakpoints++] = addr;
    return true;
}

static bool remove_breakpoint(MachineDebug *d, uint64_t addr)
{
    for (unsigned i = 0; i < d->nbreakpoints; i++) {
        if (d->breakpoints[i] == addr) {
            d->breakpoints[i] = d->breakpoints[--d->nbreakpoints];
            return true;
        }
    }
    return false;
}

static bool add_watchpoint(MachineDebug *d, uint64_t addr, uint64_t len, DebugWatchKind kind)
{
    if (d->nwatchpoints == DEBUG_MAX_WATCHPOINTS || len == 0 || addr + len < addr)
        return false;
    d->watchpoints[d->nwatchpoints++] = (DebugWatchpoint){addr, len, kind};
    return true;
}

static bool remove_watchpoint(MachineDebug *d, uint64_t addr, uint64_t len, DebugWatchKind kind)
{
    for (unsigned i = 0; i < d->nwatchpoints; i++) {
        DebugWatchpoint *w = &d->watchpoints[i];
        if (w->addr == addr && w->len == len && w->kind == kind) {
            *w = d->watchpoints[--d->nwatchpoints];
            return true;
        }
    }
    return false;
}

/* The TLBs may hold entries made before a watchpoint existed (mmu.c marks watched
 * pages when it fills an entry). */
static void watchpoints_changed(GdbStub *s)
{
    for (unsigned i = 0; i < s->ops.ncpus; i++) {
        CPUX86State *env = gdb_cpu_env(s, (int)i);
        if (env)
            x86_debug_update(env);
    }
}

static void change_point(GdbStub *s, void *arg)
{
    const PacketArgs *a = arg;
    bool insert = a->data[0] == 'Z';
    const char *p = a->data + 1;
    uint64_t type, addr, kind;
    if (!gdb_parse_hex(&p, &type) || *p++ != ',' || !parse_addr_len(&p, &addr, &kind)) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    MachineDebug *d = &s->debug;
    bool ok;
    if (type <= 1) { /* software and hardware breakpoints: both by the translator */
        ok = insert ? add_breakpoint(d, addr) : remove_breakpoint(d, addr);
        if (ok && s->ops.flush_code)
            s->ops.flush_code(s->ops.opaque);
    } else if (type <= 4) {
        static const DebugWatchKind kinds[5] = {0, 0, DEBUG_WATCH_WRITE, DEBUG_WATCH_READ,
                                                DEBUG_WATCH_ACCESS};
        ok = insert ? add_watchpoint(d, addr, kind, kinds[type])
                    : remove_watchpoint(d, addr, kind, kinds[type]);
        if (ok)
            watchpoints_changed(s);
    } else {
        gdb_send_str(s, ""); /* not supported */
        return;
    }
    gdb_send_str(s, ok ? "OK" : (insert ? E_NOSPC : E_INVAL));
}

/* ---- running ---- */

static int current_cpu(const GdbStub *s, int hc)
{
    return hc >= 0 ? hc : s->conn.cur_cpu;
}

/* c [addr] and s [addr]: the Hc thread (or the current one) steps for s; every vCPU
 * runs (all-stop). */
static void cont_or_step(GdbStub *s, const char *data)
{
    bool step[DEBUG_MAX_CPUS] = {false};
    int cpu = current_cpu(s, s->conn.c_cpu);
    const char *p = data + 1;
    uint64_t addr;
    if (*p) {
        CPUX86State *env = gdb_cpu_env(s, cpu);
        if (!gdb_parse_hex(&p, &addr) || *p || !env) {
            gdb_send_str(s, E_INVAL);
            return;
        }
        env->rip = addr;
    }
    if (data[0] == 's' && cpu >= 0 && cpu < DEBUG_MAX_CPUS)
        step[cpu] = true;
    gdb_resume(s, step);
}

/* The ":TID" of a vCont action at *args: the cpu (-1 for all), -2 if malformed. */
static int parse_action_thread(const GdbStub *s, const char **args)
{
    char tid[24];
    size_t len = strcspn(*args + 1, ";");
    if (len == 0 || len >= sizeof(tid))
        return -2;
    memcpy(tid, *args + 1, len);
    tid[len] = 0;
    *args += 1 + len;
    return gdb_thread_to_cpu(s, tid);
}

/* vCont;ACTION[:TID];... (the leftmost action that names a thread applies to it). */
static void vcont(GdbStub *s, const char *args)
{
    bool step[DEBUG_MAX_CPUS] = {false}, decided[DEBUG_MAX_CPUS] = {false};
    unsigned n = s->ops.ncpus < DEBUG_MAX_CPUS ? s->ops.ncpus : DEBUG_MAX_CPUS;
    while (*args == ';') {
        args++;
        char action = *args;
        if (action != 'c' && action != 's' && action != 'C' && action != 'S' && action != 't') {
            gdb_send_str(s, E_INVAL);
            return;
        }
        args++;
        if (action == 'C' || action == 'S') { /* the signal number is ignored */
            uint64_t sig;
            if (!gdb_parse_hex(&args, &sig)) {
                gdb_send_str(s, E_INVAL);
                return;
            }
        }
        int cpu = -1;
        if (*args == ':' && (cpu = parse_action_thread(s, &args)) == -2) {
            gdb_send_str(s, E_INVAL);
            return;
        }
        for (unsigned i = 0; i < n; i++) {
            if ((cpu < 0 || (unsigned)cpu == i) && !decided[i]) {
                decided[i] = true;
                step[i] = action == 's' || action == 'S';
            }
        }
    }
    if (*args) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    gdb_resume(s, step);
}

/* ---- queries ---- */

static void xfer_features(GdbStub *s, const char *args)
{
    const char *annex = "target.xml:";
    if (strncmp(args, annex, strlen(annex))) {
        gdb_send_str(s, "E00");
        return;
    }
    const char *p = args + strlen(annex);
    uint64_t off, len;
    if (!parse_addr_len(&p, &off, &len) || *p) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    char *xml = gdb_target_xml(gdb_layout(s));
    size_t total = strlen(xml);
    if (len > GDB_PACKET_MAX - 1)
        len = GDB_PACKET_MAX - 1;
    GString *reply = g_string_new(NULL);
    if (off >= total) {
        g_string_append_c(reply, 'l');
    } else {
        size_t n = total - off < len ? total - off : len;
        g_string_append_c(reply, off + n >= total ? 'l' : 'm');
        g_string_append_len(reply, xml + off, (gssize)n);
    }
    gdb_send_packet(s, reply->str, reply->len);
    g_string_free(reply, TRUE);
    g_free(xml);
}

static void thread_info(GdbStub *s)
{
    GString *r = g_string_new("m");
    for (unsigned i = 0; i < s->ops.ncpus; i++)
        g_string_append_printf(r, "%s%x", i ? "," : "", i + 1);
    gdb_send_packet(s, r->str, r->len);
    g_string_free(r, TRUE);
}

static void thread_extra_info(GdbStub *s, const char *tid)
{
    int cpu = gdb_thread_to_cpu(s, tid);
    if (cpu < 0) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    CPUX86State *env = gdb_cpu_env(s, cpu);
    char text[64];
    snprintf(text, sizeof(text), "CPU#%d [%s]", cpu, env && env->halted ? "halted" : "running");
    GString *hex = g_string_new(NULL);
    gdb_bytes_to_hex(hex, text, strlen(text));
    gdb_send_packet(s, hex->str, hex->len);
    g_string_free(hex, TRUE);
}

/* qRcmd,HEX: "monitor CMD" in gdb, answered by the text monitor. */
static void monitor_command(GdbStub *s, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *line = g_malloc(n + 1);
    if (strlen(hex) % 2 || !gdb_hex_to_bytes(hex, strlen(hex), (uint8_t *)line, n)) {
        g_free(line);
        gdb_send_str(s, E_INVAL);
        return;
    }
    line[n] = 0;
    GString *out = g_string_new(NULL);
    if (s->ops.monitor_command)
        s->ops.monitor_command(s->ops.opaque, line, out);
    else
        g_string_append(out, "no monitor\n");
    GString *reply = g_string_new(NULL);
    if (out->len)
        gdb_bytes_to_hex(reply, out->str, out->len);
    else
        g_string_append(reply, "OK");
    gdb_send_packet(s, reply->str, reply->len);
    g_string_free(reply, TRUE);
    g_string_free(out, TRUE);
    g_free(line);
}

static void query(GdbStub *s, const char *q)
{
    char reply[128];
    if (!strncmp(q, "qSupported", 10)) {
        snprintf(reply, sizeof(reply),
                 "PacketSize=%x;qXfer:features:read+;vContSupported+;QStartNoAckMode+",
                 GDB_PACKET_MAX);
        gdb_send_str(s, reply);
    } else if (!strncmp(q, "qXfer:features:read:", 20)) {
        xfer_features(s, q + 20);
    } else if (!strcmp(q, "qfThreadInfo")) {
        thread_info(s);
    } else if (!strcmp(q, "qsThreadInfo")) {
        gdb_send_str(s, "l");
    } else if (!strcmp(q, "qC")) {
        snprintf(reply, sizeof(reply), "QC%x", s->conn.cur_cpu + 1);
        gdb_send_str(s, reply);
    } else if (!strncmp(q, "qThreadExtraInfo,", 17)) {
        thread_extra_info(s, q + 17);
    } else if (!strncmp(q, "qRcmd,", 6)) {
        monitor_command(s, q + 6);
    } else if (!strcmp(q, "qAttached")) {
        gdb_send_str(s, "1"); /* detach, not kill, when gdb quits */
    } else {
        gdb_send_str(s, "");
    }
}

static void set_thread(GdbStub *s, const char *data)
{
    int cpu = gdb_thread_to_cpu(s, data + 2);
    if ((data[1] != 'g' && data[1] != 'c') || cpu == -2) {
        gdb_send_str(s, E_INVAL);
        return;
    }
    if (data[1] == 'g')
        s->conn.g_cpu = cpu;
    else
        s->conn.c_cpu = cpu;
    gdb_send_str(s, "OK");
}

/* k and vKill: the process ends, as QEMU's does (vKill wants an "OK" first). */
static void kill_machine(GdbStub *s, bool reply)
{
    if (reply)
        gdb_send_str(s, "OK");
    main_loop_request_shutdown(s->loop, SHUTDOWN_CAUSE_HOST_UI, 0);
}

static void v_packet(GdbStub *s, const char *data)
{
    if (!strcmp(data, "vCont?"))
        gdb_send_str(s, "vCont;c;C;s;S");
    else if (!strncmp(data, "vCont", 5) && data[5] == ';')
        vcont(s, data + 5);
    else if (!strncmp(data, "vKill", 5))
        kill_machine(s, true);
    else
        gdb_send_str(s, "");
}

/* Packets that read or change the vCPUs' state run with them out of guest code (gdb
 * sends them only while the target is stopped; anything else is held meanwhile). */
static bool held_packet(GdbStub *s, const char *data, size_t len)
{
    static const struct {
        char letter;
        void (*fn)(GdbStub *s, void *arg);
    } table[] = {
        {'g', read_all_registers}, {'G', write_all_registers}, {'p', read_register},
        {'P', write_register},     {'m', read_memory},         {'M', write_memory},
        {'X', write_memory},       {'Z', change_point},        {'z', change_point},
    };
    PacketArgs a = {data, len};
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        if (table[i].letter == data[0]) {
            gdb_with_vcpus_held(s, table[i].fn, &a);
            return true;
        }
    }
    return false;
}

void gdb_handle_packet(GdbStub *s, const char *data, size_t len)
{
    if (len == 0) {
        gdb_send_str(s, "");
        return;
    }
    if (held_packet(s, data, len))
        return;
    char reply[32];
    switch (data[0]) {
    case '?':
        snprintf(reply, sizeof(reply), "T05thread:%02x;", s->conn.cur_cpu + 1);
        gdb_send_str(s, reply);
        break;
    case 'q': query(s, data); break;
    case 'Q':
        if (!strcmp(data, "QStartNoAckMode")) {
            gdb_send_str(s, "OK");
            s->conn.no_ack = true;
        } else {
            gdb_send_str(s, "");
        }
        break;
    case 'H': set_thread(s, data); break;
    case 'T': gdb_send_str(s, gdb_thread_to_cpu(s, data + 1) >= 0 ? "OK" : E_INVAL); break;
    case 'c':
    case 's': cont_or_step(s, data); break;
    case 'v': v_packet(s, data); break;
    case 'D':
        gdb_send_str(s, "OK");
        gdb_disconnect(s, true);
        break;
    case 'k': kill_machine(s, false); break;
    default: gdb_send_str(s, ""); break;
    }
}
