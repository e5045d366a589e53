/* SPDX-License-Identifier: MIT */
/* rrl.c -- server: rate-limit: (response rate limiting, see docs/configuration.md). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

static const struct conf_uint_key rrl_keys[] = {
    {"responses-per-second", offsetof(conf_rrl_t, rate), 0, 1000000},
    {"burst", offsetof(conf_rrl_t, burst), 1, 10000000},
    {"slip", offsetof(conf_rrl_t, slip), 0, 10},
    {"ipv4-prefix", offsetof(conf_rrl_t, ipv4_prefix), 8, 32},
    {"ipv6-prefix", offsetof(conf_rrl_t, ipv6_prefix), 16, 128},
    {"table-size", offsetof(conf_rrl_t, table_size), 1024, 16777216},
};

static int exempt_add(conf_rrl_t *rrl, const struct sockaddr_storage *ss, unsigned prefix)
{
	conf_prefix_t p = {.addr = *ss, .prefix = prefix};
	return conf__prefix_append(&rrl->exempt, &rrl->nexempt, &p);
}

static int exempt_item_parse(struct build *b, const yaml_node_t *item, void *ctx)
{
	conf_rrl_t *rrl = ctx;
	conf_prefix_t p;
	int rc = conf__prefix_parse(b, item, "exempt", "exempt address", &p);
	return rc ? rc : conf__prefix_append(&rrl->exempt, &rrl->nexempt, &p);
}

static int parse_exempt(struct build *b, conf_rrl_t *rrl, const yaml_node_t *val)
{
	rrl->exempt_set = true;
	if (conf__node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, val, "exempt", "a list of ADDRESS[/PREFIX]");
	return conf__list_each(b, val, exempt_item_parse, rrl);
}

/* The keys that are not integers (rrl_keys). */
enum { R_EXEMPT };
static const char *const rrl_other_keys[] = {"exempt"};

static int fail_unknown_rrl_key(struct build *b, const yaml_node_t *key)
{
	const char *known[CONF_NKEYS(rrl_keys) + CONF_NKEYS(rrl_other_keys)];
	size_t n = conf__uint_key_names(rrl_keys, CONF_NKEYS(rrl_keys), known);
	for (size_t i = 0; i < CONF_NKEYS(rrl_other_keys); i++)
		known[n++] = rrl_other_keys[i];
	return conf__fail_unknown(b, key, "'rate-limit'", known, n);
}

static int parse_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val, void *ctx)
{
	conf_rrl_t *rrl = ctx;
	const char *name = conf__node_text(key);
	if (conf__key_find(name, rrl_other_keys, CONF_NKEYS(rrl_other_keys)) == R_EXEMPT)
		return parse_exempt(b, rrl, val);
	int rc = conf__uint_key_parse(b, rrl_keys, CONF_NKEYS(rrl_keys), rrl, key, val);
	return rc != 1 ? rc : fail_unknown_rrl_key(b, key);
}

int conf__rrl_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	return conf__mapping_each(b, node, "rate-limit", parse_key, &b->conf.rrl);
}

int conf__rrl_defaults(conf_rrl_t *rrl)
{
	if (rrl->burst == 0)
		rrl->burst = rrl->rate ? rrl->rate : 1;
	if (rrl->exempt_set)
		return 0;
	/* Loopback sources cannot be spoofed from the network, which is what rate limiting is
	 * against, and they are the host's own tools and resolver. */
	struct sockaddr_storage v4 = {.ss_family = AF_INET}, v6 = {.ss_family = AF_INET6};
	inet_pton(AF_INET, "127.0.0.0", &((struct sockaddr_in *)&v4)->sin_addr);
	inet_pton(AF_INET6, "::1", &((struct sockaddr_in6 *)&v6)->sin6_addr);
	int rc = exempt_add(rrl, &v4, 8);
	return rc ? rc : exempt_add(rrl, &v6, 128);
}
