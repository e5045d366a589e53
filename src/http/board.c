/* SPDX-License-Identifier: MIT */
/* board.c -- the latest status text, under a mutex (see board.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetdns/error.h"
#include "http/board.h"

struct board {
	pthread_mutex_t lock;
	char *status;
	char *metrics; /* the control loop's part of /metrics */
	bool ready;
	bool wanted; /* read since the last post */
	/* Fresh renderings asked for by readers (tickets) and done by the loop (up to). */
	unsigned long refresh_asked, refresh_done;
	pthread_cond_t refreshed;
	/* The command mailbox: cmd_lock makes callers take turns, lock guards the fields. */
	pthread_mutex_t cmd_lock;
	pthread_cond_t cmd_done;
	bool cmd_pending, cmd_taken, cmd_finished;
	char cmd_op[16], cmd_arg[128], cmd_reply[256];
	int cmd_result;
};

board_t *board_new(void)
{
	board_t *b = calloc(1, sizeof(*b));
	if (b) {
		pthread_mutex_init(&b->lock, NULL);
		pthread_mutex_init(&b->cmd_lock, NULL);
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&b->cmd_done, &ca);
		pthread_cond_init(&b->refreshed, &ca);
		pthread_condattr_destroy(&ca);
	}
	return b;
}

void board_free(board_t *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	pthread_mutex_destroy(&b->cmd_lock);
	pthread_cond_destroy(&b->cmd_done);
	pthread_cond_destroy(&b->refreshed);
	free(b->status);
	free(b->metrics);
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

void board_metrics_post(board_t *b, const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		return;
	pthread_mutex_lock(&b->lock);
	char *old = b->metrics;
	b->metrics = copy;
	pthread_mutex_unlock(&b->lock);
	free(old);
}

char *board_metrics_read(board_t *b)
{
	pthread_mutex_lock(&b->lock);
	char *copy = b->metrics ? strdup(b->metrics) : NULL;
	b->wanted = true;
	pthread_mutex_unlock(&b->lock);
	return copy;
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

/* timeout_ms from now on CLOCK_MONOTONIC (the conditions' clock). */
static struct timespec deadline_after(unsigned timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	return until;
}

void board_refresh(board_t *b, void (*wake)(void *), void *wake_arg, unsigned timeout_ms)
{
	pthread_mutex_lock(&b->lock);
	unsigned long ticket = ++b->refresh_asked;
	pthread_mutex_unlock(&b->lock);
	wake(wake_arg);
	struct timespec until = deadline_after(timeout_ms);
	pthread_mutex_lock(&b->lock);
	while (b->refresh_done < ticket &&
	       pthread_cond_timedwait(&b->refreshed, &b->lock, &until) == 0)
		;
	pthread_mutex_unlock(&b->lock);
}

unsigned long board_refresh_asked(board_t *b)
{
	pthread_mutex_lock(&b->lock);
	unsigned long asked = b->refresh_asked;
	pthread_mutex_unlock(&b->lock);
	return asked;
}

void board_refresh_done(board_t *b, unsigned long upto)
{
	pthread_mutex_lock(&b->lock);
	if (upto > b->refresh_done)
		b->refresh_done = upto;
	pthread_cond_broadcast(&b->refreshed);
	pthread_mutex_unlock(&b->lock);
}

int board_command(board_t *b, const char *op, const char *arg, void (*wake)(void *), void *wake_arg,
                  unsigned timeout_ms, char *reply, size_t replylen)
{
	pthread_mutex_lock(&b->cmd_lock);
	pthread_mutex_lock(&b->lock);
	snprintf(b->cmd_op, sizeof(b->cmd_op), "%s", op);
	snprintf(b->cmd_arg, sizeof(b->cmd_arg), "%s", arg);
	b->cmd_pending = true;
	b->cmd_taken = b->cmd_finished = false;
	pthread_mutex_unlock(&b->lock);
	wake(wake_arg);
	struct timespec until = deadline_after(timeout_ms);
	pthread_mutex_lock(&b->lock);
	while (!b->cmd_finished && pthread_cond_timedwait(&b->cmd_done, &b->lock, &until) == 0)
		;
	int ret = b->cmd_finished ? b->cmd_result : FDNS_EIO;
	snprintf(reply, replylen, "%s", b->cmd_finished ? b->cmd_reply : "no answer from fleetdns");
	b->cmd_pending = false; /* a late one is dropped */
	pthread_mutex_unlock(&b->lock);
	pthread_mutex_unlock(&b->cmd_lock);
	return ret;
}

bool board_command_take(board_t *b, char *op, size_t oplen, char *arg, size_t arglen)
{
	pthread_mutex_lock(&b->lock);
	bool got = b->cmd_pending && !b->cmd_taken;
	if (got) {
		b->cmd_taken = true;
		snprintf(op, oplen, "%s", b->cmd_op);
		snprintf(arg, arglen, "%s", b->cmd_arg);
	}
	pthread_mutex_unlock(&b->lock);
	return got;
}

void board_command_done(board_t *b, int result, const char *reply)
{
	pthread_mutex_lock(&b->lock);
	if (b->cmd_pending && b->cmd_taken) {
		b->cmd_result = result;
		snprintf(b->cmd_reply, sizeof(b->cmd_reply), "%s", reply);
		b->cmd_finished = true;
		pthread_cond_signal(&b->cmd_done);
	}
	pthread_mutex_unlock(&b->lock);
}
