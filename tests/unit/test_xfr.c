/* SPDX-License-Identifier: MIT */
/* test_xfr.c -- unit tests for the transfer data (src/xfr/zone.c) and the IXFR journal
 * (src/xfr/ixfr/journal.c): zone versions loaded from text, chained, and the exact records
 * each difference deletes and adds; then transfers streamed from a snapshot
 * (xfr_stream_open/xfr_stream_next, src/xfr/axfr.c) to show when an IXFR is incremental and
 * when it falls back to the whole zone (a journal that does not reach back to the client's
 * serial, one cut by its bound, differences larger than the zone).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "fleetdns/zone.h"
#include "xfr/xfr_internal.h"

#include "capture.h"
#include "tap.h"

#define ORIGIN      "example.test"
#define SOA(serial) "@ IN SOA ns hostmaster " #serial " 3600 600 86400 60\n"
#define BASE                                                                                       \
	"$TTL 300\n"                                                                               \
	"@ IN NS ns\n"                                                                             \
	"ns IN A 192.0.2.53\n"

/* Records every version has, so that the zone is larger than its differences (else an
 * IXFR is answered with the whole zone, see test_transfers). */
#define LONG "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FILL                                                                                       \
	"filler1 IN TXT \"" LONG "\"\n"                                                            \
	"filler2 IN TXT \"" LONG "\"\n"                                                            \
	"filler3 IN TXT \"" LONG "\"\n"                                                            \
	"filler4 IN TXT \"" LONG "\"\n"
/* The same as they are stored: records are sorted by their wire bytes, so by the length
 * of the first label first ("\2ns" < "\3new" < "\7example" < "\7filler1"). */
#define FILL_RRS                                                                                   \
	"example.test. 300 IN NS ns.example.test.; "                                               \
	"filler1.example.test. 300 IN TXT \"" LONG "\"; "                                          \
	"filler2.example.test. 300 IN TXT \"" LONG "\"; "                                          \
	"filler3.example.test. 300 IN TXT \"" LONG "\"; "                                          \
	"filler4.example.test. 300 IN TXT \"" LONG "\""

/* Version 1 and 2: www changes address, old goes, new comes, the rest stays. */
static const char v1_text[] = "$TTL 300\n" SOA(1) BASE FILL "www IN A 192.0.2.1\n"
                                                            "old IN A 192.0.2.2\n"
                                                            "txt IN TXT \"same\"\n";
static const char v2_text[] = "$TTL 300\n" SOA(2) BASE FILL "www IN A 192.0.2.3\n"
                                                            "new IN A 192.0.2.4\n"
                                                            "txt IN TXT \"same\"\n";
/* Version 3: only a TTL changes (a record with another TTL is another record). */
static const char v3_text[] = "$TTL 300\n" SOA(3) BASE FILL "www IN A 192.0.2.3\n"
                                                            "new IN A 192.0.2.4\n"
                                                            "txt 60 IN TXT \"same\"\n";

/* Whoever may transfer: 127.0.0.0/8 without a key. */
static conf_acl_t acl;
static conf_zone_t cz = {.name = ORIGIN, .allow_transfer = &acl, .nallow_transfer = 1};
static conf_t conf = {.zones = &cz, .nzones = 1};

static zone_data_t *load(const char *text, const char *source)
{
	zone_data_t *zd = NULL;
	char err[512] = "";
	if (zone_load_text(&zd, ORIGIN, text, source, err, sizeof(err)) != 0) {
		printf("Bail out! %s: %s\n", source, err);
		exit(1);
	}
	return zd;
}

/* The transfer data of a zone text (not chained yet). */
static xfr_zone_t *build(const char *text, const char *source)
{
	zone_data_t *zd = load(text, source);
	xfr_zone_t *z = xfr__zone_build_conf(zd, &conf);
	zone_data_free(zd);
	if (!z) {
		printf("Bail out! %s: xfr__zone_build_conf failed\n", source);
		exit(1);
	}
	return z;
}

/* A record as "owner TTL TYPE rdata" (one space between fields), or "SOA serial". */
static void rr_text(const ldns_rr *rr, char *out, size_t cap)
{
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
		snprintf(out, cap, "SOA %u", ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)));
		return;
	}
	char *s = ldns_rr2str(rr);
	size_t n = 0;
	for (const char *p = s ? s : "?"; *p && n + 1 < cap; p++) {
		char c = (*p == '\t') ? ' ' : *p;
		if (c == '\n')
			break;
		if (c == ' ' && n > 0 && out[n - 1] == ' ')
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	free(s);
}

/* Appends "; " and text to buf (or text alone when buf is empty). */
static void append(char *buf, size_t cap, const char *text)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n ? "; " : "", text);
}

/* One wire record (owner, type, class, TTL, RDLENGTH, RDATA) as text. */
static void wire_text(const uint8_t *wire, size_t len, char *out, size_t cap)
{
	ldns_rr *rr = NULL;
	size_t pos = 0;
	if (ldns_wire2rr(&rr, wire, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) {
		snprintf(out, cap, "(unreadable)");
		return;
	}
	rr_text(rr, out, cap);
	ldns_rr_free(rr);
}

/* A record list as "r1; r2; ..." in stored order. */
static const char *rrs_text(const records_t *r, char *buf, size_t cap)
{
	char one[512];
	buf[0] = '\0';
	for (size_t off = 0; off < r->bytes; off += records_len_at(r, off)) {
		wire_text(r->blob + off, records_len_at(r, off), one, sizeof(one));
		append(buf, cap, one);
	}
	return buf;
}

static void test_build(void)
{
	char buf[4096], one[256];
	xfr_zone_t *z = build(v1_text, "v1.zone");
	is_int(z->serial, 1, "build: serial from the SOA");
	is_str(z->name, "example.test.", "build: name for logs");
	is_int(z->apex_len, 14, "build: apex in wire format (\\7example\\4test\\0)");
	wire_text(z->soa, z->soa_len, one, sizeof(one));
	is_str(one, "SOA 1", "build: SOA kept apart");
	is_str(rrs_text(&z->rrs, buf, sizeof(buf)),
	       "ns.example.test. 300 IN A 192.0.2.53; old.example.test. 300 IN A 192.0.2.2; "
	       "txt.example.test. 300 IN TXT \"same\"; www.example.test. 300 IN A "
	       "192.0.2.1; " FILL_RRS,
	       "build: every other record, sorted by wire bytes");
	ok(z->ndiffs == 0 && z->diffs == NULL && !z->chained, "build: no journal before chaining");
	is_int(z->nacl, 1, "build: the ACL of the zone's allow-transfer");
	xfr__zone_unref(z);

	/* A zone nobody may transfer and nobody is notified of keeps its SOA only. */
	conf_zone_t bare = {.name = ORIGIN};
	conf_t bare_conf = {.zones = &bare, .nzones = 1};
	zone_data_t *zd = load(v1_text, "v1.zone");
	z = xfr__zone_build_conf(zd, &bare_conf);
	ok(z && z->soa && z->rrs.n == 0 && z->nacl == 0,
	   "build: without allow-transfer or notify, the SOA only");
	xfr__zone_unref(z);
	/* Nor does one that is not in the configuration at all. */
	conf_t none = {0};
	z = xfr__zone_build_conf(zd, &none);
	ok(z && z->soa && z->rrs.n == 0, "build: a zone not configured: the SOA only");
	xfr__zone_unref(z);
	zone_data_free(zd);
}

static void test_journal(void)
{
	char buf[4096], one[256];
	xfr_zone_t *z1 = build(v1_text, "v1.zone");
	xfr_zone_t *z2 = build(v2_text, "v2.zone");
	xfr_zone_t *z3 = build(v3_text, "v3.zone");

	is_int(xfr__journal_chain(z1, NULL), FDNS_OK, "journal: the first version chains");
	ok(z1->chained && z1->ndiffs == 0, "journal: ... with an empty journal");

	is_int(xfr__journal_chain(z2, z1), FDNS_OK, "journal: 1 -> 2 chains");
	is_int(z2->ndiffs, 1, "journal: version 2 has one difference");
	if (z2->ndiffs != 1)
		goto out;
	const xfr_diff_t *d = z2->diffs[0];
	ok(d->from == 1 && d->to == 2, "journal: the difference goes from 1 to 2");
	wire_text(d->old_soa, d->old_soa_len, one, sizeof(one));
	is_str(one, "SOA 1", "journal: its old SOA is version 1's");
	wire_text(d->new_soa, d->new_soa_len, one, sizeof(one));
	is_str(one, "SOA 2", "journal: its new SOA is version 2's");
	is_str(rrs_text(&d->del, buf, sizeof(buf)),
	       "old.example.test. 300 IN A 192.0.2.2; www.example.test. 300 IN A 192.0.2.1",
	       "journal: 1 -> 2 deletes old A and www's old address, nothing else");
	is_str(rrs_text(&d->add, buf, sizeof(buf)),
	       "new.example.test. 300 IN A 192.0.2.4; www.example.test. 300 IN A 192.0.2.3",
	       "journal: 1 -> 2 adds new A and www's new address, nothing else");
	is_int((long long)d->bytes,
	       (long long)(d->old_soa_len + d->new_soa_len + d->del.bytes + d->add.bytes),
	       "journal: its size is both SOAs and the records");

	is_int(xfr__journal_chain(z3, z2), FDNS_OK, "journal: 2 -> 3 chains");
	is_int(z3->ndiffs, 2, "journal: version 3 has two differences");
	if (z3->ndiffs == 2) {
		ok(z3->diffs[0] == z2->diffs[0] && z3->diffs[0]->refs == 2,
		   "journal: the 1 -> 2 entry is shared with version 2 (two references)");
		const xfr_diff_t *e = z3->diffs[1];
		ok(e->from == 2 && e->to == 3, "journal: the newest entry goes from 2 to 3");
		is_str(rrs_text(&e->del, buf, sizeof(buf)), "txt.example.test. 300 IN TXT \"same\"",
		       "journal: a TTL change deletes the record with the old TTL");
		is_str(rrs_text(&e->add, buf, sizeof(buf)), "txt.example.test. 60 IN TXT \"same\"",
		       "journal: ... and adds it with the new one");
	}

	/* The same version published again (same serial, same records) keeps the journal. */
	xfr_zone_t *z3b = build(v3_text, "v3.zone");
	xfr__journal_chain(z3b, z3);
	ok(z3b->ndiffs == 2 && z3b->diffs[0] == z3->diffs[0] && z3b->diffs[1] == z3->diffs[1],
	   "journal: an unchanged republication shares the whole journal, adds nothing");
	xfr__zone_unref(z3b);

	/* Other data under the same serial: no difference can be told; the journal restarts. */
	char same_serial[512];
	snprintf(same_serial, sizeof(same_serial), "%s", v3_text);
	char *p = strstr(same_serial, "192.0.2.4");
	p[8] = '9';
	xfr_zone_t *z3c = build(same_serial, "v3-other.zone");
	is_int(xfr__journal_chain(z3c, z3), FDNS_OK, "journal: other data under serial 3 chains");
	ok(z3c->chained && z3c->ndiffs == 0, "journal: ... with an empty journal");
	xfr__zone_unref(z3c);

	/* A serial that went back: the journal restarts too. */
	xfr_zone_t *z1b = build(v1_text, "v1.zone");
	xfr__journal_chain(z1b, z3);
	ok(z1b->ndiffs == 0, "journal: a serial that went back (3 -> 1) restarts the journal");
	xfr__zone_unref(z1b);

	/* Serial arithmetic (RFC 1982): 4294967295 -> 1 is newer. */
	xfr_zone_t *zmax = build("$TTL 300\n" SOA(4294967295) BASE, "max.zone");
	xfr_zone_t *zwrap = build("$TTL 300\n" SOA(1) BASE "www IN A 192.0.2.1\n", "wrap.zone");
	xfr__journal_chain(zwrap, zmax);
	ok(zwrap->ndiffs == 1 && zwrap->diffs[0]->from == 4294967295u && zwrap->diffs[0]->to == 1,
	   "journal: 4294967295 -> 1 is a newer serial (RFC 1982), one difference");
	xfr__zone_unref(zmax);
	xfr__zone_unref(zwrap);

	/* Version 2 goes; version 3 keeps the entry it shares. */
	xfr__zone_unref(z2);
	z2 = NULL;
	ok(z3->diffs[0]->refs == 1 && z3->diffs[0]->from == 1,
	   "journal: a shared entry outlives the version that made it");
out:
	xfr__zone_unref(z1);
	xfr__zone_unref(z2);
	xfr__zone_unref(z3);
}

/* ---- transfers through xfr_stream_open / xfr_stream_next ---- */

/* A snapshot of zone text with z (one more reference taken) as its transfer data. */
static snapshot_t *snapshot_with(const char *text, xfr_zone_t *z)
{
	zone_data_t *zd = load(text, "snap.zone");
	snapshot_t *snap = NULL;
	xfr_set_t *set = calloc(1, sizeof(*set));
	if (!set || !(set->zones = calloc(1, sizeof(*set->zones))) ||
	    snapshot_build(&snap, &zd, 1, &(answer_opts_t){.udp_size = 1232}) != 0) {
		printf("Bail out! snapshot\n");
		exit(1);
	}
	zone_data_free(zd);
	xfr__zone_ref(z);
	set->zones[set->n++] = z;
	snapshot_set_transfers(snap, set, xfr_set_free);
	return snap;
}

/* What the stream logged (capture.h): its first line, from "xfr: " on. */
static char logbuf[512];

static const char *log_release(void)
{
	const char *text = capture_release();
	size_t n = strcspn(text, "\n"); /* the first line, without the time stamp */
	if (n >= sizeof(logbuf))
		n = sizeof(logbuf) - 1;
	memcpy(logbuf, text, n);
	logbuf[n] = '\0';
	char *info = strstr(logbuf, "xfr: ");
	return info ? info : logbuf;
}

/* An IXFR (client_serial >= 0) or AXFR request for the zone from 127.0.0.1#5353: the
 * answer records of every message, joined with "; "; *msgs is the number of messages.
 * The first line the stream logged goes to log_line. */
static void transfer(const snapshot_t *snap, long long client_serial, char *out, size_t cap,
                     unsigned *msgs, char *log_line, size_t log_cap)
{
	ldns_pkt *q = NULL;
	ldns_rr *soa = NULL;
	uint8_t *wire = NULL, *buf = malloc(65535);
	size_t len = 0;
	char one[512];
	struct sockaddr_storage peer = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5353);
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);

	out[0] = '\0';
	*msgs = 0;
	ldns_pkt_query_new_frm_str(&q, ORIGIN ".",
	                           client_serial >= 0 ? LDNS_RR_TYPE_IXFR : LDNS_RR_TYPE_AXFR,
	                           LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(q, 4321);
	if (client_serial >= 0) {
		snprintf(one, sizeof(one),
		         ORIGIN ". 0 IN SOA ns." ORIGIN ". hostmaster." ORIGIN ". %lld 0 0 0 0",
		         client_serial);
		ldns_rr_new_frm_str(&soa, one, 0, NULL, NULL);
		ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, soa);
	}
	ldns_pkt2wire(&wire, q, &len);
	log_capture();
	xfr_stream_t *s = xfr_stream_open(snap, wire, len, (const struct sockaddr *)&peer);
	const char *logged = log_release();
	snprintf(log_line, log_cap, "%s", logged);
	size_t n;
	while (s && (n = xfr_stream_next(s, buf, 65535)) > 0) {
		ldns_pkt *r = NULL;
		(*msgs)++;
		if (ldns_wire2pkt(&r, buf, n) != LDNS_STATUS_OK) {
			append(out, cap, "(unreadable message)");
			continue;
		}
		if (ldns_pkt_id(r) != 4321 || !ldns_pkt_qr(r) || !ldns_pkt_aa(r) ||
		    ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR)
			append(out, cap, "(bad header)");
		for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(r)); i++) {
			rr_text(ldns_rr_list_rr(ldns_pkt_answer(r), i), one, sizeof(one));
			append(out, cap, one);
		}
		ldns_pkt_free(r);
	}
	xfr_stream_free(s);
	ldns_pkt_free(q);
	free(wire);
	free(buf);
}

#define ALL3                                                                                       \
	"ns.example.test. 300 IN A 192.0.2.53; new.example.test. 300 IN A 192.0.2.4; "             \
	"txt.example.test. 60 IN TXT \"same\"; www.example.test. 300 IN A 192.0.2.3; " FILL_RRS
#define DIFF12                                                                                     \
	"SOA 1; old.example.test. 300 IN A 192.0.2.2; www.example.test. 300 IN A 192.0.2.1; "      \
	"SOA 2; new.example.test. 300 IN A 192.0.2.4; www.example.test. 300 IN A 192.0.2.3"
#define DIFF23                                                                                     \
	"SOA 2; txt.example.test. 300 IN TXT \"same\"; SOA 3; txt.example.test. 60 IN TXT "        \
	"\"same\""

static void test_transfers(void)
{
	char got[8192], logged[512];
	unsigned msgs;
	xfr_zone_t *z1 = build(v1_text, "v1.zone");
	xfr_zone_t *z2 = build(v2_text, "v2.zone");
	xfr_zone_t *z3 = build(v3_text, "v3.zone");
	xfr__journal_chain(z1, NULL);
	xfr__journal_chain(z2, z1);
	xfr__journal_chain(z3, z2);
	snapshot_t *snap = snapshot_with(v3_text, z3);

	transfer(snap, -1, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3; " ALL3 "; SOA 3", "AXFR: SOA, every record, SOA");
	is_int(msgs, 1, "AXFR: one message");
	is_str(logged, "xfr: AXFR of example.test. serial 3 to 127.0.0.1#5353", "AXFR: logged");

	transfer(snap, 1, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3; " DIFF12 "; " DIFF23 "; SOA 3",
	       "IXFR from 1: SOA 3, then 1 -> 2 and 2 -> 3 (old SOA, deleted, new SOA, added)");
	is_str(logged,
	       "xfr: IXFR of example.test. 1 -> 3 to 127.0.0.1#5353: incremental, 2 differences",
	       "IXFR from 1: logged as incremental");

	transfer(snap, 2, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3; " DIFF23 "; SOA 3", "IXFR from 2: the last difference only");

	transfer(snap, 3, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3", "IXFR from 3 (up to date): the SOA alone");
	is_int(msgs, 1, "IXFR from 3: one message");

	/* A serial the journal never had falls back to the whole zone (RFC 1995 4). */
	transfer(snap, 0, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3; " ALL3 "; SOA 3", "IXFR from 0 (not in the journal): the whole zone");
	is_str(
	    logged,
	    "xfr: IXFR of example.test. 0 -> 3 to 127.0.0.1#5353: full zone (the journal does not "
	    "reach back)",
	    "IXFR from 0: logged as a full zone, the journal does not reach back");
	snapshot_free(snap);

	/* Version 3 chained to a version 2 whose journal starts there (as after a restart):
	 * a client at 2 gets the difference, a client at 1 the whole zone. */
	xfr_zone_t *y2 = build(v2_text, "v2.zone");
	xfr_zone_t *y3 = build(v3_text, "v3.zone");
	xfr__journal_chain(y2, NULL);
	xfr__journal_chain(y3, y2);
	snap = snapshot_with(v3_text, y3);
	transfer(snap, 2, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3; " DIFF23 "; SOA 3", "short journal: IXFR from 2 is incremental");
	transfer(snap, 1, got, sizeof(got), &msgs, logged, sizeof(logged));
	is_str(got, "SOA 3; " ALL3 "; SOA 3",
	       "short journal: IXFR from 1 (before the journal) falls back to the whole zone");
	is_str(
	    logged,
	    "xfr: IXFR of example.test. 1 -> 3 to 127.0.0.1#5353: full zone (the journal does not "
	    "reach back)",
	    "short journal: ... logged as not reaching back");
	snapshot_free(snap);
	xfr__zone_unref(y2);
	xfr__zone_unref(y3);

	/* Differences larger than the zone: the whole zone is smaller, so it is sent. */
	static const char big1[] = "$TTL 300\n" SOA(10) BASE "a IN TXT \"aaaaaaaaaaaaaaaaaaaa\"\n"
	                                                     "b IN TXT \"bbbbbbbbbbbbbbbbbbbb\"\n";
	static const char big2[] = "$TTL 300\n" SOA(11) BASE "c IN TXT \"cccccccccccccccccccc\"\n"
	                                                     "d IN TXT \"dddddddddddddddddddd\"\n";
	xfr_zone_t *b1 = build(big1, "big1.zone"), *b2 = build(big2, "big2.zone");
	xfr__journal_chain(b1, NULL);
	xfr__journal_chain(b2, b1);
	ok(b2->ndiffs == 1 && b2->diffs[0]->bytes > b2->rrs.bytes + 2u * b2->soa_len,
	   "larger journal: the difference 10 -> 11 is larger than the zone");
	snap = snapshot_with(big2, b2);
	transfer(snap, 10, got, sizeof(got), &msgs, logged, sizeof(logged));
	ok(strncmp(got, "SOA 11; c.example.test.", 23) == 0,
	   "larger journal: IXFR from 10 is the whole zone (no old SOA after the first)");
	if (strncmp(got, "SOA 11; c.example.test.", 23) != 0)
		diag("got: %s", got);
	is_str(logged,
	       "xfr: IXFR of example.test. 10 -> 11 to 127.0.0.1#5353: full zone (the journal is "
	       "larger)",
	       "larger journal: ... logged as larger");
	snapshot_free(snap);
	xfr__zone_unref(b1);
	xfr__zone_unref(b2);

	xfr__zone_unref(z1);
	xfr__zone_unref(z2);
	xfr__zone_unref(z3);
}

/* The journal keeps XFR_JOURNAL_MAX_DIFFS entries: after one more version the oldest serial
 * is gone, and a client still there gets the whole zone. */
static void test_bound(void)
{
	char text[512], got[8192], logged[512];
	unsigned msgs;
	xfr_zone_t *prev = NULL, *z = NULL;
	const unsigned last = XFR_JOURNAL_MAX_DIFFS + 2; /* versions 1 .. last */
	for (unsigned serial = 1; serial <= last; serial++) {
		snprintf(text, sizeof(text),
		         "$TTL 300\n@ IN SOA ns hostmaster %u 3600 600 86400 60\n" BASE
		         "v IN TXT \"%u\"\n",
		         serial, serial);
		z = build(text, "bound.zone");
		if (xfr__journal_chain(z, prev) != FDNS_OK) {
			printf("Bail out! chain %u\n", serial);
			exit(1);
		}
		xfr__zone_unref(prev);
		prev = z;
	}
	is_int((long long)z->ndiffs, XFR_JOURNAL_MAX_DIFFS,
	       "bound: %u versions keep %d differences", last, XFR_JOURNAL_MAX_DIFFS);
	ok(z->diffs[0]->from == 2 && z->diffs[z->ndiffs - 1]->to == last,
	   "bound: the oldest (1 -> 2) is gone; the journal runs from 2 to %u", last);
	snapshot_t *snap = snapshot_with(text, z);
	transfer(snap, 1, got, sizeof(got), &msgs, logged, sizeof(logged));
	snprintf(text, sizeof(text),
	         "SOA %u; v.example.test. 300 IN TXT \"%u\"; ns.example.test. 300 IN A 192.0.2.53; "
	         "example.test. 300 IN NS ns.example.test.; SOA %u",
	         last, last, last);
	is_str(got, text, "bound: IXFR from 1 (dropped from the journal) is the whole zone");
	snprintf(
	    text, sizeof(text),
	    "xfr: IXFR of example.test. 1 -> %u to 127.0.0.1#5353: full zone (the journal does "
	    "not reach back)",
	    last);
	is_str(logged, text, "bound: ... logged as not reaching back");
	transfer(snap, last - 1, got, sizeof(got), &msgs, logged, sizeof(logged));
	snprintf(
	    text, sizeof(text),
	    "SOA %u; SOA %u; v.example.test. 300 IN TXT \"%u\"; SOA %u; v.example.test. 300 IN "
	    "TXT \"%u\"; SOA %u",
	    last, last - 1, last - 1, last, last, last);
	is_str(got, text, "bound: IXFR from %u is incremental", last - 1);
	snapshot_free(snap);
	xfr__zone_unref(z);
}

int main(void)
{
	inet_pton(AF_INET, "127.0.0.0", &((struct sockaddr_in *)&acl.addr)->sin_addr);
	acl.addr.ss_family = AF_INET;
	acl.prefix = 8;
	acl.text = "127.0.0.0/8";
	test_build();
	test_journal();
	test_transfers();
	test_bound();
	return done_testing();
}
