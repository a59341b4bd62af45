/* The files a board boots from (-kernel, -initrd), read once: the loaders and fw_cfg
 * take them from here at start-up and at every reset, as QEMU keeps its copy of the
 * images, so a boot reads each file once and a file changed on disk later does not
 * change what a guest reboot loads. */
#ifndef PACIFICA_HW_BOOT_FILES_H
#define PACIFICA_HW_BOOT_FILES_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_FILES_MAX 4

typedef struct BootFile {
    char *path;
    uint8_t *data; /* size bytes, then a NUL; owned by the BootFiles */
    size_t size;
} BootFile;

typedef struct BootFiles {
    BootFile files[BOOT_FILES_MAX];
    unsigned count;
} BootFiles;

/* The contents of path, read on the first call; NULL after a message naming opt and
 * path when it cannot be read. The bytes stay valid until boot_files_free. */
const uint8_t *boot_files_get(BootFiles *bf, const char *opt, const char *path, size_t *size);

void boot_files_free(BootFiles *bf);

#endif
