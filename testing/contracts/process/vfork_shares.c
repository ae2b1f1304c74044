/* vfork suspends the parent until the child execs or exits and shares memory. */
#include "contract.h"

int main(void)
{
	volatile int shared = 1;
	pid_t pid = vfork();
	if (pid < 0)
		fail("vfork: %s", errname(errno));
	if (pid == 0) {
		shared = 2;
		_exit(3);
	}
	EQ("shared_seen", shared, 2);
	STREQ("status", wstatus(reap(pid)), "exit 3");
	pass();
}
