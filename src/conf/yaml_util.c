/* SPDX-License-Identifier: MIT */
/* yaml_util.c -- reading typed values out of libyaml nodes, the FILE:LINE:COLUMN messages
 * every config error carries, and the "did you mean" of unknown keys. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

static int vfail(struct build *b, size_t line, size_t column, int code, const char *fmt, va_list ap)
{
	if (!b->err || b->errlen == 0)
		return code;
	int n = 0;
	if (b->path && line > 0)
		n = snprintf(b->err, b->errlen, "%s:%zu:%zu: ", b->path, line, column);
	else if (b->path)
		n = snprintf(b->err, b->errlen, "%s: ", b->path);
	if (n >= 0 && (size_t)n < b->errlen)
		vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
	return code;
}

int conf__fail_pos(struct build *b, size_t line, size_t column, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(b, line, column, code, fmt, ap);
	va_end(ap);
	return code;
}

int conf__fail_at(struct build *b, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(b, conf__node_line(node), conf__node_column(node), FDNS_EINVAL, fmt, ap);
	va_end(ap);
	return FDNS_EINVAL;
}

const char *conf__node_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

const yaml_node_t *conf__node_get(const struct build *b, int id)
{
	return yaml_document_get_node(b->doc, id);
}

size_t conf__node_line(const yaml_node_t *node)
{
	return node->start_mark.line + 1;
}

size_t conf__node_column(const yaml_node_t *node)
{
	return node->start_mark.column + 1;
}

/* A plain empty value, "~" or "null": the key is there but says nothing. */
bool conf__node_is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < CONF_NKEYS(nulls); i++)
		if (strcmp(conf__node_text(node), nulls[i]) == 0)
			return true;
	return false;
}

/* What a wrong value is, for "(got ...)" in messages. Scalars are quoted by the caller. */
static const char *node_kind(const yaml_node_t *node)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (conf__node_is_null(node))
		return "nothing";
	return NULL;
}

int conf__fail_type(struct build *b, const yaml_node_t *node, const char *what, const char *want)
{
	const char *kind = node_kind(node);
	if (kind)
		return conf__fail_at(b, node, "'%s' must be %s (got %s)", what, want, kind);
	return conf__fail_at(b, node, "'%s' must be %s (got '%s')", what, want,
	                     conf__node_text(node));
}

bool conf__may_be_secret(const char *text)
{
	size_t run = 0;
	for (const char *c = text; *c != '\0'; c++) {
		bool b64 = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		           (*c >= '0' && *c <= '9') || *c == '+' || *c == '/' || *c == '=';
		if (b64 && ++run >= CONF_SECRET_RUN)
			return true;
		if (!b64 && *c != ' ' && *c != '\t' && *c != '\n')
			run = 0;
	}
	return false;
}

const char *conf__shown(const char *text, char *buf, size_t len)
{
	if (conf__may_be_secret(text))
		return "<hidden>";
	int n = snprintf(buf, len, "'%s'", text);
	if (n < 0 || (size_t)n >= len)
		memcpy(buf + len - 5, "...'", 5);
	return buf;
}

int conf__fail_type_shown(struct build *b, const yaml_node_t *node, const char *what,
                          const char *want)
{
	if (node_kind(node))
		return conf__fail_type(b, node, what, want);
	char buf[CONF_SHOWN_MAX];
	return conf__fail_at(b, node, "'%s' must be %s (got %s)", what, want,
	                     conf__shown(conf__node_text(node), buf, sizeof(buf)));
}

size_t conf__key_find(const char *name, const char *const *known, size_t n)
{
	size_t i = 0;
	while (i < n && strcmp(name, known[i]) != 0)
		i++;
	return i;
}

/* Longest key compared; longer text is no typo of a key (the longest is 18 characters). */
#define SUGGEST_LEN_MAX 64

/* The Damerau-Levenshtein distance of a and b in its restricted form (optimal string
 * alignment): insertions, deletions, substitutions and swaps of two neighbours count one
 * each, and no part is edited twice. That is what typos are made of; the unrestricted form
 * differs only on edits of edits ("ca" to "abc"), which no suggestion needs. SIZE_MAX when
 * either is longer than SUGGEST_LEN_MAX. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > SUGGEST_LEN_MAX || lb > SUGGEST_LEN_MAX)
		return SIZE_MAX;
	size_t rows[3][SUGGEST_LEN_MAX + 1];
	size_t *back2 = rows[0], *back = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		back[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t d = back[j - 1] + cost;
			if (back[j] + 1 < d)
				d = back[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    back2[j - 2] + 1 < d)
				d = back2[j - 2] + 1;
			cur[j] = d;
		}
		size_t *spare = back2;
		back2 = back;
		back = cur;
		cur = spare;
	}
	return back[lb];
}

const char *conf__key_suggest(const char *typed, const char *const *known, size_t n)
{
	size_t best = n, best_distance = SIZE_MAX, typed_len = strlen(typed);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(known[i]);
		/* Two edits turn most short words into others: 'ca' into 'ns'. */
		size_t limit = typed_len <= 4 || len <= 4 ? 1 : 2;
		size_t d = edit_distance(typed, known[i]);
		if (d > 0 && d <= limit && d < best_distance) {
			best = i;
			best_distance = d;
		}
	}
	return best < n ? known[best] : NULL;
}

static int fail_unknown(struct build *b, const yaml_node_t *key, const char *section,
                        const char *const *known, size_t n, bool shown)
{
	const char *text = conf__node_text(key), *near = conf__key_suggest(text, known, n);
	char hint[SUGGEST_LEN_MAX + 24] = "";
	if (near)
		snprintf(hint, sizeof(hint), " (did you mean '%s'?)", near);
	if (!section)
		return conf__fail_at(b, key, "unknown top-level key '%s'%s", text, hint);
	char buf[CONF_SHOWN_MAX];
	if (shown)
		return conf__fail_at(b, key, "unknown key %s in %s%s",
		                     conf__shown(text, buf, sizeof(buf)), section, hint);
	return conf__fail_at(b, key, "unknown key '%s' in %s%s", text, section, hint);
}

int conf__fail_unknown(struct build *b, const yaml_node_t *key, const char *section,
                       const char *const *known, size_t n)
{
	return fail_unknown(b, key, section, known, n, false);
}

int conf__fail_unknown_shown(struct build *b, const yaml_node_t *key, const char *section,
                             const char *const *known, size_t n)
{
	return fail_unknown(b, key, section, known, n, true);
}

int conf__mapping_check(struct build *b, const yaml_node_t *node, const char *what)
{
	if (node->type != YAML_MAPPING_NODE)
		return conf__fail_type(b, node, what, "a mapping");
	const yaml_node_pair_t *start = node->data.mapping.pairs.start;
	const yaml_node_pair_t *top = node->data.mapping.pairs.top;
	/* Each key against the ones before it, through an index: a mapping may be long. */
	struct conf_index seen = {0};
	int rc = 0;
	for (const yaml_node_pair_t *p = start; rc == 0 && p < top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		if (key->type != YAML_SCALAR_NODE) {
			rc = conf__fail_at(b, key, "keys in '%s' must be strings (got %s)", what,
			                   node_kind(key));
			break;
		}
		size_t prev = conf__index_find(&seen, conf__node_text(key));
		char buf[CONF_SHOWN_MAX];
		if (prev != CONF_INDEX_NONE)
			rc = conf__fail_at(b, key, "duplicate key %s (first at line %zu)",
			                   conf__shown(conf__node_text(key), buf, sizeof(buf)),
			                   conf__node_line(conf__node_get(b, start[prev].key)));
		else if (top - start > 1)
			rc = conf__index_add(&seen, conf__node_text(key), (size_t)(p - start));
	}
	conf__index_free(&seen);
	return rc;
}

int conf__pairs_each(struct build *b, const yaml_node_t *node, conf_pair_fn fn, void *ctx)
{
	int rc = 0;
	for (const yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++)
		rc = fn(b, conf__node_get(b, p->key), conf__node_get(b, p->value), ctx);
	return rc;
}

int conf__mapping_each(struct build *b, const yaml_node_t *node, const char *what, conf_pair_fn fn,
                       void *ctx)
{
	int rc = conf__mapping_check(b, node, what);
	return rc ? rc : conf__pairs_each(b, node, fn, ctx);
}

int conf__list_each(struct build *b, const yaml_node_t *list, conf_item_fn fn, void *ctx)
{
	int rc = 0;
	for (const yaml_node_item_t *it = list->data.sequence.items.start;
	     rc == 0 && it < list->data.sequence.items.top; it++)
		rc = fn(b, conf__node_get(b, *it), ctx);
	return rc;
}

int conf__mapping_collect(struct build *b, const yaml_node_t *node,
                          const struct conf_keyset *keyset, const yaml_node_t **vals,
                          const yaml_node_t **keys)
{
	for (size_t k = 0; k < keyset->n; k++) {
		vals[k] = NULL;
		if (keys)
			keys[k] = NULL;
	}
	int rc = conf__mapping_check(b, node, keyset->what);
	for (const yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		size_t k = conf__key_find(conf__node_text(key), keyset->names, keyset->n);
		if (k == keyset->n)
			return fail_unknown(b, key, keyset->section, keyset->names, keyset->n,
			                    keyset->shown);
		vals[k] = conf__node_get(b, p->value);
		if (keys)
			keys[k] = key;
	}
	return rc;
}

int conf__uint_parse(struct build *b, const yaml_node_t *val, const char *what, unsigned min,
                     unsigned max, unsigned *out)
{
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : NULL;
	if (!text || text[0] == '\0')
		return conf__fail_type(b, val, what, "an integer");
	/* Once past max the value stops growing: out of range either way, and no overflow. */
	unsigned long long value = 0;
	for (const char *c = text; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return conf__fail_type(b, val, what, "an integer");
		if (value <= max)
			value = value * 10 + (unsigned)(*c - '0');
	}
	if (value < min || value > max)
		return conf__fail_at(b, val, "'%s' must be between %u and %u (got %s)", what, min,
		                     max, text);
	*out = (unsigned)value;
	return 0;
}

int conf__bool_parse(struct build *b, const yaml_node_t *val, const char *what, bool *out)
{
	static const char *const trues[] = {"true", "True", "TRUE"};
	static const char *const falses[] = {"false", "False", "FALSE"};
	for (size_t i = 0; val->type == YAML_SCALAR_NODE && i < CONF_NKEYS(trues); i++) {
		if (strcmp(conf__node_text(val), trues[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(conf__node_text(val), falses[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return conf__fail_type(b, val, what, "true or false");
}

int conf__choice_parse(struct build *b, const yaml_node_t *val, const char *what,
                       const char *const *names, size_t n, const char *want, int *out)
{
	for (size_t i = 0; val->type == YAML_SCALAR_NODE && i < n; i++) {
		if (strcmp(conf__node_text(val), names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return conf__fail_type(b, val, what, want);
}

int conf__uint_key_parse(struct build *b, const struct conf_uint_key *keys, size_t n, void *base,
                         const yaml_node_t *key, const yaml_node_t *val)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(conf__node_text(key), keys[i].name) == 0)
			return conf__uint_parse(b, val, keys[i].name, keys[i].min, keys[i].max,
			                        (unsigned *)((char *)base + keys[i].offset));
	return 1;
}

size_t conf__uint_key_names(const struct conf_uint_key *keys, size_t n, const char **known)
{
	for (size_t i = 0; i < n; i++)
		known[i] = keys[i].name;
	return n;
}

int conf__file_parse(struct build *b, const yaml_node_t *val, const char *what, char **out)
{
	if (val->type != YAML_SCALAR_NODE || conf__node_text(val)[0] == '\0' ||
	    conf__node_is_null(val))
		return conf__fail_type(b, val, what, "a file name");
	*out = conf__path_resolve(b->path, conf__node_text(val));
	return *out ? 0 : FDNS_ENOMEM;
}

char *conf__path_resolve(const char *conf_path, const char *file)
{
	const char *slash = strrchr(conf_path, '/');
	size_t dirlen = slash ? (size_t)(slash - conf_path) + 1 : 0;
	if (file[0] == '/')
		dirlen = 0;
	size_t filelen = strlen(file);
	char *path = malloc(dirlen + filelen + 1);
	if (!path)
		return NULL;
	memcpy(path, conf_path, dirlen);
	memcpy(path + dirlen, file, filelen + 1);
	return path;
}
