/* /proc/self/fdinfo of an epoll file lists its items as "tfd:" lines
 * (events with EPOLLERR|EPOLLHUP added, data, pos); EPOLLWAKEUP is kept
 * only for callers with CAP_BLOCK_SUSPEND; maxevents must be positive and
 * at most INT_MAX/sizeof(struct epoll_event); an unknown op is EINVAL;
 * EPOLLRDHUP reports a peer's shutdown of writing. */
#include "contract.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

static void tfd_line(int ep, const char *key)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", ep);
	CHECK(read_file(path, buf, sizeof buf) > 0);
	char *l = strstr(buf, "tfd:");
	if (!l) {
		OUT(key, "none");
		return;
	}
	int fd;
	unsigned events;
	unsigned long long data;
	long long pos;
	CHECK(sscanf(l, "tfd: %d events: %x data: %llx pos:%lld", &fd, &events, &data, &pos) == 4);
	OUT(key, "fd=%d events=%#x data=%#llx pos=%lld lines=%d", fd, events, data, pos,
	    (int)(strstr(l + 1, "tfd:") != NULL) + 1);
}

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int efd = SYS(eventfd(0, 0));
	tfd_line(ep, "empty");
	struct epoll_event ev = {.events = EPOLLIN | EPOLLWAKEUP, .data.u64 = 0x1234};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	tfd_line(ep, "root_wakeup");
	ev.events = EPOLLOUT | EPOLLET;
	SYS(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
	tfd_line(ep, "modified");
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		int e2 = SYS(epoll_create1(0));
		struct epoll_event x = {.events = EPOLLIN | EPOLLWAKEUP, .data.u64 = 1};
		SYS(epoll_ctl(e2, EPOLL_CTL_ADD, efd, &x));
		tfd_line(e2, "user_wakeup");
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");

	struct epoll_event out[2];
	ERR("max_zero", epoll_wait(ep, out, 0, 0), EINVAL);
	ERR("max_negative", epoll_wait(ep, out, -1, 0), EINVAL);
	ERR("max_too_big", epoll_wait(ep, out, 178956971, 0), EINVAL);
	ERR("max_limit_bad_buffer", epoll_wait(ep, (struct epoll_event *)0x1000, 178956970, 0), EFAULT);
	EQ("max_large_ok", epoll_wait(ep, out, 2, 0), 1);
	ERR("bad_op", epoll_ctl(ep, 99, efd, &ev), EINVAL);
	ERR("not_epoll", epoll_wait(efd, out, 2, 0), EINVAL);
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0600));
	ERR("regular_file", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), EPERM);

	int sv[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	int es = SYS(epoll_create1(0));
	ev.events = EPOLLIN | EPOLLRDHUP;
	SYS(epoll_ctl(es, EPOLL_CTL_ADD, sv[0], &ev));
	EQ("before_shutdown", epoll_wait(es, out, 2, 0), 0);
	SYS(shutdown(sv[1], SHUT_WR));
	EQ("after_shutdown", epoll_wait(es, out, 2, 0), 1);
	OUT("rdhup_events", "%#x", out[0].events);
	pass();
}
