/* kill(0, sig) and kill(-pgid, sig) reach every process of a group;
 * kill with an invalid signal is EINVAL, with no target ESRCH. */
#include "contract.h"

int main(void)
{
	pid_t leader = SYS(fork());
	if (leader == 0) {
		setpgid(0, 0);
		pid_t a = fork();
		if (a == 0) {
			pause();
			_exit(0);
		}
		usleep(20000);
		signal(SIGUSR1, SIG_IGN);
		kill(0, SIGUSR1);
		int st;
		waitpid(a, &st, 0);
		_exit(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1 ? 0 : 1);
	}
	STREQ("group", wstatus(reap(leader)), "exit 0");
	ERR("badsig", kill(getpid(), 99), EINVAL);
	ERR("nogroup", kill(-999999, SIGUSR1), ESRCH);
	pass();
}
