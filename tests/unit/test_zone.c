/* SPDX-License-Identifier: MIT */
/* test_zone.c -- unit tests for src/zone: loading master files through ldns, the exact
 * "file:line:column: message" of every syntax error, and the semantic checks. */
#include <stdlib.h>
#include <unistd.h>

#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "fleetdns/zone.h"

#include "tap.h"

#define HEAD                                                                                       \
	"$TTL 300\n"                                                                               \
	"@ IN SOA ns hostmaster 7 3600 600 86400 60\n"                                             \
	"@ IN NS ns\n"                                                                             \
	"ns IN A 192.0.2.53\n"

static char err[512];

/* Load text as "t.zone" for example.test; returns the code, err holds the message. */
static int load(const char *text, zone_data_t **out)
{
	zone_data_t *z = NULL;
	err[0] = '\0';
	int r = zone_load_text(&z, "example.test", text, "t.zone", err, sizeof(err));
	if (out)
		*out = z;
	else
		zone_data_free(z);
	return r;
}

/* Expect a failure with code want and exactly the message msg. */
static void fails(const char *text, int want, const char *msg, const char *what)
{
	zone_data_t *z = (zone_data_t *)&z; /* must come back NULL */
	int r = zone_load_text(&z, "example.test", text, "t.zone", err, sizeof(err));
	is_int(r, want, "%s: code", what);
	is_str(err, msg, "%s: message", what);
	ok(z == NULL, "%s: nothing returned", what);
}

/* The record of the given owner and type, or NULL. */
static const ldns_rr *find(const zone_data_t *z, const char *owner, ldns_rr_type type)
{
	ldns_rdf *name = ldns_dname_new_frm_str(owner);
	const ldns_rr *found = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs) && !found; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
		if (ldns_rr_get_type(rr) == type &&
		    ldns_dname_compare(ldns_rr_owner(rr), name) == 0)
			found = rr;
	}
	ldns_rdf_deep_free(name);
	return found;
}

static void test_good(void)
{
	zone_data_t *z;
	int r = load("; a comment line\n"
	             "\n" HEAD "www 60 IN A 192.0.2.1\n"
	             "    IN AAAA 2001:db8::1 ; same owner as the line above\n"
	             "Mixed.Case CNAME www\n"
	             "$TTL 1h30m\n"
	             "late A 192.0.2.2\n"
	             "$ORIGIN sub.example.test.\n"
	             "host A 192.0.2.3\n"
	             "@ MX 10 host\n"
	             "txt TXT \"a ; not a comment\" \"(not a paren)\"\n"
	             "unk TYPE65000 \\# 3 010203\n"
	             "abs.example.test. 1W A 192.0.2.4\n",
	             &z);
	if (!is_int(r, 0, "good: loads"))
		diag("%s", err);
	if (r != 0)
		return;
	is_int(z->serial, 7, "good: serial from the SOA");
	is_int((long long)ldns_rr_list_rr_count(z->rrs), 12, "good: 12 records");
	char *apex = ldns_rdf2str(z->apex);
	is_str(apex, "example.test.", "good: apex is absolute");
	free(apex);
	is_str(z->source, "t.zone", "good: source kept for messages");
	const ldns_rr *rr = find(z, "www.example.test.", LDNS_RR_TYPE_AAAA);
	ok(rr != NULL, "good: owner repeated from the previous line");
	is_int(rr ? ldns_rr_ttl(rr) : 0, 300, "good: $TTL applies");
	rr = find(z, "www.example.test.", LDNS_RR_TYPE_A);
	is_int(rr ? ldns_rr_ttl(rr) : 0, 60, "good: explicit TTL wins");
	rr = find(z, "late.example.test.", LDNS_RR_TYPE_A);
	is_int(rr ? ldns_rr_ttl(rr) : 0, 5400, "good: second $TTL with units (1h30m)");
	ok(find(z, "host.sub.example.test.", LDNS_RR_TYPE_A) != NULL,
	   "good: $ORIGIN makes names relative to it");
	rr = find(z, "sub.example.test.", LDNS_RR_TYPE_MX);
	char *mx = rr ? ldns_rdf2str(ldns_rr_rdf(rr, 1)) : NULL;
	is_str(mx, "host.sub.example.test.", "good: @ and rdata names follow $ORIGIN");
	free(mx);
	rr = find(z, "txt.sub.example.test.", LDNS_RR_TYPE_TXT);
	is_int(rr ? (long long)ldns_rr_rd_count(rr) : -1, 2,
	       "good: quoted ';' and '(' are text, not syntax");
	ok(find(z, "unk.sub.example.test.", (ldns_rr_type)65000) != NULL,
	   "good: RFC 3597 unknown type");
	rr = find(z, "abs.example.test.", LDNS_RR_TYPE_A);
	is_int(rr ? ldns_rr_ttl(rr) : 0, 604800, "good: absolute owner, TTL 1W");
	zone_data_free(z);

	r = zone_load_text(&z, "Example.TEST.", HEAD, "t.zone", err, sizeof(err));
	is_int(r, 0, "good: origin with a trailing dot and capitals");
	zone_data_free(z);
	r = zone_load_text(&z, CONF_DEFAULT_ZONE, zone_default_text, "(built-in)", err,
	                   sizeof(err));
	if (!is_int(r, 0, "good: the built-in default zone loads"))
		diag("%s", err);
	zone_data_free(z);
	r = zone_make_empty(&z, "fleet.test.", 42, err, sizeof(err));
	ok(r == 0 && z && z->serial == 42 && ldns_rr_list_rr_count(z->rrs) == 2,
	   "good: zone_make_empty gives SOA (serial 42) and NS");
	zone_data_free(z);
}

static void test_syntax(void)
{
	fails(HEAD "www 3x00 A 192.0.2.1\n", FDNS_EPARSE, "t.zone:5:5: bad TTL '3x00'",
	      "TTL with a stray letter");
	fails(HEAD "www 99999999999 A 192.0.2.1\n", FDNS_EPARSE,
	      "t.zone:5:5: bad TTL '99999999999'", "TTL above 2^31-1");
	fails(HEAD "www 2147483648 A 192.0.2.1\n", FDNS_EPARSE, "t.zone:5:5: bad TTL '2147483648'",
	      "TTL 2^31");
	ok(load(HEAD "www 2147483647 A 192.0.2.1\n", NULL) == 0, "TTL 2^31-1 is the largest");
	fails(HEAD "www\t-5\tA\t192.0.2.1\n", FDNS_EPARSE, "t.zone:5:5: bad TTL '-5'",
	      "negative TTL, tabs count as one column");
	fails(HEAD "\t1q IN A 192.0.2.1\n", FDNS_EPARSE, "t.zone:5:2: bad TTL '1q'",
	      "bad TTL on a line without owner");
	fails("$TTL 5x\n" HEAD, FDNS_EPARSE, "t.zone:1:6: bad TTL '5x'", "bad $TTL value");
	fails("$TTL\n" HEAD, FDNS_EPARSE, "t.zone:1:1: missing value after '$TTL'", "empty $TTL");

	fails(HEAD "www 300 IN FOO 192.0.2.1\n", FDNS_EPARSE, "t.zone:5:12: unknown type 'FOO'",
	      "unknown type");
	fails(HEAD "www AAA ::1\n", FDNS_EPARSE, "t.zone:5:5: unknown type 'AAA'",
	      "unknown type without TTL and class");
	fails(HEAD "www IN\n", FDNS_EPARSE, "t.zone:5:5: missing type after 'IN'", "no type");

	fails(HEAD "www IN A 192.0.2.256\n", FDNS_EPARSE, "t.zone:5:10: bad A rdata '192.0.2.256'",
	      "bad A rdata");
	fails(HEAD "www A 2001:db8::1\n", FDNS_EPARSE, "t.zone:5:7: bad A rdata '2001:db8::1'",
	      "IPv6 address in an A record");
	fails(HEAD "www IN A\n", FDNS_EPARSE, "t.zone:5:8: missing rdata for 'A'",
	      "A without rdata");
	fails(HEAD "mx IN MX x host\n", FDNS_EPARSE, "t.zone:5:10: bad MX rdata 'x'",
	      "MX preference not a number");

	fails(HEAD "bad..name A 192.0.2.1\n", FDNS_EPARSE, "t.zone:5:1: bad owner name 'bad..name'",
	      "empty label in owner");
	char text[600];
	snprintf(text, sizeof(text), HEAD "%064d A 192.0.2.1\n", 0);
	fails(text, FDNS_EPARSE,
	      "t.zone:5:1: bad owner name "
	      "'0000000000000000000000000000000000000000000000000000000000000000'",
	      "64-byte label in owner");
	fails(HEAD "$ORIGIN bad..origin.\n", FDNS_EPARSE,
	      "t.zone:5:9: bad $ORIGIN name 'bad..origin.'", "bad $ORIGIN");
	fails(HEAD "$INCLUDE other.zone\n", FDNS_EPARSE,
	      "t.zone:5:10: other.zone: No such file or directory",
	      "$INCLUDE of a missing file (test_zone_checks.c has the rest)");

	/* Parentheses: the record spans lines 2-6; lines are counted through it. */
	static const char multi[] = "$TTL 300\n"
	                            "@ IN SOA ns hostmaster ( ; a comment (with a paren)\n"
	                            "\t\t7     ; serial\n"
	                            "\t\t3600  ; refresh\n"
	                            "\t\t600 86400\n"
	                            "\t\t60 )\n"
	                            "\n"
	                            "@ IN NS ns\n"
	                            "ns IN A 192.0.2.300\n";
	fails(multi, FDNS_EPARSE, "t.zone:9:9: bad A rdata '192.0.2.300'",
	      "multi-line SOA: a later error has the right line");
	static const char multi_bad[] = "$TTL 300\n"
	                                "@ IN SOA ns hostmaster (\n"
	                                "\t\t7\n"
	                                "\t\tabc 600 86400 60 )\n"
	                                "@ IN NS ns\n";
	fails(multi_bad, FDNS_EPARSE, "t.zone:4:3: bad SOA rdata 'abc'",
	      "multi-line SOA: the bad field's own line and column");
}

static void test_semantic(void)
{
	fails(HEAD "www.other.test. A 192.0.2.1\n", FDNS_EZONE,
	      "t.zone:5:1: www.other.test.: name outside the zone", "record outside the zone");
	fails(HEAD "$ORIGIN test.\nexample2 A 192.0.2.1\n", FDNS_EZONE,
	      "t.zone:6:1: example2.test.: name outside the zone",
	      "outside the zone through $ORIGIN");
	fails(HEAD "@ IN SOA ns hostmaster 8 3600 600 86400 60\n", FDNS_EZONE,
	      "t.zone:5:1: example.test.: more than one SOA record", "two SOA records");
	fails(HEAD "www IN SOA ns hostmaster 8 3600 600 86400 60\n", FDNS_EZONE,
	      "t.zone:5:1: www.example.test.: SOA record not at the zone apex",
	      "SOA below the apex");
	fails("$TTL 300\n@ IN NS ns\nns A 192.0.2.53\n", FDNS_EZONE,
	      "t.zone: no SOA record at the zone apex", "no SOA");
	fails("", FDNS_EZONE, "t.zone: no SOA record at the zone apex", "empty zone");
	fails("$TTL 300\n@ IN SOA ns hostmaster 7 3600 600 86400 60\nsub NS ns\n", FDNS_EZONE,
	      "t.zone: no NS records at the zone apex", "no NS at the apex");
	fails(HEAD "www A 192.0.2.1\nwww CNAME ns\n", FDNS_EZONE,
	      "t.zone:6:1: www.example.test.: CNAME next to other data", "CNAME next to an A");
	fails(HEAD "www CNAME ns\n\n; comment\nWWW TXT \"x\"\n", FDNS_EZONE,
	      "t.zone:5:1: www.example.test.: CNAME next to other data",
	      "CNAME next to data, other case, later line");
	fails(HEAD "www CNAME ns\nwww CNAME ns2\n", FDNS_EZONE,
	      "t.zone:6:1: www.example.test.: more than one CNAME", "two CNAMEs");
	fails(HEAD "www CH A 192.0.2.1\n", FDNS_EZONE,
	      "t.zone:5:1: www.example.test.: class other than IN", "class CH");
	static const char multi_two_soa[] = HEAD "\n"
	                                         "@ IN SOA ns hostmaster (\n"
	                                         "\t8 3600 600 86400 60 )\n";
	fails(multi_two_soa, FDNS_EZONE, "t.zone:6:1: example.test.: more than one SOA record",
	      "a multi-line record is reported at its first line");
	ok(load(HEAD "www CNAME ns\nwww RRSIG A 8 3 300 20300101000000 20200101000000 1 "
	             "example.test. AAAA\n",
	        NULL) == 0,
	   "RRSIG may sit next to a CNAME");
}

static void test_file(void)
{
	char dir[] = "/tmp/test_zone.XXXXXX", path[64];
	if (!mkdtemp(dir)) {
		ok(false, "file: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/example.test.zone", dir);
	FILE *fp = fopen(path, "w");
	fputs(HEAD "www A 192.0.2.1\nbad 1x A 192.0.2.2\n", fp);
	fclose(fp);
	zone_data_t *z = NULL;
	int r = zone_load_file(&z, "example.test", path, err, sizeof(err));
	char want[128];
	snprintf(want, sizeof(want), "%s:6:5: bad TTL '1x'", path);
	is_int(r, FDNS_EPARSE, "file: error code");
	is_str(err, want, "file: message names the file");
	fp = fopen(path, "w");
	fputs(HEAD "www A 192.0.2.1", fp); /* no newline at the end */
	fclose(fp);
	r = zone_load_file(&z, "example.test", path, err, sizeof(err));
	ok(r == 0 && z && ldns_rr_list_rr_count(z->rrs) == 4, "file: loads, last line unended");
	zone_data_free(z);
	unlink(path);
	r = zone_load_file(&z, "example.test", path, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	is_int(r, FDNS_EIO, "file: missing file is FDNS_EIO");
	is_str(err, want, "file: missing file message");
	ok(z == NULL, "file: nothing returned");
	rmdir(dir);

	r = zone_load_text(&z, "bad..origin", HEAD, "t.zone", err, sizeof(err));
	is_int(r, FDNS_EINVAL, "origin: invalid zone name");
	is_str(err, "t.zone: invalid zone name 'bad..origin'", "origin: message");
}

int main(void)
{
	test_good();
	test_syntax();
	test_semantic();
	test_file();
	return done_testing();
}
