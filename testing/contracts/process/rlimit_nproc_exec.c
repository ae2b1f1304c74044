/* RLIMIT_NPROC and set*uid: becoming a user who already has more
 * processes than the limit succeeds, but the next execve fails with
 * EAGAIN (Linux moved the failure there because programs ignore setuid's
 * result); once the user's processes are gone, execve works again. */
#include "contract.h"
#include <sys/resource.h>

int main(void)
{
	int hold[2], up[2];
	SYS(pipe(hold));
	SYS(pipe(up));
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = SYS(fork());
		if (kids[i] == 0) {
			if (setresuid(1000, 1000, 1000))
				_exit(9);
			write(up[1], "u", 1);
			close(hold[1]);
			char c;
			read(hold[0], &c, 1);
			_exit(0);
		}
	}
	close(hold[0]);
	char u[3];
	for (int got = 0; got < 3;)
		got += SYS(read(up[0], u, 3 - got));
	int rep[2];
	SYS(pipe(rep));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		close(rep[0]);
		struct rlimit r = {2, 2};
		setrlimit(RLIMIT_NPROC, &r);
		long rc = setresuid(1000, 1000, 1000);
		dprintf(rep[1], "setuid: %s\n", rc ? errname(errno) : "OK");
		char *argv[] = {"true", NULL};
		execv("/bin/busybox", argv);
		dprintf(rep[1], "exec_over: %s\n", errname(errno));
		pid_t f = fork();
		if (f == 0)
			_exit(0);
		dprintf(rep[1], "fork_over: %s\n", f < 0 ? errname(errno) : "OK");
		if (f > 0)
			waitpid(f, NULL, 0);
		_exit(0);
	}
	close(rep[1]);
	STREQ("child", wstatus(reap(pid)), "exit 0");
	char buf[256] = {0};
	size_t got = 0;
	ssize_t n;
	while ((n = read(rep[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += n;
	fputs(buf, stdout);
	close(hold[1]);
	for (int i = 0; i < 3; i++)
		reap(kids[i]);
	/* the user's processes are gone: setuid then execve works */
	pid = SYS(fork());
	if (pid == 0) {
		struct rlimit r = {2, 2};
		setrlimit(RLIMIT_NPROC, &r);
		setresuid(1000, 1000, 1000);
		char *argv[] = {"true", NULL};
		execv("/bin/busybox", argv);
		_exit(1);
	}
	STREQ("exec_under", wstatus(reap(pid)), "exit 0");
	pass();
}
