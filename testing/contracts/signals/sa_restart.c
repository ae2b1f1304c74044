/* A handler with SA_RESTART restarts a blocking read; without it the read
 * fails with EINTR. */
#include "contract.h"

static void h(int s) { (void)s; }

static int try(int flags)
{
	struct sigaction sa = {0};
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		usleep(300000);
		write(p[1], "x", 1);
		_exit(0);
	}
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	errno = 0;
	int r = read(p[0], &c, 1);
	int e = errno;
	reap(pid);
	close(p[0]);
	close(p[1]);
	return r == 1 ? 0 : e;
}

int main(void)
{
	STREQ("with_restart", errname(try(SA_RESTART)), "OK");
	STREQ("without_restart", errname(try(0)), "EINTR");
	pass();
}
