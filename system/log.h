/* Debug logging selected with -d LIST and sent to -D FILE (default stderr). */
#ifndef PACIFICA_SYSTEM_LOG_H
#define PACIFICA_SYSTEM_LOG_H

#include <stdbool.h>
#include <stdio.h>

/* One bit per -d item; names in log.c's table. */
enum {
    LOG_IN_ASM = 1u << 0,       /* guest code as it is translated (capstone) */
    LOG_OP = 1u << 1,           /* IR as generated */
    LOG_EXEC = 1u << 2,         /* each translation block as it runs */
    LOG_INT = 1u << 3,          /* exceptions and interrupts */
    LOG_CPU = 1u << 4,          /* CPU state before each block */
    LOG_GUEST_ERROR = 1u << 5,  /* guest did something hardware ignores or rejects */
    LOG_UNIMP = 1u << 6,        /* guest used something Pacifica does not implement */
    LOG_OP_OPT = 1u << 7,       /* IR after the optimizer */
    LOG_OUT_ASM = 1u << 8,      /* host code (native backend) */
};

/* The log is owned by the machine and set up once from the command line. */
typedef struct Log {
    unsigned mask;
    FILE *out; /* stderr unless -D */
} Log;

/* Parses "in_asm,int,..." into a mask. Returns false and names the bad item in *bad
 * (pointer into a static string or into list; valid while list is). "help" is not
 * handled here. */
bool log_parse_mask(const char *list, unsigned *mask, const char **bad, size_t *bad_len);
/* Prints the list of -d items to f. */
void log_print_items(FILE *f);

static inline bool log_enabled(const Log *log, unsigned mask)
{
    return log && (log->mask & mask);
}

/* Writes to the log if any bit in mask is enabled. Thread safe (one fprintf). */
void log_printf(const Log *log, unsigned mask, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
