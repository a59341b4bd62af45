/* Saved device state: a device's VMStateField table, serialised field by field.
 *
 * The format is the fields in table order, each array element little-endian,
 * with no names, padding or framing: the table itself is the schema, so a
 * snapshot only loads into a build whose table has the same shape (the length
 * check in vmstate_load catches most mismatches).
 */
#include "system/device.h"

#include <stdbool.h>
#include <string.h>

/* Bytes one element of type takes, in the struct and in the stream (0 for types
 * this build does not know, which are skipped). */
static size_t vmstate_elem_size(VMStateType type)
{
    switch (type) {
    case VMS_U8: return 1;
    case VMS_U16: return 2;
    case VMS_U32: return 4;
    case VMS_U64: return 8;
    case VMS_I64: return 8;
    case VMS_BOOL: return 1;
    case VMS_BYTES: return 1;
    case VMS_END: break;
    }
    return 0;
}

size_t vmstate_size(const VMStateField *fields)
{
    size_t total = 0;
    for (const VMStateField *f = fields; f && f->type != VMS_END; f++)
        total += vmstate_elem_size(f->type) * f->count;
    return total;
}

/* One element at field, written to out in little-endian order. */
static void save_elem(const uint8_t *field, VMStateType type, uint8_t *out)
{
    size_t n = vmstate_elem_size(type);
    uint64_t v = 0;
    switch (type) {
    case VMS_U8: v = *field; break;
    case VMS_U16: {
        uint16_t x;
        memcpy(&x, field, sizeof(x));
        v = x;
        break;
    }
    case VMS_U32: {
        uint32_t x;
        memcpy(&x, field, sizeof(x));
        v = x;
        break;
    }
    case VMS_U64:
    case VMS_I64: memcpy(&v, field, sizeof(v)); break;
    case VMS_BOOL: {
        bool b;
        memcpy(&b, field, sizeof(b));
        v = b;
        break;
    }
    case VMS_BYTES: v = *field; break;
    case VMS_END: break;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = v >> (8 * i);
}

static void load_elem(uint8_t *field, VMStateType type, const uint8_t *in)
{
    size_t n = vmstate_elem_size(type);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)in[i] << (8 * i);
    switch (type) {
    case VMS_U8:
    case VMS_BYTES: *field = v; break;
    case VMS_U16: {
        uint16_t x = v;
        memcpy(field, &x, sizeof(x));
        break;
    }
    case VMS_U32: {
        uint32_t x = v;
        memcpy(field, &x, sizeof(x));
        break;
    }
    case VMS_U64:
    case VMS_I64: memcpy(field, &v, sizeof(v)); break;
    case VMS_BOOL: {
        bool b = v != 0; /* any non-zero byte is true: never store an invalid bool */
        memcpy(field, &b, sizeof(b));
        break;
    }
    case VMS_END: break;
    }
}

size_t vmstate_save(const DeviceState *dev, uint8_t *buf, size_t len)
{
    size_t total = vmstate_size(dev->fields);
    if (len < total)
        return 0;
    const uint8_t *base = (const uint8_t *)dev;
    size_t pos = 0;
    for (const VMStateField *f = dev->fields; f && f->type != VMS_END; f++) {
        size_t elem = vmstate_elem_size(f->type);
        for (size_t i = 0; elem && i < f->count; i++, pos += elem)
            save_elem(base + f->offset + i * elem, f->type, buf + pos);
    }
    return pos;
}

int vmstate_load(DeviceState *dev, const uint8_t *buf, size_t len)
{
    if (len != vmstate_size(dev->fields))
        return -1;
    uint8_t *base = (uint8_t *)dev;
    size_t pos = 0;
    for (const VMStateField *f = dev->fields; f && f->type != VMS_END; f++) {
        size_t elem = vmstate_elem_size(f->type);
        for (size_t i = 0; elem && i < f->count; i++, pos += elem)
            load_elem(base + f->offset + i * elem, f->type, buf + pos);
    }
    if (dev->post_load)
        dev->post_load(dev);
    return 0;
}
