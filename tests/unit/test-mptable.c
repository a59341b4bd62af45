/* The MP tables: both checksums, the floating pointer's pointer, and every entry (order,
 * counts and contents) for several CPU counts; size and argument checks. */
#include <glib.h>
#include <string.h>

#include "hw/mptable.h"

#define BASE       0x9fc00u
#define FPS_LEN    16
#define HEADER_LEN 44

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t byte_sum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static uint8_t *build(const MpTableInfo *info, size_t *len)
{
    size_t size = mptable_size(info);
    g_assert_cmpuint(size, >, FPS_LEN + HEADER_LEN);
    uint8_t *buf = g_malloc0(size + 64);
    memset(buf, 0xcc, size + 64);
    *len = mptable_build(info, buf, size, BASE);
    g_assert_cmpuint(*len, ==, size);
    g_assert_cmphex(buf[size], ==, 0xcc); /* nothing beyond the reported size */
    return buf;
}

/* The configuration table of a built image, checked through the floating pointer. */
static const uint8_t *config_table(const uint8_t *buf, size_t len)
{
    g_assert_cmpmem(buf, 4, "_MP_", 4);
    g_assert_cmpuint(byte_sum(buf, FPS_LEN), ==, 0);
    g_assert_cmpuint(buf[8], ==, 1); /* 16-byte paragraphs */
    g_assert_cmpuint(buf[9], ==, 4); /* spec 1.4 */
    for (int i = 11; i < 16; i++)
        g_assert_cmpuint(buf[i], ==, 0); /* table present, virtual wire mode */
    uint32_t table = ld32(buf + 4);
    g_assert_cmphex(table, ==, BASE + FPS_LEN);
    const uint8_t *t = buf + (table - BASE);
    g_assert_cmpmem(t, 4, "PCMP", 4);
    g_assert_cmpuint(ld16(t + 4), ==, len - FPS_LEN);
    g_assert_cmpuint(t[6], ==, 4);
    g_assert_cmpuint(byte_sum(t, ld16(t + 4)), ==, 0);
    g_assert_cmpmem(t + 8, 8, "PCFICA  ", 8);
    g_assert_cmpmem(t + 16, 12, "PACIFICA    ", 12);
    g_assert_cmpuint(ld16(t + 40), ==, 0); /* no extended entries */
    return t;
}

typedef struct Census {
    unsigned per_type[5];
    unsigned isa_irqs, pci_irqs;
    uint8_t ioapic_id;
} Census;

static void check_processor(const uint8_t *e, unsigned cpu)
{
    g_assert_cmpuint(e[1], ==, cpu);
    g_assert_cmphex(e[2], ==, 0x14);
    g_assert_cmphex(e[3], ==, cpu == 0 ? 3 : 1); /* enabled; BSP on CPU 0 */
    g_assert_cmphex(ld32(e + 4) >> 8 & 0xf, ==, 6);
    g_assert_true(ld32(e + 8) & (1u << 9)); /* APIC feature */
}

static void check_io_interrupt(const uint8_t *e, Census *c)
{
    g_assert_cmpuint(e[1], ==, 0); /* vectored */
    g_assert_cmpuint(e[6], ==, c->ioapic_id);
    if (e[4] == 1) { /* ISA */
        uint8_t irq = e[5];
        g_assert_cmpuint(irq, <, 16);
        g_assert_cmpuint(irq, !=, 2);
        g_assert_cmpuint(ld16(e + 2), ==, 0);
        g_assert_cmpuint(e[7], ==, irq == 0 ? 2 : irq);
        g_assert_cmpuint(c->isa_irqs, ==, irq - (irq > 2));
        c->isa_irqs++;
        return;
    }
    g_assert_cmpuint(e[4], ==, 0); /* PCI */
    unsigned slot = e[5] >> 2, pin = e[5] & 3;
    g_assert_cmpuint(slot, >=, 1);
    g_assert_cmpuint(slot, <=, 31);
    g_assert_cmpuint(ld16(e + 2), ==, 0x0f); /* level, active low */
    g_assert_cmpuint(e[7], ==, 16 + ((slot + pin) & 3));
    g_assert_cmpuint(c->pci_irqs, ==, (slot - 1) * 4 + pin);
    c->pci_irqs++;
}

static void check_local_interrupt(const uint8_t *e, unsigned nth)
{
    g_assert_cmpuint(e[1], ==, nth == 0 ? 3 : 1); /* ExtINT, then NMI */
    g_assert_cmpuint(e[6], ==, 0xff);             /* every local APIC */
    g_assert_cmpuint(e[7], ==, nth);              /* LINT0, LINT1 */
}

/* Walks the entries: types in ascending order, each one checked. */
static Census walk_entries(const uint8_t *t, const MpTableInfo *info, uint8_t ioapic_id)
{
    Census c = {.ioapic_id = ioapic_id};
    const uint8_t *e = t + HEADER_LEN, *end = t + ld16(t + 4);
    unsigned count = ld16(t + 34), last_type = 0;
    for (unsigned i = 0; i < count; i++) {
        g_assert_true(e < end);
        unsigned type = e[0];
        g_assert_cmpuint(type, <=, 4);
        g_assert_cmpuint(type, >=, last_type);
        last_type = type;
        unsigned nth = c.per_type[type]++;
        switch (type) {
        case 0: check_processor(e, nth); break;
        case 1:
            g_assert_cmpuint(e[1], ==, nth);
            g_assert_cmpmem(e + 2, 6, nth == 0 ? "PCI   " : "ISA   ", 6);
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, ioapic_id);
            g_assert_cmphex(e[2], ==, 0x20);
            g_assert_cmphex(e[3], ==, 1);
            g_assert_cmphex(ld32(e + 4), ==, info->ioapic_addr ? info->ioapic_addr : 0xfec00000);
            break;
        case 3: check_io_interrupt(e, &c); break;
        case 4: check_local_interrupt(e, nth); break;
        }
        e += type == 0 ? 20 : 8;
    }
    g_assert_true(e == end);
    return c;
}

static void check_tables(unsigned ncpus)
{
    MpTableInfo info = {.ncpus = ncpus, .ioapic_id = -1};
    size_t len;
    uint8_t *buf = build(&info, &len);
    const uint8_t *t = config_table(buf, len);
    g_assert_cmphex(ld32(t + 36), ==, 0xfee00000);
    Census c = walk_entries(t, &info, (uint8_t)ncpus);
    g_assert_cmpuint(c.per_type[0], ==, ncpus);
    g_assert_cmpuint(c.per_type[1], ==, 2);
    g_assert_cmpuint(c.per_type[2], ==, 1);
    g_assert_cmpuint(c.isa_irqs, ==, 15);
    g_assert_cmpuint(c.pci_irqs, ==, 31 * 4);
    g_assert_cmpuint(c.per_type[4], ==, 2);
    g_free(buf);
}

static void test_one_cpu(void)
{
    check_tables(1);
}

static void test_four_cpus(void)
{
    check_tables(4);
}

static void test_many_cpus(void)
{
    check_tables(64);
    check_tables(255);
}

static void test_given_addresses(void)
{
    MpTableInfo info = {.ncpus = 2,
                        .lapic_addr = 0xfee10000,
                        .ioapic_id = 9,
                        .ioapic_addr = 0xfec01000,
                        .cpu_signature = 0x000006f1,
                        .cpu_features = 0x0781fbff};
    size_t len;
    uint8_t *buf = build(&info, &len);
    const uint8_t *t = config_table(buf, len);
    g_assert_cmphex(ld32(t + 36), ==, 0xfee10000);
    Census c = walk_entries(t, &info, 9);
    g_assert_cmpuint(c.per_type[2], ==, 1);
    const uint8_t *cpu1 = t + HEADER_LEN + 20;
    g_assert_cmphex(ld32(cpu1 + 4), ==, 0x000006f1);
    g_assert_cmphex(ld32(cpu1 + 8), ==, 0x0781fbff);
    g_free(buf);
}

static void test_sizes_and_errors(void)
{
    MpTableInfo one = {.ncpus = 1, .ioapic_id = -1}, two = {.ncpus = 2, .ioapic_id = -1};
    size_t size = mptable_size(&one);
    g_assert_cmpuint(mptable_size(&two), ==, size + 20);
    /* 16 + 44 + 20 + 2 buses + I/O APIC + 15 ISA + 124 PCI + 2 local, 8 bytes each. */
    g_assert_cmpuint(size, ==, 16 + 44 + 20 + 8 * (2 + 1 + 15 + 124 + 2));
    uint8_t *buf = g_malloc0(size);
    g_assert_cmpuint(mptable_build(&one, buf, size - 1, BASE), ==, 0);
    g_assert_cmpuint(mptable_build(&one, buf, size, BASE + 8), ==, 0);    /* unaligned */
    g_assert_cmpuint(mptable_build(&one, buf, size, 0xfffffff0u), ==, 0); /* above 4 GiB */
    MpTableInfo none = {.ncpus = 0}, too_many = {.ncpus = 256};
    g_assert_cmpuint(mptable_size(&none), ==, 0);
    g_assert_cmpuint(mptable_build(&too_many, buf, size, BASE), ==, 0);
    g_assert_cmpuint(mptable_build(&one, buf, size, BASE), ==, size);
    g_free(buf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mptable/one-cpu", test_one_cpu);
    g_test_add_func("/mptable/four-cpus", test_four_cpus);
    g_test_add_func("/mptable/many-cpus", test_many_cpus);
    g_test_add_func("/mptable/given-addresses", test_given_addresses);
    g_test_add_func("/mptable/sizes-and-errors", test_sizes_and_errors);
    return g_test_run();
}
