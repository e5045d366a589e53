/* SPDX-License-Identifier: MIT */
/* tsig.c -- TSIG (RFC 8945) for transfers, through ldns: checking a request's signature
 * against the keys a zone's ACL names, signing each response message (the first with the
 * request's MAC, the next ones with the previous MAC and the timers only, 5.3.1), and the
 * error responses with RCODE NOTAUTH (5.3.2): BADKEY and BADSIG unsigned (MAC size 0), BADTIME
 * signed with the request's key (5.2.3).
 *
 * ldns checks the MAC but neither the algorithm nor the time; both are checked here. ldns
 * cannot sign a BADTIME response (its signer always writes the server's time into Time Signed,
 * error 0 and no Other Data), so that MAC is computed here, with OpenSSL's HMAC (libcrypto,
 * which ldns uses too) over the digest of RFC 8945 4.3.
 */
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* The digests of the HMAC algorithms a key may name (src/conf/xfr.c), by the canonical
 * name of the algorithm (RFC 8945 6). */
static const EVP_MD *hmac_digest(const char *algorithm)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {{"hmac-sha1.", EVP_sha1},
	            {"hmac-sha256.", EVP_sha256},
	            {"hmac-sha384.", EVP_sha384},
	            {"hmac-sha512.", EVP_sha512}};
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcasecmp(algorithm, algs[i].name) == 0)
			return algs[i].md();
	return NULL;
}

int xfr__hmac(const char *algorithm, const uint8_t *secret, size_t secret_len, const uint8_t *data,
              size_t len, uint8_t *mac)
{
	const EVP_MD *md = hmac_digest(algorithm);
	unsigned size = 0;
	if (!md || secret_len > INT_MAX)
		return FDNS_EINVAL;
	if (!HMAC(md, secret, (int)secret_len, data, len, mac, &size))
		return FDNS_ENOMEM;
	return (int)size;
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

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put_rdf(uint8_t *p, const ldns_rdf *rdf)
{
	memcpy(p, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
	return p + ldns_rdf_size(rdf);
}

/* The MAC of the BADTIME response msg (len bytes, without its TSIG record t) as the first
 * response to the request whose MAC is req_mac (RFC 8945 4.3.1 and 4.3.3, 5.3.2): the
 * request's MAC with its size, the message, then the TSIG variables: key name and algorithm
 * in canonical form, class ANY, TTL 0, Time Signed, Fudge, Error, Other Len and Other Data.
 * Returns the MAC as an rdf (MAC Size, MAC), or NULL. */
static ldns_rdf *badtime_mac(const xfr_key_t *key, const ldns_rdf *req_mac, const uint8_t *msg,
                             size_t len, const ldns_rr *t)
{
	ldns_rdf *secret = NULL, *ret = NULL;
	uint8_t mac[2 + EVP_MAX_MD_SIZE];
	int n;
	size_t dlen = ldns_rdf_size(req_mac) + len + ldns_rdf_size(key->dname) + 2 + 4 +
	              ldns_rdf_size(key->alg) + ldns_rdf_size(ldns_rr_rdf(t, 1)) +
	              ldns_rdf_size(ldns_rr_rdf(t, 2)) + ldns_rdf_size(ldns_rr_rdf(t, 5)) +
	              ldns_rdf_size(ldns_rr_rdf(t, 6));
	uint8_t *d = malloc(dlen), *p = d;
	if (!d || ldns_str2rdf_b64(&secret, key->secret) != LDNS_STATUS_OK)
		goto done;
	p = put_rdf(p, req_mac);
	memcpy(p, msg, len);
	p += len;
	p = put_rdf(p, key->dname);
	p = put16(p, LDNS_RR_CLASS_ANY);
	p = put16(put16(p, 0), 0); /* TTL */
	p = put_rdf(p, key->alg);
	for (size_t f = 1; f <= 6; f++) /* Time Signed, Fudge; Error, Other Len + Other Data */
		if (f != 3 && f != 4)
			p = put_rdf(p, ldns_rr_rdf(t, f));
	n = xfr__hmac(key->algorithm, ldns_rdf_data(secret), ldns_rdf_size(secret), d,
	              (size_t)(p - d), mac + 2);
	if (n > 0) {
		put16(mac, (uint16_t)n);
		ret = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2 + (size_t)n, mac);
	}
done:
	if (secret)
		explicit_bzero(ldns_rdf_data(secret), ldns_rdf_size(secret));
	ldns_rdf_deep_free(secret);
	free(d);
	return ret;
}

/* The server's time as Other Data (6 bytes, RFC 8945 5.2.3). */
static ldns_rdf *server_time(void)
{
	uint8_t b[6];
	uint64_t now = (uint64_t)time(NULL);
	for (int i = 5; i >= 0; i--, now >>= 8)
		b[i] = (uint8_t)now;
	return ldns_native2rdf_int16_data(sizeof(b), b);
}

size_t xfr__tsig_error_wire(ldns_pkt *pkt, const ldns_pkt *request, uint16_t error,
                            const xfr_key_t *key, uint8_t *out, size_t cap)
{
	const ldns_rr *rt = ldns_pkt_tsig(request);
	uint8_t *w = NULL;
	size_t wlen = 0;
	if (rt) {
		ldns_rr *t = ldns_rr_clone(rt);
		if (!t)
			return 0;
		/* The request's algorithm, Time Signed, Fudge and Original ID stay (5.2.3: the
		 * client's time and fudge, so that the client's own time check passes). */
		rdf_replace(t, ldns_native2rdf_int16_data(0, NULL), 3);
		rdf_replace(t, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, error), 5);
		rdf_replace(t, ldns_native2rdf_int16_data(0, NULL), 6);
		if (key && error == TSIG_BADTIME && ldns_rr_rd_count(t) >= 7) {
			ldns_rdf *mac = NULL;
			rdf_replace(t, server_time(), 6);
			if (ldns_pkt2wire(&w, pkt, &wlen) == LDNS_STATUS_OK)
				mac = badtime_mac(key, ldns_rr_rdf(rt, 3), w, wlen, t);
			free(w);
			w = NULL;
			wlen = 0;
			if (!mac) {
				ldns_rr_free(t);
				return 0;
			}
			rdf_replace(t, mac, 3);
		}
		ldns_pkt_set_tsig(pkt, t);
	}
	if (ldns_pkt2wire(&w, pkt, &wlen) != LDNS_STATUS_OK || wlen > cap)
		wlen = 0;
	else
		memcpy(out, w, wlen);
	free(w);
	return wlen;
}
