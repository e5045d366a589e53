/* SPDX-License-Identifier: MIT */
/* conf.h -- the server configuration: built from defaults, a YAML file and the command line.
 *
 * Ownership: a conf_t owns every string and array it points to; conf_free() releases them.
 * A conf_t is built whole or not at all: on error the output is left empty (conf_free-able).
 */
#ifndef FLEETDNS_CONF_H
#define FLEETDNS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define CONF_DEFAULT_LISTEN "127.0.0.1:5353"
#define CONF_DEFAULT_ZONE "fleet.internal"
#define CONF_DEFAULT_UDP_SIZE 1232
#define CONF_DEFAULT_TCP_IDLE_MS 10000
#define CONF_DEFAULT_TCP_MAX_CLIENTS 1024
#define CONF_DEFAULT_TCP_MAX_PER_CLIENT 32

typedef struct conf_listen {
	struct sockaddr_storage addr; /* address and port, AF_INET or AF_INET6 */
	socklen_t addrlen;
	char *text; /* as the user wrote it, for messages */
} conf_listen_t;

typedef struct conf_zone {
	char *name; /* zone origin as written, without trailing dot normalisation */
	char *file; /* master file path; NULL: SOA and NS are made by fleetdns */
	bool embedded; /* the built-in default zone (file is NULL) */
} conf_zone_t;

typedef struct conf {
	char *path; /* config file this came from, or NULL */
	conf_listen_t *listen;
	size_t nlisten;
	unsigned workers; /* 0: one per CPU */
	unsigned udp_size; /* largest UDP response sent (512..4096) */
	unsigned tcp_idle_ms; /* close idle TCP connections after this */
	unsigned tcp_max_clients; /* open TCP connections per worker */
	unsigned tcp_max_per_client; /* open TCP connections per client address per worker */
	conf_zone_t *zones;
	size_t nzones;
	int log_level; /* 0 error .. 3 debug; default 2 */
} conf_t;

/** What the command line said; the config file is read again on every reload. */
typedef struct conf_cmdline {
	char *conf_path; /* -c FILE, or NULL */
	char **listen; /* --listen values, in order */
	size_t nlisten;
	char **zones; /* --zone ORIGIN[=FILE] values, in order */
	size_t nzones;
	bool check_only; /* --check-config */
	int verbosity; /* -v count minus -q count */
} conf_cmdline_t;

/**
 * Parse argv into *cl. Prints usage/version itself for --help/--version.
 * Returns 0, 1 when the program should exit successfully (help/version),
 * or FDNS_EINVAL with a message in err.
 */
int conf_cmdline_parse(conf_cmdline_t *cl, int argc, char **argv, char *err, size_t errlen);
void conf_cmdline_free(conf_cmdline_t *cl);

/**
 * Build the effective configuration: defaults, then the file (if any), then the command
 * line (--listen replaces the file's list, --zone adds zones). With neither zones nor a
 * config file, the embedded default zone is served; with no listen address,
 * CONF_DEFAULT_LISTEN. On error returns FDNS_EPARSE/FDNS_EINVAL/FDNS_EIO and writes
 * "file:line:column: message" into err.
 */
int conf_build(conf_t *out, const conf_cmdline_t *cl, char *err, size_t errlen);
void conf_free(conf_t *conf);

/** Parse "1.2.3.4:53", "[::1]:53" into a socket address. Returns 0 or FDNS_EADDR. */
int conf_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len);

#endif
