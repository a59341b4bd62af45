/* ACPI tables through fw_cfg: see acpi_fw_cfg.h.
 *
 * The tables are built at guest address 0, so that every pointer between them holds
 * an offset into "etc/acpi/tables"; the loader script then adds the address where the
 * firmware put that file. The pointers are found by walking the tables from the RSDP
 * (ACPI 6.4 §5.2.5.3 RSDP, §5.2.7 RSDT, §5.2.8 XSDT, §5.2.9 FADT FIRMWARE_CTRL and
 * DSDT, X_DSDT), and every table reached gets its checksum fixed afterwards. */
#include "hw/acpi_fw_cfg.h"

#include <glib.h>
#include <string.h>

#include "hw/bios_linker.h"

#define TABLES_MAX  0x10000
#define HDR_LEN     36
#define RSDP_LEN    36
#define MAX_TABLES  32
#define MAX_PTRS    64
#define FADT_X_DSDT 140

typedef struct Pointer {
    uint32_t offset;
    uint8_t size;
} Pointer;

/* What the walk found in "etc/acpi/tables": pointer fields and tables to checksum. */
typedef struct TableWalk {
    const uint8_t *buf;
    uint32_t len;
    Pointer ptrs[MAX_PTRS];
    unsigned nptrs;
    uint32_t tables[MAX_TABLES], table_len[MAX_TABLES];
    unsigned ntables;
    bool bad;
} TableWalk;

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Records the pointer field at offset and returns its target (an offset). */
static uint64_t walk_pointer(TableWalk *w, uint32_t offset, uint8_t size)
{
    if (w->nptrs == MAX_PTRS || (uint64_t)offset + size > w->len) {
        w->bad = true;
        return 0;
    }
    w->ptrs[w->nptrs++] = (Pointer){offset, size};
    return ld_le(w->buf + offset, size);
}

static void walk_table(TableWalk *w, uint64_t at, bool checksummed);

static void walk_fadt(TableWalk *w, uint32_t at, uint32_t len)
{
    /* FIRMWARE_CTRL (the FACS: no checksum) and DSDT; X_DSDT when the FADT has it. */
    walk_table(w, walk_pointer(w, at + 36, 4), false);
    walk_table(w, walk_pointer(w, at + 40, 4), true);
    if (len >= FADT_X_DSDT + 8 && ld_le(w->buf + at + FADT_X_DSDT, 8))
        walk_table(w, walk_pointer(w, at + FADT_X_DSDT, 8), true);
}

static void walk_sdt(TableWalk *w, uint32_t at, uint32_t len, uint8_t entry_size)
{
    for (uint32_t e = at + HDR_LEN; e + entry_size <= at + len; e += entry_size)
        walk_table(w, walk_pointer(w, e, entry_size), true);
}

/* Visits the table at offset at once: its length, its checksum, the tables it points
 * to. */
static void walk_table(TableWalk *w, uint64_t at, bool checksummed)
{
    if (w->bad)
        return;
    for (unsigned i = 0; i < w->ntables; i++)
        if (w->tables[i] == at)
            return;
    if (at + 8 > w->len || w->ntables == MAX_TABLES) {
        w->bad = true;
        return;
    }
    const uint8_t *t = w->buf + at;
    uint32_t len = ld32(t + 4);
    if (len < 8 || at + len > w->len || (checksummed && len < HDR_LEN)) {
        w->bad = true;
        return;
    }
    w->tables[w->ntables] = (uint32_t)at;
    w->table_len[w->ntables++] = checksummed ? len : 0;
    if (!memcmp(t, "FACP", 4))
        walk_fadt(w, (uint32_t)at, len);
    else if (!memcmp(t, "RSDT", 4))
        walk_sdt(w, (uint32_t)at, len, 4);
    else if (!memcmp(t, "XSDT", 4))
        walk_sdt(w, (uint32_t)at, len, 8);
}

static void emit_loader(BiosLinker *l, const TableWalk *w)
{
    bios_linker_allocate(l, ACPI_FW_CFG_RSDP, 16, BIOS_LINKER_ZONE_FSEG);
    bios_linker_allocate(l, ACPI_FW_CFG_TABLES, 64, BIOS_LINKER_ZONE_HIGH);
    bios_linker_add_pointer(l, ACPI_FW_CFG_RSDP, 16, 4, ACPI_FW_CFG_TABLES);
    bios_linker_add_pointer(l, ACPI_FW_CFG_RSDP, 24, 8, ACPI_FW_CFG_TABLES);
    for (unsigned i = 0; i < w->nptrs; i++)
        bios_linker_add_pointer(l, ACPI_FW_CFG_TABLES, w->ptrs[i].offset, w->ptrs[i].size,
                                ACPI_FW_CFG_TABLES);
    for (unsigned i = 0; i < w->ntables; i++)
        if (w->table_len[i])
            bios_linker_add_checksum(l, ACPI_FW_CFG_TABLES, w->tables[i] + 9, w->tables[i],
                                     w->table_len[i]);
    /* The RSDP's first checksum covers its first 20 bytes, the extended one all 36 (the
     * first checksum included, so it comes second). */
    bios_linker_add_checksum(l, ACPI_FW_CFG_RSDP, 8, 0, 20);
    bios_linker_add_checksum(l, ACPI_FW_CFG_RSDP, 32, 0, RSDP_LEN);
}

bool acpi_fw_cfg_install(FwCfgState *fw, const AcpiBoardInfo *info)
{
    uint8_t *buf = g_malloc0(TABLES_MAX);
    uint64_t rsdp = 0;
    size_t used = acpi_build_tables(info, buf, TABLES_MAX, 0, &rsdp);
    /* The RSDP is built last: everything before it is "etc/acpi/tables". */
    bool ok = used && rsdp + RSDP_LEN == used;
    TableWalk *w = g_new0(TableWalk, 1);
    w->buf = buf;
    w->len = (uint32_t)rsdp;
    if (ok) {
        walk_table(w, ld32(buf + rsdp + 16), true);
        walk_table(w, ld_le(buf + rsdp + 24, 8), true);
        ok = !w->bad;
    }
    if (ok) {
        BiosLinker *l = bios_linker_new();
        emit_loader(l, w);
        fw_cfg_add_file(fw, ACPI_FW_CFG_TABLES, buf, (uint32_t)rsdp);
        fw_cfg_add_file(fw, ACPI_FW_CFG_RSDP, buf + rsdp, RSDP_LEN);
        fw_cfg_add_file(fw, ACPI_FW_CFG_LOADER, l->cmds->data, l->cmds->len);
        bios_linker_free(l);
    }
    g_free(w);
    g_free(buf);
    return ok;
}
