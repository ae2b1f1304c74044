/* poll and epoll on a message queue descriptor: writable while there is
 * room, readable while there is a message, whatever the access mode; an
 * epoll waiter wakes when another process sends. */
#include "mq.h"
#include <poll.h>
#include <sys/epoll.h>

static int events(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	if (poll(&p, 1, 0) < 0)
		fail("poll: %s", errname(errno));
	return p.revents;
}

int main(void)
{
	mqunlink("ct_poll");
	struct mq_attr a = {.mq_maxmsg = 2, .mq_msgsize = 8};
	int q = SYS(mqopen("ct_poll", O_RDWR | O_CREAT, 0600, &a));
	int ro = SYS(mqopen("ct_poll", O_RDONLY, 0, NULL));
	EQ("empty", events(q), POLLOUT);
	EQ("empty_rdonly", events(ro), POLLOUT);
	SYS(mqsend(q, "a", 1, 0, NULL));
	EQ("one", events(q), POLLIN | POLLOUT);
	SYS(mqsend(q, "b", 1, 0, NULL));
	EQ("full", events(q), POLLIN);
	char buf[8];
	SYS(mqrecv(q, buf, sizeof buf, NULL, NULL));
	SYS(mqrecv(q, buf, sizeof buf, NULL, NULL));
	int ep = SYS(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 5};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, ro, &ev));
	EQ("epoll_empty", epoll_wait(ep, &ev, 1, 0), 0);
	pid_t c = SYS(fork());
	if (c == 0) {
		usleep(100000);
		mqsend(q, "c", 1, 0, NULL);
		_exit(0);
	}
	struct epoll_event got;
	EQ("epoll_wakes", epoll_wait(ep, &got, 1, 5000), 1);
	EQ("epoll_data", got.data.u32, 5);
	EQ("epoll_events", got.events, EPOLLIN);
	reap(c);
	SYS(mqunlink("ct_poll"));
	pass();
}
