/* SPDX-License-Identifier: MIT */
/* test_conf.c -- unit tests for src/conf: addresses, command line, config file, conf_build.
 *
 * Prints TAP ("ok N - ...", "not ok N - ...", then the plan) and exits nonzero on failure.
 * Config files are written to a fresh mkdtemp folder that is removed at the end.
 */
#include "config.h"

#include "fleetdns/conf.h"
#include "fleetdns/error.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char dir[512]; /* the mkdtemp folder; short so that paths under it fit in PATH_MAX */
	int n;         /* checks so far */
	int failed;
};

static void __attribute__((format(printf, 3, 4)))
ok(struct fixture *fx, bool cond, const char *fmt, ...)
{
	va_list ap;

	fx->n++;
	if (!cond)
		fx->failed++;
	printf("%sok %d - ", cond ? "" : "not ", fx->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void is_str(struct fixture *fx, const char *got, const char *want, const char *desc)
{
	bool same = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);

	ok(fx, same, "%s", desc);
	if (!same)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)",
		       want ? want : "(null)");
}

static void is_int(struct fixture *fx, long long got, long long want, const char *desc)
{
	ok(fx, got == want, "%s", desc);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
}

/* Writes text to fx->dir/name and returns the full path in path. */
static void write_file(struct fixture *fx, const char *name, const char *text, char *path)
{
	FILE *fp;

	snprintf(path, PATH_MAX, "%s/%s", fx->dir, name);
	fp = fopen(path, "w");
	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

/* Parses a NULL-terminated argument list (argv[0] is added) and builds a conf from it. */
static int build_args(conf_t *conf, char *err, size_t errlen, ...)
{
	char *argv[32] = {"fleetdns"};
	int argc = 1, rc;
	conf_cmdline_t cl;
	va_list ap;

	va_start(ap, errlen);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	rc = conf_cmdline_parse(&cl, argc, argv, err, errlen);
	if (rc != 0) {
		memset(conf, 0, sizeof(*conf));
		return rc;
	}
	rc = conf_build(conf, &cl, err, errlen);
	conf_cmdline_free(&cl);
	return rc;
}

static bool conf_is_empty(const conf_t *c)
{
	return c->path == NULL && c->listen == NULL && c->nlisten == 0 && c->zones == NULL &&
	       c->nzones == 0 && c->workers == 0 && c->udp_size == 0 && c->log_level == 0;
}

static void test_addr(struct fixture *fx)
{
	static const char *const bad[] = {
	    "",
	    "1.2.3.4",
	    "1.2.3.4:",
	    "1.2.3.4:0",
	    "1.2.3.4:65536",
	    "1.2.3.4:53x",
	    "1.2.3.4:+53",
	    "1.2.3.4:-1",
	    "1.2.3.4:000053",
	    ":53",
	    "1.2.3:53",
	    "localhost:53",
	    " 1.2.3.4:53",
	    "::1:53",
	    "[::1]",
	    "[::1]53",
	    "[::1]:",
	    "[1.2.3.4]:53",
	    "[::1:53",
	    "[]:53",
	    "[::1]:53]",
	    "[fe80::1%nosuchif0]:53",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int rc;

	rc = conf_addr_parse("192.0.2.1:53", &ss, &len);
	ok(fx,
	   rc == 0 && sin->sin_family == AF_INET && len == sizeof(*sin) &&
	       sin->sin_addr.s_addr == htonl(0xc0000201) && sin->sin_port == htons(53),
	   "addr: 192.0.2.1:53 is AF_INET 192.0.2.1 port 53");
	rc = conf_addr_parse("[::1]:5353", &ss, &len);
	ok(fx,
	   rc == 0 && sin6->sin6_family == AF_INET6 && len == sizeof(*sin6) &&
	       IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) && sin6->sin6_port == htons(5353) &&
	       sin6->sin6_scope_id == 0,
	   "addr: [::1]:5353 is AF_INET6 ::1 port 5353");
	rc = conf_addr_parse("0.0.0.0:1", &ss, &len);
	ok(fx, rc == 0 && sin->sin_port == htons(1), "addr: port 1 is the lowest accepted");
	rc = conf_addr_parse("[::]:65535", &ss, &len);
	ok(fx, rc == 0 && sin6->sin6_port == htons(65535), "addr: port 65535 is the highest");
	rc = conf_addr_parse("[::ffff:192.0.2.1]:53", &ss, &len);
	ok(fx, rc == 0 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr), "addr: v4-mapped IPv6");
	if (if_nametoindex("lo") != 0) {
		rc = conf_addr_parse("[fe80::1%lo]:53", &ss, &len);
		ok(fx, rc == 0 && sin6->sin6_scope_id == if_nametoindex("lo"),
		   "addr: [fe80::1%%lo]:53 has the scope of lo");
	} else {
		ok(fx, true, "addr: # SKIP no interface named lo");
	}
	rc = conf_addr_parse("[fe80::1%7]:53", &ss, &len);
	ok(fx, rc == 0 && sin6->sin6_scope_id == 7, "addr: numeric scope [fe80::1%%7]:53");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ss, 0xa5, sizeof(ss));
		len = 99;
		rc = conf_addr_parse(bad[i], &ss, &len);
		ok(fx, rc == FDNS_EADDR && len == 0 && ss.ss_family == 0,
		   "addr: '%s' is rejected with FDNS_EADDR", bad[i]);
	}
}

/* Runs conf_cmdline_parse with stdout sent to a file; returns what it printed. */
static int parse_capture(struct fixture *fx, const char *opt, char *out, size_t outlen)
{
	char *argv[] = {"fleetdns", (char *)opt, NULL};
	char path[PATH_MAX], err[256];
	conf_cmdline_t cl;
	int fd, saved, rc;
	ssize_t got;

	snprintf(path, sizeof(path), "%s/stdout", fx->dir);
	fflush(stdout);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	rc = conf_cmdline_parse(&cl, 2, argv, err, sizeof(err));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	got = pread(fd, out, outlen - 1, 0);
	out[got > 0 ? got : 0] = '\0';
	close(fd);
	conf_cmdline_free(&cl);
	return rc;
}

static void test_cmdline(struct fixture *fx)
{
	char *full[] = {"fleetdns",
	                "-c",
	                "a.conf",
	                "--listen",
	                "10.0.0.1:53",
	                "--listen=[::1]:53",
	                "--zone",
	                "a.test",
	                "--zone=b.test=b.zone",
	                "--check-config",
	                "-vv",
	                "-q",
	                "--verbose",
	                "--config",
	                "b.conf",
	                NULL};
	char *once[] = {"fleetdns", "-q", NULL};
	conf_cmdline_t cl;
	char err[256], out[4096];
	int rc;

	rc = conf_cmdline_parse(&cl, 15, full, err, sizeof(err));
	ok(fx, rc == 0, "cmdline: every option parses");
	is_str(fx, cl.conf_path, "b.conf", "cmdline: the last -c/--config wins");
	ok(fx,
	   cl.nlisten == 2 && strcmp(cl.listen[0], "10.0.0.1:53") == 0 &&
	       strcmp(cl.listen[1], "[::1]:53") == 0,
	   "cmdline: --listen values kept in order");
	ok(fx,
	   cl.nzones == 2 && strcmp(cl.zones[0], "a.test") == 0 &&
	       strcmp(cl.zones[1], "b.test=b.zone") == 0,
	   "cmdline: --zone values kept in order");
	ok(fx, cl.check_only, "cmdline: --check-config");
	is_int(fx, cl.verbosity, 2, "cmdline: -vv -q --verbose is verbosity 2");
	conf_cmdline_free(&cl);

	rc = conf_cmdline_parse(&cl, 2, once, err, sizeof(err));
	ok(fx,
	   rc == 0 && cl.verbosity == -1 && cl.conf_path == NULL && cl.nzones == 0 &&
	       !cl.check_only,
	   "cmdline: a second parse starts from scratch");
	conf_cmdline_free(&cl);

	rc = parse_capture(fx, "--help", out, sizeof(out));
	ok(fx, rc == 1 && strncmp(out, "Usage: fleetdns [OPTION]...\n", 28) == 0,
	   "cmdline: --help prints usage to stdout and returns 1");
	rc = parse_capture(fx, "-h", out, sizeof(out));
	ok(fx, rc == 1 && strstr(out, "--check-config") != NULL, "cmdline: -h is --help");
	rc = parse_capture(fx, "-V", out, sizeof(out));
	ok(fx, rc == 1, "cmdline: -V returns 1");
	is_str(fx, out, "fleetdns " PACKAGE_VERSION "\n", "cmdline: -V prints the version");
	rc = parse_capture(fx, "--version", out, sizeof(out));
	ok(fx, rc == 1 && strcmp(out, "fleetdns " PACKAGE_VERSION "\n") == 0, "cmdline: --version");

	static const struct {
		const char *args[3];
		const char *want;
	} bad[] = {
	    {{"--bogus"}, "invalid option '--bogus' (see --help)"},
	    {{"-x"}, "invalid option '-x' (see --help)"},
	    {{"-vx"}, "invalid option '-x' (see --help)"},
	    {{"--check-config=yes"}, "invalid option '--check-config=yes' (see --help)"},
	    {{"-c"}, "option '-c' needs an argument"},
	    {{"--zone"}, "option '--zone' needs an argument"},
	    {{"-v", "extra"}, "unexpected argument 'extra' (see --help)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[4] = {"fleetdns", (char *)bad[i].args[0], (char *)bad[i].args[1]};
		int argc = bad[i].args[1] ? 3 : 2;
		rc = conf_cmdline_parse(&cl, argc, argv, err, sizeof(err));
		ok(fx, rc == FDNS_EINVAL && cl.nlisten == 0 && cl.verbosity == 0,
		   "cmdline: bad #%zu fails with FDNS_EINVAL and leaves nothing", i + 1);
		is_str(fx, err, bad[i].want, bad[i].want);
		conf_cmdline_free(&cl);
	}
}

static void test_defaults(struct fixture *fx)
{
	conf_t c;
	char err[512], path[PATH_MAX];
	int rc = build_args(&c, err, sizeof(err), NULL);

	ok(fx, rc == 0, "defaults: no arguments build");
	ok(fx, c.path == NULL, "defaults: no config path");
	ok(fx,
	   c.nlisten == 1 && strcmp(c.listen[0].text, CONF_DEFAULT_LISTEN) == 0 &&
	       c.listen[0].addr.ss_family == AF_INET,
	   "defaults: listen " CONF_DEFAULT_LISTEN);
	ok(fx,
	   c.workers == 0 && c.udp_size == CONF_DEFAULT_UDP_SIZE &&
	       c.tcp_idle_ms == CONF_DEFAULT_TCP_IDLE_MS &&
	       c.tcp_max_clients == CONF_DEFAULT_TCP_MAX_CLIENTS &&
	       c.tcp_max_per_client == CONF_DEFAULT_TCP_MAX_PER_CLIENT && c.log_level == 2,
	   "defaults: numbers and log level");
	ok(fx,
	   c.nzones == 1 && strcmp(c.zones[0].name, CONF_DEFAULT_ZONE) == 0 &&
	       c.zones[0].file == NULL && c.zones[0].embedded,
	   "defaults: the embedded zone " CONF_DEFAULT_ZONE);
	conf_free(&c);
	ok(fx, conf_is_empty(&c), "defaults: conf_free leaves an empty conf");
	conf_free(&c);
	ok(fx, conf_is_empty(&c), "defaults: conf_free twice is harmless");

	static const char *const empties[] = {"", "# nothing yet\n", "---\n", "server:\nzones:\n"};
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		write_file(fx, "empty.conf", empties[i], path);
		rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
		ok(fx,
		   rc == 0 && c.path && strcmp(c.path, path) == 0 && c.nzones == 0 &&
		       c.nlisten == 1 && c.udp_size == CONF_DEFAULT_UDP_SIZE,
		   "defaults: empty config #%zu: defaults, no embedded zone", i + 1);
		conf_free(&c);
	}
}

static const char full_conf[] = "# every key\n"
                                "server:\n"
                                "  listen: [\"127.0.0.2:53\", \"[::1]:1053\"]\n"
                                "  workers: 4\n"
                                "  udp-size: 4096\n"
                                "  tcp-idle-timeout: 100\n"
                                "  tcp-max-clients: 65535\n"
                                "  tcp-max-per-client: 1\n"
                                "  log-level: debug\n"
                                "zones:\n"
                                "  - name: example.test\n"
                                "    file: zones/example.test.zone\n"
                                "  - name: fleet.test\n"
                                "  - name: abs.test.\n"
                                "    file: /var/lib/abs.zone\n"
                                "  - name: null.test\n"
                                "    file: ~\n";

static void test_full(struct fixture *fx)
{
	conf_t c;
	char err[512], path[PATH_MAX], want[PATH_MAX + 32], cwd[PATH_MAX];
	int rc;

	write_file(fx, "full.conf", full_conf, path);
	rc = build_args(&c, err, sizeof(err), "--config", path, NULL);
	ok(fx, rc == 0, "full: builds");
	if (rc != 0)
		printf("#   %s\n", err);
	ok(fx,
	   c.nlisten == 2 && strcmp(c.listen[0].text, "127.0.0.2:53") == 0 &&
	       c.listen[0].addr.ss_family == AF_INET &&
	       strcmp(c.listen[1].text, "[::1]:1053") == 0 &&
	       c.listen[1].addr.ss_family == AF_INET6,
	   "full: two listen addresses");
	ok(fx,
	   c.workers == 4 && c.udp_size == 4096 && c.tcp_idle_ms == 100 &&
	       c.tcp_max_clients == 65535 && c.tcp_max_per_client == 1,
	   "full: numbers at their limits");
	is_int(fx, c.log_level, 3, "full: log-level debug is 3");
	is_int(fx, (long long)c.nzones, 4, "full: four zones");
	if (c.nzones == 4) {
		snprintf(want, sizeof(want), "%s/zones/example.test.zone", fx->dir);
		is_str(fx, c.zones[0].file, want, "full: relative file joined to config folder");
		ok(fx,
		   strcmp(c.zones[1].name, "fleet.test") == 0 && c.zones[1].file == NULL &&
		       !c.zones[1].embedded,
		   "full: zone without file");
		ok(fx,
		   strcmp(c.zones[2].name, "abs.test.") == 0 &&
		       strcmp(c.zones[2].file, "/var/lib/abs.zone") == 0,
		   "full: absolute file kept, name as written");
		ok(fx, c.zones[3].file == NULL, "full: file: ~ means no file");
	}
	conf_free(&c);

	/* A relative config path: zone files are relative to its folder, not to the cwd. */
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(fx->dir) != 0) {
		perror("chdir");
		exit(2);
	}
	mkdir("etc", 0700);
	write_file(fx, "etc/rel.conf", "zones:\n  - {name: r.test, file: r.zone}\n", path);
	rc = build_args(&c, err, sizeof(err), "-c", "etc/rel.conf", NULL);
	ok(fx, rc == 0 && c.nzones == 1 && strcmp(c.zones[0].file, "etc/r.zone") == 0,
	   "full: relative config path etc/rel.conf gives etc/r.zone");
	conf_free(&c);
	rc = build_args(&c, err, sizeof(err), "-c", "full.conf", NULL);
	ok(fx, rc == 0 && c.nzones == 4 && strcmp(c.zones[0].file, "zones/example.test.zone") == 0,
	   "full: config in the cwd leaves relative zone paths alone");
	conf_free(&c);
	if (chdir(cwd) != 0)
		exit(2);
}

static const struct bad_conf {
	const char *yaml;
	int rc;
	const char *want; /* after "PATH:" */
} bad_confs[] = {
    {"servers:\n  workers: 1\n", FDNS_EINVAL, "1:1: unknown top-level key 'servers'"},
    {"server: {}\nengines: []\n", FDNS_EINVAL, "2:1: unknown top-level key 'engines'"},
    {"server:\n  udp_size: 1232\n", FDNS_EINVAL, "2:3: unknown key 'udp_size' in 'server'"},
    {"zones:\n  - name: a.test\n    fil: a.zone\n", FDNS_EINVAL, "3:5: unknown key 'fil' in zone"},
    {"server:\n  workers: 1\n  workers: 2\n", FDNS_EINVAL,
     "3:3: duplicate key 'workers' (first at line 2)"},
    {"server:\n  workers: many\n", FDNS_EINVAL, "2:12: 'workers' must be an integer (got 'many')"},
    {"server:\n  workers: -1\n", FDNS_EINVAL, "2:12: 'workers' must be an integer (got '-1')"},
    {"server:\n  udp-size:\n", FDNS_EINVAL, "2:12: 'udp-size' must be an integer (got nothing)"},
    {"server:\n  tcp-max-clients: [1]\n", FDNS_EINVAL,
     "2:20: 'tcp-max-clients' must be an integer (got a list)"},
    {"server: [1]\n", FDNS_EINVAL, "1:9: 'server' must be a mapping (got a list)"},
    {"server:\n  listen: 127.0.0.1:53\n", FDNS_EINVAL,
     "2:11: 'listen' must be a list of addresses (got '127.0.0.1:53')"},
    {"zones:\n  name: a.test\n", FDNS_EINVAL, "2:3: 'zones' must be a list (got a mapping)"},
    {"zones: [a.test]\n", FDNS_EINVAL, "1:9: 'zones' must be a list of mappings (got 'a.test')"},
    {"zones:\n  - name:\n", FDNS_EINVAL, "2:10: 'name' must be a domain name (got nothing)"},
    {"zones:\n  - name: a.test\n    file: ''\n", FDNS_EINVAL,
     "3:11: 'file' must be a file name (got '')"},
    {"hello\n", FDNS_EINVAL, "1:1: expected a mapping with 'server' and 'zones' at the top"},
    {"? [a]\n: 1\n", FDNS_EINVAL, "1:3: keys in 'top level' must be strings (got a list)"},
    {"server:\n  listen: [\"127.0.0.1\"]\n", FDNS_EINVAL,
     "2:12: invalid listen address '127.0.0.1' (expected IPv4:PORT or [IPv6]:PORT)"},
    {"server:\n  listen:\n    - 127.0.0.1:53\n    - 127.0.0.1:053\n", FDNS_EINVAL,
     "4:7: duplicate listen address '127.0.0.1:053'"},
    {"server:\n  udp-size: 511\n", FDNS_EINVAL,
     "2:13: 'udp-size' must be between 512 and 4096 (got 511)"},
    {"server:\n  udp-size: 4097\n", FDNS_EINVAL,
     "2:13: 'udp-size' must be between 512 and 4096 (got 4097)"},
    {"server:\n  tcp-idle-timeout: 99\n", FDNS_EINVAL,
     "2:21: 'tcp-idle-timeout' must be between 100 and 3600000 (got 99)"},
    {"server:\n  tcp-idle-timeout: 99999999999999999999999\n", FDNS_EINVAL,
     "2:21: 'tcp-idle-timeout' must be between 100 and 3600000 (got 99999999999999999999999)"},
    {"server:\n  tcp-max-clients: 0\n", FDNS_EINVAL,
     "2:20: 'tcp-max-clients' must be between 1 and 65535 (got 0)"},
    {"server:\n  tcp-max-per-client: 65536\n", FDNS_EINVAL,
     "2:23: 'tcp-max-per-client' must be between 1 and 65535 (got 65536)"},
    {"server:\n  workers: 1025\n", FDNS_EINVAL,
     "2:12: 'workers' must be between 0 and 1024 (got 1025)"},
    {"server:\n  log-level: loud\n", FDNS_EINVAL,
     "2:14: 'log-level' must be error, warning, info or debug (got 'loud')"},
    {"zones:\n  - name: a.test\n  - name: A.Test.\n", FDNS_EINVAL,
     "3:11: duplicate zone 'A.Test.' (first at line 2)"},
    {"zones:\n  - name: a..b\n", FDNS_EINVAL, "2:11: invalid zone name 'a..b'"},
    {"zones:\n  - file: x.zone\n", FDNS_EINVAL, "2:5: zone has no 'name'"},
    {"server: {}\n---\nzones: []\n", FDNS_EINVAL, "3:1: only one YAML document is allowed"},
    {"server: [1, 2\n", FDNS_EPARSE,
     "2:1: did not find expected ',' or ']' (while parsing a flow sequence)"},
    {"server:\n\tworkers: 1\n", FDNS_EPARSE,
     "2:1: found character that cannot start any token (while scanning for the next token)"},
    {"server:\n  workers: 1\n bad\n", FDNS_EPARSE,
     "3:2: did not find expected key (while parsing a block mapping)"},
    {"server:\n  log-level: \xff\n", FDNS_EPARSE, "2:14: invalid leading UTF-8 octet"},
    {"zones: *nowhere\n", FDNS_EPARSE, "1:8: found undefined alias"},
};

static void test_bad_files(struct fixture *fx)
{
	char err[512], path[PATH_MAX], want[PATH_MAX + 256];
	conf_t c;
	int rc;

	for (size_t i = 0; i < sizeof(bad_confs) / sizeof(bad_confs[0]); i++) {
		write_file(fx, "bad.conf", bad_confs[i].yaml, path);
		rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
		snprintf(want, sizeof(want), "%s:%s", path, bad_confs[i].want);
		ok(fx, rc == bad_confs[i].rc && conf_is_empty(&c),
		   "bad file #%zu: error %d and an empty conf", i + 1, bad_confs[i].rc);
		is_str(fx, err, want, bad_confs[i].want);
		conf_free(&c);
	}

	snprintf(path, sizeof(path), "%s/missing.conf", fx->dir);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ok(fx, rc == FDNS_EIO && conf_is_empty(&c), "bad file: a missing file is FDNS_EIO");
	is_str(fx, err, want, "bad file: missing file message is FILE: strerror");
}

static void test_override(struct fixture *fx)
{
	static const char yaml[] = "server:\n"
	                           "  listen: [\"127.0.0.1:53\", \"[::1]:53\"]\n"
	                           "  log-level: warning\n"
	                           "zones:\n"
	                           "  - name: a.test\n"
	                           "    file: a.zone\n"
	                           "  - name: b.test\n"
	                           "    file: b.zone\n";
	char err[512], path[PATH_MAX], want[PATH_MAX + 32];
	conf_t c;
	int rc;

	write_file(fx, "over.conf", yaml, path);
	rc = build_args(&c, err, sizeof(err), "-c", path, "--listen", "10.0.0.1:5300", "--zone",
	                "c.test=c.zone", "--zone", "A.TEST.=other.zone", "--zone", "b.test", "-v",
	                NULL);
	ok(fx, rc == 0, "override: builds");
	ok(fx, c.nlisten == 1 && strcmp(c.listen[0].text, "10.0.0.1:5300") == 0,
	   "override: --listen replaces the file's list");
	is_int(fx, (long long)c.nzones, 3, "override: a.test and b.test replaced, c.test added");
	if (c.nzones == 3) {
		ok(fx,
		   strcmp(c.zones[0].name, "A.TEST.") == 0 &&
		       strcmp(c.zones[0].file, "other.zone") == 0,
		   "override: --zone A.TEST.=other.zone replaces a.test in place");
		ok(fx, strcmp(c.zones[1].name, "b.test") == 0 && c.zones[1].file == NULL,
		   "override: --zone b.test drops the file's zone file");
		ok(fx,
		   strcmp(c.zones[2].name, "c.test") == 0 && strcmp(c.zones[2].file, "c.zone") == 0,
		   "override: --zone file stays relative to the cwd");
	}
	is_int(fx, c.log_level, 2, "override: log-level warning plus -v is info");
	conf_free(&c);

	rc = build_args(&c, err, sizeof(err), "-c", path, "--zone", "a.test=1.zone", "--zone",
	                "a.test=2.zone", NULL);
	ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c),
	   "override: a file zone replaced twice on the command line fails");
	is_str(fx, err, "--zone 'a.test=2.zone': zone 'a.test' given twice",
	       "override: ... with the second --zone named");

	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	snprintf(want, sizeof(want), "%s/a.zone", fx->dir);
	ok(fx, rc == 0 && c.nlisten == 2 && c.nzones == 2 && strcmp(c.zones[0].file, want) == 0,
	   "override: without options the file's values stand");
	conf_free(&c);

	rc = build_args(&c, err, sizeof(err), "--zone", "x.test", "--listen", "[::1]:53", NULL);
	ok(fx,
	   rc == 0 && c.nzones == 1 && !c.zones[0].embedded && c.zones[0].file == NULL &&
	       c.nlisten == 1 && c.listen[0].addr.ss_family == AF_INET6,
	   "override: --zone without a config file replaces the embedded zone");
	conf_free(&c);

	rc = build_args(&c, err, sizeof(err), "--listen", "[::1]:53", NULL);
	ok(fx, rc == 0 && c.nzones == 1 && c.zones[0].embedded,
	   "override: --listen alone keeps the embedded zone");
	conf_free(&c);

	static const struct {
		const char *args[5];
		int level;
	} levels[] = {
	    {{"-v", "-v", "-v", "-v"}, 3},
	    {{"-q", "-q", "-q", "-q"}, 0},
	    {{"-q"}, 1},
	    {{"-v"}, 3},
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		const char *const *a = levels[i].args;
		rc = build_args(&c, err, sizeof(err), a[0], a[1], a[2], a[3], NULL);
		ok(fx, rc == 0 && c.log_level == levels[i].level, "override: %s x%d is level %d",
		   a[0], a[1] ? 4 : 1, levels[i].level);
		conf_free(&c);
	}
}

static void test_bad_cmdline(struct fixture *fx)
{
	static const struct {
		const char *args[4];
		const char *want;
	} bad[] = {
	    {{"--zone", "a..b"}, "--zone 'a..b': invalid zone name 'a..b'"},
	    {{"--zone", "=x.zone"}, "--zone '=x.zone': expected ORIGIN or ORIGIN=FILE"},
	    {{"--zone", "a.test="}, "--zone 'a.test=': expected ORIGIN or ORIGIN=FILE"},
	    {{"--zone", "a.test", "--zone", "A.test.=a.zone"},
	     "--zone 'A.test.=a.zone': zone 'A.test.' given twice"},
	    {{"--listen", "1.2.3.4"},
	     "--listen '1.2.3.4': invalid address (expected IPv4:PORT or [IPv6]:PORT)"},
	    {{"--listen", "[::1]:53", "--listen", "[::1]:53"}, "--listen '[::1]:53': given twice"},
	};
	char err[512];
	conf_t c;
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const *a = bad[i].args;
		rc = build_args(&c, err, sizeof(err), a[0], a[1], a[2], a[3], NULL);
		ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c),
		   "bad cmdline #%zu: FDNS_EINVAL and an empty conf", i + 1);
		is_str(fx, err, bad[i].want, bad[i].want);
		conf_free(&c);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	struct fixture fx = {0};
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(fx.dir, sizeof(fx.dir), "%s/test_conf.XXXXXX", tmp) >=
	        sizeof(fx.dir) ||
	    mkdtemp(fx.dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_addr(&fx);
	test_cmdline(&fx);
	test_defaults(&fx);
	test_full(&fx);
	test_bad_files(&fx);
	test_override(&fx);
	test_bad_cmdline(&fx);
	nftw(fx.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	printf("1..%d\n", fx.n);
	if (fx.failed > 0)
		printf("# %d of %d checks failed\n", fx.failed, fx.n);
	return fx.failed > 0;
}
