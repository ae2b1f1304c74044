/* In a sticky directory a non-owner cannot delete or rename others' files. */
#include "contract.h"

int main(void)
{
	SYS(mkdir("shared", 01777));
	SYS(chmod("shared", 01777));
	SYS(write_file("shared/roots", "r"));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setgid(1000));
		SYS(setuid(1000));
		SYS(write_file("shared/mine", "m"));
		ERR("unlink_other", unlink("shared/roots"), EPERM);
		ERR("rename_other", rename("shared/roots", "shared/x"), EPERM);
		EQ("unlink_own", unlink("shared/mine"), 0);
		exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	struct stat st;
	SYS(stat("shared", &st));
	OUT("mode", "%o", st.st_mode & 07777);
	pass();
}
