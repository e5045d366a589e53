/* SPDX-License-Identifier: MIT */
/* respond.c -- the query-time half: find the compiled block, copy it, patch the header.
 *
 * Nothing here allocates or calls ldns. The work per query is a few hash lookups on the
 * lowercased question name and one or two memcpy calls.
 */
#include <string.h>

#include "answer/respond.h"
#include "answer/snapshot.h"

#define OPT_RR_LEN 11

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t answer_udp_limit(const snapshot_t *snap, const query_t *q)
{
	size_t limit = q->has_opt ? q->udp_size : 512;
	return limit < snap->udp_size ? limit : snap->udp_size;
}

/* Header, question (as the client wrote it) and nothing else. Returns the length. */
static size_t write_head(const query_t *q, uint8_t *out, uint8_t rcode, bool aa, bool question)
{
	wr16(out, q->id);
	out[2] = (uint8_t)(0x80 | (q->opcode << 3) | (aa ? 0x04 : 0) | (q->rd ? 0x01 : 0));
	out[3] = (uint8_t)((q->cd ? 0x10 : 0) | (rcode & 0x0F));
	memset(out + 4, 0, 8);
	if (!question || !q->has_question)
		return DNS_HEADER_LEN;
	wr16(out + 4, 1);
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
	wr16(p + 1, 41);
	wr16(p + 3, s->udp_size);
	p[5] = (uint8_t)(rcode >> 4); /* extended RCODE, upper 8 bits */
	p[6] = 0;                     /* version 0 */
	p[7] = q->do_bit ? 0x80 : 0;
	p[8] = 0;
	wr16(p + 9, 0);
	uint16_t ar = (uint16_t)(out[10] << 8 | out[11]);
	wr16(out + 10, (uint16_t)(ar + 1));
	return len + OPT_RR_LEN;
}

static size_t respond_error(const snapshot_t *s, const query_t *q, uint8_t *out, uint8_t rcode,
                            bool aa)
{
	size_t len = write_head(q, out, rcode, aa, true);
	return write_opt(s, q, out, len, rcode);
}

static const ans_block_t *type_block(const ans_node_t *n, uint16_t qtype)
{
	for (uint16_t i = 0; i < n->ntypes; i++) {
		const ans_type_t *t = &n->types[i];
		if (t->type != qtype)
			continue;
		if (t->nrotations < 2)
			return t->block;
		/* Round-robin: each query of this name starts one record further. */
		uint32_t k = __atomic_fetch_add(n->rotation, 1, __ATOMIC_RELAXED);
		return t->rotations[k % t->nrotations];
	}
	return NULL;
}

/* ANY: over UDP one RRset, the lowest type's (RFC 8482 4.2; Knot picks one at random), so a
 * spoofed ANY cannot fetch everything a name holds toward its victim; over TCP, where the
 * client's address is real, every RRset. */
static const ans_block_t *any_block(const ans_zone_t *z, const ans_node_t *n, bool tcp)
{
	const ans_block_t *b = !tcp && n->any_udp_type ? type_block(n, n->any_udp_type) : NULL;
	return b ? b : n->any ? n->any : z->nodata;
}

/* The block for q's type at a name that exists (or is synthesised from a wildcard). */
static const ans_block_t *node_block(const ans_zone_t *z, const ans_node_t *n, const query_t *q)
{
	uint16_t qtype = q->qtype;
	if (n->flags & NODE_OCCLUDED)
		return n->cut->referral;
	if (n->flags & NODE_DELEGATION) {
		if (qtype != TYPE_DS)
			return n->referral;
		const ans_block_t *b = type_block(n, qtype);
		return b ? b : z->nodata;
	}
	if (qtype == TYPE_ANY)
		return any_block(z, n, q->tcp);
	const ans_block_t *b = type_block(n, qtype);
	if (b)
		return b;
	return n->other ? n->other : z->nodata;
}

/* RFC 1034 4.3.2 step 3, over compiled data. */
static const ans_block_t *lookup(const ans_zone_t *z, const query_t *q)
{
	const ans_node_t *n = ans_zone_find(z, q->qname, q->qname_len);
	if (n)
		return node_block(z, n, q);
	/* The closest encloser: the longest existing ancestor (the apex always exists). */
	unsigned last = q->nlabels - z->apex_labels;
	for (unsigned i = 1; i <= last; i++) {
		unsigned off = q->label_off[i];
		const ans_node_t *ce = ans_zone_find(z, q->qname + off, q->qname_len - off);
		if (!ce)
			continue;
		if (ce->flags & NODE_OCCLUDED)
			return ce->cut->referral;
		if (ce->flags & NODE_DELEGATION)
			return ce->referral;
		if (ce->wildcard)
			return node_block(z, ce->wildcard, q);
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

/* Copy a block after the question, keeping whole RRsets that fit in maxsize. */
static size_t copy_block(const snapshot_t *s, const query_t *q, const ans_block_t *b, uint8_t *out,
                         size_t maxsize)
{
	size_t len = write_head(q, out, b->rcode, b->aa, true);
	size_t room = maxsize - len - (q->has_opt ? OPT_RR_LEN : 0);
	size_t take = b->len;
	uint16_t an = b->an, ns = b->ns, ar = b->ar;
	bool tc = false;
	if (take > room) {
		size_t k = 0;
		while (k < b->ncuts && b->cuts[k].end <= room)
			k++;
		/* RFC 2181 9: TC only when answer or authority data is missing. */
		tc = k < b->nrequired;
		take = k ? b->cuts[k - 1].end : 0;
		an = k ? b->cuts[k - 1].an : 0;
		ns = k ? b->cuts[k - 1].ns : 0;
		ar = k ? b->cuts[k - 1].ar : 0;
	}
	memcpy(out + len, b->wire, take);
	if (b->movable) {
		for (uint16_t i = 0; i < b->nrelocs && b->relocs[i] < take; i++) {
			uint8_t *p = out + len + b->relocs[i];
			/* Modulo 2^14: pointers into the question are stored negative. */
			uint16_t ptr = (uint16_t)((((p[0] & 0x3F) << 8 | p[1]) + len) & 0x3FFF);
			wr16(p, (uint16_t)(0xC000 | ptr));
		}
	}
	if (tc)
		out[2] |= 0x02;
	wr16(out + 6, an);
	wr16(out + 8, ns);
	wr16(out + 10, ar);
	return write_opt(s, q, out, len + take, b->rcode);
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
	uint16_t slot;
	return answer_respond_zone(s, q, v, out, maxsize, &slot);
}

size_t answer_respond_zone(const snapshot_t *s, const query_t *q, enum query_verdict v,
                           uint8_t *out, size_t maxsize, uint16_t *zone_slot)
{
	*zone_slot = 0;
	switch (v) {
	case QUERY_DROP:
		return 0;
	case QUERY_FORMERR:
		return respond_error(s, q, out, RCODE_FORMERR, false);
	case QUERY_NOTIMP:
		return respond_error(s, q, out, RCODE_NOTIMP, false);
	case QUERY_OK:
		break;
	}
	if (q->has_opt && q->edns_version > 0)
		return respond_error(s, q, out, RCODE_BADVERS, false); /* RFC 6891 6.1.3 */
	if (q->qclass != CLASS_IN)
		return respond_error(s, q, out, RCODE_REFUSED, false);
	const ans_zone_t *z = find_zone(s, q);
	if (!z)
		return respond_error(s, q, out, RCODE_REFUSED, false);
	*zone_slot = z->slot;
	if (q->qtype == TYPE_AXFR || q->qtype == TYPE_IXFR || q->qtype == TYPE_OPT)
		return respond_error(s, q, out, RCODE_REFUSED, false);
	return copy_block(s, q, lookup(z, q), out, maxsize);
}
