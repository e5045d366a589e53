/* SPDX-License-Identifier: MIT */
/* cidr.c -- address blocks as written in the configuration: "192.0.2.0/24", "2001:db8::/32"
 * or a single address, and the lists of them (rate-limit: exempt:, a site's clients:). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

int conf__cidr_parse(const char *text, struct sockaddr_storage *ss, unsigned *prefix)
{
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	memset(ss, 0, sizeof(*ss));
	char host[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(host))
		return FDNS_EADDR;
	memcpy(host, text, len);
	host[len] = '\0';
	unsigned max;
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

int conf__fail_host_bits(struct build *b, const yaml_node_t *node, const char *what,
                         unsigned prefix)
{
	return conf__fail_at(b, node, "%s '%s' has bits set past its /%u prefix", what,
	                     conf__node_text(node), prefix);
}

int conf__prefix_parse(struct build *b, const yaml_node_t *item, const char *key, const char *what,
                       conf_prefix_t *out)
{
	if (item->type != YAML_SCALAR_NODE)
		return conf__fail_type(b, item, key, "a list of ADDRESS[/PREFIX]");
	const char *text = conf__node_text(item);
	if (conf__cidr_parse(text, &out->addr, &out->prefix) != 0)
		return conf__fail_at(b, item, "invalid %s '%s' (ADDRESS[/PREFIX])", what, text);
	if (conf__cidr_host_bits(&out->addr, out->prefix))
		return conf__fail_host_bits(b, item, what, out->prefix);
	return 0;
}

int conf__prefix_append(conf_prefix_t **v, size_t *n, const conf_prefix_t *p)
{
	conf_prefix_t *grown = realloc(*v, (*n + 1) * sizeof(*grown));
	if (!grown)
		return FDNS_ENOMEM;
	*v = grown;
	grown[(*n)++] = *p;
	return 0;
}
