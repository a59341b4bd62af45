/* The socket chardev (unix:PATH / tcp:HOST:PORT, listening or connecting), the
 * -chardev option lists that name it, and input paused while the frontend is full. */
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "system/chardev.h"
#include "system/chardev_options.h"
#include "system/sockets.h"

typedef struct Sink {
    size_t room;
    char got[256];
    size_t len;
} Sink;

static size_t sink_can_read(void *opaque)
{
    return ((Sink *)opaque)->room;
}

static void sink_read(void *opaque, const uint8_t *buf, size_t len)
{
    Sink *s = opaque;
    g_assert_cmpuint(s->len + len, <, sizeof(s->got));
    memcpy(s->got + s->len, buf, len);
    s->len += len;
}

static int accept_blocking(int listen_fd)
{
    int fd = socket_accept(listen_fd, true);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

/* Connecting out over TCP: output reaches the server, its bytes come back in. */
static void test_tcp_connect(void)
{
    char err[256];
    int srv = socket_listen_tcp("127.0.0.1", "0", err, sizeof(err));
    g_assert_cmpint(srv, >=, 0);
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    g_assert_cmpint(getsockname(srv, (struct sockaddr *)&addr, &alen), ==, 0);
    char spec[64];
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u", ntohs(addr.sin_port));
    Chardev *chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(chr);
    int peer = accept_blocking(srv);
    chardev_write(chr, (const uint8_t *)"out", 3);
    char buf[8] = {0};
    g_assert_cmpint(read(peer, buf, sizeof(buf)), ==, 3);
    g_assert_cmpstr(buf, ==, "out");
    Sink sink = {.room = 64};
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    g_assert_cmpint(write(peer, "in", 2), ==, 2);
    for (int i = 0; i < 100 && sink.len < 2; i++) {
        g_usleep(1000);
        chardev_handle_input(chr);
    }
    g_assert_cmpmem(sink.got, sink.len, "in", 2);
    /* The server leaving ends a client chardev's input. */
    close(peer);
    bool open = true;
    for (int i = 0; i < 100 && open; i++) {
        g_usleep(1000);
        open = chardev_handle_input(chr);
    }
    g_assert_false(open);
    chardev_close(chr);
    close(srv);
}

/* A listening Unix socket: polled for a client, which can leave and come back;
 * output without a client is dropped; a full frontend pauses polling one round. */
static void test_unix_server(void)
{
    char *dir = g_dir_make_tmp("pacifica-chrsock-XXXXXX", NULL);
    char *path = g_build_filename(dir, "s", NULL);
    char spec[512], err[256];
    snprintf(spec, sizeof(spec), "unix:%s,server=on,wait=off", path);
    Chardev *chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(chr);
    int listen_fd = chardev_input_fd(chr);
    g_assert_cmpint(listen_fd, >=, 0);
    chardev_write(chr, (const uint8_t *)"lost", 4);
    Sink sink = {.room = 0};
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    for (int round = 0; round < 2; round++) {
        int c = socket_connect_unix(path, err, sizeof(err));
        g_assert_cmpint(c, >=, 0);
        g_assert_true(chardev_handle_input(chr)); /* accepts */
        g_assert_cmpint(chardev_input_fd(chr), !=, listen_fd);
        g_assert_cmpint(write(c, "x", 1), ==, 1);
        /* No room: nothing read, and the next poll round leaves the fd out. */
        sink.room = 0;
        g_assert_true(chardev_handle_input(chr));
        g_assert_cmpint(chardev_poll_fd(chr), ==, -1);
        g_assert_cmpint(chardev_poll_fd(chr), ==, chardev_input_fd(chr));
        sink.room = 16;
        g_assert_true(chardev_handle_input(chr));
        g_assert_cmpuint(sink.len, ==, (size_t)round + 1);
        chardev_write(chr, (const uint8_t *)"y", 1);
        char b = 0;
        g_assert_cmpint(read(c, &b, 1), ==, 1);
        g_assert_cmpint(b, ==, 'y');
        close(c);
        g_assert_true(chardev_handle_input(chr)); /* EOF: back to listening */
        g_assert_cmpint(chardev_input_fd(chr), ==, listen_fd);
    }
    chardev_close(chr);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS)); /* removed at close */
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

static void test_bad_specs(void)
{
    static const char *const bad[][2] = {
        {"tcp:nohostport", "expected unix:PATH or tcp:HOST:PORT"},
        {"unix:/tmp/x,server=maybe", "expects on or off"},
        {"unix:/tmp/x,colour=on", "unknown socket option 'colour=on'"},
        {"unix:/nonexistent-dir/s", "cannot connect"},
        {"unix:/nonexistent-dir/s,server=on,wait=off", "cannot listen"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char err[256] = "";
        g_assert_null(chardev_open(bad[i][0], err, sizeof(err)));
        g_assert_nonnull(strstr(err, bad[i][1]));
    }
}

/* -chardev lists to specs. */
static void test_options(void)
{
    static const char *const good[][2] = {
        {"null,id=a", "null"},
        {"file,id=a,path=/tmp/f", "file:/tmp/f"},
        {"socket,id=a,path=/tmp/s,server=on,wait=off", "unix:/tmp/s,server=on,wait=off"},
        {"socket,id=a,host=127.0.0.1,port=4000", "tcp:127.0.0.1:4000,server=off,wait=on"},
        {"socket,id=a,port=4000,server=on", "tcp::4000,server=on,wait=on"},
    };
    static const char *const bad[][2] = {
        {"null", "missing id"},
        {"file,id=a", "file needs path"},
        {"socket,id=a", "socket needs path"},
        {"socket,id=a,path=/s,server=perhaps", "expected on or off"},
        {"pty,id=a", "unsupported backend 'pty'"},
        {"null,id=a,mux=on", "has no property 'mux'"},
    };
    char err[256], spec[256];
    bool is_stdio;
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        KeyValueList kv;
        g_assert_cmpint(keyval_parse(&kv, "-chardev", good[i][0], true, err, sizeof(err)), ==, 0);
        g_assert_cmpint(chardev_options_spec(&kv, spec, sizeof(spec), &is_stdio, err, sizeof(err)),
                        ==, 0);
        g_assert_cmpstr(spec, ==, good[i][1]);
        g_assert_cmpstr(chardev_options_id(&kv), ==, "a");
        keyval_free(&kv);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        KeyValueList kv;
        g_assert_cmpint(keyval_parse(&kv, "-chardev", bad[i][0], true, err, sizeof(err)), ==, 0);
        g_assert_cmpint(chardev_options_spec(&kv, spec, sizeof(spec), &is_stdio, err, sizeof(err)),
                        ==, -1);
        g_assert_nonnull(strstr(err, bad[i][1]));
        keyval_free(&kv);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev-socket/tcp-connect", test_tcp_connect);
    g_test_add_func("/chardev-socket/unix-server", test_unix_server);
    g_test_add_func("/chardev-socket/bad-specs", test_bad_specs);
    g_test_add_func("/chardev-socket/options", test_options);
    return g_test_run();
}
