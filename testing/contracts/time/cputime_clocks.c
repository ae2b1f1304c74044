/* Process/thread CPU-time clocks advance with work, not with sleep;
 * times() and getrusage agree on child accounting. */
#include "contract.h"
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

static long long cpu(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	long long a = cpu(CLOCK_PROCESS_CPUTIME_ID);
	usleep(100000);
	long long b = cpu(CLOCK_PROCESS_CPUTIME_ID);
	EQ("sleep_costs_little", b - a < 50000000, 1);
	volatile unsigned long x = 0;
	long long t0 = cpu(CLOCK_THREAD_CPUTIME_ID);
	while (cpu(CLOCK_THREAD_CPUTIME_ID) - t0 < 30000000)
		x++;
	EQ("busy_advances", cpu(CLOCK_PROCESS_CPUTIME_ID) - b >= 30000000, 1);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		long long s = cpu(CLOCK_PROCESS_CPUTIME_ID);
		while (cpu(CLOCK_PROCESS_CPUTIME_ID) - s < 50000000)
			x++;
		_exit(0);
	}
	reap(pid);
	struct rusage ru;
	SYS(getrusage(RUSAGE_CHILDREN, &ru));
	long long us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	EQ("children_cpu", us >= 40000, 1);
	ERR("bad_who", getrusage(7, &ru), EINVAL);
	pass();
}
