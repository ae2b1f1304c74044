/* PR_SET/GET_NO_NEW_PRIVS: argument checks, one-way, inherited by fork and
 * kept across execve, shown in /proc/<pid>/status. */
#include "sec.h"

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("exec_get: %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		printf("exec_status: %s\n", status_field("NoNewPrivs"));
		return 0;
	}
	EQ("initial", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	STREQ("status_initial", status_field("NoNewPrivs"), "0");
	ERR("set_2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
	ERR("set_0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	ERR("set_extra", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
	ERR("get_extra", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	pid_t c = SYS(fork());
	if (c == 0) {
		SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
		EQ("child_get", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
		STREQ("child_status", status_field("NoNewPrivs"), "1");
		pid_t g = SYS(fork());
		if (g == 0)
			_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		STREQ("grandchild", wstatus(reap(g)), "exit 1");
		char *av[] = {argv[0], "exec", NULL};
		execv("/proc/self/exe", av);
		fail("execv: %s", errname(errno));
	}
	STREQ("child", wstatus(reap(c)), "exit 0");
	EQ("parent_unchanged", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	pass();
}
