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

/* A secret of 16 bytes, the shortest accepted ("fleetdns-test-16"). */
#define K16 "ZmxlZXRkbnMtdGVzdC0xNg=="

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
	static const conf_fleet_t zero_fleet = {0};

	return c->path == NULL && c->listen == NULL && c->nlisten == 0 && c->zones == NULL &&
	       c->nzones == 0 && c->workers == 0 && c->udp_size == 0 && c->log_level == 0 &&
	       c->engines == NULL && c->nengines == 0 && !c->engines_default && c->keys == NULL &&
	       c->nkeys == 0 && memcmp(&c->fleet, &zero_fleet, sizeof(zero_fleet)) == 0;
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
	                "--engine",
	                "n1=unix:///x.sock",
	                "--engine=n2=tcp://h:1",
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

	rc = conf_cmdline_parse(&cl, 18, full, err, sizeof(err));
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
	ok(fx,
	   cl.nengines == 2 && strcmp(cl.engines[0], "n1=unix:///x.sock") == 0 &&
	       strcmp(cl.engines[1], "n2=tcp://h:1") == 0,
	   "cmdline: --engine values kept in order, unparsed");
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
	ok(fx, strstr(out, "\n      --engine NAME=URL ") != NULL, "cmdline: --help lists --engine");
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
	    {{"--engine"}, "option '--engine' needs an argument"},
	    {{"-v", "extra"}, "unexpected argument 'extra' (see --help)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[4] = {"fleetdns", (char *)bad[i].args[0], (char *)bad[i].args[1]};
		int argc = bad[i].args[1] ? 3 : 2;
		rc = conf_cmdline_parse(&cl, argc, argv, err, sizeof(err));
		ok(fx,
		   rc == FDNS_EINVAL && cl.nlisten == 0 && cl.nengines == 0 && cl.verbosity == 0,
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
	ok(fx, c.engines_default && c.nengines == 0 && c.engines == NULL,
	   "defaults: no engine configured and no file: engines_default, engines[] empty");
	ok(fx,
	   c.fleet.zone == NULL && c.fleet.ttl == CONF_DEFAULT_FLEET_TTL &&
	       c.fleet.max_answers == 0 && !c.fleet.serve_starting &&
	       c.fleet.unhealthy == CONF_UNHEALTHY_NODATA && c.fleet.compose_labels &&
	       c.fleet.swarm_labels && c.fleet.resync_ms == CONF_DEFAULT_RESYNC_MS &&
	       c.fleet.reverse_zones == NULL && c.fleet.nreverse_zones == 0 &&
	       c.fleet.state_file == NULL,
	   "defaults: fleet settings");
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
		       c.nlisten == 1 && c.udp_size == CONF_DEFAULT_UDP_SIZE && c.nengines == 0 &&
		       !c.engines_default && c.fleet.ttl == CONF_DEFAULT_FLEET_TTL,
		   "defaults: empty config #%zu: defaults, no embedded zone, no engine", i + 1);
		conf_free(&c);
	}

	/* engines_default: only when neither a file nor --engine says anything about engines. */
	rc = build_args(&c, err, sizeof(err), "--zone", "x.test", "--listen", "[::1]:53", NULL);
	ok(fx, rc == 0 && c.engines_default && c.nengines == 0,
	   "defaults: --zone and --listen alone keep engines_default");
	conf_free(&c);
	rc = build_args(&c, err, sizeof(err), "--engine", "Local=unix:///run/docker.sock", NULL);
	ok(fx,
	   rc == 0 && !c.engines_default && c.nengines == 1 &&
	       strcmp(c.engines[0].name, "local") == 0 &&
	       strcmp(c.engines[0].url, "unix:///run/docker.sock") == 0 &&
	       c.engines[0].tls_ca == NULL && c.engines[0].address == CONF_ADDRESS_CONTAINER &&
	       c.engines[0].host_address == NULL && c.engines[0].network == NULL &&
	       c.engines[0].timeout_ms == CONF_DEFAULT_ENGINE_TIMEOUT_MS,
	   "defaults: --engine without a file: that engine only, name lower-cased, defaults");
	conf_free(&c);
	write_file(fx, "empty.conf", "engines: ~\nfleet: ~\n", path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx,
	   rc == 0 && !c.engines_default && c.nengines == 0 &&
	       c.fleet.resync_ms == CONF_DEFAULT_RESYNC_MS && c.fleet.compose_labels,
	   "defaults: engines: ~ and fleet: ~ in a file: no engine, no engines_default");
	conf_free(&c);
	write_file(fx, "empty.conf",
	           "zones: [{name: a.test}]\nengines: []\n"
	           "fleet:\n  zone: ~\n  reverse-zones: ~\n  state-file: ~\n",
	           path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx,
	   rc == 0 && c.nengines == 0 && !c.engines_default && c.fleet.zone == NULL &&
	       c.fleet.nreverse_zones == 0 && c.fleet.state_file == NULL,
	   "defaults: engines: [] and fleet keys set to ~ are absent");
	conf_free(&c);
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

static const char fleet_conf[] = "zones:\n"
                                 "  - name: Fleet.Test.\n"
                                 "  - name: 17.172.in-addr.arpa\n"
                                 "  - name: 8.b.d.0.1.0.0.2.ip6.arpa\n"
                                 "engines:\n"
                                 "  - name: Node1\n"
                                 "    url: unix:///var/run/docker.sock\n"
                                 "  - name: node-2\n"
                                 "    url: tcp://198.51.100.12:2376\n"
                                 "    tls: {ca: certs/ca.pem, cert: /etc/c.pem, key: k.pem}\n"
                                 "    address: host\n"
                                 "    host-address: 198.51.100.12\n"
                                 "    network: mynet\n"
                                 "    timeout: 200\n"
                                 "    grace: 8000\n"
                                 "    probe-interval: 100\n"
                                 "    probe-timeout: 60000\n"
                                 "  - name: n3\n"
                                 "    url: https://[2001:db8::1]:2376\n"
                                 "    address: container\n"
                                 "    host-address: \"2001:db8::12\"\n"
                                 "    timeout: 600000\n"
                                 "    grace: 3600000\n"
                                 "  - name: n4\n"
                                 "    url: http://docker.example.test\n"
                                 "    network: ~\n"
                                 "    tls: ~\n"
                                 "    host-address: ~\n"
                                 "    grace: 0\n"
                                 "fleet:\n"
                                 "  zone: fleet.test\n"
                                 "  ttl: 86400\n"
                                 "  max-answers: 1000\n"
                                 "  serve-starting: true\n"
                                 "  unhealthy: all\n"
                                 "  compose-labels: false\n"
                                 "  swarm-labels: FALSE\n"
                                 "  resync: 86400000\n"
                                 "  reverse-zones: [\"17.172.IN-ADDR.ARPA.\", "
                                 "8.b.d.0.1.0.0.2.ip6.arpa]\n"
                                 "  state-file: state/serials\n";

static void test_fleet(struct fixture *fx)
{
	char err[512], path[PATH_MAX], want[PATH_MAX + 32];
	conf_t c;
	int rc;

	write_file(fx, "fleet.conf", fleet_conf, path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx, rc == 0, "fleet: builds");
	if (rc != 0)
		printf("#   %s\n", err);
	is_int(fx, (long long)c.nengines, 4, "fleet: four engines");
	ok(fx, !c.engines_default, "fleet: engines from the file, not the default");
	if (c.nengines == 4) {
		const conf_engine_t *e = c.engines;
		ok(fx,
		   strcmp(e[0].name, "node1") == 0 &&
		       strcmp(e[0].url, "unix:///var/run/docker.sock") == 0 &&
		       e[0].tls_ca == NULL && e[0].tls_cert == NULL && e[0].tls_key == NULL &&
		       e[0].address == CONF_ADDRESS_CONTAINER && e[0].host_address == NULL &&
		       e[0].network == NULL && e[0].timeout_ms == CONF_DEFAULT_ENGINE_TIMEOUT_MS &&
		       e[0].grace_ms == CONF_DEFAULT_ENGINE_GRACE_MS &&
		       e[0].probe_interval_ms == 500 && e[0].probe_timeout_ms == 500,
		   "fleet: engine Node1 is node1, with every default (probes every 500 ms, 500 ms "
		   "each)");
		ok(fx, e[1].grace_ms == 8000 && e[2].grace_ms == 3600000 && e[3].grace_ms == 0,
		   "fleet: grace 8000, 3600000 (the most) and 0 (off)");
		ok(fx, e[1].probe_interval_ms == 100 && e[1].probe_timeout_ms == 60000,
		   "fleet: probe-interval 100 (the least), probe-timeout 60000 (the most)");
		snprintf(want, sizeof(want), "%s/certs/ca.pem", fx->dir);
		is_str(fx, e[1].tls_ca, want, "fleet: tls ca relative to the config folder");
		is_str(fx, e[1].tls_cert, "/etc/c.pem", "fleet: tls cert absolute, kept");
		snprintf(want, sizeof(want), "%s/k.pem", fx->dir);
		is_str(fx, e[1].tls_key, want, "fleet: tls key relative to the config folder");
		ok(fx,
		   strcmp(e[1].name, "node-2") == 0 &&
		       strcmp(e[1].url, "tcp://198.51.100.12:2376") == 0 &&
		       e[1].address == CONF_ADDRESS_HOST &&
		       strcmp(e[1].host_address, "198.51.100.12") == 0 &&
		       strcmp(e[1].network, "mynet") == 0 && e[1].timeout_ms == 200,
		   "fleet: node-2 with address host, host-address, network, timeout 200");
		ok(fx,
		   strcmp(e[2].url, "https://[2001:db8::1]:2376") == 0 && e[2].tls_ca == NULL &&
		       e[2].address == CONF_ADDRESS_CONTAINER &&
		       strcmp(e[2].host_address, "2001:db8::12") == 0 && e[2].timeout_ms == 600000,
		   "fleet: n3 https without tls, IPv6 host-address, timeout 600000");
		ok(fx,
		   strcmp(e[3].url, "http://docker.example.test") == 0 && e[3].network == NULL &&
		       e[3].tls_ca == NULL && e[3].host_address == NULL,
		   "fleet: n4 http, network/tls/host-address ~ are absent");
	}
	is_str(fx, c.fleet.zone, "Fleet.Test.", "fleet: zone is the served zone's name as written");
	ok(fx,
	   c.fleet.ttl == 86400 && c.fleet.max_answers == 1000 && c.fleet.serve_starting &&
	       c.fleet.unhealthy == CONF_UNHEALTHY_ALL && !c.fleet.compose_labels &&
	       !c.fleet.swarm_labels && c.fleet.resync_ms == 86400000,
	   "fleet: numbers at their upper limits and every switch flipped");
	ok(fx,
	   c.fleet.nreverse_zones == 2 &&
	       strcmp(c.fleet.reverse_zones[0], "17.172.in-addr.arpa") == 0 &&
	       strcmp(c.fleet.reverse_zones[1], "8.b.d.0.1.0.0.2.ip6.arpa") == 0,
	   "fleet: reverse-zones are the served zones' names");
	snprintf(want, sizeof(want), "%s/state/serials", fx->dir);
	is_str(fx, c.fleet.state_file, want, "fleet: state-file relative to the config folder");
	conf_free(&c);
	ok(fx, conf_is_empty(&c), "fleet: conf_free leaves an empty conf");

	write_file(fx, "fleet.conf",
	           "zones: [{name: a.test}, {name: b.test}]\n"
	           "fleet: {ttl: 0, max-answers: 0, resync: 1000, serve-starting: False, "
	           "compose-labels: True, swarm-labels: true, unhealthy: nodata, "
	           "state-file: /var/lib/fleetdns/state}\n",
	           path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx,
	   rc == 0 && c.fleet.zone == NULL && c.fleet.ttl == 0 && c.fleet.max_answers == 0 &&
	       c.fleet.resync_ms == 1000 && !c.fleet.serve_starting && c.fleet.compose_labels &&
	       c.fleet.swarm_labels && c.fleet.unhealthy == CONF_UNHEALTHY_NODATA &&
	       strcmp(c.fleet.state_file, "/var/lib/fleetdns/state") == 0,
	   "fleet: lower limits, True/False, absolute state-file, no zone given: NULL");
	conf_free(&c);

	/* Every scheme, and the host forms each accepts. */
	static const char *const good_urls[] = {
	    "unix:///var/run/docker.sock",
	    "tcp://198.51.100.12:2376",
	    "tcp://docker-1.example_x.test:1",
	    "tcp://[2001:db8::1]:65535",
	    "http://localhost",
	    "http://localhost:2375",
	    "https://h.example:443",
	    "https://[::1]",
	};
	for (size_t i = 0; i < sizeof(good_urls) / sizeof(good_urls[0]); i++) {
		char arg[128];
		snprintf(arg, sizeof(arg), "e=%s", good_urls[i]);
		rc = build_args(&c, err, sizeof(err), "--engine", arg, NULL);
		ok(fx, rc == 0 && c.nengines == 1 && strcmp(c.engines[0].url, good_urls[i]) == 0,
		   "fleet: url %s is accepted", good_urls[i]);
		conf_free(&c);
	}
	static const struct {
		const char *url, *problem;
	} bad_urls[] = {
	    {"ftp://h:21", "unknown scheme"},
	    {"UNIX:///x", "unknown scheme"},
	    {"/var/run/docker.sock", "unknown scheme"},
	    {"unix://var/run/docker.sock", "no absolute socket path"},
	    {"unix:///", "no absolute socket path"},
	    {"tcp://h", "no port"},
	    {"tcp://", "no host"},
	    {"tcp://:2375", "no host"},
	    {"https://", "no host"},
	    {"tcp://h:0", "the port must be a number from 1 to 65535"},
	    {"tcp://h:65536", "the port must be a number from 1 to 65535"},
	    {"tcp://h:", "the port must be a number from 1 to 65535"},
	    {"http://h:http", "the port must be a number from 1 to 65535"},
	    {"tcp://h:2375/v1.43", "a path is not allowed"},
	    {"https://h/", "a path is not allowed"},
	    {"tcp://[::1:2375", "invalid IPv6 address"},
	    {"tcp://[h]:2375", "invalid IPv6 address"},
	    {"tcp://[::1]2375", "invalid host"},
	    {"tcp://user@h:2375", "invalid host"},
	    {"tcp://a b:2375", "invalid host"},
	};
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		char arg[128];
		snprintf(arg, sizeof(arg), "e=%s", bad_urls[i].url);
		snprintf(want, sizeof(want),
		         "--engine 'e=%s': invalid url '%s': %s (expected unix:///PATH, "
		         "tcp://HOST:PORT, http://HOST[:PORT] or https://HOST[:PORT])",
		         bad_urls[i].url, bad_urls[i].url, bad_urls[i].problem);
		rc = build_args(&c, err, sizeof(err), "--engine", arg, NULL);
		ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c), "fleet: url %s is rejected",
		   bad_urls[i].url);
		is_str(fx, err, want, bad_urls[i].problem);
		conf_free(&c);
	}

	/* Engine names: a DNS label of 1..63, compared without case. */
	char name63[64], name64[80];
	memset(name63, 'a', 63);
	name63[63] = '\0';
	snprintf(name64, sizeof(name64), "%s4", name63);
	snprintf(want, sizeof(want),
	         "zones: [{name: a.test}]\nengines:\n"
	         "  - {name: %s, url: 'unix:///a'}\n  - {name: 0-9, url: 'unix:///b'}\n",
	         name63);
	write_file(fx, "fleet.conf", want, path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx,
	   rc == 0 && c.nengines == 2 && strlen(c.engines[0].name) == 63 &&
	       strcmp(c.engines[1].name, "0-9") == 0,
	   "fleet: engine names of 63 octets and of digits and '-' are accepted");
	conf_free(&c);
	snprintf(want, sizeof(want), "%s=unix:///a", name64);
	rc = build_args(&c, err, sizeof(err), "--engine", want, NULL);
	ok(fx, rc == FDNS_EINVAL && strstr(err, "invalid engine name") != NULL,
	   "fleet: an engine name of 64 octets is rejected");
	conf_free(&c);
}

/* keys:, zones[].notify and zones[].allow-transfer (src/conf/xfr.c). keys: comes last in the
 * file on purpose: it is parsed before the zones that name its keys, wherever it is. */
static const char xfr_conf[] = "zones:\n"
                               "  - name: a.test\n"
                               "    allow-transfer:\n"
                               "      - 127.0.0.1\n"
                               "      - 192.0.2.0/24\n"
                               "      - \"2001:db8::/32\"\n"
                               "      - \"::1\"\n"
                               "      - { address: 10.0.0.0/8, key: XFR. }\n"
                               "      - { address: 0.0.0.0/0, key: BIG.example }\n"
                               "    notify:\n"
                               "      - 192.0.2.53\n"
                               "      - \"192.0.2.54:5300\"\n"
                               "      - \"2001:db8::53\"\n"
                               "      - \"[2001:db8::54]\"\n"
                               "      - \"[2001:db8::55]:5301\"\n"
                               "      - \"2001:db8::1:53\"\n"
                               "      - { address: \"192.0.2.56:5302\", key: old }\n"
                               "  - name: b.test\n"
                               "    allow-transfer: ~\n"
                               "    notify: []\n"
                               "keys:\n"
                               "  - { name: xfr, algorithm: hmac-sha256, secret: "
                               "\"ZmxlZXRkbnMgdGVzdCBrZXkgZm9yIHRzaWcgMjU2IQ==\" }\n"
                               "  - { name: big.example., algorithm: hmac-sha512,\n"
                               "      secret: " K16 " }\n"
                               "  - name: old\n"
                               "    algorithm: hmac-sha1\n"
                               "    secret: \"ZmxlZXRk bnMtdGVz dC0xNg==\"\n";

/* "ADDRESS#PORT" of a notify target, or "ADDRESS/PREFIX" of an ACL entry (port < 0). */
static const char *sa_text(const struct sockaddr_storage *ss, int port, unsigned prefix, char *buf,
                           size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const void *a = ss->ss_family == AF_INET
	                    ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
	                    : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	inet_ntop(ss->ss_family, a, host, sizeof(host));
	if (port >= 0)
		snprintf(buf, len, "%s#%d", host, port);
	else
		snprintf(buf, len, "%s/%u", host, prefix);
	return buf;
}

static int sa_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
	                                      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void test_xfr(struct fixture *fx)
{
	static const struct {
		const char *text, *net, *key;
	} acl_want[] = {
	    {"127.0.0.1", "127.0.0.1/32", NULL},      {"192.0.2.0/24", "192.0.2.0/24", NULL},
	    {"2001:db8::/32", "2001:db8::/32", NULL}, {"::1", "::1/128", NULL},
	    {"10.0.0.0/8", "10.0.0.0/8", "xfr"},      {"0.0.0.0/0", "0.0.0.0/0", "big.example."},
	};
	static const struct {
		const char *text, *addr, *key;
		socklen_t len;
	} notify_want[] = {
	    {"192.0.2.53", "192.0.2.53#53", NULL, sizeof(struct sockaddr_in)},
	    {"192.0.2.54:5300", "192.0.2.54#5300", NULL, sizeof(struct sockaddr_in)},
	    {"2001:db8::53", "2001:db8::53#53", NULL, sizeof(struct sockaddr_in6)},
	    {"[2001:db8::54]", "2001:db8::54#53", NULL, sizeof(struct sockaddr_in6)},
	    {"[2001:db8::55]:5301", "2001:db8::55#5301", NULL, sizeof(struct sockaddr_in6)},
	    /* a bare IPv6 address is all address: the port is 53, not the last group */
	    {"2001:db8::1:53", "2001:db8::1:53#53", NULL, sizeof(struct sockaddr_in6)},
	    {"192.0.2.56:5302", "192.0.2.56#5302", "old", sizeof(struct sockaddr_in)},
	};
	char err[512], path[PATH_MAX], want[PATH_MAX + 64], buf[128], desc[160];
	conf_t c;
	int rc;

	write_file(fx, "xfr.conf", xfr_conf, path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx, rc == 0, "xfr: builds (keys: after the zones that name its keys)");
	if (rc != 0)
		printf("#   %s\n", err);
	is_int(fx, (long long)c.nkeys, 3, "xfr: three keys");
	if (c.nkeys == 3) {
		is_str(fx, c.keys[0].name, "xfr", "xfr: key 1 name as written");
		is_str(fx, c.keys[0].algorithm, "hmac-sha256", "xfr: key 1 hmac-sha256");
		is_str(fx, c.keys[0].secret, "ZmxlZXRkbnMgdGVzdCBrZXkgZm9yIHRzaWcgMjU2IQ==",
		       "xfr: key 1 secret as written");
		is_str(fx, c.keys[1].name, "big.example.", "xfr: key 2 name, absolute, as written");
		is_str(fx, c.keys[1].algorithm, "hmac-sha512", "xfr: key 2 hmac-sha512");
		is_str(fx, c.keys[2].algorithm, "hmac-sha1", "xfr: key 3 hmac-sha1");
		is_str(fx, c.keys[2].secret, "ZmxlZXRk bnMtdGVz dC0xNg==",
		       "xfr: key 3 secret with a space (base64 may be split, as in BIND)");
	}
	is_int(fx, (long long)c.nzones, 2, "xfr: two zones");
	if (c.nzones != 2) {
		conf_free(&c);
		return;
	}
	const conf_zone_t *z = &c.zones[0];
	is_int(fx, (long long)z->nallow_transfer, 6, "xfr: a.test has 6 allow-transfer entries");
	for (size_t i = 0; i < z->nallow_transfer && i < 6; i++) {
		const conf_acl_t *a = &z->allow_transfer[i];
		snprintf(desc, sizeof(desc), "xfr: allow-transfer '%s' is %s, key %s",
		         acl_want[i].text, acl_want[i].net,
		         acl_want[i].key ? acl_want[i].key : "none");
		bool good = strcmp(a->text, acl_want[i].text) == 0 &&
		            strcmp(sa_text(&a->addr, -1, a->prefix, buf, sizeof(buf)),
		                   acl_want[i].net) == 0 &&
		            ((a->key == NULL && acl_want[i].key == NULL) ||
		             (a->key && acl_want[i].key && strcmp(a->key, acl_want[i].key) == 0));
		ok(fx, good, "%s", desc);
		if (!good)
			printf("#   got %s key %s\n", buf, a->key ? a->key : "(none)");
	}
	is_int(fx, (long long)z->nnotify, 7, "xfr: a.test has 7 notify targets");
	for (size_t i = 0; i < z->nnotify && i < 7; i++) {
		const conf_notify_t *n = &z->notify[i];
		snprintf(desc, sizeof(desc), "xfr: notify '%s' is %s, key %s", notify_want[i].text,
		         notify_want[i].addr, notify_want[i].key ? notify_want[i].key : "none");
		sa_text(&n->addr, sa_port(&n->addr), 0, buf, sizeof(buf));
		bool good =
		    strcmp(n->text, notify_want[i].text) == 0 &&
		    strcmp(buf, notify_want[i].addr) == 0 && n->addrlen == notify_want[i].len &&
		    ((n->key == NULL && notify_want[i].key == NULL) ||
		     (n->key && notify_want[i].key && strcmp(n->key, notify_want[i].key) == 0));
		ok(fx, good, "%s", desc);
		if (!good)
			printf("#   got %s key %s\n", buf, n->key ? n->key : "(none)");
	}
	ok(fx,
	   c.zones[1].nallow_transfer == 0 && c.zones[1].allow_transfer == NULL &&
	       c.zones[1].nnotify == 0 && c.zones[1].notify == NULL,
	   "xfr: allow-transfer: ~ and notify: [] are none");
	conf_free(&c);
	ok(fx, conf_is_empty(&c) && c.keys == NULL, "xfr: conf_free leaves an empty conf");

	/* The same key named by two zones, and a zone overridden on the command line. */
	write_file(fx, "xfr2.conf",
	           "keys: [{name: k, algorithm: hmac-sha256, secret: " K16 "}]\n"
	           "zones:\n"
	           "  - {name: a.test, allow-transfer: [{address: 127.0.0.1, key: K.}]}\n"
	           "  - {name: b.test, notify: [{address: 127.0.0.1, key: k}]}\n",
	           path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	ok(fx,
	   rc == 0 && c.nzones == 2 && c.zones[0].nallow_transfer == 1 &&
	       strcmp(c.zones[0].allow_transfer[0].key, "k") == 0 && c.zones[1].nnotify == 1 &&
	       strcmp(c.zones[1].notify[0].key, "k") == 0,
	   "xfr: key names are matched as domain names (K. is k) and stored as keys: has them");
	conf_free(&c);
	rc = build_args(&c, err, sizeof(err), "-c", path, "--zone", "c.test", NULL);
	ok(fx, rc == 0 && c.nkeys == 1 && c.nzones == 3 && c.zones[2].nallow_transfer == 0,
	   "xfr: keys stay with a --zone added on the command line");
	conf_free(&c);

	/* Without a keys: list, any key name is an error. */
	write_file(fx, "xfr3.conf",
	           "zones:\n  - name: a.test\n    notify: [{address: 192.0.2.1, key: xfr}]\n",
	           path);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	snprintf(want, sizeof(want), "%s:3:40: unknown TSIG key 'xfr' (not in 'keys')", path);
	ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c), "xfr: a key name without keys: fails");
	is_str(fx, err, want, "xfr: ... where the key is named");
	conf_free(&c);
}

static const struct bad_conf {
	const char *yaml;
	int rc;
	const char *want; /* after "PATH:" */
} bad_confs[] = {
    {"servers:\n  workers: 1\n", FDNS_EINVAL,
     "1:1: unknown top-level key 'servers' (did you mean 'server'?)"},
    {"server: {}\nengine: []\n", FDNS_EINVAL,
     "2:1: unknown top-level key 'engine' (did you mean 'engines'?)"},
    {"server:\n  udp_size: 1232\n", FDNS_EINVAL,
     "2:3: unknown key 'udp_size' in 'server' (did you mean 'udp-size'?)"},
    {"zones:\n  - name: a.test\n    fil: a.zone\n", FDNS_EINVAL,
     "3:5: unknown key 'fil' in zone (did you mean 'file'?)"},
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
    {"hello\n", FDNS_EINVAL,
     "1:1: expected a mapping of 'server', 'zones', 'engines', 'fleet', 'sites', 'keys', 'http' "
     "and 'log' at the top"},
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
    {"engines:\n  name: a\n", FDNS_EINVAL, "2:3: 'engines' must be a list (got a mapping)"},
    {"engines: [node1]\n", FDNS_EINVAL, "1:11: 'engines' must be a list of mappings (got 'node1')"},
    {"engines:\n  - url: unix:///x\n", FDNS_EINVAL, "2:5: engine has no 'name'"},
    {"engines:\n  - name: n1\n", FDNS_EINVAL, "2:5: engine 'n1' has no 'url'"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    tsl: {}\n", FDNS_EINVAL,
     "4:5: unknown key 'tsl' in engine (did you mean 'tls'?)"},
    {"engines:\n  - name: n1\n    name: n2\n", FDNS_EINVAL,
     "3:5: duplicate key 'name' (first at line 2)"},
    {"engines:\n  - name: node_1\n    url: unix:///x\n", FDNS_EINVAL,
     "2:11: invalid engine name 'node_1' (expected a DNS label: a-z, 0-9 and inner '-', at most "
     "63)"},
    {"engines:\n  - name: -n1\n    url: unix:///x\n", FDNS_EINVAL,
     "2:11: invalid engine name '-n1' (expected a DNS label: a-z, 0-9 and inner '-', at most 63)"},
    {"engines:\n  - name: n1-\n    url: unix:///x\n", FDNS_EINVAL,
     "2:11: invalid engine name 'n1-' (expected a DNS label: a-z, 0-9 and inner '-', at most 63)"},
    {"engines:\n  - name: ''\n    url: unix:///x\n", FDNS_EINVAL,
     "2:11: invalid engine name '' (expected a DNS label: a-z, 0-9 and inner '-', at most 63)"},
    {"engines:\n  - name: ~\n    url: unix:///x\n", FDNS_EINVAL,
     "2:11: 'name' must be an engine name (got nothing)"},
    {"engines:\n  - {name: n1, url: 'unix:///a'}\n  - {name: N1, url: 'unix:///b'}\n", FDNS_EINVAL,
     "3:12: duplicate engine 'N1' (first at line 2)"},
    {"engines:\n  - name: n1\n    url: ftp://h\n", FDNS_EINVAL,
     "3:10: invalid url 'ftp://h': unknown scheme (expected unix:///PATH, tcp://HOST:PORT, "
     "http://HOST[:PORT] or https://HOST[:PORT])"},
    {"engines:\n  - name: n1\n    url: tcp://h\n", FDNS_EINVAL,
     "3:10: invalid url 'tcp://h': no port (expected unix:///PATH, tcp://HOST:PORT, "
     "http://HOST[:PORT] or https://HOST[:PORT])"},
    {"engines:\n  - name: n1\n    url: unix://docker.sock\n", FDNS_EINVAL,
     "3:10: invalid url 'unix://docker.sock': no absolute socket path (expected unix:///PATH, "
     "tcp://HOST:PORT, http://HOST[:PORT] or https://HOST[:PORT])"},
    {"engines:\n  - name: n1\n    url: [a]\n", FDNS_EINVAL,
     "3:10: 'url' must be a URL (got a list)"},
    {"engines:\n  - name: n1\n    url: \n", FDNS_EINVAL, "3:9: 'url' must be a URL (got nothing)"},
    {"engines:\n  - name: n1\n    url: tcp://h:2376\n    tls: {ca: a, cert: b}\n", FDNS_EINVAL,
     "4:10: 'tls' needs ca, cert and key (no 'key')"},
    {"engines:\n  - name: n1\n    url: tcp://h:2376\n    tls: {cert: b, key: c}\n", FDNS_EINVAL,
     "4:10: 'tls' needs ca, cert and key (no 'ca')"},
    {"engines:\n  - name: n1\n    url: tcp://h:2376\n    tls: {ca: a, cert: b, key: c, crl: d}\n",
     FDNS_EINVAL, "4:35: unknown key 'crl' in 'tls'"},
    {"engines:\n  - name: n1\n    url: tcp://h:2376\n    tls: [a, b, c]\n", FDNS_EINVAL,
     "4:10: 'tls' must be a mapping (got a list)"},
    {"engines:\n  - name: n1\n    url: tcp://h:2376\n    tls: {ca: '', cert: b, key: c}\n",
     FDNS_EINVAL, "4:15: 'ca' must be a file name (got '')"},
    {"engines:\n  - name: n1\n    url: tcp://h:2376\n    tls: {ca: a, cert: b, key: }\n",
     FDNS_EINVAL, "4:32: 'key' must be a file name (got nothing)"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    tls: {ca: a, cert: b, key: c}\n", FDNS_EINVAL,
     "4:10: 'tls' needs a tcp:// or https:// url"},
    {"engines:\n  - name: n1\n    url: http://h\n    tls: {ca: a, cert: b, key: c}\n", FDNS_EINVAL,
     "4:10: 'tls' needs a tcp:// or https:// url"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    address: bridge\n", FDNS_EINVAL,
     "4:14: 'address' must be container or host (got 'bridge')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    address: host\n", FDNS_EINVAL,
     "4:14: 'address: host' needs a 'host-address'"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    host-address: ~\n    address: host\n",
     FDNS_EINVAL, "5:14: 'address: host' needs a 'host-address'"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    address: host\n    host-address: "
     "docker1.example\n",
     FDNS_EINVAL, "5:19: 'host-address' must be an IPv4 or IPv6 address (got 'docker1.example')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    address: host\n    host-address: '[::1]'\n",
     FDNS_EINVAL, "5:19: 'host-address' must be an IPv4 or IPv6 address (got '[::1]')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    address: host\n    host-address: "
     "fe80::1%lo\n",
     FDNS_EINVAL, "5:19: 'host-address' must be an IPv4 or IPv6 address (got 'fe80::1%lo')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    network: ''\n", FDNS_EINVAL,
     "4:14: 'network' must be a network name (got '')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    timeout: 199\n", FDNS_EINVAL,
     "4:14: 'timeout' must be between 200 and 600000 (got 199)"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    grace: 3600001\n", FDNS_EINVAL,
     "4:12: 'grace' must be between 0 and 3600000 (got 3600001)"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    grace: 5s\n", FDNS_EINVAL,
     "4:12: 'grace' must be an integer (got '5s')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    grace: -1\n", FDNS_EINVAL,
     "4:12: 'grace' must be an integer (got '-1')"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    probe-interval: 99\n", FDNS_EINVAL,
     "4:21: 'probe-interval' must be between 100 and 60000 (got 99)"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    probe-timeout: 60001\n", FDNS_EINVAL,
     "4:20: 'probe-timeout' must be between 100 and 60000 (got 60001)"},
    {"engines:\n  - name: n1\n    url: unix:///x\n    timeout: 600001\n", FDNS_EINVAL,
     "4:14: 'timeout' must be between 200 and 600000 (got 600001)"},
    {"fleet: [1]\n", FDNS_EINVAL, "1:8: 'fleet' must be a mapping (got a list)"},
    {"fleet:\n  tll: 5\n", FDNS_EINVAL, "2:3: unknown key 'tll' in 'fleet' (did you mean 'ttl'?)"},
    {"fleet:\n  ttl: 86401\n", FDNS_EINVAL, "2:8: 'ttl' must be between 0 and 86400 (got 86401)"},
    {"fleet:\n  max-answers: 1001\n", FDNS_EINVAL,
     "2:16: 'max-answers' must be between 0 and 1000 (got 1001)"},
    {"fleet:\n  resync: 999\n", FDNS_EINVAL,
     "2:11: 'resync' must be between 1000 and 86400000 (got 999)"},
    {"fleet:\n  resync: 86400001\n", FDNS_EINVAL,
     "2:11: 'resync' must be between 1000 and 86400000 (got 86400001)"},
    {"fleet:\n  serve-starting: yes\n", FDNS_EINVAL,
     "2:19: 'serve-starting' must be true or false (got 'yes')"},
    {"fleet:\n  compose-labels: 1\n", FDNS_EINVAL,
     "2:19: 'compose-labels' must be true or false (got '1')"},
    {"fleet:\n  swarm-labels: ~\n", FDNS_EINVAL,
     "2:17: 'swarm-labels' must be true or false (got nothing)"},
    {"fleet:\n  unhealthy: none\n", FDNS_EINVAL,
     "2:14: 'unhealthy' must be nodata or all (got 'none')"},
    {"fleet:\n  zone: a..b\n", FDNS_EINVAL, "2:9: invalid zone name 'a..b'"},
    {"fleet:\n  zone: [a.test]\n", FDNS_EINVAL, "2:9: 'zone' must be a zone name (got a list)"},
    {"zones:\n  - name: a.test\nfleet:\n  zone: b.test\n", FDNS_EINVAL,
     "4:9: fleet zone 'b.test' is not a configured zone"},
    {"fleet:\n  zone: fleet.internal\n", FDNS_EINVAL,
     "2:9: fleet zone 'fleet.internal' is not a configured zone"},
    {"fleet:\n  reverse-zones: 17.172.in-addr.arpa\n", FDNS_EINVAL,
     "2:18: 'reverse-zones' must be a list of zone names (got '17.172.in-addr.arpa')"},
    {"fleet:\n  reverse-zones: [[x]]\n", FDNS_EINVAL,
     "2:19: 'reverse-zones' must be a zone name (got a list)"},
    {"fleet:\n  reverse-zones: [a.test]\n", FDNS_EINVAL,
     "2:19: reverse zone 'a.test' is not under in-addr.arpa or ip6.arpa"},
    {"fleet:\n  reverse-zones: [10.xin-addr.arpa]\n", FDNS_EINVAL,
     "2:19: reverse zone '10.xin-addr.arpa' is not under in-addr.arpa or ip6.arpa"},
    {"fleet:\n  reverse-zones:\n    - 10.in-addr.arpa\n    - 10.IN-ADDR.ARPA.\n", FDNS_EINVAL,
     "4:7: duplicate reverse zone '10.IN-ADDR.ARPA.' (first at line 3)"},
    {"zones:\n  - name: 10.in-addr.arpa\nfleet:\n  reverse-zones: [10.in-addr.arpa, "
     "11.in-addr.arpa]\n",
     FDNS_EINVAL, "4:36: reverse zone '11.in-addr.arpa' is not a configured zone"},
    {"fleet:\n  state-file: ''\n", FDNS_EINVAL, "2:15: 'state-file' must be a file name (got '')"},
    /* keys: (src/conf/xfr.c) */
    {"keys: x\n", FDNS_EINVAL, "1:7: 'keys' must be a list (got 'x')"},
    {"keys: [x]\n", FDNS_EINVAL, "1:8: 'keys' must be a list of mappings (got 'x')"},
    {"keys:\n  - {algorithm: hmac-sha256, secret: " K16 "}\n", FDNS_EINVAL,
     "2:5: a key needs 'name', 'algorithm' and 'secret' (no 'name')"},
    {"keys:\n  - {name: xfr, secret: " K16 "}\n", FDNS_EINVAL,
     "2:5: a key needs 'name', 'algorithm' and 'secret' (no 'algorithm')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256}\n", FDNS_EINVAL,
     "2:5: a key needs 'name', 'algorithm' and 'secret' (no 'secret')"},
    {"keys:\n  - {name: xfr, algo: hmac-sha512, secret: " K16 "}\n", FDNS_EINVAL,
     "2:17: unknown key 'algo' in key"},
    {"keys:\n  - {name: xfr, name: y, algorithm: hmac-sha512, secret: " K16 "}\n", FDNS_EINVAL,
     "2:17: duplicate key 'name' (first at line 2)"},
    {"keys:\n  - {name: ~, algorithm: hmac-sha256, secret: " K16 "}\n", FDNS_EINVAL,
     "2:12: 'name' must be a key name (got nothing)"},
    {"keys:\n  - {name: 'a..b', algorithm: hmac-sha512, secret: " K16 "}\n", FDNS_EINVAL,
     "2:12: invalid key name 'a..b'"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: " K16 "}\n"
     "  - {name: XFR., algorithm: hmac-sha1, secret: " K16 "}\n",
     FDNS_EINVAL, "3:12: duplicate TSIG key 'XFR.'"},
    {"keys:\n  - {name: xfr, algorithm: hmac-md5, secret: " K16 "}\n", FDNS_EINVAL,
     "2:28: 'algorithm' must be hmac-sha256, hmac-sha512 or hmac-sha1 (got 'hmac-md5')"},
    {"keys:\n  - {name: xfr, algorithm: HMAC-SHA256, secret: " K16 "}\n", FDNS_EINVAL,
     "2:28: 'algorithm' must be hmac-sha256, hmac-sha512 or hmac-sha1 (got 'HMAC-SHA256')"},
    {"keys:\n  - {name: xfr, algorithm: [hmac-sha256], secret: " K16 "}\n", FDNS_EINVAL,
     "2:28: 'algorithm' must be hmac-sha256, hmac-sha512 or hmac-sha1 (got a list)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: 'not base64!'}\n", FDNS_EINVAL,
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: YWJ}\n", FDNS_EINVAL,
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: 'YW=j'}\n", FDNS_EINVAL,
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: '===='}\n", FDNS_EINVAL,
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: ''}\n", FDNS_EINVAL,
     "2:49: secret of key 'xfr' is not valid base64 (secrets are never shown)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha512, secret: ~}\n", FDNS_EINVAL,
     "2:49: 'secret' must be a base64 string (got nothing)"},
    /* zones[].notify */
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: 192.0.2.1\n",
     FDNS_EINVAL, "5:13: 'notify' must be a list (got '192.0.2.1')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: ['192.0.2.1:0']\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '192.0.2.1:0')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: ['192.0.2.1:65536']\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '192.0.2.1:65536')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: ['192.0.2.1:']\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '192.0.2.1:')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [ns1.example]\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got 'ns1.example')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [192.0.2.0/24]\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '192.0.2.0/24')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: ['[2001:db8::1']\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '[2001:db8::1')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: ['[2001:db8::1]:x']\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '[2001:db8::1]:x')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: ['[192.0.2.1]:53']\n",
     FDNS_EINVAL,
     "5:14: 'notify address' must be IPv4[:PORT], IPv6 or [IPv6]:PORT (got '[192.0.2.1]:53')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [[192.0.2.1]]\n",
     FDNS_EINVAL, "5:14: 'notify' must be an address or {address, key} (got a list)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [~]\n",
     FDNS_EINVAL, "5:14: 'notify' must be an address or {address, key} (got nothing)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [{key: xfr}]\n",
     FDNS_EINVAL, "5:14: notify entry has no 'address'"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [{address: ~}]\n",
     FDNS_EINVAL, "5:24: 'address' must be an address (got nothing)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [{address: 192.0.2.1, port: 53}]\n",
     FDNS_EINVAL, "5:35: unknown key 'port' in notify"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [{address: 192.0.2.1, key: nokey}]\n",
     FDNS_EINVAL, "5:40: unknown TSIG key 'nokey' (not in 'keys')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [{address: 192.0.2.1, key: ~}]\n",
     FDNS_EINVAL, "5:40: 'key' must be a key name (got nothing)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    notify: [{address: 192.0.2.1, key: [xfr]}]\n",
     FDNS_EINVAL, "5:40: 'key' must be a key name (got a list)"},
    /* zones[].allow-transfer */
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: {address: 192.0.2.1}\n",
     FDNS_EINVAL, "5:21: 'allow-transfer' must be a list (got a mapping)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [{address: 192.0.2.0/24, key: nokey}]\n",
     FDNS_EINVAL, "5:51: unknown TSIG key 'nokey' (not in 'keys')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [{address: 0.0.0.0/0, key: ~}]\n",
     FDNS_EINVAL, "5:48: 'key' must be a key name (got nothing)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [{address: 192.0.2.0/24, key: xfr, port: 1}]\n",
     FDNS_EINVAL, "5:56: unknown key 'port' in allow-transfer"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [{address: [a]}]\n",
     FDNS_EINVAL, "5:32: 'address' must be an address (got a list)"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [{key: xfr}]\n",
     FDNS_EINVAL, "5:22: allow-transfer entry has no 'address'"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [192.0.2.0/33]\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'192.0.2.0/33')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: ['2001:db8::/129']\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'2001:db8::/129')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [192.0.2.0/]\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'192.0.2.0/')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [192.0.2.0/+8]\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'192.0.2.0/+8')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [192.0.2/24]\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'192.0.2/24')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: ['127.0.0.1:53']\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'127.0.0.1:53')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: ['[::1]']\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'[::1]')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [any]\n",
     FDNS_EINVAL,
     "5:22: 'allow-transfer address' must be an IPv4 or IPv6 address or ADDRESS/PREFIX (got "
     "'any')"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [192.0.2.1/24]\n",
     FDNS_EINVAL, "5:22: allow-transfer address '192.0.2.1/24' has bits set past its /24 prefix"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: [192.0.2.128/25, 192.0.2.129/25]\n",
     FDNS_EINVAL, "5:38: allow-transfer address '192.0.2.129/25' has bits set past its /25 prefix"},
    {"keys:\n  - {name: xfr, algorithm: hmac-sha256, secret: " K16 "}\nzones:\n  - name: a.test\n"
     "    allow-transfer: ['2001:db8::1/64']\n",
     FDNS_EINVAL, "5:22: allow-transfer address '2001:db8::1/64' has bits set past its /64 prefix"},
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

static void test_override_engines(struct fixture *fx)
{
	static const char yaml[] = "zones: [{name: a.test}]\n"
	                           "engines:\n"
	                           "  - name: node1\n"
	                           "    url: tcp://198.51.100.11:2376\n"
	                           "    tls: {ca: ca.pem, cert: cert.pem, key: key.pem}\n"
	                           "    address: host\n"
	                           "    host-address: 198.51.100.11\n"
	                           "    network: mynet\n"
	                           "    timeout: 1000\n"
	                           "  - name: node2\n"
	                           "    url: unix:///var/run/docker.sock\n"
	                           "fleet:\n"
	                           "  zone: late.test\n"
	                           "  reverse-zones: [10.in-addr.arpa]\n";
	char err[512], path[PATH_MAX], want[PATH_MAX + 128];
	conf_t c;
	int rc;

	write_file(fx, "engines.conf", yaml, path);
	rc = build_args(&c, err, sizeof(err), "-c", path, "--zone", "late.test", "--zone",
	                "10.IN-ADDR.ARPA", "--engine", "NODE1=unix:///run/docker.sock", "--engine",
	                "node3=tcp://node3.example:2375", NULL);
	ok(fx, rc == 0, "engines override: builds");
	if (rc != 0)
		printf("#   %s\n", err);
	is_int(fx, (long long)c.nengines, 3, "engines override: node1 replaced, node3 added");
	if (c.nengines == 3) {
		const conf_engine_t *e = c.engines;
		ok(fx,
		   strcmp(e[0].name, "node1") == 0 &&
		       strcmp(e[0].url, "unix:///run/docker.sock") == 0 && e[0].tls_ca == NULL &&
		       e[0].tls_cert == NULL && e[0].tls_key == NULL &&
		       e[0].address == CONF_ADDRESS_CONTAINER && e[0].host_address == NULL &&
		       e[0].network == NULL && e[0].timeout_ms == CONF_DEFAULT_ENGINE_TIMEOUT_MS,
		   "engines override: --engine NODE1= replaces node1 in place, whole");
		ok(fx,
		   strcmp(e[1].name, "node2") == 0 &&
		       strcmp(e[1].url, "unix:///var/run/docker.sock") == 0,
		   "engines override: node2 from the file stays");
		ok(fx,
		   strcmp(e[2].name, "node3") == 0 &&
		       strcmp(e[2].url, "tcp://node3.example:2375") == 0,
		   "engines override: node3 appended");
	}
	ok(fx, !c.engines_default, "engines override: no engines_default");
	is_str(fx, c.fleet.zone, "late.test", "engines override: fleet.zone may name a --zone");
	ok(fx,
	   c.fleet.nreverse_zones == 1 && strcmp(c.fleet.reverse_zones[0], "10.IN-ADDR.ARPA") == 0,
	   "engines override: reverse-zones take the --zone's name");
	conf_free(&c);

	rc = build_args(&c, err, sizeof(err), "-c", path, "--zone", "late.test", NULL);
	snprintf(want, sizeof(want),
	         "%s:14:19: reverse zone '10.in-addr.arpa' is not a configured zone", path);
	ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c),
	   "engines override: an unserved reverse zone fails after the command line");
	is_str(fx, err, want, "engines override: ... naming its place in the file");
	conf_free(&c);
	rc = build_args(&c, err, sizeof(err), "-c", path, NULL);
	snprintf(want, sizeof(want), "%s:13:9: fleet zone 'late.test' is not a configured zone",
	         path);
	ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c),
	   "engines override: fleet.zone naming no zone fails");
	is_str(fx, err, want, "engines override: fleet.zone checked before reverse-zones");
	conf_free(&c);

	rc = build_args(&c, err, sizeof(err), "-c", path, "--zone", "late.test", "--zone",
	                "10.in-addr.arpa", "--engine", "node2=unix:///a", "--engine",
	                "Node2=unix:///b", NULL);
	ok(fx, rc == FDNS_EINVAL && conf_is_empty(&c),
	   "engines override: a file engine replaced twice on the command line fails");
	is_str(fx, err, "--engine 'Node2=unix:///b': engine 'Node2' given twice",
	       "engines override: ... with the second --engine named");
	conf_free(&c);
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
	    {{"--engine", "node1"}, "--engine 'node1': expected NAME=URL"},
	    {{"--engine", "=unix:///x"}, "--engine '=unix:///x': expected NAME=URL"},
	    {{"--engine", "node1="}, "--engine 'node1=': expected NAME=URL"},
	    {{"--engine", "no.de=unix:///x"},
	     "--engine 'no.de=unix:///x': invalid engine name 'no.de' (expected a DNS label: a-z, "
	     "0-9 and inner '-', at most 63)"},
	    {{"--engine", "n1=unix://x"},
	     "--engine 'n1=unix://x': invalid url 'unix://x': no absolute socket path (expected "
	     "unix:///PATH, tcp://HOST:PORT, http://HOST[:PORT] or https://HOST[:PORT])"},
	    {{"--engine", "n1=unix:///a", "--engine", "N1=unix:///b"},
	     "--engine 'N1=unix:///b': engine 'N1' given twice"},
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
	test_fleet(&fx);
	test_xfr(&fx);
	test_bad_files(&fx);
	test_override(&fx);
	test_override_engines(&fx);
	test_bad_cmdline(&fx);
	nftw(fx.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	printf("1..%d\n", fx.n);
	if (fx.failed > 0)
		printf("# %d of %d checks failed\n", fx.failed, fx.n);
	return fx.failed > 0;
}
