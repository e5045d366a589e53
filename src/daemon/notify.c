/* SPDX-License-Identifier: MIT */
/* notify.c -- sd_notify(3) messages to the service manager (notify.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "daemon/notify.h"
#include "util/log.h"

/* Long enough for a reload error naming a file, line and column. */
#define STATUS_MAX 512

/* Send "state\nSTATUS=text" (state may be empty). sd_notify returns 0 when there is no
 * NOTIFY_SOCKET: not run by a service manager, nothing to say. */
static void notify_send(const char *state, const char *fmt, va_list ap)
{
	char status[STATUS_MAX], msg[STATUS_MAX + 128];
	vsnprintf(status, sizeof(status), fmt, ap);
	for (char *c = status; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", state, state[0] ? "\n" : "", status);
	int r = sd_notify(0, msg);
	if (r < 0)
		log_warning("cannot notify the service manager (%s): %s",
		            state[0] ? state : "STATUS", strerror(-r));
}

void notify_status(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	notify_send("", fmt, ap);
	va_end(ap);
}

void notify_ready(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	notify_send("READY=1", fmt, ap);
	va_end(ap);
}

void notify_reloading(const char *fmt, ...)
{
	char state[64];
	struct timespec now;
	va_list ap;
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	         (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000);
	va_start(ap, fmt);
	notify_send(state, fmt, ap);
	va_end(ap);
}

void notify_stopping(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	notify_send("STOPPING=1", fmt, ap);
	va_end(ap);
}
