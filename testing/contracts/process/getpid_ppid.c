/* getpid/gettid/getppid relations across fork, and kill(pid, 0) probing. */
#include "contract.h"

int main(void)
{
	EQ("tid_is_pid", syscall(SYS_gettid) == getpid(), 1);
	int p[2];
	SYS(pipe(p));
	pid_t me = getpid();
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char r[3] = {getppid() == me, getpid() != me, syscall(SYS_gettid) == getpid()};
		write(p[1], r, 3);
		_exit(0);
	}
	char r[3];
	SYS(read(p[0], r, 3));
	EQ("child_ppid", r[0], 1);
	EQ("child_pid_differs", r[1], 1);
	EQ("child_tid", r[2], 1);
	reap(pid);
	EQ("kill0_self", kill(me, 0), 0);
	ERR("kill0_reaped", kill(pid, 0), ESRCH);
	pass();
}
