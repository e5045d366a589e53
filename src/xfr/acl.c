/* SPDX-License-Identifier: MIT */
/* acl.c -- matching a client address against allow-transfer entries, and addresses as text
 * for the log lines that name refused clients. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "xfr/xfr_internal.h"

/* An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is compared as the IPv4 address. */
static const uint8_t *peer_bytes(const struct sockaddr *peer, int *family)
{
	if (peer->sa_family == AF_INET) {
		*family = AF_INET;
		return (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	}
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)peer)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		*family = AF_INET;
		return a6->s6_addr + 12;
	}
	*family = AF_INET6;
	return a6->s6_addr;
}

bool xfr__addr_match(const struct sockaddr *peer, const struct sockaddr_storage *net,
                     unsigned prefix)
{
	int family;
	const uint8_t *a = peer_bytes(peer, &family);
	if (family != net->ss_family)
		return false;
	const uint8_t *b = family == AF_INET
	                       ? (const uint8_t *)&((const struct sockaddr_in *)net)->sin_addr
	                       : ((const struct sockaddr_in6 *)net)->sin6_addr.s6_addr;
	unsigned full = prefix / 8, rest = prefix % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

void xfr__addr_text(const struct sockaddr *peer, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)peer;
		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
	} else if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)peer;
		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, len, "%s#%u", host, port);
}
