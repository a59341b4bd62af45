/* The common header of every device, and the table of its saved fields.
 *
 * A device struct embeds DeviceState as its first member. Its guest-visible state
 * is described by a static VMStateField table (offsets relative to the device
 * struct); snapshots and migration save and restore exactly those fields.
 */
#ifndef PACIFICA_SYSTEM_DEVICE_H
#define PACIFICA_SYSTEM_DEVICE_H

#include <stddef.h>
#include <stdint.h>

typedef enum VMStateType {
    VMS_END = 0,
    VMS_U8,
    VMS_U16,
    VMS_U32,
    VMS_U64,
    VMS_I64,
    VMS_BOOL,
    VMS_BYTES, /* count bytes */
} VMStateType;

typedef struct VMStateField {
    const char *name;
    size_t offset;
    VMStateType type;
    size_t count; /* array elements (1 for a scalar), or bytes for VMS_BYTES */
} VMStateField;

#define VMSTATE_FIELD(st, f, t) {#f, offsetof(st, f), t, 1}
#define VMSTATE_U8(st, f)       VMSTATE_FIELD(st, f, VMS_U8)
#define VMSTATE_U16(st, f)      VMSTATE_FIELD(st, f, VMS_U16)
#define VMSTATE_U32(st, f)      VMSTATE_FIELD(st, f, VMS_U32)
#define VMSTATE_U64(st, f)      VMSTATE_FIELD(st, f, VMS_U64)
#define VMSTATE_I64(st, f)      VMSTATE_FIELD(st, f, VMS_I64)
#define VMSTATE_BOOL(st, f)     VMSTATE_FIELD(st, f, VMS_BOOL)
#define VMSTATE_U8_ARRAY(st, f, n)                                                                 \
    {#f, offsetof(st, f), VMS_U8, n}
#define VMSTATE_BYTES(st, f)    {#f, offsetof(st, f), VMS_BYTES, sizeof(((st *)0)->f)}
#define VMSTATE_END             {NULL, 0, VMS_END, 0}

typedef struct DeviceState {
    const char *name;
    void (*reset)(struct DeviceState *dev);
    const VMStateField *fields; /* ends with VMSTATE_END */
    /* Runs after vmstate_load restored the fields (may be NULL): re-arms the device's
     * timers and re-drives what the fields imply (interrupt lines), since timers and
     * wiring are not saved state. */
    void (*post_load)(struct DeviceState *dev);
    struct DeviceState *next; /* machine's device list */
} DeviceState;

/* Size in bytes of the saved state (sum of fields). */
size_t vmstate_size(const VMStateField *fields);
/* Serialise the fields of dev into buf (little-endian, in table order); returns bytes
 * written or 0 if len is too small. */
size_t vmstate_save(const DeviceState *dev, uint8_t *buf, size_t len);
/* Inverse of vmstate_save, then dev->post_load; returns 0 on success, -1 if len does
 * not match (nothing is changed then). */
int vmstate_load(DeviceState *dev, const uint8_t *buf, size_t len);

#endif
