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
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

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

/* Zeroes a secret before it is freed: the heap may be handed out again. */
static void secret_free(char *secret)
{
	if (secret)
		explicit_bzero(secret, strlen(secret));
	free(secret);
}

void conf__keys_free(conf_t *conf)
{
	for (size_t i = 0; i < conf->nkeys; i++) {
		free(conf->keys[i].name);
		free(conf->keys[i].algorithm);
		secret_free(conf->keys[i].secret);
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
	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, "key", "a key name");
	char *canon = conf__zone_canon(conf__node_text(val));
	size_t pos = canon ? conf__index_find(&b->key_index, canon) : CONF_INDEX_NONE;
	free(canon);
	char buf[CONF_SHOWN_MAX];
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
	if (raw) {
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
	if (canons)
		b->key_canons = canons;
	conf_key_t *keys =
	    canons ? realloc(b->conf.keys, (b->conf.nkeys + 1) * sizeof(*keys)) : NULL;
	if (keys)
		b->conf.keys = keys;
	k.secret = strdup(secret);
	if (!keys || !k.name || !k.algorithm || !k.secret ||
	    conf__index_add(&b->key_index, canon, b->conf.nkeys) != 0) {
		free(k.name);
		free(k.algorithm);
		secret_free(k.secret);
		free(canon);
		return FDNS_ENOMEM;
	}
	b->key_canons[b->conf.nkeys] = canon;
	b->conf.keys[b->conf.nkeys++] = k;
	return 0;
}

enum { K_NAME, K_ALGORITHM, K_SECRET, K_NKEYS };
static const char *const key_keys[K_NKEYS] = {"name", "algorithm", "secret"};
static const struct conf_keyset key_keyset = {"key", "key", key_keys, K_NKEYS, true};

/* The key's name, valid and not taken yet: its canonical form in *canon (malloc'ed). */
static int key_name_parse(struct build *b, const yaml_node_t *name, char **canon)
{
	if (name->type != YAML_SCALAR_NODE || conf__node_is_null(name))
		return conf__fail_type_shown(b, name, "name", "a key name");
	char buf[CONF_SHOWN_MAX];
	*canon = conf__zone_canon(conf__node_text(name));
	if (!*canon)
		return conf__fail_at(b, name, "invalid key name %s",
		                     conf__shown(conf__node_text(name), buf, sizeof(buf)));
	if (conf__index_find(&b->key_index, *canon) != CONF_INDEX_NONE) {
		free(*canon);
		*canon = NULL;
		return conf__fail_at(b, name, "duplicate TSIG key %s",
		                     conf__shown(conf__node_text(name), buf, sizeof(buf)));
	}
	return 0;
}

/* The algorithm alg names, or NULL. */
static const struct algorithm *algorithm_find(const yaml_node_t *alg)
{
	for (size_t a = 0; alg->type == YAML_SCALAR_NODE && a < NALGORITHMS; a++)
		if (strcmp(conf__node_text(alg), algorithms[a].name) == 0)
			return &algorithms[a];
	return NULL;
}

/* The secret of key name (for messages), for algorithm alg: base64, long enough. The
 * secret's text never goes into a message, whatever is wrong with it. */
static int secret_check(struct build *b, const yaml_node_t *secret, const yaml_node_t *name,
                        const struct algorithm *alg)
{
	if (secret->type != YAML_SCALAR_NODE || conf__node_is_null(secret))
		return conf__fail_type(b, secret, "secret", "a base64 string");
	size_t size = secret_size(conf__node_text(secret));
	char buf[CONF_SHOWN_MAX];
	if (size == 0)
		return conf__fail_at(
		    b, secret, "secret of key %s is not valid base64 (secrets are never shown)",
		    conf__shown(conf__node_text(name), buf, sizeof(buf)));
	if (size < SECRET_MIN)
		return conf__fail_at(
		    b, secret,
		    "secret of key %s is too short: %zu bytes (at least %d; %zu, the "
		    "size of the %s output, recommended)",
		    conf__shown(conf__node_text(name), buf, sizeof(buf)), size, SECRET_MIN,
		    alg->hmac_size, alg->name);
	return 0;
}

/* One entry of keys:. Of what it holds, only a valid key name is ever repeated in a message
 * (conf__shown): not the secret, and not whatever else may be a secret in the wrong place. */
static int parse_key(struct build *b, const yaml_node_t *node, void *ctx)
{
	(void)ctx;
	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type_shown(b, node, "keys", "a list of mappings");
	const yaml_node_t *v[K_NKEYS];
	int rc = conf__mapping_collect(b, node, &key_keyset, v, NULL);
	if (rc != 0)
		return rc;
	for (size_t k = 0; k < K_NKEYS; k++)
		if (!v[k])
			return conf__fail_at(
			    b, node, "a key needs 'name', 'algorithm' and 'secret' (no '%s')",
			    key_keys[k]);
	char *canon;
	rc = key_name_parse(b, v[K_NAME], &canon);
	if (rc != 0)
		return rc;
	const struct algorithm *alg = algorithm_find(v[K_ALGORITHM]);
	if (!alg)
		rc = conf__fail_type_shown(b, v[K_ALGORITHM], "algorithm",
		                           "hmac-sha256, hmac-sha512 or hmac-sha1");
	else
		rc = secret_check(b, v[K_SECRET], v[K_NAME], alg);
	if (rc != 0) {
		free(canon);
		return rc;
	}
	return key_add(b, conf__node_text(v[K_NAME]), canon, alg->name,
	               conf__node_text(v[K_SECRET]));
}

int conf__keys_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type_shown(b, node, "keys", "a list");
	return conf__list_each(b, node, parse_key, NULL);
}

/* "192.0.2.1", "192.0.2.1:5300", "2001:db8::1" or "[2001:db8::1]:5300"; port 53 by default. */
static int target_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[INET6_ADDRSTRLEN + 16];
	if (strlen(text) + 8 >= sizeof(buf))
		return FDNS_EADDR;
	const char *colon = strchr(text, ':');
	const char *bracket = strchr(text, ']');
	if (text[0] != '[' && colon && strchr(colon + 1, ':'))
		snprintf(buf, sizeof(buf), "[%s]:53", text); /* bare IPv6 */
	else if (text[0] != '[' && !colon)
		snprintf(buf, sizeof(buf), "%s:53", text);
	else if (text[0] == '[' && bracket && bracket[1] == '\0')
		snprintf(buf, sizeof(buf), "%s:53", text);
	else
		snprintf(buf, sizeof(buf), "%s", text);
	return conf_addr_parse(buf, ss, len);
}

enum { T_ADDRESS, T_KEY, T_NKEYS };
static const char *const entry_keys[T_NKEYS] = {"address", "key"};

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
	const struct conf_keyset keyset = {what, what, entry_keys, T_NKEYS, true};
	const yaml_node_t *v[T_NKEYS];
	*addr = NULL;
	int rc = conf__mapping_collect(b, node, &keyset, v, NULL);
	if (rc != 0)
		return rc;
	*addr = v[T_ADDRESS];
	if (!*addr)
		return conf__fail_at(b, node, "%s entry has no 'address'", what);
	if ((*addr)->type != YAML_SCALAR_NODE || conf__node_is_null(*addr))
		return conf__fail_type(b, *addr, "address", "an address");
	/* key: ~ is an error, not "no key": an empty template value must not open the zone */
	return v[T_KEY] ? key_ref(b, v[T_KEY], key) : 0;
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
		rc = conf__fail_host_bits(b, addr, "allow-transfer address", item.prefix);
	conf_acl_t *grown =
	    rc == 0 ? realloc(zone->allow_transfer, (zone->nallow_transfer + 1) * sizeof(*grown))
	            : NULL;
	if (rc == 0 && !grown)
		rc = FDNS_ENOMEM;
	if (rc != 0) {
		free(key);
		return rc;
	}
	zone->allow_transfer = grown;
	item.text = strdup(conf__node_text(addr));
	zone->allow_transfer[zone->nallow_transfer++] = item;
	return item.text ? 0 : FDNS_ENOMEM;
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
	if (rc == 0 && !grown)
		rc = FDNS_ENOMEM;
	if (rc != 0) {
		free(key);
		return rc;
	}
	zone->notify = grown;
	item.text = strdup(conf__node_text(addr));
	zone->notify[zone->nnotify++] = item;
	return item.text ? 0 : FDNS_ENOMEM;
}

/* What parse_xfr_entry needs: the zone, and which list it reads. */
struct xfr_list {
	conf_zone_t *zone;
	bool notify;
};

static int parse_xfr_entry(struct build *b, const yaml_node_t *item, void *ctx)
{
	const struct xfr_list *list = ctx;
	return list->notify ? parse_notify_entry(b, list->zone, item)
	                    : parse_acl_entry(b, list->zone, item);
}

int conf__zone_xfr_parse(struct build *b, conf_zone_t *zone, const yaml_node_t *key,
                         const yaml_node_t *val)
{
	if (conf__node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type_shown(b, val, conf__node_text(key), "a list");
	struct xfr_list list = {zone, strcmp(conf__node_text(key), "notify") == 0};
	return conf__list_each(b, val, parse_xfr_entry, &list);
}
