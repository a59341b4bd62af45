/* The ACPI tables Pacifica writes into guest memory when it boots a kernel itself
 * (RSDP, RSDT, XSDT, FADT, FACS, DSDT, MADT, HPET), describing the PC board. */
#ifndef PACIFICA_HW_ACPI_BUILD_H
#define PACIFICA_HW_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct AcpiBoardInfo {
    unsigned ncpus;
    uint64_t lapic_addr;
    bool have_ioapic;
    uint64_t ioapic_addr;
    uint8_t ioapic_id;
    bool have_hpet;
    uint64_t hpet_addr;
    bool have_fw_cfg; /* QEMU's fw_cfg at ports 0x510-0x51b (hw/fw_cfg.h) */
    uint16_t pm_base; /* PM1a event block; control at +4, timer at +8, GPE0 at +0xc */
    uint8_t sci_irq;
    uint16_t smi_cmd; /* APM control port the OS writes ACPI enable to */
    uint8_t acpi_enable, acpi_disable;
    uint8_t pirq_isa_irq[4];               /* PIC-mode routing of PIRQ A-D */
    uint8_t pirq_gsi_base;                 /* APIC mode: PIRQ A-D on GSIs base..base+3 */
    uint32_t pci_mmio_start, pci_mmio_end; /* 32-bit PCI memory window */
} AcpiBoardInfo;

/* Writes the tables to buf, which the guest sees at guest address base; returns the
 * bytes used (0 if len is too small) and the RSDP's guest address in *rsdp. */
size_t acpi_build_tables(const AcpiBoardInfo *info, uint8_t *buf, size_t len, uint64_t base,
                         uint64_t *rsdp);

/* The byte checksum that makes a table sum to zero (ACPI 6.4 §5.2.5.3). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
