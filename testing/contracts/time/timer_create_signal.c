/* POSIX timers (timer_create/settime) deliver SIGEV_SIGNAL with the
 * timer's value; timer_getoverrun and timer_delete work. */
#include "contract.h"
#include <time.h>

static volatile int hits, val, code;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	hits++;
	val = si->si_value.sival_int;
	code = si->si_code;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGUSR1, &sa, NULL));
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 99;
	timer_t t;
	SYS(timer_create(CLOCK_MONOTONIC, &sev, &t));
	struct itimerspec its = {.it_value = {0, 20000000}};
	SYS(timer_settime(t, 0, &its, NULL));
	while (hits == 0)
		pause();
	EQ("hits", hits, 1);
	EQ("value", val, 99);
	EQ("code", code, SI_TIMER);
	EQ("overrun", timer_getoverrun(t), 0);
	struct itimerspec cur;
	SYS(timer_gettime(t, &cur));
	EQ("disarmed", cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);
	SYS(timer_delete(t));
	pass();
}
