/* statx returns size, mode, nlink, and the mask of fields it filled. */
#include "contract.h"
#include <linux/stat.h>

int main(void)
{
	SYS(write_file("f", "hello"));
	SYS(chmod("f", 0640));
	struct statx sx;
	memset(&sx, 0xff, sizeof sx);
	SYS(syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx));
	EQ("basic_mask", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, 1);
	EQ("size", sx.stx_size, 5);
	OUT("mode", "%o", sx.stx_mode);
	CHECK(sx.stx_mode == (S_IFREG | 0640));
	EQ("nlink", sx.stx_nlink, 1);
	EQ("uid", sx.stx_uid, 0);
	struct stat st;
	SYS(stat("f", &st));
	EQ("ino_matches", sx.stx_ino == st.st_ino, 1);
	EQ("mtime_matches", sx.stx_mtime.tv_sec == st.st_mtim.tv_sec, 1);
	int fd = SYS(open("f", O_RDONLY));
	SYS(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
	EQ("empty_path_size", sx.stx_size, 5);
	ERR("badflags", syscall(SYS_statx, AT_FDCWD, "f", 0x80000000, STATX_SIZE, &sx), EINVAL);
	ERR("reserved_mask", syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000U, &sx), EINVAL);
	pass();
}
