/* execveat: AT_EMPTY_PATH on an fd, a path relative to a directory fd, a
 * "#!" script run through an fd (the interpreter is given /dev/fd/N, or
 * /dev/fd/N/name for a relative path; a close-on-exec fd makes it ENOENT),
 * AT_SYMLINK_NOFOLLOW on a symlink ELOOP, and argument errors. */
#include "contract.h"

extern char **environ;

/* run forks, runs execveat in the child and returns its output's first line
 * (or "errno NAME" when execveat failed). */
static const char *run(int dirfd, const char *path, char *const argv[], int flags)
{
	static char out[256];
	int p[2];
	if (pipe(p))
		fail("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		syscall(SYS_execveat, dirfd, path, argv, environ, flags);
		dprintf(p[1], "errno %s\n", errname(errno));
		_exit(0);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while (got < sizeof out - 1 && (n = read(p[0], out + got, sizeof out - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(p[0]);
	reap(pid);
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
	return out;
}

int main(void)
{
	char *echo[] = {"echo", "hello", NULL};
	int bb = SYS(open("/bin/busybox", O_RDONLY));
	STREQ("empty_path", run(bb, "", echo, AT_EMPTY_PATH), "hello");
	STREQ("empty_path_no_flag", run(bb, "", echo, 0), "errno ENOENT");
	int opath = SYS(open("/bin/busybox", O_PATH));
	STREQ("o_path_fd", run(opath, "", echo, AT_EMPTY_PATH), "hello");
	int bin = SYS(open("/bin", O_RDONLY | O_DIRECTORY));
	STREQ("relative", run(bin, "busybox", echo, 0), "hello");
	STREQ("relative_nodir", run(bb, "busybox", echo, 0), "errno ENOTDIR");
	STREQ("badfd", run(999, "busybox", echo, 0), "errno EBADF");
	STREQ("absolute_ignores_fd", run(999, "/bin/busybox", echo, 0), "hello");
	STREQ("badflags", run(bin, "busybox", echo, 0x1), "errno EINVAL");
	STREQ("dir_fd_empty", run(bin, "", echo, AT_EMPTY_PATH), "errno EACCES");

	/* the interpreter (busybox's echo) prints the name the script got */
	SYS(write_file("script", "#!/bin/busybox echo\n"));
	SYS(chmod("script", 0755));
	SYS(symlink("script", "link"));
	char *sh[] = {"script", NULL};
	int sfd = SYS(open("script", O_RDONLY));
	char want[64];
	snprintf(want, sizeof want, "/dev/fd/%d", sfd);
	STREQ("script_fd_name", run(sfd, "", sh, AT_EMPTY_PATH), want);
	close(sfd);
	int cwd = SYS(open(".", O_RDONLY | O_DIRECTORY));
	snprintf(want, sizeof want, "/dev/fd/%d/script", cwd);
	STREQ("script_rel_name", run(cwd, "script", sh, 0), want);
	int cfd = SYS(open("script", O_RDONLY | O_CLOEXEC));
	STREQ("script_cloexec", run(cfd, "", sh, AT_EMPTY_PATH), "errno ENOENT");
	STREQ("nofollow_link", run(cwd, "link", sh, AT_SYMLINK_NOFOLLOW), "errno ELOOP");
	snprintf(want, sizeof want, "/dev/fd/%d/link", cwd);
	STREQ("follow_link", run(cwd, "link", sh, 0), want);
	SYS(write_file("plain", "not a program\n"));
	SYS(chmod("plain", 0755));
	STREQ("noexec_format", run(cwd, "plain", sh, 0), "errno ENOEXEC");
	SYS(chmod("plain", 0644));
	STREQ("not_executable", run(cwd, "plain", sh, 0), "errno EACCES");
	pass();
}
