/* SPDX-License-Identifier: MIT */
/* tcp_frame.h -- cutting a TCP byte stream into DNS messages: each message comes after its
 * length in two bytes, network order (RFC 1035 4.2.2, RFC 7766 8). Pure: no I/O, no state. */
#ifndef FDNS_SERVER_TCP_FRAME_H
#define FDNS_SERVER_TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

/** The first message of buf[0..len). When it is all there, *msg and *mlen point at it (inside
 * buf) and the return is the bytes it takes with its prefix (2 + *mlen). Otherwise the return
 * is 0 and *need is how many bytes the first message needs in all (prefix included; 2 while
 * the prefix itself is incomplete), so a reader can size its buffer for it. */
size_t tcp_frame_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *mlen,
                      size_t *need);

#endif
