/* Non-blocking TCP connect: EINPROGRESS, POLLOUT, SO_ERROR 0; to a closed
 * port: ECONNREFUSED through SO_ERROR, and from a blocking connect. */
#include "net.h"

static int so_error(int fd)
{
	int e = -1;
	socklen_t l = sizeof e;
	SYS(getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l));
	return e;
}

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET, "127.0.0.1");
	int port = port_of(l);
	int c = SYS(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	struct sockaddr_in a = sin4("127.0.0.1", port);
	errno = 0;
	int r = connect(c, (void *)&a, sizeof a);
	OUT("nonblock_connect", "%s", r == 0 ? "OK" : errname(errno));
	CHECK(r == 0 || errno == EINPROGRESS);
	struct pollfd p = {.fd = c, .events = POLLOUT};
	EQ("poll_out", poll(&p, 1, 5000), 1);
	EQ("pollout_set", (p.revents & POLLOUT) != 0, 1);
	STREQ("so_error", errname(so_error(c)), "OK");
	/* The first connect after completion reports it; the next EISCONN. */
	EQ("connect_again", connect(c, (void *)&a, sizeof a), 0);
	ERR("connect_third", connect(c, (void *)&a, sizeof a), EISCONN);
	int s = SYS(accept(l, NULL, NULL));
	close(s);
	close(c);

	/* A port nobody listens on: take one, then close the listener. */
	int l2 = tcp_listener(AF_INET, "127.0.0.1");
	int dead = port_of(l2);
	close(l2);
	c = SYS(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	a = sin4("127.0.0.1", dead);
	errno = 0;
	r = connect(c, (void *)&a, sizeof a);
	OUT("refused_nonblock", "%s", r == 0 ? "OK" : errname(errno));
	CHECK(r == -1 && (errno == EINPROGRESS || errno == ECONNREFUSED));
	if (errno == EINPROGRESS) {
		p = (struct pollfd){.fd = c, .events = POLLOUT};
		EQ("poll_refused", poll(&p, 1, 5000), 1);
		EQ("refused_pollerr", (p.revents & POLLERR) != 0, 1);
		STREQ("so_error_refused", errname(so_error(c)), "ECONNREFUSED");
		STREQ("so_error_cleared", errname(so_error(c)), "OK");
	}
	close(c);
	c = SYS(socket(AF_INET, SOCK_STREAM, 0));
	ERR("refused_blocking", connect(c, (void *)&a, sizeof a), ECONNREFUSED);
	close(c);

	c = SYS(socket(AF_INET6, SOCK_STREAM, 0));
	struct sockaddr_in6 a6 = sin6("::1", dead);
	ERR("refused_blocking_v6", connect(c, (void *)&a6, sizeof a6), ECONNREFUSED);
	close(c);
	close(l);
	pass();
}
