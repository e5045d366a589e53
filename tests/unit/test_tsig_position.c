/* SPDX-License-Identifier: MIT */
/* test_tsig_position.c -- a TSIG record anywhere but last in the additional section, or two
 * TSIG records, make a request FORMERR (RFC 8945 5.1), src/wire/query.c: the verdict of
 * query_parse(), then the whole response from worker_answer() (the hook the UDP and TCP
 * workers call), byte for byte: header, the question as written, an OPT when the request
 * has one, before or after the misplaced TSIG (RFC 6891 7), and no TSIG. The same TSIG as the last
 * record is read as a TSIG (has_tsig) and goes to the signature check instead.
 *
 * AXFR and IXFR over TCP do not come here (src/server/tcp.c hands them to xfr_stream_open):
 * this test covers every other request. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/query.h"
#include "server/worker.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

static const char *zone_text = "$TTL 60\n"
                               "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                               "@ IN NS ns\n"
                               "ns IN A 192.0.2.53\n";

static snapshot_t *snap;
static worker_t *worker;
static uint8_t out[65535];
static struct sockaddr_in peer = {.sin_family = AF_INET}; /* 127.0.0.1, set in main */

#define QNAME "ns.example.test"

enum rec { END, TSIG, OPT, A_REC };

/* A TSIG record as a client writes it (RFC 8945 4.2): key name, class ANY, TTL 0, and a
 * well-formed RDATA (hmac-sha256, time, fudge 300, a 32-octet MAC, original ID, no error). */
static void mb_tsig(msgbuf_t *m)
{
	msgbuf_t rd = {.len = 0};
	mb_name(&rd, "hmac-sha256");
	mb_u16(&rd, 0);
	mb_u32(&rd, 1700000000u); /* time signed: 48 bits */
	mb_u16(&rd, 300);         /* fudge */
	mb_u16(&rd, 32);          /* MAC size */
	for (int i = 0; i < 32; i++)
		mb_u8(&rd, (unsigned)(0xA0 + i));
	mb_u16(&rd, 0x4242); /* original ID */
	mb_u16(&rd, 0);      /* error */
	mb_u16(&rd, 0);      /* other len */
	mb_name(m, "xfr");
	mb_u16(m, TYPE_TSIG);
	mb_u16(m, 255); /* class ANY */
	mb_u32(m, 0);
	mb_u16(m, (unsigned)rd.len);
	mb_raw(m, rd.b, rd.len);
}

static void mb_record(msgbuf_t *m, enum rec r)
{
	static const uint8_t addr[4] = {192, 0, 2, 7};
	switch (r) {
	case TSIG:
		mb_tsig(m);
		break;
	case OPT:
		mb_opt(m, 1232, 0, 0, 0, NULL, 0);
		break;
	case A_REC:
		mb_name(m, "x.example.test");
		mb_u16(m, 1);
		mb_u16(m, 1);
		mb_u32(m, 60);
		mb_u16(m, 4);
		mb_raw(m, addr, 4);
		break;
	case END:
		break;
	}
}

/* A request for QNAME A with RD: an records in the answer section, ns in the authority
 * section, then the additional section, each from recs (END-terminated) in order. */
static void request(msgbuf_t *m, unsigned an, unsigned ns, const enum rec *recs)
{
	unsigned n = 0;
	while (recs[n] != END)
		n++;
	mb_header(m, 0xBEEF, 0x0100, 1, (uint16_t)an, (uint16_t)ns, (uint16_t)(n - an - ns));
	mb_question(m, QNAME, 1, 1);
	for (unsigned i = 0; i < n; i++)
		mb_record(m, recs[i]);
}

static size_t ask(const msgbuf_t *m, bool tcp)
{
	exchange_t x = {.msg = m->b,
	                .len = m->len,
	                .peer = (const struct sockaddr *)&peer,
	                .tcp = tcp,
	                .out = out,
	                .outcap = tcp ? TCP_MSG_MAX : UDP_TX_SIZE};
	return worker_answer(worker, snap, &x);
}

/* The FORMERR this server writes for the request above: ID, QR RD, RCODE 1, the question
 * as written, and an OPT when with_opt. */
static void formerr(msgbuf_t *want, bool with_opt)
{
	mb_header(want, 0xBEEF, 0x8101, 1, 0, 0, with_opt ? 1 : 0);
	mb_question(want, QNAME, 1, 1);
	if (with_opt)
		mb_opt(want, 1232, 0, 0, 0, NULL, 0);
}

/* One misplaced-TSIG case: the verdict, then the response over UDP and over TCP. */
static void check_formerr(const char *what, unsigned an, unsigned ns, const enum rec *recs,
                          bool opt_read)
{
	msgbuf_t m, want;
	request(&m, an, ns, recs);
	query_t q;
	is_int(query_parse(&q, m.b, m.len), QUERY_FORMERR,
	       "%s: query_parse: FORMERR (RFC 8945 5.1)", what);
	formerr(&want, opt_read);
	for (int tcp = 0; tcp < 2; tcp++) {
		size_t n = ask(&m, tcp);
		const char *bad = n ? wire_check(out, n) : "no response";
		ok(n == want.len && memcmp(out, want.b, n) == 0 && !bad,
		   "%s, over %s: FORMERR, ID and RD copied, the question, %s, no TSIG, well formed "
		   "(RFC 8945 5.1)",
		   what, tcp ? "TCP" : "UDP", opt_read ? "one OPT" : "no OPT");
		if (bad)
			diag("wire_check: %s", bad);
		else if (n != want.len || memcmp(out, want.b, n) != 0)
			diag("got %zu bytes, rcode %u, counts %u/%u/%u/%u; want %zu bytes", n,
			     out[3] & 0x0F, out[4] << 8 | out[5], out[6] << 8 | out[7],
			     out[8] << 8 | out[9], out[10] << 8 | out[11], want.len);
	}
}

static void test_last(void)
{
	/* The same TSIG, last: read as the request's TSIG, so the misplaced cases below are
	 * refused for where their TSIG is, not for what it holds. */
	static const enum rec last[] = {TSIG, END}, opt_last[] = {OPT, TSIG, END};
	msgbuf_t m;
	query_t q;
	request(&m, 0, 0, last);
	enum query_verdict v = query_parse(&q, m.b, m.len);
	ok(v == QUERY_OK && q.has_tsig && !q.has_opt,
	   "TSIG the only additional record: query_parse: OK, TSIG noted (RFC 8945 5.1)");
	request(&m, 0, 0, opt_last);
	v = query_parse(&q, m.b, m.len);
	ok(v == QUERY_OK && q.has_tsig && q.has_opt,
	   "OPT, then TSIG last: query_parse: OK, OPT and TSIG noted (RFC 8945 5.1)");
	size_t n = ask(&m, false);
	ok(n > 12 && (out[3] & 0x0F) == RCODE_NOTAUTH && !wire_check(out, n),
	   "OPT, then TSIG last: to the signature check: NOTAUTH (no such key), not FORMERR");
}

int main(void)
{
	zone_data_t *z = NULL;
	char err[256];
	if (zone_load_text(&z, "example.test", zone_text, "t", err, sizeof(err)) < 0 ||
	    snapshot_build(&snap, &z, 1, NULL) < 0) {
		ok(false, "zone loads: %s", err);
		return done_testing();
	}
	worker = calloc(1, sizeof(*worker));
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	test_last();

	static const enum rec tsig_opt[] = {TSIG, OPT, END}, tsig_a[] = {TSIG, A_REC, END},
	                      opt_tsig_a[] = {OPT, TSIG, A_REC, END},
	                      tsig_tsig[] = {TSIG, TSIG, END},
	                      opt_tsig_tsig[] = {OPT, TSIG, TSIG, END}, tsig_only[] = {TSIG, END},
	                      tsig_then_ar[] = {TSIG, OPT, END};
	check_formerr("TSIG, then OPT", 0, 0, tsig_opt, true);
	check_formerr("TSIG, then an A record", 0, 0, tsig_a, false);
	check_formerr("OPT, TSIG, then an A record", 0, 0, opt_tsig_a, true);
	check_formerr("two TSIG records", 0, 0, tsig_tsig, false);
	check_formerr("OPT, then two TSIG records", 0, 0, opt_tsig_tsig, true);
	check_formerr("TSIG alone in the answer section", 1, 0, tsig_only, false);
	check_formerr("TSIG alone in the authority section", 0, 1, tsig_only, false);
	check_formerr("TSIG in the authority section, OPT in additional", 0, 1, tsig_then_ar, true);

	/* The client keeps talking: a plain query afterwards is answered. */
	msgbuf_t m;
	mb_query(&m, 0x0101, QNAME, 1, 1232, false);
	size_t n = ask(&m, false);
	ok(n > 12 && (out[3] & 0x0F) == RCODE_NOERROR && (out[6] << 8 | out[7]) == 1 &&
	       !wire_check(out, n),
	   "a plain query after them: NOERROR, one answer");

	free(worker);
	snapshot_free(snap);
	zone_data_free(z);
	return done_testing();
}
