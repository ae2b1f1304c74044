/* Level-triggered epoll reports a readable pipe on every wait until drained. */
#include "contract.h"
#include <sys/epoll.h>

int main(void)
{
	int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
	int p[2];
	SYS(pipe(p));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	struct epoll_event out[4];
	EQ("empty", epoll_wait(ep, out, 4, 0), 0);
	writeall(p[1], "ab", 2);
	for (int i = 0; i < 2; i++) {
		EQ("ready", epoll_wait(ep, out, 4, 0), 1);
		EQ("events", out[0].events, EPOLLIN);
		EQ("data", out[0].data.u64, 0x1234);
	}
	char buf[4];
	SYS(read(p[0], buf, 2));
	EQ("drained", epoll_wait(ep, out, 4, 0), 0);
	close(p[1]);
	EQ("hup", epoll_wait(ep, out, 4, 0), 1);
	EQ("hup_events", out[0].events, EPOLLHUP);
	pass();
}
