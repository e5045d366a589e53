/* SPDX-License-Identifier: MIT */
/* name.c -- the wire name helpers that are not inline (see name.h). */
#include <string.h>

#include "fleetdns/query.h"
#include "wire/name.h"

size_t wire_name_len(const uint8_t *msg, size_t len, size_t pos)
{
	for (size_t p = pos;; p += 1u + msg[p]) {
		if (p >= len || msg[p] > 63)
			return 0;
		if (msg[p] == 0)
			return p + 1 - pos;
		if (p - pos + 1u + msg[p] + 1u > DNS_NAME_MAX) /* the label, then the root */
			return 0;
	}
}

bool wire_name_under(const uint8_t *name, size_t len, const uint8_t *at, size_t at_len)
{
	size_t off = 0;
	while (len - off > at_len && name[off] != 0)
		off += 1u + name[off];
	return len - off == at_len && memcmp(name + off, at, at_len) == 0;
}
