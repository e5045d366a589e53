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

/* The site (other than the one being parsed, which is last) that lists p already, or NULL. */
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

static int parse_client(struct build *b, conf_site_t *site, const yaml_node_t *item)
{
	conf_prefix_t p;
	if (item->type != YAML_SCALAR_NODE)
		return conf__fail_type(b, item, "clients", "a list of ADDRESS[/PREFIX]");
	const char *text = conf__node_text(item);
	if (conf__cidr_parse(text, &p.addr, &p.prefix) != 0)
		return conf__fail_at(b, item, "invalid client prefix '%s' (ADDRESS[/PREFIX])",
		                     text);
	if (conf__cidr_host_bits(&p.addr, p.prefix))
		return conf__fail_at(b, item, "client prefix '%s' has bits set past its /%u prefix",
		                     text, p.prefix);
	const conf_site_t *owner = prefix_owner(b, &p);
	if (owner)
		return conf__fail_at(b, item, "client prefix '%s' is already in site '%s'", text,
		                     owner->name ? owner->name : "(this one)");
	conf_prefix_t *n = realloc(site->clients, (site->nclients + 1) * sizeof(*n));
	if (!n)
		return FDNS_ENOMEM;
	site->clients = n;
	n[site->nclients++] = p;
	return 0;
}

typedef int (*item_parser_t)(struct build *b, conf_site_t *site, const yaml_node_t *item);

/* A non-empty list (what: its key, want: what it must be), each item through parse. */
static int parse_list(struct build *b, conf_site_t *site, const yaml_node_t *val, const char *what,
                      const char *want, item_parser_t parse)
{
	if (val->type != YAML_SEQUENCE_NODE ||
	    val->data.sequence.items.start == val->data.sequence.items.top)
		return conf__fail_type(b, val, what, want);
	int rc = 0;
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     rc == 0 && it < val->data.sequence.items.top; it++)
		rc = parse(b, site, conf__node_get(b, *it));
	return rc;
}

/* An engine name, kept with its place for conf__sites_check. */
static int parse_engine(struct build *b, conf_site_t *site, const yaml_node_t *item)
{
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
	    .line = item->start_mark.line + 1,
	    .column = item->start_mark.column + 1,
	};
	return 0;
}

static int parse_site_key(struct build *b, conf_site_t *site, const yaml_node_t *key,
                          const yaml_node_t *val)
{
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

static int parse_site(struct build *b, const yaml_node_t *node)
{
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
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++)
		rc =
		    parse_site_key(b, site, conf__node_get(b, p->key), conf__node_get(b, p->value));
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
	int rc = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     rc == 0 && it < node->data.sequence.items.top; it++)
		rc = parse_site(b, conf__node_get(b, *it));
	return rc;
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
