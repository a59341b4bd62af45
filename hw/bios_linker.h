/* QEMU's BIOS linker/loader script ("etc/table-loader" in fw_cfg): a list of 128-byte
 * commands that firmware (SeaBIOS, OVMF) runs to install tables it reads from fw_cfg
 * files: ALLOCATE copies a file into guest memory, ADD_POINTER adds the address where
 * one file landed to a pointer field inside another, ADD_CHECKSUM fixes a checksum byte
 * after the pointers changed. Layout as in QEMU's hw/acpi/bios-linker-loader.c. */
#ifndef PACIFICA_HW_BIOS_LINKER_H
#define PACIFICA_HW_BIOS_LINKER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define BIOS_LINKER_FILE_SIZE    56 /* a fw_cfg file name, NUL included */
#define BIOS_LINKER_ENTRY_SIZE   128
#define BIOS_LINKER_ALLOCATE     1
#define BIOS_LINKER_ADD_POINTER  2
#define BIOS_LINKER_ADD_CHECKSUM 3
#define BIOS_LINKER_ZONE_HIGH    1 /* anywhere in RAM (below 4 GiB) */
#define BIOS_LINKER_ZONE_FSEG    2 /* the 0xF0000 segment, where OSes scan for RSDP */

/* Command offsets (all fields little-endian): the file name(s) from 4, then
 * ALLOCATE: align at 60, zone at 64; ADD_POINTER: source file at 60, offset at 116,
 * size at 120; ADD_CHECKSUM: offset at 60, start at 64, length at 68. */
typedef struct BiosLinker {
    GByteArray *cmds;
} BiosLinker;

BiosLinker *bios_linker_new(void);
void bios_linker_free(BiosLinker *l);
void bios_linker_allocate(BiosLinker *l, const char *file, uint32_t align, uint8_t zone);
/* The size-byte (1, 2, 4 or 8) little-endian field at offset in dest gets the address of
 * src added to it. */
void bios_linker_add_pointer(BiosLinker *l, const char *dest, uint32_t offset, uint8_t size,
                             const char *src);
/* The byte at offset in file is adjusted so that [start, start + len) sums to zero. */
void bios_linker_add_checksum(BiosLinker *l, const char *file, uint32_t offset, uint32_t start,
                              uint32_t len);

#endif
