/* SPDX-License-Identifier: MIT */
/* table.c -- paged tables shared between versions of a zone (see table.h). */
#include <stdlib.h>
#include <string.h>

#include "answer/snapshot.h"
#include "fleetdns/error.h"

#define PAGE_TARGET 64 /* names per page when the table is (re)cut */
#define PAGE_MAX    256
#define PAGE_MIN    16
#define PBITS_MAX   16

static ans_page_t *page_new(uint32_t slots)
{
	ans_page_t *p = calloc(1, sizeof(*p) + slots * sizeof(p->slot[0]));
	if (p) {
		p->refs = 1;
		p->mask = slots - 1;
	}
	return p;
}

static void page_ref(ans_page_t *p)
{
	if (p)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

/* Drop a reference; true when it was the last (the caller frees what the page holds). */
static bool page_unref(ans_page_t *p)
{
	return p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0;
}

static bool page_shared(const ans_page_t *p)
{
	return __atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) > 1;
}

/* ---- names ---- */

static uint32_t node_hash(const ans_node_t *n)
{
	return wire_name_hash(n->name, n->name_len);
}

static uint32_t pbits_for(size_t count)
{
	uint32_t bits = 0;
	while (bits < PBITS_MAX && ((size_t)PAGE_TARGET << bits) < count)
		bits++;
	return bits;
}

int table_init(ans_table_t *t, size_t expected, bool paged)
{
	uint32_t bits = paged ? pbits_for(expected) : 0;
	t->shift = 32 - bits;
	t->npages = 1u << bits;
	t->count = 0;
	t->pages = calloc(t->npages, sizeof(*t->pages));
	if (!t->pages)
		return FDNS_ENOMEM;
	if (!paged && expected > PAGE_TARGET) {
		/* At most a quarter full: linear probing at half full cost 16 more instructions a
		 * query (callgrind, 1,000 names), 1.4%, for 4 bytes a record at 1M names. */
		uint32_t slots = 8;
		while (slots < expected * 4)
			slots *= 2;
		if (!(t->pages[0] = page_new(slots))) {
			free(t->pages);
			t->pages = NULL; /* table_release() of it stays safe */
			return FDNS_ENOMEM;
		}
	}
	return FDNS_OK;
}

int table_clone(ans_table_t *dst, const ans_table_t *src)
{
	*dst = *src;
	dst->pages = malloc(src->npages * sizeof(*dst->pages));
	if (!dst->pages) {
		memset(dst, 0, sizeof(*dst));
		return FDNS_ENOMEM;
	}
	memcpy(dst->pages, src->pages, src->npages * sizeof(*dst->pages));
	for (uint32_t i = 0; i < src->npages; i++)
		page_ref(src->pages[i]);
	return FDNS_OK;
}

void table_release(ans_table_t *t)
{
	for (uint32_t i = 0; t->pages && i < t->npages; i++)
		if (page_unref(t->pages[i]))
			free(t->pages[i]); /* the nodes belong to parts */
	free(t->pages);
	memset(t, 0, sizeof(*t));
}

static void page_put(ans_page_t *p, const ans_node_t *n)
{
	uint32_t i = node_hash(n) & p->mask;
	while (p->slot[i])
		i = (i + 1) & p->mask;
	p->slot[i] = n;
	p->count++;
}

/* A copy of p (or a new page) with room for `want` names, for this version alone. */
static ans_page_t *page_copy(const ans_page_t *p, uint32_t want)
{
	uint32_t slots = 8;
	while (slots < want * 2)
		slots *= 2;
	if (p && slots < p->mask + 1)
		slots = p->mask + 1;
	ans_page_t *c = page_new(slots);
	for (uint32_t i = 0; c && p && i <= p->mask; i++)
		if (p->slot[i])
			page_put(c, p->slot[i]);
	return c;
}

/* The page at index, made private to t with room for `want` names. */
static ans_page_t *page_writable(ans_table_t *t, uint32_t index, uint32_t want)
{
	ans_page_t *p = t->pages[index];
	if (p && !page_shared(p) && want * 2 <= p->mask + 1)
		return p;
	ans_page_t *c = page_copy(p, want);
	if (!c)
		return NULL;
	if (page_unref(p))
		free(p);
	t->pages[index] = c;
	return c;
}

int table_insert(ans_table_t *t, const ans_node_t *n)
{
	if (table_find(t, n->name, n->name_len))
		return FDNS_EEXIST;
	uint32_t index = (uint32_t)((uint64_t)node_hash(n) >> t->shift);
	uint32_t have = t->pages[index] ? t->pages[index]->count : 0;
	ans_page_t *p = page_writable(t, index, have + 1);
	if (!p)
		return FDNS_ENOMEM;
	page_put(p, n);
	t->count++;
	return FDNS_OK;
}

/* Is k (a name's home slot) cyclically within (hole, j]? Then it must stay past the hole. */
static bool stays(uint32_t hole, uint32_t j, uint32_t k)
{
	return hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
}

int table_remove(ans_table_t *t, const uint8_t *name, size_t len)
{
	if (!table_find(t, name, len))
		return FDNS_OK;
	uint32_t h = wire_name_hash(name, len), index = (uint32_t)((uint64_t)h >> t->shift);
	ans_page_t *p = page_writable(t, index, t->pages[index]->count);
	if (!p)
		return FDNS_ENOMEM;
	uint32_t hole = h & p->mask;
	for (;; hole = (hole + 1) & p->mask) {
		const ans_node_t *n = p->slot[hole];
		if (n->name_len == len && memcmp(n->name, name, len) == 0)
			break;
	}
	/* Backward shift: names probed past the hole move into it, so lookups still find
	 * them without tombstones. */
	p->slot[hole] = NULL;
	for (uint32_t j = (hole + 1) & p->mask; p->slot[j]; j = (j + 1) & p->mask) {
		if (stays(hole, j, node_hash(p->slot[j]) & p->mask))
			continue;
		p->slot[hole] = p->slot[j];
		p->slot[j] = NULL;
		hole = j;
	}
	p->count--;
	t->count--;
	return FDNS_OK;
}

int table_rebalance(ans_table_t *t)
{
	size_t avg = t->count / t->npages;
	bool too_big = avg > PAGE_MAX && t->npages < (1u << PBITS_MAX);
	bool too_small = avg < PAGE_MIN && t->npages > 1 && pbits_for(t->count) < 32 - t->shift;
	if (!too_big && !too_small)
		return FDNS_OK;
	ans_table_t n;
	if (table_init(&n, t->count, true) < 0)
		return FDNS_ENOMEM;
	for (uint32_t i = 0; i < t->npages; i++)
		for (uint32_t s = 0; t->pages[i] && s <= t->pages[i]->mask; s++)
			if (t->pages[i]->slot[s] && table_insert(&n, t->pages[i]->slot[s]) < 0) {
				table_release(&n);
				return FDNS_ENOMEM;
			}
	table_release(t);
	*t = n;
	return FDNS_OK;
}

/* ---- parts ---- */

static void vec_page_free(ans_page_t *p)
{
	for (uint32_t i = 0; i <= p->mask; i++)
		if (p->slot[i])
			part_unref((ans_part_t *)p->slot[i]);
	free(p);
}

ans_part_t *vec_get(const ans_vec_t *v, size_t i)
{
	size_t page = i >> VEC_PAGE_BITS;
	if (page >= v->npages || !v->pages[page])
		return NULL;
	return (ans_part_t *)v->pages[page]->slot[i & (VEC_PAGE_SLOTS - 1)];
}

int vec_set(ans_vec_t *v, size_t i, ans_part_t *part)
{
	size_t index = i >> VEC_PAGE_BITS;
	if (index >= v->npages) {
		if (!part)
			return FDNS_OK;
		size_t n = v->npages ? v->npages : 4;
		while (n <= index)
			n *= 2;
		ans_page_t **pages = realloc(v->pages, n * sizeof(*pages));
		if (!pages)
			return FDNS_ENOMEM;
		memset(pages + v->npages, 0, (n - v->npages) * sizeof(*pages));
		v->pages = pages;
		v->npages = n;
	}
	ans_page_t *p = v->pages[index];
	if (!p || page_shared(p)) {
		ans_page_t *c = page_new(VEC_PAGE_SLOTS);
		if (!c)
			return FDNS_ENOMEM;
		for (uint32_t s = 0; p && s < VEC_PAGE_SLOTS; s++)
			if ((c->slot[s] = p->slot[s]) != NULL)
				part_ref((ans_part_t *)c->slot[s]);
		if (p) {
			c->count = p->count;
			if (page_unref(p))
				vec_page_free(p);
		}
		v->pages[index] = p = c;
	}
	size_t s = i & (VEC_PAGE_SLOTS - 1);
	ans_part_t *old = (ans_part_t *)p->slot[s];
	if (part)
		part_ref(part);
	p->slot[s] = part;
	p->count = p->count + (part != NULL) - (old != NULL);
	if (old)
		part_unref(old);
	return FDNS_OK;
}

int vec_clone(ans_vec_t *dst, const ans_vec_t *src)
{
	dst->npages = src->npages;
	dst->pages = NULL;
	if (!src->npages)
		return FDNS_OK;
	dst->pages = malloc(src->npages * sizeof(*dst->pages));
	if (!dst->pages) {
		dst->npages = 0;
		return FDNS_ENOMEM;
	}
	memcpy(dst->pages, src->pages, src->npages * sizeof(*dst->pages));
	for (size_t i = 0; i < src->npages; i++)
		page_ref(src->pages[i]);
	return FDNS_OK;
}

void vec_release(ans_vec_t *v)
{
	for (size_t i = 0; i < v->npages; i++)
		if (page_unref(v->pages[i]))
			vec_page_free(v->pages[i]);
	free(v->pages);
	v->pages = NULL;
	v->npages = 0;
}
