/* SPDX-License-Identifier: MIT */
/* test_tsig_error.c -- TSIG error responses (src/xfr/tsig.c, RFC 8945 5.2.3 and 5.3.2): the
 * HMAC that signs a BADTIME response, checked against the published test vectors (RFC 2202,
 * RFC 4231), then xfr__tsig_error_wire() itself: a BADTIME response is signed with the
 * request's key over the request's MAC, keeps the request's Time Signed and Fudge and carries
 * the server's time in Other Data, and ldns (which computed none of it) verifies its MAC; a
 * BADSIG or BADKEY response is unsigned (MAC size 0, no Other Data) even when given the key.
 * The functional side (dig, kdig, dnspython against the server) is tests/func/tsig_hostile.py.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetdns/error.h"
#include "xfr/xfr_internal.h"

#include "tap.h"

#define SECRET "ZmxlZXRkbnMtdHNpZy1lcnJvci11bml0LXRlc3Qta2V5"

static int hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	return (int)n;
}

static void check_hmac(const char *alg, const uint8_t *key, size_t klen, const char *data,
                       const char *want, const char *what)
{
	uint8_t mac[64];
	char text[129] = "";
	int n = xfr__hmac(alg, key, klen, (const uint8_t *)data, strlen(data), mac);
	if (n > 0)
		hex(mac, (size_t)n, text);
	is_str(text, want, "%s %s", alg, what);
}

static void test_hmac(void)
{
	const uint8_t *jefe = (const uint8_t *)"Jefe";
	const char *nothing = "what do ya want for nothing?";
	check_hmac("hmac-sha1.", jefe, 4, nothing, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
	           "(RFC 2202 test case 2)");
	check_hmac("hmac-sha256.", jefe, 4, nothing,
	           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	           "(RFC 4231 test case 2)");
	check_hmac("HMAC-SHA384.", jefe, 4, nothing,
	           "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	           "8e2240ca5e69e2c78b3239ecfab21649",
	           "(RFC 4231 test case 2; the name in any case)");
	check_hmac("hmac-sha512.", jefe, 4, nothing,
	           "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	           "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	           "(RFC 4231 test case 2)");
	uint8_t big[131];
	memset(big, 0xaa, sizeof(big));
	const char *first = "Test Using Larger Than Block-Size Key - Hash Key First";
	check_hmac("hmac-sha256.", big, sizeof(big), first,
	           "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	           "(RFC 4231 test case 6: a key longer than a block is hashed first)");
	check_hmac("hmac-sha512.", big, sizeof(big), first,
	           "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	           "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	           "(RFC 4231 test case 6)");
	uint8_t mac[64];
	is_int(xfr__hmac("hmac-md5.", jefe, 4, (const uint8_t *)nothing, 28, mac), FDNS_EINVAL,
	       "hmac-md5: not offered, FDNS_EINVAL");
}

static xfr_key_t *key_new(const char *secret)
{
	xfr_key_t *k = calloc(1, sizeof(*k));
	k->name = strdup("xfr.");
	k->algorithm = strdup("hmac-sha256.");
	k->secret = strdup(secret);
	ldns_str2rdf_dname(&k->dname, k->name);
	ldns_str2rdf_dname(&k->alg, k->algorithm);
	return k;
}

/* www.example.test A, signed with SECRET at time signed (fudge 300), read back by ldns. */
static ldns_pkt *request_new(void)
{
	ldns_pkt *q = NULL, *r = NULL;
	uint8_t *w = NULL;
	size_t n = 0;
	if (ldns_pkt_query_new_frm_str(&q, "www.example.test", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
	                               0) != LDNS_STATUS_OK)
		return NULL;
	ldns_pkt_set_id(q, 0x4242);
	if (ldns_pkt_tsig_sign(q, "xfr.", SECRET, 300, "hmac-sha256.", NULL) == LDNS_STATUS_OK &&
	    ldns_pkt2wire(&w, q, &n) == LDNS_STATUS_OK)
		ldns_wire2pkt(&r, w, n);
	free(w);
	ldns_pkt_free(q);
	return r;
}

/* The NOTAUTH response to req the way src/xfr/axfr.c builds it: header and question. */
static ldns_pkt *response_new(const ldns_pkt *req)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_pkt_set_id(p, ldns_pkt_id(req));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, LDNS_RCODE_NOTAUTH);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION,
	                 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(req), 0)));
	return p;
}

static void test_badtime(const xfr_key_t *key, ldns_pkt *req)
{
	static uint8_t out[4096];
	ldns_rr *rt = ldns_pkt_tsig(req);
	ldns_pkt *p = response_new(req), *resp = NULL;
	uint64_t before = (uint64_t)time(NULL);
	size_t n = xfr__tsig_error_wire(p, req, TSIG_BADTIME, key, out, sizeof(out));
	uint64_t after = (uint64_t)time(NULL);
	ldns_pkt_free(p);
	if (!ok(n > 12 && ldns_wire2pkt(&resp, out, n) == LDNS_STATUS_OK && ldns_pkt_tsig(resp),
	        "BADTIME: a response with a TSIG record"))
		return;
	ldns_rr *t = ldns_pkt_tsig(resp);
	is_int(ldns_pkt_get_rcode(resp), LDNS_RCODE_NOTAUTH,
	       "BADTIME: RCODE NOTAUTH (RFC 8945 5.2.3)");
	is_int(ldns_rdf2native_int16(ldns_rr_rdf(t, 5)), TSIG_BADTIME, "BADTIME: TSIG error 18");
	is_int(ldns_rdf_size(ldns_rr_rdf(t, 3)), 2 + 32,
	       "BADTIME: signed, a 32-octet MAC (RFC 8945 5.3.2: SHOULD be signed)");
	ok(ldns_rdf_compare(ldns_rr_rdf(t, 1), ldns_rr_rdf(rt, 1)) == 0,
	   "BADTIME: Time Signed is the request's (RFC 8945 5.2.3: the client's time)");
	ok(ldns_rdf_compare(ldns_rr_rdf(t, 2), ldns_rr_rdf(rt, 2)) == 0,
	   "BADTIME: Fudge is the request's (RFC 8945 5.2.3)");
	const ldns_rdf *other = ldns_rr_rdf(t, 6);
	uint64_t server = 0;
	for (size_t i = 2; i < 8 && ldns_rdf_size(other) == 8; i++)
		server = server << 8 | ldns_rdf_data(other)[i];
	ok(ldns_rdf_size(other) == 8 && ldns_rdf_data(other)[0] == 0 &&
	       ldns_rdf_data(other)[1] == 6 && server >= before && server <= after,
	   "BADTIME: Other Len 6, Other Data the server's time (RFC 8945 5.2.3)");
	ok(ldns_pkt_tsig_verify_next(resp, out, n, "xfr.", SECRET, ldns_rr_rdf(rt, 3), 0),
	   "BADTIME: ldns verifies the MAC over the request's MAC, the response and its TSIG "
	   "variables (RFC 8945 4.3.3)");
	ldns_pkt_free(resp);
	resp = NULL;
	ldns_wire2pkt(&resp, out, n);
	ok(!ldns_pkt_tsig_verify_next(resp, out, n, "xfr.", SECRET, NULL, 0),
	   "BADTIME: ... and not without the request's MAC (the check can fail)");
	ldns_pkt_free(resp);
	resp = NULL;
	out[n - 1] ^= 1; /* the server's time, one second off */
	ldns_wire2pkt(&resp, out, n);
	ok(!ldns_pkt_tsig_verify_next(resp, out, n, "xfr.", SECRET, ldns_rr_rdf(rt, 3), 0),
	   "BADTIME: ... and not with Other Data changed (it is covered by the MAC)");
	ldns_pkt_free(resp);
}

static void test_unsigned(const xfr_key_t *key, ldns_pkt *req, uint16_t error, const char *name)
{
	static uint8_t out[4096];
	ldns_pkt *p = response_new(req), *resp = NULL;
	size_t n = xfr__tsig_error_wire(p, req, error, key, out, sizeof(out));
	ldns_pkt_free(p);
	if (!ok(n > 12 && ldns_wire2pkt(&resp, out, n) == LDNS_STATUS_OK && ldns_pkt_tsig(resp),
	        "%s: a response with a TSIG record", name))
		return;
	ldns_rr *t = ldns_pkt_tsig(resp);
	ok(ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) == error &&
	       ldns_rdf_size(ldns_rr_rdf(t, 3)) == 2 && ldns_rdf_size(ldns_rr_rdf(t, 6)) == 2,
	   "%s, even given the key: unsigned, MAC size 0, no Other Data (RFC 8945 5.3.2)", name);
	ldns_pkt_free(resp);
}

int main(void)
{
	test_hmac();
	xfr_key_t *key = key_new(SECRET);
	ldns_pkt *req = request_new();
	if (!ok(req && ldns_pkt_tsig(req) && key->dname && key->alg, "a signed request"))
		return done_testing();
	test_badtime(key, req);
	test_unsigned(key, req, TSIG_BADSIG, "BADSIG");
	test_unsigned(key, req, TSIG_BADKEY, "BADKEY");
	ldns_pkt_free(req);
	xfr__key_free(key);
	return done_testing();
}
