/* The command line, in qemu-system-x86_64's syntax for the options Pacifica has. */
#ifndef PACIFICA_SYSTEM_OPTIONS_H
#define PACIFICA_SYSTEM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_SERIAL_PORTS 4

typedef enum DisplayKind { DISPLAY_DEFAULT, DISPLAY_NONE, DISPLAY_SDL } DisplayKind;

typedef struct MachineConfig {
    uint64_t ram_size; /* bytes; default 128 MiB */
    unsigned smp;      /* default 1 */
    const char *bios, *kernel, *initrd, *append;
    bool nographic;
    DisplayKind display;
    /* Backends in order of -serial options (COM1 first); "none" keeps the port off.
     * nserial == 0 means the default: stdio under -nographic or -display none, else
     * none (the window would show it, later). */
    const char *serial[MAX_SERIAL_PORTS];
    unsigned nserial;
    const char *debugcon; /* NULL: no debug console device */
    bool no_reboot;
    unsigned log_mask; /* -d */
    const char *log_file; /* -D */
    const char *accel;   /* "tcg" */
    const char *machine; /* "pc" */
    const char *cpu_model; /* default "x86-64-v2" */
} MachineConfig;

typedef enum OptionsResult {
    OPTIONS_OK,   /* run the machine */
    OPTIONS_EXIT, /* --help / --version / -d help printed: exit 0 */
    OPTIONS_ERROR /* a one-line message naming the bad input went to err: exit 2 */
} OptionsResult;

/* Parses argv (argv[0] is the program) into cfg, after filling defaults. Checks that
 * the files named by -bios/-kernel/-initrd exist and are readable. */
OptionsResult options_parse(MachineConfig *cfg, int argc, char **argv, FILE *out, FILE *err);
void options_print_help(FILE *out);

#endif
