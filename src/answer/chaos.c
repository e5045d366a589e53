/* SPDX-License-Identifier: MIT */
/* chaos.c -- CHAOS TXT answers (RFC 4892) and the NSID option (RFC 5001), prepared once. */
#include "config.h"

#include <string.h>

#include "answer/chaos.h"
#include "answer/respond.h"
#include "fleetdns/error.h"
#include "wire/bytes.h"

#define TYPE_TXT 16

/* The names, as query_parse() leaves them: lowercased wire format. */
static const uint8_t VERSION_BIND[] = "\7version\4bind";
static const uint8_t VERSION_SERVER[] = "\7version\6server";
static const uint8_t ID_SERVER[] = "\2id\6server";
static const uint8_t HOSTNAME_BIND[] = "\10hostname\4bind";

/* rr: "<question name> 0 CH TXT text", its owner a pointer to the question (offset 12, where
 * the responder always copies it); text NULL or "": off. */
static int rr_prepare(chaos_rr_t *rr, const char *text)
{
	memset(rr, 0, sizeof(*rr));
	size_t len = text ? strlen(text) : 0;
	if (len > CHAOS_TEXT_MAX)
		return FDNS_EINVAL;
	if (len == 0)
		return FDNS_OK;
	uint8_t *p = rr->wire;
	wire_wr16(p, 0xC000 | DNS_HEADER_LEN);
	wire_wr16(p + 2, TYPE_TXT);
	wire_wr16(p + 4, CLASS_CH);
	memset(p + 6, 0, 4); /* TTL 0, never cached: as Knot and NSD */
	wire_wr16(p + 10, (uint16_t)(1 + len));
	p[CHAOS_RR_FIXED] = (uint8_t)len;
	memcpy(p + CHAOS_RR_FIXED + 1, text, len);
	uint16_t size = (uint16_t)(CHAOS_RR_FIXED + 1 + len);
	rr->cut = (ans_cut_t){.end = size, .an = 1};
	rr->block = (ans_block_t){
	    .rcode = RCODE_NOERROR,
	    .aa = false, /* Knot and NSD: no zone is authoritative for these names */
	    .an = 1,
	    .len = size,
	    .ncuts = 1,
	    .nrequired = 1,
	    .cuts = &rr->cut,
	    .wire = rr->wire,
	};
	return FDNS_OK;
}

int chaos_prepare(chaos_t *c, const conf_process_t *p, const char *host_name)
{
	const char *identity = p->identity ? p->identity : host_name;
	const char *version = p->version ? p->version : "fleetdns " PACKAGE_VERSION;
	int ret = rr_prepare(&c->identity, identity);
	if (ret == FDNS_OK)
		ret = rr_prepare(&c->version, version);
	c->nsid_len = 0;
	if (ret == FDNS_OK && p->nsid_len > CHAOS_NSID_MAX)
		ret = FDNS_EINVAL;
	if (ret == FDNS_OK && p->nsid && p->nsid_len > 0) {
		wire_wr16(c->nsid, EDNS_NSID);
		wire_wr16(c->nsid + 2, (uint16_t)p->nsid_len);
		memcpy(c->nsid + 4, p->nsid, p->nsid_len);
		c->nsid_len = (uint16_t)(4 + p->nsid_len);
	}
	if (ret < 0)
		memset(c, 0, sizeof(*c));
	return ret;
}

static bool name_is(const query_t *q, const uint8_t *name, size_t len)
{
	return q->qname_len == len && memcmp(q->qname, name, len) == 0;
}

/* The block for q's name, or NULL (REFUSED): TXT only, as Knot (NSD also answers ANY). */
static const ans_block_t *chaos_block(const chaos_t *c, const query_t *q)
{
	const chaos_rr_t *rr = NULL;
	if (!c || q->qtype != TYPE_TXT)
		return NULL;
	if (name_is(q, VERSION_BIND, sizeof(VERSION_BIND)) ||
	    name_is(q, VERSION_SERVER, sizeof(VERSION_SERVER)))
		rr = &c->version;
	else if (name_is(q, ID_SERVER, sizeof(ID_SERVER)) ||
	         name_is(q, HOSTNAME_BIND, sizeof(HOSTNAME_BIND)))
		rr = &c->identity;
	return rr && rr->block.wire ? &rr->block : NULL;
}

size_t chaos_respond(const chaos_t *c, const snapshot_t *s, const query_t *q, uint8_t *out,
                     size_t maxsize)
{
	return answer__respond_block(s, q, chaos_block(c, q), out, maxsize);
}

size_t chaos_nsid_room(const chaos_t *c, const query_t *q)
{
	return c && q->has_opt && q->nsid ? c->nsid_len : 0;
}

size_t chaos_nsid_append(const chaos_t *c, const query_t *q, uint8_t *resp, size_t opt_end,
                         size_t len)
{
	size_t room = chaos_nsid_room(c, q);
	if (!room || !len || opt_end < DNS_HEADER_LEN + 11)
		return len;
	memcpy(resp + len, c->nsid, room);
	wire_wr16(resp + opt_end - 2, (uint16_t)(wire_rd16(resp + opt_end - 2) + room));
	return len + room;
}
