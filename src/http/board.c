/* SPDX-License-Identifier: MIT */
/* board.c -- the latest status text, under a mutex (see board.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/board.h"

struct board {
	pthread_mutex_t lock;
	char *status;
	bool ready;
	bool wanted; /* read since the last post */
};

board_t *board_new(void)
{
	board_t *b = calloc(1, sizeof(*b));
	if (b)
		pthread_mutex_init(&b->lock, NULL);
	return b;
}

void board_free(board_t *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b->status);
	free(b);
}

void board_post(board_t *b, const char *status, bool ready)
{
	char *copy = status ? strdup(status) : NULL;
	pthread_mutex_lock(&b->lock);
	char *old = b->status;
	if (copy || !status)
		b->status = copy;
	b->ready = ready;
	b->wanted = false;
	pthread_mutex_unlock(&b->lock);
	if (copy || !status)
		free(old);
}

void board_ready_set(board_t *b, bool ready)
{
	pthread_mutex_lock(&b->lock);
	b->ready = ready;
	pthread_mutex_unlock(&b->lock);
}

bool board_wanted(board_t *b)
{
	pthread_mutex_lock(&b->lock);
	bool w = b->wanted || !b->status;
	pthread_mutex_unlock(&b->lock);
	return w;
}

char *board_read(board_t *b, bool *ready)
{
	pthread_mutex_lock(&b->lock);
	char *copy = b->status ? strdup(b->status) : NULL;
	*ready = b->ready;
	b->wanted = true;
	pthread_mutex_unlock(&b->lock);
	return copy;
}
