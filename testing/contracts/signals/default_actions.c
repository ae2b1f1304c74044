/* Default actions: SIGTERM/SIGUSR1 terminate, SIGCHLD/SIGURG/SIGWINCH are
 * ignored, SIG_IGN discards. */
#include "contract.h"

static const char *run(int sig, int ign)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (ign)
			signal(sig, SIG_IGN);
		raise(sig);
		_exit(0);
	}
	return wstatus(reap(pid));
}

int main(void)
{
	STREQ("sigterm", run(SIGTERM, 0), "signal 15");
	STREQ("sigusr1", run(SIGUSR1, 0), "signal 10");
	STREQ("sighup", run(SIGHUP, 0), "signal 1");
	STREQ("sigchld", run(SIGCHLD, 0), "exit 0");
	STREQ("sigurg", run(SIGURG, 0), "exit 0");
	STREQ("sigwinch", run(SIGWINCH, 0), "exit 0");
	STREQ("sigterm_ignored", run(SIGTERM, 1), "exit 0");
	STREQ("sig34", run(34, 0), "signal 34"); /* musl reserves 32-34; raw numbers here */
	pass();
}
