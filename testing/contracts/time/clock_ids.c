/* clock_gettime/clock_getres work for every clock systemd uses; unknown ids
 * are EINVAL (through the vDSO fallback too). */
#include "contract.h"
#include <time.h>

int main(void)
{
	static const struct { clockid_t id; const char *name; } c[] = {
		{CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"},
		{CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME"}, {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME"},
		{CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"}, {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
		{CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"}, {CLOCK_BOOTTIME, "BOOTTIME"},
		{CLOCK_TAI, "TAI"},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct timespec ts, res;
		int g = clock_gettime(c[i].id, &ts);
		int r = clock_getres(c[i].id, &res);
		OUT(c[i].name, "gettime=%s getres=%s valid=%d", errname(g ? errno : 0), errname(r ? errno : 0),
		    ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
		CHECK(g == 0 && r == 0);
	}
	struct timespec res;
	SYS(clock_getres(CLOCK_MONOTONIC, &res));
	EQ("monotonic_res_ns", res.tv_nsec, 1);
	struct timespec ts;
	ERR("bad_clock", clock_gettime(12345, &ts), EINVAL);
	ERR("bad_clock_raw", syscall(SYS_clock_gettime, 12345, &ts), EINVAL);
	ERR("bad_getres", clock_getres(-1000, &res), EINVAL);
	SYS(clock_gettime(CLOCK_BOOTTIME, &ts));
	EQ("boottime_positive", ts.tv_sec > 0 || ts.tv_nsec > 0, 1);
	pass();
}
