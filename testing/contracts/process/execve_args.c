/* execve passes argv and envp, keeps the pid and non-CLOEXEC fds, closes
 * CLOEXEC fds, and reports ENOENT/EACCES/ENOEXEC. */
#include "contract.h"

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "child") == 0) {
		/* argv[2] is a pid, which differs between kernels: print only
		 * that it round-tripped (pid_same below). */
		OUT("child_argv", "%s %s", argv[1], argv[3]);
		OUT("child_env", "%s", getenv("CONTRACT_VAR") ? getenv("CONTRACT_VAR") : "(unset)");
		OUT("keep_fd", "%d", fcntl(atoi(argv[3]), F_GETFD) >= 0);
		OUT("cloexec_fd_closed", "%d", fcntl(atoi(argv[3]) + 1, F_GETFD) < 0 && errno == EBADF);
		printf("pid_same: %d\n", getpid() == (pid_t)atoi(argv[2]));
		exit(0);
	}
	int keep = SYS(dup2(1, 20));
	SYS(fcntl(21 - 0, F_GETFD) < 0 ? 0 : 0);
	SYS(dup3(1, 21, O_CLOEXEC));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char p[16], k[16];
		snprintf(p, sizeof p, "%d", getpid());
		snprintf(k, sizeof k, "%d", keep);
		char *av[] = {"/proc/self/exe", "child", p, k, NULL};
		char *ev[] = {"CONTRACT_VAR=hello", NULL};
		execve("/proc/self/exe", av, ev);
		_exit(99);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	char *av[] = {"x", NULL};
	ERR("enoent", execve("/nonexistent", av, NULL), ENOENT);
	SYS(write_file("noexec", "#!/bin/sh\n"));
	SYS(chmod("noexec", 0644));
	ERR("eacces", execve("noexec", av, NULL), EACCES);
	SYS(write_file("garbage", "\x01\x02\x03\x04garbage"));
	SYS(chmod("garbage", 0755));
	ERR("enoexec", execve("garbage", av, NULL), ENOEXEC);
	ERR("dir", execve("/", av, NULL), EACCES);
	pass();
}
