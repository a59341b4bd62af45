#define _GNU_SOURCE /* memmem */
/* ACPI table generation: structure and checksums of every table, the pointers between
 * them, MADT entries, FADT register blocks, and AML encodings in the DSDT. */
#include <glib.h>
#include <string.h>

#include "hw/acpi_build.h"
#include "hw/aml.h"
#include "acpi-check.h"

#define BASE 0x7fe0000ull

static const uint8_t *table_at(const uint8_t *buf, uint64_t addr)
{
    return buf + (addr - BASE);
}

static void test_tables(void)
{
    static uint8_t buf[65536];
    AcpiBoardInfo info = acpi_test_board(4);
    uint64_t rsdp_addr;
    size_t used = acpi_build_tables(&info, buf, sizeof(buf), BASE, &rsdp_addr);
    g_assert_cmpuint(used, >, 0);
    const uint8_t *rsdp = table_at(buf, rsdp_addr);
    acpi_check_rsdp(rsdp);
    const uint8_t *rsdt = table_at(buf, rd32(rsdp + 16));
    acpi_check_table(rsdt, "RSDT");
    const uint8_t *xsdt = table_at(buf, rd32(rsdp + 24));
    acpi_check_table(xsdt, "XSDT");
    g_assert_cmpuint(rd32(rsdt + 4), ==, 36 + 3 * 4); /* FADT, MADT, HPET */
    const uint8_t *fadt = table_at(buf, rd32(rsdt + 36));
    const uint8_t *madt = table_at(buf, rd32(rsdt + 40));
    const uint8_t *hpet = table_at(buf, rd32(rsdt + 44));
    acpi_check_table(fadt, "FACP");
    acpi_check_table(madt, "APIC");
    acpi_check_table(hpet, "HPET");
    g_assert_cmphex(rd32(fadt + 56), ==, 0x600);
    g_assert_cmphex(rd32(fadt + 64), ==, 0x604);
    g_assert_cmphex(rd32(fadt + 76), ==, 0x608);
    g_assert_cmpuint(fadt[46], ==, 9);
    const uint8_t *dsdt = table_at(buf, rd32(fadt + 40));
    acpi_check_table(dsdt, "DSDT");
    g_assert_cmpmem(table_at(buf, rd32(fadt + 36)), 4, "FACS", 4);
    /* MADT: 4 local APICs, 1 I/O APIC, 5 overrides, 1 NMI entry. */
    unsigned counts[8] = {0};
    for (const uint8_t *e = madt + 44; e < madt + rd32(madt + 4); e += e[1])
        counts[e[0]]++;
    g_assert_cmpuint(counts[0], ==, 4);
    g_assert_cmpuint(counts[1], ==, 1);
    g_assert_cmpuint(counts[2], ==, 5);
    g_assert_cmpuint(counts[4], ==, 1);
    /* DSDT: the PCI root's EISA ID PNP0A03 (41 D0 0A 03) and the _PRT method name. */
    const uint8_t pnp0a03[] = {0x0c, 0x41, 0xd0, 0x0a, 0x03};
    g_assert_nonnull(memmem(dsdt, rd32(dsdt + 4), pnp0a03, sizeof(pnp0a03)));
    g_assert_nonnull(memmem(dsdt, rd32(dsdt + 4), "_PRT", 4));
    g_assert_nonnull(memmem(dsdt, rd32(dsdt + 4), "_S5_", 4));
    /* Too small a buffer is refused, not overrun. */
    g_assert_cmpuint(acpi_build_tables(&info, buf, 100, BASE, &rsdp_addr), ==, 0);
}

static void test_aml_encodings(void)
{
    Aml *a = aml_int(0x1234);
    const uint8_t word[] = {0x0b, 0x34, 0x12};
    g_assert_cmpmem(a->data, a->len, word, sizeof(word));
    aml_free(a);
    /* A long package needs a two-byte PkgLength: lead byte 0x4N. */
    Aml *elems = aml_new();
    for (int i = 0; i < 40; i++)
        aml_append(elems, aml_int(0x100 + i));
    Aml *pkg = aml_package(elems, 40);
    g_assert_cmphex(pkg->data[0], ==, 0x12);
    g_assert_cmphex(pkg->data[1] >> 6, ==, 1);
    unsigned len = (pkg->data[1] & 0xf) | (pkg->data[2] << 4);
    g_assert_cmpuint(len, ==, pkg->len - 1);
    aml_free(pkg);
    Aml *n = aml_name_string("\\_SB.PCI0");
    const uint8_t path[] = {'\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0'};
    g_assert_cmpmem(n->data, n->len, path, sizeof(path));
    aml_free(n);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/tables", test_tables);
    g_test_add_func("/acpi/aml-encodings", test_aml_encodings);
    return g_test_run();
}
