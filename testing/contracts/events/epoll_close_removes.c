/* Closing the last reference to a watched file removes it from the epoll set;
 * a watched dup keeps it alive. Readiness is reported per registration. */
#include "contract.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int a = SYS(eventfd(1, 0));
	int b = SYS(eventfd(1, 0));
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
	ev.data.u32 = 2;
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev));
	struct epoll_event out[4];
	EQ("both", epoll_wait(ep, out, 4, 0), 2);
	close(a);
	EQ("after_close", epoll_wait(ep, out, 4, 0), 1);
	EQ("survivor", out[0].data.u32, 2);
	int b2 = SYS(dup(b));
	close(b);
	EQ("dup_keeps", epoll_wait(ep, out, 4, 0), 1);
	close(b2);
	EQ("all_closed", epoll_wait(ep, out, 4, 0), 0);
	pass();
}
