/* SPDX-License-Identifier: MIT */
/* check.c -- --check-config's look at what the configuration names outside itself
 * (check.h): engines' TLS files and unix sockets, the state file's folder.
 *
 * TLS files go to libcurl as paths (src/engine/http.c), and its TLS library reads them as
 * PEM at every connection. Parsing them here would need a TLS library of fleetdns's own:
 * libcurl has no call that reads a certificate without connecting. So a file passes when it
 * holds, begun and ended, the PEM block its key is for: a CERTIFICATE for ca and cert, one of
 * the PRIVATE KEY forms for key. That catches what goes wrong in practice (a wrong path, a
 * DER file, cert and key swapped, a file cut short), not a damaged body or a key that does
 * not match its certificate: the engine's log says so at the first connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/check.h"
#include "fleetdns/error.h"

/* More than the largest CA bundle (the Mozilla set is about 220 KB): a longer file is read
 * no further and judged on what came before. */
#define PEM_READ_MAX (16u << 20)
/* The longest PEM label kept ("ENCRYPTED PRIVATE KEY" is 21 characters). */
#define PEM_LABEL_MAX 64

typedef struct check {
	FILE *out;
	const char *path; /* the config file, or NULL */
	size_t errors;
} check_t;

/* Prints "fleetdns: PLACE: [warning: ]MESSAGE". PLACE is CONFIG:LINE:COLUMN, or for an
 * engine from the command line (line 0) the --engine option. */
static void __attribute__((format(printf, 6, 7)))
say(check_t *c, bool error, const conf_engine_t *e, size_t line, size_t column, const char *fmt,
    ...)
{
	va_list ap;

	if (line > 0 && c->path != NULL)
		fprintf(c->out, "fleetdns: %s:%zu:%zu: ", c->path, line, column);
	else if (e != NULL)
		fprintf(c->out, "fleetdns: --engine '%s=%s': ", e->name, e->url);
	else
		fprintf(c->out, "fleetdns: %s: ", c->path ? c->path : "configuration");
	if (!error)
		fputs("warning: ", c->out);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
	if (error)
		c->errors++;
}

/* What a file holds, as far as its PEM BEGIN and END lines tell. */
typedef struct pem_summary {
	bool certificate; /* a whole CERTIFICATE block */
	bool private_key; /* a whole block of one of the PRIVATE KEY forms */
	size_t cut_line;  /* the first BEGIN line without its END; 0: none */
	char cut_label[PEM_LABEL_MAX];
} pem_summary_t;

/* The labels OpenSSL and GnuTLS read a certificate from. */
static bool label_is_certificate(const char *label)
{
	return strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "TRUSTED CERTIFICATE") == 0 ||
	       strcmp(label, "X509 CERTIFICATE") == 0;
}

/* PRIVATE KEY (PKCS #8), RSA, EC or DSA PRIVATE KEY, ENCRYPTED PRIVATE KEY. */
static bool label_is_private_key(const char *label)
{
	static const char suffix[] = "PRIVATE KEY";
	size_t len = strlen(label), slen = sizeof(suffix) - 1;

	return len >= slen && strcmp(label + len - slen, suffix) == 0 &&
	       (len == slen || label[len - slen - 1] == ' ');
}

/* Whether line is "-----KIND LABEL-----" (KIND: BEGIN or END); LABEL then in label. */
static bool pem_marker(const char *line, const char *kind, char label[PEM_LABEL_MAX])
{
	size_t len = strlen(line), klen = strlen(kind), start = 5 + klen + 1;

	if (len < start + 1 + 5 || strncmp(line, "-----", 5) != 0 ||
	    strncmp(line + 5, kind, klen) != 0 || line[5 + klen] != ' ' ||
	    strcmp(line + len - 5, "-----") != 0 || len - 5 - start >= PEM_LABEL_MAX)
		return false;
	memcpy(label, line + start, len - 5 - start);
	label[len - 5 - start] = '\0';
	return true;
}

/* Reads fp's BEGIN and END lines into *s. Returns 0, or FDNS_EIO (errno says why). */
static int pem_read(FILE *fp, pem_summary_t *s)
{
	char *line = NULL, open_label[PEM_LABEL_MAX] = "", label[PEM_LABEL_MAX];
	size_t cap = 0, lineno = 0, total = 0, open_line = 0;
	ssize_t n;
	int rc = 0;

	*s = (pem_summary_t){0};
	while (total < PEM_READ_MAX && (n = getline(&line, &cap, fp)) >= 0) {
		total += (size_t)n;
		lineno++;
		while (n > 0 && strchr("\r\n \t", line[n - 1]) != NULL)
			line[--n] = '\0';
		if (pem_marker(line, "BEGIN", label)) {
			if (open_line > 0 && s->cut_line == 0) {
				s->cut_line = open_line;
				snprintf(s->cut_label, sizeof(s->cut_label), "%s", open_label);
			}
			snprintf(open_label, sizeof(open_label), "%s", label);
			open_line = lineno;
		} else if (open_line > 0 && pem_marker(line, "END", label) &&
		           strcmp(label, open_label) == 0) {
			s->certificate |= label_is_certificate(open_label);
			s->private_key |= label_is_private_key(open_label);
			open_line = 0;
		}
	}
	if (total < PEM_READ_MAX && !feof(fp)) /* a read error, or no memory for a line */
		rc = FDNS_EIO;
	else if (open_line > 0 && s->cut_line == 0 && total < PEM_READ_MAX) {
		s->cut_line = open_line;
		snprintf(s->cut_label, sizeof(s->cut_label), "%s", open_label);
	}
	free(line);
	return rc;
}

static const char *const tls_keys[3] = {"ca", "cert", "key"};

/* tls: ca, cert or key (k: 0, 1, 2) of e. */
static void tls_file_check(check_t *c, const conf_engine_t *e, size_t k, const char *file)
{
	size_t line = e->tls_line[k], column = e->tls_column[k];
	bool want_key = k == 2;
	pem_summary_t pem;
	struct stat st;
	FILE *fp = NULL;
	/* O_NONBLOCK: a FIFO put there by mistake must not block the check. */
	int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) != 0) {
		say(c, true, e, line, column, "engine %s: tls %s %s: %s", e->name, tls_keys[k],
		    file, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		say(c, true, e, line, column, "engine %s: tls %s %s: not a regular file", e->name,
		    tls_keys[k], file);
		goto out;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL || pem_read(fp, &pem) != 0) {
		say(c, true, e, line, column, "engine %s: tls %s %s: %s", e->name, tls_keys[k],
		    file, strerror(errno));
		goto out;
	}
	if (pem.cut_line > 0)
		say(c, true, e, line, column,
		    "engine %s: tls %s %s: the %s at line %zu has no '-----END %s-----' line "
		    "(is the file cut short?)",
		    e->name, tls_keys[k], file, pem.cut_label, pem.cut_line, pem.cut_label);
	else if (want_key && !pem.private_key)
		say(c, true, e, line, column,
		    "engine %s: tls key %s: not a PEM private key (no '-----BEGIN ... PRIVATE "
		    "KEY-----' line)%s",
		    e->name, file,
		    pem.certificate ? "; it holds a certificate: cert and key swapped?" : "");
	else if (!want_key && !pem.certificate)
		say(c, true, e, line, column,
		    "engine %s: tls %s %s: not a PEM certificate (no '-----BEGIN CERTIFICATE-----' "
		    "line)%s",
		    e->name, tls_keys[k], file,
		    !pem.private_key ? ""
		    : k == 1         ? "; it holds a private key: cert and key swapped?"
		                     : "; it holds a private key");
out:
	if (fp != NULL)
		fclose(fp);
	else if (fd >= 0)
		close(fd);
}

/* An engine's unix socket: connected to at every request, so it may well appear later (a
 * Docker daemon that starts after fleetdns); only a path too long to connect to is sure to
 * fail (libcurl refuses it, as the kernel would). */
static void socket_check(check_t *c, const conf_engine_t *e)
{
	const char *path = e->url + strlen("unix://");
	struct stat st;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		say(c, true, e, e->url_line, e->url_column,
		    "engine %s: socket path %s is longer than %zu bytes: it cannot be connected to",
		    e->name, path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	else if (stat(path, &st) != 0)
		say(c, false, e, e->url_line, e->url_column,
		    "engine %s: %s: %s (fleetdns keeps trying to connect)", e->name, path,
		    strerror(errno));
	else if (!S_ISSOCK(st.st_mode))
		say(c, false, e, e->url_line, e->url_column, "engine %s: %s is not a socket",
		    e->name, path);
}

/* The state file is written as STATE.tmp, then renamed (src/daemon/fleet.c): its folder
 * must be there and writable, and the file, if there, a readable file. */
static void state_file_check(check_t *c, const conf_fleet_t *f)
{
	size_t line = f->state_file_line, column = f->state_file_column;
	char copy[PATH_MAX];
	const char *dir;
	struct stat st;

	if (f->state_file == NULL)
		return;
	if (strlen(f->state_file) >= sizeof(copy)) {
		say(c, true, NULL, line, column, "state-file %s: %s", f->state_file,
		    strerror(ENAMETOOLONG));
		return;
	}
	strcpy(copy, f->state_file);
	dir = dirname(copy);
	if (stat(dir, &st) != 0)
		/* A warning: systemd's StateDirectory= (the unit's /var/lib/fleetdns) makes the
		 * folder when the service starts, after an ExecStartPre= check or a package's. */
		say(c, errno != ENOENT, NULL, line, column,
		    "state-file %s: folder %s: %s (serials would not be kept across restarts)",
		    f->state_file, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		say(c, true, NULL, line, column, "state-file %s: %s is not a folder", f->state_file,
		    dir);
	else if (access(dir, W_OK | X_OK) != 0)
		say(c, true, NULL, line, column,
		    "state-file %s: folder %s is not writable: %s (serials would not be kept "
		    "across restarts)",
		    f->state_file, dir, strerror(errno));
	else if (stat(f->state_file, &st) == 0 && !S_ISREG(st.st_mode))
		say(c, true, NULL, line, column, "state-file %s: not a regular file",
		    f->state_file);
	else if (stat(f->state_file, &st) == 0 && access(f->state_file, R_OK) != 0)
		say(c, true, NULL, line, column,
		    "state-file %s: %s (the serials kept in it would be lost)", f->state_file,
		    strerror(errno));
}

int check_run(const loaded_t *l, FILE *out)
{
	check_t c = {.out = out, .path = l->conf.path};

	for (size_t i = 0; i < l->conf.nengines; i++) {
		const conf_engine_t *e = &l->conf.engines[i];
		const char *tls[3] = {e->tls_ca, e->tls_cert, e->tls_key};
		if (e->url != NULL && strncmp(e->url, "unix://", strlen("unix://")) == 0)
			socket_check(&c, e);
		for (size_t k = 0; k < 3; k++)
			if (tls[k] != NULL)
				tls_file_check(&c, e, k, tls[k]);
	}
	state_file_check(&c, &l->conf.fleet);
	fflush(out);
	return c.errors == 0 ? 0 : FDNS_EINVAL;
}
