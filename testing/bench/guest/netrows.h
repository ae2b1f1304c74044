/*
 * netrows.h: the networking rows of bench.c, over the loopback interface
 * (brought up first: it starts down on both kernels).
 *
 *   tcp_loopback_64mib        ns to move 64 MiB one way over a TCP
 *                             connection on 127.0.0.1 (1 MiB writes; a
 *                             forked receiver reads until EOF and answers
 *                             one byte, which ends the clock), after an
 *                             8 MiB warm-up transfer
 *   tcp_connect_accept_close  ns per connect, accept and close of both ends
 *                             on 127.0.0.1 (one process)
 *   udp_pingpong_1b           ns per 1-byte UDP round trip between two
 *                             processes on 127.0.0.1
 *
 * They run in the order tcp_loopback_64mib, udp_pingpong_1b,
 * tcp_connect_accept_close. It uses bench.c's die, measure, report,
 * now_ns and iobuf.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>

static void lo_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket for lo");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		die("SIOCSIFFLAGS lo");
	close(s);
}

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* listener returns a socket of type bound to 127.0.0.1 on a free port
 * (listening, for TCP) and its address. */
static int listener(int type, struct sockaddr_in *a)
{
	int s = socket(AF_INET, type, 0);
	if (s < 0)
		die("socket");
	*a = loopback();
	if (bind(s, (struct sockaddr *)a, sizeof *a) != 0)
		die("bind 127.0.0.1");
	socklen_t al = sizeof *a;
	if (getsockname(s, (struct sockaddr *)a, &al) != 0)
		die("getsockname");
	if (type == SOCK_STREAM && listen(s, 128) != 0)
		die("listen");
	return s;
}

/* tcp_one_way moves bytes over a fresh connection to a forked receiver
 * and returns the ns from the first write to the receiver's answer. */
static long long tcp_one_way(long long bytes)
{
	struct sockaddr_in a;
	int l = listener(SOCK_STREAM, &a);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		long long got = 0;
		for (;;) {
			ssize_t r = read(c, iobuf, sizeof iobuf);
			if (r < 0)
				die("read tcp");
			if (r == 0)
				break;
			got += r;
		}
		char ok = got == bytes ? 'y' : 'n';
		if (write(c, &ok, 1) != 1)
			die("write answer");
		_exit(0);
	}
	close(l);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		die("connect");
	memset(iobuf, 't', sizeof iobuf);
	long long t0 = now_ns();
	for (long long left = bytes; left > 0;) {
		size_t n = left < (long long)sizeof iobuf ? (size_t)left : sizeof iobuf;
		ssize_t w = write(s, iobuf, n);
		if (w <= 0)
			die("write tcp");
		left -= w;
	}
	if (shutdown(s, SHUT_WR) != 0)
		die("shutdown");
	char ok;
	if (read(s, &ok, 1) != 1 || ok != 'y')
		die("receiver's answer");
	long long dt = now_ns() - t0;
	close(s);
	int st;
	waitpid(pid, &st, 0);
	return dt;
}

static int cac_listener;
static struct sockaddr_in cac_addr;

static void b_connect_accept_close(long n)
{
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&cac_addr, sizeof cac_addr) != 0)
			die("connect");
		int c = accept(cac_listener, NULL, NULL);
		if (c < 0)
			die("accept");
		close(s);
		close(c);
	}
}

static int udp_sock;

static void b_udp(long n)
{
	char b = 'p';
	for (long i = 0; i < n; i++) {
		if (send(udp_sock, &b, 1, 0) != 1)
			die("send udp");
		if (recv(udp_sock, &b, 1, 0) != 1)
			die("recv udp");
	}
}

/* net_udp runs the udp_pingpong_1b row with a forked echoer. */
static void net_udp(void)
{
	struct sockaddr_in a, b;
	int x = listener(SOCK_DGRAM, &a), y = listener(SOCK_DGRAM, &b);
	if (connect(x, (struct sockaddr *)&b, sizeof b) != 0 || connect(y, (struct sockaddr *)&a, sizeof a) != 0)
		die("connect udp");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(x);
		for (;;) {
			char c;
			if (recv(y, &c, 1, 0) != 1)
				die("recv udp echo");
			if (c == 'q')
				_exit(0);
			if (send(y, &c, 1, 0) != 1)
				die("send udp echo");
		}
	}
	close(y);
	udp_sock = x;
	/* Warm-up: the echoer's first run after fork (its page faults and
	 * first scheduling) is not a round trip's cost, and measure takes a
	 * single slow first call as the row's value. */
	b_udp(20);
	printf("BENCH udp_pingpong_1b %.1f\n", measure(b_udp, 100 * 1000 * 1000LL));
	char q = 'q';
	send(x, &q, 1, 0);
	int st;
	waitpid(pid, &st, 0);
	close(x);
}

/* net_row reports whether row name runs: all of them, or only the one
 * bench_only=NAME names (how testing/cmd/pcprof profiles one row). */
static int net_row(const char *only, const char *name)
{
	return !only || strcmp(only, name) == 0;
}

static void net_rows(const char *only)
{
	lo_up();
	if (net_row(only, "tcp_loopback_64mib")) {
		tcp_one_way(8 << 20);
		report("tcp_loopback_64mib", (double)tcp_one_way(64LL << 20));
	}
	if (net_row(only, "udp_pingpong_1b"))
		net_udp();
	if (!net_row(only, "tcp_connect_accept_close"))
		return;

	/* Last: the connections it closes stay in TIME_WAIT (60 s) on both
	 * kernels, which the rows above should not run beside. */
	cac_listener = listener(SOCK_STREAM, &cac_addr);
	b_connect_accept_close(20);
	printf("BENCH tcp_connect_accept_close %.1f\n", measure(b_connect_accept_close, 100 * 1000 * 1000LL));
	close(cac_listener);
}
