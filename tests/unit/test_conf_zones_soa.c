/* SPDX-License-Identifier: MIT */
/* test_conf_zones_soa.c -- a zone's soa: and ns: (src/conf/zones.c) and what daemon_load()
 * makes of them (src/daemon/load.c): the values kept, every refused value with its exact
 * FILE:LINE:COLUMN message, the default name server's address from the listen addresses,
 * the zone digest that decides whether a reload republishes, and the config line that names
 * a zone file that is missing. Files go to a mkdtemp folder. */
#include "config.h"

#include "daemon/load.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "tap.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[256], path[PATH_MAX], err[1024];

static void write_conf(const char *yaml)
{
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

static int build(const char *yaml, conf_t *c)
{
	conf_cmdline_t cl = {.conf_path = path};
	write_conf(yaml);
	err[0] = '\0';
	return conf_build(c, &cl, err, sizeof(err));
}

static void test_accepted(void)
{
	conf_t c;
	int rc =
	    build("zones:\n"
	          "  - name: fleet.example.com\n"
	          "    soa: { mname: NS1.Example.COM, rname: hostmaster.example.com., refresh: "
	          "3600, retry: 600, expire: 604800, minimum: 5 }\n"
	          "    ns:\n"
	          "      - ns1.example.com\n"
	          "      - { name: ns1.fleet.example.com, addresses: [192.0.2.53, "
	          "\"2001:DB8:0::53\"] }\n"
	          "  - name: plain.test\n"
	          "  - name: some.test\n"
	          "    soa: {minimum: 30}\n"
	          "    ns: []\n"
	          "  - name: null.test\n"
	          "    soa: ~\n"
	          "    ns:\n",
	          &c);
	if (!is_int(rc, 0, "accepted: the example of docs/configuration.md"))
		diag("%s", err);
	if (rc != 0)
		return;
	const conf_zone_gen_t *g = &c.zones[0].gen;
	is_str(g->mname, "ns1.example.com.", "accepted: mname, absolute and lower case");
	is_str(g->rname, "hostmaster.example.com.", "accepted: rname");
	ok(g->refresh == 3600 && g->retry == 600 && g->expire == 604800 && g->minimum == 5,
	   "accepted: refresh, retry, expire, minimum");
	is_int((long long)g->nns, 2, "accepted: two name servers");
	if (g->nns == 2) {
		is_str(g->ns[0].name, "ns1.example.com.", "accepted: an NS out of the zone");
		is_int((long long)g->ns[0].naddresses, 0, "accepted: ... without addresses");
		is_str(g->ns[1].name, "ns1.fleet.example.com.", "accepted: an NS in the zone");
		ok(g->ns[1].naddresses == 2 && strcmp(g->ns[1].addresses[0], "192.0.2.53") == 0 &&
		       strcmp(g->ns[1].addresses[1], "2001:db8::53") == 0,
		   "accepted: ... with its addresses, IPv6 in canonical form");
	}
	for (size_t i = 1; i < 4; i++) {
		g = &c.zones[i].gen;
		ok(!g->mname && !g->rname && g->nns == 0 && g->refresh == 60 && g->retry == 10 &&
		       g->expire == 3600 && g->minimum == (i == 2 ? 30 : 5),
		   "accepted: %s: the defaults (%s)", c.zones[i].name,
		   i == 1   ? "no soa, no ns"
		   : i == 2 ? "minimum given, ns: []"
		            : "soa: ~, ns: with nothing");
	}
	conf_free(&c);

	/* --zone ORIGIN=FILE replaces the entry: the file has its own SOA and NS. */
	conf_cmdline_t cl = {.conf_path = path};
	char *zones[] = {"a.test=a.zone", "b.test"};
	cl.zones = zones;
	cl.nzones = 2;
	write_conf("zones:\n"
	           "  - {name: a.test, soa: {minimum: 30}, ns: [ns.example.com]}\n"
	           "  - {name: b.test, soa: {minimum: 40}, ns: [ns.example.com]}\n");
	rc = conf_build(&c, &cl, err, sizeof(err));
	ok(rc == 0 && c.zones[0].gen.nns == 0 && c.zones[0].gen.minimum == 5 &&
	       c.zones[0].file_line == 0,
	   "--zone ORIGIN=FILE drops the entry's soa and ns");
	ok(rc == 0 && c.zones[1].gen.nns == 1 && c.zones[1].gen.minimum == 40,
	   "--zone ORIGIN keeps them");
	conf_free(&c);
}

static const struct {
	const char *yaml; /* after "zones:\n  - name: a.test\n" */
	const char *want; /* after "PATH:" */
} bad[] = {
    {"    file: a.zone\n    soa: {minimum: 5}\n",
     "4:5: 'soa' is only for a zone without 'file' (the file has its own SOA record)"},
    {"    ns: [ns1.example.com]\n    file: a.zone\n",
     "3:5: 'ns' is only for a zone without 'file' (the file has its own NS records)"},
    {"    soa: 5\n", "3:10: 'soa' must be a mapping (got '5')"},
    {"    soa: {serial: 1}\n", "3:11: unknown key 'serial' in soa"},
    {"    soa: {mname: ns_1.example.com}\n",
     "3:18: 'mname' must be a host name (letters, digits and hyphens in dot-separated labels) "
     "(got 'ns_1.example.com')"},
    {"    soa: {mname: .}\n",
     "3:18: 'mname' must be a host name (letters, digits and hyphens in dot-separated labels) "
     "(got '.')"},
    {"    soa: {mname: -ns.example.com}\n",
     "3:18: 'mname' must be a host name (letters, digits and hyphens in dot-separated labels) "
     "(got '-ns.example.com')"},
    {"    soa: {mname: ns..example.com}\n",
     "3:18: 'mname' must be a host name (letters, digits and hyphens in dot-separated labels) "
     "(got 'ns..example.com')"},
    {"    soa: {mname: [a]}\n",
     "3:18: 'mname' must be a host name (letters, digits and hyphens in dot-separated labels) "
     "(got a list)"},
    {"    soa: {rname: john.doe@example.com}\n",
     "3:18: 'rname' is a mailbox written as a domain name: 'john\\.doe.example.com', not "
     "'john.doe@example.com'"},
    {"    soa: {rname: a..b}\n", "3:18: invalid rname 'a..b'"},
    {"    soa: {refresh: 0}\n", "3:20: 'refresh' must be between 1 and 2147483647 (got 0)"},
    {"    soa: {retry: 2147483648}\n",
     "3:18: 'retry' must be between 1 and 2147483647 (got 2147483648)"},
    {"    soa: {expire: -1}\n", "3:19: 'expire' must be an integer (got '-1')"},
    {"    soa: {minimum: 86401}\n", "3:20: 'minimum' must be between 0 and 86400 (got 86401)"},
    {"    soa: {retry: abc}\n", "3:18: 'retry' must be an integer (got 'abc')"},
    {"    soa: {refresh: 7200, expire: 3600}\n",
     "3:34: 'expire' (3600) must not be shorter than 'refresh' (7200): secondaries would drop "
     "the zone before they refresh it"},
    {"    soa: {refresh: 7200}\n",
     "3:20: 'expire' (3600) must not be shorter than 'refresh' (7200): secondaries would drop "
     "the zone before they refresh it"},
    {"    soa: {retry: 3601}\n",
     "3:18: 'expire' (3600) must not be shorter than 'retry' (3601): secondaries would drop "
     "the zone before they retry"},
    {"    soa: {minimum: 1, minimum: 2}\n", "3:23: duplicate key 'minimum' (first at line 3)"},
    {"    ns: ns1.example.com\n",
     "3:9: 'ns' must be a list of host names or {name, addresses} (got 'ns1.example.com')"},
    {"    ns: [ns1.a.test]\n",
     "3:10: name server 'ns1.a.test' is inside the zone: give its addresses ({name: "
     "ns1.a.test, addresses: [...]}), or it cannot be reached"},
    {"    ns: [A.TEST.]\n",
     "3:10: name server 'A.TEST.' is inside the zone: give its addresses ({name: A.TEST., "
     "addresses: [...]}), or it cannot be reached"},
    {"    ns: [{name: ns1.a.test, addresses: ~}]\n",
     "3:17: name server 'ns1.a.test' is inside the zone: give its addresses ({name: "
     "ns1.a.test, addresses: [...]}), or it cannot be reached"},
    {"    ns: [{name: ns1.example.com, addresses: [192.0.2.1]}]\n",
     "3:45: addresses are only for a name server inside the zone (glue); 'ns1.example.com' is "
     "outside 'a.test'"},
    {"    ns: [{name: ns1.a.test, addresses: [192.0.2.300]}]\n",
     "3:41: 'address' must be an IPv4 or IPv6 address (got '192.0.2.300')"},
    {"    ns: [{name: ns1.a.test, addresses: [\"fe80::1%eth0\"]}]\n",
     "3:41: 'address' must be an IPv4 or IPv6 address (got 'fe80::1%eth0')"},
    {"    ns: [{name: ns1.a.test, addresses: [0.0.0.0]}]\n",
     "3:41: '0.0.0.0' is not the address of a host"},
    {"    ns: [{name: ns1.a.test, addresses: [\"::\"]}]\n",
     "3:41: '::' is not the address of a host"},
    {"    ns: [{name: ns1.a.test, addresses: [224.0.0.1]}]\n",
     "3:41: '224.0.0.1' is not the address of a host"},
    {"    ns: [{name: ns1.a.test, addresses: [192.0.2.1, 192.0.2.1]}]\n",
     "3:52: duplicate address '192.0.2.1' of 'ns1.a.test'"},
    {"    ns: [{name: ns1.a.test, addresses: 192.0.2.1}]\n",
     "3:40: 'addresses' must be a list (got '192.0.2.1')"},
    {"    ns: [ns1.example.com, NS1.example.com.]\n",
     "3:27: duplicate name server 'NS1.example.com.'"},
    {"    ns: [{addresses: [192.0.2.1]}]\n", "3:10: name server has no 'name'"},
    {"    ns: [{name: x.example.com, glue: 1}]\n", "3:32: unknown key 'glue' in ns"},
    {"    ns: [~]\n",
     "3:10: 'name server' must be a host name (letters, digits and hyphens in dot-separated "
     "labels) (got nothing)"},
    {"    ns: [a"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com]\n",
     "3:10: invalid name server "
     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com' (too "
     "long)"},
};

static void test_refused(void)
{
	conf_t c;
	char yaml[1024], want[PATH_MAX + 512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "zones:\n  - name: a.test\n%s", bad[i].yaml);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].want);
		int rc = build(yaml, &c);
		is_int(rc, FDNS_EINVAL, "refused: %s", bad[i].want);
		is_str(err, want, "refused: ... message");
		conf_free(&c);
	}
}

/* daemon_load of yaml with its fleet zone a.test kept whole (an engine that is never
 * started), and what it wrote to stderr in *log (malloc'ed). */
static int load(const char *yaml, loaded_t *l, char **log)
{
	char full[2048], logpath[PATH_MAX];
	snprintf(full, sizeof(full),
	         "%s\nengines: [{name: e1, url: 'unix:///nonexistent/docker.sock'}]\n"
	         "fleet: {zone: a.test}\n",
	         yaml);
	write_conf(full);
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
	*log = calloc(1, (size_t)size + 1);
	if (*log && pread(fd, *log, (size_t)size, 0) < 0)
		(*log)[0] = '\0';
	close(fd);
	return rc;
}

/* The records of the fleet zone a.test other than the SOA, as ldns prints them. */
static char *fleet_records(const loaded_t *l)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	const zone_data_t *z = l->ndynamic == 1 ? l->dynamic[0] : NULL;
	for (size_t i = 0; z && i < ldns_rr_list_rr_count(z->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			continue;
		char *s = ldns_rr2str(rr);
		for (char *c = s; c && *c; c++)
			if (*c == '\t')
				*c = ' ';
		fputs(s ? s : "?\n", fp);
		free(s);
	}
	fclose(fp);
	return out;
}

static const char default_note[] =
    "info: zone a.test: its name server ns.a.test has no address record: fleetdns listens on "
    "no host address (only wildcard or link-local ones), so it cannot tell which address "
    "clients reach it at; before delegating the zone, list its name servers under 'ns'\n";

static void test_default_ns(void)
{
	static const struct {
		const char *listen, *records, *what;
		bool warns;
	} cases[] = {
	    {"[\"192.0.2.53:5353\", \"[2001:db8::53]:53\", \"127.0.0.1:53\", \"0.0.0.0:53\", "
	     "\"192.0.2.53:53\", \"[fe80::1%lo]:53\"]",
	     "a.test. 60 IN NS ns.a.test.\n"
	     "ns.a.test. 60 IN A 192.0.2.53\n"
	     "ns.a.test. 60 IN AAAA 2001:db8::53\n",
	     "the host addresses listened on, once each, neither loopback, wildcard nor "
	     "link-local",
	     false},
	    {"[\"127.0.0.1:5353\", \"[::1]:5353\", \"127.0.0.2:53\"]",
	     "a.test. 60 IN NS ns.a.test.\n"
	     "ns.a.test. 60 IN A 127.0.0.1\n"
	     "ns.a.test. 60 IN A 127.0.0.2\n"
	     "ns.a.test. 60 IN AAAA ::1\n",
	     "loopback only: only this host can ask, at these addresses", false},
	    {"[\"0.0.0.0:53\", \"127.0.0.1:53\"]", "a.test. 60 IN NS ns.a.test.\n",
	     "a wildcard and loopback: no address, and a line in the log", true},
	    {"[\"[fe80::1%lo]:53\"]", "a.test. 60 IN NS ns.a.test.\n",
	     "link-local only: no address, and a line in the log", true},
	};
	char yaml[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		loaded_t l;
		char *log = NULL;
		snprintf(yaml, sizeof(yaml), "server: {listen: %s}\nzones: [{name: a.test}]\n",
		         cases[i].listen);
		int rc = load(yaml, &l, &log);
		if (!is_int(rc, 0, "default ns: %s: loads", cases[i].what))
			diag("%s", err);
		char *records = rc == 0 ? fleet_records(&l) : NULL;
		is_str(records, cases[i].records, "default ns: %s", cases[i].what);
		const char *w = log ? strstr(log, "info: ") : NULL;
		is_str(w, cases[i].warns ? default_note : NULL, "default ns: %s: %s", cases[i].what,
		       cases[i].warns ? "said in the log" : "nothing logged");
		free(records);
		free(log);
		if (rc == 0)
			daemon_loaded_free(&l);
	}

	loaded_t l;
	char *log = NULL;
	int rc = load("server: {listen: [\"0.0.0.0:53\"]}\n"
	              "zones: [{name: a.test, ns: [{name: ns1.a.test, addresses: [192.0.2.1]}]}]\n",
	              &l, &log);
	ok(rc == 0 && log && !strstr(log, "info: ") && !strstr(log, "warning"),
	   "default ns: with ns: given, the listen addresses do not matter");
	free(log);
	if (rc == 0)
		daemon_loaded_free(&l);
}

/* Whether two loads a second apart (so their serials differ) serve the same zones. */
static int same_after(const char *before, const char *after)
{
	loaded_t a, b;
	char *log = NULL;
	if (load(before, &a, &log) != 0) {
		diag("%s", err);
		free(log);
		return -1;
	}
	free(log);
	time_t t0 = time(NULL);
	while (time(NULL) == t0)
		usleep(20000);
	if (load(after, &b, &log) != 0) {
		diag("%s", err);
		free(log);
		daemon_loaded_free(&a);
		return -1;
	}
	free(log);
	int same = daemon_zones_same(&a, &b);
	ok(a.dynamic[0]->serial != b.dynamic[0]->serial, "digest: ... the serials differ (%u, %u)",
	   a.dynamic[0]->serial, b.dynamic[0]->serial);
	daemon_loaded_free(&a);
	daemon_loaded_free(&b);
	return same;
}

static void test_digest(void)
{
	const char *base =
	    "server: {listen: [\"192.0.2.53:53\"]}\n"
	    "zones:\n"
	    "  - name: a.test\n"
	    "    soa: {refresh: 3600, expire: 7200}\n"
	    "    ns: [ns1.example.com, {name: ns1.a.test, addresses: [192.0.2.1]}]\n";
	is_int(same_after(base, base), 1, "digest: the same soa and ns: the same zones");
	is_int(same_after(base, "server: {listen: [\"192.0.2.53:53\"]}\n"
	                        "zones:\n"
	                        "  - name: a.test\n"
	                        "    soa: {refresh: 3601, expire: 7200}\n"
	                        "    ns: [ns1.example.com, {name: ns1.a.test, addresses: "
	                        "[192.0.2.1]}]\n"),
	       0, "digest: refresh changed: the zone changed");
	is_int(same_after(base, "server: {listen: [\"192.0.2.53:53\"]}\n"
	                        "zones:\n"
	                        "  - name: a.test\n"
	                        "    soa: {refresh: 3600, expire: 7200}\n"
	                        "    ns: [ns1.example.com, {name: ns1.a.test, addresses: "
	                        "[192.0.2.2]}]\n"),
	       0, "digest: a glue address changed: the zone changed");
	is_int(same_after("server: {listen: [\"192.0.2.53:53\"]}\nzones: [{name: a.test}]\n",
	                  "server: {listen: [\"192.0.2.54:53\"]}\nzones: [{name: a.test}]\n"),
	       0, "digest: the default name server's address changed with listen");
	is_int(same_after("server: {listen: [\"192.0.2.53:53\"]}\nzones: [{name: a.test}]\n",
	                  "server: {listen: [\"192.0.2.53:53\"]}\n"
	                  "zones: [{name: a.test, soa: {minimum: 5}}]\n"),
	       1, "digest: a default written out is no change");
}

static void test_missing_file(void)
{
	loaded_t l;
	char want[PATH_MAX * 2 + 128];
	conf_cmdline_t cl = {.conf_path = path};

	write_conf("zones:\n  - name: b.test\n  - name: a.test\n    file:   none.zone\n");
	int rc = daemon_load(&l, &cl, err, sizeof(err));
	snprintf(want, sizeof(want),
	         "%s:4:13: zone a.test: %s/none.zone: No such file or directory", path, dir);
	is_int(rc, FDNS_EIO, "missing zone file: FDNS_EIO");
	is_str(err, want, "missing zone file: the config's line and column, the zone, the file");
	if (rc == 0)
		daemon_loaded_free(&l);

	char *zones[] = {"c.test=none.zone"};
	write_conf("zones: [{name: b.test}]\n");
	cl.zones = zones;
	cl.nzones = 1;
	rc = daemon_load(&l, &cl, err, sizeof(err));
	is_str(err, "zone c.test: none.zone: No such file or directory",
	       "missing zone file from --zone: the zone and the file");
	if (rc == 0)
		daemon_loaded_free(&l);
}

static void test_glue_logged(void)
{
	char zone[PATH_MAX], want[PATH_MAX + 256];
	snprintf(zone, sizeof(zone), "%s/b.zone", dir);
	FILE *fp = fopen(zone, "w");
	if (!fp ||
	    fputs("$TTL 60\n@ SOA ns hm 1 60 10 3600 5\n@ NS ns\nns A 192.0.2.1\n"
	          "sub NS ns.sub\n",
	          fp) < 0 ||
	    fclose(fp) != 0)
		exit(2);
	loaded_t l;
	char *log = NULL;
	int rc = load("zones: [{name: a.test}, {name: b.test, file: b.zone}]\n", &l, &log);
	snprintf(want, sizeof(want),
	         "warning: zone b.test: %s:5:1: sub.b.test.: delegation to ns.sub.b.test., which "
	         "is in this zone but has no address (A or AAAA glue) in it: resolvers cannot "
	         "reach that name server\n",
	         zone);
	is_int(rc, 0, "glue warning: the zone loads");
	is_str(log ? strstr(log, "warning: ") : NULL, want, "glue warning: logged, with its place");
	free(log);
	if (rc == 0)
		daemon_loaded_free(&l);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_conf_zones_soa.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/zones.conf", dir);
	test_accepted();
	test_refused();
	test_default_ns();
	test_digest();
	test_missing_file();
	test_glue_logged();
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
