/* SPDX-License-Identifier: MIT */
/* test_wire.c -- unit tests for the shared wire helpers: src/wire/bytes.h, src/wire/name.h
 * and src/util/hash.h. The hashes are checked against the published FNV-1a vectors and
 * against the loops they replaced, whose values the answer tables and zone slots depend on. */
#include "fleetdns/query.h"
#include "util/hash.h"
#include "wire/bytes.h"
#include "wire/name.h"

#include "tap.h"

static void test_bytes(void)
{
	uint8_t b[6] = {0xAA, 0, 0, 0, 0, 0xBB};
	wire_wr16(b + 1, 0x1234);
	ok(b[0] == 0xAA && b[1] == 0x12 && b[2] == 0x34 && b[3] == 0,
	   "wr16: big-endian, two bytes");
	is_int(wire_rd16(b + 1), 0x1234, "rd16 reads back wr16");
	wire_wr32(b + 1, 0xDEADBEEF);
	ok(b[1] == 0xDE && b[2] == 0xAD && b[3] == 0xBE && b[4] == 0xEF && b[5] == 0xBB,
	   "wr32: big-endian, four bytes");
	is_int(wire_rd32(b + 1), 0xDEADBEEF, "rd32 reads back wr32");
	is_int(wire_rd16((const uint8_t *)"\xFF\xFE"), 0xFFFE, "rd16: no sign extension");
	is_int(wire_rd32((const uint8_t *)"\x80\0\0\1"), 0x80000001, "rd32: no sign extension");
}

static void test_lower(void)
{
	bool only_letters = true;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t want = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : (uint8_t)c;
		only_letters &= wire_lower((uint8_t)c) == want;
	}
	ok(only_letters, "wire_lower folds A-Z and nothing else (RFC 4343)");

	static const uint8_t mixed[] = "\3WwW\7ExAmPlE\4TEST";
	static const uint8_t lower[] = "\3www\7example\4test";
	uint8_t out[sizeof(mixed)];
	wire_name_lower(out, mixed, sizeof(mixed));
	ok(memcmp(out, lower, sizeof(lower)) == 0, "wire_name_lower: a whole name");
	memcpy(out, mixed, sizeof(mixed));
	wire_name_lower(out + 4, out + 4, 8); /* the second label and its length, in place */
	ok(memcmp(out, "\3WwW\7example\4TEST", sizeof(mixed)) == 0,
	   "wire_name_lower: a label range, in place");
	/* A length octet is never a letter: 'A' is 65, a label at most 63. */
	uint8_t longest[1 + 63 + 1] = {63};
	memset(longest + 1, 'Q', 63);
	wire_name_lower(longest, longest, sizeof(longest));
	ok(longest[0] == 63 && longest[1] == 'q' && longest[63] == 'q' && longest[64] == 0,
	   "wire_name_lower: a 63-octet label keeps its length");
}

/* The loops the helpers replaced (src/answer/table.h and zone_slot.c; src/registry). */
static uint32_t old_name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

static size_t old_hash_str2(const char *a, const char *b)
{
	size_t h = 14695981039346656037u;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211u;
	h = (h ^ 0xff) * 1099511628211u;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211u;
	return h;
}

static void test_hash(void)
{
	/* FNV-1a test vectors (draft-eastlake-fnv, and the FNV authors' page). */
	is_int(hash_fnv1a32(HASH_FNV1A32_BASIS, "", 0), 0x811c9dc5, "fnv1a32(\"\")");
	is_int(hash_fnv1a32(HASH_FNV1A32_BASIS, "a", 1), 0xe40c292c, "fnv1a32(\"a\")");
	is_int(hash_fnv1a32(HASH_FNV1A32_BASIS, "foobar", 6), 0xbf9cf968, "fnv1a32(\"foobar\")");
	ok(hash_fnv1a64(HASH_FNV1A64_BASIS, "a", 1) == 0xaf63dc4c8601ec8cull, "fnv1a64(\"a\")");
	ok(hash_fnv1a64(HASH_FNV1A64_BASIS, "foobar", 6) == 0x85944171f73967e8ull,
	   "fnv1a64(\"foobar\")");
	ok(hash_fnv1a64_str(HASH_FNV1A64_BASIS, "foobar") == 0x85944171f73967e8ull,
	   "fnv1a64 of a string is of its bytes");
	ok(hash_fnv1a32(hash_fnv1a32(HASH_FNV1A32_BASIS, "foo", 3), "bar", 3) == 0xbf9cf968,
	   "fnv1a32 resumes where it stopped");

	static const uint8_t *names[] = {(const uint8_t *)"", (const uint8_t *)"\4test",
	                                 (const uint8_t *)"\3www\7example\4test",
	                                 (const uint8_t *)"\1*\3svc\5fleet\010internal"};
	bool same = true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = strlen((const char *)names[i]) + 1;
		same &= wire_name_hash(names[i], len) == old_name_hash(names[i], len);
	}
	ok(same, "wire_name_hash: the values of the tables' and zone slots' hash");

	static const char *keys[][2] = {{"e1", "0123abcd"}, {"", ""}, {"web", ""}, {"é", "x"}};
	same = true;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		same &= (size_t)hash_fnv1a64_pair(keys[i][0], keys[i][1]) ==
		        old_hash_str2(keys[i][0], keys[i][1]);
	ok(same, "hash_fnv1a64_pair: the values of the registry's and damping's hash");
	ok(hash_fnv1a64_pair("ab", "c") != hash_fnv1a64_pair("a", "bc"),
	   "hash_fnv1a64_pair: the separator keeps the pair apart");
}

static void test_labels(void)
{
	uint8_t off[DNS_LABELS_MAX];
	unsigned n = wire_name_labels((const uint8_t *)"\3www\7example\4test", off);
	ok(n == 3 && off[0] == 0 && off[1] == 4 && off[2] == 12, "wire_name_labels: three labels");
	is_int(wire_name_labels((const uint8_t *)"", off), 0, "wire_name_labels: the root");

	uint8_t deep[DNS_NAME_MAX]; /* 127 labels of one octet: the most a name can have */
	for (size_t i = 0; i < 127; i++)
		deep[2 * i] = 1, deep[2 * i + 1] = 'x';
	deep[254] = 0;
	n = wire_name_labels(deep, off);
	ok(n == 127 && off[126] == 252, "wire_name_labels: 127 labels");
}

static void test_len(void)
{
	/* A header's worth of anything, then the name. */
	uint8_t m[12 + 300];
	memset(m, 0xEE, 12);
	memcpy(m + 12, "\3www\7example\4test\0\0\1\0\1", 22);
	is_int(wire_name_len(m, 12 + 22, 12), 18, "wire_name_len: a name and what follows");
	is_int(wire_name_len(m, 12 + 18, 12), 18, "wire_name_len: a name that ends the message");
	is_int(wire_name_len(m, 12 + 17, 12), 0, "wire_name_len: the root label cut off");
	is_int(wire_name_len(m, 12 + 10, 12), 0, "wire_name_len: cut inside a label");
	is_int(wire_name_len(m, 12, 12), 0, "wire_name_len: nothing at pos");
	is_int(wire_name_len((const uint8_t *)"", 1, 0), 1, "wire_name_len: the root alone");
	is_int(wire_name_len((const uint8_t *)"\3www\xC0\x0C", 6, 0), 0,
	       "wire_name_len: a compression pointer");
	is_int(wire_name_len((const uint8_t *)"\x40", 1, 0), 0,
	       "wire_name_len: a reserved label type");

	/* Labels of 63, 63, 63 and 61 octets: 255 with the root; one more octet is too long. */
	size_t p = 12;
	static const uint8_t sizes[] = {63, 63, 63, 61};
	for (size_t i = 0; i < 4; i++) {
		m[p] = sizes[i];
		memset(m + p + 1, 'a', sizes[i]);
		p += 1u + sizes[i];
	}
	m[p] = 0;
	is_int(wire_name_len(m, p + 1, 12), 255, "wire_name_len: 255 octets");
	m[p - 62] = 62; /* the last label: 62 octets now */
	m[p] = 'a';
	m[p + 1] = 0;
	is_int(wire_name_len(m, p + 2, 12), 0, "wire_name_len: 256 octets");
}

static void test_under(void)
{
	const uint8_t *www = (const uint8_t *)"\3www\7example\4test";
	const uint8_t *ex = (const uint8_t *)"\7example\4test";
	ok(wire_name_under(www, 18, ex, 14), "wire_name_under: below");
	ok(wire_name_under(ex, 14, ex, 14), "wire_name_under: at");
	ok(wire_name_under(www, 18, (const uint8_t *)"", 1), "wire_name_under: below the root");
	ok(!wire_name_under(ex, 14, www, 18), "wire_name_under: not above");
	ok(!wire_name_under((const uint8_t *)"\4test", 6, ex, 14), "wire_name_under: shorter");
	ok(!wire_name_under((const uint8_t *)"\7exbmple\4test", 14, ex, 14),
	   "wire_name_under: a sibling");
	/* "ab\003foo.foo.test." ends with the octets of "foo.test." but not with its labels. */
	ok(!wire_name_under((const uint8_t *)"\6ab\3foo\4test", 13, (const uint8_t *)"\3foo\4test",
	                    10),
	   "wire_name_under: label by label, not octet by octet");
}

int main(void)
{
	test_bytes();
	test_lower();
	test_hash();
	test_labels();
	test_len();
	test_under();
	return done_testing();
}
