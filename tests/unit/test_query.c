/* SPDX-License-Identifier: MIT */
/* test_query.c -- unit tests for src/wire/query.c: what the reader extracts from a valid
 * query, and the exact verdict for every kind of malformed message. */
#include "fleetdns/query.h"

#include "../lib/dnsmsg.h"
#include "tap.h"

static const char *verdict_name(enum query_verdict v)
{
	switch (v) {
	case QUERY_OK:
		return "QUERY_OK";
	case QUERY_DROP:
		return "QUERY_DROP";
	case QUERY_FORMERR:
		return "QUERY_FORMERR";
	case QUERY_NOTIMP:
		return "QUERY_NOTIMP";
	}
	return "?";
}

/* Parse m and check the verdict; q keeps what the reader found. */
static void verdict_is(query_t *q, const msgbuf_t *m, enum query_verdict want, const char *what)
{
	is_str(verdict_name(query_parse(q, m->b, m->len)), verdict_name(want), "%s", what);
}

static void test_valid(void)
{
	msgbuf_t m;
	query_t q;
	static const uint8_t lc[] = "\3www\7example\4test";

	mb_header(&m, 0xBEEF, 0x0110, 1, 0, 0, 0); /* RD and CD */
	mb_question(&m, "WWW.Example.TEST", TYPE_AAAA, CLASS_IN);
	verdict_is(&q, &m, QUERY_OK, "valid: plain query");
	is_int(q.id, 0xBEEF, "valid: id");
	is_int(q.opcode, OPCODE_QUERY, "valid: opcode");
	ok(q.rd && q.cd, "valid: RD and CD read");
	ok(q.has_question, "valid: has_question");
	is_int(q.qname_len, sizeof(lc), "valid: qname_len counts the root label");
	ok(memcmp(q.qname, lc, sizeof(lc)) == 0, "valid: qname lowercased in wire format");
	is_int(q.nlabels, 3, "valid: three labels");
	ok(q.label_off[0] == 0 && q.label_off[1] == 4 && q.label_off[2] == 12,
	   "valid: label offsets 0, 4, 12");
	is_int(q.qtype, TYPE_AAAA, "valid: qtype");
	is_int(q.qclass, CLASS_IN, "valid: qclass");
	is_int((long long)q.question_end, 12 + sizeof(lc) + 4, "valid: question_end");
	ok(!q.has_opt && q.udp_size == 512 && !q.do_bit, "valid: no EDNS, 512 bytes");
	ok(q.msg == m.b && q.len == m.len, "valid: message kept in place");

	mb_header(&m, 1, 0x0000, 1, 0, 0, 0);
	mb_question(&m, "a.b", TYPE_MX, CLASS_CH);
	verdict_is(&q, &m, QUERY_OK, "valid: RD and CD clear");
	ok(!q.rd && !q.cd && q.qclass == CLASS_CH && q.qtype == TYPE_MX,
	   "valid: flags clear, class CH, type MX");

	mb_query(&m, 2, ".", TYPE_NS, 0, false);
	verdict_is(&q, &m, QUERY_OK, "valid: root name");
	ok(q.nlabels == 0 && q.qname_len == 1 && q.qname[0] == 0, "valid: root is one zero byte");

	mb_query(&m, 3, "example.test", TYPE_A, 4096, true);
	verdict_is(&q, &m, QUERY_OK, "edns: OPT with DO");
	ok(q.has_opt && q.do_bit && q.udp_size == 4096 && q.edns_version == 0,
	   "edns: size 4096, DO, version 0");

	mb_query(&m, 4, "example.test", TYPE_A, 100, false);
	verdict_is(&q, &m, QUERY_OK, "edns: size 100");
	is_int(q.udp_size, 512, "edns: size below 512 counts as 512");
	ok(!q.do_bit, "edns: DO clear");

	mb_header(&m, 5, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 0, 0, 0, 0, NULL, 0);
	verdict_is(&q, &m, QUERY_OK, "edns: size 0");
	is_int(q.udp_size, 512, "edns: size 0 counts as 512");

	mb_header(&m, 6, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 1, 0x8000, NULL, 0);
	verdict_is(&q, &m, QUERY_OK, "edns: version 1 is read (BADVERS is the answer's job)");
	is_int(q.edns_version, 1, "edns: version 1");

	static const uint8_t opts[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, /* cookie */
	                               0, 3,  0, 0 /* empty NSID */};
	mb_header(&m, 7, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0x7FFF, opts, sizeof(opts));
	verdict_is(&q, &m, QUERY_OK, "edns: options and unknown flag bits are fine");
	ok(q.has_opt && !q.do_bit, "edns: unknown flags are not DO");

	/* 63-byte label, and a name of exactly 255 bytes. */
	char name[300];
	memset(name, 'a', 63);
	strcpy(name + 63, ".test");
	mb_query(&m, 8, name, TYPE_A, 0, false);
	verdict_is(&q, &m, QUERY_OK, "limits: 63-byte label");
	/* 3 labels of 63 + one of 61: 3*64 + 62 + 1 = 255 */
	memset(name, 'b', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	mb_query(&m, 9, name, TYPE_A, 0, false);
	verdict_is(&q, &m, QUERY_OK, "limits: 255-byte name");
	is_int(q.qname_len, 255, "limits: qname_len 255");

	/* Other records are skipped, compressed names included (they are never followed). */
	mb_header(&m, 10, 0, 1, 0, 0, 2);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_u16(&m, 0xC00C); /* pointer to the question */
	mb_u16(&m, TYPE_A);
	mb_u16(&m, CLASS_IN);
	mb_u32(&m, 60);
	mb_u16(&m, 4);
	mb_u32(&m, 0x7F000001);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	verdict_is(&q, &m, QUERY_OK, "records: an A record before the OPT is skipped");
	ok(q.has_opt, "records: the OPT after it is found");

	mb_header(&m, 11, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	size_t self = m.len;
	mb_u16(&m, 0xC000 | self); /* points to itself: a loop if anyone followed it */
	mb_u16(&m, TYPE_A);
	mb_u16(&m, CLASS_IN);
	mb_u32(&m, 0);
	mb_u16(&m, 0);
	verdict_is(&q, &m, QUERY_OK, "records: a compression loop in additional is not followed");
}

static void test_drop(void)
{
	msgbuf_t m;
	query_t q;

	m.len = 0;
	verdict_is(&q, &m, QUERY_DROP, "drop: empty message");
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	m.len = 11;
	verdict_is(&q, &m, QUERY_DROP, "drop: 11 bytes, shorter than a header");
	mb_header(&m, 1, 0x8000, 1, 0, 0, 0);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_DROP, "drop: QR=1 (a response)");
	mb_header(&m, 1, 0x8000 | 15 << 11, 1, 0, 0, 0);
	verdict_is(&q, &m, QUERY_DROP, "drop: QR=1 with opcode 15 is still dropped");
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "header only, QDCOUNT 1: 12 bytes are a message");
}

static void test_question(void)
{
	msgbuf_t m;
	query_t q;

	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_raw(&m, "\7exam", 5);
	verdict_is(&q, &m, QUERY_FORMERR, "question: cut inside a label");
	ok(!q.has_question, "question: not marked present");

	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_name(&m, "example.test");
	verdict_is(&q, &m, QUERY_FORMERR, "question: no type and class");
	mb_u16(&m, TYPE_A);
	verdict_is(&q, &m, QUERY_FORMERR, "question: no class");

	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_raw(&m, "\7example", 8);
	verdict_is(&q, &m, QUERY_FORMERR, "question: name without its root label");

	char name[80];
	memset(name, 'x', 64);
	strcpy(name + 64, ".test");
	mb_query(&m, 1, name, TYPE_A, 0, false);
	verdict_is(&q, &m, QUERY_FORMERR, "question: label length 64");
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 0x40);
	mb_raw(&m, "\0\0\1\0\1", 5);
	verdict_is(&q, &m, QUERY_FORMERR, "question: label type 0x40 (extended)");
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 0x80);
	mb_raw(&m, "\0\0\1\0\1", 5);
	verdict_is(&q, &m, QUERY_FORMERR, "question: label type 0x80 (reserved)");

	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xC00C);
	mb_u16(&m, TYPE_A);
	mb_u16(&m, CLASS_IN);
	verdict_is(&q, &m, QUERY_FORMERR, "question: compression pointer (to itself)");
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_raw(&m, "\3www", 4);
	mb_u16(&m, 0xC000);
	mb_u16(&m, TYPE_A);
	mb_u16(&m, CLASS_IN);
	verdict_is(&q, &m, QUERY_FORMERR, "question: compression pointer after a label");

	char big[300];
	memset(big, 'c', sizeof(big));
	big[63] = big[127] = big[191] = '.';
	big[254] = '\0'; /* 3*64 + 63 + 1 = 256 bytes */
	mb_query(&m, 1, big, TYPE_A, 0, false);
	verdict_is(&q, &m, QUERY_FORMERR, "question: 256-byte name");
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 128; i++)
		mb_raw(&m, "\1z", 2);
	mb_raw(&m, "\0\0\1\0\1", 5);
	verdict_is(&q, &m, QUERY_FORMERR, "question: 128 labels (257 bytes)");

	mb_header(&m, 1, 0, 0, 0, 0, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "qdcount: 0");
	ok(!q.has_question, "qdcount: 0 has no question");
	mb_header(&m, 1, 0, 0, 0, 0, 1);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "qdcount: 0 with an OPT");
	ok(q.has_opt, "qdcount: 0, the OPT is still seen (FORMERR carries OPT)");

	mb_header(&m, 1, 0, 2, 0, 0, 0);
	mb_question(&m, "a.test", TYPE_A, CLASS_IN);
	mb_question(&m, "b.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_FORMERR, "qdcount: 2");
	mb_header(&m, 1, 0, 2, 0, 0, 1);
	mb_question(&m, "a.test", TYPE_A, CLASS_IN);
	mb_question(&m, "b.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0x8000, NULL, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "qdcount: 2 with an OPT");
	ok(q.has_opt && q.do_bit, "qdcount: 2, the OPT is still seen");
	mb_header(&m, 1, 0, 65535, 0, 0, 0);
	mb_question(&m, "a.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_FORMERR, "qdcount: 65535");
}

static void test_records(void)
{
	msgbuf_t m;
	query_t q;

	mb_header(&m, 1, 0, 1, 0, 0, 2);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "opt: twice");
	ok(q.has_opt && q.has_question, "opt: twice, FORMERR keeps question and OPT");

	mb_header(&m, 1, 0, 1, 1, 0, 0);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "opt: in the answer section");
	ok(q.has_opt, "opt: in the answer section, still answered with an OPT");
	mb_header(&m, 1, 0, 1, 0, 1, 0);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, NULL, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "opt: in the authority section");

	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_name(&m, "example.test");
	mb_u16(&m, TYPE_OPT);
	mb_u16(&m, 1232);
	mb_u32(&m, 0);
	mb_u16(&m, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "opt: owner not the root");
	ok(q.has_opt, "opt: bad owner, still answered with an OPT");
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_u16(&m, 0xC00C);
	mb_u16(&m, TYPE_OPT);
	mb_u16(&m, 1232);
	mb_u32(&m, 0);
	mb_u16(&m, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "opt: owner compressed (not the root)");

	static const uint8_t overflow[] = {0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8};
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, overflow, sizeof(overflow));
	verdict_is(&q, &m, QUERY_FORMERR, "opt: option length runs past the rdata");
	ok(q.has_opt, "opt: bad rdata, still answered with an OPT");
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, overflow, sizeof(overflow));
	m.len -= 2;
	verdict_is(&q, &m, QUERY_FORMERR, "opt: rdata runs past the end of the message");
	ok(q.has_opt, "opt: rdata cut off, still answered with an OPT");
	static const uint8_t cut[] = {0, 10, 0};
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_opt(&m, 1232, 0, 0, 0, cut, sizeof(cut));
	verdict_is(&q, &m, QUERY_FORMERR, "opt: option header cut off");

	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_u8(&m, 0);
	mb_u16(&m, TYPE_A);
	mb_u16(&m, CLASS_IN);
	mb_u32(&m, 0);
	mb_u16(&m, 5);
	mb_raw(&m, "\1\2\3\4", 4);
	verdict_is(&q, &m, QUERY_FORMERR, "rr: rdlen one past the end");
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_raw(&m, "\0\0\1\0\1\0\0\0", 8);
	verdict_is(&q, &m, QUERY_FORMERR, "rr: header cut off");
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_FORMERR, "rr: ARCOUNT 1, no record");
	mb_header(&m, 1, 0, 1, 65535, 65535, 65535);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_FORMERR, "rr: all counts 65535, no records");
	mb_header(&m, 1, 0, 1, 0, 0, 1);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	mb_u8(&m, 64);
	mb_raw(&m, "\0\0\1\0\1\0\0\0\0\0\0", 11);
	verdict_is(&q, &m, QUERY_FORMERR, "rr: owner with label type 0x40");

	mb_query(&m, 1, "example.test", TYPE_A, 0, false);
	mb_u8(&m, 0);
	verdict_is(&q, &m, QUERY_FORMERR, "trailing: one byte after the question");
	mb_query(&m, 1, "example.test", TYPE_A, 1232, false);
	mb_raw(&m, "garbage", 7);
	verdict_is(&q, &m, QUERY_FORMERR, "trailing: garbage after the OPT");
}

static void test_opcode(void)
{
	msgbuf_t m;
	query_t q;

	mb_header(&m, 1, 15 << 11, 1, 0, 0, 0);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_NOTIMP, "opcode: 15");
	is_int(q.opcode, 15, "opcode: 15 read");
	mb_header(&m, 1, OPCODE_NOTIFY << 11, 1, 0, 0, 0);
	mb_question(&m, "example.test", TYPE_SOA, CLASS_IN);
	verdict_is(&q, &m, QUERY_NOTIMP, "opcode: NOTIFY (not implemented yet)");
	mb_header(&m, 1, 1 << 11, 1, 0, 0, 0);
	mb_question(&m, "example.test", TYPE_A, CLASS_IN);
	verdict_is(&q, &m, QUERY_NOTIMP, "opcode: 1 (IQUERY)");
	mb_header(&m, 1, 15 << 11, 0, 0, 0, 0);
	verdict_is(&q, &m, QUERY_NOTIMP, "opcode: 15 with QDCOUNT 0");
	mb_header(&m, 1, 15 << 11, 1, 0, 0, 0);
	mb_raw(&m, "\7exam", 5);
	verdict_is(&q, &m, QUERY_NOTIMP, "opcode: 15 with a broken question");
}

int main(void)
{
	test_valid();
	test_drop();
	test_question();
	test_records();
	test_opcode();
	return done_testing();
}
