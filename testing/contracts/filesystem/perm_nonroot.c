/* Permission bits bind a non-root user: EACCES on read/write/search, while
 * the owner may chmod and root is exempt. */
#include "contract.h"

int main(void)
{
	SYS(write_file("secret", "s"));
	SYS(chmod("secret", 0600));
	SYS(mkdir("closed", 0700));
	SYS(write_file("closed/inner", "i"));
	SYS(write_file("mine", "m"));
	SYS(chown("mine", 1000, 1000));
	SYS(chmod(".", 0755));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setgroups(0, NULL));
		SYS(setgid(1000));
		SYS(setuid(1000));
		ERR("read_0600", open("secret", O_RDONLY), EACCES);
		ERR("search_0700", open("closed/inner", O_RDONLY), EACCES);
		ERR("create_in_0755", open("new", O_CREAT | O_WRONLY, 0644), EACCES);
		ERR("chmod_not_owner", chmod("secret", 0644), EPERM);
		EQ("chmod_owner", chmod("mine", 0400), 0);
		ERR("write_0400", open("mine", O_WRONLY), EACCES);
		EQ("access_r", access("mine", R_OK), 0);
		ERR("access_w", access("mine", W_OK), EACCES);
		exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	EQ("root_reads", open("secret", O_RDONLY) >= 0, 1);
	pass();
}
