/* Sixteen threads fork at once, each child exits 50 and each thread polls
 * waitpid(WNOHANG) for its own child with short sleeps (CPython's
 * test_threading.test_reinit_tls_after_fork); every child is reaped with
 * its status and every thread is joined. */
#include "contract.h"
#include <pthread.h>

#define N 16

static int status[N];

static void *forker(void *arg)
{
	int i = (int)(long)arg;
	pid_t pid = fork();
	if (pid == 0)
		_exit(50);
	if (pid < 0) {
		status[i] = -errno;
		return NULL;
	}
	for (int n = 0; n < 20000; n++) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			status[i] = st;
			return NULL;
		}
		if (r < 0) {
			status[i] = -errno;
			return NULL;
		}
		usleep(1000);
	}
	status[i] = -1000;
	return NULL;
}

int main(void)
{
	pthread_t th[N];
	for (int i = 0; i < N; i++)
		CHECK(pthread_create(&th[i], NULL, forker, (void *)(long)i) == 0);
	for (int i = 0; i < N; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	int ok = 0;
	for (int i = 0; i < N; i++)
		if (status[i] >= 0 && WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 50)
			ok++;
	EQ("children_reaped_exit_50", ok, N);
	ERR("no_children_left", waitpid(-1, NULL, WNOHANG), ECHILD);
	pass();
}
