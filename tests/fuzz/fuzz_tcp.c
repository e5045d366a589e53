/* SPDX-License-Identifier: MIT */
/* fuzz_tcp.c -- libFuzzer harness for DNS over TCP: the input is the byte stream one client
 * sends on one connection.
 *
 * The stream is cut into messages with tcp_frame_next() and each message is handled as
 * src/server/tcp.c's conn_answer() does: every message goes through the dispatcher,
 * worker_answer(), with the TCP limit; a transfer request comes back as a stream that is
 * read to its end before the next message (queries, NOTIFY, TSIG-signed queries get one
 * response). A partial
 * message at the end is what a client leaves behind when it closes: nothing answers it.
 * Every response must fit in 65535 bytes (the buffer is exactly that big, so AddressSanitizer
 * sees a byte more), pass the strict checker of tests/lib/dnsmsg.h and ldns_wire2pkt, and
 * carry the request's ID with QR set; a transfer must end within STREAM_MSGS_MAX messages.
 *
 * The snapshot is built once, with transfer data as the daemon publishes it (every version
 * chained to the journal of the one before):
 *  - signed.test: allow-transfer to 127.0.0.0/8 with key xfr-sha256 only (and to ::1 with
 *    xfr-sha512); versions 1, 2, 3; large enough that an AXFR takes two signed messages;
 *  - open.test: allow-transfer to 127.0.0.1 without a key (and to 10/8 with xfr-sha512);
 *    versions 10, 11 (most records change: IXFR from 10 is the whole zone, the journal being
 *    larger) and 12 (IXFR from 11 is incremental);
 *  - closed.test: no allow-transfer.
 * The client is 127.0.0.1. The clock stands still at FUZZ_TCP_NOW, the time the signed seeds
 * of corpus/tcp were signed (make_corpus.py), so that they stay valid and reach the signed
 * transfer paths: time() is wrapped at link time (-Wl,--wrap=time, tests/fuzz/Makefile.inc).
 * FUZZ_LOG=1 in the environment keeps the server's log (refusals, transfers) on stderr.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "server/tcp_frame.h"
#include "server/worker.h"
#include "util/log.h"
#include "xfr/xfr_internal.h"

#include "../lib/dnsmsg.h"

/* Keep in step with TCP_NOW and the keys in make_corpus.py. */
#define FUZZ_TCP_NOW    1700000000
#define STREAM_MSGS_MAX 16
#define SECRET_SHA256   "ZmxlZXRkbnMtZnV6ei10Y3Atc2hhMjU2LWtleS0zMmI="
#define SECRET_SHA512                                                                              \
	"ZmxlZXRkbnMtZnV6ei10Y3Atc2hhNTEyLWtleS1vZi1zaXh0eS1mb3VyLWJ5dGVzLTAxMjM0NTY3ODlhYmNkZQ=="

time_t __wrap_time(time_t *t);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

time_t __wrap_time(time_t *t)
{
	if (t)
		*t = FUZZ_TCP_NOW;
	return FUZZ_TCP_NOW;
}

static conf_key_t keys[] = {
    {.name = "xfr-sha256", .algorithm = "hmac-sha256", .secret = SECRET_SHA256},
    {.name = "xfr-sha512", .algorithm = "hmac-sha512", .secret = SECRET_SHA512},
};
static conf_acl_t signed_acl[] = {
    {.prefix = 8, .key = "xfr-sha256", .text = "127.0.0.0/8"},
    {.prefix = 128, .key = "xfr-sha512", .text = "::1"},
};
static conf_acl_t open_acl[] = {
    {.prefix = 32, .text = "127.0.0.1"},
    {.prefix = 8, .key = "xfr-sha512", .text = "10.0.0.0/8"},
};
static conf_zone_t conf_zones[] = {
    {.name = "signed.test", .allow_transfer = signed_acl, .nallow_transfer = 2},
    {.name = "open.test", .allow_transfer = open_acl, .nallow_transfer = 2},
    {.name = "closed.test"},
};
static conf_t conf = {.zones = conf_zones, .nzones = 3, .keys = keys, .nkeys = 2};

static snapshot_t *snap;
static struct sockaddr_storage peer;
static uint8_t *out; /* exactly 65535 bytes */

#define SOA_NS(serial)                                                                             \
	"$TTL 300\n@ SOA ns hostmaster " #serial " 3600 600 86400 60\n@ NS ns\nns A 192.0.2.53\n"

static const char *const signed_versions[] = {
    SOA_NS(1) "www A 192.0.2.1\nold A 192.0.2.2\n",
    SOA_NS(2) "www A 192.0.2.3\nnew A 192.0.2.4\n",
    SOA_NS(3) "www A 192.0.2.3\nnew A 192.0.2.4\nv3 TXT \"three\"\n",
};
/* open.test: 10 -> 11 changes every record but the SOA and NS, 11 -> 12 adds one. */
#define AB                                                                                         \
	"a TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\nb TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
#define CD                                                                                         \
	"c TXT \"cccccccccccccccccccccccccccccccc\"\nd TXT \"dddddddddddddddddddddddddddddddd\"\n"
static const char *const open_versions[] = {
    SOA_NS(10) AB,
    SOA_NS(11) CD,
    SOA_NS(12) CD "e AAAA 2001:db8::e\n",
};
static const char *const closed_versions[] = {SOA_NS(7) "www A 192.0.2.7\n"};

static void addr_set(struct sockaddr_storage *ss, const char *text)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		ss->ss_family = AF_INET6;
		inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)ss)->sin6_addr);
	} else {
		ss->ss_family = AF_INET;
		inet_pton(AF_INET, text, &((struct sockaddr_in *)ss)->sin_addr);
	}
}

/* signed.test's text with 800 TXT records more (about 71 KB in wire format): more than
 * one transfer message holds. */
static char *with_bulk(const char *text)
{
	size_t cap = strlen(text) + 800 * 96, len = strlen(text);
	char *t = malloc(cap);
	if (!t)
		abort();
	memcpy(t, text, len + 1);
	for (int i = 0; i < 800; i++)
		len += (size_t)snprintf(
		    t + len, cap - len,
		    "r%03d TXT \"bulk record %03d, sixty characters of text to fill messages\"\n",
		    i, i);
	return t;
}

/* Load every version of one zone, chain their transfer data; keep the last version's data
 * (in *zd) and transfer data (returned). */
static xfr_zone_t *versions(const char *origin, const char *const *texts, size_t n, bool bulk,
                            zone_data_t **zd)
{
	xfr_zone_t *prev = NULL;
	char err[256];
	for (size_t i = 0; i < n; i++) {
		char *text = bulk ? with_bulk(texts[i]) : strdup(texts[i]);
		xfr_zone_t *z = NULL;
		if (!text || zone_load_text(zd, origin, text, origin, err, sizeof(err)) < 0 ||
		    !(z = xfr__zone_build_conf(*zd, &conf)) || xfr__journal_chain(z, prev) < 0) {
			fprintf(stderr, "fuzz_tcp: cannot build %s version %zu: %s\n", origin, i,
			        err);
			abort();
		}
		free(text);
		xfr__zone_unref(prev);
		prev = z;
		if (i + 1 < n) {
			zone_data_free(*zd);
			*zd = NULL;
		}
	}
	return prev;
}

static void build_snapshot(void)
{
	log_level_set(getenv("FUZZ_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	addr_set(&signed_acl[0].addr, "127.0.0.0");
	addr_set(&signed_acl[1].addr, "::1");
	addr_set(&open_acl[0].addr, "127.0.0.1");
	addr_set(&open_acl[1].addr, "10.0.0.0");
	addr_set(&peer, "127.0.0.1");
	((struct sockaddr_in *)&peer)->sin_port = htons(53000);

	zone_data_t *zones[3] = {NULL, NULL, NULL};
	xfr_set_t *set = calloc(1, sizeof(*set));
	if (!set || !(set->zones = calloc(3, sizeof(*set->zones))) || !(out = malloc(65535)))
		abort();
	set->zones[set->n++] = versions("signed.test", signed_versions, 3, true, &zones[0]);
	set->zones[set->n++] = versions("open.test", open_versions, 3, false, &zones[1]);
	set->zones[set->n++] = versions("closed.test", closed_versions, 1, false, &zones[2]);
	if (snapshot_build(&snap, zones, 3, &(answer_opts_t){.udp_size = 1232}) < 0) {
		fprintf(stderr, "fuzz_tcp: cannot build the snapshot\n");
		abort();
	}
	snapshot_set_transfers(snap, set, xfr_set_free);
	for (size_t i = 0; i < 3; i++)
		zone_data_free(zones[i]);
}

static void fail(const char *why, size_t mlen, size_t len)
{
	fprintf(stderr, "fuzz_tcp: %s (request %zu bytes, response %zu bytes)\n", why, mlen, len);
	abort();
}

/* One response to msg: well formed, its ID, QR set. */
static void check_response(const uint8_t *msg, size_t mlen, const uint8_t *resp, size_t len)
{
	if (len > 65535)
		fail("response longer than 65535 bytes", mlen, len);
	const char *e = wire_check(resp, len);
	if (e)
		fail(e, mlen, len);
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, resp, len) != LDNS_STATUS_OK)
		fail("ldns_wire2pkt refuses the response", mlen, len);
	ldns_pkt_free(pkt);
	if (mlen < 2 || resp[0] != msg[0] || resp[1] != msg[1] || !(resp[2] & 0x80))
		fail("ID not copied or QR clear", mlen, len);
}

/* What tcp_frame_next() promises (src/server/tcp_frame.h). */
static void check_frame(const uint8_t *buf, size_t len, size_t used, const uint8_t *msg,
                        size_t mlen, size_t need)
{
	bool good = used == 0 ? (msg == NULL && mlen == 0 && need > len && (len >= 2 || need == 2))
	                      : (used == 2 + mlen && used <= len && msg == buf + 2 &&
	                         need == used && mlen == ((size_t)buf[0] << 8 | buf[1]));
	if (!good)
		fail("tcp_frame_next broke its contract", len, used);
}

static void transfer(const uint8_t *msg, size_t mlen, xfr_stream_t *s)
{
	size_t n;
	unsigned msgs = 0;
	while ((n = xfr_stream_next(s, out, 65535)) > 0) {
		check_response(msg, mlen, out, n);
		if (++msgs > STREAM_MSGS_MAX)
			fail("transfer does not end", mlen, n);
	}
	xfr_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!snap)
		build_snapshot();
	size_t pos = 0;
	for (;;) {
		const uint8_t *msg;
		size_t mlen, need;
		size_t used = tcp_frame_next(data + pos, size - pos, &msg, &mlen, &need);
		check_frame(data + pos, size - pos, used, msg, mlen, need);
		if (used == 0)
			break;
		pos += used;
		exchange_t x = {.msg = msg,
		                .len = mlen,
		                .peer = (const struct sockaddr *)&peer,
		                .tcp = true,
		                .out = out,
		                .outcap = 65535};
		size_t n = worker_answer(NULL, snap, &x);
		if (x.stream) {
			transfer(msg, mlen, x.stream);
			continue;
		}
		if (n > 0)
			check_response(msg, mlen, out, n);
	}
	return 0;
}
