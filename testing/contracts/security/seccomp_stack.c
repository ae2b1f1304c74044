/* Stacked filters: the most restrictive action wins whatever the order,
 * among equal actions the newest filter's data; filters are inherited by
 * fork and kept across execve, with no_new_privs. Filters see the
 * arguments. */
#include "sec.h"

static void check_after_exec(void)
{
	errno = 0;
	long r = syscall(SYS_getppid);
	printf("exec_getppid: %s\n", r == -1 ? errname(errno) : "success");
	printf("exec_Seccomp: %s\n", status_field("Seccomp"));
	printf("exec_Seccomp_filters: %s\n", status_field("Seccomp_filters"));
	printf("exec_NoNewPrivs: %s\n", status_field("NoNewPrivs"));
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		check_after_exec();
	SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	pid_t c = SYS(fork());
	if (c == 0) {
		SYS(deny(SYS_getppid, SECCOMP_RET_ERRNO | EPERM));
		SYS(deny(SYS_getppid, SECCOMP_RET_ALLOW));
		ERR("older_errno_wins", syscall(SYS_getppid), EPERM);
		SYS(deny(SYS_getppid, SECCOMP_RET_ERRNO | EACCES));
		ERR("newest_errno_data", syscall(SYS_getppid), EACCES);
		SYS(deny(SYS_getppid, SECCOMP_RET_LOG));
		ERR("errno_beats_log", syscall(SYS_getppid), EACCES);
		/* Argument filter: dup(fd) fails only for fd 77. */
		struct sock_filter f[] = {
			LD_NR,
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_dup, 0, 3),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 77, 0, 1),
			RET(SECCOMP_RET_ERRNO | EXDEV),
			RET(SECCOMP_RET_ALLOW),
		};
		SYS(install(f, sizeof f / sizeof f[0], 0));
		ERR("dup77", dup(77), EXDEV);
		ERR("dup78_reaches_kernel", dup(78), EBADF);
		EQ("filters", atoi(status_field("Seccomp_filters")), 5);
		pid_t g = SYS(fork());
		if (g == 0) {
			_exit(syscall(SYS_getppid) == -1 && errno == EACCES && dup(77) == -1 && errno == EXDEV ? 0 : 1);
		}
		STREQ("fork_inherits", wstatus(reap(g)), "exit 0");
		char *av[] = {argv[0], "exec", NULL};
		execv("/proc/self/exe", av);
		fail("execv: %s", errname(errno));
	}
	int st = reap(c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EQ("parent_unfiltered", syscall(SYS_getppid) > 0, 1);
	pass();
}
