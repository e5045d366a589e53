/* SPDX-License-Identifier: MIT */
/* error.h -- the error codes every fleetdns function returns (0 or negative). */
#ifndef FLEETDNS_ERROR_H
#define FLEETDNS_ERROR_H

enum {
	FDNS_OK = 0,
	FDNS_ENOMEM = -1, /* allocation failed */
	FDNS_EINVAL = -2, /* invalid argument or value */
	FDNS_EIO = -3,    /* file or socket error (errno says more) */
	FDNS_EPARSE = -4, /* syntax error in a config or zone file */
	FDNS_EZONE = -5,  /* zone content is semantically wrong */
	FDNS_EMALF = -6,  /* malformed DNS message */
	FDNS_ESPACE = -7, /* output buffer too small */
	FDNS_EEXIST = -8, /* duplicate item */
	FDNS_ENOENT = -9, /* no such item */
	FDNS_EADDR = -10, /* bad socket address */
};

/** Human readable text for an FDNS_E* code; never NULL. */
const char *fdns_strerror(int err);

#endif
