/* setsid makes a new session and group led by the caller; a group leader
 * cannot setsid; setpgid moves a child into another group. */
#include "contract.h"

int main(void)
{
	pid_t me = getpid();
	EQ("is_group_leader", getpgrp() == me, 1);
	ERR("setsid_leader", setsid(), EPERM);
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		pid_t s = setsid();
		char r[4] = {s == getpid(), getsid(0) == getpid(), getpgrp() == getpid(), 0};
		write(p[1], r, 3);
		_exit(0);
	}
	char r[4] = {0};
	SYS(read(p[0], r, 3));
	EQ("setsid_returns_pid", r[0], 1);
	EQ("sid_is_pid", r[1], 1);
	EQ("pgrp_is_pid", r[2], 1);
	reap(pid);
	pid_t c = SYS(fork());
	if (c == 0) {
		pause();
		_exit(0);
	}
	SYS(setpgid(c, c));
	EQ("child_pgid", getpgid(c) == c, 1);
	EQ("child_sid_is_ours", getsid(c) == getsid(0), 1);
	SYS(kill(-c, SIGKILL));
	STREQ("group_killed", wstatus(reap(c)), "signal 9");
	ERR("setpgid_nochild", setpgid(1, 1), ESRCH);
	pass();
}
