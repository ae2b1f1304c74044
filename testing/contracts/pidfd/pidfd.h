/* pidfd.h: raw pidfd system calls (musl has no wrappers). */
#ifndef PIDFD_H
#define PIDFD_H
#include "../contract.h"
#include <poll.h>
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
static inline int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static inline int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}
static inline int pidfd_getfd(int fd, int target, unsigned flags) { return syscall(SYS_pidfd_getfd, fd, target, flags); }

/* sleeper forks a child that waits to be killed. */
static inline pid_t sleeper(void)
{
	pid_t p = fork();
	if (p < 0)
		fail("fork: %s", errname(errno));
	if (p == 0) {
		for (;;)
			pause();
	}
	return p;
}

/* readable polls fd once with the given timeout in ms. */
static inline int readable(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	int n = poll(&p, 1, ms);
	return n == 1 ? p.revents : n;
}
#endif
