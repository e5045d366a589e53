/* SPDX-License-Identifier: MIT */
/* http.c -- the http: section: where the status and metrics listener answers (off unless
 * given; docs/configuration.md). */
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conf/conf_internal.h"
#include "fleetdns/error.h"

/* A handful is plenty (loopback, a management address or two); a bound keeps the check for
 * duplicates trivially linear. */
#define HTTP_LISTEN_MAX 16

static int listen_add(struct build *b, const yaml_node_t *item, void *ctx)
{
	(void)ctx;
	if (item->type != YAML_SCALAR_NODE)
		return conf__fail_type(b, item, "listen", "a list of addresses");
	conf_t *conf = &b->conf;
	const char *text = conf__node_text(item);
	conf_listen_t l = {0};
	if (conf_addr_parse(text, &l.addr, &l.addrlen) != 0)
		return conf__fail_at(b, item,
		                     "invalid http listen address '%s' (" CONF_ADDR_HINT ")", text);
	for (size_t i = 0; i < conf->nhttp_listen; i++)
		if (conf->http_listen[i].addrlen == l.addrlen &&
		    memcmp(&conf->http_listen[i].addr, &l.addr, l.addrlen) == 0)
			return conf__fail_at(b, item, "duplicate http listen address '%s'", text);
	if (conf->nhttp_listen == HTTP_LISTEN_MAX)
		return conf__fail_at(b, item, "at most %d http listen addresses", HTTP_LISTEN_MAX);
	conf_listen_t *grown =
	    realloc(conf->http_listen, (conf->nhttp_listen + 1) * sizeof(*grown));
	if (!grown)
		return FDNS_ENOMEM;
	conf->http_listen = grown;
	if (!(l.text = strdup(text)))
		return FDNS_ENOMEM;
	conf->http_listen[conf->nhttp_listen++] = l;
	return 0;
}

static int parse_listen(struct build *b, const yaml_node_t *val)
{
	if (val->type != YAML_SEQUENCE_NODE)
		return conf__fail_type(b, val, "listen", "a list of addresses");
	return conf__list_each(b, val, listen_add, NULL);
}

static int control_socket_parse(struct build *b, const yaml_node_t *val)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	int rc = conf__file_parse(b, val, "control-socket", &b->conf.control_socket);
	if (rc == 0 && strlen(b->conf.control_socket) > max)
		return conf__fail_at(b, val, "control-socket path too long (at most %zu bytes)",
		                     max);
	return rc;
}

enum { H_LISTEN, H_CONTROL_SOCKET };
static const char *const http_keys[] = {"listen", "control-socket"};

static int parse_http_key(struct build *b, const yaml_node_t *key, const yaml_node_t *val,
                          void *ctx)
{
	(void)ctx;
	switch (conf__key_find(conf__node_text(key), http_keys, CONF_NKEYS(http_keys))) {
	case H_LISTEN:
		return parse_listen(b, val);
	case H_CONTROL_SOCKET:
		return control_socket_parse(b, val);
	default:
		return conf__fail_unknown(b, key, "'http'", http_keys, CONF_NKEYS(http_keys));
	}
}

int conf__http_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	return conf__mapping_each(b, node, "http", parse_http_key, NULL);
}

void conf__http_free(conf_t *conf)
{
	for (size_t i = 0; i < conf->nhttp_listen; i++)
		free(conf->http_listen[i].text);
	free(conf->http_listen);
	conf->http_listen = NULL;
	conf->nhttp_listen = 0;
	free(conf->control_socket);
	conf->control_socket = NULL;
}
