/* SPDX-License-Identifier: MIT */
/* xfr.h -- zone transfers (AXFR RFC 5936, IXFR RFC 1995), their access control (ACL and
 * TSIG, RFC 8945) and NOTIFY (RFC 1996) for fleetdns as a primary.
 *
 * Two sides, joined by immutable data:
 *  - The control thread (and the loader) turns each zone version into an xfr_zone_t: its
 *    SOA, its ACL with the keys it names, a journal of the differences that led to it
 *    (ixfr/journal.c) and its records in canonical wire form. A dynamic zone's records are
 *    those its compiled version already keeps, part by part (src/answer/version.h): one
 *    version serves answers and transfers, and a new serial costs the parts that changed.
 *    A file's zone keeps its own copy. Every publication gets an xfr_set_t (the
 *    zones of that snapshot), attached to the snapshot before it is published, so workers
 *    find it through the snapshot they already hold. Zones that did not change are shared
 *    between sets by reference count, like compiled zones are shared between snapshots.
 *  - Workers answer transfer requests: over TCP with a stream that writes one message at a
 *    time (it holds a reference to its zone, so the snapshot may go meanwhile); over UDP,
 *    IXFR gets the SOA alone (RFC 1995 2); AXFR is REFUSED by the ordinary responder.
 * Nothing here runs for ordinary queries: the UDP hot path only calls xfr_answer_udp() for
 * IXFR questions and xfr_answer_signed() for queries with a TSIG record.
 */
#ifndef FDNS_XFR_XFR_H
#define FDNS_XFR_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/query.h"
#include "fleetdns/server.h"
#include "fleetdns/zone.h"

typedef struct xfr_zone xfr_zone_t;
typedef struct xfr_set xfr_set_t;
typedef struct xfr_stream xfr_stream_t;
typedef struct xfr xfr_t;

/* ---- building (control thread, loader) ---- */

/** The transfer data of every zone of conf, from zones[0..n) (parallel to conf->zones).
 * Returns 0 or FDNS_ENOMEM; *out is owned by the caller (xfr_set_free). */
int xfr_set_build(xfr_set_t **out, const conf_t *conf, zone_data_t *const *zones, size_t n);
void xfr_set_free(xfr_set_t *set);

/* ---- serving (workers) ---- */

/** Start answering the transfer request msg from peer (an AXFR or IXFR question that
 * query_parse() accepted: the dispatcher, worker_answer(), sends it here; a message whose
 * question query_parse() cannot read gets FORMERR), with the data of snap
 * (read inside the caller's RCU read section; the stream keeps what it needs). NULL when
 * out of memory. Free with xfr_stream_free(), from any thread. */
xfr_stream_t *xfr_stream_open(const snapshot_t *snap, const uint8_t *msg, size_t len,
                              const struct sockaddr *peer);
/** What the request got, for the counters (fleetdns/server.h). */
enum xfr_result xfr_stream_result(const xfr_stream_t *s);
/** Write the next response message into out (cap >= 65535). Returns its length, or 0 when
 * the stream has nothing more to send. */
size_t xfr_stream_next(xfr_stream_t *s, uint8_t *out, size_t cap);
void xfr_stream_free(xfr_stream_t *s);

/** An IXFR question received over UDP (q parsed as QUERY_OK): for a served zone, the ACL,
 * then the SOA alone; anything else is answered by answer_respond(). Returns the response
 * length in out (at most max), or 0 for no response. */
size_t xfr_answer_udp(const snapshot_t *snap, const query_t *q, const struct sockaddr *peer,
                      uint8_t *out, size_t max);

/** A query signed with TSIG (q->has_tsig), such as a secondary's SOA check: checked
 * against the keys of the zone it falls in, answered as usual and signed; BADKEY/BADSIG get
 * NOTAUTH. Returns the response length in out (at most max). */
size_t xfr_answer_signed(const snapshot_t *snap, const query_t *q, const struct sockaddr *peer,
                         uint8_t *out, size_t max);

/* ---- publishing and NOTIFY (control thread) ---- */

/** The transfer side of the fleet: remembers the last published set (for journals) and
 * sends NOTIFY. Runs on loop. */
xfr_t *xfr_new(uv_loop_t *loop);
/** A (re)load: base holds every configured zone as loaded (ownership taken, may be NULL);
 * conf must stay valid until the next xfr_apply (it is the fleet's current conf). */
void xfr_apply(xfr_t *x, xfr_set_t *base, const conf_t *conf);
/** Attach to snap (not yet published) the transfer data of its zones: the base set with
 * snap's versions of the zones apexes[0..n) (the dynamic zones, compiled with their
 * records: zone_patch_t.records) replacing their namesakes, each chained to the journal of
 * the version published before. Costs what changed since then: the versions share their
 * records with the compiled answers, and a journal entry walks only changed parts.
 * Returns 0 or FDNS_ENOMEM (snap not in the set, or no such zone). */
int xfr_prepare(xfr_t *x, snapshot_t *snap, const ldns_rdf *const *apexes, size_t n);
/** snap (prepared above) has been published: NOTIFY every zone whose serial changed. */
void xfr_published(xfr_t *x, const snapshot_t *snap);
/** Attach the transfer data last published to snap, unchanged: for a snapshot whose
 * answers changed while its zones keep their serial (see src/daemon/fleet.c). */
int xfr_reattach(xfr_t *x, snapshot_t *snap);
/** NOTIFY messages since start, for /metrics. */
typedef struct xfr_notify_stats {
	uint64_t sent;        /* sent, retries included */
	uint64_t retries;     /* sent again because no answer came */
	uint64_t acked;       /* answered NOERROR */
	uint64_t rejected;    /* answered with another RCODE (not retried) */
	uint64_t send_errors; /* could not be sent (no route, ...) */
} xfr_notify_stats_t;
void xfr_notify_stats(const xfr_t *x, xfr_notify_stats_t *out);

/** Stop notifying; on_closed runs once every handle is closed and x is freed. */
void xfr_close(xfr_t *x, void (*on_closed)(void *arg), void *arg);

#endif
