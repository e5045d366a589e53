/* SPDX-License-Identifier: MIT */
/* xfr.c -- what zone transfers need from the config: the top-level keys: list (TSIG keys) and
 * each zone's notify: targets and allow-transfer: list.
 *
 *   keys:
 *     - { name: xfr, algorithm: hmac-sha256, secret: "base64..." }
 *   zones:
 *     - name: fleet.internal
 *       allow-transfer: [{ address: 192.0.2.0/24, key: xfr }, "127.0.0.1"]
 *       notify: ["192.0.2.53", "192.0.2.54:5300", { address: "[2001:db8::53]:53", key: xfr }]
 *
 * keys: is parsed before every other section, so a key a zone names is checked where it is
 * named and the error points there.
 */
#include "config.h"

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

static const char *const algorithms[] = {"hmac-sha256", "hmac-sha512", "hmac-sha1"};

void conf__keys_free(conf_t *conf)
{
	for (size_t i = 0; i < conf->nkeys; i++) {
		free(conf->keys[i].name);
		free(conf->keys[i].algorithm);
		free(conf->keys[i].secret);
	}
	free(conf->keys);
	conf->keys = NULL;
	conf->nkeys = 0;
}

void conf__zone_xfr_free(conf_zone_t *zone)
{
	for (size_t i = 0; i < zone->nnotify; i++) {
		free(zone->notify[i].key);
		free(zone->notify[i].text);
	}
	free(zone->notify);
	for (size_t i = 0; i < zone->nallow_transfer; i++) {
		free(zone->allow_transfer[i].key);
		free(zone->allow_transfer[i].text);
	}
	free(zone->allow_transfer);
	zone->notify = NULL;
	zone->allow_transfer = NULL;
	zone->nnotify = zone->nallow_transfer = 0;
}

static bool same_name(const char *a, const char *b)
{
	char *ca = conf__zone_canon(a), *cb = conf__zone_canon(b);
	bool same = ca && cb && strcmp(ca, cb) == 0;
	free(ca);
	free(cb);
	return same;
}

/* A key name used by a zone: it must be in keys:. *out is a copy of the name as keys: has it. */
static int key_ref(struct build *b, const yaml_node_t *val, char **out)
{
	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, "key", "a key name");
	for (size_t i = 0; i < b->conf.nkeys; i++)
		if (same_name(b->conf.keys[i].name, conf__node_text(val))) {
			*out = strdup(b->conf.keys[i].name);
			return *out ? 0 : FDNS_ENOMEM;
		}
	return conf__fail_at(b, val, "unknown TSIG key '%s' (not in 'keys')", conf__node_text(val));
}

static int parse_key(struct build *b, const yaml_node_t *node)
{
	const yaml_node_t *name = NULL, *alg = NULL, *secret = NULL;
	conf_key_t *keys, *k;
	int rc;

	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, "keys", "a list of mappings");
	rc = conf__mapping_check(b, node, "key");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		const char *text = conf__node_text(key);
		if (strcmp(text, "name") == 0)
			name = conf__node_get(b, p->value);
		else if (strcmp(text, "algorithm") == 0)
			alg = conf__node_get(b, p->value);
		else if (strcmp(text, "secret") == 0)
			secret = conf__node_get(b, p->value);
		else
			return conf__fail_at(b, key, "unknown key '%s' in key", text);
	}
	if (rc != 0)
		return rc;
	if (name == NULL || alg == NULL || secret == NULL)
		return conf__fail_at(b, node,
		                     "a key needs 'name', 'algorithm' and 'secret' (no '%s')",
		                     !name  ? "name"
		                     : !alg ? "algorithm"
		                            : "secret");
	if (name->type != YAML_SCALAR_NODE || conf__node_is_null(name))
		return conf__fail_type(b, name, "name", "a key name");
	char *canon = conf__zone_canon(conf__node_text(name));
	free(canon);
	if (canon == NULL)
		return conf__fail_at(b, name, "invalid key name '%s'", conf__node_text(name));
	for (size_t i = 0; i < b->conf.nkeys; i++)
		if (same_name(b->conf.keys[i].name, conf__node_text(name)))
			return conf__fail_at(b, name, "duplicate TSIG key '%s'",
			                     conf__node_text(name));
	size_t a = 0;
	while (alg->type == YAML_SCALAR_NODE && a < sizeof(algorithms) / sizeof(algorithms[0]) &&
	       strcmp(conf__node_text(alg), algorithms[a]) != 0)
		a++;
	if (alg->type != YAML_SCALAR_NODE || a == sizeof(algorithms) / sizeof(algorithms[0]))
		return conf__fail_type(b, alg, "algorithm",
		                       "hmac-sha256, hmac-sha512 or hmac-sha1");
	ldns_rdf *raw = NULL;
	if (secret->type != YAML_SCALAR_NODE || conf__node_text(secret)[0] == '\0' ||
	    ldns_str2rdf_b64(&raw, conf__node_text(secret)) != LDNS_STATUS_OK ||
	    ldns_rdf_size(raw) == 0) {
		ldns_rdf_deep_free(raw);
		return conf__fail_type(b, secret, "secret", "a base64 string");
	}
	ldns_rdf_deep_free(raw);
	keys = realloc(b->conf.keys, (b->conf.nkeys + 1) * sizeof(*keys));
	if (keys == NULL)
		return FDNS_ENOMEM;
	b->conf.keys = keys;
	k = &keys[b->conf.nkeys++];
	k->name = strdup(conf__node_text(name));
	k->algorithm = strdup(algorithms[a]);
	k->secret = strdup(conf__node_text(secret));
	return k->name && k->algorithm && k->secret ? 0 : FDNS_ENOMEM;
}

int conf__keys_parse(struct build *b, const yaml_node_t *node)
{
	int rc = 0;

	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "keys", "a list");
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     rc == 0 && it < node->data.sequence.items.top; it++)
		rc = parse_key(b, conf__node_get(b, *it));
	return rc;
}

/* "192.0.2.0/24", "2001:db8::/32" or a single address. */
static int cidr_parse(const char *text, struct sockaddr_storage *ss, unsigned *prefix)
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

/* Whether addr has bits set past prefix ("192.0.2.1/24"): such an entry would silently
 * allow the whole network. */
static bool cidr_host_bits(const struct sockaddr_storage *ss, unsigned prefix)
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

/* "192.0.2.1", "192.0.2.1:5300", "2001:db8::1" or "[2001:db8::1]:5300"; port 53 by default. */
static int target_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[INET6_ADDRSTRLEN + 16];
	const char *colon = strchr(text, ':');

	if (strlen(text) + 8 >= sizeof(buf))
		return FDNS_EADDR;
	if (text[0] != '[' && colon != NULL && strchr(colon + 1, ':') != NULL)
		snprintf(buf, sizeof(buf), "[%s]:53", text); /* bare IPv6 */
	else if (text[0] != '[' && colon == NULL)
		snprintf(buf, sizeof(buf), "%s:53", text);
	else if (text[0] == '[' && strchr(text, ']') != NULL && strchr(text, ']')[1] == '\0')
		snprintf(buf, sizeof(buf), "%s:53", text);
	else
		snprintf(buf, sizeof(buf), "%s", text);
	return conf_addr_parse(buf, ss, len);
}

/* An entry: "ADDRESS" or { address: ADDRESS, key: NAME }. */
static int entry_parse(struct build *b, const yaml_node_t *node, const char *what,
                       const yaml_node_t **addr, char **key)
{
	*addr = node;
	*key = NULL;
	if (node->type == YAML_SCALAR_NODE && !conf__node_is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, what, "an address or {address, key}");
	int rc = conf__mapping_check(b, node, what);
	const yaml_node_t *keyval = NULL;
	*addr = NULL;
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = conf__node_get(b, p->key);
		if (strcmp(conf__node_text(k), "address") == 0)
			*addr = conf__node_get(b, p->value);
		else if (strcmp(conf__node_text(k), "key") == 0)
			keyval = conf__node_get(b, p->value);
		else
			return conf__fail_at(b, k, "unknown key '%s' in %s", conf__node_text(k),
			                     what);
	}
	if (rc != 0)
		return rc;
	if (*addr == NULL)
		return conf__fail_at(b, node, "%s entry has no 'address'", what);
	if ((*addr)->type != YAML_SCALAR_NODE || conf__node_is_null(*addr))
		return conf__fail_type(b, *addr, "address", "an address");
	/* key: ~ is an error, not "no key": an empty template value must not open the zone */
	return keyval ? key_ref(b, keyval, key) : 0;
}

static int parse_acl_entry(struct build *b, conf_zone_t *zone, const yaml_node_t *node)
{
	const yaml_node_t *addr;
	char *key = NULL;
	int rc = entry_parse(b, node, "allow-transfer", &addr, &key);
	conf_acl_t item = {.key = key};

	if (rc == 0 && cidr_parse(conf__node_text(addr), &item.addr, &item.prefix) != 0)
		rc = conf__fail_type(b, addr, "allow-transfer address",
		                     "an IPv4 or IPv6 address or ADDRESS/PREFIX");
	else if (rc == 0 && cidr_host_bits(&item.addr, item.prefix))
		rc = conf__fail_at(b, addr,
		                   "allow-transfer address '%s' has bits set past its /%u prefix",
		                   conf__node_text(addr), item.prefix);
	conf_acl_t *grown =
	    rc == 0 ? realloc(zone->allow_transfer, (zone->nallow_transfer + 1) * sizeof(*grown))
	            : NULL;
	if (rc == 0 && grown == NULL)
		rc = FDNS_ENOMEM;
	if (rc == 0) {
		zone->allow_transfer = grown;
		item.text = strdup(conf__node_text(addr));
		zone->allow_transfer[zone->nallow_transfer++] = item;
		return item.text ? 0 : FDNS_ENOMEM;
	}
	free(key);
	return rc;
}

static int parse_notify_entry(struct build *b, conf_zone_t *zone, const yaml_node_t *node)
{
	const yaml_node_t *addr;
	char *key = NULL;
	int rc = entry_parse(b, node, "notify", &addr, &key);
	conf_notify_t item = {.key = key};

	if (rc == 0 && target_parse(conf__node_text(addr), &item.addr, &item.addrlen) != 0)
		rc = conf__fail_type(b, addr, "notify address", "IPv4[:PORT], IPv6 or [IPv6]:PORT");
	conf_notify_t *grown =
	    rc == 0 ? realloc(zone->notify, (zone->nnotify + 1) * sizeof(*grown)) : NULL;
	if (rc == 0 && grown == NULL)
		rc = FDNS_ENOMEM;
	if (rc == 0) {
		zone->notify = grown;
		item.text = strdup(conf__node_text(addr));
		zone->notify[zone->nnotify++] = item;
		return item.text ? 0 : FDNS_ENOMEM;
	}
	free(key);
	return rc;
}

int conf__zone_xfr_parse(struct build *b, conf_zone_t *zone, const yaml_node_t *key,
                         const yaml_node_t *val)
{
	bool notify = strcmp(conf__node_text(key), "notify") == 0;
	int rc = 0;

	if (conf__node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, val, conf__node_text(key), "a list");
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     rc == 0 && it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = conf__node_get(b, *it);
		rc = notify ? parse_notify_entry(b, zone, item) : parse_acl_entry(b, zone, item);
	}
	return rc;
}
