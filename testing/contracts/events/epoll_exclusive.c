/* EPOLLEXCLUSIVE: allowed only with EPOLL_CTL_ADD, with EPOLLIN, EPOLLOUT,
 * EPOLLERR, EPOLLHUP, EPOLLWAKEUP and EPOLLET beside it, and not on an
 * epoll file; EPOLL_CTL_MOD with it, or on an item added with it, is
 * EINVAL. One event on a file watched exclusively by two sleeping epoll
 * instances wakes one of them. */
#include "contract.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int efd = SYS(eventfd(0, EFD_NONBLOCK));
	int p[2];
	SYS(pipe(p));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	EQ("add", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
	ev.events = EPOLLIN;
	ERR("mod_exclusive_item", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ERR("mod_with_flag", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev), EINVAL);
	EQ("del", epoll_ctl(ep, EPOLL_CTL_DEL, efd, &ev), 0);
	ev.events = EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE;
	ERR("with_oneshot", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLEXCLUSIVE;
	ERR("with_rdhup", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLPRI | EPOLLEXCLUSIVE;
	ERR("with_pri", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLERR | EPOLLHUP | EPOLLEXCLUSIVE;
	EQ("ok_bits", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
	int inner = SYS(epoll_create1(0));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ERR("epoll_target", epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ERR("mod_missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);

	/* Two children sleep in epoll_wait on their own instances, both
	 * watching the eventfd exclusively; one write wakes one. */
	int ready[2], res[2];
	SYS(pipe(ready));
	SYS(pipe(res));
	int target = SYS(eventfd(0, EFD_NONBLOCK));
	for (int i = 0; i < 2; i++) {
		pid_t pid = SYS(fork());
		if (pid == 0) {
			int e = epoll_create1(0);
			struct epoll_event x = {.events = EPOLLIN | EPOLLEXCLUSIVE};
			if (epoll_ctl(e, EPOLL_CTL_ADD, target, &x) != 0)
				_exit(1);
			writeall(ready[1], "r", 1);
			struct epoll_event out;
			int n = epoll_wait(e, &out, 1, 1500);
			char c = '0' + n;
			writeall(res[1], &c, 1);
			_exit(0);
		}
	}
	char c;
	for (int i = 0; i < 2; i++)
		CHECK(read(ready[0], &c, 1) == 1);
	usleep(300000);
	uint64_t one = 1;
	SYS(write(target, &one, sizeof one));
	int woken = 0;
	for (int i = 0; i < 2; i++) {
		CHECK(read(res[0], &c, 1) == 1);
		woken += c - '0';
	}
	while (wait(NULL) > 0)
		;
	EQ("woken", woken, 1);
	pass();
}
