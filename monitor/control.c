/* Machine control shared by QMP and the text monitor. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "monitor/internal.h"

unsigned monitor_cpu_count(const MonitorMachine *mm)
{
    return mm->machine->cfg ? mm->machine->cfg->smp : 1;
}

long monitor_cpu_thread_id(const MonitorMachine *mm, int cpu_index)
{
    if (!mm->ops.cpu_thread_id)
        return -1;
    return mm->ops.cpu_thread_id(mm->ops.opaque, cpu_index);
}

bool monitor_system_powerdown(MonitorMachine *mm, GString *err)
{
    if (!mm->ops.system_powerdown) {
        g_string_assign(err, "this machine has no ACPI power button wired");
        return false;
    }
    Machine *m = mm->machine;
    pthread_mutex_lock(&m->lock);
    mm->ops.system_powerdown(mm->ops.opaque);
    pthread_mutex_unlock(&m->lock);
    /* QEMU sends POWERDOWN when it presses the button, whatever the guest does next. */
    RunEvent ev = {.kind = RUN_EVENT_POWERDOWN};
    main_loop_emit(mm->loop, &ev);
    return true;
}

bool monitor_read_phys(MonitorMachine *mm, uint64_t addr, uint8_t *buf, size_t len)
{
    Machine *m = mm->machine;
    /* MMIO reads run device code: the machine lock, as for a vCPU access. */
    pthread_mutex_lock(&m->lock);
    bool ok = address_space_rw(&m->mem, addr, buf, len, false);
    pthread_mutex_unlock(&m->lock);
    return ok;
}

#define PAGE_SIZE 4096u

bool monitor_read_linear(MonitorMachine *mm, int cpu_index, uint64_t addr, uint8_t *buf, size_t len)
{
    if (!mm->ops.cpu_linear_to_phys)
        return false;
    /* Page by page: contiguous linear pages need not be contiguous in memory. */
    while (len > 0) {
        size_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        uint64_t phys;
        if (!mm->ops.cpu_linear_to_phys(mm->ops.opaque, cpu_index, addr, &phys) ||
            !monitor_read_phys(mm, phys, buf, chunk))
            return false;
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

void monitor_version(unsigned *major, unsigned *minor, unsigned *micro)
{
    *major = *minor = *micro = 0;
    /* PACIFICA_VERSION is "MAJOR.MINOR.MICRO" (configure). */
    const char *v = PACIFICA_VERSION;
    char *end;
    *major = (unsigned)strtoul(v, &end, 10);
    if (*end == '.')
        *minor = (unsigned)strtoul(end + 1, &end, 10);
    if (*end == '.')
        *micro = (unsigned)strtoul(end + 1, &end, 10);
}
