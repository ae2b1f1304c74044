/* futex_waitv: argument validation (count, flags, per-waiter flags and
 * reserved field, alignment, clock), EAGAIN when a value differs, an
 * absolute timeout on either clock, and the index of the futex woken as
 * the return value, for private and shared waiters. */
#include "contract.h"
#include <pthread.h>
#include <time.h>
#include <linux/futex.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

struct waitv {
	uint64_t val, uaddr;
	uint32_t flags, reserved;
};

#define U32 0x02
#define PRIV 128

static uint32_t f[4] __attribute__((aligned(8)));
static int wake_index, wake_private;

static void *waker(void *arg)
{
	(void)arg;
	struct timespec d = {0, 50 * 1000 * 1000};
	nanosleep(&d, NULL);
	syscall(SYS_futex, &f[wake_index], wake_private ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 1, NULL, NULL, 0);
	return NULL;
}

static long waitv(struct waitv *w, unsigned n, unsigned flags, struct timespec *ts, int clock)
{
	return syscall(SYS_futex_waitv, w, n, flags, ts, clock);
}

int main(void)
{
	struct waitv w[3];
	memset(w, 0, sizeof w);
	for (int i = 0; i < 3; i++) {
		w[i].uaddr = (uintptr_t)&f[i];
		w[i].flags = U32 | PRIV;
	}
	struct timespec now, ts;
	ERR("zero", waitv(w, 0, 0, NULL, 0), EINVAL);
	ERR("too_many", waitv(w, 129, 0, NULL, 0), EINVAL);
	ERR("null", waitv(NULL, 1, 0, NULL, 0), EINVAL);
	ERR("flags", waitv(w, 3, 1, NULL, 0), EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ERR("bad_clock", waitv(w, 3, 0, &now, CLOCK_BOOTTIME), EINVAL);
	ts.tv_sec = 0;
	ts.tv_nsec = 2000000000;
	ERR("bad_ts", waitv(w, 3, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	ERR("ts_fault", waitv(w, 3, 0, (void *)8, CLOCK_MONOTONIC), EFAULT);
	ERR("waiters_fault", waitv((void *)8, 1, 0, NULL, 0), EFAULT);
	w[1].flags = PRIV; /* no size */
	ERR("no_size", waitv(w, 3, 0, NULL, 0), EINVAL);
	w[1].flags = 0x03 | PRIV; /* U64 */
	ERR("size64", waitv(w, 3, 0, NULL, 0), EINVAL);
	w[1].flags = U32 | PRIV | 0x4;
	ERR("unknown_flag", waitv(w, 3, 0, NULL, 0), EINVAL);
	w[1].flags = U32 | PRIV;
	w[1].reserved = 1;
	ERR("reserved", waitv(w, 3, 0, NULL, 0), EINVAL);
	w[1].reserved = 0;
	w[1].uaddr = (uintptr_t)&f[1] + 1;
	ERR("unaligned", waitv(w, 3, 0, NULL, 0), EINVAL);
	w[1].uaddr = (uintptr_t)&f[1];
	w[2].val = 5;
	ERR("value_differs", waitv(w, 3, 0, NULL, 0), EAGAIN);
	w[2].val = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
	ERR("timeout_mono", waitv(w, 3, 0, &ts, CLOCK_MONOTONIC), ETIMEDOUT);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
	ERR("timeout_real", waitv(w, 3, 0, &ts, CLOCK_REALTIME), ETIMEDOUT);
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	ERR("timeout_past", waitv(w, 3, 0, &ts, CLOCK_MONOTONIC), ETIMEDOUT);

	pthread_t th;
	wake_index = 1;
	wake_private = 1;
	pthread_create(&th, NULL, waker, NULL);
	EQ("woken_index", waitv(w, 3, 0, NULL, 0), 1);
	pthread_join(th, NULL);

	wake_index = 2;
	wake_private = 0;
	for (int i = 0; i < 3; i++)
		w[i].flags = U32;
	pthread_create(&th, NULL, waker, NULL);
	EQ("woken_shared_index", waitv(w, 3, 0, NULL, 0), 2);
	pthread_join(th, NULL);

	/* FUTEX2_PRIVATE keys differ from shared ones: a private waiter is not
	 * woken by a shared FUTEX_WAKE on the same word */
	w[0].flags = U32 | PRIV;
	wake_index = 0;
	wake_private = 0;
	pthread_create(&th, NULL, waker, NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 1;
	long r = waitv(w, 1, 0, &ts, CLOCK_MONOTONIC);
	pthread_join(th, NULL);
	OUT("private_vs_shared", "%s", r == 0 ? "woken" : errname(errno));
	/* and a shared waiter is not woken by a private wake */
	w[0].flags = U32;
	wake_private = 1;
	pthread_create(&th, NULL, waker, NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 1;
	r = waitv(w, 1, 0, &ts, CLOCK_MONOTONIC);
	pthread_join(th, NULL);
	OUT("shared_vs_private", "%s", r == 0 ? "woken" : errname(errno));
	pass();
}
