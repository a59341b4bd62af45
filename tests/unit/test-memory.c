/* Address spaces: RAM/ROM/MMIO dispatch, overlaps, unassigned accesses, port I/O. */
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/memory.h"

/* ---- A recording MMIO device backed by bytes -------------------------------- */

typedef struct MmioCall {
    bool is_write;
    uint64_t addr, val;
    unsigned size;
} MmioCall;

typedef struct TestDevice {
    uint8_t regs[256];
    MmioCall calls[64];
    unsigned ncalls;
} TestDevice;

static void record(TestDevice *d, bool is_write, uint64_t addr, uint64_t val, unsigned size)
{
    if (d->ncalls < G_N_ELEMENTS(d->calls))
        d->calls[d->ncalls] = (MmioCall){is_write, addr, val, size};
    d->ncalls++;
}

static uint64_t dev_read(void *opaque, uint64_t addr, unsigned size)
{
    TestDevice *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < sizeof(d->regs); i++)
        v |= (uint64_t)d->regs[addr + i] << (8 * i);
    record(d, false, addr, v, size);
    return v;
}

static void dev_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    TestDevice *d = opaque;
    for (unsigned i = 0; i < size && addr + i < sizeof(d->regs); i++)
        d->regs[addr + i] = val >> (8 * i);
    record(d, true, addr, val, size);
}

static const MemoryRegionOps any_size_ops = {dev_read, dev_write, 0, 0};
static const MemoryRegionOps byte_ops = {dev_read, dev_write, 1, 1};
static const MemoryRegionOps dword_ops = {dev_read, dev_write, 4, 4};
static const MemoryRegionOps upto_dword_ops = {dev_read, dev_write, 1, 4};

static void assert_call(const TestDevice *d, unsigned i, bool is_write, uint64_t addr, uint64_t val,
                        unsigned size)
{
    g_assert_cmpuint(i, <, d->ncalls);
    g_assert_cmpint(d->calls[i].is_write, ==, is_write);
    g_assert_cmphex(d->calls[i].addr, ==, addr);
    g_assert_cmphex(d->calls[i].val, ==, val);
    g_assert_cmpuint(d->calls[i].size, ==, size);
}

/* ---- A log captured in memory ----------------------------------------------- */

typedef struct CapturedLog {
    Log log;
    char *text;
    size_t len;
} CapturedLog;

static void captured_log_init(CapturedLog *c)
{
    c->text = NULL;
    c->len = 0;
    c->log.mask = LOG_GUEST_ERROR;
    c->log.out = open_memstream(&c->text, &c->len);
    g_assert_nonnull(c->log.out);
}

static const char *captured_log_text(CapturedLog *c)
{
    fflush(c->log.out);
    return c->text ? c->text : "";
}

static void captured_log_clear(CapturedLog *c)
{
    fflush(c->log.out);
    rewind(c->log.out);
    if (c->text)
        c->text[0] = '\0';
}

static void captured_log_destroy(CapturedLog *c)
{
    fclose(c->log.out);
    free(c->text);
}

#define MEM_SIZE (1ull << 52)

/* ---- Tests ----------------------------------------------------------------------- */

static void test_ram_sizes(void)
{
    AddressSpace as;
    uint8_t ram[0x1000] = {0};
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_ram(&as, "ram", 0x10000, sizeof(ram), ram, false, 0);

    address_space_write(&as, 0x10000, 0xab, 1);
    address_space_write(&as, 0x10002, 0xbeef, 2);
    address_space_write(&as, 0x10005, 0x12345678, 4); /* unaligned */
    address_space_write(&as, 0x10010, 0x0102030405060708ull, 8);
    g_assert_cmphex(ram[0], ==, 0xab);
    g_assert_cmphex(ram[2], ==, 0xef);
    g_assert_cmphex(ram[3], ==, 0xbe);
    g_assert_cmphex(ram[5], ==, 0x78);
    g_assert_cmphex(ram[8], ==, 0x12);
    g_assert_cmphex(ram[0x10], ==, 0x08);
    g_assert_cmphex(ram[0x17], ==, 0x01);

    g_assert_cmphex(address_space_read(&as, 0x10000, 1), ==, 0xab);
    g_assert_cmphex(address_space_read(&as, 0x10002, 2), ==, 0xbeef);
    g_assert_cmphex(address_space_read(&as, 0x10005, 4), ==, 0x12345678);
    g_assert_cmphex(address_space_read(&as, 0x10010, 8), ==, 0x0102030405060708ull);
    g_assert_cmphex(address_space_read(&as, 0x10011, 4), ==, 0x04050607);
    address_space_destroy(&as);
}

static void test_rom_write_dropped(void)
{
    CapturedLog cl;
    captured_log_init(&cl);
    AddressSpace as;
    uint8_t rom[16] = {0x11, 0x22, 0x33, 0x44};
    address_space_init(&as, "mem", MEM_SIZE, &cl.log);
    address_space_add_ram(&as, "bios", 0xf0000, sizeof(rom), rom, true, 0);

    address_space_write(&as, 0xf0000, 0xdeadbeef, 4);
    g_assert_cmphex(rom[0], ==, 0x11);
    g_assert_cmphex(address_space_read(&as, 0xf0000, 4), ==, 0x44332211);
    g_assert_nonnull(strstr(captured_log_text(&cl), "bios"));
    address_space_destroy(&as);
    captured_log_destroy(&cl);
}

static void test_overlap_priority(void)
{
    AddressSpace as;
    uint8_t low[0x10000], high[0x1000], later[0x1000];
    memset(low, 0x01, sizeof(low));
    memset(high, 0x02, sizeof(high));
    memset(later, 0x03, sizeof(later));
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_ram(&as, "low", 0, sizeof(low), low, false, 0);
    MemoryRegion *hi = address_space_add_ram(&as, "high", 0x4000, sizeof(high), high, false, 1);
    g_assert_cmphex(address_space_read(&as, 0x3fff, 1), ==, 0x01);
    g_assert_cmphex(address_space_read(&as, 0x4000, 1), ==, 0x02);
    g_assert_cmphex(address_space_read(&as, 0x4fff, 1), ==, 0x02);
    g_assert_cmphex(address_space_read(&as, 0x5000, 1), ==, 0x01);
    /* Past the hole punched by "high", "low" continues at the right offset. */
    low[0x5123] = 0x99;
    g_assert_cmphex(address_space_read(&as, 0x5123, 1), ==, 0x99);

    /* Same priority as "low" but added later: wins over it, not over "high". */
    MemoryRegion *lt = address_space_add_ram(&as, "later", 0x4800, sizeof(later), later, false, 0);
    g_assert_cmphex(address_space_read(&as, 0x4900, 1), ==, 0x02);
    g_assert_cmphex(address_space_read(&as, 0x5000, 1), ==, 0x03);
    g_assert_cmphex(address_space_read(&as, 0x5800, 1), ==, 0x01);
    /* A read across the high/later boundary takes a byte from each. */
    g_assert_cmphex(address_space_read(&as, 0x4fff, 2), ==, 0x0302);

    memory_region_set_enabled(&as, hi, false);
    g_assert_cmphex(address_space_read(&as, 0x4000, 1), ==, 0x01);
    g_assert_cmphex(address_space_read(&as, 0x4900, 1), ==, 0x03);
    memory_region_set_enabled(&as, hi, true);
    g_assert_cmphex(address_space_read(&as, 0x4900, 1), ==, 0x02);

    address_space_remove(&as, hi);
    g_assert_cmphex(address_space_read(&as, 0x4000, 1), ==, 0x01);
    g_assert_cmphex(address_space_read(&as, 0x4900, 1), ==, 0x03);

    memory_region_set_base(&as, lt, 0x8000);
    g_assert_cmphex(address_space_read(&as, 0x4900, 1), ==, 0x01);
    g_assert_cmphex(address_space_read(&as, 0x8000, 1), ==, 0x03);
    later[0x10] = 0x33;
    g_assert_cmphex(address_space_read(&as, 0x8010, 1), ==, 0x33);
    address_space_destroy(&as);
}

static void test_lookup(void)
{
    AddressSpace as;
    uint8_t ram[0x100];
    TestDevice dev = {0};
    uint64_t offset, avail;
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_ram(&as, "ram", 0x1000, sizeof(ram), ram, false, 0);
    address_space_add_mmio(&as, "dev", 0x2000, 0x100, &any_size_ops, &dev, 0);

    const MemoryRegion *mr = address_space_lookup(&as, 0x1010, &offset, &avail);
    g_assert_nonnull(mr);
    g_assert_cmpstr(mr->name, ==, "ram");
    g_assert_cmphex(offset, ==, 0x10);
    g_assert_cmphex(avail, ==, 0xf0);

    g_assert_null(address_space_lookup(&as, 0x1100, &offset, &avail));
    g_assert_cmphex(avail, ==, 0xf00);
    mr = address_space_lookup(&as, 0x20ff, &offset, &avail);
    g_assert_cmpstr(mr->name, ==, "dev");
    g_assert_cmphex(offset, ==, 0xff);
    g_assert_cmphex(avail, ==, 1);
    g_assert_null(address_space_lookup(&as, MEM_SIZE + 5, &offset, &avail));
    address_space_destroy(&as);
}

static void test_mmio_offsets(void)
{
    AddressSpace as;
    TestDevice dev = {0};
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_mmio(&as, "dev", 0xfee00000, 0x100, &any_size_ops, &dev, 0);

    address_space_write(&as, 0xfee00010, 0xcafef00d, 4);
    assert_call(&dev, 0, true, 0x10, 0xcafef00d, 4);
    g_assert_cmphex(address_space_read(&as, 0xfee00010, 4), ==, 0xcafef00d);
    assert_call(&dev, 1, false, 0x10, 0xcafef00d, 4);
    address_space_write(&as, 0xfee00020, 0x1122334455667788ull, 8);
    assert_call(&dev, 2, true, 0x20, 0x1122334455667788ull, 8);
    g_assert_cmphex(address_space_read(&as, 0xfee00021, 2), ==, 0x6677);
    assert_call(&dev, 3, false, 0x21, 0x6677, 2);
    g_assert_cmpuint(dev.ncalls, ==, 4);
    address_space_destroy(&as);
}

static void test_mmio_split(void)
{
    AddressSpace as;
    TestDevice bytes = {0}, dwords = {0};
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_mmio(&as, "bytes", 0x1000, 0x100, &byte_ops, &bytes, 0);
    address_space_add_mmio(&as, "dwords", 0x2000, 0x100, &upto_dword_ops, &dwords, 0);

    address_space_write(&as, 0x1004, 0x11223344, 4);
    g_assert_cmpuint(bytes.ncalls, ==, 4);
    assert_call(&bytes, 0, true, 4, 0x44, 1);
    assert_call(&bytes, 1, true, 5, 0x33, 1);
    assert_call(&bytes, 2, true, 6, 0x22, 1);
    assert_call(&bytes, 3, true, 7, 0x11, 1);
    g_assert_cmphex(address_space_read(&as, 0x1005, 2), ==, 0x2233);
    assert_call(&bytes, 4, false, 5, 0x33, 1);
    assert_call(&bytes, 5, false, 6, 0x22, 1);

    address_space_write(&as, 0x2008, 0x8877665544332211ull, 8);
    g_assert_cmpuint(dwords.ncalls, ==, 2);
    assert_call(&dwords, 0, true, 8, 0x44332211, 4);
    assert_call(&dwords, 1, true, 12, 0x88776655, 4);
    g_assert_cmphex(address_space_read(&as, 0x2008, 8), ==, 0x8877665544332211ull);
    assert_call(&dwords, 2, false, 8, 0x44332211, 4);
    assert_call(&dwords, 3, false, 12, 0x88776655, 4);
    g_assert_cmpuint(dwords.ncalls, ==, 4);
    address_space_destroy(&as);
}

static void test_mmio_widen(void)
{
    AddressSpace as;
    TestDevice dev = {0};
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_mmio(&as, "dev", 0x3000, 0x100, &dword_ops, &dev, 0);
    dev.regs[4] = 0x11;
    dev.regs[5] = 0x22;
    dev.regs[6] = 0x33;
    dev.regs[7] = 0x44;

    /* A byte read becomes an aligned dword read; the byte is extracted. */
    g_assert_cmphex(address_space_read(&as, 0x3005, 1), ==, 0x22);
    assert_call(&dev, 0, false, 4, 0x44332211, 4);
    g_assert_cmphex(address_space_read(&as, 0x3006, 2), ==, 0x4433);
    assert_call(&dev, 1, false, 4, 0x44332211, 4);

    /* A byte write becomes a dword write with the byte shifted into place. */
    address_space_write(&as, 0x3006, 0xab, 1);
    assert_call(&dev, 2, true, 4, 0xab0000, 4);
    /* A word straddling two dwords: one access to each. */
    address_space_write(&as, 0x300b, 0xcdef, 2);
    assert_call(&dev, 3, true, 8, 0xef000000, 4);
    assert_call(&dev, 4, true, 12, 0xcd, 4);
    g_assert_cmpuint(dev.ncalls, ==, 5);
    address_space_destroy(&as);
}

static void test_unassigned(void)
{
    CapturedLog cl;
    captured_log_init(&cl);
    AddressSpace as;
    address_space_init(&as, "sysmem", MEM_SIZE, &cl.log);

    g_assert_cmphex(address_space_read(&as, 0x1234, 1), ==, 0xff);
    g_assert_cmphex(address_space_read(&as, 0x1234, 2), ==, 0xffff);
    g_assert_cmphex(address_space_read(&as, 0x1234, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_read(&as, 0x1234, 8), ==, UINT64_MAX);
    const char *text = captured_log_text(&cl);
    g_assert_nonnull(strstr(text, "sysmem"));
    g_assert_nonnull(strstr(text, "0x1234"));
    g_assert_nonnull(strstr(text, "read of 4 bytes"));

    captured_log_clear(&cl);
    address_space_write(&as, 0x5678, 1, 2);
    text = captured_log_text(&cl);
    g_assert_nonnull(strstr(text, "sysmem"));
    g_assert_nonnull(strstr(text, "write of 2 bytes at 0x5678"));

    /* Past the end of the space and of the 64-bit range: no wrap, no crash. */
    uint8_t ram[16];
    memset(ram, 0x5a, sizeof(ram));
    address_space_add_ram(&as, "ram", 0, sizeof(ram), ram, false, 0);
    g_assert_cmphex(address_space_read(&as, MEM_SIZE, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_read(&as, UINT64_MAX, 8), ==, UINT64_MAX);
    g_assert_cmphex(address_space_read(&as, UINT64_MAX - 3, 8), ==, UINT64_MAX);
    address_space_write(&as, UINT64_MAX - 1, UINT64_MAX, 8);
    g_assert_cmphex(ram[0], ==, 0x5a);

    /* Invalid sizes are logged and read all-ones. */
    captured_log_clear(&cl);
    g_assert_cmphex(address_space_read(&as, 0, 3), ==, UINT64_MAX);
    g_assert_cmphex(address_space_read(&as, 0, 0), ==, UINT64_MAX);
    address_space_write(&as, 0, 0, 16);
    g_assert_cmphex(ram[0], ==, 0x5a);
    g_assert_nonnull(strstr(captured_log_text(&cl), "invalid"));
    address_space_destroy(&as);
    captured_log_destroy(&cl);
}

static void test_spanning(void)
{
    AddressSpace as;
    uint8_t ram[0x1000];
    TestDevice dev = {0};
    memset(ram, 0, sizeof(ram));
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_ram(&as, "ram", 0, sizeof(ram), ram, false, 0);
    address_space_add_mmio(&as, "dev", 0x1000, 0x100, &any_size_ops, &dev, 0);
    ram[0xffe] = 0x11;
    ram[0xfff] = 0x22;
    dev.regs[0] = 0x33;
    dev.regs[1] = 0x44;

    /* Half RAM, half MMIO. */
    g_assert_cmphex(address_space_read(&as, 0xffe, 4), ==, 0x44332211);
    assert_call(&dev, 0, false, 0, 0x4433, 2);
    address_space_write(&as, 0xfff, 0xaabbccdd, 4);
    g_assert_cmphex(ram[0xfff], ==, 0xdd);
    /* The 3 MMIO bytes go as a word then a byte. */
    assert_call(&dev, 1, true, 0, 0xbbcc, 2);
    assert_call(&dev, 2, true, 2, 0xaa, 1);

    /* MMIO then a hole: the missing bytes read as 0xff. */
    dev.regs[0xfe] = 0x55;
    dev.regs[0xff] = 0x66;
    g_assert_cmphex(address_space_read(&as, 0x10fe, 4), ==, 0xffff6655);
    address_space_destroy(&as);
}

static void test_rw(void)
{
    CapturedLog cl;
    captured_log_init(&cl);
    AddressSpace as;
    uint8_t ram[0x100] = {0}, rom[0x100];
    TestDevice dev = {0};
    memset(rom, 0x77, sizeof(rom));
    address_space_init(&as, "mem", MEM_SIZE, &cl.log);
    address_space_add_ram(&as, "ram", 0, sizeof(ram), ram, false, 0);
    address_space_add_mmio(&as, "dev", 0x100, 0x100, &upto_dword_ops, &dev, 0);
    address_space_add_ram(&as, "rom", 0x300, sizeof(rom), rom, true, 0);

    uint8_t buf[0x400];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = i;
    /* RAM then MMIO: all assigned. */
    g_assert_true(address_space_rw(&as, 0xf0, buf, 0x20, true));
    g_assert_cmphex(ram[0xf0], ==, 0x00);
    g_assert_cmphex(ram[0xff], ==, 0x0f);
    g_assert_cmphex(dev.regs[0], ==, 0x10);
    g_assert_cmphex(dev.regs[0xf], ==, 0x1f);
    for (unsigned i = 0; i < dev.ncalls; i++)
        g_assert_cmpuint(dev.calls[i].size, <=, 4);

    /* MMIO, hole at 0x200..0x300, ROM: the hole reads 0xff and makes it fail. */
    memset(buf, 0, sizeof(buf));
    g_assert_false(address_space_rw(&as, 0x1f0, buf, 0x120, false));
    g_assert_cmphex(buf[0x10], ==, 0xff);
    g_assert_cmphex(buf[0x10f], ==, 0xff);
    g_assert_cmphex(buf[0x110], ==, 0x77);
    g_assert_nonnull(strstr(captured_log_text(&cl), "unassigned read of 256 bytes at 0x200"));

    /* Writes to ROM are dropped but the ROM is there. */
    memset(buf, 0, sizeof(buf));
    g_assert_true(address_space_rw(&as, 0x300, buf, 0x10, true));
    g_assert_cmphex(rom[0], ==, 0x77);
    g_assert_true(address_space_rw(&as, 0x300, buf, 0x10, false));
    g_assert_cmphex(buf[0], ==, 0x77);
    address_space_destroy(&as);
    captured_log_destroy(&cl);
}

static void test_ram_ptr(void)
{
    AddressSpace as;
    uint8_t ram[0x1000], rom[0x100], shadow[0x10];
    TestDevice dev = {0};
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_ram(&as, "ram", 0x1000, sizeof(ram), ram, false, 0);
    address_space_add_ram(&as, "rom", 0x2000, sizeof(rom), rom, true, 0);
    address_space_add_mmio(&as, "dev", 0x3000, 0x100, &any_size_ops, &dev, 0);

    g_assert_true(address_space_ram_ptr(&as, 0x1010, 0x10, true) == ram + 0x10);
    g_assert_true(address_space_ram_ptr(&as, 0x1000, sizeof(ram), false) == ram);
    g_assert_null(address_space_ram_ptr(&as, 0x1ff0, 0x11, false)); /* runs past */
    g_assert_null(address_space_ram_ptr(&as, 0xff0, 0x20, false));  /* starts in a hole */
    g_assert_true(address_space_ram_ptr(&as, 0x2000, 4, false) == rom);
    g_assert_null(address_space_ram_ptr(&as, 0x2000, 4, true));
    g_assert_null(address_space_ram_ptr(&as, 0x3000, 4, false));

    /* Partly covered by a higher-priority region: not one RAM region any more. */
    MemoryRegion *sh =
        address_space_add_ram(&as, "shadow", 0x1800, sizeof(shadow), shadow, false, 1);
    g_assert_null(address_space_ram_ptr(&as, 0x1700, 0x200, false));
    g_assert_true(address_space_ram_ptr(&as, 0x1810, 0x10, false) == ram + 0x810);
    g_assert_true(address_space_ram_ptr(&as, 0x1804, 4, true) == shadow + 4);
    address_space_remove(&as, sh);
    g_assert_true(address_space_ram_ptr(&as, 0x1700, 0x200, false) == ram + 0x700);
    address_space_destroy(&as);
}

/* ---- The direct index of the flat view (2 MiB chunks below 4 GiB) ---------------- */

#define MIB (1ull << 20)

/* The region that should win at addr, found the slow way: the visible region with
 * the highest priority, the last added among equals. */
static const MemoryRegion *reference_winner(MemoryRegion *const *set, size_t n, uint64_t addr)
{
    const MemoryRegion *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const MemoryRegion *mr = set[i];
        if (!mr || !mr->enabled || addr < mr->base || addr - mr->base >= mr->size)
            continue;
        if (!best || mr->priority > best->priority ||
            (mr->priority == best->priority && mr->seq > best->seq))
            best = mr;
    }
    return best;
}

/* address_space_lookup agrees with the reference at addr, and *avail is exact: the
 * same region goes on (at contiguous offsets) to addr + avail - 1 and no further. */
static void assert_lookup_matches(AddressSpace *as, MemoryRegion *const *set, size_t n,
                                  uint64_t addr)
{
    uint64_t offset, avail;
    const MemoryRegion *mr = address_space_lookup(as, addr, &offset, &avail);
    const MemoryRegion *want = reference_winner(set, n, addr);
    if (mr != want)
        g_error("lookup of 0x%" G_GINT64_MODIFIER "x: got %s, want %s", addr,
                mr ? mr->name : "nothing", want ? want->name : "nothing");
    g_assert_cmpuint(avail, >, 0);
    if (mr)
        g_assert_cmphex(offset, ==, addr - mr->base);
    uint64_t last = addr + avail - 1, next = addr + avail;
    g_assert_true(reference_winner(set, n, last) == want);
    if (next < MEM_SIZE)
        g_assert_true(reference_winner(set, n, next) != want);
}

/* Addresses worth checking near an edge e: just below, on, just above, and in the
 * middle of the chunk holding it. */
static void check_around(AddressSpace *as, MemoryRegion *const *set, size_t n, uint64_t e)
{
    const uint64_t probes[] = {e - 1, e, e + 1, (e & ~(2 * MIB - 1)) + MIB, e + 3 * MIB};
    for (size_t i = 0; i < G_N_ELEMENTS(probes); i++)
        if (probes[i] < MEM_SIZE)
            assert_lookup_matches(as, set, n, probes[i]);
}

static void check_all_edges(AddressSpace *as, MemoryRegion *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!set[i])
            continue;
        check_around(as, set, n, set[i]->base);
        check_around(as, set, n, set[i]->base + set[i]->size);
    }
    for (uint64_t a = 0; a < 4096 * MIB + 8 * MIB; a += 7 * MIB + 0x1234)
        assert_lookup_matches(as, set, n, a);
}

/* A PC-like map: lookups of big RAM chunks are answered from the index, and the index
 * follows every change of the map (BAR moves, PAM toggles, removal). */
static void test_chunk_index(void)
{
    AddressSpace as;
    uint8_t host[16]; /* never dereferenced: only lookups */
    TestDevice dev = {0};
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    MemoryRegion *set[8] = {
        address_space_add_ram(&as, "low", 0, 640 << 10, host, false, 0),
        address_space_add_ram(&as, "main", MIB, 3071 * MIB, host, false, 0),
        address_space_add_mmio(&as, "bar", 0xe0000000, 16 * MIB, &any_size_ops, &dev, 1),
        address_space_add_mmio(&as, "apic", 0xfee00000, 0x1000, &any_size_ops, &dev, 0),
        address_space_add_ram(&as, "bios", 0xfffe0000, 128 << 10, host, true, 0),
        address_space_add_ram(&as, "high", 4096 * MIB, 1024 * MIB, host, false, 0),
        address_space_add_ram(&as, "pam", 0xe0000, 128 << 10, host, true, 0),
        address_space_add_ram(&as, "straddle", 4094 * MIB - 0x800, 4 * MIB, host, false, 2),
    };
    size_t n = G_N_ELEMENTS(set);
    check_all_edges(&as, set, n);

    /* A BAR moved into the middle of RAM, to an address that is not chunk aligned. */
    memory_region_set_base(&as, set[2], 64 * MIB + 0x3000);
    check_all_edges(&as, set, n);
    uint64_t offset, avail;
    g_assert_true(address_space_lookup(&as, 70 * MIB, &offset, &avail) == set[2]);
    g_assert_true(address_space_lookup(&as, 0x80000000, &offset, &avail) == set[1]);

    /* Disabled, then removed: RAM shows through again. */
    memory_region_set_enabled(&as, set[2], false);
    check_all_edges(&as, set, n);
    g_assert_true(address_space_lookup(&as, 70 * MIB, &offset, &avail) == set[1]);
    g_assert_cmphex(avail, ==, 3072 * MIB - 70 * MIB);
    memory_region_set_enabled(&as, set[2], true);
    address_space_remove(&as, set[1]);
    set[1] = NULL;
    check_all_edges(&as, set, n);
    g_assert_null(address_space_lookup(&as, 2 * MIB, &offset, &avail));
    g_assert_cmphex(avail, ==, 62 * MIB + 0x3000);
    address_space_destroy(&as);
}

static void test_io_space(void)
{
    CapturedLog cl;
    captured_log_init(&cl);
    AddressSpace io;
    TestDevice uart = {0}, top = {0};
    address_space_init(&io, "io", 1 << 16, &cl.log);
    address_space_add_mmio(&io, "serial", 0x3f8, 8, &byte_ops, &uart, 0);
    /* Runs past the end of the space: only ports up to 0xffff are its. */
    address_space_add_mmio(&io, "top", 0xfff0, 0x20, &any_size_ops, &top, 0);

    address_space_write(&io, 0x3f8, 'A', 1);
    assert_call(&uart, 0, true, 0, 'A', 1);
    uart.regs[5] = 0x60;
    g_assert_cmphex(address_space_read(&io, 0x3fd, 1), ==, 0x60);
    /* inw on byte registers: two byte reads. */
    g_assert_cmphex(address_space_read(&io, 0x3fc, 2), ==, 0x6000);
    g_assert_cmpuint(uart.ncalls, ==, 4);
    /* Port 0x3ff belongs to serial; 0x400 to nobody. */
    g_assert_cmphex(address_space_read(&io, 0x3ff, 2), ==, 0xff00);
    g_assert_nonnull(strstr(captured_log_text(&cl), "io: unassigned read of 1 bytes at 0x400"));

    /* The last port; the byte past 0xffff is outside the space, not port 0. */
    top.regs[0xf] = 0x12;
    g_assert_cmphex(address_space_read(&io, 0xffff, 2), ==, 0xff12);
    g_assert_cmphex(address_space_read(&io, 0x10000, 1), ==, 0xff);
    g_assert_cmpuint(top.ncalls, ==, 1);
    /* A region whose end would wrap past 2^64 is clipped, not wrapped. */
    TestDevice wrap = {0};
    address_space_add_mmio(&io, "wrap", UINT64_MAX - 0xf, 0x100, &any_size_ops, &wrap, 0);
    g_assert_cmphex(address_space_read(&io, 0x20, 1), ==, 0xff);
    g_assert_cmpuint(wrap.ncalls, ==, 0);
    address_space_destroy(&io);
    captured_log_destroy(&cl);
}

/* Random addresses and sizes, including silly ones: nothing may crash, and
 * the bytes of RAM outside the region must never change. */
static void test_no_crash(void)
{
    AddressSpace as;
    uint8_t guard[0x300];
    uint8_t *ram = guard + 0x100, *rom = guard + 0x200;
    TestDevice dev = {0};
    memset(guard, 0xee, sizeof(guard));
    address_space_init(&as, "mem", 1ull << 20, NULL);
    address_space_add_ram(&as, "ram", 0x1000, 0x80, ram, false, 0);
    address_space_add_ram(&as, "rom", 0xfff80, 0x80, rom, true, 1);
    address_space_add_mmio(&as, "dev", 0x10f0, 0x100, &dword_ops, &dev, 2);

    GRand *rand = g_rand_new_with_seed(1234);
    static const uint64_t bases[] = {0, 0x1000, 0x1080, 0x10f0, 0xfff80, 1ull << 20, UINT64_MAX};
    for (int i = 0; i < 20000; i++) {
        uint64_t addr =
            bases[g_rand_int_range(rand, 0, G_N_ELEMENTS(bases))] + g_rand_int_range(rand, -16, 16);
        unsigned size = g_rand_int_range(rand, 0, 17);
        if (g_rand_boolean(rand))
            address_space_write(&as, addr, g_rand_int(rand), size);
        else
            address_space_read(&as, addr, size);
        uint8_t buf[64];
        address_space_rw(&as, addr, buf, g_rand_int_range(rand, 0, sizeof(buf)),
                         g_rand_boolean(rand));
        address_space_ram_ptr(&as, addr, size, g_rand_boolean(rand));
    }
    g_rand_free(rand);
    for (unsigned i = 0; i < 0x100; i++)
        g_assert_cmphex(guard[i], ==, 0xee);
    for (unsigned i = 0x180; i < 0x200; i++)
        g_assert_cmphex(guard[i], ==, 0xee);
    for (unsigned i = 0x200; i < 0x300; i++)
        g_assert_cmphex(guard[i], ==, 0xee); /* ROM and what follows it never written */
    address_space_destroy(&as);
}

/* A reader thread keeps reading while the region set changes under it: it must
 * always see one of the two mappings, never garbage. */
typedef struct ReaderArgs {
    AddressSpace *as;
    atomic_bool stop;
    unsigned bad;
} ReaderArgs;

static void *reader_thread(void *opaque)
{
    ReaderArgs *a = opaque;
    while (!atomic_load(&a->stop)) {
        uint64_t v = address_space_read(a->as, 0x1000, 4);
        if (v != 0x01010101 && v != 0x02020202)
            a->bad++;
    }
    return NULL;
}

static void test_concurrent_reader(void)
{
    AddressSpace as;
    uint8_t a[0x1000], b[0x1000];
    memset(a, 1, sizeof(a));
    memset(b, 2, sizeof(b));
    address_space_init(&as, "mem", MEM_SIZE, NULL);
    address_space_add_ram(&as, "a", 0x1000, sizeof(a), a, false, 0);
    ReaderArgs args = {.as = &as, .bad = 0};
    atomic_init(&args.stop, false);
    pthread_t th;
    pthread_create(&th, NULL, reader_thread, &args);
    for (int i = 0; i < 2000; i++) {
        MemoryRegion *mr = address_space_add_ram(&as, "b", 0x1000, sizeof(b), b, false, 1);
        memory_region_set_base(&as, mr, 0x800);
        address_space_remove(&as, mr);
    }
    atomic_store(&args.stop, true);
    pthread_join(th, NULL);
    g_assert_cmpuint(args.bad, ==, 0);
    address_space_destroy(&as);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/ram/sizes", test_ram_sizes);
    g_test_add_func("/memory/rom/write-dropped", test_rom_write_dropped);
    g_test_add_func("/memory/overlap/priority", test_overlap_priority);
    g_test_add_func("/memory/lookup", test_lookup);
    g_test_add_func("/memory/mmio/offsets", test_mmio_offsets);
    g_test_add_func("/memory/mmio/split", test_mmio_split);
    g_test_add_func("/memory/mmio/widen", test_mmio_widen);
    g_test_add_func("/memory/unassigned", test_unassigned);
    g_test_add_func("/memory/spanning", test_spanning);
    g_test_add_func("/memory/rw", test_rw);
    g_test_add_func("/memory/ram-ptr", test_ram_ptr);
    g_test_add_func("/memory/chunk-index", test_chunk_index);
    g_test_add_func("/memory/io-space", test_io_space);
    g_test_add_func("/memory/no-crash", test_no_crash);
    g_test_add_func("/memory/concurrent-reader", test_concurrent_reader);
    return g_test_run();
}
