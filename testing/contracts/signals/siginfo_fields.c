/* SA_SIGINFO handlers see si_signo, si_code, si_pid and sigqueue values. */
#include "contract.h"

static volatile int signo, code, same_pid, value;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	signo = s;
	code = si->si_code;
	same_pid = si->si_pid == getpid();
	value = si->si_value.sival_int;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGUSR2, &sa, NULL));
	SYS(kill(getpid(), SIGUSR2));
	EQ("signo", signo, SIGUSR2);
	EQ("code", code, SI_USER);
	EQ("pid", same_pid, 1);
	SYS(sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 4242}));
	EQ("queue_code", code, SI_QUEUE);
	EQ("queue_value", value, 4242);
	SYS(sigaction(SIGRTMIN + 1, &sa, NULL));
	SYS(sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 7}));
	EQ("rt_signo_offset", signo - SIGRTMIN, 1);
	EQ("rt_value", value, 7);
	pass();
}
