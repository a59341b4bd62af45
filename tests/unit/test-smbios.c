/* SMBIOS tables: parsed the way an OS does (Linux dmi_scan: the anchor on a 16-byte
 * boundary of the 0xF0000 segment, both checksums, then the structure chain), for
 * several CPU counts and RAM sizes, and through fw_cfg. */
#include <glib.h>
#include <string.h>

#include "hw/smbios.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static SmbiosInfo board(unsigned ncpus, uint64_t ram)
{
    SmbiosInfo info = {.ncpus = ncpus, .ram_size = ram};
    uint64_t low = ram < 0xe0000000ull ? ram : 0xe0000000ull;
    info.ram[info.nram++] = (SmbiosRamRegion){0, low};
    if (ram > low)
        info.ram[info.nram++] = (SmbiosRamRegion){1ull << 32, ram - low};
    for (int i = 0; i < 16; i++)
        info.uuid[i] = (uint8_t)(0x10 + i);
    return info;
}

/* The i-th string (1-based) of the structure at s, or NULL. */
static const char *structure_string(const uint8_t *s, unsigned i)
{
    if (!i)
        return NULL;
    const char *p = (const char *)s + s[1];
    while (--i && *p)
        p += strlen(p) + 1;
    return *p ? p : NULL;
}

typedef struct Parsed {
    unsigned count, max_size;
    unsigned by_type[128];
    unsigned ncpu_sockets;
    uint64_t dimm_mib;
    uint64_t mapped;
    uint16_t array_handle;
} Parsed;

/* Walks the structure chain: every structure within the table, its strings ended by a
 * double NUL, handles unique, end-of-table last. */
static Parsed parse_table(const uint8_t *t, size_t len, const SmbiosInfo *info)
{
    Parsed p = {0};
    GHashTable *handles = g_hash_table_new(NULL, NULL);
    size_t at = 0;
    bool ended = false;
    while (at < len) {
        g_assert_false(ended);
        const uint8_t *s = t + at;
        g_assert_cmpuint(at + 4, <=, len);
        g_assert_cmpuint(s[1], >=, 4);
        g_assert_cmpuint(at + s[1] + 2, <=, len);
        size_t end = at + s[1];
        while (!(t[end] == 0 && t[end + 1] == 0)) {
            end++;
            g_assert_cmpuint(end + 1, <, len);
        }
        size_t size = end + 2 - at;
        if (size > p.max_size)
            p.max_size = (unsigned)size;
        uint16_t handle = rd16(s + 2);
        g_assert_false(g_hash_table_contains(handles, GUINT_TO_POINTER(handle + 1u)));
        g_hash_table_add(handles, GUINT_TO_POINTER(handle + 1u));
        g_assert_cmpuint(s[0], <, 128);
        p.by_type[s[0]]++;
        switch (s[0]) {
        case 0: g_assert_cmpstr(structure_string(s, s[4]), ==, "Pacifica"); break;
        case 1:
            g_assert_cmpuint(s[1], ==, 0x1b);
            g_assert_cmpmem(s + 8, 16, info->uuid, 16);
            g_assert_nonnull(structure_string(s, s[5]));
            break;
        case 4: {
            char want[16];
            g_snprintf(want, sizeof(want), "CPU %u", p.ncpu_sockets++);
            g_assert_cmpstr(structure_string(s, s[4]), ==, want);
            g_assert_cmphex(s[0x18], ==, 0x41);
            break;
        }
        case 16: p.array_handle = handle; break;
        case 17: {
            g_assert_cmphex(rd16(s + 4), ==, p.array_handle);
            uint16_t mib = rd16(s + 0xc);
            p.dimm_mib += mib == 0x7fff ? rd32(s + 0x1c) : mib;
            break;
        }
        case 19: {
            g_assert_cmphex(rd16(s + 0xc), ==, p.array_handle);
            uint32_t start = rd32(s + 4), last = rd32(s + 8);
            if (start == 0xffffffffu)
                p.mapped += rd64(s + 0x17) - rd64(s + 0xf) + 1;
            else
                p.mapped += ((uint64_t)last - start + 1) << 10;
            break;
        }
        case 127: ended = true; break;
        }
        p.count++;
        at = end + 2;
    }
    g_assert_true(ended);
    g_assert_cmpuint(at, ==, len);
    g_hash_table_destroy(handles);
    return p;
}

static void check_board(const Parsed *p, const SmbiosInfo *info)
{
    g_assert_cmpuint(p->by_type[0], ==, 1);
    g_assert_cmpuint(p->by_type[1], ==, 1);
    g_assert_cmpuint(p->by_type[3], ==, 1);
    g_assert_cmpuint(p->by_type[4], ==, info->ncpus);
    g_assert_cmpuint(p->by_type[16], ==, 1);
    g_assert_cmpuint(p->by_type[17], ==, (info->ram_size + (16ull << 30) - 1) / (16ull << 30));
    g_assert_cmpuint(p->by_type[19], ==, info->nram);
    g_assert_cmpuint(p->by_type[32], ==, 1);
    g_assert_cmpuint(p->dimm_mib, ==, info->ram_size >> 20);
    g_assert_cmpuint(p->mapped, ==, info->ram_size);
}

/* Finds the entry point as Linux's dmi_scan does (16-byte steps over 64 KiB), checks
 * it and returns the structure table's address. */
static const uint8_t *scan_entry_point(const uint8_t *seg, size_t len)
{
    for (size_t at = 0; at + SMBIOS_EP_SIZE <= len; at += 16) {
        const uint8_t *ep = seg + at;
        if (memcmp(ep, "_SM_", 4))
            continue;
        g_assert_cmpuint(ep[5], ==, SMBIOS_EP_SIZE);
        g_assert_cmpuint(sum(ep, ep[5]), ==, 0);
        g_assert_cmpmem(ep + 0x10, 5, "_DMI_", 5);
        g_assert_cmpuint(sum(ep + 0x10, 15), ==, 0);
        g_assert_cmpuint(ep[6], ==, 2);
        g_assert_cmpuint(ep[7], ==, 8);
        return ep;
    }
    return NULL;
}

static void place_and_parse(unsigned ncpus, uint64_t ram)
{
    SmbiosInfo info = board(ncpus, ram);
    static uint8_t fseg[0x10000];
    memset(fseg, 0, sizeof(fseg));
    size_t used = smbios_place(&info, fseg, sizeof(fseg), 0xf0000);
    g_assert_cmpuint(used, >, 0);
    const uint8_t *ep = scan_entry_point(fseg, sizeof(fseg));
    g_assert_nonnull(ep);
    uint32_t table = rd32(ep + 0x18);
    uint16_t table_len = rd16(ep + 0x16);
    g_assert_cmpuint(table, >=, 0xf0000);
    g_assert_cmpuint(table - 0xf0000 + table_len, <=, used);
    Parsed p = parse_table(fseg + (table - 0xf0000), table_len, &info);
    g_assert_cmpuint(p.count, ==, rd16(ep + 0x1c));
    g_assert_cmpuint(p.max_size, ==, rd16(ep + 8));
    check_board(&p, &info);
}

static void test_small_board(void)
{
    place_and_parse(1, 128ull << 20);
}

static void test_smp_board(void)
{
    place_and_parse(4, 1ull << 30);
    place_and_parse(64, 8ull << 30); /* RAM above 4 GiB: two type 19 ranges */
}

static void test_big_memory(void)
{
    /* 40 GiB: three DIMMs (16 + 16 + 8 GiB), sizes in the extended field. */
    place_and_parse(2, 40ull << 30);
}

static void test_too_small_buffer(void)
{
    SmbiosInfo info = board(8, 1ull << 30);
    uint8_t buf[64];
    g_assert_cmpuint(smbios_place(&info, buf, sizeof(buf), 0xf0000), ==, 0);
}

static void test_fw_cfg_files(void)
{
    Log log = {0, NULL};
    AddressSpace io, mem;
    address_space_init(&io, "io", 1 << 16, &log);
    address_space_init(&mem, "mem", 1ull << 52, &log);
    FwCfgState *fw = fw_cfg_new(&io, &mem, &log);
    SmbiosInfo info = board(2, 512ull << 20);
    smbios_fw_cfg_install(fw, &info);
    const FwCfgItem *tables = fw_cfg_find_file(fw, SMBIOS_FW_CFG_TABLES);
    const FwCfgItem *anchor = fw_cfg_find_file(fw, SMBIOS_FW_CFG_ANCHOR);
    g_assert_nonnull(tables);
    g_assert_nonnull(anchor);
    g_assert_cmpuint(anchor->len, ==, SMBIOS_EP_SIZE);
    const uint8_t *ep = scan_entry_point(anchor->data, anchor->len);
    g_assert_nonnull(ep);
    g_assert_cmpuint(rd32(ep + 0x18), ==, 0); /* the firmware fills in the address */
    g_assert_cmpuint(rd16(ep + 0x16), ==, tables->len);
    Parsed p = parse_table(tables->data, tables->len, &info);
    g_assert_cmpuint(p.count, ==, rd16(ep + 0x1c));
    check_board(&p, &info);
    fw_cfg_free(fw);
    address_space_destroy(&mem);
    address_space_destroy(&io);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smbios/small-board", test_small_board);
    g_test_add_func("/smbios/smp-board", test_smp_board);
    g_test_add_func("/smbios/big-memory", test_big_memory);
    g_test_add_func("/smbios/too-small-buffer", test_too_small_buffer);
    g_test_add_func("/smbios/fw-cfg-files", test_fw_cfg_files);
    return g_test_run();
}
