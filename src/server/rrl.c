/* SPDX-License-Identifier: MIT */
/* rrl.c -- response rate limiting on the query path: classes, keys and token buckets (see
 * rrl.h). No allocation here (tests/unit/hotpath_symbols.sh checks); rrl_table.c sets up. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "fleetdns/query.h"
#include "server/rrl.h"
#include "util/counter.h"
#include "util/log.h"
#include "wire/bytes.h"
#include "wire/name.h"

#define DNS_HEADER_BYTES 12
#define MILLI            1000

enum rrl_class rrl_classify(const uint8_t *resp, size_t len)
{
	uint8_t rcode = resp[3] & 0x0F;
	if (rcode == RCODE_NXDOMAIN)
		return RRL_NXDOMAIN;
	if (rcode != 0)
		return RRL_ERROR;
	if (wire_rd16(resp + 6) > 0)
		return RRL_POSITIVE;
	bool aa = resp[2] & 0x04;
	return !aa && wire_rd16(resp + 8) > 0 ? RRL_REFERRAL : RRL_NODATA;
}

/* The bytes of peer's address and their count. */
static const uint8_t *addr_bytes(const struct sockaddr *peer, size_t *n)
{
	if (peer->sa_family == AF_INET) {
		*n = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	}
	*n = 16;
	return ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, net, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ net[whole]) & (uint8_t)(0xFF << (8 - rest))) == 0;
}

static bool exempt(const rrl_t *r, const struct sockaddr *peer)
{
	size_t n;
	const uint8_t *a = addr_bytes(peer, &n);
	for (size_t i = 0; i < r->nexempt; i++) {
		const conf_prefix_t *e = &r->exempt[i];
		if (e->addr.ss_family != peer->sa_family)
			continue;
		size_t m;
		if (prefix_match(a, addr_bytes((const struct sockaddr *)&e->addr, &m), e->prefix))
			return true;
	}
	return false;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0xFF51AFD7ED558CCDull;
	return h ^ (h >> 32);
}

/* The key of (client prefix, class, name). Names hash lowercased: 0x20 case randomisation
 * must not make one name many. */
static uint64_t bucket_key(const rrl_t *r, const struct sockaddr *peer, enum rrl_class cls,
                           const uint8_t *resp, size_t len)
{
	size_t n;
	const uint8_t *a = addr_bytes(peer, &n);
	unsigned bits = n == 4 ? r->v4_prefix : r->v6_prefix;
	uint64_t h = mix(r->seed, (uint64_t)cls << 8 | n);
	for (size_t i = 0; i < n && bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		uint8_t mask = bits >= 8 ? 0xFF : (uint8_t)(0xFF << (8 - bits));
		h = mix(h, a[i] & mask);
	}
	if (cls == RRL_NXDOMAIN || cls == RRL_ERROR)
		return h | 1; /* never 0, the unused bucket's key */
	/* The question's name: uncompressed, right after the header. */
	for (size_t i = DNS_HEADER_BYTES; i < len && resp[i] != 0; i++)
		h = mix(h, wire_lower(resp[i]));
	return h | 1;
}

/* One line when a bucket starts limiting (repeats are summarised by the logger). */
static void limiting_logged(const rrl_t *r, const struct sockaddr *peer, enum rrl_class cls)
{
	static const char *names[] = {"positive", "nodata", "nxdomain", "referral", "error"};
	uint8_t net[16] = {0};
	size_t n;
	const uint8_t *a = addr_bytes(peer, &n);
	unsigned bits = n == 4 ? r->v4_prefix : r->v6_prefix;
	for (size_t i = 0; i < n && i * 8 < bits; i++)
		net[i] = bits - i * 8 >= 8 ? a[i] : a[i] & (uint8_t)(0xFF << (8 - (bits - i * 8)));
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(peer->sa_family, net, text, sizeof(text)))
		text[0] = '\0';
	log_info("rate limit: %s responses to %s/%u limited", names[cls], text, bits);
}

enum rrl_action rrl_check(rrl_t *r, const struct sockaddr *peer, const uint8_t *resp, size_t len,
                          uint64_t now_ms)
{
	if (!r->table || len < DNS_HEADER_BYTES ||
	    (peer->sa_family != AF_INET && peer->sa_family != AF_INET6) || exempt(r, peer))
		return RRL_SEND;
	enum rrl_class cls = rrl_classify(resp, len);
	uint64_t key = bucket_key(r, peer, cls, resp, len);
	rrl_bucket_t *b = &r->table[(key >> 17) & r->mask];
	int64_t full = (int64_t)r->burst * MILLI;
	if (b->key != key) {
		*b = (rrl_bucket_t){.key = key, .stamp_ms = now_ms, .tokens = full};
	} else if (now_ms > b->stamp_ms) {
		int64_t gained = (int64_t)(now_ms - b->stamp_ms) * r->rate;
		b->tokens = b->tokens + gained > full ? full : b->tokens + gained;
		b->stamp_ms = now_ms;
	}
	if (b->tokens >= MILLI) {
		b->tokens -= MILLI;
		b->limited = 0;
		return RRL_SEND;
	}
	if (b->limited++ == 0)
		limiting_logged(r, peer, cls);
	if (r->slip && b->limited % r->slip == 0) {
		counter_add(&r->stats.slipped[cls], 1);
		return RRL_SLIP;
	}
	counter_add(&r->stats.dropped[cls], 1);
	return RRL_DROP;
}

size_t rrl_slip(uint8_t *resp, size_t len)
{
	size_t end = DNS_HEADER_BYTES;
	if (wire_rd16(resp + 4) == 1) {
		size_t name = wire_name_len(resp, len, DNS_HEADER_BYTES);
		if (name && DNS_HEADER_BYTES + name + 4 <= len) /* the name, QTYPE and QCLASS */
			end = DNS_HEADER_BYTES + name + 4;
	}
	resp[2] |= 0x02; /* TC */
	if (end == DNS_HEADER_BYTES)
		resp[4] = resp[5] = 0;
	memset(resp + 6, 0, 6); /* no answer, authority or additional records */
	return end;
}
