/* SPDX-License-Identifier: MIT */
/* fleet.c -- the fleet: section: how containers become service names (docs/fleet.md).
 *
 * fleet.zone and fleet.reverse-zones must name served zones, which are known only once the
 * command line has been applied (--zone may add one), so they are recorded with their place
 * in the file and checked last, by conf__fleet_zones_check.
 */
#include "config.h"

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#include <stdlib.h>
#include <string.h>

void conf__fleet_free(conf_fleet_t *fleet)
{
	for (size_t i = 0; i < fleet->nreverse_zones; i++)
		free(fleet->reverse_zones[i]);
	free(fleet->reverse_zones);
	free(fleet->zone);
	free(fleet->state_file);
	fleet->reverse_zones = NULL;
	fleet->nreverse_zones = 0;
	fleet->zone = fleet->state_file = NULL;
}

void conf__fleet_build_free(struct build *b)
{
	free(b->fleet_zone_ref.canon);
	for (size_t i = 0; i < b->conf.fleet.nreverse_zones; i++)
		free(b->reverse_refs[i].canon);
	free(b->reverse_refs);
	b->fleet_zone_ref.canon = NULL;
	b->reverse_refs = NULL;
}

/* fleet.zone or an entry of fleet.reverse-zones: a valid zone name, remembered with its
 * place so that conf__fleet_zones_check can find the served zone it names. */
static int parse_zone_ref(struct build *b, const yaml_node_t *val, const char *what, char **text,
                          struct zone_ref *ref)
{
	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, what, "a zone name");
	ref->canon = conf__zone_canon(conf__node_text(val));
	if (ref->canon == NULL)
		return conf__fail_at(b, val, "invalid zone name '%s'", conf__node_text(val));
	ref->line = val->start_mark.line + 1;
	ref->column = val->start_mark.column + 1;
	*text = strdup(conf__node_text(val));
	return *text ? 0 : FDNS_ENOMEM;
}

static bool is_reverse_zone(const char *canon)
{
	static const char *const tops[] = {"in-addr.arpa.", "ip6.arpa."};

	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(canon), toplen = strlen(tops[i]);
		if (len >= toplen && strcmp(canon + len - toplen, tops[i]) == 0 &&
		    (len == toplen || canon[len - toplen - 1] == '.'))
			return true;
	}
	return false;
}

static int reverse_zones_add(struct build *b, const yaml_node_t *val, struct conf_index *seen);

static int parse_reverse_zones(struct build *b, const yaml_node_t *val)
{
	struct conf_index seen = {0};
	int rc = reverse_zones_add(b, val, &seen);

	conf__index_free(&seen);
	return rc;
}

static int reverse_zones_add(struct build *b, const yaml_node_t *val, struct conf_index *seen)
{
	conf_fleet_t *fleet = &b->conf.fleet;

	if (conf__node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, val, "reverse-zones", "a list of zone names");
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = conf__node_get(b, *it);
		size_t n = fleet->nreverse_zones;
		char **zones = realloc(fleet->reverse_zones, (n + 1) * sizeof(*zones));
		struct zone_ref *refs;
		int rc;
		if (zones == NULL)
			return FDNS_ENOMEM;
		fleet->reverse_zones = zones;
		refs = realloc(b->reverse_refs, (n + 1) * sizeof(*refs));
		if (refs == NULL)
			return FDNS_ENOMEM;
		b->reverse_refs = refs;
		zones[n] = NULL;
		refs[n] = (struct zone_ref){0};
		fleet->nreverse_zones++; /* counted now so that a half-made entry is freed */
		rc = parse_zone_ref(b, item, "reverse-zones", &zones[n], &refs[n]);
		if (rc != 0)
			return rc;
		if (!is_reverse_zone(refs[n].canon))
			return conf__fail_at(
			    b, item, "reverse zone '%s' is not under in-addr.arpa or ip6.arpa",
			    zones[n]);
		size_t prev = conf__index_find(seen, refs[n].canon);
		if (prev != CONF_INDEX_NONE)
			return conf__fail_at(b, item,
			                     "duplicate reverse zone '%s' (first at line %zu)",
			                     zones[n], refs[prev].line);
		rc = conf__index_add(seen, refs[n].canon, n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int parse_unhealthy(struct build *b, const yaml_node_t *val)
{
	if (val->type == YAML_SCALAR_NODE && strcmp(conf__node_text(val), "nodata") == 0)
		b->conf.fleet.unhealthy = CONF_UNHEALTHY_NODATA;
	else if (val->type == YAML_SCALAR_NODE && strcmp(conf__node_text(val), "all") == 0)
		b->conf.fleet.unhealthy = CONF_UNHEALTHY_ALL;
	else
		return conf__fail_type(b, val, "unhealthy", "nodata or all");
	return 0;
}

static int parse_expose(struct build *b, const yaml_node_t *val)
{
	if (val->type == YAML_SCALAR_NODE && strcmp(conf__node_text(val), "labelled") == 0)
		b->conf.fleet.expose = CONF_EXPOSE_LABELLED;
	else if (val->type == YAML_SCALAR_NODE && strcmp(conf__node_text(val), "all") == 0)
		b->conf.fleet.expose = CONF_EXPOSE_ALL;
	else
		return conf__fail_type(b, val, "expose", "labelled or all");
	return 0;
}

static const struct fleet_uint_key {
	const char *name;
	size_t offset; /* of the unsigned in conf_fleet_t */
	unsigned min, max;
} fleet_uint_keys[] = {
    {"ttl", offsetof(conf_fleet_t, ttl), 0, 86400},
    {"max-answers", offsetof(conf_fleet_t, max_answers), 0, 1000},
    {"resync", offsetof(conf_fleet_t, resync_ms), 1000, 86400000},
    {"hold-down", offsetof(conf_fleet_t, hold_down_ms), 0, 3600000},
};

static const struct fleet_bool_key {
	const char *name;
	size_t offset; /* of the bool in conf_fleet_t */
} fleet_bool_keys[] = {
    {"serve-starting", offsetof(conf_fleet_t, serve_starting)},
    {"compose-labels", offsetof(conf_fleet_t, compose_labels)},
    {"swarm-labels", offsetof(conf_fleet_t, swarm_labels)},
};

/* The keys that are neither integers nor switches. */
enum { F_UNHEALTHY, F_EXPOSE, F_ZONE, F_REVERSE_ZONES, F_STATE_FILE, F_DAMPING };
static const char *const fleet_other_keys[] = {"unhealthy",     "expose",     "zone",
                                               "reverse-zones", "state-file", "damping"};

static int fail_unknown_fleet_key(struct build *b, const yaml_node_t *key)
{
	const char *known[CONF_NKEYS(fleet_uint_keys) + CONF_NKEYS(fleet_bool_keys) +
	                  CONF_NKEYS(fleet_other_keys)];
	size_t n = 0;

	for (size_t i = 0; i < CONF_NKEYS(fleet_uint_keys); i++)
		known[n++] = fleet_uint_keys[i].name;
	for (size_t i = 0; i < CONF_NKEYS(fleet_bool_keys); i++)
		known[n++] = fleet_bool_keys[i].name;
	for (size_t i = 0; i < CONF_NKEYS(fleet_other_keys); i++)
		known[n++] = fleet_other_keys[i];
	return conf__fail_unknown(b, key, "'fleet'", known, n);
}

static int parse_state_file(struct build *b, const yaml_node_t *val)
{
	conf_fleet_t *fleet = &b->conf.fleet;

	if (conf__node_is_null(val))
		return 0;
	fleet->state_file_line = val->start_mark.line + 1;
	fleet->state_file_column = val->start_mark.column + 1;
	return conf__file_parse(b, val, "state-file", &fleet->state_file);
}

/* suppress and reuse: a penalty, in flaps. Decimals, since a penalty decays between flaps
 * (3 flaps a few seconds apart add up to a little under 3); at most three of them, so that
 * what is written is what is compared. */
static int parse_penalty(struct build *b, const yaml_node_t *val, const char *what, double *out)
{
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : "";
	size_t digits = strspn(text, "0123456789");
	const char *point = text + digits;
	size_t decimals = *point == '.' ? strspn(point + 1, "0123456789") : 0;
	bool decimals_ok = *point == '.' ? decimals >= 1 && decimals <= 3 : true;

	if (digits == 0 || digits > 4 || !decimals_ok ||
	    point[*point == '.' ? 1 + decimals : 0] != '\0')
		return conf__fail_type(b, val, what, "a number like 2.5");
	*out = strtod(text, NULL);
	if (*out <= 0 || *out > 1000)
		return conf__fail_at(b, val, "'%s' must be above 0 and at most 1000 (got %s)", what,
		                     text);
	return 0;
}

enum { D_HALF_LIFE, D_SUPPRESS, D_REUSE, D_NKEYS };
static const char *const damping_keys[D_NKEYS] = {"half-life", "suppress", "reuse"};

/* damping: {half-life: MS, suppress: N, reuse: N}, all three; null: off. */
static int parse_damping(struct build *b, const yaml_node_t *node)
{
	const yaml_node_t *v[D_NKEYS] = {NULL};
	unsigned half_life = 0;
	double suppress = 0, reuse = 0;
	int rc;

	if (conf__node_is_null(node))
		return 0;
	rc = conf__mapping_check(b, node, "damping");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		size_t k = conf__key_find(conf__node_text(key), damping_keys, D_NKEYS);
		if (k == D_NKEYS)
			return conf__fail_unknown(b, key, "'damping'", damping_keys, D_NKEYS);
		v[k] = conf__node_get(b, p->value);
	}
	for (size_t k = 0; rc == 0 && k < D_NKEYS; k++)
		if (v[k] == NULL)
			return conf__fail_at(
			    b, node, "'damping' needs half-life, suppress and reuse (no '%s')",
			    damping_keys[k]);
	if (rc == 0)
		rc = conf__uint_parse(b, v[D_HALF_LIFE], "half-life", 1, 86400000, &half_life);
	if (rc == 0)
		rc = parse_penalty(b, v[D_SUPPRESS], "suppress", &suppress);
	if (rc == 0)
		rc = parse_penalty(b, v[D_REUSE], "reuse", &reuse);
	if (rc == 0 && reuse >= suppress)
		return conf__fail_at(b, v[D_REUSE], "'reuse' (%s) must be below 'suppress' (%s)",
		                     conf__node_text(v[D_REUSE]), conf__node_text(v[D_SUPPRESS]));
	if (rc == 0) {
		b->conf.fleet.damping.half_life_ms = half_life;
		b->conf.fleet.damping.suppress = suppress;
		b->conf.fleet.damping.reuse = reuse;
	}
	return rc;
}

static int parse_fleet_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val)
{
	conf_fleet_t *fleet = &b->conf.fleet;
	const char *name = conf__node_text(key);

	for (size_t i = 0; i < sizeof(fleet_uint_keys) / sizeof(fleet_uint_keys[0]); i++) {
		const struct fleet_uint_key *k = &fleet_uint_keys[i];
		if (strcmp(name, k->name) == 0)
			return conf__uint_parse(b, val, k->name, k->min, k->max,
			                        (unsigned *)((char *)fleet + k->offset));
	}
	for (size_t i = 0; i < sizeof(fleet_bool_keys) / sizeof(fleet_bool_keys[0]); i++) {
		const struct fleet_bool_key *k = &fleet_bool_keys[i];
		if (strcmp(name, k->name) == 0)
			return conf__bool_parse(b, val, k->name,
			                        (bool *)((char *)fleet + k->offset));
	}
	switch (conf__key_find(name, fleet_other_keys, CONF_NKEYS(fleet_other_keys))) {
	case F_UNHEALTHY:
		return parse_unhealthy(b, val);
	case F_EXPOSE:
		return parse_expose(b, val);
	case F_ZONE:
		return conf__node_is_null(val)
		           ? 0
		           : parse_zone_ref(b, val, "zone", &fleet->zone, &b->fleet_zone_ref);
	case F_REVERSE_ZONES:
		return parse_reverse_zones(b, val);
	case F_STATE_FILE:
		return parse_state_file(b, val);
	case F_DAMPING:
		return parse_damping(b, val);
	default:
		return fail_unknown_fleet_key(b, key);
	}
}

int conf__fleet_parse(struct build *b, const yaml_node_t *node)
{
	int rc;

	if (conf__node_is_null(node))
		return 0;
	rc = conf__mapping_check(b, node, "fleet");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++)
		rc = parse_fleet_key(b, conf__node_get(b, p->key), conf__node_get(b, p->value));
	return rc;
}

/* Replaces *text by the name of the served zone ref names, so that users of the conf can
 * compare it with conf.zones[].name as it is. */
static int zone_ref_resolve(struct build *b, const struct zone_ref *ref, char **text,
                            const char *what)
{
	const struct zone_key *key = conf__zone_find(b, ref->canon);
	char *name;

	if (key == NULL)
		return conf__fail_pos(b, ref->line, ref->column, FDNS_EINVAL,
		                      "%s '%s' is not a configured zone", what, *text);
	name = strdup(b->conf.zones[key - b->keys].name);
	if (name == NULL)
		return FDNS_ENOMEM;
	free(*text);
	*text = name;
	return 0;
}

int conf__fleet_zones_check(struct build *b)
{
	conf_fleet_t *fleet = &b->conf.fleet;
	int rc = 0;

	b->path = b->conf.path; /* references only come from the file */
	if (b->fleet_zone_ref.canon != NULL)
		rc = zone_ref_resolve(b, &b->fleet_zone_ref, &fleet->zone, "fleet zone");
	for (size_t i = 0; rc == 0 && i < fleet->nreverse_zones; i++)
		rc = zone_ref_resolve(b, &b->reverse_refs[i], &fleet->reverse_zones[i],
		                      "reverse zone");
	b->path = NULL;
	return rc;
}
