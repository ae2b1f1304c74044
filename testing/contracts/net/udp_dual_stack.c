/* A UDP socket of AF_INET6 bound to :: receives from an IPv4 sender and
 * reports it as ::ffff:127.0.0.1; it answers through that address; with
 * IPV6_V6ONLY the IPv4 datagram cannot reach it. */
#include "net.h"

int main(void)
{
	lo_set(1);
	int s = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	struct sockaddr_in6 any = sin6("::", 0);
	SYS(bind(s, (void *)&any, sizeof any));
	int c = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in to = sin4("127.0.0.1", port_of(s));
	EQ("sent", sendto(c, "v4", 2, 0, (void *)&to, sizeof to), 2);
	char buf[16], txt[64];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof from;
	EQ("received", recvfrom(s, buf, sizeof buf, 0, (void *)&from, &fl), 2);
	EQ("from_len", fl, sizeof from);
	OUT("from", "%s", inet_ntop(AF_INET6, &from.sin6_addr, txt, sizeof txt));
	EQ("from_port_is_sender", ntohs(from.sin6_port) == port_of(c), 1);
	EQ("reply", sendto(s, "ok", 2, 0, (void *)&from, fl), 2);
	struct sockaddr_in rf;
	socklen_t rl = sizeof rf;
	EQ("reply_received", recvfrom(c, buf, sizeof buf, 0, (void *)&rf, &rl), 2);
	OUT("reply_from", "%s", inet_ntoa(rf.sin_addr));

	int o = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	SYS(setsockopt(o, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)));
	SYS(bind(o, (void *)&any, sizeof any));
	to = sin4("127.0.0.1", port_of(o));
	int c2 = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	SYS(connect(c2, (void *)&to, sizeof to));
	EQ("sent_to_v6only", send(c2, "x", 1, 0), 1);
	ERR("v6only_not_reached", recv(o, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	struct pollfd p = {.fd = c2, .events = POLLIN};
	EQ("icmp_error_back", poll(&p, 1, 5000), 1);
	ERR("refused", recv(c2, buf, sizeof buf, 0), ECONNREFUSED);
	pass();
}
