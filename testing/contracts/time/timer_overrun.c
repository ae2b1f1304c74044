/* A periodic POSIX timer whose signal stays blocked queues one signal and
 * counts the other expiries as overruns (si_overrun, timer_getoverrun);
 * timer_settime returns the old setting and disarms; bad ids are EINVAL. */
#include "contract.h"
#include <time.h>

int main(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	SYS(sigprocmask(SIG_BLOCK, &set, NULL));
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR2;
	sev.sigev_value.sival_int = 5;
	timer_t t;
	SYS(timer_create(CLOCK_MONOTONIC, &sev, &t));
	struct itimerspec its = {.it_value = {0, 1000000}, .it_interval = {0, 1000000}};
	SYS(timer_settime(t, 0, &its, NULL));
	struct timespec nap = {0, 60000000};
	nanosleep(&nap, NULL);
	siginfo_t si;
	struct timespec zero = {0, 0};
	EQ("taken", sigtimedwait(&set, &si, &zero), SIGUSR2);
	EQ("code", si.si_code, SI_TIMER);
	EQ("value", si.si_value.sival_int, 5);
	EQ("si_overrun_positive", si.si_overrun > 0, 1);
	EQ("getoverrun_positive", timer_getoverrun(t) > 0, 1);
	SYS(timer_delete(t));
	ERR("deleted", timer_getoverrun(t), EINVAL);

	/* (SIGEV_NONE timers are left out: Linux 6.1 reports stale values
	 * for them after a disarm, fixed in 6.13.) */
	timer_t n;
	SYS(timer_create(CLOCK_REALTIME, &sev, &n));
	struct itimerspec ten = {.it_value = {10, 0}};
	SYS(timer_settime(n, 0, &ten, NULL));
	struct itimerspec cur;
	SYS(timer_gettime(n, &cur));
	EQ("none_running", cur.it_value.tv_sec == 9 || cur.it_value.tv_sec == 10, 1);
	struct itimerspec old;
	struct itimerspec off = {0};
	SYS(timer_settime(n, 0, &off, &old));
	EQ("old_value_returned", old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10, 1);
	SYS(timer_gettime(n, &cur));
	EQ("disarmed", cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);
	struct sigevent bad = {0};
	bad.sigev_notify = SIGEV_SIGNAL;
	bad.sigev_signo = 0;
	ERR("bad_signo", timer_create(CLOCK_MONOTONIC, &bad, &n), EINVAL);
	pass();
}
