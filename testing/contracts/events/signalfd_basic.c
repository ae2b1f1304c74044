/* signalfd reads blocked signals as signalfd_siginfo records, with the
 * sender's pid and the signal number; epoll sees it ready. */
#include "contract.h"
#include <sys/signalfd.h>
#include <sys/epoll.h>

int main(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGCHLD);
	SYS(sigprocmask(SIG_BLOCK, &m, NULL));
	int fd = SYS(signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC));
	struct signalfd_siginfo si;
	ERR("empty", read(fd, &si, sizeof si), EAGAIN);
	int ep = SYS(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	SYS(kill(getpid(), SIGUSR2));
	EQ("epoll_ready", epoll_wait(ep, &ev, 1, 1000), 1);
	EQ("read", read(fd, &si, sizeof si), sizeof si);
	EQ("signo", si.ssi_signo, SIGUSR2);
	EQ("code_user", si.ssi_code, SI_USER);
	EQ("pid_is_self", si.ssi_pid == (uint32_t)getpid(), 1);
	pid_t c = SYS(fork());
	if (c == 0)
		_exit(5);
	EQ("epoll_child", epoll_wait(ep, &ev, 1, 5000), 1);
	EQ("read_chld", read(fd, &si, sizeof si), sizeof si);
	EQ("chld_signo", si.ssi_signo, SIGCHLD);
	EQ("chld_code", si.ssi_code, CLD_EXITED);
	EQ("chld_status", si.ssi_status, 5);
	EQ("chld_pid_matches", si.ssi_pid == (uint32_t)c, 1);
	reap(c);
	ERR("short", read(fd, &si, 8), EINVAL);
	pass();
}
