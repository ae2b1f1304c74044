/* waitid(P_PIDFD): waits for the pidfd's child; a non-child is ECHILD, a
 * non-pidfd EBADF, a nonblocking pidfd EAGAIN while the child runs; and
 * clone's CLONE_PIDFD hands back a pidfd for the new child. */
#include "pidfd.h"
#include <sched.h>

int main(void)
{
	pid_t c = sleeper();
	int fd = SYS(pidfd_open(c, 0));
	int nb = SYS(pidfd_open(c, PIDFD_NONBLOCK));
	siginfo_t si;
	memset(&si, 0, sizeof si);
	EQ("wnohang_running", syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED | WNOHANG, NULL), 0);
	EQ("wnohang_pid", si.si_pid, 0);
	ERR("nonblock_running", syscall(SYS_waitid, P_PIDFD, nb, &si, WEXITED, NULL), EAGAIN);
	ERR("not_pidfd", syscall(SYS_waitid, P_PIDFD, 0, &si, WEXITED, NULL), EBADF);
	ERR("negative", syscall(SYS_waitid, P_PIDFD, -1, &si, WEXITED, NULL), EINVAL);
	int self = SYS(pidfd_open(getpid(), 0));
	ERR("not_child", syscall(SYS_waitid, P_PIDFD, self, &si, WEXITED, NULL), ECHILD);
	kill(c, SIGTERM);
	memset(&si, 0, sizeof si);
	SYS(syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL));
	EQ("pid_matches", si.si_pid == c, 1);
	EQ("code", si.si_code, CLD_KILLED);
	EQ("status", si.si_status, SIGTERM);
	ERR("again", syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL), ECHILD);

	/* CLONE_PIDFD through the raw clone system call (fork-like). */
	int pidfd = -1;
	long r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (r == 0)
		_exit(9);
	CHECK(r > 0);
	EQ("clone_pidfd_set", pidfd >= 0, 1);
	EQ("clone_pidfd_cloexec", fcntl(pidfd, F_GETFD), FD_CLOEXEC);
	EQ("clone_pidfd_readable", readable(pidfd, 5000) & POLLIN, POLLIN);
	memset(&si, 0, sizeof si);
	SYS(syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL));
	EQ("clone_child_pid", si.si_pid == r, 1);
	EQ("clone_child_status", si.si_status, 9);
	ERR("clone_pidfd_settid", syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0), EINVAL);
	ERR("clone_pidfd_thread", syscall(SYS_clone, CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, &pidfd, 0, 0), EINVAL);
	ERR("clone_pidfd_fault", syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (void *)8, 0, 0), EFAULT);
	pass();
}
