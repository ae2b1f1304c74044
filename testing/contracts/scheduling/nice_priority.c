/* getpriority/setpriority and nice: raising niceness is allowed, lowering
 * needs privilege; values clamp to [-20, 19]. */
#include "contract.h"
#include <sys/resource.h>

int main(void)
{
	errno = 0;
	EQ("initial", getpriority(PRIO_PROCESS, 0), 0);
	SYS(setpriority(PRIO_PROCESS, 0, 5));
	EQ("set5", getpriority(PRIO_PROCESS, 0), 5);
	errno = 0;
	EQ("nice_plus2", nice(2), 7);
	SYS(setpriority(PRIO_PROCESS, 0, 100));
	EQ("clamped_high", getpriority(PRIO_PROCESS, 0), 19);
	SYS(setpriority(PRIO_PROCESS, 0, -100));
	EQ("clamped_low_root", getpriority(PRIO_PROCESS, 0), -20);
	SYS(setpriority(PRIO_PROCESS, 0, 0));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		setpriority(PRIO_PROCESS, 0, 10);
		setuid(1000);
		if (setpriority(PRIO_PROCESS, 0, 15) != 0)
			_exit(1);
		_exit(setpriority(PRIO_PROCESS, 0, 5) == -1 && errno == EACCES ? 0 : 2);
	}
	STREQ("unprivileged", wstatus(reap(pid)), "exit 0");
	ERR("badwhich", setpriority(99, 0, 1), EINVAL);
	ERR("nosuch", getpriority(PRIO_PROCESS, 999999), ESRCH);
	pass();
}
