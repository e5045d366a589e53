/* SPDX-License-Identifier: MIT */
/* fuzz_query.c -- libFuzzer harness for the query path: query_parse() then answer_respond().
 *
 * Every input is answered three times, with the UDP minimum (512), the size the server
 * would negotiate for it, and the TCP maximum (65535), each into a buffer of exactly that
 * size so that AddressSanitizer sees any write past it. A response must be no longer than
 * allowed, pass the strict checker of tests/lib/dnsmsg.h, parse with ldns_wire2pkt, and
 * carry the query's ID; a QUERY_DROP verdict must give no response. The snapshot is built
 * once, from zones with wildcards, CNAME chains and loops, delegations with glue, empty
 * non-terminals, a parent and its child zone, and RRsets too large for 512 bytes; www's A
 * records rotate and are answered per site (10.1.0.0/16 and 2001:db8:1::/48 in site 0, which
 * holds 192.0.2.11), so queries with EDNS Client Subnet options take the sites' path.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "fleetdns/answer.h"

#include "../lib/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char parent_zone[] =
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n"
    "@ NS ns1\n"
    "@ NS ns2.elsewhere.test.\n"
    "@ MX 10 mail\n"
    "ns1 A 192.0.2.1\n"
    "ns1 AAAA 2001:db8::1\n"
    "mail A 192.0.2.2\n"
    "www A 192.0.2.10\n"
    "www A 192.0.2.11\n"
    "www AAAA 2001:db8::10\n"
    "alias CNAME www\n"
    "chain CNAME alias\n"
    "loop1 CNAME loop2\n"
    "loop2 CNAME loop1\n"
    "dangling CNAME nothere\n"
    "towild CNAME x.wild\n"
    "todeleg CNAME host.deleg\n"
    "away CNAME www.elsewhere.test.\n"
    "*.wild A 192.0.2.20\n"
    "*.wild MX 10 mx.wild\n"
    "*.wild TXT \"wildcard\"\n"
    "*.cnw CNAME www\n"
    "a.b.c.ent A 192.0.2.30\n"
    "deleg NS ns.deleg\n"
    "deleg NS ns.elsewhere.test.\n"
    "deleg DS 12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "ns.deleg A 192.0.2.40\n"
    "ns.deleg AAAA 2001:db8::40\n"
    "child NS ns.child\n"
    "ns.child A 192.0.2.50\n"
    "srv SRV 0 5 443 www\n"
    "ptr PTR www\n"
    "unk TYPE65000 \\# 3 010203\n";

static const char child_zone[] = "$TTL 60\n"
                                 "@ SOA ns hostmaster 1 7200 3600 1209600 30\n"
                                 "@ NS ns\n"
                                 "ns A 192.0.2.50\n"
                                 "*.child.example.test. TXT \"child wildcard\"\n";

static snapshot_t *snap;

/* The parent zone with two RRsets larger than 512 bytes appended. */
static char *parent_text(void)
{
	size_t cap = sizeof(parent_zone) + 8192, len = sizeof(parent_zone) - 1;
	char *t = malloc(cap);
	if (!t)
		abort();
	memcpy(t, parent_zone, len + 1);
	for (int i = 0; i < 30; i++)
		len += (size_t)snprintf(t + len, cap - len,
		                        "big TXT \"record %02d with text to fill a packet\"\n"
		                        "wide NS ns%02d.wide\nns%02d.wide A 192.0.2.%d\n",
		                        i, i, i, 100 + i);
	return t;
}

/* www.example.test's A records rotate; 192.0.2.11 is in site 0 (sites below). */
static void add_sites(zone_data_t *z)
{
	z->rotations = calloc(2, sizeof(*z->rotations));
	if (!z->rotations)
		abort();
	z->rotations[0] = (zone_rotation_t){.owner = ldns_dname_new_frm_str("www.example.test."),
	                                    .type = LDNS_RR_TYPE_A};
	z->rotations[1] = (zone_rotation_t){.owner = ldns_dname_new_frm_str("www.example.test."),
	                                    .type = LDNS_RR_TYPE_A,
	                                    .weight = 1,
	                                    .site = 1,
	                                    .rdata_len = 4};
	inet_pton(AF_INET, "192.0.2.11", z->rotations[1].rdata);
	z->nrotations = 2;
	z->nsites = 1;
}

static void build_snapshot(void)
{
	static conf_prefix_t clients[2];
	static char *engines[] = {"n1"};
	static conf_site_t site = {
	    .name = "near", .clients = clients, .nclients = 2, .engines = engines, .nengines = 1};
	clients[0] = (conf_prefix_t){.addr.ss_family = AF_INET, .prefix = 16};
	inet_pton(AF_INET, "10.1.0.0", &((struct sockaddr_in *)&clients[0].addr)->sin_addr);
	clients[1] = (conf_prefix_t){.addr.ss_family = AF_INET6, .prefix = 48};
	inet_pton(AF_INET6, "2001:db8:1::", &((struct sockaddr_in6 *)&clients[1].addr)->sin6_addr);
	zone_data_t *zones[2] = {NULL, NULL};
	char err[256];
	char *text = parent_text();
	if (zone_load_text(&zones[0], "example.test", text, "fuzz-parent", err, sizeof(err)) < 0 ||
	    zone_load_text(&zones[1], "child.example.test", child_zone, "fuzz-child", err,
	                   sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_query: cannot load the zones: %s\n", err);
		abort();
	}
	add_sites(zones[0]);
	answer_opts_t opts = {.udp_size = 1232, .sites = &site, .nsites = 1};
	if (snapshot_build(&snap, zones, 2, &opts) < 0) {
		fprintf(stderr, "fuzz_query: cannot build the snapshot: %s\n", err);
		abort();
	}
	free(text);
	/* The snapshot holds what it needs; the zones go, so that LeakSanitizer sees none. */
	zone_data_free(zones[0]);
	zone_data_free(zones[1]);
}

static void fail(const char *why, size_t maxsize, size_t len)
{
	fprintf(stderr, "fuzz_query: %s (maxsize %zu, response %zu bytes)\n", why, maxsize, len);
	abort();
}

static void answer_within(const query_t *q, enum query_verdict v, size_t maxsize)
{
	uint8_t *out = malloc(maxsize); /* exactly maxsize: ASan catches a byte more */
	if (!out)
		abort();
	size_t len = answer_respond(snap, q, v, out, maxsize);
	if (v == QUERY_DROP && len != 0)
		fail("response to a message that must be dropped", maxsize, len);
	if (len > maxsize)
		fail("response longer than maxsize", maxsize, len);
	if (len > 0) {
		const char *e = wire_check(out, len);
		if (e)
			fail(e, maxsize, len);
		ldns_pkt *pkt = NULL;
		if (ldns_wire2pkt(&pkt, out, len) != LDNS_STATUS_OK)
			fail("ldns_wire2pkt refuses the response", maxsize, len);
		ldns_pkt_free(pkt);
		if (out[0] != q->msg[0] || out[1] != q->msg[1] || !(out[2] & 0x80))
			fail("ID not copied or QR clear", maxsize, len);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!snap)
		build_snapshot();
	query_t q;
	enum query_verdict v = query_parse(&q, data, size);
	answer_within(&q, v, 512);
	if (v != QUERY_DROP)
		answer_within(&q, v, answer_udp_limit(snap, &q));
	answer_within(&q, v, 65535);
	return 0;
}
