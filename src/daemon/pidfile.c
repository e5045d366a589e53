/* SPDX-License-Identifier: MIT */
/* pidfile.c -- the locked pidfile of server: pidfile: (pidfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/pidfile.h"
#include "fleetdns/error.h"
#include "util/log.h"

struct pidfile {
	int fd; /* open and locked (LOCK_EX) until pidfile_close() */
	char *path;
};

/* Who holds the lock, as the file says (it may still be empty if that process has not
 * finished starting). */
static void holder_read(int fd, char *out, size_t len)
{
	ssize_t n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!out[0])
		snprintf(out, len, "not written yet");
}

/* One attempt: 1 when path was replaced while we locked it (try again), 0 when *fd is open
 * and locked on the file that path names, or an error. */
static int open_locked(const char *path, int *fd_out, char *err, size_t errlen)
{
	/* O_NOFOLLOW, and a regular file with one link below: started as root, fleetdns must
	 * not be led to truncate some other file through a link planted in its place. */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
	struct stat st, now;
	if (fd < 0) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return FDNS_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "pidfile %s: not a regular file with a single link", path);
		close(fd);
		return FDNS_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32];
		int e = errno;
		if (e == EWOULDBLOCK) {
			holder_read(fd, pid, sizeof(pid));
			snprintf(
			    err, errlen,
			    "pidfile %s is locked by a running fleetdns (pid %s); is it already "
			    "running?",
			    path, pid);
		} else {
			snprintf(err, errlen, "pidfile %s: lock: %s", path, strerror(e));
		}
		close(fd);
		return e == EWOULDBLOCK ? FDNS_EEXIST : FDNS_EIO;
	}
	/* A fleetdns that was stopping may have removed the file between our open and our
	 * lock: then we hold a lock on a file nobody sees, and must start over. */
	if (stat(path, &now) != 0 || now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
		close(fd);
		return 1;
	}
	*fd_out = fd;
	return FDNS_OK;
}

int pidfile_open(pidfile_t **out, const char *path, char *err, size_t errlen)
{
	int fd = -1, rc = 1;
	*out = NULL;
	for (int tries = 0; rc == 1 && tries < 10; tries++)
		rc = open_locked(path, &fd, err, errlen);
	if (rc == 1) {
		snprintf(err, errlen, "pidfile %s: keeps being replaced", path);
		return FDNS_EIO;
	}
	if (rc < 0)
		return rc;
	pidfile_t *pf = calloc(1, sizeof(*pf));
	if (!pf || !(pf->path = strdup(path)) || ftruncate(fd, 0) != 0) {
		snprintf(err, errlen, "pidfile %s: %s", path,
		         pf ? strerror(errno) : "out of memory");
		if (pf)
			free(pf->path);
		free(pf);
		close(fd);
		return pf ? FDNS_EIO : FDNS_ENOMEM;
	}
	pf->fd = fd;
	*out = pf;
	return FDNS_OK;
}

void pidfile_write(pidfile_t *pf)
{
	char text[32];
	if (!pf)
		return;
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (pwrite(pf->fd, text, (size_t)n, 0) != n || ftruncate(pf->fd, n) != 0)
		log_error("pidfile %s: cannot write: %s", pf->path, strerror(errno));
}

void pidfile_close(pidfile_t *pf)
{
	if (!pf)
		return;
	/* Unlink while the lock is held: a fleetdns starting now either finds the file locked
	 * (this one still runs) or, having opened it before the unlink and locked it after the
	 * close below, sees that the path no longer names it and starts over (open_locked). */
	if (unlink(pf->path) != 0) {
		int e = errno;
		if (ftruncate(pf->fd, 0) != 0)
			log_warning("pidfile %s: cannot remove (%s) nor empty it: %s", pf->path,
			            strerror(e), strerror(errno));
		else
			log_info("pidfile %s: cannot remove (%s); emptied instead", pf->path,
			         strerror(e));
	}
	close(pf->fd);
	free(pf->path);
	free(pf);
}
