/* futex.h: raw futex helpers shared by the threading contracts. */
#include <linux/futex.h>
#include <time.h>

static inline long futex(volatile int *uaddr, int op, int val, const struct timespec *ts,
			 volatile int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}
