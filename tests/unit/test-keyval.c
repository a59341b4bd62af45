/* QEMU-style "DRIVER,key=value" lists (system/keyval.h). */
#include <glib.h>

#include "system/keyval.h"

static void test_keyval_driver_and_items(void)
{
    KeyValueList kv;
    char err[128];
    g_assert_cmpint(keyval_parse(&kv, "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56",
                                 true, err, sizeof(err)),
                    ==, 0);
    g_assert_cmpstr(kv.driver, ==, "virtio-net-pci");
    g_assert_cmpuint(kv.nitems, ==, 2);
    g_assert_false(kv.help);
    g_assert_cmpstr(keyval_peek(&kv, "mac"), ==, "52:54:00:12:34:56");
    g_assert_cmpstr(keyval_first_unused(&kv), ==, "netdev");
    g_assert_cmpstr(keyval_take(&kv, "netdev"), ==, "n0");
    g_assert_cmpstr(keyval_first_unused(&kv), ==, "mac");
    g_assert_nonnull(keyval_take(&kv, "mac"));
    g_assert_null(keyval_first_unused(&kv));
    g_assert_null(keyval_take(&kv, "absent"));
    keyval_free(&kv);
}

/* ",," is a literal comma inside a value (QemuOpts escaping), as in file names. */
static void test_keyval_escaped_comma(void)
{
    KeyValueList kv;
    char err[128];
    g_assert_cmpint(
        keyval_parse(&kv, "-chardev", "file,id=c0,path=a,,b,,,mux=on", true, err, sizeof(err)), ==,
        0);
    g_assert_cmpstr(keyval_peek(&kv, "path"), ==, "a,b,");
    g_assert_cmpstr(keyval_peek(&kv, "mux"), ==, "on");
    keyval_free(&kv);
}

static void test_keyval_errors(void)
{
    KeyValueList kv;
    char err[128];
    g_assert_cmpint(keyval_parse(&kv, "-device", "dev,a=1,a=2", true, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "'a' given twice"));
    g_assert_cmpint(keyval_parse(&kv, "-device", "dev,bare", true, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "'bare'"));
    g_assert_cmpint(keyval_parse(&kv, "-netdev", "=x", false, err, sizeof(err)), ==, -1);
    g_assert_cmpint(keyval_parse(&kv, "-netdev", "user", false, err, sizeof(err)), ==, -1);
    g_assert_cmpint(keyval_parse(&kv, "-device", "help", true, err, sizeof(err)), ==, 0);
    g_assert_true(kv.help);
    g_assert_cmpstr(kv.driver, ==, "");
    keyval_free(&kv);
    g_assert_cmpint(keyval_parse(&kv, "-device", "pci-testdev,?", true, err, sizeof(err)), ==, 0);
    g_assert_true(kv.help);
    g_assert_cmpstr(kv.driver, ==, "pci-testdev");
    keyval_free(&kv);
}

static void test_keyval_numbers(void)
{
    uint64_t v;
    bool b;
    g_assert_true(keyval_parse_uint("0xf4", 0xffff, &v));
    g_assert_cmpuint(v, ==, 0xf4);
    g_assert_true(keyval_parse_uint("10", 10, &v));
    g_assert_false(keyval_parse_uint("11", 10, &v));
    g_assert_false(keyval_parse_uint("-1", 10, &v));
    g_assert_false(keyval_parse_uint("4x", 10, &v));
    g_assert_false(keyval_parse_uint("", 10, &v));
    g_assert_false(keyval_parse_uint("99999999999999999999999", UINT64_MAX, &v));
    g_assert_true(keyval_parse_bool("on", &b) && b);
    g_assert_true(keyval_parse_bool("false", &b) && !b);
    g_assert_false(keyval_parse_bool("maybe", &b));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval/driver-and-items", test_keyval_driver_and_items);
    g_test_add_func("/keyval/escaped-comma", test_keyval_escaped_comma);
    g_test_add_func("/keyval/errors", test_keyval_errors);
    g_test_add_func("/keyval/numbers", test_keyval_numbers);
    return g_test_run();
}
