/* SPDX-License-Identifier: MIT */
/* test_cookie.c -- DNS server cookies (RFC 7873, RFC 9018), src/server/cookie.c: which
 * server cookies cookie_valid() accepts (made for this client cookie and address with the
 * secret, at most 3600 s before now and at most 300 s after it, RFC 9018 4.3; each boundary
 * from both sides), then the same through worker_answer() with a worker whose secret is set,
 * and the COOKIE option every response to a query with a COOKIE carries: the client cookie,
 * then a fresh server cookie (version 1, reserved 0, the time now, the hash of RFC 9018 4.4).
 *
 * The server cookies here are made by the test itself, with libsodium's SipHash-2-4 over
 * the fields RFC 9018 4.4 lists, not with cookie.c. worker_answer() reads the clock with
 * time(); the test reads it before and after each call and tries again when a second
 * ended in between, so "now" is exact. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium/crypto_shorthash_siphash24.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/cookie.h"
#include "server/worker.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

static const char *zone_text = "$TTL 60\n"
                               "@ IN SOA ns hostmaster 1 60 10 3600 5\n"
                               "@ IN NS ns\n"
                               "ns IN A 192.0.2.53\n";

static const uint8_t secret[COOKIE_SECRET_LEN] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                                  0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F};
static const uint8_t client_cookie[8] = {0xC1, 0x1E, 0x47, 0xC0, 0x0C, 0x1E, 0x01, 0x02};

static snapshot_t *snap;
static worker_t *worker;
static uint8_t out[65535];
static struct sockaddr_in peer4, other4;
static struct sockaddr_in6 peer6;

/* RFC 9018 4.4: Hash = SipHash-2-4((Client Cookie | Version | Reserved | Timestamp |
 * Client-IP), Server Secret). Writes the 16-octet server cookie. */
static void server_cookie(uint8_t sc[16], const uint8_t cc[8], const struct sockaddr *who,
                          uint32_t ts, uint8_t version)
{
	uint8_t in[8 + 8 + 16];
	size_t n = 0;
	sc[0] = version;
	sc[1] = sc[2] = sc[3] = 0;
	sc[4] = (uint8_t)(ts >> 24);
	sc[5] = (uint8_t)(ts >> 16);
	sc[6] = (uint8_t)(ts >> 8);
	sc[7] = (uint8_t)ts;
	memcpy(in, cc, 8);
	memcpy(in + 8, sc, 8);
	n = 16;
	if (who->sa_family == AF_INET) {
		memcpy(in + n, &((const struct sockaddr_in *)who)->sin_addr, 4);
		n += 4;
	} else {
		memcpy(in + n, &((const struct sockaddr_in6 *)who)->sin6_addr, 16);
		n += 16;
	}
	crypto_shorthash_siphash24(sc + 8, in, n, secret);
}

/* A query for ns.example.test A with EDNS and one COOKIE option: the client cookie, then
 * the server cookie when sc is not NULL. */
static void cookie_query(msgbuf_t *m, const uint8_t *sc)
{
	msgbuf_t opt = {.len = 0};
	mb_u16(&opt, EDNS_COOKIE);
	mb_u16(&opt, sc ? 24 : 8);
	mb_raw(&opt, client_cookie, 8);
	if (sc)
		mb_raw(&opt, sc, 16);
	mb_header(m, 0xC00C, 0, 1, 0, 0, 1);
	mb_question(m, "ns.example.test", 1, 1);
	mb_opt(m, 1232, 0, 0, 0, opt.b, (uint16_t)opt.len);
}

/* cookie_valid() for a query bringing the server cookie made at ts for who, checked for
 * peer at now. */
static bool valid_at(const struct sockaddr *who, uint32_t ts, const struct sockaddr *from,
                     uint32_t now)
{
	uint8_t sc[16];
	msgbuf_t m;
	query_t q;
	server_cookie(sc, client_cookie, who, ts, 1);
	cookie_query(&m, sc);
	if (query_parse(&q, m.b, m.len) != QUERY_OK || q.cookie_len != 24)
		return false;
	return cookie_valid(&q, from, secret, now);
}

static void test_window(void)
{
	const struct sockaddr *p4 = (const struct sockaddr *)&peer4;
	const struct sockaddr *p6 = (const struct sockaddr *)&peer6;
	const uint32_t now = 1700000000u;
	ok(valid_at(p4, now, p4, now), "cookie_valid: made now: accepted (RFC 9018 4.3)");
	ok(valid_at(p4, now - 3600, p4, now),
	   "cookie_valid: made 3600 s before now: accepted (RFC 9018 4.3)");
	ok(!valid_at(p4, now - 3601, p4, now),
	   "cookie_valid: made 3601 s before now: refused (RFC 9018 4.3: older than an hour)");
	ok(valid_at(p4, now + 300, p4, now),
	   "cookie_valid: made 300 s after now: accepted (RFC 9018 4.3)");
	ok(!valid_at(p4, now + 301, p4, now),
	   "cookie_valid: made 301 s after now: refused (RFC 9018 4.3: more than five minutes "
	   "ahead)");
	ok(!valid_at(p4, now - 86400, p4, now), "cookie_valid: made a day before now: refused");
	ok(!valid_at(p4, now + 86400, p4, now), "cookie_valid: made a day after now: refused");
	/* RFC 9018 4.3: the timestamp compares with serial number arithmetic (RFC 1982). */
	ok(valid_at(p4, 1000u - 3600u, p4, 1000u) && !valid_at(p4, 1000u - 3601u, p4, 1000u),
	   "cookie_valid: across the 32-bit wrap, 3600 s before: accepted, 3601 s: refused "
	   "(RFC 9018 4.3, RFC 1982)");
	const uint32_t top = 0xFFFFFFFFu - 99u; /* 100 s before the 32-bit wrap */
	ok(valid_at(p4, top + 300u, p4, top) && !valid_at(p4, top + 301u, p4, top),
	   "cookie_valid: now 100 s before the 32-bit wrap, made 300 s after (past the wrap): "
	   "accepted; 301 s: refused (RFC 9018 4.3, RFC 1982)");
	ok(valid_at(p6, now - 3600, p6, now) && !valid_at(p6, now - 3601, p6, now) &&
	       valid_at(p6, now + 300, p6, now) && !valid_at(p6, now + 301, p6, now),
	   "cookie_valid, IPv6 client: 3600 s before and 300 s after accepted, 3601 s and 301 s "
	   "refused (RFC 9018 4.3)");
	/* What else it takes, inside the window: */
	ok(!valid_at(p4, now, (const struct sockaddr *)&other4, now),
	   "cookie_valid: a cookie made for another address: refused (RFC 9018 4.4)");
	uint8_t sc[16];
	msgbuf_t m;
	query_t q;
	server_cookie(sc, client_cookie, p4, now, 2);
	cookie_query(&m, sc);
	ok(query_parse(&q, m.b, m.len) == QUERY_OK && !cookie_valid(&q, p4, secret, now),
	   "cookie_valid: version 2 (hash right for it): refused (RFC 9018 4.1: version 1)");
	server_cookie(sc, client_cookie, p4, now, 1);
	sc[15] ^= 1;
	cookie_query(&m, sc);
	ok(query_parse(&q, m.b, m.len) == QUERY_OK && !cookie_valid(&q, p4, secret, now),
	   "cookie_valid: one bit of the hash flipped: refused");
	cookie_query(&m, NULL);
	ok(query_parse(&q, m.b, m.len) == QUERY_OK && q.cookie_len == 8 &&
	       !cookie_valid(&q, p4, secret, now),
	   "cookie_valid: a client cookie alone: not valid");
}

/* The OPT RDATA of a response whose last record is its OPT, or NULL. */
static const uint8_t *opt_rdata(const uint8_t *r, size_t len, size_t *rdlen)
{
	for (size_t p = 12; p + 11 <= len; p++) {
		size_t l = (size_t)(r[p + 9] << 8 | r[p + 10]);
		if (r[p] == 0 && r[p + 1] == 0 && r[p + 2] == 41 && p + 11 + l == len) {
			*rdlen = l;
			return r + p + 11;
		}
	}
	return NULL;
}

/* worker_answer() for a query bringing the server cookie made offset seconds from now (sc
 * NULL: a client cookie alone); *now is the second it ran in. Returns the response length;
 * *valid is what it found of the cookie. */
static size_t ask_at(long offset, bool with_sc, uint32_t *now, bool *valid)
{
	const struct sockaddr *p4 = (const struct sockaddr *)&peer4;
	for (int tries = 0; tries < 20; tries++) {
		uint32_t t0 = (uint32_t)time(NULL);
		uint8_t sc[16];
		msgbuf_t m;
		server_cookie(sc, client_cookie, p4, (uint32_t)(t0 + offset), 1);
		cookie_query(&m, with_sc ? sc : NULL);
		exchange_t x = {.msg = m.b,
		                .len = m.len,
		                .peer = p4,
		                .tcp = false,
		                .out = out,
		                .outcap = UDP_TX_SIZE};
		size_t n = worker_answer(worker, snap, &x);
		if ((uint32_t)time(NULL) == t0) {
			*now = t0;
			*valid = x.cookie_valid;
			return n;
		}
	}
	*now = 0;
	*valid = false;
	return 0;
}

/* The response to the query of ask_at carries, as the OPT's only option, a COOKIE with
 * the client cookie and the server cookie RFC 9018 makes at now. */
static bool fresh_cookie(size_t n, uint32_t now, const char **why)
{
	size_t rdlen = 0;
	const uint8_t *rd = n ? opt_rdata(out, n, &rdlen) : NULL;
	uint8_t want[16];
	server_cookie(want, client_cookie, (const struct sockaddr *)&peer4, now, 1);
	*why = NULL;
	if (!n)
		*why = "no response";
	else if (wire_check(out, n))
		*why = wire_check(out, n);
	else if ((out[3] & 0x0F) != 0 || (out[6] << 8 | out[7]) != 1)
		*why = "not NOERROR with one answer";
	else if (!rd)
		*why = "no OPT as the last record";
	else if (rdlen != 28)
		*why = "OPT RDATA is not one option of 24 octets";
	else if ((rd[0] << 8 | rd[1]) != EDNS_COOKIE || (rd[2] << 8 | rd[3]) != 24)
		*why = "not a COOKIE option of 24 octets";
	else if (memcmp(rd + 4, client_cookie, 8) != 0)
		*why = "client cookie not returned";
	else if (rd[12] != 1)
		*why = "version is not 1";
	else if (rd[13] || rd[14] || rd[15])
		*why = "reserved octets not 0";
	else if (memcmp(rd + 16, want + 4, 4) != 0)
		*why = "timestamp is not now";
	else if (memcmp(rd + 20, want + 8, 8) != 0)
		*why = "hash is not RFC 9018's";
	return !*why;
}

static void test_worker(void)
{
	uint32_t now;
	bool valid;
	const char *why;
	size_t n;

	n = ask_at(-3600, true, &now, &valid);
	ok(now && valid, "worker_answer: a server cookie made 3600 s before now: valid "
	                 "(RFC 9018 4.3)");
	ok(fresh_cookie(n, now, &why),
	   "worker_answer: that query's response: the client cookie and a fresh server cookie "
	   "(version 1, reserved 0, timestamp now, RFC 9018 4.4 hash) (RFC 7873 5.2.5, "
	   "RFC 9018 4.3)");
	if (why)
		diag("%s", why);
	/* The fresh cookie is accepted back, by worker_answer, from the same client. */
	size_t rdlen = 0;
	const uint8_t *rd = opt_rdata(out, n, &rdlen);
	if (rd && rdlen == 28) {
		uint8_t back[16];
		memcpy(back, rd + 12, 16);
		msgbuf_t m;
		cookie_query(&m, back);
		exchange_t x = {.msg = m.b,
		                .len = m.len,
		                .peer = (const struct sockaddr *)&peer4,
		                .out = out,
		                .outcap = UDP_TX_SIZE};
		worker_answer(worker, snap, &x);
		ok(x.cookie_valid, "worker_answer: the fresh server cookie, brought back: valid");
	} else {
		ok(false, "worker_answer: the fresh server cookie, brought back: valid");
	}

	n = ask_at(-3601, true, &now, &valid);
	ok(now && !valid, "worker_answer: a server cookie made 3601 s before now: not valid "
	                  "(RFC 9018 4.3)");
	ok(fresh_cookie(n, now, &why),
	   "worker_answer: that query's response: the client cookie and a fresh server cookie "
	   "made now (RFC 7873 5.2.4)");
	if (why)
		diag("%s", why);
	n = ask_at(300, true, &now, &valid);
	ok(now && valid, "worker_answer: a server cookie made 300 s after now: valid "
	                 "(RFC 9018 4.3)");
	ok(fresh_cookie(n, now, &why),
	   "worker_answer: that query's response: a fresh server cookie, timestamp now, not the "
	   "one brought (RFC 7873 5.2.5, RFC 9018 4.3)");
	if (why)
		diag("%s", why);
	n = ask_at(301, true, &now, &valid);
	ok(now && !valid, "worker_answer: a server cookie made 301 s after now: not valid "
	                  "(RFC 9018 4.3)");
	ok(fresh_cookie(n, now, &why),
	   "worker_answer: that query's response: the client cookie and a fresh server cookie "
	   "made now (RFC 7873 5.2.4)");
	if (why)
		diag("%s", why);
	n = ask_at(0, false, &now, &valid);
	ok(now && !valid && fresh_cookie(n, now, &why),
	   "worker_answer: a client cookie alone: not valid, answered with it and a fresh server "
	   "cookie (RFC 7873 5.2.3)");
	if (why)
		diag("%s", why);
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
	peer4 = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(5353)};
	inet_pton(AF_INET, "192.0.2.77", &peer4.sin_addr);
	other4 = peer4;
	inet_pton(AF_INET, "192.0.2.78", &other4.sin_addr);
	peer6 = (struct sockaddr_in6){.sin6_family = AF_INET6};
	inet_pton(AF_INET6, "2001:db8::77", &peer6.sin6_addr);
	worker = calloc(1, sizeof(*worker));
	memcpy(worker->cookie_secret, secret, sizeof(secret));

	test_window();
	test_worker();

	free(worker);
	snapshot_free(snap);
	zone_data_free(z);
	return done_testing();
}
