/* Setting the clock: unprivileged callers get EPERM from clock_settime,
 * settimeofday and a modifying adjtimex (reading with modes 0 works); other
 * clocks and bad timespecs are EINVAL; setting CLOCK_REALTIME as root moves
 * the realtime clock (the vDSO, time(2), a child) and not CLOCK_MONOTONIC.
 * The clock is put back afterwards. */
#include "contract.h"
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000))
			_exit(20);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("user_clock_settime: %s\n", syscall(SYS_clock_settime, CLOCK_REALTIME, &ts) ? errname(errno) : "OK");
		struct timeval tv = {ts.tv_sec, 0};
		printf("user_settimeofday: %s\n", syscall(SYS_settimeofday, &tv, NULL) ? errname(errno) : "OK");
		struct timex tx = {0};
		long r = syscall(SYS_adjtimex, &tx);
		printf("user_adjtimex_read: %s\n", r < 0 ? errname(errno) : "OK");
		tx.modes = ADJ_OFFSET;
		printf("user_adjtimex_set: %s\n", syscall(SYS_adjtimex, &tx) < 0 ? errname(errno) : "OK");
		printf("user_clock_settime_mono: %s\n", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts) ? errname(errno) : "OK");
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");

	struct timespec before, mono0;
	clock_gettime(CLOCK_REALTIME, &before);
	clock_gettime(CLOCK_MONOTONIC, &mono0);
	ERR("set_mono", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &before), EINVAL);
	ERR("set_boottime", syscall(SYS_clock_settime, CLOCK_BOOTTIME, &before), EINVAL);
	ERR("set_cputime", syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &before), EINVAL);
	ERR("set_bad_clock", syscall(SYS_clock_settime, 99, &before), EINVAL);
	struct timespec bad = {before.tv_sec, 1000000000};
	ERR("set_bad_nsec", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad), EINVAL);
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	ERR("set_negative", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad), EINVAL);
	ERR("set_fault", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8), EFAULT);
	struct timeval badtv = {before.tv_sec, 1000000};
	ERR("settimeofday_bad_usec", syscall(SYS_settimeofday, &badtv, NULL), EINVAL);

	struct timespec later = {before.tv_sec + 100000, before.tv_nsec};
	EQ("set_forward", syscall(SYS_clock_settime, CLOCK_REALTIME, &later), 0);
	struct timespec now, mono1;
	clock_gettime(CLOCK_REALTIME, &now); /* through the vDSO */
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	long long jump = now.tv_sec - before.tv_sec;
	EQ("vdso_moved", jump >= 100000 && jump < 100010, 1);
	EQ("monotonic_not_moved", mono1.tv_sec - mono0.tv_sec < 10, 1);
	long long t = time(NULL) - before.tv_sec;
	EQ("time_moved", t >= 100000 && t < 100010, 1);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	EQ("gettimeofday_moved", tv.tv_sec - before.tv_sec >= 100000, 1);
	struct timespec sc;
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &sc);
	EQ("syscall_moved", sc.tv_sec - before.tv_sec >= 100000, 1);
	pid = SYS(fork());
	if (pid == 0) {
		struct timespec c;
		clock_gettime(CLOCK_REALTIME, &c);
		_exit(c.tv_sec - before.tv_sec >= 100000 ? 0 : 1);
	}
	STREQ("child_sees", wstatus(reap(pid)), "exit 0");
	struct timeval back = {before.tv_sec + (mono1.tv_sec - mono0.tv_sec), 0};
	EQ("settimeofday_back", syscall(SYS_settimeofday, &back, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	EQ("restored", now.tv_sec - before.tv_sec < 10, 1);
	struct timex tx = {0};
	long state = syscall(SYS_adjtimex, &tx);
	OUT("adjtimex_state", "%ld", state);
	tx.modes = ADJ_TICK;
	tx.tick = 1;
	ERR("adjtimex_badtick", syscall(SYS_adjtimex, &tx), EINVAL);
	ERR("adjtimex_fault", syscall(SYS_adjtimex, (void *)8), EFAULT);
	pass();
}
