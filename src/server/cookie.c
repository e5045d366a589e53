/* SPDX-License-Identifier: MIT */
/* cookie.c -- RFC 9018 server cookies: make, check, append to a response. */
#include <errno.h>
#include <netinet/in.h>
#include <sodium/crypto_shorthash_siphash24.h>
#include <string.h>
#include <sys/random.h>

#include "server/cookie.h"
#include "wire/bytes.h"

#define COOKIE_VERSION  1
#define COOKIE_PAST_S   3600 /* RFC 9018 4.3: older cookies are no longer accepted */
#define COOKIE_FUTURE_S 300  /* and from more than five minutes ahead */

_Static_assert(COOKIE_SECRET_LEN == crypto_shorthash_siphash24_KEYBYTES, "SipHash key size");

int cookie_secret_new(uint8_t secret[COOKIE_SECRET_LEN])
{
	return getrandom(secret, COOKIE_SECRET_LEN, 0) == COOKIE_SECRET_LEN ? 0 : -errno;
}

/* The server cookie for client cookie cc, peer and timestamp ts into out. */
static void cookie_make(uint8_t out[COOKIE_SERVER_LEN], const uint8_t *cc,
                        const struct sockaddr *peer, const uint8_t secret[COOKIE_SECRET_LEN],
                        uint32_t ts)
{
	uint8_t in[COOKIE_CLIENT_LEN + 8 + 16];
	size_t n = 0;
	memcpy(in, cc, COOKIE_CLIENT_LEN);
	n += COOKIE_CLIENT_LEN;
	out[0] = COOKIE_VERSION;
	out[1] = out[2] = out[3] = 0;
	wire_wr32(out + 4, ts);
	memcpy(in + n, out, 8);
	n += 8;
	if (peer->sa_family == AF_INET) {
		memcpy(in + n, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		n += 4;
	} else {
		memcpy(in + n, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
		n += 16;
	}
	crypto_shorthash_siphash24(out + 8, in, n, secret);
}

bool cookie_valid(const query_t *q, const struct sockaddr *peer,
                  const uint8_t secret[COOKIE_SECRET_LEN], uint32_t now)
{
	if (q->cookie_len != COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN ||
	    q->cookie[8] != COOKIE_VERSION)
		return false;
	const uint8_t *sc = q->cookie + COOKIE_CLIENT_LEN;
	uint32_t ts = wire_rd32(sc + 4);
	int32_t age = (int32_t)(now - ts); /* serial number arithmetic (RFC 1982), as RFC 9018 */
	if (age > COOKIE_PAST_S || age < -COOKIE_FUTURE_S)
		return false;
	uint8_t want[COOKIE_SERVER_LEN];
	cookie_make(want, q->cookie, peer, secret, ts);
	return memcmp(want, sc, COOKIE_SERVER_LEN) == 0;
}

size_t cookie_append(uint8_t *resp, size_t opt_end, size_t len, const query_t *q,
                     const struct sockaddr *peer, const uint8_t secret[COOKIE_SECRET_LEN],
                     uint32_t now)
{
	uint8_t *p = resp + len;
	wire_wr16(p, EDNS_COOKIE);
	wire_wr16(p + 2, COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN);
	memcpy(p + 4, q->cookie, COOKIE_CLIENT_LEN);
	cookie_make(p + 4 + COOKIE_CLIENT_LEN, q->cookie, peer, secret, now);
	uint16_t rdlen = wire_rd16(resp + opt_end - 2); /* the OPT's RDLENGTH */
	wire_wr16(resp + opt_end - 2, (uint16_t)(rdlen + COOKIE_OPTION_LEN));
	return len + COOKIE_OPTION_LEN;
}
