/* SPDX-License-Identifier: MIT */
/* load.h -- from a configuration to a ready snapshot: read every zone, compile them all. */
#ifndef FDNS_DAEMON_LOAD_H
#define FDNS_DAEMON_LOAD_H

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"

/** Load every zone of conf and compile a snapshot. All or nothing: on error *out is NULL
 * and err names the file, line and column. */
int daemon_load(snapshot_t **out, const conf_t *conf, char *err, size_t errlen);

#endif
