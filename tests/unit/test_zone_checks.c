/* SPDX-License-Identifier: MIT */
/* test_zone_checks.c -- what the zone loader (src/zone) checks beyond ldns: parentheses and
 * quotes (BIND refuses what ldns lets through), $INCLUDE (origin, nesting, cycles, errors
 * naming the included file), warnings about delegations without glue, and the SOA, NS and
 * glue of a zone fleetdns makes itself (zone_make_generated), and the DNAME rules of RFC 6672
 * 2.3-2.4 (refused as Knot 3.2's semantic checks refuse them). Every message is exact.
 * Files go to a mkdtemp folder, removed at the end. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetdns/error.h"
#include "fleetdns/zone.h"

#include "tap.h"

#define HEAD                                                                                       \
	"$TTL 300\n"                                                                               \
	"@ IN SOA ns hostmaster 7 3600 600 86400 60\n"                                             \
	"@ IN NS ns\n"                                                                             \
	"ns IN A 192.0.2.53\n"

static char err[2048];
static char dir[256];

static const char *in_dir(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *text)
{
	FILE *fp = fopen(in_dir(name), "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(name);
		exit(2);
	}
}

/* Expect text (as "t.zone") to fail with code want and exactly the message msg. */
static void fails(const char *text, int want, const char *msg, const char *what)
{
	zone_data_t *z = (zone_data_t *)&z; /* must come back NULL */
	err[0] = '\0';
	int r = zone_load_text(&z, "example.test", text, "t.zone", err, sizeof(err));
	is_int(r, want, "%s: code", what);
	is_str(err, msg, "%s: message", what);
	ok(z == NULL, "%s: nothing returned", what);
}

/* Expect the file name (in dir) to fail with want; msg has %s for dir wherever it appears. */
static void file_fails(const char *name, int want, const char *msg, const char *what)
{
	char expect[2048];
	zone_data_t *z = (zone_data_t *)&z;
	/* msg names dir up to four times */
	snprintf(expect, sizeof(expect), msg, dir, dir, dir, dir);
	err[0] = '\0';
	int r = zone_load_file(&z, "example.test", in_dir(name), err, sizeof(err));
	is_int(r, want, "%s: code", what);
	is_str(err, expect, "%s: message", what);
	ok(z == NULL, "%s: nothing returned", what);
}

/* The records of z as ldns prints them, one per line, tabs as spaces. */
static char *records(const zone_data_t *z)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	for (size_t i = 0; z && i < ldns_rr_list_rr_count(z->rrs); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(z->rrs, i));
		for (char *c = s; c && *c; c++)
			if (*c == '\t')
				*c = ' ';
		fputs(s ? s : "?\n", fp);
		free(s);
	}
	fclose(fp);
	return out;
}

static zone_data_t *loads(const char *text, const char *what)
{
	zone_data_t *z = NULL;
	int r = zone_load_text(&z, "example.test", text, "t.zone", err, sizeof(err));
	if (!is_int(r, 0, "%s: loads", what))
		diag("%s", err);
	return z;
}

static void test_parentheses_quotes(void)
{
	fails(HEAD "www A 192.0.2.1 )\n", FDNS_EPARSE, "t.zone:5:17: ')' without '('",
	      "a stray ')'");
	fails(HEAD "$TTL 60 )\n", FDNS_EPARSE, "t.zone:5:9: ')' without '('",
	      "a stray ')' after $TTL");
	fails(HEAD "www ( A\n 192.0.2.1\nmore A 192.0.2.2\n", FDNS_EPARSE,
	      "t.zone:5:5: '(' not closed before the end of the file", "a '(' never closed");
	fails(HEAD "www ( A (192.0.2.1)\n", FDNS_EPARSE,
	      "t.zone:5:5: '(' not closed before the end of the file",
	      "nested: the outermost '(' is named");
	fails(HEAD "txt TXT \"abc\nnext A 192.0.2.1\n", FDNS_EPARSE,
	      "t.zone:5:9: quoted text not closed on its line", "a '\"' not closed");
	fails(HEAD "txt TXT ( \"a\" \"b\nc\" )\n", FDNS_EPARSE,
	      "t.zone:5:15: quoted text not closed on its line",
	      "a quoted string cannot span lines, even in parentheses");
	fails(HEAD "txt TXT \"a\" \"b\n", FDNS_EPARSE,
	      "t.zone:5:13: quoted text not closed on its line", "the last line of the file");

	zone_data_t *z = loads(HEAD "txt TXT ( \"a(b\" ; ) not a paren, nor \" a quote\n"
	                            "  \"c\\\"d\" ) ; \"(\n"
	                            "soa2 TXT \")\" \\( \\\"\n",
	                       "parentheses and quotes in text, comments and escapes");
	char *text = records(z);
	is_str(text,
	       "example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 7 3600 600 "
	       "86400 60\n"
	       "example.test. 300 IN NS ns.example.test.\n"
	       "ns.example.test. 300 IN A 192.0.2.53\n"
	       "txt.example.test. 300 IN TXT \"a(b\" \"c\\\"d\"\n"
	       "soa2.example.test. 300 IN TXT \")\" \"(\" \"\\\"\"\n",
	       "... read as BIND reads them");
	free(text);
	zone_data_free(z);
}

static void test_include(void)
{
	char expect[4096];

	/* main.zone includes sub/a.zone under a.example.test, which includes b.zone (relative to
	 * sub/) under the current origin, which sets $TTL and $ORIGIN of its own. */
	if (mkdir(in_dir("sub"), 0700) != 0 && access(in_dir("sub"), F_OK) != 0)
		exit(2);
	write_file("main.zone", HEAD "$INCLUDE sub/a.zone a ; a comment\n"
	                             "after A 192.0.2.9\n"
	                             "$INCLUDE \"sub/c.zone\"\n");
	write_file("sub/a.zone", "www A 192.0.2.1\n"
	                         "$INCLUDE b.zone\n"
	                         "    AAAA 2001:db8::1\n");
	write_file("sub/b.zone", "$TTL 7\n$ORIGIN elsewhere.example.test.\nhost A 192.0.2.2\n");
	write_file("sub/c.zone", "@ MX 10 ns\n");
	zone_data_t *z = NULL;
	int r = zone_load_file(&z, "example.test", in_dir("main.zone"), err, sizeof(err));
	if (!is_int(r, 0, "$INCLUDE: loads"))
		diag("%s", err);
	char *text = records(z);
	is_str(text,
	       "example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 7 3600 600 "
	       "86400 60\n"
	       "example.test. 300 IN NS ns.example.test.\n"
	       "ns.example.test. 300 IN A 192.0.2.53\n"
	       "www.a.example.test. 300 IN A 192.0.2.1\n"
	       "host.elsewhere.example.test. 7 IN A 192.0.2.2\n"
	       "www.a.example.test. 300 IN AAAA 2001:db8::1\n"
	       "after.example.test. 300 IN A 192.0.2.9\n"
	       "example.test. 300 IN MX 10 ns.example.test.\n",
	       "$INCLUDE: records in order; ORIGIN given or inherited; $TTL and $ORIGIN of an "
	       "included file stay in it; paths relative to the including file");
	free(text);
	zone_data_free(z);

	/* Errors name the included file and its line, then where it was included. */
	write_file("bad.zone", HEAD "$INCLUDE sub/badttl.zone\n");
	write_file("sub/badttl.zone", "ok A 192.0.2.1\nbad 3x00 A 192.0.2.2\n");
	file_fails("bad.zone", FDNS_EPARSE,
	           "%s/sub/badttl.zone:2:5: bad TTL '3x00' (included from %s/bad.zone:5)",
	           "$INCLUDE: a syntax error in the included file");
	write_file("cname.zone", HEAD "www A 192.0.2.1\n$INCLUDE sub/cname.zone\n");
	write_file("sub/cname.zone", "\n\nwww CNAME ns\n");
	file_fails("cname.zone", FDNS_EZONE,
	           "%s/sub/cname.zone:3:1: www.example.test.: CNAME next to other data",
	           "$INCLUDE: a zone error at a record of the included file");
	write_file("missing.zone", HEAD "$INCLUDE nope.zone\n");
	file_fails("missing.zone", FDNS_EPARSE,
	           "%s/missing.zone:5:10: %s/nope.zone: No such file or directory",
	           "$INCLUDE: a missing file");
	write_file("self.zone", HEAD "$INCLUDE self.zone\n");
	file_fails("self.zone", FDNS_EPARSE,
	           "%s/self.zone:5:10: %s/self.zone: $INCLUDE cycle: the file is already being "
	           "read",
	           "$INCLUDE: a file that includes itself");
	write_file("loop1.zone", HEAD "$INCLUDE loop2.zone\n");
	write_file("loop2.zone", "\n$INCLUDE loop1.zone\n");
	file_fails("loop1.zone", FDNS_EPARSE,
	           "%s/loop2.zone:2:10: %s/loop1.zone: $INCLUDE cycle: the file is already being "
	           "read (included from %s/loop1.zone:5)",
	           "$INCLUDE: a cycle through two files");

	/* f0 includes f1 ... f9: eight files deep is allowed, the ninth is not. */
	for (int i = 0; i < 10; i++) {
		char name[32], body[256];
		snprintf(name, sizeof(name), "f%d.zone", i);
		snprintf(body, sizeof(body), "%s$INCLUDE f%d.zone\n", i == 0 ? HEAD : "", i + 1);
		write_file(name, i == 9 ? "x A 192.0.2.1\n" : body);
	}
	snprintf(expect, sizeof(expect),
	         "%s/f8.zone:1:10: $INCLUDE nested deeper than 8 files: 'f9.zone'", dir);
	for (int i = 7; i >= 0; i--) {
		size_t n = strlen(expect);
		snprintf(expect + n, sizeof(expect) - n, " (included from %s/f%d.zone:%d)", dir, i,
		         i == 0 ? 5 : 1);
	}
	zone_data_t *zz = (zone_data_t *)&zz;
	r = zone_load_file(&zz, "example.test", in_dir("f0.zone"), err, sizeof(err));
	is_int(r, FDNS_EPARSE, "$INCLUDE: nine files deep: code");
	is_str(err, expect, "$INCLUDE: nine files deep: message names every file on the way");
	ok(zz == NULL, "$INCLUDE: nine files deep: nothing returned");
	write_file("f1.zone", "x A 192.0.2.1\n");
	r = zone_load_file(&zz, "example.test", in_dir("f0.zone"), err, sizeof(err));
	ok(r == 0 && zz, "$INCLUDE: one file deep loads again");
	zone_data_free(zz);
	write_file("f1.zone", "$INCLUDE f2.zone\n");
	write_file("f8.zone", "x A 192.0.2.1\n");
	r = zone_load_file(&zz, "example.test", in_dir("f0.zone"), err, sizeof(err));
	if (!ok(r == 0 && zz, "$INCLUDE: eight files deep (f1 .. f8) is allowed"))
		diag("%s", err);
	zone_data_free(zz);

	fails(HEAD "$INCLUDE /dev/zero\n", FDNS_EPARSE,
	      "t.zone:5:10: /dev/zero: not a regular file",
	      "$INCLUDE of a device (it would never end)");
	fails(HEAD "$INCLUDE /\n", FDNS_EPARSE, "t.zone:5:10: /: not a regular file",
	      "$INCLUDE of a folder");
	fails(HEAD "$INCLUDE\n", FDNS_EPARSE, "t.zone:5:1: missing file after '$INCLUDE'",
	      "$INCLUDE without a file");
	fails(HEAD "$INCLUDE x.zone a b\n", FDNS_EPARSE,
	      "t.zone:5:19: unexpected text after $INCLUDE FILE ORIGIN: 'b'",
	      "$INCLUDE with more than FILE ORIGIN");
	fails(HEAD "$INCLUDE x.zone bad..origin\n", FDNS_EPARSE,
	      "t.zone:5:17: bad $INCLUDE origin 'bad..origin'", "$INCLUDE with a bad origin");
}

static void test_glue_warnings(void)
{
	zone_data_t *z = loads(HEAD "sub NS ns.sub\n"              /* in-domain, no glue */
	                            "sub2 NS ns2\n"                /* sibling, no address */
	                            "sub3 NS ns.sub3\n"            /* glue given */
	                            "ns.sub3 A 192.0.2.3\n"        /*  */
	                            "sub4 NS ns.other.test.\n"     /* out of the zone */
	                            "sub5 NS ns.sub6\n"            /* below another delegation */
	                            "sub6 NS ns.other.test.\n"     /*  */
	                            "sub7 NS ns\n"                 /* sibling with an address */
	                            "sub8 NS ns6.sub8\n"           /* AAAA glue only */
	                            "ns6.sub8 AAAA 2001:db8::8\n"  /*  */
	                            "@ NS ns.example.test.\n"      /* the apex: not a delegation */
	                            "sub9 NS Sub9.Example.TEST.\n" /* the cut itself, any case */
	                       ,
	                       "delegations");
	if (!z)
		return;
	is_int((long long)z->nwarnings, 3, "glue: three delegations cannot be followed");
	is_str(z->nwarnings > 0 ? z->warnings[0] : NULL,
	       "t.zone:5:1: sub.example.test.: delegation to ns.sub.example.test., which is in "
	       "this zone but has no address (A or AAAA glue) in it: resolvers cannot reach that "
	       "name server",
	       "glue: in-domain name server without glue");
	is_str(z->nwarnings > 1 ? z->warnings[1] : NULL,
	       "t.zone:6:1: sub2.example.test.: delegation to ns2.example.test., which is in "
	       "this zone but has no address (A or AAAA glue) in it: resolvers cannot reach that "
	       "name server",
	       "glue: a name server elsewhere in the zone without an address");
	is_str(z->nwarnings > 2 ? z->warnings[2] : NULL,
	       "t.zone:16:1: sub9.example.test.: delegation to Sub9.Example.TEST., which is in "
	       "this zone but has no address (A or AAAA glue) in it: resolvers cannot reach that "
	       "name server",
	       "glue: the delegated name itself, compared without case, named as written");
	zone_data_free(z);

	/* Twelve lame delegations: ten lines kept, all counted. */
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "d%d NS ns.d%d\n", i, i);
	z = loads(text, "twelve delegations without glue");
	is_int(z ? (long long)z->nwarnings : -1, 12, "glue: twelve warnings counted");
	is_str(z ? z->warnings[9] : NULL,
	       "t.zone:14:1: d9.example.test.: delegation to ns.d9.example.test., which is in this "
	       "zone but has no address (A or AAAA glue) in it: resolvers cannot reach that name "
	       "server",
	       "glue: the tenth is kept");
	zone_data_free(z);

	z = loads(HEAD, "no delegation");
	is_int(z ? (long long)z->nwarnings : -1, 0, "glue: no warning without delegations");
	zone_data_t *c = z ? zone_data_clone(z, 9) : NULL;
	ok(c && c->nwarnings == 0, "glue: a clone has no warnings");
	zone_data_free(c);
	zone_data_free(z);

	write_file("glue.zone", HEAD "$INCLUDE sub/glue.zone\n");
	write_file("sub/glue.zone", "\nlame NS ns.lame\n");
	z = NULL;
	int r = zone_load_file(&z, "example.test", in_dir("glue.zone"), err, sizeof(err));
	char expect[1024];
	snprintf(expect, sizeof(expect),
	         "%s/sub/glue.zone:2:1: lame.example.test.: delegation to ns.lame.example.test., "
	         "which is in this zone but has no address (A or AAAA glue) in it: resolvers "
	         "cannot reach that name server",
	         dir);
	ok(r == 0 && z && z->nwarnings == 1, "glue: a delegation in an included file");
	is_str(z && z->nwarnings ? z->warnings[0] : NULL, expect,
	       "glue: ... is reported at its file and line");
	zone_data_free(z);
}

#define SINGLETON                                                                                  \
	"more than one DNAME (RFC 6672 section 2.4: DNAME is a singleton type, meaning only one "  \
	"DNAME is allowed per name)"
#define BESIDE_NS                                                                                  \
	"DNAME next to NS below the apex (RFC 6672 section 2.3: DNAME RRs MUST NOT appear at the " \
	"same owner name as an NS RR unless the owner name is the zone apex)"
#define BESIDE_CNAME                                                                               \
	"CNAME next to a DNAME (RFC 6672 section 2.4: the owner name of a DNAME can only have "    \
	"one "                                                                                     \
	"DNAME RR, and no CNAME RRs can exist at that name)"
#define BELOW(owner)                                                                               \
	"name below the DNAME at " owner " (RFC 6672 section 2.4: resource records MUST NOT "      \
	"exist at any subdomain of the owner of a DNAME RR)"

/* An apex whose name server is elsewhere: nothing below the apex, so it may own a DNAME. */
#define HEAD_OUT                                                                                   \
	"$TTL 300\n"                                                                               \
	"@ IN SOA ns.other.test. hostmaster.other.test. 7 3600 600 86400 60\n"                     \
	"@ IN NS ns.other.test.\n"

static void test_dname(void)
{
	/* What Knot 3.2 (knotc zone-check, semantic-checks: on) refuses; NSD 4.6 refuses all but
	 * the NS beside a DNAME. */
	fails(HEAD "bar DNAME t1.test.\nbar DNAME t2.test.\n", FDNS_EZONE,
	      "t.zone:6:1: bar.example.test.: " SINGLETON, "DNAME: two at one name");
	fails(HEAD "Bar DNAME t1.test.\nA A 192.0.2.1\nbAR DNAME t2.test.\n", FDNS_EZONE,
	      "t.zone:7:1: bAR.example.test.: " SINGLETON,
	      "DNAME: two at one name, other case, the second named");
	fails(HEAD_OUT "@ DNAME t1.test.\n@ DNAME t2.test.\n", FDNS_EZONE,
	      "t.zone:5:1: example.test.: " SINGLETON, "DNAME: two at the apex");
	fails(HEAD "bar DNAME t1.test.\nbar NS ns.other.test.\n", FDNS_EZONE,
	      "t.zone:6:1: bar.example.test.: " BESIDE_NS, "DNAME: beside NS below the apex");
	fails(HEAD "bar NS ns.other.test.\n\nbar DNAME t1.test.\n", FDNS_EZONE,
	      "t.zone:7:1: bar.example.test.: " BESIDE_NS,
	      "DNAME: beside NS, the later of the two named");
	fails(HEAD "bar DNAME t1.test.\nbar CNAME t2.test.\n", FDNS_EZONE,
	      "t.zone:6:1: bar.example.test.: " BESIDE_CNAME, "DNAME: beside a CNAME");
	fails(HEAD "bar CNAME t2.test.\nbar DNAME t1.test.\n", FDNS_EZONE,
	      "t.zone:6:1: bar.example.test.: " BESIDE_CNAME,
	      "DNAME: beside a CNAME written first");
	fails(HEAD_OUT "@ DNAME t1.test.\n@ CNAME t2.test.\n", FDNS_EZONE,
	      "t.zone:5:1: example.test.: " BESIDE_CNAME, "DNAME: beside a CNAME at the apex");
	fails(HEAD "bar DNAME t1.test.\nx.bar A 192.0.2.1\n", FDNS_EZONE,
	      "t.zone:6:1: x.bar.example.test.: " BELOW("bar.example.test."),
	      "DNAME: a name below it");
	fails(HEAD "x.y.bar TXT \"x\"\nbar DNAME t1.test.\n", FDNS_EZONE,
	      "t.zone:5:1: x.y.bar.example.test.: " BELOW("bar.example.test."),
	      "DNAME: a name two labels below, written before it");
	fails(HEAD "bar DNAME t1.test.\n*.bar A 192.0.2.1\n", FDNS_EZONE,
	      "t.zone:6:1: *.bar.example.test.: " BELOW("bar.example.test."),
	      "DNAME: a wildcard below it");
	fails(HEAD "bar DNAME t1.test.\nx.bar NS ns.other.test.\n", FDNS_EZONE,
	      "t.zone:6:1: x.bar.example.test.: " BELOW("bar.example.test."),
	      "DNAME: a delegation below it");
	fails(HEAD "bar DNAME t1.test.\nx.bar DNAME t2.test.\n", FDNS_EZONE,
	      "t.zone:6:1: x.bar.example.test.: " BELOW("bar.example.test."),
	      "DNAME: another DNAME below it");
	fails(HEAD "@ DNAME t1.test.\n", FDNS_EZONE,
	      "t.zone:4:1: ns.example.test.: " BELOW("example.test."),
	      "DNAME: at the apex, with a name server inside the zone");

	/* What Knot and NSD accept. */
	zone_data_t *z = loads(HEAD_OUT "@ DNAME t1.test.\n@ A 192.0.2.1\n@ MX 10 mx.other.test.\n",
	                       "DNAME: at the apex, beside SOA, NS, A and MX");
	zone_data_free(z);
	z = loads(
	    HEAD "bar DNAME t1.test.\nbar A 192.0.2.1\nbar TXT \"x\"\nbar MX 10 ns\n"
	         "bar DS 1 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	    "DNAME: beside A, TXT, MX and DS below the apex");
	zone_data_free(z);
	z = loads(HEAD "bar DNAME t1.test.\nbar DNAME T1.Test.\n",
	          "DNAME: the same record twice (one RRset of one record)");
	zone_data_free(z);
	z = loads(HEAD "bar DNAME t1.test.\nxbar A 192.0.2.1\nbar.x A 192.0.2.2\n",
	          "DNAME: names beside it that only end or start with its labels");
	zone_data_free(z);
	z = loads(HEAD "x DNAME y.x.example.test.\n", "DNAME: a target below its own owner");
	zone_data_free(z);
	z = loads(HEAD "*.w DNAME t1.test.\n", "DNAME: a wildcard owner");
	zone_data_free(z);
	z = loads(HEAD "deleg NS ns.other.test.\nx.deleg DNAME t1.test.\n",
	          "DNAME: below a delegation (occluded, as any data there)");
	zone_data_free(z);
	z = loads(HEAD_OUT
	          "@ DNAME t1.test.\n"
	          "2vptu5timamqttgl4luu9kg21e0aor3s NSEC3 1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3s "
	          "NS SOA DNAME RRSIG\n"
	          "2vptu5timamqttgl4luu9kg21e0aor3s RRSIG NSEC3 13 3 300 20300101000000 "
	          "20200101000000 1 example.test. AAAA\n",
	          "DNAME: at the apex of a zone with NSEC3 (not names of the zone)");
	zone_data_free(z);
}

static void test_missing_file(void)
{
	zone_data_t *z = (zone_data_t *)&z;
	char expect[1024];
	snprintf(expect, sizeof(expect), "%s: No such file or directory", in_dir("none.zone"));
	int r = zone_load_file(&z, "example.test", in_dir("none.zone"), err, sizeof(err));
	is_int(r, FDNS_EIO, "missing file: FDNS_EIO");
	is_str(err, expect, "missing file: 'path: reason'");
	ok(z == NULL, "missing file: nothing returned");
}

static void test_generated(void)
{
	zone_data_t *z = NULL;
	char *text;
	int r = zone_make_generated(&z, "Fleet.Test", NULL, 42, err, sizeof(err));
	ok(r == 0 && z && z->serial == 42, "generated: defaults load, serial 42");
	text = records(z);
	is_str(text,
	       "fleet.test. 5 IN SOA ns.fleet.test. hostmaster.fleet.test. 42 60 10 3600 5\n"
	       "fleet.test. 60 IN NS ns.fleet.test.\n",
	       "generated: the defaults (as before soa: and ns: existed)");
	free(text);
	zone_data_free(z);

	char *a1[] = {"192.0.2.53", "2001:db8::53"};
	conf_zone_ns_t ns[] = {
	    {.name = "ns1.example.com."},
	    {.name = "ns1.fleet.example.com.", .addresses = a1, .naddresses = 2}};
	conf_zone_gen_t gen = {.mname = NULL,
	                       .rname = "hostmaster.example.com.",
	                       .refresh = 3600,
	                       .retry = 600,
	                       .expire = 604800,
	                       .minimum = 30,
	                       .ns = ns,
	                       .nns = 2};
	r = zone_make_generated(&z, "fleet.example.com.", &gen, 7, err, sizeof(err));
	if (!ok(r == 0 && z, "generated: soa and ns"))
		diag("%s", err);
	text = records(z);
	is_str(text,
	       "fleet.example.com. 30 IN SOA ns1.example.com. hostmaster.example.com. 7 3600 600 "
	       "604800 30\n"
	       "fleet.example.com. 60 IN NS ns1.example.com.\n"
	       "fleet.example.com. 60 IN NS ns1.fleet.example.com.\n"
	       "ns1.fleet.example.com. 60 IN A 192.0.2.53\n"
	       "ns1.fleet.example.com. 60 IN AAAA 2001:db8::53\n",
	       "generated: MNAME the first NS; the SOA's TTL is the negative TTL; glue as A/AAAA");
	free(text);
	zone_data_free(z);
	gen.mname = "primary.example.net.";
	r = zone_make_generated(&z, "fleet.example.com", &gen, 8, err, sizeof(err));
	text = records(z);
	ok(r == 0 && text &&
	       strncmp(text, "fleet.example.com. 30 IN SOA primary.example.net. ", 50) == 0,
	   "generated: mname as given");
	free(text);
	zone_data_free(z);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_zone_checks.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_parentheses_quotes();
	test_include();
	test_glue_warnings();
	test_dname();
	test_missing_file();
	test_generated();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
