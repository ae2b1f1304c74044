/* execveat(fd, "", AT_EMPTY_PATH) (fexecve) runs the file behind the
 * descriptor, also one opened O_PATH; the program is named /dev/fd/N (its
 * AT_EXECFN, its comm, a script's argument); an empty path without the flag
 * is ENOENT, a directory or the working directory EACCES, a file without
 * execute permission EACCES. */
#include "contract.h"
#include <sys/auxv.h>

static long execat(int fd, const char *path, char **av, int flags)
{
	return syscall(SYS_execveat, fd, path, av, (char *[]){NULL}, flags);
}

static void child_report(void)
{
	char comm[32] = {0};
	read_file("/proc/self/comm", comm, sizeof comm - 1);
	comm[strcspn(comm, "\n")] = 0;
	const char *fn = (const char *)getauxval(AT_EXECFN);
	printf("execfn_is_dev_fd: %d\n", strncmp(fn, "/dev/fd/", 8) == 0);
	printf("comm: %s\n", comm);
	fflush(stdout);
}

static void run(const char *key, int fd, char **av, const char *want)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		execat(fd, "", av, AT_EMPTY_PATH);
		_exit(99);
	}
	STREQ(key, wstatus(reap(pid)), want);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "child") == 0) {
		child_report();
		exit(7);
	}
	if (argc >= 3 && strcmp(argv[1], "interp") == 0) {
		char want[32];
		snprintf(want, sizeof want, "/dev/fd/%s", argv[3]);
		printf("script_arg_is_dev_fd: %d\n", strcmp(argv[2], want) == 0);
		exit(8);
	}
	char self[256] = {0};
	SYS(readlink("/proc/self/exe", self, sizeof self - 1));
	int rd = SYS(open(self, O_RDONLY | O_CLOEXEC));
	run("by_fd", rd, (char *[]){"x", "child", NULL}, "exit 7");
	int pathfd = SYS(open(self, O_PATH | O_CLOEXEC));
	run("by_o_path_fd", pathfd, (char *[]){"x", "child", NULL}, "exit 7");

	char text[512];
	snprintf(text, sizeof text, "#!%s interp\n", self);
	SYS(write_file("script", text));
	SYS(chmod("script", 0755));
	int sfd = SYS(open("script", O_RDONLY)); /* no O_CLOEXEC: the interpreter opens /dev/fd/N */
	char num[16];
	snprintf(num, sizeof num, "%d", sfd);
	run("script_by_fd", sfd, (char *[]){"script", num, NULL}, "exit 8");

	ERR("no_flag", execat(rd, "", (char *[]){"x", NULL}, 0), ENOENT);
	ERR("cwd", execat(AT_FDCWD, "", (char *[]){"x", NULL}, AT_EMPTY_PATH), EACCES);
	int dfd = SYS(open(".", O_RDONLY | O_DIRECTORY));
	ERR("directory", execat(dfd, "", (char *[]){"x", NULL}, AT_EMPTY_PATH), EACCES);
	SYS(write_file("plain", "data\n"));
	int pfd = SYS(open("plain", O_RDONLY));
	ERR("not_executable", execat(pfd, "", (char *[]){"x", NULL}, AT_EMPTY_PATH), EACCES);
	pass();
}
