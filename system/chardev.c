/* Character backends: stdio, null, file:PATH and sockets (unix:PATH, tcp:HOST:PORT,
 * listening with ",server=on" or connecting out), named as on QEMU's command line.
 *
 * Output may come from several threads at once (vCPU threads writing a UART's
 * THR, the main loop echoing), so each backend serialises its writes with a mutex
 * and never blocks for long: bytes a non-blocking fd cannot take are dropped, the
 * way a UART with nobody listening loses them.
 */
#include "system/chardev.h"

#include "system/sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

typedef enum ChardevKind { CHARDEV_STDIO, CHARDEV_NULL, CHARDEV_FILE, CHARDEV_SOCKET } ChardevKind;

struct Chardev {
    ChardevKind kind;
    int in_fd;  /* -1: no input */
    int out_fd; /* -1: output dropped */
    bool owns_out_fd;
    /* A listening socket: its fd (-1 otherwise); in_fd/out_fd are the client, -1
     * while there is none; the socket file to remove at close. */
    int listen_fd;
    char *unlink_path;
    pthread_mutex_t write_lock; /* held while bytes go to out_fd: keeps them in order */
    /* Deferred output (chardev_defer_output): bytes wait in out_buf until the main
     * loop's flush (out_lock guards the buffer alone, so that a vCPU appending never
     * waits for a write system call in progress). */
    pthread_mutex_t out_lock;
    uint8_t *out_buf;
    size_t out_len;
    bool flush_requested;
    void (*request_flush)(void *opaque);
    void *request_flush_opaque;
    /* stdio on a terminal: the settings to restore on close. */
    bool termios_saved;
    struct termios saved_termios;
    bool input_paused; /* the frontend had no room: skip one poll round */
    size_t (*can_read)(void *opaque);
    void (*read)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
    /* mon:stdio: the multiplexer's state and its monitor and quit consumers. */
    bool mux;
    bool mux_escape;     /* Ctrl-A seen, the command key comes next */
    bool mux_to_monitor; /* the monitor has the keyboard */
    void (*monitor_read)(void *opaque, const uint8_t *buf, size_t len);
    void *monitor_opaque;
    void (*quit)(void *opaque);
    void *quit_opaque;
};

#define MUX_ESCAPE 0x01 /* Ctrl-A */

static Chardev *chardev_new(ChardevKind kind, int in_fd, int out_fd, bool owns_out_fd)
{
    Chardev *chr = calloc(1, sizeof(*chr));
    if (!chr)
        return NULL;
    chr->kind = kind;
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
    chr->owns_out_fd = owns_out_fd;
    chr->listen_fd = -1;
    pthread_mutex_init(&chr->write_lock, NULL);
    pthread_mutex_init(&chr->out_lock, NULL);
    return chr;
}

/* Raw input so that every key reaches the guest at once and unechoed, but with
 * ISIG kept so that Ctrl-C still stops Pacifica (QEMU's "-serial stdio" default,
 * signal=on). The bits are those cfmakeraw clears, minus ISIG, and with OPOST
 * kept so that the host still turns "\n" into "\r\n" (POSIX termios, XBD §11.2). */
static void stdio_enter_raw_mode(Chardev *chr)
{
    struct termios tio;
    if (!isatty(chr->in_fd) || tcgetattr(chr->in_fd, &tio) != 0)
        return;
    chr->saved_termios = tio;
    chr->termios_saved = true;
    tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tio.c_oflag |= OPOST;
    tio.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    tio.c_lflag |= ISIG;
    tio.c_cflag &= ~(CSIZE | PARENB);
    tio.c_cflag |= CS8;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    tcsetattr(chr->in_fd, TCSANOW, &tio);
}

static Chardev *chardev_open_file(const char *spec, const char *path, char *err, size_t errlen)
{
    if (!*path) {
        snprintf(err, errlen, "'%s': file backend needs a path (file:PATH)", spec);
        return NULL;
    }
    /* Truncated like QEMU's file backend (without append=on). */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "'%s': cannot open %s: %s", spec, path, strerror(errno));
        return NULL;
    }
    Chardev *chr = chardev_new(CHARDEV_FILE, -1, fd, true);
    if (!chr) {
        close(fd);
        snprintf(err, errlen, "'%s': out of memory", spec);
    }
    return chr;
}

/* The ",server=on|off,wait=on|off" items after a socket address (QEMU's chardev
 * socket options; "server" and "nowait" alone are the old spellings). */
static bool parse_socket_flags(const char *spec, const char *params, bool *server, bool *wait,
                               char *err, size_t errlen)
{
    *server = false;
    *wait = true;
    while (*params == ',') {
        params++;
        size_t len = strcspn(params, ",");
        bool on = true;
        const char *eq = memchr(params, '=', len);
        size_t key_len = eq ? (size_t)(eq - params) : len;
        if (eq) {
            size_t vlen = len - key_len - 1;
            if (vlen == 2 && !strncmp(eq + 1, "on", 2))
                on = true;
            else if (vlen == 3 && !strncmp(eq + 1, "off", 3))
                on = false;
            else {
                snprintf(err, errlen, "'%s': '%.*s' expects on or off", spec, (int)key_len, params);
                return false;
            }
        }
        if (key_len == 6 && !strncmp(params, "server", 6))
            *server = on;
        else if (key_len == 4 && !strncmp(params, "wait", 4))
            *wait = on;
        else if (len == 6 && !strncmp(params, "nowait", 6))
            *wait = false;
        else {
            snprintf(err, errlen, "'%s': unknown socket option '%.*s'", spec, (int)len, params);
            return false;
        }
        params += len;
    }
    return true;
}

/* Opens "unix:PATH[,...]" or "tcp:HOST:PORT[,...]". A server with wait=on (QEMU's
 * default) waits here for its first client, before the machine runs. */
static Chardev *chardev_open_socket(const char *spec, char *err, size_t errlen)
{
    bool is_unix = !strncmp(spec, "unix:", 5);
    const char *addr = spec + (is_unix ? 5 : 4);
    size_t addr_len = strcspn(addr, ",");
    bool server, wait;
    if (!parse_socket_flags(spec, addr + addr_len, &server, &wait, err, errlen))
        return NULL;
    char *a = strndup(addr, addr_len);
    char *colon = is_unix ? NULL : strrchr(a, ':');
    if (!a || !*a || (!is_unix && !colon)) {
        snprintf(err, errlen, "'%s': expected unix:PATH or tcp:HOST:PORT", spec);
        free(a);
        return NULL;
    }
    if (colon)
        *colon = 0;
    int fd = is_unix ? (server ? socket_listen_unix(a, err, errlen)
                               : socket_connect_unix(a, err, errlen))
                     : (server ? socket_listen_tcp(a, colon + 1, err, errlen)
                               : socket_connect_tcp(a, colon + 1, err, errlen));
    Chardev *chr =
        fd < 0 ? NULL : chardev_new(CHARDEV_SOCKET, server ? -1 : fd, server ? -1 : fd, true);
    if (chr && server) {
        chr->listen_fd = fd;
        if (is_unix)
            chr->unlink_path = realpath(a, NULL);
        if (wait) {
            fprintf(stderr, "pacifica: waiting for connection on %.*s%.*s\n", is_unix ? 5 : 4, spec,
                    (int)addr_len, addr);
            chr->in_fd = chr->out_fd = socket_accept(fd, true);
        }
    } else if (!chr && fd >= 0) {
        close(fd);
        snprintf(err, errlen, "'%s': out of memory", spec);
    }
    free(a);
    return chr;
}

Chardev *chardev_open(const char *spec, char *err, size_t errlen)
{
    Chardev *chr;
    if (!spec)
        spec = "";
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        chr = chardev_new(CHARDEV_STDIO, STDIN_FILENO, STDOUT_FILENO, false);
        if (chr) {
            chr->mux = spec[0] == 'm';
            stdio_enter_raw_mode(chr);
        }
    } else if (!strcmp(spec, "null")) {
        chr = chardev_new(CHARDEV_NULL, -1, -1, false);
    } else if (!strncmp(spec, "file:", 5)) {
        return chardev_open_file(spec, spec + 5, err, errlen);
    } else if (!strncmp(spec, "unix:", 5) || !strncmp(spec, "tcp:", 4)) {
        return chardev_open_socket(spec, err, errlen);
    } else {
        snprintf(err, errlen,
                 "'%s': unknown character backend (expected stdio, mon:stdio, null, file:PATH, "
                 "unix:PATH, tcp:HOST:PORT)",
                 spec);
        return NULL;
    }
    if (!chr)
        snprintf(err, errlen, "'%s': out of memory", spec);
    return chr;
}

void chardev_close(Chardev *chr)
{
    if (!chr)
        return;
    chardev_flush(chr);
    if (chr->termios_saved)
        tcsetattr(chr->in_fd, TCSANOW, &chr->saved_termios);
    if (chr->owns_out_fd && chr->out_fd >= 0)
        close(chr->out_fd);
    if (chr->listen_fd >= 0)
        close(chr->listen_fd);
    if (chr->unlink_path)
        unlink(chr->unlink_path);
    free(chr->unlink_path);
    pthread_mutex_destroy(&chr->write_lock);
    pthread_mutex_destroy(&chr->out_lock);
    free(chr->out_buf);
    free(chr);
}

/* Writes len bytes to out_fd; the caller holds write_lock. */
static void write_out(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(chr->out_fd, buf + done, len - done);
        if (n > 0) {
            done += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            /* EAGAIN on a non-blocking fd, or an error (closed pipe, full disk):
             * drop the rest rather than stall a vCPU. */
            break;
        }
    }
}

void chardev_flush(Chardev *chr)
{
    if (!chr || !chr->out_buf || !__atomic_load_n(&chr->flush_requested, __ATOMIC_ACQUIRE))
        return;
    uint8_t chunk[CHARDEV_OUT_BUF_SIZE];
    pthread_mutex_lock(&chr->write_lock);
    pthread_mutex_lock(&chr->out_lock);
    size_t len = chr->out_len;
    memcpy(chunk, chr->out_buf, len);
    chr->out_len = 0;
    __atomic_store_n(&chr->flush_requested, false, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&chr->out_lock);
    if (len && chr->out_fd >= 0)
        write_out(chr, chunk, len);
    pthread_mutex_unlock(&chr->write_lock);
}

void chardev_defer_output(Chardev *chr, void (*request_flush)(void *opaque), void *opaque)
{
    uint8_t *buf = malloc(CHARDEV_OUT_BUF_SIZE);
    if (!buf)
        return; /* output stays immediate */
    chardev_flush(chr);
    pthread_mutex_lock(&chr->out_lock);
    chr->out_buf = buf;
    chr->request_flush = request_flush;
    chr->request_flush_opaque = opaque;
    pthread_mutex_unlock(&chr->out_lock);
}

/* Appends what fits to the deferred buffer; returns how much was taken, and sets
 * *ask when the flusher must be told (the buffer was empty). */
static size_t append_deferred(Chardev *chr, const uint8_t *buf, size_t len, bool *ask)
{
    pthread_mutex_lock(&chr->out_lock);
    size_t room = CHARDEV_OUT_BUF_SIZE - chr->out_len;
    size_t n = len < room ? len : room;
    memcpy(chr->out_buf + chr->out_len, buf, n);
    chr->out_len += n;
    if (chr->out_len && !chr->flush_requested) {
        __atomic_store_n(&chr->flush_requested, true, __ATOMIC_RELEASE);
        *ask = true;
    }
    pthread_mutex_unlock(&chr->out_lock);
    return n;
}

void chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || chr->out_fd < 0)
        return;
    if (chr->out_buf) {
        bool ask = false;
        size_t done = 0;
        for (;;) {
            done += append_deferred(chr, buf + done, len - done, &ask);
            if (done == len)
                break;
            chardev_flush(chr); /* full: the writer waits, as on a slow line */
        }
        if (ask)
            chr->request_flush(chr->request_flush_opaque);
        return;
    }
    pthread_mutex_lock(&chr->write_lock);
    write_out(chr, buf, len);
    pthread_mutex_unlock(&chr->write_lock);
}

void chardev_set_handlers(Chardev *chr, size_t (*can_read)(void *opaque),
                          void (*read)(void *opaque, const uint8_t *buf, size_t len), void *opaque)
{
    chr->can_read = can_read;
    chr->read = read;
    chr->opaque = opaque;
}

/* ---- the mon:stdio multiplexer ---- */

static void mux_print(Chardev *chr, const char *text)
{
    chardev_write(chr, (const uint8_t *)text, strlen(text));
}

/* The terminal is raw (no echo, for the guest's sake): what is typed to the monitor
 * is echoed here, Enter as a line break. */
static void mux_echo(Chardev *chr, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\r' || buf[i] == '\n')
            mux_print(chr, "\r\n");
        else if (buf[i] == 0x7f || buf[i] == '\b')
            mux_print(chr, "\b \b");
        else if (buf[i] >= 0x20)
            chardev_write(chr, &buf[i], 1);
    }
}

/* Passes input on to whoever has the keyboard. */
static void mux_deliver(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!len)
        return;
    if (chr->mux_to_monitor && chr->monitor_read) {
        mux_echo(chr, buf, len);
        chr->monitor_read(chr->monitor_opaque, buf, len);
    } else if (chr->read)
        chr->read(chr->opaque, buf, len);
}

/* The key after Ctrl-A (QEMU's mux commands; the ones for features Pacifica does not
 * have, s (save disks), t (timestamps) and b (break), are ignored). */
static void mux_command(Chardev *chr, uint8_t key)
{
    switch (key) {
    case 'x':
        mux_print(chr, "\r\nPacifica: Terminated\r\n");
        if (chr->quit)
            chr->quit(chr->quit_opaque);
        break;
    case 'c':
        if (chr->monitor_read) {
            chr->mux_to_monitor = !chr->mux_to_monitor;
            /* The monitor shows its prompt again when it gets the keyboard. */
            if (chr->mux_to_monitor)
                chr->monitor_read(chr->monitor_opaque, (const uint8_t *)"\n", 1);
        }
        break;
    case 'h':
    case '?':
        mux_print(chr, "\r\nC-a h    print this help\r\n"
                       "C-a x    exit emulator\r\n"
                       "C-a c    switch between console and monitor\r\n"
                       "C-a C-a  sends C-a\r\n");
        break;
    case MUX_ESCAPE: mux_deliver(chr, &key, 1); break;
    default: break;
    }
}

/* Splits input into runs for the focused consumer and Ctrl-A commands. */
static void mux_input(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (chr->mux_escape) {
            chr->mux_escape = false;
            start = i + 1;
            mux_command(chr, buf[i]);
        } else if (buf[i] == MUX_ESCAPE) {
            mux_deliver(chr, buf + start, i - start);
            chr->mux_escape = true;
            start = i + 1;
        }
    }
    if (start < len)
        mux_deliver(chr, buf + start, len - start);
}

int chardev_input_fd(const Chardev *chr)
{
    if (chr && chr->listen_fd >= 0 && chr->in_fd < 0)
        return chr->listen_fd; /* readable when a client connects */
    return chr ? chr->in_fd : -1;
}

int chardev_poll_fd(Chardev *chr)
{
    if (chr && chr->input_paused) {
        chr->input_paused = false;
        return -1;
    }
    return chardev_input_fd(chr);
}

/* A listening socket's client connects or leaves: output goes to it, or is dropped
 * while there is none (as QEMU's socket chardev). */
static void socket_set_client(Chardev *chr, int fd)
{
    pthread_mutex_lock(&chr->write_lock);
    if (chr->in_fd >= 0)
        close(chr->in_fd);
    chr->in_fd = chr->out_fd = fd;
    pthread_mutex_unlock(&chr->write_lock);
}

bool chardev_handle_input(Chardev *chr)
{
    if (chr && chr->listen_fd >= 0 && chr->in_fd < 0) {
        int fd = socket_accept(chr->listen_fd, false);
        if (fd >= 0)
            socket_set_client(chr, fd);
        return true;
    }
    if (!chr || chr->in_fd < 0)
        return false;
    uint8_t buf[256];
    size_t want = sizeof(buf);
    /* Flow control is the device's: the monitor takes whatever comes. */
    if (chr->read && !(chr->mux && chr->mux_to_monitor)) {
        size_t room = chr->can_read ? chr->can_read(chr->opaque) : sizeof(buf);
        if (room == 0) {
            chr->input_paused = true; /* the frontend is full; the bytes wait in the fd */
            return true;
        }
        if (room < want)
            want = room;
    }
    /* Without a frontend the bytes are read and discarded, so that a readable fd
     * does not keep waking the main loop. */
    ssize_t n = read(chr->in_fd, buf, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return true;
    if (n < 0 && chr->listen_fd >= 0) {
        socket_set_client(chr, -1); /* a reset connection: wait for the next client */
        return true;
    }
    if (n < 0)
        return false;
    if (n == 0 && chr->listen_fd >= 0) {
        socket_set_client(chr, -1); /* back to waiting for the next client */
        return true;
    }
    if (n == 0)
        return false;
    if (chr->mux)
        mux_input(chr, buf, (size_t)n);
    else if (chr->read)
        chr->read(chr->opaque, buf, n);
    return true;
}

bool chardev_is_mux(const Chardev *chr)
{
    return chr && chr->mux;
}

void chardev_mux_set_monitor(Chardev *chr,
                             void (*read)(void *opaque, const uint8_t *buf, size_t len),
                             void *opaque)
{
    chr->monitor_read = read;
    chr->monitor_opaque = opaque;
}

bool chardev_mux_monitor_focused(const Chardev *chr)
{
    return chr->mux && chr->mux_to_monitor;
}

void chardev_mux_set_quit(Chardev *chr, void (*quit)(void *opaque), void *opaque)
{
    chr->quit = quit;
    chr->quit_opaque = opaque;
}
