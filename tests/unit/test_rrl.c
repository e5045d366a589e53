/* SPDX-License-Identifier: MIT */
/* test_rrl.c -- response rate limiting (src/server/rrl.c) on a clock the test sets: exact
 * send/drop/slip sequences, refill, buckets per prefix, class and name, exemptions, the slip
 * answer, and classification of responses. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/rrl.h"
#include "tap.h"

static size_t resp_make(uint8_t *out, const char *name, int rcode, bool aa, int an, int ns)
{
	memset(out, 0, 12);
	out[2] = (uint8_t)(0x80 | (aa ? 0x04 : 0));
	out[3] = (uint8_t)rcode;
	out[5] = 1;
	out[7] = (uint8_t)an;
	out[9] = (uint8_t)ns;
	size_t n = 12;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		out[n++] = (uint8_t)len;
		memcpy(out + n, p, len);
		n += len;
		p += len + (dot ? 1 : 0);
	}
	out[n++] = 0;
	memcpy(out + n, "\0\1\0\1", 4);
	n += 4;
	memset(out + n, 0xAB, 16); /* stands for the records */
	return n + 16;
}

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss = {0};
	if (strchr(text, ':')) {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	} else {
		ss.ss_family = AF_INET;
		inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr);
	}
	return ss;
}

/* n checks of (peer, response) at now_ms as a string: S send, D drop, T truncated (slip). */
static void run(rrl_t *r, const char *peer, const char *name, int rcode, int n, uint64_t now_ms,
                char *out)
{
	uint8_t resp[512];
	size_t len = resp_make(resp, name, rcode, true, rcode == 0 ? 1 : 0, 1);
	struct sockaddr_storage ss = addr(peer);
	for (int i = 0; i < n; i++) {
		enum rrl_action a = rrl_check(r, (struct sockaddr *)&ss, resp, len, now_ms);
		out[i] = a == RRL_SEND ? 'S' : a == RRL_DROP ? 'D' : 'T';
	}
	out[n] = '\0';
}

static rrl_t limiter(unsigned rate, unsigned burst, unsigned slip, const char *exempt)
{
	conf_prefix_t ex = {.addr = addr(exempt ? exempt : "0.0.0.0"), .prefix = 32};
	conf_rrl_t c = {.rate = rate,
	                .burst = burst,
	                .slip = slip,
	                .ipv4_prefix = 24,
	                .ipv6_prefix = 56,
	                .table_size = 65536,
	                .exempt = exempt ? &ex : NULL,
	                .nexempt = exempt ? 1 : 0};
	rrl_t r;
	if (rrl_init(&r, &c) != 0)
		printf("Bail out! rrl_init failed\n"), exit(1);
	r.seed = 42; /* the same buckets every run */
	return r;
}

int main(void)
{
	char got[64];
	rrl_t r = limiter(5, 5, 2, "192.0.2.9");
	run(&r, "192.0.2.1", "www.example.test", 0, 15, 1000, got);
	is_str(got, "SSSSSDTDTDTDTDT",
	       "burst 5, slip 2: five sent, then drop and truncate in turn");
	run(&r, "192.0.2.200", "www.example.test", 0, 2, 1000, got);
	is_str(got, "DT", "another address of the same /24 shares the bucket (and its slip count)");
	run(&r, "192.0.3.1", "www.example.test", 0, 6, 1000, got);
	is_str(got, "SSSSSD", "another /24 has its own bucket");
	run(&r, "192.0.2.1", "WWW.Example.TEST", 0, 1, 1000, got);
	is_str(got, "D", "the name in other cases is the same bucket (its 13th limited: dropped)");
	run(&r, "192.0.2.1", "mail.example.test", 0, 6, 1000, got);
	is_str(got, "SSSSSD", "another name is another bucket");
	run(&r, "192.0.2.1", "www.example.test", 0, 3, 1199, got);
	is_str(got, "TDT", "199 ms later: 0.995 of a response earned, still limited");
	run(&r, "192.0.2.1", "www.example.test", 0, 2, 1200, got);
	is_str(got, "SD", "200 ms later: one more at rate 5/s");
	run(&r, "192.0.2.1", "www.example.test", 0, 7, 60000, got);
	is_str(got, "SSSSSDT", "a minute later: a full burst again, never more");
	run(&r, "192.0.2.9", "www.example.test", 0, 20, 60000, got);
	is_str(got, "SSSSSSSSSSSSSSSSSSSS", "the exempt address is never limited");

	run(&r, "192.0.4.1", "a.example.test", 3, 3, 1000, got);
	run(&r, "192.0.4.1", "b.example.test", 3, 3, 1000, got + 3);
	is_str(got, "SSSSSD", "NXDOMAIN for different names: one bucket per prefix");
	run(&r, "192.0.4.1", "a.example.test", 5, 6, 1000, got);
	is_str(got, "SSSSSD", "errors (REFUSED): a bucket apart from NXDOMAIN");
	run(&r, "192.0.4.1", "a.example.test", 0, 6, 1000, got);
	is_str(got, "SSSSSD", "positive answers: a bucket apart from both");

	run(&r, "2001:db8:0:100::1", "www.example.test", 0, 5, 1000, got);
	run(&r, "2001:db8:0:1ff::2", "www.example.test", 0, 2, 1000, got + 5);
	is_str(got, "SSSSSDT", "IPv6 /56: 2001:db8:0:100::/56 is one bucket");
	run(&r, "2001:db8:0:200::1", "www.example.test", 0, 1, 1000, got);
	is_str(got, "S", "IPv6: the next /56 is another");
	ok(r.stats.dropped[RRL_POSITIVE] > 0 && r.stats.slipped[RRL_POSITIVE] > 0 &&
	       r.stats.dropped[RRL_NXDOMAIN] == 1 && r.stats.slipped[RRL_NXDOMAIN] == 0 &&
	       r.stats.dropped[RRL_ERROR] == 1,
	   "drops and slips counted per class");
	rrl_free(&r);

	r = limiter(1, 2, 0, NULL);
	run(&r, "198.51.100.1", "www.example.test", 0, 6, 0, got);
	is_str(got, "SSDDDD", "slip 0: every limited response dropped");
	rrl_free(&r);
	r = limiter(1, 1, 1, NULL);
	run(&r, "198.51.100.1", "www.example.test", 0, 4, 0, got);
	is_str(got, "STTT", "slip 1: every limited response truncated");
	rrl_free(&r);
	r = limiter(0, 0, 2, NULL);
	run(&r, "198.51.100.1", "www.example.test", 0, 4, 0, got);
	is_str(got, "SSSS", "rate 0: off, everything sent");
	ok(r.table == NULL, "rate 0: no table allocated");
	rrl_free(&r);

	uint8_t resp[512];
	size_t len = resp_make(resp, "www.example.test", 0, true, 2, 1);
	resp[2] |= 0x01; /* RD stays as it was */
	size_t cut = rrl_slip(resp, len);
	ok(cut == 12 + 18 + 4 && (resp[2] & 0x02) && (resp[2] & 0x01) && resp[5] == 1 &&
	       memcmp(resp + 6, "\0\0\0\0\0\0", 6) == 0,
	   "the slip answer: header and question, TC set, no records");

	struct {
		int rcode, an, ns;
		bool aa;
		enum rrl_class want;
		const char *what;
	} cases[] = {
	    {0, 1, 0, true, RRL_POSITIVE, "an answer"},
	    {0, 0, 1, true, RRL_NODATA, "no answer, authoritative"},
	    {0, 0, 2, false, RRL_REFERRAL, "no answer, not authoritative, NS in authority"},
	    {3, 0, 1, true, RRL_NXDOMAIN, "NXDOMAIN"},
	    {1, 0, 0, false, RRL_ERROR, "FORMERR"},
	    {5, 0, 0, false, RRL_ERROR, "REFUSED"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = resp_make(resp, "x.test", cases[i].rcode, cases[i].aa, cases[i].an,
		                cases[i].ns);
		ok(rrl_classify(resp, len) == cases[i].want, "class of %s", cases[i].what);
	}
	return done_testing();
}
