/* A pidfd is readable (POLLIN) once the process has exited, before it is
 * reaped; poll and epoll both see it. */
#include "pidfd.h"
#include <sys/epoll.h>

int main(void)
{
	int p[2];
	SYS(pipe(p));
	pid_t c = SYS(fork());
	if (c == 0) {
		char x;
		close(p[1]);
		read(p[0], &x, 1);
		_exit(4);
	}
	close(p[0]);
	int fd = SYS(pidfd_open(c, 0));
	EQ("poll_running", readable(fd, 0), 0);
	int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EQ("epoll_running", epoll_wait(ep, &ev, 1, 0), 0);
	close(p[1]); /* the child exits */
	int r = readable(fd, 5000);
	OUT("poll_exited", "%s%s", r & POLLIN ? "POLLIN" : "-", r & POLLHUP ? "|POLLHUP" : "");
	struct epoll_event got;
	EQ("epoll_exited", epoll_wait(ep, &got, 1, 5000), 1);
	EQ("epoll_data", got.data.u32, 7);
	EQ("epoll_events", got.events, EPOLLIN);
	/* Still a zombie: readable before the wait, and after it. */
	siginfo_t si = {0};
	SYS(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	EQ("zombie_status", si.si_status, 4);
	STREQ("reaped", wstatus(reap(c)), "exit 4");
	r = readable(fd, 0);
	OUT("poll_reaped", "%s", r & POLLIN ? "POLLIN" : "-");
	pass();
}
