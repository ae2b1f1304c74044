/* tgkill targets one thread: its handler runs in that thread; a wrong tgid
 * is ESRCH. */
#include "contract.h"
#include <pthread.h>

static volatile pid_t handled_in, worker_tid;
static volatile int ready, stop;

static void h(int s)
{
	(void)s;
	handled_in = syscall(SYS_gettid);
}

static void *worker(void *a)
{
	(void)a;
	worker_tid = syscall(SYS_gettid);
	ready = 1;
	while (!stop)
		usleep(1000);
	return NULL;
}

int main(void)
{
	signal(SIGUSR1, h);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	while (!ready)
		usleep(1000);
	SYS(syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1));
	for (int i = 0; i < 1000 && !handled_in; i++)
		usleep(1000);
	EQ("in_worker", handled_in == worker_tid, 1);
	ERR("wrong_tgid", syscall(SYS_tgkill, getpid() + 100000, worker_tid, SIGUSR1), ESRCH);
	ERR("badsig", syscall(SYS_tgkill, getpid(), worker_tid, 200), EINVAL);
	stop = 1;
	pthread_join(t, NULL);
	/* join returns when the tid word clears, slightly before the thread is gone. */
	for (int i = 0; i < 1000 && syscall(SYS_tgkill, getpid(), worker_tid, 0) == 0; i++)
		usleep(1000);
	ERR("exited", syscall(SYS_tgkill, getpid(), worker_tid, 0), ESRCH);
	pass();
}
