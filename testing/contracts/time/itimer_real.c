/* ITIMER_REAL delivers SIGALRM periodically; getitimer shows the interval;
 * alarm() returns the seconds left on the previous alarm. */
#include "contract.h"
#include <sys/time.h>

static volatile int ticks;
static void h(int s) { (void)s; ticks++; }

int main(void)
{
	signal(SIGALRM, h);
	struct itimerval it = {{0, 20000}, {0, 20000}}, cur;
	SYS(setitimer(ITIMER_REAL, &it, NULL));
	while (ticks < 3)
		pause();
	SYS(getitimer(ITIMER_REAL, &cur));
	EQ("interval_us", cur.it_interval.tv_usec, 20000);
	struct itimerval zero = {{0, 0}, {0, 0}}, old;
	SYS(setitimer(ITIMER_REAL, &zero, &old));
	EQ("old_interval", old.it_interval.tv_usec, 20000);
	int seen = ticks;
	usleep(60000);
	EQ("stopped", ticks == seen, 1);
	EQ("alarm_none", alarm(100), 0);
	unsigned left = alarm(0);
	EQ("alarm_left", left >= 99 && left <= 100, 1);
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	ERR("bad_usec", setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
	ERR("bad_which", setitimer(7, &it, NULL), EINVAL);
	pass();
}
