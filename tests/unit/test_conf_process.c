/* SPDX-License-Identifier: MIT */
/* test_conf_process.c -- the process keys of server: (user, group, pidfile, identity,
 * version, nsid) and the log: section (src/conf/process.c): values kept exactly, defaults,
 * and each refusal with its FILE:LINE:COLUMN message. */
#include "config.h"

#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "tap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static int build(const char *yaml, conf_t *c, char *err, size_t errlen)
{
	char path[PATH_MAX];
	conf_cmdline_t cl = {.conf_path = path};
	FILE *fp;

	snprintf(path, sizeof(path), "%s/process.conf", dir);
	fp = fopen(path, "w");
	if (fp == NULL || fputs(yaml, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return conf_build(c, &cl, err, errlen);
}

static void test_defaults(void)
{
	char err[512];
	conf_t c;

	ok(build("", &c, err, sizeof(err)) == 0, "defaults: an empty file builds");
	ok(!c.process.user && !c.process.group && !c.process.pidfile, "defaults: no user, group "
	                                                              "or pidfile");
	ok(!c.process.identity && !c.process.version, "defaults: identity and version unset "
	                                              "(host name, fleetdns VERSION)");
	ok(!c.process.nsid && c.process.nsid_len == 0, "defaults: no NSID");
	ok(c.process.log_target == CONF_LOG_STDERR && c.process.log_format == CONF_LOG_TEXT,
	   "defaults: text lines on stderr");
	conf_free(&c);
}

static void test_values(void)
{
	char err[512], want[PATH_MAX];
	conf_t c;
	int rc = build("server:\n  user: fleetdns\n  group: dns\n  pidfile: run/fleetdns.pid\n"
	               "  identity: ns1.example\n  version: ''\n  nsid: ns1\n"
	               "log:\n  target: syslog\n  format: json\n  level: debug\n",
	               &c, err, sizeof(err));

	if (!ok(rc == 0, "values: accepted"))
		diag("%s", err);
	if (rc != 0)
		return;
	is_str(c.process.user, "fleetdns", "values: user");
	is_str(c.process.group, "dns", "values: group");
	snprintf(want, sizeof(want), "%s/run/fleetdns.pid", dir);
	is_str(c.process.pidfile, want, "values: pidfile relative to the config file's folder");
	is_str(c.process.identity, "ns1.example", "values: identity");
	is_str(c.process.version, "", "values: an empty version (not answered)");
	ok(c.process.nsid_len == 3 && memcmp(c.process.nsid, "ns1", 3) == 0,
	   "values: nsid as text");
	ok(c.process.log_target == CONF_LOG_SYSLOG, "values: log target syslog");
	ok(c.process.log_format == CONF_LOG_JSON, "values: log format json");
	ok(c.log_level == 3, "values: log level debug (as server: log-level)");
	conf_free(&c);

	rc = build("server:\n  nsid: 0x00ff10\nlog: {target: journal}\n", &c, err, sizeof(err));
	ok(rc == 0 && c.process.nsid_len == 3 && c.process.nsid[0] == 0 &&
	       c.process.nsid[1] == 0xff && c.process.nsid[2] == 0x10,
	   "values: nsid in hex (0x00ff10: 3 bytes)");
	ok(rc == 0 && c.process.log_target == CONF_LOG_JOURNAL, "values: log target journal");
	conf_free(&c);
}

static void test_refused(void)
{
	static const struct {
		const char *yaml, *want;
	} bad[] = {
	    {"server:\n  user: ''\n", "2:9: 'user' must be a name (got '')"},
	    {"server:\n  group: [a]\n", "2:10: 'group' must be a name (got a list)"},
	    {"server:\n  pidfile:\n", "2:11: 'pidfile' must be a file name (got nothing)"},
	    {"server:\n  nsid: 0x123\n", "2:9: 'nsid' in hex needs an even number of digits"},
	    {"server:\n  nsid: 0x12zz\n", "2:9: 'nsid': 'z' is not a hex digit"},
	    {"server:\n  nsid: "
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	     "2:9: 'nsid' is longer than 128 bytes"},
	    {"server:\n  identity: {a: b}\n", "2:13: 'identity' must be a text (empty: off) (got a "
	                                      "mapping)"},
	    {"log:\n  target: file\n", "2:11: 'target' must be stderr, syslog or journal (got "
	                               "'file')"},
	    {"log:\n  format: xml\n", "2:11: 'format' must be text or json (got 'xml')"},
	    {"log:\n  levels: info\n",
	     "2:3: unknown key 'levels' in 'log' (did you mean 'level'?)"},
	    {"log:\n  level: loud\n", "2:10: 'log-level' must be error, warning, info or debug "
	                                "(got 'loud')"},
	    {"log: [a]\n", "1:6: 'log' must be a mapping (got a list)"},
	};
	char err[512], want[PATH_MAX + 512];
	conf_t c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = build(bad[i].yaml, &c, err, sizeof(err));
		snprintf(want, sizeof(want), "%s/process.conf:%s", dir, bad[i].want);
		ok(rc == FDNS_EINVAL, "refused: %s", bad[i].want);
		is_str(err, want, "refused: ... the message");
		conf_free(&c);
	}
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/test_conf_process.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_defaults();
	test_values();
	test_refused();
	snprintf(path, sizeof(path), "%s/process.conf", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
