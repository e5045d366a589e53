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

static int listen_add(struct build *b, const yaml_node_t *item)
{
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
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = conf__node_get(b, *it);
		if (item->type != YAML_SCALAR_NODE)
			return conf__fail_type(b, item, "listen", "a list of addresses");
		int rc = listen_add(b, item);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int control_socket_parse(struct build *b, const yaml_node_t *val)
{
	int rc = conf__file_parse(b, val, "control-socket", &b->conf.control_socket);
	if (rc == 0 &&
	    strlen(b->conf.control_socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return conf__fail_at(b, val, "control-socket path too long (at most %zu bytes)",
		                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return rc;
}

enum { H_LISTEN, H_CONTROL_SOCKET };
static const char *const http_keys[] = {"listen", "control-socket"};

int conf__http_parse(struct build *b, const yaml_node_t *node)
{
	if (conf__node_is_null(node))
		return 0;
	int rc = conf__mapping_check(b, node, "http");
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     rc == 0 && p < node->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = conf__node_get(b, p->key);
		switch (conf__key_find(conf__node_text(key), http_keys, CONF_NKEYS(http_keys))) {
		case H_LISTEN:
			rc = parse_listen(b, conf__node_get(b, p->value));
			break;
		case H_CONTROL_SOCKET:
			rc = control_socket_parse(b, conf__node_get(b, p->value));
			break;
		default:
			rc = conf__fail_unknown(b, key, "'http'", http_keys, CONF_NKEYS(http_keys));
		}
	}
	return rc;
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
