/* SPDX-License-Identifier: MIT */
/* load.c -- reads master files record by record with ldns, so every error has a place.
 *
 * ldns parses each record but says neither where it starts nor which field it disliked,
 * and it accepts TTLs such as "3x00" (as 3) or 99999999999 (wrapped). So the whole text
 * is kept in memory; after each ldns call the bytes it consumed are split into fields
 * again here, with their line and column. That gives semantic checks the record's line,
 * lets bad TTLs be refused, and points syntax errors at the field at fault.
 */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "fleetdns/zone.h"
#include "zone/check.h"

#define FIELDS_MAX 16
#define TTL_MAX    2147483647u /* RFC 2181 8 */

/* One field of a record as written. */
typedef struct field {
	const char *s;
	size_t len;
	int line, col;
} field_t;

/* Where the text is, while reading it. */
typedef struct cursor {
	const char *text;
	size_t pos;        /* first byte not yet split */
	int line;          /* line of pos */
	size_t line_start; /* offset of that line */
} cursor_t;

/* Split the text up to offset end (what ldns read for one entry) into fields, as RFC 1035
 * 5.1 does: blanks, line breaks, parentheses and comments separate them; a quoted string
 * is one field. Keeps the first max fields; returns how many were kept. */
static size_t split_fields(cursor_t *c, size_t end, field_t *f, size_t max)
{
	size_t n = 0, p = c->pos;
	while (p < end) {
		char ch = c->text[p];
		if (ch == '\n') {
			c->line++;
			c->line_start = ++p;
		} else if (ch == ';') {
			while (p < end && c->text[p] != '\n')
				p++;
		} else if (strchr(" \t\r()", ch)) {
			p++;
		} else {
			size_t start = p;
			int line = c->line, col = (int)(p - c->line_start) + 1;
			bool quoted = false;
			for (; p < end; p++) {
				ch = c->text[p];
				if (ch == '\\' && p + 1 < end && c->text[p + 1] != '\n') {
					p++;
				} else if (ch == '"') {
					quoted = !quoted;
				} else if (ch == '\n' && quoted) {
					c->line++;
					c->line_start = p + 1;
				} else if (!quoted && strchr(" \t\r\n();", ch)) {
					break;
				}
			}
			if (n < max)
				f[n++] = (field_t){c->text + start, p - start, line, col};
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

static int load_stream(zone_data_t **out, const char *origin, FILE *fp, const char *text,
                       const char *source, char *err, size_t errlen)
{
	*out = NULL;
	ldns_rdf *apex = NULL;
	if (ldns_str2rdf_dname(&apex, origin) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s: invalid zone name '%s'", source, origin);
		return FDNS_EINVAL;
	}
	ldns_dname2canonical(apex);
	zone_data_t *z = calloc(1, sizeof(*z));
	ldns_rr_list *rrs = ldns_rr_list_new();
	int *lines = NULL; /* line of each record, for semantic errors */
	size_t lines_cap = 0;
	if (!z || !rrs) {
		snprintf(err, errlen, "%s: out of memory", source);
		goto fail_nomem;
	}
	uint32_t ttl = 3600;
	ldns_rdf *cur_origin = ldns_rdf_clone(apex);
	ldns_rdf *prev = NULL;
	int ldns_line = 1, ret = FDNS_OK;
	cursor_t cur = {.text = text, .line = 1};
	while (!feof(fp)) {
		ldns_rr *rr = NULL;
		ldns_status st =
		    ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &cur_origin, &prev, &ldns_line);
		long end = ftell(fp);
		field_t f[FIELDS_MAX];
		size_t n = split_fields(&cur, end > 0 ? (size_t)end : cur.pos, f, FIELDS_MAX);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st == LDNS_STATUS_OK || st == LDNS_STATUS_SYNTAX_TTL)
			ret = check_accepted(err, errlen, source, &cur, f, n, st, rr);
		else
			ret = explain(err, errlen, source, &cur, f, n, st, cur_origin);
		if (ret != FDNS_OK || st == LDNS_STATUS_SYNTAX_TTL) {
			ldns_rr_free(rr);
			if (ret != FDNS_OK)
				break;
			continue;
		}
		if (ldns_rr_list_rr_count(rrs) == lines_cap) {
			lines_cap = lines_cap ? lines_cap * 2 : 256;
			int *nl = realloc(lines, lines_cap * sizeof(*lines));
			if (!nl) {
				ldns_rr_free(rr);
				ret = FDNS_ENOMEM;
				snprintf(err, errlen, "%s: out of memory", source);
				break;
			}
			lines = nl;
		}
		lines[ldns_rr_list_rr_count(rrs)] = n ? f[0].line : cur.line;
		if (!ldns_rr_list_push_rr(rrs, rr)) {
			ldns_rr_free(rr);
			ret = FDNS_ENOMEM;
			snprintf(err, errlen, "%s: out of memory", source);
			break;
		}
	}
	ldns_rdf_deep_free(cur_origin);
	ldns_rdf_deep_free(prev);
	if (ret == FDNS_OK)
		ret = zone_check(apex, rrs, lines, source, &z->serial, err, errlen);
	free(lines);
	if (ret != FDNS_OK) {
		ldns_rr_list_deep_free(rrs);
		ldns_rdf_deep_free(apex);
		free(z);
		return ret;
	}
	z->apex = apex;
	z->rrs = rrs;
	z->source = strdup(source);
	if (!z->source) {
		zone_data_free(z);
		return FDNS_ENOMEM;
	}
	*out = z;
	return FDNS_OK;

fail_nomem:
	free(z);
	ldns_rr_list_free(rrs);
	ldns_rdf_deep_free(apex);
	return FDNS_ENOMEM;
}

/* Load from text[0..len), which must stay readable until this returns. */
static int load_text(zone_data_t **out, const char *origin, const char *text, size_t len,
                     const char *source, char *err, size_t errlen)
{
	*out = NULL;
	FILE *fp = fmemopen((void *)(len ? text : "\n"), len ? len : 1, "r");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", source, strerror(errno));
		return FDNS_EIO;
	}
	/* ldns reads a character at a time; the stream is ours alone, so skip the locking. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	int ret = load_stream(out, origin, fp, len ? text : "\n", source, err, errlen);
	fclose(fp);
	return ret;
}

int zone_load_file(zone_data_t **out, const char *origin, const char *path, char *err,
                   size_t errlen)
{
	*out = NULL;
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	while (fp && !ferror(fp) && !feof(fp)) {
		if (cap - len < 4096) {
			char *nt = realloc(text, cap = cap ? cap * 2 : 65536);
			if (!nt) {
				free(text);
				fclose(fp);
				snprintf(err, errlen, "%s: out of memory", path);
				return FDNS_ENOMEM;
			}
			text = nt;
		}
		len += fread(text + len, 1, cap - len, fp);
	}
	if (!fp || ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fp)
			fclose(fp);
		free(text);
		return FDNS_EIO;
	}
	fclose(fp);
	int ret = load_text(out, origin, text, len, path, err, errlen);
	free(text);
	return ret;
}

int zone_load_text(zone_data_t **out, const char *origin, const char *text, const char *source,
                   char *err, size_t errlen)
{
	return load_text(out, origin, text, strlen(text), source, err, errlen);
}

int zone_make_empty(zone_data_t **out, const char *origin, uint32_t serial, char *err,
                    size_t errlen)
{
	/* Short TTLs: this zone's content changes with the fleet. */
	char name[512], text[2048];
	snprintf(name, sizeof(name), "%s", origin);
	size_t nl = strlen(name);
	if (nl > 1 && name[nl - 1] == '.')
		name[nl - 1] = '\0';
	snprintf(text, sizeof(text),
	         "$TTL 5\n"
	         "@ IN SOA ns.%s. hostmaster.%s. %u 60 10 3600 5\n"
	         "@ 60 IN NS ns.%s.\n",
	         name, name, serial, name);
	return zone_load_text(out, origin, text, "(generated)", err, errlen);
}

void zone_data_free(zone_data_t *zone)
{
	if (!zone)
		return;
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
