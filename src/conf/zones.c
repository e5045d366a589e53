/* SPDX-License-Identifier: MIT */
/* zones.c -- the zones: section and --zone ORIGIN[=FILE]: which zones are served, from which
 * master files. Zone names are compared in their canonical (lower case, absolute) form. */
#include "config.h"

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

char *conf__zone_canon(const char *name)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	char *canon;

	if (dname == NULL)
		return NULL;
	ldns_dname2canonical(dname);
	canon = ldns_rdf2str(dname);
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
	conf_zone_t zone = {.name = strdup(name), .file = file ? strdup(file) : NULL};
	conf_zone_t *zones;
	struct zone_key *keys;

	if (zone.name == NULL || (file != NULL && zone.file == NULL))
		goto fail;
	zones = realloc(conf->zones, (conf->nzones + 1) * sizeof(*zones));
	if (zones == NULL)
		goto fail;
	conf->zones = zones;
	keys = realloc(b->keys, (conf->nzones + 1) * sizeof(*keys));
	if (keys == NULL)
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

static int parse_zone(struct build *b, const yaml_node_t *node)
{
	const yaml_node_t *name = NULL, *file = NULL, *xfr_keys[2] = {NULL, NULL};
	const yaml_node_t *xfr_vals[2] = {NULL, NULL};
	struct zone_key *prev;
	char *canon, *path = NULL;
	int rc;

	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, "zones", "a list of mappings");
	rc = conf__mapping_check(b, node, "zone");

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		if (strcmp(conf__node_text(key), "name") == 0)
			name = conf__node_get(b, p->value);
		else if (strcmp(conf__node_text(key), "file") == 0)
			file = conf__node_get(b, p->value);
		else if (strcmp(conf__node_text(key), "notify") == 0 ||
		         strcmp(conf__node_text(key), "allow-transfer") == 0) {
			int k = strcmp(conf__node_text(key), "notify") == 0;
			xfr_keys[k] = key;
			xfr_vals[k] = conf__node_get(b, p->value);
		} else
			return conf__fail_at(b, key, "unknown key '%s' in zone",
			                     conf__node_text(key));
	}
	if (rc != 0)
		return rc;
	if (name == NULL)
		return conf__fail_at(b, node, "zone has no 'name'");
	if (name->type != YAML_SCALAR_NODE || conf__node_is_null(name))
		return conf__fail_type(b, name, "name", "a domain name");
	if (file != NULL && conf__node_is_null(file))
		file = NULL;
	if (file != NULL && (file->type != YAML_SCALAR_NODE || conf__node_text(file)[0] == '\0'))
		return conf__fail_type(b, file, "file", "a file name");

	canon = conf__zone_canon(conf__node_text(name));
	if (canon == NULL)
		return conf__fail_at(b, name, "invalid zone name '%s'", conf__node_text(name));
	prev = conf__zone_find(b, canon);
	if (prev != NULL) {
		free(canon);
		return conf__fail_at(b, name, "duplicate zone '%s' (first at line %zu)",
		                     conf__node_text(name), prev->line);
	}
	if (file != NULL && (path = conf__path_resolve(b->path, conf__node_text(file))) == NULL) {
		free(canon);
		return FDNS_ENOMEM;
	}
	rc = conf__zone_add(b, conf__node_text(name), canon, path, name->start_mark.line + 1);
	free(path);
	for (int k = 0; rc == 0 && k < 2; k++) /* allow-transfer first: notify keys refer to it */
		if (xfr_keys[k] != NULL)
			rc = conf__zone_xfr_parse(b, &b->conf.zones[b->conf.nzones - 1],
			                          xfr_keys[k], xfr_vals[k]);
	return rc;
}

int conf__zones_parse(struct build *b, const yaml_node_t *node)
{
	int rc = 0;

	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "zones", "a list");
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     rc == 0 && it < node->data.sequence.items.top; it++)
		rc = parse_zone(b, conf__node_get(b, *it));
	return rc;
}

/* --zone ORIGIN[=FILE]: adds a zone, or replaces the config file's entry for ORIGIN. */
int conf__zone_arg_apply(struct build *b, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
	const char *file = eq ? eq + 1 : NULL;
	struct zone_key *prev;
	char *canon = NULL;
	int rc = 0;

	if (name == NULL)
		return FDNS_ENOMEM;
	if (name[0] == '\0' || (file != NULL && file[0] == '\0')) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL,
		                    "--zone '%s': expected ORIGIN or ORIGIN=FILE", arg);
		goto out;
	}
	canon = conf__zone_canon(name);
	if (canon == NULL) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': invalid zone name '%s'",
		                    arg, name);
		goto out;
	}
	prev = conf__zone_find(b, canon);
	if (prev == NULL) {
		rc = conf__zone_add(b, name, canon, file, 0);
		canon = NULL;
	} else if (prev->line == 0) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': zone '%s' given twice", arg,
		                    name);
	} else {
		conf_zone_t *zone = &b->conf.zones[prev - b->keys];
		char *new_file = file ? strdup(file) : NULL;
		if (file != NULL && new_file == NULL) {
			rc = FDNS_ENOMEM;
			goto out;
		}
		free(zone->file);
		free(zone->name);
		zone->file = new_file;
		zone->name = name;
		name = NULL;
		prev->line = 0;
	}
out:
	free(canon);
	free(name);
	return rc;
}
