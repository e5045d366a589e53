/* SPDX-License-Identifier: MIT */
/* pidfile.h -- server: pidfile: a file holding the process ID while fleetdns serves.
 *
 * The file is opened and locked (flock) at start, before any socket is bound and while
 * fleetdns may still be root, so that it can live in a root-owned folder such as /run and
 * so that a second fleetdns on the same file stops before it binds the same addresses
 * (SO_REUSEPORT would otherwise let it share them). The lock, not the file's presence or
 * content, says whether a fleetdns runs: a file left by a crash is simply taken over. The
 * process ID is written once fleetdns answers queries; until then the file is empty.
 */
#ifndef FDNS_DAEMON_PIDFILE_H
#define FDNS_DAEMON_PIDFILE_H

#include <stddef.h>

typedef struct pidfile pidfile_t;

/** Create or take over path and lock it; *out owns the open file until pidfile_close().
 * Returns 0, FDNS_EEXIST when another process holds the lock (err gives its process ID)
 * or FDNS_EIO (err says why, e.g. not a regular file). */
int pidfile_open(pidfile_t **out, const char *path, char *err, size_t errlen);

/** Write this process's ID into the file (through the descriptor opened at start, so this
 * works after the privilege drop). A failure is logged. */
void pidfile_write(pidfile_t *pf);

/** Remove the file and release the lock; free pf (NULL: nothing). When the folder does not
 * let the process remove it any more (after the privilege drop, in a root-owned folder),
 * the file is emptied instead, so that no stale process ID is left in it. */
void pidfile_close(pidfile_t *pf);

#endif
