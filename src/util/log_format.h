/* SPDX-License-Identifier: MIT */
/* log_format.h -- the bytes of one log line for each target and format (util/log.c).
 *
 * Pure functions: no I/O, no clock, no allocation, so that every escape can be tested byte
 * for byte. The message they take is the caller's printf result, raw: control characters,
 * quotes and invalid UTF-8 from outside values (a container label, a Docker Engine's
 * answer) are all possible, and each format makes them harmless in its own way, once:
 *
 * - text: control characters (0x00-0x1f, 0x7f) become \xNN, so no value can start a line
 *   of its own; other bytes are copied;
 * - json: the message is a JSON string (RFC 8259): '"' and '\' are escaped, control
 *   characters (and 0x7f) become \u00XX, and bytes that are not well-formed UTF-8
 *   (RFC 3629) each become \ufffd, so the line is always valid JSON.
 *
 * Output buffers are caller-owned. A message too long for the buffer is cut at an escape
 * or character boundary; the line is still complete (newline, closing quote and brace).
 */
#ifndef FDNS_UTIL_LOG_FORMAT_H
#define FDNS_UTIL_LOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "util/log.h"

/** Room a formatter always needs besides the message (time, level, quotes, braces). */
#define LOG_FORMAT_OVERHEAD 96

/** One message to write. */
typedef struct log_entry {
	enum log_level level;
	struct timespec time; /* CLOCK_REALTIME, when the message was made */
	const char *message;  /* NUL-terminated, raw; borrowed */
} log_entry_t;

/** "error", "warning", "info" or "debug". */
const char *log_level_name(enum log_level level);

/** The syslog(3) priority of a level: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG (3, 4, 6, 7;
 * the N of sd-daemon.h's "<N>" prefixes too). */
int log_level_priority(enum log_level level);

/** text as printable bytes (control characters as \xNN) into out, without a NUL; only
 * whole escapes are written. Returns the bytes written (at most cap). */
size_t log_escape_text(char *out, size_t cap, const char *text);

/** text as the inside of a JSON string (no quotes around it) into out, without a NUL; only
 * whole escapes and whole UTF-8 characters are written. Returns the bytes written (at most
 * cap). */
size_t log_escape_json(char *out, size_t cap, const char *text);

/** The line for a stream (standard error), newline included, no NUL:
 *   json false: "2026-11-30T22:36:59Z info: MESSAGE\n"
 *   json true:  {"time":"2026-11-30T22:36:59.123Z","level":"info","message":"MESSAGE"}\n
 * With priority_prefix (standard error is a journald stream, which adds its own time and
 * takes the priority from the prefix) the line starts with "<N>" and text has no time:
 *   "<6>info: MESSAGE\n", or "<6>{...}\n" (the JSON object keeps its three keys).
 * Returns the length, or 0 if cap < LOG_FORMAT_OVERHEAD. */
size_t log_format_stream(char *out, size_t cap, const log_entry_t *e, bool json,
                         bool priority_prefix);

/** "info: MESSAGE" (text escapes) into out, NUL-terminated: the message for syslog(3) and
 * the journal's MESSAGE=, which record time and priority themselves. Returns the length
 * without the NUL, or 0 if cap < LOG_FORMAT_OVERHEAD. */
size_t log_format_plain(char *out, size_t cap, const log_entry_t *e);

/** Whether the JOURNAL_STREAM value env ("DEVICE:INODE", decimal, as systemd sets it for a
 * service whose output goes to the journal) names the file dev/ino (fstat of stderr). false
 * for NULL or anything malformed. */
bool log_journal_stream_is(const char *env, dev_t dev, ino_t ino);

#endif
