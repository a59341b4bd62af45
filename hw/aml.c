/* AML encoding (ACPI 6.4 §20.2: PkgLength §20.2.4, names §20.2.2, data objects
 * §20.2.3, named objects §20.2.5, statements §20.2.5.3) and resource descriptors
 * (§6.4.2 small and §6.4.3 large resource data types). */
#include "hw/aml.h"

#include <string.h>

Aml *aml_new(void)
{
    return g_byte_array_new();
}

void aml_free(Aml *a)
{
    g_byte_array_unref(a);
}

void aml_append_bytes(Aml *a, const void *p, size_t n)
{
    g_byte_array_append(a, p, (guint)n);
}

void aml_append(Aml *a, Aml *b)
{
    aml_append_bytes(a, b->data, b->len);
    aml_free(b);
}

static void put8(Aml *a, uint8_t v)
{
    aml_append_bytes(a, &v, 1);
}

static void put_le(Aml *a, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put8(a, (uint8_t)(v >> (8 * i)));
}

/* PkgLength counts itself: 1 byte up to 63, else a lead byte with the count of
 * following bytes in bits 7:6 and the low nibble, then 8 bits per byte. */
static void put_pkglength(Aml *a, size_t body)
{
    for (unsigned extra = 0; extra <= 3; extra++) {
        size_t total = body + 1 + extra;
        if (extra == 0 && total < 64) {
            put8(a, (uint8_t)total);
            return;
        }
        if (extra > 0 && total < (1u << (4 + 8 * extra))) {
            put8(a, (uint8_t)((extra << 6) | (total & 0xf)));
            for (unsigned i = 0; i < extra; i++)
                put8(a, (uint8_t)(total >> (4 + 8 * i)));
            return;
        }
    }
}

/* op [ext] PkgLength payload */
static Aml *aml_pkg(const uint8_t *op, size_t oplen, Aml *payload)
{
    Aml *a = aml_new();
    aml_append_bytes(a, op, oplen);
    put_pkglength(a, payload->len);
    aml_append(a, payload);
    return a;
}

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new();
    if (v == 0)
        put8(a, 0x00); /* ZeroOp */
    else if (v == 1)
        put8(a, 0x01); /* OneOp */
    else if (v == ~0ull)
        put8(a, 0xff); /* OnesOp */
    else if (v <= 0xff) {
        put8(a, 0x0a);
        put_le(a, v, 1);
    } else if (v <= 0xffff) {
        put8(a, 0x0b);
        put_le(a, v, 2);
    } else if (v <= 0xffffffffull) {
        put8(a, 0x0c);
        put_le(a, v, 4);
    } else {
        put8(a, 0x0e);
        put_le(a, v, 8);
    }
    return a;
}

/* Name segments are 4 characters, padded with '_'. */
static void put_nameseg(Aml *a, const char *seg, size_t len)
{
    for (size_t i = 0; i < 4; i++)
        put8(a, (uint8_t)(i < len ? seg[i] : '_'));
}

Aml *aml_name_string(const char *path)
{
    Aml *a = aml_new();
    while (*path == '\\' || *path == '^')
        put8(a, (uint8_t)*path++);
    const char *segs[16];
    size_t lens[16], n = 0;
    while (*path && n < 16) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        segs[n] = path;
        lens[n++] = len;
        path += len + (dot ? 1 : 0);
    }
    if (n == 0) {
        put8(a, 0x00); /* NullName */
    } else if (n == 2) {
        put8(a, 0x2e); /* DualNamePrefix */
    } else if (n > 2) {
        put8(a, 0x2f); /* MultiNamePrefix */
        put8(a, (uint8_t)n);
    }
    for (size_t i = 0; i < n; i++)
        put_nameseg(a, segs[i], lens[i]);
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new();
    put8(a, 0x0d);
    aml_append_bytes(a, s, strlen(s) + 1);
    return a;
}

/* A compressed EISA ID: three letters of 5 bits and four hex digits, stored
 * big-endian in a DWord (ACPI 6.4 §19.6.35 EISAID). */
Aml *aml_eisaid(const char *id)
{
    uint32_t v = ((uint32_t)(id[0] & 0x1f) << 26) | ((uint32_t)(id[1] & 0x1f) << 21) |
                 ((uint32_t)(id[2] & 0x1f) << 16) | (uint32_t)strtoul(id + 3, NULL, 16);
    Aml *a = aml_new();
    put8(a, 0x0c);
    put8(a, (uint8_t)(v >> 24));
    put8(a, (uint8_t)(v >> 16));
    put8(a, (uint8_t)(v >> 8));
    put8(a, (uint8_t)v);
    return a;
}

Aml *aml_name(const char *name, Aml *value)
{
    Aml *a = aml_new();
    put8(a, 0x08); /* NameOp */
    aml_append(a, aml_name_string(name));
    aml_append(a, value);
    return a;
}

Aml *aml_scope(const char *name, Aml *body)
{
    static const uint8_t op[] = {0x10};
    Aml *payload = aml_name_string(name);
    aml_append(payload, body);
    return aml_pkg(op, 1, payload);
}

Aml *aml_device(const char *name, Aml *body)
{
    static const uint8_t op[] = {0x5b, 0x82};
    Aml *payload = aml_name_string(name);
    aml_append(payload, body);
    return aml_pkg(op, 2, payload);
}

Aml *aml_method(const char *name, unsigned nargs, Aml *body)
{
    static const uint8_t op[] = {0x14};
    Aml *payload = aml_name_string(name);
    put8(payload, (uint8_t)(nargs & 7));
    aml_append(payload, body);
    return aml_pkg(op, 1, payload);
}

Aml *aml_package(Aml *elements, unsigned count)
{
    static const uint8_t op[] = {0x12};
    Aml *payload = aml_new();
    put8(payload, (uint8_t)count);
    aml_append(payload, elements);
    return aml_pkg(op, 1, payload);
}

Aml *aml_buffer(const uint8_t *data, size_t len)
{
    static const uint8_t op[] = {0x11};
    Aml *payload = aml_int(len);
    aml_append_bytes(payload, data, len);
    return aml_pkg(op, 1, payload);
}

Aml *aml_return(Aml *value)
{
    Aml *a = aml_new();
    put8(a, 0xa4);
    aml_append(a, value);
    return a;
}

Aml *aml_store(Aml *value, Aml *target)
{
    Aml *a = aml_new();
    put8(a, 0x70);
    aml_append(a, value);
    aml_append(a, target);
    return a;
}

Aml *aml_if(Aml *predicate, Aml *body)
{
    static const uint8_t op[] = {0xa0};
    aml_append(predicate, body);
    return aml_pkg(op, 1, predicate);
}

Aml *aml_arg(unsigned n)
{
    Aml *a = aml_new();
    put8(a, (uint8_t)(0x68 + (n & 7)));
    return a;
}

/* Large Word/DWord/QWord address space descriptors (§6.4.3.5.2-4): resource type,
 * general flags (MinFixed | MaxFixed, producer), type-specific flags, then granularity,
 * min, max, translation and length at the descriptor's width. */
static void res_address(Aml *r, uint8_t tag, unsigned width, uint8_t type, uint8_t tflags,
                        uint64_t min, uint64_t max)
{
    put8(r, tag);
    put_le(r, 3 + 5 * width, 2);
    put8(r, type);
    put8(r, 0x0c);
    put8(r, tflags);
    put_le(r, 0, width);
    put_le(r, min, width);
    put_le(r, max, width);
    put_le(r, 0, width);
    put_le(r, max - min + 1, width);
}

void aml_res_word_bus(Aml *r, uint16_t min, uint16_t max)
{
    res_address(r, 0x88, 2, 2, 0, min, max);
}

void aml_res_word_io(Aml *r, uint16_t min, uint16_t max)
{
    res_address(r, 0x88, 2, 1, 0x03 /* entire range */, min, max);
}

void aml_res_dword_memory(Aml *r, uint32_t min, uint32_t max)
{
    res_address(r, 0x87, 4, 0, 0x03 /* cacheable, read-write */, min, max);
}

void aml_res_qword_memory(Aml *r, uint64_t min, uint64_t max)
{
    res_address(r, 0x8a, 8, 0, 0x03, min, max);
}

/* Small I/O port descriptor (§6.4.2.5): 16-bit decode, fixed range. */
void aml_res_io(Aml *r, uint16_t base, uint8_t len)
{
    put8(r, 0x47);
    put8(r, 0x01);
    put_le(r, base, 2);
    put_le(r, base, 2);
    put8(r, 0x01);
    put8(r, len);
}

void aml_res_memory32_fixed(Aml *r, uint32_t base, uint32_t len)
{
    put8(r, 0x86);
    put_le(r, 9, 2);
    put8(r, 0x01); /* read-write */
    put_le(r, base, 4);
    put_le(r, len, 4);
}

/* Small IRQ descriptor (§6.4.2.1): edge, active high. */
void aml_res_irq(Aml *r, unsigned irq)
{
    put8(r, 0x22);
    put_le(r, 1u << irq, 2);
}

Aml *aml_res_template(Aml *r)
{
    put8(r, 0x79); /* End Tag with checksum 0: "treated as checksummed" */
    put8(r, 0x00);
    Aml *buf = aml_buffer(r->data, r->len);
    aml_free(r);
    return buf;
}
