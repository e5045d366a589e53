/* SPDX-License-Identifier: MIT */
/* test_registry.c -- containers to replicas to records, and round-robin over the result. */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/answer.h"
#include "fleetdns/error.h"
#include "fleetdns/registry.h"
#include "tap.h"

static const char *base_zone = "$TTL 60\n"
                               "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                               "@ IN NS ns\n"
                               "ns IN A 192.0.2.53\n";

typedef struct fake {
	engine_container_t c;
	engine_label_t labels[4];
	engine_network_t net;
	engine_port_t ports[2];
} fake_t;

static void fake_init(fake_t *f, const char *id, const char *name, const char *service,
                      const char *ip, enum engine_health health)
{
	memset(f, 0, sizeof(*f));
	f->labels[0] = (engine_label_t){"fleetdns.service", service};
	f->net = (engine_network_t){"bridge", ip, ""};
	f->c = (engine_container_t){.id = id,
	                            .name = name,
	                            .running = true,
	                            .health = health,
	                            .labels = f->labels,
	                            .nlabels = 1,
	                            .networks = &f->net,
	                            .nnetworks = 1};
}

/* The rendered fleet zone as sorted "owner ttl type rdata" lines, without SOA/NS/ns; with
 * by_service, rendered service by service (registry_render_service) instead of whole. */
static char *render_text_as(registry_t *r, bool by_service)
{
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, "fleet.test", base_zone, "base", err, sizeof(err)) < 0)
		return strdup(err);
	int ret = FDNS_OK;
	if (!by_service)
		ret = registry_render(r, z, z->apex);
	for (size_t i = 0; by_service && i < registry_service_count(r) && ret == FDNS_OK; i++)
		ret = registry_render_service(r, z, i, z->apex);
	if (ret < 0) {
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

static char *render_text(registry_t *r)
{
	return render_text_as(r, false);
}

static conf_engine_t engine1 = {.name = "node1", .url = "unix:///x", .timeout_ms = 1000};
static conf_engine_t engine2 = {.name = "node2", .url = "unix:///y", .timeout_ms = 1000};
static conf_engine_t host_engine = {.name = "node3",
                                    .url = "tcp://127.0.0.1:2375",
                                    .address = CONF_ADDRESS_HOST,
                                    .host_address = "198.51.100.7",
                                    .timeout_ms = 1000};

static conf_fleet_t default_fleet(void)
{
	return (conf_fleet_t){.ttl = 5, .compose_labels = true, .swarm_labels = true};
}

static void check_render(registry_t *r, const char *want, const char *what)
{
	char *text = render_text(r);
	is_str(text, want, "%s", what);
	free(text);
}

static void test_services(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t a, b, c;
	fake_init(&a, "aaa", "web_1", "web", "172.17.0.2", HEALTH_HEALTHY);
	fake_init(&b, "bbb", "web-2", "Web", "172.17.0.3", HEALTH_NONE);
	fake_init(&c, "ccc", "db", "db", "172.17.0.9", HEALTH_UNHEALTHY);
	const engine_container_t *list1[] = {&a.c, &c.c};
	registry_engine_sync(r, &engine1, list1, 2);
	const engine_container_t *list2[] = {&b.c};
	registry_engine_sync(r, &engine2, list2, 1);
	size_t served, total = registry_replica_count(r, &served);
	is_int((long long)total, 3, "three replicas known");
	is_int((long long)served, 2, "two served (the unhealthy db is not)");
	check_render(r,
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "web.fleet.test. 5 A 172.17.0.2\n"
	             "web.fleet.test. 5 A 172.17.0.3\n"
	             "web-1-node1.web.fleet.test. 5 A 172.17.0.2\n"
	             "web-2-node2.web.fleet.test. 5 A 172.17.0.3\n",
	             "service and replica names; a known service with nothing healthy has only "
	             "_replicas TXT \"0 served\" (an empty non-terminal: NODATA)");

	uint64_t gen = registry_generation(r);
	registry_container_update(r, &engine1, &a.c);
	is_int((long long)registry_generation(r), (long long)gen,
	       "the same container again changes nothing");
	a.c.paused = true;
	registry_container_update(r, &engine1, &a.c);
	ok(registry_generation(r) != gen, "pausing a replica is a change");
	check_render(r,
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "web.fleet.test. 5 A 172.17.0.3\n"
	             "web-2-node2.web.fleet.test. 5 A 172.17.0.3\n",
	             "a paused replica is not served");
	a.c.paused = false;
	a.c.health = HEALTH_STARTING;
	registry_container_update(r, &engine1, &a.c);
	check_render(r,
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "web.fleet.test. 5 A 172.17.0.3\n"
	             "web-2-node2.web.fleet.test. 5 A 172.17.0.3\n",
	             "a starting replica is not served by default");

	registry_engine_down(r, "node2");
	check_render(r,
	             "_replicas.db.fleet.test. 5 TXT \"0 served\"\n"
	             "_replicas.web.fleet.test. 5 TXT \"0 served\"\n",
	             "an engine down withdraws its replicas; the services stay known (NODATA)");
	const engine_container_t *none[] = {NULL};
	registry_engine_sync(r, &engine1, none, 0);
	is_int((long long)registry_replica_count(r, NULL), 0,
	       "a sync without the containers removes them");
	registry_free(r);
}

static void test_policy_and_labels(void)
{
	conf_fleet_t fleet = default_fleet();
	fleet.unhealthy = CONF_UNHEALTHY_ALL;
	fleet.swarm_labels = false;
	registry_t *r = registry_new(&fleet);
	fake_t a, b, c, d, e;
	fake_init(&a, "a1", "api-1", "api", "10.0.0.1", HEALTH_UNHEALTHY);
	fake_init(&b, "b1", "api-2", "api", "10.0.0.2", HEALTH_UNHEALTHY);
	b.labels[1] = (engine_label_t){"fleetdns.ttl", "2"};
	b.c.nlabels = 2;
	fake_init(&c, "c1", "proj-cache-1", "x", "10.0.0.3", HEALTH_NONE);
	c.labels[0] = (engine_label_t){"com.docker.compose.service", "cache"};
	fake_init(&d, "d1", "task.1.abc", "x", "10.0.0.4", HEALTH_NONE);
	d.labels[0] = (engine_label_t){"com.docker.swarm.service.name", "queue"};
	fake_init(&e, "e1", "bad", "we b", "10.0.0.5", HEALTH_NONE);
	fake_t g;
	fake_init(&g, "g1", "slow-1", "slow", "10.0.0.6", HEALTH_NONE);
	g.labels[1] = (engine_label_t){"fleetdns.ttl", "60"};
	g.c.nlabels = 2;
	const engine_container_t *list[] = {&a.c, &b.c, &c.c, &d.c, &e.c, &g.c};
	registry_engine_sync(r, &engine1, list, 6);
	check_render(r,
	             "api.fleet.test. 2 A 10.0.0.1\n"
	             "api.fleet.test. 2 A 10.0.0.2\n"
	             "api-1-node1.api.fleet.test. 2 A 10.0.0.1\n"
	             "api-2-node1.api.fleet.test. 2 A 10.0.0.2\n"
	             "cache.fleet.test. 5 A 10.0.0.3\n"
	             "proj-cache-1-node1.cache.fleet.test. 5 A 10.0.0.3\n"
	             "slow.fleet.test. 60 A 10.0.0.6\n"
	             "slow-1-node1.slow.fleet.test. 60 A 10.0.0.6\n",
	             "policy all serves unhealthy replicas; fleetdns.ttl overrides the default, "
	             "the smallest wins; compose label recognised; swarm label switched off; "
	             "invalid name skipped");
	ok(registry_service_name_valid("blue.web") && !registry_service_name_valid("-web") &&
	       !registry_service_name_valid("web-") && !registry_service_name_valid("a..b") &&
	       !registry_service_name_valid(""),
	   "service name validation");
	registry_free(r);
}

static void test_srv_and_host_mode(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t a, h;
	fake_init(&a, "a1", "web-1", "web", "172.17.0.2", HEALTH_NONE);
	a.labels[1] = (engine_label_t){"fleetdns.port", "http:8080,dns:53/udp"};
	a.c.nlabels = 2;
	fake_init(&h, "h1", "web-9", "web", "172.18.0.2", HEALTH_NONE);
	h.ports[0] = (engine_port_t){8080, false, 32768, "0.0.0.0"};
	h.ports[1] = (engine_port_t){9000, false, 0, NULL};
	h.c.ports = h.ports;
	h.c.nports = 2;
	const engine_container_t *l1[] = {&a.c};
	const engine_container_t *l3[] = {&h.c};
	registry_engine_sync(r, &engine1, l1, 1);
	registry_engine_sync(r, &host_engine, l3, 1);
	check_render(
	    r,
	    "web.fleet.test. 5 A 172.17.0.2\n"
	    "web.fleet.test. 5 A 198.51.100.7\n"
	    "_8080._tcp.web.fleet.test. 5 SRV 0 1 32768 web-9-node3.web.fleet.test.\n"
	    "_http._tcp.web.fleet.test. 5 SRV 0 1 8080 web-1-node1.web.fleet.test.\n"
	    "_dns._udp.web.fleet.test. 5 SRV 0 1 53 web-1-node1.web.fleet.test.\n"
	    "web-1-node1.web.fleet.test. 5 A 172.17.0.2\n"
	    "web-9-node3.web.fleet.test. 5 A 198.51.100.7\n",
	    "SRV from fleetdns.port; host mode uses host-address and published ports only");
	registry_free(r);
}

static void test_ptr(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t a;
	fake_init(&a, "a1", "web-1", "web", "172.17.0.2", HEALTH_NONE);
	const engine_container_t *l1[] = {&a.c};
	registry_engine_sync(r, &engine1, l1, 1);
	zone_data_t *z = NULL, *fz = NULL;
	char err[256];
	zone_load_text(&z, "17.172.in-addr.arpa",
	               "@ 60 IN SOA ns.fleet.test. h.fleet.test. 1 60 10 3600 5\n"
	               "@ 60 IN NS ns.fleet.test.\n",
	               "rev", err, sizeof(err));
	zone_load_text(&fz, "fleet.test", base_zone, "base", err, sizeof(err));
	registry_render(r, z, fz->apex);
	char *last = ldns_rr2str(ldns_rr_list_rr(z->rrs, ldns_rr_list_rr_count(z->rrs) - 1));
	is_str(last, "2.0.17.172.in-addr.arpa.\t5\tIN\tPTR\tweb-1-node1.web.fleet.test.\n",
	       "PTR for a served replica in a reverse zone");
	free(last);
	zone_data_free(z);
	zone_data_free(fz);
	registry_free(r);
}

/* Build a query for name/type, answer it from snap, return the first answer's rdata. */
static char *first_answer(const snapshot_t *snap, const char *name, ldns_rr_type type,
                          size_t *count)
{
	ldns_pkt *qp = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire;
	size_t wlen;
	ldns_pkt2wire(&wire, qp, &wlen);
	ldns_pkt_free(qp);
	query_t q;
	enum query_verdict v = query_parse(&q, wire, wlen);
	uint8_t out[4096];
	size_t olen = answer_respond(snap, &q, v, out, sizeof(out));
	free(wire);
	ldns_pkt *rp = NULL;
	if (ldns_wire2pkt(&rp, out, olen) != LDNS_STATUS_OK)
		return strdup("unparsable");
	ldns_rr_list *an = ldns_pkt_answer(rp);
	*count = ldns_rr_list_rr_count(an);
	char *s = *count ? ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0)) : strdup("none");
	ldns_pkt_free(rp);
	return s;
}

static void test_rotation(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t f[4];
	const engine_container_t *list[4];
	char ids[4][8], names[4][16], ips[4][16];
	for (int i = 0; i < 4; i++) {
		snprintf(ids[i], sizeof(ids[i]), "id%d", i);
		snprintf(names[i], sizeof(names[i]), "web-%d", i);
		snprintf(ips[i], sizeof(ips[i]), "10.1.0.%d", i + 1);
		fake_init(&f[i], ids[i], names[i], "web", ips[i], HEALTH_NONE);
		list[i] = &f[i].c;
	}
	registry_engine_sync(r, &engine1, list, 4);
	for (int window = 0; window <= 2; window += 2) {
		zone_data_t *z = NULL;
		char err[256];
		zone_load_text(&z, "fleet.test", base_zone, "base", err, sizeof(err));
		conf_fleet_t fl = default_fleet();
		fl.max_answers = (unsigned)window;
		registry_set_fleet(r, &fl);
		registry_render(r, z, z->apex);
		snapshot_t *snap = NULL;
		snapshot_build(&snap, &z, 1, NULL);
		int firsts[4] = {0};
		size_t count = 0;
		bool counts_ok = true;
		for (int k = 0; k < 40; k++) {
			char *ip = first_answer(snap, "web.fleet.test.", LDNS_RR_TYPE_A, &count);
			for (int i = 0; i < 4; i++)
				if (strcmp(ip, ips[i]) == 0)
					firsts[i]++;
			counts_ok &= count == (window ? (size_t)window : 4);
			free(ip);
		}
		ok(firsts[0] == 10 && firsts[1] == 10 && firsts[2] == 10 && firsts[3] == 10,
		   "max-answers %d: 40 queries start 10 times at each of 4 replicas (%d %d %d %d)",
		   window, firsts[0], firsts[1], firsts[2], firsts[3]);
		ok(counts_ok, "max-answers %d: every answer has %d records", window,
		   window ? window : 4);
		char *one =
		    first_answer(snap, "web-2-node1.web.fleet.test.", LDNS_RR_TYPE_A, &count);
		is_str(one, "10.1.0.3", "the replica name answers that replica");
		free(one);
		snapshot_free(snap);
		zone_data_free(z);
	}
	registry_free(r);
}

/* rcode, answer count and whether the authority section has the SOA, for name/type. */
static void answer_shape(const snapshot_t *snap, const char *name, ldns_rr_type type, char *out,
                         size_t cap)
{
	ldns_pkt *qp = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire, buf[4096];
	size_t wlen;
	ldns_pkt2wire(&wire, qp, &wlen);
	ldns_pkt_free(qp);
	query_t q;
	enum query_verdict v = query_parse(&q, wire, wlen);
	size_t olen = answer_respond(snap, &q, v, buf, sizeof(buf));
	free(wire);
	ldns_pkt *rp = NULL;
	if (ldns_wire2pkt(&rp, buf, olen) != LDNS_STATUS_OK) {
		snprintf(out, cap, "unparsable");
		return;
	}
	ldns_rr_list *ns = ldns_pkt_authority(rp);
	bool soa = ldns_rr_list_rr_count(ns) == 1 &&
	           ldns_rr_get_type(ldns_rr_list_rr(ns, 0)) == LDNS_RR_TYPE_SOA;
	char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(rp));
	snprintf(out, cap, "%s an=%zu%s", rc, ldns_rr_list_rr_count(ldns_pkt_answer(rp)),
	         soa ? " soa" : "");
	free(rc);
	ldns_pkt_free(rp);
}

/* A known service with nothing served: its name is an empty non-terminal (NODATA for every
 * type, never NXDOMAIN) above _replicas TXT "0 served"; names below it do not exist. */
static void test_unserved(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	fake_t a;
	fake_init(&a, "aaa", "db-1", "db", "172.17.0.9", HEALTH_UNHEALTHY);
	const engine_container_t *list[] = {&a.c};
	registry_engine_sync(r, &engine1, list, 1);
	zone_data_t *z = NULL;
	char err[256], got[128];
	zone_load_text(&z, "fleet.test", base_zone, "base", err, sizeof(err));
	registry_render(r, z, z->apex);
	snapshot_t *snap = NULL;
	snapshot_build(&snap, &z, 1, NULL);
	answer_shape(snap, "db.fleet.test.", LDNS_RR_TYPE_A, got, sizeof(got));
	is_str(got, "NOERROR an=0 soa", "unserved: db A is NODATA with the SOA");
	answer_shape(snap, "db.fleet.test.", LDNS_RR_TYPE_TXT, got, sizeof(got));
	is_str(got, "NOERROR an=0 soa", "unserved: db TXT is NODATA too (the TXT is below it)");
	answer_shape(snap, "_replicas.db.fleet.test.", LDNS_RR_TYPE_TXT, got, sizeof(got));
	is_str(got, "NOERROR an=1", "unserved: _replicas.db TXT answers");
	size_t count = 0;
	char *txt = first_answer(snap, "_replicas.db.fleet.test.", LDNS_RR_TYPE_TXT, &count);
	is_str(txt, "\"0 served\"", "unserved: ... with \"0 served\"");
	free(txt);
	answer_shape(snap, "db-1-node1.db.fleet.test.", LDNS_RR_TYPE_A, got, sizeof(got));
	is_str(got, "NXDOMAIN an=0 soa", "unserved: the unserved replica's name is NXDOMAIN");
	snapshot_free(snap);
	zone_data_free(z);
	registry_free(r);
}

/* The changed services since the last clear, as "name,name" in change order. */
static const char *changed_text(registry_t *r)
{
	static char buf[256];
	const size_t *ids;
	bool all;
	size_t n = registry_changed(r, &ids, &all);
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%s", all ? "ALL " : "");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
		                        registry_service_name(r, ids[i]));
	registry_changes_clear(r);
	return buf;
}

static void test_changes(void)
{
	conf_fleet_t fleet = default_fleet();
	registry_t *r = registry_new(&fleet);
	is_str(changed_text(r), "ALL ", "a new registry: every service (settings are new)");
	fake_t web1, web2, api1;
	fake_init(&web1, "w1", "web-1", "web", "10.0.0.1", HEALTH_HEALTHY);
	fake_init(&web2, "w2", "web-2", "web", "10.0.0.2", HEALTH_HEALTHY);
	fake_init(&api1, "a1", "api-1", "api", "10.0.1.1", HEALTH_HEALTHY);
	const engine_container_t *list1[] = {&web1.c, &api1.c}, *list2[] = {&web2.c};
	registry_engine_sync(r, &engine1, list1, 2);
	registry_engine_sync(r, &engine2, list2, 1);
	is_str(changed_text(r), "web,api", "first listings: both services changed");
	is_str(changed_text(r), "", "cleared: nothing changed");
	registry_engine_sync(r, &engine1, list1, 2);
	is_str(changed_text(r), "", "the same listing again: nothing changed");
	web1.c.health = HEALTH_UNHEALTHY;
	registry_container_update(r, &engine1, &web1.c);
	is_str(changed_text(r), "web", "one replica unhealthy: its service only");
	web1.labels[0].value = "api";
	registry_container_update(r, &engine1, &web1.c);
	is_str(changed_text(r), "web,api", "a replica moves to another service: both");
	registry_container_remove(r, "node2", "w2");
	is_str(changed_text(r), "web", "a replica removed: its service");
	registry_engine_down(r, "node1");
	is_str(changed_text(r), "api", "engine down: the services of its replicas");
	/* Service by service renders exactly what the whole render does. */
	web1.labels[0].value = "web";
	web1.c.health = HEALTH_HEALTHY;
	const engine_container_t *list3[] = {&web1.c, &api1.c, &web2.c};
	registry_engine_sync(r, &engine1, list3, 3);
	char *whole = render_text_as(r, false), *parts = render_text_as(r, true);
	is_str(parts, whole, "every service rendered alone = the fleet rendered whole");
	ok(strstr(whole, "web.fleet.test. 5 A 10.0.0.2") != NULL, "(the render is not empty)");
	free(whole);
	free(parts);
	is_int(registry_render_service(r, NULL, 99, NULL), FDNS_EINVAL, "no such service: EINVAL");
	fleet.ttl = 30;
	registry_set_fleet(r, &fleet);
	is_str(changed_text(r), "ALL web,api", "new settings: every service");
	registry_free(r);
}

int main(void)
{
	test_changes();
	test_services();
	test_policy_and_labels();
	test_srv_and_host_mode();
	test_ptr();
	test_rotation();
	test_unserved();
	return done_testing();
}
