/* SPDX-License-Identifier: MIT */
/* server.c -- the server: section (listen addresses, workers, limits, log level; rate-limit:
 * is in rrl.c) and the parser of IPv4:PORT / [IPv6]:PORT socket addresses. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

#define CONF_MAX_WORKERS 1024

int conf__port_parse(const char *text, in_port_t *port)
{
	unsigned long value = 0;
	size_t i;
	for (i = 0; text[i] >= '0' && text[i] <= '9' && i < 5; i++)
		value = value * 10 + (unsigned long)(text[i] - '0');
	if (i == 0 || text[i] != '\0' || value < 1 || value > 65535)
		return FDNS_EADDR;
	*port = htons((uint16_t)value);
	return 0;
}

/* "fe80::1%eth0" or "fe80::1%2": the address part stays in host, the scope is returned. */
static int parse_scope(char *host, uint32_t *scope)
{
	char *sep = strchr(host, '%');
	*scope = 0;
	if (!sep)
		return 0;
	*sep++ = '\0';
	*scope = if_nametoindex(sep);
	if (*scope == 0 && sep[0] >= '0' && sep[0] <= '9') {
		char *end;
		unsigned long number = strtoul(sep, &end, 10);
		if (*end == '\0' && number <= UINT32_MAX)
			*scope = (uint32_t)number;
	}
	return *scope == 0 ? FDNS_EADDR : 0;
}

/* Splits text into its host, copied to host (len bytes), and its port. *bracketed: the host
 * was written in brackets (IPv6). Returns the port's text, or NULL when there is none. */
static const char *addr_split(const char *text, char *host, size_t len, bool *bracketed)
{
	const char *port;
	size_t hostlen;
	*bracketed = text[0] == '[';
	if (*bracketed) {
		const char *end = strchr(text, ']');
		if (!end || end[1] != ':')
			return NULL;
		text++;
		hostlen = (size_t)(end - text);
		port = end + 2;
	} else {
		port = strrchr(text, ':');
		if (!port)
			return NULL;
		hostlen = (size_t)(port - text);
		port++;
	}
	if (hostlen == 0 || hostlen >= len)
		return NULL;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	return port;
}

int conf_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	*len = 0;
	if (!text)
		return FDNS_EADDR;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	bool bracketed;
	const char *port = addr_split(text, host, sizeof(host), &bracketed);
	if (!port)
		return FDNS_EADDR;
	if (bracketed) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (parse_scope(host, &sin6->sin6_scope_id) != 0 ||
		    inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1 ||
		    conf__port_parse(port, &sin6->sin6_port) != 0)
			goto fail;
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1 ||
		    conf__port_parse(port, &sin->sin_port) != 0)
			goto fail;
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
	}
	return 0;
fail:
	memset(ss, 0, sizeof(*ss));
	return FDNS_EADDR;
}

/* The address's bytes, port and scope as text: one key per socket address, for the index
 * that finds a listen address given twice. */
static char *listen_key(const struct sockaddr_storage *ss, socklen_t len)
{
	const uint8_t *p = (const uint8_t *)ss;
	char *key = malloc(2 * (size_t)len + 1);
	for (socklen_t i = 0; key && i < len; i++)
		snprintf(key + 2 * i, 3, "%02x", p[i]);
	return key;
}

int conf__listen_add(struct build *b, const char *text)
{
	conf_t *conf = &b->conf;
	conf_listen_t item = {0};
	if (conf_addr_parse(text, &item.addr, &item.addrlen) != 0)
		return FDNS_EADDR;
	char *key = listen_key(&item.addr, item.addrlen);
	if (!key)
		return FDNS_ENOMEM;
	if (conf__index_find(&b->listen_index, key) != CONF_INDEX_NONE) {
		free(key);
		return FDNS_EEXIST;
	}
	conf_listen_t *grown = realloc(conf->listen, (conf->nlisten + 1) * sizeof(*grown));
	char **keys = realloc(b->listen_keys, (conf->nlisten + 1) * sizeof(*keys));
	if (grown)
		conf->listen = grown;
	if (keys)
		b->listen_keys = keys;
	item.text = strdup(text);
	if (!grown || !keys || !item.text ||
	    conf__index_add(&b->listen_index, key, conf->nlisten) != 0) {
		free(item.text);
		free(key);
		return FDNS_ENOMEM;
	}
	b->listen_keys[conf->nlisten] = key;
	conf->listen[conf->nlisten++] = item;
	return 0;
}

void conf__listen_clear(struct build *b)
{
	for (size_t i = 0; i < b->conf.nlisten; i++) {
		free(b->conf.listen[i].text);
		if (b->listen_keys)
			free(b->listen_keys[i]);
	}
	free(b->conf.listen);
	free(b->listen_keys);
	conf__index_free(&b->listen_index);
	b->conf.listen = NULL;
	b->listen_keys = NULL;
	b->conf.nlisten = 0;
}

int conf__log_level_parse(struct build *b, const yaml_node_t *val)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	return conf__choice_parse(b, val, "log-level", names, CONF_NKEYS(names),
	                          "error, warning, info or debug", &b->conf.log_level);
}

static int listen_item_parse(struct build *b, const yaml_node_t *item, void *ctx)
{
	(void)ctx;
	if (item->type != YAML_SCALAR_NODE)
		return conf__fail_type(b, item, "listen", "a list of addresses");
	const char *text = conf__node_text(item);
	int rc = conf__listen_add(b, text);
	if (rc == FDNS_EADDR)
		return conf__fail_at(b, item, "invalid listen address '%s' (" CONF_ADDR_HINT ")",
		                     text);
	if (rc == FDNS_EEXIST)
		return conf__fail_at(b, item, "duplicate listen address '%s'", text);
	return rc;
}

static int parse_listen(struct build *b, const yaml_node_t *val)
{
	if (conf__node_is_null(val))
		return 0;
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, val, "listen", "a list of addresses");
	return conf__list_each(b, val, listen_item_parse, NULL);
}

static const struct conf_uint_key uint_keys[] = {
    {"workers", offsetof(conf_t, workers), 0, CONF_MAX_WORKERS},
    {"udp-size", offsetof(conf_t, udp_size), 512, 4096},
    {"tcp-idle-timeout", offsetof(conf_t, tcp_idle_ms), 100, 3600000},
    {"tcp-max-clients", offsetof(conf_t, tcp_max_clients), 1, 65535},
    {"tcp-max-per-client", offsetof(conf_t, tcp_max_per_client), 1, 65535},
    {"tcp-io-timeout", offsetof(conf_t, tcp_io_ms), 10, 60000},
    {"tcp-max-queries", offsetof(conf_t, tcp_max_queries), 0, 100000000},
};

/* The keys that are not integers (uint_keys) or the process's (conf__process_keys). */
enum { S_LISTEN, S_LOG_LEVEL, S_RATE_LIMIT };
static const char *const server_keys[] = {"listen", "log-level", "rate-limit"};

static int fail_unknown_server_key(struct build *b, const yaml_node_t *key)
{
	const char *known[CONF_NKEYS(server_keys) + CONF_PROCESS_NKEYS + CONF_NKEYS(uint_keys)];
	size_t n = 0;
	for (size_t i = 0; i < CONF_NKEYS(server_keys); i++)
		known[n++] = server_keys[i];
	n += conf__uint_key_names(uint_keys, CONF_NKEYS(uint_keys), known + n);
	for (size_t i = 0; i < CONF_PROCESS_NKEYS; i++)
		known[n++] = conf__process_keys[i];
	return conf__fail_unknown(b, key, "'server'", known, n);
}

static int parse_server_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val,
                            void *ctx)
{
	(void)ctx;
	switch (conf__key_find(conf__node_text(key), server_keys, CONF_NKEYS(server_keys))) {
	case S_LISTEN:
		return parse_listen(b, val);
	case S_LOG_LEVEL:
		return conf__log_level_parse(b, val);
	case S_RATE_LIMIT:
		return conf__rrl_parse(b, val);
	default:
		break;
	}
	int rc = conf__process_key_parse(b, key, val);
	if (rc == 1)
		rc = conf__uint_key_parse(b, uint_keys, CONF_NKEYS(uint_keys), &b->conf, key, val);
	return rc != 1 ? rc : fail_unknown_server_key(b, key);
}

int conf__server_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	return conf__mapping_each(b, node, "server", parse_server_key, NULL);
}
