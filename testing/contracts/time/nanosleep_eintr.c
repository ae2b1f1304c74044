/* A signal interrupts nanosleep with EINTR and the remaining time is
 * written back. */
#include "contract.h"
#include <time.h>

static void h(int s) { (void)s; }

int main(void)
{
	signal(SIGALRM, h);
	struct itimerval it = {{0, 0}, {0, 300000}}; /* room for a loaded host */
	SYS(setitimer(ITIMER_REAL, &it, NULL));
	struct timespec req = {5, 0}, rem = {0, 0};
	ERR("interrupted", syscall(SYS_nanosleep, &req, &rem), EINTR);
	EQ("rem_less", rem.tv_sec < 5, 1);
	EQ("rem_positive", rem.tv_sec >= 4, 1);
	struct timespec abs = {0, 0};
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_sec += 5;
	SYS(setitimer(ITIMER_REAL, &it, NULL));
	int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, &rem);
	STREQ("abstime_interrupted", errname(r), "EINTR");
	pass();
}
