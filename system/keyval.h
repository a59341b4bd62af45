/* QEMU's "key=value" option syntax (QemuOpts), shared by -device, -netdev, -nic and
 * -chardev: "DRIVER,key=value,key=value", where a comma inside a value is written ",,"
 * and the leading item without '=' names the driver (or backend type).
 *
 * The parser only splits: the code that creates the device takes the properties it
 * knows (keyval_take), and whatever nobody took is an error naming it, so that a typo
 * never passes silently (QEMU: "Property 'x.y' not found"). */
#ifndef PACIFICA_SYSTEM_KEYVAL_H
#define PACIFICA_SYSTEM_KEYVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYVAL_MAX_ITEMS 32

typedef struct KeyValueItem {
    char *key;
    char *value;
    bool taken;
} KeyValueItem;

typedef struct KeyValueList {
    const char *option; /* "-device", for messages */
    char *text;         /* the value as the user typed it, for messages */
    char *driver;       /* the leading item without '=' ("" if none) */
    bool help;          /* "help" or "?" given as the driver or as an item */
    KeyValueItem items[KEYVAL_MAX_ITEMS];
    unsigned nitems;
} KeyValueList;

/* Splits text into kv (which owns copies of everything). With want_driver the first
 * item may be a bare name (the driver); any other item without '=' is an error, and so
 * is a key given twice. Returns 0, or -1 with a message (not naming the option) in err. */
int keyval_parse(KeyValueList *kv, const char *option, const char *text, bool want_driver,
                 char *err, size_t errlen);
void keyval_free(KeyValueList *kv);

/* The value of key (marking it taken), or NULL if absent. */
const char *keyval_take(KeyValueList *kv, const char *key);
/* The value of key if present without taking it. */
const char *keyval_peek(const KeyValueList *kv, const char *key);
/* The first key nobody took, or NULL. */
const char *keyval_first_unused(const KeyValueList *kv);

/* Number parsing for property values, as QEMU reads them: decimal, 0x hex or 0 octal
 * (strtoull base 0), the whole string, within [0, max]. */
bool keyval_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* on/off/yes/no/true/false. */
bool keyval_parse_bool(const char *s, bool *out);

#endif
