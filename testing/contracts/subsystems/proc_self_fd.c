/* /proc/self/fd lists open fds as symlinks to their files; opening through
 * them works (also with O_PATH); fdinfo shows flags and position. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("file", O_RDWR | O_CREAT | O_APPEND, 0644));
	writeall(fd, "abc", 3);
	char path[64], link[256] = {0}, cwd[256];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	SYS(readlink(path, link, sizeof link - 1));
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	strcat(cwd, "/file");
	EQ("link_is_path", strcmp(link, cwd), 0);
	int again = SYS(open(path, O_RDONLY));
	char buf[8] = {0};
	EQ("reopen_read", read(again, buf, sizeof buf), 3);
	EQ("reopen_new_offset", lseek(fd, 0, SEEK_CUR), 3);
	int opath = SYS(open(path, O_PATH));
	EQ("o_path_ok", opath >= 0, 1);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	char info[512];
	SYS(read_file(path, info, sizeof info));
	EQ("pos", strncmp(info, "pos:\t3\n", 7), 0);
	char *fl = strstr(info, "flags:\t");
	CHECK(fl != NULL);
	long flags = strtol(fl + 7, NULL, 8);
	EQ("flags_append", !!(flags & O_APPEND), 1);
	EQ("flags_rdwr", flags & O_ACCMODE, O_RDWR);
	char self[64] = {0};
	SYS(readlink("/proc/self", self, sizeof self - 1));
	EQ("proc_self_is_pid", atoi(self) == getpid(), 1); /* a pid differs between kernels */
	pass();
}
