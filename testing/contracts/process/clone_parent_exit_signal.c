/* A child made with CLONE_PARENT becomes its caller's sibling and takes
 * the caller's exit signal (SIGCHLD here), not the one clone asked for:
 * the grandparent receives SIGCHLD, never SIGUSR1, and waitpid without
 * __WCLONE finds the child. */
#include "contract.h"
#include <sched.h>

static volatile sig_atomic_t usr1, chld;
static void on_usr1(int s) { (void)s; usr1++; }
static void on_chld(int s) { (void)s; chld++; }

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
	SYS(sigaction(SIGUSR1, &sa, NULL));
	sa.sa_handler = on_chld;
	SYS(sigaction(SIGCHLD, &sa, NULL));
	int pp[2];
	SYS(pipe(pp));
	pid_t c = SYS(fork());
	if (c == 0) {
		/* a plain clone (no CLONE_VM): the grandchild exits at once */
		long g = syscall(SYS_clone, CLONE_PARENT | SIGUSR1, 0, 0, 0, 0);
		if (g == 0)
			_exit(7);
		write(pp[1], &g, sizeof g);
		_exit(g > 0 ? 0 : 1);
	}
	int st;
	pid_t r;
	while ((r = waitpid(c, &st, 0)) < 0 && errno == EINTR)
		;
	EQ("child_reaped", r == c, 1);
	EQ("child_status", WEXITSTATUS(st), 0);
	long g = 0;
	SYS(read(pp[0], &g, sizeof g));
	while ((r = waitpid((pid_t)g, &st, 0)) < 0 && errno == EINTR)
		;
	EQ("grandchild_reaped_as_sibling", r == (pid_t)g, 1);
	EQ("grandchild_status", WEXITSTATUS(st), 7);
	EQ("usr1_received", usr1, 0);
	EQ("sigchld_received", chld >= 1, 1);
	pass();
}
