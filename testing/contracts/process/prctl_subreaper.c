/* PR_SET_CHILD_SUBREAPER: orphaned grandchildren are reparented to the
 * subreaper and reaped by it. */
#include "contract.h"
#include <sys/prctl.h>

int main(void)
{
	int v = -1;
	SYS(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
	EQ("initial", v, 0);
	SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	SYS(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
	EQ("set", v, 1);
	/* p holds the grandchild until the middle process is gone; q carries
	 * the grandchild's pid (one pipe for both would let the grandchild
	 * swallow part of the pid). */
	int p[2], q[2];
	SYS(pipe(p));
	SYS(pipe(q));
	pid_t mid = SYS(fork());
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			_exit(getppid() == getppid() ? 9 : 0);
		}
		write(q[1], &g, sizeof g);
		_exit(0);
	}
	pid_t g;
	close(p[1]);
	close(q[1]);
	EQ("pid_read", read(q[0], &g, sizeof g), (long)sizeof g);
	STREQ("middle", wstatus(reap(mid)), "exit 0");
	/* The grandchild is now ours; wake it by closing its pipe. */
	int st;
	EQ("reaped_grandchild", waitpid(g, &st, 0) == g, 1);
	STREQ("grandchild", wstatus(st), "exit 9");
	pass();
}
