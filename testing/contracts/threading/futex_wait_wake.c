/* FUTEX_WAIT sleeps until FUTEX_WAKE; a mismatched value is EAGAIN; WAKE
 * returns how many it woke. */
#include "contract.h"
#include "futex.h"
#include <pthread.h>

static volatile int word, started;
static volatile pid_t tids[2];

static void *waiter(void *a)
{
	tids[(long)a] = syscall(SYS_gettid);
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (word == 0)
		futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

int main(void)
{
	ERR("mismatch", futex(&word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0), EAGAIN);
	EQ("wake_none", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
	pthread_t t[2];
	pthread_create(&t[0], NULL, waiter, (void *)0L);
	pthread_create(&t[1], NULL, waiter, (void *)1L);
	while (started < 2)
		usleep(1000);
	EQ("both_sleeping", wait_sleeping(tids[0]) && wait_sleeping(tids[1]), 1);
	word = 1;
	long woke = futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
	EQ("woke_both", woke, 2);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	ERR("badop", futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);
	ERR("unaligned", futex((int *)((char *)&word + 1), FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL);
	pass();
}
