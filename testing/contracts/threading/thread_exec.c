/* execve from a non-leader thread kills the other threads and the process
 * keeps its pid. */
#include "contract.h"
#include <pthread.h>

static pid_t leader;

static void *worker(void *a)
{
	(void)a;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", leader);
	execl("/proc/self/exe", "x", pid, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 2) {
		char buf[4096];
		read_file("/proc/self/status", buf, sizeof buf);
		char *th = strstr(buf, "Threads:");
		printf("threads_after_exec: %d\n", th ? atoi(th + 8) : -1);
		printf("pid_kept: %d\n", getpid() == atoi(argv[1]));
		printf("tid_is_pid: %d\n", (pid_t)syscall(SYS_gettid) == getpid());
		exit(0);
	}
	pid_t pid = SYS(fork());
	if (pid == 0) {
		leader = getpid();
		pthread_t t[2];
		pthread_create(&t[0], NULL, worker, NULL);
		for (;;)
			pause();
	}
	STREQ("status", wstatus(reap(pid)), "exit 0");
	pass();
}
