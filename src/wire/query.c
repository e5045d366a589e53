/* SPDX-License-Identifier: MIT */
/* query.c -- reads a query: header, one question, and the records after it (to find OPT).
 *
 * Every read is checked against the message length. Names in the question must be
 * uncompressed (a compressed question cannot point anywhere useful); names in the other
 * sections are only skipped, so a pointer ends the name and loops are impossible.
 */
#include <string.h>

#include "fleetdns/query.h"
#include "wire/bytes.h"
#include "wire/name.h"

/* Read the question name at *pos into q->qname, lowercased. Returns 0 or -1. */
static int read_qname(query_t *q, size_t *pos)
{
	size_t p = *pos, out = 0;
	q->nlabels = 0;
	for (;;) {
		if (p >= q->len)
			return -1;
		uint8_t l = q->msg[p];
		if (l == 0)
			break;
		if (l > 63) /* pointer or reserved label type */
			return -1;
		if (p + 1 + l > q->len || out + 1 + l + 1 > DNS_NAME_MAX)
			return -1;
		q->label_off[q->nlabels++] = (uint8_t)out;
		q->qname[out++] = l;
		wire_name_lower(q->qname + out, q->msg + p + 1, l);
		out += l;
		p += 1 + l;
	}
	q->qname[out++] = 0;
	q->qname_len = (uint8_t)out;
	*pos = p + 1;
	return 0;
}

/* Skip a name in a record section. Returns 0 or -1. */
static int skip_name(const uint8_t *msg, size_t len, size_t *pos, bool *is_root)
{
	size_t p = *pos, total = 0;
	*is_root = (p < len && msg[p] == 0);
	for (;;) {
		if (p >= len)
			return -1;
		uint8_t l = msg[p];
		if (l == 0) {
			p++;
			break;
		}
		if ((l & 0xC0) == 0xC0) {
			if (p + 2 > len)
				return -1;
			p += 2;
			break;
		}
		if (l > 63)
			return -1;
		total += 1u + l;
		if (total + 1 > DNS_NAME_MAX)
			return -1;
		p += 1u + l;
	}
	*pos = p;
	return 0;
}

/* An ECS option's data (RFC 7871 6): FAMILY 1 or 2, SOURCE PREFIX-LENGTH within the family's
 * address, exactly the octets the prefix needs and no bit set past it; anything else makes
 * the query FORMERR (RFC 7871 7.2.1). SCOPE PREFIX-LENGTH is 0 in queries and not read. */
static int read_ecs(query_t *q, const uint8_t *d, size_t len)
{
	if (len < 4)
		return -1;
	uint16_t family = wire_rd16(d);
	uint8_t source = d[2];
	size_t max = family == ECS_FAMILY_IPV4 ? 32 : family == ECS_FAMILY_IPV6 ? 128 : 0;
	size_t octets = (source + 7u) / 8u;
	if (!max || source > max || len - 4 != octets)
		return -1;
	if (source % 8 && (d[4 + octets - 1] & (0xFF >> (source % 8))))
		return -1;
	if (q->has_ecs)
		return 0; /* a second one: the first decides, as Knot reads options */
	memset(q->ecs_addr, 0, sizeof(q->ecs_addr));
	memcpy(q->ecs_addr, d + 4, octets);
	q->ecs_family = (uint8_t)family;
	q->ecs_source = source;
	q->has_ecs = true;
	return 0;
}

/* Check the OPT RDATA is a well-formed list of options, and note a COOKIE (RFC 7873 4):
 * a client cookie of 8 bytes, then nothing or a server cookie of 8 to 32; any other length
 * is FORMERR (RFC 7873 5.2.2). And note an NSID request (RFC 5001 2.1: empty; data a client
 * should not send is ignored, as Knot does), kept only when the whole list reads. */
static int read_opt_rdata(query_t *q, const uint8_t *rd, size_t rdlen)
{
	size_t p = 0;
	bool nsid = false;
	while (p < rdlen) {
		if (p + 4 > rdlen)
			return -1;
		uint16_t code = wire_rd16(rd + p);
		size_t olen = wire_rd16(rd + p + 2);
		if (p + 4 + olen > rdlen)
			return -1;
		if (code == EDNS_COOKIE) {
			if (olen != 8 && (olen < 16 || olen > 40))
				return -1;
			q->cookie = rd + p + 4;
			q->cookie_len = (uint8_t)olen;
		}
		if (code == EDNS_ECS && read_ecs(q, rd + p + 4, olen) < 0)
			return -1;
		nsid |= code == EDNS_NSID;
		p += 4 + olen;
	}
	q->nsid = nsid;
	return 0;
}

/* Walk answer, authority and additional; note the OPT record. */
static enum query_verdict read_records(query_t *q, size_t pos)
{
	const uint8_t *m = q->msg;
	unsigned an = wire_rd16(m + 6), ns = wire_rd16(m + 8), ar = wire_rd16(m + 10);
	unsigned total = an + ns + ar;
	for (unsigned i = 0; i < total; i++) {
		bool root;
		if (skip_name(m, q->len, &pos, &root) < 0 || pos + 10 > q->len)
			return QUERY_FORMERR;
		uint16_t type = wire_rd16(m + pos);
		uint16_t rdlen = wire_rd16(m + pos + 8);
		size_t rdata = pos + 10;
		/* has_opt is set first: the client speaks EDNS, so even the FORMERR for a
		 * bad OPT (rdata cut off included) carries one. */
		bool again = q->has_opt;
		if (type == TYPE_OPT)
			q->has_opt = true;
		if (rdata + rdlen > q->len)
			return QUERY_FORMERR;
		if (type == TYPE_TSIG) {
			/* Only as the last record of the message (RFC 8945 5.1). */
			if (i != total - 1 || i < an + ns)
				return QUERY_FORMERR;
			q->has_tsig = true;
		}
		if (type == TYPE_OPT) {
			/* Only one OPT, only in additional, only at the root (RFC 6891 6.1.1). */
			if (again || i < an + ns || !root)
				return QUERY_FORMERR;
			if (read_opt_rdata(q, m + rdata, rdlen) < 0)
				return QUERY_FORMERR;
			uint16_t size = wire_rd16(m + pos + 2);
			q->udp_size = size < 512 ? 512 : size;
			q->edns_version = m[pos + 5];
			q->do_bit = (m[pos + 6] & 0x80) != 0;
		}
		pos = rdata + rdlen;
	}
	if (pos != q->len)
		return QUERY_FORMERR; /* trailing bytes after the last record */
	return QUERY_OK;
}

void query_opt_skim(query_t *q)
{
	const uint8_t *m = q->msg;
	if (q->has_opt || !q->has_question || q->len < DNS_HEADER_LEN)
		return; /* several questions or none: query_parse() read every record it could */
	size_t pos = q->question_end;
	unsigned left = wire_rd16(m + 6) + wire_rd16(m + 8) + wire_rd16(m + 10);
	for (; left > 0; left--) {
		bool root;
		if (skip_name(m, q->len, &pos, &root) < 0 || pos + 10 > q->len)
			return;
		if (wire_rd16(m + pos) == TYPE_OPT) {
			uint16_t size = wire_rd16(m + pos + 2);
			q->has_opt = true;
			q->udp_size = size < 512 ? 512 : size;
			q->do_bit = (m[pos + 6] & 0x80) != 0;
			return;
		}
		pos += 10 + (size_t)wire_rd16(m + pos + 8);
	}
}

enum query_verdict query_parse(query_t *q, const uint8_t *msg, size_t len)
{
	q->msg = msg;
	q->len = len;
	q->has_question = false;
	q->has_opt = false;
	q->has_tsig = false;
	q->tcp = false; /* the transport sets it after reading */
	q->cookie = NULL;
	q->cookie_len = 0;
	q->nsid = false;
	q->has_ecs = false;
	q->peer = NULL; /* the transport sets it after reading */
	q->do_bit = false;
	q->edns_version = 0;
	q->udp_size = 512;
	q->qname_len = 0;
	q->nlabels = 0;
	if (len < DNS_HEADER_LEN || (msg[2] & 0x80))
		return QUERY_DROP;
	q->id = wire_rd16(msg);
	q->opcode = (msg[2] >> 3) & 0x0F;
	q->rd = (msg[2] & 0x01) != 0;
	q->cd = (msg[3] & 0x10) != 0;

	size_t pos = DNS_HEADER_LEN;
	uint16_t qdcount = wire_rd16(msg + 4);
	if (qdcount == 1) {
		if (read_qname(q, &pos) < 0 || pos + 4 > len)
			return q->opcode == OPCODE_QUERY ? QUERY_FORMERR : QUERY_NOTIMP;
		q->qtype = wire_rd16(msg + pos);
		q->qclass = wire_rd16(msg + pos + 2);
		pos += 4;
		q->question_end = pos;
		q->has_question = true;
	}
	/* Several questions: skip them all, so that the FORMERR still finds the OPT. */
	for (unsigned i = 0; qdcount > 1 && i < qdcount && pos <= len; i++) {
		bool root;
		if (skip_name(msg, len, &pos, &root) < 0)
			pos = len;
		pos += 4;
	}
	enum query_verdict v = read_records(q, pos <= len ? pos : len);
	if (qdcount > 1)
		v = QUERY_FORMERR;
	if (q->opcode != OPCODE_QUERY)
		return QUERY_NOTIMP; /* NOTIFY and UPDATE included, for now */
	if (v != QUERY_OK)
		return v;
	if (qdcount != 1 && q->opcode == OPCODE_QUERY)
		return QUERY_FORMERR;
	return QUERY_OK;
}
