/* SPDX-License-Identifier: MIT */
/* privileges.h -- giving up root (server: user, group) once everything that needs it is
 * open: listen sockets, the HTTP listener, the control socket, the pidfile.
 *
 * The order in main: privileges_resolve() right after the configuration is read (an
 * unknown user stops the start before anything is bound), privileges_restrict() before the
 * first thread starts (what it sets is per thread and inherited), then binding, then
 * privileges_hand_over() for files made as root that the user must own, then
 * privileges_drop(), then privileges_access_check(). Every function does nothing when
 * there is nothing to drop (no user configured, or fleetdns already runs as that user and
 * group). Documented for users in docs/running.md.
 */
#ifndef FDNS_DAEMON_PRIVILEGES_H
#define FDNS_DAEMON_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon/load.h"
#include "fleetdns/conf.h"

typedef struct privileges {
	bool drop;       /* a user is configured and the process does not run as it yet */
	uid_t uid;       /* the user's */
	gid_t gid;       /* server: group's, or the user's primary group */
	char user[256];  /* for initgroups() and messages */
	char group[256]; /* for messages */
} privileges_t;

/** Look conf's user and group up into *p (nothing is kept from conf). Returns 0, or
 * FDNS_ENOENT (no such user or group) or FDNS_EIO (the lookup failed) with err set. */
int privileges_resolve(privileges_t *p, const conf_process_t *conf, char *err, size_t errlen);

/** Before any thread starts, when dropping: no new privileges through execve, and an empty
 * capability bounding set. Both are per-thread attributes that new threads inherit, which
 * is why this cannot wait for privileges_drop(). Returns 0 or FDNS_EIO with err set. */
int privileges_restrict(const privileges_t *p, char *err, size_t errlen);

/** Give path (made as root, e.g. the control socket) to the user and group, so that the
 * user can still remove it at exit from a sticky folder and use it itself. Failure is
 * logged, not fatal. path NULL: nothing. */
void privileges_hand_over(const privileges_t *p, const char *path);

/** Become the user: its supplementary groups (initgroups), the group, the user; then check
 * that root cannot be regained and no capability is left. Returns 0 or FDNS_EIO with err
 * set: the caller must then stop, never serve as root by mistake. */
int privileges_drop(const privileges_t *p, char *err, size_t errlen);

/** After the drop: warn about what the user cannot reach and fleetdns will need again (the
 * configuration and zone files on reload, unix sockets and TLS files of engines on every
 * connection, the state file's folder). Only logs. */
void privileges_access_check(const privileges_t *p, const loaded_t *l);

#endif
