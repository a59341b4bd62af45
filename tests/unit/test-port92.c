/* System Control Port A (0x92): fast A20 and fast reset, driven as SeaBIOS and
 * Linux drive it. */
#include <glib.h>
#include <string.h>

#include "hw/port92.h"

typedef struct Rig {
    Log log;
    AddressSpace io;
    unsigned resets;
    unsigned a20_calls;
    bool a20;
    Port92State *p;
} Rig;

static void rig_request_reset(void *opaque)
{
    Rig *r = opaque;
    r->resets++;
}

static void rig_set_a20(void *opaque, bool enabled)
{
    Rig *r = opaque;
    r->a20_calls++;
    r->a20 = enabled;
}

static void rig_init(Rig *r)
{
    memset(r, 0, sizeof(*r));
    address_space_init(&r->io, "io", 1 << 16, &r->log);
    r->p = port92_new(&r->io, rig_request_reset, rig_set_a20, r);
}

static void rig_destroy(Rig *r)
{
    port92_free(r->p);
    address_space_destroy(&r->io);
}

static uint8_t inb(Rig *r)
{
    return (uint8_t)address_space_read(&r->io, PORT92_PORT, 1);
}

static void outb(Rig *r, uint8_t val)
{
    address_space_write(&r->io, PORT92_PORT, val, 1);
}

static void test_a20(void)
{
    Rig r;
    rig_init(&r);
    g_assert_cmphex(inb(&r), ==, 0x00);
    g_assert_false(port92_a20_enabled(r.p));
    /* SeaBIOS's set_a20: read, set or clear bit 1, write back. */
    outb(&r, inb(&r) | PORT92_A20);
    g_assert_cmpuint(r.a20_calls, ==, 1);
    g_assert_true(r.a20);
    g_assert_true(port92_a20_enabled(r.p));
    g_assert_cmphex(inb(&r), ==, PORT92_A20);
    /* The same value again reports nothing new. */
    outb(&r, PORT92_A20);
    g_assert_cmpuint(r.a20_calls, ==, 1);
    outb(&r, inb(&r) & ~PORT92_A20);
    g_assert_cmpuint(r.a20_calls, ==, 2);
    g_assert_false(r.a20);
    /* Reserved bits read as 0. */
    outb(&r, 0xfc);
    g_assert_cmphex(inb(&r), ==, 0x00);
    g_assert_cmpuint(r.resets, ==, 0);
    rig_destroy(&r);
}

static void test_fast_reset(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, PORT92_A20);
    /* 0 to 1 on bit 0 resets; the bit reads back. */
    outb(&r, PORT92_A20 | PORT92_FAST_RESET);
    g_assert_cmpuint(r.resets, ==, 1);
    g_assert_cmphex(inb(&r), ==, PORT92_A20 | PORT92_FAST_RESET);
    /* Writing it back still set (a read-modify-write of A20) does not reset
     * again; the bit must go to 0 first. */
    outb(&r, PORT92_FAST_RESET);
    g_assert_cmpuint(r.resets, ==, 1);
    g_assert_false(r.a20);
    outb(&r, 0x00);
    g_assert_cmpuint(r.resets, ==, 1);
    outb(&r, PORT92_FAST_RESET);
    g_assert_cmpuint(r.resets, ==, 2);
    /* The machine reset clears the port and closes this gate, and says so. */
    outb(&r, PORT92_A20 | PORT92_FAST_RESET);
    unsigned calls = r.a20_calls;
    r.p->dev.reset(&r.p->dev);
    g_assert_cmphex(inb(&r), ==, 0x00);
    g_assert_cmpuint(r.a20_calls, ==, calls + 1);
    g_assert_false(r.a20);
    outb(&r, PORT92_FAST_RESET);
    g_assert_cmpuint(r.resets, ==, 3);
    rig_destroy(&r);
}

static void test_vmstate_round_trip(void)
{
    Rig r;
    rig_init(&r);
    outb(&r, PORT92_A20);
    size_t len = vmstate_size(r.p->dev.fields);
    g_assert_cmpuint(len, ==, 1);
    uint8_t buf[1];
    g_assert_cmpuint(vmstate_save(&r.p->dev, buf, sizeof(buf)), ==, 1);
    r.p->dev.reset(&r.p->dev);
    g_assert_cmphex(inb(&r), ==, 0x00);
    g_assert_cmpint(vmstate_load(&r.p->dev, buf, sizeof(buf)), ==, 0);
    g_assert_cmphex(inb(&r), ==, PORT92_A20);
    g_assert_true(port92_a20_enabled(r.p));
    rig_destroy(&r);
}

static void test_free_unregisters_port(void)
{
    Rig r;
    rig_init(&r);
    port92_free(r.p);
    g_assert_cmphex(address_space_read(&r.io, PORT92_PORT, 1), ==, 0xff);
    address_space_destroy(&r.io);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/port92/a20", test_a20);
    g_test_add_func("/port92/fast-reset", test_fast_reset);
    g_test_add_func("/port92/vmstate-round-trip", test_vmstate_round_trip);
    g_test_add_func("/port92/free-unregisters-port", test_free_unregisters_port);
    return g_test_run();
}
