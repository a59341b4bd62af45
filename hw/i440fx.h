/* The Intel 440FX host bridge (PCI 0:0.0): its identity, and the PAM registers that
 * decide, per segment of 0xC0000-0xFFFFF, whether reads and writes reach DRAM or the
 * ROM/PCI side (82441FX datasheet §3.2.18) — how firmware shadows itself into RAM. */
#ifndef PACIFICA_HW_I440FX_H
#define PACIFICA_HW_I440FX_H

#include "hw/pci.h"

#define I440FX_PAM_SEGMENTS 13 /* 0xF0000 (64 KiB) and 12 x 16 KiB from 0xC0000 */

typedef struct PamSegment {
    uint64_t base, size;
    uint8_t mode; /* 0 ROM/PCI, 1 read DRAM, 2 write DRAM, 3 DRAM read/write */
    MemoryRegion *ram_rw, *ram_ro, *write_only, *rom_side;
} PamSegment;

typedef struct I440fxState {
    PciDevice pci;
    AddressSpace *mem;
    uint8_t *ram;       /* guest RAM (host pointer of address 0) */
    const uint8_t *rom; /* what the PCI/ROM side shows at [rom_base, 0x100000) */
    uint64_t rom_base;
    PamSegment pam[I440FX_PAM_SEGMENTS];
} I440fxState;

/* rom: the end of the firmware image as the ISA window shows it from rom_base up to
 * 1 MiB (rom_base >= 0xC0000), or NULL. */
I440fxState *i440fx_new(PciBus *bus, AddressSpace *mem, uint8_t *ram, const uint8_t *rom,
                        uint64_t rom_base);
void i440fx_free(I440fxState *s);

#endif
