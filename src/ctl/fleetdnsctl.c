/* SPDX-License-Identifier: MIT */
/* fleetdnsctl.c -- the control tool: asks a running fleetdns over its control socket (HTTP on
 * a unix socket, http: control-socket: in the configuration) and prints what it says.
 * libcurl speaks HTTP over the socket and json-c reads /status; see fleetdnsctl(8). */
#include <curl/curl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json_get.h"

#define DEFAULT_SOCKET "/run/fleetdns/control.sock"

typedef struct body {
	char *data;
	size_t len;
} body_t;

static size_t body_add(char *p, size_t size, size_t n, void *arg)
{
	body_t *b = arg;
	char *grown = realloc(b->data, b->len + size * n + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, p, size * n);
	b->len += size * n;
	grown[b->len] = '\0';
	b->data = grown;
	return size * n;
}

/* One request to the daemon. Returns the HTTP status (0: not reachable; err says why) and
 * the body in *out (the caller frees it). */
static long ask(const char *socket, const char *method, const char *path, char **out, char *err)
{
	body_t b = {0};
	long status = 0;
	char url[256];
	snprintf(url, sizeof(url), "http://fleetdns%s", path);
	CURL *c = curl_easy_init();
	if (!c) {
		strcpy(err, "out of memory");
		return 0;
	}
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_add);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	err[0] = '\0';
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	*out = b.data ? b.data : strdup("");
	return status;
}

static void when(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
}

static void print_status(json_object *st)
{
	json_object *p, *engines = json_get_array(st, "engines"),
	                *services = json_get_array(st, "services");
	json_object_object_get_ex(st, "process", &p);
	char started[32];
	when(started, sizeof(started), json_get_num(p, "started"));
	printf("fleetdns %s, started %s, config %s\n",
	       json_get_str(p, "version") ? json_get_str(p, "version") : "?", started,
	       json_get_str(p, "config") ? json_get_str(p, "config") : "(none)");
	printf("ready: %s\n",
	       json_object_get_boolean(json_object_object_get(st, "ready")) ? "yes" : "no");
	size_t up = 0, n = engines ? json_object_array_length(engines) : 0;
	for (size_t i = 0; i < n; i++)
		up += strcmp(json_get_str(json_object_array_get_idx(engines, i), "state") ?: "",
		             "up") == 0;
	printf("engines: %zu up of %zu\n", up, n);
	int64_t served = 0, known = 0;
	size_t ns = services ? json_object_array_length(services) : 0;
	for (size_t i = 0; i < ns; i++) {
		served += json_get_num(json_object_array_get_idx(services, i), "replicas_served");
		known += json_get_num(json_object_array_get_idx(services, i), "replicas_known");
	}
	printf("services: %zu, replicas served: %lld of %lld\n", ns, (long long)served,
	       (long long)known);
	json_object *zones = json_get_array(st, "zones");
	printf("zones: %zu\n", zones ? json_object_array_length(zones) : 0);
}

static void print_engines(json_object *st)
{
	json_object *engines = json_get_array(st, "engines");
	printf("%-16s %-10s %-20s %10s  %s\n", "ENGINE", "STATE", "SINCE", "CONTAINERS", "URL");
	for (size_t i = 0; engines && i < json_object_array_length(engines); i++) {
		json_object *e = json_object_array_get_idx(engines, i);
		char since[32];
		when(since, sizeof(since), json_get_num(e, "since"));
		json_object *d;
		bool drained =
		    json_object_object_get_ex(e, "drained", &d) && json_object_get_boolean(d);
		char state[32];
		snprintf(state, sizeof(state), "%s%s", json_get_str(e, "state") ?: "?",
		         drained ? ",drained" : "");
		printf("%-16s %-10s %-20s %10lld  %s\n", json_get_str(e, "name") ?: "?", state,
		       since, (long long)json_get_num(e, "containers"),
		       json_get_str(e, "url") ?: "");
		if (json_get_str(e, "last_error"))
			printf("%-16s last error: %s\n", "", json_get_str(e, "last_error"));
	}
}

/* Returns 1 when name was given and no service has it. */
static int print_services(json_object *st, const char *name)
{
	json_object *services = json_get_array(st, "services");
	int found = 0;
	for (size_t i = 0; services && i < json_object_array_length(services); i++) {
		json_object *s = json_object_array_get_idx(services, i),
		            *reps = json_get_array(s, "replicas");
		if (name && strcmp(name, json_get_str(s, "name") ?: "") != 0)
			continue;
		found = 1;
		printf("%s: %lld of %lld replicas served\n", json_get_str(s, "name") ?: "?",
		       (long long)json_get_num(s, "replicas_served"),
		       (long long)json_get_num(s, "replicas_known"));
		for (size_t k = 0; reps && k < json_object_array_length(reps); k++) {
			json_object *r = json_object_array_get_idx(reps, k);
			const char *addr = json_get_str(r, "ipv4") ? json_get_str(r, "ipv4")
			                                           : json_get_str(r, "ipv6");
			char state[64];
			/* stale: kept by its engine's grace while its port answers (fleet.md). */
			if (json_object_get_boolean(json_object_object_get(r, "served")))
				snprintf(state, sizeof(state), "%s",
				         json_object_get_boolean(json_object_object_get(r, "stale"))
				             ? "served (stale)"
				             : "served");
			else
				snprintf(state, sizeof(state), "withheld (%s)",
				         json_get_str(r, "reason") ?: "?");
			printf("  %-24s %-12s %-16s %-10s %s\n", json_get_str(r, "name") ?: "?",
			       json_get_str(r, "engine") ?: "?", addr ? addr : "-",
			       json_get_str(r, "health") ?: "?", state);
		}
	}
	if (name && !found) {
		fprintf(stderr, "fleetdnsctl: no service '%s'\n", name);
		return 1;
	}
	return 0;
}

static void print_zones(json_object *st)
{
	json_object *zones = json_get_array(st, "zones");
	printf("%-32s %12s %10s\n", "ZONE", "SERIAL", "NAMES");
	for (size_t i = 0; zones && i < json_object_array_length(zones); i++) {
		json_object *z = json_object_array_get_idx(zones, i);
		printf("%-32s %12lld %10lld\n", json_get_str(z, "name") ?: "?",
		       (long long)json_get_num(z, "serial"), (long long)json_get_num(z, "names"));
	}
}

static void usage(FILE *to)
{
	fprintf(to, "usage: fleetdnsctl [-s SOCKET] status | engines | services [NAME] | zones | "
	            "reload | drain ENGINE | undrain ENGINE\n"
	            "  -s SOCKET  the daemon's control socket (default " DEFAULT_SOCKET ")\n");
}

int main(int argc, char **argv)
{
	const char *socket = DEFAULT_SOCKET;
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (c == 's') {
			socket = optarg;
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind], *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	bool drain = strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0;
	bool known = strcmp(cmd, "status") == 0 || strcmp(cmd, "engines") == 0 ||
	             strcmp(cmd, "services") == 0 || strcmp(cmd, "zones") == 0 ||
	             strcmp(cmd, "reload") == 0 || drain;
	if (!known || (arg && strcmp(cmd, "services") != 0 && !drain) || (drain && !arg) ||
	    (arg && (strchr(arg, '/') || strlen(arg) > 100)) || optind + 2 < argc) {
		usage(stderr);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char err[CURL_ERROR_SIZE + 1], *body = NULL;
	bool reload = strcmp(cmd, "reload") == 0;
	char path[128] = "/status";
	if (reload || drain)
		snprintf(path, sizeof(path), "/%s%s%s", cmd, drain ? "/" : "", drain ? arg : "");
	long status = ask(socket, reload || drain ? "POST" : "GET", path, &body, err);
	int ret = 0;
	if (status == 0) {
		fprintf(stderr, "fleetdnsctl: %s: %s\n", socket, err[0] ? err : "no answer");
		ret = 1;
	} else if (status / 100 != 2) {
		fprintf(stderr, "fleetdnsctl: %s: %ld %s", socket, status, body);
		ret = 1;
	} else if (reload) {
		printf("reload started; its result is in fleetdns's log and in 'fleetdnsctl "
		       "status'\n");
	} else if (drain) {
		fputs(body, stdout);
	} else {
		json_object *st = json_tokener_parse(body);
		if (!st) {
			fprintf(stderr, "fleetdnsctl: %s: the status is not JSON\n", socket);
			ret = 1;
		} else if (strcmp(cmd, "status") == 0) {
			print_status(st);
		} else if (strcmp(cmd, "engines") == 0) {
			print_engines(st);
		} else if (strcmp(cmd, "services") == 0) {
			ret = print_services(st, arg);
		} else {
			print_zones(st);
		}
		json_object_put(st);
	}
	free(body);
	curl_global_cleanup();
	return ret;
}
