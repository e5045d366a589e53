/* SPDX-License-Identifier: MIT */
/* dnsmsg.h -- DNS messages for C tests: queries built byte by byte, and a strict checker
 * for responses (every name, label and compression pointer, every record, nothing left).
 *
 * Header-only so that unit tests and fuzz harnesses share it without a library. The
 * checker is stricter than ldns_wire2pkt: a compression pointer must point backwards to
 * where a name or a name's suffix was written, which catches a block copied to the wrong
 * place or a relocation shifted by the wrong amount.
 */
#ifndef FDNS_TESTS_DNSMSG_H
#define FDNS_TESTS_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct msgbuf {
	uint8_t b[8192];
	size_t len;
} msgbuf_t;

static inline void mb_raw(msgbuf_t *m, const void *data, size_t n)
{
	if (n > 0 && m->len + n <= sizeof(m->b)) {
		memcpy(m->b + m->len, data, n);
		m->len += n;
	}
}

static inline void mb_u8(msgbuf_t *m, unsigned v)
{
	uint8_t x = (uint8_t)v;
	mb_raw(m, &x, 1);
}

static inline void mb_u16(msgbuf_t *m, unsigned v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	mb_raw(m, x, 2);
}

static inline void mb_u32(msgbuf_t *m, uint32_t v)
{
	mb_u16(m, v >> 16);
	mb_u16(m, v & 0xFFFF);
}

/** A name in text ("www.Example.test", "." for the root) as uncompressed labels. */
static inline void mb_name(msgbuf_t *m, const char *text)
{
	while (*text && strcmp(text, ".") != 0) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);
		mb_u8(m, (unsigned)l);
		mb_raw(m, text, l);
		text += l + (dot ? 1 : 0);
	}
	mb_u8(m, 0);
}

/** Header: flags is the 16-bit word after the ID (0x0100 is RD, 0x8000 QR). */
static inline void mb_header(msgbuf_t *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                             uint16_t ns, uint16_t ar)
{
	m->len = 0;
	mb_u16(m, id);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

static inline void mb_question(msgbuf_t *m, const char *name, uint16_t type, uint16_t cls)
{
	mb_name(m, name);
	mb_u16(m, type);
	mb_u16(m, cls);
}

/** An OPT record at the root: flags 0x8000 is DO. */
static inline void mb_opt(msgbuf_t *m, uint16_t udp, uint8_t ext_rcode, uint8_t version,
                          uint16_t flags, const void *rdata, uint16_t rdlen)
{
	mb_u8(m, 0);
	mb_u16(m, 41);
	mb_u16(m, udp);
	mb_u8(m, ext_rcode);
	mb_u8(m, version);
	mb_u16(m, flags);
	mb_u16(m, rdlen);
	mb_raw(m, rdata, rdlen);
}

/** A plain query with one question; udp 0 means no EDNS, otherwise an OPT with that size. */
static inline void mb_query(msgbuf_t *m, uint16_t id, const char *name, uint16_t type, uint16_t udp,
                            bool do_bit)
{
	mb_header(m, id, 0, 1, 0, 0, udp ? 1 : 0);
	mb_question(m, name, type, 1);
	if (udp)
		mb_opt(m, udp, 0, 0, do_bit ? 0x8000 : 0, NULL, 0);
}

/* The checker: label starts seen so far, as valid pointer targets. */
typedef struct wire_check {
	const uint8_t *m;
	size_t len;
	uint8_t starts[65536 / 8];
} wire_check_t;

static inline void wc_mark(wire_check_t *c, size_t off)
{
	c->starts[off >> 3] |= (uint8_t)(1u << (off & 7));
}

static inline bool wc_marked(const wire_check_t *c, size_t off)
{
	return (c->starts[off >> 3] >> (off & 7)) & 1;
}

/* One name at *pos; on success *pos is just past it. Returns NULL or what is wrong. */
static inline const char *wc_name(wire_check_t *c, size_t *pos)
{
	size_t p = *pos, end = 0, total = 0;
	bool jumped = false;
	for (int hops = 0;; hops++) {
		if (p >= c->len || hops > 255)
			return "name runs past the end of the message";
		uint8_t l = c->m[p];
		if ((l & 0xC0) == 0xC0) {
			if (p + 2 > c->len)
				return "compression pointer cut off";
			size_t target = (size_t)(l & 0x3F) << 8 | c->m[p + 1];
			if (target >= p)
				return "compression pointer does not point backwards";
			if (!wc_marked(c, target))
				return "compression pointer to where no name was written";
			if (!jumped)
				end = p + 2;
			jumped = true;
			p = target;
			continue;
		}
		if (l & 0xC0)
			return "reserved label type";
		if (!jumped)
			wc_mark(c, p);
		total += 1u + l;
		if (total > 255)
			return "name longer than 255 bytes";
		if (l == 0) {
			if (!jumped)
				end = p + 1;
			break;
		}
		p += 1u + l;
	}
	*pos = end;
	return NULL;
}

/* RDATA that holds names a server may compress (RFC 1035 types): check them too. */
static inline const char *wc_rdata(wire_check_t *c, uint16_t type, size_t p, size_t rdlen)
{
	size_t end = p + rdlen;
	const char *e = NULL;
	switch (type) {
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
	case 39: /* DNAME (RFC 6672: never compressed, but others may point into it) */
		e = wc_name(c, &p);
		break;
	case 15: /* MX */
		p += 2;
		e = p <= end ? wc_name(c, &p) : "MX rdata too short";
		break;
	case 6: /* SOA */
		e = wc_name(c, &p);
		if (!e)
			e = wc_name(c, &p);
		p += 20;
		break;
	default:
		return NULL;
	}
	if (!e && p != end)
		e = "rdata length does not match its names";
	return e;
}

/** Walk a whole message. Returns NULL when it is well formed, or what is wrong. */
static inline const char *wire_check(const uint8_t *m, size_t len)
{
	static wire_check_t c;
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.len = len;
	if (len < 12)
		return "shorter than a header";
	unsigned qd = (unsigned)(m[4] << 8 | m[5]);
	unsigned rrs = (unsigned)(m[6] << 8 | m[7]) + (unsigned)(m[8] << 8 | m[9]) +
	               (unsigned)(m[10] << 8 | m[11]);
	size_t p = 12;
	for (unsigned i = 0; i < qd; i++) {
		const char *e = wc_name(&c, &p);
		if (e)
			return e;
		if ((p += 4) > len)
			return "question cut off";
	}
	for (unsigned i = 0; i < rrs; i++) {
		const char *e = wc_name(&c, &p);
		if (e)
			return e;
		if (p + 10 > len)
			return "record header cut off";
		uint16_t type = (uint16_t)(m[p] << 8 | m[p + 1]);
		size_t rdlen = (size_t)(m[p + 8] << 8 | m[p + 9]);
		p += 10;
		if (p + rdlen > len)
			return "rdata runs past the end";
		e = wc_rdata(&c, type, p, rdlen);
		if (e)
			return e;
		p += rdlen;
	}
	return p == len ? NULL : "bytes after the last record";
}

#endif
