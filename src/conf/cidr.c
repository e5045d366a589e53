/* SPDX-License-Identifier: MIT */
/* cidr.c -- address blocks as written in the configuration: "192.0.2.0/24", "2001:db8::/32"
 * or a single address. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

int conf__cidr_parse(const char *text, struct sockaddr_storage *ss, unsigned *prefix)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;

	memset(ss, 0, sizeof(*ss));
	if (len == 0 || len >= sizeof(host))
		return FDNS_EADDR;
	memcpy(host, text, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		max = 128;
	} else {
		return FDNS_EADDR;
	}
	*prefix = max;
	if (slash) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || p > max)
			return FDNS_EADDR;
		*prefix = (unsigned)p;
	}
	return 0;
}

bool conf__cidr_host_bits(const struct sockaddr_storage *ss, unsigned prefix)
{
	const uint8_t *a = ss->ss_family == AF_INET
	                       ? (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr
	                       : ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	unsigned n = ss->ss_family == AF_INET ? 4 : 16;
	for (unsigned i = prefix / 8; i < n; i++) {
		uint8_t mask = i == prefix / 8 ? (uint8_t)(0xFF >> (prefix % 8)) : 0xFF;
		if (a[i] & mask)
			return true;
	}
	return false;
}
