/* FUTEX_WAIT sleeps until FUTEX_WAKE; a mismatched value is EAGAIN; WAKE
 * returns how many it woke. */
#include "contract.h"
#include "futex.h"
#include <pthread.h>

static volatile int word, started;

static void *waiter(void *a)
{
	(void)a;
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
	pthread_create(&t[0], NULL, waiter, NULL);
	pthread_create(&t[1], NULL, waiter, NULL);
	while (started < 2)
		usleep(1000);
	usleep(50000);
	word = 1;
	long woke = futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
	EQ("woke_both", woke, 2);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	ERR("badop", futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);
	ERR("unaligned", futex((int *)((char *)&word + 1), FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL);
	pass();
}
