/* MP tables (Intel MultiProcessor Specification 1.4: §4.1 MP floating pointer structure,
 * §4.2 configuration table header, §4.3 base table entries: processor, bus, I/O APIC,
 * I/O interrupt assignment and local interrupt assignment, in that order of type as
 * §4.3 requires). */
#include "hw/mptable.h"

#include <stdbool.h>
#include <string.h>

#define MP_SPEC_REV      4 /* version 1.4 */
#define FPS_LEN          16
#define HEADER_LEN       44
#define PROCESSOR_LEN    20
#define SHORT_ENTRY_LEN  8 /* bus, I/O APIC and interrupt assignment entries */
#define DEFAULT_LAPIC    0xfee00000u
#define DEFAULT_IOAPIC   0xfec00000u
#define LAPIC_VERSION    0x14        /* integrated local APIC (SDM 3A §11.4.8) */
#define IOAPIC_VERSION   0x20        /* as the I/O APIC model reports */
#define DEFAULT_CPU_SIG  0x000106a5u /* family 6, model 0x1a, stepping 5 */
#define DEFAULT_CPU_FEAT 0x00008311u /* FPU, TSC, CX8, APIC, CMOV */

/* Entry types (§4.3, Table 4-3). */
enum { ENTRY_PROCESSOR, ENTRY_BUS, ENTRY_IOAPIC, ENTRY_IO_INT, ENTRY_LOCAL_INT };
/* Interrupt types (§4.3.4, Table 4-10). */
enum { INT_VECTORED, INT_NMI, INT_SMI, INT_EXTINT };

#define BUS_PCI        0
#define BUS_ISA        1
#define CPU_ENABLED    0x01
#define CPU_BSP        0x02
#define IOAPIC_ENABLED 0x01
/* Interrupt flags (§4.3.4, Table 4-11): polarity in bits 1:0, trigger in bits 3:2;
 * 0 conforms to the bus (ISA: edge, active high). PCI: level, active low. */
#define IRQ_FLAGS_CONFORM 0x00
#define IRQ_FLAGS_PCI     0x0f
#define ALL_LOCAL_APICS   0xff

#define ISA_IRQS        16
#define ISA_IRQ_ENTRIES (ISA_IRQS - 1) /* IRQ 2 is the cascade: no entry */
#define PCI_SLOTS       31             /* slots 1-31; 0 is the host bridge */
#define PCI_IRQ_ENTRIES (PCI_SLOTS * 4)
#define PCI_IOAPIC_PIN0 16
#define FIXED_ENTRIES   (2 + 1 + ISA_IRQ_ENTRIES + PCI_IRQ_ENTRIES + 2)

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The byte that makes p[0..len) sum to zero (§4.1 CHECKSUM, §4.2 CHECKSUM). */
static uint8_t mp_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)(0 - sum);
}

static bool info_valid(const MpTableInfo *info)
{
    return info && info->ncpus >= 1 && info->ncpus <= MPTABLE_MAX_CPUS;
}

static size_t table_len(const MpTableInfo *info)
{
    return HEADER_LEN + PROCESSOR_LEN * (size_t)info->ncpus + SHORT_ENTRY_LEN * FIXED_ENTRIES;
}

size_t mptable_size(const MpTableInfo *info)
{
    return info_valid(info) ? FPS_LEN + table_len(info) : 0;
}

static uint8_t ioapic_id(const MpTableInfo *info)
{
    return (uint8_t)(info->ioapic_id < 0 ? (int)info->ncpus : info->ioapic_id);
}

/* ---- entries ---- */

static uint8_t *put_processor(uint8_t *e, const MpTableInfo *info, unsigned cpu)
{
    e[0] = ENTRY_PROCESSOR;
    e[1] = (uint8_t)cpu; /* local APIC ID */
    e[2] = LAPIC_VERSION;
    e[3] = CPU_ENABLED | (cpu == 0 ? CPU_BSP : 0);
    st32(e + 4, info->cpu_signature ? info->cpu_signature : DEFAULT_CPU_SIG);
    st32(e + 8, info->cpu_features ? info->cpu_features : DEFAULT_CPU_FEAT);
    return e + PROCESSOR_LEN; /* bytes 12-19 reserved */
}

static uint8_t *put_bus(uint8_t *e, uint8_t id, const char type[6])
{
    e[0] = ENTRY_BUS;
    e[1] = id;
    memcpy(e + 2, type, 6); /* bus type string, blank padded (§4.3.2, Table 4-8) */
    return e + SHORT_ENTRY_LEN;
}

static uint8_t *put_ioapic(uint8_t *e, const MpTableInfo *info)
{
    e[0] = ENTRY_IOAPIC;
    e[1] = ioapic_id(info);
    e[2] = IOAPIC_VERSION;
    e[3] = IOAPIC_ENABLED;
    st32(e + 4, info->ioapic_addr ? info->ioapic_addr : DEFAULT_IOAPIC);
    return e + SHORT_ENTRY_LEN;
}

/* I/O and local interrupt assignment entries share one layout (§4.3.4, §4.3.5): type,
 * interrupt type, flags, source bus and IRQ, destination (I/O APIC ID or local APIC
 * ID) and its input pin. */
static uint8_t *put_interrupt(uint8_t *e, uint8_t entry, uint8_t type, uint16_t flags, uint8_t bus,
                              uint8_t bus_irq, uint8_t dest, uint8_t pin)
{
    e[0] = entry;
    e[1] = type;
    st16(e + 2, flags);
    e[4] = bus;
    e[5] = bus_irq;
    e[6] = dest;
    e[7] = pin;
    return e + SHORT_ENTRY_LEN;
}

/* ISA IRQ 0 arrives on pin 2 (the MADT's override); IRQ 2, the 8259 cascade, has no
 * pin; the others are identity-mapped. */
static uint8_t *put_isa_irqs(uint8_t *e, const MpTableInfo *info)
{
    for (unsigned irq = 0; irq < ISA_IRQS; irq++) {
        if (irq == 2)
            continue;
        e = put_interrupt(e, ENTRY_IO_INT, INT_VECTORED, IRQ_FLAGS_CONFORM, BUS_ISA, (uint8_t)irq,
                          ioapic_id(info), (uint8_t)(irq == 0 ? 2 : irq));
    }
    return e;
}

/* PCI INTA-D of every slot: source IRQ = device << 2 | pin (the PCI encoding, MP spec
 * Appendix D), on the pin the board's PIRQ rotation gives, as the DSDT's _PRT says. */
static uint8_t *put_pci_irqs(uint8_t *e, const MpTableInfo *info)
{
    for (unsigned slot = 1; slot <= PCI_SLOTS; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            uint8_t ioapic_pin = (uint8_t)(PCI_IOAPIC_PIN0 + ((slot + pin) & 3));
            e = put_interrupt(e, ENTRY_IO_INT, INT_VECTORED, IRQ_FLAGS_PCI, BUS_PCI,
                              (uint8_t)(slot << 2 | pin), ioapic_id(info), ioapic_pin);
        }
    }
    return e;
}

/* The 8259's INTR on LINT0 (virtual wire mode) and NMI on LINT1 of every processor. */
static uint8_t *put_local_irqs(uint8_t *e)
{
    e = put_interrupt(e, ENTRY_LOCAL_INT, INT_EXTINT, IRQ_FLAGS_CONFORM, BUS_ISA, 0,
                      ALL_LOCAL_APICS, 0);
    return put_interrupt(e, ENTRY_LOCAL_INT, INT_NMI, IRQ_FLAGS_CONFORM, BUS_ISA, 0,
                         ALL_LOCAL_APICS, 1);
}

/* ---- structures ---- */

static void put_header(uint8_t *t, const MpTableInfo *info, size_t len, unsigned entries)
{
    memcpy(t, "PCMP", 4);
    st16(t + 4, (uint16_t)len); /* base table length */
    t[6] = MP_SPEC_REV;
    memcpy(t + 8, "PCFICA  ", 8);       /* OEM ID, as the ACPI tables' */
    memcpy(t + 16, "PACIFICA    ", 12); /* product ID */
    st32(t + 28, 0);                    /* no OEM table */
    st16(t + 32, 0);
    st16(t + 34, (uint16_t)entries);
    st32(t + 36, info->lapic_addr ? info->lapic_addr : DEFAULT_LAPIC);
    st16(t + 40, 0); /* no extended table entries */
    t[42] = 0;
}

/* §4.1: feature byte 1 = 0 (a configuration table is present, no default
 * configuration); feature byte 2 bit 7 (IMCRP) clear: virtual wire mode, no IMCR. */
static void put_floating_pointer(uint8_t *p, uint32_t table_addr)
{
    memcpy(p, "_MP_", 4);
    st32(p + 4, table_addr);
    p[8] = FPS_LEN / 16; /* length in paragraphs */
    p[9] = MP_SPEC_REV;
    p[10] = mp_checksum(p, FPS_LEN);
}

size_t mptable_build(const MpTableInfo *info, uint8_t *buf, size_t len, uint64_t base)
{
    size_t total = mptable_size(info);
    if (!total || len < total || (base & 15) || base + total > (1ull << 32))
        return 0;
    memset(buf, 0, total);
    uint8_t *table = buf + FPS_LEN;
    uint8_t *e = table + HEADER_LEN;
    for (unsigned cpu = 0; cpu < info->ncpus; cpu++)
        e = put_processor(e, info, cpu);
    e = put_bus(e, BUS_PCI, "PCI   ");
    e = put_bus(e, BUS_ISA, "ISA   ");
    e = put_ioapic(e, info);
    e = put_isa_irqs(e, info);
    e = put_pci_irqs(e, info);
    e = put_local_irqs(e);
    size_t tlen = (size_t)(e - table);
    put_header(table, info, tlen, info->ncpus + FIXED_ENTRIES);
    table[7] = mp_checksum(table, tlen);
    put_floating_pointer(buf, (uint32_t)(base + FPS_LEN));
    return total;
}
