/* server is the guest side of testing/net: a TCP echo server on port 8080
 * (each connection is echoed byte for byte until the client shuts down its
 * side, then the server shuts down its own and prints what it moved and
 * eth0's counters) and a UDP echo server on port 8081 that answers each
 * datagram with "udp:" and the datagram, after printing it. Lines it prints start "NETTEST".
 * "server ping ADDR" instead sends one ICMP echo request through an ICMP
 * datagram ("ping") socket and prints the reply, or why there is none. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	printf("NETTEST FAIL %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static long long counter(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/eth0/statistics/%s", name);
	FILE *f = fopen(path, "r");
	long long v = -1;
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int listener(int type, int port)
{
	int s = socket(AF_INET, type, 0);
	if (s < 0)
		die("socket");
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(s, 8) < 0)
		die("listen");
	return s;
}

static void udp_loop(int s)
{
	static char buf[2048];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(s, buf + 4, sizeof buf - 4, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			die("recvfrom");
		printf("NETTEST udp from %s:%d: %.*s\n", inet_ntoa(from.sin_addr), ntohs(from.sin_port), (int)n, buf + 4);
		memcpy(buf, "udp:", 4);
		if (sendto(s, buf, n + 4, 0, (struct sockaddr *)&from, fl) < 0)
			die("sendto");
	}
}

/* ping sends one echo request to addr through a ping socket (the kernel
 * picks the identifier and fills in the checksum) and waits up to 5 s for
 * the reply; it returns 0 if the reply came. */
static int ping(const char *addr)
{
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (s < 0) {
		printf("NETTEST pingsock socket: %s\n", strerror(errno));
		return 1;
	}
	struct sockaddr_in to = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		printf("NETTEST pingsock bad address %s\n", addr);
		return 1;
	}
	char msg[sizeof(struct icmphdr) + 16] = {0};
	struct icmphdr *req = (struct icmphdr *)msg;
	req->type = ICMP_ECHO;
	req->un.echo.sequence = htons(14);
	memcpy(msg + sizeof *req, "aramid ping data", 16);
	if (sendto(s, msg, sizeof msg, 0, (struct sockaddr *)&to, sizeof to) < 0) {
		printf("NETTEST pingsock sendto: %s\n", strerror(errno));
		return 1;
	}
	struct pollfd p = {.fd = s, .events = POLLIN};
	if (poll(&p, 1, 5000) != 1) {
		printf("NETTEST pingsock no reply\n");
		return 1;
	}
	char buf[256];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	if (n < 0) {
		printf("NETTEST pingsock recvfrom: %s\n", strerror(errno));
		return 1;
	}
	struct icmphdr *rep = (struct icmphdr *)buf;
	int same = n == (ssize_t)sizeof msg && memcmp(buf + sizeof *rep, msg + sizeof *req, 16) == 0;
	printf("NETTEST pingsock reply from %s type %d seq %d bytes %zd same_data %d\n", inet_ntoa(from.sin_addr), rep->type,
	       ntohs(rep->un.echo.sequence), n, same);
	return !(rep->type == ICMP_ECHOREPLY && same);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "ping") == 0)
		return ping(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	int t = listener(SOCK_STREAM, 8080);
	int u = listener(SOCK_DGRAM, 8081);
	if (fork() == 0) {
		close(t);
		udp_loop(u);
	}
	close(u);
	printf("NETTEST listening\n");
	static char buf[65536];
	for (int conn = 0;; conn++) {
		int c = accept(t, NULL, NULL);
		if (c < 0)
			die("accept");
		long long moved = 0;
		for (;;) {
			ssize_t n = read(c, buf, sizeof buf);
			if (n < 0)
				die("read");
			if (n == 0)
				break;
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(c, buf + off, n - off);
				if (w < 0)
					die("write");
				off += w;
			}
			moved += n;
		}
		shutdown(c, SHUT_WR);
		close(c);
		printf("NETTEST conn %d echoed %lld rx_bytes %lld tx_bytes %lld rx_packets %lld tx_packets %lld\n", conn, moved,
		       counter("rx_bytes"), counter("tx_bytes"), counter("rx_packets"), counter("tx_packets"));
	}
}
