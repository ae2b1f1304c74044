/* RLIMIT_CPU: SIGXCPU when the process's CPU time reaches the soft limit
 * (the soft limit then moves up a second), SIGKILL at the hard limit; with
 * the default action SIGXCPU kills. */
#include "contract.h"
#include <sys/resource.h>
#include <time.h>

static volatile int xcpu;
static volatile long soft_seen;
static void on_xcpu(int sig)
{
	(void)sig;
	struct rlimit r;
	getrlimit(RLIMIT_CPU, &r);
	soft_seen = (long)r.rlim_cur;
	xcpu++;
	char c = 'x';
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
	int st = reap(pid);
	STREQ("handled", wstatus(st), "signal 9");
	char buf[16];
	EQ("sigxcpu_count", read(p[0], buf, sizeof buf), 1);
	pid = SYS(fork());
	if (pid == 0) {
		struct rlimit lim = {1, RLIM_INFINITY};
		setrlimit(RLIMIT_CPU, &lim);
		for (;;)
			;
	}
	st = reap(pid);
	STREQ("default", wstatus(st & 0x7f), "signal 24");
	/* the soft limit as the handler saw it */
	SYS(pipe(p));
	pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 3);
		signal(SIGXCPU, on_xcpu);
		struct rlimit lim = {1, 3};
		setrlimit(RLIMIT_CPU, &lim);
		while (xcpu == 0)
			;
		_exit((int)soft_seen);
	}
	close(p[1]);
	STREQ("soft_bumped", wstatus(reap(pid)), "exit 2");
	pass();
}
