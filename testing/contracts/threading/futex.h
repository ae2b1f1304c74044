/* futex.h: raw futex helpers shared by the threading contracts. */
#include <linux/futex.h>
#include <time.h>

static inline long futex(volatile int *uaddr, int op, int val, const struct timespec *ts,
			 volatile int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* wait_sleeping waits (up to 5 s) until thread tid of this process is in an
 * interruptible sleep, so a following FUTEX_WAKE is not racing its WAIT. */
static inline int wait_sleeping(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	for (int i = 0; i < 5000; i++) {
		if (read_file(path, buf, sizeof buf) > 0) {
			char *rp = strrchr(buf, ')');
			if (rp && rp[1] == ' ' && rp[2] == 'S')
				return 1;
		}
		usleep(1000);
	}
	return 0;
}
