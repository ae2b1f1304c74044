/* clock_nanosleep(TIMER_ABSTIME) returns at (not before) the deadline, and
 * at once for a past deadline; unsupported clocks are rejected. */
#include "contract.h"
#include <time.h>

int main(void)
{
	struct timespec dl, now;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += 40000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	EQ("abs", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	EQ("after_deadline", now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec), 1);
	struct timespec past = {0, 1};
	EQ("past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
	struct timespec rel = {0, 10000000};
	EQ("relative_realtime", clock_nanosleep(CLOCK_REALTIME, 0, &rel, NULL), 0);
	EQ("boottime", clock_nanosleep(CLOCK_BOOTTIME, 0, &rel, NULL), 0);
	STREQ("thread_cputime", errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &rel, NULL)), "EINVAL");
	STREQ("bad_clock", errname(clock_nanosleep(12345, 0, &rel, NULL)), "EINVAL");
	pass();
}
