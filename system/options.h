/* The command line, in qemu-system-x86_64's syntax for the options Pacifica has. */
#ifndef PACIFICA_SYSTEM_OPTIONS_H
#define PACIFICA_SYSTEM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "system/keyval.h"

#define MAX_SERIAL_PORTS 4

/* -monitor and -qmp (QEMU: at most a few; each one its own socket or stdio). */
#define MAX_MONITORS 4

typedef enum MonitorTransport { MONITOR_STDIO, MONITOR_UNIX, MONITOR_TCP } MonitorTransport;

/* One -monitor or -qmp option, parsed from QEMU's chardev syntax:
 * stdio | unix:PATH[,server[=on|off]][,wait=on|off|,nowait] | tcp:[HOST]:PORT[,...]. */
typedef struct MonitorConfig {
    bool qmp; /* -qmp (JSON) rather than -monitor (text) */
    MonitorTransport transport;
    bool wait;      /* server: wait for a first client before the VM starts (wait=on) */
    char path[108]; /* unix: the socket path (the size of sun_path) */
    char host[256]; /* tcp: "" for every interface */
    char port[32];  /* tcp */
} MonitorConfig;

/* -drive and -hda: at most this many disks (virtio-blk at PCI slots 4 and up). */
#define MAX_DRIVES       8
#define DRIVE_FILE_MAX   4096 /* PATH_MAX */
#define DRIVE_SERIAL_MAX 21   /* virtio-blk's 20-byte ID, NUL-terminated */

typedef enum DriveFormat { DRIVE_FORMAT_PROBE, DRIVE_FORMAT_RAW, DRIVE_FORMAT_QCOW2 } DriveFormat;

/* QEMU's cache= names (block/block.h gives them their meaning). */
typedef enum DriveCache {
    DRIVE_CACHE_WRITEBACK,
    DRIVE_CACHE_WRITETHROUGH,
    DRIVE_CACHE_NONE,
    DRIVE_CACHE_DIRECTSYNC,
    DRIVE_CACHE_UNSAFE,
} DriveCache;

/* One -drive option. Only if=virtio is accepted: IDE (QEMU's default interface, and
 * what -hda means) is refused until an IDE controller exists. */
typedef struct DriveConfig {
    char file[DRIVE_FILE_MAX]; /* ",," in the option value is a literal comma */
    DriveFormat format;
    DriveCache cache;
    bool read_only;
    bool snapshot;                 /* snapshot=on, or the global -snapshot */
    bool discard_unmap;            /* discard=unmap|on; QEMU's default "ignore" drops discards */
    char serial[DRIVE_SERIAL_MAX]; /* "" for none */
} DriveConfig;

/* -device options (QEMU's syntax: DRIVER,prop=value,...), created by the board in
 * command-line order; it takes the properties each device knows (system/keyval.h). */
#define MAX_DEVICES 32

/* -chardev options (QEMU's syntax: BACKEND,id=ID,...), opened by the devices that name
 * them (system/chardev_options.h). */
#define MAX_CHARDEV_OPTIONS 8
/* -netdev and -nic, kept as typed: net/netdev.c parses them when the board creates the
 * backends. */
#define MAX_NETDEVS 8

/* How TCG runs translated blocks (-accel tcg,backend=). */
typedef enum TcgBackend { TCG_BACKEND_NATIVE, TCG_BACKEND_INTERP } TcgBackend;

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
    unsigned log_mask;                    /* -d */
    const char *log_file;                 /* -D */
    const char *accel;                    /* "tcg" */
    TcgBackend tcg_backend;               /* default native (x86-64 hosts) */
    const char *machine;                  /* "pc" */
    const char *cpu_model;                /* default "x86-64-v2" */
    MonitorConfig monitors[MAX_MONITORS]; /* in command-line order */
    unsigned nmonitors;
    DriveConfig drives[MAX_DRIVES]; /* in command-line order */
    unsigned ndrives;
    bool snapshot;                     /* -snapshot: every drive writes to a temporary overlay */
    bool daemonize;                    /* -daemonize: detach once the machine is set up */
    const char *pidfile;               /* -pidfile: NULL for none */
    KeyValueList devices[MAX_DEVICES]; /* -device, in command-line order */
    unsigned ndevices;
    /* -gdb DEV / -s: the gdb stub listens there (gdb_socket's transport, path, host and
     * port; the stub never waits for gdb: -S does). */
    bool gdb;
    MonitorConfig gdb_socket;
    bool start_paused; /* -S: the vCPUs wait for cont (monitor or gdb) */
    KeyValueList chardevs[MAX_CHARDEV_OPTIONS]; /* -chardev, in command-line order */
    unsigned nchardevs;
    const char *netdevs[MAX_NETDEVS]; /* -netdev TYPE,id=ID,... */
    unsigned nnetdevs;
    const char *nics[MAX_NETDEVS]; /* -nic TYPE,... */
    unsigned nnics;
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
