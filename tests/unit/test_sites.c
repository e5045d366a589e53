/* SPDX-License-Identifier: MIT */
/* test_sites.c -- nearest replicas (issue 13 part 2, docs/fleet.md "Nearest replicas"):
 * the sites: section and its errors at FILE:LINE:COLUMN; client prefixes to sites and ECS
 * scopes (RFC 7871 7.2.1); answers per site through worker_answer(), counted exactly; ECS
 * options read (RFC 7871 6: malformed ones are FORMERR) and echoed with their scope; the
 * registry saying which site each replica's engine is in. */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "answer/sites.h"
#include "fleetdns/error.h"
#include "registry/sites.h"
#include "server/worker.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

static char dir[] = "/tmp/test_sites.XXXXXX";

static int build(const char *yaml, conf_t *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	conf_cmdline_t cl = {.conf_path = path};
	snprintf(path, sizeof(path), "%s/sites.conf", dir);
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return conf_build(c, &cl, err, errlen);
}

#define ENGINES                                                                                    \
	"engines:\n"                                                                               \
	"  - { name: n1, url: \"unix:///x1\" }\n"                                                  \
	"  - { name: n2, url: \"unix:///x2\" }\n"                                                  \
	"  - { name: n3, url: \"unix:///x3\" }\n"

static void test_conf(void)
{
	char err[512];
	conf_t c;
	int rc = build(ENGINES "sites:\n"
	                       "  - name: ams\n"
	                       "    clients: [10.1.0.0/16, \"2001:db8:1::/48\", 192.0.2.7]\n"
	                       "    engines: [n1, n2]\n"
	                       "    local-only: 2\n"
	                       "  - { name: fra, clients: [10.1.2.0/24], engines: [n3] }\n",
	               &c, err, sizeof(err));
	ok(rc == 0, "a valid sites: section builds (%s)", err);
	if (rc == 0) {
		is_int((long long)c.nsites, 2, "two sites");
		is_str(c.sites[0].name, "ams", "first site's name");
		is_int((long long)c.sites[0].nclients, 3, "ams: three client prefixes");
		is_int(c.sites[0].clients[2].prefix, 32, "a single address is a /32");
		is_int(c.sites[0].local_only, 2, "ams: local-only 2");
		is_int(c.sites[1].local_only, 0, "fra: local-only 0 by default");
		is_int(conf_site_of_engine(&c, "n2"), 0, "n2 is in ams");
		is_int(conf_site_of_engine(&c, "n3"), 1, "n3 is in fra");
		is_int(conf_site_of_engine(&c, "n9"), -1, "an unknown engine is in no site");
		conf_free(&c);
	}
	static const struct {
		const char *yaml, *want;
	} bad[] = {
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0.0/8], engines: [n4] }\n",
	     "sites.conf:6:49: site 'a': no engine is named 'n4'"},
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0.0/8], engines: [n1] }\n"
	             "  - { name: b, clients: [10.2.0.0/16], engines: [n1] }\n",
	     "sites.conf:7:50: engine 'n1' is already in site 'a'"},
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0.0/8], engines: [n1] }\n"
	             "  - { name: b, clients: [10.0.0.0/8], engines: [n2] }\n",
	     "sites.conf:7:26: client prefix '10.0.0.0/8' is already in site 'a'"},
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0.1/8], engines: [n1] }\n",
	     "sites.conf:6:26: client prefix '10.0.0.1/8' has bits set past its /8 prefix"},
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0/8], engines: [n1] }\n",
	     "sites.conf:6:26: invalid client prefix '10.0.0/8' (ADDRESS[/PREFIX])"},
	    {ENGINES "sites:\n  - { name: a, engines: [n1] }\n",
	     "sites.conf:6:5: site 'a' needs 'clients'"},
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0.0/8] }\n",
	     "sites.conf:6:5: site 'a' needs 'engines'"},
	    {ENGINES "sites:\n  - { clients: [10.0.0.0/8], engines: [n1] }\n",
	     "sites.conf:6:5: a site needs a 'name'"},
	    {ENGINES
	     "sites:\n  - { name: a, clients: [10.0.0.0/8], engines: [n1], local-onyl: 1 }\n",
	     "sites.conf:6:54: unknown key 'local-onyl' in site (did you mean 'local-only'?)"},
	    {ENGINES "sites:\n  - { name: a, clients: [10.0.0.0/8], engines: [n1] }\n"
	             "  - { name: a, clients: [10.2.0.0/16], engines: [n2] }\n",
	     "sites.conf:7:13: site 'a' is defined twice"},
	    {ENGINES "sites:\n  - { name: \"a b\", clients: [10.0.0.0/8], engines: [n1] }\n",
	     "sites.conf:6:13: invalid site name 'a b' (1 to 63 letters, digits, '-', '_' or '.')"},
	    {ENGINES "sites: { name: a }\n",
	     "sites.conf:5:8: 'sites' must be a list of sites (got a mapping)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = build(bad[i].yaml, &c, err, sizeof(err));
		const char *msg = strstr(err, "sites.conf");
		ok(rc == FDNS_EINVAL && msg && strcmp(msg, bad[i].want) == 0,
		   "refused with \"%s\" (got %d: %s)", bad[i].want, rc, err);
		if (rc == 0)
			conf_free(&c);
	}
}

/* ---- Client prefixes to sites, and ECS scopes. ---- */

static conf_prefix_t prefix(const char *addr, unsigned len)
{
	conf_prefix_t p = {.prefix = len};
	if (strchr(addr, ':')) {
		p.addr.ss_family = AF_INET6;
		inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&p.addr)->sin6_addr);
	} else {
		p.addr.ss_family = AF_INET;
		inet_pton(AF_INET, addr, &((struct sockaddr_in *)&p.addr)->sin_addr);
	}
	return p;
}

/* Site 0 "near": 10.1.0.0/16 and 2001:db8:1::/48; site 1 "far": 10.1.2.0/24 (inside near's)
 * and 10.3.0.0/16; local-only 1 for far. Engines: n1 and n2 in near, n3 in far. */
static conf_prefix_t near_clients[2], far_clients[2];
static char *near_engines[] = {"n1", "n2"}, *far_engines[] = {"n3"};
static conf_site_t sites[2] = {
    {.name = "near",
     .clients = near_clients,
     .nclients = 2,
     .engines = near_engines,
     .nengines = 2},
    {.name = "far",
     .clients = far_clients,
     .nclients = 2,
     .engines = far_engines,
     .nengines = 1,
     .local_only = 1},
};

static void sites_init(void)
{
	near_clients[0] = prefix("10.1.0.0", 16);
	near_clients[1] = prefix("2001:db8:1::", 48);
	far_clients[0] = prefix("10.1.2.0", 24);
	far_clients[1] = prefix("10.3.0.0", 16);
}

static uint8_t site_of_peer(const ans_sites_t *t, const char *addr)
{
	struct sockaddr_storage ss = {0};
	if (strchr(addr, ':')) {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	} else {
		ss.ss_family = AF_INET;
		inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr);
	}
	query_t q = {.peer = &ss};
	uint8_t scope;
	return ans_sites_lookup(t, &q, &scope);
}

static uint8_t site_of_ecs(const ans_sites_t *t, const char *addr, uint8_t source, uint8_t *scope)
{
	query_t q = {.has_ecs = true, .ecs_source = source};
	bool v6 = strchr(addr, ':') != NULL;
	q.ecs_family = v6 ? ECS_FAMILY_IPV6 : ECS_FAMILY_IPV4;
	inet_pton(v6 ? AF_INET6 : AF_INET, addr, q.ecs_addr);
	return ans_sites_lookup(t, &q, scope);
}

static void test_lookup(void)
{
	ans_sites_t *t = NULL;
	ok(ans_sites_new(&t, sites, 2) == 0 && t, "a site table is made");
	is_int(site_of_peer(t, "10.1.7.9"), 0, "10.1.7.9: near (10.1.0.0/16)");
	is_int(site_of_peer(t, "10.1.2.200"), 1, "10.1.2.200: far (the longer 10.1.2.0/24)");
	is_int(site_of_peer(t, "10.3.255.255"), 1, "10.3.255.255: far (10.3.0.0/16)");
	is_int(site_of_peer(t, "10.2.0.1"), SITE_NONE, "10.2.0.1: no site");
	is_int(site_of_peer(t, "0.0.0.0"), SITE_NONE, "0.0.0.0: no site");
	is_int(site_of_peer(t, "255.255.255.255"), SITE_NONE, "255.255.255.255: no site");
	is_int(site_of_peer(t, "2001:db8:1:ffff::1"), 0, "2001:db8:1:ffff::1: near");
	is_int(site_of_peer(t, "2001:db8:2::1"), SITE_NONE, "2001:db8:2::1: no site");
	is_int(site_of_peer(t, "::ffff:10.1.2.3"), 1, "::ffff:10.1.2.3 (dual-stack): far");
	uint8_t scope = 99;
	is_int(site_of_ecs(t, "10.1.7.0", 24, &scope), 0, "ECS 10.1.7.0/24: near");
	/* 10.1.7.0 is in near's range 10.1.3.0 .. 10.1.255.255 once far's /24 is cut out: the
	 * shortest prefix inside that is 10.1.4.0/22. */
	is_int(scope, 22, "ECS 10.1.7.0/24: scope 22 (10.1.4.0/22 is all near)");
	site_of_ecs(t, "10.1.128.0", 17, &scope);
	is_int(scope, 17, "ECS 10.1.128.0/17: scope 17");
	is_int(site_of_ecs(t, "10.1.2.0", 24, &scope), 1, "ECS 10.1.2.0/24: far");
	is_int(scope, 24, "ECS 10.1.2.0/24: scope 24");
	is_int(site_of_ecs(t, "10.1.0.0", 16, &scope), 0, "ECS 10.1.0.0/16: near (10.1.0.0)");
	is_int(scope, 23, "ECS 10.1.0.0/16: scope 23 (10.1.0.0/23 is near; far starts at 10.1.2)");
	is_int(site_of_ecs(t, "10.2.0.0", 16, &scope), SITE_NONE, "ECS 10.2.0.0/16: no site");
	is_int(scope, 16, "ECS 10.2.0.0/16: scope 16 (between near's 10.1/16 and far's 10.3/16)");
	is_int(site_of_ecs(t, "10.1.0.0", 0, &scope), SITE_NONE,
	       "ECS source 0 (RFC 7871 7.1.2): no site");
	is_int(scope, 0, "ECS source 0: scope 0");
	is_int(site_of_ecs(t, "2001:db8:1::", 56, &scope), 0, "ECS 2001:db8:1::/56: near");
	is_int(scope, 48, "ECS 2001:db8:1::/56: scope 48");
	is_int(site_of_ecs(t, "2001:db8:2::", 48, &scope), SITE_NONE, "ECS 2001:db8:2::/48: none");
	is_int(scope, 47, "ECS 2001:db8:2::/48: scope 47 (2001:db8:2::/47 is in no site)");
	ans_sites_unref(t);
	ans_sites_t *none = NULL;
	ok(ans_sites_new(&none, NULL, 0) == 0 && none == NULL, "no sites: no table");
	is_int(site_of_peer(none, "10.1.7.9"), SITE_NONE, "no table: no site");
}

/* ---- Answers per site, through worker_answer(). ---- */

static uint8_t out[65535];

/* A query for name/type from peer (NULL: none), with an ECS option of family/source over
 * addr (family 0: none; addr_len octets of addr as given, scope as given). */
static size_t ask(const snapshot_t *snap, const char *name, uint16_t type,
                  const struct sockaddr *peer, unsigned family, unsigned source,
                  const uint8_t *addr, unsigned addr_len, unsigned scope)
{
	msgbuf_t m = {0};
	mb_header(&m, 0x4242, 0, 1, 0, 0, 1);
	mb_question(&m, name, type, 1);
	uint8_t opt[64];
	unsigned olen = 0;
	if (family) {
		opt[0] = 0, opt[1] = EDNS_ECS, opt[2] = 0, opt[3] = (uint8_t)(4 + addr_len);
		opt[4] = 0, opt[5] = (uint8_t)family, opt[6] = (uint8_t)source,
		opt[7] = (uint8_t)scope;
		if (addr_len)
			memcpy(opt + 8, addr, addr_len);
		olen = 8 + addr_len;
	}
	mb_opt(&m, 1232, 0, 0, 0, opt, (uint16_t)olen);
	exchange_t x = {.msg = m.b, .len = m.len, .peer = peer, .out = out, .outcap = UDP_TX_SIZE};
	return worker_answer(NULL, snap, &x);
}

/* The response's A addresses' last octets ("1 2 3"), its RCODE, and its ECS option. */
typedef struct reply {
	char firsts[128];
	int rcode;
	bool ecs;
	uint8_t ecs_family, ecs_source, ecs_scope, ecs_addr[16];
	size_t ecs_len;
} reply_t;

static void read_reply(size_t len, reply_t *r)
{
	memset(r, 0, sizeof(*r));
	r->rcode = -1;
	ldns_pkt *p = NULL;
	if (!len || ldns_wire2pkt(&p, out, len) != LDNS_STATUS_OK)
		return;
	r->rcode = ldns_pkt_get_rcode(p);
	ldns_rr_list *an = ldns_pkt_answer(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rdf *d = ldns_rr_rdf(ldns_rr_list_rr(an, i), 0);
		size_t at = strlen(r->firsts);
		snprintf(r->firsts + at, sizeof(r->firsts) - at, "%s%u", at ? " " : "",
		         ldns_rdf_data(d)[3]);
	}
	ldns_rdf *ed = ldns_pkt_edns_data(p);
	const uint8_t *o = ed ? ldns_rdf_data(ed) : NULL;
	size_t olen = ed ? ldns_rdf_size(ed) : 0;
	for (size_t k = 0; o && k + 4 <= olen; k += 4 + (size_t)(o[k + 2] << 8 | o[k + 3])) {
		if ((o[k] << 8 | o[k + 1]) != EDNS_ECS)
			continue;
		r->ecs = true;
		r->ecs_family = o[k + 5];
		r->ecs_source = o[k + 6];
		r->ecs_scope = o[k + 7];
		r->ecs_len = (size_t)(o[k + 2] << 8 | o[k + 3]) - 4;
		memcpy(r->ecs_addr, o + k + 8, r->ecs_len < 16 ? r->ecs_len : 16);
	}
	ldns_pkt_free(p);
}

static const char *soa = "$TTL 60\n"
                         "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                         "@ IN NS ns\n"
                         "ns IN A 192.0.2.53\n"
                         "w IN A 10.9.0.1\nw IN A 10.9.0.2\nw IN A 10.9.0.3\n"
                         "w IN A 10.9.0.4\nw IN A 10.9.0.5\nw IN A 10.9.0.6\n"
                         "plain IN A 10.8.0.1\nplain IN A 10.8.0.2\n";

static zone_rotation_t entry(const char *owner, const char *ip, uint8_t site, uint16_t weight)
{
	zone_rotation_t e = {.owner = ldns_dname_new_frm_str(owner),
	                     .type = LDNS_RR_TYPE_A,
	                     .weight = weight,
	                     .site = site,
	                     .rdata_len = 4};
	inet_pton(AF_INET, ip, e.rdata);
	return e;
}

/* w: .1 and .2 in near (weights 1 and 3 when weighted), .3 in far, .4 .. .6 in no site. */
static snapshot_t *make(bool weighted)
{
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, "example.test", soa, "t", err, sizeof(err)) < 0)
		return NULL;
	z->rotations = calloc(8, sizeof(*z->rotations));
	z->rotations[0] = (zone_rotation_t){.owner = ldns_dname_new_frm_str("w.example.test."),
	                                    .type = LDNS_RR_TYPE_A};
	z->rotations[1] = (zone_rotation_t){.owner = ldns_dname_new_frm_str("plain.example.test."),
	                                    .type = LDNS_RR_TYPE_A};
	z->rotations[2] = entry("w.example.test.", "10.9.0.1", 1, 1);
	z->rotations[3] = entry("w.example.test.", "10.9.0.2", 1, weighted ? 3 : 1);
	z->rotations[4] = entry("w.example.test.", "10.9.0.3", 2, 1);
	z->nrotations = 5;
	z->nsites = 2;
	z->site_local_only[1] = 1;
	answer_opts_t opts = {.udp_size = 1232, .sites = sites, .nsites = 2};
	snapshot_t *s = NULL;
	snapshot_build(&s, &z, 1, &opts);
	zone_data_free(z);
	return s;
}

static struct sockaddr_in peer4(const char *addr)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(5353)};
	inet_pton(AF_INET, addr, &sin.sin_addr);
	return sin;
}

/* n answers for w from peer: the firsts and whether every answer is one of want[]. */
static void count(const snapshot_t *s, const char *from, size_t n, size_t firsts[7],
                  const char *const *want, size_t nwant, bool *all_ok)
{
	struct sockaddr_in p = peer4(from);
	memset(firsts, 0, 7 * sizeof(*firsts));
	*all_ok = true;
	for (size_t i = 0; i < n; i++) {
		reply_t r;
		read_reply(ask(s, "w.example.test", 1, (struct sockaddr *)&p, 0, 0, NULL, 0, 0),
		           &r);
		unsigned first = (unsigned)atoi(r.firsts);
		firsts[first < 7 ? first : 0]++;
		bool match = false;
		for (size_t k = 0; k < nwant; k++)
			match |= strcmp(r.firsts, want[k]) == 0;
		if (!match) {
			diag("from %s: answer %s", from, r.firsts);
			*all_ok = false;
		}
	}
}

static void test_answers(void)
{
	snapshot_t *s = make(false);
	ok(s != NULL, "a zone with sites compiles");
	size_t f[7];
	bool all;
	/* near: its two first, rotating, then the four others, rotating too (4 rotations). */
	static const char *const near_want[] = {"1 2 3 4 5 6", "2 1 4 5 6 3", "1 2 5 6 3 4",
	                                        "2 1 6 3 4 5"};
	count(s, "10.1.9.9", 40, f, near_want, 4, &all);
	ok(f[1] == 20 && f[2] == 20 && all,
	   "near client: .1 and .2 first 20 times each in 40, then the others (%zu %zu)", f[1],
	   f[2]);
	/* far, local-only 1: its one replica alone. */
	static const char *const far_want[] = {"3"};
	count(s, "10.1.2.9", 10, f, far_want, 1, &all);
	ok(f[3] == 10 && all, "far client (local-only 1, one replica): .3 alone, 10 of 10");
	/* no site: plain rotation over all six. */
	static const char *const none_want[] = {"1 2 3 4 5 6", "2 3 4 5 6 1", "3 4 5 6 1 2",
	                                        "4 5 6 1 2 3", "5 6 1 2 3 4", "6 1 2 3 4 5"};
	count(s, "192.0.2.1", 60, f, none_want, 6, &all);
	ok(f[1] == 10 && f[2] == 10 && f[3] == 10 && f[4] == 10 && f[5] == 10 && f[6] == 10 && all,
	   "client in no site: plain rotation, each first 10 times in 60");
	/* Interleaved: each site keeps its own counter, so its sequence stays exact. */
	struct sockaddr_in near = peer4("10.1.9.9"), other = peer4("192.0.2.1");
	size_t near_first[7] = {0};
	for (int i = 0; i < 20; i++) {
		reply_t r;
		read_reply(ask(s, "w.example.test", 1, (struct sockaddr *)&near, 0, 0, NULL, 0, 0),
		           &r);
		near_first[atoi(r.firsts) % 7]++;
		for (int k = 0; k < i % 3; k++)
			ask(s, "w.example.test", 1, (struct sockaddr *)&other, 0, 0, NULL, 0, 0);
	}
	ok(near_first[1] == 10 && near_first[2] == 10,
	   "near's answers alternate exactly while others ask between them (10 and 10)");
	/* A name without sites is the same for everyone, and no ECS scope. */
	reply_t r;
	uint8_t sub[3] = {10, 1, 9};
	read_reply(ask(s, "plain.example.test", 1, NULL, ECS_FAMILY_IPV4, 24, sub, 3, 0), &r);
	ok(r.rcode == 0 && r.ecs && r.ecs_scope == 0 && r.ecs_source == 24 && r.ecs_family == 1 &&
	       r.ecs_len == 3 && memcmp(r.ecs_addr, sub, 3) == 0,
	   "a name not answered per site: ECS echoed with scope 0 (RFC 7871 7.2.1)");
	/* ECS decides over the source address. */
	struct sockaddr_in from_far = peer4("10.1.2.9");
	read_reply(ask(s, "w.example.test", 1, (struct sockaddr *)&from_far, ECS_FAMILY_IPV4, 24,
	               sub, 3, 0),
	           &r);
	ok(r.rcode == 0 && (strncmp(r.firsts, "1 2 ", 4) == 0 || strncmp(r.firsts, "2 1 ", 4) == 0),
	   "ECS 10.1.9.0/24 from a far resolver: near's answer (%s)", r.firsts);
	ok(r.ecs && r.ecs_scope == 21 && r.ecs_source == 24,
	   "and ECS echoed with scope 21 (10.1.8.0/21 is all near; got %u)", r.ecs_scope);
	uint8_t far_sub[3] = {10, 1, 2};
	read_reply(ask(s, "w.example.test", 1, NULL, ECS_FAMILY_IPV4, 24, far_sub, 3, 0), &r);
	ok(strcmp(r.firsts, "3") == 0 && r.ecs_scope == 24,
	   "ECS 10.1.2.0/24: far's answer, scope 24");
	read_reply(
	    ask(s, "w.example.test", 1, (struct sockaddr *)&near, ECS_FAMILY_IPV4, 0, NULL, 0, 0),
	    &r);
	ok(r.ecs && r.ecs_scope == 0 && strlen(r.firsts) == 11,
	   "ECS source 0 from a near resolver: the answer for no site, scope 0 (%s)", r.firsts);
	/* Malformed ECS options: FORMERR without ECS (RFC 7871 7.2.1, 6). */
	static const struct {
		unsigned family, source, len;
		uint8_t addr[4];
		const char *what;
	} bad[] = {
	    {3, 8, 1, {10}, "FAMILY 3"},
	    {1, 33, 4, {10, 1, 2, 3}, "SOURCE 33 for IPv4"},
	    {1, 24, 4, {10, 1, 2, 0}, "four octets for a /24"},
	    {1, 24, 2, {10, 1}, "two octets for a /24"},
	    {1, 23, 3, {10, 1, 3}, "a bit set past /23"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		read_reply(ask(s, "w.example.test", 1, NULL, bad[i].family, bad[i].source,
		               bad[i].addr, bad[i].len, 0),
		           &r);
		ok(r.rcode == LDNS_RCODE_FORMERR && !r.ecs, "ECS with %s: FORMERR, no ECS echoed",
		   bad[i].what);
	}
	uint8_t v6[7] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0};
	read_reply(ask(s, "w.example.test", 1, NULL, ECS_FAMILY_IPV6, 56, v6, 7, 0), &r);
	ok(r.rcode == 0 && r.ecs && r.ecs_family == 2 && r.ecs_source == 56 && r.ecs_scope == 48 &&
	       r.ecs_len == 7,
	   "ECS 2001:db8:1::/56: near, echoed with scope 48");
	snapshot_free(s);

	/* Weighted within the site: .2 (weight 3) first three times as often as .1. */
	s = make(true);
	count(s, "10.1.9.9", 40, f, near_want, 4, &all);
	ok(f[1] == 10 && f[2] == 30 && all, "near, weights 1 and 3: first 10 and 30 times in 40");
	snapshot_free(s);
}

/* ---- The registry: which site each replica's engine is in. ---- */

typedef struct fake {
	engine_container_t c;
	engine_label_t labels[1];
	engine_network_t net;
	char id[16], name[24], ip[24];
} fake_t;

static void fake_init(fake_t *f, int i)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "id%02d", i);
	snprintf(f->name, sizeof(f->name), "web-%d", i);
	snprintf(f->ip, sizeof(f->ip), "10.9.0.%d", i + 1);
	f->labels[0] = (engine_label_t){"fleetdns.service", "web"};
	f->net = (engine_network_t){"bridge", f->ip, ""};
	f->c = (engine_container_t){.id = f->id,
	                            .name = f->name,
	                            .running = true,
	                            .health = HEALTH_NONE,
	                            .labels = f->labels,
	                            .nlabels = 1,
	                            .networks = &f->net,
	                            .nnetworks = 1};
}

static void test_registry(void)
{
	conf_fleet_t fleet = {.ttl = 5};
	registry_t *r = registry_new(&fleet);
	conf_engine_t engines[4] = {{.name = "n1", .url = "unix:///1", .timeout_ms = 1000},
	                            {.name = "n2", .url = "unix:///2", .timeout_ms = 1000},
	                            {.name = "n3", .url = "unix:///3", .timeout_ms = 1000},
	                            {.name = "n4", .url = "unix:///4", .timeout_ms = 1000}};
	fake_t f[4];
	for (int i = 0; i < 4; i++) {
		fake_init(&f[i], i);
		const engine_container_t *one = &f[i].c;
		registry_engine_sync(r, &engines[i], &one, 1);
	}
	ok(registry_set_sites(r, sites, 2) == 0, "the registry takes the sites");
	bool all = false;
	const size_t *ids;
	registry_changed(r, &ids, &all);
	ok(all, "new sites: every service renders anew");
	registry_changes_clear(r);
	ok(registry_set_sites(r, sites, 2) == 0, "the same sites again");
	registry_changed(r, &ids, &all);
	ok(!all, "the same sites: nothing to render");
	zone_data_t *z = NULL;
	char err[256];
	zone_load_text(&z, "fleet.test",
	               "$TTL 60\n@ IN SOA ns h 1 60 10 3600 5\n@ IN NS ns\n"
	               "ns IN A 192.0.2.53\n",
	               "base", err, sizeof(err));
	registry_render(r, z, z->apex);
	char got[128] = "";
	for (size_t i = 0; i < z->nrotations; i++) {
		const zone_rotation_t *e = &z->rotations[i];
		if (!e->rdata_len)
			continue;
		size_t at = strlen(got);
		snprintf(got + at, sizeof(got) - at, "%u:%u ", e->rdata[3], e->site);
	}
	is_str(got, "1:1 2:1 3:2 4:0 ", "each address's site: n1 and n2 near, n3 far, n4 none");
	ok(z->nsites == 2 && z->site_local_only[0] == 0 && z->site_local_only[1] == 1,
	   "the zone says two sites, far's local-only 1");
	snapshot_t *s = NULL;
	answer_opts_t opts = {.udp_size = 1232, .sites = sites, .nsites = 2};
	snapshot_build(&s, &z, 1, &opts);
	struct sockaddr_in far = peer4("10.3.0.1");
	reply_t rep;
	read_reply(ask(s, "web.fleet.test", 1, (struct sockaddr *)&far, 0, 0, NULL, 0, 0), &rep);
	is_str(rep.firsts, "3", "a far client gets web's far replica alone");
	snapshot_free(s);
	zone_data_free(z);
	registry_free(r);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	sites_init();
	test_conf();
	test_lookup();
	test_answers();
	test_registry();
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/sites.conf", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
