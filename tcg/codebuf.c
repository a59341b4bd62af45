/* The executable code buffer (see codebuf.h): a memfd mapped twice, RW and RX. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/codebuf.h"

static size_t round_to_pages(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t p = page > 0 ? (size_t)page : 4096;
    if (size == 0) {
        size = p;
    }
    return (size + p - 1) & ~(p - 1);
}

/* The W^X layout: one memfd, a shared RW view and a shared RX view of it. */
static bool map_dual(CodeBuffer *cb, size_t size)
{
    int fd = memfd_create("pacifica-code", MFD_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        return false;
    }
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED) {
        close(fd);
        return false;
    }
    void *rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (rx == MAP_FAILED) {
        munmap(rw, size);
        close(fd);
        return false;
    }
    cb->rw = rw;
    cb->rx = rx;
    cb->fd = fd;
    cb->dual = true;
    return true;
}

static bool map_single(CodeBuffer *cb, size_t size)
{
    void *p =
        mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return false;
    }
    cb->rw = cb->rx = p;
    cb->fd = -1;
    cb->dual = false;
    return true;
}

bool codebuf_init(CodeBuffer *cb, size_t size)
{
    memset(cb, 0, sizeof(*cb));
    cb->fd = -1;
    size = round_to_pages(size);
    /* perf names JIT code from /tmp/perf-PID.map only in anonymous mappings, not in
     * a memfd's: profiling (PACIFICA_PERFMAP, see tcg/x86_64/native.c) gives up W^X. */
    const char *perf_map = getenv("PACIFICA_PERFMAP");
    bool profiling = perf_map && *perf_map && strcmp(perf_map, "0") != 0;
    if ((profiling || !map_dual(cb, size)) && !map_single(cb, size)) {
        int saved = errno;
        memset(cb, 0, sizeof(*cb));
        cb->fd = -1;
        errno = saved;
        return false;
    }
    cb->size = size;
    cb->used = 0;
    return true;
}

void codebuf_destroy(CodeBuffer *cb)
{
    if (cb->rw) {
        munmap(cb->rw, cb->size);
    }
    if (cb->dual && cb->rx) {
        munmap(cb->rx, cb->size);
    }
    if (cb->fd >= 0) {
        close(cb->fd);
    }
    memset(cb, 0, sizeof(*cb));
    cb->fd = -1;
}

void codebuf_commit(CodeBuffer *cb, size_t n, size_t align)
{
    size_t end = cb->used + n;
    end = (end + align - 1) & ~(align - 1);
    cb->used = end < cb->size ? end : cb->size;
}

void codebuf_reset(CodeBuffer *cb)
{
    cb->used = 0;
    cb->generation++;
}
