/* sigtimedwait takes a pending blocked signal synchronously, times out with
 * EAGAIN, and a zero timeout polls. */
#include "contract.h"
#include <time.h>

int main(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	SYS(sigprocmask(SIG_BLOCK, &m, NULL));
	struct timespec zero = {0, 0}, short_ts = {0, 50000000};
	ERR("poll_empty", sigtimedwait(&m, NULL, &zero), EAGAIN);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ERR("timeout", sigtimedwait(&m, NULL, &short_ts), EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EQ("slept", ms >= 45, 1);
	kill(getpid(), SIGUSR2);
	siginfo_t si;
	EQ("taken", sigtimedwait(&m, &si, &zero), SIGUSR2);
	EQ("si_signo", si.si_signo, SIGUSR2);
	EQ("si_code", si.si_code, SI_USER);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		usleep(20000);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	struct timespec long_ts = {5, 0};
	EQ("woken", sigtimedwait(&m, &si, &long_ts), SIGUSR2);
	reap(pid);
	pass();
}
