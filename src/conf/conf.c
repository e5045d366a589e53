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
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"
#include "util/hash.h"

/* FNV-1a, then a Fibonacci multiply so that the top bits, which pick the slot, depend on
 * every byte. */
static size_t index_slot(const char *key, unsigned bits)
{
	uint64_t h = hash_fnv1a64_str(HASH_FNV1A64_BASIS, key);
	return (size_t)((h * 11400714819323198485u) >> (64 - bits));
}

size_t conf__index_find(const struct conf_index *ix, const char *key)
{
	if (!ix->slots)
		return CONF_INDEX_NONE;
	size_t mask = ((size_t)1 << ix->bits) - 1;
	for (size_t i = index_slot(key, ix->bits); ix->slots[i].key; i = (i + 1) & mask)
		if (strcmp(ix->slots[i].key, key) == 0)
			return ix->slots[i].pos;
	return CONF_INDEX_NONE;
}

static void index_put(struct conf_index *ix, const char *key, size_t pos)
{
	size_t mask = ((size_t)1 << ix->bits) - 1, i = index_slot(key, ix->bits);
	while (ix->slots[i].key)
		i = (i + 1) & mask;
	ix->slots[i].key = key;
	ix->slots[i].pos = pos;
	ix->n++;
}

int conf__index_add(struct conf_index *ix, const char *key, size_t pos)
{
	if (!ix->slots || 2 * (ix->n + 1) > ((size_t)1 << ix->bits)) {
		struct conf_index grown = {.bits = ix->slots ? ix->bits + 1 : 4};
		grown.slots = calloc((size_t)1 << grown.bits, sizeof(*grown.slots));
		if (!grown.slots)
			return FDNS_ENOMEM;
		for (size_t i = 0; ix->slots && i < ((size_t)1 << ix->bits); i++)
			if (ix->slots[i].key)
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

/* keys: alone, before the other sections: zones check the key names they use. */
static int parse_keys_section(struct build *b, const yaml_node_t *key, const yaml_node_t *val,
                              void *ctx)
{
	(void)ctx;
	if (strcmp(conf__node_text(key), top_keys[TOP_KEYS]) != 0)
		return 0;
	return conf__keys_parse(b, val);
}

static int parse_section(struct build *b, const yaml_node_t *key, const yaml_node_t *val, void *ctx)
{
	(void)ctx;
	switch (conf__key_find(conf__node_text(key), top_keys, CONF_NKEYS(top_keys))) {
	case TOP_SERVER:
		return conf__server_parse(b, val);
	case TOP_ZONES:
		return conf__zones_parse(b, val);
	case TOP_ENGINES:
		return conf__engines_parse(b, val);
	case TOP_FLEET:
		return conf__fleet_parse(b, val);
	case TOP_SITES:
		return conf__sites_parse(b, val);
	case TOP_KEYS:
		return 0; /* parsed first */
	case TOP_HTTP:
		return conf__http_parse(b, val);
	case TOP_LOG:
		return conf__log_parse(b, val);
	default:
		return conf__fail_unknown(b, key, NULL, top_keys, CONF_NKEYS(top_keys));
	}
}

static int parse_root(struct build *b, const yaml_node_t *root)
{
	if (!root || conf__node_is_null(root))
		return 0; /* an empty file: all defaults */
	if (root->type != YAML_MAPPING_NODE)
		return conf__fail_at(b, root,
		                     "expected a mapping of 'server', 'zones', 'engines', "
		                     "'fleet', 'sites', 'keys', 'http' and 'log' at the top");
	int rc = conf__mapping_each(b, root, "top level", parse_keys_section, NULL);
	return rc ? rc : conf__pairs_each(b, root, parse_section, NULL);
}

static int fail_yaml(struct build *b, const yaml_parser_t *parser, const char *data)
{
	if (parser->error == YAML_MEMORY_ERROR)
		return FDNS_ENOMEM;
	size_t line = parser->problem_mark.line + 1, column = parser->problem_mark.column + 1;
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
	const char *problem = parser->problem ? parser->problem : "invalid YAML";
	if (parser->context)
		return conf__fail_pos(b, line, column, FDNS_EPARSE, "%s (%s)", problem,
		                      parser->context);
	return conf__fail_pos(b, line, column, FDNS_EPARSE, "%s", problem);
}

static int read_whole(struct build *b, const char *path, char **data, size_t *len)
{
	*len = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return conf__fail_pos(b, 0, 0, FDNS_EIO, "%s", strerror(errno));
	size_t cap = 0, got;
	char *buf = NULL;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			char *grown = realloc(buf, cap + 1);
			if (!grown) {
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

/* The first document of parser, walked by parse_root; then the check that it is the only one
 * (a second would be ignored: better say so than drop it silently). */
static int load_documents(struct build *b, yaml_parser_t *parser, const char *data)
{
	yaml_document_t doc;
	if (!yaml_parser_load(parser, &doc))
		return fail_yaml(b, parser, data);
	b->doc = &doc;
	int rc = parse_root(b, yaml_document_get_root_node(&doc));
	b->doc = NULL;
	yaml_document_delete(&doc);
	if (rc != 0)
		return rc;
	yaml_document_t extra;
	if (!yaml_parser_load(parser, &extra))
		return fail_yaml(b, parser, data);
	if (yaml_document_get_root_node(&extra))
		rc = conf__fail_at(b, yaml_document_get_root_node(&extra),
		                   "only one YAML document is allowed");
	yaml_document_delete(&extra);
	return rc;
}

static int load_file(struct build *b, const char *path)
{
	b->path = path;
	char *data = NULL;
	size_t len;
	int rc = read_whole(b, path, &data, &len);
	if (rc != 0)
		return rc;
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		free(data);
		return FDNS_ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	rc = load_documents(b, &parser, data);
	yaml_parser_delete(&parser);
	free(data);
	return rc;
}

/* --listen: the command line's addresses replace the file's. */
static int apply_listen(struct build *b, const conf_cmdline_t *cl)
{
	if (cl->nlisten > 0)
		conf__listen_clear(b);
	for (size_t i = 0; i < cl->nlisten; i++) {
		int rc = conf__listen_add(b, cl->listen[i]);
		if (rc == FDNS_EADDR || rc == FDNS_EEXIST)
			return conf__fail_pos(
			    b, 0, 0, FDNS_EINVAL, "--listen '%s': %s", cl->listen[i],
			    rc == FDNS_EADDR ? "invalid address (" CONF_ADDR_HINT ")"
			                     : "given twice");
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int apply_cmdline(struct build *b, const conf_cmdline_t *cl)
{
	b->path = NULL;
	int rc = apply_listen(b, cl);
	for (size_t i = 0; rc == 0 && i < cl->nzones; i++)
		rc = conf__zone_arg_apply(b, cl->zones[i]);
	for (size_t i = 0; rc == 0 && i < cl->nengines; i++)
		rc = conf__engine_arg_apply(b, cl->engines[i]);
	if (rc != 0)
		return rc;
	/* -v and -q move the level from the file's, by at most three steps either way. */
	b->conf.log_level = clamp(b->conf.log_level + clamp(cl->verbosity, -3, 3), 0, 3);
	return 0;
}

static int apply_defaults(struct build *b, const conf_cmdline_t *cl)
{
	if (b->conf.nzones == 0 && !cl->conf_path) {
		char *canon = conf__zone_canon(CONF_DEFAULT_ZONE);
		int rc = canon ? conf__zone_add(b, CONF_DEFAULT_ZONE, canon, NULL, 0) : FDNS_ENOMEM;
		if (rc != 0)
			return rc;
		b->conf.zones[0].embedded = true;
	}
	/* No engine anywhere and no file: the daemon watches the local socket if it exists. */
	b->conf.engines_default = b->conf.nengines == 0 && !cl->conf_path;
	int rc = conf__rrl_defaults(&b->conf.rrl);
	if (rc == 0 && b->conf.nlisten == 0)
		rc = conf__listen_add(b, CONF_DEFAULT_LISTEN);
	return rc;
}

/* What a conf_t holds when neither the file nor the command line says otherwise. */
static const conf_t conf_defaults = {
    .udp_size = CONF_DEFAULT_UDP_SIZE,
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
              .resync_ms = CONF_DEFAULT_RESYNC_MS},
};

/* The file, the command line, the defaults, then the checks that need all three. */
static int build_steps(struct build *b, const conf_cmdline_t *cl)
{
	int rc = 0;
	if (cl->conf_path) {
		b->conf.path = strdup(cl->conf_path);
		rc = b->conf.path ? load_file(b, cl->conf_path) : FDNS_ENOMEM;
	}
	if (rc == 0)
		rc = apply_cmdline(b, cl);
	if (rc == 0)
		rc = apply_defaults(b, cl);
	if (rc == 0)
		rc = conf__fleet_zones_check(b);
	if (rc == 0)
		rc = conf__sites_check(b);
	return rc;
}

/* Frees what b keeps besides b->conf. */
static void build_state_free(struct build *b)
{
	for (size_t i = 0; i < b->conf.nzones; i++)
		free(b->keys[i].canon);
	free(b->keys);
	for (size_t i = 0; i < b->conf.nkeys; i++)
		free(b->key_canons[i]);
	free(b->key_canons);
	free(b->engine_lines);
	conf__index_free(&b->zone_index);
	conf__index_free(&b->engine_index);
	conf__index_free(&b->key_index);
	for (size_t i = 0; b->listen_keys && i < b->conf.nlisten; i++)
		free(b->listen_keys[i]);
	free(b->listen_keys);
	conf__index_free(&b->listen_index);
	conf__fleet_build_free(b);
	conf__sites_build_free(b);
}

int conf_build(conf_t *out, const conf_cmdline_t *cl, char *err, size_t errlen)
{
	static const conf_cmdline_t empty = {0};
	struct build b = {.conf = conf_defaults, .err = err, .errlen = errlen};
	memset(out, 0, sizeof(*out));
	if (err && errlen > 0)
		err[0] = '\0';
	int rc = build_steps(&b, cl ? cl : &empty);
	if (rc == FDNS_ENOMEM)
		conf__fail_pos(&b, 0, 0, rc, "%s", fdns_strerror(rc));
	build_state_free(&b);
	if (rc != 0)
		conf_free(&b.conf);
	else
		*out = b.conf;
	return rc;
}

void conf_free(conf_t *conf)
{
	if (!conf)
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
