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

/** Readiness alone (cheap: no rendering). */
void board_ready_set(board_t *b, bool ready);

/** Whether the status was read since it was last posted (or was never posted): only then
 * is it worth rendering again. */
bool board_wanted(board_t *b);

/** A copy of the latest status text (the caller frees it; NULL before the first post or when
 * out of memory), and readiness. */
char *board_read(board_t *b, bool *ready);

#endif
