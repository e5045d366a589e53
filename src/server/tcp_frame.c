/* SPDX-License-Identifier: MIT */
/* tcp_frame.c -- the two-byte length prefix of DNS over TCP. */
#include "server/tcp_frame.h"
#include "wire/bytes.h"

size_t tcp_frame_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *mlen,
                      size_t *need)
{
	*msg = NULL;
	*mlen = 0;
	if (len < 2) {
		*need = 2;
		return 0;
	}
	size_t n = wire_rd16(buf);
	*need = 2 + n;
	if (len < 2 + n)
		return 0;
	*msg = buf + 2;
	*mlen = n;
	return 2 + n;
}
