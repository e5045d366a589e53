/* SPDX-License-Identifier: MIT */
/* conf_internal.h -- what the files of src/conf share: the build state, YAML node helpers,
 * error reporting, and the parsers of each top-level section.
 *
 * A conf_t is built into a private struct build (conf.c) that every section parser fills in.
 * Parsers check each value where they read it and stop at the first problem with a message
 * naming FILE:LINE:COLUMN of the offending node (conf__fail_at); they return 0 or a negative
 * FDNS_E* code. Whatever they added to b->conf is freed by conf_free() on failure, so no
 * parser has to undo its own partial work.
 */
#ifndef FLEETDNS_CONF_INTERNAL_H
#define FLEETDNS_CONF_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "fleetdns/conf.h"

#define CONF_ADDR_HINT "expected IPv4:PORT or [IPv6]:PORT"

/* A zone named by the fleet section, checked against the served zones once they are all
 * known (the command line may add some after the file). */
struct zone_ref {
	char *canon;         /* lower case, absolute, as ldns prints it */
	size_t line, column; /* 1-based place in the config file */
};

/* Per zone, what duplicate checks need: its canonical name and where it was defined. */
struct zone_key {
	char *canon; /* lower case, absolute, as ldns prints it */
	size_t line; /* 1-based line in the config file; 0 if from the command line */
};

/* An index of distinct strings: zone, engine and key names, the keys of one mapping. Every
 * name a config defines is checked against the ones before it, and a config may define tens
 * of thousands: a loop over those made loading quadratic (20,000 zones took half a minute).
 * Open addressing with linear probing, kept at most half full. The strings are not copied:
 * each must stay valid, unchanged, as long as it is indexed. */
struct conf_index_slot {
	const char *key; /* NULL: free */
	size_t pos;      /* what the caller stored with it (an array position) */
};

struct conf_index {
	struct conf_index_slot *slots;
	unsigned bits; /* 1 << bits slots, or none (slots NULL) */
	size_t n;
};

#define CONF_INDEX_NONE ((size_t)-1)

/* The pos stored with key, or CONF_INDEX_NONE. */
size_t conf__index_find(const struct conf_index *ix, const char *key);
/* Adds key with pos; key must not be in ix yet. Returns 0 or FDNS_ENOMEM. */
int conf__index_add(struct conf_index *ix, const char *key, size_t pos);
void conf__index_free(struct conf_index *ix);

/* An engine named by a site, with its place, checked by conf__sites_check. */
struct site_engine_ref {
	size_t site, engine; /* conf.sites[site].engines[engine] */
	size_t line, column; /* 1-based place in the config file */
};

struct build {
	conf_t conf;                    /* built here, handed over on success */
	struct zone_key *keys;          /* parallel to conf.zones */
	struct conf_index zone_index;   /* keys[].canon -> position in conf.zones */
	size_t *engine_lines;           /* parallel to conf.engines; 0: from the command line */
	struct conf_index engine_index; /* conf.engines[].name -> position */
	char **key_canons;              /* canonical names, parallel to conf.keys */
	struct conf_index key_index;    /* key_canons[] -> position in conf.keys */
	char **listen_keys;             /* parallel to conf.listen: address bytes as text */
	struct conf_index listen_index; /* listen_keys[] -> position in conf.listen */
	struct zone_ref fleet_zone_ref; /* canon NULL: no fleet.zone */
	struct zone_ref *reverse_refs;  /* parallel to conf.fleet.reverse_zones */
	struct site_engine_ref *site_engine_refs; /* every engine name under sites: */
	size_t nsite_engine_refs;
	const char *path; /* config file for messages; NULL for command line */
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

/* Error reporting (yaml_util.c). Each writes "path:line:column: message" into b->err, or
 * "path: message" when line is 0, or just the message when b->path is NULL, and returns the
 * code (conf__fail_at and conf__fail_type return FDNS_EINVAL). */
int conf__fail_pos(struct build *b, size_t line, size_t column, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int conf__fail_at(struct build *b, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "'what' must be WANT (got 'text')", or (got a list/a mapping/nothing). */
int conf__fail_type(struct build *b, const yaml_node_t *node, const char *what, const char *want);

/* A TSIG secret is never repeated in a message (docs/configuration.md, "keys"): not its own
 * value, and not other text that could be one typed in the wrong place. Text "could be a
 * secret" when it holds CONF_SECRET_RUN or more base64 characters in a row (spaces allowed
 * between them, as BIND splits long secrets); a real secret has at least 28 (20 bytes). */
#define CONF_SECRET_RUN 16
#define CONF_SHOWN_MAX  256
bool conf__may_be_secret(const char *text);
/* text quoted ('text', cut to len), or <hidden> when it could be a secret. buf: len >= 8. */
const char *conf__shown(const char *text, char *buf, size_t len);
/* conf__fail_type, with a scalar shown through conf__shown. */
int conf__fail_type_shown(struct build *b, const yaml_node_t *node, const char *what,
                          const char *want);

/* Known keys (yaml_util.c). Each parser lists the keys of its mapping once, in a static array
 * next to it, looks names up in it and reports the others with conf__fail_unknown. */
#define CONF_NKEYS(array) (sizeof(array) / sizeof((array)[0]))
/* The position of name in known[0..n), or n. */
size_t conf__key_find(const char *name, const char *const *known, size_t n);
/* The known key typed is most likely a typo of: the closest by Damerau-Levenshtein distance
 * (restricted: adjacent swaps count one), if that is at most 2, or 1 when either is 4
 * characters or shorter; the first of those at the same distance. NULL: none is close. */
const char *conf__key_suggest(const char *typed, const char *const *known, size_t n);
/* "unknown key 'KEY' in SECTION", or "unknown top-level key 'KEY'" when section is NULL,
 * followed by " (did you mean 'NEAR'?)" when conf__key_suggest finds one. section is
 * written as it is ("'server'", "engine"). Returns FDNS_EINVAL. */
int conf__fail_unknown(struct build *b, const yaml_node_t *key, const char *section,
                       const char *const *known, size_t n);
/* The same, with the key shown through conf__shown (where a secret may be mistyped as a
 * key: keys:, notify:, allow-transfer:). */
int conf__fail_unknown_shown(struct build *b, const yaml_node_t *key, const char *section,
                             const char *const *known, size_t n);

/* YAML node helpers (yaml_util.c). */
const char *conf__node_text(const yaml_node_t *node); /* scalar nodes only */
bool conf__node_is_null(const yaml_node_t *node);     /* plain "", "~" or "null" */
const yaml_node_t *conf__node_get(const struct build *b, int id);
/* Where node starts in the config file, 1-based (what messages and conf_t record). */
size_t conf__node_line(const yaml_node_t *node);
size_t conf__node_column(const yaml_node_t *node);
/* Checks that node is a mapping whose keys are distinct strings. */
int conf__mapping_check(struct build *b, const yaml_node_t *node, const char *what);

/* Called for each key and value of a mapping, or each item of a list, in the file's order;
 * the walk stops at the first non-zero return, which it returns. ctx is the caller's. */
typedef int (*conf_pair_fn)(struct build *b, const yaml_node_t *key, const yaml_node_t *val,
                            void *ctx);
typedef int (*conf_item_fn)(struct build *b, const yaml_node_t *item, void *ctx);
/* fn for each pair of node, a mapping already checked by conf__mapping_check. */
int conf__pairs_each(struct build *b, const yaml_node_t *node, conf_pair_fn fn, void *ctx);
/* conf__mapping_check, then fn for each pair. */
int conf__mapping_each(struct build *b, const yaml_node_t *node, const char *what, conf_pair_fn fn,
                       void *ctx);
/* fn for each item of list, which must be a sequence node (the caller says what else it
 * may be, in its own words). */
int conf__list_each(struct build *b, const yaml_node_t *list, conf_item_fn fn, void *ctx);

/* The keys a mapping may have, for conf__mapping_collect. */
struct conf_keyset {
	const char *what;         /* the mapping in conf__mapping_check's messages ("engine") */
	const char *section;      /* and in unknown-key messages ("'tls'") */
	const char *const *names; /* the known keys */
	size_t n;
	bool shown; /* unknown keys are shown through conf__shown (a secret may be one) */
};
/* conf__mapping_check, then the value of known key k in vals[k] (and its key node in keys[k]
 * when keys is not NULL); both arrays have keyset->n entries, NULL where a key is absent.
 * The first unknown key fails through conf__fail_unknown (or _shown). */
int conf__mapping_collect(struct build *b, const yaml_node_t *node,
                          const struct conf_keyset *keyset, const yaml_node_t **vals,
                          const yaml_node_t **keys);
/* A decimal integer in min..max. */
int conf__uint_parse(struct build *b, const yaml_node_t *val, const char *what, unsigned min,
                     unsigned max, unsigned *out);
/* true/false (also True, TRUE, False, FALSE). */
int conf__bool_parse(struct build *b, const yaml_node_t *val, const char *what, bool *out);
/* One of names[0..n) (a scalar written exactly so): its position in *out. Otherwise
 * conf__fail_type with want ("stderr, syslog or journal"). */
int conf__choice_parse(struct build *b, const yaml_node_t *val, const char *what,
                       const char *const *names, size_t n, const char *want, int *out);

/* An integer key of a section, stored at offset in the struct the section fills in. */
struct conf_uint_key {
	const char *name;
	size_t offset; /* of the unsigned */
	unsigned min, max;
};
/* When key is one of keys[0..n): its value, checked by conf__uint_parse, into base + its
 * offset; returns 0 or the error. Returns 1 when key is none of them. */
int conf__uint_key_parse(struct build *b, const struct conf_uint_key *keys, size_t n, void *base,
                         const yaml_node_t *key, const yaml_node_t *val);
/* Copies the names of keys[0..n) to known (for conf__fail_unknown); returns n. */
size_t conf__uint_key_names(const struct conf_uint_key *keys, size_t n, const char **known);
/* A non-empty scalar file name, joined to the config file's folder unless absolute; *out is
 * malloc'ed. */
int conf__file_parse(struct build *b, const yaml_node_t *val, const char *what, char **out);
/* Joins file to conf_path's folder unless file is absolute; malloc'ed, NULL on ENOMEM. */
char *conf__path_resolve(const char *conf_path, const char *file);

/* server: (server.c). */
int conf__server_parse(struct build *b, const yaml_node_t *node);
/* Adds a listen address; FDNS_EADDR (bad text), FDNS_EEXIST (already there) or 0. */
int conf__listen_add(struct build *b, const char *text);
/* Forgets every listen address (the command line's replace the file's). */
void conf__listen_clear(struct build *b);
/* A decimal port 1..65535, in network byte order. Returns 0 or FDNS_EADDR. */
int conf__port_parse(const char *text, in_port_t *port);

/* server: rate-limit: (rrl.c). Defaults that depend on what was given (burst, exempt). */
int conf__rrl_parse(struct build *b, const yaml_node_t *node);
int conf__rrl_defaults(conf_rrl_t *rrl);
/* ADDRESS[/PREFIX] (cidr.c): 0, or FDNS_EADDR when text is not one. The prefix defaults to
 * the whole address. */
int conf__cidr_parse(const char *text, struct sockaddr_storage *ss, unsigned *prefix);
/* Whether ss has bits set past prefix ("192.0.2.1/24", almost surely a mistake). */
bool conf__cidr_host_bits(const struct sockaddr_storage *ss, unsigned prefix);
/* "WHAT 'TEXT' has bits set past its /PREFIX prefix" at node (a scalar). FDNS_EINVAL. */
int conf__fail_host_bits(struct build *b, const yaml_node_t *node, const char *what,
                         unsigned prefix);
/* An item of the list key (exempt:, clients:): a scalar ADDRESS[/PREFIX] without bits past
 * the prefix; what names one item in messages ("client prefix"). */
int conf__prefix_parse(struct build *b, const yaml_node_t *item, const char *key, const char *what,
                       conf_prefix_t *out);
/* Appends p to the array *v of *n prefixes. Returns 0 or FDNS_ENOMEM. */
int conf__prefix_append(conf_prefix_t **v, size_t *n, const conf_prefix_t *p);

/* server: user, group, pidfile, identity, version, nsid, and the log: section
 * (process.c). conf__process_key_parse returns 1 when key is none of its keys, which are
 * conf__process_keys (for the list of server's keys). */
#define CONF_PROCESS_NKEYS 6
extern const char *const conf__process_keys[CONF_PROCESS_NKEYS];
int conf__process_key_parse(struct build *b, const yaml_node_t *key, const yaml_node_t *val);
int conf__log_parse(struct build *b, const yaml_node_t *node);
/* error, warning, info or debug (server: log-level:, log: level:; server.c). */
int conf__log_level_parse(struct build *b, const yaml_node_t *val);
void conf__process_free(conf_process_t *p);

/* http: (http.c). */
int conf__http_parse(struct build *b, const yaml_node_t *node);
void conf__http_free(conf_t *conf);

/* zones: and --zone (zones.c). */
int conf__zones_parse(struct build *b, const yaml_node_t *node);
int conf__zone_arg_apply(struct build *b, const char *arg);
/* The canonical text of a zone name (malloc'ed), or NULL if it is not a domain name. */
char *conf__zone_canon(const char *name);
struct zone_key *conf__zone_find(struct build *b, const char *canon);
/* Appends a zone; takes canon over in every case. file may be NULL. */
int conf__zone_add(struct build *b, const char *name, char *canon, const char *file, size_t line);
/* Frees zone->gen's names and lists and sets its defaults again. */
void conf__zone_gen_free(conf_zone_t *zone);

/* keys:, and each zone's notify: and allow-transfer: (xfr.c). keys: is parsed before the
 * other sections, wherever it is in the file, so that zones can check the names they use. */
int conf__keys_parse(struct build *b, const yaml_node_t *node);
void conf__keys_free(conf_t *conf);
/* notify: or allow-transfer: (key says which) of the zone just added. */
int conf__zone_xfr_parse(struct build *b, conf_zone_t *zone, const yaml_node_t *key,
                         const yaml_node_t *val);
void conf__zone_xfr_free(conf_zone_t *zone);

/* engines: and --engine (engines.c). */
int conf__engines_parse(struct build *b, const yaml_node_t *node);
/* NAME=URL: adds an engine, or replaces the file's engine of that name whole. */
int conf__engine_arg_apply(struct build *b, const char *arg);
void conf__engines_free(conf_t *conf);

/* sites: (sites.c). conf__sites_check checks the engines they name, once the command line
 * has added its engines. */
int conf__sites_parse(struct build *b, const yaml_node_t *node);
int conf__sites_check(struct build *b);
void conf__sites_free(conf_t *conf);
void conf__sites_build_free(struct build *b);

/* fleet: (fleet.c). */
int conf__fleet_parse(struct build *b, const yaml_node_t *node);
/* Checks that fleet.zone and fleet.reverse-zones name configured zones and replaces them by
 * those zones' names; run once the command line has been applied. */
int conf__fleet_zones_check(struct build *b);
/* Frees the zone references kept in b (not b->conf). */
void conf__fleet_build_free(struct build *b);
void conf__fleet_free(conf_fleet_t *fleet);

#endif
