/* gdb remote serial protocol framing (gdbstub/packet.c): checksums, escapes,
 * interrupts, over-long packets and junk. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "gdbstub/packet.h"

/* Feeds a whole string; returns the last event that was not GDB_EVENT_NONE. */
static GdbPacketEvent feed_str(GdbPacketParser *p, const char *s, size_t len)
{
    GdbPacketEvent last = GDB_EVENT_NONE;
    for (size_t i = 0; i < len; i++) {
        GdbPacketEvent ev = gdb_packet_feed(p, (uint8_t)s[i]);
        if (ev != GDB_EVENT_NONE)
            last = ev;
    }
    return last;
}

#define FEED(p, s) feed_str(p, s, strlen(s))

static void test_good_packet(void)
{
    GdbPacketParser p;
    gdb_packet_parser_init(&p);
    /* "?" sums to 0x3f (gdb manual, "Overview") */
    g_assert_cmpint(FEED(&p, "$?#3f"), ==, GDB_EVENT_PACKET);
    g_assert_cmpstr(p.data, ==, "?");
    g_assert_cmpint(FEED(&p, "$qSupported:xmlRegisters=i386#C1"), ==, GDB_EVENT_PACKET);
    g_assert_cmpstr(p.data, ==, "qSupported:xmlRegisters=i386");
    /* hex digits in either case */
    g_assert_cmpint(FEED(&p, "$g#67"), ==, GDB_EVENT_PACKET);
    g_assert_cmpint(FEED(&p, "$vCont?#49"), ==, GDB_EVENT_PACKET);
    g_assert_cmpstr(p.data, ==, "vCont?");
    g_assert_cmpint(FEED(&p, "$"), ==, GDB_EVENT_NONE);
    g_assert_cmpint(FEED(&p, "#00"), ==, GDB_EVENT_PACKET);
    g_assert_cmpuint(p.len, ==, 0);
}

static void test_bad_checksum(void)
{
    GdbPacketParser p;
    gdb_packet_parser_init(&p);
    g_assert_cmpint(FEED(&p, "$?#40"), ==, GDB_EVENT_BAD_PACKET);
    g_assert_cmpint(FEED(&p, "$?#zz"), ==, GDB_EVENT_BAD_PACKET);
    g_assert_cmpint(FEED(&p, "$?#3"), ==, GDB_EVENT_NONE);
    g_assert_cmpint(FEED(&p, "g"), ==, GDB_EVENT_BAD_PACKET);
    /* the parser recovers for the next packet */
    g_assert_cmpint(FEED(&p, "$?#3f"), ==, GDB_EVENT_PACKET);
}

static void test_control_bytes(void)
{
    GdbPacketParser p;
    gdb_packet_parser_init(&p);
    g_assert_cmpint(gdb_packet_feed(&p, 0x03), ==, GDB_EVENT_INTERRUPT);
    g_assert_cmpint(gdb_packet_feed(&p, '+'), ==, GDB_EVENT_ACK);
    g_assert_cmpint(gdb_packet_feed(&p, '-'), ==, GDB_EVENT_NACK);
    g_assert_cmpint(FEED(&p, "hello junk\r\n"), ==, GDB_EVENT_NONE);
    /* a '$' restarts a packet that was abandoned halfway */
    g_assert_cmpint(FEED(&p, "$qSupp$?#3f"), ==, GDB_EVENT_PACKET);
    g_assert_cmpstr(p.data, ==, "?");
}

static void test_escapes(void)
{
    GdbPacketParser p;
    gdb_packet_parser_init(&p);
    /* X data with '#' (0x23) escaped as "}\x03": the checksum covers the raw bytes */
    const char raw[] = "X0,1:}\x03";
    uint8_t sum = 0;
    for (size_t i = 0; i < sizeof(raw) - 1; i++)
        sum += (uint8_t)raw[i];
    char framed[32];
    snprintf(framed, sizeof(framed), "$%s#%02x", raw, sum);
    g_assert_cmpint(FEED(&p, framed), ==, GDB_EVENT_PACKET);
    g_assert_cmpuint(p.len, ==, 6);
    g_assert_cmpint(p.data[5], ==, '#');

    /* framing escapes the special characters and round-trips through the parser */
    const uint8_t data[] = {'m', '$', '#', '}', '*', 0, 0xff};
    GString *out = g_string_new(NULL);
    gdb_packet_frame(out, data, sizeof(data));
    g_assert_cmpint(feed_str(&p, out->str, out->len), ==, GDB_EVENT_PACKET);
    g_assert_cmpuint(p.len, ==, sizeof(data));
    g_assert_cmpmem(p.data, p.len, data, sizeof(data));
    g_assert_null(memchr(out->str + 1, '$', out->len - 1));
    g_string_free(out, TRUE);
}

static void test_overflow(void)
{
    GdbPacketParser p;
    gdb_packet_parser_init(&p);
    GString *big = g_string_new("$");
    for (int i = 0; i < 3 * GDB_PACKET_MAX; i++)
        g_string_append_c(big, 'a');
    g_string_append(big, "#00");
    g_assert_cmpint(feed_str(&p, big->str, big->len), ==, GDB_EVENT_BAD_PACKET);
    g_assert_cmpuint(p.len, <=, GDB_PACKET_MAX);
    g_assert_cmpint(FEED(&p, "$?#3f"), ==, GDB_EVENT_PACKET);
    g_string_free(big, TRUE);
}

/* Random bytes never leave the parser outside its buffer, and a good packet after
 * them (following a '#xx' to end any open packet) is still recognised. */
static void test_junk(void)
{
    GdbPacketParser p;
    gdb_packet_parser_init(&p);
    GRand *rand = g_rand_new_with_seed(7);
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 5000; i++) {
            gdb_packet_feed(&p, (uint8_t)g_rand_int_range(rand, 0, 256));
            g_assert_cmpuint(p.len, <=, GDB_PACKET_MAX);
        }
        FEED(&p, "#00");
        g_assert_cmpint(FEED(&p, "+$?#3f"), ==, GDB_EVENT_PACKET);
        g_assert_cmpstr(p.data, ==, "?");
    }
    g_rand_free(rand);
}

static void test_hex(void)
{
    const char *s = "ffffffff81000000,10";
    uint64_t v;
    g_assert_true(gdb_parse_hex(&s, &v));
    g_assert_cmphex(v, ==, 0xffffffff81000000ull);
    g_assert_cmpint(*s, ==, ',');
    s = "12345678901234567";
    g_assert_false(gdb_parse_hex(&s, &v)); /* more than 64 bits */
    s = ",";
    g_assert_false(gdb_parse_hex(&s, &v));

    uint8_t buf[4];
    g_assert_true(gdb_hex_to_bytes("dEadbeef", 8, buf, 4));
    g_assert_cmphex(buf[0], ==, 0xde);
    g_assert_cmphex(buf[3], ==, 0xef);
    g_assert_false(gdb_hex_to_bytes("dead", 4, buf, 4));
    g_assert_false(gdb_hex_to_bytes("xx", 2, buf, 1));
    GString *out = g_string_new(NULL);
    gdb_bytes_to_hex(out, buf, 4);
    g_assert_cmpstr(out->str, ==, "deadbeef");
    g_string_free(out, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gdb-packet/good", test_good_packet);
    g_test_add_func("/gdb-packet/bad-checksum", test_bad_checksum);
    g_test_add_func("/gdb-packet/control-bytes", test_control_bytes);
    g_test_add_func("/gdb-packet/escapes", test_escapes);
    g_test_add_func("/gdb-packet/overflow", test_overflow);
    g_test_add_func("/gdb-packet/junk", test_junk);
    g_test_add_func("/gdb-packet/hex", test_hex);
    return g_test_run();
}
