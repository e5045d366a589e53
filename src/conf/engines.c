/* SPDX-License-Identifier: MIT */
/* engines.c -- the engines: section and --engine NAME=URL: which Docker Engines are watched
 * and how each is reached.
 *
 * Engine names become part of replica names (docs/fleet.md), so they must be DNS labels;
 * they are stored in lower case and compared that way. URLs are checked for shape only
 * (scheme, host, port, socket path): whether an engine answers is the engine client's
 * business.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

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
	*out = NULL;
	if (len == 0 || len > 63 || name[0] == '-' || name[len - 1] == '-')
		return FDNS_EINVAL;
	char *lower = malloc(len + 1);
	if (!lower)
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
	if (!engines)
		goto fail;
	conf->engines = engines;
	size_t *lines = realloc(b->engine_lines, (conf->nengines + 1) * sizeof(*lines));
	if (!lines)
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

/* The end of "[IPv6]" at host, or NULL when the brackets do not hold an IPv6 address. */
static const char *ipv6_literal_end(const char *host)
{
	const char *end = strchr(host, ']');
	char addr[INET6_ADDRSTRLEN];
	if (!end || (size_t)(end - host - 1) >= sizeof(addr))
		return NULL;
	memcpy(addr, host + 1, (size_t)(end - host - 1));
	addr[end - host - 1] = '\0';
	struct in6_addr a6;
	return inet_pton(AF_INET6, addr, &a6) == 1 ? end + 1 : NULL;
}

/* HOST[:PORT] with nothing after it; HOST is a name, an IPv4 address or [IPv6]. */
static const char *url_host_problem(const char *host, bool port_required)
{
	if (host[0] == '\0' || host[0] == ':')
		return "no host";
	const char *end;
	if (host[0] == '[') {
		end = ipv6_literal_end(host);
		if (!end)
			return "invalid IPv6 address";
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
	const char *port = end + 1;
	in_port_t unused;
	if (strchr(port, '/'))
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
	for (size_t i = 0; i < CONF_NKEYS(schemes); i++) {
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
enum {
	E_NAME,
	E_URL,
	E_TLS,
	E_ADDRESS,
	E_HOST_ADDRESS,
	E_NETWORK,
	E_TIMEOUT,
	E_GRACE,
	E_PROBE_INTERVAL,
	E_PROBE_TIMEOUT,
	E_NKEYS
};
static const char *const engine_keys[E_NKEYS] = {
    "name",    "url",     "tls",   "address",        "host-address",
    "network", "timeout", "grace", "probe-interval", "probe-timeout",
};
static const struct conf_keyset engine_keyset = {"engine", "engine", engine_keys, E_NKEYS, false};

enum { TLS_NKEYS = 3 };
static const char *const tls_keys[TLS_NKEYS] = {"ca", "cert", "key"};
static const struct conf_keyset tls_keyset = {"tls", "'tls'", tls_keys, TLS_NKEYS, false};

static int parse_tls(struct build *b, const yaml_node_t *node, conf_engine_t *e)
{
	const yaml_node_t *vals[TLS_NKEYS];
	int rc = conf__mapping_collect(b, node, &tls_keyset, vals, NULL);
	if (rc != 0)
		return rc;
	for (size_t k = 0; k < TLS_NKEYS; k++)
		if (!vals[k])
			return conf__fail_at(b, node, "'tls' needs ca, cert and key (no '%s')",
			                     tls_keys[k]);
	char **outs[TLS_NKEYS] = {&e->tls_ca, &e->tls_cert, &e->tls_key};
	for (size_t k = 0; rc == 0 && k < TLS_NKEYS; k++) {
		rc = conf__file_parse(b, vals[k], tls_keys[k], outs[k]);
		e->tls_line[k] = conf__node_line(vals[k]);
		e->tls_column[k] = conf__node_column(vals[k]);
	}
	return rc;
}

static int parse_address(struct build *b, const yaml_node_t *val, conf_engine_t *e)
{
	static const char *const names[] = {
	    [CONF_ADDRESS_CONTAINER] = "container",
	    [CONF_ADDRESS_HOST] = "host",
	};
	int v;
	int rc = conf__choice_parse(b, val, "address", names, CONF_NKEYS(names),
	                            "container or host", &v);
	if (rc == 0)
		e->address = (enum conf_address_mode)v;
	return rc;
}

static int parse_host_address(struct build *b, const yaml_node_t *val, conf_engine_t *e)
{
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : NULL;
	unsigned char addr[sizeof(struct in6_addr)];
	if (!text || (inet_pton(AF_INET, text, addr) != 1 && inet_pton(AF_INET6, text, addr) != 1))
		return conf__fail_type(b, val, "host-address", "an IPv4 or IPv6 address");
	e->host_address = strdup(text);
	return e->host_address ? 0 : FDNS_ENOMEM;
}

static int parse_network(struct build *b, const yaml_node_t *val, conf_engine_t *e)
{
	if (val->type != YAML_SCALAR_NODE || conf__node_text(val)[0] == '\0')
		return conf__fail_type(b, val, "network", "a network name");
	e->network = strdup(conf__node_text(val));
	return e->network ? 0 : FDNS_ENOMEM;
}

/* Everything but the name and url, which the caller has set. */
static int parse_engine_options(struct build *b, const yaml_node_t *const *v,
                                enum url_scheme scheme, conf_engine_t *e)
{
	int rc = 0;
	if (v[E_TLS] && !conf__node_is_null(v[E_TLS])) {
		if (scheme != URL_TCP && scheme != URL_HTTPS)
			return conf__fail_at(b, v[E_TLS], "'tls' needs a tcp:// or https:// url");
		rc = parse_tls(b, v[E_TLS], e);
	}
	if (rc == 0 && v[E_ADDRESS])
		rc = parse_address(b, v[E_ADDRESS], e);
	if (rc == 0 && v[E_HOST_ADDRESS] && !conf__node_is_null(v[E_HOST_ADDRESS]))
		rc = parse_host_address(b, v[E_HOST_ADDRESS], e);
	if (rc == 0 && e->address == CONF_ADDRESS_HOST && !e->host_address)
		return conf__fail_at(b, v[E_ADDRESS], "'address: host' needs a 'host-address'");
	if (rc == 0 && v[E_NETWORK] && !conf__node_is_null(v[E_NETWORK]))
		rc = parse_network(b, v[E_NETWORK], e);
	if (rc == 0 && v[E_TIMEOUT])
		rc = conf__uint_parse(b, v[E_TIMEOUT], "timeout", 200, 600000, &e->timeout_ms);
	if (rc == 0 && v[E_GRACE])
		rc = conf__uint_parse(b, v[E_GRACE], "grace", 0, CONF_ENGINE_GRACE_MAX_MS,
		                      &e->grace_ms);
	if (rc == 0 && v[E_PROBE_INTERVAL])
		rc = conf__uint_parse(b, v[E_PROBE_INTERVAL], "probe-interval", CONF_PROBE_MIN_MS,
		                      CONF_PROBE_MAX_MS, &e->probe_interval_ms);
	if (rc == 0 && v[E_PROBE_TIMEOUT])
		rc = conf__uint_parse(b, v[E_PROBE_TIMEOUT], "probe-timeout", CONF_PROBE_MIN_MS,
		                      CONF_PROBE_MAX_MS, &e->probe_timeout_ms);
	return rc;
}

/* The engine's name: a DNS label, not taken yet; its lower-case copy in e->name. */
static int parse_engine_name(struct build *b, const yaml_node_t *node, const yaml_node_t *val,
                             conf_engine_t *e)
{
	if (!val)
		return conf__fail_at(b, node, "engine has no 'name'");
	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, "name", "an engine name");
	int rc = engine_name_canon(conf__node_text(val), &e->name);
	if (rc == FDNS_EINVAL)
		return conf__fail_at(b, val, "invalid engine name '%s' (" ENGINE_NAME_HINT ")",
		                     conf__node_text(val));
	if (rc != 0)
		return rc;
	const conf_engine_t *prev = engine_find(b, e->name);
	if (prev)
		return conf__fail_at(b, val, "duplicate engine '%s' (first at line %zu)",
		                     conf__node_text(val), b->engine_lines[prev - b->conf.engines]);
	return 0;
}

/* The engine's url (its scheme in *scheme), with its place, into e. */
static int parse_engine_url(struct build *b, const yaml_node_t *node, const yaml_node_t *name,
                            const yaml_node_t *val, conf_engine_t *e, enum url_scheme *scheme)
{
	if (!val)
		return conf__fail_at(b, node, "engine '%s' has no 'url'", conf__node_text(name));
	if (val->type != YAML_SCALAR_NODE || conf__node_is_null(val))
		return conf__fail_type(b, val, "url", "a URL");
	const char *problem = url_problem(conf__node_text(val), scheme);
	if (problem)
		return conf__fail_at(b, val, "invalid url '%s': %s (" URL_HINT ")",
		                     conf__node_text(val), problem);
	e->url = strdup(conf__node_text(val));
	e->url_line = conf__node_line(val);
	e->url_column = conf__node_column(val);
	return e->url ? 0 : FDNS_ENOMEM;
}

static int parse_engine(struct build *b, const yaml_node_t *node, void *ctx)
{
	(void)ctx;
	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, "engines", "a list of mappings");
	const yaml_node_t *v[E_NKEYS];
	int rc = conf__mapping_collect(b, node, &engine_keyset, v, NULL);
	if (rc != 0)
		return rc;
	conf_engine_t e = {CONF_ENGINE_DEFAULTS};
	enum url_scheme scheme;
	rc = parse_engine_name(b, node, v[E_NAME], &e);
	if (rc == 0)
		rc = parse_engine_url(b, node, v[E_NAME], v[E_URL], &e, &scheme);
	if (rc == 0)
		rc = parse_engine_options(b, v, scheme, &e);
	if (rc == 0)
		return engine_add(b, &e, conf__node_line(v[E_NAME]));
	engine_clear(&e);
	return rc;
}

int conf__engines_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, node, "engines", "a list");
	return conf__list_each(b, node, parse_engine, NULL);
}

/* Replaces the config file's engine prev by e whole, taking e over. */
static void engine_replace(struct build *b, conf_engine_t *prev, conf_engine_t *e)
{
	/* Same name: keep the string the engine index points to. */
	b->engine_lines[prev - b->conf.engines] = 0;
	free(e->name);
	e->name = prev->name;
	prev->name = NULL;
	engine_clear(prev);
	*prev = *e;
	memset(e, 0, sizeof(*e));
}

/* --engine NAME=URL: adds an engine, or replaces the config file's entry of that name whole
 * (tls, address and the rest go back to their defaults). */
int conf__engine_arg_apply(struct build *b, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || eq[1] == '\0')
		return conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--engine '%s': expected NAME=URL",
		                      arg);
	char *name = strndup(arg, (size_t)(eq - arg));
	if (!name)
		return FDNS_ENOMEM;
	conf_engine_t e = {CONF_ENGINE_DEFAULTS};
	int rc = engine_name_canon(name, &e.name);
	if (rc == FDNS_EINVAL)
		rc = conf__fail_pos(
		    b, 0, 0, rc, "--engine '%s': invalid engine name '%s' (" ENGINE_NAME_HINT ")",
		    arg, name);
	if (rc != 0)
		goto out;
	enum url_scheme scheme;
	const char *problem = url_problem(eq + 1, &scheme);
	if (problem) {
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL,
		                    "--engine '%s': invalid url '%s': %s (" URL_HINT ")", arg,
		                    eq + 1, problem);
		goto out;
	}
	e.url = strdup(eq + 1);
	if (!e.url) {
		rc = FDNS_ENOMEM;
		goto out;
	}
	conf_engine_t *prev = engine_find(b, e.name);
	if (!prev)
		rc = engine_add(b, &e, 0);
	else if (b->engine_lines[prev - b->conf.engines] == 0)
		rc = conf__fail_pos(b, 0, 0, FDNS_EINVAL, "--engine '%s': engine '%s' given twice",
		                    arg, name);
	else
		engine_replace(b, prev, &e);
out:
	engine_clear(&e);
	free(name);
	return rc;
}
