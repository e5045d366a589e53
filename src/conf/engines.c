/* SPDX-License-Identifier: MIT */
/* engines.c -- the engines: section and --engine NAME=URL: which Docker Engines are watched
 * and how each is reached.
 *
 * Engine names become part of replica names (docs/fleet.md), so they must be DNS labels;
 * they are stored in lower case and compared that way. URLs are checked for shape only
 * (scheme, host, port, socket path): whether an engine answers is the engine client's
 * business.
 */
#include "config.h"

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE_NAME_HINT "expected a DNS label: a-z, 0-9 and inner '-', at most 63"
#define URL_HINT                                                                                   \
	"expected unix:///PATH, tcp://HOST:PORT, "                                                 \
	"http://HOST[:PORT] or https://HOST[:PORT]"

enum url_scheme { URL_UNIX, URL_TCP, URL_HTTP, URL_HTTPS };

static void engine_clear(conf_engine_t *e)
{
	free(e->name);
	free(e->url);
	free(e->tls_ca);
	free(e->tls_cert);
	free(e->tls_key);
	free(e->host_address);
	free(e->network);
	memset(e, 0, sizeof(*e));
}

void conf__engines_free(conf_t *conf)
{
	for (size_t i = 0; i < conf->nengines; i++)
		engine_clear(&conf->engines[i]);
	free(conf->engines);
	conf->engines = NULL;
	conf->nengines = 0;
}

/* The lower-case copy of a valid engine name in *out; FDNS_EINVAL if it is not a DNS label. */
static int engine_name_canon(const char *name, char **out)
{
	size_t len = strlen(name);
	char *lower;

	*out = NULL;
	if (len == 0 || len > 63 || name[0] == '-' || name[len - 1] == '-')
		return FDNS_EINVAL;
	lower = malloc(len + 1);
	if (lower == NULL)
		return FDNS_ENOMEM;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		           c == '\0')) {
			free(lower);
			return FDNS_EINVAL;
		}
		lower[i] = c;
	}
	*out = lower;
	return 0;
}

static conf_engine_t *engine_find(struct build *b, const char *lower_name)
{
	size_t pos = conf__index_find(&b->engine_index, lower_name);

	return pos == CONF_INDEX_NONE ? NULL : &b->conf.engines[pos];
}

/* Appends *e, taking over what it points to in every case. */
static int engine_add(struct build *b, conf_engine_t *e, size_t line)
{
	conf_t *conf = &b->conf;
	conf_engine_t *engines = realloc(conf->engines, (conf->nengines + 1) * sizeof(*engines));
	size_t *lines;

	if (engines == NULL)
		goto fail;
	conf->engines = engines;
	lines = realloc(b->engine_lines, (conf->nengines + 1) * sizeof(*lines));
	if (lines == NULL)
		goto fail;
	b->engine_lines = lines;
	if (conf__index_add(&b->engine_index, e->name, conf->nengines) != 0)
		goto fail;
	lines[conf->nengines] = line;
	conf->engines[conf->nengines++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
fail:
	engine_clear(e);
	return FDNS_ENOMEM;
}

/* HOST[:PORT] with nothing after it; HOST is a name, an IPv4 address or [IPv6]. */
static const char *url_host_problem(const char *host, bool port_required)
{
	const char *end, *port;
	in_port_t unused;

	if (host[0] == '\0' || host[0] == ':')
		return "no host";
	if (host[0] == '[') {
		char addr[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		end = strchr(host, ']');
		if (end == NULL || (size_t)(end - host - 1) >= sizeof(addr))
			return "invalid IPv6 address";
		memcpy(addr, host + 1, (size_t)(end - host - 1));
		addr[end - host - 1] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return "invalid IPv6 address";
		end++;
	} else {
		end = host + strspn(host, "abcdefghijklmnopqrstuvwxyz"
		                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
	}
	if (*end == '\0')
		return port_required ? "no port" : NULL;
	if (*end == '/')
		return "a path is not allowed";
	if (*end != ':')
		return "invalid host";
	port = end + 1;
	if (strchr(port, '/') != NULL)
		return "a path is not allowed";
	if (conf__port_parse(port, &unused) != 0)
		return "the port must be a number from 1 to 65535";
	return NULL;
}

/* NULL if url is well formed (and its scheme in *scheme), or what is wrong with it. */
static const char *url_problem(const char *url, enum url_scheme *scheme)
{
	static const struct {
		const char *prefix;
		enum url_scheme scheme;
	} schemes[] = {
	    {"unix://", URL_UNIX},
	    {"tcp://", URL_TCP},
	    {"http://", URL_HTTP},
	    {"https://", URL_HTTPS},
	};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t len = strlen(schemes[i].prefix);
		const char *rest = url + len;
		if (strncmp(url, schemes[i].prefix, len) != 0)
			continue;
		*scheme = schemes[i].scheme;
		if (*scheme == URL_UNIX)
			return rest[0] == '/' && rest[1] != '\0' ? NULL : "no absolute socket path";
		return url_host_problem(rest, *scheme == URL_TCP);
	}
	return "unknown scheme";
}

/* The value nodes of an engine's keys, in this order. */
enum { E_NAME, E_URL, E_TLS, E_ADDRESS, E_HOST_ADDRESS, E_NETWORK, E_TIMEOUT, E_GRACE, E_NKEYS };
static const char *const engine_keys[E_NKEYS] = {
    "name", "url", "tls", "address", "host-address", "network", "timeout", "grace",
};

static int parse_tls(struct build *b, const yaml_node_t *node, conf_engine_t *e)
{
	static const char *const keys[] = {"ca", "cert", "key"};
	const yaml_node_t *vals[3] = {NULL, NULL, NULL};
	char **outs[3] = {&e->tls_ca, &e->tls_cert, &e->tls_key};
	int rc = conf__mapping_check(b, node, "tls");

	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		size_t k = conf__key_find(conf__node_text(conf__node_get(b, p->key)), keys, 3);
		if (k == 3)
			return conf__fail_unknown(b, conf__node_get(b, p->key), "'tls'", keys, 3);
		vals[k] = conf__node_get(b, p->value);
	}
	for (size_t k = 0; rc == 0 && k < 3; k++)
		if (vals[k] == NULL)
			return conf__fail_at(b, node, "'tls' needs ca, cert and key (no '%s')",
			                     keys[k]);
	for (size_t k = 0; rc == 0 && k < 3; k++) {
		rc = conf__file_parse(b, vals[k], keys[k], outs[k]);
		e->tls_line[k] = vals[k]->start_mark.line + 1;
		e->tls_column[k] = vals[k]->start_mark.column + 1;
	}
	return rc;
}

static int parse_address(struct build *b, const yaml_node_t *val, conf_engine_t *e)
{
	if (val->type == YAML_SCALAR_NODE && strcmp(conf__node_text(val), "container") == 0)
		e->address = CONF_ADDRESS_CONTAINER;
	else if (val->type == YAML_SCALAR_NODE && strcmp(conf__node_text(val), "host") == 0)
		e->address = CONF_ADDRESS_HOST;
	else
		return conf__fail_type(b, val, "address", "container or host");
	return 0;
}

static int parse_host_address(struct build *b, const yaml_node_t *val, conf_engine_t *e)
{
	unsigned char addr[sizeof(struct in6_addr)];
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : NULL;

	if (text == NULL ||
	    (inet_pton(AF_INET, text, addr) != 1 && inet_pton(AF_INET6, text, addr) != 1))
		return conf__fail_type(b, val, "host-address", "an IPv4 or IPv6 address");
	e->host_address = strdup(text);
	return e->host_address ? 0 : FDNS_ENOMEM;
}

/* Everything but the name and url, which the caller has set. */
static int parse_engine_options(struct build *b, const yaml_node_t *const *v,
                                enum url_scheme scheme, conf_engine_t *e)
{
	int rc = 0;

	if (v[E_TLS] != NULL && !conf__node_is_null(v[E_TLS])) {
		if (scheme != URL_TCP && scheme != URL_HTTPS)
			return conf__fail_at(b, v[E_TLS], "'tls' needs a tcp:// or https:// url");
		rc = parse_tls(b, v[E_TLS], e);
	}
	if (rc == 0 && v[E_ADDRESS] != NULL)
		rc = parse_address(b, v[E_ADDRESS], e);
	if (rc == 0 && v[E_HOST_ADDRESS] != NULL && !conf__node_is_null(v[E_HOST_ADDRESS]))
		rc = parse_host_address(b, v[E_HOST_ADDRESS], e);
	if (rc == 0 && e->address == CONF_ADDRESS_HOST && e->host_address == NULL)
		return conf__fail_at(b, v[E_ADDRESS], "'address: host' needs a 'host-address'");
	if (rc == 0 && v[E_NETWORK] != NULL && !conf__node_is_null(v[E_NETWORK])) {
		if (v[E_NETWORK]->type != YAML_SCALAR_NODE ||
		    conf__node_text(v[E_NETWORK])[0] == '\0')
			return conf__fail_type(b, v[E_NETWORK], "network", "a network name");
		e->network = strdup(conf__node_text(v[E_NETWORK]));
		if (e->network == NULL)
			return FDNS_ENOMEM;
	}
	if (rc == 0 && v[E_TIMEOUT] != NULL)
		rc = conf__uint_parse(b, v[E_TIMEOUT], "timeout", 200, 600000, &e->timeout_ms);
	if (rc == 0 && v[E_GRACE] != NULL)
		rc = conf__uint_parse(b, v[E_GRACE], "grace", 0, CONF_ENGINE_GRACE_MAX_MS,
		                      &e->grace_ms);
	return rc;
}

static int parse_engine(struct build *b, const yaml_node_t *node)
{
	const yaml_node_t *v[E_NKEYS] = {NULL};
	conf_engine_t e = {.timeout_ms = CONF_DEFAULT_ENGINE_TIMEOUT_MS,
	                   .grace_ms = CONF_DEFAULT_ENGINE_GRACE_MS};
	const conf_engine_t *prev;
	enum url_scheme scheme;
	const char *problem;
	int rc;

	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, "engines", "a list of mappings");
	rc = conf__mapping_check(b, node, "engine");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		size_t k = conf__key_find(conf__node_text(conf__node_get(b, p->key)), engine_keys,
		                          E_NKEYS);
		if (k == E_NKEYS)
			return conf__fail_unknown(b, conf__node_get(b, p->key), "engine",
			                          engine_keys, E_NKEYS);
		v[k] = conf__node_get(b, p->value);
	}
	if (rc != 0)
		return rc;

	if (v[E_NAME] == NULL)
		return conf__fail_at(b, node, "engine has no 'name'");
	if (v[E_NAME]->type != YAML_SCALAR_NODE || conf__node_is_null(v[E_NAME]))
		return conf__fail_type(b, v[E_NAME], "name", "an engine name");
	rc = engine_name_canon(conf__node_text(v[E_NAME]), &e.name);
	if (rc == FDNS_EINVAL)
		return conf__fail_at(b, v[E_NAME],
		                     "invalid engine name '%s' (" ENGINE_NAME_HINT ")",
		                     conf__node_text(v[E_NAME]));
	if (rc != 0)
		return rc;
	prev = engine_find(b, e.name);
	if (prev != NULL) {
		rc = conf__fail_at(b, v[E_NAME], "duplicate engine '%s' (first at line %zu)",
		                   conf__node_text(v[E_NAME]),
		                   b->engine_lines[prev - b->conf.engines]);
		goto fail;
	}

	if (v[E_URL] == NULL) {
		rc = conf__fail_at(b, node, "engine '%s' has no 'url'", conf__node_text(v[E_NAME]));
		goto fail;
	}
	if (v[E_URL]->type != YAML_SCALAR_NODE || conf__node_is_null(v[E_URL])) {
		rc = conf__fail_type(b, v[E_URL], "url", "a URL");
		goto fail;
	}
	problem = url_problem(conf__node_text(v[E_URL]), &scheme);
	if (problem != NULL) {
		rc = conf__fail_at(b, v[E_URL], "invalid url '%s': %s (" URL_HINT ")",
		                   conf__node_text(v[E_URL]), problem);
		goto fail;
	}
	e.url = strdup(conf__node_text(v[E_URL]));
	e.url_line = v[E_URL]->start_mark.line + 1;
	e.url_column = v[E_URL]->start_mark.column + 1;
	rc = e.url ? parse_engine_options(b, v, scheme, &e) : FDNS_ENOMEM;
	if (rc == 0)
		return engine_add(b, &e, v[E_NAME]->start_mark.line + 1);
fail:
	engine_clear(&e);
	return rc;
}

int conf__engines_parse(struct build *b, const yaml_node_t *node)
{
	int rc = 0;

	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "engines", "a list");
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     rc == 0 && it < node->data.sequence.items.top; it++)
		rc = parse_engine(b, conf__node_get(b, *it));
	return rc;
}

/* --engine NAME=URL: adds an engine, or replaces the config file's entry of that name whole
 * (tls, address and the rest go back to their defaults). */
int conf__engine_arg_apply(struct build *b, const char *arg)
{
	const char *eq = strchr(arg, '=');
	conf_engine_t e = {.timeout_ms = CONF_DEFAULT_ENGINE_TIMEOUT_MS,
	                   .grace_ms = CONF_DEFAULT_ENGINE_GRACE_MS};
	conf_engine_t *prev;
	enum url_scheme scheme;
	const char *problem;
	char *name = NULL;
	int rc;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--engine '%s': expected NAME=URL",
		                      arg);
	name = strndup(arg, (size_t)(eq - arg));
	if (name == NULL)
		return FDNS_ENOMEM;
	rc = engine_name_canon(name, &e.name);
	if (rc == FDNS_EINVAL)
		rc = conf__fail_pos(
		    b, 0, 0, rc, "--engine '%s': invalid engine name '%s' (" ENGINE_NAME_HINT ")",
		    arg, name);
	if (rc != 0)
		goto out;
	problem = url_problem(eq + 1, &scheme);
	if (problem != NULL) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL,
		                    "--engine '%s': invalid url '%s': %s (" URL_HINT ")", arg,
		                    eq + 1, problem);
		goto out;
	}
	e.url = strdup(eq + 1);
	if (e.url == NULL) {
		rc = FDNS_ENOMEM;
		goto out;
	}
	prev = engine_find(b, e.name);
	if (prev == NULL) {
		rc = engine_add(b, &e, 0);
	} else if (b->engine_lines[prev - b->conf.engines] == 0) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--engine '%s': engine '%s' given twice",
		                    arg, name);
	} else {
		/* Same name: keep the string the engine index points to. */
		b->engine_lines[prev - b->conf.engines] = 0;
		free(e.name);
		e.name = prev->name;
		prev->name = NULL;
		engine_clear(prev);
		*prev = e;
		memset(&e, 0, sizeof(e));
	}
out:
	engine_clear(&e);
	free(name);
	return rc;
}
