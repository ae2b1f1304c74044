/* RLIMIT_NPROC: an unprivileged user's fork and clone fail with EAGAIN once
 * the processes and threads of its real uid exceed the limit; zombies count
 * until reaped; root is not limited. */
#include "contract.h"
#include <sys/resource.h>

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		struct rlimit lim = {3, 3};
		if (setrlimit(RLIMIT_NPROC, &lim))
			_exit(20);
		/* root ignores the limit */
		pid_t kids[5];
		for (int i = 0; i < 5; i++) {
			kids[i] = fork();
			if (kids[i] == 0)
				_exit(0);
			if (kids[i] < 0)
				_exit(21);
		}
		for (int i = 0; i < 5; i++)
			waitpid(kids[i], NULL, 0);
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(22);
		int made = 0, err = 0;
		pid_t z[8];
		for (int i = 0; i < 8; i++) {
			z[i] = fork();
			if (z[i] == 0)
				_exit(0); /* stays a zombie: counts */
			if (z[i] < 0) {
				err = errno;
				break;
			}
			made++;
		}
		printf("made: %d\n", made);
		printf("err: %s\n", errname(err));
		waitpid(z[0], NULL, 0);
		pid_t again = fork();
		if (again == 0)
			_exit(0);
		printf("after_reap: %s\n", again > 0 ? "OK" : errname(errno));
		/* the limit is per real uid: a setuid-to-other process is not counted */
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	pass();
}
