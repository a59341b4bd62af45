/* QEMU's fw_cfg device: see fw_cfg.h. Behaviour follows QEMU docs/specs/fw_cfg.rst:
 * "Selector (Control) Register", "Data Register", "DMA Address Register", "File
 * Directory" and "DMA interface". */
#include "hw/fw_cfg.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

/* Selector bit 14 once picked the write channel and bit 15 picks the architecture's
 * own items; neither names a Pacifica item, so such selectors select nothing. */
#define FW_CFG_KEY_MASK 0x3fff
#define FW_CFG_SIG_DMA  "QEMU CFG"
#define DIR_ENTRY_SIZE  64 /* be32 size, be16 select, be16 reserved, name[56] */

static const VMStateField fw_cfg_fields[] = {
    VMSTATE_U16(FwCfgState, cur_key),
    VMSTATE_U32(FwCfgState, cur_offset),
    VMSTATE_U64(FwCfgState, dma_addr),
    VMSTATE_END,
};

static void st_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void st_be32(uint8_t *p, uint32_t v)
{
    st_be16(p, (uint16_t)(v >> 16));
    st_be16(p + 2, (uint16_t)v);
}

static uint32_t ld_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t ld_be64(const uint8_t *p)
{
    return (uint64_t)ld_be32(p) << 32 | ld_be32(p + 4);
}

/* The item a selector names, or NULL (unknown selectors read as zeros). */
static const FwCfgItem *fw_cfg_item(const FwCfgState *s, uint16_t key)
{
    if (key & ~FW_CFG_KEY_MASK)
        return NULL;
    if (key < FW_CFG_FILE_FIRST)
        return &s->items[key];
    if (key - FW_CFG_FILE_FIRST < (int)s->nfiles)
        return &s->files[key - FW_CFG_FILE_FIRST].item;
    return NULL;
}

static void fw_cfg_select(FwCfgState *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_offset = 0;
}

static uint8_t fw_cfg_next_byte(FwCfgState *s)
{
    const FwCfgItem *it = fw_cfg_item(s, s->cur_key);
    if (!it || s->cur_offset >= it->len)
        return 0;
    return it->data[s->cur_offset++];
}

/* ---- selector and data ports (0x510, 0x511) ---- */

/* A byte read at either port returns the next data byte; a 16-bit write selects. */
static uint64_t fw_cfg_io_read(void *opaque, uint64_t addr, unsigned size)
{
    FwCfgState *s = opaque;
    if (size != 1) {
        log_printf(s->log, LOG_GUEST_ERROR, "fw_cfg: %u-byte read of port 0x%" PRIx64 "\n", size,
                   FW_CFG_IO_BASE + addr);
        return 0;
    }
    return fw_cfg_next_byte(s);
}

static void fw_cfg_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FwCfgState *s = opaque;
    if (size == 2) {
        fw_cfg_select(s, (uint16_t)val);
        return;
    }
    /* Writes through the data port were removed in QEMU 2.4: ignored. */
    log_printf(s->log, LOG_GUEST_ERROR,
               "fw_cfg: %u-byte write of 0x%" PRIx64 " to port 0x%" PRIx64 " ignored\n", size, val,
               FW_CFG_IO_BASE + addr);
}

static const MemoryRegionOps fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .min_access = 1,
    .max_access = 2,
};

/* ---- DMA ---- */

static void fw_cfg_note_written(FwCfgState *s, uint64_t gpa, uint64_t len)
{
    if (s->dma_written && len)
        s->dma_written(s->dma_opaque, gpa, len);
}

/* Moves len bytes of the current item (from the current offset) to guest RAM at gpa,
 * or skips them; past the item's end a read stores zeros. Returns false when the
 * guest range is not RAM. */
static bool fw_cfg_dma_read(FwCfgState *s, uint64_t gpa, uint32_t len, bool store)
{
    const FwCfgItem *it = fw_cfg_item(s, s->cur_key);
    uint32_t avail = it && s->cur_offset < it->len ? it->len - s->cur_offset : 0;
    uint32_t n = len < avail ? len : avail;
    if (store && len) {
        uint8_t *dst = address_space_ram_ptr(s->mem, gpa, len, true);
        if (!dst)
            return false;
        if (n)
            memcpy(dst, it->data + s->cur_offset, n);
        memset(dst + n, 0, len - n);
        fw_cfg_note_written(s, gpa, len);
    }
    s->cur_offset += n;
    return true;
}

/* Runs the FWCfgDmaAccess descriptor at guest address desc (fw_cfg.rst "DMA
 * interface"): select, then read, write or skip, and store the resulting control word
 * (0, or the error bit) back into the descriptor. */
static void fw_cfg_dma_transfer(FwCfgState *s, uint64_t desc)
{
    uint8_t *d = address_space_ram_ptr(s->mem, desc, 16, true);
    if (!d) {
        log_printf(s->log, LOG_GUEST_ERROR,
                   "fw_cfg: DMA descriptor at 0x%" PRIx64 " is not in RAM, ignored\n", desc);
        return;
    }
    uint32_t control = ld_be32(d);
    uint32_t length = ld_be32(d + 4);
    uint64_t address = ld_be64(d + 8);
    bool ok = true;
    if (control & FW_CFG_DMA_CTL_SELECT)
        fw_cfg_select(s, (uint16_t)(control >> 16));
    if (control & FW_CFG_DMA_CTL_READ) {
        ok = fw_cfg_dma_read(s, address, length, true);
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        /* Every item is read-only (QEMU: no item allows writes by default). */
        ok = length == 0;
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        ok = fw_cfg_dma_read(s, address, length, false);
    }
    if (!ok)
        log_printf(s->log, LOG_GUEST_ERROR,
                   "fw_cfg: DMA control 0x%x of %u bytes at 0x%" PRIx64 " refused\n", control,
                   length, address);
    st_be32(d, ok ? 0 : FW_CFG_DMA_CTL_ERROR);
    fw_cfg_note_written(s, desc, 4);
}

/* Reads return the bytes of "QEMU CFG" at their offsets. */
static uint64_t fw_cfg_dma_io_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < 8; i++)
        v |= (uint64_t)(uint8_t)FW_CFG_SIG_DMA[addr + i] << (8 * i);
    return v;
}

/* The register holds a big-endian address: the byte at the lowest port is its most
 * significant one, so the value the CPU wrote (little-endian) is byte-swapped. */
static void fw_cfg_dma_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FwCfgState *s = opaque;
    if (size == 4 && addr == 0) {
        s->dma_addr = (uint64_t)GUINT32_SWAP_LE_BE((uint32_t)val) << 32;
    } else if (size == 4 && addr == 4) {
        uint64_t desc = s->dma_addr | GUINT32_SWAP_LE_BE((uint32_t)val);
        s->dma_addr = 0;
        fw_cfg_dma_transfer(s, desc);
    } else if (size == 8 && addr == 0) {
        s->dma_addr = 0;
        fw_cfg_dma_transfer(s, GUINT64_SWAP_LE_BE(val));
    } else {
        log_printf(s->log, LOG_GUEST_ERROR,
                   "fw_cfg: %u-byte write to DMA register offset %" PRIu64 " ignored\n", size,
                   addr);
    }
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_io_read,
    .write = fw_cfg_dma_io_write,
    .min_access = 1,
    .max_access = 8,
};

/* ---- items ---- */

static void item_release(FwCfgItem *it)
{
    if (!it->borrowed)
        g_free(it->data);
    it->data = NULL;
    it->borrowed = false;
}

static void item_set(FwCfgItem *it, const void *data, uint32_t len)
{
    item_release(it);
    it->data = len ? g_memdup2(data, len) : NULL;
    it->len = len;
}

void fw_cfg_add_bytes(FwCfgState *s, uint16_t key, const void *data, uint32_t len)
{
    g_assert(key < FW_CFG_FILE_FIRST && key != FW_CFG_FILE_DIR);
    item_set(&s->items[key], data, len);
}

void fw_cfg_add_bytes_borrowed(FwCfgState *s, uint16_t key, const void *data, uint32_t len)
{
    g_assert(key < FW_CFG_FILE_FIRST && key != FW_CFG_FILE_DIR);
    FwCfgItem *it = &s->items[key];
    item_release(it);
    it->data = len ? (uint8_t *)data : NULL; /* only ever read (fw_cfg has no write items) */
    it->len = len;
    it->borrowed = len != 0;
}

void fw_cfg_add_i16(FwCfgState *s, uint16_t key, uint16_t v)
{
    uint16_t le = GUINT16_TO_LE(v);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i32(FwCfgState *s, uint16_t key, uint32_t v)
{
    uint32_t le = GUINT32_TO_LE(v);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i64(FwCfgState *s, uint16_t key, uint64_t v)
{
    uint64_t le = GUINT64_TO_LE(v);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

/* FW_CFG_FILE_DIR: a big-endian count, then one entry per file in selector order. */
static void fw_cfg_rebuild_dir(FwCfgState *s)
{
    uint32_t len = 4 + DIR_ENTRY_SIZE * s->nfiles;
    uint8_t *dir = g_malloc0(len);
    st_be32(dir, s->nfiles);
    for (unsigned i = 0; i < s->nfiles; i++) {
        uint8_t *e = dir + 4 + DIR_ENTRY_SIZE * i;
        st_be32(e, s->files[i].item.len);
        st_be16(e + 4, (uint16_t)(FW_CFG_FILE_FIRST + i));
        memcpy(e + 8, s->files[i].name, FW_CFG_MAX_FILE_NAME);
    }
    FwCfgItem *it = &s->items[FW_CFG_FILE_DIR];
    item_release(it);
    it->data = dir;
    it->len = len;
}

bool fw_cfg_add_file(FwCfgState *s, const char *name, const void *data, uint32_t len)
{
    size_t name_len = strlen(name);
    if (!name_len || name_len >= FW_CFG_MAX_FILE_NAME)
        return false;
    unsigned at = 0;
    while (at < s->nfiles && strcmp(s->files[at].name, name) < 0)
        at++;
    if (at < s->nfiles && !strcmp(s->files[at].name, name)) {
        item_set(&s->files[at].item, data, len);
    } else {
        if (s->nfiles == FW_CFG_MAX_FILES)
            return false;
        memmove(&s->files[at + 1], &s->files[at], (s->nfiles - at) * sizeof(s->files[0]));
        memset(&s->files[at], 0, sizeof(s->files[0]));
        memcpy(s->files[at].name, name, name_len + 1);
        item_set(&s->files[at].item, data, len);
        s->nfiles++;
    }
    fw_cfg_rebuild_dir(s);
    return true;
}

const FwCfgItem *fw_cfg_find_file(const FwCfgState *s, const char *name)
{
    for (unsigned i = 0; i < s->nfiles; i++)
        if (!strcmp(s->files[i].name, name))
            return &s->files[i].item;
    return NULL;
}

/* ---- life cycle ---- */

static void fw_cfg_reset(DeviceState *dev)
{
    FwCfgState *s = (FwCfgState *)dev;
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

FwCfgState *fw_cfg_new(AddressSpace *io, AddressSpace *mem, const Log *log)
{
    FwCfgState *s = g_new0(FwCfgState, 1);
    s->dev.name = "fw_cfg";
    s->dev.reset = fw_cfg_reset;
    s->dev.fields = fw_cfg_fields;
    s->io = io;
    s->mem = mem;
    s->log = log;
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_VERSION_TRADITIONAL | FW_CFG_VERSION_DMA);
    fw_cfg_rebuild_dir(s);
    s->ctl_region = address_space_add_mmio(io, "fw_cfg", FW_CFG_IO_BASE, 2, &fw_cfg_io_ops, s, 0);
    s->dma_region =
        address_space_add_mmio(io, "fw_cfg-dma", FW_CFG_DMA_BASE, 8, &fw_cfg_dma_ops, s, 0);
    return s;
}

void fw_cfg_set_dma_written(FwCfgState *s, FwCfgDmaWritten *hook, void *opaque)
{
    s->dma_written = hook;
    s->dma_opaque = opaque;
}

void fw_cfg_free(FwCfgState *s)
{
    if (!s)
        return;
    address_space_remove(s->io, s->ctl_region);
    address_space_remove(s->io, s->dma_region);
    for (unsigned i = 0; i < FW_CFG_FILE_FIRST; i++)
        item_release(&s->items[i]);
    for (unsigned i = 0; i < s->nfiles; i++)
        item_release(&s->files[i].item);
    g_free(s);
}
