/* Real-time signals queue every instance and are delivered lowest number
 * first; standard signals coalesce. */
#include "contract.h"

static int order[16], n;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	if (n < 16)
		order[n++] = (s - SIGRTMIN) * 100 + si->si_value.sival_int;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask); /* no nesting: one handler at a time, in delivery order */
	SYS(sigaction(SIGRTMIN, &sa, NULL));
	SYS(sigaction(SIGRTMIN + 2, &sa, NULL));
	SYS(sigaction(SIGUSR1, &sa, NULL));
	sigset_t m;
	sigfillset(&m);
	SYS(sigprocmask(SIG_BLOCK, &m, NULL));
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){1});
	sigqueue(getpid(), SIGRTMIN, (union sigval){2});
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){3});
	sigqueue(getpid(), SIGRTMIN, (union sigval){4});
	SYS(sigprocmask(SIG_UNBLOCK, &m, NULL));
	EQ("count", n, 4);
	OUT("order", "%d %d %d %d", order[0], order[1], order[2], order[3]);
	CHECK(order[0] == 2 && order[1] == 4 && order[2] == 201 && order[3] == 203);
	n = 0;
	SYS(sigprocmask(SIG_BLOCK, &m, NULL));
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	SYS(sigprocmask(SIG_UNBLOCK, &m, NULL));
	EQ("standard_coalesced", n, 1);
	pass();
}
