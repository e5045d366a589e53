/* SPDX-License-Identifier: MIT */
/* test_answer.c -- unit tests for src/answer: a snapshot compiled from zone text answers
 * hand-made queries; every response is checked byte by byte for well-formedness (strict
 * compression pointers, counts that match the records) and parsed with ldns_wire2pkt,
 * then its rcode, flags, sections and records are compared with the exact expectation. */
#include <stdlib.h>

#include "answer/snapshot.h"
#include "fleetdns/answer.h"
#include "fleetdns/error.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

/* Negative TTL: min(SOA TTL 3600, MINIMUM 300) = 300. */
static const char zone_text[] = "$TTL 3600\n"
                                "@        IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
                                "@        NS     ns1\n"
                                "@        NS     ns2.elsewhere.test.\n"
                                "ns1      A      192.0.2.1\n"
                                "ns1      AAAA   2001:db8::1\n"
                                "www      A      192.0.2.10\n"
                                "www      A      192.0.2.11\n"
                                "www      AAAA   2001:db8::10\n"
                                "www      TYPE65000 \\# 2 abcd\n"
                                "alias    CNAME  www\n"
                                "chain1   CNAME  chain2\n"
                                "chain2   CNAME  www\n"
                                "dangling CNAME  nothere\n"
                                "outside  CNAME  www.elsewhere.test.\n"
                                "tricky   CNAME  x\\007example.test.\n"
                                "*.wild   A      192.0.2.20\n"
                                "*.wild   MX     10 mail.wild\n"
                                "*.wild   TXT    \"wild\"\n"
                                "exists.wild A   192.0.2.21\n"
                                "sub      NS     ns.sub\n"
                                "sub      NS     ns.elsewhere.test.\n"
                                "ns.sub   A      192.0.2.30\n"
                                "a.b.c    A      192.0.2.40\n"
                                "mx       MX     10 many\n"
                                "many     AAAA   2001:db8::100\n"
                                "many     AAAA   2001:db8::101\n"
                                "many     AAAA   2001:db8::102\n"
                                "many     AAAA   2001:db8::103\n"
                                "many     AAAA   2001:db8::104\n"
                                "many     AAAA   2001:db8::105\n"
                                "many     AAAA   2001:db8::106\n"
                                "many     AAAA   2001:db8::107\n"
                                "many     AAAA   2001:db8::108\n"
                                "many     AAAA   2001:db8::109\n"
                                "many     AAAA   2001:db8::110\n"
                                "many     AAAA   2001:db8::111\n"
                                "many     AAAA   2001:db8::112\n"
                                "many     AAAA   2001:db8::113\n"
                                "many     AAAA   2001:db8::114\n"
                                "many     AAAA   2001:db8::115\n"
                                "many     AAAA   2001:db8::116\n"
                                "many     AAAA   2001:db8::117\n"
                                "many     AAAA   2001:db8::118\n"
                                "many     AAAA   2001:db8::119\n";

/* A second zone: SOA TTL 60 below MINIMUM 300, so negative answers use 60. */
static const char short_text[] = "$TTL 60\n"
                                 "@ IN SOA ns hostmaster 1 7200 3600 1209600 300\n"
                                 "@ NS ns\n"
                                 "ns A 192.0.2.99\n";

static uint8_t resp[65536];
static size_t resp_len;

static const char *rcode_name(unsigned rcode)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                              "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                              "NXRRSET", "NOTAUTH", "NOTZONE"};
	static char buf[16];
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == 16)
		return "BADVERS";
	snprintf(buf, sizeof(buf), "RCODE%u", rcode);
	return buf;
}

/* What a response says in one line: "NXDOMAIN aa an=0 ns=1 ar=0" (ar counts the OPT). */
static const char *summary(const ldns_pkt *pkt)
{
	static char buf[128];
	unsigned rcode = resp[3] & 0x0F;
	if (ldns_pkt_edns(pkt))
		rcode |= (unsigned)ldns_pkt_edns_extended_rcode(pkt) << 4;
	snprintf(buf, sizeof(buf), "%s%s%s an=%u ns=%u ar=%u", rcode_name(rcode),
	         (resp[2] & 0x04) ? " aa" : "", (resp[2] & 0x02) ? " tc" : "",
	         resp[6] << 8 | resp[7], resp[8] << 8 | resp[9], resp[10] << 8 | resp[11]);
	return buf;
}

/* The records of a section, one ldns presentation line each. */
static const char *section(const ldns_pkt *pkt, ldns_pkt_section s)
{
	static char buf[8192];
	ldns_rr_list *l = ldns_pkt_get_section_clone(pkt, s);
	buf[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		char *t = ldns_rr2str(ldns_rr_list_rr(l, i));
		strncat(buf, t, sizeof(buf) - strlen(buf) - 1);
		free(t);
	}
	ldns_rr_list_deep_free(l);
	return buf;
}

/* Answer the query in m within maxsize and check the response is well formed and matches
 * the query (ID, opcode, RD, CD and question copied; QR set; RA, Z and AD clear). Returns
 * the parsed packet, or NULL (counted as a failure) when there is none. */
static bool ask_tcp; /* the transport ask() pretends the query came over */

static ldns_pkt *ask(const snapshot_t *s, const msgbuf_t *m, size_t maxsize, const char *what)
{
	query_t q;
	enum query_verdict v = query_parse(&q, m->b, m->len);
	q.tcp = ask_tcp;
	memset(resp, 0xEE, sizeof(resp));
	resp_len = answer_respond(s, &q, v, resp, maxsize);
	const char *e = resp_len ? wire_check(resp, resp_len) : "no response";
	ldns_pkt *pkt = NULL;
	if (!e && resp_len > maxsize)
		e = "longer than maxsize";
	if (!e && ldns_wire2pkt(&pkt, resp, resp_len) != LDNS_STATUS_OK)
		e = "ldns_wire2pkt refuses it";
	if (!e && memcmp(resp, m->b, 2) != 0)
		e = "ID not copied";
	if (!e && (resp[2] & 0xF9) != (0x80 | (m->b[2] & 0x79)))
		e = "QR, opcode or RD wrong";
	if (!e && (resp[3] & 0xF0) != (m->b[3] & 0x10))
		e = "RA, Z, AD set or CD not copied";
	if (!e && q.has_question && resp[5] == 1 &&
	    memcmp(resp + 12, m->b + 12, q.question_end - 12) != 0)
		e = "question not copied as the client wrote it";
	ok(!e, "%s: well-formed response", what);
	if (e)
		diag("%s", e);
	if (e && pkt) {
		ldns_pkt_free(pkt);
		pkt = NULL;
	}
	return pkt;
}

/* ask(), then the summary line and each section's records. NULL sections are not checked. */
static void expect(const snapshot_t *s, const msgbuf_t *m, size_t maxsize, const char *what,
                   const char *sum, const char *an, const char *ns, const char *ar)
{
	ldns_pkt *pkt = ask(s, m, maxsize, what);
	if (!pkt) {
		ok(false, "%s: no packet to check", what);
		return;
	}
	is_str(summary(pkt), sum, "%s: %s", what, sum);
	if (an)
		is_str(section(pkt, LDNS_SECTION_ANSWER), an, "%s: answer section", what);
	if (ns)
		is_str(section(pkt, LDNS_SECTION_AUTHORITY), ns, "%s: authority section", what);
	if (ar)
		is_str(section(pkt, LDNS_SECTION_ADDITIONAL), ar, "%s: additional section", what);
	ldns_pkt_free(pkt);
}

#define SOA_300                                                                                    \
	"example.test.\t300\tIN\tSOA\tns1.example.test. hostmaster.example.test. "                 \
	"2024010101 7200 3600 1209600 300\n"
#define WWW_A                                                                                      \
	"www.example.test.\t3600\tIN\tA\t192.0.2.10\n"                                             \
	"www.example.test.\t3600\tIN\tA\t192.0.2.11\n"

static void test_positive(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 0x1234, "www.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "exact", "NOERROR aa an=2 ns=0 ar=0", WWW_A, "", "");

	mb_header(&m, 0x4321, 0x0110, 1, 0, 0, 0); /* RD and CD */
	mb_question(&m, "WwW.ExAmPlE.TeSt", TYPE_AAAA, CLASS_IN);
	expect(s, &m, 512, "mixed case", "NOERROR aa an=1 ns=0 ar=0",
	       "WwW.ExAmPlE.TeSt.\t3600\tIN\tAAAA\t2001:db8::10\n", "", "");

	mb_query(&m, 2, "www.example.test", TYPE_ANY, 0, false);
	ask_tcp = true;
	ldns_pkt *pkt = ask(s, &m, 65535, "ANY over TCP");
	ask_tcp = false;
	ok(pkt && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR && ldns_pkt_ancount(pkt) == 4,
	   "ANY over TCP: the full set (A, A, AAAA, TYPE65000)");
	ldns_pkt_free(pkt);
	/* RFC 8482 4.2: over UDP one RRset, here the lowest type's. */
	expect(s, &m, 65535, "ANY over UDP", "NOERROR aa an=2 ns=0 ar=0", WWW_A, "", "");
	mb_query(&m, 2, "alias.example.test", TYPE_ANY, 0, false);
	pkt = ask(s, &m, 65535, "ANY at a CNAME over UDP");
	ok(pkt && ldns_pkt_ancount(pkt) == 1 &&
	       ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0)) == LDNS_RR_TYPE_CNAME,
	   "ANY at a CNAME over UDP: the CNAME alone, not the chain");
	ldns_pkt_free(pkt);

	mb_query(&m, 3, "www.example.test", 65000, 0, false);
	expect(s, &m, 512, "unknown type", "NOERROR aa an=1 ns=0 ar=0",
	       "www.example.test.\t3600\tIN\tTYPE65000\t\\# 2 abcd\n", "", "");

	mb_query(&m, 4, "mx.example.test", TYPE_MX, 0, false);
	expect(s, &m, 65535, "MX with additional", "NOERROR aa an=1 ns=0 ar=20",
	       "mx.example.test.\t3600\tIN\tMX\t10 many.example.test.\n", "", NULL);
	expect(s, &m, 512, "MX, additional does not fit in 512", "NOERROR aa an=1 ns=0 ar=0",
	       "mx.example.test.\t3600\tIN\tMX\t10 many.example.test.\n", "", "");
	mb_query(&m, 5, "mx.example.test", TYPE_MX, 512, false);
	expect(s, &m, 512, "MX, EDNS 512: additional dropped, OPT kept",
	       "NOERROR aa an=1 ns=0 ar=1", NULL, NULL, "");
}

static void test_negative(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "www.example.test", TYPE_MX, 0, false);
	expect(s, &m, 512, "NODATA", "NOERROR aa an=0 ns=1 ar=0", "", SOA_300, "");
	mb_query(&m, 2, "nothere.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "NXDOMAIN", "NXDOMAIN aa an=0 ns=1 ar=0", "", SOA_300, "");
	mb_query(&m, 3, "deep.below.nothere.example.test", TYPE_A, 1232, true);
	expect(s, &m, 1232, "NXDOMAIN deep, EDNS", "NXDOMAIN aa an=0 ns=1 ar=1", "", SOA_300, "");
	mb_query(&m, 4, "b.c.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "empty non-terminal", "NOERROR aa an=0 ns=1 ar=0", "", SOA_300, "");
	mb_query(&m, 5, "c.example.test", LDNS_RR_TYPE_TXT, 0, false);
	expect(s, &m, 512, "empty non-terminal, two up", "NOERROR aa an=0 ns=1 ar=0", "", SOA_300,
	       "");
	mb_query(&m, 6, "x.a.b.c.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "below a leaf", "NXDOMAIN aa an=0 ns=1 ar=0", "", SOA_300, "");

	mb_query(&m, 7, "nothere.short.test", TYPE_A, 0, false);
	expect(s, &m, 512, "NXDOMAIN, SOA TTL below MINIMUM", "NXDOMAIN aa an=0 ns=1 ar=0", "",
	       "short.test.\t60\tIN\tSOA\tns.short.test. hostmaster.short.test. 1 7200 3600 "
	       "1209600 300\n",
	       "");
}

static void test_cname(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "alias.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME", "NOERROR aa an=3 ns=0 ar=0",
	       "alias.example.test.\t3600\tIN\tCNAME\twww.example.test.\n" WWW_A, "", "");
	mb_query(&m, 2, "alias.example.test", TYPE_CNAME, 0, false);
	expect(s, &m, 512, "CNAME query", "NOERROR aa an=1 ns=0 ar=0",
	       "alias.example.test.\t3600\tIN\tCNAME\twww.example.test.\n", "", "");
	mb_query(&m, 3, "Chain1.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME chain", "NOERROR aa an=4 ns=0 ar=0",
	       "Chain1.example.test.\t3600\tIN\tCNAME\tchain2.example.test.\n"
	       "chain2.example.test.\t3600\tIN\tCNAME\twww.example.test.\n" WWW_A,
	       "", "");
	mb_query(&m, 4, "chain1.example.test", TYPE_MX, 0, false);
	expect(s, &m, 512, "CNAME chain to NODATA", "NOERROR aa an=2 ns=1 ar=0", NULL, SOA_300, "");
	mb_query(&m, 5, "dangling.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME to a missing name", "NXDOMAIN aa an=1 ns=1 ar=0",
	       "dangling.example.test.\t3600\tIN\tCNAME\tnothere.example.test.\n", SOA_300, "");
	mb_query(&m, 6, "outside.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME out of the zone", "NOERROR aa an=1 ns=0 ar=0",
	       "outside.example.test.\t3600\tIN\tCNAME\twww.elsewhere.test.\n", "", "");
	/* Its last octets are the apex's, but not on a label boundary: out of the zone too. */
	mb_query(&m, 7, "tricky.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME to x\\007example.test. (ends in the apex's octets, not labels)",
	       "NOERROR aa an=1 ns=0 ar=0",
	       "tricky.example.test.\t3600\tIN\tCNAME\tx\\007example.test.\n", "", "");
}

static void test_wildcard(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "Foo.WILD.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "wildcard", "NOERROR aa an=1 ns=0 ar=0",
	       "Foo.WILD.example.test.\t3600\tIN\tA\t192.0.2.20\n", "", "");
	mb_query(&m, 2, "a.b.c.wild.example.test", LDNS_RR_TYPE_TXT, 1232, false);
	expect(s, &m, 1232, "wildcard, several labels deep, EDNS", "NOERROR aa an=1 ns=0 ar=1",
	       "a.b.c.wild.example.test.\t3600\tIN\tTXT\t\"wild\"\n", "", "");
	mb_query(&m, 3, "x.wild.example.test", TYPE_MX, 0, false);
	expect(s, &m, 512, "wildcard MX (names in a movable block)", "NOERROR aa an=1 ns=0 ar=1",
	       "x.wild.example.test.\t3600\tIN\tMX\t10 mail.wild.example.test.\n", "",
	       "mail.wild.example.test.\t3600\tIN\tA\t192.0.2.20\n");
	mb_query(&m, 4, "x.wild.example.test", TYPE_AAAA, 0, false);
	expect(s, &m, 512, "wildcard NODATA", "NOERROR aa an=0 ns=1 ar=0", "", SOA_300, "");
	mb_query(&m, 5, "exists.wild.example.test", LDNS_RR_TYPE_TXT, 0, false);
	expect(s, &m, 512, "wildcard does not cover an existing name", "NOERROR aa an=0 ns=1 ar=0",
	       "", SOA_300, "");
	mb_query(&m, 6, "x.exists.wild.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "wildcard does not apply below an existing name",
	       "NXDOMAIN aa an=0 ns=1 ar=0", "", SOA_300, "");
	mb_query(&m, 7, "wild.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "the wildcard's parent is an empty non-terminal",
	       "NOERROR aa an=0 ns=1 ar=0", "", SOA_300, "");

	/* A long name moves the block far from where it was compiled. */
	char name[300];
	memset(name, 'q', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	strcpy(name + 192, "Long.wild.example.test");
	mb_query(&m, 8, name, TYPE_MX, 4096, true);
	ldns_pkt *pkt = ask(s, &m, 65535, "wildcard, 215-byte name, relocated pointers");
	ok(pkt && ldns_pkt_ancount(pkt) == 1 && ldns_pkt_edns_do(pkt),
	   "wildcard, long name: one MX, DO echoed");
	ldns_pkt_free(pkt);
	mb_query(&m, 9, name, TYPE_AAAA, 4096, false);
	pkt = ask(s, &m, 65535, "wildcard NODATA, long name (SOA relocated)");
	ok(pkt && ldns_pkt_nscount(pkt) == 1, "wildcard NODATA, long name: SOA in authority");
	ldns_pkt_free(pkt);
}

static void test_referral(const snapshot_t *s)
{
	msgbuf_t m;
	const char *ns = "sub.example.test.\t3600\tIN\tNS\tns.sub.example.test.\n"
	                 "sub.example.test.\t3600\tIN\tNS\tns.elsewhere.test.\n";
	const char *glue = "ns.sub.example.test.\t3600\tIN\tA\t192.0.2.30\n";
	mb_query(&m, 1, "www.sub.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "referral", "NOERROR an=0 ns=2 ar=1", "", ns, glue);
	mb_query(&m, 2, "sub.example.test", TYPE_NS, 0, false);
	expect(s, &m, 512, "referral at the cut", "NOERROR an=0 ns=2 ar=1", "", ns, glue);
	mb_query(&m, 3, "ns.sub.example.test", TYPE_A, 0, false);
	expect(s, &m, 512, "glue is not authoritative: referral", "NOERROR an=0 ns=2 ar=1", "", ns,
	       glue);
	mb_query(&m, 4, "sub.example.test", TYPE_DS, 0, false);
	expect(s, &m, 512, "DS at the cut: parent-side NODATA", "NOERROR aa an=0 ns=1 ar=0", "",
	       SOA_300, "");
}

static void test_errors(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "www.elsewhere.test", TYPE_A, 0, false);
	expect(s, &m, 512, "outside every zone", "REFUSED an=0 ns=0 ar=0", "", "", "");
	mb_query(&m, 2, "test", TYPE_SOA, 1232, false);
	expect(s, &m, 512, "parent of the zones, EDNS", "REFUSED an=0 ns=0 ar=1", "", "", "");
	mb_header(&m, 3, 0, 1, 0, 0, 0);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_CH);
	expect(s, &m, 512, "class CH", "REFUSED an=0 ns=0 ar=0", "", "", "");
	mb_query(&m, 4, "example.test", TYPE_AXFR, 0, false);
	expect(s, &m, 65535, "AXFR", "REFUSED an=0 ns=0 ar=0", "", "", "");

	mb_header(&m, 5, 0, 1, 0, 0, 1);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 1, 0x8000, NULL, 0);
	expect(s, &m, 1232, "BADVERS", "BADVERS an=0 ns=0 ar=1", "", "", "");
	ldns_pkt *pkt = ask(s, &m, 1232, "BADVERS OPT");
	ok(pkt && ldns_pkt_edns_version(pkt) == 0 && ldns_pkt_edns_do(pkt) &&
	       ldns_pkt_edns_udp_size(pkt) == 1232,
	   "BADVERS: OPT version 0, DO echoed, the server's size");
	ldns_pkt_free(pkt);

	mb_query(&m, 6, "www.example.test", TYPE_A, 4096, true);
	pkt = ask(s, &m, 1232, "EDNS");
	ok(pkt && ldns_pkt_edns(pkt) && ldns_pkt_edns_do(pkt) &&
	       ldns_pkt_edns_udp_size(pkt) == 1232 && ldns_pkt_edns_version(pkt) == 0,
	   "EDNS: OPT with DO, version 0, server size 1232");
	ldns_pkt_free(pkt);

	mb_header(&m, 7, 0, 2, 0, 0, 1);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_IN);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	expect(s, &m, 512, "QDCOUNT 2: FORMERR with OPT, no question", "FORMERR an=0 ns=0 ar=1", "",
	       "", "");
	mb_header(&m, 8, 0, 1, 0, 0, 2);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	expect(s, &m, 512, "two OPTs: FORMERR with OPT", "FORMERR an=0 ns=0 ar=1", "", "", "");
	mb_header(&m, 9, 0x0100, 1, 0, 0, 0);
	mb_raw(&m, "\100x", 2);
	expect(s, &m, 512, "bad label: FORMERR, no question", "FORMERR an=0 ns=0 ar=0", "", "", "");
	mb_header(&m, 10, 15 << 11, 1, 0, 0, 0);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_IN);
	expect(s, &m, 512, "opcode 15: NOTIMP", "NOTIMP an=0 ns=0 ar=0", "", "", "");

	query_t q;
	mb_header(&m, 11, 0x8000, 1, 0, 0, 0);
	mb_question(&m, "www.example.test", TYPE_A, CLASS_IN);
	enum query_verdict v = query_parse(&q, m.b, m.len);
	is_int((long long)answer_respond(s, &q, v, resp, 512), 0, "QR=1: no response at all");

	mb_query(&m, 12, "www.example.test", TYPE_A, 0, false);
	query_parse(&q, m.b, m.len);
	is_int((long long)answer_udp_limit(s, &q), 512, "udp limit: no EDNS, 512");
	mb_query(&m, 13, "www.example.test", TYPE_A, 4096, false);
	query_parse(&q, m.b, m.len);
	is_int((long long)answer_udp_limit(s, &q), 1232, "udp limit: EDNS 4096, capped at 1232");
	mb_query(&m, 14, "www.example.test", TYPE_A, 100, false);
	query_parse(&q, m.b, m.len);
	is_int((long long)answer_udp_limit(s, &q), 512, "udp limit: EDNS 100 counts as 512");
}

/* A zone whose RRsets do not fit in 512 bytes. */
static void test_truncation(void)
{
	char text[16384] = "$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n";
	for (int i = 0; i < 40; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		         "big TXT \"record %02d: some text to fill the packet quickly\"\n", i);
	for (int i = 0; i < 30; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		         "deleg NS ns%02d.deleg\nns%02d.deleg A 192.0.2.%d\n", i, i, i + 10);
	strcat(text, "small A 192.0.2.2\nsmall TXT \"x\"\n");
	zone_data_t *z = NULL;
	char err[256];
	snapshot_t *s = NULL;
	int r = zone_load_text(&z, "trunc.test", text, "trunc", err, sizeof(err));
	if (r == 0)
		r = snapshot_build(&s, &z, 1, &(answer_opts_t){.udp_size = 1232});
	if (!is_int(r, 0, "truncation: zone builds"))
		diag("%s", err);
	if (r != 0) {
		zone_data_free(z);
		return;
	}
	msgbuf_t m;
	mb_query(&m, 1, "big.trunc.test", LDNS_RR_TYPE_TXT, 0, false);
	expect(s, &m, 512, "TC: RRset too big for 512", "NOERROR aa tc an=0 ns=0 ar=0", "", "", "");
	mb_query(&m, 2, "big.trunc.test", LDNS_RR_TYPE_TXT, 512, true);
	expect(s, &m, 512, "TC with EDNS 512: OPT kept", "NOERROR aa tc an=0 ns=0 ar=1", "", "",
	       "");
	expect(s, &m, 65535, "TCP size: all 40 records", "NOERROR aa an=40 ns=0 ar=1", NULL, "",
	       "");
	mb_query(&m, 3, "x.deleg.trunc.test", TYPE_A, 0, false);
	ldns_pkt *pkt = ask(s, &m, 512, "referral too big for 512");
	ok(pkt && (resp[2] & 0x02) && ldns_pkt_nscount(pkt) == 0 && ldns_pkt_arcount(pkt) == 0,
	   "referral too big: TC, no partial NS set");
	ldns_pkt_free(pkt);
	pkt = ask(s, &m, 65535, "referral at TCP size");
	ok(pkt && !(resp[2] & 0x06) && ldns_pkt_nscount(pkt) == 30 && ldns_pkt_arcount(pkt) == 30,
	   "referral at TCP size: AA=0, 30 NS, 30 glue");
	ldns_pkt_free(pkt);
	mb_query(&m, 4, "small.trunc.test", TYPE_A, 0, false);
	expect(s, &m, 512, "small answer next to a big zone", "NOERROR aa an=1 ns=0 ar=0",
	       "small.trunc.test.\t300\tIN\tA\t192.0.2.2\n", "", "");
	snapshot_free(s);
	zone_data_free(z);
}

/* The checker itself must catch what it is there to catch. */
static void test_checker(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "alias.example.test", TYPE_A, 0, false);
	ldns_pkt *pkt = ask(s, &m, 512, "checker: a good response");
	ldns_pkt_free(pkt);
	/* The CNAME owner is a pointer to the question name at 12. */
	size_t at = 12 + 20 + 4;
	ok(resp[at] == 0xC0 && resp[at + 1] == 12, "checker: answer owner points to the question");
	resp[at + 1] = 13; /* into the middle of a label */
	ok(wire_check(resp, resp_len) != NULL, "checker: pointer to no name start is caught");
	resp[at + 1] = (uint8_t)(at + 2); /* forwards */
	ok(wire_check(resp, resp_len) != NULL, "checker: forward pointer is caught");
	resp[at + 1] = 12;
	ok(wire_check(resp, resp_len - 1) != NULL, "checker: a cut record is caught");
	resp[11]++;
	ok(wire_check(resp, resp_len) != NULL, "checker: a count too high is caught");
}

/* The table of name of s: its slots (one page), and how many names it holds. */
static void table_size(const snapshot_t *s, const uint8_t *apex, size_t len, size_t *slots,
                       size_t *count)
{
	const ans_zone_t *z = snapshot_find_zone(s, apex, len);
	*slots = z && z->names.npages == 1 && z->names.pages[0] ? z->names.pages[0]->mask + 1 : 0;
	*count = z ? z->names.count : 0;
}

/* A zone is sized by its names, not its records: n names with 4 A each (as the benchmark's
 * zones) get a table of four times the names' slots (at most a quarter full), rounded up to
 * a power of 2; and names the compiler did not expect (empty non-terminals, 4 per record
 * here) are all found. */
static void test_table_sizes(void)
{
	enum { NAMES = 1000, DEEP = 300 };
	size_t cap = 200 + NAMES * 4 * 48, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text + len, cap - len,
	                        "$TTL 30\n@ SOA ns1 hostmaster 1 3600 600 86400 30\n@ NS ns1\n"
	                        "ns1 A 127.0.0.1\n");
	for (int i = 0; i < NAMES; i++)
		for (int k = 1; k <= 4; k++)
			len += (size_t)snprintf(text + len, cap - len, "s%d A 198.18.%d.%d\n", i,
			                        i / 250, i % 250 + k);
	zone_data_t *zones[2] = {NULL, NULL};
	char err[256];
	int r = zone_load_text(&zones[0], "sized.test", text, "sized", err, sizeof(err));
	len = (size_t)snprintf(text, cap,
	                       "$TTL 30\n@ SOA ns1 hostmaster 1 3600 600 86400 30\n@ NS ns1\n"
	                       "ns1 A 127.0.0.1\n");
	for (int i = 0; i < DEEP; i++)
		len += (size_t)snprintf(text + len, cap - len, "x.a%d.b%d.c%d.d%d A 192.0.2.1\n", i,
		                        i, i, i);
	if (r == 0)
		r = zone_load_text(&zones[1], "deep.test", text, "deep", err, sizeof(err));
	free(text);
	snapshot_t *s = NULL;
	if (r == 0)
		r = snapshot_build(&s, zones, 2, &(answer_opts_t){.udp_size = 1232});
	if (!is_int(r, 0, "sized zones build")) {
		diag("%s", err);
		zone_data_free(zones[0]);
		zone_data_free(zones[1]);
		return;
	}
	size_t slots, count;
	table_size(s, (const uint8_t *)"\005sized\004test", 12, &slots, &count);
	is_int((long long)count, NAMES + 2, "1,000 names x 4 A: 1,002 names in the table");
	is_int((long long)slots, 4096, "1,000 names x 4 A: 4,096 slots (by records: 16,384)");
	table_size(s, (const uint8_t *)"\004deep\004test", 11, &slots, &count);
	is_int((long long)count, 2 + DEEP * 5, "300 deep names: 1,502 names with their parents");
	is_int((long long)slots, 8192, "300 deep names: 8,192 slots");
	msgbuf_t m;
	mb_query(&m, 1, "x.a299.b299.c299.d299.deep.test", TYPE_A, 0, false);
	expect(s, &m, 512, "deep name", "NOERROR aa an=1 ns=0 ar=0",
	       "x.a299.b299.c299.d299.deep.test.\t30\tIN\tA\t192.0.2.1\n", "", NULL);
	mb_query(&m, 2, "c0.d0.deep.test", TYPE_A, 0, false);
	expect(s, &m, 512, "its empty non-terminal", "NOERROR aa an=0 ns=1 ar=0", "", NULL, "");
	mb_query(&m, 3, "c0.d1.deep.test", TYPE_A, 0, false);
	expect(s, &m, 512, "a name that is not there", "NXDOMAIN aa an=0 ns=1 ar=0", "", NULL, "");
	mb_query(&m, 4, "s999.sized.test", TYPE_A, 0, false);
	expect(s, &m, 512, "last sized name", "NOERROR aa an=4 ns=0 ar=0", NULL, "", "");
	snapshot_free(s);
	zone_data_free(zones[0]);
	zone_data_free(zones[1]);
}

int main(void)
{
	zone_data_t *zones[2] = {NULL, NULL};
	char err[256];
	int r = zone_load_text(&zones[0], "example.test", zone_text, "example", err, sizeof(err));
	if (r == 0)
		r = zone_load_text(&zones[1], "short.test", short_text, "short", err, sizeof(err));
	snapshot_t *s = NULL;
	if (r == 0)
		r = snapshot_build(&s, zones, 2, &(answer_opts_t){.udp_size = 1232});
	if (!is_int(r, 0, "snapshot builds")) {
		diag("%s", err);
		return done_testing();
	}
	is_int((long long)snapshot_zone_count(s), 2, "two zones");
	test_positive(s);
	test_negative(s);
	test_cname(s);
	test_wildcard(s);
	test_referral(s);
	test_errors(s);
	test_truncation();
	test_checker(s);
	test_table_sizes();
	snapshot_free(s);
	zone_data_free(zones[0]);
	zone_data_free(zones[1]);
	return done_testing();
}
