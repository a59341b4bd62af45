/* TCP segmentation offload in software (see gso.h). */
#include "net/gso.h"

#include <glib.h>
#include <string.h>

#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86dd
#define ETH_P_8021Q  0x8100
#define IPPROTO_TCP_ 6
#define IPV6_HLEN    40
#define TCP_MIN_HLEN 20
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

uint32_t net_checksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

uint16_t net_checksum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, (uint16_t)(v >> 16));
    put_be16(p + 2, (uint16_t)v);
}

/* Where the headers are in the frame. */
typedef struct GsoLayout {
    size_t l3, l4, payload; /* offsets of the IP header, TCP header, TCP payload */
    bool v6;
} GsoLayout;

static bool parse_layout(const uint8_t *f, size_t len, NetGsoType type, GsoLayout *g)
{
    size_t l3 = ETH_HLEN;
    if (len < ETH_HLEN)
        return false;
    uint16_t proto = get_be16(f + 12);
    if (proto == ETH_P_8021Q) {
        if (len < ETH_HLEN + 4)
            return false;
        proto = get_be16(f + 16);
        l3 += 4;
    }
    g->v6 = type == NET_GSO_TCPV6;
    if (proto != (g->v6 ? ETH_P_IPV6 : ETH_P_IP))
        return false;
    if (g->v6) {
        if (len < l3 + IPV6_HLEN || f[l3 + 6] != IPPROTO_TCP_)
            return false;
        g->l4 = l3 + IPV6_HLEN;
    } else {
        size_t ihl = (size_t)(f[l3] & 0xf) * 4;
        if (len < l3 + 20 || (f[l3] >> 4) != 4 || ihl < 20 || len < l3 + ihl ||
            f[l3 + 9] != IPPROTO_TCP_)
            return false;
        g->l4 = l3 + ihl;
    }
    if (len < g->l4 + TCP_MIN_HLEN)
        return false;
    size_t thl = (size_t)(f[g->l4 + 12] >> 4) * 4;
    if (thl < TCP_MIN_HLEN || len < g->l4 + thl)
        return false;
    g->l3 = l3;
    g->payload = g->l4 + thl;
    return true;
}

/* The TCP checksum over the pseudo-header (RFC 793 §3.1, RFC 8200 §8.1) and the
 * segment, whose checksum field must be zero. */
static uint16_t tcp_checksum(const uint8_t *seg, const GsoLayout *g, size_t tcp_len)
{
    uint32_t sum = 0;
    if (g->v6)
        sum = net_checksum_add(sum, seg + g->l3 + 8, 32); /* source, destination */
    else
        sum = net_checksum_add(sum, seg + g->l3 + 12, 8);
    sum += IPPROTO_TCP_ + (uint32_t)tcp_len;
    return net_checksum_finish(net_checksum_add(sum, seg + g->l4, tcp_len));
}

/* Headers of segment i carrying [off, off + n) of the payload; last says whether it
 * is the final one. */
static void fix_headers(uint8_t *seg, const GsoLayout *g, unsigned i, size_t off, size_t n,
                        bool last)
{
    size_t tcp_len = g->payload - g->l4 + n;
    uint8_t *ip = seg + g->l3, *tcp = seg + g->l4;
    if (g->v6) {
        put_be16(ip + 4, (uint16_t)tcp_len);
    } else {
        size_t ihl = g->l4 - g->l3;
        put_be16(ip + 2, (uint16_t)(ihl + tcp_len));
        put_be16(ip + 4, (uint16_t)(get_be16(ip + 4) + i)); /* identification */
        put_be16(ip + 10, 0);
        put_be16(ip + 10, net_checksum_finish(net_checksum_add(0, ip, ihl)));
    }
    put_be32(tcp + 4, get_be32(tcp + 4) + (uint32_t)off);
    if (!last)
        tcp[13] &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    if (i > 0)
        tcp[13] &= (uint8_t)~TCP_FLAG_CWR;
    put_be16(tcp + 16, 0);
    put_be16(tcp + 16, tcp_checksum(seg, g, tcp_len));
}

int net_gso_segment(const uint8_t *frame, size_t len, NetGsoType type, uint16_t mss,
                    NetGsoEmit *emit, void *opaque)
{
    GsoLayout g;
    if (mss == 0 || !parse_layout(frame, len, type, &g))
        return -1;
    size_t total = len - g.payload;
    uint8_t *seg = g_malloc(g.payload + mss);
    unsigned count = 0;
    size_t off = 0;
    do {
        size_t n = MIN((size_t)mss, total - off);
        memcpy(seg, frame, g.payload);
        memcpy(seg + g.payload, frame + g.payload + off, n);
        fix_headers(seg, &g, count, off, n, off + n == total);
        emit(opaque, seg, g.payload + n);
        off += n;
        count++;
    } while (off < total);
    g_free(seg);
    return (int)count;
}
