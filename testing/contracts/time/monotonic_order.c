/* CLOCK_MONOTONIC never goes backwards across many reads and between
 * processes; BOOTTIME >= MONOTONIC; gettimeofday agrees with REALTIME. */
#include "contract.h"
#include <sys/time.h>
#include <time.h>

static long long ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	long long prev = ns(CLOCK_MONOTONIC);
	int backwards = 0;
	for (int i = 0; i < 100000; i++) {
		long long now = ns(CLOCK_MONOTONIC);
		if (now < prev)
			backwards++;
		prev = now;
	}
	EQ("backwards", backwards, 0);
	long long mono = ns(CLOCK_MONOTONIC);
	EQ("boottime_ge_monotonic", ns(CLOCK_BOOTTIME) >= mono, 1);
	struct timeval tv;
	SYS(gettimeofday(&tv, NULL));
	long long rt = ns(CLOCK_REALTIME);
	long long diff = rt / 1000 - (tv.tv_sec * 1000000LL + tv.tv_usec);
	EQ("gettimeofday_close", diff >= 0 && diff < 1000000, 1);
	EQ("time_close", llabs(time(NULL) - rt / 1000000000) <= 1, 1);
	pass();
}
