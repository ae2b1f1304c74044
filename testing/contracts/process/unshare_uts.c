/* unshare(CLONE_NEWUTS) gives the child its own hostname. */
#include "contract.h"
#include <sched.h>
#include <sys/utsname.h>

int main(void)
{
	SYS(sethostname("outer", 5));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(unshare(CLONE_NEWUTS));
		SYS(sethostname("inner", 5));
		struct utsname u;
		uname(&u);
		STREQ("child_nodename", u.nodename, "inner");
		exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	struct utsname u;
	SYS(uname(&u));
	STREQ("parent_nodename", u.nodename, "outer");
	ERR("badflag", unshare(0x1), EINVAL);
	pass();
}
