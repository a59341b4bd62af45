/* Inside the monitor: the QMP and text-monitor sessions (protocol only: bytes in,
 * bytes out through a callback) that monitor/server.c puts on sockets, and the
 * machine-control helpers both protocols share. Also what the unit tests drive. */
#ifndef PACIFICA_MONITOR_INTERNAL_H
#define PACIFICA_MONITOR_INTERNAL_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "monitor/monitor.h"

/* Where a session's output goes (a client socket, or a test's buffer). */
typedef void MonitorOutputFn(void *opaque, const char *data, size_t len);

/* ---- QMP ---- */

/* The largest JSON text a client may send: far above any command, small enough that a
 * client cannot make the process hold much (QEMU's json-streamer has such limits). */
#define QMP_MAX_MESSAGE (1u << 20)
/* QEMU's json-streamer refuses deeper nesting too; it also bounds json-glib's recursion. */
#define QMP_MAX_DEPTH 1024

typedef struct QmpSession QmpSession;

/* A QMP session: listens for run-state events on mm->loop while it exists. */
QmpSession *qmp_session_new(MonitorMachine *mm, MonitorOutputFn *output, void *opaque);
void qmp_session_free(QmpSession *s);
/* A client connected: sends the greeting; commands wait for qmp_capabilities. */
void qmp_session_open(QmpSession *s);
/* The client went away: drops any partial input; no output until the next open. */
void qmp_session_close(QmpSession *s);
void qmp_session_feed(QmpSession *s, const uint8_t *data, size_t len);

/* The commands (qmp_commands.c). A handler returns the "return" value, or NULL after
 * filling err. */
typedef struct QmpError {
    const char *cls; /* QEMU's error class: "GenericError", "CommandNotFound", ... */
    char *desc;      /* g_malloc'd */
} QmpError;

typedef enum QmpArgType {
    QMP_ARG_STRING,
    QMP_ARG_INT,
    QMP_ARG_BOOL,
    QMP_ARG_STRING_LIST
} QmpArgType;

typedef struct QmpArgSpec {
    const char *name; /* NULL ends the list */
    QmpArgType type;
    bool optional;
} QmpArgSpec;

typedef JsonNode *QmpHandler(MonitorMachine *mm, JsonObject *args, QmpError *err);

typedef struct QmpCommand {
    const char *name;
    QmpHandler *handler;
    QmpArgSpec args[5];
    bool any_args; /* members beyond args are accepted (device_add's properties) */
} QmpCommand;

/* The commands available after capabilities negotiation (qmp_capabilities excepted,
 * which the session handles); NULL if name is none of them. */
const QmpCommand *qmp_find_command(const char *name);
/* All of them, for query-commands: count in *n. */
const QmpCommand *qmp_commands(size_t *n);
void qmp_error_set(QmpError *err, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the text monitor (HMP) ---- */

/* What a text monitor remembers between commands. */
typedef struct HmpState {
    int cpu_index;    /* the CPU "info registers" and "x" use (the "cpu" command) */
    char last_format; /* x/xp: format and unit size of the previous dump, as QEMU */
    unsigned last_size;
} HmpState;

void hmp_state_init(HmpState *st);
/* Runs one command line; appends its output to out with "\r\n" line ends (as QEMU's
 * monitor output, human-monitor-command's return value included). */
void hmp_execute(MonitorMachine *mm, HmpState *st, const char *line, GString *out);

/* A text monitor session on a byte stream: banner, prompt, one command per line. */
typedef struct HmpSession HmpSession;
HmpSession *hmp_session_new(MonitorMachine *mm, MonitorOutputFn *output, void *opaque);
void hmp_session_free(HmpSession *s);
void hmp_session_open(HmpSession *s);
void hmp_session_close(HmpSession *s);
void hmp_session_feed(HmpSession *s, const uint8_t *data, size_t len);

/* ---- machine control shared by both (monitor/control.c) ---- */

unsigned monitor_cpu_count(const MonitorMachine *mm);
/* The host thread id of a vCPU, or -1 when unknown. */
long monitor_cpu_thread_id(const MonitorMachine *mm, int cpu_index);
/* Presses the power button and sends POWERDOWN; false with a message in err if this
 * machine has no power button wired. */
bool monitor_system_powerdown(MonitorMachine *mm, GString *err);
/* Reads guest physical memory; false if any byte hit no memory (RAM, ROM or MMIO). */
bool monitor_read_phys(MonitorMachine *mm, uint64_t addr, uint8_t *buf, size_t len);
/* Reads through vCPU cpu_index's page tables; false if unmapped or no memory. */
bool monitor_read_linear(MonitorMachine *mm, int cpu_index, uint64_t addr, uint8_t *buf,
                         size_t len);
/* The version numbers reported by query-version and info version. */
void monitor_version(unsigned *major, unsigned *minor, unsigned *micro);
/* QEMU's VersionInfo.package: appended to the numbers by "info version". */
#define MONITOR_VERSION_PACKAGE " (Pacifica)"

#endif
