/* The QMP commands (names, arguments and return values of QEMU's QAPI schema, qapi/). */
#include <string.h>

#include "monitor/internal.h"

static JsonNode *empty_object(void)
{
    return json_node_init_object(json_node_alloc(), json_object_new());
}

static JsonNode *object_node(JsonObject *obj)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), obj);
    json_object_unref(obj);
    return node;
}

static JsonNode *array_node(JsonArray *array)
{
    JsonNode *node = json_node_init_array(json_node_alloc(), array);
    json_array_unref(array);
    return node;
}

/* ---- queries ---- */

/* qapi/run-state.json StatusInfo. "singlestep" is always false: Pacifica has no
 * single-step mode outside the gdb stub. */
static JsonNode *qmp_query_status(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args, (void)err;
    RunState state = main_loop_run_state(mm->loop);
    JsonObject *info = json_object_new();
    json_object_set_boolean_member(info, "running", state == RUN_STATE_RUNNING);
    json_object_set_boolean_member(info, "singlestep", false);
    json_object_set_string_member(info, "status", run_state_name(state));
    return object_node(info);
}

/* qapi/control.json VersionInfo; also the greeting's "version". */
static JsonNode *qmp_query_version(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)mm, (void)args, (void)err;
    unsigned major, minor, micro;
    monitor_version(&major, &minor, &micro);
    JsonObject *numbers = json_object_new();
    json_object_set_int_member(numbers, "micro", micro);
    json_object_set_int_member(numbers, "minor", minor);
    json_object_set_int_member(numbers, "major", major);
    JsonObject *info = json_object_new();
    json_object_set_object_member(info, "qemu", numbers);
    json_object_set_string_member(info, "package", MONITOR_VERSION_PACKAGE);
    return object_node(info);
}

/* qapi/machine.json CpuInfoFast. Every CPU is its own socket, as QEMU lays out
 * "-smp N" on the pc machine. */
static JsonNode *qmp_query_cpus_fast(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args, (void)err;
    JsonArray *cpus = json_array_new();
    for (unsigned i = 0; i < monitor_cpu_count(mm); i++) {
        JsonObject *props = json_object_new();
        json_object_set_int_member(props, "core-id", 0);
        json_object_set_int_member(props, "thread-id", 0);
        json_object_set_int_member(props, "socket-id", i);
        JsonObject *cpu = json_object_new();
        json_object_set_int_member(cpu, "cpu-index", i);
        char *path = g_strdup_printf("/machine/unattached/device[%u]", i);
        json_object_set_string_member(cpu, "qom-path", path);
        g_free(path);
        json_object_set_int_member(cpu, "thread-id", monitor_cpu_thread_id(mm, (int)i));
        json_object_set_object_member(cpu, "props", props);
        json_object_set_string_member(cpu, "target", "x86_64");
        json_array_add_object_element(cpus, cpu);
    }
    return array_node(cpus);
}

/* No block devices exist yet: an empty list, as QEMU answers without drives. */
static JsonNode *qmp_query_block(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)mm, (void)args, (void)err;
    return array_node(json_array_new());
}

static JsonNode *qmp_query_commands(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)mm, (void)args, (void)err;
    JsonArray *list = json_array_new();
    JsonObject *caps = json_object_new();
    json_object_set_string_member(caps, "name", "qmp_capabilities");
    json_array_add_object_element(list, caps);
    size_t n;
    const QmpCommand *cmds = qmp_commands(&n);
    for (size_t i = 0; i < n; i++) {
        JsonObject *info = json_object_new();
        json_object_set_string_member(info, "name", cmds[i].name);
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

/* ---- run state ---- */

static JsonNode *qmp_stop(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args, (void)err;
    main_loop_vm_stop(mm->loop);
    return empty_object();
}

static JsonNode *qmp_cont(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args;
    if (main_loop_vm_start(mm->loop) < 0) {
        qmp_error_set(err, "GenericError", "cannot start the vCPUs (see the emulator's stderr)");
        return NULL;
    }
    return empty_object();
}

static JsonNode *qmp_system_reset(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args, (void)err;
    main_loop_request_reset(mm->loop, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return empty_object();
}

static JsonNode *qmp_system_powerdown(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args;
    GString *why = g_string_new(NULL);
    bool ok = monitor_system_powerdown(mm, why);
    if (!ok)
        qmp_error_set(err, "GenericError", "%s", why->str);
    g_string_free(why, true);
    return ok ? empty_object() : NULL;
}

/* The reply goes out before the process ends: the main loop sees the exit request only
 * once this command has returned. */
static JsonNode *qmp_quit(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)args, (void)err;
    main_loop_request_shutdown(mm->loop, SHUTDOWN_CAUSE_HOST_QMP_QUIT, 0);
    return empty_object();
}

/* ---- the text monitor through QMP ---- */

static JsonNode *qmp_human_monitor_command(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    HmpState st;
    hmp_state_init(&st);
    if (json_object_has_member(args, "cpu-index")) {
        gint64 cpu = json_object_get_int_member(args, "cpu-index");
        if (cpu < 0 || cpu >= (gint64)monitor_cpu_count(mm)) {
            qmp_error_set(err, "GenericError", "Parameter 'cpu-index' expects a CPU number");
            return NULL;
        }
        st.cpu_index = (int)cpu;
    }
    GString *out = g_string_new(NULL);
    hmp_execute(mm, &st, json_object_get_string_member(args, "command-line"), out);
    JsonNode *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(ret, out->str);
    g_string_free(out, true);
    return ret;
}

/* ---- what this machine does not have yet ---- */

static JsonNode *qmp_screendump(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)mm, (void)args;
    /* QEMU's message when no console exists, and why none does. */
    qmp_error_set(err, "GenericError",
                  "There is no console to take a screendump from "
                  "(this machine has no display device yet)");
    return NULL;
}

static JsonNode *qmp_device_add(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)mm;
    qmp_error_set(err, "GenericError",
                  "Device '%s' cannot be hot-plugged: this machine has no hot-pluggable "
                  "devices yet",
                  json_object_get_string_member(args, "driver"));
    return NULL;
}

/* No device has an id that device_del could name: QEMU's answer for an unknown id. */
static JsonNode *qmp_device_del(MonitorMachine *mm, JsonObject *args, QmpError *err)
{
    (void)mm;
    qmp_error_set(err, "DeviceNotFound", "Device '%s' not found",
                  json_object_get_string_member(args, "id"));
    return NULL;
}

// clang-format off
static const QmpCommand command_table[] = {
    {"query-status", qmp_query_status, {{NULL}}, false},
    {"query-version", qmp_query_version, {{NULL}}, false},
    {"query-cpus-fast", qmp_query_cpus_fast, {{NULL}}, false},
    {"query-block", qmp_query_block, {{NULL}}, false},
    {"query-commands", qmp_query_commands, {{NULL}}, false},
    {"stop", qmp_stop, {{NULL}}, false},
    {"cont", qmp_cont, {{NULL}}, false},
    {"system_reset", qmp_system_reset, {{NULL}}, false},
    {"system_powerdown", qmp_system_powerdown, {{NULL}}, false},
    {"quit", qmp_quit, {{NULL}}, false},
    {"human-monitor-command", qmp_human_monitor_command,
     {{"command-line", QMP_ARG_STRING, false}, {"cpu-index", QMP_ARG_INT, true}, {NULL}}, false},
    {"screendump", qmp_screendump,
     {{"filename", QMP_ARG_STRING, false}, {"device", QMP_ARG_STRING, true},
      {"head", QMP_ARG_INT, true}, {"format", QMP_ARG_STRING, true}, {NULL}}, false},
    {"device_add", qmp_device_add, {{"driver", QMP_ARG_STRING, false}, {NULL}}, true},
    {"device_del", qmp_device_del, {{"id", QMP_ARG_STRING, false}, {NULL}}, false},
};
// clang-format on

const QmpCommand *qmp_commands(size_t *n)
{
    *n = G_N_ELEMENTS(command_table);
    return command_table;
}

const QmpCommand *qmp_find_command(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(command_table); i++)
        if (!strcmp(command_table[i].name, name))
            return &command_table[i];
    return NULL;
}
