/* fork returns 0 in the child and the child's pid in the parent; wait
 * reports exit statuses and ECHILD when none are left. */
#include "contract.h"

int main(void)
{
	pid_t parent = getpid();
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(getppid() == parent ? 42 : 1);
	int st;
	EQ("wait_pid_matches", wait(&st) == pid, 1);
	STREQ("status", wstatus(st), "exit 42");
	ERR("echild", wait(&st), ECHILD);
	pid = SYS(fork());
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	STREQ("killed", wstatus(reap(pid)), "signal 9");
	pass();
}
