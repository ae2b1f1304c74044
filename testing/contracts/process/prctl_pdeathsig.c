/* PR_SET_PDEATHSIG delivers the signal when the parent thread dies, and
 * fork clears it in the child. */
#include "contract.h"
#include <sys/prctl.h>

int main(void)
{
	int p[2];
	SYS(pipe(p));
	SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	pid_t mid = SYS(fork());
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			int v = 0;
			prctl(PR_GET_PDEATHSIG, &v);
			write(p[1], &v, sizeof v);
			for (;;)
				pause();
		}
		int v;
		read(p[0], &v, sizeof v);
		write(p[1], &g, sizeof g);
		_exit(v == SIGUSR1 ? 0 : 1);
	}
	STREQ("middle", wstatus(reap(mid)), "exit 0");
	pid_t g;
	SYS(read(p[0], &g, sizeof g));
	int st;
	EQ("reaped", waitpid(g, &st, 0) == g, 1);
	STREQ("grandchild", wstatus(st), "signal 10");
	int v = -1;
	SYS(prctl(PR_GET_PDEATHSIG, &v));
	EQ("own_pdeathsig", v, 0);
	pass();
}
