/* Threads share memory, have distinct tids in the same process, and join
 * returns their result. */
#include "contract.h"
#include <pthread.h>

static int shared;
static pid_t tids[4];

static void *worker(void *arg)
{
	long i = (long)arg;
	__atomic_add_fetch(&shared, (int)i, __ATOMIC_SEQ_CST);
	tids[i] = syscall(SYS_gettid);
	return (void *)(i * 10);
}

int main(void)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	long sum = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		CHECK(pthread_join(t[i], &r) == 0);
		sum += (long)r;
	}
	EQ("results", sum, 60);
	EQ("shared", shared, 6);
	int distinct = 1;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j] || tids[i] == getpid())
				distinct = 0;
	EQ("distinct_tids", distinct, 1);
	pass();
}
