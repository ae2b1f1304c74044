/* Errors of AF_INET/AF_INET6/AF_NETLINK socket(2), bind, listen, accept
 * and connect as Linux reports them. */
#include "net.h"

int main(void)
{
	lo_set(1);
	ERR("inet_seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	ERR("stream_udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	ERR("dgram_tcp", socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	ERR("bad_flags", socket(AF_INET, SOCK_STREAM | 0x100000, 0), EINVAL);
	ERR("inet_socketpair", socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0}), EOPNOTSUPP);
	ERR("netlink_stream", socket(AF_NETLINK, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
	ERR("netlink_bogus_proto", socket(AF_NETLINK, SOCK_RAW, 31), EPROTONOSUPPORT);

	int t = SYS(socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	ERR("bind_short", bind(t, (void *)&a, sizeof a - 1), EINVAL);
	struct sockaddr_in6 a6 = sin6("::1", 0);
	ERR("bind_wrong_family", bind(t, (void *)&a6, sizeof a6), EAFNOSUPPORT);
	struct sockaddr_in far = sin4("192.0.2.1", 0);
	ERR("bind_foreign_addr", bind(t, (void *)&far, sizeof far), EADDRNOTAVAIL);
	ERR("accept_unbound", accept(t, NULL, NULL), EINVAL);
	SYS(bind(t, (void *)&a, sizeof a));
	ERR("bind_twice", bind(t, (void *)&a, sizeof a), EINVAL);
	SYS(listen(t, 1));
	int port = port_of(t);
	int t2 = SYS(socket(AF_INET, SOCK_STREAM, 0));
	a = sin4("127.0.0.1", port);
	ERR("bind_in_use", bind(t2, (void *)&a, sizeof a), EADDRINUSE);
	ERR("connect_short", connect(t2, (void *)&a, 1), EINVAL);
	ERR("getpeername_unconnected", getpeername(t2, (void *)&a, &(socklen_t){sizeof a}), ENOTCONN);
	ERR("send_unconnected_tcp", send(t2, "x", 1, MSG_NOSIGNAL), EPIPE);
	char buf[4];
	ERR("recv_unconnected_tcp", recv(t2, buf, sizeof buf, 0), ENOTCONN);
	ERR("shutdown_unconnected", shutdown(t2, SHUT_RD), ENOTCONN);
	ERR("shutdown_bad_how", shutdown(t, 7), EINVAL);

	int u = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	ERR("listen_udp", listen(u, 1), EOPNOTSUPP);
	ERR("accept_udp", accept(u, NULL, NULL), EOPNOTSUPP);
	ERR("msg_oob_udp", send(u, "x", 1, MSG_OOB), EOPNOTSUPP);
	int up = SYS(socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in low = sin4("127.0.0.1", 80);
	if (fork() == 0) {
		CHECK(setuid(65534) == 0);
		ERR("bind_privileged_port", bind(up, (void *)&low, sizeof low), EACCES);
		_exit(0);
	}
	int st;
	wait(&st);
	EQ("child_ok", st, 0);
	pass();
}
