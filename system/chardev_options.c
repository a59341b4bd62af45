/* -chardev option lists to chardev specs (system/chardev_options.h). */
#include "system/chardev_options.h"

#include <stdio.h>
#include <string.h>

const char *chardev_options_id(const KeyValueList *kv)
{
    return keyval_peek(kv, "id");
}

/* Appends ",server=on|off,wait=on|off" from kv to spec; false on a bad value. */
static bool socket_flags(KeyValueList *kv, char *flags, size_t len, char *err, size_t errlen)
{
    const char *names[2] = {"server", "wait"};
    bool values[2] = {false, true};
    for (int i = 0; i < 2; i++) {
        const char *v = keyval_take(kv, names[i]);
        if (v && !keyval_parse_bool(v, &values[i])) {
            snprintf(err, errlen, "'%s=%s': expected on or off", names[i], v);
            return false;
        }
    }
    snprintf(flags, len, ",server=%s,wait=%s", values[0] ? "on" : "off", values[1] ? "on" : "off");
    return true;
}

static int socket_spec(KeyValueList *kv, char *spec, size_t len, char *err, size_t errlen)
{
    const char *path = keyval_take(kv, "path");
    const char *host = keyval_take(kv, "host"), *port = keyval_take(kv, "port");
    char flags[32];
    if (!socket_flags(kv, flags, sizeof(flags), err, errlen))
        return -1;
    int n;
    if (path && !host && !port) {
        n = snprintf(spec, len, "unix:%s%s", path, flags);
    } else if (!path && port) {
        n = snprintf(spec, len, "tcp:%s:%s%s", host ? host : "", port, flags);
    } else {
        snprintf(err, errlen, "socket needs path=PATH, or host=HOST,port=PORT");
        return -1;
    }
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "socket address too long");
        return -1;
    }
    return 0;
}

static int backend_spec(KeyValueList *kv, char *spec, size_t len, bool *is_stdio, char *err,
                        size_t errlen)
{
    const char *backend = kv->driver;
    *is_stdio = false;
    if (!strcmp(backend, "null") || !strcmp(backend, "stdio")) {
        *is_stdio = backend[0] == 's';
        snprintf(spec, len, "%s", backend);
        return 0;
    }
    if (!strcmp(backend, "file")) {
        const char *path = keyval_take(kv, "path");
        if (!path || !*path) {
            snprintf(err, errlen, "file needs path=PATH");
            return -1;
        }
        int n = snprintf(spec, len, "file:%s", path);
        if (n < 0 || (size_t)n >= len) {
            snprintf(err, errlen, "path too long");
            return -1;
        }
        return 0;
    }
    if (!strcmp(backend, "socket"))
        return socket_spec(kv, spec, len, err, errlen);
    snprintf(err, errlen, "unsupported backend '%s' (available: null, stdio, file, socket)",
             backend);
    return -1;
}

int chardev_options_spec(const KeyValueList *kv, char *spec, size_t len, bool *is_stdio, char *err,
                         size_t errlen)
{
    KeyValueList copy = *kv; /* taking marks items: work on a copy */
    for (unsigned i = 0; i < copy.nitems; i++)
        copy.items[i].taken = false;
    const char *id = keyval_take(&copy, "id");
    if (!id || !*id) {
        snprintf(err, errlen, "missing id=ID");
        return -1;
    }
    if (backend_spec(&copy, spec, len, is_stdio, err, errlen) < 0)
        return -1;
    const char *unused = keyval_first_unused(&copy);
    if (unused) {
        snprintf(err, errlen, "backend '%s' has no property '%s'", copy.driver, unused);
        return -1;
    }
    return 0;
}
