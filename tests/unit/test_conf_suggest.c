/* SPDX-License-Identifier: MIT */
/* test_conf_suggest.c -- "did you mean" after an unknown key (src/conf/yaml_util.c): the
 * distance rules of conf__key_suggest, then the exact message of a typo in every mapping
 * of the configuration file, and that a key close to none gets the message as before. */
#include "config.h"

#include "conf/conf_internal.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "tap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void test_distance(void)
{
	static const char *const server[] = {"listen", "workers", "rate-limit", "udp-size"};
	static const char *const tls[] = {"ca", "cert", "key"};
	static const char *const tie[] = {"abcd", "abce", "abcf"};
	static const char *const two[] = {"state-file", "reverse-zones"};
	static const struct {
		const char *typed;
		const char *const *known;
		size_t n;
		const char *want; /* NULL: no suggestion */
		const char *why;
	} cases[] = {
	    {"listne", server, 4, "listen", "two neighbours swapped count one edit"},
	    {"worker", server, 4, "workers", "a letter left out"},
	    {"workerss", server, 4, "workers", "a letter too many"},
	    {"udp_size", server, 4, "udp-size", "'_' for '-'"},
	    {"rate-limt", server, 4, "rate-limit", "a letter left out of a long key"},
	    {"rtae-limt", server, 4, "rate-limit", "a swap and a letter left out: two edits"},
	    {"rtae-lmt", server, 4, NULL, "three edits: too far"},
	    {"colour", server, 4, NULL, "close to no key"},
	    {"listen", server, 4, NULL, "a known key is not suggested to itself"},
	    {"cart", tls, 3, "cert", "keys of 4 characters: one edit"},
	    {"cat", tls, 3, "ca", "one edit from a key of 2 characters"},
	    {"crl", tls, 3, NULL, "keys of 4 characters or fewer: two edits are too many"},
	    {"ky", tls, 3, "key", "a short key typed short"},
	    {"abcx", tie, 3, "abcd", "at the same distance, the first in the list"},
	    {"reverse-zone", two, 2, "reverse-zones", "the closest of two"},
	    {"state_fil", two, 2, "state-file", "two edits in a long key"},
	    {"", tls, 3, NULL, "empty text: every key of 2 or more characters is too far"},
	};
	char longer[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = conf__key_suggest(cases[i].typed, cases[i].known, cases[i].n);
		is_str(got, cases[i].want, "suggest '%s': %s", cases[i].typed, cases[i].why);
	}
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	is_str(conf__key_suggest(longer, server, 4), NULL, "suggest: 199 characters, no key near");
	is_int((long long)conf__key_find("rate-limit", server, 4), 2, "key_find: the position");
	is_int((long long)conf__key_find("rate", server, 4), 4, "key_find: n when not there");
}

static int build(const char *yaml, conf_t *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	conf_cmdline_t cl = {.conf_path = path};
	FILE *fp;

	snprintf(path, sizeof(path), "%s/suggest.conf", dir);
	fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return conf_build(c, &cl, err, errlen);
}

#define ENGINE "engines:\n  - name: n1\n    url: tcp://192.0.2.1:2376\n"
#define ZONE   "zones:\n  - name: a.test\n"
#define KEY    "  - {name: k1, algorithm: hmac-sha256, secret: \"ZmxlZXRkbnMtdGVzdC0xNg==\"}\n"

static void test_messages(void)
{
	static const struct {
		const char *yaml, *want; /* want: after "PATH:" */
	} typos[] = {
	    /* top level */
	    {"sever: {}\n", "1:1: unknown top-level key 'sever' (did you mean 'server'?)"},
	    {"zone: []\n", "1:1: unknown top-level key 'zone' (did you mean 'zones'?)"},
	    {"metrics: {}\n", "1:1: unknown top-level key 'metrics'"},
	    /* server: its own keys, the integers and the process keys */
	    {"server:\n  listne: []\n",
	     "2:3: unknown key 'listne' in 'server' (did you mean 'listen'?)"},
	    {"server:\n  worker: 2\n",
	     "2:3: unknown key 'worker' in 'server' (did you mean 'workers'?)"},
	    {"server:\n  rate-limt: {}\n",
	     "2:3: unknown key 'rate-limt' in 'server' (did you mean 'rate-limit'?)"},
	    {"server:\n  tcp-max-client: 9\n",
	     "2:3: unknown key 'tcp-max-client' in 'server' (did you mean 'tcp-max-clients'?)"},
	    {"server:\n  pidfle: x\n",
	     "2:3: unknown key 'pidfle' in 'server' (did you mean 'pidfile'?)"},
	    {"server:\n  colour: blue\n", "2:3: unknown key 'colour' in 'server'"},
	    /* server: rate-limit: */
	    {"server:\n  rate-limit:\n    exmept: []\n",
	     "3:5: unknown key 'exmept' in 'rate-limit' (did you mean 'exempt'?)"},
	    {"server:\n  rate-limit:\n    responses-per-sec: 5\n",
	     "3:5: unknown key 'responses-per-sec' in 'rate-limit'"},
	    {"server:\n  rate-limit:\n    bursts: 5\n",
	     "3:5: unknown key 'bursts' in 'rate-limit' (did you mean 'burst'?)"},
	    /* log: */
	    {"log:\n  levle: info\n", "2:3: unknown key 'levle' in 'log' (did you mean 'level'?)"},
	    /* http: */
	    {"http:\n  listne: []\n",
	     "2:3: unknown key 'listne' in 'http' (did you mean 'listen'?)"},
	    {"http:\n  control_socket: /x\n",
	     "2:3: unknown key 'control_socket' in 'http' (did you mean 'control-socket'?)"},
	    /* zones: a zone, its soa: and its ns: entries */
	    {ZONE "    fiel: a.zone\n", "3:5: unknown key 'fiel' in zone (did you mean 'file'?)"},
	    {ZONE "    allow-transfers: []\n",
	     "3:5: unknown key 'allow-transfers' in zone (did you mean 'allow-transfer'?)"},
	    {ZONE "    soa: {refesh: 3600}\n",
	     "3:11: unknown key 'refesh' in soa (did you mean 'refresh'?)"},
	    {ZONE "    ns: [{name: ns1.example.com, adresses: []}]\n",
	     "3:34: unknown key 'adresses' in ns (did you mean 'addresses'?)"},
	    /* notify: and allow-transfer: entries (shown as secrets could be) */
	    {ZONE "    notify: [{adress: 192.0.2.1}]\n",
	     "3:15: unknown key 'adress' in notify (did you mean 'address'?)"},
	    {"keys:\n" KEY ZONE "    allow-transfer: [{address: 192.0.2.1, kye: k1}]\n",
	     "5:43: unknown key 'kye' in allow-transfer (did you mean 'key'?)"},
	    /* keys: */
	    {"keys:\n  - {name: k1, algoritm: hmac-sha256}\n",
	     "2:16: unknown key 'algoritm' in key (did you mean 'algorithm'?)"},
	    {"keys:\n  - {name: k1, ZmxlZXRkbnMtdGVzdC0xNg: x}\n",
	     "2:16: unknown key <hidden> in key"},
	    /* engines: an engine and its tls: */
	    {ENGINE "    tsl: {}\n", "4:5: unknown key 'tsl' in engine (did you mean 'tls'?)"},
	    {ENGINE "    tls_ca: ca.pem\n", "4:5: unknown key 'tls_ca' in engine"},
	    {ENGINE "    hostaddress: 192.0.2.1\n",
	     "4:5: unknown key 'hostaddress' in engine (did you mean 'host-address'?)"},
	    {ENGINE "    tls: {ca: a, cart: b, key: c}\n",
	     "4:18: unknown key 'cart' in 'tls' (did you mean 'cert'?)"},
	    {ENGINE "    tls: {ca: a, crl: b, key: c}\n", "4:18: unknown key 'crl' in 'tls'"},
	    /* fleet: its integers, switches and the rest */
	    {"fleet:\n  reverse-zone: []\n",
	     "2:3: unknown key 'reverse-zone' in 'fleet' (did you mean 'reverse-zones'?)"},
	    {"fleet:\n  max-answer: 3\n",
	     "2:3: unknown key 'max-answer' in 'fleet' (did you mean 'max-answers'?)"},
	    {"fleet:\n  serve_starting: true\n",
	     "2:3: unknown key 'serve_starting' in 'fleet' (did you mean 'serve-starting'?)"},
	    {"fleet:\n  state_file: s\n",
	     "2:3: unknown key 'state_file' in 'fleet' (did you mean 'state-file'?)"},
	    {"fleet:\n  services: []\n", "2:3: unknown key 'services' in 'fleet'"},
	};
	char err[512], want[PATH_MAX + 512];
	conf_t c;

	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		int rc = build(typos[i].yaml, &c, err, sizeof(err));
		snprintf(want, sizeof(want), "%s/suggest.conf:%s", dir, typos[i].want);
		is_int(rc, FDNS_EINVAL, "refused: %s", typos[i].want);
		is_str(err, want, "... with this message");
		conf_free(&c);
	}
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/test_conf_suggest.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_distance();
	test_messages();
	snprintf(path, sizeof(path), "%s/suggest.conf", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
