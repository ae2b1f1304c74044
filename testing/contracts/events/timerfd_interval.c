/* A periodic timerfd accumulates expirations; disarming stops it. */
#include "contract.h"
#include <sys/timerfd.h>

int main(void)
{
	int fd = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	struct itimerspec its = {.it_value = {0, 10000000}, .it_interval = {0, 10000000}};
	SYS(timerfd_settime(fd, 0, &its, NULL));
	usleep(100000);
	uint64_t n = 0;
	EQ("read", read(fd, &n, 8), 8);
	EQ("several", n >= 3, 1);
	struct itimerspec old, zero = {{0, 0}, {0, 0}};
	SYS(timerfd_settime(fd, 0, &zero, &old));
	EQ("old_interval_ns", old.it_interval.tv_nsec, 10000000);
	usleep(30000);
	ERR("stopped", read(fd, &n, 8), EAGAIN);
	its.it_value.tv_nsec = 1000000000;
	ERR("bad_nsec", timerfd_settime(fd, 0, &its, NULL), EINVAL);
	pass();
}
