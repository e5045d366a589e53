/* SPDX-License-Identifier: MIT */
/* test_engine_parse.c -- unit tests for src/engine's pure parts: response bodies captured
 * from real Docker 20.10 engines (tests/unit/data/engine_*) and from Podman 4.3.1's
 * Docker-compatible API (tests/unit/data/podman_*, Debian 12's podman 4.3.1+ds1-8+deb12u1,
 * `podman system service`, API 1.41), the event stream cut at every byte, garbage of every
 * kind, and engine URLs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/events.h"
#include "engine/http.h"
#include "engine/parse.h"
#include "fleetdns/error.h"
#include "tap.h"

#define E1_ID   "3662f78b730aabc1a18f5f10ac3f8768e4157c73ea8a07a49034e64e7f9b8124"
#define WEB1_ID "a4e2f0528fd711397f33be1cfd1f397fb0d390b5d23c77a16ad8de9e05b76814"

static char *slurp(const char *name, size_t *len)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/unit/data/%s", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void test_ids(void)
{
	unsigned a = 0, b = 0;

	ok(engine_id_valid(E1_ID), "a full id is valid");
	ok(!engine_id_valid("3662f78b730a"), "a short id is not");
	ok(!engine_id_valid("3662F78B730AABC1A18F5F10AC3F8768E4157C73EA8A07A49034E64E7F9B8124"),
	   "upper case is not");
	ok(!engine_id_valid(E1_ID "0"), "65 digits are not");
	ok(!engine_id_valid("../../../../../../../../../../../../../../../../../../../../../x"),
	   "path characters are not");
	ok(engine_api_version_parse("1.41", &a, &b) && a == 1 && b == 41, "1.41 parses");
	const char *bad[] = {"", "1", "1.", ".41", "1.41.2", "1.4x", "v1.41", "1.100001"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(!engine_api_version_parse(bad[i], &a, &b), "API version '%s' is refused",
		   bad[i]);
}

static void test_version(void)
{
	size_t len;
	char *body = slurp("engine_version.json", &len);
	engine_version_info_t vi;
	char err[256] = "";

	is_int(engine_parse_version(body, len, &vi, err, sizeof(err)), 0, "real /version parses");
	is_int(vi.api_major, 1, "ApiVersion major");
	is_int(vi.api_minor, 41, "ApiVersion minor");
	is_int(vi.min_minor, 12, "MinAPIVersion minor");
	is_str(vi.version, "20.10.24+dfsg1", "engine Version");
	is_int(engine_parse_version(body, len / 2, &vi, err, sizeof(err)), FDNS_EPARSE,
	       "half of /version is an error");
	ok(strstr(err, "truncated") != NULL, "... called truncated: %s", err);
	free(body);

	const struct {
		const char *body, *msg;
	} bad[] = {
	    {"", "empty body"},
	    {"  \n", "empty body"},
	    {"<html>Bad Gateway</html>", "bad JSON"},
	    {"[]", "expected a JSON object"},
	    {"{\"Version\":\"20.10\"}", "no ApiVersion"},
	    {"{\"ApiVersion\":1.41}", "no ApiVersion"},
	    {"{\"ApiVersion\":\"latest\"}", "bad ApiVersion"},
	    {"{\"ApiVersion\":\"1.41\",\"MinAPIVersion\":[]}", "bad MinAPIVersion"},
	    {"{\"ApiVersion\":\"1.41\"} {}", "data after"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		int rc =
		    engine_parse_version(bad[i].body, strlen(bad[i].body), &vi, err, sizeof(err));
		ok(rc == FDNS_EPARSE && strstr(err, bad[i].msg), "version '%s' -> %s", bad[i].body,
		   bad[i].msg);
		if (!strstr(err, bad[i].msg))
			diag("got: %s", err);
	}
}

static void test_list(void)
{
	size_t len, n = 99;
	char *body = slurp("engine_list.json", &len);
	char **ids = NULL, err[256] = "";

	is_int(engine_parse_list(body, len, &ids, &n, err, sizeof(err)), 0, "real list parses");
	is_int((long long)n, 1, "one container on e1");
	is_str(n ? ids[0] : NULL, E1_ID, "its id");
	engine_parse_ids_free(ids, n);
	free(body);

	body = slurp("engine_list_h7.json", &len);
	is_int(engine_parse_list(body, len, &ids, &n, err, sizeof(err)), 0,
	       "a list with paused and unhealthy containers parses");
	is_int((long long)n, 4, "four containers");
	is_str(n == 4 ? ids[3] : NULL, WEB1_ID, "ids in the engine's order");
	engine_parse_ids_free(ids, n);
	for (size_t cut = 0; cut < len - 1; cut += 7) {
		if (engine_parse_list(body, cut, &ids, &n, err, sizeof(err)) != FDNS_EPARSE) {
			ok(0, "a list cut at %zu bytes is an error", cut);
			goto cut_done;
		}
	}
	ok(1, "every cut of the list is an error");
cut_done:
	free(body);

	n = 99;
	is_int(engine_parse_list("[]", 2, &ids, &n, err, sizeof(err)), 0, "an empty list");
	is_int((long long)n, 0, "... has no ids");
	engine_parse_ids_free(ids, n);
	const char *bad[] = {"{}",  "[{\"Id\":\"abc\"}]",       "[{}]",
	                     "[1]", "[{\"Id\":\"" E1_ID "\"},", "null"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		is_int(engine_parse_list(bad[i], strlen(bad[i]), &ids, &n, err, sizeof(err)),
		       FDNS_EPARSE, "list '%.30s' is refused", bad[i]);
}

static engine_container_t *inspect_file(const char *name)
{
	size_t len;
	char *body = slurp(name, &len), err[256] = "";
	engine_container_t *c = NULL;

	int rc = engine_parse_inspect(body, len, &c, err, sizeof(err));
	is_int(rc, 0, "%s parses", name);
	if (rc)
		diag("%s", err);
	free(body);
	return c;
}

static const engine_port_t *find_port(const engine_container_t *c, unsigned port, bool udp,
                                      const char *hip)
{
	for (size_t i = 0; i < c->nports; i++)
		if (c->ports[i].container_port == port && c->ports[i].udp == udp &&
		    strcmp(c->ports[i].host_ip, hip) == 0)
			return &c->ports[i];
	return NULL;
}

static void test_inspect(void)
{
	engine_container_t *c = inspect_file("engine_inspect_running.json");
	if (c) {
		is_str(c->id, E1_ID, "id");
		is_str(c->name, "pensive_maxwell", "name without the '/'");
		ok(c->running && !c->paused, "running, not paused");
		is_int(c->health, HEALTH_HEALTHY, "healthy");
		is_int((long long)c->nlabels, 1, "one label");
		is_str(c->nlabels ? c->labels[0].key : NULL, "fleetdns.service", "label key");
		is_str(c->nlabels ? c->labels[0].value : NULL, "web", "label value");
		is_int((long long)c->nnetworks, 1, "one network");
		is_str(c->nnetworks ? c->networks[0].name : NULL, "bridge", "network name");
		is_str(c->nnetworks ? c->networks[0].ipv4 : NULL, "172.17.0.2", "IPv4");
		is_str(c->nnetworks ? c->networks[0].ipv6 : NULL, "", "no IPv6");
		is_int((long long)c->nports, 0, "no ports");
		free(c);
	}
	if ((c = inspect_file("engine_inspect_web1.json"))) {
		is_str(c->name, "h7-web1", "web1 name");
		is_int((long long)c->nlabels, 2, "web1 has two labels");
		is_int((long long)c->nnetworks, 2, "web1 is on two networks");
		bool v6 = false, h7net = false;
		for (size_t i = 0; i < c->nnetworks; i++) {
			v6 |= strcmp(c->networks[i].ipv6, "fd00:f1ee:47::242:ac1f:f702") == 0;
			h7net |= strcmp(c->networks[i].name, "h7net") == 0 &&
			         strcmp(c->networks[i].ipv4, "172.31.246.2") == 0 &&
			         strcmp(c->networks[i].ipv6, "fd00:f1ee:46::2") == 0;
		}
		ok(v6, "bridge IPv6 address");
		ok(h7net, "second network with both addresses");
		is_int((long long)c->nports, 3, "three port bindings");
		const engine_port_t *p = find_port(c, 8080, false, "127.0.0.1");
		ok(p && p->host_port == 18080, "8080/tcp published on 127.0.0.1:18080");
		p = find_port(c, 53, true, "0.0.0.0");
		ok(p && p->host_port == 8053, "53/udp published on 0.0.0.0:8053");
		p = find_port(c, 53, true, "::");
		ok(p && p->host_port == 8053, "53/udp published on [::]:8053");
		free(c);
	}
	if ((c = inspect_file("engine_inspect_web2.json"))) {
		ok(c->running && c->paused, "web2 is paused (and running)");
		is_int(c->health, HEALTH_UNHEALTHY, "a paused container turns unhealthy");
		free(c);
	}
	if ((c = inspect_file("engine_inspect_web3.json"))) {
		is_int(c->health, HEALTH_UNHEALTHY, "web3 is unhealthy");
		free(c);
	}
	if ((c = inspect_file("engine_inspect_nohc.json"))) {
		is_int(c->health, HEALTH_NONE, "no health check");
		is_int((long long)c->nlabels, 1, "one label");
		free(c);
	}
	if ((c = inspect_file("engine_inspect_expose.json"))) {
		is_int((long long)c->nports, 1, "one exposed port");
		const engine_port_t *p = find_port(c, 9090, false, "");
		ok(p && p->host_port == 0, "exposed but not published: host port 0");
		free(c);
	}
	if ((c = inspect_file("engine_inspect_stopped.json"))) {
		ok(!c->running && !c->paused, "stopped: neither running nor paused");
		is_str(c->nnetworks ? c->networks[0].ipv4 : NULL, "", "no address when stopped");
		free(c);
	}

	size_t len;
	char *body = slurp("engine_inspect_web1.json", &len), err[256];
	size_t last = len;
	while (last > 0 && body[last - 1] != '}')
		last--;
	bool all = true;
	for (size_t cut = 0; cut < last; cut++) {
		c = NULL;
		if (engine_parse_inspect(body, cut, &c, err, sizeof(err)) != FDNS_EPARSE) {
			all = false;
			free(c);
			diag("cut at %zu was accepted", cut);
			break;
		}
	}
	ok(all, "an inspect body cut at any of %zu bytes is an error", last);
	free(body);

	const struct {
		const char *body, *msg;
	} bad[] = {
	    {"{\"State\":{\"Running\":true}}", "no valid Id"},
	    {"{\"Id\":\"" E1_ID "\"}", "no State object"},
	    {"{\"Id\":\"" E1_ID "\",\"State\":{\"Running\":\"yes\"}}", "State.Running"},
	    {"{\"Id\":\"" E1_ID "\",\"State\":{\"Running\":true,\"Paused\":1}}", "Paused"},
	    {"{\"Id\":\"" E1_ID "\",\"State\":{\"Running\":true,\"Health\":{\"Status\":3}}}",
	     "Health"},
	    {"{\"Id\":\"" E1_ID
	     "\",\"State\":{\"Running\":true},\"Config\":{\"Labels\":{\"a\":1}}}",
	     "label is not a string"},
	    {"{\"Id\":\"" E1_ID
	     "\",\"State\":{\"Running\":true},\"NetworkSettings\":{\"Networks\":[]}}",
	     "Networks"},
	    {"{\"Id\":\"" E1_ID
	     "\",\"State\":{\"Running\":true},\"NetworkSettings\":{\"Ports\":{\"80/tcp\":{}}}}",
	     "not an array"},
	    {"{\"Id\":\"" E1_ID "\",\"Name\":5,\"State\":{\"Running\":true}}", "Name"},
	    {"\x01\x02\x03", "bad JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		c = NULL;
		err[0] = '\0';
		int rc =
		    engine_parse_inspect(bad[i].body, strlen(bad[i].body), &c, err, sizeof(err));
		ok(rc == FDNS_EPARSE && !c && strstr(err, bad[i].msg), "inspect refused: %s",
		   bad[i].msg);
		if (!strstr(err, bad[i].msg))
			diag("got: %s", err);
		free(c);
	}

	/* Minimal but valid; odd ports are skipped, not fatal. */
	const char *min = "{\"Id\":\"" E1_ID "\",\"State\":{\"Running\":false,\"Health\":null},"
	                  "\"Config\":{\"Labels\":null},\"NetworkSettings\":{\"Networks\":null,"
	                  "\"Ports\":{\"132/sctp\":null,\"x/tcp\":null,\"53/udp\":[{\"HostIp\":"
	                  "\"\",\"HostPort\":\"junk\"}],\"54/udp\":[{\"HostIp\":\"::1\","
	                  "\"HostPort\":\"5454\"}]}}}";
	c = NULL;
	is_int(engine_parse_inspect(min, strlen(min), &c, err, sizeof(err)), 0,
	       "a minimal inspect parses");
	if (c) {
		ok(!c->running && c->health == HEALTH_NONE && c->nlabels == 0 &&
		       c->nnetworks == 0 && c->name[0] == '\0',
		   "... with defaults");
		ok(c->nports == 1 && c->ports[0].container_port == 54 && c->ports[0].udp &&
		       c->ports[0].host_port == 5454 && strcmp(c->ports[0].host_ip, "::1") == 0,
		   "... and only the usable port");
		free(c);
	}
}

/* Events: each delivered event appends "action id\n" to a string. */
struct collect {
	char buf[16384];
	size_t len;
	int n, relevant, relevant_podman;
	int stop_after; /* return 1 from the callback after this many; 0: never */
};

static int collect_event(void *arg, const engine_event_t *ev)
{
	struct collect *c = arg;
	int w = snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s %s %s\n", ev->type,
	                 ev->action, ev->id);
	if (w > 0 && (size_t)w < sizeof(c->buf) - c->len)
		c->len += (size_t)w;
	c->n++;
	c->relevant += engine_event_relevant(ev);
	c->relevant_podman += engine_event_relevant_podman(ev);
	return c->stop_after && c->n >= c->stop_after ? 1 : 0;
}

static int feed(engine_events_t *p, const char *data, size_t len, struct collect *c)
{
	char err[256];
	return engine_events_feed(p, data, len, collect_event, c, err, sizeof(err));
}

static void test_events(void)
{
	size_t l1, l2;
	char *a = slurp("engine_events.txt", &l1), *b = slurp("engine_events_h7.txt", &l2);
	size_t len = l1 + l2;
	char *all = malloc(len + 1);
	engine_events_t *p = engine_events_new();
	struct collect whole = {0}, *part = calloc(1, sizeof(*part));

	memcpy(all, a, l1);
	memcpy(all + l1, b, l2);
	all[len] = '\0';
	free(a);
	free(b);

	is_int(feed(p, all, len, &whole), 0, "the real event stream parses in one piece");
	is_int(whole.n, 23, "23 events");
	is_int(whole.relevant, 13, "13 of them can change what is served");
	ok(strstr(whole.buf,
	          "container health_status: unhealthy "
	          "7a44a2250462d5c41e106f0f517ec09d2537e467c4845b933cf0a5864060c7c6\n") != NULL,
	   "health_status with its Actor.ID");

	bool same = true;
	for (size_t cut = 0; cut <= len && same; cut++) {
		memset(part, 0, sizeof(*part));
		engine_events_reset(p);
		if (feed(p, all, cut, part) || feed(p, all + cut, len - cut, part) ||
		    part->len != whole.len || memcmp(part->buf, whole.buf, whole.len) != 0) {
			same = false;
			diag("split at byte %zu differs", cut);
		}
	}
	ok(same, "split in two at each of %zu bytes: the same events", len + 1);

	memset(part, 0, sizeof(*part));
	engine_events_reset(p);
	bool fine = true;
	for (size_t i = 0; i < len && fine; i++)
		fine = feed(p, all + i, 1, part) == 0;
	ok(fine && part->len == whole.len && memcmp(part->buf, whole.buf, whole.len) == 0,
	   "fed byte by byte: the same events");

	/* Objects back to back without newlines, and with \r\n. */
	const char *packed =
	    "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"x\"}}"
	    "{\"status\":\"die\",\"id\":\"y\"}\r\n\r\n";
	memset(part, 0, sizeof(*part));
	engine_events_reset(p);
	is_int(feed(p, packed, strlen(packed), part), 0, "objects back to back");
	is_str(part->buf, "container start x\n die y\n", "... old-style status/id too");

	memset(part, 0, sizeof(*part));
	engine_events_reset(p);
	part->stop_after = 1;
	is_int(feed(p, packed, strlen(packed), part), 1, "a callback's nonzero stops the feed");
	is_int(part->n, 1, "... after that event");

	const char *garbage[] = {"{\"a\":1}xyz", "[1,2]", "{\"a\": tru}",
	                         "\"str\"",      "}",     "{\"a\":1,}"};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(*garbage); i++) {
		memset(part, 0, sizeof(*part));
		engine_events_reset(p);
		is_int(feed(p, garbage[i], strlen(garbage[i]), part), FDNS_EPARSE,
		       "garbage '%s' is an error", garbage[i]);
	}

	/* One event over the limit, arriving in 64 KiB pieces. */
	engine_events_reset(p);
	memset(part, 0, sizeof(*part));
	size_t big = ENGINE_EVENT_MAX_BYTES + 65536;
	char *huge = malloc(big);
	memset(huge, 'a', big);
	memcpy(huge, "{\"a\":\"", 6);
	int rc = 0;
	for (size_t off = 0; off < big && rc == 0; off += 65536)
		rc = feed(p, huge + off, 65536, part);
	is_int(rc, FDNS_EPARSE, "an endless event is cut off");
	free(huge);
	engine_events_reset(p);
	memset(part, 0, sizeof(*part));
	is_int(feed(p, packed, strlen(packed), part), 0, "after reset the parser works again");
	is_int(part->n, 2, "... both events");

	engine_event_t ev = {"container", "exec_die", "x"};
	ok(!engine_event_relevant(&ev), "exec_die is not relevant");
	ev.action = "health_status: healthy";
	ok(engine_event_relevant(&ev), "health_status: healthy is");
	ev.action = "oom";
	ok(engine_event_relevant(&ev), "oom is");
	ev.type = "network";
	ev.action = "destroy";
	ok(!engine_event_relevant(&ev), "a network's destroy is not");

	engine_events_free(p);
	free(part);
	free(all);
}

static void test_urls(void)
{
	http_target_t t;
	char err[256];

	is_int(
	    http_target_parse(&t, "unix:///run/fleet-e1.sock", NULL, NULL, NULL, err, sizeof(err)),
	    0, "unix URL");
	is_str(t.base, "http://localhost", "... speaks http to localhost");
	is_str(t.unix_path, "/run/fleet-e1.sock", "... over the socket");
	http_target_free(&t);
	is_int(http_target_parse(&t, "tcp://127.0.0.1:2375", NULL, NULL, NULL, err, sizeof(err)), 0,
	       "tcp URL");
	is_str(t.base, "http://127.0.0.1:2375", "... is http without TLS files");
	ok(t.unix_path == NULL && t.tls_ca == NULL, "... no socket, no TLS");
	http_target_free(&t);
	is_int(http_target_parse(&t, "tcp://127.0.0.1:2376/", "ca.pem", "c.pem", "k.pem", err,
	                         sizeof(err)),
	       0, "tcp URL with TLS files");
	is_str(t.base, "https://127.0.0.1:2376", "... is https, trailing '/' dropped");
	is_str(t.tls_key, "k.pem", "... with the key");
	http_target_free(&t);
	is_int(http_target_parse(&t, "https://[::1]:2376", "ca.pem", NULL, NULL, err, sizeof(err)),
	       0, "https URL");
	is_str(t.base, "https://[::1]:2376", "... kept");
	http_target_free(&t);
	const char *bad[] = {"ftp://x",   "unix://relative.sock", "unix://",         "tcp://",
	                     "http:///x", "tcp://a b:1",          "/run/docker.sock"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int rc = http_target_parse(&t, bad[i], NULL, NULL, NULL, err, sizeof(err));
		ok(rc == FDNS_EINVAL && t.base == NULL && strstr(err, bad[i]),
		   "URL '%s' is refused with its text in the message", bad[i]);
	}
}

/* A listing's summaries against the inspects of the same containers, both captured from a
 * real engine (tests/unit/data): equal where the listing shows everything, different for
 * the paused container (a listing does not show a paused container's health). */
static void test_summaries(void)
{
	size_t len, n = 0;
	char *body = slurp("engine_list_h7.json", &len), err[256] = "";
	char **ids = NULL, **sums = NULL;
	is_int(engine_parse_list_summaries(body, len, &ids, &sums, &n, err, sizeof(err)), 0,
	       "the h7 list parses with summaries");
	free(body);
	const struct {
		const char *file;
		bool same;
	} want[] = {{"engine_inspect_web3.json", true},
	            {"engine_inspect_nohc.json", true},
	            {"engine_inspect_web2.json", false},
	            {"engine_inspect_web1.json", true}};
	for (size_t i = 0; i < n && i < 4; i++) {
		engine_container_t *c = inspect_file(want[i].file);
		char *mine = c ? engine_container_summary(c) : NULL;
		ok(mine && sums[i] && (strcmp(mine, sums[i]) == 0) == want[i].same,
		   "%s: the listing %s its inspect", want[i].file,
		   want[i].same ? "shows the state of" : "differs from");
		if (mine && sums[i] && (strcmp(mine, sums[i]) == 0) != want[i].same)
			diag("list:\n%s\ninspect:\n%s", sums[i], mine);
		free(mine);
		free(c);
	}
	/* Any difference that matters shows: health, state, an address, the name. */
	engine_container_t *c = inspect_file("engine_inspect_web1.json");
	char *base = engine_container_summary(c);
	enum engine_health h = c->health;
	c->health = HEALTH_UNHEALTHY;
	char *other = engine_container_summary(c);
	ok(strcmp(base, other) != 0, "a health change changes the summary");
	free(other);
	c->health = h;
	c->paused = true;
	other = engine_container_summary(c);
	ok(strcmp(base, other) != 0, "pausing changes the summary");
	free(other);
	c->paused = false;
	engine_network_t *net = (engine_network_t *)&c->networks[1];
	const char *ip = net->ipv4;
	net->ipv4 = "172.31.246.99";
	other = engine_container_summary(c);
	ok(strcmp(base, other) != 0, "a new address on the second network changes the summary");
	free(other);
	net->ipv4 = ip;
	other = engine_container_summary(c);
	is_str(other, base, "back to the same state: the same summary");
	free(other);
	free(base);
	free(c);
	engine_parse_ids_free(ids, n);
	engine_parse_ids_free(sums, n);
	const char *partial = "[{\"Id\":\"" E1_ID "\",\"State\":\"running\"}]";
	is_int(engine_parse_list_summaries(partial, strlen(partial), &ids, &sums, &n, err,
	                                   sizeof(err)),
	       0, "a listing without Names or networks parses");
	ok(n == 1 && sums[0] == NULL, "... with no summary: that container is inspected");
	engine_parse_ids_free(ids, n);
	engine_parse_ids_free(sums, n);
}

#define PM_WEB1_ID "70da9879bd3b69224496ab5f4d5c45e74035e991670bec3940dd9501afbf8303"

static const char *label(const engine_container_t *c, const char *key)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].key, key) == 0)
			return c->labels[i].value;
	return NULL;
}

/* Podman 4.3.1 (Debian 12, podman 4.3.1+ds1-8+deb12u1): what `podman system service`
 * answered for one container "pmweb1" labelled fleetdns.service=web on a CNI network
 * "pmnet", its health check run by hand with `podman healthcheck run`. */
static void test_podman(void)
{
	size_t len;
	char *body = slurp("podman_version.json", &len), err[256] = "";
	engine_version_info_t vi;

	is_int(engine_parse_version(body, len, &vi, err, sizeof(err)), 0,
	       "podman: /version parses");
	ok(vi.podman, "podman: recognised by its Components");
	is_str(vi.version, "4.3.1", "podman: Version");
	ok(vi.api_major == 1 && vi.api_minor == 41 && vi.min_minor == 24,
	   "podman: ApiVersion 1.41, MinAPIVersion 1.24");
	free(body);
	body = slurp("engine_version.json", &len);
	ok(engine_parse_version(body, len, &vi, err, sizeof(err)) == 0 && !vi.podman,
	   "Docker's /version is not Podman");
	free(body);
	const char *comps = "{\"ApiVersion\":\"1.41\",\"Components\":[{\"Name\":1},"
	                    "{\"Name\":\"Podman Engine\"}]}";
	ok(engine_parse_version(comps, strlen(comps), &vi, err, sizeof(err)) == 0 && vi.podman,
	   "podman: a component without a string Name is skipped");
	comps = "{\"ApiVersion\":\"1.41\",\"Components\":{\"Name\":\"Podman Engine\"}}";
	ok(engine_parse_version(comps, strlen(comps), &vi, err, sizeof(err)) == 0 && !vi.podman,
	   "podman: Components that is not an array is not Podman");

	char **ids, **sums;
	size_t n;
	body = slurp("podman_list.json", &len);
	is_int(engine_parse_list_summaries(body, len, &ids, &sums, &n, err, sizeof(err)), 0,
	       "podman: the listing parses");
	ok(n == 1 && strcmp(ids[0], PM_WEB1_ID) == 0, "podman: one listed container, its id");
	/* Podman's Status ("Up 2 minutes") never shows the health: the listing of a container
	 * with a health check differs from its inspect, so a re-listing inspects it again. */
	is_str(n == 1 ? sums[0] : NULL, "pmweb1\nrunning\nnone\npmnet 172.30.247.2 \n",
	       "podman: the listing's summary has no health");
	free(body);

	engine_container_t *c = inspect_file("podman_inspect_healthy.json");
	if (c) {
		is_str(c->id, PM_WEB1_ID, "podman: inspect id");
		is_str(c->name, "pmweb1", "podman: name without '/'");
		ok(c->running && !c->paused, "podman: running");
		is_int(c->health, HEALTH_HEALTHY, "podman: State.Health.Status healthy");
		is_str(label(c, "fleetdns.service"), "web", "podman: the service label");
		ok(c->nnetworks == 1 && strcmp(c->networks[0].name, "pmnet") == 0 &&
		       strcmp(c->networks[0].ipv4, "172.30.247.2") == 0 &&
		       strcmp(c->networks[0].ipv6, "") == 0,
		   "podman: the address on its network");
		is_int(c->nports, 0, "podman: no ports");
		char *sum = engine_container_summary(c);
		ok(n == 1 && sum && strcmp(sum, sums[0]) != 0,
		   "podman: the inspect's summary differs from the listing's (health)");
		free(sum);
		free(c);
	}
	engine_parse_ids_free(ids, n);
	engine_parse_ids_free(sums, n);
	c = inspect_file("podman_inspect_unhealthy.json");
	if (c) {
		is_int(c->health, HEALTH_UNHEALTHY, "podman: State.Health.Status unhealthy");
		free(c);
	}

	/* The event stream, unfiltered: create, init, start, exec, exec_died, health_status,
	 * pause, unpause, kill, die, stop, cleanup, remove, and image pulls. */
	struct collect *all = calloc(1, sizeof(*all));
	engine_events_t *p = engine_events_new();
	body = slurp("podman_events.txt", &len);
	is_int(feed(p, body, len, all), 0, "podman: the event stream parses");
	is_int(all->n, 44, "podman: 44 events");
	is_int(all->relevant, 15, "podman: 15 of them relevant the Docker way");
	is_int(all->relevant_podman, 28,
	       "podman: 28 relevant the Podman way (also exec_died and remove)");
	/* Podman's health_status is bare, with the status before the check in HealthStatus. */
	ok(strstr(all->buf, "container health_status " PM_WEB1_ID "\n") != NULL,
	   "podman: health_status without ': STATUS'");
	ok(strstr(all->buf, "container die ") && strstr(all->buf, "container remove "),
	   "podman: 'died' arrives as die, removal as remove");
	engine_event_t ev = {"container", "health_status", PM_WEB1_ID};
	ok(engine_event_relevant(&ev) && engine_event_relevant_podman(&ev),
	   "podman: bare health_status is relevant");
	ev.action = "exec_died";
	ok(!engine_event_relevant(&ev) && engine_event_relevant_podman(&ev),
	   "podman: exec_died (a health check ended) only for Podman");
	ev.action = "remove";
	ok(!engine_event_relevant(&ev) && engine_event_relevant_podman(&ev),
	   "podman: remove only for Podman");
	const char *never[] = {"create", "init", "exec", "cleanup", "exec_die", "attach"};
	for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++) {
		ev.action = never[i];
		ok(!engine_event_relevant_podman(&ev), "podman: %s is not relevant", never[i]);
	}
	ev.type = "image";
	ev.action = "remove";
	ok(!engine_event_relevant_podman(&ev), "podman: an image's remove is not");
	engine_events_free(p);
	free(all);
	free(body);
}

/* State.Health.Log: how many of the last results passed in a row, newest first (the
 * hold-down by checks, docs/fleet.md "Flap damping"). */
static void test_health_passes(void)
{
	static const struct {
		const char *file;
		unsigned passes;
	} files[] = {{"engine_inspect_web1.json", 5},    /* 0 0 0 0 0 */
	             {"podman_inspect_healthy.json", 2}, /* 0 1 0 0 */
	             {"podman_inspect_unhealthy.json", 0},
	             {"engine_inspect_nohc.json", 0}};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		engine_container_t *c = inspect_file(files[i].file);
		is_int(c ? (long long)c->health_passes : -1, files[i].passes,
		       "%s: %u passing checks in a row", files[i].file, files[i].passes);
		free(c);
	}
	static const struct {
		const char *log;
		unsigned passes;
	} logs[] = {
	    {"[]", 0},
	    {"[{\"ExitCode\":1},{\"ExitCode\":0},{\"ExitCode\":0},{\"ExitCode\":0}]", 3},
	    {"[{\"ExitCode\":0},{\"ExitCode\":\"0\"},{\"ExitCode\":0}]", 1},
	    {"[{\"ExitCode\":0},{},{\"ExitCode\":0}]", 1},
	    {"[{\"ExitCode\":0},{\"ExitCode\":-1}]", 0},
	    {"{\"ExitCode\":0}", 0},
	};
	for (size_t i = 0; i < sizeof(logs) / sizeof(*logs); i++) {
		char body[512], err[256];
		snprintf(body, sizeof(body),
		         "{\"Id\":\"" E1_ID "\",\"State\":{\"Running\":true,\"Health\":{"
		         "\"Status\":\"healthy\",\"Log\":%s}}}",
		         logs[i].log);
		engine_container_t *c = NULL;
		int rc = engine_parse_inspect(body, strlen(body), &c, err, sizeof(err));
		ok(rc == 0 && c && c->health_passes == logs[i].passes, "Log %s: %u in a row",
		   logs[i].log, logs[i].passes);
		free(c);
	}
}

int main(void)
{
	test_health_passes();
	test_summaries();
	test_ids();
	test_version();
	test_list();
	test_inspect();
	test_events();
	test_urls();
	test_podman();
	return done_testing();
}
