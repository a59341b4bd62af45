/* Listening sockets for the servers of the process (the gdb stub; the monitors have
 * their own): non-blocking, close-on-exec. */
#ifndef PACIFICA_SYSTEM_SOCKETS_H
#define PACIFICA_SYSTEM_SOCKETS_H

#include <stddef.h>

/* A TCP server on host ("" for every interface) and port; -1 with a one-line message
 * naming "tcp:HOST:PORT" in err. */
int socket_listen_tcp(const char *host, const char *port, char *err, size_t errlen);
/* A Unix-domain server at path; a socket file left there is replaced, any other file
 * is refused. -1 with a message naming "unix:PATH" in err. */
int socket_listen_unix(const char *path, char *err, size_t errlen);
/* Accepts a client as a non-blocking, close-on-exec socket; -1 if none was waiting. */
int socket_accept(int listen_fd);

#endif
