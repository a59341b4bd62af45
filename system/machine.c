/* The machine's shared state: memory spaces, clock, device list, run-state requests. */
#define _GNU_SOURCE /* pipe2 */
#include "system/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "system/chardev.h"

static void machine_clock_notify(void *opaque)
{
    machine_wake(opaque);
}

/* Guest RAM: anonymous memory aligned to 2 MiB and marked for transparent huge pages,
 * as QEMU does, so that a guest touching its RAM costs one host page fault per 2 MiB
 * instead of per 4 KiB and the host TLB covers more of it. Returns NULL (errno set) on
 * failure. */
static void *ram_map(size_t size)
{
    const size_t huge = (size_t)2 << 20;
    uint8_t *raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *ram = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    if (ram > raw)
        munmap(raw, (size_t)(ram - raw));
    size_t tail = (size_t)(raw + size + huge - (ram + size));
    if (tail)
        munmap(ram + size, tail);
    /* Only a hint: a host without THP keeps 4 KiB pages. */
    (void)madvise(ram, size, MADV_HUGEPAGE);
    return ram;
}

int machine_init(Machine *m, const MachineConfig *cfg)
{
    memset(m, 0, sizeof(*m));
    m->cfg = cfg;
    m->log.mask = cfg->log_mask;
    m->log.out = stderr;
    if (cfg->log_file) {
        m->log.out = fopen(cfg->log_file, "w");
        if (!m->log.out) {
            fprintf(stderr, "pacifica: -D %s: %s\n", cfg->log_file, strerror(errno));
            return -1;
        }
        setvbuf(m->log.out, NULL, _IOLBF, 0);
    }
    address_space_init(&m->mem, "memory", 1ull << 52, &m->log);
    address_space_init(&m->io, "I/O", 1u << 16, &m->log);
    clock_init(&m->clock);
    m->clock.notify = machine_clock_notify;
    m->clock.notify_opaque = m;
    pthread_mutex_init(&m->lock, NULL);
    if (pipe2(m->wake_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "pacifica: pipe: %s\n", strerror(errno));
        return -1;
    }
    m->ram_size = cfg->ram_size;
    m->ram = ram_map(m->ram_size);
    if (!m->ram) {
        fprintf(stderr, "pacifica: -m %llu MiB: cannot allocate guest RAM: %s\n",
                (unsigned long long)(m->ram_size >> 20), strerror(errno));
        return -1;
    }
    return 0;
}

void machine_destroy(Machine *m)
{
    for (unsigned i = 0; i < m->nchardevs; i++)
        chardev_close(m->chardevs[i]);
    m->nchardevs = 0;
    address_space_destroy(&m->mem);
    address_space_destroy(&m->io);
    clock_destroy(&m->clock);
    if (m->ram)
        munmap(m->ram, m->ram_size);
    if (m->log.out && m->log.out != stderr)
        fclose(m->log.out);
    close(m->wake_fd[0]);
    close(m->wake_fd[1]);
}

void machine_register_device(Machine *m, DeviceState *dev)
{
    DeviceState **p = &m->devices;
    while (*p)
        p = &(*p)->next;
    dev->next = NULL;
    *p = dev;
}

void machine_reset_devices(Machine *m)
{
    for (DeviceState *d = m->devices; d; d = d->next)
        if (d->reset)
            d->reset(d);
}

static void machine_wake_opaque(void *opaque)
{
    machine_wake(opaque);
}

/* Output is deferred (chardev_defer_output): the main loop writes it when woken. */
Chardev *machine_open_chardev(Machine *m, const char *spec)
{
    char err[256];
    if (m->nchardevs >= sizeof(m->chardevs) / sizeof(m->chardevs[0])) {
        fprintf(stderr, "pacifica: %s: too many character devices\n", spec);
        return NULL;
    }
    Chardev *c = chardev_open(spec, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "pacifica: %s\n", err);
        return NULL;
    }
    chardev_defer_output(c, machine_wake_opaque, m);
    m->chardevs[m->nchardevs++] = c;
    return c;
}

void machine_wake(Machine *m)
{
    char b = 1;
    ssize_t r = write(m->wake_fd[1], &b, 1);
    (void)r; /* a full pipe already means "wake up" */
}

static void machine_kick_vcpus(Machine *m)
{
    if (m->kick_vcpus)
        m->kick_vcpus(m->accel);
}

void machine_set_cpu_intr(Machine *m, int cpu_index, int level)
{
    if (m->set_cpu_intr)
        m->set_cpu_intr(m->accel, cpu_index, level);
}

void machine_request_exit(Machine *m, int status)
{
    bool expected = false;
    if (atomic_compare_exchange_strong(&m->exit_requested, &expected, true))
        m->exit_status = status;
    machine_kick_vcpus(m);
    machine_wake(m);
}

void machine_request_reset(Machine *m)
{
    if (m->cfg->no_reboot) {
        /* QEMU's -no-reboot: a reset request ends the process normally. */
        machine_request_exit(m, 0);
        return;
    }
    atomic_store(&m->reset_requested, true);
    machine_kick_vcpus(m);
    machine_wake(m);
}
