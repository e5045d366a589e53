/* SPDX-License-Identifier: MIT */
/* board.h -- what the control loop knows, handed to the HTTP listener's thread: the loop posts
 * a JSON text of its state whenever that changes (a publication, an engine going up or down)
 * and the listener serves the latest. A mutex guards it: neither side is on the query path,
 * and a post or a read is one copy. */
#ifndef FDNS_HTTP_BOARD_H
#define FDNS_HTTP_BOARD_H

#include <stdbool.h>

typedef struct board board_t;

board_t *board_new(void);
void board_free(board_t *b);

/** Replace what the board shows: status (a JSON text, copied) and whether fleetdns is ready
 * (zones loaded, every engine listed once or failed once). */
void board_post(board_t *b, const char *status, bool ready);

/** Replace the control loop's part of /metrics (Prometheus text, copied). */
void board_metrics_post(board_t *b, const char *text);
/** A copy of it (the caller frees it; NULL before the first post). Counts as a read for
 * board_wanted(). */
char *board_metrics_read(board_t *b);

/** Readiness alone (cheap: no rendering). */
void board_ready_set(board_t *b, bool ready);

/** Whether the status was read since it was last posted (or was never posted): only then
 * is it worth rendering again. */
bool board_wanted(board_t *b);

/** A copy of the latest status text (the caller frees it; NULL before the first post or when
 * out of memory), and readiness. */
char *board_read(board_t *b, bool *ready);

/* Fresh renderings: a reader of /metrics, /status or the page asks the control loop to
 * render what changed since the last posting, so that a scrape shows the state at the scrape
 * (not at the one before). Readers share renderings; they never wait for commands. */

/** Ask for a fresh rendering and wait for it at most timeout_ms (the loop is woken by
 * wake(wake_arg), safe from any thread); afterwards the board holds what the loop posted. */
void board_refresh(board_t *b, void (*wake)(void *), void *wake_arg, unsigned timeout_ms);
/** On the control loop: the renderings asked for so far (a count); render, then
 * board_refresh_done() with it. */
unsigned long board_refresh_asked(board_t *b);
/** On the control loop: the renderings asked for up to upto are done (posted, or nothing
 * changed); their readers go on. */
void board_refresh_done(board_t *b, unsigned long upto);

/* Commands from the control socket to the control loop, one at a time: the listener's thread
 * posts one and waits for its result; the loop takes it, does it, and says how it went. */

/** Post op (and arg, may be "") and wait at most timeout_ms for the result: the loop is
 * woken by wake(wake_arg), which must be safe from any thread (uv_async_send). Returns the
 * loop's result (0 or a negative FDNS_E* code) with its text in reply, or FDNS_EIO when the
 * loop did not answer in time. */
int board_command(board_t *b, const char *op, const char *arg, void (*wake)(void *), void *wake_arg,
                  unsigned timeout_ms, char *reply, size_t replylen);
/** On the control loop: the command waiting, copied into op and arg; false when none. */
bool board_command_take(board_t *b, char *op, size_t oplen, char *arg, size_t arglen);
/** On the control loop: the result of the command taken. */
void board_command_done(board_t *b, int result, const char *reply);

#endif
