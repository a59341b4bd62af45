/* virtio-rng (virtio 1.1 §5.4): every buffer the driver offers is filled from the
 * host's getrandom(2) on the vCPU thread that notified us; the requests are small
 * (Linux's hw_random core asks for tens of bytes) and getrandom does not block once
 * the host's pool is initialised. */
#include "hw/virtio_rng.h"

#include <errno.h>
#include <glib.h>
#include <sys/random.h>

/* Fills the element's writable buffers (up to VIRTIO_RNG_MAX_CHUNK bytes); returns how
 * many bytes it wrote. */
static uint32_t fill_random(VirtioRng *rng, const VirtqElement *e)
{
    size_t left = MIN(e->in_len, (size_t)VIRTIO_RNG_MAX_CHUNK);
    uint32_t done = 0;
    for (unsigned i = 0; i < e->in_num && left > 0; i++) {
        size_t n = MIN(e->in_iov[i].iov_len, left);
        size_t got = 0;
        while (got < n) {
            ssize_t r = getrandom((uint8_t *)e->in_iov[i].iov_base + got, n - got, GRND_NONBLOCK);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                /* The host has no entropy yet: answer with what we have (§5.4.6.1). */
                return done + (uint32_t)got;
            }
            got += (size_t)r;
        }
        done += (uint32_t)n;
        left -= n;
    }
    rng->bytes_given += done;
    return done;
}

static void handle_request(VirtioDevice *vdev, VirtQueue *vq)
{
    VirtioRng *rng = (VirtioRng *)vdev;
    VirtqElement *e;
    int r;
    bool pushed = false;
    while ((r = virtqueue_pop(vq, &e)) == 1) {
        /* §5.4.6.1: the driver only offers device-writable buffers. */
        if (e->out_num) {
            virtio_error(vdev, "request with a device-readable buffer");
            virtqueue_element_free(e);
            return;
        }
        virtqueue_push(vq, e, fill_random(rng, e));
        virtqueue_element_free(e);
        pushed = true;
    }
    if (pushed)
        virtqueue_notify(vq);
}

static uint64_t rng_config_read(VirtioDevice *vdev, uint64_t offset, unsigned size)
{
    (void)vdev;
    (void)offset;
    (void)size;
    return 0; /* §5.4.4: no configuration */
}

static void rng_config_write(VirtioDevice *vdev, uint64_t offset, uint64_t val, unsigned size)
{
    (void)val;
    log_printf(vdev->log, LOG_GUEST_ERROR, "%s: write to config 0x%llx/%u, which it has not\n",
               vdev->name, (unsigned long long)offset, size);
}

static const VirtioDeviceOps rng_ops = {
    .config_read = rng_config_read,
    .config_write = rng_config_write,
};

void virtio_rng_init(VirtioRng *rng, AddressSpace *mem, const Log *log)
{
    virtio_init(&rng->vdev, "virtio-rng", VIRTIO_ID_RNG, 0, 0, &rng_ops, mem, log);
    rng->bytes_given = 0;
    virtio_add_queue(&rng->vdev, VIRTIO_RNG_QUEUE_SIZE, handle_request);
}

VirtioRngPci *virtio_rng_pci_new(PciBus *bus, uint8_t devfn, AddressSpace *mem, const Log *log,
                                 const VirtioPciConfig *pci_cfg)
{
    VirtioRngPci *d = g_new0(VirtioRngPci, 1);
    virtio_rng_init(&d->rng, mem, log);
    /* Class 0x00ff00 ("other"), as QEMU's virtio-rng-pci. */
    virtio_pci_init(&d->pci, bus, devfn, &d->rng.vdev, 0x00ff00, pci_cfg);
    return d;
}

void virtio_rng_pci_free(VirtioRngPci *d)
{
    if (!d)
        return;
    virtio_pci_destroy(&d->pci);
    g_free(d);
}
