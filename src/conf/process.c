/* SPDX-License-Identifier: MIT */
/* process.c -- the keys of server: that concern the process rather than DNS (user, group,
 * pidfile; identity, version, nsid) and the top-level log: section. docs/configuration.md
 * describes each. */
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

/* One TXT character-string (RFC 1035 3.3): 255 octets. */
#define CHAOS_TEXT_MAX 255
/* NSID payload: an identifier, not a message; kept small so every answer that carries it
 * stays well inside a 1232-byte UDP response. */
#define NSID_MAX 128

/* A scalar copied as written; empty is allowed when allow_empty (it means "off"). */
static int text_parse(struct build *b, const yaml_node_t *val, const char *what, size_t max,
                      bool allow_empty, char **out)
{
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : NULL;
	if (!text || (!allow_empty && (conf__node_is_null(val) || text[0] == '\0')))
		return conf__fail_type(b, val, what,
		                       allow_empty ? "a text (empty: off)" : "a name");
	if (strlen(text) > max)
		return conf__fail_at(b, val, "'%s' is longer than %zu characters", what, max);
	free(*out);
	*out = strdup(text);
	return *out ? 0 : FDNS_ENOMEM;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of nsid: 0xHEX (digits: the text after 0x), into p->nsid. */
static int nsid_hex_parse(struct build *b, const yaml_node_t *val, const char *digits,
                          conf_process_t *p)
{
	size_t len = strlen(digits);
	if (len % 2 != 0)
		return conf__fail_at(b, val, "'nsid' in hex needs an even number of digits");
	if (len / 2 > NSID_MAX)
		return conf__fail_at(b, val, "'nsid' is longer than %d bytes", NSID_MAX);
	p->nsid = malloc(len / 2);
	if (!p->nsid)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_digit(digits[2 * i]), lo = hex_digit(digits[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return conf__fail_at(b, val, "'nsid': '%c' is not a hex digit",
			                     hi < 0 ? digits[2 * i] : digits[2 * i + 1]);
		p->nsid[i] = (uint8_t)(hi << 4 | lo);
	}
	p->nsid_len = len / 2;
	return 0;
}

/* nsid: TEXT, or 0xHEX for arbitrary bytes (as Knot's server.nsid). */
static int nsid_parse(struct build *b, const yaml_node_t *val)
{
	conf_process_t *p = &b->conf.process;
	const char *text = val->type == YAML_SCALAR_NODE ? conf__node_text(val) : NULL;
	if (!text || conf__node_is_null(val))
		return conf__fail_type(b, val, "nsid", "a text or 0x followed by hex digits");
	size_t len = strlen(text);
	free(p->nsid);
	p->nsid = NULL;
	p->nsid_len = 0;
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		return nsid_hex_parse(b, val, text + 2, p);
	if (len > NSID_MAX)
		return conf__fail_at(b, val, "'nsid' is longer than %d bytes", NSID_MAX);
	p->nsid = malloc(len);
	if (!p->nsid)
		return FDNS_ENOMEM;
	memcpy(p->nsid, text, len);
	p->nsid_len = len;
	return 0;
}

enum { P_USER, P_GROUP, P_PIDFILE, P_IDENTITY, P_VERSION, P_NSID };
const char *const conf__process_keys[CONF_PROCESS_NKEYS] = {
    "user", "group", "pidfile", "identity", "version", "nsid",
};

int conf__process_key_parse(struct build *b, const yaml_node_t *key, const yaml_node_t *val)
{
	conf_process_t *p = &b->conf.process;
	switch (conf__key_find(conf__node_text(key), conf__process_keys, CONF_PROCESS_NKEYS)) {
	case P_USER:
		return text_parse(b, val, "user", 255, false, &p->user);
	case P_GROUP:
		return text_parse(b, val, "group", 255, false, &p->group);
	case P_PIDFILE:
		free(p->pidfile);
		p->pidfile = NULL;
		return conf__file_parse(b, val, "pidfile", &p->pidfile);
	case P_IDENTITY:
		return text_parse(b, val, "identity", CHAOS_TEXT_MAX, true, &p->identity);
	case P_VERSION:
		return text_parse(b, val, "version", CHAOS_TEXT_MAX, true, &p->version);
	case P_NSID:
		return nsid_parse(b, val);
	default:
		return 1;
	}
}

enum { L_TARGET, L_FORMAT, L_LEVEL };
static const char *const log_keys[] = {"target", "format", "level"};

static int parse_log_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val, void *ctx)
{
	/* Indexed by enum conf_log_target and enum conf_log_format. */
	static const char *const targets[] = {"stderr", "syslog", "journal"};
	static const char *const formats[] = {"text", "json"};
	conf_process_t *p = ctx;
	int v, rc;
	switch (conf__key_find(conf__node_text(key), log_keys, CONF_NKEYS(log_keys))) {
	case L_TARGET:
		rc = conf__choice_parse(b, val, "target", targets, CONF_NKEYS(targets),
		                        "stderr, syslog or journal", &v);
		if (rc == 0)
			p->log_target = (enum conf_log_target)v;
		return rc;
	case L_FORMAT:
		rc = conf__choice_parse(b, val, "format", formats, CONF_NKEYS(formats),
		                        "text or json", &v);
		if (rc == 0)
			p->log_format = (enum conf_log_format)v;
		return rc;
	case L_LEVEL:
		return conf__log_level_parse(b, val);
	default:
		return conf__fail_unknown(b, key, "'log'", log_keys, CONF_NKEYS(log_keys));
	}
}

int conf__log_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	return conf__mapping_each(b, node, "log", parse_log_key, &b->conf.process);
}

void conf__process_free(conf_process_t *p)
{
	free(p->user);
	free(p->group);
	free(p->pidfile);
	free(p->identity);
	free(p->version);
	free(p->nsid);
	memset(p, 0, sizeof(*p));
}
