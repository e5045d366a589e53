/* SPDX-License-Identifier: MIT */
/* probe.c -- TCP probes of stale replicas during their engine's grace (see probe.h).
 *
 * Each probe owns a timer (the next connection, or the running one's deadline) and, while a
 * connection runs or closes, a TCP handle; each group owns its grace timer. A probe or
 * group that ends closes its handles and is freed by the last close callback (libuv's rule),
 * so ending one from inside a callback is always safe. Ended groups and probes stay in
 * their lists until then and are skipped by every look-up.
 *
 * Connection slots: a probe holds one from the moment it may connect until its connection
 * ends (made, refused or timed out). A probe that finds none free joins the line; a slot
 * given back goes to the first in line, whose timer then fires at once (never a connection
 * started under another probe's callback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/probe.h"
#include "fleetdns/error.h"

typedef struct group group_t;

typedef struct probe {
	group_t *group;
	struct probe *next;
	struct probe *line_prev, *line_next; /* in the prober's line, while waiting */
	char *id;
	struct sockaddr_storage addr;
	uv_timer_t timer;
	uv_tcp_t tcp;
	uv_connect_t req;
	uint64_t started; /* loop time the running (or last) connection started */
	bool connecting;  /* a connection runs; the timer is its deadline */
	bool tcp_open;    /* tcp initialised and not closed yet */
	bool has_slot;    /* may connect, or is connecting: counted in prober.slots */
	bool waiting;     /* in the prober's line for a slot */
	bool ended;       /* dead, stopped or its group over: closing */
	int open;         /* handles not closed yet */
} probe_t;

struct group {
	prober_t *prober;
	group_t *next;
	char *engine;
	prober_timing_t timing;
	uv_timer_t grace;
	probe_t *probes;
	bool ended;
	int open; /* the grace timer and the probes not freed yet */
};

struct prober {
	uv_loop_t *loop;
	prober_callbacks_t cb;
	void *ctx;
	group_t *groups;
	size_t max_slots, slots, most_slots;
	probe_t *line_first, *line_last; /* probes waiting for a slot, first come first */
	size_t open;                     /* groups not freed yet */
	bool closing;
	void (*on_closed)(void *arg);
	void *on_closed_arg;
};

prober_t *prober_new(uv_loop_t *loop, const prober_callbacks_t *cb, void *ctx,
                     size_t max_connecting)
{
	prober_t *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->loop = loop;
	p->cb = *cb;
	p->ctx = ctx;
	p->max_slots = max_connecting ? max_connecting : 1;
	return p;
}

static group_t *group_find(const prober_t *p, const char *engine)
{
	for (group_t *g = p->groups; g; g = g->next)
		if (!g->ended && strcmp(g->engine, engine) == 0)
			return g;
	return NULL;
}

/* --- freeing, in close callbacks only ------------------------------------------------------ */

static void prober_released(prober_t *p)
{
	if (--p->open == 0 && p->closing) {
		void (*cb)(void *) = p->on_closed;
		void *arg = p->on_closed_arg;
		free(p);
		if (cb)
			cb(arg);
	}
}

static void group_released(group_t *g)
{
	if (--g->open > 0)
		return;
	prober_t *p = g->prober;
	for (group_t **link = &p->groups; *link; link = &(*link)->next)
		if (*link == g) {
			*link = g->next;
			break;
		}
	free(g->engine);
	free(g);
	prober_released(p);
}

static void probe_handle_closed(uv_handle_t *h)
{
	probe_t *pr = h->data;
	if (h == (uv_handle_t *)&pr->tcp)
		pr->tcp_open = false;
	if (--pr->open > 0)
		return;
	group_t *g = pr->group;
	for (probe_t **link = &g->probes; *link; link = &(*link)->next)
		if (*link == pr) {
			*link = pr->next;
			break;
		}
	free(pr->id);
	free(pr);
	group_released(g);
}

static void grace_closed(uv_handle_t *h)
{
	group_released(h->data);
}

/* --- connection slots -------------------------------------------------------------------- */

static void on_probe_timer(uv_timer_t *t);

static void line_leave(probe_t *pr)
{
	prober_t *p = pr->group->prober;
	if (!pr->waiting)
		return;
	pr->waiting = false;
	*(pr->line_prev ? &pr->line_prev->line_next : &p->line_first) = pr->line_next;
	*(pr->line_next ? &pr->line_next->line_prev : &p->line_last) = pr->line_prev;
	pr->line_prev = pr->line_next = NULL;
}

static void line_join(probe_t *pr)
{
	prober_t *p = pr->group->prober;
	pr->waiting = true;
	pr->line_prev = p->line_last;
	pr->line_next = NULL;
	*(p->line_last ? &p->line_last->line_next : &p->line_first) = pr;
	p->line_last = pr;
}

static void slot_take(probe_t *pr)
{
	prober_t *p = pr->group->prober;
	pr->has_slot = true;
	if (++p->slots > p->most_slots)
		p->most_slots = p->slots;
}

/* pr's connection is over (or it ended): the first probe in line gets the slot. */
static void slot_release(probe_t *pr)
{
	if (!pr->has_slot)
		return;
	prober_t *p = pr->group->prober;
	pr->has_slot = false;
	p->slots--;
	probe_t *next = p->line_first;
	if (next) {
		line_leave(next);
		slot_take(next);
		uv_timer_start(&next->timer, on_probe_timer, 0, 0);
	}
}

/* --- probes ------------------------------------------------------------------------------ */

static void tcp_close(probe_t *pr)
{
	if (pr->tcp_open && !uv_is_closing((uv_handle_t *)&pr->tcp))
		uv_close((uv_handle_t *)&pr->tcp, probe_handle_closed);
}

static void probe_end(probe_t *pr)
{
	if (pr->ended)
		return;
	pr->ended = true;
	pr->connecting = false;
	line_leave(pr);
	slot_release(pr);
	uv_close((uv_handle_t *)&pr->timer, probe_handle_closed);
	tcp_close(pr);
}

/* The replica did not answer: it ends, then the daemon hears of it (and may stop the whole
 * group from inside the callback). */
static void probe_fail(probe_t *pr, const char *why)
{
	probe_end(pr);
	prober_t *p = pr->group->prober;
	p->cb.dead(p->ctx, pr->group->engine, pr->id, why);
}

static void on_connect(uv_connect_t *req, int status)
{
	probe_t *pr = req->data;
	if (pr->ended || !pr->connecting)
		return; /* timed out or stopped: the handle is closing (status UV_ECANCELED) */
	pr->connecting = false;
	tcp_close(pr);
	slot_release(pr);
	if (status < 0) {
		probe_fail(pr, uv_strerror(status));
		return;
	}
	uint64_t next = pr->started + pr->group->timing.interval_ms, now = uv_now(pr->timer.loop);
	uv_timer_start(&pr->timer, on_probe_timer, next > now ? next - now : 0, 0);
}

static void probe_connect(probe_t *pr)
{
	uv_loop_t *loop = pr->timer.loop;
	int rc = uv_tcp_init(loop, &pr->tcp);
	if (rc < 0) {
		probe_fail(pr, uv_strerror(rc));
		return;
	}
	pr->tcp.data = pr;
	pr->tcp_open = true;
	pr->open++;
	pr->req.data = pr;
	pr->started = uv_now(loop);
	rc = uv_tcp_connect(&pr->req, &pr->tcp, (const struct sockaddr *)&pr->addr, on_connect);
	if (rc < 0) {
		probe_fail(pr, uv_strerror(rc));
		return;
	}
	pr->connecting = true;
	uv_timer_start(&pr->timer, on_probe_timer, pr->group->timing.timeout_ms, 0);
}

static void on_probe_timer(uv_timer_t *t)
{
	probe_t *pr = t->data;
	prober_t *p = pr->group->prober;
	if (pr->connecting) {
		char why[48];
		snprintf(why, sizeof(why), "not connected within %u ms",
		         pr->group->timing.timeout_ms);
		pr->connecting = false;
		tcp_close(pr);
		slot_release(pr);
		probe_fail(pr, why);
	} else if (pr->tcp_open) {
		uv_timer_start(t, on_probe_timer, 1, 0); /* the last connection is still closing */
	} else if (pr->has_slot || p->slots < p->max_slots) {
		if (!pr->has_slot)
			slot_take(pr);
		probe_connect(pr);
	} else {
		line_join(pr); /* slot_release() starts the timer again */
	}
}

int prober_add(prober_t *p, const char *engine, const char *id, const char *address, uint16_t port)
{
	group_t *g = group_find(p, engine);
	if (!g)
		return FDNS_ENOENT;
	probe_t *pr = calloc(1, sizeof(*pr));
	if (!pr)
		return FDNS_ENOMEM;
	if (uv_ip4_addr(address, port, (struct sockaddr_in *)&pr->addr) != 0 &&
	    uv_ip6_addr(address, port, (struct sockaddr_in6 *)&pr->addr) != 0) {
		free(pr);
		return FDNS_EINVAL;
	}
	if (!(pr->id = strdup(id))) {
		free(pr);
		return FDNS_ENOMEM;
	}
	pr->group = g;
	uv_timer_init(p->loop, &pr->timer);
	pr->timer.data = pr;
	pr->open = 1;
	pr->next = g->probes;
	g->probes = pr;
	g->open++;
	/* The first connection starts from the loop, never under the caller: a failure then
	 * reports dead() after the caller has added every replica. */
	uv_timer_start(&pr->timer, on_probe_timer, 0, 0);
	return FDNS_OK;
}

/* --- groups ------------------------------------------------------------------------------ */

static void group_end(group_t *g)
{
	if (g->ended)
		return;
	g->ended = true;
	for (probe_t *pr = g->probes; pr; pr = pr->next)
		probe_end(pr);
	uv_close((uv_handle_t *)&g->grace, grace_closed);
}

static void on_grace_over(uv_timer_t *t)
{
	group_t *g = t->data;
	prober_t *p = g->prober;
	group_end(g);
	p->cb.over(p->ctx, g->engine);
}

int prober_group_start(prober_t *p, const char *engine, const prober_timing_t *timing)
{
	if (group_find(p, engine))
		return FDNS_OK;
	group_t *g = calloc(1, sizeof(*g));
	if (!g || !(g->engine = strdup(engine))) {
		free(g);
		return FDNS_ENOMEM;
	}
	g->prober = p;
	g->timing = *timing;
	uv_timer_init(p->loop, &g->grace);
	g->grace.data = g;
	g->open = 1;
	g->next = p->groups;
	p->groups = g;
	p->open++;
	uv_timer_start(&g->grace, on_grace_over, timing->grace_ms, 0);
	return FDNS_OK;
}

void prober_group_stop(prober_t *p, const char *engine)
{
	group_t *g = group_find(p, engine);
	if (g)
		group_end(g);
}

bool prober_group_running(const prober_t *p, const char *engine, size_t *probes)
{
	const group_t *g = group_find(p, engine);
	size_t n = 0;
	for (const probe_t *pr = g ? g->probes : NULL; pr; pr = pr->next)
		n += !pr->ended;
	if (probes)
		*probes = n;
	return g != NULL;
}

size_t prober_connecting(const prober_t *p, size_t *most)
{
	if (most)
		*most = p->most_slots;
	return p->slots;
}

void prober_close(prober_t *p, void (*on_closed)(void *arg), void *arg)
{
	p->closing = true;
	p->on_closed = on_closed;
	p->on_closed_arg = arg;
	for (group_t *g = p->groups; g; g = g->next)
		group_end(g);
	if (p->open == 0) {
		p->open = 1; /* released at once below */
		prober_released(p);
	}
}
