/* A multi-threaded process that stopped itself (tkill of SIGSTOP to its
 * own thread, as a fuzzer does) dies at SIGKILL from its parent, with
 * threads blocked in rt_sigsuspend and pause. */
#include "contract.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void *sleeper(void *arg)
{
	(void)arg;
	sigset_t none;
	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
	return NULL;
}

int main(void)
{
	pid_t child = SYS(fork());
	if (child == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, sleeper, NULL);
		pthread_create(&b, NULL, sleeper, NULL);
		usleep(20000);
		syscall(SYS_tkill, syscall(SYS_gettid), SIGSTOP);
		for (;;)
			pause();
	}
	alarm(5);
	int st;
	EQ("stopped", waitpid(child, &st, WUNTRACED) == child && WIFSTOPPED(st), 1);
	EQ("stopsig", WSTOPSIG(st), SIGSTOP);
	SYS(kill(child, SIGKILL));
	EQ("waited", waitpid(child, &st, 0) == child, 1);
	EQ("signaled", WIFSIGNALED(st), 1);
	EQ("termsig", WTERMSIG(st), SIGKILL);
	pass();
}
