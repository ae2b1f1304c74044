/* chroot changes what "/" means for the process; ".." at the new root stays. */
#include "contract.h"

int main(void)
{
	SYS(mkdir("jail", 0755));
	SYS(mkdir("jail/etc", 0755));
	SYS(write_file("jail/etc/marker", "inside"));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(chroot("jail"));
		SYS(chdir("/"));
		char buf[16] = {0};
		SYS(read_file("/etc/marker", buf, sizeof buf));
		STREQ("marker", buf, "inside");
		SYS(chdir("../../.."));
		char cwd[64];
		CHECK(getcwd(cwd, sizeof cwd) != NULL);
		STREQ("cwd", cwd, "/");
		ERR("outside", access("/contracts", F_OK), ENOENT);
		exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	ERR("notdir", chroot("jail/etc/marker"), ENOTDIR);
	ERR("missing", chroot("nope"), ENOENT);
	pass();
}
