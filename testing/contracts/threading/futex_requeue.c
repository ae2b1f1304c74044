/* FUTEX_CMP_REQUEUE wakes some waiters and moves the rest to another futex;
 * a changed value makes it fail with EAGAIN. */
#include "contract.h"
#include "futex.h"
#include <pthread.h>

static volatile int a, b, started, done;
static volatile pid_t tids[3];

static void *waiter(void *x)
{
	tids[(long)x] = syscall(SYS_gettid);
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	futex(&a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	__atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(void)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, waiter, (void *)(long)i);
	while (started < 3)
		usleep(1000);
	EQ("all_sleeping", wait_sleeping(tids[0]) && wait_sleeping(tids[1]) && wait_sleeping(tids[2]), 1);
	ERR("cmp_mismatch", futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &b, 5), EAGAIN);
	EQ("requeue", futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &b, 0), 3);
	for (int i = 0; i < 5000 && done < 1; i++)
		usleep(1000);
	usleep(20000);
	EQ("done_after_requeue", done, 1);
	EQ("wake_on_a", futex(&a, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 0);
	EQ("wake_on_b", futex(&b, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 2);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	EQ("done", done, 3);
	pass();
}
