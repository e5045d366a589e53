/* SPDX-License-Identifier: MIT */
/* table.h -- tables that successive versions of a zone share, page by page.
 *
 * A zone that changes a little at a time (the fleet zone: one service after another) must
 * not be copied whole for each change. Its names live in a hash table cut into pages, and
 * its parts (see snapshot.h) in an array cut into pages; a new version copies the page
 * directory, takes a reference on every page, and copies only the pages it changes (a page
 * whose only reference is the new version is changed in place). Readers see a version
 * whole and never a page being changed: pages are only changed before publication.
 */
#ifndef FDNS_ANSWER_TABLE_H
#define FDNS_ANSWER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/name.h" /* wire_name_hash(): names are found by it */

typedef struct ans_node ans_node_t;
typedef struct ans_part ans_part_t;

typedef struct ans_page {
	unsigned refs;  /* versions (or, for parts, directories) holding it; atomic */
	uint32_t mask;  /* slots - 1 */
	uint32_t count; /* slots in use */
	const void *slot[];
} ans_page_t;

/* Names: open addressing (linear probing) inside a page, the page chosen by the top bits
 * of the name's hash. Up to ~128 names a page: a change copies a few KiB. */
typedef struct ans_table {
	uint32_t shift; /* page = hash >> shift, in 64 bits (32: a single page) */
	uint32_t npages;
	ans_page_t **pages; /* NULL: an empty page */
	size_t count;
} ans_table_t;

/* Parts, by the number their owner gave them: pages of 256 entries. A page holds one
 * reference on each part in it, so a new version costs a reference per page, not per part. */
#define VEC_PAGE_BITS  8
#define VEC_PAGE_SLOTS (1u << VEC_PAGE_BITS)
typedef struct ans_vec {
	size_t npages;
	ans_page_t **pages;
} ans_vec_t;

/** An empty table sized for about expected names: with paged, cut into pages; without,
 * one page, whose lookups skip a cache miss (a zone compiled whole, as from a file, is
 * one page until its first patch re-cuts it). Returns 0 or FDNS_ENOMEM. */
int table_init(ans_table_t *t, size_t expected, bool paged);
/** dst shares every page of src. Returns 0 or FDNS_ENOMEM (dst then empty). */
int table_clone(ans_table_t *dst, const ans_table_t *src);
/** Add n (its name must not be there: FDNS_EEXIST). Returns 0 or FDNS_E*. */
int table_insert(ans_table_t *t, const ans_node_t *n);
/** Remove the node named name, if there. Returns 0 or FDNS_ENOMEM. */
int table_remove(ans_table_t *t, const uint8_t *name, size_t len);
/** Re-cut the table into pages of the right size when it grew or shrank a lot. */
int table_rebalance(ans_table_t *t);
void table_release(ans_table_t *t);

ans_part_t *vec_get(const ans_vec_t *v, size_t i);
/** Put part (a reference is taken) at i, releasing what was there. Returns 0 or FDNS_ENOMEM. */
int vec_set(ans_vec_t *v, size_t i, ans_part_t *part);
int vec_clone(ans_vec_t *dst, const ans_vec_t *src);
void vec_release(ans_vec_t *v);

/* Parts are reference counted by their owner (snapshot.c). */
void part_ref(ans_part_t *p);
void part_unref(ans_part_t *p);

#endif
