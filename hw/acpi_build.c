/* ACPI table generation (ACPI 6.4 chapter 5: §5.2.5 RSDP, §5.2.7 RSDT, §5.2.8 XSDT,
 * §5.2.9 FADT (revision 1 layout, as QEMU's pc machine uses), §5.2.10 FACS, §5.2.11
 * DSDT, §5.2.12 MADT; the HPET table from the IA-PC HPET specification §3.2.4).
 *
 * The DSDT describes the PCI root bridge (_CRS with the bus, I/O and memory windows),
 * PCI interrupt routing in both PIC and APIC mode (_PIC selects), the HPET device and
 * \_S5 (sleep type 0: the PIIX4 soft-off encoding). */
#include "hw/acpi_build.h"

#include <string.h>

#include "hw/aml.h"

#define OEM_ID       "PCFICA"
#define OEM_TABLE_ID "PACIFICA"
#define ACPI_HDR_LEN 36

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)(0 - sum);
}

typedef struct TableWriter {
    uint8_t *buf;
    size_t len, used;
    uint64_t base;
    bool overflow;
} TableWriter;

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

static void st64(uint8_t *p, uint64_t v)
{
    st32(p, (uint32_t)v);
    st32(p + 4, (uint32_t)(v >> 32));
}

/* Reserves len bytes (aligned), zeroed; returns the host pointer or NULL. */
static uint8_t *tw_alloc(TableWriter *w, size_t len, size_t align, uint64_t *addr)
{
    size_t at = (w->used + align - 1) & ~(align - 1);
    if (at + len > w->len) {
        w->overflow = true;
        return NULL;
    }
    w->used = at + len;
    memset(w->buf + at, 0, len);
    *addr = w->base + at;
    return w->buf + at;
}

static void table_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    st32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, OEM_ID, 6);
    memcpy(t + 16, OEM_TABLE_ID, 8);
    st32(t + 24, 1);
    memcpy(t + 28, "PCFA", 4);
    st32(t + 32, 1);
}

static void table_finish(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = acpi_checksum(t, len);
}

/* ---- DSDT ---- */

static Aml *dsdt_pci_crs(const AcpiBoardInfo *info)
{
    Aml *r = aml_new();
    aml_res_word_bus(r, 0, 0xff);
    aml_res_io(r, 0xcf8, 8);
    aml_res_word_io(r, 0x0000, 0x0cf7);
    aml_res_word_io(r, 0x0d00, 0xffff);
    aml_res_dword_memory(r, 0x000a0000, 0x000bffff); /* legacy VGA */
    aml_res_dword_memory(r, info->pci_mmio_start, info->pci_mmio_end);
    return aml_res_template(r);
}

/* _PRT entries for every slot and pin: {address 0xSSSSFFFF, pin, source 0, GSI}. The
 * board rotates pins over PIRQ A-D by slot ((slot + pin) & 3). */
static Aml *dsdt_prt(const AcpiBoardInfo *info, bool apic_mode)
{
    Aml *entries = aml_new();
    unsigned count = 0;
    for (unsigned slot = 1; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            unsigned pirq = (slot + pin) & 3;
            unsigned gsi = apic_mode ? info->pirq_gsi_base + pirq : info->pirq_isa_irq[pirq];
            Aml *e = aml_new();
            aml_append(e, aml_int(((uint64_t)slot << 16) | 0xffff));
            aml_append(e, aml_int(pin));
            aml_append(e, aml_int(0));
            aml_append(e, aml_int(gsi));
            aml_append(entries, aml_package(e, 4));
            count++;
        }
    }
    return aml_package(entries, count);
}

static Aml *build_dsdt_body(const AcpiBoardInfo *info)
{
    Aml *root = aml_new();
    /* Interrupt model chosen by the OS: _PIC(0) PIC, _PIC(1) APIC. */
    aml_append(root, aml_name("\\PICF", aml_int(0)));
    Aml *pic_body = aml_store(aml_arg(0), aml_name_string("\\PICF"));
    aml_append(root, aml_method("\\_PIC", 1, pic_body));
    /* \_S5: PM1a/PM1b SLP_TYP 0 (PIIX4: soft off). */
    Aml *s5 = aml_new();
    for (int i = 0; i < 4; i++)
        aml_append(s5, aml_int(0));
    aml_append(root, aml_name("\\_S5", aml_package(s5, 4)));

    Aml *pci = aml_new();
    aml_append(pci, aml_name("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name("_ADR", aml_int(0)));
    aml_append(pci, aml_name("_UID", aml_int(0)));
    aml_append(pci, aml_name("_CRS", dsdt_pci_crs(info)));
    aml_append(pci, aml_name("PRTP", dsdt_prt(info, false)));
    aml_append(pci, aml_name("PRTA", dsdt_prt(info, true)));
    Aml *prt = aml_if(aml_name_string("\\PICF"), aml_return(aml_name_string("PRTA")));
    aml_append(prt, aml_return(aml_name_string("PRTP")));
    aml_append(pci, aml_method("_PRT", 0, prt));

    /* The 8042's keyboard and mouse (Linux's i8042 driver finds them through these on
     * ACPI systems). */
    Aml *kbd = aml_new();
    aml_append(kbd, aml_name("_HID", aml_eisaid("PNP0303")));
    Aml *r = aml_new();
    aml_res_io(r, 0x60, 1);
    aml_res_io(r, 0x64, 1);
    aml_res_irq(r, 1);
    aml_append(kbd, aml_name("_CRS", aml_res_template(r)));
    aml_append(pci, aml_device("KBD", kbd));
    Aml *mou = aml_new();
    aml_append(mou, aml_name("_HID", aml_eisaid("PNP0F13")));
    r = aml_new();
    aml_res_irq(r, 12);
    aml_append(mou, aml_name("_CRS", aml_res_template(r)));
    aml_append(pci, aml_device("MOU", mou));

    Aml *sb = aml_device("PCI0", pci);
    if (info->have_hpet) {
        Aml *hpet = aml_new();
        aml_append(hpet, aml_name("_HID", aml_eisaid("PNP0103")));
        aml_append(hpet, aml_name("_UID", aml_int(0)));
        r = aml_new();
        aml_res_memory32_fixed(r, (uint32_t)info->hpet_addr, 0x400);
        aml_append(hpet, aml_name("_CRS", aml_res_template(r)));
        aml_append(sb, aml_device("HPET", hpet));
    }
    if (info->have_fw_cfg) {
        /* QEMU's fw_cfg as QEMU describes it (QEMU docs/specs/fw_cfg.rst), so that
         * Linux's qemu_fw_cfg driver finds it: QEMU0002, present and decoding, its
         * selector, data and DMA ports. */
        Aml *fw = aml_new();
        aml_append(fw, aml_name("_HID", aml_string("QEMU0002")));
        aml_append(fw, aml_name("_STA", aml_int(0x0b)));
        r = aml_new();
        aml_res_io(r, 0x510, 0x0c);
        aml_append(fw, aml_name("_CRS", aml_res_template(r)));
        aml_append(sb, aml_device("FWCF", fw));
    }
    aml_append(root, aml_scope("\\_SB", sb));
    return root;
}

static uint64_t build_dsdt(TableWriter *w, const AcpiBoardInfo *info)
{
    Aml *body = build_dsdt_body(info);
    uint64_t addr = 0;
    uint32_t len = ACPI_HDR_LEN + body->len;
    uint8_t *t = tw_alloc(w, len, 16, &addr);
    if (t) {
        table_header(t, "DSDT", len, 1);
        memcpy(t + ACPI_HDR_LEN, body->data, body->len);
        table_finish(t, len);
    }
    aml_free(body);
    return addr;
}

/* ---- FACS, FADT ---- */

static uint64_t build_facs(TableWriter *w)
{
    uint64_t addr = 0;
    uint8_t *t = tw_alloc(w, 64, 64, &addr); /* §5.2.10: 64-byte aligned */
    if (t) {
        memcpy(t, "FACS", 4);
        st32(t + 4, 64);
    }
    return addr;
}

static uint64_t build_fadt(TableWriter *w, const AcpiBoardInfo *info, uint64_t facs, uint64_t dsdt)
{
    uint64_t addr = 0;
    const uint32_t len = 116; /* revision 1 */
    uint8_t *t = tw_alloc(w, len, 16, &addr);
    if (!t)
        return 0;
    table_header(t, "FACP", len, 1);
    st32(t + 36, (uint32_t)facs);
    st32(t + 40, (uint32_t)dsdt);
    st16(t + 46, info->sci_irq);
    st32(t + 48, info->smi_cmd);
    t[52] = info->acpi_enable;
    t[53] = info->acpi_disable;
    st32(t + 56, info->pm_base);        /* PM1a_EVT_BLK */
    st32(t + 64, info->pm_base + 4u);   /* PM1a_CNT_BLK */
    st32(t + 76, info->pm_base + 8u);   /* PM_TMR_BLK */
    st32(t + 80, info->pm_base + 0xcu); /* GPE0_BLK */
    t[88] = 4;                          /* PM1_EVT_LEN */
    t[89] = 2;                          /* PM1_CNT_LEN */
    t[91] = 4;                          /* PM_TMR_LEN */
    t[92] = 4;                          /* GPE0_BLK_LEN */
    st16(t + 96, 0x0fff);               /* P_LVL2_LAT: C2 not supported */
    st16(t + 98, 0x0fff);               /* P_LVL3_LAT: C3 not supported */
    t[108] = 0x32;                      /* CENTURY: CMOS index of the century */
    /* Flags: WBINVD works, C1 supported, no sleep button, RTC wakes from S4. The PM
     * timer is 24 bits (TMR_VAL_EXT clear), as on the PIIX4. */
    st32(t + 112, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 7));
    table_finish(t, len);
    return addr;
}

/* ---- MADT ---- */

static uint64_t build_madt(TableWriter *w, const AcpiBoardInfo *info)
{
    size_t len = 44 + 8 * (size_t)info->ncpus + 6;
    if (info->have_ioapic)
        len += 12 + 10 * 5;
    uint64_t addr = 0;
    uint8_t *t = tw_alloc(w, len, 16, &addr);
    if (!t)
        return 0;
    table_header(t, "APIC", (uint32_t)len, 1);
    st32(t + 36, (uint32_t)info->lapic_addr);
    st32(t + 40, 1); /* PCAT_COMPAT: 8259s present */
    uint8_t *e = t + 44;
    for (unsigned i = 0; i < info->ncpus; i++, e += 8) {
        e[0] = 0; /* processor local APIC */
        e[1] = 8;
        e[2] = (uint8_t)i; /* ACPI processor UID */
        e[3] = (uint8_t)i; /* APIC ID */
        st32(e + 4, 1);    /* enabled */
    }
    if (info->have_ioapic) {
        e[0] = 1; /* I/O APIC */
        e[1] = 12;
        e[2] = info->ioapic_id;
        st32(e + 4, (uint32_t)info->ioapic_addr);
        st32(e + 8, 0); /* GSI base */
        e += 12;
        /* Interrupt source overrides as on QEMU's pc: IRQ 0 arrives on GSI 2; the SCI and
         * the PCI IRQs are level-triggered, active high (flags 0x000d). */
        static const struct {
            uint8_t irq, gsi;
            uint16_t flags;
        } overrides[5] = {{0, 2, 0}, {5, 5, 0xd}, {9, 9, 0xd}, {10, 10, 0xd}, {11, 11, 0xd}};
        for (int i = 0; i < 5; i++, e += 10) {
            e[0] = 2;
            e[1] = 10;
            e[2] = 0; /* ISA bus */
            e[3] = overrides[i].irq;
            st32(e + 4, overrides[i].gsi);
            st16(e + 8, overrides[i].flags);
        }
    }
    /* Local APIC NMI: LINT1 of every processor. */
    e[0] = 4;
    e[1] = 6;
    e[2] = 0xff;
    st16(e + 3, 0);
    e[5] = 1;
    table_finish(t, (uint32_t)len);
    return addr;
}

/* ---- HPET ---- */

static uint64_t build_hpet(TableWriter *w, const AcpiBoardInfo *info)
{
    uint64_t addr = 0;
    const uint32_t len = 56;
    uint8_t *t = tw_alloc(w, len, 16, &addr);
    if (!t)
        return 0;
    table_header(t, "HPET", len, 1);
    /* Event timer block ID: Intel vendor, legacy replacement capable, 64-bit counter,
     * 3 comparators, revision 1 (the general capabilities register's low dword). */
    st32(t + 36, 0x8086a201);
    t[40] = 0;  /* memory space */
    t[41] = 64; /* register width */
    st64(t + 44, info->hpet_addr);
    t[52] = 0;          /* HPET number */
    st16(t + 53, 0x80); /* minimum clock tick in periodic mode */
    table_finish(t, len);
    return addr;
}

/* ---- root tables ---- */

static uint64_t build_sdt(TableWriter *w, const char *sig, const uint64_t *tables, unsigned n,
                          unsigned entry_size)
{
    uint32_t len = ACPI_HDR_LEN + n * entry_size;
    uint64_t addr = 0;
    uint8_t *t = tw_alloc(w, len, 16, &addr);
    if (!t)
        return 0;
    table_header(t, sig, len, 1);
    for (unsigned i = 0; i < n; i++) {
        if (entry_size == 8)
            st64(t + ACPI_HDR_LEN + 8 * i, tables[i]);
        else
            st32(t + ACPI_HDR_LEN + 4 * i, (uint32_t)tables[i]);
    }
    table_finish(t, len);
    return addr;
}

static uint64_t build_rsdp(TableWriter *w, uint64_t rsdt, uint64_t xsdt)
{
    uint64_t addr = 0;
    uint8_t *t = tw_alloc(w, 36, 16, &addr);
    if (!t)
        return 0;
    memcpy(t, "RSD PTR ", 8);
    memcpy(t + 9, OEM_ID, 6);
    t[15] = 2; /* revision: ACPI 2.0+ (has the XSDT) */
    st32(t + 16, (uint32_t)rsdt);
    st32(t + 20, 36);
    st64(t + 24, xsdt);
    t[8] = acpi_checksum(t, 20);  /* first 20 bytes */
    t[32] = acpi_checksum(t, 36); /* extended checksum, whole structure */
    return addr;
}

size_t acpi_build_tables(const AcpiBoardInfo *info, uint8_t *buf, size_t len, uint64_t base,
                         uint64_t *rsdp)
{
    TableWriter w = {buf, len, 0, base, false};
    uint64_t facs = build_facs(&w);
    uint64_t dsdt = build_dsdt(&w, info);
    uint64_t tables[4];
    unsigned n = 0;
    tables[n++] = build_fadt(&w, info, facs, dsdt);
    tables[n++] = build_madt(&w, info);
    if (info->have_hpet)
        tables[n++] = build_hpet(&w, info);
    uint64_t rsdt = build_sdt(&w, "RSDT", tables, n, 4);
    uint64_t xsdt = build_sdt(&w, "XSDT", tables, n, 8);
    *rsdp = build_rsdp(&w, rsdt, xsdt);
    return w.overflow ? 0 : w.used;
}
