/* Software TCP segmentation (what a NIC with TSO does in hardware): one large TCP
 * frame a driver handed over with a segment size becomes MSS-sized frames, each with
 * its own IP length, IPv4 identification and header checksum, TCP sequence number,
 * flags and a full TCP checksum (RFC 793, RFC 791; the virtio view is virtio 1.1
 * §5.1.6.2: gso_type TCPV4/TCPV6, gso_size the MSS). Backends then get only ordinary
 * frames of the link's MTU. */
#ifndef PACIFICA_NET_GSO_H
#define PACIFICA_NET_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum NetGsoType { NET_GSO_TCPV4, NET_GSO_TCPV6 } NetGsoType;

/* Receives each segment (valid during the call). */
typedef void NetGsoEmit(void *opaque, const uint8_t *frame, size_t len);

/* Splits frame (Ethernet, optionally one 802.1Q tag, then IPv4 or IPv6 without
 * extension headers, then TCP) into segments of at most mss payload bytes. Returns
 * the number of segments, or -1 if the frame is not such a TCP frame (nothing is
 * emitted then). */
int net_gso_segment(const uint8_t *frame, size_t len, NetGsoType type, uint16_t mss,
                    NetGsoEmit *emit, void *opaque);

/* The Internet checksum (RFC 1071) of data added to a partial sum; fold with
 * net_checksum_finish. */
uint32_t net_checksum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t net_checksum_finish(uint32_t sum);

#endif
