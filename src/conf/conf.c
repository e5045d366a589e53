/* SPDX-License-Identifier: MIT */
/* conf.c -- builds a conf_t from defaults, the YAML config file and the command line.
 *
 * The file is read whole, loaded into a libyaml document and walked node by node; each
 * top-level section has its own parser (server.c, zones.c, engines.c, fleet.c). Each value is
 * checked where it is read and the first problem stops the build with a message naming
 * FILE:LINE:COLUMN of the offending node, so a typo never passes silently. Everything is
 * built into a private conf_t that is handed to the caller only when complete: a failed
 * build (say, a reload after a bad edit) leaves nothing behind and the old config in force.
 */
#include "config.h"

#include "conf/conf_internal.h"
#include "fleetdns/error.h"
#include "util/hash.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a Fibonacci multiply so that the top bits, which pick the slot, depend on
 * every byte. */
static size_t index_slot(const char *key, unsigned bits)
{
	uint64_t h = hash_fnv1a64_str(HASH_FNV1A64_BASIS, key);

	return (size_t)((h * 11400714819323198485u) >> (64 - bits));
}

size_t conf__index_find(const struct conf_index *ix, const char *key)
{
	size_t mask, i;

	if (ix->slots == NULL)
		return CONF_INDEX_NONE;
	mask = ((size_t)1 << ix->bits) - 1;
	for (i = index_slot(key, ix->bits); ix->slots[i].key != NULL; i = (i + 1) & mask)
		if (strcmp(ix->slots[i].key, key) == 0)
			return ix->slots[i].pos;
	return CONF_INDEX_NONE;
}

static void index_put(struct conf_index *ix, const char *key, size_t pos)
{
	size_t mask = ((size_t)1 << ix->bits) - 1, i = index_slot(key, ix->bits);

	while (ix->slots[i].key != NULL)
		i = (i + 1) & mask;
	ix->slots[i].key = key;
	ix->slots[i].pos = pos;
	ix->n++;
}

int conf__index_add(struct conf_index *ix, const char *key, size_t pos)
{
	if (ix->slots == NULL || 2 * (ix->n + 1) > ((size_t)1 << ix->bits)) {
		struct conf_index grown = {.bits = ix->slots ? ix->bits + 1 : 4};
		grown.slots = calloc((size_t)1 << grown.bits, sizeof(*grown.slots));
		if (grown.slots == NULL)
			return FDNS_ENOMEM;
		for (size_t i = 0; ix->slots != NULL && i < ((size_t)1 << ix->bits); i++)
			if (ix->slots[i].key != NULL)
				index_put(&grown, ix->slots[i].key, ix->slots[i].pos);
		free(ix->slots);
		*ix = grown;
	}
	index_put(ix, key, pos);
	return 0;
}

void conf__index_free(struct conf_index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

/* The top-level keys, in the order of docs/configuration.md. */
enum { TOP_SERVER, TOP_ZONES, TOP_ENGINES, TOP_FLEET, TOP_SITES, TOP_KEYS, TOP_HTTP, TOP_LOG };
static const char *const top_keys[] = {"server", "zones", "engines", "fleet",
                                       "sites",  "keys",  "http",    "log"};

static int parse_root(struct build *b, const yaml_node_t *root)
{
	int rc;

	if (root == NULL || conf__node_is_null(root))
		return 0; /* an empty file: all defaults */
	if (root->type != YAML_MAPPING_NODE)
		return conf__fail_at(b, root,
		                     "expected a mapping of 'server', 'zones', 'engines', "
		                     "'fleet', 'sites', 'keys', 'http' and 'log' at the top");
	rc = conf__mapping_check(b, root, "top level");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++)
		if (strcmp(conf__node_text(conf__node_get(b, p->key)), top_keys[TOP_KEYS]) == 0)
			rc = conf__keys_parse(b, conf__node_get(b, p->value));
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		const yaml_node_t *val = conf__node_get(b, p->value);
		switch (conf__key_find(conf__node_text(key), top_keys, CONF_NKEYS(top_keys))) {
		case TOP_SERVER:
			rc = conf__server_parse(b, val);
			break;
		case TOP_ZONES:
			rc = conf__zones_parse(b, val);
			break;
		case TOP_ENGINES:
			rc = conf__engines_parse(b, val);
			break;
		case TOP_FLEET:
			rc = conf__fleet_parse(b, val);
			break;
		case TOP_SITES:
			rc = conf__sites_parse(b, val);
			break;
		case TOP_KEYS:
			break; /* parsed first */
		case TOP_HTTP:
			rc = conf__http_parse(b, val);
			break;
		case TOP_LOG:
			rc = conf__log_parse(b, val);
			break;
		default:
			rc = conf__fail_unknown(b, key, NULL, top_keys, CONF_NKEYS(top_keys));
		}
	}
	return rc;
}

static int fail_yaml(struct build *b, const yaml_parser_t *parser, const char *data)
{
	size_t line = parser->problem_mark.line + 1, column = parser->problem_mark.column + 1;
	const char *problem = parser->problem ? parser->problem : "invalid YAML";

	if (parser->error == YAML_MEMORY_ERROR)
		return FDNS_ENOMEM;
	if (parser->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset only; count lines and characters up to it. */
		line = column = 1;
		for (size_t i = 0; i < parser->problem_offset; i++) {
			if (data[i] == '\n')
				line++, column = 1;
			else if (((unsigned char)data[i] & 0xc0) != 0x80)
				column++;
		}
	}
	if (parser->context != NULL)
		return conf__fail_pos(b, line, column, FDNS_EPARSE, "%s (%s)", problem,
		                      parser->context);
	return conf__fail_pos(b, line, column, FDNS_EPARSE, "%s", problem);
}

static int read_whole(struct build *b, const char *path, char **data, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 0, got;
	char *buf = NULL, *grown;

	*len = 0;
	if (fp == NULL)
		return conf__fail_pos(b, 0, 0, FDNS_EIO, "%s", strerror(errno));
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			grown = realloc(buf, cap + 1);
			if (grown == NULL) {
				free(buf);
				fclose(fp);
				return FDNS_ENOMEM;
			}
			buf = grown;
		}
		got = fread(buf + *len, 1, cap - *len, fp);
		*len += got;
	} while (got > 0);
	if (ferror(fp)) {
		int saved = errno;
		free(buf);
		fclose(fp);
		return conf__fail_pos(b, 0, 0, FDNS_EIO, "%s", strerror(saved));
	}
	fclose(fp);
	buf[*len] = '\0';
	*data = buf;
	return 0;
}

static int load_file(struct build *b, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	char *data = NULL;
	size_t len;
	int rc;

	b->path = path;
	rc = read_whole(b, path, &data, &len);
	if (rc != 0)
		return rc;
	if (!yaml_parser_initialize(&parser)) {
		free(data);
		return FDNS_ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = fail_yaml(b, &parser, data);
		goto out;
	}
	b->doc = &doc;
	rc = parse_root(b, yaml_document_get_root_node(&doc));
	b->doc = NULL;
	yaml_document_delete(&doc);
	if (rc != 0)
		goto out;
	/* A second document would be ignored; say so rather than drop it silently. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = fail_yaml(b, &parser, data);
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL)
		rc = conf__fail_at(b, yaml_document_get_root_node(&extra),
		                   "only one YAML document is allowed");
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	free(data);
	return rc;
}

static int apply_cmdline(struct build *b, const conf_cmdline_t *cl)
{
	int rc, level, verbosity;

	b->path = NULL;
	if (cl->nlisten > 0)
		conf__listen_clear(b);
	for (size_t i = 0; i < cl->nlisten; i++) {
		rc = conf__listen_add(b, cl->listen[i]);
		if (rc == FDNS_EADDR || rc == FDNS_EEXIST)
			return conf__fail_pos(
			    b, 0, 0, FDNS_EINVAL, "--listen '%s': %s", cl->listen[i],
			    rc == FDNS_EADDR ? "invalid address (" CONF_ADDR_HINT ")"
			                     : "given twice");
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < cl->nzones; i++) {
		rc = conf__zone_arg_apply(b, cl->zones[i]);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < cl->nengines; i++) {
		rc = conf__engine_arg_apply(b, cl->engines[i]);
		if (rc != 0)
			return rc;
	}
	verbosity = cl->verbosity < -3 ? -3 : cl->verbosity > 3 ? 3 : cl->verbosity;
	level = b->conf.log_level + verbosity;
	b->conf.log_level = level < 0 ? 0 : level > 3 ? 3 : level;
	return 0;
}

static int apply_defaults(struct build *b, const conf_cmdline_t *cl)
{
	if (b->conf.nzones == 0 && cl->conf_path == NULL) {
		char *canon = conf__zone_canon(CONF_DEFAULT_ZONE);
		int rc = canon ? conf__zone_add(b, CONF_DEFAULT_ZONE, canon, NULL, 0) : FDNS_ENOMEM;
		if (rc != 0)
			return rc;
		b->conf.zones[0].embedded = true;
	}
	/* No engine anywhere and no file: the daemon watches the local socket if it exists. */
	b->conf.engines_default = b->conf.nengines == 0 && cl->conf_path == NULL;
	int rc = conf__rrl_defaults(&b->conf.rrl);
	if (rc == 0 && b->conf.nlisten == 0)
		rc = conf__listen_add(b, CONF_DEFAULT_LISTEN);
	return rc;
}

int conf_build(conf_t *out, const conf_cmdline_t *cl, char *err, size_t errlen)
{
	static const conf_cmdline_t empty = {0};
	struct build b = {
	    .conf = {.udp_size = CONF_DEFAULT_UDP_SIZE,
	             .tcp_idle_ms = CONF_DEFAULT_TCP_IDLE_MS,
	             .tcp_max_clients = CONF_DEFAULT_TCP_MAX_CLIENTS,
	             .tcp_max_per_client = CONF_DEFAULT_TCP_MAX_PER_CLIENT,
	             .tcp_io_ms = CONF_DEFAULT_TCP_IO_MS,
	             .tcp_max_queries = CONF_DEFAULT_TCP_MAX_QUERIES,
	             .rrl = {.rate = CONF_DEFAULT_RRL_RATE,
	                     .slip = CONF_DEFAULT_RRL_SLIP,
	                     .ipv4_prefix = CONF_DEFAULT_RRL_IPV4_PREFIX,
	                     .ipv6_prefix = CONF_DEFAULT_RRL_IPV6_PREFIX,
	                     .table_size = CONF_DEFAULT_RRL_TABLE_SIZE},
	             .log_level = 2,
	             .fleet = {.ttl = CONF_DEFAULT_FLEET_TTL,
	                       .compose_labels = true,
	                       .swarm_labels = true,
	                       .resync_ms = CONF_DEFAULT_RESYNC_MS}},
	    .err = err,
	    .errlen = errlen,
	};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (cl == NULL)
		cl = &empty;
	if (cl->conf_path != NULL) {
		b.conf.path = strdup(cl->conf_path);
		rc = b.conf.path ? load_file(&b, cl->conf_path) : FDNS_ENOMEM;
	}
	if (rc == 0)
		rc = apply_cmdline(&b, cl);
	if (rc == 0)
		rc = apply_defaults(&b, cl);
	if (rc == 0)
		rc = conf__fleet_zones_check(&b);
	if (rc == 0)
		rc = conf__sites_check(&b);
	if (rc == FDNS_ENOMEM)
		conf__fail_pos(&b, 0, 0, rc, "%s", fdns_strerror(rc));

	for (size_t i = 0; i < b.conf.nzones; i++)
		free(b.keys[i].canon);
	free(b.keys);
	for (size_t i = 0; i < b.conf.nkeys; i++)
		free(b.key_canons[i]);
	free(b.key_canons);
	free(b.engine_lines);
	conf__index_free(&b.zone_index);
	conf__index_free(&b.engine_index);
	conf__index_free(&b.key_index);
	for (size_t i = 0; b.listen_keys && i < b.conf.nlisten; i++)
		free(b.listen_keys[i]);
	free(b.listen_keys);
	conf__index_free(&b.listen_index);
	conf__fleet_build_free(&b);
	conf__sites_build_free(&b);
	if (rc != 0)
		conf_free(&b.conf);
	else
		*out = b.conf;
	return rc;
}

void conf_free(conf_t *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nlisten; i++)
		free(conf->listen[i].text);
	free(conf->listen);
	for (size_t i = 0; i < conf->nzones; i++) {
		free(conf->zones[i].name);
		free(conf->zones[i].file);
		conf__zone_xfr_free(&conf->zones[i]);
		conf__zone_gen_free(&conf->zones[i]);
	}
	free(conf->zones);
	conf__engines_free(conf);
	conf__fleet_free(&conf->fleet);
	conf__sites_free(conf);
	conf__keys_free(conf);
	free(conf->rrl.exempt);
	conf__http_free(conf);
	conf__process_free(&conf->process);
	free(conf->path);
	memset(conf, 0, sizeof(*conf));
}
