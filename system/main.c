/* pacifica: parse the command line, build the PC, run it, exit with its status. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "accel/accel.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/tlb.h"
#include "gdbstub/gdbstub.h"
#include "hw/pc.h"
#include "hw/pc_net.h"
#include "monitor/monitor.h"
#include "system/chardev.h"
#include "system/machine.h"
#include "system/main_loop.h"
#include "system/options.h"
#include "tcg/tb.h"

/* What the monitor reaches through main: the board's power button and each vCPU's
 * state, recorded when the accelerator resets it (the board's own hook chained). */
typedef struct MonitorWiring {
    PCBoard *board;
    CPUX86State **cpu_env;
    unsigned ncpus;
    void (*board_reset_hook)(void *opaque, int cpu_index, void *cpu_env);
    void *board_reset_opaque;
} MonitorWiring;

static void wiring_cpu_reset(void *opaque, int cpu_index, void *cpu_env)
{
    MonitorWiring *w = opaque;
    if (cpu_index >= 0 && (unsigned)cpu_index < w->ncpus)
        w->cpu_env[cpu_index] = cpu_env;
    if (w->board_reset_hook)
        w->board_reset_hook(w->board_reset_opaque, cpu_index, cpu_env);
}

static void wiring_powerdown(void *opaque)
{
    MonitorWiring *w = opaque;
    pc_board_power_button(w->board);
}

static void wiring_cpu_dump(void *opaque, int cpu_index, FILE *out)
{
    MonitorWiring *w = opaque;
    if (w->cpu_env[cpu_index])
        x86_cpu_dump(w->cpu_env[cpu_index], out);
}

static bool wiring_linear_to_phys(void *opaque, int cpu_index, uint64_t linear, uint64_t *phys)
{
    MonitorWiring *w = opaque;
    return w->cpu_env[cpu_index] && x86_translate_debug(w->cpu_env[cpu_index], linear, phys);
}

/* A device wrote guest RAM by DMA: code translated from there is stale (all vCPUs
 * share one translation cache, which each CPU names). Runs on the main loop with the
 * machine lock held. */
static void wiring_dma_written(void *opaque, uint64_t gpa, uint64_t len)
{
    MonitorWiring *w = opaque;
    CPUX86State *env = w->cpu_env[0];
    if (env && env->cpu->tb_cache)
        tb_cache_invalidate_range(env->cpu->tb_cache, gpa, len);
}

/* What the main loop needs to finish the board's block requests. */
typedef struct BlockWiring {
    Machine *m;
    AioContext *aio;
} BlockWiring;

/* The block I/O pool finished requests: their completions touch device state, so they
 * run under the machine lock (block/aio.h). */
static void block_completions_ready(void *opaque, int fd, short revents)
{
    (void)fd;
    (void)revents;
    BlockWiring *bw = opaque;
    Machine *m = bw->m;
    AioContext *aio = bw->aio;
    pthread_mutex_lock(&m->lock);
    aio_context_run_completions(aio);
    pthread_mutex_unlock(&m->lock);
}

/* What the gdb stub reaches through main: the vCPUs' state, the translation cache and
 * the text monitor (for gdb's "monitor" command). */
typedef struct GdbWiring {
    MonitorWiring *w;
    Monitors *mons;
} GdbWiring;

static CPUX86State *gdb_wiring_cpu_env(void *opaque, int cpu_index)
{
    GdbWiring *g = opaque;
    return cpu_index >= 0 && (unsigned)cpu_index < g->w->ncpus ? g->w->cpu_env[cpu_index] : NULL;
}

static void gdb_wiring_flush_code(void *opaque)
{
    GdbWiring *g = opaque;
    CPUX86State *env = g->w->cpu_env[0];
    if (env && env->cpu->tb_cache)
        tb_cache_flush(env->cpu->tb_cache);
}

static void gdb_wiring_phys_written(void *opaque, uint64_t gpa, uint64_t len)
{
    GdbWiring *g = opaque;
    wiring_dma_written(g->w, gpa, len);
}

static void gdb_wiring_monitor(void *opaque, const char *line, GString *out)
{
    GdbWiring *g = opaque;
    monitors_execute_hmp(g->mons, line, out);
}

static GdbStub *open_gdbstub(MainLoop *loop, const MachineConfig *cfg, GdbWiring *gw)
{
    GdbMachineOps ops = {
        .opaque = gw,
        .ncpus = cfg->smp,
        .cpu_env = gdb_wiring_cpu_env,
        .flush_code = gdb_wiring_flush_code,
        .phys_written = gdb_wiring_phys_written,
        .monitor_command = gdb_wiring_monitor,
    };
    GdbStub *gdb = gdbstub_new(loop, &ops);
    char err[256] = "out of memory";
    const MonitorConfig *mc = &cfg->gdb_socket;
    int r = -1;
    if (gdb && mc->transport == MONITOR_UNIX)
        r = gdbstub_listen_unix(gdb, mc->path, err, sizeof(err));
    else if (gdb)
        r = gdbstub_listen_tcp(gdb, mc->host, mc->port, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "pacifica: -gdb %s\n", err);
        gdbstub_free(gdb);
        return NULL;
    }
    return gdb;
}

static int open_monitors(Monitors *mons, const MachineConfig *cfg)
{
    char err[256];
    for (unsigned i = 0; i < cfg->nmonitors; i++) {
        const MonitorConfig *mc = &cfg->monitors[i];
        int r;
        switch (mc->transport) {
        case MONITOR_STDIO: r = monitors_add_stdio(mons, mc->qmp, err, sizeof(err)); break;
        case MONITOR_UNIX:
            r = monitors_add_unix(mons, mc->qmp, mc->path, mc->wait, err, sizeof(err));
            break;
        default:
            r = monitors_add_tcp(mons, mc->qmp, mc->host, mc->port, mc->wait, err, sizeof(err));
            break;
        }
        if (r < 0) {
            fprintf(stderr, "pacifica: %s %s\n", mc->qmp ? "-qmp" : "-monitor", err);
            return -1;
        }
    }
    return 0;
}

/* Ctrl-A x on a mon:stdio terminal: ends the process as QEMU does (status 0). */
static void mux_quit(void *opaque)
{
    main_loop_request_shutdown(opaque, SHUTDOWN_CAUSE_HOST_UI, 0);
}

/* A text monitor on each mon:stdio chardev (COM1 by default under -nographic). */
static int attach_mux_monitors(Machine *m, Monitors *mons, MainLoop *loop)
{
    for (unsigned i = 0; i < m->nchardevs; i++) {
        Chardev *chr = m->chardevs[i];
        if (!chardev_is_mux(chr))
            continue;
        char err[256];
        if (monitors_add_mux(mons, chr, err, sizeof(err)) < 0) {
            fprintf(stderr, "pacifica: mon:stdio: %s\n", err);
            return -1;
        }
        chardev_mux_set_quit(chr, mux_quit, loop);
    }
    return 0;
}

int main(int argc, char **argv)
{
    MachineConfig cfg;
    /* Output to a closed pipe (serial on a pipeline) drops bytes, never kills us. */
    signal(SIGPIPE, SIG_IGN);
    switch (options_parse(&cfg, argc, argv, stdout, stderr)) {
    case OPTIONS_EXIT: return 0;
    case OPTIONS_ERROR: return 2;
    default: break;
    }
    if (pc_device_help(&cfg, stdout))
        return 0;
    if (!pc_check_devices(&cfg, stderr))
        return 2;
    if (!pc_net_check_options(&cfg, stderr))
        return 2;
    char err[256];
    /* Before any thread exists: a fork keeps only the calling one. */
    Daemon daemon = {.ready_fd = -1};
    if (cfg.daemonize && process_daemonize_start(&daemon, err, sizeof(err)) < 0) {
        fprintf(stderr, "pacifica: %s\n", err);
        return 1;
    }
    Pidfile pidfile = {.fd = -1};
    if (cfg.pidfile && pidfile_create(&pidfile, cfg.pidfile, err, sizeof(err)) < 0) {
        fprintf(stderr, "pacifica: %s\n", err);
        return 1;
    }

    /* A Machine is large (memory maps, locks); it lives on the heap. */
    Machine *m = calloc(1, sizeof(*m));
    if (!m || machine_init(m, &cfg) < 0)
        return 1;
    PCBoard *board = pc_board_create(m);
    if (!board) {
        machine_destroy(m);
        free(m);
        return 1;
    }
    MonitorWiring wiring = {
        .board = board,
        .cpu_env = calloc(cfg.smp, sizeof(CPUX86State *)),
        .ncpus = cfg.smp,
        .board_reset_hook = m->cpu_reset_hook,
        .board_reset_opaque = m->cpu_reset_opaque,
    };
    m->cpu_reset_hook = wiring_cpu_reset;
    m->cpu_reset_opaque = &wiring;

    const AccelOps *accel = &accel_tcg_ops;
    void *state = accel->create(m);
    if (!state) {
        fprintf(stderr, "pacifica: cannot create the %s accelerator\n", accel->name);
        return 1;
    }
    MainLoop *loop = main_loop_new(m, accel, state);
    MonitorMachineOps ops = {
        .opaque = &wiring,
        .system_powerdown = wiring_powerdown,
        .cpu_dump = wiring_cpu_dump,
        .cpu_linear_to_phys = wiring_linear_to_phys,
    };
    Monitors *mons = loop ? monitors_new(loop, &ops) : NULL;
    if (!mons || open_monitors(mons, &cfg) < 0 || attach_mux_monitors(m, mons, loop) < 0)
        return 1;
    GdbWiring gdb_wiring = {&wiring, mons};
    GdbStub *gdb = cfg.gdb ? open_gdbstub(loop, &cfg, &gdb_wiring) : NULL;
    if (cfg.gdb && !gdb)
        return 1;
    if (cfg.start_paused)
        main_loop_start_paused(loop);
    BlockWiring block_wiring = {m, pc_board_aio(board)};
    if (block_wiring.aio && main_loop_add_fd(loop, aio_context_fd(block_wiring.aio), POLLIN,
                                             block_completions_ready, &block_wiring) < 0)
        return 1;
    pc_board_set_dma_written_hook(board, wiring_dma_written, &wiring);
    NetStack *net = pc_board_net(board);
    if (net_stack_start(net, loop) < 0)
        return 1;
    machine_reset_devices(m);
    process_daemonize_finish(&daemon);
    int status = main_loop_exec(loop);
    /* The vCPUs' state goes with the accelerator; requests drained after that must not
     * reach it. */
    pc_board_set_dma_written_hook(board, NULL, NULL);
    if (block_wiring.aio)
        main_loop_remove_fd(loop, aio_context_fd(block_wiring.aio));
    gdbstub_free(gdb);
    net_stack_stop(net);
    monitors_free(mons);
    main_loop_free(loop);
    accel->destroy(state);
    pc_board_destroy(board);
    machine_destroy(m);
    free(m);
    free(wiring.cpu_env);
    pidfile_remove(&pidfile);
    return status;
}
