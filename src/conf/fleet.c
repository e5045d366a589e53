/* SPDX-License-Identifier: MIT */
/* fleet.c -- the fleet: section: how containers become service names (docs/fleet.md).
 *
 * fleet.zone and fleet.reverse-zones must name served zones, which are known only once the
 * command line has been applied (--zone may add one), so they are recorded with their place
 * in the file and checked last, by conf__fleet_zones_check.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

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
	if (!ref->canon)
		return conf__fail_at(b, val, "invalid zone name '%s'", conf__node_text(val));
	ref->line = conf__node_line(val);
	ref->column = conf__node_column(val);
	*text = strdup(conf__node_text(val));
	return *text ? 0 : FDNS_ENOMEM;
}

static bool is_reverse_zone(const char *canon)
{
	static const char *const tops[] = {"in-addr.arpa.", "ip6.arpa."};
	size_t len = strlen(canon);
	for (size_t i = 0; i < CONF_NKEYS(tops); i++) {
		size_t toplen = strlen(tops[i]);
		if (len >= toplen && strcmp(canon + len - toplen, tops[i]) == 0 &&
		    (len == toplen || canon[len - toplen - 1] == '.'))
			return true;
	}
	return false;
}

/* One entry of reverse-zones:; seen indexes the entries before it. */
static int reverse_zone_add(struct build *b, const yaml_node_t *item, void *ctx)
{
	struct conf_index *seen = ctx;
	conf_fleet_t *fleet = &b->conf.fleet;
	size_t n = fleet->nreverse_zones;
	char **zones = realloc(fleet->reverse_zones, (n + 1) * sizeof(*zones));
	if (!zones)
		return FDNS_ENOMEM;
	fleet->reverse_zones = zones;
	struct zone_ref *refs = realloc(b->reverse_refs, (n + 1) * sizeof(*refs));
	if (!refs)
		return FDNS_ENOMEM;
	b->reverse_refs = refs;
	zones[n] = NULL;
	refs[n] = (struct zone_ref){0};
	fleet->nreverse_zones++; /* counted now so that a half-made entry is freed */
	int rc = parse_zone_ref(b, item, "reverse-zones", &zones[n], &refs[n]);
	if (rc != 0)
		return rc;
	if (!is_reverse_zone(refs[n].canon))
		return conf__fail_at(
		    b, item, "reverse zone '%s' is not under in-addr.arpa or ip6.arpa", zones[n]);
	size_t prev = conf__index_find(seen, refs[n].canon);
	if (prev != CONF_INDEX_NONE)
		return conf__fail_at(b, item, "duplicate reverse zone '%s' (first at line %zu)",
		                     zones[n], refs[prev].line);
	return conf__index_add(seen, refs[n].canon, n);
}

static int parse_reverse_zones(struct build *b, const yaml_node_t *val)
{
	if (conf__node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, val, "reverse-zones", "a list of zone names");
	struct conf_index seen = {0};
	int rc = conf__list_each(b, val, reverse_zone_add, &seen);
	conf__index_free(&seen);
	return rc;
}

static int parse_unhealthy(struct build *b, const yaml_node_t *val)
{
	static const char *const names[] = {
	    [CONF_UNHEALTHY_NODATA] = "nodata",
	    [CONF_UNHEALTHY_ALL] = "all",
	};
	int v;
	int rc =
	    conf__choice_parse(b, val, "unhealthy", names, CONF_NKEYS(names), "nodata or all", &v);
	if (rc == 0)
		b->conf.fleet.unhealthy = (enum conf_unhealthy_policy)v;
	return rc;
}

static int parse_expose(struct build *b, const yaml_node_t *val)
{
	static const char *const names[] = {
	    [CONF_EXPOSE_ALL] = "all",
	    [CONF_EXPOSE_LABELLED] = "labelled",
	};
	int v;
	int rc =
	    conf__choice_parse(b, val, "expose", names, CONF_NKEYS(names), "labelled or all", &v);
	if (rc == 0)
		b->conf.fleet.expose = (enum conf_expose_policy)v;
	return rc;
}

static const struct conf_uint_key fleet_uint_keys[] = {
    {"ttl", offsetof(conf_fleet_t, ttl), 0, 86400},
    {"max-answers", offsetof(conf_fleet_t, max_answers), 0, 1000},
    {"resync", offsetof(conf_fleet_t, resync_ms), 1000, 86400000},
    {"hold-down", offsetof(conf_fleet_t, hold_down_ms), 0, 3600000},
    {"hold-down-checks", offsetof(conf_fleet_t, hold_down_checks), 0, CONF_HOLD_DOWN_CHECKS_MAX},
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
	size_t n = conf__uint_key_names(fleet_uint_keys, CONF_NKEYS(fleet_uint_keys), known);
	for (size_t i = 0; i < CONF_NKEYS(fleet_bool_keys); i++)
		known[n++] = fleet_bool_keys[i].name;
	for (size_t i = 0; i < CONF_NKEYS(fleet_other_keys); i++)
		known[n++] = fleet_other_keys[i];
	return conf__fail_unknown(b, key, "'fleet'", known, n);
}

static int parse_state_file(struct build *b, const yaml_node_t *val)
{
	if (conf__node_is_null(val))
		return 0;
	conf_fleet_t *fleet = &b->conf.fleet;
	fleet->state_file_line = conf__node_line(val);
	fleet->state_file_column = conf__node_column(val);
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
static const struct conf_keyset damping_keyset = {"damping", "'damping'", damping_keys, D_NKEYS,
                                                  false};

/* damping: {half-life: MS, suppress: N, reuse: N}, all three; null: off. */
static int parse_damping(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	const yaml_node_t *v[D_NKEYS];
	int rc = conf__mapping_collect(b, node, &damping_keyset, v, NULL);
	if (rc != 0)
		return rc;
	for (size_t k = 0; k < D_NKEYS; k++)
		if (!v[k])
			return conf__fail_at(
			    b, node, "'damping' needs half-life, suppress and reuse (no '%s')",
			    damping_keys[k]);
	unsigned half_life = 0;
	double suppress = 0, reuse = 0;
	rc = conf__uint_parse(b, v[D_HALF_LIFE], "half-life", 1, 86400000, &half_life);
	if (rc == 0)
		rc = parse_penalty(b, v[D_SUPPRESS], "suppress", &suppress);
	if (rc == 0)
		rc = parse_penalty(b, v[D_REUSE], "reuse", &reuse);
	if (rc != 0)
		return rc;
	if (reuse >= suppress)
		return conf__fail_at(b, v[D_REUSE], "'reuse' (%s) must be below 'suppress' (%s)",
		                     conf__node_text(v[D_REUSE]), conf__node_text(v[D_SUPPRESS]));
	b->conf.fleet.damping.half_life_ms = half_life;
	b->conf.fleet.damping.suppress = suppress;
	b->conf.fleet.damping.reuse = reuse;
	return 0;
}

/* One of fleet_bool_keys: 0 or the error; 1 when key is none of them. */
static int parse_bool_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val)
{
	for (size_t i = 0; i < CONF_NKEYS(fleet_bool_keys); i++) {
		const struct fleet_bool_key *k = &fleet_bool_keys[i];
		if (strcmp(conf__node_text(key), k->name) == 0)
			return conf__bool_parse(b, val, k->name,
			                        (bool *)((char *)&b->conf.fleet + k->offset));
	}
	return 1;
}

static int parse_fleet_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val,
                           void *ctx)
{
	(void)ctx;
	conf_fleet_t *fleet = &b->conf.fleet;
	int rc =
	    conf__uint_key_parse(b, fleet_uint_keys, CONF_NKEYS(fleet_uint_keys), fleet, key, val);
	if (rc == 1)
		rc = parse_bool_key(b, key, val);
	if (rc != 1)
		return rc;
	switch (
	    conf__key_find(conf__node_text(key), fleet_other_keys, CONF_NKEYS(fleet_other_keys))) {
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
	if (conf__node_is_null(node))
		return 0;
	return conf__mapping_each(b, node, "fleet", parse_fleet_key, NULL);
}

/* Replaces *text by the name of the served zone ref names, so that users of the conf can
 * compare it with conf.zones[].name as it is. */
static int zone_ref_resolve(struct build *b, const struct zone_ref *ref, char **text,
                            const char *what)
{
	const struct zone_key *key = conf__zone_find(b, ref->canon);
	if (!key)
		return conf__fail_pos(b, ref->line, ref->column, FDNS_EINVAL,
		                      "%s '%s' is not a configured zone", what, *text);
	char *name = strdup(b->conf.zones[key - b->keys].name);
	if (!name)
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
	if (b->fleet_zone_ref.canon)
		rc = zone_ref_resolve(b, &b->fleet_zone_ref, &fleet->zone, "fleet zone");
	for (size_t i = 0; rc == 0 && i < fleet->nreverse_zones; i++)
		rc = zone_ref_resolve(b, &b->reverse_refs[i], &fleet->reverse_zones[i],
		                      "reverse zone");
	b->path = NULL;
	return rc;
}
