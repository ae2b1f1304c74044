/* renameat2: RENAME_EXCHANGE swaps two names across directories (a file
 * and a directory: the directory's .. and the parents' link counts
 * follow), RENAME_NOREPLACE refuses an existing target, exchanging with a
 * missing name fails, and bad flag combinations are EINVAL. */
#include "ext4.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static long r2(const char *a, const char *b, unsigned fl)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, fl);
}

int main(void)
{
	char buf[64];
	fs_begin("rename_exchange");
	SYS(mkdir("p", 0755));
	SYS(mkdir("q", 0755));
	SYS(write_file("p/file", "in-p"));
	SYS(write_file("q/file", "in-q"));
	SYS(r2("p/file", "q/file", RENAME_EXCHANGE));
	read_file("p/file", buf, sizeof buf);
	STREQ("p_file", buf, "in-q");
	read_file("q/file", buf, sizeof buf);
	STREQ("q_file", buf, "in-p");
	SYS(mkdir("q/dir", 0755));
	SYS(write_file("q/dir/inner", "inner"));
	SYS(write_file("p/plain", "plain"));
	EQ("p_nlink", lstat_of("p").st_nlink, 2);
	EQ("q_nlink", lstat_of("q").st_nlink, 3);
	SYS(r2("p/plain", "q/dir", RENAME_EXCHANGE));
	EQ("p_nlink_after", lstat_of("p").st_nlink, 3);
	EQ("q_nlink_after", lstat_of("q").st_nlink, 2);
	EQ("p_plain_is_dir", S_ISDIR(lstat_of("p/plain").st_mode), 1);
	EQ("q_dir_is_file", S_ISREG(lstat_of("q/dir").st_mode), 1);
	EQ("dotdot_is_p", lstat_of("p/plain/..").st_ino == lstat_of("p").st_ino, 1);
	read_file("p/plain/inner", buf, sizeof buf);
	STREQ("inner", buf, "inner");
	ERR("noreplace", r2("p/file", "q/file", RENAME_NOREPLACE), EEXIST);
	SYS(r2("p/file", "p/new", RENAME_NOREPLACE));
	ERR("exchange_missing", r2("p/new", "p/none", RENAME_EXCHANGE), ENOENT);
	ERR("both_flags", r2("p/new", "q/file", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	ERR("bad_flag", r2("p/new", "q/file", 1u << 10), EINVAL);
	ERR("exchange_into_self", r2("p", "p/plain", RENAME_EXCHANGE), EINVAL);
	fs_remount("rename_exchange", 0);
	read_file("p/new", buf, sizeof buf);
	STREQ("p_new", buf, "in-q");
	read_file("q/dir", buf, sizeof buf);
	STREQ("q_dir", buf, "plain");
	EQ("p_entries", count_entries("p"), 2);
	EQ("q_entries", count_entries("q"), 2);
	fs_end();
}
