/* SPDX-License-Identifier: MIT */
/* test_weights.c -- fleetdns.weight: the compiled smooth weighted round-robin sequence,
 * counted exactly over whole cycles through the query path (answer_respond), and the
 * registry's side (labels, weight 0, SRV weight field, status). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/answer.h"
#include "fleetdns/registry.h"
#include "tap.h"

#define MAXREC 128

static const char *soa = "$TTL 60\n"
                         "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                         "@ IN NS ns\n"
                         "ns IN A 192.0.2.53\n";

/* One answer: its records' first RDATA field as text, and the raw response. */
typedef struct answer {
	size_t n;
	char rd[MAXREC][64];
	uint8_t wire[8192];
	size_t len;
} answer_t;

static void ask(const snapshot_t *snap, const char *name, ldns_rr_type type, answer_t *a)
{
	ldns_pkt *qp = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_edns_udp_size(qp, 4096);
	uint8_t *wire;
	size_t wlen;
	ldns_pkt2wire(&wire, qp, &wlen);
	ldns_pkt_free(qp);
	query_t q;
	enum query_verdict v = query_parse(&q, wire, wlen);
	a->len = answer_respond(snap, &q, v, a->wire, sizeof(a->wire));
	free(wire);
	a->n = 0;
	ldns_pkt *rp = NULL;
	if (ldns_wire2pkt(&rp, a->wire, a->len) != LDNS_STATUS_OK)
		return;
	ldns_rr_list *an = ldns_pkt_answer(rp);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an) && i < MAXREC; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		/* A/AAAA: the address; SRV: "weight port target". */
		char *s = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SRV
		              ? ldns_rdf2str(ldns_rr_rdf(rr, 1))
		              : ldns_rdf2str(ldns_rr_rdf(rr, 0));
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SRV) {
			char *t = ldns_rdf2str(ldns_rr_rdf(rr, 3));
			snprintf(a->rd[a->n++], sizeof(a->rd[0]), "%s %s", s, t);
			free(t);
		} else {
			snprintf(a->rd[a->n++], sizeof(a->rd[0]), "%s", s);
		}
		free(s);
	}
	ldns_pkt_free(rp);
}

/* Zone "example.test" with name "w" holding addresses 10.0.<i/250>.<i%250+1> (or fd00::i+1
 * for AAAA), weights[i] each (negative: no weight entry), rotated with window. */
static snapshot_t *make(size_t n, const int *weights, bool v6, uint16_t window, bool entries)
{
	char text[65536];
	size_t len = (size_t)snprintf(text, sizeof(text), "%s", soa);
	for (size_t i = 0; i < n; i++) {
		if (v6)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			                        "w IN AAAA fd00::%zx\n", i + 1);
		else
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			                        "w IN A 10.0.%zu.%zu\n", i / 250, i % 250 + 1);
	}
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, "example.test", text, "t", err, sizeof(err)) < 0) {
		diag("zone: %s", err);
		return NULL;
	}
	uint16_t type = v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A;
	z->rotations = calloc(n + 1, sizeof(*z->rotations));
	z->rotations[0] = (zone_rotation_t){
	    .owner = ldns_dname_new_frm_str("w.example.test."), .type = type, .window = window};
	z->nrotations = 1;
	for (size_t i = 0; entries && i < n; i++) {
		if (weights[i] < 0)
			continue;
		zone_rotation_t *w = &z->rotations[z->nrotations++];
		*w = (zone_rotation_t){.owner = ldns_dname_new_frm_str("w.example.test."),
		                       .type = type,
		                       .weight = (uint16_t)weights[i],
		                       .rdata_len = v6 ? 16 : 4};
		if (v6) {
			w->rdata[0] = 0xfd;
			w->rdata[14] = (uint8_t)((i + 1) >> 8);
			w->rdata[15] = (uint8_t)(i + 1);
		} else {
			w->rdata[0] = 10;
			w->rdata[2] = (uint8_t)(i / 250);
			w->rdata[3] = (uint8_t)(i % 250 + 1);
		}
	}
	snapshot_t *snap = NULL;
	if (snapshot_build(&snap, &z, 1, NULL) < 0)
		diag("snapshot_build failed");
	zone_data_free(z);
	return snap;
}

static size_t index_of(const char *addr, size_t n, bool v6)
{
	char want[64];
	for (size_t i = 0; i < n; i++) {
		if (v6)
			snprintf(want, sizeof(want), "fd00::%zx", i + 1);
		else
			snprintf(want, sizeof(want), "10.0.%zu.%zu", i / 250, i % 250 + 1);
		if (strcmp(addr, want) == 0)
			return i;
	}
	return n;
}

/* Query w cycles * cycle times; firsts[i]: how often record i came first. Also checks that
 * every answer is the records in rotation from the first (window of them, or all), and
 * counts, per cycle, how often the record `rare` came first (each cycle must have it
 * exactly rare_per_cycle times). */
static bool run(const snapshot_t *snap, size_t n, bool v6, size_t cycle, size_t cycles, size_t take,
                size_t *firsts, size_t rare, size_t rare_per_cycle)
{
	answer_t *a = malloc(sizeof(*a));
	bool rotation_ok = true, per_cycle_ok = true;
	memset(firsts, 0, n * sizeof(*firsts));
	for (size_t c = 0; c < cycles; c++) {
		size_t rare_here = 0;
		for (size_t k = 0; k < cycle; k++) {
			ask(snap, "w.example.test.", v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, a);
			if (a->n != take) {
				rotation_ok = false;
				continue;
			}
			size_t first = index_of(a->rd[0], n, v6);
			if (first == n) {
				rotation_ok = false;
				continue;
			}
			firsts[first]++;
			rare_here += first == rare;
			for (size_t i = 1; i < a->n; i++)
				rotation_ok &= index_of(a->rd[i], n, v6) == (first + i) % n;
		}
		per_cycle_ok &= rare_here == rare_per_cycle;
	}
	free(a);
	ok(rotation_ok, "every answer holds %zu records in rotation from the first", take);
	return per_cycle_ok;
}

/* The canary: weight 1 beside nine of weight 9 is first once in 82 answers. */
static void test_canary(void)
{
	int w[10] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 1};
	snapshot_t *s = make(10, w, false, 0, true);
	size_t firsts[10];
	bool per = run(s, 10, false, 82, 10, 10, firsts, 9, 1);
	bool heavy = true;
	for (int i = 0; i < 9; i++)
		heavy &= firsts[i] == 90;
	ok(heavy, "9 x weight 9: each first exactly 9 times per cycle of 82 (90 in 820)");
	is_int((long long)firsts[9], 10, "canary weight 1: first 10 times in 820 answers");
	ok(per, "canary first exactly once in each of 10 cycles of 82");
	snapshot_free(s);
	/* "1%": nine of weight 11 and one of weight 1, 100 steps per cycle. */
	int w1[10] = {11, 11, 11, 11, 11, 11, 11, 11, 11, 1};
	s = make(10, w1, false, 0, true);
	per = run(s, 10, false, 100, 30, 10, firsts, 9, 1);
	heavy = true;
	for (int i = 0; i < 9; i++)
		heavy &= firsts[i] == 330;
	ok(heavy, "9 x weight 11: each first exactly 330 times in 3000");
	is_int((long long)firsts[9], 30, "canary 1%%: first exactly 30 times in 3000 answers");
	ok(per, "canary first exactly once in each of 30 cycles of 100");
	snapshot_free(s);
}

/* nginx's example: weights 5, 1, 1 give a a b a c a a. */
static void test_smooth(void)
{
	int w[3] = {5, 1, 1};
	snapshot_t *s = make(3, w, false, 0, true);
	answer_t *a = malloc(sizeof(*a));
	char seq[64] = "";
	for (int k = 0; k < 14; k++) {
		ask(s, "w.example.test.", LDNS_RR_TYPE_A, a);
		size_t i = a->n ? index_of(a->rd[0], 3, false) : 3;
		seq[k] = (char)("abc?"[i]);
	}
	is_str(seq, "aabacaaaabacaa", "weights 5 1 1: the smooth sequence a a b a c a a, twice");
	free(a);
	snapshot_free(s);
}

/* Equal weights are plain rotation: the very same responses, byte for byte. */
static void test_equal(void)
{
	int w[5] = {7, 7, 7, 7, 7};
	snapshot_t *plain = make(5, w, false, 0, false), *equal = make(5, w, false, 0, true);
	snapshot_t *plain2 = make(5, w, false, 2, false), *equal2 = make(5, w, false, 2, true);
	answer_t *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	bool same = true, same2 = true, steps = true;
	size_t prev = 4;
	for (int k = 0; k < 50; k++) {
		ask(plain, "w.example.test.", LDNS_RR_TYPE_A, a);
		ask(equal, "w.example.test.", LDNS_RR_TYPE_A, b);
		same &= a->len == b->len && memcmp(a->wire, b->wire, a->len) == 0;
		size_t first = a->n ? index_of(a->rd[0], 5, false) : 5;
		steps &= first == (prev + 1) % 5;
		prev = first;
		ask(plain2, "w.example.test.", LDNS_RR_TYPE_A, a);
		ask(equal2, "w.example.test.", LDNS_RR_TYPE_A, b);
		same2 &= a->len == b->len && memcmp(a->wire, b->wire, a->len) == 0;
	}
	ok(same, "equal weights: 50 responses identical to plain rotation's");
	ok(steps, "plain rotation: each answer starts one record further");
	ok(same2, "equal weights, window 2: identical to plain rotation's");
	free(a);
	free(b);
	snapshot_free(plain);
	snapshot_free(equal);
	snapshot_free(plain2);
	snapshot_free(equal2);
}

/* Rotations of a plain A or AAAA RRset are windows of one block holding the records twice
 * over (compile.c, compile_windows()): every answer must still be the whole RRset from one
 * record on, in order, and the UDP limits apply as to any RRset (RFC 2181 9: all or TC). */
static void test_windows(void)
{
	int w[40] = {0};
	bool order = true, order6 = true;
	answer_t *a = malloc(sizeof(*a));
	for (int v6 = 0; v6 < 2; v6++) {
		snapshot_t *snap = make(7, w, v6, 0, false);
		for (size_t k = 0; k < 21 && snap; k++) {
			ask(snap, "w.example.test.", v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, a);
			bool good = a->n == 7;
			for (size_t j = 0; good && j < 7; j++)
				good = index_of(a->rd[j], 7, v6) == (k + j) % 7;
			*(v6 ? &order6 : &order) &= good;
		}
		snapshot_free(snap);
	}
	ok(order, "windows: 21 A answers of 7 records, each the whole RRset from the next record");
	ok(order6, "windows: the same for AAAA");
	/* 40 A records (640 bytes of answer) over plain UDP (512): the RRset does not fit. */
	snapshot_t *big = make(40, w, false, 0, false);
	uint8_t q[64], out[512];
	size_t ql = 0;
	static const uint8_t head[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	static const uint8_t name[] = "\001w\007example\004test";
	memcpy(q, head, sizeof(head));
	ql = sizeof(head);
	memcpy(q + ql, name, sizeof(name));
	ql += sizeof(name);
	q[ql++] = 0, q[ql++] = 1, q[ql++] = 0, q[ql++] = 1;
	query_t qq;
	enum query_verdict v = query_parse(&qq, q, ql);
	bool tc = true;
	for (int k = 0; k < 40 && big; k++) {
		size_t n = answer_respond(big, &qq, v, out, sizeof(out));
		tc &= n >= 12 && (out[2] & 0x02) && out[6] == 0 && out[7] == 0;
	}
	ok(tc, "windows: 40 A records over 512-byte UDP: TC and no partial RRset, every rotation");
	ask(big, "w.example.test.", LDNS_RR_TYPE_A, a);
	ok(a->n == 40, "windows: ... and all 40 with EDNS 4096 (%zu)", a->n);
	snapshot_free(big);
	free(a);
}

static void test_edges(void)
{
	size_t firsts[MAXREC];
	/* Weight 0 beside weights: never first (the registry leaves such records out; the
	 * compiler alone must not pick them either). */
	int w0[4] = {0, 2, 0, 1};
	snapshot_t *s = make(4, w0, false, 0, true);
	run(s, 4, false, 3, 20, 4, firsts, 0, 0);
	ok(firsts[0] == 0 && firsts[2] == 0 && firsts[1] == 40 && firsts[3] == 20,
	   "weights 0 2 0 1: first 0, 40, 0, 20 times in 60 (%zu %zu %zu %zu)", firsts[0],
	   firsts[1], firsts[2], firsts[3]);
	snapshot_free(s);
	/* A record without an entry weighs 1. */
	int wd[3] = {3, -1, -1};
	s = make(3, wd, false, 0, true);
	run(s, 3, false, 5, 4, 3, firsts, 1, 1);
	ok(firsts[0] == 12 && firsts[1] == 4 && firsts[2] == 4,
	   "weights 3 and two without entries: 12 4 4 in 20 (%zu %zu %zu)", firsts[0], firsts[1],
	   firsts[2]);
	snapshot_free(s);
	/* Scaled: 65535 and 1 (65536 steps) become 4095 and 1: one cycle of 4096. */
	int ws[2] = {65535, 1};
	s = make(2, ws, false, 0, true);
	bool per = run(s, 2, false, 4096, 2, 2, firsts, 1, 1);
	ok(per && firsts[0] == 8190 && firsts[1] == 2,
	   "weights 65535 1: scaled to a cycle of 4096, the light one first once per cycle "
	   "(%zu %zu)",
	   firsts[0], firsts[1]);
	snapshot_free(s);
	/* Window 2: each answer is 2 records in rotation from the weighted first. */
	int ww[4] = {3, 1, 1, 1};
	s = make(4, ww, false, 2, true);
	run(s, 4, false, 6, 5, 2, firsts, 1, 1);
	ok(firsts[0] == 15 && firsts[1] == 5 && firsts[2] == 5 && firsts[3] == 5,
	   "window 2, weights 3 1 1 1: first 15 5 5 5 in 30");
	snapshot_free(s);
	/* AAAA. */
	int w6[3] = {2, 1, 1};
	s = make(3, w6, true, 0, true);
	run(s, 3, true, 4, 10, 3, firsts, 1, 1);
	ok(firsts[0] == 20 && firsts[1] == 10 && firsts[2] == 10, "AAAA weights 2 1 1: 20 10 10");
	snapshot_free(s);
	/* More records than rotations (64): rotation i starts at record i*100/64 and weighs
	 * what its records weigh; record 0 (weight 100) is alone in rotation 0. */
	int wm[100];
	for (int i = 0; i < 100; i++)
		wm[i] = i == 0 ? 100 : 1;
	s = make(100, wm, false, 0, true);
	answer_t *a = malloc(sizeof(*a));
	size_t zero = 0, total = 0;
	for (int k = 0; k < 199 * 2; k++) {
		ask(s, "w.example.test.", LDNS_RR_TYPE_A, a);
		total += a->n == 100;
		zero += a->n && index_of(a->rd[0], 100, false) == 0;
	}
	ok(total == 398 && zero == 200,
	   "100 records, 64 rotations: record 0 (weight 100 of 199) first 200 times in 398 "
	   "(%zu)",
	   zero);
	free(a);
	snapshot_free(s);
}

/* ---- The registry: labels to weights. ---- */

typedef struct fake {
	engine_container_t c;
	engine_label_t labels[3];
	engine_network_t net;
	char id[16], name[24], ip[24], weight[16];
} fake_t;

static conf_engine_t engine1 = {.name = "node1", .url = "unix:///x", .timeout_ms = 1000};

static void fake_init(fake_t *f, int i, const char *service, const char *weight)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "id%02d", i);
	snprintf(f->name, sizeof(f->name), "%s-%d", service, i);
	snprintf(f->ip, sizeof(f->ip), "10.9.0.%d", i + 1);
	f->labels[0] = (engine_label_t){"fleetdns.service", service};
	f->labels[1] = (engine_label_t){"fleetdns.port", "http:8080"};
	size_t nl = 2;
	if (weight) {
		snprintf(f->weight, sizeof(f->weight), "%s", weight);
		f->labels[nl++] = (engine_label_t){"fleetdns.weight", f->weight};
	}
	f->net = (engine_network_t){"bridge", f->ip, ""};
	f->c = (engine_container_t){.id = f->id,
	                            .name = f->name,
	                            .running = true,
	                            .health = HEALTH_NONE,
	                            .labels = f->labels,
	                            .nlabels = nl,
	                            .networks = &f->net,
	                            .nnetworks = 1};
}

static snapshot_t *render(registry_t *r, size_t *weight_entries)
{
	zone_data_t *z = NULL;
	char err[256];
	zone_load_text(&z, "fleet.test", soa, "base", err, sizeof(err));
	registry_render(r, z, z->apex);
	*weight_entries = 0;
	for (size_t i = 0; i < z->nrotations; i++)
		*weight_entries += z->rotations[i].rdata_len > 0;
	snapshot_t *snap = NULL;
	snapshot_build(&snap, &z, 1, NULL);
	zone_data_free(z);
	return snap;
}

/* First addresses over queries of service name, by replica index (10.9.0.i+1). */
static void count_firsts(const snapshot_t *s, const char *name, size_t queries, size_t *firsts,
                         size_t n, size_t *sizes)
{
	answer_t *a = malloc(sizeof(*a));
	memset(firsts, 0, n * sizeof(*firsts));
	*sizes = 0;
	for (size_t k = 0; k < queries; k++) {
		ask(s, name, LDNS_RR_TYPE_A, a);
		for (size_t i = 0; a->n && i < n; i++) {
			char ip[16];
			snprintf(ip, sizeof(ip), "10.9.0.%zu", i + 1);
			firsts[i] += strcmp(a->rd[0], ip) == 0;
		}
		*sizes += a->n;
	}
	free(a);
}

static void test_registry(void)
{
	conf_fleet_t fleet = {.ttl = 5};
	registry_t *r = registry_new(&fleet);
	fake_t f[16];
	const engine_container_t *list[16];
	for (int i = 0; i < 10; i++) {
		fake_init(&f[i], i, "web", i < 9 ? "9" : "1");
		list[i] = &f[i].c;
	}
	fake_init(&f[10], 10, "plain", NULL);
	fake_init(&f[11], 11, "plain", NULL);
	fake_init(&f[12], 12, "plain", " 3x"); /* invalid: the default */
	fake_init(&f[13], 13, "standby", "0");
	fake_init(&f[14], 14, "standby", "2");
	fake_init(&f[15], 15, "standby", "0");
	for (int i = 10; i < 16; i++)
		list[i] = &f[i].c;
	registry_engine_sync(r, &engine1, list, 16);
	size_t entries = 0, sizes = 0, firsts[16];
	snapshot_t *s = render(r, &entries);
	is_int((long long)entries, 10, "weight entries for web's 10 addresses only");
	count_firsts(s, "web.fleet.test.", 820, firsts, 10, &sizes);
	bool heavy = true;
	for (int i = 0; i < 9; i++)
		heavy &= firsts[i] == 90;
	ok(heavy && firsts[9] == 10 && sizes == 8200,
	   "web (9 x weight 9, 1 x weight 1): 90 each and the canary 10 times in 820, all 10 "
	   "records in each");
	/* SRV carries the weights. */
	answer_t *a = malloc(sizeof(*a));
	ask(s, "_http._tcp.web.fleet.test.", LDNS_RR_TYPE_SRV, a);
	size_t nine = 0, one = 0;
	for (size_t i = 0; i < a->n; i++) {
		nine += strncmp(a->rd[i], "9 ", 2) == 0;
		one += strcmp(a->rd[i], "1 web-9-node1.web.fleet.test.") == 0;
	}
	ok(a->n == 10 && nine == 9 && one == 1, "SRV weight field: 9 for nine, 1 for the canary");
	ask(s, "_http._tcp.plain.fleet.test.", LDNS_RR_TYPE_SRV, a);
	ok(a->n == 3 && strncmp(a->rd[0], "1 ", 2) == 0 && strncmp(a->rd[1], "1 ", 2) == 0 &&
	       strncmp(a->rd[2], "1 ", 2) == 0,
	   "unlabelled (and invalid label): SRV weight 1, as before weights");
	/* Unlabelled: plain rotation. */
	count_firsts(s, "plain.fleet.test.", 30, firsts, 13, &sizes);
	ok(firsts[10] == 10 && firsts[11] == 10 && firsts[12] == 10, "plain: 10 10 10 in 30");
	/* Weight 0: left out while another replica has a weight. */
	count_firsts(s, "standby.fleet.test.", 10, firsts, 16, &sizes);
	ok(firsts[14] == 10 && sizes == 10, "standby: only the weight-2 replica answers");
	ask(s, "standby-13-node1.standby.fleet.test.", LDNS_RR_TYPE_A, a);
	ok(a->n == 1 && strcmp(a->rd[0], "10.9.0.14") == 0,
	   "a weight-0 replica's own name still answers");
	ask(s, "_http._tcp.standby.fleet.test.", LDNS_RR_TYPE_SRV, a);
	ok(a->n == 1 && strcmp(a->rd[0], "2 web-14-node1.standby.fleet.test.") != 0 &&
	       strncmp(a->rd[0], "2 standby-14-node1.", 19) == 0,
	   "standby SRV: the weight-2 replica only, weight 2");
	snapshot_free(s);
	/* Status shows each weight, replica by replica. */
	json_object *st = registry_status(r);
	char weights[64] = "";
	for (size_t i = 0; i < json_object_array_length(st); i++) {
		json_object *svc = json_object_array_get_idx(st, i), *reps;
		json_object_object_get_ex(svc, "replicas", &reps);
		for (size_t j = 0; j < json_object_array_length(reps); j++) {
			json_object *w;
			json_object_object_get_ex(json_object_array_get_idx(reps, j), "weight", &w);
			snprintf(weights + strlen(weights), sizeof(weights) - strlen(weights),
			         "%d ", json_object_get_int(w));
		}
	}
	is_str(weights, "9 9 9 9 9 9 9 9 9 1 1 1 1 0 2 0 ",
	       "status: each replica's weight (web, plain, standby)");
	json_object_put(st);
	/* The weighted replica goes: the weight-0 ones are served, in plain rotation. */
	registry_container_remove(r, "node1", "id14");
	s = render(r, &entries);
	count_firsts(s, "standby.fleet.test.", 20, firsts, 16, &sizes);
	ok(firsts[13] == 10 && firsts[15] == 10 && sizes == 40,
	   "standby without its weighted replica: both weight-0 replicas, 10 and 10 in 20");
	ask(s, "_http._tcp.standby.fleet.test.", LDNS_RR_TYPE_SRV, a);
	ok(a->n == 2 && strncmp(a->rd[0], "0 ", 2) == 0 && strncmp(a->rd[1], "0 ", 2) == 0,
	   "and their SRV weight is 0");
	snapshot_free(s);
	/* Equal weights other than 1: no entries (plain rotation), SRV weight is the label. */
	for (int i = 0; i < 10; i++)
		fake_init(&f[i], i, "web", "4");
	registry_engine_sync(r, &engine1, list, 10);
	s = render(r, &entries);
	is_int((long long)entries, 0, "equal weights: no weight entries");
	ask(s, "_http._tcp.web.fleet.test.", LDNS_RR_TYPE_SRV, a);
	ok(a->n == 10 && strncmp(a->rd[0], "4 ", 2) == 0, "equal weights: SRV weight 4");
	snapshot_free(s);
	free(a);
	registry_free(r);
}

int main(void)
{
	test_canary();
	test_smooth();
	test_equal();
	test_windows();
	test_edges();
	test_registry();
	return done_testing();
}
