/* SPDX-License-Identifier: MIT */
/* test_registry_stale.c -- an engine down with a grace (registry_engine_stale): which
 * replicas are kept and where each is probed (fleetdns.port, exposed, published ports), which
 * leave at once, and how probes, the grace's end and the engine's next listing end it. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/registry.h"
#include "tap.h"

typedef struct kept {
	char text[8][96]; /* "ID ADDRESS PORT" per call */
	size_t n;
	const char *refuse; /* the id the callback cannot probe */
} kept_t;

static bool each(void *arg, const char *id, const char *address, uint16_t port)
{
	kept_t *k = arg;
	if (k->n < 8)
		snprintf(k->text[k->n++], sizeof(k->text[0]), "%s %s %u", id, address, port);
	return !k->refuse || strcmp(id, k->refuse) != 0;
}

static bool seen(const kept_t *k, const char *text)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->text[i], text) == 0)
			return true;
	return false;
}

typedef struct spec {
	const char *id, *service, *ip, *port_label;
	enum engine_health health;
	const engine_port_t *ports;
	size_t nports;
} spec_t;

/* Containers named like their ids, each with its labels and one network. */
static void make(const spec_t *s, size_t n, engine_container_t *out, engine_label_t (*labels)[2],
                 engine_network_t *nets)
{
	for (size_t i = 0; i < n; i++) {
		labels[i][0] = (engine_label_t){"fleetdns.service", s[i].service};
		labels[i][1] = (engine_label_t){"fleetdns.port", s[i].port_label};
		nets[i] = (engine_network_t){"bridge", s[i].ip, ""};
		out[i] = (engine_container_t){.id = s[i].id,
		                              .name = s[i].id,
		                              .running = true,
		                              .health = s[i].health,
		                              .labels = labels[i],
		                              .nlabels = s[i].port_label ? 2 : 1,
		                              .networks = &nets[i],
		                              .nnetworks = 1,
		                              .ports = s[i].ports,
		                              .nports = s[i].nports};
	}
}

/* The replica named label in registry_status(), or NULL. */
static json_object *replica(json_object *st, const char *label)
{
	for (size_t i = 0; i < json_object_array_length(st); i++) {
		json_object *reps, *v;
		json_object_object_get_ex(json_object_array_get_idx(st, i), "replicas", &reps);
		for (size_t k = 0; k < json_object_array_length(reps); k++) {
			json_object *r = json_object_array_get_idx(reps, k);
			if (json_object_object_get_ex(r, "name", &v) &&
			    strcmp(json_object_get_string(v), label) == 0)
				return r;
		}
	}
	return NULL;
}

static bool is_stale(json_object *st, const char *label)
{
	json_object *r = replica(st, label), *v;
	return r && json_object_object_get_ex(r, "stale", &v) && json_object_get_boolean(v);
}

int main(void)
{
	conf_engine_t e1 = {.name = "e1", .url = "unix:///x", .grace_ms = 5000};
	conf_engine_t e2 = {.name = "e2", .url = "unix:///y"};
	conf_engine_t e3 = {.name = "e3",
	                    .url = "unix:///z",
	                    .address = CONF_ADDRESS_HOST,
	                    .host_address = "198.51.100.7"};
	conf_fleet_t fleet = {.ttl = 5, .compose_labels = true, .swarm_labels = true};
	registry_t *r = registry_new(&fleet);
	static const engine_port_t exposed[] = {{53, true, 0, NULL}, {80, false, 0, NULL}};
	static const engine_port_t udp_only[] = {{53, true, 0, NULL}};
	static const engine_port_t published[] = {{8080, false, 18080, "0.0.0.0"}};
	const spec_t s1[] = {
	    {"a1", "web", "172.17.0.2", "http:8080,dns:53/udp", HEALTH_HEALTHY, exposed, 2},
	    {"a2", "web", "172.17.0.3", NULL, HEALTH_NONE, exposed, 2},
	    {"a3", "web", "172.17.0.4", NULL, HEALTH_HEALTHY, udp_only, 1},
	    {"a4", "web", "172.17.0.5", NULL, HEALTH_UNHEALTHY, exposed, 2},
	    {"a5", "web", "172.17.0.6", NULL, HEALTH_HEALTHY, exposed, 2},
	    {"a6", "api", "172.17.0.7", NULL, HEALTH_HEALTHY, NULL, 0},
	};
	const spec_t s2[] = {{"b1", "web", "172.18.0.2", NULL, HEALTH_HEALTHY, exposed, 2}};
	const spec_t s3[] = {{"c1", "web", "172.19.0.2", NULL, HEALTH_HEALTHY, published, 1}};
	engine_container_t c1[6], c2[1], c3[1];
	engine_label_t l1[6][2], l2[1][2], l3[1][2];
	engine_network_t n1[6], n2[1], n3[1];
	make(s1, 6, c1, l1, n1);
	make(s2, 1, c2, l2, n2);
	make(s3, 1, c3, l3, n3);
	const engine_container_t *list1[6] = {&c1[0], &c1[1], &c1[2], &c1[3], &c1[4], &c1[5]};
	const engine_container_t *list2[1] = {&c2[0]}, *list3[1] = {&c3[0]};
	ok(registry_engine_sync(r, &e1, list1, 6) == 0 &&
	       registry_engine_sync(r, &e2, list2, 1) == 0 &&
	       registry_engine_sync(r, &e3, list3, 1) == 0,
	   "e1, e2, e3 listed");
	size_t served, known = registry_replica_count(r, &served);
	ok(known == 8 && served == 7, "8 replicas, 7 served (a4 unhealthy)");

	/* e1 down with a grace: a1 (fleetdns.port http:8080), a2 (first TCP port exposed, 80)
	 * are kept; a3 (UDP only) and a6 (no port) leave, a4 (not served) leaves, a5 cannot
	 * be probed (the callback refuses it) and leaves. */
	kept_t k = {.refuse = "a5"};
	uint64_t gen = registry_generation(r);
	size_t n = registry_engine_stale(r, "e1", each, &k);
	is_int((long long)n, 2, "e1 down: 2 replicas kept");
	ok(k.n == 3 && seen(&k, "a1 172.17.0.2 8080") && seen(&k, "a2 172.17.0.3 80") &&
	       seen(&k, "a5 172.17.0.6 80"),
	   "probed: a1 on its fleetdns.port, a2 and a5 on their first exposed TCP port");
	is_int((long long)registry_stale_count(r), 2, "2 stale");
	known = registry_replica_count(r, &served);
	ok(known == 4 && served == 4, "a1, a2 (stale), b1, c1 left, all served");
	ok(registry_generation(r) != gen, "what left changed the records");
	json_object *st = registry_status(r);
	ok(is_stale(st, "a1-e1") && is_stale(st, "a2-e1") && !is_stale(st, "b1-e2") &&
	       !replica(st, "a3-e1") && !replica(st, "a4-e1") && !replica(st, "a5-e1") &&
	       !replica(st, "a6-e1"),
	   "status: a1, a2 stale; b1 not; a3, a4, a5, a6 gone");
	json_object *v;
	ok(json_object_object_get_ex(replica(st, "b1-e2"), "stale", &v) == false,
	   "status: \"stale\" only on stale replicas");
	json_object_put(st);

	/* Host mode: the host address and the published port. */
	k = (kept_t){0};
	is_int((long long)registry_engine_stale(r, "e3", each, &k), 1, "e3 down: c1 kept");
	ok(k.n == 1 && seen(&k, "c1 198.51.100.7 18080"), "c1 probed at host-address:18080");
	ok(registry_stale_withdraw(r, "e3", "c1", "engine down, probe failed: test"),
	   "c1's probe failed: withdrawn");

	/* Probes: a1 fails; withdrawing it again, or a replica that is not stale, does
	 * nothing. */
	ok(registry_stale_withdraw(r, "e1", "a1", "engine down, probe failed: test"),
	   "a1's probe failed: withdrawn");
	ok(!registry_stale_withdraw(r, "e1", "a1", "again"), "a1 again: nothing");
	ok(!registry_stale_withdraw(r, "e2", "b1", "not stale"), "b1 (not stale): kept");
	is_int((long long)registry_stale_count(r), 1, "1 stale (a2)");

	/* The engine comes back: its listing replaces the stale state. */
	gen = registry_generation(r);
	const engine_container_t *back[1] = {&c1[1]};
	ok(registry_engine_sync(r, &e1, back, 1) == 0, "e1 listed again: a2");
	is_int((long long)registry_stale_count(r), 0, "nothing stale after the listing");
	ok(registry_generation(r) == gen, "a2 fresh has the same records as a2 stale");
	ok(!registry_stale_withdraw(r, "e1", "a2", "late probe"),
	   "a late probe failure of a2: nothing");
	known = registry_replica_count(r, &served);
	ok(known == 2 && served == 2, "a2 and b1 served");

	/* Down again, and the grace ends: everything kept goes. */
	k = (kept_t){0};
	is_int((long long)registry_engine_stale(r, "e1", each, &k), 1, "e1 down again: a2 kept");
	registry_engine_down(r, "e1");
	known = registry_replica_count(r, &served);
	ok(known == 1 && served == 1 && registry_stale_count(r) == 0, "grace over: only b1 left");

	/* A drained engine's replicas are not served: none is kept. */
	ok(registry_engine_drain(r, "e2", true) == 0, "e2 drained");
	k = (kept_t){0};
	is_int((long long)registry_engine_stale(r, "e2", each, &k), 0, "e2 down: nothing kept");
	ok(k.n == 0 && registry_replica_count(r, NULL) == 0, "nothing probed, nothing left");
	registry_free(r);
	return done_testing();
}
