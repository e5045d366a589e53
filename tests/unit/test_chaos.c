/* SPDX-License-Identifier: MIT */
/* test_chaos.c -- CHAOS TXT (RFC 4892) and NSID (RFC 5001), src/answer/chaos.c: the prepared
 * records byte for byte, and whole responses through worker_answer() (the hook the workers
 * call): names, case, types, classes, texts off, defaults, NSID with and without a COOKIE,
 * NSID on errors, and the room NSID keeps at the UDP limit. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "answer/chaos.h"
#include "fleetdns/error.h"
#include "server/worker.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

#define TXT 16
#define CH  3

static const char *zone_text = "$TTL 60\n"
                               "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                               "@ IN NS ns\n"
                               "ns IN A 192.0.2.53\n";

static snapshot_t *snap;
static worker_t *worker;
static uint8_t out[65535];

/* The response to m from worker w (NULL: none) over UDP, from peer (NULL: no cookies). */
static size_t ask(const worker_t *w, const msgbuf_t *m, const struct sockaddr *peer, bool tcp)
{
	exchange_t x = {.msg = m->b,
	                .len = m->len,
	                .peer = peer,
	                .tcp = tcp,
	                .out = out,
	                .outcap = tcp ? TCP_MSG_MAX : UDP_TX_SIZE};
	return worker_answer(w, snap, &x);
}

/* A query: one question of class cls, an OPT (when udp > 0) with options[0..olen). */
static void query(msgbuf_t *m, uint16_t flags, const char *name, uint16_t type, uint16_t cls,
                  uint16_t udp, const void *options, uint16_t olen)
{
	mb_header(m, 0x1234, flags, 1, 0, 0, udp ? 1 : 0);
	mb_question(m, name, type, cls);
	if (udp)
		mb_opt(m, udp, 0, 0, 0, options, olen);
}

static unsigned u16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

/* The OPT record's RDATA of a response whose last record is its OPT, or NULL. */
static const uint8_t *opt_rdata(const uint8_t *r, size_t len, size_t *rdlen)
{
	for (size_t p = 12; p + 11 <= len; p++) {
		if (r[p] == 0 && u16(r + p + 1) == 41 && p + 11 + u16(r + p + 9) == len) {
			*rdlen = u16(r + p + 9);
			return r + p + 11;
		}
	}
	return NULL;
}

static void test_prepare(void)
{
	chaos_t *c = calloc(1, sizeof(*c));
	conf_process_t p = {
	    .identity = "ns1.example", .version = "v 1.2", .nsid = (uint8_t *)"ns1", .nsid_len = 3};
	is_int(chaos_prepare(c, &p, "host"), 0, "prepare: identity, version, nsid");
	static const uint8_t version_rr[] = {0xC0, 0x0C, 0, TXT, 0,   CH,  0,   0,   0,
	                                     0,    0,    6, 5,   'v', ' ', '1', '.', '2'};
	ok(c->version.block.len == sizeof(version_rr) &&
	       memcmp(c->version.wire, version_rr, sizeof(version_rr)) == 0,
	   "version: one TXT record, owner the question (offset 12), class CH, TTL 0");
	ok(c->version.block.an == 1 && c->version.block.ns == 0 && c->version.block.ar == 0 &&
	       !c->version.block.aa && c->version.block.rcode == 0 && !c->version.block.movable,
	   "version block: one answer record, NOERROR, AA=0, laid out for offset 12");
	ok(c->identity.block.len == 12 + 1 + 11 && c->identity.wire[12] == 11 &&
	       memcmp(c->identity.wire + 13, "ns1.example", 11) == 0,
	   "identity: the configured text as one character-string");
	static const uint8_t nsid[] = {0, 3, 0, 3, 'n', 's', '1'};
	ok(c->nsid_len == sizeof(nsid) && memcmp(c->nsid, nsid, sizeof(nsid)) == 0,
	   "nsid: option code 3, length, the configured bytes");

	p = (conf_process_t){0};
	is_int(chaos_prepare(c, &p, "myhost"), 0, "prepare: defaults");
	ok(c->identity.block.len == 12 + 1 + 6 && memcmp(c->identity.wire + 13, "myhost", 6) == 0,
	   "default identity: the host name");
	const char *v = "fleetdns " PACKAGE_VERSION;
	ok(c->version.wire[12] == strlen(v) && memcmp(c->version.wire + 13, v, strlen(v)) == 0,
	   "default version: \"%s\"", v);
	is_int(c->nsid_len, 0, "default nsid: none");
	is_int(chaos_prepare(c, &p, NULL), 0, "prepare: no host name");
	ok(c->identity.block.wire == NULL, "no host name: the default identity is off");

	p = (conf_process_t){.identity = "", .version = "", .nsid = (uint8_t *)"", .nsid_len = 0};
	is_int(chaos_prepare(c, &p, "host"), 0, "prepare: everything off");
	ok(!c->identity.block.wire && !c->version.block.wire && c->nsid_len == 0,
	   "\"\": identity, version and NSID off");

	char longer[CHAOS_TEXT_MAX + 2];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	p = (conf_process_t){.version = longer};
	is_int(chaos_prepare(c, &p, "host"), FDNS_EINVAL, "version of 256 characters: EINVAL");
	longer[CHAOS_TEXT_MAX] = '\0';
	is_int(chaos_prepare(c, &p, "host"), 0, "version of 255 characters: one full string");
	is_int(c->version.block.len, 12 + 1 + 255, "255 characters: record of 268 bytes");
	uint8_t big[CHAOS_NSID_MAX + 1] = {0};
	p = (conf_process_t){.nsid = big, .nsid_len = sizeof(big)};
	is_int(chaos_prepare(c, &p, "host"), FDNS_EINVAL, "nsid of 129 bytes: EINVAL");
	free(c);
}

/* CH TXT name (with RD) answered with text: the whole response byte for byte. */
static void check_txt(const char *name, const char *text)
{
	msgbuf_t q, want;
	query(&q, 0x0100, name, TXT, CH, 0, NULL, 0);
	size_t n = ask(worker, &q, NULL, false);
	mb_header(&want, 0x1234, 0x8100, 1, 1, 0, 0); /* QR, RD copied; AA=0, NOERROR */
	mb_question(&want, name, TXT, CH);
	mb_u16(&want, 0xC00C);
	mb_u16(&want, TXT);
	mb_u16(&want, CH);
	mb_u32(&want, 0);
	mb_u16(&want, 1 + (unsigned)strlen(text));
	mb_u8(&want, (unsigned)strlen(text));
	mb_raw(&want, text, strlen(text));
	ok(n == want.len && memcmp(out, want.b, n) == 0,
	   "CH TXT %s: NOERROR, QR RD, one TXT \"%s\" in class CH, TTL 0", name, text);
}

/* The RCODE (header's 4 bits), AA and answer count of the response to name/type/class. */
static void check_refused(const worker_t *w, const char *name, uint16_t type, uint16_t cls,
                          const char *what)
{
	msgbuf_t q;
	query(&q, 0, name, type, cls, 1232, NULL, 0);
	size_t n = ask(w, &q, NULL, false);
	ok(n > 12 && (out[3] & 0x0F) == RCODE_REFUSED && !(out[2] & 0x04) && u16(out + 6) == 0 &&
	       u16(out + 10) == 1 && !wire_check(out, n),
	   "%s: REFUSED, AA=0, no answer, OPT kept", what);
}

static void test_chaos(void)
{
	conf_process_t p = {.identity = "ns1.example", .version = "v 1.2"};
	chaos_prepare((chaos_t *)worker->chaos, &p, "host");
	check_txt("version.bind", "v 1.2");
	check_txt("version.server", "v 1.2");
	check_txt("id.server", "ns1.example");
	check_txt("hostname.bind", "ns1.example");
	check_txt("VERSION.Bind", "v 1.2"); /* the question echoed as written */
	check_txt("Hostname.BIND", "ns1.example");

	check_refused(worker, "authors.bind", TXT, CH, "CH TXT authors.bind");
	check_refused(worker, "bind", TXT, CH, "CH TXT bind");
	check_refused(worker, "x.version.bind", TXT, CH, "CH TXT x.version.bind");
	check_refused(worker, "version.bind.example", TXT, CH, "CH TXT version.bind.example");
	check_refused(worker, "version.bind", 1, CH, "CH A version.bind");
	check_refused(worker, "version.bind", 255, CH, "CH ANY version.bind (Knot: REFUSED)");
	check_refused(worker, "version.bind", 6, CH, "CH SOA version.bind");
	check_refused(worker, "version.bind", TXT, 255, "class ANY TXT version.bind");
	check_refused(worker, "version.bind", TXT, 4, "class HS TXT version.bind");
	check_refused(worker, "version.bind", TXT, 1, "IN TXT version.bind (no such zone)");
	check_refused(worker, "example.test", 6, CH, "CH SOA of a served zone");
	check_refused(NULL, "version.bind", TXT, CH, "no worker (tests, fuzzing): CH TXT");

	msgbuf_t q;
	query(&q, 0, "version.bind", TXT, CH, 1232, NULL, 0);
	size_t n = ask(worker, &q, NULL, true);
	ok(n > 12 && u16(out + 6) == 1 && u16(out + 10) == 1 && !wire_check(out, n),
	   "CH TXT version.bind over TCP, with EDNS: the answer and an OPT");
	mb_header(&q, 0x1234, 0, 1, 0, 0, 1);
	mb_question(&q, "version.bind", TXT, CH);
	mb_opt(&q, 1232, 0, 1, 0, NULL, 0);
	n = ask(worker, &q, NULL, false);
	ok(n > 12 && (out[3] & 0x0F) == 0 && u16(out + 6) == 0 && u16(out + 10) == 1 &&
	       out[n - 11 + 5] == 1,
	   "CH TXT version.bind, EDNS version 1: BADVERS, no answer");

	p = (conf_process_t){.identity = "", .version = ""};
	chaos_prepare((chaos_t *)worker->chaos, &p, "host");
	check_refused(worker, "version.bind", TXT, CH, "version off: CH TXT version.bind");
	check_refused(worker, "version.server", TXT, CH, "version off: CH TXT version.server");
	check_refused(worker, "id.server", TXT, CH, "identity off: CH TXT id.server");
	check_refused(worker, "hostname.bind", TXT, CH, "identity off: CH TXT hostname.bind");
}

/* The query below (A ns.example.test, with an OPT of options[0..olen)) answered with NSID. */
static size_t ask_nsid(const void *options, uint16_t olen, const struct sockaddr *peer,
                       uint16_t udp)
{
	msgbuf_t q;
	query(&q, 0, "ns.example.test", 1, 1, udp, options, olen);
	return ask(worker, &q, peer, false);
}

static void test_nsid(void)
{
	conf_process_t p = {.nsid = (uint8_t *)"ns1", .nsid_len = 3};
	chaos_prepare((chaos_t *)worker->chaos, &p, "host");
	static const uint8_t ask_opt[] = {0, 3, 0, 0};
	static const uint8_t nsid_opt[] = {0, 3, 0, 3, 'n', 's', '1'};
	size_t rdlen = 0;
	size_t n = ask_nsid(ask_opt, sizeof(ask_opt), NULL, 1232);
	const uint8_t *rd = opt_rdata(out, n, &rdlen);
	ok(rd && rdlen == sizeof(nsid_opt) && memcmp(rd, nsid_opt, rdlen) == 0 &&
	       u16(out + 6) == 1 && !wire_check(out, n),
	   "query with NSID: the answer, and NSID \"ns1\" as the OPT's only option");

	n = ask_nsid(NULL, 0, NULL, 1232);
	rd = opt_rdata(out, n, &rdlen);
	ok(rd && rdlen == 0, "query with EDNS but no NSID option: no NSID");
	msgbuf_t q;
	query(&q, 0, "ns.example.test", 1, 1, 0, NULL, 0);
	n = ask(worker, &q, NULL, false);
	ok(n > 12 && u16(out + 10) == 0 && !wire_check(out, n),
	   "query without EDNS: no OPT at all");

	static const uint8_t with_data[] = {0, 3, 0, 2, 0xAB, 0xCD};
	n = ask_nsid(with_data, sizeof(with_data), NULL, 1232);
	rd = opt_rdata(out, n, &rdlen);
	ok(rd && rdlen == sizeof(nsid_opt) && memcmp(rd, nsid_opt, rdlen) == 0,
	   "NSID option with data in the query (not sent by clients): answered as empty, as Knot");

	static const uint8_t other_then_nsid[] = {0, 100, 0, 2, 1, 2, 0, 3, 0, 0};
	n = ask_nsid(other_then_nsid, sizeof(other_then_nsid), NULL, 1232);
	rd = opt_rdata(out, n, &rdlen);
	ok(rd && rdlen == sizeof(nsid_opt) && memcmp(rd, nsid_opt, rdlen) == 0,
	   "an unknown option, then NSID: NSID answered, the unknown option not echoed");

	static const uint8_t nsid_then_bad[] = {0, 3, 0, 0, 0, 100, 0, 9, 1};
	n = ask_nsid(nsid_then_bad, sizeof(nsid_then_bad), NULL, 1232);
	rd = opt_rdata(out, n, &rdlen);
	ok(n > 12 && (out[3] & 0x0F) == RCODE_FORMERR && rd && rdlen == 0,
	   "NSID, then an option cut short: FORMERR, an OPT without NSID");

	/* The cookie path: COOKIE first (cookie.c writes it), then NSID; RDLENGTH covers both. */
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7F000001)};
	static const uint8_t cookie_nsid[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 3, 0, 0};
	n = ask_nsid(cookie_nsid, sizeof(cookie_nsid), (const struct sockaddr *)&peer, 1232);
	rd = opt_rdata(out, n, &rdlen);
	ok(rd && rdlen == COOKIE_OPTION_LEN + sizeof(nsid_opt) && u16(rd) == 10 &&
	       memcmp(rd + COOKIE_OPTION_LEN, nsid_opt, sizeof(nsid_opt)) == 0 &&
	       !wire_check(out, n),
	   "COOKIE and NSID: a server cookie, then NSID, in one OPT of the right length");

	/* Errors with an OPT carry NSID too (Knot: REFUSED, BADVERS, NOTIMP). */
	query(&q, 0, "other.zone", 1, 1, 1232, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok((out[3] & 0x0F) == RCODE_REFUSED && rd && rdlen == sizeof(nsid_opt),
	   "REFUSED (no such zone): with NSID");
	query(&q, 0, "foo.bind", TXT, CH, 1232, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok((out[3] & 0x0F) == RCODE_REFUSED && rd && rdlen == sizeof(nsid_opt),
	   "REFUSED (CH TXT foo.bind): with NSID");
	query(&q, 0, "version.bind", TXT, CH, 1232, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok((out[3] & 0x0F) == 0 && u16(out + 6) == 1 && rd && rdlen == sizeof(nsid_opt) &&
	       !wire_check(out, n),
	   "CH TXT version.bind (the default version): the answer and NSID");
	mb_header(&q, 0x1234, 0, 1, 0, 0, 1);
	mb_question(&q, "ns.example.test", 1, 1);
	mb_opt(&q, 1232, 0, 1, 0, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok(n > 12 && rd && rd[-11 + 5] == 1 && rdlen == sizeof(nsid_opt),
	   "BADVERS (EDNS version 1): with NSID");
	mb_header(&q, 0x1234, 15 << 11, 1, 0, 0, 1);
	mb_question(&q, "ns.example.test", 1, 1);
	mb_opt(&q, 1232, 0, 0, 0, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok((out[3] & 0x0F) == RCODE_NOTIMP && rd && rdlen == sizeof(nsid_opt),
	   "NOTIMP (opcode 15): with NSID");

	/* NSID over TCP. */
	query(&q, 0, "ns.example.test", 1, 1, 1232, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, true);
	rd = opt_rdata(out, n, &rdlen);
	ok(rd && rdlen == sizeof(nsid_opt) && u16(out + 6) == 1, "over TCP: the answer and NSID");

	/* The room is kept: an answer that fits 512 bytes alone but not with NSID is cut (TC),
	 * NSID stays, as Knot does; nothing goes past 512. */
	uint8_t nsid_big[CHAOS_NSID_MAX];
	memset(nsid_big, 'n', sizeof(nsid_big));
	p = (conf_process_t){.nsid = nsid_big, .nsid_len = sizeof(nsid_big)};
	chaos_prepare((chaos_t *)worker->chaos, &p, "host");
	query(&q, 0, "big.example.test", TXT, 1, 512, NULL, 0);
	n = ask(worker, &q, NULL, false);
	ok(n > 400 && n <= 512 && !(out[2] & 0x02) && u16(out + 6) == 1,
	   "TXT of %zu bytes without NSID: whole, no TC", n);
	query(&q, 0, "big.example.test", TXT, 1, 512, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok(n <= 512 && (out[2] & 0x02) && u16(out + 6) == 0 && rd && rdlen == 4 + CHAOS_NSID_MAX &&
	       !wire_check(out, n),
	   "the same with NSID of 128 bytes at UDP 512: TC, no answer, NSID kept (%zu bytes)", n);
	query(&q, 0, "big.example.test", TXT, 1, 1232, ask_opt, sizeof(ask_opt));
	n = ask(worker, &q, NULL, false);
	rd = opt_rdata(out, n, &rdlen);
	ok(!(out[2] & 0x02) && u16(out + 6) == 1 && rd && rdlen == 4 + CHAOS_NSID_MAX,
	   "at UDP 1232: the answer and NSID");
}

int main(void)
{
	char big_zone[2048], err[256];
	char text[441];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* big: 3 strings, 440 characters: with header, question and OPT, 491 bytes. */
	snprintf(big_zone, sizeof(big_zone), "%sbig IN TXT \"%.200s\" \"%.200s\" \"%.40s\"\n",
	         zone_text, text, text, text);
	zone_data_t *z = NULL;
	if (zone_load_text(&z, "example.test", big_zone, "t", err, sizeof(err)) < 0 ||
	    snapshot_build(&snap, &z, 1, NULL) < 0) {
		ok(false, "zone loads: %s", err);
		return done_testing();
	}
	worker = calloc(1, sizeof(*worker));
	worker->chaos = calloc(1, sizeof(chaos_t));
	test_prepare();
	test_chaos();
	test_nsid();
	free((void *)worker->chaos);
	free(worker);
	snapshot_free(snap);
	zone_data_free(z);
	return done_testing();
}
