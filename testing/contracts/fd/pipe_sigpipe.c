/* Writing to a pipe with no readers kills the writer with SIGPIPE by default. */
#include "contract.h"

int main(void)
{
	int p[2];
	SYS(pipe(p));
	close(p[0]);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	int st = reap(pid);
	STREQ("child", wstatus(st), "signal 13");
	pass();
}
