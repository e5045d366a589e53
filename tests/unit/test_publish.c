/* SPDX-License-Identifier: MIT */
/* test_publish.c -- the fleet's publish step (src/publish/publish.c) with a real registry.
 *
 * Containers on three engines (services that grow, shrink, fail health checks, move to
 * another service, appear and go) are fed to a registry as the engines would report them;
 * after each change publish_next() makes the next version from the previous one, as
 * src/daemon/fleet.c does, with the serials moving on some steps only. Every version must:
 *  - answer every name of the fleet zone and of a reverse zone, byte for byte, like the
 *    same records rendered and compiled whole (registry_render + one compile);
 *  - send in AXFR exactly the records of that whole compile, SOA included;
 *  - carry the serial the rules give (publish_serial_next: up when the step raises,
 *    otherwise unchanged);
 * and, for every version whose serial moved, the journal entry made from the changed
 * parts (src/xfr/ixfr/journal.c) holds exactly what changed, and IXFR from every older
 * serial, applied to that serial's AXFR (RFC 1995 4), gives the new AXFR. Halfway, a
 * "reload" starts over from the files' snapshot, and a service named like a name the zone
 * file uses switches the fleet zone to whole compiles, which must answer the same.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>

#include "answer/snapshot.h"
#include "fleetdns/error.h"
#include "publish/publish.h"

#include "../lib/dnsmsg.h"
#include "../lib/fake_container.h"
#include "tap.h"
#include "zone_views.h"

#define NENGINES    3
#define NCONTAINERS 36
#define NSERVICES   8
#define NZONES      2 /* the fleet zone, a reverse zone */

static const char fleet_text[] = "$TTL 60\n"
                                 "@   IN SOA ns hostmaster 1 60 10 3600 5\n"
                                 "@   NS  ns\n"
                                 "ns  A   192.0.2.1\n"
                                 "www A   192.0.2.2\n";
static const char reverse_text[] = "$TTL 60\n"
                                   "@ IN SOA ns.fleet.test. hostmaster.fleet.test. 1 60 10 3600 5\n"
                                   "@ NS ns.fleet.test.\n";

typedef struct fake {
	fake_container_t fc;
	bool present; /* reported by its engine */
} fake_t;

static fake_t fakes[NCONTAINERS];
static conf_engine_t engines[NENGINES];
static const char *const service_names[NSERVICES + 1] = {"web",   "api",  "db",   "cache", "auth",
                                                         "queue", "mail", "www2", "ns"};
static const answer_opts_t opts = {.udp_size = 1232};

static zone_data_t *load(const char *origin, const char *text)
{
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, origin, text, origin, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return z;
}

static void fakes_init(void)
{
	for (size_t e = 0; e < NENGINES; e++) {
		static char names[NENGINES][8];
		snprintf(names[e], sizeof(names[e]), "e%zu", e);
		engines[e] = (conf_engine_t){.name = names[e], .url = "unix:///nonexistent"};
	}
	for (size_t i = 0; i < NCONTAINERS; i++) {
		char id[65], name[24], ip[24];
		snprintf(id, sizeof(id), "%064zx", i + 1);
		snprintf(name, sizeof(name), "c%zu", i);
		snprintf(ip, sizeof(ip), "10.0.%zu.%zu", i / 8, 10 + i);
		fake_container_init(&fakes[i].fc, id, name, service_names[i % 5], ip);
		fakes[i].present = i % 4 != 3;
	}
}

static const conf_engine_t *engine_of(size_t i)
{
	return &engines[i % NENGINES];
}

/* Every engine's listing, as after start-up. */
static void sync_all(registry_t *reg)
{
	for (size_t e = 0; e < NENGINES; e++) {
		const engine_container_t *list[NCONTAINERS];
		size_t n = 0;
		for (size_t i = e; i < NCONTAINERS; i += NENGINES)
			if (fakes[i].present)
				list[n++] = &fakes[i].fc.c;
		if (registry_engine_sync(reg, &engines[e], list, n) < 0) {
			printf("Bail out! registry_engine_sync\n");
			exit(1);
		}
	}
}

/* One container changes as an engine would report it. with_ns: it may join service "ns". */
static void random_change(registry_t *reg, bool with_ns)
{
	size_t i = (size_t)rand() % NCONTAINERS;
	fake_t *f = &fakes[i];
	switch (rand() % 5) {
	case 0: /* stopped and gone, or started */
		f->present = !f->present;
		break;
	case 1: /* moved to another service (a redeploy with other labels) */
		snprintf(f->fc.service, sizeof(f->fc.service), "%s",
		         service_names[(size_t)rand() % (NSERVICES + (with_ns ? 1 : 0))]);
		break;
	default:
		f->fc.c.health =
		    f->fc.c.health == HEALTH_HEALTHY ? HEALTH_UNHEALTHY : HEALTH_HEALTHY;
	}
	if (!f->present)
		registry_container_remove(reg, engine_of(i)->name, f->fc.id);
	else if (registry_container_update(reg, engine_of(i), &f->fc.c) < 0) {
		printf("Bail out! registry_container_update\n");
		exit(1);
	}
}

typedef struct world {
	registry_t *reg;
	zone_data_t *own[NZONES];
	publish_zone_t zones[NZONES];
	ldns_rdf *fleet_apex;
	fleet_zone_t fz;
	uint32_t serials[NZONES];
} world_t;

/* The same records compiled whole, with records kept: what every version must equal. */
static snapshot_t *reference(const world_t *w, const uint32_t *serials)
{
	zone_patch_t p[NZONES];
	for (size_t i = 0; i < NZONES; i++) {
		zone_data_t *z = zone_data_clone(w->own[i], serials[i]);
		if (!z || registry_render(w->reg, z, w->fleet_apex) < 0)
			abort();
		p[i] = (zone_patch_t){.apex = z->apex, .reset = true, .base = z, .records = true};
	}
	snapshot_t *s = NULL;
	int ret = snapshot_patch(&s, NULL, p, NZONES, &opts);
	for (size_t i = 0; i < NZONES; i++)
		zone_data_free(p[i].base);
	if (ret < 0) {
		printf("Bail out! reference: %s\n", fdns_strerror(ret));
		exit(1);
	}
	return s;
}

/* Every node's round-robin counters of every zone back to 0: a version whose parts were
 * kept, counters and all, then answers from the same rotation as one compiled afresh. */
static void counters_reset(const snapshot_t *snap)
{
	for (size_t z = 0; z <= snap->zmask; z++) {
		const ans_zone_t *zone = snap->ztable[z];
		for (uint32_t p = 0; zone && p < zone->names.npages; p++) {
			const ans_page_t *pg = zone->names.pages[p];
			for (uint32_t i = 0; pg && i <= pg->mask; i++) {
				const ans_node_t *n = pg->slot[i];
				if (!n || !n->rotation)
					continue;
				size_t counters = 1;
				for (uint16_t t = 0; t < n->ntypes; t++)
					if (n->types[t].sited)
						counters = 1 + n->types[t].nsited;
				memset(n->rotation, 0, counters * sizeof(*n->rotation));
			}
		}
	}
}

static const uint16_t qtypes[] = {1, 28, 33, 16, 12, 255, 6, 2};

/* One question to a and b; whether both answer it the same. */
static bool same_answer(const snapshot_t *a, const snapshot_t *b, const char *name, uint16_t qt)
{
	static uint8_t ra[65536], rb[65536];
	msgbuf_t m = {.len = 0};
	mb_query(&m, 7, name, qt, 1232, false);
	query_t q;
	enum query_verdict v = query_parse(&q, m.b, m.len);
	size_t la = answer_respond(a, &q, v, ra, 1232);
	size_t lb = answer_respond(b, &q, v, rb, 1232);
	return la == lb && memcmp(ra, rb, la) == 0;
}

/* Every owner name of ref's records, a name below each and the questions of qtypes,
 * answered by snap and by ref; the first difference into what. */
static size_t answers_differ(const world_t *w, const snapshot_t *snap, const snapshot_t *ref,
                             const uint32_t *serials, char *what, size_t wlen)
{
	size_t bad = 0;
	counters_reset(snap);
	counters_reset(ref);
	for (size_t zi = 0; zi < NZONES; zi++) {
		zone_data_t *z = zone_data_clone(w->own[zi], serials[zi]);
		if (!z || registry_render(w->reg, z, w->fleet_apex) < 0)
			abort();
		for (size_t r = 0; r < ldns_rr_list_rr_count(z->rrs); r++) {
			char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(z->rrs, r)));
			char below[320];
			snprintf(below, sizeof(below), "nothere.%s", owner);
			for (size_t t = 0; t < sizeof(qtypes) / sizeof(qtypes[0]); t++)
				for (int form = 0; form < 2; form++)
					if (!same_answer(snap, ref, form ? below : owner,
					                 qtypes[t]) &&
					    !bad++)
						snprintf(what, wlen, "%.250s type %u",
						         form ? below : owner, qtypes[t]);
			free(owner);
		}
		zone_data_free(z);
	}
	return bad;
}

/* Whether each zone's version in snap sends in AXFR what ref's does, SOA included. */
static bool axfrs_same(const world_t *w, const snapshot_t *snap, const snapshot_t *ref)
{
	bool same = true;
	for (size_t i = 0; i < NZONES && same; i++) {
		uint8_t lc[DNS_NAME_MAX];
		size_t len = ldns_rdf_size(w->own[i]->apex);
		wire_name_lower(lc, ldns_rdf_data(w->own[i]->apex), len);
		ans_zone_t *a = snapshot_zone_hold(snap, lc, len),
		           *b = snapshot_zone_hold(ref, lc, len);
		if (!a || !b) {
			same = false;
		} else {
			rec_set_t x = axfr_of(a), y = axfr_of(b);
			uint16_t al, bl;
			const uint8_t *as = ans_zone_soa(a, &al), *bs = ans_zone_soa(b, &bl);
			same = sets_same(&x, &y) && as && bs && al == bl && !memcmp(as, bs, al);
			free(x.r);
			free(y.r);
		}
		if (a)
			ans_zone_release(a);
		if (b)
			ans_zone_release(b);
	}
	return same;
}

static conf_acl_t any_acl = {.prefix = 0};
static conf_zone_t xfr_zones[NZONES] = {
    {.name = "fleet.test.", .allow_transfer = &any_acl, .nallow_transfer = 1},
    {.name = "10.in-addr.arpa.", .allow_transfer = &any_acl, .nallow_transfer = 1}};
static const conf_t xfr_conf = {.zones = xfr_zones, .nzones = NZONES};

#define HISTORY_MAX 256

typedef struct history {
	xfr_zone_t *z[HISTORY_MAX];
	size_t n;
} history_t;

typedef struct tally {
	size_t steps, raised, answers, axfr, serial, minimal, ixfr, ixfr_checked, failed;
} tally_t;

/* The fleet zone's transfer data for snap, chained to the last one (as xfr_prepare does
 * when the serial moved); every older serial's IXFR checked against it. */
static void journal_step(history_t *h, const snapshot_t *snap, tally_t *t, size_t step)
{
	static const uint8_t apex[] = "\005fleet\004test";
	ans_zone_t *v = snapshot_zone_hold(snap, apex, sizeof(apex));
	xfr_zone_t *z = v ? xfr__zone_of_version(v, &xfr_conf) : NULL;
	xfr_zone_t *prev = h->n ? h->z[h->n - 1] : NULL;
	if (!z || xfr__journal_chain(z, prev) != FDNS_OK || h->n == HISTORY_MAX) {
		printf("Bail out! transfer data at step %zu\n", step);
		exit(1);
	}
	if (prev && prev->serial != z->serial) {
		const xfr_diff_t *d = z->diffs[z->ndiffs - 1];
		if (d->del.n + d->add.n != changed_records(prev, z) && t->minimal++ == 0)
			diag("step %zu: the journal entry is not exactly what changed", step);
	}
	h->z[h->n++] = z;
	for (size_t k = 0; k + 1 < h->n; k++) {
		if (h->z[k]->serial == z->serial)
			continue; /* the same serial again: nothing to transfer */
		t->ixfr_checked++;
		if (!ixfr_gives(z, h->z[k]) && t->ixfr++ == 0)
			diag("step %zu: IXFR from %u does not give %u", step, h->z[k]->serial,
			     z->serial);
	}
}

/* One publication: publish_next() from *cur, checked against the whole compile. */
static void step_once(world_t *w, snapshot_t **cur, bool reset, bool raise, uint32_t now,
                      history_t *h, tally_t *t, size_t step)
{
	publish_step_t st = {.prev = *cur,
	                     .reset = reset,
	                     .reg = w->reg,
	                     .fleet_apex = w->fleet_apex,
	                     .zones = w->zones,
	                     .nzones = NZONES,
	                     .serials = w->serials,
	                     .raise = raise,
	                     .now = now,
	                     .opts = &opts};
	uint32_t serials[NZONES];
	bool whole;
	snapshot_t *next = NULL;
	int ret = publish_next(&next, serials, &whole, &w->fz, &st);
	if (ret == FDNS_EEXIST) /* a service met the file's names: the same step, whole */
		ret = publish_next(&next, serials, &whole, &w->fz, &st);
	fleet_zone_parts_free(&w->fz);
	if (ret != FDNS_OK) {
		if (t->failed++ == 0)
			diag("step %zu: publish_next: %s", step, fdns_strerror(ret));
		return;
	}
	t->steps++;
	for (size_t i = 0; i < NZONES; i++) {
		uint32_t want = raise || !w->serials[i]
		                    ? publish_serial_next(w->serials[i], w->own[i]->serial, now)
		                    : w->serials[i];
		if ((serials[i] != want || (raise && !serial_gt(serials[i], w->serials[i]))) &&
		    t->serial++ == 0)
			diag("step %zu: zone %zu serial %u, want %u", step, i, serials[i], want);
	}
	char what[300] = "";
	snapshot_t *ref = reference(w, serials);
	if (answers_differ(w, next, ref, serials, what, sizeof(what)) && t->answers++ == 0)
		diag("step %zu: %s answered differently from the whole compile", step, what);
	if (!axfrs_same(w, next, ref) && t->axfr++ == 0)
		diag("step %zu: an AXFR differs from the whole compile's", step);
	snapshot_free(ref);
	memcpy(w->serials, serials, sizeof(serials));
	snapshot_free(*cur); /* transfer data keeps what it sends alive */
	*cur = next;
	if (raise) {
		t->raised++;
		journal_step(h, next, t, step);
	}
}

/* The files' snapshot a reload starts from: the zones' own data only. */
static snapshot_t *files_snapshot(const world_t *w)
{
	snapshot_t *s = NULL;
	if (snapshot_build(&s, (zone_data_t *const *)w->own, NZONES, &opts) < 0)
		abort();
	return s;
}

static void test_random_publications(void)
{
	world_t w = {0};
	conf_fleet_t fleet = {.ttl = 5, .compose_labels = true, .swarm_labels = true};
	w.reg = registry_new(&fleet);
	w.own[0] = load("fleet.test.", fleet_text);
	w.own[1] = load("10.in-addr.arpa.", reverse_text);
	w.fleet_apex = ldns_dname_new_frm_str("fleet.test.");
	for (size_t i = 0; i < NZONES; i++)
		w.zones[i] = (publish_zone_t){.own = w.own[i], .transfers = true};
	fleet_zone_init(&w.fz, w.own[0]);
	fakes_init();
	sync_all(w.reg);
	srand(11);
	history_t h = {.n = 0};
	tally_t t = {0};
	uint32_t now = 1700000000;
	snapshot_t *cur = files_snapshot(&w);
	step_once(&w, &cur, true, true, now, &h, &t, 0);
	registry_changes_clear(w.reg);
	size_t steps = 240;
	for (size_t step = 1; step <= steps; step++) {
		bool reload = step == steps / 2;
		size_t changes = 1 + (size_t)rand() % 3;
		for (size_t c = 0; c < changes; c++)
			random_change(w.reg, step > steps / 2);
		if (reload) { /* the same files again: the fleet zone compiled afresh */
			fleet_zone_init(&w.fz, w.own[0]);
			snapshot_free(cur);
			cur = files_snapshot(&w);
		}
		now += (uint32_t)(rand() % 3);
		step_once(&w, &cur, reload, reload || rand() % 3 == 0, now, &h, &t, step);
		registry_changes_clear(w.reg);
	}
	ok(t.failed == 0 && t.steps == steps + 1, "%zu publications from random container changes",
	   t.steps);
	ok(t.answers == 0,
	   "every version answers every name of both zones like the same records compiled whole "
	   "(%zu differ)",
	   t.answers);
	ok(t.axfr == 0, "every version's AXFR is the whole compile's, SOA included (%zu differ)",
	   t.axfr);
	ok(t.serial == 0, "serials move exactly when the step raises them (%zu wrong)", t.serial);
	ok(t.minimal == 0 && t.raised > 60,
	   "each of %zu serials' journal entries holds exactly what changed (%zu differ)", t.raised,
	   t.minimal);
	ok(t.ixfr == 0 && t.ixfr_checked > 1000,
	   "IXFR from every older serial, applied to its AXFR, gives the new AXFR (%zu checked, "
	   "%zu differ)",
	   t.ixfr_checked, t.ixfr);
	ok(w.fz.whole, "a service named like the file's ns switched the fleet zone to whole "
	               "compiles (and they answer the same)");
	for (size_t i = 0; i < h.n; i++)
		xfr__zone_unref(h.z[i]);
	snapshot_free(cur);
	fleet_zone_clear(&w.fz);
	for (size_t i = 0; i < NZONES; i++)
		zone_data_free(w.own[i]);
	ldns_rdf_deep_free(w.fleet_apex);
	registry_free(w.reg);
}

static void test_serial_next(void)
{
	is_int(publish_serial_next(5, 1, 3), 6, "serial: one more than the last");
	is_int(publish_serial_next(5, 1, 100), 100, "serial: the time when it is later");
	is_int(publish_serial_next(5, 200, 100), 200, "serial: the zone data's when later");
	is_int(publish_serial_next(0xFFFFFFFFu, 0, 0), 0,
	       "serial: wraps past 2^32 - 1 (RFC 1982: 0 follows it)");
	is_int(publish_serial_next(0x7FFFFFF0u, 0, 0xFFFFFFEFu), 0xFFFFFFEFu,
	       "serial: a clock 2^31 - 1 ahead is taken (RFC 1982: still greater)");
	is_int(publish_serial_next(0x7FFFFFF0u, 0, 0xFFFFFFF0u), 0x7FFFFFF1u,
	       "serial: a clock 2^31 ahead is not (RFC 1982: not greater; one more instead)");
	is_int(publish_serial_next(0x7FFFFFF0u, 0x7FFFFFF0u + 5, 0), 0x7FFFFFF5u,
	       "serial: a zone file's serial ahead is taken");
}

int main(void)
{
	test_serial_next();
	test_random_publications();
	return done_testing();
}
