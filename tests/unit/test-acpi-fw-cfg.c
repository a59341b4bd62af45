#define _GNU_SOURCE /* memmem */
/* The ACPI tables handed to firmware through fw_cfg: the "etc/table-loader" script is
 * run here the way SeaBIOS runs it (romfile_loader_execute: allocate, add pointers,
 * fix checksums), and the installed tables are then checked as an OS reads them. */
#include <glib.h>
#include <string.h>

#include "hw/acpi_fw_cfg.h"
#include "hw/bios_linker.h"
#include "acpi-check.h"

#define MEM_SIZE  0x200000u
#define FSEG_BASE 0xf0000u
#define HIGH_BASE 0x100000u

static uint64_t rd_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void wr_le(uint8_t *p, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A file the loader allocated: where it went in mem. */
typedef struct Loaded {
    char name[BIOS_LINKER_FILE_SIZE];
    uint32_t addr, len;
} Loaded;

typedef struct Loader {
    const FwCfgState *fw;
    uint8_t *mem;
    Loaded files[4];
    unsigned nfiles;
    uint32_t fseg_next, high_next;
} Loader;

static Loaded *loader_file(Loader *ld, const uint8_t *name)
{
    for (unsigned i = 0; i < ld->nfiles; i++)
        if (!strncmp(ld->files[i].name, (const char *)name, BIOS_LINKER_FILE_SIZE))
            return &ld->files[i];
    g_assert_not_reached();
}

static void loader_allocate(Loader *ld, const uint8_t *e)
{
    const FwCfgItem *it = fw_cfg_find_file(ld->fw, (const char *)e + 4);
    g_assert_nonnull(it);
    uint32_t align = rd32(e + 60);
    g_assert_true(align && !(align & (align - 1)));
    uint32_t *next = e[64] == BIOS_LINKER_ZONE_FSEG ? &ld->fseg_next : &ld->high_next;
    g_assert_true(e[64] == BIOS_LINKER_ZONE_FSEG || e[64] == BIOS_LINKER_ZONE_HIGH);
    uint32_t at = (*next + align - 1) & ~(align - 1);
    g_assert_cmpuint(at + it->len, <=, MEM_SIZE);
    memcpy(ld->mem + at, it->data, it->len);
    *next = at + it->len;
    g_assert_cmpuint(ld->nfiles, <, 4);
    Loaded *f = &ld->files[ld->nfiles++];
    memcpy(f->name, e + 4, BIOS_LINKER_FILE_SIZE);
    f->addr = at;
    f->len = it->len;
}

static void loader_add_pointer(Loader *ld, const uint8_t *e)
{
    Loaded *dest = loader_file(ld, e + 4), *src = loader_file(ld, e + 60);
    uint32_t offset = rd32(e + 116);
    uint8_t size = e[120];
    g_assert_true(size == 1 || size == 2 || size == 4 || size == 8);
    g_assert_cmpuint(offset + size, <=, dest->len);
    uint8_t *p = ld->mem + dest->addr + offset;
    wr_le(p, rd_le(p, size) + src->addr, size);
}

static void loader_add_checksum(Loader *ld, const uint8_t *e)
{
    Loaded *f = loader_file(ld, e + 4);
    uint32_t offset = rd32(e + 60), start = rd32(e + 64), len = rd32(e + 68);
    g_assert_cmpuint(start + len, <=, f->len);
    g_assert_cmpuint(offset, <, f->len);
    uint8_t *base = ld->mem + f->addr;
    base[offset] = (uint8_t)(base[offset] + acpi_checksum(base + start, len));
}

/* Runs "etc/table-loader"; returns the RSDP's address. */
static uint32_t run_loader(Loader *ld)
{
    const FwCfgItem *script = fw_cfg_find_file(ld->fw, ACPI_FW_CFG_LOADER);
    g_assert_nonnull(script);
    g_assert_cmpuint(script->len % BIOS_LINKER_ENTRY_SIZE, ==, 0);
    for (uint32_t at = 0; at < script->len; at += BIOS_LINKER_ENTRY_SIZE) {
        const uint8_t *e = script->data + at;
        switch (rd32(e)) {
        case BIOS_LINKER_ALLOCATE: loader_allocate(ld, e); break;
        case BIOS_LINKER_ADD_POINTER: loader_add_pointer(ld, e); break;
        case BIOS_LINKER_ADD_CHECKSUM: loader_add_checksum(ld, e); break;
        default: g_assert_not_reached();
        }
    }
    return loader_file(ld, (const uint8_t *)ACPI_FW_CFG_RSDP)->addr;
}

static const uint8_t *checked_table(const Loader *ld, uint64_t addr, const char *sig)
{
    g_assert_cmpuint(addr, >=, HIGH_BASE);
    g_assert_cmpuint(addr + 36, <=, MEM_SIZE);
    const uint8_t *t = ld->mem + addr;
    acpi_check_table(t, sig);
    return t;
}

/* The pc machine's board, with the fw_cfg device in the DSDT. */
static AcpiBoardInfo board(unsigned ncpus)
{
    AcpiBoardInfo info = acpi_test_board(ncpus);
    info.have_fw_cfg = true;
    return info;
}

/* An fw_cfg device holding the tables of an ncpus board, as the pc machine sets up. */
typedef struct FwCfgBoard {
    Log log;
    AddressSpace io, mem;
    FwCfgState *fw;
} FwCfgBoard;

static void fw_cfg_board_init(FwCfgBoard *b, unsigned ncpus)
{
    b->log = (Log){0, NULL};
    address_space_init(&b->io, "io", 1 << 16, &b->log);
    address_space_init(&b->mem, "mem", 1ull << 52, &b->log);
    b->fw = fw_cfg_new(&b->io, &b->mem, &b->log);
    AcpiBoardInfo info = board(ncpus);
    g_assert_true(acpi_fw_cfg_install(b->fw, &info));
}

static void fw_cfg_board_fini(FwCfgBoard *b)
{
    fw_cfg_free(b->fw);
    address_space_destroy(&b->mem);
    address_space_destroy(&b->io);
}

static void test_loader_installs_tables(void)
{
    FwCfgBoard b;
    fw_cfg_board_init(&b, 4);
    FwCfgState *fw = b.fw;

    Loader ld = {.fw = fw, .mem = g_malloc0(MEM_SIZE)};
    ld.fseg_next = FSEG_BASE;
    ld.high_next = HIGH_BASE;
    uint32_t rsdp_addr = run_loader(&ld);
    g_assert_cmpuint(rsdp_addr, >=, FSEG_BASE);
    g_assert_cmpuint(rsdp_addr, <, FSEG_BASE + 0x10000);
    g_assert_cmpuint(rsdp_addr % 16, ==, 0);
    const uint8_t *rsdp = ld.mem + rsdp_addr;
    acpi_check_rsdp(rsdp);

    const uint8_t *rsdt = checked_table(&ld, rd32(rsdp + 16), "RSDT");
    const uint8_t *xsdt = checked_table(&ld, rd_le(rsdp + 24, 8), "XSDT");
    unsigned n = (rd32(rsdt + 4) - 36) / 4;
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpuint((rd32(xsdt + 4) - 36) / 8, ==, n);
    bool seen_fadt = false, seen_madt = false, seen_hpet = false;
    for (unsigned i = 0; i < n; i++) {
        uint32_t addr = rd32(rsdt + 36 + 4 * i);
        g_assert_cmpuint(rd_le(xsdt + 36 + 8 * i, 8), ==, addr);
        const uint8_t *t = checked_table(&ld, addr, NULL);
        if (!memcmp(t, "FACP", 4)) {
            seen_fadt = true;
            const uint8_t *facs = ld.mem + rd32(t + 36);
            g_assert_cmpmem(facs, 4, "FACS", 4);
            g_assert_cmpuint(rd32(t + 36) % 64, ==, 0);
            const uint8_t *dsdt = checked_table(&ld, rd32(t + 40), "DSDT");
            /* The fw_cfg device, for Linux's qemu_fw_cfg driver. */
            g_assert_nonnull(memmem(dsdt, rd32(dsdt + 4), "QEMU0002", 8));
            g_assert_nonnull(memmem(dsdt, rd32(dsdt + 4), "FWCF", 4));
        }
        seen_madt |= !memcmp(t, "APIC", 4);
        seen_hpet |= !memcmp(t, "HPET", 4);
    }
    g_assert_true(seen_fadt && seen_madt && seen_hpet);

    g_free(ld.mem);
    fw_cfg_board_fini(&b);
}

/* The same tables whatever address the firmware picks: two loads at different places
 * give tables that differ only by the relocation. */
static void test_loader_relocates(void)
{
    FwCfgBoard b;
    fw_cfg_board_init(&b, 2);
    FwCfgState *fw = b.fw;
    uint32_t rsdt[2];
    for (int pass = 0; pass < 2; pass++) {
        Loader ld = {.fw = fw, .mem = g_malloc0(MEM_SIZE)};
        ld.fseg_next = FSEG_BASE + 0x100 * (uint32_t)pass;
        ld.high_next = HIGH_BASE + 0x40000 * (uint32_t)pass;
        uint32_t rsdp_addr = run_loader(&ld);
        rsdt[pass] = rd32(ld.mem + rsdp_addr + 16);
        checked_table(&ld, rsdt[pass], "RSDT");
        g_free(ld.mem);
    }
    g_assert_cmpuint(rsdt[1] - rsdt[0], ==, 0x40000);
    fw_cfg_board_fini(&b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi-fw-cfg/loader-installs-tables", test_loader_installs_tables);
    g_test_add_func("/acpi-fw-cfg/loader-relocates", test_loader_relocates);
    return g_test_run();
}
