/* exit from any thread ends the whole process with that status. */
#include "contract.h"
#include <pthread.h>

static void *worker(void *a)
{
	(void)a;
	exit(17);
}

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, worker, NULL);
		for (;;)
			pause();
	}
	STREQ("status", wstatus(reap(pid)), "exit 17");
	pass();
}
