/* sigsuspend swaps the mask, waits for a signal, returns EINTR after the
 * handler and restores the old mask. */
#include "contract.h"

static volatile int got;
static void h(int s) { got = s; }

int main(void)
{
	signal(SIGUSR1, h);
	sigset_t block, wait, cur;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	SYS(sigprocmask(SIG_BLOCK, &block, NULL));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		usleep(20000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigemptyset(&wait);
	ERR("sigsuspend", sigsuspend(&wait), EINTR);
	EQ("handled", got, SIGUSR1);
	SYS(sigprocmask(SIG_BLOCK, NULL, &cur));
	EQ("mask_restored", sigismember(&cur, SIGUSR1), 1);
	reap(pid);
	pass();
}
