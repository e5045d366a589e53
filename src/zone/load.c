/* SPDX-License-Identifier: MIT */
/* load.c -- reads master files record by record with ldns, so every error has a line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "fleetdns/zone.h"
#include "zone/check.h"

/* The column of the field an ldns status complains about, 1-based, in line. ldns reports
 * only the line; the field is the best place we can point at. */
static int error_column(const char *line, ldns_status st)
{
	/* Fields: owner (unless the line starts with blank), [ttl] [class] type rdata... */
	const char *tok[8];
	int n = 0;
	const char *p = line;
	bool owner = !(*p == ' ' || *p == '\t');
	while (*p && n < 8) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == ';' || *p == '\n')
			break;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	if (n == 0)
		return 1;
	int i = owner ? 1 : 0; /* first field after the owner */
	if (st == LDNS_STATUS_SYNTAX_DNAME_ERR || st == LDNS_STATUS_DOMAINNAME_OVERFLOW ||
	    st == LDNS_STATUS_LABEL_OVERFLOW)
		return (int)(tok[0] - line) + 1;
	/* Skip a TTL and a class to find the type. */
	while (i < n && (tok[i][0] >= '0' && tok[i][0] <= '9'))
		i++;
	if (i < n && (!strncasecmp(tok[i], "IN", 2) || !strncasecmp(tok[i], "CH", 2)) &&
	    (tok[i][2] == ' ' || tok[i][2] == '\t' || tok[i][2] == '\0' || tok[i][2] == '\n'))
		i++;
	if (st == LDNS_STATUS_SYNTAX_TTL_ERR)
		return (int)(tok[owner ? (n > 1 ? 1 : 0) : 0] - line) + 1;
	if (st == LDNS_STATUS_SYNTAX_TYPE_ERR || st == LDNS_STATUS_SYNTAX_CLASS_ERR || i + 1 >= n)
		return (int)(tok[i < n ? i : n - 1] - line) + 1;
	return (int)(tok[i + 1] - line) + 1; /* the rdata */
}

/* Text of line number lineno (1-based) of fp, into buf. */
static void read_line(FILE *fp, int lineno, char *buf, size_t len)
{
	buf[0] = '\0';
	rewind(fp);
	for (int i = 1; i <= lineno; i++)
		if (!fgets(buf, (int)len, fp)) {
			buf[0] = '\0';
			return;
		}
}

static int load_stream(zone_data_t **out, const char *origin, FILE *fp, const char *source,
		       char *err, size_t errlen)
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
	int line_nr = 1, ret = FDNS_OK;
	while (!feof(fp)) {
		int start_line = line_nr;
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &cur_origin, &prev, &line_nr);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			/* ldns counts the newline it stopped at; point at the record's line. */
			int bad = line_nr > start_line ? line_nr - 1 : line_nr;
			if (st == LDNS_STATUS_SYNTAX_INCLUDE)
				st = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL;
			char text[1024];
			read_line(fp, bad, text, sizeof(text));
			snprintf(err, errlen, "%s:%d:%d: %s", source, bad,
				 error_column(text, st), ldns_get_errorstr_by_id(st));
			ret = FDNS_EPARSE;
			break;
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
		lines[ldns_rr_list_rr_count(rrs)] = line_nr > start_line ? line_nr - 1 : line_nr;
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

int zone_load_file(zone_data_t **out, const char *origin, const char *path, char *err,
		   size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		*out = NULL;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return FDNS_EIO;
	}
	int ret = load_stream(out, origin, fp, path, err, errlen);
	fclose(fp);
	return ret;
}

int zone_load_text(zone_data_t **out, const char *origin, const char *text, const char *source,
		   char *err, size_t errlen)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	if (!fp) {
		*out = NULL;
		snprintf(err, errlen, "%s: %s", source, strerror(errno));
		return FDNS_EIO;
	}
	int ret = load_stream(out, origin, fp, source, err, errlen);
	fclose(fp);
	return ret;
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
	free(zone->source);
	free(zone);
}
