/* Character backends: file, null, stdio (in a subprocess, on pipes and a pty), errors. */
#define _GNU_SOURCE /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "system/chardev.h"

typedef struct TestDir {
    char *path;
} TestDir;

static void test_dir_init(TestDir *d)
{
    GError *error = NULL;
    d->path = g_dir_make_tmp("pacifica-chardev-XXXXXX", &error);
    g_assert_no_error(error);
}

static char *test_dir_file(const TestDir *d, const char *name)
{
    return g_build_filename(d->path, name, NULL);
}

static void test_dir_destroy(TestDir *d)
{
    GDir *dir = g_dir_open(d->path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        char *p = g_build_filename(d->path, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (dir)
        g_dir_close(dir);
    g_rmdir(d->path);
    g_free(d->path);
}

static void write_str(Chardev *chr, const char *s)
{
    chardev_write(chr, (const uint8_t *)s, strlen(s));
}

static void test_file_backend(void)
{
    TestDir dir;
    test_dir_init(&dir);
    char *path = test_dir_file(&dir, "serial.log");
    g_assert_true(g_file_set_contents(path, "old contents that must go", -1, NULL));

    char *spec = g_strdup_printf("file:%s", path);
    char err[256] = "";
    Chardev *chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(chr);
    g_assert_cmpint(chardev_input_fd(chr), ==, -1);
    g_assert_false(chardev_handle_input(chr));
    write_str(chr, "hello");
    write_str(chr, ", world\n");
    chardev_write(chr, NULL, 0);
    chardev_close(chr);

    char *contents = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello, world\n");
    g_free(contents);
    g_free(spec);
    g_free(path);
    test_dir_destroy(&dir);
}

static void count_flush_request(void *opaque)
{
    (*(int *)opaque)++;
}

static size_t file_size(const char *path)
{
    char *contents = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_free(contents);
    return len;
}

/* Deferred output: bytes wait for chardev_flush, the flusher is asked once per burst,
 * a full buffer flushes itself in order, and close writes what is left. */
static void test_deferred_output(void)
{
    TestDir dir;
    test_dir_init(&dir);
    char *path = test_dir_file(&dir, "serial.log");
    char *spec = g_strdup_printf("file:%s", path);
    char err[256] = "";
    Chardev *chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(chr);
    int requests = 0;
    chardev_defer_output(chr, count_flush_request, &requests);
    write_str(chr, "abc");
    write_str(chr, "def\n");
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpuint(file_size(path), ==, 0);
    chardev_flush(chr);
    g_assert_cmpuint(file_size(path), ==, 7);
    write_str(chr, "g");
    g_assert_cmpint(requests, ==, 2);

    /* More than the buffer holds: the writer flushes by itself, nothing is lost. */
    size_t big = CHARDEV_OUT_BUF_SIZE + 100;
    uint8_t *buf = g_malloc(big);
    for (size_t i = 0; i < big; i++)
        buf[i] = (uint8_t)('0' + i % 10);
    chardev_write(chr, buf, big);
    g_assert_cmpuint(file_size(path), >=, CHARDEV_OUT_BUF_SIZE);
    chardev_close(chr);

    char *contents = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, ==, 8 + big);
    g_assert_cmpmem(contents, 8, "abcdef\ng", 8);
    g_assert_cmpmem(contents + 8, big, buf, big);
    g_free(contents);
    g_free(buf);
    g_free(spec);
    g_free(path);
    test_dir_destroy(&dir);
}

static void test_file_error(void)
{
    TestDir dir;
    test_dir_init(&dir);
    char *path = test_dir_file(&dir, "no-such-dir/out");
    char *spec = g_strdup_printf("file:%s", path);
    char err[512] = "";
    g_assert_null(chardev_open(spec, err, sizeof(err)));
    g_assert_nonnull(strstr(err, path));
    g_assert_nonnull(strstr(err, strerror(ENOENT)));

    err[0] = '\0';
    g_assert_null(chardev_open("file:", err, sizeof(err)));
    g_assert_nonnull(strstr(err, "'file:'"));
    g_free(spec);
    g_free(path);
    test_dir_destroy(&dir);
}

static void test_unknown_backend(void)
{
    char err[256] = "";
    g_assert_null(chardev_open("bogus", err, sizeof(err)));
    g_assert_nonnull(strstr(err, "'bogus'"));
    g_assert_nonnull(strstr(err, "unknown character backend"));
    g_assert_nonnull(strstr(err, "file:PATH"));

    /* A tiny buffer truncates the message but must not overflow. */
    char small[8];
    memset(small, 'x', sizeof(small));
    g_assert_null(chardev_open("std", small, sizeof(small)));
    g_assert_cmpuint(strlen(small), ==, sizeof(small) - 1);
}

static void test_null_backend(void)
{
    char err[256] = "";
    Chardev *chr = chardev_open("null", err, sizeof(err));
    g_assert_nonnull(chr);
    g_assert_cmpint(chardev_input_fd(chr), ==, -1);
    g_assert_false(chardev_handle_input(chr));
    write_str(chr, "into the void");
    chardev_close(chr);
}

/* Several threads write whole lines at once: with the per-backend lock every
 * line arrives in one piece. */
typedef struct WriterArgs {
    Chardev *chr;
    char letter;
} WriterArgs;

#define LINES_PER_WRITER 200
#define LINE_LEN         100

static void *writer_thread(void *opaque)
{
    WriterArgs *a = opaque;
    uint8_t line[LINE_LEN];
    memset(line, a->letter, sizeof(line) - 1);
    line[LINE_LEN - 1] = '\n';
    for (int i = 0; i < LINES_PER_WRITER; i++)
        chardev_write(a->chr, line, sizeof(line));
    return NULL;
}

static void test_concurrent_writes(void)
{
    TestDir dir;
    test_dir_init(&dir);
    char *path = test_dir_file(&dir, "out");
    char *spec = g_strdup_printf("file:%s", path);
    char err[256];
    Chardev *chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(chr);
    pthread_t th[4];
    WriterArgs args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (WriterArgs){chr, 'a' + i};
        pthread_create(&th[i], NULL, writer_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    chardev_close(chr);

    char *contents = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, ==, 4 * LINES_PER_WRITER * LINE_LEN);
    for (gsize line = 0; line < len; line += LINE_LEN) {
        for (int i = 1; i < LINE_LEN - 1; i++)
            g_assert_cmpint(contents[line + i], ==, contents[line]);
        g_assert_cmpint(contents[line + LINE_LEN - 1], ==, '\n');
    }
    g_free(contents);
    g_free(spec);
    g_free(path);
    test_dir_destroy(&dir);
}

/* ---- stdio, run in a subprocess that owns its fds 0 and 1 ------------------- */

typedef struct InputSink {
    size_t room; /* what can_read reports */
    GString *got;
} InputSink;

static size_t sink_can_read(void *opaque)
{
    return ((InputSink *)opaque)->room;
}

static void sink_read(void *opaque, const uint8_t *buf, size_t len)
{
    InputSink *s = opaque;
    g_assert_cmpuint(len, <=, s->room);
    g_string_append_len(s->got, (const char *)buf, len);
}

static void stdio_on_pipes_child(void)
{
    int in[2], out[2];
    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    g_assert_cmpint(write(in[1], "abcdefg", 7), ==, 7);
    close(in[1]);
    int saved_stdout = dup(STDOUT_FILENO);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);

    char err[256];
    Chardev *chr = chardev_open("stdio", err, sizeof(err));
    g_assert_nonnull(chr);
    g_assert_cmpint(chardev_input_fd(chr), ==, STDIN_FILENO);
    write_str(chr, "to stdout");

    InputSink sink = {4, g_string_new("")};
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    g_assert_true(chardev_handle_input(chr));
    g_assert_cmpstr(sink.got->str, ==, "abcd");
    sink.room = 0; /* frontend full: nothing is read, and that is not EOF */
    g_assert_true(chardev_handle_input(chr));
    sink.room = 100;
    g_assert_true(chardev_handle_input(chr));
    g_assert_cmpstr(sink.got->str, ==, "abcdefg");
    g_assert_false(chardev_handle_input(chr)); /* EOF */
    chardev_close(chr);

    dup2(saved_stdout, STDOUT_FILENO);
    close(out[1]);
    char buf[32] = "";
    g_assert_cmpint(read(out[0], buf, sizeof(buf) - 1), ==, 9);
    g_assert_cmpstr(buf, ==, "to stdout");
    g_string_free(sink.got, TRUE);
}

static void test_stdio_pipes(void)
{
    if (g_test_subprocess()) {
        stdio_on_pipes_child();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* Output to a full non-blocking pipe is dropped, not waited for. */
static void stdio_nonblocking_child(void)
{
    int out[2];
    g_assert_cmpint(pipe(out), ==, 0);
    fcntl(out[1], F_SETFL, O_NONBLOCK);
    int saved_stdout = dup(STDOUT_FILENO);
    dup2(out[1], STDOUT_FILENO);
    char err[256];
    Chardev *chr = chardev_open("stdio", err, sizeof(err));
    g_assert_nonnull(chr);
    static uint8_t big[1 << 20];
    chardev_write(chr, big, sizeof(big)); /* more than a pipe holds: would hang */
    chardev_close(chr);
    dup2(saved_stdout, STDOUT_FILENO);
}

static void test_stdio_nonblocking(void)
{
    if (g_test_subprocess()) {
        stdio_nonblocking_child();
        return;
    }
    g_test_trap_subprocess(NULL, 5 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* On a terminal: raw input with signals kept, restored on close. */
static void stdio_on_pty_child(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    g_assert_cmpint(master, >=, 0);
    g_assert_cmpint(grantpt(master), ==, 0);
    g_assert_cmpint(unlockpt(master), ==, 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    g_assert_cmpint(slave, >=, 0);
    dup2(slave, STDIN_FILENO);

    struct termios before, raw, after;
    g_assert_cmpint(tcgetattr(STDIN_FILENO, &before), ==, 0);
    g_assert_true(before.c_lflag & ICANON);

    char err[256];
    Chardev *chr = chardev_open("stdio", err, sizeof(err));
    g_assert_nonnull(chr);
    g_assert_cmpint(tcgetattr(STDIN_FILENO, &raw), ==, 0);
    g_assert_false(raw.c_lflag & ICANON);
    g_assert_false(raw.c_lflag & ECHO);
    g_assert_true(raw.c_lflag & ISIG);
    g_assert_false(raw.c_iflag & ICRNL);

    /* Each key arrives at once, CR untranslated. */
    g_assert_cmpint(write(master, "x\r", 2), ==, 2);
    InputSink sink = {64, g_string_new("")};
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    for (int i = 0; i < 100 && sink.got->len < 2; i++)
        g_assert_true(chardev_handle_input(chr));
    g_assert_cmpstr(sink.got->str, ==, "x\r");

    chardev_close(chr);
    g_assert_cmpint(tcgetattr(STDIN_FILENO, &after), ==, 0);
    g_assert_true(after.c_lflag & ICANON);
    g_assert_cmphex(after.c_lflag, ==, before.c_lflag);
    g_assert_cmphex(after.c_iflag, ==, before.c_iflag);
    g_string_free(sink.got, TRUE);
}

static void test_stdio_pty(void)
{
    if (g_test_subprocess()) {
        stdio_on_pty_child();
        return;
    }
    int probe = posix_openpt(O_RDWR | O_NOCTTY);
    if (probe < 0) {
        g_test_skip("no pseudo-terminals here");
        return;
    }
    close(probe);
    g_test_trap_subprocess(NULL, 5 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/file", test_file_backend);
    g_test_add_func("/chardev/file-error", test_file_error);
    g_test_add_func("/chardev/deferred-output", test_deferred_output);
    g_test_add_func("/chardev/unknown", test_unknown_backend);
    g_test_add_func("/chardev/null", test_null_backend);
    g_test_add_func("/chardev/concurrent-writes", test_concurrent_writes);
    g_test_add_func("/chardev/stdio/pipes", test_stdio_pipes);
    g_test_add_func("/chardev/stdio/nonblocking", test_stdio_nonblocking);
    g_test_add_func("/chardev/stdio/pty", test_stdio_pty);
    return g_test_run();
}
