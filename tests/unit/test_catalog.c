/* SPDX-License-Identifier: MIT */
/* test_catalog.c -- catalog zones (RFC 9432, issue 14): the catalog: and catalog-member: keys
 * (src/conf/zones.c) with every refusal's exact FILE:LINE:COLUMN message; the records
 * zone_make_catalog() makes (src/zone/catalog.c), exactly; member labels that stay the same
 * across loads, processes and member sets (checked against BLAKE2b vectors computed outside
 * fleetdns); and what daemon_load() serves (src/daemon/load.c): which zones are members, the
 * serial rules, the digest that decides whether a reload republishes, and the fleet zone
 * that is never the catalog. Files go to a mkdtemp folder. */
#include "config.h"

#include "daemon/load.h"
#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "fleetdns/query.h"
#include "zone/catalog.h"
#include "../lib/dnsmsg.h"
#include "tap.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[256], path[PATH_MAX], err[1024];

/* BLAKE2b-128 of the lowercased wire name, computed with Python's hashlib.blake2b
 * (digest_size=16): the labels are fleetdns's own choice, but fixed forever once published. */
#define ID_A     "b173aedf3d17dc1015f3b368443eba4a" /* a.test. */
#define ID_B     "4a1cd361b980c1efccc49b6dc654f72a" /* b.test. */
#define ID_REV10 "ad0d04967a0279c1e4b8958e70808561" /* 10.in-addr.arpa. */
#define ID_EXCOM "06eeca06e1d7a34d3690fa6a4ec7e044" /* example.com. */
#define ID_FLEET "c6a65452071d0fc5c344c435fbb7a2bb" /* fleet.test. */
#define ID_GEN   "84ef0ec615e7d57b447bc9075aaaf294" /* gen.test. */
#define ID_REV17 "024822cbc38e435e38ee052a74b2a1d1" /* 17.172.in-addr.arpa. */
#define ID_HIDE  "84bdaf2ef9b8a1ffe65c1ef27da579ef" /* hidden.test. */

static void write_file(const char *p, const char *text)
{
	FILE *fp = fopen(p, "w");
	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(p);
		exit(2);
	}
}

static int build(const char *yaml, conf_t *c, char **zones, size_t nzones)
{
	conf_cmdline_t cl = {.conf_path = path, .zones = zones, .nzones = nzones};
	write_file(path, yaml);
	err[0] = '\0';
	return conf_build(c, &cl, err, sizeof(err));
}

/* --- the configuration ----------------------------------------------------------------- */

static void test_accepted(void)
{
	conf_t c;
	int rc = build("keys: [{name: xfr, algorithm: hmac-sha256, secret: "
	               "\"ZmxlZXRkbnMgdGVzdCBrZXkgZm9yIHRzaWcgMjU2IQ==\"}]\n"
	               "zones:\n"
	               "  - name: a.test\n"
	               "    allow-transfer: [127.0.0.1]\n"
	               "  - name: Cat.Test.\n"
	               "    catalog: true\n"
	               "    soa: {rname: hostmaster.example.com, refresh: 120, expire: 7200}\n"
	               "    ns: ~\n"
	               "    allow-transfer: [{address: 127.0.0.0/8, key: xfr}]\n"
	               "    notify: [\"127.0.0.2:5300\"]\n"
	               "  - name: hidden.test\n"
	               "    catalog-member: false\n"
	               "  - {name: plain.test, catalog: false, catalog-member: true}\n",
	               &c, NULL, 0);
	if (!is_int(rc, 0, "config: a catalog zone with soa, allow-transfer and notify"))
		diag("%s", err);
	if (rc != 0)
		return;
	ok(!c.zones[0].catalog && !c.zones[0].catalog_excluded, "config: a zone saying nothing is "
	                                                        "a member, not the catalog");
	ok(c.zones[1].catalog && !c.zones[1].catalog_excluded && c.zones[1].file == NULL,
	   "config: catalog: true");
	ok(c.zones[1].gen.refresh == 120 && c.zones[1].gen.retry == 10 &&
	       c.zones[1].gen.expire == 7200 && c.zones[1].gen.minimum == 5 &&
	       !c.zones[1].gen.mname && c.zones[1].gen.rname &&
	       strcmp(c.zones[1].gen.rname, "hostmaster.example.com.") == 0,
	   "config: the catalog's soa: as given, defaults elsewhere");
	ok(c.zones[1].nallow_transfer == 1 && c.zones[1].nnotify == 1,
	   "config: the catalog's allow-transfer and notify, as for any zone");
	ok(!c.zones[2].catalog && c.zones[2].catalog_excluded, "config: catalog-member: false");
	ok(!c.zones[3].catalog && !c.zones[3].catalog_excluded,
	   "config: catalog: false, catalog-member: true (the defaults written out)");
	conf_free(&c);

	/* --zone ORIGIN for the catalog keeps it (as it keeps soa and ns). */
	char *zones[] = {"cat.test"};
	rc = build("zones: [{name: cat.test, catalog: true}]\n", &c, zones, 1);
	ok(rc == 0 && c.nzones == 1 && c.zones[0].catalog,
	   "config: --zone ORIGIN naming the catalog zone keeps it the catalog");
	conf_free(&c);
}

static const struct {
	const char *yaml; /* after "zones:\n  - name: cat.test\n" */
	const char *want; /* after "PATH:" */
} bad[] = {
    {"    catalog: true\n    file: c.zone\n",
     "3:5: 'catalog' is only for a zone without 'file' (fleetdns makes the catalog's records "
     "from the zones it serves)"},
    {"    file: c.zone\n    catalog: true\n",
     "4:5: 'catalog' is only for a zone without 'file' (fleetdns makes the catalog's records "
     "from the zones it serves)"},
    {"    catalog: true\n    ns: [ns1.example.com]\n",
     "4:5: 'ns' is not for a catalog zone: its one NS record is 'invalid.' (RFC 9432 4)"},
    {"    catalog: true\n    catalog-member: false\n",
     "4:5: 'catalog-member' is not for a catalog zone: it is never a member of itself"},
    {"    catalog: true\n  - name: a.test\n  - name: Cat2.Test\n    catalog: true\n",
     "6:5: a second catalog zone, 'Cat2.Test' (the first is 'cat.test', line 2): fleetdns "
     "publishes one catalog zone"},
    {"    catalog: yes\n", "3:14: 'catalog' must be true or false (got 'yes')"},
    {"    catalog: [true]\n", "3:14: 'catalog' must be true or false (got a list)"},
    {"    catalog-member: 0\n", "3:21: 'catalog-member' must be true or false (got '0')"},
    {"    catalgo: true\n", "3:5: unknown key 'catalgo' in zone (did you mean 'catalog'?)"},
    {"    catalog-members: false\n",
     "3:5: unknown key 'catalog-members' in zone (did you mean 'catalog-member'?)"},
    {"    catalog: true\n  - name: Cat.TEST.\n    catalog: true\n",
     "4:11: duplicate zone 'Cat.TEST.' (first at line 2)"},
};

static void test_refused(void)
{
	char yaml[1024], want[PATH_MAX + 512];
	conf_t c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "zones:\n  - name: cat.test\n%s", bad[i].yaml);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].want);
		int rc = build(yaml, &c, NULL, 0);
		is_int(rc, FDNS_EINVAL, "refused: %s", bad[i].want);
		is_str(err, want, "refused: ... message");
		conf_free(&c);
	}
	char *zones[] = {"cat.test=c.zone"};
	int rc = build("zones:\n  - name: cat.test\n    catalog: true\n", &c, zones, 1);
	is_int(rc, FDNS_EINVAL, "refused: --zone ORIGIN=FILE for the catalog zone");
	is_str(err,
	       "--zone 'cat.test=c.zone': zone 'cat.test' is the catalog zone (line 2), which has "
	       "no file",
	       "refused: ... message");
	conf_free(&c);
}

/* --- the records ----------------------------------------------------------------------- */

/* The records of z, one per line as ldns prints them, tabs made spaces. malloc'ed. */
static char *records(const zone_data_t *z)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	for (size_t i = 0; z && i < ldns_rr_list_rr_count(z->rrs); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(z->rrs, i));
		for (char *ch = s; ch && *ch; ch++)
			if (*ch == '\t')
				*ch = ' ';
		fputs(s ? s : "?\n", fp);
		free(s);
	}
	fclose(fp);
	return out;
}

static void test_records(void)
{
	const char *members[] = {"b.test", "Example.COM", "a.test.", "10.in-addr.arpa", "B.Test."};
	zone_data_t *z = NULL;
	int rc = zone_make_catalog(&z, "Cat.Test", NULL, members, 5, 1234, err, sizeof(err));
	if (!is_int(rc, 0, "records: the catalog of five names (one given twice) is made"))
		diag("%s", err);
	char *got = records(z);
	is_str(got,
	       "cat.test. 5 IN SOA invalid. invalid. 1234 60 10 3600 5\n"
	       "cat.test. 0 IN NS invalid.\n"
	       "version.cat.test. 0 IN TXT \"2\"\n" ID_REV10 ".zones.cat.test. 0 IN PTR "
	       "10.in-addr.arpa.\n" ID_EXCOM ".zones.cat.test. 0 IN PTR example.com.\n" ID_A
	       ".zones.cat.test. 0 IN PTR a.test.\n" ID_B ".zones.cat.test. 0 IN PTR b.test.\n",
	       "records: SOA (invalid. invalid., the serial given, the default timers), NS "
	       "invalid., version TXT \"2\" (RFC 9432 4, 4.2.1), one PTR per member at "
	       "<id>.zones, lower case, sorted as DNS names, each once (RFC 9432 4.1)");
	ok(z && z->serial == 1234, "records: the zone's serial is the one given");
	free(got);
	zone_data_free(z);

	conf_zone_gen_t gen = {.mname = "ns1.example.com.",
	                       .rname = "hostmaster.example.com.",
	                       .refresh = 3600,
	                       .retry = 600,
	                       .expire = 604800,
	                       .minimum = 0};
	rc = zone_make_catalog(&z, "cat.test.", &gen, NULL, 0, 4294967295u, err, sizeof(err));
	got = rc == 0 ? records(z) : NULL;
	is_str(got,
	       "cat.test. 0 IN SOA ns1.example.com. hostmaster.example.com. 4294967295 3600 600 "
	       "604800 0\n"
	       "cat.test. 0 IN NS invalid.\n"
	       "version.cat.test. 0 IN TXT \"2\"\n",
	       "records: no member: SOA from soa:, NS and version only");
	free(got);
	zone_data_free(z);

	const char *broken[] = {"a.test", "a..test"};
	rc = zone_make_catalog(&z, "cat.test", NULL, broken, 2, 1, err, sizeof(err));
	ok(rc == FDNS_EINVAL && z == NULL, "records: an invalid member name: FDNS_EINVAL, no zone");
	is_str(err, "(catalog zone cat.test): invalid member zone name 'a..test'",
	       "records: ... and says which");
}

static void test_labels(void)
{
	static const struct {
		const char *name, *id;
	} vec[] = {
	    {"a.test.", ID_A},
	    {"A.TEST", ID_A},
	    {"b.test", ID_B},
	    {"example.com", ID_EXCOM},
	    {"10.IN-ADDR.ARPA.", ID_REV10},
	    {"fleet.test", ID_FLEET},
	};
	char id[ZONE_CATALOG_ID_LEN + 1];

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		ldns_rdf *n = ldns_dname_new_frm_str(vec[i].name);
		memset(id, 'x', sizeof(id));
		zone_catalog_id(n, id);
		is_str(id, vec[i].id, "labels: %s: BLAKE2b-128 of its lowercased wire name, in hex",
		       vec[i].name);
		ldns_rdf_deep_free(n);
	}

	/* A member keeps its label whatever else is in the catalog. */
	const char *one[] = {"a.test"}, *three[] = {"zzz.test", "a.test", "0.test"};
	zone_data_t *x = NULL, *y = NULL;
	zone_make_catalog(&x, "cat.test", NULL, one, 1, 1, err, sizeof(err));
	zone_make_catalog(&y, "cat.test", NULL, three, 3, 2, err, sizeof(err));
	char *gx = records(x), *gy = records(y);
	const char *line = ID_A ".zones.cat.test. 0 IN PTR a.test.\n";
	ok(gx && gy && strstr(gx, line) && strstr(gy, line),
	   "labels: a.test has the same label alone and among others (no RFC 9432 5.4 rename)");
	free(gx);
	free(gy);
	zone_data_free(x);
	zone_data_free(y);
}

/* --- what daemon_load serves ------------------------------------------------------------ */

/* daemon_load of the config file as it is, stderr in *log (malloc'ed, or NULL). */
static int load(const char *yaml, loaded_t *l, char **log)
{
	char logpath[PATH_MAX];
	write_file(path, yaml);
	snprintf(logpath, sizeof(logpath), "%s/stderr", dir);
	fflush(stderr);
	int saved = dup(2), fd = open(logpath, O_CREAT | O_TRUNC | O_RDWR, 0600);
	dup2(fd, 2);
	conf_cmdline_t cl = {.conf_path = path};
	err[0] = '\0';
	int rc = daemon_load(l, &cl, err, sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	off_t size = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)size + 1);
	if (text && pread(fd, text, (size_t)size, 0) < 0)
		text[0] = '\0';
	close(fd);
	if (log)
		*log = text;
	else
		free(text);
	return rc;
}

/* The answer section of name/type from snap as "RCODE AA|-- record; record; ...". */
static const char *ask(const snapshot_t *snap, const char *name, uint16_t type)
{
	static char out[2048];
	msgbuf_t m;
	uint8_t resp[4096];
	query_t q;
	ldns_pkt *pkt = NULL;

	mb_header(&m, 0x4242, 0, 1, 0, 0, 0);
	mb_question(&m, name, type, 1);
	enum query_verdict v = query_parse(&q, m.b, m.len);
	size_t n = answer_respond(snap, &q, v, resp, sizeof(resp));
	if (n == 0 || ldns_wire2pkt(&pkt, resp, n) != LDNS_STATUS_OK)
		return "no response";
	char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
	snprintf(out, sizeof(out), "%s %s", rcode ? rcode : "?", ldns_pkt_aa(pkt) ? "aa" : "--");
	free(rcode);
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(an, i));
		for (char *ch = s; ch && *ch; ch++)
			if (*ch == '\t' || *ch == '\n')
				*ch = ' ';
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s %s", i ? ";" : "", s ? s : "?");
		len = strlen(out);
		while (len > 0 && out[len - 1] == ' ')
			out[--len] = '\0';
		free(s);
	}
	ldns_pkt_free(pkt);
	return out;
}

static size_t zone_index(const conf_t *c, const char *name)
{
	for (size_t i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return i;
	return c->nzones;
}

static uint32_t catalog_serial(const loaded_t *l)
{
	uint32_t serial = 0;
	if (snapshot_zone_serial(l->snap, "cat.test", &serial) != 0)
		return 0;
	return serial;
}

#define A_ZONE "$TTL 60\n@ SOA ns hm 7 60 10 3600 5\n@ NS ns\nns A 192.0.2.1\n"

/* The catalog listed first, a file zone, generated zones, the fleet zone and a reverse zone
 * of the fleet, one zone left out; an engine (never started) so that there is a fleet. */
#define SERVED                                                                                     \
	"engines: [{name: e1, url: 'unix:///nonexistent/docker.sock'}]\n"                          \
	"fleet: {reverse-zones: [17.172.in-addr.arpa]}\n"                                          \
	"zones:\n"                                                                                 \
	"  - {name: cat.test, catalog: true, allow-transfer: [127.0.0.1]}\n"                       \
	"  - {name: fleet.test, allow-transfer: [127.0.0.1]}\n"                                    \
	"  - {name: a.test, file: a.zone, allow-transfer: [127.0.0.1]}\n"                          \
	"  - {name: 17.172.in-addr.arpa, allow-transfer: [127.0.0.1]}\n"                           \
	"  - {name: hidden.test, catalog-member: false}\n"

static void test_served(void)
{
	char zonefile[PATH_MAX];
	loaded_t l;
	char *log = NULL;
	snprintf(zonefile, sizeof(zonefile), "%s/a.zone", dir);
	write_file(zonefile, A_ZONE);
	uint32_t before = (uint32_t)time(NULL);
	int rc = load(SERVED "  - {name: gen.test}\n", &l, &log);
	if (!is_int(rc, 0, "served: loads"))
		diag("%s", err);
	if (rc != 0) {
		free(log);
		return;
	}
	char fleet[64] = "";
	char *fa = l.fleet_apex ? ldns_rdf2str(l.fleet_apex) : NULL;
	snprintf(fleet, sizeof(fleet), "%s", fa ? fa : "(none)");
	free(fa);
	is_str(fleet, "fleet.test.",
	       "served: without fleet.zone, the fleet zone is the first zone but the catalog");

	static const struct {
		const char *id, *member;
	} members[] = {
	    {ID_FLEET, "fleet.test."},
	    {ID_A, "a.test."},
	    {ID_REV17, "17.172.in-addr.arpa."},
	    {ID_GEN, "gen.test."},
	};
	char name[256], want[512];
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		snprintf(name, sizeof(name), "%s.zones.cat.test", members[i].id);
		snprintf(want, sizeof(want), "NOERROR aa %s. 0 IN PTR %s", name, members[i].member);
		is_str(ask(l.snap, name, LDNS_RR_TYPE_PTR), want,
		       "served: member %s (RFC 9432 4.1)", members[i].member);
	}
	is_str(ask(l.snap, ID_HIDE ".zones.cat.test", LDNS_RR_TYPE_PTR), "NXDOMAIN aa",
	       "served: catalog-member: false leaves hidden.test out");
	is_str(ask(l.snap, "version.cat.test", LDNS_RR_TYPE_TXT),
	       "NOERROR aa version.cat.test. 0 IN TXT \"2\"",
	       "served: version TXT \"2\" (RFC 9432 4.2.1)");
	is_str(ask(l.snap, "cat.test", LDNS_RR_TYPE_NS), "NOERROR aa cat.test. 0 IN NS invalid.",
	       "served: NS invalid. (RFC 9432 4)");
	uint32_t s1 = catalog_serial(&l), after = (uint32_t)time(NULL);
	ok(s1 >= before && s1 <= after + 1, "served: the serial is the time of the load (%u)", s1);
	const char *warn = log ? strstr(log, "warning: catalog zone cat.test: ") : NULL;
	is_str(warn,
	       "warning: catalog zone cat.test: 1 of its 4 member zones has no allow-transfer "
	       "(gen.test): secondaries that learn it from the catalog cannot transfer it\n",
	       "served: a member nobody may transfer is listed, with a warning");
	free(log);

	/* The serial rules: the same load again is the same zones (nothing republished),
	 * whatever the serial; any change to the members is a new serial, above the last one
	 * even within the same second. */
	loaded_t m;
	uint32_t last = s1;
	static const struct {
		const char *extra, *what;
		bool catalog_same, zones_same;
	} steps[] = {
	    {"  - {name: gen.test}\n", "the same configuration", true, true},
	    {"  - {name: gen.test, catalog-member: false}\n", "a member left out", false, false},
	    {"  - {name: gen.test}\n  - {name: 10.in-addr.arpa}\n", "a zone added", false, false},
	    {"", "a zone removed", false, false},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char yaml[2048];
		snprintf(yaml, sizeof(yaml), "%s%s", SERVED, steps[i].extra);
		if (load(yaml, &m, NULL) != 0) {
			ok(false, "serial: %s: loads", steps[i].what);
			diag("%s", err);
			continue;
		}
		size_t a = zone_index(&l.conf, "cat.test"), b = zone_index(&m.conf, "cat.test");
		bool same = memcmp(&l.digests[a], &m.digests[b], sizeof(l.digests[a])) == 0;
		uint32_t s = catalog_serial(&m);
		is_int(same, steps[i].catalog_same, "serial: %s: the catalog's digest %s",
		       steps[i].what, steps[i].catalog_same ? "is the same" : "changed");
		is_int(daemon_zones_same(&l, &m), steps[i].zones_same, "serial: %s: %s",
		       steps[i].what,
		       steps[i].zones_same ? "nothing to republish, the serial served stays"
		                           : "republished");
		ok((int32_t)(s - last) > 0,
		   "serial: %s: each load's serial is above the last (%u > %u)", steps[i].what, s,
		   last);
		last = s;
		daemon_loaded_free(&m);
	}

	/* A member's own data changing is no change of the catalog's records. */
	write_file(zonefile, A_ZONE "www A 192.0.2.80\n");
	if (load(SERVED "  - {name: gen.test}\n", &m, NULL) == 0) {
		size_t a = zone_index(&l.conf, "cat.test"), b = zone_index(&m.conf, "cat.test");
		ok(memcmp(&l.digests[a], &m.digests[b], sizeof(l.digests[a])) == 0 &&
		       !daemon_zones_same(&l, &m),
		   "serial: a member's file changed: the catalog's records are the same (the zones "
		   "are compiled again)");
		daemon_loaded_free(&m);
	} else {
		ok(false, "serial: a member's file changed: loads");
	}
	write_file(zonefile, A_ZONE);
	daemon_loaded_free(&l);
}

static void test_fleet_refused(void)
{
	loaded_t l;
	char want[PATH_MAX + 256];
	int rc = load("engines: [{name: e1, url: 'unix:///nonexistent/docker.sock'}]\n"
	              "fleet: {zone: Cat.Test}\n"
	              "zones: [{name: a.test}, {name: cat.test, catalog: true}]\n",
	              &l, NULL);
	snprintf(want, sizeof(want),
	         "%s: fleet zone 'cat.test' is the catalog zone, whose records fleetdns makes from "
	         "the other zones' names: name another zone in fleet.zone",
	         path);
	is_int(rc, FDNS_EINVAL, "fleet: fleet.zone naming the catalog zone is refused");
	is_str(err, want, "fleet: ... message");
	if (rc == 0)
		daemon_loaded_free(&l);

	rc = load("fleet: {reverse-zones: [10.in-addr.arpa]}\n"
	          "zones: [{name: a.test}, {name: 10.in-addr.arpa, catalog: true}]\n",
	          &l, NULL);
	snprintf(want, sizeof(want),
	         "%s: reverse zone '10.in-addr.arpa' is the catalog zone, whose records fleetdns "
	         "makes from the other zones' names",
	         path);
	is_int(rc, FDNS_EINVAL, "fleet: a reverse zone that is the catalog zone is refused");
	is_str(err, want, "fleet: ... message");
	if (rc == 0)
		daemon_loaded_free(&l);

	rc = load("engines: [{name: e1, url: 'unix:///nonexistent/docker.sock'}]\n"
	          "zones: [{name: cat.test, catalog: true}]\n",
	          &l, NULL);
	ok(rc == 0 && !l.fleet && l.fleet_apex == NULL,
	   "fleet: with the catalog as the only zone there is no fleet zone");
	is_str(rc == 0 ? ask(l.snap, "cat.test", LDNS_RR_TYPE_NS) : err,
	       "NOERROR aa cat.test. 0 IN NS invalid.",
	       "fleet: ... and the empty catalog is served");
	if (rc == 0)
		daemon_loaded_free(&l);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_catalog.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fleetdns.conf", dir);
	test_accepted();
	test_refused();
	test_records();
	test_labels();
	test_served();
	test_fleet_refused();
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
