/* pidfd_getfd duplicates another process's descriptor (close-on-exec,
 * sharing the open file description), subject to ptrace's access check. */
#include "pidfd.h"

int main(void)
{
	int ready[2];
	SYS(pipe(ready));
	pid_t c = SYS(fork());
	if (c == 0) {
		int fd = open("shared", O_CREAT | O_RDWR | O_TRUNC, 0600);
		write(fd, "abcdef", 6);
		lseek(fd, 2, SEEK_SET);
		dup2(fd, 40);
		write(ready[1], "x", 1);
		for (;;)
			pause();
	}
	char x;
	CHECK(read(ready[0], &x, 1) == 1);
	int pfd = SYS(pidfd_open(c, 0));
	ERR("flags", pidfd_getfd(pfd, 40, 1), EINVAL);
	ERR("not_pidfd", pidfd_getfd(ready[0], 40, 0), EBADF);
	ERR("no_such_fd", pidfd_getfd(pfd, 41, 0), EBADF);
	int got = SYS(pidfd_getfd(pfd, 40, 0));
	EQ("cloexec", fcntl(got, F_GETFD), FD_CLOEXEC);
	EQ("shared_offset", lseek(got, 0, SEEK_CUR), 2);
	char b[4] = {0};
	EQ("read", read(got, b, 3), 3);
	STREQ("data", b, "cde");
	/* An unprivileged process may not take a root process's files. */
	pid_t u = SYS(fork());
	if (u == 0) {
		SYS(setresuid(1000, 1000, 1000));
		ERR("unprivileged", pidfd_getfd(pfd, 40, 0), EPERM);
		_exit(0);
	}
	STREQ("unprivileged_child", wstatus(reap(u)), "exit 0");
	kill(c, SIGKILL);
	siginfo_t si;
	SYS(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	ERR("zombie", pidfd_getfd(pfd, 40, 0), ESRCH);
	reap(c);
	ERR("reaped", pidfd_getfd(pfd, 40, 0), ESRCH);
	pass();
}
