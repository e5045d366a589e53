/* SPDX-License-Identifier: MIT */
/* compile.c -- turns checked zone data into compiled answers (see snapshot.h).
 *
 * For every name: one block per type it has, one for any other type (NODATA, or where a
 * CNAME chain ends), one for ANY; for zone cuts a referral; for "*.X" a movable set of
 * blocks hung on X so that any name X's wildcard covers is answered by copy and patch.
 * RFC 1034 4.3.2 is applied here, once, instead of on every query.
 *
 * A rotated RRset gets one block per starting record; a weighted one (zone_rotation_t
 * weight entries) also gets the order those blocks are chosen in: one cycle of a smooth
 * weighted round-robin, so that a query only indexes a table with the counter it already
 * increments (see compile_sequence()).
 */
#include <stdlib.h>
#include <string.h>

#include "answer/build.h"
#include "answer/compile.h"
#include "fleetdns/error.h"
#include "wire/bytes.h"
#include "wire/name.h"

typedef struct bset {
	uint16_t type;
	bool rotate;     /* answered in rotating order */
	uint16_t window; /* with rotate: records per answer, 0 for all */
	uint32_t ttl;
	ldns_rr_list *rrs;               /* records not owned: they belong to the zone_data */
	const zone_rotation_t **weights; /* owned array of the zone_data's weight entries */
	size_t nweights;
} bset_t;

/* A name while the zone compiles, in the compile's scratch arena with exactly its own
 * octets: room for the longest name in each cost 250 B a name, 250 MB at 1M names. */
typedef struct bnode bnode_t;
struct bnode {
	/* A record's owner (the zone_data's), or for an empty non-terminal a view into its
	 * child's owner (in the scratch arena): never freed on its own. */
	const ldns_rdf *owner;
	bset_t *sets; /* in the scratch arena */
	uint32_t nsets, cap;
	bnode_t *cut; /* the highest zone cut above, for occluded names */
	bnode_t *hnext;
	bnode_t *lnext; /* creation order */
	ans_node_t *out;
	uint8_t len;
	uint8_t flags;
	bool twin;    /* at or below a DNAME target in the zone: gets movable blocks too */
	uint8_t lc[]; /* len octets: the owner, lowercased */
};

#define DNAME_HOPS 5 /* DNAMEs substituted in one CNAME chain (Knot: CNAME_CHAIN_MAX) */

typedef struct cctx {
	zone_data_t *zone;
	const ldns_rdf *root; /* the zone apex, or a part's root */
	arena_t *arena;
	arena_t scratch; /* names and their RRset arrays, freed when the compile ends */
	build_t *b;
	bnode_t **buckets;
	size_t mask;
	size_t nnames;
	bnode_t *first, *last;
	bnode_t *apex; /* the zone apex, or a part's root */
	bool part;     /* compiling a part: no SOA, no negative answers of its own */
	const ldns_rr_list *soa;
	uint32_t neg_ttl;
	const ldns_rdf *targets[64]; /* names that want A/AAAA in additional */
	ldns_rdf *made[DNAME_HOPS];  /* names a DNAME made for the block being compiled */
	size_t nmade;
	size_t ntargets;
	bnode_t *referral; /* the cut a CNAME chain led into, for its glue */
	int err;
} cctx_t;

enum { EMIT_NXDOMAIN = 1, EMIT_NEED_SOA = 2, EMIT_YXDOMAIN = 4 };

static void lower_name(const ldns_rdf *rdf, uint8_t *lc, uint8_t *len)
{
	const uint8_t *d = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf);
	wire_name_lower(lc, d, n);
	*len = (uint8_t)n;
}

static bnode_t *bnode_find(const cctx_t *c, const uint8_t *lc, size_t len)
{
	for (bnode_t *n = c->buckets[wire_name_hash(lc, len) & c->mask]; n; n = n->hnext)
		if (n->len == len && memcmp(n->lc, lc, len) == 0)
			return n;
	return NULL;
}

/* Twice as many buckets, when there are more names than buckets (the first count was an
 * estimate: see compile_names_estimate()). */
static int buckets_grow(cctx_t *c)
{
	size_t size = (c->mask + 1) * 2;
	bnode_t **buckets = calloc(size, sizeof(*buckets));
	if (!buckets)
		return FDNS_ENOMEM;
	for (bnode_t *n = c->first; n; n = n->lnext) {
		size_t h = wire_name_hash(n->lc, n->len) & (size - 1);
		n->hnext = buckets[h];
		buckets[h] = n;
	}
	free(c->buckets);
	c->buckets = buckets;
	c->mask = size - 1;
	return FDNS_OK;
}

/* The name owner (which must outlive the compile), created if new. */
static bnode_t *bnode_get(cctx_t *c, const ldns_rdf *owner)
{
	uint8_t lc[DNS_NAME_MAX], len;
	lower_name(owner, lc, &len);
	bnode_t *n = bnode_find(c, lc, len);
	if (n)
		return n;
	if (c->nnames >= c->mask + 1 && buckets_grow(c) < 0) {
		c->err = FDNS_ENOMEM;
		return NULL;
	}
	n = arena_alloc(&c->scratch, sizeof(*n) + len);
	if (!n) {
		c->err = FDNS_ENOMEM;
		return NULL;
	}
	n->owner = owner;
	memcpy(n->lc, lc, len);
	n->len = len;
	size_t h = wire_name_hash(lc, len) & c->mask;
	n->hnext = c->buckets[h];
	c->buckets[h] = n;
	if (c->last)
		c->last->lnext = n;
	else
		c->first = n;
	c->last = n;
	c->nnames++;
	return n;
}

static bset_t *bset_find(const bnode_t *n, uint16_t type)
{
	for (size_t i = 0; i < n->nsets; i++)
		if (n->sets[i].type == type)
			return &n->sets[i];
	return NULL;
}

/* Same RDATA, field by field: enough to find duplicates within one RRset, and far
 * cheaper than ldns_rr_compare(), which builds canonical wire copies of both. */
static bool same_rdata(const ldns_rr *a, const ldns_rr *b)
{
	if (ldns_rr_rd_count(a) != ldns_rr_rd_count(b))
		return false;
	for (size_t i = 0; i < ldns_rr_rd_count(a); i++)
		if (ldns_rdf_compare(ldns_rr_rdf(a, i), ldns_rr_rdf(b, i)) != 0)
			return false;
	return true;
}

static int bnode_add_rr(cctx_t *c, bnode_t *n, ldns_rr *rr)
{
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	bset_t *s = bset_find(n, type);
	if (!s) {
		if (n->nsets == n->cap) { /* most names have one RRset: 1, 2, 4... */
			uint32_t cap = n->cap ? n->cap * 2 : 1;
			bset_t *ns = arena_alloc(&c->scratch, cap * sizeof(*ns));
			if (!ns)
				return FDNS_ENOMEM;
			if (n->nsets)
				memcpy(ns, n->sets, n->nsets * sizeof(*ns));
			n->sets = ns;
			n->cap = cap;
		}
		s = &n->sets[n->nsets++];
		*s = (bset_t){.type = type, .ttl = ldns_rr_ttl(rr), .rrs = ldns_rr_list_new()};
		if (!s->rrs)
			return FDNS_ENOMEM;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(s->rrs); i++)
		if (same_rdata(ldns_rr_list_rr(s->rrs, i), rr))
			return FDNS_OK; /* duplicate record: served once */
	/* RFC 2181 5.2: one TTL per RRset; the lowest is the safe one. */
	if (ldns_rr_ttl(rr) < s->ttl)
		s->ttl = ldns_rr_ttl(rr);
	return ldns_rr_list_push_rr(s->rrs, rr) ? FDNS_OK : FDNS_ENOMEM;
}

/* Create every name of the zone, including empty non-terminals (RFC 8020). */
static int collect_names(cctx_t *c)
{
	ldns_rr_list *rrs = c->zone->rrs;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		bnode_t *n = bnode_get(c, ldns_rr_owner(rr));
		if (!n || bnode_add_rr(c, n, rr) < 0)
			return FDNS_ENOMEM;
	}
	for (size_t i = 0; i < c->zone->nrotations; i++) {
		const zone_rotation_t *r = &c->zone->rotations[i];
		uint8_t lc[DNS_NAME_MAX], len;
		lower_name(r->owner, lc, &len);
		bnode_t *n = bnode_find(c, lc, len);
		bset_t *s = n ? bset_find(n, r->type) : NULL;
		if (s && r->rdata_len) {
			const zone_rotation_t **w =
			    realloc(s->weights, (s->nweights + 1) * sizeof(*w));
			if (!w)
				return FDNS_ENOMEM;
			s->weights = w;
			w[s->nweights++] = r;
		} else if (s) {
			s->rotate = true;
			s->window = r->window;
		}
	}
	size_t apex_len = ldns_rdf_size(c->root);
	for (bnode_t *n = c->first; n; n = n->lnext) {
		if (n->len <= apex_len)
			continue;
		size_t skip = 1u + n->lc[0];
		if (bnode_find(c, n->lc + skip, n->len - skip))
			continue;
		/* A new parent: the owner without its first label, a view of the same octets
		 * (ldns_dname_left_chop() without the copy). */
		ldns_rdf *parent = arena_alloc(&c->scratch, sizeof(*parent));
		if (!parent)
			return FDNS_ENOMEM;
		ldns_rdf_set_type(parent, LDNS_RDF_TYPE_DNAME);
		ldns_rdf_set_size(parent, n->len - skip);
		ldns_rdf_set_data(parent, (uint8_t *)ldns_rdf_data(n->owner) + skip);
		bnode_get(c, parent); /* appended to the list, so its parents follow */
		if (c->err)
			return c->err;
	}
	uint8_t lc[DNS_NAME_MAX], len;
	lower_name(c->root, lc, &len);
	c->apex = bnode_find(c, lc, len);
	if (c->part)
		return c->apex ? FDNS_OK : FDNS_EINVAL;
	bset_t *soa = c->apex ? bset_find(c->apex, TYPE_SOA) : NULL;
	if (!soa)
		return FDNS_EZONE;
	c->soa = soa->rrs;
	uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(soa->rrs, 0), 6));
	c->neg_ttl = soa->ttl < minimum ? soa->ttl : minimum; /* RFC 2308 3 */
	return FDNS_OK;
}

/* Mark zone cuts, and names below them (occluded: only referrals and glue). */
static void mark_cuts(cctx_t *c)
{
	for (bnode_t *n = c->first; n; n = n->lnext)
		if (n != c->apex && bset_find(n, TYPE_NS))
			n->flags |= NODE_DELEGATION;
	for (bnode_t *n = c->first; n; n = n->lnext) {
		/* The highest cut above n (excluding n) wins. */
		const uint8_t *p = n->lc;
		size_t len = n->len;
		while (len > c->apex->len) {
			len -= 1u + p[0];
			p += 1u + p[0];
			if (len <= c->apex->len)
				break;
			bnode_t *a = bnode_find(c, p, len);
			if (a && (a->flags & NODE_DELEGATION))
				n->cut = a;
		}
		if (n->cut)
			n->flags |= NODE_OCCLUDED;
	}
	/* A DNAME at a cut or below one is not authoritative: the referral wins (RFC 6672 3.2
	 * step 3b before 3c); at the apex it rewrites every name below the zone. */
	for (bnode_t *n = c->first; n; n = n->lnext)
		if (!(n->flags & (NODE_DELEGATION | NODE_OCCLUDED)) &&
		    bset_find(n, LDNS_RR_TYPE_DNAME))
			n->flags |= NODE_DNAME;
}

enum resolve_status {
	RESOLVE_FOUND,
	RESOLVE_NXDOMAIN,
	RESOLVE_CUT,      /* the name is a zone cut: DS is answered there, the rest is a referral */
	RESOLVE_REFERRAL, /* the name is below a zone cut */
	RESOLVE_ELSEWHERE,
	RESOLVE_DNAME, /* the name is below a DNAME owner (*out) */
};

/* The zone cut n is at or below, or NULL when n is authoritative data. */
static bnode_t *cut_of(bnode_t *n)
{
	if (n->flags & NODE_OCCLUDED)
		return n->cut;
	return (n->flags & NODE_DELEGATION) ? n : NULL;
}

/* Where a CNAME target leads inside this zone: a name, a wildcard, a zone cut or below one
 * (*out is the delegation), or nowhere. */
static enum resolve_status resolve(const cctx_t *c, const ldns_rdf *name, bnode_t **out)
{
	uint8_t lc[DNS_NAME_MAX], len;
	lower_name(name, lc, &len);
	*out = NULL;
	if (!wire_name_under(lc, len, c->apex->lc, c->apex->len)) /* label by label, not octets */
		return RESOLVE_ELSEWHERE;
	bnode_t *n = bnode_find(c, lc, len);
	if (n) {
		*out = cut_of(n) ? cut_of(n) : n;
		if (n->flags & NODE_OCCLUDED)
			return RESOLVE_REFERRAL;
		return (n->flags & NODE_DELEGATION) ? RESOLVE_CUT : RESOLVE_FOUND;
	}
	const uint8_t *p = lc;
	size_t plen = len;
	while (plen > c->apex->len) {
		plen -= 1u + p[0];
		p += 1u + p[0];
		bnode_t *ce = bnode_find(c, p, plen);
		if (!ce)
			continue;
		if (cut_of(ce)) {
			*out = cut_of(ce);
			return RESOLVE_REFERRAL;
		}
		if (ce->flags & NODE_DNAME) { /* RFC 6672 3.2 step 3c, before wildcards */
			*out = ce;
			return RESOLVE_DNAME;
		}
		uint8_t w[DNS_NAME_MAX];
		if (plen + 2 > DNS_NAME_MAX)
			return RESOLVE_NXDOMAIN;
		w[0] = 1;
		w[1] = '*';
		memcpy(w + 2, p, plen);
		*out = bnode_find(c, w, plen + 2);
		return *out ? RESOLVE_FOUND : RESOLVE_NXDOMAIN;
	}
	return RESOLVE_NXDOMAIN;
}

/* The name a DNAME at d makes of name (below d): its labels above d, then the target.
 * NULL when that is longer than 255 octets (YXDOMAIN, RFC 6672 2.2), or out of memory
 * (c->err). The name is kept in c->made[] until the block is finished. */
static const ldns_rdf *dname_substitute(cctx_t *c, const ldns_rdf *name, const bnode_t *d)
{
	const bset_t *s = bset_find(d, LDNS_RR_TYPE_DNAME);
	const ldns_rdf *target = ldns_rr_rdf(ldns_rr_list_rr(s->rrs, 0), 0);
	size_t prefix = ldns_rdf_size(name) - d->len, len = prefix + ldns_rdf_size(target);
	uint8_t wire[2 * DNS_NAME_MAX];
	if (len > DNS_NAME_MAX || c->nmade == DNAME_HOPS)
		return NULL;
	memcpy(wire, ldns_rdf_data(name), prefix);
	memcpy(wire + prefix, ldns_rdf_data(target), ldns_rdf_size(target));
	ldns_rdf *made = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, len, wire);
	if (!made) {
		c->err = FDNS_ENOMEM;
		return NULL;
	}
	ldns_dname2canonical(made); /* lowercased, as the responder and Knot write it */
	return c->made[c->nmade++] = made;
}

static void free_made(cctx_t *c)
{
	while (c->nmade)
		ldns_rdf_deep_free(c->made[--c->nmade]);
}

/* The DNAME at d and the CNAME it synthesizes for name (RFC 6672 3.1: the DNAME's TTL),
 * in the answer section. Returns the new name, or NULL (see dname_substitute()). */
static const ldns_rdf *write_dname(cctx_t *c, const ldns_rdf *name, const bnode_t *d)
{
	const bset_t *s = bset_find(d, LDNS_RR_TYPE_DNAME);
	build_rrset(c->b, SECTION_ANSWER, d->owner, s->rrs, s->ttl);
	const ldns_rdf *made = dname_substitute(c, name, d);
	if (!made)
		return NULL;
	ldns_rr *cname = ldns_rr_new_frm_type(LDNS_RR_TYPE_CNAME);
	ldns_rr_list *list = ldns_rr_list_new();
	ldns_rdf *owner = ldns_rdf_clone(name), *rdata = ldns_rdf_clone(made);
	if (!cname || !list || !owner || !rdata || !ldns_rr_list_push_rr(list, cname)) {
		c->err = FDNS_ENOMEM;
		ldns_rr_free(cname);
		ldns_rr_list_free(list);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(rdata);
		return NULL;
	}
	ldns_rr_set_owner(cname, owner);
	ldns_rr_set_class(cname, LDNS_RR_CLASS_IN);
	ldns_rr_set_rdf(cname, rdata, 0);
	build_rrset(c->b, SECTION_ANSWER, name, list, s->ttl);
	ldns_rr_list_deep_free(list);
	return made;
}

static void add_target(cctx_t *c, const ldns_rdf *name)
{
	if (c->ntargets < sizeof(c->targets) / sizeof(c->targets[0]))
		c->targets[c->ntargets++] = name;
}

/* Names in these RRsets get their addresses in the additional section (RFC 1035 3.3). */
static void collect_targets(cctx_t *c, const bset_t *s)
{
	int field = s->type == TYPE_NS ? 0 : s->type == TYPE_MX ? 1 : s->type == TYPE_SRV ? 3 : -1;
	if (field < 0)
		return;
	for (size_t i = 0; i < ldns_rr_list_rr_count(s->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(s->rrs, i);
		if ((int)ldns_rr_rd_count(rr) > field)
			add_target(c, ldns_rr_rdf(rr, (size_t)field));
	}
}

static void write_set(cctx_t *c, enum build_section sec, const ldns_rdf *owner, const bset_t *s)
{
	build_rrset(c->b, sec, owner, s->rrs, s->ttl);
	if (sec != SECTION_ADDITIONAL)
		collect_targets(c, s);
}

/* Answer section for (n, qtype) with owner (NULL: the question name; synth: that question
 * is any name n, a wildcard, covers). A CNAME chain stops when it comes back to a name it
 * has answered for (RFC 1034 4.3.2): names, not nodes, so that a wildcard's CNAME to its own
 * owner name "*.w" adds that record once more, as Knot and NSD do; the synthesized first
 * name is never one a target can name. */
static int emit_answer(cctx_t *c, bnode_t *n, const ldns_rdf *owner, uint16_t qtype, bool synth)
{
	uint8_t seen[16][DNS_NAME_MAX], seen_len[16];
	size_t nseen = 0;
	if (!synth) {
		memcpy(seen[0], n->lc, n->len);
		seen_len[nseen++] = n->len;
	}
	for (;;) {
		bset_t *cname = bset_find(n, TYPE_CNAME);
		if (qtype == TYPE_ANY) {
			for (size_t i = 0; i < n->nsets; i++)
				write_set(c, SECTION_ANSWER, owner, &n->sets[i]);
			return n->nsets ? 0 : EMIT_NEED_SOA;
		}
		if (cname && qtype != TYPE_CNAME) {
			write_set(c, SECTION_ANSWER, owner, cname);
			const ldns_rdf *target = ldns_rr_rdf(ldns_rr_list_rr(cname->rrs, 0), 0);
			bnode_t *next;
			enum resolve_status r = resolve(c, target, &next);
			while (r == RESOLVE_DNAME) { /* a CNAME into a DNAME's subtree (Knot) */
				if (c->nmade == DNAME_HOPS)
					return 0;
				target = write_dname(c, target, next);
				if (!target)
					return c->err ? 0 : EMIT_YXDOMAIN;
				r = resolve(c, target, &next);
			}
			switch (r) {
			case RESOLVE_NXDOMAIN:
				return EMIT_NXDOMAIN | EMIT_NEED_SOA;
			case RESOLVE_ELSEWHERE:
			case RESOLVE_DNAME:
				return 0;
			case RESOLVE_CUT:
				if (qtype == TYPE_DS)
					break; /* parent-side data at the cut (RFC 4035 3.1.4.1) */
				               /* fall through */
			case RESOLVE_REFERRAL:
				/* RFC 1034 4.3.2 step 3b for the new name: the delegation's NS set
				 * in authority and its glue in additional, as a referral would. */
				write_set(c, SECTION_AUTHORITY, next->owner,
				          bset_find(next, TYPE_NS));
				c->referral = next;
				return 0;
			case RESOLVE_FOUND:
				break;
			}
			uint8_t lc[DNS_NAME_MAX], len;
			lower_name(target, lc, &len);
			for (size_t i = 0; i < nseen; i++)
				if (seen_len[i] == len && memcmp(seen[i], lc, len) == 0)
					return 0; /* a loop: the chain so far is the answer */
			if (nseen == sizeof(seen) / sizeof(seen[0]))
				return 0;
			memcpy(seen[nseen], lc, len);
			seen_len[nseen++] = len;
			n = next;
			owner = target;
			continue;
		}
		bset_t *s = bset_find(n, qtype);
		if (!s)
			return EMIT_NEED_SOA;
		write_set(c, SECTION_ANSWER, owner, s);
		return 0;
	}
}

/* A and AAAA of the collected names; with a cut, only names inside (or outside) it. A name
 * that does not exist may be covered by a wildcard (RFC 4592 4: additional processing
 * synthesises like any lookup). */
static void emit_addresses(cctx_t *c, const bnode_t *cut, bool inside)
{
	for (size_t i = 0; i < c->ntargets; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = ldns_dname_compare(c->targets[i], c->targets[j]) == 0;
		if (dup)
			continue;
		uint8_t lc[DNS_NAME_MAX], len;
		lower_name(c->targets[i], lc, &len);
		if (cut && wire_name_under(lc, len, cut->lc, cut->len) != inside)
			continue;
		bnode_t *t = bnode_find(c, lc, len);
		if (!t && resolve(c, c->targets[i], &t) != RESOLVE_FOUND)
			continue;
		const bset_t *a = bset_find(t, TYPE_A), *aaaa = bset_find(t, TYPE_AAAA);
		if (a)
			write_set(c, SECTION_ADDITIONAL, c->targets[i], a);
		if (aaaa)
			write_set(c, SECTION_ADDITIONAL, c->targets[i], aaaa);
	}
}

/* The additional section. In a referral (cut set) glue for name servers at or below the cut
 * comes first and must fit, or the response gets TC=1 (RFC 9471 3.1); addresses of other
 * names in the zone are optional and follow it (RFC 9471 3.2). */
static void emit_additional(cctx_t *c, const bnode_t *cut)
{
	if (cut) {
		emit_addresses(c, cut, true);
		build_require(c->b);
	}
	emit_addresses(c, cut, false);
}

static bool is_wildcard(const bnode_t *n)
{
	return n->lc[0] == 1 && n->lc[1] == '*';
}

/* One complete block: answer for (n, qtype), then authority, then additional. */
static const ans_block_t *compile_block(cctx_t *c, bnode_t *n, bool movable, uint16_t qtype)
{
	build_reset(c->b, movable ? NULL : n->lc, n->len);
	/* A wildcard's blocks follow questions for names below its parent; a node's movable
	 * twin (see compile_twins()) follows its own name. */
	if (movable && is_wildcard(n))
		build_question_suffix(c->b, n->lc + 2, n->len - 2u);
	else if (movable)
		build_question_suffix(c->b, n->lc, n->len);
	c->ntargets = 0;
	c->referral = NULL;
	int r = emit_answer(c, n, NULL, qtype, movable && is_wildcard(n));
	if ((r & EMIT_NEED_SOA) && c->soa) /* a part has no CNAME: never without its SOA */
		build_rrset(c->b, SECTION_AUTHORITY, c->apex->owner, c->soa, c->neg_ttl);
	emit_additional(c, c->referral);
	free_made(c);
	uint8_t rcode = (r & EMIT_NXDOMAIN)   ? RCODE_NXDOMAIN
	                : (r & EMIT_YXDOMAIN) ? ANS_RCODE_YXDOMAIN
	                                      : RCODE_NOERROR;
	const ans_block_t *blk = build_finish(c->b, c->arena, rcode, true);
	if (!blk)
		c->err = c->b->overflow ? FDNS_ESPACE : FDNS_ENOMEM;
	return blk;
}

static const ans_block_t *compile_referral(cctx_t *c, bnode_t *cut)
{
	build_reset(c->b, NULL, 0);
	build_question_suffix(c->b, cut->lc, cut->len); /* for names at or below the cut */
	c->ntargets = 0;
	write_set(c, SECTION_AUTHORITY, cut->owner, bset_find(cut, TYPE_NS));
	emit_additional(c, cut);
	const ans_block_t *blk = build_finish(c->b, c->arena, RCODE_NOERROR, false);
	if (!blk)
		c->err = c->b->overflow ? FDNS_ESPACE : FDNS_ENOMEM;
	return blk;
}

static const ans_block_t *compile_negative(cctx_t *c, uint8_t rcode)
{
	build_reset(c->b, NULL, 0);
	build_question_suffix(c->b, c->apex->lc, c->apex->len); /* for any name in the zone */
	build_rrset(c->b, SECTION_AUTHORITY, c->apex->owner, c->soa, c->neg_ttl);
	const ans_block_t *blk = build_finish(c->b, c->arena, rcode, true);
	if (!blk)
		c->err = c->b->overflow ? FDNS_ESPACE : FDNS_ENOMEM;
	return blk;
}

#define ROTATIONS_MAX 64
#define SEQUENCE_MAX  4096 /* steps in a weighted cycle, before scaling (docs/fleet.md) */

/* A record's entry (an A or AAAA address; several: the largest weight's), or NULL. */
static const zone_rotation_t *record_entry(const bset_t *s, const ldns_rr *rr)
{
	const ldns_rdf *d = ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, 0) : NULL;
	const zone_rotation_t *best = NULL;
	for (size_t i = 0; d && i < s->nweights; i++) {
		const zone_rotation_t *e = s->weights[i];
		if (e->rdata_len == ldns_rdf_size(d) &&
		    memcmp(e->rdata, ldns_rdf_data(d), e->rdata_len) == 0 &&
		    (!best || e->weight > best->weight))
			best = e;
	}
	return best;
}

/* The weight of a record: its entry's, ZONE_WEIGHT_DEFAULT without one. */
static uint32_t record_weight(const bset_t *s, const ldns_rr *rr)
{
	const zone_rotation_t *e = record_entry(s, rr);
	return e ? e->weight : ZONE_WEIGHT_DEFAULT;
}

/* 1 + the site of a record's replica, 0: in no site. */
static uint8_t record_site(const bset_t *s, const ldns_rr *rr)
{
	const zone_rotation_t *e = record_entry(s, rr);
	return e ? e->site : 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* The order a weighted RRset's rotations are answered in: one cycle of nginx's smooth
 * weighted round-robin (each step every rotation gains its weight, the largest current
 * value is chosen, the first on ties, and loses the total), so each record comes first in
 * proportion to its weight, evenly spread. A rotation's weight is its first record's; with
 * more records than rotations, the sum of the records it stands for. The cycle has
 * sum / gcd steps; above SEQUENCE_MAX the weights are scaled down in proportion (a non-zero
 * weight stays at least 1), so it has at most SEQUENCE_MAX + ROTATIONS_MAX steps. Equal
 * weights get no sequence: plain rotation, as without weights. */
static void compile_sequence(cctx_t *c, const bset_t *s, size_t count, size_t nrot, ans_type_t *t)
{
	uint64_t w[ROTATIONS_MAX] = {0}, total = 0, g = 0;
	bool differ = false;
	uint32_t first = 0;
	for (size_t j = 0; j < count; j++) {
		uint32_t rw = record_weight(s, ldns_rr_list_rr(s->rrs, j));
		differ |= j > 0 && rw != first;
		first = j ? first : rw;
		if (nrot > count) { /* rotation i starts at record i % count (rotation_start) */
			for (size_t i = j; i < nrot; i += count)
				w[i] = rw;
			continue;
		}
		size_t i = j * nrot / count; /* the last rotation that starts at or before j */
		while (i + 1 < nrot && (i + 1) * count / nrot <= j)
			i++;
		while (i > 0 && i * count / nrot > j)
			i--;
		w[i] += rw;
	}
	for (size_t i = 0; i < nrot; i++)
		total += w[i];
	if (!differ || total == 0)
		return;
	for (size_t i = 0; i < nrot; i++)
		g = gcd(g, w[i]);
	if (total / g > SEQUENCE_MAX) {
		uint64_t scaled = 0;
		for (size_t i = 0; i < nrot; i++) {
			uint64_t v = w[i] * SEQUENCE_MAX / total;
			w[i] = w[i] && !v ? 1 : v;
			scaled += w[i];
		}
		total = scaled;
		g = 0;
		for (size_t i = 0; i < nrot; i++)
			g = gcd(g, w[i]);
	}
	total /= g;
	uint8_t *seq = arena_alloc(c->arena, total);
	if (!seq) {
		c->err = FDNS_ENOMEM;
		return;
	}
	int64_t cur[ROTATIONS_MAX] = {0};
	for (size_t step = 0; step < total; step++) {
		size_t best = nrot;
		for (size_t i = 0; i < nrot; i++) {
			if (!w[i])
				continue;
			cur[i] += (int64_t)(w[i] / g);
			if (best == nrot || cur[i] > cur[best])
				best = i;
		}
		seq[step] = (uint8_t)best;
		cur[best] -= (int64_t)total;
	}
	t->sequence = seq;
	t->nsequence = (uint16_t)total;
}

/* How many rotations a set gets whose first part (count records) leads and rest follows:
 * one per record of first (at most ROTATIONS_MAX); with a rest, enough for both parts to
 * go round (the least common multiple of their sizes, or the largest multiple of count
 * within ROTATIONS_MAX), so that a site's clients do not all fall back to the same other
 * replica. */
static size_t rotations_for(size_t count, size_t nrest)
{
	if (count >= ROTATIONS_MAX)
		return ROTATIONS_MAX;
	if (!nrest)
		return count;
	size_t lcm = count / gcd(count, nrest) * nrest;
	return lcm <= ROTATIONS_MAX ? lcm : ROTATIONS_MAX / count * count;
}

/* The record of first that rotation i of nrot starts at. */
static size_t rotation_start(size_t i, size_t count, size_t nrot)
{
	return nrot > count ? i % count : i * count / nrot;
}

/* Rotations as windows of one block: when an A or AAAA RRset is all its answer (no
 * authority, no additional, no pointer to move), every record the same length, and each
 * rotation starts at its own record and holds them all, one block holds the records twice
 * over (r0..rn-1, r0..rn-2) and rotation i is the n records from record i: 2n - 1 records
 * instead of n^2, the same bytes in every answer. A and AAAA RDATA hold no names, and the
 * owners point at the question (offset 12), so a window copies as well as a block of its
 * own. Returns false when the RRset does not qualify (the caller prepares each rotation). */
static bool compile_windows(cctx_t *c, bnode_t *n, bset_t *s, ldns_rr_list *first,
                            const ans_block_t **rot)
{
	size_t count = ldns_rr_list_rr_count(first), twice = 2 * count - 1;
	if ((s->type != TYPE_A && s->type != TYPE_AAAA) || count < 2)
		return false;
	ldns_rr_list *all = s->rrs, *doubled = ldns_rr_list_new();
	for (size_t k = 0; doubled && k < twice; k++)
		ldns_rr_list_push_rr(doubled, ldns_rr_list_rr(first, k % count));
	if (!doubled || ldns_rr_list_rr_count(doubled) != twice) {
		ldns_rr_list_free(doubled);
		return false;
	}
	s->rrs = doubled;
	const ans_block_t *big = compile_block(c, n, false, s->type);
	s->rrs = all;
	ldns_rr_list_free(doubled);
	if (c->err == FDNS_ESPACE) /* twice over does not fit in a message; once may */
		c->err = FDNS_OK;
	size_t rec = big ? big->len / twice : 0;
	if (!big || big->ncuts != 1 || big->an != twice || big->ns || big->ar || big->nrelocs ||
	    big->nqrefs || rec * twice != big->len)
		return false;
	ans_cut_t *cut = arena_alloc(c->arena, sizeof(*cut));
	ans_block_t *windows = arena_alloc(c->arena, count * sizeof(*windows));
	if (!cut || !windows) {
		c->err = FDNS_ENOMEM;
		return false;
	}
	*cut = (ans_cut_t){.end = (uint16_t)(rec * count), .an = (uint16_t)count};
	for (size_t i = 0; i < count; i++) {
		windows[i] = *big;
		windows[i].an = (uint16_t)count;
		windows[i].len = (uint16_t)(rec * count);
		windows[i].cuts = cut;
		windows[i].wire = big->wire + i * rec;
		rot[i] = &windows[i];
	}
	return true;
}

/* Blocks for a rotated RRset whose records are first then rest (rest may be empty):
 * rotation i starts at first's record rotation_start(i) and goes on through first, then
 * through rest from its record i (modulo), window (or all) records in all. The set's record list
 * is swapped for each rotation while it compiles. A window that does not fit in a message
 * (thousands of replicas, no max-answers) is halved until it does: each answer then carries
 * as many records as a message can. */
static void compile_rotations_of(cctx_t *c, bnode_t *n, bool movable, bset_t *s,
                                 ldns_rr_list *first, const ldns_rr_list *rest, ans_type_t *t)
{
	size_t count = ldns_rr_list_rr_count(first), nrest = ldns_rr_list_rr_count(rest);
	size_t total = count + nrest;
	size_t take = s->window && s->window < total ? s->window : total;
	size_t nrot = rotations_for(count, nrest);
	const ans_block_t **rot = arena_alloc(c->arena, nrot * sizeof(*rot));
	ldns_rr_list *all = s->rrs, *part = ldns_rr_list_new();
	if (!rot || !part) {
		ldns_rr_list_free(part);
		c->err = FDNS_ENOMEM;
		return;
	}
	bool windows = !movable && !nrest && take == count && nrot == count &&
	               compile_windows(c, n, s, first, rot);
	for (size_t i = 0; !windows && i < nrot && !c->err; i++) {
		size_t start = rotation_start(i, count, nrot);
		ldns_rr_list_set_rr_count(part, 0);
		for (size_t k = 0; k < take; k++)
			ldns_rr_list_push_rr(
			    part, k < count ? ldns_rr_list_rr(first, (start + k) % count)
			                    : ldns_rr_list_rr(rest, (i + k - count) % nrest));
		s->rrs = part;
		rot[i] = compile_block(c, n, movable, s->type);
		s->rrs = all;
		if (c->err == FDNS_ESPACE && i == 0 && take > 1) {
			c->err = FDNS_OK;
			take /= 2;
			i--; /* rotation 0 again, with the smaller window */
		}
	}
	ldns_rr_list_free(part);
	t->type = s->type;
	t->rotations = rot;
	t->nrotations = (uint16_t)nrot;
	t->block = rot[0];
	t->sequence = NULL;
	t->nsequence = 0;
	t->sited = NULL;
	t->nsited = 0;
	if (s->nweights && !c->err) {
		s->rrs = first;
		compile_sequence(c, s, count, nrot, t);
		s->rrs = all;
	}
}

/* What a client of each site gets (docs/fleet.md, "Nearest replicas"): the site's records
 * first, in rotation and weighted among themselves, then the others in rotation; only the
 * site's when it has at least its local-only threshold of them. A site without records of
 * the set gets what everyone gets (block NULL). */
static void compile_sites(cctx_t *c, bnode_t *n, bool movable, bset_t *s, ans_type_t *t)
{
	size_t nsites = c->zone->nsites, count = ldns_rr_list_rr_count(s->rrs);
	ans_type_t *sited = arena_alloc(c->arena, nsites * sizeof(*sited));
	ldns_rr_list *local = ldns_rr_list_new(), *others = ldns_rr_list_new();
	if (!sited || !local || !others) {
		c->err = FDNS_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nsites && !c->err; k++) {
		ldns_rr_list_set_rr_count(local, 0);
		ldns_rr_list_set_rr_count(others, 0);
		for (size_t j = 0; j < count; j++) {
			ldns_rr *rr = ldns_rr_list_rr(s->rrs, j);
			ldns_rr_list_push_rr(record_site(s, rr) == k + 1 ? local : others, rr);
		}
		size_t nlocal = ldns_rr_list_rr_count(local);
		unsigned only = c->zone->site_local_only[k];
		if (only && nlocal >= only)
			ldns_rr_list_set_rr_count(others, 0);
		memset(&sited[k], 0, sizeof(sited[k]));
		if (nlocal)
			compile_rotations_of(c, n, movable, s, local, others, &sited[k]);
	}
	t->sited = sited;
	t->nsited = (uint8_t)nsites;
out:
	ldns_rr_list_free(local);
	ldns_rr_list_free(others);
}

/* Does any record of s run in a site? */
static bool set_has_sites(const bset_t *s)
{
	for (size_t i = 0; i < s->nweights; i++)
		if (s->weights[i]->site)
			return true;
	return false;
}

/* A rotated RRset: its rotations for everyone, and per site when its records are in sites. */
static void compile_rotations(cctx_t *c, bnode_t *n, bool movable, bset_t *s, ans_type_t *t)
{
	ldns_rr_list *none = ldns_rr_list_new();
	if (!none) {
		c->err = FDNS_ENOMEM;
		return;
	}
	compile_rotations_of(c, n, movable, s, s->rrs, none, t);
	ldns_rr_list_free(none);
	if (!c->err && c->zone->nsites && set_has_sites(s))
		compile_sites(c, n, movable, s, t);
}

static int cmp_type(const void *a, const void *b)
{
	return (int)((const ans_type_t *)a)->type - (int)((const ans_type_t *)b)->type;
}

static void add_type(uint16_t *types, size_t *ntypes, uint16_t type)
{
	for (size_t j = 0; j < *ntypes; j++)
		if (types[j] == type)
			return;
	if (*ntypes < 256)
		types[(*ntypes)++] = type;
}

/* Blocks for every type n answers, following CNAME chains to learn those types. */
static void compile_answers(cctx_t *c, bnode_t *n, ans_node_t *out, bool movable)
{
	uint16_t types[256];
	size_t ntypes = 0;
	for (size_t i = 0; i < n->nsets && ntypes < 128; i++)
		types[ntypes++] = n->sets[i].type;
	/* For a CNAME, each type at the end of the chain gets a ready block too. */
	bnode_t *end = n;
	for (int hop = 0; hop < 16 && bset_find(end, TYPE_CNAME); hop++) {
		bnode_t *next;
		const bset_t *cn = bset_find(end, TYPE_CNAME);
		const ldns_rdf *target = ldns_rr_rdf(ldns_rr_list_rr(cn->rrs, 0), 0);
		enum resolve_status r = resolve(c, target, &next);
		while (r == RESOLVE_DNAME && (target = dname_substitute(c, target, next)) != NULL)
			r = resolve(c, target, &next);
		if (r == RESOLVE_CUT)
			add_type(types, &ntypes, TYPE_DS); /* DS there, or NODATA; not a referral */
		if (r != RESOLVE_FOUND)
			break;
		end = next;
	}
	free_made(c);
	if (end != n)
		for (size_t i = 0; i < end->nsets; i++)
			add_type(types, &ntypes, end->sets[i].type);
	ans_type_t *t = arena_alloc(c->arena, (ntypes ? ntypes : 1) * sizeof(*t));
	if (!t) {
		c->err = FDNS_ENOMEM;
		return;
	}
	for (size_t i = 0; i < ntypes; i++) {
		t[i].type = types[i];
		bset_t *s = bset_find(n, types[i]);
		if (s && s->rotate && ldns_rr_list_rr_count(s->rrs) > 1) {
			compile_rotations(c, n, movable, s, &t[i]);
			/* One query counter per site (in order, after everyone's) when the name
			 * answers per site, so each site's sequence is followed exactly. */
			size_t counters = 1 + (t[i].sited ? c->zone->nsites : 0);
			if (!out->rotation || counters > 1)
				out->rotation = arena_alloc(c->arena, counters * sizeof(uint32_t));
		} else {
			t[i].block = compile_block(c, n, movable, types[i]);
		}
	}
	qsort(t, ntypes, sizeof(*t), cmp_type);
	out->types = t;
	out->ntypes = (uint16_t)ntypes;
	/* Most names share blocks instead of holding copies: any type they lack is the zone's
	 * NODATA, and ANY at a name with one RRset is that RRset's answer. */
	bool cname = bset_find(n, TYPE_CNAME) != NULL;
	out->other = cname ? compile_block(c, n, movable, 0) : NULL;
	out->any_udp_type = 0;
	for (size_t i = 0; n->nsets > 1 && i < n->nsets; i++) /* the lowest type: stable */
		if (!out->any_udp_type || n->sets[i].type < out->any_udp_type)
			out->any_udp_type = n->sets[i].type;
	if (n->nsets == 0) {
		out->any = NULL;
	} else if (n->nsets == 1) {
		for (size_t i = 0; i < ntypes; i++)
			if (t[i].type == n->sets[0].type)
				out->any = t[i].block;
	} else {
		out->any = compile_block(c, n, movable, TYPE_ANY);
	}
}

/* The offset just past the name at off in a block being built (labels, or a pointer). */
static size_t skip_name(const build_t *b, size_t off)
{
	while (off < b->len && b->buf[off] != 0 && (b->buf[off] & 0xC0) != 0xC0)
		off += 1u + b->buf[off];
	return off + ((off < b->len && b->buf[off] != 0) ? 2 : 1);
}

/* The DNAME RRset of n, movable after any question below n, and where its target sits, so
 * that the responder can write the synthesized CNAME after it (see ans_dname_t). With two
 * DNAMEs at one name (a zone the checks should have refused), the first one's target. */
static const ans_dname_t *compile_dname(cctx_t *c, bnode_t *n)
{
	const bset_t *s = bset_find(n, LDNS_RR_TYPE_DNAME);
	ans_dname_t *d = arena_alloc(c->arena, sizeof(*d));
	if (!d) {
		c->err = FDNS_ENOMEM;
		return NULL;
	}
	build_reset(c->b, NULL, 0);
	build_question_suffix(c->b, n->lc, n->len); /* the owner: a pointer into the question */
	build_rrset(c->b, SECTION_ANSWER, n->owner, s->rrs, s->ttl);
	size_t rdata = skip_name(c->b, 0) + 10; /* type, class, TTL, RDLENGTH */
	if (!c->b->overflow && rdata <= c->b->len) {
		d->target_off = (uint16_t)rdata;
		d->target_len = (uint8_t)wire_rd16(c->b->buf + rdata - 2);
	}
	d->ttl = s->ttl;
	d->block = build_finish(c->b, c->arena, RCODE_NOERROR, true);
	if (!d->block)
		c->err = c->b->overflow ? FDNS_ESPACE : FDNS_ENOMEM;
	return d;
}

static ans_node_t *new_node(cctx_t *c, const bnode_t *n)
{
	ans_node_t *a = arena_alloc(c->arena, sizeof(*a));
	uint8_t *name = arena_alloc(c->arena, n->len);
	if (!a || !name) {
		c->err = FDNS_ENOMEM;
		return NULL;
	}
	memcpy(name, n->lc, n->len);
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->name_len = n->len;
	a->flags = n->flags;
	return a;
}

/* a's rare fields (snapshot.h), made when the first is set; NULL when out of memory. */
static ans_node_rare_t *rare_of(cctx_t *c, ans_node_t *a)
{
	if (!a->rare && (a->rare = arena_alloc(c->arena, sizeof(*a->rare))))
		memset(a->rare, 0, sizeof(*a->rare));
	if (!a->rare)
		c->err = FDNS_ENOMEM;
	return a->rare;
}

static void compile_nodes(cctx_t *c, ans_part_t *part)
{
	for (bnode_t *n = c->first; n && !c->err; n = n->lnext)
		part->nodes[part->nnodes++] = n->out = new_node(c, n);
	for (bnode_t *n = c->first; n && !c->err; n = n->lnext) {
		ans_node_t *a = n->out;
		ans_node_rare_t *r = n->flags & (NODE_OCCLUDED | NODE_DELEGATION | NODE_DNAME)
		                         ? rare_of(c, a)
		                         : NULL;
		if (c->err)
			return;
		if (n->flags & NODE_OCCLUDED) {
			r->cut = n->cut->out;
			continue;
		}
		if (n->flags & NODE_DELEGATION) {
			/* Only DS belongs to the parent side of a cut (RFC 4035 3.1.4.1). */
			r->referral = compile_referral(c, n);
			bset_t *ds = bset_find(n, TYPE_DS);
			if (ds) {
				ans_type_t *t = arena_alloc(c->arena, sizeof(*t));
				if (!t) {
					c->err = FDNS_ENOMEM;
					return;
				}
				t->type = TYPE_DS;
				t->block = compile_block(c, n, false, TYPE_DS);
				a->types = t;
				a->ntypes = 1;
			}
			continue;
		}
		compile_answers(c, n, a, false);
		if (n->flags & NODE_DNAME)
			r->dname = compile_dname(c, n);
		if (is_wildcard(n)) {
			/* The parent answers, through this, for every name the wildcard covers. */
			uint8_t plen = (uint8_t)(n->len - 2);
			bnode_t *parent = bnode_find(c, n->lc + 2, plen);
			ans_node_t *w = new_node(c, n);
			if (!parent || !w)
				return;
			compile_answers(c, n, w, true);
			ans_node_rare_t *pr = rare_of(c, parent->out);
			if (pr)
				pr->wildcard = w;
		}
	}
}

/* A name that a DNAME of this zone leads to is answered after the synthesized CNAME, where
 * the response holds it in two pieces (the query's labels, the DNAME's target): the blocks
 * of nodes at or below an in-zone DNAME target get movable twins, whose pointers to the
 * name the responder aims there (RFC 6672 3.2: "go back to step 1"). Occluded names are
 * answered by their cut's referral, which is movable already. */
static void compile_twins(cctx_t *c)
{
	bool any = false;
	for (bnode_t *d = c->first; d; d = d->lnext) {
		if (!(d->flags & NODE_DNAME))
			continue;
		const bset_t *s = bset_find(d, LDNS_RR_TYPE_DNAME);
		uint8_t t[DNS_NAME_MAX], tlen;
		lower_name(ldns_rr_rdf(ldns_rr_list_rr(s->rrs, 0), 0), t, &tlen);
		if (!wire_name_under(t, tlen, c->apex->lc, c->apex->len))
			continue;
		for (bnode_t *n = c->first; n; n = n->lnext)
			if (!(n->flags & NODE_OCCLUDED) && wire_name_under(n->lc, n->len, t, tlen))
				any = n->twin = true;
	}
	for (bnode_t *n = c->first; any && n && !c->err; n = n->lnext) {
		if (!n->twin)
			continue;
		ans_node_t *w = new_node(c, n);
		ans_node_rare_t *wr = w ? rare_of(c, w) : NULL,
		                *nr = wr ? rare_of(c, n->out) : NULL;
		if (!nr)
			return;
		wr->dname = nr->dname;
		if (n->flags & NODE_DELEGATION) {
			wr->referral = nr->referral;
			if (n->out->ntypes) { /* DS at the cut */
				ans_type_t *t = arena_alloc(c->arena, sizeof(*t));
				if (!t) {
					c->err = FDNS_ENOMEM;
					return;
				}
				t->type = TYPE_DS;
				t->block = compile_block(c, n, true, TYPE_DS);
				w->types = t;
				w->ntypes = 1;
			}
		} else {
			compile_answers(c, n, w, true);
		}
		nr->moved = w;
	}
}

static void free_bnodes(cctx_t *c)
{
	for (bnode_t *n = c->first; n; n = n->lnext)
		for (size_t i = 0; i < n->nsets; i++) {
			ldns_rr_list_free(n->sets[i].rrs);
			free(n->sets[i].weights);
		}
	arena_free_all(&c->scratch);
	free(c->buckets);
}

/* A part holds names at or below its root, with nothing that reaches outside: no CNAME,
 * DNAME, NS or wildcard (see snapshot.h). */
static int check_part(const zone_data_t *zone, const ldns_rdf *root)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(zone->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(zone->rrs, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_CNAME || t == LDNS_RR_TYPE_DNAME || t == LDNS_RR_TYPE_NS ||
		    t == LDNS_RR_TYPE_SOA || ldns_dname_is_wildcard(ldns_rr_owner(rr)))
			return FDNS_EINVAL;
		if (ldns_dname_compare(ldns_rr_owner(rr), root) != 0 &&
		    !ldns_dname_is_subdomain(ldns_rr_owner(rr), root))
			return FDNS_EINVAL;
	}
	return FDNS_OK;
}

/* What transfers send of a part: its records, and the base's SOA (wanted without records
 * too: a secondary asking for a zone nobody may transfer still learns its serial). */
static int keep_records(ans_part_t *part, const zone_data_t *zone, bool base, bool records)
{
	int ret = records ? records_from_list(&part->records, zone->rrs) : FDNS_OK;
	if (ret == FDNS_OK && base)
		ret = records_soa(&part->soa, &part->soa_len, zone->rrs);
	return ret == FDNS_ENOENT ? FDNS_OK : ret; /* a base has its SOA: the zone was checked */
}

size_t compile_names_estimate(const ldns_rr_list *rrs)
{
	size_t runs = 0;
	const ldns_rdf *prev = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(rrs, i));
		if (!prev || ldns_rdf_compare(prev, owner) != 0)
			runs++;
		prev = owner;
	}
	return runs;
}

/* The arena's half of a compile: part's nodes and blocks from c's names, in an arena whose
 * first chunk is first bytes (0: the default). Returns 0 or FDNS_E*. */
static int compile_into(cctx_t *c, ans_part_t *part, size_t first)
{
	arena_init_sized(&part->arena, first);
	c->arena = &part->arena;
	c->err = FDNS_OK;
	part->nnodes = 0;
	size_t nnodes = 0;
	for (bnode_t *n = c->first; n; n = n->lnext)
		nnodes++;
	part->nodes = arena_alloc(c->arena, nnodes * sizeof(*part->nodes));
	if (!part->nodes)
		return FDNS_ENOMEM;
	if (!c->part) {
		part->serial = c->zone->serial;
		part->apex_labels = (uint8_t)ldns_dname_label_count(c->zone->apex);
		part->nodata = compile_negative(c, RCODE_NOERROR);
		part->nxdomain = compile_negative(c, RCODE_NXDOMAIN);
	}
	compile_nodes(c, part);
	if (!c->err && !c->part)
		compile_twins(c);
	return c->err;
}

int compile_part(ans_part_t **out, zone_data_t *zone, const ldns_rdf *root, bool records,
                 build_t *b)
{
	*out = NULL;
	size_t nrr = ldns_rr_list_rr_count(zone->rrs), buckets = 16;
	if (root) {
		int ret = check_part(zone, root);
		if (ret < 0 || nrr == 0)
			return ret; /* an empty part is no part */
	}
	/* By names, not records (4 times fewer at 4 records a name); more grow the array. */
	size_t names = compile_names_estimate(zone->rrs);
	while (buckets < names * 2)
		buckets *= 2;
	cctx_t c = {.zone = zone,
	            .root = root ? root : zone->apex,
	            .part = root != NULL,
	            .b = b,
	            .mask = buckets - 1};
	arena_init(&c.scratch);
	ans_part_t *part = calloc(1, sizeof(*part));
	c.buckets = calloc(buckets, sizeof(*c.buckets));
	int ret = part && c.buckets ? collect_names(&c) : FDNS_ENOMEM;
	if (ret < 0)
		goto done;
	mark_cuts(&c);
	ret = compile_into(&c, part, 0);
	/* A part (a fleet service: a few KiB) compiles again into one chunk of exactly what the
	 * first time took: chunks that double from 2 KiB left 93 B a replica unused. The
	 * compile is deterministic, so the same allocations fill it to the byte. */
	if (ret == FDNS_OK && c.part && part->arena.total > 0) {
		size_t exact = part->arena.total;
		arena_free_all(&part->arena);
		ret = compile_into(&c, part, exact);
	}
	if (ret == FDNS_OK)
		ret = keep_records(part, zone, !c.part, records);
done:
	free_bnodes(&c);
	if (ret == FDNS_OK) {
		part->refs = 1;
		*out = part;
	} else if (part) {
		part->refs = 1;
		part_unref(part);
	}
	return ret;
}
