/* SPDX-License-Identifier: MIT */
/* build.c -- response tails in wire format with RFC 1035 4.1.4 compression. */
#include <string.h>

#include "answer/build.h"
#include "fleetdns/query.h"
#include "wire/bytes.h"
#include "wire/name.h"

static void put(build_t *b, const void *data, size_t n)
{
	if (b->overflow || b->len + n > BUILD_MAX_LEN) {
		b->overflow = true;
		return;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

static void put16(build_t *b, uint16_t v)
{
	uint8_t x[2];
	wire_wr16(x, v);
	put(b, x, 2);
}

static void put32(build_t *b, uint32_t v)
{
	uint8_t x[4];
	wire_wr32(x, v);
	put(b, x, 4);
}

static void dict_add(build_t *b, const uint8_t *lc, size_t len, int32_t ptr, bool rel)
{
	if (b->ndict >= BUILD_DICT_MAX || b->names_len + len > sizeof(b->names) || ptr >= 0x3E00)
		return;
	build_dict_entry_t *e = &b->dict[b->ndict++];
	memcpy(b->names + b->names_len, lc, len);
	e->name_off = (uint16_t)b->names_len;
	e->len = (uint8_t)len;
	e->ptr = ptr;
	e->rel = rel;
	b->names_len += len;
}

static const build_dict_entry_t *dict_find(const build_t *b, const uint8_t *lc, size_t len)
{
	for (size_t i = 0; i < b->ndict; i++) {
		const build_dict_entry_t *e = &b->dict[i];
		if (e->len == len && memcmp(b->names + e->name_off, lc, len) == 0)
			return e;
	}
	return NULL;
}

void build_reset(build_t *b, const uint8_t *qname, size_t qname_len)
{
	b->len = 0;
	b->overflow = false;
	b->an = b->ns = b->ar = 0;
	b->ncuts = b->nrelocs = b->nqrefs = b->ndict = b->names_len = 0;
	b->nrequired = 0;
	b->movable = (qname == NULL);
	b->base = 0;
	if (qname) {
		b->base = (uint16_t)(DNS_HEADER_LEN + qname_len + 4);
		for (size_t off = 0; qname[off] != 0; off += 1u + qname[off])
			dict_add(b, qname + off, qname_len - off, (uint16_t)(DNS_HEADER_LEN + off),
			         false);
	}
}

/* A movable block starts right after its question (name, type, class), so the question
 * name's suffix of length n is always n + 4 bytes before the block start. Such pointers are
 * stored negative (modulo 2^14) and relocated like the block's own. */
void build_question_suffix(build_t *b, const uint8_t *lc, size_t len)
{
	for (size_t off = 0; lc[off] != 0; off += 1u + lc[off])
		dict_add(b, lc + off, len - off, -(int32_t)(len - off + 4), true);
}

/* Write a name, compressed when compress is set. */
static void put_name(build_t *b, const uint8_t *wire, size_t len, bool compress)
{
	uint8_t lc[DNS_NAME_MAX];
	if (len > DNS_NAME_MAX) {
		b->overflow = true;
		return;
	}
	wire_name_lower(lc, wire, len);
	size_t off = 0;
	while (wire[off] != 0) {
		if (compress) {
			const build_dict_entry_t *e = dict_find(b, lc + off, len - off);
			if (e) {
				if (e->rel && b->nrelocs < BUILD_RELOCS_MAX)
					b->relocs[b->nrelocs++] = (uint16_t)b->len;
				else if (e->rel)
					b->overflow = true;
				put16(b, (uint16_t)(0xC000 | (e->ptr & 0x3FFF)));
				return;
			}
			uint16_t here = (uint16_t)(b->movable ? b->len : b->base + b->len);
			dict_add(b, lc + off, len - off, here, b->movable);
		}
		put(b, wire + off, 1u + wire[off]);
		off += 1u + wire[off];
	}
	put(b, "", 1);
}

/* Types whose RDATA names may be compressed (RFC 3597 4: only the RFC 1035 ones). */
static bool rdata_compressible(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_SOA:
	case LDNS_RR_TYPE_PTR:
	case LDNS_RR_TYPE_MX:
	case LDNS_RR_TYPE_MB:
	case LDNS_RR_TYPE_MG:
	case LDNS_RR_TYPE_MR:
	case LDNS_RR_TYPE_MINFO:
		return true;
	default:
		return false;
	}
}

static void put_rdf(build_t *b, const ldns_rdf *rdf, bool compress)
{
	if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME) {
		put_name(b, ldns_rdf_data(rdf), ldns_rdf_size(rdf), compress);
		return;
	}
	ldns_buffer *buf = ldns_buffer_new(ldns_rdf_size(rdf) + 16);
	if (!buf || ldns_rdf2buffer_wire(buf, rdf) != LDNS_STATUS_OK)
		b->overflow = true;
	else
		put(b, ldns_buffer_begin(buf), ldns_buffer_position(buf));
	ldns_buffer_free(buf);
}

static void put_rr(build_t *b, const ldns_rdf *owner, const ldns_rr *rr, uint32_t ttl)
{
	if (owner) {
		put_name(b, ldns_rdf_data(owner), ldns_rdf_size(owner), true);
	} else {
		if (b->movable && b->nqrefs < BUILD_QREFS_MAX)
			b->qrefs[b->nqrefs++] = (uint16_t)b->len;
		else if (b->movable)
			b->overflow = true;
		put16(b, 0xC000 | DNS_HEADER_LEN);
	}
	put16(b, (uint16_t)ldns_rr_get_type(rr));
	put16(b, (uint16_t)ldns_rr_get_class(rr));
	put32(b, ttl);
	size_t rdlen_at = b->len;
	put16(b, 0);
	bool compress = rdata_compressible(ldns_rr_get_type(rr));
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		put_rdf(b, ldns_rr_rdf(rr, i), compress);
	if (b->overflow)
		return;
	size_t rdlen = b->len - rdlen_at - 2;
	wire_wr16(b->buf + rdlen_at, (uint16_t)rdlen);
}

void build_rrset(build_t *b, enum build_section sec, const ldns_rdf *owner, const ldns_rr_list *rrs,
                 uint32_t ttl)
{
	size_t n = ldns_rr_list_rr_count(rrs);
	for (size_t i = 0; i < n; i++)
		put_rr(b, owner, ldns_rr_list_rr(rrs, i), ttl);
	uint16_t *count = sec == SECTION_ANSWER      ? &b->an
	                  : sec == SECTION_AUTHORITY ? &b->ns
	                                             : &b->ar;
	*count = (uint16_t)(*count + n);
	if (b->ncuts >= BUILD_CUTS_MAX) {
		b->overflow = true;
		return;
	}
	b->cuts[b->ncuts++] = (ans_cut_t){(uint16_t)b->len, b->an, b->ns, b->ar};
}

void build_require(build_t *b)
{
	b->nrequired = b->ncuts;
}

const ans_block_t *build_finish(build_t *b, arena_t *a, uint8_t rcode, bool aa)
{
	if (b->overflow)
		return NULL;
	ans_block_t *blk = arena_alloc(a, sizeof(*blk));
	uint8_t *wire = arena_alloc(a, b->len ? b->len : 1);
	ans_cut_t *cuts = arena_alloc(a, (b->ncuts ? b->ncuts : 1) * sizeof(*cuts));
	uint16_t *relocs = arena_alloc(a, (b->nrelocs ? b->nrelocs : 1) * sizeof(*relocs));
	uint16_t *qrefs = b->nqrefs ? arena_alloc(a, b->nqrefs * sizeof(*qrefs)) : NULL;
	if (!blk || !wire || !cuts || !relocs || (b->nqrefs && !qrefs))
		return NULL;
	memcpy(wire, b->buf, b->len);
	memcpy(cuts, b->cuts, b->ncuts * sizeof(*cuts));
	memcpy(relocs, b->relocs, b->nrelocs * sizeof(*relocs));
	if (qrefs)
		memcpy(qrefs, b->qrefs, b->nqrefs * sizeof(*qrefs));
	size_t required = b->nrequired;
	for (size_t i = 0; i < b->ncuts; i++)
		if (b->cuts[i].ar == 0 && i + 1 > required)
			required = i + 1;
	*blk = (ans_block_t){
	    .rcode = rcode,
	    .aa = aa,
	    .movable = b->movable,
	    .an = b->an,
	    .ns = b->ns,
	    .ar = b->ar,
	    .len = (uint16_t)b->len,
	    .ncuts = (uint16_t)b->ncuts,
	    .nrequired = (uint16_t)required,
	    .nrelocs = (uint16_t)b->nrelocs,
	    .nqrefs = (uint16_t)b->nqrefs,
	    .cuts = cuts,
	    .relocs = relocs,
	    .qrefs = qrefs,
	    .wire = wire,
	};
	return blk;
}
