/* SPDX-License-Identifier: MIT */
/* error.c -- texts for the FDNS_E* codes. */
#include "fleetdns/error.h"

const char *fdns_strerror(int err)
{
	switch (err) {
	case FDNS_OK:
		return "success";
	case FDNS_ENOMEM:
		return "out of memory";
	case FDNS_EINVAL:
		return "invalid value";
	case FDNS_EIO:
		return "input/output error";
	case FDNS_EPARSE:
		return "syntax error";
	case FDNS_EZONE:
		return "invalid zone content";
	case FDNS_EMALF:
		return "malformed message";
	case FDNS_ESPACE:
		return "not enough space";
	case FDNS_EEXIST:
		return "already exists";
	case FDNS_ENOENT:
		return "not found";
	case FDNS_EADDR:
		return "invalid address";
	}
	return "unknown error";
}
