/* Saved device state: field tables serialised and restored. */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "system/device.h"

typedef struct TestDev {
    DeviceState parent;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int64_t i64;
    bool flag;
    uint8_t fifo[5];
    char blob[7];
    uint32_t not_saved;
} TestDev;

static const VMStateField test_dev_fields[] = {
    VMSTATE_U8(TestDev, u8),
    VMSTATE_U16(TestDev, u16),
    VMSTATE_U32(TestDev, u32),
    VMSTATE_U64(TestDev, u64),
    VMSTATE_I64(TestDev, i64),
    VMSTATE_BOOL(TestDev, flag),
    VMSTATE_U8_ARRAY(TestDev, fifo, 5),
    VMSTATE_BYTES(TestDev, blob),
    VMSTATE_END,
};

#define TEST_DEV_SAVED_SIZE (1 + 2 + 4 + 8 + 8 + 1 + 5 + 7)

static void test_dev_init(TestDev *d)
{
    memset(d, 0, sizeof(*d));
    d->parent.name = "testdev";
    d->parent.fields = test_dev_fields;
}

static void count_post_load(DeviceState *dev)
{
    ((TestDev *)dev)->not_saved++;
}

/* post_load runs after a successful load only. */
static void test_post_load(void)
{
    TestDev d;
    test_dev_init(&d);
    d.parent.post_load = count_post_load;
    uint8_t buf[TEST_DEV_SAVED_SIZE] = {0};
    g_assert_cmpint(vmstate_load(&d.parent, buf, sizeof(buf) - 1), ==, -1);
    g_assert_cmpuint(d.not_saved, ==, 0);
    g_assert_cmpint(vmstate_load(&d.parent, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(d.not_saved, ==, 1);
}

static void test_round_trip(void)
{
    TestDev a, b;
    test_dev_init(&a);
    a.u8 = 0x12;
    a.u16 = 0x3456;
    a.u32 = 0x789abcde;
    a.u64 = 0x0123456789abcdefull;
    a.i64 = -2;
    a.flag = true;
    memcpy(a.fifo, "\x01\x02\x03\x04\x05", 5);
    memcpy(a.blob, "pacific", 7);
    a.not_saved = 99;

    g_assert_cmpuint(vmstate_size(test_dev_fields), ==, TEST_DEV_SAVED_SIZE);
    uint8_t buf[64];
    memset(buf, 0xcc, sizeof(buf));
    g_assert_cmpuint(vmstate_save(&a.parent, buf, sizeof(buf)), ==, TEST_DEV_SAVED_SIZE);
    g_assert_cmphex(buf[TEST_DEV_SAVED_SIZE], ==, 0xcc); /* nothing written past it */

    /* The stream: fields in table order, little-endian. */
    static const uint8_t expected[TEST_DEV_SAVED_SIZE] = {
        0x12,                                           /* u8 */
        0x56, 0x34,                                     /* u16 */
        0xde, 0xbc, 0x9a, 0x78,                         /* u32 */
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* u64 */
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* i64 */
        0x01,                                           /* flag */
        1,    2,    3,    4,    5,                      /* fifo */
        'p',  'a',  'c',  'i',  'f',  'i',  'c',        /* blob */
    };
    g_assert_cmpmem(buf, TEST_DEV_SAVED_SIZE, expected, sizeof(expected));

    test_dev_init(&b);
    g_assert_cmpint(vmstate_load(&b.parent, buf, TEST_DEV_SAVED_SIZE), ==, 0);
    g_assert_cmphex(b.u8, ==, a.u8);
    g_assert_cmphex(b.u16, ==, a.u16);
    g_assert_cmphex(b.u32, ==, a.u32);
    g_assert_cmphex(b.u64, ==, a.u64);
    g_assert_cmpint(b.i64, ==, -2);
    g_assert_true(b.flag);
    g_assert_cmpmem(b.fifo, 5, a.fifo, 5);
    g_assert_cmpmem(b.blob, 7, a.blob, 7);
    g_assert_cmpuint(b.not_saved, ==, 0);
    g_assert_cmpstr(b.parent.name, ==, "testdev"); /* the header is not state */
}

static void test_wrong_length(void)
{
    TestDev a, b;
    test_dev_init(&a);
    a.u32 = 0xdeadbeef;
    uint8_t buf[64];
    g_assert_cmpuint(vmstate_save(&a.parent, buf, TEST_DEV_SAVED_SIZE - 1), ==, 0);
    g_assert_cmpuint(vmstate_save(&a.parent, buf, sizeof(buf)), ==, TEST_DEV_SAVED_SIZE);

    test_dev_init(&b);
    b.u32 = 7;
    g_assert_cmpint(vmstate_load(&b.parent, buf, TEST_DEV_SAVED_SIZE - 1), ==, -1);
    g_assert_cmpint(vmstate_load(&b.parent, buf, TEST_DEV_SAVED_SIZE + 1), ==, -1);
    g_assert_cmpuint(b.u32, ==, 7); /* a rejected load changes nothing */
    g_assert_cmpint(vmstate_load(&b.parent, buf, TEST_DEV_SAVED_SIZE), ==, 0);
    g_assert_cmphex(b.u32, ==, 0xdeadbeef);
}

static void test_bool_normalised(void)
{
    TestDev d;
    test_dev_init(&d);
    uint8_t buf[TEST_DEV_SAVED_SIZE] = {0};
    buf[1 + 2 + 4 + 8 + 8] = 0x80; /* any non-zero byte means true */
    g_assert_cmpint(vmstate_load(&d.parent, buf, sizeof(buf)), ==, 0);
    g_assert_true(d.flag);
    uint8_t out[TEST_DEV_SAVED_SIZE];
    vmstate_save(&d.parent, out, sizeof(out));
    g_assert_cmphex(out[1 + 2 + 4 + 8 + 8], ==, 1);
}

typedef struct U16ArrayDev {
    DeviceState parent;
    uint16_t regs[3];
} U16ArrayDev;

static void test_typed_array_and_empty(void)
{
    /* A count > 1 on a wider type: every element, little-endian. */
    static const VMStateField fields[] = {
        {"regs", offsetof(U16ArrayDev, regs), VMS_U16, 3},
        VMSTATE_END,
    };
    U16ArrayDev d = {.parent = {.fields = fields}, .regs = {0x0102, 0x0304, 0x0506}};
    uint8_t buf[6];
    g_assert_cmpuint(vmstate_size(fields), ==, 6);
    g_assert_cmpuint(vmstate_save(&d.parent, buf, sizeof(buf)), ==, 6);
    g_assert_cmpmem(buf, 6, "\x02\x01\x04\x03\x06\x05", 6);
    memset(d.regs, 0, sizeof(d.regs));
    g_assert_cmpint(vmstate_load(&d.parent, buf, 6), ==, 0);
    g_assert_cmphex(d.regs[2], ==, 0x0506);

    /* A device with no saved fields. */
    static const VMStateField none[] = {VMSTATE_END};
    DeviceState empty = {.name = "empty", .fields = none};
    g_assert_cmpuint(vmstate_size(none), ==, 0);
    g_assert_cmpint(vmstate_load(&empty, buf, 0), ==, 0);
    g_assert_cmpint(vmstate_load(&empty, buf, 1), ==, -1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/round-trip", test_round_trip);
    g_test_add_func("/vmstate/wrong-length", test_wrong_length);
    g_test_add_func("/vmstate/post-load", test_post_load);
    g_test_add_func("/vmstate/bool-normalised", test_bool_normalised);
    g_test_add_func("/vmstate/typed-array-and-empty", test_typed_array_and_empty);
    return g_test_run();
}
