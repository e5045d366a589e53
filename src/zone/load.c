/* SPDX-License-Identifier: MIT */
/* load.c -- reads master files record by record with ldns, so every error has a place.
 *
 * ldns parses each record but says neither where it starts nor which field it disliked,
 * and it accepts TTLs such as "3x00" (as 3) or 99999999999 (wrapped). So the whole text
 * is kept in memory; after each ldns call the bytes it consumed are split into fields
 * again here, with their line and column. That gives semantic checks the record's line,
 * lets bad TTLs be refused, and points syntax errors at the field at fault.
 *
 * The same split finds what ldns lets through: a ')' without '(' (ldns ignores it), a '('
 * never closed (ldns reads to the end of the file and reports superfluous text), and a
 * quoted string not closed on its line (ldns closes it there). BIND refuses all three.
 * ldns reports $INCLUDE and goes on; the file is read here, as one more text with its own
 * origin, TTL and positions, so records from it are checked and reported as its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetdns/error.h"
#include "fleetdns/zone.h"
#include "zone/check.h"

#define FIELDS_MAX    16
#define TTL_MAX       2147483647u /* RFC 2181 8 */
#define INCLUDE_DEPTH 8           /* files open at once through $INCLUDE, below the zone file */

/* One field of a record as written. */
typedef struct field {
	const char *s;
	size_t len;
	int line, col;
} field_t;

/* Where the text is, while reading it. */
typedef struct cursor {
	const char *text;
	size_t pos;              /* first byte not yet split */
	int line;                /* line of pos */
	size_t line_start;       /* offset of that line */
	int depth;               /* parentheses open */
	int open_line, open_col; /* where the outermost open '(' is */
	const char *bad;         /* the first syntax error split_fields found, or NULL */
	int bad_line, bad_col;
} cursor_t;

static void syntax_bad(cursor_t *c, size_t p, int line, size_t line_start, const char *what)
{
	if (c->bad)
		return;
	c->bad = what;
	c->bad_line = line;
	c->bad_col = (int)(p - line_start) + 1;
}

/* Split the text up to offset end (what ldns read for one entry) into fields, as RFC 1035
 * 5.1 does: blanks, line breaks, parentheses and comments separate them; a quoted string
 * is one field. Keeps the first max fields; returns how many were kept. The first
 * unbalanced parenthesis or unclosed quote is noted in c->bad; at_eof: end is the end of
 * the text, where every '(' must have been closed. */
static size_t split_fields(cursor_t *c, size_t end, bool at_eof, field_t *f, size_t max)
{
	size_t n = 0, p = c->pos;
	c->depth = 0; /* ldns ended the entry before: it found its parentheses balanced */
	while (p < end) {
		char ch = c->text[p];
		if (ch == '\n') {
			c->line++;
			c->line_start = ++p;
		} else if (ch == ';') {
			while (p < end && c->text[p] != '\n')
				p++;
		} else if (ch == '(') {
			if (c->depth++ == 0) {
				c->open_line = c->line;
				c->open_col = (int)(p - c->line_start) + 1;
			}
			p++;
		} else if (ch == ')') {
			if (c->depth == 0)
				syntax_bad(c, p, c->line, c->line_start, "')' without '('");
			else
				c->depth--;
			p++;
		} else if (strchr(" \t\r", ch)) {
			p++;
		} else {
			size_t start = p, quote = 0;
			int line = c->line, col = (int)(p - c->line_start) + 1;
			bool quoted = false;
			for (; p < end; p++) {
				ch = c->text[p];
				if (ch == '\\' && p + 1 < end && c->text[p + 1] != '\n') {
					p++;
				} else if (ch == '"') {
					quoted = !quoted;
					quote = p;
				} else if (ch == '\n' && quoted) {
					break; /* BIND: "unbalanced quotes" */
				} else if (!quoted && strchr(" \t\r\n();", ch)) {
					break;
				}
			}
			if (quoted)
				syntax_bad(c, quote, line, c->line_start,
				           "quoted text not closed on its line");
			if (n < max)
				f[n++] = (field_t){c->text + start, p - start, line, col};
		}
	}
	if (at_eof && c->depth > 0) {
		c->depth = 0;
		if (!c->bad) {
			c->bad = "'(' not closed before the end of the file";
			c->bad_line = c->open_line;
			c->bad_col = c->open_col;
		}
	}
	c->pos = end;
	return n;
}

/* The field as a C string in buf (cut to fit). */
static const char *field_str(const field_t *f, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)f->len, f->s);
	return buf;
}

/* RFC 1035 TTL, with BIND's units: "3600", "1h30m", "1W". At most 2^31 - 1. */
static bool ttl_valid(const field_t *f)
{
	static const char units[] = "smhdw";
	static const uint32_t secs[] = {1, 60, 3600, 86400, 604800};
	uint64_t total = 0, num = 0;
	bool digits = false;
	for (size_t i = 0; i < f->len; i++) {
		char ch = f->s[i];
		const char *unit = strchr(units, ch | 0x20);
		if (ch >= '0' && ch <= '9') {
			num = num * 10 + (uint64_t)(ch - '0');
			digits = true;
		} else if (unit && *unit && digits) {
			total += num * secs[unit - units];
			num = 0;
			digits = false;
		} else {
			return false;
		}
		if (num > TTL_MAX || total > TTL_MAX)
			return false;
	}
	return f->len > 0 && total + num <= TTL_MAX;
}

static bool looks_like_ttl(const field_t *f)
{
	size_t i = (f->s[0] == '-' || f->s[0] == '+') ? 1 : 0;
	return i < f->len && f->s[i] >= '0' && f->s[i] <= '9';
}

/* Indexes of the parts of "[owner] [ttl] [class] type rdata..." (-1: absent). A record
 * whose first field is not in column 1 has no owner (it repeats the previous one). */
typedef struct rr_fields {
	int owner, ttl, class, type, rdata;
} rr_fields_t;

static rr_fields_t classify(const field_t *f, size_t n)
{
	rr_fields_t r = {-1, -1, -1, -1, -1};
	char buf[32];
	size_t i = 0;
	if (n > 0 && f[0].col == 1)
		r.owner = (int)i++;
	if (i < n && looks_like_ttl(&f[i]))
		r.ttl = (int)i++;
	if (i < n && ldns_get_rr_class_by_name(field_str(&f[i], buf, sizeof(buf))) != 0)
		r.class = (int)i++;
	if (i < n)
		r.type = (int)i++;
	r.rdata = (int)i;
	return r;
}

static bool owner_valid(const field_t *f, const ldns_rdf *origin)
{
	char buf[1024];
	if (f->len >= sizeof(buf))
		return false;
	field_str(f, buf, sizeof(buf));
	if (strcmp(buf, "@") == 0)
		return true;
	ldns_rdf *name = ldns_dname_new_frm_str(buf);
	bool ok = name != NULL;
	if (ok && !ldns_dname_str_absolute(buf) && origin)
		ok = ldns_dname_cat(name, origin) == LDNS_STATUS_OK;
	ldns_rdf_deep_free(name);
	return ok;
}

/* The first rdata field that does not parse on its own, or the first one. Only fields of
 * one token are tried; text, hex and base64 fields may span several. */
static int bad_rdata_field(const field_t *f, size_t n, int first, ldns_rr_type type)
{
	const ldns_rr_descriptor *desc = ldns_rr_descript((uint16_t)type);
	for (size_t k = 0; desc && first + k < n && k < ldns_rr_descriptor_maximum(desc); k++) {
		const field_t *fk = &f[first + k];
		ldns_rdf_type t = ldns_rr_descriptor_field_type(desc, k);
		char buf[1024];
		if (t == LDNS_RDF_TYPE_STR || t == LDNS_RDF_TYPE_B64 || t == LDNS_RDF_TYPE_HEX ||
		    fk->len >= sizeof(buf) || (fk->len == 2 && memcmp(fk->s, "\\#", 2) == 0))
			break;
		field_str(fk, buf, sizeof(buf));
		if (t == LDNS_RDF_TYPE_DNAME && strcmp(buf, "@") == 0)
			continue;
		ldns_rdf *rdf = ldns_rdf_new_frm_str(t, buf);
		if (!rdf)
			return first + (int)k;
		ldns_rdf_deep_free(rdf);
	}
	return first;
}

/* "source:line:column: message" about field i (or the cursor's line when absent). */
static int field_error(char *err, size_t errlen, const char *source, const cursor_t *c,
                       const field_t *f, int i, const char *what)
{
	char buf[80];
	if (i < 0)
		snprintf(err, errlen, "%s:%d:1: %s", source, c->line, what);
	else
		snprintf(err, errlen, "%s:%d:%d: %s '%s'", source, f[i].line, f[i].col, what,
		         field_str(&f[i], buf, sizeof(buf)));
	return FDNS_EPARSE;
}

/* Why ldns refused a record (status st), said about the field at fault. */
static int explain(char *err, size_t errlen, const char *source, const cursor_t *c,
                   const field_t *f, size_t n, ldns_status st, const ldns_rdf *origin)
{
	char buf[80], what[128];
	if (n == 0)
		return field_error(err, errlen, source, c, f, -1, ldns_get_errorstr_by_id(st));
	if (f[0].s[0] == '$') {
		if (st == LDNS_STATUS_SYNTAX_DNAME_ERR && n > 1)
			return field_error(err, errlen, source, c, f, 1, "bad $ORIGIN name");
		if (n == 1)
			return field_error(err, errlen, source, c, f, 0, "missing value after");
		return field_error(err, errlen, source, c, f, 0, "unsupported directive");
	}
	rr_fields_t r = classify(f, n);
	if (r.owner >= 0 && !owner_valid(&f[r.owner], origin))
		return field_error(err, errlen, source, c, f, r.owner, "bad owner name");
	if (r.ttl >= 0 && !ttl_valid(&f[r.ttl]))
		return field_error(err, errlen, source, c, f, r.ttl, "bad TTL");
	if (r.type < 0)
		return field_error(err, errlen, source, c, f, (int)n - 1, "missing type after");
	ldns_rr_type type = ldns_get_rr_type_by_name(field_str(&f[r.type], buf, sizeof(buf)));
	if (type == 0)
		return field_error(err, errlen, source, c, f, r.type, "unknown type");
	if (st == LDNS_STATUS_SYNTAX_MISSING_VALUE_ERR || r.rdata >= (int)n)
		return field_error(err, errlen, source, c, f, r.type, "missing rdata for");
	snprintf(what, sizeof(what), "bad %s rdata", buf);
	return field_error(err, errlen, source, c, f, bad_rdata_field(f, n, r.rdata, type), what);
}

/* Checks ldns does not make on an entry it accepted: the TTL as written, and that a record
 * has every field its type requires. */
static int check_accepted(char *err, size_t errlen, const char *source, const cursor_t *c,
                          const field_t *f, size_t n, ldns_status st, const ldns_rr *rr)
{
	char what[64];
	if (st == LDNS_STATUS_SYNTAX_TTL) { /* $TTL */
		if (n < 2)
			return field_error(err, errlen, source, c, f, 0, "missing value after");
		if (!ttl_valid(&f[1]))
			return field_error(err, errlen, source, c, f, 1, "bad TTL");
		return FDNS_OK;
	}
	rr_fields_t r = classify(f, n);
	if (r.ttl >= 0 && !ttl_valid(&f[r.ttl]))
		return field_error(err, errlen, source, c, f, r.ttl, "bad TTL");
	/* RFC 3597 rdata ("\# 0", or "\# ns" whose length is no number) is read by ldns as far
	 * as its bytes go, so a known type could come out with fewer fields than it has: an SOA
	 * with none, on which zone_check() asserted in ldns reading the serial, or an NS without
	 * its name, compiled into malformed answers (both found by tests/fuzz/fuzz_zone.c). */
	const ldns_rr_descriptor *desc = ldns_rr_descript((uint16_t)ldns_rr_get_type(rr));
	if (desc && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(desc)) {
		char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
		snprintf(what, sizeof(what), "incomplete %s rdata", type ? type : "record");
		free(type);
		return field_error(err, errlen, source, c, f, r.rdata < (int)n ? r.rdata : r.type,
		                   what);
	}
	return FDNS_OK;
}

/* What reading a zone file and the files it includes shares. */
typedef struct loader {
	ldns_rr_list *rrs;
	zone_where_t *where; /* where each record of rrs was read */
	size_t where_cap;
	char **sources; /* names of the included files (where[].source points at them) */
	size_t nsources;
	struct stat open[INCLUDE_DEPTH + 1]; /* the files being read, outermost first */
	int depth;
	char *err;
	size_t errlen;
} loader_t;

/* One text being read: the zone file or a file it includes, each with its own origin and
 * default TTL (and previous owner, in read_text). */
typedef struct text_state {
	const char *text;
	size_t len;
	const char *source; /* file name, for messages and for the folder of $INCLUDE */
	ldns_rdf *origin;   /* owned */
	uint32_t ttl;
} text_state_t;

static int read_text(loader_t *ld, text_state_t *ts);

static int nomem(loader_t *ld, const char *source)
{
	snprintf(ld->err, ld->errlen, "%s: out of memory", source);
	return FDNS_ENOMEM;
}

/* The whole file at path, NUL-terminated, in *text (malloc'ed; NULL when empty), its length
 * in *len, its identity in *st. included: only a regular file (not a FIFO or a device such
 * as /dev/zero, which would hang or never end), opened without waiting for a writer. */
static int read_file(const char *path, bool included, char **text, size_t *len, struct stat *st,
                     char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (included ? O_NONBLOCK : 0));
	FILE *fp = NULL;
	size_t cap = 0;
	*text = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (included && !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (!(fp = fdopen(fd, "r"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fd = -1; /* fp has it */
	while (!ferror(fp) && !feof(fp)) {
		if (cap - *len < 4096) {
			char *nt = realloc(*text, cap = cap ? cap * 2 : 65536);
			if (!nt) {
				fclose(fp);
				free(*text);
				*text = NULL;
				snprintf(err, errlen, "%s: out of memory", path);
				return FDNS_ENOMEM;
			}
			*text = nt;
		}
		*len += fread(*text + *len, 1, cap - *len - 1, fp);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(fp);
	if (*text)
		(*text)[*len] = '\0';
	return FDNS_OK;
fail:
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	free(*text);
	*text = NULL;
	return FDNS_EIO;
}

/* path as written in a $INCLUDE of from: relative to from's folder unless absolute. */
static char *include_path(const char *from, const char *path, size_t len)
{
	if ((len > 0 && path[0] == '/') || !strchr(from, '/'))
		return strndup(path, len);
	char *dir = strdup(from), *out = NULL;
	if (dir && asprintf(&out, "%s/%.*s", dirname(dir), (int)len, path) < 0)
		out = NULL;
	free(dir);
	return out;
}

/* $INCLUDE FILE [ORIGIN] (RFC 1035 5.1): the records of FILE, names relative to ORIGIN
 * (default: the current origin); the including file's origin and TTL do not change. */
static int include(loader_t *ld, const text_state_t *ts, const cursor_t *c, const field_t *f,
                   size_t n)
{
	char buf[80];
	if (n < 2)
		return field_error(ld->err, ld->errlen, ts->source, c, f, 0, "missing file after");
	if (n > 3)
		return field_error(ld->err, ld->errlen, ts->source, c, f, 3,
		                   "unexpected text after $INCLUDE FILE ORIGIN:");
	if (ld->depth >= INCLUDE_DEPTH) {
		snprintf(buf, sizeof(buf), "$INCLUDE nested deeper than %d files:", INCLUDE_DEPTH);
		return field_error(ld->err, ld->errlen, ts->source, c, f, 1, buf);
	}
	text_state_t sub = {.source = NULL, .ttl = ts->ttl};
	if (n == 3) {
		char name[1024];
		if (f[2].len >= sizeof(name))
			return field_error(ld->err, ld->errlen, ts->source, c, f, 2,
			                   "bad $INCLUDE origin");
		field_str(&f[2], name, sizeof(name));
		if (strcmp(name, "@") == 0)
			sub.origin = ldns_rdf_clone(ts->origin);
		else if ((sub.origin = ldns_dname_new_frm_str(name)) &&
		         !ldns_dname_str_absolute(name) &&
		         ldns_dname_cat(sub.origin, ts->origin) != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(sub.origin);
			sub.origin = NULL;
		}
		if (!sub.origin)
			return field_error(ld->err, ld->errlen, ts->source, c, f, 2,
			                   "bad $INCLUDE origin");
	} else if (!(sub.origin = ldns_rdf_clone(ts->origin))) {
		return nomem(ld, ts->source);
	}
	const field_t *file = &f[1];
	bool quoted = file->len >= 2 && file->s[0] == '"' && file->s[file->len - 1] == '"';
	char *path = include_path(ts->source, file->s + quoted, file->len - 2 * quoted);
	char **sources = realloc(ld->sources, (ld->nsources + 1) * sizeof(*sources));
	if (!path || !sources) {
		free(path);
		ldns_rdf_deep_free(sub.origin);
		return nomem(ld, ts->source);
	}
	ld->sources = sources;
	ld->sources[ld->nsources++] = path;
	sub.source = path;
	char *text = NULL, why[512];
	struct stat st;
	int ret = read_file(path, true, &text, &sub.len, &st, why, sizeof(why));
	if (ret == FDNS_OK) {
		for (int i = 0; i <= ld->depth; i++)
			if (ld->open[i].st_dev == st.st_dev && ld->open[i].st_ino == st.st_ino) {
				snprintf(why, sizeof(why),
				         "%s: $INCLUDE cycle: the file is already being read",
				         path);
				ret = FDNS_EPARSE;
			}
	}
	if (ret != FDNS_OK) { /* an error of this file, at its $INCLUDE: not FDNS_EIO */
		snprintf(ld->err, ld->errlen, "%s:%d:%d: %s", ts->source, file->line, file->col,
		         why);
		ldns_rdf_deep_free(sub.origin);
		free(text);
		return ret == FDNS_EIO ? FDNS_EPARSE : ret;
	}
	sub.text = text ? text : "";
	ld->open[++ld->depth] = st;
	ret = read_text(ld, &sub);
	ld->depth--;
	free(text);
	ldns_rdf_deep_free(sub.origin);
	if (ret != FDNS_OK) {
		size_t used = strlen(ld->err);
		snprintf(ld->err + used, ld->errlen - used, " (included from %s:%d)", ts->source,
		         f[0].line);
	}
	return ret;
}

/* Reads the records of one text into ld, in order, with their places. */
static int read_text(loader_t *ld, text_state_t *ts)
{
	const char *source = ts->source;
	/* A zero-length memory stream cannot be opened; a line break reads as nothing. */
	FILE *fp = fmemopen((void *)(ts->len ? ts->text : "\n"), ts->len ? ts->len : 1, "r");
	if (!fp) {
		snprintf(ld->err, ld->errlen, "%s: %s", source, strerror(errno));
		return FDNS_EIO;
	}
	/* ldns reads a character at a time; the stream is ours alone, so skip the locking. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	ldns_rdf *prev = NULL;
	int ldns_line = 1, ret = FDNS_OK;
	cursor_t cur = {.text = ts->len ? ts->text : "\n", .line = 1};
	size_t text_len = ts->len ? ts->len : 1;
	while (!feof(fp)) {
		ldns_rr *rr = NULL;
		ldns_status st =
		    ldns_rr_new_frm_fp_l(&rr, fp, &ts->ttl, &ts->origin, &prev, &ldns_line);
		long end = ftell(fp);
		field_t f[FIELDS_MAX];
		size_t stop = end > 0 ? (size_t)end : cur.pos;
		size_t n = split_fields(&cur, stop, stop >= text_len, f, FIELDS_MAX);
		if (cur.bad) {
			snprintf(ld->err, ld->errlen, "%s:%d:%d: %s", source, cur.bad_line,
			         cur.bad_col, cur.bad);
			ldns_rr_free(rr);
			ret = FDNS_EPARSE;
			break;
		}
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
			if ((ret = include(ld, ts, &cur, f, n)) != FDNS_OK)
				break;
			continue;
		}
		if (st == LDNS_STATUS_OK || st == LDNS_STATUS_SYNTAX_TTL)
			ret = check_accepted(ld->err, ld->errlen, source, &cur, f, n, st, rr);
		else
			ret = explain(ld->err, ld->errlen, source, &cur, f, n, st, ts->origin);
		if (ret != FDNS_OK || st == LDNS_STATUS_SYNTAX_TTL) {
			ldns_rr_free(rr);
			if (ret != FDNS_OK)
				break;
			continue;
		}
		size_t count = ldns_rr_list_rr_count(ld->rrs);
		if (count == ld->where_cap) {
			ld->where_cap = ld->where_cap ? ld->where_cap * 2 : 256;
			zone_where_t *w = realloc(ld->where, ld->where_cap * sizeof(*w));
			if (!w) {
				ldns_rr_free(rr);
				ret = nomem(ld, source);
				break;
			}
			ld->where = w;
		}
		ld->where[count] = (zone_where_t){source, n ? f[0].line : cur.line};
		if (!ldns_rr_list_push_rr(ld->rrs, rr)) {
			ldns_rr_free(rr);
			ret = nomem(ld, source);
			break;
		}
	}
	ldns_rdf_deep_free(prev);
	fclose(fp);
	return ret;
}

/* Load text[0..len) (readable until this returns) as the zone origin; top is the file's
 * identity when it is one (for $INCLUDE cycles), or NULL. */
static int load_text(zone_data_t **out, const char *origin, const char *text, size_t len,
                     const char *source, const struct stat *top, char *err, size_t errlen)
{
	*out = NULL;
	ldns_rdf *apex = NULL;
	if (ldns_str2rdf_dname(&apex, origin) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s: invalid zone name '%s'", source, origin);
		return FDNS_EINVAL;
	}
	ldns_dname2canonical(apex);
	loader_t ld = {.rrs = ldns_rr_list_new(), .err = err, .errlen = errlen};
	text_state_t ts = {.text = text,
	                   .len = len,
	                   .source = source,
	                   .ttl = 3600,
	                   .origin = ldns_rdf_clone(apex)};
	zone_data_t *z = calloc(1, sizeof(*z));
	int ret = ld.rrs && ts.origin && z ? FDNS_OK : nomem(&ld, source);
	if (top) {
		ld.open[0] = *top;
	} else { /* text, not a file: an identity no file has */
		ld.open[0].st_dev = (dev_t)-1;
		ld.open[0].st_ino = 0;
	}
	if (ret == FDNS_OK)
		ret = read_text(&ld, &ts);
	ldns_rdf_deep_free(ts.origin);
	if (ret == FDNS_OK)
		ret = zone_check(apex, ld.rrs, ld.where, source, &z->serial, err, errlen);
	if (ret == FDNS_OK && zone_check_glue(apex, ld.rrs, ld.where, z) != FDNS_OK)
		ret = nomem(&ld, source);
	if (ret == FDNS_OK && !(z->source = strdup(source)))
		ret = nomem(&ld, source);
	free(ld.where);
	for (size_t i = 0; i < ld.nsources; i++)
		free(ld.sources[i]);
	free(ld.sources);
	if (ret != FDNS_OK) {
		ldns_rr_list_deep_free(ld.rrs);
		ldns_rdf_deep_free(apex);
		zone_data_free(z);
		return ret;
	}
	z->apex = apex;
	z->rrs = ld.rrs;
	*out = z;
	return FDNS_OK;
}

int zone_load_file(zone_data_t **out, const char *origin, const char *path, char *err,
                   size_t errlen)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int ret = read_file(path, false, &text, &len, &st, err, errlen);
	if (ret == FDNS_OK)
		ret = load_text(out, origin, text ? text : "", len, path, &st, err, errlen);
	free(text);
	return ret;
}

int zone_load_text(zone_data_t **out, const char *origin, const char *text, const char *source,
                   char *err, size_t errlen)
{
	return load_text(out, origin, text, strlen(text), source, NULL, err, errlen);
}

int zone_make_generated(zone_data_t **out, const char *origin, const conf_zone_gen_t *gen,
                        uint32_t serial, char *err, size_t errlen)
{
	static const conf_zone_gen_t defaults = {.refresh = CONF_DEFAULT_SOA_REFRESH,
	                                         .retry = CONF_DEFAULT_SOA_RETRY,
	                                         .expire = CONF_DEFAULT_SOA_EXPIRE,
	                                         .minimum = CONF_DEFAULT_SOA_MINIMUM};
	static const conf_zone_ns_t ns_default = {.name = NULL};
	if (!gen)
		gen = &defaults;
	*out = NULL;
	char source[1100];
	snprintf(source, sizeof(source), "(generated %s zone)", origin);
	/* Names made from the origin: lower case, absolute; "" for the root. */
	ldns_rdf *apex = ldns_dname_new_frm_str(origin);
	if (apex)
		ldns_dname2canonical(apex);
	char *apex_text = apex ? ldns_rdf2str(apex) : NULL;
	ldns_rdf_deep_free(apex);
	if (!apex_text) {
		snprintf(err, errlen, "%s: invalid zone name '%s'", source, origin);
		return FDNS_EINVAL;
	}
	if (strcmp(apex_text, ".") == 0)
		apex_text[0] = '\0';
	char ns_name[1100], rname[1100];
	snprintf(ns_name, sizeof(ns_name), "ns.%s", apex_text);
	snprintf(rname, sizeof(rname), "hostmaster.%s", apex_text);
	free(apex_text);
	const conf_zone_ns_t *ns = gen->nns ? gen->ns : &ns_default;
	size_t nns = gen->nns ? gen->nns : 1;
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);
	if (!fp) {
		snprintf(err, errlen, "%s: out of memory", source);
		return FDNS_ENOMEM;
	}
	/* The SOA's own TTL is the negative TTL too, so that a negative answer is cached for
	 * minimum (RFC 2308 5 takes the smaller of the two). The NS and glue keep 60 s. */
	fprintf(fp, "@ %u IN SOA %s %s %u %u %u %u %u\n", gen->minimum,
	        gen->mname   ? gen->mname
	        : ns[0].name ? ns[0].name
	                     : ns_name,
	        gen->rname ? gen->rname : rname, serial, gen->refresh, gen->retry, gen->expire,
	        gen->minimum);
	for (size_t i = 0; i < nns; i++)
		fprintf(fp, "@ 60 IN NS %s\n", ns[i].name ? ns[i].name : ns_name);
	for (size_t i = 0; i < nns; i++)
		for (size_t k = 0; k < ns[i].naddresses; k++)
			fprintf(fp, "%s 60 IN %s %s\n", ns[i].name ? ns[i].name : ns_name,
			        strchr(ns[i].addresses[k], ':') ? "AAAA" : "A", ns[i].addresses[k]);
	if (fclose(fp) != 0 || !text) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", source);
		return FDNS_ENOMEM;
	}
	int ret = load_text(out, origin, text, size, source, NULL, err, errlen);
	free(text);
	return ret;
}

int zone_make_empty(zone_data_t **out, const char *origin, uint32_t serial, char *err,
                    size_t errlen)
{
	return zone_make_generated(out, origin, NULL, serial, err, errlen);
}

void zone_data_free(zone_data_t *zone)
{
	if (!zone)
		return;
	for (size_t i = 0; i < zone->nwarnings && i < ZONE_WARNINGS_MAX; i++)
		free(zone->warnings[i]);
	ldns_rr_list_deep_free(zone->rrs);
	ldns_rdf_deep_free(zone->apex);
	for (size_t i = 0; i < zone->nrotations; i++)
		ldns_rdf_deep_free(zone->rotations[i].owner);
	free(zone->rotations);
	free(zone->source);
	free(zone);
}

zone_data_t *zone_data_clone(const zone_data_t *zone, uint32_t serial)
{
	zone_data_t *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->apex = ldns_rdf_clone(zone->apex);
	z->rrs = ldns_rr_list_clone(zone->rrs);
	z->source = strdup(zone->source);
	if (!z->apex || !z->rrs || !z->source) {
		zone_data_free(z);
		return NULL;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
			continue;
		ldns_rdf *s = ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial);
		if (!s) {
			zone_data_free(z);
			return NULL;
		}
		ldns_rdf_deep_free(ldns_rr_set_rdf(rr, s, 2));
	}
	z->serial = serial;
	return z;
}
