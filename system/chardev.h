/* Character backends for -serial, -debugcon (and later -monitor): QEMU's names
 * "stdio", "mon:stdio", "null", "file:PATH", "none" (no device at all).
 *
 * mon:stdio is stdio with QEMU's multiplexer (the default under -nographic): Ctrl-A
 * followed by a key is a command (QEMU User Documentation, "Keys in the character
 * backend multiplexer"): x ends Pacifica, c switches the input between the device and
 * the text monitor, h prints the list, Ctrl-A sends a Ctrl-A itself. */
#ifndef PACIFICA_SYSTEM_CHARDEV_H
#define PACIFICA_SYSTEM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

/* Opens spec. On error returns NULL and writes a one-line message naming spec into
 * err. "none" is not a backend: callers check for it before calling this.
 * stdio puts a terminal into raw mode (signals kept) and restores it on close. */
Chardev *chardev_open(const char *spec, char *err, size_t errlen);
void chardev_close(Chardev *chr);

/* Output: never blocks the caller for long; bytes that cannot be written are dropped. */
void chardev_write(Chardev *chr, const uint8_t *buf, size_t len);

/* Deferred output: chardev_write only buffers (up to CHARDEV_OUT_BUF_SIZE bytes, then
 * the writer flushes itself) and calls request_flush when the buffer stops being
 * empty; whoever it wakes calls chardev_flush. A vCPU printing a console line byte by
 * byte through a UART then costs one write system call per burst, not one per byte.
 * chardev_close flushes what is left. */
#define CHARDEV_OUT_BUF_SIZE 4096
void chardev_defer_output(Chardev *chr, void (*request_flush)(void *opaque), void *opaque);
void chardev_flush(Chardev *chr);

/* Input: the frontend says how many bytes it can take now and receives them. */
void chardev_set_handlers(Chardev *chr, size_t (*can_read)(void *opaque),
                          void (*read)(void *opaque, const uint8_t *buf, size_t len), void *opaque);
/* A file descriptor the main loop polls for input, or -1 if the backend has none. */
int chardev_input_fd(const Chardev *chr);
/* The fd for the main loop to poll now: the input fd, except for one round after the
 * frontend had no room (-1 then), so that input waiting for the guest does not keep
 * poll returning at once; the next round (a timer, at most a second) tries again. */
int chardev_poll_fd(Chardev *chr);
/* Called by the main loop when the input fd is readable; returns false at EOF. */
bool chardev_handle_input(Chardev *chr);

/* mon:stdio: whether chr multiplexes, and where its two extra consumers go: the text
 * monitor's input (Ctrl-A c gives it the keyboard) and Ctrl-A x. */
bool chardev_is_mux(const Chardev *chr);
void chardev_mux_set_monitor(Chardev *chr,
                             void (*read)(void *opaque, const uint8_t *buf, size_t len),
                             void *opaque);
void chardev_mux_set_quit(Chardev *chr, void (*quit)(void *opaque), void *opaque);
/* Whether the monitor has the keyboard now. */
bool chardev_mux_monitor_focused(const Chardev *chr);

#endif
