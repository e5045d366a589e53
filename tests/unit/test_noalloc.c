/* SPDX-License-Identifier: MIT */
/* test_noalloc.c -- the query path allocates nothing: malloc, calloc and realloc are
 * wrapped (-Wl,--wrap) and counted while thousands of queries of every kind are read and
 * answered from a compiled snapshot, and through worker_answer() with CHAOS, NSID, cookies
 * and EDNS Client Subnet, www answering per site (its client found from its address or its
 * ECS subnet). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/answer.h"
#include "server/worker.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

static size_t allocations;
static bool counting;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	allocations += counting;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	allocations += counting;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations += counting;
	return __real_realloc(p, n);
}

static const char *zone_text = "$TTL 60\n"
                               "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                               "@ IN NS ns\n"
                               "ns IN A 192.0.2.53\n"
                               "www IN A 192.0.2.1\n"
                               "www IN A 192.0.2.2\n"
                               "alias IN CNAME www\n"
                               "*.wild IN TXT \"wildcard\"\n"
                               "sub IN NS ns.sub\n"
                               "ns.sub IN A 192.0.2.99\n"
                               "out IN DNAME elsewhere.test.\n"
                               "in IN DNAME inner.example.test.\n"
                               "www.inner IN A 192.0.2.3\n"
                               "loop IN DNAME x.loop.example.test.\n"
                               "long IN DNAME "
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
                               "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
                               "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.\n";

int main(void)
{
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, "example.test", zone_text, "t", err, sizeof(err)) < 0) {
		ok(false, "zone loads: %s", err);
		return done_testing();
	}
	/* www rotates; 192.0.2.2 is in the one site, whose clients are 127/8 and 10.1/16. */
	z->rotations = calloc(2, sizeof(*z->rotations));
	z->rotations[0] = (zone_rotation_t){.owner = ldns_dname_new_frm_str("www.example.test."),
	                                    .type = LDNS_RR_TYPE_A};
	z->rotations[1] = (zone_rotation_t){.owner = ldns_dname_new_frm_str("www.example.test."),
	                                    .type = LDNS_RR_TYPE_A,
	                                    .weight = 1,
	                                    .site = 1,
	                                    .rdata_len = 4};
	inet_pton(AF_INET, "192.0.2.2", z->rotations[1].rdata);
	z->nrotations = 2;
	z->nsites = 1;
	conf_prefix_t clients[2] = {{.addr.ss_family = AF_INET, .prefix = 8},
	                            {.addr.ss_family = AF_INET, .prefix = 16}};
	inet_pton(AF_INET, "127.0.0.0", &((struct sockaddr_in *)&clients[0].addr)->sin_addr);
	inet_pton(AF_INET, "10.1.0.0", &((struct sockaddr_in *)&clients[1].addr)->sin_addr);
	char *engines[] = {"n1"};
	conf_site_t site = {
	    .name = "s", .clients = clients, .nclients = 2, .engines = engines, .nengines = 1};
	answer_opts_t opts = {.udp_size = 1232, .sites = &site, .nsites = 1};
	snapshot_t *snap = NULL;
	snapshot_build(&snap, &z, 1, &opts);
	{ /* the DNAME answers are what they should be, so that the count below means something */
		static const struct {
			const char *name;
			uint8_t rcode;
			uint16_t an;
		} dn[] = {{"a.b.out.example.test.", 0, 2},
		          {"WWW.In.example.test.", 0, 3},
		          {"a.loop.example.test.", 0, 6},
		          {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
		           "long.example.test.",
		           6, 1}};
		uint8_t buf[4096];
		for (size_t i = 0; i < sizeof(dn) / sizeof(dn[0]); i++) {
			uint8_t *w;
			size_t wl;
			ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(dn[i].name),
			                                 LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0);
			ldns_pkt2wire(&w, p, &wl);
			query_t q;
			size_t len = answer_respond(snap, &q, query_parse(&q, w, wl), buf, 512);
			ok(len > 12 && (buf[3] & 0x0F) == dn[i].rcode && buf[7] == dn[i].an,
			   "DNAME %s: rcode %u, %u answers", dn[i].name, dn[i].rcode, dn[i].an);
			ldns_pkt_free(p);
			free(w);
		}
	}
	/* DNAME (RFC 6672): out of the zone, followed in the zone, in a loop, and YXDOMAIN. */
	const char *names[] = {"www.example.test.",
	                       "WWW.Example.TEST.",
	                       "alias.example.test.",
	                       "x.y.wild.example.test.",
	                       "a.sub.example.test.",
	                       "nope.example.test.",
	                       "example.test.",
	                       "other.zone.",
	                       "a.b.out.example.test.",
	                       "WWW.In.example.test.",
	                       "nope.in.example.test.",
	                       "a.loop.example.test.",
	                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
	                       "long.example.test."};
	ldns_rr_type types[] = {LDNS_RR_TYPE_A,    LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_TXT,
	                        LDNS_RR_TYPE_ANY,  LDNS_RR_TYPE_SOA,  LDNS_RR_TYPE_CNAME,
	                        LDNS_RR_TYPE_DNAME};
	uint8_t *wires[128];
	size_t lens[128], n = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(names[i]), types[t],
			                                 LDNS_RR_CLASS_IN, 0);
			if (t % 2)
				ldns_pkt_set_edns_udp_size(p, 1232);
			ldns_pkt2wire(&wires[n], p, &lens[n]);
			ldns_pkt_free(p);
			n++;
		}
	uint8_t garbage[3] = {1, 2, 3};
	uint8_t out[65535];
	size_t answered = 0;
	counting = true;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < n; i++) {
			query_t q;
			enum query_verdict v = query_parse(&q, wires[i], lens[i]);
			answered += answer_respond(snap, &q, v, out, round % 2 ? 512 : 65535) > 0;
		}
		query_t q;
		answer_respond(snap, &q, query_parse(&q, garbage, sizeof(garbage)), out, 512);
	}
	counting = false;
	is_int((long long)answered, (long long)(200 * n), "every query answered");
	is_int((long long)allocations, 0, "no allocation while reading and answering %zu queries",
	       200 * n);

	/* The worker's path: CHAOS TXT (RFC 4892), NSID (RFC 5001), cookies (RFC 7873) and ECS
	 * (RFC 7871), the options taken as the first olen octets of these. */
	worker_t *w = calloc(1, sizeof(*w));
	chaos_t *chaos = calloc(1, sizeof(*chaos));
	conf_process_t proc = {.nsid = (uint8_t *)"ns1", .nsid_len = 3};
	chaos_prepare(chaos, &proc, "host");
	w->chaos = chaos;
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7F000001)};
	static const uint8_t nsid_cookie[] = {0, 3, 0, 0, 0, 10, 0, 8, 1,  2, 3,  4, 5, 6,
	                                      7, 8, 0, 8, 0, 7,  0, 1, 24, 0, 10, 1, 9};
	static const struct {
		const char *name;
		uint16_t type, cls, olen;
	} asks[] = {{"version.bind", 16, 3, 4},     {"ID.Server", 16, 3, 4},
	            {"authors.bind", 16, 3, 4},     {"hostname.bind", 16, 3, 0},
	            {"version.bind", 1, 3, 16},     {"www.example.test", 1, 1, 4},
	            {"www.example.test", 1, 1, 16}, {"other.zone", 1, 1, 4},
	            {"www.example.test", 1, 1, 27}, {"example.test", 6, 1, 27},
	            {"version.bind", 16, 3, 27}};
	msgbuf_t *msgs = calloc(sizeof(asks) / sizeof(asks[0]), sizeof(*msgs));
	size_t nasks = sizeof(asks) / sizeof(asks[0]), worker_answered = 0;
	for (size_t i = 0; i < nasks; i++) {
		mb_header(&msgs[i], (uint16_t)i, 0, 1, 0, 0, 1);
		mb_question(&msgs[i], asks[i].name, asks[i].type, asks[i].cls);
		mb_opt(&msgs[i], 1232, 0, 0, 0, nsid_cookie, asks[i].olen);
	}
	allocations = 0;
	counting = true;
	for (int round = 0; round < 200; round++)
		for (size_t i = 0; i < nasks; i++) {
			exchange_t x = {.msg = msgs[i].b,
			                .len = msgs[i].len,
			                .peer = (const struct sockaddr *)&peer,
			                .tcp = round % 2,
			                .out = out,
			                .outcap = round % 2 ? sizeof(out) : 512};
			worker_answered += worker_answer(w, snap, &x) > 0;
		}
	counting = false;
	is_int((long long)worker_answered, (long long)(200 * nasks),
	       "worker_answer: every CHAOS, NSID, cookie and ECS query answered");
	is_int((long long)allocations, 0,
	       "no allocation while answering %zu CHAOS, NSID, cookie and ECS queries",
	       200 * nasks);
	free(msgs);
	free(chaos);
	free(w);
	for (size_t i = 0; i < n; i++)
		free(wires[i]);
	snapshot_free(snap);
	zone_data_free(z);
	return done_testing();
}
