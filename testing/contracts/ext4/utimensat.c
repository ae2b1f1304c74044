/* utimensat and futimens on ext4: explicit times with nanoseconds kept
 * (256-byte inodes), UTIME_OMIT and UTIME_NOW, times before 1970 and
 * after 2038 (the extra epoch bits), AT_SYMLINK_NOFOLLOW on a symlink,
 * a directory, EINVAL for bad nanoseconds; all read back after a
 * remount. */
#include "ext4.h"

static void show(const char *k, const char *p)
{
	struct stat st = lstat_of(p);
	OUT(k, "atime=%lld.%09ld mtime=%lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(void)
{
	fs_begin("utimensat");
	SYS(write_file("f", "x"));
	struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
	SYS(utimensat(AT_FDCWD, "f", ts, 0));
	show("explicit", "f");
	struct timespec omit[2] = {{5, UTIME_OMIT}, {1500000000, 1}};
	SYS(utimensat(AT_FDCWD, "f", omit, 0));
	show("omit_atime", "f");
	SYS(write_file("old", "x"));
	struct timespec pre[2] = {{-1000000, 500}, {-86400 * 365LL * 60, 0}};
	SYS(utimensat(AT_FDCWD, "old", pre, 0));
	show("before_1970", "old");
	SYS(write_file("future", "x"));
	struct timespec fut[2] = {{4102444800LL, 42}, {8000000000LL, 999999999}};
	SYS(utimensat(AT_FDCWD, "future", fut, 0));
	show("after_2038", "future");
	SYS(symlink("f", "link"));
	struct timespec lt[2] = {{1111111111, 0}, {1222222222, 0}};
	SYS(utimensat(AT_FDCWD, "link", lt, AT_SYMLINK_NOFOLLOW));
	show("symlink", "link");
	show("target_untouched", "f");
	SYS(mkdir("d", 0755));
	SYS(utimensat(AT_FDCWD, "d", lt, 0));
	show("dir", "d");
	int fd = SYS(open("f", O_RDWR));
	struct timespec ft[2] = {{1300000000, 300}, {1400000000, 400}};
	SYS(futimens(fd, ft));
	show("futimens", "f");
	struct stat before;
	SYS(fstat(fd, &before));
	struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	SYS(futimens(fd, now));
	struct stat after;
	SYS(fstat(fd, &after));
	EQ("now_moved", after.st_mtim.tv_sec > 1600000000, 1);
	EQ("ctime_now", after.st_ctim.tv_sec >= before.st_ctim.tv_sec, 1);
	SYS(futimens(fd, ft));
	close(fd);
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	ERR("bad_nsec", utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	ERR("bad_flags", utimensat(AT_FDCWD, "f", ts, 0x8000), EINVAL);
	fs_remount("utimensat", 0);
	show("f_remount", "f");
	show("old_remount", "old");
	show("future_remount", "future");
	show("link_remount", "link");
	show("dir_remount", "d");
	fs_end();
}
