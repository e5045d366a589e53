/* SPDX-License-Identifier: MIT */
/* cookie.h -- DNS server cookies (RFC 7873), made as RFC 9018 says so that any server that
 * shares the secret could check them: version 1, three reserved bytes, a timestamp, and a
 * SipHash-2-4 (libsodium) of the client cookie, those fields and the client's address.
 *
 * A query that brings back a server cookie we made for its client cookie and address proves
 * that address is real (no spoofed source could have read our answer), so rate limiting
 * exempts it. Every answer to a query with a COOKIE option carries a fresh server cookie.
 * No allocation: these run on the query path.
 */
#ifndef FDNS_SERVER_COOKIE_H
#define FDNS_SERVER_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fleetdns/query.h"

#define COOKIE_SECRET_LEN 16
#define COOKIE_CLIENT_LEN 8
#define COOKIE_SERVER_LEN 16
#define COOKIE_OPTION_LEN (4 + COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN)

/** A new random secret (getrandom); returns 0 or -errno. */
int cookie_secret_new(uint8_t secret[COOKIE_SECRET_LEN]);

/** Whether q carries a server cookie made with secret for its client cookie and peer, at
 * most an hour before now and at most five minutes after (RFC 9018 4.3). now: Unix time. */
bool cookie_valid(const query_t *q, const struct sockaddr *peer,
                  const uint8_t secret[COOKIE_SECRET_LEN], uint32_t now);

/** resp (len bytes; its last record an OPT, as answer_respond writes it, ending at opt_end,
 * perhaps followed by options already appended) with a COOKIE option appended: q's client
 * cookie and a server cookie made now. The caller keeps COOKIE_OPTION_LEN bytes of room
 * after len. Returns the new length. */
size_t cookie_append(uint8_t *resp, size_t opt_end, size_t len, const query_t *q,
                     const struct sockaddr *peer, const uint8_t secret[COOKIE_SECRET_LEN],
                     uint32_t now);

#endif
