/* Dropping privileges: setresuid sets all three; an unprivileged process
 * can only swap among its own ids; setgroups needs privilege. */
#include "contract.h"
#include <grp.h>

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		gid_t g[2] = {5, 6};
		SYS(setgroups(2, g));
		EQ("ngroups", getgroups(0, NULL), 2);
		SYS(setresgid(100, 100, 100));
		SYS(setresuid(1000, 1001, 1002));
		uid_t r, e, s;
		SYS(getresuid(&r, &e, &s));
		OUT("uids", "%d %d %d", r, e, s);
		EQ("seteuid_saved", seteuid(1002), 0);
		EQ("euid", geteuid(), 1002);
		ERR("seteuid_other", seteuid(0), EPERM);
		ERR("setgroups", setgroups(0, NULL), EPERM);
		ERR("setuid_root", setuid(0), EPERM);
		exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	pass();
}
