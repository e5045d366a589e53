/* SPDX-License-Identifier: MIT */
/* change_cost.c -- what one container change costs on the fleet publish path, without I/O.
 *
 * For each fleet size N (replicas), in a child process of its own (so that peak memory
 * and allocator state do not carry over): N containers in memory (services of S replicas,
 * engines of E containers, one IPv4 address each, the label fleetdns.service), given to a
 * registry with registry_engine_sync() per engine, rendered and compiled into a first
 * snapshot (every service a part of the fleet zone). Then, for each change, one random
 * replica becomes unhealthy (and on the next change healthy again), and the steps
 * src/daemon/fleet.c runs for a publication that also raises the serial are timed, each
 * with wall time (CLOCK_MONOTONIC) and CPU time of the thread (CLOCK_THREAD_CPUTIME_ID):
 *
 *   update   registry_container_update()
 *   render   zone_data_clone() of the zone's own data (new serial) + fleet_zone_parts():
 *            the records of the services that changed
 *   compile  snapshot_patch() of the previous snapshot: the zone's own data and the
 *            changed services compiled, every other name shared
 *   zfree    freeing the rendered records (publish() does it on the control thread)
 *   total    the four above: the control thread's cost of one publication
 *   sfree    snapshot_free() of the previous snapshot (the server does it in call_rcu,
 *            on liburcu's thread, once no worker reads it; not on the control thread)
 *
 * Memory: VmRSS before the registry exists and after the first publication, divided by the
 * served replicas; heap bytes in use (mallinfo2) held by the registry and by the snapshot.
 *
 * With transfers (the fleet zone with allow-transfer and a NOTIFY target, as in
 * src/daemon/fleet.c's publish_try() with transfer set), each change also runs:
 *
 *   compile  as above, each compiled part also keeping its records in canonical wire form
 *            (zone_patch_t.records): the transfer data is the compiled version itself
 *   xfr      xfr_prepare(): the zone's transfer data (a reference on the compiled version,
 *            its SOA and ACL) and its journal chained to the previous version's (the IXFR
 *            difference: only the parts that changed are compared)
 *   notify   xfr_published(): the set kept for the next journal, and a NOTIFY sent to the
 *            target (a UDP socket of this program, which counts them)
 *   ixfr     a worker's answer to the secondary's IXFR for the previous serial:
 *            xfr_stream_open() + xfr_stream_next() until done (not on the control thread;
 *            not in total); its size in bytes (with the TCP length prefixes) and records
 *   sfree    also frees the previous version's transfer data (attached to the snapshot)
 *
 * and with --breakdown, apart from total, the two halves of xfr_prepare() run again on the
 * same data with the functions it calls (xbuild: xfr__zone_of_version(); xjournal:
 * xfr__journal_chain() against the previous version's transfer data). Once per size, an
 * AXFR is timed and sized for comparison. Info logs (one line per transfer in the daemon)
 * are turned off. --xfr-changes (default 20) changes with transfers, --changes without.
 *
 * The allocator is set as fleetdns's main() sets it, M_MMAP_THRESHOLD at 64 KiB (blocks of
 * that size or more mapped on their own), unless --malloc default.
 *
 * usage: bench/change_cost [--sizes 1000,10000,100000] [--changes 50] [--service-size 10]
 *                          [--per-engine 50] [--seed 1] [--transfers off|on|both]
 *                          [--xfr-changes 20] [--breakdown] [--malloc daemon|default]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "publish/fleet_zone.h"
#include "fleetdns/answer.h"
#include "fleetdns/registry.h"
#include "fleetdns/server.h"
#include "fleetdns/zone.h"
#include "util/log.h"
#include "xfr/xfr.h"
#include "xfr/xfr_internal.h"

#include "../tests/lib/fake_container.h"

/* Steps in the order a publication runs them; total is update .. zfree (the control thread). */
enum {
	P_UPDATE,
	P_RENDER,
	P_COMPILE,
	P_XFR,
	P_NOTIFY,
	P_ZFREE,
	P_TOTAL,
	P_IXFR,
	P_SFREE,
	P_XBUILD,
	P_XJOURNAL,
	NPHASES
};
static const char *const phase_names[NPHASES] = {"update", "render", "compile", "xfr",
                                                 "notify", "zfree",  "total",   "ixfr",
                                                 "sfree",  "xbuild", "xjournal"};
/* The steps that exist without transfers. */
static bool plain_phase(int p)
{
	return p == P_UPDATE || p == P_RENDER || p == P_COMPILE || p == P_ZFREE || p == P_TOTAL ||
	       p == P_SFREE;
}

typedef fake_container_t fake_t;

typedef struct opts {
	size_t sizes[16], nsizes;
	size_t changes, service_size, per_engine, xfr_changes;
	unsigned seed;
	bool plain, transfers; /* which runs: without transfers, with them */
	bool breakdown;        /* xfr_prepare's halves run again after each change */
	bool daemon_malloc;    /* the daemon's allocator setting (M_MMAP_THRESHOLD 64 KiB) */
} opts_t;

static double now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct stamp {
	double wall, cpu;
} stamp_t;

static stamp_t stamp(void)
{
	return (stamp_t){now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_THREAD_CPUTIME_ID)};
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd; /* arena chunks in use + mmapped chunks */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	/* splitmix64: deterministic for a seed */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fmt_us(char *buf, size_t len, double ns)
{
	double us = ns / 1000.0;
	if (us < 10)
		snprintf(buf, len, "%.2f", us);
	else if (us < 1000)
		snprintf(buf, len, "%.1f", us);
	else
		snprintf(buf, len, "%.0f", us);
}

/* The transfer side of one run: the configuration that allows transfers of the fleet zone
 * and notifies a socket of ours, and the pieces the daemon keeps (xfr_t on a loop). */
typedef struct xfr_side {
	uv_loop_t loop;
	xfr_t *x;
	conf_t conf;
	conf_zone_t cz;
	conf_acl_t acl;
	conf_notify_t notify;
	int notify_fd; /* the "secondary": receives the NOTIFY messages */
	uint8_t apex[DNS_NAME_MAX];
	size_t apex_len;
} xfr_side_t;

static int xfr_side_init(xfr_side_t *xs, zone_data_t *base)
{
	memset(xs, 0, sizeof(*xs));
	struct sockaddr_in *a = (struct sockaddr_in *)&xs->acl.addr;
	a->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.0", &a->sin_addr);
	xs->acl.prefix = 8;
	xs->acl.text = "127.0.0.0/8";
	struct sockaddr_in self = {.sin_family = AF_INET};
	socklen_t len = sizeof(self);
	inet_pton(AF_INET, "127.0.0.1", &self.sin_addr);
	xs->notify_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (xs->notify_fd < 0 || bind(xs->notify_fd, (struct sockaddr *)&self, sizeof(self)) < 0 ||
	    getsockname(xs->notify_fd, (struct sockaddr *)&self, &len) < 0)
		return -1;
	memcpy(&xs->notify.addr, &self, sizeof(self));
	xs->notify.addrlen = sizeof(self);
	xs->notify.text = "127.0.0.1";
	xs->cz = (conf_zone_t){.name = "fleet.sim",
	                       .allow_transfer = &xs->acl,
	                       .nallow_transfer = 1,
	                       .notify = &xs->notify,
	                       .nnotify = 1};
	xs->conf = (conf_t){.zones = &xs->cz, .nzones = 1};
	if (uv_loop_init(&xs->loop) != 0 || !(xs->x = xfr_new(&xs->loop)))
		return -1;
	/* As a (re)load: the zones as loaded are the base set, then each publication's. */
	xfr_set_t *bset = NULL;
	if (xfr_set_build(&bset, &xs->conf, &base, 1) < 0)
		return -1;
	xfr_apply(xs->x, bset, &xs->conf);
	ldns_rdf *apex = ldns_rdf_clone(base->apex);
	ldns_dname2canonical(apex);
	xs->apex_len = ldns_rdf_size(apex);
	memcpy(xs->apex, ldns_rdf_data(apex), xs->apex_len);
	ldns_rdf_deep_free(apex);
	return 0;
}

/* NOTIFY messages waiting at our socket. */
static size_t notifies_received(xfr_side_t *xs)
{
	uint8_t buf[1024];
	size_t n = 0;
	ssize_t r;
	while ((r = recv(xs->notify_fd, buf, sizeof(buf), 0)) >= 12)
		n += ((buf[2] >> 3) & 0x0F) == 4; /* OPCODE NOTIFY */
	return n;
}

/* The wire form of an AXFR (serial < 0) or IXFR request for the fleet zone. */
static uint8_t *xfr_request(long long serial, size_t *len)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;
	ldns_pkt_query_new_frm_str(&q, "fleet.sim.",
	                           serial < 0 ? LDNS_RR_TYPE_AXFR : LDNS_RR_TYPE_IXFR,
	                           LDNS_RR_CLASS_IN, 0);
	if (!q)
		return NULL;
	ldns_pkt_set_id(q, 4321);
	if (serial >= 0) {
		char text[256];
		ldns_rr *soa = NULL;
		snprintf(text, sizeof(text),
		         "fleet.sim. 0 IN SOA ns.fleet.sim. hostmaster.fleet.sim. %lld 0 0 0 0",
		         serial);
		if (ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL) != LDNS_STATUS_OK) {
			ldns_pkt_free(q);
			return NULL;
		}
		ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, soa);
	}
	if (ldns_pkt2wire(&wire, q, len) != LDNS_STATUS_OK)
		wire = NULL;
	ldns_pkt_free(q);
	return wire;
}

typedef struct xfr_answer {
	size_t bytes, msgs, records;
	enum xfr_result result;
} xfr_answer_t;

/* A transfer as a worker answers it: open the stream on snap, write every message. */
static int xfr_answer(const snapshot_t *snap, const uint8_t *req, size_t len, uint8_t *buf,
                      xfr_answer_t *out)
{
	struct sockaddr_storage peer = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5353);
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
	*out = (xfr_answer_t){0};
	xfr_stream_t *s = xfr_stream_open(snap, req, len, (const struct sockaddr *)&peer);
	if (!s)
		return -1;
	size_t n;
	while ((n = xfr_stream_next(s, buf, 65535)) > 0) {
		out->bytes += 2 + n; /* with the TCP length prefix */
		out->msgs++;
		out->records += (size_t)buf[6] << 8 | buf[7];
	}
	out->result = xfr_stream_result(s);
	xfr_stream_free(s);
	return 0;
}

/* One fleet size, in the calling (child) process, with transfers or without. Prints its
 * rows. */
static int run_size(const opts_t *o, size_t n, bool transfers)
{
	size_t nengines = (n + o->per_engine - 1) / o->per_engine;
	size_t nservices = (n + o->service_size - 1) / o->service_size;
	char err[256];

	rng_state = o->seed * 1000003ull + n;
	fake_t *fakes = calloc(n, sizeof(*fakes));
	conf_engine_t *engines = calloc(nengines, sizeof(*engines));
	char(*engine_names)[24] = calloc(nengines, sizeof(*engine_names));
	const engine_container_t **list = calloc(o->per_engine, sizeof(*list));
	uint8_t *msgbuf = malloc(65535);
	if (!fakes || !engines || !engine_names || !list || !msgbuf) {
		fprintf(stderr, "change_cost: out of memory\n");
		return 1;
	}
	for (size_t e = 0; e < nengines; e++) {
		snprintf(engine_names[e], sizeof(engine_names[e]), "e%zu", e);
		engines[e] = (conf_engine_t){
		    .name = engine_names[e], .url = "unix:///nonexistent", .timeout_ms = 3000};
	}
	/* Container j of engine e is replica number g = j * nengines + e: the replicas of a
	 * service (g / service_size) sit on different engines, as they would in a fleet. */
	for (size_t i = 0; i < n; i++) {
		size_t e = i / o->per_engine, j = i % o->per_engine, g = j * nengines + e;
		char id[65], name[24], service[24], ip[24];
		snprintf(id, sizeof(id), "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64,
		         rng(), rng(), rng(), (uint64_t)i);
		snprintf(name, sizeof(name), "c%zu", j);
		snprintf(service, sizeof(service), "s%zu", g / o->service_size % nservices);
		snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu", (i >> 16) & 255, (i >> 8) & 255,
		         i & 255);
		fake_container_init(&fakes[i], id, name, service, ip);
	}

	zone_data_t *base = NULL;
	if (zone_make_empty(&base, "fleet.sim", 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "change_cost: %s\n", err);
		return 1;
	}
	xfr_side_t xs;
	if (transfers && xfr_side_init(&xs, base) < 0) {
		fprintf(stderr, "change_cost: cannot set up transfers\n");
		return 1;
	}
	malloc_trim(0);
	long rss0 = status_kb("VmRSS");
	size_t heap0 = heap_used();

	/* Population: one sync per engine, as after startup. */
	conf_fleet_t fleet = {.ttl = 5, .compose_labels = true, .swarm_labels = true};
	registry_t *reg = registry_new(&fleet);
	stamp_t s0 = stamp();
	for (size_t e = 0; e < nengines; e++) {
		size_t k = 0;
		for (size_t i = e * o->per_engine; i < n && i < (e + 1) * o->per_engine; i++)
			list[k++] = &fakes[i].c;
		if (registry_engine_sync(reg, &engines[e], list, k) < 0) {
			fprintf(stderr, "change_cost: registry_engine_sync failed\n");
			return 1;
		}
	}
	stamp_t s1 = stamp();
	size_t heap_reg = heap_used() - heap0;

	/* First publication: every service. */
	answer_opts_t aopts = {.udp_size = 1232};
	uint32_t serial = 2;
	fleet_zone_t fz = {0};
	fleet_zone_init(&fz, base);
	zone_patch_t patch = {.apex = base->apex, .reset = true, .records = transfers};
	snapshot_t *snap = NULL;
	patch.base = zone_data_clone(base, serial);
	if (!patch.base || fleet_zone_parts(&fz, &patch, reg, base->apex, true) < 0) {
		fprintf(stderr, "change_cost: render failed\n");
		return 1;
	}
	serial++;
	stamp_t s2 = stamp();
	size_t heap_before_snap = heap_used();
	if (snapshot_patch(&snap, NULL, &patch, 1, &aopts) < 0) {
		fprintf(stderr, "change_cost: snapshot_patch failed\n");
		return 1;
	}
	stamp_t s3 = stamp();
	size_t heap_snap = heap_used() - heap_before_snap, heap_xfr = 0;
	double first_xfr_ms = 0;
	if (transfers) {
		size_t h = heap_used();
		stamp_t a = stamp();
		if (xfr_prepare(xs.x, snap, &patch.apex, 1) < 0) {
			fprintf(stderr, "change_cost: xfr_prepare failed\n");
			return 1;
		}
		first_xfr_ms = (stamp().wall - a.wall) / 1e6;
		heap_xfr = heap_used() - h;
		xfr_published(xs.x, snap);
	}
	size_t nrecords = 0;
	for (size_t i = 0; i < patch.nparts; i++)
		nrecords += ldns_rr_list_rr_count(patch.parts[i]->rrs);
	fleet_zone_parts_free(&fz);
	zone_data_free(patch.base);
	registry_changes_clear(reg);
	long rss1 = status_kb("VmRSS");
	size_t served;
	size_t total = registry_replica_count(reg, &served);
	if (total != n || served != n) {
		fprintf(stderr, "change_cost: %zu replicas, %zu served; expected %zu\n", total,
		        served, n);
		return 1;
	}

	/* For comparison: the whole zone as a secondary without a journal gets it. */
	xfr_answer_t axfr = {0};
	double axfr_ms = 0;
	if (transfers) {
		size_t len;
		uint8_t *req = xfr_request(-1, &len);
		stamp_t a = stamp();
		if (!req || xfr_answer(snap, req, len, msgbuf, &axfr) < 0 ||
		    axfr.result != XFR_RESULT_AXFR) {
			fprintf(stderr, "change_cost: AXFR failed\n");
			return 1;
		}
		axfr_ms = (stamp().wall - a.wall) / 1e6;
		free(req);
		notifies_received(&xs); /* the first publication's */
	}

	/* Changes. */
	size_t nc = transfers ? o->xfr_changes : o->changes;
	double *w[NPHASES], *c[NPHASES], *ixfr_bytes = calloc(nc, sizeof(double));
	for (int p = 0; p < NPHASES; p++) {
		w[p] = calloc(nc, sizeof(double));
		c[p] = calloc(nc, sizeof(double));
	}
	size_t ixfr_records_max = 0, ixfr_msgs_max = 0, not_incremental = 0, notified = 0;
	fake_t *cur = NULL;
	for (size_t k = 0; k < nc; k++) {
		/* even: a random replica turns unhealthy; odd: the same one is healthy again */
		if (k % 2 == 0) {
			cur = &fakes[rng() % n];
			cur->c.health = HEALTH_UNHEALTHY;
		} else {
			cur->c.health = HEALTH_HEALTHY;
		}
		size_t e = (size_t)(cur - fakes) / o->per_engine;
		uint64_t gen = registry_generation(reg);
		uint32_t this_serial = serial++;
		stamp_t t[NPHASES + 1];
		memset(t, 0, sizeof(t));
		t[P_UPDATE] = stamp();
		registry_container_update(reg, &engines[e], &cur->c);
		t[P_RENDER] = stamp();
		patch = (zone_patch_t){.apex = base->apex,
		                       .base = zone_data_clone(base, this_serial),
		                       .records = transfers};
		if (!patch.base || fleet_zone_parts(&fz, &patch, reg, base->apex, false) < 0) {
			fprintf(stderr, "change_cost: render failed\n");
			return 1;
		}
		t[P_COMPILE] = stamp();
		snapshot_t *next = NULL;
		if (snapshot_patch(&next, snap, &patch, 1, &aopts) < 0) {
			fprintf(stderr, "change_cost: snapshot_patch failed\n");
			return 1;
		}
		t[P_XFR] = stamp();
		if (transfers && xfr_prepare(xs.x, next, &patch.apex, 1) < 0) {
			fprintf(stderr, "change_cost: xfr_prepare failed\n");
			return 1;
		}
		t[P_NOTIFY] = transfers ? stamp() : t[P_XFR];
		/* (the daemon publishes next here: one atomic pointer swap) */
		if (transfers)
			xfr_published(xs.x, next);
		t[P_ZFREE] = transfers ? stamp() : t[P_XFR];
		fleet_zone_parts_free(&fz);
		zone_data_free(patch.base);
		registry_changes_clear(reg);
		t[P_TOTAL] = stamp(); /* end of the control thread's part */
		if (transfers) {
			/* The secondary, notified, asks for what changed since the serial it has.
			 */
			size_t len;
			uint8_t *req = xfr_request(this_serial - 1, &len);
			xfr_answer_t ix;
			t[P_IXFR] = stamp();
			if (!req || xfr_answer(next, req, len, msgbuf, &ix) < 0) {
				fprintf(stderr, "change_cost: IXFR failed\n");
				return 1;
			}
			t[P_SFREE] = stamp();
			free(req);
			not_incremental += ix.result != XFR_RESULT_IXFR;
			ixfr_bytes[k] = (double)ix.bytes;
			if (ix.records > ixfr_records_max)
				ixfr_records_max = ix.records;
			if (ix.msgs > ixfr_msgs_max)
				ixfr_msgs_max = ix.msgs;
			notified += notifies_received(&xs);
			/* xfr_prepare's two halves again, on the same data (not in total; what they
			 * allocate and free changes the allocator's state for the next change). */
			const xfr_zone_t *prev =
			    xfr__set_find(snapshot_transfers(snap), xs.apex, xs.apex_len);
			if (o->breakdown) {
				stamp_t b0 = stamp();
				ans_zone_t *v = snapshot_zone_hold(next, xs.apex, xs.apex_len);
				xfr_zone_t *z = v ? xfr__zone_of_version(v, &xs.conf) : NULL;
				stamp_t b1 = stamp();
				if (!z || !prev || xfr__journal_chain(z, prev) < 0) {
					fprintf(stderr, "change_cost: transfer data failed\n");
					return 1;
				}
				stamp_t b2 = stamp();
				xfr__zone_unref(z);
				w[P_XBUILD][k] = b1.wall - b0.wall;
				c[P_XBUILD][k] = b1.cpu - b0.cpu;
				w[P_XJOURNAL][k] = b2.wall - b1.wall;
				c[P_XJOURNAL][k] = b2.cpu - b1.cpu;
			}
		} else {
			t[P_IXFR] = t[P_SFREE] = t[P_TOTAL];
		}
		stamp_t u0 = stamp();
		snapshot_free(snap);
		stamp_t u1 = stamp();
		snap = next;
		registry_replica_count(reg, &served);
		if (registry_generation(reg) == gen || served != (k % 2 == 0 ? n - 1 : n)) {
			fprintf(stderr, "change_cost: change %zu was not seen by the registry\n",
			        k);
			return 1;
		}
		for (int p = P_UPDATE; p <= P_ZFREE; p++) {
			w[p][k] += t[p + 1].wall - t[p].wall;
			c[p][k] += t[p + 1].cpu - t[p].cpu;
		}
		w[P_TOTAL][k] += t[P_TOTAL].wall - t[P_UPDATE].wall;
		c[P_TOTAL][k] += t[P_TOTAL].cpu - t[P_UPDATE].cpu;
		w[P_IXFR][k] = t[P_SFREE].wall - t[P_IXFR].wall;
		c[P_IXFR][k] = t[P_SFREE].cpu - t[P_IXFR].cpu;
		w[P_SFREE][k] = u1.wall - u0.wall;
		c[P_SFREE][k] = u1.cpu - u0.cpu;
	}

	printf("N=%zu replicas (%zu services of %zu, %zu engines of %zu), %s: %zu records "
	       "rendered; population %.0f ms, first render %.0f ms, first compile %.0f ms\n",
	       n, nservices, o->service_size, nengines, o->per_engine,
	       transfers ? "transfers on (allow-transfer, NOTIFY)" : "no transfers", nrecords,
	       (s1.wall - s0.wall) / 1e6, (s2.wall - s1.wall) / 1e6, (s3.wall - s2.wall) / 1e6);
	printf("  memory: VmRSS %ld kB -> %ld kB (peak %ld kB): %.0f bytes of RSS per served "
	       "replica; heap: registry %.0f B/replica, snapshot %.0f B/replica",
	       rss0, rss1, status_kb("VmHWM"), (double)(rss1 - rss0) * 1024.0 / (double)n,
	       (double)heap_reg / (double)n, (double)heap_snap / (double)n);
	if (transfers)
		printf(", transfer data %.0f B/replica", (double)heap_xfr / (double)n);
	printf("\n");
	if (transfers) {
		printf(
		    "  first transfer data %.0f ms; AXFR: %.1f ms, %zu bytes in %zu messages, %zu "
		    "records\n",
		    first_xfr_ms, axfr_ms, axfr.bytes, axfr.msgs, axfr.records);
		printf(
		    "  IXFR for the previous serial: up to %zu records in %zu message(s); %zu of "
		    "%zu not incremental; %zu NOTIFY received for %zu changes\n",
		    ixfr_records_max, ixfr_msgs_max, not_incremental, nc, notified, nc);
		if (not_incremental || notified != nc) {
			fprintf(stderr, "change_cost: transfers did not behave as expected\n");
			return 1;
		}
	}
	printf("  %-8s %12s %12s %12s %12s   (microseconds over %zu changes)\n", "step",
	       "wall median", "wall p99", "cpu median", "cpu p99", nc);
	for (int p = 0; p < NPHASES; p++) {
		if ((!transfers && !plain_phase(p)) ||
		    (!o->breakdown && (p == P_XBUILD || p == P_XJOURNAL)))
			continue;
		char a[32], b[32], cc[32], d[32];
		qsort(w[p], nc, sizeof(double), cmp_double);
		qsort(c[p], nc, sizeof(double), cmp_double);
		fmt_us(a, sizeof(a), pct(w[p], nc, 50));
		fmt_us(b, sizeof(b), pct(w[p], nc, 99));
		fmt_us(cc, sizeof(cc), pct(c[p], nc, 50));
		fmt_us(d, sizeof(d), pct(c[p], nc, 99));
		printf("  %-8s %12s %12s %12s %12s%s\n", phase_names[p], a, b, cc, d,
		       p == P_IXFR                        ? "   (a worker's, not in total)"
		       : p == P_SFREE                     ? "   (liburcu's thread, not in total)"
		       : p == P_XBUILD || p == P_XJOURNAL ? "   (xfr's halves, run again)"
		                                          : "");
	}
	qsort(ixfr_bytes, nc, sizeof(double), cmp_double);
	if (transfers)
		printf("  IXFR size: median %.0f bytes, largest %.0f bytes\n",
		       pct(ixfr_bytes, nc, 50), ixfr_bytes[nc - 1]);
	/* One machine-readable line per size, for the summary tables. */
	char line[1024];
	int len =
	    snprintf(line, sizeof(line), "ROW %d %zu %ld %.0f %.0f %.0f %.0f %.0f %.0f %zu %.3f",
	             transfers ? 1 : 0, n, rss1 - rss0, (double)(rss1 - rss0) * 1024.0 / (double)n,
	             (double)heap_reg / (double)n, (double)heap_snap / (double)n,
	             (double)heap_xfr / (double)n, transfers ? pct(ixfr_bytes, nc, 50) : 0,
	             transfers ? ixfr_bytes[nc - 1] : 0, axfr.bytes, axfr_ms);
	for (int p = 0; p < NPHASES; p++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %.0f %.0f %.0f %.0f",
		                pct(w[p], nc, 50), pct(w[p], nc, 99), pct(c[p], nc, 50),
		                pct(c[p], nc, 99));
	fprintf(stderr, "%s\n", line);
	fflush(stdout);

	snapshot_free(snap);
	fleet_zone_clear(&fz);
	registry_free(reg);
	zone_data_free(base);
	return 0;
}

static int parse_args(opts_t *o, int argc, char **argv)
{
	*o = (opts_t){.nsizes = 3,
	              .sizes = {1000, 10000, 100000},
	              .changes = 50,
	              .xfr_changes = 20,
	              .service_size = 10,
	              .per_engine = 50,
	              .seed = 1,
	              .plain = true,
	              .transfers = true,
	              .daemon_malloc = true};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--breakdown")) {
			o->breakdown = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		char *end;
		errno = 0;
		if (!strcmp(a, "--sizes")) {
			o->nsizes = 0;
			for (const char *p = v; *p && o->nsizes < 16;) {
				unsigned long x = strtoul(p, &end, 10);
				if (end == p || x == 0)
					return -1;
				o->sizes[o->nsizes++] = x;
				p = *end == ',' ? end + 1 : end;
				if (*end && *end != ',')
					return -1;
			}
			continue;
		}
		if (!strcmp(a, "--malloc")) {
			if (strcmp(v, "daemon") && strcmp(v, "default"))
				return -1;
			o->daemon_malloc = !strcmp(v, "daemon");
			continue;
		}
		if (!strcmp(a, "--transfers")) {
			o->plain = !strcmp(v, "off") || !strcmp(v, "both");
			o->transfers = !strcmp(v, "on") || !strcmp(v, "both");
			if (!o->plain && !o->transfers)
				return -1;
			continue;
		}
		unsigned long x = strtoul(v, &end, 10);
		if (*end || errno || x == 0)
			return -1;
		if (!strcmp(a, "--changes"))
			o->changes = x;
		else if (!strcmp(a, "--xfr-changes"))
			o->xfr_changes = x;
		else if (!strcmp(a, "--service-size"))
			o->service_size = x;
		else if (!strcmp(a, "--per-engine"))
			o->per_engine = x;
		else if (!strcmp(a, "--seed"))
			o->seed = (unsigned)x;
		else
			return -1;
	}
	return 0;
}

/* A ROW line back into numbers: mode, n, drss_kb, rss/replica, heap registry, heap snapshot,
 * heap transfer data (per replica), IXFR bytes median and largest, AXFR bytes and ms, then 4
 * values (wall median, wall p99, cpu median, cpu p99) per step. */
enum { R_MODE, R_N, R_DRSS, R_RSS, R_HREG, R_HSNAP, R_HXFR, R_IXB, R_IXB_MAX, R_AXB, R_AXMS, R_PH };
typedef struct row {
	double v[R_PH + 4 * NPHASES];
} row_t;

static const double *ph(const row_t *r, int p)
{
	return r->v + R_PH + 4 * p;
}

int main(int argc, char **argv)
{
	opts_t o;
	int rc = parse_args(&o, argc, argv);
	if (rc) {
		fprintf(rc > 0 ? stdout : stderr,
		        "usage: %s [--sizes 1000,10000,100000] [--changes 50] [--service-size 10] "
		        "[--per-engine 50] [--seed 1] [--transfers off|on|both] [--xfr-changes 20] "
		        "[--breakdown] [--malloc daemon|default]\n",
		        argv[0]);
		return rc > 0 ? 0 : 2;
	}
	if (o.changes < 2)
		o.changes = 2;
	if (o.xfr_changes < 2)
		o.xfr_changes = 2;
	log_level_set(LOG_LVL_WARNING); /* no line per transfer (the daemon logs one, at info) */
	/* As fleetdns's main() does before its threads start (process_limits_set()): blocks of
	 * 64 KiB or more are mapped on their own. It decides what a transfer publication costs:
	 * ldns_rr2wire() takes a 64 KiB buffer per record. */
	if (o.daemon_malloc)
		mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	printf("allocator: %s\n\n", o.daemon_malloc
	                                ? "as the daemon, mallopt(M_MMAP_THRESHOLD, 64 KiB)"
	                                : "glibc's defaults (--malloc default)");
	/* Each size and mode in a child: peak RSS and the allocator start fresh. The children's
	 * ROW lines come back through a pipe for the summary. */
	row_t rows[32];
	size_t nrows = 0;
	int failed = 0;
	for (int mode = 0; mode < 2; mode++) {
		if ((mode == 0 && !o.plain) || (mode == 1 && !o.transfers))
			continue;
		for (size_t i = 0; i < o.nsizes; i++) {
			int fds[2];
			if (pipe(fds) < 0)
				return 1;
			fflush(stdout);
			pid_t pid = fork();
			if (pid < 0)
				return 1;
			if (pid == 0) {
				close(fds[0]);
				dup2(fds[1], 2);
				_exit(run_size(&o, o.sizes[i], mode == 1));
			}
			close(fds[1]);
			FILE *f = fdopen(fds[0], "r");
			char line[2048];
			while (f && fgets(line, sizeof(line), f)) {
				if (!strncmp(line, "ROW ", 4) && nrows < 32) {
					char *p = line + 4;
					for (size_t k = 0; k < R_PH + 4 * NPHASES; k++)
						rows[nrows].v[k] = strtod(p, &p);
					nrows++;
				} else {
					fputs(line, stderr);
				}
			}
			if (f)
				fclose(f);
			int st;
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failed = 1;
			printf("\n");
		}
	}
	bool header = false;
	for (size_t i = 0; i < nrows; i++) {
		const row_t *r = &rows[i];
		if (r->v[R_MODE] != 0)
			continue;
		if (!header) {
			printf("Without transfers:\n\n");
			printf("| replicas | update (us) | render (us) | compile (us) | total wall "
			       "median "
			       "/ p99 (us) | total CPU median / p99 (us) | RSS per served replica "
			       "(B) |\n");
			printf("|---:|---:|---:|---:|---:|---:|---:|\n");
			header = true;
		}
		char u[32], rr[32], cpl[32], tw[32], tw99[32], tc[32], tc99[32];
		fmt_us(u, sizeof(u), ph(r, P_UPDATE)[0]);
		fmt_us(rr, sizeof(rr), ph(r, P_RENDER)[0]);
		fmt_us(cpl, sizeof(cpl), ph(r, P_COMPILE)[0]);
		fmt_us(tw, sizeof(tw), ph(r, P_TOTAL)[0]);
		fmt_us(tw99, sizeof(tw99), ph(r, P_TOTAL)[1]);
		fmt_us(tc, sizeof(tc), ph(r, P_TOTAL)[2]);
		fmt_us(tc99, sizeof(tc99), ph(r, P_TOTAL)[3]);
		printf("| %.0f | %s | %s | %s | %s / %s | %s / %s | %.0f |\n", r->v[R_N], u, rr,
		       cpl, tw, tw99, tc, tc99, r->v[R_RSS]);
	}
	if (header)
		printf("(medians per step; total = update + render + compile + zone free, the "
		       "control thread's cost of one publication)\n\n");
	header = false;
	for (size_t i = 0; i < nrows; i++) {
		const row_t *r = &rows[i];
		if (r->v[R_MODE] != 1)
			continue;
		if (!header) {
			printf("With transfers (allow-transfer and NOTIFY on the fleet zone):\n\n");
			printf(
			    "| replicas | update + render + compile (us) | "
			    "xfr_prepare "
			    "(us) | of it build / journal (us) | notify (us) | zfree (us) | total "
			    "wall median / p99 (us) | total CPU median / p99 (us) | IXFR answer "
			    "median / p99 (us) | IXFR bytes | AXFR bytes (ms) | transfer data "
			    "(B/replica) |\n");
			printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
			header = true;
		}
		char a[32], xp[32], xb[32], xj[32], nt[32], zf[32], tw[32], tw99[32], tc[32],
		    tc99[32], ix[32], ix99[32];
		fmt_us(a, sizeof(a), ph(r, P_UPDATE)[0] + ph(r, P_RENDER)[0] + ph(r, P_COMPILE)[0]);
		fmt_us(xp, sizeof(xp), ph(r, P_XFR)[0]);
		fmt_us(xb, sizeof(xb), ph(r, P_XBUILD)[0]);
		fmt_us(xj, sizeof(xj), ph(r, P_XJOURNAL)[0]);
		if (ph(r, P_XBUILD)[0] == 0) /* not run (--breakdown) */
			snprintf(xb, sizeof(xb), "-"), snprintf(xj, sizeof(xj), "-");
		fmt_us(nt, sizeof(nt), ph(r, P_NOTIFY)[0]);
		fmt_us(zf, sizeof(zf), ph(r, P_ZFREE)[0]);
		fmt_us(tw, sizeof(tw), ph(r, P_TOTAL)[0]);
		fmt_us(tw99, sizeof(tw99), ph(r, P_TOTAL)[1]);
		fmt_us(tc, sizeof(tc), ph(r, P_TOTAL)[2]);
		fmt_us(tc99, sizeof(tc99), ph(r, P_TOTAL)[3]);
		fmt_us(ix, sizeof(ix), ph(r, P_IXFR)[0]);
		fmt_us(ix99, sizeof(ix99), ph(r, P_IXFR)[1]);
		printf("| %.0f | %s | %s | %s / %s | %s | %s | %s / %s | %s / %s | %s / %s | "
		       "%.0f (largest %.0f) | %.0f (%.1f) | %.0f |\n",
		       r->v[R_N], a, xp, xb, xj, nt, zf, tw, tw99, tc, tc99, ix, ix99, r->v[R_IXB],
		       r->v[R_IXB_MAX], r->v[R_AXB], r->v[R_AXMS], r->v[R_HXFR]);
	}
	if (header)
		printf("(medians per step; total = update + render + compile + xfr_prepare "
		       "+ notify + zone free, the control thread's cost of one publication with "
		       "transfers; the IXFR answer is a worker's; build / journal: xfr_prepare's "
		       "halves run again apart)\n");
	return failed;
}
