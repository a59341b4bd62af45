/* Stream sockets for the monitors and the socket chardev: listening on and connecting
 * to Unix paths and TCP addresses, QEMU's "unix:PATH" and "tcp:HOST:PORT". Every fd
 * returned is non-blocking and close-on-exec. On error: -1 and a one-line message
 * naming the address in err. */
#ifndef PACIFICA_SYSTEM_SOCKETS_H
#define PACIFICA_SYSTEM_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>

/* Listens on path; a socket file left by an earlier run is replaced (as QEMU does), any
 * other file is refused. */
int socket_listen_unix(const char *path, char *err, size_t errlen);
/* Listens on host:port ("" host: every interface), the first address that binds. */
int socket_listen_tcp(const char *host, const char *port, char *err, size_t errlen);
/* Connects (blocking, then switched to non-blocking). */
int socket_connect_unix(const char *path, char *err, size_t errlen);
int socket_connect_tcp(const char *host, const char *port, char *err, size_t errlen);
/* Accepts a client of listen_fd, waiting for one when wait is true; -1 if none. */
int socket_accept(int listen_fd, bool wait);

#endif
