/* SPDX-License-Identifier: MIT */
/* tcp1.c -- DNS over TCP with one query per connection, as a resolver falls back to TCP
 * after a truncated UDP answer: connect, send one query, read its whole answer, close (the
 * client closes first, so TIME_WAIT stays on this side), then the next connection. C
 * connections are in flight at any time, spread over T threads (each its own epoll loop).
 *
 * dnsperf cannot do this at a useful rate: `-O num-queries-per-conn=1` (dnsperf 2.10) waits
 * about 100 ms between a connection's answer and the next connect, and loses queries with
 * more clients. The options and the summary lines follow dnsperf's, so that bench/run.sh
 * reads both alike.
 *
 * usage: tcp1 [-s 127.0.0.1] [-p 53] [-d QUERYFILE] [-l SECONDS] [-c CONNECTIONS]
 *             [-T THREADS] [-t TIMEOUT]
 * QUERYFILE: one "NAME TYPE" per line (dnsperf's format; the types below), used in turn.
 * Built by bench/run.sh with `gcc -O2 -pthread` (as floor.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { IDLE, CONNECTING, READING };

typedef struct query {
	uint8_t wire[2 + 512]; /* length prefix, then the message */
	uint16_t len;          /* of the whole, prefix included */
} query_t;

typedef struct slot {
	int fd, state;
	double start; /* when connect() was called */
	uint16_t id;
	uint8_t hdr[4];   /* the answer's id and flags */
	size_t got, want; /* bytes of the answer read, and expected (prefix included) */
	uint8_t lenbuf[2];
} slot_t;

typedef struct thread {
	pthread_t tid;
	int ep, nslots;
	slot_t *slots;
	size_t next_query; /* index into queries, advanced by nthreads */
	/* results */
	uint64_t sent, completed, lost, conn_errors, bad, rcodes[16];
	double *lat;
	size_t nlat, caplat;
	double last_done;
} thread_t;

static query_t *queries;
static size_t nqueries;
static struct sockaddr_in server;
static double deadline, timeout_s = 2.0;
static int nthreads = 1;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int qtype_of(const char *t)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {{"A", 1},    {"NS", 2},     {"CNAME", 5}, {"SOA", 6},
	             {"PTR", 12}, {"MX", 15},    {"TXT", 16},  {"AAAA", 28},
	             {"SRV", 33}, {"DNAME", 39}, {"ANY", 255}, {"CAA", 257}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(t, types[i].name))
			return types[i].type;
	if (!strncasecmp(t, "TYPE", 4))
		return atoi(t + 4);
	return -1;
}

/* "name TYPE" into a query (id 0; set per connection), no EDNS, RD clear (as dnsperf). */
static int encode(query_t *q, const char *name, const char *type)
{
	int qt = qtype_of(type);
	uint8_t *m = q->wire + 2;
	size_t pos = 12;
	if (qt < 0)
		return -1;
	memset(m, 0, 12);
	m[5] = 1; /* QDCOUNT */
	const char *p = name;
	while (*p && !(p[0] == '.' && p[1] == '\0')) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || pos + l + 1 > 12 + 255)
			return -1;
		m[pos++] = (uint8_t)l;
		memcpy(m + pos, p, l);
		pos += l;
		p += l + (dot ? 1 : 0);
	}
	m[pos++] = 0;
	m[pos++] = (uint8_t)(qt >> 8);
	m[pos++] = (uint8_t)qt;
	m[pos++] = 0;
	m[pos++] = 1; /* IN */
	q->wire[0] = (uint8_t)(pos >> 8);
	q->wire[1] = (uint8_t)pos;
	q->len = (uint16_t)(pos + 2);
	return 0;
}

static int load_queries(const char *path)
{
	FILE *f = path ? fopen(path, "r") : stdin;
	char line[1024];
	size_t cap = 0;
	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[512], type[32] = "A";
		if (line[0] == ';' || line[0] == '#' || sscanf(line, "%511s %31s", name, type) < 1)
			continue;
		if (nqueries == cap) {
			cap = cap ? cap * 2 : 1024;
			query_t *g = realloc(queries, cap * sizeof(*g));
			if (!g)
				return -1;
			queries = g;
		}
		if (encode(&queries[nqueries], name, type) == 0)
			nqueries++;
		else
			fprintf(stderr, "tcp1: skipped query '%s %s'\n", name, type);
	}
	if (f != stdin)
		fclose(f);
	return nqueries ? 0 : -1;
}

static void slot_close(thread_t *t, slot_t *s)
{
	if (s->fd >= 0) {
		epoll_ctl(t->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	s->fd = -1;
	s->state = IDLE;
}

static void record_latency(thread_t *t, double v)
{
	if (t->nlat == t->caplat) {
		size_t cap = t->caplat ? t->caplat * 2 : 65536;
		double *g = realloc(t->lat, cap * sizeof(*g));
		if (!g)
			return;
		t->lat = g;
		t->caplat = cap;
	}
	t->lat[t->nlat++] = v;
}

/* Open the next connection in slot s (nothing after the deadline). */
static void slot_start(thread_t *t, slot_t *s)
{
	if (now() >= deadline)
		return;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		t->conn_errors++;
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->fd = fd;
	s->start = now();
	s->got = s->want = 0;
	if (connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0 && errno != EINPROGRESS) {
		t->conn_errors++;
		close(fd);
		s->fd = -1;
		return;
	}
	s->state = CONNECTING;
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = s};
	epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Writable after connect(): check it, send the query (one write). */
static void slot_send(thread_t *t, slot_t *s)
{
	int err = 0;
	socklen_t el = sizeof(err);
	getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		t->conn_errors++;
		slot_close(t, s);
		return;
	}
	query_t *q = &queries[t->next_query % nqueries];
	t->next_query += (size_t)nthreads;
	uint8_t buf[sizeof(q->wire)];
	memcpy(buf, q->wire, q->len);
	s->id = (uint16_t)(random() & 0xFFFF);
	buf[2] = (uint8_t)(s->id >> 8);
	buf[3] = (uint8_t)s->id;
	ssize_t n = send(s->fd, buf, q->len, MSG_NOSIGNAL);
	if (n != (ssize_t)q->len) { /* a fresh socket takes 514 bytes at once */
		t->conn_errors++;
		slot_close(t, s);
		return;
	}
	t->sent++;
	s->state = READING;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
	epoll_ctl(t->ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/* Readable: take what is there; once the whole answer is in, close. */
static void slot_read(thread_t *t, slot_t *s)
{
	uint8_t buf[65536];
	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* closed or reset before the whole answer */
			t->lost++;
			slot_close(t, s);
			return;
		}
		for (ssize_t i = 0; i < n; i++, s->got++) {
			if (s->got < 2)
				s->lenbuf[s->got] = buf[i];
			else if (s->got < 6)
				s->hdr[s->got - 2] = buf[i];
			if (s->got == 1)
				s->want = 2 + ((size_t)s->lenbuf[0] << 8 | s->lenbuf[1]);
		}
		if (s->want && s->got >= s->want)
			break;
	}
	double done = now();
	if (s->want < 2 + 12 || s->got > s->want ||
	    ((uint16_t)(s->hdr[0] << 8 | s->hdr[1])) != s->id || !(s->hdr[2] & 0x80)) {
		t->bad++;
	} else {
		t->rcodes[s->hdr[3] & 0x0F]++;
	}
	t->completed++;
	t->last_done = done;
	record_latency(t, done - s->start);
	slot_close(t, s);
}

static void *run(void *arg)
{
	thread_t *t = arg;
	struct epoll_event evs[256];
	for (int i = 0; i < t->nslots; i++)
		slot_start(t, &t->slots[i]);
	for (;;) {
		double tnow = now();
		int busy = 0;
		for (int i = 0; i < t->nslots; i++) {
			slot_t *s = &t->slots[i];
			if (s->state == IDLE) {
				slot_start(t, s);
			} else if (tnow - s->start > timeout_s) {
				if (s->state == READING)
					t->lost++;
				else
					t->conn_errors++;
				slot_close(t, s);
				slot_start(t, s);
			}
			busy += s->state != IDLE;
		}
		if (!busy && tnow >= deadline)
			break;
		int n = epoll_wait(t->ep, evs, 256, 100);
		for (int i = 0; i < n; i++) {
			slot_t *s = evs[i].data.ptr;
			if (s->state == CONNECTING)
				slot_send(t, s);
			else if (s->state == READING)
				slot_read(t, s);
			if (s->state == IDLE)
				slot_start(t, s);
		}
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *file = NULL;
	int port = 53, conns = 16;
	double seconds = 10;
	int opt;
	while ((opt = getopt(argc, argv, "s:p:d:l:c:T:t:h")) != -1) {
		switch (opt) {
		case 's':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'd':
			file = optarg;
			break;
		case 'l':
			seconds = atof(optarg);
			break;
		case 'c':
			conns = atoi(optarg);
			break;
		case 'T':
			nthreads = atoi(optarg);
			break;
		case 't':
			timeout_s = atof(optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: tcp1 [-s 127.0.0.1] [-p 53] [-d QUERYFILE] [-l SECONDS] "
			        "[-c CONNECTIONS] [-T THREADS] [-t TIMEOUT]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (conns < 1 || nthreads < 1 || nthreads > conns || seconds <= 0 || port <= 0) {
		fprintf(stderr, "tcp1: bad arguments\n");
		return 2;
	}
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &server.sin_addr) != 1) {
		fprintf(stderr, "tcp1: %s: not an IPv4 address\n", host);
		return 2;
	}
	if (load_queries(file) < 0) {
		fprintf(stderr, "tcp1: no queries\n");
		return 1;
	}
	srandom((unsigned)getpid());
	thread_t *th = calloc((size_t)nthreads, sizeof(*th));
	double start = now();
	deadline = start + seconds;
	for (int i = 0; i < nthreads; i++) {
		thread_t *t = &th[i];
		t->ep = epoll_create1(EPOLL_CLOEXEC);
		t->nslots = conns / nthreads + (i < conns % nthreads);
		t->slots = calloc((size_t)t->nslots, sizeof(*t->slots));
		for (int k = 0; k < t->nslots; k++)
			t->slots[k].fd = -1;
		t->next_query = (size_t)i;
		pthread_create(&t->tid, NULL, run, t);
	}
	thread_t sum = {0};
	double last = start;
	for (int i = 0; i < nthreads; i++) {
		thread_t *t = &th[i];
		pthread_join(t->tid, NULL);
		sum.sent += t->sent;
		sum.completed += t->completed;
		sum.lost += t->lost;
		sum.conn_errors += t->conn_errors;
		sum.bad += t->bad;
		for (int k = 0; k < 16; k++)
			sum.rcodes[k] += t->rcodes[k];
		for (size_t k = 0; k < t->nlat; k++)
			record_latency(&sum, t->lat[k]);
		if (t->last_done > last)
			last = t->last_done;
	}
	double elapsed = (last > deadline ? last : deadline) - start;
	static const char *const rc_names[16] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                                         "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                                         "NXRRSET", "NOTAUTH", "NOTZONE"};
	double pc = sum.sent ? 100.0 / (double)sum.sent : 0;
	printf("[Status] tcp1: one query per TCP connection, %d connections in flight, %d "
	       "thread(s), %s:%d\n",
	       conns, nthreads, host, port);
	printf("  Queries sent:         %llu\n", (unsigned long long)sum.sent);
	printf("  Queries completed:    %llu (%.2f%%)\n", (unsigned long long)sum.completed,
	       (double)sum.completed * pc);
	printf("  Queries lost:         %llu (%.2f%%)\n", (unsigned long long)sum.lost,
	       (double)sum.lost * pc);
	printf("  Connection errors:    %llu\n", (unsigned long long)sum.conn_errors);
	printf("  Bad answers:          %llu\n", (unsigned long long)sum.bad);
	printf("  Response codes:       ");
	int first = 1;
	for (int k = 0; k < 16; k++)
		if (sum.rcodes[k]) {
			printf("%s%s %llu (%.2f%%)", first ? "" : ", ",
			       rc_names[k] ? rc_names[k] : "RCODE?",
			       (unsigned long long)sum.rcodes[k],
			       sum.completed ? 100.0 * (double)sum.rcodes[k] / (double)sum.completed
			                     : 0.0);
			first = 0;
		}
	printf("\n");
	printf("  Run time (s):         %.6f\n", elapsed);
	printf("  Queries per second:   %.6f\n", (double)sum.completed / elapsed);
	printf("  Connections per second: %.6f\n", (double)sum.completed / elapsed);
	if (sum.nlat) {
		qsort(sum.lat, sum.nlat, sizeof(double), cmp_double);
		double tot = 0;
		for (size_t k = 0; k < sum.nlat; k++)
			tot += sum.lat[k];
		printf("  Average Latency (s):  %.6f (min %.6f, max %.6f)\n",
		       tot / (double)sum.nlat, sum.lat[0], sum.lat[sum.nlat - 1]);
		printf("  Latency p50/p99 (s):  %.6f / %.6f\n", sum.lat[sum.nlat / 2],
		       sum.lat[(size_t)((double)sum.nlat * 0.99)]);
	}
	return 0;
}
