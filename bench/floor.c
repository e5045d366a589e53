/* SPDX-License-Identifier: MIT */
/* floor.c -- the floor of bench/run.sh: a UDP "server" that does no DNS work at all. It sends
 * every datagram back with the QR bit set, in batches of recvmmsg/sendmmsg as fleetdns's
 * workers do, so that fleetdns/floor shows what the DNS work itself costs on this machine.
 * usage: floor PORT [THREADS] (each thread its own SO_REUSEPORT socket on 127.0.0.1) */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define BATCH 64
#define SIZE  512

static unsigned short port;

static void *echo(void *unused)
{
	static __thread unsigned char data[BATCH][SIZE];
	static __thread struct mmsghdr msgs[BATCH];
	static __thread struct iovec iov[BATCH];
	static __thread struct sockaddr_in from[BATCH];
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in self = {.sin_family = AF_INET, .sin_port = htons(port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	(void)unused;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		perror("floor");
		exit(1);
	}
	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = data[i];
			iov[i].iov_len = SIZE;
			msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
			                                  .msg_namelen = sizeof(from[i]),
			                                  .msg_iov = &iov[i],
			                                  .msg_iovlen = 1};
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		for (int i = 0; i < n; i++) {
			data[i][2] |= 0x80; /* QR: a response */
			iov[i].iov_len = msgs[i].msg_len;
		}
		if (n > 0)
			sendmmsg(fd, msgs, (unsigned)n, 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	port = (unsigned short)(argc > 1 ? atoi(argv[1]) : 5399);
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		pthread_create(&t, NULL, echo, NULL);
	}
	echo(NULL);
	return 0;
}
