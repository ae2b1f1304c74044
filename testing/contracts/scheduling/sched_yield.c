/* sched_yield always succeeds, also with another runnable process. */
#include "contract.h"
#include <sched.h>

int main(void)
{
	for (int i = 0; i < 1000; i++)
		if (sched_yield() != 0)
			fail("sched_yield: %s", errname(errno));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		for (int i = 0; i < 100; i++)
			sched_yield();
		_exit(0);
	}
	for (int i = 0; i < 100; i++)
		SYS(sched_yield());
	STREQ("child", wstatus(reap(pid)), "exit 0");
	EQ("yield", sched_yield(), 0);
	pass();
}
