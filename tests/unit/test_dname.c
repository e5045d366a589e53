/* SPDX-License-Identifier: MIT */
/* test_dname.c -- DNAME (RFC 6672) in compiled answers: a snapshot compiled from zone text
 * answers hand-made queries below DNAME owners; every response is checked for well-formedness
 * (strict compression pointers, DNAME RDATA included), parsed with ldns_wire2pkt and compared
 * with what Knot DNS 3.2 answers for the same zone (checked by hand with kdig/dnspython). */
#include <stdlib.h>

#include "fleetdns/answer.h"
#include "fleetdns/error.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

#define LONG_TARGET                                                                                \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."                         \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."                         \
	"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.test."

#define O60 "oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo"
#define T60 "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
#define T30 "tttttttttttttttttttttttttttttt"

static const char zone_text[] = "$TTL 3600\n"
                                "@        SOA    ns hostmaster 1 7200 3600 1209600 300\n"
                                "@        NS     ns\n"
                                "ns       A      192.0.2.1\n"
                                "bar  600 DNAME  target.test.\n"
                                "bar      TXT    \"at owner\"\n"
                                "in   600 DNAME  inside.dn.test.\n"
                                "inside   A      192.0.2.77\n"
                                "www.inside A    192.0.2.78\n"
                                "d1   600 DNAME  d2.dn.test.\n"
                                "d2   500 DNAME  inside.dn.test.\n"
                                "wl       DNAME  w.dn.test.\n"
                                "*.w      A      192.0.2.99\n"
                                "dl       DNAME  deleg.dn.test.\n"
                                "deleg    NS     ns.deleg\n"
                                "ns.deleg A      192.0.2.53\n"
                                "self     DNAME  y.self.dn.test.\n"
                                "c1       CNAME  www.in.dn.test.\n"
                                "c2       CNAME  x.d1.dn.test.\n"
                                "c3       CNAME  a.bar.dn.test.\n"
                                "long 600 DNAME  " LONG_TARGET "\n"
                                /* a long owner and a long target, for truncation */
                                "" O60 "." O60 " DNAME " T60 "." T60 "." T30 ".test.\n";

static const char apex_text[] = "$TTL 300\n"
                                "@ SOA ns.other.test. hostmaster 1 7200 3600 1209600 300\n"
                                "@ NS ns.other.test.\n"
                                "@ DNAME dn.test.\n";

static uint8_t resp[65536];
static size_t resp_len;

/* wire_check() with DNAME RDATA walked as a name: never compressed (RFC 6672 2.5), and a
 * place the synthesized CNAME may point to. */
static const char *check(const uint8_t *m, size_t len)
{
	static wire_check_t c;
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.len = len;
	if (len < 12)
		return "shorter than a header";
	unsigned rrs = (unsigned)(m[6] << 8 | m[7]) + (unsigned)(m[8] << 8 | m[9]) +
	               (unsigned)(m[10] << 8 | m[11]);
	size_t p = 12;
	const char *e = m[5] ? wc_name(&c, &p) : NULL;
	if (e)
		return e;
	p += m[5] ? 4 : 0;
	for (unsigned i = 0; i < rrs; i++) {
		if ((e = wc_name(&c, &p)) != NULL)
			return e;
		if (p + 10 > len)
			return "record header cut off";
		uint16_t type = (uint16_t)(m[p] << 8 | m[p + 1]);
		size_t rdlen = (size_t)(m[p + 8] << 8 | m[p + 9]), at = p + 10;
		p += 10;
		if (p + rdlen > len)
			return "rdata runs past the end";
		if (type == 39) {
			for (size_t k = at; k < at + rdlen && m[k]; k += 1u + m[k])
				if (m[k] & 0xC0)
					return "DNAME target compressed";
			e = wc_name(&c, &at);
			if (!e && at != p + rdlen)
				e = "DNAME rdata length does not match its name";
		} else {
			e = wc_rdata(&c, type, p, rdlen);
		}
		if (e)
			return e;
		p += rdlen;
	}
	return p == len ? NULL : "bytes after the last record";
}

static const char *summary(const ldns_pkt *pkt)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                              "NOTIMP",  "REFUSED", "YXDOMAIN"};
	static char buf[128];
	unsigned rcode = resp[3] & 0x0F;
	snprintf(buf, sizeof(buf), "%s%s%s an=%u ns=%u ar=%u", rcode < 7 ? names[rcode] : "RCODE?",
	         (resp[2] & 0x04) ? " aa" : "", (resp[2] & 0x02) ? " tc" : "",
	         resp[6] << 8 | resp[7], resp[8] << 8 | resp[9], resp[10] << 8 | resp[11]);
	(void)pkt;
	return buf;
}

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

static bool ask_tcp;

/* Answer m within maxsize; the response must be well formed and match the query's header
 * and question. Returns the parsed packet, or NULL (a failure). */
static ldns_pkt *ask(const snapshot_t *s, const msgbuf_t *m, size_t maxsize, const char *what)
{
	query_t q;
	enum query_verdict v = query_parse(&q, m->b, m->len);
	q.tcp = ask_tcp;
	memset(resp, 0xEE, sizeof(resp));
	resp_len = answer_respond(s, &q, v, resp, maxsize);
	const char *e = resp_len ? check(resp, resp_len) : "no response";
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
	if (!e && memcmp(resp + 12, m->b + 12, q.question_end - 12) != 0)
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

#define SOA "dn.test.\t300\tIN\tSOA\tns.dn.test. hostmaster.dn.test. 1 7200 3600 1209600 300\n"
#define BAR "bar.dn.test.\t600\tIN\tDNAME\ttarget.test.\n"
#define IN  "in.dn.test.\t600\tIN\tDNAME\tinside.dn.test.\n"

static void test_substitution(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "www.bar.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "single substitution", "NOERROR aa an=2 ns=0 ar=0",
	       BAR "www.bar.dn.test.\t600\tIN\tCNAME\twww.target.test.\n", "", "");
	/* The synthesized CNAME's owner points to the question (0xC00C), its RDATA ends with a
	 * pointer to the target inside the DNAME's RDATA. */
	size_t cname = 12 + 17 + 4 + 12 + 13;
	ok(resp[cname] == 0xC0 && resp[cname + 1] == 12, "CNAME owner: a pointer to the question");
	ok(resp[cname + 12] == 3 && memcmp(resp + cname + 13, "www", 3) == 0 &&
	       resp[cname + 16] == 0xC0 && resp[cname + 17] == 12 + 17 + 4 + 12,
	   "CNAME RDATA: the label, then a pointer to the DNAME's target");

	mb_header(&m, 2, 0x0110, 1, 0, 0, 0); /* RD and CD */
	mb_question(&m, "WwW.a.BaR.dn.test", TYPE_AAAA, CLASS_IN);
	expect(s, &m, 512, "two labels, mixed case", "NOERROR aa an=2 ns=0 ar=0",
	       "BaR.dn.test.\t600\tIN\tDNAME\ttarget.test.\n"
	       "WwW.a.BaR.dn.test.\t600\tIN\tCNAME\twww.a.target.test.\n",
	       "", "");

	mb_query(&m, 3, "x.bar.dn.test", TYPE_CNAME, 0, false);
	expect(s, &m, 512, "CNAME query", "NOERROR aa an=2 ns=0 ar=0",
	       BAR "x.bar.dn.test.\t600\tIN\tCNAME\tx.target.test.\n", "", "");
	mb_query(&m, 4, "x.bar.dn.test", LDNS_RR_TYPE_DNAME, 0, false);
	expect(s, &m, 512, "DNAME query below the owner", "NOERROR aa an=2 ns=0 ar=0",
	       BAR "x.bar.dn.test.\t600\tIN\tCNAME\tx.target.test.\n", "", "");
	mb_query(&m, 5, "x.bar.dn.test", TYPE_ANY, 0, false);
	expect(s, &m, 512, "ANY below the owner", "NOERROR aa an=2 ns=0 ar=0", NULL, "", "");
	mb_query(&m, 6, "x.bar.dn.test", TYPE_DS, 0, false);
	expect(s, &m, 512, "DS below the owner", "NOERROR aa an=2 ns=0 ar=0", NULL, "", "");

	mb_query(&m, 7, "bar.dn.test", LDNS_RR_TYPE_DNAME, 0, false);
	expect(s, &m, 512, "DNAME query at the owner", "NOERROR aa an=1 ns=0 ar=0", BAR, "", "");
	mb_query(&m, 8, "bar.dn.test", LDNS_RR_TYPE_TXT, 0, false);
	expect(s, &m, 512, "other type at the owner: not substituted", "NOERROR aa an=1 ns=0 ar=0",
	       "bar.dn.test.\t3600\tIN\tTXT\t\"at owner\"\n", "", "");
	mb_query(&m, 9, "bar.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "NODATA at the owner", "NOERROR aa an=0 ns=1 ar=0", "", SOA, "");

	mb_query(&m, 10, "x.bar.dn.test", TYPE_A, 1232, true);
	ldns_pkt *pkt = ask(s, &m, 1232, "EDNS");
	ok(pkt && ldns_pkt_ancount(pkt) == 2 && ldns_pkt_edns(pkt) && ldns_pkt_edns_do(pkt) &&
	       ldns_pkt_arcount(pkt) == 0 && resp[11] == 1,
	   "EDNS: OPT last, DO echoed, two answers");
	ldns_pkt_free(pkt);
}

static void test_yxdomain(const snapshot_t *s)
{
	msgbuf_t m;
	char name[300];
	/* The target takes 192 octets: 63 octets of labels before the owner make a name of 255,
	 * 64 one of 256 (Knot 3.2: NOERROR, then YXDOMAIN with the DNAME alone, AA). */
	memset(name, 'x', sizeof(name));
	strcpy(name + 62, ".long.dn.test");
	mb_query(&m, 1, name, TYPE_A, 0, false);
	expect(s, &m, 512, "new name of 255 octets: substituted", "NOERROR aa an=2 ns=0 ar=0", NULL,
	       "", "");
	memset(name, 'x', sizeof(name));
	strcpy(name + 63, ".long.dn.test");
	mb_query(&m, 2, name, TYPE_A, 0, false);
	expect(s, &m, 512, "new name of 256 octets: YXDOMAIN", "YXDOMAIN aa an=1 ns=0 ar=0",
	       "long.dn.test.\t600\tIN\tDNAME\t" LONG_TARGET "\n", "", "");
	mb_query(&m, 3, "x.long.dn.test", TYPE_A, 1232, false);
	expect(s, &m, 1232, "short name below the long target, EDNS", "NOERROR aa an=2 ns=0 ar=1",
	       "long.dn.test.\t600\tIN\tDNAME\t" LONG_TARGET "\n"
	       "x.long.dn.test.\t600\tIN\tCNAME\tx." LONG_TARGET "\n",
	       "", "");
}

static void test_chains(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "www.in.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "in-zone target followed", "NOERROR aa an=3 ns=0 ar=0",
	       IN "www.in.dn.test.\t600\tIN\tCNAME\twww.inside.dn.test.\n"
	          "www.inside.dn.test.\t3600\tIN\tA\t192.0.2.78\n",
	       "", "");
	mb_query(&m, 2, "www.in.dn.test", TYPE_MX, 0, false);
	expect(s, &m, 512, "in-zone target, NODATA", "NOERROR aa an=2 ns=1 ar=0", NULL, SOA, "");
	mb_query(&m, 3, "nope.in.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "in-zone target missing: NXDOMAIN", "NXDOMAIN aa an=2 ns=1 ar=0",
	       IN "nope.in.dn.test.\t600\tIN\tCNAME\tnope.inside.dn.test.\n", SOA, "");
	mb_query(&m, 4, "www.in.dn.test", TYPE_CNAME, 0, false);
	expect(s, &m, 512, "CNAME query: the synthesized CNAME ends it",
	       "NOERROR aa an=2 ns=0 ar=0", NULL, "", "");
	mb_query(&m, 5, "www.in.dn.test", LDNS_RR_TYPE_DNAME, 0, false);
	expect(s, &m, 512, "DNAME query: followed to NODATA", "NOERROR aa an=2 ns=1 ar=0", NULL,
	       SOA, "");
	mb_query(&m, 6, "WwW.D1.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "DNAME to DNAME", "NOERROR aa an=5 ns=0 ar=0",
	       "D1.dn.test.\t600\tIN\tDNAME\td2.dn.test.\n"
	       "WwW.D1.dn.test.\t600\tIN\tCNAME\twww.d2.dn.test.\n"
	       "d2.dn.test.\t500\tIN\tDNAME\tinside.dn.test.\n"
	       "www.d2.dn.test.\t500\tIN\tCNAME\twww.inside.dn.test.\n"
	       "www.inside.dn.test.\t3600\tIN\tA\t192.0.2.78\n",
	       "", "");
	mb_query(&m, 7, "x.wl.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "DNAME to a wildcard", "NOERROR aa an=3 ns=0 ar=0",
	       "wl.dn.test.\t3600\tIN\tDNAME\tw.dn.test.\n"
	       "x.wl.dn.test.\t3600\tIN\tCNAME\tx.w.dn.test.\n"
	       "x.w.dn.test.\t3600\tIN\tA\t192.0.2.99\n",
	       "", "");
	mb_query(&m, 8, "x.dl.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "DNAME into a delegation", "NOERROR aa an=2 ns=1 ar=1",
	       "dl.dn.test.\t3600\tIN\tDNAME\tdeleg.dn.test.\n"
	       "x.dl.dn.test.\t3600\tIN\tCNAME\tx.deleg.dn.test.\n",
	       "deleg.dn.test.\t3600\tIN\tNS\tns.deleg.dn.test.\n",
	       "ns.deleg.dn.test.\t3600\tIN\tA\t192.0.2.53\n");
	mb_query(&m, 9, "a.self.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "target below its own owner: 5 substitutions, the DNAME once",
	       "NOERROR aa an=6 ns=0 ar=0",
	       "self.dn.test.\t3600\tIN\tDNAME\ty.self.dn.test.\n"
	       "a.self.dn.test.\t3600\tIN\tCNAME\ta.y.self.dn.test.\n"
	       "a.y.self.dn.test.\t3600\tIN\tCNAME\ta.y.y.self.dn.test.\n"
	       "a.y.y.self.dn.test.\t3600\tIN\tCNAME\ta.y.y.y.self.dn.test.\n"
	       "a.y.y.y.self.dn.test.\t3600\tIN\tCNAME\ta.y.y.y.y.self.dn.test.\n"
	       "a.y.y.y.y.self.dn.test.\t3600\tIN\tCNAME\ta.y.y.y.y.y.self.dn.test.\n",
	       "", "");
}

/* A CNAME whose target is below a DNAME: the chain continues through it, at compile time. */
static void test_cname_to_dname(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "c1.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME to DNAME to A", "NOERROR aa an=4 ns=0 ar=0",
	       "c1.dn.test.\t3600\tIN\tCNAME\twww.in.dn.test.\n" IN
	       "www.in.dn.test.\t600\tIN\tCNAME\twww.inside.dn.test.\n"
	       "www.inside.dn.test.\t3600\tIN\tA\t192.0.2.78\n",
	       "", "");
	mb_query(&m, 2, "c2.dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "CNAME to DNAME to DNAME to nothing", "NXDOMAIN aa an=5 ns=1 ar=0",
	       "c2.dn.test.\t3600\tIN\tCNAME\tx.d1.dn.test.\n"
	       "d1.dn.test.\t600\tIN\tDNAME\td2.dn.test.\n"
	       "x.d1.dn.test.\t600\tIN\tCNAME\tx.d2.dn.test.\n"
	       "d2.dn.test.\t500\tIN\tDNAME\tinside.dn.test.\n"
	       "x.d2.dn.test.\t500\tIN\tCNAME\tx.inside.dn.test.\n",
	       SOA, "");
	mb_query(&m, 3, "c3.dn.test", TYPE_MX, 0, false);
	expect(s, &m, 512, "CNAME to DNAME out of the zone", "NOERROR aa an=3 ns=0 ar=0",
	       "c3.dn.test.\t3600\tIN\tCNAME\ta.bar.dn.test.\n" BAR
	       "a.bar.dn.test.\t600\tIN\tCNAME\ta.target.test.\n",
	       "", "");
	mb_query(&m, 4, "c1.dn.test", TYPE_CNAME, 0, false);
	expect(s, &m, 512, "CNAME query at the CNAME", "NOERROR aa an=1 ns=0 ar=0", NULL, "", "");
}

static void test_apex(const snapshot_t *s)
{
	msgbuf_t m;
	mb_query(&m, 1, "x.apex.test", TYPE_A, 0, false);
	expect(s, &m, 512, "apex DNAME (target in another zone: not followed)",
	       "NOERROR aa an=2 ns=0 ar=0",
	       "apex.test.\t300\tIN\tDNAME\tdn.test.\n"
	       "x.apex.test.\t300\tIN\tCNAME\tx.dn.test.\n",
	       "", "");
	mb_query(&m, 2, "apex.test", TYPE_SOA, 0, false);
	expect(s, &m, 512, "apex itself: its own data", "NOERROR aa an=1 ns=0 ar=0", NULL, "", "");
}

static void test_truncation(const snapshot_t *s)
{
	msgbuf_t m;
	/* Owner 131 octets, target 159: with 95 octets of labels before the owner, the question
	 * (226 + 4), the DNAME (171) and the CNAME (109) make 522 octets. Knot 3.2 with EDNS 512:
	 * TC, the DNAME alone, OPT kept. */
	const char *big =
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx." O60 "." O60 ".dn.test";
	mb_query(&m, 1, big, TYPE_A, 512, false);
	ldns_pkt *pkt = ask(s, &m, 512, "synthesized CNAME does not fit in 512");
	ok(pkt && (resp[2] & 0x02) && ldns_pkt_ancount(pkt) == 1 && ldns_pkt_edns(pkt) &&
	       ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0)) == LDNS_RR_TYPE_DNAME,
	   "no room for the CNAME in 512: TC, the DNAME alone, OPT kept");
	ldns_pkt_free(pkt);
	mb_query(&m, 2, big, TYPE_A, 0, false);
	ask_tcp = true;
	expect(s, &m, 65535, "the same over TCP", "NOERROR aa an=2 ns=0 ar=0",
	       O60 "." O60 ".dn.test.\t3600\tIN\tDNAME\t" T60 "." T60 "." T30 ".test.\n"
	           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
	           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx." O60 "." O60
	           ".dn.test.\t3600\tIN\tCNAME\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
	           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx." T60 "." T60 "." T30
	           ".test.\n",
	       "", "");
	ask_tcp = false;
	mb_query(&m, 3, "x." O60 "." O60 ".dn.test", TYPE_A, 0, false);
	expect(s, &m, 512, "a short name below the long owner fits in 512",
	       "NOERROR aa an=2 ns=0 ar=0", NULL, "", "");
}

static void test_opcode(const snapshot_t *s)
{
	msgbuf_t m;
	mb_header(&m, 1, (uint16_t)(3 << 11 | 0x0110), 1, 0, 0, 0); /* opcode 3, RD, CD */
	mb_question(&m, "www.bar.dn.test", TYPE_A, CLASS_IN);
	query_t q;
	enum query_verdict v = query_parse(&q, m.b, m.len);
	size_t len = answer_respond(s, &q, v, resp, 512);
	ok(len == m.len && resp[2] == (0x80 | 3 << 3 | 0x01) && resp[3] == 4,
	   "opcode 3 with RD and CD: NOTIMP, opcode and RD echoed, CD not (as Knot)");
	mb_header(&m, 2, (uint16_t)(15 << 11 | 0x0110), 1, 0, 0, 1);
	mb_question(&m, "www.bar.dn.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	v = query_parse(&q, m.b, m.len);
	len = answer_respond(s, &q, v, resp, 512);
	ok(len == m.len && resp[2] == (0x80 | 15 << 3 | 0x01) && resp[3] == 4 && resp[11] == 1,
	   "opcode 15 with RD, CD and EDNS: NOTIMP with OPT, CD not echoed");
}

int main(void)
{
	zone_data_t *zones[2] = {NULL, NULL};
	char err[256] = "";
	int r = zone_load_text(&zones[0], "dn.test", zone_text, "dn", err, sizeof(err));
	if (r == 0)
		r = zone_load_text(&zones[1], "apex.test", apex_text, "apex", err, sizeof(err));
	snapshot_t *s = NULL;
	if (r == 0)
		r = snapshot_build(&s, zones, 2, &(answer_opts_t){.udp_size = 1232});
	if (!is_int(r, 0, "zones with DNAMEs compile")) {
		diag("%s", err);
		return done_testing();
	}
	test_substitution(s);
	test_yxdomain(s);
	test_chains(s);
	test_cname_to_dname(s);
	test_apex(s);
	test_truncation(s);
	test_opcode(s);
	snapshot_free(s);
	zone_data_free(zones[0]);
	zone_data_free(zones[1]);
	return done_testing();
}
