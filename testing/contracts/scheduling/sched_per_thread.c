/* Scheduling attributes belong to threads: a thread's setpriority or
 * sched_setattr on itself leaves the other threads alone, a thread id
 * names that thread, threads inherit their creator's attributes, and
 * PRIO_PGRP changes every thread of the group. */
#include "contract.h"
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

static int ready[2], go[2];
static volatile pid_t worker_tid;
static volatile int grandchild_nice, grandchild_policy;

static void *grandchild(void *arg)
{
	(void)arg;
	grandchild_nice = getpriority(PRIO_PROCESS, 0);
	grandchild_policy = (int)syscall(SYS_sched_getscheduler, 0);
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = syscall(SYS_gettid);
	setpriority(PRIO_PROCESS, 0, 7);
	struct sched_param p = {0};
	syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &p);
	pthread_t g;
	pthread_create(&g, NULL, grandchild, NULL);
	pthread_join(g, NULL);
	char c = 1;
	write(ready[1], &c, 1);
	read(go[0], &c, 1);
	return NULL;
}

int main(void)
{
	SYS(pipe(ready));
	SYS(pipe(go));
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	char c;
	SYS(read(ready[0], &c, 1));
	EQ("main_nice", getpriority(PRIO_PROCESS, 0), 0);
	EQ("main_policy", syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
	EQ("worker_nice_by_tid", getpriority(PRIO_PROCESS, worker_tid), 7);
	EQ("worker_policy_by_tid", syscall(SYS_sched_getscheduler, worker_tid), SCHED_BATCH);
	EQ("grandchild_inherits_nice", grandchild_nice, 7);
	EQ("grandchild_inherits_policy", grandchild_policy, SCHED_BATCH);
	EQ("set_worker_by_tid", setpriority(PRIO_PROCESS, worker_tid, 2), 0);
	EQ("worker_nice_now", getpriority(PRIO_PROCESS, worker_tid), 2);
	EQ("main_nice_still", getpriority(PRIO_PROCESS, 0), 0);
	EQ("pgrp_set", setpriority(PRIO_PGRP, 0, 4), 0);
	EQ("main_after_pgrp", getpriority(PRIO_PROCESS, 0), 4);
	EQ("worker_after_pgrp", getpriority(PRIO_PROCESS, worker_tid), 4);
	EQ("pgrp_get", getpriority(PRIO_PGRP, 0), 4);
	ERR("prio_bad_which", syscall(SYS_getpriority, 3, 0), EINVAL);
	ERR("prio_negative_who", syscall(SYS_getpriority, PRIO_PROCESS, -1), ESRCH);
	ERR("prio_nopgrp", syscall(SYS_getpriority, PRIO_PGRP, 999999), ESRCH);
	ERR("prio_user_none", syscall(SYS_getpriority, PRIO_USER, 12345), ESRCH);
	c = 1;
	write(go[1], &c, 1);
	pthread_join(th, NULL);
	pass();
}
