/* SPDX-License-Identifier: MIT */
/* parse.c -- Docker Engine API bodies into engine_version_info_t, id lists and containers.
 *
 * An inspected container is packed into a single allocation: the engine_container_t, then
 * its label, network and port arrays, then every string. The same walk over the JSON runs
 * twice, first to validate and measure, then to fill, so the two cannot disagree.
 */
#include <limits.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse.h"
#include "fleetdns/error.h"

bool engine_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++) {
		char ch = id[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return i == ENGINE_ID_LEN;
}

static bool parse_uint(const char **p, unsigned *v)
{
	const char *s = *p;
	unsigned long n = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > 100000)
			return false;
		s++;
	}
	*v = (unsigned)n;
	*p = s;
	return true;
}

bool engine_api_version_parse(const char *s, unsigned *major, unsigned *minor)
{
	unsigned a, b;

	if (!parse_uint(&s, &a) || *s++ != '.' || !parse_uint(&s, &b) || *s != '\0')
		return false;
	*major = a;
	*minor = b;
	return true;
}

/* One complete JSON value of the given type, nothing but whitespace after it. */
static int json_body(const char *body, size_t len, json_type type, json_object **out, char *err,
                     size_t errlen)
{
	size_t i;

	for (i = 0; i < len && strchr(" \t\r\n", body[i]); i++)
		;
	if (i == len) {
		snprintf(err, errlen, "empty body");
		return FDNS_EPARSE;
	}
	if (len > INT_MAX) {
		snprintf(err, errlen, "body too large");
		return FDNS_EPARSE;
	}
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return FDNS_ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	json_object *o = json_tokener_parse_ex(tok, body, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (je == json_tokener_continue) {
		snprintf(err, errlen, "truncated JSON (%zu bytes)", len);
		return FDNS_EPARSE;
	}
	if (je != json_tokener_success || !o) {
		snprintf(err, errlen, "bad JSON at byte %zu: %s", end, json_tokener_error_desc(je));
		json_object_put(o);
		return FDNS_EPARSE;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", body[end])) {
			snprintf(err, errlen, "data after the JSON value at byte %zu", end);
			json_object_put(o);
			return FDNS_EPARSE;
		}
	}
	if (!json_object_is_type(o, type)) {
		snprintf(err, errlen, "expected a JSON %s", json_type_to_name(type));
		json_object_put(o);
		return FDNS_EPARSE;
	}
	*out = o;
	return 0;
}

/* The member key of o, or NULL when o is not an object, key is absent or null. */
static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string member: absent or null gives def; any other type is an error. */
static bool member_str(json_object *o, const char *key, const char *def, const char **out)
{
	json_object *v = member(o, key);

	if (!v) {
		*out = def;
		return true;
	}
	if (!json_object_is_type(v, json_type_string))
		return false;
	*out = json_object_get_string(v);
	return true;
}

/* Whether the Components array of GET /version has one with the given Name. */
static bool components_name(json_object *components, const char *name)
{
	const char *n;

	if (!components || !json_object_is_type(components, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(components); i++)
		if (member_str(json_object_array_get_idx(components, i), "Name", NULL, &n) && n &&
		    strcmp(n, name) == 0)
			return true;
	return false;
}

int engine_parse_version(const char *body, size_t len, engine_version_info_t *out, char *err,
                         size_t errlen)
{
	json_object *root;
	const char *api, *min, *ver;
	engine_version_info_t vi = {0};
	int rc = json_body(body, len, json_type_object, &root, err, errlen);

	if (rc)
		return rc;
	rc = FDNS_EPARSE;
	if (!member_str(root, "ApiVersion", NULL, &api) || !api) {
		snprintf(err, errlen, "no ApiVersion string");
		goto out;
	}
	if (!engine_api_version_parse(api, &vi.api_major, &vi.api_minor)) {
		snprintf(err, errlen, "bad ApiVersion '%.32s'", api);
		goto out;
	}
	if (!member_str(root, "MinAPIVersion", NULL, &min) ||
	    (min && !engine_api_version_parse(min, &vi.min_major, &vi.min_minor))) {
		snprintf(err, errlen, "bad MinAPIVersion");
		goto out;
	}
	if (!member_str(root, "Version", "", &ver)) {
		snprintf(err, errlen, "Version is not a string");
		goto out;
	}
	snprintf(vi.version, sizeof(vi.version), "%s", ver);
	vi.podman = components_name(member(root, "Components"), "Podman Engine");
	*out = vi;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

void engine_parse_ids_free(char **ids, size_t n)
{
	/* ids may be NULL with n > 0, as free() allows: engine_parse_list() has no summaries, and
	 * when an item after the first has no valid Id its error path frees n ids and NULL
	 * summaries (found by tests/fuzz/fuzz_docker.c: a NULL dereference). */
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

static int cmp_network(const void *a, const void *b)
{
	return strcmp(((const engine_network_t *)a)->name, ((const engine_network_t *)b)->name);
}

/* The summary text: one line each for the name, the state, the health and every network
 * (sorted by name) with its addresses. */
static char *summary_format(const char *name, bool running, bool paused, enum engine_health h,
                            const engine_network_t *nets, size_t n)
{
	engine_network_t *sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted)
		return NULL;
	memcpy(sorted, nets, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_network);
	size_t len = strlen(name) + 32;
	for (size_t i = 0; i < n; i++)
		len += strlen(sorted[i].name) + strlen(sorted[i].ipv4) + strlen(sorted[i].ipv6) + 4;
	char *out = malloc(len);
	size_t at = 0;
	if (out) {
		at += (size_t)snprintf(out, len, "%s\n%s\n%s\n", name,
		                       paused    ? "paused"
		                       : running ? "running"
		                                 : "stopped",
		                       engine_health_name(h));
		for (size_t i = 0; i < n; i++)
			at += (size_t)snprintf(out + at, len - at, "%s %s %s\n", sorted[i].name,
			                       sorted[i].ipv4, sorted[i].ipv6);
	}
	free(sorted);
	return out;
}

char *engine_container_summary(const engine_container_t *c)
{
	return summary_format(c->name, c->running, c->paused, c->health, c->networks, c->nnetworks);
}

/* Health as the listing's Status shows it: "Up 3 minutes (healthy)". */
static enum engine_health health_in_status(const char *status)
{
	if (strstr(status, "(healthy)"))
		return HEALTH_HEALTHY;
	if (strstr(status, "(unhealthy)"))
		return HEALTH_UNHEALTHY;
	if (strstr(status, "(health: starting)"))
		return HEALTH_STARTING;
	return HEALTH_NONE;
}

#define SUMMARY_NETS_MAX 16

/* The summary of one listed container, or NULL when the entry does not say enough. */
static char *list_summary(json_object *item)
{
	json_object *names = member(item, "Names"),
	            *nets = member(member(item, "NetworkSettings"), "Networks");
	const char *state, *status, *name;
	if (!names || !json_object_is_type(names, json_type_array) ||
	    json_object_array_length(names) < 1 || !nets ||
	    !json_object_is_type(nets, json_type_object) ||
	    !member_str(item, "State", NULL, &state) || !state ||
	    !member_str(item, "Status", NULL, &status) || !status)
		return NULL;
	json_object *first = json_object_array_get_idx(names, 0);
	if (!json_object_is_type(first, json_type_string))
		return NULL;
	name = json_object_get_string(first);
	name += *name == '/';
	engine_network_t net[SUMMARY_NETS_MAX];
	size_t n = 0;
	json_object_object_foreach(nets, key, val)
	{
		if (n == SUMMARY_NETS_MAX || !member_str(val, "IPAddress", "", &net[n].ipv4) ||
		    !member_str(val, "GlobalIPv6Address", "", &net[n].ipv6))
			return NULL;
		net[n++].name = key;
	}
	bool paused = strcmp(state, "paused") == 0;
	bool running = paused || strcmp(state, "running") == 0;
	return summary_format(name, running, paused, health_in_status(status), net, n);
}

int engine_parse_list_summaries(const char *body, size_t len, char ***ids_out,
                                char ***summaries_out, size_t *n_out, char *err, size_t errlen)
{
	json_object *root;
	int rc = json_body(body, len, json_type_array, &root, err, errlen);
	char **ids = NULL, **sums = NULL;
	size_t n = 0;

	if (rc)
		return rc;
	size_t count = json_object_array_length(root);
	if (count > 0) {
		ids = calloc(count, sizeof(*ids));
		sums = summaries_out ? calloc(count, sizeof(*sums)) : NULL;
		if (!ids || (summaries_out && !sums)) {
			snprintf(err, errlen, "out of memory");
			rc = FDNS_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < count; i++) {
		const char *id;
		json_object *item = json_object_array_get_idx(root, i);
		if (!member_str(item, "Id", NULL, &id) || !id || !engine_id_valid(id)) {
			snprintf(err, errlen, "item %zu has no valid Id", i);
			rc = FDNS_EPARSE;
			goto out;
		}
		if (!(ids[n] = strdup(id))) {
			snprintf(err, errlen, "out of memory");
			rc = FDNS_ENOMEM;
			goto out;
		}
		if (sums)
			sums[n] = list_summary(item); /* NULL (no summary) is not an error */
		n++;
	}
	*ids_out = ids;
	if (summaries_out)
		*summaries_out = sums;
	*n_out = n;
	ids = sums = NULL;
	n = 0;
out:
	engine_parse_ids_free(ids, n);
	engine_parse_ids_free(sums, n);
	json_object_put(root);
	return rc;
}

int engine_parse_list(const char *body, size_t len, char ***ids_out, size_t *n_out, char *err,
                      size_t errlen)
{
	return engine_parse_list_summaries(body, len, ids_out, NULL, n_out, err, errlen);
}

/* The two passes over an inspect object: measure (c == NULL), then fill. */
struct walk {
	engine_container_t *c;
	engine_label_t *labels;
	engine_network_t *networks;
	engine_port_t *ports;
	char *strs; /* next free byte for strings (fill pass) */
	size_t nlabels, nnetworks, nports;
	size_t str_bytes;
	char *err;
	size_t errlen;
};

static const char *walk_str(struct walk *w, const char *s)
{
	size_t n = strlen(s) + 1;

	w->str_bytes += n;
	if (!w->c)
		return NULL;
	char *d = w->strs;
	memcpy(d, s, n);
	w->strs += n;
	return d;
}

static int walk_fail(struct walk *w, const char *msg, const char *detail)
{
	snprintf(w->err, w->errlen, "%s%s%.64s", msg, detail ? " " : "", detail ? detail : "");
	return FDNS_EPARSE;
}

static enum engine_health health_from(const char *s)
{
	if (!s || !*s || strcmp(s, "none") == 0)
		return HEALTH_NONE;
	if (strcmp(s, "starting") == 0)
		return HEALTH_STARTING;
	if (strcmp(s, "healthy") == 0)
		return HEALTH_HEALTHY;
	return HEALTH_UNHEALTHY; /* unknown states are not served */
}

static int walk_labels(struct walk *w, json_object *labels)
{
	if (!labels)
		return 0;
	if (!json_object_is_type(labels, json_type_object))
		return walk_fail(w, "Config.Labels is not an object", NULL);
	json_object_object_foreach(labels, key, val)
	{
		if (!val || !json_object_is_type(val, json_type_string))
			return walk_fail(w, "label is not a string:", key);
		const char *k = walk_str(w, key);
		const char *v = walk_str(w, json_object_get_string(val));
		if (w->c)
			w->labels[w->nlabels] = (engine_label_t){.key = k, .value = v};
		w->nlabels++;
	}
	return 0;
}

static int walk_networks(struct walk *w, json_object *nets)
{
	if (!nets)
		return 0;
	if (!json_object_is_type(nets, json_type_object))
		return walk_fail(w, "NetworkSettings.Networks is not an object", NULL);
	json_object_object_foreach(nets, name, net)
	{
		const char *v4, *v6;
		if (net && !json_object_is_type(net, json_type_object))
			return walk_fail(w, "network is not an object:", name);
		if (!member_str(net, "IPAddress", "", &v4) ||
		    !member_str(net, "GlobalIPv6Address", "", &v6))
			return walk_fail(w, "bad address in network", name);
		const char *n = walk_str(w, name);
		v4 = walk_str(w, v4);
		v6 = walk_str(w, v6);
		if (w->c)
			w->networks[w->nnetworks] =
			    (engine_network_t){.name = n, .ipv4 = v4, .ipv6 = v6};
		w->nnetworks++;
	}
	return 0;
}

/* "8080/tcp" -> 8080, udp=false. Other protocols (sctp) are skipped: returns false. */
static bool port_key_parse(const char *key, uint16_t *port, bool *udp)
{
	const char *p = key;
	unsigned v;

	if (!parse_uint(&p, &v) || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	if (*p == '\0' || strcmp(p, "/tcp") == 0)
		*udp = false;
	else if (strcmp(p, "/udp") == 0)
		*udp = true;
	else
		return false;
	return true;
}

static void walk_port(struct walk *w, uint16_t cport, bool udp, uint16_t hport, const char *hip)
{
	hip = walk_str(w, hip);
	if (w->c)
		w->ports[w->nports] = (engine_port_t){
		    .container_port = cport, .udp = udp, .host_port = hport, .host_ip = hip};
	w->nports++;
}

static int walk_ports(struct walk *w, json_object *ports)
{
	if (!ports)
		return 0;
	if (!json_object_is_type(ports, json_type_object))
		return walk_fail(w, "NetworkSettings.Ports is not an object", NULL);
	json_object_object_foreach(ports, key, binds)
	{
		uint16_t cport;
		bool udp;
		if (!port_key_parse(key, &cport, &udp))
			continue;
		if (binds && !json_object_is_type(binds, json_type_array))
			return walk_fail(w, "port bindings are not an array:", key);
		size_t nb = binds ? json_object_array_length(binds) : 0;
		if (nb == 0) {
			walk_port(w, cport, udp, 0, ""); /* exposed, not published */
			continue;
		}
		for (size_t i = 0; i < nb; i++) {
			json_object *b = json_object_array_get_idx(binds, i);
			const char *hip, *hport;
			unsigned hp = 0;
			if (!member_str(b, "HostIp", "", &hip) ||
			    !member_str(b, "HostPort", "", &hport))
				return walk_fail(w, "bad port binding for", key);
			const char *p = hport;
			if (*p && (!parse_uint(&p, &hp) || *p || hp > 65535))
				continue;
			walk_port(w, cport, udp, (uint16_t)hp, hip);
		}
	}
	return 0;
}

/* How many of the health check's last results passed in a row, the newest first: State.Health.
 * Log holds the last five (Docker and Podman), oldest first, each with its ExitCode (0: passed).
 * A missing or malformed log counts none; the hold-down by checks then waits for the next. */
static unsigned health_passes_in(json_object *health)
{
	json_object *log = member(health, "Log");
	if (!log || !json_object_is_type(log, json_type_array))
		return 0;
	unsigned n = 0;
	for (size_t i = json_object_array_length(log); i > 0; i--) {
		json_object *code = member(json_object_array_get_idx(log, i - 1), "ExitCode");
		if (!code || !json_object_is_type(code, json_type_int) ||
		    json_object_get_int64(code))
			break;
		n++;
	}
	return n;
}

static int walk_inspect(struct walk *w, json_object *root)
{
	const char *id, *name, *health;
	json_object *state = member(root, "State"), *v;
	json_object *netset = member(root, "NetworkSettings");
	bool running, paused = false;
	int rc;

	w->nlabels = w->nnetworks = w->nports = 0;
	w->str_bytes = 0;
	if (!member_str(root, "Id", NULL, &id) || !id || !engine_id_valid(id))
		return walk_fail(w, "no valid Id", NULL);
	if (!member_str(root, "Name", "", &name))
		return walk_fail(w, "Name is not a string", NULL);
	if (name[0] == '/')
		name++;
	if (!state || !json_object_is_type(state, json_type_object))
		return walk_fail(w, "no State object", NULL);
	if (!(v = member(state, "Running")) || !json_object_is_type(v, json_type_boolean))
		return walk_fail(w, "no State.Running boolean", NULL);
	running = json_object_get_boolean(v);
	if ((v = member(state, "Paused"))) {
		if (!json_object_is_type(v, json_type_boolean))
			return walk_fail(w, "State.Paused is not a boolean", NULL);
		paused = json_object_get_boolean(v);
	}
	if (!member_str(member(state, "Health"), "Status", "", &health))
		return walk_fail(w, "State.Health.Status is not a string", NULL);
	id = walk_str(w, id);
	name = walk_str(w, name);
	if ((rc = walk_labels(w, member(member(root, "Config"), "Labels"))) ||
	    (rc = walk_networks(w, member(netset, "Networks"))) ||
	    (rc = walk_ports(w, member(netset, "Ports"))))
		return rc;
	if (w->c) {
		engine_container_t *c = w->c;
		c->id = id;
		c->name = name;
		c->running = running;
		c->paused = paused;
		c->health = health_from(health);
		c->health_passes = health_passes_in(member(state, "Health"));
		c->labels = w->labels;
		c->nlabels = w->nlabels;
		c->networks = w->networks;
		c->nnetworks = w->nnetworks;
		c->ports = w->ports;
		c->nports = w->nports;
	}
	return 0;
}

int engine_parse_inspect(const char *body, size_t len, engine_container_t **out, char *err,
                         size_t errlen)
{
	json_object *root;
	struct walk w = {.err = err, .errlen = errlen};
	int rc = json_body(body, len, json_type_object, &root, err, errlen);

	if (rc)
		return rc;
	if ((rc = walk_inspect(&w, root)))
		goto out;
	size_t lo = sizeof(engine_container_t);
	size_t no = lo + w.nlabels * sizeof(engine_label_t);
	size_t po = no + w.nnetworks * sizeof(engine_network_t);
	size_t so = po + w.nports * sizeof(engine_port_t);
	char *mem = malloc(so + w.str_bytes);
	if (!mem) {
		snprintf(err, errlen, "out of memory");
		rc = FDNS_ENOMEM;
		goto out;
	}
	w.c = (engine_container_t *)mem;
	w.labels = (engine_label_t *)(mem + lo);
	w.networks = (engine_network_t *)(mem + no);
	w.ports = (engine_port_t *)(mem + po);
	w.strs = mem + so;
	walk_inspect(&w, root);
	*out = w.c;
out:
	json_object_put(root);
	return rc;
}
