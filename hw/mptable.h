/* The Intel MultiProcessor Specification 1.4 tables (chapter 4): the MP floating pointer
 * structure and the MP configuration table, for guests that find the processors and the
 * I/O APIC without ACPI (Linux with acpi=off). They describe the same board as the ACPI
 * tables: one processor per vCPU with APIC ID = index, a PCI bus 0 and an ISA bus 1,
 * one I/O APIC with ISA IRQ 0 on pin 2 and the other ISA IRQs on their own pins, PCI
 * INTx rotated over pins 16-19 ((slot + pin) & 3), and the 8259 (ExtINT) and NMI on
 * LINT0 and LINT1 of every local APIC.
 *
 * Where it goes: the floating pointer must lie where the OS scans for it (§4: the first
 * KiB of the EBDA, the last KiB of base memory, or 0xF0000-0xFFFFF) on a 16-byte
 * boundary. The configuration table follows it directly and takes mptable_size()
 * bytes in all (about 1.2 KiB plus 20 bytes per vCPU beyond the first), so the area must
 * be reserved in the e820 map for that length.
 */
#ifndef PACIFICA_HW_MPTABLE_H
#define PACIFICA_HW_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MPTABLE_MAX_CPUS 255 /* 8-bit APIC IDs, ID 255 being "all" */

typedef struct MpTableInfo {
    unsigned ncpus;       /* 1..MPTABLE_MAX_CPUS; CPU 0 is the bootstrap processor */
    uint32_t lapic_addr;  /* 0: 0xFEE00000 */
    int ioapic_id;        /* negative: ncpus, the first ID after the processors' */
    uint32_t ioapic_addr; /* 0: 0xFEC00000 */
    /* CPUID.1 EAX (family/model/stepping) and EDX (features) as the processor entries
     * report them; 0 gives a family 6 processor with FPU, TSC, CX8, APIC, CMOV. */
    uint32_t cpu_signature;
    uint32_t cpu_features;
} MpTableInfo;

/* Bytes mptable_build writes for info (0 if info is invalid). */
size_t mptable_size(const MpTableInfo *info);

/* Writes the MP floating pointer structure to buf followed by the configuration table;
 * the guest sees buf at physical address base (16-byte aligned, below 4 GiB). Returns
 * the bytes used, or 0 if len is too small or info or base is invalid. */
size_t mptable_build(const MpTableInfo *info, uint8_t *buf, size_t len, uint64_t base);

#endif
