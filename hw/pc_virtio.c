/* -device virtio-rng-pci, virtio-serial-pci, virtconsole on the pc board. */
#include "hw/pc_virtio.h"

#include <stdio.h>
#include <string.h>

#include "system/chardev_options.h"
#include "system/options.h"

#define FIRST_FREE_SLOT 4

/* The first slot from 4 up with nothing at function 0; -1 if the bus is full. */
static int free_slot(const PcVirtioEnv *env)
{
    for (int slot = FIRST_FREE_SLOT; slot < 32; slot++)
        if (!env->bus->devices[PCI_DEVFN(slot, 0)])
            return slot;
    return -1;
}

/* disable-legacy / disable-modern: a transitional function unless legacy is off;
 * modern-off (legacy only) is not offered. */
static int transport_props(KeyValueList *kv, VirtioPciConfig *cfg, char *err, size_t errlen)
{
    bool no_legacy = false, no_modern = false;
    const char *v = keyval_take(kv, "disable-legacy");
    if (v && strcmp(v, "auto") && !keyval_parse_bool(v, &no_legacy)) {
        snprintf(err, errlen, "disable-legacy=%s: expected on, off or auto", v);
        return -1;
    }
    v = keyval_take(kv, "disable-modern");
    if (v && !keyval_parse_bool(v, &no_modern)) {
        snprintf(err, errlen, "disable-modern=%s: expected on or off", v);
        return -1;
    }
    if (no_modern) {
        snprintf(err, errlen, "disable-modern=on (a legacy-only device) is not supported");
        return -1;
    }
    cfg->transitional = !no_legacy;
    return 0;
}

/* Common checks before making a function: room, a slot, transport properties. */
static int prepare(unsigned count, const PcVirtioEnv *env, KeyValueList *kv, VirtioPciConfig *cfg,
                   int *slot, char *err, size_t errlen)
{
    *cfg = env->pci;
    if (transport_props(kv, cfg, err, errlen) < 0)
        return -1;
    if (count == PC_VIRTIO_MAX_FUNCTIONS) {
        snprintf(err, errlen, "at most %d of these", PC_VIRTIO_MAX_FUNCTIONS);
        return -1;
    }
    *slot = free_slot(env);
    if (*slot < 0) {
        snprintf(err, errlen, "no free PCI slot");
        return -1;
    }
    return 0;
}

int pc_virtio_create_rng(PcVirtioFunctions *v, const PcVirtioEnv *env, KeyValueList *kv, char *err,
                         size_t errlen)
{
    VirtioPciConfig cfg;
    int slot;
    if (prepare(v->nrngs, env, kv, &cfg, &slot, err, errlen) < 0)
        return -1;
    VirtioRngPci *d =
        virtio_rng_pci_new(env->bus, PCI_DEVFN(slot, 0), &env->m->mem, &env->m->log, &cfg);
    d->rng.vdev.dma_written = env->dma_written;
    d->rng.vdev.dma_opaque = env->dma_opaque;
    v->rngs[v->nrngs++] = d;
    machine_register_device(env->m, &d->pci.pci.dev);
    return 0;
}

int pc_virtio_create_serial(PcVirtioFunctions *v, const PcVirtioEnv *env, KeyValueList *kv,
                            char *err, size_t errlen)
{
    VirtioPciConfig cfg;
    int slot;
    if (prepare(v->nserials, env, kv, &cfg, &slot, err, errlen) < 0)
        return -1;
    VirtioSerialPci *d =
        virtio_serial_pci_new(env->bus, PCI_DEVFN(slot, 0), &env->m->mem, &env->m->log, &cfg);
    d->con.vdev.dma_written = env->dma_written;
    d->con.vdev.dma_opaque = env->dma_opaque;
    v->serials[v->nserials++] = d;
    machine_register_device(env->m, &d->pci.pci.dev);
    return 0;
}

/* The -chardev with that id, opened for one user only. */
static Chardev *open_chardev_by_id(PcVirtioFunctions *v, const PcVirtioEnv *env, const char *id,
                                   char *err, size_t errlen)
{
    const MachineConfig *cfg = env->m->cfg;
    for (unsigned i = 0; i < v->nused_chardevs; i++) {
        if (!strcmp(v->used_chardevs[i], id)) {
            snprintf(err, errlen, "chardev '%s' is already in use", id);
            return NULL;
        }
    }
    for (unsigned i = 0; i < cfg->nchardevs; i++) {
        const KeyValueList *c = &cfg->chardevs[i];
        if (strcmp(chardev_options_id(c), id))
            continue;
        char spec[4200];
        bool is_stdio;
        if (chardev_options_spec(c, spec, sizeof(spec), &is_stdio, err, errlen) < 0)
            return NULL;
        Chardev *chr = machine_open_chardev(env->m, spec);
        if (!chr) {
            snprintf(err, errlen, "cannot open chardev '%s'", id);
            return NULL;
        }
        v->used_chardevs[v->nused_chardevs++] = chardev_options_id(c);
        return chr;
    }
    snprintf(err, errlen, "no -chardev with id '%s'", id);
    return NULL;
}

int pc_virtio_create_console(PcVirtioFunctions *v, const PcVirtioEnv *env, KeyValueList *kv,
                             char *err, size_t errlen)
{
    const char *id = keyval_take(kv, "chardev");
    if (!id) {
        snprintf(err, errlen, "missing chardev=ID");
        return -1;
    }
    if (!v->nserials) {
        snprintf(err, errlen, "needs a -device virtio-serial-pci before it");
        return -1;
    }
    VirtioSerialPci *d = v->serials[v->nserials - 1];
    if (d->con.chr) {
        snprintf(err, errlen, "virtio-serial-pci has one port here, and it is taken");
        return -1;
    }
    if (v->nused_chardevs == PC_VIRTIO_MAX_FUNCTIONS) {
        snprintf(err, errlen, "too many chardevs in use");
        return -1;
    }
    Chardev *chr = open_chardev_by_id(v, env, id, err, errlen);
    if (!chr)
        return -1;
    virtio_console_attach(&d->con, chr);
    return 0;
}

void pc_virtio_destroy(PcVirtioFunctions *v)
{
    for (unsigned i = 0; i < v->nrngs; i++)
        virtio_rng_pci_free(v->rngs[i]);
    for (unsigned i = 0; i < v->nserials; i++)
        virtio_serial_pci_free(v->serials[i]);
    v->nrngs = v->nserials = 0;
}
