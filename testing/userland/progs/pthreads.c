/*
 * pthreads.c: 8 threads with a mutex, a condition variable, a barrier,
 * thread-local storage, pthread_join results and cancellation. Only totals
 * and per-thread results in thread-index order are printed, never the
 * interleaving, so the output is deterministic.
 */
#include "contract.h"
#include <pthread.h>
#include <time.h>

#define NT 8
#define ITERS 20000
#define ROUNDS 5

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static long counter;
static __thread long tls_counter = 100;
static __thread char tls_name[16];

/* A bounded queue: thread 0 produces, the others consume. */
#define QCAP 4
static int queue[QCAP], qhead, qlen, produced_done;
static pthread_cond_t qnotfull = PTHREAD_COND_INITIALIZER;
static long consumed_sum[NT];

static int phase_seen[NT][ROUNDS];
static volatile int phase;

static void *worker(void *arg)
{
	long id = (long)arg;
	snprintf(tls_name, sizeof tls_name, "worker-%ld", id);
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
		tls_counter++;
	}
	/* Barrier rounds: every thread must see the same phase number after
	 * each barrier; one serial thread advances it. */
	for (int r = 0; r < ROUNDS; r++) {
		int rc = pthread_barrier_wait(&bar);
		if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
			phase++;
		else if (rc != 0)
			return (void *)-1L;
		pthread_barrier_wait(&bar);
		phase_seen[id][r] = phase;
	}
	/* Producer/consumer through the condition variable. */
	if (id == 0) {
		for (int v = 1; v <= 1000; v++) {
			pthread_mutex_lock(&mu);
			while (qlen == QCAP)
				pthread_cond_wait(&qnotfull, &mu);
			queue[(qhead + qlen) % QCAP] = v;
			qlen++;
			pthread_cond_signal(&cv);
			pthread_mutex_unlock(&mu);
		}
		pthread_mutex_lock(&mu);
		produced_done = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	} else {
		for (;;) {
			pthread_mutex_lock(&mu);
			while (qlen == 0 && !produced_done)
				pthread_cond_wait(&cv, &mu);
			if (qlen == 0) {
				pthread_mutex_unlock(&mu);
				break;
			}
			int v = queue[qhead];
			qhead = (qhead + 1) % QCAP;
			qlen--;
			pthread_cond_signal(&qnotfull);
			pthread_mutex_unlock(&mu);
			consumed_sum[id] += v;
		}
	}
	/* TLS stayed private: our counter and name are ours alone. */
	char want[16];
	snprintf(want, sizeof want, "worker-%ld", id);
	if (tls_counter != 100 + ITERS || strcmp(tls_name, want) != 0)
		return (void *)-2L;
	return (void *)(id * id + 1);
}

static int cleanup_ran;
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ccv = PTHREAD_COND_INITIALIZER;
static int never;

static void cleanup(void *arg)
{
	cleanup_ran = (int)(long)arg;
	pthread_mutex_unlock(&cmu);
}

static void *cancel_in_condwait(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cmu);
	pthread_cleanup_push(cleanup, (void *)7L);
	while (!never)
		pthread_cond_wait(&ccv, &cmu);
	pthread_cleanup_pop(1);
	return NULL;
}

static void *cancel_in_sleep(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = {10, 0};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static volatile int spin_go;
static void *cancel_async(void *arg)
{
	(void)arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	spin_go = 1;
	for (;;)
		;
	return NULL;
}

static void *disabled_then_enabled(void *arg)
{
	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL); /* cancel arrives meanwhile, stays pending */
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();
	return (void *)1L;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void once_fn(void) { once_runs++; }
static void *once_user(void *arg)
{
	(void)arg;
	pthread_once(&once, once_fn);
	return NULL;
}

int main(void)
{
	pthread_t th[NT];
	CHECK(pthread_barrier_init(&bar, NULL, NT) == 0);
	snprintf(tls_name, sizeof tls_name, "main");
	for (long i = 0; i < NT; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	long total_ret = 0;
	for (int i = 0; i < NT; i++) {
		void *ret;
		CHECK(pthread_join(th[i], &ret) == 0);
		OUT("join", "%d -> %ld", i, (long)ret);
		total_ret += (long)ret;
	}
	OUT("join_total", "%ld", total_ret);
	EQ("counter", counter, (long)NT * ITERS);
	OUT("main_tls", "%ld %s", tls_counter, tls_name);
	int phases_ok = 1;
	for (int i = 0; i < NT; i++)
		for (int r = 0; r < ROUNDS; r++)
			phases_ok &= phase_seen[i][r] == r + 1;
	EQ("barrier_phases_ok", phases_ok, 1);
	long cs = 0;
	for (int i = 0; i < NT; i++)
		cs += consumed_sum[i];
	EQ("consumed_sum", cs, 1000L * 1001 / 2);
	pthread_barrier_destroy(&bar);

	/* Cancellation. */
	pthread_t c;
	void *ret;
	struct timespec ts = {0, 50 * 1000 * 1000};
	CHECK(pthread_create(&c, NULL, cancel_in_condwait, NULL) == 0);
	nanosleep(&ts, NULL);
	CHECK(pthread_cancel(c) == 0);
	CHECK(pthread_join(c, &ret) == 0);
	OUT("cancel_condwait", "%s cleanup=%d", ret == PTHREAD_CANCELED ? "canceled" : "returned", cleanup_ran);
	/* The cleanup handler unlocked the mutex. */
	EQ("mutex_free_after_cancel", pthread_mutex_trylock(&cmu), 0);
	pthread_mutex_unlock(&cmu);

	CHECK(pthread_create(&c, NULL, cancel_in_sleep, NULL) == 0);
	nanosleep(&ts, NULL);
	CHECK(pthread_cancel(c) == 0);
	CHECK(pthread_join(c, &ret) == 0);
	OUT("cancel_sleep", "%s", ret == PTHREAD_CANCELED ? "canceled" : "returned");

	CHECK(pthread_create(&c, NULL, cancel_async, NULL) == 0);
	while (!spin_go)
		sched_yield();
	CHECK(pthread_cancel(c) == 0);
	CHECK(pthread_join(c, &ret) == 0);
	OUT("cancel_async", "%s", ret == PTHREAD_CANCELED ? "canceled" : "returned");

	CHECK(pthread_create(&c, NULL, disabled_then_enabled, NULL) == 0);
	nanosleep(&ts, NULL);
	CHECK(pthread_cancel(c) == 0);
	CHECK(pthread_join(c, &ret) == 0);
	OUT("cancel_deferred_pending", "%s", ret == PTHREAD_CANCELED ? "canceled" : "returned");

	/* pthread_once runs its routine exactly once across threads. */
	pthread_t o[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&o[i], NULL, once_user, NULL) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_join(o[i], NULL) == 0);
	EQ("once_runs", once_runs, 1);
	pass();
}
