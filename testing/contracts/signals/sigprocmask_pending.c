/* Blocked signals stay pending (sigpending) and are delivered on unblock;
 * SIGKILL/SIGSTOP cannot be blocked. */
#include "contract.h"

static volatile int count;
static void h(int s) { (void)s; count++; }

int main(void)
{
	signal(SIGUSR1, h);
	sigset_t m, old, pend;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGKILL);
	sigaddset(&m, SIGSTOP);
	SYS(sigprocmask(SIG_BLOCK, &m, &old));
	EQ("old_empty", sigismember(&old, SIGUSR1), 0);
	raise(SIGUSR1);
	raise(SIGUSR1);
	EQ("not_delivered", count, 0);
	SYS(sigpending(&pend));
	EQ("pending", sigismember(&pend, SIGUSR1), 1);
	sigset_t cur;
	SYS(sigprocmask(SIG_BLOCK, NULL, &cur));
	EQ("kill_not_blocked", sigismember(&cur, SIGKILL), 0);
	EQ("stop_not_blocked", sigismember(&cur, SIGSTOP), 0);
	SYS(sigprocmask(SIG_UNBLOCK, &m, NULL));
	EQ("delivered_once", count, 1);
	SYS(sigpending(&pend));
	EQ("pending_after", sigismember(&pend, SIGUSR1), 0);
	ERR("badhow", syscall(SYS_rt_sigprocmask, 99, &m, NULL, 8), EINVAL);
	ERR("badsize", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 4), EINVAL);
	pass();
}
