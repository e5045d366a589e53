/* SPDX-License-Identifier: MIT */
/* tap.h -- a header-only TAP writer for C unit tests: ok(), is_int(), is_str(), diag().
 *
 * Every check prints "ok N - description" or "not ok N - description" (with the values
 * on "#" lines when they differ); done_testing() prints the plan "1..N" and returns the
 * exit status for main(). One test program is one process, so the counters are globals.
 */
#ifndef FDNS_TESTS_TAP_H
#define FDNS_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline bool tap_vok(bool cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

/** One check: cond true passes. Returns cond, so callers can add diagnostics. */
static inline bool __attribute__((format(printf, 2, 3))) ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

/** A comment line; TAP consumers ignore it, people read it. */
static inline void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static inline bool __attribute__((format(printf, 3, 4)))
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return r;
}

/** Exact string comparison; NULL equals only NULL. */
static inline bool __attribute__((format(printf, 3, 4)))
is_str(const char *got, const char *want, const char *fmt, ...)
{
	bool same = (!got && !want) || (got && want && strcmp(got, want) == 0);
	va_list ap;
	va_start(ap, fmt);
	bool r = tap_vok(same, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)",
		       want ? want : "(null)");
	return r;
}

/** Print the plan; returns main()'s exit status (0 when every check passed). */
static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
