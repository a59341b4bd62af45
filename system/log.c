#include "system/log.h"

#include <stdarg.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    {"in_asm", LOG_IN_ASM, "show guest code being translated"},
    {"op", LOG_OP, "show generated IR"},
    {"op_opt", LOG_OP_OPT, "show IR after optimization"},
    {"out_asm", LOG_OUT_ASM, "show generated host code"},
    {"exec", LOG_EXEC, "show each translation block executed"},
    {"int", LOG_INT, "show exceptions and interrupts"},
    {"cpu", LOG_CPU, "show CPU registers before each block"},
    {"guest_errors", LOG_GUEST_ERROR, "log invalid guest operations"},
    {"unimp", LOG_UNIMP, "log unimplemented functionality"},
};

bool log_parse_mask(const char *list, unsigned *mask, const char **bad, size_t *bad_len)
{
    unsigned m = 0;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++) {
            if (strlen(log_items[i].name) == len && !strncmp(p, log_items[i].name, len)) {
                m |= log_items[i].mask;
                found = true;
            }
        }
        if (!found) {
            *bad = p;
            *bad_len = len;
            return false;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return true;
}

void log_print_items(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
        fprintf(f, "%-13s %s\n", log_items[i].name, log_items[i].help);
}

void log_printf(const Log *log, unsigned mask, const char *fmt, ...)
{
    if (!log_enabled(log, mask))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log->out ? log->out : stderr, fmt, ap);
    va_end(ap);
}
