/* TCP over ::1: bind to port 0, listen, blocking connect, accept4
 * flags, echo both ways, names, shutdown(SHUT_WR) seen as EOF. */
#include "net.h"
#include <fcntl.h>

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET6, "::1");
	int port = port_of(l);
	EQ("port_chosen", port > 0, 1);
	int c = connect_to(AF_INET6, SOCK_STREAM, "::1", port);
	struct sockaddr_in6 peer;
	socklen_t pl = sizeof peer;
	int s = SYS(accept4(l, (void *)&peer, &pl, SOCK_CLOEXEC | SOCK_NONBLOCK));
	EQ("peer_len", pl, sizeof peer);
	char txt[64];
	STREQ("peer_addr", inet_ntop(AF_INET6, &peer.sin6_addr, txt, sizeof txt), "::1");
	EQ("peer_port_is_client", ntohs(peer.sin6_port) == port_of(c), 1);
	EQ("accepted_cloexec", (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0, 1);
	EQ("accepted_nonblock", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, 1);
	EQ("listener_still_blocking", (fcntl(l, F_GETFL) & O_NONBLOCK) != 0, 0);
	struct sockaddr_in6 n;
	socklen_t nl = sizeof n;
	SYS(getsockname(s, (void *)&n, &nl));
	EQ("accepted_local_port_is_listener", ntohs(n.sin6_port) == port, 1);
	nl = sizeof n;
	SYS(getpeername(c, (void *)&n, &nl));
	EQ("client_peer_port_is_listener", ntohs(n.sin6_port) == port, 1);
	STREQ("client_peer_addr", inet_ntop(AF_INET6, &n.sin6_addr, txt, sizeof txt), "::1");

	char buf[64];
	ERR("empty_nonblock_read", read(s, buf, sizeof buf), EAGAIN);
	writeall(c, "hello", 5);
	struct pollfd p = {.fd = s, .events = POLLIN};
	EQ("poll_in", poll(&p, 1, 5000), 1);
	readall(s, buf, 5);
	EQ("server_got", memcmp(buf, "hello", 5), 0);
	writeall(s, "world!", 6);
	readall(c, buf, 6);
	EQ("client_got", memcmp(buf, "world!", 6), 0);

	SYS(shutdown(c, SHUT_WR));
	p.revents = 0;
	EQ("poll_after_shutdown", poll(&p, 1, 5000), 1);
	EQ("eof_after_shutdown", read(s, buf, sizeof buf), 0);
	writeall(s, "late", 4);
	readall(c, buf, 4);
	EQ("half_open_still_delivers", memcmp(buf, "late", 4), 0);
	ERR("write_after_shut_wr", send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	close(s);
	EQ("eof_after_close", read(c, buf, sizeof buf), 0);
	close(c);
	close(l);
	pass();
}
