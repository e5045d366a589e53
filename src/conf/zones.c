/* SPDX-License-Identifier: MIT */
/* zones.c -- the zones: section and --zone ORIGIN[=FILE]: which zones are served, from which
 * master files, the SOA and NS of the zones without one (soa:, ns:), and which zone is the
 * catalog zone (catalog:, RFC 9432) and which zones it leaves out (catalog-member:). Zone
 * names are compared in their canonical (lower case, absolute) form. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#define SOA_TIMER_MAX   2147483647u /* RFC 2181 8's bound for TTLs, for every timer */
#define SOA_MINIMUM_MAX 86400u      /* RFC 2308 5: the negative TTL; 1 to 3 hours advised */

/* What a zone without file: gets until soa: says otherwise. */
static const conf_zone_gen_t gen_defaults = {.refresh = CONF_DEFAULT_SOA_REFRESH,
                                             .retry = CONF_DEFAULT_SOA_RETRY,
                                             .expire = CONF_DEFAULT_SOA_EXPIRE,
                                             .minimum = CONF_DEFAULT_SOA_MINIMUM};

char *conf__zone_canon(const char *name)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	if (!dname)
		return NULL;
	ldns_dname2canonical(dname);
	char *canon = ldns_rdf2str(dname);
	ldns_rdf_deep_free(dname);
	return canon;
}

struct zone_key *conf__zone_find(struct build *b, const char *canon)
{
	size_t pos = conf__index_find(&b->zone_index, canon);
	return pos == CONF_INDEX_NONE ? NULL : &b->keys[pos];
}

int conf__zone_add(struct build *b, const char *name, char *canon, const char *file, size_t line)
{
	conf_t *conf = &b->conf;
	conf_zone_t zone = {
	    .name = strdup(name), .file = file ? strdup(file) : NULL, .gen = gen_defaults};
	if (!zone.name || (file && !zone.file))
		goto fail;
	conf_zone_t *zones = realloc(conf->zones, (conf->nzones + 1) * sizeof(*zones));
	if (!zones)
		goto fail;
	conf->zones = zones;
	struct zone_key *keys = realloc(b->keys, (conf->nzones + 1) * sizeof(*keys));
	if (!keys)
		goto fail;
	b->keys = keys;
	if (conf__index_add(&b->zone_index, canon, conf->nzones) != 0)
		goto fail;
	b->keys[conf->nzones] = (struct zone_key){.canon = canon, .line = line};
	conf->zones[conf->nzones++] = zone;
	return 0;
fail:
	free(zone.name);
	free(zone.file);
	free(canon);
	return FDNS_ENOMEM;
}

void conf__zone_gen_free(conf_zone_t *zone)
{
	conf_zone_gen_t *gen = &zone->gen;
	free(gen->mname);
	free(gen->rname);
	for (size_t i = 0; i < gen->nns; i++) {
		for (size_t k = 0; k < gen->ns[i].naddresses; k++)
			free(gen->ns[i].addresses[k]);
		free(gen->ns[i].addresses);
		free(gen->ns[i].name);
	}
	free(gen->ns);
	*gen = gen_defaults;
}

/* RFC 952 and RFC 1123 2.1: dot-separated labels of letters, digits and hyphens, neither
 * starting nor ending with a hyphen; a trailing dot is allowed. What BIND's check-names
 * asks of a name server's name, which must have an address record. */
static bool host_name_valid(const char *text)
{
	if (text[0] == '\0' || strcmp(text, ".") == 0)
		return false;
	size_t label = 0;
	for (const char *c = text;; c++) {
		if (*c == '.' || *c == '\0') {
			if (label == 0 ? *c == '.' : c[-1] == '-')
				return false;
			if (*c == '\0' || c[1] == '\0')
				return true;
			label = 0;
		} else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		           (*c >= '0' && *c <= '9') || (*c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
}

/* A host name value: *out is its canonical text, malloc'ed. */
static int host_name_parse(struct build *b, const yaml_node_t *val, const char *what, char **out)
{
	if (val->type != YAML_SCALAR_NODE || !host_name_valid(conf__node_text(val)))
		return conf__fail_type(b, val, what,
		                       "a host name (letters, digits and hyphens in dot-separated "
		                       "labels)");
	*out = conf__zone_canon(conf__node_text(val));
	if (!*out) /* a label over 63 octets, or a name over 255 */
		return conf__fail_at(b, val, "invalid %s '%s' (too long)", what,
		                     conf__node_text(val));
	return 0;
}

/* The mailbox text (at: its '@') written as a domain name, into hint: the dots of the local
 * part escaped, cut to fit. */
static void rname_hint(const char *text, const char *at, char *hint, size_t len)
{
	size_t n = 0;
	for (const char *c = text; c < at && n + 3 < len; c++) {
		if (*c == '.')
			hint[n++] = '\\';
		hint[n++] = *c;
	}
	snprintf(hint + n, len - n, ".%s", at + 1);
}

/* RNAME is a mailbox written as a domain name (RFC 1035 3.3.13, 8): the first label is the
 * local part. An address with '@' is the usual mistake, answered with its right form. */
static int rname_parse(struct build *b, const yaml_node_t *val, char **out)
{
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : NULL;
	if (!text || text[0] == '\0')
		return conf__fail_type(b, val, "rname", "a mailbox as a domain name");
	const char *at = strchr(text, '@');
	if (at) {
		char hint[600];
		rname_hint(text, at, hint, sizeof(hint));
		return conf__fail_at(b, val,
		                     "'rname' is a mailbox written as a domain name: '%s', not "
		                     "'%s'",
		                     hint, text);
	}
	*out = conf__zone_canon(text);
	if (!*out)
		return conf__fail_at(b, val, "invalid rname '%s'", text);
	return 0;
}

/* soa: keys; the last four are the timers, in the order of values[] in soa_parse. */
enum { SOA_MNAME, SOA_RNAME, SOA_TIMERS };
static const char *const soa_keys[] = {"mname", "rname", "refresh", "retry", "expire", "minimum"};

static int soa_parse(struct build *b, conf_zone_gen_t *gen, const yaml_node_t *node)
{
	const char *const *timers = soa_keys + SOA_TIMERS;
	unsigned *const values[] = {&gen->refresh, &gen->retry, &gen->expire, &gen->minimum};
	const yaml_node_t *given[4] = {NULL, NULL, NULL, NULL};
	/* Each value is checked as it comes, so the first wrong one in the file is reported. */
	int rc = conf__mapping_check(b, node, "soa");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		const yaml_node_t *val = conf__node_get(b, p->value);
		size_t k = conf__key_find(conf__node_text(key), soa_keys, CONF_NKEYS(soa_keys));
		size_t t = k >= SOA_TIMERS ? k - SOA_TIMERS : 4; /* 4: not a timer (or unknown) */
		if (k == SOA_MNAME)
			rc = host_name_parse(b, val, "mname", &gen->mname);
		else if (k == SOA_RNAME)
			rc = rname_parse(b, val, &gen->rname);
		else if (t < 4)
			rc = conf__uint_parse(b, val, timers[t], t == 3 ? 0 : 1,
			                      t == 3 ? SOA_MINIMUM_MAX : SOA_TIMER_MAX, values[t]);
		else
			rc = conf__fail_unknown(b, key, "soa", soa_keys, CONF_NKEYS(soa_keys));
		if (t < 4)
			given[t] = val;
	}
	/* RFC 1912 2.2: a secondary that cannot refresh keeps the zone until expire. */
	for (int t = 0; rc == 0 && t < 2; t++)
		if (gen->expire < *values[t])
			rc = conf__fail_at(b, given[2] ? given[2] : given[t],
			                   "'expire' (%u) must not be shorter than '%s' (%u): "
			                   "secondaries would drop the zone before they %s",
			                   gen->expire, timers[t], *values[t],
			                   t == 0 ? "refresh it" : "retry");
	return rc;
}

/* Whether name is origin or below it (both canonical text). */
static bool name_in_zone(const char *name, const char *origin)
{
	ldns_rdf *n = ldns_dname_new_frm_str(name), *o = ldns_dname_new_frm_str(origin);
	bool in = n && o && (ldns_dname_compare(n, o) == 0 || ldns_dname_is_subdomain(n, o));
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(o);
	return in;
}

/* An address of name server ns (name: as written, for messages). */
static int address_parse(struct build *b, conf_zone_ns_t *ns, const char *name,
                         const yaml_node_t *val)
{
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : "";
	int af = strchr(text, ':') ? AF_INET6 : AF_INET;
	unsigned char bytes[16];
	if (val->type != YAML_SCALAR_NODE || inet_pton(af, text, bytes) != 1)
		return conf__fail_type(b, val, "address", "an IPv4 or IPv6 address");
	if ((af == AF_INET && (bytes[0] == 0 || bytes[0] >= 224)) ||
	    (af == AF_INET6 && (bytes[0] == 0xff || memcmp(bytes, in6addr_any.s6_addr, 16) == 0)))
		return conf__fail_at(b, val, "'%s' is not the address of a host", text);
	char canon[INET6_ADDRSTRLEN];
	inet_ntop(af, bytes, canon, sizeof(canon));
	for (size_t k = 0; k < ns->naddresses; k++)
		if (strcmp(ns->addresses[k], canon) == 0)
			return conf__fail_at(b, val, "duplicate address '%s' of '%s'", text, name);
	char **addresses = realloc(ns->addresses, (ns->naddresses + 1) * sizeof(*addresses));
	if (!addresses)
		return FDNS_ENOMEM;
	ns->addresses = addresses;
	addresses[ns->naddresses] = strdup(canon);
	if (!addresses[ns->naddresses])
		return FDNS_ENOMEM;
	ns->naddresses++;
	return 0;
}

enum { NS_NAME, NS_ADDRESSES, NS_NKEYS };
static const char *const ns_keys[NS_NKEYS] = {"name", "addresses"};
static const struct conf_keyset ns_keyset = {"ns", "ns", ns_keys, NS_NKEYS, false};

/* The name and addresses (NULL: none) of an ns: entry, NAME or {name, addresses}. */
static int ns_nodes(struct build *b, const yaml_node_t *item, const yaml_node_t **name,
                    const yaml_node_t **addresses)
{
	*name = item;
	*addresses = NULL;
	if (item->type != YAML_MAPPING_NODE)
		return 0;
	const yaml_node_t *v[NS_NKEYS];
	int rc = conf__mapping_collect(b, item, &ns_keyset, v, NULL);
	if (rc != 0)
		return rc;
	*name = v[NS_NAME];
	if (!*name)
		return conf__fail_at(b, item, "name server has no 'name'");
	if (v[NS_ADDRESSES] && !conf__node_is_null(v[NS_ADDRESSES]))
		*addresses = v[NS_ADDRESSES];
	if (*addresses && (*addresses)->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, *addresses, "addresses", "a list");
	return 0;
}

/* RFC 1034 4.2.1: a name server inside the zone is reached only through its addresses in the
 * zone (glue, in referrals); one outside is not this zone's to describe. */
static int ns_glue_check(struct build *b, const conf_zone_t *zone, const char *origin,
                         const conf_zone_ns_t *ns, const yaml_node_t *name,
                         const yaml_node_t *addresses)
{
	if (name_in_zone(ns->name, origin) && ns->naddresses == 0)
		return conf__fail_at(b, name,
		                     "name server '%s' is inside the zone: give its addresses "
		                     "({name: %s, addresses: [...]}), or it cannot be reached",
		                     conf__node_text(name), conf__node_text(name));
	if (!name_in_zone(ns->name, origin) && ns->naddresses > 0)
		return conf__fail_at(b, addresses,
		                     "addresses are only for a name server inside the zone (glue); "
		                     "'%s' is outside '%s'",
		                     conf__node_text(name), zone->name);
	return 0;
}

/* The zone an ns: list belongs to; origin is its canonical name. */
struct ns_list {
	conf_zone_t *zone;
	const char *origin;
};

/* One ns: entry, NAME or {name: NAME, addresses: [ADDRESS...]}, appended to gen->ns. */
static int ns_parse(struct build *b, const yaml_node_t *item, void *ctx)
{
	const struct ns_list *list = ctx;
	conf_zone_gen_t *gen = &list->zone->gen;
	const yaml_node_t *name, *addresses;
	int rc = ns_nodes(b, item, &name, &addresses);
	if (rc != 0)
		return rc;
	conf_zone_ns_t *all = realloc(gen->ns, (gen->nns + 1) * sizeof(*all));
	if (!all)
		return FDNS_ENOMEM;
	gen->ns = all;
	conf_zone_ns_t *ns = &all[gen->nns++];
	*ns = (conf_zone_ns_t){0};
	rc = host_name_parse(b, name, "name server", &ns->name);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i + 1 < gen->nns; i++)
		if (strcmp(gen->ns[i].name, ns->name) == 0)
			return conf__fail_at(b, name, "duplicate name server '%s'",
			                     conf__node_text(name));
	for (yaml_node_item_t *it = addresses ? addresses->data.sequence.items.start : NULL;
	     rc == 0 && it && it < addresses->data.sequence.items.top; it++)
		rc = address_parse(b, ns, conf__node_text(name), conf__node_get(b, *it));
	if (rc != 0)
		return rc;
	return ns_glue_check(b, list->zone, list->origin, ns, name, addresses);
}

/* zone's ns: list; origin is the zone's canonical name. */
static int ns_list_parse(struct build *b, conf_zone_t *zone, const char *origin,
                         const yaml_node_t *node)
{
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "ns", "a list of host names or {name, addresses}");
	struct ns_list list = {zone, origin};
	return conf__list_each(b, node, ns_parse, &list);
}

/* The catalog zone of b so far, or NULL (there is one at most); *line: where it is named. */
static const conf_zone_t *catalog_find(const struct build *b, size_t *line)
{
	for (size_t i = 0; i < b->conf.nzones; i++)
		if (b->conf.zones[i].catalog) {
			*line = b->keys[i].line;
			return &b->conf.zones[i];
		}
	return NULL;
}

/* catalog: and catalog-member: (keys[k], vals[k]: NULL when not given) of a zone named name
 * (its file: and ns: keys as given), into *catalog and *excluded. */
static int catalog_parse(struct build *b, const yaml_node_t *name, const yaml_node_t *file,
                         const yaml_node_t *ns_key, const yaml_node_t *const keys[2],
                         const yaml_node_t *const vals[2], bool *catalog, bool *excluded)
{
	bool member = true;
	int rc = 0;
	*catalog = false;
	if (vals[0])
		rc = conf__bool_parse(b, vals[0], "catalog", catalog);
	if (rc == 0 && vals[1])
		rc = conf__bool_parse(b, vals[1], "catalog-member", &member);
	*excluded = !member;
	if (rc != 0 || !*catalog)
		return rc;
	if (file)
		return conf__fail_at(b, keys[0],
		                     "'catalog' is only for a zone without 'file' (fleetdns makes "
		                     "the catalog's records from the zones it serves)");
	if (ns_key)
		return conf__fail_at(b, ns_key,
		                     "'ns' is not for a catalog zone: its one NS record is "
		                     "'invalid.' (RFC 9432 4)");
	if (keys[1])
		return conf__fail_at(b, keys[1],
		                     "'catalog-member' is not for a catalog zone: it is never a "
		                     "member of itself");
	size_t line;
	const conf_zone_t *first = catalog_find(b, &line);
	if (first)
		return conf__fail_at(b, keys[0],
		                     "a second catalog zone, '%s' (the first is '%s', line %zu): "
		                     "fleetdns publishes one catalog zone",
		                     conf__node_text(name), first->name, line);
	return 0;
}

enum {
	Z_NAME,
	Z_FILE,
	Z_ALLOW_TRANSFER,
	Z_NOTIFY,
	Z_SOA,
	Z_NS,
	Z_CATALOG,
	Z_CATALOG_MEMBER,
	Z_NKEYS
};
static const char *const zone_keys[Z_NKEYS] = {"name", "file", "allow-transfer", "notify",
                                               "soa",  "ns",   "catalog",        "catalog-member"};
static const struct conf_keyset zone_keyset = {"zone", "zone", zone_keys, Z_NKEYS, false};

/* Checks the zone entry's name: and file: and drops a null file:, soa: or ns: (key and
 * value), which says nothing. soa: and ns: are only for a zone without file:. */
static int zone_nodes_check(struct build *b, const yaml_node_t *node, const yaml_node_t **keys,
                            const yaml_node_t **vals)
{
	const yaml_node_t *name = vals[Z_NAME];
	if (!name)
		return conf__fail_at(b, node, "zone has no 'name'");
	if (name->type != YAML_SCALAR_NODE || conf__node_is_null(name))
		return conf__fail_type(b, name, "name", "a domain name");
	if (vals[Z_FILE] && conf__node_is_null(vals[Z_FILE]))
		keys[Z_FILE] = vals[Z_FILE] = NULL;
	const yaml_node_t *file = vals[Z_FILE];
	if (file && (file->type != YAML_SCALAR_NODE || conf__node_text(file)[0] == '\0'))
		return conf__fail_type(b, file, "file", "a file name");
	for (int k = Z_SOA; k <= Z_NS; k++) {
		if (vals[k] && conf__node_is_null(vals[k]))
			keys[k] = vals[k] = NULL;
		if (keys[k] && file)
			return conf__fail_at(b, keys[k],
			                     "'%s' is only for a zone without 'file' (the file has "
			                     "its own %s)",
			                     k == Z_NS ? "ns" : "soa",
			                     k == Z_NS ? "NS records" : "SOA record");
	}
	return 0;
}

/* Adds the zone of an entry (name and file checked), unless it is there already. */
static int zone_entry_add(struct build *b, const yaml_node_t *name, const yaml_node_t *file)
{
	char *canon = conf__zone_canon(conf__node_text(name));
	if (!canon)
		return conf__fail_at(b, name, "invalid zone name '%s'", conf__node_text(name));
	const struct zone_key *prev = conf__zone_find(b, canon);
	if (prev) {
		free(canon);
		return conf__fail_at(b, name, "duplicate zone '%s' (first at line %zu)",
		                     conf__node_text(name), prev->line);
	}
	char *path = NULL;
	if (file) {
		path = conf__path_resolve(b->path, conf__node_text(file));
		if (!path) {
			free(canon);
			return FDNS_ENOMEM;
		}
	}
	int rc = conf__zone_add(b, conf__node_text(name), canon, path, conf__node_line(name));
	free(path);
	return rc;
}

/* What an entry says of the zone just added, besides its name and file. */
static int zone_options_parse(struct build *b, const yaml_node_t *const *keys,
                              const yaml_node_t *const *vals)
{
	conf_zone_t *zone = &b->conf.zones[b->conf.nzones - 1];
	const yaml_node_t *file = vals[Z_FILE];
	bool catalog, excluded;
	int rc = catalog_parse(b, vals[Z_NAME], file, keys[Z_NS], keys + Z_CATALOG,
	                       vals + Z_CATALOG, &catalog, &excluded);
	if (rc != 0)
		return rc;
	zone->catalog = catalog;
	zone->catalog_excluded = excluded;
	if (file) {
		zone->file_line = conf__node_line(file);
		zone->file_column = conf__node_column(file);
	}
	/* allow-transfer first: notify keys refer to it */
	for (int k = Z_ALLOW_TRANSFER; rc == 0 && k <= Z_NOTIFY; k++)
		if (keys[k])
			rc = conf__zone_xfr_parse(b, zone, keys[k], vals[k]);
	if (rc == 0 && vals[Z_NS]) /* ns first: mname's default is the first NS */
		rc = ns_list_parse(b, zone, b->keys[b->conf.nzones - 1].canon, vals[Z_NS]);
	if (rc == 0 && vals[Z_SOA])
		rc = soa_parse(b, &zone->gen, vals[Z_SOA]);
	return rc;
}

static int parse_zone(struct build *b, const yaml_node_t *node, void *ctx)
{
	(void)ctx;
	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, "zones", "a list of mappings");
	const yaml_node_t *keys[Z_NKEYS], *vals[Z_NKEYS];
	int rc = conf__mapping_collect(b, node, &zone_keyset, vals, keys);
	if (rc == 0)
		rc = zone_nodes_check(b, node, keys, vals);
	if (rc == 0)
		rc = zone_entry_add(b, vals[Z_NAME], vals[Z_FILE]);
	if (rc == 0)
		rc = zone_options_parse(b, keys, vals);
	return rc;
}

int conf__zones_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "zones", "a list");
	return conf__list_each(b, node, parse_zone, NULL);
}

/* --zone for a zone of the config file (prev): its name becomes name and its file file, which,
 * when given, replaces the SOA and NS the entry described. Takes name over in every case. */
static int zone_arg_replace(struct build *b, struct zone_key *prev, char *name, const char *file)
{
	conf_zone_t *zone = &b->conf.zones[prev - b->keys];
	char *new_file = file ? strdup(file) : NULL;
	if (file && !new_file) {
		free(name);
		return FDNS_ENOMEM;
	}
	free(zone->file);
	free(zone->name);
	if (new_file) /* the file has its own SOA and NS */
		conf__zone_gen_free(zone);
	zone->file_line = zone->file_column = 0;
	zone->file = new_file;
	zone->name = name;
	prev->line = 0;
	return 0;
}

/* --zone ORIGIN[=FILE]: adds a zone, or replaces the config file's entry for ORIGIN. */
int conf__zone_arg_apply(struct build *b, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
	if (!name)
		return FDNS_ENOMEM;
	const char *file = eq ? eq + 1 : NULL;
	char *canon = NULL;
	int rc;
	if (name[0] == '\0' || (file && file[0] == '\0')) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL,
		                    "--zone '%s': expected ORIGIN or ORIGIN=FILE", arg);
		goto out;
	}
	canon = conf__zone_canon(name);
	if (!canon) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': invalid zone name '%s'",
		                    arg, name);
		goto out;
	}
	struct zone_key *prev = conf__zone_find(b, canon);
	if (!prev) {
		rc = conf__zone_add(b, name, canon, file, 0);
		canon = NULL; /* taken over */
	} else if (prev->line == 0) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': zone '%s' given twice", arg,
		                    name);
	} else if (file && b->conf.zones[prev - b->keys].catalog) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL,
		                    "--zone '%s': zone '%s' is the catalog zone (line %zu), which "
		                    "has no file",
		                    arg, name, prev->line);
	} else {
		rc = zone_arg_replace(b, prev, name, file);
		name = NULL; /* taken over */
	}
out:
	free(canon);
	free(name);
	return rc;
}
