/* SPDX-License-Identifier: MIT */
/* log_format.c -- text, JSON and syslog shapes of a log line; see log_format.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "util/log_format.h"

static const char hex[] = "0123456789abcdef";

const char *log_level_name(enum log_level level)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	return (unsigned)level < 4 ? names[level] : "debug";
}

int log_level_priority(enum log_level level)
{
	static const int prios[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	return (unsigned)level < 4 ? prios[level] : LOG_DEBUG;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

size_t log_escape_text(char *out, size_t cap, const char *text)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (!is_control(*p)) {
			if (n + 1 > cap)
				break;
			out[n++] = (char)*p;
			continue;
		}
		if (n + 4 > cap)
			break;
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	return n;
}

/* The length of the well-formed UTF-8 character (RFC 3629, section 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF) of two to four bytes at p, or 0. p is
 * NUL-terminated, and NUL is never a continuation byte, so this reads no further. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
	size_t len;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

size_t log_escape_json(char *out, size_t cap, const char *text)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		if (*p == '"' || *p == '\\') {
			if (n + 2 > cap)
				break;
			out[n++] = '\\';
			out[n++] = (char)*p++;
		} else if (is_control(*p)) {
			if (n + 6 > cap)
				break;
			memcpy(out + n, "\\u00", 4);
			out[n + 4] = hex[*p >> 4];
			out[n + 5] = hex[*p & 15];
			n += 6;
			p++;
		} else if (*p < 0x80) {
			if (n + 1 > cap)
				break;
			out[n++] = (char)*p++;
		} else {
			size_t len = utf8_len(p);
			if (len == 0) { /* one byte that starts no character: U+FFFD */
				if (n + 6 > cap)
					break;
				memcpy(out + n, "\\ufffd", 6);
				n += 6;
				p++;
				continue;
			}
			if (n + len > cap)
				break;
			memcpy(out + n, p, len);
			n += len;
			p += len;
		}
	}
	return n;
}

/* "2026-11-30T22:36:59Z", or with millis "2026-11-30T22:36:59.123Z"; out has 32 bytes. */
static size_t time_format(char *out, const struct timespec *ts, bool millis)
{
	struct tm tm;
	time_t sec = ts->tv_sec;
	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	int m = millis ? snprintf(out + n, 32 - n, ".%03ldZ", (long)(ts->tv_nsec / 1000000) % 1000)
	               : snprintf(out + n, 32 - n, "Z");
	return n + (m > 0 ? (size_t)m : 0);
}

size_t log_format_stream(char *out, size_t cap, const log_entry_t *e, bool json,
                         bool priority_prefix)
{
	if (cap < LOG_FORMAT_OVERHEAD)
		return 0;
	size_t n = 0;
	if (priority_prefix)
		n += (size_t)snprintf(out, cap, "<%d>", log_level_priority(e->level));
	char stamp[32];
	if (json) {
		time_format(stamp, &e->time, true);
		n += (size_t)snprintf(out + n, cap - n,
		                      "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"", stamp,
		                      log_level_name(e->level));
		n += log_escape_json(out + n, cap - n - 3, e->message);
		memcpy(out + n, "\"}\n", 3);
		return n + 3;
	}
	if (!priority_prefix) {
		n += time_format(out + n, &e->time, false);
		out[n++] = ' ';
	}
	n += (size_t)snprintf(out + n, cap - n, "%s: ", log_level_name(e->level));
	n += log_escape_text(out + n, cap - n - 1, e->message);
	out[n++] = '\n';
	return n;
}

size_t log_format_plain(char *out, size_t cap, const log_entry_t *e)
{
	if (cap < LOG_FORMAT_OVERHEAD)
		return 0;
	size_t n = (size_t)snprintf(out, cap, "%s: ", log_level_name(e->level));
	n += log_escape_text(out + n, cap - n - 1, e->message);
	out[n] = '\0';
	return n;
}

bool log_journal_stream_is(const char *env, dev_t dev, ino_t ino)
{
	if (!env || *env < '0' || *env > '9')
		return false;
	char *end;
	errno = 0;
	uintmax_t d = strtoumax(env, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	uintmax_t i = strtoumax(end + 1, &end, 10);
	if (errno || *end)
		return false;
	return d == (uintmax_t)dev && i == (uintmax_t)ino;
}
