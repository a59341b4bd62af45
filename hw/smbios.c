/* SMBIOS 2.8 tables: see smbios.h. Structure layouts from DSP0134 2.8.0 §7 (the
 * offsets in the comments are the spec's); every structure is its formatted area
 * followed by its strings, each NUL-terminated, and one more NUL (§6.1.3). */
#include "hw/smbios.h"

#include <glib.h>
#include <string.h>

#define DEFAULT_CPU_SIG     0x000106a5u /* family 6, model 0x1a, stepping 5 */
#define DEFAULT_CPU_FEAT    0x00008311u /* FPU, TSC, CX8, APIC, CMOV */
#define DIMM_MAX            (16ull << 30)
#define BIOS_VENDOR         "Pacifica"
#define BIOS_VERSION        "1.0"
#define BIOS_DATE           "01/01/2026"
#define SYSTEM_MANUFACTURER "Pacifica"
#define SYSTEM_PRODUCT      "Standard PC (i440FX + PIIX, 1996)"
#define SYSTEM_VERSION      "pc"

/* Handles by type, as QEMU numbers them: type << 8 plus the instance. */
#define HANDLE(type, i) ((uint16_t)(((type) << 8) + (i)))
#define NO_HANDLE       0xffff
#define NO_ERROR_INFO   0xfffe

/* A structure under construction: its formatted area and its strings. */
typedef struct SmbiosWriter {
    GByteArray *out;
    unsigned count, max_size;
    uint8_t area[64];
    size_t area_len;
    GByteArray *strings;
    uint8_t nstrings;
} SmbiosWriter;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *begin(SmbiosWriter *w, uint8_t type, uint8_t len, uint16_t handle)
{
    g_assert(len <= sizeof(w->area));
    memset(w->area, 0, sizeof(w->area));
    w->area[0] = type;
    w->area[1] = len;
    put16(w->area + 2, handle);
    w->area_len = len;
    g_byte_array_set_size(w->strings, 0);
    w->nstrings = 0;
    return w->area;
}

/* Appends a string to the structure and returns its number (1-based; 0 for none). */
static uint8_t add_string(SmbiosWriter *w, const char *s)
{
    if (!s || !*s)
        return 0;
    g_byte_array_append(w->strings, (const uint8_t *)s, (guint)strlen(s) + 1);
    return ++w->nstrings;
}

static void finish(SmbiosWriter *w)
{
    static const uint8_t nul[2] = {0, 0};
    size_t start = w->out->len;
    g_byte_array_append(w->out, w->area, (guint)w->area_len);
    if (w->strings->len)
        g_byte_array_append(w->out, w->strings->data, w->strings->len);
    else
        g_byte_array_append(w->out, nul, 1);
    g_byte_array_append(w->out, nul, 1);
    size_t size = w->out->len - start;
    if (size > w->max_size)
        w->max_size = (unsigned)size;
    w->count++;
}

/* §7.1 BIOS Information (2.4+ layout, 0x18 bytes). */
static void type0(SmbiosWriter *w)
{
    uint8_t *t = begin(w, 0, 0x18, HANDLE(0, 0));
    t[4] = add_string(w, BIOS_VENDOR);
    t[5] = add_string(w, BIOS_VERSION);
    put16(t + 6, 0xe800); /* starting address segment */
    t[8] = add_string(w, BIOS_DATE);
    t[9] = 0;                 /* ROM size: 64 KiB */
    put64(t + 0x0a, 1u << 3); /* characteristics not supported */
    t[0x13] = 1u << 4;        /* extension byte 2: this is a virtual machine */
    t[0x14] = 1;              /* system BIOS release 1.0 */
    t[0x15] = 0;
    t[0x16] = 0xff; /* no embedded controller firmware */
    t[0x17] = 0xff;
    finish(w);
}

/* §7.2 System Information (0x1b bytes). */
static void type1(SmbiosWriter *w, const SmbiosInfo *info)
{
    uint8_t *t = begin(w, 1, 0x1b, HANDLE(1, 0));
    t[4] = add_string(w, SYSTEM_MANUFACTURER);
    t[5] = add_string(w, SYSTEM_PRODUCT);
    t[6] = add_string(w, SYSTEM_VERSION);
    memcpy(t + 8, info->uuid, 16);
    t[0x18] = 6; /* wake-up type: power switch */
    finish(w);
}

/* §7.4 System Enclosure (2.7+ layout with the SKU number, 0x16 bytes). */
static void type3(SmbiosWriter *w)
{
    uint8_t *t = begin(w, 3, 0x16, HANDLE(3, 0));
    t[4] = add_string(w, SYSTEM_MANUFACTURER);
    t[5] = 1; /* type: other */
    t[6] = add_string(w, SYSTEM_VERSION);
    t[9] = t[0xa] = 3; /* boot-up and power supply state: safe */
    t[0xb] = 3;        /* thermal state: safe */
    t[0xc] = 2;        /* security status: unknown */
    finish(w);
}

/* §7.5 Processor Information (2.6+ layout, 0x2a bytes). */
static void type4(SmbiosWriter *w, const SmbiosInfo *info, unsigned cpu)
{
    uint8_t *t = begin(w, 4, 0x2a, HANDLE(4, cpu));
    char socket[32];
    g_snprintf(socket, sizeof(socket), "CPU %u", cpu);
    t[4] = add_string(w, socket);
    t[5] = 3; /* central processor */
    t[6] = 1; /* family: other */
    t[7] = add_string(w, SYSTEM_MANUFACTURER);
    put32(t + 8, info->cpu_signature ? info->cpu_signature : DEFAULT_CPU_SIG);
    put32(t + 0xc, info->cpu_features ? info->cpu_features : DEFAULT_CPU_FEAT);
    put16(t + 0x14, 2000); /* max speed, MHz */
    put16(t + 0x16, 2000); /* current speed */
    t[0x18] = 0x41;        /* socket populated, CPU enabled */
    t[0x19] = 1;           /* upgrade: other */
    put16(t + 0x1a, NO_HANDLE);
    put16(t + 0x1c, NO_HANDLE);
    put16(t + 0x1e, NO_HANDLE);
    t[0x23] = t[0x24] = t[0x25] = 1; /* one core, enabled, one thread */
    put16(t + 0x26, 1u << 2);        /* 64-bit capable */
    put16(t + 0x28, 1);              /* family 2: other */
    finish(w);
}

/* §7.17 Physical Memory Array (2.7+ layout, 0x17 bytes). */
static void type16(SmbiosWriter *w, const SmbiosInfo *info, unsigned ndimms)
{
    uint8_t *t = begin(w, 16, 0x17, HANDLE(16, 0));
    t[4] = 1; /* location: other */
    t[5] = 3; /* use: system memory */
    t[6] = 6; /* error correction: multi-bit ECC, as QEMU reports */
    uint64_t kib = info->ram_size >> 10;
    if (kib < 0x80000000u) {
        put32(t + 7, (uint32_t)kib);
    } else {
        put32(t + 7, 0x80000000u); /* see the extended maximum capacity */
        put64(t + 0xf, info->ram_size);
    }
    put16(t + 0xb, NO_ERROR_INFO);
    put16(t + 0xd, (uint16_t)ndimms);
    finish(w);
}

/* §7.18 Memory Device (2.8 layout, 0x28 bytes). */
static void type17(SmbiosWriter *w, unsigned i, uint64_t size)
{
    uint8_t *t = begin(w, 17, 0x28, HANDLE(17, i));
    put16(t + 4, HANDLE(16, 0));
    put16(t + 6, NO_ERROR_INFO);
    put16(t + 8, 0xffff); /* total and data width unknown */
    put16(t + 0xa, 0xffff);
    uint64_t mib = size >> 20;
    if (mib < 0x7fff) {
        put16(t + 0xc, (uint16_t)mib);
    } else {
        put16(t + 0xc, 0x7fff); /* see the extended size */
        put32(t + 0x1c, (uint32_t)mib);
    }
    t[0xe] = 9; /* form factor: DIMM */
    char loc[32];
    g_snprintf(loc, sizeof(loc), "DIMM %u", i);
    t[0x10] = add_string(w, loc);
    t[0x12] = 7;        /* type: RAM */
    put16(t + 0x13, 2); /* detail: other */
    t[0x17] = add_string(w, SYSTEM_MANUFACTURER);
    finish(w);
}

/* §7.20 Memory Array Mapped Address (2.7+ layout, 0x1f bytes). */
static void type19(SmbiosWriter *w, unsigned i, const SmbiosRamRegion *r)
{
    uint8_t *t = begin(w, 19, 0x1f, HANDLE(19, i));
    uint64_t end = r->start + r->size - 1;
    if (end >> 10 < 0xffffffffu) {
        put32(t + 4, (uint32_t)(r->start >> 10));
        put32(t + 8, (uint32_t)(end >> 10));
    } else {
        put32(t + 4, 0xffffffffu); /* see the extended addresses, in bytes */
        put32(t + 8, 0xffffffffu);
        put64(t + 0xf, r->start);
        put64(t + 0x17, end);
    }
    put16(t + 0xc, HANDLE(16, 0));
    t[0xe] = 1; /* partition width */
    finish(w);
}

void smbios_build_tables(const SmbiosInfo *info, SmbiosTables *out)
{
    SmbiosWriter w = {.out = g_byte_array_new(), .strings = g_byte_array_new()};
    type0(&w);
    type1(&w, info);
    type3(&w);
    for (unsigned i = 0; i < info->ncpus; i++)
        type4(&w, info, i);
    unsigned ndimms = (unsigned)((info->ram_size + DIMM_MAX - 1) / DIMM_MAX);
    type16(&w, info, ndimms);
    for (unsigned i = 0; i < ndimms; i++) {
        uint64_t left = info->ram_size - (uint64_t)i * DIMM_MAX;
        type17(&w, i, left < DIMM_MAX ? left : DIMM_MAX);
    }
    for (unsigned i = 0; i < info->nram && i < SMBIOS_MAX_REGIONS; i++)
        if (info->ram[i].size)
            type19(&w, i, &info->ram[i]);
    begin(&w, 32, 0x0b, HANDLE(32, 0)); /* §7.33 System Boot: no errors */
    finish(&w);
    begin(&w, 127, 4, HANDLE(127, 0)); /* §7.46 End-of-Table */
    finish(&w);
    g_byte_array_free(w.strings, TRUE);
    out->len = w.out->len;
    out->count = w.count;
    out->max_size = w.max_size;
    out->data = g_byte_array_free(w.out, FALSE);
}

void smbios_tables_free(SmbiosTables *t)
{
    g_free(t->data);
    t->data = NULL;
}

static uint8_t byte_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)(0 - sum);
}

/* §5.2.1 SMBIOS 2.1 (32-bit) Entry Point. */
void smbios_build_entry_point(const SmbiosTables *t, uint32_t table_addr,
                              uint8_t ep[SMBIOS_EP_SIZE])
{
    memset(ep, 0, SMBIOS_EP_SIZE);
    memcpy(ep, "_SM_", 4);
    ep[5] = SMBIOS_EP_SIZE;
    ep[6] = 2; /* version 2.8 */
    ep[7] = 8;
    put16(ep + 8, (uint16_t)t->max_size);
    memcpy(ep + 0x10, "_DMI_", 5);
    put16(ep + 0x16, (uint16_t)t->len);
    put32(ep + 0x18, table_addr);
    put16(ep + 0x1c, (uint16_t)t->count);
    ep[0x1e] = 0x28;                           /* BCD revision */
    ep[0x15] = byte_checksum(ep + 0x10, 0x0f); /* intermediate: the _DMI_ part */
    ep[4] = byte_checksum(ep, SMBIOS_EP_SIZE);
}

size_t smbios_place(const SmbiosInfo *info, uint8_t *buf, size_t len, uint32_t base)
{
    SmbiosTables t;
    smbios_build_tables(info, &t);
    const size_t table_off = 32; /* the entry point, rounded up to 16 bytes */
    size_t used = table_off + t.len;
    if (used > len || t.len > 0xffff) {
        smbios_tables_free(&t);
        return 0;
    }
    memset(buf, 0, table_off);
    smbios_build_entry_point(&t, base + (uint32_t)table_off, buf);
    memcpy(buf + table_off, t.data, t.len);
    smbios_tables_free(&t);
    return used;
}

void smbios_fw_cfg_install(FwCfgState *fw, const SmbiosInfo *info)
{
    SmbiosTables t;
    smbios_build_tables(info, &t);
    uint8_t ep[SMBIOS_EP_SIZE];
    smbios_build_entry_point(&t, 0, ep);
    fw_cfg_add_file(fw, SMBIOS_FW_CFG_TABLES, t.data, (uint32_t)t.len);
    fw_cfg_add_file(fw, SMBIOS_FW_CFG_ANCHOR, ep, sizeof(ep));
    smbios_tables_free(&t);
}
