/* QEMU's "key=value" option lists (system/keyval.h). */
#include "system/keyval.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int __attribute__((format(printf, 3, 4)))
keyval_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copies one item of s (up to a single comma, ",," meaning a literal comma) into a
 * new string; *next is set past the ending comma. */
static char *keyval_copy_item(const char *s, const char **next)
{
    size_t len = 0;
    char *out = malloc(strlen(s) + 1);
    if (!out)
        return NULL;
    for (; *s; s++) {
        if (*s == ',') {
            if (s[1] != ',')
                break;
            s++; /* ",," is one comma */
        }
        out[len++] = *s;
    }
    out[len] = 0;
    *next = *s ? s + 1 : s;
    return out;
}

static bool keyval_is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

/* Adds one split item (which kv then owns) to kv. */
static int keyval_add_item(KeyValueList *kv, char *item, bool first, bool want_driver, char *err,
                           size_t errlen)
{
    char *eq = strchr(item, '=');
    if (!eq) {
        if (keyval_is_help(item)) {
            kv->help = true;
            free(item);
            return 0;
        }
        if (first && want_driver) {
            free(kv->driver);
            kv->driver = item;
            return 0;
        }
        keyval_error(err, errlen, "expected 'key=value' at '%s'", item);
        free(item);
        return -1;
    }
    *eq = 0;
    if (!*item) {
        keyval_error(err, errlen, "empty key before '=%s'", eq + 1);
        free(item);
        return -1;
    }
    if (keyval_peek(kv, item)) {
        keyval_error(err, errlen, "parameter '%s' given twice", item);
        free(item);
        return -1;
    }
    if (kv->nitems == KEYVAL_MAX_ITEMS) {
        free(item);
        return keyval_error(err, errlen, "more than %d parameters", KEYVAL_MAX_ITEMS);
    }
    /* key and value share the allocation: the value starts after the '=' turned NUL. */
    kv->items[kv->nitems].key = item;
    kv->items[kv->nitems].value = eq + 1;
    kv->items[kv->nitems].taken = false;
    kv->nitems++;
    return 0;
}

int keyval_parse(KeyValueList *kv, const char *option, const char *text, bool want_driver,
                 char *err, size_t errlen)
{
    memset(kv, 0, sizeof(*kv));
    kv->option = option;
    kv->text = strdup(text);
    kv->driver = strdup("");
    if (!kv->text || !kv->driver) {
        keyval_free(kv);
        return keyval_error(err, errlen, "out of memory");
    }
    bool first = true;
    for (const char *s = text; *s;) {
        char *item = keyval_copy_item(s, &s);
        if (!item) {
            keyval_free(kv);
            return keyval_error(err, errlen, "out of memory");
        }
        if (keyval_add_item(kv, item, first, want_driver, err, errlen) < 0) {
            keyval_free(kv);
            return -1;
        }
        first = false;
    }
    return 0;
}

void keyval_free(KeyValueList *kv)
{
    for (unsigned i = 0; i < kv->nitems; i++)
        free(kv->items[i].key);
    free(kv->text);
    free(kv->driver);
    memset(kv, 0, sizeof(*kv));
}

static KeyValueItem *keyval_find(const KeyValueList *kv, const char *key)
{
    for (unsigned i = 0; i < kv->nitems; i++)
        if (!strcmp(kv->items[i].key, key))
            return (KeyValueItem *)&kv->items[i];
    return NULL;
}

const char *keyval_take(KeyValueList *kv, const char *key)
{
    KeyValueItem *item = keyval_find(kv, key);
    if (!item)
        return NULL;
    item->taken = true;
    return item->value;
}

const char *keyval_peek(const KeyValueList *kv, const char *key)
{
    KeyValueItem *item = keyval_find(kv, key);
    return item ? item->value : NULL;
}

const char *keyval_first_unused(const KeyValueList *kv)
{
    for (unsigned i = 0; i < kv->nitems; i++)
        if (!kv->items[i].taken)
            return kv->items[i].key;
    return NULL;
}

bool keyval_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

bool keyval_parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false")) {
        *out = false;
        return true;
    }
    return false;
}
