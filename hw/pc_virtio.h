/* The virtio functions a user adds to the pc board with -device (QEMU's names and
 * properties): virtio-rng-pci, virtio-serial-pci and virtconsole (a console port on
 * the last virtio-serial-pci, on a -chardev). Functions are transitional (legacy
 * interface too) unless disable-legacy=on, as on QEMU's pc machine; each takes the
 * first free PCI slot from 4 up, after the -drive disks. */
#ifndef PACIFICA_HW_PC_VIRTIO_H
#define PACIFICA_HW_PC_VIRTIO_H

#include <stddef.h>

#include "hw/virtio_console.h"
#include "hw/virtio_rng.h"
#include "system/keyval.h"
#include "system/machine.h"

#define PC_VIRTIO_MAX_FUNCTIONS 8

/* What the board lends: its bus, MSI delivery and DMA-written hook. */
typedef struct PcVirtioEnv {
    Machine *m;
    PciBus *bus;
    VirtioPciConfig pci; /* transitional is set per device */
    void (*dma_written)(void *opaque, uint64_t addr, uint64_t len);
    void *dma_opaque;
} PcVirtioEnv;

typedef struct PcVirtioFunctions {
    VirtioRngPci *rngs[PC_VIRTIO_MAX_FUNCTIONS];
    unsigned nrngs;
    VirtioSerialPci *serials[PC_VIRTIO_MAX_FUNCTIONS];
    unsigned nserials;
    const char *used_chardevs[PC_VIRTIO_MAX_FUNCTIONS]; /* ids taken by a port */
    unsigned nused_chardevs;
} PcVirtioFunctions;

#define PC_VIRTIO_PCI_PROPS "disable-legacy=bool (off), disable-modern=bool (off)"

/* -device creators: 0, or -1 with a message in err. */
int pc_virtio_create_rng(PcVirtioFunctions *v, const PcVirtioEnv *env, KeyValueList *kv, char *err,
                         size_t errlen);
int pc_virtio_create_serial(PcVirtioFunctions *v, const PcVirtioEnv *env, KeyValueList *kv,
                            char *err, size_t errlen);
int pc_virtio_create_console(PcVirtioFunctions *v, const PcVirtioEnv *env, KeyValueList *kv,
                             char *err, size_t errlen);
void pc_virtio_destroy(PcVirtioFunctions *v);

#endif
