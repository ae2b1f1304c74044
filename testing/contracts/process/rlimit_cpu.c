/* RLIMIT_CPU: SIGXCPU when the process's CPU time reaches the soft limit
 * (the soft limit then moves up a second, so the signal would repeat every
 * second), SIGKILL at the hard limit; with the default action SIGXCPU
 * kills. (Three seconds of CPU time in all: the suite's timeout is 10 s.) */
#include "contract.h"
#include <sys/resource.h>

static void on_xcpu(int sig)
{
	(void)sig;
	struct rlimit r;
	getrlimit(RLIMIT_CPU, &r);
	char c = (char)r.rlim_cur; /* the soft limit as the handler sees it */
	write(3, &c, 1);
}

int main(void)
{
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 3);
		signal(SIGXCPU, on_xcpu);
		struct rlimit lim = {1, 2};
		setrlimit(RLIMIT_CPU, &lim);
		for (;;)
			;
	}
	close(p[1]);
	STREQ("handled_then_killed", wstatus(reap(pid)), "signal 9");
	char buf[16];
	EQ("sigxcpu_count", read(p[0], buf, sizeof buf), 1);
	EQ("soft_seen_in_handler", buf[0], 2);
	pid = SYS(fork());
	if (pid == 0) {
		struct rlimit lim = {1, RLIM_INFINITY};
		setrlimit(RLIMIT_CPU, &lim);
		for (;;)
			;
	}
	STREQ("default_action", wstatus(reap(pid)), "signal 24");
	pass();
}
