/* Framing of a QMP input stream into JSON texts (see json_stream.h). */
#include "monitor/json_stream.h"

#include <stdio.h>
#include <string.h>

void json_stream_init(JsonStream *s, size_t max_size, size_t max_depth,
                      void (*emit)(void *opaque, const char *text, size_t len),
                      void (*error)(void *opaque, const char *desc), void *opaque)
{
    *s = (JsonStream){
        .text = g_string_new(NULL),
        .max_size = max_size,
        .max_depth = max_depth,
        .emit = emit,
        .error = error,
        .opaque = opaque,
    };
}

void json_stream_destroy(JsonStream *s)
{
    if (s->text)
        g_string_free(s->text, true);
    s->text = NULL;
}

void json_stream_reset(JsonStream *s)
{
    g_string_truncate(s->text, 0);
    s->depth = 0;
    s->in_string = s->escape = s->in_scalar = s->skipping = false;
}

/* RFC 8259 §2: insignificant whitespace between tokens. */
static bool is_json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_structural(uint8_t c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',' || c == '"';
}

static void emit_text(JsonStream *s)
{
    /* The text is handed over and the framer is clean again before the callback runs,
     * so that the callback may feed or reset the stream. */
    GString *text = s->text;
    s->text = g_string_sized_new(64);
    s->depth = 0;
    s->in_scalar = false;
    s->emit(s->opaque, text->str, text->len);
    g_string_free(text, true);
}

/* Refuses the text being framed; its remaining bytes are skipped. */
static void refuse_text(JsonStream *s, const char *desc)
{
    g_string_truncate(s->text, 0);
    s->skipping = true;
    s->error(s->opaque, desc);
}

/* String and bracket tracking shared by framing and skipping: returns true when c ends
 * the current text. */
static bool track(JsonStream *s, uint8_t c)
{
    if (s->in_string) {
        if (s->escape)
            s->escape = false;
        else if (c == '\\')
            s->escape = true;
        else if (c == '"')
            s->in_string = false;
        return !s->in_string && s->depth == 0;
    }
    switch (c) {
    case '"': s->in_string = true; return false;
    case '{':
    case '[': s->depth++; return false;
    case '}':
    case ']':
        /* A mismatched closer ("{]") is json-glib's to report. */
        s->depth--;
        return s->depth == 0;
    default: return false;
    }
}

/* A byte of a refused text; returns true if it is past that text and must be framed. */
static bool skip_byte(JsonStream *s, uint8_t c)
{
    if (s->in_scalar) {
        if (!is_json_space(c) && !is_structural(c))
            return false;
        s->in_scalar = false;
        s->skipping = false;
        return true;
    }
    if (track(s, c)) {
        s->skipping = false;
        s->depth = 0;
    }
    return false;
}

/* Adds c to the text; false (and the text refused) if that makes it too long. */
static bool append(JsonStream *s, uint8_t c)
{
    g_string_append_c(s->text, (char)c);
    if (s->text->len <= s->max_size)
        return true;
    char desc[96];
    snprintf(desc, sizeof(desc), "JSON parse error, message exceeds the limit of %zu bytes",
             s->max_size);
    refuse_text(s, desc);
    return false;
}

/* A byte outside any text: starts one, or is whitespace, or is stray. */
static void start_text(JsonStream *s, uint8_t c)
{
    if (is_json_space(c))
        return;
    if (c == '}' || c == ']' || c == ':' || c == ',') {
        /* QEMU's parser reports a token that cannot start a value this way too. */
        char desc[64];
        snprintf(desc, sizeof(desc), "JSON parse error, stray '%c'", c);
        s->error(s->opaque, desc);
        return;
    }
    g_string_append_c(s->text, (char)c);
    if (c == '{' || c == '[' || c == '"')
        track(s, c);
    else
        s->in_scalar = true;
}

static void frame_byte(JsonStream *s, uint8_t c)
{
    if (s->in_scalar) {
        if (!is_json_space(c) && !is_structural(c)) {
            append(s, c);
            return;
        }
        emit_text(s);
    }
    if (s->depth == 0 && !s->in_string) {
        start_text(s, c);
        return;
    }
    bool opens = !s->in_string && (c == '{' || c == '[');
    bool ends = track(s, c);
    if (!append(s, c)) {
        if (ends) /* the byte that went over the limit also ended the text */
            s->skipping = false;
        return;
    }
    if (opens && s->depth > s->max_depth)
        refuse_text(s, "JSON parse error, nesting depth limit exceeded");
    else if (ends)
        emit_text(s);
}

void json_stream_feed(JsonStream *s, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!s->skipping || skip_byte(s, data[i]))
            frame_byte(s, data[i]);
    }
}
