/* Multiboot v1 direct boot (Multiboot Specification 0.6.96: §3.1 the header, §3.2
 * machine state, §3.3 the information structure), loaded the way QEMU's -kernel does:
 * the command line starts with the kernel's file name, -initrd lists the modules
 * ("file args,file args", ",," for a literal comma), everything is placed after the
 * kernel's image in RAM. */
#include "hw/multiboot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB_MAGIC            0x1badb002u
#define MB_BOOT_MAGIC       0x2badb002u
#define MB_SEARCH_BYTES     8192
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
#define MB_FLAG_VIDEO       (1u << 2)

#define MBI_MEM         (1u << 0)
#define MBI_BOOT_DEVICE (1u << 1)
#define MBI_CMDLINE     (1u << 2)
#define MBI_MODS        (1u << 3)
#define MBI_MMAP        (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define LOW_MEM_TOP   0x9fc00u /* conventional memory, as firmware reports it */
#define LOW_RAM_LIMIT 0xe0000000ull
#define MAX_MODULES   64

typedef struct FileBuf {
    uint8_t *data;
    size_t size;
} FileBuf;

static bool read_file(const char *path, FileBuf *fb)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fb->data = NULL;
    fb->size = 0;
    size_t cap = 0;
    for (;;) {
        if (fb->size == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *n = realloc(fb->data, cap);
            if (!n) {
                free(fb->data);
                fclose(f);
                errno = ENOMEM;
                return false;
            }
            fb->data = n;
        }
        size_t r = fread(fb->data + fb->size, 1, cap - fb->size, f);
        fb->size += r;
        if (r == 0)
            break;
    }
    bool ok = !ferror(f);
    fclose(f);
    return ok;
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void st64(uint8_t *p, uint64_t v)
{
    st32(p, (uint32_t)v);
    st32(p + 4, (uint32_t)(v >> 32));
}

/* The guest RAM below 4 GiB that may hold kernel, modules and tables. */
static uint64_t low_ram_size(const Machine *m)
{
    return m->ram_size < LOW_RAM_LIMIT ? m->ram_size : LOW_RAM_LIMIT;
}

static bool ram_range_ok(const Machine *m, uint64_t addr, uint64_t len)
{
    return addr + len >= addr && addr + len <= low_ram_size(m);
}

/* Finds the header: 4-byte aligned in the first 8 KiB, magic + flags + checksum == 0. */
static long find_header(const FileBuf *k)
{
    size_t limit = k->size < MB_SEARCH_BYTES ? k->size : MB_SEARCH_BYTES;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        const uint8_t *h = k->data + off;
        if (ld32(h) == MB_MAGIC && (uint32_t)(ld32(h) + ld32(h + 4) + ld32(h + 8)) == 0)
            return (long)off;
    }
    return -1;
}

/* a.out kludge (header flag 16): the header's address fields say what to load where. */
static bool load_aout(Machine *m, const char *path, const FileBuf *k, long hoff, uint32_t *entry,
                      uint64_t *end)
{
    const uint8_t *h = k->data + hoff;
    if ((size_t)hoff + 32 > k->size) {
        fprintf(stderr, "pacifica: -kernel %s: truncated Multiboot header\n", path);
        return false;
    }
    uint32_t header_addr = ld32(h + 12), load_addr = ld32(h + 16);
    uint32_t load_end = ld32(h + 20), bss_end = ld32(h + 24);
    *entry = ld32(h + 28);
    uint64_t file_off = (uint64_t)hoff - ((uint64_t)header_addr - load_addr);
    if (header_addr < load_addr || file_off > k->size) {
        fprintf(stderr, "pacifica: -kernel %s: bad Multiboot load addresses\n", path);
        return false;
    }
    uint64_t size = load_end ? (uint64_t)load_end - load_addr : k->size - file_off;
    if (load_end && load_end < load_addr)
        size = 0;
    if (file_off + size > k->size)
        size = k->size - file_off;
    uint64_t mem_end = bss_end > load_addr + size ? bss_end : load_addr + size;
    if (!ram_range_ok(m, load_addr, mem_end - load_addr)) {
        fprintf(stderr, "pacifica: -kernel %s: image at 0x%x-0x%llx does not fit in RAM\n", path,
                load_addr, (unsigned long long)mem_end);
        return false;
    }
    memcpy(m->ram + load_addr, k->data + file_off, size);
    memset(m->ram + load_addr + size, 0, mem_end - load_addr - size);
    *end = mem_end;
    return true;
}

/* ELF32 executable: PT_LOAD segments at their physical addresses. */
static bool load_elf(Machine *m, const char *path, const FileBuf *k, uint32_t *entry, uint64_t *end)
{
    const uint8_t *e = k->data;
    if (k->size < 52 || memcmp(e,
                               "\x7f"
                               "ELF",
                               4) != 0) {
        fprintf(stderr,
                "pacifica: -kernel %s: Multiboot header without address fields and "
                "not an ELF file\n",
                path);
        return false;
    }
    if (e[4] != 1 || ld16(e + 18) != 3) {
        fprintf(stderr, "pacifica: -kernel %s: a Multiboot ELF kernel must be 32-bit x86\n", path);
        return false;
    }
    uint32_t phoff = ld32(e + 28);
    uint16_t phentsize = ld16(e + 42), phnum = ld16(e + 44);
    *entry = ld32(e + 24);
    *end = 0;
    if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > k->size) {
        fprintf(stderr, "pacifica: -kernel %s: bad ELF program headers\n", path);
        return false;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (size_t)i * phentsize;
        if (ld32(ph) != 1) /* PT_LOAD */
            continue;
        uint32_t off = ld32(ph + 4), vaddr = ld32(ph + 8), paddr = ld32(ph + 12);
        uint32_t filesz = ld32(ph + 16), memsz = ld32(ph + 20);
        if ((uint64_t)off + filesz > k->size || filesz > memsz || !ram_range_ok(m, paddr, memsz)) {
            fprintf(stderr, "pacifica: -kernel %s: ELF segment %u at 0x%x does not fit\n", path, i,
                    paddr);
            return false;
        }
        memcpy(m->ram + paddr, e + off, filesz);
        memset(m->ram + paddr + filesz, 0, memsz - filesz);
        /* An entry point given as a virtual address inside this segment is moved to
         * its physical address (QEMU does the same). */
        if (*entry >= vaddr && *entry < vaddr + memsz && vaddr != paddr)
            *entry = *entry - vaddr + paddr;
        if ((uint64_t)paddr + memsz > *end)
            *end = (uint64_t)paddr + memsz;
    }
    return true;
}

/* Bump allocator for what follows the kernel: modules, strings, the information
 * structure. */
typedef struct Placer {
    Machine *m;
    uint64_t next;
} Placer;

static uint64_t place(Placer *p, uint64_t len, uint64_t align)
{
    uint64_t at = (p->next + align - 1) & ~(align - 1);
    if (!ram_range_ok(p->m, at, len))
        return 0;
    p->next = at + len;
    return at;
}

static uint64_t place_string(Placer *p, const char *str)
{
    size_t len = strlen(str) + 1;
    uint64_t at = place(p, len, 1);
    if (at)
        memcpy(p->m->ram + at, str, len);
    return at;
}

/* Splits -initrd into module specs: commas separate, ",," is a literal comma. */
static unsigned split_modules(const char *list, char **out, unsigned max)
{
    unsigned n = 0;
    size_t len = strlen(list);
    char *cur = malloc(len + 1);
    size_t ci = 0;
    if (!cur)
        return 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (list[i] == ',' && list[i + 1] == ',') {
            cur[ci++] = ',';
            i++;
        } else if (list[i] == ',' || list[i] == '\0') {
            cur[ci] = '\0';
            out[n++] = strdup(cur);
            ci = 0;
        } else {
            cur[ci++] = list[i];
        }
    }
    free(cur);
    return n;
}

static bool load_modules(Placer *p, const char *list, uint64_t *mods_addr, unsigned *count)
{
    char *specs[MAX_MODULES];
    unsigned n = split_modules(list, specs, MAX_MODULES);
    uint64_t table = place(p, (uint64_t)n * 16, 4);
    bool ok = table != 0 || n == 0;
    for (unsigned i = 0; i < n && ok; i++) {
        char *file = specs[i], *args = strchr(specs[i], ' ');
        if (args)
            *args = '\0';
        FileBuf fb;
        if (!read_file(file, &fb)) {
            fprintf(stderr, "pacifica: -initrd %s: %s\n", file, strerror(errno));
            ok = false;
            break;
        }
        if (args)
            *args = ' ';
        /* Modules are page aligned (the header's flag 0 asks for it; QEMU always does). */
        uint64_t at = place(p, fb.size, 4096);
        uint64_t str = place_string(p, specs[i]);
        if (!at || !str) {
            fprintf(stderr, "pacifica: -initrd %s: module does not fit in RAM\n", file);
            free(fb.data);
            ok = false;
            break;
        }
        memcpy(p->m->ram + at, fb.data, fb.size);
        free(fb.data);
        uint8_t *e = p->m->ram + table + 16 * i;
        st32(e, (uint32_t)at);
        st32(e + 4, (uint32_t)(at + fb.size));
        st32(e + 8, (uint32_t)str);
        st32(e + 12, 0);
    }
    for (unsigned i = 0; i < n; i++)
        free(specs[i]);
    *mods_addr = table;
    *count = n;
    return ok;
}

/* The memory map: conventional memory, the reserved BIOS areas, RAM above 1 MiB, and RAM
 * above 4 GiB. Entries are {size = 20, base, length, type}. */
static uint64_t build_mmap(Placer *p, uint32_t *length)
{
    const Machine *m = p->m;
    uint64_t low = low_ram_size(m);
    struct {
        uint64_t base, len;
        uint32_t type;
    } map[5] = {
        {0, LOW_MEM_TOP, 1},
        {LOW_MEM_TOP, 0xa0000 - LOW_MEM_TOP, 2},
        {0xf0000, 0x10000, 2},
        {0x100000, low > 0x100000 ? low - 0x100000 : 0, 1},
        {1ull << 32, m->ram_size - low, 1},
    };
    unsigned n = m->ram_size > low ? 5 : 4;
    uint64_t at = place(p, (uint64_t)n * 24, 4);
    if (!at)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = p->m->ram + at + 24 * i;
        st32(e, 20);
        st64(e + 4, map[i].base);
        st64(e + 12, map[i].len);
        st32(e + 20, map[i].type);
    }
    *length = n * 24;
    return at;
}

MultibootResult multiboot_load(Machine *m, const MachineConfig *cfg, X86BootState *bs)
{
    const char *path = cfg->kernel;
    FileBuf k;
    if (!read_file(path, &k)) {
        fprintf(stderr, "pacifica: -kernel %s: %s\n", path, strerror(errno));
        return MULTIBOOT_ERROR;
    }
    long hoff = find_header(&k);
    if (hoff < 0) {
        free(k.data);
        return MULTIBOOT_NOT_MULTIBOOT;
    }
    uint32_t flags = ld32(k.data + hoff + 4), entry = 0;
    uint64_t end = 0;
    bool ok = (flags & MB_FLAG_AOUT_KLUDGE) ? load_aout(m, path, &k, hoff, &entry, &end)
                                            : load_elf(m, path, &k, &entry, &end);
    free(k.data);
    if (!ok)
        return MULTIBOOT_ERROR;

    Placer p = {m, (end + 4095) & ~4095ull};
    uint64_t mbi = place(&p, 88, 8);
    uint64_t mods_addr = 0, mmap_addr;
    unsigned mods_count = 0;
    uint32_t mmap_len = 0;
    size_t cmd_len = strlen(path) + 2 + (cfg->append ? strlen(cfg->append) : 0);
    char *cmdline = malloc(cmd_len);
    if (!cmdline)
        return MULTIBOOT_ERROR;
    snprintf(cmdline, cmd_len, "%s%s%s", path, cfg->append ? " " : "",
             cfg->append ? cfg->append : "");
    uint64_t cmd_addr = place_string(&p, cmdline);
    free(cmdline);
    uint64_t name_addr = place_string(&p, "Pacifica");
    if (!mbi || !cmd_addr || !name_addr ||
        (cfg->initrd && !load_modules(&p, cfg->initrd, &mods_addr, &mods_count)) ||
        !(mmap_addr = build_mmap(&p, &mmap_len))) {
        fprintf(stderr,
                "pacifica: -kernel %s: kernel, modules and boot information do not "
                "fit in RAM\n",
                path);
        return MULTIBOOT_ERROR;
    }
    uint8_t *info = m->ram + mbi;
    memset(info, 0, 88);
    uint64_t low = low_ram_size(m);
    /* Like QEMU, the module fields are always valid (a count of 0 without -initrd). */
    uint32_t mbi_flags =
        MBI_MEM | MBI_BOOT_DEVICE | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME;
    st32(info + 0, mbi_flags);
    st32(info + 4, LOW_MEM_TOP / 1024);                                       /* mem_lower, KiB */
    st32(info + 8, (uint32_t)((low > 0x100000 ? low - 0x100000 : 0) / 1024)); /* mem_upper */
    st32(info + 12, 0x8000ffffu); /* boot_device: first BIOS disk, no partition */
    st32(info + 16, (uint32_t)cmd_addr);
    st32(info + 20, mods_count);
    st32(info + 24, (uint32_t)mods_addr);
    st32(info + 44, mmap_len);
    st32(info + 48, (uint32_t)mmap_addr);
    st32(info + 64, (uint32_t)name_addr);
    if (flags & MB_FLAG_VIDEO)
        log_printf(&m->log, LOG_UNIMP, "multiboot: video mode request ignored\n");

    memset(bs, 0, sizeof(*bs));
    bs->mode = X86_BOOT_FLAT32;
    bs->rip = entry;
    bs->regs[R_EAX] = MB_BOOT_MAGIC;
    bs->regs[R_EBX] = mbi;
    return MULTIBOOT_LOADED;
}
