/* faccessat/access: F_OK/X_OK for root follow mode bits for exec;
 * AT_SYMLINK_NOFOLLOW checks the link itself. */
#include "contract.h"

int main(void)
{
	SYS(write_file("noexec", "x"));
	SYS(chmod("noexec", 0644));
	SYS(write_file("exec", "x"));
	SYS(chmod("exec", 0100));
	EQ("f_ok", access("noexec", F_OK), 0);
	EQ("root_rw", access("noexec", R_OK | W_OK), 0);
	ERR("root_x_noexec", access("noexec", X_OK), EACCES);
	EQ("root_x_exec", access("exec", X_OK), 0);
	SYS(symlink("missing", "dangling"));
	ERR("follow", faccessat(AT_FDCWD, "dangling", F_OK, 0), ENOENT);
	EQ("nofollow", faccessat(AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	ERR("badmode", syscall(SYS_faccessat, AT_FDCWD, "exec", 0100), EINVAL);
	pass();
}
