/* statx error paths: unknown flags EINVAL, both sync types EINVAL, the
 * reserved mask bit EINVAL, bad pointers EFAULT, an empty path without
 * AT_EMPTY_PATH ENOENT, AT_EMPTY_PATH on an fd, a relative path with a
 * non-directory fd ENOTDIR; the returned mask covers the basic stats. */
#include "contract.h"
#include <linux/stat.h>

static long sx(int dfd, const char *p, int flags, unsigned mask, void *buf)
{
	return syscall(SYS_statx, dfd, p, flags, mask, buf);
}

int main(void)
{
	struct statx st;
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0640));
	writeall(fd, "hello", 5);
	ERR("bad_flags", sx(AT_FDCWD, "f", 0x1, STATX_BASIC_STATS, &st), EINVAL);
	ERR("both_sync", sx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &st), EINVAL);
	ERR("reserved_mask", sx(AT_FDCWD, "f", 0, 0x80000000u, &st), EINVAL);
	ERR("buf_fault", sx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, (void *)8), EFAULT);
	ERR("path_fault", sx(AT_FDCWD, (void *)8, 0, STATX_BASIC_STATS, &st), EFAULT);
	ERR("empty", sx(AT_FDCWD, "", 0, STATX_BASIC_STATS, &st), ENOENT);
	ERR("missing", sx(AT_FDCWD, "nope", 0, STATX_BASIC_STATS, &st), ENOENT);
	ERR("notdir_fd", sx(fd, "x", 0, STATX_BASIC_STATS, &st), ENOTDIR);
	ERR("badfd", sx(999, "x", 0, STATX_BASIC_STATS, &st), EBADF);
	memset(&st, 0, sizeof st);
	EQ("empty_path_fd", sx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st), 0);
	EQ("size", st.stx_size, 5);
	EQ("mode", st.stx_mode & 07777, 0640);
	EQ("basic_mask", (st.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, 1);
	memset(&st, 0, sizeof st);
	EQ("mask0", sx(AT_FDCWD, "f", 0, 0, &st), 0);
	EQ("mask0_size", st.stx_size, 5);
	EQ("dont_sync", sx(AT_FDCWD, "f", AT_STATX_DONT_SYNC, STATX_SIZE, &st), 0);
	SYS(symlink("f", "l"));
	memset(&st, 0, sizeof st);
	EQ("nofollow", sx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st), 0);
	EQ("nofollow_is_link", S_ISLNK(st.stx_mode), 1);
	EQ("nofollow_size", st.stx_size, 1);
	pass();
}
