/* QMP protocol layer: bytes in, replies and events out (monitor/qmp.c), on a machine
 * with a fake accelerator and fake board hooks. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/internal.h"

typedef struct FakeAccel {
    int starts, stops, resets;
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
    ((FakeAccel *)opaque)->resets++;
}

static const AccelOps fake_accel_ops = {
    .name = "fake", .start = fake_start, .stop = fake_stop, .reset = fake_reset};

typedef struct Fixture {
    MachineConfig cfg;
    Machine m;
    FakeAccel accel;
    MainLoop *loop;
    MonitorMachine mm;
    int powerdowns;
    QmpSession *s;
    GString *out; /* everything the session sent */
    size_t read_pos;
} Fixture;

static void fake_powerdown(void *opaque)
{
    ((Fixture *)opaque)->powerdowns++;
}

static long fake_thread_id(void *opaque, int cpu_index)
{
    (void)opaque;
    return 1000 + cpu_index;
}

static void capture(void *opaque, const char *data, size_t len)
{
    g_string_append_len(((Fixture *)opaque)->out, data, (gssize)len);
}

static Fixture *fixture_new(bool with_hooks)
{
    Fixture *f = g_new0(Fixture, 1);
    f->cfg = (MachineConfig){.ram_size = 1 << 20, .smp = 2, .cpu_model = "qemu64"};
    g_assert_cmpint(machine_init(&f->m, &f->cfg), ==, 0);
    f->loop = main_loop_new(&f->m, &fake_accel_ops, &f->accel);
    f->mm = (MonitorMachine){.machine = &f->m, .loop = f->loop};
    if (with_hooks) {
        f->mm.ops = (MonitorMachineOps){
            .opaque = f, .system_powerdown = fake_powerdown, .cpu_thread_id = fake_thread_id};
    }
    f->out = g_string_new(NULL);
    f->s = qmp_session_new(&f->mm, capture, f);
    qmp_session_open(f->s);
    return f;
}

static void fixture_free(Fixture *f)
{
    qmp_session_free(f->s);
    main_loop_free(f->loop);
    machine_destroy(&f->m);
    g_string_free(f->out, true);
    g_free(f);
}

static void feed(Fixture *f, const char *text)
{
    qmp_session_feed(f->s, (const uint8_t *)text, strlen(text));
}

/* The next line the session sent, parsed; fails the test if there is none. */
static JsonNode *next_message(Fixture *f)
{
    const char *start = f->out->str + f->read_pos;
    const char *nl = strchr(start, '\n');
    g_assert_nonnull(nl);
    size_t len = (size_t)(nl - start);
    f->read_pos += len + 1;
    /* RFC 8259 §8.1: JSON text exchanged between systems is UTF-8. */
    g_assert_true(g_utf8_validate(start, (gssize)len, NULL));
    JsonParser *p = json_parser_new();
    GError *error = NULL;
    g_assert_true(json_parser_load_from_data(p, start, (gssize)len, &error));
    g_assert_no_error(error);
    JsonNode *root = json_node_copy(json_parser_get_root(p));
    g_object_unref(p);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    return root;
}

static bool has_pending_output(const Fixture *f)
{
    return f->read_pos < f->out->len;
}

/* Checks the next message is an error of class cls whose desc contains desc_part. */
static void expect_error(Fixture *f, const char *cls, const char *desc_part)
{
    JsonNode *msg = next_message(f);
    JsonObject *obj = json_node_get_object(msg);
    g_assert_true(json_object_has_member(obj, "error"));
    JsonObject *err = json_object_get_object_member(obj, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, cls);
    const char *desc = json_object_get_string_member(err, "desc");
    if (!strstr(desc, desc_part))
        g_error("error desc '%s' lacks '%s'", desc, desc_part);
    json_node_unref(msg);
}

/* The next message must be a successful reply: returns its "return" value (copy). */
static JsonNode *expect_return(Fixture *f)
{
    JsonNode *msg = next_message(f);
    JsonObject *obj = json_node_get_object(msg);
    if (!json_object_has_member(obj, "return"))
        g_error("expected a return, got %s", json_to_string(msg, false));
    JsonNode *ret = json_node_copy(json_object_get_member(obj, "return"));
    json_node_unref(msg);
    return ret;
}

static void expect_empty_return(Fixture *f)
{
    JsonNode *ret = expect_return(f);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    g_assert_cmpuint(json_object_get_size(json_node_get_object(ret)), ==, 0);
    json_node_unref(ret);
}

static void expect_event(Fixture *f, const char *name)
{
    JsonNode *msg = next_message(f);
    JsonObject *obj = json_node_get_object(msg);
    g_assert_cmpstr(json_object_get_string_member(obj, "event"), ==, name);
    JsonObject *ts = json_object_get_object_member(obj, "timestamp");
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >, 1500000000);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <, 1000000);
    json_node_unref(msg);
}

static void skip_greeting(Fixture *f)
{
    json_node_unref(next_message(f));
}

static void negotiate(Fixture *f)
{
    skip_greeting(f);
    feed(f, "{\"execute\": \"qmp_capabilities\"}\n");
    expect_empty_return(f);
}

static Fixture *negotiated_fixture(void)
{
    Fixture *f = fixture_new(true);
    negotiate(f);
    return f;
}

/* ---- greeting and negotiation ---- */

static void test_greeting(void)
{
    Fixture *f = fixture_new(true);
    JsonNode *msg = next_message(f);
    JsonObject *qmp = json_object_get_object_member(json_node_get_object(msg), "QMP");
    g_assert_nonnull(qmp);
    JsonObject *version = json_object_get_object_member(qmp, "version");
    JsonObject *qemu = json_object_get_object_member(version, "qemu");
    g_assert_true(json_object_has_member(qemu, "major"));
    g_assert_true(json_object_has_member(qemu, "minor"));
    g_assert_true(json_object_has_member(qemu, "micro"));
    g_assert_true(json_object_has_member(version, "package"));
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(qmp, "capabilities")), ==,
                     0);
    json_node_unref(msg);
    g_assert_false(has_pending_output(f));
    fixture_free(f);
}

static void test_commands_wait_for_negotiation(void)
{
    Fixture *f = fixture_new(true);
    skip_greeting(f);
    feed(f, "{\"execute\": \"stop\", \"id\": 1}");
    JsonNode *msg = next_message(f);
    JsonObject *obj = json_node_get_object(msg);
    g_assert_cmpint(json_object_get_int_member(obj, "id"), ==, 1);
    JsonObject *err = json_object_get_object_member(obj, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, "CommandNotFound");
    g_assert_cmpstr(json_object_get_string_member(err, "desc"), ==,
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
    json_node_unref(msg);
    /* The command did not run. */
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_RUNNING);

    feed(f, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}");
    expect_error(f, "GenericError", "Capability 'oob' not available");
    feed(f, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"fast\"]}}");
    expect_error(f, "GenericError", "does not accept value 'fast'");
    feed(f, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": \"oob\"}}");
    expect_error(f, "GenericError", "Invalid parameter type for 'enable'");
    feed(f, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": []}}");
    expect_empty_return(f);
    feed(f, "{\"execute\": \"qmp_capabilities\"}");
    expect_error(f, "CommandNotFound", "Capabilities negotiation is already complete");
    fixture_free(f);
}

/* ---- request checking ---- */

static void test_malformed_requests(void)
{
    Fixture *f = negotiated_fixture();
    static const struct {
        const char *input;
        const char *desc;
    } cases[] = {
        {"{\"execute\": }", "JSON parse error"},
        {"{\"execute\": \"stop\",}", "JSON parse error"},
        {"[1, 2]", "QMP input must be a JSON object"},
        {"42 ", "QMP input must be a JSON object"},
        {"\"stop\"", "QMP input must be a JSON object"},
        {"nonsense ", "JSON parse error"},
        {"}", "JSON parse error, stray '}'"},
        {"{\"execute\": 1}", "QMP input member 'execute' must be a string"},
        {"{\"execute\": \"stop\", \"arguments\": []}",
         "QMP input member 'arguments' must be an object"},
        {"{\"exec\": \"stop\"}", "QMP input member 'exec' is unexpected"},
        {"{\"exec-oob\": \"stop\"}", "QMP input member 'exec-oob' is unexpected"},
        {"{}", "QMP input lacks member 'execute'"},
        {"{\"id\": 5}", "QMP input lacks member 'execute'"},
        {"{\"execute\": \"stop\"]", "JSON parse error"},
        {"{\"execute\": \"\xff\xfe\"}", "JSON parse error"},
        {"{\"execute\": \"st\xc3\"}", "JSON parse error"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        feed(f, cases[i].input);
        expect_error(f, "GenericError", cases[i].desc);
        g_assert_false(has_pending_output(f));
    }
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_RUNNING);
    g_assert_false(atomic_load(&f->m.exit_requested));
    fixture_free(f);
}

static void test_unknown_command(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"frobnicate\", \"id\": \"x\"}");
    JsonNode *msg = next_message(f);
    JsonObject *obj = json_node_get_object(msg);
    g_assert_cmpstr(json_object_get_string_member(obj, "id"), ==, "x");
    JsonObject *err = json_object_get_object_member(obj, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, "CommandNotFound");
    g_assert_cmpstr(json_object_get_string_member(err, "desc"), ==,
                    "The command frobnicate has not been found");
    json_node_unref(msg);
    fixture_free(f);
}

static void test_argument_checks(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"human-monitor-command\"}");
    expect_error(f, "GenericError", "Parameter 'command-line' is missing");
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": 3}}");
    expect_error(f, "GenericError", "Invalid parameter type for 'command-line', expected: string");
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"info status\", \"cpu-index\": \"0\"}}");
    expect_error(f, "GenericError", "Invalid parameter type for 'cpu-index', expected: integer");
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"info status\", \"cpu-index\": 1.5}}");
    expect_error(f, "GenericError", "expected: integer");
    feed(f, "{\"execute\": \"query-status\", \"arguments\": {\"verbose\": true}}");
    expect_error(f, "GenericError", "Parameter 'verbose' is unexpected");
    feed(f, "{\"execute\": \"stop\", \"arguments\": {\"now\": null}}");
    expect_error(f, "GenericError", "Parameter 'now' is unexpected");
    g_assert_cmpint(main_loop_run_state(f->loop), ==, RUN_STATE_RUNNING);
    fixture_free(f);
}

/* The id comes back as it was sent, whatever JSON it is, on replies and errors. */
static void test_id_echo(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"id\": {\"seq\": [1, \"two\"]}, \"execute\": \"query-block\"}");
    JsonNode *msg = next_message(f);
    JsonObject *id = json_object_get_object_member(json_node_get_object(msg), "id");
    JsonArray *seq = json_object_get_array_member(id, "seq");
    g_assert_cmpint(json_array_get_int_element(seq, 0), ==, 1);
    g_assert_cmpstr(json_array_get_string_element(seq, 1), ==, "two");
    json_node_unref(msg);
    feed(f, "{\"execute\": \"query-block\"}");
    msg = next_message(f);
    g_assert_false(json_object_has_member(json_node_get_object(msg), "id"));
    json_node_unref(msg);
    fixture_free(f);
}

/* ---- framing ---- */

static void test_framing(void)
{
    Fixture *f = negotiated_fixture();
    /* Two requests in one read, no newline between them. */
    feed(f, "{\"execute\":\"query-block\"}{\"execute\":\"query-block\",\"id\":2}");
    json_node_unref(expect_return(f));
    json_node_unref(expect_return(f));
    /* One request split across reads at every byte. */
    const char *req = "{\"execute\": \"query-status\", \"id\": \"a}b\\\"{\"}";
    for (size_t i = 0; req[i]; i++) {
        char one[2] = {req[i], 0};
        feed(f, one);
        if (req[i + 1])
            g_assert_false(has_pending_output(f));
    }
    JsonNode *msg = next_message(f);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(msg), "id"), ==, "a}b\"{");
    json_node_unref(msg);
    /* Whitespace and CRLF between requests are fine. */
    feed(f, " \r\n\t{\"execute\":\"query-block\"}\r\n");
    json_node_unref(expect_return(f));
    g_assert_false(has_pending_output(f));
    fixture_free(f);
}

static void test_huge_message(void)
{
    Fixture *f = negotiated_fixture();
    GString *big = g_string_new("{\"execute\": \"human-monitor-command\", \"arguments\": "
                                "{\"command-line\": \"");
    while (big->len <= QMP_MAX_MESSAGE + 100)
        g_string_append(big, "info status {[ ");
    g_string_append(big, "\"}}");
    feed(f, big->str);
    expect_error(f, "GenericError", "exceeds the limit");
    /* One error for the whole text, and the stream is usable again. */
    g_assert_false(has_pending_output(f));
    feed(f, "{\"execute\": \"query-block\"}");
    json_node_unref(expect_return(f));
    g_string_free(big, true);

    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 5000; i++)
        g_string_append_c(deep, '[');
    for (int i = 0; i < 5000; i++)
        g_string_append_c(deep, ']');
    feed(f, deep->str);
    expect_error(f, "GenericError", "nesting depth limit exceeded");
    g_assert_false(has_pending_output(f));
    feed(f, "{\"execute\": \"query-block\"}");
    json_node_unref(expect_return(f));
    g_string_free(deep, true);
    fixture_free(f);
}

/* Random bytes and mangled requests never crash the session or change the VM; after a
 * reconnect (which forgets a half-framed text) the session works again. */
static void test_fuzz(void)
{
    Fixture *f = negotiated_fixture();
    GRand *rand = g_rand_new_with_seed(20260607);
    static const char *pieces[] = {
        "{",         "}",
        "[",         "]",
        "\"",        "\\",
        ":",         ",",
        "execute",   "\"stop\"",
        "arguments", "id",
        "null",      "1e999",
        "-",         "\xff",
        "\xc3",      "\x00",
        " ",         "\n",
        "true",      "{\"execute\":",
    };
    for (int round = 0; round < 200; round++) {
        GString *junk = g_string_new(NULL);
        int n = g_rand_int_range(rand, 1, 64);
        for (int i = 0; i < n; i++) {
            if (g_rand_boolean(rand))
                g_string_append_c(junk, (char)g_rand_int_range(rand, 0, 256));
            else
                g_string_append(junk, pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))]);
        }
        qmp_session_feed(f->s, (const uint8_t *)junk->str, junk->len);
        g_string_free(junk, true);
        /* Whatever came out is one JSON text per line. */
        while (has_pending_output(f))
            json_node_unref(next_message(f));
        if (round % 20 == 19) {
            qmp_session_close(f->s);
            qmp_session_open(f->s);
            negotiate(f);
        }
    }
    g_rand_free(rand);
    qmp_session_close(f->s);
    qmp_session_open(f->s);
    negotiate(f);
    feed(f, "{\"execute\": \"query-status\"}");
    JsonNode *ret = expect_return(f);
    g_assert_true(json_object_get_boolean_member(json_node_get_object(ret), "running"));
    json_node_unref(ret);
    g_assert_false(atomic_load(&f->m.exit_requested));
    g_assert_false(atomic_load(&f->m.reset_requested));
    fixture_free(f);
}

/* A client that vanishes mid-message: the next client starts clean. */
static void test_disconnect_mid_message(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"qu");
    qmp_session_close(f->s);
    g_assert_false(has_pending_output(f));
    qmp_session_open(f->s);
    skip_greeting(f);
    /* Had the half text survived, this would complete it into "quit" garbage. */
    feed(f, "{\"execute\": \"query-block\"}");
    expect_error(f, "CommandNotFound", "Expecting capabilities negotiation");
    g_assert_false(atomic_load(&f->m.exit_requested));
    fixture_free(f);
}

/* ---- commands ---- */

static void expect_status(Fixture *f, bool running, const char *status)
{
    feed(f, "{\"execute\": \"query-status\"}");
    JsonNode *ret = expect_return(f);
    JsonObject *info = json_node_get_object(ret);
    g_assert_cmpint(json_object_get_boolean_member(info, "running"), ==, running);
    g_assert_false(json_object_get_boolean_member(info, "singlestep"));
    g_assert_cmpstr(json_object_get_string_member(info, "status"), ==, status);
    json_node_unref(ret);
}

static void test_stop_cont_events(void)
{
    Fixture *f = negotiated_fixture();
    expect_status(f, true, "running");
    feed(f, "{\"execute\": \"stop\"}");
    expect_event(f, "STOP");
    expect_empty_return(f);
    expect_status(f, false, "paused");
    /* Stopping a stopped VM changes nothing and sends no event. */
    feed(f, "{\"execute\": \"stop\"}");
    expect_empty_return(f);
    g_assert_false(has_pending_output(f));
    feed(f, "{\"execute\": \"cont\"}");
    expect_event(f, "RESUME");
    expect_empty_return(f);
    g_assert_cmpint(f->accel.starts, ==, 1);
    expect_status(f, true, "running");
    feed(f, "{\"execute\": \"stop\"}");
    expect_event(f, "STOP");
    expect_empty_return(f);
    g_assert_cmpint(f->accel.stops, ==, 1);
    fixture_free(f);
}

/* Events reach only clients that finished negotiation (as QEMU). */
static void test_no_events_before_negotiation(void)
{
    Fixture *f = fixture_new(true);
    skip_greeting(f);
    main_loop_vm_stop(f->loop);
    g_assert_false(has_pending_output(f));
    feed(f, "{\"execute\": \"qmp_capabilities\"}");
    expect_empty_return(f);
    main_loop_vm_start(f->loop);
    expect_event(f, "RESUME");
    fixture_free(f);
}

static void test_reset_and_quit(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"system_reset\"}");
    expect_empty_return(f);
    g_assert_true(atomic_load(&f->m.reset_requested));
    g_assert_false(atomic_load(&f->m.exit_requested));
    feed(f, "{\"execute\": \"quit\", \"id\": 9}");
    JsonNode *msg = next_message(f);
    g_assert_true(json_object_has_member(json_node_get_object(msg), "return"));
    json_node_unref(msg);
    g_assert_true(atomic_load(&f->m.exit_requested));
    g_assert_cmpint(f->m.exit_status, ==, 0);
    fixture_free(f);
}

static void test_powerdown(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"system_powerdown\"}");
    expect_event(f, "POWERDOWN");
    expect_empty_return(f);
    g_assert_cmpint(f->powerdowns, ==, 1);
    fixture_free(f);

    /* Without the board's hook: an error that says why, and no event. */
    f = fixture_new(false);
    negotiate(f);
    feed(f, "{\"execute\": \"system_powerdown\"}");
    expect_error(f, "GenericError", "no ACPI power button");
    g_assert_false(has_pending_output(f));
    fixture_free(f);
}

static void test_queries(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"query-version\"}");
    JsonNode *ret = expect_return(f);
    JsonObject *qemu = json_object_get_object_member(json_node_get_object(ret), "qemu");
    unsigned major, minor, micro;
    monitor_version(&major, &minor, &micro);
    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, major);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, minor);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, micro);
    json_node_unref(ret);

    feed(f, "{\"execute\": \"query-cpus-fast\"}");
    ret = expect_return(f);
    JsonArray *cpus = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(cpus), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *cpu = json_array_get_object_element(cpus, i);
        g_assert_cmpint(json_object_get_int_member(cpu, "cpu-index"), ==, i);
        g_assert_cmpint(json_object_get_int_member(cpu, "thread-id"), ==, 1000 + i);
        g_assert_cmpstr(json_object_get_string_member(cpu, "target"), ==, "x86_64");
        g_assert_nonnull(json_object_get_string_member(cpu, "qom-path"));
        JsonObject *props = json_object_get_object_member(cpu, "props");
        g_assert_cmpint(json_object_get_int_member(props, "socket-id"), ==, i);
    }
    json_node_unref(ret);

    feed(f, "{\"execute\": \"query-block\"}");
    ret = expect_return(f);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(ret)), ==, 0);
    json_node_unref(ret);

    feed(f, "{\"execute\": \"query-commands\"}");
    ret = expect_return(f);
    JsonArray *cmds = json_node_get_array(ret);
    static const char *const expected[] = {
        "qmp_capabilities", "query-status",     "query-version", "query-cpus-fast",
        "query-block",      "query-commands",   "stop",          "cont",
        "system_reset",     "system_powerdown", "quit",          "human-monitor-command",
        "screendump",       "device_add",       "device_del",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        bool found = false;
        for (guint j = 0; j < json_array_get_length(cmds); j++)
            found |= !strcmp(
                json_object_get_string_member(json_array_get_object_element(cmds, j), "name"),
                expected[i]);
        if (!found)
            g_error("query-commands lacks %s", expected[i]);
    }
    json_node_unref(ret);
    fixture_free(f);
}

static void test_human_monitor_command(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"info status\"}}");
    JsonNode *ret = expect_return(f);
    g_assert_cmpstr(json_node_get_string(ret), ==, "VM status: running\r\n");
    json_node_unref(ret);
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"stop\"}}");
    expect_event(f, "STOP");
    ret = expect_return(f);
    g_assert_cmpstr(json_node_get_string(ret), ==, "");
    json_node_unref(ret);
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"info cpus\", \"cpu-index\": 1}}");
    ret = expect_return(f);
    g_assert_cmpstr(json_node_get_string(ret), ==,
                    "  CPU #0: thread_id=1000\r\n* CPU #1: thread_id=1001\r\n");
    json_node_unref(ret);
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"info status\", \"cpu-index\": 2}}");
    expect_error(f, "GenericError", "Parameter 'cpu-index' expects a CPU number");
    /* A command line with a NUL (\u0000) and non-ASCII: the output stays valid UTF-8. */
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"\\u00e9t\\u0000\\u00ff\"}}");
    json_node_unref(expect_return(f));
    feed(f, "{\"execute\": \"human-monitor-command\", \"arguments\": "
            "{\"command-line\": \"bogus\"}}");
    ret = expect_return(f);
    g_assert_cmpstr(json_node_get_string(ret), ==, "unknown command: 'bogus'\r\n");
    json_node_unref(ret);
    fixture_free(f);
}

static void test_unsupported_devices_and_display(void)
{
    Fixture *f = negotiated_fixture();
    feed(f, "{\"execute\": \"screendump\", \"arguments\": {\"filename\": \"/tmp/x.ppm\"}}");
    expect_error(f, "GenericError", "no console");
    feed(f, "{\"execute\": \"screendump\"}");
    expect_error(f, "GenericError", "Parameter 'filename' is missing");
    feed(f, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"e1000\", \"id\": \"n\"}}");
    expect_error(f, "GenericError", "'e1000' cannot be hot-plugged");
    feed(f, "{\"execute\": \"device_add\", \"arguments\": {\"id\": \"n\"}}");
    expect_error(f, "GenericError", "Parameter 'driver' is missing");
    feed(f, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"net0\"}}");
    expect_error(f, "DeviceNotFound", "Device 'net0' not found");
    feed(f, "{\"execute\": \"device_del\", \"arguments\": {\"id\": 3}}");
    expect_error(f, "GenericError", "Invalid parameter type for 'id', expected: string");
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_commands_wait_for_negotiation);
    g_test_add_func("/qmp/malformed", test_malformed_requests);
    g_test_add_func("/qmp/unknown-command", test_unknown_command);
    g_test_add_func("/qmp/arguments", test_argument_checks);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    g_test_add_func("/qmp/framing", test_framing);
    g_test_add_func("/qmp/huge-message", test_huge_message);
    g_test_add_func("/qmp/fuzz", test_fuzz);
    g_test_add_func("/qmp/disconnect-mid-message", test_disconnect_mid_message);
    g_test_add_func("/qmp/stop-cont-events", test_stop_cont_events);
    g_test_add_func("/qmp/no-events-before-negotiation", test_no_events_before_negotiation);
    g_test_add_func("/qmp/reset-and-quit", test_reset_and_quit);
    g_test_add_func("/qmp/powerdown", test_powerdown);
    g_test_add_func("/qmp/queries", test_queries);
    g_test_add_func("/qmp/human-monitor-command", test_human_monitor_command);
    g_test_add_func("/qmp/unsupported", test_unsupported_devices_and_display);
    return g_test_run();
}
