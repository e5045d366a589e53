/* SPDX-License-Identifier: MIT */
/* sites.c -- sites: (docs/fleet.md, "Nearest replicas"): a list of sites, each with the
 * client prefixes it serves, the engines that run in it and its local-only threshold.
 *
 * Engine names are checked last (conf__sites_check), once the command line has added its
 * engines; each name's place in the file is kept in the build state until then.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#define SITE_NAME_MAX 63 /* a site's name appears in status, metrics and logs */

enum { S_NAME, S_CLIENTS, S_ENGINES, S_LOCAL_ONLY };
static const char *const site_keys[] = {"name", "clients", "engines", "local-only"};

void conf__sites_free(conf_t *conf)
{
	for (size_t i = 0; i < conf->nsites; i++) {
		conf_site_t *s = &conf->sites[i];
		free(s->name);
		free(s->clients);
		for (size_t k = 0; k < s->nengines; k++)
			free(s->engines[k]);
		free(s->engines);
	}
	free(conf->sites);
	conf->sites = NULL;
	conf->nsites = 0;
}

void conf__sites_build_free(struct build *b)
{
	free(b->site_engine_refs);
	b->site_engine_refs = NULL;
	b->nsite_engine_refs = 0;
}

static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > SITE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_' ||
		      name[i] == '.'))
			return false;
	return true;
}

static int parse_name(struct build *b, conf_site_t *site, const yaml_node_t *val)
{
	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, "name", "a site name");
	const char *text = conf__node_text(val);
	if (!name_valid(text))
		return conf__fail_at(b, val,
		                     "invalid site name '%s' (1 to %d letters, digits, '-', '_' "
		                     "or '.')",
		                     text, SITE_NAME_MAX);
	for (size_t i = 0; i + 1 < b->conf.nsites; i++)
		if (strcmp(b->conf.sites[i].name, text) == 0)
			return conf__fail_at(b, val, "site '%s' is defined twice", text);
	site->name = strdup(text);
	return site->name ? 0 : FDNS_ENOMEM;
}

static bool same_prefix(const conf_prefix_t *a, const conf_prefix_t *b)
{
	if (a->addr.ss_family != b->addr.ss_family || a->prefix != b->prefix)
		return false;
	size_t n =
	    a->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	return memcmp(&a->addr, &b->addr, n) == 0;
}

/* The site that lists p already, or NULL; the one being parsed (last, its name perhaps not yet
 * known) included. */
static const conf_site_t *prefix_owner(const struct build *b, const conf_prefix_t *p)
{
	for (size_t i = 0; i < b->conf.nsites; i++) {
		const conf_site_t *s = &b->conf.sites[i];
		for (size_t k = 0; k < s->nclients; k++)
			if (same_prefix(&s->clients[k], p))
				return s;
	}
	return NULL;
}

static int parse_client(struct build *b, const yaml_node_t *item, void *ctx)
{
	conf_site_t *site = ctx;
	conf_prefix_t p;
	int rc = conf__prefix_parse(b, item, "clients", "client prefix", &p);
	if (rc != 0)
		return rc;
	const conf_site_t *owner = prefix_owner(b, &p);
	if (owner)
		return conf__fail_at(b, item, "client prefix '%s' is already in site '%s'",
		                     conf__node_text(item),
		                     owner->name ? owner->name : "(this one)");
	return conf__prefix_append(&site->clients, &site->nclients, &p);
}

/* A non-empty list (what: its key, want: what it must be), each item through parse. */
static int parse_list(struct build *b, conf_site_t *site, const yaml_node_t *val, const char *what,
                      const char *want, conf_item_fn parse)
{
	if (val->type != YAML_SEQUENCE_NODE ||
	    val->data.sequence.items.start == val->data.sequence.items.top)
		return conf__fail_type(b, val, what, want);
	return conf__list_each(b, val, parse, site);
}

/* An engine name, kept with its place for conf__sites_check. */
static int parse_engine(struct build *b, const yaml_node_t *item, void *ctx)
{
	conf_site_t *site = ctx;
	if (item->type != YAML_SCALAR_NODE || conf__node_is_null(item))
		return conf__fail_type(b, item, "engines", "a list of engine names");
	struct site_engine_ref *r =
	    realloc(b->site_engine_refs, (b->nsite_engine_refs + 1) * sizeof(*r));
	char **e = realloc(site->engines, (site->nengines + 1) * sizeof(*e));
	if (r)
		b->site_engine_refs = r;
	if (e)
		site->engines = e;
	if (!r || !e)
		return FDNS_ENOMEM;
	e[site->nengines] = strdup(conf__node_text(item));
	if (!e[site->nengines])
		return FDNS_ENOMEM;
	r[b->nsite_engine_refs++] = (struct site_engine_ref){
	    .site = b->conf.nsites - 1,
	    .engine = site->nengines++,
	    .line = conf__node_line(item),
	    .column = conf__node_column(item),
	};
	return 0;
}

static int parse_site_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val,
                          void *ctx)
{
	conf_site_t *site = ctx;
	switch (conf__key_find(conf__node_text(key), site_keys, CONF_NKEYS(site_keys))) {
	case S_NAME:
		return parse_name(b, site, val);
	case S_CLIENTS:
		return parse_list(b, site, val, "clients", "a list of ADDRESS[/PREFIX]",
		                  parse_client);
	case S_ENGINES:
		return parse_list(b, site, val, "engines", "a list of engine names", parse_engine);
	case S_LOCAL_ONLY:
		return conf__uint_parse(b, val, "local-only", 0, 65535, &site->local_only);
	default:
		return conf__fail_unknown(b, key, "site", site_keys, CONF_NKEYS(site_keys));
	}
}

static int parse_site(struct build *b, const yaml_node_t *node, void *ctx)
{
	(void)ctx;
	if (b->conf.nsites == CONF_SITES_MAX)
		return conf__fail_at(b, node, "more than %d sites", CONF_SITES_MAX);
	int rc = conf__mapping_check(b, node, "site");
	if (rc)
		return rc;
	conf_site_t *n = realloc(b->conf.sites, (b->conf.nsites + 1) * sizeof(*n));
	if (!n)
		return FDNS_ENOMEM;
	b->conf.sites = n;
	conf_site_t *site = &n[b->conf.nsites++];
	memset(site, 0, sizeof(*site));
	rc = conf__pairs_each(b, node, parse_site_key, site);
	if (rc == 0 && !site->name)
		rc = conf__fail_at(b, node, "a site needs a 'name'");
	if (rc == 0 && !site->nclients)
		rc = conf__fail_at(b, node, "site '%s' needs 'clients'", site->name);
	if (rc == 0 && !site->nengines)
		rc = conf__fail_at(b, node, "site '%s' needs 'engines'", site->name);
	return rc;
}

int conf__sites_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "sites", "a list of sites");
	return conf__list_each(b, node, parse_site, NULL);
}

/* The i-th engine name under sites: names a configured engine, in no other site. */
static int check_engine(struct build *b, size_t i)
{
	const struct site_engine_ref *r = &b->site_engine_refs[i];
	const conf_site_t *site = &b->conf.sites[r->site];
	const char *name = site->engines[r->engine];
	if (conf__index_find(&b->engine_index, name) == CONF_INDEX_NONE)
		return conf__fail_pos(b, r->line, r->column, FDNS_EINVAL,
		                      "site '%s': no engine is named '%s'", site->name, name);
	for (size_t k = 0; k < i; k++) {
		const struct site_engine_ref *o = &b->site_engine_refs[k];
		const conf_site_t *other = &b->conf.sites[o->site];
		if (strcmp(other->engines[o->engine], name) == 0)
			return conf__fail_pos(b, r->line, r->column, FDNS_EINVAL,
			                      "engine '%s' is already in site '%s'", name,
			                      other->name);
	}
	return 0;
}

int conf__sites_check(struct build *b)
{
	b->path = b->conf.path; /* sites only come from the file */
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < b->nsite_engine_refs; i++)
		rc = check_engine(b, i);
	b->path = NULL;
	return rc;
}

int conf_site_of_engine(const conf_t *conf, const char *engine)
{
	for (size_t i = 0; i < conf->nsites; i++)
		for (size_t k = 0; k < conf->sites[i].nengines; k++)
			if (strcmp(conf->sites[i].engines[k], engine) == 0)
				return (int)i;
	return -1;
}
