/* SPDX-License-Identifier: MIT */
/* fuzz_conf.c -- libFuzzer harness for the YAML configuration (src/conf): the input is the
 * file given with -c, built with conf_build() as the daemon does at start and on SIGHUP.
 *
 * conf_build() reads a path, so the input goes into a memory file (memfd_create) opened as
 * /proc/self/fd/N: nothing is written to disk, and bytes such as NUL reach the reader as they
 * would from a file. Relative paths in the input resolve under /proc/self/fd; conf_build()
 * opens none of them.
 *
 * What is checked, besides memory safety and leaks: a failed build says why (err) and leaves
 * its output empty (conf.h: "built whole or not at all"); a successful one keeps the ranges
 * and rules docs/configuration.md gives (a listen address at least, udp-size 512..4096, every
 * zone named, keys named by zones exist, TLS files all three or none, log level 0..3).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fleetdns/conf.h"
#include "fleetdns/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

static void fail(const char *why, const char *detail)
{
	fprintf(stderr, "fuzz_conf: %s%s%s\n", why, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* A key name as conf.h compares them: as a domain name (case and the final dot aside). */
static bool key_named(const conf_t *c, const char *name)
{
	size_t n = strlen(name) - (name[0] && name[strlen(name) - 1] == '.');
	for (size_t i = 0; i < c->nkeys; i++) {
		const char *k = c->keys[i].name;
		size_t m = strlen(k) - (k[0] && k[strlen(k) - 1] == '.');
		if (n == m && strncasecmp(k, name, n) == 0)
			return true;
	}
	return false;
}

static void check_built(const conf_t *c)
{
	if (c->nlisten == 0 || !c->listen)
		fail("no listen address", NULL);
	for (size_t i = 0; i < c->nlisten; i++)
		if (!c->listen[i].text || (c->listen[i].addr.ss_family != AF_INET &&
		                           c->listen[i].addr.ss_family != AF_INET6))
			fail("a listen address without text or family", c->listen[i].text);
	if (c->udp_size < 512 || c->udp_size > 4096)
		fail("udp-size out of range", NULL);
	if (c->log_level < 0 || c->log_level > 3)
		fail("log level out of range", NULL);
	for (size_t i = 0; i < c->nkeys; i++)
		if (!c->keys[i].name || !c->keys[i].algorithm || !c->keys[i].secret)
			fail("a key without name, algorithm or secret", c->keys[i].name);
	for (size_t i = 0; i < c->nzones; i++) {
		const conf_zone_t *z = &c->zones[i];
		if (!z->name)
			fail("a zone without a name", NULL);
		for (size_t k = 0; k < z->nallow_transfer; k++)
			if (z->allow_transfer[k].key && !key_named(c, z->allow_transfer[k].key))
				fail("allow-transfer names a key that is not in keys", z->name);
		for (size_t k = 0; k < z->nnotify; k++)
			if (z->notify[k].key && !key_named(c, z->notify[k].key))
				fail("notify names a key that is not in keys", z->name);
	}
	for (size_t i = 0; i < c->nengines; i++) {
		const conf_engine_t *e = &c->engines[i];
		if (!e->name || !e->url)
			fail("an engine without name or url", e->name);
		if (!!e->tls_ca != !!e->tls_cert || !!e->tls_ca != !!e->tls_key)
			fail("an engine with some TLS files but not all three", e->name);
		if (e->address == CONF_ADDRESS_HOST && !e->host_address)
			fail("address: host without host-address", e->name);
	}
	for (size_t i = 0; i < c->fleet.nreverse_zones; i++)
		if (!c->fleet.reverse_zones[i])
			fail("a reverse zone without a name", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("fuzz_conf", MFD_CLOEXEC);
		if (fd < 0)
			fail("memfd_create failed", NULL);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fail("cannot write the memory file", NULL);

	conf_cmdline_t cl = {.conf_path = path};
	conf_t conf, empty;
	char err[1024] = "";
	memset(&empty, 0, sizeof(empty));
	int rc = conf_build(&conf, &cl, err, sizeof(err));
	if (rc == 0) {
		check_built(&conf);
	} else {
		if (rc != FDNS_EPARSE && rc != FDNS_EINVAL && rc != FDNS_EIO && rc != FDNS_ENOMEM)
			fail("unexpected return code", err);
		if (err[0] == '\0')
			fail("an error without a message", NULL);
		if (memcmp(&conf, &empty, sizeof(conf)) != 0)
			fail("a failed build left something in its output", err);
	}
	conf_free(&conf);
	return 0;
}
