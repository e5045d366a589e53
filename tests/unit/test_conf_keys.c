/* SPDX-License-Identifier: MIT */
/* test_conf_keys.c -- TSIG keys in the configuration (src/conf/xfr.c): the shortest secret
 * accepted, and that no secret, nor text that could be one typed in the wrong place, is
 * ever repeated in a message (docs/configuration.md, "keys").
 *
 * Each bad file is checked for its exact message (FILE:LINE:COLUMN: text) and for the absence
 * of the first 12 characters of the secret it holds. Config files go to a mkdtemp folder.
 */
#include "config.h"

#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "tap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Secrets of 15, 16, 32 and 64 bytes. */
#define S15 "ZmxlZXRkbnMtdGVzdDE1"
#define S16 "ZmxlZXRkbnMtdGVzdC0xNg=="
#define S32 "ZmxlZXRkbnMgeGZyIHRlc3Qga2V5LCAzMiBieXRlcyE="
#define S64                                                                                        \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="

static char dir[256];

static int build(const char *yaml, conf_t *c, char *err, size_t errlen, char *path)
{
	conf_cmdline_t cl = {.conf_path = path};
	FILE *fp;

	snprintf(path, PATH_MAX, "%s/keys.conf", dir);
	fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return conf_build(c, &cl, err, errlen);
}

static void test_accepted(void)
{
	static const struct {
		const char *yaml, *what, *secret;
	} good[] = {
	    {"keys: [{name: k, algorithm: hmac-sha1, secret: " S16 "}]\n",
	     "hmac-sha1 with 16 bytes (the shortest accepted)", S16},
	    {"keys: [{name: k, algorithm: hmac-sha256, secret: " S16 "}]\n",
	     "hmac-sha256 with 16 bytes", S16},
	    {"keys: [{name: k, algorithm: hmac-sha512, secret: " S16 "}]\n",
	     "hmac-sha512 with 16 bytes", S16},
	    {"keys: [{name: k, algorithm: hmac-sha512, secret: " S64 "}]\n",
	     "hmac-sha512 with 64 bytes", S64},
	    {"keys:\n  - name: k\n    algorithm: hmac-sha256\n    secret: ZmxlZXRkbnMgeGZy\n"
	     "      IHRlc3Qga2V5LCAzMiBieXRlcyE=\n",
	     "a secret folded over two lines (read with a space, as BIND writes them)",
	     "ZmxlZXRkbnMgeGZy IHRlc3Qga2V5LCAzMiBieXRlcyE="},
	};
	char err[512], path[PATH_MAX];
	conf_t c;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = build(good[i].yaml, &c, err, sizeof(err), path);
		if (!ok(rc == 0 && c.nkeys == 1, "accepted: %s", good[i].what))
			diag("%s", err);
		if (rc == 0 && c.nkeys == 1)
			is_str(c.keys[0].secret, good[i].secret,
			       "accepted: ... the secret as written");
		conf_free(&c);
	}
}

static const struct bad_key {
	const char *yaml;
	const char *want;   /* after "PATH:" */
	const char *secret; /* must not appear in the message (first 12 characters) */
} bad[] = {
    /* too short: 15 bytes, for each algorithm */
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " S15 "}\n",
     "2:49: secret of key 'xfr' is too short: 15 bytes (at least 16; 32, the size of the "
     "hmac-sha256 output, recommended)",
     S15},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha1, secret: " S15 "}\n",
     "2:47: secret of key 'xfr' is too short: 15 bytes (at least 16; 20, the size of the "
     "hmac-sha1 output, recommended)",
     S15},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: \"eA==\"}\n",
     "2:49: secret of key 'xfr' is too short: 1 bytes (at least 16; 64, the size of the "
     "hmac-sha512 output, recommended)",
     "eA=="},
    /* not base64: never repeated, whatever is wrong with it */
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: '" S32 "!'}\n",
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)", S32},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: 'c2VjcmV0-c2VjcmV0'}\n",
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)", "c2VjcmV0-c2V"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: [" S32 "]}\n",
     "2:49: 'secret' must be a base64 string (got a list)", S32},
    /* a secret in the wrong place */
    {"keys: [\"hmac-sha256:xfr:" S32 "\"]\n",
     "1:8: 'keys' must be a list of mappings (got <hidden>)", S32},
    {"keys: \"hmac-sha256:xfr:" S32 "\"\n", "1:7: 'keys' must be a list (got <hidden>)", S32},
    {"keys:\n  - {name: xfr, algorithm: " S32 ", secret: hmac-sha256}\n",
     "2:28: 'algorithm' must be hmac-sha256, hmac-sha512 or hmac-sha1 (got <hidden>)", S32},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, " S32 "}\n",
     "2:41: unknown key <hidden> in key", S32},
    {"keys:\n  - {name: " S64 ", algorithm: hmac-sha512, secret: xfr}\n",
     "2:12: invalid key name <hidden>", S64},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " S16 "}\nzones:\n"
     "  - {name: a.test, allow-transfer: [{address: 10.0.0.0/8, key: " S32 "}]}\n",
     "4:64: unknown TSIG key <hidden> (not in 'keys')", S32},
    {"zones:\n  - {name: a.test, notify: [{address: 192.0.2.1, key: \"" S32 "\"}]}\n",
     "2:55: unknown TSIG key <hidden> (not in 'keys')", S32},
    {"zones:\n  - {name: a.test, notify: [" S32 "]}\n",
     "2:29: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got <hidden>)", S32},
    {"zones:\n  - {name: a.test, notify: [{address: 192.0.2.1, " S32 "}]}\n",
     "2:50: unknown key <hidden> in notify", S32},
    {"zones:\n  - {name: a.test, allow-transfer: [" S32 "]}\n",
     "2:37: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "<hidden>)",
     S32},
    {"zones:\n  - {name: a.test, allow-transfer: " S32 "}\n",
     "2:36: 'allow-transfer' must be a list (got <hidden>)", S32},
    /* where "could be a secret" starts: 16 base64 characters in a row, spaces allowed */
    {"zones:\n  - {name: a.test, notify: [{address: 192.0.2.1, key: abcdefghijklmno}]}\n",
     "2:55: unknown TSIG key 'abcdefghijklmno' (not in 'keys')", "(none)"},
    {"zones:\n  - {name: a.test, notify: [{address: 192.0.2.1, key: abcdefghijklmnop}]}\n",
     "2:55: unknown TSIG key <hidden> (not in 'keys')", "abcdefghijkl"},
    {"zones:\n  - {name: a.test, notify: [{address: 192.0.2.1, key: abcd efgh ijkl mnop}]}\n",
     "2:55: unknown TSIG key <hidden> (not in 'keys')", "abcd efgh ij"},
    {"zones:\n  - {name: a.test, notify: [{address: 192.0.2.1, key: xfr-2024.example.test}]}\n",
     "2:55: unknown TSIG key 'xfr-2024.example.test' (not in 'keys')", "(none)"},
};

static void test_refused(void)
{
	char err[512], path[PATH_MAX], want[PATH_MAX + 256], head[13];
	conf_t c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = build(bad[i].yaml, &c, err, sizeof(err), path);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].want);
		ok(rc == FDNS_EINVAL && c.nkeys == 0 && c.nzones == 0,
		   "refused #%zu: FDNS_EINVAL and an empty conf", i + 1);
		is_str(err, want, "%s", bad[i].want);
		snprintf(head, sizeof(head), "%s", bad[i].secret);
		ok(strstr(err, head) == NULL, "refused #%zu: '%s...' is not in the message", i + 1,
		   head);
		conf_free(&c);
	}
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/test_conf_keys.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_accepted();
	test_refused();
	{
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/keys.conf", dir);
		unlink(path);
		rmdir(dir);
	}
	return done_testing();
}
