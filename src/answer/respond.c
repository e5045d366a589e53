/* SPDX-License-Identifier: MIT */
/* respond.c -- the query-time half: find the compiled block, copy it, patch the header.
 *
 * Nothing here allocates or calls ldns. The work per query is a few hash lookups on the
 * lowercased question name and one or two memcpy calls.
 */
#include <string.h>

#include "answer/respond.h"
#include "answer/snapshot.h"
#include "wire/bytes.h"
#include "wire/name.h"

#define OPT_RR_LEN 11

size_t answer_udp_limit(const snapshot_t *snap, const query_t *q)
{
	size_t limit = q->has_opt ? q->udp_size : 512;
	return limit < snap->udp_size ? limit : snap->udp_size;
}

/* Header, question (as the client wrote it) and nothing else. Returns the length. */
static size_t write_head(const query_t *q, uint8_t *out, uint8_t rcode, bool aa, bool question)
{
	wire_wr16(out, q->id);
	out[2] = (uint8_t)(0x80 | (q->opcode << 3) | (aa ? 0x04 : 0) | (q->rd ? 0x01 : 0));
	out[3] = (uint8_t)((q->cd ? 0x10 : 0) | (rcode & 0x0F));
	memset(out + 4, 0, 8);
	if (!question || !q->has_question)
		return DNS_HEADER_LEN;
	wire_wr16(out + 4, 1);
	size_t qlen = q->question_end - DNS_HEADER_LEN;
	memcpy(out + DNS_HEADER_LEN, q->msg + DNS_HEADER_LEN, qlen);
	return DNS_HEADER_LEN + qlen;
}

/* Append the OPT record when the query had one (RFC 6891 6.1.1), and count it. */
static size_t write_opt(const snapshot_t *s, const query_t *q, uint8_t *out, size_t len,
                        uint8_t rcode)
{
	if (!q->has_opt)
		return len;
	uint8_t *p = out + len;
	p[0] = 0;
	wire_wr16(p + 1, 41);
	wire_wr16(p + 3, s->udp_size);
	p[5] = (uint8_t)(rcode >> 4); /* extended RCODE, upper 8 bits */
	p[6] = 0;                     /* version 0 */
	p[7] = q->do_bit ? 0x80 : 0;
	p[8] = 0;
	wire_wr16(p + 9, 0);
	wire_wr16(out + 10, (uint16_t)(wire_rd16(out + 10) + 1));
	return len + OPT_RR_LEN;
}

static size_t respond_error(const snapshot_t *s, const query_t *q, uint8_t *out, uint8_t rcode,
                            bool aa)
{
	size_t len = write_head(q, out, rcode, aa, true);
	return write_opt(s, q, out, len, rcode);
}

/* Who asks: the query, and its client's site, looked up only when an answer depends on it
 * (a name answered per site, see ans_type_t's sited). */
typedef struct client {
	const query_t *q;
	const ans_sites_t *sites;
	bool looked_up;
	bool tailored; /* the response depends on the client's site */
	uint8_t site, scope;
} client_t;

/* What c's site gets of t, and the node counter that goes with it. */
static const ans_type_t *sited_type(const ans_type_t *t, client_t *c, unsigned *counter)
{
	if (!c->looked_up) {
		c->site = ans_sites_lookup(c->sites, c->q, &c->scope);
		c->looked_up = true;
	}
	c->tailored = true;
	if (c->site >= t->nsited || !t->sited[c->site].block)
		return t;
	*counter = 1u + c->site;
	return &t->sited[c->site];
}

static const ans_block_t *type_block(const ans_node_t *n, uint16_t qtype, client_t *c)
{
	for (uint16_t i = 0; i < n->ntypes; i++) {
		const ans_type_t *t = &n->types[i];
		if (t->type != qtype)
			continue;
		unsigned counter = 0;
		if (t->sited)
			t = sited_type(t, c, &counter);
		if (t->nrotations < 2)
			return t->block;
		/* Round-robin: each query of this name starts one record further; or, weighted,
		 * at the record the compiled sequence names for this step. */
		uint32_t k = __atomic_fetch_add(&n->rotation[counter], 1, __ATOMIC_RELAXED);
		if (t->nsequence)
			return t->rotations[t->sequence[k % t->nsequence]];
		return t->rotations[k % t->nrotations];
	}
	return NULL;
}

/* ANY: over UDP one RRset, the lowest type's (RFC 8482 4.2; Knot picks one at random), so a
 * spoofed ANY cannot fetch everything a name holds toward its victim; over TCP, where the
 * client's address is real, every RRset. */
static const ans_block_t *any_block(const ans_zone_t *z, const ans_node_t *n, client_t *c)
{
	const ans_block_t *b =
	    !c->q->tcp && n->any_udp_type ? type_block(n, n->any_udp_type, c) : NULL;
	return b ? b : n->any ? n->any : z->nodata;
}

/* The block for q's type at a name that exists (or is synthesised from a wildcard). */
static const ans_block_t *node_block(const ans_zone_t *z, const ans_node_t *n, client_t *c)
{
	uint16_t qtype = c->q->qtype;
	if (n->flags & NODE_OCCLUDED)
		return n->rare->cut->rare->referral; /* set with the flags: compile.c */
	if (n->flags & NODE_DELEGATION) {
		if (qtype != TYPE_DS)
			return n->rare->referral;
		const ans_block_t *b = type_block(n, qtype, c);
		return b ? b : z->nodata;
	}
	if (qtype == TYPE_ANY)
		return any_block(z, n, c);
	const ans_block_t *b = type_block(n, qtype, c);
	if (b)
		return b;
	return n->other ? n->other : z->nodata;
}

/* RFC 1034 4.3.2 step 3 (with RFC 6672 3.2 step 3c), over compiled data, for the name
 * (lowercased wire, len octets, its labels at label_off[0..nlabels)) that q asks for or that
 * a DNAME led to (moved: the movable twin of an exact match, see ans_node_t). A name below
 * a DNAME owner gets no block: *dname is set to the owner's node and *label to the owner's
 * first label in the name. */
static const ans_block_t *lookup_name(const ans_zone_t *z, client_t *c, const uint8_t *name,
                                      size_t len, unsigned nlabels, const uint8_t *label_off,
                                      bool moved, const ans_node_t **dname, unsigned *label)
{
	*dname = NULL;
	const ans_node_t *n = ans_zone_find(z, name, len);
	if (n)
		return node_block(z, moved && node_moved(n) ? node_moved(n) : n, c);
	/* The closest encloser: the longest existing ancestor (the apex always exists). */
	unsigned last = nlabels - z->apex_labels;
	for (unsigned i = 1; i <= last; i++) {
		unsigned off = label_off[i];
		const ans_node_t *ce = ans_zone_find(z, name + off, len - off);
		if (!ce)
			continue;
		if (ce->flags & NODE_OCCLUDED)
			return ce->rare->cut->rare->referral;
		if (ce->flags & NODE_DELEGATION)
			return ce->rare->referral;
		if (ce->flags & NODE_DNAME) { /* RFC 6672 3.2 step 3c: before any wildcard */
			*dname = ce;
			*label = i;
			return NULL;
		}
		const ans_node_t *wild = node_wildcard(ce);
		if (wild)
			return node_block(z, wild, c);
		return z->nxdomain;
	}
	return z->nxdomain;
}

/* The closest zone enclosing the question name, searched from label first on. */
static const ans_zone_t *find_zone_from(const snapshot_t *s, const query_t *q, unsigned first)
{
	for (unsigned i = first; i <= q->nlabels; i++) {
		unsigned off = i < q->nlabels ? q->label_off[i] : (unsigned)q->qname_len - 1;
		const ans_zone_t *z = snapshot_find_zone(s, q->qname + off, q->qname_len - off);
		if (z)
			return z;
	}
	return NULL;
}

/* DS lives on the parent side of a cut: when we serve the parent too, it answers, not the
 * child apex (RFC 4035 3.1.4.1). Without the parent, the child gives NODATA. */
static const ans_zone_t *find_zone(const snapshot_t *s, const query_t *q)
{
	const ans_zone_t *z = NULL;
	if (q->qtype == TYPE_DS && q->nlabels > 0)
		z = find_zone_from(s, q, 1);
	return z ? z : find_zone_from(s, q, 0);
}

/* A response made of blocks one after the other: what it holds so far. */
typedef struct resp {
	size_t len, end; /* end: where the OPT record (or maxsize) begins */
	uint16_t an, ns, ar;
	bool tc;
} resp_t;

/* How much of b fits in r: whole RRsets only (b->cuts). Returns the octets to copy and sets
 * the counts of what they hold; TC only when answer or authority data is missing (RFC 2181
 * 9). */
static size_t fit_block(resp_t *r, const ans_block_t *b, uint16_t *an, uint16_t *ns, uint16_t *ar)
{
	size_t room = r->end - r->len;
	*an = b->an, *ns = b->ns, *ar = b->ar;
	if (b->len <= room)
		return b->len;
	size_t k = 0;
	while (k < b->ncuts && b->cuts[k].end <= room)
		k++;
	r->tc |= k < b->nrequired;
	*an = k ? b->cuts[k - 1].an : 0;
	*ns = k ? b->cuts[k - 1].ns : 0;
	*ar = k ? b->cuts[k - 1].ar : 0;
	return k ? b->cuts[k - 1].end : 0;
}

/* Header counts and TC of r, then OPT. Returns the response length. */
static size_t finish(const snapshot_t *s, const query_t *q, const resp_t *r, uint8_t *out,
                     uint8_t rcode)
{
	if (r->tc)
		out[2] |= 0x02;
	wire_wr16(out + 6, r->an);
	wire_wr16(out + 8, r->ns);
	wire_wr16(out + 10, r->ar);
	return write_opt(s, q, out, r->len, rcode);
}

/* Copy a block after the question, keeping whole RRsets that fit in maxsize. */
static size_t copy_block(const snapshot_t *s, const query_t *q, const ans_block_t *b, uint8_t *out,
                         size_t maxsize)
{
	size_t len = write_head(q, out, b->rcode, b->aa, true);
	resp_t r = {.len = len, .end = maxsize - (q->has_opt ? OPT_RR_LEN : 0)};
	size_t take = fit_block(&r, b, &r.an, &r.ns, &r.ar);
	memcpy(out + len, b->wire, take);
	if (b->movable) {
		for (uint16_t i = 0; i < b->nrelocs && b->relocs[i] < take; i++) {
			uint8_t *p = out + len + b->relocs[i];
			/* Modulo 2^14: pointers into the question are stored negative. */
			uint16_t ptr = (uint16_t)((wire_rd16(p) + len) & 0x3FFF);
			wire_wr16(p, (uint16_t)(0xC000 | ptr));
		}
	}
	r.len += take;
	return finish(s, q, &r, out, b->rcode);
}

/* Where the name that a block answers for sits in a response built after a DNAME: its first
 * head_len octets at head (labels), the rest at tail (a whole name, root included). The
 * question is all head. */
typedef struct name_at {
	size_t head, head_len, tail, tail_len;
} name_at_t;

/* The offset of the name's suffix of n octets. */
static size_t suffix_at(const name_at_t *a, size_t n)
{
	return n <= a->tail_len ? a->tail + a->tail_len - n
	                        : a->head + a->head_len + a->tail_len - n;
}

/* Append movable block b to r, its pointers into "the question" aimed at the name at a
 * instead (a block's pointers to suffixes of its question are stored negative: values from
 * 0x3E00 up, see build_question_suffix(); its own names are below 0x3E00). Returns true when
 * b was copied whole. */
static bool append_block(resp_t *r, uint8_t *out, const ans_block_t *b, const name_at_t *a)
{
	uint16_t an, ns, ar;
	size_t end = r->end;
	if (r->end > 0x3FFF) /* every pointer target must stay below 2^14 */
		r->end = r->len < 0x3FFF ? 0x3FFF : r->len;
	size_t take = fit_block(r, b, &an, &ns, &ar);
	r->end = end;
	uint8_t *p0 = out + r->len;
	memcpy(p0, b->wire, take);
	for (uint16_t i = 0; i < b->nrelocs && b->relocs[i] < take; i++) {
		uint8_t *p = p0 + b->relocs[i];
		size_t v = wire_rd16(p) & 0x3FFF;
		size_t to = v >= 0x3E00 ? suffix_at(a, 0x4000 - v - 4) : r->len + v;
		wire_wr16(p, (uint16_t)(0xC000 | to));
	}
	for (uint16_t i = 0; i < b->nqrefs && b->qrefs[i] < take; i++)
		wire_wr16(p0 + b->qrefs[i],
		          (uint16_t)(0xC000 | suffix_at(a, a->head_len + a->tail_len)));
	r->len += take;
	r->an = (uint16_t)(r->an + an);
	r->ns = (uint16_t)(r->ns + ns);
	r->ar = (uint16_t)(r->ar + ar);
	return take == b->len;
}

#define DNAME_HOPS_MAX 5 /* DNAMEs substituted for one query (Knot: CNAME_CHAIN_MAX) */

/* RFC 6672 3.2 step 3c: the name at q's label (and the labels before it) is below the DNAME
 * owner d. The response: the DNAME RRset (prepared), a CNAME synthesized from the query's
 * labels and the DNAME's target (owner: the name asked, TTL: the DNAME's; RDATA: the labels
 * lowercased, then a pointer to the target in the DNAME's RDATA), then the new
 * name looked up again in the zone, as Knot does: another DNAME, or the answer of the name
 * it leads to through blocks that can be moved there. Stops after the CNAME for a CNAME
 * query, for a name outside the zone or after DNAME_HOPS_MAX. A new name longer than 255
 * octets: YXDOMAIN with the DNAME alone (RFC 6672 2.2). */
static size_t respond_dname(const snapshot_t *s, client_t *c, const ans_zone_t *z,
                            const ans_node_t *d, unsigned label, uint8_t *out, size_t maxsize)
{
	const query_t *q = c->q;
	resp_t r = {.len = write_head(q, out, RCODE_NOERROR, true, true),
	            .end = maxsize - (q->has_opt ? OPT_RR_LEN : 0)};
	uint8_t rcode = RCODE_NOERROR;
	name_at_t cur = {.head = DNS_HEADER_LEN, .head_len = q->qname_len};
	uint8_t name[DNS_NAME_MAX], offs[DNS_LABELS_MAX];
	const uint8_t *lc = q->qname, *label_off = q->label_off;
	unsigned nlabels = q->nlabels;
	const ans_dname_t *seen[DNAME_HOPS_MAX];
	size_t seen_at[DNAME_HOPS_MAX];
	for (unsigned hop = 0;; hop++) {
		const ans_dname_t *dn = d->rare->dname;
		size_t prefix = label_off[label];
		unsigned k = 0;
		while (k < hop && seen[k] != dn)
			k++;
		/* The same DNAME again (a target below its own owner): in the answer once, as
		 * Knot does; its target is where it was written. */
		seen[hop] = dn;
		seen_at[hop] = k < hop ? seen_at[k] : r.len;
		size_t at = seen_at[hop];
		if (k == hop && !append_block(&r, out, dn->block, &cur))
			break;
		if (prefix + dn->target_len > DNS_NAME_MAX) {
			rcode = ANS_RCODE_YXDOMAIN;
			break;
		}
		size_t rdlen = prefix + 2;
		if (12 + rdlen > r.end - r.len) {
			r.tc = true;
			break;
		}
		uint8_t *p = out + r.len;
		wire_wr16(p, (uint16_t)(0xC000 | suffix_at(&cur, cur.head_len + cur.tail_len)));
		wire_wr16(p + 2, TYPE_CNAME);
		wire_wr16(p + 4, CLASS_IN);
		wire_wr32(p + 6, dn->ttl);
		wire_wr16(p + 10, (uint16_t)rdlen);
		/* The labels above the owner, lowercased as Knot writes them (the owner keeps
		 * the client's letter case: it points to the question). */
		memcpy(p + 12, lc, prefix);
		wire_wr16(p + 12 + prefix, (uint16_t)(0xC000 | (at + dn->target_off)));
		cur = (name_at_t){.head = r.len + 12,
		                  .head_len = prefix,
		                  .tail = at + dn->target_off,
		                  .tail_len = dn->target_len};
		r.len += 12 + rdlen;
		r.an++;
		if (q->qtype == TYPE_CNAME)
			break; /* the synthesized CNAME answers a CNAME query (Knot) */
		/* The new name, lowercased, and its labels. */
		size_t len = prefix + dn->target_len;
		memmove(name, lc, prefix);
		wire_name_lower(name + prefix, out + cur.tail, dn->target_len);
		nlabels = wire_name_labels(name, offs);
		lc = name;
		label_off = offs;
		if (nlabels <= z->apex_labels)
			break;
		size_t apex_at = offs[nlabels - z->apex_labels];
		if (len - apex_at != z->apex_len ||
		    memcmp(name + apex_at, z->apex, z->apex_len) != 0)
			break; /* outside the zone: the resolver follows the CNAME */
		const ans_block_t *b =
		    lookup_name(z, c, name, len, nlabels, offs, true, &d, &label);
		if (d && hop + 1 < DNAME_HOPS_MAX)
			continue;
		if (!d && b && b->movable) {
			append_block(&r, out, b, &cur);
			rcode = b->rcode;
		}
		break;
	}
	out[3] = (uint8_t)((out[3] & 0xF0) | (rcode & 0x0F));
	return finish(s, q, &r, out, rcode);
}

size_t answer__respond_block(const snapshot_t *s, const query_t *q, const ans_block_t *b,
                             uint8_t *out, size_t maxsize)
{
	if (q->has_opt && q->edns_version > 0)
		return respond_error(s, q, out, RCODE_BADVERS, false);
	return b ? copy_block(s, q, b, out, maxsize)
	         : respond_error(s, q, out, RCODE_REFUSED, false);
}

size_t answer_respond(const snapshot_t *s, const query_t *q, enum query_verdict v, uint8_t *out,
                      size_t maxsize)
{
	answer_meta_t meta;
	return answer_respond_zone(s, q, v, out, maxsize, &meta);
}

/* What a request that cannot be answered gets (query_parse()'s verdict): nothing, FORMERR or
 * NOTIMP. Cold and apart, so that answered queries pay one comparison for all of it. */
static size_t __attribute__((cold, noinline))
respond_verdict(const snapshot_t *s, const query_t *q, enum query_verdict v, uint8_t *out)
{
	switch (v) {
	case QUERY_DROP:
	case QUERY_OK:
		return 0;
	case QUERY_FORMERR: {
		/* With an OPT whenever the request has one, also after the fault that stopped the
		 * reader (RFC 6891 7). */
		query_t found = *q;
		query_opt_skim(&found);
		return respond_error(s, &found, out, RCODE_FORMERR, false);
	}
	case QUERY_NOTIMP: {
		/* CD is a flag of DNSSEC queries (RFC 4035 3.2.2) with no meaning for an opcode we
		 * do not implement: not echoed there, as Knot does and ISC's genreport expects.
		 * RD is echoed, as Knot does. */
		size_t len = respond_error(s, q, out, RCODE_NOTIMP, false);
		out[3] &= (uint8_t)~0x10;
		return len;
	}
	}
	return 0;
}

/* The name q asks for, in zone z. */
static size_t respond_name(const snapshot_t *s, const query_t *q, const ans_zone_t *z, uint8_t *out,
                           size_t maxsize, answer_meta_t *meta)
{
	client_t c = {.q = q, .sites = s->sites};
	const ans_node_t *dname;
	unsigned label;
	const ans_block_t *b = lookup_name(z, &c, q->qname, q->qname_len, q->nlabels, q->label_off,
	                                   false, &dname, &label);
	size_t len = dname ? respond_dname(s, &c, z, dname, label, out, maxsize)
	                   : copy_block(s, q, b, out, maxsize);
	meta->ecs_scope = c.tailored ? c.scope : 0;
	return len;
}

size_t answer_respond_zone(const snapshot_t *s, const query_t *q, enum query_verdict v,
                           uint8_t *out, size_t maxsize, answer_meta_t *meta)
{
	*meta = (answer_meta_t){0};
	if (v != QUERY_OK)
		return respond_verdict(s, q, v, out);
	if (q->has_opt && q->edns_version > 0)
		return respond_error(s, q, out, RCODE_BADVERS, false); /* RFC 6891 6.1.3 */
	if (q->qclass != CLASS_IN)
		return respond_error(s, q, out, RCODE_REFUSED, false);
	const ans_zone_t *z = find_zone(s, q);
	if (!z)
		return respond_error(s, q, out, RCODE_REFUSED, false);
	meta->zone_slot = z->slot;
	if (q->qtype == TYPE_AXFR || q->qtype == TYPE_IXFR || q->qtype == TYPE_OPT)
		return respond_error(s, q, out, RCODE_REFUSED, false);
	return respond_name(s, q, z, out, maxsize, meta);
}
