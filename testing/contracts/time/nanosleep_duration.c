/* nanosleep sleeps at least the requested time; invalid timespecs are
 * EINVAL. */
#include "contract.h"
#include <time.h>

int main(void)
{
	struct timespec req = {0, 50000000}, t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	SYS(nanosleep(&req, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	EQ("slept_enough", ns >= 50000000, 1);
	EQ("not_way_too_long", ns < 5000000000LL, 1);
	struct timespec bad = {0, 1000000000};
	ERR("bad_nsec", nanosleep(&bad, NULL), EINVAL);
	struct timespec neg = {-1, 0};
	ERR("negative", nanosleep(&neg, NULL), EINVAL);
	struct timespec zero = {0, 0};
	EQ("zero", nanosleep(&zero, NULL), 0);
	pass();
}
