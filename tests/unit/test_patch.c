/* SPDX-License-Identifier: MIT */
/* test_patch.c -- incremental compilation (snapshot_patch) against whole compilation.
 *
 * A zone made of a base and one part per service goes through random changes (replicas
 * come and go, services empty and fill, the base gets new serials, one service grows to
 * thousands of names and shrinks back, so the name table is re-cut). After every change the
 * patched snapshot must answer every query byte for byte like a snapshot compiled whole
 * from the same records, and the snapshot before it, still alive, must still answer like
 * its own reference: versions share pages and parts, and a change must never show through
 * to an older version.
 */
#include <stdlib.h>

#include "fleetdns/answer.h"
#include "fleetdns/error.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

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
	bool v6, srv, tombstone; /* tombstone: the "0 served" record when empty */
	size_t big;              /* extra replicas, for the table re-cut */
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
	return z;
}

/* Everything, compiled whole: the reference. */
static snapshot_t *reference(void)
{
	zone_data_t *z = base_zone();
	for (size_t k = 0; k < NSERVICES; k++)
		render(z->rrs, k);
	snapshot_t *s = NULL;
	int ret = snapshot_build(&s, &z, 1, NULL);
	zone_data_free(z);
	if (ret < 0) {
		fprintf(stderr, "reference: %s\n", fdns_strerror(ret));
		abort();
	}
	return s;
}

/* Patch services ks[0..n) (and the base, with bump) into old. */
static int patch(snapshot_t **out, const snapshot_t *old, const size_t *ks, size_t n, bool bump)
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
	                  .parts = parts};
	int ret = snapshot_patch(out, old, &p, 1, NULL);
	zone_data_free(p.base);
	for (size_t i = 0; i < n; i++) {
		ldns_rdf_deep_free(roots[i]);
		zone_data_free(parts[i]);
	}
	ldns_rdf_deep_free(apex);
	return ret;
}

static const uint16_t qtypes[] = {1, 28, 33, 16, 255, 6, 2, 15, 99};

/* Every query in the test's name space, answered by a and b; 0 when all agree. */
static size_t compare(const snapshot_t *a, const snapshot_t *b, char *what, size_t wlen)
{
	static uint8_t ra[65536], rb[65536];
	char name[128];
	size_t bad = 0;
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
	switch (rand() % 6) {
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

static void test_random_changes(void)
{
	srand(42);
	size_t all[NSERVICES];
	for (size_t k = 0; k < NSERVICES; k++) {
		all[k] = k;
		svc[k].replica[k % NREPLICAS] = true;
		svc[k].srv = k % 3 == 0;
		svc[k].tombstone = true;
	}
	snapshot_t *cur = NULL, *ref = NULL;
	ok(patch(&cur, NULL, all, NSERVICES, true) == FDNS_OK, "first version: base and %d parts",
	   NSERVICES);
	ref = reference();
	char what[256] = "";
	ok(compare(cur, ref, what, sizeof(what)) == 0, "first version answers like the whole (%s)",
	   what);
	size_t fails = 0, old_fails = 0, steps = 300;
	for (size_t step = 0; step < steps; step++) {
		size_t ks[4], n = 1 + (size_t)rand() % 3;
		for (size_t i = 0; i < n; i++) {
			ks[i] = (size_t)rand() % NSERVICES;
			random_change(ks[i]);
		}
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
		if (compare(next, next_ref, what, sizeof(what)) != 0 && fails++ == 0)
			diag("step %zu: %s", step, what);
		/* The previous version is still someone's: it must not have changed. */
		if (compare(cur, ref, what, sizeof(what)) != 0 && old_fails++ == 0)
			diag("step %zu, previous version: %s", step, what);
		snapshot_free(cur);
		snapshot_free(ref);
		cur = next;
		ref = next_ref;
	}
	ok(fails == 0,
	   "%zu random changes: every version answers like the whole zone compiled "
	   "(%zu differ)",
	   steps, fails);
	ok(old_fails == 0, "no change shows through to the version before it (%zu differ)",
	   old_fails);
	is_int((long)snapshot_name_count(cur), (long)snapshot_name_count(ref),
	       "same number of names as the whole");
	snapshot_free(cur);
	snapshot_free(ref);
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
	zone_rotation_t rot = {.owner = dname("s3.fleet.test."), .type = 1};
	parts[0]->rotations = &rot;
	parts[0]->nrotations = 1;
	zone_patch_t p = {.apex = apex,
	                  .reset = true,
	                  .base = base,
	                  .nparts = 2,
	                  .part_ids = ks,
	                  .roots = (const ldns_rdf *const *)roots,
	                  .parts = parts};
	ok(snapshot_patch(&cur, NULL, &p, 1, NULL) == FDNS_OK, "rotated service in a part");
	parts[0]->rotations = NULL;
	parts[0]->nrotations = 0;
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
	ldns_rdf_deep_free(rot.owner);
	ldns_rdf_deep_free(apex);
}

/* 5,000 replicas and no max-answers: 80 KB of A records cannot be one answer. The
 * service still compiles, each answer carrying as many records as a message holds. */
static void test_huge_service(void)
{
	memset(svc, 0, sizeof(svc));
	svc[5].big = 5000;
	ldns_rdf *apex = dname("fleet.test."), *root = dname("s5.fleet.test.");
	zone_data_t *part = part_zone(5), *base = base_zone();
	zone_rotation_t rot = {.owner = dname("s5.fleet.test."), .type = 1};
	part->rotations = &rot;
	part->nrotations = 1;
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
	part->rotations = NULL;
	part->nrotations = 0;
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
	ldns_rdf_deep_free(rot.owner);
	ldns_rdf_deep_free(apex);
	ldns_rdf_deep_free(root);
	memset(svc, 0, sizeof(svc));
}

int main(void)
{
	test_huge_service();
	test_random_changes();
	test_refusals();
	test_rotation_kept();
	return done_testing();
}
