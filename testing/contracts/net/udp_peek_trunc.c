/* UDP over loopback: sendto/recvfrom with source addresses, MSG_PEEK,
 * MSG_TRUNC (flag and return value), datagram boundaries, connected UDP
 * and ECONNREFUSED from a closed port. */
#include "net.h"

int main(void)
{
	lo_set(1);
	int a = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in sa = sin4("127.0.0.1", 0);
	SYS(bind(a, (void *)&sa, sizeof sa));
	int b = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	sa = sin4("127.0.0.1", port_of(a));
	EQ("sendto", sendto(b, "first datagram", 14, 0, (void *)&sa, sizeof sa), 14);
	EQ("sendto2", sendto(b, "second", 6, 0, (void *)&sa, sizeof sa), 6);
	EQ("sender_bound", port_of(b) > 0, 1);
	char buf[64];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	EQ("peek", recvfrom(a, buf, 5, MSG_PEEK, (void *)&from, &fl), 5);
	EQ("peek_from_port", ntohs(from.sin_port) == port_of(b), 1);
	EQ("trunc_len", recv(a, buf, 5, MSG_PEEK | MSG_TRUNC), 14);
	struct iovec iov = {buf, 5};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	EQ("recvmsg_short", recvmsg(a, &m, 0), 5);
	EQ("msg_trunc_flag", (m.msg_flags & MSG_TRUNC) != 0, 1);
	EQ("rest_discarded", recv(a, buf, sizeof buf, 0), 6);
	EQ("second_intact", memcmp(buf, "second", 6), 0);
	ERR("empty", recv(a, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	EQ("zero_length_datagram", send(b, "", 0, 0) == -1 ? -1 : 0, -1);
	ERR("send_unconnected", send(b, "x", 1, 0), EDESTADDRREQ);
	EQ("sendto_empty", sendto(b, "", 0, 0, (void *)&sa, sizeof sa), 0);
	EQ("recv_empty", recv(a, buf, sizeof buf, 0), 0);

	SYS(connect(b, (void *)&sa, sizeof sa));
	EQ("send_connected", send(b, "c", 1, 0), 1);
	EQ("recv_connected", recv(a, buf, sizeof buf, 0), 1);
	struct sockaddr_in pn;
	socklen_t pl = sizeof pn;
	SYS(getpeername(b, (void *)&pn, &pl));
	EQ("peer_is_a", ntohs(pn.sin_port) == port_of(a), 1);
	struct sockaddr un = {.sa_family = AF_UNSPEC};
	SYS(connect(b, &un, sizeof un));
	ERR("disconnected", getpeername(b, (void *)&pn, &pl), ENOTCONN);

	/* Connected to a closed port: the ICMP error surfaces as ECONNREFUSED. */
	int c = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	int d = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in da = sin4("127.0.0.1", 0);
	SYS(bind(d, (void *)&da, sizeof da));
	da = sin4("127.0.0.1", port_of(d));
	close(d);
	SYS(connect(c, (void *)&da, sizeof da));
	EQ("send_to_closed", send(c, "x", 1, 0), 1);
	struct pollfd p = {.fd = c, .events = POLLIN};
	EQ("poll_err", poll(&p, 1, 5000), 1);
	EQ("pollerr", (p.revents & POLLERR) != 0, 1);
	ERR("recv_refused", recv(c, buf, sizeof buf, 0), ECONNREFUSED);
	ERR("then_empty", recv(c, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	pass();
}
