/* A QMP session: greeting, capabilities negotiation, request checking and dispatch,
 * replies and events, as QEMU's docs/interop/qmp-spec describes them.
 *
 *   S: {"QMP": {"version": {...}, "capabilities": []}}
 *   C: {"execute": "qmp_capabilities"}        S: {"return": {}}
 *   C: {"execute": "stop", "id": 7}           S: {"return": {}, "id": 7}
 *                                             S: {"timestamp": {...}, "event": "STOP"}
 *
 * Errors are {"error": {"class": ..., "desc": ...}} with QEMU's classes and, where
 * QEMU has one, its wording; the request's "id" is echoed whenever the request was an
 * object. Nothing a client sends can stop the VM other than the commands that do. */
#include <stdarg.h>
#include <string.h>

#include "monitor/internal.h"
#include "monitor/json_stream.h"

struct QmpSession {
    MonitorMachine *mm;
    MonitorOutputFn *output;
    void *opaque;
    JsonStream stream;
    bool open;       /* a client is connected */
    bool negotiated; /* qmp_capabilities done: commands run, events flow */
};

void qmp_error_set(QmpError *err, const char *cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(err->desc);
    err->cls = cls;
    err->desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* ---- output ---- */

/* Sends one JSON text and its newline (QEMU ends every server message with one). */
static void send_node(QmpSession *s, JsonNode *node)
{
    if (!s->open)
        return;
    JsonGenerator *gen = json_generator_new();
    json_generator_set_root(gen, node);
    gsize len;
    gchar *text = json_generator_to_data(gen, &len);
    GString *line = g_string_new_len(text, (gssize)len);
    g_string_append_c(line, '\n');
    s->output(s->opaque, line->str, line->len);
    g_string_free(line, true);
    g_free(text);
    g_object_unref(gen);
}

static void send_object(QmpSession *s, JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, obj);
    send_node(s, node);
    json_node_unref(node);
}

/* Replies with "return" (taking ret) and the request's id, if any. */
static void send_return(QmpSession *s, JsonNode *ret, JsonNode *id)
{
    JsonObject *reply = json_object_new();
    json_object_set_member(reply, "return", ret);
    if (id)
        json_object_set_member(reply, "id", json_node_copy(id));
    send_object(s, reply);
}

static void send_error(QmpSession *s, const QmpError *err, JsonNode *id)
{
    JsonObject *error = json_object_new();
    json_object_set_string_member(error, "class", err->cls);
    json_object_set_string_member(error, "desc", err->desc);
    JsonObject *reply = json_object_new();
    json_object_set_object_member(reply, "error", error);
    if (id)
        json_object_set_member(reply, "id", json_node_copy(id));
    send_object(s, reply);
}

static void send_generic_error(QmpSession *s, const char *desc)
{
    QmpError err = {.cls = "GenericError", .desc = (char *)desc};
    send_error(s, &err, NULL);
}

/* {"QMP": {"version": {"qemu": {...}, "package": ...}, "capabilities": []}}: no
 * capability (out-of-band execution) is offered. */
static void send_greeting(QmpSession *s)
{
    JsonObject *qmp = json_object_new();
    const QmpCommand *query_version = qmp_find_command("query-version");
    json_object_set_member(qmp, "version", query_version->handler(s->mm, NULL, NULL));
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    JsonObject *greeting = json_object_new();
    json_object_set_object_member(greeting, "QMP", qmp);
    send_object(s, greeting);
}

/* ---- events ---- */

static const char *event_name(RunEventKind kind)
{
    switch (kind) {
    case RUN_EVENT_STOP: return "STOP";
    case RUN_EVENT_RESUME: return "RESUME";
    case RUN_EVENT_RESET: return "RESET";
    case RUN_EVENT_SHUTDOWN: return "SHUTDOWN";
    case RUN_EVENT_POWERDOWN: return "POWERDOWN";
    }
    return "UNKNOWN";
}

/* {"timestamp": {"seconds": S, "microseconds": U}, "event": NAME[, "data": {...}]}:
 * host wall-clock time, as QEMU stamps events. RESET and SHUTDOWN carry
 * {"guest": bool, "reason": cause} (qapi/run-state.json). */
static void on_run_event(void *opaque, const RunEvent *ev)
{
    QmpSession *s = opaque;
    if (!s->open || !s->negotiated)
        return;
    gint64 now = g_get_real_time();
    JsonObject *timestamp = json_object_new();
    json_object_set_int_member(timestamp, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(timestamp, "microseconds", now % G_USEC_PER_SEC);
    JsonObject *msg = json_object_new();
    json_object_set_object_member(msg, "timestamp", timestamp);
    json_object_set_string_member(msg, "event", event_name(ev->kind));
    if (ev->kind == RUN_EVENT_RESET || ev->kind == RUN_EVENT_SHUTDOWN) {
        JsonObject *data = json_object_new();
        json_object_set_boolean_member(data, "guest", shutdown_cause_is_guest(ev->cause));
        json_object_set_string_member(data, "reason", shutdown_cause_name(ev->cause));
        json_object_set_object_member(msg, "data", data);
    }
    send_object(s, msg);
}

/* ---- request checking ---- */

static bool node_is_string(JsonNode *node)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

/* QMP spec §2.3: {"execute": string, "arguments"?: object, "id"?: any}, nothing else
 * (QEMU's qmp_dispatch_check_obj, wording included). Returns the command name. */
static const char *check_request(JsonNode *root, QmpError *err)
{
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        qmp_error_set(err, "GenericError", "QMP input must be a JSON object");
        return NULL;
    }
    JsonObject *req = json_node_get_object(root);
    const char *command = NULL;
    GList *members = json_object_get_members(req);
    for (GList *l = members; l; l = l->next) {
        const char *name = l->data;
        JsonNode *value = json_object_get_member(req, name);
        if (!strcmp(name, "execute")) {
            if (!node_is_string(value)) {
                qmp_error_set(err, "GenericError", "QMP input member 'execute' must be a string");
                break;
            }
            command = json_node_get_string(value);
        } else if (!strcmp(name, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(value)) {
                qmp_error_set(err, "GenericError",
                              "QMP input member 'arguments' must be an object");
                break;
            }
        } else if (strcmp(name, "id") != 0) {
            qmp_error_set(err, "GenericError", "QMP input member '%s' is unexpected", name);
            break;
        }
    }
    g_list_free(members);
    if (err->desc)
        return NULL;
    if (!command)
        qmp_error_set(err, "GenericError", "QMP input lacks member 'execute'");
    return command;
}

static bool arg_has_type(JsonNode *value, QmpArgType type)
{
    if (!JSON_NODE_HOLDS_VALUE(value)) {
        if (type != QMP_ARG_STRING_LIST || !JSON_NODE_HOLDS_ARRAY(value))
            return false;
        JsonArray *list = json_node_get_array(value);
        for (guint i = 0; i < json_array_get_length(list); i++)
            if (!node_is_string(json_array_get_element(list, i)))
                return false;
        return true;
    }
    GType t = json_node_get_value_type(value);
    switch (type) {
    case QMP_ARG_STRING: return t == G_TYPE_STRING;
    case QMP_ARG_INT: return t == G_TYPE_INT64;
    case QMP_ARG_BOOL: return t == G_TYPE_BOOLEAN;
    case QMP_ARG_STRING_LIST: return false;
    }
    return false;
}

static const char *arg_type_name(QmpArgType type)
{
    switch (type) {
    case QMP_ARG_STRING: return "string";
    case QMP_ARG_INT: return "integer";
    case QMP_ARG_BOOL: return "boolean";
    case QMP_ARG_STRING_LIST: return "array of strings";
    }
    return "value";
}

static bool command_takes(const QmpCommand *cmd, const char *name)
{
    for (const QmpArgSpec *a = cmd->args; a->name; a++)
        if (!strcmp(a->name, name))
            return true;
    return false;
}

/* The argument checks of QEMU's input visitor, with its messages: declared arguments
 * first (missing, wrong type), then anything undeclared. */
static bool check_arguments(const QmpCommand *cmd, JsonObject *args, QmpError *err)
{
    for (const QmpArgSpec *a = cmd->args; a->name; a++) {
        JsonNode *value = json_object_get_member(args, a->name);
        if (!value) {
            if (a->optional)
                continue;
            qmp_error_set(err, "GenericError", "Parameter '%s' is missing", a->name);
            return false;
        }
        if (!arg_has_type(value, a->type)) {
            qmp_error_set(err, "GenericError", "Invalid parameter type for '%s', expected: %s",
                          a->name, arg_type_name(a->type));
            return false;
        }
    }
    if (cmd->any_args)
        return true;
    bool ok = true;
    GList *members = json_object_get_members(args);
    for (GList *l = members; l && ok; l = l->next) {
        if (!command_takes(cmd, l->data)) {
            qmp_error_set(err, "GenericError", "Parameter '%s' is unexpected",
                          (const char *)l->data);
            ok = false;
        }
    }
    g_list_free(members);
    return ok;
}

/* ---- qmp_capabilities ---- */

static const QmpCommand capabilities_command = {
    .name = "qmp_capabilities",
    .args = {{"enable", QMP_ARG_STRING_LIST, true}},
};

/* Leaves negotiation mode. QEMU's only capability, "oob", is not offered here. */
static JsonNode *negotiate(QmpSession *s, JsonObject *args, QmpError *err)
{
    JsonArray *enable = json_object_has_member(args, "enable")
                            ? json_object_get_array_member(args, "enable")
                            : NULL;
    for (guint i = 0; enable && i < json_array_get_length(enable); i++) {
        const char *cap = json_array_get_string_element(enable, i);
        if (!strcmp(cap, "oob"))
            qmp_error_set(err, "GenericError", "Capability 'oob' not available");
        else
            qmp_error_set(err, "GenericError", "Parameter 'enable[%u]' does not accept value '%s'",
                          i, cap);
        return NULL;
    }
    s->negotiated = true;
    return json_node_init_object(json_node_alloc(), json_object_new());
}

/* ---- dispatch ---- */

static JsonNode *run_command(QmpSession *s, const char *name, JsonObject *args, QmpError *err)
{
    bool is_capabilities = !strcmp(name, "qmp_capabilities");
    if (!s->negotiated && !is_capabilities) {
        /* QEMU answers any other command this way until negotiation is done. */
        qmp_error_set(err, "CommandNotFound",
                      "Expecting capabilities negotiation with 'qmp_capabilities'");
        return NULL;
    }
    if (is_capabilities && s->negotiated) {
        qmp_error_set(err, "CommandNotFound",
                      "Capabilities negotiation is already complete, command ignored");
        return NULL;
    }
    const QmpCommand *cmd = is_capabilities ? &capabilities_command : qmp_find_command(name);
    if (!cmd) {
        qmp_error_set(err, "CommandNotFound", "The command %s has not been found", name);
        return NULL;
    }
    if (!check_arguments(cmd, args, err))
        return NULL;
    if (is_capabilities)
        return negotiate(s, args, err);
    return cmd->handler(s->mm, args, err);
}

static void handle_request(QmpSession *s, JsonNode *root)
{
    QmpError err = {0};
    JsonNode *id = NULL;
    if (JSON_NODE_HOLDS_OBJECT(root))
        id = json_object_get_member(json_node_get_object(root), "id");
    const char *name = check_request(root, &err);
    JsonNode *ret = NULL;
    if (name) {
        JsonObject *req = json_node_get_object(root);
        JsonObject *args = json_object_has_member(req, "arguments")
                               ? json_object_ref(json_object_get_object_member(req, "arguments"))
                               : json_object_new();
        ret = run_command(s, name, args, &err);
        json_object_unref(args);
    }
    if (ret)
        send_return(s, ret, id);
    else
        send_error(s, &err, id);
    g_free(err.desc);
}

/* One framed JSON text: parsed by json-glib, then run. */
static void on_text(void *opaque, const char *text, size_t len)
{
    QmpSession *s = opaque;
    if (!s->open)
        return; /* the client went away while earlier input was being handled */
    JsonParser *parser = json_parser_new_immutable();
    GError *error = NULL;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &error)) {
        char *desc = g_strdup_printf("JSON parse error, %s", error->message);
        send_generic_error(s, desc);
        g_free(desc);
        g_error_free(error);
    } else {
        JsonNode *root = json_parser_get_root(parser);
        if (root)
            handle_request(s, root);
        else
            send_generic_error(s, "JSON parse error, expecting value");
    }
    g_object_unref(parser);
}

static void on_framing_error(void *opaque, const char *desc)
{
    send_generic_error(opaque, desc);
}

/* ---- the session ---- */

QmpSession *qmp_session_new(MonitorMachine *mm, MonitorOutputFn *output, void *opaque)
{
    QmpSession *s = g_new0(QmpSession, 1);
    s->mm = mm;
    s->output = output;
    s->opaque = opaque;
    json_stream_init(&s->stream, QMP_MAX_MESSAGE, QMP_MAX_DEPTH, on_text, on_framing_error, s);
    if (main_loop_add_listener(mm->loop, on_run_event, s) < 0) {
        json_stream_destroy(&s->stream);
        g_free(s);
        return NULL;
    }
    return s;
}

void qmp_session_free(QmpSession *s)
{
    if (!s)
        return;
    main_loop_remove_listener(s->mm->loop, on_run_event, s);
    json_stream_destroy(&s->stream);
    g_free(s);
}

void qmp_session_open(QmpSession *s)
{
    json_stream_reset(&s->stream);
    s->open = true;
    s->negotiated = false;
    send_greeting(s);
}

void qmp_session_close(QmpSession *s)
{
    s->open = false;
    s->negotiated = false;
    json_stream_reset(&s->stream);
}

void qmp_session_feed(QmpSession *s, const uint8_t *data, size_t len)
{
    if (s->open)
        json_stream_feed(&s->stream, data, len);
}
