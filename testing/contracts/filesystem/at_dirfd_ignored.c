/* The *at calls look at dirfd only when the path is relative: an absolute
 * path works with any dirfd, even one that is not open, and an empty path
 * without AT_EMPTY_PATH is ENOENT before dirfd is looked at. */
#include "contract.h"

int main(void)
{
	struct stat st;
	char sx[256];
	int bad = 77;
	ERR("bad_is_closed", fcntl(bad, F_GETFD), EBADF);
	int fd = openat(bad, "/", O_RDONLY | O_DIRECTORY);
	EQ("openat_absolute", fd >= 0, 1);
	EQ("fstatat_absolute", syscall(SYS_newfstatat, bad, "/", &st, 0), 0);
	EQ("statx_absolute", syscall(SYS_statx, bad, "/", 0, 0x7ff, sx), 0);
	EQ("faccessat_absolute", syscall(SYS_faccessat, bad, "/", F_OK), 0);
	ERR("faccessat_empty", syscall(SYS_faccessat, bad, "", F_OK), ENOENT);
	ERR("faccessat_relative", syscall(SYS_faccessat, bad, "x", F_OK), EBADF);
	ERR("fstatat_relative", syscall(SYS_newfstatat, bad, "x", &st, 0), EBADF);
	ERR("fstatat_empty_noflag", syscall(SYS_newfstatat, bad, "", &st, 0), ENOENT);
	ERR("fstatat_empty_flag", syscall(SYS_newfstatat, bad, "", &st, AT_EMPTY_PATH), EBADF);
	ERR("statx_empty_noflag", syscall(SYS_statx, bad, "", 0, 0x7ff, sx), ENOENT);
	ERR("statx_empty_flag", syscall(SYS_statx, bad, "", AT_EMPTY_PATH, 0x7ff, sx), EBADF);
	pass();
}
