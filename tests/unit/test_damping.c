/* SPDX-License-Identifier: MIT */
/* test_damping.c -- hold-down and flap damping (issue 13 part 4; docs/fleet.md "Flap
 * damping"): the registry driven with fake containers and a clock the test sets, and the
 * exact served or withheld state, reason, hold left, penalty and suppression left of each
 * replica at exact times; that a damped replica's flaps publish nothing; that the defaults
 * change nothing; the fleet: keys hold-down and damping, and their errors. */
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

typedef struct fake {
	engine_container_t c;
	engine_label_t label;
	engine_network_t net;
} fake_t;

static char dir[64]; /* the test's temporary folder, for configuration files */

static conf_engine_t e1 = {.name = "e1", .url = "unix:///x", .timeout_ms = 1000};
static conf_engine_t e2 = {.name = "e2", .url = "unix:///y", .timeout_ms = 1000};

/* Container id (also its name) of service web; its replica is "ID-ENGINE". */
static void fake_init(fake_t *f, const char *id, const char *ip, enum engine_health health)
{
	memset(f, 0, sizeof(*f));
	f->label = (engine_label_t){"fleetdns.service", "web"};
	f->net = (engine_network_t){"bridge", ip, ""};
	f->c = (engine_container_t){.id = id,
	                            .name = id,
	                            .running = true,
	                            .health = health,
	                            .labels = &f->label,
	                            .nlabels = 1,
	                            .networks = &f->net,
	                            .nnetworks = 1};
}

static void sync_list(registry_t *r, const conf_engine_t *e, fake_t *f, size_t n)
{
	const engine_container_t *list[8];
	for (size_t i = 0; i < n; i++)
		list[i] = &f[i].c;
	if (registry_engine_sync(r, e, list, n) != 0)
		ok(false, "engine %s listed", e->name);
}

static void health(registry_t *r, fake_t *f, enum engine_health h)
{
	f->c.health = h;
	if (registry_container_update(r, &e1, &f->c) != 0)
		ok(false, "%s updated", f->c.id);
}

/* f's health check result: health h, its last results passing passes in a row. */
static void checks(registry_t *r, fake_t *f, enum engine_health h, unsigned passes)
{
	f->c.health_passes = passes;
	health(r, f, h);
}

/* One flap: unhealthy, then healthy again, both now. */
static void flap(registry_t *r, fake_t *f)
{
	health(r, f, HEALTH_UNHEALTHY);
	health(r, f, HEALTH_HEALTHY);
}

static json_object *replica_of(json_object *st, const char *label)
{
	for (size_t i = 0; i < json_object_array_length(st); i++) {
		json_object *reps, *v;
		json_object_object_get_ex(json_object_array_get_idx(st, i), "replicas", &reps);
		for (size_t k = 0; k < json_object_array_length(reps); k++) {
			json_object *o = json_object_array_get_idx(reps, k);
			if (json_object_object_get_ex(o, "name", &v) &&
			    strcmp(json_object_get_string(v), label) == 0)
				return o;
		}
	}
	return NULL;
}

/* label's state in registry_status(): "served" or its reason, then held_ms, penalty and
 * damped_ms when present, as "reason held_ms=N penalty=P damped_ms=N". */
static const char *state(registry_t *r, const char *label)
{
	static char out[256];
	json_object *st = registry_status(r), *v;
	json_object *o = replica_of(st, label);
	if (!o) {
		json_object_put(st);
		return "absent";
	}
	bool served = json_object_object_get_ex(o, "served", &v) && json_object_get_boolean(v);
	const char *reason =
	    json_object_object_get_ex(o, "reason", &v) && v ? json_object_get_string(v) : "null";
	size_t len = (size_t)snprintf(out, sizeof(out), "%s", served ? "served" : reason);
	if (served && strcmp(reason, "null") != 0)
		len += (size_t)snprintf(out + len, sizeof(out) - len, " (reason %s!)", reason);
	static const char *const extra[] = {"held_ms", "checks_passed", "checks_needed", "penalty",
	                                    "damped_ms"};
	for (size_t i = 0; i < sizeof(extra) / sizeof(*extra); i++)
		if (json_object_object_get_ex(o, extra[i], &v))
			len += (size_t)snprintf(out + len, sizeof(out) - len, " %s=%s", extra[i],
			                        json_object_to_json_string(v));
	json_object_put(st);
	return out;
}

/* The keys of label's status object, in order, comma-separated. */
static const char *keys(registry_t *r, const char *label)
{
	static char out[256];
	json_object *st = registry_status(r);
	json_object *o = replica_of(st, label);
	size_t len = 0;
	out[0] = '\0';
	if (o) {
		json_object_object_foreach(o, k, v)
		{
			(void)v;
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
			                        len ? "," : "", k);
		}
	}
	json_object_put(st);
	return out;
}

static conf_fleet_t fleet_with(unsigned hold_ms, unsigned half_life_ms, double suppress,
                               double reuse)
{
	conf_fleet_t f = {.ttl = 5, .compose_labels = true, .swarm_labels = true};
	f.hold_down_ms = hold_ms;
	f.damping.half_life_ms = half_life_ms;
	f.damping.suppress = suppress;
	f.damping.reuse = reuse;
	return f;
}

/* Nothing configured: withdrawn and back at once, the status as before, no deadline. */
static void test_defaults(void)
{
	conf_fleet_t fleet = fleet_with(0, 0, 0, 0);
	registry_t *r = registry_new(&fleet);
	fake_t a;
	fake_init(&a, "a1", "172.17.0.2", HEALTH_HEALTHY);
	registry_advance(r, 1000);
	sync_list(r, &e1, &a, 1);
	registry_advance(r, 2000);
	health(r, &a, HEALTH_UNHEALTHY);
	is_str(state(r, "a1-e1"), "unhealthy", "defaults: unhealthy is withdrawn at once");
	registry_advance(r, 2001);
	health(r, &a, HEALTH_HEALTHY);
	is_str(state(r, "a1-e1"), "served", "defaults: healthy again is served at once");
	for (int i = 0; i < 10; i++)
		flap(r, &a);
	is_str(state(r, "a1-e1"), "served", "defaults: 10 more flaps, still served");
	is_str(keys(r, "a1-e1"), "engine,container,name,ipv4,ipv6,health,served,weight,reason",
	       "defaults: the status has no new field");
	ok(registry_next_due(r) == UINT64_MAX, "defaults: nothing is ever due");
	registry_free(r);
}

static void test_hold_down(void)
{
	conf_fleet_t fleet = fleet_with(5000, 0, 0, 0);
	registry_t *r = registry_new(&fleet);
	fake_t f[2], b, c;
	fake_init(&f[0], "a1", "172.17.0.2", HEALTH_HEALTHY);
	fake_init(&f[1], "a2", "172.17.0.3", HEALTH_STARTING);
	registry_advance(r, 1000);
	sync_list(r, &e1, f, 2);
	is_str(state(r, "a1-e1"), "served",
	       "hold-down: a replica of the first listing is served "
	       "at once");
	is_str(state(r, "a2-e1"), "starting", "hold-down: a2 is starting");
	ok(registry_next_due(r) == UINT64_MAX, "hold-down: nothing due after the first listing");

	/* starting -> healthy: held for 5000 ms; no change to publish until then. */
	registry_advance(r, 2000);
	uint64_t gen = registry_generation(r);
	log_capture();
	health(r, &f[1], HEALTH_HEALTHY);
	is_int(log_count("web: a2-e1 held down for 5000 ms (healthy)"), 1,
	       "hold-down: one line says a2 is held down");
	is_str(state(r, "a2-e1"), "held-down held_ms=5000",
	       "hold-down: healthy at 2000: held, "
	       "5000 ms left");
	is_int((long long)registry_generation(r), (long long)gen,
	       "hold-down: a held replica is no change to publish");
	is_int((long long)registry_next_due(r), 7000, "hold-down: due at 7000");
	registry_advance(r, 6999);
	is_str(state(r, "a2-e1"), "held-down held_ms=1", "hold-down: at 6999: still held, 1 ms");
	log_capture();
	is_int((long long)registry_advance(r, 7000), (long long)UINT64_MAX,
	       "hold-down: at 7000 nothing more is due");
	is_int(log_count("web: +a2-e1 172.17.0.3 (healthy)"), 1, "hold-down: +a2-e1 logged");
	is_str(state(r, "a2-e1"), "served", "hold-down: at 7000: served");
	ok(registry_generation(r) != gen, "hold-down: its return is a change");

	/* Withdrawal is immediate; a flap during the hold starts it again. */
	registry_advance(r, 8000);
	health(r, &f[0], HEALTH_UNHEALTHY);
	is_str(state(r, "a1-e1"), "unhealthy", "hold-down: unhealthy at 8000: withdrawn at once");
	registry_advance(r, 9000);
	health(r, &f[0], HEALTH_HEALTHY);
	is_str(state(r, "a1-e1"), "held-down held_ms=5000", "hold-down: healthy at 9000: held");
	registry_advance(r, 12000);
	health(r, &f[0], HEALTH_UNHEALTHY);
	is_str(state(r, "a1-e1"), "unhealthy", "hold-down: unhealthy again at 12000");
	registry_advance(r, 13000);
	health(r, &f[0], HEALTH_HEALTHY);
	registry_advance(r, 14000); /* the end of the first hold: nothing to do */
	is_str(state(r, "a1-e1"), "held-down held_ms=4000", "hold-down: at 14000, held");
	registry_advance(r, 17999);
	is_str(state(r, "a1-e1"), "held-down held_ms=1",
	       "hold-down: healthy at 13000: held "
	       "until 18000, not 14000");
	registry_advance(r, 18000);
	is_str(state(r, "a1-e1"), "served", "hold-down: served at 18000");

	/* A container new while its engine is watched is held; so is one that dies and starts
	 * again, and every replica of an engine listed again after it was down. */
	fake_init(&b, "a3", "172.17.0.4", HEALTH_NONE);
	registry_advance(r, 20000);
	registry_container_update(r, &e1, &b.c);
	is_str(state(r, "a3-e1"), "held-down held_ms=5000",
	       "hold-down: a new container (no "
	       "health check) is held");
	registry_advance(r, 21000);
	registry_container_remove(r, "e1", "a3");
	is_str(state(r, "a3-e1"), "absent", "hold-down: a3 died");
	registry_advance(r, 22000);
	registry_container_update(r, &e1, &b.c);
	registry_advance(r, 26999);
	is_str(state(r, "a3-e1"), "held-down held_ms=1",
	       "hold-down: started again at 22000: "
	       "held until 27000");
	registry_advance(r, 27000);
	is_str(state(r, "a3-e1"), "served", "hold-down: a3 served at 27000");
	registry_advance(r, 30000);
	registry_engine_down(r, "e1");
	registry_advance(r, 31000);
	fake_t all[3] = {f[0], f[1], b};
	sync_list(r, &e1, all, 3);
	is_str(state(r, "a1-e1"), "held-down held_ms=5000",
	       "hold-down: after its engine was "
	       "down, a1 is held");
	is_str(state(r, "a3-e1"), "held-down held_ms=5000", "hold-down: ... and a3");
	fake_init(&c, "c1", "172.18.0.2", HEALTH_HEALTHY);
	sync_list(r, &e2, &c, 1);
	is_str(state(r, "c1-e2"), "served",
	       "hold-down: a second engine's first listing is served "
	       "at once");

	/* A drain hides the hold and keeps its time; undrained after it, served. */
	registry_engine_drain(r, "e1", true);
	is_str(state(r, "a1-e1"), "drained held_ms=5000", "hold-down: drained while held");
	registry_advance(r, 36000);
	is_str(state(r, "a1-e1"), "drained", "hold-down: drained at the end of the hold");
	registry_engine_drain(r, "e1", false);
	is_str(state(r, "a1-e1"), "served", "hold-down: undrained after it: served at once");

	/* A reload that turns hold-down off releases what is held, at once. */
	registry_advance(r, 40000);
	health(r, &f[0], HEALTH_UNHEALTHY);
	health(r, &f[0], HEALTH_HEALTHY);
	is_str(state(r, "a1-e1"), "held-down held_ms=5000", "hold-down: held again at 40000");
	conf_fleet_t off = fleet_with(0, 0, 0, 0);
	gen = registry_generation(r);
	registry_set_damping(r, &off);
	is_str(state(r, "a1-e1"), "served", "hold-down: switched off: served at once");
	ok(registry_generation(r) != gen && registry_next_due(r) == UINT64_MAX,
	   "hold-down: switched off: a change, and nothing due");
	registry_free(r);
}

/* The penalty: 1 per flap, halved every half-life; damped when it reaches suppress, served
 * again when it has decayed to reuse; forgotten at half of reuse. */
/* hold-down-checks: a replica that becomes healthy again (or a new one) is served once its
 * last N results passed in a row, as the engine reads them from State.Health.Log after each
 * check; a failed result starts the count again; no clock is involved. */
static void test_hold_down_checks(void)
{
	conf_fleet_t fleet = fleet_with(0, 0, 0, 0);
	fleet.hold_down_checks = 3;
	registry_t *r = registry_new(&fleet);
	fake_t f[2], n;
	fake_init(&f[0], "a1", "172.17.0.2", HEALTH_HEALTHY);
	fake_init(&f[1], "a2", "172.17.0.3", HEALTH_STARTING);
	registry_advance(r, 1000);
	sync_list(r, &e1, f, 2);
	is_str(state(r, "a1-e1"), "served", "checks: the first listing is served at once");
	ok(!registry_checks_wanted(r, "e1", "a1"), "checks: a1's results are not wanted");

	uint64_t gen = registry_generation(r);
	log_capture();
	checks(r, &f[1], HEALTH_HEALTHY, 1);
	is_int(log_count("web: a2-e1 held down until 3 health checks pass in a row (1 so far) "
	                 "(healthy)"),
	       1, "checks: one line says a2 waits for 3 checks");
	is_str(state(r, "a2-e1"), "held-down checks_passed=1 checks_needed=3",
	       "checks: healthy after 1 pass: held, 1 of 3");
	ok(registry_checks_wanted(r, "e1", "a2"), "checks: a2's results are wanted");
	ok(registry_next_due(r) == UINT64_MAX, "checks: nothing due: only results end it");
	checks(r, &f[1], HEALTH_HEALTHY, 2);
	is_str(state(r, "a2-e1"), "held-down checks_passed=2 checks_needed=3", "checks: 2 of 3");
	checks(r, &f[1], HEALTH_HEALTHY, 0);
	is_str(state(r, "a2-e1"), "held-down checks_passed=0 checks_needed=3",
	       "checks: a failed check (still healthy): the count starts again");
	registry_advance(r, 100000);
	is_str(state(r, "a2-e1"), "held-down checks_passed=0 checks_needed=3",
	       "checks: time alone releases nothing");
	checks(r, &f[1], HEALTH_HEALTHY, 1);
	checks(r, &f[1], HEALTH_HEALTHY, 2);
	is_int((long long)registry_generation(r), (long long)gen,
	       "checks: a held replica is no change to publish");
	log_capture();
	checks(r, &f[1], HEALTH_HEALTHY, 3);
	is_int(log_count("web: +a2-e1 172.17.0.3 (healthy)"), 1, "checks: +a2-e1 at the third");
	is_str(state(r, "a2-e1"), "served", "checks: 3 in a row: served");
	ok(registry_generation(r) != gen, "checks: its return is a change");
	ok(!registry_checks_wanted(r, "e1", "a2"), "checks: a2's results no longer wanted");
	checks(r, &f[1], HEALTH_HEALTHY, 0);
	is_str(state(r, "a2-e1"), "served", "checks: a failed check while served changes nothing");

	/* No health check: never held by checks. */
	fake_init(&n, "a3", "172.17.0.4", HEALTH_NONE);
	if (registry_container_update(r, &e1, &n.c) != 0)
		ok(false, "a3 updated");
	is_str(state(r, "a3-e1"), "served", "checks: a container without a health check is served");

	/* Unhealthy, healthy again: held anew; the setting switched off releases it. */
	checks(r, &f[0], HEALTH_UNHEALTHY, 0);
	checks(r, &f[0], HEALTH_HEALTHY, 1);
	is_str(state(r, "a1-e1"), "held-down checks_passed=1 checks_needed=3",
	       "checks: a1 healthy again: held");
	fleet.hold_down_checks = 0;
	registry_set_damping(r, &fleet);
	registry_advance(r, 100001);
	is_str(state(r, "a1-e1"), "served", "checks: hold-down-checks 0 by a reload releases a1");

	/* With a hold-down time too: both must be over. */
	fleet.hold_down_ms = 2000;
	fleet.hold_down_checks = 2;
	registry_set_damping(r, &fleet);
	registry_advance(r, 200000);
	log_capture();
	checks(r, &f[0], HEALTH_UNHEALTHY, 0);
	checks(r, &f[0], HEALTH_HEALTHY, 1);
	is_int(log_count("web: a1-e1 held down for 2000 ms and until 2 health checks pass in a "
	                 "row (1 so far) (healthy)"),
	       1, "both: one line names the time and the checks");
	checks(r, &f[0], HEALTH_HEALTHY, 2);
	is_str(state(r, "a1-e1"), "held-down held_ms=2000",
	       "both: 2 passes at once: held for time");
	registry_advance(r, 202000);
	is_str(state(r, "a1-e1"), "served", "both: served when the time is over");
	checks(r, &f[0], HEALTH_UNHEALTHY, 0);
	checks(r, &f[0], HEALTH_HEALTHY, 1);
	registry_advance(r, 205000);
	is_str(state(r, "a1-e1"), "held-down checks_passed=1 checks_needed=2",
	       "both: time over, 1 of 2 checks: held");
	checks(r, &f[0], HEALTH_HEALTHY, 2);
	is_str(state(r, "a1-e1"), "served", "both: the second pass serves it");
	registry_free(r);
}

static void test_penalty(void)
{
	conf_fleet_t fleet = fleet_with(0, 10000, 2.5, 0.75);
	registry_t *r = registry_new(&fleet);
	fake_t a;
	fake_init(&a, "a1", "172.17.0.2", HEALTH_HEALTHY);
	registry_advance(r, 100000);
	sync_list(r, &e1, &a, 1);
	flap(r, &a);
	is_str(state(r, "a1-e1"), "served penalty=1.00", "penalty: one flap: 1, served");
	is_int((long long)registry_next_due(r), 114151,
	       "penalty: forgotten when it is down to 0.375 (log2(1/0.375) half-lives later)");
	registry_advance(r, 105000);
	is_str(state(r, "a1-e1"), "served penalty=0.71", "penalty: half a half-life later: 0.71");
	registry_advance(r, 110000);
	is_str(state(r, "a1-e1"), "served penalty=0.50", "penalty: a half-life later: 0.50");
	registry_advance(r, 114150);
	is_str(state(r, "a1-e1"), "served penalty=0.38", "penalty: at 114150: 0.38");
	registry_advance(r, 114151);
	is_str(state(r, "a1-e1"), "served", "penalty: at 114151 (0.375): forgotten");
	ok(registry_next_due(r) == UINT64_MAX, "penalty: nothing due then");

	/* 1 at 200000, 1.5 at 210000, 2.5 at the third flap (210000): damped. */
	registry_advance(r, 200000);
	flap(r, &a);
	registry_advance(r, 210000);
	flap(r, &a);
	is_str(state(r, "a1-e1"), "served penalty=1.50", "penalty: a flap a half-life later: 1.50");
	uint64_t gen = registry_generation(r);
	log_capture();
	health(r, &a, HEALTH_UNHEALTHY);
	is_int(log_count("web: a1-e1 damped: penalty 2.50 reached 2.5; withheld until it has "
	                 "decayed to 0.75, in 17370 ms without more flaps"),
	       1, "penalty: one line when it is damped");
	is_str(state(r, "a1-e1"), "unhealthy penalty=2.50 damped_ms=17370",
	       "penalty: the third flap reaches 2.5: damped (log2(2.5/0.75) half-lives)");
	health(r, &a, HEALTH_HEALTHY);
	is_str(state(r, "a1-e1"), "damped penalty=2.50 damped_ms=17370",
	       "penalty: healthy again: withheld, reason damped");
	ok(registry_generation(r) != gen, "penalty: the withdrawal itself is a change");
	/* Due (early) when its first flap would have been forgotten: nothing to do then. */
	is_int((long long)registry_next_due(r), 214151, "penalty: due early, at 214151");
	gen = registry_generation(r);
	is_int((long long)registry_advance(r, 214151), 227370,
	       "penalty: at 214151, next due at 227370");
	is_int((long long)registry_generation(r), (long long)gen, "penalty: ... and no change");
	registry_advance(r, 227369);
	is_str(state(r, "a1-e1"), "damped penalty=0.75 damped_ms=1", "penalty: at 227369: damped");
	log_capture();
	registry_advance(r, 227370);
	is_int(log_count("web: a1-e1 no longer damped: its penalty has decayed to 0.75"), 1,
	       "penalty: one line when it is released");
	is_str(state(r, "a1-e1"), "served penalty=0.75", "penalty: at 227370: served again");
	is_int((long long)registry_next_due(r), 237370,
	       "penalty: forgotten one half-life after its release");
	registry_free(r);
}

/* While damped, flaps (health, or the container dying and starting again) publish nothing
 * and keep it damped longer; its engine's failures do not count. */
static void test_flapping(void)
{
	conf_fleet_t fleet = fleet_with(0, 10000, 2.5, 1);
	registry_t *r = registry_new(&fleet);
	fake_t f[3];
	fake_init(&f[0], "a1", "172.17.0.2", HEALTH_HEALTHY);
	fake_init(&f[1], "a2", "172.17.0.3", HEALTH_HEALTHY);
	fake_init(&f[2], "a3", "172.17.0.4", HEALTH_HEALTHY);
	registry_advance(r, 1000);
	sync_list(r, &e1, f, 3);
	flap(r, &f[0]);
	flap(r, &f[0]);
	is_str(state(r, "a1-e1"), "served penalty=2.00", "flapping: 2 flaps at once: 2, served");
	flap(r, &f[0]);
	is_str(state(r, "a1-e1"), "damped penalty=3.00 damped_ms=15850",
	       "flapping: the third damps it (log2(3) half-lives: 15850 ms)");

	const size_t *ids;
	bool all;
	registry_changes_clear(r);
	uint64_t gen = registry_generation(r);
	size_t served;
	for (int i = 0; i < 4; i++)
		flap(r, &f[0]);
	is_int((long long)registry_generation(r), (long long)gen,
	       "flapping: 4 more health flaps while damped: no change to publish");
	is_int((long long)registry_changed(r, &ids, &all), 0, "flapping: no service changed");
	registry_replica_count(r, &served);
	is_int((long long)served, 2, "flapping: 2 of 3 served");
	is_str(state(r, "a1-e1"), "damped penalty=7.00 damped_ms=28074",
	       "flapping: each added 1: 7, damped log2(7) half-lives (28074 ms)");
	registry_advance(r, 29073);
	is_str(state(r, "a1-e1"), "damped penalty=1.00 damped_ms=1", "flapping: at 29073: damped");
	registry_advance(r, 29074);
	is_str(state(r, "a1-e1"), "served penalty=1.00", "flapping: at 29074: served");
	ok(registry_generation(r) != gen, "flapping: its return is a change");

	/* A crash loop: the container dies (removed) and starts (listed again) under its id. */
	registry_advance(r, 40000);
	for (int i = 0; i < 3; i++) {
		registry_container_remove(r, "e1", "a2");
		registry_container_update(r, &e1, &f[1].c);
	}
	is_str(state(r, "a2-e1"), "damped penalty=3.00 damped_ms=15850",
	       "flapping: died and started 3 times: damped, its penalty kept across removals");

	/* Its engine going down and coming back is no flap. */
	registry_engine_down(r, "e1");
	sync_list(r, &e1, f, 3);
	is_str(state(r, "a3-e1"), "served", "flapping: an engine down and back adds no penalty");
	is_str(state(r, "a2-e1"), "damped penalty=3.00 damped_ms=15850",
	       "flapping: ... and a damped replica stays damped");

	/* Damping switched off by a reload: released at once. */
	conf_fleet_t off = fleet_with(0, 0, 0, 0);
	registry_set_damping(r, &off);
	is_str(state(r, "a2-e1"), "served", "flapping: damping off: served, penalty forgotten");
	ok(registry_next_due(r) == UINT64_MAX, "flapping: nothing due");
	registry_free(r);
}

/* Both: a replica released from damping is served once it has also been servable for the
 * hold-down. */
static void test_both(void)
{
	conf_fleet_t fleet = fleet_with(5000, 10000, 2.5, 1);
	registry_t *r = registry_new(&fleet);
	fake_t f[2];
	fake_init(&f[0], "a1", "172.17.0.2", HEALTH_HEALTHY);
	fake_init(&f[1], "a2", "172.17.0.3", HEALTH_HEALTHY);
	registry_advance(r, 1000);
	sync_list(r, &e1, f, 2);
	for (int i = 0; i < 3; i++) {
		flap(r, &f[0]);
		flap(r, &f[1]);
	}
	is_str(state(r, "a1-e1"), "damped penalty=3.00 damped_ms=15850", "both: a1 damped");
	health(r, &f[0], HEALTH_UNHEALTHY);
	health(r, &f[1], HEALTH_UNHEALTHY);
	/* Penalty 4 (the last flap): released at 1000 + 2 half-lives. a1 healthy long before,
	 * a2 just before. */
	registry_advance(r, 2000);
	health(r, &f[0], HEALTH_HEALTHY);
	registry_advance(r, 18000);
	health(r, &f[1], HEALTH_HEALTHY);
	registry_advance(r, 21000);
	is_str(state(r, "a1-e1"), "served penalty=1.00",
	       "both: a1, healthy since 2000, served when released at 21000");
	is_str(state(r, "a2-e1"), "held-down held_ms=2000 penalty=1.00",
	       "both: a2, healthy since 18000, released and still held (2000 ms left)");
	registry_advance(r, 23000);
	is_str(state(r, "a2-e1"), "served penalty=0.87", "both: a2 served at 23000");
	registry_free(r);
}

static int build(const char *yaml, conf_t *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	conf_cmdline_t cl = {.conf_path = path};
	snprintf(path, sizeof(path), "%s/damping.conf", dir);
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return conf_build(c, &cl, err, errlen);
}

/* A bad fleet: section fails with exactly "PATH:want". */
static void conf_fails(const char *fleet_yaml, const char *want)
{
	char yaml[512], err[512], full[512];
	conf_t c;
	snprintf(yaml, sizeof(yaml), "zones:\n  - name: a.test\nfleet:\n%s", fleet_yaml);
	snprintf(full, sizeof(full), "%s/damping.conf:%s", dir, want);
	if (build(yaml, &c, err, sizeof(err)) == 0) {
		ok(false, "rejected: %s", want);
		conf_free(&c);
		return;
	}
	is_str(err, full, "rejected with its place: %s", want);
}

static void test_conf(void)
{
	conf_t c;
	char err[512];
	is_int(build("zones:\n  - name: a.test\n", &c, err, sizeof(err)), 0, "conf: no fleet:");
	ok(c.fleet.hold_down_ms == 0 && c.fleet.hold_down_checks == 0 &&
	       c.fleet.damping.half_life_ms == 0,
	   "conf: hold-down 0, hold-down-checks 0 and damping off by default");
	conf_free(&c);
	is_int(build("zones:\n  - name: a.test\nfleet:\n  hold-down: 10000\n  hold-down-checks: 5\n"
	             "  damping: {half-life: 60000, suppress: 2.5, reuse: 0.75}\n",
	             &c, err, sizeof(err)),
	       0, "conf: hold-down, hold-down-checks and damping");
	ok(c.fleet.hold_down_ms == 10000 && c.fleet.hold_down_checks == 5 &&
	       c.fleet.damping.half_life_ms == 60000 && c.fleet.damping.suppress == 2.5 &&
	       c.fleet.damping.reuse == 0.75,
	   "conf: read as 10000, 60000, 2.5, 0.75");
	conf_free(&c);
	is_int(build("zones:\n  - name: a.test\nfleet:\n  damping: ~\n", &c, err, sizeof(err)), 0,
	       "conf: damping: ~ (off)");
	ok(c.fleet.damping.half_life_ms == 0, "conf: damping: ~ is off");
	conf_free(&c);
	conf_fails("  hold-dwn: 5\n", "4:3: unknown key 'hold-dwn' in 'fleet' (did you mean "
	                              "'hold-down'?)");
	conf_fails("  hold-down: 3600001\n",
	           "4:14: 'hold-down' must be between 0 and 3600000 (got 3600001)");
	conf_fails("  hold-down-checks: 6\n",
	           "4:21: 'hold-down-checks' must be between 0 and 5 (got 6)");
	conf_fails("  dampng: {}\n", "4:3: unknown key 'dampng' in 'fleet' (did you mean "
	                             "'damping'?)");
	conf_fails("  damping: 3\n", "4:12: 'damping' must be a mapping (got '3')");
	conf_fails("  damping: {half-life: 1000, supress: 3, reuse: 1}\n",
	           "4:30: unknown key 'supress' in 'damping' (did you mean 'suppress'?)");
	conf_fails("  damping: {half-life: 1000, suppress: 3}\n",
	           "4:12: 'damping' needs half-life, suppress and reuse (no 'reuse')");
	conf_fails("  damping: {half-life: 0, suppress: 3, reuse: 1}\n",
	           "4:24: 'half-life' must be between 1 and 86400000 (got 0)");
	conf_fails("  damping: {half-life: 1000, suppress: 0, reuse: 1}\n",
	           "4:40: 'suppress' must be above 0 and at most 1000 (got 0)");
	conf_fails("  damping: {half-life: 1000, suppress: 3, reuse: 0.0}\n",
	           "4:50: 'reuse' must be above 0 and at most 1000 (got 0.0)");
	conf_fails("  damping: {half-life: 1000, suppress: 1e3, reuse: 1}\n",
	           "4:40: 'suppress' must be a number like 2.5 (got '1e3')");
	conf_fails("  damping: {half-life: 1000, suppress: 2.5555, reuse: 1}\n",
	           "4:40: 'suppress' must be a number like 2.5 (got '2.5555')");
	conf_fails("  damping: {half-life: 1000, suppress: 3, reuse: 3}\n",
	           "4:50: 'reuse' (3) must be below 'suppress' (3)");
	conf_fails("  damping: {half-life: 1000, suppress: 2.5, reuse: 4}\n",
	           "4:52: 'reuse' (4) must be below 'suppress' (2.5)");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/fdns-damping.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	test_defaults();
	test_hold_down();
	test_hold_down_checks();
	test_penalty();
	test_flapping();
	test_both();
	test_conf();
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/damping.conf", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
