/* SPDX-License-Identifier: MIT */
/* log.c -- messages made by the caller, written out by one logging thread.
 *
 * The hand-off is a pipe with a non-blocking write end: a record (call site, time, level,
 * message) is at most PIPE_BUF bytes, so each write(2) is atomic and messages of different
 * threads never mix, and a full pipe fails the write at once instead of blocking the caller.
 * The logging thread is the only one that may block on its output (stderr, syslog's
 * /dev/log, the journal's socket), and it alone keeps the per-site counts that limit
 * repeats, so callers share no state but the pipe (and a counter of lost lines). The record
 * carries the raw message; the thread gives it the shape of the output (log_format.c), so
 * each format escapes it exactly once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_timedjoin_np, F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION /* the caller's location is sent, not this file's */
#include <systemd/sd-journal.h>

#include "util/log.h"
#include "util/log_format.h"

#define LINE_MAX_BYTES 1024 /* a message, NUL included; longer ones are cut */
#define SUMMARY_BYTES  (LINE_MAX_BYTES + 80)
#define OUT_BYTES      (6 * SUMMARY_BYTES + LOG_FORMAT_OVERHEAD) /* JSON: 6 bytes per byte */
#define SITES          256 /* call sites tracked for repeats; more are not limited */
#define PIPE_BYTES     (1 << 20)
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

typedef struct record_head {
	const void *site; /* the format string: one per call site */
	const char *file; /* of the call site: static strings */
	const char *func;
	struct timespec time;
	uint32_t line;
	uint16_t len; /* of the message that follows, NUL included */
	uint8_t level;
} record_head_t;

typedef struct record {
	record_head_t head;
	char msg[LINE_MAX_BYTES];
} record_t;

#define MSG_OFFSET offsetof(record_t, msg)
_Static_assert(sizeof(record_t) <= PIPE_BUF, "one record, one write");

/* Where lines go: set at start-up (log_open, log_start) before the thread exists, then
 * read by the one thread that writes (the logging thread, or the caller without it). */
static struct {
	enum conf_log_target target;
	bool json;
	bool journal_stream; /* stderr is a journald stream: "<N>" prefixes */
	bool ready;          /* journal_stream checked */
	bool journal_failed; /* said once that the journal refused a line */
} sink;

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

static void sink_prepare(void)
{
	if (sink.ready)
		return;
	struct stat st;
	sink.journal_stream = fstat(STDERR_FILENO, &st) == 0 &&
	                      log_journal_stream_is(getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
	sink.ready = true;
}

static void stream_write(const log_entry_t *e)
{
	char out[OUT_BYTES];
	size_t n = log_format_stream(out, sizeof(out), e, sink.json, sink.journal_stream);
	write_all(STDERR_FILENO, out, n);
}

/* One entry in the journal's native protocol; returns 0 or a negative errno. */
static int journal_write(const log_entry_t *e, const char *file, unsigned line, const char *func)
{
	char msg[OUT_BYTES], prio[16], code_file[256], code_line[32], code_func[128];
	static const char ident[] = "SYSLOG_IDENTIFIER=fleetdns";
	struct iovec iov[6];
	int k = 0;
	memcpy(msg, "MESSAGE=", 8);
	iov[k++] = (struct iovec){msg, 8 + log_format_plain(msg + 8, sizeof(msg) - 8, e)};
	iov[k++] = (struct iovec){prio, (size_t)snprintf(prio, sizeof(prio), "PRIORITY=%d",
	                                                 log_level_priority(e->level))};
	iov[k++] = (struct iovec){(void *)ident, sizeof(ident) - 1};
	if (file) {
		int m = snprintf(code_file, sizeof(code_file), "CODE_FILE=%s", file);
		iov[k++] = (struct iovec){code_file, strnlen(code_file, (size_t)m)};
		m = snprintf(code_line, sizeof(code_line), "CODE_LINE=%u", line);
		iov[k++] = (struct iovec){code_line, (size_t)m};
		m = snprintf(code_func, sizeof(code_func), "CODE_FUNC=%s", func ? func : "");
		iov[k++] = (struct iovec){code_func, strnlen(code_func, (size_t)m)};
	}
	return sd_journal_sendv(iov, k);
}

/* e out through the sink; file, line and func name the call site, or are NULL. */
static void emit(const log_entry_t *e, const char *file, unsigned line, const char *func)
{
	if (sink.target == CONF_LOG_SYSLOG) {
		char msg[OUT_BYTES];
		log_format_plain(msg, sizeof(msg), e);
		syslog(log_level_priority(e->level), "%s", msg);
		return;
	}
	if (sink.target == CONF_LOG_JOURNAL) {
		int err = journal_write(e, file, line, func);
		if (err == 0)
			return;
		if (!sink.journal_failed) {
			sink.journal_failed = true;
			char text[128];
			snprintf(text, sizeof(text),
			         "the journal refused a line (%s); such lines go to standard error",
			         strerror(-err));
			stream_write(&(log_entry_t){LOG_LVL_WARNING, e->time, text});
		}
	}
	stream_write(e);
}

void log_msg_at(enum log_level level, const char *file, unsigned line, const char *func,
                const char *fmt, ...)
{
	if ((int)level > __atomic_load_n(&max_level, __ATOMIC_RELAXED))
		return;
	record_t rec;
	memset(&rec.head, 0, sizeof(rec.head)); /* its padding goes through the pipe too */
	clock_gettime(CLOCK_REALTIME, &rec.head.time);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(rec.msg, sizeof(rec.msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		rec.msg[0] = '\0';
	size_t len = strlen(rec.msg) + 1;
	int fd = __atomic_load_n(&pipe_w, __ATOMIC_ACQUIRE);
	if (fd < 0) { /* no logging thread: start-up or shutdown, one thread */
		sink_prepare();
		emit(&(log_entry_t){level, rec.head.time, rec.msg}, file, line, func);
		return;
	}
	rec.head.site = fmt; /* field by field: a struct assignment may leave padding unset */
	rec.head.file = file;
	rec.head.func = func;
	rec.head.line = line;
	rec.head.len = (uint16_t)len;
	rec.head.level = (uint8_t)level;
	size_t size = MSG_OFFSET + len;
	if (write(fd, &rec, size) != (ssize_t)size)
		__atomic_fetch_add(&lines_lost, 1, __ATOMIC_RELAXED);
}

int log_open(enum conf_log_target target, enum conf_log_format format)
{
	if (__atomic_load_n(&pipe_w, __ATOMIC_ACQUIRE) >= 0)
		return -EBUSY;
	sink_prepare();
	sink.json = format == CONF_LOG_JSON;
	sink.target = CONF_LOG_STDERR;
	if (target != CONF_LOG_SYSLOG && target != CONF_LOG_JOURNAL)
		return 0;
	const char *path = target == CONF_LOG_SYSLOG ? _PATH_LOG : JOURNAL_SOCKET;
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		log_warning("log: target %s: no socket at %s; logging to standard error",
		            target == CONF_LOG_SYSLOG ? "syslog" : "journal", path);
		return -ENOENT;
	}
	if (target == CONF_LOG_SYSLOG)
		openlog("fleetdns", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink.target = target;
	return 0;
}

/* The logging thread's own state: repeats per call site. */
typedef struct site {
	const void *key;
	const char *file, *func; /* of the first message held back */
	unsigned line;
	time_t window_start;
	unsigned shown, held;
	uint8_t level;
	char first_held[LINE_MAX_BYTES]; /* the first message held back, shown in the summary */
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

static void emit_now(enum log_level level, const char *text, const site_t *s)
{
	log_entry_t e = {.level = level, .message = text};
	clock_gettime(CLOCK_REALTIME, &e.time);
	emit(&e, s ? s->file : NULL, s ? s->line : 0, s ? s->func : NULL);
}

/* "N more like this in the last S s: MESSAGE" for s's held lines, and a new window. */
static void site_summarise(site_t *s, time_t now)
{
	if (s->held) {
		char text[SUMMARY_BYTES];
		snprintf(text, sizeof(text), "%u more like this in the last %ld s: %s", s->held,
		         (long)(now - s->window_start), s->first_held);
		emit_now((enum log_level)s->level, text, s);
	}
	s->window_start = now;
	s->shown = s->held = 0;
}

static void record_show(const record_head_t *h, const char *msg, time_t now)
{
	log_entry_t e = {(enum log_level)h->level, h->time, msg};
	site_t *s = h->level == LOG_LVL_DEBUG ? NULL : site_find(h->site);
	if (!s) {
		emit(&e, h->file, h->line, h->func);
		return;
	}
	if (now - s->window_start >= LOG_WINDOW_S)
		site_summarise(s, now);
	if (s->shown < LOG_BURST) {
		s->shown++;
		emit(&e, h->file, h->line, h->func);
		return;
	}
	if (s->held++ == 0) {
		memcpy(s->first_held, msg, h->len);
		s->first_held[h->len - 1] = '\0';
		s->level = h->level;
		s->file = h->file;
		s->func = h->func;
		s->line = h->line;
	}
}

/* Summaries of windows that have ended, and lines the pipe could not take. */
static void windows_close(time_t now, bool all)
{
	static const char *outputs[] = {"stderr", "syslog", "the journal"};
	for (size_t i = 0; i < SITES; i++)
		if (sites[i].key && sites[i].held &&
		    (all || now - sites[i].window_start >= LOG_WINDOW_S))
			site_summarise(&sites[i], now);
	unsigned long lost = __atomic_exchange_n(&lines_lost, 0, __ATOMIC_RELAXED);
	if (lost) {
		char text[128];
		snprintf(text, sizeof(text), "%lu log lines lost: %s was not read fast enough",
		         lost, outputs[sink.target % 3]);
		emit_now(LOG_LVL_WARNING, text, NULL);
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
			size_t size = MSG_OFFSET + h.len;
			if (have - pos < size)
				break;
			record_show(&h, buf + pos + MSG_OFFSET, now);
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
	sink_prepare();
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
