/* SPDX-License-Identifier: MIT */
/* test_conf_scale.c -- the configuration and zone loading stay linear in the size of the
 * configuration, and the checks of a zone linear in its names: no name is looked up by a loop
 * over all the others.
 *
 * Timing would be noisy on a shared machine, so this counts operations instead: the test is
 * linked with -Wl,--wrap for every way fleetdns compares names (strcmp, strncmp, strcasecmp,
 * memcmp, ldns_dname_compare, ldns_rdf_compare) or makes one to compare (ldns_str2rdf_dname,
 * ldns_dname_new_frm_str), and counts the calls made by conf_build() or daemon_load() for a
 * configuration of N and of 4N zones (with as many keys, ACL and NOTIFY entries naming them,
 * and engines). The counts are deterministic. Work linear in N gives a ratio of 4 (plus
 * nothing: fixed costs only lower it); a loop over the zones before each zone gives 16 for
 * large N. The bound is 6: a quadratic term fails it as soon as it is a fifth of the linear
 * one at N = 250, that is, at 1/16 of the pairs compared (and a hash table with a broken hash
 * fails it too).
 */
#include "config.h"

#include "daemon/load.h"
#include "zone/check.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "tap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldns/ldns.h>

#define N         250
#define RATIO_MAX 6.0
#define S16       "ZmxlZXRkbnMtdGVzdC0xNg=="

static unsigned long long ops;

int __real_strcmp(const char *a, const char *b);
int __real_strncmp(const char *a, const char *b, size_t n);
int __real_strcasecmp(const char *a, const char *b);
int __real_memcmp(const void *a, const void *b, size_t n);
int __real_ldns_dname_compare(const ldns_rdf *a, const ldns_rdf *b);
int __real_ldns_rdf_compare(const ldns_rdf *a, const ldns_rdf *b);
ldns_status __real_ldns_str2rdf_dname(ldns_rdf **rd, const char *str);
ldns_rdf *__real_ldns_dname_new_frm_str(const char *str);

int __wrap_strcmp(const char *a, const char *b)
{
	ops++;
	return __real_strcmp(a, b);
}

int __wrap_strncmp(const char *a, const char *b, size_t n)
{
	ops++;
	return __real_strncmp(a, b, n);
}

int __wrap_strcasecmp(const char *a, const char *b)
{
	ops++;
	return __real_strcasecmp(a, b);
}

int __wrap_memcmp(const void *a, const void *b, size_t n)
{
	ops++;
	return __real_memcmp(a, b, n);
}

int __wrap_ldns_dname_compare(const ldns_rdf *a, const ldns_rdf *b)
{
	ops++;
	return __real_ldns_dname_compare(a, b);
}

int __wrap_ldns_rdf_compare(const ldns_rdf *a, const ldns_rdf *b)
{
	ops++;
	return __real_ldns_rdf_compare(a, b);
}

ldns_status __wrap_ldns_str2rdf_dname(ldns_rdf **rd, const char *str)
{
	ops++;
	return __real_ldns_str2rdf_dname(rd, str);
}

ldns_rdf *__wrap_ldns_dname_new_frm_str(const char *str)
{
	ops++;
	return __real_ldns_dname_new_frm_str(str);
}

static char dir[256];

/* What a configuration of n zones holds, besides the zones. */
enum { WITH_KEYS = 1, WITH_ENGINES = 2, WITH_REVERSE = 4, WITH_LISTEN = 8, WITH_WIDE = 16 };

/* With WITH_WIDE, a last zone has n more keys: every key of a mapping is checked against the
 * others (duplicates) before the first unknown one is reported. */
#define WIDE_ERROR "unknown key 'k0' in zone"

static void write_conf(const char *path, size_t n, int with)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	if (with & WITH_LISTEN) {
		fputs("server:\n  listen:\n", fp);
		for (size_t i = 0; i < n; i++)
			fprintf(fp, "    - 127.0.%zu.%zu:53\n", i / 250, i % 250 + 1);
	}
	if (with & WITH_KEYS) {
		fputs("keys:\n", fp);
		for (size_t i = 0; i < n; i++)
			fprintf(fp,
			        "  - {name: key%zu.example, algorithm: hmac-sha256, secret: " S16
			        "}\n",
			        i);
	}
	fputs("zones:\n", fp);
	for (size_t i = 0; i < n; i++) {
		if (with & WITH_REVERSE)
			fprintf(fp, "  - name: %zu.%zu.10.in-addr.arpa\n", i % 256, i / 256);
		else
			fprintf(fp, "  - name: zone%zu.example.test\n", i);
		if (with & WITH_KEYS)
			fprintf(
			    fp,
			    "    allow-transfer: [{address: 192.0.2.0/24, key: KEY%zu.example.}]\n"
			    "    notify: [{address: 192.0.2.1, key: key%zu.example}]\n",
			    i, i);
	}
	if (with & WITH_WIDE) {
		fputs("  - name: wide.test\n", fp);
		for (size_t i = 0; i < n; i++)
			fprintf(fp, "    k%zu: 1\n", i);
	}
	if (with & WITH_ENGINES) {
		fputs("engines:\n", fp);
		for (size_t i = 0; i < n; i++)
			fprintf(fp, "  - {name: node%zu, url: 'unix:///run/node%zu.sock'}\n", i, i);
	}
	if (with & WITH_REVERSE) {
		fputs("fleet:\n  zone: 0.0.10.in-addr.arpa\n  reverse-zones:\n", fp);
		for (size_t i = 0; i < n; i++)
			fprintf(fp, "    - %zu.%zu.10.in-addr.arpa\n", i % 256, i / 256);
	} else {
		fputs("fleet:\n  zone: zone0.example.test\n", fp);
	}
	if (fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

/* The operations conf_build (or daemon_load, with load) spends on a configuration of n
 * zones; 0 if it fails. */
static unsigned long long count(size_t n, int with, bool load)
{
	char path[PATH_MAX], err[1024];
	conf_cmdline_t cl = {.conf_path = path};
	unsigned long long used;
	int rc;

	snprintf(path, sizeof(path), "%s/scale.conf", dir);
	write_conf(path, n, with);
	ops = 0;
	if (load) {
		loaded_t l;
		rc = daemon_load(&l, &cl, err, sizeof(err));
		used = ops;
		if (rc == 0)
			daemon_loaded_free(&l);
	} else {
		conf_t c;
		rc = conf_build(&c, &cl, err, sizeof(err));
		used = ops;
		if (rc == 0 && c.nzones != n) {
			snprintf(err, sizeof(err), "%zu zones in the conf", c.nzones);
			rc = FDNS_EINVAL;
		}
		conf_free(&c);
	}
	unlink(path);
	if (rc != 0 && (with & WITH_WIDE) && strstr(err, WIDE_ERROR) != NULL)
		rc = 0; /* the error expected, after every key was read */
	if (rc != 0) {
		diag("%zu zones: %s", n, err);
		return 0;
	}
	return used;
}

/* The operations zone_check spends on a zone of 10n names, half of them CNAMEs. */
static unsigned long long count_zone(size_t n)
{
	ldns_rdf *apex = NULL;
	ldns_rr_list *rrs = ldns_rr_list_new();
	char text[128], err[512];
	unsigned long long used;
	uint32_t serial;
	int rc;

	if (rrs == NULL || ldns_str2rdf_dname(&apex, "big.test.") != LDNS_STATUS_OK)
		exit(2);
	for (size_t i = 0; i < 10 * n + 2; i++) {
		ldns_rr *rr = NULL;
		if (i == 0)
			snprintf(text, sizeof(text),
			         "big.test. 60 IN SOA ns.big.test. h.big.test. 1 60 10 60 5");
		else if (i == 1)
			snprintf(text, sizeof(text), "big.test. 60 IN NS ns.big.test.");
		else if (i % 2)
			snprintf(text, sizeof(text), "c%zu.big.test. 60 IN CNAME h%zu.big.test.", i,
			         i);
		else
			snprintf(text, sizeof(text), "h%zu.big.test. 60 IN A 192.0.2.1", i);
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK ||
		    !ldns_rr_list_push_rr(rrs, rr))
			exit(2);
	}
	ops = 0;
	rc = zone_check(apex, rrs, NULL, "big.test", &serial, err, sizeof(err));
	used = ops;
	ldns_rr_list_deep_free(rrs);
	ldns_rdf_deep_free(apex);
	if (rc != 0) {
		diag("zone_check: %s", err);
		return 0;
	}
	return used;
}

static void report(const char *what, unsigned long long one, unsigned long long four, int scale,
                   const char *unit)
{
	double ratio = one ? (double)four / (double)one : 0;
	bool good = one > 0 && four > 0 && ratio < RATIO_MAX;

	tap_n++;
	if (!good)
		tap_failed++;
	printf("%sok %d - %s: %llu operations for %d %s, %llu for %d (x%.2f, below x%.0f)\n",
	       good ? "" : "not ", tap_n, what, one, scale * N, unit, four, scale * 4 * N, ratio,
	       RATIO_MAX);
	fflush(stdout);
}

/* One check: the operations for 4N zones against those for N. */
static void check_linear(const char *what, int with, bool load)
{
	report(what, count(N, with, load), count(4 * N, with, load), 1, "zones");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/test_conf_scale.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	check_linear("conf_build: zones", 0, false);
	check_linear("conf_build: zones, keys and the ACL and NOTIFY entries naming them",
	             WITH_KEYS, false);
	check_linear("conf_build: zones and engines", WITH_ENGINES, false);
	check_linear("conf_build: zones, and a mapping with as many keys", WITH_WIDE, false);
	check_linear("conf_build: zones and fleet reverse-zones", WITH_REVERSE, false);
	check_linear("conf_build: zones and listen addresses", WITH_LISTEN, false);
	check_linear("daemon_load: zones", 0, true);
	check_linear("daemon_load: zones with keys", WITH_KEYS, true);
	check_linear("daemon_load: a fleet with reverse zones", WITH_REVERSE | WITH_ENGINES, true);
	report("zone_check: names, half of them CNAMEs", count_zone(N), count_zone(4 * N), 10,
	       "names");
	rmdir(dir);
	return done_testing();
}
