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
 * usage: bench/change_cost [--sizes 1000,10000,100000] [--changes 50] [--service-size 10]
 *                          [--per-engine 50] [--seed 1]
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/fleet_zone.h"
#include "fleetdns/answer.h"
#include "fleetdns/registry.h"
#include "fleetdns/zone.h"

enum { P_UPDATE, P_RENDER, P_COMPILE, P_ZFREE, P_TOTAL, P_SFREE, NPHASES };
static const char *const phase_names[NPHASES] = {"update", "render", "compile",
                                                 "zfree",  "total",  "sfree"};

typedef struct fake {
	engine_container_t c;
	engine_label_t label;
	engine_network_t net;
	char id[65], name[24], service[24], ip[24];
} fake_t;

typedef struct opts {
	size_t sizes[16], nsizes;
	size_t changes, service_size, per_engine;
	unsigned seed;
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

/* One fleet size, in the calling (child) process. Prints its rows. */
static int run_size(const opts_t *o, size_t n)
{
	size_t nengines = (n + o->per_engine - 1) / o->per_engine;
	size_t nservices = (n + o->service_size - 1) / o->service_size;
	char err[256];

	rng_state = o->seed * 1000003ull + n;
	fake_t *fakes = calloc(n, sizeof(*fakes));
	conf_engine_t *engines = calloc(nengines, sizeof(*engines));
	char(*engine_names)[24] = calloc(nengines, sizeof(*engine_names));
	const engine_container_t **list = calloc(o->per_engine, sizeof(*list));
	if (!fakes || !engines || !engine_names || !list) {
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
		fake_t *f = &fakes[i];
		size_t e = i / o->per_engine, j = i % o->per_engine, g = j * nengines + e;
		snprintf(f->id, sizeof(f->id),
		         "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, rng(), rng(),
		         rng(), (uint64_t)i);
		snprintf(f->name, sizeof(f->name), "c%zu", j);
		snprintf(f->service, sizeof(f->service), "s%zu", g / o->service_size % nservices);
		snprintf(f->ip, sizeof(f->ip), "10.%zu.%zu.%zu", (i >> 16) & 255, (i >> 8) & 255,
		         i & 255);
		f->label = (engine_label_t){"fleetdns.service", f->service};
		f->net = (engine_network_t){"bridge", f->ip, ""};
		f->c = (engine_container_t){.id = f->id,
		                            .name = f->name,
		                            .running = true,
		                            .health = HEALTH_HEALTHY,
		                            .labels = &f->label,
		                            .nlabels = 1,
		                            .networks = &f->net,
		                            .nnetworks = 1};
	}

	zone_data_t *base = NULL;
	if (zone_make_empty(&base, "fleet.sim", 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "change_cost: %s\n", err);
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
	zone_patch_t patch = {.apex = base->apex, .reset = true};
	snapshot_t *snap = NULL;
	patch.base = zone_data_clone(base, serial++);
	if (!patch.base || fleet_zone_parts(&fz, &patch, reg, base->apex, true) < 0) {
		fprintf(stderr, "change_cost: render failed\n");
		return 1;
	}
	stamp_t s2 = stamp();
	size_t heap_before_snap = heap_used();
	if (snapshot_patch(&snap, NULL, &patch, 1, &aopts) < 0) {
		fprintf(stderr, "change_cost: snapshot_patch failed\n");
		return 1;
	}
	stamp_t s3 = stamp();
	size_t heap_snap = heap_used() - heap_before_snap;
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

	/* Changes. */
	size_t nc = o->changes;
	double *w[NPHASES], *c[NPHASES];
	for (int p = 0; p < NPHASES; p++) {
		w[p] = calloc(nc, sizeof(double));
		c[p] = calloc(nc, sizeof(double));
	}
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
		stamp_t t[6];
		t[0] = stamp();
		registry_container_update(reg, &engines[e], &cur->c);
		t[1] = stamp();
		patch = (zone_patch_t){.apex = base->apex, .base = zone_data_clone(base, serial++)};
		if (!patch.base || fleet_zone_parts(&fz, &patch, reg, base->apex, false) < 0) {
			fprintf(stderr, "change_cost: render failed\n");
			return 1;
		}
		t[2] = stamp();
		snapshot_t *next = NULL;
		if (snapshot_patch(&next, snap, &patch, 1, &aopts) < 0) {
			fprintf(stderr, "change_cost: snapshot_patch failed\n");
			return 1;
		}
		t[3] = stamp();
		fleet_zone_parts_free(&fz);
		zone_data_free(patch.base);
		registry_changes_clear(reg);
		t[4] = stamp();
		snapshot_free(snap);
		t[5] = stamp();
		snap = next;
		registry_replica_count(reg, &served);
		if (registry_generation(reg) == gen || served != (k % 2 == 0 ? n - 1 : n)) {
			fprintf(stderr, "change_cost: change %zu was not seen by the registry\n",
			        k);
			return 1;
		}
		for (int p = P_UPDATE; p <= P_ZFREE; p++) {
			w[p][k] = t[p + 1].wall - t[p].wall;
			c[p][k] = t[p + 1].cpu - t[p].cpu;
		}
		w[P_TOTAL][k] = t[4].wall - t[0].wall;
		c[P_TOTAL][k] = t[4].cpu - t[0].cpu;
		w[P_SFREE][k] = t[5].wall - t[4].wall;
		c[P_SFREE][k] = t[5].cpu - t[4].cpu;
	}

	printf("N=%zu replicas (%zu services of %zu, %zu engines of %zu): %zu records rendered; "
	       "population %.0f ms, first render %.0f ms, first compile %.0f ms\n",
	       n, nservices, o->service_size, nengines, o->per_engine, nrecords,
	       (s1.wall - s0.wall) / 1e6, (s2.wall - s1.wall) / 1e6, (s3.wall - s2.wall) / 1e6);
	printf("  memory: VmRSS %ld kB -> %ld kB (peak %ld kB): %.0f bytes of RSS per served "
	       "replica; heap: registry %.0f B/replica, snapshot %.0f B/replica\n",
	       rss0, rss1, status_kb("VmHWM"), (double)(rss1 - rss0) * 1024.0 / (double)n,
	       (double)heap_reg / (double)n, (double)heap_snap / (double)n);
	printf("  %-8s %12s %12s %12s %12s   (microseconds over %zu changes)\n", "step",
	       "wall median", "wall p99", "cpu median", "cpu p99", nc);
	for (int p = 0; p < NPHASES; p++) {
		char a[32], b[32], cc[32], d[32];
		qsort(w[p], nc, sizeof(double), cmp_double);
		qsort(c[p], nc, sizeof(double), cmp_double);
		fmt_us(a, sizeof(a), pct(w[p], nc, 50));
		fmt_us(b, sizeof(b), pct(w[p], nc, 99));
		fmt_us(cc, sizeof(cc), pct(c[p], nc, 50));
		fmt_us(d, sizeof(d), pct(c[p], nc, 99));
		printf("  %-8s %12s %12s %12s %12s\n", phase_names[p], a, b, cc, d);
	}
	/* One machine-readable line per size, for the summary table. */
	char line[512];
	int len = snprintf(line, sizeof(line), "ROW %zu %ld %.0f %.0f %.0f", n, rss1 - rss0,
	                   (double)(rss1 - rss0) * 1024.0 / (double)n, (double)heap_reg / (double)n,
	                   (double)heap_snap / (double)n);
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
	              .service_size = 10,
	              .per_engine = 50,
	              .seed = 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
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
		unsigned long x = strtoul(v, &end, 10);
		if (*end || errno || x == 0)
			return -1;
		if (!strcmp(a, "--changes"))
			o->changes = x;
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

int main(int argc, char **argv)
{
	opts_t o;
	int rc = parse_args(&o, argc, argv);
	if (rc) {
		fprintf(rc > 0 ? stdout : stderr,
		        "usage: %s [--sizes 1000,10000,100000] [--changes 50] [--service-size 10] "
		        "[--per-engine 50] [--seed 1]\n",
		        argv[0]);
		return rc > 0 ? 0 : 2;
	}
	if (o.changes < 2)
		o.changes = 2;
	/* Each size in a child: peak RSS and the allocator start fresh. The children's ROW
	 * lines come back through a pipe for the summary. */
	char rows[16][512];
	size_t nrows = 0;
	int failed = 0;
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
			_exit(run_size(&o, o.sizes[i]));
		}
		close(fds[1]);
		FILE *f = fdopen(fds[0], "r");
		char line[512];
		while (f && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "ROW ", 4) && nrows < 16)
				snprintf(rows[nrows++], sizeof(rows[0]), "%s", line + 4);
			else
				fputs(line, stderr);
		}
		if (f)
			fclose(f);
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
		printf("\n");
	}
	printf("| replicas | update (us) | render (us) | compile (us) | total wall median / p99 "
	       "(us) | total CPU median / p99 (us) | RSS per served replica (B) |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < nrows; i++) {
		double v[5 + 4 * NPHASES];
		char *p = rows[i];
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			v[k] = strtod(p, &p);
		/* v: n, drss_kb, rss/replica, heap reg, heap snap, then per phase 4 values */
		const double *ph = v + 5;
		char u[32], r[32], cpl[32], tw[32], tw99[32], tc[32], tc99[32];
		fmt_us(u, sizeof(u), ph[P_UPDATE * 4]);
		fmt_us(r, sizeof(r), ph[P_RENDER * 4]);
		fmt_us(cpl, sizeof(cpl), ph[P_COMPILE * 4]);
		fmt_us(tw, sizeof(tw), ph[P_TOTAL * 4]);
		fmt_us(tw99, sizeof(tw99), ph[P_TOTAL * 4 + 1]);
		fmt_us(tc, sizeof(tc), ph[P_TOTAL * 4 + 2]);
		fmt_us(tc99, sizeof(tc99), ph[P_TOTAL * 4 + 3]);
		printf("| %.0f | %s | %s | %s | %s / %s | %s / %s | %.0f |\n", v[0], u, r, cpl, tw,
		       tw99, tc, tc99, v[2]);
	}
	printf("(medians per step; total = update + render + compile + zone free, the control "
	       "thread's cost of one publication)\n");
	return failed;
}
