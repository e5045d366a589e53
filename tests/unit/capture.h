/* SPDX-License-Identifier: MIT */
/* capture.h -- standard error captured while a unit test counts what fleetdns logged.
 * Header-only: log_capture(), then capture_release() for the text or log_count() for the
 * number of lines holding a needle. The captured text is echoed, so it stays visible in the
 * test's output. */
#ifndef FDNS_TESTS_CAPTURE_H
#define FDNS_TESTS_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *capture_file;
static int capture_saved = -1;
static char capture_text[1 << 16];

/** From now on, standard error goes to a temporary file. */
static inline void log_capture(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	capture_saved = dup(2);
	if (!capture_file || capture_saved < 0 || dup2(fileno(capture_file), 2) < 0) {
		perror("log_capture");
		exit(2);
	}
}

/** Standard error back; what was captured (the first 64 KiB), echoed to it. */
static inline const char *capture_release(void)
{
	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	rewind(capture_file);
	size_t n = fread(capture_text, 1, sizeof(capture_text) - 1, capture_file);
	capture_text[n] = '\0';
	fclose(capture_file);
	fputs(capture_text, stderr);
	return capture_text;
}

/** Standard error back; how many captured lines contain needle. */
static inline int log_count(const char *needle)
{
	int n = 0;
	for (const char *line = capture_release(); *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *hit = strstr(line, needle);
		n += hit && hit < line + len;
		line += len + (end ? 1 : 0);
	}
	return n;
}

#endif
