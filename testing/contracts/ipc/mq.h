/* mq.h: raw POSIX message-queue system calls (the kernel's answers, not
 * the libc's) and small helpers. */
#ifndef MQ_H
#define MQ_H
#include "../contract.h"
#include <mqueue.h>
#include <time.h>

static inline int mqopen(const char *name, int flags, mode_t mode, struct mq_attr *a)
{
	return syscall(SYS_mq_open, name, flags, mode, a);
}
static inline int mqsend(int q, const char *m, size_t n, unsigned prio, const struct timespec *ts)
{
	return syscall(SYS_mq_timedsend, q, m, n, prio, ts);
}
static inline long mqrecv(int q, char *m, size_t n, unsigned *prio, const struct timespec *ts)
{
	return syscall(SYS_mq_timedreceive, q, m, n, prio, ts);
}
static inline int mqattr(int q, const struct mq_attr *n, struct mq_attr *o)
{
	return syscall(SYS_mq_getsetattr, q, n, o);
}
static inline int mqunlink(const char *name) { return syscall(SYS_mq_unlink, name); }

/* in_ms is an absolute CLOCK_REALTIME time ms from now. */
static inline struct timespec in_ms(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}
#endif
