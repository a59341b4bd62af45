/* The target description gdb reads with qXfer:features:read:target.xml (gdb manual,
 * "Target Descriptions": "Target Description Format" and "i386 Features"). One
 * document holds every feature; registers are numbered in document order, which is
 * the order of the g/G packets (x86-regs.c). */
#include <glib.h>
#include <stdbool.h>

#include "gdbstub/x86-regs.h"

static const char *const feature_names[GDB_NB_FEATURES] = {
    [GDB_FEATURE_CORE] = "org.gnu.gdb.i386.core",
    [GDB_FEATURE_SSE] = "org.gnu.gdb.i386.sse",
    [GDB_FEATURE_SEGMENTS] = "org.gnu.gdb.i386.segments",
    [GDB_FEATURE_SYS] = "org.pacifica.x86.sys",
    [GDB_FEATURE_AVX] = "org.gnu.gdb.i386.avx",
};

/* EFLAGS bits (SDM Vol 1 §3.4.3) for gdb's "[ ZF PF ]" display. */
static const struct {
    const char *name;
    unsigned bit;
} eflags_bits[] = {
    {"CF", 0},  {"", 1},    {"PF", 2},   {"AF", 4},   {"ZF", 6},  {"SF", 7},
    {"TF", 8},  {"IF", 9},  {"DF", 10},  {"OF", 11},  {"NT", 14}, {"RF", 16},
    {"VM", 17}, {"AC", 18}, {"VIF", 19}, {"VIP", 20}, {"ID", 21},
};

static void add_core_types(GString *x)
{
    g_string_append(x, "<flags id=\"i386_eflags\" size=\"4\">\n");
    for (size_t i = 0; i < G_N_ELEMENTS(eflags_bits); i++)
        g_string_append_printf(x, "<field name=\"%s\" start=\"%u\" end=\"%u\"/>\n",
                               eflags_bits[i].name, eflags_bits[i].bit, eflags_bits[i].bit);
    g_string_append(x, "</flags>\n");
}

static void add_sse_types(GString *x)
{
    g_string_append(x, "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
                       "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
                       "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
                       "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
                       "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
                       "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
                       "<union id=\"vec128\">\n"
                       "<field name=\"v4_float\" type=\"v4f\"/>\n"
                       "<field name=\"v2_double\" type=\"v2d\"/>\n"
                       "<field name=\"v16_int8\" type=\"v16i8\"/>\n"
                       "<field name=\"v8_int16\" type=\"v8i16\"/>\n"
                       "<field name=\"v4_int32\" type=\"v4i32\"/>\n"
                       "<field name=\"v2_int64\" type=\"v2i64\"/>\n"
                       "<field name=\"uint128\" type=\"uint128\"/>\n"
                       "</union>\n");
}

static void add_reg(GString *x, const GdbReg *r, unsigned regnum)
{
    g_string_append_printf(x, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"", r->name,
                           r->size * 8u, r->type, regnum);
    if (r->group)
        g_string_append_printf(x, " group=\"%s\"", r->group);
    g_string_append(x, "/>\n");
}

static bool feature_used(const GdbRegLayout *l, unsigned feature)
{
    for (unsigned i = 0; i < l->count; i++)
        if (l->regs[i].feature == feature)
            return true;
    return false;
}

char *gdb_target_xml(const GdbRegLayout *l)
{
    GString *x = g_string_new("<?xml version=\"1.0\"?>\n"
                              "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                              "<target version=\"1.0\">\n");
    g_string_append_printf(x, "<architecture>%s</architecture>\n",
                           l->x86_64 ? "i386:x86-64" : "i386");
    for (unsigned f = 0; f < GDB_NB_FEATURES; f++) {
        /* gdb rejects a known feature without its registers */
        if (!feature_used(l, f))
            continue;
        g_string_append_printf(x, "<feature name=\"%s\">\n", feature_names[f]);
        if (f == GDB_FEATURE_CORE)
            add_core_types(x);
        else if (f == GDB_FEATURE_SSE)
            add_sse_types(x);
        for (unsigned i = 0; i < l->count; i++)
            if (l->regs[i].feature == f)
                add_reg(x, &l->regs[i], i);
        g_string_append(x, "</feature>\n");
    }
    g_string_append(x, "</target>\n");
    return g_string_free(x, FALSE);
}
