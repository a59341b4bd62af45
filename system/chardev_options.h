/* -chardev BACKEND,id=ID[,...] in QEMU's syntax (QEMU System Emulation User's Guide,
 * "Character device options"), for the devices that name a chardev by id
 * (-device virtconsole,chardev=ID). Backends:
 *
 *   null | stdio | file,path=PATH
 *   socket,path=PATH | socket,host=HOST,port=PORT  [,server=on|off][,wait=on|off]
 *
 * Each is turned into the spec string chardev_open takes ("null", "stdio",
 * "file:PATH", "unix:PATH,server=on,wait=off", "tcp:HOST:PORT,..."). */
#ifndef PACIFICA_SYSTEM_CHARDEV_OPTIONS_H
#define PACIFICA_SYSTEM_CHARDEV_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "system/keyval.h"

/* kv's id (NULL if it has none). */
const char *chardev_options_id(const KeyValueList *kv);
/* The chardev_open spec for kv (a -chardev list): 0, or -1 with a one-line message
 * naming the bad item in err. *is_stdio tells whether it uses stdio. */
int chardev_options_spec(const KeyValueList *kv, char *spec, size_t len, bool *is_stdio, char *err,
                         size_t errlen);

#endif
