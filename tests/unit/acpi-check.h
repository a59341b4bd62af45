/* What the ACPI unit tests (test-acpi.c, test-acpi-fw-cfg.c) share: the PC board they
 * build tables for, and the checks every table passes as an OS reads it (ACPI 6.4
 * §5.2.5.3 RSDP: signature, checksum of the first 20 bytes and extended checksum of
 * all 36; §5.2.6 system description table header: signature, length at offset 4, and
 * a checksum that makes the whole table sum to zero). */
#ifndef PACIFICA_TESTS_UNIT_ACPI_CHECK_H
#define PACIFICA_TESTS_UNIT_ACPI_CHECK_H

#include <glib.h>
#include <stdint.h>

#include "hw/acpi_build.h"

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The pc machine's: I/O APIC, HPET, PIIX4 PM block at 0x600, SCI on IRQ 9. */
static inline AcpiBoardInfo acpi_test_board(unsigned ncpus)
{
    AcpiBoardInfo info = {
        .ncpus = ncpus,
        .lapic_addr = 0xfee00000,
        .have_ioapic = true,
        .ioapic_addr = 0xfec00000,
        .have_hpet = true,
        .hpet_addr = 0xfed00000,
        .pm_base = 0x600,
        .sci_irq = 9,
        .smi_cmd = 0xb2,
        .acpi_enable = 0xf1,
        .acpi_disable = 0xf0,
        .pirq_isa_irq = {10, 10, 11, 11},
        .pirq_gsi_base = 16,
        .pci_mmio_start = 0xe0000000,
        .pci_mmio_end = 0xfebfffff,
    };
    return info;
}

static inline void acpi_check_rsdp(const uint8_t *rsdp)
{
    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(acpi_checksum(rsdp, 20), ==, 0);
    g_assert_cmpuint(acpi_checksum(rsdp, 36), ==, 0);
}

/* A table's header: its signature (unless sig is NULL) and its checksum. */
static inline void acpi_check_table(const uint8_t *t, const char *sig)
{
    if (sig)
        g_assert_cmpmem(t, 4, sig, 4);
    g_assert_cmpuint(acpi_checksum(t, rd32(t + 4)), ==, 0);
}

#endif
