/* SPDX-License-Identifier: MIT */
/* test_log_format.c -- the bytes of log lines (src/util/log_format.c): text and JSON lines
 * exactly, escapes done once (a label with a newline and a quote), invalid UTF-8 turned into
 * U+FFFD so JSON stays valid for any input, syslog priorities, "<N>" prefixes for a journald
 * stream, cuts at escape boundaries, and JOURNAL_STREAM matching. */
#include "config.h"

#include "tap.h"
#include "util/log_format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define T0 1796078219 /* 2026-11-30T22:36:59Z */

static char out[8192];

static const char *stream(enum log_level level, const char *msg, bool json, bool prefix)
{
	log_entry_t e = {level, {T0, 123456789}, msg};
	size_t n = log_format_stream(out, sizeof(out) - 1, &e, json, prefix);
	out[n] = '\0';
	return out;
}

static const char *json_escaped(const char *msg, size_t cap)
{
	size_t n = log_escape_json(out, cap, msg);
	out[n] = '\0';
	return out;
}

static const char *text_escaped(const char *msg, size_t cap)
{
	size_t n = log_escape_text(out, cap, msg);
	out[n] = '\0';
	return out;
}

static void test_levels(void)
{
	is_str(log_level_name(LOG_LVL_ERROR), "error", "level name: error");
	is_str(log_level_name(LOG_LVL_WARNING), "warning", "level name: warning");
	is_str(log_level_name(LOG_LVL_INFO), "info", "level name: info");
	is_str(log_level_name(LOG_LVL_DEBUG), "debug", "level name: debug");
	is_int(log_level_priority(LOG_LVL_ERROR), LOG_ERR, "error is LOG_ERR");
	is_int(log_level_priority(LOG_LVL_WARNING), LOG_WARNING, "warning is LOG_WARNING");
	is_int(log_level_priority(LOG_LVL_INFO), LOG_INFO, "info is LOG_INFO");
	is_int(log_level_priority(LOG_LVL_DEBUG), LOG_DEBUG, "debug is LOG_DEBUG");
	is_int(LOG_DAEMON | log_level_priority(LOG_LVL_INFO), 30, "daemon.info is <30>");
}

static void test_text(void)
{
	is_str(stream(LOG_LVL_INFO, "reloaded: 2 zones", false, false),
	       "2026-11-30T22:36:59Z info: reloaded: 2 zones\n", "text: time, level, message");
	is_str(stream(LOG_LVL_WARNING, "label web\"1\nx\\y\t\x7f\x1b[31m", false, false),
	       "2026-11-30T22:36:59Z warning: label web\"1\\x0ax\\y\\x09\\x7f\\x1b[31m\n",
	       "text: control characters as \\xNN, quote and backslash as they are");
	is_str(stream(LOG_LVL_INFO, "caf\xc3\xa9 \xff", false, false),
	       "2026-11-30T22:36:59Z info: caf\xc3\xa9 \xff\n", "text: bytes >= 0x80 copied");
	is_str(stream(LOG_LVL_WARNING, "a\nb", false, true), "<4>warning: a\\x0ab\n",
	       "journald stream: <4> prefix, no time of our own");
	is_str(stream(LOG_LVL_ERROR, "x", false, true), "<3>error: x\n", "journald stream: <3>");
	is_str(stream(LOG_LVL_DEBUG, "x", false, true), "<7>debug: x\n", "journald stream: <7>");

	log_entry_t e = {LOG_LVL_INFO, {T0, 0}, "label web\"1\nx"};
	char plain[256];
	size_t n = log_format_plain(plain, sizeof(plain), &e);
	is_str(plain, "info: label web\"1\\x0ax", "plain (syslog, journal): level and message");
	is_int((long long)n, (long long)strlen(plain), "plain: returns its length");
	is_int((long long)log_format_plain(plain, LOG_FORMAT_OVERHEAD - 1, &e), 0,
	       "plain: 0 below LOG_FORMAT_OVERHEAD");
}

static void test_json(void)
{
	is_str(stream(LOG_LVL_INFO, "reloaded: 2 zones", true, false),
	       "{\"time\":\"2026-11-30T22:36:59.123Z\",\"level\":\"info\","
	       "\"message\":\"reloaded: 2 zones\"}\n",
	       "json: time with milliseconds, level, message");
	is_str(stream(LOG_LVL_WARNING, "label web\"1\nx", true, false),
	       "{\"time\":\"2026-11-30T22:36:59.123Z\",\"level\":\"warning\","
	       "\"message\":\"label web\\\"1\\u000ax\"}\n",
	       "json: a label with a quote and a newline, escaped once");
	is_str(json_escaped("\\x0a \\ \"", 64), "\\\\x0a \\\\ \\\"",
	       "json: a literal \\x0a stays text (backslash doubled, not an escape)");
	is_str(json_escaped("\x01\t\r\x1f\x7f ~", 64), "\\u0001\\u0009\\u000d\\u001f\\u007f ~",
	       "json: control characters and DEL as \\u00XX");
	is_str(stream(LOG_LVL_ERROR, "x", true, true),
	       "<3>{\"time\":\"2026-11-30T22:36:59.123Z\",\"level\":\"error\",\"message\":\"x\"}\n",
	       "json on a journald stream: <3> prefix, the object unchanged");
	log_entry_t e = {LOG_LVL_DEBUG, {T0, 999999999}, ""};
	size_t n = log_format_stream(out, sizeof(out), &e, true, false);
	out[n] = '\0';
	is_str(out,
	       "{\"time\":\"2026-11-30T22:36:59.999Z\",\"level\":\"debug\",\"message\":\"\"}\n",
	       "json: milliseconds truncated, not rounded into the next second");
}

static void test_utf8(void)
{
	is_str(json_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 64),
	       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	       "json: well-formed UTF-8 (2, 3, 4 bytes, U+10FFFF) copied");
	is_str(json_escaped("a\xff"
	                    "b\x80",
	                    64),
	       "a\\ufffdb\\ufffd", "json: 0xff and a lone continuation byte each become \\ufffd");
	is_str(json_escaped("\xc0\xaf", 64), "\\ufffd\\ufffd", "json: overlong '/' (c0 af)");
	is_str(json_escaped("\xe0\x80\xaf", 64), "\\ufffd\\ufffd\\ufffd",
	       "json: overlong 3-byte form");
	is_str(json_escaped("\xed\xa0\x80", 64), "\\ufffd\\ufffd\\ufffd",
	       "json: a UTF-16 surrogate (ed a0 80)");
	is_str(json_escaped("\xf4\x90\x80\x80", 64), "\\ufffd\\ufffd\\ufffd\\ufffd",
	       "json: above U+10FFFF");
	is_str(json_escaped("\xf5\x80\x80\x80", 64), "\\ufffd\\ufffd\\ufffd\\ufffd",
	       "json: f5 never starts a character");
	is_str(json_escaped("x\xe2\x82", 64), "x\\ufffd\\ufffd",
	       "json: a character cut at the end of the message");
	is_str(json_escaped("\xe2\x82"
	                    "a\xc3\xa9",
	                    64),
	       "\\ufffd\\ufffda\xc3\xa9", "json: decoding resumes after the bad bytes");
}

static void test_cuts(void)
{
	is_str(json_escaped("ab\ncd", 7), "ab", "json: cut before an escape that does not fit");
	is_str(json_escaped("a\xe2\x82\xac", 3), "a", "json: cut before a character");
	is_str(json_escaped("\"", 1), "", "json: no half escape");
	is_str(text_escaped("ab\ncd", 5), "ab", "text: cut before an escape that does not fit");
	is_str(text_escaped("ab\ncd", 6), "ab\\x0a", "text: whole escape when it fits");

	char big[3000];
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_entry_t e = {LOG_LVL_INFO, {T0, 0}, big};
	size_t cap = LOG_FORMAT_OVERHEAD + 20;
	size_t n = log_format_stream(out, cap, &e, true, true);
	ok(n > 0 && n <= cap && memcmp(out + n - 3, "\"}\n", 3) == 0,
	   "json: a long message is cut and the object still closed (%zu of %zu bytes)", n, cap);
	out[n] = '\0';
	const char *m = strstr(out, "\"message\":\"") + 11;
	ok((size_t)(out + n - 3 - m) % 6 == 0, "json: only whole \\u000a escapes before the cut");
	n = log_format_stream(out, cap, &e, false, false);
	ok(n > 0 && n <= cap && out[n - 1] == '\n' && (n - 1 - 27) % 4 == 0,
	   "text: a long message is cut at an escape and ends with a newline");
	is_int((long long)log_format_stream(out, LOG_FORMAT_OVERHEAD - 1, &e, true, false), 0,
	       "stream: 0 below LOG_FORMAT_OVERHEAD");
}

/* A JSON checker for the shape log_format_stream makes: one object, three string members;
 * strings hold only well-formed UTF-8, no raw control character, only valid escapes. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len = c < 0x80                 ? 1
		             : c >= 0xc2 && c <= 0xdf ? 2
		             : c >= 0xe0 && c <= 0xef ? 3
		             : c >= 0xf0 && c <= 0xf4 ? 4
		                                      : 0;
		if (!len || i + len > n)
			return false;
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static bool json_string_ok(const char **pp)
{
	const char *p = *pp;
	if (*p++ != '"')
		return false;
	const char *start = p;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return false;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int k = 1; k <= 4; k++)
					if (!p[k] || !strchr("0123456789abcdef", p[k]))
						return false;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return false;
			}
		}
	}
	*pp = p + 1;
	return utf8_ok((const unsigned char *)start, (size_t)(p - start));
}

static bool json_line_ok(const char *p)
{
	static const char *keys[] = {"\"time\"", "\"level\"", "\"message\""};
	if (*p++ != '{')
		return false;
	for (int i = 0; i < 3; i++) {
		if (strncmp(p, keys[i], strlen(keys[i])) != 0)
			return false;
		p += strlen(keys[i]);
		if (*p++ != ':' || !json_string_ok(&p) || *p++ != (i < 2 ? ',' : '}'))
			return false;
	}
	return strcmp(p, "\n") == 0;
}

static void test_any_bytes(void)
{
	char msg[64];
	unsigned seed = 12345, bad = 0, cases = 20000;
	for (unsigned i = 0; i < cases; i++) {
		size_t len = (size_t)(rand_r(&seed) % 40);
		for (size_t k = 0; k < len; k++) { /* biased towards UTF-8 lead bytes */
			int r = rand_r(&seed);
			msg[k] = (char)(r % 3 == 0 ? 0x80 + (r >> 8) % 0x80 : 1 + (r >> 8) % 255);
		}
		msg[len] = '\0';
		if (!json_line_ok(stream(LOG_LVL_INFO, msg, true, false)))
			bad++;
	}
	is_int(bad, 0, "json: %u random byte strings all give a valid JSON line", cases);
	ok(json_line_ok(stream(LOG_LVL_INFO, "a", true, false)), "the checker accepts a good line");
	ok(!json_line_ok("{\"time\":\"x\",\"level\":\"y\",\"message\":\"\xff\"}\n"),
	   "the checker refuses invalid UTF-8");
	ok(!json_line_ok("{\"time\":\"x\",\"level\":\"y\",\"message\":\"\n\"}\n"),
	   "the checker refuses a raw newline");
}

static void test_journal_stream(void)
{
	ok(log_journal_stream_is("8:1234", 8, 1234), "JOURNAL_STREAM 8:1234 is 8:1234");
	ok(!log_journal_stream_is("8:1235", 8, 1234), "another inode is not");
	ok(!log_journal_stream_is("9:1234", 8, 1234), "another device is not");
	ok(log_journal_stream_is("18446744073709551615:18446744073709551615", (dev_t)-1, (ino_t)-1),
	   "64-bit device and inode");
	ok(!log_journal_stream_is(NULL, 8, 1234), "unset is not");
	ok(!log_journal_stream_is("", 0, 0), "empty is not");
	ok(!log_journal_stream_is("8:", 8, 0), "no inode is not");
	ok(!log_journal_stream_is(":1234", 0, 1234), "no device is not");
	ok(!log_journal_stream_is("8:1234x", 8, 1234), "trailing junk is not");
	ok(!log_journal_stream_is("-8:1234", (dev_t)-8, 1234), "a sign is not");
	ok(!log_journal_stream_is("8:+1234", 8, 1234), "a sign on the inode is not");
}

int main(void)
{
	test_levels();
	test_text();
	test_json();
	test_utf8();
	test_cuts();
	test_any_bytes();
	test_journal_stream();
	return done_testing();
}
