/*
 * rawpump: the ceiling of a framed echo on this machine. It moves the bytes
 * of a flood over loopback TCP and does nothing else: no framing, no
 * validation, no clocks per message, so it bounds every framed
 * implementation (gigadex, the Rust pair) from above.
 *
 *   rawpump echo HOST:PORT
 *       one thread per accepted connection: read(2) up to 64 KiB, write(2)
 *       it all back. Prints "listening on HOST:PORT" (port 0 picks one).
 *   rawpump flood HOST:PORT CONNS WINDOW SECONDS [WARMUP_SECONDS]
 *       one thread per connection, each keeping WINDOW x 52 bytes in
 *       flight (the bytes of a window of 52-byte frames) with non-blocking
 *       read(2)/write(2) and poll(2). Prints
 *       "msgs_per_sec=N bytes=B seconds=S conns=C window=W": the bytes
 *       echoed during SECONDS after the warmup, divided by 52.
 *
 * Build: cc -O2 -pthread -o rawpump scripts/rawpump.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define FRAME 52
#define BUF (64 * 1024)

static void die(const char *what) {
	perror(what);
	exit(1);
}

static struct sockaddr_in parse_addr(const char *s) {
	struct sockaddr_in a = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || colon - s >= (long)sizeof host) {
		fprintf(stderr, "rawpump: address %s: want HOST:PORT\n", s);
		exit(2);
	}
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "rawpump: address %s: want an IPv4 HOST\n", s);
		exit(2);
	}
	a.sin_port = htons(atoi(colon + 1));
	return a;
}

static void *echo_conn(void *arg) {
	int fd = (int)(long)arg;
	char *buf = malloc(BUF);
	for (;;) {
		ssize_t n = read(fd, buf, BUF);
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w <= 0)
				goto done;
			off += w;
		}
	}
done:
	close(fd);
	free(buf);
	return NULL;
}

static int echo_main(const char *addr) {
	struct sockaddr_in a = parse_addr(addr);
	int ln = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&a, sizeof a) < 0 || listen(ln, 4096) < 0)
		die("rawpump: listen");
	socklen_t len = sizeof a;
	getsockname(ln, (struct sockaddr *)&a, &len);
	char host[32];
	inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
	printf("listening on %s:%d\n", host, ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(ln, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("rawpump: accept");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 64 * 1024);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, echo_conn, (void *)(long)fd) != 0)
			die("rawpump: thread");
	}
	return 0;
}

static struct sockaddr_in target;
static long window_bytes;
static atomic_int phase; /* 0 warmup, 1 measured, 2 stop */
static atomic_long measured;

static void *flood_conn(void *arg) {
	(void)arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0)
		die("rawpump: connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	char *out = calloc(1, BUF), *in = malloc(BUF);
	long inflight = 0, mine = 0;
	while (atomic_load_explicit(&phase, memory_order_relaxed) < 2) {
		struct pollfd p = {.fd = fd, .events = POLLIN | (inflight < window_bytes ? POLLOUT : 0)};
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			die("rawpump: poll");
		if (p.revents & (POLLERR | POLLHUP))
			break;
		if (p.revents & POLLOUT) {
			long want = window_bytes - inflight;
			ssize_t w = write(fd, out, want < BUF ? want : BUF);
			if (w > 0)
				inflight += w;
		}
		if (p.revents & POLLIN) {
			ssize_t n = read(fd, in, BUF);
			if (n == 0)
				break;
			if (n > 0) {
				inflight -= n;
				if (atomic_load_explicit(&phase, memory_order_relaxed) == 1)
					mine += n;
			}
		}
	}
	atomic_fetch_add(&measured, mine);
	close(fd);
	free(out);
	free(in);
	return NULL;
}

static void sleep_s(double s) {
	struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int flood_main(int argc, char **argv) {
	if (argc < 6) {
		fprintf(stderr, "usage: rawpump flood HOST:PORT CONNS WINDOW SECONDS [WARMUP_SECONDS]\n");
		return 2;
	}
	target = parse_addr(argv[2]);
	int conns = atoi(argv[3]);
	window_bytes = atol(argv[4]) * FRAME;
	double secs = atof(argv[5]), warm = argc > 6 ? atof(argv[6]) : 0.5;
	if (conns <= 0 || window_bytes <= 0 || secs <= 0) {
		fprintf(stderr, "rawpump: CONNS, WINDOW and SECONDS must be positive\n");
		return 2;
	}
	pthread_t *ts = calloc(conns, sizeof *ts);
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 * 1024);
	for (int i = 0; i < conns; i++)
		if (pthread_create(&ts[i], &at, flood_conn, NULL) != 0)
			die("rawpump: thread");
	sleep_s(warm);
	double t0 = now_s();
	atomic_store(&phase, 1);
	sleep_s(secs);
	atomic_store(&phase, 2);
	double el = now_s() - t0;
	for (int i = 0; i < conns; i++)
		pthread_join(ts[i], NULL);
	long b = atomic_load(&measured);
	printf("msgs_per_sec=%.0f bytes=%ld seconds=%.3f conns=%d window=%s\n", b / (double)FRAME / el, b, el, conns, argv[4]);
	return 0;
}

int main(int argc, char **argv) {
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && strcmp(argv[1], "echo") == 0)
		return echo_main(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "flood") == 0)
		return flood_main(argc, argv);
	fprintf(stderr, "usage: rawpump echo HOST:PORT | rawpump flood HOST:PORT CONNS WINDOW SECONDS [WARMUP_SECONDS]\n");
	return 2;
}
