/* epoll_wait blocks until a child writes, and times out on an idle set. */
#include "contract.h"
#include <sys/epoll.h>
#include <time.h>

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int p[2];
	SYS(pipe(p));
	struct epoll_event ev = {.events = EPOLLIN};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EQ("timeout", epoll_wait(ep, &ev, 1, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EQ("waited_at_least_50ms", ms >= 49, 1);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		usleep(20000);
		write(p[1], "x", 1);
		_exit(0);
	}
	EQ("woken", epoll_wait(ep, &ev, 1, 5000), 1);
	EQ("events", ev.events, EPOLLIN);
	reap(pid);
	pass();
}
