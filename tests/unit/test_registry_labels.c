/* SPDX-License-Identifier: MIT */
/* test_registry_labels.c -- per-service policy by label (issue 13 part 5): fleetdns.expose and
 * the fleet's expose setting, fleetdns.unhealthy, fleetdns.network; the exact records, the
 * reasons in registry_status(), the warnings (logged once) and the expose key of fleet:. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetdns/error.h"
#include "fleetdns/registry.h"
#include "capture.h"
#include "tap.h"

static const char *base_zone = "$TTL 60\n"
                               "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                               "@ IN NS ns\n"
                               "ns IN A 192.0.2.53\n";

typedef struct fake {
	engine_container_t c;
	engine_label_t labels[4];
	engine_network_t nets[2];
} fake_t;

static void fake_init(fake_t *f, const char *id, const char *name, const char *service,
                      const char *ip, enum engine_health health)
{
	memset(f, 0, sizeof(*f));
	f->labels[0] = (engine_label_t){"fleetdns.service", service};
	f->nets[0] = (engine_network_t){"bridge", ip, ""};
	f->c = (engine_container_t){.id = id,
	                            .name = name,
	                            .running = true,
	                            .health = health,
	                            .labels = f->labels,
	                            .nlabels = 1,
	                            .networks = f->nets,
	                            .nnetworks = 1};
}

static void label_add(fake_t *f, const char *key, const char *value)
{
	f->labels[f->c.nlabels++] = (engine_label_t){key, value};
}

/* The rendered fleet zone as sorted "owner ttl type rdata" lines, without SOA/NS/ns. */
static char *render_text(registry_t *r)
{
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, "fleet.test", base_zone, "base", err, sizeof(err)) < 0)
		return strdup(err);
	if (registry_render(r, z, z->apex) < 0) {
		zone_data_free(z);
		return strdup("render failed");
	}
	ldns_rr_list_sort(z->rrs);
	size_t cap = 65536, len = 0;
	char *out = calloc(1, cap);
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
		char *owner = ldns_rdf2str(ldns_rr_owner(rr));
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_SOA || t == LDNS_RR_TYPE_NS ||
		    strcmp(owner, "ns.fleet.test.") == 0) {
			free(owner);
			continue;
		}
		char *type = ldns_rr_type2str(t);
		len += (size_t)snprintf(out + len, cap - len, "%s %u %s", owner, ldns_rr_ttl(rr),
		                        type);
		for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
			char *rd = ldns_rdf2str(ldns_rr_rdf(rr, k));
			len += (size_t)snprintf(out + len, cap - len, " %s", rd);
			free(rd);
		}
		len += (size_t)snprintf(out + len, cap - len, "\n");
		free(owner);
		free(type);
	}
	zone_data_free(z);
	return out;
}

static void check_render(registry_t *r, const char *want, const char *what)
{
	char *text = render_text(r);
	is_str(text, want, "%s", what);
	free(text);
}

/* "label:served/reason label:..." for every replica of registry_status(), in its order. */
static char *status_text(registry_t *r)
{
	static char buf[1024];
	size_t len = 0;
	buf[0] = '\0';
	json_object *st = registry_status(r);
	for (size_t i = 0; st && i < json_object_array_length(st); i++) {
		json_object *reps, *v;
		json_object_object_get_ex(json_object_array_get_idx(st, i), "replicas", &reps);
		for (size_t k = 0; k < json_object_array_length(reps); k++) {
			json_object *rep = json_object_array_get_idx(reps, k);
			json_object_object_get_ex(rep, "name", &v);
			const char *name = json_object_get_string(v);
			json_object_object_get_ex(rep, "reason", &v);
			const char *why = v ? json_object_get_string(v) : "served";
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s:%s",
			                        len ? " " : "", name, why);
		}
	}
	json_object_put(st);
	return buf;
}

static conf_engine_t engine1 = {.name = "node1", .url = "unix:///x", .timeout_ms = 1000};
static conf_engine_t net_engine = {
    .name = "node2", .url = "unix:///y", .network = "front", .timeout_ms = 1000};
static conf_engine_t host_engine = {.name = "node3",
                                    .url = "tcp://127.0.0.1:2375",
                                    .address = CONF_ADDRESS_HOST,
                                    .host_address = "198.51.100.7",
                                    .timeout_ms = 1000};

static conf_fleet_t default_fleet(void)
{
	return (conf_fleet_t){.ttl = 5, .compose_labels = true, .swarm_labels = true};
}

static void test_expose(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t own, cmp, swm, optin, hidden, hidcmp;
	fake_init(&own, "o1", "own-1", "own", "10.0.0.1", HEALTH_NONE);
	fake_init(&cmp, "c1", "proj-cmp-1", "x", "10.0.0.2", HEALTH_NONE);
	cmp.labels[0] = (engine_label_t){"com.docker.compose.service", "cmp"};
	fake_init(&swm, "s1", "swm.1.abc", "x", "10.0.0.3", HEALTH_NONE);
	swm.labels[0] = (engine_label_t){"com.docker.swarm.service.name", "swm"};
	fake_init(&optin, "p1", "proj-opt-1", "x", "10.0.0.4", HEALTH_NONE);
	optin.labels[0] = (engine_label_t){"com.docker.compose.service", "opt"};
	label_add(&optin, "fleetdns.expose", "true");
	fake_init(&hidden, "h1", "hid-1", "hid", "10.0.0.5", HEALTH_NONE);
	label_add(&hidden, "fleetdns.expose", "false");
	fake_init(&hidcmp, "h2", "proj-hc-1", "x", "10.0.0.6", HEALTH_NONE);
	hidcmp.labels[0] = (engine_label_t){"com.docker.compose.service", "hc"};
	label_add(&hidcmp, "fleetdns.expose", "FALSE");
	const engine_container_t *list[] = {&own.c, &cmp.c, &swm.c, &optin.c, &hidden.c, &hidcmp.c};

	registry_engine_sync(r, &engine1, list, 6);
	check_render(r,
	             "cmp.fleet.test. 5 A 10.0.0.2\n"
	             "proj-cmp-1-node1.cmp.fleet.test. 5 A 10.0.0.2\n"
	             "opt.fleet.test. 5 A 10.0.0.4\n"
	             "proj-opt-1-node1.opt.fleet.test. 5 A 10.0.0.4\n"
	             "own.fleet.test. 5 A 10.0.0.1\n"
	             "own-1-node1.own.fleet.test. 5 A 10.0.0.1\n"
	             "swm.fleet.test. 5 A 10.0.0.3\n"
	             "swm-1-abc-node1.swm.fleet.test. 5 A 10.0.0.3\n",
	             "expose: all (default): every service label publishes, except "
	             "fleetdns.expose=false (any case), which hides the container");
	is_int((long long)registry_service_count(r), 4,
	       "hidden containers do not make their services known (hid, hc: NXDOMAIN)");

	fleet.expose = CONF_EXPOSE_LABELLED;
	r = (registry_free(r), registry_new(&fleet));
	registry_engine_sync(r, &engine1, list, 6);
	check_render(r,
	             "opt.fleet.test. 5 A 10.0.0.4\n"
	             "proj-opt-1-node1.opt.fleet.test. 5 A 10.0.0.4\n"
	             "own.fleet.test. 5 A 10.0.0.1\n"
	             "own-1-node1.own.fleet.test. 5 A 10.0.0.1\n",
	             "expose: labelled: Compose and Swarm services only with fleetdns.expose=true; "
	             "fleetdns.service always; fleetdns.expose=false still hides");
	is_str(status_text(r), "own-1-node1:served proj-opt-1-node1:served",
	       "status lists only the published replicas");

	/* A published container that becomes hidden leaves, as if removed. */
	label_add(&own, "fleetdns.expose", "false");
	registry_container_update(r, &engine1, &own.c);
	check_render(r,
	             "opt.fleet.test. 5 A 10.0.0.4\n"
	             "proj-opt-1-node1.opt.fleet.test. 5 A 10.0.0.4\n"
	             "_replicas.own.fleet.test. 5 TXT \"0 served\"\n",
	             "a replica hidden later is withdrawn; its known service answers NODATA");
	is_int((long long)registry_replica_count(r, NULL), 1, "one replica left");
	registry_free(r);

	/* An invalid value: warned once, ignored (the fleet's setting applies). */
	r = registry_new(&fleet);
	fake_t bad, badcmp;
	fake_init(&bad, "b1", "bad-1", "bad", "10.0.1.1", HEALTH_NONE);
	label_add(&bad, "fleetdns.expose", "maybe");
	fake_init(&badcmp, "b2", "proj-bc-1", "x", "10.0.1.2", HEALTH_NONE);
	badcmp.labels[0] = (engine_label_t){"com.docker.compose.service", "bc"};
	label_add(&badcmp, "fleetdns.expose", "yes");
	const engine_container_t *blist[] = {&bad.c, &badcmp.c};
	log_capture();
	registry_engine_sync(r, &engine1, blist, 2);
	registry_engine_sync(r, &engine1, blist, 2);
	registry_container_update(r, &engine1, &bad.c);
	is_int(log_count("container bad-1: label fleetdns.expose=maybe is not false or true; "
	                 "ignored"),
	       1, "an invalid fleetdns.expose is logged once, with the container name");
	check_render(r,
	             "bad.fleet.test. 5 A 10.0.1.1\n"
	             "bad-1-node1.bad.fleet.test. 5 A 10.0.1.1\n",
	             "invalid fleetdns.expose ignored: fleetdns.service publishes, a Compose "
	             "label under expose: labelled does not");
	registry_free(r);
}

static void test_unhealthy(void)
{
	conf_fleet_t fleet = default_fleet(); /* unhealthy: nodata */
	registry_t *r = registry_new(&fleet);
	fake_t a1, a2, n1, p1, s1, x1;
	fake_init(&a1, "a1", "api-1", "api", "10.0.0.1", HEALTH_UNHEALTHY);
	label_add(&a1, "fleetdns.unhealthy", "all");
	fake_init(&a2, "a2", "api-2", "api", "10.0.0.2", HEALTH_UNHEALTHY);
	fake_init(&n1, "n1", "db-1", "db", "10.0.0.3", HEALTH_UNHEALTHY);
	fake_init(&p1, "p1", "api-3", "api", "10.0.0.4", HEALTH_UNHEALTHY);
	p1.c.paused = true;
	fake_init(&s1, "s1", "api-4", "api", "10.0.0.5", HEALTH_NONE);
	s1.c.running = false;
	fake_init(&x1, "x1", "ext-1", "ext", "10.0.0.6", HEALTH_UNHEALTHY);
	label_add(&x1, "fleetdns.unhealthy", "sometimes");
	const engine_container_t *list[] = {&a1.c, &a2.c, &n1.c, &p1.c, &s1.c, &x1.c};
	log_capture();
	registry_engine_sync(r, &engine1, list, 6);
	registry_engine_sync(r, &engine1, list, 6);
	registry_container_update(r, &engine1, &x1.c);
	is_int(log_count("container ext-1: label fleetdns.unhealthy=sometimes is not nodata or "
	                 "all; ignored"),
	       1, "an invalid fleetdns.unhealthy is logged once, with the container name");
	check_render(r,
	             "api.fleet.test. 5 A 10.0.0.1\n"
	             "api.fleet.test. 5 A 10.0.0.2\n"
	             "api-1-node1.api.fleet.test. 5 A 10.0.0.1\n"
	             "api-2-node1.api.fleet.test. 5 A 10.0.0.2\n"
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "_replicas.ext.fleet.test. 5 TXT \"0 served\"\n",
	             "fleetdns.unhealthy=all on one replica: its service answers every running "
	             "replica (not the paused or stopped); db and ext (invalid label) keep the "
	             "fleet's nodata");
	is_str(status_text(r),
	       "api-1-node1:unhealthy api-2-node1:unhealthy api-3-node1:paused "
	       "api-4-node1:stopped db-1-node1:unhealthy ext-1-node1:unhealthy",
	       "status: the replicas answered by the policy are still withheld by reason");

	/* Replicas that disagree: "all" wins, whatever the order. */
	label_add(&a2, "fleetdns.unhealthy", "nodata");
	registry_container_update(r, &engine1, &a2.c);
	char *first = render_text(r);
	ok(strstr(first, "api.fleet.test. 5 A 10.0.0.2\n") != NULL,
	   "one replica says all, another nodata: all wins");
	registry_container_remove(r, "node1", "a1");
	registry_container_update(r, &engine1, &a1.c);
	char *again = render_text(r);
	is_str(again, first, "the same records when the 'all' replica arrives last");
	free(first);
	free(again);
	registry_container_remove(r, "node1", "a1");
	check_render(r,
	             "_replicas.api.fleet.test. 5 TXT \"0 served\"\n"
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "_replicas.ext.fleet.test. 5 TXT \"0 served\"\n",
	             "the 'all' replica gone: the remaining label says nodata");
	/* A served replica: the policy does not matter, only served ones answer. */
	a2.c.health = HEALTH_HEALTHY;
	registry_container_update(r, &engine1, &a2.c);
	registry_container_update(r, &engine1, &a1.c);
	check_render(r,
	             "api.fleet.test. 5 A 10.0.0.2\n"
	             "api-2-node1.api.fleet.test. 5 A 10.0.0.2\n"
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "_replicas.ext.fleet.test. 5 TXT \"0 served\"\n",
	             "with one healthy replica, fleetdns.unhealthy=all adds no unhealthy one");
	registry_free(r);

	/* fleet: all, and a label nodata: that service alone answers NODATA. */
	fleet.unhealthy = CONF_UNHEALTHY_ALL;
	r = registry_new(&fleet);
	fake_t q1, w1;
	fake_init(&q1, "q1", "pay-1", "pay", "10.0.2.1", HEALTH_UNHEALTHY);
	label_add(&q1, "fleetdns.unhealthy", "NODATA");
	fake_init(&w1, "w1", "web-1", "web", "10.0.2.2", HEALTH_UNHEALTHY);
	const engine_container_t *l2[] = {&q1.c, &w1.c};
	registry_engine_sync(r, &engine1, l2, 2);
	check_render(r,
	             "_replicas.pay.fleet.test. 5 TXT \"0 served\"\n"
	             "web.fleet.test. 5 A 10.0.2.2\n"
	             "web-1-node1.web.fleet.test. 5 A 10.0.2.2\n",
	             "fleet unhealthy: all; fleetdns.unhealthy=nodata (any case) fails closed");
	registry_free(r);
}

static void test_network(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t a, b, c, d, h;
	/* Two networks: "bridge" first by name, "front" second. */
	fake_init(&a, "a1", "web-1", "web", "172.17.0.2", HEALTH_NONE);
	a.nets[1] = (engine_network_t){"front", "172.20.0.2", "fd00::2"};
	a.c.nnetworks = 2;
	fake_init(&b, "b1", "web-2", "web", "172.17.0.3", HEALTH_NONE);
	b.nets[1] = (engine_network_t){"front", "172.20.0.3", ""};
	b.c.nnetworks = 2;
	label_add(&b, "fleetdns.network", "front");
	fake_init(&c, "c1", "web-3", "web", "172.17.0.4", HEALTH_NONE);
	label_add(&c, "fleetdns.network", "back");
	const engine_container_t *list[] = {&a.c, &b.c, &c.c};
	log_capture();
	registry_engine_sync(r, &engine1, list, 3);
	registry_engine_sync(r, &engine1, list, 3);
	registry_container_update(r, &engine1, &c.c);
	is_int(log_count("engine node1: container web-3: fleetdns.network=back is not one of its "
	                 "networks (bridge); withheld"),
	       1, "a fleetdns.network the container is not on is logged once");
	check_render(r,
	             "web.fleet.test. 5 A 172.17.0.2\n"
	             "web.fleet.test. 5 A 172.20.0.3\n"
	             "web-1-node1.web.fleet.test. 5 A 172.17.0.2\n"
	             "web-2-node1.web.fleet.test. 5 A 172.20.0.3\n",
	             "fleetdns.network=front picks the second network's address; without it the "
	             "first by name; a network it is not on withholds the replica");
	is_str(status_text(r), "web-1-node1:served web-2-node1:served web-3-node1:network",
	       "status: reason \"network\"");

	/* The label overrides the engine's network:. */
	fake_init(&d, "d1", "api-1", "api", "172.17.0.9", HEALTH_NONE);
	d.nets[1] = (engine_network_t){"front", "172.20.0.9", ""};
	d.c.nnetworks = 2;
	label_add(&d, "fleetdns.network", "bridge");
	const engine_container_t *l2[] = {&d.c};
	registry_engine_sync(r, &net_engine, l2, 1);
	char *text = render_text(r);
	ok(strstr(text, "api.fleet.test. 5 A 172.17.0.9\n") && !strstr(text, "172.20.0.9"),
	   "fleetdns.network=bridge wins over the engine's network: front");
	free(text);

	/* Not even the "all" policy answers a replica without its network; once it is on it,
	 * the replica is served (and logged anew if it leaves again). */
	c.c.health = HEALTH_UNHEALTHY;
	registry_container_update(r, &engine1, &c.c);
	a.c.health = b.c.health = HEALTH_UNHEALTHY;
	label_add(&a, "fleetdns.unhealthy", "all");
	registry_container_update(r, &engine1, &a.c);
	registry_container_update(r, &engine1, &b.c);
	check_render(r,
	             "api.fleet.test. 5 A 172.17.0.9\n"
	             "api-1-node2.api.fleet.test. 5 A 172.17.0.9\n"
	             "web.fleet.test. 5 A 172.17.0.2\n"
	             "web.fleet.test. 5 A 172.20.0.3\n"
	             "web-1-node1.web.fleet.test. 5 A 172.17.0.2\n"
	             "web-2-node1.web.fleet.test. 5 A 172.20.0.3\n",
	             "policy all (by label) answers running replicas, not the one off its network");
	is_str(status_text(r),
	       "web-1-node1:unhealthy web-2-node1:unhealthy web-3-node1:network "
	       "api-1-node2:served",
	       "status: an unhealthy replica off its network says \"network\"");
	c.c.health = HEALTH_NONE;
	c.nets[1] = (engine_network_t){"back", "172.21.0.4", ""};
	c.c.nnetworks = 2;
	registry_container_update(r, &engine1, &c.c);
	is_str(status_text(r),
	       "web-1-node1:unhealthy web-2-node1:unhealthy web-3-node1:served "
	       "api-1-node2:served",
	       "connected to its network: served");
	text = render_text(r);
	ok(strstr(text, "web.fleet.test. 5 A 172.21.0.4\n") &&
	       !strstr(text, "web.fleet.test. 5 A 172.17.0.2\n"),
	   "only the served replica answers now, at its network's address");
	free(text);
	c.c.nnetworks = 1;
	log_capture();
	registry_container_update(r, &engine1, &c.c);
	is_int(log_count("fleetdns.network=back is not one of its networks"), 1,
	       "left its network again: logged again");
	/* A stopped container off its network: reason "stopped", and no warning. */
	fake_t s;
	fake_init(&s, "s1", "web-9", "web", "", HEALTH_NONE);
	s.c.running = false;
	s.c.nnetworks = 0;
	label_add(&s, "fleetdns.network", "back");
	log_capture();
	registry_container_update(r, &engine1, &s.c);
	is_int(log_count("web-9"), 0, "a stopped container off its network: no warning");
	ok(strstr(status_text(r), "web-9-node1:stopped") != NULL, "its reason is \"stopped\"");

	/* Host mode: the address is the engine's; fleetdns.network does not apply. */
	fake_init(&h, "h1", "web-h", "web", "172.17.0.8", HEALTH_NONE);
	label_add(&h, "fleetdns.network", "elsewhere");
	const engine_container_t *l3[] = {&h.c};
	registry_engine_sync(r, &host_engine, l3, 1);
	ok(strstr(status_text(r), "web-h-node3:served") != NULL,
	   "host mode ignores fleetdns.network");
	registry_free(r);
}

/* fleet: expose: in the configuration file. */
static char dir[64];

static int build(const char *yaml, conf_t *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	conf_cmdline_t cl = {.conf_path = path};
	snprintf(path, sizeof(path), "%s/labels.conf", dir);
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return conf_build(c, &cl, err, errlen);
}

static void test_conf(void)
{
	conf_t c;
	char err[512], want[128];
	is_int(build("zones:\n  - name: a.test\n", &c, err, sizeof(err)), 0, "no fleet: section");
	is_int(c.fleet.expose, CONF_EXPOSE_ALL, "expose defaults to all (today's behaviour)");
	conf_free(&c);
	is_int(
	    build("zones:\n  - name: a.test\nfleet:\n  expose: labelled\n", &c, err, sizeof(err)),
	    0, "expose: labelled");
	is_int(c.fleet.expose, CONF_EXPOSE_LABELLED, "read as CONF_EXPOSE_LABELLED");
	conf_free(&c);
	is_int(build("zones:\n  - name: a.test\nfleet:\n  expose: all\n", &c, err, sizeof(err)), 0,
	       "expose: all");
	is_int(c.fleet.expose, CONF_EXPOSE_ALL, "read as CONF_EXPOSE_ALL");
	conf_free(&c);
	ok(build("zones:\n  - name: a.test\nfleet:\n  expose: labeled\n", &c, err, sizeof(err)) < 0,
	   "expose: labeled (not a value) is an error");
	snprintf(want, sizeof(want), "%s/labels.conf:4:11:", dir);
	ok(strncmp(err, want, strlen(want)) == 0 && strstr(err, "labelled or all"),
	   "the message names the place and the values: %s", err);
	ok(build("zones:\n  - name: a.test\nfleet:\n  expos: all\n", &c, err, sizeof(err)) < 0 &&
	       strstr(err, "did you mean 'expose'"),
	   "a typo suggests expose: %s", err);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/fdns-labels.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	test_expose();
	test_unhealthy();
	test_network();
	test_conf();
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/labels.conf", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
