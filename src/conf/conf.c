/* SPDX-License-Identifier: MIT */
/* conf.c -- builds a conf_t from defaults, the YAML config file and the command line.
 *
 * The file is read whole, loaded into a libyaml document and walked node by node. Each value
 * is checked where it is read and the first problem stops the build with a message naming
 * FILE:LINE:COLUMN of the offending node, so a typo never passes silently. Everything is
 * built into a private conf_t that is handed to the caller only when complete: a failed
 * build (say, a reload after a bad edit) leaves nothing behind and the old config in force.
 */
#include "config.h"

#include "fleetdns/conf.h"
#include "fleetdns/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <yaml.h>

#define CONF_MAX_WORKERS 1024
#define ADDR_HINT        "expected IPv4:PORT or [IPv6]:PORT"

/* Per zone, what duplicate checks need: its canonical name and where it was defined. */
struct zone_key {
	char *canon; /* lower case, absolute, as ldns prints it */
	size_t line; /* 1-based line in the config file; 0 if from the command line */
};

struct build {
	conf_t conf;           /* built here, handed over on success */
	struct zone_key *keys; /* parallel to conf.zones */
	const char *path;      /* config file for messages; NULL for command line errors */
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

/* Writes "path:line:column: message" (or a shorter prefix when line or path is 0/NULL). */
static int vfail(struct build *b, size_t line, size_t column, int code, const char *fmt, va_list ap)
{
	int n = 0;

	if (b->err == NULL || b->errlen == 0)
		return code;
	if (b->path != NULL && line > 0)
		n = snprintf(b->err, b->errlen, "%s:%zu:%zu: ", b->path, line, column);
	else if (b->path != NULL)
		n = snprintf(b->err, b->errlen, "%s: ", b->path);
	if (n >= 0 && (size_t)n < b->errlen)
		vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
	return code;
}

static int __attribute__((format(printf, 5, 6)))
fail_pos(struct build *b, size_t line, size_t column, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(b, line, column, code, fmt, ap);
	va_end(ap);
	return code;
}

static int __attribute__((format(printf, 3, 4)))
fail_at(struct build *b, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(b, node->start_mark.line + 1, node->start_mark.column + 1, FDNS_EINVAL, fmt, ap);
	va_end(ap);
	return FDNS_EINVAL;
}

static const char *node_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A plain empty value, "~" or "null": the key is there but says nothing. */
static bool node_is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(node_text(node), nulls[i]) == 0)
			return true;
	return false;
}

/* What a wrong value is, for "(got ...)" in messages. Scalars are quoted by the caller. */
static const char *node_kind(const yaml_node_t *node)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (node_is_null(node))
		return "nothing";
	return NULL;
}

static int fail_type(struct build *b, const yaml_node_t *node, const char *what, const char *want)
{
	const char *kind = node_kind(node);

	if (kind != NULL)
		return fail_at(b, node, "'%s' must be %s (got %s)", what, want, kind);
	return fail_at(b, node, "'%s' must be %s (got '%s')", what, want, node_text(node));
}

/* Checks that node is a mapping whose keys are distinct strings. */
static int check_mapping(struct build *b, const yaml_node_t *node, const char *what)
{
	const yaml_node_pair_t *start, *top;

	if (node->type != YAML_MAPPING_NODE)
		return fail_type(b, node, what, "a mapping");
	start = node->data.mapping.pairs.start;
	top = node->data.mapping.pairs.top;
	for (const yaml_node_pair_t *p = start; p < top; p++) {
		const yaml_node_t *key = yaml_document_get_node(b->doc, p->key);
		if (key->type != YAML_SCALAR_NODE)
			return fail_at(b, key, "keys in '%s' must be strings (got %s)", what,
			               node_kind(key));
		for (const yaml_node_pair_t *q = start; q < p; q++) {
			const yaml_node_t *prev = yaml_document_get_node(b->doc, q->key);
			if (strcmp(node_text(prev), node_text(key)) == 0)
				return fail_at(b, key, "duplicate key '%s' (first at line %zu)",
				               node_text(key), prev->start_mark.line + 1);
		}
	}
	return 0;
}

static int parse_port(const char *text, in_port_t *port)
{
	unsigned long value = 0;
	size_t i;

	for (i = 0; text[i] >= '0' && text[i] <= '9' && i < 5; i++)
		value = value * 10 + (unsigned long)(text[i] - '0');
	if (i == 0 || text[i] != '\0' || value < 1 || value > 65535)
		return FDNS_EADDR;
	*port = htons((uint16_t)value);
	return 0;
}

/* "fe80::1%eth0" or "fe80::1%2": the address part stays in host, the scope is returned. */
static int parse_scope(char *host, uint32_t *scope)
{
	char *sep = strchr(host, '%');
	char *end;
	unsigned long number;

	*scope = 0;
	if (sep == NULL)
		return 0;
	*sep++ = '\0';
	*scope = if_nametoindex(sep);
	if (*scope == 0 && sep[0] >= '0' && sep[0] <= '9') {
		number = strtoul(sep, &end, 10);
		if (*end == '\0' && number <= UINT32_MAX)
			*scope = (uint32_t)number;
	}
	return *scope == 0 ? FDNS_EADDR : 0;
}

int conf_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	const char *port;
	size_t hostlen;
	bool bracketed = text != NULL && text[0] == '[';

	memset(ss, 0, sizeof(*ss));
	*len = 0;
	if (text == NULL)
		return FDNS_EADDR;
	if (bracketed) {
		const char *end = strchr(text, ']');
		if (end == NULL || end[1] != ':')
			return FDNS_EADDR;
		text++;
		hostlen = (size_t)(end - text);
		port = end + 2;
	} else {
		port = strrchr(text, ':');
		if (port == NULL)
			return FDNS_EADDR;
		hostlen = (size_t)(port - text);
		port++;
	}
	if (hostlen == 0 || hostlen >= sizeof(host))
		return FDNS_EADDR;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';

	if (bracketed) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (parse_scope(host, &sin6->sin6_scope_id) != 0 ||
		    inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1 ||
		    parse_port(port, &sin6->sin6_port) != 0)
			goto fail;
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1 ||
		    parse_port(port, &sin->sin_port) != 0)
			goto fail;
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
	}
	return 0;
fail:
	memset(ss, 0, sizeof(*ss));
	return FDNS_EADDR;
}

/* Adds a listen address; returns FDNS_EADDR (bad text), FDNS_EEXIST (already there) or 0. */
static int listen_add(conf_t *conf, const char *text)
{
	conf_listen_t item = {0};
	conf_listen_t *grown;

	if (conf_addr_parse(text, &item.addr, &item.addrlen) != 0)
		return FDNS_EADDR;
	for (size_t i = 0; i < conf->nlisten; i++)
		if (conf->listen[i].addrlen == item.addrlen &&
		    memcmp(&conf->listen[i].addr, &item.addr, item.addrlen) == 0)
			return FDNS_EEXIST;
	grown = realloc(conf->listen, (conf->nlisten + 1) * sizeof(*grown));
	if (grown == NULL)
		return FDNS_ENOMEM;
	conf->listen = grown;
	item.text = strdup(text);
	if (item.text == NULL)
		return FDNS_ENOMEM;
	conf->listen[conf->nlisten++] = item;
	return 0;
}

static void listen_clear(conf_t *conf)
{
	for (size_t i = 0; i < conf->nlisten; i++)
		free(conf->listen[i].text);
	free(conf->listen);
	conf->listen = NULL;
	conf->nlisten = 0;
}

/* The canonical text of a zone name (malloc'ed), or NULL if it is not a domain name. */
static char *zone_canon(const char *name)
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

static struct zone_key *zone_find(struct build *b, const char *canon)
{
	for (size_t i = 0; i < b->conf.nzones; i++)
		if (strcmp(b->keys[i].canon, canon) == 0)
			return &b->keys[i];
	return NULL;
}

/* Appends a zone; takes canon over in every case. file may be NULL. */
static int zone_add(struct build *b, const char *name, char *canon, const char *file, size_t line)
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
	b->keys[conf->nzones] = (struct zone_key){.canon = canon, .line = line};
	conf->zones[conf->nzones++] = zone;
	return 0;
fail:
	free(zone.name);
	free(zone.file);
	free(canon);
	return FDNS_ENOMEM;
}

/* Joins a zone file path to the config file's folder unless it is absolute. */
static char *path_resolve(const char *conf_path, const char *file)
{
	const char *slash = strrchr(conf_path, '/');
	size_t dirlen = slash ? (size_t)(slash - conf_path) + 1 : 0;
	size_t filelen = strlen(file);
	char *path;

	if (file[0] == '/')
		dirlen = 0;
	path = malloc(dirlen + filelen + 1);
	if (path == NULL)
		return NULL;
	memcpy(path, conf_path, dirlen);
	memcpy(path + dirlen, file, filelen + 1);
	return path;
}

static int parse_uint(struct build *b, const yaml_node_t *val, const char *what, unsigned min,
                      unsigned max, unsigned *out)
{
	unsigned long long value = 0;
	const char *text = val->type == YAML_SCALAR_NODE ? node_text(val) : NULL;

	if (text == NULL || text[0] == '\0')
		return fail_type(b, val, what, "an integer");
	for (const char *c = text; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return fail_type(b, val, what, "an integer");
		if (value <= max)
			value = value * 10 + (unsigned)(*c - '0');
	}
	if (value < min || value > max)
		return fail_at(b, val, "'%s' must be between %u and %u (got %s)", what, min, max,
		               text);
	*out = (unsigned)value;
	return 0;
}

static int parse_log_level(struct build *b, const yaml_node_t *val)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	for (int i = 0; val->type == YAML_SCALAR_NODE && i < 4; i++) {
		if (strcmp(node_text(val), names[i]) == 0) {
			b->conf.log_level = i;
			return 0;
		}
	}
	return fail_type(b, val, "log-level", "error, warning, info or debug");
}

static int parse_listen(struct build *b, const yaml_node_t *val)
{
	if (node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return fail_type(b, val, "listen", "a list of addresses");
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(b->doc, *it);
		int rc;
		if (item->type != YAML_SCALAR_NODE)
			return fail_type(b, item, "listen", "a list of addresses");
		rc = listen_add(&b->conf, node_text(item));
		if (rc == FDNS_EADDR)
			return fail_at(b, item, "invalid listen address '%s' (" ADDR_HINT ")",
			               node_text(item));
		if (rc == FDNS_EEXIST)
			return fail_at(b, item, "duplicate listen address '%s'", node_text(item));
		if (rc != 0)
			return rc;
	}
	return 0;
}

static const struct uint_key {
	const char *name;
	size_t offset; /* of the unsigned in conf_t */
	unsigned min, max;
} uint_keys[] = {
    {"workers", offsetof(conf_t, workers), 0, CONF_MAX_WORKERS},
    {"udp-size", offsetof(conf_t, udp_size), 512, 4096},
    {"tcp-idle-timeout", offsetof(conf_t, tcp_idle_ms), 100, 3600000},
    {"tcp-max-clients", offsetof(conf_t, tcp_max_clients), 1, 65535},
    {"tcp-max-per-client", offsetof(conf_t, tcp_max_per_client), 1, 65535},
};

static int parse_server_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val)
{
	const char *name = node_text(key);

	if (strcmp(name, "listen") == 0)
		return parse_listen(b, val);
	if (strcmp(name, "log-level") == 0)
		return parse_log_level(b, val);
	for (size_t i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		const struct uint_key *k = &uint_keys[i];
		if (strcmp(name, k->name) == 0)
			return parse_uint(b, val, k->name, k->min, k->max,
			                  (unsigned *)((char *)&b->conf + k->offset));
	}
	return fail_at(b, key, "unknown key '%s' in 'server'", name);
}

static int parse_server(struct build *b, const yaml_node_t *node)
{
	int rc;

	if (node_is_null(node))
		return 0;
	rc = check_mapping(b, node, "server");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++)
		rc = parse_server_key(b, yaml_document_get_node(b->doc, p->key),
		                      yaml_document_get_node(b->doc, p->value));
	return rc;
}

static int parse_zone(struct build *b, const yaml_node_t *node)
{
	const yaml_node_t *name = NULL, *file = NULL;
	struct zone_key *prev;
	char *canon, *path = NULL;
	int rc;

	if (node->type != YAML_MAPPING_NODE)
		return fail_type(b, node, "zones", "a list of mappings");
	rc = check_mapping(b, node, "zone");

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yaml_document_get_node(b->doc, p->key);
		if (strcmp(node_text(key), "name") == 0)
			name = yaml_document_get_node(b->doc, p->value);
		else if (strcmp(node_text(key), "file") == 0)
			file = yaml_document_get_node(b->doc, p->value);
		else
			return fail_at(b, key, "unknown key '%s' in zone", node_text(key));
	}
	if (rc != 0)
		return rc;
	if (name == NULL)
		return fail_at(b, node, "zone has no 'name'");
	if (name->type != YAML_SCALAR_NODE || node_is_null(name))
		return fail_type(b, name, "name", "a domain name");
	if (file != NULL && node_is_null(file))
		file = NULL;
	if (file != NULL && (file->type != YAML_SCALAR_NODE || node_text(file)[0] == '\0'))
		return fail_type(b, file, "file", "a file name");

	canon = zone_canon(node_text(name));
	if (canon == NULL)
		return fail_at(b, name, "invalid zone name '%s'", node_text(name));
	prev = zone_find(b, canon);
	if (prev != NULL) {
		free(canon);
		return fail_at(b, name, "duplicate zone '%s' (first at line %zu)", node_text(name),
		               prev->line);
	}
	if (file != NULL && (path = path_resolve(b->path, node_text(file))) == NULL) {
		free(canon);
		return FDNS_ENOMEM;
	}
	rc = zone_add(b, node_text(name), canon, path, name->start_mark.line + 1);
	free(path);
	return rc;
}

static int parse_zones(struct build *b, const yaml_node_t *node)
{
	int rc = 0;

	if (node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return fail_type(b, node, "zones", "a list");
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     rc == 0 && it < node->data.sequence.items.top; it++)
		rc = parse_zone(b, yaml_document_get_node(b->doc, *it));
	return rc;
}

static int parse_root(struct build *b, const yaml_node_t *root)
{
	int rc;

	if (root == NULL || node_is_null(root))
		return 0; /* an empty file: all defaults */
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(b, root, "expected a mapping with 'server' and 'zones' at the top");
	rc = check_mapping(b, root, "top level");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yaml_document_get_node(b->doc, p->key);
		const yaml_node_t *val = yaml_document_get_node(b->doc, p->value);
		if (strcmp(node_text(key), "server") == 0)
			rc = parse_server(b, val);
		else if (strcmp(node_text(key), "zones") == 0)
			rc = parse_zones(b, val);
		else
			rc = fail_at(b, key, "unknown top-level key '%s'", node_text(key));
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
		return fail_pos(b, line, column, FDNS_EPARSE, "%s (%s)", problem, parser->context);
	return fail_pos(b, line, column, FDNS_EPARSE, "%s", problem);
}

static int read_whole(struct build *b, const char *path, char **data, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 0, got;
	char *buf = NULL, *grown;

	*len = 0;
	if (fp == NULL)
		return fail_pos(b, 0, 0, FDNS_EIO, "%s", strerror(errno));
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
		return fail_pos(b, 0, 0, FDNS_EIO, "%s", strerror(saved));
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
		rc = fail_at(b, yaml_document_get_root_node(&extra),
		             "only one YAML document is allowed");
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	free(data);
	return rc;
}

/* --zone ORIGIN[=FILE]: adds a zone, or replaces the config file's entry for ORIGIN. */
static int apply_zone_arg(struct build *b, const char *arg)
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
		rc = fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': expected ORIGIN or ORIGIN=FILE",
		              arg);
		goto out;
	}
	canon = zone_canon(name);
	if (canon == NULL) {
		rc = fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': invalid zone name '%s'", arg,
		              name);
		goto out;
	}
	prev = zone_find(b, canon);
	if (prev == NULL) {
		rc = zone_add(b, name, canon, file, 0);
		canon = NULL;
	} else if (prev->line == 0) {
		rc =
		    fail_pos(b, 0, 0, FDNS_EINVAL, "--zone '%s': zone '%s' given twice", arg, name);
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

static int apply_cmdline(struct build *b, const conf_cmdline_t *cl)
{
	int rc, level, verbosity;

	b->path = NULL;
	if (cl->nlisten > 0)
		listen_clear(&b->conf);
	for (size_t i = 0; i < cl->nlisten; i++) {
		rc = listen_add(&b->conf, cl->listen[i]);
		if (rc == FDNS_EADDR || rc == FDNS_EEXIST)
			return fail_pos(b, 0, 0, FDNS_EINVAL, "--listen '%s': %s", cl->listen[i],
			                rc == FDNS_EADDR ? "invalid address (" ADDR_HINT ")"
			                                 : "given twice");
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < cl->nzones; i++) {
		rc = apply_zone_arg(b, cl->zones[i]);
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
		char *canon = zone_canon(CONF_DEFAULT_ZONE);
		int rc = canon ? zone_add(b, CONF_DEFAULT_ZONE, canon, NULL, 0) : FDNS_ENOMEM;
		if (rc != 0)
			return rc;
		b->conf.zones[0].embedded = true;
	}
	if (b->conf.nlisten == 0)
		return listen_add(&b->conf, CONF_DEFAULT_LISTEN);
	return 0;
}

int conf_build(conf_t *out, const conf_cmdline_t *cl, char *err, size_t errlen)
{
	static const conf_cmdline_t empty = {0};
	struct build b = {
	    .conf = {.udp_size = CONF_DEFAULT_UDP_SIZE,
	             .tcp_idle_ms = CONF_DEFAULT_TCP_IDLE_MS,
	             .tcp_max_clients = CONF_DEFAULT_TCP_MAX_CLIENTS,
	             .tcp_max_per_client = CONF_DEFAULT_TCP_MAX_PER_CLIENT,
	             .log_level = 2},
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
	if (rc == FDNS_ENOMEM)
		fail_pos(&b, 0, 0, rc, "%s", fdns_strerror(rc));

	for (size_t i = 0; i < b.conf.nzones; i++)
		free(b.keys[i].canon);
	free(b.keys);
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
	listen_clear(conf);
	for (size_t i = 0; i < conf->nzones; i++) {
		free(conf->zones[i].name);
		free(conf->zones[i].file);
	}
	free(conf->zones);
	free(conf->path);
	memset(conf, 0, sizeof(*conf));
}
