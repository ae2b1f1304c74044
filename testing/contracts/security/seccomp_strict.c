/* Strict mode: read, write, exit and rt_sigreturn only; anything else
 * (even exit_group, even prctl) kills the thread with SIGKILL. */
#include "sec.h"

static int strict_child(int what)
{
	int p[2];
	SYS(pipe(p));
	pid_t c = SYS(fork());
	if (c == 0) {
		close(p[0]);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL) != 0)
			syscall(SYS_exit, 100);
		syscall(SYS_write, p[1], "w", 1);
		switch (what) {
		case 0:
			syscall(SYS_exit, 7);
		case 1:
			syscall(SYS_getpid);
			break;
		case 2:
			syscall(SYS_exit_group, 0);
			break;
		case 3:
			syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0);
			break;
		}
		syscall(SYS_exit, 99);
	}
	close(p[1]);
	char b[4];
	long n = read(p[0], b, sizeof b);
	close(p[0]);
	OUT("wrote", "%ld", n);
	return reap(c);
}

int main(void)
{
	STREQ("exit", wstatus(strict_child(0)), "exit 7");
	STREQ("getpid", wstatus(strict_child(1)), "signal 9");
	STREQ("exit_group", wstatus(strict_child(2)), "signal 9");
	STREQ("prctl", wstatus(strict_child(3)), "signal 9");
	ERR("strict_flags", syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL), EINVAL);
	ERR("strict_args", syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, (void *)8), EINVAL);
	ERR("bad_op", syscall(SYS_seccomp, 99, 0, NULL), EINVAL);
	EQ("get_seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	/* Strict mode through prctl. */
	pid_t c = SYS(fork());
	if (c == 0) {
		syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
		syscall(SYS_exit, 3);
	}
	STREQ("prctl_strict_exit", wstatus(reap(c)), "exit 3");
	pass();
}
