/* SPDX-License-Identifier: MIT */
/* fuzz_zone.c -- libFuzzer harness for zone files: the input is a master file for the zone
 * example.test, taken the way --check-config takes it (src/daemon/load.c): read with
 * zone_load_file() (src/zone/load.c through ldns, then src/zone/check.c), compiled into a
 * snapshot (src/answer) and into transfer data (src/xfr) for a zone with allow-transfer.
 *
 * zone_load_file() reads a path, so the input goes into a memory file (memfd_create) opened
 * as /proc/self/fd/N: nothing is written to disk and the whole input is read, NUL bytes
 * included. $INCLUDE is refused by the loader, so no other file is opened.
 *
 * What is checked, besides memory safety and leaks: a failed load names the file and
 * leaves *out NULL; a loaded zone has its SOA's serial; compiling fails only with
 * FDNS_ESPACE (an RRset larger than a DNS message); then the compiled zone answers the
 * first names and types of the file (and a name below each, and ANY) with responses that
 * pass the strict checker of tests/lib/dnsmsg.h and ldns_wire2pkt, at 512 bytes and at
 * 65535, and an AXFR from an allowed client streams messages that pass them too.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "fleetdns/zone.h"
#include "util/log.h"
#include "xfr/xfr.h"

#include "../lib/dnsmsg.h"

#define ORIGIN        "example.test"
#define QUERIED_RRS   8 /* records of the file whose names are queried */
#define AXFR_MSGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];
static conf_acl_t acl = {.prefix = 32, .text = "127.0.0.1"};
static conf_zone_t conf_zone = {.name = ORIGIN, .allow_transfer = &acl, .nallow_transfer = 1};
static conf_t conf = {.zones = &conf_zone, .nzones = 1};
static struct sockaddr_storage peer;
static uint8_t *out; /* exactly 65535 bytes */

static void fail(const char *why, const char *detail)
{
	fprintf(stderr, "fuzz_zone: %s%s%s\n", why, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void check_wire(const uint8_t *m, size_t len, size_t max, uint16_t id)
{
	if (len > max)
		fail("response longer than allowed", NULL);
	const char *e = wire_check(m, len);
	if (e)
		fail(e, NULL);
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, m, len) != LDNS_STATUS_OK)
		fail("ldns_wire2pkt refuses the response", NULL);
	ldns_pkt_free(pkt);
	if (len < 12 || (uint16_t)(m[0] << 8 | m[1]) != id || !(m[2] & 0x80))
		fail("ID not copied or QR clear", NULL);
}

/* Query name (wire, absolute) and type, optionally below it ("zz-fuzz.NAME"). */
static void ask(const snapshot_t *snap, const ldns_rdf *name, uint16_t type, bool below)
{
	msgbuf_t m = {.len = 0};
	mb_header(&m, 0x4242, 0x0100, 1, 0, 0, 0);
	if (below) {
		if (ldns_rdf_size(name) + 8 > DNS_NAME_MAX)
			return;
		mb_raw(&m, "\7zz-fuzz", 8);
	}
	mb_raw(&m, ldns_rdf_data(name), ldns_rdf_size(name));
	mb_u16(&m, type);
	mb_u16(&m, 1);
	query_t q;
	enum query_verdict v = query_parse(&q, m.b, m.len);
	size_t len = answer_respond(snap, &q, v, out, 512);
	if (len)
		check_wire(out, len, 512, 0x4242);
	len = answer_respond(snap, &q, v, out, 65535);
	if (len)
		check_wire(out, len, 65535, 0x4242);
}

static void axfr(const snapshot_t *snap)
{
	msgbuf_t m = {.len = 0};
	mb_query(&m, 0x2424, ORIGIN, TYPE_AXFR, 0, false);
	xfr_stream_t *s = xfr_stream_open(snap, m.b, m.len, (const struct sockaddr *)&peer);
	if (!s)
		fail("xfr_stream_open: out of memory", NULL);
	size_t n;
	unsigned msgs = 0;
	while ((n = xfr_stream_next(s, out, 65535)) > 0) {
		check_wire(out, n, 65535, 0x2424);
		if ((out[3] & 0x0F) != RCODE_NOERROR)
			fail("AXFR from an allowed client refused", NULL);
		if (++msgs > AXFR_MSGS_MAX)
			fail("AXFR does not end", NULL);
	}
	if (msgs == 0)
		fail("AXFR without a message", NULL);
	xfr_stream_free(s);
}

/* The serial of zd's SOA, or -1 when it has none (or more than one). */
static int64_t serial_of(const zone_data_t *zd)
{
	int64_t serial = -1;
	for (size_t i = 0; i < ldns_rr_list_rr_count(zd->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(zd->rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
			continue;
		if (serial >= 0 || ldns_rr_rd_count(rr) != 7)
			return -1;
		serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
	}
	return serial;
}

static void compile(zone_data_t *zd)
{
	snapshot_t *snap = NULL;
	int rc = snapshot_build(&snap, &zd, 1, &(answer_opts_t){.udp_size = 1232});
	if (rc == FDNS_ESPACE)
		return;
	if (rc != FDNS_OK)
		fail("snapshot_build failed on a loaded zone", fdns_strerror(rc));
	uint32_t serial;
	if (snapshot_zone_serial(snap, ORIGIN, &serial) != 0 || serial != zd->serial)
		fail("the compiled zone has another serial", NULL);
	xfr_set_t *set = NULL;
	if (xfr_set_build(&set, &conf, &zd, 1) != FDNS_OK)
		fail("xfr_set_build failed", NULL);
	snapshot_set_transfers(snap, set, xfr_set_free);
	ask(snap, zd->apex, TYPE_SOA, false);
	for (size_t i = 0; i < ldns_rr_list_rr_count(zd->rrs) && i < QUERIED_RRS; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(zd->rrs, i);
		ask(snap, ldns_rr_owner(rr), (uint16_t)ldns_rr_get_type(rr), false);
		ask(snap, ldns_rr_owner(rr), TYPE_ANY, false);
		ask(snap, ldns_rr_owner(rr), TYPE_A, true);
	}
	axfr(snap);
	snapshot_free(snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		log_level_set(getenv("FUZZ_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
		fd = memfd_create("fuzz_zone", MFD_CLOEXEC);
		if (fd < 0 || !(out = malloc(65535)))
			fail("memfd_create failed", NULL);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		peer.ss_family = AF_INET;
		inet_pton(AF_INET, "127.0.0.1", &((struct sockaddr_in *)&peer)->sin_addr);
		acl.addr = peer;
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		fail("cannot write the memory file", NULL);

	zone_data_t *zd = (zone_data_t *)1;
	char err[1024] = "";
	int rc = zone_load_file(&zd, ORIGIN, path, err, sizeof(err));
	if (rc != FDNS_OK) {
		if (zd != NULL)
			fail("a failed load left something in its output", err);
		if (strncmp(err, path, strlen(path)) != 0)
			fail("an error that does not name the file", err);
		return 0;
	}
	if (!zd || !zd->apex || !zd->rrs)
		fail("a loaded zone without apex or records", NULL);
	if (serial_of(zd) != (int64_t)zd->serial)
		fail("a loaded zone whose serial is not its SOA's", NULL);
	compile(zd);
	zone_data_free(zd);
	return 0;
}
