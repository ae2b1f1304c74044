/* Four threads incrementing under a mutex lose no updates; a condition
 * variable hands off between threads. */
#include "contract.h"
#include <pthread.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;

static void *inc(void *a)
{
	(void)a;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void *pong(void *a)
{
	(void)a;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&mu);
		while (turn != 1)
			pthread_cond_wait(&cv, &mu);
		turn = 0;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, inc, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EQ("counter", counter, 80000);
	pthread_t p;
	pthread_create(&p, NULL, pong, NULL);
	int rounds = 0;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&mu);
		turn = 1;
		pthread_cond_signal(&cv);
		while (turn != 0)
			pthread_cond_wait(&cv, &mu);
		rounds++;
		pthread_mutex_unlock(&mu);
	}
	pthread_join(p, NULL);
	EQ("rounds", rounds, 100);
	pass();
}
