/* SPDX-License-Identifier: MIT */
/* log.h -- logging with a level and a timestamp, safe from any thread, never blocking.
 *
 * Before log_start() (and after log_stop()) a message is written to stderr at once: that is
 * start-up, single threaded. In between, log_msg() only formats the line and hands it to a
 * logging thread through a non-blocking pipe; that thread writes stderr. A worker therefore
 * never waits for stderr: when its reader stalls and the pipe is full, lines are dropped and
 * counted ("N log lines lost"), never queries or shutdown.
 *
 * The logging thread also limits repeats: more than LOG_BURST lines from one call site (one
 * format string) within LOG_WINDOW_S seconds are held back and summarised once the window
 * ends ("1,234 more like this in the last 10 s: <the first one held back>"). Debug lines are
 * not limited (they are asked for). Control characters in a line (a newline in a container
 * label, say) are written as \xNN, so no outside value can forge a log line.
 */
#ifndef FDNS_UTIL_LOG_H
#define FDNS_UTIL_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_BURST    20 /* lines per call site per window, before summarising */
#define LOG_WINDOW_S 10

/** Messages above this level are dropped (default: info). Any thread, any time. */
void log_level_set(enum log_level level);

/** Start the logging thread. Returns 0 or a negative errno; on failure messages keep going
 * to stderr directly. */
int log_start(void);

/** Write what is queued (summaries included) and stop the logging thread, waiting at most
 * about a second for a stalled stderr; messages after this go to stderr directly. */
void log_stop(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
