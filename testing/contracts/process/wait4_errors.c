/* wait4/waitpid/waitid error paths: bad options EINVAL, no children ECHILD,
 * WNOHANG with a running child 0, a bad status pointer EFAULT (the child is
 * then still reaped), INT_MIN pid, a bad rusage pointer. */
#include "contract.h"
#include <limits.h>
#include <sys/resource.h>

int main(void)
{
	int st;
	ERR("no_children", wait4(-1, &st, 0, NULL), ECHILD);
	ERR("bad_options", wait4(-1, &st, 0x100, NULL), EINVAL);
	ERR("bad_options_high", wait4(-1, &st, 0x10000000, NULL), EINVAL);
	ERR("int_min", syscall(SYS_wait4, INT_MIN, &st, 0, NULL), ESRCH);
	ERR("waitid_noflags", syscall(SYS_waitid, P_ALL, 0, NULL, 0, NULL), EINVAL);
	ERR("waitid_badtype", syscall(SYS_waitid, 7, 0, NULL, WEXITED, NULL), EINVAL);
	ERR("waitid_badflag", syscall(SYS_waitid, P_ALL, 0, NULL, WEXITED | 0x100, NULL), EINVAL);
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(4);
	}
	EQ("wnohang_running", wait4(pid, &st, WNOHANG, NULL), 0);
	ERR("other_pid", wait4(pid + 1000, &st, 0, NULL), ECHILD);
	close(p[1]);
	ERR("status_fault", syscall(SYS_wait4, pid, (void *)8, 0, NULL), EFAULT);
	ERR("after_fault_reaped", wait4(pid, &st, WNOHANG, NULL), ECHILD);
	pid = SYS(fork());
	if (pid == 0)
		_exit(5);
	ERR("rusage_fault", syscall(SYS_wait4, pid, &st, 0, (void *)8), EFAULT);
	ERR("after_rusage_fault", wait4(pid, &st, WNOHANG, NULL), ECHILD);
	pid = SYS(fork());
	if (pid == 0)
		_exit(6);
	struct rusage ru;
	EQ("with_rusage", wait4(pid, &st, 0, &ru) == pid, 1);
	STREQ("status", wstatus(st), "exit 6");
	EQ("null_status", wait4(-1, NULL, WNOHANG, NULL) == -1 && errno == ECHILD, 1);
	pass();
}
