/* Port reuse: a second bind to a listening port is EADDRINUSE even with
 * SO_REUSEADDR; after the listener closes, SO_REUSEADDR rebinds; two
 * SO_REUSEPORT UDP sockets share a port; an IPv6 wildcard listener
 * (dual stack) accepts IPv4 clients unless IPV6_V6ONLY. */
#include "net.h"

int main(void)
{
	lo_set(1);
	int l = SYS(socket(AF_INET, SOCK_STREAM, 0));
	SYS(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	SYS(bind(l, (void *)&a, sizeof a));
	SYS(listen(l, 4));
	a = sin4("127.0.0.1", port_of(l));
	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	int s = SYS(accept(l, NULL, NULL));
	int l2 = SYS(socket(AF_INET, SOCK_STREAM, 0));
	SYS(setsockopt(l2, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)));
	ERR("bind_listening_port", bind(l2, (void *)&a, sizeof a), EADDRINUSE);
	close(s); /* the server side closes first: TIME_WAIT there */
	close(c);
	close(l);
	EQ("rebind_after_close", bind(l2, (void *)&a, sizeof a), 0);
	SYS(listen(l2, 4));
	close(l2);

	int u1 = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	int u2 = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	SYS(setsockopt(u1, SOL_SOCKET, SO_REUSEPORT, &(int){1}, sizeof(int)));
	SYS(setsockopt(u2, SOL_SOCKET, SO_REUSEPORT, &(int){1}, sizeof(int)));
	struct sockaddr_in ua = sin4("127.0.0.1", 0);
	SYS(bind(u1, (void *)&ua, sizeof ua));
	ua = sin4("127.0.0.1", port_of(u1));
	EQ("reuseport_shared", bind(u2, (void *)&ua, sizeof ua), 0);
	int u3 = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	ERR("without_reuseport", bind(u3, (void *)&ua, sizeof ua), EADDRINUSE);

	int d = SYS(socket(AF_INET6, SOCK_STREAM, 0));
	struct sockaddr_in6 any = sin6("::", 0);
	SYS(bind(d, (void *)&any, sizeof any));
	SYS(listen(d, 4));
	int c4 = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(d));
	struct sockaddr_in6 peer;
	socklen_t pl = sizeof peer;
	int s4 = SYS(accept(d, (void *)&peer, &pl));
	char txt[64];
	OUT("v4_client_seen_as", "%s", inet_ntop(AF_INET6, &peer.sin6_addr, txt, sizeof txt));
	close(s4);
	close(c4);
	int v6 = SYS(socket(AF_INET6, SOCK_STREAM, 0));
	SYS(setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)));
	SYS(bind(v6, (void *)&any, sizeof any));
	SYS(listen(v6, 4));
	int c5 = SYS(socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in to = sin4("127.0.0.1", port_of(v6));
	ERR("v6only_refuses_v4", connect(c5, (void *)&to, sizeof to), ECONNREFUSED);
	pass();
}
