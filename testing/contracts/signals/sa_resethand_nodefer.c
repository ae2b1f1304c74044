/* SA_RESETHAND restores the default after one delivery; without SA_NODEFER
 * the signal is blocked inside its handler, with it the handler nests. */
#include "contract.h"

static volatile int depth, maxdepth, blocked_inside, raised;
static void h(int s)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	blocked_inside = sigismember(&cur, s);
	depth++;
	if (depth > maxdepth)
		maxdepth = depth;
	if (depth == 1 && !raised) {
		raised = 1;
		raise(s);
	}
	depth--;
}

int main(void)
{
	struct sigaction sa = {0}, cur;
	sa.sa_handler = h;
	SYS(sigaction(SIGUSR1, &sa, NULL));
	raise(SIGUSR1);
	EQ("blocked_inside", blocked_inside, 1);
	EQ("no_nesting", maxdepth, 1);
	sa.sa_flags = SA_NODEFER;
	maxdepth = 0;
	raised = 0;
	SYS(sigaction(SIGUSR2, &sa, NULL));
	raise(SIGUSR2);
	EQ("nested", maxdepth, 2);
	sa.sa_flags = SA_RESETHAND;
	SYS(sigaction(SIGHUP, &sa, NULL));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		raise(SIGHUP);
		raise(SIGHUP);
		_exit(0);
	}
	STREQ("second_is_default", wstatus(reap(pid)), "signal 1");
	raise(SIGHUP);
	SYS(sigaction(SIGHUP, NULL, &cur));
	EQ("reset", cur.sa_handler == SIG_DFL, 1);
	pass();
}
