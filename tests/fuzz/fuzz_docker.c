/* SPDX-License-Identifier: MIT */
/* fuzz_docker.c -- libFuzzer harness for what a Docker Engine sends: the JSON bodies of
 * GET /version, /containers/json and /containers/ID/json (src/engine/parse.c) and the
 * GET /events stream (src/engine/events.c).
 *
 * The first byte says what the rest is (its value modulo 4): 0 a version reply, 1 a container
 * listing, 2 an inspect reply, 3 an event stream. For a stream the second byte says how it is
 * cut: 0 one read, else reads of 1 to (byte & 63) + 1 bytes, the lengths drawn from a
 * generator seeded with that byte; the stream starts at the third byte.
 *
 * What is checked, besides memory safety: a parser that fails says why (a message in err)
 * and leaves its outputs as they were (parse.h); what succeeds is whole (full ids, strings
 * that end, arrays as long as they say); the listing gives the same ids with or without
 * summaries; and a stream cut into reads gives the same events, in the same order, up to the
 * same error, as the stream read at once (events.h: "split across reads at any byte").
 * After an error the stream parser is reset and fed the reads that follow, as the engine
 * client does when it reconnects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/events.h"
#include "engine/parse.h"
#include "fleetdns/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, const char *err)
{
	fprintf(stderr, "fuzz_docker: %s%s%s\n", why, err ? ": " : "", err ? err : "");
	abort();
}

/* A parser's error: a message, and a known code. */
static void check_error(int rc, const char *err)
{
	if (rc != FDNS_EPARSE && rc != FDNS_ENOMEM)
		fail("unexpected return code", NULL);
	if (err[0] == '\0' || !memchr(err, '\0', 256))
		fail("an error without a message", NULL);
}

static void fuzz_version(const char *body, size_t len)
{
	engine_version_info_t vi, before;
	char err[256] = "";
	memset(&vi, 0xA5, sizeof(vi));
	before = vi;
	int rc = engine_parse_version(body, len, &vi, err, sizeof(err));
	if (rc) {
		check_error(rc, err);
		if (memcmp(&vi, &before, sizeof(vi)) != 0)
			fail("a failed version parse changed its output", err);
		return;
	}
	if (!memchr(vi.version, '\0', sizeof(vi.version)))
		fail("Version not terminated", NULL);
	if (vi.api_major > 100000 || vi.api_minor > 100000)
		fail("ApiVersion out of range", NULL);
}

static void fuzz_list(const char *body, size_t len)
{
	char **ids = (char **)1, **sums = (char **)1, **ids2 = (char **)1;
	size_t n = 12345, n2 = 12345;
	char err[256] = "", err2[256] = "";
	int rc = engine_parse_list_summaries(body, len, &ids, &sums, &n, err, sizeof(err));
	int rc2 = engine_parse_list(body, len, &ids2, &n2, err2, sizeof(err2));
	if ((rc == 0) != (rc2 == 0))
		fail("the listing parses with summaries and not without, or the reverse", err);
	if (rc) {
		check_error(rc, err);
		check_error(rc2, err2);
		if (ids != (char **)1 || sums != (char **)1 || n != 12345 || ids2 != (char **)1 ||
		    n2 != 12345)
			fail("a failed listing parse changed its outputs", err);
		return;
	}
	if (n != n2)
		fail("the listing has another length without summaries", NULL);
	for (size_t i = 0; i < n; i++) {
		if (!engine_id_valid(ids[i]) || strcmp(ids[i], ids2[i]) != 0)
			fail("a listed id is not a full id, or differs without summaries", ids[i]);
		if (sums[i] && strlen(sums[i]) == 0)
			fail("an empty summary", ids[i]);
	}
	engine_parse_ids_free(ids, n);
	engine_parse_ids_free(sums, n);
	engine_parse_ids_free(ids2, n2);
}

static void fuzz_inspect(const char *body, size_t len)
{
	engine_container_t *c = (engine_container_t *)1;
	char err[256] = "";
	int rc = engine_parse_inspect(body, len, &c, err, sizeof(err));
	if (rc) {
		check_error(rc, err);
		if (c != (engine_container_t *)1)
			fail("a failed inspect parse changed its output", err);
		return;
	}
	if (!engine_id_valid(c->id) || strlen(c->name) > len)
		fail("inspected container without a full id or with a name longer than the body",
		     c->id);
	size_t total = 0; /* every string is readable: ASan checks each strlen */
	for (size_t i = 0; i < c->nlabels; i++)
		total += strlen(c->labels[i].key) + strlen(c->labels[i].value);
	for (size_t i = 0; i < c->nnetworks; i++)
		total += strlen(c->networks[i].name) + strlen(c->networks[i].ipv4) +
		         strlen(c->networks[i].ipv6);
	for (size_t i = 0; i < c->nports; i++) {
		total += strlen(c->ports[i].host_ip);
		if (c->ports[i].container_port == 0)
			fail("port 0 exposed", c->id);
	}
	if (total > len)
		fail("strings longer than the body", c->id);
	if (c->health > HEALTH_UNHEALTHY)
		fail("health out of range", c->id);
	char *summary = engine_container_summary(c);
	if (!summary)
		fail("no summary", c->id);
	free(summary);
	free(c);
}

/* The events seen, one line each ("type|action|id|relevant"), then "error" if the stream
 * failed; stops recording once full (the comparison is then on what fits). */
typedef struct record {
	char buf[65536];
	size_t len;
	bool full;
} record_t;

static void record_add(record_t *r, const char *a, const char *b, const char *c, int relevant)
{
	int n =
	    snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "%s|%s|%s|%d\n", a, b, c, relevant);
	if (n < 0 || (size_t)n >= sizeof(r->buf) - r->len)
		r->full = true;
	else
		r->len += (size_t)n;
}

static int on_event(void *arg, const engine_event_t *ev)
{
	record_t *r = arg;
	if (!ev->type || !ev->action || !ev->id)
		fail("an event field is NULL", NULL);
	if (!r->full)
		record_add(r, ev->type, ev->action, ev->id, engine_event_relevant(ev));
	return 0;
}

/* xorshift32: the read lengths. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void fuzz_events(uint8_t cut, const char *stream, size_t len)
{
	static record_t whole, pieces, after;
	char err[256] = "";
	engine_events_t *p = engine_events_new();
	if (!p)
		fail("out of memory", NULL);
	whole.len = pieces.len = after.len = 0;
	whole.full = pieces.full = after.full = false;

	int rc = engine_events_feed(p, stream, len, on_event, &whole, err, sizeof(err));
	if (rc) {
		check_error(rc, err);
		record_add(&whole, "error", "", "", 0);
	}
	/* json-c 0.16 (Debian 12) accepts an integer that ends one read and is followed by '-' in
	 * the next ({"a":12 then -3}, read as 12), which it refuses in one read: invalid JSON is
	 * then taken or not depending on where reads end (corpus/docker/
	 * finding-events-json-c-number-split). Only that difference is let through. */
	bool json_c_number_split = rc == FDNS_EPARSE && strstr(err, "number expected");

	engine_events_reset(p);
	record_t *r = &pieces;
	uint32_t seed = 0x9E3779B9u ^ cut;
	size_t at = 0;
	while (at < len) {
		size_t n = cut ? 1 + next_rand(&seed) % ((cut & 63u) + 1) : len;
		if (n > len - at)
			n = len - at;
		err[0] = '\0';
		rc = engine_events_feed(p, stream + at, n, on_event, r, err, sizeof(err));
		at += n;
		if (rc) {
			check_error(rc, err);
			if (r == &pieces)
				record_add(&pieces, "error", "", "", 0);
			r = &after; /* the stream is broken: what follows is not compared */
			engine_events_reset(p);
		}
	}
	engine_events_free(p);
	if (!whole.full && !pieces.full && !json_c_number_split &&
	    (pieces.len != whole.len || memcmp(pieces.buf, whole.buf, pieces.len) != 0)) {
		fprintf(stderr, "fuzz_docker: read at once:\n%.*s-- cut into reads:\n%.*s--\n",
		        (int)whole.len, whole.buf, (int)pieces.len, pieces.buf);
		fail("a stream cut into reads gives other events than read at once", NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	switch (data[0] % 4) {
	case 0:
		fuzz_version(body, size - 1);
		break;
	case 1:
		fuzz_list(body, size - 1);
		break;
	case 2:
		fuzz_inspect(body, size - 1);
		break;
	default:
		if (size >= 2)
			fuzz_events(data[1], (const char *)data + 2, size - 2);
		break;
	}
	return 0;
}
