/* QEMU's isa-debug-exit device and the 0xe9 debug console, through the port
 * address space. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/debug_exit.h"
#include "hw/debugcon.h"
#include "system/chardev.h"

typedef struct ExitRecorder {
    unsigned calls;
    int status;
} ExitRecorder;

static void record_exit(void *opaque, int status)
{
    ExitRecorder *rec = opaque;
    rec->calls++;
    rec->status = status;
}

static void test_write_sizes(void)
{
    Log log = {0, NULL};
    AddressSpace io;
    address_space_init(&io, "io", 1 << 16, &log);
    ExitRecorder rec = {0, 0};
    DebugExitState *d = debug_exit_new(&io, 0xf4, 4, record_exit, &rec);

    address_space_write(&io, 0xf4, 0x00, 1);
    g_assert_cmpuint(rec.calls, ==, 1);
    g_assert_cmpint(rec.status, ==, 1);
    address_space_write(&io, 0xf4, 0x10, 1);
    g_assert_cmpint(rec.status, ==, 0x21);
    address_space_write(&io, 0xf4, 0x1234, 2);
    g_assert_cmpuint(rec.calls, ==, 3);
    g_assert_cmpint(rec.status, ==, 0x2469);
    address_space_write(&io, 0xf4, 0x12345678, 4);
    g_assert_cmpuint(rec.calls, ==, 4);
    g_assert_cmpint(rec.status, ==, 0x2468acf1);
    /* The shift drops bit 31 as QEMU's conversion to int does. */
    address_space_write(&io, 0xf4, 0xffffffff, 4);
    g_assert_cmpint(rec.status, ==, -1);
    /* Every port of the range works, not only the first. */
    address_space_write(&io, 0xf7, 0x03, 1);
    g_assert_cmpuint(rec.calls, ==, 6);
    g_assert_cmpint(rec.status, ==, 7);
    address_space_write(&io, 0xf6, 0x0102, 2);
    g_assert_cmpint(rec.status, ==, 0x0205);

    debug_exit_free(d);
    address_space_destroy(&io);
}

static void test_outside_range(void)
{
    Log log = {0, NULL};
    AddressSpace io;
    address_space_init(&io, "io", 1 << 16, &log);
    ExitRecorder rec = {0, 0};
    DebugExitState *d = debug_exit_new(&io, 0xf4, 4, record_exit, &rec);

    address_space_write(&io, 0xf3, 0x01, 1);
    address_space_write(&io, 0xf8, 0x01, 1);
    address_space_write(&io, 0xf0, 0x01, 4);
    g_assert_cmpuint(rec.calls, ==, 0);
    /* Reads return 0 inside, all-ones outside, and never exit. */
    g_assert_cmphex(address_space_read(&io, 0xf4, 4), ==, 0);
    g_assert_cmphex(address_space_read(&io, 0xf7, 1), ==, 0);
    g_assert_cmphex(address_space_read(&io, 0xf8, 1), ==, 0xff);
    g_assert_cmpuint(rec.calls, ==, 0);

    /* QEMU's default place: two ports at 0x501. */
    DebugExitState *d2 = debug_exit_new(&io, 0x501, 2, record_exit, &rec);
    address_space_write(&io, 0x500, 0x05, 1);
    address_space_write(&io, 0x503, 0x05, 1);
    g_assert_cmpuint(rec.calls, ==, 0);
    address_space_write(&io, 0x502, 0x05, 1);
    g_assert_cmpuint(rec.calls, ==, 1);
    g_assert_cmpint(rec.status, ==, 0x0b);
    debug_exit_free(d2);

    /* Freed: the ports are empty again. */
    debug_exit_free(d);
    address_space_write(&io, 0xf4, 0x01, 1);
    g_assert_cmpuint(rec.calls, ==, 1);
    address_space_destroy(&io);
}

static void test_debugcon(void)
{
    Log log = {0, NULL};
    AddressSpace io;
    address_space_init(&io, "io", 1 << 16, &log);
    char *dir = g_dir_make_tmp("test-debugcon-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *path = g_build_filename(dir, "out", NULL);
    char *spec = g_strconcat("file:", path, NULL);
    char err[256];
    Chardev *chr = chardev_open(spec, err, sizeof(err));
    g_assert_nonnull(chr);
    DebugconState *d = debugcon_new(&io, 0xe9, chr);

    g_assert_cmphex(address_space_read(&io, 0xe9, 1), ==, 0xe9);
    for (const char *p = "ok\n"; *p; p++)
        address_space_write(&io, 0xe9, (uint8_t)*p, 1);
    /* A word write puts its low byte on 0xe9; the high byte goes to 0xea. */
    address_space_write(&io, 0xe9, 0x2121, 2);
    g_assert_cmphex(address_space_read(&io, 0xea, 1), ==, 0xff);
    debugcon_free(d);
    g_assert_cmphex(address_space_read(&io, 0xe9, 1), ==, 0xff);
    chardev_close(chr);

    gchar *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpmem(data, len, "ok\n!", 4);
    g_free(data);

    /* Without a chardev the port is still there and output is dropped. */
    DebugconState *d2 = debugcon_new(&io, 0xe9, NULL);
    address_space_write(&io, 0xe9, 'x', 1);
    g_assert_cmphex(address_space_read(&io, 0xe9, 1), ==, 0xe9);
    debugcon_free(d2);

    g_unlink(path);
    g_rmdir(dir);
    g_free(spec);
    g_free(path);
    g_free(dir);
    address_space_destroy(&io);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/debug-exit/write-sizes", test_write_sizes);
    g_test_add_func("/debug-exit/outside-range", test_outside_range);
    g_test_add_func("/debugcon/output-and-readback", test_debugcon);
    return g_test_run();
}
