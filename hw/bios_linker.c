/* QEMU's BIOS linker/loader commands: see bios_linker.h. */
#include "hw/bios_linker.h"

#include <string.h>

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends a zeroed command and returns it. */
static uint8_t *linker_command(BiosLinker *l, uint32_t command)
{
    uint8_t zero[BIOS_LINKER_ENTRY_SIZE] = {0};
    g_byte_array_append(l->cmds, zero, sizeof(zero));
    uint8_t *e = l->cmds->data + l->cmds->len - BIOS_LINKER_ENTRY_SIZE;
    put_le32(e, command);
    return e;
}

static void put_name(uint8_t *p, const char *name)
{
    g_assert(strlen(name) < BIOS_LINKER_FILE_SIZE);
    memcpy(p, name, strlen(name));
}

BiosLinker *bios_linker_new(void)
{
    BiosLinker *l = g_new0(BiosLinker, 1);
    l->cmds = g_byte_array_new();
    return l;
}

void bios_linker_free(BiosLinker *l)
{
    if (!l)
        return;
    g_byte_array_free(l->cmds, TRUE);
    g_free(l);
}

void bios_linker_allocate(BiosLinker *l, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *e = linker_command(l, BIOS_LINKER_ALLOCATE);
    put_name(e + 4, file);
    put_le32(e + 60, align);
    e[64] = zone;
}

void bios_linker_add_pointer(BiosLinker *l, const char *dest, uint32_t offset, uint8_t size,
                             const char *src)
{
    uint8_t *e = linker_command(l, BIOS_LINKER_ADD_POINTER);
    put_name(e + 4, dest);
    put_name(e + 60, src);
    put_le32(e + 116, offset);
    e[120] = size;
}

void bios_linker_add_checksum(BiosLinker *l, const char *file, uint32_t offset, uint32_t start,
                              uint32_t len)
{
    uint8_t *e = linker_command(l, BIOS_LINKER_ADD_CHECKSUM);
    put_name(e + 4, file);
    put_le32(e + 60, offset);
    put_le32(e + 64, start);
    put_le32(e + 68, len);
}
