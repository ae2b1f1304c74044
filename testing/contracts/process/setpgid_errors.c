/* setpgid error paths: negative pgid EINVAL, a missing process ESRCH, a
 * non-child ESRCH, a session leader EPERM, a group in another session EPERM,
 * a child after it has exec'd EACCES, and moving into an existing group. */
#include "contract.h"

int main(void)
{
	ERR("negative", setpgid(0, -1), EINVAL);
	ERR("nopid", setpgid(999999, 0), ESRCH);
	ERR("neg_pid", setpgid(-5, 0), EINVAL);
	ERR("parent", setpgid(getppid(), 0), ESRCH);
	int p[2];
	SYS(pipe(p));
	pid_t a = SYS(fork());
	if (a == 0) {
		setsid();
		close(p[1]);
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	pid_t b = SYS(fork());
	if (b == 0) {
		close(p[1]);
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	usleep(100000);
	ERR("session_leader", setpgid(a, a), EPERM);
	ERR("other_session_group", setpgid(b, a), EPERM);
	ERR("nonexistent_group", setpgid(b, 999999), EPERM);
	EQ("own_group", setpgid(b, b), 0);
	EQ("getpgid_b", getpgid(b) == b, 1);
	EQ("back_to_ours", setpgid(b, getpgrp()), 0);
	pid_t c = SYS(fork());
	if (c == 0) {
		char *argv[] = {"sleep", "2", NULL};
		execv("/bin/busybox", argv);
		_exit(1);
	}
	usleep(300000);
	ERR("after_exec", setpgid(c, c), EACCES);
	kill(c, SIGKILL);
	close(p[1]);
	reap(a);
	reap(b);
	reap(c);
	ERR("reaped", setpgid(b, b), ESRCH);
	pass();
}
