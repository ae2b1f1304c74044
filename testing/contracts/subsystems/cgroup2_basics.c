/* cgroup2: mount, list controllers, make children, move a process by
 * writing cgroup.procs, see /proc/self/cgroup, enable controllers. */
#include "contract.h"
#include <sys/mount.h>

int main(void)
{
	SYS(mkdir("cg", 0755));
	SYS(mount("cgroup2", "cg", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	char buf[512];
	SYS(read_file("cg/cgroup.controllers", buf, sizeof buf));
	EQ("has_pids", strstr(buf, "pids") != NULL, 1);
	EQ("has_memory", strstr(buf, "memory") != NULL, 1);
	SYS(mkdir("cg/test.slice", 0755));
	SYS(mkdir("cg/test.slice/leaf.scope", 0755));
	SYS(write_file("cg/cgroup.subtree_control", "+pids +memory"));
	SYS(read_file("cg/cgroup.subtree_control", buf, sizeof buf));
	STREQ("subtree_control", buf, "memory pids\n");
	EQ("pids_max_exists", access("cg/test.slice/pids.max", F_OK), 0);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		write_file("cg/test.slice/leaf.scope/cgroup.procs", "0");
		char c[256];
		read_file("/proc/self/cgroup", c, sizeof c);
		printf("proc_self_cgroup: %s", c);
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	ERR("rmdir_nonempty", rmdir("cg/test.slice"), EBUSY);
	SYS(rmdir("cg/test.slice/leaf.scope"));
	SYS(rmdir("cg/test.slice"));
	ERR("bad_procs", write_file("cg/cgroup.procs", "999999"), ESRCH);
	SYS(umount("cg"));
	pass();
}
