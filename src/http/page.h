/* SPDX-License-Identifier: MIT */
/* page.h -- the status page at / (HTML made from the /status document). */
#ifndef FDNS_HTTP_PAGE_H
#define FDNS_HTTP_PAGE_H

#include <stddef.h>

/** The page for status_json (NULL or not JSON: a "starting" page). Returns a malloc'ed text
 * of *len bytes, or NULL when out of memory. */
char *page_render(const char *status_json, size_t *len);

#endif
