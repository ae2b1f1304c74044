/* utimensat sets atime/mtime exactly, honours UTIME_OMIT, and NULL means now. */
#include "contract.h"
#include <time.h>

int main(void)
{
	SYS(write_file("f", "x"));
	struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	struct stat st;
	SYS(stat("f", &st));
	EQ("atime", st.st_atim.tv_sec, 1000000000);
	EQ("atime_ns", st.st_atim.tv_nsec, 123456789);
	EQ("mtime", st.st_mtim.tv_sec, 1500000000);
	EQ("mtime_ns", st.st_mtim.tv_nsec, 987654321);
	struct timespec omit[2] = {{5, UTIME_OMIT}, {1600000000, 0}};
	SYS(utimensat(AT_FDCWD, "f", omit, 0));
	SYS(stat("f", &st));
	EQ("atime_kept", st.st_atim.tv_sec, 1000000000);
	EQ("mtime_set", st.st_mtim.tv_sec, 1600000000);
	SYS(utimensat(AT_FDCWD, "f", NULL, 0));
	SYS(stat("f", &st));
	EQ("now_recent", st.st_mtim.tv_sec > 1600000000, 1);
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	ERR("bad_nsec", utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	SYS(symlink("f", "l"));
	SYS(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	SYS(lstat("l", &st));
	EQ("link_mtime", st.st_mtim.tv_sec, 1500000000);
	pass();
}
