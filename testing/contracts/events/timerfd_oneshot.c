/* timerfd: a one-shot expiry is read as a count of 1; gettime after expiry
 * is zero; blocking read waits for it. */
#include "contract.h"
#include <sys/timerfd.h>
#include <poll.h>

int main(void)
{
	int fd = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
	struct itimerspec its = {.it_value = {0, 20 * 1000 * 1000}};
	SYS(timerfd_settime(fd, 0, &its, NULL));
	struct itimerspec cur;
	SYS(timerfd_gettime(fd, &cur));
	EQ("armed", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0, 1);
	uint64_t n;
	EQ("read", read(fd, &n, 8), 8);
	EQ("expirations", n, 1);
	SYS(timerfd_gettime(fd, &cur));
	EQ("disarmed", cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);
	struct pollfd p = {fd, POLLIN, 0};
	EQ("not_ready", poll(&p, 1, 0), 0);
	ERR("short", read(fd, &n, 4), EINVAL);
	ERR("badclock", timerfd_create(12345, 0), EINVAL);
	pass();
}
