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
#include <stdint.h>
#include <sys/socket.h>

#define CONF_DEFAULT_LISTEN             "127.0.0.1:5353"
#define CONF_DEFAULT_ZONE               "fleet.internal"
#define CONF_DEFAULT_UDP_SIZE           1232
#define CONF_DEFAULT_TCP_IDLE_MS        10000
#define CONF_DEFAULT_TCP_MAX_CLIENTS    1024
#define CONF_DEFAULT_TCP_MAX_PER_CLIENT 32
#define CONF_DEFAULT_TCP_IO_MS          500 /* Knot's tcp-io-timeout */
#define CONF_DEFAULT_TCP_MAX_QUERIES    0   /* no limit, as Knot and NSD */
#define CONF_DEFAULT_RRL_RATE           200 /* NSD's rrl-ratelimit */
#define CONF_DEFAULT_RRL_SLIP           2
#define CONF_SITES_MAX                  32 /* each service RRset is prepared once per site */
#define CONF_DEFAULT_RRL_IPV4_PREFIX    24
#define CONF_DEFAULT_RRL_IPV6_PREFIX    56
#define CONF_DEFAULT_RRL_TABLE_SIZE     65536
#define CONF_DEFAULT_ENGINE_URL         "unix:///var/run/docker.sock"
#define CONF_DEFAULT_ENGINE_TIMEOUT_MS  3000
#define CONF_DEFAULT_ENGINE_GRACE_MS    5000 /* replicas kept while they answer (fleet.md) */
#define CONF_ENGINE_GRACE_MAX_MS        3600000
#define CONF_DEFAULT_PROBE_INTERVAL_MS  500 /* probes of replicas kept by a grace */
#define CONF_DEFAULT_PROBE_TIMEOUT_MS   500
#define CONF_PROBE_MIN_MS               100
#define CONF_PROBE_MAX_MS               60000
#define CONF_HOLD_DOWN_CHECKS_MAX       5 /* Docker and Podman keep five health results */
#define CONF_DEFAULT_FLEET_TTL          5
#define CONF_DEFAULT_RESYNC_MS          60000

/* An engine's settings before its keys are read: designated initialisers, so that the config
 * file, --engine and the built-in local engine start alike. */
#define CONF_ENGINE_DEFAULTS                                                                       \
	.timeout_ms = CONF_DEFAULT_ENGINE_TIMEOUT_MS, .grace_ms = CONF_DEFAULT_ENGINE_GRACE_MS,    \
	.probe_interval_ms = CONF_DEFAULT_PROBE_INTERVAL_MS,                                       \
	.probe_timeout_ms = CONF_DEFAULT_PROBE_TIMEOUT_MS

typedef struct conf_listen {
	struct sockaddr_storage addr; /* address and port, AF_INET or AF_INET6 */
	socklen_t addrlen;
	char *text; /* as the user wrote it, for messages */
} conf_listen_t;

/** A TSIG key (RFC 8945), from the top-level keys: list. */
typedef struct conf_key {
	char *name;      /* key name as written (compared as a domain name) */
	char *algorithm; /* "hmac-sha256", "hmac-sha512" or "hmac-sha1" */
	char *secret;    /* base64, as written */
} conf_key_t;

/** One allow-transfer entry: clients in addr/prefix, signing with key when key is set. */
typedef struct conf_acl {
	struct sockaddr_storage addr; /* network address, AF_INET or AF_INET6 */
	unsigned prefix;
	char *key;  /* name of a conf_key_t the request must be signed with, or NULL */
	char *text; /* the address as written, for messages */
} conf_acl_t;

/** One NOTIFY target of a zone. */
typedef struct conf_notify {
	struct sockaddr_storage addr; /* address and port (53 unless given) */
	socklen_t addrlen;
	char *key;  /* key to sign with, or NULL: the key of the first matching allow-transfer */
	char *text; /* as written, for messages */
} conf_notify_t;

/** A name server of a zone whose SOA and NS fleetdns makes (a zone's ns: list). */
typedef struct conf_zone_ns {
	char *name;       /* absolute, lower case, as ldns prints it ("ns1.example.com.") */
	char **addresses; /* glue A/AAAA, IPv4 and IPv6 in canonical text; only for a name
	                     at or below the zone's origin, and then at least one */
	size_t naddresses;
} conf_zone_ns_t;

/** The SOA and NS records of a zone without file (its soa: and ns: keys). Names are
 * absolute, lower case, as ldns prints them. The defaults are in docs/configuration.md. */
typedef struct conf_zone_gen {
	char *mname;        /* SOA MNAME; NULL: the first name server */
	char *rname;        /* SOA RNAME (a mailbox as a name); NULL: hostmaster.<zone> */
	unsigned refresh;   /* CONF_DEFAULT_SOA_REFRESH unless given */
	unsigned retry;     /* CONF_DEFAULT_SOA_RETRY */
	unsigned expire;    /* CONF_DEFAULT_SOA_EXPIRE */
	unsigned minimum;   /* CONF_DEFAULT_SOA_MINIMUM: the negative TTL (RFC 2308) */
	conf_zone_ns_t *ns; /* none: ns.<zone>, its address from the listen addresses */
	size_t nns;
} conf_zone_gen_t;

#define CONF_DEFAULT_SOA_REFRESH 60
#define CONF_DEFAULT_SOA_RETRY   10
#define CONF_DEFAULT_SOA_EXPIRE  3600
#define CONF_DEFAULT_SOA_MINIMUM 5

typedef struct conf_zone {
	char *name;            /* zone origin as written, without trailing dot normalisation */
	char *file;            /* master file path; NULL: SOA and NS are made by fleetdns */
	size_t file_line;      /* where file: is in the config file, 1-based; */
	size_t file_column;    /* 0: no file, or from --zone */
	conf_zone_gen_t gen;   /* how the SOA and NS are made when file is NULL */
	bool embedded;         /* the built-in default zone (file is NULL) */
	conf_notify_t *notify; /* secondaries told of every new serial (RFC 1996) */
	size_t nnotify;
	conf_acl_t *allow_transfer; /* who may AXFR/IXFR; none: nobody */
	size_t nallow_transfer;
	/* catalog: true (file is NULL, gen.nns is 0): the catalog zone (RFC 9432), whose records
	 * fleetdns makes from the other zones; one per configuration at most. */
	bool catalog;
	bool catalog_excluded; /* catalog-member: false: not listed in the catalog zone */
} conf_zone_t;

/** How a replica's address is chosen (see docs/fleet.md). */
enum conf_address_mode {
	CONF_ADDRESS_CONTAINER = 0, /* the container's IP on the engine's network */
	CONF_ADDRESS_HOST,          /* the engine's host-address, and published ports for SRV */
};

/** What a service answers when none of its replicas is healthy. */
enum conf_unhealthy_policy {
	CONF_UNHEALTHY_NODATA = 0, /* NOERROR, no records, SOA with the negative TTL */
	CONF_UNHEALTHY_ALL,        /* serve every running replica, healthy or not */
};

/** Which containers with a service label are published (docs/fleet.md, Traefik's
 * exposedByDefault). A container labelled fleetdns.expose=false is hidden in both. */
enum conf_expose_policy {
	CONF_EXPOSE_ALL = 0,  /* every container with a service label (the default) */
	CONF_EXPOSE_LABELLED, /* Compose/Swarm labels only with fleetdns.expose=true; a
	                       * fleetdns.service label always counts */
};

typedef struct conf_engine {
	char *name; /* unique; part of replica names and logs */
	char *url;  /* unix:///path, tcp://host:port, or https://host:port / tcp with tls */
	char *tls_ca, *tls_cert, *tls_key; /* all three, or none */
	enum conf_address_mode address;
	char *host_address;  /* IPv4 or IPv6 literal; required with address: host */
	char *network;       /* network whose IP is used (address: container); NULL: the first */
	unsigned timeout_ms; /* an engine silent for this long is withdrawn (default 3000) */
	/* Once the engine is down, its served replicas are kept this long at most, each only
	 * while its service port accepts TCP connections (docs/fleet.md); 0: withdrawn at once. */
	unsigned grace_ms;
	/* During the grace each kept replica is probed every probe_interval_ms, each connection
	 * given probe_timeout_ms (both CONF_PROBE_MIN_MS to CONF_PROBE_MAX_MS). */
	unsigned probe_interval_ms, probe_timeout_ms;
	/* Not from the file: set by the daemon when fleet.hold_down_checks is on, so that the
	 * engine also follows each health check's end (exec_die) to read the results again. */
	bool follow_checks;
	/* Where url and tls' ca, cert and key (in that order) are in the config file, 1-based,
	 * for messages about them; 0: not in the file (--engine, or the default engine). */
	size_t url_line, url_column;
	size_t tls_line[3], tls_column[3];
} conf_engine_t;

typedef struct conf_fleet {
	char *zone;   /* zone the service names go in; NULL: the first one not a catalog */
	unsigned ttl; /* TTL of service records (default 5) */
	unsigned
	    max_answers;     /* 0: all replicas (TC when they do not fit); else a rotating window */
	bool serve_starting; /* serve replicas whose health is "starting" (default false) */
	enum conf_unhealthy_policy unhealthy; /* a replica's fleetdns.unhealthy overrides it */
	enum conf_expose_policy expose;       /* default CONF_EXPOSE_ALL */
	bool compose_labels;  /* recognise com.docker.compose.service (default true) */
	bool swarm_labels;    /* recognise com.docker.swarm.service.name (default true) */
	unsigned resync_ms;   /* full re-listing of every engine (default 60000) */
	char **reverse_zones; /* served zones in which PTR records for replicas are made */
	size_t nreverse_zones;
	char *state_file; /* where the last SOA serials are kept across restarts, or NULL */
	size_t state_file_line, state_file_column; /* its place in the config file, 1-based */
	/* Hold-down: a replica that becomes servable again (or starts while its engine is
	 * watched) is served once it has stayed servable this long; 0: at once (default). */
	unsigned hold_down_ms;
	/* Hold-down by checks: such a replica with a health check is served once its last
	 * hold_down_checks results passed in a row (besides hold_down_ms); 0: off (default),
	 * at most CONF_HOLD_DOWN_CHECKS_MAX (the results an engine keeps). */
	unsigned hold_down_checks;
	/* Flap damping (RFC 2439's model, docs/fleet.md "Flap damping"): each time a replica
	 * stops being servable adds 1 to its penalty, which halves every half_life_ms; at
	 * suppress it is withheld until the penalty has decayed to reuse. half_life_ms 0: off
	 * (default); else 0 < reuse < suppress <= 1000. */
	struct {
		unsigned half_life_ms;
		double suppress, reuse;
	} damping;
} conf_fleet_t;

/** An address block: addr/prefix, no bits set past the prefix. */
typedef struct conf_prefix {
	struct sockaddr_storage addr; /* AF_INET or AF_INET6 */
	unsigned prefix;
} conf_prefix_t;

/** A site (sites:, docs/fleet.md "Nearest replicas"): clients in its prefixes, or whose
 * EDNS Client Subnet (RFC 7871) is in them, get its engines' replicas first. */
typedef struct conf_site {
	char *name;             /* unique */
	conf_prefix_t *clients; /* client prefixes, the longest match decides */
	size_t nclients;
	char **engines; /* names of configured engines, each in one site at most */
	size_t nengines;
	unsigned local_only; /* with at least this many of a service's replicas served in
	                      * the site, its clients get only those; 0: the others follow */
} conf_site_t;

/** Response rate limiting (server: rate-limit:), per worker, UDP only. */
typedef struct conf_rrl {
	unsigned rate;  /* responses per second per client prefix, class and name; 0: off */
	unsigned burst; /* responses allowed at once above the rate (default: rate) */
	unsigned slip;  /* every slip-th limited response goes out truncated; 0: none */
	unsigned ipv4_prefix, ipv6_prefix; /* client addresses counted together */
	unsigned table_size;               /* buckets per worker */
	conf_prefix_t *exempt;             /* clients never limited (default: loopback) */
	size_t nexempt;
	bool exempt_set; /* exempt: was given (even empty): no default */
} conf_rrl_t;

/** Where log lines go (log: target:). */
enum conf_log_target {
	CONF_LOG_STDERR = 0, /* standard error (default) */
	CONF_LOG_SYSLOG,     /* syslog(3), facility daemon */
	CONF_LOG_JOURNAL,    /* the systemd journal, with structured fields */
};

/** How each log line is written (log: format:). */
enum conf_log_format {
	CONF_LOG_TEXT = 0, /* "LEVEL: message" (default) */
	CONF_LOG_JSON,     /* one JSON object per line: time, level, message */
};

/** The process: who it runs as and what it says about itself (server: keys, process.c). */
typedef struct conf_process {
	char *user;    /* server: user: drop to this user after binding; NULL: stay */
	char *group;   /* server: group: NULL: the user's primary group */
	char *pidfile; /* server: pidfile: written after start, removed at exit; NULL: none */
	/* CHAOS TXT id.server / hostname.bind and NSID (RFC 5001). identity NULL: the host
	 * name; "": not answered. version NULL: "fleetdns VERSION"; "": not answered. */
	char *identity;
	char *version;
	uint8_t *nsid; /* NSID option payload; NULL: no NSID (default) */
	size_t nsid_len;
	enum conf_log_target log_target;
	enum conf_log_format log_format;
} conf_process_t;

typedef struct conf {
	char *path; /* config file this came from, or NULL */
	conf_listen_t *listen;
	size_t nlisten;
	unsigned workers;            /* 0: one per CPU */
	unsigned udp_size;           /* largest UDP response sent (512..4096) */
	unsigned tcp_idle_ms;        /* close idle TCP connections after this */
	unsigned tcp_max_clients;    /* open TCP connections per worker */
	unsigned tcp_max_per_client; /* open TCP connections per client address per worker */
	unsigned tcp_io_ms;          /* a whole message must arrive within this of its first byte */
	unsigned tcp_max_queries;    /* queries per connection, then it closes; 0: no limit */
	conf_rrl_t rrl;
	conf_zone_t *zones;
	size_t nzones;
	int log_level; /* 0 error .. 3 debug; default 2 */
	conf_engine_t *engines;
	size_t nengines;
	bool engines_default; /* no engine configured: the local socket, if it exists */
	conf_fleet_t fleet;
	conf_site_t *sites; /* sites:, in the file's order (at most CONF_SITES_MAX) */
	size_t nsites;
	conf_key_t *keys; /* TSIG keys, names unique */
	size_t nkeys;
	conf_listen_t *http_listen; /* http: listen: status and metrics; none: off */
	size_t nhttp_listen;
	char *control_socket; /* http: control-socket: fleetdnsctl's unix socket, or NULL */
	conf_process_t process;
} conf_t;

/** What the command line said; the config file is read again on every reload. */
typedef struct conf_cmdline {
	char *conf_path; /* -c FILE, or NULL */
	char **listen;   /* --listen values, in order */
	size_t nlisten;
	char **zones; /* --zone ORIGIN[=FILE] values, in order */
	size_t nzones;
	char **engines; /* --engine NAME=URL values, in order */
	size_t nengines;
	bool check_only; /* --check-config */
	int verbosity;   /* -v count minus -q count */
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

/** The index in conf->sites of the site that lists engine, or -1. */
int conf_site_of_engine(const conf_t *conf, const char *engine);

/** Parse "1.2.3.4:53", "[::1]:53" into a socket address. Returns 0 or FDNS_EADDR. */
int conf_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len);

#endif
