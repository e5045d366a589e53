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

/* The algorithms, with the length of their HMAC output. RFC 8945 (section 8, "Shared
 * Secrets") says a secret should be at least that long, and RFC 2104 (section 3) calls HMAC
 * keys shorter than the output "strongly discouraged". Shorter than SECRET_MIN (128 bits) is
 * refused: brute force is no longer out of reach. Between the two is accepted, so that keys
 * made for older tools (BIND's dnssec-keygen -b 128) keep working; the docs recommend the
 * HMAC length, which tsig-keygen and keymgr produce. */
static const struct algorithm {
	const char *name;
	size_t hmac_size; /* bytes */
} algorithms[] = {
    {"hmac-sha256", 32},
    {"hmac-sha512", 64},
    {"hmac-sha1", 20},
};

#define NALGORITHMS (sizeof(algorithms) / sizeof(algorithms[0]))
#define SECRET_MIN  16 /* bytes, decoded */

void conf__keys_free(conf_t *conf)
{
	for (size_t i = 0; i < conf->nkeys; i++) {
		free(conf->keys[i].name);
		free(conf->keys[i].algorithm);
		if (conf->keys[i].secret != NULL)
			explicit_bzero(conf->keys[i].secret, strlen(conf->keys[i].secret));
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

/* A key name used by a zone: it must be in keys:. *out is a copy of the name as keys: has it. */
static int key_ref(struct build *b, const yaml_node_t *val, char **out)
{
	char buf[CONF_SHOWN_MAX], *canon;
	size_t pos;

	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, "key", "a key name");
	canon = conf__zone_canon(conf__node_text(val));
	pos = canon ? conf__index_find(&b->key_index, canon) : CONF_INDEX_NONE;
	free(canon);
	if (pos == CONF_INDEX_NONE)
		return conf__fail_at(b, val, "unknown TSIG key %s (not in 'keys')",
		                     conf__shown(conf__node_text(val), buf, sizeof(buf)));
	*out = strdup(b->conf.keys[pos].name);
	return *out ? 0 : FDNS_ENOMEM;
}

/* The decoded length of a base64 secret, or 0 if it is not base64. Nothing of it is kept. */
static size_t secret_size(const char *text)
{
	ldns_rdf *raw = NULL;
	size_t size = 0;

	if (text[0] != '\0' && ldns_str2rdf_b64(&raw, text) == LDNS_STATUS_OK)
		size = ldns_rdf_size(raw);
	if (raw != NULL) {
		explicit_bzero(ldns_rdf_data(raw), ldns_rdf_size(raw));
		ldns_rdf_deep_free(raw);
	}
	return size;
}

/* Appends the key; takes canon over in every case. */
static int key_add(struct build *b, const char *name, char *canon, const char *algorithm,
                   const char *secret)
{
	conf_key_t k = {.name = strdup(name), .algorithm = strdup(algorithm), .secret = NULL};
	char **canons = realloc(b->key_canons, (b->conf.nkeys + 1) * sizeof(*canons));
	conf_key_t *keys;

	if (canons != NULL)
		b->key_canons = canons;
	keys = canons ? realloc(b->conf.keys, (b->conf.nkeys + 1) * sizeof(*keys)) : NULL;
	if (keys != NULL)
		b->conf.keys = keys;
	k.secret = strdup(secret);
	if (keys == NULL || !k.name || !k.algorithm || !k.secret ||
	    conf__index_add(&b->key_index, canon, b->conf.nkeys) != 0) {
		free(k.name);
		free(k.algorithm);
		if (k.secret != NULL)
			explicit_bzero(k.secret, strlen(k.secret));
		free(k.secret);
		free(canon);
		return FDNS_ENOMEM;
	}
	b->key_canons[b->conf.nkeys] = canon;
	b->conf.keys[b->conf.nkeys++] = k;
	return 0;
}

enum { K_NAME, K_ALGORITHM, K_SECRET };
static const char *const key_keys[] = {"name", "algorithm", "secret"};

/* One entry of keys:. Of what it holds, only a valid key name is ever repeated in a message
 * (conf__shown): not the secret, and not whatever else may be a secret in the wrong place. */
static int parse_key(struct build *b, const yaml_node_t *node)
{
	const yaml_node_t *name = NULL, *alg = NULL, *secret = NULL;
	char buf[CONF_SHOWN_MAX], *canon;
	size_t a, size;
	int rc;

	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type_shown(b, node, "keys", "a list of mappings");
	rc = conf__mapping_check(b, node, "key");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		switch (conf__key_find(conf__node_text(key), key_keys, CONF_NKEYS(key_keys))) {
		case K_NAME:
			name = conf__node_get(b, p->value);
			break;
		case K_ALGORITHM:
			alg = conf__node_get(b, p->value);
			break;
		case K_SECRET:
			secret = conf__node_get(b, p->value);
			break;
		default:
			return conf__fail_unknown_shown(b, key, "key", key_keys,
			                                CONF_NKEYS(key_keys));
		}
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
		return conf__fail_type_shown(b, name, "name", "a key name");
	canon = conf__zone_canon(conf__node_text(name));
	if (canon == NULL)
		return conf__fail_at(b, name, "invalid key name %s",
		                     conf__shown(conf__node_text(name), buf, sizeof(buf)));
	if (conf__index_find(&b->key_index, canon) != CONF_INDEX_NONE) {
		free(canon);
		return conf__fail_at(b, name, "duplicate TSIG key %s",
		                     conf__shown(conf__node_text(name), buf, sizeof(buf)));
	}
	for (a = 0; alg->type == YAML_SCALAR_NODE && a < NALGORITHMS &&
	            strcmp(conf__node_text(alg), algorithms[a].name) != 0;
	     a++)
		;
	if (alg->type != YAML_SCALAR_NODE || a == NALGORITHMS) {
		free(canon);
		return conf__fail_type_shown(b, alg, "algorithm",
		                             "hmac-sha256, hmac-sha512 or hmac-sha1");
	}
	/* The secret's text never goes into a message, whatever is wrong with it. */
	if (secret->type != YAML_SCALAR_NODE || conf__node_is_null(secret)) {
		free(canon);
		return conf__fail_type(b, secret, "secret", "a base64 string");
	}
	size = secret_size(conf__node_text(secret));
	if (size == 0) {
		free(canon);
		return conf__fail_at(
		    b, secret, "secret of key %s is not valid base64 (secrets are never shown)",
		    conf__shown(conf__node_text(name), buf, sizeof(buf)));
	}
	if (size < SECRET_MIN) {
		free(canon);
		return conf__fail_at(
		    b, secret,
		    "secret of key %s is too short: %zu bytes (at least %d; %zu, the "
		    "size of the %s output, recommended)",
		    conf__shown(conf__node_text(name), buf, sizeof(buf)), size, SECRET_MIN,
		    algorithms[a].hmac_size, algorithms[a].name);
	}
	return key_add(b, conf__node_text(name), canon, algorithms[a].name,
	               conf__node_text(secret));
}

int conf__keys_parse(struct build *b, const yaml_node_t *node)
{
	int rc = 0;

	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type_shown(b, node, "keys", "a list");
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     rc == 0 && it < node->data.sequence.items.top; it++)
		rc = parse_key(b, conf__node_get(b, *it));
	return rc;
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

enum { T_ADDRESS, T_KEY };
static const char *const entry_keys[] = {"address", "key"};

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
		switch (conf__key_find(conf__node_text(k), entry_keys, CONF_NKEYS(entry_keys))) {
		case T_ADDRESS:
			*addr = conf__node_get(b, p->value);
			break;
		case T_KEY:
			keyval = conf__node_get(b, p->value);
			break;
		default:
			return conf__fail_unknown_shown(b, k, what, entry_keys,
			                                CONF_NKEYS(entry_keys));
		}
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

	if (rc == 0 && conf__cidr_parse(conf__node_text(addr), &item.addr, &item.prefix) != 0)
		rc = conf__fail_type_shown(b, addr, "allow-transfer address",
		                           "an IPv4 or IPv6 address or ADDRESS/PREFIX");
	else if (rc == 0 && conf__cidr_host_bits(&item.addr, item.prefix))
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
		rc = conf__fail_type_shown(b, addr, "notify address",
		                           "IPv4[:PORT], IPv6 or [IPv6]:PORT");
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
		return conf__fail_type_shown(b, val, conf__node_text(key), "a list");
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     rc == 0 && it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = conf__node_get(b, *it);
		rc = notify ? parse_notify_entry(b, zone, item) : parse_acl_entry(b, zone, item);
	}
	return rc;
}
