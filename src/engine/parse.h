/* SPDX-License-Identifier: MIT */
/* parse.h -- Docker Engine API response bodies (GET /version, /containers/json,
 * /containers/ID/json) parsed with json-c into fleetdns types. Pure functions: no I/O.
 *
 * Every parser takes a body and its length (it need not be NUL-terminated), accepts only
 * one complete JSON value (a truncated body is an error) and on error returns FDNS_EPARSE
 * with a message in err that says what was wrong, without touching the outputs.
 */
#ifndef FDNS_ENGINE_PARSE_H
#define FDNS_ENGINE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "fleetdns/engine.h"

#define ENGINE_ID_LEN 64 /* hex digits in a full container id */

typedef struct engine_version_info {
	unsigned api_major, api_minor; /* ApiVersion, e.g. 1.41 */
	unsigned min_major, min_minor; /* MinAPIVersion; 0.0 when absent */
	char version[64];              /* the engine's Version, "" when absent */
	bool podman; /* Components names "Podman Engine": Podman's Docker-compatible API */
} engine_version_info_t;

/** A full container id: exactly 64 lowercase hex digits. */
bool engine_id_valid(const char *id);

/** Parse "1.41" into 1 and 41. Returns false unless it is digits '.' digits. */
bool engine_api_version_parse(const char *s, unsigned *major, unsigned *minor);

/** GET /version. ApiVersion is required. Sets podman when one of Components is named
 * "Podman Engine" (`podman system service` answers so; Docker's is "Engine"). */
int engine_parse_version(const char *body, size_t len, engine_version_info_t *out, char *err,
                         size_t errlen);

/**
 * GET /containers/json: the ids of the listed containers. *ids is a malloc'd array of
 * malloc'd strings; free it with engine_parse_ids_free(). An empty list gives *n == 0.
 */
int engine_parse_list(const char *body, size_t len, char ***ids, size_t *n, char *err,
                      size_t errlen);
void engine_parse_ids_free(char **ids, size_t n);

/**
 * The same, with a summary of each listed container in *summaries (parallel to *ids, freed
 * the same way): its name, state, health and addresses as the listing shows them, or NULL
 * when the entry does not show them all. A container whose summary equals
 * engine_container_summary() of its last inspect has nothing new to inspect.
 */
int engine_parse_list_summaries(const char *body, size_t len, char ***ids, char ***summaries,
                                size_t *n, char *err, size_t errlen);
/** The summary of an inspected container (see above); NULL when out of memory. */
char *engine_container_summary(const engine_container_t *c);

/**
 * GET /containers/ID/json. *out is one allocation holding the container, its arrays and
 * all its strings: release it with free(). Required: Id (a full id), State.Running.
 */
int engine_parse_inspect(const char *body, size_t len, engine_container_t **out, char *err,
                         size_t errlen);

#endif
