/* timerfd_gettime reports remaining time counting down; TFD_TIMER_ABSTIME
 * arms against the clock; settime returns the old value. */
#include "contract.h"
#include <sys/timerfd.h>
#include <time.h>

int main(void)
{
	int fd = SYS(timerfd_create(CLOCK_MONOTONIC, 0));
	struct itimerspec its = {.it_value = {10, 0}, .it_interval = {3, 0}}, cur, old;
	SYS(timerfd_settime(fd, 0, &its, NULL));
	SYS(timerfd_gettime(fd, &cur));
	EQ("remaining_le_10s", cur.it_value.tv_sec <= 9 || (cur.it_value.tv_sec == 10 && cur.it_value.tv_nsec == 0), 1);
	EQ("remaining_gt_9s", cur.it_value.tv_sec >= 9, 1);
	EQ("interval", cur.it_interval.tv_sec, 3);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct itimerspec abs = {.it_value = {now.tv_sec + 20, now.tv_nsec}};
	SYS(timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, &old));
	EQ("old_interval", old.it_interval.tv_sec, 3);
	SYS(timerfd_gettime(fd, &cur));
	EQ("abs_remaining", cur.it_value.tv_sec >= 19 && cur.it_value.tv_sec <= 20, 1);
	EQ("abs_no_interval", cur.it_interval.tv_sec, 0);
	ERR("badflags", timerfd_settime(fd, 0x100, &abs, NULL), EINVAL);
	ERR("notimerfd", timerfd_gettime(0, &cur), EINVAL);
	pass();
}
