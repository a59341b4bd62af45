/* Stream socket helpers (POSIX sockets; getaddrinfo for TCP names). */
#define _GNU_SOURCE /* accept4 */
#include "system/sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static bool unix_address(const char *path, struct sockaddr_un *addr, char *err, size_t errlen)
{
    *addr = (struct sockaddr_un){.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr->sun_path)) {
        snprintf(err, errlen, "unix:%s: socket path too long (at most %zu bytes)", path,
                 sizeof(addr->sun_path) - 1);
        return false;
    }
    strcpy(addr->sun_path, path);
    return true;
}

int socket_listen_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un addr;
    if (!unix_address(path, &addr, err, errlen))
        return -1;
    /* A socket file left by an earlier run is replaced; any other file is not ours to
     * delete. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "unix:%s: file exists and is not a socket", path);
            return -1;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "unix:%s: cannot listen: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The first address of host:port for which try_address gives an fd. */
static int tcp_each_address(const char *host, const char *port, bool passive,
                            int (*try_address)(const struct addrinfo *ai), const char *what,
                            char *err, size_t errlen)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "tcp:%s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved_errno = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = try_address(ai);
        if (fd < 0)
            saved_errno = errno;
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, errlen, "tcp:%s:%s: cannot %s: %s", host, port, what, strerror(saved_errno));
    return fd;
}

static int tcp_try_listen(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int socket_listen_tcp(const char *host, const char *port, char *err, size_t errlen)
{
    return tcp_each_address(host, port, true, tcp_try_listen, "listen", err, errlen);
}

/* Connects fd (blocking) to addr, then makes it non-blocking. */
static int connect_fd(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (connect(fd, addr, len) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static int tcp_try_connect(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    return fd < 0 ? -1 : connect_fd(fd, ai->ai_addr, ai->ai_addrlen);
}

int socket_connect_tcp(const char *host, const char *port, char *err, size_t errlen)
{
    return tcp_each_address(host, port, false, tcp_try_connect, "connect", err, errlen);
}

int socket_connect_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un addr;
    if (!unix_address(path, &addr, err, errlen))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        fd = connect_fd(fd, (struct sockaddr *)&addr, sizeof(addr));
    if (fd < 0)
        snprintf(err, errlen, "unix:%s: cannot connect: %s", path, strerror(errno));
    return fd;
}

int socket_accept(int listen_fd, bool wait)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0 || !wait || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return fd;
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        poll(&p, 1, -1);
    }
}
