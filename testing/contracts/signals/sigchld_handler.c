/* SIGCHLD arrives when a child exits; SA_NOCLDWAIT makes children vanish
 * without zombies (wait gives ECHILD). */
#include "contract.h"

static volatile int got;
static void h(int s) { got = s; }

int main(void)
{
	signal(SIGCHLD, h);
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(0);
	reap(pid);
	EQ("sigchld", got, SIGCHLD);
	struct sigaction sa = {0};
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT;
	SYS(sigaction(SIGCHLD, &sa, NULL));
	pid = SYS(fork());
	if (pid == 0)
		_exit(0);
	int st;
	ERR("nocldwait", waitpid(pid, &st, 0), ECHILD);
	pass();
}
