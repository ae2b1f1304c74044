/* Only the low 8 bits of the exit status reach the parent; atexit handlers
 * run on exit() but not on _exit(). */
#include "contract.h"

static void handler(void) { write(1, "atexit: ran\n", 12); }

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(256 + 3);
	STREQ("truncated", wstatus(reap(pid)), "exit 3");
	pid = SYS(fork());
	if (pid == 0) {
		atexit(handler);
		exit(-1);
	}
	STREQ("negative", wstatus(reap(pid)), "exit 255");
	pid = SYS(fork());
	if (pid == 0) {
		atexit(handler);
		_exit(0);
	}
	STREQ("underscore_exit", wstatus(reap(pid)), "exit 0");
	pass();
}
