/* Splits a QMP byte stream into whole JSON texts.
 *
 * QMP sends JSON objects back to back on a socket, with no length prefix and no
 * required newline (QEMU docs/interop/qmp-spec: "the server ... reads input as a
 * stream of JSON texts"). This framer only finds where one text ends (by counting
 * brackets outside strings); json-glib parses each text. It also bounds what one
 * client can make the process hold: a text longer than max_size bytes or nested
 * deeper than max_depth is refused with one error and skipped to its end. */
#ifndef PACIFICA_MONITOR_JSON_STREAM_H
#define PACIFICA_MONITOR_JSON_STREAM_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct JsonStream {
    GString *text; /* the text being framed */
    size_t depth;  /* open '{' and '[' */
    bool in_string, escape;
    bool in_scalar; /* a bare top-level token (number, keyword): ends at a delimiter */
    bool skipping;  /* dropping the rest of a refused text */
    size_t max_size, max_depth;
    /* A complete text (NUL-terminated; len excludes the NUL). */
    void (*emit)(void *opaque, const char *text, size_t len);
    /* A framing error, as QEMU words them ("JSON parse error, ..."). */
    void (*error)(void *opaque, const char *desc);
    void *opaque;
} JsonStream;

void json_stream_init(JsonStream *s, size_t max_size, size_t max_depth,
                      void (*emit)(void *opaque, const char *text, size_t len),
                      void (*error)(void *opaque, const char *desc), void *opaque);
void json_stream_destroy(JsonStream *s);
/* Forgets any partial text (a new client). */
void json_stream_reset(JsonStream *s);
/* Frames len bytes; emit and error run before this returns. */
void json_stream_feed(JsonStream *s, const uint8_t *data, size_t len);

#endif
