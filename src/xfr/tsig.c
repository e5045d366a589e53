/* SPDX-License-Identifier: MIT */
/* tsig.c -- TSIG (RFC 8945) for transfers, through ldns: checking a request's signature
 * against the keys a zone's ACL names, signing each response message (the first with the
 * request's MAC, the next ones with the previous MAC and the timers only, 5.3.1), and the
 * unsigned error responses (BADKEY, BADSIG, BADTIME with RCODE NOTAUTH, 5.3.2).
 *
 * ldns checks the MAC but neither the algorithm nor the time; both are checked here.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetdns/error.h"
#include "xfr/xfr_internal.h"

static const xfr_key_t *key_find(const xfr_zone_t *z, const ldns_rdf *name)
{
	for (size_t i = 0; z && i < z->nacl; i++)
		if (z->acl[i].key && ldns_dname_compare(z->acl[i].key->dname, name) == 0)
			return z->acl[i].key;
	return NULL;
}

static uint64_t tsig_time(const ldns_rdf *rdf)
{
	const uint8_t *p = ldns_rdf_data(rdf);
	if (ldns_rdf_size(rdf) != 6)
		return 0;
	uint64_t t = 0;
	for (int i = 0; i < 6; i++)
		t = t << 8 | p[i];
	return t;
}

enum xfr_tsig_result xfr__tsig_verify(const xfr_zone_t *z, ldns_pkt *request, const uint8_t *wire,
                                      size_t len, const xfr_key_t **key)
{
	ldns_rr *t = ldns_pkt_tsig(request);
	*key = NULL;
	if (!t)
		return TSIG_NONE;
	if (ldns_rr_rd_count(t) < 7) /* RFC 8945 5.2: a TSIG that cannot be read is FORMERR */
		return TSIG_FORMERR;
	ldns_rdf *name = ldns_rdf_clone(ldns_rr_owner(t));
	ldns_rdf *alg = ldns_rdf_clone(ldns_rr_rdf(t, 0));
	enum xfr_tsig_result r = TSIG_BADKEY;
	if (!name || !alg)
		goto done;
	ldns_dname2canonical(name);
	ldns_dname2canonical(alg);
	const xfr_key_t *k = key_find(z, name);
	if (!k || ldns_dname_compare(k->alg, alg) != 0)
		goto done;
	r = TSIG_BADSIG;
	if (!ldns_pkt_tsig_verify(request, wire, len, k->name, k->secret, NULL))
		goto done;
	int64_t now = (int64_t)time(NULL), signed_at = (int64_t)tsig_time(ldns_rr_rdf(t, 1));
	/* The client's fudge, but never more than ours (BIND's cap): a request signed hours ago
	 * and claiming a fudge of 65535 s must not be accepted (replays). */
	int64_t fudge = ldns_rdf2native_int16(ldns_rr_rdf(t, 2));
	if (fudge > XFR_TSIG_FUDGE)
		fudge = XFR_TSIG_FUDGE;
	r = (now - signed_at > fudge || signed_at - now > fudge) ? TSIG_BADTIME : TSIG_OK;
	*key = k;
done:
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(alg);
	return r;
}

int xfr__tsig_sign(const xfr_key_t *key, uint8_t *msg, size_t *len, size_t cap, ldns_rdf **prev_mac,
                   bool timers_only)
{
	ldns_pkt *p = NULL;
	uint8_t *w = NULL;
	size_t wlen = 0;
	int ret = FDNS_EMALF;
	if (ldns_wire2pkt(&p, msg, *len) != LDNS_STATUS_OK)
		goto done;
	ret = FDNS_ENOMEM;
	if (ldns_pkt_tsig_sign_next(p, key->name, key->secret, XFR_TSIG_FUDGE, key->algorithm,
	                            *prev_mac, timers_only) != LDNS_STATUS_OK ||
	    !ldns_pkt_tsig(p) || ldns_pkt2wire(&w, p, &wlen) != LDNS_STATUS_OK)
		goto done;
	ret = FDNS_ESPACE;
	if (wlen > cap)
		goto done;
	ldns_rdf *mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	ret = FDNS_ENOMEM;
	if (!mac)
		goto done;
	ldns_rdf_deep_free(*prev_mac);
	*prev_mac = mac;
	memcpy(msg, w, wlen);
	*len = wlen;
	ret = FDNS_OK;
done:
	free(w);
	ldns_pkt_free(p);
	return ret;
}

/* Put rdf at pos of t; rdf is freed when t has no such field (ldns then does not take it). */
static void rdf_replace(ldns_rr *t, ldns_rdf *rdf, size_t pos)
{
	if (!rdf)
		return;
	if (pos < ldns_rr_rd_count(t))
		ldns_rdf_deep_free(ldns_rr_set_rdf(t, rdf, pos));
	else
		ldns_rdf_deep_free(rdf);
}

size_t xfr__tsig_error_wire(ldns_pkt *pkt, const ldns_pkt *request, uint16_t error, uint8_t *out,
                            size_t cap)
{
	const ldns_rr *rt = ldns_pkt_tsig(request);
	uint8_t *w = NULL;
	size_t wlen = 0;
	if (rt) {
		ldns_rr *t = ldns_rr_clone(rt);
		if (!t)
			return 0;
		rdf_replace(t, ldns_native2rdf_int16_data(0, NULL), 3);
		rdf_replace(t, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, error), 5);
		rdf_replace(t, ldns_native2rdf_int16_data(0, NULL), 6);
		ldns_pkt_set_tsig(pkt, t);
	}
	if (ldns_pkt2wire(&w, pkt, &wlen) != LDNS_STATUS_OK || wlen > cap)
		wlen = 0;
	else
		memcpy(out, w, wlen);
	free(w);
	return wlen;
}
