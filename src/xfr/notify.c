/* SPDX-License-Identifier: MIT */
/* notify.c -- the control-thread side of transfers: the transfer data attached to every
 * published snapshot, journals chained from one publication to the next, and NOTIFY (RFC
 * 1996) to each zone's configured secondaries.
 *
 * NOTIFY follows the serial: when a publication changes a zone's serial, each target of that
 * zone is sent one NOTIFY for the new serial at once; until it answers, it is sent again
 * after 1, 2, 4, 8 and 16 seconds, and given up 32 seconds after the last (NOTIFY_RETRANSMITS).
 * A newer serial replaces a pending or given-up one (changes are already coalesced to one
 * publication per second). The start sends NOTIFY for every zone once; a reload only for the
 * zones whose serial it changed, and to the targets that did not answer the last one.
 * Messages are signed with the target's key, or else with the key of the first allow-transfer
 * entry of the zone that matches the target's address.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "util/log.h"
#include "wire/bytes.h"
#include "wire/name.h"
#include "xfr/xfr_internal.h"

/* The wait after the first NOTIFY; it doubles after each retransmission (1, 2, 4, 8, 16, 32 s). */
#define NOTIFY_RETRY_FIRST_MS 1000
/* RFC 1996 3.6 suggests "a maximum of 5 retransmissions (for UDP)", as Knot 2's notify-retries
 * default did: a secondary that answers none of 6 NOTIFYs in 63 s is down or not listening.
 * It still learns of the change at its SOA refresh (RFC 1034 4.3.5), and the next serial
 * change or reload tells it again; retrying forever only sends packets nobody reads. A
 * constant, not a setting (yet). */
#define NOTIFY_RETRANSMITS 5

typedef struct notify_target {
	xfr_t *x;
	uv_timer_t timer;
	uint8_t apex[DNS_NAME_MAX];
	uint8_t apex_len;
	char *zone; /* for logs */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *text;
	xfr_key_t *key;
	bool has_serial, pending;
	bool gave_up; /* no answer to any of the 1 + NOTIFY_RETRANSMITS tries for serial */
	uint32_t serial;
	uint16_t id;
	unsigned attempts;
	uint64_t first_sent_ms;
} notify_target_t;

struct xfr {
	uv_loop_t *loop;
	const conf_t *conf;
	xfr_set_t *base;    /* every configured zone as loaded */
	xfr_set_t *last;    /* the zones of the last publication (own references) */
	xfr_set_t *pending; /* attached to the snapshot about to be published */
	notify_target_t **targets;
	size_t ntargets;
	uv_udp_t udp4, udp6;
	bool udp4_open, udp6_open, closing;
	unsigned handles; /* open handles, for xfr_close */
	xfr_notify_stats_t stats;
	void (*on_closed)(void *);
	void *on_closed_arg;
};

static void handle_closed(uv_handle_t *h)
{
	xfr_t *x = h->data;
	if (h->type == UV_TIMER) {
		notify_target_t *t = h->data;
		x = t->x;
		free(t->zone);
		free(t->text);
		xfr__key_free(t->key);
		free(t);
	}
	if (--x->handles == 0 && x->closing) {
		xfr_set_free(x->base);
		xfr_set_free(x->last);
		free(x->targets);
		void (*cb)(void *) = x->on_closed;
		void *arg = x->on_closed_arg;
		free(x);
		if (cb)
			cb(arg);
	}
}

static notify_target_t *target_of_reply(xfr_t *x, const struct sockaddr *from, uint16_t id)
{
	for (size_t i = 0; i < x->ntargets; i++) {
		notify_target_t *t = x->targets[i];
		if (!t->pending || t->id != id || t->addr.ss_family != from->sa_family)
			continue;
		if (from->sa_family == AF_INET &&
		    memcmp(&((struct sockaddr_in *)&t->addr)->sin_addr,
		           &((const struct sockaddr_in *)from)->sin_addr, 4) == 0)
			return t;
		if (from->sa_family == AF_INET6 &&
		    memcmp(&((struct sockaddr_in6 *)&t->addr)->sin6_addr,
		           &((const struct sockaddr_in6 *)from)->sin6_addr, 16) == 0)
			return t;
	}
	return NULL;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	static char slab[4096]; /* the control loop is one thread */
	*buf = uv_buf_init(slab, sizeof(slab));
}

static void on_reply(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
                     unsigned flags)
{
	xfr_t *x = u->data;
	if (n < DNS_HEADER_LEN || !from)
		return;
	const uint8_t *m = (const uint8_t *)buf->base;
	if (!(m[2] & 0x80) || ((m[2] >> 3) & 0x0F) != OPCODE_NOTIFY)
		return;
	notify_target_t *t = target_of_reply(x, from, wire_rd16(m));
	if (!t)
		return;
	t->pending = false;
	uv_timer_stop(&t->timer);
	uint8_t rcode = m[3] & 0x0F;
	x->stats.acked += rcode == RCODE_NOERROR;
	x->stats.rejected += rcode != RCODE_NOERROR;
	if (rcode == RCODE_NOERROR)
		log_info("notify: %s serial %u to %s answered after %u tries, %llu ms", t->zone,
		         t->serial, t->text, t->attempts,
		         (unsigned long long)(uv_now(x->loop) - t->first_sent_ms));
	else
		log_warning("notify: %s serial %u to %s answered with rcode %u; not retried",
		            t->zone, t->serial, t->text, rcode);
}

/* The NOTIFY message for t's zone and serial; signed when t has a key. */
static int notify_wire(notify_target_t *t, const xfr_zone_t *z, uint8_t **wire, size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = ldns_rr_new(), *soa = NULL;
	ldns_rdf *owner = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, t->apex_len, t->apex);
	size_t pos = 0;
	int ret = FDNS_ENOMEM;
	if (!p || !q || !owner)
		goto fail;
	ldns_rr_set_owner(q, owner);
	owner = NULL;
	ldns_rr_set_type(q, LDNS_RR_TYPE_SOA);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_set_id(p, t->id);
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_aa(p, true);
	if (!ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q))
		goto fail;
	q = NULL;
	/* RFC 1996 3.7: the SOA in the answer section, a hint of the new serial */
	if (ldns_wire2rr(&soa, z->soa, z->soa_len, &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK &&
	    !ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, soa))
		ldns_rr_free(soa);
	if (t->key && ldns_pkt_tsig_sign(p, t->key->name, t->key->secret, XFR_TSIG_FUDGE,
	                                 t->key->algorithm, NULL) != LDNS_STATUS_OK)
		goto fail;
	ret = ldns_pkt2wire(wire, p, len) == LDNS_STATUS_OK ? FDNS_OK : FDNS_ENOMEM;
fail:
	ldns_rdf_deep_free(owner);
	ldns_rr_free(q);
	ldns_pkt_free(p);
	return ret;
}

static void notify_send(notify_target_t *t);

/* The wait after each try has ended without an answer: try again, or give up. */
static void on_retry(uv_timer_t *timer)
{
	notify_target_t *t = timer->data;
	if (!t->pending)
		return;
	if (t->attempts <= NOTIFY_RETRANSMITS) {
		notify_send(t);
		return;
	}
	t->pending = false;
	t->gave_up = true;
	log_warning("notify: %s serial %u to %s: no answer to %u tries in %llu s; giving up until "
	            "the serial changes or a reload",
	            t->zone, t->serial, t->text, t->attempts,
	            (unsigned long long)((uv_now(t->x->loop) - t->first_sent_ms) / 1000));
}

static void notify_send(notify_target_t *t)
{
	xfr_t *x = t->x;
	const xfr_zone_t *z = xfr__set_find(x->last, t->apex, t->apex_len);
	uv_udp_t *u = t->addr.ss_family == AF_INET ? &x->udp4 : &x->udp6;
	bool open = t->addr.ss_family == AF_INET ? x->udp4_open : x->udp6_open;
	uint8_t *wire = NULL;
	size_t len = 0;
	if (!z || !open)
		return;
	t->id = (uint16_t)(random() & 0xFFFF);
	if (t->attempts == 0)
		t->first_sent_ms = uv_now(x->loop);
	t->attempts++;
	if (notify_wire(t, z, &wire, &len) == FDNS_OK) {
		uv_buf_t b = uv_buf_init((char *)wire, (unsigned)len);
		int r = uv_udp_try_send(u, &b, 1, (const struct sockaddr *)&t->addr);
		x->stats.sent += r >= 0;
		x->stats.send_errors += r < 0;
		x->stats.retries += r >= 0 && t->attempts > 1;
		if (r < 0)
			log_warning("notify: %s to %s: %s", t->zone, t->text, uv_strerror(r));
		else if (t->attempts > 1)
			log_info("notify: %s serial %u to %s: no answer yet, try %u", t->zone,
			         t->serial, t->text, t->attempts);
	}
	free(wire);
	/* attempts is 1 .. 1 + NOTIFY_RETRANSMITS here (on_retry gives up after that) */
	uv_timer_start(&t->timer, on_retry, (uint64_t)NOTIFY_RETRY_FIRST_MS << (t->attempts - 1),
	               0);
}

static int udp_open(xfr_t *x, uv_udp_t *u, int family, bool *open)
{
	struct sockaddr_storage any = {.ss_family = (sa_family_t)family};
	uv_udp_init(x->loop, u); /* fails only for a bad loop */
	u->data = x;
	x->handles++;
	if (uv_udp_bind(u, (const struct sockaddr *)&any, 0) == 0 &&
	    uv_udp_recv_start(u, on_alloc, on_reply) == 0)
		*open = true;
	return FDNS_OK;
}

xfr_t *xfr_new(uv_loop_t *loop)
{
	xfr_t *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->loop = loop;
	udp_open(x, &x->udp4, AF_INET, &x->udp4_open);
	udp_open(x, &x->udp6, AF_INET6, &x->udp6_open);
	return x;
}

static void targets_drop(xfr_t *x)
{
	for (size_t i = 0; i < x->ntargets; i++) {
		uv_timer_stop(&x->targets[i]->timer);
		uv_close((uv_handle_t *)&x->targets[i]->timer, handle_closed);
	}
	free(x->targets);
	x->targets = NULL;
	x->ntargets = 0;
}

/* The key a target signs with: its own, or the first matching allow-transfer entry's. */
static const char *target_key(const conf_zone_t *cz, const conf_notify_t *n)
{
	if (n->key)
		return n->key;
	for (size_t i = 0; i < cz->nallow_transfer; i++)
		if (xfr__addr_match((const struct sockaddr *)&n->addr, &cz->allow_transfer[i].addr,
		                    cz->allow_transfer[i].prefix))
			return cz->allow_transfer[i].key;
	return NULL;
}

static void target_add(xfr_t *x, const conf_zone_t *cz, const conf_notify_t *n,
                       const conf_key_t **keys)
{
	notify_target_t *t = calloc(1, sizeof(*t));
	notify_target_t **grown = realloc(x->targets, (x->ntargets + 1) * sizeof(*grown));
	ldns_rdf *apex = NULL;
	const char *key = target_key(cz, n);
	if (grown)
		x->targets = grown;
	if (!t || !grown || ldns_str2rdf_dname(&apex, cz->name) != LDNS_STATUS_OK) {
		free(t);
		log_error("notify: %s to %s: out of memory", cz->name, n->text);
		return;
	}
	ldns_dname2canonical(apex);
	t->x = x;
	t->apex_len = (uint8_t)ldns_rdf_size(apex);
	memcpy(t->apex, ldns_rdf_data(apex), t->apex_len);
	t->zone = ldns_rdf2str(apex);
	ldns_rdf_deep_free(apex);
	t->addr = n->addr;
	t->addrlen = n->addrlen;
	t->text = strdup(n->text);
	t->key = key ? xfr__key_new_indexed(x->conf, keys, key) : NULL;
	uv_timer_init(x->loop, &t->timer);
	t->timer.data = t;
	x->handles++;
	x->targets[x->ntargets++] = t;
}

/* Whether a and b tell the same secondary about the same zone, signed alike. */
static bool target_same(const notify_target_t *a, const notify_target_t *b)
{
	return a->apex_len == b->apex_len && memcmp(a->apex, b->apex, a->apex_len) == 0 &&
	       a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0 &&
	       (a->key ? b->key && ldns_dname_compare(a->key->dname, b->key->dname) == 0 &&
	                     strcmp(a->key->secret, b->key->secret) == 0
	               : !b->key);
}

void xfr_apply(xfr_t *x, xfr_set_t *base, const conf_t *conf)
{
	notify_target_t **old = x->targets;
	size_t nold = x->ntargets;
	x->targets = NULL;
	x->ntargets = 0;
	xfr_set_free(x->base);
	x->base = base;
	x->conf = conf;
	const conf_key_t **keys = xfr__keys_index(conf); /* NULL: each key found the slow way */
	for (size_t i = 0; i < conf->nzones; i++)
		for (size_t j = 0; j < conf->zones[i].nnotify; j++)
			target_add(x, &conf->zones[i], &conf->zones[i].notify[j], keys);
	free((void *)keys);
	/* A secondary that answered the NOTIFY for its zone's serial is not told it again: NOTIFY
	 * follows the serial (RFC 1996), not the reload. One still unanswered, or given up, is
	 * told anew. */
	for (size_t i = 0; i < x->ntargets; i++)
		/* Targets come in configuration order: the same position first (linear when the
		 * configuration kept them), the others only when it did not. */
		for (size_t j = 0; j < nold; j++) {
			size_t k = i < nold ? (i + j) % nold : j;
			if (old[k]->has_serial && !old[k]->pending && !old[k]->gave_up &&
			    target_same(x->targets[i], old[k])) {
				x->targets[i]->has_serial = true;
				x->targets[i]->serial = old[k]->serial;
				break;
			}
		}
	notify_target_t **added = x->targets;
	size_t nadded = x->ntargets;
	x->targets = old;
	x->ntargets = nold;
	targets_drop(x); /* the old ones: their timers closed, their memory freed when closed */
	x->targets = added;
	x->ntargets = nadded;
}

/* The lowercased wire form of apex into lc; its length. */
static size_t apex_wire(uint8_t lc[DNS_NAME_MAX], const ldns_rdf *apex)
{
	size_t len = ldns_rdf_size(apex);
	wire_name_lower(lc, ldns_rdf_data(apex), len);
	return len;
}

static bool replaced(const xfr_zone_t *z, const ldns_rdf *const *apexes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t lc[DNS_NAME_MAX];
		size_t len = apex_wire(lc, apexes[i]);
		if (len == z->apex_len && memcmp(lc, z->apex, len) == 0)
			return true;
	}
	return false;
}

/* The transfer data of snap's version of the zone apex: its compiled parts' records. */
static xfr_zone_t *zone_of_snapshot(const xfr_t *x, const snapshot_t *snap, const ldns_rdf *apex)
{
	uint8_t lc[DNS_NAME_MAX];
	size_t len = apex_wire(lc, apex);
	ans_zone_t *version = x->conf ? snapshot_zone_hold(snap, lc, len) : NULL;
	xfr_zone_t *z = version ? xfr__zone_of_version(version, x->conf) : NULL;
	if (version && !z)
		ans_zone_release(version);
	return z;
}

int xfr_prepare(xfr_t *x, snapshot_t *snap, const ldns_rdf *const *apexes, size_t n)
{
	size_t cap = (x->base ? x->base->n : 0) + n;
	xfr_set_t *set = calloc(1, sizeof(*set));
	if (!set || !(set->zones = calloc(cap ? cap : 1, sizeof(*set->zones)))) {
		free(set);
		return FDNS_ENOMEM;
	}
	for (size_t i = 0; x->base && i < x->base->n; i++)
		if (!replaced(x->base->zones[i], apexes, n)) {
			xfr__zone_ref(x->base->zones[i]);
			set->zones[set->n++] = x->base->zones[i];
		}
	for (size_t i = 0; i < n; i++) {
		xfr_zone_t *z = zone_of_snapshot(x, snap, apexes[i]);
		if (!z) {
			xfr_set_free(set);
			return FDNS_ENOMEM;
		}
		set->zones[set->n++] = z;
	}
	/* Zones not published yet get the journal of the version published before. */
	for (size_t i = 0; i < set->n; i++) {
		xfr_zone_t *z = set->zones[i];
		if (!z->chained &&
		    xfr__journal_chain(z, xfr__set_find(x->last, z->apex, z->apex_len)) < 0) {
			xfr_set_free(set);
			return FDNS_ENOMEM;
		}
	}
	snapshot_set_transfers(snap, set, xfr_set_free);
	x->pending = set;
	return FDNS_OK;
}

static xfr_set_t *set_copy(const xfr_set_t *set)
{
	xfr_set_t *copy = calloc(1, sizeof(*copy));
	if (!copy || !(copy->zones = calloc(set->n ? set->n : 1, sizeof(*copy->zones)))) {
		free(copy);
		return NULL;
	}
	for (size_t i = 0; i < set->n; i++) {
		xfr__zone_ref(set->zones[i]);
		copy->zones[copy->n++] = set->zones[i];
	}
	return copy;
}

int xfr_reattach(xfr_t *x, snapshot_t *snap)
{
	if (!x->last)
		return FDNS_OK;
	xfr_set_t *copy = set_copy(x->last);
	if (!copy)
		return FDNS_ENOMEM;
	snapshot_set_transfers(snap, copy, xfr_set_free);
	return FDNS_OK;
}

void xfr_published(xfr_t *x, const snapshot_t *snap)
{
	xfr_set_t *set = x->pending, *copy = calloc(1, sizeof(*copy));
	x->pending = NULL;
	if (!set || !copy || !(copy->zones = calloc(set->n ? set->n : 1, sizeof(*copy->zones)))) {
		free(copy);
		return;
	}
	for (size_t i = 0; i < set->n; i++) {
		xfr__zone_ref(set->zones[i]);
		copy->zones[copy->n++] = set->zones[i];
	}
	xfr_set_free(x->last);
	x->last = copy;
	for (size_t i = 0; i < x->ntargets; i++) {
		notify_target_t *t = x->targets[i];
		const xfr_zone_t *z = xfr__set_find(copy, t->apex, t->apex_len);
		if (!z || (t->has_serial && t->serial == z->serial))
			continue;
		t->has_serial = true;
		t->serial = z->serial;
		t->pending = true;
		t->gave_up = false;
		t->attempts = 0;
		notify_send(t);
	}
}

void xfr_close(xfr_t *x, void (*on_closed)(void *arg), void *arg)
{
	x->closing = true;
	x->on_closed = on_closed;
	x->on_closed_arg = arg;
	targets_drop(x);
	uv_close((uv_handle_t *)&x->udp4, handle_closed);
	uv_close((uv_handle_t *)&x->udp6, handle_closed);
}

void xfr_notify_stats(const xfr_t *x, xfr_notify_stats_t *out)
{
	*out = x->stats;
}
