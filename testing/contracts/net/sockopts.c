/* Common options of TCP and UDP sockets: SO_TYPE/DOMAIN/PROTOCOL,
 * SO_REUSEADDR/REUSEPORT/KEEPALIVE, doubled SO_RCVBUF/SO_SNDBUF,
 * SO_LINGER, SO_RCVTIMEO (and its effect), TCP_NODELAY, IPV6_V6ONLY,
 * IP_TTL, SO_ACCEPTCONN, and the errors for unknown options. */
#include "net.h"
#include <sys/time.h>

static int geti(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof v;
	SYS(getsockopt(fd, level, name, &v, &l));
	CHECK(l == sizeof v);
	return v;
}

int main(void)
{
	lo_set(1);
	int t = SYS(socket(AF_INET, SOCK_STREAM, 0));
	int u = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	EQ("tcp_type", geti(t, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	EQ("tcp_domain", geti(t, SOL_SOCKET, SO_DOMAIN), AF_INET);
	EQ("tcp_protocol", geti(t, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	EQ("udp_type", geti(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	EQ("udp_domain", geti(u, SOL_SOCKET, SO_DOMAIN), AF_INET6);
	EQ("udp_protocol", geti(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
	EQ("reuseaddr_default", geti(t, SOL_SOCKET, SO_REUSEADDR), 0);
	SYS(setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &(int){5}, sizeof(int)));
	EQ("reuseaddr_set", geti(t, SOL_SOCKET, SO_REUSEADDR), 1);
	SYS(setsockopt(t, SOL_SOCKET, SO_REUSEPORT, &(int){1}, sizeof(int)));
	EQ("reuseport_set", geti(t, SOL_SOCKET, SO_REUSEPORT), 1);
	SYS(setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &(int){1}, sizeof(int)));
	EQ("keepalive_set", geti(t, SOL_SOCKET, SO_KEEPALIVE), 1);
	EQ("nodelay_default", geti(t, IPPROTO_TCP, TCP_NODELAY), 0);
	SYS(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int)));
	EQ("nodelay_set", geti(t, IPPROTO_TCP, TCP_NODELAY), 1);
	SYS(setsockopt(t, IPPROTO_TCP, TCP_KEEPIDLE, &(int){30}, sizeof(int)));
	EQ("keepidle", geti(t, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	ERR("keepidle_zero", setsockopt(t, IPPROTO_TCP, TCP_KEEPIDLE, &(int){0}, sizeof(int)), EINVAL);
	SYS(setsockopt(u, SOL_SOCKET, SO_RCVBUF, &(int){8192}, sizeof(int)));
	EQ("rcvbuf_doubled", geti(u, SOL_SOCKET, SO_RCVBUF), 16384);
	SYS(setsockopt(u, SOL_SOCKET, SO_SNDBUF, &(int){1}, sizeof(int)));
	EQ("sndbuf_minimum", geti(u, SOL_SOCKET, SO_SNDBUF), 4608);
	SYS(setsockopt(u, SOL_SOCKET, SO_RCVBUF, &(int){1 << 30}, sizeof(int)));
	EQ("rcvbuf_capped", geti(u, SOL_SOCKET, SO_RCVBUF), 425984);
	ERR("short_optlen", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &(int){1}, 2), EINVAL);

	struct linger lg = {1, 3};
	SYS(setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	struct linger got;
	socklen_t gl = sizeof got;
	SYS(getsockopt(t, SOL_SOCKET, SO_LINGER, &got, &gl));
	OUT("linger", "on=%d secs=%d len=%d", got.l_onoff != 0, got.l_linger, (int)gl);

	struct timeval tv = {0, 200000}, tg;
	SYS(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	gl = sizeof tg;
	SYS(getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tg, &gl));
	OUT("rcvtimeo", "%ld.%06ld", (long)tg.tv_sec, (long)tg.tv_usec);
	struct sockaddr_in6 b = sin6("::1", 0);
	SYS(bind(u, (void *)&b, sizeof b));
	char buf[8];
	ERR("recv_times_out", recv(u, buf, sizeof buf, 0), EAGAIN);
	struct timeval bad = {0, 1000000};
	ERR("rcvtimeo_bad_usec", setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad), EDOM);

	int v6 = SYS(socket(AF_INET6, SOCK_STREAM, 0));
	EQ("v6only_default", geti(v6, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	SYS(setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)));
	EQ("v6only_set", geti(v6, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	ERR("v6only_on_inet", setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)), ENOPROTOOPT);
	EQ("ttl_default", geti(t, IPPROTO_IP, IP_TTL), 64);
	SYS(setsockopt(t, IPPROTO_IP, IP_TTL, &(int){7}, sizeof(int)));
	EQ("ttl_set", geti(t, IPPROTO_IP, IP_TTL), 7);
	ERR("ttl_bad", setsockopt(t, IPPROTO_IP, IP_TTL, &(int){256}, sizeof(int)), EINVAL);
	EQ("acceptconn_before", geti(t, SOL_SOCKET, SO_ACCEPTCONN), 0);
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	SYS(bind(t, (void *)&a, sizeof a));
	SYS(listen(t, 1));
	EQ("acceptconn_listening", geti(t, SOL_SOCKET, SO_ACCEPTCONN), 1);
	int v = 0;
	socklen_t vl = sizeof v;
	ERR("unknown_sol_socket", getsockopt(t, SOL_SOCKET, 9999, &v, &vl), ENOPROTOOPT);
	ERR("unknown_tcp", getsockopt(t, IPPROTO_TCP, 9999, &v, &vl), ENOPROTOOPT);
	char c1;
	vl = 1;
	SYS(getsockopt(t, SOL_SOCKET, SO_TYPE, &c1, &vl));
	EQ("truncated_len", vl, 1);
	pass();
}
