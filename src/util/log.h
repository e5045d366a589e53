/* SPDX-License-Identifier: MIT */
/* log.h -- logging with a level and a timestamp, safe from any thread, never blocking.
 *
 * Before log_start() (and after log_stop()) a message is written at once by the caller: that
 * is start-up, single threaded. In between, log_msg() only formats the message and hands it
 * to a logging thread through a non-blocking pipe; that thread writes it out. A worker
 * therefore never waits for stderr, syslog or the journal: when the output stalls and the
 * pipe is full, lines are dropped and counted ("N log lines lost"), never queries or
 * shutdown.
 *
 * Where lines go and their shape is set once by log_open() (log: target and format); until
 * then, text on stderr. The shapes are in util/log_format.h.
 *
 * The logging thread also limits repeats: more than LOG_BURST lines from one call site (one
 * format string) within LOG_WINDOW_S seconds are held back and summarised once the window
 * ends ("1,234 more like this in the last 10 s: <the first one held back>"). Debug lines are
 * not limited (they are asked for). Control characters in a line (a newline in a container
 * label, say) are written as \xNN (in JSON, \u00NN), so no outside value can forge a line.
 */
#ifndef FDNS_UTIL_LOG_H
#define FDNS_UTIL_LOG_H

#include "fleetdns/conf.h" /* enum conf_log_target, conf_log_format */

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_BURST    20 /* lines per call site per window, before summarising */
#define LOG_WINDOW_S 10

/** Messages above this level are dropped (default: info). Any thread, any time. */
void log_level_set(enum log_level level);

/** Send lines to target in format from now on, at start-up, before log_start() (single
 * threaded). format applies to standard error (the target, or the fallback); syslog and the
 * journal get "LEVEL: message" and the level as their priority. syslog: openlog("fleetdns",
 * LOG_PID | LOG_NDELAY, LOG_DAEMON) here. When standard error is the journal (JOURNAL_STREAM
 * names it), its lines start with "<N>" (sd-daemon.h) instead of a time.
 * Returns 0; -ENOENT if the target's socket (/dev/log, /run/systemd/journal/socket) is
 * missing: then the lines go to stderr, and a warning saying so has been logged; -EBUSY
 * after log_start(). */
int log_open(enum conf_log_target target, enum conf_log_format format);

/** Start the logging thread. Returns 0 or a negative errno; on failure each caller keeps
 * writing its own lines, as before. */
int log_start(void);

/** Write what is queued (summaries included) and stop the logging thread, waiting at most
 * about a second for a stalled output; messages after this are written by their caller. */
void log_stop(void);

/** One message; fmt must be a string literal (it names the call site for the repeat limit).
 * file, line and func (static strings: __FILE__, __LINE__, __func__) go to the journal as
 * CODE_FILE, CODE_LINE and CODE_FUNC. */
void log_msg_at(enum log_level level, const char *file, unsigned line, const char *func,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_msg(level, ...) log_msg_at(level, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_error(...)      log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...)    log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)       log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)      log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
