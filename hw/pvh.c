/* PVH direct boot (Xen's docs/misc/pvh.pandoc "x86/HVM direct boot ABI"; the
 * structures from xen/include/public/arch-x86/hvm/start_info.h; the entry note from
 * xen/include/public/elfnote.h). The kernel names a 32-bit entry point in an ELF note
 * "Xen" of type XEN_ELFNOTE_PHYS32_ENTRY; the loader puts its PT_LOAD segments at
 * their physical addresses and enters there in flat protected mode, paging off, with
 * EBX = the physical address of an hvm_start_info. Linux reads it in
 * arch/x86/platform/pvh/ (head.S, enlighten.c): the memory map, the command line and
 * the first module as its initrd.
 *
 * Guest memory used besides the kernel's own segments (all in the RAM below 640 KiB):
 *   0x5000  GDT (flat code 0x10, data 0x18), shared with the bzImage loader
 *   0x6000  hvm_start_info, then the module list and the memory map
 *   0x20000 command line
 * The initrd goes to the top of the RAM below the ACPI tables. */
#include "hw/pvh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XEN_ELFNOTE_PHYS32_ENTRY  18
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u
#define HVM_START_INFO_VERSION    1 /* version 1 added the memory map */

#define START_INFO_ADDR 0x6000u
#define MODLIST_ADDR    0x6040u
#define MEMMAP_ADDR     0x6080u
#define MEMMAP_MAX      128 /* 24-byte entries, up to 0x6c80 */
#define CMDLINE_ADDR    0x20000u
#define CMDLINE_MAX     0x10000u
#define KERNEL_MIN_ADDR 0x100000u /* below 1 MiB are the tables above, EBDA and BIOS */

/* hvm_start_info offsets (start_info.h) */
#define SI_MAGIC           0
#define SI_VERSION         4
#define SI_NR_MODULES      12
#define SI_MODLIST_PADDR   16
#define SI_CMDLINE_PADDR   24
#define SI_RSDP_PADDR      32
#define SI_MEMMAP_PADDR    40
#define SI_MEMMAP_ENTRIES  48
#define SI_SIZE            56
#define MODLIST_ENTRY_SIZE 32 /* paddr, size, cmdline_paddr, reserved */
#define MEMMAP_ENTRY_SIZE  24 /* addr, size, type, reserved */

#define PT_LOAD 1
#define PT_NOTE 4

/* One program header, whatever the ELF class. */
typedef struct ElfSegment {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
} ElfSegment;

/* The parts of an ELF file the loader reads. */
typedef struct ElfImage {
    const char *path;
    const uint8_t *data;
    size_t size;
    bool is64;
    uint64_t phoff;
    unsigned phentsize, phnum;
} ElfImage;

static uint64_t ld(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void st(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* In-file range check that cannot overflow. */
static bool in_file(const ElfImage *img, uint64_t off, uint64_t len)
{
    return off <= img->size && len <= img->size - off;
}

/* ELF header (System V ABI, "ELF Header"): little-endian x86, 32- or 64-bit. */
static PvhBootResult parse_header(ElfImage *img)
{
    const uint8_t *e = img->data;
    if (img->size < 16 || memcmp(e,
                                 "\x7f"
                                 "ELF",
                                 4) != 0)
        return PVH_BOOT_NOT_ELF;
    img->is64 = e[4] == 2;
    unsigned machine = img->size >= 20 ? (unsigned)ld(e + 18, 2) : 0;
    if ((e[4] != 1 && e[4] != 2) || e[5] != 1 || (machine != 3 && machine != 62)) {
        fprintf(stderr, "pacifica: -kernel %s: an ELF file, but not for little-endian x86\n",
                img->path);
        return PVH_BOOT_ERROR;
    }
    if (img->size < (img->is64 ? 64u : 52u)) {
        fprintf(stderr, "pacifica: -kernel %s: truncated ELF header\n", img->path);
        return PVH_BOOT_ERROR;
    }
    img->phoff = img->is64 ? ld(e + 32, 8) : ld(e + 28, 4);
    img->phentsize = (unsigned)ld(e + (img->is64 ? 54 : 42), 2);
    img->phnum = (unsigned)ld(e + (img->is64 ? 56 : 44), 2);
    if (img->phentsize < (img->is64 ? 56u : 32u) ||
        !in_file(img, img->phoff, (uint64_t)img->phnum * img->phentsize)) {
        fprintf(stderr, "pacifica: -kernel %s: truncated ELF file (program headers past its end)\n",
                img->path);
        return PVH_BOOT_ERROR;
    }
    return PVH_BOOT_LOADED;
}

static ElfSegment segment(const ElfImage *img, unsigned i)
{
    const uint8_t *ph = img->data + img->phoff + (size_t)i * img->phentsize;
    ElfSegment s = {.type = (uint32_t)ld(ph, 4)};
    if (img->is64) {
        s.offset = ld(ph + 8, 8);
        s.paddr = ld(ph + 24, 8);
        s.filesz = ld(ph + 32, 8);
        s.memsz = ld(ph + 40, 8);
    } else {
        s.offset = ld(ph + 4, 4);
        s.paddr = ld(ph + 12, 4);
        s.filesz = ld(ph + 16, 4);
        s.memsz = ld(ph + 20, 4);
    }
    return s;
}

static uint64_t align4(uint64_t v)
{
    return (v + 3) & ~3ull;
}

/* Walks the notes of one PT_NOTE segment (System V ABI "Note Section": namesz,
 * descsz, type, then name and descriptor each padded to 4 bytes) for "Xen" type 18.
 * Its descriptor is the entry's physical address, 4 or 8 bytes (Linux writes a
 * pointer-sized one). Returns 1 found, 0 absent, -1 malformed. */
static int find_entry_note(const ElfImage *img, const ElfSegment *s, uint32_t *entry)
{
    uint64_t off = s->offset, end = s->offset + s->filesz;
    while (end - off >= 12) {
        const uint8_t *n = img->data + off;
        uint64_t namesz = ld(n, 4), descsz = ld(n + 4, 4), type = ld(n + 8, 4);
        uint64_t desc = off + 12 + align4(namesz), next = desc + align4(descsz);
        if (next > end)
            return -1;
        if (namesz == 4 && memcmp(n + 12, "Xen", 4) == 0 && type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz != 4 && descsz != 8)
                return -1;
            uint64_t addr = ld(img->data + desc, (unsigned)descsz);
            if (addr > UINT32_MAX)
                return -1;
            *entry = (uint32_t)addr;
            return 1;
        }
        off = next;
    }
    return 0;
}

static PvhBootResult find_entry(const ElfImage *img, uint32_t *entry)
{
    for (unsigned i = 0; i < img->phnum; i++) {
        ElfSegment s = segment(img, i);
        if (s.type != PT_NOTE)
            continue;
        int found = in_file(img, s.offset, s.filesz) ? find_entry_note(img, &s, entry) : -1;
        if (found < 0) {
            fprintf(stderr, "pacifica: -kernel %s: malformed ELF note segment %u\n", img->path, i);
            return PVH_BOOT_ERROR;
        }
        if (found)
            return PVH_BOOT_LOADED;
    }
    return PVH_BOOT_NO_NOTE;
}

/* Checks every PT_LOAD segment against the file and the guest RAM the loader may
 * fill, then copies them; *end is the highest byte loaded. */
static bool load_segments(Machine *m, const ElfImage *img, uint64_t ram_top, uint32_t entry,
                          uint64_t *end)
{
    bool entry_loaded = false;
    *end = KERNEL_MIN_ADDR;
    for (unsigned i = 0; i < img->phnum; i++) {
        ElfSegment s = segment(img, i);
        if (s.type != PT_LOAD)
            continue;
        if (!in_file(img, s.offset, s.filesz) || s.filesz > s.memsz) {
            fprintf(stderr, "pacifica: -kernel %s: truncated ELF file (segment %u past its end)\n",
                    img->path, i);
            return false;
        }
        if (s.paddr < KERNEL_MIN_ADDR || s.paddr > ram_top || s.memsz > ram_top - s.paddr) {
            fprintf(stderr,
                    "pacifica: -kernel %s: ELF segment %u at 0x%llx-0x%llx is outside the "
                    "guest RAM it may use (0x%x-0x%llx; more -m?)\n",
                    img->path, i, (unsigned long long)s.paddr,
                    (unsigned long long)(s.paddr + s.memsz), KERNEL_MIN_ADDR,
                    (unsigned long long)ram_top);
            return false;
        }
        memcpy(m->ram + s.paddr, img->data + s.offset, s.filesz);
        memset(m->ram + s.paddr + s.filesz, 0, s.memsz - s.filesz);
        if (entry >= s.paddr && entry - s.paddr < s.memsz)
            entry_loaded = true;
        if (s.paddr + s.memsz > *end)
            *end = s.paddr + s.memsz;
    }
    if (!entry_loaded) {
        fprintf(stderr, "pacifica: -kernel %s: the PVH entry 0x%x is in no loaded ELF segment\n",
                img->path, entry);
        return false;
    }
    return true;
}

/* The command line, the initrd module and hvm_start_info (start_info.h, version 1). */
static bool write_start_info(Machine *m, const MachineConfig *cfg, const LinuxBootInfo *info,
                             uint64_t kernel_end)
{
    const char *append = cfg->append ? cfg->append : "";
    size_t len = strlen(append);
    if (len >= CMDLINE_MAX) {
        fprintf(stderr, "pacifica: -append: command line of %zu bytes is longer than %u\n", len,
                CMDLINE_MAX - 1);
        return false;
    }
    memcpy(m->ram + CMDLINE_ADDR, append, len + 1);

    uint8_t *si = m->ram + START_INFO_ADDR;
    memset(si, 0, MEMMAP_ADDR + MEMMAP_MAX * MEMMAP_ENTRY_SIZE - START_INFO_ADDR);
    if (cfg->initrd) {
        uint64_t addr, size;
        if (!linux_boot_place_initrd(m, info->files, cfg->initrd, 0, kernel_end, info->ram_top,
                                     &addr, &size))
            return false;
        st(m->ram + MODLIST_ADDR, addr, 8);
        st(m->ram + MODLIST_ADDR + 8, size, 8);
        st(si + SI_NR_MODULES, 1, 4);
        st(si + SI_MODLIST_PADDR, MODLIST_ADDR, 8);
    }
    unsigned n = info->e820_count < MEMMAP_MAX ? info->e820_count : MEMMAP_MAX;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = m->ram + MEMMAP_ADDR + (size_t)i * MEMMAP_ENTRY_SIZE;
        st(e, info->e820[i].addr, 8);
        st(e + 8, info->e820[i].size, 8);
        st(e + 16, info->e820[i].type, 4); /* the e820 type values */
    }
    st(si + SI_MAGIC, XEN_HVM_START_MAGIC_VALUE, 4);
    st(si + SI_VERSION, HVM_START_INFO_VERSION, 4);
    st(si + SI_CMDLINE_PADDR, CMDLINE_ADDR, 8);
    st(si + SI_RSDP_PADDR, info->acpi_rsdp, 8);
    st(si + SI_MEMMAP_PADDR, MEMMAP_ADDR, 8);
    st(si + SI_MEMMAP_ENTRIES, n, 4);
    return true;
}

PvhBootResult pvh_boot_load(Machine *m, const MachineConfig *cfg, const LinuxBootInfo *info,
                            X86BootState *bs)
{
    ElfImage img = {.path = cfg->kernel};
    img.data = boot_files_get(info->files, "-kernel", cfg->kernel, &img.size);
    if (!img.data)
        return PVH_BOOT_ERROR;
    uint32_t entry = 0;
    uint64_t kernel_end = 0;
    PvhBootResult r = parse_header(&img);
    if (r == PVH_BOOT_LOADED)
        r = find_entry(&img, &entry);
    if (r == PVH_BOOT_LOADED && !load_segments(m, &img, info->ram_top, entry, &kernel_end))
        r = PVH_BOOT_ERROR;
    if (r != PVH_BOOT_LOADED)
        return r;
    if (!write_start_info(m, cfg, info, kernel_end))
        return PVH_BOOT_ERROR;

    /* pvh.pandoc "x86/HVM direct boot ABI": CS and DS/ES/SS flat 32-bit, CR0.PE set
     * and PG clear, CR4 0, EFLAGS.IF clear, EBX the start_info's address. (TR is left
     * as reset leaves it: Linux and other PVH kernels load their own before use.) */
    memset(bs, 0, sizeof(*bs));
    linux_boot_write_gdt(m, bs);
    bs->mode = X86_BOOT_FLAT32;
    bs->rip = entry;
    bs->regs[R_EBX] = START_INFO_ADDR;
    return PVH_BOOT_LOADED;
}
