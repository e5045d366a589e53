/* SPDX-License-Identifier: MIT */
/* load.c -- reads the configuration and the zones it names, and compiles them.
 *
 * The catalog zone (RFC 9432, src/zone/catalog.h) is made here from the configuration: it
 * lists every other zone of the load but those with catalog-member: false. Its serial is
 * the time of the load, and at least one more than the last catalog serial this process
 * made (several loads may fall in one second); a load that changes nothing is not
 * published (daemon_zones_same: its digest leaves the serial out), so the serial moves
 * only when the catalog's records, or another zone, changed. */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium/crypto_generichash.h>

#include "daemon/load.h"
#include "fleetdns/error.h"
#include "util/log.h"
#include "wire/bytes.h"
#include "xfr/xfr.h"
#include "zone/catalog.h"

enum listen_kind { LISTEN_HOST, LISTEN_LOOPBACK, LISTEN_WILDCARD, LISTEN_LINK_LOCAL };

static enum listen_kind listen_kind(const struct sockaddr_storage *ss, char *text, size_t len)
{
	if (ss->ss_family == AF_INET) {
		const struct in_addr *a = &((const struct sockaddr_in *)ss)->sin_addr;
		const uint8_t *b = (const uint8_t *)&a->s_addr;
		inet_ntop(AF_INET, a, text, (socklen_t)len);
		if (a->s_addr == htonl(INADDR_ANY))
			return LISTEN_WILDCARD;
		if (b[0] == 127)
			return LISTEN_LOOPBACK;
		return b[0] == 169 && b[1] == 254 ? LISTEN_LINK_LOCAL : LISTEN_HOST;
	}
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	inet_ntop(AF_INET6, a, text, (socklen_t)len);
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return LISTEN_WILDCARD;
	if (IN6_IS_ADDR_LOOPBACK(a))
		return LISTEN_LOOPBACK;
	return IN6_IS_ADDR_LINKLOCAL(a) ? LISTEN_LINK_LOCAL : LISTEN_HOST;
}

/* The addresses of the default name server of a generated zone, ns.<zone>: those clients
 * reach this server at, as far as the listen addresses tell (docs/configuration.md, zones).
 * The host addresses (not wildcard, loopback or link-local) it listens on; with none, the
 * loopback addresses when it listens on nothing else (then only this host can ask it, at
 * those); otherwise none, which is logged. Sorted, each once; the same for every zone of
 * a load. */
typedef struct default_ns {
	char (*text)[INET6_ADDRSTRLEN]; /* one per listen address */
	char **addrs;                   /* the chosen ones, pointing into text */
	size_t naddrs;
} default_ns_t;

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int default_ns_init(default_ns_t *d, const conf_t *c)
{
	d->naddrs = 0;
	d->text = calloc(c->nlisten + 1, sizeof(*d->text));
	d->addrs = calloc(c->nlisten + 1, sizeof(*d->addrs));
	if (!d->text || !d->addrs)
		return FDNS_ENOMEM;
	for (int pass = LISTEN_HOST; pass <= LISTEN_LOOPBACK && d->naddrs == 0; pass++) {
		bool only = true; /* every address is of this pass's kind */
		for (size_t i = 0; i < c->nlisten; i++) {
			enum listen_kind kind =
			    listen_kind(&c->listen[i].addr, d->text[i], sizeof(d->text[i]));
			only = only && kind == (enum listen_kind)pass;
			if (kind == (enum listen_kind)pass)
				d->addrs[d->naddrs++] = d->text[i];
		}
		if (pass == LISTEN_LOOPBACK && !only)
			d->naddrs = 0;
	}
	qsort(d->addrs, d->naddrs, sizeof(*d->addrs), cmp_text);
	size_t n = 0; /* the same address on two ports is one record */
	for (size_t i = 0; i < d->naddrs; i++)
		if (n == 0 || strcmp(d->addrs[n - 1], d->addrs[i]) != 0)
			d->addrs[n++] = d->addrs[i];
	d->naddrs = n;
	return FDNS_OK;
}

static void default_ns_free(default_ns_t *d)
{
	free(d->text);
	free(d->addrs);
}

static int load_generated(zone_data_t **z, const default_ns_t *d, const conf_zone_t *cz, char *err,
                          size_t errlen)
{
	conf_zone_gen_t gen = cz->gen;
	/* name NULL: ns.<zone> */
	conf_zone_ns_t ns = {.name = NULL, .addresses = d->addrs, .naddresses = d->naddrs};
	size_t len = strlen(cz->name);
	if (gen.nns == 0) {
		gen.ns = &ns;
		gen.nns = 1;
		/* Not a warning: a zone that resolvers reach through a stub or forward zone (the
		 * usual way, and the container image's wildcard listen) works without it. */
		if (d->naddrs == 0)
			log_info(
			    "zone %s: its name server ns.%.*s has no address record: fleetdns "
			    "listens on no host address (only wildcard or link-local ones), so "
			    "it cannot tell which address clients reach it at; before delegating "
			    "the zone, list its name servers under 'ns'",
			    cz->name, (int)(len && cz->name[len - 1] == '.' ? len - 1 : len),
			    cz->name);
	}
	return zone_make_generated(z, cz->name, &gen, (uint32_t)time(NULL), err, errlen);
}

/* The last catalog serial made, so that the next is above it even in the same second.
 * Loads run one at a time (at start, then one reload after the other: main.c), so it needs
 * no lock; it is not kept across restarts, where the time has moved on. */
static uint32_t catalog_serial_last;

static uint32_t catalog_serial_next(void)
{
	uint32_t now = (uint32_t)time(NULL), s = catalog_serial_last + 1;
	if (catalog_serial_last == 0 || (int32_t)(now - s) > 0)
		s = now;
	catalog_serial_last = s;
	return s;
}

/* Whether zones a and b (as configured) are the same zone. */
static bool zone_names_same(const char *a, const char *b)
{
	ldns_rdf *x = NULL, *y = NULL;
	bool same = ldns_str2rdf_dname(&x, a) == LDNS_STATUS_OK &&
	            ldns_str2rdf_dname(&y, b) == LDNS_STATUS_OK && ldns_dname_compare(x, y) == 0;
	ldns_rdf_deep_free(x);
	ldns_rdf_deep_free(y);
	return same;
}

/* The catalog zone cz of c: every other zone of c but those with catalog-member: false.
 * Members nobody may transfer are served and listed, with a warning: the consumers that
 * learn them from the catalog need allow-transfer to fetch them (docs/integration.md). */
static int load_catalog(zone_data_t **z, const conf_t *c, const conf_zone_t *cz, char *err,
                        size_t errlen)
{
	const char **members = calloc(c->nzones ? c->nzones : 1, sizeof(*members));
	size_t n = 0, closed = 0;
	const char *first_closed = NULL;
	if (!members) {
		snprintf(err, errlen, "zone %s: out of memory", cz->name);
		return FDNS_ENOMEM;
	}
	for (size_t i = 0; i < c->nzones; i++) {
		const conf_zone_t *m = &c->zones[i];
		if (m == cz || m->catalog || m->catalog_excluded)
			continue;
		members[n++] = m->name;
		if (m->nallow_transfer == 0 && closed++ == 0)
			first_closed = m->name;
	}
	if (cz->nallow_transfer == 0)
		log_warning("catalog zone %s: no allow-transfer: no secondary can transfer it",
		            cz->name);
	if (closed > 0)
		log_warning("catalog zone %s: %zu of its %zu member zones %s no allow-transfer "
		            "(%s%s): secondaries that learn %s from the catalog cannot transfer %s",
		            cz->name, closed, n, closed > 1 ? "have" : "has", first_closed,
		            closed > 1 ? ", ..." : "", closed > 1 ? "them" : "it",
		            closed > 1 ? "them" : "it");
	int ret = zone_make_catalog(z, cz->name, &cz->gen, members, n, catalog_serial_next(), err,
	                            errlen);
	free(members);
	return ret;
}

static int load_one(zone_data_t **z, const conf_t *c, const default_ns_t *d, const conf_zone_t *cz,
                    char *err, size_t errlen)
{
	if (cz->catalog)
		return load_catalog(z, c, cz, err, errlen);
	if (cz->embedded)
		return zone_load_text(z, cz->name, zone_default_text,
		                      "(built-in " CONF_DEFAULT_ZONE " zone)", err, errlen);
	if (!cz->file)
		return load_generated(z, d, cz, err, errlen);
	int ret = zone_load_file(z, cz->name, cz->file, err, errlen);
	if (ret == FDNS_EIO) { /* the file itself: say which zone of the config names it */
		char why[512];
		snprintf(why, sizeof(why), "%s", err);
		if (cz->file_line && c->path)
			snprintf(err, errlen, "%s:%zu:%zu: zone %s: %s", c->path, cz->file_line,
			         cz->file_column, cz->name, why);
		else
			snprintf(err, errlen, "zone %s: %s", cz->name, why);
	}
	return ret;
}

/* What loading z found wrong but servable, in the log (and --check-config's output). */
static void warnings_log(const zone_data_t *z, const conf_zone_t *cz)
{
	for (size_t i = 0; i < z->nwarnings && i < ZONE_WARNINGS_MAX; i++)
		log_warning("zone %s: %s", cz->name, z->warnings[i]);
	if (z->nwarnings > ZONE_WARNINGS_MAX)
		log_warning("zone %s: %zu more warnings like these", cz->name,
		            z->nwarnings - ZONE_WARNINGS_MAX);
}

/* Records go through a buffer, so that the hash is updated once per few KiB, not per field. */
typedef struct digest_ctx {
	crypto_generichash_state state;
	uint8_t buf[4096];
	size_t len;
} digest_ctx_t;

static void digest_add(digest_ctx_t *d, const void *data, size_t len)
{
	if (d->len + len > sizeof(d->buf)) {
		crypto_generichash_update(&d->state, d->buf, d->len);
		d->len = 0;
	}
	if (len > sizeof(d->buf)) {
		crypto_generichash_update(&d->state, data, len);
		return;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
}

static void digest_rdf(digest_ctx_t *d, const ldns_rdf *rdf)
{
	uint8_t head[6] = {0};
	size_t size = rdf ? ldns_rdf_size(rdf) : 0;
	if (rdf)
		wire_wr16(head, (uint16_t)ldns_rdf_get_type(rdf));
	wire_wr32(head + 2, (uint32_t)size);
	digest_add(d, head, sizeof(head));
	if (size)
		digest_add(d, ldns_rdf_data(rdf), size);
}

/* Every byte of z that its answers depend on: the apex, then each record's owner, type,
 * class, TTL and fields, in the order loaded. Of a zone fleetdns makes itself (cz: no file,
 * not the built-in one), all but the SOA serial: that is only the time it was made. */
static void zone_digest(zone_digest_t *out, const zone_data_t *z, const conf_zone_t *cz)
{
	digest_ctx_t d = {.len = 0};
	crypto_generichash_init(&d.state, NULL, 0, sizeof(out->bytes));
	ldns_rdf *apex = ldns_rdf_clone(z->apex);
	if (apex)
		ldns_dname2canonical(apex);
	digest_rdf(&d, apex);
	ldns_rdf_deep_free(apex);
	bool generated = !cz->file && !cz->embedded;
	digest_add(&d, generated ? "G" : "F", 1);
	size_t n = ldns_rr_list_rr_count(z->rrs);
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
		uint8_t head[10];
		wire_wr16(head, (uint16_t)ldns_rr_get_type(rr));
		wire_wr16(head + 2, (uint16_t)ldns_rr_get_class(rr));
		wire_wr32(head + 4, ldns_rr_ttl(rr));
		wire_wr16(head + 8, (uint16_t)ldns_rr_rd_count(rr));
		bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
		digest_rdf(&d, ldns_rr_owner(rr));
		digest_add(&d, head, sizeof(head));
		for (size_t k = 0; k < ldns_rr_rd_count(rr); k++)
			digest_rdf(&d, generated && soa && k == 2 ? NULL : ldns_rr_rdf(rr, k));
	}
	crypto_generichash_update(&d.state, d.buf, d.len);
	crypto_generichash_final(&d.state, out->bytes, sizeof(out->bytes));
}

static int dname_cmp(const void *a, const void *b)
{
	return ldns_dname_compare(*(ldns_rdf *const *)a, *(ldns_rdf *const *)b);
}

/* The fleet's reverse zones as names, sorted, so that each loaded zone is looked up in
 * log time (a loop over them for every zone was quadratic). *n: how many. NULL when out of
 * memory. */
static ldns_rdf **reverse_names(const conf_fleet_t *fleet, size_t *n)
{
	ldns_rdf **names = calloc(fleet->nreverse_zones + 1, sizeof(*names));

	*n = 0;
	if (!names)
		return NULL;
	for (size_t i = 0; i < fleet->nreverse_zones; i++) {
		if (ldns_str2rdf_dname(&names[*n], fleet->reverse_zones[i]) == LDNS_STATUS_OK)
			(*n)++;
		else
			names[*n] = NULL; /* no zone can have it (conf checked every name) */
	}
	qsort(names, *n, sizeof(*names), dname_cmp);
	return names;
}

static void reverse_names_free(ldns_rdf **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		ldns_rdf_deep_free(names[i]);
	free(names);
}

/* Whether zone z is one the fleet adds records to. */
static bool is_dynamic(const loaded_t *l, ldns_rdf *const *reverse, size_t nreverse,
                       const zone_data_t *z)
{
	if (ldns_dname_compare(z->apex, l->fleet_apex) == 0)
		return true;
	return bsearch(&z->apex, reverse, nreverse, sizeof(*reverse), dname_cmp) != NULL;
}

static void decide_fleet(loaded_t *l)
{
	const conf_t *c = &l->conf;
	l->fleet = c->nengines > 0;
	if (!l->fleet && c->engines_default &&
	    access(CONF_DEFAULT_ENGINE_URL + strlen("unix://"), R_OK | W_OK) == 0) {
		l->fleet = true;
		l->default_engine = (conf_engine_t){
		    .name = "local",
		    .url = CONF_DEFAULT_ENGINE_URL,
		    CONF_ENGINE_DEFAULTS,
		};
	}
	/* The fleet zone: fleet.zone, or the first zone that is not the catalog. */
	const char *zone = c->fleet.zone;
	for (size_t i = 0; !zone && i < c->nzones; i++)
		if (!c->zones[i].catalog)
			zone = c->zones[i].name;
	if (l->fleet && zone) {
		if (ldns_str2rdf_dname(&l->fleet_apex, zone) != LDNS_STATUS_OK)
			l->fleet = false;
		else
			ldns_dname2canonical(l->fleet_apex);
	} else {
		l->fleet = false;
	}
}

/* A zone with an RRset too big for any DNS message (64 KiB) cannot be served: say which,
 * by compiling the zones one at a time (only on this error path). */
static void name_oversized_zone(zone_data_t *const *zones, size_t n, const answer_opts_t *opts,
                                char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		snapshot_t *one = NULL;
		if (!zones[i] || snapshot_build(&one, &zones[i], 1, opts) != FDNS_ESPACE) {
			snapshot_free(one);
			continue;
		}
		char *name = ldns_rdf2str(zones[i]->apex);
		snprintf(
		    err, errlen,
		    "%s: zone %s: the records of one name and type do not fit in a DNS message "
		    "(64 KiB); split the RRset",
		    zones[i]->source, name ? name : "?");
		free(name);
		return;
	}
	snprintf(err, errlen, "compiling zones: %s", fdns_strerror(FDNS_ESPACE));
}

/* The catalog zone holds no fleet data: fleet.zone and fleet.reverse-zones may not name it
 * (the services' records would be published as catalog properties). */
static int catalog_check(const conf_t *c, char *err, size_t errlen)
{
	const char *where = c->path ? c->path : "fleetdns";
	for (size_t i = 0; i < c->nzones; i++) {
		if (!c->zones[i].catalog)
			continue;
		const char *name = c->zones[i].name;
		if (c->fleet.zone && zone_names_same(c->fleet.zone, name)) {
			snprintf(err, errlen,
			         "%s: fleet zone '%s' is the catalog zone, whose records fleetdns "
			         "makes from the other zones' names: name another zone in "
			         "fleet.zone",
			         where, c->fleet.zone);
			return FDNS_EINVAL;
		}
		for (size_t k = 0; k < c->fleet.nreverse_zones; k++)
			if (zone_names_same(c->fleet.reverse_zones[k], name)) {
				snprintf(err, errlen,
				         "%s: reverse zone '%s' is the catalog zone, whose records "
				         "fleetdns makes from the other zones' names",
				         where, c->fleet.reverse_zones[k]);
				return FDNS_EINVAL;
			}
	}
	return FDNS_OK;
}

int daemon_load(loaded_t *l, const conf_cmdline_t *cl, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	int ret = conf_build(&l->conf, cl, err, errlen);
	if (ret == FDNS_OK && (ret = catalog_check(&l->conf, err, errlen)) < 0)
		conf_free(&l->conf);
	if (ret < 0)
		return ret;
	decide_fleet(l);
	const conf_t *c = &l->conf;
	zone_data_t **zones = calloc(c->nzones ? c->nzones : 1, sizeof(*zones));
	l->dynamic = calloc(c->nzones ? c->nzones : 1, sizeof(*l->dynamic));
	l->dynamic_digests = calloc(c->nzones ? c->nzones : 1, sizeof(*l->dynamic_digests));
	l->digests = calloc(c->nzones ? c->nzones : 1, sizeof(*l->digests));
	size_t nreverse = 0;
	ldns_rdf **reverse = l->fleet ? reverse_names(&c->fleet, &nreverse) : NULL;
	if (!zones || !l->dynamic || !l->dynamic_digests || !l->digests || (l->fleet && !reverse)) {
		free(zones);
		reverse_names_free(reverse, nreverse);
		daemon_loaded_free(l);
		return FDNS_ENOMEM;
	}
	default_ns_t dns;
	if (default_ns_init(&dns, c) != FDNS_OK) {
		snprintf(err, errlen, "out of memory");
		ret = FDNS_ENOMEM;
	}
	for (size_t i = 0; i < c->nzones && ret == FDNS_OK; i++)
		ret = load_one(&zones[i], c, &dns, &c->zones[i], err, errlen);
	default_ns_free(&dns);
	for (size_t i = 0; i < c->nzones && ret == FDNS_OK; i++)
		warnings_log(zones[i], &c->zones[i]);
	if (ret == FDNS_OK) {
		answer_opts_t opts = daemon_answer_opts(c);
		ret = snapshot_build(&l->snap, zones, c->nzones, &opts);
		if (ret == FDNS_ESPACE)
			name_oversized_zone(zones, c->nzones, &opts, err, errlen);
		else if (ret < 0)
			snprintf(err, errlen, "compiling zones: %s", fdns_strerror(ret));
	}
	if (ret == FDNS_OK && (ret = xfr_set_build(&l->xfr, c, zones, c->nzones)) < 0)
		snprintf(err, errlen, "zone transfer data: %s", fdns_strerror(ret));
	for (size_t i = 0; i < c->nzones; i++) {
		if (ret == FDNS_OK && zones[i])
			zone_digest(&l->digests[i], zones[i], &c->zones[i]);
		if (ret == FDNS_OK && l->fleet && zones[i] &&
		    is_dynamic(l, reverse, nreverse, zones[i])) {
			l->dynamic_digests[l->ndynamic] = l->digests[i];
			l->dynamic[l->ndynamic++] = zones[i]; /* kept: the fleet adds to it */
		} else {
			zone_data_free(zones[i]);
		}
	}
	free(zones);
	reverse_names_free(reverse, nreverse);
	if (ret < 0)
		daemon_loaded_free(l);
	/* The zones' ldns records, the file text and the compile's scratch are free now, but
	 * glibc keeps freed heap resident below live chunks: 363 B a record at 1M names x 4 A
	 * (1.8 GB of RSS for a 0.38 GB zone). Give it back here, on the thread that loaded
	 * (the thread pool for a reload), not on the loop: it takes ~0.5 s at 4M records. */
	malloc_trim(0);
	return ret;
}

void daemon_loaded_free(loaded_t *l)
{
	snapshot_free(l->snap);
	xfr_set_free(l->xfr);
	for (size_t i = 0; i < l->ndynamic; i++)
		zone_data_free(l->dynamic[i]);
	free(l->dynamic);
	free(l->dynamic_digests);
	free(l->digests);
	ldns_rdf_deep_free(l->fleet_apex);
	conf_free(&l->conf);
	memset(l, 0, sizeof(*l));
}

answer_opts_t daemon_answer_opts(const conf_t *c)
{
	return (answer_opts_t){
	    .udp_size = (uint16_t)c->udp_size, .sites = c->sites, .nsites = c->nsites};
}

static bool sites_same(const conf_t *a, const conf_t *b);

bool daemon_zones_same(const loaded_t *a, const loaded_t *b)
{
	if (a->conf.nzones != b->conf.nzones || a->conf.udp_size != b->conf.udp_size ||
	    !sites_same(&a->conf, &b->conf) || a->fleet != b->fleet || a->ndynamic != b->ndynamic ||
	    !a->digests || !b->digests)
		return false;
	if ((a->fleet_apex || b->fleet_apex) &&
	    (!a->fleet_apex || !b->fleet_apex || ldns_dname_compare(a->fleet_apex, b->fleet_apex)))
		return false;
	for (size_t i = 0; i < a->conf.nzones; i++)
		if (memcmp(&a->digests[i], &b->digests[i], sizeof(a->digests[i])) != 0)
			return false;
	for (size_t i = 0; i < a->ndynamic; i++)
		if (ldns_dname_compare(a->dynamic[i]->apex, b->dynamic[i]->apex) != 0)
			return false;
	return true;
}

static bool text_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Address family, address and port. */
static bool addr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The same sites, in the same order, with the same clients, engines and local-only: the
 * site numbers compiled into answers still mean the same. */
static bool sites_same(const conf_t *a, const conf_t *b)
{
	if (a->nsites != b->nsites)
		return false;
	for (size_t i = 0; i < a->nsites; i++) {
		const conf_site_t *x = &a->sites[i], *y = &b->sites[i];
		if (strcmp(x->name, y->name) != 0 || x->local_only != y->local_only ||
		    x->nclients != y->nclients || x->nengines != y->nengines)
			return false;
		for (size_t k = 0; k < x->nclients; k++)
			if (x->clients[k].prefix != y->clients[k].prefix ||
			    !addr_same(&x->clients[k].addr, &y->clients[k].addr))
				return false;
		for (size_t k = 0; k < x->nengines; k++)
			if (strcmp(x->engines[k], y->engines[k]) != 0)
				return false;
	}
	return true;
}

static bool zone_transfers_same(const conf_zone_t *a, const conf_zone_t *b)
{
	if (!text_same(a->name, b->name) || a->nallow_transfer != b->nallow_transfer ||
	    a->nnotify != b->nnotify)
		return false;
	for (size_t i = 0; i < a->nallow_transfer; i++) {
		const conf_acl_t *x = &a->allow_transfer[i], *y = &b->allow_transfer[i];
		if (!addr_same(&x->addr, &y->addr) || x->prefix != y->prefix ||
		    !text_same(x->key, y->key))
			return false;
	}
	for (size_t i = 0; i < a->nnotify; i++) {
		const conf_notify_t *x = &a->notify[i], *y = &b->notify[i];
		if (!addr_same(&x->addr, &y->addr) || !text_same(x->key, y->key))
			return false;
	}
	return true;
}

bool daemon_transfers_same(const conf_t *a, const conf_t *b)
{
	if (a->nkeys != b->nkeys || a->nzones != b->nzones)
		return false;
	for (size_t i = 0; i < a->nkeys; i++)
		if (!text_same(a->keys[i].name, b->keys[i].name) ||
		    !text_same(a->keys[i].algorithm, b->keys[i].algorithm) ||
		    !text_same(a->keys[i].secret, b->keys[i].secret))
			return false;
	for (size_t i = 0; i < a->nzones; i++)
		if (!zone_transfers_same(&a->zones[i], &b->zones[i]))
			return false;
	return true;
}
