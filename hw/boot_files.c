/* Boot images read once: see boot_files.h. */
#include "hw/boot_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A buffer for size bytes and a NUL, its pages allocated in one go (MAP_POPULATE):
 * faulting in a multi-megabyte kernel page by page while read() copies it costs more
 * than the copy. */
static uint8_t *alloc_populated(size_t size)
{
    void *p = mmap(NULL, size + 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static bool read_whole_file(const char *opt, const char *path, BootFile *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "pacifica: %s %s: %s\n", opt, path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "pacifica: %s %s: not a regular file\n", opt, path);
        close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *data = alloc_populated(size);
    size_t got = 0;
    while (data && got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!data || got != size) {
        fprintf(stderr, "pacifica: %s %s: cannot read the file\n", opt, path);
        if (data)
            munmap(data, size + 1);
        return false;
    }
    data[size] = 0;
    f->path = strdup(path);
    f->data = data;
    f->size = size;
    return f->path != NULL;
}

const uint8_t *boot_files_get(BootFiles *bf, const char *opt, const char *path, size_t *size)
{
    for (unsigned i = 0; i < bf->count; i++) {
        if (strcmp(bf->files[i].path, path) == 0) {
            *size = bf->files[i].size;
            return bf->files[i].data;
        }
    }
    if (bf->count == BOOT_FILES_MAX) {
        fprintf(stderr, "pacifica: %s %s: too many boot files\n", opt, path);
        return NULL;
    }
    BootFile *f = &bf->files[bf->count];
    if (!read_whole_file(opt, path, f))
        return NULL;
    bf->count++;
    *size = f->size;
    return f->data;
}

void boot_files_free(BootFiles *bf)
{
    for (unsigned i = 0; i < bf->count; i++) {
        munmap(bf->files[i].data, bf->files[i].size + 1);
        free(bf->files[i].path);
    }
    bf->count = 0;
}
