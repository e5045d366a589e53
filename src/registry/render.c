/* SPDX-License-Identifier: MIT */
/* render.c -- replicas into records: service A/AAAA (rotated, weighted by fleetdns.weight),
 * replica names, SRV, PTR, and _replicas.SERVICE TXT "0 served" for a known service with
 * nothing served. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "fleetdns/query.h"
#include "registry/registry_internal.h"
#include "util/log.h"

typedef struct render {
	zone_data_t *zone;
	int err;
} render_t;

static void add_rr(render_t *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_rr(render_t *rd, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		/* Inputs are validated; this would be our bug, never the user's. */
		log_error("fleet: cannot make record '%s': %s", text, ldns_get_errorstr_by_id(st));
		return;
	}
	if (!ldns_rr_list_push_rr(rd->zone->rrs, rr)) {
		ldns_rr_free(rr);
		rd->err = FDNS_ENOMEM;
	}
}

/* A record built field by field: the common records (A, AAAA, SRV) skip ldns's text
 * parser, which dominated the cost of a publication. rdfs are taken over. */
static void add_built(render_t *rd, const ldns_rdf *owner, ldns_rr_type type, uint32_t ttl,
                      ldns_rdf **rdfs, size_t n)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *o = owner ? ldns_rdf_clone(owner) : NULL;
	bool good = rr && o;
	for (size_t i = 0; i < n; i++)
		good = good && rdfs[i];
	if (!good) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(o);
		for (size_t i = 0; i < n; i++)
			ldns_rdf_deep_free(rdfs[i]);
		rd->err = FDNS_ENOMEM;
		return;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	for (size_t i = 0; i < n; i++)
		ldns_rr_push_rdf(rr, rdfs[i]);
	if (!ldns_rr_list_push_rr(rd->zone->rrs, rr)) {
		ldns_rr_free(rr);
		rd->err = FDNS_ENOMEM;
	}
}

static void add_address(render_t *rd, const ldns_rdf *owner, uint32_t ttl, const char *ip, bool v6)
{
	ldns_rdf *rdf = NULL;
	ldns_status st = v6 ? ldns_str2rdf_aaaa(&rdf, ip) : ldns_str2rdf_a(&rdf, ip);
	if (st != LDNS_STATUS_OK) {
		log_warning("fleet: address '%s' is not an IPv%d address; skipped", ip, v6 ? 6 : 4);
		return;
	}
	add_built(rd, owner, v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, ttl, &rdf, 1);
}

static ldns_rdf *name_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static ldns_rdf *name_of(const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ldns_dname_new_frm_str(text);
}

static void add_rotation(render_t *rd, const char *owner, uint16_t type, unsigned window)
{
	ldns_rdf *name = NULL;
	if (ldns_str2rdf_dname(&name, owner) != LDNS_STATUS_OK)
		return;
	zone_rotation_t *n = realloc(rd->zone->rotations, (rd->zone->nrotations + 1) * sizeof(*n));
	if (!n) {
		ldns_rdf_deep_free(name);
		rd->err = FDNS_ENOMEM;
		return;
	}
	rd->zone->rotations = n;
	n[rd->zone->nrotations++] =
	    (zone_rotation_t){.owner = name, .type = type, .window = (uint16_t)window};
}

/* The weight and site (1 + its index, 0: none) of one service address: a zone_rotation_t
 * entry the compiler turns into the order records come first in (see zone.h). */
static void add_weight(render_t *rd, const char *owner, uint16_t type, const char *ip,
                       uint16_t weight, uint8_t site)
{
	zone_rotation_t w = {.type = type, .weight = weight, .site = site};
	int family = type == TYPE_AAAA ? AF_INET6 : AF_INET;
	if (inet_pton(family, ip, w.rdata) != 1)
		return; /* add_address() skipped it too */
	w.rdata_len = type == TYPE_AAAA ? 16 : 4;
	if (ldns_str2rdf_dname(&w.owner, owner) != LDNS_STATUS_OK)
		return;
	zone_rotation_t *n = realloc(rd->zone->rotations, (rd->zone->nrotations + 1) * sizeof(*n));
	if (!n) {
		ldns_rdf_deep_free(w.owner);
		rd->err = FDNS_ENOMEM;
		return;
	}
	rd->zone->rotations = n;
	n[rd->zone->nrotations++] = w;
}

/* The replicas a service answers with: the served ones, or (policy "all", when none is
 * served) the running ones on their chosen network. */
static bool chosen(const replica_t *rep, bool any_served, enum conf_unhealthy_policy policy)
{
	if (any_served || policy != CONF_UNHEALTHY_ALL)
		return rep->served;
	return rep->running && !rep->network_missing;
}

/* A service's replicas: a run of the replicas sorted by service name. */
typedef struct group {
	const replica_t *const *rep;
	size_t n;
} group_t;

static bool group_any_served(const group_t *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->rep[i]->served)
			return true;
	return false;
}

/* The service's policy when nothing is served: its replicas' fleetdns.unhealthy labels
 * override the fleet's setting; when they disagree, "all" wins (the value does not depend
 * on the order replicas arrive in, and a disagreement lasts as long as a rolling update
 * that changes the label, during which answering beats answering nothing). */
static enum conf_unhealthy_policy group_unhealthy(const registry_t *r, const group_t *g)
{
	int policy = REPLICA_UNHEALTHY_FLEET;
	for (size_t i = 0; i < g->n && policy != CONF_UNHEALTHY_ALL; i++)
		if (g->rep[i]->unhealthy != REPLICA_UNHEALTHY_FLEET)
			policy = g->rep[i]->unhealthy;
	return policy == REPLICA_UNHEALTHY_FLEET ? r->fleet.unhealthy
	                                         : (enum conf_unhealthy_policy)policy;
}

/* Whether the chosen replicas' weights differ among those with an address of the family:
 * only then are weights compiled, so equal weights are today's plain rotation. */
static bool weights_differ(const replica_t *const *lead, size_t n, bool v6)
{
	int first = -1;
	for (size_t i = 0; i < n; i++) {
		if (!(v6 ? lead[i]->ipv6 : lead[i]->ipv4)[0])
			continue;
		if (first < 0)
			first = lead[i]->weight;
		else if (lead[i]->weight != first)
			return true;
	}
	return false;
}

/* Whether a chosen replica with an address of the family runs in a site: only then do the
 * records say where they are. */
static bool in_sites(const registry_t *r, const replica_t *const *lead, size_t n, bool v6)
{
	for (size_t i = 0; r->nsites && i < n; i++)
		if ((v6 ? lead[i]->ipv6 : lead[i]->ipv4)[0] &&
		    registry__site_of(r, lead[i]->engine))
			return true;
	return false;
}

/* By engine and id: the order of the records does not depend on arrival. */
static int cmp_replica(const void *a, const void *b)
{
	const replica_t *x = *(const replica_t *const *)a, *y = *(const replica_t *const *)b;
	int c = strcmp(x->engine, y->engine);
	return c ? c : strcmp(x->id, y->id);
}

static void render_service(const registry_t *r, render_t *rd, const char *service, const group_t *g,
                           const char *apex)
{
	bool any = group_any_served(g);
	enum conf_unhealthy_policy policy = group_unhealthy(r, g);
	/* The replicas the service name answers with (its leads): weight 0 only when no chosen
	 * replica has a weight. Replica names answer for every chosen replica. */
	bool weighted = false;
	for (size_t i = 0; i < g->n && !weighted; i++)
		weighted = chosen(g->rep[i], any, policy) && g->rep[i]->weight > 0;
	const replica_t **lead = malloc((g->n ? g->n : 1) * sizeof(*lead));
	if (!lead) {
		rd->err = FDNS_ENOMEM;
		return;
	}
	size_t nlead = 0;
	for (size_t i = 0; i < g->n; i++)
		if (chosen(g->rep[i], any, policy) && (g->rep[i]->weight > 0 || !weighted))
			lead[nlead++] = g->rep[i];
	/* Labels override the fleet's defaults; replicas that disagree: the smallest. */
	unsigned ttl = 0, window = 0;
	for (size_t i = 0; i < nlead; i++) {
		const replica_t *p = lead[i];
		if (p->ttl && (!ttl || p->ttl < ttl))
			ttl = p->ttl;
		if (p->max_answers && (!window || p->max_answers < window))
			window = p->max_answers;
	}
	if (!ttl)
		ttl = r->fleet.ttl;
	if (!window)
		window = r->fleet.max_answers;
	char owner[512];
	snprintf(owner, sizeof(owner), "%s.%s", service, apex);
	bool v4 = false, v6 = false;
	char srv_owners[REPLICA_PORTS_MAX * 4][600];
	size_t nsrv = 0;
	ldns_rdf *service_name = ldns_dname_new_frm_str(owner);
	for (size_t i = 0, l = 0; i < g->n && service_name; i++) {
		const replica_t *p = g->rep[i];
		if (!chosen(p, any, policy))
			continue;
		bool leads = l < nlead && lead[l] == p;
		l += leads;
		ldns_rdf *replica_name = name_of("%s.%s", p->label, owner);
		if (!replica_name) {
			rd->err = FDNS_ENOMEM;
			break;
		}
		if (p->ipv4[0]) {
			if (leads)
				add_address(rd, service_name, ttl, p->ipv4, false);
			add_address(rd, replica_name, ttl, p->ipv4, false);
			v4 |= leads;
		}
		if (p->ipv6[0]) {
			if (leads)
				add_address(rd, service_name, ttl, p->ipv6, true);
			add_address(rd, replica_name, ttl, p->ipv6, true);
			v6 |= leads;
		}
		for (size_t k = 0; leads && k < p->nports; k++) {
			char srv[600];
			snprintf(srv, sizeof(srv), "_%s._%s.%s", p->ports[k].name,
			         p->ports[k].udp ? "udp" : "tcp", owner);
			/* RFC 2782: equal priority, the replica's weight (1 by default: equal
			 * weights); the target has the addresses. */
			ldns_rdf *srv_name = ldns_dname_new_frm_str(srv);
			ldns_rdf *rdfs[4] = {
			    ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 0),
			    ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, p->weight),
			    ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, p->ports[k].port),
			    ldns_rdf_clone(replica_name),
			};
			add_built(rd, srv_name, LDNS_RR_TYPE_SRV, ttl, rdfs, 4);
			ldns_rdf_deep_free(srv_name);
			bool seen = false;
			for (size_t s = 0; s < nsrv && !seen; s++)
				seen = strcmp(srv_owners[s], srv) == 0;
			if (!seen && nsrv < sizeof(srv_owners) / sizeof(srv_owners[0]))
				snprintf(srv_owners[nsrv++], sizeof(srv_owners[0]), "%s", srv);
		}
		ldns_rdf_deep_free(replica_name);
	}
	if (!service_name)
		rd->err = FDNS_ENOMEM;
	ldns_rdf_deep_free(service_name);
	if (v4)
		add_rotation(rd, owner, TYPE_A, window);
	if (v6)
		add_rotation(rd, owner, TYPE_AAAA, window);
	for (int fam = 0; fam < 2; fam++) {
		if (!weights_differ(lead, nlead, fam) && !in_sites(r, lead, nlead, fam))
			continue;
		for (size_t i = 0; i < nlead; i++) {
			const char *ip = fam ? lead[i]->ipv6 : lead[i]->ipv4;
			if (ip[0])
				add_weight(rd, owner, fam ? TYPE_AAAA : TYPE_A, ip, lead[i]->weight,
				           registry__site_of(r, lead[i]->engine));
		}
	}
	free(lead);
	for (size_t s = 0; s < nsrv; s++)
		add_rotation(rd, srv_owners[s], TYPE_SRV, window);
	/* A known service with nothing served answers NODATA, not NXDOMAIN: one record below
	 * it makes its name an empty non-terminal (RFC 8020), which exists in every copy of the
	 * zone, so secondaries fed by AXFR/IXFR answer NODATA too. */
	if (!v4 && !v6 && nsrv == 0)
		add_rr(rd, "_replicas.%s %u IN TXT \"0 served\"", owner, ttl);
}

static void render_ptr(const registry_t *r, render_t *rd, const char *fleet_apex)
{
	for (const rep_node_t *n = registry__first(r); n; n = registry__next(r, n)) {
		const replica_t *p = &n->rep;
		if (!p->served)
			continue;
		const char *addrs[2] = {p->ipv4, p->ipv6};
		for (int a = 0; a < 2; a++) {
			if (!addrs[a][0])
				continue;
			ldns_rdf *ip = NULL, *rev;
			if (ldns_str2rdf_a(&ip, addrs[a]) != LDNS_STATUS_OK &&
			    ldns_str2rdf_aaaa(&ip, addrs[a]) != LDNS_STATUS_OK)
				continue;
			rev = ldns_rdf_address_reverse(ip);
			ldns_rdf_deep_free(ip);
			if (!rev)
				continue;
			if (ldns_dname_is_subdomain(rev, rd->zone->apex)) {
				char *rtext = ldns_rdf2str(rev);
				if (rtext)
					add_rr(rd, "%s %u IN PTR %s.%s.%s", rtext, r->fleet.ttl,
					       p->label, p->service, fleet_apex);
				free(rtext);
			}
			ldns_rdf_deep_free(rev);
		}
	}
}

/* One service's records, from its own list of replicas. */
static void render_one(const registry_t *r, render_t *rd, size_t id, const char *apex)
{
	size_t n = 0;
	for (const rep_node_t *p = r->service_head[id]; p; p = p->snext)
		n++;
	const replica_t **rep = malloc((n ? n : 1) * sizeof(*rep));
	if (!rep) {
		rd->err = FDNS_ENOMEM;
		return;
	}
	n = 0;
	for (const rep_node_t *p = r->service_head[id]; p; p = p->snext)
		rep[n++] = &p->rep;
	qsort(rep, n, sizeof(*rep), cmp_replica);
	group_t g = {rep, n};
	render_service(r, rd, r->known[id], &g, apex);
	free(rep);
}

/* The sites the zone's entries name, for the compiler. */
static void sites_into(const registry_t *r, zone_data_t *zone)
{
	zone->nsites = r->nsites;
	memcpy(zone->site_local_only, r->site_local_only, sizeof(zone->site_local_only));
}

int registry_render_service(const registry_t *r, zone_data_t *zone, size_t id,
                            const ldns_rdf *fleet_apex)
{
	if (id >= r->nknown)
		return FDNS_EINVAL;
	render_t rd = {.zone = zone};
	char *apex = ldns_rdf2str(fleet_apex);
	if (!apex)
		return FDNS_ENOMEM;
	sites_into(r, zone);
	render_one(r, &rd, id, apex);
	free(apex);
	return rd.err;
}

int registry_render(const registry_t *r, zone_data_t *zone, const ldns_rdf *fleet_apex)
{
	render_t rd = {.zone = zone};
	char *apex = ldns_rdf2str(fleet_apex);
	if (!apex)
		return FDNS_ENOMEM;
	if (ldns_dname_compare(zone->apex, fleet_apex) == 0) {
		sites_into(r, zone);
		for (size_t i = 0; i < r->nknown && !rd.err; i++)
			render_one(r, &rd, i, apex);
	} else {
		render_ptr(r, &rd, apex);
	}
	free(apex);
	return rd.err;
}
