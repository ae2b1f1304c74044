/* Edge-triggered epoll reports once per new arrival, not while data remains. */
#include "contract.h"
#include <sys/epoll.h>

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int p[2];
	SYS(pipe(p));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = p[0]};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	struct epoll_event out[2];
	writeall(p[1], "abc", 3);
	EQ("first", epoll_wait(ep, out, 2, 0), 1);
	EQ("first_fd_matches", out[0].data.fd == p[0], 1);
	EQ("again", epoll_wait(ep, out, 2, 0), 0);
	char c;
	SYS(read(p[0], &c, 1));
	EQ("after_partial_read", epoll_wait(ep, out, 2, 0), 0);
	writeall(p[1], "d", 1);
	EQ("new_data", epoll_wait(ep, out, 2, 0), 1);
	EQ("then_quiet", epoll_wait(ep, out, 2, 0), 0);
	pass();
}
