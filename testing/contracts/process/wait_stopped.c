/* WUNTRACED reports a stopped child, WCONTINUED its continuation. */
#include "contract.h"

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		for (;;)
			pause();
	}
	SYS(kill(pid, SIGSTOP));
	int st;
	SYS(waitpid(pid, &st, WUNTRACED));
	STREQ("stopped", wstatus(st), "stopped 19");
	SYS(kill(pid, SIGCONT));
	SYS(waitpid(pid, &st, WCONTINUED));
	EQ("continued", WIFCONTINUED(st), 1);
	SYS(kill(pid, SIGKILL));
	STREQ("killed", wstatus(reap(pid)), "signal 9");
	pass();
}
