/* poll and epoll readiness of TCP sockets: a listener becomes readable
 * with a pending connection; a connected socket is writable, readable
 * after data, EPOLLRDHUP after the peer's shutdown, EPOLLHUP after close;
 * edge-triggered epoll reports new data once. */
#include "net.h"
#include <sys/epoll.h>

static unsigned wait1(int ep, int ms)
{
	struct epoll_event e;
	int n = epoll_wait(ep, &e, 1, ms);
	return n == 1 ? e.events : 0;
}

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET6, "::1");
	int ep = SYS(epoll_create1(0));
	struct epoll_event e = {.events = EPOLLIN, .data.fd = l};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, l, &e));
	OUT("listener_idle", "%#x", wait1(ep, 0));
	int c = connect_to(AF_INET6, SOCK_STREAM, "::1", port_of(l));
	OUT("listener_pending", "%#x", wait1(ep, 5000));
	int s = SYS(accept(l, NULL, NULL));
	OUT("listener_drained", "%#x", wait1(ep, 0));

	int ep2 = SYS(epoll_create1(0));
	e = (struct epoll_event){.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.fd = s};
	SYS(epoll_ctl(ep2, EPOLL_CTL_ADD, s, &e));
	OUT("conn_idle", "%#x", wait1(ep2, 5000));
	writeall(c, "x", 1);
	struct pollfd p = {.fd = s, .events = POLLIN};
	EQ("poll_in", poll(&p, 1, 5000), 1);
	OUT("conn_data", "%#x", wait1(ep2, 0));
	char b;
	EQ("read", read(s, &b, 1), 1);
	SYS(shutdown(c, SHUT_WR));
	p.revents = 0;
	EQ("poll_rdhup", poll(&(struct pollfd){.fd = s, .events = POLLRDHUP}, 1, 5000), 1);
	OUT("conn_rdhup", "%#x", wait1(ep2, 0));
	close(c);
	/* Writing to the closed peer draws a reset: both directions are shut. */
	EQ("write_to_closed", send(s, "z", 1, MSG_NOSIGNAL), 1);
	EQ("poll_hup", poll(&(struct pollfd){.fd = s, .events = 0}, 1, 5000), 1);
	unsigned ev = wait1(ep2, 0);
	OUT("conn_closed_has_hup", "%d", (ev & EPOLLHUP) != 0);

	/* Edge-triggered: one report per arrival. */
	int l2 = tcp_listener(AF_INET, "127.0.0.1");
	int c2 = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l2));
	int s2 = SYS(accept(l2, NULL, NULL));
	int ep3 = SYS(epoll_create1(0));
	e = (struct epoll_event){.events = EPOLLIN | EPOLLET, .data.fd = s2};
	SYS(epoll_ctl(ep3, EPOLL_CTL_ADD, s2, &e));
	writeall(c2, "a", 1);
	OUT("et_first", "%#x", wait1(ep3, 5000));
	OUT("et_again", "%#x", wait1(ep3, 0));
	writeall(c2, "b", 1);
	OUT("et_new_data", "%#x", wait1(ep3, 5000));
	pass();
}
