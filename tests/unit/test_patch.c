/* SPDX-License-Identifier: MIT */
/* test_patch.c -- incremental compilation (snapshot_patch) against whole compilation.
 *
 * A zone made of a base and one part per service goes through random changes (replicas
 * come and go, services empty and fill, the base gets new serials, one service grows to
 * thousands of names and shrinks back, so the name table is re-cut). After every change the
 * patched snapshot must answer every query byte for byte like a snapshot compiled whole
 * from the same records, and the snapshot before it, still alive, must still answer like
 * its own reference: versions share pages and parts, and a change must never show through
 * to an older version. Services' addresses rotate, with random weights and sites: their
 * prepared rotations, weighted sequences and per-site answers must be those of the whole
 * compile too (compared as compiled, since the rotation counters of parts kept from an
 * earlier version have moved on).
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "answer/snapshot.h"
#include "answer/version.h"
#include "fleetdns/answer.h"
#include "fleetdns/error.h"
#include "xfr/xfr_internal.h"

#include "../lib/dnsmsg.h"
#include "tap.h"
#include "zone_views.h"

#define NSERVICES 24
#define NREPLICAS 8

static const char base_text[] = "$TTL 60\n"
                                "@     IN SOA ns hostmaster %u 60 10 3600 5\n"
                                "@     NS  ns\n"
                                "@     MX  10 ns\n"
                                "ns    A   192.0.2.1\n"
                                "www   A   192.0.2.2\n"
                                "alias CNAME www\n"
                                "*.wild TXT \"wild\"\n";

typedef struct service {
	bool replica[NREPLICAS];
	uint8_t weight[NREPLICAS]; /* 0..3, the replica's weight entry */
	uint8_t site[NREPLICAS];   /* 0: in no site, else 1 + its site */
	bool v6, srv, tombstone;   /* tombstone: the "0 served" record when empty */
	size_t big;                /* extra replicas, for the table re-cut */
} service_t;

static service_t svc[NSERVICES];
static uint32_t serial = 1;

static ldns_rdf *dname(const char *text)
{
	ldns_rdf *d = ldns_dname_new_frm_str(text);
	if (!d)
		abort();
	return d;
}

static void push(ldns_rr_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void push(ldns_rr_list *l, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ldns_rr *rr = NULL;
	if (ldns_rr_new_frm_str(&rr, text, 60, NULL, NULL) != LDNS_STATUS_OK) {
		fprintf(stderr, "bad record: %s\n", text);
		abort();
	}
	ldns_rr_list_push_rr(l, rr);
}

/* The records of service k, as the fleet renders them. */
static void render(ldns_rr_list *l, size_t k)
{
	const service_t *s = &svc[k];
	size_t n = 0;
	for (size_t r = 0; r < NREPLICAS + s->big; r++) {
		if (r < NREPLICAS && !s->replica[r])
			continue;
		n++;
		push(l, "s%zu.fleet.test. A 10.%zu.%zu.%zu", k, k, r / 250, r % 250 + 1);
		push(l, "r%zu.s%zu.fleet.test. A 10.%zu.%zu.%zu", r, k, k, r / 250, r % 250 + 1);
		if (s->v6)
			push(l, "r%zu.s%zu.fleet.test. AAAA fd00::%zu:%zu", r, k, k, r + 1);
		if (s->srv)
			push(l, "_http._tcp.s%zu.fleet.test. SRV 0 1 80 r%zu.s%zu.fleet.test.", k,
			     r, k);
	}
	if (n == 0 && s->tombstone)
		push(l, "_replicas.s%zu.fleet.test. TXT \"0 served\"", k);
}

/* Two sites; site 1 (index 1) answers only its own from 2 replicas on. */
static conf_prefix_t site_clients[2];
static char *site_engines[2][1] = {{"e1"}, {"e2"}};
static conf_site_t sites[2] = {
    {.name = "a",
     .clients = &site_clients[0],
     .nclients = 1,
     .engines = site_engines[0],
     .nengines = 1},
    {.name = "b",
     .clients = &site_clients[1],
     .nclients = 1,
     .engines = site_engines[1],
     .nengines = 1,
     .local_only = 2},
};
static const answer_opts_t opts = {.udp_size = 1232, .sites = sites, .nsites = 2};

static void sites_init(void)
{
	for (int i = 0; i < 2; i++) {
		site_clients[i] = (conf_prefix_t){.addr.ss_family = AF_INET, .prefix = 16};
		inet_pton(AF_INET, i ? "10.202.0.0" : "10.201.0.0",
		          &((struct sockaddr_in *)&site_clients[i].addr)->sin_addr);
	}
}

static void add_entry(zone_data_t *z, zone_rotation_t e)
{
	zone_rotation_t *n = realloc(z->rotations, (z->nrotations + 1) * sizeof(*n));
	if (!n)
		abort();
	z->rotations = n;
	n[z->nrotations++] = e;
}

/* Service k's address rotates, each replica with its weight and site, as render.c marks. */
static void rotations(zone_data_t *z, size_t k)
{
	char owner[64];
	snprintf(owner, sizeof(owner), "s%zu.fleet.test.", k);
	z->nsites = 2;
	z->site_local_only[1] = 2;
	add_entry(z, (zone_rotation_t){.owner = dname(owner), .type = 1});
	for (size_t r = 0; r < NREPLICAS; r++) {
		if (!svc[k].replica[r])
			continue;
		zone_rotation_t e = {.owner = dname(owner),
		                     .type = 1,
		                     .weight = svc[k].weight[r],
		                     .site = svc[k].site[r],
		                     .rdata_len = 4,
		                     .rdata = {10, (uint8_t)k, 0, (uint8_t)(r + 1)}};
		add_entry(z, e);
	}
}

static zone_data_t *base_zone(void)
{
	char text[sizeof(base_text) + 16], err[256];
	snprintf(text, sizeof(text), base_text, serial);
	zone_data_t *z = NULL;
	if (zone_load_text(&z, "fleet.test", text, "base", err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return z;
}

static zone_data_t *part_zone(size_t k)
{
	zone_data_t *z = calloc(1, sizeof(*z));
	z->apex = dname("fleet.test.");
	z->rrs = ldns_rr_list_new();
	z->source = strdup("part");
	render(z->rrs, k);
	rotations(z, k);
	return z;
}

/* Everything, compiled whole: the reference (with records: kept for transfers). */
static snapshot_t *reference_with(bool records)
{
	zone_data_t *z = base_zone();
	for (size_t k = 0; k < NSERVICES; k++) {
		render(z->rrs, k);
		rotations(z, k);
	}
	snapshot_t *s = NULL;
	zone_patch_t whole = {.apex = z->apex, .reset = true, .base = z, .records = records};
	int ret = snapshot_patch(&s, NULL, &whole, 1, &opts);
	zone_data_free(z);
	if (ret < 0) {
		fprintf(stderr, "reference: %s\n", fdns_strerror(ret));
		abort();
	}
	return s;
}

static snapshot_t *reference(void)
{
	return reference_with(false);
}

/* Patch services ks[0..n) (and the base, with bump) into old; with records, keeping them for
 * transfers. */
static int patch_with(snapshot_t **out, const snapshot_t *old, const size_t *ks, size_t n,
                      bool bump, bool records)
{
	size_t ids[NSERVICES];
	ldns_rdf *roots[NSERVICES];
	zone_data_t *parts[NSERVICES];
	char name[64];
	for (size_t i = 0; i < n; i++) {
		ids[i] = ks[i];
		snprintf(name, sizeof(name), "s%zu.fleet.test.", ks[i]);
		roots[i] = dname(name);
		parts[i] = part_zone(ks[i]);
	}
	ldns_rdf *apex = dname("fleet.test.");
	zone_patch_t p = {.apex = apex,
	                  .reset = old == NULL,
	                  .base = bump || !old ? base_zone() : NULL,
	                  .nparts = n,
	                  .part_ids = ids,
	                  .roots = (const ldns_rdf *const *)roots,
	                  .parts = parts,
	                  .records = records};
	int ret = snapshot_patch(out, old, &p, 1, &opts);
	zone_data_free(p.base);
	for (size_t i = 0; i < n; i++) {
		ldns_rdf_deep_free(roots[i]);
		zone_data_free(parts[i]);
	}
	ldns_rdf_deep_free(apex);
	return ret;
}

static int patch(snapshot_t **out, const snapshot_t *old, const size_t *ks, size_t n, bool bump)
{
	return patch_with(out, old, ks, n, bump, false);
}

static const uint16_t qtypes[] = {1, 28, 33, 16, 255, 6, 2, 15, 99};

static bool blocks_same(const ans_block_t *a, const ans_block_t *b)
{
	return a == b ||
	       (a && b && a->len == b->len && a->an == b->an && a->ns == b->ns && a->ar == b->ar &&
	        a->rcode == b->rcode && a->aa == b->aa && memcmp(a->wire, b->wire, a->len) == 0);
}

/* One RRset's prepared answers: every rotation, the weighted sequence, per site. */
static bool types_same(const ans_type_t *a, const ans_type_t *b)
{
	if (a->type != b->type || a->nrotations != b->nrotations || a->nsequence != b->nsequence ||
	    a->nsited != b->nsited || !blocks_same(a->block, b->block) ||
	    (a->nsequence && memcmp(a->sequence, b->sequence, a->nsequence) != 0))
		return false;
	for (uint16_t i = 0; a->nrotations > 1 && i < a->nrotations; i++)
		if (!blocks_same(a->rotations[i], b->rotations[i]))
			return false;
	for (uint8_t i = 0; i < a->nsited; i++)
		if ((a->sited[i].block || b->sited[i].block) &&
		    !types_same(&a->sited[i], &b->sited[i]))
			return false;
	return true;
}

/* The service names' prepared answers in a and b; 0 when all agree. */
static size_t compare_rotations(const snapshot_t *a, const snapshot_t *b, char *what, size_t wlen)
{
	static const uint8_t apex[] = "\5fleet\4test";
	const ans_zone_t *za = snapshot_find_zone(a, apex, sizeof(apex));
	const ans_zone_t *zb = snapshot_find_zone(b, apex, sizeof(apex));
	size_t bad = 0;
	for (size_t k = 0; za && zb && k < NSERVICES; k++) {
		uint8_t name[64];
		int l = snprintf((char *)name + 1, sizeof(name) - 1, "s%zu", k);
		name[0] = (uint8_t)l;
		memcpy(name + 1 + l, apex, sizeof(apex));
		size_t len = 1 + (size_t)l + sizeof(apex);
		const ans_node_t *na = ans_zone_find(za, name, len),
		                 *nb = ans_zone_find(zb, name, len);
		bool same = !na == !nb && (!na || na->ntypes == nb->ntypes);
		for (uint16_t t = 0; same && na && t < na->ntypes; t++)
			same = types_same(&na->types[t], &nb->types[t]);
		if (!same && !bad++)
			snprintf(what, wlen, "s%zu.fleet.test: prepared answers differ", k);
	}
	return za && zb ? bad : 1;
}

/* The service names' query counters back to 0 (one per site after everyone's), so that a
 * version whose parts were kept, counters and all, answers from the same rotation as one
 * compiled afresh; compare_rotations() checks every rotation. */
static void counters_reset(const snapshot_t *snap)
{
	static const uint8_t apex[] = "\5fleet\4test";
	const ans_zone_t *z = snapshot_find_zone(snap, apex, sizeof(apex));
	for (size_t k = 0; z && k < NSERVICES; k++) {
		uint8_t name[64];
		int l = snprintf((char *)name + 1, sizeof(name) - 1, "s%zu", k);
		name[0] = (uint8_t)l;
		memcpy(name + 1 + l, apex, sizeof(apex));
		const ans_node_t *n = ans_zone_find(z, name, 1 + (size_t)l + sizeof(apex));
		size_t counters = 1;
		for (uint16_t t = 0; n && t < n->ntypes; t++)
			if (n->types[t].sited)
				counters = 1 + n->types[t].nsited;
		for (size_t i = 0; n && n->rotation && i < counters; i++)
			n->rotation[i] = 0;
	}
}

/* Every query in the test's name space, answered by a and b; 0 when all agree. */
static size_t compare(const snapshot_t *a, const snapshot_t *b, char *what, size_t wlen)
{
	static uint8_t ra[65536], rb[65536];
	char name[128];
	size_t bad = 0;
	counters_reset(a);
	counters_reset(b);
	for (size_t k = 0; k < NSERVICES + 2; k++) {
		for (int form = 0; form < 8; form++) {
			switch (form) {
			case 0:
				snprintf(name, sizeof(name), "s%zu.fleet.test", k);
				break;
			case 1:
				snprintf(name, sizeof(name), "r%d.s%zu.fleet.test",
				         (int)(k % NREPLICAS), k);
				break;
			case 2:
				snprintf(name, sizeof(name), "_http._tcp.s%zu.fleet.test", k);
				break;
			case 3:
				snprintf(name, sizeof(name), "_tcp.s%zu.fleet.test", k);
				break;
			case 4:
				snprintf(name, sizeof(name), "_replicas.s%zu.fleet.test", k);
				break;
			case 5:
				snprintf(name, sizeof(name), "nothere.s%zu.fleet.test", k);
				break;
			case 6:
				snprintf(name, sizeof(name), "r%zu.s%zu.fleet.test",
				         NREPLICAS + k * 37, k);
				break;
			default:
				snprintf(name, sizeof(name), "%s.fleet.test",
				         (const char *[]){"www", "alias", "x.wild", "ns", "nothing",
				                          "fleet", "s99", "x.r1.s1"}[k % 8]);
			}
			for (size_t t = 0; t < sizeof(qtypes) / sizeof(qtypes[0]); t++) {
				msgbuf_t m = {.len = 0};
				mb_query(&m, 7, name, qtypes[t], 1232, false);
				query_t q;
				enum query_verdict v = query_parse(&q, m.b, m.len);
				size_t la = answer_respond(a, &q, v, ra, 1232);
				size_t lb = answer_respond(b, &q, v, rb, 1232);
				if (la != lb || memcmp(ra, rb, la) != 0) {
					if (!bad++)
						snprintf(what, wlen, "%s type %u: %zu vs %zu bytes",
						         name, qtypes[t], la, lb);
				}
			}
		}
	}
	return bad;
}

static void random_change(size_t k)
{
	service_t *s = &svc[k];
	switch (rand() % 8) {
	case 6:
		s->weight[rand() % NREPLICAS] = (uint8_t)(rand() % 4);
		break;
	case 7:
		s->site[rand() % NREPLICAS] = (uint8_t)(rand() % 3);
		break;
	case 0:
		s->v6 = !s->v6;
		break;
	case 1:
		s->srv = !s->srv && !s->big;
		break;
	case 2:
		s->tombstone = !s->tombstone;
		break;
	default:
		s->replica[rand() % NREPLICAS] ^= true;
	}
}

/* Every service with one replica (all[] numbers them), a third with SRV records. */
static void services_init(size_t all[NSERVICES])
{
	memset(svc, 0, sizeof(svc));
	for (size_t k = 0; k < NSERVICES; k++) {
		all[k] = k;
		svc[k].replica[k % NREPLICAS] = true;
		svc[k].srv = k % 3 == 0;
		svc[k].tombstone = true;
	}
}

/* One step's services: 1 to 3 random changes, their numbers into ks. */
static size_t random_step(size_t ks[4])
{
	size_t n = 1 + (size_t)rand() % 3;
	for (size_t i = 0; i < n; i++) {
		ks[i] = (size_t)rand() % NSERVICES;
		random_change(ks[i]);
	}
	return n;
}

static void test_random_changes(void)
{
	srand(42);
	size_t all[NSERVICES];
	services_init(all);
	snapshot_t *cur = NULL, *ref = NULL;
	ok(patch(&cur, NULL, all, NSERVICES, true) == FDNS_OK, "first version: base and %d parts",
	   NSERVICES);
	ref = reference();
	char what[256] = "";
	ok(compare(cur, ref, what, sizeof(what)) == 0, "first version answers like the whole (%s)",
	   what);
	size_t fails = 0, old_fails = 0, steps = 300;
	for (size_t step = 0; step < steps; step++) {
		size_t ks[4], n = random_step(ks);
		if (step == 100) { /* thousands of names in one change: the table is re-cut */
			svc[ks[0]].big = 3000;
			svc[ks[0]].srv = false; /* 3000 SRV records would not fit in 64 KiB */
		}
		if (step == 200)
			for (size_t k = 0; k < NSERVICES; k++)
				if (svc[k].big)
					svc[k].big = 0, ks[n++] = k;
		bool bump = rand() % 5 == 0;
		if (bump)
			serial++;
		snapshot_t *next = NULL, *next_ref = reference();
		if (patch(&next, cur, ks, n, bump) != FDNS_OK) {
			fails++;
			snapshot_free(next_ref);
			continue;
		}
		if ((compare(next, next_ref, what, sizeof(what)) != 0 ||
		     compare_rotations(next, next_ref, what, sizeof(what)) != 0) &&
		    fails++ == 0)
			diag("step %zu: %s", step, what);
		/* The previous version is still someone's: it must not have changed. */
		if ((compare(cur, ref, what, sizeof(what)) != 0 ||
		     compare_rotations(cur, ref, what, sizeof(what)) != 0) &&
		    old_fails++ == 0)
			diag("step %zu, previous version: %s", step, what);
		snapshot_free(cur);
		snapshot_free(ref);
		cur = next;
		ref = next_ref;
	}
	ok(fails == 0,
	   "%zu random changes (replicas, weights, sites): every version answers like the whole "
	   "zone compiled, its rotations, weighted sequences and per-site answers the same "
	   "(%zu differ)",
	   steps, fails);
	ok(old_fails == 0, "no change shows through to the version before it (%zu differ)",
	   old_fails);
	is_int((long)snapshot_name_count(cur), (long)snapshot_name_count(ref),
	       "same number of names as the whole");
	snapshot_free(cur);
	snapshot_free(ref);
}

/* ---- transfers: the versions' records (AXFR) and their journal (IXFR) ---- */

static ans_zone_t *fleet_version(const snapshot_t *snap)
{
	static const uint8_t apex[] = "\005fleet\004test";
	return snapshot_zone_hold(snap, apex, sizeof(apex));
}

/* Whether snap's version sends what the whole compile ref sends: the same records and SOA. */
static bool axfr_same(const snapshot_t *snap, const snapshot_t *ref)
{
	ans_zone_t *a = fleet_version(snap), *b = fleet_version(ref);
	rec_set_t x = axfr_of(a), y = axfr_of(b);
	uint16_t al, bl;
	const uint8_t *as = ans_zone_soa(a, &al), *bs = ans_zone_soa(b, &bl);
	bool same = sets_same(&x, &y) && x.n > 0 && as && bs && al == bl && !memcmp(as, bs, al) &&
	            ans_zone_record_bytes(a) == ans_zone_record_bytes(b);
	free(x.r);
	free(y.r);
	ans_zone_release(a);
	ans_zone_release(b);
	return same;
}

#define HISTORY_MAX 128

static conf_acl_t any_acl = {.prefix = 0};
static conf_zone_t fleet_conf_zone = {
    .name = "fleet.test.", .allow_transfer = &any_acl, .nallow_transfer = 1};
static const conf_t xfr_conf = {.zones = &fleet_conf_zone, .nzones = 1};

/* The fleet's publish step with transfers, over random changes: every version's records
 * (what AXFR sends) are those of the zone compiled whole; when the serial moves (the fleet
 * makes transfer data then; between, secondaries keep the last), the journal entry made
 * from the changed parts, applied after every older serial's AXFR (IXFR from it, RFC 1995),
 * gives the new AXFR. Older versions stay valid while their transfer data holds them. */
static void test_transfers_random(void)
{
	srand(7);
	size_t all[NSERVICES], steps = 300, axfr_fails = 0, ixfr_fails = 0, ixfr_checked = 0,
	                       minimal_fails = 0;
	services_init(all);
	serial++;
	snapshot_t *cur = NULL;
	ok(patch_with(&cur, NULL, all, NSERVICES, true, true) == FDNS_OK,
	   "transfers: first version, with records");
	snapshot_t *ref = reference_with(true);
	ok(axfr_same(cur, ref), "transfers: the first version's AXFR is the whole compile's");
	/* compile.c compiles a part twice, the second time into one chunk of its exact size. */
	ans_zone_t *fz = fleet_version(cur);
	size_t parts = 0, exact = 0;
	for (size_t i = 0; i < NSERVICES; i++) {
		const ans_part_t *p = vec_get(&fz->parts, i);
		parts += p != NULL;
		exact += p && arena_capacity(&p->arena) == p->arena.total;
	}
	ans_zone_release(fz);
	ok(parts == NSERVICES && exact == parts,
	   "every part's arena is exactly what it holds (%zu of %zu parts)", exact, parts);
	snapshot_free(ref);
	xfr_zone_t *hist[HISTORY_MAX];
	size_t nhist = 0;
	hist[nhist] = xfr__zone_of_version(fleet_version(cur), &xfr_conf);
	ok(hist[nhist] && xfr__journal_chain(hist[nhist], NULL) == FDNS_OK,
	   "transfers: the first version's transfer data");
	nhist++;
	for (size_t step = 0; step < steps && nhist < HISTORY_MAX; step++) {
		size_t ks[4], n = random_step(ks);
		bool bump = rand() % 4 == 0;
		if (bump)
			serial++;
		snapshot_t *next = NULL;
		if (patch_with(&next, cur, ks, n, bump, true) != FDNS_OK) {
			axfr_fails++;
			continue;
		}
		ref = reference_with(true);
		if (!axfr_same(next, ref) && axfr_fails++ == 0)
			diag("step %zu: the AXFR differs from the whole compile's", step);
		snapshot_free(ref);
		snapshot_free(cur); /* transfer data must keep what it sends alive */
		cur = next;
		if (!bump)
			continue;
		xfr_zone_t *z = xfr__zone_of_version(fleet_version(cur), &xfr_conf);
		if (!z || xfr__journal_chain(z, hist[nhist - 1]) != FDNS_OK) {
			printf("Bail out! transfer data of step %zu\n", step);
			exit(1);
		}
		const xfr_diff_t *d = z->diffs[z->ndiffs - 1];
		if (d->del.n + d->add.n != changed_records(hist[nhist - 1], z) &&
		    minimal_fails++ == 0)
			diag("step %zu: the journal entry holds %zu records, not only what changed",
			     step, d->del.n + d->add.n);
		hist[nhist++] = z;
		for (size_t k = 0; k + 1 < nhist; k++, ixfr_checked++)
			if (!ixfr_gives(z, hist[k]) && ixfr_fails++ == 0)
				diag("step %zu: IXFR from serial %u does not give serial %u", step,
				     hist[k]->serial, z->serial);
	}
	ok(axfr_fails == 0 && nhist > 40,
	   "transfers: %zu random changes, %zu serials: every version's AXFR is the whole "
	   "compile's (%zu differ)",
	   steps, nhist, axfr_fails);
	ok(ixfr_fails == 0 && ixfr_checked > 800,
	   "transfers: IXFR from every older serial, applied to its AXFR, gives the new AXFR "
	   "(%zu checked, %zu differ)",
	   ixfr_checked, ixfr_fails);
	ok(minimal_fails == 0,
	   "transfers: each journal entry holds exactly the records that changed (%zu differ)",
	   minimal_fails);
	is_int((long)hist[nhist - 1]->ndiffs, (long)nhist - 1,
	       "transfers: the journal holds every step");
	for (size_t i = 0; i < nhist; i++)
		xfr__zone_unref(hist[i]);
	snapshot_free(cur);
}

static void test_refusals(void)
{
	memset(svc, 0, sizeof(svc));
	snapshot_t *cur = NULL, *next = NULL;
	size_t k = 1;
	svc[1].replica[0] = true;
	ok(patch(&cur, NULL, &k, 1, true) == FDNS_OK, "a zone with one part");

	/* A part may not reach outside its subtree, nor hold a CNAME. */
	ldns_rdf *apex = dname("fleet.test."), *root = dname("s2.fleet.test."),
	         *www = dname("www.fleet.test.");
	zone_data_t *part = calloc(1, sizeof(*part));
	part->apex = ldns_rdf_clone(apex);
	part->rrs = ldns_rr_list_new();
	part->source = strdup("part");
	push(part->rrs, "s2.fleet.test. CNAME www.fleet.test.");
	size_t id = 2;
	zone_patch_t p = {.apex = apex,
	                  .nparts = 1,
	                  .part_ids = &id,
	                  .roots = (const ldns_rdf *const *)&root,
	                  .parts = &part};
	is_int(snapshot_patch(&next, cur, &p, 1, NULL), FDNS_EINVAL, "a CNAME in a part: EINVAL");
	ldns_rr_list_deep_free(part->rrs);
	part->rrs = ldns_rr_list_new();
	push(part->rrs, "other.fleet.test. A 192.0.2.9");
	is_int(snapshot_patch(&next, cur, &p, 1, NULL), FDNS_EINVAL,
	       "a name outside the part's root: EINVAL");
	/* A part over a name the base has: EEXIST, and the caller compiles whole. */
	ldns_rr_list_deep_free(part->rrs);
	part->rrs = ldns_rr_list_new();
	push(part->rrs, "www.fleet.test. A 192.0.2.9");
	p.roots = (const ldns_rdf *const *)&www;
	is_int(snapshot_patch(&next, cur, &p, 1, NULL), FDNS_EEXIST,
	       "a part over a name of the base: EEXIST");
	ok(next == NULL, "no snapshot after a refusal");
	zone_patch_t fresh = {.apex = apex};
	snapshot_t *none = NULL;
	is_int(snapshot_patch(&none, NULL, &fresh, 1, NULL), FDNS_EINVAL,
	       "a new zone without its own data: EINVAL");
	zone_data_free(part);
	ldns_rdf_deep_free(apex);
	ldns_rdf_deep_free(root);
	ldns_rdf_deep_free(www);
	snapshot_free(cur);
}

/* Round-robin counters live in the part: a change to another service keeps the rotation
 * going where it was; the changed service starts again. */
static void test_rotation_kept(void)
{
	memset(svc, 0, sizeof(svc));
	svc[3].replica[0] = svc[3].replica[1] = svc[3].replica[2] = true;
	size_t ks[2] = {3, 4};
	svc[4].replica[0] = true;
	snapshot_t *cur = NULL;
	/* Rotation is marked on the zone data: patch by hand for service 3. */
	ldns_rdf *apex = dname("fleet.test."),
	         *roots[2] = {dname("s3.fleet.test."), dname("s4.fleet.test.")};
	zone_data_t *parts[2] = {part_zone(3), part_zone(4)}, *base = base_zone();
	zone_patch_t p = {.apex = apex,
	                  .reset = true,
	                  .base = base,
	                  .nparts = 2,
	                  .part_ids = ks,
	                  .roots = (const ldns_rdf *const *)roots,
	                  .parts = parts};
	ok(snapshot_patch(&cur, NULL, &p, 1, NULL) == FDNS_OK, "rotated service in a part");
	uint8_t first[3];
	static uint8_t out[4096];
	msgbuf_t m = {.len = 0};
	mb_query(&m, 1, "s3.fleet.test", 1, 0, false);
	query_t q;
	enum query_verdict v = query_parse(&q, m.b, m.len);
	size_t qlen = q.question_end;
	for (int i = 0; i < 3; i++) {
		answer_respond(cur, &q, v, out, 512);
		first[i] = out[qlen + 15]; /* last octet of the first A record */
	}
	ok(first[0] != first[1] && first[1] != first[2] && first[0] != first[2],
	   "three queries start at three different replicas");
	/* Another service changes: service 3 goes on where it was. */
	svc[4].replica[1] = true;
	zone_patch_t p2 = {.apex = apex,
	                   .nparts = 1,
	                   .part_ids = &ks[1],
	                   .roots = (const ldns_rdf *const *)&roots[1],
	                   .parts = &parts[1]};
	zone_data_free(parts[1]);
	parts[1] = part_zone(4);
	snapshot_t *next = NULL;
	ok(snapshot_patch(&next, cur, &p2, 1, NULL) == FDNS_OK, "another service patched");
	answer_respond(next, &q, v, out, 512);
	is_int(out[qlen + 15], first[0], "the rotation continues across the change");
	snapshot_free(cur);
	snapshot_free(next);
	zone_data_free(base);
	for (int i = 0; i < 2; i++) {
		zone_data_free(parts[i]);
		ldns_rdf_deep_free(roots[i]);
	}
	ldns_rdf_deep_free(apex);
}

/* 5,000 replicas and no max-answers: 80 KB of A records cannot be one answer. The
 * service still compiles, each answer carrying as many records as a message holds. */
static void test_huge_service(void)
{
	memset(svc, 0, sizeof(svc));
	svc[5].big = 5000;
	ldns_rdf *apex = dname("fleet.test."), *root = dname("s5.fleet.test.");
	zone_data_t *part = part_zone(5), *base = base_zone(); /* s5's A records rotate */
	size_t id = 5;
	zone_patch_t p = {.apex = apex,
	                  .reset = true,
	                  .base = base,
	                  .nparts = 1,
	                  .part_ids = &id,
	                  .roots = (const ldns_rdf *const *)&root,
	                  .parts = &part};
	snapshot_t *snap = NULL;
	is_int(snapshot_patch(&snap, NULL, &p, 1, NULL), FDNS_OK,
	       "a service of 5,000 replicas compiles");
	static uint8_t out[65536];
	msgbuf_t m = {.len = 0};
	mb_query(&m, 1, "s5.fleet.test", 1, 65535, false);
	query_t q;
	enum query_verdict v = query_parse(&q, m.b, m.len);
	size_t len = snap ? answer_respond(snap, &q, v, out, 65535) : 0;
	unsigned an = len ? (unsigned)(out[6] << 8 | out[7]) : 0;
	ok(len > 0 && an >= 2000 && an <= 4096 && !(out[2] & 0x02),
	   "over TCP: one message with as many A records as fit (%u, %zu bytes), no TC", an, len);
	const char *bad = len ? wire_check(out, len) : "no answer";
	ok(bad == NULL, "the message is well formed (%s)", bad ? bad : "ok");
	snapshot_free(snap);
	zone_data_free(part);
	zone_data_free(base);
	ldns_rdf_deep_free(apex);
	ldns_rdf_deep_free(root);
	memset(svc, 0, sizeof(svc));
}

int main(void)
{
	sites_init();
	test_huge_service();
	test_random_changes();
	test_transfers_random();
	test_refusals();
	test_rotation_kept();
	return done_testing();
}
