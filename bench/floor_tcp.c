/* SPDX-License-Identifier: MIT */
/* floor_tcp.c -- the TCP floor of bench/run.sh: a "server" that does no DNS work. It accepts
 * connections on 127.0.0.1, sends every length-prefixed message back with the QR bit set
 * (all the messages of one read in one write, pipelined or not), and closes a connection
 * when the client does. One epoll loop per thread, each its own SO_REUSEPORT socket, so that
 * fleetdns/floor over TCP shows what is left to the DNS work and to the server's own
 * connection handling once the kernel's part (accept, read, write, close) is paid.
 * usage: floor_tcp PORT [THREADS]
 * Built by bench/run.sh with `gcc -O2 -pthread` (as floor.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_CAP (65536 + 2)

typedef struct conn {
	int fd;
	size_t in_len; /* bytes in in[] not yet answered */
	size_t out_len, out_off;
	uint8_t *out; /* answers not yet written (only when a write was short) */
	size_t out_cap;
	uint8_t in[IN_CAP];
} conn_t;

static unsigned short port;

static void conn_free(int ep, conn_t *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c);
}

/* Write what is pending; 1 when all is written, 0 when the socket is full, -1 on error. */
static int flush(conn_t *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return 1;
}

static int append(conn_t *c, const uint8_t *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = (c->out_len + n) * 2;
		uint8_t *g = realloc(c->out, cap);
		if (!g)
			return -1;
		c->out = g;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

/* Readable: answer every whole message read; -1 when the connection is done. */
static int on_read(int ep, conn_t *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
		if (n == 0)
			return -1; /* the client closed */
		if (n < 0)
			break;
		c->in_len += (size_t)n;
		size_t pos = 0;
		while (c->in_len - pos >= 2) {
			size_t m = (size_t)c->in[pos] << 8 | c->in[pos + 1];
			if (c->in_len - pos < 2 + m)
				break;
			if (m >= 3)
				c->in[pos + 4] |= 0x80; /* QR: a response */
			if (append(c, c->in + pos, 2 + m) < 0)
				return -1;
			pos += 2 + m;
		}
		memmove(c->in, c->in + pos, c->in_len - pos);
		c->in_len -= pos;
		if ((size_t)n < IN_CAP - c->in_len)
			break; /* read all there was */
	}
	if (errno != EAGAIN && errno != 0)
		return -1;
	int f = flush(c);
	if (f < 0)
		return -1;
	struct epoll_event ev = {.events = f ? EPOLLIN : EPOLLOUT, .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

static void *serve(void *unused)
{
	(void)unused;
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in self = {.sin_family = AF_INET,
	                           .sin_port = htons(port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&self, sizeof(self)) < 0 || listen(lfd, 1024) < 0) {
		perror("floor_tcp");
		exit(1);
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			conn_t *c = evs[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					conn_t *nc = malloc(sizeof(*nc));
					if (!nc) {
						close(fd);
						continue;
					}
					int on = 1; /* answers go out at once, as servers do */
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
					nc->fd = fd;
					nc->in_len = nc->out_len = nc->out_off = nc->out_cap = 0;
					nc->out = NULL;
					struct epoll_event cev = {.events = EPOLLIN,
					                          .data.ptr = nc};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
				}
				continue;
			}
			errno = 0;
			if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
				conn_free(ep, c);
			} else if (evs[i].events & EPOLLOUT) {
				int f = flush(c);
				if (f < 0) {
					conn_free(ep, c);
				} else if (f > 0) {
					struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &cev);
				}
			} else if (on_read(ep, c) < 0) {
				conn_free(ep, c);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	port = (unsigned short)(argc > 1 ? atoi(argv[1]) : 5399);
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		pthread_create(&t, NULL, serve, NULL);
	}
	serve(NULL);
	return 0;
}
