/* Intel 82441FX PCI and memory controller (host bridge), PAM shadowing (82441FX
 * datasheet §3.2.18: PAM0 bits 5:4 control 0F0000-0FFFFF; PAM1-PAM6 control 16 KiB
 * segments of 0C0000-0EFFFF, low nibble for the lower segment. In each field bit 0 (RE)
 * sends reads to DRAM and bit 1 (WE) writes; what DRAM does not take goes to PCI, where
 * the BIOS ROM answers at 0xE0000-0xFFFFF).
 *
 * Each segment has one region per mode, layered above RAM and the ISA BIOS alias;
 * exactly one is enabled. */
#include "hw/i440fx.h"

#include <stdlib.h>
#include <string.h>

#define I440FX_PAM0  0x59
#define PAM_PRIORITY 2

static const VMStateField i440fx_fields[] = {
    VMSTATE_BYTES(I440fxState, pci.config),
    VMSTATE_END,
};

/* The ROM/PCI side of a segment: the firmware where the ISA window shows it, else
 * nothing (all ones). */
typedef struct PamSide {
    I440fxState *s;
    PamSegment *seg;
} PamSide;

static uint64_t pam_rom_read(void *opaque, uint64_t addr, unsigned size)
{
    PamSide *w = opaque;
    uint64_t a = w->seg->base + addr, v = 0;
    if (!w->s->rom || a < w->s->rom_base)
        return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    memcpy(&v, w->s->rom + (a - w->s->rom_base), size);
    return v;
}

static void pam_rom_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)val;
    (void)size;
}

/* Mode 2: reads from the ROM/PCI side, writes into DRAM. */
static void pam_dram_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PamSide *w = opaque;
    memcpy(w->s->ram + w->seg->base + addr, &val, size);
}

static const MemoryRegionOps pam_rom_ops = {.read = pam_rom_read, .write = pam_rom_write};
static const MemoryRegionOps pam_wo_ops = {.read = pam_rom_read, .write = pam_dram_write};

static void pam_apply(I440fxState *s, PamSegment *seg, uint8_t mode)
{
    seg->mode = mode & 3;
    memory_region_set_enabled(s->mem, seg->ram_rw, seg->mode == 3);
    memory_region_set_enabled(s->mem, seg->ram_ro, seg->mode == 1);
    memory_region_set_enabled(s->mem, seg->write_only, seg->mode == 2);
    memory_region_set_enabled(s->mem, seg->rom_side, seg->mode == 0);
}

static uint8_t pam_field(const I440fxState *s, int i)
{
    if (i == 0)
        return (s->pci.config[I440FX_PAM0] >> 4) & 3;
    uint8_t reg = s->pci.config[I440FX_PAM0 + 1 + (i - 1) / 2];
    return ((i - 1) & 1 ? reg >> 4 : reg) & 3;
}

static void i440fx_update_pam(I440fxState *s)
{
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        uint8_t mode = pam_field(s, i);
        if (mode != s->pam[i].mode)
            pam_apply(s, &s->pam[i], mode);
    }
}

static void i440fx_config_written(PciDevice *d, unsigned addr, uint32_t val, unsigned size)
{
    (void)val;
    if (addr < I440FX_PAM0 + 7 && addr + size > I440FX_PAM0)
        i440fx_update_pam((I440fxState *)d);
}

static void i440fx_reset(DeviceState *dev)
{
    I440fxState *s = (I440fxState *)dev;
    pci_device_reset(&s->pci);
    memset(s->pci.config + I440FX_PAM0, 0, 7);
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++)
        pam_apply(s, &s->pam[i], 0);
}

static void pam_segment_init(I440fxState *s, PamSegment *seg, uint64_t base, uint64_t size)
{
    seg->base = base;
    seg->size = size;
    seg->ram_rw =
        address_space_add_ram(s->mem, "pam-ram", base, size, s->ram + base, false, PAM_PRIORITY);
    seg->ram_ro =
        address_space_add_ram(s->mem, "pam-ram-ro", base, size, s->ram + base, true, PAM_PRIORITY);
    PamSide *w = calloc(1, sizeof(*w));
    w->s = s;
    w->seg = seg;
    seg->write_only =
        address_space_add_mmio(s->mem, "pam-write-dram", base, size, &pam_wo_ops, w, PAM_PRIORITY);
    seg->rom_side =
        address_space_add_mmio(s->mem, "pam-rom", base, size, &pam_rom_ops, w, PAM_PRIORITY);
    seg->mode = 0xff;
}

I440fxState *i440fx_new(PciBus *bus, AddressSpace *mem, uint8_t *ram, const uint8_t *rom,
                        uint64_t rom_base)
{
    I440fxState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    /* 82441FX: vendor 8086h, device 1237h, revision 02h, class 060000h (host bridge). */
    pci_device_init(&s->pci, bus, PCI_DEVFN(0, 0), "i440fx", 0x8086, 0x1237, 0x02, 0x060000);
    s->pci.dev.reset = i440fx_reset;
    s->pci.dev.fields = i440fx_fields;
    s->pci.config_written = i440fx_config_written;
    for (int i = 0; i < 7; i++)
        s->pci.wmask[I440FX_PAM0 + i] = i == 0 ? 0x30 : 0x33;
    s->pci.wmask[0x72] = 0x78; /* SMRAM: kept, SMM is not modelled */
    s->mem = mem;
    s->ram = ram;
    s->rom = rom;
    s->rom_base = rom_base;
    pam_segment_init(s, &s->pam[0], 0xf0000, 0x10000);
    for (int i = 1; i < I440FX_PAM_SEGMENTS; i++)
        pam_segment_init(s, &s->pam[i], 0xc0000 + (uint64_t)(i - 1) * 0x4000, 0x4000);
    i440fx_reset(&s->pci.dev);
    return s;
}

void i440fx_free(I440fxState *s)
{
    if (!s)
        return;
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        PamSegment *seg = &s->pam[i];
        address_space_remove(s->mem, seg->ram_rw);
        address_space_remove(s->mem, seg->ram_ro);
        free(seg->write_only->opaque);
        address_space_remove(s->mem, seg->write_only);
        address_space_remove(s->mem, seg->rom_side);
    }
    free(s);
}
