/* SPDX-License-Identifier: MIT */
/* log.c -- lines formatted by the caller, written to stderr by one logging thread.
 *
 * The hand-off is a pipe with a non-blocking write end: a record (call site, level, line) is
 * at most PIPE_BUF bytes, so each write(2) is atomic and lines of different threads never
 * mix, and a full pipe fails the write at once instead of blocking the caller. The logging
 * thread is the only one that may block on stderr, and it alone keeps the per-site counts
 * that limit repeats, so callers share no state but the pipe (and a counter of lost lines).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_timedjoin_np, F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

#define LINE_MAX_BYTES 1024
#define SITES          256 /* call sites tracked for repeats; more are not limited */
#define PIPE_BYTES     (1 << 20)

typedef struct record_head {
	const void *site; /* the format string: one per call site */
	uint16_t len;     /* of the line that follows, newline included */
	uint8_t level;
} record_head_t;

typedef struct record {
	record_head_t head;
	char line[LINE_MAX_BYTES];
} record_t;

#define LINE_OFFSET offsetof(record_t, line)
_Static_assert(sizeof(record_t) <= PIPE_BUF, "one record, one write");

static int max_level = LOG_LVL_INFO; /* atomic: set on reload, read by every thread */
static int pipe_w = -1;              /* atomic: the write end while the thread runs */
static int pipe_r = -1;
static unsigned long lines_lost; /* atomic: writes that found the pipe full */
static pthread_t thread;

void log_level_set(enum log_level level)
{
	__atomic_store_n(&max_level, (int)level, __ATOMIC_RELAXED);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* "2026-11-30T17:00:00Z warning: " into out; returns its length. */
static size_t line_prefix(char *out, size_t cap, enum log_level level)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	int m = snprintf(out + n, cap - n, "%s: ", names[level]);
	return n + (m > 0 ? (size_t)m : 0);
}

/* text into out as printable bytes: control characters become \xNN (a newline in a value
 * that came from outside must not start a line of its own). Returns the length written. */
static size_t escape_into(char *out, size_t cap, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && n + 4 < cap; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			out[n++] = (char)*p;
			continue;
		}
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	return n;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if ((int)level > __atomic_load_n(&max_level, __ATOMIC_RELAXED))
		return;
	char text[LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		text[0] = '\0';
	va_end(ap);

	record_t rec;
	memset(&rec.head, 0, sizeof(rec.head)); /* its padding goes through the pipe too */
	size_t n = line_prefix(rec.line, sizeof(rec.line), level);
	n += escape_into(rec.line + n, sizeof(rec.line) - n - 1, text);
	rec.line[n++] = '\n';
	int fd = __atomic_load_n(&pipe_w, __ATOMIC_ACQUIRE);
	if (fd < 0) { /* no logging thread: start-up or shutdown, one thread */
		write_all(STDERR_FILENO, rec.line, n);
		return;
	}
	rec.head.site = fmt; /* field by field: a struct assignment may leave padding unset */
	rec.head.len = (uint16_t)n;
	rec.head.level = (uint8_t)level;
	size_t size = LINE_OFFSET + n;
	if (write(fd, &rec, size) != (ssize_t)size)
		__atomic_fetch_add(&lines_lost, 1, __ATOMIC_RELAXED);
}

/* The logging thread's own state: repeats per call site. */
typedef struct site {
	const void *key;
	time_t window_start;
	unsigned shown, held;
	uint8_t level;
	char first_held[LINE_MAX_BYTES]; /* the first line held back, shown in the summary */
} site_t;

static site_t sites[SITES];

static site_t *site_find(const void *key)
{
	size_t h = ((uintptr_t)key >> 3) * 0x9E3779B97F4A7C15ull % SITES;
	for (size_t i = 0; i < SITES; i++) {
		site_t *s = &sites[(h + i) % SITES];
		if (s->key == key || !s->key) {
			s->key = key;
			return s;
		}
	}
	return NULL;
}

/* "N more like this in the last S s: LINE" for s's held lines, and a new window. */
static void site_summarise(site_t *s, time_t now)
{
	if (s->held) {
		char line[2 * LINE_MAX_BYTES];
		size_t n = line_prefix(line, sizeof(line), (enum log_level)s->level);
		const char *first = s->first_held;
		const char *msg = strstr(first, ": "); /* past the held line's own time and level */
		msg = msg ? msg + 2 : first;
		int m =
		    snprintf(line + n, sizeof(line) - n, "%u more like this in the last %ld s: %s",
		             s->held, (long)(now - s->window_start), msg);
		if (m > 0)
			n += (size_t)m < sizeof(line) - n ? (size_t)m : sizeof(line) - n - 1;
		if (line[n - 1] != '\n')
			line[n++] = '\n';
		write_all(STDERR_FILENO, line, n);
	}
	s->window_start = now;
	s->shown = s->held = 0;
}

static void record_show(const record_head_t *h, const char *line, time_t now)
{
	site_t *s = h->level == LOG_LVL_DEBUG ? NULL : site_find(h->site);
	if (!s) {
		write_all(STDERR_FILENO, line, h->len);
		return;
	}
	if (now - s->window_start >= LOG_WINDOW_S)
		site_summarise(s, now);
	if (s->shown < LOG_BURST) {
		s->shown++;
		write_all(STDERR_FILENO, line, h->len);
		return;
	}
	if (s->held++ == 0) {
		memcpy(s->first_held, line, h->len);
		s->first_held[h->len - 1] = '\0';
		s->level = h->level;
	}
}

/* Summaries of windows that have ended, and lines the pipe could not take. */
static void windows_close(time_t now, bool all)
{
	for (size_t i = 0; i < SITES; i++)
		if (sites[i].key && sites[i].held &&
		    (all || now - sites[i].window_start >= LOG_WINDOW_S))
			site_summarise(&sites[i], now);
	unsigned long lost = __atomic_exchange_n(&lines_lost, 0, __ATOMIC_RELAXED);
	if (lost) {
		char line[128];
		size_t n = line_prefix(line, sizeof(line), LOG_LVL_WARNING);
		n +=
		    (size_t)snprintf(line + n, sizeof(line) - n,
		                     "%lu log lines lost: stderr was not read fast enough\n", lost);
		write_all(STDERR_FILENO, line, n);
	}
}

static void *log_thread(void *arg)
{
	static char buf[PIPE_BYTES / 4];
	size_t have = 0;
	for (;;) {
		struct pollfd p = {.fd = pipe_r, .events = POLLIN};
		int ready = poll(&p, 1, 1000);
		time_t now = time(NULL);
		ssize_t n = 0;
		if (ready > 0) {
			n = read(pipe_r, buf + have, sizeof(buf) - have);
			if (n == 0)
				break; /* log_stop closed the write end */
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				break;
		}
		have += n > 0 ? (size_t)n : 0;
		size_t pos = 0;
		while (have - pos >= sizeof(record_head_t)) {
			record_head_t h;
			memcpy(&h, buf + pos, sizeof(h));
			size_t size = LINE_OFFSET + h.len;
			if (have - pos < size)
				break;
			record_show(&h, buf + pos + LINE_OFFSET, now);
			pos += size;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		windows_close(now, false);
	}
	windows_close(time(NULL), true);
	return NULL;
}

int log_start(void)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES); /* best effort: the default is 64 KiB */
	pipe_r = fds[0];
	int err = pthread_create(&thread, NULL, log_thread, NULL);
	if (err) {
		close(fds[0]);
		close(fds[1]);
		pipe_r = -1;
		return -err;
	}
	__atomic_store_n(&pipe_w, fds[1], __ATOMIC_RELEASE);
	return 0;
}

void log_stop(void)
{
	int fd = __atomic_exchange_n(&pipe_w, -1, __ATOMIC_ACQ_REL);
	if (fd < 0)
		return;
	close(fd); /* the thread drains the pipe, sees end of file and exits */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	if (pthread_timedjoin_np(thread, NULL, &until) != 0) {
		pthread_detach(thread); /* stuck on a stalled stderr: the process exits anyway */
		return;
	}
	close(pipe_r);
	pipe_r = -1;
}
