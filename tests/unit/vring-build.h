/* Building split virtqueues by hand in a test's guest RAM (virtio 1.1 §2.6: 16-byte
 * descriptors, little-endian rings), for the unit tests of hw/virtio.c and the devices
 * on it. */
#ifndef PACIFICA_TESTS_UNIT_VRING_BUILD_H
#define PACIFICA_TESTS_UNIT_VRING_BUILD_H

#include <stdint.h>

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Descriptor i of the table at guest address table. */
static inline void vring_put_desc(uint8_t *ram, uint64_t table, unsigned i, uint64_t addr,
                                  uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t *d = ram + table + 16 * i;
    for (int b = 0; b < 8; b++)
        d[b] = (uint8_t)(addr >> (8 * b));
    for (int b = 0; b < 4; b++)
        d[8 + b] = (uint8_t)(len >> (8 * b));
    put16(d + 12, flags);
    put16(d + 14, next);
}

#endif
