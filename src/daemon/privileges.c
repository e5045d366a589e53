/* SPDX-License-Identifier: MIT */
/* privileges.c -- giving up root once everything that needs it is open (privileges.h).
 *
 * Threads: workers, the logging thread and the HTTP listener's threads already run when
 * privileges_drop() is called. On Linux, credentials belong to each thread, but glibc's
 * setgroups, setresgid and setresuid apply the change to every thread of the process (the
 * "setxid broadcast" through an internal signal) before returning, so no thread keeps
 * root. The libuv thread pool, which reads files on reload, starts later and inherits the
 * user. What prctl() sets is per thread without any broadcast: hence
 * privileges_restrict() before the first thread.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/privileges.h"
#include "fleetdns/error.h"
#include "util/log.h"

/* getpwnam and getgrnam say "not found" with NULL and errno 0 (or one of these, depending on
 * the NSS module); anything else is a failed lookup, which must not read as "no user". */
static bool lookup_missing(int err)
{
	return err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM;
}

int privileges_resolve(privileges_t *p, const conf_process_t *conf, char *err, size_t errlen)
{
	*p = (privileges_t){0};
	if (!conf->user)
		return FDNS_OK;
	errno = 0;
	struct passwd *pw = getpwnam(conf->user);
	if (!pw) {
		int e = errno;
		snprintf(err, errlen, "server: user '%s': %s", conf->user,
		         lookup_missing(e) ? "no such user" : strerror(e));
		return lookup_missing(e) ? FDNS_ENOENT : FDNS_EIO;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	snprintf(p->user, sizeof(p->user), "%s", conf->user);
	snprintf(p->group, sizeof(p->group), "%u", (unsigned)pw->pw_gid);
	if (conf->group) {
		errno = 0;
		struct group *gr = getgrnam(conf->group);
		if (!gr) {
			int e = errno;
			snprintf(err, errlen, "server: group '%s': %s", conf->group,
			         lookup_missing(e) ? "no such group" : strerror(e));
			return lookup_missing(e) ? FDNS_ENOENT : FDNS_EIO;
		}
		p->gid = gr->gr_gid;
		snprintf(p->group, sizeof(p->group), "%s", conf->group);
	} else {
		errno = 0;
		struct group *gr = getgrgid(pw->pw_gid);
		if (gr)
			snprintf(p->group, sizeof(p->group), "%s", gr->gr_name);
	}
	/* Already the user (started by systemd with User=, or by the user itself): nothing to
	 * drop, and the supplementary groups it was given stay as they are. */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	bool same_user = ru == p->uid && eu == p->uid && su == p->uid;
	bool same_group = !conf->group || (rg == p->gid && eg == p->gid && sg == p->gid);
	p->drop = !(same_user && same_group);
	return FDNS_OK;
}

int privileges_restrict(const privileges_t *p, char *err, size_t errlen)
{
	if (!p->drop)
		return FDNS_OK;
	/* fleetdns never runs another program; should a bug make it try, a set-user-ID binary
	 * must not give back what the drop takes (as NoNewPrivileges= in the unit file). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return FDNS_EIO;
	}
	/* The bounding set limits what any execve could grant. Emptying it needs CAP_SETPCAP,
	 * which only root has here; without it (not root) privileges_drop() fails anyway and
	 * says why, so EPERM stops the loop quietly. EINVAL marks the end of the kernel's
	 * capability list. */
	for (int cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
		;
	return FDNS_OK;
}

void privileges_hand_over(const privileges_t *p, const char *path)
{
	if (!p->drop || !path)
		return;
	/* lchown: never follow a link someone may have put in the path's place. */
	if (lchown(path, p->uid, p->gid) != 0)
		log_warning("%s: cannot give it to user %s: %s", path, p->user, strerror(errno));
}

/* Whether the process has no capability left: effective and permitted sets empty (the
 * kernel clears them when every UID leaves 0, unless SECBIT_KEEP_CAPS was set). */
static bool capabilities_none(void)
{
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &head, data) != 0)
		return false;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted)
			return false;
	return true;
}

/* What the kernel now says is what was asked, and root is out of reach. A failed drop that
 * went unnoticed would leave a DNS server reading outside input as root. */
static int drop_verify(const privileges_t *p, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != p->uid ||
	    eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid || sg != p->gid) {
		snprintf(err, errlen, "user %s: the user and group IDs did not all change",
		         p->user);
		return FDNS_EIO;
	}
	if (p->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "user %s: root could be regained after the drop", p->user);
		return FDNS_EIO;
	}
	if (p->uid != 0 && !capabilities_none()) {
		snprintf(err, errlen, "user %s: capabilities are left after the drop", p->user);
		return FDNS_EIO;
	}
	return FDNS_OK;
}

int privileges_drop(const privileges_t *p, char *err, size_t errlen)
{
	if (!p->drop)
		return FDNS_OK;
	const char *step = "initgroups";
	/* Groups first, while we may still change them: the supplementary groups are the ones
	 * /etc/group gives the user (membership of a group that may open the Docker socket is
	 * how an administrator grants it), plus the group itself. Then the group, then the
	 * user, last because it takes away the right to do the other two. The res* calls set
	 * the real, effective and saved IDs alike, so none keeps a way back. */
	if (initgroups(p->user, p->gid) != 0)
		goto fail;
	step = "setresgid";
	if (setresgid(p->gid, p->gid, p->gid) != 0)
		goto fail;
	step = "setresuid";
	if (setresuid(p->uid, p->uid, p->uid) != 0)
		goto fail;
	if (drop_verify(p, err, errlen) < 0)
		return FDNS_EIO;
	log_info("running as user %s (uid %u), group %s (gid %u)", p->user, (unsigned)p->uid,
	         p->group, (unsigned)p->gid);
	return FDNS_OK;
fail:
	snprintf(err, errlen,
	         "cannot switch to user %s, group %s: %s: %s (fleetdns runs as uid %u; "
	         "start it as root, or leave 'user' out)",
	         p->user, p->group, step, strerror(errno), (unsigned)geteuid());
	return FDNS_EIO;
}

/* Warn when the user cannot open path with mode (access() checks the real IDs, which are
 * the user's now). what: the setting, consequence: what will fail. */
static void access_warn(const privileges_t *p, const char *path, int mode, const char *what,
                        const char *consequence)
{
	if (path && access(path, mode) != 0)
		log_warning("%s %s: not accessible to user %s (%s): %s", what, path, p->user,
		            strerror(errno), consequence);
}

static void engine_check(const privileges_t *p, const conf_engine_t *e)
{
	char what[128];
	snprintf(what, sizeof(what), "engine %s:", e->name);
	if (e->url && strncmp(e->url, "unix://", 7) == 0)
		access_warn(p, e->url + 7, R_OK | W_OK, what,
		            "it cannot connect (see \"The Docker socket\" in docs/running.md)");
	access_warn(p, e->tls_ca, R_OK, what, "TLS connections will fail");
	access_warn(p, e->tls_cert, R_OK, what, "TLS connections will fail");
	access_warn(p, e->tls_key, R_OK, what, "TLS connections will fail");
}

void privileges_access_check(const privileges_t *p, const loaded_t *l)
{
	const conf_t *c = &l->conf;
	if (!p->drop)
		return;
	access_warn(p, c->path, R_OK, "configuration", "reloads will fail");
	for (size_t i = 0; i < c->nzones; i++)
		access_warn(p, c->zones[i].file, R_OK, "zone file", "reloads will fail");
	for (size_t i = 0; i < c->nengines; i++)
		engine_check(p, &c->engines[i]);
	if (l->fleet && c->nengines == 0)
		engine_check(p, &l->default_engine);
	if (c->fleet.state_file) {
		/* Saved as STATE.tmp, then renamed: the folder must be writable. */
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", c->fleet.state_file);
		access_warn(p, dirname(dir), W_OK | X_OK, "state-file folder",
		            "serials will not be kept across restarts");
	}
}
