/* SIGKILL queued to one thread with rt_tgsigqueueinfo (as a fuzzer does to
 * its own threads) kills the whole process, even with the other threads
 * blocked in rt_sigsuspend or in a system call. */
#include "contract.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static volatile pid_t victim_tid;

static void *sleeper(void *arg)
{
	(void)arg;
	victim_tid = syscall(SYS_gettid);
	sigset_t none;
	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
	return NULL;
}

static void *blocker(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pid_t child = SYS(fork());
	if (child == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, sleeper, NULL);
		pthread_create(&b, NULL, blocker, NULL);
		while (!victim_tid)
			sched_yield();
		usleep(20000);
		siginfo_t si = {0};
		si.si_signo = SIGKILL;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		syscall(SYS_rt_tgsigqueueinfo, getpid(), victim_tid, SIGKILL, &si);
		for (;;)
			pause();
	}
	alarm(5);
	int st;
	EQ("waited", waitpid(child, &st, 0) == child, 1);
	EQ("signaled", WIFSIGNALED(st), 1);
	EQ("termsig", WTERMSIG(st), SIGKILL);
	pass();
}
