/* SPDX-License-Identifier: MIT */
/* check.h -- what --check-config checks once the configuration and the zones have loaded:
 * the files and sockets the configuration names that fleetdns itself opens only later,
 * while it runs (engines' TLS files and unix sockets, the state file's folder).
 *
 * Only --check-config runs these: a start or a reload does not, so that reloads stay fast
 * and quiet (and what the user fleetdns drops to cannot reach is logged at start by
 * privileges_access_check()). The checks run as the process that runs --check-config,
 * usually root or the service's user; they open nothing but the TLS files, to read them.
 */
#ifndef FDNS_DAEMON_CHECK_H
#define FDNS_DAEMON_CHECK_H

#include <stdio.h>

#include "daemon/load.h"

/** Check what l's configuration names and print each problem found on out, one line each:
 * "fleetdns: CONFIG:LINE:COLUMN: message" for errors (a TLS file that is missing,
 * unreadable or not PEM, a state file whose folder cannot be written, a unix socket path
 * too long to connect to) and "fleetdns: CONFIG:LINE:COLUMN: warning: message" for
 * warnings (an engine's unix socket that is not there yet). An engine given with --engine
 * is named "--engine 'NAME=URL'" in place of CONFIG:LINE:COLUMN. Every problem is printed,
 * not only the first. Returns 0 when there was no error (warnings or not), FDNS_EINVAL
 * when there was one or more. Nothing in l is changed or kept. */
int check_run(const loaded_t *l, FILE *out);

#endif
