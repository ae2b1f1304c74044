/* Securebits are per-thread credentials (man 7 capabilities): a thread's
 * PR_SET_SECUREBITS is not seen by the main thread, a thread created
 * afterwards by that thread inherits its value, and one created by the main
 * thread inherits the main thread's. */
#include "contract.h"
#include <linux/securebits.h>
#include <pthread.h>
#include <sys/prctl.h>

static long get(void) { return prctl(PR_GET_SECUREBITS, 0, 0, 0, 0); }

static void *grandchild(void *arg)
{
	(void)arg;
	return (void *)get();
}

static void *setter(void *arg)
{
	(void)arg;
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0) != 0)
		fail("thread set: %s", errname(errno));
	pthread_t g;
	void *r;
	if (pthread_create(&g, NULL, grandchild, NULL) != 0 || pthread_join(g, &r) != 0)
		fail("grandchild thread");
	OUT("thread_own", "%#lx", get());
	OUT("thread_created_by_thread", "%#lx", (long)r);
	return NULL;
}

int main(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, setter, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	OUT("main_after_thread", "%#lx", get());
	void *r;
	CHECK(pthread_create(&t, NULL, grandchild, NULL) == 0);
	CHECK(pthread_join(t, &r) == 0);
	OUT("thread_created_by_main", "%#lx", (long)r);
	EQ("main_may_still_set", prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0), 0);
	OUT("main_now", "%#lx", get());
	pass();
}
