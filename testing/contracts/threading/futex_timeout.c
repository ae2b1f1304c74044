/* FUTEX_WAIT with a relative timeout fails with ETIMEDOUT after it;
 * FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
#include "contract.h"
#include "futex.h"

int main(void)
{
	static int word;
	struct timespec ts = {0, 30000000}, t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ERR("relative", futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EQ("waited", ms >= 29, 1);
	struct timespec abs = t1;
	abs.tv_nsec += 30000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	ERR("absolute", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EQ("deadline_passed", t0.tv_sec > abs.tv_sec || (t0.tv_sec == abs.tv_sec && t0.tv_nsec >= abs.tv_nsec), 1);
	struct timespec bad = {0, 1000000000};
	ERR("bad_ts", futex(&word, FUTEX_WAIT_PRIVATE, 0, &bad, NULL, 0), EINVAL);
	ERR("bitset_zero", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, 0), EINVAL);
	pass();
}
