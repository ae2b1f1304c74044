/* EPOLLONESHOT disarms after one event until EPOLL_CTL_MOD re-arms it. */
#include "contract.h"
#include <sys/epoll.h>

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int p[2];
	SYS(pipe(p));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	writeall(p[1], "x", 1);
	struct epoll_event out[2];
	EQ("first", epoll_wait(ep, out, 2, 0), 1);
	EQ("disarmed", epoll_wait(ep, out, 2, 0), 0);
	ev.events = EPOLLIN | EPOLLONESHOT;
	SYS(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	EQ("rearmed", epoll_wait(ep, out, 2, 0), 1);
	EQ("disarmed_again", epoll_wait(ep, out, 2, 0), 0);
	pass();
}
