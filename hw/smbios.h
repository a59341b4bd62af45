/* SMBIOS 2.8 tables (DMTF DSP0134 2.8.0) describing the PC board: the 32-bit entry
 * point ("_SM_", §5.2.1) and the structures type 0 (BIOS), 1 (system, with its UUID),
 * 3 (chassis), 4 (one processor per vCPU socket), 16 (the memory array), 17 (one memory
 * device per 16 GiB of RAM, as QEMU splits it), 19 (one array mapped address per RAM
 * range), 32 (system boot) and 127 (end of table).
 *
 * Two ways to the guest: through fw_cfg ("etc/smbios/smbios-tables" and
 * "etc/smbios/smbios-anchor", whose table address SeaBIOS fills in when it copies the
 * tables), and for a kernel booted without firmware, laid out in the 0xF0000 segment
 * where Linux's dmi_scan looks for the anchor on a 16-byte boundary.
 */
#ifndef PACIFICA_HW_SMBIOS_H
#define PACIFICA_HW_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "hw/fw_cfg.h"

#define SMBIOS_EP_SIZE       31
#define SMBIOS_MAX_REGIONS   4
#define SMBIOS_FW_CFG_TABLES "etc/smbios/smbios-tables"
#define SMBIOS_FW_CFG_ANCHOR "etc/smbios/smbios-anchor"

typedef struct SmbiosRamRegion {
    uint64_t start, size; /* guest physical RAM range, bytes */
} SmbiosRamRegion;

typedef struct SmbiosInfo {
    unsigned ncpus; /* one socket each */
    uint64_t ram_size;
    SmbiosRamRegion ram[SMBIOS_MAX_REGIONS];
    unsigned nram;
    uint8_t uuid[16]; /* as stored in type 1 (§7.2.1: first three fields little-endian) */
    /* CPUID.1 EAX and EDX for the processor ID field; 0 gives a family 6 CPU. */
    uint32_t cpu_signature, cpu_features;
} SmbiosInfo;

typedef struct SmbiosTables {
    uint8_t *data; /* the structure table (g_malloc'd) */
    size_t len;
    unsigned count;    /* structures */
    unsigned max_size; /* the largest structure, strings included */
} SmbiosTables;

void smbios_build_tables(const SmbiosInfo *info, SmbiosTables *out);
void smbios_tables_free(SmbiosTables *t);
/* The entry point for t's structures at guest address table_addr. */
void smbios_build_entry_point(const SmbiosTables *t, uint32_t table_addr,
                              uint8_t ep[SMBIOS_EP_SIZE]);

/* Writes the entry point at buf (guest address base, 16-byte aligned) with the table
 * right after it; returns the bytes used, 0 if len is too small. */
size_t smbios_place(const SmbiosInfo *info, uint8_t *buf, size_t len, uint32_t base);
/* Adds the two fw_cfg files (the anchor's table address 0, for the firmware to set). */
void smbios_fw_cfg_install(FwCfgState *fw, const SmbiosInfo *info);

#endif
