/* QEMU's firmware configuration device (fw_cfg), as on QEMU's x86 machines (QEMU
 * docs/specs/fw_cfg.rst): firmware and test kernels read named data items ("blobs")
 * through it.
 *
 * Ports: the 16-bit selector at 0x510 (a 16-bit write picks an item and rewinds it),
 * the data port at 0x511 (each byte read returns the next byte of the item, 0 past its
 * end or for an unknown item), and the DMA address register at 0x514-0x51b: the guest
 * writes the guest-physical address of a 16-byte FWCfgDmaAccess descriptor (control,
 * length, address, all big-endian) as two big-endian 32-bit halves, high first; the
 * write of the low half at 0x518 starts the transfer. Reading 0x514-0x51b returns
 * "QEMU CFG".
 *
 * Items are keyed by 16-bit selectors: well-known ones below FW_CFG_FILE_FIRST, named
 * files from FW_CFG_FILE_FIRST on, listed (sorted by name) in FW_CFG_FILE_DIR.
 * Everything is read-only for the guest; a DMA write is refused with the error bit.
 * DMA reaches guest RAM only: a descriptor or buffer outside RAM gets the error bit.
 */
#ifndef PACIFICA_HW_FW_CFG_H
#define PACIFICA_HW_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "system/device.h"
#include "system/log.h"
#include "system/memory.h"

#define FW_CFG_IO_BASE  0x510 /* selector; data at +1 */
#define FW_CFG_DMA_BASE 0x514

/* Well-known selectors (fw_cfg.rst "Selector Reg. Values"). */
#define FW_CFG_SIGNATURE      0x00
#define FW_CFG_ID             0x01
#define FW_CFG_UUID           0x02
#define FW_CFG_RAM_SIZE       0x03
#define FW_CFG_NOGRAPHIC      0x04
#define FW_CFG_NB_CPUS        0x05
#define FW_CFG_MACHINE_ID     0x06
#define FW_CFG_KERNEL_ADDR    0x07
#define FW_CFG_KERNEL_SIZE    0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR    0x0a
#define FW_CFG_INITRD_SIZE    0x0b
#define FW_CFG_BOOT_DEVICE    0x0c
#define FW_CFG_NUMA           0x0d
#define FW_CFG_BOOT_MENU      0x0e
#define FW_CFG_MAX_CPUS       0x0f
#define FW_CFG_KERNEL_ENTRY   0x10
#define FW_CFG_KERNEL_DATA    0x11
#define FW_CFG_INITRD_DATA    0x12
#define FW_CFG_CMDLINE_ADDR   0x13
#define FW_CFG_CMDLINE_SIZE   0x14
#define FW_CFG_CMDLINE_DATA   0x15
#define FW_CFG_SETUP_ADDR     0x16
#define FW_CFG_SETUP_SIZE     0x17
#define FW_CFG_SETUP_DATA     0x18
#define FW_CFG_FILE_DIR       0x19
#define FW_CFG_FILE_FIRST     0x20

#define FW_CFG_MAX_FILES     64
#define FW_CFG_MAX_FILE_NAME 56 /* with its NUL */

/* FW_CFG_ID feature bits. */
#define FW_CFG_VERSION_TRADITIONAL 0x01
#define FW_CFG_VERSION_DMA         0x02

/* FWCfgDmaAccess.control bits; the selector to pick (with SELECT) is in bits 31:16. */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10

typedef struct FwCfgItem {
    uint8_t *data; /* owned unless borrowed; NULL for an empty item */
    uint32_t len;
    bool borrowed; /* data belongs to the caller (fw_cfg_add_bytes_borrowed): never written */
} FwCfgItem;

typedef struct FwCfgFile {
    char name[FW_CFG_MAX_FILE_NAME];
    FwCfgItem item;
} FwCfgFile;

/* Told after a DMA transfer wrote guest RAM [gpa, gpa + len). */
typedef void FwCfgDmaWritten(void *opaque, uint64_t gpa, uint64_t len);

typedef struct FwCfgState {
    DeviceState dev;
    /* Guest-visible state: the selected item, the read position in it, and the high
     * half of the DMA address written so far. */
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;

    AddressSpace *io, *mem;
    const Log *log;
    MemoryRegion *ctl_region, *dma_region;
    FwCfgItem items[FW_CFG_FILE_FIRST]; /* well-known items by selector */
    FwCfgFile files[FW_CFG_MAX_FILES];  /* sorted by name: selector FILE_FIRST + index */
    unsigned nfiles;
    FwCfgDmaWritten *dma_written;
    void *dma_opaque;
} FwCfgState;

/* Creates the device at its x86 ports, with the signature, the ID (DMA supported) and
 * an empty file directory. mem is the guest physical space DMA goes to. */
FwCfgState *fw_cfg_new(AddressSpace *io, AddressSpace *mem, const Log *log);
void fw_cfg_free(FwCfgState *s);
void fw_cfg_set_dma_written(FwCfgState *s, FwCfgDmaWritten *hook, void *opaque);

/* Sets a well-known item (key < FW_CFG_FILE_FIRST) to a copy of data. */
void fw_cfg_add_bytes(FwCfgState *s, uint16_t key, const void *data, uint32_t len);
/* The same without the copy, for large items (a kernel, an initrd): data must stay
 * valid and unchanged until the item is replaced or s is freed. */
void fw_cfg_add_bytes_borrowed(FwCfgState *s, uint16_t key, const void *data, uint32_t len);
/* Little-endian integers, as the numeric well-known items are. */
void fw_cfg_add_i16(FwCfgState *s, uint16_t key, uint16_t v);
void fw_cfg_add_i32(FwCfgState *s, uint16_t key, uint32_t v);
void fw_cfg_add_i64(FwCfgState *s, uint16_t key, uint64_t v);
/* Adds (or replaces) the named file with a copy of data. Returns false when the name
 * is empty or too long or the directory is full. Files are added before the guest
 * runs: adding one renumbers the selectors of those after it. */
bool fw_cfg_add_file(FwCfgState *s, const char *name, const void *data, uint32_t len);
/* The named file's item, or NULL. */
const FwCfgItem *fw_cfg_find_file(const FwCfgState *s, const char *name);

#endif
