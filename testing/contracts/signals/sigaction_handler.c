/* sigaction installs a handler that gets the signal number; the old action
 * is returned; SIGKILL/SIGSTOP cannot be caught. */
#include "contract.h"

static volatile int got;
static void h(int s) { got = s; }

int main(void)
{
	struct sigaction sa = {0}, old;
	sa.sa_handler = h;
	SYS(sigaction(SIGUSR1, &sa, &old));
	EQ("old_is_default", old.sa_handler == SIG_DFL, 1);
	SYS(raise(SIGUSR1));
	EQ("got", got, SIGUSR1);
	SYS(sigaction(SIGUSR1, NULL, &old));
	EQ("query_is_h", old.sa_handler == h, 1);
	ERR("catch_kill", sigaction(SIGKILL, &sa, NULL), EINVAL);
	ERR("catch_stop", sigaction(SIGSTOP, &sa, NULL), EINVAL);
	ERR("sig0", sigaction(0, &sa, NULL), EINVAL);
	ERR("sig65", syscall(SYS_rt_sigaction, 65, NULL, &old, 8), EINVAL);
	pass();
}
